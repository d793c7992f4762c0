//! CPU identity as data: which answers of the processor programs choose
//! their code by (CPUID leaves on x86_64, the hardware capability words of
//! the auxiliary vector everywhere), and how the recording machine's answers
//! are compared with the replaying machine's.
//!
//! A trace keeps the recording machine's answers; a replay on a machine that
//! answers differently may take other code paths (a C library picks its
//! string functions by these bits) and diverge, so the replay names every
//! difference up front. The per-architecture tables are in
//! `x86_64/cpu.rs` and `aarch64/cpu.rs`.

use serde::{Deserialize, Serialize};

use super::Arch;

/// AT_HWCAP: the kernel's hardware capability bits.
pub const AT_HWCAP: u64 = 16;
/// AT_HWCAP2: more of them.
pub const AT_HWCAP2: u64 = 26;

/// A register of a CPUID answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    Eax = 0,
    Ebx = 1,
    Ecx = 2,
    Edx = 3,
}

/// Where a word of CPU identity comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// One register of a CPUID leaf and subleaf.
    Cpuid { leaf: u32, subleaf: u32, reg: Reg },
    /// An entry of the auxiliary vector (AT_HWCAP, AT_HWCAP2).
    Auxv { key: u64 },
}

/// How a word is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Feature flags: each differing bit is named (from this table, or
    /// "bit N").
    Flags(&'static [(u8, &'static str)]),
    /// A number that must be equal (a model number, a size).
    Value,
}

/// One word of CPU identity that a replay compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureWord {
    pub source: Source,
    /// What it is, for messages ("CPUID.(EAX=7,ECX=0):EBX").
    pub name: &'static str,
    /// The bits compared (others vary between cores or do not matter).
    pub mask: u64,
    pub kind: Kind,
}

/// A machine's answers: CPUID leaves (leaf, subleaf, [eax, ebx, ecx, edx])
/// and auxv capability words (key, value).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuFacts {
    pub cpuid: Vec<(u32, u32, [u32; 4])>,
    pub auxv: Vec<(u64, u64)>,
}

impl CpuFacts {
    fn cpuid(&self, leaf: u32, subleaf: u32) -> Option<[u32; 4]> {
        self.cpuid
            .iter()
            .find(|(l, s, _)| *l == leaf && *s == subleaf)
            .map(|(_, _, r)| *r)
    }

    fn word(&self, src: Source) -> Option<u64> {
        match src {
            Source::Cpuid { leaf, subleaf, reg } => {
                self.cpuid(leaf, subleaf).map(|r| r[reg as usize] as u64)
            }
            Source::Auxv { key } => self.auxv.iter().find(|(k, _)| *k == key).map(|(_, v)| *v),
        }
    }

    /// The processor's vendor (CPUID leaf 0), when known.
    pub fn vendor(&self) -> Option<String> {
        let r = self.cpuid(0, 0)?;
        Some(regs_text(&[r[1], r[3], r[2]]))
    }

    /// The processor's model name (CPUID leaves 0x80000002-4), when known.
    pub fn brand(&self) -> Option<String> {
        let mut words = Vec::new();
        for leaf in 0x8000_0002..=0x8000_0004u32 {
            words.extend_from_slice(&self.cpuid(leaf, 0)?);
        }
        let s = regs_text(&words);
        Some(s.trim().to_string())
    }

    /// The named feature bits that are set, word by word, for `rewind info`.
    pub fn feature_names(&self, arch: Arch) -> Vec<&'static str> {
        let mut v = Vec::new();
        for w in arch.cpu_feature_words() {
            if let (Kind::Flags(bits), Some(val)) = (w.kind, self.word(w.source)) {
                for (b, name) in bits {
                    if val & w.mask & (1u64 << b) != 0 {
                        v.push(*name);
                    }
                }
            }
        }
        v
    }
}

/// Registers as the ASCII text they spell (vendor and brand strings).
fn regs_text(words: &[u32]) -> String {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// One difference between the recording machine and this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The word ("CPUID.(EAX=7,ECX=0):EBX", "CPU vendor").
    pub what: String,
    /// Features the recording machine had that this one lacks.
    pub missing_here: Vec<String>,
    /// Features this machine has that the recording machine lacked.
    pub only_here: Vec<String>,
    /// For values: the recorded and the present value.
    pub values: Option<(String, String)>,
}

