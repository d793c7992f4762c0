//! The set of checkpoints: explicit ones the user asked for, and automatic
//! ones thinned so that their number stays bounded.

use crate::replay::{Position, Snapshot};

/// Automatic checkpoints kept at most, unless `REWIND_CHECKPOINT_LIMIT`
/// says otherwise.
pub const MAX_AUTO: usize = 32;
/// The variable that sets another limit (0: none kept).
pub const LIMIT_VAR: &str = "REWIND_CHECKPOINT_LIMIT";

/// The limit on automatic checkpoints: `REWIND_CHECKPOINT_LIMIT`, or
/// [`MAX_AUTO`]; an error that says what is wrong with a bad value.
pub fn auto_limit() -> Result<usize, String> {
    match std::env::var(LIMIT_VAR) {
        Err(std::env::VarError::NotPresent) => Ok(MAX_AUTO),
        Ok(v) => v.trim().parse::<usize>().map_err(|_| {
            format!(
                "{LIMIT_VAR} must be the number of automatic checkpoints to keep (0 or more), \
                 not {v:?}"
            )
        }),
        Err(e) => Err(format!("{LIMIT_VAR} is not usable: {e}")),
    }
}
/// The newest automatic checkpoints are never thinned.
const KEEP_NEWEST: usize = 4;

/// What `info checkpoints` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointInfo {
    pub id: u32,
    pub event: u64,
    pub description: String,
}

struct Entry {
    id: u32,
    snap: Snapshot,
    explicit: bool,
}

pub struct Checkpoints {
    entries: Vec<Entry>,
    next_id: u32,
    /// Automatic checkpoints kept at most.
    limit: usize,
}

impl Default for Checkpoints {
    fn default() -> Checkpoints {
        Checkpoints::with_limit(MAX_AUTO)
    }
}

impl Checkpoints {
    pub fn with_limit(limit: usize) -> Checkpoints {
        Checkpoints {
            entries: Vec::new(),
            next_id: 0,
            limit,
        }
    }

    fn insert(&mut self, snap: Snapshot, explicit: bool) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        self.entries.push(Entry { id, snap, explicit });
        self.entries
            .sort_by_key(|e| (e.snap.position().event, e.snap.position().chain.len()));
        id
    }

    pub fn add_explicit(&mut self, snap: Snapshot) -> u32 {
        self.insert(snap, true)
    }

    /// Add an automatic checkpoint; its id.
    pub fn add_auto(&mut self, snap: Snapshot) -> u32 {
        let id = self.insert(snap, false);
        self.thin();
        id
    }

    /// Drop automatic checkpoints, where they are densest, down to the
    /// limit; the earliest when no gap can be merged (a limit of a few).
    fn thin(&mut self) {
        loop {
            let autos: Vec<usize> = (0..self.entries.len())
                .filter(|&i| !self.entries[i].explicit)
                .collect();
            if autos.len() <= self.limit {
                return;
            }
            let thinnable = autos.len().saturating_sub(KEEP_NEWEST.min(self.limit));
            // Removing autos[j] merges the gaps on both sides of it: pick
            // the one whose merged gap is smallest.
            let ev = |i: usize| self.entries[i].snap.position().event;
            let best = (1..thinnable)
                .min_by_key(|&j| ev(autos[j + 1]) - ev(autos[j - 1]))
                .map(|j| autos[j])
                .or_else(|| (thinnable > 0).then(|| autos[0]));
            match best {
                Some(i) => {
                    self.entries.remove(i);
                }
                None => return,
            }
        }
    }

    /// The latest live checkpoint strictly inside the stretch of `pos`
    /// and before it, from which `pos` is reached going forward.
    pub fn latest_within(&self, pos: &Position) -> Option<Position> {
        self.entries
            .iter()
            .rev()
            .map(|e| (&e.snap, e.snap.position()))
            .find(|(s, p)| {
                p.event == pos.event
                    && !p.chain.is_empty()
                    && p != pos
                    && pos.remainder_from(p).is_some()
                    && s.alive()
            })
            .map(|(_, p)| p)
    }

    pub fn has_at(&self, pos: &Position) -> bool {
        self.entries.iter().any(|e| &e.snap.position() == pos)
    }

    pub fn get(&self, id: u32) -> Option<&Snapshot> {
        self.entries.iter().find(|e| e.id == id).map(|e| &e.snap)
    }

    pub fn delete(&mut self, id: u32) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| !(e.id == id && e.explicit));
        self.entries.len() != before
    }

    pub fn explicit_infos(&self) -> Vec<CheckpointInfo> {
        self.entries
            .iter()
            .filter(|e| e.explicit)
            .map(|e| CheckpointInfo {
                id: e.id,
                event: e.snap.position().event,
                description: e.snap.position().to_string(),
            })
            .collect()
    }

    /// The latest live checkpoint from which `target` is reached by going
    /// forward, with its id and position.
    pub fn best_for(&self, target: &Position) -> Option<(u32, &Snapshot, Position)> {
        self.entries
            .iter()
            .rev()
            .map(|e| (e.id, &e.snap, e.snap.position()))
            .find(|(_, s, p)| {
                (p.event < target.event
                    || (p.event == target.event && target.remainder_from(p).is_some()))
                    && s.alive()
            })
    }

    /// Forget a checkpoint that can no longer be returned to; whether the
    /// user had asked for it.
    pub fn forget(&mut self, id: u32) -> bool {
        let explicit = self.entries.iter().any(|e| e.id == id && e.explicit);
        self.entries.retain(|e| e.id != id);
        explicit
    }
}
