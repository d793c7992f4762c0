//! gdb sessions against `rewind replay -s PORT` on a recording of
//! tests/programs/demo.c.
//!
//! Each test records the demo, starts the replay server, and runs one script
//! from gdb-scripts/ with `gdb -batch` after `target extended-remote`. The
//! assertions are on gdb's output: stop locations with line numbers and the
//! text of those lines, printed values, frames. Lines are located by the
//! marker comments in demo.c, so they do not depend on its layout.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// Records the demo; returns (trace, executable).
fn demo_trace(dir: &TestDir) -> (PathBuf, PathBuf) {
    let exe = c_program("demo");
    let trace = dir.join("trace");
    let rec = record(dir, &trace, &exe, &[]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str().ends_with("done: total = 385\n"),
        "{}",
        rec.describe()
    );
    (trace, exe)
}

/// Records the demo and runs `script` against its replay, with the
/// executable given to gdb. None if gdb is missing (skipped visibly).
fn session(test: &str, script: &str) -> Option<GdbRun> {
    if !have_gdb(test) {
        return None;
    }
    let dir = TestDir::new(test);
    let (trace, exe) = demo_trace(&dir);
    Some(run_gdb(&dir, &trace, Some(&exe), script))
}

/// "demo.c:N" for the line holding `needle`.
fn at(needle: &str) -> String {
    format!("demo.c:{}", source_line("demo.c", needle).0)
}

/// gdb's rendering of the current line holding `needle`.
fn line(needle: &str) -> String {
    gdb_line("demo.c", needle)
}

/// The last decimal integer in `text`.
fn last_integer(text: &str) -> Option<u64> {
    text.split(|c: char| !c.is_ascii_digit())
        .rfind(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

#[test]
fn gdb_starts_at_first_instruction() {
    let Some(run) = session("gdb_starts_at_first_instruction", "first_instruction.gdb") else {
        return;
    };
    // The stop gdb reports on connecting: the loader's entry point.
    run.assert_line(&["in _start ()", "ld-linux"]);
    run.assert_line(&["rip", "<_start>"]);
    // The auxiliary vector comes from the recording (qXfer:auxv).
    for key in ["AT_ENTRY", "AT_BASE", "AT_RANDOM", "AT_PHDR"] {
        run.assert_line(&[key]);
    }
    // The server said how to connect.
    let printed = format!("{}{}", run.server_stdout, run.server_stderr);
    assert!(
        printed.contains(&format!("127.0.0.1:{}", run.port)),
        "the server should print the gdb command that connects to it\n{}",
        run.describe()
    );
}

#[test]
fn gdb_break_continue_print() {
    let Some(run) = session("gdb_break_continue_print", "break_continue.gdb") else {
        return;
    };
    run.assert_in_order(&[
        "Breakpoint 1 at 0x",
        &format!(
            "demo.c, line {}.",
            source_line("demo.c", "marker: square").0
        ),
        "Breakpoint 1, accumulate (i=1) at ",
        &at("marker: square"),
        &line("marker: square"),
        "$1 = 1\n",
        "$2 = 0\n",
        "Breakpoint 1, accumulate (i=2) at ",
        &line("marker: square"),
        "$3 = 2\n",
        "$4 = 1\n",
        "breakpoint already hit 2 times",
    ]);
}

#[test]
fn gdb_hardware_breakpoint() {
    let Some(run) = session("gdb_hardware_breakpoint", "hbreak.gdb") else {
        return;
    };
    run.assert_in_order(&[
        "Hardware assisted breakpoint 1 at 0x",
        "Breakpoint 1, accumulate (i=1) at ",
        &line("marker: square"),
        "$1 = 1\n",
        "Breakpoint 1, accumulate (i=2) at ",
        "$2 = 2\n",
    ]);
}

#[test]
fn gdb_next_step_finish() {
    let Some(run) = session("gdb_next_step_finish", "next_finish.gdb") else {
        return;
    };
    run.assert_in_order(&[
        "Breakpoint 1, main () at ",
        &line("marker: main start"),
        &line("marker: puts"),
        &line("for (int i = 1; i <= 10; i++) {"),
        &line("marker: call"),
        "accumulate (i=1) at ",
        &line("marker: square"),
        &line("marker: add"),
        &line("marker: return"),
        "$1 = 1\n",
        "$2 = 1\n",
        "main () at ",
        &line("marker: call"),
        "Value returned is $3 = 1\n",
        &line("marker: every fifth"),
        "$4 = 1\n",
    ]);
}

#[test]
fn gdb_backtrace_and_frames() {
    let Some(run) = session("gdb_backtrace_and_frames", "backtrace.gdb") else {
        return;
    };
    run.assert_in_order(&[
        "Breakpoint 1, report (step=5, value=55) at ",
        &at("marker: report"),
        "#0  report (step=5, value=55) at ",
        &at("marker: report"),
        "#1  0x",
        " in main () at ",
        &at("report(i, last);"),
        "$1 = 5\n",
        "$2 = 55\n",
        "#0  report (step=5, value=55) at ",
        "$3 = 5\n",
        "$4 = 55\n",
    ]);
}

#[test]
fn gdb_registers() {
    let Some(run) = session("gdb_registers", "registers.gdb") else {
        return;
    };
    run.assert_line(&["rip", "<accumulate+"]);
    run.assert_in_order(&[
        "$1 = 1\n", // $pc == $rip
        "$2 = 1\n", // $sp == $rsp
    ]);
    for reg in ["rax", "rsp", "r15", "rip", "eflags", "cs", "fs"] {
        assert!(
            run.out().lines().any(|l| l.starts_with(&format!("{reg} "))),
            "info registers lacks {reg}\n{}",
            run.describe()
        );
    }
    run.assert_in_order(&[
        "$3 = 1\n",  // fs_base points at the thread control block
        "$4 = 0x",   // eflags
        "$5 = -1\n", // orig_rax outside a syscall
    ]);
    run.assert_line(&["$6 = {", "v4_float", "v2_int64", "uint128"]);
    run.assert_line(&["$7 = {", "v8_float", "v4_int64", "v2_int128"]);
    run.assert_in_order(&["$8 = ", "$9 = 16\n", "$10 = 32\n"]);
}

#[test]
fn gdb_breakpoint_in_shared_library() {
    let Some(run) = session("gdb_breakpoint_in_shared_library", "sharedlib.gdb") else {
        return;
    };
    run.assert_in_order(&["Breakpoint 1, main () at ", &line("marker: main start")]);
    run.assert_line(&["libc.so.6"]);
    run.assert_line(&["Breakpoint 2, ", "printf"]);
    run.assert_in_order(&[
        "Breakpoint 2, ",
        "#0  ",
        "printf",
        "#1  0x",
        "report (step=5, value=55) at ",
        &at("marker: report"),
        "#2  0x",
        "main () at ",
    ]);
}

#[test]
fn gdb_pending_breakpoint_in_shared_library() {
    let Some(run) = session(
        "gdb_pending_breakpoint_in_shared_library",
        "pending_breakpoint.gdb",
    ) else {
        return;
    };
    run.assert_line(&["Breakpoint 1, ", "puts"]);
    run.assert_in_order(&[
        "Breakpoint 1, ",
        "#1  0x",
        "main () at ",
        &at("marker: puts"),
    ]);
}

/// The `n` bytes at `symbol + offset` in the ELF file `exe`.
fn code_bytes(exe: &Path, symbol: &str, offset: u64, n: u64) -> Vec<u8> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let data = std::fs::read(exe).unwrap();
    let file = object::File::parse(&*data).expect("parse the demo's ELF file");
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(symbol))
        .unwrap_or_else(|| panic!("no symbol {symbol} in {}", exe.display()));
    let addr = sym.address() + offset;
    for sec in file.sections() {
        if addr >= sec.address() && addr + n <= sec.address() + sec.size() {
            let d = sec.data().unwrap();
            let from = (addr - sec.address()) as usize;
            return d[from..from + n as usize].to_vec();
        }
    }
    panic!("address {addr:#x} of {symbol}+{offset} is in no section");
}

