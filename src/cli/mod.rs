//! The command line: `rewind record`, `replay`, `dap`, `ls`, `ps`, `dump`, `info`, `pack`.

mod dirs;
mod inspect;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::record::{record, RecordOptions};
use crate::replay::{Echo, EndKind, ReplaySession, RunMode, StopReason};

#[derive(Parser, Debug)]
#[command(
    name = "rewind",
    version,
    about = "Record a program's execution, replay it exactly, and debug it backwards and forwards",
    long_about = "Record a program's execution, replay it exactly, and debug it backwards and forwards.\n\n\
                  Traces go to $REWIND_TRACE_DIR (default $XDG_DATA_HOME/rewind, i.e. ~/.local/share/rewind).\n\
                  Logging: RUST_LOG=debug rewind ..."
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run PROG and record everything nondeterministic about its run.
    ///
    /// rewind exits with the program's status. SIGINT, SIGTERM or SIGHUP
    /// sent to rewind itself cut the recording short: the program is
    /// killed, the trace is kept up to there (and replays up to there), and
    /// rewind exits with 128 + the signal's number. A Ctrl-C at the
    /// terminal goes to the program, as without rewind.
    Record {
        /// Write the trace to this directory (default: a new one in the trace dir).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Set an environment variable for the program (repeatable).
        #[arg(short = 'e', long = "env", value_name = "VAR=VAL")]
        env: Vec<String>,
        /// Also say how the recording goes about things (tick mode,
        /// syscalls refused for the C library's fallback, where the trace
        /// went). Without it, rewind prints only warnings that ask you to
        /// act, so the output is the program's own.
        #[arg(short = 'v', long = "verbose")]
        verbose: bool,
        /// Bind the recorded processes to this CPU (default: the one rewind
        /// starts on); the replay binds to the same one.
        #[arg(long = "cpu", value_name = "N")]
        cpu: Option<usize>,
        /// What a syscall rewind does not know does: `stop` ends the
        /// recording there, naming it (the trace keeps what came before);
        /// `enosys` makes it fail with ENOSYS in the program, with a
        /// warning. Syscalls rewind refuses on purpose (io_uring_setup,
        /// clone3, rseq...) fail with ENOSYS either way.
        #[arg(
            long = "unknown-syscalls",
            value_name = "POLICY",
            value_enum,
            default_value = "stop"
        )]
        unknown_syscalls: UnknownSyscallsArg,
        /// Run the program with the in-process syscall buffer: common
        /// syscalls that cannot block (reads and writes of regular files,
        /// stat, open, close, lseek, clock_gettime, getpid...) are made by
        /// a library rewind preloads, without a stop of rewind's each, and
        /// kept in the trace in batches. Default: off, or what
        /// REWIND_SYSCALL_BUFFER (1 or 0) says.
        #[arg(long = "syscall-buffer", overrides_with = "no_syscall_buffer")]
        syscall_buffer: bool,
        /// Record every syscall with a stop of rewind's (no preloaded
        /// library, no seccomp filter of rewind's in the program).
        #[arg(
            short = 'n',
            long = "no-syscall-buffer",
            overrides_with = "syscall_buffer"
        )]
        no_syscall_buffer: bool,
        /// The program and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        argv: Vec<String>,
    },
    /// Replay a trace: under gdb (default), behind a gdb server (-s), or alone (-a).
    #[command(after_help = AUTOPILOT_STATUSES)]
    Replay {
        /// Replay to the end without a debugger, re-emitting the program's
        /// output and checking every event (exit statuses below).
        #[arg(short = 'a', long = "autopilot", conflicts_with = "port")]
        autopilot: bool,
        /// Serve the replay to a debugger on this TCP port.
        #[arg(short = 's', long = "port")]
        port: Option<u16>,
        /// Address to listen on with -s.
        #[arg(long = "host", default_value = "127.0.0.1")]
        host: String,
        /// The debugger to launch (default gdb).
        #[arg(long = "debugger", default_value = "gdb")]
        debugger: String,
        /// Debug this process (a pid or a program name, as `rewind ps`
        /// shows them), from where it runs its program.
        #[arg(
            short = 'p',
            long = "onprocess",
            value_name = "PID|NAME",
            conflicts_with = "autopilot"
        )]
        onprocess: Option<String>,
        /// Debug this process from just after the fork that made it.
        #[arg(short = 'f', long = "onfork", value_name = "PID", conflicts_with_all = ["autopilot", "onprocess"])]
        onfork: Option<i32>,
        /// Bind the replay to this CPU instead of the one the trace was
        /// recorded on (output that depends on the CPU may differ).
        #[arg(long = "cpu", value_name = "N")]
        cpu: Option<usize>,
        /// Replay even when this machine's CPU features differ from the
        /// recording machine's (the replay may diverge).
        #[arg(long = "ignore-cpu-mismatch")]
        ignore_cpu_mismatch: bool,
        /// With -s: re-emit the program's output on rewind's stdout and
        /// stderr as the replay passes it, each write once (not again when
        /// going back and forward over it).
        #[arg(long = "echo", requires = "port")]
        echo: bool,
        /// Start the debugging session at this event (as `monitor when`
        /// numbers them) instead of the first instruction; going back
        /// before it still works.
        #[arg(
            short = 'g',
            long = "goto",
            value_name = "EVENT",
            conflicts_with = "autopilot"
        )]
        goto: Option<u64>,
        /// The trace directory (default: the latest trace).
        trace: Option<PathBuf>,
    },
    /// Serve the Debug Adapter Protocol (for editors such as VS Code) on
    /// stdin/stdout, or on a TCP port: the client's `launch` names the
    /// trace (default: the latest), which is debugged forwards and
    /// backwards at source level through gdb.
    Dap {
        /// Listen on this TCP port for one client instead of using
        /// stdin/stdout.
        #[arg(long = "port")]
        port: Option<u16>,
        /// Address to listen on with --port.
        #[arg(long = "host", default_value = "127.0.0.1")]
        host: String,
    },
    /// List recorded traces.
    Ls,
    /// List the processes in a trace, with their exit status.
    Ps { trace: Option<PathBuf> },
    /// Print every event of a trace.
    Dump {
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
        /// Only the events N-20 to N+20, with event N marked (a divergence
        /// report names N).
        #[arg(long, value_name = "N")]
        around: Option<u64>,
        trace: Option<PathBuf>,
    },
    /// Print a trace's header: architecture, tick mode, command line, sizes.
    Info { trace: Option<PathBuf> },
    /// Make a trace self-contained: replace the files it shares with the
    /// originals (hard links) by private copies.
    Pack { trace: Option<PathBuf> },
}

