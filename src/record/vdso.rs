//! The vDSO, made deterministic: its time functions read memory the
//! kernel updates on its own, which no recording can reproduce. At each
//! new program, rewind replaces each of the vDSO's functions with a stub
//! that makes the syscall (recorded like any other) and keeps the patched
//! vDSO's bytes in the trace (a `KernelWrite` right after the program's
//! `Exec`/`Execve` event), which the replay writes over its own kernel's
//! vDSO. A program that reads or checksums its vDSO, or calls it directly,
//! finds the same bytes at replay. Where the vDSO cannot be patched, it is
//! hidden from the program instead (its auxv entry is blanked), as older
//! traces did.

use object::{Object, ObjectSegment, ObjectSymbol};

use crate::arch::Arch;
use crate::trace::MemWrite;
use crate::tracee::{maps, Task};

/// Patch `task`'s vDSO (see the module doc); its bytes after the patch,
/// or None when the process has no vDSO or it could not be patched.
pub fn patch(task: &Task, arch: Arch) -> Option<MemWrite> {
    let m = maps::read(task.pid.as_raw())
        .ok()?
        .into_iter()
        .find(|m| m.name == "[vdso]")?;
    let mut image = task
        .read_mem_exact(m.start, (m.end - m.start) as usize)
        .ok()?;
    let patches = stubs(&image, arch)?;
    for (offset, code) in &patches {
        let at = *offset as usize;
        image.get_mut(at..at + code.len())?.copy_from_slice(code);
    }
    for (offset, code) in &patches {
        task.write_mem(m.start + offset, code).ok()?;
    }
    log::debug!(
        "vDSO at {:#x}: {} functions replaced",
        m.start,
        patches.len()
    );
    Some(MemWrite {
        addr: m.start,
        data: image,
    })
}

/// The stubs for a vDSO image: (offset in the image, code). None when the
/// image cannot be read as an ELF file or a function is too short.
fn stubs(image: &[u8], arch: Arch) -> Option<Vec<(u64, Vec<u8>)>> {
    let elf = object::File::parse(image).ok()?;
    let base = elf.segments().map(|s| s.address()).min().unwrap_or(0);
    let mut v = Vec::new();
    for sym in elf.dynamic_symbols() {
        let Ok(name) = sym.name() else { continue };
        let Some((_, call)) = arch.vdso_functions().iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let nr = match call {
            Some(c) => Some(arch.syscall_nr(c)?),
            None => None,
        };
        let code = arch.vdso_stub(nr);
        if sym.size() != 0 && sym.size() < code.len() as u64 {
            return None;
        }
        let offset = sym.address().checked_sub(base)?;
        if offset as usize + code.len() > image.len() {
            return None;
        }
        v.push((offset, code));
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine's own vDSO (rewind's), read from its memory: every
    /// function found gets a stub inside the image.
    #[test]
    fn the_vdso_of_this_machine_gets_its_stubs() {
        let Some(m) = maps::read(std::process::id() as i32)
            .ok()
            .and_then(|v| v.into_iter().find(|m| m.name == "[vdso]"))
        else {
            return; // no vDSO here
        };
        let image = {
            use std::os::unix::fs::FileExt;
            let f = std::fs::File::open("/proc/self/mem").expect("own memory");
            let mut b = vec![0u8; (m.end - m.start) as usize];
            f.read_exact_at(&mut b, m.start).expect("own vDSO");
            b
        };
        let arch = Arch::host();
        let s = stubs(&image, arch).expect("the vDSO parses");
        assert!(
            s.iter()
                .any(|(_, c)| *c == arch.vdso_stub(arch.syscall_nr("clock_gettime"))),
            "clock_gettime is replaced"
        );
    }
}
