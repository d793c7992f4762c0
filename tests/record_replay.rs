//! Record a program, replay it with `rewind replay -a`, and compare.
//!
//! For every program: `rewind record -o DIR` exits with the program's own
//! status, and `rewind replay -a DIR` exits 0 having written exactly the same
//! bytes to stdout (the program's stderr lines are re-emitted on stderr too).
//! The programs print values that differ from run to run (pids, times,
//! random bytes, inode numbers, addresses), so equal output means the replay
//! took them from the trace.

mod common;

use common::*;
use std::path::Path;

/// Records `name` from tests/programs with `args`, replays, and checks the
/// replay is faithful. Returns the recording and the replay.
fn cycle(dir: &TestDir, name: &str, args: &[&str]) -> (Output, Output) {
    let (trace, rec) = record_program(dir, name, args);
    let rep = replay(dir, &trace);
    assert_replay_faithful(&rec, &rep);
    (rec, rep)
}

#[test]
fn hello() {
    let dir = TestDir::new("hello");
    let (rec, rep) = cycle(&dir, "hello", &[]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str().starts_with("hello, world\n"),
        "{}",
        rec.describe()
    );
    assert_stderr_line_replayed(&rec, &rep, "hello on stderr");
}

#[test]
fn fileio_and_replay_does_not_touch_files() {
    let dir = TestDir::new("fileio");
    let work = dir.subdir("work");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, c_program("fileio"), &[work.to_str().unwrap()]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    for expected in [
        "write returned 45",
        "read returned 15: \"quick brown fox\"",
        "pread returned 9: \"brown fox\"",
        "lseek to end returned 90",
        "mkdir ok",
        "rename ok; old name stat: No such file or directory",
        "unlink ok; stat after unlink: No such file or directory",
        "rmdir ok; second rmdir: No such file or directory",
    ] {
        assert!(
            out.contains(expected),
            "recorded output lacks {expected:?}\n{}",
            rec.describe()
        );
    }
    assert_eq!(
        listing(&work),
        vec!["kept.txt".to_string()],
        "the recorded program leaves exactly kept.txt behind"
    );

    // Replay must emulate every file operation: with the directory emptied,
    // it still prints the recorded results and creates nothing.
    std::fs::remove_file(work.join("kept.txt")).unwrap();
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    assert_eq!(
        listing(&work),
        Vec::<String>::new(),
        "replay wrote into the program's directory"
    );
}

/// Writes `len` pseudo-random bytes (deterministic in `seed`) to `path`.
fn write_noise(path: &Path, len: usize, seed: u64) {
    let mut x = seed | 1;
    let data: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    std::fs::write(path, data).unwrap();
}

#[test]
fn mmap_file_survives_file_replaced_or_removed() {
    let dir = TestDir::new("mmap_file");
    let file = dir.join("mapped.bin");
    write_noise(&file, 100_000, 0x1234_5678);
    let trace = dir.join("trace");
    let rec = record(
        &dir,
        &trace,
        c_program("mmap_file"),
        &[file.to_str().unwrap()],
    );
    rec.assert_code(0);
    assert!(
        rec.stdout_str().contains("munmap returned 0 0 0"),
        "{}",
        rec.describe()
    );

    // Replace the file (a new inode renamed over it, as build tools and
    // package managers do): the replay must map the copy saved in the trace.
    let replacement = dir.join("replacement.bin");
    write_noise(&replacement, 100_000, 0x9abc_def0);
    std::fs::rename(&replacement, &file).unwrap();
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);

    // And with the file gone altogether.
    std::fs::remove_file(&file).unwrap();
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn executable_replaced_after_recording() {
    let dir = TestDir::new("exe_replaced");
    let exe = dir.join("prog");
    std::fs::copy(c_program("hello"), &exe).unwrap();
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &exe, &[]);
    rec.assert_code(0);
    // Put a different program at the same path, then remove it.
    let other = dir.join("other");
    std::fs::copy(c_program("getrandom"), &other).unwrap();
    std::fs::rename(&other, &exe).unwrap();
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    std::fs::remove_file(&exe).unwrap();
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn timecalls() {
    let dir = TestDir::new("timecalls");
    let (rec, _) = cycle(&dir, "timecalls", &[]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str().contains("nanosleep returned 0"),
        "{}",
        rec.describe()
    );
}

