//! Reverse execution on top of a replay session and checkpoints.
//!
//! Every stop of the replay is a [`Position`]: the number of events
//! replayed, then a chain of counted segments (arrivals at an address,
//! watchpoint hits, single steps) that leads from that event to the point.
//! A position is reached again exactly by returning to a checkpoint before
//! it (a paused fork of the replayed process, or a fresh start) and
//! replaying forward: natively, with breakpoints out of the way, up to its
//! event, then segment by segment.
//!
//! Reverse-continue scans forward from a point before the current one with
//! the breakpoints and watchpoints armed, remembers the last hit before the
//! current position, and goes there; when there is none it scans a window
//! of earlier events, doubling it each time, down to the start of the
//! trace. Reverse-step goes back one instruction: the last segment's count
//! minus one, then single steps up to just before the current point.
//!
//! Automatic checkpoints are taken at event boundaries as the replay moves
//! forward, every [`AUTO_INTERVAL`] of replay time, and thinned so that
//! their number stays bounded while going back stays quick everywhere.

mod checkpoints;
mod counted;
mod reach;
mod tail;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::replay::{
    Echo, Interrupter, PointKind, Position, ReplayError, ReplaySession, RunMode, Segment,
    StopReason,
};
use crate::trace::Event;
pub use checkpoints::CheckpointInfo;
use checkpoints::Checkpoints;

type Result<T> = std::result::Result<T, ReplayError>;

/// Replay time between automatic checkpoints: a checkpoint (a fork) costs
/// about 0.3 ms here, so 1% of replay time, and going back to a point from
/// the checkpoint before it costs at most this much replay.
pub const AUTO_INTERVAL: Duration = Duration::from_millis(25);
/// Event boundaries at the end of the trace that get a checkpoint when the
/// replay passes them going forward (reverse commands often start from the
/// end, where the program failed).
const END_CHECKPOINTS: u64 = 2;
/// Times a reverse command is tried again after a debug exception lost
/// its cause (see `ReplayError::LostTrap`).
const LOST_TRAP_TRIES: u32 = 3;
/// Single steps a reverse-step may replay before giving up.
pub const MAX_STEPS_BACK: u64 = 1_000_000;
/// Single steps between the checkpoints a long reverse-step leaves.
const STEP_CHECKPOINT_INTERVAL: u64 = 512;

/// A replay that can go backwards.
pub struct Timeline {
    session: ReplaySession,
    checkpoints: Checkpoints,
    /// When the last automatic checkpoint was taken (replay time runs only
    /// while going forward).
    last_auto: Option<Instant>,
    /// The followed process has several threads: hit counters (which
    /// follow one thread) are not used. Other processes do not count:
    /// they carry no triggers.
    threaded: bool,
    /// Events at which running natively towards a position leaves a
    /// checkpoint on the way: the starts of the windows a reverse-continue
    /// will scan next, so that each window after the first starts from a
    /// checkpoint instead of replaying from an older one.
    trail: Vec<u64>,
}

/// A point found while scanning, and how the debugger should hear of it.
#[derive(Clone, Debug)]
struct Hit {
    position: Position,
    stop: StopReason,
}

impl Timeline {
    pub fn open(trace: &Path, echo: Echo) -> Result<Timeline> {
        Self::open_following(trace, echo, None)
    }

    /// Open `trace` for a debugger that follows one process (`follow`, or
    /// the first process of a trace of several).
    pub fn open_following(
        trace: &Path,
        echo: Echo,
        follow: Option<&crate::replay::focus::FocusSpec>,
    ) -> Result<Timeline> {
        Self::open_with(
            trace,
            echo,
            follow,
            &crate::replay::ReplayOptions::default(),
        )
    }

    /// As [`Timeline::open_following`], with the replay's options (which
    /// CPU, whether to go on when the CPU differs from the recording one).
    pub fn open_with(
        trace: &Path,
        echo: Echo,
        follow: Option<&crate::replay::focus::FocusSpec>,
        opts: &crate::replay::ReplayOptions,
    ) -> Result<Timeline> {
        let limit = checkpoints::auto_limit().map_err(ReplayError::Unsupported)?;
        let mut session = ReplaySession::open_with(trace, echo, opts)?;
        session.follow(follow)?;
        Ok(Timeline {
            threaded: session.followed_has_threads(),
            trail: Vec::new(),
            session,
            checkpoints: Checkpoints::with_limit(limit),
            last_auto: None,
        })
    }

