//! Hardware breakpoints and watchpoints, kept on the debug registers of the
//! replayed thread (as `arch::hwdebug` lays them out for each
//! architecture). The replay owns them so that it can put them on
//! every process it switches to (checkpoints are separate processes).

use super::debugregs::{split_range, Condition, DebugRegError, DebugRegs, Slot, SLOTS};
use crate::arch::hwdebug::{HwRegs, Trigger};
use crate::arch::Arch;
use crate::tracee::{Task, TaskError};

/// What a hardware point watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PointKind {
    /// Execution of the instruction at the address.
    Exec,
    /// Writes to the range.
    Write,
    /// Reads of the range (x86 cannot watch reads alone: accesses are
    /// watched and those that change the value are filtered out).
    Read,
    /// Reads or writes.
    Access,
}

#[derive(Debug, thiserror::Error)]
pub enum HwError {
    #[error(transparent)]
    DebugReg(#[from] DebugRegError),
    #[error("cannot set the debug registers: {0}")]
    Task(#[from] TaskError),
}

#[derive(Clone, Debug)]
struct Request {
    addr: u64,
    len: u64,
    kind: PointKind,
    slots: Vec<usize>,
    /// For read points: the watched bytes when last seen, to tell reads
    /// (value unchanged) from writes.
    snapshot: Vec<u8>,
    /// A debug register standing in for a software breakpoint (one stop
    /// per hit instead of two); given up when the debugger needs it.
    backs_sw: bool,
}

/// What a debug-register hit means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Exec(u64),
    Watch {
        kind: PointKind,
        addr: u64,
        len: u64,
    },
    /// A write that changed a read point's value: not a read.
    Filtered,
    /// No request owns that register (removed meanwhile).
    Unknown,
}

/// One thread's debug registers as they are (x86 DR0-DR3 and DR7,
/// aarch64 its breakpoint and watchpoint registers), to hand over to the
/// thread that runs next: whatever the session put there (all points, none
/// while they are suspended, or a single one) goes with the running thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadDebugRegs(HwRegs);

impl ThreadDebugRegs {
    /// Nothing armed.
    pub fn disabled() -> ThreadDebugRegs {
        ThreadDebugRegs(HwRegs::disabled(Arch::host()))
    }

    pub fn read(task: &Task) -> Result<ThreadDebugRegs, HwError> {
        Ok(ThreadDebugRegs(task.hw_regs()?))
    }

