//! Scratch buffers for the outputs of syscalls left blocking.
//!
//! A thread left in the kernel while others run (see `threads.rs`) would
//! have its outputs written into its buffers whenever the kernel gets to
//! it, while another thread of the process may be running: a point no
//! trace can name. Instead its output buffers are redirected to a scratch
//! area of its own, and copied into the program's buffers by the recorder
//! when the syscall's exit is seen, which is where the replay applies them.
//!
//! Each thread's area is a mapping of its own, followed by a PROT_NONE
//! guard page, so that two areas are never merged by the kernel into one
//! mapping and an overrun faults instead of writing into a neighbour. A
//! buffer is redirected only when it lies inside one writable mapping of
//! the program (a syscall whose buffer crosses mappings or is not writable
//! runs on the program's own memory, with the kernel's own answer), and
//! only when its extent is known from the arguments.

use super::{RecordError, Recorder};
use crate::arch::regs::Regs;
use crate::arch::syscall::{Out, SyscallDesc};
use crate::tracee::{Resume, Stop, TaskError, FILTER_PASS};

/// The largest output redirected; larger ones go to the program's memory.
pub const MAX_SCRATCH: usize = 1 << 20;
const PAGE: u64 = 4096;

/// One output buffer moved to scratch memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The argument that points at it.
    pub arg: usize,
    /// The program's buffer.
    pub orig: u64,
    /// Where the kernel writes instead.
    pub scratch: u64,
    pub len: usize,
}

/// The output buffers of a syscall that can be redirected, as (argument,
/// length): None when some output cannot be (pointers inside structures,
/// lengths behind pointers, or an extent the arguments do not bound).
pub fn plan(desc: &SyscallDesc, args: &[u64; 6]) -> Option<Vec<(usize, usize)>> {
    let mut v: Vec<(usize, usize)> = Vec::new();
    for out in desc.outs {
        let (ptr, len) = match *out {
            Out::Fixed { ptr, len } => (ptr as usize, len),
            Out::ArgLen { ptr, len } => (ptr as usize, args[len as usize] as usize),
            Out::ResultPlus { ptr, cap, extra } => (
                ptr as usize,
                (args[cap as usize] as usize).saturating_add(extra),
            ),
            Out::Array { ptr, count, elem } => (
                ptr as usize,
                (args[count as usize] as usize).saturating_mul(elem),
            ),
            Out::FdSet { ptr, nfds } => (
                ptr as usize,
                (args[nfds as usize] as usize).div_ceil(64) * 8,
            ),
            // read(fd, buf, count): at most count bytes.
            Out::Result { ptr } if desc.name == "read" => (ptr as usize, args[2] as usize),
            // epoll_wait(epfd, events, maxevents, ...).
            Out::ResultArray { ptr, elem } if desc.name.starts_with("epoll_") => {
                (ptr as usize, (args[2] as usize).saturating_mul(elem))
            }
            _ => return None,
        };
        if args[ptr] == 0 || len == 0 {
            continue;
        }
        if len > MAX_SCRATCH {
            return None;
        }
        match v.iter_mut().find(|(a, _)| *a == ptr) {
            Some(e) => e.1 = e.1.max(len),
            None => v.push((ptr, len)),
        }
    }
    Some(v)
}

/// Offsets of the buffers of `plan` in a scratch area (16-byte aligned)
/// and the area's size in whole pages.
pub fn layout(plan: &[(usize, usize)]) -> (Vec<u64>, u64) {
    let mut offs = Vec::with_capacity(plan.len());
    let mut at = 0u64;
    for &(_, len) in plan {
        offs.push(at);
        at += (len as u64).div_ceil(16) * 16;
    }
    (offs, at.div_ceil(PAGE).max(1) * PAGE)
}

/// What setting up scratch buffers did.
pub enum Setup {
    /// The outputs go to these scratch buffers (none: to the program's).
    Redirected(Vec<Redirect>),
    /// A stop came while the scratch area was being made (a signal at the
    /// syscall instruction): the syscall has not been entered.
    Interrupted(Stop),
}

