//! Decoding ioctl requests: which memory the kernel writes for a request.
//!
//! An ioctl's outputs depend on its request number. Most modern requests
//! encode a direction and a size (`_IOC`), which tell what the kernel may
//! write at the pointer in the third argument; older ones (terminals,
//! sockets, block devices) use bare numbers and must be known by name. An
//! unknown request must never abort a recording: the recorder records what
//! its encoding says the kernel may write, and warns once per request.
//!
//! x86_64 and aarch64 share the generic encoding: direction in bits 30-31
//! (none 0, write 1, read 2; "write" and "read" are from the caller's point
//! of view, so *read* means the kernel writes user memory), size in bits
//! 16-29, type in bits 8-15, number in bits 0-7. Only the low 32 bits of the
//! request are significant: the kernel takes an `unsigned int`.

use super::Arch;

/// The direction bits of a request, from the caller's point of view.
pub mod dir {
    /// No data transfer.
    pub const NONE: u32 = 0;
    /// The caller passes data to the kernel.
    pub const WRITE: u32 = 1;
    /// The kernel passes data to the caller: it writes user memory.
    pub const READ: u32 = 2;
}

/// Bit layout of request numbers on an architecture.
#[derive(Clone, Copy, Debug)]
struct Encoding {
    size_bits: u32,
    dir_shift: u32,
}

const GENERIC: Encoding = Encoding {
    size_bits: 14,
    dir_shift: 30,
};

fn encoding(arch: Arch) -> Encoding {
    match arch {
        // Both use the generic layout (powerpc, mips, sparc and alpha do not).
        Arch::X86_64 | Arch::Aarch64 => GENERIC,
    }
}

/// A request number in the generic encoding.
pub const fn ioc(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
    (dir << 30) | ((size as u32 & 0x3fff) << 16) | ((ty as u32) << 8) | nr as u32
}

const fn io(ty: u8, nr: u8) -> u32 {
    ioc(dir::NONE, ty, nr, 0)
}
const fn ior(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(dir::READ, ty, nr, size)
}
const fn iow(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(dir::WRITE, ty, nr, size)
}
const fn iowr(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(dir::READ | dir::WRITE, ty, nr, size)
}

/// Which family a known request belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoctlFamily {
    Terminal,
    DmaBuf,
    Socket,
    Block,
    Other,
}

/// What the kernel writes for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoctlOut {
    /// The bytes are written at the pointer held in the third argument.
    /// True for every request described here; requests that also write
    /// through pointers stored inside that struct are listed by
    /// [`indirect_writes`].
    pub arg_is_ptr: bool,
    /// How many bytes, at most.
    pub len: usize,
}

/// A decoded request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoctlKind {
    /// A request known by name.
    Known {
        name: &'static str,
        family: IoctlFamily,
        /// `None`: the request writes no memory.
        out: Option<IoctlOut>,
    },
    /// A request known only by its encoding.
    Unknown {
        /// `dir::NONE`, `dir::WRITE`, `dir::READ` or both bits.
        dir: u32,
        size: usize,
        ty: u8,
        nr: u8,
    },
}

/// One known request.
struct Known {
    request: u32,
    name: &'static str,
    family: IoctlFamily,
    out: usize,
}

const fn k(request: u32, name: &'static str, family: IoctlFamily, out: usize) -> Known {
    Known {
        request,
        name,
        family,
        out,
    }
}

use IoctlFamily::{Block, DmaBuf, Other, Socket, Terminal};

