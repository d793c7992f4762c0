//! Which memory a syscall wrote, computed from its description in `arch/`.

use crate::arch::syscall::{Action, Out, SyscallDesc};
use crate::arch::{cmds, ioctl, Arch};
use crate::trace::MemWrite;
use crate::tracee::Task;

/// Values read at syscall entry that the outputs' sizes depend on (the
/// capacities of in/out length arguments, which the kernel overwrites).
#[derive(Default, Clone, Debug)]
pub struct EntrySnapshot {
    /// For each `Out::SockLen`, the capacity read at entry.
    pub socklens: Vec<u32>,
    /// For `Out::MsgHdr`, the msghdr as it was at entry (56 bytes).
    pub msghdr: Option<Vec<u8>>,
    /// For a write-like syscall: where its output goes and its bytes.
    pub output: Option<super::output::Pending>,
}

const MSGHDR_LEN: usize = 56;
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
                if ok {
                    msghdr_ranges(task, args[msg as usize], snap, res, &mut v);
                }
            }
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

fn msghdr_ranges(
    task: &Task,
    msg: u64,
    snap: &EntrySnapshot,
    res: usize,
    v: &mut Vec<(u64, usize)>,
) {
    let Some(before) = &snap.msghdr else {
        return;
    };
    let word = |b: &[u8], off: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[off..off + 8]);
        u64::from_le_bytes(w)
    };
    let Ok(after) = task.read_mem_exact(msg, MSGHDR_LEN) else {
        return;
    };
    // The header itself: msg_namelen, msg_controllen, msg_flags change.
    v.push((msg, MSGHDR_LEN));
    let name = word(before, 0);
    let name_cap = word(before, 8) & 0xffff_ffff;
    let name_now = word(&after, 8) & 0xffff_ffff;
    v.push((name, name_cap.min(name_now) as usize));
    iovec_ranges(task, word(before, 16), word(before, 24), res, v);
    let control = word(before, 32);
    let control_cap = word(before, 40);
    let control_now = word(&after, 40);
    v.push((control, control_cap.min(control_now) as usize));
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
