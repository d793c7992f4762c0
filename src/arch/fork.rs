//! How a new process is created at record and at replay, as plain data.
//!
//! fork, vfork and clone without CLONE_THREAD make a new process. rewind
//! runs each as a plain fork: the child never shares memory with its parent
//! (CLONE_VM and CLONE_VFORK are taken out), so that the two can be run one
//! at a time and each one's memory is only written by itself and by the
//! syscalls recorded for it. At replay the child is also made without an
//! exit signal, so that its end never reaches the replayed parent (whose
//! wait4 and SIGCHLD come from the trace). What a vfork child writes into
//! the memory it would have shared with its parent is given to the parent
//! by the recorder (see [`suspends_parent`] and `record::processes`).

use super::syscall::Action;
use super::Arch;

/// clone flags (the same values on every architecture).
pub const CLONE_VM: u64 = 0x0000_0100;
pub const CLONE_FS: u64 = 0x0000_0200;
pub const CLONE_FILES: u64 = 0x0000_0400;
pub const CLONE_SIGHAND: u64 = 0x0000_0800;
/// A pidfd for the child is written at `parent_tid` (clone's third
/// argument), in the caller's memory.
pub const CLONE_PIDFD: u64 = 0x0000_1000;
pub const CLONE_VFORK: u64 = 0x0000_4000;
pub const CLONE_THREAD: u64 = 0x0001_0000;
pub const CLONE_SYSVSEM: u64 = 0x0004_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
/// The new task is not traced even when its parent is: taken out at
/// record and at replay, so that every task is recorded.
pub const CLONE_UNTRACED: u64 = 0x0080_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
/// The flags of a new thread of the same process, as the C library asks
/// for them (without the thread-id words and TLS).
pub const THREAD_FLAGS: u64 =
    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
/// The low byte of clone's flags: the signal the parent gets at the
/// child's end.
pub const CSIGNAL: u64 = 0xff;
/// clone's flags that put the new task in new namespaces: mount, cgroup,
/// UTS, IPC, user, pid, network. The recording makes them for real; the
/// replay makes none (what the program saw of them is in the trace).
pub const NAMESPACE_FLAGS: u64 = 0x0002_0000 // CLONE_NEWNS
    | 0x0200_0000 // CLONE_NEWCGROUP
    | 0x0400_0000 // CLONE_NEWUTS
    | 0x0800_0000 // CLONE_NEWIPC
    | 0x1000_0000 // CLONE_NEWUSER
    | 0x2000_0000 // CLONE_NEWPID
    | 0x4000_0000; // CLONE_NEWNET

/// What a syscall that creates a task makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewTask {
    Thread,
    Process,
}

/// Whether a syscall with this action and these arguments creates a task,
/// and which kind.
pub fn new_task(action: Action, args: &[u64; 6]) -> Option<NewTask> {
    match action {
        Action::Clone if args[0] & CLONE_THREAD != 0 => Some(NewTask::Thread),
        Action::Clone | Action::Fork => Some(NewTask::Process),
        _ => None,
    }
}

/// clone's arguments with CLONE_UNTRACED taken out (the tracer may change
/// them at the syscall's entry), so that the new task is traced like any
/// other: a helper cloned untraced (LeakSanitizer's) would otherwise run
/// outside the recording. None when the flag is not set.
pub fn traced_clone_args(args: &[u64; 6]) -> Option<[u64; 6]> {
    if args[0] & CLONE_UNTRACED == 0 {
        return None;
    }
    let mut a = *args;
    a[0] &= !CLONE_UNTRACED;
    Some(a)
}

/// clone's arguments for a thread as the replay runs it, None when they
/// are the program's own: traced (CLONE_UNTRACED out, as at record), and
/// with no pidfd (CLONE_PIDFD out: the recorded pidfd number is written
/// at parent_tid from the trace, and the syscalls that use it are
/// emulated, so no real descriptor is needed).
pub fn replay_thread_args(args: &[u64; 6]) -> Option<[u64; 6]> {
    if args[0] & (CLONE_UNTRACED | CLONE_PIDFD) == 0 {
        return None;
    }
    let mut a = *args;
    a[0] &= !(CLONE_UNTRACED | CLONE_PIDFD);
    Some(a)
}

