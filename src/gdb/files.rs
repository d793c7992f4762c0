//! File transfer (the `vFile:` host I/O packets) and the list of loaded
//! libraries (`qXfer:libraries-svr4:read`), so that a debugger finds the
//! program and its libraries through the server, as they were at record
//! time, even when it was started with no program file.
//!
//! - A file the recording mapped or ran is served from the trace's copy,
//!   asked for by the path it had when recorded (or any path naming the
//!   same file through symbolic links in its directories, as
//!   `/lib/x86_64-linux-gnu/libc.so.6` names
//!   `/usr/lib/x86_64-linux-gnu/libc.so.6`), so a program deleted or
//!   rebuilt since is still found.
//! - `/proc/PID/...` of the replayed process (its recorded pid or thread
//!   ids) is the live replayed process's (its mappings: the debugger finds
//!   the vDSO there); `/proc/PID/exe` reads as the program the replay runs.
//! - Any other file is the host's, read only (separate debug information,
//!   the C library's sources...). Nothing can be written: a replay changes
//!   no file.
//! - The library list is read off the replayed process's link map (the
//!   loader's `r_debug`, found through the program's `DT_DEBUG` entry):
//!   empty until the loader has set it up.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use gdbstub::target::ext::host_io::{
    FsKind, HostIo, HostIoClose, HostIoCloseOps, HostIoErrno, HostIoError, HostIoFstat,
    HostIoFstatOps, HostIoOpen, HostIoOpenFlags, HostIoOpenMode, HostIoOpenOps, HostIoPread,
    HostIoPreadOps, HostIoReadlink, HostIoReadlinkOps, HostIoResult, HostIoSetfs, HostIoSetfsOps,
    HostIoStat,
};
use gdbstub::target::ext::libraries::LibrariesSvr4;
use gdbstub::target::TargetResult;

use super::target::{copy_window, ReplayTarget};
use crate::replay::ReplaySession;

/// At most this many files open at once for the debugger.
const MAX_OPEN: usize = 256;

/// The files the debugger opened, and the trace's copies it may ask for.
#[derive(Default)]
pub struct OpenFiles {
    files: HashMap<u32, File>,
    next: u32,
    /// The recording's files: (recorded path, the same normalized, the
    /// trace's copy); read off the trace once.
    saved: Option<Vec<(String, PathBuf, PathBuf)>>,
}

impl OpenFiles {
    fn insert(&mut self, file: File) -> Result<u32, HostIoErrno> {
        if self.files.len() >= MAX_OPEN {
            return Err(HostIoErrno::EMFILE);
        }
        // Descriptors are never reused within a session.
        let fd = self.next;
        self.next = self.next.checked_add(1).ok_or(HostIoErrno::EMFILE)?;
        self.files.insert(fd, file);
        Ok(fd)
    }

    fn get(&self, fd: u32) -> Result<&File, HostIoErrno> {
        self.files.get(&fd).ok_or(HostIoErrno::EBADF)
    }
}

/// An I/O error as the protocol's errno.
fn errno(e: &std::io::Error) -> HostIoErrno {
    match e.raw_os_error() {
        Some(libc::EPERM) => HostIoErrno::EPERM,
        Some(libc::ENOENT) => HostIoErrno::ENOENT,
        Some(libc::EINTR) => HostIoErrno::EINTR,
        Some(libc::EBADF) => HostIoErrno::EBADF,
        Some(libc::EACCES) => HostIoErrno::EACCES,
        Some(libc::EFAULT) => HostIoErrno::EFAULT,
        Some(libc::EBUSY) => HostIoErrno::EBUSY,
        Some(libc::EEXIST) => HostIoErrno::EEXIST,
        Some(libc::ENODEV) => HostIoErrno::ENODEV,
        Some(libc::ENOTDIR) => HostIoErrno::ENOTDIR,
        Some(libc::EISDIR) => HostIoErrno::EISDIR,
        Some(libc::EINVAL) => HostIoErrno::EINVAL,
        Some(libc::ENFILE) => HostIoErrno::ENFILE,
        Some(libc::EMFILE) => HostIoErrno::EMFILE,
        Some(libc::ENAMETOOLONG) => HostIoErrno::ENAMETOOLONG,
        Some(libc::ELOOP) => HostIoErrno::EINVAL,
        _ => HostIoErrno::EIO,
    }
}

