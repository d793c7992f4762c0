//! Positions in a replay.
//!
//! Between two events a single-threaded program runs deterministically, so
//! a point in that stretch is named by how it is reached from the event: a
//! chain of segments, each "the n-th arrival at an address", "the n-th time
//! a watchpoint fires" or "n single steps", counted from the end of the
//! previous segment. Replaying the chain from the event reaches exactly the
//! same point, without a hardware counter.

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
}

impl Segment {
    pub fn count(&self) -> u64 {
        match self {
            Segment::Exec { count, .. } | Segment::Watch { count, .. } => *count,
            Segment::Steps(n) => *n,
        }
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
            }
        }
        Ok(())
    }
}

/// Append `seg` to `chain`, merging it with the last segment when both
/// count the same trigger (counting one trigger's arrivals from a point
/// does not depend on what else stopped the program in between).
pub fn push(chain: &mut Vec<Segment>, seg: Segment) {
    if seg.count() == 0 {
        return;
    }
    if let Some(last) = chain.last_mut() {
        if last.same_trigger(&seg) {
            *last = last.with_count(last.count() + seg.count());
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
        if !a.same_trigger(b) || a.count() > b.count() {
            return None;
        }
        let mut rest = Vec::new();
        push(&mut rest, b.with_count(b.count() - a.count()));
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

    #[test]
    fn positions_print_readably() {
        let p = Position {
            event: 7,
            chain: vec![exec(0x401000, 2), Segment::Steps(3)],
        };
        assert_eq!(p.to_string(), "event 7 +2x@0x401000 +3 steps");
    }
}
