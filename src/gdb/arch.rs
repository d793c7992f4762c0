//! Our own gdbstub `Arch` for x86_64: the full register file (with fs_base,
//! gs_base, orig_rax, x87, SSE and AVX) and its target description.

use std::num::NonZeroUsize;

use gdbstub::arch::lldb::{Encoding, Format, Generic, Register, RegisterInfo};
use gdbstub::arch::{Arch, RegId};

use super::regs::{table, RegDesc, X86_64Registers};

/// x86_64 as rewind presents it to debuggers.
pub enum X86_64 {}

/// A register by its remote protocol number (the `p`/`P` packets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct X86_64RegId(pub usize);

impl X86_64RegId {
    pub fn desc(self) -> Option<&'static RegDesc> {
        table().get(self.0)
    }
}

impl RegId for X86_64RegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let desc = table().get(id)?;
        Some((X86_64RegId(id), NonZeroUsize::new(desc.bytes())))
    }

    fn to_raw_id(&self) -> Option<usize> {
        Some(self.0)
    }
}

impl Arch for X86_64 {
    type Usize = u64;
    type Registers = X86_64Registers;
    /// x86 breakpoints have one kind (1: the one-byte `int3`); any is accepted.
    type BreakpointKind = usize;
    type RegId = X86_64RegId;

    fn target_description_xml() -> Option<&'static str> {
        Some(super::tdesc::target_xml())
    }

    fn lldb_register_info(reg_id: usize) -> Option<RegisterInfo<'static>> {
        let Some(r) = table().get(reg_id) else {
            return Some(RegisterInfo::Done);
        };
        let (encoding, format) = match r.ty {
            "vec128" | "uint128" | "i387_ext" => (Encoding::Vector, Format::VectorUInt8),
            _ => (Encoding::Uint, Format::Hex),
        };
        let generic = match r.generic {
            Some("pc") => Some(Generic::Pc),
            Some("sp") => Some(Generic::Sp),
            Some("fp") => Some(Generic::Fp),
            Some("flags") => Some(Generic::Flags),
            Some("arg1") => Some(Generic::Arg1),
            Some("arg2") => Some(Generic::Arg2),
            Some("arg3") => Some(Generic::Arg3),
            Some("arg4") => Some(Generic::Arg4),
            Some("arg5") => Some(Generic::Arg5),
            Some("arg6") => Some(Generic::Arg6),
            _ => None,
        };
        Some(RegisterInfo::Register(Register {
            name: r.name,
            alt_name: None,
            bitsize: r.bits,
            offset: r.offset,
            encoding,
            format,
            set: match r.group {
                Some("float") => "Floating Point Registers",
                Some("vector") => "Vector Registers",
                None => "Vector Registers",
                _ => "General Purpose Registers",
            },
            gcc: r.dwarf,
            dwarf: r.dwarf,
            generic,
            container_regs: None,
            invalidate_regs: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_ids_have_sizes() {
        let (id, size) = X86_64RegId::from_raw_id(16).unwrap();
        assert_eq!(id.desc().unwrap().name, "rip");
        assert_eq!(size.unwrap().get(), 8);
        assert_eq!(X86_64RegId::from_raw_id(24).unwrap().1.unwrap().get(), 10);
        assert_eq!(X86_64RegId::from_raw_id(17).unwrap().1.unwrap().get(), 4);
        assert!(X86_64RegId::from_raw_id(table().len()).is_none());
    }

    #[test]
    fn lldb_register_info_ends() {
        assert!(matches!(
            X86_64::lldb_register_info(0),
            Some(RegisterInfo::Register(Register { name: "rax", .. }))
        ));
        assert!(matches!(
            X86_64::lldb_register_info(table().len()),
            Some(RegisterInfo::Done)
        ));
    }
}