/// Exit statuses of `rewind replay -a`.
pub mod status {
    /// Every event was replayed and checked, to the recorded end.
    pub const FAITHFUL: i32 = 0;
    /// The replay could not start: the trace is missing or unreadable
    /// (not a trace, another format version, a damaged header), from
    /// another architecture, or its program cannot be started.
    pub const CANNOT_START: i32 = 1;
    /// The command line is wrong (as for every command).
    pub const USAGE: i32 = 2;
    /// The replay diverged from the recording.
    pub const DIVERGED: i32 = 3;
    /// The trace was cut short or is damaged part-way: what it holds
    /// replayed faithfully, but it has no recorded end.
    pub const CUT_SHORT: i32 = 4;
    /// The replay failed for another reason (an error of rewind or of the
    /// system while replaying).
    pub const FAILED: i32 = 5;
}

const AUTOPILOT_STATUSES: &str = "\
Exit status of `replay -a`:
  0  faithful: every event was replayed and checked, to the recorded end
  1  the replay could not start (trace missing or unreadable, other architecture...)
  2  wrong command line
  3  the replay diverged from the recording (the message names the event; see
     `rewind dump --around N`)
  4  the trace was cut short or is damaged: what it holds replayed faithfully
  5  the replay failed for another reason (an error of rewind or the system)";

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("rewind: {msg}");
            1
        }
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    match cli.cmd {
        Command::Record {
            output,
            env,
            verbose,
            cpu,
            unknown_syscalls,
            syscall_buffer,
            no_syscall_buffer,
            argv,
        } => {
            let buffer = if syscall_buffer {
                true
            } else if no_syscall_buffer {
                false
            } else {
                crate::record::syscall_buffer_by_default()
            };
            cmd_record(
                output,
                env,
                verbose,
                cpu,
                unknown_syscalls.into(),
                buffer,
                argv,
            )
        }
        Command::Replay {
            autopilot,
            port,
            host,
            debugger,
            onprocess,
            onfork,
            cpu,
            ignore_cpu_mismatch,
            echo,
            goto,
            trace,
        } => {
            let dir = dirs::resolve_trace(trace)?;
            let opts = crate::replay::ReplayOptions {
                cpu,
                ignore_cpu_mismatch,
            };
            let follow = match (onprocess, onfork) {
                (Some(p), _) => Some(crate::replay::focus::FocusSpec::Process(p)),
                (None, Some(pid)) => Some(crate::replay::focus::FocusSpec::Fork(pid)),
                (None, None) => None,
            };
            if autopilot {
                cmd_replay_autopilot(&dir, &opts)
            } else {
                let serve = crate::cli::serve::Serve {
                    port,
                    host: &host,
                    debugger: &debugger,
                    follow: follow.as_ref(),
                    echo: if echo { Echo::StdioOnce } else { Echo::Off },
                    goto,
                };
                crate::cli::serve::replay_debug(&dir, &serve, &opts)
            }
        }
        Command::Dap { port, host } => {
            let served = match port {
                Some(port) => crate::dap::serve_tcp(&host, port, &dirs::TraceDirs),
                None => crate::dap::serve_stdio(&dirs::TraceDirs),
            };
            served.map(|()| 0)
        }
        Command::Ls => inspect::ls(),
        Command::Ps { trace } => inspect::ps(&dirs::resolve_trace(trace)?),
        Command::Dump {
            json,
            around,
            trace,
        } => inspect::dump(&dirs::resolve_trace(trace)?, json, around),
        Command::Info { trace } => inspect::info(&dirs::resolve_trace(trace)?),
        Command::Pack { trace } => inspect::pack(&dirs::resolve_trace(trace)?),
    }
}

