//! Positions between syscalls, without a hardware counter: a replay finds
//! each recorded switch point, or stops in bounded time with a message
//! that names the event it could not reach; it never searches without end.

mod common;

use common::*;
use rewind::trace::{Event, TraceReader};

#[test]
fn a_switch_point_that_cannot_be_found_stops_the_replay_naming_its_event() {
    // A bound of 2000 arrivals stands for the default one (1.5 million,
    // some 30 s of stops) so that the test is quick.
    let dir = TestDir::with_env("spin-hash", &[("REWIND_MAX_ANCHOR_VISITS", "2000")]);
    let (trace, rec) = record_program(&dir, "spin_hash", &[]);
    rec.assert_code(0);
    let events = TraceReader::open(&trace).unwrap().read_all().unwrap().0;
    let Some(preempt) = events
        .iter()
        .position(|e| matches!(e, Event::Preempt { .. }))
    else {
        skip(
            "a_switch_point_that_cannot_be_found",
            "the hashing thread was never switched out while recording",
        );
        return;
    };
    let rep = replay(&dir, &trace);
    rep.assert_no_panic();
    assert_ne!(rep.code(), Some(0), "{}", rep.describe());
    let err = rep.stderr_str();
    assert!(
        err.contains("diverged") && err.contains(&format!("event {preempt}")),
        "the replay must name the switch point's event ({preempt}):\n{}",
        rep.describe()
    );
    assert!(err.contains("2000 times"), "{}", rep.describe());
    // The program's output after that point never appeared.
    assert!(
        !rep.stdout_str().contains("hashed to"),
        "{}",
        rep.describe()
    );
}