    pub fn session(&self) -> &ReplaySession {
        &self.session
    }

    pub fn interrupter(&self) -> Interrupter {
        self.session.interrupter()
    }

    /// The current event index.
    pub fn when(&self) -> u64 {
        self.session.event_index()
    }

    /// The current position.
    pub fn position(&self) -> Position {
        self.session.position()
    }

    /// Run forward.
    pub fn run(&mut self, mode: RunMode) -> Result<StopReason> {
        // The debugger's own run: it sees the followed process's exec.
        self.session.set_report_exec(true);
        let r = self.run_forward(mode);
        self.session.set_report_exec(false);
        r
    }

    fn run_forward(&mut self, mode: RunMode) -> Result<StopReason> {
        loop {
            let due = match mode {
                RunMode::Continue => Some(
                    self.last_auto
                        .map_or_else(Instant::now, |t| t + AUTO_INTERVAL),
                ),
                RunMode::Step => None,
            };
            self.session.set_checkpoint_due(due);
            // The boundaries of the last stretches, where going back most
            // often starts, get a checkpoint on the way.
            let here = self.session.event_index();
            let mark = (mode == RunMode::Continue)
                .then(|| self.session.event_count())
                .and_then(|n| {
                    (n.saturating_sub(END_CHECKPOINTS)..n)
                        .find(|&e| e > here && !self.checkpoints.has_at(&Position::at_event(e)))
                });
            let stop = match mark {
                Some(e) => self.session.run_to_event(e),
                None => self.session.run(mode),
            };
            self.session.set_checkpoint_due(None);
            match stop? {
                StopReason::EventReached => {
                    self.auto_checkpoint();
                    continue;
                }
                stop => return Ok(stop),
            }
        }
    }

    pub(super) fn auto_checkpoint(&mut self) {
        self.last_auto = Some(Instant::now());
        let _ = self.auto_checkpoint_here();
    }

    /// An automatic checkpoint at the current position, unless there is one.
    /// An automatic checkpoint at the current position, unless there is
    /// one; the id of a new one.
    pub(super) fn auto_checkpoint_here(&mut self) -> Option<u32> {
        if !self.session.can_checkpoint() {
            return None;
        }
        let pos = self.session.position();
        if self.checkpoints.has_at(&pos) {
            return None;
        }
        let t0 = Instant::now();
        match self.session.snapshot() {
            Ok(snap) => {
                log::trace!("checkpoint at {pos} in {:?}", t0.elapsed());
                Some(self.checkpoints.add_auto(snap))
            }
            Err(e) => {
                log::debug!("no automatic checkpoint at {pos}: {e}");
                None
            }
        }
    }

    /// Run backward: to the last breakpoint or watchpoint hit before now
    /// (Continue), or one instruction back (Step).
    pub fn reverse(&mut self, mode: RunMode) -> Result<StopReason> {
        self.session.interrupter_reset();
        let now = self.session.position();
        let mut tries = 0;
        loop {
            let r = self.reverse_once(mode, &now);
            match r {
                Err(ReplayError::LostTrap { ip }) if tries < LOST_TRAP_TRIES => {
                    tries += 1;
                    log::debug!("a debug exception at {ip:#x} lost its cause; again");
                }
                r => return r,
            }
        }
    }

    fn reverse_once(&mut self, mode: RunMode, now: &Position) -> Result<StopReason> {
        let r = match mode {
            RunMode::Continue => self.reverse_continue(),
            RunMode::Step => self.reverse_step(),
        };
        if r.is_err() {
            // Leave the session where the command found it: from a
            // checkpoint, as a search cut short may have left the session
            // anywhere in a stretch.
            let back = match self.reach_with(now, true, true) {
                Ok(true) => Ok(()),
                Ok(false) | Err(ReplayError::LostTrap { .. }) => {
                    self.reach_with(now, false, true).map(|_| ())
                }
                Err(e) => Err(e),
            };
            if let Err(e) = back {
                log::warn!("could not return to {now} after a failed reverse command: {e}");
            }
        }
        r
    }

