//! ptrace inside the recording: a recorded program that traces its own
//! children (`tests/programs/ptrace_emu.c`, one mode per test) gets its
//! ptrace requests carried out by rewind, which is the real tracer of
//! every recorded thread. Each test records the program, checks that it
//! saw what the kernel would have shown it (stops, signals, registers,
//! memory, exit statuses), and replays it with `rewind replay -a`, which
//! must print exactly the same.

mod common;

use common::*;

/// Record `ptrace_emu MODE`, check it ran to its end, replay it and check
/// that the replay printed the same; returns the recording.
fn record_and_replay(mode: &str) -> Output {
    let dir = TestDir::new(&format!("ptrace-{mode}"));
    let (trace, rec) = record_program(&dir, "ptrace_emu", &[mode]);
    rec.assert_code(0);
    assert_line(&rec, "parent: done");
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    rec
}

fn assert_line(rec: &Output, line: &str) {
    assert!(
        rec.stdout_str().lines().any(|l| l == line),
        "the recording did not print the line {line:?}\n{}",
        rec.describe()
    );
}

/// PTRACE_TRACEME, a stop at raise(SIGSTOP) seen by waitpid, GETREGS,
/// GETREGSET(NT_PRSTATUS), PEEKUSER, GETFPREGS, GETSIGINFO, 300 single
/// steps (the first ones over the syscalls that end raise), PEEKDATA,
/// POKEDATA, SETREGS, PTRACE_CONT to the child's exit.
#[test]
fn a_parent_single_steps_pokes_and_continues_its_traced_child() {
    let rec = record_and_replay("step");
    for line in [
        "parent: child stopped with signal 19",
        "parent: GETREGSET gave 216 bytes, same rip 1, same rsp 1",
        "parent: PEEKUSER rip same 1 (errno 0)",
        "parent: mxcsr 0x1f80",
        "parent: siginfo signo 19 code -6 from the child 1",
        "parent: PEEKDATA secret = 42 (errno 0)",
        "parent: after POKEDATA secret = 4242",
        "parent: child exited with 7",
    ] {
        assert_line(&rec, line);
    }
    assert!(
        rec.stdout_str().contains("child: secret is 4242,"),
        "the child did not see the value its parent poked\n{}",
        rec.describe()
    );
    let steps = line_after(&rec, "parent: 300 steps, ");
    assert!(
        steps.starts_with("300 traps, checksum "),
        "every single step should end in a SIGTRAP stop: {steps:?}\n{}",
        rec.describe()
    );
    assert!(
        !rec.stderr_str().contains("warning"),
        "nothing here should be refused\n{}",
        rec.describe()
    );
}

/// A fault (ud2) in the tracee is a stop with SIGILL, not delivered; the
/// parent moves the instruction pointer past it with SETREGS and the child
/// goes on.
#[test]
fn a_fault_in_the_tracee_is_a_stop_and_setregs_moves_it_on() {
    let rec = record_and_replay("fault");
    assert_line(&rec, "parent: child stopped with signal 4");
    assert_line(&rec, "parent: fault at the instruction pointer 1, code 2");
    assert_line(&rec, "child: survived ud2");
    assert_line(&rec, "parent: child exited with 5");
}

/// PTRACE_KILL of a stopped tracee: its parent sees it killed by SIGKILL.
#[test]
fn ptrace_kill_ends_the_tracee() {
    let rec = record_and_replay("kill");
    assert_line(&rec, "parent: child killed by signal 9");
}

/// PTRACE_DETACH with a signal: the child runs on untraced and gets it.
#[test]
fn ptrace_detach_lets_the_tracee_go_with_a_signal() {
    let rec = record_and_replay("detach");
    assert!(
        rec.stdout_str().contains("child: secret is 42, ") && rec.stdout_str().contains(", usr1 1"),
        "the detached child should have run on and handled SIGUSR1\n{}",
        rec.describe()
    );
    assert_line(&rec, "parent: child exited with 8");
}

