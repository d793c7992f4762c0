//! Memory the kernel writes for the program beyond a syscall's plain
//! buffers: through pointers in clone's arguments (a pidfd, thread ids in
//! the parent and in the child), the siginfo of waitid, the message
//! headers, lengths and control data of recvmsg and recvmmsg. Each program
//! prints what the kernel wrote; the replay (`rewind replay -a`) must print
//! the same bytes and exit 0.
//!
//! And the policy for syscalls rewind does not know: the recording stops
//! there, naming it, unless `--unknown-syscalls=enosys` makes the call fail
//! in the program; io_uring_setup fails with ENOSYS, said only with `-v`.

mod common;

use common::*;

/// Panics unless the recording printed exactly `line` as one of its lines.
fn assert_line(rec: &Output, line: &str) {
    assert!(
        rec.stdout_str().lines().any(|l| l == line),
        "the recording did not print the line {line:?}\n{}",
        rec.describe()
    );
}

/// Panics unless the recording printed a line starting with `start` and
/// ending with `end`.
fn assert_line_parts(rec: &Output, start: &str, end: &str) {
    assert!(
        rec.stdout_str()
            .lines()
            .any(|l| l.starts_with(start) && l.ends_with(end)),
        "the recording did not print a line {start:?}...{end:?}\n{}",
        rec.describe()
    );
}

/// The number printed after `key=` in the only line starting with
/// `prefix`.
fn field(rec: &Output, prefix: &str, key: &str) -> i64 {
    let line = line_after(rec, prefix);
    let at = line
        .find(&format!("{key}="))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"));
    let rest = &line[at + key.len() + 1..];
    let end = rest
        .find(|c: char| c != '-' && !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end]
        .parse()
        .unwrap_or_else(|e| panic!("{key} in {line:?}: {e}"))
}

#[test]
fn clone_pidfd_and_thread_ids_replay_identically() {
    let dir = TestDir::new("kw_clone_pidfd");
    let (trace, rec) = record_program(&dir, "kw_clone_pidfd", &[]);
    rec.assert_code(0);
    // The pidfd is not the lowest free descriptor of a process with only
    // stdio (the replay opens no file): it must come from the trace.
    let pidfd = field(&rec, "clone CLONE_PIDFD: ", "pidfd");
    assert!(pidfd > 3, "pidfd {pidfd}\n{}", rec.describe());
    assert_line(&rec, "child 1 runs");
    assert_line(&rec, "child 1: poll=1 revents=0x1");
    assert_line_parts(
        &rec,
        "child 1: waitid=0 signo=17 code=1 status=7 pid_is_child=1 ",
        "",
    );
    // CLONE_PARENT_SETTID in the parent, CLONE_CHILD_SETTID in the child.
    assert_line_parts(&rec, "child 2: ctid=", " ctid_is_me=1 ptid_untouched=1");
    assert_line_parts(
        &rec,
        "clone SETTID: ptid=",
        " ptid_is_child=1 ctid_untouched=1 status=8",
    );
    // A vfork-style clone with a pidfd (Go's os/exec): the parent keeps
    // the pidfd the kernel wrote, the child saw it in their shared memory.
    let vfork_pidfd = field(&rec, "vfork clone: ", "pidfd");
    assert!(vfork_pidfd > 3, "{}", rec.describe());
    assert_eq!(
        field(&rec, "vfork clone: ", "child_saw"),
        vfork_pidfd + 1000,
        "{}",
        rec.describe()
    );
    assert_line(&rec, "child 3: poll=1 revents=0x1");
    assert_line_parts(
        &rec,
        "child 3: waitid=0 signo=17 code=1 status=3 pid_is_child=1 ",
        "",
    );
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
}

#[test]
fn thread_clone_pidfd_and_thread_ids_replay_identically() {
    let dir = TestDir::new("kw_clone_thread");
    let (trace, rec) = record_program(&dir, "kw_clone_thread", &[]);
    rec.assert_code(0);
    let pidfd_line = line_after(&rec, "thread with CLONE_PIDFD: ");
    if pidfd_line.starts_with("pidfd=") {
        let pidfd = field(&rec, "thread with CLONE_PIDFD: ", "pidfd");
        assert!(pidfd > 3, "{}", rec.describe());
        assert!(
            pidfd_line.ends_with(" poll=1 revents=0x11 ran=1"),
            "{}",
            rec.describe()
        );
    } else {
        // Kernels before 6.9 refuse CLONE_PIDFD for threads.
        notice(&format!(
            "thread_clone_pidfd: this kernel refused a thread's pidfd: {pidfd_line}"
        ));
    }
    assert_line_parts(
        &rec,
        "thread with SETTID: ptid_is_tid=1 seen_ctid_is_tid=1 cleared=1 tid=",
        "",
    );
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
}

