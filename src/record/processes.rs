//! Child processes at record time.
//!
//! A new process (fork, vfork, clone without CLONE_THREAD) is one more task
//! in the recorder's scheduler: it runs one at a time with every other
//! thread of every process, and its events name it by its thread id like
//! any thread's. It is created as a plain fork (see [`crate::arch::fork`]).
//!
//! A process's end is an `Exit` event naming one of its threads, written
//! once no thread of it is left; the recording goes on while any process
//! lives, and its exit status is the first process's.

use nix::unistd::Pid;

use super::{syscalls, RecordError, Recorder};
use crate::arch::fork;
use crate::arch::regs::Regs;
use crate::trace::{Event, ExitKind};
use crate::tracee::{sys, Resume, Stop, Task, TaskSyscallEnd, ThreadExec};

/// How a task ended, from its last stop (`Exited` or `Killed`).
pub(super) fn ended(stop: Stop) -> ExitKind {
    match stop {
        Stop::Killed(s) => ExitKind::Killed(s),
        Stop::Exited(c) => ExitKind::Exited(c),
        _ => ExitKind::Exited(0),
    }
}

impl Recorder {
    /// fork, vfork or clone of a process, at its entry: run it as a plain
    /// fork; the child becomes a task that waits for its turn.
    pub(super) fn record_fork(&mut self, regs: Regs) -> Result<Option<ExitKind>, RecordError> {
        let args = regs.syscall_args();
        let nr = regs.syscall_nr();
        let (fork_nr, fork_args) = fork::as_fork(self.arch, nr, &args, false);
        let mut r = regs;
        r.set_syscall(fork_nr, fork_args);
        self.task.set_regs(&r)?;
        let child = match self.task.finish_task_syscall("fork")? {
            TaskSyscallEnd::Exit { child } => child,
            TaskSyscallEnd::Ended(stop) => return Ok(Some(ended(stop))),
        };
        // The program's own syscall number and arguments, as if it had
        // run what it asked for.
        self.task.restore_syscall_regs(nr, args)?;
        let result = self.task.regs()?.result();
        if let Some(child) = child {
            let task = Task::new(child, child)?;
            task.wait_start()?;
            task.restore_syscall_regs(nr, args)?;
            log::debug!("process {} forked {child}", self.task.pid);
            self.park_new_task(task)?;
            // The parent goes on after a fork with a fresh slice, as the
            // kernel lets it by default: how much of its slice went on
            // before (its start-up, slowed by trapped CPUID instructions
            // and by load) does not decide which process runs next.
            self.slice_start = std::time::Instant::now();
        }
        let ranges: Vec<(u64, usize)> = fork::parent_tid_ptr(&args)
            .filter(|_| self.arch.syscall_name(nr) == "clone")
            .map(|a| (a, 4))
            .into_iter()
            .collect();
        let writes = syscalls::read_ranges(&self.task, &ranges);
        self.push_syscall(regs, result, writes, false)?;
        Ok(None)
    }

    /// Whether another thread of the running thread's process lives.
    pub(super) fn others_in_process(&self) -> bool {
        let pid = self.task.pid;
        self.threads.values().any(|p| p.task.pid == pid)
    }

    /// Threads of process `pid` still known (the running one included).
    pub(super) fn tasks_of(&self, pid: Pid) -> usize {
        let current = usize::from(self.has_current && self.task.pid == pid);
        current + self.threads.values().filter(|p| p.task.pid == pid).count()
    }

    /// The running thread's process is ending (exit_group, or the last
    /// thread's exit, or a fatal signal): let each of its threads finish
    /// dying, and return how the process ended (its leader's status, else
    /// `known`, the running thread's, when it is already gone).
    pub(super) fn reap_process(&mut self, known: Option<ExitKind>) -> ExitKind {
        let pid = self.task.pid;
        let mut tids: Vec<Pid> = self
            .threads
            .values()
            .filter(|p| p.task.pid == pid)
            .map(|p| p.task.tid)
            .collect();
        self.threads.retain(|_, p| p.task.pid != pid);
        if known.is_none() {
            tids.push(self.task.tid);
        }
        // The leader's end is reported after every other thread's.
        tids.sort_by_key(|t| *t == pid);
        for &t in &tids {
            let _ = sys::ptrace_resume(libc::PTRACE_CONT, t, 0);
        }
        let mut leader = self.leader_exits.remove(&pid.as_raw());
        let mut current = known;
        for t in tids {
            let end = crate::tracee::reap_status(t);
            if t == pid {
                leader = end.or(leader);
            }
            if t == self.task.tid {
                current = end.or(current);
            }
        }
        leader.or(current).unwrap_or(ExitKind::Exited(0))
    }

