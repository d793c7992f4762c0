//! The replay session: re-run the recorded program natively, emulating its
//! syscalls from the trace, checking at every event that it is where the
//! recording was.

pub mod divergence;
mod syscalls;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

use crate::arch::regs::Regs;
use crate::arch::Arch;
use crate::trace::{Event, ExitKind, TraceEnd, TraceError, TraceReader};
use crate::tracee::spawn::{spawn, SpawnError, SpawnSpec};
use crate::tracee::{maps, sys, Resume, Stop, Task, TaskError};
pub use divergence::Divergence;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("cannot start the replay: {0}")]
    Spawn(#[from] SpawnError),
    #[error("during replay: {0}")]
    Task(#[from] TaskError),
    #[error("{0}")]
    Diverged(Box<Divergence>),
    #[error("this trace was recorded on {recorded}; this machine is {host}. Replay it on a {recorded} machine")]
    OtherArch { recorded: String, host: String },
    #[error("the trace has no events (the recording was cut short before the program started)")]
    Empty,
    #[error("{0}")]
    Unsupported(String),
}

impl From<Divergence> for ReplayError {
    fn from(d: Divergence) -> Self {
        ReplayError::Diverged(Box::new(d))
    }
}

type Result<T> = std::result::Result<T, ReplayError>;

/// How to run the replay forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    Continue,
    /// One instruction.
    Step,
}

/// Why the replay stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// A single step finished.
    Step,
    /// A software breakpoint at this address was hit.
    Breakpoint(u64),
    /// A hardware breakpoint or watchpoint hit; its debug register index.
    HwBreak(usize),
    /// A signal is about to reach the program (as the recording delivered it).
    Signal(i32),
    /// The debugger asked to stop.
    Interrupted,
    /// The end of the trace: the program exited (or was killed), or the
    /// trace was cut short here.
    End(EndKind),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndKind {
    Exited(ExitKind),
    Truncated(String),
}

/// Where the replayed program's stdout/stderr writes go.
pub enum Echo {
    /// Nowhere (debugging).
    Off,
    /// Re-emitted on rewind's own stdout and stderr.
    Stdio,
}

/// Lets another thread interrupt a running replay (Ctrl-C from a debugger).
#[derive(Clone)]
pub struct Interrupter {
    flag: Arc<AtomicBool>,
    pid: Arc<AtomicI32>,
}

impl Interrupter {
    pub fn interrupt(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let pid = nix::unistd::Pid::from_raw(self.pid.load(Ordering::SeqCst));
        if pid.as_raw() > 0 {
            let _ = sys::tgkill(pid, pid, libc::SIGSTOP);
        }
    }
}

/// A replay in progress.
pub struct ReplaySession {
    reader: TraceReader,
    arch: Arch,
    events: Vec<Event>,
    trace_end: TraceEnd,
    /// Index of the next event to replay.
    next: usize,
    task: Task,
    /// Software breakpoints: address -> original byte.
    breakpoints: BTreeMap<u64, u8>,
    /// A signal to deliver when the task next resumes.
    pending_signal: Option<i32>,
    ended: Option<EndKind>,
    echo: Echo,
    /// Address of a syscall instruction in the program, for injections.
    syscall_insn: Option<u64>,
    interrupt_flag: Arc<AtomicBool>,
    interrupt_pid: Arc<AtomicI32>,
    warned_cpuid: bool,
}

impl ReplaySession {
    /// Open `trace` and start the program, stopped at its first instruction.
    pub fn open(trace: &Path, echo: Echo) -> Result<ReplaySession> {
        let reader = TraceReader::open(trace)?;
        let arch = reader.header().arch;
        if arch != Arch::host() {
            return Err(ReplayError::OtherArch {
                recorded: arch.name().into(),
                host: Arch::host().name().into(),
            });
        }
        let (events, trace_end) = reader.read_all()?;
        if events.is_empty() {
            return Err(ReplayError::Empty);
        }
        let task = start(&reader, &events)?;
        let pid = task.pid.as_raw();
        let mut s = ReplaySession {
            reader,
            arch,
            events,
            trace_end,
            next: 1,
            task,
            breakpoints: BTreeMap::new(),
            pending_signal: None,
            ended: None,
            echo,
            syscall_insn: None,
            interrupt_flag: Arc::new(AtomicBool::new(false)),
            interrupt_pid: Arc::new(AtomicI32::new(pid)),
            warned_cpuid: false,
        };
        s.check_cpuid();
        Ok(s)
    }

