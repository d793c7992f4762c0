//! Replaying one syscall at its entry stop: check the position, then
//! emulate it from the trace or execute it as the recording did.

use super::{EndKind, ReplayError, ReplaySession, Result, StopReason};
use crate::arch::regs::Regs;
use crate::arch::syscall::{temp_sigmask, Action, TempMask};
use crate::trace::{Event, MapSource, SyscallEvent};
use crate::tracee::{Resume, Stop};

/// Results of a call a signal interrupted: the kernel's "restart unless a
/// handler runs" (seen by ptrace, never by the program) and EINTR.
const ERESTARTNOHAND: i64 = -514;
const EINTR: i64 = -(libc::EINTR as i64);

const MAP_FIXED: u64 = libc::MAP_FIXED as u64;
const MAP_FIXED_NOREPLACE: u64 = libc::MAP_FIXED_NOREPLACE as u64;
const MAP_SHARED: u64 = libc::MAP_SHARED as u64;
const MAP_SHARED_VALIDATE: u64 = libc::MAP_SHARED_VALIDATE as u64;
const MAP_PRIVATE: u64 = libc::MAP_PRIVATE as u64;
/// shmat's flag for an executable attach.
const SHM_EXEC: u64 = 0o100000;
const MAP_ANONYMOUS: u64 = libc::MAP_ANONYMOUS as u64;

