//! The gdbstub target over a replay timeline: registers and memory (read
//! only), forward and reverse execution, breakpoints and watchpoints,
//! restarting, and the extras gdb asks for (auxv, executable). The reverse
//! commands themselves are in [`super::reverse`].

use std::collections::BTreeSet;
use std::num::NonZeroUsize;

use gdbstub::common::{Pid, Signal, Tid};
use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::reverse_exec::{ReplayLogPosition, ReverseContOps, ReverseStepOps};
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps, WatchKind,
};
use gdbstub::target::ext::extended_mode::{
    Args, AttachKind, CurrentActivePid, CurrentActivePidOps, ExtendedMode, ExtendedModeOps,
    ShouldTerminate,
};
use gdbstub::target::{Target, TargetError, TargetResult};

use super::arch::{X86_64RegId, X86_64};
use super::monitor::Monitor;
use super::regs::{table, X86_64Registers};
use super::signals::Numbering;
use crate::arch::regs::Regs;
use crate::replay::{EndKind, Interrupter, PointKind, ReplaySession, RunMode, StopReason};
use crate::timeline::Timeline;
use crate::trace::ExitKind;

/// The message for refused writes.
pub const READ_ONLY_MEMORY: &str = "rewind replays a recording; memory cannot be changed";
pub const READ_ONLY_REGISTERS: &str = "rewind replays a recording; registers cannot be changed";

/// A fatal target error: the debugging session cannot go on.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Fatal(pub String);

/// errno values sent back in `E` replies.
const EPERM: u8 = 1;
const EFAULT: u8 = 14;
const EINVAL: u8 = 22;
const ENOSPC: u8 = 28;

/// Which way the next run goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Reverse,
}

/// A run the debugger asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Motion {
    pub direction: Direction,
    pub mode: RunMode,
}

/// What a run ended with, for the debugger.
pub struct Outcome {
    pub stop: MultiThreadStopReason<u64>,
    /// Text for the debugger's console, shown before the stop.
    pub note: Option<String>,
}

/// The replay, as the debugger sees it.
pub struct ReplayTarget {
    timeline: Timeline,
    /// The software breakpoints the debugger inserted.
    sw: BTreeSet<u64>,
    /// The hardware breakpoints and watchpoints the debugger inserted.
    hw: Vec<(u64, u64, PointKind)>,
    /// How the next run goes (set by the debugger's resume actions).
    pending: Option<Motion>,
    numbering: Numbering,
    /// The Linux signal of the last stop (for `?`).
    last_signal: i32,
    /// The replay failed (a divergence...); it cannot run on.
    failed: Option<String>,
    /// The debugger killed the program; it is gone until a restart.
    killed: bool,
    /// The end of the trace was announced already.
    end_announced: bool,
    /// The program the followed process now runs, when the last stop was
    /// its exec (the stop reply names it).
    exec_program: Option<std::path::PathBuf>,
    /// Whether the debugger shows `O` console packets while it waits for a
    /// stop (gdb does; lldb's raw `process plugin packet send` would take
    /// one for the reply).
    console_notes: bool,
    monitor: Monitor,
    /// The last run went backwards and failed: why (see
    /// [`Self::failed_run`]).
    failed_reverse: Option<String>,
    /// The files the debugger opened (see [`super::files`]).
    pub(super) open_files: super::files::OpenFiles,
}

impl ReplayTarget {
    pub fn new(timeline: Timeline) -> ReplayTarget {
        ReplayTarget {
            timeline,
            sw: BTreeSet::new(),
            hw: Vec::new(),
            pending: None,
            numbering: Numbering::Gdb,
            last_signal: libc::SIGTRAP,
            failed: None,
            killed: false,
            end_announced: false,
            exec_program: None,
            console_notes: true,
            monitor: Monitor::default(),
            failed_reverse: None,
            open_files: Default::default(),
        }
    }

