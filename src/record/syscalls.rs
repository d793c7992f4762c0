//! Which memory a syscall wrote, computed from its description in `arch/`.

use crate::arch::syscall::{ipc_ctl_len, Action, Out, SyscallDesc};
use crate::arch::{cmds, ioctl, Arch};
use crate::trace::MemWrite;
use crate::tracee::{sys, Task};

/// Values read at syscall entry that the outputs' sizes depend on (the
/// capacities of in/out length arguments, which the kernel overwrites).
#[derive(Default, Clone, Debug)]
pub struct EntrySnapshot {
    /// For each `Out::SockLen`, the capacity read at entry.
    pub socklens: Vec<u32>,
    /// For `Out::MsgHdr`, the msghdr as it was at entry (56 bytes).
    pub msghdr: Option<Vec<u8>>,
    /// For `Out::MmsgHdr`, the vector of mmsghdr as it was at entry (64
    /// bytes each, at most [`MAX_MMSG`] of them).
    pub mmsghdrs: Option<Vec<u8>>,
    /// For a write-like syscall: where its output goes and its bytes.
    pub output: Option<super::output::Pending>,
}

const MSGHDR_LEN: usize = 56;
/// `struct mmsghdr`: a msghdr, the u32 `msg_len`, padding.
const MMSGHDR_LEN: usize = 64;
/// The most messages recvmmsg takes in one call (UIO_MAXIOV).
const MAX_MMSG: u64 = 1024;
/// Outputs larger than this are taken as a recording bug, not recorded.
const MAX_OUT: usize = 1 << 30;

/// Read what must be known at entry for `desc`.
pub fn snapshot_entry(task: &Task, desc: &SyscallDesc, args: &[u64; 6]) -> EntrySnapshot {
    let mut s = EntrySnapshot::default();
    for out in desc.outs {
        match *out {
            Out::SockLen { lenptr, .. } => {
                let p = args[lenptr as usize];
                s.socklens.push(if p == 0 {
                    0
                } else {
                    task.read_u32(p).unwrap_or(0)
                });
            }
            Out::MsgHdr { msg } => {
                let p = args[msg as usize];
                if p != 0 {
                    s.msghdr = task.read_mem_exact(p, MSGHDR_LEN).ok();
                }
            }
            Out::MmsgHdr { vec, vlen } => {
                let p = args[vec as usize];
                let n = args[vlen as usize].min(MAX_MMSG) as usize;
                if p != 0 && n > 0 {
                    s.mmsghdrs = task.read_mem_exact(p, n * MMSGHDR_LEN).ok();
                }
            }
            _ => {}
        }
    }
    s
}

