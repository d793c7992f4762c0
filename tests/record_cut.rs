//! A recording never hangs and never leaves processes behind, and says
//! nothing of its own when all is well.
//!
//! - Tasks cloned CLONE_UNTRACED are recorded; a process sharing its
//!   parent's memory (LeakSanitizer's helper) is refused loudly, not hung on.
//! - ptrace calls of the program fail with EPERM and a warning.
//! - SIGTERM, SIGINT or SIGHUP sent to `rewind record` cut the recording
//!   short: the program is killed, the trace is kept, marked and replayed up
//!   to the cut; a Ctrl-C at the terminal goes to the program instead.
//! - rewind killed with SIGKILL takes the program with it.
//! - An error in rewind keeps the trace up to it.
//! - A clean recording's stderr is the program's.

mod common;

use common::*;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn rewind_info(dir: &TestDir, trace: Option<&Path>) -> Output {
    let mut cmd = dir.rewind();
    cmd.arg("info");
    if let Some(t) = trace {
        cmd.arg(t);
    }
    let out = run(cmd, None);
    out.assert_no_panic();
    out
}

fn warning_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("rewind: warning:"))
        .collect()
}

// ---------------------------------------------------------------------------
// CLONE_UNTRACED
// ---------------------------------------------------------------------------

#[test]
fn tasks_cloned_untraced_are_recorded_and_replayed() {
    let dir = TestDir::new("clone_untraced");
    let rec = record_replay_program(&dir, "clone_untraced", &[], 0);
    assert_eq!(
        rec.stdout_str(),
        "untraced thread: sum 500500\n\
         thread done: shared 500500\n\
         untraced process: child of main, shared 500500\n\
         process done: exit 7\n\
         main: end\n",
        "{}",
        rec.describe()
    );
    assert!(
        warning_lines(&rec.stderr_str()).is_empty(),
        "{}",
        rec.describe()
    );
    // Both tasks are in the trace: the untraced process is one of its
    // processes, with its exit status.
    let trace = dir.join("trace");
    let mut cmd = dir.rewind();
    cmd.arg("ps").arg(&trace);
    let ps = run(cmd, None);
    ps.assert_code(0);
    let rows: Vec<String> = ps
        .stdout_str()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert_eq!(rows.len(), 2, "{}", ps.describe());
    assert!(
        rows.iter().any(|r| r.split('\t').nth(2) == Some("7")),
        "the untraced process exited with 7\n{}",
        ps.describe()
    );
}

#[test]
fn a_process_sharing_its_parents_memory_is_refused_loudly() {
    let dir = TestDir::new("clone_vm");
    let rec = record_replay_program(&dir, "clone_untraced", &["vm"], 0);
    assert_eq!(
        rec.stdout_str(),
        "shared-memory clone failed: Function not implemented\nmain: end\n",
        "{}",
        rec.describe()
    );
    let err = rec.stderr_str();
    let warnings = warning_lines(&err);
    assert_eq!(warnings.len(), 1, "{}", rec.describe());
    assert!(
        warnings[0].contains("clone") && warnings[0].contains("CLONE_VM"),
        "the warning names the syscall and why: {}",
        warnings[0]
    );
}

/// `gcc -fsanitize=address` of tests/programs/asan_leak.c, or None (with a
/// skip notice) where AddressSanitizer is not installed.
fn asan_program(dir: &TestDir, test: &str) -> Option<PathBuf> {
    let out = dir.join("asan_leak");
    let src = Path::new(ROOT).join("tests/programs/asan_leak.c");
    let built = Command::new("gcc")
        .args(["-g", "-fsanitize=address", "-o"])
        .arg(&out)
        .arg(&src)
        .output();
    match built {
        Ok(o) if o.status.success() => Some(out),
        Ok(o) => {
            skip(
                test,
                &format!(
                    "gcc -fsanitize=address does not work here (libasan missing?): {}",
                    String::from_utf8_lossy(&o.stderr)
                ),
            );
            None
        }
        Err(e) => {
            skip(test, &format!("cannot run gcc: {e}"));
            None
        }
    }
}

