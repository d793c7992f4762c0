//! Finding the last hits of a stretch without counting the ones before
//! them.
//!
//! A hit counted on a debug register costs a debug exception, about 20 us
//! on our VMs (the hypervisor takes each), so counting the 10^4 hits of a
//! busy stretch to name its last one costs 0.2 s. Instead the last hits of
//! a stretch are named from its end ([`Segment::FromEnd`]: "the n-th last
//! hit of this trigger before the next event") and found so, from the
//! start of the stretch or any point before them:
//!
//! 1. Run to the end of the stretch natively, nothing armed, timed by the
//!    thread's own CPU clock (a task-clock perf event: no PMU needed).
//! 2. From the start again, run natively until the clock stops the thread
//!    40 us of CPU time before the end, and leave a copy of the process (a
//!    fork, about 0.3 ms) there.
//! 3. Count the triggers' hits from the copy to the end of the stretch in
//!    the kernel; the hits wanted are the last of those, reached from that
//!    copy by a counted run.
//!
//! When the copy has too few hits after it, the search is done again with
//! copies 50 us, 200 us, 800 us... before the end, counting from the latest
//! back (from the start at last). When it has many more than needed, it is
//! done again from the copy with one copy 15 us before the end.
//!
//! Only the hits of the last sub-stretch are counted. Where the clock
//! stops does not change the result, only how many hits are counted: the
//! copies have no names of their own, the points found are named by
//! counts back from the event that ends the stretch, which are exact.

use super::counted::{counter_error, read_all, Counted, Trigger};
use super::{interrupted, Result, Timeline};
use crate::replay::{Segment, Snapshot, StopReason};
use crate::ticks::hits::{HitCounter, HitKind, COUNT_SIGNAL};

/// CPU time before the end of the stretch of the latest copy of a search
/// with several.
const TAIL_FIRST_NS: u64 = 50_000;
/// Each earlier copy is this many times further from the end.
const TAIL_GROWTH: u64 = 4;
/// Runs shorter than this are not timed (the kernel's clock is not finer).
const MIN_RUN_NS: u64 = 10_000;
/// CPU time before the end of the stretch of the one copy of the first
/// search, and of the one copy of each search after it...
const TAIL_NEAR_NS: [u64; 2] = [40_000, 15_000];
/// ...made while the point found leaves more than this many hits beyond
/// those needed to count (about 20 us each).
const TAIL_REFINE_ABOVE: u64 = 32;

/// What a search from the end found.
pub(super) enum Tail {
    /// The session is at a point of the stretch (a copy of the process
    /// there is kept) after which the triggers have this many hits each,
    /// enough.
    At(Box<Snapshot>, Vec<u64>),
    /// Not enough hits after any point tried (after the start itself, when
    /// it was tried: there is no such point); the session is back at the
    /// start.
    Short,
    /// Hits cannot be counted here, or copies not made.
    Unavailable,
}

/// The CPU times, from the start of a rest of a stretch that runs `total`
/// ns, at which to leave copies, earliest first: `TAIL_FIRST_NS` before the
/// end, then `TAIL_GROWTH` times further back each, while inside it.
fn stop_times(total: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut d = TAIL_FIRST_NS;
    while d < total {
        out.push(total - d);
        d = d.saturating_mul(TAIL_GROWTH);
    }
    out.reverse();
    out
}

impl Timeline {
    /// The thread hit counters follow: the followed process's (only)
    /// thread, running or parked.
    pub(super) fn tid(&self) -> i32 {
        self.session.followed_task().tid.as_raw()
    }

    /// From the current point (triggers suspended), the latest point found
    /// in the rest of the stretch after which one of the triggers has at
    /// least `need` hits to its end; the session is left there.
    pub(super) fn tail_search(&mut self, triggers: &[Trigger], need: u64) -> Result<Tail> {
        if triggers.is_empty()
            || self.threaded
            || !(self.session.can_checkpoint() || self.session.can_snapshot_local())
            || self.session.followed_task().blocks_signal(COUNT_SIGNAL)
        {
            return Ok(Tail::Unavailable);
        }
        let start = match self.session.snapshot_local() {
            Ok(s) => s,
            Err(e) => {
                log::debug!("no search from the end here: {e}");
                return Ok(Tail::Unavailable);
            }
        };
        let chain = self.session.position().chain;
        self.session.set_counting(true);
        let r = self.tail_search_refined(start, triggers, need);
        self.session.set_counting(false);
        // Wherever the session is, it is named as where the search began
        // until the caller names it.
        self.session.set_chain(chain);
        r
    }