    pub fn session(&self) -> &ReplaySession {
        self.timeline.session()
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub fn interrupter(&self) -> Interrupter {
        self.timeline.interrupter()
    }

    /// The debugger is lldb: Linux signal numbers, no console packets.
    pub fn set_lldb(&mut self) {
        self.numbering = Numbering::Linux;
        self.console_notes = false;
        self.monitor.set_lldb();
    }

    pub fn is_lldb(&self) -> bool {
        !self.console_notes
    }

    /// Drop a note the debugger would not show properly.
    pub fn for_console(&self, note: Option<String>) -> Option<String> {
        note.filter(|_| self.console_notes)
    }

    pub fn numbering(&self) -> Numbering {
        self.numbering
    }

    pub fn pid(&self) -> Pid {
        to_id(self.session().recorded_pid())
    }

    /// The live threads' ids; empty once the debugger killed the program.
    pub fn threads(&self) -> Vec<Tid> {
        if self.killed {
            return Vec::new();
        }
        self.session().threads().into_iter().map(to_id).collect()
    }

    /// The thread that stopped (the one stop replies name).
    pub fn current_tid(&self) -> Tid {
        to_id(self.session().current_tid())
    }

    /// The last stop's signal, numbered for the debugger (for `?`).
    pub fn last_stop_signal(&self) -> Signal {
        self.numbering.signal(self.last_signal)
    }

    pub fn is_killed(&self) -> bool {
        self.killed
    }

    /// The name of the program's threads (its command name, as the kernel
    /// shows it: at most 15 bytes).
    pub fn thread_name(&self) -> String {
        let argv0 = self
            .session()
            .header()
            .argv
            .first()
            .cloned()
            .unwrap_or_default();
        let base = argv0.rsplit('/').next().unwrap_or("").to_string();
        let mut name = String::new();
        for c in base.chars() {
            if name.len() + c.len_utf8() > 15 {
                break;
            }
            name.push(c);
        }
        name
    }

    /// A stop for `sig` in thread `tid`.
    fn signal_stop(&mut self, sig: i32) -> MultiThreadStopReason<u64> {
        self.last_signal = sig;
        MultiThreadStopReason::SignalWithThread {
            tid: self.current_tid(),
            signal: self.numbering.signal(sig),
        }
    }

    /// The stop to report when a run was interrupted before it started.
    pub fn interrupted(&mut self) -> Outcome {
        self.pending = None;
        Outcome {
            stop: self.signal_stop(libc::SIGINT),
            note: None,
        }
    }

    /// The new program of the followed process, when the stop being
    /// reported is its exec (cleared).
    pub fn take_exec(&mut self) -> Option<std::path::PathBuf> {
        self.exec_program.take()
    }

    /// Why the last run, a reverse one, failed (cleared).
    pub fn take_failed_reverse(&mut self) -> Option<String> {
        self.failed_reverse.take()
    }

    /// Note how the next run goes (from the debugger's resume actions).
    pub fn set_pending(&mut self, direction: Direction, mode: RunMode) {
        self.pending = Some(Motion { direction, mode });
    }

    /// Run as the debugger asked (continue or step, forward or reverse)
    /// until something it must see. Never fails: a replay error is printed
    /// on rewind's stderr, shown in the debugger, and reported as a stop
    /// (see [`Self::failed_run`]).
    pub fn run_pending(&mut self) -> Outcome {
        self.failed_reverse = None;
        let motion = self.pending.take().unwrap_or(Motion {
            direction: Direction::Forward,
            mode: RunMode::Continue,
        });
        if self.killed {
            return Outcome {
                stop: self.signal_stop(libc::SIGKILL),
                note: Some("rewind: the program was killed; use 'run' to start again\n".into()),
            };
        }
        if self.failed.is_some() && motion.direction == Direction::Forward {
            let note = "rewind: the replay cannot go forward from here (see the error above); \
                        go back (reverse-continue, 'monitor goto', 'monitor restart') or use \
                        'run' to start again\n"
                .to_string();
            return Outcome {
                stop: self.signal_stop(libc::SIGKILL),
                note: Some(note),
            };
        }
        // Where a failed reverse run comes back to.
        let start = (motion.direction == Direction::Reverse).then(|| self.timeline.position());
        loop {
            let r = match motion.direction {
                Direction::Forward => self.timeline.run(motion.mode),
                Direction::Reverse => self.timeline.reverse(motion.mode),
            };
            let stop = match r {
                Ok(s) => s,
                Err(e) => {
                    let msg = e.to_string();
                    if let Some(start) = &start {
                        if self.timeline.position() != *start {
                            if let Err(e) = self.timeline.reach(start) {
                                log::warn!(
                                    "cannot return to {start} after a failed reverse run: {e}"
                                );
                            }
                        }
                    }
                    return self.failed_run(motion, &msg);
                }
            };
            if motion.direction == Direction::Reverse {
                // Wherever a reverse run stops, the replay can go forward.
                self.failed = None;
                self.end_announced = false;
            }
            if let Some(out) = self.report(stop) {
                return out;
            }
        }
    }

    /// A run that failed. Forward, the replay cannot go on past the error
    /// (a divergence...): the program is shown as killed there, as at the
    /// end of the trace. Backward, the target could not be reached (a
    /// checkpoint process gone...): the replay went back to where the run
    /// started when it could, the program stops there with no signal
    /// ("stopped"), and the session goes on.
    fn failed_run(&mut self, motion: Motion, msg: &str) -> Outcome {
        let note = Some(format!("rewind: {msg}\n"));
        match motion.direction {
            Direction::Forward => {
                eprintln!("rewind: {msg}");
                self.failed = Some(msg.to_string());
                Outcome {
                    stop: self.signal_stop(libc::SIGKILL),
                    note,
                }
            }
            Direction::Reverse => {
                // Printed by the caller unless it was an interrupt.
                self.failed_reverse = Some(msg.to_string());
                self.last_signal = 0;
                Outcome {
                    stop: MultiThreadStopReason::SignalWithThread {
                        tid: self.current_tid(),
                        signal: Signal(0),
                    },
                    note,
                }
            }
        }
    }

    /// The debugger's view of a replay stop; None to keep running.
    fn report(&mut self, stop: StopReason) -> Option<Outcome> {
        if log::log_enabled!(log::Level::Debug) {
            let pc = self.session().regs().map(|r| r.ip()).unwrap_or(0);
            log::debug!(
                "replay stop {stop:?} at pc {pc:#x}, event {}",
                self.timeline.when()
            );
        }
        let tid = self.current_tid();
        let stop = match stop {
            StopReason::Step => self.signal_stop(libc::SIGTRAP),
            StopReason::Breakpoint(_) => {
                self.last_signal = libc::SIGTRAP;
                MultiThreadStopReason::SwBreak(tid)
            }
            StopReason::HwExec(_) => {
                self.last_signal = libc::SIGTRAP;
                MultiThreadStopReason::HwBreak(tid)
            }
            StopReason::Watch { addr, kind, .. } => {
                self.last_signal = libc::SIGTRAP;
                let kind = match kind {
                    PointKind::Read => WatchKind::Read,
                    PointKind::Access => WatchKind::ReadWrite,
                    PointKind::Write | PointKind::Exec => WatchKind::Write,
                };
                MultiThreadStopReason::Watch { tid, kind, addr }
            }
            StopReason::HistoryStart => {
                self.last_signal = libc::SIGTRAP;
                MultiThreadStopReason::ReplayLog {
                    tid: Some(tid),
                    pos: ReplayLogPosition::Begin,
                }
            }
            // The engine's own bookkeeping stop: not for the debugger.
            StopReason::EventReached | StopReason::CountReached => return None,
            StopReason::Signal(sig) => self.signal_stop(sig),
            StopReason::Exec(program) => {
                // A SIGTRAP stop whose reply names the new program (see
                // the server): the debugger loads its symbols.
                self.exec_program = Some(program);
                self.signal_stop(libc::SIGTRAP)
            }
            StopReason::Interrupted => self.signal_stop(libc::SIGINT),
            StopReason::End(kind) => {
                // The program stays inspectable and can go back: the end
                // of the recording is the end of the replay log (gdb says
                // "No more reverse-execution history."), at the last
                // instruction, never an exit. A run from there stops
                // there again.
                let note = if self.end_announced {
                    end_again_note(&kind)
                } else {
                    end_note(&kind)
                };
                self.end_announced = true;
                self.last_signal = libc::SIGTRAP;
                return Some(Outcome {
                    stop: MultiThreadStopReason::ReplayLog {
                        tid: Some(tid),
                        pos: ReplayLogPosition::End,
                    },
                    note: Some(note),
                });
            }
        };
        Some(Outcome { stop, note: None })
    }

    /// Start the replay again from the beginning (gdb's `run`).
    fn restart_replay(&mut self) -> Result<(), String> {
        self.timeline.restart().map_err(|e| e.to_string())?;
        // The debugger inserts its breakpoints again.
        for addr in std::mem::take(&mut self.sw) {
            let _ = self.timeline.remove_breakpoint(addr);
        }
        for (addr, len, kind) in std::mem::take(&mut self.hw) {
            let _ = self.timeline.remove_hw_point(addr, len, kind);
        }
        self.reset_stop_state();
        self.killed = false;
        Ok(())
    }

    /// After the replay moved without a run (restart, goto).
    fn reset_stop_state(&mut self) {
        self.pending = None;
        self.last_signal = libc::SIGTRAP;
        self.failed = None;
        self.end_announced = false;
    }

    /// Run a `monitor` command line; the text to show.
    pub fn monitor(&mut self, line: &str) -> String {
        let moves = super::monitor::parse(line).is_ok_and(|c| c.moves());
        if moves && self.killed {
            return super::monitor::error_line(&super::monitor::MonitorError::NotRunning);
        }
        let before = self.timeline.position();
        let text = self.monitor.run(&mut self.timeline, line);
        if self.timeline.position() != before {
            self.reset_stop_state();
        }
        text
    }

    fn gp_regs(&self, tid: Tid) -> TargetResult<crate::arch::x86_64::regs::Regs, Self> {
        if self.killed {
            return Err(TargetError::Errno(EPERM));
        }
        match self.session().thread_regs(tid.get() as i32) {
            Ok(Regs::X86_64(r)) => Ok(r),
            Ok(_) => Err(TargetError::NonFatal),
            Err(e) => {
                log::warn!("reading registers: {e}");
                Err(TargetError::NonFatal)
            }
        }
    }

    fn all_regs(&self, tid: Tid) -> TargetResult<X86_64Registers, Self> {
        let gp = self.gp_regs(tid)?;
        let xstate = match self.session().thread_xstate(tid.get() as i32) {
            Ok(x) => Some(x),
            Err(e) => {
                log::warn!("reading the floating-point registers: {e}");
                None
            }
        };
        Ok(X86_64Registers::from_parts(gp, xstate.as_deref()))
    }

    /// Insert a hardware breakpoint or watchpoint.
    fn add_hw(&mut self, addr: u64, len: u64, kind: PointKind) -> TargetResult<bool, Self> {
        match self.timeline.add_hw_point(addr, len, kind) {
            Ok(true) => {
                self.hw.push((addr, len, kind));
                Ok(true)
            }
            Ok(false) => {
                log::info!("{kind:?} point at {addr:#x} refused: no free debug register");
                Err(TargetError::Errno(ENOSPC))
            }
            Err(e) => {
                eprintln!("rewind: {e}");
                Err(TargetError::Errno(EINVAL))
            }
        }
    }

    fn remove_hw(&mut self, addr: u64, len: u64, kind: PointKind) -> TargetResult<bool, Self> {
        if let Some(i) = self.hw.iter().position(|&p| p == (addr, len, kind)) {
            self.hw.remove(i);
        }
        match self.timeline.remove_hw_point(addr, len, kind) {
            Ok(found) => Ok(found),
            Err(e) => {
                log::info!("removing the {kind:?} point at {addr:#x}: {e}");
                Err(TargetError::Errno(EFAULT))
            }
        }
    }
}

fn point_kind(kind: WatchKind) -> PointKind {
    match kind {
        WatchKind::Write => PointKind::Write,
        WatchKind::Read => PointKind::Read,
        WatchKind::ReadWrite => PointKind::Access,
    }
}

/// A register write accepted without effect: gdb sets orig_rax to -1
/// whenever it sets the PC (even to the same value, as `run` does), so that
/// the kernel does not restart an interrupted syscall. In a replay no
/// syscall is restarted behind the recording's back, so it changes nothing.
fn harmless_write(name: &str, val: &[u8]) -> bool {
    name == "orig_rax" && val.iter().all(|&b| b == 0xff)
}

fn end_note(kind: &EndKind) -> String {
    match kind {
        EndKind::Exited(how) => {
            let was = if matches!(how, ExitKind::Killed(_)) {
                "was "
            } else {
                ""
            };
            format!(
                "rewind: the replay reached the end of the recording: the program {was}{how}.\n\
                 It stays stopped at its last instruction: inspect it, or go back with \
                 reverse commands.\n"
            )
        }
        EndKind::Truncated(why) => format!(
            "rewind: the replay reached the end of the recording: {why}.\n\
             The program stays stopped here so that you can inspect it.\n"
        ),
    }
}

/// A run from the end of the recording: it stays there.
fn end_again_note(kind: &EndKind) -> String {
    let what = match kind {
        EndKind::Exited(how) => format!(
            "the program {}{how}",
            if matches!(how, ExitKind::Killed(_)) {
                "was "
            } else {
                ""
            }
        ),
        EndKind::Truncated(_) => "the trace was cut short".to_string(),
    };
    format!(
        "rewind: this is the end of the recording ({what}); go back with reverse commands, \
         or use 'run' to start again.\n"
    )
}

/// A process or thread id as the protocol's non-zero id.
fn to_id(id: i32) -> NonZeroUsize {
    NonZeroUsize::new(usize::try_from(id).unwrap_or(1)).unwrap_or(NonZeroUsize::MIN)
}

impl Target for ReplayTarget {
    type Arch = X86_64;
    type Error = Fatal;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn use_fork_stop_reason(&self) -> bool {
        false
    }

