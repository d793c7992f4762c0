//! The command line: `rewind record`, `replay`, `ls`, `ps`, `dump`, `info`, `pack`.

mod dirs;
mod inspect;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::record::{record, RecordOptions};
use crate::replay::{Echo, EndKind, ReplaySession, RunMode, StopReason};
use crate::trace::ExitKind;

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
    Record {
        /// Write the trace to this directory (default: a new one in the trace dir).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Set an environment variable for the program (repeatable).
        #[arg(short = 'e', long = "env", value_name = "VAR=VAL")]
        env: Vec<String>,
        /// Bind the recorded processes to this CPU (default: the one rewind
        /// starts on); the replay binds to the same one.
        #[arg(long = "cpu", value_name = "N")]
        cpu: Option<usize>,
        /// The program and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        argv: Vec<String>,
    },
    /// Replay a trace: under gdb (default), behind a gdb server (-s), or alone (-a).
    Replay {
        /// Replay to the end without a debugger, re-emitting the program's output.
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
        /// The trace directory (default: the latest trace).
        trace: Option<PathBuf>,
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
        trace: Option<PathBuf>,
    },
    /// Print a trace's header: architecture, tick mode, command line, sizes.
    Info { trace: Option<PathBuf> },
    /// Make a trace self-contained: replace the files it shares with the
    /// originals (hard links) by private copies.
    Pack { trace: Option<PathBuf> },
}

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
            cpu,
            argv,
        } => cmd_record(output, env, cpu, argv),
        Command::Replay {
            autopilot,
            port,
            host,
            debugger,
            onprocess,
            onfork,
            cpu,
            ignore_cpu_mismatch,
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
                crate::cli::serve::replay_debug(
                    &dir,
                    port,
                    &host,
                    &debugger,
                    follow.as_ref(),
                    &opts,
                )
            }
        }
        Command::Ls => inspect::ls(),
        Command::Ps { trace } => inspect::ps(&dirs::resolve_trace(trace)?),
        Command::Dump { json, trace } => inspect::dump(&dirs::resolve_trace(trace)?, json),
        Command::Info { trace } => inspect::info(&dirs::resolve_trace(trace)?),
        Command::Pack { trace } => inspect::pack(&dirs::resolve_trace(trace)?),
    }
}

mod serve;

fn cmd_record(
    output: Option<PathBuf>,
    env: Vec<String>,
    cpu: Option<usize>,
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
    eprintln!("{}", crate::ticks::mode_message(&crate::ticks::detect()));
    let opts = RecordOptions {
        argv,
        env,
        trace_dir: trace_dir.clone(),
        cpu,
    };
    let outcome = record(&opts).map_err(|e| e.to_string())?;
    dirs::set_latest(&trace_dir);
    log::info!(
        "recorded {} events, {} bytes, into {}",
        outcome.events,
        outcome.bytes,
        trace_dir.display()
    );
    eprintln!("rewind: trace saved to {}", trace_dir.display());
    Ok(outcome.exit.shell_status())
}

fn cmd_replay_autopilot(
    dir: &std::path::Path,
    opts: &crate::replay::ReplayOptions,
) -> Result<i32, String> {
    let mut s = ReplaySession::open_with(dir, Echo::Stdio, opts).map_err(|e| e.to_string())?;
    loop {
        match s.run(RunMode::Continue) {
            Ok(StopReason::End(EndKind::Exited(kind))) => {
                use std::io::Write;
                let _ = std::io::stdout().flush();
                eprintln!(
                    "rewind: replay reached the end of the trace: the program {kind}{}",
                    match kind {
                        ExitKind::Killed(_) | ExitKind::Exited(_) => "",
                    }
                );
                return Ok(0);
            }
            Ok(StopReason::End(EndKind::Truncated(why))) => {
                use std::io::Write;
                let _ = std::io::stdout().flush();
                eprintln!("rewind: {why}");
                return Ok(3);
            }
            Ok(_) => continue,
            Err(e) => {
                use std::io::Write;
                let _ = std::io::stdout().flush();
                eprintln!("rewind: {e}");
                return Ok(2);
            }
        }
    }
}
