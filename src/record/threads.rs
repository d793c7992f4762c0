//! Threads at record time.
//!
//! One thread runs at a time (all are pinned to rewind's CPU anyway); the
//! others are stopped, or inside a syscall that may block. The trace says
//! which thread ran when without a separate scheduling record:
//!
//! - A switch at a syscall's exit needs nothing: the next event names the
//!   next thread, and the replay runs that one.
//! - A thread that enters a syscall that may block (a futex wait, a read
//!   from a pipe...) gets a `SyscallEntry` event and is left in the kernel
//!   while others run; its `Syscall` event is written when the syscall
//!   returns, in the order the recorder sees it.
//! - A thread that runs longer than [`SLICE`] without a syscall while
//!   another could run is stopped with a signal of ours and switched out
//!   with a `Preempt` event: its registers and stack checksum anchor the
//!   point, which the replay finds again with a breakpoint.
//!
//! Blocking is never busy: the recorder waits in waitpid for whichever
//! thread stops next.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use nix::unistd::Pid;

use super::{syscalls, RecordError, Recorder};
use crate::arch::regs::Regs;
use crate::arch::syscall::SyscallDesc;
use crate::trace::{Event, ExitKind};
use crate::tracee::{sys, Resume, Stop, Task, TaskError, TaskSyscallEnd};

/// How long a thread runs while others wait before it is switched out.
pub const SLICE: Duration = Duration::from_millis(20);

/// What became of a syscall that may block, at its entry.
pub enum Blocking {
    /// It runs to its end before anything else.
    No,
    /// The thread was left in it; another runs.
    Yes,
    /// A stop came before it was entered (a signal at its instruction):
    /// the run loop takes that stop as the thread's next.
    Interrupted(Stop),
}

/// A thread that is not the one running.
pub struct Parked {
    pub task: Task,
    pub counter: Option<crate::ticks::pmu::Counter>,
    pub state: ParkedState,
}

pub enum ParkedState {
    /// Stopped where it can be resumed, with a signal to deliver then.
    Ready { sig: Option<(i32, Vec<u8>)> },
    /// Left in a syscall that may block: what its event needs.
    InSyscall(Box<Blocked>),
    /// Exiting: its last stops are still to come.
    Exiting,
    /// In a group-stop (SIGSTOP, SIGTSTP...): not run until a SIGCONT is
    /// sent to its process.
    GroupStopped,
    /// Held for the program's own ptrace (`record/ptrace.rs`): a tracee in
    /// a stop its tracer sees, or a tracer waiting for one; not run until
    /// released.
    Held,
}

/// Whether a group-stop reported with `sig` is one a program's stop
/// signal started (the default action of SIGSTOP, SIGTSTP, SIGTTIN,
/// SIGTTOU).
pub fn is_stop_signal(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
    )
}

/// Where `name`'s signal number is, for the syscalls that send one.
pub fn sent_signal(name: &str, args: &[u64; 6]) -> Option<i32> {
    let i = match name {
        "kill" | "tkill" | "rt_sigqueueinfo" | "pidfd_send_signal" => 1,
        "tgkill" | "rt_tgsigqueueinfo" => 2,
        _ => return None,
    };
    Some(args[i] as i32)
}

/// Whether SIGCONT is pending for thread `tid` (its own or its process's).
fn sigcont_pending(tid: i32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{tid}/status")) else {
        return false;
    };
    let bit = 1u64 << (libc::SIGCONT - 1);
    status.lines().any(|l| {
        (l.starts_with("SigPnd:") || l.starts_with("ShdPnd:"))
            && l.split_whitespace()
                .nth(1)
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .is_some_and(|m| m & bit != 0)
    })
}

/// A syscall left running in the kernel: what its event needs.
pub struct Blocked {
    pub(super) regs: Regs,
    pub(super) snap: syscalls::EntrySnapshot,
    pub(super) desc: &'static SyscallDesc,
    /// Its outputs moved to the thread's scratch area.
    pub(super) redirects: Vec<super::scratch::Redirect>,
}

