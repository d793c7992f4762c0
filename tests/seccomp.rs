//! seccomp: record programs that install seccomp filters, replay them with
//! `rewind replay -a`, and compare.
//!
//! The filter is installed for real at record time (behind a prefix that
//! lets rewind's own syscalls through), so each verdict is the kernel's:
//! ERRNO and TRACE (no tracer of the program's own: ENOSYS) are syscall
//! results, TRAP is a SIGSYS with its siginfo, KILL_PROCESS ends the
//! program by SIGSYS. The replay installs nothing and must give the
//! program the same outcomes at the same points: the same output, and the
//! same end.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

/// The exit status of a program killed by SIGSYS, as `rewind record`
/// reports it.
const KILLED_BY_SIGSYS: i32 = 128 + libc::SIGSYS;

/// Panics unless the recording printed exactly `line` as one of its lines.
fn assert_line(rec: &Output, line: &str) {
    assert!(
        rec.stdout_str().lines().any(|l| l == line),
        "the recording did not print the line {line:?}\n{}",
        rec.describe()
    );
}

/// Panics if the recording printed `text`.
fn assert_not_printed(rec: &Output, text: &str) {
    assert!(
        !rec.stdout_str().contains(text),
        "the recording printed {text:?}\n{}",
        rec.describe()
    );
}

/// The native syscall number of uname.
fn uname_nr() -> i64 {
    libc::SYS_uname
}

/// The AUDIT_ARCH value seccomp reports for this machine.
fn audit_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "0xc00000b7"
    } else {
        "0xc000003e"
    }
}

/// The replay reproduced the recording and reports the program's end by
/// SIGSYS.
fn assert_replayed_killed_by_sigsys(rec: &Output, rep: &Output) {
    assert_replay_faithful(rec, rep);
    assert!(
        rep.stderr_str().contains("SIGSYS"),
        "replay -a should report that the program was killed by SIGSYS\n{}",
        rep.describe()
    );
}

/// Every verdict of a raw BPF filter, installed with `how` ("seccomp" or
/// "prctl").
fn actions(how: &str) {
    let dir = TestDir::new(&format!("seccomp_actions_{how}"));
    let args: &[&str] = if how == "prctl" { &["prctl"] } else { &[] };
    let (trace, rec) = record_program(&dir, "seccomp_actions", args);
    // KILL_PROCESS: the program dies of SIGSYS at getpgid.
    rec.assert_code(KILLED_BY_SIGSYS);
    assert_line(&rec, &format!("installed with {how}: 0"));
    // ERRNO(EPERM).
    assert_line(&rec, "getpid: -1 (Operation not permitted)");
    // TRACE with no tracer of the program's own: ENOSYS.
    assert_line(&rec, "getuid: -1 (Function not implemented)");
    // LOG: the call runs.
    assert_line(&rec, "getgid: ran");
    // TRAP: SIGSYS with the filter's data, the syscall and the arch; the
    // call did not run (its buffer is as the program left it).
    let sigsys = lines_after(&rec, "SIGSYS: ");
    assert_eq!(sigsys.len(), 1, "one SIGSYS expected\n{}", rec.describe());
    let prefix = format!(
        "signo {} code 1 errno 42 syscall {} arch {} call_addr 0x",
        libc::SIGSYS,
        uname_nr(),
        audit_arch()
    );
    assert!(
        sigsys[0].starts_with(&prefix),
        "the SIGSYS handler saw {:?}, expected it to start with {prefix:?}\n{}",
        sigsys[0],
        rec.describe()
    );
    assert_line(
        &rec,
        &format!("uname: {}, traps 1, buffer untouched", uname_nr()),
    );
    assert_not_printed(&rec, "not reached");
    let rep = replay(&dir, &trace);
    assert_replayed_killed_by_sigsys(&rec, &rep);
}

#[test]
fn seccomp_syscall_filter_every_action() {
    actions("seccomp");
}

#[test]
fn prctl_filter_every_action() {
    actions("prctl");
}

