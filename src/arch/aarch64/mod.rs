//! aarch64 facts: registers, syscalls, instructions. Plain data, compiled and
//! tested on every host.

pub mod cpu;
pub mod regs;
pub mod syscalls;

/// `svc #0`, little-endian.
pub const SYSCALL_INSN: [u8; 4] = [0x01, 0x00, 0x00, 0xd4];
/// `brk #0`, little-endian.
pub const BREAKPOINT_INSN: [u8; 4] = [0x00, 0x00, 0x20, 0xd4];

/// `NT_PRFPREG`: the regset of the FP/SIMD registers (v0-v31, fpsr, fpcr).
pub const NT_PRFPREG: u32 = 2;
/// `NT_ARM_SYSTEM_CALL`: the regset of the syscall number (an int), which
/// a tracer changes to skip a syscall (-1) or run another.
pub const NT_ARM_SYSTEM_CALL: u32 = 0x404;

/// If `insn` is `MRS Xt, CNTVCT_EL0` (or CNTVCTSS_EL0), the destination
/// register number. Such reads of the virtual counter cannot be trapped by
/// kernels before 6.12, so they must be found and patched, or refused.
pub fn mrs_cntvct_target(insn: u32) -> Option<u8> {
    // MRS <Xt>, <sysreg>: 1101 0101 0011 op0(1) op1(3) CRn(4) CRm(4) op2(3) Rt(5)
    const MRS_MASK: u32 = 0xfff0_0000;
    const MRS_BITS: u32 = 0xd530_0000;
    if insn & MRS_MASK != MRS_BITS {
        return None;
    }
    let sysreg = (insn >> 5) & 0x7fff;
    // CNTVCT_EL0 = op0 3, op1 3, CRn 14, CRm 0, op2 2; CNTVCTSS_EL0 op2 6.
    const CNTVCT: u32 = (1 << 14) | (3 << 11) | (14 << 7) | 2;
    const CNTVCTSS: u32 = (1 << 14) | (3 << 11) | (14 << 7) | 6;
    if sysreg == CNTVCT || sysreg == CNTVCTSS {
        Some((insn & 0x1f) as u8)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cntvct_reads() {
        // mrs x0, cntvct_el0 = d53be040; mrs x3, cntvct_el0 = d53be043
        assert_eq!(mrs_cntvct_target(0xd53b_e040), Some(0));
        assert_eq!(mrs_cntvct_target(0xd53b_e043), Some(3));
        // mrs x1, cntfrq_el0 = d53be001 is not a counter read
        assert_eq!(mrs_cntvct_target(0xd53b_e001), None);
        // nop
        assert_eq!(mrs_cntvct_target(0xd503_201f), None);
    }
}
