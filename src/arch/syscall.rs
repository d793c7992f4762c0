//! How a syscall is recorded and replayed, described as data.
//!
//! Each architecture has a table of [`SyscallDesc`]. The recorder reads the
//! `outs` to know which memory the kernel wrote (and records those bytes); the
//! replayer reads `action` to know whether the syscall is emulated from the
//! trace or must really run because it shapes the address space or kernel
//! state that native execution depends on.

/// Where the kernel writes an output of a syscall, and how many bytes.
/// Argument indices are 0-based. A null pointer argument means "no output".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Out {
    /// `len` bytes at the pointer in argument `ptr`.
    Fixed { ptr: u8, len: usize },
    /// As many bytes at `ptr` as the (non-negative) result says: read,
    /// getdents64, readlink, getrandom, recvfrom, getcwd...
    Result { ptr: u8 },
    /// As many bytes at `ptr` as argument `len` says.
    ArgLen { ptr: u8, len: u8 },
    /// `count` (an argument) elements of `elem` bytes at `ptr`: poll's fds.
    Array { ptr: u8, count: u8, elem: usize },
    /// `result` elements of `elem` bytes at `ptr`: epoll_wait's events.
    ResultArray { ptr: u8, elem: usize },
    /// A buffer at `ptr` whose capacity is the u32 at pointer `lenptr`, and
    /// that u32 itself (updated by the kernel): accept4, getsockname,
    /// recvfrom's address, getsockopt.
    SockLen { ptr: u8, lenptr: u8 },
    /// An iovec array (`iov`, `cnt` arguments) filled up to `result` bytes:
    /// readv, preadv, preadv2.
    Iovec { iov: u8, cnt: u8 },
    /// A `struct msghdr` at argument `msg` filled by recvmsg: name, iovecs up
    /// to `result` bytes, control data, and the header's length fields.
    MsgHdr { msg: u8 },
    /// An fd_set for `nfds` (an argument) descriptors at `ptr`: select.
    FdSet { ptr: u8, nfds: u8 },
    /// `len` bytes at the pointer in argument `ptr`, written in the
    /// caller's memory when the call succeeds and the flags in argument
    /// `flags` have any bit of `mask`: clone's `parent_tid` (the new
    /// task's id for CLONE_PARENT_SETTID, a pidfd for CLONE_PIDFD).
    IfFlag {
        flags: u8,
        mask: u64,
        ptr: u8,
        len: usize,
    },
    /// The same, written by the kernel in the *new task's* memory as it
    /// starts: clone's `child_tid` (CLONE_CHILD_SETTID). For a thread that
    /// is the caller's memory too; for a new process it is recorded from
    /// the child, as a `KernelWrite` event of the child's.
    ChildIfFlag {
        flags: u8,
        mask: u64,
        ptr: u8,
        len: usize,
    },
    /// recvmmsg's vector of `vlen` (an argument) `struct mmsghdr` at
    /// `vec`, of which `result` were filled: for each, its header and
    /// `msg_len`, its name, its iovecs up to `msg_len` bytes, and its
    /// control data.
    MmsgHdr { vec: u8, vlen: u8 },
    /// `extra` bytes then as many as the result says at `ptr`, at most
    /// `extra` + argument `cap` in all: msgrcv's message type and text.
    ResultPlus { ptr: u8, cap: u8, extra: usize },
    /// What msgctl and semctl write at argument `ptr`, by the command in
    /// argument `cmd` (see [`ipc_ctl_len`]); for semctl, `sem_id` is the
    /// argument holding the set's id (GETALL writes one u16 per semaphore).
    IpcCtl {
        cmd: u8,
        ptr: u8,
        stat: usize,
        info: usize,
        sem_id: Option<u8>,
    },
}

#[cfg(test)]
mod ipc_tests {
    use super::ipc_ctl_len;

