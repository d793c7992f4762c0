//! How progress is counted between events.
//!
//! With a hardware performance counter, retired conditional branches are
//! counted per thread; the count at every event is stored in the trace and
//! compared at replay. Without one (most VMs and CI runners), positions
//! between syscalls are anchored by registers instead (see `replay/`).
//! The mode is chosen automatically and recorded in the trace header.

pub mod hits;
pub mod pmu;

use crate::trace::TickMode;

/// Choose the tick mode for this machine: the branch counter when the CPU
/// is known and the kernel lets us open it, else register anchors.
pub fn detect() -> TickMode {
    if std::env::var_os("REWIND_NO_PMU").is_some() {
        return TickMode::Anchors;
    }
    let Some(cpu) = pmu::CpuModel::host() else {
        return TickMode::Anchors;
    };
    let Some(event) = pmu::branch_event(&cpu) else {
        return TickMode::Anchors;
    };
    match pmu::Counter::open(0, event) {
        // A counter that opens but counts nothing (an emulated CPU's PMU,
        // where only cycles move) would anchor nothing.
        Ok(c) if !counts_branches(&c) => {
            log::info!(
                "the branch counter (event {event:#x}) counts nothing here: using register anchors"
            );
            TickMode::Anchors
        }
        Ok(_) => TickMode::Pmu {
            event,
            cpu: cpu.describe(),
        },
        Err(e) => {
            log::info!("branch counter unavailable: {e}");
            TickMode::Anchors
        }
    }
}

/// Whether `counter`, on this thread, moves over a loop of conditional
/// branches.
fn counts_branches(counter: &pmu::Counter) -> bool {
    let Ok(before) = counter.read() else {
        return false;
    };
    let mut odd = 0u64;
    for i in 0..10_000u64 {
        if std::hint::black_box(i) % 3 == 1 {
            odd += 1;
        }
    }
    std::hint::black_box(odd);
    counter.read().is_ok_and(|after| after > before)
}

/// One sentence for the user about the mode.
pub fn mode_message(mode: &TickMode) -> String {
    match mode {
        TickMode::Pmu { .. } => format!("rewind: progress counted by {}", mode.describe()),
        TickMode::Anchors => "rewind: no hardware performance counter here; \
             positions between syscalls are found by register anchors \
             (see \"Progress counting and its limits\" in docs/architecture.md)"
            .to_string(),
    }
}