/// Kernel `struct termios` (generic: four flags, c_line, 19 control chars).
/// The C library's `struct termios` is larger (60 bytes); the kernel writes
/// only these 36.
pub const KERNEL_TERMIOS: usize = 36;
/// Kernel `struct termios2`: termios and two speeds.
pub const KERNEL_TERMIOS2: usize = 44;
/// `struct termio`.
const TERMIO: usize = 18;
/// `struct winsize`: four unsigned shorts.
const WINSIZE: usize = 8;
/// `struct serial_struct` on 64-bit.
const SERIAL_STRUCT: usize = 72;
/// `struct serial_rs485`.
const SERIAL_RS485: usize = 32;
/// `struct serial_icounter_struct`.
const SERIAL_ICOUNTER: usize = 80;
/// `struct ifreq`.
pub const IFREQ: usize = 40;
/// `struct ifconf`: int length, padding, buffer pointer.
pub const IFCONF: usize = 16;
/// `struct arpreq`.
const ARPREQ: usize = 68;
/// `struct loop_info64`.
const LOOP_INFO64: usize = 232;
/// `struct fiemap` without its extents.
const FIEMAP_HEADER: usize = 32;
/// `struct file_dedupe_range` without its infos.
const DEDUPE_HEADER: usize = 24;
/// `struct fstrim_range`.
const FSTRIM_RANGE: usize = 24;
/// `struct fsxattr`.
const FSXATTR: usize = 28;

pub const TCGETS: u32 = 0x5401;
pub const TIOCGWINSZ: u32 = 0x5413;
pub const FIONREAD: u32 = 0x541b;
pub const SIOCGIFCONF: u32 = 0x8912;
pub const SIOCETHTOOL: u32 = 0x8946;
pub const DMA_BUF_IOCTL_EXPORT_SYNC_FILE: u32 = iowr(b'b', 2, 8);
pub const FS_IOC_FIEMAP: u32 = iowr(b'f', 11, FIEMAP_HEADER);
pub const FIDEDUPERANGE: u32 = iowr(0x94, 54, DEDUPE_HEADER);

