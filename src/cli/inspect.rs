//! Commands that look at traces without running them.

use std::path::Path;

use super::dirs;
use crate::trace::TraceReader;

fn open(dir: &Path) -> Result<TraceReader, String> {
    TraceReader::open(dir).map_err(|e| e.to_string())
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_size(&e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

pub fn ls() -> Result<i32, String> {
    let root = dirs::trace_root();
    let mut names: Vec<_> = match std::fs::read_dir(&root) {
        Ok(rd) => rd
            .flatten()
            .filter(|e| e.file_name() != dirs::LATEST && e.path().join("header").exists())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    if names.is_empty() {
        println!("no traces in {}", root.display());
    }
    for n in names {
        let p = root.join(&n);
        let cmd = TraceReader::open(&p)
            .map(|r| r.header().argv.join(" "))
            .unwrap_or_else(|e| format!("(unreadable: {e})"));
        let size = match crate::trace::files::sizes(&p) {
            Ok(sz) if sz.saved_linked > 0 => format!(
                "{} + {} linked",
                human(sz.own + sz.saved_private),
                human(sz.saved_linked)
            ),
            Ok(sz) => human(sz.own + sz.saved_private),
            Err(_) => human(dir_size(&p)),
        };
        println!("{n}\t{size}\t{cmd}");
    }
    Ok(0)
}

fn human(b: u64) -> String {
    if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    } else if b >= 1 << 10 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}

pub fn ps(dir: &Path) -> Result<i32, String> {
    let r = open(dir)?;
    let (events, end) = r.read_all().map_err(|e| e.to_string())?;
    if events.is_empty() {
        return Err("the trace has no events".into());
    }
    let table = crate::trace::processes::ProcessTable::of(&events, r.header().arch);
    // NSPID: the pid the process saw as its own, in its own pid namespace.
    println!("PID\tPPID\tEXIT\tNSPID\tCMD");
    let cmd = r.header().argv.join(" ");
    for p in &table.processes {
        let exit = match (p.exit, &end) {
            (Some(k), _) => k.shell_status().to_string(),
            (None, crate::trace::TraceEnd::Complete) => "?".into(),
            (None, _) => "(cut short)".into(),
        };
        let ppid = p.ppid.map_or_else(|| "--".to_string(), |x| x.to_string());
        // A forked process runs its parent's program.
        let what = match (&p.argv, p.ppid) {
            (Some(argv), _) => argv.join(" "),
            (None, None) => cmd.clone(),
            (None, Some(_)) => format!("(forked) {cmd}"),
        };
        println!("{}\t{ppid}\t{exit}\t{}\t{what}", p.pid, p.ns_pid);
    }
    Ok(0)
}

/// How many events `dump --around N` shows on each side of N.
const AROUND: u64 = 20;

pub fn dump(dir: &Path, json: bool, around: Option<u64>) -> Result<i32, String> {
    use std::io::Write;
    let r = open(dir)?;
    let arch = r.header().arch;
    let mut s = r.events().map_err(|e| e.to_string())?;
    let out = std::io::stdout();
    let mut out = out.lock();
    let (from, to) = match around {
        Some(n) => (n.saturating_sub(AROUND), n.saturating_add(AROUND)),
        None => (0, u64::MAX),
    };
    let mut i = 0u64;
    while let Some(e) = s.next_event() {
        if i > to {
            break;
        }
        if i >= from {
            let marked = around == Some(i);
            let line = if json {
                let mut v = serde_json::json!({"event": i, "tid": e.tid(), "data": e});
                if marked {
                    v["marked"] = serde_json::Value::Bool(true);
                }
                v.to_string()
            } else {
                format!(
                    "{}#{i} tid {}: {}",
                    if marked {
                        "=> "
                    } else if around.is_some() {
                        "   "
                    } else {
                        ""
                    },
                    e.tid(),
                    e.summary(arch)
                )
            };
            if writeln!(out, "{line}").is_err() {
                return Ok(0); // closed pipe (e.g. `| head`)
            }
        }
        i += 1;
    }
    if let Some(n) = around.filter(|&n| n >= i) {
        let _ = out.flush();
        eprintln!(
            "rewind: the trace has {i} events (0 to {}); there is no event {n}",
            i.saturating_sub(1)
        );
        if i <= from {
            return Ok(1);
        }
    }
    match s.end() {
        Some(end @ crate::trace::TraceEnd::Truncated { .. }) => {
            eprintln!("rewind: {}", end.describe());
            return Ok(3);
        }
        Some(end) if !end.is_complete() => eprintln!("rewind: {}", end.describe()),
        _ => {}
    }
    Ok(0)
}

pub fn info(dir: &Path) -> Result<i32, String> {
    let r = open(dir)?;
    let h = r.header();
    let (events, end) = r.read_all().map_err(|e| e.to_string())?;
    println!("trace:        {}", dir.display());
    println!("arch:         {}", h.arch.name());
    println!("tick mode:    {}", h.ticks.describe());
    println!(
        "syscalls:     {}",
        match h.syscall_buffer {
            Some(true) => "buffered in the program where they cannot block (--syscall-buffer)",
            Some(false) => "each stopped at by rewind (--no-syscall-buffer)",
            None => "each stopped at by rewind (recorded before the syscall buffer existed)",
        }
    );
    println!("command:      {}", h.argv.join(" "));
    println!(
        "executable:   {} (saved as files/{})",
        h.exe.original, h.exe.saved
    );
    if let Some(i) = &h.interp {
        println!("loader:       {} (saved as files/{})", i.original, i.saved);
    }
    println!("cwd:          {}", h.cwd);
    println!(
        "recorded on:  {} ({}), rewind {}",
        h.hostname, h.kernel, h.rewind_version
    );
    for note in notes(&events, h.arch) {
        println!("note:         {note}");
    }
    let facts = h.cpu_facts();
    match h.cpu {
        Some(c) => println!("cpu:          {c} (the replay binds to the same CPU)"),
        None => println!("cpu:          not recorded (older trace)"),
    }
    if let Some(v) = facts.vendor() {
        let brand = facts.brand().unwrap_or_default();
        println!("processor:    {v} {brand}");
    }
    let features = facts.feature_names(h.arch);
    if features.is_empty() {
        println!("cpu features: not recorded");
    } else {
        println!("cpu features: {}", features.join(" "));
    }
    println!(
        "cpuid:        {} leaves recorded; the program's CPUID {}",
        h.cpuid.len(),
        crate::arch::cpu::CpuidMode::describe(h.cpuid_mode, h.arch)
    );
    println!(
        "this machine: CPUID faulting {}",
        match crate::tracee::cpu::cpuid_faulting() {
            crate::arch::cpu::CpuidFaulting::Available => "available",
            crate::arch::cpu::CpuidFaulting::Unavailable => "not available",
        }
    );
    println!("saved files:  {}", files_state(dir));
    println!("events:       {}", events.len());
    match crate::trace::files::sizes(dir) {
        Ok(sz) => println!("size:         {}", size_line(&sz)),
        Err(e) => println!("size:         cannot be read ({e})"),
    }
    println!("state:        {}", end.describe());
    Ok(0)
}

/// What rewind did that the program may notice, which `rewind record`
/// mentions only with `-v`: syscalls refused for the C library's fallback.
fn notes(events: &[crate::trace::Event], arch: crate::arch::Arch) -> Vec<String> {
    let mut refused: std::collections::BTreeMap<String, usize> = Default::default();
    for e in events {
        if let crate::trace::Event::Syscall(s) = e {
            let name = arch.syscall_name(s.regs.syscall_nr());
            if s.refused && crate::arch::cmds::refusal_is_routine(&name) {
                *refused.entry(name.to_string()).or_default() += 1;
            }
        }
    }
    refused
        .into_iter()
        .map(|(name, n)| {
            format!(
                "{name} refused {n} time{} (ENOSYS; the C library or the program falls back)",
                if n == 1 { "" } else { "s" }
            )
        })
        .collect()
}

/// Whether the trace's saved files are its own, for `rewind info`.
fn files_state(dir: &Path) -> String {
    let ids = match crate::trace::files::read_identities(dir) {
        Ok(Some(_)) => "identities recorded",
        Ok(None) => "no identities recorded (older trace)",
        Err(_) => "identities unreadable",
    };
    match crate::trace::files::shared_files(dir) {
        Ok((total, 0)) => format!("{total}, packed (private copies); {ids}"),
        Ok((total, shared)) => format!(
            "{total}, not packed: {shared} shared with the originals (hard links); \
             `rewind pack` makes private copies; {ids}"
        ),
        Err(e) => format!("cannot read files/ ({e})"),
    }
}

/// `rewind pack`: replace the files the trace shares with the originals
/// by private copies, one per distinct contents; a progress bar on a
/// terminal.
pub fn pack(dir: &Path) -> Result<i32, String> {
    open(dir)?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("packing {bar:30} {pos}/{len} files, {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let r = crate::trace::files::pack(dir, &mut |done, total, bytes| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(format!("{} copied", human(bytes)));
    });
    bar.finish_and_clear();
    let r = r?;
    if r.copied == 0 {
        println!(
            "{}: already packed ({} files, none shared with the originals)",
            dir.display(),
            r.files
        );
    } else {
        println!(
            "{}: copied {} of {} files ({} bytes, {}); the trace no longer shares files \
             with the originals",
            dir.display(),
            r.copied,
            r.files,
            r.bytes,
            human(r.bytes)
        );
    }
    if r.deduplicated > 0 {
        println!(
            "{} saved files had the same contents as another: kept once ({} saved)",
            r.deduplicated,
            human(r.dedup_bytes)
        );
    }
    if r.identities_added {
        println!("recorded the identities of the saved files (the trace had none)");
    }
    if let Ok(sz) = crate::trace::files::sizes(dir) {
        println!("size:         {}", size_line(&sz));
    }
    Ok(0)
}

/// A trace's size: its own bytes and those it shares with the originals.
fn size_line(s: &crate::trace::files::Sizes) -> String {
    let own = s.own + s.saved_private;
    if s.saved_linked == 0 {
        format!(
            "{} (events and header {}, saved files {})",
            human(own),
            human(s.own),
            human(s.saved_private)
        )
    } else {
        format!(
            "{} of its own (events and header {}, saved copies {}), and {} shared with \
             the originals (hard links; `rewind pack` copies them)",
            human(own),
            human(s.own),
            human(s.saved_private),
            human(s.saved_linked)
        )
    }
}
