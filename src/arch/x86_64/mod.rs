//! x86_64 facts: registers, syscalls, instructions.

pub mod cpu;
pub mod regs;
pub mod syscalls;

/// `syscall`: 0f 05.
pub const SYSCALL_INSN: [u8; 2] = [0x0f, 0x05];
/// `rdtsc`: 0f 31.
pub const RDTSC_INSN: [u8; 2] = [0x0f, 0x31];
/// `rdtscp`: 0f 01 f9.
pub const RDTSCP_INSN: [u8; 3] = [0x0f, 0x01, 0xf9];
/// `int3`: cc.
pub const BREAKPOINT_INSN: u8 = 0xcc;
/// The length of `int3`.
pub const BREAKPOINT_INSN_LEN: u64 = 1;

/// `NT_X86_XSTATE`: the regset of the XSAVE area (x87, SSE, AVX state).
pub const NT_X86_XSTATE: u32 = 0x202;

/// `cpuid`: 0f a2.
pub const CPUID_INSN: [u8; 2] = [0x0f, 0xa2];

/// An instruction that traps (SIGSEGV) for rewind to emulate and record:
/// the time-counter reads (PR_SET_TSC), and CPUID where the kernel can make
/// it fault (ARCH_SET_CPUID). A `TimeCounter` event holds either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeInsn {
    Rdtsc,
    Rdtscp,
    Cpuid,
}

impl TimeInsn {
    /// Length of the instruction in bytes.
    pub fn size(self) -> u64 {
        match self {
            TimeInsn::Rdtsc | TimeInsn::Cpuid => 2,
            TimeInsn::Rdtscp => 3,
        }
    }

    /// Decode a time-counter instruction at the start of `code`, if any.
    pub fn decode(code: &[u8]) -> Option<TimeInsn> {
        if code.starts_with(&RDTSC_INSN) {
            Some(TimeInsn::Rdtsc)
        } else if code.starts_with(&RDTSCP_INSN) {
            Some(TimeInsn::Rdtscp)
        } else if code.starts_with(&CPUID_INSN) {
            Some(TimeInsn::Cpuid)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_time_instructions() {
        assert_eq!(TimeInsn::decode(&[0x0f, 0x31, 0x90]), Some(TimeInsn::Rdtsc));
        assert_eq!(
            TimeInsn::decode(&[0x0f, 0x01, 0xf9]),
            Some(TimeInsn::Rdtscp)
        );
        assert_eq!(TimeInsn::decode(&[0x0f, 0x05]), None);
        assert_eq!(TimeInsn::decode(&[0x0f, 0xa2, 0x90]), Some(TimeInsn::Cpuid));
        assert_eq!(TimeInsn::Cpuid.size(), 2);
        assert_eq!(TimeInsn::decode(&[0x0f]), None);
    }
}
