//! The identities of the files a trace saved under `files/` (the
//! executable, its loader, every mapped file), and making a trace
//! self-contained (`rewind pack`).
//!
//! A saved file is often a hard link to the original: when the original is
//! rewritten in place after recording (`cp` of another build over it), the
//! trace's copy changes with it. Each saved file's identity (size,
//! modification time, CRC32 of its contents) is kept in `files.ids`, one
//! JSON object per line, appended as files are saved; a replay checks every
//! saved file against it before it starts. Traces without that file (older
//! ones) are not checked.

use std::io::{BufRead, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FILES_DIR;

/// The identities file inside a trace directory.
pub const IDENTITIES_FILE: &str = "files.ids";

/// What a saved file was when it was saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    /// Name under `files/`.
    pub saved: String,
    /// Path when recorded.
    pub original: String,
    pub size: u64,
    /// Modification time (seconds and nanoseconds since the epoch).
    pub mtime: i64,
    pub mtime_nsec: i64,
    /// CRC32 of the contents.
    pub crc32: u32,
}

/// CRC32 of a file's contents, read in large blocks.
pub fn file_crc(path: &Path) -> std::io::Result<u32> {
    let mut f = std::fs::File::open(path)?;
    let mut h = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(h.finalize())
}

impl FileIdentity {
    /// The identity of `path` now, to be kept as `saved`'s.
    pub fn of(path: &Path, saved: &str, original: &str) -> std::io::Result<FileIdentity> {
        let mut md = std::fs::metadata(path)?;
        let mut crc32 = file_crc(path)?;
        // A file written while we read it: its size or time moved. Read it
        // again (a few times at most).
        for _ in 0..3 {
            let after = std::fs::metadata(path)?;
            if after.size() == md.size() && after.mtime_nsec() == md.mtime_nsec() {
                break;
            }
            md = after;
            crc32 = file_crc(path)?;
        }
        Ok(FileIdentity {
            saved: saved.to_string(),
            original: original.to_string(),
            size: md.size(),
            mtime: md.mtime(),
            mtime_nsec: md.mtime_nsec(),
            crc32,
        })
    }

    /// Whether `md` shows the same size and modification time.
    pub fn same_stat(&self, md: &std::fs::Metadata) -> bool {
        md.size() == self.size && md.mtime() == self.mtime && md.mtime_nsec() == self.mtime_nsec
    }
}

/// Append one identity to the trace in `dir`.
pub fn append_identity(dir: &Path, id: &FileIdentity) -> std::io::Result<()> {
    let mut line = serde_json::to_string(id).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(IDENTITIES_FILE))?;
    f.write_all(line.as_bytes())
}

