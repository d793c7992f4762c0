//! `monitor` commands (the `qRcmd` packet): where the replay is, explicit
//! checkpoints, and jumps to a checkpoint or an event.
//!
//! The wording is what the front-end scripts and tests rely on:
//!
//! | command | output |
//! |---|---|
//! | `help` | `rewind monitor commands:` then one line per command |
//! | `when` | `Current event: N` |
//! | `checkpoint` | `Checkpoint N at event E` |
//! | `info checkpoints` | `No checkpoints.`, or a header line `ID  Event  Description` then one line per checkpoint |
//! | `delete checkpoint N` | `Deleted checkpoint N.` |
//! | `restart N` | `Restarted from checkpoint N at event E.` |
//! | `restart` | `Restarted from the start of the trace (event E).` |
//! | `goto EVENT` | `Now at event E.` |
//!
//! Events: `when` prints the index of the next event the replay will
//! replay (the first is 1). `goto E` goes to the *first* point where
//! `when` prints E: just after event E-1 was replayed, at the start of the
//! stretch of program code that ends with event E. `goto` to the value
//! `when` printed therefore goes back to the start of that stretch (as
//! `restart` goes back to a checkpoint); events 1 to (the trace's event
//! count - 1) can be reached.
//!
//! gdb caches registers and memory and does not know that a monitor command
//! moved the program. After `restart` or `goto` a front end must run
//! `maintenance flush register-cache` *and* `maintenance flush dcache`
//! (the stack cache keeps the old arguments and locals otherwise) before
//! showing anything; the commands of `gdb-scripts/rewind.gdb` do both and
//! then `frame`. The first `restart` or `goto` of a session adds a line
//! starting with `gdb:` that says so (with lldb, a line starting with
//! `lldb:`: `process plugin packet send bs` then `thread step-inst` make it
//! fetch the new state).
//!
//! Every error is one line starting with `rewind: ` (an unknown command or
//! checkpoint, an event outside the trace, a missing or bad number).

use std::fmt::Write;

/// Every monitor command, with a one-line description.
pub const COMMANDS: &[(&str, &str)] = &[
    ("help", "list the monitor commands"),
    ("when", "print the current event number of the replay"),
    ("checkpoint", "make a checkpoint here and print its number"),
    ("info checkpoints", "list the checkpoints"),
    ("delete checkpoint N", "delete checkpoint N"),
    (
        "restart [N]",
        "go to checkpoint N (without N: to the start of the trace)",
    ),
    (
        "goto EVENT",
        "go to the first point where 'when' says EVENT (just after event EVENT-1)",
    ),
];

/// The hint after the first command that moved the replay.
pub const FLUSH_HINT: &str = "gdb: to see the new position, run 'maintenance flush \
                              register-cache', 'maintenance flush dcache' and 'frame' (the \
                              rewind.gdb commands restart and goto do this).\n";

/// A parsed monitor command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    When,
    Checkpoint,
    InfoCheckpoints,
    DeleteCheckpoint(u32),
    /// To a checkpoint, or (None) to the start of the trace.
    Restart(Option<u32>),
    Goto(u64),
}

impl Command {
    /// Whether the command moves the replay (gdb's caches go stale).
    pub fn moves(&self) -> bool {
        matches!(self, Command::Restart(_) | Command::Goto(_))
    }
}

/// Why a command line could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown monitor command '{0}'; 'monitor help' lists them")]
    Unknown(String),
    #[error("'{command}' needs {what}")]
    Missing {
        command: &'static str,
        what: &'static str,
    },
    #[error("'{command}': '{got}' is not {what}")]
    BadNumber {
        command: &'static str,
        what: &'static str,
        got: String,
    },
    #[error("'{command}' takes no more arguments (got '{extra}')")]
    Extra {
        command: &'static str,
        extra: String,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("there is no checkpoint {0}; 'monitor info checkpoints' lists them")]
    UnknownCheckpoint(u32),
    #[error("the program is not running (it was killed); use 'run' to start it again")]
    NotRunning,
    #[error("{0}")]
    Engine(String),
}

/// A checkpoint as `info checkpoints` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: u32,
    pub event: u64,
    pub description: String,
}

