//! Reverse execution in gdb, over `rewind replay -s PORT`.
//!
//! The program is tests/programs/reverse_demo.c: main() runs ten steps, each
//! calling one_step(i), which calls mix() (advancing the global seed) and
//! add(i, r) (adding i*1000 + r to the global total). Its values come from
//! recorded inputs, so each test records it and takes the expected values
//! from what the recording printed ([`DemoValues`]): the assertions are the
//! line numbers and the values a user would check after each command.
//!
//! Most tests run one script from gdb-scripts/ (`reverse_*.gdb`, with the
//! marker helpers of `reverse_markers.gdb` loaded first) with `gdb -batch`.
//! The bad-input tests drive gdb interactively ([`GdbCli`]) so that they can
//! act on the processes between two commands.

mod common;

use common::*;
use std::time::Duration;

const SRC: &str = "reverse_demo.c";

/// gdb's rendering of the current line marked `name`.
fn line(name: &str) -> String {
    marker_gdb_line(SRC, name)
}

/// "reverse_demo.c:N" for the line marked `name`.
fn at(name: &str) -> String {
    format!("{SRC}:{}", marker_line(SRC, name))
}

/// Records the demo and runs `reverse_markers.gdb`, then `scripts`, against
/// its replay. None if gdb is missing (skipped visibly).
fn session(test: &str, scripts: &[&str]) -> Option<(GdbRun, DemoValues)> {
    session_with(test, scripts, &[])
}

/// [`session`] with the server's environment extended by `env`.
fn session_with(
    test: &str,
    scripts: &[&str],
    env: &[(&str, &str)],
) -> Option<(GdbRun, DemoValues)> {
    if !have_gdb(test) {
        return None;
    }
    let dir = TestDir::with_env(test, env);
    let (trace, exe, values) = record_reverse_demo(&dir);
    let mut all = vec!["reverse_markers.gdb"];
    all.extend_from_slice(scripts);
    let run = run_gdb_scripts(&dir, &trace, Some(&exe), &all);
    Some((run, values))
}

/// Checks of one gdb session: its output and the server's.
struct Session {
    run: GdbRun,
    checks: Checks,
}

impl Session {
    fn new(run: GdbRun) -> Session {
        Session {
            run,
            checks: Checks::new(),
        }
    }

    /// `needles` appear in gdb's output in this order.
    fn in_order(&mut self, what: &str, needles: &[String]) {
        let out = self.run.out();
        self.checks.in_order(what, &out, needles);
    }

    /// `needles` appear in order in gdb's output after the first `from`.
    fn in_order_after(&mut self, what: &str, from: &str, needles: &[String]) {
        let out = self.run.out();
        match out.find(from) {
            Some(i) => self.checks.in_order(what, &out[i..], needles),
            None => self
                .checks
                .that(false, || format!("{what}: output lacks {from:?}")),
        }
    }

    fn that(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks.that(ok, what);
    }

    /// The script ran to its end: no gdb error stopped it, no refused
    /// packet, no lost connection, no panic in the server.
    fn clean(&mut self) {
        let out = self.run.out();
        for bad in [
            "Error in sourced command file",
            "Remote failure reply",
            "does not support this command",
            "Remote connection closed",
        ] {
            self.checks
                .that(!out.contains(bad), || format!("gdb reported {bad:?}"));
        }
        let err = self.run.server_stderr.clone();
        self.checks
            .that(!err.contains("panicked"), || "the server panicked".into());
    }

    /// gdb never ran out of history going back (the session stays inside
    /// the trace; the end of the recording, announced as such just before,
    /// is the end of the history going forward).
    fn no_history_end(&mut self) {
        let out = self.run.out();
        let lines: Vec<&str> = out.lines().collect();
        let at_start = lines.iter().enumerate().any(|(i, l)| {
            l.contains("No more reverse-execution history")
                && !lines[i.saturating_sub(3)..i]
                    .iter()
                    .any(|p| p.contains("end of the recording"))
        });
        self.checks.that(!at_start, || {
            "the replay ran out of history where it should not".into()
        });
    }

    fn finish(self) {
        self.checks.finish(&self.run.describe());
    }
}

#[test]
fn reverse_step_next_finish() {
    let Some((run, v)) = session("reverse_step_next_finish", &["reverse_step.gdb"]) else {
        return;
    };
    let (r3, s2, s3, t2, t3) = (v.r(3), v.seeds[2], v.seeds[3], v.totals[2], v.totals[3]);
    let mut s = Session::new(run);
    s.in_order(
        "reverse-step, reverse-next, reverse-finish",
        &[
            format!("Breakpoint 1, add (i=3, r={r3}) at "),
            line("add term"),
            // reverse-step at the first line of add() goes back to the line
            // of its call.
            "one_step (i=3) at ".into(),
            line("step add"),
            format!("$1 = {r3}\n"),
            // reverse-next steps back over mix().
            line("step mix"),
            format!("$2 = {s2}\n"),
            // next, then reverse-step into mix() from its end.
            line("step add"),
            "mix () at ".into(),
            line("mix end"),
            format!("$3 = {s3}\n"),
            // reverse-finish: back to the call of mix().
            "one_step (i=3) at ".into(),
            line("step mix"),
            // Forward: next, step into add(), next, next.
            line("step add"),
            format!("add (i=3, r={r3}) at "),
            line("add term"),
            line("add write"),
            line("add return"),
            format!("$4 = {t3}\n"),
            // reverse-next undoes the write to total.
            line("add write"),
            format!("$5 = {t2}\n"),
            // reverse-finish out of add(): mid-line, at its call.
            " in one_step (i=3) at ".into(),
            line("step add"),
            format!("$6 = {t2}\n"),
            // reverse-next to the start of that line, over mix(), into main().
            line("step add"),
            line("step mix"),
            "main () at ".into(),
            line("loop call"),
            "$7 = 3\n".into(),
            format!("$8 = {t2}\n"),
            // Forward again: the same path and values.
            "one_step (i=3) at ".into(),
            line("step mix"),
            line("step add"),
            format!("add (i=3, r={r3}) at "),
            line("add term"),
            "$9 = 3\n".into(),
            format!("$10 = {r3}\n"),
        ],
    );
    s.clean();
    s.no_history_end();
    s.finish();
}