#[test]
fn gdb_stepi_until_and_memory() {
    if !have_gdb("gdb_stepi_until_and_memory") {
        return;
    }
    let dir = TestDir::new("gdb_stepi_until_and_memory");
    let (trace, exe) = demo_trace(&dir);
    let run = run_gdb(&dir, &trace, Some(&exe), "stepi_until_x.gdb");
    run.assert_in_order(&[
        "Breakpoint 1, accumulate (i=2) at ",
        "<total>:\t0x01\t0x00\t0x00\t0x00\t0x00\t0x00\t0x00\t0x00\n",
        "<greeting>:\t\"rewind demo\"\n",
        "<accumulate+",
        "$1 = 1\n", // stepi moved the pc
        "$2 = 1\n", // and further on
        "Value returned is $3 = 5\n",
        &line("marker: every fifth"), // until, like next
        "main () at ",
        &line("marker: done"), // until -label finished
        "$4 = 385\n",
        "$5 = 385\n",
    ]);

    // The code bytes read through the server are the program's own (no
    // breakpoint instructions showing through).
    let out = run.out();
    let l = out
        .lines()
        .find(|l| l.contains("<accumulate+") && l.contains(">:\t0x"))
        .unwrap_or_else(|| panic!("no x/4xb $pc line\n{}", run.describe()));
    let after = &l[l.find("<accumulate+").unwrap() + "<accumulate+".len()..];
    let offset: u64 = after[..after.find('>').unwrap()].parse().unwrap();
    let shown: Vec<u8> = l
        .split('\t')
        .skip(1)
        .map(|b| u8::from_str_radix(b.trim().trim_start_matches("0x"), 16).unwrap())
        .collect();
    assert_eq!(
        shown,
        code_bytes(&exe, "accumulate", offset, 4),
        "x/4xb $pc shows bytes that are not the program's code\n{}",
        run.describe()
    );
}

