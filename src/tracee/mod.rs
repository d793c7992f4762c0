//! One ptrace'd thread and its address space: registers, memory, resuming
//! and waiting, injected syscalls. Everything here is mechanism; policy
//! (what to record, what to emulate) lives in `record/` and `replay/`.

pub mod cpu;
pub mod fds;
pub mod maps;
pub mod spawn;
pub mod stops;
pub mod sys;

use std::fs::File;
use std::os::unix::fs::FileExt;

use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use crate::arch::hwdebug::{self, HwRegs, Trigger};
use crate::arch::regs::Regs;
use crate::arch::Arch;

/// The sixth argument of every syscall the recorder runs in a thread of
/// its own accord (one the syscall itself does not use, or an anonymous
/// mmap's offset, which must be page-aligned and which the kernel
/// ignores): seccomp filters the program installs are put behind a prefix
/// that lets a syscall carrying it through (`record::seccomp`).
pub const FILTER_PASS: u64 = 0x7265_7769_6e64_0000;

/// Errors from operating on a traced thread.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("ptrace {op} on thread {tid} failed: {errno}")]
    Ptrace {
        op: &'static str,
        tid: i32,
        errno: nix::errno::Errno,
    },
    #[error("cannot {op} memory of thread {tid} at {addr:#x}: {source}")]
    Memory {
        op: &'static str,
        tid: i32,
        addr: u64,
        source: std::io::Error,
    },
    #[error("thread {tid} stopped unexpectedly while {during}: {stop:?}")]
    UnexpectedStop {
        tid: i32,
        during: &'static str,
        stop: Stop,
    },
    /// rewind was asked to stop (see [`sys::watch_stop_signals`]) while
    /// it waited for a thread.
    #[error("rewind received {}", crate::trace::signal_name(*.sig))]
    Interrupted { sig: i32 },
    /// Something the machine or the architecture cannot do for us.
    #[error("{0}")]
    Unsupported(String),
}

type Result<T> = std::result::Result<T, TaskError>;

impl TaskError {
    /// Whether the thread is gone from under ptrace (killed by SIGKILL
    /// while stopped): its end is what waiting for it brings next.
    pub fn is_gone(&self) -> bool {
        matches!(
            self,
            TaskError::Ptrace {
                errno: nix::errno::Errno::ESRCH,
                ..
            }
        )
    }
}

/// How to resume a stopped thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Until a signal or a breakpoint.
    Cont,
    /// Until a syscall entry or exit, a signal or a breakpoint.
    Syscall,
    /// Until a syscall entry that a seccomp filter of rewind's traces
    /// (its `PTRACE_EVENT_SECCOMP` stop, reported as `SyscallEntry`), a
    /// signal or a breakpoint: syscalls the filter lets through (the
    /// syscall buffer's) make no stop.
    Untraced,
    /// Until a syscall entry (which is then skipped), a signal or a breakpoint.
    Sysemu,
    /// One instruction.
    Step,
    /// One instruction, stopping at (and skipping) a syscall.
    SysemuStep,
}

/// Why a thread stopped (or ended).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    SyscallEntry,
    SyscallExit,
    /// A signal is about to be delivered; `info` is the raw siginfo_t.
    Signal {
        sig: i32,
        info: Vec<u8>,
    },
    /// A ptrace event (PTRACE_EVENT_EXEC, EXIT, ...).
    Event(i32),
    /// A group-stop or other stop that is none of the above.
    Other(i32),
    Exited(i32),
    Killed(i32),
}

/// One traced thread.
pub struct Task {
    pub tid: Pid,
    /// The thread group (process) id.
    pub pid: Pid,
    mem: File,
    /// The registers read at the current stop (cleared when resumed).
    cache: std::cell::Cell<Option<Regs>>,
}

/// Wait for the next stop of any traced thread; `nohang` returns None when
/// none is stopped yet.
pub fn wait_any(nohang: bool) -> Result<Option<(Pid, Stop)>> {
    let mut flags = libc::__WALL;
    if nohang {
        flags |= libc::WNOHANG;
    }
    loop {
        match sys::waitpid_raw(Pid::from_raw(-1), flags) {
            Err(nix::errno::Errno::EINTR) => interrupted()?,
            Err(e) => return Err(pt("waitpid", Pid::from_raw(-1))(e)),
            Ok(None) => return Ok(None),
            Ok(Some((tid, st))) => match decode_status(tid, st)? {
                Some(s) => return Ok(Some((tid, s))),
                None => continue,
            },
        }
    }
}

/// A wait broke off (EINTR): an error when rewind was asked to stop, so
/// that the recorder unwinds to where it ends the recording.
fn interrupted() -> Result<()> {
    match sys::stop_requested() {
        Some(sig) => Err(TaskError::Interrupted { sig }),
        None => Ok(()),
    }
}

/// How an execve ended.
pub enum ThreadExec {
    /// The new program runs: the thread, now known by the process id, at
    /// the syscall's exit stop.
    Ran(Box<Task>),
    /// The execve failed: the thread at the syscall's exit stop.
    Failed,
    /// The thread ended instead (its process was killed).
    Ended(Stop),
}

