//! Software breakpoints as data: the trapping instruction each
//! architecture has, how long it is, where the program counter is after it
//! traps, and the program's bytes it replaced.
//!
//! x86_64: `int3` (one byte, `cc`); after the trap the instruction pointer
//! is just past it, and the kernel reports `SI_KERNEL`. aarch64: `brk #0`
//! (four bytes, aligned); after the trap the program counter is at it, and
//! the kernel reports `TRAP_BRKPT`.

use super::{aarch64, x86_64, Arch};

/// The longest breakpoint instruction of any architecture.
pub const MAX_LEN: usize = 4;

/// `SI_KERNEL`: the code of the SIGTRAP an x86 `int3` raises.
const SI_KERNEL: i32 = 0x80;
/// `TRAP_BRKPT`: the code of the SIGTRAP an aarch64 `brk` raises.
const TRAP_BRKPT: i32 = 1;

/// The program's bytes that a breakpoint instruction replaced (as many as
/// the architecture's breakpoint instruction has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saved {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl Saved {
    /// The bytes read at a breakpoint's address (the first [`MAX_LEN`]).
    pub fn new(bytes: &[u8]) -> Saved {
        let len = bytes.len().min(MAX_LEN);
        let mut b = [0; MAX_LEN];
        b[..len].copy_from_slice(&bytes[..len]);
        Saved {
            bytes: b,
            len: len as u8,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Put these bytes, saved at address `at`, back into `buf`, which
    /// holds memory read from `addr`, where the two overlap (hiding the
    /// breakpoint from whoever reads the program's memory).
    pub fn hide_in(&self, at: u64, buf: &mut [u8], addr: u64) {
        for (i, &b) in self.bytes().iter().enumerate() {
            let a = at.wrapping_add(i as u64);
            if a >= addr && a - addr < buf.len() as u64 {
                buf[(a - addr) as usize] = b;
            }
        }
    }
}

/// The first address from which a breakpoint may overlap memory read from
/// `addr` on: breakpoints at this address or above, below the read's end,
/// are the ones to hide.
pub fn overlap_start(addr: u64) -> u64 {
    addr.saturating_sub(MAX_LEN as u64 - 1)
}

impl Arch {
    /// The software breakpoint instruction's bytes.
    pub fn breakpoint_insn(self) -> &'static [u8] {
        match self {
            Arch::X86_64 => &[x86_64::BREAKPOINT_INSN],
            Arch::Aarch64 => &aarch64::BREAKPOINT_INSN,
        }
    }

    /// The length of the breakpoint instruction in bytes.
    pub fn breakpoint_len(self) -> usize {
        self.breakpoint_insn().len()
    }

    /// Whether a software breakpoint can be put at `addr` (aarch64
    /// instructions are 4-byte aligned; x86 ones go anywhere).
    pub fn breakpoint_fits(self, addr: u64) -> bool {
        match self {
            Arch::X86_64 => true,
            Arch::Aarch64 => addr.is_multiple_of(4),
        }
    }

    /// The `si_code` of the SIGTRAP the breakpoint instruction raises.
    pub fn breakpoint_trap_code(self) -> i32 {
        match self {
            Arch::X86_64 => SI_KERNEL,
            Arch::Aarch64 => TRAP_BRKPT,
        }
    }

    /// The address of the breakpoint instruction that trapped, from the
    /// program counter the trap left (x86_64: just past the `int3`;
    /// aarch64: at the `brk`).
    pub fn breakpoint_from_trap(self, pc: u64) -> u64 {
        match self {
            Arch::X86_64 => pc.wrapping_sub(x86_64::BREAKPOINT_INSN_LEN),
            Arch::Aarch64 => pc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_architecture_has_its_breakpoint_instruction() {
        assert_eq!(Arch::X86_64.breakpoint_insn(), &[0xcc]);
        // brk #0 = 0xd4200000, little-endian.
        assert_eq!(
            Arch::Aarch64.breakpoint_insn(),
            &0xd420_0000u32.to_le_bytes()
        );
        assert!(Arch::X86_64.breakpoint_len() <= MAX_LEN);
        assert!(Arch::Aarch64.breakpoint_len() <= MAX_LEN);
    }

    #[test]
    fn the_trapping_breakpoint_is_found_from_the_pc() {
        assert_eq!(Arch::X86_64.breakpoint_from_trap(0x1001), 0x1000);
        assert_eq!(Arch::Aarch64.breakpoint_from_trap(0x1000), 0x1000);
        assert_eq!(Arch::X86_64.breakpoint_trap_code(), 0x80);
        assert_eq!(Arch::Aarch64.breakpoint_trap_code(), 1);
    }

    #[test]
    fn aarch64_breakpoints_are_aligned() {
        assert!(Arch::Aarch64.breakpoint_fits(0x4000));
        assert!(!Arch::Aarch64.breakpoint_fits(0x4002));
        assert!(Arch::X86_64.breakpoint_fits(0x4003));
    }

    #[test]
    fn saved_bytes_are_hidden_where_they_overlap_a_read() {
        let saved = Saved::new(&[1, 2, 3, 4]);
        assert_eq!(saved.bytes(), &[1, 2, 3, 4]);
        // The read starts in the middle of the breakpoint.
        let mut buf = [0xd4u8; 4];
        saved.hide_in(0x1000, &mut buf, 0x1002);
        assert_eq!(buf, [3, 4, 0xd4, 0xd4]);
        // The read ends in the middle of it.
        let mut buf = [0u8; 3];
        saved.hide_in(0x1002, &mut buf, 0x1000);
        assert_eq!(buf, [0, 0, 1]);
        // One byte.
        let one = Saved::new(&[0x55]);
        let mut buf = [0xccu8; 2];
        one.hide_in(0x2001, &mut buf, 0x2000);
        assert_eq!(buf, [0xcc, 0x55]);
        assert_eq!(overlap_start(0x1002), 0x0fff);
        assert_eq!(overlap_start(1), 0);
    }
}