    fn use_vfork_stop_reason(&self) -> bool {
        false
    }

    fn use_vforkdone_stop_reason(&self) -> bool {
        false
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_extended_mode(&mut self) -> Option<ExtendedModeOps<'_, Self>> {
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<gdbstub::target::ext::auxv::AuxvOps<'_, Self>> {
        Some(self)
    }

    fn support_exec_file(
        &mut self,
    ) -> Option<gdbstub::target::ext::exec_file::ExecFileOps<'_, Self>> {
        Some(self)
    }

    fn support_host_io(&mut self) -> Option<gdbstub::target::ext::host_io::HostIoOps<'_, Self>> {
        Some(self)
    }

    fn support_libraries_svr4(
        &mut self,
    ) -> Option<gdbstub::target::ext::libraries::LibrariesSvr4Ops<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for ReplayTarget {
    fn read_registers(&mut self, regs: &mut X86_64Registers, tid: Tid) -> TargetResult<(), Self> {
        *regs = self.all_regs(tid)?;
        Ok(())
    }

    fn write_registers(&mut self, regs: &X86_64Registers, tid: Tid) -> TargetResult<(), Self> {
        let now = self.all_regs(tid)?;
        let changed: Vec<&str> = table()
            .iter()
            .filter(|d| {
                let new = regs.value(d);
                new != now.value(d) && !harmless_write(d.name, new.as_deref().unwrap_or(&[]))
            })
            .map(|d| d.name)
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        eprintln!(
            "{READ_ONLY_REGISTERS} (write to ${} refused)",
            changed.join(", $")
        );
        Err(TargetError::Errno(EPERM))
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], _tid: Tid) -> TargetResult<usize, Self> {
        if self.killed {
            return Err(TargetError::Errno(EFAULT));
        }
        let got = self.session().read_mem(start, data.len());
        if got.is_empty() && !data.is_empty() {
            return Err(TargetError::Errno(EFAULT));
        }
        data[..got.len()].copy_from_slice(&got);
        Ok(got.len())
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], _tid: Tid) -> TargetResult<(), Self> {
        eprintln!(
            "{READ_ONLY_MEMORY} (write of {} bytes at {start:#x} refused)",
            data.len()
        );
        Err(TargetError::Errno(EPERM))
    }

    fn list_active_threads(&mut self, thread_is_active: &mut dyn FnMut(Tid)) -> Result<(), Fatal> {
        for t in self.threads() {
            thread_is_active(t);
        }
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for ReplayTarget {
    fn read_register(
        &mut self,
        tid: Tid,
        reg: X86_64RegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let Some(desc) = reg.desc() else {
            return Err(TargetError::NonFatal);
        };
        let regs = self.all_regs(tid)?;
        match regs.value(desc) {
            Some(v) if v.len() <= buf.len() => {
                buf[..v.len()].copy_from_slice(&v);
                Ok(v.len())
            }
            Some(_) => Err(TargetError::NonFatal),
            // Unavailable: gdbstub answers "xx" for each byte.
            None => Ok(0),
        }
    }

    fn write_register(&mut self, tid: Tid, reg: X86_64RegId, val: &[u8]) -> TargetResult<(), Self> {
        let Some(desc) = reg.desc() else {
            return Err(TargetError::NonFatal);
        };
        let now = self.all_regs(tid)?.value(desc);
        if now.as_deref() == Some(val) || harmless_write(desc.name, val) {
            return Ok(());
        }
        eprintln!("{READ_ONLY_REGISTERS} (write to ${} refused)", desc.name);
        Err(TargetError::Errno(EPERM))
    }
}

impl MultiThreadResume for ReplayTarget {
    fn resume(&mut self) -> Result<(), Fatal> {
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Fatal> {
        self.pending = None;
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        _tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Fatal> {
        // The replay delivers the recorded signals; the debugger's choice of
        // signal cannot change the recording.
        if self.pending.is_none() {
            self.set_pending(Direction::Forward, RunMode::Continue);
        }
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }

    fn support_reverse_cont(&mut self) -> Option<ReverseContOps<'_, Tid, Self>> {
        Some(self)
    }

    fn support_reverse_step(&mut self) -> Option<ReverseStepOps<'_, Tid, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for ReplayTarget {
    fn set_resume_action_step(&mut self, _tid: Tid, _signal: Option<Signal>) -> Result<(), Fatal> {
        self.set_pending(Direction::Forward, RunMode::Step);
        Ok(())
    }
}

impl MultiThreadSchedulerLocking for ReplayTarget {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Fatal> {
        // Threads run one at a time anyway; only the named thread moves.
        Ok(())
    }
}

impl Breakpoints for ReplayTarget {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for ReplayTarget {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        match self.timeline.add_breakpoint(addr) {
            Ok(()) => {
                self.sw.insert(addr);
                Ok(true)
            }
            Err(e) => {
                log::info!("breakpoint at {addr:#x} refused: {e}");
                Err(TargetError::Errno(EFAULT))
            }
        }
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.sw.remove(&addr);
        match self.timeline.remove_breakpoint(addr) {
            Ok(()) => Ok(true),
            Err(e) => {
                log::info!("removing the breakpoint at {addr:#x}: {e}");
                Err(TargetError::Errno(EFAULT))
            }
        }
    }
}

impl HwBreakpoint for ReplayTarget {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.add_hw(addr, 1, PointKind::Exec)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.remove_hw(addr, 1, PointKind::Exec)
    }
}

impl HwWatchpoint for ReplayTarget {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        self.add_hw(addr, len, point_kind(kind))
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        self.remove_hw(addr, len, point_kind(kind))
    }
}

