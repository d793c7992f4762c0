//! Memory shared between processes, at replay.
//!
//! Replayed processes are real processes: an anonymous `MAP_SHARED`
//! mapping made before a fork is shared by parent and child as it was when
//! recorded. A *file* mapped shared needs more: the trace keeps one copy of
//! the file as it was at its first mapping (`FileSaver::save_shared`), and
//! every mapping of that copy, in any process, must reach the same pages so
//! that what one process writes the others read, as with the real file.
//! [`SharedFiles`] gives each such copy one backing file of the replay's
//! own (the trace's copy is never written).
//!
//! Two kinds of copies of a process must not share those pages with it:
//! - a checkpoint: it is a fork, so its shared pages are the live ones and
//!   would hold later contents when returned to. A checkpoint keeps the
//!   contents of every shared writable mapping ([`SharedContents`]) and
//!   puts them back when it is restored;
//! - a copy that an anchor search runs ahead: its writes into shared
//!   memory would land in the replayed processes' memory. Its shared
//!   mappings are made private first ([`SharedContents::privatize`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::tracee::Task;

/// The replay's backing files for files mapped shared, by their name in
/// the trace.
#[derive(Default)]
pub struct SharedFiles {
    dir: Option<PathBuf>,
    backing: HashMap<String, PathBuf>,
}

impl SharedFiles {
    /// The backing file of the trace's copy `name` (at `saved`), made from
    /// it at the first use, and at least `min_len` bytes long (the program
    /// may have grown the file with ftruncate, which the replay does not
    /// run again).
    pub fn backing(&mut self, name: &str, saved: &Path, min_len: u64) -> std::io::Result<PathBuf> {
        let path = match self.backing.get(name) {
            Some(p) => p.clone(),
            None => {
                let dir = match &self.dir {
                    Some(d) => d.clone(),
                    None => {
                        let d = std::env::temp_dir().join(format!(
                            "rewind-shared-{}-{}",
                            std::process::id(),
                            name_suffix()
                        ));
                        std::fs::create_dir_all(&d)?;
                        self.dir = Some(d.clone());
                        d
                    }
                };
                let p = dir.join(name);
                std::fs::copy(saved, &p)?;
                self.backing.insert(name.to_string(), p.clone());
                p
            }
        };
        let f = std::fs::OpenOptions::new().write(true).open(&path)?;
        if f.metadata()?.len() < min_len {
            f.set_len(min_len)?;
        }
        Ok(path)
    }

    /// Whether `path` is one of the backing files.
    fn owns(&self, path: &str) -> bool {
        self.dir
            .as_ref()
            .is_some_and(|d| Path::new(path).starts_with(d))
    }
}

/// A distinct suffix for each session of this process.
fn name_suffix() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Drop for SharedFiles {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// A shared, writable mapping as `/proc/PID/maps` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SharedRange {
    start: u64,
    end: u64,
    prot: u64,
    offset: u64,
    path: String,
}

/// The shared writable mappings in a `/proc/PID/maps` text.
fn shared_ranges(maps: &str) -> Vec<SharedRange> {
    crate::tracee::maps::parse(maps)
        .into_iter()
        .filter_map(|m| {
            let p = m.perms.as_bytes();
            if p.len() < 4 || p[3] != b's' || p[1] != b'w' {
                return None;
            }
            let prot = [
                (0, libc::PROT_READ),
                (1, libc::PROT_WRITE),
                (2, libc::PROT_EXEC),
            ]
            .iter()
            .filter(|(i, _)| p[*i] != b'-')
            .fold(0, |acc, (_, v)| acc | v) as u64;
            Some(SharedRange {
                start: m.start,
                end: m.end,
                prot,
                offset: m.offset,
                path: m.name,
            })
        })
        .collect()
}

/// The contents of a process's shared writable mappings at one point.
#[derive(Default)]
pub struct SharedContents {
    ranges: Vec<(SharedRange, Vec<u8>)>,
}

/// Put `data` back into the backing file of shared range `r` (a file the
/// replay owns, which every mapping of it shares).
fn write_back(r: &SharedRange, data: &[u8]) -> super::Result<()> {
    use std::os::unix::fs::FileExt;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&r.path)
        .and_then(|f| f.write_all_at(data, r.offset))
        .map_err(|e| copy_error("restore", e))
}

