//! What a trace holds: the header and the events.

use serde::{Deserialize, Serialize};

use crate::arch::regs::Regs;
use crate::arch::Arch;

/// The trace format version. Bump it on any change to the types in this file;
/// older traces are refused with a message saying which version wrote them,
/// unless they are read as they are (see [`OLDEST_READABLE_VERSION`]).
///
/// 2: threads (`SyscallEntry`, `Preempt`).
/// 3: `Signal` carries the stack window its checksum covers.
/// 4: `Execve` (a process ran a new program); version 3 traces decode as
/// they are (the new variant comes last).
/// 5: `KernelWrite` (a PI lock's word changed while a thread waited);
/// versions 3 and 4 decode as they are (the new variant comes last).
/// 6: `Written` (what a write-like syscall wrote, and whether it reached
/// rewind's own stdout or stderr); versions 3 to 5 decode as they are.
/// Within 6: `Spawned` (a new task's id in rewind's pid namespace and in
/// its own), appended last, so that earlier version 6 traces decode.
pub const FORMAT_VERSION: u32 = 6;

/// The oldest format this version reads: versions 1 and 2 are decoded as
/// [`legacy::Event`] and converted (1 is 2 without threads).
pub const OLDEST_READABLE_VERSION: u32 = 1;

/// How progress between events was counted when recording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TickMode {
    /// A hardware counter of retired conditional branches.
    Pmu { event: u64, cpu: String },
    /// No usable counter: positions between syscalls are anchored by the
    /// instruction pointer and the full register file.
    Anchors,
}

impl TickMode {
    pub fn describe(&self) -> String {
        match self {
            TickMode::Pmu { event, cpu } => {
                format!("hardware branch counter (event {event:#x} on {cpu})")
            }
            TickMode::Anchors => {
                "no hardware counter: register anchors between syscalls".to_string()
            }
        }
    }
}

/// One CPUID leaf as the recording machine answered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuidRecord {
    pub leaf: u32,
    pub subleaf: u32,
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
}

/// A file the recorded process mapped (or executed), saved into the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedFile {
    /// Path when recorded.
    pub original: String,
    /// Name under the trace's `files/` directory.
    pub saved: String,
    pub size: u64,
}

/// The trace header, written once when recording starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub arch: Arch,
    pub ticks: TickMode,
    pub cpuid: Vec<CpuidRecord>,
    pub argv: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    /// The executable as resolved at record time, and its saved copy.
    pub exe: SavedFile,
    /// The dynamic loader named by the executable, if any, and its copy.
    pub interp: Option<SavedFile>,
    pub hostname: String,
    pub kernel: String,
    pub rewind_version: String,
    /// Seconds since the epoch when recording started.
    pub started: u64,
    /// The CPU the recorded processes were bound to; the replay binds to
    /// the same one. None in traces written before it was kept.
    pub cpu: Option<u32>,
    /// The auxv hardware capability words of the recording machine
    /// (AT_HWCAP, AT_HWCAP2: key and value).
    pub hwcaps: Vec<(u64, u64)>,
    /// How the program's CPUID instructions ran: natively, or trapped and
    /// recorded (CPUID faulting). None in older traces (natively).
    pub cpuid_mode: Option<crate::arch::cpu::CpuidMode>,
    /// Whether the program ran with the in-process syscall buffer. Kept
    /// after the header's own bytes (see [`HeaderExt`]), so that traces
    /// without it read as before: None there.
    #[serde(skip)]
    pub syscall_buffer: Option<bool>,
}

/// What the header file holds after the [`Header`]'s own bytes (absent
/// in traces written before it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderExt {
    pub syscall_buffer: bool,
}

impl Header {
    /// The recording machine's CPU identity, for comparison with another.
    pub fn cpu_facts(&self) -> crate::arch::cpu::CpuFacts {
        crate::arch::cpu::CpuFacts {
            cpuid: self
                .cpuid
                .iter()
                .map(|c| (c.leaf, c.subleaf, [c.eax, c.ebx, c.ecx, c.edx]))
                .collect(),
            auxv: self.hwcaps.clone(),
        }
    }
}

/// A range of memory with the bytes found or written there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemWrite {
    pub addr: u64,
    #[serde(with = "serde_bytes_compat")]
    pub data: Vec<u8>,
}