/// Run to its end an execve that `task` was resumed into. While its
/// process has other threads (`others`: their thread ids, the leader's
/// included), the kernel ends them first; each stops at its exit event
/// and must be let go, or the execve waits for ever. A leader that did not
/// make the call then vanishes without a status, and the thread that did
/// takes its id. Stops of threads of other processes met meanwhile go to
/// `on_other`; the recorder's slice SIGSTOPs are passed over; any other
/// stop of the calling thread is unexpected.
pub fn finish_exec(
    task: &Task,
    others: &[Pid],
    mut on_other: impl FnMut(Pid, Stop) -> Result<()>,
) -> Result<ThreadExec> {
    let pid = task.pid;
    // The calling thread under the leader's id, once the program runs.
    let mut ran: Option<Task> = None;
    loop {
        // Alone in its process, the thread's own stops are all there is to
        // wait for (others' stay for whoever waits for them).
        let (who, stop) = if others.is_empty() {
            let t = ran.as_ref().unwrap_or(task);
            (t.tid, t.wait()?)
        } else {
            match wait_any(false)? {
                Some(s) => s,
                None => continue,
            }
        };
        log::debug!(
            "execve of thread {} with others {others:?}: {who} {stop:?}",
            task.tid
        );
        if who == pid && stop == Stop::Event(libc::PTRACE_EVENT_EXEC) {
            let t = Task::new(pid, pid)?;
            t.resume(Resume::Syscall, None)?;
            ran = Some(t);
            continue;
        }
        if who == ran.as_ref().map_or(task.tid, |t| t.tid) {
            match stop {
                Stop::SyscallExit => {
                    return Ok(match ran {
                        Some(t) => ThreadExec::Ran(Box::new(t)),
                        None => ThreadExec::Failed,
                    })
                }
                Stop::Exited(_) | Stop::Killed(_) => return Ok(ThreadExec::Ended(stop)),
                Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXIT => {
                    return Ok(ThreadExec::Ended(stop))
                }
                Stop::Signal { sig, info } if stops::is_our_stop(sig, &info) => {
                    ran.as_ref().unwrap_or(task).resume(Resume::Syscall, None)?;
                }
                stop => {
                    return Err(TaskError::UnexpectedStop {
                        tid: who.as_raw(),
                        during: "an execve",
                        stop,
                    })
                }
            }
            continue;
        }
        if who == pid || others.contains(&who) {
            // A thread the execve ends: past its exit stop.
            if !matches!(stop, Stop::Exited(_) | Stop::Killed(_)) {
                let _ = sys::ptrace_resume(libc::PTRACE_CONT, who, 0);
            }
            continue;
        }
        on_other(who, stop)?;
    }
}

/// How a syscall that makes tasks ended.
#[derive(Debug)]
pub enum TaskSyscallEnd {
    /// At its exit stop; the id of the task it made, if any.
    Exit { child: Option<Pid> },
    /// The thread ended instead (`Exited` or `Killed`).
    Ended(Stop),
}

/// Wait for a killed thread's end, letting it past its exit stop.
pub fn reap(tid: Pid) {
    let _ = reap_status(tid);
}

/// Wait for a thread's end, letting it past any stop on the way; how it
/// ended, or None when it cannot be waited for (gone already).
pub fn reap_status(tid: Pid) -> Option<crate::trace::ExitKind> {
    loop {
        match sys::waitpid_raw(tid, libc::__WALL) {
            Ok(Some((_, st))) if libc::WIFEXITED(st) => {
                return Some(crate::trace::ExitKind::Exited(libc::WEXITSTATUS(st)))
            }
            Ok(Some((_, st))) if libc::WIFSIGNALED(st) => {
                return Some(crate::trace::ExitKind::Killed(libc::WTERMSIG(st)))
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) | Ok(None) => return None,
            Ok(Some(_)) => {
                let _ = sys::ptrace_resume(libc::PTRACE_CONT, tid, 0);
            }
        }
    }
}