    #[test]
    fn ipc_control_outputs_by_command() {
        let none = || None;
        // msgctl: IPC_STAT, MSG_STAT, MSG_STAT_ANY; IPC_INFO, MSG_INFO.
        for cmd in [2, 11, 13, 2 | 0x100] {
            assert_eq!(ipc_ctl_len(false, cmd, 120, 32, none), 120, "{cmd}");
        }
        for cmd in [3, 12] {
            assert_eq!(ipc_ctl_len(false, cmd, 120, 32, none), 32, "{cmd}");
        }
        // IPC_RMID, IPC_SET read or ignore their argument.
        assert_eq!(ipc_ctl_len(false, 0, 120, 32, none), 0);
        assert_eq!(ipc_ctl_len(false, 1, 120, 32, none), 0);
        // semctl: 13 is GETALL, 2 bytes per semaphore of the set.
        assert_eq!(ipc_ctl_len(true, 13, 104, 40, || Some(3)), 6);
        assert_eq!(ipc_ctl_len(true, 13, 104, 40, none), 0);
        for cmd in [2, 18, 20] {
            assert_eq!(ipc_ctl_len(true, cmd, 104, 40, none), 104, "{cmd}");
        }
        assert_eq!(ipc_ctl_len(true, 19, 104, 40, none), 40);
        // GETVAL, SETVAL, SETALL, GETPID...: the argument is a value, or read.
        for cmd in [12, 16, 17, 11, 14, 15] {
            assert_eq!(ipc_ctl_len(true, cmd, 104, 40, none), 0, "{cmd}");
        }
    }
}

/// IPC_64, which some C libraries add to the command of msgctl and semctl.
const IPC_64: u64 = 0x100;

/// The bytes msgctl (`sem` false) or semctl writes for command `cmd`:
/// `stat` for IPC_STAT and the *_STAT commands, `info` for IPC_INFO and
/// the *_INFO commands, 2 per semaphore for semctl's GETALL (`nsems` asks
/// how many the set has); none for the other commands, whose last argument
/// may not even be a pointer.
pub fn ipc_ctl_len(
    sem: bool,
    cmd: u64,
    stat: usize,
    info: usize,
    nsems: impl FnOnce() -> Option<usize>,
) -> usize {
    const IPC_STAT: u64 = 2;
    const IPC_INFO: u64 = 3;
    match (sem, cmd & !IPC_64) {
        (_, IPC_STAT) => stat,
        (_, IPC_INFO) => info,
        // MSG_STAT, MSG_STAT_ANY / SEM_STAT, SEM_STAT_ANY.
        (false, 11 | 13) | (true, 18 | 20) => stat,
        // MSG_INFO / SEM_INFO.
        (false, 12) | (true, 19) => info,
        // GETALL.
        (true, 13) => nsems().unwrap_or(0).saturating_mul(2),
        _ => 0,
    }
}

/// What the replayer does with a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Not executed at replay: the recorded result and memory writes are
    /// put in place.
    Emulate,
    /// Executed at replay with the same arguments, because the process's own
    /// state depends on it (mprotect, munmap, rt_sigaction, arch_prctl...).
    /// The result must match the recording.
    Execute,
    /// mmap: executed at replay at the recorded address; a file mapping is
    /// backed by the copy of the file saved in the trace.
    Mmap,
    /// mremap: executed at replay, moved to the recorded address.
    Mremap,
    /// brk: executed at replay, result checked.
    Brk,
    /// ioctl: outputs come from the request number (see `arch::ioctl`).
    Ioctl,
    /// fcntl: outputs depend on the command.
    Fcntl,
    /// prctl: outputs depend on the option.
    Prctl,
    /// exit or exit_group: ends the task or process.
    Exit,
    /// rt_sigreturn: executed; it restores registers from the signal frame.
    SigReturn,
    /// clone: a new thread (CLONE_THREAD) or process is created for real at
    /// record and at replay, where it gets the recorded id. A new process
    /// never shares memory with its parent (CLONE_VM and CLONE_VFORK are
    /// taken out, at record and at replay alike).
    Clone,
    /// execve: runs for real at record; at replay the saved copy of the
    /// new program is run and given the recorded initial stack and
    /// registers (the `Execve` event).
    Exec,
    /// fork and vfork: a new process, created for real at record and at
    /// replay (vfork runs as fork).
    Fork,
    /// shmat: the segment is kept in the trace as a file (its contents at
    /// the first attach of the segment, in any process) and mapped shared
    /// at the recorded address at replay, one backing per segment.
    Shmat,
    /// shmdt: at replay the segment's mapping at the address is unmapped.
    Shmdt,
    /// An explicit policy instead of a rule: refused with ENOSYS at record
    /// (the program sees the failure and goes on) and a warning naming the
    /// syscall, or a `-v` note for the refusals a C library or runtime
    /// expects and falls back from (`cmds::refusal_is_routine`). `why`
    /// says what the user should know.
    Refuse { why: &'static str },
}

impl Action {
    /// Whether this is a record/replay rule (the syscall runs and is
    /// recorded) rather than an explicit refusal.
    pub fn is_rule(self) -> bool {
        !matches!(self, Action::Refuse { .. })
    }
}

