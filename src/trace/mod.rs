//! The on-disk trace: a directory holding
//!
//! - `header`: magic, format version, and the [`Header`] (postcard);
//! - `events`: a sequence of frames, each a batch of [`Event`]s encoded with
//!   postcard and compressed with lz4, preceded by its lengths and a CRC32.
//!   Frames are only appended, so a recording cut short (the program or
//!   rewind killed) still reads up to its last whole frame;
//! - `files/`: copies (or hard links) of the executable and mapped files,
//!   and `files.ids`: what each was when saved (see [`files`]).
//!
//! Writer and reader, nothing else.

pub mod event;
pub mod files;
pub mod processes;
mod reader;
mod writer;

pub use event::*;
pub use reader::{EventStream, TraceEnd, TraceReader};
pub use writer::{rewrite_header, TraceWriter};

use std::path::PathBuf;

/// Errors reading or writing a trace. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("cannot {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a rewind trace (its header does not start with the rewind magic); pass the directory that `rewind record` created")]
    NotATrace { path: PathBuf },
    #[error("{path} was written by a newer rewind (trace format {found}, this rewind reads format {ours}); replay it with that version")]
    NewerVersion {
        path: PathBuf,
        found: u32,
        ours: u32,
    },
    #[error("{path} uses trace format {found}, which this rewind no longer reads (it reads format {ours}); record the program again")]
    OlderVersion {
        path: PathBuf,
        found: u32,
        ours: u32,
    },
    #[error("the header of {path} is damaged ({detail}); the trace cannot be used, record again")]
    BadHeader { path: PathBuf, detail: String },
    #[error("cannot encode trace data: {0}")]
    Encode(String),
}

/// File names inside a trace directory.
pub const HEADER_FILE: &str = "header";
pub const EVENTS_FILE: &str = "events";
pub const FILES_DIR: &str = "files";
/// Present when the recording was cut short (see [`Cut`]).
pub const CUT_FILE: &str = "cut";
/// The signal state the program started with (see [`InitialSignals`]).
pub const SIGNALS_FILE: &str = "signals";

/// The signals the recorded program inherited ignored (SIG_IGN survives
/// execve) and blocked, as masks (bit N-1 for signal N), which the replay
/// gives its program too: a signal ignored at record (under `nohup`, or
/// a shell's `trap '' SIG`) is still reported to the tracer and recorded,
/// and the replay would otherwise deliver it with its default action.
/// Kept as one line of JSON in the trace's `signals` file; a trace
/// without it started with none (older traces).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InitialSignals {
    pub ignored: u64,
    pub blocked: u64,
}

impl InitialSignals {
    /// Read the trace's `signals` file; None when it has none.
    pub fn read(dir: &std::path::Path) -> Result<Option<InitialSignals>, String> {
        let path = dir.join(SIGNALS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(text.trim())
                .map(Some)
                .map_err(|e| format!("{} does not parse ({e})", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn write(&self, dir: &std::path::Path) -> std::io::Result<()> {
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(SIGNALS_FILE), format!("{text}\n"))
    }
}

/// Why a recording ended before its program did: written, as one line of
/// JSON, to the trace's `cut` file once the events before the cut are
/// flushed. Its absence with events that do not end in an `Exit` means
/// that rewind itself was killed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cut {
    pub cause: CutCause,
    /// Events written before the cut.
    pub events: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CutCause {
    /// rewind received this signal (SIGINT, SIGTERM, SIGHUP) and stopped.
    Signal(i32),
    /// rewind hit this error while recording.
    Error(String),
}

impl Cut {
    /// Read the `cut` file of trace `dir`, if any.
    pub fn read(dir: &std::path::Path) -> Option<Cut> {
        let text = std::fs::read_to_string(dir.join(CUT_FILE)).ok()?;
        match serde_json::from_str(text.trim()) {
            Ok(c) => Some(c),
            Err(e) => Some(Cut {
                cause: CutCause::Error(format!("its `cut` file does not parse ({e})")),
                events: 0,
            }),
        }
    }

    /// Write the `cut` file of trace `dir`.
    pub fn write(&self, dir: &std::path::Path) -> Result<(), TraceError> {
        let path = dir.join(CUT_FILE);
        let text = serde_json::to_string(self).map_err(|e| TraceError::Encode(e.to_string()))?;
        std::fs::write(&path, text + "\n").map_err(|source| TraceError::Io {
            what: "write",
            path,
            source,
        })
    }

    /// Why, in words: "by SIGTERM", "by an error in rewind (...)".
    pub fn cause_text(&self) -> String {
        match &self.cause {
            CutCause::Signal(s) => format!("by {}", signal_name(*s)),
            CutCause::Error(e) => format!("by an error in rewind ({e})"),
        }
    }
}

const HEADER_MAGIC: &[u8; 8] = b"REWIND\x00\x01";
const FRAME_MAGIC: u32 = 0x4657_5245; // "ERWF" little-endian
/// Frame header: magic, compressed length, uncompressed length, crc32.
const FRAME_HEADER_LEN: usize = 16;
/// A frame larger than this is taken as corruption rather than allocated.
const MAX_FRAME: usize = 1 << 30;

#[cfg(test)]
mod tests;