/// Requests known by name. Lengths of 0 mean "writes nothing". Where a
/// request's encoded size is not what the kernel writes (FS_IOC_GETFLAGS
/// encodes a long but the kernel writes an int; TUNSETIFF is encoded as a
/// write but copies the struct back), the length is what the kernel writes.
static KNOWN: &[Known] = &[
    // Terminals (asm-generic/ioctls.h). FIONREAD also applies to pipes and
    // sockets (SIOCINQ), TIOCOUTQ to sockets (SIOCOUTQ).
    k(TCGETS, "TCGETS", Terminal, KERNEL_TERMIOS),
    k(0x5402, "TCSETS", Terminal, 0),
    k(0x5403, "TCSETSW", Terminal, 0),
    k(0x5404, "TCSETSF", Terminal, 0),
    k(0x5405, "TCGETA", Terminal, TERMIO),
    k(0x5406, "TCSETA", Terminal, 0),
    k(0x5407, "TCSETAW", Terminal, 0),
    k(0x5408, "TCSETAF", Terminal, 0),
    k(0x5409, "TCSBRK", Terminal, 0),
    k(0x540a, "TCXONC", Terminal, 0),
    k(0x540b, "TCFLSH", Terminal, 0),
    k(0x540c, "TIOCEXCL", Terminal, 0),
    k(0x540d, "TIOCNXCL", Terminal, 0),
    k(0x540e, "TIOCSCTTY", Terminal, 0),
    k(0x540f, "TIOCGPGRP", Terminal, 4),
    k(0x5410, "TIOCSPGRP", Terminal, 0),
    k(0x5411, "TIOCOUTQ", Terminal, 4),
    k(0x5412, "TIOCSTI", Terminal, 0),
    k(TIOCGWINSZ, "TIOCGWINSZ", Terminal, WINSIZE),
    k(0x5414, "TIOCSWINSZ", Terminal, 0),
    k(0x5415, "TIOCMGET", Terminal, 4),
    k(0x5416, "TIOCMBIS", Terminal, 0),
    k(0x5417, "TIOCMBIC", Terminal, 0),
    k(0x5418, "TIOCMSET", Terminal, 0),
    k(0x5419, "TIOCGSOFTCAR", Terminal, 4),
    k(0x541a, "TIOCSSOFTCAR", Terminal, 0),
    k(FIONREAD, "FIONREAD", Terminal, 4),
    // The subcode byte at the argument; TIOCL_GETSHIFTSTATE answers there.
    k(0x541c, "TIOCLINUX", Terminal, 1),
    k(0x541d, "TIOCCONS", Terminal, 0),
    k(0x541e, "TIOCGSERIAL", Terminal, SERIAL_STRUCT),
    k(0x541f, "TIOCSSERIAL", Terminal, 0),
    k(0x5420, "TIOCPKT", Terminal, 0),
    k(0x5421, "FIONBIO", Terminal, 0),
    k(0x5422, "TIOCNOTTY", Terminal, 0),
    k(0x5423, "TIOCSETD", Terminal, 0),
    k(0x5424, "TIOCGETD", Terminal, 4),
    k(0x5425, "TCSBRKP", Terminal, 0),
    k(0x5427, "TIOCSBRK", Terminal, 0),
    k(0x5428, "TIOCCBRK", Terminal, 0),
    k(0x5429, "TIOCGSID", Terminal, 4),
    k(
        ior(b'T', 0x2a, KERNEL_TERMIOS2),
        "TCGETS2",
        Terminal,
        KERNEL_TERMIOS2,
    ),
    k(iow(b'T', 0x2b, KERNEL_TERMIOS2), "TCSETS2", Terminal, 0),
    k(iow(b'T', 0x2c, KERNEL_TERMIOS2), "TCSETSW2", Terminal, 0),
    k(iow(b'T', 0x2d, KERNEL_TERMIOS2), "TCSETSF2", Terminal, 0),
    k(0x542e, "TIOCGRS485", Terminal, SERIAL_RS485),
    // The configuration actually applied is copied back.
    k(0x542f, "TIOCSRS485", Terminal, SERIAL_RS485),
    k(ior(b'T', 0x30, 4), "TIOCGPTN", Terminal, 4),
    k(iow(b'T', 0x31, 4), "TIOCSPTLCK", Terminal, 0),
    k(ior(b'T', 0x32, 4), "TIOCGDEV", Terminal, 4),
    k(iow(b'T', 0x36, 4), "TIOCSIG", Terminal, 0),
    k(0x5437, "TIOCVHANGUP", Terminal, 0),
    k(ior(b'T', 0x38, 4), "TIOCGPKT", Terminal, 4),
    k(ior(b'T', 0x39, 4), "TIOCGPTLCK", Terminal, 4),
    k(ior(b'T', 0x40, 4), "TIOCGEXCL", Terminal, 4),
    k(io(b'T', 0x41), "TIOCGPTPEER", Terminal, 0),
    k(0x5450, "FIONCLEX", Terminal, 0),
    k(0x5451, "FIOCLEX", Terminal, 0),
    k(0x5452, "FIOASYNC", Terminal, 0),
    k(0x5456, "TIOCGLCKTRMIOS", Terminal, KERNEL_TERMIOS),
    k(0x5457, "TIOCSLCKTRMIOS", Terminal, 0),
    k(0x5459, "TIOCSERGETLSR", Terminal, 4),
    k(0x545c, "TIOCMIWAIT", Terminal, 0),
    k(0x545d, "TIOCGICOUNT", Terminal, SERIAL_ICOUNTER),
    // dma-buf (linux/dma-buf.h).
    k(iow(b'b', 0, 8), "DMA_BUF_IOCTL_SYNC", DmaBuf, 0),
    k(iow(b'b', 1, 4), "DMA_BUF_SET_NAME_A", DmaBuf, 0),
    k(iow(b'b', 1, 8), "DMA_BUF_SET_NAME", DmaBuf, 0),
    // struct dma_buf_export_sync_file { u32 flags; s32 fd; }: fd is returned.
    k(
        DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
        "DMA_BUF_IOCTL_EXPORT_SYNC_FILE",
        DmaBuf,
        8,
    ),
    k(iow(b'b', 3, 8), "DMA_BUF_IOCTL_IMPORT_SYNC_FILE", DmaBuf, 0),
    // Sockets (linux/sockios.h): the SIOCGIF* requests fill a struct ifreq.
    k(0x8901, "FIOSETOWN", Socket, 0),
    k(0x8902, "SIOCSPGRP", Socket, 0),
    k(0x8903, "FIOGETOWN", Socket, 4),
    k(0x8904, "SIOCGPGRP", Socket, 4),
    k(0x8905, "SIOCATMARK", Socket, 4),
    k(0x8906, "SIOCGSTAMP_OLD", Socket, 16),
    k(0x8907, "SIOCGSTAMPNS_OLD", Socket, 16),
    k(ior(0x89, 0x06, 16), "SIOCGSTAMP_NEW", Socket, 16),
    k(ior(0x89, 0x07, 16), "SIOCGSTAMPNS_NEW", Socket, 16),
    k(0x890b, "SIOCADDRT", Socket, 0),
    k(0x890c, "SIOCDELRT", Socket, 0),
    k(0x8910, "SIOCGIFNAME", Socket, IFREQ),
    k(0x8911, "SIOCSIFLINK", Socket, 0),
    k(SIOCGIFCONF, "SIOCGIFCONF", Socket, IFCONF),
    k(0x8913, "SIOCGIFFLAGS", Socket, IFREQ),
    k(0x8914, "SIOCSIFFLAGS", Socket, 0),
    k(0x8915, "SIOCGIFADDR", Socket, IFREQ),
    k(0x8916, "SIOCSIFADDR", Socket, 0),
    k(0x8917, "SIOCGIFDSTADDR", Socket, IFREQ),
    k(0x8918, "SIOCSIFDSTADDR", Socket, 0),
    k(0x8919, "SIOCGIFBRDADDR", Socket, IFREQ),
    k(0x891a, "SIOCSIFBRDADDR", Socket, 0),
    k(0x891b, "SIOCGIFNETMASK", Socket, IFREQ),
    k(0x891c, "SIOCSIFNETMASK", Socket, 0),
    k(0x891d, "SIOCGIFMETRIC", Socket, IFREQ),
    k(0x891e, "SIOCSIFMETRIC", Socket, 0),
    k(0x8921, "SIOCGIFMTU", Socket, IFREQ),
    k(0x8922, "SIOCSIFMTU", Socket, 0),
    k(0x8923, "SIOCSIFNAME", Socket, 0),
    k(0x8924, "SIOCSIFHWADDR", Socket, 0),
    k(0x8925, "SIOCGIFENCAP", Socket, IFREQ),
    k(0x8926, "SIOCSIFENCAP", Socket, 0),
    k(0x8927, "SIOCGIFHWADDR", Socket, IFREQ),
    k(0x8931, "SIOCADDMULTI", Socket, 0),
    k(0x8932, "SIOCDELMULTI", Socket, 0),
    k(0x8933, "SIOCGIFINDEX", Socket, IFREQ),
    k(0x8934, "SIOCSIFPFLAGS", Socket, 0),
    k(0x8935, "SIOCGIFPFLAGS", Socket, IFREQ),
    k(0x8936, "SIOCDIFADDR", Socket, 0),
    k(0x8937, "SIOCSIFHWBROADCAST", Socket, 0),
    k(0x8942, "SIOCGIFTXQLEN", Socket, IFREQ),
    k(0x8943, "SIOCSIFTXQLEN", Socket, 0),
    k(SIOCETHTOOL, "SIOCETHTOOL", Socket, IFREQ),
    k(0x8947, "SIOCGMIIPHY", Socket, IFREQ),
    k(0x8948, "SIOCGMIIREG", Socket, IFREQ),
    k(0x8949, "SIOCSMIIREG", Socket, 0),
    k(0x894b, "SIOCOUTQNSD", Socket, 4),
    k(0x894c, "SIOCGSKNS", Socket, 0),
    k(0x8953, "SIOCDARP", Socket, 0),
    k(0x8954, "SIOCGARP", Socket, ARPREQ),
    k(0x8955, "SIOCSARP", Socket, 0),
    k(0x8970, "SIOCGIFMAP", Socket, IFREQ),
    k(0x8971, "SIOCSIFMAP", Socket, 0),
    // TUN/TAP: both copy the struct ifreq back, whatever their encoding says.
    k(iow(b'T', 202, 4), "TUNSETIFF", Socket, IFREQ),
    k(ior(b'T', 210, 4), "TUNGETIFF", Socket, IFREQ),
    // Block devices (linux/fs.h): sizes are what the kernel stores
    // (BLKBSZGET is encoded with a size_t but stores an int).
    k(io(0x12, 93), "BLKROSET", Block, 0),
    k(io(0x12, 94), "BLKROGET", Block, 4),
    k(io(0x12, 95), "BLKRRPART", Block, 0),
    k(io(0x12, 96), "BLKGETSIZE", Block, 8),
    k(io(0x12, 97), "BLKFLSBUF", Block, 0),
    k(io(0x12, 98), "BLKRASET", Block, 0),
    k(io(0x12, 99), "BLKRAGET", Block, 8),
    k(io(0x12, 100), "BLKFRASET", Block, 0),
    k(io(0x12, 101), "BLKFRAGET", Block, 8),
    k(io(0x12, 102), "BLKSECTSET", Block, 0),
    k(io(0x12, 103), "BLKSECTGET", Block, 2),
    k(io(0x12, 104), "BLKSSZGET", Block, 4),
    k(ior(0x12, 112, 8), "BLKBSZGET", Block, 4),
    k(iow(0x12, 113, 8), "BLKBSZSET", Block, 0),
    k(ior(0x12, 114, 8), "BLKGETSIZE64", Block, 8),
    k(io(0x12, 119), "BLKDISCARD", Block, 0),
    k(io(0x12, 120), "BLKIOMIN", Block, 4),
    k(io(0x12, 121), "BLKIOOPT", Block, 4),
    k(io(0x12, 122), "BLKALIGNOFF", Block, 4),
    k(io(0x12, 123), "BLKPBSZGET", Block, 4),
    k(io(0x12, 124), "BLKDISCARDZEROES", Block, 4),
    k(io(0x12, 125), "BLKSECDISCARD", Block, 0),
    k(io(0x12, 126), "BLKROTATIONAL", Block, 2),
    k(io(0x12, 127), "BLKZEROOUT", Block, 0),
    k(ior(0x12, 128, 8), "BLKGETDISKSEQ", Block, 8),
    k(ior(0x12, 132, 4), "BLKGETZONESZ", Block, 4),
    k(ior(0x12, 133, 4), "BLKGETNRZONES", Block, 4),
    // struct hd_geometry: heads, sectors, cylinders, start.
    k(0x0301, "HDIO_GETGEO", Block, 16),
    k(0x4c00, "LOOP_SET_FD", Block, 0),
    k(0x4c01, "LOOP_CLR_FD", Block, 0),
    k(0x4c04, "LOOP_SET_STATUS64", Block, 0),
    k(0x4c05, "LOOP_GET_STATUS64", Block, LOOP_INFO64),
    k(0x4c82, "LOOP_CTL_GET_FREE", Block, 0),
    // Files and file systems. FS_IOC_GETFLAGS/GETVERSION are encoded with a
    // long but the kernel stores an int.
    k(io(0, 1), "FIBMAP", Other, 4),
    k(io(0, 2), "FIGETBSZ", Other, 4),
    k(0x5460, "FIOQSIZE", Other, 8),
    k(ior(b'f', 1, 8), "FS_IOC_GETFLAGS", Other, 4),
    k(iow(b'f', 2, 8), "FS_IOC_SETFLAGS", Other, 0),
    k(ior(b'v', 1, 8), "FS_IOC_GETVERSION", Other, 4),
    k(iow(b'v', 2, 8), "FS_IOC_SETVERSION", Other, 0),
    k(ior(b'f', 1, 4), "FS_IOC32_GETFLAGS", Other, 4),
    k(iow(b'f', 2, 4), "FS_IOC32_SETFLAGS", Other, 0),
    k(ior(b'v', 1, 4), "FS_IOC32_GETVERSION", Other, 4),
    k(FS_IOC_FIEMAP, "FS_IOC_FIEMAP", Other, FIEMAP_HEADER),
    k(iow(0x94, 9, 4), "FICLONE", Other, 0),
    k(iow(0x94, 13, 32), "FICLONERANGE", Other, 0),
    k(FIDEDUPERANGE, "FIDEDUPERANGE", Other, DEDUPE_HEADER),
    k(ior(0x94, 49, 256), "FS_IOC_GETFSLABEL", Other, 256),
    k(iow(0x94, 50, 256), "FS_IOC_SETFSLABEL", Other, 0),
    k(iowr(b'X', 119, 4), "FIFREEZE", Other, 0),
    k(iowr(b'X', 120, 4), "FITHAW", Other, 0),
    k(iowr(b'X', 121, FSTRIM_RANGE), "FITRIM", Other, FSTRIM_RANGE),
    k(ior(b'X', 31, FSXATTR), "FS_IOC_FSGETXATTR", Other, FSXATTR),
    k(iow(b'X', 32, FSXATTR), "FS_IOC_FSSETXATTR", Other, 0),
    k(ior(0x15, 0, 17), "FS_IOC_GETFSUUID", Other, 17),
    k(ior(0x15, 1, 129), "FS_IOC_GETFSSYSFSPATH", Other, 129),
    k(ior(b'R', 0, 4), "RNDGETENTCNT", Other, 4),
];

