//! The hardware branch counter: which event to count on which CPU, opening
//! it with perf_event_open, and checking recorded against replayed counts.

use perf_event_open_sys as pe;

/// A CPU identified by CPUID vendor, family and model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuModel {
    pub vendor: Vendor,
    pub family: u32,
    pub model: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    Intel,
    Amd,
    Arm,
    Other,
}

impl CpuModel {
    /// Decode CPUID leaf 0 (vendor) and leaf 1 eax (signature).
    pub fn from_cpuid(vendor: [u32; 3], sig_eax: u32) -> CpuModel {
        let mut v = Vec::with_capacity(12);
        for w in vendor {
            v.extend_from_slice(&w.to_le_bytes());
        }
        let vendor = match &v[..] {
            b"GenuineIntel" => Vendor::Intel,
            b"AuthenticAMD" | b"HygonGenuine" => Vendor::Amd,
            _ => Vendor::Other,
        };
        let base_family = (sig_eax >> 8) & 0xf;
        let ext_family = (sig_eax >> 20) & 0xff;
        let family = if base_family == 0xf {
            base_family + ext_family
        } else {
            base_family
        };
        let model = ((sig_eax >> 4) & 0xf)
            | if base_family == 0x6 || base_family == 0xf {
                ((sig_eax >> 16) & 0xf) << 4
            } else {
                0
            };
        CpuModel {
            vendor,
            family,
            model,
        }
    }

    pub fn host() -> Option<CpuModel> {
        let cpuid = crate::tracee::sys::cpuid_if_any;
        let (Some(l0), Some(l1)) = (cpuid(0, 0), cpuid(1, 0)) else {
            // No CPUID: an Arm machine.
            return Some(CpuModel {
                vendor: Vendor::Arm,
                family: 0,
                model: 0,
            });
        };
        // Vendor string order is ebx, edx, ecx.
        Some(CpuModel::from_cpuid([l0[1], l0[3], l0[2]], l1[0]))
    }

    pub fn describe(&self) -> String {
        format!(
            "{:?} family {:#x} model {:#x}",
            self.vendor, self.family, self.model
        )
    }
}

/// The raw event that counts retired conditional branches on `cpu`, if
/// known. Public facts: Intel `0x5101c4` (BR_INST_RETIRED.CONDITIONAL),
/// `0x5111c4` from Ice Lake on; AMD Zen `0x5100d1` (retired conditional
/// branches; Zen needs the SpecLockMap workaround to be exact); ARM
/// `BR_RETIRED` `0x21`.
pub fn branch_event(cpu: &CpuModel) -> Option<u64> {
    match cpu.vendor {
        Vendor::Intel if cpu.family == 6 => Some(match cpu.model {
            // Ice Lake, Tiger Lake, Alder Lake, Raptor Lake, Sapphire Rapids
            // and later cores use the new encoding.
            0x6a | 0x6c | 0x7d | 0x7e | 0x8c | 0x8d | 0x8f | 0x97 | 0x9a | 0xa7 | 0xb7 | 0xba
            | 0xbf | 0xcf | 0xad | 0xae => 0x5111c4,
            _ => 0x5101c4,
        }),
        Vendor::Amd if cpu.family >= 0x17 => Some(0x5100d1),
        Vendor::Arm => Some(0x21),
        _ => None,
    }
}

/// An open per-thread counter.
pub struct Counter {
    fd: std::os::fd::OwnedFd,
}

