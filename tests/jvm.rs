//! Java programs, and the mechanism that made their replays diverge: a
//! thread switched out (`Preempt`) deep in a recursion, where several
//! arrivals at the switch's instruction have the same registers and the
//! same innermost frames (the interpreter's or compiled frames of one
//! method, called with the same arguments) and differ only further up the
//! stack. The replay must place the switch at the recorded arrival, not at
//! an earlier one that only looks the same near the stack pointer: the
//! thread would resume elsewhere after the others ran (a JVM thread then
//! reached its safepoint at another depth, and its next syscall had other
//! registers).

mod common;

use common::*;
use std::path::Path;

const WORKLOADS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/workloads");

/// Replays `trace` `times` times; each must be faithful to `rec`.
fn replays_faithful(dir: &TestDir, trace: &Path, rec: &Output, times: usize, what: &str) {
    for round in 1..=times {
        let rep = replay(dir, trace);
        if rep.code() != Some(0) || rep.stdout != rec.stdout {
            notice(&format!(
                "{what}: replay {round} of {times} was not faithful"
            ));
        }
        assert_replay_faithful(rec, &rep);
    }
}

/// The events of a trace as `rewind dump` prints them.
fn dump(dir: &TestDir, trace: &Path) -> String {
    let mut cmd = dir.rewind();
    cmd.arg("dump").arg(trace);
    let out = run(cmd, None);
    out.assert_code(0);
    out.stdout_str()
}

#[test]
fn a_switch_deep_in_a_recursion_is_placed_at_its_recorded_arrival() {
    let dir = TestDir::new("deep-anchor");
    let (trace, rec) = record_program(&dir, "deep_anchor", &[]);
    rec.assert_code(0);
    let count: u64 = line_after(&rec, "worker stopped after ")
        .trim()
        .parse()
        .unwrap_or_else(|e| {
            panic!(
                "the worker's count is not a number ({e})\n{}",
                rec.describe()
            )
        });
    assert!(count > 0, "{}", rec.describe());
    // The worker makes no syscall until main has set the flag, and main
    // runs only when the worker is switched out: the recording has a
    // switch in the middle of a leaf.
    assert!(
        dump(&dir, &trace).contains("switched out at"),
        "no preemption was recorded\n{}",
        rec.describe()
    );
    replays_faithful(&dir, &trace, &rec, 3, "deep_anchor");
}

#[test]
fn javac_then_java_with_a_thread_replay_faithfully() {
    let (Some(javac), Some(java)) = (real_binary("javac"), real_binary("java")) else {
        skip(
            "javac_then_java_with_a_thread_replay_faithfully",
            "a JDK is not installed",
        );
        return;
    };
    let dir = TestDir::new("jvm-java");
    let classes = dir.subdir("classes");
    let source = Path::new(WORKLOADS).join("Hello.java");

    let compile = TestDir::new("jvm-javac");
    let trace = compile.join("trace");
    let rec = record(
        &compile,
        &trace,
        &javac,
        &["-d", classes.to_str().unwrap(), source.to_str().unwrap()],
    );
    rec.assert_code(0);
    assert!(classes.join("Hello.class").exists(), "{}", rec.describe());
    replays_faithful(&compile, &trace, &rec, 1, "javac");

    let trace = dir.join("trace");
    let rec = record(
        &dir,
        &trace,
        &java,
        &["-cp", classes.to_str().unwrap(), "Hello"],
    );
    rec.assert_code(0);
    assert!(
        rec.stdout_str().contains("fib(27) from a thread: 196418"),
        "{}",
        rec.describe()
    );
    replays_faithful(&dir, &trace, &rec, 2, "java");
}
