//! Child processes at replay: a recorded fork, vfork or clone of a process
//! is run for real (as a fork with no exit signal, see
//! [`crate::arch::fork`]); the child is one more task, known by its
//! recorded id, run when the next event names it. A process whose `Exit`
//! event comes before the end of the trace is killed there: its end was
//! the kernel's business when recorded, and its parent's wait4 and SIGCHLD
//! come from the trace.

use super::threads::Parked;
use super::{ReplayError, ReplaySession, Result};
use crate::arch::fork;
use crate::arch::regs::Regs;
use crate::trace::Event;
use crate::tracee::{Resume, Stop, Task, TaskError};

impl ReplaySession {
    /// Replay a fork: create the process for real, known from now on by
    /// the recorded id `rec_pid`.
    pub(super) fn replay_fork(&mut self, regs: &Regs, rec_pid: i32) -> Result<()> {
        let nr = regs.syscall_nr();
        let args = regs.syscall_args();
        let (fork_nr, fork_args) = fork::as_fork(self.arch, nr, &args, true);
        let mut r = *regs;
        r.set_syscall(fork_nr, fork_args);
        let Regs::X86_64(x) = &mut r else {
            return Err(ReplayError::Unsupported(
                "child processes on this architecture".into(),
            ));
        };
        x.rip -= 2;
        x.rax = x.orig_rax;
        self.task.set_regs(&r)?;
        let child = super::threads::run_clone_insn(&self.task)?;
        // The parent's own syscall number and arguments back.
        let mut now = self.task.regs()?;
        let result = now.result();
        now.set_syscall(nr, args);
        now.set_result(result);
        self.task.set_regs(&now)?;
        let task = Task::new(child, child)?;
        loop {
            match task.wait()? {
                Stop::Signal { sig, .. } if sig == libc::SIGSTOP => break,
                stop @ (Stop::Exited(_) | Stop::Killed(_)) => {
                    return Err(TaskError::UnexpectedStop {
                        tid: child.as_raw(),
                        during: "the start of a replayed process",
                        stop,
                    }
                    .into())
                }
                _ => task.resume(Resume::Syscall, None)?,
            }
        }
        let mut cr = task.regs()?;
        let child_result = cr.result();
        cr.set_syscall(nr, args);
        cr.set_result(child_result);
        task.set_regs(&cr)?;
        // The child's copy of its own id is the recorded one.
        if let Some(at) = fork::child_tid_ptr(self.arch, &args) {
            task.write_mem(at, &rec_pid.to_le_bytes())?;
        }
        // Breakpoints of ours are the parent's: the child runs clean.
        let ours: Vec<(u64, u8)> = self
            .breakpoints
            .iter()
            .map(|(&a, &b)| (a, b))
            .chain(self.anchor)
            .collect();
        for (a, b) in ours {
            task.write_mem(a, &[b])?;
        }
        self.threads.insert(rec_pid, Parked::new(task));
        Ok(())
    }

    /// Whether the next event is the end of one process of several (an
    /// `Exit` event that is not the trace's last).
    pub(super) fn process_exit_next(&self) -> bool {
        matches!(self.events.get(self.next), Some(Event::Exit { .. }))
            && self.next + 1 < self.events.len()
    }

    /// At an `Exit` event that is not the trace's last: kill the process
    /// of the thread it names and go on with another task.
    pub(super) fn end_process_event(&mut self) -> Result<()> {
        let Some(Event::Exit { tid, .. }) = self.events.get(self.next) else {
            return Ok(());
        };
        let tid = *tid;
        self.next += 1;
        let pid = if tid == self.current_tid {
            Some(self.task.pid)
        } else {
            self.threads.get(&tid).map(|p| p.task().pid)
        };
        // Its threads may have gone already (a leader that left first).
        let Some(pid) = pid else {
            return Ok(());
        };
        log::debug!("replay: process of thread {tid} ends");
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let mut tids: Vec<nix::unistd::Pid> = self
            .threads
            .values()
            .filter(|p| p.task().pid == pid)
            .map(|p| p.task().tid)
            .collect();
        if self.task.pid == pid {
            tids.push(self.task.tid);
        }
        tids.sort_by_key(|t| *t == pid);
        for t in tids {
            crate::tracee::reap(t);
        }
        self.threads.retain(|_, p| p.task().pid != pid);
        if self.task.pid == pid {
            // Any live task takes the running one's place; the next
            // event's is switched in.
            if let Some(&next) = self.threads.keys().next() {
                if let Some(p) = self.threads.remove(&next) {
                    drop(self.take_in(next, p));
                    if !self.triggers_suspended {
                        self.hw
                            .apply(&self.task)
                            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
                    }
                }
            }
        }
        Ok(())
    }
}
