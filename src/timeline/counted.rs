//! The fast paths of reverse execution: hits counted in the kernel
//! ([`crate::ticks::hits`]) instead of one ptrace stop per hit.
//!
//! - Following a segment ("the n-th arrival at an address", "the n-th
//!   write to a range") is one native run that the counter stops at the
//!   n-th hit.
//! - Scanning a window of whole stretches for the last hit of the user's
//!   triggers counts each trigger's hits per stretch natively; only the last
//!   stretch with hits is then looked at closely: from the last hit of its
//!   busiest trigger to the stretch's end, with every trigger armed.
//!
//! Every fast path checks where it arrived (count and address) and, when
//! it cannot be used (debug registers taken, the counter's signal blocked
//! by the program, a read watchpoint) or does not arrive, the callers fall
//! back to counting stops.

use super::tail::Tail;
use super::{interrupted, Hit, Result, Timeline};
use crate::replay::{PointKind, Position, ReplayError, Segment, StopReason};
use crate::ticks::hits::{HitCounter, HitKind, COUNT_SIGNAL};

/// How a counted follow went.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Counted {
    /// At the end of the segment.
    Done,
    /// Not possible here; nothing moved.
    Unavailable,
    /// The run did not stop where it should: the session is somewhere in
    /// the stretch and must be brought back by other means.
    Lost,
    /// There is no such point: the stretch has fewer hits than a segment
    /// counted from its end asks for (the session is where it started).
    Missing,
}

/// One trigger of the user's, as a counter sees it.
#[derive(Clone, Debug)]
pub(super) struct Trigger {
    pub(super) addr: u64,
    len: u64,
    pub(super) kind: HitKind,
    /// How a hit is reported to the debugger.
    pub(super) stop: StopReason,
    /// The segment that counts its hits forward (count 0).
    pub(super) seg: Segment,
}

impl Trigger {
    pub(super) fn from_segment(seg: &Segment) -> Option<Trigger> {
        match *seg.forward() {
            Segment::Exec { addr, .. } => Some(Trigger {
                addr,
                len: 8,
                kind: HitKind::Exec,
                stop: StopReason::Breakpoint(addr),
                seg: seg.forward().with_count(0),
            }),
            Segment::Watch {
                addr, len, kind, ..
            } => {
                let kind_counted = match kind {
                    PointKind::Write => HitKind::Write,
                    PointKind::Access => HitKind::Access,
                    // Read points filter writes out in software.
                    PointKind::Read | PointKind::Exec => return None,
                };
                Some(Trigger {
                    addr,
                    len,
                    kind: kind_counted,
                    stop: StopReason::Watch { addr, len, kind },
                    seg: seg.forward().with_count(0),
                })
            }
            Segment::Steps(_) | Segment::FromEnd(_) => None,
        }
    }

    /// A counter on thread `tid`, or why not.
    fn try_open(&self, tid: i32) -> std::io::Result<HitCounter> {
        HitCounter::open(tid, self.addr, self.len, self.kind, None)
    }

    pub(super) fn open(&self, tid: i32, stop_at: Option<u64>) -> Option<HitCounter> {
        match HitCounter::open(tid, self.addr, self.len, self.kind, stop_at) {
            Ok(c) => Some(c),
            Err(e) => {
                log::debug!("no hit counter for {:?}: {e}", self.seg);
                None
            }
        }
    }
}

pub(super) fn counter_error(e: std::io::Error) -> ReplayError {
    ReplayError::Unsupported(format!("cannot read a hit counter: {e}"))
}

