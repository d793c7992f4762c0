//! The recording session: start the program under ptrace, stop at every
//! syscall and signal, and write what the kernel did into the trace.

pub mod files;
pub mod output;
pub mod processes;
pub mod ptrace;
pub mod remote;
pub mod robust;
pub mod scratch;
pub mod seccomp;
pub mod signals;
pub mod syscallbuf;
pub mod syscalls;
pub mod threads;
pub mod vdso;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::arch::syscall::Action;
use crate::arch::{regs::Regs, Arch};
use crate::trace::{
    CpuidRecord, Event, ExitKind, Header, MapSource, MemWrite, SyscallEvent, TraceError,
    TraceWriter,
};
use crate::tracee::spawn::{spawn, SpawnError, SpawnSpec};
use crate::tracee::{maps, sys, Resume, Stop, Task, TaskError};
use files::FileSaver;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot find program {0:?} (not a file, and not found in PATH)")]
    NotFound(String),
    #[error("trace directory {0} already exists; choose another with -o or remove it")]
    Exists(PathBuf),
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("while recording: {0}")]
    Task(#[from] TaskError),
    #[error("cannot open the branch counter on the program: {0}; set REWIND_NO_PMU=1 to record without it")]
    Counter(std::io::Error),
    #[error("{0}")]
    Cpu(String),
    /// Something the program did that rewind cannot record yet.
    #[error("{0}")]
    Unsupported(String),
    #[error("cannot save {path} into the trace: {source}")]
    SaveFile {
        path: String,
        source: std::io::Error,
    },
    /// The program called a syscall rewind has no rule or policy for
    /// (its number is not in the architecture's table), and
    /// `--unknown-syscalls=enosys` was not given.
    #[error(
        "the program called syscall {nr}, which rewind does not know on {arch}: it is not in \
         rewind's syscall table, so what the kernel would write into the program's memory \
         cannot be recorded. Record again with `rewind record --unknown-syscalls=enosys ...` \
         to make such a call fail with ENOSYS in the program (most programs then fall back to \
         other syscalls), and report the syscall if the program needs it."
    )]
    UnknownSyscall { nr: u64, arch: &'static str },
    /// An error ended the recording after the program had started: the
    /// recorded processes were killed and the trace ends there.
    #[error(
        "{source}\nThe recording stopped there: every recorded process was killed, and the \
         trace {} keeps the {events} events before the error (`rewind replay -a` replays \
         them).{}",
        dir.display(),
        if matches!(**source, RecordError::UnknownSyscall { .. }) { "" } else { " Please report this." }
    )]
    CutShort {
        source: Box<RecordError>,
        events: u64,
        dir: PathBuf,
    },
}

/// What to record.
pub struct RecordOptions {
    pub argv: Vec<String>,
    /// Extra environment variables (VAR=VAL), added to rewind's own.
    pub env: Vec<String>,
    /// The trace directory to create.
    pub trace_dir: PathBuf,
    /// Print notes (how rewind went about things) as well as warnings.
    pub verbose: bool,
    /// Called once the trace exists and the program is started (the
    /// command line points `latest-trace` at it then, so that even a
    /// recording whose rewind is killed is the latest).
    pub on_start: Option<fn(&Path)>,
    /// The CPU to bind the recorded processes to (default: the one rewind
    /// runs on when it starts).
    pub cpu: Option<usize>,
    /// What a syscall rewind does not know does to the recording.
    pub unknown_syscalls: UnknownSyscalls,
    /// Run the program with the in-process syscall buffer
    /// (`record/syscallbuf.rs`); `--no-syscall-buffer` turns it off.
    pub syscall_buffer: bool,
}

/// Whether `rewind record` runs the program with the syscall buffer when
/// neither `--syscall-buffer` nor `--no-syscall-buffer` is given: off,
/// unless REWIND_SYSCALL_BUFFER is 1 (0 keeps it off).
pub fn syscall_buffer_by_default() -> bool {
    std::env::var("REWIND_SYSCALL_BUFFER").is_ok_and(|v| v == "1")
}

/// What happens when the program calls a syscall that has neither a
/// record/replay rule nor an explicit policy in the architecture's table
/// (`rewind record --unknown-syscalls`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownSyscalls {
    /// The recording stops there, with a message naming the syscall and
    /// what to do; the trace keeps the events before it.
    #[default]
    Stop,
    /// The call fails with ENOSYS in the program (recorded as refused),
    /// with a one-line warning.
    Enosys,
}

/// How a recording went.
pub struct RecordOutcome {
    /// How the first process ended; None when the recording was cut short.
    pub exit: Option<ExitKind>,
    /// Why the recording was cut short, if it was.
    pub cut: Option<crate::trace::Cut>,
    pub events: u64,
    pub bytes: u64,
}

/// Resolve `prog` the way a shell would: a path with a slash as is, else
/// the first executable match in PATH.
pub fn resolve_program(prog: &str) -> Result<PathBuf, RecordError> {
    let p = Path::new(prog);
    if prog.contains('/') {
        return if p.is_file() {
            std::fs::canonicalize(p).map_err(|_| RecordError::NotFound(prog.into()))
        } else {
            Err(RecordError::NotFound(prog.into()))
        };
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    for dir in path.split(':') {
        let c = Path::new(dir).join(prog);
        if c.is_file() {
            return std::fs::canonicalize(&c).map_err(|_| RecordError::NotFound(prog.into()));
        }
    }
    Err(RecordError::NotFound(prog.into()))
}

/// The environment the program gets: ours with the overrides applied.
fn program_env(extra: &[String]) -> Vec<String> {
    let mut env: Vec<String> = std::env::vars_os()
        .map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy()))
        .collect();
    for e in extra {
        let key = e.split('=').next().unwrap_or(e);
        env.retain(|x| x.split('=').next() != Some(key));
        env.push(e.clone());
    }
    env
}

/// This machine's CPUID answers as the header keeps them (run on the CPU
/// the recording is bound to).
pub fn cpuid_records(facts: &crate::arch::cpu::CpuFacts) -> Vec<CpuidRecord> {
    facts
        .cpuid
        .iter()
        .map(|&(leaf, subleaf, [eax, ebx, ecx, edx])| CpuidRecord {
            leaf,
            subleaf,
            eax,
            ebx,
            ecx,
            edx,
        })
        .collect()
}

