//! Hardware breakpoints and watchpoints as data: the slots the replay
//! programs (an address, a length, what is watched), and how each
//! architecture's ptrace interface holds them.
//!
//! x86_64: four address registers DR0-DR3 shared by breakpoints and
//! watchpoints, enabled by DR7 (`PTRACE_POKEUSER`); DR6 says which fired.
//! A watchpoint stops after the access; an execution breakpoint before the
//! instruction, which the resume flag lets run once.
//!
//! aarch64: separate banks of breakpoint and watchpoint registers, each an
//! address and a control word (`NT_ARM_HW_BREAK`, `NT_ARM_HW_WATCH`
//! through `PTRACE_GETREGSET`/`SETREGSET`); the trap's `si_addr` says what
//! fired. Both stop before the instruction, which must be stepped with the
//! point disabled to get past it.

use super::Arch;

/// The slots the replay shares among the debugger's points (x86: DR0-DR3;
/// aarch64: the first four of each bank, execution slots in breakpoint
/// registers and data slots in watchpoint registers).
pub const SLOTS: usize = 4;

/// What a slot watches. x86 has no read-only condition: reads are watched
/// as accesses and filtered by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Instruction execution.
    Exec,
    /// Data writes.
    Write,
    /// Data reads or writes.
    Access,
}

/// One programmed slot: a naturally aligned 1, 2, 4 or 8-byte range (or
/// an instruction's address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub addr: u64,
    pub len: u64,
    pub cond: Condition,
}

/// `NT_ARM_HW_BREAK`: the regset of the aarch64 breakpoint registers.
pub const NT_ARM_HW_BREAK: u32 = 0x402;
/// `NT_ARM_HW_WATCH`: the regset of the aarch64 watchpoint registers.
pub const NT_ARM_HW_WATCH: u32 = 0x403;
/// `TRAP_HWBKPT`: the code of the SIGTRAP of an aarch64 hardware
/// breakpoint or watchpoint.
pub const TRAP_HWBKPT: i32 = 4;

/// The DR7 bits that enable x86 slot `slot` with `cond` over `len` bytes
/// (local-enable bit, R/W and LEN fields); None for a length x86 cannot
/// watch.
pub fn dr7_bits(slot: usize, cond: Condition, len: u64) -> Option<u64> {
    let rw: u64 = match cond {
        Condition::Exec => 0b00,
        Condition::Write => 0b01,
        Condition::Access => 0b11,
    };
    let len_bits: u64 = match (cond, len) {
        (Condition::Exec, _) => 0b00,
        (_, 1) => 0b00,
        (_, 2) => 0b01,
        (_, 4) => 0b11,
        (_, 8) => 0b10,
        _ => return None,
    };
    Some((1 << (2 * slot)) | (rw << (16 + 4 * slot)) | (len_bits << (18 + 4 * slot)))
}

/// All DR7 bits that belong to x86 slot `slot`.
pub fn dr7_slot_mask(slot: usize) -> u64 {
    (0b11 << (2 * slot)) | (0b1111 << (16 + 4 * slot))
}

/// An aarch64 debug control word for `slot` and the address to put beside
/// it: enabled, for EL0, the access type (execute 0, load 1, store 2,
/// both 3) and the byte-address-select mask of the watched bytes within
/// their aligned doubleword (an instruction: its four bytes). None for a
/// range that leaves its doubleword.
pub fn aarch64_ctrl(slot: &Slot) -> Option<(u64, u32)> {
    const ENABLED: u32 = 1;
    const EL0: u32 = 0b10 << 1;
    let (ty, addr, bas): (u32, u64, u32) = match slot.cond {
        Condition::Exec => (0, slot.addr, 0xf),
        Condition::Write | Condition::Access => {
            let offset = slot.addr & 7;
            if slot.len == 0 || slot.len > 8 || offset + slot.len > 8 {
                return None;
            }
            let ty = if slot.cond == Condition::Write { 2 } else { 3 };
            (ty, slot.addr - offset, ((1u32 << slot.len) - 1) << offset)
        }
    };
    Some((addr, (bas << 5) | (ty << 3) | EL0 | ENABLED))
}

