//! x86_64 CPU identity: the CPUID leaves a recording keeps and the words a
//! replay compares, with the names of their feature bits.

use crate::arch::cpu::{FeatureWord, Kind, Reg, Source, AT_HWCAP2};

/// `arch_prctl` code that enables (1) or disables (0: CPUID faults) the
/// CPUID instruction for the calling thread.
pub const ARCH_SET_CPUID: u64 = 0x1012;

/// CPUID leaves (and subleaves) kept in a trace's header: vendor and
/// limits (0), family/model and features (1), extended features (7),
/// XSAVE state components and sizes (0xd), processor trace (0x14),
/// extended limits and features (0x80000000, 0x80000001), the model name
/// (0x80000002-4). Leaves above the processor's limits are left out.
pub const RECORDED_LEAVES: &[(u32, u32)] = &[
    (0, 0),
    (1, 0),
    (7, 0),
    (7, 1),
    (0xd, 0),
    (0xd, 1),
    (0x14, 0),
    (0x8000_0000, 0),
    (0x8000_0001, 0),
    (0x8000_0002, 0),
    (0x8000_0003, 0),
    (0x8000_0004, 0),
];

/// A CPUID answer with what differs between the cores of one machine
/// cleared: leaf 1's EBX bits 31-24 are the initial APIC id of the core
/// that answered.
pub fn core_independent(leaf: u32, mut regs: [u32; 4]) -> [u32; 4] {
    if leaf == 1 {
        regs[1] &= 0x00ff_ffff;
    }
    regs
}

/// A CPUID answer as a recorded program sees it: the features whose
/// instructions give a different result each run, and that rewind cannot
/// trap, are hidden, so that programs which check before using them (as
/// they must) take their other path: RDRAND (leaf 1 ECX bit 30), RDSEED
/// (leaf 7 EBX bit 18), and transactional memory, whose aborts depend on
/// the machine (HLE, leaf 7 EBX bit 4; RTM, bit 11).
pub fn program_view(leaf: u32, subleaf: u32, mut regs: [u32; 4]) -> [u32; 4] {
    match (leaf, subleaf) {
        (1, _) => regs[2] &= !(1 << 30),
        (7, 0) => regs[1] &= !((1 << 18) | (1 << 11) | (1 << 4)),
        _ => {}
    }
    regs
}

const fn cpuid(leaf: u32, subleaf: u32, reg: Reg) -> Source {
    Source::Cpuid { leaf, subleaf, reg }
}

const LEAF1_ECX: &[(u8, &str)] = &[
    (0, "sse3"),
    (1, "pclmulqdq"),
    (3, "monitor"),
    (5, "vmx"),
    (9, "ssse3"),
    (12, "fma"),
    (13, "cx16"),
    (19, "sse4_1"),
    (20, "sse4_2"),
    (22, "movbe"),
    (23, "popcnt"),
    (25, "aes"),
    (26, "xsave"),
    (27, "osxsave"),
    (28, "avx"),
    (29, "f16c"),
    (30, "rdrand"),
    (31, "hypervisor"),
];

const LEAF1_EDX: &[(u8, &str)] = &[
    (0, "fpu"),
    (4, "tsc"),
    (8, "cx8"),
    (15, "cmov"),
    (19, "clflush"),
    (23, "mmx"),
    (24, "fxsr"),
    (25, "sse"),
    (26, "sse2"),
    (28, "htt"),
];

const LEAF7_EBX: &[(u8, &str)] = &[
    (0, "fsgsbase"),
    (3, "bmi1"),
    (4, "hle"),
    (5, "avx2"),
    (8, "bmi2"),
    (9, "erms"),
    (10, "invpcid"),
    (11, "rtm"),
    (16, "avx512f"),
    (17, "avx512dq"),
    (18, "rdseed"),
    (19, "adx"),
    (21, "avx512ifma"),
    (23, "clflushopt"),
    (24, "clwb"),
    (28, "avx512cd"),
    (29, "sha"),
    (30, "avx512bw"),
    (31, "avx512vl"),
];

const LEAF7_ECX: &[(u8, &str)] = &[
    (1, "avx512vbmi"),
    (2, "umip"),
    (3, "pku"),
    (4, "ospke"),
    (5, "waitpkg"),
    (6, "avx512_vbmi2"),
    (7, "shstk"),
    (8, "gfni"),
    (9, "vaes"),
    (10, "vpclmulqdq"),
    (11, "avx512_vnni"),
    (12, "avx512_bitalg"),
    (14, "avx512_vpopcntdq"),
    (22, "rdpid"),
    (25, "cldemote"),
    (27, "movdiri"),
    (28, "movdir64b"),
];