fn io_err<E>(e: std::io::Error) -> HostIoError<E> {
    HostIoError::Errno(errno(&e))
}

/// `path` with the symbolic links of its directories resolved, when its
/// directory exists (the file itself need not).
fn normalized(path: &Path) -> PathBuf {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => match std::fs::canonicalize(dir) {
            Ok(dir) => dir.join(name),
            Err(_) => path.to_path_buf(),
        },
        _ => path.to_path_buf(),
    }
}

/// The trace's copy of the file the recording knew as `path`.
fn saved_copy(saved: &[(String, PathBuf, PathBuf)], path: &str) -> Option<PathBuf> {
    if let Some((_, _, copy)) = saved.iter().find(|(o, _, _)| o == path) {
        return Some(copy.clone());
    }
    let want = normalized(Path::new(path));
    let whole = std::fs::canonicalize(path).ok();
    saved
        .iter()
        .find(|(o, norm, _)| {
            *norm == want
                || whole
                    .as_ref()
                    .is_some_and(|w| std::fs::canonicalize(o).is_ok_and(|c| &c == w))
        })
        .map(|(_, _, copy)| copy.clone())
}

/// The recording's files, normalized (see [`OpenFiles::saved`]).
fn recorded_files(session: &ReplaySession) -> Vec<(String, PathBuf, PathBuf)> {
    session
        .saved_files()
        .into_iter()
        .map(|(o, copy)| {
            let norm = normalized(Path::new(&o));
            (o, norm, copy)
        })
        .collect()
}

/// Where a `/proc` path of the replayed process points: `/proc/ID/REST`
/// with ID one of the process's recorded ids becomes the live process's
/// (and so does `task/ID` in REST). None for other paths.
fn proc_path(target: &ReplayTarget, path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/proc/")?;
    let (id, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let id: i32 = id.parse().ok()?;
    let ids: Vec<i32> = std::iter::once(target.pid().get() as i32)
        .chain(target.threads().iter().map(|t| t.get() as i32))
        .collect();
    if !ids.contains(&id) {
        return None;
    }
    let live = target.session().task().pid.as_raw();
    let rest = match rest.strip_prefix("task/") {
        Some(t) => {
            let (tid, more) = t.split_once('/').unwrap_or((t, ""));
            match tid.parse::<i32>() {
                Ok(tid) if ids.contains(&tid) => format!("task/{live}/{more}"),
                _ => rest.to_string(),
            }
        }
        None => rest.to_string(),
    };
    let rest = rest.trim_end_matches('/').to_string();
    Some((format!("/proc/{live}/{rest}"), rest))
}

/// The file to open for the debugger's `path`.
fn host_path(target: &mut ReplayTarget, path: &str) -> PathBuf {
    if let Some((live, _)) = proc_path(target, path) {
        return PathBuf::from(live);
    }
    if target.open_files.saved.is_none() {
        target.open_files.saved = Some(recorded_files(target.session()));
    }
    let saved = target.open_files.saved.as_deref().unwrap_or_default();
    if let Some(copy) = saved_copy(saved, path) {
        return copy;
    }
    PathBuf::from(path)
}

/// Read-only access: the flags may ask for nothing else.
fn read_only(flags: HostIoOpenFlags) -> bool {
    let allowed = HostIoOpenFlags::O_RDONLY
        | HostIoOpenFlags::O_NONBLOCK
        | HostIoOpenFlags::O_CLOSE_ON_EXEC
        | HostIoOpenFlags::O_DONT_FOLLOW_SYMLINKS;
    (flags & !allowed).is_empty()
}

impl HostIo for ReplayTarget {
    fn support_open(&mut self) -> Option<HostIoOpenOps<'_, Self>> {
        Some(self)
    }

    fn support_close(&mut self) -> Option<HostIoCloseOps<'_, Self>> {
        Some(self)
    }

    fn support_pread(&mut self) -> Option<HostIoPreadOps<'_, Self>> {
        Some(self)
    }

    fn support_fstat(&mut self) -> Option<HostIoFstatOps<'_, Self>> {
        Some(self)
    }

    fn support_readlink(&mut self) -> Option<HostIoReadlinkOps<'_, Self>> {
        Some(self)
    }

    fn support_setfs(&mut self) -> Option<HostIoSetfsOps<'_, Self>> {
        Some(self)
    }
}

