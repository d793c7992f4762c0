//! Child processes: record programs that fork, replay them with
//! `rewind replay -a`, and compare; `rewind ps` lists every process.
//!
//! A forked process runs one at a time with every other task, its syscalls
//! and signals are recorded like any thread's, and its end is an event of
//! the trace. The replay creates each process for real, so the output of
//! parent and children comes back byte for byte, in the recorded order.

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

#[test]
fn forked_children_waited_piped_killed_and_orphaned_replay_identically() {
    let dir = TestDir::new("fork_basic");
    let (trace, rec) = record_program(&dir, "fork_basic", &[]);
    // The recording's status is the first process's, though an orphan
    // outlived it.
    rec.assert_code(3);
    for i in 0..3 {
        assert_line(
            &rec,
            &format!("waited child {i}: same pid 1, exit {}", 10 + i),
        );
    }
    assert_line(&rec, "parent read 90 bytes:");
    assert_line(&rec, "line 4 from child");
    assert_line(&rec, "vfork child exit 42");
    assert_line(&rec, "killed child: signaled 1 by 15");
    assert_line(&rec, "crashed child: signaled 1 by 11");
    assert!(
        rec.stdout_str().contains("orphan still here"),
        "the orphan's output is part of the recording\n{}",
        rec.describe()
    );
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
        assert!(
            rep.stderr_str().contains("exited with status 3"),
            "the replay's end names the first process's status\n{}",
            rep.describe()
        );
    }
}

#[test]
fn ps_lists_every_process_with_its_parent_and_status() {
    let dir = TestDir::new("fork_ps");
    let (trace, rec) = record_program(&dir, "fork_basic", &[]);
    rec.assert_code(3);
    let mut cmd = dir.rewind();
    cmd.arg("ps").arg(&trace);
    let ps = run(cmd, None);
    ps.assert_code(0);
    let rows: Vec<Vec<String>> = ps
        .stdout_str()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    // The parent, three workers, the pipe writer, the vfork child, the
    // killed one, the crashed one and the orphan.
    assert_eq!(rows.len(), 9, "{}", ps.describe());
    let root = &rows[0];
    assert_eq!(root[1], "--", "{}", ps.describe());
    assert_eq!(root[2], "3", "{}", ps.describe());
    let statuses: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        statuses,
        ["10", "11", "12", "0", "42", "143", "139", "0"],
        "{}",
        ps.describe()
    );
    for r in &rows[1..] {
        assert_eq!(
            r[1],
            root[0],
            "every child's parent is the first process\n{}",
            ps.describe()
        );
    }
}

