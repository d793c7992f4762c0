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

/// Names of the registers in the order of [`Regs::to_array`]: the general
/// registers, sp, pc, cpsr (pstate), then the syscall bookkeeping.
pub const NAMES: [&str; 36] = [
    "x0",
    "x1",
    "x2",
    "x3",
    "x4",
    "x5",
    "x6",
    "x7",
    "x8",
    "x9",
    "x10",
    "x11",
    "x12",
    "x13",
    "x14",
    "x15",
    "x16",
    "x17",
    "x18",
    "x19",
    "x20",
    "x21",
    "x22",
    "x23",
    "x24",
    "x25",
    "x26",
    "x27",
    "x28",
    "x29",
    "x30",
    "sp",
    "pc",
    "cpsr",
    "syscallno",
    "orig_x0",
];

/// The registers that are not the program's own values.
pub const NOT_DATA: [&str; 4] = ["pc", "cpsr", "syscallno", "orig_x0"];

impl Regs {
    pub fn to_array(&self) -> [u64; 36] {
        let mut a = [0; 36];
        a[..34].copy_from_slice(&self.to_prstatus());
        a[34] = self.syscallno;
        a[35] = self.orig_x0;
        a
    }

    /// The registers as `NT_PRSTATUS` has them (`user_pt_regs`: x0-x30,
    /// sp, pc, pstate). The syscall number is not among them; the first
    /// argument as the syscall saw it is taken from x0.
    pub fn from_prstatus(w: [u64; 34]) -> Regs {
        let mut x = [0; 31];
        x.copy_from_slice(&w[..31]);
        Regs {
            x,
            sp: w[31],
            pc: w[32],
            pstate: w[33],
            syscallno: 0,
            orig_x0: w[0],
        }
    }

    pub fn to_prstatus(&self) -> [u64; 34] {
        let mut w = [0; 34];
        w[..31].copy_from_slice(&self.x);
        w[31] = self.sp;
        w[32] = self.pc;
        w[33] = self.pstate;
        w
    }

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
