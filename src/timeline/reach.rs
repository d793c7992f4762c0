//! Going to a position: from the best checkpoint (or the current point, or
//! a fresh start), natively to its event, then segment by segment.

use super::counted::Counted;
use super::{interrupted, Result, Timeline};
use crate::replay::{Position, ReplayError, RunMode, Segment, StopReason};

/// Called for every stop while following a segment; `true` for the stop
/// that completes it.
pub type Observer<'a> = dyn FnMut(&mut Timeline, &StopReason, bool) + 'a;

impl Timeline {
    /// Make `target` the current position.
    pub fn reach(&mut self, target: &Position) -> Result<()> {
        match self.reach_with(target, true, false) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            // A counter may have missed a hit: once more with counters.
            Err(ReplayError::LostTrap { .. }) => match self.reach_with(target, true, true) {
                Ok(true) => return Ok(()),
                Ok(false) | Err(ReplayError::LostTrap { .. }) => {}
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
        // A counted run lost its way: again, from a checkpoint, by
        // counting stops.
        self.reach_with(target, false, true)?;
        Ok(())
    }

    /// Go to `target`: from the best checkpoint (or from here, unless
    /// `restore`), natively to its event, then segment by segment, with
    /// hit counters when `fast`. False when a counted run lost its way.
    pub(super) fn reach_with(
        &mut self,
        target: &Position,
        fast: bool,
        restore: bool,
    ) -> Result<bool> {
        let here = self.session.position();
        let here_usable = here.event < target.event
            || (here.event == target.event && target.remainder_from(&here).is_some());
        let here_usable = here_usable && self.session.ended().is_none() && !restore;
        let best = self.checkpoints.best_for(target).map(|(_, _, p)| p);
        let use_here = here_usable && best.as_ref().is_none_or(|b| !later(b, &here));
        let was_suspended = self.session.triggers_suspended();
        self.session.suspend_triggers()?;
        let r = self.reach_suspended(target, use_here, fast);
        if !was_suspended {
            self.session.resume_triggers()?;
        }
        let Some((rest, done)) = r? else {
            return Ok(false);
        };
        for seg in &rest[done..] {
            self.follow(seg, &mut |_, _, _| {})?;
        }
        self.session.set_chain(target.chain.clone());
        Ok(true)
    }

    /// The part of reaching `target` that runs with triggers suspended: to
    /// its event, then the segments that counters can follow. The
    /// segments left and how many of them are done; None when lost.
    fn reach_suspended(
        &mut self,
        target: &Position,
        use_here: bool,
        fast: bool,
    ) -> Result<Option<(Vec<Segment>, usize)>> {
        if !use_here {
            self.restore_best(target)?;
        }
        if self.session.position().event < target.event {
            self.run_natively_to(target.event)?;
        }
        let rest = target
            .remainder_from(&self.session.position())
            .ok_or_else(|| unreachable_position(target))?;
        let mut done = 0;
        if fast {
            for seg in &rest {
                match self.follow_counted(seg)? {
                    Counted::Done => done += 1,
                    Counted::Unavailable => break,
                    Counted::Lost => return Ok(None),
                    Counted::Missing => return Err(unreachable_position(target)),
                }
            }
        }
        Ok(Some((rest, done)))
    }

    /// Continue from the latest checkpoint before `target`, or from the
    /// start. A checkpoint whose process cannot be resumed (killed from
    /// outside) is forgotten, with a warning, and an earlier one is used.
    fn restore_best(&mut self, target: &Position) -> Result<()> {
        loop {
            let Some((id, snap, pos)) = self.checkpoints.best_for(target) else {
                return self.session.restart();
            };
            let pid = snap.pid();
            match self.session.restore(snap) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let explicit = self.checkpoints.forget(id);
                    let what = if explicit {
                        format!("checkpoint {id}")
                    } else {
                        "an automatic checkpoint".to_string()
                    };
                    eprintln!(
                        "rewind: warning: {what} at {pos} is lost (its process {pid} cannot be \
                         resumed: {e}); going on from an earlier checkpoint"
                    );
                }
            }
        }
    }

    fn run_natively_to(&mut self, event: u64) -> Result<()> {
        loop {
            // Checkpoints on the way keep later trips short.
            let due = self
                .last_auto
                .map_or_else(std::time::Instant::now, |t| t + super::AUTO_INTERVAL);
            self.session.set_checkpoint_due(Some(due));
            // The next point of the trail on the way, if any.
            let here = self.session.event_index();
            let stop_at = self
                .trail
                .iter()
                .copied()
                .filter(|&e| e > here && e < event)
                .min()
                .unwrap_or(event);
            let stop = self.session.run_to_event(stop_at);
            self.session.set_checkpoint_due(None);
            match stop? {
                StopReason::EventReached
                    if self.session.event_index() == stop_at && stop_at < event =>
                {
                    let _ = self.auto_checkpoint_here();
                }
                StopReason::EventReached if self.session.event_index() < event => {
                    self.auto_checkpoint();
                }
                StopReason::EventReached => return Ok(()),
                StopReason::End(_) if self.session.event_index() >= event => return Ok(()),
                StopReason::End(e) => {
                    return Err(ReplayError::Unsupported(format!(
                        "the replay ended before event {event}: {e:?}"
                    )))
                }
                StopReason::Interrupted => return Err(interrupted()),
                _ => {}
            }
        }
    }

    /// Run one segment from the current point, with every trigger armed,
    /// telling `observe` of each stop.
    pub(super) fn follow(&mut self, seg: &Segment, observe: &mut Observer) -> Result<()> {
        match *seg {
            Segment::Steps(k) => {
                for i in 1..=k {
                    let stop = self.session.run(RunMode::Step)?;
                    if !matches!(stop, StopReason::Step | StopReason::Watch { .. })
                        && !matches!(stop, StopReason::Breakpoint(_) | StopReason::HwExec(_))
                    {
                        return Err(lost(seg, &stop));
                    }
                    observe(self, &stop, i == k);
                }
                Ok(())
            }
            Segment::FromEnd(ref inner) => {
                let n = seg.count();
                let total = self.hits_to_stretch_end(inner)?;
                if total < n {
                    return Err(ReplayError::Unsupported(format!(
                        "cannot go to the {n}-th last hit of {inner:?}: the stretch has {total}"
                    )));
                }
                self.follow(&inner.with_count(total - n + 1), observe)
            }
            Segment::Exec { addr, count } => {
                let temp = !self.session.is_exec_trigger(addr);
                if temp {
                    self.session.add_breakpoint(addr)?;
                }
                let r = self.count_stops(seg, count, observe, |stop| {
                    matches!(*stop, StopReason::Breakpoint(a) | StopReason::HwExec(a) if a == addr)
                });
                if temp {
                    self.session.remove_breakpoint(addr)?;
                }
                r
            }
            Segment::Watch {
                addr,
                len,
                kind,
                count,
            } => {
                let temp = !self.session.has_hw_point(addr, len, kind);
                if temp && !self.session.add_hw_point(addr, len, kind)? {
                    return Err(ReplayError::Unsupported(
                        "going to this point needs a free hardware debug register; \
                         delete a watchpoint and try again"
                            .into(),
                    ));
                }
                let r = self.count_stops(
                    seg,
                    count,
                    observe,
                    |stop| matches!(*stop, StopReason::Watch { addr: a, .. } if a == addr),
                );
                if temp {
                    self.session.remove_hw_point(addr, len, kind)?;
                }
                r
            }
        }
    }

    /// How many times `seg`'s trigger fires from here to the end of the
    /// stretch, counted by stops; the session comes back here (by a copy
    /// of the process).
    pub(super) fn hits_to_stretch_end(&mut self, seg: &Segment) -> Result<u64> {
        if !(self.session.can_checkpoint() || self.session.can_snapshot_local()) {
            return Err(ReplayError::Unsupported(format!(
                "cannot count the hits of {seg:?} to the end of this stretch here (no \
                 checkpoint can be taken)"
            )));
        }
        let back = self.session.snapshot_local()?;
        let chain = self.session.position().chain;
        let event = self.session.event_index();
        let mut total = 0;
        let r = (|| -> Result<()> {
            loop {
                let before = self.session.event_index();
                match self.follow(&seg.with_count(1), &mut |_, _, _| {}) {
                    Ok(()) => total += 1,
                    Err(_)
                        if self.session.event_index() != before
                            || self.session.ended().is_some() =>
                    {
                        return Ok(())
                    }
                    Err(e) => return Err(e),
                }
                if self.session.event_index() != event {
                    return Ok(());
                }
            }
        })();
        self.session.restore(&back)?;
        self.session.set_chain(chain);
        r.map(|()| total)
    }

    fn count_stops(
        &mut self,
        seg: &Segment,
        count: u64,
        observe: &mut Observer,
        is_mine: impl Fn(&StopReason) -> bool,
    ) -> Result<()> {
        let mut n = 0;
        loop {
            let before = self.session.event_index();
            let stop = self.session.run(RunMode::Continue)?;
            if self.session.event_index() != before {
                return Err(lost(seg, &stop));
            }
            match stop {
                StopReason::Breakpoint(_) | StopReason::HwExec(_) | StopReason::Watch { .. } => {
                    let mine = is_mine(&stop);
                    if mine {
                        n += 1;
                    }
                    let done = mine && n == count;
                    observe(self, &stop, done);
                    if done {
                        return Ok(());
                    }
                }
                StopReason::Signal(_) | StopReason::Step => {}
                StopReason::Interrupted => return Err(interrupted()),
                other => return Err(lost(seg, &other)),
            }
        }
    }
}

/// Whether position `a` comes after `b` (only compared across events or
/// along one chain).
fn later(a: &Position, b: &Position) -> bool {
    a.event > b.event || (a.event == b.event && a.chain.len() > b.chain.len())
}

fn lost(seg: &Segment, stop: &StopReason) -> ReplayError {
    ReplayError::Unsupported(format!(
        "could not go back to a recorded point: following {seg:?}, the replay stopped with \
         {stop:?} instead; the session stays where it is"
    ))
}

fn unreachable_position(target: &Position) -> ReplayError {
    ReplayError::Unsupported(format!("cannot reach {target} from the nearest checkpoint"))
}