/// One syscall's description.
#[derive(Clone, Copy, Debug)]
pub struct SyscallDesc {
    pub name: &'static str,
    pub nr: u64,
    pub outs: &'static [Out],
    pub action: Action,
}

/// Where a syscall that waits under a temporary signal mask finds that mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TempMask {
    /// A sigset pointer in argument `ptr` and its size in argument `size`.
    Args { ptr: u8, size: u8 },
    /// Argument `arg` points to a pair { sigset pointer, size }: pselect6.
    Pair { arg: u8 },
}

/// The syscalls that wait under a temporary signal mask of the caller's.
/// When a signal interrupts such a wait, the kernel delivers it under the
/// temporary mask and gives the handler's frame the caller's normal mask to
/// return to. (rt_sigtimedwait is not one: it takes its signals itself and
/// puts the normal mask back before it returns.)
pub fn temp_sigmask(name: &str) -> Option<TempMask> {
    match name {
        "rt_sigsuspend" => Some(TempMask::Args { ptr: 0, size: 1 }),
        "ppoll" => Some(TempMask::Args { ptr: 3, size: 4 }),
        "pselect6" => Some(TempMask::Pair { arg: 5 }),
        "epoll_pwait" | "epoll_pwait2" => Some(TempMask::Args { ptr: 4, size: 5 }),
        _ => None,
    }
}

/// How many arguments syscall `name` takes (the same on every
/// architecture), for messages that show a call as the program made it;
/// None for syscalls not listed (all six registers are then shown).
pub fn arg_count(name: &str) -> Option<usize> {
    const COUNTS: &[(&str, usize)] = &[
        ("getpid", 0),
        ("getppid", 0),
        ("gettid", 0),
        ("getuid", 0),
        ("geteuid", 0),
        ("getgid", 0),
        ("getegid", 0),
        ("sched_yield", 0),
        ("fork", 0),
        ("vfork", 0),
        ("pause", 0),
        ("brk", 1),
        ("close", 1),
        ("exit", 1),
        ("exit_group", 1),
        ("set_tid_address", 1),
        ("dup", 1),
        ("pipe", 1),
        ("uname", 1),
        ("time", 1),
        ("umask", 1),
        ("chdir", 1),
        ("dup2", 2),
        ("pipe2", 2),
        ("munmap", 2),
        ("kill", 2),
        ("access", 2),
        ("fstat", 2),
        ("stat", 2),
        ("lstat", 2),
        ("nanosleep", 2),
        ("clock_gettime", 2),
        ("clock_getres", 2),
        ("gettimeofday", 2),
        ("arch_prctl", 2),
        ("set_robust_list", 2),
        ("getrlimit", 2),
        ("sigaltstack", 2),
        ("listen", 2),
        ("shutdown", 2),
        ("flock", 2),
        ("tkill", 2),
        ("rt_sigsuspend", 2),
        ("read", 3),
        ("write", 3),
        ("open", 3),
        ("lseek", 3),
        ("mprotect", 3),
        ("ioctl", 3),
        ("readv", 3),
        ("writev", 3),
        ("madvise", 3),
        ("dup3", 3),
        ("fcntl", 3),
        ("getdents64", 3),
        ("getrandom", 3),
        ("socket", 3),
        ("connect", 3),
        ("accept", 3),
        ("bind", 3),
        ("poll", 3),
        ("tgkill", 3),
        ("execve", 3),
        ("readlink", 3),
        ("mincore", 3),
        ("sched_getaffinity", 3),
        ("rseq", 4),
        ("openat", 4),
        ("newfstatat", 4),
        ("pread64", 4),
        ("pwrite64", 4),
        ("rt_sigaction", 4),
        ("rt_sigprocmask", 4),
        ("wait4", 4),
        ("prlimit64", 4),
        ("accept4", 4),
        ("socketpair", 4),
        ("readlinkat", 4),
        ("clock_nanosleep", 4),
        ("epoll_wait", 4),
        ("faccessat", 4),
        ("mremap", 5),
        ("prctl", 5),
        ("clone", 5),
        ("statx", 5),
        ("waitid", 5),
        ("recvmmsg", 5),
        ("sendmmsg", 4),
        ("recvmsg", 3),
        ("sendmsg", 3),
        ("io_uring_setup", 2),
        ("select", 5),
        ("ppoll", 5),
        ("faccessat2", 4),
        ("mmap", 6),
        ("futex", 6),
        ("sendto", 6),
        ("recvfrom", 6),
        ("pselect6", 6),
        ("epoll_pwait", 6),
        ("copy_file_range", 6),
        ("splice", 6),
    ];
    COUNTS.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
}

