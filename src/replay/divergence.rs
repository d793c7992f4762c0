//! Divergence reports: the replay is not where the recording was.
//!
//! A report names the event, the recorded process and thread, what the
//! recording made there and what the replay made instead, the values that
//! differ, and what the user can do:
//!
//! ```text
//! replay diverged at event 12345 (pid 4711, thread 4713): the recording made
//! write(1, 17 bytes) here; the replay made futex(0x7f.., 0x80, 0x2)
//! ```

use crate::arch::regs::Regs;
use crate::arch::Arch;
use crate::trace::Event;

/// What differed, where, and the events leading up to it.
#[derive(Debug, Clone)]
pub struct Divergence {
    /// Index of the event being replayed.
    pub event: u64,
    /// The recorded process and thread of that event (None past the end
    /// of the trace).
    pub pid: Option<i32>,
    pub tid: Option<i32>,
    /// What was being checked ("registers at syscall entry", ...).
    pub what: String,
    /// What the recording made at this event.
    pub recorded: String,
    /// What the replay made instead, when known.
    pub replayed: Option<String>,
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
        let ev = events.get(index);
        let tid = ev.map(|e| e.tid());
        let pid = tid.map(|t| {
            crate::trace::processes::ProcessTable::of(events, arch)
                .pid_of(t)
                .unwrap_or(t)
        });
        Divergence {
            event: index as u64,
            pid,
            tid,
            what: what.into(),
            recorded: ev.map_or_else(
                || "nothing more (the trace ends before this)".to_string(),
                |e| describe_event(e, arch),
            ),
            replayed: None,
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

    /// What the replay made at this point.
    pub fn replayed(mut self, what: impl Into<String>) -> Self {
        self.replayed = Some(what.into());
        self
    }

    /// What the replay made: as told, else the found side of an "event"
    /// difference.
    fn replay_side(&self) -> String {
        if let Some(r) = &self.replayed {
            return r.clone();
        }
        match self.diffs.iter().find(|(item, _, _)| item == "event") {
            Some((_, _, found)) => found.clone(),
            None => format!("something else ({})", self.what),
        }
    }
}

/// A syscall as a user reads it: `write(1, 17 bytes)`, `futex(0x7f.., 0x80)`.
pub fn describe_syscall(arch: Arch, regs: &Regs) -> String {
    let name = arch.syscall_name(regs.syscall_nr());
    let a = regs.syscall_args();
    match name.as_str() {
        "write" | "read" | "pwrite64" | "pread64" | "send" | "recv" | "sendto" | "recvfrom" => {
            format!("{name}({}, {} bytes)", a[0] as i64, a[2])
        }
        "writev" | "readv" | "pwritev" | "preadv" | "pwritev2" | "preadv2" => {
            format!("{name}({}, {} buffers)", a[0] as i64, a[2])
        }
        "exit" | "exit_group" => format!("{name}({})", a[0] as i32),
        _ => {
            let n = crate::arch::syscall::arg_count(&name).unwrap_or(a.len());
            let args: Vec<String> = a[..n].iter().map(|x| format!("{x:#x}")).collect();
            format!("{name}({})", args.join(", "))
        }
    }
}

/// An event as "the recording made ..." names it.
pub fn describe_event(e: &Event, arch: Arch) -> String {
    match e {
        Event::Syscall(s) => {
            let res = s.result as i64;
            let res = if (-4095..0).contains(&res) {
                format!("-{}", crate::trace::errno_name(-res as i32))
            } else {
                format!("{res:#x}")
            };
            format!("{} = {res}", describe_syscall(arch, &s.regs))
        }
        Event::SyscallEntry { regs, .. } => {
            format!("{} (blocking)", describe_syscall(arch, regs))
        }
        Event::Signal { signo, .. } => format!(
            "signal {} in thread {}",
            crate::trace::signal_name(*signo),
            e.tid()
        ),
        Event::Exit { kind, .. } => format!("the end of the process ({kind})"),
        other => other.summary(arch),
    }
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = match (self.pid, self.tid) {
            (Some(p), Some(t)) => format!(" (pid {p}, thread {t})"),
            _ => " (at the end of the trace)".to_string(),
        };
        writeln!(
            f,
            "replay diverged at event {}{who}: the recording made {} here; the replay made {}",
            self.event,
            self.recorded,
            self.replay_side()
        )?;
        writeln!(f, "  checked: {}", self.what)?;
        for (item, e, g) in &self.diffs {
            writeln!(f, "  {item}: recorded {e}, replayed {g}")?;
        }
        writeln!(f, "last events:")?;
        for r in &self.recent {
            writeln!(f, "{r}")?;
        }
        write!(
            f,
            "The trace and this replay disagree: the program, its libraries or the CPU \
             (see `rewind info`) differ from the recording, or rewind mis-recorded an input. \
             Please report it with the output of `rewind dump --around {}`.",
            self.event
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::x86_64::regs::Regs as X86Regs;

    use crate::trace::event::test_syscall as syscall;

    #[test]
    fn message_names_event_process_thread_and_both_sides() {
        let exec = Event::Exit {
            tid: 7,
            kind: crate::trace::ExitKind::Exited(0),
        };
        let events = vec![exec, syscall(7, 1, [1, 0x1000, 17, 0, 0, 0], 17)];
        let mut futex = X86Regs {
            orig_rax: 202,
            ..Default::default()
        };
        futex.set_syscall_args([0x7000, 0x80, 2, 0, 0, 0]);
        let d = Divergence::new(&events, 1, Arch::X86_64, "registers at the entry of write")
            .replayed(describe_syscall(Arch::X86_64, &Regs::X86_64(futex)))
            .diff("orig_rax", "0x1", "0xca");
        let text = d.to_string();
        assert!(
            text.starts_with(
                "replay diverged at event 1 (pid 7, thread 7): the recording made \
                 write(1, 17 bytes) = 0x11 here; the replay made futex(0x7000, 0x80, 0x2, 0x0, 0x0, 0x0)"
            ),
            "{text}"
        );
        assert!(
            text.contains("orig_rax: recorded 0x1, replayed 0xca"),
            "{text}"
        );
        assert!(text.contains("rewind dump --around 1"), "{text}");
    }

    #[test]
    fn past_the_end() {
        let events = vec![syscall(7, 39, [0; 6], 7)];
        let d = Divergence::new(&events, 1, Arch::X86_64, "the end").diff(
            "event",
            "the end of the trace",
            "getpid()",
        );
        let text = d.to_string();
        assert!(
            text.starts_with("replay diverged at event 1 (at the end of the trace)"),
            "{text}"
        );
        assert!(text.contains("the replay made getpid()"), "{text}");
    }
}
