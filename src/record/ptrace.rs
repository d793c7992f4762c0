//! ptrace inside the recording: rewind is the real tracer of every
//! recorded thread, so a ptrace request that a recorded process makes
//! against another recorded process is carried out by rewind on its
//! behalf, and recorded.
//!
//! Each emulated tracee has an entry here: its tracer (a recorded
//! process), its options, and, while it is in a ptrace-stop its tracer
//! sees, that stop's wait status and siginfo. A tracee in an emulated stop
//! is parked (`ParkedState::Held`) and not scheduled until its tracer
//! resumes it. The tracer's `wait4`/`waitid` for it is answered from here
//! (emulated, its result and the status it writes recorded as any syscall
//! output); a wait that finds nothing to report is first run for real with
//! WNOHANG (a child of its own that ended), and otherwise the tracer is
//! held at the syscall's instruction until a tracee of its stops or a
//! process ends, then tries again.
//!
//! Requests that read the tracee (PEEK*, GETREGS, GETFPREGS, GETREGSET)
//! are made by rewind with its own ptrace on the real tracee, and their
//! outputs are the tracer's syscall outputs. Writes into the tracee are
//! events the replay repeats at the same point: memory (POKE*) as a
//! `KernelWrite`, registers as a `Traced` event with the whole register
//! file (or XSAVE area) after the write. A single step is a real single
//! step of the tracee (`Traced` with `Step`, which the replay repeats),
//! except over a syscall instruction, where the syscall is recorded in the
//! ordinary way and the step's stop follows its exit. A stop at a signal
//! is anchored for the replay: a fault by a `Traced` `Fault` event (the
//! replay runs the thread into the same fault and delivers nothing), a
//! sent signal by a `Preempt` at that point; a signal the tracer passes on
//! when it resumes the tracee is a `Signal` event there.
//!
//! At replay the tracer's ptrace and wait calls are emulated from their
//! recorded results; the tracee does what it did when recorded, its stops
//! being points where it was not run.

use std::collections::{BTreeMap, BTreeSet};

use nix::unistd::Pid;

use super::threads::ParkedState;
use super::{syscalls, RecordError, Recorder};
use crate::arch::regs::Regs;
use crate::trace::{Event, ExitKind, MemWrite, TracedOp};
use crate::tracee::{sys, Resume, Stop, TaskError};

/// The size of x86_64's `user_fpregs_struct` (PTRACE_GETFPREGS and
/// SETFPREGS exist only there; on aarch64 the kernel refuses them).
const FPREGS_LEN: usize = 512;

// ptrace requests (the same numbers on every architecture Linux has).
const TRACEME: u64 = 0;
const PEEKTEXT: u64 = 1;
const PEEKDATA: u64 = 2;
const PEEKUSER: u64 = 3;
const POKETEXT: u64 = 4;
const POKEDATA: u64 = 5;
const POKEUSER: u64 = 6;
const CONT: u64 = 7;
const KILL: u64 = 8;
const SINGLESTEP: u64 = 9;
const GETREGS: u64 = 12;
const SETREGS: u64 = 13;
const GETFPREGS: u64 = 14;
const SETFPREGS: u64 = 15;
const DETACH: u64 = 17;
const SYSCALL: u64 = 24;
const SETOPTIONS: u64 = 0x4200;
const GETEVENTMSG: u64 = 0x4201;
const GETSIGINFO: u64 = 0x4202;
const SETSIGINFO: u64 = 0x4203;
const GETREGSET: u64 = 0x4204;
const SETREGSET: u64 = 0x4205;

// Options.
const O_TRACESYSGOOD: u64 = 0x1;
const O_TRACEEXEC: u64 = 0x10;
const O_TRACEEXIT: u64 = 0x40;
const O_EXITKILL: u64 = 0x10_0000;
/// Every option the kernel knows.
const O_ALL: u64 = 0x30_00ff;
/// The options whose events rewind reports (the others are accepted with
/// a warning).
const O_EMULATED: u64 = O_TRACESYSGOOD | O_TRACEEXEC | O_TRACEEXIT | O_EXITKILL;
const EVENT_EXEC: i32 = 4;
const EVENT_EXIT: i32 = 6;

// Register sets.
const NT_PRSTATUS: u64 = 1;
const NT_PRFPREG: u64 = 2;
const NT_X86_XSTATE: u64 = 0x202;

// wait options and id types.
const WNOHANG: u64 = 1;
const WNOWAIT: u64 = 0x0100_0000;
const P_ALL: u64 = 0;
const P_PID: u64 = 1;
const P_PGID: u64 = 2;

/// siginfo_t and struct rusage sizes.
const SIGINFO_LEN: usize = 128;
const RUSAGE_LEN: usize = 144;
/// si_code of a child's ptrace stop (waitid) and of a single step.
const CLD_TRAPPED: i32 = 4;
const TRAP_TRACE: i32 = 2;

/// The emulated tracing of the recording.
#[derive(Default)]
pub struct Emulation {
    /// Emulated tracees by thread id (rewind's).
    tracees: BTreeMap<i32, Tracee>,
    /// Threads held at a wait4/waitid instruction until a tracee of
    /// theirs stops or a process ends.
    waiting: BTreeSet<i32>,
    /// Threads whose syscall-entry stop was reported: the syscall runs
    /// when they are resumed.
    entry_pending: BTreeSet<i32>,
    /// A signal the tracer passed on when it resumed the thread: it is
    /// delivered when the thread next runs.
    deliver: BTreeMap<i32, (i32, Vec<u8>)>,
    /// The SIGCHLDs rewind sent to tracer threads for their tracees'
    /// stops, by thread: the siginfo the kernel would have given each.
    sigchld: BTreeMap<i32, std::collections::VecDeque<Vec<u8>>>,
    /// Tracer threads whose wait, left blocking in the kernel before they
    /// had a tracee, rewind interrupted (a SIGSTOP of its own) so that they
    /// take the emulated stop of a tracee.
    interrupted: BTreeSet<i32>,
}

struct Tracee {
    /// The tracer's process (rewind's id).
    tracer: i32,
    options: u64,
    /// The emulated stop it is in, if any.
    stop: Option<EmuStop>,
    /// Resumed with PTRACE_SYSCALL: syscall entries and exits are stops.
    syscall_stops: bool,
    /// In a syscall whose entry stop was reported: its exit is a stop.
    in_syscall: bool,
    /// Single-stepped over a syscall instruction: the step's stop comes
    /// after the syscall's exit.
    step_after_syscall: bool,
    /// What PTRACE_GETEVENTMSG gives.
    event_msg: u64,
    /// Stops it makes, one after the other, as it is resumed (an exec's
    /// event stop, then its syscall-exit stop): status and siginfo.
    queued: std::collections::VecDeque<(i32, Option<Vec<u8>>)>,
}

