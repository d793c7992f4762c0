//! The record side of the in-process syscall buffer.
//!
//! A preload library (the `rewind-syscallbuf` crate) makes common syscalls
//! that cannot block from one syscall instruction at a fixed address
//! (`TRAMPOLINE_ADDR`), which the seccomp filter built here lets through
//! without a ptrace stop; every other syscall gets a
//! `PTRACE_EVENT_SECCOMP` stop, which the recorder takes as the syscall's
//! entry (it resumes threads with `Resume::Untraced`, PTRACE_CONT). The
//! library appends each buffered call to its thread's buffer; the library
//! registers the buffer with a syscall of its own (`REGISTER_NR`), which
//! rewind answers. Just before the trace gets the thread's next event,
//! [`Writer::push`] reads the thread's batch into a `SyscallBuf` event and
//! empties the buffer, so that a batch always precedes the event that
//! ends it (which is what the replay relies on: see
//! `replay/syscallbuf.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rewind_syscallbuf::layout::*;

use crate::arch::Arch;
use crate::trace::{Event, TraceError, TraceWriter};
use crate::tracee::seccomp_stops::SECCOMP_DATA;

/// What a recording with the buffer needs before the program starts.
pub struct Buffering {
    /// The library, written into the trace directory.
    pub library: PathBuf,
    /// The seccomp filter installed in the program before its exec.
    pub filter: Vec<libc::sock_filter>,
}

/// Write the library into `trace_dir` and build the filter; Err says why
/// the recording runs without the buffer.
pub fn prepare(trace_dir: &Path, arch: Arch) -> Result<Buffering, String> {
    if rewind_syscallbuf::LIBRARY.is_empty() {
        return Err(format!(
            "this rewind was built without the syscall buffer library (it has code for x86_64 \
             only, and is built with the system's C compiler); recording on {} without it",
            arch.name()
        ));
    }
    let dir = trace_dir.join("syscallbuf");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let library = dir.join(rewind_syscallbuf::LIBRARY_NAME);
    let text = library.to_string_lossy();
    if text.contains([':', ' ', '\t', '\n']) {
        return Err(format!(
            "the trace directory's path {} has a colon or a space, which LD_PRELOAD cannot \
             carry; recording without the syscall buffer",
            trace_dir.display()
        ));
    }
    std::fs::write(&library, rewind_syscallbuf::LIBRARY)
        .map_err(|e| format!("cannot write {}: {e}", library.display()))?;
    Ok(Buffering {
        library,
        filter: filter(arch),
    })
}

/// The environment with the library added to LD_PRELOAD (first).
pub fn with_preload(env: &mut Vec<String>, library: &Path) {
    let lib = library.to_string_lossy().into_owned();
    match env.iter_mut().find(|e| e.starts_with("LD_PRELOAD=")) {
        Some(e) => {
            let old = e["LD_PRELOAD=".len()..].to_string();
            if !old.split([':', ' ']).any(|p| p == lib) {
                *e = if old.is_empty() {
                    format!("LD_PRELOAD={lib}")
                } else {
                    format!("LD_PRELOAD={lib}:{old}")
                };
            }
        }
        None => env.push(format!("LD_PRELOAD={lib}")),
    }
}

/// The address just past the library's untraced syscall instruction,
/// where a thread that makes a syscall there stops.
pub fn untraced_ip(arch: Arch) -> u64 {
    TRAMPOLINE_ADDR + arch.syscall_insn().len() as u64
}

/// The filter: syscalls from the library's untraced instruction (by the
/// instruction pointer after it) and syscall -1 (which rewind makes when
/// it skips one) run; everything else stops for rewind
/// (`SECCOMP_RET_TRACE` with [`SECCOMP_DATA`]).
pub fn filter(arch: Arch) -> Vec<libc::sock_filter> {
    const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const ALLOW: u32 = 0x7fff_0000;
    const TRACE: u32 = 0x7ff0_0000;
    let ins = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    let ip = untraced_ip(arch);
    vec![
        ins(LD_W_ABS, 0, 0, 4), // seccomp_data.arch
        ins(JEQ_K, 0, 6, arch.audit_arch()),
        ins(LD_W_ABS, 0, 0, 0), // nr
        ins(JEQ_K, 5, 0, u32::MAX),
        ins(LD_W_ABS, 0, 0, 8), // instruction_pointer, low half
        ins(JEQ_K, 0, 2, ip as u32),
        ins(LD_W_ABS, 0, 0, 12), // high half
        ins(JEQ_K, 1, 0, (ip >> 32) as u32),
        ins(RET_K, 0, 0, TRACE | SECCOMP_DATA as u32),
        ins(RET_K, 0, 0, ALLOW),
    ]
}

/// The trace writer of a recording, which knows each thread's buffer and
/// puts its pending batch into the trace before the thread's next event.
pub struct Writer {
    inner: TraceWriter,
    /// Each thread's buffer: the thread (or the process whose memory has
    /// it, for a thread that inherited it by fork) and its address.
    buffers: BTreeMap<i32, u64>,
}

