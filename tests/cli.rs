//! The command line around recording and replay: default trace locations,
//! `ls`, `ps`, `info`, `dump` and `--help`. (The committed fixture trace has
//! its own tests in fixtures.rs.)

mod common;

use common::*;

#[test]
fn help_everywhere() {
    let dir = TestDir::new("help");
    for args in [
        &["--help"][..],
        &["record", "--help"],
        &["replay", "--help"],
        &["ls", "--help"],
        &["ps", "--help"],
        &["dump", "--help"],
        &["info", "--help"],
    ] {
        let mut cmd = dir.rewind();
        cmd.args(args);
        let out = run(cmd, None);
        out.assert_code(0);
        assert!(
            out.stdout_str().contains("Usage"),
            "rewind {args:?} prints no usage\n{}",
            out.describe()
        );
    }
}

#[test]
fn default_trace_directory_and_latest_trace() {
    let dir = TestDir::new("default_dir");
    let traces = dir.join("traces");
    let hello = c_program("hello");
    let name = hello.file_name().unwrap().to_str().unwrap().to_string();

    let mut cmd = dir.rewind();
    cmd.arg("record").arg(&hello);
    let first = run(cmd, None);
    first.assert_no_panic();
    first.assert_code(0);
    let mut cmd = dir.rewind();
    cmd.arg("record").arg(&hello);
    let second = run(cmd, None);
    second.assert_code(0);

    // Two traces named <prog>-<N>, and latest-trace pointing at the second.
    let names: Vec<String> = listing(&traces)
        .into_iter()
        .filter(|n| n.starts_with(&format!("{name}-")))
        .collect();
    assert_eq!(
        names.len(),
        2,
        "expected two traces named {name}-N in {}: {:?}",
        traces.display(),
        listing(&traces)
    );
    let latest = traces.join("latest-trace");
    let target = std::fs::read_link(&latest)
        .unwrap_or_else(|e| panic!("{} is not a symlink: {e}", latest.display()));
    let target_name = target.file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        names.contains(&target_name),
        "latest-trace points at {target:?}, not at one of {names:?}"
    );

    // Without a TRACE argument, replay uses the latest trace.
    let mut cmd = dir.rewind();
    cmd.args(["replay", "-a"]);
    let rep = run(cmd, None);
    assert_replay_faithful(&second, &rep);

    // ls lists both.
    let mut cmd = dir.rewind();
    cmd.arg("ls");
    let ls = run(cmd, None);
    ls.assert_code(0);
    for n in &names {
        assert!(ls.stdout_str().contains(n.as_str()), "{}", ls.describe());
    }
}

/// A fresh recording of `name` in `dir`.
fn recorded(dir: &TestDir, name: &str) -> std::path::PathBuf {
    let (trace, rec) = record_program(dir, name, &[]);
    assert!(rec.code().is_some(), "{}", rec.describe());
    trace
}

#[test]
fn info_describes_the_header() {
    let dir = TestDir::new("info");
    let trace = recorded(&dir, "hello");
    let mut cmd = dir.rewind();
    cmd.arg("info").arg(&trace);
    let out = run(cmd, None);
    out.assert_no_panic();
    out.assert_code(0);
    let text = out.stdout_str();
    assert!(text.contains(std::env::consts::ARCH), "{}", out.describe());
    assert!(text.contains("hello"), "{}", out.describe());
}

#[test]
fn ps_shows_exit_status() {
    let dir = TestDir::new("ps");
    let trace = recorded(&dir, "segv");
    let mut cmd = dir.rewind();
    cmd.arg("ps").arg(&trace);
    let out = run(cmd, None);
    out.assert_no_panic();
    out.assert_code(0);
    let text = out.stdout_str();
    assert!(text.contains("segv"), "{}", out.describe());
    assert!(
        mentions_any(&text, &["SIGSEGV", "-11", "139"]),
        "ps must show how the process ended\n{}",
        out.describe()
    );
}

#[test]
fn dump_human_and_json() {
    let dir = TestDir::new("dump");
    let trace = recorded(&dir, "hello");
    let mut cmd = dir.rewind();
    cmd.arg("dump").arg(&trace);
    let human = run(cmd, None);
    human.assert_no_panic();
    human.assert_code(0);
    assert!(
        human.stdout_str().contains("write"),
        "the dump should name the write syscalls\n{}",
        human.describe()
    );

    let mut cmd = dir.rewind();
    cmd.args(["dump", "--json"]).arg(&trace);
    let json = run(cmd, None);
    json.assert_no_panic();
    json.assert_code(0);
    // Either one JSON document or one per line.
    let whole: Result<serde_json::Value, _> = serde_json::from_slice(&json.stdout);
    if whole.is_err() {
        let mut n = 0;
        for l in json.stdout_str().lines().filter(|l| !l.trim().is_empty()) {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| {
                panic!(
                    "dump --json printed invalid JSON ({e}): {l}\n{}",
                    json.describe()
                )
            });
            n += 1;
        }
        assert!(n > 0, "{}", json.describe());
    }
}
