//! Faithful or loud: a replay that does not reproduce its recording stops at
//! the first difference with a message naming the event, the process and
//! thread, what the recording made there and what the replay made, and
//! `replay -a` exits with its own status for each way a replay can end.
//! Also the end of the recording in gdb: a stop at the end of the replay
//! log that reverse commands go back from.
//!
//! The traces are altered through the crate's own trace reader and writer
//! (`rewrite_trace`): one recorded syscall result changed, the exit status
//! changed, the end dropped; never by editing bytes blindly.

mod common;

use common::*;
use std::path::{Path, PathBuf};

use rewind::trace::{Event, ExitKind, TraceReader};

/// `replay -a` statuses, as `rewind replay --help` documents them.
const FAITHFUL: i32 = 0;
const CANNOT_START: i32 = 1;
const DIVERGED: i32 = 3;
const CUT_SHORT: i32 = 4;

/// Records tests/programs/diverge.c; returns (trace, executable, recording).
fn record_diverge(dir: &TestDir) -> (PathBuf, PathBuf, Output) {
    let exe = c_program("diverge");
    let trace = dir.join("trace");
    let rec = record(dir, &trace, &exe, &[]);
    rec.assert_code(15);
    assert!(
        rec.stdout_str().ends_with("total 55\n"),
        "{}",
        rec.describe()
    );
    (trace, exe, rec)
}

fn syscall_name(e: &Event) -> Option<String> {
    match e {
        Event::Syscall(s) => Some(
            rewind::arch::Arch::host()
                .syscall_name(s.regs.syscall_nr())
                .to_string(),
        ),
        _ => None,
    }
}

/// Index of the first `Syscall` event of `name`.
fn first_syscall(events: &[Event], name: &str) -> usize {
    events
        .iter()
        .position(|e| syscall_name(e).as_deref() == Some(name))
        .unwrap_or_else(|| panic!("the trace has no {name} syscall"))
}

fn events_of(trace: &Path) -> Vec<Event> {
    let r = TraceReader::open(trace).expect("open trace");
    r.read_all().expect("read trace").0
}

/// The recorded pid (the first event's).
fn recorded_pid(trace: &Path) -> i32 {
    match events_of(trace).first() {
        Some(Event::Exec { pid, .. }) => *pid,
        other => panic!("the trace does not start with its exec: {other:?}"),
    }
}

/// The trace with the first brk's result moved by a page: the replay runs
/// brk for real and gets the true value, so it stops at that event.
/// Returns (altered trace, event index, recorded result, altered result).
fn corrupt_brk(dir: &TestDir, trace: &Path) -> (PathBuf, usize, u64, u64) {
    let bad = dir.join("bad-brk");
    let mut at = (0, 0, 0);
    rewrite_trace(trace, &bad, |events| {
        let i = first_syscall(events, "brk");
        if let Event::Syscall(s) = &mut events[i] {
            let was = s.result;
            s.result = was + 0x1000;
            at = (i, was, s.result);
        }
    });
    (bad, at.0, at.1, at.2)
}

#[test]
fn intact_rewritten_trace_replays_with_status_0() {
    let dir = TestDir::new("div_intact");
    let (trace, _exe, rec) = record_diverge(&dir);
    let copy = dir.join("copy");
    rewrite_trace(&trace, &copy, |_| {});
    let rep = replay(&dir, &copy);
    assert_replay_faithful(&rec, &rep);
    rep.assert_code(FAITHFUL);
    assert!(
        rep.stderr_str()
            .contains("the program exited with status 15"),
        "{}",
        rep.describe()
    );
}

