//! Registers of a stopped thread, for whichever architecture recorded them.

use serde::{Deserialize, Serialize};

use super::{aarch64, x86_64, Arch};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Regs {
    X86_64(x86_64::regs::Regs),
    Aarch64(aarch64::regs::Regs),
}

impl Regs {
    pub fn arch(&self) -> Arch {
        match self {
            Regs::X86_64(_) => Arch::X86_64,
            Regs::Aarch64(_) => Arch::Aarch64,
        }
    }

    /// Instruction pointer.
    pub fn ip(&self) -> u64 {
        match self {
            Regs::X86_64(r) => r.rip,
            Regs::Aarch64(r) => r.pc,
        }
    }

    pub fn set_ip(&mut self, v: u64) {
        match self {
            Regs::X86_64(r) => r.rip = v,
            Regs::Aarch64(r) => r.pc = v,
        }
    }

    /// Stack pointer.
    pub fn sp(&self) -> u64 {
        match self {
            Regs::X86_64(r) => r.rsp,
            Regs::Aarch64(r) => r.sp,
        }
    }

    /// The syscall number at a syscall stop.
    pub fn syscall_nr(&self) -> u64 {
        match self {
            Regs::X86_64(r) => r.orig_rax,
            Regs::Aarch64(r) => r.syscallno,
        }
    }

    pub fn syscall_args(&self) -> [u64; 6] {
        match self {
            Regs::X86_64(r) => r.syscall_args(),
            Regs::Aarch64(r) => r.syscall_args(),
        }
    }

    /// Set the syscall number and arguments, as at a syscall-entry stop.
    pub fn set_syscall(&mut self, nr: u64, a: [u64; 6]) {
        match self {
            Regs::X86_64(r) => {
                r.orig_rax = nr;
                r.set_syscall_args(a);
            }
            Regs::Aarch64(r) => {
                r.syscallno = nr;
                r.orig_x0 = a[0];
                r.x[..6].copy_from_slice(&a);
            }
        }
    }

    /// At a syscall's entry stop (these registers): the registers that,
    /// set at its exit stop, make the thread run the same syscall again
    /// (back at its instruction, with its number and first argument, and
    /// no syscall in progress, as when it arrived there).
    pub fn again_from_entry(&self) -> Regs {
        match *self {
            Regs::X86_64(mut r) => {
                r.rip -= x86_64::SYSCALL_INSN.len() as u64;
                r.rax = r.orig_rax;
                r.orig_rax = u64::MAX;
                Regs::X86_64(r)
            }
            Regs::Aarch64(mut r) => {
                r.pc -= aarch64::SYSCALL_INSN.len() as u64;
                r.x[0] = r.orig_x0;
                r.syscallno = u64::MAX;
                Regs::Aarch64(r)
            }
        }
    }

    /// The syscall result register (rax, x0).
    pub fn result(&self) -> u64 {
        match self {
            Regs::X86_64(r) => r.rax,
            Regs::Aarch64(r) => r.x[0],
        }
    }

    pub fn set_result(&mut self, v: u64) {
        match self {
            Regs::X86_64(r) => r.rax = v,
            Regs::Aarch64(r) => r.x[0] = v,
        }
    }

    /// Registers that differ, as (name, expected, found); `self` is the
    /// expected side. Flags the CPU sets on its own are ignored.
    pub fn diff(&self, found: &Regs) -> Vec<(String, u64, u64)> {
        match (self, found) {
            (Regs::X86_64(a), Regs::X86_64(b)) => a
                .diff(b)
                .into_iter()
                .map(|(n, x, y)| (n.to_string(), x, y))
                .collect(),
            (Regs::Aarch64(a), Regs::Aarch64(b)) => a.diff(b),
            _ => vec![("arch".to_string(), 0, 1)],
        }
    }

    /// The x86_64 registers, if these are x86_64 registers.
    pub fn x86(&self) -> Option<&x86_64::regs::Regs> {
        match self {
            Regs::X86_64(r) => Some(r),
            _ => None,
        }
    }
}
