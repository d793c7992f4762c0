//! The processes a trace holds, read off its events: which process each
//! thread belongs to, who forked whom, and how each ended. Used by
//! `rewind ps` and by the replay to pick the process a debugger follows.

use std::collections::BTreeMap;

use super::{Event, ExitKind};
use crate::arch::fork::{new_task, NewTask};
use crate::arch::Arch;

/// One recorded process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// rewind's id for it: its pid in rewind's pid namespace, by which
    /// the events name its threads.
    pub pid: i32,
    /// Its pid as it sees it itself, in its own pid namespace (the same as
    /// `pid` outside a new pid namespace).
    pub ns_pid: i32,
    /// The process that made it; None for the first.
    pub ppid: Option<i32>,
    /// The event that made it (fork) or started the trace (0).
    pub created_at: usize,
    /// How it ended; None when the trace stops first.
    pub exit: Option<ExitKind>,
    /// The arguments of the last program it ran by execve, if it did.
    pub argv: Option<Vec<String>>,
}

/// Processes and the process of each thread, in the order they appear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessTable {
    pub processes: Vec<Process>,
    /// Thread id (as recorded) -> process id.
    pub process_of: BTreeMap<i32, i32>,
}

impl ProcessTable {
    /// Read the table off `events` recorded on `arch`.
    pub fn of(events: &[Event], arch: Arch) -> ProcessTable {
        let mut t = ProcessTable::default();
        for (i, e) in events.iter().enumerate() {
            match e {
                Event::Exec { pid, tid, .. } => {
                    t.process_of.insert(*tid, *pid);
                    if !t.processes.iter().any(|p| p.pid == *pid) {
                        t.processes.push(Process {
                            pid: *pid,
                            ns_pid: *pid,
                            ppid: None,
                            created_at: i,
                            exit: None,
                            argv: None,
                        });
                    }
                }
                Event::Syscall(s) if !s.refused && (s.result as i64) > 0 => {
                    let Some(desc) = arch.syscall(s.regs.syscall_nr()) else {
                        continue;
                    };
                    let parent = t.process_of.get(&s.tid).copied().unwrap_or(s.tid);
                    // rewind's id for the new task, and its own (the
                    // result is its id in the caller's pid namespace).
                    let (child, own) = match events.get(i + 1) {
                        Some(Event::Spawned {
                            tid,
                            child,
                            ns_tids,
                            ..
                        }) if *tid == s.tid => (*child, ns_tids.last().copied().unwrap_or(*child)),
                        _ => (s.result as i32, s.result as i32),
                    };
                    match new_task(desc.action, &s.regs.syscall_args()) {
                        Some(NewTask::Thread) => {
                            t.process_of.insert(child, parent);
                        }
                        Some(NewTask::Process) => {
                            t.process_of.insert(child, child);
                            t.processes.push(Process {
                                pid: child,
                                ns_pid: own,
                                ppid: Some(parent),
                                created_at: i,
                                exit: None,
                                argv: None,
                            });
                        }
                        None => {}
                    }
                }
                Event::Execve { tid, argv, .. } => {
                    let pid = t.process_of.get(tid).copied().unwrap_or(*tid);
                    if let Some(p) = t.processes.iter_mut().find(|p| p.pid == pid) {
                        p.argv = Some(argv.clone());
                    }
                }
                Event::Exit { tid, kind } => {
                    let pid = t.process_of.get(tid).copied().unwrap_or(*tid);
                    if let Some(p) = t.processes.iter_mut().find(|p| p.pid == pid) {
                        p.exit = Some(*kind);
                    }
                }
                _ => {}
            }
        }
        t
    }

    /// The process of thread `tid`.
    pub fn pid_of(&self, tid: i32) -> Option<i32> {
        self.process_of.get(&tid).copied()
    }

    /// The first process's exit.
    pub fn root_exit(&self) -> Option<ExitKind> {
        self.processes.first().and_then(|p| p.exit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::regs::Regs;
    use crate::arch::x86_64::regs::Regs as X86Regs;
    use crate::trace::MemWrite;

    use crate::trace::event::test_syscall as call;

    #[test]
    fn forks_threads_and_exits_make_the_process_table() {
        let exec = Event::Exec {
            pid: 100,
            tid: 100,
            regs: Regs::X86_64(X86Regs::default()),
            stack: MemWrite {
                addr: 0,
                data: vec![],
            },
            maps: vec![],
            auxv: vec![],
        };
        let events = vec![
            exec,
            // A thread of 100, then a fork by that thread, a vfork by 100.
            call(100, 56, [0x3d0f00, 0, 0, 0, 0, 0], 101),
            call(101, 56, [0x1200011, 0, 0, 0, 0, 0], 200),
            call(100, 58, [0; 6], 300),
            // A failed fork makes nothing.
            call(100, 57, [0; 6], (-11i64) as u64),
            Event::Exit {
                tid: 300,
                kind: ExitKind::Exited(4),
            },
            Event::Exit {
                tid: 101,
                kind: ExitKind::Exited(0),
            },
        ];
        let t = ProcessTable::of(&events, Arch::X86_64);
        let rows: Vec<(i32, Option<i32>, usize, Option<ExitKind>)> = t
            .processes
            .iter()
            .map(|p| (p.pid, p.ppid, p.created_at, p.exit))
            .collect();
        assert_eq!(
            rows,
            vec![
                (100, None, 0, Some(ExitKind::Exited(0))),
                (200, Some(100), 2, None),
                (300, Some(100), 3, Some(ExitKind::Exited(4))),
            ]
        );
        assert_eq!(t.pid_of(101), Some(100));
        assert_eq!(t.root_exit(), Some(ExitKind::Exited(0)));
    }

    #[test]
    fn spawned_events_name_new_tasks_by_rewinds_id_and_keep_their_own() {
        let exec = Event::Exec {
            pid: 100,
            tid: 100,
            regs: Regs::X86_64(X86Regs::default()),
            stack: MemWrite {
                addr: 0,
                data: vec![],
            },
            maps: vec![],
            auxv: vec![],
        };
        let events = vec![
            exec,
            // 100 forks 500, pid 1 in a new pid namespace (the caller is
            // outside it: the result is 500).
            call(100, 57, [0; 6], 500),
            Event::Spawned {
                tid: 100,
                child: 500,
                ns_tids: vec![500, 1],
            },
            // 500 forks 501 and sees it as 2; then a thread of 501 that
            // sees itself as 3.
            call(500, 57, [0; 6], 2),
            Event::Spawned {
                tid: 500,
                child: 501,
                ns_tids: vec![501, 2],
            },
            call(501, 56, [0x3d0f00, 0, 0, 0, 0, 0], 3),
            Event::Spawned {
                tid: 501,
                child: 502,
                ns_tids: vec![502, 3],
            },
            Event::Exit {
                tid: 502,
                kind: ExitKind::Exited(2),
            },
        ];
        let t = ProcessTable::of(&events, Arch::X86_64);
        let rows: Vec<(i32, i32, Option<i32>, Option<ExitKind>)> = t
            .processes
            .iter()
            .map(|p| (p.pid, p.ns_pid, p.ppid, p.exit))
            .collect();
        assert_eq!(
            rows,
            vec![
                (100, 100, None, None),
                (500, 1, Some(100), None),
                (501, 2, Some(500), Some(ExitKind::Exited(2))),
            ]
        );
        assert_eq!(t.pid_of(502), Some(501));
        assert_eq!(t.pid_of(2), None);
    }
}
