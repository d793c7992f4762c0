//! aarch64 CPU identity. There is no CPUID instruction: user space learns
//! the processor's features from the kernel's AT_HWCAP and AT_HWCAP2 words
//! in the auxiliary vector (which summarize the ID registers), so those are
//! what a replay compares.

use crate::arch::cpu::{FeatureWord, Kind, Source, AT_HWCAP, AT_HWCAP2};

const HWCAP: &[(u8, &str)] = &[
    (0, "fp"),
    (1, "asimd"),
    (2, "evtstrm"),
    (3, "aes"),
    (4, "pmull"),
    (5, "sha1"),
    (6, "sha2"),
    (7, "crc32"),
    (8, "atomics"),
    (9, "fphp"),
    (10, "asimdhp"),
    (11, "cpuid"),
    (12, "asimdrdm"),
    (13, "jscvt"),
    (14, "fcma"),
    (15, "lrcpc"),
    (16, "dcpop"),
    (17, "sha3"),
    (18, "sm3"),
    (19, "sm4"),
    (20, "asimddp"),
    (21, "sha512"),
    (22, "sve"),
    (23, "asimdfhm"),
    (24, "dit"),
    (25, "uscat"),
    (26, "ilrcpc"),
    (27, "flagm"),
    (28, "ssbs"),
    (29, "sb"),
    (30, "paca"),
    (31, "pacg"),
];

const HWCAP2: &[(u8, &str)] = &[
    (0, "dcpodp"),
    (1, "sve2"),
    (2, "sveaes"),
    (3, "svepmull"),
    (4, "svebitperm"),
    (5, "svesha3"),
    (6, "svesm4"),
    (7, "flagm2"),
    (8, "frint"),
    (9, "svei8mm"),
    (10, "svef32mm"),
    (11, "svef64mm"),
    (12, "svebf16"),
    (13, "i8mm"),
    (14, "bf16"),
    (15, "dgh"),
    (16, "rng"),
    (17, "bti"),
    (18, "mte"),
];

/// The words a replay compares.
pub const FEATURE_WORDS: &[FeatureWord] = &[
    FeatureWord {
        source: Source::Auxv { key: AT_HWCAP },
        name: "AT_HWCAP",
        mask: u64::MAX,
        kind: Kind::Flags(HWCAP),
    },
    FeatureWord {
        source: Source::Auxv { key: AT_HWCAP2 },
        name: "AT_HWCAP2",
        mask: u64::MAX,
        kind: Kind::Flags(HWCAP2),
    },
];
