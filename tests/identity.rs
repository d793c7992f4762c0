//! A replay reproduces the recording or refuses up front: the CPU it runs
//! on (CPUID answers differ between cores), the CPU's features, and the
//! files the trace saved (a hard link to a program rebuilt in place after
//! recording), and `rewind pack`, which makes a trace self-contained.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use common::*;

/// CPUs this process may run on.
fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn is_x86_64() -> bool {
    std::env::consts::ARCH == "x86_64"
}

/// `rewind info` of a trace.
fn info(dir: &TestDir, trace: &Path) -> Output {
    let mut cmd = dir.rewind();
    cmd.arg("info").arg(trace);
    let out = run(cmd, None);
    out.assert_code(0);
    out
}

/// Whether this machine can make CPUID fault, as `rewind info` reports it.
fn cpuid_faulting_here(dir: &TestDir, trace: &Path) -> bool {
    info(dir, trace)
        .stdout_str()
        .contains("this machine: CPUID faulting available")
}

fn replay_with(dir: &TestDir, trace: &Path, extra: &[&str]) -> Output {
    let mut cmd = dir.rewind();
    cmd.arg("replay").arg("-a").args(extra).arg(trace);
    let out = run(cmd, None);
    out.assert_no_panic();
    out
}

/// Change a trace's header through the trace library.
fn edit_header(trace: &Path, edit: impl FnOnce(&mut rewind::trace::Header)) {
    let reader = rewind::trace::TraceReader::open(trace).expect("open the trace");
    let mut h = reader.header().clone();
    edit(&mut h);
    rewind::trace::rewrite_header(trace, &h).expect("rewrite the header");
}

/// The APIC ids a cpu_apic run printed.
fn apic_lines(out: &Output) -> Vec<String> {
    out.stdout_str()
        .lines()
        .filter(|l| l.contains("apic id"))
        .map(String::from)
        .collect()
}

/// Recorded on CPU 0 and on CPU 1 with CPUID running natively, each trace
/// replays its own core's APIC id, every time: the replay is bound to the
/// recorded CPU.
#[test]
fn apic_id_replays_on_the_recorded_cpu() {
    let test = "apic_id_replays_on_the_recorded_cpu";
    if !is_x86_64() {
        return skip(test, "CPUID is an x86_64 instruction");
    }
    if cpu_count() < 2 {
        return skip(test, "this machine has one CPU");
    }
    let dir = TestDir::with_env(test, &[("REWIND_NO_CPUID_FAULTING", "1")]);
    let prog = c_program("cpu_apic");
    let mut recorded = Vec::new();
    for cpu in ["0", "1"] {
        let trace = dir.join(format!("cpu{cpu}"));
        let rec = record_with(&dir, &trace, &["--cpu", cpu], &prog, &[], None);
        rec.assert_code(0);
        let i = info(&dir, &trace).stdout_str();
        assert!(i.contains(&format!("cpu:          {cpu} ")), "{i}");
        assert!(i.contains("ran natively"), "{i}");
        // rewind starts wherever the scheduler puts it; each replay must
        // bind itself and the program to the recorded CPU.
        for _ in 0..3 {
            assert_replay_faithful(&rec, &replay(&dir, &trace));
        }
        recorded.push(apic_lines(&rec));
    }
    assert_ne!(
        recorded[0], recorded[1],
        "CPU 0 and CPU 1 report the same APIC id: the test cannot tell them apart"
    );
}

/// A trace recorded on CPU 0 replayed with `--cpu 1` (CPUID natively):
/// the user is warned that CPU-dependent output may differ, and where it
/// does the replay stops at the first write that differs.
#[test]
fn cpu_override_warns_and_runs_there() {
    let test = "cpu_override_warns_and_runs_there";
    if !is_x86_64() {
        return skip(test, "CPUID is an x86_64 instruction");
    }
    if cpu_count() < 2 {
        return skip(test, "this machine has one CPU");
    }
    let dir = TestDir::with_env(test, &[("REWIND_NO_CPUID_FAULTING", "1")]);
    let prog = c_program("cpu_apic");
    let trace = dir.join("t");
    let rec = record_with(&dir, &trace, &["--cpu", "0"], &prog, &[], None);
    rec.assert_code(0);
    let rep = replay_with(&dir, &trace, &["--cpu", "1"]);
    assert!(
        rep.stderr_str().contains("replaying on CPU 1")
            && rep.stderr_str().contains("recorded on CPU 0")
            && rep.stderr_str().contains("may differ"),
        "no warning about the other CPU:\n{}",
        rep.describe()
    );
    // The program printed another APIC id there: the replay checks the
    // bytes of every write, so it stops at that write rather than show
    // other output.
    assert_eq!(rep.code(), Some(3), "{}", rep.describe());
    assert!(
        rep.stderr_str().contains("diverged") && rep.stderr_str().contains("write(1"),
        "{}",
        rep.describe()
    );
    assert!(apic_lines(&rep).is_empty(), "{}", rep.describe());
}

