//! The x86_64 register file as debuggers see it: which registers, in which
//! order (the remote protocol's register numbers), of which size, and where
//! each value comes from in the kernel's register sets.
//!
//! One table ([`table`]) drives everything: the `g` packet layout, single
//! register reads, the target description and lldb's `qRegisterInfo`.

use std::sync::OnceLock;

use crate::arch::x86_64::regs::{Regs as GpRegs, NAMES as GP_NAMES};

/// The target description feature a register belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Core,
    Sse,
    Linux,
    Segments,
    Avx,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::Core,
        Feature::Sse,
        Feature::Linux,
        Feature::Segments,
        Feature::Avx,
    ];

    /// The feature's name in gdb's target descriptions.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Core => "org.gnu.gdb.i386.core",
            Feature::Sse => "org.gnu.gdb.i386.sse",
            Feature::Linux => "org.gnu.gdb.i386.linux",
            Feature::Segments => "org.gnu.gdb.i386.segments",
            Feature::Avx => "org.gnu.gdb.i386.avx",
        }
    }
}

/// The x87 control registers, in gdb's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpuCtl {
    Fctrl,
    Fstat,
    Ftag,
    Fiseg,
    Fioff,
    Foseg,
    Fooff,
    Fop,
}

/// Where a register's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A field of the general register set (`user_regs_struct`), by its
    /// index in [`GpRegs::to_array`]; the low `bits` are used.
    Gp(usize),
    /// An x87 register, st(i).
    St(usize),
    FpuCtl(FpuCtl),
    Xmm(usize),
    Mxcsr,
    /// The upper 128 bits of ymm(i).
    YmmH(usize),
}

/// One register as debuggers see it.
#[derive(Clone, Debug)]
pub struct RegDesc {
    /// The remote protocol's register number (also the index in [`table`]).
    pub regnum: usize,
    pub name: &'static str,
    pub bits: usize,
    /// The target-description type (`int64`, `code_ptr`, `vec128`...).
    pub ty: &'static str,
    /// The register group (`general`, `float`, `vector`, `system`).
    pub group: Option<&'static str>,
    pub feature: Feature,
    /// lldb's generic role: `pc`, `sp`, `fp`, `flags`, `arg1`...
    pub generic: Option<&'static str>,
    /// The DWARF (and eh_frame) register number.
    pub dwarf: Option<usize>,
    pub source: Source,
    /// Byte offset in the `g` packet.
    pub offset: usize,
}

impl RegDesc {
    pub fn bytes(&self) -> usize {
        self.bits / 8
    }
}

const ST: [&str; 8] = ["st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7"];
const XMM: [&str; 16] = [
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
    "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
];
const YMMH: [&str; 16] = [
    "ymm0h", "ymm1h", "ymm2h", "ymm3h", "ymm4h", "ymm5h", "ymm6h", "ymm7h", "ymm8h", "ymm9h",
    "ymm10h", "ymm11h", "ymm12h", "ymm13h", "ymm14h", "ymm15h",
];
const FPU_CTL: [(&str, FpuCtl); 8] = [
    ("fctrl", FpuCtl::Fctrl),
    ("fstat", FpuCtl::Fstat),
    ("ftag", FpuCtl::Ftag),
    ("fiseg", FpuCtl::Fiseg),
    ("fioff", FpuCtl::Fioff),
    ("foseg", FpuCtl::Foseg),
    ("fooff", FpuCtl::Fooff),
    ("fop", FpuCtl::Fop),
];

