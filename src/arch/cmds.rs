//! Syscall facts that are the same on every architecture rewind supports.
//!
//! - [`shapes`]: the description of each syscall whose out-parameters and
//!   replay action are identical on x86_64 and aarch64. Both architecture
//!   tables refer to these, so a syscall's recording is written down once.
//! - fcntl commands and prctl options whose outputs depend on a command
//!   argument, which a [`SyscallDesc`](super::syscall::SyscallDesc) cannot
//!   express: the table marks them `Action::Fcntl` / `Action::Prctl` and the
//!   recorder asks [`fcntl_out_len`] and [`prctl_outs`].
//!
//! fcntl command numbers and prctl option numbers are the generic ones; both
//! x86_64 and aarch64 use them unchanged.

/// fcntl commands that write to the pointer in their third argument.
mod fcntl {
    pub const F_GETLK: u64 = 5;
    pub const F_GETOWN_EX: u64 = 16;
    pub const F_GETOWNER_UIDS: u64 = 17;
    pub const F_OFD_GETLK: u64 = 36;
    pub const F_GET_RW_HINT: u64 = 1024 + 11;
    pub const F_GET_FILE_RW_HINT: u64 = 1024 + 13;
}

/// `struct flock` on 64-bit Linux: two shorts, padding, two 64-bit offsets,
/// a pid and padding.
pub const FLOCK_SIZE: usize = 32;

/// Bytes the kernel writes at the pointer in fcntl's third argument for
/// command `cmd`, or `None` when the command writes no memory (its result, if
/// any, is the return value).
pub fn fcntl_out_len(cmd: u64) -> Option<usize> {
    match cmd {
        // The lock that would block, or l_type = F_UNLCK.
        fcntl::F_GETLK | fcntl::F_OFD_GETLK => Some(FLOCK_SIZE),
        // struct f_owner_ex { int type; pid_t pid; }
        fcntl::F_GETOWN_EX => Some(8),
        // Two uid_t: the owner's real and effective uid.
        fcntl::F_GETOWNER_UIDS => Some(8),
        // A u64 write-lifetime hint.
        fcntl::F_GET_RW_HINT | fcntl::F_GET_FILE_RW_HINT => Some(8),
        _ => None,
    }
}

/// prctl option numbers (the kernel's `PR_*`).
pub mod pr {
    pub const SET_PDEATHSIG: u64 = 1;
    pub const GET_PDEATHSIG: u64 = 2;
    pub const GET_DUMPABLE: u64 = 3;
    pub const SET_DUMPABLE: u64 = 4;
    pub const SET_NAME: u64 = 15;
    pub const GET_NAME: u64 = 16;
    pub const GET_SECCOMP: u64 = 21;
    pub const SET_SECCOMP: u64 = 22;
    pub const GET_TSC: u64 = 25;
    pub const SET_TSC: u64 = 26;
    pub const SET_MM: u64 = 35;
    pub const SET_CHILD_SUBREAPER: u64 = 36;
    pub const GET_CHILD_SUBREAPER: u64 = 37;
    pub const SET_NO_NEW_PRIVS: u64 = 38;
    pub const GET_NO_NEW_PRIVS: u64 = 39;
    pub const GET_TID_ADDRESS: u64 = 40;
    pub const SVE_SET_VL: u64 = 50;
    pub const SVE_GET_VL: u64 = 51;
    pub const PAC_RESET_KEYS: u64 = 54;
    pub const SET_TAGGED_ADDR_CTRL: u64 = 55;
    pub const GET_TAGGED_ADDR_CTRL: u64 = 56;
    pub const SET_SYSCALL_USER_DISPATCH: u64 = 59;
    pub const PAC_SET_ENABLED_KEYS: u64 = 60;
    pub const PAC_GET_ENABLED_KEYS: u64 = 61;
    pub const SCHED_CORE: u64 = 62;
    pub const SME_SET_VL: u64 = 63;
    pub const SME_GET_VL: u64 = 64;
    pub const SET_MDWE: u64 = 65;
    pub const GET_MDWE: u64 = 66;
    pub const GET_SHADOW_STACK_STATUS: u64 = 74;
    pub const SET_SHADOW_STACK_STATUS: u64 = 75;
    pub const LOCK_SHADOW_STACK_STATUS: u64 = 76;
    /// "SVMA"
    pub const SET_VMA: u64 = 0x5356_4d41;
    /// "AUXV"
    pub const GET_AUXV: u64 = 0x4155_5856;

    /// PR_SET_MM sub-option that writes the size of `struct prctl_mm_map`.
    pub const SET_MM_MAP_SIZE: u64 = 14;
    /// PR_SCHED_CORE sub-option that writes the core-scheduling cookie.
    pub const SCHED_CORE_GET: u64 = 0;
}

/// An upper bound of the saved auxiliary vector the kernel copies for
/// PR_GET_AUXV (AT_VECTOR_SIZE pairs of u64: 416 bytes on x86_64, 400 on
/// aarch64 in Linux 6.x); the write is also limited by the caller's size.
const AUXV_MAX: u64 = 512;

/// futex operations (`futex_op & FUTEX_CMD_MASK`).
pub mod futex_op {
    pub const WAKE_OP: u64 = 5;
    pub const LOCK_PI: u64 = 6;
    pub const UNLOCK_PI: u64 = 7;
    pub const TRYLOCK_PI: u64 = 8;
    pub const WAIT_REQUEUE_PI: u64 = 11;
    pub const CMP_REQUEUE_PI: u64 = 12;
    pub const LOCK_PI2: u64 = 13;
    /// The flags (private, clock) above the command.
    pub const CMD_MASK: u64 = 0x7f;
}

/// The futex words (address, 4 bytes) a futex call with `args` may have
/// written: WAKE_OP applies its operation to the word at uaddr2; the PI
/// operations put an owner's id and the waiters bit in the lock word
/// (uaddr, or uaddr2 for the requeue ones, whose waiter ends up owning
/// it). Recorded whatever the result: a PI lock that timed out may still
/// have changed the word.
pub fn futex_outs(args: [u64; 6]) -> Vec<(u64, usize)> {
    use futex_op::*;
    let addr = match args[1] & CMD_MASK {
        WAKE_OP | WAIT_REQUEUE_PI | CMP_REQUEUE_PI => args[4],
        LOCK_PI | UNLOCK_PI | TRYLOCK_PI | LOCK_PI2 => args[0],
        _ => return Vec::new(),
    };
    if addr == 0 {
        Vec::new()
    } else {
        vec![(addr, 4)]
    }
}

/// Whether a futex call with `args` takes a PI lock, waiting for its owner
/// if need be: while it waits, the kernel has set the waiters bit in the
/// owner's lock word.
pub fn futex_locks_pi(args: &[u64; 6]) -> bool {
    use futex_op::*;
    matches!(args[1] & CMD_MASK, LOCK_PI | LOCK_PI2)
}

/// Memory the kernel writes for `prctl(option, ...)`, as (address, length)
/// pairs. `args` are the syscall's six argument registers, so
/// `args[0] == option` and the manual's `arg2` is `args[1]`. Null addresses
/// are left out.
///
/// Options that answer only through the return value (PR_GET_DUMPABLE,
/// PR_GET_SECCOMP, PR_GET_NO_NEW_PRIVS, PR_SVE_GET_VL, ...) write nothing.
/// Options that exist only on other architectures (PR_GET_UNALIGN,
/// PR_GET_FPEMU, PR_GET_FPEXC, PR_GET_ENDIAN) fail with EINVAL on x86_64 and
/// aarch64 and are not listed.
pub fn prctl_outs(option: u64, args: [u64; 6]) -> Vec<(u64, usize)> {
    let out = |addr: u64, len: usize| -> Vec<(u64, usize)> {
        if addr == 0 || len == 0 {
            Vec::new()
        } else {
            vec![(addr, len)]
        }
    };
    match option {
        // int signal number
        pr::GET_PDEATHSIG => out(args[1], 4),
        // char[TASK_COMM_LEN], NUL-terminated
        pr::GET_NAME => out(args[1], 16),
        // int mode
        pr::GET_TSC => out(args[1], 4),
        // int flag
        pr::GET_CHILD_SUBREAPER => out(args[1], 4),
        // the clear_child_tid pointer, 8 bytes
        pr::GET_TID_ADDRESS => out(args[1], 8),
        // unsigned int size of struct prctl_mm_map, at arg3
        pr::SET_MM if args[1] == pr::SET_MM_MAP_SIZE => out(args[2], 4),
        // u64 cookie, at arg5
        pr::SCHED_CORE if args[1] == pr::SCHED_CORE_GET => out(args[4], 8),
        // u64 status flags
        pr::GET_SHADOW_STACK_STATUS => out(args[1], 8),
        // min(arg3, size of the saved auxv) bytes
        pr::GET_AUXV => out(args[1], usize::try_from(args[2].min(AUXV_MAX)).unwrap_or(0)),
        _ => Vec::new(),
    }
}