/// Where the kernel can make CPUID fault, the program's CPUID answers are
/// recorded: a trace made on CPU 0 replays CPU 0's APIC id on CPU 1.
#[test]
fn recorded_cpuid_answers_replay_on_any_cpu() {
    let test = "recorded_cpuid_answers_replay_on_any_cpu";
    if !is_x86_64() {
        return skip(test, "CPUID is an x86_64 instruction");
    }
    if cpu_count() < 2 {
        return skip(test, "this machine has one CPU");
    }
    let dir = TestDir::new(test);
    let prog = c_program("cpu_apic");
    let trace = dir.join("t");
    let rec = record_with(&dir, &trace, &["--cpu", "0"], &prog, &[], None);
    rec.assert_code(0);
    if !cpuid_faulting_here(&dir, &trace) {
        return notice(&format!(
            "SKIPPED {test}: this machine cannot make CPUID fault (ENODEV)"
        ));
    }
    let i = info(&dir, &trace).stdout_str();
    assert!(i.contains("CPUID trapped"), "{i}");
    let dump = {
        let mut cmd = dir.rewind();
        cmd.arg("dump").arg(&trace);
        run(cmd, None).stdout_str()
    };
    assert!(
        dump.contains("time counter at"),
        "no trapped CPUID in the trace"
    );
    let rep = replay_with(&dir, &trace, &["--cpu", "1"]);
    assert_replay_faithful(&rec, &rep);
    assert!(
        !rep.stderr_str().contains("may differ"),
        "warned although the answers come from the trace:\n{}",
        rep.describe()
    );
}

/// A trace recorded on a CPU this machine does not have is refused up
/// front, naming the CPU and `--cpu`; `--cpu 0` replays it.
#[test]
fn a_missing_cpu_is_refused_up_front() {
    let dir = TestDir::new("a_missing_cpu_is_refused_up_front");
    let prog = c_program("hello");
    let trace = dir.join("t");
    let rec = record_with(&dir, &trace, &["--cpu", "0"], &prog, &[], None);
    rec.assert_code(0);
    let absent = cpu_count() + 5;
    edit_header(&trace, |h| h.cpu = Some(absent as u32));
    let rep = replay(&dir, &trace);
    assert_ne!(rep.code(), Some(0), "{}", rep.describe());
    let err = rep.stderr_str();
    assert!(
        err.contains(&format!("recorded on CPU {absent}")) && err.contains("--cpu N"),
        "{}",
        rep.describe()
    );
    assert!(rep.stdout.is_empty(), "the program ran: {}", rep.describe());
    let rep = replay_with(&dir, &trace, &["--cpu", "0"]);
    assert_replay_faithful(&rec, &rep);
    // And record refuses a CPU that does not exist.
    let bad = record_with(
        &dir,
        &dir.join("t2"),
        &["--cpu", &absent.to_string()],
        &prog,
        &[],
        None,
    );
    assert_ne!(bad.code(), Some(0));
    assert!(
        bad.stderr_str().contains(&format!("--cpu {absent}")),
        "{}",
        bad.describe()
    );
}