/// One line of /proc/pid/maps at exec time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub perms: String,
    pub offset: u64,
    pub name: String,
}

/// What backs a file mapping made by mmap, at replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MapSource {
    /// A saved copy of the mapped file, by its name under `files/`, and
    /// the path it had when recorded.
    File {
        original: String,
        saved: String,
        offset: u64,
    },
    /// Contents recorded directly (a device or a file that could not be
    /// saved): map anonymous memory and write these bytes.
    Contents { len: u64, writes: Vec<MemWrite> },
}

/// A syscall, as the recording saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallEvent {
    pub tid: i32,
    /// Registers at syscall entry (the replay's position check).
    pub regs: Regs,
    /// The result register after the syscall.
    pub result: u64,
    /// Memory the kernel wrote.
    pub writes: Vec<MemWrite>,
    /// For mmap of a file: what backs it at replay.
    pub map: Option<MapSource>,
    /// True when rewind refused the syscall (ENOSYS) at record.
    pub refused: bool,
    pub ticks: Option<u64>,
}

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitKind {
    Exited(i32),
    Killed(i32),
}

impl ExitKind {
    /// The shell-style status: the code, or 128 + the signal.
    pub fn shell_status(self) -> i32 {
        match self {
            ExitKind::Exited(c) => c,
            ExitKind::Killed(s) => 128 + s,
        }
    }
}

impl std::fmt::Display for ExitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitKind::Exited(c) => write!(f, "exited with status {c}"),
            ExitKind::Killed(s) => write!(f, "killed by signal {s} ({})", signal_name(*s)),
        }
    }
}

/// The name of signal `sig` (SIGSEGV), or `signal N`.
pub fn signal_name(sig: i32) -> String {
    match nix::sys::signal::Signal::try_from(sig) {
        Ok(s) => s.as_str().to_string(),
        Err(_) => format!("signal {sig}"),
    }
}

