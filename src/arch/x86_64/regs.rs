//! The x86_64 general register file, in the kernel's `user_regs_struct` order.

use serde::{Deserialize, Serialize};

/// General registers, laid out exactly as the kernel's `user_regs_struct`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

/// Names of the fields of [`Regs`], in order.
pub const NAMES: [&str; 27] = [
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
    "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs",
    "gs",
];

/// The registers that are not the program's own values (instruction
/// pointer, flags, segments and bases, the syscall number the kernel keeps).
pub const NOT_DATA: [&str; 11] = [
    "orig_rax", "rip", "cs", "eflags", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
];

/// The resume flag (RF) in eflags.
pub const EFLAGS_RF: u64 = 1 << 16;

/// The resume flag (RF) and trap flag (TF) in eflags: set by the CPU or by
/// single-stepping, not by the program, so ignored when comparing.
const EFLAGS_VOLATILE: u64 = EFLAGS_RF | (1 << 8);

impl Regs {
    pub fn to_array(&self) -> [u64; 27] {
        [
            self.r15,
            self.r14,
            self.r13,
            self.r12,
            self.rbp,
            self.rbx,
            self.r11,
            self.r10,
            self.r9,
            self.r8,
            self.rax,
            self.rcx,
            self.rdx,
            self.rsi,
            self.rdi,
            self.orig_rax,
            self.rip,
            self.cs,
            self.eflags,
            self.rsp,
            self.ss,
            self.fs_base,
            self.gs_base,
            self.ds,
            self.es,
            self.fs,
            self.gs,
        ]
    }

    pub fn from_array(a: [u64; 27]) -> Regs {
        Regs {
            r15: a[0],
            r14: a[1],
            r13: a[2],
            r12: a[3],
            rbp: a[4],
            rbx: a[5],
            r11: a[6],
            r10: a[7],
            r9: a[8],
            r8: a[9],
            rax: a[10],
            rcx: a[11],
            rdx: a[12],
            rsi: a[13],
            rdi: a[14],
            orig_rax: a[15],
            rip: a[16],
            cs: a[17],
            eflags: a[18],
            rsp: a[19],
            ss: a[20],
            fs_base: a[21],
            gs_base: a[22],
            ds: a[23],
            es: a[24],
            fs: a[25],
            gs: a[26],
        }
    }

    /// The six syscall arguments (rdi, rsi, rdx, r10, r8, r9).
    pub fn syscall_args(&self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }

    pub fn set_syscall_args(&mut self, a: [u64; 6]) {
        self.rdi = a[0];
        self.rsi = a[1];
        self.rdx = a[2];
        self.r10 = a[3];
        self.r8 = a[4];
        self.r9 = a[5];
    }

    /// The registers that differ between `self` (expected) and `other`
    /// (found), ignoring flags the CPU sets on its own. Each entry is
    /// (name, expected, found).
    pub fn diff(&self, other: &Regs) -> Vec<(&'static str, u64, u64)> {
        let a = self.to_array();
        let b = other.to_array();
        let mut out = Vec::new();
        for i in 0..27 {
            // r11 holds the flags as the syscall instruction saw them,
            // which include the trap flag when single-stepped into it.
            let (x, y) = if NAMES[i] == "eflags" || NAMES[i] == "r11" {
                (a[i] & !EFLAGS_VOLATILE, b[i] & !EFLAGS_VOLATILE)
            } else {
                (a[i], b[i])
            };
            if x != y {
                out.push((NAMES[i], a[i], b[i]));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_round_trip_and_diff() {
        let mut a = [0u64; 27];
        for (i, v) in a.iter_mut().enumerate() {
            *v = i as u64 * 3;
        }
        let r = Regs::from_array(a);
        assert_eq!(r.to_array(), a);
        assert_eq!(r.rip, 16 * 3);
        let mut s = r;
        s.rax += 1;
        s.eflags |= 1 << 16; // RF is not a difference
        assert_eq!(r.diff(&s), vec![("rax", 30, 31)]);
    }
}
