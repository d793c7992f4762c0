//! The x86_64 syscall table: every syscall number Linux 6.x defines for
//! 64-bit processes (names as in the kernel's `syscall_64.tbl`), with what
//! the kernel writes for each and what the replayer does with it.
//!
//! Shapes shared with aarch64 come from [`crate::arch::cmds::shapes`]; this
//! file adds the x86_64-only syscalls and those whose structs have x86_64
//! sizes (struct stat is 144 bytes, struct epoll_event is packed to 12).

use crate::arch::cmds::shapes::*;
use crate::arch::syscall::{Out, SyscallDesc};

/// `struct stat` on x86_64.
pub const STAT: usize = 144;
/// `struct epoll_event` on x86_64 (packed: u32 events, u64 data).
pub const EPOLL_EVENT: usize = 12;
/// `struct user_desc` (set_thread_area / get_thread_area).
pub const USER_DESC: usize = 16;
/// `struct ustat`.
pub const USTAT: usize = 32;

const FSTAT_OUTS: &[Out] = &[Out::Fixed { ptr: 1, len: STAT }];
const EPOLL_WAIT_OUTS: &[Out] = &[Out::ResultArray {
    ptr: 1,
    elem: EPOLL_EVENT,
}];
/// select: three fd_sets of `nfds` bits and the remaining timeval.
const SELECT_OUTS: &[Out] = &[
    Out::FdSet { ptr: 1, nfds: 0 },
    Out::FdSet { ptr: 2, nfds: 0 },
    Out::FdSet { ptr: 3, nfds: 0 },
    Out::Fixed {
        ptr: 4,
        len: size::TIMEVAL,
    },
];

const WHY_LDT: &str = "modify_ldt is not supported: it changes segment descriptors that \
    native code uses";
const WHY_IO_PORTS: &str = "I/O port privileges are not supported: they change which \
    instructions native code may execute";
const WHY_USELIB: &str = "uselib is not supported: it maps a library into the process";
const WHY_SYSFS: &str = "sysfs is not supported: one of its options copies a file system \
    name of unknown length";
const WHY_UPROBE: &str = "only the kernel's uprobe trampolines may call this; other callers \
    receive SIGILL";

/// clone(flags, stack, parent_tid, child_tid, tls): the int at
/// `parent_tid` in the caller (CLONE_PARENT_SETTID, CLONE_PIDFD), and the
/// new task's id at `child_tid` in the new task (CLONE_CHILD_SETTID;
/// x86_64 passes that pointer before tls).
const CLONE_OUTS: &[Out] = &[
    CLONE_PARENT_OUT,
    Out::ChildIfFlag {
        flags: 0,
        mask: crate::arch::fork::CLONE_CHILD_SETTID,
        ptr: 3,
        len: 4,
    },
];

