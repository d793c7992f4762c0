//! The replay side of the in-process syscall buffer (see
//! `record/syscallbuf.rs`).
//!
//! The preload library runs at replay as it did when recorded, except
//! that it makes no syscall: each buffered call takes the next record of
//! the thread's buffer. A `SyscallBuf` event comes just before the event
//! of its thread that ended the batch; the replay writes its records into
//! the thread's buffer (and sets it to replaying) before running the
//! thread to that event. One thread runs at a time, so the records the
//! thread takes on its way there are exactly that batch: at the event,
//! the batch must have been taken whole, each record by the same call
//! (number and arguments) the recording made, or the replay diverged.

use rewind_syscallbuf::layout::*;

use super::divergence::Divergence;
use super::{ReplaySession, Result};
use crate::trace::Event;

fn word(b: &[u8], at: u64) -> u64 {
    b.get(at as usize..at as usize + 8)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

impl ReplaySession {
    /// The `SyscallBuf` event at `self.next`: put its records in its
    /// thread's buffer.
    pub(super) fn fill_syscall_buffer(&mut self) -> Result<()> {
        let idx = self.next;
        let Some(Event::SyscallBuf {
            tid,
            addr,
            count,
            records,
        }) = self.events.get(idx)
        else {
            return Ok(());
        };
        let Some(task) = self.task_of(*tid) else {
            return Err(Divergence::new(
                &self.events,
                idx,
                self.arch,
                "the thread of buffered syscalls",
            )
            .replayed(format!("no thread {tid}"))
            .into());
        };
        let mut hdr = [0u8; 48];
        for (off, v) in [
            (HDR_MODE, MODE_REPLAY),
            (HDR_COUNT, *count),
            (HDR_USED, records.len() as u64),
            (HDR_CONSUMED, 0),
            (HDR_CONSUMED_BYTES, 0),
        ] {
            hdr[off as usize..off as usize + 8].copy_from_slice(&v.to_le_bytes());
        }
        task.write_mem(*addr + HDR_SIZE, records)?;
        task.write_mem(*addr, &hdr[..40])?;
        task.write_mem(*addr + HDR_MISMATCH, &0u64.to_le_bytes())?;
        self.next += 1;
        Ok(())
    }

    /// Events `from..to` were just reached: for each that ends a batch
    /// (its thread's `SyscallBuf` event just before it), check that the
    /// thread took the whole batch, call by call as recorded.
    pub(super) fn check_syscall_buffers(&self, from: usize, to: usize) -> Result<()> {
        for idx in from..to {
            let Some(ev) = self.events.get(idx) else {
                continue;
            };
            if matches!(ev, Event::SyscallBuf { .. }) || idx == 0 {
                continue;
            }
            let Some(Event::SyscallBuf {
                tid,
                addr,
                count,
                records,
            }) = self.events.get(idx - 1)
            else {
                continue;
            };
            if *tid != ev.tid() {
                continue;
            }
            // A thread (or process) that is gone took what it took.
            let Some(task) = self.task_of(*tid) else {
                continue;
            };
            let Ok(hdr) = task.read_mem_exact(*addr, HDR_SIZE as usize) else {
                continue;
            };
            if word(&hdr, HDR_MODE) != MODE_REPLAY || word(&hdr, HDR_COUNT) != *count {
                continue;
            }
            let consumed = word(&hdr, HDR_CONSUMED);
            let mismatch = word(&hdr, HDR_MISMATCH) != 0;
            if consumed == *count && !mismatch {
                continue;
            }
            let recs = rewind_syscallbuf::decode(records, *count).unwrap_or_default();
            let describe = |i: u64| {
                recs.get(i as usize).map_or_else(
                    || "nothing".to_string(),
                    |r| {
                        let name = self.arch.syscall_name(r.nr);
                        let args: Vec<String> = r.args.iter().map(|a| format!("{a:#x}")).collect();
                        format!("{name}({}) = {:#x}", args.join(", "), r.result)
                    },
                )
            };
            let what = if mismatch {
                "the syscalls the thread made through the syscall buffer: a call differed \
                 from the recorded one"
            } else {
                "the syscalls the thread made through the syscall buffer before this event"
            };
            return Err(Divergence::new(&self.events, idx, self.arch, what)
                .diff(
                    "buffered syscalls taken",
                    count.to_string(),
                    consumed.to_string(),
                )
                .diff(
                    "next buffered syscall",
                    describe(consumed),
                    if mismatch {
                        "another call".to_string()
                    } else {
                        "this event first".to_string()
                    },
                )
                .into());
        }
        Ok(())
    }
}
