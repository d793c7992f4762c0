//! Thin wrappers around the raw calls that the `nix` crate does not cover.
//! Every `unsafe` block of rewind's ptrace boundary lives here.

use nix::unistd::Pid;

use crate::arch::Arch;

/// `PTRACE_SYSEMU` and `PTRACE_SYSEMU_SINGLESTEP` (the same numbers on
/// x86_64 and aarch64).
pub const PTRACE_SYSEMU: libc::c_uint = 31;
pub const PTRACE_SYSEMU_SINGLESTEP: libc::c_uint = 32;

/// `NT_PRSTATUS`: the general registers.
const NT_PRSTATUS: u32 = 1;

/// Read the floating-point and vector registers of a stopped thread, as
/// the host architecture's regset has them (x86_64: the XSAVE area).
pub fn get_xstate(tid: Pid) -> nix::Result<Vec<u8>> {
    get_regset(tid, Arch::host().fp_regset(), 4096)
}

/// Write the registers [`get_xstate`] read.
pub fn set_xstate(tid: Pid, area: &[u8]) -> nix::Result<()> {
    set_regset(tid, Arch::host().fp_regset(), area)
}

/// The general registers of a stopped thread, as the host architecture's
/// `NT_PRSTATUS` regset lays them out (64-bit words).
pub fn get_gp_regs(tid: Pid) -> nix::Result<Vec<u64>> {
    let bytes = get_regset(tid, NT_PRSTATUS, 512)?;
    Ok(bytes
        .chunks_exact(8)
        .map(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
        .collect())
}

/// Write the general registers [`get_gp_regs`] read.
pub fn set_gp_regs(tid: Pid, words: &[u64]) -> nix::Result<()> {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    set_regset(tid, NT_PRSTATUS, &bytes)
}

/// A regset that holds one int (aarch64 `NT_ARM_SYSTEM_CALL`).
pub fn get_regset_int(tid: Pid, note: u32) -> nix::Result<i32> {
    let b = get_regset(tid, note, 4)?;
    match b.as_slice() {
        [a, b, c, d] => Ok(i32::from_ne_bytes([*a, *b, *c, *d])),
        _ => Err(nix::errno::Errno::EIO),
    }
}

/// Write a regset that holds one int.
pub fn set_regset_int(tid: Pid, note: u32, v: i32) -> nix::Result<()> {
    set_regset(tid, note, &v.to_ne_bytes())
}

/// Read regset `note` of a stopped thread as bytes (at most `max`).
pub fn get_regset_bytes(tid: Pid, note: u32, max: usize) -> nix::Result<Vec<u8>> {
    get_regset(tid, note, max)
}

/// Write regset `note` of a stopped thread from bytes.
pub fn set_regset_bytes(tid: Pid, note: u32, area: &[u8]) -> nix::Result<()> {
    set_regset(tid, note, area)
}

/// Read regset `note` of a stopped thread (at most `max` bytes).
fn get_regset(tid: Pid, note: u32, max: usize) -> nix::Result<Vec<u8>> {
    let mut buf = vec![0u8; max];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: PTRACE_GETREGSET writes at most `iov_len` bytes into the
    // buffer `iov` points at, which lives for the whole call, and updates
    // `iov_len` to the size written.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid.as_raw(),
            note as usize as *mut libc::c_void,
            &mut iov as *mut libc::iovec as *mut libc::c_void,
        )
    };
    nix::errno::Errno::result(r)?;
    buf.truncate(iov.iov_len);
    Ok(buf)
}

/// Write regset `note` of a stopped thread.
fn set_regset(tid: Pid, note: u32, area: &[u8]) -> nix::Result<()> {
    let mut buf = area.to_vec();
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: PTRACE_SETREGSET reads at most `iov_len` bytes from the
    // buffer `iov` points at, which lives for the whole call.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET,
            tid.as_raw(),
            note as usize as *mut libc::c_void,
            &mut iov as *mut libc::iovec as *mut libc::c_void,
        )
    };
    nix::errno::Errno::result(r).map(drop)
}

/// The first argument of the syscall a thread stopped at, from what
/// `PTRACE_GET_SYSCALL_INFO` returned for it: at a syscall-entry or seccomp
/// stop (None at an exit stop or elsewhere). On aarch64 this is `orig_x0`,
/// which no register set gives.
pub fn syscall_info_arg0(info: &libc::ptrace_syscall_info) -> Option<u64> {
    match info.op {
        // SAFETY: `op` says which member of the union the kernel filled:
        // `entry` for an entry stop, `seccomp` for a seccomp stop; both are
        // plain integers, valid for any bits.
        libc::PTRACE_SYSCALL_INFO_ENTRY => Some(unsafe { info.u.entry.args[0] }),
        // SAFETY: as above.
        libc::PTRACE_SYSCALL_INFO_SECCOMP => Some(unsafe { info.u.seccomp.args[0] }),
        _ => None,
    }
}

