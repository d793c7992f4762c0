//! Traces that are damaged, incomplete or not traces at all.
//!
//! rewind must never panic on them: it replays what it can, stops at the last
//! whole frame, and says what is wrong in words a user can act on.

mod common;

use common::*;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

/// Words with which rewind may say that a trace stops before its end.
const ENDED_EARLY: &[&str] = &["truncated", "ended early"];

/// Records `ticker COUNT 0`: the pid line, COUNT numbered lines (one write
/// each), and "ticker done".
fn record_ticker(dir: &TestDir, count: usize) -> (std::path::PathBuf, Output) {
    let (trace, rec) = record_program(dir, "ticker", &[&count.to_string(), "0"]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str().ends_with("ticker done\n"),
        "{}",
        rec.describe()
    );
    (trace, rec)
}

/// Asserts that `part` is a prefix of `whole` (the replay of an incomplete
/// trace may stop early but must not print anything the program did not).
fn assert_prefix(part: &[u8], whole: &[u8], rep: &Output) {
    assert!(
        whole.starts_with(part),
        "the replay printed something the recording did not: {}\n{}",
        first_difference(whole, part).unwrap_or_default(),
        rep.describe()
    );
}

#[test]
fn truncated_events_file() {
    let dir = TestDir::new("truncated");
    let (good, rec) = record_ticker(&dir, 2000);
    // The intact trace replays faithfully.
    assert_replay_faithful(&rec, &replay(&dir, &good));

    let cut = dir.join("cut");
    copy_tree(&good, &cut);
    let events = events_file(&cut);
    let len = std::fs::metadata(&events).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&events)
        .unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);

    let rep = replay(&dir, &cut);
    rep.assert_no_panic();
    assert_ne!(
        rep.code(),
        Some(0),
        "replay of a truncated trace must not claim to have reached the end\n{}",
        rep.describe()
    );
    assert!(
        mentions_any(&rep.stderr_str(), ENDED_EARLY),
        "replay must say the trace is truncated / ended early\n{}",
        rep.describe()
    );
    assert_prefix(&rep.stdout, &rec.stdout, &rep);
    assert!(
        rep.stdout.starts_with(b"ticker pid "),
        "the first half of the trace should replay the program's first lines\n{}",
        rep.describe()
    );
    assert!(
        rep.stdout.len() < rec.stdout.len(),
        "the replay of half a trace printed everything\n{}",
        rep.describe()
    );
}

#[test]
fn corrupted_events_file() {
    let dir = TestDir::new("corrupted");
    let (good, rec) = record_ticker(&dir, 2000);
    let bad = dir.join("bad");
    copy_tree(&good, &bad);
    let events = events_file(&bad);
    let mut bytes = std::fs::read(&events).unwrap();
    let mid = bytes.len() / 2;
    let end = (mid + 64).min(bytes.len());
    for b in &mut bytes[mid..end] {
        *b ^= 0x5a;
    }
    std::fs::write(&events, bytes).unwrap();

    let rep = replay(&dir, &bad);
    rep.assert_no_panic();
    assert_ne!(rep.code(), Some(0), "{}", rep.describe());
    assert!(
        mentions_any(&rep.stderr_str(), &["corrupt", "checksum"]),
        "replay must say the trace is corrupt\n{}",
        rep.describe()
    );
    assert_prefix(&rep.stdout, &rec.stdout, &rep);
}

#[test]
fn garbage_trace_directory() {
    let dir = TestDir::new("garbage");
    let garbage = dir.subdir("garbage");
    let mut x: u32 = 0x1234_5677;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect()
    };
    std::fs::write(garbage.join("header"), noise(4096)).unwrap();
    std::fs::write(garbage.join(EVENTS_FILE), noise(100_000)).unwrap();
    std::fs::create_dir_all(garbage.join("files")).unwrap();
    std::fs::write(garbage.join("files").join("junk"), noise(1000)).unwrap();

    for args in [&["replay", "-a"][..], &["dump"], &["info"], &["ps"]] {
        let mut cmd = dir.rewind();
        cmd.args(args).arg(&garbage);
        let out = run(cmd, None);
        out.assert_no_panic();
        assert_ne!(
            out.code(),
            Some(0),
            "rewind {args:?} accepted garbage\n{}",
            out.describe()
        );
        assert!(
            mentions_any(&out.stderr_str(), &["trace", "header"]),
            "rewind {args:?} must say the trace is unreadable\n{}",
            out.describe()
        );
    }
}

#[test]
fn empty_trace_directory() {
    let dir = TestDir::new("empty");
    let empty = dir.subdir("empty");
    let mut cmd = dir.rewind();
    cmd.args(["replay", "-a"]).arg(&empty);
    let out = run(cmd, None);
    out.assert_no_panic();
    assert_ne!(out.code(), Some(0), "{}", out.describe());
    assert!(
        out.stderr_str().contains(empty.to_str().unwrap())
            || mentions_any(&out.stderr_str(), &["header"]),
        "the error must name the directory or the missing header\n{}",
        out.describe()
    );
}

