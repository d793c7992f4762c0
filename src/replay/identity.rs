//! Before a replay starts: the machine must be able to reproduce the
//! recording. The replay is bound to the CPU the recording was (CPUID
//! answers differ between cores: the APIC id), this machine's CPU features
//! are compared with the recorded ones, and every file the trace saved is
//! checked against what it was when saved. Each refusal says what differs
//! and what to do.

use crate::arch::cpu::{judge_features, plan_cpu, CpuSituation};
use crate::arch::Arch;
use crate::trace::TraceReader;
use crate::tracee::sys;

use super::{ReplayError, Result};

/// How a replay treats this machine.
#[derive(Clone, Debug, Default)]
pub struct ReplayOptions {
    /// Bind the replay to this CPU rather than the recorded one.
    pub cpu: Option<usize>,
    /// Go on (with a warning) when this machine's CPU features differ from
    /// the recording machine's.
    pub ignore_cpu_mismatch: bool,
}

/// How the replayed processes run.
#[derive(Clone, Copy, Debug)]
pub(super) struct Machine {
    /// The CPU they are bound to.
    pub cpu: usize,
    /// CPUID faults in them, and its answers come from the trace.
    pub trap_cpuid: bool,
}

/// Choose the CPU, bind rewind to it, decide about CPUID, compare the CPU
/// features, check the saved files.
pub(super) fn prepare(reader: &TraceReader, opts: &ReplayOptions) -> Result<Machine> {
    let h = reader.header();
    let trap_cpuid = crate::arch::cpu::CpuidMode::replay_traps(
        h.cpuid_mode,
        crate::tracee::cpu::cpuid_faulting(),
    )
    .map_err(ReplayError::Refused)?;
    let plan = plan_cpu(&CpuSituation {
        recorded_cpu: h.cpu.map(|c| c as usize),
        requested_cpu: opts.cpu,
        available: sys::allowed_cpus(),
        current: sys::current_cpu(),
        ignore_mismatch: opts.ignore_cpu_mismatch,
        cpuid_recorded: trap_cpuid,
    })
    .map_err(ReplayError::Refused)?;
    sys::pin_to_cpu(plan.cpu).map_err(|e| {
        ReplayError::Refused(format!("cannot bind rewind to CPU {}: {e}", plan.cpu))
    })?;
    for w in &plan.warnings {
        eprintln!("rewind: warning: {w}");
    }
    let here = crate::tracee::cpu::this_machine(Arch::host());
    let diffs = crate::arch::cpu::compare(h.arch, &h.cpu_facts(), &here);
    match judge_features(&diffs, opts.ignore_cpu_mismatch, plan.cpu, trap_cpuid) {
        Ok(Some(w)) => eprintln!("rewind: warning: {w}"),
        Ok(None) => {}
        Err(refusal) => return Err(ReplayError::Refused(refusal)),
    }
    let t = std::time::Instant::now();
    let checked = crate::trace::files::check_saved_files(reader.dir())
        .map_err(|c| ReplayError::Refused(c.message()))?;
    log::info!(
        "saved files {} in {:.1} ms",
        if checked {
            "checked"
        } else {
            "not checked (the trace kept no identities)"
        },
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(Machine {
        cpu: plan.cpu,
        trap_cpuid,
    })
}