impl Timeline {
    /// Follow `seg` from the current point with a counter that stops the
    /// thread at its last hit. Triggers must be suspended.
    pub(super) fn follow_counted(&mut self, seg: &Segment) -> Result<Counted> {
        if seg.from_end() {
            return self.follow_from_end(seg);
        }
        let Some(trigger) = Trigger::from_segment(seg) else {
            return Ok(Counted::Unavailable);
        };
        let count = seg.count();
        if count == 0 {
            return Ok(Counted::Done);
        }
        if self.threaded {
            // Counters follow one thread; hits count in any.
            return Ok(Counted::Unavailable);
        }
        if self.session.followed_task().blocks_signal(COUNT_SIGNAL) {
            return Ok(Counted::Unavailable);
        }
        if trigger.kind == HitKind::Exec && self.session.regs()?.ip() == trigger.addr {
            // Leaving the address does not count, as leaving a breakpoint
            // does not.
            self.session.skip_exec_trap_here()?;
        }
        if !self.can_count(std::slice::from_ref(&trigger))? {
            return Ok(Counted::Unavailable);
        }
        let tid = self.tid();
        let Some(counter) = trigger.open(tid, Some(count)) else {
            return Ok(Counted::Unavailable);
        };
        let event = self.session.event_index();
        self.session.set_counting(true);
        let r = self.run_until_count(event);
        self.session.set_counting(false);
        if !r? {
            log::debug!("counted follow of {seg:?} left its stretch");
            return Ok(Counted::Lost);
        }
        let n = counter.read().map_err(counter_error)?;
        drop(counter);
        let ip = self.session.regs()?.ip();
        if n != count || (trigger.kind == HitKind::Exec && ip != trigger.addr) {
            log::debug!("counted follow of {seg:?} stopped at hit {n}, pc {ip:#x}");
            return Ok(Counted::Lost);
        }
        Ok(Counted::Done)
    }

    /// Whether each of `triggers` can be given a counter on the followed
    /// thread now. A debug register set once holds one of the kernel's
    /// four breakpoint slots for the thread's life, even cleared: when the
    /// slots are short, the session moves to a fresh copy of itself (a
    /// checkpoint here, restored: a fork has no debug registers) and tries
    /// again. Triggers must be suspended.
    pub(super) fn can_count(&mut self, triggers: &[Trigger]) -> Result<bool> {
        // Ok, or whether the slots were short (ENOSPC).
        let probe = |t: &Timeline| -> std::result::Result<(), bool> {
            let tid = t.tid();
            let mut open = Vec::new();
            for tr in triggers {
                match tr.try_open(tid) {
                    Ok(c) => open.push(c),
                    Err(e) => {
                        log::debug!("no hit counter for {:?}: {e}", tr.seg);
                        return Err(e.raw_os_error() == Some(libc::ENOSPC));
                    }
                }
            }
            Ok(())
        };
        match probe(self) {
            Ok(()) => return Ok(true),
            Err(false) => return Ok(false),
            Err(true) => {}
        }
        if !self.fresh_here()? {
            return Ok(false);
        }
        Ok(probe(self).is_ok())
    }

    /// Replace the replayed process by a fresh copy of itself at the same
    /// point; false when no checkpoint can be taken here.
    pub(super) fn fresh_here(&mut self) -> Result<bool> {
        let can = self.session.can_checkpoint() || self.session.can_snapshot_local();
        if !can || !self.session.current_in_focus() {
            return Ok(false);
        }
        let chain = self.session.position().chain;
        let snap = match self.session.snapshot_local() {
            Ok(s) => s,
            Err(e) => {
                log::debug!("no fresh copy for counters here: {e}");
                return Ok(false);
            }
        };
        self.session.restore(&snap)?;
        self.session.set_chain(chain);
        log::debug!("fresh copy at {} for counters", self.session.position());
        Ok(true)
    }

    /// The user's breakpoints and watchpoints as counters see them; None
    /// when one of them cannot be counted.
    fn user_triggers(&self) -> Option<Vec<Trigger>> {
        let mut out = Vec::new();
        let hw_exec = self.session.hw_exec_addrs();
        let mut addrs = self.session.breakpoint_addrs();
        addrs.extend(hw_exec.iter().copied());
        addrs.sort_unstable();
        addrs.dedup();
        for addr in addrs {
            let mut t = Trigger::from_segment(&Segment::Exec { addr, count: 0 })?;
            if hw_exec.contains(&addr) && !self.session.breakpoint_addrs().contains(&addr) {
                t.stop = StopReason::HwExec(addr);
            }
            out.push(t);
        }
        for (addr, len, kind) in self.session.watch_points() {
            out.push(Trigger::from_segment(&Segment::Watch {
                addr,
                len,
                kind,
                count: 0,
            })?);
        }
        Some(out)
    }

