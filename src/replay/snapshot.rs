//! Snapshots of a replay: a paused fork of the replayed process plus the
//! session's own state at that point. Restoring one forks the paused copy
//! again, so a snapshot can be returned to any number of times.
//!
//! A fork copies only the thread that makes it: the process's other
//! threads are kept as their state (registers, extended registers, signal
//! mask, thread-id word, whether they sit at a syscall entry) and made
//! again in each restored copy, by clones injected into it.

use std::collections::BTreeMap;

use super::threads::Parked;
use super::{EndKind, ReplayError, ReplaySession, Result};
use crate::arch::fork::{CLONE_CHILD_CLEARTID, THREAD_FLAGS};
use crate::tracee::{Resume, Stop, Task, TaskError};

/// A paused copy of the replay at a position.
pub struct Snapshot {
    task: Task,
    next: usize,
    chain: Vec<super::Segment>,
    pending_signal: Option<i32>,
    pending_info: Vec<u8>,
    ended: Option<EndKind>,
    /// Software breakpoints present in the copy's memory.
    breakpoints: BTreeMap<u64, crate::arch::breakpoint::Saved>,
    /// The branch count at the snapshot, with a counter.
    ticks: Option<u64>,
    /// The running thread's recorded id.
    current_tid: i32,
    /// The process's other threads.
    threads: Vec<ThreadCopy>,
    /// A syscall instruction in the copy, for injections.
    insn: u64,
    /// The contents of the shared writable mappings (the copy shares their
    /// pages with the replay, which goes on writing them).
    shared: super::shared::SharedContents,
    /// A copy of the running process only, made while other processes
    /// live: it can be returned to only while they have not run since.
    local: Option<LocalScope>,
}

/// What a copy of the running process alone (see
/// [`ReplaySession::snapshot_local`]) relies on.
struct LocalScope {
    /// The session's count of task switches and process ends when made.
    switches: u64,
    /// The other processes' tasks then (recorded ids).
    others: Vec<i32>,
}

/// What a parked thread needs to be made again in a restored copy.
struct ThreadCopy {
    rec_tid: i32,
    regs: crate::arch::regs::Regs,
    xstate: Vec<u8>,
    sigmask: u64,
    /// Stopped at the entry of a syscall whose event has not come yet.
    at_entry: bool,
    pending_signal: Option<i32>,
    pending_info: Vec<u8>,
    /// The word the kernel clears at the thread's exit.
    clear_tid: Option<u64>,
}

impl Snapshot {
    pub fn position(&self) -> super::Position {
        super::Position {
            event: self.next as u64,
            chain: self.chain.clone(),
        }
    }

    /// The process id of the paused copy.
    pub fn pid(&self) -> i32 {
        self.task.pid.as_raw()
    }

    /// Whether the paused copy still exists (it may be killed from outside).
    pub fn alive(&self) -> bool {
        std::path::Path::new(&format!("/proc/{}/status", self.task.pid)).exists()
            && !std::fs::read_to_string(format!("/proc/{}/status", self.task.pid))
                .map(|s| {
                    s.lines()
                        .any(|l| l.starts_with("State:") && l.contains("zombie"))
                })
                .unwrap_or(true)
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        self.task.kill();
    }
}

impl ReplaySession {
    /// Take a snapshot of the current point.
    pub fn snapshot(&mut self) -> Result<Snapshot> {
        if !self.can_checkpoint() {
            return Err(ReplayError::Unsupported(
                "cannot take a checkpoint here (the replay has ended or a signal is being delivered)"
                    .into(),
            ));
        }
        self.snapshot_with(None)
    }

    /// Whether [`ReplaySession::snapshot_local`] can copy the running
    /// process here: it has no other thread, nothing is half-done, and the
    /// event that ends the stretch is its own (running to it makes no
    /// other process run).
    pub fn can_snapshot_local(&self) -> bool {
        let pid = self.task.pid;
        let next_is_ours = matches!(
            self.events.get(self.next),
            Some(e) if e.tid() == self.current_tid && !matches!(e, crate::trace::Event::Exit { .. })
        );
        self.ended.is_none()
            && self.injecting.is_none()
            && self.counter.is_none()
            && next_is_ours
            && self.threads.values().all(|p| p.task.pid != pid)
    }

    /// A snapshot for a search inside the current stretch: a full one
    /// where one can be taken, else (other processes alive) a copy of the
    /// running process alone, which [`ReplaySession::restore`] accepts
    /// only while no other process has run since (they are left as they
    /// are; memory shared with them gets the copy's contents back).
    pub fn snapshot_local(&mut self) -> Result<Snapshot> {
        if self.can_checkpoint() {
            return self.snapshot();
        }
        if !self.can_snapshot_local() {
            return Err(ReplayError::Unsupported(
                "cannot copy the running process here (it has other threads, or the next event \
                 is another's)"
                    .into(),
            ));
        }
        let scope = LocalScope {
            switches: self.switches,
            others: self.threads.keys().copied().collect(),
        };
        self.snapshot_with(Some(scope))
    }