impl ExtendedMode for ReplayTarget {
    fn run(&mut self, _filename: Option<&[u8]>, _args: Args<'_, '_>) -> TargetResult<Pid, Self> {
        // The recording fixes the program and its arguments: `run` replays
        // it again from the start.
        match self.restart_replay() {
            Ok(()) => Ok(self.pid()),
            Err(msg) => {
                eprintln!("rewind: cannot restart the replay: {msg}");
                Err(TargetError::NonFatal)
            }
        }
    }

    fn attach(&mut self, _pid: Pid) -> TargetResult<(), Self> {
        eprintln!("rewind: attaching to another process is not possible in a replay");
        Err(TargetError::Errno(EPERM))
    }

    fn query_if_attached(&mut self, _pid: Pid) -> TargetResult<AttachKind, Self> {
        Ok(AttachKind::Run)
    }

    fn kill(&mut self, _pid: Option<Pid>) -> TargetResult<ShouldTerminate, Self> {
        // The replayed process stays until the debugger restarts or leaves;
        // to the debugger it is gone.
        self.killed = true;
        self.pending = None;
        Ok(ShouldTerminate::No)
    }

    fn restart(&mut self) -> Result<(), Fatal> {
        self.restart_replay().map_err(Fatal)
    }

    fn support_current_active_pid(&mut self) -> Option<CurrentActivePidOps<'_, Self>> {
        Some(self)
    }
}