/// Every x86_64 syscall, sorted by number.
pub static TABLE: &[SyscallDesc] = &[
    READ.at(0),
    WRITE.at(1),
    emulate("open", NONE).at(2),
    CLOSE.at(3),
    emulate("stat", FSTAT_OUTS).at(4),
    emulate("fstat", FSTAT_OUTS).at(5),
    emulate("lstat", FSTAT_OUTS).at(6),
    emulate(
        "poll",
        &[Out::Array {
            ptr: 0,
            count: 1,
            elem: size::POLLFD,
        }],
    )
    .at(7),
    LSEEK.at(8),
    MMAP.at(9),
    MPROTECT.at(10),
    MUNMAP.at(11),
    BRK.at(12),
    RT_SIGACTION.at(13),
    RT_SIGPROCMASK.at(14),
    RT_SIGRETURN.at(15),
    IOCTL.at(16),
    PREAD64.at(17),
    PWRITE64.at(18),
    READV.at(19),
    WRITEV.at(20),
    emulate("access", NONE).at(21),
    emulate("pipe", &[Out::Fixed { ptr: 0, len: 8 }]).at(22),
    emulate("select", SELECT_OUTS).at(23),
    SCHED_YIELD.at(24),
    MREMAP.at(25),
    MSYNC.at(26),
    MINCORE.at(27),
    MADVISE.at(28),
    SHMGET.at(29),
    SHMAT.at(30),
    SHMCTL.at(31),
    DUP.at(32),
    emulate("dup2", NONE).at(33),
    emulate("pause", NONE).at(34),
    NANOSLEEP.at(35),
    GETITIMER.at(36),
    emulate("alarm", NONE).at(37),
    SETITIMER.at(38),
    GETPID.at(39),
    SENDFILE.at(40),
    SOCKET.at(41),
    CONNECT.at(42),
    ACCEPT.at(43),
    SENDTO.at(44),
    RECVFROM.at(45),
    SENDMSG.at(46),
    RECVMSG.at(47),
    SHUTDOWN.at(48),
    BIND.at(49),
    LISTEN.at(50),
    GETSOCKNAME.at(51),
    GETPEERNAME.at(52),
    SOCKETPAIR.at(53),
    SETSOCKOPT.at(54),
    GETSOCKOPT.at(55),
    clone(CLONE_OUTS).at(56),
    FORK.at(57),
    VFORK.at(58),
    EXECVE.at(59),
    EXIT.at(60),
    WAIT4.at(61),
    KILL.at(62),
    UNAME.at(63),
    SEMGET.at(64),
    SEMOP.at(65),
    // struct semid64_ds is 104 bytes here (x86_64 keeps unused words
    // after each time), struct seminfo 40.
    emulate(
        "semctl",
        &[Out::IpcCtl {
            cmd: 2,
            ptr: 3,
            stat: 104,
            info: 40,
            sem_id: Some(0),
        }],
    )
    .at(66),
    SHMDT.at(67),
    MSGGET.at(68),
    MSGSND.at(69),
    MSGRCV.at(70),
    MSGCTL.at(71),
    FCNTL.at(72),
    FLOCK.at(73),
    FSYNC.at(74),
    FDATASYNC.at(75),
    TRUNCATE.at(76),
    FTRUNCATE.at(77),
    emulate("getdents", &[Out::Result { ptr: 1 }]).at(78),
    GETCWD.at(79),
    CHDIR.at(80),
    FCHDIR.at(81),
    emulate("rename", NONE).at(82),
    emulate("mkdir", NONE).at(83),
    emulate("rmdir", NONE).at(84),
    emulate("creat", NONE).at(85),
    emulate("link", NONE).at(86),
    emulate("unlink", NONE).at(87),
    emulate("symlink", NONE).at(88),
    emulate("readlink", &[Out::Result { ptr: 1 }]).at(89),
    emulate("chmod", NONE).at(90),
    FCHMOD.at(91),
    emulate("chown", NONE).at(92),
    FCHOWN.at(93),
    emulate("lchown", NONE).at(94),
    UMASK.at(95),
    GETTIMEOFDAY.at(96),
    GETRLIMIT.at(97),
    GETRUSAGE.at(98),
    SYSINFO.at(99),
    TIMES.at(100),
    PTRACE.at(101),
    GETUID.at(102),
    SYSLOG.at(103),
    GETGID.at(104),
    SETUID.at(105),
    SETGID.at(106),
    GETEUID.at(107),
    GETEGID.at(108),
    SETPGID.at(109),
    GETPPID.at(110),
    emulate("getpgrp", NONE).at(111),
    SETSID.at(112),
    SETREUID.at(113),
    SETREGID.at(114),
    GETGROUPS.at(115),
    SETGROUPS.at(116),
    SETRESUID.at(117),
    GETRESUID.at(118),
    SETRESGID.at(119),
    GETRESGID.at(120),
    GETPGID.at(121),
    SETFSUID.at(122),
    SETFSGID.at(123),
    GETSID.at(124),
    CAPGET.at(125),
    CAPSET.at(126),
    RT_SIGPENDING.at(127),
    RT_SIGTIMEDWAIT.at(128),
    RT_SIGQUEUEINFO.at(129),
    RT_SIGSUSPEND.at(130),
    SIGALTSTACK.at(131),
    emulate("utime", NONE).at(132),
    emulate("mknod", NONE).at(133),
    refuse("uselib", WHY_USELIB).at(134),
    PERSONALITY.at(135),
    emulate("ustat", &[Out::Fixed { ptr: 1, len: USTAT }]).at(136),
    STATFS.at(137),
    FSTATFS.at(138),
    refuse("sysfs", WHY_SYSFS).at(139),
    GETPRIORITY.at(140),
    SETPRIORITY.at(141),
    SCHED_SETPARAM.at(142),
    SCHED_GETPARAM.at(143),
    SCHED_SETSCHEDULER.at(144),
    SCHED_GETSCHEDULER.at(145),
    SCHED_GET_PRIORITY_MAX.at(146),
    SCHED_GET_PRIORITY_MIN.at(147),
    SCHED_RR_GET_INTERVAL.at(148),
    MLOCK.at(149),
    MUNLOCK.at(150),
    MLOCKALL.at(151),
    MUNLOCKALL.at(152),
    VHANGUP.at(153),
    refuse("modify_ldt", WHY_LDT).at(154),
    PIVOT_ROOT.at(155),
    obsolete("_sysctl").at(156),
    PRCTL.at(157),
    // ARCH_SET_FS/GS change registers native code uses. The ARCH_GET_*
    // codes write at argument 1 (see `arch_prctl_out_len`); being executed
    // at replay, they write the same values again.
    execute("arch_prctl", NONE).at(158),
    ADJTIMEX.at(159),
    SETRLIMIT.at(160),
    CHROOT.at(161),
    SYNC.at(162),
    ACCT.at(163),
    SETTIMEOFDAY.at(164),
    MOUNT.at(165),
    UMOUNT2.at(166),
    SWAPON.at(167),
    SWAPOFF.at(168),
    REBOOT.at(169),
    SETHOSTNAME.at(170),
    SETDOMAINNAME.at(171),
    refuse("iopl", WHY_IO_PORTS).at(172),
    refuse("ioperm", WHY_IO_PORTS).at(173),
    obsolete("create_module").at(174),
    INIT_MODULE.at(175),
    DELETE_MODULE.at(176),
    obsolete("get_kernel_syms").at(177),
    obsolete("query_module").at(178),
    QUOTACTL.at(179),
    NFSSERVCTL.at(180),
    obsolete("getpmsg").at(181),
    obsolete("putpmsg").at(182),
    obsolete("afs_syscall").at(183),
    obsolete("tuxcall").at(184),
    obsolete("security").at(185),
    GETTID.at(186),
    READAHEAD.at(187),
    SETXATTR.at(188),
    LSETXATTR.at(189),
    FSETXATTR.at(190),
    GETXATTR.at(191),
    LGETXATTR.at(192),
    FGETXATTR.at(193),
    LISTXATTR.at(194),
    LLISTXATTR.at(195),
    FLISTXATTR.at(196),
    REMOVEXATTR.at(197),
    LREMOVEXATTR.at(198),
    FREMOVEXATTR.at(199),
    TKILL.at(200),
    emulate("time", &[Out::Fixed { ptr: 0, len: 8 }]).at(201),
    FUTEX.at(202),
    SCHED_SETAFFINITY.at(203),
    SCHED_GETAFFINITY.at(204),
    // Installs a GDT TLS entry and writes the chosen entry number back.
    execute(
        "set_thread_area",
        &[Out::Fixed {
            ptr: 0,
            len: USER_DESC,
        }],
    )
    .at(205),
    IO_SETUP.at(206),
    IO_DESTROY.at(207),
    IO_GETEVENTS.at(208),
    IO_SUBMIT.at(209),
    IO_CANCEL.at(210),
    emulate(
        "get_thread_area",
        &[Out::Fixed {
            ptr: 0,
            len: USER_DESC,
        }],
    )
    .at(211),
    LOOKUP_DCOOKIE.at(212),
    emulate("epoll_create", NONE).at(213),
    obsolete("epoll_ctl_old").at(214),
    obsolete("epoll_wait_old").at(215),
    REMAP_FILE_PAGES.at(216),
    GETDENTS64.at(217),
    SET_TID_ADDRESS.at(218),
    RESTART_SYSCALL.at(219),
    SEMTIMEDOP.at(220),
    FADVISE64.at(221),
    TIMER_CREATE.at(222),
    TIMER_SETTIME.at(223),
    TIMER_GETTIME.at(224),
    TIMER_GETOVERRUN.at(225),
    TIMER_DELETE.at(226),
    CLOCK_SETTIME.at(227),
    CLOCK_GETTIME.at(228),
    CLOCK_GETRES.at(229),
    CLOCK_NANOSLEEP.at(230),
    EXIT_GROUP.at(231),
    emulate("epoll_wait", EPOLL_WAIT_OUTS).at(232),
    EPOLL_CTL.at(233),
    TGKILL.at(234),
    emulate("utimes", NONE).at(235),
    obsolete("vserver").at(236),
    MBIND.at(237),
    SET_MEMPOLICY.at(238),
    GET_MEMPOLICY.at(239),
    MQ_OPEN.at(240),
    MQ_UNLINK.at(241),
    MQ_TIMEDSEND.at(242),
    MQ_TIMEDRECEIVE.at(243),
    MQ_NOTIFY.at(244),
    MQ_GETSETATTR.at(245),
    KEXEC_LOAD.at(246),
    WAITID.at(247),
    ADD_KEY.at(248),
    REQUEST_KEY.at(249),
    KEYCTL.at(250),
    IOPRIO_SET.at(251),
    IOPRIO_GET.at(252),
    emulate("inotify_init", NONE).at(253),
    INOTIFY_ADD_WATCH.at(254),
    INOTIFY_RM_WATCH.at(255),
    MIGRATE_PAGES.at(256),
    OPENAT.at(257),
    MKDIRAT.at(258),
    MKNODAT.at(259),
    FCHOWNAT.at(260),
    emulate("futimesat", NONE).at(261),
    emulate("newfstatat", &[Out::Fixed { ptr: 2, len: STAT }]).at(262),
    UNLINKAT.at(263),
    RENAMEAT.at(264),
    LINKAT.at(265),
    SYMLINKAT.at(266),
    READLINKAT.at(267),
    FCHMODAT.at(268),
    FACCESSAT.at(269),
    PSELECT6.at(270),
    PPOLL.at(271),
    UNSHARE.at(272),
    SET_ROBUST_LIST.at(273),
    GET_ROBUST_LIST.at(274),
    SPLICE.at(275),
    TEE.at(276),
    SYNC_FILE_RANGE.at(277),
    VMSPLICE.at(278),
    MOVE_PAGES.at(279),
    UTIMENSAT.at(280),
    emulate("epoll_pwait", EPOLL_WAIT_OUTS).at(281),
    emulate("signalfd", NONE).at(282),
    TIMERFD_CREATE.at(283),
    emulate("eventfd", NONE).at(284),
    FALLOCATE.at(285),
    TIMERFD_SETTIME.at(286),
    TIMERFD_GETTIME.at(287),
    ACCEPT4.at(288),
    SIGNALFD4.at(289),
    EVENTFD2.at(290),
    EPOLL_CREATE1.at(291),
    DUP3.at(292),
    PIPE2.at(293),
    INOTIFY_INIT1.at(294),
    PREADV.at(295),
    PWRITEV.at(296),
    RT_TGSIGQUEUEINFO.at(297),
    PERF_EVENT_OPEN.at(298),
    RECVMMSG.at(299),
    FANOTIFY_INIT.at(300),
    FANOTIFY_MARK.at(301),
    PRLIMIT64.at(302),
    NAME_TO_HANDLE_AT.at(303),
    OPEN_BY_HANDLE_AT.at(304),
    CLOCK_ADJTIME.at(305),
    SYNCFS.at(306),
    SENDMMSG.at(307),
    SETNS.at(308),
    GETCPU.at(309),
    PROCESS_VM_READV.at(310),
    PROCESS_VM_WRITEV.at(311),
    KCMP.at(312),
    FINIT_MODULE.at(313),
    SCHED_SETATTR.at(314),
    SCHED_GETATTR.at(315),
    RENAMEAT2.at(316),
    SECCOMP.at(317),
    GETRANDOM.at(318),
    MEMFD_CREATE.at(319),
    KEXEC_FILE_LOAD.at(320),
    BPF.at(321),
    EXECVEAT.at(322),
    USERFAULTFD.at(323),
    MEMBARRIER.at(324),
    MLOCK2.at(325),
    COPY_FILE_RANGE.at(326),
    PREADV2.at(327),
    PWRITEV2.at(328),
    PKEY_MPROTECT.at(329),
    PKEY_ALLOC.at(330),
    PKEY_FREE.at(331),
    STATX.at(332),
    IO_PGETEVENTS.at(333),
    RSEQ.at(334),
    refuse("uretprobe", WHY_UPROBE).at(335),
    refuse("uprobe", WHY_UPROBE).at(336),
    // 337..=423 are not used on x86_64.
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

/// arch_prctl codes (x86_64 `ARCH_*`).
pub mod arch_prctl {
    pub const SET_GS: u64 = 0x1001;
    pub const SET_FS: u64 = 0x1002;
    pub const GET_FS: u64 = 0x1003;
    pub const GET_GS: u64 = 0x1004;
    pub const GET_CPUID: u64 = 0x1011;
    pub const SET_CPUID: u64 = 0x1012;
    pub const GET_XCOMP_SUPP: u64 = 0x1021;
    pub const GET_XCOMP_PERM: u64 = 0x1022;
    pub const REQ_XCOMP_PERM: u64 = 0x1023;
    pub const GET_XCOMP_GUEST_PERM: u64 = 0x1024;
    pub const REQ_XCOMP_GUEST_PERM: u64 = 0x1025;
    pub const SHSTK_ENABLE: u64 = 0x5001;
    pub const SHSTK_DISABLE: u64 = 0x5002;
    pub const SHSTK_LOCK: u64 = 0x5003;
    pub const SHSTK_UNLOCK: u64 = 0x5004;
    pub const SHSTK_STATUS: u64 = 0x5005;
}

/// Bytes arch_prctl writes at the pointer in argument 1 for `code`, or
/// `None` when it writes no memory. arch_prctl is executed at replay, so
/// these writes happen again there; the recorder may still record them to
/// check the replay.
pub fn arch_prctl_out_len(code: u64) -> Option<usize> {
    match code {
        arch_prctl::GET_FS
        | arch_prctl::GET_GS
        | arch_prctl::GET_XCOMP_SUPP
        | arch_prctl::GET_XCOMP_PERM
        | arch_prctl::GET_XCOMP_GUEST_PERM
        | arch_prctl::SHSTK_STATUS => Some(8),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::syscall::Action;

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
        // 0..=336 and 424.. are defined; 337..=423 are not used on x86_64.
        for nr in (0..=336).chain(424..=470) {
            assert!(lookup(nr).is_some(), "syscall {nr} missing");
        }
        for nr in 337..424 {
            assert!(lookup(nr).is_none(), "syscall {nr} should not exist");
        }
        assert!(lookup(471).is_none());
        assert!(lookup(u64::MAX).is_none());
    }

    #[test]
    fn known_numbers() {
        for (name, nr) in [
            ("read", 0),
            ("write", 1),
            ("open", 2),
            ("mmap", 9),
            ("rt_sigreturn", 15),
            ("ioctl", 16),
            ("clone", 56),
            ("execve", 59),
            ("exit", 60),
            ("arch_prctl", 158),
            ("gettid", 186),
            ("futex", 202),
            ("exit_group", 231),
            ("openat", 257),
            ("newfstatat", 262),
            ("getrandom", 318),
            ("statx", 332),
            ("rseq", 334),
            ("pidfd_send_signal", 424),
            ("io_uring_setup", 425),
            ("clone3", 435),
            ("epoll_pwait2", 441),
            ("mseal", 462),
        ] {
            assert_eq!(number(name), Some(nr), "{name}");
        }
    }

    #[test]
    fn outputs() {
        assert_eq!(desc("read").outs, &[Out::Result { ptr: 1 }]);
        assert_eq!(desc("pread64").outs, &[Out::Result { ptr: 1 }]);
        assert!(desc("write").outs.is_empty());
        assert_eq!(desc("fstat").outs, &[Out::Fixed { ptr: 1, len: 144 }]);
        assert_eq!(desc("newfstatat").outs, &[Out::Fixed { ptr: 2, len: 144 }]);
        assert_eq!(desc("statx").outs, &[Out::Fixed { ptr: 4, len: 256 }]);
        assert_eq!(desc("recvmsg").outs, &[Out::MsgHdr { msg: 1 }]);
        assert_eq!(desc("readv").outs, &[Out::Iovec { iov: 1, cnt: 2 }]);
        assert_eq!(
            desc("getsockname").outs,
            &[Out::SockLen { ptr: 1, lenptr: 2 }]
        );
        assert_eq!(
            desc("epoll_wait").outs,
            &[Out::ResultArray { ptr: 1, elem: 12 }]
        );
        assert_eq!(desc("pipe2").outs, &[Out::Fixed { ptr: 0, len: 8 }]);
        assert_eq!(
            desc("clock_gettime").outs,
            &[Out::Fixed { ptr: 1, len: 16 }]
        );
        assert_eq!(desc("uname").outs, &[Out::Fixed { ptr: 0, len: 390 }]);
        assert_eq!(desc("rt_sigaction").outs, &[Out::Fixed { ptr: 2, len: 32 }]);
        assert_eq!(
            desc("rt_sigprocmask").outs,
            &[Out::ArgLen { ptr: 2, len: 3 }]
        );
        assert_eq!(desc("sched_getaffinity").outs, &[Out::Result { ptr: 2 }]);
        assert_eq!(desc("getresuid").outs.len(), 3);
    }

    #[test]
    fn actions() {
        for name in [
            "munmap",
            "mprotect",
            "madvise",
            "rt_sigaction",
            "rt_sigprocmask",
        ] {
            assert_eq!(desc(name).action, Action::Execute, "{name}");
        }
        for name in [
            "sigaltstack",
            "arch_prctl",
            "set_tid_address",
            "set_robust_list",
        ] {
            assert_eq!(desc(name).action, Action::Execute, "{name}");
        }
        assert_eq!(desc("mmap").action, Action::Mmap);
        assert_eq!(desc("mremap").action, Action::Mremap);
        assert_eq!(desc("brk").action, Action::Brk);
        assert_eq!(desc("ioctl").action, Action::Ioctl);
        assert_eq!(desc("fcntl").action, Action::Fcntl);
        assert_eq!(desc("prctl").action, Action::Prctl);
        assert_eq!(desc("exit").action, Action::Exit);
        assert_eq!(desc("exit_group").action, Action::Exit);
        assert_eq!(desc("rt_sigreturn").action, Action::SigReturn);
        for name in [
            "read",
            "openat",
            "getrandom",
            "futex",
            "kill",
            "clock_nanosleep",
        ] {
            assert_eq!(desc(name).action, Action::Emulate, "{name}");
        }
        assert!(desc("clone").action == Action::Clone);
        assert_eq!(desc("fork").action, Action::Fork);
        assert_eq!(desc("vfork").action, Action::Fork);
        assert_eq!(desc("execveat").action, Action::Exec);
        assert_eq!(desc("shmat").action, Action::Shmat);
        assert_eq!(desc("shmdt").action, Action::Shmdt);
        assert_eq!(desc("shmget").action, Action::Emulate);
        for name in [
            "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semctl",
        ] {
            assert_eq!(desc(name).action, Action::Emulate, "{name}");
        }
        assert_eq!(desc("process_vm_readv").action, Action::Emulate);
        assert_eq!(desc("process_vm_writev").action, Action::Emulate);
        for name in [
            "clone3",
            "rseq",
            "ptrace",
            "io_uring_setup",
            "io_uring_enter",
            "io_uring_register",
            "perf_event_open",
            "bpf",
            "userfaultfd",
        ] {
            assert!(
                matches!(desc(name).action, Action::Refuse { .. }),
                "{name} should be refused"
            );
        }
    }

    #[test]
    fn arch_prctl_outputs() {
        assert_eq!(arch_prctl_out_len(arch_prctl::GET_FS), Some(8));
        assert_eq!(arch_prctl_out_len(arch_prctl::SET_FS), None);
        assert_eq!(arch_prctl_out_len(arch_prctl::GET_CPUID), None);
    }
}