    fn snapshot_with(&mut self, local: Option<LocalScope>) -> Result<Snapshot> {
        let insn = self.syscall_insn().ok_or_else(|| {
            ReplayError::Unsupported(
                "cannot take a checkpoint before the program's first syscall".into(),
            )
        })?;
        // The anchor is re-armed when needed; keep it out of the copy.
        self.disarm_anchor()?;
        let threads = if local.is_some() {
            Vec::new()
        } else {
            self.thread_copies()?
        };
        let shared = super::shared::SharedContents::take(&self.task);
        log::trace!(
            "snapshot at event {}: task {} (recorded {}), parked {:?}",
            self.next,
            self.task.tid,
            self.current_tid,
            self.threads.keys().collect::<Vec<_>>()
        );
        let task = self.task.inject_fork(insn)?;
        // The original's stop has become a syscall stop: signals are queued.
        if self.pending_signal.is_some() && self.at_signal_stop {
            self.injecting = self.pending_signal.map(|s| (s, self.pending_info.clone()));
        }
        self.at_signal_stop = false;
        Ok(Snapshot {
            task,
            next: self.next,
            chain: self.chain.clone(),
            pending_signal: self.pending_signal,
            pending_info: self.pending_info.clone(),
            ended: self.ended.clone(),
            breakpoints: if self.triggers_suspended {
                BTreeMap::new()
            } else {
                self.breakpoints.clone()
            },
            ticks: self.ticks(),
            current_tid: self.current_tid,
            threads,
            insn,
            shared,
            local,
        })
    }

    /// The state of every parked thread (all of the running one's
    /// process: see `can_checkpoint`).
    fn thread_copies(&self) -> Result<Vec<ThreadCopy>> {
        let mut v = Vec::new();
        for (&rec_tid, p) in &self.threads {
            v.push(ThreadCopy {
                rec_tid,
                regs: p.task.regs()?,
                xstate: p.task.xstate()?,
                sigmask: p.task.sigmask()?,
                at_entry: p.at_entry,
                pending_signal: p.pending_signal,
                pending_info: p.pending_info.clone(),
                clear_tid: self.clear_tid.get(&rec_tid).copied(),
            });
        }
        Ok(v)
    }

    /// Make thread `t` again in the running task's process (stopped where
    /// a restored copy's main thread is): a clone run at `insn`, then the
    /// thread's state put in place.
    fn remake_thread(&mut self, insn: u64, t: &ThreadCopy) -> Result<Parked> {
        let saved = self.task.regs()?;
        let mut r = saved;
        let (flags, ctid) = match t.clear_tid {
            Some(a) => (THREAD_FLAGS | CLONE_CHILD_CLEARTID, a),
            None => (THREAD_FLAGS, 0),
        };
        // x86_64 order: flags, stack, parent tid, child tid, tls.
        r.set_syscall(libc::SYS_clone as u64, [flags, 0, 0, ctid, 0, 0]);
        r.set_ip(insn);
        r.reload_syscall(libc::SYS_clone as u64);
        r.set_syscall_nr(u64::MAX);
        self.task.set_regs(&r)?;
        let child = super::threads::run_clone_insn(&self.task)?;
        self.task.set_regs(&saved)?;
        let task = super::threads::started_thread(
            &self.task,
            child,
            "the start of a thread made again for a checkpoint",
        )?;
        task.set_xstate(&t.xstate)?;
        task.set_sigmask(t.sigmask)?;
        if t.at_entry {
            // Back before its syscall instruction, then into the syscall:
            // stopped at its entry again.
            let mut before = t.regs;
            before.rewind_to_syscall(before.syscall_nr());
            task.set_regs(&before)?;
            // As the replay parks threads: at a PTRACE_SYSEMU entry, so
            // that the kernel never runs the syscall (its event says how it
            // ended).
            task.resume(Resume::Sysemu, None)?;
            match task.wait()? {
                Stop::SyscallEntry => {}
                stop => {
                    return Err(TaskError::UnexpectedStop {
                        tid: child.as_raw(),
                        during: "a thread made again at its syscall's entry",
                        stop,
                    }
                    .into())
                }
            }
        } else {
            task.set_regs(&t.regs)?;
            if t.pending_signal.is_some() {
                task.set_siginfo(&t.pending_info)?;
            }
        }
        Ok(Parked {
            task,
            pending_signal: t.pending_signal,
            pending_info: t.pending_info.clone(),
            at_signal_stop: !t.at_entry,
            injecting: None,
            at_entry: t.at_entry,
            counter: None,
        })
    }

