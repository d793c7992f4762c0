//! The in-process syscall buffer (`rewind record --syscall-buffer`):
//! programs whose file I/O goes through the preloaded library record
//! with `SyscallBuf` events (seen in `rewind dump`) and replay exactly:
//! many small reads and writes, a buffer that fills, a read larger than
//! the buffer's bound, a program that clears its environment and runs
//! another, signals in the middle of buffered calls, threads each doing
//! buffered I/O; and `--no-syscall-buffer` records as before.
//!
//! Every mode of `tests/programs/sbuf_io.c` prints values that depend on
//! what the kernel answered (hashes of what was read back, sizes, times,
//! how many writes ran between timer ticks), so a replay that got any
//! buffered result wrong prints something else.

mod common;

use common::*;

/// `rewind dump TRACE`'s stdout.
fn dump(dir: &TestDir, trace: &std::path::Path) -> String {
    let mut cmd = dir.rewind();
    cmd.arg("dump").arg(trace);
    let out = run(cmd, None);
    out.assert_code(0);
    out.stdout_str()
}

/// The `buffered syscalls` lines of a dump: (calls, bytes, what).
fn batches(dump: &str) -> Vec<(u64, u64, String)> {
    dump.lines()
        .filter_map(|l| l.split_once("buffered syscalls: ").map(|(_, r)| r))
        .map(|r| {
            let (count, rest) = r.split_once(" (").expect("count");
            let (bytes, rest) = rest.split_once(" bytes): ").expect("bytes");
            (
                count.parse().expect("count is a number"),
                bytes.parse().expect("bytes is a number"),
                rest.to_string(),
            )
        })
        .collect()
}

/// Record `sbuf_io MODE DIR ARGS...` with `flag`, check the recording
/// exited 0, replay it and check the replay is faithful; returns the
/// recording's output and the trace's dump.
fn record_and_replay(dir: &TestDir, name: &str, flag: &str, args: &[&str]) -> (Output, String) {
    let prog = c_program("sbuf_io");
    let files = dir.subdir(&format!("files-{name}"));
    let trace = dir.join(format!("trace-{name}"));
    let mut all = vec![args[0], files.to_str().expect("utf-8 path")];
    all.extend_from_slice(&args[1..]);
    let rec = record_with(dir, &trace, &[flag], &prog, &all, None);
    rec.assert_code(0);
    let rep = replay(dir, &trace);
    assert_replay_faithful(&rec, &rep);
    let d = dump(dir, &trace);
    (rec, d)
}

#[test]
fn small_reads_and_writes_are_buffered_and_replay() {
    let dir = TestDir::new("sbuf-small");
    let (rec, d) = record_and_replay(&dir, "small", "--syscall-buffer", &["small"]);
    assert!(
        rec.stdout_str().contains("small: hash"),
        "{}",
        rec.describe()
    );
    let b = batches(&d);
    let calls: u64 = b.iter().map(|(c, _, _)| c).sum();
    // 10,000 writes and some 14,000 reads of 7 bytes, with fstat, pread,
    // pwrite, close, stat, clock_gettime and gettimeofday.
    assert!(calls > 20_000, "only {calls} buffered calls:\n{b:?}");
    for name in [
        "write", "read", "lseek", "fstat", "pread64", "pwrite64", "close", "stat",
    ] {
        assert!(
            b.iter()
                .any(|(_, _, what)| what.contains(&format!("{name} x"))),
            "no buffered {name} in {b:?}"
        );
    }
    let mut cmd = dir.rewind();
    cmd.arg("info").arg(dir.join("trace-small"));
    let info = run(cmd, None);
    info.assert_code(0);
    assert!(
        info.stdout_str().contains("--syscall-buffer"),
        "rewind info does not say the trace was recorded with the buffer:\n{}",
        info.describe()
    );
}

#[test]
fn a_buffer_that_fills_flushes_and_replays() {
    let dir = TestDir::new("sbuf-fill");
    let (rec, d) = record_and_replay(&dir, "fill", "--syscall-buffer", &["fill", "100000"]);
    assert!(
        rec.stdout_str().contains("fill: 100000 writes"),
        "{}",
        rec.describe()
    );
    let b = batches(&d);
    // 100,000 write records of 72 bytes do not fit in one 1 MiB buffer:
    // the buffer filled and was flushed several times.
    let full = b.iter().filter(|(c, _, _)| *c > 10_000).count();
    assert!(full >= 5, "expected several full batches, got {b:?}");
    assert!(b.iter().all(|(_, bytes, _)| *bytes <= 1 << 20), "{b:?}");
}

