//! Stops that are rewind's own, not the program's: the SIGSTOP of the
//! recorder's slice timer (sent with tgkill by this process), and the
//! signal of a hit counter (`COUNT_SIGNAL`, which the program never
//! receives). A thread rewind runs a syscall in may stop for either when
//! one was sent just before; such a stop is passed over.

/// The signal a hit counter (a perf event) sends to stop a thread at a
/// counted hit; never delivered to the program.
pub const COUNT_SIGNAL: i32 = libc::SIGSTKFLT;

/// si_code of a signal sent by tkill/tgkill.
const SI_TKILL: i32 = -6;

/// Whether a signal with raw siginfo `info` was sent by rewind itself
/// (tgkill from this process).
pub fn is_ours(info: &[u8]) -> bool {
    if info.len() < 20 {
        return false;
    }
    let code = super::siginfo_code(info);
    let pid = i32::from_le_bytes([info[16], info[17], info[18], info[19]]);
    code == SI_TKILL && pid == std::process::id() as i32
}

/// Whether a stop for `sig` is the SIGSTOP our own timer sent.
pub fn is_our_stop(sig: i32, info: &[u8]) -> bool {
    sig == libc::SIGSTOP && is_ours(info)
}

/// Whether a stop for `sig`, in a syscall rewind runs in the thread, is
/// one of rewind's own that arrived late: a slice SIGSTOP, or a hit
/// counter's signal.
pub fn is_stray(sig: i32, info: &[u8]) -> bool {
    is_our_stop(sig, info) || sig == COUNT_SIGNAL
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(sig: i32, code: i32, pid: i32) -> Vec<u8> {
        let mut v = vec![0u8; 128];
        v[0..4].copy_from_slice(&sig.to_le_bytes());
        v[8..12].copy_from_slice(&code.to_le_bytes());
        v[16..20].copy_from_slice(&pid.to_le_bytes());
        v
    }

    #[test]
    fn recognizes_our_own_stop_only() {
        let me = std::process::id() as i32;
        let stop = libc::SIGSTOP;
        assert!(is_our_stop(stop, &info(stop, SI_TKILL, me)));
        assert!(!is_our_stop(stop, &info(stop, SI_TKILL, me + 1)));
        assert!(!is_our_stop(stop, &info(stop, 0, me)));
        assert!(!is_our_stop(
            libc::SIGTSTP,
            &info(libc::SIGTSTP, SI_TKILL, me)
        ));
    }

    #[test]
    fn a_late_counter_signal_is_stray_and_the_programs_signals_are_not() {
        let me = std::process::id() as i32;
        assert!(is_stray(COUNT_SIGNAL, &info(COUNT_SIGNAL, 1, 0)));
        assert!(is_stray(libc::SIGSTOP, &info(libc::SIGSTOP, SI_TKILL, me)));
        assert!(!is_stray(libc::SIGSTOP, &info(libc::SIGSTOP, 0, 1)));
        assert!(!is_stray(libc::SIGUSR1, &info(libc::SIGUSR1, SI_TKILL, me)));
    }
}