/// One event in a trace.
#[allow(clippy::large_enum_variant)] // events are decoded one by one; boxing buys nothing
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The process started: state at its first instruction after exec.
    Exec {
        pid: i32,
        tid: i32,
        regs: Regs,
        /// The initial stack from the stack pointer to the stack's end
        /// (arguments, environment, auxv with AT_RANDOM bytes).
        stack: MemWrite,
        maps: Vec<Mapping>,
        /// The auxiliary vector as the program sees it.
        #[serde(with = "serde_bytes_compat")]
        auxv: Vec<u8>,
    },
    Syscall(SyscallEvent),
    /// A trapped time-counter read (RDTSC, RDTSCP, CNTVCT_EL0), or a trapped
    /// CPUID (where the kernel can make it fault): the registers before
    /// and after the instruction rewind emulated.
    TimeCounter {
        tid: i32,
        regs: Regs,
        /// Registers after the emulated instruction.
        after: Regs,
        ticks: Option<u64>,
    },
    /// A signal delivered to a task.
    Signal {
        tid: i32,
        signo: i32,
        /// The kernel's siginfo_t, 128 bytes.
        #[serde(with = "serde_bytes_compat")]
        siginfo: Vec<u8>,
        /// Raised by the task's own instruction (a fault) rather than sent.
        synchronous: bool,
        regs: Regs,
        /// CRC32 of the memory around the stack pointer (see
        /// [`stack_anchor_range`]): with the registers, the anchor that finds
        /// this point again without a hardware counter.
        stack_crc: u32,
        /// The stack window ([`stack_window_range`]), for signals sent
        /// between syscalls (loop counters on the stack place them); empty
        /// otherwise.
        #[serde(with = "serde_bytes_compat")]
        stack: Vec<u8>,
        ticks: Option<u64>,
    },
    /// A task ended.
    Exit {
        tid: i32,
        kind: ExitKind,
    },
    /// A thread entered a syscall that may block (a futex wait, a read
    /// from a pipe...) and other threads ran while it was in the kernel.
    /// Its `Syscall` event, later, says how the syscall ended.
    SyscallEntry {
        tid: i32,
        regs: Regs,
        ticks: Option<u64>,
    },
    /// A thread that ran too long without a syscall was switched out here
    /// so that another could run; the registers and the stack checksum
    /// anchor the point, as for an asynchronous signal.
    Preempt {
        tid: i32,
        regs: Regs,
        stack_crc: u32,
        /// The stack window ([`stack_window_range`]): loop counters kept on
        /// the stack tell the replay how far into a loop the point is.
        #[serde(with = "serde_bytes_compat")]
        stack: Vec<u8>,
        ticks: Option<u64>,
    },
    /// A process ran a new program (execve succeeded; its `Syscall` event
    /// comes just before): the state at the new program's first
    /// instruction, as `Exec` has for the first program.
    Execve {
        tid: i32,
        /// The new program's arguments.
        argv: Vec<String>,
        /// The executable and its loader, saved into the trace.
        exe: SavedFile,
        interp: Option<SavedFile>,
        regs: Regs,
        /// The initial stack from the stack pointer to the stack's end.
        stack: MemWrite,
        maps: Vec<Mapping>,
        #[serde(with = "serde_bytes_compat")]
        auxv: Vec<u8>,
    },
    /// The kernel wrote the memory of this thread's process on its own
    /// while the thread waited in a syscall (whose `SyscallEntry` comes just
    /// before): the waiters bit it sets in a PI lock's word when the thread
    /// starts waiting for the lock, which tells the owner to unlock through
    /// the kernel.
    KernelWrite {
        tid: i32,
        writes: Vec<MemWrite>,
    },
    /// What a write-like syscall (write, writev, pwrite, sendfile, splice,
    /// copy_file_range...) of this thread wrote; it comes right after that
    /// syscall's `Syscall` event. The replay checks its own bytes against
    /// `len` and `crc`, and echoes them when `stream` says that they reached
    /// rewind's own stdout (1) or stderr (2) when recorded (decided from the
    /// identity of the open file, however the descriptor was obtained).
    Written {
        tid: i32,
        stream: Option<u8>,
        len: u64,
        crc: u32,
        /// The bytes themselves when they were not in the program's memory
        /// (sendfile, splice, copy_file_range into rewind's output); empty
        /// otherwise.
        #[serde(with = "serde_bytes_compat")]
        data: Vec<u8>,
    },
    /// Thread `tid` made a new task (thread or process) by the clone,
    /// fork or vfork whose `Syscall` event comes just before. Events name
    /// the new task `child`: rewind's own id for it, its thread id in
    /// rewind's pid namespace, which the syscall's result (the id in the
    /// caller's namespace) need not be. `ns_tids` are its ids in each pid
    /// namespace it is in, rewind's first and its own last (the kernel's
    /// `NSpid`): the last is what the task itself sees as its id. Traces
    /// without this event name a new task by the syscall's result.
    Spawned {
        tid: i32,
        child: i32,
        ns_tids: Vec<i32>,
    },
    /// What rewind did to thread `tid` for the program's own ptrace
    /// requests (it is the emulated tracee of another recorded process,
    /// see `record/ptrace.rs`): the replay does the same to the thread at
    /// this point.
    Traced {
        tid: i32,
        op: TracedOp,
    },
    /// The syscalls thread `tid` made through the in-process syscall
    /// buffer (see `record/syscallbuf.rs`) since its previous event:
    /// `count` records (number, arguments, result, the bytes the kernel
    /// wrote; layout in the `rewind-syscallbuf` crate) as they lay in its
    /// buffer at `addr`. Written just before the thread's next event; the
    /// replay puts them back in the buffer before the thread runs to it.
    SyscallBuf {
        tid: i32,
        addr: u64,
        count: u64,
        #[serde(with = "serde_bytes_compat")]
        records: Vec<u8>,
    },
}

/// An operation on an emulated tracee that the replay repeats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TracedOp {
    /// One instruction ran under a single step of rewind's (for the
    /// tracer's PTRACE_SINGLESTEP), ending in a stop with signal `signo`
    /// (SIGTRAP, or the signal the instruction raised) with `regs`.
    Step { signo: i32, regs: Regs },
    /// The thread ran to an instruction that raised signal `signo` (a
    /// fault, an int3), stopped there for its tracer with `regs`: the
    /// signal is not delivered unless a later `Signal` event says so.
    Fault { signo: i32, regs: Regs },
    /// The thread stopped for its tracer at the entry of a syscall (with
    /// `regs`), which runs when the tracer resumes it: the replay parks it
    /// at that entry, with nothing of the syscall done yet.
    AtEntry { regs: Regs },
    /// The tracer set the thread's registers (PTRACE_SETREGS,
    /// PTRACE_SETREGSET, PTRACE_POKEUSER): all of them, as they were after.
    SetRegs { regs: Regs },
    /// The tracer set the thread's floating-point and vector state: the
    /// XSAVE area as it was after.
    SetXstate {
        #[serde(with = "serde_bytes_compat")]
        area: Vec<u8>,
    },
}