#[test]
fn missing_trace_path() {
    let dir = TestDir::new("missing");
    let missing = dir.join("no-such-trace");
    for args in [&["replay", "-a"][..], &["dump"], &["info"]] {
        let mut cmd = dir.rewind();
        cmd.args(args).arg(&missing);
        let out = run(cmd, None);
        out.assert_no_panic();
        assert_ne!(out.code(), Some(0), "{}", out.describe());
        assert!(
            out.stderr_str().contains(missing.to_str().unwrap()),
            "the error must name the missing path\n{}",
            out.describe()
        );
    }
}

#[test]
fn no_trace_recorded_yet() {
    // With an empty trace directory, "the latest trace" does not exist.
    let dir = TestDir::new("no_latest");
    let mut cmd = dir.rewind();
    cmd.args(["replay", "-a"]);
    let out = run(cmd, None);
    out.assert_no_panic();
    assert_ne!(out.code(), Some(0), "{}", out.describe());
    assert!(!out.stderr.is_empty(), "{}", out.describe());
}

/// Starts recording `ticker` (a line per millisecond or so) and waits for
/// `lines` tick lines; returns the running recorder and the program's pid.
fn start_ticker(dir: &TestDir, trace: &Path, lines: usize) -> (Spawned, i32) {
    let mut cmd = dir.rewind();
    cmd.arg("record")
        .arg("-o")
        .arg(trace)
        .arg(c_program("ticker"))
        .args(["1000000", "1000"]);
    let mut rec = Spawned::start(cmd, None);
    let want = format!("tick {:06} ", lines - 1);
    rec.wait_for_stdout(&format!("{lines} lines"), |out| {
        String::from_utf8_lossy(out).contains(&want)
    });
    let first = String::from_utf8_lossy(&rec.stdout_so_far())
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let pid: i32 = first
        .strip_prefix("ticker pid ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    (rec, pid)
}

#[test]
fn recorder_killed_with_sigkill() {
    let dir = TestDir::new("recorder_killed");
    let trace = dir.join("trace");
    let (mut rec, _pid) = start_ticker(&dir, &trace, 200);
    rec.signal(libc::SIGKILL);
    let status = rec.wait_exit();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    let recorded = rec.stdout_so_far();
    drop(rec); // kills anything left in its process group

    let rep = replay(&dir, &trace);
    rep.assert_no_panic();
    assert!(
        mentions_any(&rep.stderr_str(), ENDED_EARLY),
        "replay must say where the incomplete trace ended\n{}",
        rep.describe()
    );
    assert_prefix(&rep.stdout, &recorded, &rep);
    assert!(
        rep.stdout.starts_with(b"ticker pid ") && rep.stdout_str().contains("\ntick 000000 "),
        "the partial trace must replay the output it holds\n{}",
        rep.describe()
    );
}

#[test]
fn program_does_not_outlive_killed_recorder() {
    let dir = TestDir::new("recorder_killed_orphan");
    let trace = dir.join("trace");
    let (rec, pid) = start_ticker(&dir, &trace, 20);
    rec.signal(libc::SIGKILL);
    // The program shares the recorder's stdout pipe: `wait` returns once both
    // are gone, and fails (after a grace period) if the program keeps running.
    let out = rec.wait();
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGKILL),
        "recorded program was pid {pid}"
    );
}

#[test]
fn program_killed_with_sigkill() {
    let dir = TestDir::new("program_killed");
    let trace = dir.join("trace");
    let (rec, pid) = start_ticker(&dir, &trace, 50);
    // SAFETY: kill(2) of the recorded program, whose pid it printed.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    let rec = rec.wait();
    rec.assert_no_panic();
    rec.assert_code(137);
    // The recorder saw the program die: the trace is complete.
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    assert!(
        rep.stderr_str().contains("SIGKILL"),
        "replay -a should report that the program was killed by SIGKILL\n{}",
        rep.describe()
    );
}

