//! Saving the files a recorded process executes or maps into the trace, so
//! that replay does not depend on them staying unchanged.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::trace::files::{append_identity, write_identities, FileIdentity};
use crate::trace::SavedFile;

/// Files saved so far, by (device, inode, mtime, size).
pub struct FileSaver {
    dir: PathBuf,
    saved: HashMap<(u64, u64, i64, u64), String>,
    /// Files mapped shared and writable, by (device, inode): copied once,
    /// at their first mapping (see [`FileSaver::save_shared`]).
    shared: HashMap<(u64, u64), String>,
    next: usize,
    /// What each saved file was when saved, as kept in the trace.
    identities: Vec<FileIdentity>,
    /// Time spent reading saved files to checksum them.
    pub hashing: std::time::Duration,
}

impl FileSaver {
    pub fn new(files_dir: &Path) -> FileSaver {
        FileSaver {
            dir: files_dir.to_path_buf(),
            saved: HashMap::new(),
            shared: HashMap::new(),
            next: 0,
            identities: Vec::new(),
            hashing: std::time::Duration::ZERO,
        }
    }

    /// The trace directory (`files/`'s parent).
    fn trace_dir(&self) -> &Path {
        self.dir.parent().unwrap_or(&self.dir)
    }

    /// Keep the identity of the file just saved as `name`, in the trace.
    fn note_identity(&mut self, name: &str, original: &str) -> std::io::Result<()> {
        let t = std::time::Instant::now();
        let id = FileIdentity::of(&self.dir.join(name), name, original)?;
        self.hashing += t.elapsed();
        append_identity(self.trace_dir(), &id)?;
        self.identities.push(id);
        Ok(())
    }

    /// At the end of the recording: a saved file that changed while the
    /// program ran (a file it wrote through a mapping) gets the identity
    /// it has now, which is what a replay will find.
    pub fn finish(&mut self) -> std::io::Result<()> {
        let mut changed = false;
        for id in &mut self.identities {
            let path = self.dir.join(&id.saved);
            let Ok(md) = std::fs::metadata(&path) else {
                continue;
            };
            if id.same_stat(&md) {
                continue;
            }
            log::info!(
                "{} changed while recording; keeping its identity at the end",
                id.original
            );
            let t = std::time::Instant::now();
            *id = FileIdentity::of(&path, &id.saved, &id.original)?;
            self.hashing += t.elapsed();
            changed = true;
        }
        if changed {
            write_identities(self.trace_dir(), &self.identities)?;
        }
        log::info!(
            "checksummed {} saved files in {:.1} ms",
            self.identities.len(),
            self.hashing.as_secs_f64() * 1e3
        );
        Ok(())
    }

    /// Save the file whose contents are readable at `source` (a path, or a
    /// /proc/PID/fd/N link) and whose name was `original`. Hard-links when
    /// possible, else copies. Returns its record.
    pub fn save(&mut self, source: &Path, original: &str) -> std::io::Result<SavedFile> {
        let md = std::fs::metadata(source)?;
        let key = (md.dev(), md.ino(), md.mtime(), md.size());
        if let Some(name) = self.saved.get(&key) {
            return Ok(SavedFile {
                original: original.to_string(),
                saved: name.clone(),
                size: md.size(),
            });
        }
        let name = self.new_name(original);
        let dest = self.dir.join(&name);
        // A hard link shares the inode: only when the original path still
        // names the very file we were asked about.
        // Linking a symbolic link would link the link itself: resolve it.
        let real = std::fs::canonicalize(original).unwrap_or_else(|_| PathBuf::from(original));
        let linked = match std::fs::metadata(&real) {
            Ok(o) if o.dev() == md.dev() && o.ino() == md.ino() => {
                std::fs::hard_link(&real, &dest).is_ok()
            }
            _ => false,
        };
        if !linked {
            std::fs::copy(source, &dest)?;
        }
        self.note_identity(&name, original)?;
        self.saved.insert(key, name.clone());
        Ok(SavedFile {
            original: original.to_string(),
            saved: name,
            size: md.size(),
        })
    }

    /// Save a file that the program maps shared and may write through the
    /// mapping (or that other recorded processes write): a copy of its
    /// contents now, never a hard link (the program's writes would reach
    /// the trace's copy, and the replay would start from the file's last
    /// state). The same file mapped again, by this process or another,
    /// gets the same name: the replay gives every mapping of one name one
    /// shared backing, so that processes that shared the file at record
    /// share it at replay, and what one wrote is what the next mapping
    /// finds.
    ///
    /// `mapped_elsewhere` says whether another mapping of the file exists
    /// in the recorded processes. When none does, the file is copied
    /// afresh under a new name: it may have been written with write(), or
    /// deleted and made again with the same inode number (a database's
    /// shared-memory index between two sessions), and the new mapping must
    /// find what the file holds now.
    pub fn save_shared(
        &mut self,
        source: &Path,
        original: &str,
        mapped_elsewhere: bool,
    ) -> std::io::Result<SavedFile> {
        let md = std::fs::metadata(source)?;
        let key = (md.dev(), md.ino());
        match self.shared.get(&key) {
            Some(name) if mapped_elsewhere => {
                return Ok(SavedFile {
                    original: original.to_string(),
                    saved: name.clone(),
                    size: md.size(),
                })
            }
            _ => {}
        }
        let name = self.new_name(original);
        std::fs::copy(source, self.dir.join(&name))?;
        self.note_identity(&name, original)?;
        self.shared.insert(key, name.clone());
        Ok(SavedFile {
            original: original.to_string(),
            saved: name,
            size: md.size(),
        })
    }

    /// A fresh name under `files/` for a file whose path was `original`.
    fn new_name(&mut self, original: &str) -> String {
        let base = Path::new(original)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let base: String = base
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_+".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("{:03}-{base}", self.next);
        self.next += 1;
        name
    }
}
