//! The GDB remote-protocol server over a replay: gdb (`target
//! extended-remote`), lldb (`gdb-remote`) and editors built on them debug
//! the replayed program through it.
//!
//! - [`arch`], [`regs`], [`tdesc`]: our own x86_64 `Arch` for gdbstub, with
//!   the full register file and target description.
//! - [`target`]: the gdbstub target over a [`Timeline`] (a replay that
//!   can go backwards); [`reverse`]: gdb's reverse-continue and
//!   reverse-step.
//! - [`conn`], [`packets`]: the connection and the packets we answer in
//!   front of gdbstub.
//! - [`files`]: file transfer (host I/O) and the loaded libraries.
//! - [`server`], [`interrupt`]: the event loop and Ctrl-C; a packet
//!   gdbstub fails on gets an error reply and the session goes on.
//! - [`monitor`]: `monitor` commands (when, checkpoints, goto).
//!
//! [`Timeline`]: crate::timeline::Timeline

pub mod arch;
pub mod conn;
pub mod files;
pub mod interrupt;
pub mod monitor;
pub mod packets;
pub mod regs;
pub mod reverse;
pub mod server;
pub mod signals;
pub mod target;
pub mod tdesc;

pub use server::{serve, serve_on};

/// Why serving a debugger failed.
#[derive(Debug, thiserror::Error)]
pub enum GdbError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot accept a debugger connection: {0}")]
    Accept(std::io::Error),
    #[error("the debugger connection failed: {0}")]
    Connection(std::io::Error),
    #[error("the debugger session failed: {0}")]
    Protocol(String),
}
