//! Child processes at record time.
//!
//! A new process (fork, vfork, clone without CLONE_THREAD) is one more task
//! in the recorder's scheduler: it runs one at a time with every other
//! thread of every process, and its events name it by its thread id like
//! any thread's. It is created as a plain fork (see [`crate::arch::fork`]).
//! A vfork parent waits until its child runs a new program or ends, and
//! then gets what the child wrote into their (at record, unshared) memory.
//!
//! A process's end is an `Exit` event naming one of its threads, written
//! once no thread of it is left; the recording goes on while any process
//! lives, and its exit status is the first process's.

use nix::unistd::Pid;

use super::{syscalls, RecordError, Recorder};
use crate::arch::fork;
use crate::arch::regs::Regs;
use crate::trace::{Event, ExitKind, MemWrite};
use crate::tracee::{maps, sys, Resume, Stop, Task, TaskSyscallEnd, ThreadExec};

/// Memory ranges: (address, length).
type Ranges = Vec<(u64, usize)>;

/// Thread `tid`'s ids in each pid namespace it is in, rewind's first and
/// its own last (the `NSpid` line of /proc/TID/status); just `tid` when
/// that cannot be read (the task is gone, or a kernel without the line).
pub(super) fn ns_tids(tid: Pid) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{tid}/status"))
        .ok()
        .and_then(|s| parse_nspid(&s))
        .unwrap_or_else(|| vec![tid.as_raw()])
}

/// The ids on the `NSpid:` line of a /proc/TID/status text.
fn parse_nspid(status: &str) -> Option<Vec<i32>> {
    let ids: Vec<i32> = status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    (!ids.is_empty()).then_some(ids)
}

/// Thread `tid`'s id as it sees it itself (in its own pid namespace).
pub(super) fn own_tid(tid: Pid) -> i32 {
    ns_tids(tid).last().copied().unwrap_or(tid.as_raw())
}

/// How a task ended, from its last stop (`Exited` or `Killed`).
pub(super) fn ended(stop: Stop) -> ExitKind {
    match stop {
        Stop::Killed(s) => ExitKind::Killed(s),
        Stop::Exited(c) => ExitKind::Exited(c),
        _ => ExitKind::Exited(0),
    }
}

impl Recorder {
    /// At the syscall-entry stop of the running thread (registers `regs`):
    /// make the kernel skip the syscall and run to its exit stop, for
    /// rewind to answer it. How the process ended, if it died there.
    pub(super) fn skip_syscall(
        &mut self,
        regs: Regs,
        during: &'static str,
    ) -> Result<Option<ExitKind>, RecordError> {
        let tid = self.task.tid.as_raw();
        let mut r = regs;
        r.set_syscall(u64::MAX, regs.syscall_args());
        self.task.set_regs(&r)?;
        self.task.resume(Resume::Syscall, None)?;
        match self.task.wait()? {
            Stop::SyscallExit => Ok(None),
            stop @ (Stop::Exited(_) | Stop::Killed(_)) => {
                Ok(Some(self.reap_process(Some(ended(stop)))))
            }
            stop => Err(crate::tracee::TaskError::UnexpectedStop { tid, during, stop }.into()),
        }
    }

