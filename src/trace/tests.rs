use super::*;
use crate::arch::regs::Regs;
use crate::arch::x86_64::regs::Regs as X86Regs;
use crate::arch::Arch;

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rewind-trace-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn header() -> Header {
    Header {
        arch: Arch::X86_64,
        ticks: TickMode::Anchors,
        cpuid: vec![],
        argv: vec!["/bin/true".into()],
        env: vec!["A=b".into()],
        cwd: "/".into(),
        exe: SavedFile {
            original: "/bin/true".into(),
            saved: "exe".into(),
            size: 1,
        },
        interp: None,
        hostname: "h".into(),
        kernel: "k".into(),
        rewind_version: "0".into(),
        started: 0,
        cpu: Some(1),
        hwcaps: vec![(16, 0xbfebfbff), (26, 2)],
        cpuid_mode: Some(crate::arch::cpu::CpuidMode::Recorded),
        syscall_buffer: Some(true),
    }
}

fn syscall(i: u64) -> Event {
    let r = X86Regs {
        orig_rax: i,
        rip: 0x1000 + i,
        ..Default::default()
    };
    Event::Syscall(SyscallEvent {
        tid: 7,
        regs: Regs::X86_64(r),
        result: i,
        writes: vec![MemWrite {
            addr: 0x2000,
            data: vec![i as u8; (i % 50) as usize],
        }],
        map: None,
        refused: false,
        ticks: None,
    })
}

/// The process's end, which ends a whole trace.
fn exit() -> Event {
    Event::Exit {
        tid: 7,
        kind: ExitKind::Exited(0),
    }
}

/// A trace of `n` events: syscalls, then the process's end.
fn write_trace(dir: &std::path::Path, n: u64) {
    let mut w = TraceWriter::create(dir, &header()).expect("create");
    for i in 0..n {
        w.push(&if i + 1 == n { exit() } else { syscall(i) })
            .expect("push");
    }
}