/// The ranges (address, length) the kernel may have written.
pub fn out_ranges(
    arch: Arch,
    task: &Task,
    desc: &SyscallDesc,
    args: &[u64; 6],
    result: i64,
    snap: &EntrySnapshot,
    warn_ioctl: &mut dyn FnMut(String),
) -> Vec<(u64, usize)> {
    let mut v = Vec::new();
    let ok = result >= 0;
    let res = if ok { result as usize } else { 0 };
    let mut socklen_i = 0;
    for out in desc.outs {
        match *out {
            Out::Fixed { ptr, len } => v.push((args[ptr as usize], len)),
            Out::Result { ptr } => v.push((args[ptr as usize], res)),
            Out::ArgLen { ptr, len } => v.push((args[ptr as usize], args[len as usize] as usize)),
            Out::ResultPlus { ptr, cap, extra } => {
                if ok {
                    let len = res.min(args[cap as usize] as usize).saturating_add(extra);
                    v.push((args[ptr as usize], len));
                }
            }
            Out::IpcCtl {
                cmd,
                ptr,
                stat,
                info,
                sem_id,
            } => {
                if ok {
                    let nsems = || sem_id.and_then(|a| sys::sem_count(args[a as usize] as i32));
                    let len = ipc_ctl_len(sem_id.is_some(), args[cmd as usize], stat, info, nsems);
                    v.push((args[ptr as usize], len));
                }
            }
            Out::Array { ptr, count, elem } => v.push((
                args[ptr as usize],
                (args[count as usize] as usize).saturating_mul(elem),
            )),
            Out::ResultArray { ptr, elem } => {
                v.push((args[ptr as usize], res.saturating_mul(elem)))
            }
            Out::SockLen { ptr, lenptr } => {
                let cap = snap.socklens.get(socklen_i).copied().unwrap_or(0);
                socklen_i += 1;
                if ok {
                    let lp = args[lenptr as usize];
                    v.push((lp, 4));
                    let now = if lp == 0 {
                        0
                    } else {
                        task.read_u32(lp).unwrap_or(0)
                    };
                    v.push((args[ptr as usize], cap.min(now) as usize));
                }
            }
            Out::Iovec { iov, cnt } => {
                if ok {
                    iovec_ranges(task, args[iov as usize], args[cnt as usize], res, &mut v);
                }
            }
            Out::MsgHdr { msg } => {
                let at = args[msg as usize];
                if let (true, Some(before)) = (ok, &snap.msghdr) {
                    if let Ok(after) = task.read_mem_exact(at, MSGHDR_LEN) {
                        // The header itself: msg_namelen, msg_controllen,
                        // msg_flags change.
                        v.push((at, MSGHDR_LEN));
                        msghdr_ranges(task, before, &after, res, &mut v);
                    }
                }
            }
            Out::MmsgHdr { vec, .. } => {
                if let (true, Some(before)) = (ok, &snap.mmsghdrs) {
                    mmsghdr_ranges(task, args[vec as usize], before, res, &mut v);
                }
            }
            Out::IfFlag {
                flags,
                mask,
                ptr,
                len,
            } => {
                if ok && args[flags as usize] & mask != 0 {
                    v.push((args[ptr as usize], len));
                }
            }
            // Written in the new task: see `child_out_ranges`.
            Out::ChildIfFlag { .. } => {}
            Out::FdSet { ptr, nfds } => {
                let n = args[nfds as usize] as usize;
                v.push((args[ptr as usize], n.div_ceil(64) * 8));
            }
        }
    }
    match desc.action {
        Action::Ioctl => {
            let req = args[1];
            if let ioctl::IoctlKind::Unknown { .. } = ioctl::decode(arch, req) {
                warn_ioctl(ioctl::name(arch, req));
            }
            if ok {
                if let Some(len) = ioctl::out_len(arch, req) {
                    v.push((args[2], len));
                }
            }
        }
        Action::Fcntl if ok => {
            if let Some(len) = cmds::fcntl_out_len(args[1]) {
                v.push((args[2], len));
            }
        }
        Action::Prctl if ok => v.extend(cmds::prctl_outs(args[0], *args)),
        _ => {}
    }
    if desc.name == "futex" {
        v.extend(cmds::futex_outs(*args));
    }
    v.retain(|&(a, l)| a != 0 && l > 0 && l <= MAX_OUT);
    v
}

fn iovec_ranges(task: &Task, iov: u64, cnt: u64, mut left: usize, v: &mut Vec<(u64, usize)>) {
    for i in 0..cnt.min(1024) {
        if left == 0 {
            break;
        }
        let Ok(base) = task.read_u64(iov + i * 16) else {
            break;
        };
        let Ok(len) = task.read_u64(iov + i * 16 + 8) else {
            break;
        };
        let n = (len as usize).min(left);
        v.push((base, n));
        left -= n;
    }
}

/// What the kernel wrote for one received message, given its msghdr
/// before (its capacities) and after the call: the name, the iovecs up to
/// `res` bytes, the control data. The header itself is the caller's to
/// add.
fn msghdr_ranges(task: &Task, before: &[u8], after: &[u8], res: usize, v: &mut Vec<(u64, usize)>) {
    let word = |b: &[u8], off: usize| {
        let mut w = [0u8; 8];
        if let Some(s) = b.get(off..off + 8) {
            w.copy_from_slice(s);
        }
        u64::from_le_bytes(w)
    };
    let name = word(before, 0);
    let name_cap = word(before, 8) & 0xffff_ffff;
    let name_now = word(after, 8) & 0xffff_ffff;
    v.push((name, name_cap.min(name_now) as usize));
    iovec_ranges(task, word(before, 16), word(before, 24), res, v);
    let control = word(before, 32);
    let control_cap = word(before, 40);
    let control_now = word(after, 40);
    v.push((control, control_cap.min(control_now) as usize));
}

