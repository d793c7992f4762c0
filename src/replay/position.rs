//! Positions in a replay.
//!
//! Between two events a single-threaded program runs deterministically, so
//! a point in that stretch is named by how it is reached from the event: a
//! chain of segments, each "the n-th arrival at an address", "the n-th time
//! a watchpoint fires" or "n single steps", counted from the end of the
//! previous segment. Replaying the chain from the event reaches exactly the
//! same point, without a hardware counter.
//!
//! A segment may also count back from the end of the stretch: "the n-th
//! last hit of a trigger before the next event". That names the last hits
//! of a long stretch without counting the ones before them (each counted
//! hit costs a debug exception); it is reached by finding, from the end,
//! a point after which the stretch has at least n hits (see
//! `timeline/tail.rs`), then counting forward.

use super::hw::PointKind;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// The `count`-th arrival at `addr` (about to execute it).
    Exec { addr: u64, count: u64 },
    /// The `count`-th time a watch on `[addr, addr+len)` fires.
    Watch {
        addr: u64,
        len: u64,
        kind: PointKind,
        count: u64,
    },
    /// This many single instructions.
    Steps(u64),
    /// The `count`-th last hit of a trigger (an `Exec` or `Watch` segment,
    /// whose count this is) before the next event: 1 is the last one.
    FromEnd(Box<Segment>),
}

impl Segment {
    pub fn count(&self) -> u64 {
        match self {
            Segment::Exec { count, .. } | Segment::Watch { count, .. } => *count,
            Segment::Steps(n) => *n,
            Segment::FromEnd(s) => s.count(),
        }
    }

    /// The segment that counts the same trigger forward (itself unless it
    /// counts from the end).
    pub fn forward(&self) -> &Segment {
        match self {
            Segment::FromEnd(s) => s,
            s => s,
        }
    }

    /// Whether this segment counts back from the end of the stretch.
    pub fn from_end(&self) -> bool {
        matches!(self, Segment::FromEnd(_))
    }

    /// The same segment with another count.
    pub fn with_count(&self, n: u64) -> Segment {
        match self.clone() {
            Segment::Exec { addr, .. } => Segment::Exec { addr, count: n },
            Segment::Watch {
                addr, len, kind, ..
            } => Segment::Watch {
                addr,
                len,
                kind,
                count: n,
            },
            Segment::Steps(_) => Segment::Steps(n),
            Segment::FromEnd(s) => Segment::FromEnd(Box::new(s.with_count(n))),
        }
    }

    /// The address the segment's trigger watches (0 for steps).
    fn addr(&self) -> u64 {
        match self {
            Segment::Exec { addr, .. } | Segment::Watch { addr, .. } => *addr,
            Segment::Steps(_) => 0,
            Segment::FromEnd(s) => s.addr(),
        }
    }

    fn same_trigger(&self, other: &Segment) -> bool {
        self.with_count(0) == other.with_count(0)
    }
}

/// A point in the replay: `event` events have been replayed, then `chain`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Position {
    pub event: u64,
    pub chain: Vec<Segment>,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event {}", self.event)?;
        for s in &self.chain {
            match s {
                Segment::Exec { addr, count } => write!(f, " +{count}x@{addr:#x}")?,
                Segment::Watch { addr, count, .. } => write!(f, " +{count}xwatch@{addr:#x}")?,
                Segment::Steps(n) => write!(f, " +{n} steps")?,
                Segment::FromEnd(s) => match **s {
                    Segment::Watch { addr, count, .. } => write!(f, " -{count}xwatch@{addr:#x}")?,
                    ref s => write!(f, " -{}x@{:#x}", s.count(), s.addr())?,
                },
            }
        }
        Ok(())
    }
}

/// Append `seg` to `chain`, merging it with the last segment when both
/// count the same trigger (counting one trigger's arrivals from a point
/// does not depend on what else stopped the program in between). Hits
/// counted forward after the n-th last hit of the same trigger make it a
/// later one from the end.
pub fn push(chain: &mut Vec<Segment>, seg: Segment) {
    if seg.count() == 0 {
        return;
    }
    if let Some(last) = chain.last_mut() {
        if last.same_trigger(&seg) && !seg.from_end() {
            *last = last.with_count(last.count() + seg.count());
            return;
        }
        if last.from_end() && last.forward().same_trigger(&seg) && seg.count() < last.count() {
            *last = last.with_count(last.count() - seg.count());
            return;
        }
    }
    chain.push(seg);
}

impl Position {
    pub fn at_event(event: u64) -> Position {
        Position {
            event,
            chain: Vec::new(),
        }
    }