/// `PTRACE_GETSIGMASK` and `PTRACE_SETSIGMASK`.
const PTRACE_GETSIGMASK: libc::c_uint = 0x420a;
const PTRACE_SETSIGMASK: libc::c_uint = 0x420b;

/// The signal mask of a stopped thread (a 64-bit set).
pub fn get_sigmask(tid: Pid) -> nix::Result<u64> {
    let mut mask: u64 = 0;
    // SAFETY: PTRACE_GETSIGMASK writes `addr` (8) bytes at `data`, a live
    // u64 of ours.
    let r = unsafe {
        libc::ptrace(
            PTRACE_GETSIGMASK,
            tid.as_raw(),
            std::mem::size_of::<u64>() as *mut libc::c_void,
            &mut mask as *mut u64 as *mut libc::c_void,
        )
    };
    nix::errno::Errno::result(r).map(|_| mask)
}

/// Set the signal mask of a stopped thread.
pub fn set_sigmask(tid: Pid, mask: u64) -> nix::Result<()> {
    let mut m = mask;
    // SAFETY: PTRACE_SETSIGMASK reads `addr` (8) bytes at `data`, a live
    // u64 of ours.
    let r = unsafe {
        libc::ptrace(
            PTRACE_SETSIGMASK,
            tid.as_raw(),
            std::mem::size_of::<u64>() as *mut libc::c_void,
            &mut m as *mut u64 as *mut libc::c_void,
        )
    };
    nix::errno::Errno::result(r).map(drop)
}

/// Read the CPU's answer to CPUID leaf/subleaf.
#[cfg(target_arch = "x86_64")]
pub fn cpuid(leaf: u32, subleaf: u32) -> [u32; 4] {
    let r = std::arch::x86_64::__cpuid_count(leaf, subleaf);
    [r.eax, r.ebx, r.ecx, r.edx]
}

/// The CPU's answer to CPUID leaf/subleaf, where there is a CPUID
/// instruction.
pub fn cpuid_if_any(leaf: u32, subleaf: u32) -> Option<[u32; 4]> {
    #[cfg(target_arch = "x86_64")]
    {
        Some(cpuid(leaf, subleaf))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (leaf, subleaf);
        None
    }
}

/// An entry of rewind's own auxiliary vector (AT_HWCAP...): what the kernel
/// tells every program about this machine. 0 when absent.
pub fn auxv_value(key: u64) -> u64 {
    // SAFETY: getauxval takes an integer and returns one; it reads the
    // process's own auxiliary vector.
    unsafe { libc::getauxval(key as libc::c_ulong) as u64 }
}

/// Ask the kernel whether it can make CPUID fault: `arch_prctl(
/// ARCH_SET_CPUID, 1)` keeps CPUID enabled for rewind (no change), and
/// fails with ENODEV where the processor or hypervisor cannot trap it.
/// Err(errno); EINVAL where the architecture has no CPUID.
pub fn probe_cpuid_faulting() -> Result<(), i32> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: arch_prctl(ARCH_SET_CPUID, 1) takes integers only and
        // leaves CPUID enabled for the calling thread.
        let r = unsafe {
            libc::syscall(
                libc::SYS_arch_prctl,
                crate::arch::x86_64::cpu::ARCH_SET_CPUID,
                1u64,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(nix::errno::Errno::last_raw())
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Err(libc::EINVAL)
    }
}

/// The CPUs the calling thread may run on.
pub fn allowed_cpus() -> Vec<usize> {
    match nix::sched::sched_getaffinity(Pid::from_raw(0)) {
        Ok(set) => (0..nix::sched::CpuSet::count())
            .filter(|&c| set.is_set(c).unwrap_or(false))
            .collect(),
        Err(_) => vec![current_cpu()],
    }
}

/// The time-stamp counter, as RDTSC reads it.
#[cfg(target_arch = "x86_64")]
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no memory effects; the tracer itself is not run
    // with PR_SET_TSC, so it does not fault.
    unsafe { std::arch::x86_64::_rdtsc() }
}

/// The time-stamp counter and TSC_AUX, as RDTSCP reads them.
#[cfg(target_arch = "x86_64")]
pub fn rdtscp() -> (u64, u32) {
    let mut aux = 0u32;
    // SAFETY: RDTSCP writes TSC_AUX into `aux`, a live local.
    let t = unsafe { std::arch::x86_64::__rdtscp(&mut aux) };
    (t, aux)
}

