//! Reading a trace: the header, then the events in order.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::{
    Cut, Event, Header, TraceError, EVENTS_FILE, FILES_DIR, FORMAT_VERSION, FRAME_HEADER_LEN,
    FRAME_MAGIC, HEADER_FILE, HEADER_MAGIC, MAX_FRAME,
};

/// An opened trace.
pub struct TraceReader {
    dir: PathBuf,
    header: Header,
    /// The format version that wrote the trace.
    version: u32,
    /// The recording was cut short here (the `cut` file).
    cut: Option<Cut>,
}

/// Why the event stream ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEnd {
    /// Every frame was whole, and the events end with a process's end.
    Complete,
    /// The recording was cut short on purpose (a signal to rewind) or by
    /// an error of rewind's: every frame is whole up to the cut.
    Cut { events: u64, cut: Cut },
    /// Every frame is whole, but the events do not end with a process's
    /// end and no cut was marked: rewind itself was killed (SIGKILL) or
    /// crashed.
    Unfinished { events: u64 },
    /// The stream stops in the middle of a frame, or a frame is damaged:
    /// the recording was cut short (or the file was altered).
    Truncated {
        /// Events read before the damage.
        events: u64,
        /// Byte offset in the events file where the damage starts.
        offset: u64,
        detail: String,
        /// Whole bytes follow the damage: the file was corrupted, not
        /// merely cut short.
        corrupt: bool,
    },
}

impl TraceEnd {
    /// Whether the trace holds the whole recording.
    pub fn is_complete(&self) -> bool {
        matches!(self, TraceEnd::Complete)
    }

    pub fn describe(&self) -> String {
        match self {
            TraceEnd::Complete => "the trace is complete".into(),
            TraceEnd::Cut { events, cut } => format!(
                "the recording was cut short {} at event {events} (rewind killed the recorded \
                 processes there); the trace ends at that point",
                cut.cause_text()
            ),
            TraceEnd::Unfinished { events: 0 } => "the trace has no events: the recording \
                 was cut short before the program started (rewind itself was killed or crashed)"
                .into(),
            TraceEnd::Unfinished { events } => format!(
                "the trace ended early after event {}: it has no end of the program, so the \
                 recording was cut short (rewind itself was killed or crashed)",
                events - 1
            ),
            TraceEnd::Truncated {
                events,
                offset,
                detail,
                corrupt: false,
            } => format!(
                "the trace ended early after event {} (byte {offset} of the events file: {detail}); \
                 the recording was cut short, so replay stops there",
                events.saturating_sub(1)
            ),
            TraceEnd::Truncated {
                events,
                offset,
                detail,
                corrupt: true,
            } => format!(
                "the trace is corrupt after event {} (byte {offset} of the events file: {detail}, \
                 and more bytes follow); replay stops there. Copy the trace again from where it \
                 was recorded if you can",
                events.saturating_sub(1)
            ),
        }
    }
}