/// The timer that ends a thread's slice: a SIGSTOP of ours to the thread,
/// unless cancelled (every stop cancels it).
///
/// One timer thread, started at the first arm, serves every slice: arming
/// and cancelling only set the deadline under a lock (threads switch at
/// nearly every syscall of a busy program, and a thread started per slice
/// cost more than the recording itself). The timer thread sleeps on a
/// condition variable until the deadline, and without one until armed; a
/// deadline moved later wakes it early, and it sleeps again.
#[derive(Default)]
pub struct SliceTimer {
    shared: Option<Arc<TimerShared>>,
}

#[derive(Default)]
struct TimerShared {
    state: Mutex<TimerState>,
    wake: Condvar,
}

#[derive(Default)]
struct TimerState {
    /// When to stop which thread (process id, thread id).
    deadline: Option<(Instant, Pid, Pid)>,
    /// The timer thread waits with no deadline: arming must wake it.
    idle: bool,
    /// The recording is over: the timer thread ends.
    done: bool,
}

impl SliceTimer {
    /// Stop `tid` after `after`, unless cancelled first.
    pub fn arm(&mut self, pid: Pid, tid: Pid, after: Duration) {
        let shared = self.shared.get_or_insert_with(|| {
            let shared = Arc::new(TimerShared::default());
            let theirs = shared.clone();
            std::thread::spawn(move || timer_thread(&theirs));
            shared
        });
        let mut st = lock(&shared.state);
        st.deadline = Some((Instant::now() + after, pid, tid));
        if st.idle {
            shared.wake.notify_one();
        }
    }

    pub fn cancel(&self) {
        if let Some(shared) = &self.shared {
            lock(&shared.state).deadline = None;
        }
    }
}

impl Drop for SliceTimer {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            lock(&shared.state).done = true;
            shared.wake.notify_one();
        }
    }
}

/// The lock, even if a holder panicked (the state stays meaningful).
fn lock(m: &Mutex<TimerState>) -> std::sync::MutexGuard<'_, TimerState> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn timer_thread(shared: &TimerShared) {
    let mut st = lock(&shared.state);
    while !st.done {
        match st.deadline {
            None => {
                st.idle = true;
                st = shared.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                st.idle = false;
            }
            Some((when, pid, tid)) => {
                let now = Instant::now();
                if now >= when {
                    st.deadline = None;
                    let _ = sys::tgkill(pid, tid, libc::SIGSTOP);
                } else {
                    st = shared
                        .wake
                        .wait_timeout(st, when - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|e| e.into_inner().0);
                }
            }
        }
    }
}

/// Whether a syscall may wait for another thread or process: then the
/// thread is left in the kernel while others run. Reads and writes only on
/// descriptors that can block (pipes, sockets, terminals, event fds).
pub fn may_block(name: &str, args: &[u64; 6], pid: Pid) -> bool {
    match name {
        "futex" => {
            // FUTEX_WAIT, LOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2.
            matches!(args[1] & 0x7f, 0 | 6 | 9 | 11 | 13)
        }
        "futex_wait" | "futex_waitv" | "poll" | "ppoll" | "select" | "pselect6" | "epoll_wait"
        | "epoll_pwait" | "epoll_pwait2" | "nanosleep" | "clock_nanosleep" | "wait4" | "waitid"
        | "pause" | "rt_sigsuspend" | "rt_sigtimedwait" | "msgrcv" | "semop" | "semtimedop"
        | "flock" | "accept" | "accept4" | "connect" => true,
        // A full queue makes msgsnd wait, unless IPC_NOWAIT.
        "msgsnd" => args[3] & IPC_NOWAIT == 0,
        // Record locks that wait for another process's to go.
        "fcntl" => matches!(args[1], F_SETLKW | F_OFD_SETLKW),
        // Opening a FIFO waits for its other end to be opened.
        "open" => opens_fifo(pid, None, args[0], args[1]),
        "openat" => opens_fifo(pid, Some(args[0]), args[1], args[2]),
        "openat2" => opens_fifo(pid, Some(args[0]), args[1], read_u64(pid, args[2])),
        // MSG_WAITALL waits for the whole buffer, and recvmmsg for all its
        // messages, whatever is there now: ready or not, they may block.
        "recvfrom" if args[3] & MSG_WAITALL != 0 => fd_may_block(pid, args[0] as i32),
        "recvmsg" if args[2] & MSG_WAITALL != 0 => fd_may_block(pid, args[0] as i32),
        "recvmmsg" if args[3] & MSG_WAITFORONE == 0 => fd_may_block(pid, args[0] as i32),
        "read" | "readv" | "recvfrom" | "recvmsg" | "recvmmsg" => {
            fd_may_block(pid, args[0] as i32) && !fd_ready(pid, args[0] as i32, false)
        }
        // A write of up to PIPE_BUF bytes into a pipe or socket with room
        // for it completes at once.
        "write" | "sendto" => {
            fd_may_block(pid, args[0] as i32)
                && !(args[2] <= PIPE_BUF && fd_ready(pid, args[0] as i32, true))
        }
        "writev" | "sendmsg" | "sendmmsg" => fd_may_block(pid, args[0] as i32),
        _ => false,
    }
}