/// What the replayer (and, for some options, the recorder) does with a prctl
/// option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrctlPolicy {
    /// Not executed at replay: the recorded result and [`prctl_outs`] are put
    /// in place.
    Emulate,
    /// Executed at replay with the same arguments: it changes address-space
    /// or register state that native execution depends on.
    Execute,
    /// The recorder must not pass it to the kernel either, because rewind
    /// itself owns the state it would change; `why` says what to do instead.
    Intercept { why: &'static str },
    /// Not supported: refused with EINVAL at record, with a warning.
    Refuse { why: &'static str },
}

/// How prctl `option` is recorded and replayed.
///
/// Deliberately emulated (not executed at replay):
/// - PR_SET_NAME, PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER,
///   capabilities, timer slack, THP and KSM settings: their effects are on
///   other processes, on later syscalls (which are emulated), or on
///   performance only. Keeping the replayed process dumpable also keeps its
///   `/proc/<pid>/mem` readable by the replayer.
/// - PR_SET_NO_NEW_PRIVS only affects execve and seccomp installation.
/// - PR_SET_SECCOMP: a filter's effects at record time are recorded (errno
///   results, SIGSYS deliveries, kills). Installed at replay it would filter
///   the syscalls the replayer injects (mmap, fork for checkpoints). At
///   record time a filter also sees syscalls rewind injects into the tracee;
///   strict mode would kill it at the first one.
pub fn prctl_policy(option: u64) -> PrctlPolicy {
    match option {
        // Address-space layout and VMA state that later executed syscalls
        // (mmap, mprotect, brk) and /proc/self/maps depend on.
        pr::SET_MM | pr::SET_VMA | pr::SET_MDWE => PrctlPolicy::Execute,
        // aarch64 register-file and pointer-authentication state:
        // vector lengths shape the SVE/SME registers, tagged-address
        // control changes which pointers fault, PAC keys change signatures.
        pr::SVE_SET_VL
        | pr::SME_SET_VL
        | pr::SET_TAGGED_ADDR_CTRL
        | pr::PAC_RESET_KEYS
        | pr::PAC_SET_ENABLED_KEYS => PrctlPolicy::Execute,
        // Shadow stacks change what a return instruction does.
        pr::SET_SHADOW_STACK_STATUS | pr::LOCK_SHADOW_STACK_STATUS => PrctlPolicy::Execute,
        pr::SET_TSC => PrctlPolicy::Intercept {
            why: "rewind keeps time-counter reads trapping (PR_TSC_SIGSEGV) for the whole \
                  recording; answer success without calling the kernel, remember the mode the \
                  program asked for, and pass the trap on to the program as SIGSEGV only if it \
                  asked for PR_TSC_SIGSEGV itself",
        },
        pr::GET_TSC => PrctlPolicy::Intercept {
            why: "the kernel would report rewind's own PR_TSC_SIGSEGV; report the mode the \
                  program last set (PR_TSC_ENABLE by default) in the int at arg2",
        },
        pr::SET_SYSCALL_USER_DISPATCH => PrctlPolicy::Refuse {
            why: "syscall user dispatch is not supported: it turns the program's syscalls \
                  into SIGSYS signals handled inside the program",
        },
        _ => PrctlPolicy::Emulate,
    }
}

/// Whether prctl `option` must really run at replay (see [`prctl_policy`]).
pub fn prctl_must_execute(option: u64) -> bool {
    prctl_policy(option) == PrctlPolicy::Execute
}

/// Shapes of syscalls that are recorded the same way on x86_64 and aarch64.
///
/// A [`Shape`] is a [`SyscallDesc`] without its number; each architecture
/// table places shapes at that architecture's numbers with [`Shape::at`].
/// Struct sizes here are the same on both architectures (LP64): timespec and
/// timeval 16, itimerspec and itimerval 32, rusage 144, siginfo 128,
/// statx 256, statfs 120, utsname 390, sysinfo 112, rlimit 16, tms 32,
/// timex 208, kernel sigaction 32, stack_t 24, mq_attr 64, mmsghdr 64.
/// Shapes whose sizes differ (struct stat, struct epoll_event) live in the
/// architecture tables.
///
/// Outputs are described for a successful call. Some calls also write on
/// failure: nanosleep and clock_nanosleep write the remaining time when
/// interrupted (EINTR), select, pselect6 and ppoll update their timeout then,
/// and the length fields of the `SockLen` outputs can be updated with E2BIG
/// or ERANGE.
pub mod shapes {
    use crate::arch::syscall::{Action, Out, SyscallDesc};

    /// A syscall's description without its number.
    #[derive(Clone, Copy, Debug)]
    pub struct Shape {
        pub name: &'static str,
        pub outs: &'static [Out],
        pub action: Action,
    }

    impl Shape {
        /// This shape as syscall number `nr`.
        pub const fn at(&self, nr: u64) -> SyscallDesc {
            SyscallDesc {
                name: self.name,
                nr,
                outs: self.outs,
                action: self.action,
            }
        }
    }

    /// Replayed from the trace; `outs` are recorded.
    pub const fn emulate(name: &'static str, outs: &'static [Out]) -> Shape {
        Shape {
            name,
            outs,
            action: Action::Emulate,
        }
    }

    /// Executed at replay; `outs` are recorded too.
    pub const fn execute(name: &'static str, outs: &'static [Out]) -> Shape {
        Shape {
            name,
            outs,
            action: Action::Execute,
        }
    }

    /// A syscall with its own replay action and no table-described outputs.
    pub const fn special(name: &'static str, action: Action) -> Shape {
        Shape {
            name,
            outs: NONE,
            action,
        }
    }

    /// Refused at record with ENOSYS and a warning saying `why`.
    pub const fn refuse(name: &'static str, why: &'static str) -> Shape {
        Shape {
            name,
            outs: NONE,
            action: Action::Refuse { why },
        }
    }

    /// A syscall the kernel does not implement any more: it always fails with
    /// ENOSYS and writes nothing.
    pub const fn obsolete(name: &'static str) -> Shape {
        emulate(name, NONE)
    }

    /// No memory written.
    pub const NONE: &[Out] = &[];

    /// Sizes of structs shared by both architectures.
    pub mod size {
        pub const TIMESPEC: usize = 16;
        pub const TIMEVAL: usize = 16;
        pub const ITIMERSPEC: usize = 32;
        pub const ITIMERVAL: usize = 32;
        pub const RUSAGE: usize = 144;
        pub const SIGINFO: usize = 128;
        pub const STATX: usize = 256;
        pub const STATFS: usize = 120;
        pub const UTSNAME: usize = 390;
        pub const SYSINFO: usize = 112;
        pub const RLIMIT: usize = 16;
        pub const TMS: usize = 32;
        pub const TIMEX: usize = 208;
        pub const KERNEL_SIGACTION: usize = 32;
        pub const STACK_T: usize = 24;
        pub const MQ_ATTR: usize = 64;
        pub const MMSGHDR: usize = 64;
        pub const POLLFD: usize = 8;
        /// struct cachestat: five u64 counters.
        pub const CACHESTAT: usize = 40;
        /// struct __user_cap_data_struct[2] of capability versions 2 and 3.
        pub const CAP_DATA: usize = 24;
    }

    // Why-texts of refused syscalls.
    pub const WHY_CLONE3: &str = "clone3 is refused so that the C library falls back to \
        clone, which rewind records (with its parent_tid, child_tid and pidfd writes); clone3's \
        separate pidfd and set_tid fields are not described yet";
    pub const WHY_IO_URING: &str = "io_uring is not supported: its completion ring is written \
        by the kernel asynchronously; io_uring_setup fails with ENOSYS so that programs fall \
        back to plain syscalls";
    pub const WHY_AIO: &str = "Linux AIO is not supported: the kernel maps a completion ring \
        into the process and fills it asynchronously";
    pub const WHY_RSEQ: &str = "rseq is refused so that the C library falls back; the kernel \
        writes the cpu number into its area asynchronously";
    pub const WHY_SHARED_VM: &str = "clone with CLONE_VM but without CLONE_THREAD makes a \
        process that shares its parent's memory, which rewind cannot record (LeakSanitizer's \
        helper is one: record such programs with ASAN_OPTIONS=detect_leaks=0)";
    pub const WHY_PTRACE: &str = "ptrace is not supported: the program is already traced by \
        rewind";
    pub const WHY_PERF: &str = "perf_event_open is not supported: counters and their ring \
        buffers are written by the kernel asynchronously";
    pub const WHY_BPF: &str = "bpf is not supported: its outputs depend on the command, and \
        maps shared with the kernel change at any time";
    pub const WHY_USERFAULTFD: &str = "userfaultfd is not supported: page faults would be \
        resolved outside the recording";
    pub const WHY_SHADOW_STACK: &str = "shadow stacks are not supported yet: the kernel \
        writes the shadow stack on calls and signal delivery";
    pub const WHY_MEMFD_SECRET: &str = "memfd_secret is not supported: its memory cannot be \
        read by the debugger";
    pub const WHY_BY_COMMAND: &str = "not supported yet: what it writes depends on its \
        command in a way the syscall table cannot describe";
    pub const WHY_MINCORE: &str = "mincore is not supported yet: it writes one byte per \
        page of the range, a length the syscall table cannot describe";
    pub const WHY_GET_MEMPOLICY: &str = "get_mempolicy is not supported yet: its node mask \
        length is rounded from maxnode in a way the syscall table cannot describe";
    pub const WHY_MAPPING_CHANGE: &str = "not supported: it rearranges file pages inside a \
        mapping";
    pub const WHY_HANDLE: &str = "name_to_handle_at is not supported yet: the handle's \
        length is given inside the structure it fills";

    // --- file descriptors and file I/O ---

    pub const READ: Shape = emulate("read", &[Out::Result { ptr: 1 }]);
    pub const WRITE: Shape = emulate("write", NONE);
    pub const CLOSE: Shape = emulate("close", NONE);
    pub const CLOSE_RANGE: Shape = emulate("close_range", NONE);
    pub const LSEEK: Shape = emulate("lseek", NONE);
    pub const PREAD64: Shape = emulate("pread64", &[Out::Result { ptr: 1 }]);
    pub const PWRITE64: Shape = emulate("pwrite64", NONE);
    pub const READV: Shape = emulate("readv", &[Out::Iovec { iov: 1, cnt: 2 }]);
    pub const WRITEV: Shape = emulate("writev", NONE);
    pub const PREADV: Shape = emulate("preadv", &[Out::Iovec { iov: 1, cnt: 2 }]);
    pub const PWRITEV: Shape = emulate("pwritev", NONE);
    pub const PREADV2: Shape = emulate("preadv2", &[Out::Iovec { iov: 1, cnt: 2 }]);
    pub const PWRITEV2: Shape = emulate("pwritev2", NONE);
    /// The in/out `off_t *offset` (argument 2) is updated.
    pub const SENDFILE: Shape = emulate("sendfile", &[Out::Fixed { ptr: 2, len: 8 }]);
    /// Both `loff_t *` offsets are updated.
    pub const SPLICE: Shape = emulate(
        "splice",
        &[Out::Fixed { ptr: 1, len: 8 }, Out::Fixed { ptr: 3, len: 8 }],
    );
    pub const TEE: Shape = emulate("tee", NONE);
    /// From a pipe into memory the iovecs are filled; into a pipe the
    /// recorded bytes are the program's own, so recording is harmless.
    pub const VMSPLICE: Shape = emulate("vmsplice", &[Out::Iovec { iov: 1, cnt: 2 }]);
    pub const COPY_FILE_RANGE: Shape = emulate(
        "copy_file_range",
        &[Out::Fixed { ptr: 1, len: 8 }, Out::Fixed { ptr: 3, len: 8 }],
    );
    pub const READAHEAD: Shape = emulate("readahead", NONE);
    pub const FADVISE64: Shape = emulate("fadvise64", NONE);
    pub const FALLOCATE: Shape = emulate("fallocate", NONE);
    pub const SYNC: Shape = emulate("sync", NONE);
    pub const SYNCFS: Shape = emulate("syncfs", NONE);
    pub const FSYNC: Shape = emulate("fsync", NONE);
    pub const FDATASYNC: Shape = emulate("fdatasync", NONE);
    pub const SYNC_FILE_RANGE: Shape = emulate("sync_file_range", NONE);
    pub const TRUNCATE: Shape = emulate("truncate", NONE);
    pub const FTRUNCATE: Shape = emulate("ftruncate", NONE);
    pub const OPENAT: Shape = emulate("openat", NONE);
    pub const OPENAT2: Shape = emulate("openat2", NONE);
    pub const OPEN_BY_HANDLE_AT: Shape = emulate("open_by_handle_at", NONE);
    pub const NAME_TO_HANDLE_AT: Shape = refuse("name_to_handle_at", WHY_HANDLE);
    pub const DUP: Shape = emulate("dup", NONE);
    pub const DUP3: Shape = emulate("dup3", NONE);
    /// int fds[2].
    pub const PIPE2: Shape = emulate("pipe2", &[Out::Fixed { ptr: 0, len: 8 }]);
    /// Outputs depend on the command: see `cmds::fcntl_out_len`.
    pub const FCNTL: Shape = special("fcntl", Action::Fcntl);
    /// Outputs depend on the request: see `arch::ioctl`.
    pub const IOCTL: Shape = special("ioctl", Action::Ioctl);
    pub const FLOCK: Shape = emulate("flock", NONE);
    pub const GETDENTS64: Shape = emulate("getdents64", &[Out::Result { ptr: 1 }]);

    // --- paths, metadata, directories ---

    pub const READLINKAT: Shape = emulate("readlinkat", &[Out::Result { ptr: 2 }]);
    pub const STATX: Shape = emulate(
        "statx",
        &[Out::Fixed {
            ptr: 4,
            len: size::STATX,
        }],
    );
    pub const STATFS: Shape = emulate(
        "statfs",
        &[Out::Fixed {
            ptr: 1,
            len: size::STATFS,
        }],
    );
    pub const FSTATFS: Shape = emulate(
        "fstatfs",
        &[Out::Fixed {
            ptr: 1,
            len: size::STATFS,
        }],
    );
    pub const FACCESSAT: Shape = emulate("faccessat", NONE);
    pub const FACCESSAT2: Shape = emulate("faccessat2", NONE);
    pub const MKDIRAT: Shape = emulate("mkdirat", NONE);
    pub const MKNODAT: Shape = emulate("mknodat", NONE);
    pub const UNLINKAT: Shape = emulate("unlinkat", NONE);
    pub const SYMLINKAT: Shape = emulate("symlinkat", NONE);
    pub const LINKAT: Shape = emulate("linkat", NONE);
    pub const RENAMEAT: Shape = emulate("renameat", NONE);
    pub const RENAMEAT2: Shape = emulate("renameat2", NONE);
    pub const FCHMOD: Shape = emulate("fchmod", NONE);
    pub const FCHMODAT: Shape = emulate("fchmodat", NONE);
    pub const FCHMODAT2: Shape = emulate("fchmodat2", NONE);
    pub const FCHOWN: Shape = emulate("fchown", NONE);
    pub const FCHOWNAT: Shape = emulate("fchownat", NONE);
    pub const UTIMENSAT: Shape = emulate("utimensat", NONE);
    pub const CHDIR: Shape = emulate("chdir", NONE);
    pub const FCHDIR: Shape = emulate("fchdir", NONE);
    pub const CHROOT: Shape = emulate("chroot", NONE);
    /// The result is the length written, including the NUL.
    pub const GETCWD: Shape = emulate("getcwd", &[Out::Result { ptr: 0 }]);
    pub const UMASK: Shape = emulate("umask", NONE);
    pub const FILE_GETATTR: Shape = emulate("file_getattr", &[Out::ArgLen { ptr: 2, len: 3 }]);
    pub const FILE_SETATTR: Shape = emulate("file_setattr", NONE);

    // --- extended attributes ---
    // getxattr and listxattr with size 0 return the needed size without
    // writing; callers pass a null buffer then.

    pub const SETXATTR: Shape = emulate("setxattr", NONE);
    pub const LSETXATTR: Shape = emulate("lsetxattr", NONE);
    pub const FSETXATTR: Shape = emulate("fsetxattr", NONE);
    pub const GETXATTR: Shape = emulate("getxattr", &[Out::Result { ptr: 2 }]);
    pub const LGETXATTR: Shape = emulate("lgetxattr", &[Out::Result { ptr: 2 }]);
    pub const FGETXATTR: Shape = emulate("fgetxattr", &[Out::Result { ptr: 2 }]);
    pub const LISTXATTR: Shape = emulate("listxattr", &[Out::Result { ptr: 1 }]);
    pub const LLISTXATTR: Shape = emulate("llistxattr", &[Out::Result { ptr: 1 }]);
    pub const FLISTXATTR: Shape = emulate("flistxattr", &[Out::Result { ptr: 1 }]);
    pub const REMOVEXATTR: Shape = emulate("removexattr", NONE);
    pub const LREMOVEXATTR: Shape = emulate("lremovexattr", NONE);
    pub const FREMOVEXATTR: Shape = emulate("fremovexattr", NONE);
    pub const SETXATTRAT: Shape = emulate("setxattrat", NONE);
    /// The value buffer's address is inside `struct xattr_args`.
    pub const GETXATTRAT: Shape = refuse("getxattrat", WHY_BY_COMMAND);
    pub const LISTXATTRAT: Shape = emulate("listxattrat", &[Out::Result { ptr: 3 }]);
    pub const REMOVEXATTRAT: Shape = emulate("removexattrat", NONE);

    // --- mounts and file systems ---

    pub const MOUNT: Shape = emulate("mount", NONE);
    pub const UMOUNT2: Shape = emulate("umount2", NONE);
    pub const PIVOT_ROOT: Shape = emulate("pivot_root", NONE);
    pub const OPEN_TREE: Shape = emulate("open_tree", NONE);
    pub const OPEN_TREE_ATTR: Shape = emulate("open_tree_attr", NONE);
    pub const MOVE_MOUNT: Shape = emulate("move_mount", NONE);
    pub const FSOPEN: Shape = emulate("fsopen", NONE);
    pub const FSCONFIG: Shape = emulate("fsconfig", NONE);
    pub const FSMOUNT: Shape = emulate("fsmount", NONE);
    pub const FSPICK: Shape = emulate("fspick", NONE);
    pub const MOUNT_SETATTR: Shape = emulate("mount_setattr", NONE);
    /// At most `bufsize` bytes of `struct statmount` and its strings.
    pub const STATMOUNT: Shape = emulate("statmount", &[Out::ArgLen { ptr: 1, len: 2 }]);
    /// `result` u64 mount ids.
    pub const LISTMOUNT: Shape = emulate("listmount", &[Out::ResultArray { ptr: 1, elem: 8 }]);
    pub const QUOTACTL: Shape = refuse("quotactl", WHY_BY_COMMAND);
    pub const QUOTACTL_FD: Shape = refuse("quotactl_fd", WHY_BY_COMMAND);
    pub const SWAPON: Shape = emulate("swapon", NONE);
    pub const SWAPOFF: Shape = emulate("swapoff", NONE);
    pub const ACCT: Shape = emulate("acct", NONE);

    // --- event and notification descriptors (their data is read with read()) ---

    pub const INOTIFY_INIT1: Shape = emulate("inotify_init1", NONE);
    pub const INOTIFY_ADD_WATCH: Shape = emulate("inotify_add_watch", NONE);
    pub const INOTIFY_RM_WATCH: Shape = emulate("inotify_rm_watch", NONE);
    pub const FANOTIFY_INIT: Shape = emulate("fanotify_init", NONE);
    pub const FANOTIFY_MARK: Shape = emulate("fanotify_mark", NONE);
    pub const EVENTFD2: Shape = emulate("eventfd2", NONE);
    pub const SIGNALFD4: Shape = emulate("signalfd4", NONE);
    pub const TIMERFD_CREATE: Shape = emulate("timerfd_create", NONE);
    /// The old value, if asked for.
    pub const TIMERFD_SETTIME: Shape = emulate(
        "timerfd_settime",
        &[Out::Fixed {
            ptr: 3,
            len: size::ITIMERSPEC,
        }],
    );
    pub const TIMERFD_GETTIME: Shape = emulate(
        "timerfd_gettime",
        &[Out::Fixed {
            ptr: 1,
            len: size::ITIMERSPEC,
        }],
    );
    pub const MEMFD_CREATE: Shape = emulate("memfd_create", NONE);
    pub const MEMFD_SECRET: Shape = refuse("memfd_secret", WHY_MEMFD_SECRET);
    pub const PIDFD_OPEN: Shape = emulate("pidfd_open", NONE);
    pub const PIDFD_GETFD: Shape = emulate("pidfd_getfd", NONE);
    pub const PIDFD_SEND_SIGNAL: Shape = emulate("pidfd_send_signal", NONE);

    // --- waiting for descriptors ---

    pub const EPOLL_CREATE1: Shape = emulate("epoll_create1", NONE);
    /// The event is only read.
    pub const EPOLL_CTL: Shape = emulate("epoll_ctl", NONE);
    /// Three fd_sets of `nfds` bits and the remaining timeout.
    pub const PSELECT6: Shape = emulate(
        "pselect6",
        &[
            Out::FdSet { ptr: 1, nfds: 0 },
            Out::FdSet { ptr: 2, nfds: 0 },
            Out::FdSet { ptr: 3, nfds: 0 },
            Out::Fixed {
                ptr: 4,
                len: size::TIMESPEC,
            },
        ],
    );
    /// `revents` of each pollfd, and the remaining timeout.
    pub const PPOLL: Shape = emulate(
        "ppoll",
        &[
            Out::Array {
                ptr: 0,
                count: 1,
                elem: size::POLLFD,
            },
            Out::Fixed {
                ptr: 2,
                len: size::TIMESPEC,
            },
        ],
    );

    // --- sockets ---

    pub const SOCKET: Shape = emulate("socket", NONE);
    /// int sv[2].
    pub const SOCKETPAIR: Shape = emulate("socketpair", &[Out::Fixed { ptr: 3, len: 8 }]);
    pub const BIND: Shape = emulate("bind", NONE);
    pub const LISTEN: Shape = emulate("listen", NONE);
    pub const CONNECT: Shape = emulate("connect", NONE);
    pub const SHUTDOWN: Shape = emulate("shutdown", NONE);
    pub const ACCEPT: Shape = emulate("accept", &[Out::SockLen { ptr: 1, lenptr: 2 }]);
    pub const ACCEPT4: Shape = emulate("accept4", &[Out::SockLen { ptr: 1, lenptr: 2 }]);
    pub const GETSOCKNAME: Shape = emulate("getsockname", &[Out::SockLen { ptr: 1, lenptr: 2 }]);
    pub const GETPEERNAME: Shape = emulate("getpeername", &[Out::SockLen { ptr: 1, lenptr: 2 }]);
    pub const SETSOCKOPT: Shape = emulate("setsockopt", NONE);
    pub const GETSOCKOPT: Shape = emulate("getsockopt", &[Out::SockLen { ptr: 3, lenptr: 4 }]);
    pub const SENDTO: Shape = emulate("sendto", NONE);
    pub const RECVFROM: Shape = emulate(
        "recvfrom",
        &[Out::Result { ptr: 1 }, Out::SockLen { ptr: 4, lenptr: 5 }],
    );
    pub const SENDMSG: Shape = emulate("sendmsg", NONE);
    pub const RECVMSG: Shape = emulate("recvmsg", &[Out::MsgHdr { msg: 1 }]);
    /// The kernel stores each sent message's `msg_len` inside its mmsghdr;
    /// recording the `result` whole headers covers those writes.
    pub const SENDMMSG: Shape = emulate(
        "sendmmsg",
        &[Out::ResultArray {
            ptr: 1,
            elem: size::MMSGHDR,
        }],
    );
    /// The filled `struct mmsghdr`s (headers, `msg_len`, names, iovec
    /// bytes, control data such as SCM_RIGHTS descriptors and
    /// SCM_CREDENTIALS) and the remaining timeout, which the kernel writes
    /// back when it returns messages.
    pub const RECVMMSG: Shape = emulate(
        "recvmmsg",
        &[
            Out::MmsgHdr { vec: 1, vlen: 2 },
            Out::Fixed {
                ptr: 4,
                len: size::TIMESPEC,
            },
        ],
    );

    // --- memory ---

    pub const MMAP: Shape = special("mmap", Action::Mmap);
    pub const MREMAP: Shape = special("mremap", Action::Mremap);
    pub const BRK: Shape = special("brk", Action::Brk);
    pub const MUNMAP: Shape = execute("munmap", NONE);
    pub const MPROTECT: Shape = execute("mprotect", NONE);
    /// MADV_DONTNEED and friends change the contents of memory.
    pub const MADVISE: Shape = execute("madvise", NONE);
    pub const PKEY_MPROTECT: Shape = execute("pkey_mprotect", NONE);
    /// Also sets the new key's rights in the thread's PKRU register.
    pub const PKEY_ALLOC: Shape = execute("pkey_alloc", NONE);
    pub const PKEY_FREE: Shape = execute("pkey_free", NONE);
    /// Sealed mappings make later munmap/mprotect fail; replay must agree.
    pub const MSEAL: Shape = execute("mseal", NONE);
    pub const MSYNC: Shape = emulate("msync", NONE);
    pub const MLOCK: Shape = emulate("mlock", NONE);
    pub const MLOCK2: Shape = emulate("mlock2", NONE);
    pub const MUNLOCK: Shape = emulate("munlock", NONE);
    pub const MLOCKALL: Shape = emulate("mlockall", NONE);
    pub const MUNLOCKALL: Shape = emulate("munlockall", NONE);
    pub const MINCORE: Shape = refuse("mincore", WHY_MINCORE);
    pub const REMAP_FILE_PAGES: Shape = refuse("remap_file_pages", WHY_MAPPING_CHANGE);
    pub const MBIND: Shape = emulate("mbind", NONE);
    pub const SET_MEMPOLICY: Shape = emulate("set_mempolicy", NONE);
    pub const SET_MEMPOLICY_HOME_NODE: Shape = emulate("set_mempolicy_home_node", NONE);
    pub const GET_MEMPOLICY: Shape = refuse("get_mempolicy", WHY_GET_MEMPOLICY);
    pub const MIGRATE_PAGES: Shape = emulate("migrate_pages", NONE);
    /// int status[count].
    pub const MOVE_PAGES: Shape = emulate(
        "move_pages",
        &[Out::Array {
            ptr: 4,
            count: 1,
            elem: 4,
        }],
    );
    pub const PROCESS_MADVISE: Shape = emulate("process_madvise", NONE);
    pub const PROCESS_MRELEASE: Shape = emulate("process_mrelease", NONE);
    pub const CACHESTAT: Shape = emulate(
        "cachestat",
        &[Out::Fixed {
            ptr: 2,
            len: size::CACHESTAT,
        }],
    );
    pub const MAP_SHADOW_STACK: Shape = refuse("map_shadow_stack", WHY_SHADOW_STACK);
    /// Single-threaded for now: only the query commands return anything.
    pub const MEMBARRIER: Shape = emulate("membarrier", NONE);

    // --- tasks ---

    /// clone's write into the caller's memory: the int at `parent_tid`
    /// (argument 2 on both architectures), the new task's id for
    /// CLONE_PARENT_SETTID or a new pidfd for CLONE_PIDFD (the two are
    /// exclusive in clone, which has one pointer for both).
    pub const CLONE_PARENT_OUT: Out = Out::IfFlag {
        flags: 0,
        mask: crate::arch::fork::CLONE_PARENT_SETTID | crate::arch::fork::CLONE_PIDFD,
        ptr: 2,
        len: 4,
    };

    /// Threads and processes; the flags are in the first argument on both
    /// architectures, the pointer to the child's thread-id word is not
    /// (argument `child_tid`: 3 on x86_64, 4 on aarch64), so each table
    /// makes its own with its outputs.
    pub const fn clone(outs: &'static [Out]) -> Shape {
        Shape {
            name: "clone",
            outs,
            action: Action::Clone,
        }
    }
    pub const FORK: Shape = special("fork", Action::Fork);
    pub const VFORK: Shape = special("vfork", Action::Fork);
    pub const CLONE3: Shape = refuse("clone3", WHY_CLONE3);
    pub const EXECVE: Shape = special("execve", Action::Exec);
    /// Recorded as execve is: the program that ran is read through
    /// /proc/PID/exe (a memfd or a deleted file too); the replay runs the
    /// saved copy with execve.
    pub const EXECVEAT: Shape = special("execveat", Action::Exec);
    pub const EXIT: Shape = special("exit", Action::Exit);
    pub const EXIT_GROUP: Shape = special("exit_group", Action::Exit);
    /// int status and struct rusage.
    pub const WAIT4: Shape = emulate(
        "wait4",
        &[
            Out::Fixed { ptr: 1, len: 4 },
            Out::Fixed {
                ptr: 3,
                len: size::RUSAGE,
            },
        ],
    );
    /// siginfo_t and struct rusage.
    pub const WAITID: Shape = emulate(
        "waitid",
        &[
            Out::Fixed {
                ptr: 2,
                len: size::SIGINFO,
            },
            Out::Fixed {
                ptr: 4,
                len: size::RUSAGE,
            },
        ],
    );
    pub const SET_TID_ADDRESS: Shape = execute("set_tid_address", NONE);
    pub const SET_ROBUST_LIST: Shape = execute("set_robust_list", NONE);
    /// The list head pointer and its size_t length.
    pub const GET_ROBUST_LIST: Shape = emulate(
        "get_robust_list",
        &[Out::Fixed { ptr: 1, len: 8 }, Out::Fixed { ptr: 2, len: 8 }],
    );
    pub const UNSHARE: Shape = emulate("unshare", NONE);
    pub const SETNS: Shape = emulate("setns", NONE);
    pub const KCMP: Shape = emulate("kcmp", NONE);
    pub const PTRACE: Shape = refuse("ptrace", WHY_PTRACE);
    /// The caller's iovecs get what was read; what a writev put into the
    /// other process is recorded as a `KernelWrite` of it
    /// (`record/remote.rs`).
    pub const PROCESS_VM_READV: Shape =
        emulate("process_vm_readv", &[Out::Iovec { iov: 1, cnt: 2 }]);
    pub const PROCESS_VM_WRITEV: Shape = emulate("process_vm_writev", NONE);
    /// Emulated: querying must give the recorded answer even though the
    /// replayer may run the program with another personality.
    pub const PERSONALITY: Shape = emulate("personality", NONE);
    /// Outputs depend on the option: see `cmds::prctl_outs`.
    pub const PRCTL: Shape = special("prctl", Action::Prctl);
    /// Emulated for the reasons given at `cmds::prctl_policy`. Only
    /// SECCOMP_GET_NOTIF_SIZES writes memory (3 u16 at argument 2); for the
    /// other operations argument 2 points to the caller's filter program or
    /// action number, so recording 6 bytes there is harmless.
    pub const SECCOMP: Shape = emulate("seccomp", &[Out::Fixed { ptr: 2, len: 6 }]);
    pub const RSEQ: Shape = refuse("rseq", WHY_RSEQ);
    pub const GETPID: Shape = emulate("getpid", NONE);
    pub const GETPPID: Shape = emulate("getppid", NONE);
    pub const GETTID: Shape = emulate("gettid", NONE);
    pub const LANDLOCK_CREATE_RULESET: Shape = emulate("landlock_create_ruleset", NONE);
    pub const LANDLOCK_ADD_RULE: Shape = emulate("landlock_add_rule", NONE);
    pub const LANDLOCK_RESTRICT_SELF: Shape = emulate("landlock_restrict_self", NONE);

    // --- futexes ---
    // FUTEX_WAIT/WAKE and the futex_wait/futex_wake/futex_requeue/
    // futex_waitv syscalls only read user memory. The operations that write
    // a futex word (WAKE_OP and the PI ones) are found by `futex_outs`.

    pub const FUTEX: Shape = emulate("futex", NONE);
    pub const FUTEX_WAITV: Shape = emulate("futex_waitv", NONE);
    pub const FUTEX_WAKE: Shape = emulate("futex_wake", NONE);
    pub const FUTEX_WAIT: Shape = emulate("futex_wait", NONE);
    pub const FUTEX_REQUEUE: Shape = emulate("futex_requeue", NONE);

    // --- signals ---
    // kill, tkill, tgkill and friends are emulated: the signals a task
    // receives are recorded as events of their own and delivered at replay
    // from the trace.

    /// The old action (argument 2) is recorded; the new one is installed at
    /// replay too, so that signal delivery finds the same handler.
    pub const RT_SIGACTION: Shape = execute(
        "rt_sigaction",
        &[Out::Fixed {
            ptr: 2,
            len: size::KERNEL_SIGACTION,
        }],
    );
    /// The old mask, `sigsetsize` (argument 3) bytes.
    pub const RT_SIGPROCMASK: Shape = execute("rt_sigprocmask", &[Out::ArgLen { ptr: 2, len: 3 }]);
    pub const RT_SIGRETURN: Shape = special("rt_sigreturn", Action::SigReturn);
    /// The old stack_t.
    pub const SIGALTSTACK: Shape = execute(
        "sigaltstack",
        &[Out::Fixed {
            ptr: 1,
            len: size::STACK_T,
        }],
    );
    pub const RT_SIGPENDING: Shape = emulate("rt_sigpending", &[Out::ArgLen { ptr: 0, len: 1 }]);
    pub const RT_SIGTIMEDWAIT: Shape = emulate(
        "rt_sigtimedwait",
        &[Out::Fixed {
            ptr: 1,
            len: size::SIGINFO,
        }],
    );
    pub const RT_SIGQUEUEINFO: Shape = emulate("rt_sigqueueinfo", NONE);
    pub const RT_TGSIGQUEUEINFO: Shape = emulate("rt_tgsigqueueinfo", NONE);
    pub const RT_SIGSUSPEND: Shape = emulate("rt_sigsuspend", NONE);
    pub const KILL: Shape = emulate("kill", NONE);
    pub const TKILL: Shape = emulate("tkill", NONE);
    pub const TGKILL: Shape = emulate("tgkill", NONE);
    /// Continues an interrupted nanosleep, clock_nanosleep, futex, poll or
    /// similar call: its outputs are those of the call it restarts, which
    /// the recorder must remember per task.
    pub const RESTART_SYSCALL: Shape = emulate("restart_syscall", NONE);

    // --- time ---

    /// The remaining time, written when interrupted.
    pub const NANOSLEEP: Shape = emulate(
        "nanosleep",
        &[Out::Fixed {
            ptr: 1,
            len: size::TIMESPEC,
        }],
    );
    pub const CLOCK_GETTIME: Shape = emulate(
        "clock_gettime",
        &[Out::Fixed {
            ptr: 1,
            len: size::TIMESPEC,
        }],
    );
    pub const CLOCK_SETTIME: Shape = emulate("clock_settime", NONE);
    pub const CLOCK_GETRES: Shape = emulate(
        "clock_getres",
        &[Out::Fixed {
            ptr: 1,
            len: size::TIMESPEC,
        }],
    );
    /// The remaining time (argument 3), written when interrupted.
    pub const CLOCK_NANOSLEEP: Shape = emulate(
        "clock_nanosleep",
        &[Out::Fixed {
            ptr: 3,
            len: size::TIMESPEC,
        }],
    );
    pub const CLOCK_ADJTIME: Shape = emulate(
        "clock_adjtime",
        &[Out::Fixed {
            ptr: 1,
            len: size::TIMEX,
        }],
    );
    pub const ADJTIMEX: Shape = emulate(
        "adjtimex",
        &[Out::Fixed {
            ptr: 0,
            len: size::TIMEX,
        }],
    );
    /// struct timeval and struct timezone (two ints).
    pub const GETTIMEOFDAY: Shape = emulate(
        "gettimeofday",
        &[
            Out::Fixed {
                ptr: 0,
                len: size::TIMEVAL,
            },
            Out::Fixed { ptr: 1, len: 8 },
        ],
    );
    pub const SETTIMEOFDAY: Shape = emulate("settimeofday", NONE);
    pub const GETITIMER: Shape = emulate(
        "getitimer",
        &[Out::Fixed {
            ptr: 1,
            len: size::ITIMERVAL,
        }],
    );
    /// The old value; SIGALRM deliveries come from the trace.
    pub const SETITIMER: Shape = emulate(
        "setitimer",
        &[Out::Fixed {
            ptr: 2,
            len: size::ITIMERVAL,
        }],
    );
    /// The new timer's int id.
    pub const TIMER_CREATE: Shape = emulate("timer_create", &[Out::Fixed { ptr: 2, len: 4 }]);
    pub const TIMER_SETTIME: Shape = emulate(
        "timer_settime",
        &[Out::Fixed {
            ptr: 3,
            len: size::ITIMERSPEC,
        }],
    );
    pub const TIMER_GETTIME: Shape = emulate(
        "timer_gettime",
        &[Out::Fixed {
            ptr: 1,
            len: size::ITIMERSPEC,
        }],
    );
    pub const TIMER_GETOVERRUN: Shape = emulate("timer_getoverrun", NONE);
    pub const TIMER_DELETE: Shape = emulate("timer_delete", NONE);
    pub const TIMES: Shape = emulate(
        "times",
        &[Out::Fixed {
            ptr: 0,
            len: size::TMS,
        }],
    );

    // --- credentials ---

    pub const GETUID: Shape = emulate("getuid", NONE);
    pub const GETEUID: Shape = emulate("geteuid", NONE);
    pub const GETGID: Shape = emulate("getgid", NONE);
    pub const GETEGID: Shape = emulate("getegid", NONE);
    pub const SETUID: Shape = emulate("setuid", NONE);
    pub const SETGID: Shape = emulate("setgid", NONE);
    pub const SETREUID: Shape = emulate("setreuid", NONE);
    pub const SETREGID: Shape = emulate("setregid", NONE);
    pub const SETRESUID: Shape = emulate("setresuid", NONE);
    pub const SETRESGID: Shape = emulate("setresgid", NONE);
    /// Three uid_t.
    pub const GETRESUID: Shape = emulate(
        "getresuid",
        &[
            Out::Fixed { ptr: 0, len: 4 },
            Out::Fixed { ptr: 1, len: 4 },
            Out::Fixed { ptr: 2, len: 4 },
        ],
    );
    /// Three gid_t.
    pub const GETRESGID: Shape = emulate(
        "getresgid",
        &[
            Out::Fixed { ptr: 0, len: 4 },
            Out::Fixed { ptr: 1, len: 4 },
            Out::Fixed { ptr: 2, len: 4 },
        ],
    );
    pub const SETFSUID: Shape = emulate("setfsuid", NONE);
    pub const SETFSGID: Shape = emulate("setfsgid", NONE);
    /// `result` gid_t; with size 0 the count is returned and nothing is
    /// written (callers pass a null list then).
    pub const GETGROUPS: Shape = emulate("getgroups", &[Out::ResultArray { ptr: 1, elem: 4 }]);
    pub const SETGROUPS: Shape = emulate("setgroups", NONE);
    pub const GETPGID: Shape = emulate("getpgid", NONE);
    pub const SETPGID: Shape = emulate("setpgid", NONE);
    pub const GETSID: Shape = emulate("getsid", NONE);
    pub const SETSID: Shape = emulate("setsid", NONE);
    /// The header's version (rewritten when the caller's is not
    /// supported), and two cap data structs for versions 2 and 3 (version 1
    /// writes only the first 12 bytes).
    pub const CAPGET: Shape = emulate(
        "capget",
        &[
            Out::Fixed { ptr: 0, len: 4 },
            Out::Fixed {
                ptr: 1,
                len: size::CAP_DATA,
            },
        ],
    );
    pub const CAPSET: Shape = emulate("capset", NONE);

    // --- scheduling ---

    pub const SCHED_YIELD: Shape = emulate("sched_yield", NONE);
    /// Emulated at replay. At record it would undo rewind's pinning of the
    /// tracee to one CPU, so the recorder must not pass it on unchanged.
    pub const SCHED_SETAFFINITY: Shape = emulate("sched_setaffinity", NONE);
    /// The result is the number of mask bytes written.
    pub const SCHED_GETAFFINITY: Shape = emulate("sched_getaffinity", &[Out::Result { ptr: 2 }]);
    pub const SCHED_SETPARAM: Shape = emulate("sched_setparam", NONE);
    /// struct sched_param (one int).
    pub const SCHED_GETPARAM: Shape = emulate("sched_getparam", &[Out::Fixed { ptr: 1, len: 4 }]);
    pub const SCHED_SETSCHEDULER: Shape = emulate("sched_setscheduler", NONE);
    pub const SCHED_GETSCHEDULER: Shape = emulate("sched_getscheduler", NONE);
    pub const SCHED_GET_PRIORITY_MAX: Shape = emulate("sched_get_priority_max", NONE);
    pub const SCHED_GET_PRIORITY_MIN: Shape = emulate("sched_get_priority_min", NONE);
    pub const SCHED_RR_GET_INTERVAL: Shape = emulate(
        "sched_rr_get_interval",
        &[Out::Fixed {
            ptr: 1,
            len: size::TIMESPEC,
        }],
    );
    pub const SCHED_SETATTR: Shape = emulate("sched_setattr", NONE);
    /// At most `size` (argument 2) bytes of struct sched_attr.
    pub const SCHED_GETATTR: Shape = emulate("sched_getattr", &[Out::ArgLen { ptr: 1, len: 2 }]);
    pub const GETPRIORITY: Shape = emulate("getpriority", NONE);
    pub const SETPRIORITY: Shape = emulate("setpriority", NONE);
    pub const IOPRIO_SET: Shape = emulate("ioprio_set", NONE);
    pub const IOPRIO_GET: Shape = emulate("ioprio_get", NONE);
    /// unsigned cpu and node.
    pub const GETCPU: Shape = emulate(
        "getcpu",
        &[Out::Fixed { ptr: 0, len: 4 }, Out::Fixed { ptr: 1, len: 4 }],
    );

    // --- system information and administration ---

    pub const UNAME: Shape = emulate(
        "uname",
        &[Out::Fixed {
            ptr: 0,
            len: size::UTSNAME,
        }],
    );
    pub const SYSINFO: Shape = emulate(
        "sysinfo",
        &[Out::Fixed {
            ptr: 0,
            len: size::SYSINFO,
        }],
    );
    /// The read actions (2, 3, 4) write `result` bytes; the size queries
    /// (9, 10) return a size without writing, and callers pass a null
    /// buffer then.
    pub const SYSLOG: Shape = emulate("syslog", &[Out::Result { ptr: 1 }]);
    pub const GETRLIMIT: Shape = emulate(
        "getrlimit",
        &[Out::Fixed {
            ptr: 1,
            len: size::RLIMIT,
        }],
    );
    pub const SETRLIMIT: Shape = emulate("setrlimit", NONE);
    /// The old limit (argument 3).
    pub const PRLIMIT64: Shape = emulate(
        "prlimit64",
        &[Out::Fixed {
            ptr: 3,
            len: size::RLIMIT,
        }],
    );
    pub const GETRUSAGE: Shape = emulate(
        "getrusage",
        &[Out::Fixed {
            ptr: 1,
            len: size::RUSAGE,
        }],
    );
    pub const GETRANDOM: Shape = emulate("getrandom", &[Out::Result { ptr: 0 }]);
    pub const SETHOSTNAME: Shape = emulate("sethostname", NONE);
    pub const SETDOMAINNAME: Shape = emulate("setdomainname", NONE);
    pub const REBOOT: Shape = emulate("reboot", NONE);
    pub const VHANGUP: Shape = emulate("vhangup", NONE);
    pub const KEXEC_LOAD: Shape = emulate("kexec_load", NONE);
    pub const KEXEC_FILE_LOAD: Shape = emulate("kexec_file_load", NONE);
    pub const INIT_MODULE: Shape = emulate("init_module", NONE);
    pub const FINIT_MODULE: Shape = emulate("finit_module", NONE);
    pub const DELETE_MODULE: Shape = emulate("delete_module", NONE);
    pub const NFSSERVCTL: Shape = obsolete("nfsservctl");
    /// Removed from Linux 6.x kernels (ENOSYS); older ones wrote a path.
    pub const LOOKUP_DCOOKIE: Shape = emulate("lookup_dcookie", &[Out::Result { ptr: 1 }]);
    /// The caller's buffer, up to the u32 size at argument 2 (which the
    /// kernel updates).
    pub const LSM_GET_SELF_ATTR: Shape =
        emulate("lsm_get_self_attr", &[Out::SockLen { ptr: 1, lenptr: 2 }]);
    pub const LSM_SET_SELF_ATTR: Shape = emulate("lsm_set_self_attr", NONE);
    /// u64 ids up to the u32 size at argument 1 (which the kernel updates).
    pub const LSM_LIST_MODULES: Shape =
        emulate("lsm_list_modules", &[Out::SockLen { ptr: 0, lenptr: 1 }]);
    /// `result` u64 namespace ids.
    pub const LISTNS: Shape = emulate("listns", &[Out::ResultArray { ptr: 1, elem: 8 }]);

    // --- keys ---

    pub const ADD_KEY: Shape = emulate("add_key", NONE);
    pub const REQUEST_KEY: Shape = emulate("request_key", NONE);
    pub const KEYCTL: Shape = refuse("keyctl", WHY_BY_COMMAND);

    // --- POSIX message queues ---

    pub const MQ_OPEN: Shape = emulate("mq_open", NONE);
    pub const MQ_UNLINK: Shape = emulate("mq_unlink", NONE);
    pub const MQ_TIMEDSEND: Shape = emulate("mq_timedsend", NONE);
    /// The message (`result` bytes) and its unsigned priority.
    pub const MQ_TIMEDRECEIVE: Shape = emulate(
        "mq_timedreceive",
        &[Out::Result { ptr: 1 }, Out::Fixed { ptr: 3, len: 4 }],
    );
    pub const MQ_NOTIFY: Shape = emulate("mq_notify", NONE);
    /// The old attributes.
    pub const MQ_GETSETATTR: Shape = emulate(
        "mq_getsetattr",
        &[Out::Fixed {
            ptr: 2,
            len: size::MQ_ATTR,
        }],
    );

    // --- refused families ---

    /// System V message queues and semaphores are kernel objects the
    /// replay never makes: every call is emulated. msgsnd, msgrcv, semop
    /// and semtimedop may wait for another process (`record/threads.rs`).
    pub const MSGGET: Shape = emulate("msgget", NONE);
    pub const MSGSND: Shape = emulate("msgsnd", NONE);
    /// The message's type (a long) and text, as many bytes as the result.
    pub const MSGRCV: Shape = emulate(
        "msgrcv",
        &[Out::ResultPlus {
            ptr: 1,
            cap: 2,
            extra: 8,
        }],
    );
    /// `struct msqid64_ds` (120 bytes) or `struct msginfo` (32).
    pub const MSGCTL: Shape = emulate(
        "msgctl",
        &[Out::IpcCtl {
            cmd: 1,
            ptr: 2,
            stat: 120,
            info: 32,
            sem_id: None,
        }],
    );
    pub const SEMGET: Shape = emulate("semget", NONE);
    pub const SEMOP: Shape = emulate("semop", NONE);
    pub const SEMTIMEDOP: Shape = emulate("semtimedop", NONE);
    /// Segments are made for real at record; the replay keeps one
    /// backing file per segment, mapped by shmat (see `replay/shared.rs`).
    pub const SHMGET: Shape = emulate("shmget", NONE);
    pub const SHMAT: Shape = special("shmat", Action::Shmat);
    pub const SHMDT: Shape = special("shmdt", Action::Shmdt);
    /// IPC_STAT, SHM_STAT, IPC_INFO and SHM_INFO write a structure of at
    /// most 112 bytes (`struct shmid_ds`) at the third argument; the same
    /// bytes are recorded for the other commands, which read it or ignore
    /// it (putting back what was there changes nothing).
    pub const SHMCTL: Shape = emulate("shmctl", &[Out::Fixed { ptr: 2, len: 112 }]);
    pub const IO_SETUP: Shape = refuse("io_setup", WHY_AIO);
    pub const IO_DESTROY: Shape = refuse("io_destroy", WHY_AIO);
    pub const IO_SUBMIT: Shape = refuse("io_submit", WHY_AIO);
    pub const IO_CANCEL: Shape = refuse("io_cancel", WHY_AIO);
    pub const IO_GETEVENTS: Shape = refuse("io_getevents", WHY_AIO);
    pub const IO_PGETEVENTS: Shape = refuse("io_pgetevents", WHY_AIO);
    pub const IO_URING_SETUP: Shape = refuse("io_uring_setup", WHY_IO_URING);
    pub const IO_URING_ENTER: Shape = refuse("io_uring_enter", WHY_IO_URING);
    pub const IO_URING_REGISTER: Shape = refuse("io_uring_register", WHY_IO_URING);
    pub const PERF_EVENT_OPEN: Shape = refuse("perf_event_open", WHY_PERF);
    pub const BPF: Shape = refuse("bpf", WHY_BPF);
    pub const USERFAULTFD: Shape = refuse("userfaultfd", WHY_USERFAULTFD);
}

/// The name of a ptrace request (PTRACE_TRACEME...), or its number.
pub fn ptrace_request_name(req: u64) -> String {
    let name = match req {
        0 => "PTRACE_TRACEME",
        1 => "PTRACE_PEEKTEXT",
        2 => "PTRACE_PEEKDATA",
        3 => "PTRACE_PEEKUSER",
        4 => "PTRACE_POKETEXT",
        5 => "PTRACE_POKEDATA",
        6 => "PTRACE_POKEUSER",
        7 => "PTRACE_CONT",
        8 => "PTRACE_KILL",
        9 => "PTRACE_SINGLESTEP",
        12 => "PTRACE_GETREGS",
        13 => "PTRACE_SETREGS",
        14 => "PTRACE_GETFPREGS",
        15 => "PTRACE_SETFPREGS",
        16 => "PTRACE_ATTACH",
        17 => "PTRACE_DETACH",
        24 => "PTRACE_SYSCALL",
        0x4200 => "PTRACE_SETOPTIONS",
        0x4201 => "PTRACE_GETEVENTMSG",
        0x4202 => "PTRACE_GETSIGINFO",
        0x4203 => "PTRACE_SETSIGINFO",
        0x4204 => "PTRACE_GETREGSET",
        0x4205 => "PTRACE_SETREGSET",
        0x4206 => "PTRACE_SEIZE",
        0x4207 => "PTRACE_INTERRUPT",
        0x4208 => "PTRACE_LISTEN",
        0x4209 => "PTRACE_PEEKSIGINFO",
        0x420a => "PTRACE_GETSIGMASK",
        0x420b => "PTRACE_SETSIGMASK",
        0x420c => "PTRACE_SECCOMP_GET_FILTER",
        0x420e => "PTRACE_GET_SYSCALL_INFO",
        _ => return format!("ptrace request {req:#x}"),
    };
    name.to_string()
}

/// Refused syscalls that the C library or the program expects to fail
/// and falls back from (rseq, clone3, io_uring_setup): a note for
/// `rewind record -v` and `rewind info`, not a warning, since nothing
/// changes for the program.
pub fn refusal_is_routine(name: &str) -> bool {
    matches!(name, "rseq" | "clone3" | "io_uring_setup")
}

#[cfg(test)]
mod tests {
    #[test]
    fn futex_words_written_by_each_operation() {
        use super::futex_op::*;
        let args = |op: u64| [0x1000, op | 0x80, 1, 0, 0x2000, 0];
        for op in [LOCK_PI, UNLOCK_PI, TRYLOCK_PI, LOCK_PI2] {
            assert_eq!(futex_outs(args(op)), vec![(0x1000, 4)], "op {op}");
        }
        for op in [WAKE_OP, WAIT_REQUEUE_PI, CMP_REQUEUE_PI] {
            assert_eq!(futex_outs(args(op)), vec![(0x2000, 4)], "op {op}");
        }
        // WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET, WAKE_BITSET.
        for op in [0, 1, 3, 4, 9, 10] {
            assert!(futex_outs(args(op)).is_empty(), "op {op}");
        }
        assert!(futex_locks_pi(&args(LOCK_PI)) && futex_locks_pi(&args(LOCK_PI2)));
        assert!(!futex_locks_pi(&args(TRYLOCK_PI)) && !futex_locks_pi(&args(0)));
    }

    use super::*;

    #[test]
    fn fcntl_outputs() {
        assert_eq!(fcntl_out_len(fcntl::F_GETLK), Some(32));
        assert_eq!(fcntl_out_len(fcntl::F_OFD_GETLK), Some(32));
        assert_eq!(fcntl_out_len(fcntl::F_GETOWN_EX), Some(8));
        // F_GETFL, F_SETLK, F_DUPFD_CLOEXEC write nothing.
        assert_eq!(fcntl_out_len(3), None);
        assert_eq!(fcntl_out_len(6), None);
        assert_eq!(fcntl_out_len(1030), None);
    }

    #[test]
    fn prctl_outputs() {
        let a = |a1: u64, a2: u64, a4: u64| [0, a1, a2, 0, a4, 0];
        assert_eq!(
            prctl_outs(pr::GET_NAME, a(0x1000, 0, 0)),
            vec![(0x1000, 16)]
        );
        assert_eq!(
            prctl_outs(pr::GET_PDEATHSIG, a(0x2000, 0, 0)),
            vec![(0x2000, 4)]
        );
        assert_eq!(
            prctl_outs(pr::GET_TID_ADDRESS, a(0x3000, 0, 0)),
            vec![(0x3000, 8)]
        );
        assert!(prctl_outs(pr::GET_SECCOMP, a(0x3000, 0, 0)).is_empty());
        assert!(prctl_outs(pr::SET_NAME, a(0x3000, 0, 0)).is_empty());
        assert!(prctl_outs(pr::GET_NAME, a(0, 0, 0)).is_empty());
        assert_eq!(
            prctl_outs(pr::SET_MM, a(pr::SET_MM_MAP_SIZE, 0x4000, 0)),
            vec![(0x4000, 4)]
        );
        assert!(prctl_outs(pr::SET_MM, a(1, 0x4000, 0)).is_empty());
        assert_eq!(
            prctl_outs(pr::SCHED_CORE, a(pr::SCHED_CORE_GET, 0, 0x5000)),
            vec![(0x5000, 8)]
        );
        assert_eq!(
            prctl_outs(pr::GET_AUXV, a(0x6000, 64, 0)),
            vec![(0x6000, 64)]
        );
        assert_eq!(
            prctl_outs(pr::GET_AUXV, a(0x6000, 1 << 20, 0)),
            vec![(0x6000, 512)]
        );
    }

    #[test]
    fn prctl_policies() {
        assert!(prctl_must_execute(pr::SET_MM));
        assert!(prctl_must_execute(pr::SET_VMA));
        assert!(prctl_must_execute(pr::SVE_SET_VL));
        assert!(!prctl_must_execute(pr::SET_NAME));
        assert!(!prctl_must_execute(pr::SET_SECCOMP));
        assert!(!prctl_must_execute(pr::SET_NO_NEW_PRIVS));
        assert!(!prctl_must_execute(pr::SET_DUMPABLE));
        assert!(matches!(
            prctl_policy(pr::SET_TSC),
            PrctlPolicy::Intercept { .. }
        ));
        assert!(matches!(
            prctl_policy(pr::SET_SYSCALL_USER_DISPATCH),
            PrctlPolicy::Refuse { .. }
        ));
        assert_eq!(prctl_policy(pr::GET_DUMPABLE), PrctlPolicy::Emulate);
    }
}