impl Difference {
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing_here.is_empty() {
            parts.push(format!(
                "recorded with {}, missing here",
                self.missing_here.join(" ")
            ));
        }
        if !self.only_here.is_empty() {
            parts.push(format!(
                "here also {}, not when recorded",
                self.only_here.join(" ")
            ));
        }
        if let Some((rec, here)) = &self.values {
            parts.push(format!("recorded {rec}, here {here}"));
        }
        format!("{}: {}", self.what, parts.join("; "))
    }
}

/// Every difference between `recorded` and `here` in the words that
/// `arch` compares, and in the vendor and model name. A word one side does
/// not have (an older trace kept fewer leaves) is not compared.
pub fn compare(arch: Arch, recorded: &CpuFacts, here: &CpuFacts) -> Vec<Difference> {
    let mut out = Vec::new();
    for (what, rec, now) in [
        ("CPU vendor", recorded.vendor(), here.vendor()),
        ("CPU model name", recorded.brand(), here.brand()),
    ] {
        if let (Some(r), Some(n)) = (rec, now) {
            if r != n {
                out.push(Difference {
                    what: what.into(),
                    missing_here: vec![],
                    only_here: vec![],
                    values: Some((format!("{r:?}"), format!("{n:?}"))),
                });
            }
        }
    }
    for w in arch.cpu_feature_words() {
        let (Some(r), Some(n)) = (recorded.word(w.source), here.word(w.source)) else {
            continue;
        };
        let (r, n) = (r & w.mask, n & w.mask);
        if r == n {
            continue;
        }
        let what = w.name.to_string();
        match w.kind {
            Kind::Value => out.push(Difference {
                what,
                missing_here: vec![],
                only_here: vec![],
                values: Some((format!("{r:#x}"), format!("{n:#x}"))),
            }),
            Kind::Flags(names) => {
                let name = |b: u8| {
                    names
                        .iter()
                        .find(|(bit, _)| *bit == b)
                        .map_or_else(|| format!("bit {b}"), |(_, s)| (*s).to_string())
                };
                let diff = r ^ n;
                let bits = (0..64u8).filter(|b| diff & (1u64 << b) != 0);
                let (mut missing, mut extra) = (vec![], vec![]);
                for b in bits {
                    if r & (1u64 << b) != 0 {
                        missing.push(name(b));
                    } else {
                        extra.push(name(b));
                    }
                }
                out.push(Difference {
                    what,
                    missing_here: missing,
                    only_here: extra,
                    values: None,
                });
            }
        }
    }
    out
}

impl Arch {
    /// The words of CPU identity a replay compares on this architecture.
    pub fn cpu_feature_words(self) -> &'static [FeatureWord] {
        match self {
            Arch::X86_64 => super::x86_64::cpu::FEATURE_WORDS,
            Arch::Aarch64 => super::aarch64::cpu::FEATURE_WORDS,
        }
    }

    /// The CPUID leaves and subleaves a recording keeps (none where there
    /// is no CPUID instruction).
    pub fn cpuid_leaves(self) -> &'static [(u32, u32)] {
        match self {
            Arch::X86_64 => super::x86_64::cpu::RECORDED_LEAVES,
            Arch::Aarch64 => &[],
        }
    }

    /// The auxv entries a recording keeps as CPU identity.
    pub fn hwcap_keys(self) -> &'static [u64] {
        &[AT_HWCAP, AT_HWCAP2]
    }

    /// A recorded CPUID answer with the bits that differ between the cores
    /// of one machine cleared (which core answered: the APIC id).
    pub fn cpuid_core_independent(self, leaf: u32, regs: [u32; 4]) -> [u32; 4] {
        match self {
            Arch::X86_64 => super::x86_64::cpu::core_independent(leaf, regs),
            Arch::Aarch64 => regs,
        }
    }
}