/// A signal sent to a running tracee stops it for its tracer; passed on
/// with PTRACE_CONT, the child's handler runs.
#[test]
fn a_signal_to_the_tracee_is_reported_and_passed_on() {
    let rec = record_and_replay("signal");
    assert_line(&rec, "parent: child stopped with signal 10");
    assert!(
        rec.stdout_str().contains("child: secret is 4242, ")
            && rec.stdout_str().contains(", usr1 1"),
        "the child should have handled the SIGUSR1 its tracer passed on\n{}",
        rec.describe()
    );
    assert_line(&rec, "parent: child exited with 7");
}

/// Requests rewind does not emulate fail with the kernel's errno and one
/// warning each; a request for a process that is not a tracee is ESRCH.
#[test]
fn requests_not_emulated_fail_with_a_warning() {
    let rec = record_and_replay("refused");
    assert_line(&rec, "parent: PTRACE_INTERRUPT = -1 (Input/output error)");
    assert_line(&rec, "parent: PTRACE_ATTACH = -1 (Operation not permitted)");
    assert_line(
        &rec,
        "parent: PTRACE_CONT of no such process = -1 (No such process)",
    );
    assert_line(&rec, "parent: child exited with 7");
    let err = rec.stderr_str();
    for req in ["PTRACE_INTERRUPT", "PTRACE_ATTACH"] {
        let warnings = err
            .lines()
            .filter(|l| l.starts_with("rewind: warning:") && l.contains(req))
            .count();
        assert_eq!(
            warnings,
            1,
            "expected one warning naming {req}\n{}",
            rec.describe()
        );
    }
}

/// PTRACE_O_TRACEEXEC and PTRACE_SYSCALL: the tracee runs /bin/true; its
/// tracer sees the exec event (GETEVENTMSG) and every syscall entry and
/// exit, as many as when the program runs without rewind.
#[test]
fn syscall_stops_and_the_exec_event_are_reported_as_by_the_kernel() {
    let rec = record_and_replay("syscalls");
    assert_line(&rec, "parent: exec event, former id is the child 1");
    assert_line(&rec, "parent: child exited with 0");
    let native = std::process::Command::new(c_program("ptrace_emu"))
        .arg("syscalls")
        .output()
        .expect("run ptrace_emu natively");
    let native = String::from_utf8_lossy(&native.stdout).into_owned();
    for prefix in ["parent: first syscalls ", "parent: exec event"] {
        let want = native
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("the native run printed no {prefix:?} line:\n{native}"));
        assert_line(&rec, want);
    }
    let stops = lines_after(&rec, "parent: ")
        .into_iter()
        .find(|l| l.contains(" entries, "))
        .unwrap_or_else(|| panic!("no count of syscall stops\n{}", rec.describe()));
    let n: Vec<u64> = stops
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        n.len() == 4 && n[0] > 10 && n[0] == n[1] + 1 && n[2] == 1 && n[3] == 0,
        "every syscall but the last exit_group has an entry and an exit stop, \
         and there is one exec event: {stops:?}\n{}",
        rec.describe()
    );
}

/// `name` as a real ELF binary, or the test is skipped (a failure in CI).
fn binary(test: &str, name: &str) -> Option<std::path::PathBuf> {
    let b = real_binary(name);
    if b.is_none() {
        skip(test, &format!("{name} is not installed"));
    }
    b
}

