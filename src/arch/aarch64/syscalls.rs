//! The aarch64 syscall table: the kernel's generic numbering
//! (`asm-generic/unistd.h`, with the renameat, new-stat, rlimit, clone3 and
//! memfd_secret options aarch64 selects), with what the kernel writes for
//! each syscall and what the replayer does with it.
//!
//! aarch64 has none of the legacy path syscalls (open, stat, access, pipe,
//! dup2, poll, select, fork...): C libraries use the `*at` forms. Shapes
//! shared with x86_64 come from [`crate::arch::cmds::shapes`]; this file
//! adds those whose structs have aarch64 sizes (struct stat is 128 bytes,
//! struct epoll_event is 16).

use crate::arch::cmds::shapes::*;
use crate::arch::syscall::{Out, SyscallDesc};

/// `struct stat` on aarch64 (the generic layout).
pub const STAT: usize = 128;
/// `struct epoll_event` on aarch64 (u32 events, padding, u64 data).
pub const EPOLL_EVENT: usize = 16;

const EPOLL_WAIT_OUTS: &[Out] = &[Out::ResultArray {
    ptr: 1,
    elem: EPOLL_EVENT,
}];

/// clone(flags, stack, parent_tid, tls, child_tid): the int at
/// `parent_tid` in the caller (CLONE_PARENT_SETTID, CLONE_PIDFD), and the
/// new task's id at `child_tid` in the new task (CLONE_CHILD_SETTID;
/// aarch64 passes that pointer after tls).
const CLONE_OUTS: &[Out] = &[
    CLONE_PARENT_OUT,
    Out::ChildIfFlag {
        flags: 0,
        mask: crate::arch::fork::CLONE_CHILD_SETTID,
        ptr: 4,
        len: 4,
    },
];