    /// The search. Each copy made costs the run after it CPU time (the
    /// fork, and pages copied on write), so the clock lands the later
    /// copies of a search with several earlier than aimed; a search that
    /// makes one copy lands where aimed. So: first one copy near the end;
    /// only when too few hits follow it, copies further and further back.
    /// Then again, with one copy nearer the end, from the point found while
    /// that leaves many more hits to count than needed.
    fn tail_search_refined(
        &mut self,
        start: Snapshot,
        triggers: &[Trigger],
        need: u64,
    ) -> Result<Tail> {
        let one = |d: u64| move |total: u64| if d < total { vec![total - d] } else { vec![] };
        let near = one(TAIL_NEAR_NS[0]);
        let (mut copy, mut counts) =
            match self.tail_search_from(&start, triggers, need, &near, false)? {
                Tail::At(copy, counts) => (copy, counts),
                Tail::Unavailable => return Ok(Tail::Unavailable),
                Tail::Short => {
                    match self.tail_search_from(&start, triggers, need, &stop_times, true)? {
                        Tail::At(copy, counts) => (copy, counts),
                        other => return Ok(other),
                    }
                }
            };
        for &d in &TAIL_NEAR_NS[1..] {
            let ahead: u64 = counts.iter().sum();
            if ahead <= need.saturating_add(TAIL_REFINE_ABOVE) {
                break;
            }
            let again = self.session.snapshot_local()?;
            match self.tail_search_from(&again, triggers, need, &one(d), false)? {
                Tail::At(c, n) if n.iter().sum::<u64>() < ahead => {
                    copy = c;
                    counts = n;
                }
                _ => self.session.restore(&copy)?,
            }
        }
        Ok(Tail::At(copy, counts))
    }

    /// One search: copies at the CPU times `schedule` gives for the rest of
    /// the stretch, then, when none has enough hits after it and
    /// `from_start`, the start itself. Short leaves the session at the
    /// start.
    fn tail_search_from(
        &mut self,
        start: &Snapshot,
        triggers: &[Trigger],
        need: u64,
        schedule: &dyn Fn(u64) -> Vec<u64>,
        from_start: bool,
    ) -> Result<Tail> {
        let enough = |c: &[u64]| c.iter().any(|&n| n >= need);
        let t0 = std::time::Instant::now();
        let event = self.session.event_index();
        // 1. How long the rest of the stretch runs, in a fresh copy as the
        // timed runs will be (a new copy first faults in the pages it
        // touches: that takes CPU time too).
        self.session.restore(start)?;
        let clock = match HitCounter::cpu_clock(self.tid(), u64::MAX / 4) {
            Ok(c) => c,
            Err(e) => {
                log::debug!("no CPU clock for a search from the end: {e}");
                return Ok(Tail::Unavailable);
            }
        };
        self.run_to_stretch_end(event)?;
        let total = clock.read().map_err(counter_error)?;
        drop(clock);
        // 2. Copies at stops short of the end.
        self.session.restore(start)?;
        let mut copies = Vec::new();
        let mut spent = 0;
        for t in schedule(total) {
            let ask = t.saturating_sub(spent);
            if ask < MIN_RUN_NS {
                continue;
            }
            let Ok(clock) = HitCounter::cpu_clock(self.tid(), ask) else {
                break;
            };
            let stopped = self.run_until_count(event)?;
            let ran = clock.read().map_err(counter_error)?;
            drop(clock);
            // The clock ran on past `ask` mostly while stopping the thread
            // (the program did not run then): it got `ask` further.
            spent += ask;
            log::trace!("timed run to {t} ns of {total}: ran {ran} for {ask}, stopped: {stopped}");
            if !stopped {
                break;
            }
            copies.push(self.session.snapshot_local()?);
        }
        log::debug!(
            "search from the end of stretch {event}: {total} ns, {} copies, in {:?}",
            copies.len(),
            t0.elapsed()
        );
        // 3. From the latest copy back, until there are enough hits.
        while let Some(copy) = copies.pop() {
            self.session.restore(&copy)?;
            let Some(counts) = self.count_to_end(triggers, event)? else {
                // Nothing ran: back to the start.
                self.session.restore(start)?;
                return Ok(Tail::Unavailable);
            };
            log::debug!(
                "{counts:?} hits from copy {} to the end of stretch {event}",
                copies.len() + 1
            );
            self.session.restore(&copy)?;
            if enough(&counts) {
                log::debug!("search from the end done in {:?}", t0.elapsed());
                return Ok(Tail::At(Box::new(copy), counts));
            }
        }
        self.session.restore(start)?;
        if from_start {
            let Some(counts) = self.count_to_end(triggers, event)? else {
                self.session.restore(start)?;
                return Ok(Tail::Unavailable);
            };
            log::debug!("{counts:?} hits from the start to the end of stretch {event}");
            self.session.restore(start)?;
            if enough(&counts) {
                // A copy of the start to hand back, the session there.
                let copy = self.session.snapshot_local()?;
                return Ok(Tail::At(Box::new(copy), counts));
            }
        }
        Ok(Tail::Short)
    }