/// One thread's hardware debug registers as that architecture's ptrace
/// interface holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HwRegs {
    /// DR0-DR3 and DR7.
    X86 { addrs: [u64; SLOTS], dr7: u64 },
    /// The first [`SLOTS`] breakpoint and watchpoint registers: address
    /// and control word each (0: disabled).
    Aarch64 {
        breaks: [(u64, u32); SLOTS],
        watches: [(u64, u32); SLOTS],
    },
}

impl HwRegs {
    /// Nothing armed.
    pub fn disabled(arch: Arch) -> HwRegs {
        match arch {
            Arch::X86_64 => HwRegs::X86 {
                addrs: [0; SLOTS],
                dr7: 0,
            },
            Arch::Aarch64 => HwRegs::Aarch64 {
                breaks: [(0, 0); SLOTS],
                watches: [(0, 0); SLOTS],
            },
        }
    }

    /// Whether nothing is armed.
    pub fn is_disabled(&self) -> bool {
        match self {
            HwRegs::X86 { dr7, .. } => *dr7 & 0xff == 0,
            HwRegs::Aarch64 { breaks, watches } => breaks
                .iter()
                .chain(watches.iter())
                .all(|&(_, ctrl)| ctrl & 1 == 0),
        }
    }
}

/// The size of the header of `struct user_hwdebug_state` (`dbg_info` and
/// padding) and of each of its entries (address, control, padding).
const BANK_HEADER: usize = 8;
const BANK_ENTRY: usize = 16;
/// The most registers a bank has (`ARM_MAX_BRP`, `ARM_MAX_WRP`).
pub const AARCH64_BANK_MAX: usize = 16;

/// An aarch64 bank (`NT_ARM_HW_BREAK` or `NT_ARM_HW_WATCH`) as the kernel
/// gave it: how many registers the thread has, and the first [`SLOTS`];
/// None for bytes too short to be one.
pub fn aarch64_bank_parse(bytes: &[u8]) -> Option<(usize, [(u64, u32); SLOTS])> {
    let info = u32::from_ne_bytes(bytes.get(..4)?.try_into().ok()?);
    let count = (info & 0xff) as usize;
    let mut regs = [(0, 0); SLOTS];
    for (i, r) in regs.iter_mut().enumerate().take(count) {
        let at = BANK_HEADER + i * BANK_ENTRY;
        let Some(e) = bytes.get(at..at + 12) else {
            break;
        };
        *r = (
            u64::from_ne_bytes(e[..8].try_into().ok()?),
            u32::from_ne_bytes(e[8..12].try_into().ok()?),
        );
    }
    Some((count, regs))
}

/// The bytes that set the first `regs.len()` registers of a bank.
pub fn aarch64_bank_bytes(regs: &[(u64, u32)]) -> Vec<u8> {
    let mut v = vec![0u8; BANK_HEADER];
    for &(addr, ctrl) in regs {
        v.extend_from_slice(&addr.to_ne_bytes());
        v.extend_from_slice(&ctrl.to_ne_bytes());
        v.extend_from_slice(&[0; 4]);
    }
    v
}

/// What a hardware trap tells of its cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// That slot fired (x86: DR6).
    Slot(usize),
    /// Something at that address fired (aarch64: the instruction's address
    /// for a breakpoint, the accessed address for a watchpoint).
    Addr(u64),
}

impl Trigger {
    /// The slot of `slots` that fired, by `pc`, the trapped thread's
    /// program counter: an execution slot at the address, else the data
    /// slot that holds it (the closest when none does: a wide access may
    /// report an address beside the watched bytes).
    pub fn slot(self, slots: &[Option<Slot>; SLOTS], pc: u64) -> Option<usize> {
        let addr = match self {
            Trigger::Slot(i) => return slots.get(i)?.map(|_| i),
            Trigger::Addr(a) => a,
        };
        let used = || {
            slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((i, (*s)?)))
        };
        if let Some((i, _)) =
            used().find(|(_, s)| s.cond == Condition::Exec && s.addr == addr && addr == pc)
        {
            return Some(i);
        }
        let data = || used().filter(|(_, s)| s.cond != Condition::Exec);
        data()
            .find(|(_, s)| addr >= s.addr && addr - s.addr < s.len)
            .or_else(|| {
                data().min_by_key(|(_, s)| {
                    if addr < s.addr {
                        s.addr - addr
                    } else {
                        addr - (s.addr + s.len - 1)
                    }
                })
            })
            .map(|(i, _)| i)
    }
}