/// The first argument of each thread's last syscall as the syscall saw
/// it (by kernel thread id), where ptrace cannot read it from a register
/// set ([`Arch::keeps_syscall_arg0`]: aarch64's `orig_x0`). Taken at
/// syscall-entry and seccomp stops, and from the registers rewind sets;
/// [`Task::regs`] reports it. Like the kernel's own copy, it keeps its
/// value after the syscall until the next one.
static SYSCALL_ARG0: std::sync::Mutex<std::collections::BTreeMap<i32, u64>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn kept_arg0() -> std::sync::MutexGuard<'static, std::collections::BTreeMap<i32, u64>> {
    // A panic elsewhere while holding it leaves plain integers: still good.
    SYSCALL_ARG0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keep the first argument of the syscall `tid` stopped at (entry or
/// seccomp stop), where the architecture needs it kept.
fn keep_syscall_arg0(tid: Pid, info: &libc::ptrace_syscall_info) {
    if let Some(a) = sys::syscall_info_arg0(info) {
        kept_arg0().insert(tid.as_raw(), a);
    }
}

/// What a raw wait status of thread `tid` means; None for a stop passed
/// over (a seccomp stop that is not a syscall entry for the resume that
/// led to it: the thread was resumed again).
fn decode_status(tid: Pid, st: libc::c_int) -> Result<Option<Stop>> {
    let keeps = Arch::host().keeps_syscall_arg0();
    if libc::WIFEXITED(st) {
        if keeps {
            kept_arg0().remove(&tid.as_raw());
        }
        return Ok(Some(Stop::Exited(libc::WEXITSTATUS(st))));
    }
    if libc::WIFSIGNALED(st) {
        if keeps {
            kept_arg0().remove(&tid.as_raw());
        }
        return Ok(Some(Stop::Killed(libc::WTERMSIG(st))));
    }
    if !libc::WIFSTOPPED(st) {
        return Ok(Some(Stop::Other(0)));
    }
    let sig = libc::WSTOPSIG(st);
    let event = (st >> 16) & 0xff;
    if event == libc::PTRACE_EVENT_SECCOMP {
        if keeps {
            let info = ptrace::syscall_info(tid).map_err(pt("GET_SYSCALL_INFO", tid))?;
            keep_syscall_arg0(tid, &info);
        }
        return seccomp_stops::decode(tid);
    }
    if event != 0 {
        return Ok(Some(Stop::Event(event)));
    }
    if sig == libc::SIGTRAP | 0x80 {
        return match ptrace::syscall_info(tid) {
            Ok(info) if info.op == libc::PTRACE_SYSCALL_INFO_EXIT => Ok(Some(Stop::SyscallExit)),
            Ok(info) => {
                if keeps {
                    keep_syscall_arg0(tid, &info);
                }
                Ok(Some(Stop::SyscallEntry))
            }
            Err(e) => Err(pt("GET_SYSCALL_INFO", tid)(e)),
        };
    }
    Ok(Some(match ptrace::getsiginfo(tid) {
        Ok(i) => Stop::Signal {
            sig,
            info: siginfo_bytes(&i),
        },
        // A group-stop has no siginfo.
        Err(_) => Stop::Other(sig),
    }))
}

/// The seccomp stops of the syscall buffer's filter (see
/// `record/syscallbuf.rs`). The filter returns `SECCOMP_RET_TRACE` with
/// [`SECCOMP_DATA`] for every syscall but the buffer's own; a thread
/// resumed with [`Resume::Untraced`] reports that stop as its syscall
/// entry, any other resume already had (or did not want) the entry and
/// the stop is passed over with the same request. A stop with other data
/// comes from a filter of the program's own returning TRACE: with no
/// tracer of the program's, the kernel fails such a call with ENOSYS, and
/// so does rewind.
pub mod seccomp_stops {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// `SECCOMP_RET_DATA` of the buffer filter's TRACE verdicts.
    pub const SECCOMP_DATA: u64 = 0x7277;

    static LAST: Mutex<Option<HashMap<i32, Resume>>> = Mutex::new(None);

    pub(super) fn resumed(tid: Pid, how: Resume) {
        if let Ok(mut m) = LAST.lock() {
            m.get_or_insert_with(HashMap::new).insert(tid.as_raw(), how);
        }
    }

    fn last(tid: Pid) -> Resume {
        LAST.lock()
            .ok()
            .and_then(|m| m.as_ref().and_then(|m| m.get(&tid.as_raw()).copied()))
            .unwrap_or(Resume::Syscall)
    }

    pub(super) fn decode(tid: Pid) -> Result<Option<Stop>> {
        let data = ptrace::getevent(tid).map_err(pt("GETEVENTMSG", tid))? as u64;
        let how = last(tid);
        if data == SECCOMP_DATA && how == Resume::Untraced {
            return Ok(Some(Stop::SyscallEntry));
        }
        if data != SECCOMP_DATA {
            // The program's own filter said TRACE: fail it with ENOSYS.
            let arch = Arch::host();
            let words = sys::get_gp_regs(tid).map_err(pt("GETREGSET(PRSTATUS)", tid))?;
            if let Some(mut r) = Regs::from_prstatus(arch, &words) {
                r.set_result((-libc::ENOSYS) as i64 as u64);
                sys::set_gp_regs(tid, &r.to_prstatus()).map_err(pt("SETREGSET(PRSTATUS)", tid))?;
                match arch.syscall_nr_regset() {
                    Some(note) => sys::set_regset_int(tid, note, -1)
                        .map_err(pt("SETREGSET(syscall number)", tid))?,
                    None => {
                        r.set_syscall_nr(u64::MAX);
                        sys::set_gp_regs(tid, &r.to_prstatus())
                            .map_err(pt("SETREGSET(PRSTATUS)", tid))?;
                    }
                }
            }
        }
        let req = match how {
            Resume::Syscall => libc::PTRACE_SYSCALL,
            Resume::Sysemu => sys::PTRACE_SYSEMU,
            Resume::Step => libc::PTRACE_SINGLESTEP,
            Resume::SysemuStep => sys::PTRACE_SYSEMU_SINGLESTEP,
            Resume::Cont | Resume::Untraced => libc::PTRACE_CONT,
        };
        sys::ptrace_resume(req, tid, 0).map_err(pt("resume", tid))?;
        Ok(None)
    }
}

/// Write `data` at `addr` in process (or thread) `pid`'s memory through
/// `/proc/PID/mem`, without a `Task`.
pub fn write_process_mem(pid: i32, addr: u64, data: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(format!("/proc/{pid}/mem"))?;
    f.write_all_at(data, addr)
}

fn pt(op: &'static str, tid: Pid) -> impl FnOnce(nix::errno::Errno) -> TaskError {
    move |errno| TaskError::Ptrace {
        op,
        tid: tid.as_raw(),
        errno,
    }
}

impl Task {
    /// Take hold of a thread that is already ptrace-stopped by us.
    pub fn new(pid: Pid, tid: Pid) -> Result<Task> {
        let path = format!("/proc/{}/task/{}/mem", pid, tid);
        let mem = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| TaskError::Memory {
                op: "open",
                tid: tid.as_raw(),
                addr: 0,
                source,
            })?;
        Ok(Task {
            tid,
            pid,
            mem,
            cache: std::cell::Cell::new(None),
        })
    }

    /// A second handle on the same thread.
    pub fn duplicate(&self) -> Result<Task> {
        Ok(Task {
            tid: self.tid,
            pid: self.pid,
            mem: self.mem.try_clone().map_err(|source| TaskError::Memory {
                op: "open",
                tid: self.tid.as_raw(),
                addr: 0,
                source,
            })?,
            cache: std::cell::Cell::new(None),
        })
    }

    /// Re-open the memory file (needed after exec replaces the address space).
    pub fn reopen_mem(&mut self) -> Result<()> {
        *self = Task::new(self.pid, self.tid)?;
        Ok(())
    }

    pub fn regs(&self) -> Result<Regs> {
        if let Some(r) = self.cache.get() {
            return Ok(r);
        }
        let arch = Arch::host();
        let words = sys::get_gp_regs(self.tid).map_err(pt("GETREGSET(PRSTATUS)", self.tid))?;
        let mut r = Regs::from_prstatus(arch, &words).ok_or_else(|| {
            TaskError::Unsupported(format!(
                "the kernel gave {} words of general registers, not the layout rewind knows for {}",
                words.len(),
                arch.name()
            ))
        })?;
        if let Some(note) = arch.syscall_nr_regset() {
            let nr = sys::get_regset_int(self.tid, note)
                .map_err(pt("GETREGSET(syscall number)", self.tid))?;
            r.set_syscall_nr(nr as i64 as u64);
        }
        if arch.keeps_syscall_arg0() {
            if let Some(&a) = kept_arg0().get(&self.tid.as_raw()) {
                r.set_kept_arg0(a);
            }
        }
        self.cache.set(Some(r));
        Ok(r)
    }

    pub fn set_regs(&self, regs: &Regs) -> Result<()> {
        self.cache.set(None);
        let arch = Arch::host();
        if regs.arch() != arch {
            return Err(TaskError::Unsupported(format!(
                "cannot give {} registers to a thread on {}",
                regs.arch().name(),
                arch.name()
            )));
        }
        sys::set_gp_regs(self.tid, &regs.to_prstatus())
            .map_err(pt("SETREGSET(PRSTATUS)", self.tid))?;
        if let Some(note) = arch.syscall_nr_regset() {
            sys::set_regset_int(self.tid, note, regs.syscall_nr() as i32)
                .map_err(pt("SETREGSET(syscall number)", self.tid))?;
        }
        if let Some(a) = regs.kept_arg0().filter(|_| arch.keeps_syscall_arg0()) {
            kept_arg0().insert(self.tid.as_raw(), a);
        }
        Ok(())
    }

    /// The XSAVE area (x87, SSE, AVX registers).
    pub fn xstate(&self) -> Result<Vec<u8>> {
        sys::get_xstate(self.tid).map_err(pt("GETREGSET(XSTATE)", self.tid))
    }

    /// Put back an XSAVE area read with [`Task::xstate`].
    pub fn set_xstate(&self, area: &[u8]) -> Result<()> {
        sys::set_xstate(self.tid, area).map_err(pt("SETREGSET(XSTATE)", self.tid))
    }

    /// The thread's signal mask.
    pub fn sigmask(&self) -> Result<u64> {
        sys::get_sigmask(self.tid).map_err(pt("GETSIGMASK", self.tid))
    }

    /// Set the thread's signal mask.
    pub fn set_sigmask(&self, mask: u64) -> Result<()> {
        sys::set_sigmask(self.tid, mask).map_err(pt("SETSIGMASK", self.tid))
    }

    /// Read up to `len` bytes at `addr`; stops early at an unmapped page.
    pub fn read_mem(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let mut done = 0;
        while done < len {
            match self.mem.read_at(&mut buf[done..], addr + done as u64) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        buf.truncate(done);
        buf
    }

    /// Whether the thread blocks signal `sig` (its mask, from /proc);
    /// true when the mask cannot be read.
    pub fn blocks_signal(&self, sig: i32) -> bool {
        let path = format!("/proc/{}/task/{}/status", self.pid, self.tid);
        let Ok(status) = std::fs::read_to_string(path) else {
            return true;
        };
        status
            .lines()
            .find_map(|l| l.strip_prefix("SigBlk:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .is_none_or(|mask| mask & (1u64 << (sig - 1)) != 0)
    }

    /// Read exactly `len` bytes at `addr`.
    pub fn read_mem_exact(&self, addr: u64, len: usize) -> Result<Vec<u8>> {
        let v = self.read_mem(addr, len);
        if v.len() == len {
            Ok(v)
        } else {
            Err(TaskError::Memory {
                op: "read",
                tid: self.tid.as_raw(),
                addr: addr + v.len() as u64,
                source: std::io::Error::from_raw_os_error(libc::EFAULT),
            })
        }
    }

    pub fn read_u64(&self, addr: u64) -> Result<u64> {
        let v = self.read_mem_exact(addr, 8)?;
        let mut b = [0u8; 8];
        b.copy_from_slice(&v);
        Ok(u64::from_le_bytes(b))
    }

    pub fn read_u32(&self, addr: u64) -> Result<u32> {
        let v = self.read_mem_exact(addr, 4)?;
        Ok(u32::from_le_bytes([v[0], v[1], v[2], v[3]]))
    }

    /// Read a NUL-terminated string of at most `max` bytes.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<String> {
        let mut out = Vec::new();
        let mut a = addr;
        while out.len() < max {
            let chunk = self.read_mem(a, 256);
            if chunk.is_empty() {
                return Err(TaskError::Memory {
                    op: "read",
                    tid: self.tid.as_raw(),
                    addr: a,
                    source: std::io::Error::from_raw_os_error(libc::EFAULT),
                });
            }
            if let Some(p) = chunk.iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..p]);
                break;
            }
            out.extend_from_slice(&chunk);
            a += chunk.len() as u64;
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Write `data` at `addr`, even into read-only mappings.
    pub fn write_mem(&self, addr: u64, data: &[u8]) -> Result<()> {
        self.mem
            .write_all_at(data, addr)
            .map_err(|source| TaskError::Memory {
                op: "write",
                tid: self.tid.as_raw(),
                addr,
                source,
            })
    }

    pub fn resume(&self, how: Resume, sig: Option<i32>) -> Result<()> {
        self.cache.set(None);
        // Raw requests: real-time signals have no nix Signal.
        let req = match how {
            Resume::Cont | Resume::Untraced => libc::PTRACE_CONT,
            Resume::Syscall => libc::PTRACE_SYSCALL,
            Resume::Sysemu => sys::PTRACE_SYSEMU,
            Resume::Step => libc::PTRACE_SINGLESTEP,
            Resume::SysemuStep => sys::PTRACE_SYSEMU_SINGLESTEP,
        };
        seccomp_stops::resumed(self.tid, how);
        sys::ptrace_resume(req, self.tid, sig.unwrap_or(0)).map_err(pt("resume", self.tid))
    }

    /// Wait for this thread's next stop.
    pub fn wait(&self) -> Result<Stop> {
        self.cache.set(None);
        loop {
            let st = match sys::waitpid_raw(self.tid, libc::__WALL) {
                Err(nix::errno::Errno::EINTR) => {
                    interrupted()?;
                    continue;
                }
                Err(e) => return Err(pt("waitpid", self.tid)(e)),
                Ok(Some((_, st))) => st,
                Ok(None) => continue,
            };
            match decode_status(self.tid, st)? {
                Some(stop) => return Ok(stop),
                None => continue,
            }
        }
    }

    /// Forget the registers read at the last stop (the thread was resumed
    /// or waited for by other means).
    pub fn forget_regs(&self) {
        self.cache.set(None);
    }

    pub fn set_siginfo(&self, info: &[u8]) -> Result<()> {
        let si = siginfo_from_bytes(info);
        ptrace::setsiginfo(self.tid, &si).map_err(pt("SETSIGINFO", self.tid))
    }

    /// Run syscall `nr` with `args` in this thread, which must be stopped
    /// at a syscall-entry or syscall-exit stop (or any stop), using the
    /// syscall instruction at `insn_addr`. Registers are restored after;
    /// returns the raw result.
    pub fn inject_syscall(&self, insn_addr: u64, nr: u64, args: [u64; 6]) -> Result<u64> {
        let saved = self.regs()?;
        let mut r = saved;
        r.set_syscall(u64::MAX, args);
        r.set_ip(insn_addr);
        r.reload_syscall(nr);
        self.set_regs(&r)?;
        self.run_syscall_insn()?;
        let res = self.regs()?.result();
        self.set_regs(&saved)?;
        Ok(res)
    }

    /// Put syscall number `nr` and arguments `args` back in the registers
    /// of a thread at a syscall's exit, keeping its result (on aarch64 the
    /// first argument's register is the result's).
    pub fn restore_syscall_regs(&self, nr: u64, args: [u64; 6]) -> Result<()> {
        let mut r = self.regs()?;
        let result = r.result();
        r.set_syscall(nr, args);
        r.set_result(result);
        self.set_regs(&r)
    }

    /// With registers set up for a syscall at a syscall instruction, run it
    /// to its entry stop. When the thread is at a `PTRACE_SYSEMU` entry
    /// stop, the skipped syscall first reports an exit stop of its own,
    /// which is passed over.
    pub fn enter_syscall_insn(&self, during: &'static str) -> Result<()> {
        self.resume(Resume::Syscall, None)?;
        let mut stop = self.wait_past_slice_stops()?;
        if stop == Stop::SyscallExit {
            self.resume(Resume::Syscall, None)?;
            stop = self.wait_past_slice_stops()?;
        }
        if stop != Stop::SyscallEntry {
            return Err(TaskError::UnexpectedStop {
                tid: self.tid.as_raw(),
                during,
                stop,
            });
        }
        Ok(())
    }

    /// From the entry stop of a syscall that makes tasks (clone, fork,
    /// vfork), run it to its exit stop through the stops it brings: the
    /// new task's id, if one was made; or the thread's own end
    /// (`Exited`/`Killed`), if it came instead. (An execve goes through
    /// [`finish_exec`].)
    pub fn finish_task_syscall(&self, during: &'static str) -> Result<TaskSyscallEnd> {
        let tid = self.tid.as_raw();
        self.resume(Resume::Syscall, None)?;
        let mut child = None;
        loop {
            match self.wait_past_slice_stops()? {
                Stop::Event(ev)
                    if ev == libc::PTRACE_EVENT_FORK
                        || ev == libc::PTRACE_EVENT_VFORK
                        || ev == libc::PTRACE_EVENT_CLONE =>
                {
                    let msg = ptrace::getevent(self.tid).map_err(pt("GETEVENTMSG", self.tid))?;
                    child = Some(Pid::from_raw(msg as i32));
                    self.resume(Resume::Syscall, None)?;
                }
                Stop::SyscallExit => return Ok(TaskSyscallEnd::Exit { child }),
                stop @ (Stop::Exited(_) | Stop::Killed(_)) => {
                    return Ok(TaskSyscallEnd::Ended(stop))
                }
                stop => return Err(TaskError::UnexpectedStop { tid, during, stop }),
            }
        }
    }

    /// Wait for the thread's next stop, passing over the SIGSTOPs of the
    /// recorder's slice timer (one sent just before the thread stopped for
    /// something else arrives when it is next resumed, maybe into a syscall
    /// rewind runs in it): the thread goes on as it was resumed.
    fn wait_past_slice_stops(&self) -> Result<Stop> {
        loop {
            match self.wait()? {
                Stop::Signal { sig, info } if stops::is_stray(sig, &info) => {
                    self.resume(Resume::Syscall, None)?;
                }
                stop => return Ok(stop),
            }
        }
    }

    /// Wait for a new task's first stop (the SIGSTOP a traced task starts
    /// with), letting it past any other; the stop, if it ended instead.
    pub fn wait_start(&self) -> Result<Option<Stop>> {
        loop {
            match self.wait()? {
                Stop::Signal { sig, .. } if sig == libc::SIGSTOP => return Ok(None),
                stop @ (Stop::Exited(_) | Stop::Killed(_)) => return Ok(Some(stop)),
                _ => self.resume(Resume::Syscall, None)?,
            }
        }
    }

    /// With registers set up for a syscall at a syscall instruction, run it
    /// to its exit stop (see [`Task::enter_syscall_insn`]).
    pub fn run_syscall_insn(&self) -> Result<()> {
        let tid = self.tid.as_raw();
        self.enter_syscall_insn("an injected syscall's entry")?;
        self.resume(Resume::Syscall, None)?;
        match self.wait_past_slice_stops()? {
            Stop::SyscallExit => Ok(()),
            stop => Err(TaskError::UnexpectedStop {
                tid,
                during: "an injected syscall's exit",
                stop,
            }),
        }
    }

    /// Fork this process by running a fork syscall at `insn_addr` (the
    /// process must be traced with PTRACE_O_TRACEFORK). Returns the child,
    /// a stopped copy whose registers are this thread's at the time of the
    /// call. Registers are restored afterwards.
    pub fn inject_fork(&self, insn_addr: u64) -> Result<Task> {
        let tid = self.tid.as_raw();
        let saved = self.regs()?;
        let mut r = saved;
        // clone with no flags and no exit signal: a copy of the process
        // whose end does not send the program a SIGCHLD it never expects.
        r.set_syscall(u64::MAX, [0; 6]);
        r.set_ip(insn_addr);
        r.reload_syscall(libc::SYS_clone as u64);
        self.set_regs(&r)?;
        self.resume(Resume::Syscall, None)?;
        let mut stop = self.wait()?;
        // A SIGCHLD of the kernel's (a replayed child that ran a new
        // program has it as its exit signal again, and was just ended) is
        // not the program's: it is passed over, undelivered.
        let mut exit_seen = false;
        loop {
            let kernel_sigchld = matches!(&stop, Stop::Signal { sig, info }
                if *sig == libc::SIGCHLD && siginfo_code(info) > 0);
            if !(kernel_sigchld || (stop == Stop::SyscallExit && !exit_seen)) {
                break;
            }
            exit_seen |= stop == Stop::SyscallExit;
            self.resume(Resume::Syscall, None)?;
            stop = self.wait()?;
        }
        if stop != Stop::SyscallEntry {
            let _ = self.set_regs(&saved);
            return Err(TaskError::UnexpectedStop {
                tid,
                during: "an injected fork's entry",
                stop,
            });
        }
        self.resume(Resume::Syscall, None)?;
        let child = match self.wait()? {
            Stop::Event(ev) if ev == libc::PTRACE_EVENT_FORK || ev == libc::PTRACE_EVENT_CLONE => {
                let pid = ptrace::getevent(self.tid).map_err(pt("GETEVENTMSG", self.tid))?;
                Pid::from_raw(pid as i32)
            }
            stop => {
                let _ = self.set_regs(&saved);
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "an injected fork",
                    stop,
                });
            }
        };
        self.resume(Resume::Syscall, None)?;
        match self.wait()? {
            Stop::SyscallExit => {}
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "an injected fork's exit",
                    stop,
                })
            }
        }
        self.set_regs(&saved)?;
        // The child starts stopped (traced from birth); wait for that stop.
        let child_task = Task {
            cache: std::cell::Cell::new(None),
            tid: child,
            pid: child,
            mem: self.mem.try_clone().map_err(|source| TaskError::Memory {
                op: "open",
                tid: child.as_raw(),
                addr: 0,
                source,
            })?,
        };
        match child_task.wait()? {
            Stop::Signal { .. } | Stop::Other(_) | Stop::Event(_) => {}
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid: child.as_raw(),
                    during: "a checkpoint's start",
                    stop,
                })
            }
        }
        let child_task = Task::new(child, child)?;
        child_task.set_regs(&saved)?;
        Ok(child_task)
    }

    /// Kill this thread's process and reap it.
    /// Kill this thread's process and wait for this thread's end, letting
    /// it past its exit stop (exits are traced).
    pub fn kill(&self) {
        let _ = nix::sys::signal::kill(self.pid, Signal::SIGKILL);
        reap(self.tid);
    }

    /// Set debug register `n` (0-7) on x86_64. Where there are none, none
    /// is ever armed: clearing one is nothing to do, arming one an error.
    pub fn set_debugreg(&self, n: usize, value: u64) -> Result<()> {
        if value == 0 && sys::debugreg_offset(n).is_none() {
            return Ok(());
        }
        let off = self.debugreg_offset(n)?;
        ptrace::write_user(self.tid, off as ptrace::AddressType, value as libc::c_long)
            .map_err(pt("POKEUSER(debugreg)", self.tid))
    }

    /// Debug register `n` (0-7) on x86_64; 0 (nothing armed) where there
    /// are none.
    pub fn debugreg(&self, n: usize) -> Result<u64> {
        let Some(off) = sys::debugreg_offset(n) else {
            return Ok(0);
        };
        ptrace::read_user(self.tid, off as ptrace::AddressType)
            .map(|v| v as u64)
            .map_err(pt("PEEKUSER(debugreg)", self.tid))
    }
}