#[test]
fn corrupted_syscall_result_stops_the_replay_at_that_event() {
    let dir = TestDir::new("div_brk");
    let (trace, _exe, _rec) = record_diverge(&dir);
    let pid = recorded_pid(&trace);
    let (bad, idx, was, now) = corrupt_brk(&dir, &trace);
    let rep = replay(&dir, &bad);
    rep.assert_no_panic();
    rep.assert_code(DIVERGED);
    let err = rep.stderr_str();
    let want = format!(
        "replay diverged at event {idx} (pid {pid}, thread {pid}): the recording made \
         brk(0x0) = {now:#x} here; the replay made brk(0x0) = {was:#x}"
    );
    assert!(err.contains(&want), "expected {want:?}\n{}", rep.describe());
    assert!(
        err.contains(&format!("result: recorded {now:#x}, replayed {was:#x}")),
        "the message must give the differing values\n{}",
        rep.describe()
    );
    assert!(
        err.contains(&format!("rewind dump --around {idx}")),
        "the message must say what to do\n{}",
        rep.describe()
    );
    assert!(
        rep.stdout.is_empty(),
        "nothing was written before the divergence\n{}",
        rep.describe()
    );

    // What the message suggests: the events around it, it marked.
    let mut cmd = dir.rewind();
    cmd.arg("dump")
        .arg("--around")
        .arg(idx.to_string())
        .arg(&bad);
    let dump = run(cmd, None);
    dump.assert_code(0);
    let out = dump.stdout_str();
    let marked: Vec<&str> = out.lines().filter(|l| l.starts_with("=> ")).collect();
    assert_eq!(marked.len(), 1, "one event is marked\n{}", dump.describe());
    assert!(
        marked[0].starts_with(&format!("=> #{idx} tid {pid}: brk(")),
        "the marked event is the brk\n{}",
        dump.describe()
    );
    let total = events_of(&bad).len();
    let first = idx.saturating_sub(20);
    let last = (idx + 20).min(total - 1);
    assert_eq!(
        out.lines().count(),
        last - first + 1,
        "events {first} to {last}\n{}",
        dump.describe()
    );
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.contains(&format!("#{first} "))),
        "{}",
        dump.describe()
    );
    assert!(
        out.lines()
            .last()
            .is_some_and(|l| l.contains(&format!("#{last} "))),
        "{}",
        dump.describe()
    );
}

#[test]
fn corrupted_getpid_result_diverges_at_the_write_it_changes() {
    let dir = TestDir::new("div_getpid");
    let (trace, _exe, rec) = record_diverge(&dir);
    let pid = recorded_pid(&trace);
    let bad = dir.join("bad-getpid");
    // A pid with more digits: the program's one write gets longer.
    let fake = 10i64.pow(pid.to_string().len() as u32 + 1) + 1;
    let mut write_at = 0;
    rewrite_trace(&trace, &bad, |events| {
        let i = first_syscall(events, "getpid");
        if let Event::Syscall(s) = &mut events[i] {
            s.result = fake as u64;
        }
        write_at = first_syscall(events, "write");
    });
    let len = rec.stdout.len();
    let longer = len + fake.to_string().len() - pid.to_string().len();
    let rep = replay(&dir, &bad);
    rep.assert_no_panic();
    rep.assert_code(DIVERGED);
    let want = format!(
        "replay diverged at event {write_at} (pid {pid}, thread {pid}): the recording made \
         write(1, {len} bytes) = {len:#x} here; the replay made write(1, {longer} bytes)"
    );
    assert!(
        rep.stderr_str().contains(&want),
        "expected {want:?}\n{}",
        rep.describe()
    );
    assert!(
        rep.stderr_str()
            .contains(&format!("rdx: recorded {len:#x}, replayed {longer:#x}")),
        "{}",
        rep.describe()
    );
    assert!(
        !rep.stdout_str().contains("total"),
        "the diverged write is not echoed\n{}",
        rep.describe()
    );
}

#[test]
fn a_syscall_of_another_thread_is_checked_and_named() {
    let dir = TestDir::new("div_thread");
    let (trace, rec) = record_program(&dir, "threads_basic", &[]);
    rec.assert_code(0);
    let pid = recorded_pid(&trace);
    let arch = rewind::arch::Arch::host();
    let getpid = arch.syscall_nr("getpid").expect("getpid's number");
    let bad = dir.join("bad-thread");
    let mut at = (0, 0);
    thread_gettid_as_getpid(&trace, &bad, pid, getpid, &mut at);
    let (idx, tid) = at;
    let rep = replay(&dir, &bad);
    rep.assert_no_panic();
    rep.assert_code(DIVERGED);
    let want = format!(
        "replay diverged at event {idx} (pid {pid}, thread {tid}): the recording made \
         getpid() = {tid:#x} here; the replay made gettid()"
    );
    assert!(
        rep.stderr_str().contains(&want),
        "expected {want:?}\n{}",
        rep.describe()
    );
}

/// The trace with the first gettid of a thread other than the main one
/// recorded as a getpid: `at` gets its event index and thread.
fn thread_gettid_as_getpid(trace: &Path, bad: &Path, pid: i32, getpid: u64, at: &mut (usize, i32)) {
    rewrite_trace(trace, bad, |events| {
        let i = events
            .iter()
            .position(|e| e.tid() != pid && syscall_name(e).as_deref() == Some("gettid"))
            .expect("a thread's gettid");
        if let Event::Syscall(s) = &mut events[i] {
            let args = s.regs.syscall_args();
            s.regs.set_syscall(getpid, args);
            *at = (i, s.tid);
        }
    });
}

