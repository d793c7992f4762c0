//! seccomp filters installed by the recorded program.
//!
//! A filter is installed for real at record time, so that its effects are
//! the kernel's: an ERRNO or TRACE verdict (TRACE fails with ENOSYS, as
//! without a tracer: rewind does not ask for `PTRACE_EVENT_SECCOMP`) is a
//! syscall result, a TRAP is a SIGSYS with its siginfo, a KILL is the
//! process's end by SIGSYS. The replay installs nothing (`seccomp` and
//! `prctl(PR_SET_SECCOMP)` are emulated) and meets the same outcomes in
//! the trace: the results, the SIGSYS recorded as a signal sent at the
//! syscall's exit (its anchor), and for a KILL a SIGSYS event before the
//! `Exit`, which the replay takes as the fatal signal.
//!
//! rewind runs syscalls of its own in a recorded thread (scratch areas,
//! CPUID faulting after an exec) and changes some of the program's own
//! (a refused syscall runs as number -1). A filter sees those too, and
//! an allow-list would kill the program at the first. So the filter the
//! kernel gets is the program's behind a short prefix that allows
//! syscall -1 (which does nothing and fails with ENOSYS) and any syscall
//! whose sixth argument is [`crate::tracee::FILTER_PASS`], which rewind
//! puts in every syscall it runs itself. The program's own syscalls reach
//! its filter unchanged (the prefix leaves the accumulator at 0, as a
//! filter starts).

use crate::arch::regs::Regs;
use crate::trace::{Event, ExitKind};
use crate::tracee::{Resume, Stop, TaskError};

use super::{RecordError, Recorder};

