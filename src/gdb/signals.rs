//! Signal numbers in stop replies. gdb's remote protocol has its own
//! numbering (which matches Linux only for some signals); lldb, talking to
//! a Linux target, expects Linux's numbers.

use gdbstub::common::Signal;

/// How the connected debugger numbers signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbering {
    /// gdb's protocol numbers (`GDB_SIGNAL_*`).
    Gdb,
    /// The target's own (Linux) numbers, as lldb expects.
    Linux,
}

/// gdb's "unknown signal".
const GDB_SIGNAL_UNKNOWN: u8 = 143;

/// Linux x86_64 signal `sig` in gdb's protocol numbering.
pub fn to_gdb(sig: i32) -> Signal {
    let n = match sig {
        1..=6 | 8 | 9 | 11 | 13..=15 => sig as u8,
        7 => Signal::SIGBUS.0,
        10 => Signal::SIGUSR1.0,
        12 => Signal::SIGUSR2.0,
        17 => Signal::SIGCHLD.0,
        18 => Signal::SIGCONT.0,
        19 => Signal::SIGSTOP.0,
        20 => Signal::SIGTSTP.0,
        21 => Signal::SIGTTIN.0,
        22 => Signal::SIGTTOU.0,
        23 => Signal::SIGURG.0,
        24 => Signal::SIGXCPU.0,
        25 => Signal::SIGXFSZ.0,
        26 => Signal::SIGVTALRM.0,
        27 => Signal::SIGPROF.0,
        28 => Signal::SIGWINCH.0,
        29 => Signal::SIGIO.0,
        30 => Signal::SIGPWR.0,
        31 => Signal::SIGSYS.0,
        32 => Signal::SIG32.0,
        // SIG33..SIG63 are 45..75.
        33..=63 => (sig + 12) as u8,
        64 => Signal::SIG64.0,
        _ => GDB_SIGNAL_UNKNOWN,
    };
    Signal(n)
}

impl Numbering {
    /// Linux signal `sig` as this debugger numbers it.
    pub fn signal(self, sig: i32) -> Signal {
        match self {
            Numbering::Gdb => to_gdb(sig),
            Numbering::Linux => Signal(u8::try_from(sig).unwrap_or(GDB_SIGNAL_UNKNOWN)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_to_gdb_numbers() {
        assert_eq!(to_gdb(libc::SIGINT), Signal::SIGINT);
        assert_eq!(to_gdb(libc::SIGTRAP), Signal::SIGTRAP);
        assert_eq!(to_gdb(libc::SIGKILL), Signal::SIGKILL);
        assert_eq!(to_gdb(libc::SIGSEGV), Signal::SIGSEGV);
        assert_eq!(to_gdb(libc::SIGBUS), Signal::SIGBUS);
        assert_eq!(to_gdb(libc::SIGUSR1), Signal::SIGUSR1);
        assert_eq!(to_gdb(libc::SIGUSR2), Signal::SIGUSR2);
        assert_eq!(to_gdb(libc::SIGCHLD), Signal::SIGCHLD);
        assert_eq!(to_gdb(libc::SIGSTOP), Signal::SIGSTOP);
        assert_eq!(to_gdb(libc::SIGIO), Signal::SIGIO);
        assert_eq!(to_gdb(libc::SIGSYS), Signal::SIGSYS);
        assert_eq!(to_gdb(libc::SIGABRT), Signal::SIGABRT);
        assert_eq!(to_gdb(33), Signal::SIG33);
        assert_eq!(to_gdb(63), Signal::SIG63);
        assert_eq!(to_gdb(32), Signal::SIG32);
        assert_eq!(to_gdb(64), Signal::SIG64);
        assert_eq!(to_gdb(200), Signal(GDB_SIGNAL_UNKNOWN));
        assert_eq!(Numbering::Linux.signal(libc::SIGUSR1), Signal(10));
    }
}