    /// From the start of stretch `lo`, the last hit of the user's triggers
    /// before event `hi`, found with counters. None when counting is not
    /// possible here (the session is then where it was).
    pub(super) fn scan_counted(&mut self, hi: u64) -> Result<Option<Option<Hit>>> {
        if self.threaded {
            return Ok(None);
        }
        let Some(triggers) = self.user_triggers() else {
            return Ok(None);
        };
        if triggers.is_empty() || self.session.followed_task().blocks_signal(COUNT_SIGNAL) {
            return Ok(None);
        }
        let start = self.session.position();
        if !start.chain.is_empty() {
            return Ok(None);
        }
        let was_suspended = self.session.triggers_suspended();
        self.session.suspend_triggers()?;
        // Whether every trigger can be counted here (in a fresh copy of
        // the process, when this one's debug-register slots are held).
        if !self.can_count(&triggers)? {
            if !was_suspended {
                self.session.resume_triggers()?;
            }
            return Ok(None);
        }
        let ip = self.session.regs()?.ip();
        if triggers
            .iter()
            .any(|t| t.kind == HitKind::Exec && t.addr == ip)
        {
            self.session.skip_exec_trap_here()?;
        }
        self.session.set_counting(true);
        let t0 = std::time::Instant::now();
        let r = self.find_stretches(&triggers, hi);
        log::debug!(
            "looked for stretches with hits to {hi} in {:?}",
            t0.elapsed()
        );
        self.session.set_counting(false);
        let r = r.and_then(|last| match last {
            Some(Last::Stretch(event)) => self.last_hit_in(&triggers, event).map(Some),
            Some(Last::AtEvent(hit)) => Ok(Some(Found::Hit(hit))),
            None => Ok(None),
        });
        if !was_suspended {
            self.session.resume_triggers()?;
        }
        let Some(found) = r? else {
            return Ok(Some(None));
        };
        let (pos, stop) = match found {
            Found::Hit(hit) => return Ok(Some(Some(hit))),
            Found::Last(pos, stop) => (pos, stop),
        };
        // Whatever comes after it in the stretch, every trigger armed.
        let t0 = std::time::Instant::now();
        let suspended = self.session.triggers_suspended();
        if suspended {
            self.session.resume_triggers()?;
        }
        let later = self.scan_to_event(pos.event + 1);
        if suspended {
            self.session.suspend_triggers()?;
        }
        let later = later?;
        log::debug!("scanned the rest of the stretch in {:?}", t0.elapsed());
        Ok(Some(Some(later.unwrap_or(Hit {
            position: pos,
            stop,
        }))))
    }

    /// The last hit of the busiest trigger in the stretch of `event`, which
    /// has hits: found from the end of the stretch ([`super::tail`]), or,
    /// where that cannot be done, by counting them all from the event.
    /// Triggers must be suspended.
    fn last_hit_in(&mut self, triggers: &[Trigger], event: u64) -> Result<Found> {
        let t0 = std::time::Instant::now();
        self.reach(&Position::at_event(event))?;
        let tail = self.tail_search(triggers, 1)?;
        if let Tail::At(_copy, counts) = tail {
            if let Some((i, &ahead)) = counts.iter().enumerate().max_by_key(|(_, n)| **n) {
                let t = &triggers[i];
                if self.last_hits_from_here(&[], t, ahead, 1)? == Counted::Done {
                    let pos = self.session.position();
                    log::debug!("reached {pos} in {:?}", t0.elapsed());
                    return Ok(Found::Last(pos, t.stop.clone()));
                }
            }
        }
        // Every hit counted from the event (from a checkpoint: the search
        // may have left the session anywhere).
        log::debug!("counting every hit of stretch {event}");
        let start = Position::at_event(event);
        if !self.reach_with(&start, true, true)? {
            self.reach_with(&start, false, true)?;
        }
        let counts = self
            .count_to_end(triggers, event)?
            .ok_or_else(|| ReplayError::Unsupported("cannot open a hit counter".into()))?;
        let (i, &n) = counts
            .iter()
            .enumerate()
            .max_by_key(|(_, n)| **n)
            .ok_or_else(|| ReplayError::Unsupported("no triggers counted".into()))?;
        let t = &triggers[i];
        let pos = Position {
            event,
            chain: vec![t.seg.with_count(n)],
        };
        self.reach(&pos)?;
        Ok(Found::Last(pos, t.stop.clone()))
    }