#[test]
fn getrandom() {
    let dir = TestDir::new("getrandom");
    let (rec, _) = cycle(&dir, "getrandom", &[]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(out.contains("getrandom returned 32"), "{}", rec.describe());
    assert!(out.contains("AT_RANDOM:"), "{}", rec.describe());
}

#[test]
fn rdtsc() {
    let dir = TestDir::new("rdtsc");
    let (rec, _) = cycle(&dir, "rdtsc", &[]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert_eq!(
        out.lines()
            .filter(|l| l.ends_with("increasing yes"))
            .count(),
        5,
        "the counter must still advance while recording\n{}",
        rec.describe()
    );
}

#[test]
fn segv_exit_status_and_replay() {
    let dir = TestDir::new("segv");
    let (trace, rec) = record_program(&dir, "segv", &[]);
    rec.assert_code(139);
    assert!(
        rec.stdout_str().starts_with("about to crash, pid "),
        "{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    assert!(
        rep.stderr_str().contains("SIGSEGV"),
        "replay -a should report that the program was killed by SIGSEGV\n{}",
        rep.describe()
    );
}

#[test]
fn bigoutput_10_mib() {
    let dir = TestDir::new("bigoutput");
    let (rec, rep) = cycle(&dir, "bigoutput", &[]);
    rec.assert_code(0);
    assert_eq!(rec.stdout.len(), 10 * 1024 * 1024, "{}", rec.describe());
    assert_stderr_line_replayed(&rec, &rep, "bigoutput: wrote 10485760 bytes");
}

#[test]
fn stdin_echo() {
    let dir = TestDir::new("stdin_echo");
    let mut input = String::new();
    for i in 0..300 {
        input.push_str(&format!("line {i:03}: the replay reads none of this\n"));
    }
    let trace = dir.join("trace");
    let rec = record_with(
        &dir,
        &trace,
        &[],
        c_program("stdin_echo"),
        &[],
        Some(input.clone().into_bytes()),
    );
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.starts_with(&format!("read {} bytes in ", input.len())),
        "{}",
        rec.describe()
    );
    assert!(out.contains(&input), "{}", rec.describe());
    // The replay gets no input at all (stdin is /dev/null).
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn procself() {
    let dir = TestDir::new("procself");
    let (rec, _) = cycle(&dir, "procself", &[]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    for section in [
        "=== end of /proc/self/maps ===",
        "=== end of /proc/self/stat ===",
        "=== end of /proc/self/status ===",
    ] {
        assert!(out.contains(section), "{}", rec.describe());
    }
}

#[test]
fn unknown_ioctls_do_not_abort_recording() {
    let dir = TestDir::new("ioctls");
    let (rec, _) = cycle(&dir, "ioctls", &[]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    for expected in [
        "MADE_UP_IOCTL = 0x80187a07",
        "argument afterwards: 0x1122334455667788",
        "argument afterwards: aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb cccccccccccccccc",
        "bytes available: 12",
    ] {
        assert!(
            out.contains(expected),
            "recorded output lacks {expected:?}\n{}",
            rec.describe()
        );
    }
    let enotty = out
        .lines()
        .filter(|l| l.contains("errno=25 (Inappropriate ioctl for device)"))
        .count();
    assert!(
        enotty >= 5,
        "the rejected ioctls must fail with ENOTTY as they do natively\n{}",
        rec.describe()
    );
    // The made-up request is issued twice; rewind warns about it once.
    let warnings = rec
        .stderr_str()
        .to_lowercase()
        .matches("0x80187a07")
        .count();
    assert_eq!(
        warnings,
        1,
        "expected exactly one warning naming the unknown ioctl 0x80187a07\n{}",
        rec.describe()
    );
}

#[test]
fn unknown_syscall_gets_enosys() {
    // With `--unknown-syscalls=enosys` a syscall rewind does not know fails
    // in the program (without it the recording stops: tests/kernel_writes.rs).
    let dir = TestDir::new("unknown_syscall");
    let trace = dir.join("trace");
    let rec = record_with(
        &dir,
        &trace,
        &["--unknown-syscalls=enosys"],
        c_program("unknown_syscall"),
        &[],
        None,
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.contains("io_uring_setup returned -1, errno 38 (ENOSYS)"),
        "rewind must refuse io_uring_setup with ENOSYS\n{}",
        rec.describe()
    );
    assert!(
        out.contains("syscall 1999 returned -1, errno 38 (ENOSYS)"),
        "{}",
        rec.describe()
    );
    assert!(out.contains("still running, pid "), "{}", rec.describe());
    assert!(
        rec.stderr_str().contains("1999"),
        "the recorder must warn, naming the refused syscall\n{}",
        rec.describe()
    );
}

// ---------------------------------------------------------------------------
// Real programs
// ---------------------------------------------------------------------------

/// Records a real binary found on PATH (or skips visibly if it is absent),
/// replays, compares. `extra` goes between `record -o DIR` and the program.
fn real(
    test: &str,
    dir: &TestDir,
    bin: &str,
    extra: &[&str],
    args: &[&str],
) -> Option<(Output, Output)> {
    let Some(path) = real_binary(bin) else {
        skip(test, &format!("{bin} is not installed"));
        return None;
    };
    let trace = dir.join("trace");
    let rec = record_with(dir, &trace, extra, &path, args, None);
    let rep = replay(dir, &trace);
    assert_replay_faithful(&rec, &rep);
    Some((rec, rep))
}

#[test]
fn real_ls_usr_bin() {
    let dir = TestDir::new("ls");
    let Some((rec, _)) = real("real_ls_usr_bin", &dir, "ls", &[], &["-la", "/usr/bin"]) else {
        return;
    };
    rec.assert_code(0);
    assert!(rec.stdout_str().starts_with("total "), "{}", rec.describe());
}

#[test]
fn real_ls_failure_status() {
    let dir = TestDir::new("ls_missing");
    let Some((rec, rep)) = real(
        "real_ls_failure_status",
        &dir,
        "ls",
        &["-e", "LC_ALL=C"],
        &["/nonexistent-rewind-test-path"],
    ) else {
        return;
    };
    rec.assert_code(2);
    assert_stderr_line_replayed(&rec, &rep, ": cannot access");
}

#[test]
fn real_python3_json() {
    let dir = TestDir::new("python3");
    let script = "import json, os, sys, hashlib, random, time\n\
        print(json.dumps({'pid': os.getpid(), 'random': random.random(),\n\
        'time': time.time(), 'sha256': hashlib.sha256(b'rewind').hexdigest(),\n\
        'argv': sys.argv, 'hash': hash('rewind'), 'urandom': os.urandom(8).hex(),\n\
        'cwd': os.getcwd(), 'entries': len(os.listdir('/usr'))}, sort_keys=True))";
    let Some((rec, _)) = real("real_python3_json", &dir, "python3", &[], &["-c", script]) else {
        return;
    };
    rec.assert_code(0);
    let v: serde_json::Value = serde_json::from_slice(&rec.stdout)
        .unwrap_or_else(|e| panic!("python printed invalid JSON: {e}\n{}", rec.describe()));
    assert_eq!(
        v["sha256"],
        "c51185739fabdd96636a9025f6f622690e42e47c7166bdcb6b479f48e80a6202",
        "{}",
        rec.describe()
    );
}

#[test]
fn real_sqlite3_queries() {
    let dir = TestDir::new("sqlite3");
    let sql = "create table t(id integer primary key, name text, score real);\
        insert into t(name, score) values ('a', 1.5), ('b', 2.5), ('c', 4.0);\
        insert into t(name, score) select name || '2', score * 2 from t;\
        select count(*), sum(score), avg(score), min(name), max(name) from t;\
        select name, score from t order by score desc limit 3;\
        select group_concat(name, ',') from t;\
        select length(hex(randomblob(16))), hex(randomblob(8));\
        select strftime('%Y-%m-%d %H:%M:%f', 'now');";
    let Some((rec, _)) = real(
        "real_sqlite3_queries",
        &dir,
        "sqlite3",
        &[],
        &[":memory:", sql],
    ) else {
        return;
    };
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.starts_with("6|24.0|4.0|a|c2\nc2|8.0\nb2|5.0\nc|4.0\na,b,c,a2,b2,c2\n32|"),
        "{}",
        rec.describe()
    );
}

/// Lines of pseudo-random words, deterministic.
fn word_lines(n: usize) -> String {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut s = String::new();
    for _ in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s.push_str(&format!("{:x} {}\n", x >> 40, x % 997));
    }
    s
}

#[test]
fn real_sort_file_removed_before_replay() {
    let dir = TestDir::new("sort");
    let input = dir.join("input.txt");
    let text = word_lines(5000);
    std::fs::write(&input, &text).unwrap();
    let Some(sort) = real_binary("sort") else {
        skip(
            "real_sort_file_removed_before_replay",
            "sort is not installed",
        );
        return;
    };
    let trace = dir.join("trace");
    let rec = record_with(
        &dir,
        &trace,
        &["-e", "LC_ALL=C"],
        &sort,
        &[input.to_str().unwrap()],
        None,
    );
    rec.assert_code(0);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    let expected = lines.join("\n") + "\n";
    assert!(
        rec.stdout == expected.as_bytes(),
        "sort under recording printed wrong output\n{}",
        rec.describe()
    );
    std::fs::remove_file(&input).unwrap();
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn real_sha256sum_file_removed_before_replay() {
    let dir = TestDir::new("sha256sum");
    let input = dir.join("data.bin");
    write_noise(&input, 3_000_000, 42);
    let Some(bin) = real_binary("sha256sum") else {
        skip(
            "real_sha256sum_file_removed_before_replay",
            "sha256sum is not installed",
        );
        return;
    };
    let native = std::process::Command::new(&bin)
        .arg(&input)
        .output()
        .unwrap();
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &bin, &[input.to_str().unwrap()]);
    rec.assert_code(0);
    assert_eq!(
        rec.stdout_str(),
        String::from_utf8_lossy(&native.stdout),
        "sha256sum under recording must print the native digest\n{}",
        rec.describe()
    );
    std::fs::remove_file(&input).unwrap();
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn real_date() {
    let dir = TestDir::new("date");
    let Some((rec, _)) = real("real_date", &dir, "date", &[], &["+%s.%N"]) else {
        return;
    };
    rec.assert_code(0);
    let out = rec.stdout_str();
    let trimmed = out.trim_end();
    assert!(
        trimmed.len() > 11 && trimmed.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "{}",
        rec.describe()
    );
}

#[test]
fn real_printenv_with_e_option() {
    let dir = TestDir::new("printenv");
    let Some((rec, _)) = real(
        "real_printenv_with_e_option",
        &dir,
        "printenv",
        &["-e", "REWIND_TEST_VAR=set by -e"],
        &["REWIND_TEST_VAR"],
    ) else {
        return;
    };
    rec.assert_code(0);
    assert_eq!(rec.stdout_str(), "set by -e\n", "{}", rec.describe());
}

/// Signals sent to the program (kill to itself, an interval timer firing
/// while it computes, an alarm while it waits in pause()) land at the same
/// points in replay: the handler records where its computation was, and
/// the printed positions differ from run to run.
#[test]
fn asynchronous_signals_land_at_the_recorded_points() {
    let dir = TestDir::new("async_signals");
    for round in 0..3 {
        let trace = dir.join(format!("trace{round}"));
        let rec = record(&dir, &trace, c_program("async_signals"), &[]);
        rec.assert_code(0);
        let out = rec.stdout_str();
        assert!(out.contains("usr1 handled 1 time(s)"), "{}", rec.describe());
        assert!(out.contains("alarm 5 landed at work"), "{}", rec.describe());
        assert!(out.contains("after pause: 7 alarms"), "{}", rec.describe());
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
}

/// A program that asks for the time counter to stop trapping and to run on
/// every CPU is told yes, but its counter reads are still recorded.
#[test]
fn program_cannot_switch_off_time_counter_recording() {
    let dir = TestDir::new("tsc_prctl");
    let (rec, _rep) = cycle(&dir, "tsc_prctl", &[]);
    rec.assert_code(0);
    let out = rec.stdout_str();
    assert!(
        out.contains("PR_GET_TSC returned 0, mode 1"),
        "{}",
        rec.describe()
    );
    assert!(out.contains("PR_SET_TSC returned 0"), "{}", rec.describe());
    assert!(
        out.contains("sched_setaffinity returned 0"),
        "{}",
        rec.describe()
    );
    assert_eq!(out.matches("tsc ").count(), 3, "{}", rec.describe());
}