#[test]
fn waitid_siginfo_and_rusage_replay_identically() {
    let dir = TestDir::new("kw_waitid");
    let (trace, rec) = record_program(&dir, "kw_waitid", &[]);
    rec.assert_code(0);
    assert_line_parts(
        &rec,
        "exited: r=0 signo=17 code=1 status=5 errno=0 pid_is_child=1 ",
        "",
    );
    assert_line_parts(
        &rec,
        "killed, not reaped: r=0 signo=17 code=2 status=9 errno=0 pid_is_child=1 ",
        "",
    );
    assert_line_parts(
        &rec,
        "killed, reaped: r=0 signo=17 code=2 status=9 errno=0 pid_is_child=1 ",
        "",
    );
    assert_line(&rec, "no children: r=-1");
    assert_line(&rec, "WNOHANG: r=0 si_pid=0");
    assert_line_parts(
        &rec,
        "slow child: r=0 signo=17 code=1 status=9 errno=0 pid_is_child=1 ",
        "",
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn recvmsg_and_recvmmsg_with_control_data_replay_identically() {
    let dir = TestDir::new("kw_recvmmsg");
    let (trace, rec) = record_program(&dir, "kw_recvmmsg", &[]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert_line_parts(&rec, "recvmsg: len=6 data=\"single\" ", "");
    assert_line(&rec, "recvmmsg returned 3");
    assert_line_parts(&rec, "message 0: len=5 data=\"first\" ", "");
    assert_line_parts(
        &rec,
        "message 1: len=25 data=\"second, with a descriptor\" ",
        "",
    );
    assert_line_parts(&rec, "message 2: len=5 data=\"third\" ", "");
    // Descriptors passed with SCM_RIGHTS, read through the received
    // numbers; credentials with SO_PASSCRED, on every message.
    assert_line_parts(&rec, "  SCM_RIGHTS fd=", " read 14: through pipe 0");
    assert_line_parts(&rec, "  SCM_RIGHTS fd=", " read 14: through pipe 1");
    assert_eq!(
        out.matches("  SCM_CREDENTIALS pid_is_me=1 ").count(),
        4,
        "{}",
        rec.describe()
    );
    // The slot no message filled is untouched.
    assert_line(&rec, "unfilled slot: msg_len=0xeeeeeeee");
    assert_line_parts(
        &rec,
        "timed recvmmsg returned 1: \"timed\", timeout left ",
        "",
    );
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
}

/// The recording of `kw_unknown` with `extra` options.
fn record_unknown(dir: &TestDir, extra: &[&str]) -> (std::path::PathBuf, Output) {
    let trace = dir.join("trace");
    let rec = record_with(dir, &trace, extra, c_program("kw_unknown"), &[], None);
    (trace, rec)
}

const IO_URING_ENOSYS: &str = "io_uring_setup: -1 (Function not implemented)";

#[test]
fn an_unknown_syscall_stops_the_recording_and_names_itself() {
    let dir = TestDir::new("kw_unknown_stop");
    let (trace, rec) = record_unknown(&dir, &[]);
    // The recording stops at syscall 1000, with what to do.
    rec.assert_code(1);
    let err = rec.stderr_str();
    assert!(
        err.contains("syscall 1000")
            && err.contains("does not know")
            && err.contains("--unknown-syscalls=enosys"),
        "the message names the syscall and the option\n{}",
        rec.describe()
    );
    assert!(
        !err.contains("Please report this"),
        "an unknown syscall is not rewind's error\n{}",
        rec.describe()
    );
    // io_uring_setup failed with ENOSYS before, quietly (no -v).
    assert_line(&rec, IO_URING_ENOSYS);
    assert!(!err.contains("io_uring"), "{}", rec.describe());
    let out = rec.stdout_str();
    assert!(
        !out.contains("syscall 1000:") && !out.contains("done"),
        "the program did not go past the unknown syscall\n{}",
        rec.describe()
    );
    // The trace up to the stop is readable and replays: exit status 4
    // (cut short), with the same output.
    let rep = replay(&dir, &trace);
    rep.assert_no_panic();
    assert_eq!(rep.code(), Some(4), "{}", rep.describe());
    assert_eq!(rep.stdout_str(), out, "{}", rep.describe());
    assert!(
        rep.stderr_str().contains("syscall 1000"),
        "the replay says why the trace ends\n{}",
        rep.describe()
    );
}

#[test]
fn unknown_syscalls_enosys_fails_the_call_with_one_warning() {
    let dir = TestDir::new("kw_unknown_enosys");
    let (trace, rec) = record_unknown(&dir, &["--unknown-syscalls=enosys"]);
    rec.assert_code(0);
    assert_line(&rec, IO_URING_ENOSYS);
    assert_line(&rec, "syscall 1000: -1 (Function not implemented)");
    assert_line(&rec, "done");
    let err = rec.stderr_str();
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{}", rec.describe());
    assert!(
        warnings[0].contains("syscall 1000") && warnings[0].contains("ENOSYS"),
        "{}",
        rec.describe()
    );
    // io_uring_setup's refusal is routine: not a warning.
    assert!(!err.contains("io_uring"), "{}", rec.describe());
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn io_uring_setup_refusal_is_a_verbose_note() {
    let dir = TestDir::new("kw_unknown_verbose");
    let (trace, rec) = record_unknown(&dir, &["-v", "--unknown-syscalls", "enosys"]);
    rec.assert_code(0);
    assert_line(&rec, IO_URING_ENOSYS);
    let err = rec.stderr_str();
    assert!(
        err.lines().any(|l| l.contains("note:")
            && l.contains("io_uring_setup")
            && l.contains("ENOSYS")
            && l.contains("fall back")),
        "-v says that io_uring_setup fails with ENOSYS\n{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn a_bad_unknown_syscalls_policy_is_refused_clearly() {
    let dir = TestDir::new("kw_unknown_bad");
    let (_, rec) = record_unknown(&dir, &["--unknown-syscalls=ignore"]);
    assert_eq!(rec.code(), Some(2), "{}", rec.describe());
    let err = rec.stderr_str();
    assert!(
        err.contains("ignore") && err.contains("stop") && err.contains("enosys"),
        "the error names the bad value and the good ones\n{}",
        rec.describe()
    );
}