/// The host's answers to the instructions rewind emulates.
pub struct Host;

impl crate::arch::regs::HostAnswers for Host {
    fn time_counter(&self) -> Option<u64> {
        #[cfg(target_arch = "x86_64")]
        {
            Some(rdtsc())
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            None
        }
    }

    fn time_counter_aux(&self) -> Option<(u64, u32)> {
        #[cfg(target_arch = "x86_64")]
        {
            Some(rdtscp())
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            None
        }
    }

    fn cpu_id(&self, leaf: u32, subleaf: u32) -> Option<[u32; 4]> {
        cpuid_if_any(leaf, subleaf)
    }
}

/// The offset of debug register `n` in the `user` area (x86_64), for
/// PEEKUSER and POKEUSER; None where there is none.
pub fn debugreg_offset(n: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        Some(std::mem::offset_of!(libc::user, u_debugreg) + n * 8)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = n;
        None
    }
}

/// Pin the calling thread to `cpu`.
pub fn pin_to_cpu(cpu: usize) -> nix::Result<()> {
    let mut set = nix::sched::CpuSet::new();
    set.set(cpu)?;
    nix::sched::sched_setaffinity(Pid::from_raw(0), &set)
}

/// Let the calling thread run on any CPU but `busy` when there is another
/// (a timer thread that must wake while a tracee runs on `busy`).
pub fn avoid_cpu(busy: usize) {
    let mut set = nix::sched::CpuSet::new();
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    for cpu in (0..n.min(nix::sched::CpuSet::count())).filter(|&c| c != busy) {
        let _ = set.set(cpu);
    }
    if n > 1 {
        let _ = nix::sched::sched_setaffinity(Pid::from_raw(0), &set);
    }
}

/// The CPU the calling thread may run on that it is running on now, used to
/// pick the one CPU tracer and tracees share.
pub fn current_cpu() -> usize {
    // SAFETY: sched_getcpu takes no arguments and only returns a number.
    let c = unsafe { libc::sched_getcpu() };
    if c < 0 {
        0
    } else {
        c as usize
    }
}

/// In a freshly forked child, before exec: make time-counter reads trap
/// (RDTSC/RDTSCP raise SIGSEGV), so that they can be recorded.
#[cfg(target_arch = "x86_64")]
pub fn trap_time_counter() -> nix::Result<()> {
    // SAFETY: prctl(PR_SET_TSC) takes integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0) };
    nix::errno::Errno::result(r).map(drop)
}

/// Send `sig` to thread `tid` of process `pid`.
/// waitpid with a raw status: the pid and status of a child that changed
/// state, or None with WNOHANG when none has. (nix's decoded statuses have
/// no real-time signals.)
pub fn waitpid_raw(pid: Pid, flags: libc::c_int) -> nix::Result<Option<(Pid, libc::c_int)>> {
    let mut status: libc::c_int = 0;
    // SAFETY: `status` is a valid, writable int for the call's duration.
    let r = unsafe { libc::waitpid(pid.as_raw(), &mut status, flags) };
    match nix::errno::Errno::result(r)? {
        0 => Ok(None),
        p => Ok(Some((Pid::from_raw(p), status))),
    }
}

/// Resume a ptrace-stopped thread with ptrace request `req` (PTRACE_CONT,
/// PTRACE_SYSCALL, PTRACE_SINGLESTEP, PTRACE_SYSEMU...), delivering signal
/// `sig` (0 for none; any number, real-time ones included).
pub fn ptrace_resume(req: libc::c_uint, tid: Pid, sig: i32) -> nix::Result<()> {
    // SAFETY: resume requests take no pointers: addr is ignored and data
    // is the signal number.
    let r = unsafe {
        libc::ptrace(
            req,
            tid.as_raw(),
            std::ptr::null_mut::<libc::c_void>(),
            sig as libc::c_long as *mut libc::c_void,
        )
    };
    nix::errno::Errno::result(r).map(drop)
}

/// A ptrace request whose `data` is a number, not a pointer (POKEDATA,
/// POKEUSER, SETOPTIONS...), made by rewind on one of its tracees for the
/// recorded program's own ptrace call.
pub fn ptrace_value(req: libc::c_uint, tid: Pid, addr: u64, data: u64) -> nix::Result<()> {
    // SAFETY: these requests take no pointer into rewind's memory: addr
    // is an address in the tracee (or an offset), data a plain value.
    let r = unsafe {
        libc::ptrace(
            req,
            tid.as_raw(),
            addr as usize as *mut libc::c_void,
            data as usize as *mut libc::c_void,
        )
    };
    nix::errno::Errno::result(r).map(drop)
}

