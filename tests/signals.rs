//! Signals: record programs that catch, block, wait for, read and die of
//! signals, replay them with `rewind replay -a`, and compare.
//!
//! Each program in tests/programs/sig_*.c prints what its handlers saw
//! (signal codes, addresses, the thread a handler ran on, values carried by
//! queued signals) alongside values that depend on when an asynchronous
//! signal landed (timer ticks, spin counts). For each program:
//!
//! - the recording exits with the program's own status and prints what a
//!   correct program prints: the recorder must deliver every signal as the
//!   kernel would have, with the same siginfo, to the same thread;
//! - `rewind replay -a` exits 0 having written exactly the recorded stdout:
//!   each signal came back at the recorded point, not merely at a valid one.
//!
//! None of the programs forks or execs (rewind refuses both for now).

mod common;

use common::*;

// ---------------------------------------------------------------------------
// Reading the recorded output
// ---------------------------------------------------------------------------

/// Panics unless the recording printed each of `lines` as one of its lines.
fn assert_lines(rec: &Output, lines: &[&str]) {
    let out = rec.stdout_str();
    for line in lines {
        assert!(
            out.lines().any(|l| l == *line),
            "the recording did not print the line {line:?}\n{}",
            rec.describe()
        );
    }
}

/// Panics if the recording printed a line containing `text`.
fn assert_not_printed(rec: &Output, text: &str) {
    assert!(
        !rec.stdout_str().contains(text),
        "the recording printed {text:?}\n{}",
        rec.describe()
    );
}

/// `text` split at the first `sep`; panics (naming `what`) if it has none.
fn split<'a>(rec: &Output, text: &'a str, sep: &str, what: &str) -> (&'a str, &'a str) {
    text.split_once(sep)
        .unwrap_or_else(|| panic!("{what}: expected {sep:?} in {text:?}\n{}", rec.describe()))
}

/// A decimal number; panics (naming `what`) if `text` is not one.
fn number(rec: &Output, text: &str, what: &str) -> u64 {
    text.trim().parse().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot read {text:?} as a number: {e}\n{}",
            rec.describe()
        )
    })
}

/// The number between `prefix` and `suffix` on the only line of the
/// recording that starts with `prefix` and ends with `suffix`.
fn number_on_line(rec: &Output, prefix: &str, suffix: &str) -> u64 {
    let hits: Vec<String> = lines_after(rec, prefix)
        .iter()
        .filter_map(|l| l.strip_suffix(suffix))
        .map(str::to_string)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one line \"{prefix}...{suffix}\", found {hits:?}\n{}",
        rec.describe()
    );
    number(rec, &hits[0], &format!("the line \"{prefix}...{suffix}\""))
}

// ---------------------------------------------------------------------------
// What each program prints when it ran correctly
// ---------------------------------------------------------------------------

/// `sig_async`: the computation's checksum is fixed; the ticks add up, and
/// some landed in the syscall-free phase (the recorder must not hold timer
/// signals back until the next syscall).
fn check_async(rec: &Output) {
    assert_lines(
        rec,
        &["checksum 0x310ef210598c7f3c", "getppid calls agreed: yes"],
    );
    let mut phase_ticks = Vec::new();
    for (phase, unit) in [("phase 1", "step"), ("phase 2", "call")] {
        let ticks = number_on_line(rec, &format!("{phase}: "), " ticks");
        let positions = lines_after(rec, &format!("{phase}: tick "));
        assert_eq!(
            positions.len() as u64,
            ticks.min(4),
            "{phase}: expected the positions of the first {} ticks\n{}",
            ticks.min(4),
            rec.describe()
        );
        for (i, p) in positions.iter().enumerate() {
            let what = format!("{phase} tick {i}");
            let (index, at) = split(rec, p, &format!(" at {unit} "), &what);
            assert_eq!(number(rec, index, &what), i as u64, "{}", rec.describe());
            number(rec, at, &what);
        }
        phase_ticks.push(ticks);
    }
    assert!(
        phase_ticks[0] > 0,
        "no timer tick landed during a quarter of a second of computing\n{}",
        rec.describe()
    );
    let total = number(rec, &line_after(rec, "total ticks "), "total ticks");
    assert_eq!(
        total,
        phase_ticks.iter().sum::<u64>(),
        "the ticks of the two phases must add up to the total\n{}",
        rec.describe()
    );
}

