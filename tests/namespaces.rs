//! Namespaces: record programs that make new user, pid, mount, UTS, IPC
//! and network namespaces (`unshare`, `clone` with CLONE_NEW* flags,
//! `setns`, `pivot_root` and `mount` in a new mount namespace followed by
//! `execve`), replay them with `rewind replay -a`, and compare.
//!
//! The recording makes the namespaces for real; events name each task by
//! rewind's id for it (its id in rewind's pid namespace) while the program
//! sees its own (pid 1 in a new pid namespace). The replay makes no
//! namespace: what the program saw comes from the trace. `rewind ps`
//! shows both ids.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// One row of `rewind ps`: PID, PPID, EXIT, NSPID, CMD.
#[derive(Debug)]
struct PsRow {
    pid: i32,
    exit: String,
    ns_pid: i32,
    cmd: String,
}

/// The rows of `rewind ps TRACE`.
fn ps_rows(dir: &TestDir, trace: &Path) -> (Vec<PsRow>, Output) {
    let mut cmd = dir.rewind();
    cmd.arg("ps").arg(trace);
    let ps = run(cmd, None);
    ps.assert_no_panic();
    ps.assert_code(0);
    let text = ps.stdout_str();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("PID\tPPID\tEXIT\tNSPID\tCMD"),
        "{}",
        ps.describe()
    );
    let rows = lines
        .map(|l| {
            let f: Vec<&str> = l.splitn(5, '\t').collect();
            assert_eq!(
                f.len(),
                5,
                "a row of five columns: {l:?}\n{}",
                ps.describe()
            );
            let num = |s: &str| {
                s.parse::<i32>()
                    .unwrap_or_else(|_| panic!("not a pid: {s:?} in {l:?}\n{}", ps.describe()))
            };
            PsRow {
                pid: num(f[0]),
                exit: f[2].to_string(),
                ns_pid: num(f[3]),
                cmd: f[4].to_string(),
            }
        })
        .collect();
    (rows, ps)
}

/// Runs `argv` natively; None (the test is skipped, a failure in CI) when
/// the program is missing or this machine does not let it make its
/// namespaces.
fn native(test: &str, argv: &[&str]) -> Option<Output> {
    if real_binary(argv[0]).is_none() && !Path::new(argv[0]).exists() {
        skip(test, &format!("{} is not installed", argv[0]));
        return None;
    }
    let mut cmd = Command::new(argv[0]);
    cmd.args(&argv[1..]);
    let out = run(cmd, None);
    if out.code() != Some(0) {
        skip(
            test,
            &format!(
                "{argv:?} fails here without rewind (namespaces not allowed?)\n{}",
                out.describe()
            ),
        );
        return None;
    }
    Some(out)
}

/// Records `argv` in `dir`, checks that it exits 0 and prints what the
/// native run printed, replays it and checks the replay is faithful.
/// Returns the trace and the recording.
fn record_and_replay(
    dir: &TestDir,
    argv: &[&str],
    natively: &Output,
) -> (std::path::PathBuf, Output) {
    let trace = dir.join("trace");
    let rec = record(dir, &trace, argv[0], &argv[1..]);
    rec.assert_code(0);
    assert_eq!(
        rec.stdout_str(),
        natively.stdout_str(),
        "the recorded program printed what it prints without rewind\n{}",
        rec.describe()
    );
    let rep = replay(dir, &trace);
    assert_replay_faithful(&rec, &rep);
    (trace, rec)
}

#[test]
fn unshare_user_pid_and_mount_with_proc_runs_ps_as_pid_1() {
    let test = "ns_unshare_ps";
    let argv = [
        "unshare",
        "--user",
        "--map-root-user",
        "--pid",
        "--fork",
        "--mount-proc",
        "ps",
        "-o",
        "pid,comm",
    ];
    let Some(natively) = native(test, &argv) else {
        return;
    };
    let dir = TestDir::new(test);
    let (trace, rec) = record_and_replay(&dir, &argv, &natively);
    let lines: Vec<Vec<String>> = rec
        .stdout_str()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    assert_eq!(
        lines,
        [["PID", "COMMAND"], ["1", "ps"]],
        "ps sees itself alone, as pid 1\n{}",
        rec.describe()
    );
    let (rows, ps) = ps_rows(&dir, &trace);
    let ps_row = rows
        .iter()
        .find(|r| r.cmd.starts_with("ps "))
        .unwrap_or_else(|| panic!("rewind ps lists ps\n{}", ps.describe()));
    assert_eq!(ps_row.ns_pid, 1, "{}", ps.describe());
    assert_ne!(
        ps_row.pid,
        1,
        "the stable id is rewind's\n{}",
        ps.describe()
    );
    assert_eq!(ps_row.exit, "0", "{}", ps.describe());
}