impl ReplaySession {
    /// At a syscall-entry stop (the syscall is not run yet and will not be
    /// unless we run it).
    pub(super) fn replay_syscall(&mut self) -> Result<Option<StopReason>> {
        let regs = self.task.regs()?;
        let idx = self.next;
        let ev = match self.events.get(idx) {
            Some(Event::Syscall(s)) => s.clone(),
            other => {
                let expected = other
                    .map(|e| e.summary(self.arch))
                    .unwrap_or_else(|| "the end of the trace".into());
                return Err(crate::replay::Divergence::new(
                    &self.events,
                    idx,
                    self.arch,
                    "a syscall where the recording had none",
                )
                .diff(
                    "event",
                    expected,
                    format!(
                        "{} at {:#x}",
                        super::divergence::describe_syscall(self.arch, &regs),
                        regs.ip()
                    ),
                )
                .into());
            }
        };
        let diffs = ev.regs.diff(&regs);
        if !diffs.is_empty() {
            let what = format!(
                "registers at the entry of {}",
                self.arch.syscall_name(ev.regs.syscall_nr())
            );
            return Err(self.regs_divergence(idx, &what, diffs));
        }
        self.check_ticks(idx, ev.ticks)?;
        // The running task's own syscall instruction: after an execve
        // or in another process, an older one may not be there.
        self.set_syscall_insn(regs.syscall_insn_addr());
        self.next += 1;
        let nr = regs.syscall_nr();
        let action = if ev.refused {
            Action::Emulate
        } else {
            self.arch
                .syscall(nr)
                .map(|d| d.action)
                .unwrap_or(Action::Emulate)
        };
        // A wait under a temporary signal mask that a signal interrupted
        // (ERESTARTNOHAND, or EINTR from epoll_pwait): see wait_under_mask.
        if matches!(ev.result as i64, ERESTARTNOHAND | EINTR) {
            if let Some(mask) = temp_sigmask(&self.arch.syscall_name(nr)) {
                self.wait_under_mask(idx, &regs, mask)?;
            }
        }
        let rec_pid = self.current_pid();
        let name = self.arch.syscall(nr).map_or("", |d| d.name);
        if name == "set_tid_address" {
            self.clear_tid
                .insert(self.current_tid, regs.syscall_args()[0]);
        }
        self.stdio
            .syscall(rec_pid, name, &regs.syscall_args(), ev.result);
        let pid = self.task.pid;
        let others_in_process =
            action == Action::Exit && self.threads.values().any(|p| p.task().pid == pid);
        if action == Action::Exit {
            // The robust locks the ending threads held, marked by the
            // kernel as their owners died (see record/robust.rs): written
            // while the task is still there to write them.
            for w in &ev.writes {
                self.task.write_mem(w.addr, &w.data)?;
            }
        }
        match action {
            Action::Exit if others_in_process && name == "exit" => {
                // One thread of several ends.
                self.replay_thread_exit(&regs)?;
                return Ok(None);
            }
            Action::Exec
                if !ev.refused
                    && ev.result == 0
                    && matches!(self.events.get(self.next), Some(Event::Execve { .. })) =>
            {
                let program = self.replay_execve(&regs)?;
                return Ok(program.filter(|_| self.report_exec).map(StopReason::Exec));
            }
            Action::Exit if self.process_exit_next() || self.process_exit_later() => {
                // One process of several ends: at its `Exit` event.
                self.note_exit_call(&regs);
                return Ok(None);
            }
            Action::Clone | Action::Fork if !ev.refused && (ev.result as i64) > 0 => {
                let ids = self.spawned_ids(ev.result as i32);
                match crate::arch::fork::new_task(action, &regs.syscall_args()) {
                    Some(crate::arch::fork::NewTask::Thread) => self.replay_clone(&regs, ids.id)?,
                    _ => {
                        self.stdio.fork(rec_pid, ids.id);
                        self.replay_fork(&regs, ids, &ev.writes)?
                    }
                }
            }
            Action::Exit => {
                // The end: the process stays as it is, for inspection.
                self.note_exit_call(&regs);
                self.check_exit_event(self.next)?;
                let kind = match self.events.get(self.next) {
                    // The end's position is the exit event itself.
                    Some(Event::Exit { kind, .. }) if self.trace_end.is_complete() => {
                        EndKind::Exited(self.program_exit(*kind))
                    }
                    _ => EndKind::Truncated(self.no_exit_recorded()),
                };
                return Ok(Some(self.finish(kind)));
            }
            Action::Prctl if crate::arch::cmds::prctl_must_execute(regs.syscall_args()[0]) => {
                self.execute(&regs, None)?;
            }
            Action::Execute | Action::Brk => {
                let res = self.execute(&regs, None)?;
                if action == Action::Brk && res != ev.result {
                    return Err(self.result_divergence(idx, &ev, res));
                }
            }
            Action::SigReturn => {
                self.execute_raw(&regs)?;
                return Ok(None);
            }
            Action::Mmap => self.replay_mmap(idx, &regs, &ev)?,
            Action::Shmat if (ev.result as i64) >= 0 => self.replay_shmat(idx, &regs, &ev)?,
            Action::Shmdt if ev.result == 0 => self.replay_shmdt(&regs)?,
            Action::Mremap => {
                let a = regs.syscall_args();
                let mut args = a;
                if (ev.result as i64) >= 0 && ev.result != a[0] {
                    args[3] |= (libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED) as u64;
                    args[4] = ev.result;
                }
                let res = self.execute(&regs, Some(args))?;
                if res != ev.result {
                    return Err(self.result_divergence(idx, &ev, res));
                }
            }
            _ => {
                // A trace without `Written` events: the output follows the
                // descriptors (a write that blocked was echoed at its entry).
                if !self.written_next() && !self.echoed_at_entry.remove(&idx) {
                    self.emulate_output(idx, &regs, &ev);
                }
            }
        }
        for w in &ev.writes {
            self.task.write_mem(w.addr, &w.data)?;
        }
        let mut r = self.task.regs()?;
        r.set_result(ev.result);
        // The syscall instruction leaves the return address in rcx and the
        // flags in r11: as recorded (a single step into it would have left
        // the trap flag in r11).
        r.copy_syscall_clobbers(&ev.regs);
        // Interrupted by a signal that ran no handler in this thread (a
        // process-wide SIGCHLD that woke it, then went to another thread):
        // the kernel ran it again when recorded, so it runs again here.
        if let Some(again) = restart_nr(ev.result as i64, ev.regs.syscall_nr()) {
            if self.next_signal_of_thread().is_none() {
                r.rewind_to_syscall(again);
            }
        }
        self.task.set_regs(&r)?;
        // A watched range the kernel wrote: stop as a watchpoint would.
        for (addr, len, kind) in self.hw.written_ranges() {
            let hit = ev
                .writes
                .iter()
                .any(|w| w.addr < addr + len && addr < w.addr + w.data.len() as u64);
            if hit {
                return Ok(Some(StopReason::Watch { addr, len, kind }));
            }
        }
        Ok(None)
    }