impl std::ops::Deref for Writer {
    type Target = TraceWriter;
    fn deref(&self) -> &TraceWriter {
        &self.inner
    }
}

impl std::ops::DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut TraceWriter {
        &mut self.inner
    }
}

fn word(b: &[u8], at: u64) -> u64 {
    b.get(at as usize..at as usize + 8)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

impl Writer {
    pub fn new(inner: TraceWriter) -> Writer {
        Writer {
            inner,
            buffers: BTreeMap::new(),
        }
    }

    /// Append `ev`, after the batch its thread buffered since its last
    /// event, if any.
    pub fn push(&mut self, ev: &Event) -> Result<(), TraceError> {
        self.flush_thread(ev.tid())?;
        self.inner.push(ev)
    }

    /// Put thread `tid`'s pending batch into the trace now (and empty its
    /// buffer).
    pub fn flush_thread(&mut self, tid: i32) -> Result<(), TraceError> {
        let Some(&addr) = self.buffers.get(&tid) else {
            return Ok(());
        };
        // A thread that is gone has no memory left to read.
        let Ok(hdr) = crate::tracee::read_process_mem(tid, addr, HDR_SIZE as usize) else {
            return Ok(());
        };
        let count = word(&hdr, HDR_COUNT);
        let used = word(&hdr, HDR_USED);
        if count == 0 || used > REC_SPACE {
            return Ok(());
        }
        let Ok(records) = crate::tracee::read_process_mem(tid, addr + HDR_SIZE, used as usize)
        else {
            return Ok(());
        };
        let mut reset = [0u8; 16];
        reset[..8].copy_from_slice(&0u64.to_le_bytes());
        let _ = crate::tracee::write_process_mem(tid, addr + HDR_COUNT, &reset);
        self.inner.push(&Event::SyscallBuf {
            tid,
            addr,
            count,
            records,
        })
    }

    /// Thread `tid` registered its buffer at `addr`.
    pub fn register(&mut self, tid: i32, addr: u64) {
        self.buffers.insert(tid, addr);
    }

    /// A new process `child` runs on from a copy of thread `parent`'s
    /// memory (fork, or vfork sharing it): its library goes on with the
    /// same buffer.
    pub fn inherit(&mut self, parent: i32, child: i32) {
        if let Some(&addr) = self.buffers.get(&parent) {
            self.buffers.insert(child, addr);
        }
    }

    /// Threads `tids` lost their buffers (their process ran a new program).
    pub fn forget(&mut self, tids: &[i32]) {
        for t in tids {
            self.buffers.remove(t);
        }
    }

    /// Turn every registered buffer off (after its pending batch went
    /// into the trace): the library makes every call traced from now on.
    pub fn turn_off(&mut self) -> Result<(), TraceError> {
        let tids: Vec<i32> = self.buffers.keys().copied().collect();
        for tid in tids {
            self.flush_thread(tid)?;
            if let Some(&addr) = self.buffers.get(&tid) {
                let _ =
                    crate::tracee::write_process_mem(tid, addr + HDR_MODE, &MODE_OFF.to_le_bytes());
            }
        }
        Ok(())
    }

    /// Whether thread `tid` has a buffer.
    pub fn has_buffer(&self, tid: i32) -> bool {
        self.buffers.contains_key(&tid)
    }

    /// The buffer of thread `tid`.
    pub fn buffer_of(&self, tid: i32) -> Option<u64> {
        self.buffers.get(&tid).copied()
    }
}

/// Whether `ip` in process `pid` is inside the library's code or its
/// untraced instruction's page: a preemption there waits (see
/// `Recorder::preempt`).
pub fn in_library(pid: i32, ip: u64) -> bool {
    if (TRAMPOLINE_ADDR..TRAMPOLINE_ADDR + 4096).contains(&ip) {
        return true;
    }
    crate::tracee::maps::read(pid).is_ok_and(|maps| {
        maps.iter().any(|m| {
            m.start <= ip && ip < m.end && m.name.ends_with(rewind_syscallbuf::LIBRARY_NAME)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preload_goes_first_and_once() {
        let lib = Path::new("/t/librewind_syscallbuf.so");
        let mut env = vec!["A=1".to_string()];
        with_preload(&mut env, lib);
        assert_eq!(env[1], "LD_PRELOAD=/t/librewind_syscallbuf.so");
        let mut env = vec!["LD_PRELOAD=/x.so".to_string()];
        with_preload(&mut env, lib);
        with_preload(&mut env, lib);
        assert_eq!(env[0], "LD_PRELOAD=/t/librewind_syscallbuf.so:/x.so");
    }

    #[test]
    fn filter_allows_only_the_untraced_instruction() {
        let f = filter(Arch::X86_64);
        assert_eq!(f.len(), 10);
        assert_eq!(f[5].k as u64, untraced_ip(Arch::X86_64) & 0xffff_ffff);
        assert_eq!(f[8].k, 0x7ff0_0000 | SECCOMP_DATA as u32);
    }
}