impl Task {
    /// The thread's hardware breakpoint and watchpoint registers.
    pub fn hw_regs(&self) -> Result<HwRegs> {
        match Arch::host() {
            Arch::X86_64 => {
                let mut addrs = [0; hwdebug::SLOTS];
                for (i, a) in addrs.iter_mut().enumerate() {
                    *a = self.debugreg(i)?;
                }
                Ok(HwRegs::X86 {
                    addrs,
                    dr7: self.debugreg(7)?,
                })
            }
            Arch::Aarch64 => Ok(HwRegs::Aarch64 {
                breaks: self.hw_bank(hwdebug::NT_ARM_HW_BREAK)?.1,
                watches: self.hw_bank(hwdebug::NT_ARM_HW_WATCH)?.1,
            }),
        }
    }

    /// Give the thread these hardware breakpoint and watchpoint registers;
    /// nothing is written when it has them already. On x86 all are
    /// disabled first, so that every address is valid when it is set.
    pub fn set_hw_regs(&self, want: &HwRegs) -> Result<()> {
        let now = self.hw_regs()?;
        if now == *want {
            return Ok(());
        }
        match (want, now) {
            (
                HwRegs::X86 { addrs, dr7 },
                HwRegs::X86 {
                    addrs: had,
                    dr7: had_dr7,
                },
            ) => {
                if had_dr7 != 0 {
                    self.set_debugreg(7, 0)?;
                }
                for (i, (&want, &had)) in addrs.iter().zip(&had).enumerate() {
                    if want != had {
                        self.set_debugreg(i, want)?;
                    }
                }
                if *dr7 != 0 {
                    self.set_debugreg(7, *dr7)?;
                }
                Ok(())
            }
            (
                HwRegs::Aarch64 { breaks, watches },
                HwRegs::Aarch64 {
                    breaks: had_b,
                    watches: had_w,
                },
            ) => {
                for (note, regs, had, what) in [
                    (hwdebug::NT_ARM_HW_BREAK, breaks, had_b, "breakpoint"),
                    (hwdebug::NT_ARM_HW_WATCH, watches, had_w, "watchpoint"),
                ] {
                    if *regs == had {
                        continue;
                    }
                    let (count, _) = self.hw_bank(note)?;
                    let used = regs.iter().rposition(|r| r.1 != 0).map_or(0, |i| i + 1);
                    if used > count {
                        return Err(TaskError::Unsupported(format!(
                            "this CPU has {count} hardware {what} registers; rewind needs {used}"
                        )));
                    }
                    let n = count.min(regs.len());
                    sys::set_regset_bytes(self.tid, note, &hwdebug::aarch64_bank_bytes(&regs[..n]))
                        .map_err(pt("SETREGSET(hardware debug)", self.tid))?;
                }
                Ok(())
            }
            _ => Err(TaskError::Unsupported(format!(
                "hardware debug registers of another architecture on {}",
                Arch::host().name()
            ))),
        }
    }