struct EmuStop {
    /// The wait status its tracer gets.
    status: i32,
    /// Its siginfo (none for a group-stop: GETSIGINFO fails with EINVAL).
    siginfo: Option<Vec<u8>>,
    /// Reported by a wait already.
    reported: bool,
}

/// A ptrace request's outcome for the calling thread: its result (or
/// -errno) and what it wrote into the caller's memory.
type Outcome = (i64, Vec<MemWrite>);

fn err(e: i32) -> Outcome {
    (-(e as i64), Vec::new())
}

/// A siginfo_t with signal `sig`, code `code`, and sender `pid`/`uid`.
fn make_siginfo(sig: i32, code: i32, pid: i32, uid: u32) -> Vec<u8> {
    let mut b = vec![0u8; SIGINFO_LEN];
    b[0..4].copy_from_slice(&sig.to_le_bytes());
    b[8..12].copy_from_slice(&code.to_le_bytes());
    b[16..20].copy_from_slice(&pid.to_le_bytes());
    b[20..24].copy_from_slice(&uid.to_le_bytes());
    b
}

/// The uid of task `tid` (its real uid, from /proc).
fn uid_of(tid: i32) -> u32 {
    std::fs::read_to_string(format!("/proc/{tid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// The parent process of task `tid` (its PPid in rewind's namespace).
fn parent_of(tid: i32) -> Option<i32> {
    std::fs::read_to_string(format!("/proc/{tid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))?
        .trim()
        .parse()
        .ok()
}

/// The wait status of a stop with signal `sig` (and ptrace event `event`).
fn stop_status(sig: i32, event: i32) -> i32 {
    ((sig | (event << 8)) << 8) | 0x7f
}

impl Emulation {
    /// Whether thread `tid` is an emulated tracee.
    pub fn is_tracee(&self, tid: i32) -> bool {
        self.tracees.contains_key(&tid)
    }
}

impl Recorder {
    fn ptrace_name(req: u64) -> String {
        crate::arch::cmds::ptrace_request_name(req)
    }

    /// The known task (rewind's id) that process `caller` calls `pid`:
    /// its id in the caller's pid namespace.
    fn task_by_id(&self, caller: Pid, pid: i32) -> Option<i32> {
        let depth = super::processes::ns_tids(caller).len();
        let known = std::iter::once(self.task.tid.as_raw())
            .filter(|_| self.has_current)
            .chain(self.threads.keys().copied());
        let mut found = None;
        for t in known {
            let ids = if depth <= 1 {
                vec![t]
            } else {
                super::processes::ns_tids(Pid::from_raw(t))
            };
            if ids.get(depth.saturating_sub(1)) == Some(&pid) {
                found = Some(t);
                break;
            }
        }
        found
    }

    /// Task `tid`'s id as process `caller` sees it.
    fn id_seen_by(&self, caller: Pid, tid: i32) -> i32 {
        let depth = super::processes::ns_tids(caller).len();
        if depth <= 1 {
            return tid;
        }
        super::processes::ns_tids(Pid::from_raw(tid))
            .get(depth - 1)
            .copied()
            .unwrap_or(tid)
    }

    /// Whether process `pid` has a task rewind records.
    fn is_recorded_process(&self, pid: i32) -> bool {
        (self.has_current && self.task.pid.as_raw() == pid)
            || self.threads.values().any(|p| p.task.pid.as_raw() == pid)
    }

    /// The ptrace syscall of the running thread, at its entry: skipped,
    /// and answered by rewind (carried out on the real tracee).
    pub(super) fn emulate_ptrace(&mut self, regs: Regs) -> Result<Option<ExitKind>, RecordError> {
        if let Some(kind) = self.skip_syscall(regs, "a ptrace call carried out by rewind")? {
            return Ok(Some(kind));
        }
        let (mut result, mut writes) = self.ptrace_request(&regs.syscall_args())?;
        for w in &writes {
            if self.task.write_mem(w.addr, &w.data).is_err() {
                result = -(libc::EFAULT as i64);
            }
        }
        if result == -(libc::EFAULT as i64) {
            writes.clear();
        }
        let mut after = self.task.regs()?;
        after.set_result(result as u64);
        self.task.set_regs(&after)?;
        self.push_syscall(regs, result as u64, writes, false)?;
        Ok(None)
    }

    /// Warn once about a request rewind does not carry out, which fails
    /// with `errno` in the program.
    fn refuse_request(&mut self, req: u64, errno: i32, why: &str) -> Outcome {
        let name = Self::ptrace_name(req);
        let e = crate::trace::errno_name(errno);
        self.warnings.once(format!("ptrace {name}"), || {
            format!("the program called ptrace({name}), which rewind does not emulate{why}: it failed with {e}")
        });
        err(errno)
    }

    fn ptrace_request(&mut self, args: &[u64; 6]) -> Result<Outcome, RecordError> {
        let (req, pid, addr, data) = (args[0], args[1] as i32, args[2], args[3]);
        let caller = self.task.pid;
        if req == TRACEME {
            return Ok(self.traceme());
        }
        let known = [
            PEEKTEXT,
            PEEKDATA,
            PEEKUSER,
            POKETEXT,
            POKEDATA,
            POKEUSER,
            CONT,
            KILL,
            SINGLESTEP,
            GETREGS,
            SETREGS,
            GETFPREGS,
            SETFPREGS,
            DETACH,
            SYSCALL,
            SETOPTIONS,
            GETEVENTMSG,
            GETSIGINFO,
            SETSIGINFO,
            GETREGSET,
            SETREGSET,
        ];
        if !known.contains(&req) {
            // ATTACH and SEIZE: the kernel's answer for a task that is
            // already traced; the others: not a request for this tracee.
            let errno = match req {
                0x10 | 0x4206 => libc::EPERM,
                _ => libc::EIO,
            };
            return Ok(self.refuse_request(req, errno, ""));
        }
        let Some(t) = self.task_by_id(caller, pid) else {
            return Ok(err(libc::ESRCH));
        };
        let ours = self
            .ptrace
            .tracees
            .get(&t)
            .is_some_and(|tr| tr.tracer == caller.as_raw());
        if !ours {
            return Ok(err(libc::ESRCH));
        }
        if req == KILL {
            return Ok(self.kill_tracee(t));
        }
        let stopped = self
            .ptrace
            .tracees
            .get(&t)
            .is_some_and(|tr| tr.stop.is_some())
            && self
                .threads
                .get(&t)
                .is_some_and(|p| matches!(p.state, ParkedState::Held));
        if !stopped {
            return Ok(err(libc::ESRCH));
        }
        let Some(p) = self.threads.get(&t) else {
            return Ok(err(libc::ESRCH));
        };
        let tt = p.task.tid;
        p.task.forget_regs();
        let req32 = req as libc::c_uint;
        let regs_len = std::mem::size_of::<libc::user_regs_struct>();
        let out = match req {
            PEEKTEXT | PEEKDATA | PEEKUSER => {
                let word = if req == PEEKUSER {
                    nix::sys::ptrace::read_user(tt, addr as nix::sys::ptrace::AddressType)
                } else {
                    nix::sys::ptrace::read(tt, addr as nix::sys::ptrace::AddressType)
                };
                match word {
                    Ok(w) => (
                        0,
                        vec![MemWrite {
                            addr: data,
                            data: (w as u64).to_le_bytes().to_vec(),
                        }],
                    ),
                    Err(e) => err(e as i32),
                }
            }
            POKETEXT | POKEDATA => match sys::ptrace_value(req32, tt, addr, data) {
                Ok(()) => {
                    let now = p.task.read_mem(addr, 8);
                    self.writer.push(&Event::KernelWrite {
                        tid: t,
                        writes: vec![MemWrite { addr, data: now }],
                    })?;
                    (0, Vec::new())
                }
                Err(e) => err(e as i32),
            },
            POKEUSER => {
                if addr as usize + 8 > regs_len {
                    return Ok(self.refuse_request(
                        req,
                        libc::EIO,
                        " outside the general registers (debug registers)",
                    ));
                }
                match sys::ptrace_value(req32, tt, addr, data) {
                    Ok(()) => {
                        self.push_tracee_regs(t)?;
                        (0, Vec::new())
                    }
                    Err(e) => err(e as i32),
                }
            }
            GETREGS | GETFPREGS => {
                let len = if req == GETREGS { regs_len } else { FPREGS_LEN };
                let mut buf = vec![0u8; len];
                match sys::ptrace_buf(req32, tt, 0, &mut buf) {
                    Ok(()) => (
                        0,
                        vec![MemWrite {
                            addr: data,
                            data: buf,
                        }],
                    ),
                    Err(e) => err(e as i32),
                }
            }
            SETREGS | SETFPREGS => {
                let len = if req == SETREGS { regs_len } else { FPREGS_LEN };
                let Ok(mut buf) = self.task.read_mem_exact(data, len) else {
                    return Ok(err(libc::EFAULT));
                };
                match sys::ptrace_buf(req32, tt, 0, &mut buf) {
                    Ok(()) if req == SETREGS => {
                        self.push_tracee_regs(t)?;
                        (0, Vec::new())
                    }
                    Ok(()) => {
                        self.push_tracee_xstate(t)?;
                        (0, Vec::new())
                    }
                    Err(e) => err(e as i32),
                }
            }
            GETREGSET | SETREGSET => {
                let Ok(iov) = self.task.read_mem_exact(data, 16) else {
                    return Ok(err(libc::EFAULT));
                };
                let base = u64::from_le_bytes(iov[0..8].try_into().unwrap_or([0; 8]));
                let len = u64::from_le_bytes(iov[8..16].try_into().unwrap_or([0; 8]));
                let len = len.min(1 << 16) as usize;
                if req == SETREGSET && ![NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE].contains(&addr) {
                    return Ok(self.refuse_request(
                        req,
                        libc::EIO,
                        &format!(" for register set {addr:#x}"),
                    ));
                }
                let mut buf = if req == GETREGSET {
                    vec![0u8; len]
                } else {
                    match self.task.read_mem_exact(base, len) {
                        Ok(b) => b,
                        Err(_) => return Ok(err(libc::EFAULT)),
                    }
                };
                match sys::ptrace_regset(req32, tt, addr, &mut buf) {
                    Ok(n) if req == GETREGSET => (
                        0,
                        vec![
                            MemWrite {
                                addr: base,
                                data: buf[..n.min(buf.len())].to_vec(),
                            },
                            MemWrite {
                                addr: data + 8,
                                data: (n as u64).to_le_bytes().to_vec(),
                            },
                        ],
                    ),
                    Ok(n) => {
                        if addr == NT_PRSTATUS {
                            self.push_tracee_regs(t)?;
                        } else {
                            self.push_tracee_xstate(t)?;
                        }
                        (
                            0,
                            vec![MemWrite {
                                addr: data + 8,
                                data: (n as u64).to_le_bytes().to_vec(),
                            }],
                        )
                    }
                    Err(e) => err(e as i32),
                }
            }
            GETSIGINFO => {
                let info = self
                    .ptrace
                    .tracees
                    .get(&t)
                    .and_then(|tr| tr.stop.as_ref())
                    .and_then(|s| s.siginfo.clone());
                match info {
                    Some(info) => (
                        0,
                        vec![MemWrite {
                            addr: data,
                            data: info,
                        }],
                    ),
                    None => err(libc::EINVAL),
                }
            }
            SETSIGINFO => {
                let Ok(info) = self.task.read_mem_exact(data, SIGINFO_LEN) else {
                    return Ok(err(libc::EFAULT));
                };
                match self
                    .ptrace
                    .tracees
                    .get_mut(&t)
                    .and_then(|tr| tr.stop.as_mut())
                {
                    Some(EmuStop {
                        siginfo: Some(s), ..
                    }) => {
                        *s = info;
                        (0, Vec::new())
                    }
                    _ => err(libc::EINVAL),
                }
            }
            GETEVENTMSG => {
                let msg = self.ptrace.tracees.get(&t).map_or(0, |tr| tr.event_msg);
                (
                    0,
                    vec![MemWrite {
                        addr: data,
                        data: msg.to_le_bytes().to_vec(),
                    }],
                )
            }
            SETOPTIONS => {
                if data & !O_ALL != 0 {
                    return Ok(err(libc::EINVAL));
                }
                if data & !O_EMULATED != 0 {
                    let names = data & !O_EMULATED;
                    self.warnings.once(format!("ptrace options {names:#x}"), || {
                        format!("the program set ptrace options {names:#x} (fork, clone or seccomp events); rewind does not report those events to it (only exec, exit and syscall stops)")
                    });
                }
                if let Some(tr) = self.ptrace.tracees.get_mut(&t) {
                    tr.options = data;
                }
                (0, Vec::new())
            }
            CONT | SYSCALL | DETACH => {
                if data > 64 {
                    return Ok(err(libc::EIO));
                }
                self.release(t, data as i32, req == SYSCALL);
                if req == DETACH {
                    self.ptrace.tracees.remove(&t);
                }
                (0, Vec::new())
            }
            SINGLESTEP => {
                if data > 64 {
                    return Ok(err(libc::EIO));
                }
                if data != 0 {
                    return Ok(self.refuse_request(req, libc::EIO, " with a signal to deliver"));
                }
                self.step_tracee(t)?;
                (0, Vec::new())
            }
            _ => err(libc::EIO),
        };
        Ok(out)
    }

    /// PTRACE_TRACEME of the running thread: its parent process traces it.
    fn traceme(&mut self) -> Outcome {
        let tid = self.task.tid.as_raw();
        if self.ptrace.tracees.contains_key(&tid) {
            return err(libc::EPERM);
        }
        let Some(parent) = parent_of(tid).filter(|&p| self.is_recorded_process(p)) else {
            return self.refuse_request(TRACEME, libc::EPERM, " when the parent is not recorded");
        };
        log::debug!("thread {tid} is traced by process {parent} (PTRACE_TRACEME)");
        self.ptrace.tracees.insert(
            tid,
            Tracee {
                tracer: parent,
                options: 0,
                stop: None,
                syscall_stops: false,
                in_syscall: false,
                step_after_syscall: false,
                event_msg: 0,
                queued: Default::default(),
            },
        );
        (0, Vec::new())
    }

    /// The tracee's registers were changed: record them, for the replay.
    fn push_tracee_regs(&mut self, t: i32) -> Result<(), RecordError> {
        let Some(p) = self.threads.get(&t) else {
            return Ok(());
        };
        p.task.forget_regs();
        let regs = p.task.regs()?;
        self.writer.push(&Event::Traced {
            tid: t,
            op: TracedOp::SetRegs { regs },
        })?;
        Ok(())
    }

    /// The tracee's vector state was changed: record it, for the replay.
    fn push_tracee_xstate(&mut self, t: i32) -> Result<(), RecordError> {
        let Some(p) = self.threads.get(&t) else {
            return Ok(());
        };
        let area = p.task.xstate()?;
        self.writer.push(&Event::Traced {
            tid: t,
            op: TracedOp::SetXstate { area },
        })?;
        Ok(())
    }

    /// PTRACE_KILL: the tracee's process gets SIGKILL (its end is seen as
    /// any task's).
    fn kill_tracee(&mut self, t: i32) -> Outcome {
        let pid = self
            .threads
            .get(&t)
            .map(|p| p.task.pid)
            .unwrap_or(Pid::from_raw(t));
        let _ = sys::tgkill(pid, Pid::from_raw(t), libc::SIGKILL);
        if let Some(tr) = self.ptrace.tracees.get_mut(&t) {
            tr.stop = None;
        }
        if let Some(p) = self.threads.get_mut(&t) {
            if matches!(p.state, ParkedState::Held) {
                p.state = ParkedState::Ready { sig: None };
            }
        }
        (0, Vec::new())
    }

    /// The tracer resumes tracee `t` (CONT, SYSCALL, DETACH), passing
    /// signal `sig` (0 for none).
    fn release(&mut self, t: i32, sig: i32, syscall_stops: bool) {
        let tracer_pid = self.task.pid.as_raw();
        let caller_tid = self.task.tid.as_raw();
        let Some(tr) = self.ptrace.tracees.get_mut(&t) else {
            return;
        };
        let stop = tr.stop.take();
        tr.syscall_stops = syscall_stops;
        if sig != 0 {
            let info = stop
                .and_then(|s| s.siginfo)
                .filter(|i| i.len() >= 4 && i32::from_le_bytes([i[0], i[1], i[2], i[3]]) == sig)
                .unwrap_or_else(|| make_siginfo(sig, 0, tracer_pid, uid_of(caller_tid)));
            self.ptrace.deliver.insert(t, (sig, info));
        }
        if let Some(p) = self.threads.get_mut(&t) {
            if matches!(p.state, ParkedState::Held) {
                p.state = ParkedState::Ready { sig: None };
            }
        }
    }

    /// PTRACE_SINGLESTEP of stopped tracee `t`: rewind steps it for real.
    fn step_tracee(&mut self, t: i32) -> Result<(), RecordError> {
        let Some(p) = self.threads.get(&t) else {
            return Ok(());
        };
        let regs = p.task.regs()?;
        let insn = self.arch.syscall_insn();
        if p.task.read_mem(regs.ip(), insn.len()) == insn {
            // The syscall is recorded in the ordinary way; the step's
            // stop comes after its exit.
            if let Some(tr) = self.ptrace.tracees.get_mut(&t) {
                tr.step_after_syscall = true;
            }
            self.release(t, 0, false);
            return Ok(());
        }
        let code = p.task.read_mem(regs.ip(), self.arch.trapped_insn_max_len());
        if self.arch.traps_in_recording(&code, self.trap_cpuid) {
            // A trapped time-counter read: emulated as when run.
            self.with_parked(t, |rec| rec.emulate_time_counter().map(drop))?;
            let info = make_siginfo(libc::SIGTRAP, TRAP_TRACE, 0, 0);
            self.set_stop(t, stop_status(libc::SIGTRAP, 0), Some(info));
            return Ok(());
        }
        let Some(p) = self.threads.get(&t) else {
            return Ok(());
        };
        p.task.resume(Resume::Step, None)?;
        match p.task.wait()? {
            Stop::Signal { sig, info } => {
                let regs = p.task.regs()?;
                self.writer.push(&Event::Traced {
                    tid: t,
                    op: TracedOp::Step { signo: sig, regs },
                })?;
                self.set_stop(t, stop_status(sig, 0), Some(info));
            }
            stop @ (Stop::Exited(_) | Stop::Killed(_)) => {
                // Killed meanwhile.
                if let Some(p) = self.threads.remove(&t) {
                    self.parked_ended(p.task.pid, p.task.tid, super::processes::ended(stop))?;
                }
            }
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid: t,
                    during: "a single step for the program's own tracer",
                    stop,
                }
                .into())
            }
        }
        Ok(())
    }

    /// Parked tracee `t` is in an emulated stop with `status`.
    fn set_stop(&mut self, t: i32, status: i32, siginfo: Option<Vec<u8>>) {
        let Some(tr) = self.ptrace.tracees.get_mut(&t) else {
            return;
        };
        tr.stop = Some(EmuStop {
            status,
            siginfo,
            reported: false,
        });
        let tracer = tr.tracer;
        if let Some(p) = self.threads.get_mut(&t) {
            p.state = ParkedState::Held;
        }
        self.wake_waiters(Some(tracer));
        self.interrupt_waits(tracer);
        self.send_sigchld(tracer, t, status);
    }

    /// The SIGCHLD the kernel sends a tracer when its tracee `t` stops
    /// with `status` (CLD_TRAPPED): sent by rewind to the tracer's leader
    /// (or another thread of it), and given its siginfo at its delivery
    /// (see [`Recorder::ptrace_sigchld_info`]). Not sent when the tracer
    /// ignores SIGCHLD.
    fn send_sigchld(&mut self, tracer: i32, t: i32, status: i32) {
        let ignored = std::fs::read_to_string(format!("/proc/{tracer}/status"))
            .ok()
            .and_then(|s| {
                let m = s.lines().find_map(|l| l.strip_prefix("SigIgn:"))?;
                u64::from_str_radix(m.trim(), 16).ok()
            })
            .is_some_and(|m| m & (1 << (libc::SIGCHLD - 1)) != 0);
        if ignored {
            return;
        }
        let leader = Pid::from_raw(tracer);
        let target = if self.threads.contains_key(&tracer)
            || (self.has_current && self.task.tid == leader)
        {
            tracer
        } else {
            match self
                .threads
                .values()
                .find(|p| p.task.pid == leader)
                .map(|p| p.task.tid.as_raw())
            {
                Some(w) => w,
                None => return,
            }
        };
        let id = self.id_seen_by(leader, t);
        let mut info = make_siginfo(libc::SIGCHLD, CLD_TRAPPED, id, uid_of(t));
        info[24..28].copy_from_slice(&((status >> 8) & 0x7f).to_le_bytes());
        if sys::tgkill(leader, Pid::from_raw(target), libc::SIGCHLD).is_ok() {
            self.ptrace
                .sigchld
                .entry(target)
                .or_default()
                .push_back(info);
        }
    }

    /// A signal stop of thread `t` with `sig` and `info`: a SIGCHLD that
    /// rewind sent for a tracee's stop gets the siginfo the kernel would
    /// have given it; any other signal keeps its own.
    pub(super) fn ptrace_sigchld_info(&mut self, t: i32, sig: i32, info: Vec<u8>) -> Vec<u8> {
        if sig != libc::SIGCHLD || !crate::tracee::stops::is_ours(&info) {
            return info;
        }
        match self.ptrace.sigchld.get_mut(&t).and_then(|q| q.pop_front()) {
            Some(fixed) => fixed,
            None => info,
        }
    }

    /// Threads of process `tracer` waiting in the kernel (wait4, waitid
    /// left blocking): interrupted, so that they see the emulated stop.
    fn interrupt_waits(&mut self, tracer: i32) {
        for (&w, p) in &self.threads {
            if p.task.pid.as_raw() != tracer || self.ptrace.interrupted.contains(&w) {
                continue;
            }
            if let ParkedState::InSyscall(b) = &p.state {
                if matches!(b.desc.name, "wait4" | "waitid")
                    && sys::tgkill(p.task.pid, p.task.tid, libc::SIGSTOP).is_ok()
                {
                    log::debug!("wait of {w} interrupted for an emulated stop");
                    self.ptrace.interrupted.insert(w);
                }
            }
        }
    }

    /// A stop of parked thread `t`: when it is a wait that rewind
    /// interrupted, back at its entry (the kernel restarts it once our
    /// SIGSTOP is passed over), it becomes ready to run its entry again
    /// with the program's own arguments, as the run loop handles any
    /// syscall entry (see `ptrace_wait`). True when it was.
    pub(super) fn ptrace_wait_interrupted(
        &mut self,
        t: i32,
        stop: &Stop,
    ) -> Result<bool, RecordError> {
        if !self.ptrace.interrupted.contains(&t) {
            return Ok(false);
        }
        match stop {
            Stop::SyscallEntry => {}
            // Our SIGSTOP, passed over by the caller.
            Stop::Signal { sig, info } if crate::tracee::stops::is_our_stop(*sig, info) => {
                return Ok(false)
            }
            // Another signal interrupted the wait too (the SIGCHLD of the
            // same stop): the wait ends here with its restart code, as any
            // wait a signal interrupts, and the signal is delivered.
            Stop::Signal { .. } => {
                self.ptrace.interrupted.remove(&t);
                let Some(p) = self.threads.get_mut(&t) else {
                    return Ok(false);
                };
                if let ParkedState::InSyscall(_) = p.state {
                    let ParkedState::InSyscall(b) =
                        std::mem::replace(&mut p.state, ParkedState::Ready { sig: None })
                    else {
                        return Ok(false);
                    };
                    self.with_parked(t, |rec| {
                        rec.copy_back(&b.regs, b.desc, &b.snap, &b.redirects)?;
                        rec.push_syscall_exit(b.regs, b.desc, &b.snap)
                    })?;
                }
                return Ok(false);
            }
            Stop::SyscallExit => {
                // Interrupted: the exit of the syscall the kernel restarts
                // once our SIGSTOP is passed over. Not an event.
                let Some(p) = self.threads.get(&t) else {
                    return Ok(false);
                };
                p.task.forget_regs();
                let result = p.task.regs()?.result() as i64;
                if (-516..=-512).contains(&result) {
                    p.task.resume(Resume::Syscall, None)?;
                    return Ok(true);
                }
                self.ptrace.interrupted.remove(&t);
                return Ok(false);
            }
            _ => {
                // It returned (or ended) on its own.
                self.ptrace.interrupted.remove(&t);
                return Ok(false);
            }
        }
        self.ptrace.interrupted.remove(&t);
        let Some(p) = self.threads.get_mut(&t) else {
            return Ok(false);
        };
        let ParkedState::InSyscall(b) = &p.state else {
            return Ok(false);
        };
        p.task.forget_regs();
        p.task.set_regs(&b.regs)?;
        p.state = ParkedState::Ready { sig: None };
        self.ptrace.entry_pending.insert(t);
        Ok(true)
    }

    /// The running thread, an emulated tracee, stops for its tracer with
    /// `status`: it is parked until resumed.
    fn enter_stop(&mut self, status: i32, siginfo: Option<Vec<u8>>) -> Result<(), RecordError> {
        let t = self.task.tid.as_raw();
        log::debug!("tracee {t} stops for its tracer with status {status:#x}");
        self.switch_out(ParkedState::Held)?;
        self.set_stop(t, status, siginfo);
        Ok(())
    }

    /// Let the threads held in a wait (of process `tracer`, or all) try
    /// again.
    fn wake_waiters(&mut self, tracer: Option<i32>) {
        let waiting: Vec<i32> = self.ptrace.waiting.iter().copied().collect();
        for w in waiting {
            let Some(p) = self.threads.get_mut(&w) else {
                self.ptrace.waiting.remove(&w);
                continue;
            };
            if tracer.is_some_and(|tr| tr != p.task.pid.as_raw()) {
                continue;
            }
            self.ptrace.waiting.remove(&w);
            if matches!(p.state, ParkedState::Held) {
                p.state = ParkedState::Ready { sig: None };
            }
        }
    }

    /// A signal is about to be delivered to the running thread: when it is
    /// an emulated tracee, it stops for its tracer instead (the point is
    /// anchored for the replay). True when it did.
    pub(super) fn tracee_signal(&mut self, sig: i32, info: &[u8]) -> Result<bool, RecordError> {
        let t = self.task.tid.as_raw();
        if !self.ptrace.is_tracee(t) || sig == libc::SIGKILL {
            return Ok(false);
        }
        let regs = self.task.regs()?;
        let code = crate::tracee::siginfo_code(info);
        if super::is_synchronous(sig, code) || (sig == libc::SIGTRAP && code == 0x80) {
            self.writer.push(&Event::Traced {
                tid: t,
                op: TracedOp::Fault { signo: sig, regs },
            })?;
        } else {
            let stack = self.stack_window(&regs);
            self.writer.push(&Event::Preempt {
                tid: t,
                regs,
                stack_crc: crate::trace::anchor_crc(&stack),
                stack,
                ticks: self.ticks(),
            })?;
        }
        self.enter_stop(stop_status(sig, 0), Some(info.to_vec()))?;
        Ok(true)
    }

    /// A group-stop of the running thread (a stop signal delivered): an
    /// emulated tracee reports it to its tracer. True when it did.
    pub(super) fn tracee_group_stop(&mut self, sig: i32) -> Result<bool, RecordError> {
        if !self.ptrace.is_tracee(self.task.tid.as_raw()) {
            return Ok(false);
        }
        self.enter_stop(stop_status(sig, 0), None)?;
        Ok(true)
    }

    /// The running thread ran a new program: an emulated tracee stops for
    /// its tracer (PTRACE_EVENT_EXEC, or the SIGTRAP of an exec).
    pub(super) fn tracee_exec(&mut self, old_tid: i32) -> Result<(), RecordError> {
        let t = self.task.tid.as_raw();
        // A thread that was not the leader takes the leader's id.
        if old_tid != t {
            if let Some(tr) = self.ptrace.tracees.remove(&old_tid) {
                self.ptrace.tracees.insert(t, tr);
            }
        }
        let Some(tr) = self.ptrace.tracees.get_mut(&t) else {
            return Ok(());
        };
        let in_syscall = std::mem::take(&mut tr.in_syscall);
        tr.step_after_syscall = false;
        let good = tr.options & O_TRACESYSGOOD != 0;
        let exit_sig = if good {
            libc::SIGTRAP | 0x80
        } else {
            libc::SIGTRAP
        };
        let exit_stop = (
            stop_status(exit_sig, 0),
            Some(make_siginfo(libc::SIGTRAP, exit_sig, t, 0)),
        );
        // The kernel's order: the exec event stop, then the execve's exit
        // stop; or, with no exec event, the exit stop and then the SIGTRAP
        // the exec sends.
        let mut stops = Vec::new();
        if tr.options & O_TRACEEXEC != 0 {
            tr.event_msg = old_tid as u64;
            let info = make_siginfo(libc::SIGTRAP, libc::SIGTRAP | (EVENT_EXEC << 8), t, 0);
            stops.push((stop_status(libc::SIGTRAP, EVENT_EXEC), Some(info)));
            if in_syscall {
                stops.push(exit_stop);
            }
        } else {
            if in_syscall {
                stops.push(exit_stop);
            }
            let info = make_siginfo(libc::SIGTRAP, 0, 0, 0);
            stops.push((stop_status(libc::SIGTRAP, 0), Some(info)));
        }
        let (status, info) = stops.remove(0);
        tr.queued.extend(stops);
        self.enter_stop(status, info)
    }

    /// The running thread, the last of its process, is at its exit event
    /// (in exit_group or exit): an emulated tracee with PTRACE_O_TRACEEXIT
    /// stops there for its tracer (GETEVENTMSG gives the exit status) and
    /// ends when resumed. True when it did.
    pub(super) fn tracee_exit_event(&mut self) -> Result<bool, RecordError> {
        let t = self.task.tid.as_raw();
        let wants = self
            .ptrace
            .tracees
            .get(&t)
            .is_some_and(|tr| tr.options & O_TRACEEXIT != 0);
        if !wants || self.others_in_process() {
            return Ok(false);
        }
        let msg = nix::sys::ptrace::getevent(self.task.tid).unwrap_or(0) as u64;
        if let Some(tr) = self.ptrace.tracees.get_mut(&t) {
            tr.event_msg = msg;
            tr.in_syscall = false;
        }
        let info = make_siginfo(
            libc::SIGTRAP,
            libc::SIGTRAP | (EVENT_EXIT << 8),
            t,
            uid_of(t),
        );
        self.enter_stop(stop_status(libc::SIGTRAP, EVENT_EXIT), Some(info))?;
        Ok(true)
    }

    /// The status and siginfo of a syscall stop of tracee `t`.
    fn syscall_stop(&self, t: i32) -> (i32, Vec<u8>) {
        let good = self
            .ptrace
            .tracees
            .get(&t)
            .is_some_and(|tr| tr.options & O_TRACESYSGOOD != 0);
        let sig = if good {
            libc::SIGTRAP | 0x80
        } else {
            libc::SIGTRAP
        };
        (stop_status(sig, 0), make_siginfo(libc::SIGTRAP, sig, t, 0))
    }

    /// At a syscall entry of the running thread: an emulated tracee
    /// resumed with PTRACE_SYSCALL stops there for its tracer (the
    /// syscall runs when it is resumed). True when it did.
    pub(super) fn tracee_syscall_entry(&mut self) -> Result<bool, RecordError> {
        let t = self.task.tid.as_raw();
        let Some(tr) = self.ptrace.tracees.get_mut(&t) else {
            return Ok(false);
        };
        if tr.in_syscall {
            // Resumed from its entry stop: the syscall runs now.
            return Ok(false);
        }
        if !tr.syscall_stops {
            return Ok(false);
        }
        tr.in_syscall = true;
        let regs = self.task.regs()?;
        // The replay parks the thread at this entry too.
        self.writer.push(&Event::Traced {
            tid: t,
            op: TracedOp::AtEntry { regs },
        })?;
        self.ptrace.entry_pending.insert(t);
        let (status, info) = self.syscall_stop(t);
        self.enter_stop(status, Some(info))?;
        Ok(true)
    }

    /// After a syscall of thread `t` (running, or parked when it had
    /// blocked): an emulated tracee stops at its exit when its entry was
    /// a stop, or when it was single-stepped over the syscall instruction.
    pub(super) fn tracee_syscall_exit(&mut self, t: i32) -> Result<(), RecordError> {
        let Some(tr) = self.ptrace.tracees.get_mut(&t) else {
            return Ok(());
        };
        let (stop, status) = if tr.in_syscall {
            tr.in_syscall = false;
            let (status, info) = self.syscall_stop(t);
            (Some(info), status)
        } else if tr.step_after_syscall {
            tr.step_after_syscall = false;
            (
                Some(make_siginfo(libc::SIGTRAP, TRAP_TRACE, 0, 0)),
                stop_status(libc::SIGTRAP, 0),
            )
        } else {
            return Ok(());
        };
        if self.has_current && self.task.tid.as_raw() == t {
            self.enter_stop(status, stop)
        } else {
            self.set_stop(t, status, stop);
            Ok(())
        }
    }

    /// The running thread was just switched in: a syscall whose entry stop
    /// was reported runs now, and a signal its tracer passed on is
    /// delivered.
    pub(super) fn ptrace_switched_in(&mut self) -> Result<(), RecordError> {
        let t = self.task.tid.as_raw();
        let deliver = self.ptrace.deliver.remove(&t);
        let queued = self
            .ptrace
            .tracees
            .get_mut(&t)
            .and_then(|tr| tr.queued.pop_front());
        if let Some((status, info)) = queued {
            if let Some((sig, _)) = deliver {
                log::debug!("signal {sig} passed at an exec stop of {t} is dropped");
            }
            return self.enter_stop(status, info);
        }
        if self.ptrace.entry_pending.remove(&t) {
            self.pending_stop = Some(Stop::SyscallEntry);
            if let Some((sig, _)) = deliver {
                log::debug!("signal {sig} passed at a syscall-entry stop of {t} is dropped");
            }
            return Ok(());
        }
        if let Some((sig, info)) = deliver {
            // Sent at this point (whatever raised it when recorded): the
            // replay queues it here.
            self.task.set_siginfo(&info)?;
            let regs = self.task.regs()?;
            let stack = self.stack_window(&regs);
            self.writer.push(&Event::Signal {
                tid: t,
                signo: sig,
                siginfo: info,
                synchronous: false,
                regs,
                stack_crc: crate::trace::anchor_crc(&stack),
                stack,
                ticks: self.ticks(),
            })?;
            self.pending_sig = Some(sig);
        }
        Ok(())
    }

    /// Process `pid` ended: its tracees are detached (killed with
    /// PTRACE_O_EXITKILL), it is no longer anyone's tracee, and waits are
    /// tried again.
    pub(super) fn ptrace_process_ended(&mut self, pid: i32) {
        let in_process = |rec: &Recorder, t: i32| {
            rec.threads
                .get(&t)
                .map(|p| p.task.pid.as_raw())
                .or_else(|| (rec.task.tid.as_raw() == t).then(|| rec.task.pid.as_raw()))
                .is_none_or(|p| p == pid)
        };
        let gone: Vec<i32> = self
            .ptrace
            .tracees
            .keys()
            .copied()
            .filter(|&t| in_process(self, t))
            .collect();
        for t in gone {
            self.ptrace.tracees.remove(&t);
            self.ptrace.entry_pending.remove(&t);
            self.ptrace.deliver.remove(&t);
        }
        let orphans: Vec<i32> = self
            .ptrace
            .tracees
            .iter()
            .filter(|(_, tr)| tr.tracer == pid)
            .map(|(&t, _)| t)
            .collect();
        for t in orphans {
            let kill = self
                .ptrace
                .tracees
                .get(&t)
                .is_some_and(|tr| tr.options & O_EXITKILL != 0);
            log::debug!("tracee {t} detached: its tracer {pid} ended");
            if kill {
                self.kill_tracee(t);
            }
            if let Some(tr) = self.ptrace.tracees.get_mut(&t) {
                tr.stop = None;
            }
            if let Some(p) = self.threads.get_mut(&t) {
                if matches!(p.state, ParkedState::Held) {
                    p.state = ParkedState::Ready { sig: None };
                }
            }
            self.ptrace.tracees.remove(&t);
        }
        let stale: Vec<i32> = self
            .ptrace
            .waiting
            .iter()
            .copied()
            .filter(|&w| in_process(self, w))
            .collect();
        for w in stale {
            self.ptrace.waiting.remove(&w);
        }
        self.wake_waiters(None);
    }

    /// wait4 or waitid of the running thread, at its entry, when its
    /// process traces emulated tracees that the wait may report: answered
    /// from their stops, else run for real when a child of its own has
    /// something to report, else held until something happens. None when
    /// the wait is not about emulated tracees (it runs as usual).
    pub(super) fn ptrace_wait(
        &mut self,
        regs: Regs,
    ) -> Result<Option<Option<ExitKind>>, RecordError> {
        let nr = regs.syscall_nr();
        let Some(desc) = self.arch.syscall(nr) else {
            return Ok(None);
        };
        let args = regs.syscall_args();
        let (opt_idx, sel) = match desc.name {
            "wait4" => (
                2,
                match args[0] as i32 {
                    p if p > 0 => Some(p),
                    _ => None,
                },
            ),
            "waitid" => (
                3,
                match args[0] {
                    P_PID => Some(args[1] as i32),
                    P_ALL | P_PGID => None,
                    _ => return Ok(None),
                },
            ),
            _ => return Ok(None),
        };
        let caller = self.task.pid;
        let candidates: Vec<i32> = self
            .ptrace
            .tracees
            .iter()
            .filter(|(&t, tr)| {
                tr.tracer == caller.as_raw() && sel.is_none_or(|p| self.id_seen_by(caller, t) == p)
            })
            .map(|(&t, _)| t)
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let options = args[opt_idx];
        let ready = candidates.iter().copied().find(|t| {
            self.ptrace
                .tracees
                .get(t)
                .and_then(|tr| tr.stop.as_ref())
                .is_some_and(|s| !s.reported)
        });
        if let Some(t) = ready {
            let Some(stop) = self
                .ptrace
                .tracees
                .get_mut(&t)
                .and_then(|tr| tr.stop.as_mut())
            else {
                return Ok(None);
            };
            if options & WNOWAIT == 0 {
                stop.reported = true;
            }
            let status = stop.status;
            let id = self.id_seen_by(caller, t);
            let mut writes = Vec::new();
            let result = if desc.name == "wait4" {
                if args[1] != 0 {
                    writes.push(MemWrite {
                        addr: args[1],
                        data: status.to_le_bytes().to_vec(),
                    });
                }
                if args[3] != 0 {
                    writes.push(MemWrite {
                        addr: args[3],
                        data: vec![0; RUSAGE_LEN],
                    });
                }
                id as u64
            } else {
                if args[2] != 0 {
                    let mut info = make_siginfo(libc::SIGCHLD, CLD_TRAPPED, id, uid_of(t));
                    info[24..28].copy_from_slice(&(status >> 8).to_le_bytes());
                    writes.push(MemWrite {
                        addr: args[2],
                        data: info,
                    });
                }
                if args[4] != 0 {
                    writes.push(MemWrite {
                        addr: args[4],
                        data: vec![0; RUSAGE_LEN],
                    });
                }
                0
            };
            log::debug!("wait of {caller} reports tracee {t}: status {status:#x}");
            let answer = syscalls::Answer { result, writes };
            return Ok(Some(self.answer_syscall(regs, answer)?));
        }
        if options & WNOHANG != 0 {
            return Ok(None);
        }
        // Nothing to report from the tracees: a child of its own may have
        // ended (a tracee that is its child, once rewind saw it end).
        let tid = self.task.tid.as_raw();
        let mut tried = args;
        tried[opt_idx] |= WNOHANG;
        let mut r = regs;
        r.set_syscall(nr, tried);
        self.task.set_regs(&r)?;
        let snap = self.entry_snapshot(desc, &args);
        self.task.resume(Resume::Syscall, None)?;
        match self.task.wait()? {
            Stop::SyscallExit => {}
            stop @ (Stop::Exited(_) | Stop::Killed(_)) => {
                return Ok(Some(Some(
                    self.reap_process(Some(super::processes::ended(stop))),
                )))
            }
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "a wait of a tracer",
                    stop,
                }
                .into())
            }
        }
        let result = self.task.regs()?.result() as i64;
        let found = match desc.name {
            "wait4" => result > 0,
            _ => {
                result == 0
                    && args[2] != 0
                    && self.task.read_u32(args[2] + 16).is_ok_and(|pid| pid != 0)
            }
        };
        if found || (result < 0 && result != -(libc::ECHILD as i64)) {
            self.task.restore_syscall_regs(nr, args)?;
            self.push_syscall_exit(regs, desc, &snap)?;
            return Ok(Some(None));
        }
        // Held at the syscall's instruction: it runs again when released.
        log::debug!("wait of {caller} held until a tracee stops");
        self.task.set_regs(&regs.again_from_entry())?;
        self.ptrace.waiting.insert(tid);
        self.switch_out(ParkedState::Held)?;
        Ok(Some(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_statuses_read_as_the_c_library_reads_them() {
        let st = stop_status(libc::SIGSTOP, 0);
        assert!(libc::WIFSTOPPED(st));
        assert_eq!(libc::WSTOPSIG(st), libc::SIGSTOP);
        let ev = stop_status(libc::SIGTRAP, EVENT_EXEC);
        assert!(libc::WIFSTOPPED(ev));
        assert_eq!(libc::WSTOPSIG(ev), libc::SIGTRAP);
        assert_eq!(ev >> 8, libc::SIGTRAP | (EVENT_EXEC << 8));
        let good = stop_status(libc::SIGTRAP | 0x80, 0);
        assert_eq!(libc::WSTOPSIG(good), libc::SIGTRAP | 0x80);
    }

    #[test]
    fn made_siginfo_has_the_kernel_layout() {
        let info = make_siginfo(libc::SIGCHLD, CLD_TRAPPED, 1234, 1000);
        assert_eq!(info.len(), SIGINFO_LEN);
        let si = crate::tracee::siginfo_from_bytes(&info);
        assert_eq!(si.si_signo, libc::SIGCHLD);
        assert_eq!(si.si_code, CLD_TRAPPED);
        assert_eq!(crate::tracee::siginfo_code(&info), CLD_TRAPPED);
        // si_pid and si_uid, where the kernel puts them on every
        // architecture with 64-bit pointers.
        assert_eq!(i32::from_le_bytes(info[16..20].try_into().unwrap()), 1234);
        assert_eq!(u32::from_le_bytes(info[20..24].try_into().unwrap()), 1000);
    }

    #[test]
    fn traced_events_round_trip() {
        let regs = Regs::X86_64(Default::default());
        for op in [
            TracedOp::Step { signo: 5, regs },
            TracedOp::Fault { signo: 4, regs },
            TracedOp::AtEntry { regs },
            TracedOp::SetRegs { regs },
            TracedOp::SetXstate {
                area: vec![1, 2, 3],
            },
        ] {
            let ev = Event::Traced { tid: 7, op };
            let bytes = postcard::to_allocvec(&ev).expect("encode");
            let back: Event = postcard::from_bytes(&bytes).expect("decode");
            assert_eq!(back, ev);
            assert_eq!(back.tid(), 7);
        }
    }
}