impl Event {
    pub fn tid(&self) -> i32 {
        match self {
            Event::Exec { tid, .. }
            | Event::TimeCounter { tid, .. }
            | Event::Signal { tid, .. }
            | Event::Exit { tid, .. }
            | Event::SyscallEntry { tid, .. }
            | Event::Preempt { tid, .. }
            | Event::Execve { tid, .. }
            | Event::KernelWrite { tid, .. }
            | Event::Written { tid, .. }
            | Event::Spawned { tid, .. }
            | Event::Traced { tid, .. }
            | Event::SyscallBuf { tid, .. } => *tid,
            Event::Syscall(s) => s.tid,
        }
    }

    /// A one-line human description.
    pub fn summary(&self, arch: Arch) -> String {
        match self {
            Event::Exec { pid, regs, .. } => {
                format!("exec pid {pid}, entry at {:#x}", regs.ip())
            }
            Event::Syscall(s) => {
                let nr = s.regs.syscall_nr();
                let a = s.regs.syscall_args();
                let res = s.result as i64;
                let res = if (-4095..0).contains(&res) {
                    format!("-{}", errno_name(-res as i32))
                } else {
                    format!("{res:#x}")
                };
                let bytes: usize = s.writes.iter().map(|w| w.data.len()).sum();
                format!(
                    "{}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) = {res}{}{}{}",
                    arch.syscall_name(nr),
                    a[0],
                    a[1],
                    a[2],
                    a[3],
                    a[4],
                    a[5],
                    if bytes > 0 {
                        format!(", wrote {bytes} bytes")
                    } else {
                        String::new()
                    },
                    if s.map.is_some() { ", mapped" } else { "" },
                    if s.refused {
                        " (refused by rewind)"
                    } else {
                        ""
                    },
                )
            }
            Event::TimeCounter { regs, after, .. } => match (regs, after) {
                (Regs::X86_64(_), Regs::X86_64(a)) => format!(
                    "time counter at {:#x}: {:#x}",
                    regs.ip(),
                    (a.rdx << 32) | (a.rax & 0xffff_ffff)
                ),
                _ => format!("time counter at {:#x}", regs.ip()),
            },
            Event::Signal {
                signo,
                synchronous,
                regs,
                ..
            } => format!(
                "signal {} ({}) at {:#x}",
                signal_name(*signo),
                if *synchronous { "fault" } else { "sent" },
                regs.ip()
            ),
            Event::Exit { kind, .. } => format!("{kind}"),
            Event::SyscallEntry { regs, .. } => format!(
                "{} entered at {:#x}, blocking while other tasks run",
                arch.syscall_name(regs.syscall_nr()),
                regs.ip()
            ),
            Event::Preempt { regs, .. } => {
                format!("switched out at {:#x}", regs.ip())
            }
            Event::Execve {
                argv, exe, regs, ..
            } => format!(
                "runs {} ({}), entry at {:#x}",
                exe.original,
                argv.join(" "),
                regs.ip()
            ),
            Event::KernelWrite { writes, .. } => {
                let at: Vec<String> = writes
                    .iter()
                    .map(|w| format!("{} bytes at {:#x}", w.data.len(), w.addr))
                    .collect();
                format!(
                    "the kernel wrote {} outside a syscall of this thread",
                    at.join(", ")
                )
            }
            Event::Written {
                stream, len, crc, ..
            } => format!(
                "wrote {len} bytes (crc {crc:08x}){}",
                match stream {
                    Some(1) => " to rewind's stdout",
                    Some(2) => " to rewind's stderr",
                    _ => "",
                }
            ),
            Event::Spawned { child, ns_tids, .. } => match ns_tids.last() {
                Some(own) if own != child => {
                    format!("new task {child} (its own id {own} in its pid namespace)")
                }
                _ => format!("new task {child}"),
            },
            Event::Traced { op, .. } => match op {
                TracedOp::Step { signo, regs } => format!(
                    "single-stepped for its tracer to {:#x} ({})",
                    regs.ip(),
                    signal_name(*signo)
                ),
                TracedOp::Fault { signo, regs } => format!(
                    "stopped for its tracer at {:#x} by {}",
                    regs.ip(),
                    signal_name(*signo)
                ),
                TracedOp::AtEntry { regs } => format!(
                    "stopped for its tracer at the entry of {}",
                    arch.syscall_name(regs.syscall_nr())
                ),
                TracedOp::SetRegs { regs } => {
                    format!("registers set by its tracer (ip {:#x})", regs.ip())
                }
                TracedOp::SetXstate { area } => {
                    format!("vector registers set by its tracer ({} bytes)", area.len())
                }
            },
            Event::SyscallBuf { count, records, .. } => {
                let calls = rewind_syscallbuf::decode(records, *count)
                    .map(|recs| {
                        let mut names: Vec<(String, usize)> = Vec::new();
                        for r in &recs {
                            let n = arch.syscall_name(r.nr);
                            match names.iter_mut().find(|(m, _)| *m == n) {
                                Some((_, c)) => *c += 1,
                                None => names.push((n, 1)),
                            }
                        }
                        names
                            .iter()
                            .map(|(n, c)| format!("{n} x{c}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_else(|| "undecodable".into());
                format!(
                    "buffered syscalls: {count} ({} bytes): {calls}",
                    records.len()
                )
            }
        }
    }
}

/// A `Syscall` event of thread `tid` (x86_64 registers): syscall `nr` with
/// `args`, returning `result`, for unit tests.
#[cfg(test)]
pub(crate) fn test_syscall(tid: i32, nr: u64, args: [u64; 6], result: u64) -> Event {
    let mut r = crate::arch::x86_64::regs::Regs {
        orig_rax: nr,
        ..Default::default()
    };
    r.set_syscall_args(args);
    Event::Syscall(SyscallEvent {
        tid,
        regs: Regs::X86_64(r),
        result,
        writes: vec![],
        map: None,
        refused: false,
        ticks: None,
    })
}

/// The memory whose checksum completes a register anchor: the red zone
/// below the stack pointer and the innermost frames above it.
pub fn stack_anchor_range(sp: u64) -> (u64, usize) {
    (sp.saturating_sub(128), 128 + 512)
}

/// The anchor checksum of a stack window read at [`stack_window_range`]
/// (it covers the window's first [`stack_anchor_range`] bytes).
pub fn anchor_crc(window: &[u8]) -> u32 {
    let (_, len) = stack_anchor_range(0);
    crc32fast::hash(&window[..len.min(window.len())])
}

/// Whether the stack window read at an arrival ([`stack_window_range`]) is
/// the anchor's: its first bytes have the recorded checksum and, where the
/// event kept its window, every byte both reads hold is the recorded one.
/// The checksum alone confuses two arrivals of a recursion at the same
/// depth whose innermost frames agree (an interpreter's frames of one
/// method, the same arguments) while outer frames differ.
pub fn anchor_stack_matches(now: &[u8], crc: u32, recorded: &[u8]) -> bool {
    let n = now.len().min(recorded.len());
    anchor_crc(now) == crc && now[..n] == recorded[..n]
}

/// The stack window an anchored event keeps (`Signal` and `Preempt`'s
/// `stack`): it starts where [`stack_anchor_range`] does and reaches further
/// up, so that loop counters in larger frames are in it. The checksum covers
/// its first [`stack_anchor_range`] bytes.
pub fn stack_window_range(sp: u64) -> (u64, usize) {
    (sp.saturating_sub(128), 128 + 4096)
}

/// The symbolic name of an errno value (ENOENT), or its number.
pub fn errno_name(e: i32) -> String {
    let s = format!("{:?}", nix::errno::Errno::from_raw(e));
    if s == "UnknownErrno" {
        e.to_string()
    } else {
        s
    }
}

/// Byte vectors serialized as one blob rather than element by element
/// (postcard encodes both compactly; this keeps JSON dumps short as hex).
mod serde_bytes_compat {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            let hex: String = v.iter().map(|b| format!("{b:02x}")).collect();
            hex.serialize(s)
        } else {
            s.serialize_bytes(v)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if d.is_human_readable() {
            let hex = String::deserialize(d)?;
            (0..hex.len() / 2)
                .map(|i| {
                    u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("zz"), 16)
                        .map_err(serde::de::Error::custom)
                })
                .collect()
        } else {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Vec<u8>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                    Ok(v.to_vec())
                }
                fn visit_borrowed_bytes<E: serde::de::Error>(
                    self,
                    v: &'de [u8],
                ) -> Result<Vec<u8>, E> {
                    Ok(v.to_vec())
                }
                fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                    Ok(v)
                }
            }
            d.deserialize_bytes(V)
        }
    }
}