/// What a recording does about CPUID, from whether the kernel can make
/// CPUID fault (`arch_prctl(ARCH_SET_CPUID)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuidFaulting {
    /// The kernel can make CPUID trap.
    Available,
    /// It cannot (ENODEV: the processor or the hypervisor lacks it), or the
    /// architecture has no CPUID.
    Unavailable,
}

impl CpuidFaulting {
    /// The verdict of a probe `arch_prctl(ARCH_SET_CPUID, 1)` (which asks
    /// for CPUID to stay enabled, so it changes nothing): success means the
    /// kernel can make CPUID fault; ENODEV (no support in the processor or
    /// hypervisor), EINVAL (a kernel without the call) or anything else
    /// means it cannot.
    pub fn from_probe(result: Result<(), i32>) -> CpuidFaulting {
        match result {
            Ok(()) => CpuidFaulting::Available,
            Err(_) => CpuidFaulting::Unavailable,
        }
    }
}

/// How the recorded program's CPUID instructions ran, as a trace keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CpuidMode {
    /// Natively on the CPU the recording was bound to; whether the kernel
    /// could have made CPUID fault (it was not used when `available`
    /// because REWIND_NO_CPUID_FAULTING asked so).
    Native { faulting_available: bool },
    /// Trapped (CPUID faulting) and emulated by rewind: each answer is a
    /// `TimeCounter` event, and the replay gives the recorded answers.
    Recorded,
}

impl CpuidMode {
    /// What a recording does: trap CPUID where the kernel can, unless
    /// `disabled`; on an architecture without CPUID, nothing to trap.
    pub fn for_recording(arch: Arch, faulting: CpuidFaulting, disabled: bool) -> CpuidMode {
        let available = faulting == CpuidFaulting::Available && !arch.cpuid_leaves().is_empty();
        if available && !disabled {
            CpuidMode::Recorded
        } else {
            CpuidMode::Native {
                faulting_available: available,
            }
        }
    }

    /// What a replay does: for a trace whose CPUID answers were recorded,
    /// trap CPUID too (Ok(true)), which needs CPUID faulting here; else let
    /// CPUID run natively (Ok(false)).
    pub fn replay_traps(mode: Option<CpuidMode>, here: CpuidFaulting) -> Result<bool, String> {
        match (mode, here) {
            (Some(CpuidMode::Recorded), CpuidFaulting::Available) => Ok(true),
            (Some(CpuidMode::Recorded), CpuidFaulting::Unavailable) => Err(
                "this trace recorded the program's CPUID results (its machine could make \
                 CPUID fault), and replaying them needs CPUID faulting, which this machine \
                 does not have (arch_prctl(ARCH_SET_CPUID) fails: a processor or hypervisor \
                 without it). Replay on a machine with CPUID faulting, or record again here"
                    .to_string(),
            ),
            _ => Ok(false),
        }
    }

    /// For `rewind info`.
    pub fn describe(mode: Option<CpuidMode>, arch: Arch) -> &'static str {
        match (arch, mode) {
            (Arch::Aarch64, _) => "no CPUID on this architecture (HWCAP words compared instead)",
            (_, Some(CpuidMode::Recorded)) => {
                "trapped (CPUID faulting): the program's CPUID results are recorded and \
                 replayed from the trace"
            }
            (
                _,
                Some(CpuidMode::Native {
                    faulting_available: true,
                }),
            ) => {
                "ran natively (CPUID faulting was available but disabled by \
                 REWIND_NO_CPUID_FAULTING): the replay binds to the same CPU and compares \
                 features"
            }
            (
                _,
                Some(CpuidMode::Native {
                    faulting_available: false,
                }),
            ) => {
                "ran natively (no CPUID faulting on the recording machine): the replay binds \
                 to the same CPU and compares features"
            }
            (_, None) => "ran natively (older trace: whether CPUID could fault is unknown)",
        }
    }
}

/// How a replay treats the CPU it runs on, decided before it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuPlan {
    /// The CPU to bind the replay to.
    pub cpu: usize,
    /// Warnings to print before starting.
    pub warnings: Vec<String>,
}