/// System V IPC's "do not wait" flag.
const IPC_NOWAIT: u64 = 0o4000;

/// recv flags (the same on every architecture).
const MSG_WAITALL: u64 = 0x100;
const MSG_WAITFORONE: u64 = 0x1_0000;

/// Bytes a pipe takes in one piece.
const PIPE_BUF: u64 = 4096;

/// Whether descriptor `fd` of process `pid` can be read from (or written
/// to) without waiting now. Then the syscall runs to its end before any
/// other task: its effect (bytes taken from or put into a pipe) lands at a
/// deterministic point of the trace.
fn fd_ready(pid: Pid, fd: i32, write: bool) -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let Ok(copy) = sys::dup_from(pid, fd) else {
        return false;
    };
    let want = if write {
        PollFlags::POLLOUT
    } else {
        PollFlags::POLLIN
    };
    let mut fds = [PollFd::new(copy.as_fd(), want)];
    match poll(&mut fds, PollTimeout::ZERO) {
        Ok(1) => fds[0].revents().is_some_and(|r| r.intersects(want)),
        _ => false,
    }
}

fn fd_may_block(pid: Pid, fd: i32) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let link = format!("/proc/{pid}/fd/{fd}");
    match std::fs::read_link(&link) {
        Ok(p) => {
            let p = p.to_string_lossy();
            p.starts_with("pipe:")
                || p.starts_with("socket:")
                || p.starts_with("anon_inode:")
                || p.starts_with("/dev/")
                // A named FIFO, socket or device, wherever it lives.
                || std::fs::metadata(&link).is_ok_and(|m| {
                    let t = m.file_type();
                    t.is_fifo() || t.is_socket() || t.is_char_device()
                })
        }
        Err(_) => false,
    }
}

/// fcntl commands that wait for a lock.
const F_SETLKW: u64 = 7;
const F_OFD_SETLKW: u64 = 38;
/// open's flag for not waiting.
const O_NONBLOCK: u64 = 0o4000;

/// Whether an open (of the path at `ptr` in `pid`'s memory, relative to
/// `dirfd` for openat) with `flags` opens a FIFO without O_NONBLOCK: then
/// it waits until another process opens the other end.
fn opens_fifo(pid: Pid, dirfd: Option<u64>, ptr: u64, flags: u64) -> bool {
    use std::os::unix::fs::FileTypeExt;
    if flags & O_NONBLOCK != 0 {
        return false;
    }
    let Some(path) = read_c_string(pid, ptr) else {
        return false;
    };
    let full = if path.starts_with('/') {
        std::path::PathBuf::from(path)
    } else {
        let base = match dirfd {
            Some(fd) if fd as i32 != libc::AT_FDCWD => format!("/proc/{pid}/fd/{}", fd as i32),
            _ => format!("/proc/{pid}/cwd"),
        };
        std::path::Path::new(&base).join(path)
    };
    std::fs::metadata(full).is_ok_and(|m| m.file_type().is_fifo())
}