    /// Run natively (nothing armed) to the end of the stretch of `event`.
    fn run_to_stretch_end(&mut self, event: u64) -> Result<()> {
        loop {
            match self.session.run_to_event(event + 1)? {
                StopReason::EventReached | StopReason::End(_) => return Ok(()),
                StopReason::Interrupted => return Err(interrupted()),
                _ => {}
            }
        }
    }

    /// Run until a counter or clock stops the thread (true), or to the end
    /// of the stretch of `event` (false).
    pub(super) fn run_until_count(&mut self, event: u64) -> Result<bool> {
        loop {
            match self.session.run_to_event(event + 1)? {
                StopReason::CountReached => return Ok(true),
                StopReason::EventReached | StopReason::End(_) => return Ok(false),
                StopReason::Interrupted => return Err(interrupted()),
                _ => {}
            }
        }
    }

    /// Each trigger's hits from here to the end of the stretch of `event`,
    /// counted in the kernel (an execution trigger at the current
    /// instruction does not count leaving it); None when a counter cannot
    /// be opened. The session ends at the end of the stretch.
    pub(super) fn count_to_end(
        &mut self,
        triggers: &[Trigger],
        event: u64,
    ) -> Result<Option<Vec<u64>>> {
        let tid = self.tid();
        let ip = self.session.regs()?.ip();
        if triggers
            .iter()
            .any(|t| t.kind == HitKind::Exec && t.addr == ip)
        {
            self.session.skip_exec_trap_here()?;
        }
        let mut counters = Vec::new();
        for t in triggers {
            match t.open(tid, None) {
                Some(c) => counters.push(c),
                None => return Ok(None),
            }
        }
        self.run_to_stretch_end(event)?;
        Ok(Some(read_all(&counters)?))
    }

    /// Follow a segment counted from the end of the stretch (`FromEnd`)
    /// from the current point: search from the end, then count forward.
    /// Triggers must be suspended.
    pub(super) fn follow_from_end(&mut self, seg: &Segment) -> Result<Counted> {
        let Some(trigger) = Trigger::from_segment(seg) else {
            return Ok(Counted::Unavailable);
        };
        let n = seg.count();
        if n == 0 {
            return Ok(Counted::Done);
        }
        let prefix = self.session.position().chain;
        log::debug!("following {seg:?} from {}", self.session.position());
        match self.tail_search(std::slice::from_ref(&trigger), n)? {
            Tail::Unavailable => Ok(Counted::Unavailable),
            Tail::Short => Ok(Counted::Missing),
            Tail::At(_copy, counts) => self.last_hits_from_here(&prefix, &trigger, counts[0], n),
        }
    }

    /// From a point after which `trigger` has `ahead` hits in the stretch,
    /// go to its `n`-th last (`n <= ahead`), leaving a checkpoint at the
    /// first of them on the way (for the next trip to an earlier hit).
    /// `prefix` is the chain of the point the search started from.
    /// Triggers must be suspended.
    pub(super) fn last_hits_from_here(
        &mut self,
        prefix: &[Segment],
        trigger: &Trigger,
        ahead: u64,
        n: u64,
    ) -> Result<Counted> {
        let named = |count: u64| {
            let mut chain = prefix.to_vec();
            crate::replay::position_push(
                &mut chain,
                Segment::FromEnd(Box::new(trigger.seg.with_count(count))),
            );
            chain
        };
        match self.follow_counted(&trigger.seg.with_count(1))? {
            Counted::Done => {}
            other => return Ok(other),
        }
        self.session.set_chain(named(ahead));
        let _ = self.auto_checkpoint_here();
        if ahead > n {
            match self.follow_counted(&trigger.seg.with_count(ahead - n))? {
                Counted::Done => {}
                other => return Ok(other),
            }
        }
        self.session.set_chain(named(n));
        Ok(Counted::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_grow_denser_towards_the_end() {
        assert_eq!(
            stop_times(1_000_000),
            vec![1_000_000 - 800_000, 1_000_000 - 200_000, 1_000_000 - 50_000]
        );
        assert!(stop_times(50_000).is_empty());
        assert_eq!(stop_times(50_001), vec![1]);
    }
}