/// A ptrace request whose `data` points at a buffer (GETREGS, SETREGS,
/// GETFPREGS, GETSIGINFO...): `buf` is rewind's copy of the recorded
/// program's buffer, at least as large as the request reads or writes.
pub fn ptrace_buf(req: libc::c_uint, tid: Pid, addr: u64, buf: &mut [u8]) -> nix::Result<()> {
    // SAFETY: `buf` lives for the whole call and the caller sizes it for
    // the request (the kernel reads or writes a fixed-size structure).
    let r = unsafe {
        libc::ptrace(
            req,
            tid.as_raw(),
            addr as usize as *mut libc::c_void,
            buf.as_mut_ptr().cast::<libc::c_void>(),
        )
    };
    nix::errno::Errno::result(r).map(drop)
}

/// PTRACE_GETREGSET or PTRACE_SETREGSET of register set `note` through an
/// iovec over `buf`; returns the length the kernel read or wrote.
pub fn ptrace_regset(req: libc::c_uint, tid: Pid, note: u64, buf: &mut [u8]) -> nix::Result<usize> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: the kernel reads or writes at most `iov_len` bytes of the
    // buffer `iov` points at, which lives for the whole call, and updates
    // `iov_len`.
    let r = unsafe {
        libc::ptrace(
            req,
            tid.as_raw(),
            note as usize as *mut libc::c_void,
            &mut iov as *mut libc::iovec as *mut libc::c_void,
        )
    };
    nix::errno::Errno::result(r)?;
    Ok(iov.iov_len)
}

pub fn tgkill(pid: Pid, tid: Pid, sig: i32) -> nix::Result<()> {
    // SAFETY: tgkill takes integer arguments only.
    let r = unsafe { libc::syscall(libc::SYS_tgkill, pid.as_raw(), tid.as_raw(), sig) };
    nix::errno::Errno::result(r).map(drop)
}

/// In a forked child that failed to start: say so on stderr and exit 127
/// without running any of the parent's atexit handlers.
/// In a child about to exec: install seccomp filter `prog` (with
/// no_new_privs, which an unprivileged filter needs). Async-signal-safe.
pub fn install_seccomp_filter(prog: &[libc::sock_filter]) -> nix::Result<()> {
    let fprog = libc::sock_fprog {
        len: prog.len() as libc::c_ushort,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: prctl with integer arguments; seccomp reads `fprog`, which
    // points into `prog`, both alive for the call.
    let r = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            -1
        } else {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &fprog as *const libc::sock_fprog,
            ) as i32
        }
    };
    if r != 0 {
        return Err(nix::errno::Errno::last());
    }
    Ok(())
}

pub fn child_fail(msg: &[u8]) -> ! {
    let _ = nix::unistd::write(std::io::stderr(), msg);
    // SAFETY: _exit is async-signal-safe and never returns.
    unsafe { libc::_exit(127) }
}

/// Ignore SIGINT in rewind itself (the debugger in the foreground forwards
/// Ctrl-C as a protocol interrupt).
pub fn ignore_sigint() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: installing SIG_IGN runs no handler code.
    let _ = unsafe { signal(Signal::SIGINT, SigHandler::SigIgn) };
}

/// A copy, in rewind, of descriptor `fd` of process `pid` (pidfd_getfd):
/// the same open file, closed when dropped.
pub fn dup_from(pid: Pid, fd: i32) -> nix::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new
    // descriptor or -1; no memory is passed.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    let pidfd = nix::errno::Errno::result(pidfd)? as libc::c_int;
    // SAFETY: `pidfd` was just returned to us and is owned by nothing else.
    let pidfd = unsafe { std::os::fd::OwnedFd::from_raw_fd(pidfd) };
    use std::os::fd::AsRawFd;
    // SAFETY: pidfd_getfd takes a pidfd, a descriptor number and flags and
    // returns a new descriptor or -1; no memory is passed.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    let fd = nix::errno::Errno::result(fd)? as libc::c_int;
    // SAFETY: `fd` was just returned to us and is owned by nothing else.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// The signal that asked the recording to stop (0 while none has).
static STOP_SIGNAL: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);
/// The recorder has seen [`STOP_SIGNAL`]: the watcher stops poking it.
static STOP_SEEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The signal the watcher sends rewind's main thread to break it out of a
/// blocking waitpid (its handler does nothing and does not restart calls).
const POKE: libc::c_int = libc::SIGUSR1;

