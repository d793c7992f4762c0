//! x86 debug registers for hardware breakpoints and watchpoints: DR7
//! encoding, splitting a watched range into aligned pieces, and sharing the
//! four address registers (DR0-DR3) among the debugger's requests.

/// Number of address registers (DR0-DR3).
pub const SLOTS: usize = 4;

/// What a debug register watches. x86 has no read-only condition: reads
/// are watched as accesses and filtered by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Instruction execution (R/W bits 00, length 1).
    Exec,
    /// Data writes (R/W bits 01).
    Write,
    /// Data reads or writes (R/W bits 11).
    Access,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DebugRegError {
    #[error("a hardware watchpoint covers 1, 2, 4 or 8 aligned bytes, not {len} at {addr:#x}")]
    BadLength { addr: u64, len: u64 },
    #[error("all {SLOTS} hardware debug registers are in use")]
    NoneFree,
}

/// The DR7 bits that enable slot `slot` with `cond` over `len` bytes
/// (local-enable bit, R/W and LEN fields).
pub fn dr7_bits(slot: usize, cond: Condition, len: u64) -> Result<u64, DebugRegError> {
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
        (_, len) => return Err(DebugRegError::BadLength { addr: 0, len }),
    };
    Ok((1 << (2 * slot)) | (rw << (16 + 4 * slot)) | (len_bits << (18 + 4 * slot)))
}

/// All DR7 bits that belong to slot `slot`.
pub fn dr7_slot_mask(slot: usize) -> u64 {
    (0b11 << (2 * slot)) | (0b1111 << (16 + 4 * slot))
}

/// Split `[addr, addr+len)` into naturally aligned pieces of 1, 2, 4 or 8
/// bytes, as the debug registers require.
pub fn split_range(addr: u64, len: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (mut a, end) = (addr, addr.saturating_add(len));
    while a < end {
        let size = [8u64, 4, 2, 1]
            .into_iter()
            .find(|&s| a % s == 0 && a + s <= end)
            .unwrap_or(1);
        out.push((a, size));
        a += size;
    }
    out
}

/// One programmed debug register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub addr: u64,
    pub len: u64,
    pub cond: Condition,
}

/// The four address registers and the DR7 value that enables them.
#[derive(Clone, Debug, Default)]
pub struct DebugRegs {
    slots: [Option<Slot>; SLOTS],
}

impl DebugRegs {
    pub fn slot(&self, i: usize) -> Option<&Slot> {
        self.slots.get(i)?.as_ref()
    }

    pub fn free_count(&self) -> usize {
        self.slots.iter().filter(|s| s.is_none()).count()
    }

    /// Take free slots for `pieces` (all or none); returns their indices.
    pub fn alloc(&mut self, pieces: &[Slot]) -> Result<Vec<usize>, DebugRegError> {
        if pieces.len() > self.free_count() {
            return Err(DebugRegError::NoneFree);
        }
        for p in pieces {
            let len_ok = p.cond == Condition::Exec || [1, 2, 4, 8].contains(&p.len);
            if !len_ok || p.len == 0 || p.addr % p.len != 0 {
                return Err(DebugRegError::BadLength {
                    addr: p.addr,
                    len: p.len,
                });
            }
        }
        let mut taken = Vec::new();
        for p in pieces {
            if let Some(i) = self.slots.iter().position(|s| s.is_none()) {
                self.slots[i] = Some(*p);
                taken.push(i);
            }
        }
        Ok(taken)
    }

    pub fn release(&mut self, slots: &[usize]) {
        for &i in slots {
            if let Some(s) = self.slots.get_mut(i) {
                *s = None;
            }
        }
    }

    /// DR7 for the slots in use.
    pub fn dr7(&self) -> u64 {
        let mut v = 0;
        for (i, s) in self.slots.iter().enumerate() {
            if let Some(s) = s {
                v |= dr7_bits(i, s.cond, s.len).unwrap_or(0);
            }
        }
        v
    }