/// Every aarch64 syscall, sorted by number.
pub static TABLE: &[SyscallDesc] = &[
    IO_SETUP.at(0),
    IO_DESTROY.at(1),
    IO_SUBMIT.at(2),
    IO_CANCEL.at(3),
    IO_GETEVENTS.at(4),
    SETXATTR.at(5),
    LSETXATTR.at(6),
    FSETXATTR.at(7),
    GETXATTR.at(8),
    LGETXATTR.at(9),
    FGETXATTR.at(10),
    LISTXATTR.at(11),
    LLISTXATTR.at(12),
    FLISTXATTR.at(13),
    REMOVEXATTR.at(14),
    LREMOVEXATTR.at(15),
    FREMOVEXATTR.at(16),
    GETCWD.at(17),
    LOOKUP_DCOOKIE.at(18),
    EVENTFD2.at(19),
    EPOLL_CREATE1.at(20),
    EPOLL_CTL.at(21),
    emulate("epoll_pwait", EPOLL_WAIT_OUTS).at(22),
    DUP.at(23),
    DUP3.at(24),
    FCNTL.at(25),
    INOTIFY_INIT1.at(26),
    INOTIFY_ADD_WATCH.at(27),
    INOTIFY_RM_WATCH.at(28),
    IOCTL.at(29),
    IOPRIO_SET.at(30),
    IOPRIO_GET.at(31),
    FLOCK.at(32),
    MKNODAT.at(33),
    MKDIRAT.at(34),
    UNLINKAT.at(35),
    SYMLINKAT.at(36),
    LINKAT.at(37),
    RENAMEAT.at(38),
    UMOUNT2.at(39),
    MOUNT.at(40),
    PIVOT_ROOT.at(41),
    NFSSERVCTL.at(42),
    STATFS.at(43),
    FSTATFS.at(44),
    TRUNCATE.at(45),
    FTRUNCATE.at(46),
    FALLOCATE.at(47),
    FACCESSAT.at(48),
    CHDIR.at(49),
    FCHDIR.at(50),
    CHROOT.at(51),
    FCHMOD.at(52),
    FCHMODAT.at(53),
    FCHOWNAT.at(54),
    FCHOWN.at(55),
    OPENAT.at(56),
    CLOSE.at(57),
    VHANGUP.at(58),
    PIPE2.at(59),
    QUOTACTL.at(60),
    GETDENTS64.at(61),
    LSEEK.at(62),
    READ.at(63),
    WRITE.at(64),
    READV.at(65),
    WRITEV.at(66),
    PREAD64.at(67),
    PWRITE64.at(68),
    PREADV.at(69),
    PWRITEV.at(70),
    SENDFILE.at(71),
    PSELECT6.at(72),
    PPOLL.at(73),
    SIGNALFD4.at(74),
    VMSPLICE.at(75),
    SPLICE.at(76),
    TEE.at(77),
    READLINKAT.at(78),
    emulate("newfstatat", &[Out::Fixed { ptr: 2, len: STAT }]).at(79),
    emulate("fstat", &[Out::Fixed { ptr: 1, len: STAT }]).at(80),
    SYNC.at(81),
    FSYNC.at(82),
    FDATASYNC.at(83),
    SYNC_FILE_RANGE.at(84),
    TIMERFD_CREATE.at(85),
    TIMERFD_SETTIME.at(86),
    TIMERFD_GETTIME.at(87),
    UTIMENSAT.at(88),
    ACCT.at(89),
    CAPGET.at(90),
    CAPSET.at(91),
    PERSONALITY.at(92),
    EXIT.at(93),
    EXIT_GROUP.at(94),
    WAITID.at(95),
    SET_TID_ADDRESS.at(96),
    UNSHARE.at(97),
    FUTEX.at(98),
    SET_ROBUST_LIST.at(99),
    GET_ROBUST_LIST.at(100),
    NANOSLEEP.at(101),
    GETITIMER.at(102),
    SETITIMER.at(103),
    KEXEC_LOAD.at(104),
    INIT_MODULE.at(105),
    DELETE_MODULE.at(106),
    TIMER_CREATE.at(107),
    TIMER_GETTIME.at(108),
    TIMER_GETOVERRUN.at(109),
    TIMER_SETTIME.at(110),
    TIMER_DELETE.at(111),
    CLOCK_SETTIME.at(112),
    CLOCK_GETTIME.at(113),
    CLOCK_GETRES.at(114),
    CLOCK_NANOSLEEP.at(115),
    SYSLOG.at(116),
    PTRACE.at(117),
    SCHED_SETPARAM.at(118),
    SCHED_SETSCHEDULER.at(119),
    SCHED_GETSCHEDULER.at(120),
    SCHED_GETPARAM.at(121),
    SCHED_SETAFFINITY.at(122),
    SCHED_GETAFFINITY.at(123),
    SCHED_YIELD.at(124),
    SCHED_GET_PRIORITY_MAX.at(125),
    SCHED_GET_PRIORITY_MIN.at(126),
    SCHED_RR_GET_INTERVAL.at(127),
    RESTART_SYSCALL.at(128),
    KILL.at(129),
    TKILL.at(130),
    TGKILL.at(131),
    SIGALTSTACK.at(132),
    RT_SIGSUSPEND.at(133),
    RT_SIGACTION.at(134),
    RT_SIGPROCMASK.at(135),
    RT_SIGPENDING.at(136),
    RT_SIGTIMEDWAIT.at(137),
    RT_SIGQUEUEINFO.at(138),
    RT_SIGRETURN.at(139),
    SETPRIORITY.at(140),
    GETPRIORITY.at(141),
    REBOOT.at(142),
    SETREGID.at(143),
    SETGID.at(144),
    SETREUID.at(145),
    SETUID.at(146),
    SETRESUID.at(147),
    GETRESUID.at(148),
    SETRESGID.at(149),
    GETRESGID.at(150),
    SETFSUID.at(151),
    SETFSGID.at(152),
    TIMES.at(153),
    SETPGID.at(154),
    GETPGID.at(155),
    GETSID.at(156),
    SETSID.at(157),
    GETGROUPS.at(158),
    SETGROUPS.at(159),
    UNAME.at(160),
    SETHOSTNAME.at(161),
    SETDOMAINNAME.at(162),
    GETRLIMIT.at(163),
    SETRLIMIT.at(164),
    GETRUSAGE.at(165),
    UMASK.at(166),
    PRCTL.at(167),
    GETCPU.at(168),
    GETTIMEOFDAY.at(169),
    SETTIMEOFDAY.at(170),
    ADJTIMEX.at(171),
    GETPID.at(172),
    GETPPID.at(173),
    GETUID.at(174),
    GETEUID.at(175),
    GETGID.at(176),
    GETEGID.at(177),
    GETTID.at(178),
    SYSINFO.at(179),
    MQ_OPEN.at(180),
    MQ_UNLINK.at(181),
    MQ_TIMEDSEND.at(182),
    MQ_TIMEDRECEIVE.at(183),
    MQ_NOTIFY.at(184),
    MQ_GETSETATTR.at(185),
    MSGGET.at(186),
    MSGCTL.at(187),
    MSGRCV.at(188),
    MSGSND.at(189),
    SEMGET.at(190),
    // struct semid64_ds is 88 bytes here, struct seminfo 40.
    emulate(
        "semctl",
        &[Out::IpcCtl {
            cmd: 2,
            ptr: 3,
            stat: 88,
            info: 40,
            sem_id: Some(0),
        }],
    )
    .at(191),
    SEMTIMEDOP.at(192),
    SEMOP.at(193),
    SHMGET.at(194),
    SHMCTL.at(195),
    SHMAT.at(196),
    SHMDT.at(197),
    SOCKET.at(198),
    SOCKETPAIR.at(199),
    BIND.at(200),
    LISTEN.at(201),
    ACCEPT.at(202),
    CONNECT.at(203),
    GETSOCKNAME.at(204),
    GETPEERNAME.at(205),
    SENDTO.at(206),
    RECVFROM.at(207),
    SETSOCKOPT.at(208),
    GETSOCKOPT.at(209),
    SHUTDOWN.at(210),
    SENDMSG.at(211),
    RECVMSG.at(212),
    READAHEAD.at(213),
    BRK.at(214),
    MUNMAP.at(215),
    MREMAP.at(216),
    ADD_KEY.at(217),
    REQUEST_KEY.at(218),
    KEYCTL.at(219),
    clone(CLONE_OUTS).at(220),
    EXECVE.at(221),
    MMAP.at(222),
    FADVISE64.at(223),
    SWAPON.at(224),
    SWAPOFF.at(225),
    MPROTECT.at(226),
    MSYNC.at(227),
    MLOCK.at(228),
    MUNLOCK.at(229),
    MLOCKALL.at(230),
    MUNLOCKALL.at(231),
    MINCORE.at(232),
    MADVISE.at(233),
    REMAP_FILE_PAGES.at(234),
    MBIND.at(235),
    GET_MEMPOLICY.at(236),
    SET_MEMPOLICY.at(237),
    MIGRATE_PAGES.at(238),
    MOVE_PAGES.at(239),
    RT_TGSIGQUEUEINFO.at(240),
    PERF_EVENT_OPEN.at(241),
    ACCEPT4.at(242),
    RECVMMSG.at(243),
    // 244..=259 are reserved for architecture-specific syscalls; aarch64
    // defines none.
    WAIT4.at(260),
    PRLIMIT64.at(261),
    FANOTIFY_INIT.at(262),
    FANOTIFY_MARK.at(263),
    NAME_TO_HANDLE_AT.at(264),
    OPEN_BY_HANDLE_AT.at(265),
    CLOCK_ADJTIME.at(266),
    SYNCFS.at(267),
    SETNS.at(268),
    SENDMMSG.at(269),
    PROCESS_VM_READV.at(270),
    PROCESS_VM_WRITEV.at(271),
    KCMP.at(272),
    FINIT_MODULE.at(273),
    SCHED_SETATTR.at(274),
    SCHED_GETATTR.at(275),
    RENAMEAT2.at(276),
    SECCOMP.at(277),
    GETRANDOM.at(278),
    MEMFD_CREATE.at(279),
    BPF.at(280),
    EXECVEAT.at(281),
    USERFAULTFD.at(282),
    MEMBARRIER.at(283),
    MLOCK2.at(284),
    COPY_FILE_RANGE.at(285),
    PREADV2.at(286),
    PWRITEV2.at(287),
    PKEY_MPROTECT.at(288),
    PKEY_ALLOC.at(289),
    PKEY_FREE.at(290),
    STATX.at(291),
    IO_PGETEVENTS.at(292),
    RSEQ.at(293),
    KEXEC_FILE_LOAD.at(294),
    // 295..=423 are not used by 64-bit processes (403..=423 are the 32-bit
    // time64 variants).
    PIDFD_SEND_SIGNAL.at(424),
    IO_URING_SETUP.at(425),
    IO_URING_ENTER.at(426),
    IO_URING_REGISTER.at(427),
    OPEN_TREE.at(428),
    MOVE_MOUNT.at(429),
    FSOPEN.at(430),
    FSCONFIG.at(431),
    FSMOUNT.at(432),
    FSPICK.at(433),
    PIDFD_OPEN.at(434),
    CLONE3.at(435),
    CLOSE_RANGE.at(436),
    OPENAT2.at(437),
    PIDFD_GETFD.at(438),
    FACCESSAT2.at(439),
    PROCESS_MADVISE.at(440),
    emulate("epoll_pwait2", EPOLL_WAIT_OUTS).at(441),
    MOUNT_SETATTR.at(442),
    QUOTACTL_FD.at(443),
    LANDLOCK_CREATE_RULESET.at(444),
    LANDLOCK_ADD_RULE.at(445),
    LANDLOCK_RESTRICT_SELF.at(446),
    MEMFD_SECRET.at(447),
    PROCESS_MRELEASE.at(448),
    FUTEX_WAITV.at(449),
    SET_MEMPOLICY_HOME_NODE.at(450),
    CACHESTAT.at(451),
    FCHMODAT2.at(452),
    MAP_SHADOW_STACK.at(453),
    FUTEX_WAKE.at(454),
    FUTEX_WAIT.at(455),
    FUTEX_REQUEUE.at(456),
    STATMOUNT.at(457),
    LISTMOUNT.at(458),
    LSM_GET_SELF_ATTR.at(459),
    LSM_SET_SELF_ATTR.at(460),
    LSM_LIST_MODULES.at(461),
    MSEAL.at(462),
    SETXATTRAT.at(463),
    GETXATTRAT.at(464),
    LISTXATTRAT.at(465),
    REMOVEXATTRAT.at(466),
    OPEN_TREE_ATTR.at(467),
    FILE_GETATTR.at(468),
    FILE_SETATTR.at(469),
    LISTNS.at(470),
];