    /// A wait under a temporary signal mask (sigsuspend, ppoll, pselect6,
    /// epoll_pwait...) that a signal interrupted: the kernel delivers the
    /// signal under the temporary mask and gives the handler's frame the
    /// normal mask to return to, which an emulated call would not do. So
    /// rt_sigsuspend runs for real in its place, with the same mask, and is
    /// woken by the recorded signal, sent once it waits: the kernel's signal
    /// state is then as when recorded, and the signal event finds the signal
    /// queued. The program's registers are put back; the recorded result
    /// and writes are then put in place as for any emulated syscall.
    ///
    /// Nothing is done when the thread's next event is not a signal, the
    /// call had no mask, or the mask blocks that signal (it cannot have
    /// woken the call, and sigsuspend would never return).
    fn wait_under_mask(&mut self, idx: usize, regs: &Regs, mask: TempMask) -> Result<()> {
        let Some((sig, info)) = self.next_signal_of_thread() else {
            return Ok(());
        };
        let a = regs.syscall_args();
        let (set, size) = match mask {
            TempMask::Args { ptr, size } => (a[ptr as usize], a[size as usize]),
            TempMask::Pair { arg } => {
                let pair = a[arg as usize];
                match (self.task.read_u64(pair), self.task.read_u64(pair + 8)) {
                    (Ok(set), Ok(size)) if pair != 0 => (set, size),
                    _ => return Ok(()),
                }
            }
        };
        let Ok(bits) = self.task.read_u64(set) else {
            return Ok(()); // no mask (or none readable): nothing temporary
        };
        if !(1..=64).contains(&sig) || bits & (1u64 << (sig - 1)) != 0 {
            return Ok(());
        }
        let Some(nr) = self.arch.syscall_nr("rt_sigsuspend") else {
            return Err(ReplayError::Unsupported(
                "replay of a wait under a temporary signal mask on this architecture".into(),
            ));
        };
        let mut x = *regs;
        x.set_syscall(nr, [set, size, 0, 0, 0, 0]);
        x.rewind_to_syscall(nr);
        self.task.set_regs(&x)?;
        // From the entry stop of the emulated call to the entry of ours.
        self.task.resume(Resume::Syscall, None)?;
        let mut stop = self.task.wait()?;
        if stop == Stop::SyscallExit {
            self.task.resume(Resume::Syscall, None)?;
            stop = self.task.wait()?;
        }
        if stop != Stop::SyscallEntry {
            return Err(self.mask_wait_error(
                "entering rt_sigsuspend in place of a wait under a temporary mask",
                stop,
            ));
        }
        // Sent after the entry, so that a signal the normal mask lets
        // through is not delivered before the wait either.
        self.task.resume(Resume::Syscall, None)?;
        let _ = crate::tracee::sys::tgkill(self.task.pid, self.task.tid, sig);
        self.injecting = Some((sig, info));
        match self.task.wait()? {
            Stop::SyscallExit => {}
            stop => {
                return Err(
                    self.mask_wait_error("waking rt_sigsuspend with the recorded signal", stop)
                )
            }
        }
        let mut now = self.task.regs()?;
        let res = now.result();
        now.set_syscall_nr(regs.syscall_nr());
        now.restore_syscall_args(a);
        self.task.set_regs(&now)?;
        if res as i64 != ERESTARTNOHAND {
            return Err(crate::replay::Divergence::new(
                &self.events,
                idx,
                self.arch,
                format!(
                    "the temporary signal mask of {}",
                    self.arch.syscall_name(regs.syscall_nr())
                ),
            )
            .diff(
                "rt_sigsuspend woken by the recorded signal",
                format!("-ERESTARTNOHAND ({ERESTARTNOHAND})"),
                format!("{}", res as i64),
            )
            .into());
        }
        Ok(())
    }

    fn mask_wait_error(&self, during: &'static str, stop: Stop) -> ReplayError {
        ReplayError::Task(crate::tracee::TaskError::UnexpectedStop {
            tid: self.task.tid.as_raw(),
            during,
            stop,
        })
    }

    /// The running thread's next event, when it is a signal sent to it:
    /// its number and siginfo.
    fn next_signal_of_thread(&self) -> Option<(i32, Vec<u8>)> {
        let tid = self.current_tid;
        match self.events[self.next..].iter().find(|e| e.tid() == tid) {
            Some(Event::Signal {
                signo,
                siginfo,
                synchronous: false,
                ..
            }) => Some((*signo, siginfo.clone())),
            _ => None,
        }
    }

