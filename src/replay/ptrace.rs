//! The program's own ptrace at replay (see `record/ptrace.rs`): the
//! tracer's ptrace and wait calls are emulated from the trace like any
//! syscall; what rewind did to a tracee for them is a `Traced` event,
//! repeated here on the replayed thread at the same point.

use super::{Divergence, ReplaySession, Result, StopReason};
use crate::arch::regs::Regs;
use crate::trace::{Event, TracedOp};
use crate::tracee::{Resume, Stop};

impl ReplaySession {
    /// The next event is `Traced`: do the same to its thread.
    pub(super) fn replay_traced(&mut self) -> Result<Option<StopReason>> {
        let idx = self.next;
        let Some(Event::Traced { tid, op }) = self.events.get(idx).cloned() else {
            return Ok(None);
        };
        match op {
            TracedOp::SetRegs { regs } => {
                if let Some(task) = self.task_of(tid) {
                    task.set_regs(&regs)?;
                }
            }
            TracedOp::SetXstate { area } => {
                if let Some(task) = self.task_of(tid) {
                    task.set_xstate(&area)?;
                }
            }
            TracedOp::Step { signo, regs } => {
                self.switch_for_next()?;
                self.run_traced_to(idx, Resume::Step, signo, &regs, "a single step")?;
            }
            TracedOp::Fault { signo, regs } => {
                self.switch_for_next()?;
                self.run_traced_to(idx, Resume::Sysemu, signo, &regs, "a stop for its tracer")?;
            }
        }
        self.next += 1;
        Ok(None)
    }

    /// Run the current thread (`how`) until it stops with signal `signo`
    /// at registers `want`, the signal not delivered. A stop that makes no
    /// progress (the exit report of a syscall the replay skipped, when
    /// single-stepping from its entry) is passed over.
    fn run_traced_to(
        &mut self,
        idx: usize,
        how: Resume,
        signo: i32,
        want: &Regs,
        what: &str,
    ) -> Result<()> {
        let before = self.task.regs()?;
        for _ in 0..3 {
            self.task.resume(how, None)?;
            let stop = self.task.wait()?;
            match stop {
                Stop::SyscallExit => continue,
                Stop::Signal { sig, .. } if sig == signo => {
                    let now = self.task.regs()?;
                    let diffs = want.diff(&now);
                    if diffs.is_empty() {
                        self.at_signal_stop = true;
                        return Ok(());
                    }
                    if before.diff(&now).is_empty() {
                        continue;
                    }
                    return Err(self.regs_divergence(
                        idx,
                        &format!("registers after {what}"),
                        diffs,
                    ));
                }
                other => {
                    return Err(
                        Divergence::new(&self.events, idx, self.arch, "a tracee's stop")
                            .diff(
                                "stop",
                                format!("signal {}", crate::trace::signal_name(signo)),
                                format!("{other:?}"),
                            )
                            .into(),
                    )
                }
            }
        }
        Err(
            Divergence::new(&self.events, idx, self.arch, "a tracee that did not move")
                .diff(
                    "ip",
                    format!("{:#x}", want.ip()),
                    format!("{:#x}", before.ip()),
                )
                .into(),
        )
    }
}
