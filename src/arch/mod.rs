//! Per-architecture facts, kept as plain data and functions so that every
//! architecture's knowledge compiles and is tested on any host. Only the thin
//! ptrace glue in `tracee/` is `cfg`-gated.

pub mod aarch64;
pub mod breakpoint;
pub mod cmds;
pub mod cpu;
pub mod fork;
pub mod hwdebug;
pub mod ioctl;
pub mod output;
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

    /// The `AUDIT_ARCH_*` value seccomp gives this architecture (in
    /// `seccomp_data.arch` and a filter's SIGSYS).
    pub fn audit_arch(self) -> u32 {
        match self {
            Arch::X86_64 => 0xc000_003e,
            Arch::Aarch64 => 0xc000_00b7,
        }
    }

    /// The vDSO's functions that rewind replaces (by symbol name), each
    /// with the syscall the replacement makes, or None for one that is
    /// made to fail with ENOSYS (the C library then makes the syscall
    /// itself). The signal-return trampoline is left alone.
    pub fn vdso_functions(self) -> &'static [(&'static str, Option<&'static str>)] {
        match self {
            Arch::X86_64 => &[
                ("__vdso_clock_gettime", Some("clock_gettime")),
                ("clock_gettime", Some("clock_gettime")),
                ("__vdso_gettimeofday", Some("gettimeofday")),
                ("gettimeofday", Some("gettimeofday")),
                ("__vdso_time", Some("time")),
                ("time", Some("time")),
                ("__vdso_getcpu", Some("getcpu")),
                ("getcpu", Some("getcpu")),
                ("__vdso_clock_getres", Some("clock_getres")),
                ("clock_getres", Some("clock_getres")),
                ("__vdso_getrandom", None),
                ("getrandom", None),
                ("__vdso_sgx_enter_enclave", None),
            ],
            Arch::Aarch64 => &[
                ("__kernel_clock_gettime", Some("clock_gettime")),
                ("__kernel_gettimeofday", Some("gettimeofday")),
                ("__kernel_clock_getres", Some("clock_getres")),
                ("__kernel_getrandom", None),
            ],
        }
    }

    /// Machine code that makes syscall `nr` with the caller's arguments
    /// and returns its result (a vDSO function's replacement), or, for
    /// None, returns -ENOSYS.
    pub fn vdso_stub(self, nr: Option<u64>) -> Vec<u8> {
        match (self, nr) {
            // mov eax, nr; syscall; ret
            (Arch::X86_64, Some(nr)) => {
                let mut v = vec![0xb8];
                v.extend_from_slice(&(nr as u32).to_le_bytes());
                v.extend_from_slice(&[0x0f, 0x05, 0xc3]);
                v
            }
            // mov rax, -38; ret
            (Arch::X86_64, None) => vec![0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff, 0xc3],
            // mov x8, #nr; svc #0; ret
            (Arch::Aarch64, Some(nr)) => [
                0xd280_0008 | (((nr as u32) & 0xffff) << 5),
                0xd400_0001,
                0xd65f_03c0,
            ]
            .iter()
            .flat_map(|w: &u32| w.to_le_bytes())
            .collect(),
            // mov x0, #-38; ret
            (Arch::Aarch64, None) => [0x9280_04a0u32, 0xd65f_03c0]
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect(),
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

/// Longest x86_64 instruction, in bytes.
pub const MAX_INSN_LEN: usize = 15;

impl Arch {
    /// The addresses of the instructions that may have executed just before
    /// the one at `end`, falling through to it: those that decode to exactly
    /// the bytes between them and `end`. `before` holds the bytes just before
    /// `end` (up to [`MAX_INSN_LEN`]). Those with a memory operand (the
    /// likely writers) first, then longest first (the tail of a longer
    /// instruction often decodes on its own too); a branch cannot be told this
    /// way, nor code that overlaps itself.
    pub fn fallthrough_candidates(self, before: &[u8], end: u64) -> Vec<u64> {
        match self {
            Arch::Aarch64 => {
                if before.len() >= 4 {
                    vec![end - 4]
                } else {
                    Vec::new()
                }
            }
            Arch::X86_64 => {
                let mut out = Vec::new();
                for len in 1..=before.len().min(MAX_INSN_LEN) {
                    let bytes = &before[before.len() - len..];
                    let start = end - len as u64;
                    let mut d = iced_x86::Decoder::with_ip(
                        64,
                        bytes,
                        start,
                        iced_x86::DecoderOptions::NONE,
                    );
                    let insn = d.decode();
                    if !insn.is_invalid() && insn.len() == len {
                        out.push((!has_memory_operand(&insn), std::cmp::Reverse(len), start));
                    }
                }
                out.sort_unstable();
                out.into_iter().map(|(_, _, start)| start).collect()
            }
        }
    }
}

fn has_memory_operand(insn: &iced_x86::Instruction) -> bool {
    use iced_x86::OpKind;
    (0..insn.op_count()).any(|i| {
        matches!(
            insn.op_kind(i),
            OpKind::Memory | OpKind::MemoryESDI | OpKind::MemoryESEDI | OpKind::MemoryESRDI
        )
    })
}

#[cfg(test)]
mod tests {
    use super::Arch;

    #[test]
    fn x86_64_instruction_before_a_point_is_found_by_decoding_backwards() {
        // 0x1000: mov %rax,0x2e8d(%rip)   48 89 05 8d 2e 00 00
        // 0x1007: ret                      c3
        let code = [0x48, 0x89, 0x05, 0x8d, 0x2e, 0x00, 0x00, 0xc3];
        let c = Arch::X86_64.fallthrough_candidates(&code[..7], 0x1007);
        // The write comes before the shorter, operand-less decodings.
        assert!(c.contains(&0x1000), "{c:x?}");
        let pos = |a| c.iter().position(|&x| x == a);
        if let Some(shorter) = pos(0x1006) {
            assert!(pos(0x1000) < Some(shorter), "{c:x?}");
        }
        // Every candidate decodes to exactly the bytes up to the point.
        for a in &c {
            assert!(*a >= 0x1000 && *a < 0x1007);
        }
        // Before the ret's end: the ret itself is a candidate.
        let c = Arch::X86_64.fallthrough_candidates(&code, 0x1008);
        assert!(c.contains(&0x1007), "{c:x?}");
    }

    #[test]
    fn aarch64_instructions_are_four_bytes() {
        assert_eq!(
            Arch::Aarch64.fallthrough_candidates(&[0; 15], 0x4010),
            vec![0x400c]
        );
        assert!(Arch::Aarch64
            .fallthrough_candidates(&[0; 2], 0x4010)
            .is_empty());
    }
}