/// `sig_kill_threads`: every signal reached the thread it was sent to and
/// had the effect its flags call for.
fn check_kill_threads(rec: &Output) {
    assert_lines(
        rec,
        &[
            "(a) read returned -1 (EINTR: yes), SIGUSR1 handler ran on the target: yes",
            "(b) read returned 18 bytes: data after SIGUSR2, handler ran on the target: yes",
            "(d) kill(getpid(), SIGUSR1) handled by main: yes",
            "(d) target's last read returned 1",
            "target thread returned 42",
        ],
    );
    let spun = line_after(rec, "(c) spinner stopped by its handler after ");
    let (spins, rest) = split(rec, &spun, " spins", "(c)");
    number(rec, spins, "(c) spin count");
    assert_eq!(
        rest,
        ", handler ran on the target: yes",
        "(c): the SIGRTMIN handler must run on the spinning thread\n{}",
        rec.describe()
    );
}

// ---------------------------------------------------------------------------
// One recording and replay per program
// ---------------------------------------------------------------------------

/// Faults and traps raised by the program's own instructions (SIGSEGV,
/// SIGFPE, SIGILL, SIGTRAP) and abort(), each caught by an SA_SIGINFO handler
/// that jumps back: the handler sees the kernel's si_code and si_addr, in
/// the recording and in the replay.
#[test]
fn sig_sync_faults_caught_and_resumed() {
    let dir = TestDir::new("sig_sync");
    let rec = record_replay_program(&dir, "sig_sync", &["segv", "fpe", "ill", "trap", "abrt"], 0);
    assert_lines(
        &rec,
        &[
            "SIGSEGV caught: si_code 1, si_addr is 0: yes",
            "SIGFPE caught: si_code 1 (FPE_INTDIV: yes)",
            "SIGILL caught: si_code 2 (ILL_ILLOPN: yes)",
            "SIGTRAP caught: si_code 128 (SI_KERNEL: yes)",
            "SIGABRT caught: si_code -6 (SI_TKILL: yes), si_pid is ours: yes",
            "caught 5 of 5 signals",
        ],
    );
}

/// An interval timer firing every 2 ms while the program computes with no
/// syscall, then while it calls getppid() in a loop: the replay delivers
/// every tick at the recorded step of the computation.
#[test]
fn sig_async_timer_ticks() {
    let dir = TestDir::new("sig_async");
    let rec = record_replay_program(&dir, "sig_async", &[], 0);
    check_async(&rec);
}

/// pthread_kill interrupting a read() without SA_RESTART (EINTR), a read()
/// with SA_RESTART (which goes on and returns data), and a syscall-free
/// spin; then kill() of the whole process while the other thread blocks the
/// signal.
#[test]
fn sig_kill_threads_targeted_signals() {
    let dir = TestDir::new("sig_kill_threads");
    let rec = record_replay_program(&dir, "sig_kill_threads", &[], 0);
    check_kill_threads(&rec);
}

/// A blocked signal left pending and run on unblocking, sigsuspend woken by
/// another thread's kill(), sigwaitinfo taking queued real-time signals and
/// their values in order, and a handler on an alternate stack.
#[test]
fn sig_masks_pending_waiting_and_altstack() {
    let dir = TestDir::new("sig_masks");
    let rec = record_replay_program(&dir, "sig_masks", &[], 0);
    let mut lines = vec![
        "1. handler ran while blocked: no",
        "1. sigpending has SIGUSR1: yes",
        "1. handler ran after unblocking: 1 time(s)",
        "1. sigpending after: empty",
        "2. pause woken by a signal from another thread: yes, EINTR: yes, on main: yes",
    ];
    let waited: Vec<String> = (101..=103)
        .map(|v| {
            format!("3. sigwaitinfo: signal SIGRTMIN+1, value {v}, SI_QUEUE: yes, our pid: yes")
        })
        .collect();
    lines.extend(waited.iter().map(String::as_str));
    lines.extend([
        "3. sigtimedwait with nothing pending returned -1 (EAGAIN: yes)",
        "4. handler ran on the alternate stack: yes, SS_ONSTACK: yes",
        "4. after the handler, SS_ONSTACK: no",
        "done",
    ]);
    assert_lines(&rec, &lines);
    // The queued values must come out in the order they were sent.
    let values: Vec<String> = lines_after(&rec, "3. sigwaitinfo: signal SIGRTMIN+1, value ")
        .iter()
        .map(|l| split(&rec, l, ",", "sigwaitinfo").0.to_string())
        .collect();
    assert_eq!(values, ["101", "102", "103"], "{}", rec.describe());
}