/// `prctl(PR_SET_SECCOMP, mode)`.
const PR_SET_SECCOMP: u64 = 22;
/// `SECCOMP_MODE_FILTER`, prctl's second argument.
const SECCOMP_MODE_FILTER: u64 = 2;
/// `seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)`.
const SECCOMP_SET_MODE_FILTER: u64 = 1;
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER`: user notification.
const FLAG_NEW_LISTENER: u64 = 1 << 3;
/// `SECCOMP_RET_ALLOW`.
const RET_ALLOW: u32 = 0x7fff_0000;
/// `BPF_MAXINSNS`: the longest filter the kernel takes.
const MAX_INSNS: usize = 4096;
/// `SYS_SECCOMP`: the si_code of a filter's SIGSYS.
pub const SYS_SECCOMP: i32 = 1;
/// Room left below the stack pointer (beyond the red zone) when the
/// prefixed filter is written there for the call.
const BELOW_SP: u64 = 1024;

/// A classic BPF instruction, as `struct sock_filter` lays it out.
fn insn(code: u16, jt: u8, jf: u8, k: u32) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..2].copy_from_slice(&code.to_le_bytes());
    b[2] = jt;
    b[3] = jf;
    b[4..].copy_from_slice(&k.to_le_bytes());
    b
}

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_LD_IMM: u16 = 0x00;
const BPF_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;
/// Offsets in `struct seccomp_data`: the syscall number, and the low and
/// high words of the sixth argument (little-endian on both architectures).
const DATA_NR: u32 = 0;
const DATA_ARG5_LO: u32 = 16 + 5 * 8;
const DATA_ARG5_HI: u32 = DATA_ARG5_LO + 4;

/// The prefix put before a program's filter (see the module's text).
pub fn prefix() -> Vec<u8> {
    let pass = crate::tracee::FILTER_PASS;
    [
        insn(BPF_LD_W_ABS, 0, 0, DATA_NR),
        // syscall -1: to ALLOW (4 ahead).
        insn(BPF_JEQ_K, 4, 0, u32::MAX),
        insn(BPF_LD_W_ABS, 0, 0, DATA_ARG5_LO),
        insn(BPF_JEQ_K, 0, 3, pass as u32),
        insn(BPF_LD_W_ABS, 0, 0, DATA_ARG5_HI),
        insn(BPF_JEQ_K, 0, 1, (pass >> 32) as u32),
        insn(BPF_RET_K, 0, 0, RET_ALLOW),
        // The program's filter starts with A = 0.
        insn(BPF_LD_IMM, 0, 0, 0),
    ]
    .concat()
}

/// The number of instructions of [`prefix`].
pub const PREFIX_INSNS: usize = 8;

/// How a syscall installs a filter, if it does: the argument that points
/// to the `struct sock_fprog`, and the flags (seccomp's second argument).
pub fn filter_install(name: &str, args: &[u64; 6]) -> Option<(usize, u64)> {
    match name {
        "seccomp" if args[0] == SECCOMP_SET_MODE_FILTER => Some((2, args[1])),
        "prctl" if args[0] == PR_SET_SECCOMP && args[1] == SECCOMP_MODE_FILTER => Some((2, 0)),
        _ => None,
    }
}

/// Whether a syscall asks for strict mode (`seccomp(SECCOMP_SET_MODE_STRICT)`
/// or `prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)`): how it was asked.
pub fn strict_mode(name: &str, args: &[u64; 6]) -> Option<&'static str> {
    match name {
        // With flags or a pointer the kernel fails it with EINVAL (a
        // probe, as libseccomp makes): that runs as it is.
        "seccomp" if args[0] == 0 && args[1] == 0 && args[2] == 0 => {
            Some("seccomp(SECCOMP_SET_MODE_STRICT)")
        }
        "prctl" if args[0] == PR_SET_SECCOMP && args[1] == 1 => {
            Some("prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)")
        }
        _ => None,
    }
}

/// Whether a signal is the SIGSYS of a filter's TRAP verdict (sent to the
/// thread at the syscall's exit, where the replay sends it again).
pub fn is_filter_trap(sig: i32, si_code: i32) -> bool {
    sig == libc::SIGSYS && si_code == SYS_SECCOMP
}

/// The siginfo of a filter's SIGSYS for syscall `nr` whose instruction
/// ends at `ip`, with `data` from the verdict.
fn sigsys_info(arch: crate::arch::Arch, nr: u64, ip: u64, data: i32) -> Vec<u8> {
    let mut b = vec![0u8; 128];
    b[0..4].copy_from_slice(&libc::SIGSYS.to_le_bytes());
    b[4..8].copy_from_slice(&data.to_le_bytes());
    b[8..12].copy_from_slice(&SYS_SECCOMP.to_le_bytes());
    b[16..24].copy_from_slice(&ip.to_le_bytes());
    b[24..28].copy_from_slice(&(nr as i32).to_le_bytes());
    b[28..32].copy_from_slice(&arch.audit_arch().to_le_bytes());
    b
}

impl Recorder {
    /// At the entry of a syscall that installs a filter (`filter_install`
    /// said where its program is): install the program's filter behind
    /// rewind's prefix, and record the call with the program's own
    /// arguments and the kernel's result.
    pub(super) fn record_filter_install(
        &mut self,
        regs: Regs,
        prog_arg: usize,
        flags: u64,
    ) -> Result<Option<ExitKind>, RecordError> {
        let tid = self.task.tid.as_raw();
        let nr = regs.syscall_nr();
        let args = regs.syscall_args();
        // The program's filter decides too from now on: every thread is
        // resumed with PTRACE_SYSCALL (the filter's TRACE verdicts then
        // fail with ENOSYS, as with no tracer; see `tracee::seccomp_stops`).
        self.own_filter = true;
        // The program's filter would see (and may kill) the library's
        // untraced calls: the libraries stop buffering.
        self.writer.turn_off()?;
        // The program's filter; when it cannot be read, the kernel gets
        // the call as it is (and fails it as it would: a probe for a
        // flag, as libseccomp makes with a null program, gets EFAULT).
        let fprog = args[prog_arg];
        let original = self.task.read_mem_exact(fprog, 16).ok().and_then(|h| {
            let len = u16::from_le_bytes([h[0], h[1]]) as usize;
            let ptr = u64::from_le_bytes(h[8..16].try_into().ok()?);
            (len > 0)
                .then(|| self.task.read_mem_exact(ptr, len * 8).ok())
                .flatten()
        });
        if flags & FLAG_NEW_LISTENER != 0 && original.is_some() {
            self.warnings.once("seccomp listener".into(), || {
                "the program installed a seccomp filter with a user-notification listener \
                 (SECCOMP_FILTER_FLAG_NEW_LISTENER); rewind cannot record a supervisor \
                 answering another task's syscalls, so the call failed with EINVAL (what a \
                 kernel without that flag answers)"
                    .into()
            });
            return self.fail_syscall(regs, (-libc::EINVAL) as i64 as u64);
        }
        let placed = match original {
            Some(filter) if filter.len() / 8 + PREFIX_INSNS <= MAX_INSNS => {
                self.place_below_sp(&regs, &filter)?
            }
            Some(_) => {
                self.warnings.once("seccomp long".into(), || {
                    "the program installed a seccomp filter too long for rewind to add its \
                     own first instructions; it was installed as it is, and may block the \
                     syscalls rewind runs in the program (the recording stops with an \
                     error if it does)"
                        .into()
                });
                None
            }
            None => None,
        };
        let mut r = regs;
        if let Some((at, _)) = &placed {
            let mut a = args;
            a[prog_arg] = *at;
            r.set_syscall(nr, a);
            self.task.set_regs(&r)?;
        }
        self.task.resume(Resume::Syscall, None)?;
        let stop = self.task.wait();
        if let Some((at, saved)) = &placed {
            // The stack below the stack pointer as the program left it.
            let _ = self.task.write_mem(*at, saved);
        }
        match stop? {
            Stop::SyscallExit => {}
            Stop::Exited(c) => return Ok(Some(self.reap_process(Some(ExitKind::Exited(c))))),
            Stop::Killed(s) => return Ok(Some(self.reap_process(Some(ExitKind::Killed(s))))),
            Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXIT => {
                return Ok(Some(self.reap_process(None)))
            }
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "a seccomp filter's installation",
                    stop,
                }
                .into())
            }
        }
        let result = self.task.regs()?.result();
        self.task.restore_syscall_regs(nr, args)?;
        self.push_syscall(regs, result, Vec::new(), false)?;
        Ok(None)
    }

    /// Write a `struct sock_fprog` for `filter` behind rewind's prefix
    /// below the running thread's stack pointer (past the red zone), in
    /// its stack mapping. Returns where, and the bytes it replaced; None
    /// when the mapping has no room.
    fn place_below_sp(
        &mut self,
        regs: &Regs,
        filter: &[u8],
    ) -> Result<Option<(u64, Vec<u8>)>, RecordError> {
        let mut prog = prefix();
        prog.extend_from_slice(filter);
        let size = 16 + prog.len() as u64;
        let sp = regs.sp();
        let at = sp.saturating_sub(BELOW_SP + size) & !15;
        let room = crate::tracee::maps::read(self.task.pid.as_raw())
            .map(|maps| {
                maps.iter()
                    .any(|m| m.start <= at && sp <= m.end && m.perms.starts_with("rw"))
            })
            .unwrap_or(false);
        if !room {
            self.warnings.once("seccomp room".into(), || {
                "the program installed a seccomp filter from a stack with no room for \
                 rewind's copy of it; it was installed as it is, and may block the syscalls \
                 rewind runs in the program (the recording stops with an error if it does)"
                    .into()
            });
            return Ok(None);
        }
        let saved = self.task.read_mem_exact(at, size as usize)?;
        let mut bytes = Vec::with_capacity(size as usize);
        bytes.extend_from_slice(&((prog.len() / 8) as u16).to_le_bytes());
        bytes.extend_from_slice(&[0; 6]);
        bytes.extend_from_slice(&(at + 16).to_le_bytes());
        bytes.extend_from_slice(&prog);
        self.task.write_mem(at, &bytes)?;
        Ok(Some((at, saved)))
    }

    /// Strict mode lets a thread run read, write, exit and rt_sigreturn
    /// only: the syscalls rewind runs in it would kill it. It is refused
    /// with EINVAL, as by a kernel without seccomp, with a warning.
    pub(super) fn refuse_strict_mode(
        &mut self,
        regs: Regs,
        how: &'static str,
    ) -> Result<Option<ExitKind>, RecordError> {
        self.warnings.once("seccomp strict".into(), || {
            format!(
                "the program called {how}; rewind cannot record a thread in seccomp strict \
                 mode (the syscalls rewind runs in it would kill it), so the call failed with \
                 EINVAL, as on a kernel without seccomp"
            )
        });
        self.fail_syscall(regs, (-libc::EINVAL) as i64 as u64)
    }

    /// Make the syscall at this entry stop fail with `result` without the
    /// kernel running it, and record it so.
    fn fail_syscall(&mut self, regs: Regs, result: u64) -> Result<Option<ExitKind>, RecordError> {
        if let Some(kind) = self.skip_syscall(regs, "a seccomp call refused by rewind")? {
            return Ok(Some(kind));
        }
        let mut after = self.task.regs()?;
        after.set_result(result);
        self.task.set_regs(&after)?;
        self.task
            .restore_syscall_regs(regs.syscall_nr(), regs.syscall_args())?;
        self.push_syscall(regs, result, Vec::new(), true)?;
        Ok(None)
    }

    /// At the exit stop of the running thread, which was resumed at
    /// `resumed_with` with no signal to deliver: when it dies of SIGSYS
    /// right there, a filter's KILL verdict ended it at the syscall just
    /// recorded (the kernel delivers that SIGSYS with no stop of its own).
    /// Record the signal, so that the replay ends the process the same
    /// way at the same point.
    pub(super) fn note_filter_kill(
        &mut self,
        resumed_with: Option<Regs>,
    ) -> Result<(), RecordError> {
        let Ok(status) = nix::sys::ptrace::getevent(self.task.tid) else {
            return Ok(());
        };
        let status = status as i32;
        if !(libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSYS) {
            return Ok(());
        }
        let regs = self.task.regs()?;
        if Some(regs) != resumed_with {
            return Ok(());
        }
        let info = sigsys_info(self.arch, regs.syscall_nr(), regs.ip(), 0);
        let window = self.stack_window(&regs);
        self.writer.push(&Event::Signal {
            tid: self.task.tid.as_raw(),
            signo: libc::SIGSYS,
            siginfo: info,
            synchronous: false,
            regs,
            stack_crc: crate::trace::anchor_crc(&window),
            stack: window,
            ticks: self.ticks(),
        })?;
        Ok(())
    }

    /// At a thread's exit event inside a syscall it was running: whether a
    /// filter's KILL_THREAD verdict ended this thread alone (its status is
    /// SIGSYS, and other threads of its process live on). The recording
    /// cannot replay one thread of several killed there: it stops with an
    /// error that says so.
    pub(super) fn filter_killed_thread(&self) -> Result<(), RecordError> {
        let Ok(status) = nix::sys::ptrace::getevent(self.task.tid) else {
            return Ok(());
        };
        let status = status as i32;
        if libc::WIFSIGNALED(status)
            && libc::WTERMSIG(status) == libc::SIGSYS
            && self.others_in_process()
        {
            return Err(RecordError::Unsupported(format!(
                "a seccomp filter killed thread {} alone (SECCOMP_RET_KILL_THREAD) at its \
                 syscall {}; rewind cannot yet replay one thread of several killed by a filter",
                self.task.tid,
                self.arch.syscall_name(self.task.regs()?.syscall_nr())
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_jumps_land_on_allow_or_the_programs_filter() {
        let p = prefix();
        assert_eq!(p.len(), PREFIX_INSNS * 8);
        let at = |i: usize| &p[i * 8..i * 8 + 8];
        // Every jump of the prefix lands inside it, on the ALLOW or on the
        // first instruction of the program's filter (A = 0).
        for i in 0..PREFIX_INSNS {
            let code = u16::from_le_bytes([at(i)[0], at(i)[1]]);
            if code == BPF_JEQ_K {
                for off in [at(i)[2], at(i)[3]] {
                    let to = i + 1 + off as usize;
                    assert!(to == 6 || to == 7 || to == i + 1, "insn {i} jumps to {to}");
                }
            }
        }
        assert_eq!(u16::from_le_bytes([at(6)[0], at(6)[1]]), BPF_RET_K);
        assert_eq!(at(7), &insn(BPF_LD_IMM, 0, 0, 0));
    }

    #[test]
    fn installs_are_recognised() {
        assert_eq!(
            filter_install("seccomp", &[1, 8, 0x1000, 0, 0, 0]),
            Some((2, 8))
        );
        assert_eq!(filter_install("seccomp", &[0, 0, 0, 0, 0, 0]), None);
        assert_eq!(
            filter_install("prctl", &[22, 2, 0x1000, 0, 0, 0]),
            Some((2, 0))
        );
        assert_eq!(filter_install("prctl", &[22, 1, 0, 0, 0, 0]), None);
        assert_eq!(filter_install("getpid", &[1, 0, 0, 0, 0, 0]), None);
        assert!(strict_mode("seccomp", &[0, 0, 0, 0, 0, 0]).is_some());
        assert!(strict_mode("seccomp", &[0, 1, 0, 0, 0, 0]).is_none());
        assert!(strict_mode("prctl", &[22, 1, 0, 0, 0, 0]).is_some());
        assert!(strict_mode("prctl", &[22, 2, 0, 0, 0, 0]).is_none());
    }

    #[test]
    fn sigsys_info_fields() {
        let b = sigsys_info(crate::arch::Arch::X86_64, 63, 0x1234, 0);
        assert_eq!(crate::tracee::siginfo_code(&b), SYS_SECCOMP);
        assert_eq!(i32::from_le_bytes(b[24..28].try_into().unwrap()), 63);
        assert_eq!(
            u32::from_le_bytes(b[28..32].try_into().unwrap()),
            0xc000_003e
        );
    }
}
