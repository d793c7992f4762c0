//! rewind's in-process syscall buffer.
//!
//! The preload library (`preload/preload.c`, compiled by this crate's
//! build script with the system's C compiler) is injected into recorded
//! programs: it makes common syscalls that cannot block itself, from one
//! syscall instruction a seccomp filter lets through without a ptrace
//! stop, and appends each call's result and output bytes to a per-thread
//! buffer that rewind reads into the trace at the thread's next event. At
//! replay the same library copies the results back out of the buffer,
//! which rewind fills from the trace. [`layout`] is the buffer's layout,
//! shared by the library, the recorder and the replayer.

pub mod layout {
    include!("layout.rs");

    /// Bytes a record with `len` output bytes takes.
    pub const fn record_size(len: u64) -> u64 {
        REC_HDR_SIZE + ((len + 7) & !7)
    }
}

/// The library's ELF image (empty when it could not be built for this
/// target: recording then runs without the buffer).
pub static LIBRARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/librewind_syscallbuf.so"));

/// The file name the library is written under.
pub const LIBRARY_NAME: &str = "librewind_syscallbuf.so";

/// One buffered call, as decoded from a flushed batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub nr: u64,
    pub args: [u64; 6],
    pub result: u64,
    pub data: Vec<u8>,
}

fn word(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
}

/// The records of a batch (`count` records laid out from the start of
/// `bytes`); None when the bytes do not hold them.
pub fn decode(bytes: &[u8], count: u64) -> Option<Vec<Record>> {
    use layout::*;
    let mut out = Vec::new();
    let mut at = 0usize;
    for _ in 0..count {
        let nr = word(bytes, at + REC_NR as usize)?;
        let mut args = [0u64; 6];
        for (i, a) in args.iter_mut().enumerate() {
            *a = word(bytes, at + REC_ARGS as usize + 8 * i)?;
        }
        let result = word(bytes, at + REC_RESULT as usize)?;
        let len = word(bytes, at + REC_LEN as usize)?;
        if len > REC_SPACE {
            return None;
        }
        let start = at + REC_HDR_SIZE as usize;
        let data = bytes.get(start..start + len as usize)?.to_vec();
        out.push(Record {
            nr,
            args,
            result,
            data,
        });
        at += record_size(len) as usize;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_records_with_padding() {
        let mut b = Vec::new();
        for (nr, data) in [(0u64, b"abc".to_vec()), (8, Vec::new())] {
            b.extend_from_slice(&nr.to_le_bytes());
            for i in 0..6u64 {
                b.extend_from_slice(&(i + nr).to_le_bytes());
            }
            b.extend_from_slice(&3u64.to_le_bytes());
            b.extend_from_slice(&(data.len() as u64).to_le_bytes());
            b.extend_from_slice(&data);
            while b.len() % 8 != 0 {
                b.push(0);
            }
        }
        let r = decode(&b, 2).expect("two records");
        assert_eq!(r[0].data, b"abc");
        assert_eq!(r[1].nr, 8);
        assert_eq!(r[1].args[5], 13);
        assert!(decode(&b, 3).is_none());
    }
}
