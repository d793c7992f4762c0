//! rewind: record a Linux program's execution, replay it exactly, and debug
//! the replay forwards and backwards over the GDB remote protocol.
//!
//! See `docs/architecture.md` for the map of the modules.

pub mod arch;
pub mod cli;
pub mod dap;
pub mod gdb;
pub mod record;
pub mod replay;
pub mod ticks;
pub mod timeline;
pub mod trace;
pub mod tracee;