impl TraceReader {
    pub fn open(dir: &Path) -> Result<TraceReader, TraceError> {
        let hpath = dir.join(HEADER_FILE);
        if !dir.is_dir() {
            return Err(TraceError::Io {
                what: "open trace",
                path: dir.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such trace directory (see `rewind ls` for recorded traces)",
                ),
            });
        }
        let bytes = std::fs::read(&hpath).map_err(|source| TraceError::Io {
            what: "read the header of",
            path: hpath.clone(),
            source,
        })?;
        let header = decode_header(&bytes, dir)?;
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        Ok(TraceReader {
            dir: dir.to_path_buf(),
            header,
            version,
            cut: Cut::read(dir),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Path of a file saved under `files/`.
    pub fn saved_file(&self, name: &str) -> PathBuf {
        self.dir.join(FILES_DIR).join(name)
    }

    /// The events, in order, from the beginning.
    pub fn events(&self) -> Result<EventStream, TraceError> {
        let epath = self.dir.join(EVENTS_FILE);
        let f = File::open(&epath).map_err(|source| TraceError::Io {
            what: "open",
            path: epath.clone(),
            source,
        })?;
        Ok(EventStream {
            input: BufReader::with_capacity(1 << 20, f),
            frame: Vec::new(),
            pos_in_frame: 0,
            offset: 0,
            index: 0,
            end: None,
            version: self.version,
            cut: self.cut.clone(),
            last_is_exit: false,
        })
    }

    /// Read every event into memory, with how the stream ended.
    pub fn read_all(&self) -> Result<(Vec<Event>, TraceEnd), TraceError> {
        let mut s = self.events()?;
        let mut v = Vec::new();
        while let Some(e) = s.next_event() {
            v.push(e);
        }
        Ok((v, s.end().cloned().unwrap_or(TraceEnd::Complete)))
    }
}

fn decode_header(bytes: &[u8], dir: &Path) -> Result<Header, TraceError> {
    let path = dir.to_path_buf();
    if bytes.len() < 16 || &bytes[..8] != HEADER_MAGIC {
        return Err(TraceError::NotATrace { path });
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version > FORMAT_VERSION {
        return Err(TraceError::NewerVersion {
            path,
            found: version,
            ours: FORMAT_VERSION,
        });
    }
    if version < crate::trace::event::OLDEST_READABLE_VERSION {
        return Err(TraceError::OlderVersion {
            path,
            found: version,
            ours: FORMAT_VERSION,
        });
    }
    let crc = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    let body = &bytes[16..];
    if crc32fast::hash(body) != crc {
        return Err(TraceError::BadHeader {
            path,
            detail: "checksum mismatch".into(),
        });
    }
    let bad = |e: postcard::Error| TraceError::BadHeader {
        path: path.clone(),
        detail: e.to_string(),
    };
    if version < 6 {
        return postcard::from_bytes::<crate::trace::event::legacy::Header>(body)
            .map(Header::from)
            .map_err(bad);
    }
    // Format 6 traces written before the header kept the CPU identity
    // end where the older header does: the current header does not decode
    // from them (it would read past the end), the older one does.
    match postcard::take_from_bytes::<Header>(body) {
        Ok((mut h, rest)) => {
            // What follows the header in newer traces.
            if let Ok(ext) = postcard::from_bytes::<crate::trace::event::HeaderExt>(rest) {
                h.syscall_buffer = Some(ext.syscall_buffer);
            }
            Ok(h)
        }
        Err(e) => postcard::from_bytes::<crate::trace::event::legacy::Header>(body)
            .map(Header::from)
            .map_err(|_| bad(e)),
    }
}

/// Events read frame by frame. Damage ends the stream; [`EventStream::end`]
/// then says where and why.
pub struct EventStream {
    input: BufReader<File>,
    frame: Vec<u8>,
    pos_in_frame: usize,
    offset: u64,
    index: u64,
    end: Option<TraceEnd>,
    /// The format version, for decoding older events.
    version: u32,
    /// The recording was cut short (the `cut` file).
    cut: Option<Cut>,
    /// The last event read is an `Exit`.
    last_is_exit: bool,
}

impl EventStream {
    /// Index the next event will have.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Why the stream ended, once it has.
    pub fn end(&self) -> Option<&TraceEnd> {
        self.end.as_ref()
    }

    fn truncated(&mut self, detail: String) -> Option<Event> {
        // A frame cut by a crash is the file's last bytes; anything after
        // a damaged frame means the file was altered.
        let mut probe = [0u8; 1];
        let corrupt = matches!(self.input.read(&mut probe), Ok(1));
        self.end = Some(TraceEnd::Truncated {
            events: self.index,
            offset: self.offset,
            detail,
            corrupt,
        });
        None
    }

    pub fn next_event(&mut self) -> Option<Event> {
        if self.end.is_some() {
            return None;
        }
        if self.pos_in_frame >= self.frame.len() {
            match self.read_frame() {
                Ok(true) => {}
                Ok(false) => {
                    self.end = Some(match &self.cut {
                        Some(cut) => TraceEnd::Cut {
                            events: self.index,
                            cut: cut.clone(),
                        },
                        // A recording ends when its last process does.
                        None if !self.last_is_exit => TraceEnd::Unfinished { events: self.index },
                        None => TraceEnd::Complete,
                    });
                    return None;
                }
                Err(detail) => return self.truncated(detail),
            }
        }
        let rest = &self.frame[self.pos_in_frame..];
        if rest.len() < 4 {
            return self.truncated("an event record is cut".into());
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let Some(body) = rest.get(4..4 + len) else {
            return self.truncated("an event record is cut".into());
        };
        let decoded = if self.version < 3 {
            postcard::from_bytes::<crate::trace::event::legacy::Event>(body).map(Event::from)
        } else {
            postcard::from_bytes::<Event>(body)
        };
        match decoded {
            Ok(e) => {
                self.pos_in_frame += 4 + len;
                self.index += 1;
                self.last_is_exit = matches!(e, Event::Exit { .. });
                Some(e)
            }
            Err(e) => self.truncated(format!("an event does not decode: {e}")),
        }
    }

    /// Read the next frame. Ok(false) at a clean end of file.
    fn read_frame(&mut self) -> Result<bool, String> {
        let mut hdr = [0u8; FRAME_HEADER_LEN];
        let n = read_full(&mut self.input, &mut hdr).map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(false);
        }
        if n < FRAME_HEADER_LEN {
            return Err("the last frame's header is cut".into());
        }
        let word = |i: usize| u32::from_le_bytes([hdr[i], hdr[i + 1], hdr[i + 2], hdr[i + 3]]);
        if word(0) != FRAME_MAGIC {
            return Err("a frame does not start with the frame magic".into());
        }
        let clen = word(4) as usize;
        let ulen = word(8) as usize;
        if clen > MAX_FRAME || ulen > MAX_FRAME {
            return Err(format!("a frame claims an impossible size ({clen} bytes)"));
        }
        let mut comp = vec![0u8; clen];
        let n = read_full(&mut self.input, &mut comp).map_err(|e| e.to_string())?;
        if n < clen {
            return Err(format!("the last frame is cut ({n} of {clen} bytes)"));
        }
        if crc32fast::hash(&comp) != word(12) {
            return Err("a frame's checksum does not match".into());
        }
        let data = lz4_flex::decompress(&comp, ulen)
            .map_err(|e| format!("a frame does not decompress: {e}"))?;
        self.offset += (FRAME_HEADER_LEN + clen) as u64;
        self.frame = data;
        self.pos_in_frame = 0;
        Ok(true)
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