/// What recvmmsg wrote into its first `count` messages (`before`: the
/// vector as it was at entry): each whole mmsghdr (the kernel updates
/// its lengths, flags and `msg_len`) and what its msghdr points to, the
/// iovecs up to that message's `msg_len`.
fn mmsghdr_ranges(task: &Task, vec: u64, before: &[u8], count: usize, v: &mut Vec<(u64, usize)>) {
    for i in 0..count.min(before.len() / MMSGHDR_LEN) {
        let at = vec + (i * MMSGHDR_LEN) as u64;
        let Ok(after) = task.read_mem_exact(at, MMSGHDR_LEN) else {
            break;
        };
        v.push((at, MMSGHDR_LEN));
        let mut len = [0u8; 4];
        len.copy_from_slice(&after[MSGHDR_LEN..MSGHDR_LEN + 4]);
        let received = u32::from_le_bytes(len) as usize;
        let old = &before[i * MMSGHDR_LEN..i * MMSGHDR_LEN + MSGHDR_LEN];
        msghdr_ranges(task, old, &after[..MSGHDR_LEN], received, v);
    }
}

/// The ranges (address, length) the kernel wrote in the memory of the
/// task a successful clone made (`ChildIfFlag` outputs): read from the
/// new task, or from the caller when they share memory (a thread).
pub fn child_out_ranges(desc: &SyscallDesc, args: &[u64; 6]) -> Vec<(u64, usize)> {
    desc.outs
        .iter()
        .filter_map(|out| match *out {
            Out::ChildIfFlag {
                flags,
                mask,
                ptr,
                len,
            } if args[flags as usize] & mask != 0 && args[ptr as usize] != 0 => {
                Some((args[ptr as usize], len))
            }
            _ => None,
        })
        .collect()
}

/// Read the ranges from the task's memory. A range that runs into an
/// unmapped page is cut there: a write never crosses into memory the
/// kernel could not have written.
pub fn read_ranges(task: &Task, ranges: &[(u64, usize)]) -> Vec<MemWrite> {
    ranges
        .iter()
        .filter_map(|&(addr, len)| {
            let data = task.read_mem(addr, len);
            if data.is_empty() {
                None
            } else {
                Some(MemWrite { addr, data })
            }
        })
        .collect()
}

/// A syscall rewind answers itself rather than letting the kernel run it,
/// because running it would undo what recording relies on.
pub struct Answer {
    pub result: u64,
    pub writes: Vec<MemWrite>,
}

const PR_GET_TSC: u64 = 25;
const PR_SET_TSC: u64 = 26;
const PR_TSC_ENABLE: u32 = 1;

/// The answer for syscalls that must not reach the kernel while recording:
/// - prctl(PR_SET_TSC) would stop time-counter reads from trapping: it
///   succeeds without effect (reads stay recorded);
/// - prctl(PR_GET_TSC) reports the counter as enabled, as the program
///   would see it without rewind;
/// - sched_setaffinity would move the program off the CPU it shares with
///   rewind: it succeeds without effect.
pub fn intercept(arch: Arch, desc: &SyscallDesc, args: &[u64; 6]) -> Option<Answer> {
    let ok = Answer {
        result: 0,
        writes: Vec::new(),
    };
    match desc.action {
        Action::Prctl if args[0] == PR_SET_TSC => Some(ok),
        Action::Prctl if args[0] == PR_GET_TSC => Some(Answer {
            result: 0,
            writes: vec![MemWrite {
                addr: args[1],
                data: PR_TSC_ENABLE.to_le_bytes().to_vec(),
            }],
        }),
        _ if Some(desc.nr) == arch.syscall_nr("sched_setaffinity") => Some(ok),
        _ => None,
    }
}