/// Decode `request` as it would be understood on `arch`.
pub fn decode(arch: Arch, request: u64) -> IoctlKind {
    let request = (request & 0xffff_ffff) as u32;
    if let Some(k) = KNOWN.iter().find(|k| k.request == request) {
        return IoctlKind::Known {
            name: k.name,
            family: k.family,
            out: (k.out > 0).then_some(IoctlOut {
                arg_is_ptr: true,
                len: k.out,
            }),
        };
    }
    let enc = encoding(arch);
    IoctlKind::Unknown {
        dir: request >> enc.dir_shift,
        size: ((request >> 16) & ((1 << enc.size_bits) - 1)) as usize,
        ty: (request >> 8) as u8,
        nr: request as u8,
    }
}

/// Bytes the kernel may have written at the third argument for this
/// request: for a known request, its output; for an unknown one whose
/// direction has the READ bit, its encoded size; otherwise none.
///
/// An unknown request without a direction (a bare legacy number) may still
/// write memory: the recorder should warn about it once.
pub fn out_len(arch: Arch, request: u64) -> Option<usize> {
    match decode(arch, request) {
        IoctlKind::Known { out, .. } => out.map(|o| o.len),
        IoctlKind::Unknown { dir, size, .. } => (dir & dir::READ != 0 && size > 0).then_some(size),
    }
}