/// How often the main thread is poked until it has seen the request.
const POKE_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// `si_code` of a signal the kernel sent on its own: the terminal's Ctrl-C
/// to its foreground process group, for one.
const SI_KERNEL: libc::c_int = 0x80;

extern "C" fn on_poke(_: libc::c_int) {}

/// While recording: SIGINT, SIGTERM and SIGHUP sent to rewind ask it to
/// stop. They are blocked in every thread of rewind (call this before
/// starting any thread, and after starting the program, which must not
/// inherit the mask) and taken by a watcher thread, which records the
/// request and pokes the calling thread (the recorder) until it sees it
/// with [`stop_requested`]: any waitpid of the recorder then fails with
/// EINTR. A SIGINT from the terminal (sent by the kernel to the whole
/// foreground process group) is left to the program, which gets its own.
pub fn watch_stop_signals() -> nix::Result<()> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let poke = SigAction::new(
        SigHandler::Handler(on_poke),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing, so it is async-signal-safe; no
    // SA_RESTART, so that a blocking waitpid returns EINTR.
    unsafe { sigaction(Signal::SIGUSR1, &poke) }?;
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    set.thread_block()?;
    let main_pid = nix::unistd::getpid();
    let main_tid = nix::unistd::gettid();
    let raw: libc::sigset_t = *set.as_ref();
    std::thread::Builder::new()
        .name("rewind-stop".into())
        .spawn(move || loop {
            // SAFETY: `info` is a writable siginfo_t for the call; `raw`
            // is a valid signal set.
            let (sig, code) = unsafe {
                let mut info: libc::siginfo_t = std::mem::zeroed();
                let sig = libc::sigwaitinfo(&raw, &mut info);
                (sig, info.si_code)
            };
            if sig < 0 || (sig == libc::SIGINT && code == SI_KERNEL) {
                continue;
            }
            let _ = STOP_SIGNAL.compare_exchange(
                0,
                sig,
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
            );
            while !STOP_SEEN.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = tgkill(main_pid, main_tid, POKE);
                std::thread::sleep(POKE_EVERY);
            }
        })
        .map_err(|_| nix::errno::Errno::EAGAIN)?;
    Ok(())
}

/// The signal that asked the recording to stop, if one has.
pub fn stop_requested() -> Option<i32> {
    match STOP_SIGNAL.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The recorder has seen the request (or is ending anyway): no more pokes.
pub fn stop_seen() {
    STOP_SEEN.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Kill process `pid` (SIGKILL), ignoring whether it is still there.
pub fn kill_process(pid: Pid) {
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
}

/// How many semaphores System V set `semid` has (IPC_STAT from rewind,
/// which shares the recorded processes' IPC namespace unless they made
/// their own); None when it cannot be read.
pub fn sem_count(semid: i32) -> Option<usize> {
    let mut ds = std::mem::MaybeUninit::<libc::semid_ds>::zeroed();
    // SAFETY: semctl IPC_STAT writes one `struct semid_ds` at the pointer
    // passed, which points at one of ours, large enough.
    let r = unsafe { libc::semctl(semid, 0, libc::IPC_STAT, ds.as_mut_ptr()) };
    if r < 0 {
        return None;
    }
    // SAFETY: IPC_STAT succeeded, so the kernel filled the structure (and
    // it was zeroed before).
    let ds = unsafe { ds.assume_init() };
    Some(ds.sem_nsems as usize)
}

/// In a child about to run a program: make the signals in `ignored` (bit
/// N-1 for signal N) ignored and the others default, and block those in
/// `blocked` (SIGKILL and SIGSTOP cannot be either; SIGSTOP stays
/// deliverable for the tracer). Async-signal-safe: sigaction and
/// sigprocmask only.
pub fn set_initial_signals(ignored: u64, blocked: u64) {
    let mut block = nix::sys::signal::SigSet::empty();
    for signo in 1..=64 {
        if signo == libc::SIGKILL || signo == libc::SIGSTOP {
            continue;
        }
        let bit = 1u64 << (signo - 1);
        let handler = if ignored & bit != 0 {
            libc::SIG_IGN
        } else {
            libc::SIG_DFL
        };
        // SAFETY: installing SIG_IGN or SIG_DFL runs no code of ours; the
        // structure is fully initialized (zeroed mask and flags) and lives
        // for the call. Signals the C library reserves fail harmlessly.
        unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = handler;
            libc::sigaction(signo, &act, std::ptr::null_mut());
        }
        if blocked & bit != 0 && signo <= 31 {
            if let Ok(s) = nix::sys::signal::Signal::try_from(signo) {
                block.add(s);
            }
        }
    }
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&block),
        None,
    );
}
