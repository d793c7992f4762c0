//! The replay session: re-run the recorded program natively, emulating its
//! syscalls from the trace, checking at every event that it is where the
//! recording was.

mod anchor;
mod checks;
pub mod debugregs;
pub mod divergence;
pub mod focus;
pub mod hw;
mod identity;
mod output;
mod position;
mod processes;
mod ptrace;
mod shared;
mod snapshot;
mod stdio;
mod syscallbuf;
mod syscalls;
mod threads;
mod ticks;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

use crate::arch::breakpoint::{self, Saved};
use crate::arch::regs::Regs;
use crate::arch::Arch;
use crate::trace::{Event, ExitKind, TraceEnd, TraceError, TraceReader};
use crate::tracee::spawn::{spawn, SpawnError, SpawnSpec};
use crate::tracee::{maps, sys, Resume, Stop, Task, TaskError};
pub use divergence::Divergence;
pub use hw::PointKind;
pub use identity::ReplayOptions;
pub use position::{push as position_push, Position, Segment};
pub use snapshot::Snapshot;

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
    #[error("this trace was recorded on {recorded}; this machine is {host}. Replay it on an {recorded} machine")]
    OtherArch { recorded: String, host: String },
    #[error("the trace has no events (the recording was cut short before the program started)")]
    Empty,
    #[error("{0}")]
    Unsupported(String),
    /// A debug exception came without its cause (TRAP_BRKPT with no
    /// status bits): on a VM a hardware breakpoint hit can arrive so, and a
    /// hit counter then misses it. The run that met it cannot be trusted;
    /// it can be tried again.
    #[error(
        "a debug exception at {ip:#x} came without its cause (the hypervisor lost it?); \
         a hit may have been missed, please try again"
    )]
    LostTrap { ip: u64 },
    /// This machine cannot reproduce the recording (another CPU, other CPU
    /// features, a saved file changed): refused before starting.
    #[error("{0}")]
    Refused(String),
}

/// The plain anchor search gives up after this many arrivals at the
/// anchor's instruction (about 20 us each on our machines: some 30 s);
/// `REWIND_MAX_ANCHOR_VISITS` sets another bound.
const MAX_ANCHOR_VISITS: u64 = 1_500_000;

fn max_anchor_visits() -> u64 {
    static MAX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("REWIND_MAX_ANCHOR_VISITS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(MAX_ANCHOR_VISITS)
    })
}
/// After this many, the user is told that the search is slow.
const ANCHOR_VISITS_NOTICE: u64 = 100_000;

impl From<Divergence> for ReplayError {
    fn from(d: Divergence) -> Self {
        ReplayError::Diverged(Box::new(d))
    }
}

type Result<T> = std::result::Result<T, ReplayError>;

/// The task whose memory and debug registers hold the debugger's
/// breakpoints and watchpoints, given `ut` from
/// [`ReplaySession::user_parked`]: the running task, or a parked thread of
/// the process the debugger follows when the running one is elsewhere.
macro_rules! task_of {
    ($s:expr, $ut:expr) => {
        match $ut.and_then(|tid| $s.threads.get(&tid)) {
            Some(p) => p.task(),
            None => &$s.task,
        }
    };
}

/// The si_code of a SIGTRAP from a debug exception with no status bits.
const TRAP_BRKPT: i32 = 1;

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
    /// A hardware breakpoint at this address was hit.
    HwExec(u64),
    /// A watchpoint fired: the watched piece (address, length) and kind.
    /// Writes are reported after the writing instruction (or syscall).
    Watch {
        addr: u64,
        len: u64,
        kind: PointKind,
    },
    /// A signal is about to reach the program (as the recording delivered it).
    Signal(i32),
    /// The debugger asked to stop.
    Interrupted,
    /// The end of the trace: the program exited (or was killed), or the
    /// trace was cut short here.
    End(EndKind),
    /// A reverse command reached the first instruction of the trace.
    HistoryStart,
    /// The replay reached the event it was asked to stop at (see
    /// [`ReplaySession::run_to_event`]) or an automatic checkpoint is due.
    EventReached,
    /// A hit counter armed with a number reached it (see
    /// [`crate::ticks::hits`]): the engine's own stop.
    CountReached,
    /// The followed process ran a new program, now at its first
    /// instruction; the path is the trace's copy of it (for the debugger
    /// to load its symbols). Reported only while [`ReplaySession::set_report_exec`]
    /// asks for it.
    Exec(std::path::PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndKind {
    Exited(ExitKind),
    Truncated(String),
}

/// Where the replayed program's stdout/stderr writes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Echo {
    /// Nowhere (debugging).
    Off,
    /// Re-emitted on rewind's own stdout and stderr.
    Stdio,
    /// Re-emitted on rewind's own stdout and stderr the first time the
    /// session passes each write, not again when a timeline replays it
    /// once more after going back (`rewind replay -s --echo`).
    StdioOnce,
}

/// Lets another thread interrupt a running replay (Ctrl-C from a debugger).
#[derive(Clone)]
pub struct Interrupter {
    flag: Arc<AtomicBool>,
    pid: Arc<AtomicI32>,
    tid: Arc<AtomicI32>,
}

