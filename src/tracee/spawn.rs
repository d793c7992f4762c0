//! Starting a program under ptrace, stopped at its first instruction after
//! exec, with the settings both recording and replay need: one CPU, no
//! address-space randomization, trapping time-counter reads.

use std::ffi::CString;

use nix::sys::personality::{self, Persona};
use nix::sys::ptrace;
use nix::sys::signal::{raise, Signal};
use nix::unistd::{fork, ForkResult, Pid};

use super::{Stop, Task, TaskError};

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("program path or argument contains a NUL byte: {0:?}")]
    Nul(String),
    #[error("cannot fork: {0}")]
    Fork(nix::errno::Errno),
    #[error("cannot execute {path}: {detail}")]
    Exec { path: String, detail: String },
    #[error(transparent)]
    Task(#[from] TaskError),
}

/// What to start.
pub struct SpawnSpec<'a> {
    pub path: &'a str,
    pub argv: &'a [String],
    pub env: &'a [String],
    pub cwd: Option<&'a str>,
    pub cpu: usize,
    /// Put the program in a process group of its own (replay: terminal
    /// signals must not reach it; its signals come from the trace).
    pub own_pgrp: bool,
    /// Signals the program starts with ignored and blocked (replay: those
    /// it started with when recorded); None: rewind's own.
    pub signals: Option<crate::trace::InitialSignals>,
    /// A seccomp filter to install just before exec (the syscall
    /// buffer's, at record): the tracer then also asks for seccomp stops.
    pub filter: Option<&'a [libc::sock_filter]>,
}

/// The signals ignored and blocked by process `pid` now, from
/// /proc/PID/status; None when it cannot be read.
pub fn signal_state(pid: Pid) -> Option<crate::trace::InitialSignals> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mask = |key: &str| {
        let v = status.lines().find_map(|l| l.strip_prefix(key))?;
        u64::from_str_radix(v.trim(), 16).ok()
    };
    Some(crate::trace::InitialSignals {
        ignored: mask("SigIgn:")?,
        blocked: mask("SigBlk:")?,
    })
}

fn cstrings(v: &[String]) -> Result<Vec<CString>, SpawnError> {
    v.iter()
        .map(|s| CString::new(s.as_bytes()).map_err(|_| SpawnError::Nul(s.clone())))
        .collect()
}

/// Fork and exec `spec` under ptrace. Returns the task stopped at the
/// PTRACE_EVENT_EXEC stop (its first instruction, in the dynamic loader or
/// the static executable's entry point).
pub fn spawn(spec: &SpawnSpec) -> Result<Task, SpawnError> {
    let path = CString::new(spec.path).map_err(|_| SpawnError::Nul(spec.path.into()))?;
    let argv = cstrings(spec.argv)?;
    let env = cstrings(spec.env)?;
    let cwd = match spec.cwd {
        Some(c) => Some(CString::new(c).map_err(|_| SpawnError::Nul(c.into()))?),
        None => None,
    };
    let cpu = spec.cpu;
    let own_pgrp = spec.own_pgrp;
    let filter = spec.filter;
    // SAFETY: the child only makes async-signal-safe calls (sched_setaffinity,
    // personality, prctl, ptrace, raise, chdir, execve, write, _exit) on data
    // prepared before the fork; it never returns into Rust code that might
    // take locks held by other threads of the parent.
    match unsafe { fork() } {
        Err(e) => Err(SpawnError::Fork(e)),
        Ok(ForkResult::Child) => {
            let _ = super::sys::pin_to_cpu(cpu);
            let _ = personality::set(Persona::ADDR_NO_RANDOMIZE);
            #[cfg(target_arch = "x86_64")]
            let _ = super::sys::trap_time_counter();
            if own_pgrp {
                let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
            }
            if let Some(c) = &cwd {
                let _ = nix::unistd::chdir(c.as_c_str());
            }
            if let Some(s) = spec.signals {
                super::sys::set_initial_signals(s.ignored, s.blocked);
            }
            if ptrace::traceme().is_err() {
                super::sys::child_fail(b"rewind: PTRACE_TRACEME failed\n");
            }
            let _ = raise(Signal::SIGSTOP);
            if let Some(prog) = filter {
                // Installed after the tracer has set its options (at the
                // SIGSTOP): the filter's TRACE verdicts need a tracer.
                if super::sys::install_seccomp_filter(prog).is_err() {
                    super::sys::child_fail(b"rewind: cannot install the syscall buffer's seccomp filter (record with --no-syscall-buffer)\n");
                }
            }
            let e = nix::unistd::execve(&path, &argv, &env);
            let _ = e;
            super::sys::child_fail(b"rewind: execve failed\n");
        }
        Ok(ForkResult::Parent { child }) => wait_exec(child, spec.path, filter.is_some()),
    }
}

fn wait_exec(child: Pid, path: &str, seccomp: bool) -> Result<Task, SpawnError> {
    let task = Task::new(child, child)?;
    // The child stops itself with SIGSTOP before exec.
    match task.wait()? {
        Stop::Signal { sig, .. } if sig == libc::SIGSTOP => {}
        Stop::Exited(_) => {
            return Err(SpawnError::Exec {
                path: path.into(),
                detail: "the child could not start tracing itself".into(),
            })
        }
        other => {
            return Err(SpawnError::Exec {
                path: path.into(),
                detail: format!("unexpected stop before exec: {other:?}"),
            })
        }
    }
    let mut extra = ptrace::Options::empty();
    if seccomp {
        extra |= ptrace::Options::PTRACE_O_TRACESECCOMP;
    }
    ptrace::setoptions(
        child,
        extra
            | ptrace::Options::PTRACE_O_TRACESYSGOOD
            | ptrace::Options::PTRACE_O_TRACEEXEC
            | ptrace::Options::PTRACE_O_EXITKILL
            | ptrace::Options::PTRACE_O_TRACEEXIT
            | ptrace::Options::PTRACE_O_TRACECLONE
            | ptrace::Options::PTRACE_O_TRACEFORK
            | ptrace::Options::PTRACE_O_TRACEVFORK,
    )
    .map_err(|errno| TaskError::Ptrace {
        op: "SETOPTIONS",
        tid: child.as_raw(),
        errno,
    })?;
    task.resume(super::Resume::Cont, None)?;
    loop {
        match task.wait()? {
            Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXEC => break,
            Stop::Event(_) | Stop::Other(_) => task.resume(super::Resume::Cont, None)?,
            Stop::Signal { sig, .. } => task.resume(super::Resume::Cont, Some(sig))?,
            Stop::Exited(127) => {
                return Err(SpawnError::Exec {
                    path: path.into(),
                    detail: "execve failed (is it an executable file?)".into(),
                })
            }
            Stop::Exited(c) => {
                return Err(SpawnError::Exec {
                    path: path.into(),
                    detail: format!("the child exited with status {c} before exec"),
                })
            }
            Stop::Killed(s) => {
                return Err(SpawnError::Exec {
                    path: path.into(),
                    detail: format!("the child was killed by signal {s} before exec"),
                })
            }
            Stop::SyscallEntry | Stop::SyscallExit => task.resume(super::Resume::Cont, None)?,
        }
    }
    let mut task = task;
    task.reopen_mem()?;
    Ok(task)
}
