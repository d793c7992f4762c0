//! Counting hits of an address or a memory range in the kernel, without a
//! PMU: a perf breakpoint event (`PERF_TYPE_BREAKPOINT`) sits on one of the
//! x86 debug registers and counts every execution of an instruction, or
//! every access to a range, without stopping the thread. Given a number, it
//! also stops the thread when the count reaches it: the overflow sends
//! [`COUNT_SIGNAL`] to the thread, which the tracer sees as a signal stop
//! exactly at that hit (before the instruction for an execution, after the
//! access for a watch, as a ptrace debug-register stop would be).
//!
//! This turns "the n-th arrival at an address" from n ptrace stops into one
//! native run, which is what makes reverse execution fast on long stretches
//! between syscalls. Opening fails when the debug registers are taken; the
//! callers then fall back to counting stops one by one.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use perf_event_open_sys as pe;

/// The signal an overflow sends. The program never receives it: the
/// tracer takes it at the signal stop and resumes without it.
pub use crate::tracee::stops::COUNT_SIGNAL;

/// What a counter counts (the debug-register condition).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitKind {
    /// Execution of the instruction at the address.
    Exec,
    /// Writes to the range.
    Write,
    /// Reads or writes of the range.
    Access,
}

/// A perf breakpoint event on one thread.
pub struct HitCounter {
    fd: OwnedFd,
}

impl HitCounter {
    /// Count hits of `addr` (`len` bytes for watches: 1, 2, 4 or 8, aligned)
    /// in thread `tid`, user mode only. With `stop_at`, the thread gets
    /// [`COUNT_SIGNAL`] at that hit.
    pub fn open(
        tid: i32,
        addr: u64,
        len: u64,
        kind: HitKind,
        stop_at: Option<u64>,
    ) -> std::io::Result<HitCounter> {
        let (bp_type, bp_len) = match kind {
            HitKind::Exec => (
                pe::bindings::HW_BREAKPOINT_X,
                crate::arch::Arch::host().perf_exec_len(),
            ),
            HitKind::Write => (pe::bindings::HW_BREAKPOINT_W, len),
            HitKind::Access => (pe::bindings::HW_BREAKPOINT_RW, len),
        };
        if kind != HitKind::Exec && (!matches!(len, 1 | 2 | 4 | 8) || !addr.is_multiple_of(len)) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("a counted watch needs an aligned 1, 2, 4 or 8 byte range, not {len} bytes at {addr:#x}"),
            ));
        }
        let mut attr = pe::bindings::perf_event_attr {
            type_: pe::bindings::PERF_TYPE_BREAKPOINT,
            size: std::mem::size_of::<pe::bindings::perf_event_attr>() as u32,
            bp_type,
            ..Default::default()
        };
        attr.__bindgen_anon_3.bp_addr = addr;
        attr.__bindgen_anon_4.bp_len = bp_len;
        if let Some(n) = stop_at {
            attr.__bindgen_anon_1.sample_period = n.max(1);
            attr.__bindgen_anon_2.wakeup_events = 1;
        }
        let fd = open_event(&mut attr, tid)?;
        if stop_at.is_some() {
            signal_thread_on_overflow(&fd, tid)?;
        }
        Ok(HitCounter { fd })
    }

    /// A clock of the thread's own CPU time (a software event: no PMU
    /// needed) that stops it with [`COUNT_SIGNAL`] after `ns` nanoseconds
    /// of running (the kernel's timer: about 10 us at best). Reads give
    /// nanoseconds.
    pub fn cpu_clock(tid: i32, ns: u64) -> std::io::Result<HitCounter> {
        let mut attr = pe::bindings::perf_event_attr {
            type_: pe::bindings::PERF_TYPE_SOFTWARE,
            size: std::mem::size_of::<pe::bindings::perf_event_attr>() as u32,
            config: pe::bindings::PERF_COUNT_SW_TASK_CLOCK as u64,
            ..Default::default()
        };
        attr.__bindgen_anon_1.sample_period = ns.max(10_000);
        attr.__bindgen_anon_2.wakeup_events = 1;
        let fd = open_event(&mut attr, tid)?;
        signal_thread_on_overflow(&fd, tid)?;
        Ok(HitCounter { fd })
    }

    /// The hardware branch counter `event` (a raw PMU event) on thread
    /// `tid`, stopping it with [`COUNT_SIGNAL`] after `n` more branches.
    pub fn branches(tid: i32, event: u64, n: u64) -> std::io::Result<HitCounter> {
        let mut attr = pe::bindings::perf_event_attr {
            type_: pe::bindings::PERF_TYPE_RAW,
            size: std::mem::size_of::<pe::bindings::perf_event_attr>() as u32,
            config: event,
            ..Default::default()
        };
        attr.__bindgen_anon_1.sample_period = n.max(1);
        attr.__bindgen_anon_2.wakeup_events = 1;
        let fd = open_event(&mut attr, tid)?;
        signal_thread_on_overflow(&fd, tid)?;
        Ok(HitCounter { fd })
    }

    /// The hits so far.
    pub fn read(&self) -> std::io::Result<u64> {
        let mut b = [0u8; 8];
        let n = nix::unistd::read(&self.fd, &mut b).map_err(std::io::Error::from)?;
        if n != 8 {
            return Err(std::io::Error::other("short read of a hit counter"));
        }
        Ok(u64::from_le_bytes(b))
    }
}