const LEAF7_EDX: &[(u8, &str)] = &[
    (4, "fsrm"),
    (8, "avx512_vp2intersect"),
    (10, "md_clear"),
    (14, "serialize"),
    (15, "hybrid"),
    (16, "tsxldtrk"),
    (20, "ibt"),
    (22, "amx_bf16"),
    (23, "avx512_fp16"),
    (24, "amx_tile"),
    (25, "amx_int8"),
];

const LEAF7_1_EAX: &[(u8, &str)] = &[
    (4, "avx_vnni"),
    (5, "avx512_bf16"),
    (10, "fzrm"),
    (11, "fsrs"),
    (12, "fsrc"),
];

const LEAF_D_EAX: &[(u8, &str)] = &[
    (0, "x87-state"),
    (1, "sse-state"),
    (2, "avx-state"),
    (3, "bndregs-state"),
    (4, "bndcsr-state"),
    (5, "opmask-state"),
    (6, "zmm_hi256-state"),
    (7, "hi16_zmm-state"),
    (9, "pkru-state"),
    (17, "xtilecfg-state"),
    (18, "xtiledata-state"),
];

const LEAF_D1_EAX: &[(u8, &str)] = &[
    (0, "xsaveopt"),
    (1, "xsavec"),
    (2, "xgetbv1"),
    (3, "xsaves"),
    (4, "xfd"),
];

const EXT1_ECX: &[(u8, &str)] = &[
    (0, "lahf_lm"),
    (5, "lzcnt"),
    (6, "sse4a"),
    (8, "prefetchw"),
    (11, "xop"),
    (16, "fma4"),
    (21, "tbm"),
];

const EXT1_EDX: &[(u8, &str)] = &[
    (11, "syscall"),
    (20, "nx"),
    (26, "pdpe1gb"),
    (27, "rdtscp"),
    (29, "lm"),
];

const HWCAP2: &[(u8, &str)] = &[(0, "ring3mwait"), (1, "fsgsbase")];

/// The words a replay compares. Leaf 1's EBX (APIC id, logical processor
/// count, CLFLUSH size) is left out: it differs between cores.
pub const FEATURE_WORDS: &[FeatureWord] = &[
    FeatureWord {
        source: cpuid(1, 0, Reg::Eax),
        name: "family/model/stepping (CPUID.(EAX=1):EAX)",
        mask: 0x0fff_3fff,
        kind: Kind::Value,
    },
    FeatureWord {
        source: cpuid(1, 0, Reg::Ecx),
        name: "CPUID.(EAX=1):ECX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF1_ECX),
    },
    FeatureWord {
        source: cpuid(1, 0, Reg::Edx),
        name: "CPUID.(EAX=1):EDX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF1_EDX),
    },
    FeatureWord {
        source: cpuid(7, 0, Reg::Ebx),
        name: "CPUID.(EAX=7,ECX=0):EBX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF7_EBX),
    },
    FeatureWord {
        source: cpuid(7, 0, Reg::Ecx),
        name: "CPUID.(EAX=7,ECX=0):ECX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF7_ECX),
    },
    FeatureWord {
        source: cpuid(7, 0, Reg::Edx),
        name: "CPUID.(EAX=7,ECX=0):EDX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF7_EDX),
    },
    FeatureWord {
        source: cpuid(7, 1, Reg::Eax),
        name: "CPUID.(EAX=7,ECX=1):EAX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF7_1_EAX),
    },
    FeatureWord {
        source: cpuid(0xd, 0, Reg::Eax),
        name: "XSAVE state components (CPUID.(EAX=0xd,ECX=0):EAX)",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF_D_EAX),
    },
    FeatureWord {
        source: cpuid(0xd, 0, Reg::Ebx),
        name: "XSAVE area size (CPUID.(EAX=0xd,ECX=0):EBX)",
        mask: 0xffff_ffff,
        kind: Kind::Value,
    },
    FeatureWord {
        source: cpuid(0xd, 1, Reg::Eax),
        name: "CPUID.(EAX=0xd,ECX=1):EAX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(LEAF_D1_EAX),
    },
    FeatureWord {
        source: cpuid(0x8000_0001, 0, Reg::Ecx),
        name: "CPUID.(EAX=0x80000001):ECX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(EXT1_ECX),
    },
    FeatureWord {
        source: cpuid(0x8000_0001, 0, Reg::Edx),
        name: "CPUID.(EAX=0x80000001):EDX",
        mask: 0xffff_ffff,
        kind: Kind::Flags(EXT1_EDX),
    },
    FeatureWord {
        source: Source::Auxv { key: AT_HWCAP2 },
        name: "AT_HWCAP2",
        mask: u64::MAX,
        kind: Kind::Flags(HWCAP2),
    },
];