/// A NUL-terminated string of up to 4 KiB in `pid`'s memory.
fn read_c_string(pid: Pid, ptr: u64) -> Option<String> {
    let buf = crate::tracee::read_process_mem(pid.as_raw(), ptr, 4096).ok()?;
    let end = buf.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// The u64 at `ptr` in `pid`'s memory (0 when unreadable).
fn read_u64(pid: Pid, ptr: u64) -> u64 {
    crate::tracee::read_process_mem(pid.as_raw(), ptr, 8)
        .ok()
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

impl Recorder {
    /// After a SIGCONT was sent: threads of stopped processes it reached
    /// can run again (its delivery stop comes when they do).
    pub(super) fn wake_continued(&mut self) {
        for (&tid, p) in self.threads.iter_mut() {
            if matches!(p.state, ParkedState::GroupStopped) && sigcont_pending(tid) {
                log::debug!("thread {tid} continued");
                p.state = ParkedState::Ready { sig: None };
            }
        }
    }

    /// Whether other threads exist (of this process or of others).
    pub(super) fn multi_threaded(&self) -> bool {
        !self.threads.is_empty()
    }

    fn any_ready(&self) -> bool {
        self.threads.values().any(|p| self.may_run(p))
    }

    /// Whether parked thread `p` may be switched in: ready, and not of a
    /// process that waits for its vfork child.
    fn may_run(&self, p: &Parked) -> bool {
        matches!(p.state, ParkedState::Ready { .. }) && !self.in_vfork(p.task.pid)
    }

    /// Wait for the running thread's next stop, handling the stops of the
    /// others (syscalls returning, threads starting or ending) meanwhile.
    pub(super) fn wait_current(&mut self) -> Result<Stop, RecordError> {
        if !self.multi_threaded() {
            return Ok(self.task.wait()?);
        }
        loop {
            let Some((tid, stop)) = crate::tracee::wait_any(false)? else {
                continue;
            };
            if tid == self.task.tid {
                self.task.forget_regs();
                return Ok(stop);
            }
            self.on_other_stop(tid, stop)?;
            // A thread that became ready may now wait for this one.
            self.arm_slice();
        }
    }

    /// A stop of a thread that is not running.
    pub(super) fn on_other_stop(&mut self, tid: Pid, stop: Stop) -> Result<(), RecordError> {
        let t = tid.as_raw();
        if self.ptrace_wait_interrupted(t, &stop)? {
            return Ok(());
        }
        let Some(p) = self.threads.get_mut(&t) else {
            // A thread we no longer track (its exit came late): let it go.
            if let Stop::Event(_) | Stop::Signal { .. } | Stop::Other(_) = stop {
                let _ = nix::sys::ptrace::cont(tid, None);
            }
            return Ok(());
        };
        p.task.forget_regs();
        let stop = match stop {
            Stop::Signal { sig, info } => Stop::Signal {
                sig,
                info: self.ptrace_sigchld_info(t, sig, info),
            },
            other => other,
        };
        let Some(p) = self.threads.get_mut(&t) else {
            return Ok(());
        };
        match stop {
            Stop::SyscallExit => {
                if let ParkedState::InSyscall(_) = p.state {
                    let ParkedState::InSyscall(b) =
                        std::mem::replace(&mut p.state, ParkedState::Ready { sig: None })
                    else {
                        return Ok(());
                    };
                    self.with_parked(t, |rec| {
                        rec.copy_back(&b.regs, b.desc, &b.snap, &b.redirects)?;
                        rec.push_syscall_exit(b.regs, b.desc, &b.snap)
                    })?;
                    self.tracee_syscall_exit(t)?;
                }
            }
            Stop::SyscallEntry => {
                // A blocked syscall restarted after a signal of ours: back
                // into the kernel, it is the same syscall, with its outputs
                // in the scratch buffers again.
                if let ParkedState::InSyscall(b) = &p.state {
                    let redirects = b.redirects.clone();
                    self.with_parked(t, |rec| rec.redirect_again(&redirects))?;
                    if let Some(p) = self.threads.get(&t) {
                        p.task.resume(Resume::Syscall, None)?;
                    }
                }
            }
            Stop::Signal { sig, info } => {
                if super::signals::is_our_stop(sig, &info) {
                    // A slice timer that fired late: ignore it.
                    if let ParkedState::InSyscall(_) = p.state {
                        p.task.resume(Resume::Syscall, None)?;
                    }
                } else if !matches!(p.state, ParkedState::Exiting) {
                    // A signal for a parked thread (one that interrupted its
                    // blocked syscall before the exit was seen, or a stop
                    // signal another process sent): delivered when the
                    // thread runs.
                    p.state = ParkedState::Ready {
                        sig: Some((sig, info)),
                    };
                }
            }
            Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXIT => {
                p.state = ParkedState::Exiting;
                p.task.resume(Resume::Cont, None)?;
            }
            Stop::Other(sig) if is_stop_signal(sig) && !matches!(p.state, ParkedState::Exiting) => {
                // Its process stopped (another thread took the stop signal).
                p.state = ParkedState::GroupStopped;
            }
            Stop::Event(_) | Stop::Other(_) => {
                if let ParkedState::InSyscall(_) | ParkedState::Exiting = p.state {
                    p.task.resume(Resume::Cont, None)?;
                }
            }
            Stop::Exited(c) => {
                if let Some(p) = self.threads.remove(&t) {
                    self.parked_ended(p.task.pid, tid, ExitKind::Exited(c))?;
                }
            }
            Stop::Killed(s) => {
                if let Some(p) = self.threads.remove(&t) {
                    self.parked_ended(p.task.pid, tid, ExitKind::Killed(s))?;
                }
            }
        }
        Ok(())
    }

    /// Run `f` with parked thread `tid` as the current one.
    pub(super) fn with_parked<T>(
        &mut self,
        tid: i32,
        f: impl FnOnce(&mut Recorder) -> Result<T, RecordError>,
    ) -> Result<T, RecordError> {
        let Some(mut p) = self.threads.remove(&tid) else {
            return Err(RecordError::Task(TaskError::UnexpectedStop {
                tid,
                during: "looking up a thread",
                stop: Stop::Other(0),
            }));
        };
        std::mem::swap(&mut self.task, &mut p.task);
        std::mem::swap(&mut self.counter, &mut p.counter);
        let r = f(self);
        std::mem::swap(&mut self.task, &mut p.task);
        std::mem::swap(&mut self.counter, &mut p.counter);
        self.threads.insert(tid, p);
        r
    }

    /// The current thread, at the entry of a syscall that may block, goes
    /// into the kernel and another runs. False when no other can run (the
    /// syscall is then recorded as usual).
    pub(super) fn block_current(&mut self, regs: Regs) -> Result<Blocking, RecordError> {
        let nr = regs.syscall_nr();
        let Some(desc) = self.arch.syscall(nr) else {
            return Ok(Blocking::No);
        };
        if !may_block(desc.name, &regs.syscall_args(), self.task.pid) {
            return Ok(Blocking::No);
        }
        let args = regs.syscall_args();
        let snap = self.entry_snapshot(desc, &args);
        let redirects = match self.redirect_outputs(desc, &regs)? {
            super::scratch::Setup::Redirected(r) => r,
            super::scratch::Setup::Interrupted(stop) => return Ok(Blocking::Interrupted(stop)),
        };
        self.writer.push(&Event::SyscallEntry {
            tid: self.task.tid.as_raw(),
            regs,
            ticks: self.ticks(),
        })?;
        self.task.resume(Resume::Syscall, None)?;
        if desc.name == "futex" && crate::arch::cmds::futex_locks_pi(&args) {
            // Waiting for a PI lock, the thread has put the waiters bit in
            // its owner's word: the others see it from now on.
            super::robust::wait_until_inside(self.task.tid.as_raw(), Duration::from_millis(50));
            let writes = syscalls::read_ranges(&self.task, &[(args[0], 4)]);
            self.writer.push(&Event::KernelWrite {
                tid: self.task.tid.as_raw(),
                writes,
            })?;
        }
        self.switch_out(ParkedState::InSyscall(Box::new(Blocked {
            regs,
            snap,
            desc,
            redirects,
        })))?;
        Ok(Blocking::Yes)
    }

    /// The current thread stops running, in `state`; a placeholder takes
    /// its place until [`Recorder::schedule`] picks the next.
    pub(super) fn switch_out(&mut self, state: ParkedState) -> Result<(), RecordError> {
        // A second handle on the same thread stands in as the current task
        // (`has_current` false) until the next one is switched in.
        let placeholder = self.task.duplicate()?;
        let task = std::mem::replace(&mut self.task, placeholder);
        let counter = self.counter.take();
        self.threads.insert(
            task.tid.as_raw(),
            Parked {
                task,
                counter,
                state,
            },
        );
        self.has_current = false;
        Ok(())
    }

    /// Make `tid` the running thread; returns the signal it is to get.
    fn switch_in(&mut self, tid: i32) -> Option<(i32, Vec<u8>)> {
        let p = self.threads.remove(&tid)?;
        self.task = p.task;
        self.counter = p.counter;
        self.has_current = true;
        self.slice_start = Instant::now();
        match p.state {
            ParkedState::Ready { sig } => sig,
            _ => None,
        }
    }

    /// Pick the next thread to run when the current one cannot (blocked,
    /// gone, or its slice is over): the next ready one after it in thread
    /// order. Waits for one when none is ready. Returns the exit of the
    /// process when no thread is left.
    pub(super) fn schedule(&mut self) -> Result<Option<ExitKind>, RecordError> {
        let after = self.task.tid.as_raw();
        loop {
            let ready: Vec<i32> = self
                .threads
                .iter()
                .filter(|(_, p)| self.may_run(p))
                .map(|(&t, _)| t)
                .collect();
            if let Some(&next) = ready.iter().find(|&&t| t > after).or(ready.first()) {
                if let Some((sig, info)) = self.switch_in(next) {
                    // A signal that stopped it while parked: record its
                    // delivery here, where the thread resumes (or, for an
                    // emulated tracee, its stop for its tracer).
                    if self.tracee_signal(sig, &info)? {
                        continue;
                    }
                    self.task.set_siginfo(&info)?;
                    self.record_signal(sig, info)?;
                    self.pending_sig = Some(sig);
                } else {
                    self.pending_sig = None;
                    self.ptrace_switched_in()?;
                    if !self.has_current {
                        // It stopped again for its tracer at once.
                        continue;
                    }
                }
                return Ok(None);
            }
            if self.threads.is_empty() {
                return Ok(Some(self.root_exit.unwrap_or(ExitKind::Exited(0))));
            }
            let Some((tid, stop)) = crate::tracee::wait_any(false)? else {
                continue;
            };
            self.on_other_stop(tid, stop)?;
        }
    }

    /// At an event boundary of the running thread: switch if its slice is
    /// over (or it yielded) and another thread can run.
    pub(super) fn maybe_switch(&mut self, yielded: bool) -> Result<(), RecordError> {
        if self.multi_threaded()
            && (yielded || self.slice_start.elapsed() >= SLICE)
            && self.any_ready()
        {
            let sig = self.pending_sig.take();
            if sig.is_some() {
                // Deliver first; switch at the next boundary.
                self.pending_sig = sig;
                return Ok(());
            }
            self.switch_out(ParkedState::Ready { sig: None })?;
        }
        Ok(())
    }

    /// Arm the slice timer for the running thread when others wait (once
    /// per resume).
    pub(super) fn arm_slice(&mut self) {
        if !self.slice_armed && self.multi_threaded() && self.any_ready() {
            self.slice_armed = true;
            let left = SLICE.saturating_sub(self.slice_start.elapsed());
            self.slice_timer.arm(
                self.task.pid,
                self.task.tid,
                left.max(Duration::from_millis(1)),
            );
        }
    }

    /// Our SIGSTOP ended the running thread's slice: switch it out here,
    /// anchored, if another thread can run (and no signal of its own is
    /// about to be delivered).
    pub(super) fn preempt(&mut self) -> Result<(), RecordError> {
        if !self.any_ready() || self.pending_sig.is_some() {
            self.slice_start = Instant::now();
            return Ok(());
        }
        let regs = self.task.regs()?;
        let stack = self.stack_window(&regs);
        self.writer.push(&Event::Preempt {
            tid: self.task.tid.as_raw(),
            regs,
            stack_crc: crate::trace::anchor_crc(&stack),
            stack,
            ticks: self.ticks(),
        })?;
        self.switch_out(ParkedState::Ready { sig: None })
    }

    /// clone of a thread, at its entry: the thread is created for real and
    /// gets its own task.
    pub(super) fn record_clone(&mut self, regs: Regs) -> Result<Option<ExitKind>, RecordError> {
        let args = regs.syscall_args();
        // A thread cloned CLONE_UNTRACED is made traced (and its registers
        // and its parent's show the program's own flags after).
        let untraced = crate::arch::fork::traced_clone_args(&args);
        if let Some(traced) = untraced {
            let mut r = regs;
            r.set_syscall(regs.syscall_nr(), traced);
            self.task.set_regs(&r)?;
        }
        let child = match self.task.finish_task_syscall("clone")? {
            TaskSyscallEnd::Exit { child } => child,
            TaskSyscallEnd::Ended(stop) => return Ok(Some(super::processes::ended(stop))),
        };
        if untraced.is_some() {
            self.task.restore_syscall_regs(regs.syscall_nr(), args)?;
        }
        let result = self.task.regs()?.result();
        if let Some(child) = child {
            // The new thread starts stopped, traced: take hold of it.
            let task = Task::new(self.task.pid, child)?;
            task.wait_start()?;
            if untraced.is_some() {
                task.restore_syscall_regs(regs.syscall_nr(), args)?;
            }
            self.park_new_task(task)?;
        }
        // The thread shares the caller's memory: what the kernel wrote for
        // it (its id at child_tid) is read from there too.
        let (mut ranges, child_ranges) = self.clone_out_ranges(&regs, result);
        if child.is_some() {
            ranges.extend(child_ranges);
        }
        let writes = syscalls::read_ranges(&self.task, &ranges);
        self.push_syscall(regs, result, writes, false)?;
        if let Some(child) = child {
            self.push_spawned(child)?;
        }
        Ok(None)
    }

    /// A task just made (a thread or a process), stopped at its start: it
    /// waits for its turn, with its own branch counter where there is one.
    pub(super) fn park_new_task(&mut self, task: Task) -> Result<(), RecordError> {
        let tid = task.tid.as_raw();
        let counter = match self.counter_event {
            Some(ev) => {
                Some(crate::ticks::pmu::Counter::open(tid, ev).map_err(RecordError::Counter)?)
            }
            None => None,
        };
        self.threads.insert(
            tid,
            Parked {
                task,
                counter,
                state: ParkedState::Ready { sig: None },
            },
        );
        Ok(())
    }

    /// The current thread's `exit` while other threads of its process
    /// live: it ends, the others go on. How the process ended when it was
    /// its last thread after all.
    pub(super) fn thread_exit(&mut self) -> Result<Option<ExitKind>, RecordError> {
        let pid = self.task.pid;
        let leader = self.task.tid == pid;
        self.task.resume(Resume::Syscall, None)?;
        let kind;
        loop {
            match self.task.wait()? {
                Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXIT => {
                    self.task.resume(Resume::Cont, None)?;
                    if leader {
                        // The leader's status comes when the group is gone.
                        self.switch_out(ParkedState::Exiting)?;
                        return Ok(None);
                    }
                }
                Stop::Exited(c) => {
                    kind = ExitKind::Exited(c);
                    break;
                }
                Stop::Killed(s) => {
                    kind = ExitKind::Killed(s);
                    break;
                }
                _ => self.task.resume(Resume::Cont, None)?,
            }
        }
        self.has_current = false;
        if self.tasks_of(pid) == 0 {
            // The others went while this one exited.
            let kind = self.leader_exits.remove(&pid.as_raw()).unwrap_or(kind);
            self.has_current = true;
            return Ok(Some(kind));
        }
        Ok(None)
    }
}

/// Threads by id.
pub type Threads = BTreeMap<i32, Parked>;
