//! `rewind replay` with a debugger: serve on a port, or launch gdb.

use std::net::TcpListener;
use std::path::Path;

use crate::replay::Echo;
use crate::timeline::Timeline;

pub fn replay_debug(
    dir: &Path,
    port: Option<u16>,
    host: &str,
    debugger: &str,
    follow: Option<&crate::replay::focus::FocusSpec>,
    opts: &crate::replay::ReplayOptions,
    echo: Echo,
) -> Result<i32, String> {
    let session = Timeline::open_with(dir, echo, follow, opts).map_err(|e| e.to_string())?;
    if let Some(port) = port {
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