impl Recorder {
    /// At the entry of syscall `desc` (registers `regs`), about to be left
    /// blocking: point its outputs at the thread's scratch area.
    pub(super) fn redirect_outputs(
        &mut self,
        desc: &'static SyscallDesc,
        regs: &Regs,
    ) -> Result<Setup, RecordError> {
        let args = regs.syscall_args();
        let Some(plan) = plan(desc, &args) else {
            return Ok(Setup::Redirected(Vec::new()));
        };
        if plan.is_empty() || !self.buffers_writable(&args, &plan) {
            return Ok(Setup::Redirected(Vec::new()));
        }
        let (offs, size) = layout(&plan);
        let base = match self.scratch_area(size, regs)? {
            Ok(Some(base)) => base,
            Ok(None) => return Ok(Setup::Redirected(Vec::new())),
            Err(stop) => return Ok(Setup::Interrupted(stop)),
        };
        let mut redirected = args;
        let mut v = Vec::with_capacity(plan.len());
        for (&(arg, len), off) in plan.iter().zip(offs) {
            let orig = args[arg];
            let scratch = base + off;
            // In-out buffers (poll's fds, select's sets) start as the
            // program's.
            let data = self.task.read_mem(orig, len);
            self.task.write_mem(scratch, &data)?;
            redirected[arg] = scratch;
            v.push(Redirect {
                arg,
                orig,
                scratch,
                len,
            });
        }
        let mut r = self.task.regs()?;
        r.set_syscall(regs.syscall_nr(), redirected);
        self.task.set_regs(&r)?;
        Ok(Setup::Redirected(v))
    }

    /// Whether each buffer lies inside one writable mapping.
    fn buffers_writable(&self, args: &[u64; 6], plan: &[(usize, usize)]) -> bool {
        let Ok(maps) = crate::tracee::maps::read(self.task.pid.as_raw()) else {
            return false;
        };
        plan.iter().all(|&(arg, len)| {
            let (a, end) = (args[arg], args[arg].saturating_add(len as u64));
            maps.iter()
                .any(|m| m.start <= a && end <= m.end && m.perms.as_bytes().get(1) == Some(&b'w'))
        })
    }