    fn result_divergence(&self, idx: usize, ev: &SyscallEvent, found: u64) -> ReplayError {
        crate::replay::Divergence::new(
            &self.events,
            idx,
            self.arch,
            format!(
                "the result of {}",
                self.arch.syscall_name(ev.regs.syscall_nr())
            ),
        )
        .replayed(format!(
            "{} = {found:#x}",
            super::divergence::describe_syscall(self.arch, &ev.regs)
        ))
        .diff("result", format!("{:#x}", ev.result), format!("{found:#x}"))
        .into()
    }

    /// Run the syscall the task stopped at (with `args` instead of its own
    /// when given). Returns the raw result; registers other than the
    /// result register are as after the syscall.
    fn execute(&mut self, regs: &Regs, args: Option<[u64; 6]>) -> Result<u64> {
        let mut r = *regs;
        if let Some(a) = args {
            r.set_syscall_args(a);
        }
        let res = self.execute_raw(&r)?;
        // Put the program's own argument registers back.
        let mut now = self.task.regs()?;
        now.restore_syscall_args(regs.syscall_args());
        self.task.set_regs(&now)?;
        Ok(res)
    }

    /// Re-run the syscall instruction just before `regs.ip()` with `regs`.
    fn execute_raw(&mut self, regs: &Regs) -> Result<u64> {
        let mut r = *regs;
        r.rewind_to_syscall(r.syscall_nr());
        self.task.set_regs(&r)?;
        self.task.run_syscall_insn()?;
        Ok(self.task.regs()?.result())
    }

    fn replay_mmap(&mut self, idx: usize, regs: &Regs, ev: &SyscallEvent) -> Result<()> {
        let a = regs.syscall_args();
        if (ev.result as i64) < 0 {
            return Ok(()); // failed when recorded: emulate the failure
        }
        let addr = ev.result;
        let mut flags = a[3];
        if flags & MAP_FIXED == 0 {
            flags |= MAP_FIXED_NOREPLACE;
        }
        let res = match &ev.map {
            None => self.execute(regs, Some([addr, a[1], a[2], flags, a[4], a[5]]))?,
            Some(MapSource::File { saved, offset, .. }) => {
                let mut path = self.reader.saved_file(saved);
                let mut open_flags = libc::O_RDONLY as u64;
                if flags & 3 == MAP_SHARED || flags & 3 == MAP_SHARED_VALIDATE {
                    // Shared with other mappings of the file: one backing
                    // for all (see `replay/shared.rs`).
                    path = self
                        .shared
                        .backing(saved, &path, offset.saturating_add(a[1]))
                        .map_err(|e| {
                            ReplayError::Unsupported(format!(
                                "cannot make the shared copy of {} for the replay: {e}",
                                path.display()
                            ))
                        })?;
                    open_flags = libc::O_RDWR as u64;
                } else {
                    flags = (flags & !(MAP_SHARED | MAP_SHARED_VALIDATE)) | MAP_PRIVATE;
                }
                let fd = self.inject_open(&path.to_string_lossy(), open_flags)?;
                let res = self.execute(regs, Some([addr, a[1], a[2], flags, fd, *offset]));
                self.inject(libc::SYS_close as u64, [fd, 0, 0, 0, 0, 0])?;
                res?
            }
            Some(MapSource::Contents { len, writes }) => {
                // Anonymous memory with the recorded bytes, shared with
                // this process's future children when it was shared.
                let kind = if flags & 3 == MAP_PRIVATE {
                    MAP_PRIVATE
                } else {
                    MAP_SHARED
                };
                flags = (flags & !(MAP_SHARED | MAP_SHARED_VALIDATE | MAP_PRIVATE))
                    | kind
                    | MAP_ANONYMOUS;
                let res = self.execute(regs, Some([addr, *len, a[2], flags, u64::MAX, 0]))?;
                for w in writes {
                    self.task.write_mem(w.addr, &w.data)?;
                }
                res
            }
        };
        if res != addr {
            return Err(self.result_divergence(idx, ev, res));
        }
        Ok(())
    }

