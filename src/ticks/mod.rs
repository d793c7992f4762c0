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