/// Sets a feature bit the recording machine lacked in a recorded word.
/// Returns the bit's name, or None when every listed bit is set.
fn add_missing_feature(
    words: &mut [u64],
    word: usize,
    candidates: &[(u8, &'static str)],
) -> Option<&'static str> {
    let (bit, name) = candidates
        .iter()
        .find(|(b, _)| words[word] & (1u64 << b) == 0)?;
    words[word] |= 1u64 << bit;
    Some(name)
}

/// A trace whose recorded CPU features this machine lacks is refused up
/// front, naming the features, `--cpu` and `--ignore-cpu-mismatch`, with
/// a non-zero status; `--ignore-cpu-mismatch` goes on with a warning.
#[test]
fn other_cpu_features_are_refused_up_front() {
    let dir = TestDir::new("other_cpu_features_are_refused_up_front");
    let prog = c_program("hello");
    let trace = dir.join("t");
    let rec = record(&dir, &trace, &prog, &[]);
    rec.assert_code(0);
    let pristine = std::fs::read(trace.join("header")).expect("read header");

    // CPUID leaf 7's EBX (x86_64).
    if is_x86_64() {
        let mut name = None;
        edit_header(&trace, |h| {
            let leaf7 = h
                .cpuid
                .iter_mut()
                .find(|c| c.leaf == 7 && c.subleaf == 0)
                .expect("leaf 7 recorded");
            let mut w = [leaf7.ebx as u64];
            name = add_missing_feature(
                &mut w,
                0,
                &[
                    (16, "avx512f"),
                    (17, "avx512dq"),
                    (30, "avx512bw"),
                    (29, "sha"),
                    (5, "avx2"),
                ],
            );
            leaf7.ebx = w[0] as u32;
        });
        let name = name.expect("a feature this machine lacks");
        let rep = replay(&dir, &trace);
        assert_ne!(rep.code(), Some(0), "{}", rep.describe());
        let err = rep.stderr_str();
        for needle in [
            name,
            "CPUID.(EAX=7,ECX=0):EBX",
            "missing here",
            "--cpu",
            "--ignore-cpu-mismatch",
        ] {
            assert!(
                err.contains(needle),
                "no {needle:?} in:\n{}",
                rep.describe()
            );
        }
        assert!(rep.stdout.is_empty(), "the program ran: {}", rep.describe());
        std::fs::write(trace.join("header"), &pristine).expect("restore header");
    }

    // AT_HWCAP2 (every architecture).
    let mut name = None;
    edit_header(&trace, |h| {
        let i = h
            .hwcaps
            .iter()
            .position(|(k, _)| *k == 26)
            .expect("AT_HWCAP2 recorded");
        let mut w = [h.hwcaps[i].1];
        // x86_64 names bits 0-1 of AT_HWCAP2, aarch64 0-18: bit 0 or 1 is
        // clear somewhere, else one of the higher aarch64 ones.
        name = add_missing_feature(
            &mut w,
            0,
            if is_x86_64() {
                &[(0, "ring3mwait"), (1, "fsgsbase")]
            } else {
                &[(1, "sve2"), (18, "mte"), (16, "rng"), (13, "i8mm")]
            },
        );
        h.hwcaps[i].1 = w[0];
    });
    match name {
        Some(name) => {
            let rep = replay(&dir, &trace);
            assert_ne!(rep.code(), Some(0), "{}", rep.describe());
            let err = rep.stderr_str();
            assert!(
                err.contains("AT_HWCAP2") && err.contains(name) && err.contains("--cpu"),
                "{}",
                rep.describe()
            );
            let rep = replay_with(&dir, &trace, &["--ignore-cpu-mismatch"]);
            assert_replay_faithful(&rec, &rep);
            assert!(
                rep.stderr_str().contains("going on anyway"),
                "{}",
                rep.describe()
            );
        }
        None => notice("every named AT_HWCAP2 bit is set here; that check was skipped"),
    }
}

/// Build tests/programs/identity_build.c with BUILD=`n` into `out`.
fn build(n: u32, out: &Path) {
    let src = Path::new(ROOT).join("tests/programs/identity_build.c");
    let r = Command::new("gcc")
        .arg(format!("-DBUILD={n}"))
        .arg("-O0")
        .arg("-g")
        .arg("-o")
        .arg(out)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(
        r.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&r.stderr)
    );
}

fn pack(dir: &TestDir, trace: &Path) -> Output {
    let mut cmd = dir.rewind();
    cmd.arg("pack").arg(trace);
    let out = run(cmd, None);
    out.assert_no_panic();
    out
}