    /// Give `task` these registers; nothing is written when it has them
    /// already.
    pub fn put(&self, task: &Task) -> Result<(), HwError> {
        Ok(task.set_hw_regs(&self.0)?)
    }
}

/// Program `slots` into `task`'s debug registers.
fn put_slots(task: &Task, slots: &[Option<Slot>; SLOTS]) -> Result<(), HwError> {
    let arch = Arch::host();
    let regs = arch.hw_regs(slots).ok_or_else(|| {
        let bad = slots.iter().flatten().next().copied().unwrap_or(Slot {
            addr: 0,
            len: 0,
            cond: Condition::Write,
        });
        HwError::DebugReg(DebugRegError::BadLength {
            addr: bad.addr,
            len: bad.len,
        })
    })?;
    Ok(task.set_hw_regs(&regs)?)
}

#[derive(Debug, Default, Clone)]
pub struct HwPoints {
    regs: DebugRegs,
    requests: Vec<Request>,
}

impl HwPoints {
    /// Add a point; Ok(false) when the debug registers are all taken.
    pub fn add(
        &mut self,
        task: &Task,
        now: &[u8],
        addr: u64,
        len: u64,
        kind: PointKind,
    ) -> Result<bool, HwError> {
        let pieces: Vec<Slot> = match kind {
            PointKind::Exec => vec![Slot {
                addr,
                len: 1,
                cond: Condition::Exec,
            }],
            _ => {
                let cond = match kind {
                    PointKind::Write => Condition::Write,
                    _ => Condition::Access,
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
        let slots = match self.regs.alloc(&pieces) {
            Ok(s) => s,
            Err(DebugRegError::NoneFree) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        self.requests.push(Request {
            addr,
            len,
            kind,
            slots: slots.clone(),
            snapshot: if kind == PointKind::Read {
                now.to_vec()
            } else {
                Vec::new()
            },
            backs_sw: false,
        });
        if let Err(e) = self.apply(task) {
            self.regs.release(&slots);
            self.requests.pop();
            let _ = self.apply(task);
            return Err(e);
        }
        Ok(true)
    }

    /// Remove a point; false when there was none like it.
    pub fn remove(
        &mut self,
        task: &Task,
        addr: u64,
        len: u64,
        kind: PointKind,
    ) -> Result<bool, HwError> {
        let Some(i) = self.requests.iter().position(|r| {
            !r.backs_sw
                && r.addr == addr
                && r.kind == kind
                && (kind == PointKind::Exec || r.len == len)
        }) else {
            return Ok(false);
        };
        let r = self.requests.remove(i);
        self.regs.release(&r.slots);
        self.apply(task)?;
        Ok(true)
    }

    /// Write the debug registers of `task` for the slots in use.
    pub fn apply(&self, task: &Task) -> Result<(), HwError> {
        put_slots(task, self.regs.slots())
    }

    /// Whether a point like this one is set.
    pub fn has(&self, addr: u64, len: u64, kind: PointKind) -> bool {
        self.requests.iter().any(|r| {
            !r.backs_sw
                && r.addr == addr
                && r.kind == kind
                && (kind == PointKind::Exec || r.len == len)
        })
    }

    /// Back a software breakpoint at `addr` with a free debug register;
    /// false when none is free.
    pub fn add_backing(&mut self, task: &Task, addr: u64) -> Result<bool, HwError> {
        let piece = Slot {
            addr,
            len: 1,
            cond: Condition::Exec,
        };
        let slots = match self.regs.alloc(&[piece]) {
            Ok(s) => s,
            Err(_) => return Ok(false),
        };
        self.requests.push(Request {
            addr,
            len: 1,
            kind: PointKind::Exec,
            slots,
            snapshot: Vec::new(),
            backs_sw: true,
        });
        self.apply(task)?;
        Ok(true)
    }

    /// Stop backing the software breakpoint at `addr`; false if it was not.
    pub fn remove_backing(&mut self, task: &Task, addr: u64) -> Result<bool, HwError> {
        let Some(i) = self
            .requests
            .iter()
            .position(|r| r.backs_sw && r.addr == addr)
        else {
            return Ok(false);
        };
        let r = self.requests.remove(i);
        self.regs.release(&r.slots);
        self.apply(task)?;
        Ok(true)
    }

    /// One software breakpoint backed by a register, to give it up.
    pub fn any_backing(&self) -> Option<u64> {
        self.requests.iter().find(|r| r.backs_sw).map(|r| r.addr)
    }

    /// Whether any execution register (backing or not) is at `addr`.
    pub fn exec_at(&self, addr: u64) -> bool {
        self.requests
            .iter()
            .any(|r| r.kind == PointKind::Exec && r.addr == addr)
    }

    /// The addresses of every execution register, backing or not.
    pub fn exec_addrs_all(&self) -> Vec<u64> {
        self.requests
            .iter()
            .filter(|r| r.kind == PointKind::Exec)
            .map(|r| r.addr)
            .collect()
    }

    /// Enable only the execution register at `addr` (the others off).
    pub fn apply_only(&self, task: &Task, addr: u64) -> Result<(), HwError> {
        let mut only = [None; SLOTS];
        for r in self
            .requests
            .iter()
            .filter(|r| r.kind == PointKind::Exec && r.addr == addr)
        {
            for &i in &r.slots {
                only[i] = self.regs.slot(i).copied();
            }
        }
        put_slots(task, &only)
    }

    /// Whether slot `idx` watches data (not an instruction).
    pub fn is_data_slot(&self, idx: usize) -> bool {
        self.regs
            .slot(idx)
            .is_some_and(|s| s.cond != Condition::Exec)
    }

    /// The slot a hardware trap came from, for the thread that stopped at
    /// `pc`.
    pub fn slot_of(&self, trigger: Trigger, pc: u64) -> Option<usize> {
        trigger.slot(self.regs.slots(), pc)
    }

    /// Whether the register hit for an execution at `addr` backs a
    /// software breakpoint.
    pub fn is_backing(&self, addr: u64) -> bool {
        self.requests.iter().any(|r| r.backs_sw && r.addr == addr)
    }

    /// The addresses of execution points.
    pub fn exec_addrs(&self) -> Vec<u64> {
        self.requests
            .iter()
            .filter(|r| r.kind == PointKind::Exec && !r.backs_sw)
            .map(|r| r.addr)
            .collect()
    }

    /// Whether an execution point is set at `addr`.
    pub fn has_exec(&self, addr: u64) -> bool {
        self.requests
            .iter()
            .any(|r| r.kind == PointKind::Exec && r.addr == addr && !r.backs_sw)
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// The write-watching ranges (Write and Access points), for writes the
    /// kernel makes during replayed syscalls.
    /// The watchpoints (not execution points): address, length, kind.
    pub fn watch_points(&self) -> Vec<(u64, u64, PointKind)> {
        self.requests
            .iter()
            .filter(|r| r.kind != PointKind::Exec)
            .map(|r| (r.addr, r.len, r.kind))
            .collect()
    }

    pub fn written_ranges(&self) -> Vec<(u64, u64, PointKind)> {
        self.requests
            .iter()
            .filter(|r| matches!(r.kind, PointKind::Write | PointKind::Access))
            .map(|r| (r.addr, r.len, r.kind))
            .collect()
    }

    /// Note the current values under read points (memory may change
    /// without a write the debug registers see, e.g. by a replayed
    /// syscall).
    pub fn refresh(&mut self, read: &dyn Fn(u64, usize) -> Vec<u8>) {
        for r in &mut self.requests {
            if r.kind == PointKind::Read {
                r.snapshot = read(r.addr, r.len as usize);
            }
        }
    }

    /// Interpret a hit of debug register `idx`.
    pub fn hit(&mut self, read: &dyn Fn(u64, usize) -> Vec<u8>, idx: usize) -> Hit {
        let Some(slot) = self.regs.slot(idx).copied() else {
            return Hit::Unknown;
        };
        let Some(r) = self.requests.iter_mut().find(|r| r.slots.contains(&idx)) else {
            return Hit::Unknown;
        };
        match r.kind {
            PointKind::Exec => Hit::Exec(slot.addr),
            PointKind::Read => {
                let now = read(r.addr, r.len as usize);
                if now != r.snapshot {
                    r.snapshot = now;
                    Hit::Filtered
                } else {
                    Hit::Watch {
                        kind: PointKind::Read,
                        addr: slot.addr,
                        len: slot.len,
                    }
                }
            }
            kind => Hit::Watch {
                kind,
                addr: slot.addr,
                len: slot.len,
            },
        }
    }
}
