//! Reverse execution on the workloads of "time travel at scale": a loop
//! that allocates with malloc and writes a global each call, alone or while
//! three forked workers loop at the same time (tests/programs/
//! fork_workers_malloc.c). Correctness, not timing: reverse-continue and a
//! reverse watchpoint land on the right call, memory shared between two
//! processes reads the same in both after going back, and all of it still
//! holds with (almost) no automatic checkpoints or without hit counters.
//!
//! The expected values come from the recording's own output: every report
//! line gives `i` and `g` (g = seed + i after step(i)), and what the first
//! worker had written in the shared area (`p0`); every worker line gives
//! its round `n` and the parent's mark it read there.

mod common;

use common::*;

const PROG: &str = "fork_workers_malloc";

/// What gdb printed for each `echo NAME\n` marker of a script: the values
/// of the `print` commands after it, in order.
struct Marked {
    run: GdbRun,
}

impl Marked {
    fn values(&self, marker: &str) -> Vec<String> {
        let out = self.run.out();
        let needle = format!("{marker}\n");
        let Some(at) = out.find(&needle) else {
            panic!("gdb output lacks marker {marker}\n{}", self.run.describe());
        };
        out[at + needle.len()..]
            .lines()
            .take_while(|l| !l.starts_with("MARK"))
            .filter(|l| l.starts_with('$'))
            .filter_map(|l| l.split_once(" = ").map(|(_, v)| v.trim().to_string()))
            .collect()
    }

    fn number(&self, marker: &str, k: usize) -> i64 {
        let v = self.values(marker);
        v.get(k).and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            panic!(
                "print {k} after {marker} is not a number: {v:?}\n{}",
                self.run.describe()
            )
        })
    }
}

/// Runs `script` in `gdb -batch` against `rewind replay -s PORT EXTRA TRACE`.
fn gdb_session(dir: &TestDir, trace: &std::path::Path, extra: &[&str], script: &str) -> Marked {
    let path = dir.join("session.gdb");
    std::fs::write(&path, script).expect("write gdb script");
    let server = GdbServer::start_with(dir, trace, extra);
    let mut cmd = gdb_batch(server.port);
    cmd.args(["-iex", "set confirm off"])
        .arg("-x")
        .arg(&path)
        .arg(c_program(PROG));
    let gdb = Spawned::start_merged(cmd).wait();
    let server_stdout = String::from_utf8_lossy(&server.proc.stdout_so_far()).into_owned();
    let server_stderr = String::from_utf8_lossy(&server.proc.stderr_so_far()).into_owned();
    let port = server.port;
    drop(server);
    let run = GdbRun {
        port,
        gdb,
        server_stdout,
        server_stderr,
    };
    let out = run.out();
    for bad in [
        "Remote failure reply",
        "Remote connection closed",
        "Error in sourced command file",
    ] {
        assert!(
            !out.contains(bad),
            "gdb reported {bad:?}\n{}",
            run.describe()
        );
    }
    assert!(
        !run.server_stderr.contains("panicked"),
        "the server panicked\n{}",
        run.describe()
    );
    Marked { run }
}

/// One `parent i=.. g=.. p0=..` line of the recording.
#[derive(Debug, Clone, Copy)]
struct Report {
    i: i64,
    g: i64,
    p0: i64,
}

fn reports(rec: &Output) -> Vec<Report> {
    rec.stdout_str()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("parent ")?;
            let mut r = Report { i: 0, g: 0, p0: 0 };
            for kv in rest.split_whitespace() {
                let (k, v) = kv.split_once('=')?;
                let v: i64 = v.parse().ok()?;
                match k {
                    "i" => r.i = v,
                    "g" => r.g = v,
                    "p0" => r.p0 = v,
                    _ => return None,
                }
            }
            Some(r)
        })
        .collect()
}

/// The parent's session: from the end, back to the last two calls of
/// step(), back to the last write of g, back to the last report().
const PARENT_SCRIPT: &str = "\
continue
break step
reverse-continue
echo MARK1\\n
print i
reverse-continue
echo MARK2\\n
print i
delete
watch g
reverse-continue
echo MARK3\\n
print i
print g
delete
break report
reverse-continue
echo MARK4\\n
print i
print p0
print area->progress[0]
print area->parent_mark
";