#[test]
fn an_address_sanitizer_program_with_a_leak_does_not_hang_the_recorder() {
    let test = "an_address_sanitizer_program_with_a_leak_does_not_hang_the_recorder";
    let dir = TestDir::new("asan");
    let Some(prog) = asan_program(&dir, test) else {
        return;
    };
    // LeakSanitizer's helper shares the program's memory and ptrace-attaches
    // its threads: neither can be recorded, so the leak check fails at once,
    // says so, and the program exits with its failure status.
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &prog, &[]);
    rec.assert_code(1);
    let err = rec.stderr_str();
    assert!(
        err.contains("LeakSanitizer has encountered a fatal error"),
        "{}",
        rec.describe()
    );
    assert!(
        err.contains("ASAN_OPTIONS=detect_leaks=0"),
        "rewind's warning says what to do\n{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    assert_stderr_line_replayed(&rec, &rep, "LeakSanitizer has encountered a fatal error");

    // As the warning says: without the leak check it records cleanly.
    let trace2 = dir.join("trace2");
    let rec = record_with(
        &dir,
        &trace2,
        &["-e", "ASAN_OPTIONS=detect_leaks=0"],
        &prog,
        &[],
        None,
    );
    rec.assert_code(0);
    assert_eq!(rec.stdout_str(), "allocated x\n", "{}", rec.describe());
    assert_eq!(rec.stderr_str(), "", "{}", rec.describe());
    assert_replay_faithful(&rec, &replay(&dir, &trace2));
}

// ---------------------------------------------------------------------------
// ptrace by the program
// ---------------------------------------------------------------------------

/// PTRACE_TRACEME is emulated (tests/ptrace_emulation.rs shows the
/// rest): the child stops for its parent, which single-steps it. ATTACH
/// and SEIZE are not: they fail with EPERM and one warning each.
#[test]
fn ptrace_requests_of_the_program_are_emulated_or_fail_with_a_warning() {
    let dir = TestDir::new("ptrace_self");
    let rec = record_replay_program(&dir, "ptrace_self", &[], 0);
    assert_eq!(
        rec.stdout_str(),
        "parent: PTRACE_ATTACH failed: Operation not permitted\n\
         parent: PTRACE_SEIZE failed: Operation not permitted\n\
         child: PTRACE_TRACEME = 0\n\
         child: sum 4950\n\
         parent: child exited with 3 after single-steps\n",
        "{}",
        rec.describe()
    );
    let err = rec.stderr_str();
    let warnings = warning_lines(&err);
    for req in ["PTRACE_ATTACH", "PTRACE_SEIZE"] {
        let named: Vec<_> = warnings.iter().filter(|w| w.contains(req)).collect();
        assert_eq!(
            named.len(),
            1,
            "one warning names {req}\n{}",
            rec.describe()
        );
        assert!(named[0].contains("EPERM"), "{}", named[0]);
    }
    assert_eq!(warnings.len(), 2, "{}", rec.describe());
}

// ---------------------------------------------------------------------------
// Cutting a recording short
// ---------------------------------------------------------------------------

/// The ids a `cut_target` run printed (main, child process, thread), with
/// their /proc identity while they ran.
fn target_tasks(out: &str) -> Vec<ProcInfo> {
    let mut tasks = Vec::new();
    for l in out.lines() {
        let Some((what, id)) = l.split_once(' ') else {
            continue;
        };
        if !matches!(what, "pid" | "child" | "thread") {
            continue;
        }
        // ("thread tick N" lines are not ids.)
        let Ok(id) = id.trim().parse::<i32>() else {
            continue;
        };
        // A thread is listed under its process, /proc/TID works too.
        if let Some(p) = proc_info(id) {
            tasks.push(p);
        }
    }
    tasks
}

/// `rewind record cut_target` (no end), in the default trace directory,
/// once it is ready and has ticked: the recorder and the program's tasks.
fn start_cut_target(dir: &TestDir, args: &[&str]) -> (Spawned, Vec<ProcInfo>) {
    let mut cmd = dir.rewind();
    cmd.arg("record").arg(c_program("cut_target")).args(args);
    let mut rec = Spawned::start(cmd, None);
    rec.wait_for_stdout("ready and ticking", |out| {
        let s = String::from_utf8_lossy(out);
        s.contains("ready\n") && s.contains("main tick 0\n") && s.contains("thread tick 0\n")
    });
    let tasks = target_tasks(&String::from_utf8_lossy(&rec.stdout_so_far()));
    assert_eq!(
        tasks.len(),
        3,
        "main, child and thread should be running\n{}",
        String::from_utf8_lossy(&rec.stdout_so_far())
    );
    (rec, tasks)
}

