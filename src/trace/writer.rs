//! Appending events to a trace.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{
    Event, Header, TraceError, EVENTS_FILE, FILES_DIR, FORMAT_VERSION, FRAME_MAGIC, HEADER_FILE,
    HEADER_MAGIC,
};

/// Flush a frame when this many events are pending...
const FRAME_EVENTS: usize = 32;
/// ...or when their encoded size passes this.
const FRAME_BYTES: usize = 256 * 1024;

pub struct TraceWriter {
    dir: PathBuf,
    events: File,
    pending: Vec<u8>,
    pending_count: usize,
    /// Events written so far (flushed or pending).
    count: u64,
    bytes_written: u64,
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> TraceError {
    let path = path.to_path_buf();
    move |source| TraceError::Io { what, path, source }
}

impl TraceWriter {
    /// Create the trace directory `dir` (which must not exist yet, or be
    /// empty) and write the header.
    pub fn create(dir: &Path, header: &Header) -> Result<TraceWriter, TraceError> {
        std::fs::create_dir_all(dir.join(FILES_DIR)).map_err(io("create", dir))?;
        let h = header_bytes(header)?;
        let hpath = dir.join(HEADER_FILE);
        std::fs::write(&hpath, &h).map_err(io("write", &hpath))?;
        let epath = dir.join(EVENTS_FILE);
        let events = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&epath)
            .map_err(io("create", &epath))?;
        Ok(TraceWriter {
            dir: dir.to_path_buf(),
            events,
            pending: Vec::new(),
            pending_count: 0,
            count: 0,
            bytes_written: h.len() as u64,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of events written so far; the next event gets this index.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Bytes written to header and events so far (saved files excluded).
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    pub fn push(&mut self, event: &Event) -> Result<(), TraceError> {
        let enc = postcard::to_stdvec(event).map_err(|e| TraceError::Encode(e.to_string()))?;
        self.pending
            .extend_from_slice(&(enc.len() as u32).to_le_bytes());
        self.pending.extend_from_slice(&enc);
        self.pending_count += 1;
        self.count += 1;
        if self.pending_count >= FRAME_EVENTS || self.pending.len() >= FRAME_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Write pending events as one frame.
    pub fn flush(&mut self) -> Result<(), TraceError> {
        if self.pending_count == 0 {
            return Ok(());
        }
        let compressed = lz4_flex::compress(&self.pending);
        let mut frame = Vec::with_capacity(compressed.len() + 16);
        frame.extend_from_slice(&FRAME_MAGIC.to_le_bytes());
        frame.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
        frame.extend_from_slice(&(self.pending.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&compressed).to_le_bytes());
        frame.extend_from_slice(&compressed);
        let epath = self.dir.join(EVENTS_FILE);
        self.events
            .write_all(&frame)
            .map_err(io("append to", &epath))?;
        self.bytes_written += frame.len() as u64;
        self.pending.clear();
        self.pending_count = 0;
        Ok(())
    }
}

fn header_bytes(header: &Header) -> Result<Vec<u8>, TraceError> {
    let mut body = postcard::to_stdvec(header).map_err(|e| TraceError::Encode(e.to_string()))?;
    if let Some(on) = header.syscall_buffer {
        let ext = crate::trace::event::HeaderExt { syscall_buffer: on };
        body.extend(postcard::to_stdvec(&ext).map_err(|e| TraceError::Encode(e.to_string()))?);
    }
    let mut h = Vec::with_capacity(body.len() + 16);
    h.extend_from_slice(HEADER_MAGIC);
    h.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    h.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    h.extend_from_slice(&body);
    Ok(h)
}

/// Replace the header of the existing trace in `dir` (written aside, then
/// renamed over the old one). Tools and tests that edit a trace use it; the
/// events must still match the header's format version.
pub fn rewrite_header(dir: &Path, header: &Header) -> Result<(), TraceError> {
    let hpath = dir.join(HEADER_FILE);
    let old = std::fs::read(&hpath).map_err(io("read", &hpath))?;
    let version = old
        .get(8..12)
        .map_or(0, |v| u32::from_le_bytes([v[0], v[1], v[2], v[3]]));
    // Formats 1 and 2 have events of another shape: their header must keep
    // its version.
    if version < 3 {
        return Err(TraceError::OlderVersion {
            path: dir.to_path_buf(),
            found: version,
            ours: FORMAT_VERSION,
        });
    }
    let h = header_bytes(header)?;
    let tmp = dir.join(format!("{HEADER_FILE}.tmp"));
    std::fs::write(&tmp, &h).map_err(io("write", &tmp))?;
    std::fs::rename(&tmp, &hpath).map_err(io("replace", &hpath))
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            log::error!("could not write the last events of the trace: {e}");
        }
    }
}