/// What a replay knows before choosing a CPU.
#[derive(Clone, Debug, Default)]
pub struct CpuSituation {
    /// The CPU the recording was bound to (None: an older trace).
    pub recorded_cpu: Option<usize>,
    /// `--cpu N` at replay.
    pub requested_cpu: Option<usize>,
    /// The CPUs this process may run on.
    pub available: Vec<usize>,
    /// The CPU it runs on now (for older traces).
    pub current: usize,
    /// `--ignore-cpu-mismatch`.
    pub ignore_mismatch: bool,
    /// The program's CPUID answers come from the trace (no CPU can change
    /// them).
    pub cpuid_recorded: bool,
}

/// Choose the replay's CPU and decide whether to go on: the recorded CPU
/// unless `--cpu` says otherwise (with a warning), refused when it does not
/// exist here. Feature differences are judged by [`judge_features`].
pub fn plan_cpu(s: &CpuSituation) -> Result<CpuPlan, String> {
    let list = cpu_list(&s.available);
    let mut warnings = Vec::new();
    let cpu = match (s.requested_cpu, s.recorded_cpu) {
        (Some(req), rec) => {
            if rec != Some(req) && !s.cpuid_recorded {
                warnings.push(format!(
                    "replaying on CPU {req}, but the trace was recorded on {}: output that \
                     depends on which CPU runs the program (its APIC id from CPUID) may differ",
                    rec.map_or_else(|| "an unknown CPU".to_string(), |c| format!("CPU {c}"))
                ));
            }
            if !s.available.contains(&req) {
                return Err(format!(
                    "--cpu {req}: there is no CPU {req} that rewind may run on here \
                     (available: {list})"
                ));
            }
            req
        }
        (None, Some(rec)) => {
            if !s.available.contains(&rec) {
                return Err(format!(
                    "this trace was recorded on CPU {rec}, which this machine does not have \
                     (or rewind may not run on it; available: {list}); replay with \
                     `--cpu N` to use another CPU (output that depends on which CPU runs \
                     the program, such as its APIC id, may then differ)"
                ));
            }
            rec
        }
        (None, None) => s.current,
    };
    Ok(CpuPlan { cpu, warnings })
}

/// Whether a replay may start on a machine whose CPU differs from the
/// recording one in `diffs`: Ok with the warning to print (if any), or the
/// refusal naming every difference and what to do.
pub fn judge_features(
    diffs: &[Difference],
    ignore_mismatch: bool,
    cpu: usize,
    cpuid_recorded: bool,
) -> Result<Option<String>, String> {
    // With the CPUID answers replayed from the trace, the program takes
    // the recorded paths whatever this CPU says; only a feature it may use
    // and this CPU lacks still matters.
    let kept: Vec<Difference>;
    let diffs = if cpuid_recorded {
        kept = diffs
            .iter()
            .filter(|d| !d.missing_here.is_empty())
            .map(|d| Difference {
                only_here: vec![],
                values: None,
                ..d.clone()
            })
            .collect();
        &kept[..]
    } else {
        diffs
    };
    if diffs.is_empty() {
        return Ok(None);
    }
    let list: Vec<String> = diffs
        .iter()
        .map(|d| format!("  {}", d.describe()))
        .collect();
    let body = format!(
        "CPU {cpu} of this machine differs from the CPU the trace was recorded on:\n{}",
        list.join("\n")
    );
    if ignore_mismatch {
        Ok(Some(format!(
            "{body}\ngoing on anyway (--ignore-cpu-mismatch): code that chooses its path by \
             CPU features may diverge"
        )))
    } else {
        Err(format!(
            "{body}\nprograms (and their C library) choose code by these features, so the \
             replay would likely diverge. Replay on the machine that recorded the trace, try \
             another CPU with `--cpu N`, or pass `--ignore-cpu-mismatch` to go on anyway"
        ))
    }
}