    /// Where the debugger's history starts: the first instruction, or
    /// the start of the process it follows.
    fn start_position(&self) -> Position {
        Position::at_event(self.session.start_event())
    }

    fn reverse_continue(&mut self) -> Result<StopReason> {
        let now = self.session.position();
        if now == self.start_position() {
            return Ok(StopReason::HistoryStart);
        }
        // Hits in the current stretch, before now: first after the latest
        // checkpoint in it, then from its start.
        if let Some(from) = self.checkpoints.latest_within(&now) {
            self.reach(&from)?;
            if let Some(rest) = now.remainder_from(&from) {
                if let Some(hit) = self.scan_chain(&rest)? {
                    return self.land(hit);
                }
            }
        }
        if !now.chain.is_empty() {
            self.reach(&Position::at_event(now.event))?;
            if let Some(hit) = self.scan_chain(&now.chain)? {
                return self.land(hit);
            }
        }
        // Then earlier stretches, in growing windows (the first two one
        // stretch each: the last stretch of a trace is often only the
        // program's exit).
        let windows = scan_windows(now.event);
        self.trail = windows.iter().map(|&(lo, _)| lo).collect();
        let r = self.scan_windows(&windows);
        self.trail.clear();
        match r? {
            Some(hit) => self.land(hit),
            None => {
                self.reach(&self.start_position())?;
                Ok(StopReason::HistoryStart)
            }
        }
    }