    /// One aarch64 bank of hardware debug registers: how many the thread
    /// has, and the first [`hwdebug::SLOTS`].
    fn hw_bank(&self, note: u32) -> Result<(usize, [(u64, u32); hwdebug::SLOTS])> {
        let max = 8 + 16 * hwdebug::AARCH64_BANK_MAX;
        let bytes = sys::get_regset_bytes(self.tid, note, max)
            .map_err(pt("GETREGSET(hardware debug)", self.tid))?;
        hwdebug::aarch64_bank_parse(&bytes).ok_or_else(|| {
            TaskError::Unsupported(format!(
                "the kernel gave {} bytes of hardware debug registers",
                bytes.len()
            ))
        })
    }

    /// After a SIGTRAP with siginfo `info`: what a hardware breakpoint or
    /// watchpoint says of its cause (x86: DR6's status bits, which are
    /// cleared; aarch64: the trap's address), or None for another trap.
    pub fn hw_trigger(&self, info: &[u8]) -> Result<Option<Trigger>> {
        match Arch::host() {
            Arch::X86_64 => {
                let dr6 = self.debugreg(6)?;
                if dr6 & 0xf == 0 {
                    return Ok(None);
                }
                self.set_debugreg(6, 0)?;
                Ok(Some(Trigger::Slot((dr6 & 0xf).trailing_zeros() as usize)))
            }
            Arch::Aarch64 => Ok((siginfo_code(info) == hwdebug::TRAP_HWBKPT)
                .then(|| siginfo_addr(info))
                .map(Trigger::Addr)),
        }
    }