impl Arch {
    /// The registers that program `slots`; None when one cannot be
    /// programmed (a length the architecture cannot watch).
    pub fn hw_regs(self, slots: &[Option<Slot>; SLOTS]) -> Option<HwRegs> {
        match self {
            Arch::X86_64 => {
                let mut addrs = [0; SLOTS];
                let mut dr7 = 0;
                for (i, s) in slots.iter().enumerate() {
                    if let Some(s) = s {
                        addrs[i] = s.addr;
                        dr7 |= dr7_bits(i, s.cond, s.len)?;
                    }
                }
                Some(HwRegs::X86 { addrs, dr7 })
            }
            Arch::Aarch64 => {
                let mut breaks = [(0, 0); SLOTS];
                let mut watches = [(0, 0); SLOTS];
                for (i, s) in slots.iter().enumerate() {
                    if let Some(s) = s {
                        let bank = if s.cond == Condition::Exec {
                            &mut breaks
                        } else {
                            &mut watches
                        };
                        bank[i] = aarch64_ctrl(s)?;
                    }
                }
                Some(HwRegs::Aarch64 { breaks, watches })
            }
        }
    }

    /// Whether a hardware watchpoint stops before the access (aarch64), so
    /// that the instruction must be stepped with it disabled before the
    /// stop is reported; x86 stops after it.
    pub fn watch_stops_before(self) -> bool {
        matches!(self, Arch::Aarch64)
    }

    /// The `bp_len` a perf breakpoint event on an instruction must have
    /// (x86: `sizeof(long)`; aarch64: the instruction's four bytes).
    pub fn perf_exec_len(self) -> u64 {
        match self {
            Arch::X86_64 => 8,
            Arch::Aarch64 => 4,
        }
    }

