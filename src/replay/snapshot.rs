//! Snapshots of a replay: a paused fork of the replayed process plus the
//! session's own state at that point. Restoring one forks the paused copy
//! again, so a snapshot can be returned to any number of times.

use std::collections::BTreeMap;

use super::{EndKind, ReplayError, ReplaySession, Result};
use crate::tracee::Task;

/// A paused copy of the replay at a position.
pub struct Snapshot {
    task: Task,
    next: usize,
    chain: Vec<super::Segment>,
    pending_signal: Option<i32>,
    pending_info: Vec<u8>,
    ended: Option<EndKind>,
    /// Software breakpoints present in the copy's memory.
    breakpoints: BTreeMap<u64, u8>,
    /// The branch count at the snapshot, with a counter.
    ticks: Option<u64>,
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
        let insn = self.syscall_insn.ok_or_else(|| {
            ReplayError::Unsupported(
                "cannot take a checkpoint before the program's first syscall".into(),
            )
        })?;
        // The anchor is re-armed when needed; keep it out of the copy.
        self.disarm_anchor()?;
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
        let insn = self.syscall_insn.ok_or_else(|| {
            ReplayError::Unsupported("no syscall instruction known for a restore".into())
        })?;
        let task = snap.task.inject_fork(insn)?;
        self.kill_process();
        self.task = task;
        let main_tid = self.events.first().map(|e| e.tid()).unwrap_or(0);
        self.drop_threads(main_tid);
        self.interrupt_pid
            .store(self.task.pid.as_raw(), std::sync::atomic::Ordering::SeqCst);
        self.next = snap.next;
        self.chain = snap.chain.clone();
        self.ended = snap.ended.clone();
        self.anchor = None;
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
        for (&a, &orig) in &snap.breakpoints {
            if !want.contains_key(&a) {
                self.task.write_mem(a, &[orig])?;
            }
        }
        for &a in want.keys() {
            if !snap.breakpoints.contains_key(&a) {
                self.task
                    .write_mem(a, &[crate::arch::x86_64::BREAKPOINT_INSN])?;
            }
        }
        self.enable_fork_tracing()?;
        if let Some(t) = snap.ticks {
            self.open_counter(t);
        }
        // A fresh copy has no debug registers; while triggers are
        // suspended they stay free (for hit counters), and resuming them
        // sets them.
        if !self.triggers_suspended {
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
