//! The program's output at replay: whatever path a write took to rewind's
//! own stdout or stderr (a dup, `/dev/stdout` reopened, `/proc/self/fd/N`,
//! writev, sendfile, splice, tee, a thread, a child process), the replay
//! shows the same bytes in the same order; what went into a pipe of the
//! program's own is not shown; and bytes that differ from the recording's
//! stop the replay at that write.

mod common;

use common::*;
use rewind::trace::{Event, TraceReader};

/// The lines the program sends to stdout, in order, each through its own
/// path (see tests/programs/output_paths.c).
const STDOUT_LINES: &[&str] = &[
    "fd 1 itself",
    "a dup of fd 1",
    "/dev/stdout reopened",
    "/proc/self/fd/1 reopened",
    "writev of three pieces to /dev/stdout",
    "sendfile from a file without an offset",
    "sendfile from a file at an offset",
    "splice from a file",
    "copy_file_range from a file",
    "sendfile 39 34, offset now 73",
    "a stdio FILE on /dev/stdout, number 42",
    "from a thread, through /dev/stdout",
    "the parent got from its child: piped child line",
    "spliced from a pipe",
    "teed from a pipe",
    "still in the pipe after tee: teed from a pipe",
    "done",
];

const STDERR_LINES: &[&str] = &[
    "fd 2 itself",
    "an F_DUPFD copy of fd 2",
    "/dev/stderr reopened",
    "from a child process, through /proc/self/fd/2",
];

#[test]
fn output_is_replayed_however_it_was_written() {
    let dir = TestDir::new("output-paths");
    let scratch = dir.subdir("scratch");
    let (trace, rec) = record_program(&dir, "output_paths", &[scratch.to_str().unwrap()]);
    rec.assert_code(0);
    // The recording itself: every line once, in order (pwrite to a pipe
    // fails, so its line reports the error).
    let lines: Vec<String> = rec
        .stdout_str()
        .lines()
        .filter(|l| !l.starts_with("pwrite returned"))
        .map(str::to_string)
        .collect();
    assert_eq!(lines, STDOUT_LINES, "{}", rec.describe());

    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
    for line in STDERR_LINES {
        assert_stderr_line_replayed(&rec, &rep, line);
    }
    // The child's write into the parent's pipe is not rewind's output.
    assert_eq!(
        rep.stdout_str().matches("piped child line").count(),
        1,
        "{}",
        rep.describe()
    );
}

#[test]
fn bytes_that_differ_from_the_recording_stop_the_replay_at_that_write() {
    let dir = TestDir::new("output-diverges");
    let (trace, rec) = record_program(&dir, "hello", &[]);
    rec.assert_code(0);
    // The recorded checksum of the first write to stdout no longer matches
    // what the program writes: as if the replayed program computed other
    // bytes.
    let events = TraceReader::open(&trace).unwrap().read_all().unwrap().0;
    let target = events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::Written {
                    stream: Some(1),
                    ..
                }
            )
        })
        .expect("hello writes to stdout");
    let bad = dir.join("bad");
    rewrite_trace(&trace, &bad, |events| {
        if let Some(Event::Written { crc, .. }) = events.get_mut(target) {
            *crc ^= 1;
        }
    });
    let rep = replay(&dir, &bad);
    rep.assert_no_panic();
    assert_ne!(rep.code(), Some(0), "{}", rep.describe());
    let err = rep.stderr_str();
    assert!(
        err.contains("diverged") && err.contains(&format!("event {target}")),
        "the replay must name the write's event ({target}):\n{}",
        rep.describe()
    );
    assert!(err.contains("write(1"), "{}", rep.describe());
    // Nothing of that write reached the output: the replay stopped there.
    assert!(
        !rep.stdout_str().contains("hello, world"),
        "{}",
        rep.describe()
    );
    // The untouched trace still replays.
    assert_replay_faithful(&rec, &replay(&dir, &trace));
}
