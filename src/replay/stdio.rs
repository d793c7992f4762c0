//! Which descriptors of which replayed process are the recording's own
//! stdout and stderr, followed through the trace (dup2, dup, fcntl
//! F_DUPFD, close, descriptors handed out again, fork): a write is echoed
//! at replay only when it went to the terminal or file rewind's own output
//! went to, not when a shell had pointed the writer's fd 1 into a pipe.

use std::collections::BTreeMap;

/// Per recorded process id: descriptor -> 1 (stdout) or 2 (stderr).
#[derive(Clone, Debug, Default)]
pub struct StdioFds {
    procs: BTreeMap<i32, BTreeMap<u64, u64>>,
}

/// fcntl commands that duplicate a descriptor.
const F_DUPFD: u64 = 0;
const F_DUPFD_CLOEXEC: u64 = 1030;

impl StdioFds {
    /// The first process, with fds 1 and 2 as rewind's own.
    pub fn new(root: i32) -> StdioFds {
        let mut s = StdioFds::default();
        s.procs.insert(root, BTreeMap::from([(1, 1), (2, 2)]));
        s
    }

    /// Where a write to `fd` of process `pid` goes: Some(1 or 2) when it
    /// is the recording's stdout or stderr.
    pub fn target(&self, pid: i32, fd: u64) -> Option<u64> {
        self.procs.get(&pid)?.get(&fd).copied()
    }

    /// `child` was forked from `parent`: the same descriptors.
    pub fn fork(&mut self, parent: i32, child: i32) {
        let fds = self.procs.get(&parent).cloned().unwrap_or_default();
        self.procs.insert(child, fds);
    }

    /// A syscall of process `pid` that succeeded or failed with `result`.
    pub fn syscall(&mut self, pid: i32, name: &str, args: &[u64; 6], result: u64) {
        if (result as i64) < 0 {
            return;
        }
        let Some(fds) = self.procs.get_mut(&pid) else {
            return;
        };
        match name {
            "dup2" | "dup3" => {
                let (old, new) = (args[0], args[1]);
                match fds.get(&old).copied() {
                    Some(t) => fds.insert(new, t),
                    None => fds.remove(&new),
                };
            }
            "dup" => {
                if let Some(t) = fds.get(&args[0]).copied() {
                    fds.insert(result, t);
                }
            }
            "fcntl" if args[1] == F_DUPFD || args[1] == F_DUPFD_CLOEXEC => {
                if let Some(t) = fds.get(&args[0]).copied() {
                    fds.insert(result, t);
                }
            }
            "close" => {
                fds.remove(&args[0]);
            }
            "close_range" => {
                fds.retain(|&fd, _| fd < args[0] || fd > args[1]);
            }
            // Anything else that hands out a descriptor gives a new file.
            _ => {
                if result <= 2 && returns_fd(name) {
                    fds.remove(&result);
                }
            }
        }
    }

    /// A process ended.
    pub fn exit(&mut self, pid: i32) {
        self.procs.remove(&pid);
    }
}

fn returns_fd(name: &str) -> bool {
    matches!(
        name,
        "open"
            | "openat"
            | "openat2"
            | "creat"
            | "socket"
            | "accept"
            | "accept4"
            | "epoll_create"
            | "epoll_create1"
            | "eventfd"
            | "eventfd2"
            | "signalfd"
            | "signalfd4"
            | "timerfd_create"
            | "memfd_create"
            | "inotify_init"
            | "inotify_init1"
            | "pidfd_open"
            | "open_tree"
            | "fsopen"
            | "userfaultfd"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_pipeline_points_the_writer_into_a_pipe() {
        let mut s = StdioFds::new(10);
        // sh forks the left side, which dup2s the pipe's write end on 1.
        s.fork(10, 11);
        s.syscall(11, "dup2", &[4, 1, 0, 0, 0, 0], 1);
        s.syscall(11, "close", &[4, 0, 0, 0, 0, 0], 0);
        assert_eq!(s.target(11, 1), None);
        assert_eq!(s.target(11, 2), Some(2));
        // The right side reads the pipe on 0 and writes to the terminal.
        s.fork(10, 12);
        s.syscall(12, "dup2", &[3, 0, 0, 0, 0, 0], 0);
        assert_eq!(s.target(12, 1), Some(1));
        assert_eq!(s.target(10, 1), Some(1));
    }

    #[test]
    fn copies_of_stdout_write_to_stdout_until_closed() {
        let mut s = StdioFds::new(1);
        s.syscall(1, "dup", &[1, 0, 0, 0, 0, 0], 5);
        s.syscall(1, "fcntl", &[2, F_DUPFD_CLOEXEC, 10, 0, 0, 0], 10);
        assert_eq!(s.target(1, 5), Some(1));
        assert_eq!(s.target(1, 10), Some(2));
        // stdout closed, then a file opened on 1.
        s.syscall(1, "close", &[1, 0, 0, 0, 0, 0], 0);
        s.syscall(1, "openat", &[0, 0, 0, 0, 0, 0], 1);
        assert_eq!(s.target(1, 1), None);
        // A failed dup2 changes nothing.
        s.syscall(1, "dup2", &[5, 1, 0, 0, 0, 0], (-9i64) as u64);
        assert_eq!(s.target(1, 1), None);
        s.syscall(1, "dup2", &[5, 1, 0, 0, 0, 0], 1);
        assert_eq!(s.target(1, 1), Some(1));
        s.syscall(1, "close_range", &[3, u64::MAX, 0, 0, 0, 0], 0);
        assert_eq!(s.target(1, 5), None);
        assert_eq!(s.target(1, 1), Some(1));
    }
}
