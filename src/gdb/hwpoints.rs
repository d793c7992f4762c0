//! The debugger's hardware breakpoints and watchpoints, kept on the x86
//! debug registers of the replayed thread.

use gdbstub::target::ext::breakpoints::WatchKind;

use super::debugregs::{split_range, Condition, DebugRegError, DebugRegs, Slot, SLOTS};
use crate::replay::ReplaySession;
use crate::tracee::TaskError;

#[derive(Debug, thiserror::Error)]
pub enum HwPointError {
    #[error(transparent)]
    DebugReg(#[from] DebugRegError),
    #[error("cannot set the debug registers: {0}")]
    Task(#[from] TaskError),
}

/// What the debugger asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Exec,
    Watch(WatchKind),
}

#[derive(Clone, Debug)]
struct Request {
    addr: u64,
    len: u64,
    kind: Kind,
    slots: Vec<usize>,
    /// For read watchpoints: the watched bytes when last seen, to tell
    /// reads (value unchanged) from writes.
    snapshot: Vec<u8>,
}

/// What a debug-register hit means to the debugger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Exec,
    Watch {
        kind: WatchKind,
        addr: u64,
    },
    /// A write that changed a read-only watchpoint's value: not reported.
    Filtered,
    /// No request owns that register (it was removed meanwhile).
    Unknown,
}

#[derive(Debug, Default)]
pub struct HwPoints {
    regs: DebugRegs,
    requests: Vec<Request>,
}

impl HwPoints {
    pub fn add(
        &mut self,
        session: &ReplaySession,
        addr: u64,
        len: u64,
        kind: Kind,
    ) -> Result<(), HwPointError> {
        let pieces: Vec<Slot> = match kind {
            Kind::Exec => vec![Slot {
                addr,
                len: 1,
                cond: Condition::Exec,
            }],
            Kind::Watch(w) => {
                let cond = match w {
                    WatchKind::Write => Condition::Write,
                    // x86 cannot watch reads alone: watch accesses, filter writes.
                    WatchKind::Read | WatchKind::ReadWrite => Condition::Access,
                };
                if len == 0 || len > (SLOTS as u64) * 8 {
                    return Err(DebugRegError::BadLength { addr, len }.into());
                }
                split_range(addr, len)
                    .into_iter()
                    .map(|(addr, len)| Slot { addr, len, cond })
                    .collect()
            }
        };
        let slots = self.regs.alloc(&pieces)?;
        let snapshot = match kind {
            Kind::Watch(WatchKind::Read) => session.read_mem(addr, len as usize),
            _ => Vec::new(),
        };
        self.requests.push(Request {
            addr,
            len,
            kind,
            slots: slots.clone(),
            snapshot,
        });
        if let Err(e) = self.apply(session) {
            self.regs.release(&slots);
            self.requests.pop();
            let _ = self.apply(session);
            return Err(e);
        }
        Ok(())
    }

    /// Remove a request; false when there was none like it.
    pub fn remove(
        &mut self,
        session: &ReplaySession,
        addr: u64,
        len: u64,
        kind: Kind,
    ) -> Result<bool, HwPointError> {
        let Some(i) = self
            .requests
            .iter()
            .position(|r| r.addr == addr && r.kind == kind && (kind == Kind::Exec || r.len == len))
        else {
            return Ok(false);
        };
        let r = self.requests.remove(i);
        self.regs.release(&r.slots);
        self.apply(session)?;
        Ok(true)
    }

    /// Write the debug registers of the session's thread: disable all
    /// (so that changing an address is always valid), set the addresses,
    /// then enable the slots in use.
    pub fn apply(&self, session: &ReplaySession) -> Result<(), HwPointError> {
        let task = session.task();
        task.set_debugreg(7, 0)?;
        for (i, addr) in self.regs.addresses() {
            if self.regs.slot(i).is_some() {
                task.set_debugreg(i, addr)?;
            }
        }
        let dr7 = self.regs.dr7();
        if dr7 != 0 {
            task.set_debugreg(7, dr7)?;
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// Note the current values under read watchpoints (memory may have
    /// changed without a write the debug registers see, e.g. by a replayed
    /// syscall).
    pub fn refresh(&mut self, session: &ReplaySession) {
        for r in &mut self.requests {
            if r.kind == Kind::Watch(WatchKind::Read) {
                r.snapshot = session.read_mem(r.addr, r.len as usize);
            }
        }
    }

    /// Interpret a hit of debug register `idx`.
    pub fn hit(&mut self, session: &ReplaySession, idx: usize) -> Hit {
        let Some(slot) = self.regs.slot(idx).copied() else {
            return Hit::Unknown;
        };
        let Some(r) = self.requests.iter_mut().find(|r| r.slots.contains(&idx)) else {
            return Hit::Unknown;
        };
        match r.kind {
            Kind::Exec => Hit::Exec,
            Kind::Watch(WatchKind::Read) => {
                let now = session.read_mem(r.addr, r.len as usize);
                if now != r.snapshot {
                    r.snapshot = now;
                    Hit::Filtered
                } else {
                    Hit::Watch {
                        kind: WatchKind::Read,
                        addr: slot.addr,
                    }
                }
            }
            Kind::Watch(kind) => Hit::Watch {
                kind,
                addr: slot.addr,
            },
        }
    }
}