/// Signals read from a signalfd (two raised, one queued with a value), and
/// SIGPIPE both ignored (EPIPE) and handled.
#[test]
fn sig_fd_signalfd_and_sigpipe() {
    let dir = TestDir::new("sig_fd");
    let rec = record_replay_program(&dir, "sig_fd", &[], 0);
    let expected = [
        "1. poll before: 0 ready",
        "1. poll after raise: 1 ready, POLLIN: yes",
        "1. read 2 record(s)",
        "1. record: signal 10 (SIGUSR1), SI_TKILL: yes, our pid: yes",
        "1. record: signal 12 (SIGUSR2), SI_TKILL: yes, our pid: yes",
        "1. queued: signal 10, SI_QUEUE: yes, value 4321",
        "1. read when empty returned -1 (EAGAIN: yes)",
        "1. still pending: none",
        "2. SIGPIPE ignored: write returned -1 (EPIPE: yes)",
        "2. SIGPIPE handled: handler ran 1 time(s), write returned -1 (EPIPE: yes)",
        "done",
    ];
    assert_eq!(
        rec.stdout_str().lines().collect::<Vec<_>>(),
        expected,
        "{}",
        rec.describe()
    );
}

/// A program that kills itself with an uncaught SIGTERM: the recording
/// exits with 128 + 15, and the replay reproduces the output, reaches the
/// same death and (being faithful) exits 0, saying how the program ended.
#[test]
fn sig_default_kill_by_sigterm() {
    let dir = TestDir::new("sig_default_kill");
    let (trace, rec) = record_program(&dir, "sig_default_kill", &[]);
    rec.assert_code(143);
    let pid = line_after(&rec, "about to be killed by SIGTERM, pid ");
    number(&rec, &pid, "the pid");
    assert_not_printed(&rec, "not reached");
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    assert_eq!(
        rep.stdout, rec.stdout,
        "the replay's stdout must be the recording's"
    );
    assert!(
        rep.stderr_str().contains("SIGTERM"),
        "replay -a should report that the program was killed by SIGTERM\n{}",
        rep.describe()
    );
}

// ---------------------------------------------------------------------------
// Many replays of one recording
// ---------------------------------------------------------------------------

/// One recording of the timer program replays faithfully 20 times in a row:
/// every tick lands at the same step each time.
#[test]
fn sig_async_replays_20_times() {
    replay_repeatedly("sig_async_replays_20_times", "sig_async", 20, check_async);
}

/// One recording of the pthread_kill program replays faithfully 20 times
/// in a row (each replay finds a signal sent into a syscall-free loop).
#[test]
fn sig_kill_threads_replays_20_times() {
    replay_repeatedly(
        "sig_kill_threads_replays_20_times",
        "sig_kill_threads",
        20,
        check_kill_threads,
    );
}

/// sigsuspend woken by a signal from another thread: the handler runs under
/// sigsuspend's temporary mask, and the old mask is back afterwards, in the
/// recording and in the replay.
#[test]
fn sig_suspend_temporary_mask() {
    let dir = TestDir::new("sig_suspend");
    let rec = record_replay_program(&dir, "sig_suspend", &[], 0);
    assert_lines(
        &rec,
        &["sigsuspend -1 EINTR 1 handler ran 1 SIGUSR2 blocked after 1"],
    );
}