    /// Continue from a snapshot's point: the current process is replaced by
    /// a fresh copy of the snapshot's.
    pub fn restore(&mut self, snap: &Snapshot) -> Result<()> {
        if !snap.alive() {
            return Err(ReplayError::Unsupported(format!(
                "the checkpoint process {} is gone (killed from outside?); \
                 it cannot be returned to",
                snap.pid()
            )));
        }
        if let Some(scope) = &snap.local {
            if scope.switches != self.switches {
                return Err(ReplayError::Unsupported(
                    "a copy made for a search inside one stretch cannot be returned to once \
                     other processes have run"
                        .into(),
                ));
            }
        }
        let insn = snap.insn;
        let task = snap.task.inject_fork(insn)?;
        match &snap.local {
            None => {
                self.kill_process();
                self.task = task;
                self.syscall_insns.clear();
                self.set_syscall_insn(insn);
                self.drop_threads(snap.current_tid);
            }
            Some(scope) => {
                // The running process, and any process made since, go;
                // the others stay as they are.
                let mut gone = vec![(self.task.pid, self.task.tid)];
                let made: Vec<i32> = self
                    .threads
                    .keys()
                    .filter(|t| !scope.others.contains(t))
                    .copied()
                    .collect();
                for t in made {
                    if let Some(p) = self.threads.remove(&t) {
                        gone.push((p.task.pid, p.task.tid));
                    }
                }
                let live: Vec<i32> = self.threads.values().map(|p| p.task.pid.as_raw()).collect();
                super::threads::kill_and_reap(gone);
                self.task = task;
                self.syscall_insns.retain(|pid, _| live.contains(pid));
                self.set_syscall_insn(insn);
                self.current_tid = snap.current_tid;
                self.at_entry = false;
                self.interrupt_tid
                    .store(self.task.tid.as_raw(), std::sync::atomic::Ordering::SeqCst);
            }
        }
        self.interrupt_pid
            .store(self.task.pid.as_raw(), std::sync::atomic::Ordering::SeqCst);
        self.next = snap.next;
        self.chain = snap.chain.clone();
        self.ended = snap.ended.clone();
        self.anchor = None;
        self.anchor_visits = (usize::MAX, 0);
        // The copy is at its start-up SIGSTOP: a signal-delivery stop.
        self.at_signal_stop = true;
        self.pending_signal = snap.pending_signal;
        self.pending_info = snap.pending_info.clone();
        self.injecting = None;
        if let Some(_sig) = self.pending_signal {
            self.task.set_siginfo(&self.pending_info)?;
        }
        // Make the copy's breakpoints the current ones (none while they are
        // suspended).
        let want = if self.triggers_suspended {
            BTreeMap::new()
        } else {
            self.breakpoints.clone()
        };
        for (&a, orig) in &snap.breakpoints {
            if !want.contains_key(&a) {
                self.task.write_mem(a, orig.bytes())?;
            }
        }
        for &a in want.keys() {
            if !snap.breakpoints.contains_key(&a) {
                self.task.write_mem(a, self.arch.breakpoint_insn())?;
            }
        }
        self.enable_fork_tracing()?;
        if snap.local.is_some() {
            snap.shared.restore_in_place(&self.task, &self.shared)?;
        } else {
            snap.shared.restore(&self.task, insn, &self.shared)?;
        }
        if !snap.threads.is_empty() {
            // The copy's first thread came from a fork, which does not
            // keep the thread-id word the kernel clears at its exit (and
            // its joiners wait for).
            if let Some(&word) = self.clear_tid.get(&snap.current_tid) {
                self.task.inject_syscall(
                    insn,
                    libc::SYS_set_tid_address as u64,
                    [word, 0, 0, 0, 0, 0],
                )?;
            }
            for t in &snap.threads {
                let parked = self.remake_thread(insn, t)?;
                self.threads.insert(t.rec_tid, parked);
            }
            // The main thread ran the clones: it is at a syscall stop now
            // (a snapshot with threads has no signal of its own pending).
            self.at_signal_stop = false;
        }
        if let Some(t) = snap.ticks {
            self.open_counter(t);
        }
        // A fresh copy has no debug registers; while triggers are
        // suspended they stay free (for hit counters), and resuming them
        // sets them. Those carried for the followed process while another
        // ran were the old process's: a switch to its thread would put them
        // on the copy (and a register once set holds one of the kernel's
        // four breakpoint slots for good, which hit counters then lack).
        self.focus_dr = None;
        if !self.triggers_suspended && self.current_in_focus() {
            self.hw
                .apply(&self.task)
                .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        }
        let task = &self.task;
        let read = |a: u64, l: usize| task.read_mem(a, l);
        self.hw.refresh(&read);
        Ok(())
    }
}