    /// The running thread made task `child` (its `Syscall` event was just
    /// written): name it, by rewind's id and by its ids in its pid
    /// namespaces (the syscall's result is the one in the caller's).
    pub(super) fn push_spawned(&mut self, child: Pid) -> Result<(), RecordError> {
        let ns_tids = ns_tids(child);
        if ns_tids.len() > 1 {
            log::debug!("task {child} is {ns_tids:?} in its pid namespaces");
        }
        self.writer.push(&Event::Spawned {
            tid: self.task.tid.as_raw(),
            child: child.as_raw(),
            ns_tids,
        })?;
        Ok(())
    }

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
        // What the kernel wrote for the call: in the caller (the child's
        // id or a pidfd at parent_tid) and in the child (its id at
        // child_tid, as its own pid namespace numbers it).
        let (ranges, child_ranges) = self.clone_out_ranges(&regs, result);
        let writes = syscalls::read_ranges(&self.task, &ranges);
        let mut child_writes = Vec::new();
        if let Some(child) = child {
            let task = Task::new(child, child)?;
            task.wait_start()?;
            task.restore_syscall_regs(nr, args)?;
            // The child's library goes on with its copy of the buffer.
            self.writer.inherit(self.task.tid.as_raw(), child.as_raw());
            child_writes = syscalls::read_ranges(&task, &child_ranges);
            if fork::suspends_parent(&self.arch.syscall_name(nr), &args) {
                // A real vfork would share the caller's memory: the child
                // sees what the kernel wrote there for the caller after
                // the copy was made, and does not count it as its own
                // write when it leaves (see `shared_writes`).
                for w in &writes {
                    task.write_mem(w.addr, &w.data)?;
                }
            }
            log::debug!("process {} forked {child}", self.task.pid);
            self.park_new_task(task)?;
            // The parent goes on after a fork with a fresh slice, as the
            // kernel lets it by default: how much of its slice went on
            // before (its start-up, slowed by trapped CPUID instructions
            // and by load) does not decide which process runs next.
            self.slice_start = std::time::Instant::now();
        }
        self.push_syscall(regs, result, writes, false)?;
        // The child's ids come right after its fork (the replay reads them
        // there), then what the kernel wrote in it.
        if let Some(child) = child {
            self.push_spawned(child)?;
        }
        if let (Some(child), false) = (child, child_writes.is_empty()) {
            // Applied at replay once the child exists, after this event.
            self.writer.push(&Event::KernelWrite {
                tid: child.as_raw(),
                writes: child_writes,
            })?;
        }
        if let Some(child) = child {
            if fork::suspends_parent(&self.arch.syscall_name(nr), &args) {
                // The kernel would hold the parent in vfork until the child
                // runs a new program or ends: so do we, and the parent's
                // other threads too (see `in_vfork`).
                self.vfork_parents
                    .insert(child.as_raw(), (self.task.tid.as_raw(), self.task.pid));
                self.switch_out(super::threads::ParkedState::Ready { sig: None })?;
            }
        }
        Ok(None)
    }

    /// The memory a successful clone, fork or vfork with registers
    /// `regs` at entry wrote (its table outputs): in the caller, and in
    /// the new task.
    pub(super) fn clone_out_ranges(&self, regs: &Regs, result: u64) -> (Ranges, Ranges) {
        let Some(desc) = self.arch.syscall(regs.syscall_nr()) else {
            return (Vec::new(), Vec::new());
        };
        let args = regs.syscall_args();
        if (result as i64) <= 0 {
            return (Vec::new(), Vec::new());
        }
        let ranges = syscalls::out_ranges(
            self.arch,
            &self.task,
            desc,
            &args,
            result as i64,
            &Default::default(),
            &mut |_| {},
        );
        (ranges, syscalls::child_out_ranges(desc, &args))
    }

    /// Whether process `pid` waits for a vfork child: then none of its
    /// threads runs. The kernel holds only the thread that called vfork;
    /// holding the others too means a schedule in which they happened not
    /// to run meanwhile, so that the parent's memory stays as the child
    /// found it and the bytes in which the two differ are the child's
    /// writes (a child that waited for one of them, which POSIX leaves
    /// undefined, would wait for ever).
    pub(super) fn in_vfork(&self, pid: Pid) -> bool {
        self.vfork_parents.values().any(|&(_, p)| p == pid)
    }

    /// The running task's process is a vfork child about to run a new
    /// program or to end: what it wrote into the memory it would have
    /// shared with its parent (see [`shared_writes`]); None when it is not
    /// a vfork child whose parent waits.
    pub(super) fn vfork_child_writes(&self) -> Option<(i32, Vec<MemWrite>)> {
        let (parent, _) = *self.vfork_parents.get(&self.task.pid.as_raw())?;
        let p = self.threads.get(&parent)?;
        // The threads' scratch areas are rewind's, not the program's: they
        // do not exist at replay, where a write into one would fail.
        let ours = |a: u64| {
            self.scratch
                .values()
                .any(|&(start, cap)| start <= a && a < start + cap)
        };
        let writes = shared_writes(&self.task, &p.task)
            .into_iter()
            .filter(|w| !ours(w.addr))
            .collect();
        Some((parent, writes))
    }

    /// The running task's process, a vfork child, runs a new program or
    /// ends: its parent gets what it wrote into their memory (at record as
    /// natively; a `KernelWrite` event puts it there at replay) and runs
    /// again.
    pub(super) fn vfork_child_leaving(&mut self) -> Result<(), RecordError> {
        let writes = self.vfork_child_writes();
        self.vfork_done(self.task.pid, writes)
    }

    /// Vfork child `child` ran a new program or ended: put `writes` into
    /// its parent's memory, record them, and let the parent run again.
    pub(super) fn vfork_done(
        &mut self,
        child: Pid,
        writes: Option<(i32, Vec<MemWrite>)>,
    ) -> Result<(), RecordError> {
        let Some((parent, _)) = self.vfork_parents.remove(&child.as_raw()) else {
            return Ok(());
        };
        let Some(p) = self.threads.get_mut(&parent) else {
            return Ok(());
        };
        let writes = match writes {
            Some((to, w)) if to == parent => w,
            _ => Vec::new(),
        };
        for w in &writes {
            p.task.write_mem(w.addr, &w.data)?;
        }
        log::debug!(
            "vfork child {child} done: {} write(s) into its parent {parent}",
            writes.len()
        );
        if !writes.is_empty() {
            self.writer.push(&Event::KernelWrite {
                tid: parent,
                writes,
            })?;
        }
        Ok(())
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
        // A vfork child gone without our seeing it go (killed while it
        // waited its turn): its parent runs again.
        self.vfork_done(pid, None)?;
        if pid == self.root {
            self.root_exit = Some(kind);
        }
        self.writer.push(&Event::Exit { tid, kind })?;
        self.ptrace_process_ended(pid.as_raw());
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
    /// At an execve entry of a recording with the syscall buffer: when the
    /// new environment lacks the library in LD_PRELOAD (a program that
    /// cleared or rebuilt its environment), give the call a copy that has
    /// it, built below the stack pointer (the old program's memory goes
    /// with a successful exec; a failed one gets its own pointer back).
    /// Returns whether the call's environment was replaced.
    fn keep_preload(&mut self, regs: &Regs) -> Result<bool, RecordError> {
        let Some(lib) = self.preload.clone() else {
            return Ok(false);
        };
        let args = regs.syscall_args();
        let env_arg = match self.arch.syscall_name(regs.syscall_nr()).as_str() {
            "execve" => 2,
            "execveat" => 3,
            _ => return Ok(false),
        };
        let envp = args[env_arg];
        let mut ptrs = Vec::new();
        let mut preload_at = None;
        if envp != 0 {
            for i in 0..100_000u64 {
                let Ok(p) = self.task.read_u64(envp + 8 * i) else {
                    return Ok(false);
                };
                if p == 0 {
                    break;
                }
                let Ok(text) = self.task.read_cstr(p, 64 * 1024) else {
                    return Ok(false);
                };
                if let Some(v) = text.strip_prefix("LD_PRELOAD=") {
                    if v.split([':', ' ']).any(|x| x == lib) {
                        return Ok(false);
                    }
                    preload_at = Some((ptrs.len(), v.to_string()));
                }
                ptrs.push(p);
            }
        }
        let value = match &preload_at {
            Some((_, old)) if !old.is_empty() => format!("LD_PRELOAD={lib}:{old}\0"),
            _ => format!("LD_PRELOAD={lib}\0"),
        };
        // Below the red zone and whatever rewind writes for a moment.
        let text_at = (regs.sp().saturating_sub(8192 + value.len() as u64)) & !15;
        let array_len = (ptrs.len() as u64 + 2) * 8;
        let array_at = (text_at.saturating_sub(array_len)) & !15;
        match preload_at {
            Some((i, _)) => ptrs[i] = text_at,
            None => ptrs.push(text_at),
        }
        ptrs.push(0);
        let array: Vec<u8> = ptrs.iter().flat_map(|p| p.to_le_bytes()).collect();
        if self.task.write_mem(text_at, value.as_bytes()).is_err()
            || self.task.write_mem(array_at, &array).is_err()
        {
            self.warnings.once("preload exec".into(), || {
                "a program ran another with an environment without rewind's syscall buffer \
                 library, and there was no room to add it: that program records without the \
                 buffer"
                    .into()
            });
            return Ok(false);
        }
        let mut new_args = args;
        new_args[env_arg] = array_at;
        self.task
            .restore_syscall_regs(regs.syscall_nr(), new_args)?;
        Ok(true)
    }

    /// execve, at its entry: let it run. When it fails it is a syscall like
    /// any; when it succeeds the process is a new program: its `Syscall`
    /// event, then an `Execve` event with the new program saved into the
    /// trace and its state at its first instruction.
    pub(super) fn record_execve(&mut self, regs: Regs) -> Result<Option<ExitKind>, RecordError> {
        let tid = self.task.tid.as_raw();
        let pid = self.task.pid;
        // A vfork child's memory is gone once the new program runs.
        let vfork_writes = self.vfork_child_writes();
        // The batch buffered before the call goes before it: the new
        // program has no buffer yet.
        self.writer.flush_thread(tid)?;
        // The new program gets the syscall buffer's library too, even with
        // an environment of its own.
        let preload_added = self.keep_preload(&regs)?;
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
            ThreadExec::Failed => {
                if preload_added {
                    // The program's own environment pointer back.
                    self.task
                        .restore_syscall_regs(regs.syscall_nr(), regs.syscall_args())?;
                }
                false
            }
            ThreadExec::Ended(stop @ (Stop::Exited(_) | Stop::Killed(_))) => {
                return Ok(Some(self.reap_process(Some(ended(stop)))))
            }
            ThreadExec::Ended(_) => return Ok(Some(self.reap_process(None))),
        };
        self.task.forget_regs();
        if execed {
            // The old program's buffers went with its memory.
            let gone: Vec<i32> = std::iter::once(tid)
                .chain(std::iter::once(self.task.tid.as_raw()))
                .chain(others.iter().map(|t| t.as_raw()))
                .collect();
            self.writer.forget(&gone);
        }
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
        // Read through /proc/PID/exe and /proc/PID/root: the program may
        // run in a mount namespace of its own, where its paths name other
        // files than in rewind's, or none that rewind can reach.
        // A program file with no name left (deleted, or a memfd run with
        // fexecve) is read through the link too, and copied.
        let exe_link = format!("/proc/{pid}/exe");
        let exe = self.save_program_file(&exe_link, &exe_path)?;
        let interp = match super::elf_interp(std::path::Path::new(&exe_link)) {
            Some(i) => {
                let inside = format!("/proc/{pid}/root/{}", i.trim_start_matches('/'));
                Some(self.save_program_file(&inside, &i)?)
            }
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
        let (regs, stack, maps, auxv, vdso) = self.initial_state()?;
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
        self.push_vdso(vdso)?;
        self.vfork_done(pid, vfork_writes)?;
        self.tracee_exec(tid)?;
        Ok(None)
    }

    /// Save the program file readable at `source` (a /proc path into the
    /// process), known to the program as `path`.
    fn save_program_file(
        &mut self,
        source: &str,
        path: &str,
    ) -> Result<crate::trace::SavedFile, RecordError> {
        self.saver
            .save(std::path::Path::new(source), path)
            .map_err(|source| RecordError::SaveFile {
                path: path.to_string(),
                source,
            })
    }
}