/// strace run inside a recording traces /bin/true with -f into a file:
/// the file holds the trace of /bin/true's syscalls, and the replay, which
/// checks every write's bytes against the recorded ones (length and
/// checksum), reaches the end: strace wrote the same file contents.
#[test]
fn strace_into_a_file_is_recorded_and_replayed() {
    let Some(strace) = binary("strace_into_a_file", "strace") else {
        return;
    };
    let dir = TestDir::new("ptrace-strace-file");
    let trace = dir.join("trace");
    let out = dir.join("strace.out");
    let out_s = out.to_string_lossy().into_owned();
    let rec = record(&dir, &trace, &strace, &["-f", "-o", &out_s, "/bin/true"]);
    rec.assert_code(0);
    let text = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("strace wrote no {out_s}: {e}\n{}", rec.describe()));
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("execve(\"/bin/true\"")),
        "strace's first line should be the execve of /bin/true:\n{text}"
    );
    assert!(
        text.contains("exit_group(0)                     = ?")
            && text.trim_end().ends_with("+++ exited with 0 +++"),
        "strace should have seen /bin/true exit (its exit event):\n{text}"
    );
    // The same syscalls, in the same order, as strace sees without rewind.
    let native_out = dir.join("native.out");
    let native = std::process::Command::new(&strace)
        .args(["-f", "-o"])
        .arg(&native_out)
        .arg("/bin/true")
        .output()
        .expect("run strace natively");
    assert!(native.status.success(), "strace without rewind failed");
    let names = |t: &str| -> Vec<String> {
        t.lines()
            .filter_map(|l| l.split_once(' ').map(|(_, rest)| rest))
            .filter_map(|rest| rest.split_once('(').map(|(n, _)| n.to_string()))
            .collect()
    };
    let native_text = std::fs::read_to_string(&native_out).expect("read native strace output");
    assert_eq!(
        names(&text),
        names(&native_text),
        "strace inside the recording saw other syscalls than without rewind:\n{text}\n--- native ---\n{native_text}"
    );
    let recorded = std::fs::read(&out).expect("read strace output");
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    assert_eq!(
        std::fs::read(&out).expect("read strace output again"),
        recorded,
        "the replay must not touch the file strace wrote"
    );
}

/// strace writing its trace to stdout: the replay prints it byte for byte
/// (the traced program's own output where it came, between strace's
/// partial lines).
#[test]
fn strace_output_is_replayed_byte_for_byte() {
    let Some(strace) = binary("strace_output", "strace") else {
        return;
    };
    let dir = TestDir::new("ptrace-strace-stdout");
    let trace = dir.join("trace");
    let rec = record(
        &dir,
        &trace,
        &strace,
        &["-f", "-o", "/dev/stdout", "/bin/echo", "traced"],
    );
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.contains("write(1, \"traced\\n\", 7") && out.contains("+++ exited with 0 +++"),
        "strace's trace of echo should be on stdout\n{}",
        rec.describe()
    );
    assert_replay_faithful(&rec, &replay(&dir, &trace));
}

/// gdb run inside a recording debugs a program that crashes: it runs it,
/// stops at the SIGSEGV and prints the backtrace; the replay prints the
/// same. (gdb's worker threads are turned off: their busy loops make
/// preemption anchors that are slow to find at replay.)
#[test]
fn gdb_debugging_a_crash_is_recorded_and_replayed() {
    let Some(gdb) = binary("gdb_debugging_a_crash", "gdb") else {
        return;
    };
    let dir = TestDir::new("ptrace-gdb");
    let trace = dir.join("trace");
    let prog = c_program("ptrace_crash");
    let prog_s = prog.to_string_lossy().into_owned();
    let rec = record(
        &dir,
        &trace,
        &gdb,
        &[
            "-nx",
            "-batch",
            "-ex",
            "maint set worker-threads 0",
            "-ex",
            "run",
            "-ex",
            "bt",
            &prog_s,
        ],
    );
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.contains("Program received signal SIGSEGV, Segmentation fault."),
        "gdb should have stopped the program at its crash\n{}",
        rec.describe()
    );
    for frame in ["#0  ", "#3  ", "#4  "] {
        assert!(
            out.lines().any(|l| l.starts_with(frame)),
            "the backtrace lacks frame {frame:?}\n{}",
            rec.describe()
        );
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("#4  ") && l.contains("in main () at ")),
        "the backtrace should end in main\n{}",
        rec.describe()
    );
    assert!(out.contains("about to crash"), "{}", rec.describe());
    assert_replay_faithful(&rec, &replay(&dir, &trace));
}