/// Replace the identities of the trace in `dir` (written aside, then
/// renamed over the old list).
pub fn write_identities(dir: &Path, ids: &[FileIdentity]) -> std::io::Result<()> {
    let mut text = String::new();
    for id in ids {
        text.push_str(&serde_json::to_string(id).map_err(std::io::Error::other)?);
        text.push('\n');
    }
    let tmp = dir.join(format!("{IDENTITIES_FILE}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(IDENTITIES_FILE))
}

/// The identities kept by the trace in `dir`, the last one of each saved
/// name; None for a trace that kept none (recorded before they existed).
pub fn read_identities(dir: &Path) -> std::io::Result<Option<Vec<FileIdentity>>> {
    let f = match std::fs::File::open(dir.join(IDENTITIES_FILE)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut v: Vec<FileIdentity> = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        // A recording cut short may leave its last line unfinished.
        let id: FileIdentity = match serde_json::from_str(&line) {
            Ok(id) => id,
            Err(e) => {
                log::warn!("{IDENTITIES_FILE} line {}: {e}; ignored", i + 1);
                continue;
            }
        };
        v.retain(|o| o.saved != id.saved);
        v.push(id);
    }
    Ok(Some(v))
}

/// A saved file that is no longer what was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub saved: PathBuf,
    pub original: String,
    /// What differs ("its size is 16120 bytes, recorded 16008").
    pub how: String,
    /// The trace's copy is a hard link shared with another name (the
    /// original, most likely).
    pub shared: bool,
}

impl Changed {
    /// The refusal a replay prints.
    pub fn message(&self) -> String {
        let why = if self.shared {
            "The trace shares that file with the original (a hard link), and the original \
             was rewritten in place afterwards"
        } else {
            "The trace's own copy was altered"
        };
        format!(
            "the trace's copy of {} ({}) has changed since it was recorded: {}. {why}, so a \
             replay would not run what was recorded. Record again; to keep a trace safe from \
             later changes to the files it uses, run `rewind pack` on it right after recording",
            self.original,
            self.saved.display(),
            self.how
        )
    }
}

/// Check one saved file against its identity: size first (a cheap stat),
/// then the contents' CRC32 (a file rewritten with the same size).
pub fn check_identity(dir: &Path, id: &FileIdentity) -> Result<(), Changed> {
    let path = dir.join(FILES_DIR).join(&id.saved);
    let md = std::fs::metadata(&path);
    let shared = md.is_ok() && linked_outside(&path);
    let changed = |how: String| Changed {
        saved: path.clone(),
        original: id.original.clone(),
        how,
        shared,
    };
    let md = md.map_err(|e| changed(format!("it cannot be read ({e})")))?;
    if md.size() != id.size {
        return Err(changed(format!(
            "its size is {} bytes, recorded {}",
            md.size(),
            id.size
        )));
    }
    let crc = file_crc(&path).map_err(|e| changed(format!("it cannot be read ({e})")))?;
    if crc != id.crc32 {
        return Err(changed(format!(
            "its contents differ (CRC32 {crc:08x}, recorded {:08x}){}",
            id.crc32,
            if id.same_stat(&md) {
                ""
            } else {
                ", and it was modified after recording"
            }
        )));
    }
    Ok(())
}

/// Check every saved file of the trace in `dir`. Ok(false) when the trace
/// kept no identities (an older trace: nothing to check against).
pub fn check_saved_files(dir: &Path) -> Result<bool, Changed> {
    let ids = match read_identities(dir) {
        Ok(Some(ids)) => ids,
        Ok(None) => return Ok(false),
        Err(e) => {
            return Err(Changed {
                saved: dir.join(IDENTITIES_FILE),
                original: IDENTITIES_FILE.into(),
                how: format!("the list of saved files cannot be read ({e})"),
                shared: false,
            })
        }
    };
    for id in &ids {
        check_identity(dir, id)?;
    }
    Ok(true)
}

/// How many files are under `files/`, and how many of them are shared
/// with the originals (hard links from outside the trace).
pub fn shared_files(dir: &Path) -> std::io::Result<(usize, usize)> {
    let all = saved_files(&dir.join(FILES_DIR))?;
    let shared = all.iter().filter(|(_, _, outside)| *outside > 0).count();
    Ok((all.len(), shared))
}

/// The regular files under `files/`, by name, each with its metadata and
/// how many of its links are outside the trace's `files/` (a hard link to
/// the original counts; two names of the trace for one inode, as packing
/// makes for identical contents, do not).
fn saved_files(files_dir: &Path) -> std::io::Result<Vec<(String, std::fs::Metadata, u64)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(files_dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".packing") {
            continue;
        }
        let md = std::fs::symlink_metadata(e.path())?;
        if md.is_file() {
            out.push((name, md, 0));
        }
    }
    let mut names_of: std::collections::HashMap<(u64, u64), u64> = Default::default();
    for (_, md, _) in &out {
        *names_of.entry((md.dev(), md.ino())).or_default() += 1;
    }
    for (_, md, outside) in &mut out {
        *outside = md.nlink().saturating_sub(names_of[&(md.dev(), md.ino())]);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Whether the saved file at `path` has links outside the trace's
/// `files/` (see [`saved_files`]).
fn linked_outside(path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    saved_files(dir).is_ok_and(|all| {
        all.iter()
            .any(|(n, _, outside)| n.as_str() == name.to_string_lossy() && *outside > 0)
    })
}

/// A trace's size on disk, each file counted once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// The events, the header and rewind's other files.
    pub own: u64,
    /// Saved files that are the trace's own copies.
    pub saved_private: u64,
    /// Saved files shared with the originals (hard links): they cost the
    /// trace nothing until the original is deleted.
    pub saved_linked: u64,
}