    /// Start again from the first instruction (breakpoints are kept).
    pub fn restart(&mut self) -> Result<()> {
        let _ = nix::sys::signal::kill(self.task.pid, nix::sys::signal::Signal::SIGKILL);
        let _ = self.task.wait();
        self.task = start(&self.reader, &self.events)?;
        self.interrupt_pid
            .store(self.task.pid.as_raw(), Ordering::SeqCst);
        self.next = 1;
        self.pending_signal = None;
        self.ended = None;
        let bps: Vec<u64> = self.breakpoints.keys().copied().collect();
        self.breakpoints.clear();
        for a in bps {
            self.add_breakpoint(a)?;
        }
        Ok(())
    }

    fn check_cpuid(&mut self) {
        #[cfg(target_arch = "x86_64")]
        {
            let here = crate::record::cpuid_records();
            let rec = &self.reader.header().cpuid;
            if !self.warned_cpuid && &here != rec {
                self.warned_cpuid = true;
                eprintln!(
                    "rewind: warning: this CPU's features (CPUID) differ from the recording machine's; \
                     libraries that choose code by CPU features may diverge"
                );
            }
        }
    }

    pub fn header(&self) -> &crate::trace::Header {
        self.reader.header()
    }

    pub fn trace_dir(&self) -> &Path {
        self.reader.dir()
    }

    pub fn arch(&self) -> Arch {
        self.arch
    }

    /// The process id the program had when recorded.
    pub fn recorded_pid(&self) -> i32 {
        match self.events.first() {
            Some(Event::Exec { pid, .. }) => *pid,
            _ => 1,
        }
    }

    /// Thread ids (as recorded) of the live threads.
    pub fn threads(&self) -> Vec<i32> {
        vec![self.recorded_pid()]
    }

    /// Index of the next event to replay (the `when` of the debugger).
    pub fn event_index(&self) -> u64 {
        self.next as u64
    }