/// `sig_pmask CALL`: CALL, waiting under a temporary mask that unblocks
/// SIGUSR1 and blocks SIGUSR2, is interrupted by SIGUSR1: left pending
/// (blocked) before it, sent by another thread while blocked, and sent by
/// another thread while not blocked. The handler runs under the temporary
/// mask, its frame restores the normal one, and the SIGUSR2 it raises waits
/// for the handler's return: in the recording and the replay.
fn pmask_temporary_mask(call: &str) {
    let dir = TestDir::new(&format!("sig_pmask_{call}"));
    let rec = record_replay_program(&dir, "sig_pmask", &[call], 0);
    let lines: Vec<String> = [("pending", "yes"), ("thread", "yes"), ("open", "no")]
        .iter()
        .map(|(way, blocked)| {
            format!(
                "{call} {way}: returned -1 EINTR yes, SIGUSR1 handler ran 1, SIGUSR2 blocked in \
                 it yes, frame restores SIGUSR1 blocked {blocked} SIGUSR2 blocked no, SIGUSR2 \
                 ran inside it no, SIGUSR2 ran 1, after: SIGUSR1 blocked {blocked} SIGUSR2 \
                 blocked no"
            )
        })
        .chain(["done".to_string()])
        .collect();
    assert_eq!(
        rec.stdout_str().lines().collect::<Vec<_>>(),
        lines,
        "{}",
        rec.describe()
    );
}

#[test]
fn sig_ppoll_temporary_mask() {
    pmask_temporary_mask("ppoll");
}

#[test]
fn sig_pselect6_temporary_mask() {
    pmask_temporary_mask("pselect6");
}

#[test]
fn sig_epoll_pwait_temporary_mask() {
    pmask_temporary_mask("epoll_pwait");
}

#[test]
fn sig_epoll_pwait2_temporary_mask() {
    pmask_temporary_mask("epoll_pwait2");
}

/// SIGCHLD caught with SA_SIGINFO while the parent is blocked: with
/// SA_RESTART a read() goes on through one child's end and returns what the
/// next child wrote; without it the read fails with EINTR; a nanosleep
/// interrupted by a killed child's SIGCHLD says how long was left. The
/// handler sees each child's pid, si_code and status.
#[test]
fn sig_chld_restart_eintr_and_siginfo() {
    let dir = TestDir::new("sig_chld");
    let rec = record_replay_program(&dir, "sig_chld", &[], 0);
    assert_lines(
        &rec,
        &[
            "restarted read: 21 \"second child speaking\" (errno none)",
            "child 0: exited status 3",
            "child 1: exited status 4",
            "interrupted read: -1 (Interrupted system call)",
            "nanosleep interrupted: -1 (Interrupted system call), left within the 2s asked: yes",
            "child 0: exited status 5",
            "child 1: killed status 9",
            "reaped: exit 5",
            "reaped: signal 9",
            "sigchld done",
        ],
    );
}

/// Signals the program inherits ignored (as under `nohup`, or after a
/// shell's `trap '' PIPE HUP`): at record the kernel still reports them to
/// rewind and they are recorded; the replay starts its program with the
/// same ones ignored, so an EPIPE write and a SIGHUP replay as recorded
/// instead of killing it. The replay runs from a shell with none ignored.
#[test]
fn inherited_ignored_signals_stay_ignored_at_replay() {
    let dir = TestDir::new("sig_inherited");
    let trace = dir.join("trace");
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("trap '' PIPE HUP; exec \"$0\" record -o \"$1\" \"$2\"")
        .arg(REWIND)
        .arg(&trace)
        .arg(c_program("sig_inherited"))
        .env("REWIND_TRACE_DIR", dir.join("traces"));
    let rec = run(cmd, None);
    rec.assert_code(0);
    assert_lines(
        &rec,
        &[
            "SIGPIPE ignored, SIGHUP ignored",
            "write to a pipe with no reader: -1 (Broken pipe)",
            "alive after SIGHUP",
        ],
    );
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("trap - PIPE HUP; exec \"$0\" replay -a \"$1\"")
        .arg(REWIND)
        .arg(&trace);
    let rep = run(cmd, None);
    assert_replay_faithful(&rec, &rep);
}