/// A filter installed with SECCOMP_FILTER_FLAG_TSYNC applies to every
/// thread; it kills the process at any mmap, munmap or mprotect, which
/// rewind itself runs in a thread that blocks (its scratch area): those
/// must get through, and the replay must match.
#[test]
fn tsync_filter_in_threads() {
    let dir = TestDir::new("seccomp_tsync");
    let (trace, rec) = record_program(&dir, "seccomp_tsync", &[]);
    rec.assert_code(0);
    assert_line(&rec, "installed with TSYNC: 0");
    for i in 0..3 {
        assert_line(
            &rec,
            &format!("thread {i}: SIGSYS for syscall {}, data 7", uname_nr()),
        );
        assert_line(
            &rec,
            &format!(
                "thread {i}: read 2, getpid -1 (Permission denied), uname {}",
                uname_nr()
            ),
        );
    }
    assert_line(&rec, "main: getpid -1 (Permission denied)");
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

/// `tests/programs/seccomp_libseccomp.c` built against libseccomp, or None
/// (with a skip) when libseccomp's header or library is missing.
fn libseccomp_program(test: &str) -> Option<PathBuf> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/programs/seccomp_libseccomp.c");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("seccomp_libseccomp-{}", std::process::id()));
    let built = Command::new("gcc")
        .args(["-g", "-O0", "-Wall", "-Wextra", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-lseccomp")
        .output();
    match built {
        Ok(o) if o.status.success() => Some(out),
        Ok(o) => {
            skip(
                test,
                &format!(
                    "cannot build against libseccomp (install libseccomp-dev): {}",
                    String::from_utf8_lossy(&o.stderr)
                        .lines()
                        .next()
                        .unwrap_or("")
                ),
            );
            None
        }
        Err(e) => {
            skip(test, &format!("cannot run gcc: {e}"));
            None
        }
    }
}

/// A filter built with libseccomp (which also probes the kernel's seccomp
/// support first): ERRNO on a syscall and on one argument value, TRAP,
/// KILL_PROCESS.
#[test]
fn libseccomp_filter() {
    let test = "libseccomp_filter";
    let Some(prog) = libseccomp_program(test) else {
        return;
    };
    let dir = TestDir::new(test);
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &prog, &[]);
    rec.assert_code(KILLED_BY_SIGSYS);
    assert_line(&rec, "seccomp_load: 0");
    assert_line(&rec, "getppid: -1 (Operation not supported)");
    assert_line(&rec, "kill SIGUSR1: -1 (Operation not permitted)");
    assert_line(&rec, "kill SIGUSR2: 0 (Success)");
    assert_line(&rec, &format!("SIGSYS: syscall {}, code 1", uname_nr()));
    assert_line(&rec, &format!("uname: {}", uname_nr()));
    assert_not_printed(&rec, "not reached");
    // libseccomp's probes of the kernel are not refusals: no warning.
    assert!(
        !rec.stderr_str().contains("warning"),
        "libseccomp's probes should run without a warning\n{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replayed_killed_by_sigsys(&rec, &rep);
    let _ = std::fs::remove_file(&prog);
}

/// Strict mode and a user-notification listener cannot be recorded: each
/// call fails with EINVAL and a warning that says why, the program goes on,
/// and the replay gives it the same failures.
#[test]
fn strict_mode_and_listener_are_refused_with_a_warning() {
    let dir = TestDir::new("seccomp_refused");
    let (trace, rec) = record_program(&dir, "seccomp_refused", &[]);
    rec.assert_code(0);
    assert_line(&rec, "strict: Invalid argument");
    assert_line(&rec, "listener: Invalid argument");
    let err = rec.stderr_str();
    for needle in ["SECCOMP_MODE_STRICT", "SECCOMP_FILTER_FLAG_NEW_LISTENER"] {
        assert!(
            err.lines()
                .any(|l| l.contains("warning") && l.contains(needle) && l.contains("EINVAL")),
            "expected a warning naming {needle} and EINVAL\n{}",
            rec.describe()
        );
    }
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}
