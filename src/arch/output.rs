//! Where the bytes of a write-like syscall come from, as data: the recorder
//! checksums them (and keeps them when they reached rewind's own output from
//! another descriptor), the replayer gathers the same bytes again to check
//! them and to echo them.

/// The bytes a syscall sends to a descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// One buffer at a pointer (write, pwrite64, sendto).
    Buf { ptr: u64 },
    /// An iovec array (writev, pwritev, pwritev2, vmsplice).
    Iov { iov: u64, cnt: u64 },
    /// The iovecs of a `struct msghdr` (sendmsg).
    MsgHdr { msg: u64 },
    /// Another descriptor (sendfile, splice, copy_file_range, tee): the bytes
    /// are not in the program's memory. `off` is the pointer to the input
    /// offset when the call names one (0: the descriptor's own position).
    Fd { fd: u64, off: u64 },
}

/// A write-like syscall: the descriptor it writes to and where its bytes
/// come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    pub fd: u64,
    pub source: Source,
}

/// The output of syscall `name` with arguments `args`, if it is write-like.
pub fn output_of(name: &str, a: &[u64; 6]) -> Option<Output> {
    let (fd, source) = match name {
        "write" | "pwrite64" | "sendto" => (a[0], Source::Buf { ptr: a[1] }),
        "writev" | "pwritev" | "pwritev2" | "vmsplice" => (
            a[0],
            Source::Iov {
                iov: a[1],
                cnt: a[2],
            },
        ),
        "sendmsg" => (a[0], Source::MsgHdr { msg: a[1] }),
        // sendfile(out, in, *offset, count)
        "sendfile" => (
            a[0],
            Source::Fd {
                fd: a[1],
                off: a[2],
            },
        ),
        // splice / copy_file_range(in, *off_in, out, *off_out, len, flags)
        "splice" | "copy_file_range" => (
            a[2],
            Source::Fd {
                fd: a[0],
                off: a[1],
            },
        ),
        // tee(in, out, len, flags)
        "tee" => (a[1], Source::Fd { fd: a[0], off: 0 }),
        _ => return None,
    };
    Some(Output { fd, source })
}

/// At most this many iovecs are followed (the kernel's UIO_MAXIOV).
const MAX_IOV: u64 = 1024;
/// `struct msghdr`: msg_iov at 16, msg_iovlen at 24 (64-bit layout).
const MSG_IOV: u64 = 16;
const MSG_IOVLEN: u64 = 24;

/// The first `len` bytes a memory-sourced output sent, read through `read`
/// (which returns fewer bytes than asked at an unmapped page). `None` for
/// a descriptor source.
pub fn gather(source: Source, len: usize, read: &dyn Fn(u64, usize) -> Vec<u8>) -> Option<Vec<u8>> {
    let read_u64 = |addr: u64| -> Option<u64> {
        let b = read(addr, 8);
        Some(u64::from_le_bytes(b.get(..8)?.try_into().ok()?))
    };
    let iovecs = |iov: u64, cnt: u64| -> Vec<u8> {
        let mut out = Vec::with_capacity(len.min(1 << 20));
        for i in 0..cnt.min(MAX_IOV) {
            if out.len() >= len {
                break;
            }
            let (Some(base), Some(n)) = (read_u64(iov + i * 16), read_u64(iov + i * 16 + 8)) else {
                break;
            };
            let n = (n as usize).min(len - out.len());
            out.extend_from_slice(&read(base, n));
        }
        out
    };
    match source {
        Source::Buf { ptr } => Some(read(ptr, len)),
        Source::Iov { iov, cnt } => Some(iovecs(iov, cnt)),
        Source::MsgHdr { msg } => {
            let iov = read_u64(msg + MSG_IOV)?;
            let cnt = read_u64(msg + MSG_IOVLEN)?;
            Some(iovecs(iov, cnt))
        }
        Source::Fd { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake address space: one region at `base`.
    fn mem(base: u64, bytes: Vec<u8>) -> impl Fn(u64, usize) -> Vec<u8> {
        move |addr, len| {
            if addr < base || addr >= base + bytes.len() as u64 {
                return Vec::new();
            }
            let from = (addr - base) as usize;
            bytes[from..(from + len).min(bytes.len())].to_vec()
        }
    }

    #[test]
    fn write_and_pwrite_send_their_buffer() {
        let o = output_of("write", &[1, 0x1000, 5, 0, 0, 0]).unwrap();
        assert_eq!(o.fd, 1);
        let m = mem(0x1000, b"hello world".to_vec());
        assert_eq!(gather(o.source, 5, &m).unwrap(), b"hello");
        let o = output_of("pwrite64", &[7, 0x1006, 5, 99, 0, 0]).unwrap();
        assert_eq!(
            (o.fd, gather(o.source, 5, &m).unwrap()),
            (7, b"world".to_vec())
        );
    }

    #[test]
    fn writev_gathers_iovecs_up_to_the_result() {
        // Two iovecs at 0x100: "ab" at 0x200 and "cdef" at 0x202.
        let mut bytes = vec![0u8; 0x200];
        bytes[0..8].copy_from_slice(&0x200u64.to_le_bytes());
        bytes[8..16].copy_from_slice(&2u64.to_le_bytes());
        bytes[16..24].copy_from_slice(&0x202u64.to_le_bytes());
        bytes[24..32].copy_from_slice(&4u64.to_le_bytes());
        bytes[0x100..0x106].copy_from_slice(b"abcdef");
        let m = mem(0x100, bytes);
        let o = output_of("writev", &[2, 0x100, 2, 0, 0, 0]).unwrap();
        assert_eq!(o.fd, 2);
        assert_eq!(gather(o.source, 5, &m).unwrap(), b"abcde");
        assert_eq!(gather(o.source, 6, &m).unwrap(), b"abcdef");
    }

    #[test]
    fn descriptor_sources_name_the_input_and_the_output() {
        let o = output_of("sendfile", &[1, 5, 0x700, 100, 0, 0]).unwrap();
        assert_eq!(
            o,
            Output {
                fd: 1,
                source: Source::Fd { fd: 5, off: 0x700 }
            }
        );
        let o = output_of("splice", &[3, 0, 1, 0, 100, 0]).unwrap();
        assert_eq!(
            o,
            Output {
                fd: 1,
                source: Source::Fd { fd: 3, off: 0 }
            }
        );
        let o = output_of("copy_file_range", &[4, 0x10, 2, 0, 9, 0]).unwrap();
        assert_eq!(
            o,
            Output {
                fd: 2,
                source: Source::Fd { fd: 4, off: 0x10 }
            }
        );
        assert_eq!(gather(o.source, 9, &mem(0, vec![])), None);
        assert_eq!(output_of("read", &[0; 6]), None);
    }
}
