//! Where traces live: `$REWIND_TRACE_DIR`, else `$XDG_DATA_HOME/rewind`,
//! else `~/.local/share/rewind`; each trace is `<prog>-<N>`, and
//! `latest-trace` links to the newest.

use std::path::{Path, PathBuf};

pub const LATEST: &str = "latest-trace";

pub fn trace_root() -> PathBuf {
    if let Some(d) = std::env::var_os("REWIND_TRACE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("rewind");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
    PathBuf::from(home).join(".local/share/rewind")
}

/// A new, unused `<prog>-<N>` directory path under the trace root.
pub fn new_trace_dir(prog: &str) -> Result<PathBuf, String> {
    let root = trace_root();
    std::fs::create_dir_all(&root)
        .map_err(|e| format!("cannot create the trace directory {}: {e}", root.display()))?;
    let base = Path::new(prog)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trace".into());
    for n in 0..1_000_000 {
        let p = root.join(format!("{base}-{n}"));
        if std::fs::create_dir(&p).is_ok() {
            return Ok(p);
        }
    }
    Err(format!("no free trace name under {}", root.display()))
}

/// Point `latest-trace` (next to the trace) at `dir`.
pub fn set_latest(dir: &Path) {
    let root = trace_root();
    let link = root.join(LATEST);
    let target = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if std::fs::create_dir_all(&root).is_err() {
        return;
    }
    let tmp = root.join(format!(".{LATEST}.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::os::unix::fs::symlink(&target, &tmp).is_ok() {
        let _ = std::fs::rename(&tmp, &link);
    }
}

/// The trace named on the command line, or the latest one.
pub fn resolve_trace(arg: Option<PathBuf>) -> Result<PathBuf, String> {
    match arg {
        Some(p) => {
            if p.is_dir() {
                return Ok(p);
            }
            // A bare name: look in the trace root.
            let q = trace_root().join(&p);
            if p.components().count() == 1 && q.is_dir() {
                return Ok(q);
            }
            Err(format!(
                "no trace at {} (see `rewind ls` for the recorded traces)",
                p.display()
            ))
        }
        None => {
            let l = trace_root().join(LATEST);
            if l.is_dir() {
                Ok(l)
            } else {
                Err(format!(
                    "no latest trace in {}; record one with `rewind record PROG` or name a trace",
                    trace_root().display()
                ))
            }
        }
    }
}

/// The trace directories as the debug adapter sees them.
pub struct TraceDirs;

impl crate::dap::Traces for TraceDirs {
    fn resolve(&self, name: Option<PathBuf>) -> Result<PathBuf, String> {
        resolve_trace(name)
    }

    fn new_trace(&self, program: &str) -> Result<PathBuf, String> {
        new_trace_dir(program)
    }
}
