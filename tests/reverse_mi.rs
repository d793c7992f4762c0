//! Reverse execution through gdb/MI, the way an editor's debugger front end
//! drives gdb: `gdb -i=mi3` reads MI commands on its stdin and answers with
//! result records (`^done`, `^running`, `^error`) and asynchronous records
//! (`*stopped`). The test writes one command at a time and reads gdb's
//! output line by line, with the test deadline on every wait.
//!
//! The program is tests/programs/reverse_demo.c (see tests/reverse_gdb.rs);
//! every `*stopped` record is checked for its reason, function, arguments
//! and line.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const SRC: &str = "reverse_demo.c";

/// A gdb/MI session.
struct Mi {
    gdb: Driven,
    token: u32,
}

/// What one MI command produced.
struct Reply {
    /// The result record (`N^done...`, `N^running`, `N^error...`).
    result: String,
    /// The `*stopped` record that followed `^running`, if any.
    stopped: Option<String>,
    /// Every line, for messages and console text.
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

impl Mi {
    fn start(exe: &Path) -> Mi {
        let mut cmd = Command::new("gdb");
        cmd.arg("-i=mi3")
            .arg("-nx")
            .arg("-q")
            .args(["-iex", "set debuginfod enabled off"])
            .args(["-iex", "set pagination off"])
            .args(["-iex", "set confirm off"])
            .arg(exe)
            .env_remove("DEBUGINFOD_URLS")
            .env("TERM", "dumb");
        let mut gdb = Driven::start(cmd);
        gdb.read_until("gdb's first prompt", |l| l.starts_with("(gdb)"));
        Mi { gdb, token: 0 }
    }