impl Counter {
    /// Count `event` (a raw event config) in thread `tid`, user mode only.
    pub fn open(tid: i32, event: u64) -> std::io::Result<Counter> {
        let mut attr = pe::bindings::perf_event_attr {
            type_: pe::bindings::PERF_TYPE_RAW,
            size: std::mem::size_of::<pe::bindings::perf_event_attr>() as u32,
            config: event,
            ..Default::default()
        };
        attr.set_exclude_kernel(1);
        attr.set_exclude_hv(1);
        attr.set_disabled(0);
        // SAFETY: `attr` is a fully initialized perf_event_attr that lives
        // across the call; the kernel only reads it.
        let fd = unsafe {
            pe::perf_event_open(
                &mut attr,
                tid,
                -1,
                -1,
                pe::bindings::PERF_FLAG_FD_CLOEXEC as u64,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: perf_event_open returned a new descriptor that we own.
        let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        Ok(Counter { fd })
    }

    pub fn read(&self) -> std::io::Result<u64> {
        let mut b = [0u8; 8];
        let n = nix::unistd::read(&self.fd, &mut b).map_err(std::io::Error::from)?;
        if n != 8 {
            return Err(std::io::Error::other("short read of the branch counter"));
        }
        Ok(u64::from_le_bytes(b))
    }
}

/// A ticks mismatch at an event: the replay is not where the recording was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TickDivergence {
    pub event: u64,
    pub expected: u64,
    pub found: u64,
}

impl std::fmt::Display for TickDivergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ticks mismatch at event {}: expected {}, got {} ({:+})",
            self.event,
            self.expected,
            self.found,
            self.found as i128 - self.expected as i128
        )
    }
}

/// Compare the counts the replay reached with those recorded, event by
/// event: the first difference is a divergence.
pub fn check_ticks(recorded: &[(u64, u64)], replayed: &[u64]) -> Result<(), TickDivergence> {
    for (&(event, expected), &found) in recorded.iter().zip(replayed) {
        if expected != found {
            return Err(TickDivergence {
                event,
                expected,
                found,
            });
        }
    }
    Ok(())
}

/// How many ticks to program the overflow interrupt for, to stop a thread
/// at `target` ticks when it is at `now`: stop a little early (the
/// interrupt skids), then finish the distance with breakpoints and steps.
pub fn overflow_period(now: u64, target: u64, skid: u64) -> Option<u64> {
    let dist = target.checked_sub(now)?;
    if dist <= skid {
        None
    } else {
        Some(dist - skid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_cpu_models() {
        // "GenuineIntel" as ebx, edx, ecx; signature of a Skylake (0x506e3).
        let intel = [0x756e_6547, 0x4965_6e69, 0x6c65_746e];
        let m = CpuModel::from_cpuid(intel, 0x0005_06e3);
        assert_eq!(m.vendor, Vendor::Intel);
        assert_eq!((m.family, m.model), (6, 0x5e));
        assert_eq!(branch_event(&m), Some(0x5101c4));
        // Ice Lake client (0x706e5) uses the newer event.
        let m = CpuModel::from_cpuid(intel, 0x0007_06e5);
        assert_eq!(m.model, 0x7e);
        assert_eq!(branch_event(&m), Some(0x5111c4));
        // "AuthenticAMD", Zen 3 (family 0x19).
        let amd = [0x6874_7541, 0x6974_6e65, 0x444d_4163];
        let m = CpuModel::from_cpuid(amd, 0x00a2_0f10);
        assert_eq!(m.vendor, Vendor::Amd);
        assert_eq!(m.family, 0x19);
        assert_eq!(branch_event(&m), Some(0x5100d1));
    }

    #[test]
    fn recorded_counter_values_check() {
        // Counts read at events 3, 9 and 12 of a recording...
        let recorded = [(3, 10_014_490), (9, 10_014_500), (12, 10_014_507)];
        // ...and at replay: equal, then off by two at the last event.
        assert_eq!(
            check_ticks(&recorded, &[10_014_490, 10_014_500, 10_014_507]),
            Ok(())
        );
        let d = check_ticks(&recorded, &[10_014_490, 10_014_500, 10_014_509])
            .expect_err("must diverge");
        assert_eq!(d.event, 12);
        assert_eq!(
            d.to_string(),
            "ticks mismatch at event 12: expected 10014507, got 10014509 (+2)"
        );
    }

    #[test]
    fn overflow_period_leaves_room_for_skid() {
        assert_eq!(overflow_period(100, 1_000, 50), Some(850));
        assert_eq!(overflow_period(100, 120, 50), None);
        assert_eq!(overflow_period(200, 100, 50), None);
    }
}