/// What a vfork child wrote into the memory it would have shared with its
/// parent. The child runs on a copy (rewind runs vfork as fork) while the
/// parent waits untouched, so the bytes in which the two differ are the
/// child's writes (its own and the kernel's for it). Only pages the child
/// has of its own are compared: /proc/PID/pagemap says which pages are
/// mapped by it alone (copied on its write, or new), so a large parent
/// costs little; a page whose state cannot be read is compared anyway.
/// Private writable mappings that both have at the same place count
/// (mappings the child made or changed are its own).
fn shared_writes(child: &Task, parent: &Task) -> Vec<MemWrite> {
    use std::os::unix::fs::FileExt;
    let (Ok(theirs), Ok(ours)) = (
        maps::read(child.pid.as_raw()),
        maps::read(parent.pid.as_raw()),
    ) else {
        return Vec::new();
    };
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map_or(4096, |p| p as u64);
    let pagemap = std::fs::File::open(format!("/proc/{}/pagemap", child.pid)).ok();
    let mut out = Vec::new();
    for m in theirs
        .iter()
        .filter(|m| m.perms.starts_with("rw") && m.perms.ends_with('p'))
        .filter(|m| {
            ours.iter()
                .any(|o| o.start == m.start && o.end == m.end && o.perms == m.perms)
        })
    {
        let pages = ((m.end - m.start) / page) as usize;
        // The pagemap is read a chunk at a time (a large heap has many
        // entries).
        const CHUNK: usize = 512;
        let mut entries = [0u8; CHUNK * 8];
        let mut known = false;
        for i in 0..pages {
            if i % CHUNK == 0 {
                let n = CHUNK.min(pages - i);
                let at = (m.start / page + i as u64) * 8;
                known = pagemap
                    .as_ref()
                    .is_some_and(|f| f.read_exact_at(&mut entries[..n * 8], at).is_ok());
            }
            if known {
                let j = (i % CHUNK) * 8;
                let e = u64::from_le_bytes(entries[j..j + 8].try_into().unwrap_or([0; 8]));
                let present_own = e & (1 << 63) != 0 && e & (1 << 56) != 0;
                let swapped = e & (1 << 62) != 0;
                if !present_own && !swapped {
                    continue;
                }
            }
            let addr = m.start + i as u64 * page;
            let new = child.read_mem(addr, page as usize);
            let old = parent.read_mem(addr, page as usize);
            if new.len() != old.len() {
                continue;
            }
            let first = new.iter().zip(&old).position(|(a, b)| a != b);
            let last = new.iter().zip(&old).rposition(|(a, b)| a != b);
            if let (Some(first), Some(last)) = (first, last) {
                out.push(MemWrite {
                    addr: addr + first as u64,
                    data: new[first..=last].to_vec(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_nspid;

    #[test]
    fn nspid_lists_the_ids_from_outermost_to_own() {
        let status = "Name:\tsh\nTgid:\t4242\nPid:\t4242\nNSpid:\t4242\t7\t1\nNSsid:\t1\n";
        assert_eq!(parse_nspid(status), Some(vec![4242, 7, 1]));
        assert_eq!(parse_nspid("Pid:\t5\nNSpid:\t5\n"), Some(vec![5]));
        assert_eq!(parse_nspid("Pid:\t5\n"), None);
        assert_eq!(parse_nspid("NSpid:\tx\n"), None);
    }
}