/// Open the event `attr` describes on thread `tid`, counting its user-mode
/// part, enabled at once; refused when REWIND_NO_HIT_COUNTERS is set.
fn open_event(attr: &mut pe::bindings::perf_event_attr, tid: i32) -> std::io::Result<OwnedFd> {
    if std::env::var_os("REWIND_NO_HIT_COUNTERS").is_some() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "hit counters are switched off (REWIND_NO_HIT_COUNTERS)",
        ));
    }
    attr.set_exclude_kernel(1);
    attr.set_exclude_hv(1);
    attr.set_disabled(0);
    // SAFETY: `attr` is a fully initialized perf_event_attr that lives
    // across the call; the kernel only reads it.
    let fd = unsafe {
        pe::perf_event_open(attr, tid, -1, -1, pe::bindings::PERF_FLAG_FD_CLOEXEC as u64)
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: perf_event_open returned a new descriptor that we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

// fcntl commands and the owner record from <fcntl.h> (Linux, every
// architecture) that the libc crate does not define.
const F_SETSIG: libc::c_int = 10;
const F_SETOWN_EX: libc::c_int = 15;
const F_OWNER_TID: libc::c_int = 0;

#[repr(C)]
struct FOwnerEx {
    kind: libc::c_int,
    pid: libc::pid_t,
}

/// Make overflows of `fd` send [`COUNT_SIGNAL`] to thread `tid`.
fn signal_thread_on_overflow(fd: &OwnedFd, tid: i32) -> std::io::Result<()> {
    let raw = fd.as_raw_fd();
    let owner = FOwnerEx {
        kind: F_OWNER_TID,
        pid: tid,
    };
    // SAFETY: fcntl on a descriptor we own; F_SETOWN_EX reads the
    // f_owner_ex that lives across the call.
    let r = unsafe { libc::fcntl(raw, F_SETOWN_EX, &owner as *const FOwnerEx) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fcntl with integer arguments on a descriptor we own.
    let r = unsafe { libc::fcntl(raw, F_SETSIG, COUNT_SIGNAL) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    let r = unsafe { libc::fcntl(raw, libc::F_SETFL, libc::O_ASYNC) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn counted(x: &mut u64) {
        *x = std::hint::black_box(*x + 1);
    }

    #[test]
    fn counts_executions_of_a_function_in_this_thread() {
        let tid = nix::unistd::gettid().as_raw();
        let f = counted as fn(&mut u64) as usize as u64;
        let c = match HitCounter::open(tid, f, 8, HitKind::Exec, None) {
            Ok(c) => c,
            Err(e) => {
                // No debug registers for perf here (some VMs): the callers
                // fall back; nothing to check.
                eprintln!("hit counters unavailable: {e}");
                return;
            }
        };
        let mut x = 0u64;
        for _ in 0..1000 {
            counted(std::hint::black_box(&mut x));
        }
        assert_eq!(c.read().expect("read"), 1000);
    }

    #[test]
    fn refuses_unaligned_watches() {
        let tid = nix::unistd::gettid().as_raw();
        let e = HitCounter::open(tid, 0x1001, 4, HitKind::Write, None).err();
        assert_eq!(e.map(|e| e.kind()), Some(std::io::ErrorKind::InvalidInput));
    }
}
