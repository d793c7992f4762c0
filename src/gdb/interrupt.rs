//! Ctrl-C while the replay runs: a helper thread watches the debugger's
//! connection and interrupts the replay as soon as anything arrives (the
//! interrupt byte, or the connection closing), and keeps interrupting it
//! until the run returns.

use std::net::TcpStream;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::replay::Interrupter;

/// How often (milliseconds) an interrupt is repeated until the run stops.
const REPEAT_MS: u8 = 200;

/// Run `f` (a run of the replay) while watching `sock`; returns what `f`
/// returned, and whether the run was interrupted.
pub fn run_watched<R>(
    sock: &TcpStream,
    interrupter: Interrupter,
    f: impl FnOnce() -> R,
) -> (R, bool) {
    let Ok((wake_r, wake_w)) = nix::unistd::pipe() else {
        log::warn!("cannot create a pipe; Ctrl-C will not interrupt this run");
        return (f(), false);
    };
    // While armed, the watcher may interrupt; the run's end disarms it
    // under the lock, so no interrupt is sent after the run returned.
    let armed = Mutex::new(true);
    let fired = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| loop {
            let mut fds = [
                PollFd::new(sock.as_fd(), PollFlags::POLLIN),
                PollFd::new(wake_r.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    log::warn!("watching the debugger connection failed: {e}");
                    return;
                }
                Ok(_) => {}
            }
            if fds[1].any().unwrap_or(true) {
                return;
            }
            if fds[0].any().unwrap_or(false) {
                // Interrupt now, and again at intervals until the run
                // ends: a long run (going back runs the replay many times)
                // may pass a single interrupt by between two of its parts.
                loop {
                    {
                        let armed = armed.lock().unwrap_or_else(|e| e.into_inner());
                        if !*armed {
                            return;
                        }
                        log::debug!("interrupting the replay");
                        fired.store(true, Ordering::SeqCst);
                        interrupter.interrupt();
                    }
                    let mut wake = [PollFd::new(wake_r.as_fd(), PollFlags::POLLIN)];
                    match poll(&mut wake, PollTimeout::from(REPEAT_MS)) {
                        Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                        _ => return,
                    }
                }
            }
        });
        let r = f();
        *armed.lock().unwrap_or_else(|e| e.into_inner()) = false;
        let _ = nix::unistd::write(&wake_w, &[1]);
        (r, fired.load(Ordering::SeqCst))
    })
}