#[test]
fn unshare_user_namespace_runs_a_shell_pipeline_as_root() {
    let test = "ns_unshare_pipeline";
    let argv = ["unshare", "-Ur", "sh", "-c", "id -u; echo a b | tr a-z A-Z"];
    let Some(natively) = native(test, &argv) else {
        return;
    };
    let dir = TestDir::new(test);
    let (_, rec) = record_and_replay(&dir, &argv, &natively);
    assert_eq!(rec.stdout_str(), "0\nA B\n", "{}", rec.describe());
}

/// `ns_clone` with `args`: its lines, replayed, and its processes in
/// `rewind ps`.
fn clone_in_new_namespaces(test: &str, args: &[&str]) {
    let prog = c_program("ns_clone");
    let prog_s = prog.to_string_lossy().into_owned();
    let argv: Vec<&str> = std::iter::once(prog_s.as_str())
        .chain(args.iter().copied())
        .collect();
    let Some(natively) = native(test, &argv) else {
        return;
    };
    let dir = TestDir::new(test);
    let (trace, rec) = record_and_replay(&dir, &argv, &natively);
    for line in [
        "child: getpid 1, getppid 0",
        "child: hostname rewind-ns-child",
        "child: read back: written in the tmpfs",
        "grandchild: getpid 2, getppid 1",
        "child: fork gave 2, waitpid gave 2, status 5",
        "parent: after setns, hostname rewind-ns-child",
        "joined: getpid 3, getppid 0",
        "parent: fork into the namespace gave the same id to waitpid: yes, status 6",
        "child: echo run from the tmpfs",
        "parent: child exited with 0",
    ] {
        assert!(
            rec.stdout_str().lines().any(|l| l == line),
            "the recording printed {line:?}\n{}",
            rec.describe()
        );
    }
    let (rows, ps) = ps_rows(&dir, &trace);
    // The parent, the child (which ran echo), the grandchild, and the
    // task forked into the child's pid namespace.
    assert_eq!(rows.len(), 4, "{}", ps.describe());
    let ns: Vec<(i32, &str)> = rows.iter().map(|r| (r.ns_pid, r.exit.as_str())).collect();
    assert_eq!(
        ns[1..],
        [(1, "0"), (2, "5"), (3, "6")],
        "the in-namespace pids and exits\n{}",
        ps.describe()
    );
    assert_eq!(rows[0].ns_pid, rows[0].pid, "{}", ps.describe());
    assert!(
        rows[1]
            .cmd
            .starts_with("echo child: echo run from the tmpfs"),
        "the child ran the tmpfs's echo\n{}",
        ps.describe()
    );
    for r in &rows[1..] {
        assert_ne!(
            r.pid,
            r.ns_pid,
            "stable ids are rewind's\n{}",
            ps.describe()
        );
    }
}

#[test]
fn clone_into_new_pid_uts_and_mount_namespaces_then_exec_from_a_tmpfs() {
    clone_in_new_namespaces("ns_clone", &[]);
}

#[test]
fn pivot_root_into_a_tmpfs_then_exec_a_program_only_it_holds() {
    clone_in_new_namespaces("ns_clone_pivot", &["pivot"]);
}

#[test]
fn bwrap_with_every_namespace_lists_proc_self() {
    let test = "ns_bwrap";
    let argv = [
        "bwrap",
        "--ro-bind",
        "/",
        "/",
        "--unshare-all",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "ls",
        "/proc/self",
    ];
    let Some(natively) = native(test, &argv) else {
        return;
    };
    let dir = TestDir::new(test);
    let (trace, rec) = record_and_replay(&dir, &argv, &natively);
    assert!(
        rec.stdout_str().lines().any(|l| l == "status"),
        "ls listed /proc/self\n{}",
        rec.describe()
    );
    let (rows, ps) = ps_rows(&dir, &trace);
    // bwrap, its child (pid 1 in the new pid namespace) and ls (pid 2).
    let ns: Vec<i32> = rows.iter().skip(1).map(|r| r.ns_pid).collect();
    assert_eq!(ns, [1, 2], "{}", ps.describe());
    assert!(
        rows.iter().any(|r| r.cmd == "ls /proc/self"),
        "{}",
        ps.describe()
    );
}
