//! `rewind dap`: a Debug Adapter Protocol server for editors.
//!
//! The adapter is a front end beside `gdb/`: for a `launch` it starts
//! `rewind replay -s PORT --echo TRACE` (the replay behind rewind's own
//! gdb server, which echoes the program's output once as the replay
//! passes it) and gdb in MI mode connected to it, and translates DAP
//! requests into MI commands and MI records into DAP responses and
//! events (`adapter.rs`). gdb gives source lines, frames, variables and
//! expressions; the server gives reverse execution, the boundaries of the
//! recording (`replaylog` stops) and monitor commands.
//!
//! A `launch` with a `program` records it first (`rewind record -o DIR
//! PROGRAM ARGS...`, its output shown on the debug console), then debugs
//! that recording.
//!
//! Messages are framed as the protocol says (`Content-Length: N`, a blank
//! line, N bytes of JSON) on stdin/stdout or on one TCP connection. The
//! message model is a small hand-written one over `serde_json` (see
//! `proto`).

mod adapter;
pub mod mi;
pub mod proto;

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

/// Where traces are, as the command line knows it.
pub trait Traces {
    /// The trace a `launch` names (None: the latest recording).
    fn resolve(&self, name: Option<PathBuf>) -> Result<PathBuf, String>;
    /// A new, empty trace directory for a recording of `program`.
    fn new_trace(&self, program: &str) -> Result<PathBuf, String>;
}

pub type Resolve<'a> = &'a dyn Traces;

/// Serve one client on stdin/stdout until it disconnects.
pub fn serve_stdio(resolve: Resolve) -> Result<(), String> {
    let input = BufReader::new(std::io::stdin());
    let output: Box<dyn Write + Send> = Box::new(std::io::stdout());
    adapter::run(input, output, resolve)
}

/// Listen on `host:port`, say so on stdout, and serve one client.
pub fn serve_tcp(host: &str, port: u16, resolve: Resolve) -> Result<(), String> {
    let addr = format!("{host}:{port}");
    let listener = TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the address of {addr}: {e}"))?;
    println!("Debug adapter listening on {local}");
    let _ = std::io::stdout().flush();
    let (stream, _) = listener
        .accept()
        .map_err(|e| format!("cannot accept a connection on {local}: {e}"))?;
    drop(listener);
    let reader = stream
        .try_clone()
        .map_err(|e| format!("cannot use the connection: {e}"))?;
    adapter::run(BufReader::new(reader), Box::new(stream), resolve)
}
