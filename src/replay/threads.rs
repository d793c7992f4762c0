//! Threads at replay: the replay runs, at each moment, the thread that the
//! next event names (as the recording ran one thread at a time), and keeps
//! the others stopped. Threads are created for real by replaying clone, and
//! known by their recorded thread ids; `exit` of one thread runs for real.
//!
//! Per-thread replay state (a signal to deliver, whether the thread sits at
//! a syscall entry its event has not consumed yet) moves in and out of the
//! session with the thread.

use std::collections::BTreeMap;

use super::hw::ThreadDebugRegs;
use super::{ReplayError, ReplaySession, Result};
use crate::arch::regs::Regs;
use crate::trace::Event;
use crate::tracee::{Resume, Stop, Task, TaskError, TaskSyscallEnd};

/// A thread that is not the one running.
pub struct Parked {
    pub(super) task: Task,
    pub(super) pending_signal: Option<i32>,
    pub(super) pending_info: Vec<u8>,
    pub(super) at_signal_stop: bool,
    pub(super) injecting: Option<(i32, Vec<u8>)>,
    pub(super) at_entry: bool,
    /// Its branch counter, with a PMU.
    pub(super) counter: Option<(crate::ticks::pmu::Counter, u64)>,
}

impl Parked {
    /// A new task, stopped where it can be resumed, with its own branch
    /// counter (if any) from zero.
    pub(super) fn new(task: Task, counter: Option<(crate::ticks::pmu::Counter, u64)>) -> Parked {
        Parked {
            task,
            pending_signal: None,
            pending_info: Vec::new(),
            at_signal_stop: true,
            injecting: None,
            at_entry: false,
            counter,
        }
    }

    pub(super) fn task(&self) -> &Task {
        &self.task
    }
}

/// The parked threads by recorded thread id.
pub type Threads = BTreeMap<i32, Parked>;

impl ReplaySession {
    /// Recorded ids of the live threads the debugger sees, the running
    /// one first.
    pub fn thread_ids(&self) -> Vec<i32> {
        let mut v = vec![self.current_tid];
        v.extend(self.threads.keys().copied());
        v.retain(|&t| self.in_focus(t));
        v
    }

    /// Whether the recording had more than one thread at some point.
    pub fn has_threads(&self) -> bool {
        let main = self.events.first().map(|e| e.tid());
        self.events.iter().any(|e| Some(e.tid()) != main)
    }

    /// Whether the followed process (every process, when the debugger
    /// follows no one in particular) had more than one thread at some
    /// point. Other processes' threads carry no breakpoints or debug
    /// registers, so hits counted on the followed process's one thread are
    /// all the hits there are.
    pub fn followed_has_threads(&self) -> bool {
        let mut first = None;
        for e in &self.events {
            let t = e.tid();
            if !self.in_focus(t) {
                continue;
            }
            match first {
                None => first = Some(t),
                Some(f) if f != t => return true,
                Some(_) => {}
            }
        }
        false
    }

    /// The recorded id of the running thread (of the followed process,
    /// the first of its threads when another process's task runs).
    pub fn current_tid(&self) -> i32 {
        match self.user_parked() {
            Some(t) => t,
            None => self.current_tid,
        }
    }

    /// The task of thread `tid` (recorded id), running or parked.
    pub(super) fn task_of(&self, tid: i32) -> Option<&Task> {
        if tid == self.current_tid {
            Some(&self.task)
        } else {
            self.threads.get(&tid).map(|p| &p.task)
        }
    }

    /// Registers of thread `tid` (recorded id).
    pub fn thread_regs(&self, tid: i32) -> Result<Regs> {
        if tid == self.current_tid {
            return self.regs();
        }
        match self.threads.get(&tid) {
            Some(p) => Ok(p.task.regs()?),
            None => Err(ReplayError::Unsupported(format!(
                "there is no thread {tid}"
            ))),
        }
    }

    /// The extended (floating-point and vector) state of thread `tid`.
    pub fn thread_xstate(&self, tid: i32) -> Result<Vec<u8>> {
        if tid == self.current_tid {
            return self.xstate();
        }
        match self.threads.get(&tid) {
            Some(p) => Ok(p.task.xstate()?),
            None => Err(ReplayError::Unsupported(format!(
                "there is no thread {tid}"
            ))),
        }
    }