    /// Run to event `hi`, stopping at the first hit of each stretch only;
    /// where the last hits were.
    fn find_stretches(&mut self, triggers: &[Trigger], hi: u64) -> Result<Option<Last>> {
        let mut last = None;
        while self.session.event_index() < hi {
            let event = self.session.event_index();
            let tid = self.tid();
            // Counters that stop the thread at the first hit; then the
            // rest of the stretch runs with none.
            let mut counters = Vec::new();
            for t in triggers {
                counters.push(t.open(tid, Some(1)).ok_or_else(|| {
                    ReplayError::Unsupported(format!("cannot count hits of {:?} here", t.seg))
                })?);
            }
            let mut hit = false;
            let stop = loop {
                let stop = self.session.run_to_event(event + 1)?;
                if let StopReason::CountReached = stop {
                    hit = true;
                    counters.clear();
                    continue;
                }
                // Other stops inside the stretch do not end it.
                if self.session.event_index() != event
                    || matches!(stop, StopReason::End(_) | StopReason::Interrupted)
                {
                    break stop;
                }
            };
            drop(counters);
            if hit {
                last = Some(Last::Stretch(event));
            }
            match stop {
                // A syscall wrote a watched range: a hit at the event,
                // after the stretch's own.
                StopReason::Watch { .. } if self.session.stopped_at_event() => {
                    last = Some(Last::AtEvent(Hit {
                        position: self.session.position(),
                        stop,
                    }));
                }
                StopReason::Interrupted => return Err(interrupted()),
                StopReason::End(_) => break,
                _ => {}
            }
            // Checkpoints at event boundaries keep later trips short.
            if self
                .last_auto
                .is_none_or(|t| t.elapsed() >= super::AUTO_INTERVAL)
            {
                self.auto_checkpoint();
            }
        }
        Ok(last)
    }

    /// The position just before the instruction that made the watchpoint
    /// hit the session is at: `base` (where the hit before it was, or the
    /// event) plus the arrivals at that instruction, found with counters
    /// instead of single steps. The instruction is one that falls through
    /// to where the hit stopped; candidates are found by decoding backwards
    /// and told apart by counting their arrivals on the way from `base` to
    /// the hit. None when that cannot tell (a branch did the write, say):
    /// the caller then single-steps. May move the session.
    pub(super) fn before_write_counted(
        &mut self,
        now: &Position,
        base: &Position,
        seg: &Segment,
    ) -> Result<Option<Position>> {
        if self.threaded || self.session.followed_task().blocks_signal(COUNT_SIGNAL) {
            return Ok(None);
        }
        let Some(trigger) = Trigger::from_segment(seg) else {
            return Ok(None);
        };
        if trigger.kind == HitKind::Exec {
            return Ok(None);
        }
        let after = self.session.regs()?.ip();
        let start = after.saturating_sub(crate::arch::MAX_INSN_LEN as u64);
        let before = self.session.read_mem(start, (after - start) as usize);
        let candidates = self.session.arch().fallthrough_candidates(&before, after);
        // As many candidates per run as debug registers are free.
        let mut left = &candidates[..];
        while !left.is_empty() {
            let (found, tried) = self.count_candidates(base, &trigger, left, after)?;
            // Each run ends at the hit, or somewhere unknown: back at it.
            if found.is_some() {
                self.session.set_chain(now.chain.clone());
            } else if !self.reach_with(now, true, true)? {
                self.reach_with(now, false, true)?;
            }
            if let Some((addr, count)) = found {
                let mut chain = base.chain.clone();
                crate::replay::position_push(&mut chain, Segment::Exec { addr, count });
                return Ok(Some(Position {
                    event: base.event,
                    chain,
                }));
            }
            if tried == 0 {
                break;
            }
            left = &left[tried..];
        }
        Ok(None)
    }