    /// (index, address) of every slot, with 0 for free ones.
    pub fn addresses(&self) -> [(usize, u64); SLOTS] {
        let mut out = [(0, 0); SLOTS];
        for (i, s) in self.slots.iter().enumerate() {
            out[i] = (i, s.map(|s| s.addr).unwrap_or(0));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dr7_encoding_per_kind_and_length() {
        // Slot 0: L0 = bit 0, R/W0 = bits 16-17, LEN0 = bits 18-19.
        assert_eq!(dr7_bits(0, Condition::Exec, 1).unwrap(), 0b1);
        assert_eq!(dr7_bits(0, Condition::Write, 1).unwrap(), 1 | (0b01 << 16));
        assert_eq!(
            dr7_bits(0, Condition::Write, 2).unwrap(),
            1 | (0b01 << 16) | (0b01 << 18)
        );
        assert_eq!(
            dr7_bits(0, Condition::Write, 4).unwrap(),
            1 | (0b01 << 16) | (0b11 << 18)
        );
        assert_eq!(
            dr7_bits(0, Condition::Write, 8).unwrap(),
            1 | (0b01 << 16) | (0b10 << 18)
        );
        assert_eq!(
            dr7_bits(0, Condition::Access, 4).unwrap(),
            1 | (0b1111 << 16)
        );
        // Slot 3: L3 = bit 6, R/W3 = bits 28-29, LEN3 = bits 30-31.
        assert_eq!(
            dr7_bits(3, Condition::Access, 8).unwrap(),
            (1 << 6) | (0b11 << 28) | (0b10 << 30)
        );
        assert_eq!(dr7_bits(2, Condition::Exec, 1).unwrap(), 1 << 4);
        assert!(dr7_bits(1, Condition::Write, 3).is_err());
        assert_eq!(dr7_slot_mask(1), (0b11 << 2) | (0b1111 << 20));
    }

    #[test]
    fn ranges_split_into_aligned_pieces() {
        assert_eq!(split_range(0x1000, 4), vec![(0x1000, 4)]);
        assert_eq!(split_range(0x1000, 8), vec![(0x1000, 8)]);
        assert_eq!(split_range(0x1002, 4), vec![(0x1002, 2), (0x1004, 2)]);
        assert_eq!(split_range(0x1001, 1), vec![(0x1001, 1)]);
        assert_eq!(split_range(0x1000, 16), vec![(0x1000, 8), (0x1008, 8)]);
        assert_eq!(
            split_range(0x1003, 6),
            vec![(0x1003, 1), (0x1004, 4), (0x1008, 1)]
        );
        assert!(split_range(0x1000, 0).is_empty());
    }

    #[test]
    fn slots_are_shared_and_released() {
        let mut d = DebugRegs::default();
        let w = |addr, len| Slot {
            addr,
            len,
            cond: Condition::Write,
        };
        let a = d.alloc(&[w(0x1000, 8), w(0x1008, 8)]).unwrap();
        assert_eq!(a, vec![0, 1]);
        let b = d
            .alloc(&[Slot {
                addr: 0x401000,
                len: 1,
                cond: Condition::Exec,
            }])
            .unwrap();
        assert_eq!(b, vec![2]);
        assert_eq!(
            d.dr7(),
            dr7_bits(0, Condition::Write, 8).unwrap()
                | dr7_bits(1, Condition::Write, 8).unwrap()
                | dr7_bits(2, Condition::Exec, 1).unwrap()
        );
        assert_eq!(
            d.alloc(&[w(0x2000, 4), w(0x2004, 4)]),
            Err(DebugRegError::NoneFree)
        );
        assert_eq!(d.free_count(), 1);
        d.release(&a);
        assert_eq!(d.free_count(), 3);
        assert_eq!(d.dr7(), dr7_bits(2, Condition::Exec, 1).unwrap());
        assert!(d.alloc(&[w(0x2002, 4)]).is_err());
        assert_eq!(d.addresses()[2], (2, 0x401000));
    }
}
