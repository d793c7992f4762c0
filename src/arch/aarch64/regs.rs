//! The aarch64 general register file (`user_pt_regs`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regs {
    pub x: [u64; 31],
    pub sp: u64,
    pub pc: u64,
    pub pstate: u64,
    /// The syscall number (x8 at entry, as the kernel saw it).
    pub syscallno: u64,
    /// x0 at syscall entry (x0 is overwritten by the result).
    pub orig_x0: u64,
}

impl Regs {
    pub fn syscall_args(&self) -> [u64; 6] {
        [
            self.orig_x0,
            self.x[1],
            self.x[2],
            self.x[3],
            self.x[4],
            self.x[5],
        ]
    }

    pub fn diff(&self, other: &Regs) -> Vec<(String, u64, u64)> {
        let mut out = Vec::new();
        for i in 0..31 {
            if self.x[i] != other.x[i] {
                out.push((format!("x{i}"), self.x[i], other.x[i]));
            }
        }
        for (n, a, b) in [
            ("sp", self.sp, other.sp),
            ("pc", self.pc, other.pc),
            ("cpsr", self.pstate, other.pstate),
        ] {
            if a != b {
                out.push((n.to_string(), a, b));
            }
        }
        out
    }
}