    /// The last hit in the latest of `windows` (latest first) that has one.
    fn scan_windows(&mut self, windows: &[(u64, u64)]) -> Result<Option<Hit>> {
        for &(lo, hi) in windows {
            self.trail.retain(|&e| e < lo);
            // Counters need the followed thread's debug-register slots: go
            // there with the triggers out, so that the copy restored on the
            // way never gets the debugger's registers (see
            // `counted::fresh_here`).
            let was_suspended = self.session.triggers_suspended();
            self.session.suspend_triggers()?;
            let counted = self
                .reach(&Position::at_event(lo))
                .and_then(|()| self.scan_counted(hi));
            if !was_suspended {
                self.session.resume_triggers()?;
            }
            let found = match counted? {
                Some(found) => found,
                None => self.scan_to_event(hi)?,
            };
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Go to a hit found by a scan. A breakpoint is reported where it
    /// stopped the program (about to execute the instruction). A
    /// watchpoint fires after the access, but going backwards the debugger
    /// expects to stop before it (at the accessing instruction, or at the
    /// syscall whose kernel write fired it), so that what it shows as the
    /// new value is the one from before the write.
    fn land(&mut self, hit: Hit) -> Result<StopReason> {
        let target = match hit.stop {
            StopReason::Watch { .. } => {
                self.reach(&hit.position)?;
                self.position_before(&hit.position)?
            }
            _ => hit.position,
        };
        log::debug!("reverse-continue lands at {target} ({:?})", hit.stop);
        self.reach(&target)?;
        Ok(hit.stop)
    }

    /// From the current point, run with every trigger armed up to `event`
    /// events; the last trigger hit on the way.
    fn scan_to_event(&mut self, event: u64) -> Result<Option<Hit>> {
        let mut scan = Scanner::new(self);
        loop {
            match self.session.run_to_event(event)? {
                StopReason::EventReached | StopReason::End(_) => return Ok(scan.last),
                StopReason::Interrupted => return Err(interrupted()),
                stop => scan.on_stop(self, &stop),
            }
        }
    }

    /// From the current point, follow `chain` with
    /// every trigger armed; the last trigger hit strictly before the end of
    /// the chain.
    fn scan_chain(&mut self, chain: &[Segment]) -> Result<Option<Hit>> {
        let mut scan = Scanner::new(self);
        for (i, seg) in chain.iter().enumerate() {
            let final_seg = i + 1 == chain.len();
            self.follow(seg, &mut |t: &mut Timeline,
                                   stop: &StopReason,
                                   is_end: bool| {
                // The end of the chain is the current point: a breakpoint
                // hit there is where the debugger is, not before it. A
                // watchpoint that fired there fired *after* its access,
                // which is before the current point (and going back lands
                // before it): a reverse-continue from a forward watchpoint
                // stop finds that same write.
                if !(is_end && final_seg) || matches!(stop, StopReason::Watch { .. }) {
                    scan.on_stop(t, stop);
                }
            })?;
            if matches!(seg, Segment::Steps(_)) {
                // Arrivals by single step are not counted as hits: counts
                // from the event on are no longer complete.
                scan.all_complete = false;
                scan.complete.clear();
            }
        }
        Ok(scan.last)
    }

    fn reverse_step(&mut self) -> Result<StopReason> {
        let now = self.session.position();
        if now == self.start_position() {
            return Ok(StopReason::HistoryStart);
        }
        let target = self.position_before(&now)?;
        self.reach(&target)?;
        Ok(StopReason::Step)
    }

    /// The position one instruction before `now` (the arrival at the
    /// syscall instruction when `now` is just after an event). May move
    /// the session; the caller goes to the result.
    fn position_before(&mut self, now: &Position) -> Result<Position> {
        if *now == self.start_position() {
            return Ok(now.clone());
        }
        Ok(match now.chain.last() {
            Some(Segment::Steps(k)) => {
                let mut chain = now.chain.clone();
                let n = chain.len();
                if *k > 1 {
                    chain[n - 1] = Segment::Steps(k - 1);
                } else {
                    chain.pop();
                }
                Position {
                    event: now.event,
                    chain,
                }
            }
            Some(last) => {
                let last = last.clone();
                let seg = last.forward().clone();
                let base = if last.from_end() {
                    self.hit_before_from_end(now, &last)?
                } else {
                    let mut base = now.chain.clone();
                    base.pop();
                    if last.count() > 1 {
                        base.push(last.with_count(last.count() - 1));
                    }
                    Position {
                        event: now.event,
                        chain: base,
                    }
                };
                if matches!(seg, Segment::Watch { .. }) {
                    // At the hit, where the writing instruction is known.
                    self.reach(now)?;
                    if let Some(before) = self.before_write_counted(now, &base, &seg)? {
                        log::debug!("reverse-step from {now}: counted back to {before}");
                        return Ok(before);
                    }
                }
                log::debug!("reverse-step from {now}: stepping from {base} to {seg:?}");
                self.reach(&base)?;
                let k = self.steps_until(&seg)?;
                let mut chain = base.chain.clone();
                crate::replay::position_push(&mut chain, Segment::Steps(k - 1));
                Position {
                    event: now.event,
                    chain,
                }
            }
            None => self.before_event(now.event)?,
        })
    }

    /// Where the hit before `now` of the trigger of its last segment `last`,
    /// counted from the end of the stretch, is: the hit before it counted
    /// from the end too, or the point before `last` when it is the first
    /// hit after that point.
    fn hit_before_from_end(&mut self, now: &Position, last: &Segment) -> Result<Position> {
        let mut prefix = now.chain.clone();
        prefix.pop();
        let start = Position {
            event: now.event,
            chain: prefix,
        };
        let mut earlier = start.clone();
        earlier
            .chain
            .push(last.with_count(last.count().saturating_add(1)));
        // A checkpoint at an earlier hit counted from the end proves it.
        let known = self
            .checkpoints
            .best_for(&earlier)
            .is_some_and(|(_, _, p)| p.chain.len() == earlier.chain.len() && p != start);
        if known {
            return Ok(earlier);
        }
        let was_suspended = self.session.triggers_suspended();
        self.session.suspend_triggers()?;
        let r = self
            .reach(&start)
            .and_then(|()| self.follow_counted(&earlier.chain[earlier.chain.len() - 1]));
        if !was_suspended {
            self.session.resume_triggers()?;
        }
        let exists = match r? {
            counted::Counted::Done => true,
            counted::Counted::Missing => false,
            counted::Counted::Unavailable | counted::Counted::Lost => {
                // From a checkpoint: a lost run left the session anywhere.
                if !self.reach_with(&start, true, true)? {
                    self.reach_with(&start, false, true)?;
                }
                self.hits_to_stretch_end(last.forward())? > last.count()
            }
        };
        Ok(if exists {
            self.session.set_chain(earlier.chain.clone());
            earlier
        } else {
            start
        })
    }

    /// Single-step from here until `seg`'s trigger fires once; the number
    /// of steps taken.
    fn steps_until(&mut self, seg: &Segment) -> Result<u64> {
        for k in 1..=MAX_STEPS_BACK {
            let before = self.session.event_index();
            let stop = self.session.run(RunMode::Step)?;
            if self.session.event_index() != before {
                return Err(ReplayError::Unsupported(format!(
                    "cannot step back here: going forward from the last known point \
                     passed event {before} without reaching this one (please report this)"
                )));
            }
            log::trace!("step {k}: {stop:?} at {:#x}", self.session.regs()?.ip());
            let arrived = match (seg, &stop) {
                (Segment::Exec { addr, .. }, _) => self.session.regs()?.ip() == *addr,
                (Segment::Watch { addr, .. }, StopReason::Watch { addr: a, .. }) => a == addr,
                _ => false,
            };
            if arrived {
                return Ok(k);
            }
            if matches!(stop, StopReason::End(_) | StopReason::Interrupted) {
                break;
            }
            // Going to the step before the trigger afterwards starts from
            // one of these instead of stepping all the way again.
            if k.is_multiple_of(STEP_CHECKPOINT_INTERVAL) {
                let _ = self.auto_checkpoint_here();
            }
        }
        Err(ReplayError::Unsupported(format!(
            "cannot step back here: the previous instruction is more than {MAX_STEPS_BACK} \
             instructions after the last known point; use reverse-continue with a breakpoint"
        )))
    }

    /// The position just before the event that ended the stretch before
    /// `event`: the arrival at the syscall (or time-counter, or signal)
    /// instruction that produced it.
    fn before_event(&mut self, event: u64) -> Result<Position> {
        let prev = event - 1;
        let addr = match self.session.events().get(prev as usize) {
            Some(Event::Syscall(s)) => s.regs.syscall_insn_addr(),
            Some(Event::SyscallEntry { regs, .. }) => regs.syscall_insn_addr(),
            Some(Event::TimeCounter { regs, .. })
            | Some(Event::Signal { regs, .. })
            | Some(Event::Preempt { regs, .. }) => regs.ip(),
            Some(Event::Exec { .. }) | None => return Ok(self.start_position()),
            Some(Event::Exit { .. })
            | Some(Event::Execve { .. })
            | Some(Event::KernelWrite { .. })
            | Some(Event::Written { .. })
            | Some(Event::Spawned { .. })
            | Some(Event::Traced { .. })
            | Some(Event::SyscallBuf { .. }) => return Ok(Position::at_event(prev)),
        };
        // Count the arrivals at that instruction in the stretch, with only
        // that breakpoint in place.
        self.session.suspend_triggers()?;
        let counted = self
            .reach(&Position::at_event(prev))
            .and_then(|()| self.count_arrivals(addr, event));
        self.session.resume_triggers()?;
        if let Some(count) = counted? {
            let mut chain = Vec::new();
            crate::replay::position_push(&mut chain, Segment::Exec { addr, count });
            return Ok(Position { event: prev, chain });
        }
        let temp = !self.session.has_breakpoint(addr);
        self.session.suspend_triggers()?;
        if temp {
            self.session.add_breakpoint(addr)?;
        } else {
            self.session.rearm_breakpoint(addr)?;
        }
        let mut count = 0;
        let r = loop {
            match self.session.run_to_event(event) {
                Ok(StopReason::Breakpoint(a)) if a == addr => count += 1,
                Ok(StopReason::EventReached) | Ok(StopReason::End(_)) => break Ok(()),
                Ok(StopReason::Interrupted) => break Err(interrupted()),
                Ok(_) => {}
                Err(e) => break Err(e),
            }
        };
        if temp {
            self.session.remove_breakpoint(addr)?;
        }
        self.session.resume_triggers()?;
        r?;
        let mut chain = Vec::new();
        crate::replay::position_push(&mut chain, Segment::Exec { addr, count });
        Ok(Position { event: prev, chain })
    }

    // Breakpoints and watchpoints.

    pub fn add_breakpoint(&mut self, addr: u64) -> Result<()> {
        self.session.add_breakpoint(addr)
    }

    pub fn remove_breakpoint(&mut self, addr: u64) -> Result<()> {
        self.session.remove_breakpoint(addr)
    }

    pub fn add_hw_point(&mut self, addr: u64, len: u64, kind: PointKind) -> Result<bool> {
        self.session.add_hw_point(addr, len, kind)
    }

    pub fn remove_hw_point(&mut self, addr: u64, len: u64, kind: PointKind) -> Result<bool> {
        self.session.remove_hw_point(addr, len, kind)
    }

    // Navigation.

    /// Back to the program's first instruction.
    pub fn restart(&mut self) -> Result<()> {
        self.reach(&self.start_position())
    }

    /// To the boundary just before event `event` is replayed.
    pub fn goto_event(&mut self, event: u64) -> Result<()> {
        let max = self.session.event_count();
        if event < 1 || event >= max {
            return Err(ReplayError::Unsupported(format!(
                "event {event} is outside this trace (events 1 to {} can be reached)",
                max.saturating_sub(1)
            )));
        }
        self.reach(&Position::at_event(event))
    }

    /// An explicit checkpoint at the current point.
    pub fn checkpoint(&mut self) -> Result<u32> {
        let snap = self.session.snapshot()?;
        Ok(self.checkpoints.add_explicit(snap))
    }

    pub fn checkpoints(&self) -> Vec<CheckpointInfo> {
        self.checkpoints.explicit_infos()
    }

    pub fn delete_checkpoint(&mut self, id: u32) -> Result<()> {
        if self.checkpoints.delete(id) {
            Ok(())
        } else {
            Err(no_checkpoint(id))
        }
    }

    pub fn restore_checkpoint(&mut self, id: u32) -> Result<()> {
        let Some(snap) = self.checkpoints.get(id) else {
            return Err(no_checkpoint(id));
        };
        match self.session.restore(snap) {
            Ok(()) => Ok(()),
            Err(e) => {
                // Its process is gone or unusable: it cannot come back.
                self.checkpoints.forget(id);
                Err(ReplayError::Unsupported(format!(
                    "checkpoint {id} is lost and has been deleted: {e}"
                )))
            }
        }
    }
}

/// Time between checkpoints taken while scanning for hits, so that going
/// to the hit found does not replay the whole scan again.
const SCAN_CHECKPOINT_INTERVAL: Duration = Duration::from_millis(30);

/// Follows the stops of a scan: remembers the last hit of a user's
/// breakpoint or watchpoint, names positions canonically (the n-th hit of
/// that trigger since the event, valid because the user's triggers were
/// armed all along), and leaves checkpoints behind.
struct Scanner {
    user_exec: std::collections::HashSet<u64>,
    /// The user's watchpoints (a watchpoint armed only to follow a segment
    /// is not a hit).
    user_watch: std::collections::HashSet<u64>,
    /// Hits of each trigger since the event.
    counts: std::collections::HashMap<Segment, u64>,
    event: u64,
    /// Whether every trigger's count is complete (the scan started at the
    /// event), or else which ones are.
    all_complete: bool,
    complete: std::collections::HashSet<Segment>,
    last: Option<Hit>,
    last_snapshot: Instant,
}

impl Scanner {
    fn new(t: &Timeline) -> Scanner {
        let pos = t.session.position();
        let mut user_exec: std::collections::HashSet<u64> =
            t.session.breakpoint_addrs().into_iter().collect();
        user_exec.extend(t.session.hw_exec_addrs());
        let user_watch = t
            .session
            .watch_points()
            .into_iter()
            .map(|(addr, _, _)| addr)
            .collect();
        let mut scan = Scanner {
            user_exec,
            user_watch,
            counts: Default::default(),
            event: pos.event,
            all_complete: pos.chain.is_empty(),
            complete: Default::default(),
            last: None,
            last_snapshot: Instant::now(),
        };
        // From a canonical position (the n-th hit of one trigger since the
        // event), that trigger's count is known.
        if let [seg @ (Segment::Exec { .. } | Segment::Watch { .. })] = pos.chain.as_slice() {
            let key = seg.with_count(0);
            scan.counts.insert(key.clone(), seg.count());
            scan.complete.insert(key);
        }
        scan
    }

    fn on_stop(&mut self, t: &mut Timeline, stop: &StopReason) {
        let event = t.session.event_index();
        if event != self.event {
            self.event = event;
            self.counts.clear();
            self.complete.clear();
            self.all_complete = true;
        }
        if t.session.stopped_at_event() {
            // A syscall wrote a watched range: the hit is the event itself.
            if matches!(stop, StopReason::Watch { addr, .. } if self.user_watch.contains(addr)) {
                self.last = Some(Hit {
                    position: t.session.position(),
                    stop: stop.clone(),
                });
            }
            return;
        }
        let (key, hit_stop) = match *stop {
            StopReason::Breakpoint(a) | StopReason::HwExec(a) if self.user_exec.contains(&a) => {
                (Segment::Exec { addr: a, count: 0 }, stop.clone())
            }
            StopReason::Watch { addr, len, kind } if self.user_watch.contains(&addr) => (
                Segment::Watch {
                    addr,
                    len,
                    kind,
                    count: 0,
                },
                stop.clone(),
            ),
            StopReason::Step => {
                // Landing on a breakpoint's address by a single step.
                let ip = t.session.regs().map(|r| r.ip()).unwrap_or(0);
                if self.user_exec.contains(&ip) {
                    self.last = Some(Hit {
                        position: t.session.position(),
                        stop: StopReason::Breakpoint(ip),
                    });
                }
                return;
            }
            _ => return,
        };
        let known = self.all_complete || self.complete.contains(&key);
        let n = self.counts.entry(key.clone()).or_insert(0);
        *n += 1;
        if known {
            t.session.set_chain(vec![key.with_count(*n)]);
            if self.last_snapshot.elapsed() >= SCAN_CHECKPOINT_INTERVAL {
                self.last_snapshot = Instant::now();
                let _ = t.auto_checkpoint_here();
            }
        }
        self.last = Some(Hit {
            position: t.session.position(),
            stop: hit_stop,
        });
    }
}

/// The windows of events a reverse-continue from event `now` scans, latest
/// first, as (first event, end event): one stretch each for the first two
/// (the last stretch of a trace is often only the program's exit), then
/// doubling, down to the start of the trace.
fn scan_windows(now: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut hi = now;
    let mut width = 1u64;
    while hi > 1 {
        if out.len() >= 2 {
            width = width.saturating_mul(2);
        }
        let lo = hi.saturating_sub(width).max(1);
        out.push((lo, hi));
        hi = lo;
    }
    out
}

fn no_checkpoint(id: u32) -> ReplayError {
    ReplayError::Unsupported(format!(
        "there is no checkpoint {id} (`monitor info checkpoints` lists them)"
    ))
}

fn interrupted() -> ReplayError {
    ReplayError::Unsupported("interrupted".into())
}

#[cfg(test)]
mod tests {
    use super::scan_windows;

    #[test]
    fn windows_cover_the_trace_back_to_its_start_without_gaps() {
        let w = scan_windows(1039);
        assert_eq!(
            &w[..5],
            &[
                (1038, 1039),
                (1037, 1038),
                (1035, 1037),
                (1031, 1035),
                (1023, 1031)
            ]
        );
        assert_eq!(w.last().map(|&(lo, _)| lo), Some(1));
        for pair in w.windows(2) {
            assert_eq!(pair[0].0, pair[1].1, "windows must meet: {pair:?}");
        }
    }

    #[test]
    fn no_windows_at_the_start() {
        assert!(scan_windows(1).is_empty());
        assert_eq!(scan_windows(2), vec![(1, 2)]);
    }
}