    /// From `base`, run to the next hit of `trigger` counting the arrivals
    /// at the first of `candidates` (as many as counters can be opened
    /// for); the one instruction that ran just before the hit (stopped at
    /// `after`) and its arrivals, if exactly one can be, and how many
    /// candidates were tried.
    fn count_candidates(
        &mut self,
        base: &Position,
        trigger: &Trigger,
        candidates: &[u64],
        after: u64,
    ) -> Result<(Option<(u64, u64)>, usize)> {
        let was_suspended = self.session.triggers_suspended();
        self.session.suspend_triggers()?;
        let r = self.reach(base).and_then(|()| {
            // The next round starts here again.
            let _ = self.auto_checkpoint_here();
            self.count_candidates_suspended(trigger, candidates, after)
        });
        if !was_suspended {
            self.session.resume_triggers()?;
        }
        r
    }

    fn count_candidates_suspended(
        &mut self,
        trigger: &Trigger,
        candidates: &[u64],
        after: u64,
    ) -> Result<(Option<(u64, u64)>, usize)> {
        let tid = self.tid();
        let here = self.session.regs()?.ip();
        let Some(watch) = trigger.open(tid, Some(1)) else {
            return Ok((None, 0));
        };
        let mut counters = Vec::new();
        for &addr in candidates {
            let exec = Trigger::from_segment(&Segment::Exec { addr, count: 0 });
            match exec.and_then(|t| t.open(tid, None)) {
                Some(c) => counters.push(c),
                None => break,
            }
        }
        let candidates = &candidates[..counters.len()];
        if candidates.is_empty() {
            return Ok((None, 0));
        }
        if candidates.contains(&here) {
            self.session.skip_exec_trap_here()?;
        }
        let event = self.session.event_index();
        self.session.set_counting(true);
        let r = self.run_until_count(event);
        self.session.set_counting(false);
        if !r? || watch.read().map_err(counter_error)? != 1 || self.session.regs()?.ip() != after {
            return Ok((None, candidates.len()));
        }
        let counts = read_all(&counters)?;
        // An instruction that ran counts at least once, unless it is the
        // one the run started on (its first run is not an arrival).
        let ran: Vec<(u64, u64)> = candidates
            .iter()
            .zip(counts)
            .filter(|&(&a, n)| n > 0 || a == here)
            .map(|(&a, n)| (a, n))
            .collect();
        match ran.as_slice() {
            [one] => Ok((Some(*one), candidates.len())),
            _ => Ok((None, candidates.len())),
        }
    }

    /// How many times the instruction at `addr` is reached from the
    /// current point to event `event`, counted natively; None when it
    /// cannot be counted here. Triggers must be suspended.
    pub(super) fn count_arrivals(&mut self, addr: u64, event: u64) -> Result<Option<u64>> {
        if self.threaded {
            return Ok(None);
        }
        let tid = self.tid();
        let Some(counter) = Trigger::from_segment(&Segment::Exec { addr, count: 0 })
            .and_then(|t| t.open(tid, None))
        else {
            return Ok(None);
        };
        loop {
            match self.session.run_to_event(event)? {
                StopReason::EventReached | StopReason::End(_) => break,
                StopReason::Interrupted => return Err(interrupted()),
                _ => {}
            }
        }
        Ok(Some(counter.read().map_err(counter_error)?))
    }
}

/// Where the last hits of a counted scan were.
enum Last {
    /// In the stretch that starts at this event.
    Stretch(u64),
    /// A kernel write at an event.
    AtEvent(Hit),
}

/// The last hit of a counted scan, before the rest of its stretch is
/// looked at.
enum Found {
    /// The last hit of the busiest trigger, where the session is.
    Last(Position, StopReason),
    /// A hit at an event.
    Hit(Hit),
}

pub(super) fn read_all(counters: &[HitCounter]) -> Result<Vec<u64>> {
    counters
        .iter()
        .map(|c| c.read().map_err(counter_error))
        .collect()
}