impl Interrupter {
    pub fn interrupt(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let pid = nix::unistd::Pid::from_raw(self.pid.load(Ordering::SeqCst));
        let tid = nix::unistd::Pid::from_raw(self.tid.load(Ordering::SeqCst));
        if pid.as_raw() > 0 && tid.as_raw() > 0 {
            let _ = sys::tgkill(pid, tid, libc::SIGSTOP);
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
    /// Software breakpoints: address -> the program's bytes under them.
    breakpoints: BTreeMap<u64, Saved>,
    /// Whether a run stops when the followed process runs a new program.
    report_exec: bool,
    /// Each thread's thread-id word, cleared by the kernel at its exit
    /// (CLONE_CHILD_CLEARTID, set_tid_address), by recorded thread id.
    clear_tid: BTreeMap<i32, u64>,
    /// A signal to deliver when the task next resumes.
    pending_signal: Option<i32>,
    ended: Option<EndKind>,
    echo: Echo,
    /// With [`Echo::StdioOnce`]: events before this index were echoed
    /// already (never reset by a restart of the session).
    echo_frontier: std::cell::Cell<usize>,
    /// Address of a syscall instruction in each live process (by its
    /// real pid), for injections: the last one its threads ran.
    syscall_insns: BTreeMap<i32, u64>,
    interrupt_flag: Arc<AtomicBool>,
    interrupt_pid: Arc<AtomicI32>,
    /// The running thread's kernel id, for interrupts.
    interrupt_tid: Arc<AtomicI32>,
    /// The recorded id of the running thread (`task`).
    current_tid: i32,
    /// The other threads, stopped.
    threads: threads::Threads,
    /// The event whose anchor the fast search tried last.
    anchor_tried: Option<usize>,
    /// The event whose anchor the plain search looks for, and how many
    /// arrivals at its instruction were not it (bounded by
    /// `MAX_ANCHOR_VISITS`).
    anchor_visits: (usize, u64),
    /// The running thread sits at a syscall entry that its `SyscallEntry`
    /// event consumed; its `Syscall` event replays it without resuming.
    at_entry: bool,
    /// The CPU the replayed processes are bound to, and whether CPUID
    /// faults in them.
    machine: identity::Machine,
    warned_counter: bool,
    /// A breakpoint of our own at the anchor of the next event (an
    /// asynchronous signal): its address and the bytes under it.
    anchor: Option<(u64, Saved)>,
    /// Whether the task is at a signal-delivery stop, where a signal can be
    /// injected directly (elsewhere the kernel first queues it).
    at_signal_stop: bool,
    /// A recorded signal queued for delivery, awaiting its delivery stop.
    injecting: Option<(i32, Vec<u8>)>,
    /// The siginfo of `pending_signal`.
    pending_info: Vec<u8>,
    /// Hardware breakpoints and watchpoints.
    hw: hw::HwPoints,
    /// Progress since the last event: how the current point is reached
    /// from it.
    chain: Vec<Segment>,
    /// Stop (with EventReached) once this many events have been replayed.
    stop_at_event: Option<usize>,
    /// Stop (with EventReached) at the first event boundary after this
    /// instant: when the next automatic checkpoint is due.
    checkpoint_due: Option<std::time::Instant>,
    /// The branch counter on the replayed thread and the count it started
    /// from, when the trace has ticks and this machine a counter.
    counter: Option<(crate::ticks::pmu::Counter, u64)>,
    /// Whether `suspend_triggers` took the breakpoints out of memory.
    triggers_suspended: bool,
    /// A hit counter may stop the thread with its signal.
    counting: bool,
    /// Whether the last resume consumed an event (then a stop it reports
    /// is at that event's boundary, not further on).
    consumed: bool,
    /// The recorded processes, and the process of each thread.
    processes: crate::trace::processes::ProcessTable,
    /// Which descriptors are the recording's stdout and stderr.
    stdio: stdio::StdioFds,
    /// `Syscall` events of writes whose output was echoed at their entry.
    echoed_at_entry: std::collections::BTreeSet<usize>,
    /// The process (recorded id) the debugger follows, in a trace of
    /// several; None: every task is the debugger's.
    focus: Option<i32>,
    /// The event at which the followed process starts for the debugger.
    focus_start: usize,
    /// The followed process's debug registers while a task of another
    /// process runs.
    focus_dr: Option<hw::ThreadDebugRegs>,
    /// Task switches and process ends so far: a copy of the running
    /// process alone is good only while this has not moved.
    switches: u64,
    /// How each process (recorded id) ended in the replay, by its exit
    /// call or a fatal signal, until its `Exit` event checks it.
    exits_made: BTreeMap<i32, ExitKind>,
    /// The backing files of files mapped shared.
    shared: shared::SharedFiles,
}

impl ReplaySession {
    /// Open `trace` and start the program, stopped at its first instruction.
    pub fn open(trace: &Path, echo: Echo) -> Result<ReplaySession> {
        Self::open_with(trace, echo, &ReplayOptions::default())
    }

    /// Open `trace` with `opts` saying which CPU to use and whether to go
    /// on when this machine's CPU differs from the recording one.
    pub fn open_with(trace: &Path, echo: Echo, opts: &ReplayOptions) -> Result<ReplaySession> {
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
        let machine = identity::prepare(&reader, opts)?;
        let task = start(&reader, &events, machine)?;
        let pid = task.pid.as_raw();
        let main_tid = events.first().map(|e| e.tid()).unwrap_or(pid);
        let processes = crate::trace::processes::ProcessTable::of(&events, arch);
        let root = processes.processes.first().map_or(main_tid, |p| p.pid);
        let mut s = ReplaySession {
            reader,
            arch,
            events,
            trace_end,
            next: 1,
            task,
            breakpoints: BTreeMap::new(),
            report_exec: false,
            clear_tid: BTreeMap::new(),
            pending_signal: None,
            ended: None,
            echo,
            syscall_insns: BTreeMap::new(),
            interrupt_flag: Arc::new(AtomicBool::new(false)),
            interrupt_pid: Arc::new(AtomicI32::new(pid)),
            interrupt_tid: Arc::new(AtomicI32::new(pid)),
            current_tid: main_tid,
            threads: Default::default(),
            at_entry: false,
            anchor_tried: None,
            anchor_visits: (usize::MAX, 0),
            machine,
            warned_counter: false,
            anchor: None,
            at_signal_stop: false,
            injecting: None,
            pending_info: Vec::new(),
            hw: hw::HwPoints::default(),
            chain: Vec::new(),
            stop_at_event: None,
            checkpoint_due: None,
            consumed: false,
            counter: None,
            triggers_suspended: false,
            counting: false,
            processes,
            stdio: stdio::StdioFds::new(root),
            echoed_at_entry: Default::default(),
            echo_frontier: Default::default(),
            focus: None,
            focus_start: 1,
            focus_dr: None,
            exits_made: BTreeMap::new(),
            switches: 0,
            shared: Default::default(),
        };
        s.open_counter(0);
        s.enable_fork_tracing()?;
        // Checkpoint copies outlive the replayed process that made them:
        // keep them below us rather than handed to init.
        if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
            log::debug!("cannot become a subreaper: {e}");
        }
        Ok(s)
    }

    /// Start again from the first instruction (breakpoints are kept).
    pub fn restart(&mut self) -> Result<()> {
        self.kill_process();
        self.task = start(&self.reader, &self.events, self.machine)?;
        self.interrupt_pid
            .store(self.task.pid.as_raw(), Ordering::SeqCst);
        let main_tid = self.events.first().map(|e| e.tid()).unwrap_or(0);
        self.drop_threads(main_tid);
        self.next = 1;
        self.pending_signal = None;
        self.ended = None;
        self.anchor = None;
        self.at_signal_stop = false;
        self.anchor_visits = (usize::MAX, 0);
        self.syscall_insns.clear();
        self.injecting = None;
        self.chain.clear();
        self.stdio = stdio::StdioFds::new(self.recorded_pid());
        self.echoed_at_entry.clear();
        self.exits_made.clear();
        self.open_counter(0);
        self.enable_fork_tracing()?;
        self.focus_dr = None;
        if self.focus_start > 1 {
            self.run_to_focus_start()?;
        }
        // While triggers are suspended the fresh process keeps its code
        // and debug registers clean; resuming them puts them in place.
        if self.triggers_suspended {
            return Ok(());
        }
        let ut = self.user_parked();
        self.hw
            .apply(task_of!(self, ut))
            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        self.note_focus_dr(ut)?;
        let bps: Vec<u64> = self.breakpoints.keys().copied().collect();
        self.breakpoints.clear();
        for a in bps {
            self.add_breakpoint(a)?;
        }
        Ok(())
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

    /// The process id the program had when recorded (the followed
    /// process's, in a trace of several).
    pub fn recorded_pid(&self) -> i32 {
        if let Some(f) = self.focus {
            return f;
        }
        match self.events.first() {
            Some(Event::Exec { pid, .. }) => *pid,
            _ => 1,
        }
    }

    /// The last `Execve` of the followed process before its start for the
    /// debugger: the program the debugger sees.
    fn focus_execve(&self) -> Option<&Event> {
        let f = self.focus?;
        self.events[..self.focus_start.min(self.events.len())]
            .iter()
            .rev()
            .find(|e| matches!(e, Event::Execve { tid, .. } if self.pid_of(*tid) == f))
    }

    /// Thread ids (as recorded) of the live threads, the running one
    /// first.
    pub fn threads(&self) -> Vec<i32> {
        self.thread_ids()
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
            tid: self.interrupt_tid.clone(),
        }
    }

    /// The auxiliary vector as the program saw it: the one the followed
    /// process's last exec before this point gave it, else the one it
    /// started with.
    pub fn auxv(&self) -> Vec<u8> {
        let upto = self.next.min(self.events.len());
        let mine = |tid: i32| self.focus.is_none_or(|f| self.pid_of(tid) == f);
        let since_exec = self.events[..upto]
            .iter()
            .rev()
            .find(|e| matches!(e, Event::Execve { tid, .. } if mine(*tid)));
        if let Some(Event::Execve { auxv, .. }) = since_exec.or_else(|| self.focus_execve()) {
            return auxv.clone();
        }
        match self.events.first() {
            Some(Event::Exec { auxv, .. }) => auxv.clone(),
            _ => Vec::new(),
        }
    }

    /// Every file the recording mapped, as (path when recorded, path of its
    /// copy in the trace): the executable, the loader, each mmap, and each
    /// program run by execve and its loader. A path saved twice keeps its
    /// first copy.
    pub fn saved_files(&self) -> Vec<(String, std::path::PathBuf)> {
        let h = self.reader.header();
        let mut v = vec![(h.exe.original.clone(), self.reader.saved_file(&h.exe.saved))];
        let mut add = |original: &String, saved: &String| {
            if !v.iter().any(|(o, _)| o == original) {
                v.push((original.clone(), self.reader.saved_file(saved)));
            }
        };
        if let Some(i) = &h.interp {
            add(&i.original, &i.saved);
        }
        for e in &self.events {
            match e {
                Event::Syscall(crate::trace::SyscallEvent {
                    map:
                        Some(crate::trace::MapSource::File {
                            original, saved, ..
                        }),
                    ..
                }) => add(original, saved),
                Event::Execve { exe, interp, .. } => {
                    add(&exe.original, &exe.saved);
                    if let Some(i) = interp {
                        add(&i.original, &i.saved);
                    }
                }
                _ => {}
            }
        }
        v
    }

    /// The executable the replay runs (the copy saved in the trace).
    pub fn exe_path(&self) -> String {
        if let Some(Event::Execve { exe, .. }) = self.focus_execve() {
            return self
                .reader
                .saved_file(&exe.saved)
                .to_string_lossy()
                .into_owned();
        }
        self.reader
            .saved_file(&self.reader.header().exe.saved)
            .to_string_lossy()
            .into_owned()
    }

    /// The registers as the program has them. The resume flag (RF), which
    /// the kernel sets after a debug-register breakpoint so that the
    /// instruction can run, is not the program's state and is left out.
    pub fn regs(&self) -> Result<Regs> {
        let mut r = self.task.regs()?;
        r.clear_resume_flag();
        Ok(r)
    }

    pub fn xstate(&self) -> Result<Vec<u8>> {
        Ok(self.task.xstate()?)
    }

    /// Read program memory, with breakpoint instructions hidden.
    pub fn read_mem(&self, addr: u64, len: usize) -> Vec<u8> {
        let ut = self.user_parked();
        let mut v = task_of!(self, ut).read_mem(addr, len);
        let end = addr + v.len() as u64;
        for (&a, orig) in self.breakpoints.range(breakpoint::overlap_start(addr)..end) {
            orig.hide_in(a, &mut v, addr);
        }
        if let Some((a, orig)) = self.anchor.filter(|_| ut.is_none()) {
            if !self.breakpoints.contains_key(&a) {
                orig.hide_in(a, &mut v, addr);
            }
        }
        v
    }

    pub fn add_breakpoint(&mut self, addr: u64) -> Result<()> {
        if self.breakpoints.contains_key(&addr) || self.hw.is_backing(addr) {
            return Ok(());
        }
        if !self.arch.breakpoint_fits(addr) {
            return Err(ReplayError::Unsupported(format!(
                "a breakpoint at {addr:#x} is not at an instruction's start: {} instructions \
                 are {}-byte aligned",
                self.arch.name(),
                self.arch.breakpoint_len()
            )));
        }
        let ut = self.user_parked();
        let anchor_here = self.anchor.filter(|_| ut.is_none()).map(|(a, _)| a);
        let orig = match (anchor_here, self.anchor) {
            (Some(a), Some((_, b))) if a == addr => b,
            _ => self.saved_at(task_of!(self, ut), addr)?,
        };
        // A free debug register makes each hit one stop instead of two.
        if anchor_here != Some(addr)
            && self
                .hw
                .add_backing(task_of!(self, ut), addr)
                .map_err(|e| ReplayError::Unsupported(e.to_string()))?
        {
            return self.note_focus_dr(ut);
        }
        task_of!(self, ut).write_mem(addr, self.arch.breakpoint_insn())?;
        self.breakpoints.insert(addr, orig);
        Ok(())
    }

    pub fn remove_breakpoint(&mut self, addr: u64) -> Result<()> {
        let ut = self.user_parked();
        if self
            .hw
            .remove_backing(task_of!(self, ut), addr)
            .map_err(|e| ReplayError::Unsupported(e.to_string()))?
        {
            return self.note_focus_dr(ut);
        }
        let anchor_here = self.anchor.filter(|_| ut.is_none()).map(|(a, _)| a);
        if let Some(orig) = self.breakpoints.remove(&addr) {
            if anchor_here != Some(addr) {
                task_of!(self, ut).write_mem(addr, orig.bytes())?;
            }
        }
        Ok(())
    }

    /// The thread being replayed.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The task of the followed process's thread: the running one, or,
    /// while another process's task runs, its parked thread (the first,
    /// when it has several).
    pub fn followed_task(&self) -> &Task {
        task_of!(self, self.user_parked())
    }

    /// Add a hardware breakpoint or watchpoint; Ok(false) when the four
    /// debug registers are taken.
    pub fn add_hw_point(&mut self, addr: u64, len: u64, kind: PointKind) -> Result<bool> {
        let now = self.read_mem(addr, len as usize);
        let ut = self.user_parked();
        loop {
            let added = self
                .hw
                .add(task_of!(self, ut), &now, addr, len, kind)
                .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
            if added {
                self.note_focus_dr(ut)?;
                return Ok(true);
            }
            // Give the debugger a register that backs a software breakpoint.
            let Some(b) = self.hw.any_backing() else {
                return Ok(false);
            };
            self.hw
                .remove_backing(task_of!(self, ut), b)
                .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
            let orig = self.saved_at(task_of!(self, ut), b)?;
            if !self.triggers_suspended {
                task_of!(self, ut).write_mem(b, self.arch.breakpoint_insn())?;
            }
            self.breakpoints.insert(b, orig);
        }
    }

    pub fn remove_hw_point(&mut self, addr: u64, len: u64, kind: PointKind) -> Result<bool> {
        let ut = self.user_parked();
        let r = self
            .hw
            .remove(task_of!(self, ut), addr, len, kind)
            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        self.note_focus_dr(ut)?;
        Ok(r)
    }

    /// Remove every hardware breakpoint and watchpoint.
    pub fn clear_hw_points(&mut self) -> Result<()> {
        self.hw = hw::HwPoints::default();
        let ut = self.user_parked();
        self.hw
            .apply(task_of!(self, ut))
            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        self.note_focus_dr(ut)
    }

    /// Let the instruction at the current point run once without a
    /// debug-register execution trap (x86's resume flag), as a run that
    /// starts on a breakpoint steps over it.
    pub fn skip_exec_trap_here(&mut self) -> Result<()> {
        let mut r = self.task.regs()?;
        if r.set_resume_flag() {
            self.task.set_regs(&r)?;
        }
        Ok(())
    }

    /// Expect the overflow signal of a hit counter on this thread (and
    /// report it as [`StopReason::CountReached`]), or not.
    pub fn set_counting(&mut self, on: bool) {
        self.counting = on;
    }

    /// The hardware watchpoints set: address, length and kind.
    pub fn watch_points(&self) -> Vec<(u64, u64, PointKind)> {
        self.hw.watch_points()
    }

    /// Whether breakpoints and watchpoints are taken out.
    pub fn triggers_suspended(&self) -> bool {
        self.triggers_suspended
    }

    /// Take every breakpoint and watchpoint out (their settings are kept),
    /// to run fast to a known point.
    pub fn suspend_triggers(&mut self) -> Result<()> {
        self.triggers_suspended = true;
        let ut = self.user_parked();
        let anchor_here = self.anchor.filter(|_| ut.is_none()).map(|(a, _)| a);
        for (&a, orig) in &self.breakpoints {
            if anchor_here != Some(a) {
                task_of!(self, ut).write_mem(a, orig.bytes())?;
            }
        }
        task_of!(self, ut).set_hw_regs(&crate::arch::hwdebug::HwRegs::disabled(self.arch))?;
        self.note_focus_dr(ut)
    }

    /// Put back what `suspend_triggers` took out.
    pub fn resume_triggers(&mut self) -> Result<()> {
        self.triggers_suspended = false;
        let ut = self.user_parked();
        for &a in self.breakpoints.keys() {
            task_of!(self, ut).write_mem(a, self.arch.breakpoint_insn())?;
        }
        self.hw
            .apply(task_of!(self, ut))
            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        self.note_focus_dr(ut)
    }

    /// Put one breakpoint back in place (after `suspend_triggers`).
    pub fn rearm_breakpoint(&mut self, addr: u64) -> Result<()> {
        let ut = self.user_parked();
        if self.hw.is_backing(addr) {
            // Only this one of the debug registers.
            self.hw
                .apply_only(task_of!(self, ut), addr)
                .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
            self.note_focus_dr(ut)?;
        }
        if self.breakpoints.contains_key(&addr) {
            task_of!(self, ut).write_mem(addr, self.arch.breakpoint_insn())?;
        }
        Ok(())
    }

    /// Count branches on the current task from `base`, when the trace was
    /// recorded with a counter and this machine has the same one.
    fn open_counter(&mut self, base: u64) {
        self.counter = self.counter_for(self.task.tid.as_raw(), base);
    }

    /// A branch counter on thread `tid` (kernel id) counting from `base`,
    /// when the trace was recorded with one and this machine has it. Each
    /// thread has its own, as when recorded.
    pub(super) fn counter_for(
        &mut self,
        tid: i32,
        base: u64,
    ) -> Option<(crate::ticks::pmu::Counter, u64)> {
        let crate::trace::TickMode::Pmu { event, .. } = self.reader.header().ticks else {
            return None;
        };
        match crate::ticks::pmu::Counter::open(tid, event) {
            Ok(c) => Some((c, base)),
            Err(e) => {
                if !self.warned_counter {
                    self.warned_counter = true;
                    eprintln!(
                        "rewind: warning: the trace counted branches (event {event:#x}) but \
                         the counter cannot be opened here ({e}); replay positions are \
                         checked by registers only"
                    );
                }
                None
            }
        }
    }

    /// The branch count so far, with a counter.
    pub fn ticks(&self) -> Option<u64> {
        let (c, base) = self.counter.as_ref()?;
        c.read().ok().map(|v| v + base)
    }

    /// Compare the replay's branch count with the recorded one at event
    /// `idx`: a difference is a divergence.
    fn check_ticks(&self, idx: usize, recorded: Option<u64>) -> Result<()> {
        let (Some(expected), Some(found)) = (recorded, self.ticks()) else {
            return Ok(());
        };
        if expected == found {
            return Ok(());
        }
        let d = crate::ticks::pmu::TickDivergence {
            event: idx as u64,
            expected,
            found,
        };
        Err(Divergence::new(&self.events, idx, self.arch, d.to_string())
            .diff("ticks", expected.to_string(), found.to_string())
            .into())
    }

    /// Forget a pending interrupt request.
    pub fn interrupter_reset(&self) {
        self.interrupt_flag.store(false, Ordering::SeqCst);
    }

    /// Whether a software breakpoint is set at `addr`.
    pub fn has_breakpoint(&self, addr: u64) -> bool {
        self.breakpoints.contains_key(&addr) || self.hw.is_backing(addr)
    }

    /// Whether a hardware point like this one is set.
    pub fn has_hw_point(&self, addr: u64, len: u64, kind: PointKind) -> bool {
        self.hw.has(addr, len, kind)
    }

    /// Whether the last stop came with an event being replayed (a watched
    /// range written by a syscall): it is at that event's boundary.
    pub fn stopped_at_event(&self) -> bool {
        self.consumed
    }

    /// The addresses of hardware execution breakpoints.
    pub fn hw_exec_addrs(&self) -> Vec<u64> {
        self.hw.exec_addrs()
    }

    /// The software breakpoints set.
    pub fn breakpoint_addrs(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.breakpoints.keys().copied().collect();
        v.extend(
            self.hw
                .exec_addrs_all()
                .into_iter()
                .filter(|&a| self.hw.is_backing(a)),
        );
        v
    }

    /// Whether execution arriving at `addr` is a breakpoint hit (software
    /// or hardware).
    pub fn is_exec_trigger(&self, addr: u64) -> bool {
        self.breakpoints.contains_key(&addr) || self.hw.has_exec(addr) || self.hw.is_backing(addr)
    }

    /// With PTRACE_O_TRACEFORK a fork injected for a checkpoint leaves the
    /// child traced and stopped.
    fn enable_fork_tracing(&self) -> Result<()> {
        nix::sys::ptrace::setoptions(
            self.task.tid,
            nix::sys::ptrace::Options::PTRACE_O_TRACESYSGOOD
                | nix::sys::ptrace::Options::PTRACE_O_TRACEEXEC
                | nix::sys::ptrace::Options::PTRACE_O_EXITKILL
                | nix::sys::ptrace::Options::PTRACE_O_TRACEEXIT
                | nix::sys::ptrace::Options::PTRACE_O_TRACEFORK
                | nix::sys::ptrace::Options::PTRACE_O_TRACECLONE,
        )
        .map_err(|errno| {
            ReplayError::Task(TaskError::Ptrace {
                op: "SETOPTIONS",
                tid: self.task.tid.as_raw(),
                errno,
            })
        })
    }

    /// Run forward until something the debugger must see.
    pub fn run(&mut self, mode: RunMode) -> Result<StopReason> {
        if let Some(end) = &self.ended {
            return Ok(StopReason::End(end.clone()));
        }
        // An interrupt that raced with the previous stop is stale now.
        self.interrupt_flag.store(false, Ordering::SeqCst);
        self.consumed = false;
        let stop = self.run_inner(mode)?;
        self.check_end(&stop)?;
        self.note_stop(&stop);
        Ok(stop)
    }

    fn run_inner(&mut self, mode: RunMode) -> Result<StopReason> {
        // Leaving a breakpoint we sit on: step over it with the original
        // instruction in place.
        if let Some(stop) = self.step_over_breakpoint(mode)? {
            return Ok(stop);
        }
        loop {
            // Another process's task runs on, even while the debugger steps.
            let m = if self.current_in_focus() {
                mode
            } else {
                RunMode::Continue
            };
            match self.advance(m)? {
                // The task that stopped is the running one now.
                Some(stop) if self.current_in_focus() || !Self::is_task_stop(&stop) => {
                    if stop == StopReason::Interrupted {
                        self.show_focus()?;
                    }
                    return Ok(stop);
                }
                Some(_) | None => {}
            }
        }
    }

    /// Extend the position with how this stop was reached.
    fn note_stop(&mut self, stop: &StopReason) {
        let seg = match *stop {
            StopReason::Breakpoint(a) | StopReason::HwExec(a) => {
                Segment::Exec { addr: a, count: 1 }
            }
            StopReason::Watch { addr, len, kind } if !self.consumed => Segment::Watch {
                addr,
                len,
                kind,
                count: 1,
            },
            StopReason::Step if !self.consumed => Segment::Steps(1),
            _ => return,
        };
        position::push(&mut self.chain, seg);
    }

    /// The current position: the next event and how the current point is
    /// reached from the previous one.
    pub fn position(&self) -> Position {
        Position {
            event: self.next as u64,
            chain: self.chain.clone(),
        }
    }

    /// Declare the current position (after reaching it by other means).
    pub fn set_chain(&mut self, chain: Vec<Segment>) {
        self.chain = chain;
    }

    /// Run forward (with every breakpoint and watchpoint armed) until
    /// `event` events have been replayed; stops earlier at anything the
    /// debugger would see. Returns EventReached when there.
    pub fn run_to_event(&mut self, event: u64) -> Result<StopReason> {
        if self.next as u64 >= event {
            return Ok(StopReason::EventReached);
        }
        self.stop_at_event = Some(event as usize);
        let r = self.run(RunMode::Continue);
        self.stop_at_event = None;
        r
    }

    /// Ask runs to stop with [`StopReason::Exec`] when the followed process
    /// runs a new program (the debugger's own forward runs do; the
    /// engine's scans do not).
    pub fn set_report_exec(&mut self, on: bool) {
        self.report_exec = on;
    }

    /// Ask `run` to stop with EventReached at the first event boundary after
    /// `when` (None: never).
    pub fn set_checkpoint_due(&mut self, when: Option<std::time::Instant>) {
        self.checkpoint_due = when;
    }

    /// Whether the session is at a point where a checkpoint can be taken
    /// (not ended, no signal half-delivered).
    pub fn can_checkpoint(&self) -> bool {
        // A fork copies only the calling thread; the others of its process
        // are made again from their state (see snapshot.rs). Not with
        // other processes alive, nor with a branch counter per thread, nor
        // where a thread is half-way through a syscall entry or a signal
        // delivery the copy could not resume the same way.
        let pid = self.task.pid;
        let threads_ok = self.threads.is_empty()
            || (self.counter.is_none()
                && !self.at_entry
                && self.pending_signal.is_none()
                && self.threads.values().all(|p| {
                    p.task.pid == pid
                        && p.injecting.is_none()
                        && !(p.at_entry && p.pending_signal.is_some())
                }));
        // The running thread may sit at a syscall entry too when the others
        // are gone (a wait4 entered while the children ran): a fork injected
        // there would not come back to that entry.
        self.ended.is_none() && self.injecting.is_none() && !self.at_entry && threads_ok
    }

    /// The program's bytes at `addr` that a breakpoint instruction put
    /// there would replace.
    pub(super) fn saved_at(&self, task: &Task, addr: u64) -> Result<Saved> {
        Ok(Saved::new(
            &task.read_mem_exact(addr, self.arch.breakpoint_len())?,
        ))
    }

    /// The program's bytes under a breakpoint instruction we placed (user
    /// breakpoint or anchor).
    fn byte_under(&self, addr: u64) -> Option<Saved> {
        // The debugger's breakpoints are in the followed process only.
        self.breakpoints
            .get(&addr)
            .copied()
            .filter(|_| self.current_in_focus())
            .or(self.anchor.filter(|&(a, _)| a == addr).map(|(_, b)| b))
    }

    /// Step over the int3 at the current instruction, if there is one of
    /// ours: run the original instruction, then put the int3 back.
    /// One more arrival at the anchor's instruction `addr` that was not the
    /// anchor. Past `MAX_ANCHOR_VISITS` the search stops with a divergence
    /// that names the event: a replay never searches without end.
    fn count_anchor_visit(&mut self, addr: u64) -> Result<()> {
        let (event, visits) = &mut self.anchor_visits;
        if *event != self.next {
            *event = self.next;
            *visits = 0;
        }
        *visits += 1;
        let visits = *visits;
        if visits == ANCHOR_VISITS_NOTICE {
            eprintln!(
                "rewind: finding the recorded position of event {} (thread {}, at {addr:#x}) by \
                 stopping at every arrival there: this may take a while",
                self.next, self.current_tid
            );
        }
        if visits < max_anchor_visits() {
            return Ok(());
        }
        let what = format!(
            "the recorded position of this event (thread {}) was not reached: the thread \
             arrived at its instruction {addr:#x} {visits} times without the recorded registers \
             and stack (no induction variable predicted the arrival). Without a hardware \
             counter, rewind cannot find it in bounded time",
            self.current_tid
        );
        Err(Divergence::new(&self.events, self.next, self.arch, what).into())
    }

    /// A syscall instruction in the running thread's process.
    pub(super) fn syscall_insn(&self) -> Option<u64> {
        self.syscall_insns.get(&self.task.pid.as_raw()).copied()
    }

    /// The running thread's process has a syscall instruction at `addr`.
    pub(super) fn set_syscall_insn(&mut self, addr: u64) {
        self.syscall_insns.insert(self.task.pid.as_raw(), addr);
    }

    fn step_over_breakpoint(&mut self, mode: RunMode) -> Result<Option<StopReason>> {
        if self.triggers_suspended {
            // No int3 in memory and no debug register armed.
            return Ok(None);
        }
        let ip = self.task.regs()?.ip();
        // Debug registers taken off for one step (no resume flag).
        let mut hw_off = false;
        if self.hw.exec_at(ip) {
            // A debug-register breakpoint here: the resume flag lets this
            // instruction run once without trapping (as stepping over an
            // int3 does), whether the thread stopped on it or stepped onto it.
            // Without one (aarch64), the registers are off for one step.
            let mut r = self.task.regs()?;
            if !self.arch.has_resume_flag() {
                self.task
                    .set_hw_regs(&crate::arch::hwdebug::HwRegs::disabled(self.arch))?;
                hw_off = true;
            } else if r.set_resume_flag() {
                self.task.set_regs(&r)?;
            }
        }
        let orig = self.byte_under(ip);
        if orig.is_none() && !hw_off {
            return Ok(None);
        }
        if let Some(orig) = orig {
            self.task.write_mem(ip, orig.bytes())?;
        }
        let r = self.step_once();
        // Put the breakpoint back unless the step removed what it was for.
        if orig.is_some() && self.byte_under(ip).is_some() {
            self.task.write_mem(ip, self.arch.breakpoint_insn())?;
        }
        if hw_off && !self.triggers_suspended {
            self.hw
                .apply(&self.task)
                .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        }
        match r? {
            Some(stop) => Ok(Some(stop)),
            None if mode == RunMode::Step => Ok(Some(StopReason::Step)),
            None => Ok(None),
        }
    }

    /// At a watchpoint's trap on an architecture that stops before the
    /// access (aarch64): run the accessing instruction with the debug
    /// registers off, then put them back. Nothing on x86, which stops
    /// after it.
    fn step_past_watch(&mut self) -> Result<()> {
        if !self.arch.watch_stops_before() {
            return Ok(());
        }
        let ip = self.task.regs()?.ip();
        self.task
            .set_hw_regs(&crate::arch::hwdebug::HwRegs::disabled(self.arch))?;
        self.task.resume(Resume::Step, None)?;
        let stop = self.task.wait()?;
        self.hw
            .apply(&self.task)
            .map_err(|e| ReplayError::Unsupported(e.to_string()))?;
        match stop {
            Stop::Signal { sig, .. } if sig == libc::SIGTRAP => Ok(()),
            other => Err(ReplayError::Unsupported(format!(
                "stepping past the watched access at {ip:#x} stopped with {other:?} instead"
            ))),
        }
    }

    /// Put our own breakpoint at the anchor of the next event when it is an
    /// asynchronous signal that is not here yet.
    fn arm_anchor(&mut self) -> Result<()> {
        let want = match self.events.get(self.next) {
            Some(Event::Signal {
                synchronous: false,
                regs,
                ..
            })
            | Some(Event::Preempt { regs, .. }) => *regs,
            _ => return Ok(()),
        };
        let addr = want.ip();
        if self.anchor.map(|(a, _)| a) == Some(addr) {
            return Ok(());
        }
        self.disarm_anchor()?;
        let user = self
            .breakpoints
            .get(&addr)
            .copied()
            .filter(|_| self.current_in_focus());
        let orig = match user {
            Some(b) => b,
            None => {
                let b = self.saved_at(&self.task, addr)?;
                self.task.write_mem(addr, self.arch.breakpoint_insn())?;
                b
            }
        };
        self.anchor = Some((addr, orig));
        Ok(())
    }

    fn disarm_anchor(&mut self) -> Result<()> {
        if let Some((a, orig)) = self.anchor.take() {
            if !self.breakpoints.contains_key(&a) || !self.current_in_focus() {
                self.task.write_mem(a, orig.bytes())?;
            }
        }
        Ok(())
    }

    /// Whether the task is exactly at the anchor of the next event.
    pub(super) fn at_anchor(&self) -> Result<bool> {
        let (want, stack_crc, window) = match self.events.get(self.next) {
            Some(Event::Signal {
                synchronous: false,
                regs,
                stack_crc,
                stack,
                ..
            })
            | Some(Event::Preempt {
                regs,
                stack_crc,
                stack,
                ..
            }) => (regs, stack_crc, stack),
            _ => return Ok(false),
        };
        let now = self.task.regs()?;
        // A signal held back to the next syscall was delivered at its
        // syscall instruction with rcx and r11 as the syscall leaves them
        // (the recorder saw them only after); the syscall overwrites both.
        let insn = self.arch.syscall_insn();
        let at_syscall_insn = self.read_current(now.ip(), insn.len()) == insn;
        let differs = want
            .diff(&now)
            .into_iter()
            .any(|(n, _, _)| !(at_syscall_insn && self.arch.syscall_clobbers().contains(&&*n)));
        if differs {
            return Ok(false);
        }
        // The whole recorded window, not only its checksum (which covers
        // the innermost frames): see `trace::anchor_stack_matches`.
        let (at, len) = crate::trace::stack_window_range(now.sp());
        Ok(
            crate::trace::anchor_stack_matches(&self.read_current(at, len), *stack_crc, window)
                && ticks::ticks_agree(self.next_async_ticks(), self.ticks()),
        )
    }

    /// The running task's memory, with our breakpoint bytes hidden (the
    /// debugger's only in the process it follows).
    fn read_current(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut v = self.task.read_mem(addr, len);
        let end = addr + v.len() as u64;
        if self.current_in_focus() {
            for (&a, orig) in self.breakpoints.range(breakpoint::overlap_start(addr)..end) {
                orig.hide_in(a, &mut v, addr);
            }
        }
        if let Some((a, orig)) = self.anchor {
            orig.hide_in(a, &mut v, addr);
        }
        v
    }

    /// One instruction (or one syscall) forward. None when it completed
    /// without anything to report.
    fn step_once(&mut self) -> Result<Option<StopReason>> {
        self.advance(RunMode::Step).map(|s| match s {
            Some(StopReason::Step) => None,
            other => other,
        })
    }

    /// Resume once and handle the resulting stop; notes event boundaries.
    fn advance(&mut self, mode: RunMode) -> Result<Option<StopReason>> {
        let before = self.next;
        let r = self.advance_inner(mode)?;
        self.consumed = self.next != before;
        if self.next > before {
            self.check_syscall_buffers(before, self.next)?;
        }
        if self.next != before {
            self.chain.clear();
            if let Some(stop @ StopReason::End(_)) = r {
                return Ok(Some(stop));
            }
            let reached = self.stop_at_event.is_some_and(|e| self.next >= e);
            let due = self
                .checkpoint_due
                .is_some_and(|t| std::time::Instant::now() >= t && self.can_checkpoint());
            // A stop at the event itself (a watched range written by the
            // syscall) is reported first; the next run returns at once.
            if (reached || due) && r.is_none() {
                return Ok(Some(StopReason::EventReached));
            }
        }
        Ok(r)
    }

    fn advance_inner(&mut self, mode: RunMode) -> Result<Option<StopReason>> {
        if let Some(Event::KernelWrite { tid, writes }) = self.events.get(self.next) {
            // Memory the kernel changed while that thread waited: put in
            // place at the same point of the others' execution.
            if let Some(task) = self.task_of(*tid) {
                for w in writes {
                    task.write_mem(w.addr, &w.data)?;
                }
            }
            self.next += 1;
            return Ok(None);
        }
        if let Some(Event::Written { .. }) = self.events.get(self.next) {
            self.replay_written()?;
            return Ok(None);
        }
        if let Some(Event::SyscallBuf { .. }) = self.events.get(self.next) {
            self.fill_syscall_buffer()?;
            return Ok(None);
        }
        if let Some(Event::Spawned { .. }) = self.events.get(self.next) {
            // Read with the clone's `Syscall` event, just before.
            self.next += 1;
            return Ok(None);
        }
        if let Some(Event::Traced { .. }) = self.events.get(self.next) {
            return self.replay_traced();
        }
        self.switch_for_next()?;
        if self.process_exit_next() {
            return self.end_process_event();
        }
        if mode == RunMode::Continue {
            // With a branch counter, the recorded count leads there;
            // without, an induction variable may.
            if self.next_async_ticks().is_some() && self.ticks().is_some() {
                if let Some(stop) = self.seek_by_ticks()? {
                    return Ok(Some(stop));
                }
            } else {
                self.seek_anchor_fast()?;
            }
        }
        if let Some(stop) = self.deliver_async_signal_here()? {
            return Ok(Some(stop));
        }
        if self.next >= self.events.len() {
            return Ok(Some(self.end_of_events()));
        }
        if self.at_entry && matches!(self.events.get(self.next), Some(Event::SyscallEntry { .. })) {
            // Parked at this entry already (a syscall-entry stop of an
            // emulated tracee), then the syscall was left blocking: its
            // output, if any, went out here.
            let idx = self.next;
            let regs = self.task.regs()?;
            self.echo_at_entry(idx, &regs);
            self.next += 1;
            return Ok(None);
        }
        if self.at_entry {
            // Parked at this syscall's entry while other threads ran.
            self.at_entry = false;
            if let Some(end) = self.replay_syscall()? {
                return Ok(Some(end));
            }
            return Ok((mode == RunMode::Step).then_some(StopReason::Step));
        }
        if let Some(Event::Preempt { .. }) = self.events.get(self.next) {
            if self.at_anchor()? {
                // Switched out here when recorded.
                self.disarm_anchor()?;
                self.next += 1;
                return Ok(None);
            }
        }
        self.arm_anchor()?;
        let how = match mode {
            RunMode::Continue => Resume::Sysemu,
            RunMode::Step => Resume::SysemuStep,
        };
        self.task.resume(how, self.pending_signal.take())?;
        let stop = self.task.wait()?;
        self.at_signal_stop = matches!(stop, Stop::Signal { .. });
        match stop {
            Stop::SyscallEntry
                if matches!(self.events.get(self.next), Some(Event::SyscallEntry { .. })) =>
            {
                self.park_at_entry()?;
                Ok((mode == RunMode::Step).then_some(StopReason::Step))
            }
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
            Stop::Exited(c) => self.ended_for_real(ExitKind::Exited(c)).map(Some),
            Stop::Killed(s) => self.ended_for_real(ExitKind::Killed(s)).map(Some),
        }
    }

    /// How the program ended, for a trace whose last exit is `last`: the
    /// first process's exit (its children may outlive it).
    pub(super) fn program_exit(&self, last: ExitKind) -> ExitKind {
        self.processes.root_exit().unwrap_or(last)
    }

    fn finish(&mut self, end: EndKind) -> StopReason {
        self.ended = Some(end.clone());
        StopReason::End(end)
    }

    fn end_of_events(&mut self) -> StopReason {
        let end = match (&self.trace_end, self.events.last()) {
            (
                TraceEnd::Truncated { .. } | TraceEnd::Cut { .. } | TraceEnd::Unfinished { .. },
                _,
            ) => EndKind::Truncated(self.trace_end.describe()),
            (_, Some(Event::Exit { kind, .. })) => EndKind::Exited(self.program_exit(*kind)),
            _ => EndKind::Truncated(self.no_exit_recorded()),
        };
        self.finish(end)
    }

    /// Why the trace ends with no recorded end of the program.
    pub(super) fn no_exit_recorded(&self) -> String {
        match self.trace_end {
            TraceEnd::Complete => format!(
                "the trace ended early after event {}: it has no exit of the program, so the \
                 recording was cut short (rewind itself was killed?); replay stops there",
                self.events.len().saturating_sub(1)
            ),
            _ => self.trace_end.describe(),
        }
    }

    fn on_signal(&mut self, mode: RunMode, sig: i32, info: Vec<u8>) -> Result<Option<StopReason>> {
        if self.counting && sig == crate::ticks::hits::COUNT_SIGNAL {
            // Ours, not the program's: it is not delivered.
            return Ok(Some(StopReason::CountReached));
        }
        if let Some((want, info)) = self.injecting.take() {
            if want == sig {
                // The delivery stop of a recorded signal we queued: give it
                // its recorded siginfo and let it through.
                self.task.set_siginfo(&info)?;
                self.pending_signal = Some(sig);
                return Ok(None);
            }
            self.injecting = Some((want, info));
        }
        if sig == libc::SIGCHLD && crate::tracee::siginfo_code(&info) > 0 {
            // The kernel's, for a replayed child we ended (a child that ran
            // a new program has SIGCHLD as its exit signal again): the
            // program's own SIGCHLDs come from the trace.
            return Ok(None);
        }
        if sig == libc::SIGSTOP {
            if self.interrupt_flag.swap(false, Ordering::SeqCst) {
                return Ok(Some(StopReason::Interrupted));
            }
            return Ok(None);
        }
        if sig == libc::SIGTRAP {
            let code = crate::tracee::siginfo_code(&info);
            let regs = self.task.regs()?;
            // x86's int3 reports SI_KERNEL with ip past it; aarch64's brk
            // TRAP_BRKPT with pc at it.
            let bp = self.arch.breakpoint_from_trap(regs.ip());
            if code == self.arch.breakpoint_trap_code() && self.byte_under(bp).is_some() {
                if bp != regs.ip() {
                    let mut r = regs;
                    r.set_ip(bp);
                    self.task.set_regs(&r)?;
                }
                if self.anchor.map(|(a, _)| a) == Some(bp) && self.at_anchor()? {
                    self.disarm_anchor()?;
                    return self.deliver_async_signal_here();
                }
                if self.breakpoints.contains_key(&bp) && self.current_in_focus() {
                    return Ok(Some(StopReason::Breakpoint(bp)));
                }
                // Our anchor, but not yet the right visit: go on past it.
                if self.anchor.map(|(a, _)| a) == Some(bp) {
                    self.count_anchor_visit(bp)?;
                }
                return self.step_over_breakpoint(mode);
            }
            // Hardware breakpoint or watchpoint (x86: DR6 bits 0-3;
            // aarch64: the trap's address).
            let trigger = if self.hw.is_empty() {
                None
            } else {
                self.task.hw_trigger(&info)?
            };
            if let Some(idx) = trigger.and_then(|t| self.hw.slot_of(t, regs.ip())) {
                if self.hw.is_data_slot(idx) {
                    // aarch64 stops before the access: past it first, so
                    // that the value is the new one and the stop is after
                    // the write, as on x86.
                    self.step_past_watch()?;
                }
                log::trace!(
                    "debug register {idx} fired in {} at {:#x}",
                    self.current_tid,
                    self.task.regs()?.ip()
                );
                let task = &self.task;
                let read = |a: u64, l: usize| task.read_mem(a, l);
                match self.hw.hit(&read, idx) {
                    hw::Hit::Exec(a) if self.hw.is_backing(a) => {
                        return Ok(Some(StopReason::Breakpoint(a)))
                    }
                    hw::Hit::Exec(a) => return Ok(Some(StopReason::HwExec(a))),
                    hw::Hit::Watch { kind, addr, len } => {
                        return Ok(Some(StopReason::Watch { addr, len, kind }))
                    }
                    hw::Hit::Filtered | hw::Hit::Unknown if mode == RunMode::Step => {
                        return Ok(Some(StopReason::Step))
                    }
                    hw::Hit::Filtered | hw::Hit::Unknown => return Ok(None),
                }
            }
            if mode == RunMode::Step {
                return Ok(Some(StopReason::Step));
            }
            // Not one of ours, and not the program's own trap (its
            // recorded signal would be next): a hardware breakpoint hit
            // whose status was lost.
            let own = matches!(
                self.events.get(self.next),
                Some(Event::Signal { signo, .. }) if *signo == libc::SIGTRAP
            );
            if code == TRAP_BRKPT && !own {
                return Err(ReplayError::LostTrap { ip: regs.ip() });
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
            Some(Event::Signal { signo, siginfo, .. }) if *signo == sig => {
                let siginfo = siginfo.clone();
                self.next += 1;
                if self.fatal_next() {
                    // Do not let the process die: the user can still look.
                    self.note_fatal_signal(sig);
                    return Ok(Some(StopReason::Signal(sig)));
                }
                self.task.set_siginfo(&siginfo)?;
                self.pending_signal = Some(sig);
                self.pending_info = siginfo;
                Ok(Some(StopReason::Signal(sig)))
            }
            other => {
                let expected = other
                    .map(|e| e.summary(self.arch))
                    .unwrap_or_else(|| "the end of the trace".into());
                let ip = self.task.regs().map(|r| r.ip()).unwrap_or(0);
                Err(
                    Divergence::new(&self.events, idx, self.arch, "an unexpected signal")
                        .diff(
                            "event",
                            expected,
                            format!(
                                "signal {} (code {}) at {ip:#x}",
                                crate::trace::signal_name(sig),
                                crate::tracee::siginfo_code(&info)
                            ),
                        )
                        .into(),
                )
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
                self.check_exit_event(self.next)?;
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
        if matches!(self.injecting, Some((s, _)) if s == signo) {
            // Queued already, by a replayed sigsuspend that waited for it.
            self.next += 1;
            return Ok(Some(StopReason::Signal(signo)));
        }
        if !self.at_anchor()? {
            // Not there yet: run on to the anchor.
            return Ok(None);
        }
        // The same registers go into the signal frame as when recorded.
        self.task.set_regs(&want)?;
        self.disarm_anchor()?;
        self.next += 1;
        if self.fatal_next() {
            self.note_fatal_signal(signo);
            return Ok(Some(StopReason::Signal(signo)));
        }
        self.inject_signal(signo, siginfo)?;
        Ok(Some(StopReason::Signal(signo)))
    }

    /// Deliver a recorded signal when the task next resumes: directly at a
    /// signal-delivery stop, else queued first and given its siginfo at its
    /// delivery stop.
    fn inject_signal(&mut self, sig: i32, siginfo: Vec<u8>) -> Result<()> {
        self.pending_info = siginfo.clone();
        if self.at_signal_stop {
            self.task.set_siginfo(&siginfo)?;
        } else {
            self.injecting = Some((sig, siginfo));
        }
        self.pending_signal = Some(sig);
        Ok(())
    }

    fn replay_time_counter(&mut self) -> Result<bool> {
        let regs = self.task.regs()?;
        let code = self
            .task
            .read_mem(regs.ip(), self.arch.trapped_insn_max_len());
        if !self.arch.is_trapped_insn(&code) {
            return Ok(false);
        }
        let idx = self.next;
        match self.events.get(idx) {
            Some(Event::TimeCounter {
                regs: want, after, ..
            }) => {
                let diffs = want.diff(&regs);
                if !diffs.is_empty() {
                    return Err(self.regs_divergence(
                        idx,
                        "registers at a time-counter read",
                        diffs,
                    ));
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
                Err(Divergence::new(
                    &self.events,
                    idx,
                    self.arch,
                    "an unexpected time-counter read",
                )
                .diff(
                    "event",
                    expected,
                    format!("time counter read at {:#x}", regs.ip()),
                )
                .into())
            }
        }
    }

    fn regs_divergence(
        &self,
        idx: usize,
        what: &str,
        diffs: Vec<(String, u64, u64)>,
    ) -> ReplayError {
        let mut d = Divergence::new(&self.events, idx, self.arch, what);
        if let Some(made) = self.made_here(idx) {
            d = d.replayed(made);
        }
        for (n, e, f) in diffs {
            d = d.diff(n, format!("{e:#x}"), format!("{f:#x}"));
        }
        d.into()
    }

    /// The recorded process id of the running thread.
    fn current_pid(&self) -> i32 {
        self.pid_of(self.current_tid)
    }
}

impl Drop for ReplaySession {
    fn drop(&mut self) {
        self.kill_process();
    }
}

/// Spawn the program for replay and put it in its recorded initial state.
fn start(reader: &TraceReader, events: &[Event], machine: identity::Machine) -> Result<Task> {
    let h = reader.header();
    let Some(Event::Exec {
        regs,
        stack,
        maps: rec_maps,
        ..
    }) = events.first()
    else {
        return Err(ReplayError::Empty);
    };
    if let Some(interp) = &h.interp {
        check_interp(reader, interp)?;
    }
    let exe = reader.saved_file(&h.exe.saved);
    let task = spawn(&SpawnSpec {
        path: &exe.to_string_lossy(),
        argv: &h.argv,
        env: &h.env,
        cwd: None,
        cpu: machine.cpu,
        own_pgrp: true,
        signals: Some(
            crate::trace::InitialSignals::read(reader.dir())
                .map_err(ReplayError::Unsupported)?
                .unwrap_or_default(),
        ),
        filter: None,
    })?;
    if machine.trap_cpuid {
        crate::tracee::cpu::make_cpuid_fault(&task, h.arch, true)?;
    }
    check_initial_maps(&task, h.arch, events, 0, rec_maps)?;
    put_initial_stack(&task, stack)?;
    task.set_regs(regs)?;
    Ok(task)
}

/// Put a new program's recorded initial stack in place. The replay's
/// kernel laid out its own (the saved copy's longer path makes it larger),
/// which may reach below the recorded stack pointer, where the recorded
/// program found never-used, zeroed stack: that is cleared, so that
/// anchors on the stack (a switch in the loader's first frames) match.
fn put_initial_stack(task: &Task, stack: &crate::trace::MemWrite) -> Result<()> {
    let here = task.regs()?.sp();
    if here < stack.addr && stack.addr - here <= 1 << 20 {
        task.write_mem(here, &vec![0u8; (stack.addr - here) as usize])?;
    }
    task.write_mem(stack.addr, &stack.data)?;
    Ok(())
}

/// A new program's address space, as the kernel laid it out, against the
/// recorded one (event `idx`): the same mappings at the same addresses.
fn check_initial_maps(
    task: &Task,
    arch: Arch,
    events: &[Event],
    idx: usize,
    rec_maps: &[crate::trace::Mapping],
) -> Result<()> {
    let now = maps::read(task.pid.as_raw()).unwrap_or_default();
    // The stack's extent depends on the environment's size; the vDSO is
    // hidden from the program and its size varies between kernels.
    let checked = |m: &&crate::trace::Mapping| {
        !matches!(
            m.name.as_str(),
            "[stack]" | "[vdso]" | "[vvar]" | "[vvar_vclock]"
        )
    };
    for m in rec_maps.iter().filter(checked) {
        if !now.iter().any(|n| n.start == m.start && n.end == m.end) {
            return Err(
                Divergence::new(events, idx, arch, "the initial address space")
                    .diff(
                        format!("mapping of {}", m.name),
                        format!("{:#x}-{:#x}", m.start, m.end),
                        "nothing at that address".to_string(),
                    )
                    .into(),
            );
        }
    }
    Ok(())
}

/// The dynamic loader comes from the system at replay; it must be the one
/// the recording used.
pub(super) fn check_interp(reader: &TraceReader, interp: &crate::trace::SavedFile) -> Result<()> {
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
