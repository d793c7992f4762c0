//! Hardware breakpoint and watchpoint slots: splitting a watched range into
//! aligned pieces, and sharing the slots among the debugger's requests. How
//! an architecture's registers hold them is `arch::hwdebug`'s.

pub use crate::arch::hwdebug::{Condition, Slot, SLOTS};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DebugRegError {
    #[error("a hardware watchpoint covers 1, 2, 4 or 8 aligned bytes, not {len} at {addr:#x}")]
    BadLength { addr: u64, len: u64 },
    #[error("all {SLOTS} hardware debug registers are in use")]
    NoneFree,
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

/// The slots the debugger's points share (see [`crate::arch::hwdebug`]).
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

    /// Every slot, None for free ones.
    pub fn slots(&self) -> &[Option<Slot>; SLOTS] {
        &self.slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(d.slots()[1].map(|s| s.addr), Some(0x1008));
        assert_eq!(
            d.alloc(&[w(0x2000, 4), w(0x2004, 4)]),
            Err(DebugRegError::NoneFree)
        );
        assert_eq!(d.free_count(), 1);
        d.release(&a);
        assert_eq!(d.free_count(), 3);
        assert!(d.slots()[0].is_none() && d.slots()[2].is_some());
        assert!(d.alloc(&[w(0x2002, 4)]).is_err());
        assert_eq!(d.slots()[2].map(|s| s.addr), Some(0x401000));
    }
}