/// The recorded program rebuilt in place after recording (`cp` over it:
/// same path, same inode): the trace's hard link sees the new code, and
/// the replay refuses up front naming the file and `rewind pack`. A trace
/// packed before the change replays the recorded build, even after the
/// original changes again; packing again copies nothing.
#[test]
fn a_program_rebuilt_in_place_is_refused_and_pack_protects() {
    let dir = TestDir::new("a_program_rebuilt_in_place_is_refused_and_pack_protects");
    let (one, two, prog) = (dir.join("build1"), dir.join("build2"), dir.join("prog"));
    build(1, &one);
    build(2, &two);
    std::fs::copy(&one, &prog).expect("install build 1");
    let ino = std::fs::metadata(&prog).expect("stat").ino();

    let (linked, packed) = (dir.join("linked"), dir.join("packed"));
    let rec = record(&dir, &linked, &prog, &[]);
    rec.assert_code(0);
    assert_eq!(rec.stdout_str(), "this is build 1\n");
    let rec2 = record(&dir, &packed, &prog, &[]);
    rec2.assert_code(0);
    let saved = linked.join("files/000-prog");
    assert!(
        std::fs::metadata(&saved).expect("saved program").nlink() > 1,
        "the trace did not hard-link the program (another file system?): nothing to test"
    );
    let i = info(&dir, &linked).stdout_str();
    assert!(i.contains("not packed"), "{i}");

    let p = pack(&dir, &packed);
    p.assert_code(0);
    assert!(
        p.stdout_str().contains("copied") && p.stdout_str().contains("bytes"),
        "{}",
        p.describe()
    );
    let i = info(&dir, &packed).stdout_str();
    assert!(i.contains("packed (private copies)"), "{i}");
    let again = pack(&dir, &packed);
    again.assert_code(0);
    assert!(
        again.stdout_str().contains("already packed"),
        "{}",
        again.describe()
    );

    // `cp` truncates and rewrites the same inode.
    let st = Command::new("cp")
        .arg(&two)
        .arg(&prog)
        .status()
        .expect("cp");
    assert!(st.success());
    assert_eq!(std::fs::metadata(&prog).expect("stat").ino(), ino);
    assert_eq!(
        std::fs::metadata(&one).unwrap().len(),
        std::fs::metadata(&two).unwrap().len(),
        "the builds differ in size: only the size check would be exercised"
    );

    let rep = replay(&dir, &linked);
    assert_ne!(rep.code(), Some(0), "{}", rep.describe());
    let err = rep.stderr_str();
    for needle in [
        prog.to_str().unwrap(),
        "changed since it was recorded",
        "rewind pack",
    ] {
        assert!(
            err.contains(needle),
            "no {needle:?} in:\n{}",
            rep.describe()
        );
    }
    assert!(
        !rep.stdout_str().contains("build 2"),
        "the new build ran: {}",
        rep.describe()
    );
    // Packing a trace whose copy already changed cannot repair it.
    let p = pack(&dir, &linked);
    assert_ne!(p.code(), Some(0), "{}", p.describe());
    assert!(p.stderr_str().contains("record again"), "{}", p.describe());

    let rep = replay(&dir, &packed);
    assert_replay_faithful(&rec2, &rep);
    // Debugged with no program file: gdb gets the recorded build from the
    // trace, with its source lines, and the run ends with its status.
    if have_gdb("a_program_rebuilt_in_place_is_refused_and_pack_protects") {
        let run = run_gdb(&dir, &packed, None, "identity_main.gdb");
        let line = |n: usize| format!("identity_build.c:{n}");
        run.assert_in_order(&[
            "Breakpoint 1, main () at ",
            &line(14),
            "\n15\t",
            "the program exited with status 0",
        ]);
    }
    // The original changes once more.
    std::fs::write(&prog, b"#!/bin/sh\necho not a build\n").expect("overwrite");
    let rep = replay(&dir, &packed);
    assert_replay_faithful(&rec2, &rep);
}