    /// Sends `command` and reads up to its result record and, when the
    /// target was resumed, up to the `*stopped` record.
    fn run(&mut self, command: &str) -> Reply {
        self.token += 1;
        let tag = format!("{}^", self.token);
        self.gdb.send(&format!("{}{command}", self.token));
        let mut lines = self
            .gdb
            .read_until(&format!("the result of {command}"), |l| l.starts_with(&tag));
        let result = lines.last().unwrap().clone();
        let mut stopped = None;
        if result.starts_with(&format!("{tag}running")) {
            let more = self
                .gdb
                .read_until(&format!("the *stopped record after {command}"), |l| {
                    l.starts_with("*stopped")
                });
            stopped = more.last().cloned();
            lines.extend(more);
        }
        Reply {
            result,
            stopped,
            lines,
        }
    }
}

/// The value of `key="..."` in an MI record (the first occurrence).
fn field(record: &str, key: &str) -> Option<String> {
    let pat = format!("{key}=\"");
    let start = record.find(&pat)? + pat.len();
    let mut out = String::new();
    let mut chars = record[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

/// What a `*stopped` record should say.
struct Stop<'a> {
    /// The reason, or None where gdb gives none.
    reason: Option<&'a str>,
    func: &'a str,
    /// MI's rendering of the arguments that must be shown.
    args: Vec<(&'a str, String)>,
    /// The marked line, or None for a frame without line information.
    line: Option<&'a str>,
}

fn check_stop(checks: &mut Checks, what: &str, reply: &Reply, want: &Stop) {
    let Some(rec) = reply.stopped.as_deref() else {
        checks.that(false, || {
            format!(
                "{what}: no *stopped record; result {:?}\n{}",
                reply.result,
                reply.text()
            )
        });
        return;
    };
    if let Some(reason) = want.reason {
        checks.that(field(rec, "reason").as_deref() == Some(reason), || {
            format!("{what}: reason should be {reason:?}: {rec}")
        });
    }
    checks.that(field(rec, "func").as_deref() == Some(want.func), || {
        format!("{what}: func should be {:?}: {rec}", want.func)
    });
    for (name, value) in &want.args {
        let arg = format!("{{name=\"{name}\",value=\"{value}\"}}");
        checks.that(rec.contains(&arg), || {
            format!("{what}: argument {name} should be {value}: {rec}")
        });
    }
    if let Some(name) = want.line {
        let n = marker_line(SRC, name).to_string();
        checks.that(field(rec, "line").as_deref() == Some(n.as_str()), || {
            format!("{what}: line should be {n} ({name}): {rec}")
        });
    }
}

fn check_value(checks: &mut Checks, mi: &mut Mi, expr: &str, want: String) {
    let r = mi.run(&format!("-data-evaluate-expression {expr}"));
    checks.that(
        field(&r.result, "value").as_deref() == Some(want.as_str()),
        || format!("{expr} should be {want}: {}", r.result),
    );
}

fn addr(reply: &Reply) -> u64 {
    reply
        .stopped
        .as_deref()
        .and_then(|r| field(r, "addr"))
        .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0)
}

#[test]
fn mi_reverse_session() {
    if !have_gdb("mi_reverse_session") {
        return;
    }
    let dir = TestDir::new("mi_reverse_session");
    let (trace, exe, v) = record_reverse_demo(&dir);
    let server = GdbServer::start(&dir, &trace);
    let mut mi = Mi::start(&exe);
    let mut c = Checks::new();

    let r = mi.run(&format!(
        "-target-select extended-remote 127.0.0.1:{}",
        server.port
    ));
    assert!(
        r.result.contains("^connected"),
        "-target-select: {}\n{}",
        r.result,
        mi.gdb.tail()
    );
    let r = mi.run("-list-target-features");
    c.that(r.result.contains("\"reverse\""), || {
        format!("-list-target-features must include reverse: {}", r.result)
    });
    let r = mi.run("-break-insert add");
    let term_line = marker_line(SRC, "add term").to_string();
    c.that(
        r.result.starts_with(&format!("{}^done", mi.token))
            && field(&r.result, "line").as_deref() == Some(term_line.as_str()),
        || format!("-break-insert add: {}", r.result),
    );

    // Forward to the third call of add(), then back to the second.
    for i in 1..=3usize {
        let r = mi.run("-exec-continue");
        check_stop(
            &mut c,
            &format!("-exec-continue #{i}"),
            &r,
            &Stop {
                reason: Some("breakpoint-hit"),
                func: "add",
                args: vec![("i", i.to_string()), ("r", v.r(i).to_string())],
                line: Some("add term"),
            },
        );
    }
    let r = mi.run("-exec-continue --reverse");
    check_stop(
        &mut c,
        "-exec-continue --reverse",
        &r,
        &Stop {
            reason: Some("breakpoint-hit"),
            func: "add",
            args: vec![("i", "2".into()), ("r", v.r(2).to_string())],
            line: Some("add term"),
        },
    );
    check_value(&mut c, &mut mi, "total", v.totals[1].to_string());
    mi.run("-break-delete");

    // Stepping backwards by lines, into and out of functions.
    let step_back = |reason| Stop {
        reason: Some(reason),
        func: "one_step",
        args: vec![("i", "2".into())],
        line: None,
    };
    let r = mi.run("-exec-next --reverse");
    check_stop(
        &mut c,
        "-exec-next --reverse (out of add() to its call)",
        &r,
        &Stop {
            line: Some("step add"),
            ..step_back("end-stepping-range")
        },
    );
    let r = mi.run("-exec-step --reverse");
    check_stop(
        &mut c,
        "-exec-step --reverse (into mix() from its end)",
        &r,
        &Stop {
            reason: Some("end-stepping-range"),
            func: "mix",
            args: vec![],
            line: Some("mix end"),
        },
    );
    check_value(&mut c, &mut mi, "seed", v.seeds[2].to_string());
    let r = mi.run("-exec-finish --reverse");
    check_stop(
        &mut c,
        "-exec-finish --reverse (out of mix())",
        &r,
        &Stop {
            line: Some("step mix"),
            ..step_back("end-stepping-range")
        },
    );
    check_value(&mut c, &mut mi, "seed", v.seeds[1].to_string());
    let r = mi.run("-exec-next");
    check_stop(
        &mut c,
        "-exec-next",
        &r,
        &Stop {
            line: Some("step add"),
            ..step_back("end-stepping-range")
        },
    );
    let r = mi.run("-exec-next");
    check_stop(
        &mut c,
        "-exec-next again",
        &r,
        &Stop {
            line: Some("step return"),
            ..step_back("end-stepping-range")
        },
    );
    let r = mi.run("-exec-step --reverse");
    check_stop(
        &mut c,
        "-exec-step --reverse (into add() from its end)",
        &r,
        &Stop {
            reason: Some("end-stepping-range"),
            func: "add",
            args: vec![("i", "2".into())],
            line: Some("add end"),
        },
    );
    let r = mi.run("-exec-finish --reverse");
    check_stop(
        &mut c,
        "-exec-finish --reverse (out of add(), at its call)",
        &r,
        &Stop {
            line: Some("step add"),
            ..step_back("end-stepping-range")
        },
    );
    let call = addr(&r);
    check_value(&mut c, &mut mi, "total", v.totals[1].to_string());

    // One instruction back and forward again.
    let r = mi.run("-exec-step-instruction --reverse");
    check_stop(
        &mut c,
        "-exec-step-instruction --reverse",
        &r,
        &Stop {
            line: Some("step add"),
            ..step_back("end-stepping-range")
        },
    );
    let before = addr(&r);
    c.that(before != 0 && before < call, || {
        format!("-exec-step-instruction --reverse must go back from {call:#x}; now at {before:#x}")
    });
    let r = mi.run("-exec-step-instruction");
    check_stop(
        &mut c,
        "-exec-step-instruction",
        &r,
        &Stop {
            line: Some("step add"),
            ..step_back("end-stepping-range")
        },
    );
    c.that(addr(&r) == call, || {
        format!(
            "-exec-step-instruction must come back to {call:#x}; now at {:#x}",
            addr(&r)
        )
    });

    // Back past the start of the trace: gdb says there is no more history
    // and stops at the first instruction.
    let r = mi.run("-exec-continue --reverse");
    c.that(
        r.text().contains("No more reverse-execution history."),
        || {
            format!(
                "-exec-continue --reverse past the start must say so:\n{}",
                r.text()
            )
        },
    );
    check_stop(
        &mut c,
        "-exec-continue --reverse past the start",
        &r,
        &Stop {
            reason: None,
            func: "_start",
            args: vec![],
            line: None,
        },
    );
    if let Some(reason) = r.stopped.as_deref().and_then(|s| field(s, "reason")) {
        c.that(reason == "no-history", || {
            format!("the stop at the start has reason {reason:?}")
        });
    }
    // Forward to the end of the trace.
    let r = mi.run("-exec-continue");
    let end = r.stopped.clone().unwrap_or_default();
    // gdb 13's MI gives the end of the replay log no reason field (as at
    // the start); its console stream says it.
    c.that(
        r.text().contains("No more reverse-execution history.")
            && r.text().contains("the end of the recording")
            && field(&end, "reason").is_none_or(|reason| reason == "no-history"),
        || {
            format!(
                "the end of the trace is the end of the replay log: {end}\n{}",
                r.text()
            )
        },
    );
    // And back from the end to the last call of add().
    mi.run("-break-insert add");
    let r = mi.run("-exec-continue --reverse");
    check_stop(
        &mut c,
        "-exec-continue --reverse from the end",
        &r,
        &Stop {
            reason: Some("breakpoint-hit"),
            func: "add",
            args: vec![("i", "10".into()), ("r", v.r(10).to_string())],
            line: Some("add term"),
        },
    );
    check_value(&mut c, &mut mi, "total", v.totals[9].to_string());

    let r = mi.run("-gdb-exit");
    c.that(r.result.contains("^exit"), || {
        format!("-gdb-exit: {}", r.result)
    });
    let transcript = mi.gdb.tail();
    let server_err = String::from_utf8_lossy(&server.proc.stderr_so_far()).into_owned();
    c.finish(&format!(
        "{transcript}\n--- server stderr ---\n{}",
        tail(server_err.as_bytes(), 4000)
    ));
}
