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
            TracedOp::AtEntry { regs } => {
                self.switch_for_next()?;
                self.park_for_tracer(idx, &regs)?;
            }
            TracedOp::Fault { signo, regs } => {
                self.switch_for_next()?;
                self.run_traced_to(idx, Resume::Sysemu, signo, &regs, "a stop for its tracer")?;
            }
        }
        self.next += 1;
        Ok(None)
    }

    /// Whether the running thread's process ends later in the trace, not
    /// at its last event: other tasks' events come between its exit call
    /// and its end (a tracee that stopped for its tracer at its exit
    /// event). It waits at its exit call until its `Exit` event.
    pub(super) fn process_exit_later(&self) -> bool {
        let pid = self.current_pid();
        let last = self.events.len().saturating_sub(1);
        self.events[self.next..]
            .iter()
            .enumerate()
            .find(|(_, e)| matches!(e, Event::Exit { tid, .. } if self.pid_of(*tid) == pid))
            .is_some_and(|(i, _)| self.next + i < last)
    }

    /// Run the current thread to the entry of its next syscall (which
    /// must have registers `want`) and leave it there, its syscall not run
    /// until its `Syscall` event.
    fn park_for_tracer(&mut self, idx: usize, want: &Regs) -> Result<()> {
        if !self.at_entry {
            loop {
                self.task.resume(Resume::Sysemu, None)?;
                match self.task.wait()? {
                    Stop::SyscallExit => continue,
                    Stop::SyscallEntry => break,
                    other => {
                        return Err(Divergence::new(
                            &self.events,
                            idx,
                            self.arch,
                            "a tracee's syscall-entry stop",
                        )
                        .diff("stop", "a syscall entry".to_string(), format!("{other:?}"))
                        .into())
                    }
                }
            }
        }
        let now = self.task.regs()?;
        let diffs = want.diff(&now);
        if !diffs.is_empty() {
            let what = format!(
                "registers at the entry of {} (a stop for its tracer)",
                self.arch.syscall_name(want.syscall_nr())
            );
            return Err(self.regs_divergence(idx, &what, diffs));
        }
        self.set_syscall_insn(now.ip() - self.arch.syscall_insn().len() as u64);
        self.at_entry = true;
        Ok(())
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
