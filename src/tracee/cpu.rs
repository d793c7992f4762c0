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
