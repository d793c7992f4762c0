//! What a write-like syscall wrote, as a `Written` event: the length and
//! checksum of its bytes (the replay checks them), and whether the file it
//! wrote to is rewind's own stdout or stderr, decided from the identity of
//! the open file, so that output reopened through `/dev/stdout`,
//! `/proc/self/fd/N`, a dup or a child process is echoed at replay too.

use crate::arch::output::{gather, output_of, Source};
use crate::trace::Event;
use crate::tracee::fds::{self, FileId};
use crate::tracee::Task;

/// rewind's own stdout and stderr when recording started.
#[derive(Clone, Copy, Debug, Default)]
pub struct OwnOutputs {
    out: Option<FileId>,
    err: Option<FileId>,
}

/// Bytes taken from another descriptor are kept in the trace up to this
/// many per syscall (beyond, the replay echoes what was kept and says so).
const MAX_KEPT: usize = 64 << 20;

impl OwnOutputs {
    pub fn of_rewind() -> OwnOutputs {
        OwnOutputs {
            out: fds::own_identity(1),
            err: fds::own_identity(2),
        }
    }

    /// Device and inode of rewind's stdout and stderr ((0, 0) for one
    /// that is not open).
    pub fn ids(&self) -> [(u64, u64); 2] {
        let id = |f: &Option<FileId>| f.as_ref().map_or((0, 0), |f| (f.dev, f.ino));
        [id(&self.out), id(&self.err)]
    }

    /// Which of rewind's outputs a write to `file` through descriptor
    /// `fd` reached: 1 (stdout), 2 (stderr) or none.
    pub fn stream_of(&self, file: &FileId, fd: u64) -> Option<u8> {
        let is_out = self.out.as_ref() == Some(file);
        let is_err = self.err.as_ref() == Some(file);
        match (is_out, is_err) {
            // One file for both (a terminal, `2>&1`): the descriptor says.
            (true, true) => Some(if fd == 2 { 2 } else { 1 }),
            (true, false) => Some(1),
            (false, true) => Some(2),
            // /dev/tty: the terminal rewind's output goes to.
            (false, false) if file.is_controlling_tty() => {
                if self.out.is_some_and(|f| f.is_terminal()) {
                    Some(1)
                } else if self.err.is_some_and(|f| f.is_terminal()) {
                    Some(2)
                } else {
                    None
                }
            }
            (false, false) => None,
        }
    }
}

/// What is known of a write-like syscall at its entry: where its output
/// goes and the bytes it is about to send. Read while the thread is
/// stopped before the kernel runs the call, so that a thread killed as the
/// call returns (its descriptors and memory are gone by then) still has
/// them.
#[derive(Clone, Debug, Default)]
pub struct Pending {
    stream: Option<u8>,
    /// The bytes in memory the call may send (up to [`MAX_KEPT`]).
    bytes: Option<Vec<u8>>,
    /// For a splice or tee from a pipe into rewind's own output: the bytes
    /// waiting in the pipe, which the call may take.
    piped: Option<Vec<u8>>,
}

/// At the entry of syscall `name(args)` of `task`: what its output will
/// be, if it is write-like.
pub fn at_entry(task: &Task, own: &OwnOutputs, name: &str, args: &[u64; 6]) -> Option<Pending> {
    let out = output_of(name, args)?;
    let stream = fds::identity(task.tid, out.fd).and_then(|f| own.stream_of(&f, out.fd));
    let read = |addr: u64, n: usize| task.read_mem(addr, n);
    let asked = match out.source {
        Source::Buf { .. } => args[2] as usize,
        _ => usize::MAX,
    };
    let mut pending = Pending {
        stream,
        bytes: gather(out.source, asked.min(MAX_KEPT), &read),
        piped: None,
    };
    if let (Some(_), Source::Fd { fd, .. }) = (stream, out.source) {
        let len = match name {
            "splice" => args[4],
            "tee" => args[2],
            _ => 0,
        } as usize;
        if len > 0 && !fds::identity(task.tid, fd).is_some_and(|f| f.regular) {
            pending.piped = fds::peek_pipe(task.pid, fd, len.min(MAX_KEPT)).ok();
        }
    }
    Some(pending)
}

