//! The process the debugger follows, in a trace of several.
//!
//! Every process replays; the debugger sees one (rr's `-p`, `--onfork`):
//! its threads are the thread list, its memory and debug registers hold the
//! breakpoints and watchpoints, and only its stops are reported. Tasks of
//! other processes run without stopping for the debugger, in continue mode
//! even while the debugger steps. The debugger's history starts where the
//! process starts for it (its exec, or its fork) and ends with it.

use super::hw::ThreadDebugRegs;
use super::{ReplayError, ReplaySession, Result, StopReason};
use crate::trace::processes::ProcessTable;
use crate::trace::Event;

/// Which process the debugger follows, as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FocusSpec {
    /// A process id or a program name, from where it runs its program
    /// (its exec; or its start, when it never runs another).
    Process(String),
    /// A process id, from just after the fork that made it.
    Fork(i32),
}

/// The followed process and the event the debugger's history starts at.
pub fn resolve(events: &[Event], table: &ProcessTable, spec: &FocusSpec) -> Result<(i32, usize)> {
    let unknown = |what: &str| {
        ReplayError::Unsupported(format!(
            "there is no process {what} in this trace; `rewind ps` lists them"
        ))
    };
    match spec {
        FocusSpec::Fork(pid) => {
            let p = table
                .processes
                .iter()
                .find(|p| p.pid == *pid)
                .ok_or_else(|| unknown(&pid.to_string()))?;
            if p.ppid.is_none() {
                return Err(ReplayError::Unsupported(format!(
                    "process {pid} is the first process, not forked by another; use -p {pid}"
                )));
            }
            Ok((p.pid, p.created_at + 1))
        }
        FocusSpec::Process(what) => {
            let by_pid = what.parse::<i32>().ok();
            let name_of = |argv: &[String]| {
                argv.first()
                    .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
                    .unwrap_or_default()
            };
            // Each process's first exec, by event index.
            let mut first_exec = std::collections::BTreeMap::new();
            let mut exec_name = std::collections::BTreeMap::new();
            for (i, e) in events.iter().enumerate() {
                if let Event::Execve { tid, argv, .. } = e {
                    let pid = table.pid_of(*tid).unwrap_or(*tid);
                    first_exec.entry(pid).or_insert(i);
                    exec_name.entry(pid).or_insert_with(|| name_of(argv));
                }
            }
            let found = table.processes.iter().find(|p| match by_pid {
                Some(pid) => p.pid == pid,
                None => exec_name.get(&p.pid).is_some_and(|n| n == what),
            });
            let p = found.ok_or_else(|| unknown(what))?;
            let start = match first_exec.get(&p.pid) {
                Some(&i) => i + 1,
                None if p.ppid.is_none() => 1,
                None => p.created_at + 1,
            };
            Ok((p.pid, start))
        }
    }
}

impl ReplaySession {
    /// Follow the process `spec` names, or, in a trace of several
    /// processes, the first.
    pub fn follow(&mut self, spec: Option<&FocusSpec>) -> Result<()> {
        let table = &self.processes;
        match spec {
            Some(spec) => {
                let (pid, start) = resolve(&self.events, table, spec)?;
                self.set_focus(pid, start)
            }
            None if table.processes.len() > 1 => {
                let root = table.processes[0].pid;
                self.set_focus(root, 1)
            }
            None => Ok(()),
        }
    }

    /// Follow process `pid` from event `start`: run there (nothing is
    /// reported on the way) and make one of its threads the running one.
    pub fn set_focus(&mut self, pid: i32, start: usize) -> Result<()> {
        self.focus = Some(pid);
        self.focus_start = start.max(1);
        self.run_to_focus_start()
    }

    /// The event the debugger's history starts at.
    pub fn start_event(&self) -> u64 {
        self.focus_start as u64
    }