/// Events as formats 1 and 2 wrote them, for reading older traces.
pub mod legacy {
    use super::*;

    /// The header as formats 1 to 6 wrote it before it kept the CPU the
    /// recording was bound to and the hardware capability words.
    #[derive(Deserialize)]
    pub struct Header {
        pub arch: Arch,
        pub ticks: TickMode,
        pub cpuid: Vec<CpuidRecord>,
        pub argv: Vec<String>,
        pub env: Vec<String>,
        pub cwd: String,
        pub exe: SavedFile,
        pub interp: Option<SavedFile>,
        pub hostname: String,
        pub kernel: String,
        pub rewind_version: String,
        pub started: u64,
    }

    impl From<Header> for super::Header {
        fn from(h: Header) -> super::Header {
            super::Header {
                arch: h.arch,
                ticks: h.ticks,
                cpuid: h.cpuid,
                argv: h.argv,
                env: h.env,
                cwd: h.cwd,
                exe: h.exe,
                interp: h.interp,
                hostname: h.hostname,
                kernel: h.kernel,
                rewind_version: h.rewind_version,
                started: h.started,
                cpu: None,
                hwcaps: Vec::new(),
                cpuid_mode: None,
                syscall_buffer: None,
            }
        }
    }

    #[allow(clippy::large_enum_variant)]
    #[derive(Deserialize)]
    pub enum Event {
        Exec {
            pid: i32,
            tid: i32,
            regs: Regs,
            stack: MemWrite,
            maps: Vec<Mapping>,
            #[serde(with = "serde_bytes_compat")]
            auxv: Vec<u8>,
        },
        Syscall(SyscallEvent),
        TimeCounter {
            tid: i32,
            regs: Regs,
            after: Regs,
            ticks: Option<u64>,
        },
        Signal {
            tid: i32,
            signo: i32,
            #[serde(with = "serde_bytes_compat")]
            siginfo: Vec<u8>,
            synchronous: bool,
            regs: Regs,
            stack_crc: u32,
            ticks: Option<u64>,
        },
        Exit {
            tid: i32,
            kind: ExitKind,
        },
        SyscallEntry {
            tid: i32,
            regs: Regs,
            ticks: Option<u64>,
        },
        Preempt {
            tid: i32,
            regs: Regs,
            stack_crc: u32,
            #[serde(with = "serde_bytes_compat")]
            stack: Vec<u8>,
            ticks: Option<u64>,
        },
    }