#[test]
fn gdb_monitor_when() {
    let Some(run) = session("gdb_monitor_when", "monitor.gdb") else {
        return;
    };
    let help = run.between("", "MARK-when-1\n");
    assert!(
        help.contains("when"),
        "monitor help must list `when`\n{}",
        run.describe()
    );
    let first = last_integer(&run.between("MARK-when-1\n", "MARK-when-1-end"));
    let second = last_integer(&run.between("MARK-when-2\n", "MARK-when-2-end"));
    match (first, second) {
        (Some(a), Some(b)) => assert!(
            b > a,
            "the event number must grow as the replay runs ({a} then {b})\n{}",
            run.describe()
        ),
        _ => panic!(
            "monitor when must print the current event number\n{}",
            run.describe()
        ),
    }
}

#[test]
fn gdb_run_to_end_stops_at_the_end_of_the_log() {
    let Some(run) = session(
        "gdb_run_to_end_stops_at_the_end_of_the_log",
        "run_to_end.gdb",
    ) else {
        return;
    };
    run.assert_in_order(&[
        "the replay reached the end of the recording: the program exited with status 0",
        "No more reverse-execution history.",
        "$1 = 385\n",
    ]);
    assert!(
        !run.out().contains("exited normally") && !run.out().contains("SIGKILL"),
        "the end of the trace must not look like an exit\n{}",
        run.describe()
    );
    // Still inspectable: registers, a backtrace and the event number.
    run.assert_line(&["rip", "0x"]);
    run.assert_line(&["#0  "]);
    assert!(
        last_integer(&run.between("MARK-when-end\n", "MARK-when-end-end")).is_some(),
        "{}",
        run.describe()
    );
}

#[test]
fn gdb_writes_are_refused() {
    let Some(run) = session("gdb_writes_are_refused", "write_refused.gdb") else {
        return;
    };
    run.assert_in_order(&["Breakpoint 1, accumulate (i=2) at ", "$1 = 1\n"]);
    for cmd in ["set var total = 5", "set var i = 99", "set var $rax = 7"] {
        let refused = format!("REFUSED: {cmd}: ");
        let out = run.out();
        let l = out.lines().find(|l| l.starts_with(&refused));
        match l {
            Some(l) => assert!(
                l.len() > refused.len(),
                "the refusal of `{cmd}` must come with an error message\n{}",
                run.describe()
            ),
            None => panic!("`{cmd}` was not refused\n{}", run.describe()),
        }
    }
    // The values are still the recorded ones.
    run.assert_in_order(&["$2 = 1\n", "$3 = 2\n", "$4 = 1\n"]);
}

#[test]
fn gdb_learns_executable_from_server() {
    if !have_gdb("gdb_learns_executable_from_server") {
        return;
    }
    let dir = TestDir::new("gdb_learns_executable_from_server");
    let (trace, _exe) = demo_trace(&dir);
    let run = run_gdb(&dir, &trace, None, "exec_file.gdb");
    run.assert_in_order(&[
        "Breakpoint 1, accumulate (i=1) at ",
        &line("marker: square"),
        "#1  0x",
        "main () at ",
        &at("marker: call"),
    ]);
}

#[test]
fn replay_without_options_launches_gdb() {
    // `rewind replay TRACE` starts gdb itself, connected to the replay. A
    // `gdb` found first on PATH wraps the real one to run in batch mode with
    // a script after rewind's own arguments.
    if !have_gdb("replay_without_options_launches_gdb") {
        return;
    }
    let dir = TestDir::new("replay_launches_gdb");
    let (trace, _exe) = demo_trace(&dir);
    let real_gdb = real_binary("gdb").expect("gdb is installed but not an ELF file on PATH");
    let bin = dir.subdir("bin");
    let script = Path::new(ROOT).join("gdb-scripts/break_continue.gdb");
    let wrapper = bin.join("gdb");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec '{}' -batch -nx -iex 'set debuginfod enabled off' \"$@\" -x '{}'\n",
            real_gdb.display(),
            script.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();

    let path = std::env::var("PATH").unwrap_or_default();
    let mut cmd = dir.rewind();
    cmd.arg("replay")
        .arg(&trace)
        .env("PATH", format!("{}:{path}", bin.display()));
    let out = Spawned::start_merged(cmd).wait();
    out.assert_no_panic();
    out.assert_code(0);
    let text = out.stdout_str();
    let mut pos = 0;
    for needle in [
        "Breakpoint 1, accumulate (i=1) at ",
        &line("marker: square"),
        "$1 = 1\n",
        "$2 = 0\n",
        "Breakpoint 1, accumulate (i=2) at ",
        "$3 = 2\n",
        "$4 = 1\n",
    ] {
        match text[pos..].find(needle) {
            Some(i) => pos += i + needle.len(),
            None => panic!("output lacks {needle:?} (in order)\n{}", out.describe()),
        }
    }
}