#[test]
fn reverse_stepi_nexti() {
    let Some((run, v)) = session("reverse_stepi_nexti", &["reverse_stepi.gdb"]) else {
        return;
    };
    let (r2, t1, t2) = (v.r(2), v.totals[1], v.totals[2]);
    let mut s = Session::new(run);
    s.in_order(
        "reverse-stepi, reverse-nexti",
        &[
            format!("Breakpoint 1, add (i=2, r={r2}) at "),
            line("add term"),
            // Two instructions forward and back: the same pc.
            "$1 = 1\n".into(),
            "$2 = 1\n".into(),
            // finish returns to one_step() mid-line.
            " in one_step (i=2) at ".into(),
            line("step add"),
            format!("Value returned is $3 = {t2}\n"),
            // One instruction back: add's return instruction.
            "#0  0x".into(),
            format!(" in add (i=2, r={r2}) at "),
            at("add end"),
            "<add+".into(),
            ">:\tret".into(),
            "$4 = 1\n".into(),
            // reverse-nexti over the call: at the call instruction, before
            // add() wrote total.
            "<one_step+".into(),
            ">:\tcall".into(),
            "<add>".into(),
            format!("$5 = {t1}\n"),
            "$6 = 1\n".into(),
            format!("$7 = {t2}\n"),
            format!("$8 = {t1}\n"),
            "$9 = 1\n".into(),
            "#0  0x".into(),
            " in one_step (i=2) at ".into(),
            at("step add"),
        ],
    );
    s.clean();
    s.no_history_end();
    s.finish();
}

#[test]
fn reverse_continue_hits_breakpoints() {
    check_reverse_continue("reverse_continue_hits_breakpoints", &[]);
}

/// The same without hit counters in the kernel: every hit a ptrace stop
/// (what machines without usable debug-register events do).
#[test]
fn reverse_continue_hits_breakpoints_by_stops() {
    check_reverse_continue(
        "reverse_continue_hits_breakpoints_by_stops",
        &[("REWIND_NO_HIT_COUNTERS", "1")],
    );
}

fn check_reverse_continue(test: &str, env: &[(&str, &str)]) {
    let Some((run, v)) = session_with(test, &["reverse_continue.gdb"], env) else {
        return;
    };
    let t = &v.totals;
    let sd = &v.seeds;
    let mut s = Session::new(run);
    s.in_order(
        "reverse-continue to breakpoints in add()",
        &[
            format!("Breakpoint 1, add (i=4, r={}) at ", v.r(4)),
            format!("Breakpoint 1, add (i=3, r={}) at ", v.r(3)),
            line("add term"),
            "$1 = 3\n".into(),
            format!("$2 = {}\n", t[2]),
            format!("Breakpoint 1, add (i=2, r={}) at ", v.r(2)),
            "$3 = 2\n".into(),
            format!("$4 = {}\n", t[1]),
            format!("Breakpoint 1, add (i=3, r={}) at ", v.r(3)),
            "$5 = 3\n".into(),
            format!("$6 = {}\n", t[2]),
        ],
    );
    s.in_order_after(
        "a second breakpoint, in mix(), hit in reverse",
        "Breakpoint 2 at ",
        &[
            "Breakpoint 2, mix () at ".into(),
            line("mix update"),
            format!("$7 = {}\n", sd[2]),
            "Breakpoint 1, add (i=2, ".into(),
            "$8 = 2\n".into(),
            "Breakpoint 2, mix () at ".into(),
            format!("$9 = {}\n", sd[1]),
        ],
    );
    s.in_order(
        "forward twice and back once, four times",
        &[
            format!("ROUND 0: i=2 total={}\n", t[1]),
            format!("ROUND 1: i=3 total={}\n", t[2]),
            format!("ROUND 2: i=4 total={}\n", t[3]),
            format!("ROUND 3: i=5 total={}\n", t[4]),
        ],
    );
    s.clean();
    s.no_history_end();
    s.finish();
}

#[test]
fn reverse_to_start_and_forward_to_end() {
    let Some((run, v)) = session("reverse_to_start_and_forward_to_end", &["reverse_ends.gdb"])
    else {
        return;
    };
    let last = v.totals[DEMO_STEPS];
    let mut s = Session::new(run);
    s.in_order(
        "to the end, and back to the last call of add()",
        &[
            "No more reverse-execution history.".into(),
            format!("$1 = {last}\n"),
            format!("Breakpoint 1, add (i=10, r={}) at ", v.r(10)),
            "$2 = 10\n".into(),
            format!("$3 = {}\n", v.totals[9]),
        ],
    );
    s.in_order(
        "back past the start: gdb's message, at the first instruction (the dynamic loader's entry point), before any step ran",
        &[
            "$3 = ".into(),
            "No more reverse-execution history.".into(),
            "rip".into(),
            "<_start>".into(),
            "MPRINT 'reverse_demo.c'::total = 0\n".into(),
            "No more reverse-execution history.".into(),
            "rip".into(),
            "<_start>".into(),
        ],
    );
    s.in_order_after(
        "forward again from the start, to the end",
        "MPRINT 'reverse_demo.c'::total",
        &[
            format!("Breakpoint 2, add (i=1, r={}) at ", v.r(1)),
            "$4 = 1\n".into(),
            "$5 = 0\n".into(),
            "No more reverse-execution history.".into(),
            format!("$6 = {last}\n"),
            "MARK-before-end".into(),
            format!("$7 = {last}\n"),
            "No more reverse-execution history.".into(),
            "MARK-end-again".into(),
            format!("$8 = {last}\n"),
        ],
    );
    // Both `info registers rip` at the start show the same instruction.
    let out = s.run.out();
    let rips: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("rip ") && l.contains("<_start>"))
        .collect();
    s.that(rips.len() == 2 && rips[0] == rips[1], || {
        format!("the first instruction must look the same each time: {rips:?}")
    });
    s.that(
        !out.contains("exited normally") && !out.contains("exited with code"),
        || "the end of the trace must not look like an exit".into(),
    );
    s.clean();
    s.finish();
}

#[test]
fn watchpoint_finds_last_write_backwards() {
    check_watch("watchpoint_finds_last_write_backwards", &[]);
}

#[test]
fn watchpoint_finds_last_write_backwards_by_stops() {
    check_watch(
        "watchpoint_finds_last_write_backwards_by_stops",
        &[("REWIND_NO_HIT_COUNTERS", "1")],
    );
}