    /// Make the thread of the next event the running one.
    pub(super) fn switch_for_next(&mut self) -> Result<()> {
        let want = match self.events.get(self.next) {
            Some(Event::Exit { .. }) | None => return Ok(()),
            Some(e) => e.tid(),
        };
        if want == self.current_tid {
            return Ok(());
        }
        if !self.threads.contains_key(&want) {
            return Err(self.unknown_thread(want));
        }
        self.switch_to(want)
    }

    pub(super) fn switch_to(&mut self, tid: i32) -> Result<()> {
        let Some(p) = self.threads.remove(&tid) else {
            return Ok(());
        };
        let old_tid = self.current_tid;
        let old = self.take_in(tid, p);
        // Debug registers are per thread: the running one carries them.
        let handed = if self.focus.is_none() {
            ThreadDebugRegs::read(&old.task)
                .and_then(|d| d.put(&self.task))
                .map_err(|e| ReplayError::Unsupported(e.to_string()))
        } else {
            self.carry_debug_regs(old_tid, Some(&old.task))
        };
        self.threads.insert(old_tid, old);
        handed
    }

    /// Make parked thread `p` (recorded id `tid`) the running one; the state
    /// of the one that was running.
    pub(super) fn take_in(&mut self, tid: i32, p: Parked) -> Parked {
        let old = Parked {
            task: std::mem::replace(&mut self.task, p.task),
            pending_signal: std::mem::replace(&mut self.pending_signal, p.pending_signal),
            pending_info: std::mem::replace(&mut self.pending_info, p.pending_info),
            at_signal_stop: std::mem::replace(&mut self.at_signal_stop, p.at_signal_stop),
            injecting: std::mem::replace(&mut self.injecting, p.injecting),
            at_entry: std::mem::replace(&mut self.at_entry, p.at_entry),
            counter: std::mem::replace(&mut self.counter, p.counter),
        };
        self.current_tid = tid;
        self.switches += 1;
        self.interrupt_tid
            .store(self.task.tid.as_raw(), std::sync::atomic::Ordering::SeqCst);
        old
    }

    /// Kill every replayed process and reap all their threads.
    pub(super) fn kill_process(&mut self) {
        let mut tasks: Vec<(nix::unistd::Pid, nix::unistd::Pid)> = self
            .threads
            .values()
            .map(|p| (p.task.pid, p.task.tid))
            .collect();
        tasks.push((self.task.pid, self.task.tid));
        kill_and_reap(tasks);
        self.switches += 1;
        self.threads.clear();
    }

    /// Forget every other thread (the process they belonged to is gone).
    pub(super) fn drop_threads(&mut self, main_tid: i32) {
        self.threads.clear();
        self.current_tid = main_tid;
        self.at_entry = false;
        self.interrupt_tid
            .store(self.task.tid.as_raw(), std::sync::atomic::Ordering::SeqCst);
    }

    /// At a syscall entry that a `SyscallEntry` event names: check it is
    /// the recorded one and leave the thread there until its `Syscall`
    /// event (other threads run meanwhile).
    pub(super) fn park_at_entry(&mut self) -> Result<()> {
        let regs = self.task.regs()?;
        let idx = self.next;
        let Some(Event::SyscallEntry { regs: want, .. }) = self.events.get(idx) else {
            return Ok(());
        };
        let diffs = want.diff(&regs);
        if !diffs.is_empty() {
            let what = format!(
                "registers at the entry of {} (a syscall that blocked)",
                self.arch.syscall_name(want.syscall_nr())
            );
            return Err(self.regs_divergence(idx, &what, diffs));
        }
        self.set_syscall_insn(regs.syscall_insn_addr());
        self.at_entry = true;
        self.echo_at_entry(idx, &regs);
        self.next += 1;
        Ok(())
    }