impl HostIoOpen for ReplayTarget {
    fn open(
        &mut self,
        filename: &[u8],
        flags: HostIoOpenFlags,
        _mode: HostIoOpenMode,
    ) -> HostIoResult<u32, Self> {
        if !read_only(flags) {
            return Err(HostIoError::Errno(HostIoErrno::EROFS));
        }
        let Ok(name) = std::str::from_utf8(filename) else {
            return Err(HostIoError::Errno(HostIoErrno::ENOENT));
        };
        let path = host_path(self, name);
        log::debug!("vFile:open {name} -> {}", path.display());
        let file = File::open(&path).map_err(io_err)?;
        self.open_files.insert(file).map_err(HostIoError::Errno)
    }
}

impl HostIoClose for ReplayTarget {
    fn close(&mut self, fd: u32) -> HostIoResult<(), Self> {
        match self.open_files.files.remove(&fd) {
            Some(_) => Ok(()),
            None => Err(HostIoError::Errno(HostIoErrno::EBADF)),
        }
    }
}

impl HostIoPread for ReplayTarget {
    fn pread(
        &mut self,
        fd: u32,
        count: usize,
        offset: u64,
        buf: &mut [u8],
    ) -> HostIoResult<usize, Self> {
        let file = self.open_files.get(fd).map_err(HostIoError::Errno)?;
        let n = count.min(buf.len());
        file.read_at(&mut buf[..n], offset).map_err(io_err)
    }
}

impl HostIoFstat for ReplayTarget {
    fn fstat(&mut self, fd: u32) -> HostIoResult<HostIoStat, Self> {
        let file = self.open_files.get(fd).map_err(HostIoError::Errno)?;
        let m = file.metadata().map_err(io_err)?;
        let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        let time = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
        Ok(HostIoStat {
            st_dev: narrow(m.dev()),
            st_ino: narrow(m.ino()),
            st_mode: HostIoOpenMode::from_bits_truncate(m.mode()),
            st_nlink: narrow(m.nlink()),
            st_uid: m.uid(),
            st_gid: m.gid(),
            st_rdev: narrow(m.rdev()),
            st_size: m.size(),
            st_blksize: m.blksize(),
            st_blocks: m.blocks(),
            st_atime: time(m.atime()),
            st_mtime: time(m.mtime()),
            st_ctime: time(m.ctime()),
        })
    }
}

impl HostIoReadlink for ReplayTarget {
    fn readlink(&mut self, filename: &[u8], buf: &mut [u8]) -> HostIoResult<usize, Self> {
        let Ok(name) = std::str::from_utf8(filename) else {
            return Err(HostIoError::Errno(HostIoErrno::ENOENT));
        };
        let link: Vec<u8> = match proc_path(self, name) {
            // The program the replay runs, as `qXfer:exec-file` names it.
            Some((_, rest)) if rest == "exe" => self.session().exe_path().into_bytes(),
            Some((live, _)) => std::fs::read_link(live)
                .map_err(io_err)?
                .into_os_string()
                .into_encoded_bytes(),
            None => std::fs::read_link(name)
                .map_err(io_err)?
                .into_os_string()
                .into_encoded_bytes(),
        };
        let n = link.len().min(buf.len());
        buf[..n].copy_from_slice(&link[..n]);
        Ok(n)
    }
}

