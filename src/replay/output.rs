//! The program's output at replay: what a write-like syscall wrote is
//! checked against its `Written` event (length and checksum), and echoed
//! on rewind's own stdout or stderr when it reached the recording's. Traces
//! without `Written` events (format 5 and older) follow the descriptors
//! instead (`stdio.rs`).

use std::io::Write;

use super::{Echo, ReplaySession, Result};
use crate::arch::output::{gather, output_of, Source};
use crate::arch::regs::Regs;
use crate::trace::{Event, SyscallEvent};

impl ReplaySession {
    /// Whether the next event is the `Written` event of the syscall the
    /// running thread just made.
    pub(super) fn written_next(&self) -> bool {
        matches!(self.events.get(self.next), Some(Event::Written { tid, .. }) if *tid == self.current_tid)
    }

    /// The `Written` event at `self.next`: the bytes the replayed syscall
    /// (its `Syscall` event comes just before) sends are checked against
    /// it, and echoed when the recording's went to rewind's own output.
    pub(super) fn replay_written(&mut self) -> Result<()> {
        let idx = self.next;
        let Some(Event::Written {
            tid,
            stream,
            len,
            crc,
            data,
        }) = self.events.get(idx).cloned()
        else {
            return Ok(());
        };
        let echoed = self.echoed_at_entry.remove(&idx);
        let bytes = match self.written_bytes(idx, tid) {
            Some(bytes) => bytes,
            // From another descriptor: the trace holds the bytes.
            None => data,
        };
        if bytes.len() as u64 != len || crc32fast::hash(&bytes) != crc {
            return Err(self.output_divergence(idx, len, crc, &bytes));
        }
        if let (Some(s), false) = (stream, echoed) {
            self.echo(idx, s as u64, &bytes);
        }
        self.next += 1;
        Ok(())
    }

    /// What the syscall before `Written` event `idx` of thread `tid` sends,
    /// read from the replayed memory: `None` when its bytes come from
    /// another descriptor (or the event follows no syscall of the thread).
    fn written_bytes(&self, idx: usize, tid: i32) -> Option<Vec<u8>> {
        let Some(Event::Syscall(sc)) = idx.checked_sub(1).and_then(|i| self.events.get(i)) else {
            return None;
        };
        if sc.tid != tid {
            return None;
        }
        let name = self.arch.syscall_name(sc.regs.syscall_nr());
        let out = output_of(&name, &sc.regs.syscall_args())?;
        let task = self.task_of(tid)?;
        let read = |addr: u64, n: usize| task.read_mem(addr, n);
        let want = (sc.result as i64).max(0) as usize;
        gather(out.source, want, &read)
    }

    fn output_divergence(
        &self,
        idx: usize,
        len: u64,
        crc: u32,
        found: &[u8],
    ) -> super::ReplayError {
        let what = match idx.checked_sub(1).and_then(|i| self.events.get(i)) {
            Some(Event::Syscall(sc)) => format!(
                "the bytes written by {}({})",
                self.arch.syscall_name(sc.regs.syscall_nr()),
                sc.regs.syscall_args()[0]
            ),
            _ => "the bytes of a write".to_string(),
        };
        let preview: String = String::from_utf8_lossy(&found[..found.len().min(60)])
            .chars()
            .map(|c| if c.is_control() { '.' } else { c })
            .collect();
        super::Divergence::new(&self.events, idx, self.arch, what)
            .diff("length", len.to_string(), found.len().to_string())
            .diff(
                "checksum",
                format!("{crc:08x}"),
                format!("{:08x}", crc32fast::hash(found)),
            )
            .diff("bytes", "(as recorded)", format!("{preview:?}"))
            .into()
    }

