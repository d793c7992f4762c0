//! Asynchronous signals at record time.
//!
//! Without a hardware counter, the replay finds the point where a signal was
//! delivered by its register anchor: cheap when it is a syscall boundary,
//! costly when it is in the middle of a loop (every visit of the anchor's
//! instruction is a stop). So a signal that interrupts the program between
//! syscalls is held back until the program's next syscall, and delivered
//! just before it (the syscall then runs after the handler, as if the
//! signal had come a moment earlier). A program that makes no syscall
//! within [`DEFER_LIMIT`] gets the signal where it is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nix::unistd::Pid;

use crate::tracee::sys;

/// How long a signal may be held back waiting for a syscall.
pub const DEFER_LIMIT: Duration = Duration::from_millis(50);

/// A signal held back, with its original siginfo.
#[derive(Clone, Debug)]
pub struct Deferred {
    pub sig: i32,
    pub info: Vec<u8>,
}

/// Signals held back, and the timer that ends the wait.
pub struct Deferrals {
    pub queue: Vec<Deferred>,
    /// Bumped whenever the timer is cancelled; a timer fires only if the
    /// generation it was started with is still current.
    generation: Arc<AtomicU64>,
}

impl Default for Deferrals {
    fn default() -> Self {
        Self::new()
    }
}

impl Deferrals {
    pub fn new() -> Deferrals {
        Deferrals {
            queue: Vec::new(),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Hold `d` back; the first one held starts the timer, which stops the
    /// thread with a SIGSTOP of ours when it runs out.
    pub fn defer(&mut self, d: Deferred, pid: Pid, tid: Pid) {
        if self.queue.is_empty() {
            let gen = self.generation.load(Ordering::SeqCst);
            let shared = self.generation.clone();
            std::thread::spawn(move || {
                std::thread::sleep(DEFER_LIMIT);
                if shared.load(Ordering::SeqCst) == gen {
                    let _ = sys::tgkill(pid, tid, libc::SIGSTOP);
                }
            });
        }
        self.queue.push(d);
    }

    /// Take every held signal and cancel the timer.
    pub fn take(&mut self) -> Vec<Deferred> {
        self.generation.fetch_add(1, Ordering::SeqCst);
        std::mem::take(&mut self.queue)
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

pub use crate::tracee::stops::{is_our_stop, is_ours};