    /// shmat: map the segment's backing (one per segment, shared by every
    /// process that attaches it) at the recorded address.
    fn replay_shmat(&mut self, idx: usize, regs: &Regs, ev: &SyscallEvent) -> Result<()> {
        let Some(MapSource::File { saved, .. }) = &ev.map else {
            return Err(ReplayError::Unsupported(format!(
                "event {idx}: shmat without its segment in the trace"
            )));
        };
        let copy = self.reader.saved_file(saved);
        let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .map_or(4096, |p| p as u64);
        let size = std::fs::metadata(&copy).map(|m| m.len()).unwrap_or(0);
        let len = size.div_ceil(page).max(1) * page;
        let path = self.shared.backing(saved, &copy, len).map_err(|e| {
            ReplayError::Unsupported(format!(
                "cannot make the shared copy of a System V segment for the replay: {e}"
            ))
        })?;
        let shmflg = regs.syscall_args()[2];
        let read_only = shmflg & libc::SHM_RDONLY as u64 != 0;
        let mut prot = libc::PROT_READ as u64;
        if !read_only {
            prot |= libc::PROT_WRITE as u64;
        }
        if shmflg & SHM_EXEC != 0 {
            prot |= libc::PROT_EXEC as u64;
        }
        let open = if read_only {
            libc::O_RDONLY
        } else {
            libc::O_RDWR
        };
        let fd = self.inject_open(&path.to_string_lossy(), open as u64)?;
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED_NOREPLACE) as u64;
        let res = self.inject(libc::SYS_mmap as u64, [ev.result, len, prot, flags, fd, 0]);
        self.inject(libc::SYS_close as u64, [fd, 0, 0, 0, 0, 0])?;
        let res = res?;
        if res != ev.result {
            return Err(self.result_divergence(idx, ev, res));
        }
        Ok(())
    }

    /// shmdt: unmap the segment's mapping that starts at the address.
    fn replay_shmdt(&mut self, regs: &Regs) -> Result<()> {
        let addr = regs.syscall_args()[0];
        let end = crate::tracee::maps::read(self.task.pid.as_raw())
            .unwrap_or_default()
            .into_iter()
            .find(|m| m.start == addr)
            .map(|m| m.end);
        if let Some(end) = end {
            self.inject(libc::SYS_munmap as u64, [addr, end - addr, 0, 0, 0, 0])?;
        }
        Ok(())
    }

    /// Run a syscall of our own in the task (it must be at a syscall stop).
    fn inject(&mut self, nr: u64, args: [u64; 6]) -> Result<u64> {
        let insn = self.syscall_insn().ok_or_else(|| {
            ReplayError::Unsupported("no syscall instruction known for an injection".into())
        })?;
        Ok(self.task.inject_syscall(insn, nr, args)?)
    }

    /// Open `path` inside the task with `flags` (O_RDONLY, O_RDWR); the
    /// path is written below the stack's red zone and the bytes there are
    /// restored afterwards.
    fn inject_open(&mut self, path: &str, flags: u64) -> Result<u64> {
        let sp = self.task.regs()?.sp();
        let mut bytes = path.as_bytes().to_vec();
        bytes.push(0);
        let at = (sp - 4096 - bytes.len() as u64) & !15;
        let saved = self.task.read_mem_exact(at, bytes.len())?;
        self.task.write_mem(at, &bytes)?;
        let r = self.inject(
            libc::SYS_openat as u64,
            [
                libc::AT_FDCWD as u64,
                at,
                flags | libc::O_CLOEXEC as u64,
                0,
                0,
                0,
            ],
        );
        self.task.write_mem(at, &saved)?;
        let fd = r?;
        if (fd as i64) < 0 {
            return Err(ReplayError::Unsupported(format!(
                "cannot open {path} inside the replayed process (error {}); is the trace complete?",
                -(fd as i64)
            )));
        }
        Ok(fd)
    }
}

/// The syscall the kernel runs again after `result` (one of its
/// restart codes) when no signal handler intervenes: the same one, or
/// restart_syscall after ERESTART_RESTARTBLOCK.
fn restart_nr(result: i64, nr: u64) -> Option<u64> {
    const ERESTARTSYS: i64 = -512;
    const ERESTARTNOINTR: i64 = -513;
    const ERESTARTNOHAND: i64 = -514;
    const ERESTART_RESTARTBLOCK: i64 = -516;
    match result {
        ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND => Some(nr),
        ERESTART_RESTARTBLOCK => Some(libc::SYS_restart_syscall as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::restart_nr;

    #[test]
    fn restart_codes_run_the_syscall_again() {
        assert_eq!(restart_nr(-512, 202), Some(202));
        assert_eq!(restart_nr(-513, 7), Some(7));
        assert_eq!(restart_nr(-514, 7), Some(7));
        assert_eq!(
            restart_nr(-516, 230),
            Some(libc::SYS_restart_syscall as u64)
        );
        assert_eq!(restart_nr(-4, 7), None);
        assert_eq!(restart_nr(0, 7), None);
    }
}