#[test]
fn exit_status_other_than_recorded_diverges() {
    let dir = TestDir::new("div_exit");
    let (trace, _exe, _rec) = record_diverge(&dir);
    let pid = recorded_pid(&trace);
    let bad = dir.join("bad-exit");
    let mut exit_at = 0;
    rewrite_trace(&trace, &bad, |events| {
        exit_at = events.len() - 1;
        match &mut events[exit_at] {
            Event::Exit { kind, .. } => *kind = ExitKind::Exited(3),
            other => panic!("the trace does not end with an exit: {other:?}"),
        }
    });
    let rep = replay(&dir, &bad);
    rep.assert_no_panic();
    rep.assert_code(DIVERGED);
    let want = format!(
        "replay diverged at event {exit_at} (pid {pid}, thread {pid}): the recording made \
         the end of the process (exited with status 3) here; the replay made the end of the \
         process (exited with status 15)"
    );
    assert!(
        rep.stderr_str().contains(&want),
        "expected {want:?}\n{}",
        rep.describe()
    );
    assert!(
        rep.stderr_str()
            .contains("exit status: recorded 3, replayed 15"),
        "{}",
        rep.describe()
    );
}

#[test]
fn events_left_after_the_end_are_a_divergence() {
    let dir = TestDir::new("div_left");
    let (trace, _exe, _rec) = record_diverge(&dir);
    let bad = dir.join("bad-left");
    let mut extra_at = 0;
    rewrite_trace(&trace, &bad, |events| {
        // The process's last syscall recorded again after its end.
        let i = first_syscall(events, "write");
        let again = events[i].clone();
        events.push(again);
        extra_at = events.len() - 1;
    });
    let rep = replay(&dir, &bad);
    rep.assert_no_panic();
    rep.assert_code(DIVERGED);
    let want = format!("replay diverged at event {extra_at} ");
    assert!(
        rep.stderr_str().contains(&want),
        "expected {want:?}\n{}",
        rep.describe()
    );
}

#[test]
fn replay_statuses_for_each_way_a_replay_can_fail() {
    let dir = TestDir::new("div_statuses");
    let (trace, _exe, rec) = record_diverge(&dir);

    // No trace there.
    let rep = replay(&dir, &dir.join("no-such-trace"));
    rep.assert_no_panic();
    rep.assert_code(CANNOT_START);
    assert!(
        rep.stderr_str().contains("no-such-trace"),
        "the message names the trace\n{}",
        rep.describe()
    );

    // Not a trace.
    let junk = dir.subdir("junk");
    std::fs::write(junk.join("header"), b"not a trace at all").unwrap();
    let rep = replay(&dir, &junk);
    rep.assert_no_panic();
    rep.assert_code(CANNOT_START);
    assert!(
        rep.stderr_str().contains("not a rewind trace"),
        "{}",
        rep.describe()
    );

    // Cut short: the program's end is not in the trace.
    let cut = dir.join("cut");
    rewrite_trace(&trace, &cut, |events| {
        events.pop();
    });
    let rep = replay(&dir, &cut);
    rep.assert_no_panic();
    rep.assert_code(CUT_SHORT);
    assert!(rep.stderr_str().contains("cut short"), "{}", rep.describe());
    assert_eq!(
        rep.stdout,
        rec.stdout,
        "what the cut trace holds replays\n{}",
        rep.describe()
    );

    // Cut short in the middle of a frame (the recorder killed).
    let half = dir.join("half");
    rewrite_trace(&trace, &half, |_| {});
    let events = half.join(EVENTS_FILE);
    let len = std::fs::metadata(&events).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&events)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    let rep = replay(&dir, &half);
    rep.assert_no_panic();
    rep.assert_code(CUT_SHORT);
    assert!(
        rep.stderr_str().contains("ended early"),
        "{}",
        rep.describe()
    );

    // The statuses are documented where users look.
    let mut cmd = dir.rewind();
    cmd.args(["replay", "--help"]);
    let help = run(cmd, None);
    help.assert_code(0);
    let text = help.stdout_str();
    for line in [
        "0  faithful",
        "1  the replay could not start",
        "3  the replay diverged",
        "4  the trace was cut short",
    ] {
        assert!(text.contains(line), "--help lacks {line:?}\n{text}");
    }
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    assert!(
        readme.contains("`rewind dump --around N"),
        "README documents dump --around"
    );
    assert!(
        readme.contains("3 when the replay diverged"),
        "README documents the divergence status"
    );
}

