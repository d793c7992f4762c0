//! The reverse-execution engine, driven directly (no debugger): every
//! point reached going backwards is the very point seen going forwards,
//! with identical registers and memory.

use std::path::{Path, PathBuf};
use std::process::Command;

use rewind::replay::{Echo, PointKind, RunMode, StopReason};
use rewind::timeline::Timeline;

const REWIND: &str = env!("CARGO_BIN_EXE_rewind");
/// Where the kernel loads a position-independent executable when address
/// randomization is off, as it is under rewind.
const PIE_BASE: u64 = 0x5555_5555_4000;

struct Demo {
    dir: PathBuf,
    exe: PathBuf,
    trace: PathBuf,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn record_demo(name: &str) -> Demo {
    let dir = std::env::temp_dir().join(format!("rewind-timeline-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let exe = dir.join("demo");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/demo.c");
    let st = Command::new("gcc")
        .args(["-g", "-O0", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("run gcc");
    assert!(st.success(), "gcc failed");
    let trace = dir.join("trace");
    let out = Command::new(REWIND)
        .arg("record")
        .arg("-o")
        .arg(&trace)
        .arg(&exe)
        .output()
        .expect("run rewind record");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Demo { dir, exe, trace }
}

/// The run-time address of a symbol of the demo executable.
fn symbol(exe: &Path, name: &str) -> u64 {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(exe).expect("read exe");
    let file = object::File::parse(&*data).expect("parse ELF");
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok(name))
        .unwrap_or_else(|| panic!("no symbol {name}"));
    PIE_BASE + sym.address()
}

fn regs(t: &Timeline) -> rewind::arch::regs::Regs {
    t.session().regs().expect("registers")
}

fn read_u64(t: &Timeline, addr: u64) -> u64 {
    let b = t.session().read_mem(addr, 8);
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

/// The first argument register at a breakpoint on accumulate(i): i.
fn arg0(t: &Timeline) -> u64 {
    regs(t).syscall_args()[0]
}

#[test]
fn reverse_continue_returns_to_identical_breakpoint_hits() {
    let demo = record_demo("revcont");
    let accumulate = symbol(&demo.exe, "accumulate");
    let total = symbol(&demo.exe, "total");
    let mut t = Timeline::open(&demo.trace, Echo::Off).expect("open");
    let start = regs(&t);
    t.add_breakpoint(accumulate).expect("breakpoint");

    let mut seen = Vec::new();
    for i in 1..=4 {
        assert_eq!(
            t.run(RunMode::Continue).expect("run"),
            StopReason::Breakpoint(accumulate)
        );
        assert_eq!(arg0(&t), i);
        seen.push((regs(&t), read_u64(&t, total)));
    }
    // Back through hits 3, 2, 1: the same registers and memory each time.
    for i in (1..=3).rev() {
        assert_eq!(
            t.reverse(RunMode::Continue).expect("reverse"),
            StopReason::Breakpoint(accumulate)
        );
        assert_eq!(arg0(&t), i as u64);
        assert_eq!((regs(&t), read_u64(&t, total)), seen[i - 1], "hit {i}");
    }
    // Before the first hit there is only the start.
    assert_eq!(
        t.reverse(RunMode::Continue).expect("reverse"),
        StopReason::HistoryStart
    );
    assert_eq!(regs(&t), start);
    // Forward again: the same hits.
    for i in 1..=2 {
        assert_eq!(
            t.run(RunMode::Continue).expect("run"),
            StopReason::Breakpoint(accumulate)
        );
        assert_eq!(
            (regs(&t), read_u64(&t, total)),
            seen[i - 1],
            "hit {i} again"
        );
    }
}

#[test]
fn reverse_step_goes_back_one_instruction() {
    let demo = record_demo("revstep");
    let accumulate = symbol(&demo.exe, "accumulate");
    let mut t = Timeline::open(&demo.trace, Echo::Off).expect("open");
    t.add_breakpoint(accumulate).expect("breakpoint");
    t.run(RunMode::Continue).expect("run");
    t.run(RunMode::Continue).expect("run");
    let at_hit = regs(&t);
    // Forward a few instructions, noting each point.
    let mut trail = vec![at_hit];
    for _ in 0..5 {
        assert_eq!(t.run(RunMode::Step).expect("step"), StopReason::Step);
        trail.push(regs(&t));
    }
    // Back one by one through the same points.
    for k in (0..5).rev() {
        assert_eq!(
            t.reverse(RunMode::Step).expect("reverse step"),
            StopReason::Step
        );
        assert_eq!(regs(&t), trail[k], "{k} steps after the hit");
    }
    // One more: the call instruction in main, just before accumulate.
    assert_eq!(
        t.reverse(RunMode::Step).expect("reverse step"),
        StopReason::Step
    );
    let caller = regs(&t);
    assert_ne!(caller.ip(), accumulate);
    assert_eq!(
        caller.sp(),
        at_hit.sp() + 8,
        "before the call pushed its return address"
    );
    assert_eq!(t.run(RunMode::Step).expect("step"), StopReason::Step);
    assert_eq!(regs(&t), at_hit);
}

#[test]
fn watchpoint_reverse_continue_finds_the_last_write() {
    let demo = record_demo("revwatch");
    let total = symbol(&demo.exe, "total");
    let mut t = Timeline::open(&demo.trace, Echo::Off).expect("open");
    // To the end of the recording.
    loop {
        match t.run(RunMode::Continue).expect("run") {
            StopReason::End(_) => break,
            _ => continue,
        }
    }
    assert!(t.add_hw_point(total, 8, PointKind::Write).expect("watch"));
    // Going back, a watchpoint stops before the write it found, at the
    // writing instruction: the last write made total 385 (1 + 4 + ... +
    // 100), so it still holds 285 there.
    match t.reverse(RunMode::Continue).expect("reverse") {
        StopReason::Watch { addr, .. } => assert_eq!(addr, total),
        other => panic!("expected a watchpoint stop, got {other:?}"),
    }
    assert_eq!(read_u64(&t, total), 285);
    // Exactly one instruction before it: one step forward writes.
    assert!(matches!(
        t.run(RunMode::Step).expect("step"),
        StopReason::Watch { .. }
    ));
    assert_eq!(read_u64(&t, total), 385);
    assert!(matches!(
        t.reverse(RunMode::Step).expect("reverse-step"),
        StopReason::Step
    ));
    assert_eq!(read_u64(&t, total), 285);
    // The write before: 204 before it.
    assert!(matches!(
        t.reverse(RunMode::Continue).expect("reverse"),
        StopReason::Watch { .. }
    ));
    assert_eq!(read_u64(&t, total), 204);
    // Forward from here, the next write is that same one.
    assert!(matches!(
        t.run(RunMode::Continue).expect("run"),
        StopReason::Watch { .. }
    ));
    assert_eq!(read_u64(&t, total), 285);
}

#[test]
fn checkpoints_and_goto_return_to_identical_states() {
    let demo = record_demo("checkpoints");
    let accumulate = symbol(&demo.exe, "accumulate");
    let total = symbol(&demo.exe, "total");
    let mut t = Timeline::open(&demo.trace, Echo::Off).expect("open");
    t.add_breakpoint(accumulate).expect("breakpoint");
    for _ in 0..3 {
        t.run(RunMode::Continue).expect("run");
    }
    let here = (regs(&t), read_u64(&t, total), t.when());
    let id = t.checkpoint().expect("checkpoint");
    for _ in 0..4 {
        t.run(RunMode::Continue).expect("run");
    }
    assert_ne!(read_u64(&t, total), here.1);
    t.restore_checkpoint(id).expect("restore");
    assert_eq!((regs(&t), read_u64(&t, total), t.when()), here);
    assert_eq!(t.checkpoints().len(), 1);
    t.delete_checkpoint(id).expect("delete");
    assert!(t.restore_checkpoint(id).is_err());

    // goto an event and back to the start.
    let events = t.session().event_count();
    t.goto_event(events / 2).expect("goto");
    assert_eq!(t.when(), events / 2);
    t.restart().expect("restart");
    assert_eq!(t.when(), 1);
    assert!(t.goto_event(events + 10).is_err());
}