/// The description of syscall `nr` (binary search in [`TABLE`]).
pub fn lookup(nr: u64) -> Option<&'static SyscallDesc> {
    let i = TABLE.binary_search_by_key(&nr, |d| d.nr).ok()?;
    TABLE.get(i)
}

/// The number of the syscall called `name` (a linear scan: for command
/// lines and tests, not for hot paths).
pub fn number(name: &str) -> Option<u64> {
    TABLE.iter().find(|d| d.name == name).map(|d| d.nr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::syscall::Action;
    use crate::arch::x86_64;

    fn desc(name: &str) -> &'static SyscallDesc {
        let nr = number(name).unwrap_or_else(|| panic!("{name} is not in the table"));
        lookup(nr).unwrap()
    }

    #[test]
    fn sorted_and_unique() {
        for w in TABLE.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} then {}", w[0].name, w[1].name);
        }
        let mut names: Vec<&str> = TABLE.iter().map(|d| d.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate names");
    }

    #[test]
    fn every_name_resolves() {
        for d in TABLE {
            assert_eq!(number(d.name), Some(d.nr), "{}", d.name);
            assert_eq!(lookup(d.nr).map(|x| x.name), Some(d.name));
        }
    }

    #[test]
    fn covers_every_number() {
        for nr in (0..=243).chain(260..=294).chain(424..=470) {
            assert!(lookup(nr).is_some(), "syscall {nr} missing");
        }
        for nr in (244..260).chain(295..424).chain(471..500) {
            assert!(lookup(nr).is_none(), "syscall {nr} should not exist");
        }
    }

    #[test]
    fn known_numbers() {
        for (name, nr) in [
            ("getcwd", 17),
            ("ioctl", 29),
            ("openat", 56),
            ("close", 57),
            ("read", 63),
            ("write", 64),
            ("newfstatat", 79),
            ("fstat", 80),
            ("exit", 93),
            ("exit_group", 94),
            ("futex", 98),
            ("rt_sigreturn", 139),
            ("uname", 160),
            ("prctl", 167),
            ("gettid", 178),
            ("brk", 214),
            ("munmap", 215),
            ("clone", 220),
            ("execve", 221),
            ("mmap", 222),
            ("mprotect", 226),
            ("wait4", 260),
            ("getrandom", 278),
            ("statx", 291),
            ("rseq", 293),
            ("clone3", 435),
            ("mseal", 462),
        ] {
            assert_eq!(number(name), Some(nr), "{name}");
        }
    }

    #[test]
    fn no_legacy_syscalls() {
        for name in [
            "open", "stat", "lstat", "poll", "select", "pipe", "dup2", "fork", "access",
        ] {
            assert_eq!(number(name), None, "{name}");
        }
    }

    #[test]
    fn outputs() {
        assert_eq!(desc("read").outs, &[Out::Result { ptr: 1 }]);
        assert_eq!(desc("pread64").outs, &[Out::Result { ptr: 1 }]);
        assert_eq!(desc("fstat").outs, &[Out::Fixed { ptr: 1, len: 128 }]);
        assert_eq!(desc("newfstatat").outs, &[Out::Fixed { ptr: 2, len: 128 }]);
        assert_eq!(desc("statx").outs, &[Out::Fixed { ptr: 4, len: 256 }]);
        assert_eq!(desc("recvmsg").outs, &[Out::MsgHdr { msg: 1 }]);
        assert_eq!(desc("readv").outs, &[Out::Iovec { iov: 1, cnt: 2 }]);
        assert_eq!(
            desc("getsockname").outs,
            &[Out::SockLen { ptr: 1, lenptr: 2 }]
        );
        assert_eq!(
            desc("epoll_pwait").outs,
            &[Out::ResultArray { ptr: 1, elem: 16 }]
        );
    }

    #[test]
    fn actions() {
        assert_eq!(desc("mmap").action, Action::Mmap);
        assert_eq!(desc("munmap").action, Action::Execute);
        assert_eq!(desc("rt_sigreturn").action, Action::SigReturn);
        assert_eq!(desc("exit_group").action, Action::Exit);
        assert_eq!(desc("openat").action, Action::Emulate);
        assert!(desc("clone").action == Action::Clone);
        for name in ["clone3", "rseq", "io_uring_setup"] {
            assert!(matches!(desc(name).action, Action::Refuse { .. }), "{name}");
        }
    }

    /// A syscall both architectures have is recorded the same way on both,
    /// except where a struct's size differs.
    #[test]
    fn same_shapes_as_x86_64() {
        let differ = [
            "fstat",
            "newfstatat",
            "epoll_pwait",
            "epoll_pwait2",
            "clone",
            "semctl",
        ];
        let mut shared = 0;
        for d in TABLE {
            let Some(x) = x86_64::syscalls::number(d.name).and_then(x86_64::syscalls::lookup)
            else {
                continue;
            };
            shared += 1;
            if differ.contains(&d.name) {
                assert_ne!(d.outs, x.outs, "{}", d.name);
            } else {
                assert_eq!(d.outs, x.outs, "{}", d.name);
                assert_eq!(d.action, x.action, "{}", d.name);
            }
        }
        assert!(shared > 250, "only {shared} shared syscalls");
    }
}