/// Errors putting shared memory in place in a copy.
fn copy_error(what: &str, e: impl std::fmt::Display) -> super::ReplayError {
    super::ReplayError::Unsupported(format!(
        "cannot {what} the shared memory of a copy of the replayed process: {e}"
    ))
}

impl SharedContents {
    /// The contents of `task`'s process's shared writable mappings now.
    pub fn take(task: &Task) -> SharedContents {
        let maps = std::fs::read_to_string(format!("/proc/{}/maps", task.pid)).unwrap_or_default();
        SharedContents {
            ranges: shared_ranges(&maps)
                .into_iter()
                .map(|r| {
                    let data = task.read_mem(r.start, (r.end - r.start) as usize);
                    (r, data)
                })
                .collect(),
        }
    }

    /// In `copy` (a fresh fork of a checkpoint, stopped where a syscall can
    /// be injected at `insn`), put back the contents kept: into the backing
    /// file for a file of the trace's (the next mappings of it, in this or
    /// later processes, must find them), else into a new shared anonymous
    /// mapping of the copy's own, so that it shares nothing with the
    /// process it replaces.
    pub fn restore(&self, copy: &Task, insn: u64, files: &SharedFiles) -> super::Result<()> {
        for (r, data) in &self.ranges {
            if files.owns(&r.path) {
                write_back(r, data)?;
            } else {
                remap(copy, insn, r, libc::MAP_SHARED)?;
                copy.write_mem(r.start, data)
                    .map_err(|e| copy_error("restore", e))?;
            }
        }
        Ok(())
    }

    /// In `copy` (a fresh fork of a copy made inside the current stretch,
    /// while the replay's other processes wait), put back the contents
    /// kept into the mappings it shares with them: they must go on
    /// sharing them, and none of them has run since the copy was made.
    pub fn restore_in_place(&self, copy: &Task, files: &SharedFiles) -> super::Result<()> {
        for (r, data) in &self.ranges {
            if files.owns(&r.path) {
                write_back(r, data)?;
            } else {
                copy.write_mem(r.start, data)
                    .map_err(|e| copy_error("restore", e))?;
            }
        }
        Ok(())
    }

    /// Give `copy` (a fork that will run ahead of the replayed process)
    /// private copies of the shared mappings, with the contents kept.
    pub fn privatize(&self, copy: &Task, insn: u64) -> super::Result<()> {
        for (r, data) in &self.ranges {
            remap(copy, insn, r, libc::MAP_PRIVATE)?;
            copy.write_mem(r.start, data)
                .map_err(|e| copy_error("privatize", e))?;
        }
        Ok(())
    }
}

/// Replace `r` in `copy` with fresh anonymous memory (`kind`: shared or
/// private) with the same protection (writable: only writable mappings
/// are kept).
fn remap(copy: &Task, insn: u64, r: &SharedRange, kind: i32) -> super::Result<()> {
    let len = r.end - r.start;
    let flags = (kind | libc::MAP_ANONYMOUS | libc::MAP_FIXED) as u64;
    let res = copy
        .inject_syscall(
            insn,
            libc::SYS_mmap as u64,
            [r.start, len, r.prot, flags, u64::MAX, 0],
        )
        .map_err(|e| copy_error("map", e))?;
    if res != r.start {
        return Err(copy_error(
            "map",
            format!("mmap at {:#x} gave {:#x}", r.start, res),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_shared_writable_mappings_are_taken() {
        let maps = "\
555555554000-555555555000 r--p 00000000 00:20 123 /usr/bin/prog
7ffff7fbc000-7ffff7fbd000 rw-s 00000000 00:05 1044 /dev/zero (deleted)
7ffff7fbd000-7ffff7fbf000 rw-s 00002000 00:1a 77 /dev/shm/sem.mp-abc
7ffff7fc0000-7ffff7fc1000 r--s 00000000 00:1a 78 /dev/shm/ro
7ffff7fc1000-7ffff7fc2000 rw-p 00000000 00:00 0
";
        let r = shared_ranges(maps);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].start, 0x7ffff7fbc000);
        assert_eq!(r[0].path, "/dev/zero (deleted)");
        assert_eq!(r[0].prot, (libc::PROT_READ | libc::PROT_WRITE) as u64);
        assert_eq!(r[1].offset, 0x2000);
        assert_eq!(r[1].path, "/dev/shm/sem.mp-abc");
    }
}
