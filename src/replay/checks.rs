//! The checks a replay makes beyond each syscall's registers: that the
//! thread an event names exists, that each process ends as it did when
//! recorded (the exit code of its exit or exit_group, or the fatal
//! signal), and that a replay that ends has consumed every event.
//! The first mismatch is a [`Divergence`].

use super::{Divergence, EndKind, ReplayError, ReplaySession, Result, StopReason};
use crate::arch::regs::Regs;
use crate::trace::{Event, ExitKind};

impl ReplaySession {
    /// What the running task made at event `idx` when it is checked
    /// there: the syscall it entered, the time-counter read it made.
    pub(super) fn made_here(&self, idx: usize) -> Option<String> {
        let now = self.task.regs().ok()?;
        match self.events.get(idx) {
            Some(Event::Syscall(_)) | Some(Event::SyscallEntry { .. }) => {
                Some(super::divergence::describe_syscall(self.arch, &now))
            }
            Some(Event::TimeCounter { .. }) => {
                Some(format!("a time-counter read at {:#x}", now.ip()))
            }
            _ => None,
        }
    }

    /// The next event names thread `tid`, which the replay does not have
    /// (neither running nor parked): a divergence.
    pub(super) fn unknown_thread(&self, tid: i32) -> ReplayError {
        let idx = self.next;
        Divergence::new(
            &self.events,
            idx,
            self.arch,
            format!("the thread of the event (thread {tid})"),
        )
        .replayed(format!(
            "no thread {tid} (the replay's threads are {})",
            self.thread_list()
        ))
        .into()
    }

    /// Every replayed process has ended, and the trace has more events.
    pub(super) fn no_task_left(&self) -> ReplayError {
        let rest = self.events.len().saturating_sub(self.next);
        Divergence::new(
            &self.events,
            self.next,
            self.arch,
            format!("the end of the replay ({rest} recorded events not replayed)"),
        )
        .replayed("the end of every process")
        .into()
    }

    fn thread_list(&self) -> String {
        let mut v = vec![self.current_tid];
        v.extend(self.threads.keys().copied());
        v.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The running thread's process ends by this exit or exit_group
    /// (registers already checked): remember how, for its `Exit` event.
    pub(super) fn note_exit_call(&mut self, regs: &Regs) {
        let code = (regs.syscall_args()[0] & 0xff) as i32;
        let pid = self.current_pid();
        // The last thread's `exit` ends the process with the status its
        // leader left (when the leader left first, not this code).
        if self.arch.syscall_name(regs.syscall_nr()) == "exit" && self.current_tid != pid {
            return;
        }
        self.exits_made.insert(pid, ExitKind::Exited(code));
    }

    /// The running thread's process is killed by `sig` (its default
    /// action): remember it, for its `Exit` event.
    pub(super) fn note_fatal_signal(&mut self, sig: i32) {
        let pid = self.current_pid();
        self.exits_made.insert(pid, ExitKind::Killed(sig));
    }

    /// At the `Exit` event `idx`: the process must have ended as recorded,
    /// when the replay knows how it ended (killed from outside, it does
    /// not).
    pub(super) fn check_exit_event(&mut self, idx: usize) -> Result<()> {
        let Some(Event::Exit { tid, kind }) = self.events.get(idx) else {
            return Ok(());
        };
        let pid = self.pid_of(*tid);
        let Some(made) = self.exits_made.remove(&pid) else {
            return Ok(());
        };
        if made == *kind {
            return Ok(());
        }
        Err(Divergence::new(
            &self.events,
            idx,
            self.arch,
            format!("how process {pid} ended"),
        )
        .replayed(format!("the end of the process ({made})"))
        .diff(
            "exit status",
            kind.shell_status().to_string(),
            made.shell_status().to_string(),
        )
        .into())
    }

    /// The replayed task ended for real as `kind` (the replay never lets
    /// a recorded process die on its own): right only at the trace's last
    /// event, the `Exit` of that process with the same status.
    pub(super) fn ended_for_real(&mut self, kind: ExitKind) -> Result<StopReason> {
        let idx = self.next;
        let last = idx + 1 == self.events.len();
        match self.events.get(idx) {
            Some(Event::Exit { kind: want, .. }) if last && *want == kind => {
                Ok(self.finish(EndKind::Exited(self.program_exit(kind))))
            }
            _ => Err(Divergence::new(
                &self.events,
                idx,
                self.arch,
                "the replayed process ended before the recording's",
            )
            .replayed(format!(
                "the end of process {} ({kind})",
                self.current_pid()
            ))
            .into()),
        }
    }

    /// A run ended at the end of the program: every event must have been
    /// replayed (the last `Exit` is where the replay stays). A replay that
    /// ends with events left has diverged.
    pub(super) fn check_end(&self, stop: &StopReason) -> Result<()> {
        if self.focus.is_some() || !matches!(stop, StopReason::End(EndKind::Exited(_))) {
            return Ok(());
        }
        let n = self.events.len();
        let rest = match self.events.get(self.next) {
            Some(Event::Exit { .. }) if self.next + 1 == n => return Ok(()),
            _ => n.saturating_sub(self.next),
        };
        if rest == 0 {
            return Ok(());
        }
        Err(Divergence::new(
            &self.events,
            self.next,
            self.arch,
            format!("the end of the replay ({rest} recorded events not replayed)"),
        )
        .replayed("the end of the program")
        .diff("events replayed", n.to_string(), self.next.to_string())
        .into())
    }
}