    /// The running thread's scratch area, at least `size` bytes: made (or
    /// made larger) by syscalls run in the thread at the entry of the one
    /// it is in, which is then entered again. None when the mapping could
    /// not be made; Err(stop) when something other than that entry stopped
    /// the thread.
    fn scratch_area(
        &mut self,
        size: u64,
        regs: &Regs,
    ) -> Result<Result<Option<u64>, Stop>, RecordError> {
        let tid = self.task.tid.as_raw();
        if let Some(&(addr, cap)) = self.scratch.get(&tid) {
            if cap >= size {
                return Ok(Ok(Some(addr)));
            }
        }
        let insn = regs.syscall_insn_addr();
        if let Some((old, cap)) = self.scratch.remove(&tid) {
            self.task.inject_syscall(
                insn,
                libc::SYS_munmap as u64,
                [old, cap + PAGE, 0, 0, 0, FILTER_PASS],
            )?;
        }
        let cap = size.max(16 * PAGE);
        let addr = self.task.inject_syscall(
            insn,
            libc::SYS_mmap as u64,
            [
                0,
                cap + PAGE,
                (libc::PROT_READ | libc::PROT_WRITE) as u64,
                (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE) as u64,
                u64::MAX,
                FILTER_PASS,
            ],
        )?;
        let ok = (addr as i64) > 0;
        if ok {
            // The guard page.
            self.task.inject_syscall(
                insn,
                libc::SYS_mprotect as u64,
                [addr + cap, PAGE, libc::PROT_NONE as u64, 0, 0, FILTER_PASS],
            )?;
            self.scratch.insert(tid, (addr, cap));
            let guarded = crate::tracee::maps::read(self.task.pid.as_raw())
                .map(|maps| {
                    maps.iter().any(|m| {
                        m.start == addr + cap
                            && m.end == addr + cap + PAGE
                            && m.perms.starts_with("---")
                    })
                })
                .unwrap_or(false);
            log::debug!(
                "scratch area of thread {tid}: {addr:#x}, {cap} bytes{}",
                if guarded {
                    ", then a guard page"
                } else {
                    ", NO guard page"
                }
            );
        }
        // Back to the entry of the program's syscall.
        let mut r = *regs;
        r.set_ip(insn);
        r.reload_syscall(r.syscall_nr());
        self.task.set_regs(&r)?;
        self.task.resume(Resume::Syscall, None)?;
        match self.task.wait()? {
            Stop::SyscallEntry => {}
            stop @ Stop::Signal { .. } => return Ok(Err(stop)),
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "entering a syscall again after making its scratch area",
                    stop,
                }
                .into())
            }
        }
        if !ok {
            log::debug!(
                "no scratch area for thread {tid}: mmap gave {}",
                addr as i64
            );
            return Ok(Ok(None));
        }
        Ok(Ok(Some(addr)))
    }

    /// At the exit of a syscall whose outputs went to scratch buffers: copy
    /// what the kernel wrote (its outputs as the result bounds them) into
    /// the program's buffers, and give the program its own argument
    /// registers back.
    pub(super) fn copy_back(
        &mut self,
        regs: &Regs,
        desc: &'static SyscallDesc,
        snap: &super::syscalls::EntrySnapshot,
        redirects: &[Redirect],
    ) -> Result<(), RecordError> {
        if redirects.is_empty() {
            return Ok(());
        }
        let now = self.task.regs()?;
        let result = now.result();
        let mut scratch_args = regs.syscall_args();
        for r in redirects {
            scratch_args[r.arg] = r.scratch;
        }
        let ranges = super::syscalls::out_ranges(
            self.arch,
            &self.task,
            desc,
            &scratch_args,
            result as i64,
            snap,
            &mut |_| {},
        );
        for (at, len) in ranges {
            let Some(r) = redirects
                .iter()
                .find(|r| r.scratch <= at && at < r.scratch + r.len as u64)
            else {
                continue;
            };
            let len = len.min((r.scratch + r.len as u64 - at) as usize);
            let data = self.task.read_mem(at, len);
            self.task.write_mem(r.orig + (at - r.scratch), &data)?;
        }
        self.task
            .restore_syscall_regs(now.syscall_nr(), regs.syscall_args())?;
        Ok(())
    }

    /// A blocked syscall entered again (restarted after a signal): its
    /// outputs go to the scratch buffers again.
    pub(super) fn redirect_again(&mut self, redirects: &[Redirect]) -> Result<(), RecordError> {
        if redirects.is_empty() {
            return Ok(());
        }
        let mut r = self.task.regs()?;
        let mut a = r.syscall_args();
        for d in redirects {
            a[d.arg] = d.scratch;
        }
        r.set_syscall(r.syscall_nr(), a);
        self.task.set_regs(&r)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::x86_64::syscalls::lookup;

    fn desc(nr: u64) -> &'static SyscallDesc {
        lookup(nr).expect("known syscall")
    }

    #[test]
    fn outputs_bounded_by_arguments_are_redirected() {
        // read(fd, buf, 100)
        assert_eq!(
            plan(desc(0), &[3, 0x1000, 100, 0, 0, 0]),
            Some(vec![(1, 100)])
        );
        // poll(fds, 3, timeout): 3 pollfds, in and out.
        assert_eq!(plan(desc(7), &[0x2000, 3, 0, 0, 0, 0]), Some(vec![(0, 24)]));
        // wait4(pid, &status, 0, NULL): the status only.
        assert_eq!(plan(desc(61), &[0, 0x3000, 0, 0, 0, 0]), Some(vec![(1, 4)]));
        // nanosleep(req, NULL): nothing to redirect.
        assert_eq!(plan(desc(35), &[0x4000, 0, 0, 0, 0, 0]), Some(vec![]));
        // epoll_wait(epfd, events, 8, -1): 8 events of 12 bytes.
        assert_eq!(
            plan(desc(232), &[5, 0x5000, 8, u64::MAX, 0, 0]),
            Some(vec![(1, 96)])
        );
    }

    #[test]
    fn outputs_behind_pointers_or_unbounded_are_not() {
        // recvmsg: buffers inside a msghdr.
        assert_eq!(plan(desc(47), &[3, 0x1000, 0, 0, 0, 0]), None);
        // accept: the address's capacity is behind a pointer.
        assert_eq!(plan(desc(43), &[3, 0x1000, 0x2000, 0, 0, 0]), None);
        // A read larger than the largest scratch buffer.
        assert_eq!(
            plan(desc(0), &[3, 0x1000, (MAX_SCRATCH + 1) as u64, 0, 0, 0]),
            None
        );
    }

    #[test]
    fn buffers_are_laid_out_apart_in_whole_pages() {
        let (offs, size) = layout(&[(1, 100), (3, 4)]);
        assert_eq!(offs, vec![0, 112]);
        assert_eq!(size, 4096);
        let (_, size) = layout(&[(1, 4097)]);
        assert_eq!(size, 8192);
    }
}
