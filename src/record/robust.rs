//! What the kernel writes into futex words on its own: the robust locks a
//! thread still holds when it exits, and the waiters bit of a PI lock a
//! thread starts waiting for.
//!
//! Neither is the output of a syscall that returns to the program, so
//! neither would be in the trace as one; at replay the kernel does not do
//! them again (the words hold recorded thread ids, not the replay's). The
//! recorder computes or reads them and the trace carries them: the robust
//! locks as writes of the `exit`/`exit_group` event, the waiters bit as a
//! `KernelWrite` event after the waiter's `SyscallEntry`.

use std::time::{Duration, Instant};

use crate::trace::MemWrite;

/// The owner-died bit the kernel sets in a robust lock's word.
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// The waiters bit, kept as it was.
const FUTEX_WAITERS: u32 = 0x8000_0000;
/// The owner's thread id.
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// The kernel stops walking a robust list after this many entries.
const ROBUST_LIST_LIMIT: usize = 2048;

/// Reads a thread's memory: 8- and 4-byte values, None where unreadable.
pub trait Memory {
    fn u64_at(&self, addr: u64) -> Option<u64>;
    fn u32_at(&self, addr: u64) -> Option<u32>;
}

impl Memory for crate::tracee::Task {
    fn u64_at(&self, addr: u64) -> Option<u64> {
        self.read_u64(addr).ok()
    }
    fn u32_at(&self, addr: u64) -> Option<u32> {
        self.read_u32(addr).ok()
    }
}

/// The writes the kernel makes when thread `tid`, whose robust list head
/// (registered with set_robust_list) is at `head`, exits: each lock on the
/// list, and the one it was taking or releasing (`list_op_pending`), whose
/// word names `tid` as owner gets the owner-died bit, keeping the waiters
/// bit (the kernel's `handle_futex_death`).
pub fn exit_writes(mem: &dyn Memory, tid: i32, head: u64) -> Vec<MemWrite> {
    // struct robust_list_head { next; long futex_offset; list_op_pending }
    let (Some(first), Some(offset), Some(pending)) = (
        mem.u64_at(head),
        mem.u64_at(head + 8),
        mem.u64_at(head + 16),
    ) else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    let mut entry = first;
    while entry != head && entry != 0 && entries.len() < ROBUST_LIST_LIMIT {
        // Bit 0 marks a PI lock; the next pointer is the entry's first word.
        let at = entry & !1;
        entries.push(at);
        match mem.u64_at(at) {
            Some(next) => entry = next,
            None => break,
        }
    }
    let pending = pending & !1;
    if pending != 0 && !entries.contains(&pending) {
        entries.push(pending);
    }
    let mut writes: Vec<MemWrite> = Vec::new();
    for at in entries {
        let word = at.wrapping_add(offset);
        let Some(val) = mem.u32_at(word) else {
            continue;
        };
        if val & FUTEX_TID_MASK != tid as u32 || writes.iter().any(|w| w.addr == word) {
            continue;
        }
        let new = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        writes.push(MemWrite {
            addr: word,
            data: new.to_le_bytes().to_vec(),
        });
    }
    writes
}

/// Waits (briefly) until thread `tid`, just resumed into a syscall, is
/// asleep in the kernel or stopped again, so that what the syscall does on
/// its way in (the waiters bit of a PI lock) has been done.
pub fn wait_until_inside(tid: i32, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        match thread_state(tid) {
            Some('R') => std::thread::sleep(Duration::from_micros(20)),
            _ => return,
        }
    }
}

/// The scheduler state letter of thread `tid` (R running, S sleeping, t
/// traced...), None when it is gone.
fn thread_state(tid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{tid}/stat")).ok()?;
    // "tid (comm) S ...": the comm may hold spaces and parentheses.
    let after = stat.rfind(')')?;
    stat[after + 1..].trim_start().chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Fake(BTreeMap<u64, u64>);

    impl Memory for Fake {
        fn u64_at(&self, addr: u64) -> Option<u64> {
            self.0.get(&addr).copied()
        }
        fn u32_at(&self, addr: u64) -> Option<u32> {
            self.0.get(&addr).map(|v| *v as u32)
        }
    }

    const HEAD: u64 = 0x1000;
    const OFFSET: u64 = 0x20;

    /// A robust list at HEAD holding locks (entry address, word value).
    fn list(locks: &[(u64, u32)], pending: u64) -> Fake {
        let mut m = BTreeMap::new();
        let next: Vec<u64> = locks.iter().map(|l| l.0).chain([HEAD]).collect();
        m.insert(HEAD, next[0]);
        m.insert(HEAD + 8, OFFSET);
        m.insert(HEAD + 16, pending);
        for (i, &(at, word)) in locks.iter().enumerate() {
            m.insert(at & !1, next[i + 1]);
            m.insert((at & !1) + OFFSET, word as u64);
        }
        Fake(m)
    }

    fn word(w: &MemWrite) -> u32 {
        u32::from_le_bytes([w.data[0], w.data[1], w.data[2], w.data[3]])
    }

    #[test]
    fn locks_the_thread_holds_get_the_owner_died_bit() {
        let m = list(
            &[(0x2000, 77), (0x3001, 77 | FUTEX_WAITERS), (0x4000, 78)],
            0,
        );
        let w = exit_writes(&m, 77, HEAD);
        assert_eq!(w.len(), 2, "the lock held by thread 78 is left alone");
        assert_eq!(w[0].addr, 0x2000 + OFFSET);
        assert_eq!(word(&w[0]), FUTEX_OWNER_DIED);
        assert_eq!(
            w[1].addr,
            0x3000 + OFFSET,
            "bit 0 (PI) is not part of the address"
        );
        assert_eq!(word(&w[1]), FUTEX_OWNER_DIED | FUTEX_WAITERS);
    }

    #[test]
    fn the_pending_lock_counts_once() {
        let m = list(&[(0x2000, 5)], 0x2000);
        assert_eq!(exit_writes(&m, 5, HEAD).len(), 1);
        let mut m = list(&[], 0x5000);
        m.0.insert(0x5000 + OFFSET, 5);
        let w = exit_writes(&m, 5, HEAD);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].addr, 0x5000 + OFFSET);
    }

    #[test]
    fn an_empty_or_unreadable_list_writes_nothing() {
        assert!(exit_writes(&list(&[], 0), 5, HEAD).is_empty());
        assert!(exit_writes(&Fake(BTreeMap::new()), 5, HEAD).is_empty());
    }

    #[test]
    fn a_cyclic_list_stops_at_the_kernel_limit() {
        let mut m = list(&[(0x2000, 9)], 0);
        // The entry points to itself: the walk must end.
        m.0.insert(0x2000, 0x2000);
        let w = exit_writes(&m, 9, HEAD);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn our_own_thread_state_is_read() {
        let me = nix::unistd::gettid().as_raw();
        assert_eq!(thread_state(me), Some('R'));
        assert_eq!(thread_state(-1), None);
    }
}