    /// The segments that lead from `from` to `self`, when `from` lies on
    /// the way to `self` (same event, and its chain a prefix of ours, its
    /// last segment possibly a partial count of ours).
    pub fn remainder_from(&self, from: &Position) -> Option<Vec<Segment>> {
        if from.event != self.event || from.chain.len() > self.chain.len() {
            return None;
        }
        let n = from.chain.len();
        if n == 0 {
            return Some(self.chain.clone());
        }
        if from.chain[..n - 1] != self.chain[..n - 1] {
            return None;
        }
        let (a, b) = (&from.chain[n - 1], &self.chain[n - 1]);
        if !a.same_trigger(b) {
            return None;
        }
        let mut rest = Vec::new();
        if a.from_end() {
            // From the m-th last hit to the n-th last: m - n hits forward.
            if a.count() < b.count() {
                return None;
            }
            push(&mut rest, b.forward().with_count(a.count() - b.count()));
        } else {
            if a.count() > b.count() {
                return None;
            }
            push(&mut rest, b.with_count(b.count() - a.count()));
        }
        rest.extend_from_slice(&self.chain[n..]);
        Some(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(addr: u64, count: u64) -> Segment {
        Segment::Exec { addr, count }
    }

    #[test]
    fn pushing_merges_the_same_trigger() {
        let mut c = Vec::new();
        push(&mut c, exec(0x10, 1));
        push(&mut c, exec(0x10, 1));
        push(&mut c, Segment::Steps(1));
        push(&mut c, Segment::Steps(2));
        push(&mut c, exec(0x20, 1));
        assert_eq!(c, vec![exec(0x10, 2), Segment::Steps(3), exec(0x20, 1)]);
    }

    #[test]
    fn remainder_between_positions_of_one_stretch() {
        let p = Position {
            event: 5,
            chain: vec![exec(0x10, 4), Segment::Steps(3)],
        };
        let at_event = Position::at_event(5);
        assert_eq!(p.remainder_from(&at_event), Some(p.chain.clone()));
        let partial = Position {
            event: 5,
            chain: vec![exec(0x10, 1)],
        };
        assert_eq!(
            p.remainder_from(&partial),
            Some(vec![exec(0x10, 3), Segment::Steps(3)])
        );
        let other = Position {
            event: 5,
            chain: vec![exec(0x20, 1)],
        };
        assert_eq!(p.remainder_from(&other), None);
        assert_eq!(p.remainder_from(&Position::at_event(4)), None);
        let further = Position {
            event: 5,
            chain: vec![exec(0x10, 5)],
        };
        assert_eq!(p.remainder_from(&further), None);
    }

    fn last(addr: u64, n: u64) -> Segment {
        Segment::FromEnd(Box::new(exec(addr, n)))
    }

    #[test]
    fn hits_after_one_counted_from_the_end_count_down() {
        let mut c = vec![last(0x10, 5)];
        push(&mut c, exec(0x10, 2));
        assert_eq!(c, vec![last(0x10, 3)]);
        push(&mut c, exec(0x20, 1));
        assert_eq!(c, vec![last(0x10, 3), exec(0x20, 1)]);
        // Counted from the end, a segment is never merged into a forward one.
        let mut c = vec![exec(0x10, 5)];
        push(&mut c, last(0x10, 2));
        assert_eq!(c, vec![exec(0x10, 5), last(0x10, 2)]);
        assert_eq!(last(0x10, 4).forward(), &exec(0x10, 4));
    }

    #[test]
    fn remainder_between_points_counted_from_the_end() {
        let p = Position {
            event: 5,
            chain: vec![last(0x10, 2), Segment::Steps(3)],
        };
        let earlier = Position {
            event: 5,
            chain: vec![last(0x10, 7)],
        };
        assert_eq!(
            p.remainder_from(&earlier),
            Some(vec![exec(0x10, 5), Segment::Steps(3)])
        );
        let same = Position {
            event: 5,
            chain: vec![last(0x10, 2)],
        };
        assert_eq!(p.remainder_from(&same), Some(vec![Segment::Steps(3)]));
        let later = Position {
            event: 5,
            chain: vec![last(0x10, 1)],
        };
        assert_eq!(p.remainder_from(&later), None);
        // Forward and backward counts of one trigger do not compare.
        let forward = Position {
            event: 5,
            chain: vec![exec(0x10, 1)],
        };
        assert_eq!(p.remainder_from(&forward), None);
        assert_eq!(same.remainder_from(&forward), None);
        assert_eq!(
            p.remainder_from(&Position::at_event(5)),
            Some(p.chain.clone())
        );
    }

    #[test]
    fn positions_print_readably() {
        let p = Position {
            event: 7,
            chain: vec![exec(0x401000, 2), Segment::Steps(3)],
        };
        assert_eq!(p.to_string(), "event 7 +2x@0x401000 +3 steps");
        let q = Position {
            event: 7,
            chain: vec![last(0x401000, 1)],
        };
        assert_eq!(q.to_string(), "event 7 -1x@0x401000");
    }
}