/// Whether clone's flags make a process that shares its parent's memory
/// and runs alongside it (CLONE_VM without CLONE_THREAD or CLONE_VFORK,
/// as LeakSanitizer's helper does). rewind cannot record two processes
/// writing one memory, so such a clone is refused.
pub fn shares_memory_as_process(args: &[u64; 6]) -> bool {
    args[0] & CLONE_VM != 0 && args[0] & (CLONE_THREAD | CLONE_VFORK) == 0
}

/// The syscall (number and arguments) that creates a new process the way
/// rewind runs it, for a fork, vfork or clone of a process with `args`.
/// At replay (`replay` true) the child has no exit signal.
pub fn as_fork(arch: Arch, nr: u64, args: &[u64; 6], replay: bool) -> (u64, [u64; 6]) {
    let (clone_nr, fork_nr) = match arch {
        Arch::X86_64 => (56, Some(57)),
        // aarch64 has clone only.
        Arch::Aarch64 => (220, None),
    };
    let mut a = *args;
    if nr == clone_nr {
        a[0] &= !(CLONE_VM | CLONE_VFORK | CLONE_UNTRACED);
    } else {
        // fork or vfork: clone with SIGCHLD and nothing else.
        a = [libc::SIGCHLD as u64, 0, 0, 0, 0, 0];
    }
    if replay {
        // No pidfd either: the program's pidfd is the recorded number
        // (written at parent_tid from the trace), and the syscalls that
        // use it are emulated.
        a[0] &= !(CSIGNAL | CLONE_PIDFD);
        return (clone_nr, a);
    }
    match fork_nr {
        Some(f) if nr != clone_nr => (f, [0; 6]),
        _ => (clone_nr, a),
    }
}

/// Whether a syscall that makes a process (by its name and arguments)
/// suspends the parent until the child runs a new program or ends: vfork,
/// or clone with CLONE_VFORK (posix_spawn's).
pub fn suspends_parent(name: &str, args: &[u64; 6]) -> bool {
    name == "vfork" || (name == "clone" && args[0] & CLONE_VFORK != 0)
}

/// Where the kernel writes the new task's id in the *parent's* memory
/// (CLONE_PARENT_SETTID), if it does.
pub fn parent_tid_ptr(args: &[u64; 6]) -> Option<u64> {
    (args[0] & CLONE_PARENT_SETTID != 0 && args[2] != 0).then_some(args[2])
}

/// Where the kernel writes the new task's id in the *child's* memory
/// (CLONE_CHILD_SETTID), if it does: x86_64 passes that pointer before
/// tls, aarch64 after.
pub fn child_tid_ptr(arch: Arch, args: &[u64; 6]) -> Option<u64> {
    child_word(arch, args, CLONE_CHILD_SETTID)
}

/// The child's thread-id word that the kernel clears at the child's exit
/// (CLONE_CHILD_CLEARTID; the same pointer argument as
/// [`child_tid_ptr`]), if the flags ask for it.
pub fn clear_tid_ptr(arch: Arch, args: &[u64; 6]) -> Option<u64> {
    child_word(arch, args, CLONE_CHILD_CLEARTID)
}