#[test]
fn a_64_mib_read_stays_within_the_bound_and_replays() {
    let dir = TestDir::new("sbuf-big");
    let (rec, d) = record_and_replay(&dir, "big", "--syscall-buffer", &["big"]);
    let out = rec.stdout_str();
    assert!(
        out.contains("big: read 67108864 ") && out.contains("pread 524288 "),
        "{}",
        rec.describe()
    );
    let b = batches(&d);
    // No batch is larger than the buffer: the 64 MiB read was a traced
    // syscall, the 512 KiB pread a buffered one.
    assert!(b.iter().all(|(_, bytes, _)| *bytes <= 1 << 20), "{b:?}");
    assert!(
        b.iter()
            .any(|(_, bytes, what)| *bytes > 512 << 10 && what.contains("pread64 x1")),
        "the 512 KiB pread was not buffered: {b:?}"
    );
    assert!(
        d.lines()
            .any(|l| l.contains(": read(0x3, ") && l.contains(", 0x4000000")),
        "the 64 MiB read is not a traced syscall event in the dump"
    );
}

#[test]
fn a_program_that_clears_its_environment_and_execs_still_records_buffered() {
    let dir = TestDir::new("sbuf-exec");
    let (rec, d) = record_and_replay(&dir, "exec", "--syscall-buffer", &["exec"]);
    assert!(
        rec.stdout_str().contains("small: hash"),
        "{}",
        rec.describe()
    );
    let after_exec = d
        .split_once("execve")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no execve in the dump"));
    let calls: u64 = batches(after_exec).iter().map(|(c, _, _)| c).sum();
    assert!(
        calls > 20_000,
        "the program run with an empty environment made only {calls} buffered calls"
    );
}

#[test]
fn signals_arriving_during_buffered_writes_replay_exactly() {
    let dir = TestDir::new("sbuf-signals");
    for round in 0..3 {
        let (rec, d) = record_and_replay(
            &dir,
            &format!("signals{round}"),
            "--syscall-buffer",
            &["signals"],
        );
        assert!(rec.stdout_str().contains("signals: "), "{}", rec.describe());
        assert!(!batches(&d).is_empty(), "no buffered calls recorded");
        assert!(d.contains("signal SIGALRM"), "no SIGALRM in the trace");
    }
}

#[test]
fn threads_each_doing_buffered_io_replay_exactly() {
    let dir = TestDir::new("sbuf-threads");
    let (rec, d) = record_and_replay(&dir, "threads", "--syscall-buffer", &["threads"]);
    let out = rec.stdout_str();
    assert!(out.contains("threads: counter 80000"), "{}", rec.describe());
    let tids: std::collections::BTreeSet<&str> = d
        .lines()
        .filter(|l| l.contains("buffered syscalls: "))
        .filter_map(|l| {
            l.split_once(" tid ")
                .map(|(_, r)| r.split(':').next().unwrap_or(""))
        })
        .collect();
    assert!(tids.len() >= 4, "buffered calls from threads {tids:?} only");
}

#[test]
fn no_syscall_buffer_records_every_syscall() {
    let dir = TestDir::new("sbuf-off");
    let (rec, d) = record_and_replay(&dir, "off", "--no-syscall-buffer", &["fill", "2000"]);
    assert!(
        rec.stdout_str().contains("fill: 2000 writes"),
        "{}",
        rec.describe()
    );
    assert!(
        batches(&d).is_empty(),
        "buffered calls with --no-syscall-buffer"
    );
    assert!(
        d.lines().filter(|l| l.contains(": write(0x3, ")).count() >= 2000,
        "the writes are not each an event"
    );
    let mut cmd = dir.rewind();
    cmd.arg("info").arg(dir.join("trace-off"));
    let info = run(cmd, None);
    assert!(
        info.stdout_str().contains("--no-syscall-buffer"),
        "{}",
        info.describe()
    );
}