#[test]
fn newer_format_version_is_refused() {
    // The header file starts with an 8-byte magic followed by the format
    // version (u32, little-endian); pretend a future rewind wrote it.
    let dir = TestDir::new("newer_version");
    let (good, _rec) = record_program(&dir, "hello", &[]);
    let newer = dir.join("newer");
    copy_tree(&good, &newer);
    let header = newer.join("header");
    let mut bytes = std::fs::read(&header).unwrap();
    assert!(bytes.len() > 12, "header too short: {} bytes", bytes.len());
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    bytes[8..12].copy_from_slice(&(version + 1000).to_le_bytes());
    std::fs::write(&header, bytes).unwrap();

    for args in [&["replay", "-a"][..], &["info"], &["dump"]] {
        let mut cmd = dir.rewind();
        cmd.args(args).arg(&newer);
        let out = run(cmd, None);
        out.assert_no_panic();
        assert_ne!(out.code(), Some(0), "{}", out.describe());
        assert!(
            mentions_any(&out.stderr_str(), &["newer"])
                && out.stderr_str().contains(&(version + 1000).to_string()),
            "rewind {args:?} must say the trace comes from a newer format version\n{}",
            out.describe()
        );
    }
}

/// The offset in the ELF file `exe` of the bytes of `symbol`.
fn symbol_file_offset(exe: &Path, symbol: &str) -> usize {
    use object::{Object, ObjectSection, ObjectSymbol};
    let data = std::fs::read(exe).unwrap();
    let file = object::File::parse(&*data).expect("parse ELF file");
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(symbol))
        .unwrap_or_else(|| panic!("no symbol {symbol} in {}", exe.display()));
    let section = file
        .section_by_index(sym.section_index().expect("symbol has a section"))
        .unwrap();
    let (offset, _) = section.file_range().expect("section has file contents");
    (offset + sym.address() - section.address()) as usize
}

#[test]
fn divergence_from_tampered_executable_is_reported() {
    // Record `repeat` (five lines), then change the number of lines in the
    // trace's saved copy of the executable. The replayed program now makes
    // other system calls than the recorded one: rewind must stop and say so.
    let dir = TestDir::new("divergence");
    let exe = c_program("repeat");
    let (trace, rec) = record_program(&dir, "repeat", &[]);
    rec.assert_code(0);
    assert_eq!(rec.stdout_str().lines().count(), 5, "{}", rec.describe());

    let original = std::fs::read(&exe).unwrap();
    let files = trace.join("files");
    let saved = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read(p).is_ok_and(|d| d == original))
        .unwrap_or_else(|| {
            panic!(
                "no file in {} is a copy of the executable: {:?}",
                files.display(),
                listing(&files)
            )
        });
    let at = symbol_file_offset(&exe, "repeats");
    assert_eq!(original[at..at + 4], 5i32.to_le_bytes());
    let mut patched = original.clone();
    patched[at..at + 4].copy_from_slice(&3i32.to_le_bytes());
    // A new file renamed over the saved one, so that a hard link to the
    // original executable is not modified.
    let tmp = files.join("patched.tmp");
    std::fs::write(&tmp, &patched).unwrap();
    let perms = std::fs::metadata(&saved).unwrap().permissions();
    std::fs::set_permissions(&tmp, perms).unwrap();
    std::fs::rename(&tmp, &saved).unwrap();
    // The saved files' identities would refuse the changed copy up front
    // (tests/identity.rs); without them, as in a trace recorded before they
    // were kept, the replay itself must find the difference.
    std::fs::remove_file(trace.join("files.ids")).unwrap();

    let rep = replay(&dir, &trace);
    rep.assert_no_panic();
    assert_ne!(
        rep.code(),
        Some(0),
        "the replay of a program that behaves differently must not succeed\n{}",
        rep.describe()
    );
    let err = rep.stderr_str();
    assert!(
        mentions_any(&err, &["diverge"]) && mentions_any(&err, &["event"]),
        "the replay must report a divergence and the event where it happened\n{}",
        rep.describe()
    );
}

#[test]
fn other_architecture_trace_is_refused() {
    // The header is: 8-byte magic, format version (u32 LE), CRC32 of the
    // body (u32 LE), then the body, whose first byte is the architecture
    // (0 = x86_64, 1 = aarch64). Make the trace claim the other architecture.
    let dir = TestDir::new("other_arch");
    let (good, _rec) = record_program(&dir, "hello", &[]);
    let other = dir.join("other");
    copy_tree(&good, &other);
    let header = other.join("header");
    let mut bytes = std::fs::read(&header).unwrap();
    assert!(bytes.len() > 16, "header too short: {} bytes", bytes.len());
    let (ours, theirs) = match bytes[16] {
        0 => ("x86_64", "aarch64"),
        1 => ("aarch64", "x86_64"),
        b => panic!("unexpected architecture byte {b}"),
    };
    bytes[16] ^= 1;
    let crc = crc32fast::hash(&bytes[16..]);
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&header, bytes).unwrap();

    let rep = replay(&dir, &other);
    rep.assert_no_panic();
    assert_ne!(rep.code(), Some(0), "{}", rep.describe());
    let err = rep.stderr_str();
    assert!(
        err.contains(theirs) && err.contains(ours),
        "replay must say the trace is from {theirs} and this machine is {ours}\n{}",
        rep.describe()
    );
}