    /// Echo the output of `Written` event `idx` now, at the entry of its
    /// syscall (left blocking when recorded), with the replayed bytes.
    fn echo_written_at_entry(&mut self, idx: usize, regs: &Regs) {
        let Some(Event::Written {
            stream: Some(s),
            len,
            data,
            ..
        }) = self.events.get(idx)
        else {
            return;
        };
        let name = self.arch.syscall_name(regs.syscall_nr());
        let Some(out) = output_of(&name, &regs.syscall_args()) else {
            return;
        };
        let bytes = match out.source {
            Source::Fd { .. } => data.clone(),
            source => {
                let read = |addr: u64, n: usize| self.task.read_mem(addr, n);
                gather(source, *len as usize, &read).unwrap_or_default()
            }
        };
        self.echo(idx, *s as u64, &bytes);
        self.echoed_at_entry.insert(idx);
    }

    /// For an emulated write to stdout or stderr, echo the bytes.
    /// At the entry of a syscall left blocking when recorded (its event at
    /// `entry`): a write to the recording's stdout or stderr is echoed now,
    /// when the kernel took the bytes (its `Syscall` event may come after
    /// other tasks' output), with the recorded count.
    pub(super) fn echo_at_entry(&mut self, entry: usize, regs: &Regs) {
        let name = self.arch.syscall_name(regs.syscall_nr());
        if output_of(&name, &regs.syscall_args()).is_none() {
            return;
        }
        let tid = self.current_tid;
        let Some((i, ev)) =
            self.events[entry + 1..]
                .iter()
                .enumerate()
                .find_map(|(i, e)| match e {
                    Event::Syscall(s) if s.tid == tid => Some((entry + 1 + i, s.clone())),
                    _ => None,
                })
        else {
            return;
        };
        if matches!(self.events.get(i + 1), Some(Event::Written { tid: t, .. }) if *t == tid) {
            self.echo_written_at_entry(i + 1, regs);
            return;
        }
        self.emulate_output(i, regs, &ev);
        self.echoed_at_entry.insert(i);
    }

    /// `idx` is the index of its `Syscall` event.
    pub(super) fn emulate_output(&self, idx: usize, regs: &Regs, ev: &SyscallEvent) {
        let nr = regs.syscall_nr();
        let name = self.arch.syscall_name(nr);
        let a = regs.syscall_args();
        let res = ev.result as i64;
        if res <= 0 {
            return;
        }
        let Some(to) = self.stdio.target(self.current_pid(), a[0]) else {
            return;
        };
        // The calls whose output older traces echo, read as the recorder
        // describes them (`arch::output`).
        if !matches!(
            name.as_str(),
            "write" | "pwrite64" | "writev" | "pwritev" | "pwritev2"
        ) {
            return;
        }
        let Some(out) = output_of(&name, &a) else {
            return;
        };
        let read = |addr: u64, n: usize| self.task.read_mem(addr, n);
        if let Some(data) = gather(out.source, res as usize, &read) {
            self.echo(idx, to, &data);
        }
    }

    /// Echo a write to the recorded stdout/stderr; `idx` is the index of
    /// the event it belongs to. With [`Echo::StdioOnce`] a write is echoed
    /// only the first time the session passes it: the frontier is kept
    /// across the restarts a timeline makes when it goes back.
    fn echo(&self, idx: usize, fd: u64, data: &[u8]) {
        match self.echo {
            Echo::Off => return,
            Echo::Stdio => {}
            Echo::StdioOnce => {
                if idx < self.echo_frontier.get() {
                    return;
                }
                self.echo_frontier.set(idx + 1);
            }
        }
        // Once-only echo goes to a reader that shows it as it comes: a
        // partial line is not held back.
        let flush = matches!(self.echo, Echo::StdioOnce);
        let _ = match fd {
            1 => {
                let mut out = std::io::stdout().lock();
                out.write_all(data)
                    .and_then(|_| if flush { out.flush() } else { Ok(()) })
            }
            2 => std::io::stderr().lock().write_all(data),
            _ => Ok(()),
        };
    }
}