#[test]
fn gdb_shows_the_divergence_as_an_error_stop() {
    if !have_gdb("gdb_shows_the_divergence_as_an_error_stop") {
        return;
    }
    let dir = TestDir::new("div_gdb");
    let (trace, exe, _rec) = record_diverge(&dir);
    let pid = recorded_pid(&trace);
    let (bad, idx, was, now) = corrupt_brk(&dir, &trace);
    let server = GdbServer::start(&dir, &bad);
    let mut gdb = GdbCli::connect(&server, &exe, &[]);
    let mut c = Checks::new();
    let out = gdb.cmd("continue");
    let want = format!(
        "replay diverged at event {idx} (pid {pid}, thread {pid}): the recording made \
         brk(0x0) = {now:#x} here; the replay made brk(0x0) = {was:#x}"
    );
    c.that(out.contains(&want), || {
        format!("gdb shows the divergence {want:?}:\n{out}")
    });
    c.that(out.contains(&format!("rewind dump --around {idx}")), || {
        format!("gdb shows what to do:\n{out}")
    });
    c.that(out.contains("Program received signal SIGKILL"), || {
        format!("the divergence is an error stop:\n{out}")
    });
    c.that(
        !out.contains("exited normally") && !out.contains("exited with code"),
        || format!("a divergence is never an exit:\n{out}"),
    );
    // It cannot go on.
    let out = gdb.cmd("continue");
    c.that(out.contains("cannot go forward"), || {
        format!("continuing after a divergence says why it cannot:\n{out}")
    });
    c.finish(&gdb.gdb.tail());
}

#[test]
fn gdb_end_of_trace_stops_once_and_goes_back() {
    if !have_gdb("gdb_end_of_trace_stops_once_and_goes_back") {
        return;
    }
    let dir = TestDir::new("div_gdb_end");
    let (trace, exe, _rec) = record_diverge(&dir);
    let server = GdbServer::start(&dir, &trace);
    let mut gdb = GdbCli::connect(&server, &exe, &[]);
    let mut c = Checks::new();
    let (line, _) = source_line("diverge.c", "marker: accumulate");
    gdb.cmd(&format!("break diverge.c:{line}"));
    let out = gdb.cmd("continue");
    c.that(out.contains("Breakpoint 1, accumulate (i=1)"), || {
        format!("the first hit:\n{out}")
    });
    gdb.cmd("disable 1");

    let out = gdb.cmd("continue");
    c.that(
        out.contains(
            "the replay reached the end of the recording: the program exited with status 15",
        ),
        || format!("the end reports the recorded exit status:\n{out}"),
    );
    c.that(out.contains("No more reverse-execution history."), || {
        format!("the end is the end of the replay log:\n{out}")
    });
    c.that(
        !out.contains("exited normally")
            && !out.contains("exited with code")
            && !out.contains("SIGKILL"),
        || format!("the end is neither an exit nor a kill:\n{out}"),
    );
    let where_end = gdb.cmd("info threads");
    c.that(where_end.contains("* 1"), || {
        format!("the program is still there at the end:\n{where_end}")
    });
    let frame = gdb.cmd("frame");
    c.that(frame.contains("#0"), || {
        format!("the end has a frame:\n{frame}")
    });

    // Again: it stays at the end, with the same stop.
    let out = gdb.cmd("continue");
    c.that(
        out.contains("No more reverse-execution history.")
            && out.contains("this is the end of the recording (the program exited with status 15)"),
        || format!("continuing at the end stays there:\n{out}"),
    );
    c.that(gdb.cmd("frame") == frame, || {
        "continuing at the end does not move".into()
    });

    // Back to the last hit of the breakpoint.
    gdb.cmd("enable 1");
    let out = gdb.cmd("reverse-continue");
    c.that(out.contains("Breakpoint 1, accumulate (i=5)"), || {
        format!("reverse-continue from the end finds the last hit:\n{out}")
    });
    c.that(gdb.value("total") == "30", || {
        format!(
            "total before its last addition:\n{}",
            gdb.cmd("print total")
        )
    });
    let out = gdb.cmd("reverse-step");
    c.that(!out.contains("error") && !out.contains("Error"), || {
        format!("reverse-step works after the end:\n{out}")
    });
    // And forward again to the end.
    gdb.cmd("disable 1");
    let out = gdb.cmd("continue");
    c.that(out.contains("No more reverse-execution history."), || {
        format!("forward again to the end:\n{out}")
    });
    // The user who wants it gone kills it; `run` replays it again.
    let out = gdb.cmd("kill");
    c.that(out.contains("killed"), || {
        format!("kill at the end:\n{out}")
    });
    gdb.cmd("enable 1");
    let out = gdb.cmd("run");
    c.that(out.contains("Breakpoint 1, accumulate (i=1)"), || {
        format!("run after kill replays again, to the first call:\n{out}")
    });
    c.finish(&gdb.gdb.tail());
}