/// clone's pointer into the child's memory, when `flag` is set.
fn child_word(arch: Arch, args: &[u64; 6], flag: u64) -> Option<u64> {
    let i = match arch {
        Arch::X86_64 => 3,
        Arch::Aarch64 => 4,
    };
    (args[0] & flag != 0 && args[i] != 0).then_some(args[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_and_processes_are_told_apart_by_clone_thread() {
        let thread = [0x3d0f00, 0, 0, 0, 0, 0];
        assert_eq!(new_task(Action::Clone, &thread), Some(NewTask::Thread));
        let fork = [0x1200011, 0, 0, 0, 0, 0];
        assert_eq!(new_task(Action::Clone, &fork), Some(NewTask::Process));
        assert_eq!(new_task(Action::Fork, &[0; 6]), Some(NewTask::Process));
        assert_eq!(new_task(Action::Emulate, &thread), None);
    }

    #[test]
    fn the_thread_id_word_cleared_at_exit_is_found_per_architecture() {
        // pthread_create's flags: CLONE_CHILD_CLEARTID among them.
        let args = [0x3d0f00, 0x10, 0x20, 0x30, 0x40, 0];
        assert_eq!(clear_tid_ptr(Arch::X86_64, &args), Some(0x30));
        assert_eq!(clear_tid_ptr(Arch::Aarch64, &args), Some(0x40));
        assert_eq!(
            clear_tid_ptr(Arch::X86_64, &[THREAD_FLAGS, 0, 0, 0x30, 0, 0]),
            None
        );
        assert_eq!(THREAD_FLAGS | CLONE_CHILD_CLEARTID, 0x250f00);
    }

    #[test]
    fn a_new_process_never_shares_memory() {
        // posix_spawn: CLONE_VM | CLONE_VFORK | SIGCHLD, its own stack.
        let args = [0x4111, 0x7000, 0, 0, 0, 0];
        let (nr, a) = as_fork(Arch::X86_64, 56, &args, false);
        assert_eq!((nr, a[0], a[1]), (56, 0x11, 0x7000));
        // At replay, no exit signal either.
        let (nr, a) = as_fork(Arch::X86_64, 56, &args, true);
        assert_eq!((nr, a[0]), (56, 0));
        // vfork runs as fork at record, as a signal-less clone at replay.
        assert_eq!(as_fork(Arch::X86_64, 58, &[0; 6], false), (57, [0; 6]));
        assert_eq!(as_fork(Arch::X86_64, 58, &[0; 6], true), (56, [0; 6]));
        assert_eq!(as_fork(Arch::X86_64, 57, &[0; 6], true), (56, [0; 6]));
        // aarch64 has clone only.
        let (nr, a) = as_fork(Arch::Aarch64, 220, &args, true);
        assert_eq!((nr, a[0]), (220, 0));
    }

    #[test]
    fn untraced_clones_are_made_traced() {
        // LeakSanitizer's helper: CLONE_VM | CLONE_FS | CLONE_FILES |
        // CLONE_UNTRACED, no exit signal.
        let lsan = [0x0080_0700, 0x7000, 0, 0, 0, 0];
        assert!(shares_memory_as_process(&lsan));
        assert_eq!(traced_clone_args(&lsan).map(|a| a[0]), Some(0x700));
        let thread = [THREAD_FLAGS | CLONE_UNTRACED, 0x7000, 0, 0, 0, 0];
        assert!(!shares_memory_as_process(&thread));
        assert_eq!(traced_clone_args(&thread).map(|a| a[0]), Some(THREAD_FLAGS));
        assert_eq!(traced_clone_args(&[THREAD_FLAGS, 0, 0, 0, 0, 0]), None);
        // posix_spawn shares memory only while the parent waits: a fork.
        assert!(!shares_memory_as_process(&[0x4111, 0, 0, 0, 0, 0]));
        // A pidfd is made at record only: the replay writes the recorded
        // number.
        let pidfd = [CLONE_PIDFD | 0x11, 0, 0x6000, 0, 0, 0];
        assert_eq!(
            as_fork(Arch::X86_64, 56, &pidfd, false).1[0],
            CLONE_PIDFD | 0x11
        );
        assert_eq!(as_fork(Arch::X86_64, 56, &pidfd, true).1[0], 0);
        let thread = [THREAD_FLAGS | CLONE_PIDFD | CLONE_UNTRACED, 0, 0, 0, 0, 0];
        assert_eq!(
            replay_thread_args(&thread).map(|a| a[0]),
            Some(THREAD_FLAGS)
        );
        assert_eq!(replay_thread_args(&[THREAD_FLAGS, 0, 0, 0, 0, 0]), None);
        // A process cloned untraced is forked traced.
        let (_, a) = as_fork(Arch::X86_64, 56, &[0x0080_0011, 0, 0, 0, 0, 0], false);
        assert_eq!(a[0], 0x11);
    }

    #[test]
    fn vfork_and_clone_vfork_suspend_the_parent() {
        assert!(suspends_parent("vfork", &[0; 6]));
        assert!(suspends_parent("clone", &[0x4111, 0x7000, 0, 0, 0, 0]));
        assert!(!suspends_parent("clone", &[0x1200011, 0, 0, 0, 0, 0]));
        assert!(!suspends_parent("fork", &[0; 6]));
    }

    #[test]
    fn tid_pointers_follow_the_flags() {
        // glibc's fork: CHILD_SETTID | CHILD_CLEARTID | SIGCHLD, &tid in
        // the fourth argument on x86_64.
        let args = [0x1200011, 0, 0, 0x7ff0, 0, 0];
        assert_eq!(parent_tid_ptr(&args), None);
        assert_eq!(child_tid_ptr(Arch::X86_64, &args), Some(0x7ff0));
        assert_eq!(child_tid_ptr(Arch::Aarch64, &args), None);
        let args = [0x100011, 0, 0x6000, 0, 0, 0];
        assert_eq!(parent_tid_ptr(&args), Some(0x6000));
    }
}