/// The general registers in gdb's order: (name, bits, type, generic, dwarf).
#[allow(clippy::type_complexity)]
const CORE_GP: [(&str, usize, &str, Option<&str>, Option<usize>); 24] = [
    ("rax", 64, "int64", None, Some(0)),
    ("rbx", 64, "int64", None, Some(3)),
    ("rcx", 64, "int64", Some("arg4"), Some(2)),
    ("rdx", 64, "int64", Some("arg3"), Some(1)),
    ("rsi", 64, "int64", Some("arg2"), Some(4)),
    ("rdi", 64, "int64", Some("arg1"), Some(5)),
    ("rbp", 64, "data_ptr", Some("fp"), Some(6)),
    ("rsp", 64, "data_ptr", Some("sp"), Some(7)),
    ("r8", 64, "int64", Some("arg5"), Some(8)),
    ("r9", 64, "int64", Some("arg6"), Some(9)),
    ("r10", 64, "int64", None, Some(10)),
    ("r11", 64, "int64", None, Some(11)),
    ("r12", 64, "int64", None, Some(12)),
    ("r13", 64, "int64", None, Some(13)),
    ("r14", 64, "int64", None, Some(14)),
    ("r15", 64, "int64", None, Some(15)),
    ("rip", 64, "code_ptr", Some("pc"), Some(16)),
    ("eflags", 32, "i386_eflags", Some("flags"), Some(49)),
    ("cs", 32, "int32", None, Some(51)),
    ("ss", 32, "int32", None, Some(52)),
    ("ds", 32, "int32", None, Some(53)),
    ("es", 32, "int32", None, Some(50)),
    ("fs", 32, "int32", None, Some(54)),
    ("gs", 32, "int32", None, Some(55)),
];

fn gp_index(name: &str) -> usize {
    // Every name used below is a field of user_regs_struct; the unit tests
    // check it, so the fallback is never taken.
    GP_NAMES.iter().position(|n| *n == name).unwrap_or(0)
}

fn build() -> Vec<RegDesc> {
    let mut t: Vec<RegDesc> = Vec::new();
    let mut push = |name: &'static str,
                    bits: usize,
                    ty: &'static str,
                    group: Option<&'static str>,
                    feature: Feature,
                    generic: Option<&'static str>,
                    dwarf: Option<usize>,
                    source: Source| {
        let offset = t.last().map(|r| r.offset + r.bytes()).unwrap_or(0);
        t.push(RegDesc {
            regnum: t.len(),
            name,
            bits,
            ty,
            group,
            feature,
            generic,
            dwarf,
            source,
            offset,
        });
    };
    for (name, bits, ty, generic, dwarf) in CORE_GP {
        let source = Source::Gp(gp_index(name));
        push(
            name,
            bits,
            ty,
            Some("general"),
            Feature::Core,
            generic,
            dwarf,
            source,
        );
    }
    for (i, name) in ST.iter().enumerate() {
        let f = Feature::Core;
        push(
            name,
            80,
            "i387_ext",
            Some("float"),
            f,
            None,
            Some(33 + i),
            Source::St(i),
        );
    }
    for (name, which) in FPU_CTL {
        let f = Feature::Core;
        push(
            name,
            32,
            "int",
            Some("float"),
            f,
            None,
            None,
            Source::FpuCtl(which),
        );
    }
    for (i, name) in XMM.iter().enumerate() {
        let f = Feature::Sse;
        push(
            name,
            128,
            "vec128",
            Some("vector"),
            f,
            None,
            Some(17 + i),
            Source::Xmm(i),
        );
    }
    let f = Feature::Sse;
    push(
        "mxcsr",
        32,
        "i386_mxcsr",
        Some("vector"),
        f,
        None,
        Some(64),
        Source::Mxcsr,
    );
    let (f, src) = (Feature::Linux, Source::Gp(gp_index("orig_rax")));
    push("orig_rax", 64, "int", Some("system"), f, None, None, src);
    for (name, dwarf) in [("fs_base", 58), ("gs_base", 59)] {
        let (f, src) = (Feature::Segments, Source::Gp(gp_index(name)));
        push(name, 64, "int", Some("general"), f, None, Some(dwarf), src);
    }
    for (i, name) in YMMH.iter().enumerate() {
        let f = Feature::Avx;
        push(name, 128, "uint128", None, f, None, None, Source::YmmH(i));
    }
    t
}

/// Every register, indexed by its remote protocol number.
pub fn table() -> &'static [RegDesc] {
    static TABLE: OnceLock<Vec<RegDesc>> = OnceLock::new();
    TABLE.get_or_init(build)
}

/// The size of the `g` packet's register block, in bytes.
pub fn g_packet_len() -> usize {
    table().iter().map(RegDesc::bytes).sum()
}

/// The x87 and SSE state, decoded from the legacy (FXSAVE) region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fpu {
    pub st: [[u8; 10]; 8],
    /// fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop (gdb's forms).
    pub ctl: [u32; 8],
    pub xmm: [[u8; 16]; 16],
    pub mxcsr: u32,
}

