//! `rewind replay` with a debugger: serve on a port, or launch gdb.

use std::net::TcpListener;
use std::path::Path;

use crate::replay::Echo;
use crate::timeline::Timeline;

/// How `rewind replay` serves a debugger.
pub struct Serve<'a> {
    /// Listen on this port for a debugger (else start `debugger`).
    pub port: Option<u16>,
    pub host: &'a str,
    pub debugger: &'a str,
    pub follow: Option<&'a crate::replay::focus::FocusSpec>,
    pub echo: Echo,
    /// Go to this event before the debugger connects.
    pub goto: Option<u64>,
}

pub fn replay_debug(
    dir: &Path,
    serve: &Serve,
    opts: &crate::replay::ReplayOptions,
) -> Result<i32, String> {
    let (host, debugger) = (serve.host, serve.debugger);
    let mut session =
        Timeline::open_with(dir, serve.echo, serve.follow, opts).map_err(|e| e.to_string())?;
    if let Some(event) = serve.goto {
        session.goto_event(event).map_err(|e| {
            format!("cannot start at event {event}: {e} (`rewind dump` lists the events)")
        })?;
    }
    if let Some(port) = serve.port {
        crate::gdb::serve_on(session, host, port).map_err(|e| e.to_string())?;
        return Ok(0);
    }
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot listen on a local port: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the local port: {e}"))?;
    let exe = session.session().exe_path();
    let mut cmd = std::process::Command::new(debugger);
    cmd.arg("-q");
    if let Some(script) = gdb_script() {
        cmd.arg("-x").arg(script);
    }
    cmd.arg("-ex")
        .arg(format!("target extended-remote {addr}"))
        .arg(&exe);
    // The terminal's Ctrl-C goes to the debugger, which forwards it as a
    // protocol interrupt; rewind itself must not die of it.
    crate::tracee::sys::ignore_sigint();
    let mut child = cmd.spawn().map_err(|e| {
        format!("cannot start {debugger}: {e}; use `rewind replay -s PORT` and connect yourself")
    })?;
    let served = crate::gdb::serve(session, listener);
    let status = child.wait().map_err(|e| e.to_string())?;
    served.map_err(|e| e.to_string())?;
    Ok(status.code().unwrap_or(0))
}

/// `gdb-scripts/rewind.gdb`, installed next to the binary or in the source tree.
fn gdb_script() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let mut candidates = vec![];
    if let Some(d) = exe.parent() {
        candidates.push(d.join("rewind.gdb"));
        candidates.push(d.join("../../gdb-scripts/rewind.gdb"));
        candidates.push(d.join("../share/rewind/rewind.gdb"));
    }
    candidates.push(std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/gdb-scripts/rewind.gdb"
    )));
    candidates.into_iter().find(|p| p.is_file())
}
