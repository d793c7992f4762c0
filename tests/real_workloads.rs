//! Real workloads as users run them, recorded and replayed: a Go program
//! whose goroutines the runtime preempts and switches in user space, node
//! with a worker thread, python threads running subprocesses, and git
//! making a commit (javac and java: `tests/jvm.rs`). Each replay must print exactly
//! what the recording printed (times, hashes and ids included) and end
//! with status 0.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const WORKLOADS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/workloads");

/// Records `prog args` with `extra` options, replays it `replays` times
/// and checks each replay; returns the recording.
fn cycle(dir: &TestDir, extra: &[&str], prog: &Path, args: &[&str], replays: usize) -> Output {
    let trace = dir.join("trace");
    let rec = record_with(dir, &trace, extra, prog, args, None);
    for _ in 0..replays {
        assert_replay_faithful(&rec, &replay(dir, &trace));
    }
    rec
}

/// `go build` of a workload into `dir`, with its caches inside `dir` (no
/// network, nothing outside the test's directory).
fn go_build(dir: &TestDir, name: &str) -> Option<PathBuf> {
    let go = real_binary("go").or_else(|| {
        let p = PathBuf::from("/usr/lib/go/bin/go");
        p.exists().then_some(p)
    })?;
    let out = dir.join(name);
    let status = Command::new(go)
        .arg("build")
        .arg("-o")
        .arg(&out)
        .arg(Path::new(WORKLOADS).join(format!("{name}.go")))
        .env("HOME", dir.path())
        .env("GOCACHE", dir.join("gocache"))
        .env("GOPATH", dir.join("gopath"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .status()
        .expect("run go build");
    assert!(status.success(), "go build of {name} failed");
    Some(out)
}

#[test]
fn go_goroutines_preempted_and_switched_in_user_space() {
    let dir = TestDir::new("go-busy");
    let Some(prog) = go_build(&dir, "go_busy") else {
        skip("go_goroutines", "go is not installed");
        return;
    };
    let rec = cycle(&dir, &["-e", "GOMAXPROCS=4"], &prog, &[], 2);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert_eq!(out.lines().count(), 9, "{}", rec.describe());
    assert!(
        out.contains("goroutine 7: ") && out.contains("total "),
        "{}",
        rec.describe()
    );
}

/// os/exec running three commands, then `go build` itself (the go tool
/// running the compiler and the linker as subprocesses), recorded and
/// replayed; the caches are the test's own, warmed by building the first
/// program natively.
#[test]
fn go_os_exec_and_go_build() {
    let dir = TestDir::new("go-exec");
    let Some(prog) = go_build(&dir, "go_exec") else {
        skip("go_os_exec_and_go_build", "go is not installed");
        return;
    };
    let rec = cycle(&dir, &[], &prog, &[], 1);
    rec.assert_code(0);
    assert_eq!(
        rec.stdout_str(),
        "echo: \"one\\n\" <nil>\nsh: \"two\\nthree\\n\" <nil>\ntr: \"FOUR\\n\" <nil>\n",
        "{}",
        rec.describe()
    );
    let go = real_binary("go").unwrap_or_else(|| PathBuf::from("/usr/lib/go/bin/go"));
    let built = dir.join("go_busy_built");
    let src = Path::new(WORKLOADS).join("go_busy.go");
    let trace = dir.join("build-trace");
    let env: Vec<String> = [
        ("HOME", dir.path().to_path_buf()),
        ("GOCACHE", dir.join("gocache")),
        ("GOPATH", dir.join("gopath")),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", v.display()))
    .chain(["GOFLAGS=-mod=mod".to_string(), "GOPROXY=off".to_string()])
    .collect();
    let mut extra: Vec<&str> = Vec::new();
    for e in &env {
        extra.push("-e");
        extra.push(e);
    }
    let args = [
        "build",
        "-o",
        built.to_str().unwrap(),
        src.to_str().unwrap(),
    ];
    let rec = record_with(&dir, &trace, &extra, &go, &args, None);
    rec.assert_code(0);
    assert!(
        built.is_file(),
        "go build made no program\n{}",
        rec.describe()
    );
    assert_replay_faithful(&rec, &replay(&dir, &trace));
}

#[test]
fn node_with_a_worker_thread() {
    let Some(node) = real_binary("node") else {
        skip("node_with_a_worker_thread", "node is not installed");
        return;
    };
    let dir = TestDir::new("node-worker");
    let script = Path::new(WORKLOADS).join("worker.js");
    let rec = cycle(&dir, &[], &node, &[script.to_str().unwrap()], 1);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.contains("worker says fib 832040 at ") && out.contains("worker exited with 0"),
        "{}",
        rec.describe()
    );
}

#[test]
fn python_threads_running_subprocesses() {
    let Some(py) = real_binary("python3") else {
        skip(
            "python_threads_running_subprocesses",
            "python3 is not installed",
        );
        return;
    };
    let dir = TestDir::new("py-threads-subprocess");
    let script = Path::new(WORKLOADS).join("threads_subprocess.py");
    let rec = cycle(&dir, &[], &py, &[script.to_str().unwrap()], 1);
    rec.assert_code(0);
    let lines: Vec<String> = rec.stdout_str().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{}", rec.describe());
    for (i, l) in lines.iter().enumerate() {
        assert!(l.starts_with(&format!("child {i} ")), "{}", rec.describe());
    }
}

#[test]
fn git_init_and_commit() {
    let (Some(sh), Some(_)) = (real_binary("sh"), real_binary("git")) else {
        skip("git_init_and_commit", "git is not installed");
        return;
    };
    let dir = TestDir::new("git");
    let work = dir.subdir("work");
    let script = format!(
        "cd {} && git init -q repo && cd repo && echo hello > f && git add f && \
         git -c user.name=rewind -c user.email=rewind@localhost commit -q -m first && \
         git log --format='%s %H' && git status --short && echo done",
        work.display()
    );
    let rec = cycle(&dir, &["-e", "HOME=/nonexistent"], &sh, &["-c", &script], 1);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.starts_with("first ") && out.ends_with("done\n"),
        "{}",
        rec.describe()
    );
}
