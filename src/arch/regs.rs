//! Registers of a stopped thread, for whichever architecture recorded them.

use serde::{Deserialize, Serialize};

use super::{aarch64, x86_64, Arch};

/// What the machine rewind runs on answers for the instructions a tracee
/// traps on for rewind to emulate (see [`Regs::emulate_trapped`]); None
/// where the machine has no such instruction.
pub trait HostAnswers {
    /// The time-stamp counter (x86 RDTSC).
    fn time_counter(&self) -> Option<u64>;
    /// The time-stamp counter and TSC_AUX (x86 RDTSCP).
    fn time_counter_aux(&self) -> Option<(u64, u32)>;
    /// The answer to CPUID `leaf`, `subleaf` (eax, ebx, ecx, edx).
    fn cpu_id(&self, leaf: u32, subleaf: u32) -> Option<[u32; 4]>;
}

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

    /// The first syscall argument as the syscall saw it, where ptrace
    /// cannot read it (aarch64 `orig_x0`); None on x86_64.
    pub fn kept_arg0(&self) -> Option<u64> {
        match self {
            Regs::X86_64(_) => None,
            Regs::Aarch64(r) => Some(r.orig_x0),
        }
    }

    /// Set what [`Regs::kept_arg0`] reads (nothing on x86_64).
    pub fn set_kept_arg0(&mut self, v: u64) {
        if let Regs::Aarch64(r) = self {
            r.orig_x0 = v;
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

    /// Set the syscall number alone, as at a syscall-entry stop (`u64::MAX`
    /// skips the syscall, and keeps the kernel from restarting it).
    pub fn set_syscall_nr(&mut self, nr: u64) {
        match self {
            Regs::X86_64(r) => r.orig_rax = nr,
            Regs::Aarch64(r) => r.syscallno = nr,
        }
    }

    /// Set the six syscall arguments, as at a syscall-entry stop.
    pub fn set_syscall_args(&mut self, a: [u64; 6]) {
        match self {
            Regs::X86_64(r) => r.set_syscall_args(a),
            Regs::Aarch64(r) => {
                r.orig_x0 = a[0];
                r.x[..6].copy_from_slice(&a);
            }
        }
    }

    /// Put the six syscall arguments back at a syscall's exit, keeping its
    /// result (on aarch64 the first argument's register holds the result).
    pub fn restore_syscall_args(&mut self, a: [u64; 6]) {
        let result = self.result();
        self.set_syscall_args(a);
        self.set_result(result);
    }

    /// The address of the syscall instruction a thread stopped at a
    /// syscall (entry or exit) ran: the instruction just before `ip`.
    pub fn syscall_insn_addr(&self) -> u64 {
        self.ip() - self.arch().syscall_insn().len() as u64
    }

    /// Put syscall `nr` and its first argument where the syscall
    /// instruction reads them (x86_64: rax; aarch64: x8, and x0 from the
    /// first argument the syscall saw), for the instruction to run again.
    pub fn reload_syscall(&mut self, nr: u64) {
        match self {
            Regs::X86_64(r) => r.rax = nr,
            Regs::Aarch64(r) => {
                r.x[8] = nr;
                r.x[0] = r.orig_x0;
            }
        }
    }

    /// Back to the syscall instruction this thread stopped at, set up to run
    /// syscall `nr` with the same arguments (as the kernel restarts a
    /// syscall).
    pub fn rewind_to_syscall(&mut self, nr: u64) {
        let at = self.syscall_insn_addr();
        self.set_ip(at);
        self.reload_syscall(nr);
    }

    /// Copy from `from` the registers the syscall instruction itself
    /// overwrites besides the result (x86_64: the return address in rcx and
    /// the flags in r11; none on aarch64).
    pub fn copy_syscall_clobbers(&mut self, from: &Regs) {
        if let (Regs::X86_64(now), Regs::X86_64(rec)) = (self, from) {
            now.r11 = rec.r11;
            now.rcx = rec.rcx;
        }
    }

    /// Take out the resume flag (x86's RF, which the kernel sets after a
    /// debug-register breakpoint so that the instruction can run): not the
    /// program's state. Nothing on aarch64.
    pub fn clear_resume_flag(&mut self) {
        if let Regs::X86_64(r) = self {
            r.eflags &= !x86_64::regs::EFLAGS_RF;
        }
    }

    /// Set the resume flag, so that the instruction at ip runs once without
    /// a debug-register execution trap; whether anything changed (false
    /// when it was set already, or the architecture has no such flag).
    pub fn set_resume_flag(&mut self) -> bool {
        match self {
            Regs::X86_64(r) if r.eflags & x86_64::regs::EFLAGS_RF == 0 => {
                r.eflags |= x86_64::regs::EFLAGS_RF;
                true
            }
            _ => false,
        }
    }

    /// If `code` (the bytes at ip) starts with an instruction that traps
    /// for rewind to emulate (x86_64: RDTSC, RDTSCP, CPUID), the registers
    /// after it, with `host`'s answer in them and ip past it.
    pub fn emulate_trapped(&self, code: &[u8], host: &impl HostAnswers) -> Option<Regs> {
        let Regs::X86_64(mut r) = *self else {
            return None;
        };
        let insn = x86_64::TimeInsn::decode(code)?;
        match insn {
            x86_64::TimeInsn::Rdtsc => {
                let t = host.time_counter()?;
                r.rax = t & 0xffff_ffff;
                r.rdx = t >> 32;
            }
            x86_64::TimeInsn::Rdtscp => {
                let (t, aux) = host.time_counter_aux()?;
                r.rax = t & 0xffff_ffff;
                r.rdx = t >> 32;
                r.rcx = aux as u64;
            }
            x86_64::TimeInsn::Cpuid => {
                let (leaf, subleaf) = (r.rax as u32, r.rcx as u32);
                let [a, b, c, d] =
                    x86_64::cpu::program_view(leaf, subleaf, host.cpu_id(leaf, subleaf)?);
                (r.rax, r.rbx, r.rcx, r.rdx) = (a as u64, b as u64, c as u64, d as u64);
            }
        }
        r.rip += insn.size();
        Some(Regs::X86_64(r))
    }

    /// Register `i` in the numbering of [`Arch::reg_names`].
    pub fn reg(&self, i: usize) -> Option<u64> {
        match self {
            Regs::X86_64(r) => r.to_array().get(i).copied(),
            Regs::Aarch64(r) => r.to_array().get(i).copied(),
        }
    }

    /// The registers as `PTRACE_GETREGSET(NT_PRSTATUS)` lays them out on
    /// `arch` (64-bit words), or None when `words` has another length. The
    /// aarch64 syscall number is not among them (see
    /// [`Arch::syscall_nr_regset`]), and the first argument as the syscall
    /// saw it is taken from x0.
    pub fn from_prstatus(arch: Arch, words: &[u64]) -> Option<Regs> {
        match arch {
            Arch::X86_64 => Some(Regs::X86_64(x86_64::regs::Regs::from_array(
                words.try_into().ok()?,
            ))),
            Arch::Aarch64 => Some(Regs::Aarch64(aarch64::regs::Regs::from_prstatus(
                words.try_into().ok()?,
            ))),
        }
    }

    /// The registers in `PTRACE_SETREGSET(NT_PRSTATUS)` layout.
    pub fn to_prstatus(&self) -> Vec<u64> {
        match self {
            Regs::X86_64(r) => r.to_array().to_vec(),
            Regs::Aarch64(r) => r.to_prstatus().to_vec(),
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

impl Arch {
    /// The syscall instruction (x86_64 `syscall`, aarch64 `svc #0`): a
    /// thread stopped at a syscall is just past it.
    pub fn syscall_insn(self) -> &'static [u8] {
        match self {
            Arch::X86_64 => &x86_64::SYSCALL_INSN,
            Arch::Aarch64 => &aarch64::SYSCALL_INSN,
        }
    }

    /// The most bytes at ip that [`Regs::emulate_trapped`] and
    /// [`Arch::is_trapped_insn`] look at.
    pub fn trapped_insn_max_len(self) -> usize {
        match self {
            Arch::X86_64 => 3,
            Arch::Aarch64 => 4,
        }
    }

    /// Whether `code` (the bytes at ip) starts with an instruction that
    /// traps in a recorded program: a time-counter read always, CPUID only
    /// when it is made to fault (`cpuid_faults`).
    pub fn traps_in_recording(self, code: &[u8], cpuid_faults: bool) -> bool {
        match self {
            Arch::X86_64 => match x86_64::TimeInsn::decode(code) {
                Some(x86_64::TimeInsn::Cpuid) => cpuid_faults,
                Some(_) => true,
                None => false,
            },
            Arch::Aarch64 => false,
        }
    }

    /// Whether `code` (the bytes at ip) starts with an instruction that
    /// traps for rewind to emulate.
    pub fn is_trapped_insn(self, code: &[u8]) -> bool {
        match self {
            Arch::X86_64 => x86_64::TimeInsn::decode(code).is_some(),
            Arch::Aarch64 => false,
        }
    }

    /// Names of the registers that the syscall instruction overwrites
    /// besides the result (see [`Regs::copy_syscall_clobbers`]).
    pub fn syscall_clobbers(self) -> &'static [&'static str] {
        match self {
            Arch::X86_64 => &["rcx", "r11"],
            Arch::Aarch64 => &[],
        }
    }

    /// Names of the registers, in the numbering of [`Regs::reg`].
    pub fn reg_names(self) -> &'static [&'static str] {
        match self {
            Arch::X86_64 => &x86_64::regs::NAMES,
            Arch::Aarch64 => &aarch64::regs::NAMES,
        }
    }

    /// The registers (numbers of [`Regs::reg`]) that hold the program's own
    /// values: the general registers and the stack pointer; not the
    /// instruction pointer, the flags, segment and base registers or the
    /// syscall bookkeeping the kernel keeps.
    pub fn data_regs(self) -> Vec<usize> {
        let not: &[&str] = match self {
            Arch::X86_64 => &x86_64::regs::NOT_DATA,
            Arch::Aarch64 => &aarch64::regs::NOT_DATA,
        };
        self.reg_names()
            .iter()
            .enumerate()
            .filter(|(_, n)| !not.contains(n))
            .map(|(i, _)| i)
            .collect()
    }

    /// Whether ptrace cannot read the first argument as the syscall saw
    /// it (aarch64's `orig_x0`, which the syscall's result overwrites in
    /// x0): then `tracee` keeps it per thread from each syscall-entry stop
    /// (see [`Regs::kept_arg0`]).
    pub fn keeps_syscall_arg0(self) -> bool {
        matches!(self, Arch::Aarch64)
    }

    /// The regset (`NT_*`) that holds the syscall number apart from the
    /// general registers, where there is one (aarch64 `NT_ARM_SYSTEM_CALL`).
    pub fn syscall_nr_regset(self) -> Option<u32> {
        match self {
            Arch::X86_64 => None,
            Arch::Aarch64 => Some(aarch64::NT_ARM_SYSTEM_CALL),
        }
    }

    /// The regset (`NT_*`) of the floating-point and vector registers, kept
    /// as an opaque area: x86_64 the XSAVE area (`NT_X86_XSTATE`), aarch64
    /// the FP/SIMD registers (`NT_PRFPREG`).
    pub fn fp_regset(self) -> u32 {
        match self {
            Arch::X86_64 => x86_64::NT_X86_XSTATE,
            Arch::Aarch64 => aarch64::NT_PRFPREG,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x86_at_syscall() -> Regs {
        Regs::X86_64(x86_64::regs::Regs {
            rip: 0x1002,
            orig_rax: 1,
            rax: (-38i64) as u64,
            rdi: 7,
            ..Default::default()
        })
    }

    fn arm_at_syscall() -> Regs {
        let mut r = aarch64::regs::Regs {
            pc: 0x1004,
            syscallno: 64,
            orig_x0: 7,
            ..Default::default()
        };
        r.x[0] = (-38i64) as u64;
        r.x[8] = 64;
        Regs::Aarch64(r)
    }

    #[test]
    fn rewinding_to_a_syscall_reloads_its_number_and_first_argument() {
        let mut r = x86_at_syscall();
        r.rewind_to_syscall(219);
        let x = r.x86().unwrap();
        assert_eq!((x.rip, x.rax, x.orig_rax, x.rdi), (0x1000, 219, 1, 7));

        let mut r = arm_at_syscall();
        assert_eq!(r.syscall_insn_addr(), 0x1000);
        r.rewind_to_syscall(128);
        let Regs::Aarch64(a) = r else { unreachable!() };
        assert_eq!((a.pc, a.x[8], a.x[0], a.syscallno), (0x1000, 128, 7, 64));
    }

    #[test]
    fn restoring_arguments_at_exit_keeps_the_result() {
        for mut r in [x86_at_syscall(), arm_at_syscall()] {
            r.restore_syscall_args([1, 2, 3, 4, 5, 6]);
            assert_eq!(r.result(), (-38i64) as u64);
            assert_eq!(r.syscall_args(), [1, 2, 3, 4, 5, 6]);
        }
    }

    #[test]
    fn prstatus_round_trip() {
        for arch in [Arch::X86_64, Arch::Aarch64] {
            let n = match arch {
                Arch::X86_64 => 27,
                Arch::Aarch64 => 34,
            };
            let words: Vec<u64> = (0..n).map(|i| i * 5 + 1).collect();
            let r = Regs::from_prstatus(arch, &words).unwrap();
            assert_eq!(r.arch(), arch);
            assert_eq!(r.to_prstatus(), words);
            assert!(Regs::from_prstatus(arch, &words[1..]).is_none());
        }
        let r = Regs::from_prstatus(Arch::Aarch64, &(0..34).collect::<Vec<u64>>()).unwrap();
        assert_eq!((r.sp(), r.ip()), (31, 32));
    }

    struct Fixed;
    impl HostAnswers for Fixed {
        fn time_counter(&self) -> Option<u64> {
            Some(0x1_2345_6789)
        }
        fn time_counter_aux(&self) -> Option<(u64, u32)> {
            Some((0x2_0000_0001, 3))
        }
        fn cpu_id(&self, leaf: u32, subleaf: u32) -> Option<[u32; 4]> {
            Some([leaf, subleaf, 9, 10])
        }
    }

    #[test]
    fn trapped_instructions_are_emulated_with_the_host_answers() {
        let r = Regs::X86_64(x86_64::regs::Regs {
            rip: 0x1000,
            rax: 7,
            rcx: 1,
            ..Default::default()
        });
        let after = r.emulate_trapped(&[0x0f, 0x31, 0x90], &Fixed).unwrap();
        let x = after.x86().unwrap();
        assert_eq!((x.rip, x.rax, x.rdx), (0x1002, 0x2345_6789, 1));
        let after = r.emulate_trapped(&[0x0f, 0x01, 0xf9], &Fixed).unwrap();
        let x = after.x86().unwrap();
        assert_eq!((x.rip, x.rax, x.rdx, x.rcx), (0x1003, 1, 2, 3));
        let after = r.emulate_trapped(&[0x0f, 0xa2], &Fixed).unwrap();
        let x = after.x86().unwrap();
        assert_eq!((x.rax, x.rbx, x.rcx, x.rdx), (7, 1, 9, 10));
        assert!(r.emulate_trapped(&[0x0f, 0x05], &Fixed).is_none());
        assert!(Arch::X86_64.is_trapped_insn(&[0x0f, 0x31]));
        assert!(!Arch::Aarch64.is_trapped_insn(&[0x40, 0xe0, 0x3b, 0xd5]));
    }

    #[test]
    fn data_registers_are_the_general_ones_and_the_stack_pointer() {
        let x: Vec<&str> = Arch::X86_64
            .data_regs()
            .into_iter()
            .map(|i| Arch::X86_64.reg_names()[i])
            .collect();
        assert!(x.contains(&"rax") && x.contains(&"rsp") && x.contains(&"r15"));
        assert!(!x.contains(&"rip") && !x.contains(&"orig_rax") && !x.contains(&"eflags"));
        assert_eq!(x.len(), 16);
        let a = Arch::Aarch64.data_regs();
        assert_eq!(a.len(), 32); // x0..x30, sp
        let r = arm_at_syscall();
        assert_eq!(r.reg(8), Some(64));
        assert_eq!(Arch::Aarch64.reg_names()[32], "pc");
    }
}