impl HostIoSetfs for ReplayTarget {
    fn setfs(&mut self, _fs: FsKind) -> HostIoResult<(), Self> {
        // One file system for every process: the host's, with the
        // recording's files in front of it.
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The loaded libraries
// ---------------------------------------------------------------------------

const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const PT_DYNAMIC: u32 = 2;
const PT_PHDR: u32 = 6;
const DT_NULL: u64 = 0;
const DT_DEBUG: u64 = 21;
/// Entries looked at, at most: in the dynamic section, in the link map.
const MAX_ENTRIES: usize = 4096;

/// One loaded object in the link map.
#[derive(Debug, PartialEq, Eq)]
pub struct LinkEntry {
    pub lm: u64,
    pub name: String,
    pub l_addr: u64,
    pub l_ld: u64,
}

/// Reads the replayed process's memory.
pub trait Memory {
    fn read(&self, addr: u64, len: usize) -> Vec<u8>;

    fn u64_at(&self, addr: u64) -> Option<u64> {
        let b = self.read(addr, 8);
        Some(u64::from_le_bytes(b.get(..8)?.try_into().ok()?))
    }

    fn u32_at(&self, addr: u64) -> Option<u32> {
        let b = self.read(addr, 4);
        Some(u32::from_le_bytes(b.get(..4)?.try_into().ok()?))
    }

    /// A NUL-terminated string (at most 4096 bytes).
    fn c_string(&self, addr: u64) -> String {
        let mut out = Vec::new();
        let mut at = addr;
        while out.len() < 4096 {
            let chunk = self.read(at, 256);
            if chunk.is_empty() {
                break;
            }
            if let Some(end) = chunk.iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..end]);
                break;
            }
            at = at.wrapping_add(chunk.len() as u64);
            out.extend_from_slice(&chunk);
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Memory for ReplaySession {
    fn read(&self, addr: u64, len: usize) -> Vec<u8> {
        self.read_mem(addr, len)
    }
}

/// A value of the auxiliary vector (64-bit little-endian pairs).
fn auxv_value(auxv: &[u8], key: u64) -> Option<u64> {
    auxv.chunks_exact(16).find_map(|pair| {
        let k = u64::from_le_bytes(pair[..8].try_into().ok()?);
        let v = u64::from_le_bytes(pair[8..].try_into().ok()?);
        (k == key).then_some(v)
    })
}

/// The address of the loader's `r_debug`: the program's `DT_DEBUG` entry,
/// found through its program headers. None while the loader has not set
/// it (or for a program with no dynamic section).
fn r_debug(mem: &dyn Memory, auxv: &[u8]) -> Option<u64> {
    mem.u64_at(dt_debug_slot(mem, auxv)?).filter(|&a| a != 0)
}

/// Where the program's `DT_DEBUG` entry keeps the address of `r_debug`
/// (the entry's value field), which the loader fills in as it starts:
/// lldb asks for it with `qShlibInfoAddr` and reads `r_debug` from it.
pub fn dt_debug_slot(mem: &dyn Memory, auxv: &[u8]) -> Option<u64> {
    let phdr = auxv_value(auxv, AT_PHDR)?;
    let phent = auxv_value(auxv, AT_PHENT).unwrap_or(56);
    let phnum = auxv_value(auxv, AT_PHNUM)?.min(MAX_ENTRIES as u64);
    if phent < 24 {
        return None;
    }
    let headers: Vec<(u32, u64)> = (0..phnum)
        .filter_map(|i| {
            let at = phdr.checked_add(i.checked_mul(phent)?)?;
            Some((mem.u32_at(at)?, mem.u64_at(at.checked_add(16)?)?))
        })
        .collect();
    // The load bias: where the headers are against where the file says.
    let bias = match headers.iter().find(|(t, _)| *t == PT_PHDR) {
        Some((_, vaddr)) => phdr.wrapping_sub(*vaddr),
        None => 0,
    };
    let (_, dynamic) = headers.iter().find(|(t, _)| *t == PT_DYNAMIC)?;
    let dynamic = bias.wrapping_add(*dynamic);
    for i in 0..MAX_ENTRIES as u64 {
        let at = dynamic.checked_add(i * 16)?;
        let tag = mem.u64_at(at)?;
        match tag {
            DT_NULL => return None,
            DT_DEBUG => return Some(at.wrapping_add(8)),
            _ => {}
        }
    }
    None
}

/// The link map: (the main program's entry, the other entries in order).
pub fn link_map(mem: &dyn Memory, auxv: &[u8]) -> Option<(u64, Vec<LinkEntry>)> {
    let r_debug = r_debug(mem, auxv)?;
    let mut lm = mem.u64_at(r_debug.checked_add(8)?)?;
    let mut main = None;
    let mut entries = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while lm != 0 && seen.insert(lm) && seen.len() <= MAX_ENTRIES {
        let l_addr = mem.u64_at(lm)?;
        let l_name = mem.u64_at(lm.wrapping_add(8))?;
        let l_ld = mem.u64_at(lm.wrapping_add(16))?;
        let next = mem.u64_at(lm.wrapping_add(24))?;
        if main.is_none() {
            main = Some(lm);
        } else {
            let name = if l_name == 0 {
                String::new()
            } else {
                mem.c_string(l_name)
            };
            if !name.is_empty() {
                entries.push(LinkEntry {
                    lm,
                    name,
                    l_addr,
                    l_ld,
                });
            }
        }
        lm = next;
    }
    Some((main.unwrap_or(0), entries))
}

/// The `library-list-svr4` document for the link map (every object in the
/// default namespace: `lmid` 0).
pub fn libraries_xml(map: Option<(u64, Vec<LinkEntry>)>) -> String {
    let Some((main, entries)) = map else {
        return "<library-list-svr4 version=\"1.0\"/>\n".to_string();
    };
    let mut xml = format!("<library-list-svr4 version=\"1.0\" main-lm=\"{main:#x}\">\n");
    for e in entries {
        xml.push_str(&format!(
            "  <library name=\"{}\" lm=\"{:#x}\" l_addr=\"{:#x}\" l_ld=\"{:#x}\" lmid=\"0x0\"/>\n",
            xml_escape(&e.name),
            e.lm,
            e.l_addr,
            e.l_ld
        ));
    }
    xml.push_str("</library-list-svr4>\n");
    xml
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

impl ReplayTarget {
    /// The reply to `qShlibInfoAddr`: where the program's `DT_DEBUG`
    /// entry is (a statically linked program has none: an error).
    pub fn shlib_info_reply(&self) -> Vec<u8> {
        if self.is_killed() {
            return b"E01".to_vec();
        }
        let session = self.session();
        match dt_debug_slot(session, &session.auxv()) {
            Some(addr) => format!("{addr:x}").into_bytes(),
            None => b"E01".to_vec(),
        }
    }
}

impl LibrariesSvr4 for ReplayTarget {
    fn get_libraries_svr4(
        &self,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let xml = if self.is_killed() {
            libraries_xml(None)
        } else {
            let session = self.session();
            libraries_xml(link_map(session, &session.auxv()))
        };
        Ok(copy_window(xml.as_bytes(), offset, length, buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Memory made of byte runs at addresses.
    struct Fake(BTreeMap<u64, Vec<u8>>);

    impl Memory for Fake {
        fn read(&self, addr: u64, len: usize) -> Vec<u8> {
            for (&start, bytes) in &self.0 {
                let end = start + bytes.len() as u64;
                if addr >= start && addr < end {
                    let from = (addr - start) as usize;
                    let to = (from + len).min(bytes.len());
                    return bytes[from..to].to_vec();
                }
            }
            Vec::new()
        }
    }

    fn words(ws: &[u64]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    fn phdr(ptype: u32, vaddr: u64) -> Vec<u8> {
        let mut h = vec![0u8; 56];
        h[..4].copy_from_slice(&ptype.to_le_bytes());
        h[16..24].copy_from_slice(&vaddr.to_le_bytes());
        h
    }

    /// A PIE loaded at 0x5000_0000 with a link map of three objects: the
    /// program, the vDSO (no name) and libc.
    fn process(debug: u64) -> (Fake, Vec<u8>) {
        let bias = 0x5000_0000u64;
        let mut m = BTreeMap::new();
        let mut headers = phdr(PT_PHDR, 0x40);
        headers.extend(phdr(1, 0));
        headers.extend(phdr(PT_DYNAMIC, 0x3000));
        m.insert(bias + 0x40, headers);
        m.insert(bias + 0x3000, words(&[1, 5, DT_DEBUG, debug, DT_NULL, 0]));
        m.insert(0x9000, words(&[1, 0xa000]));
        // link_map: l_addr, l_name, l_ld, l_next, l_prev
        m.insert(0xa000, words(&[bias, 0xb000, bias + 0x3000, 0xa100, 0]));
        m.insert(0xa100, words(&[0x7000, 0, 0x7100, 0xa200, 0xa000]));
        m.insert(0xa200, words(&[0x8000, 0xb100, 0x8100, 0, 0xa100]));
        m.insert(0xb000, b"\0".to_vec());
        m.insert(0xb100, b"/lib/libc.so.6\0".to_vec());
        let auxv = words(&[AT_PHDR, bias + 0x40, AT_PHENT, 56, AT_PHNUM, 3, 0, 0]);
        (Fake(m), auxv)
    }

    #[test]
    fn reads_the_link_map() {
        let (mem, auxv) = process(0x9000);
        let (main, libs) = link_map(&mem, &auxv).unwrap();
        assert_eq!(main, 0xa000);
        assert_eq!(
            libs,
            vec![LinkEntry {
                lm: 0xa200,
                name: "/lib/libc.so.6".into(),
                l_addr: 0x8000,
                l_ld: 0x8100
            }]
        );
        let xml = libraries_xml(Some((main, libs)));
        assert!(xml.contains("main-lm=\"0xa000\""), "{xml}");
        assert!(
            xml.contains(
                "<library name=\"/lib/libc.so.6\" lm=\"0xa200\" l_addr=\"0x8000\" l_ld=\"0x8100\" lmid=\"0x0\"/>"
            ),
            "{xml}"
        );
    }

    #[test]
    fn no_list_before_the_loader_sets_it() {
        let (mem, auxv) = process(0);
        assert_eq!(link_map(&mem, &auxv), None);
        assert_eq!(
            libraries_xml(None),
            "<library-list-svr4 version=\"1.0\"/>\n"
        );
        assert_eq!(link_map(&mem, &[]), None);
    }

    #[test]
    fn the_dt_debug_slot_is_known_before_the_loader_fills_it() {
        // The entry's value field: bias + 0x3000 + one entry + the tag.
        let (mem, auxv) = process(0);
        assert_eq!(dt_debug_slot(&mem, &auxv), Some(0x5000_3018));
        let (mem, auxv) = process(0x9000);
        assert_eq!(dt_debug_slot(&mem, &auxv), Some(0x5000_3018));
        assert_eq!(dt_debug_slot(&mem, &[]), None);
    }

    #[test]
    fn a_looping_link_map_ends() {
        let (mut mem, auxv) = process(0x9000);
        // libc's l_next points back at the program.
        mem.0
            .insert(0xa200, words(&[0x8000, 0xb100, 0x8100, 0xa000, 0xa100]));
        let (_, libs) = link_map(&mem, &auxv).unwrap();
        assert_eq!(libs.len(), 1);
    }

    #[test]
    fn only_reading_is_allowed() {
        assert!(read_only(HostIoOpenFlags::O_RDONLY));
        assert!(read_only(
            HostIoOpenFlags::O_RDONLY | HostIoOpenFlags::O_CLOSE_ON_EXEC
        ));
        assert!(!read_only(HostIoOpenFlags::O_WRONLY));
        assert!(!read_only(
            HostIoOpenFlags::O_RDWR | HostIoOpenFlags::O_CREAT
        ));
    }

    #[test]
    fn paths_through_linked_directories() {
        let dir = std::env::temp_dir().join(format!("rewind-files-{}", std::process::id()));
        let real = dir.join("real");
        std::fs::create_dir_all(&real).unwrap();
        let link = dir.join("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let real = std::fs::canonicalize(&real).unwrap();
        assert_eq!(normalized(&link.join("gone.so")), real.join("gone.so"));
        assert_eq!(
            normalized(Path::new("/no/such/dir/x")),
            PathBuf::from("/no/such/dir/x")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
