//! What a tracee's descriptor is: the identity of its open file (device
//! and inode, as `/proc/TID/fd/N` leads to it), its file position, and its
//! bytes read through a copy of the descriptor.

use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};

use nix::unistd::Pid;

/// The identity of an open file: a terminal, a pipe, a regular file...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    /// The device number a character or block device stands for.
    pub rdev: u64,
    pub char_device: bool,
    pub regular: bool,
}

/// `/dev/tty`: the process's controlling terminal, whichever it is.
const DEV_TTY: (u64, u64) = (5, 0);

impl FileId {
    fn of(meta: &std::fs::Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            rdev: meta.rdev(),
            char_device: meta.file_type().is_char_device(),
            regular: meta.file_type().is_file(),
        }
    }

    /// Whether this is `/dev/tty` (the controlling terminal of whoever
    /// writes to it).
    pub fn is_controlling_tty(&self) -> bool {
        self.char_device
            && (
                nix::sys::stat::major(self.rdev),
                nix::sys::stat::minor(self.rdev),
            ) == DEV_TTY
    }

    /// Whether this is a terminal device (a pseudo-terminal, a console).
    pub fn is_terminal(&self) -> bool {
        // Pseudo-terminal slaves (136-143), virtual consoles and serial
        // lines (4), the console (5, 1).
        let major = nix::sys::stat::major(self.rdev);
        self.char_device && (major == 4 || (136..=143).contains(&major) || major == 5)
    }
}

/// The file that descriptor `fd` of thread `tid` is open on.
pub fn identity(tid: Pid, fd: u64) -> Option<FileId> {
    let meta = std::fs::metadata(format!("/proc/{tid}/fd/{fd}")).ok()?;
    Some(FileId::of(&meta))
}

/// The file that rewind's own descriptor `fd` is open on.
pub fn own_identity(fd: u64) -> Option<FileId> {
    let meta = std::fs::metadata(format!("/proc/self/fd/{fd}")).ok()?;
    Some(FileId::of(&meta))
}

/// The file position of descriptor `fd` of thread `tid`.
pub fn position(tid: Pid, fd: u64) -> Option<u64> {
    let info = std::fs::read_to_string(format!("/proc/{tid}/fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("pos:"))
        .and_then(|p| p.trim().parse().ok())
}

/// Up to `len` bytes at `offset` of the file behind descriptor `fd` of
/// process `pid`, read through a copy of the descriptor (its position is
/// not moved).
pub fn read_at(pid: Pid, fd: u64, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let copy = super::sys::dup_from(pid, fd as i32).map_err(std::io::Error::from)?;
    let file = std::fs::File::from(copy);
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        match file.read_at(&mut buf[done..], offset + done as u64)? {
            0 => break,
            n => done += n,
        }
    }
    buf.truncate(done);
    Ok(buf)
}

/// Up to `len` bytes waiting in the pipe behind descriptor `fd` of process
/// `pid`, copied without taking them out of it (tee into a pipe of ours).
pub fn peek_pipe(pid: Pid, fd: u64, len: usize) -> std::io::Result<Vec<u8>> {
    use nix::fcntl::{fcntl, tee, FcntlArg, OFlag, SpliceFFlags};
    use std::io::Read;
    let copy = super::sys::dup_from(pid, fd as i32).map_err(std::io::Error::from)?;
    let (r, w) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC)?;
    // Room for what may wait there (the pipe's own size can have been
    // raised); when this fails the default size bounds the copy.
    let room = len.clamp(4096, 1 << 20) as i32;
    let _ = fcntl(&w, FcntlArg::F_SETPIPE_SZ(room));
    let n = tee(&copy, &w, len, SpliceFFlags::SPLICE_F_NONBLOCK)?;
    drop(w);
    let mut out = Vec::with_capacity(n);
    std::fs::File::from(r).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_descriptor_and_the_same_file_opened_again_are_one_file() {
        let dir = std::env::temp_dir().join(format!("rewind-fds-{}", std::process::id()));
        let mut f = std::fs::File::create(&dir).unwrap();
        f.write_all(b"0123456789").unwrap();
        use std::os::fd::AsRawFd;
        let me = Pid::this();
        let a = identity(me, f.as_raw_fd() as u64).unwrap();
        let again = std::fs::File::open(&dir).unwrap();
        let b = identity(me, again.as_raw_fd() as u64).unwrap();
        assert_eq!(a, b);
        assert!(a.regular && !a.is_terminal());
        assert_eq!(position(me, f.as_raw_fd() as u64), Some(10));
        assert_eq!(
            read_at(me, again.as_raw_fd() as u64, 3, 4).unwrap(),
            b"3456"
        );
        std::fs::remove_file(&dir).unwrap();
    }

    #[test]
    fn two_pipes_are_two_files() {
        let (r1, w1) = nix::unistd::pipe().unwrap();
        let (_r2, w2) = nix::unistd::pipe().unwrap();
        use std::os::fd::AsRawFd;
        let me = Pid::this();
        let a = identity(me, w1.as_raw_fd() as u64).unwrap();
        assert_eq!(identity(me, r1.as_raw_fd() as u64), Some(a));
        assert_ne!(identity(me, w2.as_raw_fd() as u64), Some(a));
    }

    #[test]
    fn peeking_at_a_pipe_leaves_its_bytes_there() {
        use std::io::{Read, Write};
        use std::os::fd::AsRawFd;
        let (r, w) = nix::unistd::pipe().unwrap();
        std::fs::File::from(w).write_all(b"waiting bytes").unwrap();
        let me = Pid::this();
        assert_eq!(peek_pipe(me, r.as_raw_fd() as u64, 7).unwrap(), b"waiting");
        let mut all = String::new();
        std::fs::File::from(r).read_to_string(&mut all).unwrap();
        assert_eq!(all, "waiting bytes");
    }
}