#[test]
fn a_trace_without_the_end_of_its_program_is_unfinished() {
    let d = tmpdir("unfinished");
    let mut w = TraceWriter::create(&d, &header()).expect("create");
    for i in 0..40 {
        w.push(&syscall(i)).expect("push");
    }
    drop(w);
    let (events, end) = TraceReader::open(&d)
        .expect("open")
        .read_all()
        .expect("read");
    assert_eq!(events.len(), 40);
    assert_eq!(end, TraceEnd::Unfinished { events: 40 });
    assert!(!end.is_complete());
    assert!(
        end.describe().contains("after event 39"),
        "{}",
        end.describe()
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_cut_trace_says_why_and_where() {
    let d = tmpdir("cut");
    let mut w = TraceWriter::create(&d, &header()).expect("create");
    for i in 0..40 {
        w.push(&syscall(i)).expect("push");
    }
    w.flush().expect("flush");
    let cut = Cut {
        cause: CutCause::Signal(15),
        events: 40,
    };
    cut.write(&d).expect("write cut");
    drop(w);
    let (events, end) = TraceReader::open(&d)
        .expect("open")
        .read_all()
        .expect("read");
    assert_eq!(events.len(), 40);
    assert_eq!(end, TraceEnd::Cut { events: 40, cut });
    assert!(
        end.describe().contains("cut short by SIGTERM at event 40"),
        "{}",
        end.describe()
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn events_round_trip() {
    let d = tmpdir("roundtrip");
    write_trace(&d, 100);
    let r = TraceReader::open(&d).expect("open");
    assert_eq!(r.header(), &header());
    let (events, end) = r.read_all().expect("read");
    assert_eq!(end, TraceEnd::Complete);
    assert_eq!(events.len(), 100);
    assert_eq!(events[42], syscall(42));
    assert_eq!(events[99], exit());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn truncated_trace_reads_up_to_last_whole_frame() {
    let d = tmpdir("trunc");
    write_trace(&d, 100);
    let ev = d.join(EVENTS_FILE);
    let len = std::fs::metadata(&ev).expect("meta").len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&ev)
        .expect("open");
    f.set_len(len - 10).expect("truncate");
    let (events, end) = TraceReader::open(&d)
        .expect("open")
        .read_all()
        .expect("read");
    // 100 events in frames of 32: the last frame (4 events) is lost.
    assert_eq!(events.len(), 96);
    assert_eq!(events[95], syscall(95));
    match end {
        TraceEnd::Truncated { events, .. } => assert_eq!(events, 96),
        ref other => panic!("expected a truncated end, got {other:?}"),
    }
    assert!(end.describe().contains("cut short"), "{}", end.describe());
    let _ = std::fs::remove_dir_all(&d);
}

/// A trace of `n` events in directory `name` with one byte of its events
/// file flipped (the one `at` picks from the file's bytes), read back.
fn read_damaged(name: &str, n: u64, at: impl Fn(&[u8]) -> usize) -> (Vec<Event>, TraceEnd) {
    let d = tmpdir(name);
    write_trace(&d, n);
    let ev = d.join(EVENTS_FILE);
    let mut bytes = std::fs::read(&ev).expect("read");
    let i = at(&bytes);
    bytes[i] ^= 0xff;
    std::fs::write(&ev, &bytes).expect("write");
    let read = TraceReader::open(&d)
        .expect("open")
        .read_all()
        .expect("read");
    let _ = std::fs::remove_dir_all(&d);
    read
}

#[test]
fn damaged_frame_stops_the_stream() {
    let (events, end) = read_damaged("damaged", 64, |b| b.len() - 5);
    assert_eq!(events.len(), 32);
    assert!(end.describe().contains("checksum"), "{}", end.describe());
    // The damaged frame was the last: as if cut short.
    assert!(end.describe().contains("cut short"), "{}", end.describe());
}

#[test]
fn damage_with_whole_frames_after_it_is_called_corrupt() {
    // The second frame's magic.
    let (events, end) = read_damaged("corrupt", 100, |b| {
        16 + u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize
    });
    assert_eq!(events.len(), 32);
    assert!(end.describe().contains("corrupt"), "{}", end.describe());
    assert!(end.describe().contains("frame magic"), "{}", end.describe());
}

#[test]
fn garbage_and_other_versions_are_refused_clearly() {
    let d = tmpdir("garbage");
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join(HEADER_FILE), b"this is not a trace at all").expect("write");
    let e = TraceReader::open(&d).err().expect("must fail");
    assert!(e.to_string().contains("not a rewind trace"), "{e}");

    let n = tmpdir("newer");
    write_trace(&n, 1);
    let mut h = std::fs::read(n.join(HEADER_FILE)).expect("read");
    h[8] = 99;
    std::fs::write(n.join(HEADER_FILE), &h).expect("write");
    let e = TraceReader::open(&n).err().expect("must fail");
    assert!(e.to_string().contains("newer rewind"), "{e}");

    let e = TraceReader::open(&tmpdir("missing"))
        .err()
        .expect("must fail");
    assert!(e.to_string().contains("no such trace"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_dir_all(&n);
}

/// A header as the format `version` wrote it before it kept the CPU
/// identity (the same fields, in order, without the last three).
fn write_old_header(dir: &std::path::Path, version: u32) {
    let h = header();
    let body = postcard::to_stdvec(&(
        h.arch,
        h.ticks.clone(),
        vec![CpuidRecord {
            leaf: 1,
            subleaf: 0,
            eax: 0x506e3,
            ebx: 0x800,
            ecx: 0x7ffafbbf,
            edx: 0xbfebfbff,
        }],
        h.argv.clone(),
        h.env.clone(),
        h.cwd.clone(),
        h.exe.clone(),
        h.interp.clone(),
        h.hostname.clone(),
        h.kernel.clone(),
        h.rewind_version.clone(),
        h.started,
    ))
    .unwrap();
    let mut bytes = HEADER_MAGIC.to_vec();
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(HEADER_FILE), bytes).unwrap();
}

#[test]
fn headers_without_cpu_identity_still_read() {
    for version in [5, 6] {
        let d = tmpdir(&format!("old-header-{version}"));
        write_old_header(&d, version);
        let r = TraceReader::open(&d).unwrap_or_else(|e| panic!("format {version}: {e}"));
        let h = r.header();
        assert_eq!(h.argv, header().argv);
        assert_eq!(h.cpuid.len(), 1);
        assert_eq!(h.cpu, None);
        assert!(h.hwcaps.is_empty());
        assert_eq!(h.cpuid_mode, None);
        let _ = std::fs::remove_dir_all(&d);
    }
}

#[test]
fn the_cpu_identity_round_trips() {
    let d = tmpdir("cpu-identity");
    drop(TraceWriter::create(&d, &header()).unwrap());
    let r = TraceReader::open(&d).unwrap();
    assert_eq!(r.header(), &header());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_syscall_buffer_mode_round_trips_and_older_headers_have_none() {
    for mode in [Some(true), Some(false), None] {
        let d = tmpdir(&format!("sbuf-mode-{mode:?}"));
        let h = Header {
            syscall_buffer: mode,
            ..header()
        };
        drop(TraceWriter::create(&d, &h).unwrap());
        let r = TraceReader::open(&d).unwrap();
        assert_eq!(r.header().syscall_buffer, mode);
        assert_eq!(r.header().cpu, header().cpu);
        let _ = std::fs::remove_dir_all(&d);
    }
}
