//! `monitor` commands (the `qRcmd` packet).

use crate::replay::ReplaySession;

/// Every monitor command, with a one-line description.
pub const COMMANDS: &[(&str, &str)] = &[
    ("help", "list the monitor commands"),
    ("when", "print the current event number of the replay"),
];

/// Run monitor command `line`; returns the text to show.
pub fn run(session: &ReplaySession, line: &str) -> String {
    let mut words = line.split_whitespace();
    match words.next().unwrap_or("help") {
        "help" => help(),
        "when" => format!("Current event: {}\n", session.event_index()),
        other => format!("Unknown monitor command '{other}'. Try 'monitor help'.\n"),
    }
}

fn help() -> String {
    let mut s = String::from("rewind monitor commands:\n");
    for (name, what) in COMMANDS {
        s.push_str(&format!("  {name:<6} {what}\n"));
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
    }
}