/// Offsets in the XSAVE area.
const XSAVE_HEADER: usize = 512;
const YMMH_OFFSET: usize = 576;
/// XSTATE_BV bit of the AVX (upper ymm) component.
const XSTATE_AVX: u64 = 1 << 2;

fn le16(b: &[u8], at: usize) -> u32 {
    u32::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl Fpu {
    /// Decode the 512-byte legacy region of an XSAVE/FXSAVE area; None
    /// when `xsave` is too short.
    pub fn from_fxsave(xsave: &[u8]) -> Option<Fpu> {
        if xsave.len() < 512 {
            return None;
        }
        let mut f = Fpu::default();
        for (i, st) in f.st.iter_mut().enumerate() {
            st.copy_from_slice(&xsave[32 + 16 * i..32 + 16 * i + 10]);
        }
        for (i, x) in f.xmm.iter_mut().enumerate() {
            x.copy_from_slice(&xsave[160 + 16 * i..160 + 16 * i + 16]);
        }
        let fstat = le16(xsave, 2);
        f.ctl = [
            le16(xsave, 0),
            fstat,
            full_tag_word(xsave[4], fstat, &f.st),
            le16(xsave, 12),
            le32(xsave, 8),
            le16(xsave, 20),
            le32(xsave, 16),
            le16(xsave, 6) & 0x7ff,
        ];
        f.mxcsr = le32(xsave, 24);
        Some(f)
    }
}

/// The full x87 tag word (two bits per physical register: 0 valid, 1 zero,
/// 2 special, 3 empty) from FXSAVE's abridged one (one bit: in use), as
/// gdb shows `ftag`.
fn full_tag_word(abridged: u8, fstat: u32, st: &[[u8; 10]; 8]) -> u32 {
    let top = ((fstat >> 11) & 7) as usize;
    let mut tag = 0u32;
    for phys in 0..8 {
        let t = if abridged & (1 << phys) == 0 {
            3
        } else {
            // Physical register `phys` is st((phys - top) mod 8).
            let v = &st[(phys + 8 - top) % 8];
            let exponent = u16::from_le_bytes([v[8], v[9]]) & 0x7fff;
            let mantissa = u64::from_le_bytes([v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]]);
            if exponent == 0x7fff {
                2
            } else if exponent == 0 {
                if mantissa == 0 {
                    1
                } else {
                    2
                }
            } else if mantissa >> 63 == 1 {
                0
            } else {
                2
            }
        };
        tag |= t << (2 * phys);
    }
    tag
}

/// A thread's registers in the form the remote protocol transfers them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct X86_64Registers {
    pub gp: GpRegs,
    /// None when the floating-point state could not be read.
    pub fpu: Option<Fpu>,
    /// The upper halves of ymm0-15; None when the CPU has no AVX.
    pub ymmh: Option<[[u8; 16]; 16]>,
}

impl X86_64Registers {
    /// From the general registers and the raw XSAVE area
    /// (`PTRACE_GETREGSET NT_X86_XSTATE`).
    pub fn from_parts(gp: GpRegs, xsave: Option<&[u8]>) -> X86_64Registers {
        let fpu = xsave.and_then(Fpu::from_fxsave);
        let ymmh = xsave.and_then(|x| {
            if x.len() < YMMH_OFFSET + 256 {
                return None;
            }
            let bv = u64::from_le_bytes(x[XSAVE_HEADER..XSAVE_HEADER + 8].try_into().ok()?);
            let mut y = [[0u8; 16]; 16];
            if bv & XSTATE_AVX != 0 {
                for (i, h) in y.iter_mut().enumerate() {
                    h.copy_from_slice(&x[YMMH_OFFSET + 16 * i..YMMH_OFFSET + 16 * i + 16]);
                }
            }
            Some(y)
        });
        X86_64Registers { gp, fpu, ymmh }
    }

    /// The value of register `desc`, little-endian, or None when unavailable.
    pub fn value(&self, desc: &RegDesc) -> Option<Vec<u8>> {
        let n = desc.bytes();
        let v = match desc.source {
            Source::Gp(i) => self.gp.to_array()[i].to_le_bytes()[..n].to_vec(),
            Source::St(i) => self.fpu.as_ref()?.st[i].to_vec(),
            Source::FpuCtl(c) => self.fpu.as_ref()?.ctl[c as usize].to_le_bytes().to_vec(),
            Source::Xmm(i) => self.fpu.as_ref()?.xmm[i].to_vec(),
            Source::Mxcsr => self.fpu.as_ref()?.mxcsr.to_le_bytes().to_vec(),
            Source::YmmH(i) => self.ymmh.as_ref()?[i].to_vec(),
        };
        Some(v)
    }