/// What the monitor commands need from the replay.
pub trait Positions {
    /// The current event index.
    fn when(&self) -> u64;
    fn checkpoint(&mut self) -> Result<u32, String>;
    fn checkpoints(&self) -> Vec<Checkpoint>;
    fn delete_checkpoint(&mut self, id: u32) -> Result<(), String>;
    fn restore_checkpoint(&mut self, id: u32) -> Result<(), String>;
    /// To the first instruction of the trace.
    fn restart(&mut self) -> Result<(), String>;
    fn goto_event(&mut self, event: u64) -> Result<(), String>;
}

impl Positions for crate::timeline::Timeline {
    fn when(&self) -> u64 {
        crate::timeline::Timeline::when(self)
    }

    fn checkpoint(&mut self) -> Result<u32, String> {
        crate::timeline::Timeline::checkpoint(self).map_err(|e| e.to_string())
    }

    fn checkpoints(&self) -> Vec<Checkpoint> {
        crate::timeline::Timeline::checkpoints(self)
            .into_iter()
            .map(|c| Checkpoint {
                id: c.id,
                event: c.event,
                description: c.description,
            })
            .collect()
    }

    fn delete_checkpoint(&mut self, id: u32) -> Result<(), String> {
        crate::timeline::Timeline::delete_checkpoint(self, id).map_err(|e| e.to_string())
    }

    fn restore_checkpoint(&mut self, id: u32) -> Result<(), String> {
        crate::timeline::Timeline::restore_checkpoint(self, id).map_err(|e| e.to_string())
    }

    fn restart(&mut self) -> Result<(), String> {
        crate::timeline::Timeline::restart(self).map_err(|e| e.to_string())
    }

    fn goto_event(&mut self, event: u64) -> Result<(), String> {
        crate::timeline::Timeline::goto_event(self, event).map_err(|e| e.to_string())
    }
}

/// Parse a command line.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (first, rest) = match words.split_first() {
        Some((f, r)) => (*f, r),
        None => return Ok(Command::Help),
    };
    match first {
        "help" => no_more("help", rest).map(|()| Command::Help),
        "when" => no_more("when", rest).map(|()| Command::When),
        "checkpoint" => no_more("checkpoint", rest).map(|()| Command::Checkpoint),
        "checkpoints" => no_more("checkpoints", rest).map(|()| Command::InfoCheckpoints),
        "info" => match rest.split_first() {
            Some((&("checkpoints" | "checkpoint"), more)) => {
                no_more("info checkpoints", more).map(|()| Command::InfoCheckpoints)
            }
            _ => Err(ParseError::Unknown(words.join(" "))),
        },
        "delete" => match rest.split_first() {
            Some((&("checkpoint" | "checkpoints"), more)) => {
                let id = number("delete checkpoint", "a checkpoint number", more)?;
                Ok(Command::DeleteCheckpoint(id))
            }
            _ => Err(ParseError::Unknown(words.join(" "))),
        },
        "restart" => {
            if rest.is_empty() {
                Ok(Command::Restart(None))
            } else {
                let id = number("restart", "a checkpoint number", rest)?;
                Ok(Command::Restart(Some(id)))
            }
        }
        "goto" => number("goto", "an event number", rest).map(Command::Goto),
        other => Err(ParseError::Unknown(other.to_string())),
    }
}

fn no_more(command: &'static str, rest: &[&str]) -> Result<(), ParseError> {
    match rest.first() {
        None => Ok(()),
        Some(_) => Err(ParseError::Extra {
            command,
            extra: rest.join(" "),
        }),
    }
}

/// Exactly one decimal number (a leading `#` is allowed: `restart #2`).
fn number<T: std::str::FromStr>(
    command: &'static str,
    what: &'static str,
    rest: &[&str],
) -> Result<T, ParseError> {
    let Some((word, more)) = rest.split_first() else {
        return Err(ParseError::Missing { command, what });
    };
    no_more(command, more)?;
    word.trim_start_matches('#')
        .parse()
        .map_err(|_| ParseError::BadNumber {
            command,
            what,
            got: (*word).to_string(),
        })
}