impl CurrentActivePid for ReplayTarget {
    fn current_active_pid(&mut self) -> Result<Pid, Fatal> {
        Ok(self.pid())
    }
}

/// Copy `data[offset..offset+length]` into `buf`; returns the count.
pub(super) fn copy_window(data: &[u8], offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(data.len());
    let end = start.saturating_add(length).min(data.len());
    let n = (end - start).min(buf.len());
    buf[..n].copy_from_slice(&data[start..start + n]);
    n
}

impl gdbstub::target::ext::auxv::Auxv for ReplayTarget {
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        Ok(copy_window(&self.session().auxv(), offset, length, buf))
    }
}

impl gdbstub::target::ext::exec_file::ExecFile for ReplayTarget {
    fn get_exec_file(
        &self,
        _pid: Option<Pid>,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        Ok(copy_window(
            self.session().exe_path().as_bytes(),
            offset,
            length,
            buf,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_gdbs_orig_rax_reset_is_accepted() {
        assert!(harmless_write("orig_rax", &[0xff; 8]));
        assert!(!harmless_write("orig_rax", &[0; 8]));
        assert!(!harmless_write("rax", &[0xff; 8]));
    }

    #[test]
    fn windows_of_data() {
        let mut buf = [0u8; 8];
        assert_eq!(copy_window(b"abcdef", 2, 3, &mut buf), 3);
        assert_eq!(&buf[..3], b"cde");
        assert_eq!(copy_window(b"abcdef", 4, 100, &mut buf), 2);
        assert_eq!(copy_window(b"abcdef", 10, 4, &mut buf), 0);
        assert_eq!(copy_window(b"abcdefghijkl", 0, 100, &mut buf), 8);
    }
}