fn check_watch(test: &str, env: &[(&str, &str)]) {
    let Some((run, v)) = session_with(test, &["reverse_watch.gdb"], env) else {
        return;
    };
    let t = &v.totals;
    let mut s = Session::new(run);
    s.in_order(
        "watch total, reverse-continue twice from the end, continue",
        &[
            "No more reverse-execution history.".into(),
            "Hardware watchpoint 1: total".into(),
            // Backwards, gdb shows the later value as "old", and stops at
            // the writing instruction, before it ran.
            format!("Old value = {}\n", t[10]),
            format!("New value = {}\n", t[9]),
            format!("add (i=10, r={}) at ", v.r(10)),
            line("add write"),
            "$1 = 10\n".into(),
            format!("Old value = {}\n", t[9]),
            format!("New value = {}\n", t[8]),
            format!("add (i=9, r={}) at ", v.r(9)),
            line("add write"),
            "$2 = 9\n".into(),
            // Forward again over the same write: stopped after it.
            format!("Old value = {}\n", t[8]),
            format!("New value = {}\n", t[9]),
            format!("add (i=9, r={}) at ", v.r(9)),
            line("add return"),
            "$3 = 9\n".into(),
            format!("$4 = {}\n", t[9]),
        ],
    );
    s.clean();
    s.no_history_end();
    s.finish();
}

#[test]
fn reverse_watch_from_a_forward_watch_stop() {
    check_watch_after_forward("reverse_watch_from_a_forward_watch_stop", &[]);
}

#[test]
fn reverse_watch_from_a_forward_watch_stop_by_stops() {
    check_watch_after_forward(
        "reverse_watch_from_a_forward_watch_stop_by_stops",
        &[("REWIND_NO_HIT_COUNTERS", "1")],
    );
}

/// Stopped by a watchpoint going forward (just after the write), a
/// reverse-continue finds that same write first, not the one before it.
fn check_watch_after_forward(test: &str, env: &[(&str, &str)]) {
    let Some((run, v)) = session_with(test, &["reverse_watch_after_forward.gdb"], env) else {
        return;
    };
    let t = &v.totals;
    let mut s = Session::new(run);
    s.in_order(
        "watch total, continue, reverse-continue twice",
        &[
            "Hardware watchpoint 2: total".into(),
            format!("Old value = {}\n", t[2]),
            format!("New value = {}\n", t[3]),
            line("add return"),
            "$1 = 3\n".into(),
            // Back over the write just made: before it, in step 3.
            format!("Old value = {}\n", t[3]),
            format!("New value = {}\n", t[2]),
            format!("add (i=3, r={}) at ", v.r(3)),
            line("add write"),
            "$2 = 3\n".into(),
            format!("$3 = {}\n", t[2]),
            // Then step 2's write.
            format!("Old value = {}\n", t[2]),
            format!("New value = {}\n", t[1]),
            format!("add (i=2, r={}) at ", v.r(2)),
            line("add write"),
            "$4 = 2\n".into(),
            format!("$5 = {}\n", t[1]),
        ],
    );
    s.clean();
    s.no_history_end();
    s.finish();
}

/// `rewind replay -g EVENT` starts the session at that event: `monitor
/// when` says so, the next breakpoint hit is the one after it, and going
/// back before it still works. A bad event is refused up front.
#[test]
fn replay_starts_at_an_event() {
    let test = "replay_starts_at_an_event";
    if !have_gdb(test) {
        return;
    }
    let dir = TestDir::new(test);
    let (trace, exe, v) = record_reverse_demo(&dir);
    let first = run_gdb_scripts(&dir, &trace, Some(&exe), &["when_at_add3.gdb"]);
    let out = first.out();
    let event = number_after(&out, "Current event: ");
    assert!(
        out.contains("$1 = 3\n") && event.is_some(),
        "{}",
        first.describe()
    );
    let event = event.unwrap_or_default().to_string();
    let from_event = run_gdb_scripts_with(
        &dir,
        &trace,
        &["-g", &event],
        Some(&exe),
        &["replay_goto.gdb"],
    );
    let mut s = Session::new(from_event);
    s.in_order(
        "started at the event, forward to add(i=3), back to add(i=2)",
        &[
            format!("Current event: {event}\n"),
            format!("add (i=3, r={}) at ", v.r(3)),
            "$1 = 3\n".into(),
            format!("add (i=2, r={}) at ", v.r(2)),
            "$2 = 2\n".into(),
        ],
    );
    s.clean();
    s.finish();

    let mut bad = dir.rewind();
    bad.args(["replay", "-s", "0", "-g", "99999999"])
        .arg(&trace);
    let out = run(bad, None);
    out.assert_no_panic();
    assert_eq!(out.code(), Some(1), "{}", out.describe());
    assert!(
        out.stderr_str()
            .contains("cannot start at event 99999999: event 99999999 is outside this trace"),
        "{}",
        out.describe()
    );
}

#[test]
fn watchpoint_on_buffer_written_by_read() {
    let Some((run, v)) = session(
        "watchpoint_on_buffer_written_by_read",
        &["reverse_watch_read.gdb"],
    ) else {
        return;
    };
    let [b0, b1] = v.rbuf;
    let mut s = Session::new(run);
    s.in_order(
        "forward: the kernel's write in read() is reported",
        &[
            "Hardware watchpoint 2: rbuf[0]".into(),
            "Old value = 0\n".into(),
            format!("New value = {b0}\n"),
            "#0  ".into(),
            "read".into(),
            "#1  0x".into(),
            " in main () at ".into(),
            at("read"),
            format!("MPRINT rbuf[1] = {b1}\n"),
        ],
    );
    s.in_order_after(
        "backward from the end: the same write, undone",
        "the replay reached the end of the recording",
        &[
            format!("Old value = {b0}\n"),
            "New value = 0\n".into(),
            "#0  ".into(),
            "read".into(),
            "#1  0x".into(),
            " in main () at ".into(),
            at("read"),
            "MPRINT rbuf[1] = 0\n".into(),
            "MPRINT rbuf[0] = 0\n".into(),
        ],
    );
    s.clean();
    s.no_history_end();
    s.finish();
}