/// Run a parsed command; the text to show.
pub fn execute(p: &mut dyn Positions, cmd: &Command) -> Result<String, MonitorError> {
    let engine = MonitorError::Engine;
    Ok(match *cmd {
        Command::Help => help(),
        Command::When => format!("Current event: {}\n", p.when()),
        Command::Checkpoint => {
            let id = p.checkpoint().map_err(engine)?;
            format!("Checkpoint {id} at event {}\n", p.when())
        }
        Command::InfoCheckpoints => list(&p.checkpoints()),
        Command::DeleteCheckpoint(id) => {
            known(p, id)?;
            p.delete_checkpoint(id).map_err(engine)?;
            format!("Deleted checkpoint {id}.\n")
        }
        Command::Restart(Some(id)) => {
            known(p, id)?;
            p.restore_checkpoint(id).map_err(engine)?;
            format!("Restarted from checkpoint {id} at event {}.\n", p.when())
        }
        Command::Restart(None) => {
            p.restart().map_err(engine)?;
            format!(
                "Restarted from the start of the trace (event {}).\n",
                p.when()
            )
        }
        Command::Goto(event) => {
            p.goto_event(event).map_err(engine)?;
            format!("Now at event {}.\n", p.when())
        }
    })
}

fn known(p: &dyn Positions, id: u32) -> Result<(), MonitorError> {
    if p.checkpoints().iter().any(|c| c.id == id) {
        Ok(())
    } else {
        Err(MonitorError::UnknownCheckpoint(id))
    }
}

/// The same for lldb: a step back and forth makes it fetch the state.
pub const LLDB_HINT: &str = "lldb: to see the new position, run 'process plugin packet send bs' \
                             then 'thread step-inst'.\n";

/// Runs monitor commands for one debugging session.
#[derive(Debug)]
pub struct Monitor {
    hinted: bool,
    hint: &'static str,
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor {
            hinted: false,
            hint: FLUSH_HINT,
        }
    }
}

impl Monitor {
    /// The debugger is lldb (another hint).
    pub fn set_lldb(&mut self) {
        self.hint = LLDB_HINT;
    }

    /// Parse and run `line`; the text to show, errors included (one line).
    pub fn run(&mut self, p: &mut dyn Positions, line: &str) -> String {
        let cmd = match parse(line) {
            Ok(c) => c,
            Err(e) => return error_line(&e.into()),
        };
        match execute(p, &cmd) {
            Ok(mut text) => {
                if cmd.moves() && !self.hinted {
                    self.hinted = true;
                    text.push_str(self.hint);
                }
                text
            }
            Err(e) => error_line(&e),
        }
    }
}

/// An error as the one line the debugger shows.
pub fn error_line(e: &MonitorError) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("failed");
    format!("rewind: {first}\n")
}

fn help() -> String {
    let width = COMMANDS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut s = String::from("rewind monitor commands:\n");
    for (name, what) in COMMANDS {
        let _ = writeln!(s, "  {name:<width$}  {what}");
    }
    s
}