/// Records the program with `calls` and `workers`, replays the parent's
/// session with `env` for the server, and checks where each reverse
/// command landed against the recording.
fn check_parent(test: &str, calls: i64, workers: u32, env: &[(&str, &str)]) {
    if !have_gdb(test) {
        return;
    }
    let dir = TestDir::with_env(test, env);
    let (trace, rec) = record_program(&dir, PROG, &[&calls.to_string(), &workers.to_string()]);
    rec.assert_code(0);
    let reps = reports(&rec);
    let last = *reps
        .last()
        .unwrap_or_else(|| panic!("no report lines\n{}", rec.describe()));
    let seed = last.g - last.i;
    let s = gdb_session(&dir, &trace, &[], PARENT_SCRIPT);
    let ctx = || s.run.describe();
    assert_eq!(
        s.number("MARK1", 0),
        calls - 1,
        "last call of step\n{}",
        ctx()
    );
    assert_eq!(s.number("MARK2", 0), calls - 2, "call before it\n{}", ctx());
    // From the entry of step(calls - 2), the last write of g is in
    // step(calls - 3); going back stops before it, with g as step(calls - 4)
    // left it.
    assert_eq!(
        s.number("MARK3", 0),
        calls - 3,
        "watch g: the call\n{}",
        ctx()
    );
    assert_eq!(
        s.number("MARK3", 1),
        seed + calls - 4,
        "watch g: the value before the write\n{}",
        ctx()
    );
    // The last report() before step(calls - 3), at its entry: what the
    // parent had read of the first worker's progress, still in the shared
    // area, and the mark of the report before.
    let before: Vec<&Report> = reps.iter().filter(|r| r.i < calls - 3).collect();
    let want = before[before.len() - 1];
    assert_eq!(s.number("MARK4", 0), want.i, "report: the call\n{}", ctx());
    assert_eq!(
        s.number("MARK4", 1),
        want.p0,
        "report: p0 as recorded\n{}",
        ctx()
    );
    assert_eq!(
        s.number("MARK4", 2),
        want.p0,
        "report: the shared area reads what the parent read there\n{}",
        ctx()
    );
    let prev_mark = if before.len() >= 2 {
        before[before.len() - 2].i
    } else {
        -1
    };
    assert_eq!(
        s.number("MARK4", 3),
        prev_mark,
        "report: the parent's previous mark in the shared area\n{}",
        ctx()
    );
}

#[test]
fn malloc_loop_reverse_continue_and_watch_land_on_the_right_call() {
    check_parent("scale_malloc", 30_000, 0, &[]);
}

#[test]
fn four_processes_reverse_continue_and_watch_land_on_the_right_call() {
    check_parent("scale_procs", 60_000, 3, &[]);
}

/// Known to fail: without counters, going to the write found follows the
/// watch segment by stops, and in this trace that run stops with a SIGCHLD
/// the replay does not expect ("could not go back to a recorded point").
#[test]
#[ignore = "known failure: a SIGCHLD stops the watch segment followed by stops"]
fn four_processes_without_hit_counters() {
    check_parent(
        "scale_procs_nocount",
        30_000,
        3,
        &[("REWIND_NO_HIT_COUNTERS", "1")],
    );
}

#[test]
fn reverse_works_with_no_automatic_checkpoints() {
    check_parent(
        "scale_nockpt",
        30_000,
        3,
        &[("REWIND_CHECKPOINT_LIMIT", "0")],
    );
}

#[test]
fn checkpoint_limit_must_be_a_number() {
    let dir = TestDir::with_env("scale_badlimit", &[("REWIND_CHECKPOINT_LIMIT", "lots")]);
    let (trace, rec) = record_program(&dir, PROG, &["1000", "0"]);
    rec.assert_code(0);
    let mut cmd = dir.rewind();
    cmd.args(["replay", "-s", &free_port().to_string()])
        .arg(&trace);
    let out = run(cmd, None);
    out.assert_no_panic();
    assert_ne!(
        out.code(),
        Some(0),
        "a bad limit must be refused\n{}",
        out.describe()
    );
    assert!(
        out.stderr_str().contains("REWIND_CHECKPOINT_LIMIT"),
        "the message names the variable\n{}",
        out.describe()
    );
}

/// The first worker's session: back from its end to its last wreport(),
/// where the shared area must hold what it read there.
#[test]
fn shared_memory_reads_the_same_in_a_worker_after_going_back() {
    let test = "scale_worker";
    if !have_gdb(test) {
        return;
    }
    let dir = TestDir::new(test);
    let (trace, rec) = record_program(&dir, PROG, &["60000", "3"]);
    rec.assert_code(0);
    let (n, mark) = rec
        .stdout_str()
        .lines()
        .rev()
        .find_map(|l| {
            let rest = l.strip_prefix("worker 0 ")?;
            let (n, mark) = rest.split_once(' ')?;
            Some((
                n.strip_prefix("n=")?.parse::<i64>().ok()?,
                mark.strip_prefix("mark=")?.parse::<i64>().ok()?,
            ))
        })
        .unwrap_or_else(|| panic!("no line of worker 0\n{}", rec.describe()));
    // The first forked process is worker 0.
    let mut ps = dir.rewind();
    ps.arg("ps").arg(&trace);
    let ps = run(ps, None);
    ps.assert_code(0);
    let pid = ps
        .stdout_str()
        .lines()
        .skip(1)
        .find(|l| l.contains("(forked)"))
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| panic!("no forked process listed\n{}", ps.describe()));
    let script = "\
continue
break wreport
reverse-continue
echo MARK1\\n
print w
print n
print mark
print area->progress[0]
print area->parent_mark
";
    let s = gdb_session(&dir, &trace, &["--onfork", &pid], script);
    let ctx = || s.run.describe();
    assert_eq!(s.number("MARK1", 0), 0, "worker 0\n{}", ctx());
    assert_eq!(s.number("MARK1", 1), n, "its last report\n{}", ctx());
    assert_eq!(s.number("MARK1", 2), mark, "the mark it read\n{}", ctx());
    assert_eq!(
        s.number("MARK1", 3),
        n,
        "its progress in the shared area\n{}",
        ctx()
    );
    assert_eq!(
        s.number("MARK1", 4),
        mark,
        "the parent's mark in the shared area\n{}",
        ctx()
    );
}