    pub fn event_count(&self) -> u64 {
        self.events.len() as u64
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn ended(&self) -> Option<&EndKind> {
        self.ended.as_ref()
    }

    pub fn interrupter(&self) -> Interrupter {
        Interrupter {
            flag: self.interrupt_flag.clone(),
            pid: self.interrupt_pid.clone(),
        }
    }

    /// The auxiliary vector as the program saw it.
    pub fn auxv(&self) -> Vec<u8> {
        match self.events.first() {
            Some(Event::Exec { auxv, .. }) => auxv.clone(),
            _ => Vec::new(),
        }
    }

    /// The executable the replay runs (the copy saved in the trace).
    pub fn exe_path(&self) -> String {
        self.reader
            .saved_file(&self.reader.header().exe.saved)
            .to_string_lossy()
            .into_owned()
    }

    pub fn regs(&self) -> Result<Regs> {
        Ok(self.task.regs()?)
    }

    pub fn xstate(&self) -> Result<Vec<u8>> {
        Ok(self.task.xstate()?)
    }

    /// Read program memory, with breakpoint instructions hidden.
    pub fn read_mem(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut v = self.task.read_mem(addr, len);
        let end = addr + v.len() as u64;
        for (&a, &orig) in self.breakpoints.range(addr..end) {
            v[(a - addr) as usize] = orig;
        }
        v
    }

    pub fn add_breakpoint(&mut self, addr: u64) -> Result<()> {
        if self.breakpoints.contains_key(&addr) {
            return Ok(());
        }
        let orig = self.task.read_mem_exact(addr, 1)?[0];
        self.task
            .write_mem(addr, &[crate::arch::x86_64::BREAKPOINT_INSN])?;
        self.breakpoints.insert(addr, orig);
        Ok(())
    }

    pub fn remove_breakpoint(&mut self, addr: u64) -> Result<()> {
        if let Some(orig) = self.breakpoints.remove(&addr) {
            self.task.write_mem(addr, &[orig])?;
        }
        Ok(())
    }

    /// Debug register access for hardware breakpoints and watchpoints.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// Run forward until something the debugger must see.
    pub fn run(&mut self, mode: RunMode) -> Result<StopReason> {
        if let Some(end) = &self.ended {
            return Ok(StopReason::End(end.clone()));
        }
        // Leaving a breakpoint we sit on: step over it with the original
        // instruction in place.
        let ip = self.task.regs()?.ip();
        if let Some(&orig) = self.breakpoints.get(&ip) {
            self.task.write_mem(ip, &[orig])?;
            let r = self.step_once();
            self.task
                .write_mem(ip, &[crate::arch::x86_64::BREAKPOINT_INSN])?;
            match r? {
                Some(stop) => return Ok(stop),
                None if mode == RunMode::Step => return Ok(StopReason::Step),
                None => {}
            }
        }
        loop {
            if let Some(stop) = self.advance(mode)? {
                return Ok(stop);
            }
        }
    }

    /// One instruction (or one syscall) forward. None when it completed
    /// without anything to report.
    fn step_once(&mut self) -> Result<Option<StopReason>> {
        self.advance(RunMode::Step).map(|s| match s {
            Some(StopReason::Step) => None,
            other => other,
        })
    }

    /// Resume once and handle the resulting stop.
    fn advance(&mut self, mode: RunMode) -> Result<Option<StopReason>> {
        if let Some(stop) = self.deliver_async_signal_here()? {
            return Ok(Some(stop));
        }
        if self.next >= self.events.len() {
            return Ok(Some(self.end_of_events()));
        }
        let how = match mode {
            RunMode::Continue => Resume::Sysemu,
            RunMode::Step => Resume::SysemuStep,
        };
        self.task.resume(how, self.pending_signal.take())?;
        let stop = self.task.wait()?;
        match stop {
            Stop::SyscallEntry => {
                if let Some(end) = self.replay_syscall()? {
                    return Ok(Some(end));
                }
                Ok(if mode == RunMode::Step {
                    Some(StopReason::Step)
                } else {
                    None
                })
            }
            Stop::SyscallExit => Ok(None),
            Stop::Signal { sig, info } => self.on_signal(mode, sig, info),
            Stop::Event(_) | Stop::Other(_) => Ok(None),
            Stop::Exited(c) => Ok(Some(self.finish(EndKind::Exited(ExitKind::Exited(c))))),
            Stop::Killed(s) => Ok(Some(self.finish(EndKind::Exited(ExitKind::Killed(s))))),
        }
    }

    fn finish(&mut self, end: EndKind) -> StopReason {
        self.ended = Some(end.clone());
        StopReason::End(end)
    }

    fn end_of_events(&mut self) -> StopReason {
        let end = match (&self.trace_end, self.events.last()) {
            (_, Some(Event::Exit { kind, .. })) => EndKind::Exited(*kind),
            (TraceEnd::Truncated { .. }, _) => EndKind::Truncated(self.trace_end.describe()),
            _ => EndKind::Truncated(
                "the trace ends without the program's exit (the recording was cut short)".into(),
            ),
        };
        self.finish(end)
    }

    fn on_signal(&mut self, mode: RunMode, sig: i32, info: Vec<u8>) -> Result<Option<StopReason>> {
        if sig == libc::SIGSTOP {
            if self.interrupt_flag.swap(false, Ordering::SeqCst) {
                return Ok(Some(StopReason::Interrupted));
            }
            return Ok(None);
        }
        if sig == libc::SIGTRAP {
            let code = crate::tracee::siginfo_code(&info);
            let regs = self.task.regs()?;
            // int3 reports SI_KERNEL (0x80); the breakpoint is one byte back.
            let bp = regs.ip().wrapping_sub(1);
            if code == 0x80 && self.breakpoints.contains_key(&bp) {
                let mut r = regs;
                r.set_ip(bp);
                self.task.set_regs(&r)?;
                return Ok(Some(StopReason::Breakpoint(bp)));
            }
            // Hardware breakpoint or watchpoint: DR6 bits 0-3.
            let dr6 = self.task.debugreg(6)?;
            if dr6 & 0xf != 0 {
                self.task.set_debugreg(6, 0)?;
                let idx = (dr6 & 0xf).trailing_zeros() as usize;
                return Ok(Some(StopReason::HwBreak(idx)));
            }
            if mode == RunMode::Step {
                return Ok(Some(StopReason::Step));
            }
        }
        if sig == libc::SIGSEGV && self.replay_time_counter()? {
            return Ok(if mode == RunMode::Step {
                Some(StopReason::Step)
            } else {
                None
            });
        }
        // A signal the recording saw: it must be the next event.
        let idx = self.next;
        match self.events.get(idx) {
            Some(Event::Signal {
                signo, siginfo, ..
            }) if *signo == sig => {
                let siginfo = siginfo.clone();
                self.next += 1;
                if self.fatal_next() {
                    // Do not let the process die: the user can still look.
                    return Ok(Some(StopReason::Signal(sig)));
                }
                self.task.set_siginfo(&siginfo)?;
                self.pending_signal = Some(sig);
                Ok(Some(StopReason::Signal(sig)))
            }
            other => {
                let expected = other
                    .map(|e| e.summary(self.arch))
                    .unwrap_or_else(|| "the end of the trace".into());
                Err(Divergence::new(&self.events, idx, self.arch, "an unexpected signal")
                    .diff("event", expected, format!("signal {}", crate::trace::signal_name(sig)))
                    .into())
            }
        }
    }

    /// True when the event after the one just replayed is the process being
    /// killed: a fatal signal.
    fn fatal_next(&self) -> bool {
        matches!(
            self.events.get(self.next),
            Some(Event::Exit {
                kind: ExitKind::Killed(_),
                ..
            })
        )
    }

    /// Resume after a stop at a fatal signal: the process would die, so the
    /// replay ends here instead.
    fn deliver_async_signal_here(&mut self) -> Result<Option<StopReason>> {
        if self.pending_signal.is_none() && self.fatal_next() {
            if let Some(Event::Exit { kind, .. }) = self.events.get(self.next) {
                let kind = *kind;
                self.next += 1;
                return Ok(Some(self.finish(EndKind::Exited(kind))));
            }
        }
        let Some(Event::Signal {
            signo,
            siginfo,
            synchronous: false,
            regs,
            ..
        }) = self.events.get(self.next)
        else {
            return Ok(None);
        };
        let (signo, siginfo, want) = (*signo, siginfo.clone(), *regs);
        let now = self.task.regs()?;
        if !want.diff(&now).is_empty() {
            return Err(ReplayError::Unsupported(format!(
                "event {}: a signal ({}) was sent to the program between two syscalls, at {:#x}; \
                 reaching such a point without a hardware counter is not supported yet",
                self.next,
                crate::trace::signal_name(signo),
                want.ip()
            )));
        }
        self.next += 1;
        if self.fatal_next() {
            return Ok(Some(StopReason::Signal(signo)));
        }
        self.task.set_siginfo(&siginfo)?;
        self.pending_signal = Some(signo);
        Ok(Some(StopReason::Signal(signo)))
    }

    fn replay_time_counter(&mut self) -> Result<bool> {
        let regs = self.task.regs()?;
        let code = self.task.read_mem(regs.ip(), 3);
        if crate::arch::x86_64::TimeInsn::decode(&code).is_none() {
            return Ok(false);
        }
        let idx = self.next;
        match self.events.get(idx) {
            Some(Event::TimeCounter {
                regs: want, after, ..
            }) => {
                let diffs = want.diff(&regs);
                if !diffs.is_empty() {
                    return Err(self.regs_divergence(idx, "registers at a time-counter read", diffs));
                }
                let after = *after;
                self.task.set_regs(&after)?;
                self.next += 1;
                Ok(true)
            }
            other => {
                let expected = other
                    .map(|e| e.summary(self.arch))
                    .unwrap_or_else(|| "the end of the trace".into());
                Err(Divergence::new(&self.events, idx, self.arch, "an unexpected time-counter read")
                    .diff("event", expected, format!("time counter read at {:#x}", regs.ip()))
                    .into())
            }
        }
    }

    fn regs_divergence(&self, idx: usize, what: &str, diffs: Vec<(String, u64, u64)>) -> ReplayError {
        let mut d = Divergence::new(&self.events, idx, self.arch, what);
        for (n, e, f) in diffs {
            d = d.diff(n, format!("{e:#x}"), format!("{f:#x}"));
        }
        d.into()
    }

    /// Echo a write to the recorded stdout/stderr.
    fn echo(&self, fd: u64, data: &[u8]) {
        if let Echo::Stdio = self.echo {
            let _ = match fd {
                1 => std::io::stdout().lock().write_all(data),
                2 => std::io::stderr().lock().write_all(data),
                _ => Ok(()),
            };
        }
    }
}

impl Drop for ReplaySession {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(self.task.pid, nix::sys::signal::Signal::SIGKILL);
        let _ = self.task.wait();
    }
}