    impl From<Event> for super::Event {
        fn from(e: Event) -> super::Event {
            match e {
                Event::Exec {
                    pid,
                    tid,
                    regs,
                    stack,
                    maps,
                    auxv,
                } => super::Event::Exec {
                    pid,
                    tid,
                    regs,
                    stack,
                    maps,
                    auxv,
                },
                Event::Syscall(s) => super::Event::Syscall(s),
                Event::TimeCounter {
                    tid,
                    regs,
                    after,
                    ticks,
                } => super::Event::TimeCounter {
                    tid,
                    regs,
                    after,
                    ticks,
                },
                Event::Signal {
                    tid,
                    signo,
                    siginfo,
                    synchronous,
                    regs,
                    stack_crc,
                    ticks,
                } => super::Event::Signal {
                    tid,
                    signo,
                    siginfo,
                    synchronous,
                    regs,
                    stack_crc,
                    stack: Vec::new(),
                    ticks,
                },
                Event::Exit { tid, kind } => super::Event::Exit { tid, kind },
                Event::SyscallEntry { tid, regs, ticks } => {
                    super::Event::SyscallEntry { tid, regs, ticks }
                }
                Event::Preempt {
                    tid,
                    regs,
                    stack_crc,
                    stack,
                    ticks,
                } => super::Event::Preempt {
                    tid,
                    regs,
                    stack_crc,
                    stack,
                    ticks,
                },
            }
        }
    }
}