#[test]
fn four_watchpoints_and_an_access_watchpoint() {
    let Some((run, v)) = session(
        "four_watchpoints_and_an_access_watchpoint",
        &["reverse_watch_kinds.gdb"],
    ) else {
        return;
    };
    let (t, sd) = (&v.totals, &v.seeds);
    let mut s = Session::new(run);
    s.in_order(
        "four write watchpoints, backwards from the end",
        &[
            "No more reverse-execution history.".into(),
            "Hardware watchpoint 1: total".into(),
            "Hardware watchpoint 2: seed".into(),
            "Hardware watchpoint 3: rbuf[1]".into(),
            "Hardware watchpoint 4: stamp".into(),
            "Hardware watchpoint 1: total".into(),
            format!("Old value = {}\n", t[10]),
            format!("New value = {}\n", t[9]),
            format!("add (i=10, r={}) at ", v.r(10)),
            line("add write"),
            "Hardware watchpoint 2: seed".into(),
            format!("Old value = {}\n", sd[10]),
            format!("New value = {}\n", sd[9]),
            "mix () at ".into(),
            line("mix update"),
            "Hardware watchpoint 1: total".into(),
            format!("Old value = {}\n", t[9]),
            format!("New value = {}\n", t[8]),
            format!("add (i=9, r={}) at ", v.r(9)),
            "Hardware watchpoint 2: seed".into(),
            format!("Old value = {}\n", sd[9]),
            format!("New value = {}\n", sd[8]),
            "mix () at ".into(),
        ],
    );
    s.in_order_after(
        "the kernel's write of rbuf[1] in read(), then the write of stamp",
        &format!("New value = {}\n", sd[8]),
        &[
            "Hardware watchpoint 3: rbuf[1]".into(),
            format!("Old value = {}\n", v.rbuf[1]),
            "New value = 0\n".into(),
            "read".into(),
            "Hardware watchpoint 4: stamp".into(),
            format!("Old value = {}\n", v.stamp),
            "New value = 0\n".into(),
            "main () at ".into(),
            line("stamp write"),
        ],
    );
    s.in_order_after(
        "an access watchpoint: the write and the read forward, the read backward",
        "Hardware access (read/write) watchpoint 5: stamp",
        &[
            "Hardware access (read/write) watchpoint 5: stamp".into(),
            "Old value = 0\n".into(),
            format!("New value = {}\n", v.stamp),
            "Hardware access (read/write) watchpoint 5: stamp".into(),
            format!("Value = {}\n", v.stamp),
            line("print seed"),
            "No more reverse-execution history.".into(),
            "Hardware access (read/write) watchpoint 5: stamp".into(),
            format!("Value = {}\n", v.stamp),
            line("print seed"),
        ],
    );
    s.clean();
    s.no_history_end();
    s.finish();
}

#[test]
fn unknown_packets_get_empty_replies() {
    let Some((run, v)) = session(
        "unknown_packets_get_empty_replies",
        &["reverse_packets.gdb"],
    ) else {
        return;
    };
    let mut s = Session::new(run);
    let out = s.run.out();
    let empty = out.matches("received: \"\"").count();
    s.that(empty == 4, || {
        format!("each of the 4 unknown packets should get an empty reply; {empty} did")
    });
    s.in_order(
        "the session goes on",
        &[
            format!("Breakpoint 1, add (i=1, r={}) at ", v.r(1)),
            "$1 = 1\n".into(),
            format!("Breakpoint 1, add (i=2, r={}) at ", v.r(2)),
            "$2 = 2\n".into(),
            format!("Breakpoint 1, add (i=1, r={}) at ", v.r(1)),
            "$3 = 1\n".into(),
        ],
    );
    s.clean();
    s.finish();
}

