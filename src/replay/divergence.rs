//! Divergence reports: the replay is not where the recording was.

use crate::arch::Arch;
use crate::trace::Event;

/// What differed, where, and the events leading up to it.
#[derive(Debug, Clone)]
pub struct Divergence {
    /// Index of the event being replayed.
    pub event: u64,
    /// What was being checked ("registers at syscall entry", ...).
    pub what: String,
    /// (item, expected, found)
    pub diffs: Vec<(String, String, String)>,
    /// The few events before this one, described.
    pub recent: Vec<String>,
}

impl Divergence {
    pub fn new(events: &[Event], index: usize, arch: Arch, what: impl Into<String>) -> Divergence {
        let from = index.saturating_sub(5);
        let recent = (from..=index.min(events.len().saturating_sub(1)))
            .filter_map(|i| {
                events
                    .get(i)
                    .map(|e| format!("  #{i}: {}", e.summary(arch)))
            })
            .collect();
        Divergence {
            event: index as u64,
            what: what.into(),
            diffs: Vec::new(),
            recent,
        }
    }

    pub fn diff(
        mut self,
        item: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        self.diffs
            .push((item.into(), expected.into(), found.into()));
        self
    }
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "replay diverged from the recording at event {}: {}",
            self.event, self.what
        )?;
        for (item, e, g) in &self.diffs {
            writeln!(f, "  {item}: expected {e}, found {g}")?;
        }
        writeln!(f, "last events:")?;
        for r in &self.recent {
            writeln!(f, "{r}")?;
        }
        write!(
            f,
            "The trace and this replay disagree: the program, its libraries or the CPU \
             (see `rewind info`) differ from the recording, or rewind mis-recorded an input. \
             Please report it with `rewind dump` output around this event."
        )
    }
}
