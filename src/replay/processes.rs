//! Child processes at replay: a recorded fork, vfork or clone of a process
//! is run for real (as a fork with no exit signal, see
//! [`crate::arch::fork`]); the child is one more task, known by its
//! recorded id, run when the next event names it. A process whose `Exit`
//! event comes before the end of the trace is killed there: its end was
//! the kernel's business when recorded, and its parent's wait4 and SIGCHLD
//! come from the trace.

use super::threads::Parked;
use super::{ReplayError, ReplaySession, Result, StopReason};
use crate::arch::fork;
use crate::arch::regs::Regs;
use crate::trace::Event;
use crate::tracee::{Resume, Task, TaskError, ThreadExec};

/// The ids of a task that a replayed clone, fork or vfork makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SpawnedIds {
    /// rewind's id for it, by which events name it.
    pub id: i32,
    /// Its id as it sees it itself (in its own pid namespace).
    pub own: i32,
}

impl ReplaySession {
    /// The ids of the task made by the clone, fork or vfork whose `Syscall`
    /// event (with `result`) was just consumed: from the `Spawned` event
    /// that follows it, else (a trace without them) the result itself.
    pub(super) fn spawned_ids(&self, result: i32) -> SpawnedIds {
        // What the kernel wrote in the child may come first.
        let at = self.events[self.next.min(self.events.len())..]
            .iter()
            .position(|e| !matches!(e, Event::KernelWrite { .. }))
            .map_or(self.next, |k| self.next + k);
        match self.events.get(at) {
            Some(Event::Spawned {
                tid,
                child,
                ns_tids,
                ..
            }) if *tid == self.current_tid => SpawnedIds {
                id: *child,
                own: ns_tids.last().copied().unwrap_or(*child),
            },
            _ => SpawnedIds {
                id: result,
                own: result,
            },
        }
    }

    /// Replay a fork: create the process for real, known from now on by
    /// rewind's id for it. The namespaces the recorded clone made are not
    /// made again: the replayed processes live in rewind's, and what the
    /// program saw of its own (its ids, host name, mounts) comes from the
    /// trace. `parent_writes` are what the kernel wrote in the caller (put
    /// there after this), which a vfork child shares.
    pub(super) fn replay_fork(
        &mut self,
        regs: &Regs,
        ids: SpawnedIds,
        parent_writes: &[crate::trace::MemWrite],
    ) -> Result<()> {
        let rec_pid = ids.id;
        let nr = regs.syscall_nr();
        let args = regs.syscall_args();
        let (fork_nr, mut fork_args) = fork::as_fork(self.arch, nr, &args, true);
        fork_args[0] &= !fork::NAMESPACE_FLAGS;
        let mut r = *regs;
        r.set_syscall(fork_nr, fork_args);
        r.rewind_to_syscall(fork_nr);
        self.task.set_regs(&r)?;
        let child = super::threads::run_clone_insn(&self.task)?;
        // The parent's own syscall number and arguments back.
        self.task.restore_syscall_regs(nr, args)?;
        let task = Task::new(child, child)?;
        if let Some(stop) = task.wait_start()? {
            return Err(TaskError::UnexpectedStop {
                tid: child.as_raw(),
                during: "the start of a replayed process",
                stop,
            }
            .into());
        }
        task.restore_syscall_regs(nr, args)?;
        // The child's copy of its own id is the recorded one, as the child
        // saw it (in its own pid namespace).
        let child_tid_ptr = (self.arch.syscall_name(nr) == "clone")
            .then(|| fork::child_tid_ptr(self.arch, &args))
            .flatten();
        if let Some(at) = child_tid_ptr {
            task.write_mem(at, &ids.own.to_le_bytes())?;
        }
        // A vfork child shares the caller's memory natively: it sees the
        // pidfd or id the kernel wrote there (so it did when recorded).
        if fork::suspends_parent(&self.arch.syscall_name(nr), &args) {
            for w in parent_writes {
                task.write_mem(w.addr, &w.data)?;
            }
        }
        // Breakpoints of ours are the parent's: the child runs clean.
        let ours: Vec<(u64, crate::arch::breakpoint::Saved)> = self
            .breakpoints
            .iter()
            .map(|(&a, &b)| (a, b))
            .chain(self.anchor)
            .collect();
        for (a, b) in ours {
            task.write_mem(a, b.bytes())?;
        }
        let counter = self.counter_for(child.as_raw(), 0);
        // The child's memory is a copy of the parent's: the same syscall
        // instruction.
        if let Some(insn) = self.syscall_insn() {
            self.syscall_insns.insert(task.pid.as_raw(), insn);
        }
        self.threads.insert(rec_pid, Parked::new(task, counter));
        Ok(())
    }

    /// Whether the next event is the end of one process of several (an
    /// `Exit` event that is not the trace's last).
    pub(super) fn process_exit_next(&self) -> bool {
        matches!(self.events.get(self.next), Some(Event::Exit { .. }))
            && self.next + 1 < self.events.len()
    }

