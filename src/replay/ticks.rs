//! With a hardware branch counter: reaching the point of an asynchronous
//! event (a signal sent between syscalls, a preemption) by its recorded
//! tick count. The counter's overflow interrupt stops the thread a little
//! before the count ([`SKID`] branches early, for the interrupt's skid);
//! the anchor breakpoint then finds the exact point, where the registers,
//! the stack and the tick count must all agree (see `at_anchor`).

use super::{ReplaySession, Result, StopReason};
use crate::ticks::hits::{HitCounter, COUNT_SIGNAL};
use crate::ticks::pmu::overflow_period;
use crate::trace::Event;
use crate::tracee::{Resume, Stop};

/// Branches the overflow interrupt may run past its count.
pub const SKID: u64 = 100;

/// Whether a point's tick count agrees with the recorded one (either
/// unknown: nothing to compare).
pub fn ticks_agree(recorded: Option<u64>, now: Option<u64>) -> bool {
    match (recorded, now) {
        (Some(r), Some(n)) => r == n,
        _ => true,
    }
}

impl ReplaySession {
    /// The recorded tick count of the next event, when it is an
    /// asynchronous one of the running thread.
    pub(super) fn next_async_ticks(&self) -> Option<u64> {
        match self.events.get(self.next) {
            Some(Event::Signal {
                synchronous: false,
                ticks,
                tid,
                ..
            })
            | Some(Event::Preempt { ticks, tid, .. })
                if *tid == self.current_tid =>
            {
                *ticks
            }
            _ => None,
        }
    }

    /// Run natively to just before the next event's tick count, when the
    /// trace has ticks and this machine the counter. A stop on the way
    /// that is not ours is handled as any (and returned when the debugger
    /// must see it).
    pub(super) fn seek_by_ticks(&mut self) -> Result<Option<StopReason>> {
        let (Some(target), Some(now)) = (self.next_async_ticks(), self.ticks()) else {
            return Ok(None);
        };
        let crate::trace::TickMode::Pmu { event, .. } = self.reader.header().ticks else {
            return Ok(None);
        };
        let Some(period) = overflow_period(now, target, SKID) else {
            return Ok(None);
        };
        if self.pending_signal.is_some()
            || self.injecting.is_some()
            || self.task.blocks_signal(COUNT_SIGNAL)
            || !(self.triggers_suspended || (self.breakpoints.is_empty() && self.hw.is_empty()))
        {
            return Ok(None);
        }
        let Ok(counter) = HitCounter::branches(self.task.tid.as_raw(), event, period) else {
            return Ok(None);
        };
        self.task.resume(Resume::Cont, None)?;
        let stop = self.task.wait()?;
        drop(counter);
        match stop {
            Stop::Signal { sig, .. } if sig == COUNT_SIGNAL => {
                self.at_signal_stop = false;
                log::debug!(
                    "ticks: {} of {target} by the overflow interrupt",
                    self.ticks().unwrap_or(0)
                );
                Ok(None)
            }
            Stop::Signal { sig, info } => {
                self.at_signal_stop = true;
                self.on_signal(super::RunMode::Continue, sig, info)
            }
            Stop::Exited(c) => Ok(Some(
                self.finish(super::EndKind::Exited(crate::trace::ExitKind::Exited(c))),
            )),
            Stop::Killed(s) => Ok(Some(
                self.finish(super::EndKind::Exited(crate::trace::ExitKind::Killed(s))),
            )),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_is_reached_only_at_its_recorded_count() {
        // Counts read at a preemption when recorded, and at two arrivals at
        // its instruction when replayed: only the second is the point.
        assert!(!ticks_agree(Some(10_014_507), Some(10_014_391)));
        assert!(ticks_agree(Some(10_014_507), Some(10_014_507)));
        // Without a counter on one side, registers alone decide.
        assert!(ticks_agree(None, Some(5)));
        assert!(ticks_agree(Some(5), None));
    }

    #[test]
    fn the_interrupt_is_set_short_of_the_count() {
        // From 9_000_000 to 10_014_507: stop SKID branches early, then the
        // anchor breakpoint finds the point.
        assert_eq!(
            overflow_period(9_000_000, 10_014_507, SKID),
            Some(1_014_507 - SKID)
        );
        // Already within the skid: the breakpoint alone.
        assert_eq!(overflow_period(10_014_450, 10_014_507, SKID), None);
    }
}