/// Spawn the program for replay and put it in its recorded initial state.
fn start(reader: &TraceReader, events: &[Event]) -> Result<Task> {
    let h = reader.header();
    let Some(Event::Exec {
        regs, stack, maps: rec_maps, ..
    }) = events.first()
    else {
        return Err(ReplayError::Empty);
    };
    if let Some(interp) = &h.interp {
        check_interp(reader, interp)?;
    }
    let exe = reader.saved_file(&h.exe.saved);
    let cpu = sys::current_cpu();
    let _ = sys::pin_to_cpu(cpu);
    let task = spawn(&SpawnSpec {
        path: &exe.to_string_lossy(),
        argv: &h.argv,
        env: &h.env,
        cwd: None,
        cpu,
        own_pgrp: true,
    })?;
    let now = maps::read(task.pid.as_raw()).unwrap_or_default();
    // The stack's extent depends on the environment's size; the vDSO is
    // hidden from the program and its size varies between kernels.
    let checked = |m: &&crate::trace::Mapping| {
        !matches!(m.name.as_str(), "[stack]" | "[vdso]" | "[vvar]" | "[vvar_vclock]")
    };
    for m in rec_maps.iter().filter(checked) {
        if !now.iter().any(|n| n.start == m.start && n.end == m.end) {
            return Err(Divergence::new(events, 0, h.arch, "the initial address space")
                .diff(
                    format!("mapping of {}", m.name),
                    format!("{:#x}-{:#x}", m.start, m.end),
                    "nothing at that address".to_string(),
                )
                .into());
        }
    }
    task.write_mem(stack.addr, &stack.data)?;
    task.set_regs(regs)?;
    Ok(task)
}

/// The dynamic loader comes from the system at replay; it must be the one
/// the recording used.
fn check_interp(reader: &TraceReader, interp: &crate::trace::SavedFile) -> Result<()> {
    let saved = std::fs::read(reader.saved_file(&interp.saved)).ok();
    let live = std::fs::read(&interp.original).ok();
    if saved.is_some() && saved == live {
        return Ok(());
    }
    Err(ReplayError::Unsupported(format!(
        "the dynamic loader {} has changed (or is missing) since this trace was recorded; \
         replay needs the same loader (a copy is in {})",
        interp.original,
        reader.saved_file(&interp.saved).display()
    )))
}