#[test]
fn processes_with_threads_and_grandchildren_replay_identically() {
    let dir = TestDir::new("fork_threads");
    let (trace, rec) = record_program(&dir, "fork_threads", &[]);
    rec.assert_code(0);
    assert_line(&rec, "parent thread 0: child exit 5");
    assert!(
        rec.stdout_str().contains("grandchild exit 7"),
        "{}",
        rec.describe()
    );
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
    let mut cmd = dir.rewind();
    cmd.arg("ps").arg(&trace);
    let ps = run(cmd, None);
    let rows: Vec<&str> = ps.stdout_str().lines().skip(1).map(|_| "").collect();
    assert_eq!(
        rows.len(),
        3,
        "parent, child, grandchild\n{}",
        ps.describe()
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

#[test]
fn a_shell_pipeline_runs_other_programs_and_replays_identically() {
    let Some(sh) = binary("shell_pipeline", "sh") else {
        return;
    };
    let dir = TestDir::new("shell_pipeline");
    let trace = dir.join("trace");
    // Programs run by exec, output through a pipe (ls's own output must
    // not be echoed at replay: head's is), a time-dependent value, and the
    // shell's own status.
    let script = format!(
        "echo start; ls {} | head -3; date +%N | wc -c; printf 'x%.0s' 1 2 3 >&2; exit 7",
        ROOT
    );
    let rec = record(&dir, &trace, &sh, &["-c", &script]);
    rec.assert_code(7);
    assert_eq!(
        rec.stdout_str().lines().count(),
        5,
        "start, three names, a count\n{}",
        rec.describe()
    );
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
        assert!(
            rep.stderr_str().contains("xxx"),
            "the shell's stderr is replayed\n{}",
            rep.describe()
        );
    }
    let mut cmd = dir.rewind();
    cmd.arg("ps").arg(&trace);
    let ps = run(cmd, None);
    ps.assert_code(0);
    // The shell and the four programs it ran.
    assert_eq!(ps.stdout_str().lines().count(), 1 + 5, "{}", ps.describe());
    assert!(ps.stdout_str().contains("head -3"), "{}", ps.describe());
}

#[test]
fn python_subprocess_replays_identically() {
    let Some(py) = binary("python_subprocess", "python3") else {
        return;
    };
    let dir = TestDir::new("python_subprocess");
    let trace = dir.join("trace");
    let code = "import subprocess, time\n\
        out = subprocess.run(['echo', 'from child'], capture_output=True).stdout\n\
        print(out, subprocess.call(['sh', '-c', 'exit 4']))\n\
        print(subprocess.check_output(['date', '+%N']).strip() != b'', time.time() > 0)\n";
    let rec = record(&dir, &trace, &py, &["-c", code]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str()
            .starts_with("b'from child\\n' 4\nTrue True\n"),
        "{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn make_building_a_c_program_replays_identically() {
    let (Some(make), Some(_gcc)) = (binary("make_gcc", "make"), binary("make_gcc", "gcc")) else {
        return;
    };
    let dir = TestDir::new("make_gcc");
    let src = dir.subdir("src");
    std::fs::write(
        src.join("hello.c"),
        "#include <stdio.h>\nint main(void) { printf(\"built and run: %d\\n\", 6 * 7); return 0; }\n",
    )
    .expect("write hello.c");
    std::fs::write(
        src.join("Makefile"),
        "all: hello\n\t./hello\nhello: hello.c\n\tgcc -O1 -o hello hello.c\n",
    )
    .expect("write Makefile");
    let trace = dir.join("trace");
    let src_s = src.to_string_lossy().into_owned();
    let rec = record(&dir, &trace, &make, &["-s", "-C", &src_s]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str().contains("built and run: 42"),
        "make built the program with gcc and ran it\n{}",
        rec.describe()
    );
    // Replay runs nothing for real: the built program is not rebuilt.
    std::fs::remove_file(src.join("hello")).expect("remove the built program");
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    assert!(
        !src.join("hello").exists(),
        "the replay must not write files"
    );
    let mut cmd = dir.rewind();
    cmd.arg("ps").arg(&trace);
    let ps = run(cmd, None);
    ps.assert_code(0);
    let text = ps.stdout_str();
    for program in ["gcc -O1 -o hello hello.c", "./hello"] {
        assert!(
            text.lines().any(|l| l.ends_with(program)),
            "rewind ps names {program:?}\n{}",
            ps.describe()
        );
    }
}

/// The pid of the only row of `rewind ps` whose command is `cmd`.
fn pid_running(dir: &TestDir, trace: &std::path::Path, cmd: &str) -> String {
    let mut c = dir.rewind();
    c.arg("ps").arg(trace);
    let ps = run(c, None);
    ps.assert_code(0);
    let rows: Vec<String> = ps
        .stdout_str()
        .lines()
        .filter(|l| l.ends_with(cmd))
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(rows.len(), 1, "one process runs {cmd:?}\n{}", ps.describe());
    rows[0].clone()
}

#[test]
fn gdb_follows_the_process_named_with_p_from_its_exec() {
    if !have_gdb("gdb_onprocess") {
        return;
    }
    let dir = TestDir::new("gdb_onprocess");
    let exe = c_program("exec_child");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &exe, &[]);
    rec.assert_code(0);
    assert_line(&rec, "parent: worker exit 9");
    let worker = pid_running(&dir, &trace, "exec-worker worker");
    for follow in ["exec-worker", worker.as_str()] {
        let g = run_gdb_scripts_with(
            &dir,
            &trace,
            &["-p", follow],
            Some(&exe),
            &["process_exec.gdb"],
        );
        // Only the worker's thread, from its program's first instruction.
        let start = g.between("MARK-start\n", "MARK-start-end");
        assert!(
            start.contains(&format!("Thread {worker}.{worker}")) && start.lines().count() == 2,
            "info threads lists the followed process only\n{}",
            g.describe()
        );
        let line = marker_gdb_line("exec_child.c", "worker");
        let first = g.between("MARK-first", "MARK-third");
        assert!(
            first.contains("$1 = 0") && first.contains("$2 = 10"),
            "{}",
            g.describe()
        );
        let third = g.between("MARK-third", "MARK-back");
        assert!(
            third.contains("= 2") && third.contains("= 60"),
            "{}",
            g.describe()
        );
        // reverse-continue's stop, then the values there.
        assert!(
            third.contains(&line),
            "reverse-continue stops at the breakpoint\n{}",
            g.describe()
        );
        let back = g.between("MARK-back", "MARK-back-end");
        assert!(
            back.contains("= 1\n") && back.contains("= 30"),
            "reverse-continue stops at the second round\n{}",
            g.describe()
        );
        // The followed process's end is the end of the debugger's replay.
        g.assert_in_order(&["MARK-back-end", "exited with status 9"]);
    }
}

#[test]
fn gdb_follows_a_forked_child_with_onfork() {
    if !have_gdb("gdb_onfork") {
        return;
    }
    let dir = TestDir::new("gdb_onfork");
    let exe = c_program("exec_child");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &exe, &[]);
    rec.assert_code(0);
    // The second child: forked, never running another program.
    let mut c = dir.rewind();
    c.arg("ps").arg(&trace);
    let ps = run(c, None);
    let forked: Vec<String> = ps
        .stdout_str()
        .lines()
        .filter(|l| l.contains("(forked)"))
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(forked.len(), 1, "{}", ps.describe());
    let g = run_gdb_scripts_with(
        &dir,
        &trace,
        &["--onfork", &forked[0]],
        Some(&exe),
        &["process_onfork.gdb"],
    );
    let start = g.between("MARK-start\n", "MARK-start-end");
    assert!(
        start.contains(&format!("Thread {0}.{0}", forked[0])) && start.lines().count() == 2,
        "{}",
        g.describe()
    );
    let first = g.between("MARK-first", "MARK-third");
    assert!(first.contains("$1 = 3"), "{}", g.describe());
    let third = g.between("MARK-third", "MARK-back");
    assert!(third.contains("$2 = 27"), "{}", g.describe());
    let back = g.between("MARK-back", "MARK-back-end");
    assert!(back.contains("$3 = 9"), "{}", g.describe());
}

