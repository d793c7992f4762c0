//! Memory the kernel writes into a process on another's behalf (or on
//! the process's own, through a file): `process_vm_writev`, and writes to
//! `/proc/PID/mem`. The writer's syscall is emulated at replay, so what
//! it wrote is recorded as a `KernelWrite` of the target, read back from
//! the target after the syscall and applied at the same point of the
//! replay.

use crate::trace::MemWrite;
use crate::tracee::{fds, Task};

/// Bytes recorded at most for one such syscall (larger writes are rare
/// and kept whole up to this; beyond it the replay diverges, loudly).
const MAX_KEPT: u64 = 64 << 20;

/// The process (its id) whose memory syscall `name` with `args` and
/// `result` just wrote through the kernel, and the bytes as they now are
/// there. None for any other syscall, a failure, or nothing written.
pub fn remote_writes(
    task: &Task,
    name: &str,
    args: &[u64; 6],
    result: u64,
) -> Option<(i32, Vec<MemWrite>)> {
    let n = result as i64;
    if n <= 0 || result > MAX_KEPT {
        return None;
    }
    let (target, ranges) = match name {
        "process_vm_writev" => {
            let target = args[0] as i32;
            (target, iovec_ranges(task, args[3], args[4], result))
        }
        "write" | "writev" | "pwrite64" | "pwritev" | "pwritev2" => {
            let target = mem_file_of(task, args[0])?;
            let start = match name {
                "pwrite64" | "pwritev" => args[3],
                "pwritev2" if args[3] as i64 != -1 => args[3],
                _ => fds::position(task.tid, args[0])?.checked_sub(result)?,
            };
            (target, vec![(start, result)])
        }
        _ => return None,
    };
    let writes = ranges
        .into_iter()
        .filter_map(|(addr, len)| {
            let data = crate::tracee::read_process_mem(target, addr, len as usize)
                .ok()
                .filter(|d| d.len() == len as usize)?;
            Some(MemWrite { addr, data })
        })
        .collect::<Vec<_>>();
    (!writes.is_empty()).then_some((target, writes))
}

/// The process whose memory descriptor `fd` of `task` is open on
/// (`/proc/PID/mem`, as `/proc/self/mem` reads too, or a thread's
/// `/proc/PID/task/TID/mem`, as a debugger opens it: then that thread).
fn mem_file_of(task: &Task, fd: u64) -> Option<i32> {
    let link = std::fs::read_link(format!("/proc/{}/fd/{}", task.pid, fd)).ok()?;
    let s = link.to_str()?;
    let inner = s.strip_prefix("/proc/")?.strip_suffix("/mem")?;
    match inner.split_once("/task/") {
        Some((_, tid)) => tid.parse().ok(),
        None => inner.parse().ok(),
    }
}

/// The ranges of the `cnt` iovecs at `iov` in `task`'s memory, covering
/// the first `total` bytes.
fn iovec_ranges(task: &Task, iov: u64, cnt: u64, total: u64) -> Vec<(u64, u64)> {
    let mut left = total;
    let mut v = Vec::new();
    for i in 0..cnt.min(1024) {
        if left == 0 {
            break;
        }
        let raw = task.read_mem(iov + 16 * i, 16);
        if raw.len() < 16 {
            break;
        }
        let base = u64::from_le_bytes(raw[..8].try_into().unwrap_or_default());
        let len = u64::from_le_bytes(raw[8..].try_into().unwrap_or_default());
        let take = len.min(left);
        if take > 0 {
            v.push((base, take));
        }
        left -= take;
    }
    v
}