/// The CPU to bind the recording to: `--cpu N` when it exists here, else
/// the one rewind runs on now.
fn choose_cpu(requested: Option<usize>) -> Result<usize, RecordError> {
    let Some(cpu) = requested else {
        return Ok(sys::current_cpu());
    };
    let allowed = sys::allowed_cpus();
    if allowed.contains(&cpu) {
        Ok(cpu)
    } else {
        Err(RecordError::Cpu(format!(
            "--cpu {cpu}: there is no CPU {cpu} that rewind may run on here (available: {})",
            crate::arch::cpu::cpu_list(&allowed)
        )))
    }
}

fn uname() -> (String, String) {
    match nix::sys::utsname::uname() {
        Ok(u) => (
            u.nodename().to_string_lossy().into_owned(),
            format!(
                "{} {}",
                u.sysname().to_string_lossy(),
                u.release().to_string_lossy()
            ),
        ),
        Err(_) => ("unknown".into(), "unknown".into()),
    }
}

/// The dynamic loader an ELF executable names (PT_INTERP), if any.
pub fn elf_interp(path: &Path) -> Option<String> {
    use object::read::elf::{ElfFile64, ProgramHeader};
    let data = std::fs::read(path).ok()?;
    let elf = ElfFile64::<object::Endianness>::parse(&*data).ok()?;
    let endian = elf.endian();
    for ph in elf.elf_program_headers() {
        if ph.p_type(endian) == object::elf::PT_INTERP {
            let bytes = ph.data(endian, &*data).ok()?;
            let s = bytes.split(|&b| b == 0).next()?;
            return Some(String::from_utf8_lossy(s).into_owned());
        }
    }
    None
}

/// AT_SYSINFO_EHDR: where the kernel's vDSO is.
const AT_SYSINFO_EHDR: u64 = 33;
/// AT_IGNORE: an auxv entry to be skipped.
const AT_IGNORE: u64 = 1;

/// Find the auxv on the initial stack (after argc, argv, NULL, envp, NULL)
/// and return its address.
pub fn auxv_addr(task: &Task, sp: u64) -> Result<u64, TaskError> {
    let argc = task.read_u64(sp)?;
    let mut p = sp + 8 + (argc + 1) * 8;
    // Environment pointers up to NULL.
    for _ in 0..100_000 {
        let v = task.read_u64(p)?;
        p += 8;
        if v == 0 {
            break;
        }
    }
    Ok(p)
}

/// Hide the vDSO from the program so that its time functions are plain
/// syscalls (which are recorded) rather than reads of kernel-updated memory.
fn hide_vdso(task: &Task, sp: u64) -> Result<(), TaskError> {
    let mut p = auxv_addr(task, sp)?;
    loop {
        let ty = task.read_u64(p)?;
        if ty == 0 {
            break;
        }
        if ty == AT_SYSINFO_EHDR {
            task.write_mem(p, &AT_IGNORE.to_le_bytes())?;
        }
        p += 16;
    }
    Ok(())
}

/// Read the auxv words from the stack (up to and including AT_NULL).
pub fn read_auxv(task: &Task, sp: u64) -> Result<Vec<u8>, TaskError> {
    let start = auxv_addr(task, sp)?;
    let mut p = start;
    loop {
        let ty = task.read_u64(p)?;
        p += 16;
        if ty == 0 {
            break;
        }
    }
    task.read_mem_exact(start, (p - start) as usize)
}

/// Whether a signal was raised by the instruction the thread was executing
/// (a fault, which replay meets again by itself) rather than sent to it
/// (which replay must deliver at the same point). The kernel sends timer
/// and child signals with si_code SI_KERNEL too, so the signal number
/// decides as much as the code.
pub fn is_synchronous(sig: i32, si_code: i32) -> bool {
    // A seccomp filter's SIGSYS: the replay installs no filter, so it is
    // sent again at the syscall's exit, like a signal held to a syscall.
    if seccomp::is_filter_trap(sig, si_code) {
        return false;
    }
    matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL | libc::SIGTRAP | libc::SIGSYS
    ) && si_code > 0
}

/// Syscalls refused or ioctls unknown, each warned about once.
#[derive(Default)]
struct Warnings {
    seen: HashSet<String>,
    /// Print notes too (`rewind record -v`).
    verbose: bool,
}

impl Warnings {
    /// A warning: something the user may need to act on. Always printed.
    fn once(&mut self, key: String, msg: impl FnOnce() -> String) {
        if self.seen.insert(key) {
            eprintln!("rewind: warning: {}", msg());
        }
    }

    /// A note: how rewind went about something, nothing to act on. Printed
    /// with `-v` only (the recording's output is the program's own).
    fn note_once(&mut self, key: String, msg: impl FnOnce() -> String) {
        if self.seen.insert(key) && self.verbose {
            eprintln!("rewind: note: {}", msg());
        }
    }
}

struct Recorder {
    /// The branch counter on the running thread, when the machine has one.
    counter: Option<crate::ticks::pmu::Counter>,
    /// The counter's event, for new threads.
    counter_event: Option<u64>,
    arch: Arch,
    /// The running thread.
    task: Task,
    /// Whether `task` is the running thread (false between a switch-out
    /// and the next switch-in).
    has_current: bool,
    /// The signal the running thread gets when resumed.
    pending_sig: Option<i32>,
    /// The other threads.
    threads: threads::Threads,
    /// The first process: its exit is the recording's.
    root: nix::unistd::Pid,
    /// How the first process ended, once it has.
    root_exit: Option<ExitKind>,
    /// Leaders whose end came while other threads of theirs lived.
    leader_exits: std::collections::BTreeMap<i32, ExitKind>,
    /// When the running thread was switched in.
    slice_start: std::time::Instant,
    slice_timer: threads::SliceTimer,
    /// Whether the slice timer runs for the current resume.
    slice_armed: bool,
    writer: syscallbuf::Writer,
    saver: FileSaver,
    warnings: Warnings,
    /// Each thread's scratch area for blocked syscalls' outputs: address
    /// and size (a guard page follows).
    scratch: std::collections::BTreeMap<i32, (u64, u64)>,
    /// Each thread's robust list head, from its set_robust_list.
    robust_heads: std::collections::BTreeMap<i32, u64>,
    /// A stop of the running thread already waited for, to be handled
    /// next.
    pending_stop: Option<Stop>,
    /// rewind's own stdout and stderr: writes that reach them are echoed
    /// at replay.
    own_outputs: output::OwnOutputs,
    /// Children of vfork that have not yet run a new program or ended:
    /// child pid -> the parent thread that waits for it, and its process.
    vfork_parents: std::collections::BTreeMap<i32, (i32, nix::unistd::Pid)>,
    /// CPUID faults in the program, and rewind records its answers.
    trap_cpuid: bool,
    /// What a syscall missing from the table does.
    unknown_syscalls: UnknownSyscalls,
    /// The program's own ptrace requests, carried out by rewind.
    ptrace: ptrace::Emulation,
    /// The program runs with the syscall buffer (its library preloaded,
    /// rewind's seccomp filter installed).
    buffering: bool,
    /// The syscall buffer's library, which every new program gets in
    /// LD_PRELOAD.
    preload: Option<String>,
    /// A recorded process installed a seccomp filter of its own: from
    /// then on every thread is resumed with PTRACE_SYSCALL (see
    /// `record/syscallbuf.rs`).
    own_filter: bool,
}