    /// At an `Exit` event that is not the trace's last: kill the process
    /// of the thread it names and go on with another task. The end, for
    /// the debugger, when it was the process it follows.
    pub(super) fn end_process_event(&mut self) -> Result<Option<StopReason>> {
        let Some(Event::Exit { tid, kind }) = self.events.get(self.next) else {
            return Ok(None);
        };
        let (tid, kind) = (*tid, *kind);
        self.check_exit_event(self.next)?;
        self.next += 1;
        if self.focus.is_some_and(|f| f == self.pid_of(tid)) {
            // Left as it is, for inspection.
            return Ok(Some(self.finish(super::EndKind::Exited(kind))));
        }
        // Its threads may have gone already (a leader that left first).
        let Some(pid) = self.task_of(tid).map(|t| t.pid) else {
            return Ok(None);
        };
        log::debug!("replay: process of thread {tid} ends");
        if let Some(rec_pid) = self.processes.pid_of(tid) {
            self.stdio.exit(rec_pid);
        }
        let mut tasks: Vec<(nix::unistd::Pid, nix::unistd::Pid)> = self
            .threads
            .values()
            .filter(|p| p.task().pid == pid)
            .map(|p| (pid, p.task().tid))
            .collect();
        if self.task.pid == pid {
            tasks.push((pid, self.task.tid));
        }
        super::threads::kill_and_reap(tasks);
        self.switches += 1;
        self.threads.retain(|_, p| p.task().pid != pid);
        if self.task.pid == pid {
            // Any live task takes the running one's place; the next
            // event's is switched in.
            if let Some(&next) = self.threads.keys().next() {
                if let Some(p) = self.threads.remove(&next) {
                    let ended = self.current_tid;
                    drop(self.take_in(next, p));
                    if self.focus.is_some() {
                        self.carry_debug_regs(ended, None)?;
                    } else if !self.triggers_suspended {
                        self.hw
                            .apply(&self.task)
                            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
                    }
                }
            } else if self.next < self.events.len() {
                return Err(self.no_task_left());
            }
        }
        Ok(None)
    }
}

impl ReplaySession {
    /// Replay a successful execve (its `Execve` event is next): run the
    /// saved copy of the new program with the program's own arguments and
    /// environment, then put the recorded initial stack and registers in
    /// place, as at the start of a replay.
    pub(super) fn replay_execve(&mut self, regs: &Regs) -> Result<Option<std::path::PathBuf>> {
        let Some(Event::Execve {
            tid: new_tid,
            exe,
            interp,
            regs: start_regs,
            stack,
            maps,
            ..
        }) = self.events.get(self.next).cloned()
        else {
            return Ok(None);
        };
        if let Some(i) = &interp {
            super::check_interp(&self.reader, i)?;
        }
        let path = self.reader.saved_file(&exe.saved);
        let mut bytes = path.to_string_lossy().into_owned().into_bytes();
        bytes.push(0);
        // Below the red zone; the old program's memory goes anyway.
        let at = (regs.sp() - 8192 - bytes.len() as u64) & !15;
        self.task.write_mem(at, &bytes)?;
        let args = regs.syscall_args();
        // execveat(dirfd, path, argv, envp, flags) runs as execve(saved
        // copy, argv, envp).
        let (nr, argv, envp) = match self.arch.syscall(regs.syscall_nr()) {
            Some(d) if d.name == "execveat" => (
                self.arch.syscall_nr("execve").ok_or_else(|| {
                    ReplayError::Unsupported("this architecture has no execve".into())
                })?,
                args[2],
                args[3],
            ),
            _ => (regs.syscall_nr(), args[1], args[2]),
        };
        let mut r = *regs;
        r.set_syscall(nr, [at, argv, envp, 0, 0, 0]);
        r.rewind_to_syscall(nr);
        self.task.set_regs(&r)?;
        let pid = self.task.pid;
        let others: Vec<nix::unistd::Pid> = self
            .threads
            .values()
            .filter(|p| p.task().pid == pid)
            .map(|p| p.task().tid)
            .collect();
        // The kernel ends the other threads first, and a thread that is not
        // the leader takes the leader's id.
        self.task.enter_syscall_insn("a replayed execve's entry")?;
        self.task.resume(Resume::Syscall, None)?;
        let end = crate::tracee::finish_exec(&self.task, &others, |who, stop| {
            Err(TaskError::UnexpectedStop {
                tid: who.as_raw(),
                during: "an execve (a task of another process moved)",
                stop,
            })
        })?;
        match end {
            ThreadExec::Ran(task) => {
                self.task = *task;
                // Known from now on by the id the recording gave it.
                self.current_tid = new_tid;
                self.interrupt_tid
                    .store(self.task.tid.as_raw(), std::sync::atomic::Ordering::SeqCst);
            }
            ThreadExec::Failed => {}
            ThreadExec::Ended(stop) => {
                return Err(TaskError::UnexpectedStop {
                    tid: self.task.tid.as_raw(),
                    during: "a replayed execve",
                    stop,
                }
                .into())
            }
        }
        let result = self.task.regs()?.result();
        if result != 0 {
            return Err(ReplayError::Unsupported(format!(
                "cannot run {} (the trace's copy of {}): error {}; is the trace complete?",
                path.display(),
                exe.original,
                -(result as i64)
            )));
        }
        if self.machine.trap_cpuid {
            crate::tracee::cpu::make_cpuid_fault(&self.task, self.arch, false)?;
        }
        // The process's other threads went with the old program (let past
        // their ends on the way).
        self.threads.retain(|_, p| p.task().pid != pid);
        self.syscall_insns.remove(&self.task.pid.as_raw());
        self.anchor = None;
        super::check_initial_maps(&self.task, self.arch, &self.events, self.next, &maps)?;
        super::put_initial_stack(&self.task, &stack)?;
        self.task.set_regs(&start_regs)?;
        self.next += 1;
        if !self.current_in_focus() {
            return Ok(None);
        }
        // The debugger's breakpoints went with the old program's memory;
        // it inserts them again where the new program's symbols say.
        self.breakpoints.clear();
        Ok(Some(path))
    }
}