    /// Store `bytes` (exactly the register's size) as register `desc`.
    fn set_value(&mut self, desc: &RegDesc, bytes: &[u8]) {
        match desc.source {
            Source::Gp(i) => {
                let mut a = self.gp.to_array();
                let mut le = [0u8; 8];
                le[..bytes.len()].copy_from_slice(bytes);
                a[i] = u64::from_le_bytes(le);
                self.gp = GpRegs::from_array(a);
            }
            Source::St(i) => self.fpu.get_or_insert_with(Fpu::default).st[i].copy_from_slice(bytes),
            Source::FpuCtl(c) => {
                self.fpu.get_or_insert_with(Fpu::default).ctl[c as usize] = u32_le(bytes)
            }
            Source::Xmm(i) => {
                self.fpu.get_or_insert_with(Fpu::default).xmm[i].copy_from_slice(bytes)
            }
            Source::Mxcsr => self.fpu.get_or_insert_with(Fpu::default).mxcsr = u32_le(bytes),
            Source::YmmH(i) => self.ymmh.get_or_insert([[0; 16]; 16])[i].copy_from_slice(bytes),
        }
    }
}

fn u32_le(b: &[u8]) -> u32 {
    let mut le = [0u8; 4];
    le[..b.len().min(4)].copy_from_slice(&b[..b.len().min(4)]);
    u32::from_le_bytes(le)
}