/// Record `opts.argv` into `opts.trace_dir`.
pub fn record(opts: &RecordOptions) -> Result<RecordOutcome, RecordError> {
    let prog = opts
        .argv
        .first()
        .ok_or_else(|| RecordError::NotFound(String::new()))?;
    let exe = resolve_program(prog)?;
    let exe_s = exe.to_string_lossy().into_owned();
    if opts.trace_dir.exists()
        && std::fs::read_dir(&opts.trace_dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(RecordError::Exists(opts.trace_dir.clone()));
    }
    let mut env = program_env(&opts.env);
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into());
    let cpu = choose_cpu(opts.cpu)?;
    sys::pin_to_cpu(cpu)
        .map_err(|e| RecordError::Cpu(format!("cannot bind rewind to CPU {cpu}: {e}")))?;
    let cpu_facts = crate::tracee::cpu::this_machine(Arch::host());
    let ticks = crate::ticks::detect();
    log::info!("recording with {}", ticks.describe());
    let (hostname, kernel) = uname();

    std::fs::create_dir_all(opts.trace_dir.join(crate::trace::FILES_DIR)).map_err(|source| {
        TraceError::Io {
            what: "create",
            path: opts.trace_dir.clone(),
            source,
        }
    })?;
    let mut saver = FileSaver::new(&opts.trace_dir.join(crate::trace::FILES_DIR));
    let save = |saver: &mut FileSaver, p: &str| {
        saver
            .save(Path::new(p), p)
            .map_err(|source| RecordError::SaveFile {
                path: p.to_string(),
                source,
            })
    };
    let buffering = if opts.syscall_buffer {
        match syscallbuf::prepare(&opts.trace_dir, Arch::host()) {
            Ok(b) => {
                syscallbuf::with_preload(&mut env, &b.library);
                Some(b)
            }
            Err(why) => {
                eprintln!("rewind: warning: {why}");
                None
            }
        }
    } else {
        None
    };
    let exe_saved = save(&mut saver, &exe_s)?;
    let interp = match elf_interp(&exe) {
        Some(i) => Some(save(&mut saver, &i)?),
        None => None,
    };
    let header = Header {
        arch: Arch::host(),
        ticks,
        cpuid: cpuid_records(&cpu_facts),
        argv: opts.argv.clone(),
        env: env.clone(),
        cwd,
        exe: exe_saved,
        interp,
        hostname,
        kernel,
        rewind_version: env!("CARGO_PKG_VERSION").to_string(),
        started: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        cpu: Some(cpu as u32),
        hwcaps: cpu_facts.auxv.clone(),
        cpuid_mode: Some(crate::arch::cpu::CpuidMode::for_recording(
            Arch::host(),
            crate::tracee::cpu::cpuid_faulting(),
            std::env::var_os("REWIND_NO_CPUID_FAULTING").is_some_and(|v| v != "0"),
        )),
        syscall_buffer: Some(buffering.is_some()),
    };
    let counter_event = match &header.ticks {
        crate::trace::TickMode::Pmu { event, .. } => Some(*event),
        crate::trace::TickMode::Anchors => None,
    };
    let writer = TraceWriter::create(&opts.trace_dir, &header)?;
    let task = spawn(&SpawnSpec {
        path: &exe_s,
        argv: &opts.argv,
        env: &env,
        cwd: None,
        cpu,
        own_pgrp: false,
        signals: None,
        filter: buffering.as_ref().map(|b| b.filter.as_slice()),
    })?;
    // What the program inherited ignored and blocked, for the replay.
    if let Some(s) = crate::tracee::spawn::signal_state(task.pid) {
        if s != crate::trace::InitialSignals::default() {
            if let Err(source) = s.write(&opts.trace_dir) {
                kill_and_reap(&[task.pid]);
                return Err(RecordError::SaveFile {
                    path: crate::trace::SIGNALS_FILE.into(),
                    source,
                });
            }
        }
    }
    // Ctrl-C at the terminal reaches the program, which is recorded
    // receiving it; rewind itself stays to finish the trace. SIGINT,
    // SIGTERM or SIGHUP sent to rewind itself cut the recording short.
    if sys::watch_stop_signals().is_err() {
        sys::ignore_sigint();
    }
    if let Some(f) = &opts.on_start {
        f(&opts.trace_dir);
    }
    let counter = match counter_event {
        Some(ev) => match crate::ticks::pmu::Counter::open(task.tid.as_raw(), ev) {
            Ok(c) => Some(c),
            Err(e) => {
                kill_and_reap(&[task.pid]);
                return Err(RecordError::Counter(e));
            }
        },
        None => None,
    };
    let root = task.pid;
    let trap_cpuid = header.cpuid_mode == Some(crate::arch::cpu::CpuidMode::Recorded);
    let mut rec = Recorder {
        counter,
        counter_event,
        arch: Arch::host(),
        task,
        has_current: true,
        pending_sig: None,
        threads: Default::default(),
        root,
        root_exit: None,
        leader_exits: Default::default(),
        slice_start: std::time::Instant::now(),
        slice_timer: Default::default(),
        slice_armed: false,
        writer: syscallbuf::Writer::new(writer),
        saver,
        warnings: Warnings {
            verbose: opts.verbose,
            ..Default::default()
        },
        scratch: Default::default(),
        robust_heads: Default::default(),
        pending_stop: None,
        own_outputs: output::OwnOutputs::of_rewind(),
        vfork_parents: Default::default(),
        trap_cpuid,
        unknown_syscalls: opts.unknown_syscalls,
        ptrace: Default::default(),
        buffering: buffering.is_some(),
        preload: buffering
            .as_ref()
            .map(|b| b.library.to_string_lossy().into_owned()),
        own_filter: false,
    };
    let ran = rec.record_exec().and_then(|()| rec.run());
    sys::stop_seen();
    let error = match ran {
        Ok(exit) => {
            rec.writer.flush()?;
            if let Err(e) = rec.saver.finish() {
                log::warn!("cannot update the identities of the saved files: {e}");
            }
            return Ok(RecordOutcome {
                exit: Some(exit),
                cut: None,
                events: rec.writer.count(),
                bytes: rec.writer.bytes_written(),
            });
        }
        Err(e) => e,
    };
    // Cut short: by a signal to rewind, or an error. Nothing of the
    // recording may outlive it; the events so far are kept and marked.
    let cause = match &error {
        RecordError::Task(TaskError::Interrupted { sig }) => crate::trace::CutCause::Signal(*sig),
        other => crate::trace::CutCause::Error(other.to_string()),
    };
    rec.slice_timer.cancel();
    kill_and_reap(&rec.live_processes());
    let flushed = rec.writer.flush();
    let cut = crate::trace::Cut {
        cause,
        events: rec.writer.count(),
    };
    let marked = cut.write(&opts.trace_dir);
    if let crate::trace::CutCause::Error(_) = cut.cause {
        return Err(RecordError::CutShort {
            source: Box::new(error),
            events: cut.events,
            dir: opts.trace_dir.clone(),
        });
    }
    flushed?;
    marked?;
    Ok(RecordOutcome {
        exit: None,
        events: cut.events,
        cut: Some(cut),
        bytes: rec.writer.bytes_written(),
    })
}

