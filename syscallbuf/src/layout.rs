// The syscall buffer's layout, shared by the preload library (the build
// script turns these constants into `layout.h`), the recorder and the
// replayer. Plain constants only: this file is `include!`d by build.rs.

/// Where the library maps the page holding its one untraced syscall
/// instruction. The seccomp filter rewind installs lets syscalls made
/// from that instruction through without a stop.
pub const TRAMPOLINE_ADDR: u64 = 0x6fff_f000_0000;

/// The syscall number of the library's registration call (no kernel
/// syscall has it: without rewind it fails with ENOSYS and the library
/// stays out of the way). Arguments: the thread's buffer, its size, the
/// trampoline's address, the layout version.
pub const REGISTER_NR: u64 = 0x7277;

/// The layout's version, passed at registration.
pub const LAYOUT_VERSION: u64 = 1;

/// Size of a thread's buffer mapping (header and records).
pub const BUF_SIZE: u64 = 1 << 20;

/// The header's size; records follow it.
pub const HDR_SIZE: u64 = 128;

// Header fields (u64 each), by byte offset.
/// 0: not registered (the library makes every syscall traced),
/// 1: recording, 2: replaying.
pub const HDR_MODE: u64 = 0;
/// Records in the current batch.
pub const HDR_COUNT: u64 = 8;
/// Bytes of records in the current batch.
pub const HDR_USED: u64 = 16;
/// Replay: records of the batch consumed so far.
pub const HDR_CONSUMED: u64 = 24;
/// Replay: bytes of records consumed so far.
pub const HDR_CONSUMED_BYTES: u64 = 32;
/// Record: rewind's own stdout and stderr (device, inode pairs), which
/// the library never buffers a write to (the replay echoes them).
pub const HDR_OUT_DEV0: u64 = 40;
pub const HDR_OUT_INO0: u64 = 48;
pub const HDR_OUT_DEV1: u64 = 56;
pub const HDR_OUT_INO1: u64 = 64;
/// Replay: set by the library when a call did not match the next record.
pub const HDR_MISMATCH: u64 = 72;
/// Record: set by rewind when it wants the thread to stop soon (a signal
/// waits for a syscall, or its time slice is over): the library makes its
/// next call traced (and clears the word). At replay that call comes after
/// the batch's last record, so it is traced there too.
pub const HDR_TRACE_NEXT: u64 = 80;

pub const MODE_OFF: u64 = 0;
pub const MODE_RECORD: u64 = 1;
pub const MODE_REPLAY: u64 = 2;

// A record: syscall number, six arguments, result, length of the output
// bytes that follow (padded to 8 bytes).
pub const REC_NR: u64 = 0;
pub const REC_ARGS: u64 = 8;
pub const REC_RESULT: u64 = 56;
pub const REC_LEN: u64 = 64;
/// Where a record's output bytes begin.
pub const REC_HDR_SIZE: u64 = 72;

/// The room for records in one buffer: the scratch bound. A call whose
/// output could be larger than what is left is made traced instead.
pub const REC_SPACE: u64 = BUF_SIZE - HDR_SIZE;