/// Wait until none of `tasks` runs (zombies count as gone: their parent
/// may be gone too); the ones left at the deadline.
fn wait_gone(tasks: &[ProcInfo]) -> Vec<ProcInfo> {
    let start = Instant::now();
    loop {
        let left: Vec<ProcInfo> = tasks.iter().filter(|t| still_running(t)).cloned().collect();
        if left.is_empty() || start.elapsed() > Duration::from_secs(20) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn cut_by_signal(test: &str, sig: i32, name: &str) {
    let dir = TestDir::new(test);
    let (rec, tasks) = start_cut_target(&dir, &[]);
    rec.signal(sig);
    let out = rec.wait();
    out.assert_no_panic();
    out.assert_code(128 + sig);
    let err = out.stderr_str();
    assert!(
        err.contains(&format!("recording cut short by {name} at event")),
        "rewind says it cut the recording\n{}",
        out.describe()
    );
    let left = wait_gone(&tasks);
    assert!(left.is_empty(), "tasks of the recording left: {left:?}");

    // `latest-trace` is the cut trace, and it says so.
    let info = rewind_info(&dir, None);
    info.assert_code(0);
    let text = info.stdout_str();
    assert!(
        text.contains(&format!("cut short by {name} at event")),
        "{}",
        info.describe()
    );
    assert!(!text.contains("complete"), "{}", info.describe());
    let n: u64 = text
        .split("at event ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no event number\n{}", info.describe()));
    assert!(
        text.contains(&format!("events:       {n}\n")),
        "the cut is after the last event\n{}",
        info.describe()
    );

    // It replays up to the cut, and says it stopped there.
    let mut cmd = dir.rewind();
    cmd.args(["replay", "-a"]);
    let rep = run(cmd, None);
    rep.assert_no_panic();
    rep.assert_code(4); // cut short: see `rewind replay --help`
    assert!(
        rep.stderr_str().contains("replay stopped")
            && rep
                .stderr_str()
                .contains(&format!("cut short by {name} at event {n}")),
        "{}",
        rep.describe()
    );
    assert!(
        out.stdout.starts_with(&rep.stdout),
        "the replay printed what the recording did not: {}\n{}",
        first_difference(&out.stdout, &rep.stdout).unwrap_or_default(),
        rep.describe()
    );
    assert!(
        rep.stdout_str().contains("ready\n"),
        "the replay reaches the recorded output\n{}",
        rep.describe()
    );
}

#[test]
fn sigterm_cuts_the_recording_short() {
    cut_by_signal("cut_sigterm", libc::SIGTERM, "SIGTERM");
}

#[test]
fn sigint_sent_to_rewind_cuts_the_recording_short() {
    cut_by_signal("cut_sigint", libc::SIGINT, "SIGINT");
}

#[test]
fn sighup_cuts_the_recording_short() {
    cut_by_signal("cut_sighup", libc::SIGHUP, "SIGHUP");
}

/// A pseudo-terminal: the master end, and the slave end as a descriptor.
fn open_pty() -> (std::fs::File, OwnedFd) {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    // SAFETY: openpty writes two descriptors into the ints passed; the name,
    // termios and window size pointers may be null.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // Neither end may leak into children that other tests start meanwhile
    // (a rewind holding the master itself would block writing to a full
    // terminal forever); the child's stdio gets its own copies.
    for fd in [master, slave] {
        // SAFETY: fcntl on descriptors we own, with an integer argument.
        let r = unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        assert_eq!(r, 0, "fcntl: {}", std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just opened for us and are owned by
    // nothing else.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            OwnedFd::from_raw_fd(slave),
        )
    }
}

#[test]
fn ctrl_c_at_the_terminal_reaches_the_program_and_the_recording_ends_with_it() {
    let dir = TestDir::new("ctrl_c");
    let trace = dir.join("trace");
    let (mut master, slave) = open_pty();
    let mut cmd = dir.rewind();
    cmd.arg("record")
        .arg("-o")
        .arg(&trace)
        .arg(c_program("cut_target"))
        .args(["0", "sigint"]);
    cmd.stdin(Stdio::from(slave.try_clone().expect("dup")))
        .stdout(Stdio::from(slave.try_clone().expect("dup")))
        .stderr(Stdio::from(slave));
    // SAFETY: between fork and exec only async-signal-safe calls: a new
    // session whose controlling terminal is the pty (stdin).
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("start rewind on a pty");
    drop(cmd); // our copies of the slave end
    let output = Arc::new(Mutex::new(Vec::<u8>::new()));
    let reader = {
        let output = output.clone();
        let mut m = master.try_clone().expect("dup master");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the last slave descriptor is closed.
            while let Ok(n) = m.read(&mut buf) {
                if n == 0 {
                    break;
                }
                output.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    // (The terminal echoes the Ctrl-C as "^C".)
    let text = || {
        String::from_utf8_lossy(&output.lock().unwrap())
            .replace('\r', "")
            .replace("^C", "")
    };
    let start = Instant::now();
    while !(text().contains("ready\n") && text().contains("main tick 0\n")) {
        assert!(
            start.elapsed() < deadline(),
            "the program did not get ready:\n{}",
            text()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let tasks = target_tasks(&text());
    master.write_all(&[3]).expect("type Ctrl-C"); // VINTR
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        if start.elapsed() > deadline() {
            let _ = child.kill();
            panic!("rewind did not end after Ctrl-C:\n{}", text());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(master);
    let _ = reader.join();
    let out = text();
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(
        out.contains("got SIGINT\n")
            && out.contains("child got SIGINT\n")
            && out.contains("child ended with 0\n"),
        "the program handled its Ctrl-C\n{out}"
    );
    assert!(!out.contains("cut short"), "{out}");
    assert!(wait_gone(&tasks).is_empty());
    let info = rewind_info(&dir, Some(&trace));
    assert!(
        info.stdout_str().contains("the trace is complete"),
        "{}",
        info.describe()
    );
    // The replay prints what the program printed (its own lines, which
    // is all there is on the terminal).
    let rep = replay(&dir, &trace);
    rep.assert_code(0);
    assert_eq!(rep.stdout_str(), out, "{}", rep.describe());
}

#[test]
fn sigkill_of_rewind_takes_every_task_of_the_recording_with_it() {
    let dir = TestDir::new("sigkill_rewind");
    let (mut rec, tasks) = start_cut_target(&dir, &[]);
    rec.signal(libc::SIGKILL);
    rec.wait_exit();
    let left = wait_gone(&tasks);
    assert!(
        left.is_empty(),
        "tasks of the recording outlived rewind: {left:?}"
    );
    let recorded = rec.stdout_so_far();
    drop(rec);
    // The trace holds what was flushed, and says it ends early.
    let mut cmd = dir.rewind();
    cmd.args(["replay", "-a"]);
    let rep = run(cmd, None);
    rep.assert_no_panic();
    rep.assert_code(4); // cut short: see `rewind replay --help`
    assert!(
        rep.stderr_str().contains("ended early"),
        "{}",
        rep.describe()
    );
    assert!(recorded.starts_with(&rep.stdout), "{}", rep.describe());
    let info = rewind_info(&dir, None);
    assert!(
        !info.stdout_str().contains("complete"),
        "{}",
        info.describe()
    );
}

#[test]
fn a_child_killed_from_outside_is_recorded_and_replayed() {
    let dir = TestDir::new("child_killed");
    let trace = dir.join("trace");
    let mut cmd = dir.rewind();
    cmd.arg("record")
        .arg("-o")
        .arg(&trace)
        .arg(c_program("cut_target"))
        .arg("400");
    let mut rec = Spawned::start(cmd, None);
    rec.wait_for_stdout("ready", |out| {
        String::from_utf8_lossy(out).contains("main tick 0\n")
    });
    let out = String::from_utf8_lossy(&rec.stdout_so_far()).into_owned();
    let child: i32 = out
        .lines()
        .find_map(|l| l.strip_prefix("child "))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no child line in {out}"));
    send_signal(child, libc::SIGKILL);
    let rec = rec.wait();
    rec.assert_no_panic();
    rec.assert_code(0);
    assert!(
        rec.stdout_str().ends_with("main: end\n"),
        "{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

/// A program run from a memfd (execve of /proc/self/fd/N, a file with no
/// path) is saved into the trace through /proc/PID/exe and replays.
#[test]
fn a_program_run_from_a_memfd_is_saved_and_replays() {
    let dir = TestDir::new("exec_memfd");
    let rec = record_replay_program(&dir, "exec_memfd", &[], 0);
    assert!(
        rec.stdout_str().ends_with("running the memfd copy\n"),
        "{}",
        rec.describe()
    );
}

/// An error in rewind in the middle of a recording: the trace stops
/// growing (a file size limit, as a full disk would, with SIGXFSZ ignored
/// so that the write fails with EFBIG). The recording ends with status 1
/// and says so, every recorded process is killed, and the trace keeps
/// what was written before: `rewind info` says it was cut short by an
/// error, and `replay -a` replays it to there (status 4).
#[test]
fn an_error_in_rewind_keeps_the_trace_up_to_it() {
    let dir = TestDir::new("record_error");
    let trace = dir.join("trace");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 200; exec \"$0\" record -o \"$1\" \"$2\" 30000")
        .arg(REWIND)
        .arg(&trace)
        .arg(c_program("many_lines"))
        .env("REWIND_TRACE_DIR", dir.join("traces"));
    let rec = run(cmd, None);
    rec.assert_no_panic();
    rec.assert_code(1);
    let err = rec.stderr_str();
    assert!(
        err.contains("File too large") && err.contains("The recording stopped there"),
        "{}",
        rec.describe()
    );
    let mut info = dir.rewind();
    info.arg("info").arg(&trace);
    let info = run(info, None);
    assert!(
        info.stdout_str().contains("cut short"),
        "{}",
        info.describe()
    );
    let rep = replay(&dir, &trace);
    rep.assert_no_panic();
    rep.assert_code(4); // cut short: see `rewind replay --help`
                        // The write whose event could not be kept reached the pipe at record.
    assert!(
        !rep.stdout.is_empty() && rec.stdout.starts_with(&rep.stdout),
        "{}\n{}",
        rec.describe(),
        rep.describe()
    );
    assert!(
        !rec.stdout_str().contains("line 29999"),
        "the program was not killed: {}",
        rec.describe()
    );
}

// ---------------------------------------------------------------------------
// Quiet recording
// ---------------------------------------------------------------------------

#[test]
fn a_clean_recording_prints_only_the_programs_output() {
    let dir = TestDir::new("quiet");
    for name in ["hello", "threads_basic", "fork_basic"] {
        let prog = c_program(name);
        let native = run(Command::new(&prog), None);
        let trace = dir.join(name);
        let rec = record(&dir, &trace, &prog, &[]);
        assert_eq!(rec.code(), native.code(), "{name}\n{}", rec.describe());
        assert_eq!(
            rec.stderr_str(),
            native.stderr_str(),
            "{name}: the recording's stderr is the program's\n{}",
            rec.describe()
        );
        // What rewind has to say is in `rewind info`.
        let info = rewind_info(&dir, Some(&trace));
        let text = info.stdout_str();
        assert!(text.contains("tick mode:"), "{}", info.describe());
        assert!(
            text.contains("note:         rseq refused"),
            "{}",
            info.describe()
        );
    }
    // -v says it.
    let trace = dir.join("verbose");
    let rec = record_with(&dir, &trace, &["-v"], c_program("hello"), &[], None);
    rec.assert_code(0);
    let err = rec.stderr_str();
    assert!(err.contains("hello on stderr"), "{}", rec.describe());
    assert!(
        err.contains("rewind: note: the program called rseq"),
        "{}",
        rec.describe()
    );
    assert!(
        err.contains(&format!("rewind: trace saved to {}", trace.display())),
        "{}",
        rec.describe()
    );
    assert!(
        err.contains("hardware performance counter") || err.contains("progress counted by"),
        "-v says the tick mode\n{}",
        rec.describe()
    );
}