    /// The recorded process id of thread `tid`.
    pub(super) fn pid_of(&self, tid: i32) -> i32 {
        self.processes.pid_of(tid).unwrap_or(tid)
    }

    /// Whether thread `tid` is the debugger's.
    pub(super) fn in_focus(&self, tid: i32) -> bool {
        self.focus.is_none_or(|f| self.pid_of(tid) == f)
    }

    pub fn current_in_focus(&self) -> bool {
        self.in_focus(self.current_tid)
    }

    /// A parked thread of the followed process, when the running task is
    /// not one of its threads: where the debugger's breakpoints live then.
    pub(super) fn user_parked(&self) -> Option<i32> {
        if self.current_in_focus() {
            return None;
        }
        self.threads.keys().copied().find(|&t| self.in_focus(t))
    }

    /// After the debug registers of parked thread `ut` changed: remember
    /// them for the followed process's next thread to run.
    pub(super) fn note_focus_dr(&mut self, ut: Option<i32>) -> Result<()> {
        if let Some(p) = ut.and_then(|t| self.threads.get(&t)) {
            self.focus_dr = Some(
                ThreadDebugRegs::read(p.task())
                    .map_err(|e| ReplayError::Unsupported(e.to_string()))?,
            );
        }
        Ok(())
    }

    /// Debug registers at a switch from `old` (recorded id, its task) to
    /// the running task: they go with the followed process's threads, and
    /// other processes' threads run with none.
    pub(super) fn carry_debug_regs(
        &mut self,
        old_tid: i32,
        old: Option<&crate::tracee::Task>,
    ) -> Result<()> {
        let err = |e: super::hw::HwError| ReplayError::Unsupported(e.to_string());
        if let Some(o) = old.filter(|_| self.in_focus(old_tid)) {
            self.focus_dr = Some(ThreadDebugRegs::read(o).map_err(err)?);
        }
        log::trace!(
            "debug registers: {old_tid} -> {} (followed: {}), carried {:?}",
            self.current_tid,
            self.current_in_focus(),
            self.focus_dr
        );
        if self.current_in_focus() {
            match &self.focus_dr {
                Some(d) => d.put(&self.task).map_err(err),
                None if self.triggers_suspended => Ok(()),
                None => self.hw.apply(&self.task).map_err(err),
            }
        } else {
            ThreadDebugRegs::disabled().put(&self.task).map_err(err)
        }
    }

    /// A stop that only the followed process's threads report.
    pub(super) fn is_task_stop(stop: &StopReason) -> bool {
        matches!(
            stop,
            StopReason::Breakpoint(_)
                | StopReason::HwExec(_)
                | StopReason::Watch { .. }
                | StopReason::Signal(_)
                | StopReason::Step
        )
    }

    /// Make a thread of the followed process the running one, if the
    /// running task is not (before reporting a stop to the debugger).
    pub(super) fn show_focus(&mut self) -> Result<()> {
        if let Some(t) = self.user_parked() {
            self.switch_to(t)?;
        }
        Ok(())
    }

    /// Run, reporting nothing, to the followed process's start.
    pub(super) fn run_to_focus_start(&mut self) -> Result<()> {
        let was = self.triggers_suspended;
        if !was {
            self.suspend_triggers()?;
        }
        let target = self.focus_start as u64;
        let r = loop {
            match self.run_to_event(target) {
                Ok(StopReason::EventReached) if self.event_index() >= target => break Ok(()),
                Ok(StopReason::End(end)) => {
                    break Err(ReplayError::Unsupported(format!(
                        "the replay ended before the process to debug started ({end:?})"
                    )))
                }
                Ok(StopReason::Interrupted) => {
                    break Err(ReplayError::Unsupported("interrupted".into()))
                }
                Ok(_) => {}
                Err(e) => break Err(e),
            }
        };
        self.chain.clear();
        r?;
        self.show_focus()?;
        if !was {
            self.resume_triggers()?;
        }
        Ok(())
    }
}