#[test]
fn following_a_process_that_is_not_in_the_trace_is_a_clear_error() {
    let dir = TestDir::new("onprocess_unknown");
    let (trace, rec) = record_program(&dir, "fork_basic", &[]);
    rec.assert_code(3);
    let mut c = dir.rewind();
    c.arg("replay")
        .arg("-s")
        .arg(free_port().to_string())
        .arg("-p")
        .arg("no-such-program")
        .arg(&trace);
    let out = run(c, None);
    out.assert_no_panic();
    assert_ne!(out.code(), Some(0), "{}", out.describe());
    assert!(
        out.stderr_str().contains("no process no-such-program")
            && out.stderr_str().contains("rewind ps"),
        "{}",
        out.describe()
    );
}

#[test]
fn process_groups_signalled_as_a_whole_and_waitid_replay_identically() {
    let dir = TestDir::new("fork_groups");
    let (trace, rec) = record_program(&dir, "fork_groups", &[]);
    rec.assert_code(0);
    assert_line(&rec, "group of the child: own 1, parent's differs 1");
    assert_line(
        &rec,
        "waitid 0: pid matches 1, code 2 (killed 1), status 15",
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    // Child and grandchild were killed by the group's SIGTERM.
    let mut c = dir.rewind();
    c.arg("ps").arg(&trace);
    let ps = run(c, None);
    let killed = ps
        .stdout_str()
        .lines()
        .filter(|l| l.split('\t').nth(2) == Some("143"))
        .count();
    assert_eq!(killed, 2, "{}", ps.describe());
}

#[test]
fn a_child_stopped_and_continued_waits_while_stopped_and_replays_identically() {
    let dir = TestDir::new("fork_stop");
    let (trace, rec) = record_program(&dir, "fork_stop", &[]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    let lines: Vec<&str> = out.lines().collect();
    let at = |l: &str| {
        lines
            .iter()
            .position(|x| *x == l)
            .unwrap_or_else(|| panic!("no line {l:?}\n{}", rec.describe()))
    };
    // Stopped before it printed anything, and held stopped until SIGCONT.
    assert!(
        at("stopped: 1 sig 19") < at("child tick 0"),
        "{}",
        rec.describe()
    );
    assert!(
        at("continued: 1") < at("exited: 1 status 4"),
        "{}",
        rec.describe()
    );
    assert!(
        at("child tick 2") < at("exited: 1 status 4"),
        "{}",
        rec.describe()
    );
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
}

/// New processes made with clone() (its own stack, SIGCHLD or another exit
/// signal, CLONE_PARENT_SETTID), the raw clone syscall, posix_spawn, and a
/// grandchild that outlives its parent and is re-parented: all replay
/// identically, and each child's writes stay in its own memory.
#[test]
fn clone_of_processes_and_an_orphan_replay_identically() {
    let dir = TestDir::new("proc_clone");
    let rec = record_replay_program(&dir, "proc_clone", &[], 0);
    for line in [
        "clone child 11: pid matches getpid: yes",
        "clone SIGCHLD: exit 11, parent's variable 0",
        "clone SIGUSR1: waited it, exit 12, SIGUSR1 caught 1",
        "clone PARENT_SETTID: written yes, exit 13",
        "raw clone child: parent is alive",
        "raw clone: exit 14",
        "posix_spawn: exit 0",
        "middle: exit 15",
        "orphan: re-parented yes",
        "clone done",
    ] {
        assert_line(&rec, line);
    }
}

/// The followed process runs a new program while gdb debugs it: gdb is told
/// of the exec (its `catch exec` stops there), loads the new program's
/// symbols from the trace's copy, and breakpoints in the new program stop
/// forwards and backwards.
#[test]
fn gdb_follows_a_process_into_the_program_it_execs() {
    if !have_gdb("gdb_follows_a_process_into_the_program_it_execs") {
        return;
    }
    let Some(sh) = binary("gdb_follows_a_process_into_the_program_it_execs", "sh") else {
        return;
    };
    let dir = TestDir::new("exec_follow");
    let demo = c_program("demo");
    let trace = dir.join("trace");
    let script = format!("echo from-sh; exec {}", demo.display());
    let rec = record(&dir, &trace, &sh, &["-c", &script]);
    rec.assert_code(0);
    assert_line(&rec, "from-sh");
    let g = run_gdb_scripts(&dir, &trace, Some(&sh), &["exec_follow.gdb"]);
    let exec = g.between("", "MARK-exec");
    assert!(
        exec.contains("is executing new program: ") && exec.contains("Catchpoint 1 (exec'd "),
        "gdb is told of the exec and stops at its catchpoint\n{}",
        g.describe()
    );
    let first = g.between("MARK-exec", "MARK-first");
    assert!(
        first.contains("accumulate (i=1)"),
        "a breakpoint set after the exec stops in the new program\n{}",
        g.describe()
    );
    assert!(
        g.between("MARK-first", "MARK-second").contains("$1 = 1"),
        "{}",
        g.describe()
    );
    assert!(
        g.between("MARK-second", "MARK-back").contains("$2 = 2"),
        "{}",
        g.describe()
    );
    assert!(
        g.between("MARK-back", "MARK-end").contains("$3 = 1"),
        "reverse-continue returns to the first hit\n{}",
        g.describe()
    );
}

/// Programs run through execveat: fexecve of the program's own file, a
/// copy of it in a memfd (a program with no file name: it is read through
/// /proc/PID/exe and saved into the trace), and a path relative to a
/// directory descriptor. Each stage prints what the first one read from
/// the clock; the replay prints the same, with the same /proc/self/exe.
#[test]
fn programs_run_through_execveat_and_from_a_memfd_replay() {
    let dir = TestDir::new("fexec");
    let rec = record_replay_program(&dir, "fexec", &[], 0);
    let out = rec.stdout_str();
    let stamp = out
        .strip_prefix("stage 1: stamp ")
        .and_then(|r| r.lines().next())
        .unwrap_or_default()
        .to_string();
    assert!(!stamp.is_empty(), "{}", rec.describe());
    assert_eq!(
        out,
        format!(
            "stage 1: stamp {stamp}\nstage 2: stamp {stamp}\nstage 3: stamp {stamp}, running \
             from a memfd\nstage 4: echo says {stamp}\n"
        ),
        "{}",
        rec.describe()
    );
}

/// execve while other threads live, from a thread that is not the main one
/// (the kernel ends the others and gives it the process id) and from the
/// main thread while a worker waits in pause(): recording does not hang on
/// the ending threads, and each replay runs the new images identically.
#[test]
fn execve_while_other_threads_live_replays_identically() {
    let dir = TestDir::new("threads_exec");
    let (trace, rec) = record_program(&dir, "threads_exec", &[]);
    rec.assert_code(0);
    for line in [
        "stage 0: main thread is the process: yes",
        "stage 1: exec from a thread kept the pid: yes, now its main thread: yes",
        "stage 2: exec from the main thread with a worker alive kept the pid: yes",
    ] {
        assert_line(&rec, line);
    }
    for _ in 0..3 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
}