    /// The running thread's process ended as `kind`: its `Exit` event.
    /// True when no task is left anywhere (the recording is over).
    pub(super) fn process_ended(&mut self, kind: ExitKind) -> Result<bool, RecordError> {
        let pid = self.task.pid;
        self.push_process_exit(pid, self.task.tid.as_raw(), kind)?;
        self.has_current = false;
        Ok(self.threads.is_empty())
    }

    /// Write process `pid`'s `Exit` event, naming thread `tid`.
    pub(super) fn push_process_exit(
        &mut self,
        pid: Pid,
        tid: i32,
        kind: ExitKind,
    ) -> Result<(), RecordError> {
        log::debug!("process {pid} {kind}");
        if pid == self.root {
            self.root_exit = Some(kind);
        }
        self.writer.push(&Event::Exit { tid, kind })?;
        Ok(())
    }

    /// A parked thread is gone (killed from outside its turn, or the
    /// leader's end arriving last): when it was its process's last, the
    /// process's `Exit` event.
    pub(super) fn parked_ended(
        &mut self,
        pid: Pid,
        tid: Pid,
        kind: ExitKind,
    ) -> Result<(), RecordError> {
        if tid == pid {
            self.leader_exits.insert(pid.as_raw(), kind);
        }
        if self.tasks_of(pid) == 0 {
            let kind = self.leader_exits.remove(&pid.as_raw()).unwrap_or(kind);
            self.push_process_exit(pid, tid.as_raw(), kind)?;
        }
        Ok(())
    }
}

impl Recorder {
    /// execve, at its entry: let it run. When it fails it is a syscall like
    /// any; when it succeeds the process is a new program: its `Syscall`
    /// event, then an `Execve` event with the new program saved into the
    /// trace and its state at its first instruction.
    pub(super) fn record_execve(&mut self, regs: Regs) -> Result<Option<ExitKind>, RecordError> {
        let tid = self.task.tid.as_raw();
        let pid = self.task.pid;
        self.task.resume(Resume::Syscall, None)?;
        // The kernel ends the process's other threads first; a thread that
        // is not the leader then takes the leader's id.
        let others: Vec<Pid> = self
            .threads
            .values()
            .filter(|p| p.task.pid == pid)
            .map(|p| p.task.tid)
            .collect();
        let mut later = Vec::new();
        let end = crate::tracee::finish_exec(&self.task, &others, |who, stop| {
            later.push((who, stop));
            Ok(())
        })?;
        for (who, stop) in later {
            self.on_other_stop(who, stop)?;
        }
        let execed = match end {
            ThreadExec::Ran(task) => {
                self.task = *task;
                true
            }
            ThreadExec::Failed => false,
            ThreadExec::Ended(stop @ (Stop::Exited(_) | Stop::Killed(_))) => {
                return Ok(Some(self.reap_process(Some(ended(stop)))))
            }
            ThreadExec::Ended(_) => return Ok(Some(self.reap_process(None))),
        };
        self.task.forget_regs();
        let result = self.task.regs()?.result();
        // Under the id of the thread that made the call (the task may
        // have the leader's id by now).
        self.writer
            .push(&Event::Syscall(crate::trace::SyscallEvent {
                tid,
                regs,
                result,
                writes: Vec::new(),
                map: None,
                refused: false,
                ticks: self.ticks(),
            }))?;
        if !execed {
            // Failed: nothing changed.
            return Ok(None);
        }
        // The other threads of the process are gone with the old program,
        // and its scratch areas with its memory.
        self.threads.retain(|_, p| p.task.pid != pid);
        let current = self.task.tid.as_raw();
        let threads = &self.threads;
        self.scratch
            .retain(|t, _| *t != current && threads.contains_key(t));
        let exe_path = std::fs::read_link(format!("/proc/{pid}/exe"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let exe = self.save_program_file(&exe_path)?;
        let interp = match super::elf_interp(std::path::Path::new(&exe_path)) {
            Some(i) => Some(self.save_program_file(&i)?),
            None => None,
        };
        let argv = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| {
                b.split(|&c| c == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if self.trap_cpuid {
            crate::tracee::cpu::make_cpuid_fault(&self.task, self.arch, false)?;
        }
        let (regs, stack, maps, auxv) = self.initial_state()?;
        log::debug!("process {pid} runs {exe_path}");
        self.writer.push(&Event::Execve {
            tid: self.task.tid.as_raw(),
            argv,
            exe,
            interp,
            regs,
            stack,
            maps,
            auxv,
        })?;
        Ok(None)
    }

    fn save_program_file(&mut self, path: &str) -> Result<crate::trace::SavedFile, RecordError> {
        self.saver
            .save(std::path::Path::new(path), path)
            .map_err(|source| RecordError::SaveFile {
                path: path.to_string(),
                source,
            })
    }
}