    fn debugreg_offset(&self, n: usize) -> Result<usize> {
        sys::debugreg_offset(n).ok_or_else(|| {
            TaskError::Unsupported(format!(
                "hardware breakpoints and watchpoints through debug registers on {}",
                Arch::host().name()
            ))
        })
    }
}

/// siginfo_t as its 128 raw bytes.
pub fn siginfo_bytes(si: &libc::siginfo_t) -> Vec<u8> {
    let words: [u64; 16] = siginfo_words(si);
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn siginfo_words(si: &libc::siginfo_t) -> [u64; 16] {
    // siginfo_t is 128 bytes of plain data; copy it field-blind through a
    // byte buffer with a safe transmute-free path.
    let mut out = [0u64; 16];
    let ptr = si as *const libc::siginfo_t as *const u8;
    let mut bytes = [0u8; 128];
    // SAFETY: siginfo_t is exactly 128 bytes (checked below at compile time)
    // and `si` is a valid reference for the duration of the copy.
    unsafe { std::ptr::copy_nonoverlapping(ptr, bytes.as_mut_ptr(), 128) };
    for (i, w) in out.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        *w = u64::from_le_bytes(b);
    }
    out
}

const _: () = assert!(std::mem::size_of::<libc::siginfo_t>() == 128);

/// siginfo_t from raw bytes (padded or cut to 128).
pub fn siginfo_from_bytes(b: &[u8]) -> libc::siginfo_t {
    let mut bytes = [0u8; 128];
    let n = b.len().min(128);
    bytes[..n].copy_from_slice(&b[..n]);
    // SAFETY: siginfo_t is plain data of 128 bytes for which every bit
    // pattern is valid; we read it unaligned from a local buffer.
    unsafe { std::ptr::read_unaligned(bytes.as_ptr() as *const libc::siginfo_t) }
}

/// The signal number and si_code of raw siginfo bytes.
pub fn siginfo_code(info: &[u8]) -> i32 {
    if info.len() < 12 {
        return 0;
    }
    i32::from_le_bytes([info[8], info[9], info[10], info[11]])
}

/// The `si_addr` of a raw siginfo (a fault's or a trap's address); 0 when
/// too short.
pub fn siginfo_addr(info: &[u8]) -> u64 {
    info.get(16..24)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_ne_bytes)
}

/// Up to `len` bytes at `addr` in process `pid`'s memory, read through
/// `/proc/PID/mem` without a `Task` (fewer where the memory ends).
pub fn read_process_mem(pid: i32, addr: u64, len: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(format!("/proc/{pid}/mem"))?;
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        match f.read_at(&mut buf[got..], addr + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
    }
    buf.truncate(got);
    Ok(buf)
}
