//! lldb against `rewind replay -s PORT`: connecting with `gdb-remote`,
//! breakpoints, stepping, registers, backtraces and memory, and reverse
//! execution two ways: lldb's own `process continue -R` (lldb 21 and later;
//! `lldb-scripts/native.lldb`), and the way an editor's lldb front end does
//! it for older lldb and for stepping back, which lldb has no command for:
//! the front end sends the raw packets itself, then steps one instruction
//! forward so that lldb refreshes what it knows about the stopped program:
//!
//! - step back: `Hc<tid>`, `bs`, `bs`, then `stepi`
//! - reverse continue: `Hc<tid>`, `bc`, `bs`, then `stepi`
//!
//! lldb runs in batch mode with the commands on its command line, or with
//! one of the scripts in `lldb-scripts/` (each is run as its README says);
//! `script print("MARK-...")` lines delimit the parts the test compares.
//! The program is tests/programs/reverse_demo.c (see tests/reverse_gdb.rs).
//!
//! lldb-22 is installed by `.ci/run`; without it the test is skipped
//! visibly (and fails under `REWIND_TESTS_REQUIRE_ALL`).

mod common;

use common::*;
use std::process::{Command, Stdio};

const SRC: &str = "reverse_demo.c";

/// The lldb binary, if installed: the newest `lldb-N` present (Debian
/// installs one of them), else plain `lldb`.
fn lldb() -> Option<String> {
    let names = (15..=30).rev().map(|n| format!("lldb-{n}"));
    names.chain(["lldb".to_string()]).find(|name| {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// lldb's major version, from `lldb --version` ("lldb version 22.1.8").
fn lldb_major(lldb: &str) -> Option<u32> {
    let out = Command::new(lldb).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.split("version").nth(1)?.trim_start();
    v.split('.').next()?.trim().parse().ok()
}

/// The commands that step back one instruction, as the front end sends them.
fn step_back(cmds: &mut Vec<String>) {
    cmds.push(select_thread());
    cmds.push("process plugin packet send bs".into());
    cmds.push("process plugin packet send bs".into());
    cmds.push("thread step-inst".into());
}

/// The commands of a reverse continue, as the front end sends them.
fn reverse_continue(cmds: &mut Vec<String>) {
    cmds.push(select_thread());
    cmds.push("process plugin packet send bc".into());
    cmds.push("process plugin packet send bs".into());
    cmds.push("thread step-inst".into());
}

/// `process plugin packet send Hc<tid>` with the current thread's id.
fn select_thread() -> String {
    "script lldb.debugger.HandleCommand(\"process plugin packet send Hc%x\" % lldb.thread.GetThreadID())"
        .into()
}

fn mark(cmds: &mut Vec<String>, name: &str) {
    cmds.push(format!("script print(\"MARK-{name}\")"));
}

/// `register read` between markers `regs-NAME` and `regs-NAME-end`.
fn registers(cmds: &mut Vec<String>, name: &str) {
    mark(cmds, &format!("regs-{name}"));
    cmds.push("register read".into());
    mark(cmds, &format!("regs-{name}-end"));
}

/// The text lldb printed between the marker lines `MARK-from` and
/// `MARK-to` (the marker alone on its line, not the echoed command).
fn between<'a>(out: &'a str, from: &str, to: &str) -> Option<&'a str> {
    let from = format!("\nMARK-{from}\n");
    let to = format!("\nMARK-{to}\n");
    let a = out.find(&from)? + from.len();
    let b = out[a..].find(&to)?;
    Some(&out[a..a + b])
}

/// The register dump inside a `regs-NAME` block, without the echoed
/// commands.
fn regs(out: &str, name: &str) -> Option<String> {
    let block = between(out, &format!("regs-{name}"), &format!("regs-{name}-end"))?;
    Some(
        block
            .lines()
            .filter(|l| !l.starts_with("(lldb)"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The value of rip in a register dump.
fn rip(dump: &str) -> Option<u64> {
    let l = dump
        .lines()
        .find(|l| l.trim_start().starts_with("rip = "))?;
    let v = l.trim_start().trim_start_matches("rip = ");
    let v = v.split_whitespace().next()?;
    u64::from_str_radix(v.trim_start_matches("0x"), 16).ok()
}

/// The `response: ...` lines of the packets sent in `part`.
fn responses(part: &str) -> Vec<String> {
    part.lines()
        .filter_map(|l| l.strip_prefix("response: "))
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn lldb_forward_and_reverse() {
    let test = "lldb_forward_and_reverse";
    let Some(lldb) = lldb() else {
        skip(test, "lldb (lldb-22) is not installed");
        return;
    };
    let dir = TestDir::new(test);
    let (trace, exe, v) = record_reverse_demo(&dir);
    let server = GdbServer::start(&dir, &trace);

    let mut cmds: Vec<String> = vec![
        format!("target create {}", exe.display()),
        format!("gdb-remote 127.0.0.1:{}", server.port),
        "breakpoint set --name add".into(),
        "continue".into(),
        "continue".into(),
        "continue".into(),
    ];
    mark(&mut cmds, "at-add-3");
    cmds.extend([
        "thread backtrace".into(),
        "frame variable i r".into(),
        "expression total".into(),
        "memory read --size 8 --format d --count 1 &total".into(),
    ]);
    // Three instructions forward, with the registers at each.
    registers(&mut cmds, "0");
    for n in 1..=3 {
        cmds.push("thread step-inst".into());
        registers(&mut cmds, &n.to_string());
    }
    // Back one instruction, twice.
    mark(&mut cmds, "back-1");
    step_back(&mut cmds);
    registers(&mut cmds, "back-1");
    mark(&mut cmds, "back-2");
    step_back(&mut cmds);
    registers(&mut cmds, "back-2");
    // Reverse continue to a breakpoint in mix(), which step 3 called just
    // before add().
    cmds.push("breakpoint set --name mix".into());
    cmds.push("breakpoint disable 1".into());
    mark(&mut cmds, "rc-mix");
    reverse_continue(&mut cmds);
    cmds.push("expression seed".into());
    // Reverse continue to the call of add() in step 2.
    cmds.push("breakpoint disable 2".into());
    cmds.push("breakpoint enable 1".into());
    mark(&mut cmds, "rc-add");
    reverse_continue(&mut cmds);
    cmds.push("frame variable i r".into());
    cmds.push("expression total".into());
    // Forward again to step 3's call of add(): the same registers as the
    // first time.
    mark(&mut cmds, "forward");
    cmds.push("continue".into());
    registers(&mut cmds, "again");
    mark(&mut cmds, "end");

    let mut cmd = Command::new(&lldb);
    cmd.arg("--batch").arg("--no-lldbinit");
    for c in &cmds {
        cmd.arg("-o").arg(c);
    }
    cmd.env("TERM", "dumb");
    let run = Spawned::start_merged(cmd).wait();
    let out = run.stdout_str();
    let server_err = String::from_utf8_lossy(&server.proc.stderr_so_far()).into_owned();
    drop(server);
    let context = format!(
        "{}\n--- server stderr (last 4000) ---\n{}",
        run.describe(),
        tail(server_err.as_bytes(), 4000)
    );
    let mut c = Checks::new();
    let line = |name: &str| format!("{SRC}:{}", marker_line(SRC, name));

    // Forward: breakpoint, backtrace, variables, memory.
    c.in_order(
        "breakpoint, continue, backtrace, variables, memory",
        &out,
        &[
            "Breakpoint 1: where = ".into(),
            "`add + ".into(),
            line("add term"),
            "stop reason = breakpoint 1.1".into(),
            "\nMARK-at-add-3\n".into(),
            format!("`add(i=3, r={}) at {}", v.r(3), line("add term")),
            format!("`one_step(i=3) at {}", line("step add")),
            format!("`main at {}", line("loop call")),
            "(int) i = 3\n".into(),
            format!("(unsigned int) r = {}\n", v.r(3)),
            format!(" = {}\n", v.totals[2]),
            format!(": {}\n", v.totals[2]),
        ],
    );
    let dumps: Vec<Option<String>> = (0..=3).map(|n| regs(&out, &n.to_string())).collect();
    for (n, d) in dumps.iter().enumerate() {
        c.that(d.as_deref().and_then(rip).is_some(), || {
            format!("no rip in register dump {n}: {d:?}")
        });
    }
    let rips: Vec<u64> = dumps
        .iter()
        .map(|d| d.as_deref().and_then(rip).unwrap_or(0))
        .collect();
    c.that(
        rips[0] < rips[1] && rips[1] < rips[2] && rips[2] < rips[3],
        || format!("thread step-inst must move forward: {rips:x?}"),
    );

    // Step back: the replies are OK, then stop packets; after the forward
    // step the registers are exactly those seen one instruction earlier.
    for (part, want) in [("back-1", 2usize), ("back-2", 1)] {
        let text = between(&out, part, &format!("regs-{part}")).unwrap_or("");
        let replies = responses(text);
        c.that(
            replies.len() == 3
                && replies[0] == "OK"
                && replies[1..].iter().all(|r| r.starts_with("T05")),
            || format!("{part}: Hc then bs, bs should answer OK, T05..., T05...: {replies:?}"),
        );
        let got = regs(&out, part);
        c.that(got.is_some() && got == dumps[want], || {
            format!(
                "{part}: after bs, bs and stepi the registers should be those of instruction {want}\n--- expected ---\n{}\n--- got ---\n{}",
                dumps[want].clone().unwrap_or_default(),
                got.unwrap_or_default()
            )
        });
    }

    // Reverse continue to mix(), then to add() of step 2.
    let rc_mix = between(&out, "rc-mix", "rc-add").unwrap_or("");
    let replies = responses(rc_mix);
    c.that(
        replies.len() == 3
            && replies[0] == "OK"
            && replies[1..].iter().all(|r| r.starts_with("T05")),
        || format!("rc-mix: Hc, bc, bs should answer OK, T05..., T05...: {replies:?}"),
    );
    c.in_order(
        "reverse continue to mix() in step 3",
        rc_mix,
        &[
            "`mix at ".into(),
            line("mix update"),
            format!(" = {}\n", v.seeds[2]),
        ],
    );
    let rc_add = between(&out, "rc-add", "forward").unwrap_or("");
    let replies = responses(rc_add);
    c.that(
        replies.len() == 3
            && replies[0] == "OK"
            && replies[1..].iter().all(|r| r.starts_with("T05")),
        || format!("rc-add: Hc, bc, bs should answer OK, T05..., T05...: {replies:?}"),
    );
    c.in_order(
        "reverse continue to add() in step 2",
        rc_add,
        &[
            format!("`add(i=2, r={}) at {}", v.r(2), line("add term")),
            "(int) i = 2\n".into(),
            format!("(unsigned int) r = {}\n", v.r(2)),
            format!(" = {}\n", v.totals[1]),
        ],
    );
    // Forward again to step 3's add(): identical registers.
    let again = regs(&out, "again");
    c.that(again.is_some() && again == dumps[0], || {
        format!(
            "step 3's add() revisited must show the same registers\n--- first ---\n{}\n--- again ---\n{}",
            dumps[0].clone().unwrap_or_default(),
            again.unwrap_or_default()
        )
    });
    c.that(out.contains("\nMARK-end\n"), || {
        "lldb did not get to the end of its commands".into()
    });
    c.that(!server_err.contains("panicked"), || {
        "the server panicked".into()
    });
    if std::env::var_os("REWIND_SHOW_LLDB").is_some() {
        notice(&out);
    }
    c.finish(&context);
}

/// Runs `lldb-scripts/NAME.lldb` against a fresh replay of the demo, the
/// way its README says (connect on the command line, then `-s SCRIPT`):
/// lldb's output (stdout and stderr merged) and a description for
/// failures.
fn run_script(lldb: &str, test: &str, name: &str) -> (String, DemoValues, String) {
    let dir = TestDir::new(&format!("{test}-{name}"));
    let (trace, exe, v) = record_reverse_demo(&dir);
    let server = GdbServer::start(&dir, &trace);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lldb-scripts")
        .join(format!("{name}.lldb"));
    let mut cmd = Command::new(lldb);
    cmd.arg("--batch")
        .arg("--no-lldbinit")
        .arg("-o")
        .arg(format!("gdb-remote 127.0.0.1:{}", server.port))
        .arg("-s")
        .arg(&script)
        .arg(&exe)
        .env("TERM", "dumb");
    let run = Spawned::start_merged(cmd).wait();
    let out = run.stdout_str();
    let server_err = String::from_utf8_lossy(&server.proc.stderr_so_far()).into_owned();
    drop(server);
    let context = format!(
        "lldb-scripts/{name}.lldb\n{}\n--- server stderr (last 4000) ---\n{}",
        run.describe(),
        tail(server_err.as_bytes(), 4000)
    );
    (out, v, context)
}

/// What every script's run shows: it got to its end, the server did not
/// panic, and lldb could set its own breakpoint in the dynamic loader (it
/// finds the loader's `r_debug` through `qShlibInfoAddr`).
fn check_script_ran(c: &mut Checks, out: &str) {
    c.that(out.contains("\nMARK-end\n"), || {
        "lldb did not get to the end of the script".into()
    });
    c.that(!out.contains("failed to set breakpoint site"), || {
        "lldb could not set a breakpoint (its loader breakpoint at a wrong address?)".into()
    });
    c.that(!out.contains("panicked"), || "something panicked".into());
}

/// The text between two marks, or "" (a missing mark fails the run's
/// MARK-end check or the part's own checks).
fn part<'a>(out: &'a str, from: &str, to: &str) -> &'a str {
    between(out, from, to).unwrap_or("")
}

#[test]
fn lldb_native_reverse_continue() {
    let test = "lldb_native_reverse_continue";
    let Some(lldb) = lldb() else {
        skip(test, "lldb (lldb-22) is not installed");
        return;
    };
    if lldb_major(&lldb).is_none_or(|v| v < 21) {
        skip(
            test,
            &format!("{lldb} has no reverse commands (lldb 21 and later do)"),
        );
        return;
    }
    let (out, v, context) = run_script(&lldb, test, "native");
    let mut c = Checks::new();
    let line = |name: &str| format!("{SRC}:{}", marker_line(SRC, name));
    check_script_ran(&mut c, &out);
    c.in_order(
        "at add() of step 3",
        part(&out, "at-add-3", "reverse-continue"),
        &["(int) i = 3\n".into()],
    );
    c.in_order(
        "process continue -R: the previous hit of the breakpoint, add() of step 2",
        part(&out, "reverse-continue", "reverse-watch"),
        &[
            "stop reason = breakpoint 1.1".into(),
            format!("`add(i=2, r={}) at {}", v.r(2), line("add term")),
            "(int) i = 2\n".into(),
            format!(" = {}\n", v.totals[1]),
        ],
    );
    c.in_order(
        "watchpoint + process continue -R: step 1's write, stopped before it",
        part(&out, "reverse-watch", "to-start"),
        &[
            format!("old value: {}\n", v.totals[1]),
            format!("new value: {}\n", v.totals[0]),
            "stop reason = watchpoint 1".into(),
            format!("`add(i=1, r={}) at {}", v.r(1), line("add write")),
            "(int) i = 1\n".into(),
            format!(" = {}\n", v.totals[0]),
        ],
    );
    c.in_order(
        "process continue -R with nothing armed: the first instruction",
        part(&out, "to-start", "forward"),
        &["stop reason = history boundary".into()],
    );
    c.in_order(
        "process continue -F: forward again to add() of step 1",
        part(&out, "forward", "end"),
        &[
            "stop reason = breakpoint 1.1".into(),
            format!("`add(i=1, r={}) at {}", v.r(1), line("add term")),
            "(int) i = 1\n".into(),
            format!(" = {}\n", v.totals[0]),
        ],
    );
    c.finish(&context);
}

#[test]
fn lldb_scripts_with_raw_packets() {
    let test = "lldb_scripts_with_raw_packets";
    let Some(lldb) = lldb() else {
        skip(test, "lldb (lldb-22) is not installed");
        return;
    };
    let line = |name: &str| format!("{SRC}:{}", marker_line(SRC, name));
    let mut contexts = Vec::new();
    let mut c = Checks::new();

    let (out, v, context) = run_script(&lldb, test, "basics");
    check_script_ran(&mut c, &out);
    c.in_order(
        "basics: add() of step 2, its arguments and total",
        part(&out, "at-add-2", "next"),
        &[
            "(int) i = 2\n".into(),
            format!("(unsigned int) r = {}\n", v.r(2)),
            format!(": {}\n", v.totals[1]),
        ],
    );
    contexts.push(context);

    let (out, _, context) = run_script(&lldb, test, "reverse");
    check_script_ran(&mut c, &out);
    c.in_order(
        "reverse: bc, bs, stepi lands on add() of step 2",
        part(&out, "after-bc", "bs"),
        &["(int) i = 2\n".into()],
    );
    c.in_order(
        "reverse: forward again to step 3",
        part(&out, "forward", "to-start"),
        &["(int) i = 3\n".into()],
    );
    c.in_order(
        "reverse: bc with no breakpoint of ours reaches the first instruction",
        part(&out, "to-start", "at-start"),
        &["replaylog:begin;".into()],
    );
    contexts.push(context);

    let (out, _, context) = run_script(&lldb, test, "codelldb");
    check_script_ran(&mut c, &out);
    c.in_order(
        "codelldb: Hc, bc, bs, stepi lands on add() of step 2",
        part(&out, "after-reverse-continue", "step-back"),
        &["(int) i = 2\n".into()],
    );
    contexts.push(context);

    let (out, v, context) = run_script(&lldb, test, "watch");
    check_script_ran(&mut c, &out);
    c.in_order(
        "watch: forward, stopped after step 3's write",
        part(&out, "forward-watch", "reverse-watch"),
        &["(int) i = 3\n".into(), format!(": {}\n", v.totals[3])],
    );
    c.in_order(
        "watch: bc finds that same write; after bs and stepi, lldb is at it",
        part(&out, "reverse-watch", "after-reverse-watch"),
        &["watch:".into(), line("add write")],
    );
    c.in_order(
        "watch: at the write of step 3, with total as before it",
        part(&out, "after-reverse-watch", "end"),
        &["(int) i = 3\n".into(), format!(": {}\n", v.totals[2])],
    );
    contexts.push(context);

    let (out, _, context) = run_script(&lldb, test, "monitor");
    check_script_ran(&mut c, &out);
    c.in_order(
        "monitor: restart to the checkpoint at add() of step 1",
        part(&out, "restart", "bad"),
        &["Restarted from checkpoint ".into(), "(int) i = 1\n".into()],
    );
    c.in_order(
        "monitor: bad input is refused with a reason",
        part(&out, "bad", "end"),
        &[
            "is outside this trace".into(),
            "there is no checkpoint 42".into(),
        ],
    );
    contexts.push(context);
    c.finish(&contexts.join("\n\n"));
}