impl gdbstub::arch::Registers for X86_64Registers {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.gp.rip
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for desc in table() {
            match self.value(desc) {
                Some(v) => v.into_iter().for_each(|b| write_byte(Some(b))),
                None => (0..desc.bytes()).for_each(|_| write_byte(None)),
            }
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.len() != g_packet_len() {
            return Err(());
        }
        for desc in table() {
            self.set_value(desc, &bytes[desc.offset..desc.offset + desc.bytes()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdbstub::arch::Registers;

    #[test]
    fn table_order_and_numbers() {
        let t = table();
        let names: Vec<&str> = t.iter().map(|r| r.name).collect();
        assert_eq!(&names[..3], ["rax", "rbx", "rcx"]);
        let at = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert_eq!(at("rip"), 16);
        assert_eq!(at("eflags"), 17);
        assert_eq!(at("gs"), 23);
        assert_eq!(at("st0"), 24);
        assert_eq!(at("fctrl"), 32);
        assert_eq!(at("fop"), 39);
        assert_eq!(at("xmm0"), 40);
        assert_eq!(at("mxcsr"), 56);
        assert_eq!(at("orig_rax"), 57);
        assert_eq!(at("fs_base"), 58);
        assert_eq!(at("gs_base"), 59);
        assert_eq!(at("ymm0h"), 60);
        assert_eq!(at("ymm15h"), 75);
        assert_eq!(t.len(), 76);
        for (i, r) in t.iter().enumerate() {
            assert_eq!(r.regnum, i);
            assert_eq!(r.bits % 8, 0, "{}", r.name);
        }
        // The general-register sources name the same field.
        for r in t {
            if let Source::Gp(i) = r.source {
                assert_eq!(GP_NAMES[i], r.name);
            }
        }
    }

    #[test]
    fn g_packet_layout() {
        // 16*8 + 8 + 4 + 6*4 + 8*10 + 8*4 + 16*16 + 4 + 3*8 + 16*16
        assert_eq!(g_packet_len(), 816);
        let t = table();
        assert_eq!(t[16].offset, 128); // rip
        assert_eq!(t[17].offset, 136); // eflags
        assert_eq!(t[24].offset, 164); // st0
        assert_eq!(t[40].offset, 276); // xmm0
        assert_eq!(t[57].offset, 536); // orig_rax
    }

    fn sample_xsave() -> Vec<u8> {
        let mut x = vec![0u8; 832];
        x[0..2].copy_from_slice(&0x037fu16.to_le_bytes()); // fcw
        x[2..4].copy_from_slice(&(7u16 << 11).to_le_bytes()); // fsw, top = 7
        x[4] = 0x80; // physical register 7 (st0) in use
        x[6..8].copy_from_slice(&0xffffu16.to_le_bytes()); // fop (11 bits kept)
        x[8..12].copy_from_slice(&0x1122_3344u32.to_le_bytes()); // fioff
        x[12..14].copy_from_slice(&0x33u16.to_le_bytes()); // fiseg
        x[24..28].copy_from_slice(&0x1f80u32.to_le_bytes()); // mxcsr
                                                             // st0 = 1.0: mantissa 0x8000000000000000, exponent 0x3fff.
        x[32..40].copy_from_slice(&(1u64 << 63).to_le_bytes());
        x[40..42].copy_from_slice(&0x3fffu16.to_le_bytes());
        for i in 0..16 {
            x[160 + 16 * i] = i as u8 + 1;
            x[576 + 16 * i] = 0x80 + i as u8;
        }
        x[512..520].copy_from_slice(&0x7u64.to_le_bytes());
        x
    }

    #[test]
    fn decodes_xsave() {
        let gp = GpRegs {
            rax: 1,
            rip: 0x401000,
            eflags: 0x246,
            fs_base: 0x7fff_0000,
            orig_rax: u64::MAX,
            ..Default::default()
        };
        let r = X86_64Registers::from_parts(gp, Some(&sample_xsave()));
        let f = r.fpu.as_ref().unwrap();
        assert_eq!(f.ctl[0], 0x37f);
        assert_eq!(f.ctl[3], 0x33);
        assert_eq!(f.ctl[4], 0x1122_3344);
        assert_eq!(f.ctl[7], 0x7ff);
        // Only physical register 7 in use and valid: tag 0 there, 3 elsewhere.
        assert_eq!(f.ctl[2], 0x3fff);
        assert_eq!(f.mxcsr, 0x1f80);
        assert_eq!(f.xmm[2][0], 3);
        assert_eq!(r.ymmh.unwrap()[1][0], 0x81);
        let t = table();
        assert_eq!(r.value(&t[58]).unwrap(), 0x7fff_0000u64.to_le_bytes());
        assert_eq!(r.value(&t[17]).unwrap(), 0x246u32.to_le_bytes());
        assert_eq!(r.value(&t[24]).unwrap().len(), 10);
    }

    #[test]
    fn ymm_zero_when_avx_state_is_initial() {
        let mut x = sample_xsave();
        x[512..520].copy_from_slice(&0x3u64.to_le_bytes());
        let r = X86_64Registers::from_parts(GpRegs::default(), Some(&x));
        assert_eq!(r.ymmh, Some([[0; 16]; 16]));
        let short = &x[..600];
        assert_eq!(
            X86_64Registers::from_parts(GpRegs::default(), Some(short)).ymmh,
            None
        );
    }

    #[test]
    fn serialize_round_trip() {
        let gp = GpRegs {
            rax: 0x1122334455667788,
            rsp: 0x7ffe0000,
            rip: 0x401000,
            cs: 0x33,
            gs_base: 9,
            ..Default::default()
        };
        let r = X86_64Registers::from_parts(gp, Some(&sample_xsave()));
        let mut bytes = Vec::new();
        r.gdb_serialize(|b| bytes.push(b.unwrap()));
        assert_eq!(bytes.len(), 816);
        assert_eq!(&bytes[0..8], &0x1122334455667788u64.to_le_bytes());
        assert_eq!(&bytes[56..64], &0x7ffe0000u64.to_le_bytes()); // rsp is regnum 7
        assert_eq!(&bytes[140..144], &0x33u32.to_le_bytes()); // cs
        let mut back = X86_64Registers::default();
        back.gdb_deserialize(&bytes).unwrap();
        assert_eq!(back, r);
        assert!(back.gdb_deserialize(&bytes[1..]).is_err());
    }

    #[test]
    fn unavailable_registers_serialize_as_unknown() {
        let r = X86_64Registers::from_parts(GpRegs::default(), None);
        let mut unknown = 0;
        r.gdb_serialize(|b| unknown += usize::from(b.is_none()));
        assert_eq!(unknown, 816 - (16 * 8 + 8 + 4 + 6 * 4 + 3 * 8));
    }
}