/// The `Written` event of the syscall `name(args)` that returned `result`
/// in `task`, with what [`at_entry`] found, if it wrote something. `warn`
/// is told of output that reached rewind's own but whose bytes could not
/// be kept.
pub fn at_exit(
    task: &Task,
    pending: &Pending,
    name: &str,
    args: &[u64; 6],
    result: u64,
    warn: &mut dyn FnMut(String),
) -> Option<Event> {
    let out = output_of(name, args)?;
    let len = result as i64;
    if len <= 0 {
        return None;
    }
    let len = len as usize;
    let stream = pending.stream;
    let (bytes, data) = match (&pending.bytes, out.source) {
        (Some(b), _) if b.len() >= len => (b[..len].to_vec(), Vec::new()),
        (Some(_), source) => {
            // More than was read at the entry.
            let read = |addr: u64, n: usize| task.read_mem(addr, n);
            (gather(source, len, &read).unwrap_or_default(), Vec::new())
        }
        (None, Source::Fd { fd, off }) => {
            // From another descriptor: only output that reached rewind's
            // own is kept (the replay echoes it from the trace).
            stream?;
            let kept = match &pending.piped {
                Some(p) if p.len() >= len => Some(p[..len].to_vec()),
                _ => from_descriptor(task, fd, off, len),
            };
            match kept {
                Some(bytes) => (bytes.clone(), bytes),
                None => {
                    warn(format!(
                        "the program sent {len} bytes to rewind's output with {name} from a \
                         descriptor whose bytes rewind could not read; the replay cannot show \
                         them again"
                    ));
                    (Vec::new(), Vec::new())
                }
            }
        }
        (None, _) => return None,
    };
    Some(Event::Written {
        tid: task.tid.as_raw(),
        stream,
        len: bytes.len() as u64,
        crc: crc32fast::hash(&bytes),
        data,
    })
}

/// The `len` bytes a sendfile, splice or copy_file_range just took from
/// descriptor `fd` (a regular file), read again through a copy of the
/// descriptor: they end where the input offset (at pointer `off`, or the
/// descriptor's own position) now is.
fn from_descriptor(task: &Task, fd: u64, off: u64, len: usize) -> Option<Vec<u8>> {
    if len > MAX_KEPT || !fds::identity(task.tid, fd)?.regular {
        return None;
    }
    let end = if off != 0 {
        task.read_u64(off).ok()?
    } else {
        fds::position(task.tid, fd)?
    };
    let start = end.checked_sub(len as u64)?;
    let bytes = fds::read_at(task.pid, fd, start, len).ok()?;
    (bytes.len() == len).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dev: u64, ino: u64) -> FileId {
        FileId {
            dev,
            ino,
            rdev: 0,
            char_device: false,
            regular: false,
        }
    }

    #[test]
    fn a_write_reaches_the_output_whose_file_it_is() {
        let own = OwnOutputs {
            out: Some(file(1, 10)),
            err: Some(file(1, 20)),
        };
        assert_eq!(own.stream_of(&file(1, 10), 7), Some(1));
        assert_eq!(own.stream_of(&file(1, 20), 1), Some(2));
        assert_eq!(own.stream_of(&file(1, 30), 1), None);
    }

    #[test]
    fn one_file_for_both_outputs_goes_by_the_descriptor() {
        let own = OwnOutputs {
            out: Some(file(1, 10)),
            err: Some(file(1, 10)),
        };
        assert_eq!(own.stream_of(&file(1, 10), 2), Some(2));
        assert_eq!(own.stream_of(&file(1, 10), 1), Some(1));
        assert_eq!(own.stream_of(&file(1, 10), 9), Some(1));
    }

    #[test]
    fn dev_tty_is_the_terminal_output() {
        let pts = FileId {
            rdev: nix::sys::stat::makedev(136, 3),
            char_device: true,
            ..file(0, 5)
        };
        let tty = FileId {
            rdev: nix::sys::stat::makedev(5, 0),
            char_device: true,
            ..file(0, 6)
        };
        let own = OwnOutputs {
            out: Some(file(9, 9)),
            err: Some(pts),
        };
        assert_eq!(own.stream_of(&tty, 3), Some(2));
        let piped = OwnOutputs {
            out: Some(file(9, 9)),
            err: None,
        };
        assert_eq!(piped.stream_of(&tty, 3), None);
    }
}