    /// Replay a thread's clone: create the thread for real, known from now
    /// on by the recorded id `rec_tid`.
    pub(super) fn replay_clone(&mut self, regs: &Regs, rec_tid: i32) -> Result<()> {
        let mut r = *regs;
        r.rewind_to_syscall(regs.syscall_nr());
        // Traced even when cloned CLONE_UNTRACED, as when recorded, and
        // without a real pidfd (the recorded number comes from the trace).
        let args = regs.syscall_args();
        let untraced = crate::arch::fork::replay_thread_args(&args);
        if let Some(traced) = untraced {
            r.set_syscall(regs.syscall_nr(), traced);
        }
        // No namespace is made again (see `replay_fork`).
        let in_namespaces = args[0] & crate::arch::fork::NAMESPACE_FLAGS != 0;
        if in_namespaces {
            let mut a = r.syscall_args();
            a[0] &= !crate::arch::fork::NAMESPACE_FLAGS;
            r.set_syscall(regs.syscall_nr(), a);
        }
        self.task.set_regs(&r)?;
        let child = run_clone_insn(&self.task)?;
        if untraced.is_some() || in_namespaces {
            self.task.restore_syscall_regs(regs.syscall_nr(), args)?;
        }
        let task = started_thread(&self.task, child, "the start of a replayed thread")?;
        if untraced.is_some() || in_namespaces {
            task.restore_syscall_regs(regs.syscall_nr(), args)?;
        }
        let counter = self.counter_for(child.as_raw(), 0);
        self.threads.insert(rec_tid, Parked::new(task, counter));
        // The word the kernel clears at the thread's exit (and its joiners
        // wait for).
        if let Some(word) = crate::arch::fork::clear_tid_ptr(self.arch, &regs.syscall_args()) {
            self.clear_tid.insert(rec_tid, word);
        }
        Ok(())
    }

    /// Replay `exit` of the running thread while others live: it exits for
    /// real (the kernel clears its thread-id word and wakes its joiners, as
    /// when recorded), and the thread of the next event runs.
    pub(super) fn replay_thread_exit(&mut self, regs: &Regs) -> Result<()> {
        // The thread taken in carries the debug registers on.
        let debugregs = ThreadDebugRegs::read(&self.task)
            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        let mut r = *regs;
        r.rewind_to_syscall(regs.syscall_nr());
        self.task.set_regs(&r)?;
        self.task.resume(Resume::Syscall, None)?;
        loop {
            match self.task.wait()? {
                Stop::Exited(_) | Stop::Killed(_) => break,
                Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXIT => {
                    self.task.resume(Resume::Cont, None)?;
                    if self.task.tid == self.task.pid {
                        // The leader's end is reported with the group's.
                        break;
                    }
                }
                _ => self.task.resume(Resume::Syscall, None)?,
            }
        }
        // Any live thread takes its place; the next event's is switched in.
        let Some(&next) = self.threads.keys().next() else {
            return Ok(());
        };
        let p = self.threads.remove(&next).ok_or_else(|| {
            ReplayError::Unsupported("no thread left to run after a thread's exit".into())
        })?;
        // The exited thread's state goes with it.
        let exited = self.current_tid;
        drop(self.take_in(next, p));
        if self.focus.is_none() {
            return debugregs
                .put(&self.task)
                .map_err(|e| ReplayError::Unsupported(e.to_string()));
        }
        if self.in_focus(exited) {
            self.focus_dr = Some(debugregs);
        }
        self.carry_debug_regs(exited, None)
    }
}

/// Kill the processes of `tasks` (process id, thread id) and reap every
/// one of those threads: each stops at its exit event (we trace exits) and
/// must be let go, and a leader's end comes only after its other threads'.
pub(super) fn kill_and_reap(mut tasks: Vec<(nix::unistd::Pid, nix::unistd::Pid)>) {
    for &(pid, _) in &tasks {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    }
    tasks.sort_by_key(|(pid, tid)| pid == tid);
    for (_, tid) in tasks {
        crate::tracee::reap(tid);
    }
}

/// Thread `child`, just made by a clone in `parent`'s process, once it is
/// at its first stop.
pub(super) fn started_thread(
    parent: &Task,
    child: nix::unistd::Pid,
    during: &'static str,
) -> Result<Task> {
    let task = Task::new(parent.pid, child)?;
    match task.wait_start()? {
        None => Ok(task),
        Some(stop) => Err(TaskError::UnexpectedStop {
            tid: child.as_raw(),
            during,
            stop,
        }
        .into()),
    }
}

/// Run the clone at the thread's syscall instruction (registers set up):
/// the new thread's id.
pub(super) fn run_clone_insn(task: &Task) -> Result<nix::unistd::Pid> {
    task.enter_syscall_insn("a replayed clone's entry")?;
    match task.finish_task_syscall("a replayed clone")? {
        TaskSyscallEnd::Exit { child: Some(child) } => Ok(child),
        TaskSyscallEnd::Exit { child: None } => Err(ReplayError::Unsupported(format!(
            "the replayed clone returned {:#x} without creating a task",
            task.regs().map(|r| r.result()).unwrap_or(0)
        ))),
        TaskSyscallEnd::Ended(stop) => Err(TaskError::UnexpectedStop {
            tid: task.tid.as_raw(),
            during: "a replayed clone",
            stop,
        }
        .into()),
    }
}
