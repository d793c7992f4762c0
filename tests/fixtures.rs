//! The committed trace in `traces-fixtures/tiny` must keep reading and
//! replaying: a format change that breaks it has to bump the format version
//! deliberately (and then this fixture is re-recorded).

use std::process::Command;

const REWIND: &str = env!("CARGO_BIN_EXE_rewind");

fn fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("traces-fixtures/tiny")
}

#[test]
fn committed_trace_dumps_every_event() {
    let out = Command::new(REWIND)
        .args(["dump"])
        .arg(fixture())
        .output()
        .expect("run rewind dump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 12, "{text}");
    assert!(lines[0].contains("exec pid"), "{}", lines[0]);
    assert!(lines[1].contains("clock_gettime(0x0"), "{}", lines[1]);
    assert!(lines[2].contains("getrandom(") && lines[2].contains("wrote 8 bytes"));
    assert!(lines[10].contains("exit_group"));
    assert!(lines[11].contains("exited with status 0"));
}

#[test]
fn committed_trace_dumps_as_json() {
    let out = Command::new(REWIND)
        .args(["dump", "--json"])
        .arg(fixture())
        .output()
        .expect("run rewind dump --json");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().expect("one line");
    assert!(first.starts_with("{\"data\":{\"Exec\""), "{first}");
}

#[test]
fn committed_trace_replays_its_output() {
    let expected = std::fs::read(fixture().with_extension("expected-output")).expect("read");
    // The fixture was recorded on another machine: a replay on a CPU with
    // other features is refused up front, saying how to go on anyway.
    let plain = Command::new(REWIND)
        .args(["replay", "-a"])
        .arg(fixture())
        .output()
        .expect("run rewind replay -a");
    let err = String::from_utf8_lossy(&plain.stderr);
    assert!(
        plain.status.success() || err.contains("--ignore-cpu-mismatch"),
        "{err}"
    );
    let out = Command::new(REWIND)
        .args(["replay", "-a", "--ignore-cpu-mismatch"])
        .arg(fixture())
        .output()
        .expect("run rewind replay -a");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn committed_trace_info_names_mode_and_command() {
    let out = Command::new(REWIND)
        .args(["info"])
        .arg(fixture())
        .output()
        .expect("run rewind info");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("arch:         x86_64"), "{text}");
    assert!(text.contains("tick mode:"), "{text}");
    assert!(text.contains("command:      /tmp/tinyprog"), "{text}");
    assert!(text.contains("the trace is complete"), "{text}");
}