/// Lines of a visit block with gdb's value-history numbers ("$12 = ")
/// removed, since they grow from one visit to the next.
fn normalized(block: &str) -> String {
    block
        .lines()
        .map(
            |l| match l.strip_prefix('$').and_then(|r| r.split_once(" = ")) {
                Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => {
                    format!("$ = {rest}")
                }
                _ => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn revisited_points_are_identical() {
    let Some((run, v)) = session("revisited_points_are_identical", &["reverse_identical.gdb"])
    else {
        return;
    };
    let mut s = Session::new(run);
    let out = s.run.out();
    let block = |n: usize| -> Option<String> {
        let from = format!("MARK-visit-{n}\n");
        let to = format!("MARK-visit-{n}-end");
        let a = out.find(&from)? + from.len();
        let b = out[a..].find(&to)?;
        Some(normalized(&out[a..a + b]))
    };
    let first = block(1).unwrap_or_default();
    // The first visit shows the recorded values.
    for want in [
        "rip ".to_string(),
        "eflags ".to_string(),
        "$ = 3".to_string(),
        format!("$ = {}", v.r(3)),
        format!("$ = {}", v.totals[2]),
        format!("$ = {}", v.seeds[3]),
        format!("$ = {{{}, {}}}", v.rbuf[0], v.rbuf[1]),
        format!("$ = {}", v.stamp),
        "$ = 0x".to_string(),
        "$ = {v8_bfloat16".to_string(),
    ] {
        s.that(first.lines().any(|l| l.starts_with(&want)), || {
            format!("the first visit lacks a line starting with {want:?}\n{first}")
        });
    }
    let routes = [
        "to the end of the trace and back with reverse-continue",
        "next, next, stepi, then reverse-stepi back to the same pc",
        "back past it to mix() twice, then forward with continue",
    ];
    for (k, route) in routes.iter().enumerate() {
        let n = k + 2;
        match block(n) {
            None => s.that(false, || format!("visit {n} ({route}) never happened")),
            Some(other) => {
                let diff: Vec<String> = first
                    .lines()
                    .zip(other.lines())
                    .filter(|(a, b)| a != b)
                    .map(|(a, b)| format!("    first:    {a}\n    visit {n}: {b}"))
                    .collect();
                let same_len = first.lines().count() == other.lines().count();
                s.that(diff.is_empty() && same_len, || {
                    format!(
                        "visit {n} ({route}) differs from the first visit ({} and {} lines):\n{}",
                        first.lines().count(),
                        other.lines().count(),
                        diff.join("\n")
                    )
                });
            }
        }
    }
    s.clean();
    s.finish();
}

/// The first integer after `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> Option<u64> {
    let at = text.find(prefix)? + prefix.len();
    text[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Does some line of `block` contain both numbers as whole words?
fn line_with_numbers(block: &str, a: u64, b: u64) -> bool {
    block.lines().any(|l| {
        let words: Vec<&str> = l
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .collect();
        words.contains(&a.to_string().as_str()) && words.contains(&b.to_string().as_str())
    })
}

/// The text between `from` and the next `to` in `out`, if both are there.
fn section<'a>(out: &'a str, from: &str, to: &str) -> Option<&'a str> {
    let a = out.find(from)? + from.len();
    let b = out[a..].find(to)?;
    Some(&out[a..a + b])
}

#[test]
fn monitor_checkpoint_restart_goto() {
    let Some((run, v)) = session("monitor_checkpoint_restart_goto", &["reverse_monitor.gdb"])
    else {
        return;
    };
    let out = run.out();
    let ev1 = number_after(&out, "Current event:")
        .unwrap_or_else(|| panic!("`monitor when` printed no event\n{}", run.describe()));
    let cp1 = number_after(&out, "Checkpoint ")
        .unwrap_or_else(|| panic!("`monitor checkpoint` printed nothing\n{}", run.describe()));
    let first_cp = format!("Checkpoint {cp1} at event {ev1}\n");
    let later = out.find(&first_cp).map(|i| &out[i + first_cp.len()..]);
    let (ev4, cp2) = match later {
        Some(l) => (
            number_after(l, "Current event:").unwrap_or(0),
            number_after(l, "Checkpoint ").unwrap_or(0),
        ),
        None => panic!(
            "`monitor checkpoint` must print {first_cp:?}\n{}",
            run.describe()
        ),
    };
    let mut s = Session::new(run);
    s.that(ev4 > ev1, || format!("events must grow: {ev1} then {ev4}"));
    s.that(cp1 != cp2, || {
        format!("two checkpoints need two numbers: {cp1}, {cp2}")
    });
    s.in_order(
        "the second checkpoint",
        &[
            first_cp.clone(),
            format!("Checkpoint {cp2} at event {ev4}\n"),
        ],
    );
    let info1 = section(&out, "MARK-info-1\n", "MARK-info-1-end").unwrap_or("");
    s.that(
        line_with_numbers(info1, cp1, ev1) && line_with_numbers(info1, cp2, ev4),
        || {
            format!(
                "`monitor info checkpoints` must list both checkpoints with their events:\n{info1}"
            )
        },
    );
    // After `monitor restart` and the register-cache flush the server asks
    // for, gdb shows the checkpoint's position and values.
    s.in_order(
        "monitor restart to the first checkpoint, on from there, and to the second",
        &[
            "MARK-info-1-end".into(),
            format!("Restarted from checkpoint {cp1} at event {ev1}"),
            format!("#0  add (i=1, r={}) at ", v.r(1)),
            "$1 = 0\n".into(),
            format!("Current event: {ev1}\n"),
            "$2 = 1\n".into(),
            format!("Breakpoint 1, add (i=2, r={}) at ", v.r(2)),
            "$3 = 2\n".into(),
            format!("Restarted from checkpoint {cp2} at event {ev4}"),
            format!("#0  add (i=4, r={}) at ", v.r(4)),
            format!("$4 = {}\n", v.totals[3]),
            "$5 = 1\n".into(),
        ],
    );
    let info2 = section(&out, "MARK-info-2\n", "MARK-info-2-end").unwrap_or("");
    s.that(
        !line_with_numbers(info2, cp1, ev1) && line_with_numbers(info2, cp2, ev4),
        || {
            format!(
                "after `monitor delete checkpoint {cp1}` only checkpoint {cp2} is listed:\n{info2}"
            )
        },
    );
    // Restarting a deleted checkpoint is refused with a message that says
    // so, and leaves the position alone.
    let refused = out
        .lines()
        .find(|l| l.starts_with("RESTART-DELETED-"))
        .unwrap_or("");
    s.that(
        refused.contains(&cp1.to_string())
            && mentions_any(
                refused,
                &[
                    "no checkpoint",
                    "not found",
                    "unknown",
                    "no such",
                    "deleted",
                    "does not exist",
                ],
            ),
        || format!("restarting deleted checkpoint {cp1} must be an error naming it: {refused:?}"),
    );
    s.in_order(
        "still at the second checkpoint, then goto",
        &[
            "RESTART-DELETED-".into(),
            "$6 = 4\n".into(),
            format!("Current event: {ev1}\n"),
            "$7 = 1\n".into(),
            format!("Current event: {}\n", ev1 - 10),
            "$8 = 1\n".into(),
        ],
    );
    // goto the same event from later, from earlier and from the end: the
    // same registers each time.
    let g1 = section(&out, "MARK-goto-1\n", "MARK-goto-1-end").unwrap_or("");
    let g2 = section(&out, "MARK-goto-2\n", "MARK-goto-2-end").unwrap_or("");
    let g3 = section(&out, "MARK-goto-3\n", "MARK-goto-3-end").unwrap_or("");
    s.that(g1.contains("rip "), || "no registers after goto".into());
    s.that(g1 == g2 && g1 == g3, || {
        format!(
            "`monitor goto {ev1}` must reach the same place every time\n--- from later ---\n{g1}\n--- from earlier ---\n{g2}\n--- from the end ---\n{g3}"
        )
    });
    // goto stops where the event's stretch of execution begins: `when` said
    // ev1 during step 1's call of add(), so that call is still ahead.
    s.in_order_after(
        "continue after goto",
        "MARK-goto-3-end",
        &[
            format!("Breakpoint 2, add (i=1, r={}) at ", v.r(1)),
            "$9 = 1\n".into(),
        ],
    );
    s.clean();
    s.finish();
}

#[test]
fn friendly_commands_from_rewind_gdb() {
    let Some((run, v)) = session(
        "friendly_commands_from_rewind_gdb",
        &["rewind.gdb", "reverse_friendly.gdb"],
    ) else {
        return;
    };
    let out = run.out();
    let ev1 = number_after(&out, "Current event:")
        .unwrap_or_else(|| panic!("`when` printed no event\n{}", run.describe()));
    let cp = number_after(&out, "Checkpoint ")
        .unwrap_or_else(|| panic!("`checkpoint` printed nothing\n{}", run.describe()));
    let mut s = Session::new(run);
    s.in_order(
        "when, checkpoint, restart",
        &[
            format!("Current event: {ev1}\n"),
            format!("Checkpoint {cp} at event {ev1}\n"),
            format!("Breakpoint 1, add (i=3, r={}) at ", v.r(3)),
            "$1 = 3\n".into(),
            "Current event: ".into(),
            // restart: gdb shows the checkpoint's position.
            format!("#0  add (i=1, r={}) at ", v.r(1)),
            line("add term"),
            "$2 = 1\n".into(),
            "$3 = 0\n".into(),
            "$4 = 1\n".into(),
        ],
    );
    // goto stops where the event's stretch begins: the call of add() during
    // which `when` showed that event is still ahead.
    s.in_order_after(
        "goto, then continue",
        "$4 = 1\n",
        &[
            "$5 = 1\n".into(),
            format!("Breakpoint 1, add (i=3, r={}) at ", v.r(3)),
            "$6 = 3\n".into(),
        ],
    );
    s.clean();
    s.finish();
}

#[test]
fn run_restarts_the_replay() {
    let Some((run, v)) = session("run_restarts_the_replay", &["reverse_run.gdb"]) else {
        return;
    };
    let mut s = Session::new(run);
    s.in_order(
        "run, then forward and back",
        &[
            format!("Breakpoint 1, add (i=3, r={}) at ", v.r(3)),
            "Current event: ".into(),
            format!("Breakpoint 1, add (i=1, r={}) at ", v.r(1)),
            line("add term"),
            "$1 = 1\n".into(),
            "$2 = 0\n".into(),
            "$3 = 1\n".into(),
            format!("Breakpoint 1, add (i=2, r={}) at ", v.r(2)),
            "$4 = 2\n".into(),
            format!("Breakpoint 1, add (i=1, r={}) at ", v.r(1)),
            "$5 = 1\n".into(),
            "$6 = 0\n".into(),
        ],
    );
    s.clean();
    s.finish();
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

/// The descendants of the server with their /proc/PID/syscall lines.
fn snapshot(server_pid: i32) -> Vec<(ProcInfo, Option<String>)> {
    descendants(server_pid)
        .into_iter()
        .map(|p| {
            let sc = proc_syscall(p.pid);
            (p, sc)
        })
        .collect()
}

fn show(procs: &[(ProcInfo, Option<String>)]) -> String {
    procs
        .iter()
        .map(|(p, sc)| {
            format!(
                "  pid {} ppid {} state {} comm {} syscall {:?}",
                p.pid, p.ppid, p.state, p.comm, sc
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The hexadecimal number in gdb's `print/x` output.
fn hex_value(s: &str) -> u64 {
    let h = s
        .split_whitespace()
        .find(|w| w.starts_with("0x"))
        .unwrap_or_else(|| panic!("no hexadecimal number in {s:?}"));
    u64::from_str_radix(&h[2..], 16).unwrap()
}

/// Waits until the server process has exited, then asserts that none of the
/// processes it ever had below it is still running.
fn assert_no_strays(server: &mut GdbServer, seen: &[ProcInfo], context: &str) {
    let status = server.proc.wait_exit();
    // Orphans are reparented and reaped; give that a moment.
    let start = std::time::Instant::now();
    loop {
        let left: Vec<&ProcInfo> = seen.iter().filter(|p| still_running(p)).collect();
        if left.is_empty() {
            return;
        }
        if start.elapsed() > Duration::from_secs(10) {
            panic!(
                "{context}: processes of the replay are still running after the server exited ({}):\n{}",
                describe_status(status),
                left.iter()
                    .map(|p| format!("  pid {} ppid {} state {} comm {}", p.pid, p.ppid, p.state, p.comm))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn merge_seen(seen: &mut Vec<ProcInfo>, now: &[ProcInfo]) {
    for p in now {
        if !seen.contains(p) {
            seen.push(p.clone());
        }
    }
}

#[test]
fn reverse_with_checkpoints_killed_is_an_error() {
    if !have_gdb("reverse_with_checkpoints_killed_is_an_error") {
        return;
    }
    let dir = TestDir::new("reverse_with_checkpoints_killed");
    let (trace, exe, v) = record_reverse_demo(&dir);
    let mut server = GdbServer::start(&dir, &trace);
    let server_pid = server.proc.pid();
    let mut gdb = GdbCli::connect(&server, &exe, &["reverse_markers.gdb"]);
    let mut seen: Vec<ProcInfo> = Vec::new();

    gdb.cmd("break add");
    let out = gdb.cmd("continue");
    assert!(out.contains("add (i=1, "), "{out}\n{}", gdb.gdb.tail());
    let cp_out = gdb.cmd("monitor checkpoint");
    let cp = number_after(&cp_out, "Checkpoint ").unwrap_or_else(|| {
        panic!(
            "`monitor checkpoint` printed no checkpoint number\n{}",
            gdb.gdb.tail()
        )
    });
    for _ in 0..4 {
        gdb.cmd("continue");
    }
    // Back and forth once, so that the replay has made whatever checkpoints
    // it makes on its own.
    gdb.cmd("reverse-continue");
    let out = gdb.cmd("continue");
    assert!(
        out.contains(&format!("add (i=5, r={}) at ", v.r(5))),
        "{out}\n{}",
        gdb.gdb.tail()
    );

    // Which process is the program being debugged: the one that moves when
    // gdb steps one instruction.
    let before = snapshot(server_pid);
    gdb.cmd("stepi");
    let pc = hex_value(&gdb.value("/x $pc"));
    let after = snapshot(server_pid);
    merge_seen(
        &mut seen,
        &before.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
    );
    merge_seen(
        &mut seen,
        &after.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
    );
    let current: Vec<i32> = after
        .iter()
        .filter(|(p, sc)| {
            // A process that was there and moved, or one that is new (in
            // case the step was made on a fresh copy).
            let unchanged = before
                .iter()
                .any(|(q, old)| q.pid == p.pid && q.start == p.start && old == sc);
            !unchanged && sc.as_deref().and_then(syscall_pc) == Some(pc)
        })
        .map(|(p, _)| p.pid)
        .collect();
    assert_eq!(
        current.len(),
        1,
        "cannot tell which process is the debugged program (pc {pc:#x})\nbefore stepi:\n{}\nafter:\n{}",
        show(&before),
        show(&after)
    );
    let victims: Vec<&ProcInfo> = after
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.pid != current[0] && matches!(p.state, 't' | 'T'))
        .collect();
    assert!(
        !victims.is_empty(),
        "after `monitor checkpoint` there must be a paused checkpoint process besides the program\n{}",
        show(&after)
    );
    for p in &victims {
        send_signal(p.pid, libc::SIGKILL);
    }
    std::thread::sleep(Duration::from_millis(200));
    let err_before = server.proc.stderr_so_far().len();

    // Going back needs a checkpoint: either the replay finds its way back
    // anyway (to the breakpoint of step 5, one instruction back), or it
    // says clearly that it cannot.
    let out = gdb.cmd("reverse-continue");
    let server_said = tail(&server.proc.stderr_so_far()[err_before..], 4000);
    let recovered = out.contains(&format!("Breakpoint 1, add (i=5, r={}) at ", v.r(5)));
    notice(&format!(
        "reverse_with_checkpoints_killed_is_an_error: killed {} checkpoint process(es); reverse-continue {}:\n{}{}",
        victims.len(),
        if recovered { "still worked" } else { "failed" },
        out.trim_end(),
        if server_said.is_empty() { String::new() } else { format!("\nserver: {}", server_said.trim_end()) }
    ));
    let mut c = Checks::new();
    // A clear error names what was lost, in gdb's own output (which is all
    // an editor shows).
    c.that(recovered || mentions_any(&out, &["checkpoint"]), || {
        format!(
            "reverse-continue with its checkpoints killed must either work or say that a checkpoint was lost:\n{out}"
        )
    });
    c.that(
        !out.contains("Remote connection closed") && !server_said.contains("panicked"),
        || format!("the session must survive the failed reverse-continue:\n{out}\n{server_said}"),
    );
    // Still usable: the position is where gdb says, and forward works.
    gdb.cmd("maintenance flush register-cache");
    gdb.cmd("maintenance flush dcache");
    let i: usize = gdb.value("i").parse().unwrap_or(0);
    c.that(i == 5, || {
        format!(
            "after the reverse-continue the program must be where gdb says (i = 5), not i = {i}"
        )
    });
    if recovered {
        // The user hears which checkpoints were lost.
        c.that(server_said.contains("is lost"), || {
            format!("the server must say which checkpoints were lost:\n{server_said}")
        });
    }
    let out = gdb.cmd("info registers rip");
    c.that(out.contains("<add+"), || {
        format!("registers must still be readable: {out}")
    });
    let out = gdb.cmd("continue");
    c.that(
        out.contains(&format!(
            "Breakpoint 1, add (i={}, r={}) at ",
            i + 1,
            v.r((i + 1).min(DEMO_STEPS))
        )),
        || format!("forward execution must still work:\n{out}"),
    );
    // The explicit checkpoint was among the killed processes.
    let out = gdb.cmd(&format!("monitor restart {cp}"));
    gdb.cmd("maintenance flush register-cache");
    gdb.cmd("maintenance flush dcache");
    let now: usize = gdb.value("i").parse().unwrap_or(0);
    c.that(now == 1 || mentions_any(&out, &["checkpoint"]), || {
        format!("`monitor restart {cp}` of a killed checkpoint must either work or say why not: {out:?}")
    });
    merge_seen(&mut seen, &descendants(server_pid));

    // Quitting gdb ends the server and every process of the replay.
    gdb.gdb.send("quit");
    gdb.gdb.finish();
    assert_no_strays(&mut server, &seen, "after gdb quit");
    c.finish(&gdb.gdb.tail());
}

#[test]
fn debugger_killed_mid_command_leaves_no_processes() {
    if !have_gdb("debugger_killed_mid_command_leaves_no_processes") {
        return;
    }
    let dir = TestDir::new("debugger_killed_mid_command");
    let exe = c_program("reverse_loop");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &exe, &["200000"]);
    rec.assert_code(0);
    let mut server = GdbServer::start(&dir, &trace);
    let server_pid = server.proc.pid();
    let mut gdb = GdbCli::connect(&server, &exe, &[]);
    let mut seen: Vec<ProcInfo> = Vec::new();

    let out = gdb.cmd("continue");
    assert!(
        out.contains("end of the recording"),
        "the replay must reach the end of the trace\n{out}\n{}",
        gdb.gdb.tail()
    );
    merge_seen(&mut seen, &descendants(server_pid));
    // A breakpoint hit 200000 times whose condition gdb evaluates: going
    // back through it is a long conversation between gdb and the server.
    gdb.cmd("break tick if i < 0");
    gdb.gdb.send("reverse-continue");
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(100));
        merge_seen(&mut seen, &descendants(server_pid));
    }
    let printed = gdb.gdb.drain();
    let finished = printed
        .iter()
        .any(|l| l.contains("Breakpoint 2,") || l.contains("No more reverse-execution"));
    notice(&format!(
        "debugger_killed_mid_command_leaves_no_processes: killing gdb {} its reverse-continue finished",
        if finished { "after" } else { "before" }
    ));
    gdb.gdb.kill();
    merge_seen(&mut seen, &descendants(server_pid));
    assert!(
        !seen.is_empty(),
        "the replayed program should have been among the server's processes"
    );
    assert_no_strays(&mut server, &seen, "after gdb was killed mid-command");
}

/// Ctrl-C in gdb while the replay runs, forward and backward: the program
/// stops with SIGINT where it was, stays inspectable, and both directions
/// still work afterwards.
#[test]
fn ctrl_c_interrupts_continue_and_reverse_continue() {
    if !have_gdb("ctrl_c_interrupts_continue_and_reverse_continue") {
        return;
    }
    let dir = TestDir::new("ctrl_c");
    let exe = c_program("reverse_loop");
    let trace = dir.join("trace");
    // About two seconds of replay: long enough to interrupt in the middle.
    let rec = record(&dir, &trace, &exe, &["150000000"]);
    rec.assert_code(0);
    let last_line = rec.stdout_str().lines().last().unwrap_or("").to_string();
    let mut server = GdbServer::start(&dir, &trace);
    let mut gdb = GdbCli::connect(&server, &exe, &[]);
    let mut c = Checks::new();

    // Forward.
    gdb.gdb.send("continue");
    gdb.gdb.send("echo \\nMARK-CC-1\\n");
    // Interrupt once gdb has resumed the replay (on a loaded machine the
    // resume itself may take longer than a fixed delay).
    let mut out = gdb
        .gdb
        .read_until("the continue", |l| l.contains("Continuing."));
    std::thread::sleep(Duration::from_millis(300));
    send_signal(gdb.gdb.pid(), libc::SIGINT);
    out.extend(
        gdb.gdb
            .read_until("the interrupted continue", |l| l.ends_with("MARK-CC-1")),
    );
    let out = out.join("\n");
    c.that(out.contains("Program received signal SIGINT"), || {
        format!("Ctrl-C during continue must stop the program with SIGINT:\n{out}")
    });
    c.that(!out.contains("end of the recording"), || {
        format!("the interrupt must come before the end of the trace:\n{out}")
    });
    let mid: u64 = gdb.value("'reverse_loop.c'::counter").parse().unwrap_or(0);
    let bt = gdb.cmd("bt");
    c.that(bt.contains("in main ("), || {
        format!("a backtrace after Ctrl-C:\n{bt}")
    });

    // Backward, with a breakpoint that is never hit: the replay scans back
    // to the start unless interrupted.
    gdb.cmd("break abort");
    gdb.gdb.send("reverse-continue");
    gdb.gdb.send("echo \\nMARK-CC-2\\n");
    std::thread::sleep(Duration::from_millis(300));
    send_signal(gdb.gdb.pid(), libc::SIGINT);
    let out = gdb
        .gdb
        .read_until("the interrupted reverse-continue", |l| {
            l.ends_with("MARK-CC-2")
        })
        .join("\n");
    c.that(
        out.contains("SIGINT") || out.contains("No more reverse-execution history"),
        || format!("reverse-continue must stop on Ctrl-C (or at the start):\n{out}"),
    );
    // Named with its file: gdb 13 fails its first plain lookup of a global
    // after going back past the loading of libraries (if the reverse run
    // reached the start).
    let back: u64 = gdb
        .value("'reverse_loop.c'::counter")
        .parse()
        .unwrap_or(u64::MAX);
    c.that(back <= mid, || {
        format!("going back must not move forward: counter {back} after {mid}")
    });
    // Forward to the end: the program's last line is the recorded one.
    gdb.cmd("delete");
    let out = gdb.cmd("continue");
    c.that(out.contains("end of the recording"), || {
        format!("continue after the interrupts must reach the end:\n{out}")
    });
    let end: u64 = gdb.value("'reverse_loop.c'::counter").parse().unwrap_or(0);
    c.that(last_line.contains(&end.to_string()), || {
        format!("at the end counter is {end}; the recording's last line was {last_line:?}")
    });
    gdb.gdb.send("quit");
    gdb.gdb.finish();
    let _ = server.proc.wait_exit();
    c.finish(&gdb.gdb.tail());
}

/// 100000 calls between two syscalls (tests/programs/long_stretch.c): the
/// last hits of a breakpoint and of a watchpoint in that stretch are found
/// from its end, without counting the hits before them, and the points
/// named so are found again exactly: back one more hit, forward again, back
/// one instruction, the same values each time. A watched write far from the
/// end of the stretch is found too.
#[test]
fn reverse_continue_in_a_long_stretch() {
    if !have_gdb("reverse_continue_in_a_long_stretch") {
        return;
    }
    let dir = TestDir::new("long_stretch");
    let exe = c_program("long_stretch");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &exe, &["100000"]);
    rec.assert_code(0);
    let last = rec.stdout_str().trim().to_string();
    let mut server = GdbServer::start(&dir, &trace);
    let mut gdb = GdbCli::connect(&server, &exe, &[]);
    let mut c = Checks::new();

    let out = gdb.cmd("continue");
    c.that(out.contains("end of the recording"), || {
        format!("the replay must reach the end of the trace:\n{out}")
    });
    gdb.cmd("break step");
    let out = gdb.cmd("reverse-continue");
    c.that(out.contains("step (i=99999)"), || {
        format!("reverse-continue must stop at the last call:\n{out}")
    });
    let before_last = gdb.value("acc");
    let out = gdb.cmd("reverse-continue");
    c.that(out.contains("step (i=99998)"), || {
        format!("a second reverse-continue must stop at the call before:\n{out}")
    });
    let out = gdb.cmd("continue");
    c.that(out.contains("step (i=99999)"), || {
        format!("continue must come back to the last call:\n{out}")
    });
    let again = gdb.value("acc");
    c.that(again == before_last, || {
        format!("acc at the last call was {before_last}, now {again}")
    });
    // One instruction back (in the prologue of step()) and forward again.
    let pc = gdb.value("$pc");
    gdb.cmd("reverse-stepi");
    let back = gdb.value("$pc");
    c.that(back != pc, || {
        format!("reverse-stepi must move back from {pc}")
    });
    gdb.cmd("stepi");
    let forward = gdb.value("$pc");
    let again = gdb.value("acc");
    c.that(forward == pc && again == before_last, || {
        format!(
            "stepi after reverse-stepi must come back to {pc} with acc = {before_last}, not \
             {forward} with {again}"
        )
    });
    gdb.cmd("delete");
    let out = gdb.cmd("continue");
    c.that(out.contains("end of the recording"), || {
        format!("continue must reach the end again:\n{out}")
    });
    gdb.cmd("watch acc");
    let out = gdb.cmd("reverse-continue");
    // Backwards, gdb shows the later value as "old".
    c.that(
        out.contains(&format!("Old value = {last}"))
            && out.contains(&format!("New value = {before_last}")),
        || {
            format!(
                "the last write of acc changed it from {before_last} to {last} (printed by \
                 the program):\n{out}"
            )
        },
    );
    let i = gdb.value("i");
    c.that(i == "99999", || {
        format!("the last write is in the last call, not with i = {i}")
    });
    let out = gdb.cmd("reverse-continue");
    c.that(out.contains(&format!("Old value = {before_last}")), || {
        format!("the write before changed acc to {before_last}:\n{out}")
    });
    let i = gdb.value("i");
    c.that(i == "99998", || {
        format!("the write before is in the call before, not with i = {i}")
    });
    // A write far from the end of the stretch, before all the calls.
    gdb.cmd("delete");
    gdb.cmd("continue");
    gdb.cmd("watch phase");
    let out = gdb.cmd("reverse-continue");
    c.that(
        out.contains("Old value = 1") && out.contains("New value = 0") && out.contains("main ("),
        || format!("the only write of phase, in main(), set it from 0 to 1:\n{out}"),
    );
    let first = gdb.value("acc");
    c.that(first != before_last && first != last, || {
        format!("before the calls acc is its random start, not {first}")
    });
    gdb.gdb.send("quit");
    gdb.gdb.finish();
    let _ = server.proc.wait_exit();
    c.finish(&gdb.gdb.tail());
}