mod serve;

/// `rewind record --unknown-syscalls`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum UnknownSyscallsArg {
    Stop,
    Enosys,
}

impl From<UnknownSyscallsArg> for crate::record::UnknownSyscalls {
    fn from(a: UnknownSyscallsArg) -> Self {
        match a {
            UnknownSyscallsArg::Stop => Self::Stop,
            UnknownSyscallsArg::Enosys => Self::Enosys,
        }
    }
}

fn cmd_record(
    output: Option<PathBuf>,
    env: Vec<String>,
    verbose: bool,
    cpu: Option<usize>,
    unknown_syscalls: crate::record::UnknownSyscalls,
    syscall_buffer: bool,
    argv: Vec<String>,
) -> Result<i32, String> {
    for e in &env {
        if !e.contains('=') {
            return Err(format!("-e expects VAR=VAL, got {e:?}"));
        }
    }
    let prog = argv.first().cloned().unwrap_or_default();
    let trace_dir = match output {
        Some(o) => o,
        None => dirs::new_trace_dir(&prog)?,
    };
    if verbose {
        eprintln!("{}", crate::ticks::mode_message(&crate::ticks::detect()));
    }
    let opts = RecordOptions {
        argv,
        env,
        trace_dir: trace_dir.clone(),
        verbose,
        cpu,
        on_start: Some(dirs::set_latest),
        unknown_syscalls,
        syscall_buffer,
    };
    let outcome = match record(&opts) {
        Ok(o) => o,
        Err(e @ crate::record::RecordError::CutShort { .. }) => {
            // What was recorded is kept: it is the trace to look at.
            dirs::set_latest(&trace_dir);
            return Err(e.to_string());
        }
        Err(e) => return Err(e.to_string()),
    };
    dirs::set_latest(&trace_dir);
    log::info!(
        "recorded {} events, {} bytes, into {}",
        outcome.events,
        outcome.bytes,
        trace_dir.display()
    );
    match (outcome.exit, &outcome.cut) {
        (Some(exit), _) => {
            if verbose {
                eprintln!("rewind: trace saved to {}", trace_dir.display());
            }
            Ok(exit.shell_status())
        }
        (None, cut) => {
            let sig = match cut.as_ref().map(|c| &c.cause) {
                Some(crate::trace::CutCause::Signal(s)) => *s,
                _ => libc::SIGTERM,
            };
            eprintln!(
                "rewind: recording cut short by {} at event {}: the recorded processes were \
                 killed, and the trace {} ends there (`rewind replay -a` replays up to that point)",
                crate::trace::signal_name(sig),
                outcome.events,
                trace_dir.display()
            );
            Ok(128 + sig)
        }
    }
}

fn cmd_replay_autopilot(
    dir: &std::path::Path,
    opts: &crate::replay::ReplayOptions,
) -> Result<i32, String> {
    use std::io::Write;
    let mut s = match ReplaySession::open_with(dir, Echo::Stdio, opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rewind: {e}");
            return Ok(autopilot_error_status(&e, status::CANNOT_START));
        }
    };
    loop {
        match s.run(RunMode::Continue) {
            Ok(StopReason::End(EndKind::Exited(kind))) => {
                let _ = std::io::stdout().flush();
                eprintln!(
                    "rewind: replay reached the end of the trace ({} events, all checked): \
                     the program {kind}",
                    s.event_count()
                );
                return Ok(status::FAITHFUL);
            }
            Ok(StopReason::End(EndKind::Truncated(why))) => {
                let _ = std::io::stdout().flush();
                eprintln!(
                    "rewind: replay stopped at the end of the trace, before the end of the \
                     program: {why}"
                );
                return Ok(status::CUT_SHORT);
            }
            Ok(_) => continue,
            Err(e) => {
                let _ = std::io::stdout().flush();
                eprintln!("rewind: {e}");
                return Ok(autopilot_error_status(&e, status::FAILED));
            }
        }
    }
}

/// The exit status of `replay -a` for error `e`: a divergence is always
/// [`status::DIVERGED`]; anything else is `otherwise`.
fn autopilot_error_status(e: &crate::replay::ReplayError, otherwise: i32) -> i32 {
    match e {
        crate::replay::ReplayError::Diverged(_) => status::DIVERGED,
        _ => otherwise,
    }
}