/// Kill processes `pids` (SIGKILL) and wait until no task of the
/// recording is left: every tracee, including any rewind did not know
/// yet (a child whose fork was not handled), is killed and let past its
/// last stops. Gives up after [`REAP_LIMIT`] with a warning naming what is
/// left (PTRACE_O_EXITKILL kills it when rewind exits).
fn kill_and_reap(pids: &[nix::unistd::Pid]) {
    for &p in pids {
        sys::kill_process(p);
    }
    let start = std::time::Instant::now();
    loop {
        match sys::waitpid_raw(nix::unistd::Pid::from_raw(-1), libc::__WALL | libc::WNOHANG) {
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return, // ECHILD: nothing left
            Ok(Some((tid, st))) => {
                if !libc::WIFEXITED(st) && !libc::WIFSIGNALED(st) {
                    // A stop: kill it (it may be a task we never saw) and
                    // let it go on to its end.
                    sys::kill_process(tid);
                    let _ = sys::ptrace_resume(libc::PTRACE_CONT, tid, 0);
                }
            }
            Ok(None) => {
                if start.elapsed() > REAP_LIMIT {
                    eprintln!(
                        "rewind: warning: some recorded tasks did not end within {REAP_LIMIT:?} \
                         of being killed; they die when rewind exits"
                    );
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    }
}

/// How long [`kill_and_reap`] waits for killed tasks to end.
const REAP_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Recorder {
    /// The processes of every task rewind knows of.
    fn live_processes(&self) -> Vec<nix::unistd::Pid> {
        let mut pids: Vec<nix::unistd::Pid> = std::iter::once(self.task.pid)
            .chain(self.threads.values().map(|p| p.task.pid))
            .collect();
        pids.sort();
        pids.dedup();
        pids
    }

    /// The branch count so far, with a hardware counter.
    fn ticks(&self) -> Option<u64> {
        self.counter.as_ref().and_then(|c| c.read().ok())
    }

    fn record_exec(&mut self) -> Result<(), RecordError> {
        if self.trap_cpuid {
            crate::tracee::cpu::make_cpuid_fault(&self.task, self.arch, true)?;
        }
        let (regs, stack, maps, auxv, vdso) = self.initial_state()?;
        self.writer.push(&Event::Exec {
            pid: self.task.pid.as_raw(),
            tid: self.task.tid.as_raw(),
            regs,
            stack,
            maps,
            auxv,
        })?;
        self.push_vdso(vdso)?;
        Ok(())
    }

    /// The patched vDSO's bytes, for the replay to write over its own
    /// (see `record/vdso.rs`).
    fn push_vdso(&mut self, vdso: Option<MemWrite>) -> Result<(), RecordError> {
        if let Some(v) = vdso {
            self.writer.push(&Event::KernelWrite {
                tid: self.task.tid.as_raw(),
                writes: vec![v],
            })?;
        }
        Ok(())
    }

    /// A new program's state at its first instruction, with the vDSO
    /// patched (or hidden): registers, initial stack, mappings, auxv and
    /// the patched vDSO's bytes.
    #[allow(clippy::type_complexity)]
    fn initial_state(
        &mut self,
    ) -> Result<
        (
            Regs,
            MemWrite,
            Vec<crate::trace::Mapping>,
            Vec<u8>,
            Option<MemWrite>,
        ),
        RecordError,
    > {
        let mut regs = self.task.regs()?;
        // At the exec stop execve has not returned yet; the program starts
        // with its result, 0, in the result register.
        regs.set_result(0);
        self.task.set_regs(&regs)?;
        let sp = regs.sp();
        let vdso = if std::env::var_os("REWIND_HIDE_VDSO").is_some() {
            None
        } else {
            vdso::patch(&self.task, self.arch)
        };
        if vdso.is_none() {
            hide_vdso(&self.task, sp)?;
        }
        let pid = self.task.pid.as_raw();
        let maps = maps::read(pid).map_err(|source| TaskError::Memory {
            op: "read maps of",
            tid: pid,
            addr: 0,
            source,
        })?;
        let stack_end = maps
            .iter()
            .find(|m| m.start <= sp && sp < m.end)
            .map(|m| m.end)
            .unwrap_or(sp);
        let stack = MemWrite {
            addr: sp,
            data: self.task.read_mem_exact(sp, (stack_end - sp) as usize)?,
        };
        let auxv = read_auxv(&self.task, sp)?;
        Ok((regs, stack, maps, auxv, vdso))
    }

    /// Step the program until it ends; returns how it ended.
    fn run(&mut self) -> Result<ExitKind, RecordError> {
        let mut deferred = signals::Deferrals::new();
        // Held-back signals sent again with tgkill, awaiting their delivery.
        let mut reinject: Vec<signals::Deferred> = Vec::new();
        // Where the last signal held back stopped the thread: not a point
        // the trace anchors, though the thread resumes from it (a second
        // signal may stop it there again at once).
        let mut held_at: Option<Regs> = None;
        loop {
            if let Some(sig) = sys::stop_requested() {
                return Err(TaskError::Interrupted { sig }.into());
            }
            if !self.has_current {
                if let Some(kind) = self.schedule()? {
                    return Ok(kind);
                }
            }
            // The registers the thread resumes with: a signal stop that
            // finds them unchanged comes at a point the trace already
            // anchors (a syscall's exit, a time-counter read).
            // A thread killed (SIGKILL) while it was parked is no longer
            // stopped: its end is its next stop.
            let resumed_with = match self.task.regs() {
                Ok(r) => Some(r),
                Err(e) if e.is_gone() => None,
                Err(e) => return Err(e.into()),
            };
            // The signal this resume delivers, if any.
            let mut delivered = None;
            let stop = match self.pending_stop.take() {
                Some(stop) => stop,
                None => {
                    self.arm_slice();
                    delivered = self.pending_sig.take();
                    let how = if self.buffering && !self.own_filter {
                        Resume::Untraced
                    } else {
                        Resume::Syscall
                    };
                    match self.task.resume(how, delivered) {
                        Err(e) if !e.is_gone() => return Err(e.into()),
                        _ => {}
                    }
                    let stop = self.wait_current()?;
                    self.slice_timer.cancel();
                    self.slice_armed = false;
                    stop
                }
            };
            match stop {
                Stop::SyscallEntry => {
                    if self.buffering
                        && self.task.regs()?.ip() == syscallbuf::untraced_ip(self.arch)
                    {
                        // A buffered call, stopped at only because the
                        // thread is resumed with PTRACE_SYSCALL: the
                        // library records it.
                        self.task.resume(Resume::Syscall, None)?;
                        match self.task.wait()? {
                            Stop::SyscallExit => {}
                            stop => self.pending_stop = Some(stop),
                        }
                        continue;
                    }
                    // The thread's buffered calls go before whatever this
                    // stop records, and before a fork copies the buffer.
                    self.writer.flush_thread(self.task.tid.as_raw())?;
                    if !deferred.is_empty() {
                        self.undo_syscall()?;
                        reinject.extend(deferred.take());
                        self.resend(&reinject);
                        continue;
                    }
                    if self.tracee_syscall_entry()? {
                        continue;
                    }
                    if let Some(ended) = self.ptrace_wait(self.task.regs()?)? {
                        if let Some(kind) = ended {
                            if self.process_ended(kind)? {
                                return Ok(self.root_exit.unwrap_or(kind));
                            }
                        }
                        continue;
                    }
                    if self.multi_threaded() {
                        let regs = self.task.regs()?;
                        match self.block_current(regs)? {
                            threads::Blocking::Yes => continue,
                            threads::Blocking::Interrupted(stop) => {
                                self.pending_stop = Some(stop);
                                continue;
                            }
                            threads::Blocking::No => {}
                        }
                    }
                    if let Some(kind) = self.record_syscall()? {
                        if self.process_ended(kind)? {
                            return Ok(self.root_exit.unwrap_or(kind));
                        }
                        continue;
                    }
                    if self.has_current {
                        self.tracee_syscall_exit(self.task.tid.as_raw())?;
                    }
                    if self.has_current {
                        let yielded =
                            self.arch.syscall_name(self.task.regs()?.syscall_nr()) == "sched_yield";
                        self.maybe_switch(yielded)?;
                    }
                }
                Stop::SyscallExit => {
                    // The exit of the execve that started the program.
                }
                Stop::Signal { sig, info } => {
                    let info = self.ptrace_sigchld_info(self.task.tid.as_raw(), sig, info);
                    if sig == libc::SIGSEGV && self.emulate_time_counter()? {
                        continue;
                    }
                    if signals::is_our_stop(sig, &info) {
                        if self.buffering
                            && syscallbuf::in_library(
                                self.task.pid.as_raw(),
                                self.task.regs()?.ip(),
                            )
                        {
                            // Inside the syscall buffer's library, whose
                            // registers and stack differ between recording
                            // and replay: no anchor here. The slice stays
                            // over, so the slice timer fires again in 1 ms;
                            // the wait for held-back signals starts again.
                            held_at = Some(self.task.regs()?);
                            self.want_traced_call();
                            if !deferred.is_empty() {
                                for d in deferred.take() {
                                    deferred.defer(d, self.task.pid, self.task.tid);
                                }
                            }
                            continue;
                        }
                        if deferred.is_empty() && reinject.is_empty() {
                            // The slice timer.
                            self.preempt()?;
                            continue;
                        }
                        // Our timer: deliver what was held back right here.
                        reinject.extend(deferred.take());
                        self.resend(&reinject);
                        continue;
                    }
                    if signals::is_ours(&info) {
                        if let Some(i) = reinject.iter().position(|d| d.sig == sig) {
                            let d = reinject.remove(i);
                            if self.tracee_signal(d.sig, &d.info)? {
                                continue;
                            }
                            self.task.set_siginfo(&d.info)?;
                            self.record_signal(d.sig, d.info)?;
                            self.pending_sig = Some(sig);
                            continue;
                        }
                    }
                    let code = crate::tracee::siginfo_code(&info);
                    let sync = is_synchronous(sig, code);
                    let here = self.task.regs()?;
                    if !sync && (Some(here) != resumed_with || held_at == Some(here)) {
                        held_at = Some(here);
                        // A thread in a stretch of buffered syscalls makes
                        // its next one traced.
                        self.want_traced_call();
                        // Between syscalls: hold it back until the next one.
                        deferred.defer(
                            signals::Deferred { sig, info },
                            self.task.pid,
                            self.task.tid,
                        );
                        continue;
                    }
                    if self.tracee_signal(sig, &info)? {
                        continue;
                    }
                    self.record_signal(sig, info)?;
                    self.pending_sig = Some(sig);
                }
                Stop::Other(sig) if threads::is_stop_signal(sig) => {
                    if self.tracee_group_stop(sig)? {
                        continue;
                    }
                    // A group-stop: the thread waits for a SIGCONT.
                    self.switch_out(threads::ParkedState::GroupStopped)?;
                }
                Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXIT => {
                    // Dying of a signal: its memory is still there.
                    if delivered.is_none() {
                        self.note_filter_kill(resumed_with)?;
                    }
                    self.vfork_child_leaving()?;
                }
                Stop::Event(_) | Stop::Other(_) => {}
                Stop::Exited(c) => {
                    if let Some(kind) = self.end_with(ExitKind::Exited(c))? {
                        return Ok(kind);
                    }
                }
                Stop::Killed(s) => {
                    if let Some(kind) = self.end_with(ExitKind::Killed(s))? {
                        return Ok(kind);
                    }
                }
            }
        }
    }

    /// The running thread ended outside a syscall (killed by a signal):
    /// its process ends with it. The recording's exit status when no task
    /// is left.
    fn end_with(&mut self, kind: ExitKind) -> Result<Option<ExitKind>, RecordError> {
        let kind = self.reap_process(Some(kind));
        if self.process_ended(kind)? {
            return Ok(Some(self.root_exit.unwrap_or(kind)));
        }
        Ok(None)
    }

    /// The running thread's stack window at `regs` (see
    /// [`crate::trace::stack_window_range`]), which anchors a point.
    fn stack_window(&self, regs: &Regs) -> Vec<u8> {
        let (at, len) = crate::trace::stack_window_range(regs.sp());
        self.task.read_mem(at, len)
    }

    /// Record a signal about to be delivered at the current stop.
    fn record_signal(&mut self, sig: i32, info: Vec<u8>) -> Result<(), RecordError> {
        let regs = self.task.regs()?;
        let window = self.stack_window(&regs);
        let stack_crc = crate::trace::anchor_crc(&window);
        let code = crate::tracee::siginfo_code(&info);
        let synchronous = is_synchronous(sig, code);
        // Only a sent signal is placed by its anchor: keep its stack window.
        let stack = if synchronous { Vec::new() } else { window };
        self.writer.push(&Event::Signal {
            tid: self.task.tid.as_raw(),
            signo: sig,
            siginfo: info,
            synchronous,
            regs,
            stack_crc,
            stack,
            ticks: self.ticks(),
        })?;
        Ok(())
    }

    /// At a syscall entry: undo the syscall, so that the thread is back at
    /// its syscall instruction (which runs again after any signal handler).
    fn undo_syscall(&mut self) -> Result<(), RecordError> {
        let tid = self.task.tid.as_raw();
        let mut r = self.task.regs()?;
        // Skip the syscall: its exit stop follows at once.
        let nr = r.syscall_nr();
        r.set_syscall_nr(u64::MAX);
        self.task.set_regs(&r)?;
        self.task.resume(Resume::Syscall, None)?;
        match self.task.wait()? {
            Stop::SyscallExit => {}
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "undoing a syscall to deliver a signal",
                    stop,
                }
                .into())
            }
        }
        r.rewind_to_syscall(nr);
        self.task.set_regs(&r)?;
        Ok(())
    }

    /// Send held-back signals again, so that each has a delivery stop at
    /// the current point, where its original siginfo is put back.
    fn resend(&self, signals: &[signals::Deferred]) {
        for d in signals {
            let _ = sys::tgkill(self.task.pid, self.task.tid, d.sig);
        }
    }

    /// A SIGSEGV at a time-counter instruction: read the counter ourselves,
    /// put it in the registers, skip the instruction, record both states.
    fn emulate_time_counter(&mut self) -> Result<bool, RecordError> {
        let regs = self.task.regs()?;
        let code = self
            .task
            .read_mem(regs.ip(), self.arch.trapped_insn_max_len());
        // CPUID is asked on the CPU the program is bound to, as it would have.
        let Some(after) = regs.emulate_trapped(&code, &sys::Host) else {
            return Ok(false);
        };
        self.task.set_regs(&after)?;
        self.writer.push(&Event::TimeCounter {
            tid: self.task.tid.as_raw(),
            regs,
            after,
            ticks: self.ticks(),
        })?;
        Ok(true)
    }

    /// At a syscall entry: let it run (or refuse it), record its result and
    /// what it wrote. Returns the exit kind when the process ended in it.
    fn record_syscall(&mut self) -> Result<Option<ExitKind>, RecordError> {
        let tid = self.task.tid.as_raw();
        let regs = self.task.regs()?;
        let nr = regs.syscall_nr();
        let args = regs.syscall_args();
        let desc = self.arch.syscall(nr);
        if nr == rewind_syscallbuf::layout::REGISTER_NR {
            return self.register_buffer(regs);
        }
        if desc.is_some_and(|d| d.name == "ptrace") {
            return self.emulate_ptrace(regs);
        }
        if let Some((prog, flags)) = desc.and_then(|d| seccomp::filter_install(d.name, &args)) {
            return self.record_filter_install(regs, prog, flags);
        }
        if let Some(mode) = desc.and_then(|d| seccomp::strict_mode(d.name, &args)) {
            return self.refuse_strict_mode(regs, mode);
        }
        if desc.is_none() && self.unknown_syscalls == UnknownSyscalls::Stop {
            return Err(RecordError::UnknownSyscall {
                nr,
                arch: self.arch.name(),
            });
        }
        let refuse_why = match desc {
            None => Some(""),
            Some(d) => match d.action {
                Action::Refuse { why } => Some(why),
                Action::Clone if crate::arch::fork::shares_memory_as_process(&args) => {
                    Some(crate::arch::cmds::shapes::WHY_SHARED_VM)
                }
                Action::Prctl => match crate::arch::cmds::prctl_policy(args[0]) {
                    crate::arch::cmds::PrctlPolicy::Refuse { why } => Some(why),
                    _ => None,
                },
                _ => None,
            },
        };
        if refuse_why.is_none() {
            if let Some(answer) = desc.and_then(|d| syscalls::intercept(self.arch, d, &args)) {
                return self.answer_syscall(regs, answer);
            }
            if let Some(Action::Exec) = desc.map(|d| d.action) {
                return self.record_execve(regs);
            }
            match desc.and_then(|d| crate::arch::fork::new_task(d.action, &args)) {
                Some(crate::arch::fork::NewTask::Thread) => return self.record_clone(regs),
                Some(crate::arch::fork::NewTask::Process) => return self.record_fork(regs),
                None => {}
            }
        }
        if let Some(why) = refuse_why {
            let name = self.arch.syscall_name(nr);
            let unknown = desc.is_none();
            let msg = || {
                if unknown {
                    format!("the program called syscall {nr}, which rewind does not know: it failed with ENOSYS (--unknown-syscalls=enosys) and the program went on.")
                } else {
                    format!("the program called {name} (syscall {nr}); {why}. It was refused with ENOSYS and the program went on.")
                }
            };
            // rseq and clone3 are refused on purpose, for the C library's
            // fallback: a note, not a warning.
            if crate::arch::cmds::refusal_is_routine(&name) {
                self.warnings.note_once(format!("syscall {nr}"), msg);
            } else {
                self.warnings.once(format!("syscall {nr}"), msg);
            }
            let mut r = regs;
            r.set_syscall_nr(u64::MAX);
            self.task.set_regs(&r)?;
        }
        let snap = match desc {
            Some(d) if refuse_why.is_none() => self.entry_snapshot(d, &args),
            _ => Default::default(),
        };
        if let Some(d) = desc {
            if d.action == Action::Exit {
                if d.name == "exit_group" || !self.others_in_process() {
                    // Before the exit's event: the `Exit` event follows it.
                    self.vfork_child_leaving()?;
                }
                let robust = self.robust_exit_writes(d.name == "exit_group");
                self.push_syscall(regs, 0, robust, false)?;
                if d.name == "exit" && self.others_in_process() {
                    return self.thread_exit();
                }
            }
        }
        self.task.resume(Resume::Syscall, None)?;
        let stop = self.task.wait()?;
        match stop {
            Stop::SyscallExit => {}
            Stop::Event(ev) if ev == libc::PTRACE_EVENT_EXIT => {
                if self.tracee_exit_event()? {
                    // Stopped for its tracer first; it ends when resumed.
                    return Ok(None);
                }
                // exit_group, or killed inside the syscall: every thread of
                // the process ends (unless a filter killed this one alone).
                self.filter_killed_thread()?;
                return Ok(Some(self.reap_process(None)));
            }
            Stop::Exited(c) => return Ok(Some(self.reap_process(Some(ExitKind::Exited(c))))),
            Stop::Killed(s) => return Ok(Some(self.reap_process(Some(ExitKind::Killed(s))))),
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "a syscall",
                    stop,
                }
                .into())
            }
        }
        match (desc, refuse_why) {
            (Some(d), None) => self.push_syscall_exit(regs, d, &snap)?,
            _ => {
                let result = self.task.regs()?.result();
                self.push_syscall(regs, result, Vec::new(), true)?;
            }
        }
        Ok(None)
    }

    /// The syscall buffer library's registration of the running thread's
    /// buffer: answered 0 (and the buffer set to recording) when this
    /// recording runs with the buffer and the library's layout is ours,
    /// else -EINVAL (the library then stays out of the way).
    fn register_buffer(&mut self, regs: Regs) -> Result<Option<ExitKind>, RecordError> {
        use rewind_syscallbuf::layout::*;
        let [addr, size, trampoline, version, ..] = regs.syscall_args();
        let ok = self.buffering
            && !self.own_filter
            && size == BUF_SIZE
            && trampoline == TRAMPOLINE_ADDR
            && version == LAYOUT_VERSION;
        let result = if ok { 0 } else { (-libc::EINVAL) as i64 as u64 };
        let ended = self.answer_syscall(
            regs,
            syscalls::Answer {
                result,
                writes: Vec::new(),
            },
        )?;
        if ok && ended.is_none() {
            let [(d0, i0), (d1, i1)] = self.own_outputs.ids();
            let mut hdr = Vec::new();
            for (off, v) in [
                (HDR_MODE, MODE_RECORD),
                (HDR_COUNT, 0),
                (HDR_USED, 0),
                (HDR_OUT_DEV0, d0),
                (HDR_OUT_INO0, i0),
                (HDR_OUT_DEV1, d1),
                (HDR_OUT_INO1, i1),
            ] {
                hdr.push((off, v));
            }
            for (off, v) in hdr {
                self.task.write_mem(addr + off, &v.to_le_bytes())?;
            }
            self.writer.register(self.task.tid.as_raw(), addr);
        }
        Ok(ended)
    }

    /// Ask the running thread's syscall buffer library, if it has one, to
    /// make its next call traced (see `HDR_TRACE_NEXT`).
    fn want_traced_call(&self) {
        if let Some(addr) = self.writer.buffer_of(self.task.tid.as_raw()) {
            let at = addr + rewind_syscallbuf::layout::HDR_TRACE_NEXT;
            let _ = self.task.write_mem(at, &1u64.to_le_bytes());
        }
    }

    /// What must be read at the entry of syscall `d` of the running thread
    /// for its recording at exit.
    fn entry_snapshot(
        &self,
        d: &crate::arch::syscall::SyscallDesc,
        args: &[u64; 6],
    ) -> syscalls::EntrySnapshot {
        syscalls::EntrySnapshot {
            output: output::at_entry(&self.task, &self.own_outputs, d.name, args),
            ..syscalls::snapshot_entry(&self.task, d, args)
        }
    }

    /// What the kernel will write into the robust locks held by the
    /// running thread (or, for exit_group, by every thread of its process)
    /// as they end.
    fn robust_exit_writes(&self, whole_process: bool) -> Vec<MemWrite> {
        let pid = self.task.pid;
        let mut tids = vec![self.task.tid.as_raw()];
        if whole_process {
            tids.extend(
                self.threads
                    .iter()
                    .filter(|(_, p)| p.task.pid == pid)
                    .map(|(&t, _)| t),
            );
        }
        tids.iter()
            .filter_map(|t| self.robust_heads.get(t).map(|&h| (*t, h)))
            // A lock's word holds its owner's id as the owner sees it
            // (in its own pid namespace).
            .flat_map(|(t, head)| {
                let own = processes::own_tid(nix::unistd::Pid::from_raw(t));
                robust::exit_writes(&self.task, own, head)
            })
            .collect()
    }

    /// A `Syscall` event of the running thread with no file mapping.
    fn push_syscall(
        &mut self,
        regs: Regs,
        result: u64,
        writes: Vec<MemWrite>,
        refused: bool,
    ) -> Result<(), RecordError> {
        self.writer.push(&Event::Syscall(SyscallEvent {
            tid: self.task.tid.as_raw(),
            regs,
            result,
            writes,
            map: None,
            refused,
            ticks: self.ticks(),
        }))?;
        Ok(())
    }

    /// At the exit stop of a syscall that ran: its result and what it
    /// wrote, as an event.
    fn push_syscall_exit(
        &mut self,
        regs: Regs,
        d: &'static crate::arch::syscall::SyscallDesc,
        snap: &syscalls::EntrySnapshot,
    ) -> Result<(), RecordError> {
        let tid = self.task.tid.as_raw();
        let args = regs.syscall_args();
        let after = self.task.regs()?;
        let result = after.result();
        let mut warn = |name: String| {
            let key = format!("ioctl {name}");
            self.warnings.once(key, || {
                format!("unknown {name}: recorded what its number says it writes; if replay diverges here, report this ioctl")
            })
        };
        let ranges = syscalls::out_ranges(
            self.arch,
            &self.task,
            d,
            &args,
            result as i64,
            snap,
            &mut warn,
        );
        let writes = syscalls::read_ranges(&self.task, &ranges);
        if result == 0 && d.name == "set_robust_list" {
            self.robust_heads.insert(tid, args[0]);
        }
        if result == 0 && threads::sent_signal(d.name, &args) == Some(libc::SIGCONT) {
            self.wake_continued();
        }
        let map = match d.action {
            Action::Mmap if (result as i64) >= 0 => self.map_source(&args, result)?,
            Action::Shmat if (result as i64) >= 0 => self.segment_source(args[0], result)?,
            _ => None,
        };
        self.writer.push(&Event::Syscall(SyscallEvent {
            tid,
            regs,
            result,
            writes,
            map,
            refused: false,
            ticks: self.ticks(),
        }))?;
        let mut warnings = std::mem::take(&mut self.warnings);
        let written = snap.output.as_ref().and_then(|pending| {
            output::at_exit(&self.task, pending, d.name, &args, result, &mut |msg| {
                warnings.once(format!("output {}", d.name), || msg)
            })
        });
        self.warnings = warnings;
        if let Some(ev) = written {
            self.writer.push(&ev)?;
        }
        if let Some((target, writes)) = remote::remote_writes(&self.task, d.name, &args, result) {
            self.writer.push(&Event::KernelWrite {
                tid: target,
                writes,
            })?;
        }
        Ok(())
    }

    /// Answer a syscall ourselves instead of the kernel: skip it, put the
    /// answer in place, and record it like any emulated syscall.
    fn answer_syscall(
        &mut self,
        regs: Regs,
        answer: syscalls::Answer,
    ) -> Result<Option<ExitKind>, RecordError> {
        let tid = self.task.tid.as_raw();
        let mut r = regs;
        r.set_syscall_nr(u64::MAX);
        self.task.set_regs(&r)?;
        self.task.resume(Resume::Syscall, None)?;
        match self.task.wait()? {
            Stop::SyscallExit => {}
            Stop::Exited(c) => return Ok(Some(ExitKind::Exited(c))),
            Stop::Killed(s) => return Ok(Some(ExitKind::Killed(s))),
            stop => {
                return Err(TaskError::UnexpectedStop {
                    tid,
                    during: "a syscall answered by rewind",
                    stop,
                }
                .into())
            }
        }
        for w in &answer.writes {
            self.task.write_mem(w.addr, &w.data)?;
        }
        let mut after = self.task.regs()?;
        after.set_result(answer.result);
        self.task.set_regs(&after)?;
        self.push_syscall(regs, answer.result, answer.writes, false)?;
        Ok(None)
    }

    /// Whether a recorded process maps the file (`dev`, `ino`) other than
    /// by the running process's new mapping at `addr`.
    fn mapped_elsewhere(&self, dev: u64, ino: u64, addr: u64) -> bool {
        let me = self.task.pid;
        let mut pids: Vec<nix::unistd::Pid> = std::iter::once(me)
            .chain(self.threads.values().map(|p| p.task.pid))
            .collect();
        pids.sort();
        pids.dedup();
        let dev_text = format!(
            "{:02x}:{:02x}",
            nix::sys::stat::major(dev),
            nix::sys::stat::minor(dev)
        );
        let ino_text = ino.to_string();
        pids.iter().any(|&pid| {
            let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
            maps.lines().any(|l| {
                let f: Vec<&str> = l.split_whitespace().take(5).collect();
                let [range, _, _, d, i] = f[..] else {
                    return false;
                };
                let start = range
                    .split_once('-')
                    .and_then(|(s, _)| u64::from_str_radix(s, 16).ok());
                d == dev_text && i == ino_text && !(pid == me && start == Some(addr))
            })
        })
    }

    /// For a successful shmat of segment `id` at `addr`: the segment, kept
    /// as a file (its contents now, at its first attach in the recording;
    /// later attaches of the same segment name the same copy).
    fn segment_source(&mut self, id: u64, addr: u64) -> Result<Option<MapSource>, RecordError> {
        let pid = self.task.pid.as_raw();
        let range = maps::read(pid)
            .unwrap_or_default()
            .into_iter()
            .find(|m| m.start == addr)
            .map(|m| format!("{:x}-{:x}", m.start, m.end));
        let original = format!("System V shared memory segment {id}");
        let link = PathBuf::from(format!(
            "/proc/{pid}/map_files/{}",
            range.unwrap_or_default()
        ));
        let elsewhere = std::fs::metadata(&link).is_ok_and(|md| {
            use std::os::unix::fs::MetadataExt;
            self.mapped_elsewhere(md.dev(), md.ino(), addr)
        });
        let saved = self
            .saver
            .save_shared(&link, &original, elsewhere)
            .map_err(|source| RecordError::SaveFile {
                path: format!("{original} (attached at {addr:#x})"),
                source,
            })?;
        Ok(Some(MapSource::File {
            original: saved.original,
            saved: saved.saved,
            offset: 0,
        }))
    }

    /// For a successful mmap of a file: save the file (or its mapped
    /// contents) so replay can map the same bytes.
    fn map_source(&mut self, args: &[u64; 6], addr: u64) -> Result<Option<MapSource>, RecordError> {
        let flags = args[3] as i32;
        if flags & libc::MAP_ANONYMOUS != 0 {
            return Ok(None);
        }
        let fd = args[4] as i32;
        let pid = self.task.pid.as_raw();
        let link = PathBuf::from(format!("/proc/{pid}/fd/{fd}"));
        let target = std::fs::read_link(&link)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_regular = std::fs::metadata(&link)
            .map(|m| m.file_type().is_file())
            .unwrap_or(false);
        if is_regular {
            let saved = if shared_and_writable(pid, fd, flags) {
                let elsewhere = std::fs::metadata(&link).is_ok_and(|md| {
                    use std::os::unix::fs::MetadataExt;
                    self.mapped_elsewhere(md.dev(), md.ino(), addr)
                });
                self.saver.save_shared(&link, &target, elsewhere)
            } else {
                self.saver.save(&link, &target)
            };
            match saved {
                Ok(saved) => {
                    return Ok(Some(MapSource::File {
                        original: saved.original,
                        saved: saved.saved,
                        offset: args[5],
                    }))
                }
                Err(e) => {
                    log::warn!("cannot save mapped file {target}: {e}; recording its contents")
                }
            }
        }
        let len = args[1];
        let data = self.task.read_mem(addr, len as usize);
        Ok(Some(MapSource::Contents {
            len,
            writes: vec![MemWrite { addr, data }],
        }))
    }
}

/// Whether a file mapping (`flags` of the mmap, the file open as `fd` in
/// process `pid`) is shared and may be written, by this mapping or
/// another: MAP_SHARED of a file opened for writing. Such a file is copied
/// into the trace as it is now and mapped shared at replay (see
/// `FileSaver::save_shared`); a read-only file is linked as usual.
fn shared_and_writable(pid: i32, fd: i32, flags: i32) -> bool {
    let kind = flags & 0x3;
    if kind != libc::MAP_SHARED && kind != libc::MAP_SHARED_VALIDATE {
        return false;
    }
    let Ok(info) = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")) else {
        return true;
    };
    info.lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|v| i32::from_str_radix(v.trim(), 8).ok())
        .is_none_or(|f| f & libc::O_ACCMODE != libc::O_RDONLY)
}