pub fn sizes(dir: &Path) -> std::io::Result<Sizes> {
    let mut s = Sizes::default();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let md = std::fs::symlink_metadata(e.path())?;
        if md.is_file() {
            s.own += md.len();
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (_, md, outside) in saved_files(&dir.join(FILES_DIR))? {
        if !seen.insert((md.dev(), md.ino())) {
            continue;
        }
        if outside > 0 {
            s.saved_linked += md.len();
        } else {
            s.saved_private += md.len();
        }
    }
    Ok(s)
}

/// What `pack` did.
#[derive(Debug, Default)]
pub struct PackReport {
    /// Files under `files/`.
    pub files: usize,
    /// Files that were shared with another name and are now copies.
    pub copied: usize,
    /// Bytes copied.
    pub bytes: u64,
    /// Files whose contents another saved file already had: now one copy
    /// under both names.
    pub deduplicated: usize,
    /// Bytes those duplicates took.
    pub dedup_bytes: u64,
    /// Identities written for a trace that kept none.
    pub identities_added: bool,
}

/// Progress of `pack`: files done, files in all, bytes copied so far.
pub type PackProgress<'a> = &'a mut dyn FnMut(usize, usize, u64);

/// Make the trace in `dir` self-contained: replace every file under
/// `files/` that has another name outside the trace (a hard link to the
/// original) by a private copy, make saved files with the same contents
/// one copy (hard links within the trace), and keep the identities up to
/// date. A saved file that no longer matches its identity is refused
/// (packing would keep the wrong contents). Doing it again copies nothing.
pub fn pack(dir: &Path, progress: PackProgress) -> Result<PackReport, String> {
    let files_dir = dir.join(FILES_DIR);
    let old = read_identities(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.join(IDENTITIES_FILE).display()))?;
    if let Some(ids) = &old {
        for id in ids {
            check_identity(dir, id).map_err(|c| {
                format!(
                    "cannot pack: the trace's copy of {} ({}) has changed since it was \
                     recorded: {}; its recorded contents are lost, so record again",
                    c.original,
                    c.saved.display(),
                    c.how
                )
            })?;
        }
    }
    let saved =
        saved_files(&files_dir).map_err(|e| format!("cannot read {}: {e}", files_dir.display()))?;
    let mut report = PackReport {
        files: saved.len(),
        ..Default::default()
    };
    let mut ids = old.clone().unwrap_or_default();
    for (i, (name, _, outside)) in saved.iter().enumerate() {
        let path = files_dir.join(name);
        if *outside > 0 {
            let tmp = files_dir.join(format!("{name}.packing"));
            let n = std::fs::copy(&path, &tmp)
                .map_err(|e| format!("cannot copy {} to {}: {e}", path.display(), tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
            report.copied += 1;
            report.bytes += n;
        }
        refresh_identity(&mut ids, &path, name)?;
        progress(i + 1, saved.len(), report.bytes);
    }
    dedup(&files_dir, &mut ids, &mut report)?;
    ids.sort_by(|a, b| a.saved.cmp(&b.saved));
    report.identities_added = old.is_none();
    write_identities(dir, &ids)
        .map_err(|e| format!("cannot write {}: {e}", dir.join(IDENTITIES_FILE).display()))?;
    Ok(report)
}

/// The identity of saved file `name` as it is now (a copy has a new
/// modification time); its contents must be those recorded.
fn refresh_identity(ids: &mut Vec<FileIdentity>, path: &Path, name: &str) -> Result<(), String> {
    let original = ids
        .iter()
        .find(|i| i.saved == name)
        .map_or_else(|| name.to_string(), |i| i.original.clone());
    let id = FileIdentity::of(path, name, &original)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if let Some(prev) = ids.iter().find(|i| i.saved == name) {
        if prev.crc32 != id.crc32 || prev.size != id.size {
            return Err(format!(
                "{} changed while it was being packed; run `rewind pack` again",
                path.display()
            ));
        }
    }
    ids.retain(|i| i.saved != name);
    ids.push(id);
    Ok(())
}

/// Saved files with the same contents (same size and CRC, then compared
/// byte for byte) become one inode with several names.
fn dedup(
    files_dir: &Path,
    ids: &mut Vec<FileIdentity>,
    report: &mut PackReport,
) -> Result<(), String> {
    let saved =
        saved_files(files_dir).map_err(|e| format!("cannot read {}: {e}", files_dir.display()))?;
    let mut first_of: std::collections::HashMap<(u64, u32), (String, (u64, u64))> =
        Default::default();
    for (name, md, outside) in saved {
        if outside > 0 || md.len() == 0 {
            continue;
        }
        let Some(crc) = ids.iter().find(|i| i.saved == name).map(|i| i.crc32) else {
            continue;
        };
        let inode = (md.dev(), md.ino());
        let key = (md.len(), crc);
        let Some((first, first_inode)) = first_of.get(&key).cloned() else {
            first_of.insert(key, (name, inode));
            continue;
        };
        if first_inode == inode {
            continue;
        }
        let (a, b) = (files_dir.join(&first), files_dir.join(&name));
        if !same_contents(&a, &b).map_err(|e| format!("cannot compare {}: {e}", b.display()))? {
            continue;
        }
        let tmp = files_dir.join(format!("{name}.packing"));
        let _ = std::fs::remove_file(&tmp);
        std::fs::hard_link(&a, &tmp)
            .and_then(|()| std::fs::rename(&tmp, &b))
            .map_err(|e| format!("cannot link {} to {}: {e}", b.display(), a.display()))?;
        report.deduplicated += 1;
        report.dedup_bytes += md.len();
        refresh_identity(ids, &b, &name)?;
    }
    Ok(())
}

fn same_contents(a: &Path, b: &Path) -> std::io::Result<bool> {
    let (mut fa, mut fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_full(&mut fa, &mut ba)?;
        let m = read_full(&mut fb, &mut bb)?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Reads until `buf` is full or the file ends.
fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rewind-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join(FILES_DIR)).unwrap();
        d
    }

    #[test]
    fn a_rewritten_link_is_caught_and_pack_makes_copies() {
        let d = trace_dir("pack");
        let orig = d.join("original");
        std::fs::write(&orig, b"first build").unwrap();
        let saved = d.join(FILES_DIR).join("000-original");
        std::fs::hard_link(&orig, &saved).unwrap();
        let id = FileIdentity::of(&saved, "000-original", "/bin/original").unwrap();
        append_identity(&d, &id).unwrap();
        assert_eq!(check_saved_files(&d), Ok(true));
        assert_eq!(shared_files(&d).unwrap(), (1, 1));

        let r = pack(&d, &mut |_, _, _| {}).unwrap();
        assert_eq!((r.files, r.copied, r.bytes), (1, 1, 11));
        assert_eq!(shared_files(&d).unwrap(), (1, 0));
        // Idempotent.
        assert_eq!(pack(&d, &mut |_, _, _| {}).unwrap().copied, 0);
        // The original changes; the trace does not.
        std::fs::write(&orig, b"second build").unwrap();
        assert_eq!(check_saved_files(&d), Ok(true));
        // The same size, other contents.
        std::fs::write(&saved, b"firxt build").unwrap();
        let err = check_saved_files(&d).unwrap_err();
        assert!(err.message().contains("/bin/original"), "{}", err.message());
        assert!(err.message().contains("rewind pack"), "{}", err.message());
        assert!(pack(&d, &mut |_, _, _| {})
            .unwrap_err()
            .contains("cannot pack"));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn an_older_trace_has_nothing_to_check() {
        let d = trace_dir("old");
        assert_eq!(check_saved_files(&d), Ok(false));
        std::fs::write(d.join(FILES_DIR).join("000-x"), b"x").unwrap();
        let r = pack(&d, &mut |_, _, _| {}).unwrap();
        assert!(r.identities_added);
        assert_eq!(check_saved_files(&d), Ok(true));
        let _ = std::fs::remove_dir_all(&d);
    }
}