fn list(cps: &[Checkpoint]) -> String {
    if cps.is_empty() {
        return "No checkpoints.\n".to_string();
    }
    let mut s = String::from("ID  Event  Description\n");
    for c in cps {
        let _ = writeln!(s, "{:<3} {:<6} {}", c.id, c.event, c.description);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_command() {
        let h = help();
        for (name, _) in COMMANDS {
            assert!(h.contains(name));
        }
        assert_eq!(parse("").unwrap(), Command::Help);
        assert_eq!(parse("  help ").unwrap(), Command::Help);
    }

    #[test]
    fn parses_every_command() {
        assert_eq!(parse("when").unwrap(), Command::When);
        assert_eq!(parse("checkpoint").unwrap(), Command::Checkpoint);
        assert_eq!(parse("info checkpoints").unwrap(), Command::InfoCheckpoints);
        assert_eq!(parse("info  checkpoint").unwrap(), Command::InfoCheckpoints);
        assert_eq!(parse("checkpoints").unwrap(), Command::InfoCheckpoints);
        assert_eq!(
            parse("delete checkpoint 3").unwrap(),
            Command::DeleteCheckpoint(3)
        );
        assert_eq!(parse("restart 2").unwrap(), Command::Restart(Some(2)));
        assert_eq!(parse("restart #2").unwrap(), Command::Restart(Some(2)));
        assert_eq!(parse("restart").unwrap(), Command::Restart(None));
        assert_eq!(parse("goto 120").unwrap(), Command::Goto(120));
        assert!(parse("goto 1").unwrap().moves());
        assert!(!parse("when").unwrap().moves());
    }

    #[test]
    fn refuses_bad_input_with_a_reason() {
        assert_eq!(
            parse("frobnicate 3"),
            Err(ParseError::Unknown("frobnicate".into()))
        );
        assert_eq!(
            parse("info registers"),
            Err(ParseError::Unknown("info registers".into()))
        );
        assert!(matches!(
            parse("goto"),
            Err(ParseError::Missing {
                command: "goto",
                ..
            })
        ));
        assert!(matches!(
            parse("goto -4"),
            Err(ParseError::BadNumber { command: "goto", ref got, .. }) if got == "-4"
        ));
        assert!(matches!(
            parse("restart two"),
            Err(ParseError::BadNumber { .. })
        ));
        assert!(matches!(
            parse("delete checkpoint"),
            Err(ParseError::Missing { .. })
        ));
        assert!(matches!(
            parse("delete checkpoint 1 2"),
            Err(ParseError::Extra { .. })
        ));
        assert!(matches!(parse("when now"), Err(ParseError::Extra { .. })));
        assert!(matches!(
            parse("goto 99999999999999999999999"),
            Err(ParseError::BadNumber { .. })
        ));
    }

    /// A replay that only counts.
    #[derive(Default)]
    struct Fake {
        event: u64,
        cps: Vec<Checkpoint>,
    }

    impl Positions for Fake {
        fn when(&self) -> u64 {
            self.event
        }
        fn checkpoint(&mut self) -> Result<u32, String> {
            let id = self.cps.len() as u32 + 1;
            self.cps.push(Checkpoint {
                id,
                event: self.event,
                description: format!("at event {}", self.event),
            });
            Ok(id)
        }
        fn checkpoints(&self) -> Vec<Checkpoint> {
            self.cps.clone()
        }
        fn delete_checkpoint(&mut self, id: u32) -> Result<(), String> {
            self.cps.retain(|c| c.id != id);
            Ok(())
        }
        fn restore_checkpoint(&mut self, id: u32) -> Result<(), String> {
            let c = self.cps.iter().find(|c| c.id == id).ok_or("gone")?;
            self.event = c.event;
            Ok(())
        }
        fn restart(&mut self) -> Result<(), String> {
            self.event = 1;
            Ok(())
        }
        fn goto_event(&mut self, event: u64) -> Result<(), String> {
            if event == 0 || event >= 100 {
                return Err(format!("event {event} is outside this trace\nsecond line"));
            }
            self.event = event;
            Ok(())
        }
    }

    #[test]
    fn runs_commands_and_reports_errors_on_one_line() {
        let mut f = Fake {
            event: 7,
            ..Fake::default()
        };
        let mut m = Monitor::default();
        let mut run = |f: &mut Fake, line: &str| m.run(f, line);
        assert_eq!(run(&mut f, "when"), "Current event: 7\n");
        assert_eq!(run(&mut f, "info checkpoints"), "No checkpoints.\n");
        assert_eq!(run(&mut f, "checkpoint"), "Checkpoint 1 at event 7\n");
        assert_eq!(
            run(&mut f, "goto 40"),
            format!("Now at event 40.\n{FLUSH_HINT}")
        );
        assert_eq!(run(&mut f, "checkpoint"), "Checkpoint 2 at event 40\n");
        let listing = run(&mut f, "info checkpoints");
        assert!(listing.starts_with("ID  Event  Description\n"), "{listing}");
        assert!(listing.contains("\n1   7      at event 7\n"), "{listing}");
        // The hint comes once.
        assert_eq!(
            run(&mut f, "restart 1"),
            "Restarted from checkpoint 1 at event 7.\n"
        );
        assert_eq!(f.event, 7);
        assert!(
            run(&mut f, "restart").starts_with("Restarted from the start of the trace (event 1).")
        );
        assert_eq!(
            run(&mut f, "delete checkpoint 2"),
            "Deleted checkpoint 2.\n"
        );
        assert_eq!(
            run(&mut f, "restart 2"),
            "rewind: there is no checkpoint 2; 'monitor info checkpoints' lists them\n"
        );
        assert_eq!(
            run(&mut f, "delete checkpoint 9"),
            "rewind: there is no checkpoint 9; 'monitor info checkpoints' lists them\n"
        );
        assert_eq!(
            run(&mut f, "goto 500"),
            "rewind: event 500 is outside this trace\n"
        );
        assert_eq!(f.event, 1, "a failed goto does not move");
        assert_eq!(
            run(&mut f, "bogus"),
            "rewind: unknown monitor command 'bogus'; 'monitor help' lists them\n"
        );
    }
}
