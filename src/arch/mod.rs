//! Per-architecture facts, kept as plain data and functions so that every
//! architecture's knowledge compiles and is tested on any host. Only the thin
//! ptrace glue in `tracee/` is `cfg`-gated.

pub mod aarch64;
pub mod cmds;
pub mod ioctl;
pub mod regs;
pub mod syscall;
pub mod x86_64;

use serde::{Deserialize, Serialize};

/// A machine architecture rewind knows about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Arch {
    X86_64,
    Aarch64,
}

impl Arch {
    /// The architecture this binary was built for.
    pub fn host() -> Arch {
        if cfg!(target_arch = "aarch64") {
            Arch::Aarch64
        } else {
            Arch::X86_64
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
        }
    }

    /// The syscall description for number `nr` on this architecture.
    pub fn syscall(self, nr: u64) -> Option<&'static syscall::SyscallDesc> {
        match self {
            Arch::X86_64 => x86_64::syscalls::lookup(nr),
            Arch::Aarch64 => aarch64::syscalls::lookup(nr),
        }
    }

    /// The number of a syscall by name on this architecture.
    pub fn syscall_nr(self, name: &str) -> Option<u64> {
        match self {
            Arch::X86_64 => x86_64::syscalls::number(name),
            Arch::Aarch64 => aarch64::syscalls::number(name),
        }
    }

    /// A human-readable name for syscall `nr`, or `syscall_<nr>` when unknown.
    pub fn syscall_name(self, nr: u64) -> String {
        match self.syscall(nr) {
            Some(d) => d.name.to_string(),
            None => format!("syscall_{nr}"),
        }
    }
}