/// `rewind pack` keeps one copy per distinct contents: a program run
/// under two names (a copy of it) is saved twice and packed as one file
/// with two names; packing again copies nothing. `rewind info` and `ls`
/// give the trace's own bytes apart from those shared with the originals.
/// The packed trace replays after its originals are deleted and from
/// another directory.
#[test]
fn pack_keeps_one_copy_per_contents_and_the_trace_moves() {
    let dir = TestDir::new("pack_keeps_one_copy_per_contents_and_the_trace_moves");
    let (prog, copy) = (dir.join("prog"), dir.join("prog-copy"));
    build(1, &prog);
    std::fs::copy(&prog, &copy).expect("copy the program");
    let trace = dir.join("trace");
    let script = format!("{} && {}", prog.display(), copy.display());
    let rec = record(&dir, &trace, Path::new("/bin/sh"), &["-c", &script]);
    rec.assert_code(0);
    assert_eq!(rec.stdout_str(), "this is build 1\nthis is build 1\n");
    let linked_saved = |trace: &Path| -> Vec<std::fs::Metadata> {
        std::fs::read_dir(trace.join("files"))
            .expect("read files/")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("prog"))
            .map(|e| e.metadata().expect("stat a saved file"))
            .collect()
    };
    let before = linked_saved(&trace);
    assert_eq!(before.len(), 2, "both names of the program are saved");
    assert_ne!(before[0].ino(), before[1].ino());
    let i = info(&dir, &trace).stdout_str();
    assert!(i.contains("shared with the originals (hard links;"), "{i}");

    let p = pack(&dir, &trace);
    p.assert_code(0);
    let out = p.stdout_str();
    assert!(
        out.contains("had the same contents as another: kept once"),
        "{}",
        p.describe()
    );
    let after = linked_saved(&trace);
    assert_eq!(after.len(), 2, "both names are kept");
    assert_eq!(after[0].ino(), after[1].ino(), "one copy for both names");
    let again = pack(&dir, &trace);
    again.assert_code(0);
    assert!(
        again.stdout_str().contains("already packed"),
        "{}",
        again.describe()
    );
    let i = info(&dir, &trace).stdout_str();
    assert!(i.contains("packed (private copies)"), "{i}");
    assert!(!i.contains("shared with the originals (hard links;"), "{i}");
    let mut ls = dir.rewind();
    ls.env("REWIND_TRACE_DIR", dir.path()).arg("ls");
    let listed = run(ls, None);
    listed.assert_code(0);
    let line = listed
        .stdout_str()
        .lines()
        .find(|l| l.starts_with("trace\t"))
        .map(str::to_string);
    assert!(
        line.as_deref()
            .is_some_and(|l| !l.contains("linked") && l.contains("/bin/sh")),
        "{}",
        listed.describe()
    );

    std::fs::remove_file(&prog).expect("delete the program");
    std::fs::remove_file(&copy).expect("delete its copy");
    let moved = dir.join("elsewhere/trace");
    std::fs::create_dir_all(dir.join("elsewhere")).expect("mkdir");
    std::fs::rename(&trace, &moved).expect("move the trace");
    let rep = replay(&dir, &moved);
    assert_replay_faithful(&rec, &rep);
}

/// RDRAND gives another number at replay, and rewind cannot trap it. With
/// CPUID faulting, the recorded program is told it has no RDRAND, RDSEED,
/// RTM or HLE, so a program that checks (as it must) takes its other path
/// and replays the same. Without CPUID faulting the program sees the real
/// features; one that then uses RDRAND makes the replay stop at the first
/// output that differs, loudly.
#[test]
fn rdrand_is_hidden_from_recorded_programs() {
    let test = "rdrand_is_hidden_from_recorded_programs";
    if !is_x86_64() {
        return skip(test, "RDRAND is an x86_64 instruction");
    }
    let dir = TestDir::new(test);
    let prog = c_program("rdrand_probe");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &prog, &[]);
    rec.assert_code(0);
    if !cpuid_faulting_here(&dir, &trace) {
        return skip(test, "this machine has no CPUID faulting");
    }
    assert!(
        rec.stdout_str()
            .starts_with("rdrand 0 rdseed 0 rtm 0 hle 0\nfrom getrandom: "),
        "{}",
        rec.describe()
    );
    assert_replay_faithful(&rec, &replay(&dir, &trace));

    let native = run(Command::new(&prog), None);
    if !native.stdout_str().starts_with("rdrand 1") {
        return;
    }
    let plain = TestDir::with_env(
        &format!("{test}-no-faulting"),
        &[("REWIND_NO_CPUID_FAULTING", "1")],
    );
    let trace = plain.join("trace");
    let rec = record(&plain, &trace, &prog, &[]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str().contains("from rdrand: "),
        "{}",
        rec.describe()
    );
    let rep = replay(&plain, &trace);
    assert_eq!(rep.code(), Some(3), "{}", rep.describe());
    assert!(rep.stderr_str().contains("diverged"), "{}", rep.describe());
}