/// CPUs as a short list ("0-3, 6").
pub fn cpu_list(cpus: &[usize]) -> String {
    let mut v = cpus.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            v[i].to_string()
        } else {
            format!("{}-{}", v[i], v[j])
        });
        i = j + 1;
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(leaf7_ebx: u32) -> CpuFacts {
        CpuFacts {
            cpuid: vec![
                // "GenuineIntel": ebx, edx, ecx.
                (0, 0, [0xd, 0x756e_6547, 0x6c65_746e, 0x4965_6e69]),
                (1, 0, [0x506e3, 0x0100_0800, 0x7ffa_fbbf, 0xbfeb_fbff]),
                (7, 0, [0, leaf7_ebx, 0, 0]),
            ],
            auxv: vec![(AT_HWCAP2, 2)],
        }
    }

    #[test]
    fn identical_machines_have_no_difference() {
        let f = facts(0x29c6fbf);
        assert!(compare(Arch::X86_64, &f, &f).is_empty());
        assert_eq!(f.vendor().as_deref(), Some("GenuineIntel"));
    }

    #[test]
    fn a_missing_feature_is_named() {
        let rec = facts(0x29c6fbf | (1 << 16) | (1 << 5));
        let here = facts(0x29c6fbf & !(1 << 5));
        let d = compare(Arch::X86_64, &rec, &here);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].missing_here, vec!["avx2", "avx512f"]);
        let text = d[0].describe();
        assert!(text.contains("CPUID.(EAX=7,ECX=0):EBX"), "{text}");
        assert!(text.contains("avx2 avx512f"), "{text}");
        let refusal = judge_features(&d, false, 1, false).unwrap_err();
        assert!(refusal.contains("--ignore-cpu-mismatch"), "{refusal}");
        assert!(refusal.contains("--cpu"), "{refusal}");
        let warn = judge_features(&d, true, 1, false).unwrap();
        assert!(warn.is_some_and(|w| w.contains("going on anyway")));
    }

    #[test]
    fn the_apic_id_is_not_a_feature() {
        let rec = facts(0);
        let mut here = facts(0);
        here.cpuid[1].2[1] = 0x0300_0800; // another core's APIC id
        assert!(compare(Arch::X86_64, &rec, &here).is_empty());
        assert_eq!(
            Arch::X86_64.cpuid_core_independent(1, [0, 0x0300_0800, 0, 0]),
            [0, 0x0000_0800, 0, 0]
        );
    }

    #[test]
    fn leaves_an_older_trace_lacks_are_not_compared() {
        let mut rec = facts(0);
        rec.cpuid.retain(|(l, _, _)| *l != 7);
        let here = facts(0xffff_ffff);
        assert!(compare(Arch::X86_64, &rec, &here).is_empty());
    }

    #[test]
    fn a_model_change_is_a_value_difference() {
        let rec = facts(0);
        let mut here = facts(0);
        here.cpuid[1].2[0] = 0x906ea;
        let d = compare(Arch::X86_64, &rec, &here);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].values, Some(("0x506e3".into(), "0x906ea".into())));
    }

    #[test]
    fn aarch64_compares_hwcap_words() {
        let rec = CpuFacts {
            cpuid: vec![],
            auxv: vec![(AT_HWCAP, 0b1111_1111), (AT_HWCAP2, 1 << 1)],
        };
        let here = CpuFacts {
            cpuid: vec![],
            auxv: vec![(AT_HWCAP, 0b0111_1111 | (1 << 22)), (AT_HWCAP2, 1 << 1)],
        };
        let d = compare(Arch::Aarch64, &rec, &here);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].what, "AT_HWCAP");
        assert_eq!(d[0].missing_here, vec!["crc32"]);
        assert_eq!(d[0].only_here, vec!["sve"]);
        assert!(Arch::Aarch64.cpuid_leaves().is_empty());
    }

    #[test]
    fn the_replay_binds_to_the_recorded_cpu() {
        let s = CpuSituation {
            recorded_cpu: Some(1),
            available: vec![0, 1],
            current: 0,
            ..Default::default()
        };
        assert_eq!(
            plan_cpu(&s),
            Ok(CpuPlan {
                cpu: 1,
                warnings: vec![]
            })
        );
    }

    #[test]
    fn a_missing_cpu_is_refused_with_what_to_do() {
        let s = CpuSituation {
            recorded_cpu: Some(7),
            available: vec![0, 1, 2, 3],
            ..Default::default()
        };
        let e = plan_cpu(&s).unwrap_err();
        assert!(e.contains("recorded on CPU 7"), "{e}");
        assert!(e.contains("available: 0-3"), "{e}");
        assert!(e.contains("--cpu N"), "{e}");
    }

    #[test]
    fn cpu_override_warns() {
        let s = CpuSituation {
            recorded_cpu: Some(0),
            requested_cpu: Some(1),
            available: vec![0, 1],
            ..Default::default()
        };
        let p = plan_cpu(&s).unwrap();
        assert_eq!(p.cpu, 1);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("may differ"));
        let same = CpuSituation {
            requested_cpu: Some(0),
            ..s.clone()
        };
        assert!(plan_cpu(&same).unwrap().warnings.is_empty());
        let replayed_answers = CpuSituation {
            cpuid_recorded: true,
            ..s.clone()
        };
        let p = plan_cpu(&replayed_answers).unwrap();
        assert_eq!((p.cpu, p.warnings.len()), (1, 0));
        let absent = CpuSituation {
            requested_cpu: Some(5),
            ..s
        };
        assert!(plan_cpu(&absent).unwrap_err().contains("--cpu 5"));
    }

    #[test]
    fn an_older_trace_runs_where_rewind_is() {
        let s = CpuSituation {
            recorded_cpu: None,
            available: vec![0, 1],
            current: 1,
            ..Default::default()
        };
        assert_eq!(plan_cpu(&s).unwrap().cpu, 1);
    }

    #[test]
    fn faulting_probe_verdicts() {
        assert_eq!(CpuidFaulting::from_probe(Ok(())), CpuidFaulting::Available);
        for errno in [libc::ENODEV, libc::EINVAL, libc::EPERM] {
            assert_eq!(
                CpuidFaulting::from_probe(Err(errno)),
                CpuidFaulting::Unavailable
            );
        }
    }

    #[test]
    fn cpuid_is_trapped_where_the_kernel_can() {
        use CpuidFaulting::*;
        assert_eq!(
            CpuidMode::for_recording(Arch::X86_64, Available, false),
            CpuidMode::Recorded
        );
        assert_eq!(
            CpuidMode::for_recording(Arch::X86_64, Available, true),
            CpuidMode::Native {
                faulting_available: true
            }
        );
        assert_eq!(
            CpuidMode::for_recording(Arch::X86_64, Unavailable, false),
            CpuidMode::Native {
                faulting_available: false
            }
        );
        assert_eq!(
            CpuidMode::for_recording(Arch::Aarch64, Available, false),
            CpuidMode::Native {
                faulting_available: false
            }
        );
        assert_eq!(
            CpuidMode::replay_traps(Some(CpuidMode::Recorded), Available),
            Ok(true)
        );
        let e = CpuidMode::replay_traps(Some(CpuidMode::Recorded), Unavailable).unwrap_err();
        assert!(e.contains("CPUID faulting"), "{e}");
        let native = Some(CpuidMode::Native {
            faulting_available: false,
        });
        assert_eq!(CpuidMode::replay_traps(native, Available), Ok(false));
        assert_eq!(CpuidMode::replay_traps(None, Unavailable), Ok(false));
        assert!(CpuidMode::describe(native, Arch::X86_64).contains("no CPUID faulting"));
        assert!(CpuidMode::describe(None, Arch::X86_64).contains("older"));
    }

    #[test]
    fn with_recorded_cpuid_only_missing_features_matter() {
        let rec = facts(1 << 5);
        let here = facts(1 << 16);
        let d = compare(Arch::X86_64, &rec, &here);
        // Natively: both directions are refused.
        assert!(judge_features(&d, false, 0, false).is_err());
        // Replayed from the trace: avx2 (missing here) still is.
        let e = judge_features(&d, false, 0, true).unwrap_err();
        assert!(e.contains("avx2") && !e.contains("avx512f"), "{e}");
        // A machine with more than the recording had is fine then.
        let d = compare(Arch::X86_64, &facts(0), &facts(1 << 16));
        assert_eq!(judge_features(&d, false, 0, true), Ok(None));
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(cpu_list(&[0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8");
        assert_eq!(cpu_list(&[]), "none");
    }
}
