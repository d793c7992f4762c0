//! This machine's CPU identity, as a recording keeps it and a replay
//! compares it: the CPUID leaves the architecture names (executed on the
//! CPU rewind is bound to), the auxv capability words, and whether CPUID
//! can be made to fault.

use crate::arch::cpu::{CpuFacts, CpuidFaulting};
use crate::arch::Arch;

use super::sys;

/// The CPU identity seen from the CPU the calling thread runs on (bind it
/// first: CPUID answers differ between cores).
pub fn this_machine(arch: Arch) -> CpuFacts {
    let mut cpuid = Vec::new();
    let max = sys::cpuid_if_any(0, 0).map_or(0, |r| r[0]);
    let max_ext = sys::cpuid_if_any(0x8000_0000, 0).map_or(0, |r| r[0]);
    for &(leaf, sub) in arch.cpuid_leaves() {
        let limit = if leaf >= 0x8000_0000 { max_ext } else { max };
        if leaf > limit {
            continue;
        }
        if let Some(r) = sys::cpuid_if_any(leaf, sub) {
            cpuid.push((leaf, sub, arch.cpuid_core_independent(leaf, r)));
        }
    }
    let auxv = arch
        .hwcap_keys()
        .iter()
        .map(|&k| (k, sys::auxv_value(k)))
        .collect();
    CpuFacts { cpuid, auxv }
}

/// Whether this machine's kernel can make CPUID fault.
pub fn cpuid_faulting() -> CpuidFaulting {
    CpuidFaulting::from_probe(sys::probe_cpuid_faulting())
}

/// Make CPUID fault (SIGSEGV) in the program `task` runs, which is stopped
/// at its first instruction after an exec (the kernel turns faulting off
/// at every exec, and fork and clone inherit it): at the exec event stop
/// (`at_exec_event`, where the execve has yet to return: it is first run
/// to its exit, which would overwrite the result register) or at the
/// execve's exit. The syscall `arch_prctl(ARCH_SET_CPUID, 0)` is run in the
/// task from a syscall instruction written over its first instruction for
/// the time of the call; memory and registers are put back.
pub fn make_cpuid_fault(
    task: &super::Task,
    arch: Arch,
    at_exec_event: bool,
) -> Result<(), super::TaskError> {
    let failed = |why: String| super::TaskError::Unsupported(why);
    if at_exec_event {
        let regs = task.regs()?;
        task.resume(super::Resume::Syscall, None)?;
        match task.wait()? {
            super::Stop::SyscallExit => {}
            stop => {
                return Err(super::TaskError::UnexpectedStop {
                    tid: task.tid.as_raw(),
                    during: "the exit of the execve that started the program",
                    stop,
                })
            }
        }
        task.set_regs(&regs)?;
    }
    let Some(nr) = arch.syscall_nr("arch_prctl") else {
        return Err(failed(format!("CPUID faulting on {}", arch.name())));
    };
    let ip = task.regs()?.ip();
    let insn = arch.syscall_insn();
    let saved = task.read_mem_exact(ip, insn.len())?;
    task.write_mem(ip, insn)?;
    let r = task.inject_syscall(
        ip,
        nr,
        [
            crate::arch::x86_64::cpu::ARCH_SET_CPUID,
            0,
            0,
            0,
            0,
            super::FILTER_PASS,
        ],
    );
    task.write_mem(ip, &saved)?;
    match r? as i64 {
        0 => Ok(()),
        e => Err(failed(format!(
            "cannot make CPUID fault in the program: arch_prctl(ARCH_SET_CPUID) failed with {}",
            crate::trace::event::errno_name(-e as i32)
        ))),
    }
}