/// The syscall numbers the kernel defines for 64-bit processes (Linux
/// 6.19): x86_64's `syscall_64.tbl` (its "common" and "64" entries; the
/// x32 ones at 512.. are not 64-bit syscalls) and the generic numbering
/// aarch64 uses (`asm-generic/unistd.h`: 244..=259 are reserved for
/// architecture-specific calls aarch64 does not define, 295..=423 are
/// unused or 32-bit only).
pub fn kernel_numbers(arch: crate::arch::Arch) -> Vec<u64> {
    match arch {
        crate::arch::Arch::X86_64 => (0..=336).chain(424..=470).collect(),
        crate::arch::Arch::Aarch64 => (0..=243).chain(260..=294).chain(424..=470).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::Arch;

    /// Every syscall the kernel defines has an entry in the table: a
    /// record/replay rule (it runs and what it writes is recorded), or an
    /// explicit policy (refused with ENOSYS, saying why). A number with
    /// neither is what `rewind record --unknown-syscalls` is about; the
    /// table must leave none of the kernel's.
    #[test]
    fn every_kernel_syscall_has_a_rule_or_an_explicit_policy() {
        for arch in [Arch::X86_64, Arch::Aarch64] {
            let (mut rules, mut policies) = (0, 0);
            for nr in kernel_numbers(arch) {
                let d = arch.syscall(nr).unwrap_or_else(|| {
                    panic!(
                        "{} syscall {nr} has neither a rule nor a policy",
                        arch.name()
                    )
                });
                match d.action {
                    Action::Refuse { why } => {
                        assert!(why.len() > 20, "{}: the policy says too little", d.name);
                        policies += 1;
                    }
                    action => {
                        assert!(action.is_rule());
                        rules += 1;
                    }
                }
            }
            // And nothing the kernel does not define.
            let defined = kernel_numbers(arch);
            for nr in (0..1024).filter(|n| !defined.contains(n)) {
                assert!(arch.syscall(nr).is_none(), "{} {nr}", arch.name());
            }
            println!(
                "{}: {} syscalls, {rules} with a record/replay rule, {policies} with an \
                 explicit policy (refused with ENOSYS)",
                arch.name(),
                rules + policies
            );
            assert_eq!(rules + policies, defined.len());
        }
    }

    /// The kernel's writes through pointers in clone's arguments, and
    /// recvmmsg's vectors, are table outputs; the asynchronous interfaces
    /// are explicit refusals.
    #[test]
    fn indirect_kernel_writes_are_described() {
        use crate::arch::fork::{CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_PIDFD};
        for (arch, child_ptr) in [(Arch::X86_64, 3), (Arch::Aarch64, 4)] {
            let desc = |name: &str| {
                arch.syscall_nr(name)
                    .and_then(|nr| arch.syscall(nr))
                    .unwrap_or_else(|| panic!("{name}"))
            };
            let clone = desc("clone");
            assert!(clone.outs.contains(&Out::IfFlag {
                flags: 0,
                mask: CLONE_PARENT_SETTID | CLONE_PIDFD,
                ptr: 2,
                len: 4
            }));
            assert!(clone.outs.contains(&Out::ChildIfFlag {
                flags: 0,
                mask: CLONE_CHILD_SETTID,
                ptr: child_ptr,
                len: 4
            }));
            assert!(desc("recvmmsg")
                .outs
                .contains(&Out::MmsgHdr { vec: 1, vlen: 2 }));
            assert_eq!(desc("recvmsg").outs, &[Out::MsgHdr { msg: 1 }]);
            assert!(desc("waitid")
                .outs
                .contains(&Out::Fixed { ptr: 2, len: 128 }));
            for name in [
                "clone3",
                "rseq",
                "io_uring_setup",
                "io_setup",
                "io_getevents",
            ] {
                assert!(!desc(name).action.is_rule(), "{name}");
            }
        }
    }

    #[test]
    fn temporary_masks_name_known_syscalls() {
        for name in [
            "rt_sigsuspend",
            "ppoll",
            "pselect6",
            "epoll_pwait",
            "epoll_pwait2",
        ] {
            assert!(temp_sigmask(name).is_some(), "{name}");
            for arch in [Arch::X86_64, Arch::Aarch64] {
                assert!(arch.syscall_nr(name).is_some(), "{name} on {arch:?}");
            }
        }
        assert_eq!(temp_sigmask("poll"), None);
        assert_eq!(temp_sigmask("rt_sigtimedwait"), None);
    }
}