/// A readable name: `TCGETS`, or for an unknown request its decoding,
/// `ioctl(0xc0086202: dir=rw type='b' nr=2 size=8)`.
pub fn name(arch: Arch, request: u64) -> String {
    match decode(arch, request) {
        IoctlKind::Known { name, .. } => name.to_string(),
        IoctlKind::Unknown { dir, size, ty, nr } => {
            let dir = match dir {
                dir::NONE => "none",
                dir::WRITE => "w",
                dir::READ => "r",
                _ => "rw",
            };
            let ty = if ty.is_ascii_graphic() {
                format!("'{}'", ty as char)
            } else {
                format!("{ty:#04x}")
            };
            format!(
                "ioctl({:#010x}: dir={dir} type={ty} nr={nr} size={size})",
                request & 0xffff_ffff
            )
        }
    }
}

/// Requests that also write through a pointer stored inside the struct at
/// the third argument, or past a header whose length [`out_len`] gives:
/// what they write, for a recorder that follows it, or to refuse them with a
/// warning until it does.
pub fn indirect_writes(arch: Arch, request: u64) -> Option<&'static str> {
    let IoctlKind::Known { name, .. } = decode(arch, request) else {
        return None;
    };
    match name {
        "SIOCGIFCONF" => Some(
            "struct ifconf: the kernel updates ifc_len (int at offset 0) and, unless the \
             pointer at offset 8 is null, writes ifc_len bytes of struct ifreq there",
        ),
        "SIOCETHTOOL" => Some(
            "the ethtool command struct at ifr_data (the pointer at offset 16 of struct \
             ifreq), whose size depends on its command",
        ),
        "FS_IOC_FIEMAP" => Some(
            "after the 32-byte struct fiemap, fm_mapped_extents (u32 at offset 20) extents \
             of 56 bytes each",
        ),
        "FIDEDUPERANGE" => Some(
            "after the 24-byte struct file_dedupe_range, dest_count (u16 at offset 16) \
             infos of 32 bytes each",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Arch = Arch::X86_64;

    #[test]
    fn encodings_match_the_kernel() {
        assert_eq!(DMA_BUF_IOCTL_EXPORT_SYNC_FILE, 0xc008_6202);
        assert_eq!(ior(b'T', 0x2a, KERNEL_TERMIOS2), 0x802c_542a);
        assert_eq!(ior(b'T', 0x30, 4), 0x8004_5430);
        assert_eq!(ior(0x12, 114, 8), 0x8008_1272);
        assert_eq!(FS_IOC_FIEMAP, 0xc020_660b);
        assert_eq!(iow(0x94, 9, 4), 0x4004_9409);
    }

    #[test]
    fn dma_buf_export_sync_file() {
        for arch in [Arch::X86_64, Arch::Aarch64] {
            assert_eq!(
                decode(arch, 0xc008_6202),
                IoctlKind::Known {
                    name: "DMA_BUF_IOCTL_EXPORT_SYNC_FILE",
                    family: IoctlFamily::DmaBuf,
                    out: Some(IoctlOut {
                        arg_is_ptr: true,
                        len: 8
                    }),
                }
            );
            assert_eq!(out_len(arch, 0xc008_6202), Some(8));
        }
    }

    #[test]
    fn unknown_read_request_uses_its_encoding() {
        let req = u64::from(ior(b'z', 7, 24));
        assert_eq!(
            decode(A, req),
            IoctlKind::Unknown {
                dir: dir::READ,
                size: 24,
                ty: b'z',
                nr: 7
            }
        );
        assert_eq!(out_len(A, req), Some(24));
        assert_eq!(
            name(A, req),
            "ioctl(0x80187a07: dir=r type='z' nr=7 size=24)"
        );
        let rw = u64::from(iowr(b'z', 8, 16));
        assert_eq!(out_len(A, rw), Some(16));
    }

    #[test]
    fn unknown_write_or_bare_request_writes_nothing() {
        assert_eq!(out_len(A, u64::from(iow(b'z', 7, 24))), None);
        assert_eq!(out_len(A, u64::from(io(b'z', 7))), None);
        assert_eq!(
            name(A, 0x1234),
            "ioctl(0x00001234: dir=none type=0x12 nr=52 size=0)"
        );
    }

    #[test]
    fn terminals() {
        // The kernel's struct termios, not the C library's 60-byte one.
        assert_eq!(out_len(A, 0x5401), Some(36));
        assert_eq!(name(A, 0x5401), "TCGETS");
        assert_eq!(out_len(A, 0x5402), None);
        assert_eq!(out_len(A, 0x5413), Some(8));
        assert_eq!(out_len(A, 0x540f), Some(4));
        assert_eq!(out_len(A, 0x541b), Some(4));
        assert_eq!(out_len(A, 0x802c_542a), Some(44));
        assert_eq!(out_len(A, 0x5421), None);
        assert_eq!(out_len(A, 0x5451), None);
        assert!(matches!(
            decode(Arch::Aarch64, 0x5413),
            IoctlKind::Known {
                family: IoctlFamily::Terminal,
                ..
            }
        ));
    }

    #[test]
    fn sockets_block_and_files() {
        assert_eq!(out_len(A, 0x8933), Some(40));
        assert_eq!(out_len(A, 0x8927), Some(40));
        assert_eq!(out_len(A, 0x8912), Some(16));
        assert!(indirect_writes(A, 0x8912).is_some());
        assert_eq!(out_len(A, 0x8008_1272), Some(8));
        assert_eq!(out_len(A, 0x1268), Some(4));
        assert_eq!(out_len(A, 0x125e), Some(4));
        assert_eq!(out_len(A, 0x8008_6601), Some(4));
        assert_eq!(out_len(A, 0x4004_9409), None);
        assert!(indirect_writes(A, 0x5401).is_none());
        // TUNSETIFF writes although it is encoded as a write.
        assert_eq!(out_len(A, 0x4004_54ca), Some(40));
    }

    #[test]
    fn only_low_32_bits_count() {
        assert_eq!(name(A, 0xffff_ffff_0000_5401), "TCGETS");
    }

    #[test]
    fn known_requests_are_unique() {
        for (i, a) in KNOWN.iter().enumerate() {
            for b in &KNOWN[i + 1..] {
                assert_ne!(a.request, b.request, "{} and {}", a.name, b.name);
            }
        }
    }
}