    /// Whether a flag lets the instruction at an execution breakpoint run
    /// once without trapping again (x86's RF); without one (aarch64) the
    /// breakpoint is disabled for a step.
    pub fn has_resume_flag(self) -> bool {
        matches!(self, Arch::X86_64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dr7_encoding_per_kind_and_length() {
        // Slot 0: L0 = bit 0, R/W0 = bits 16-17, LEN0 = bits 18-19.
        assert_eq!(dr7_bits(0, Condition::Exec, 1), Some(0b1));
        assert_eq!(dr7_bits(0, Condition::Write, 1), Some(1 | (0b01 << 16)));
        assert_eq!(
            dr7_bits(0, Condition::Write, 2),
            Some(1 | (0b01 << 16) | (0b01 << 18))
        );
        assert_eq!(
            dr7_bits(0, Condition::Write, 4),
            Some(1 | (0b01 << 16) | (0b11 << 18))
        );
        assert_eq!(
            dr7_bits(0, Condition::Write, 8),
            Some(1 | (0b01 << 16) | (0b10 << 18))
        );
        assert_eq!(dr7_bits(0, Condition::Access, 4), Some(1 | (0b1111 << 16)));
        // Slot 3: L3 = bit 6, R/W3 = bits 28-29, LEN3 = bits 30-31.
        assert_eq!(
            dr7_bits(3, Condition::Access, 8),
            Some((1 << 6) | (0b11 << 28) | (0b10 << 30))
        );
        assert_eq!(dr7_bits(2, Condition::Exec, 1), Some(1 << 4));
        assert_eq!(dr7_bits(1, Condition::Write, 3), None);
        assert_eq!(dr7_slot_mask(1), (0b11 << 2) | (0b1111 << 20));
    }

    #[test]
    fn aarch64_control_words() {
        let s = |addr, len, cond| Slot { addr, len, cond };
        // An instruction: BAS 0xf, type execute, EL0, enabled = 0x1e5.
        assert_eq!(
            aarch64_ctrl(&s(0x400700, 4, Condition::Exec)),
            Some((0x400700, 0x1e5))
        );
        // 8 bytes written at an aligned address: BAS 0xff, store (2).
        assert_eq!(
            aarch64_ctrl(&s(0x1000, 8, Condition::Write)),
            Some((0x1000, (0xff << 5) | (2 << 3) | 0b101))
        );
        // 4 bytes at +4 of a doubleword: the doubleword's address, BAS 0xf0.
        assert_eq!(
            aarch64_ctrl(&s(0x1004, 4, Condition::Access)),
            Some((0x1000, (0xf0 << 5) | (3 << 3) | 0b101))
        );
        // One byte at +7.
        assert_eq!(
            aarch64_ctrl(&s(0x1007, 1, Condition::Write)),
            Some((0x1000, (0x80 << 5) | (2 << 3) | 0b101))
        );
        // Leaving the doubleword.
        assert_eq!(aarch64_ctrl(&s(0x1006, 4, Condition::Write)), None);
    }

    #[test]
    fn slots_become_each_architectures_registers() {
        let mut slots = [None; SLOTS];
        slots[0] = Some(Slot {
            addr: 0x1008,
            len: 8,
            cond: Condition::Write,
        });
        slots[2] = Some(Slot {
            addr: 0x401000,
            len: 1,
            cond: Condition::Exec,
        });
        let HwRegs::X86 { addrs, dr7 } = Arch::X86_64.hw_regs(&slots).unwrap() else {
            panic!("x86 registers expected");
        };
        assert_eq!(addrs, [0x1008, 0, 0x401000, 0]);
        assert_eq!(
            dr7,
            dr7_bits(0, Condition::Write, 8).unwrap() | dr7_bits(2, Condition::Exec, 1).unwrap()
        );
        let r = Arch::Aarch64.hw_regs(&slots).unwrap();
        let HwRegs::Aarch64 { breaks, watches } = r else {
            panic!("aarch64 registers expected");
        };
        assert_eq!(watches[0], (0x1008, 0x1ff5));
        assert_eq!(breaks[2], (0x401000, 0x1e5));
        assert_eq!(breaks[0].1 | watches[2].1, 0);
        assert!(!r.is_disabled());
        assert!(HwRegs::disabled(Arch::Aarch64).is_disabled());
        assert!(HwRegs::disabled(Arch::X86_64).is_disabled());
        // A length x86 cannot watch.
        slots[1] = Some(Slot {
            addr: 0x2000,
            len: 3,
            cond: Condition::Write,
        });
        assert_eq!(Arch::X86_64.hw_regs(&slots), None);
    }

    #[test]
    fn aarch64_banks_round_trip() {
        let regs = [(0x1000, 0x1ff5), (0, 0), (0x400800, 0x1e5), (0, 0)];
        let mut bytes = aarch64_bank_bytes(&regs);
        assert_eq!(bytes.len(), 8 + 4 * 16);
        // The kernel says how many the thread has (6 here) in dbg_info.
        bytes[..4].copy_from_slice(&0x0806u32.to_ne_bytes());
        bytes.resize(8 + 6 * 16, 0);
        assert_eq!(aarch64_bank_parse(&bytes), Some((6, regs)));
        assert_eq!(aarch64_bank_parse(&[1, 0]), None);
    }

    #[test]
    fn the_slot_that_fired_is_found() {
        let mut slots = [None; SLOTS];
        slots[1] = Some(Slot {
            addr: 0x1004,
            len: 4,
            cond: Condition::Write,
        });
        slots[3] = Some(Slot {
            addr: 0x400800,
            len: 4,
            cond: Condition::Exec,
        });
        assert_eq!(Trigger::Slot(1).slot(&slots, 0), Some(1));
        assert_eq!(Trigger::Slot(0).slot(&slots, 0), None);
        assert_eq!(Trigger::Addr(0x400800).slot(&slots, 0x400800), Some(3));
        assert_eq!(Trigger::Addr(0x1006).slot(&slots, 0x400100), Some(1));
        // A 16-byte store at 0x1000 reports its own address.
        assert_eq!(Trigger::Addr(0x1000).slot(&slots, 0x400100), Some(1));
    }
}
