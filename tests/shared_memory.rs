//! Memory shared between processes replays with the same sharing: an
//! anonymous MAP_SHARED mapping over fork, a POSIX shared memory object
//! and a regular file each process maps on its own, a memfd, a System V
//! segment (and System V message queues and semaphores); Python's multiprocessing (semaphores in shared memory, a
//! queue) on top of them; and going back in time over shared memory
//! shows the contents of that time.

mod common;

use common::*;

#[test]
fn every_kind_of_shared_memory_replays_with_its_sharing() {
    let dir = TestDir::new("shm-share");
    let rec = record_replay_program(&dir, "shm_share", &[], 0);
    // What the parent read is what the child wrote, each way.
    for kind in ["anonymous", "shm_open", "memfd", "file", "sysv"] {
        let want = format!("{kind}: counter 499500, text 'written by the child of {kind}'");
        assert!(
            rec.stdout_str().lines().any(|l| l == want),
            "missing {want:?}\n{}",
            rec.describe()
        );
        let after = format!("{kind}: counter after 499501");
        assert!(rec.stdout_str().contains(&after), "{}", rec.describe());
    }
}

#[test]
fn python_multiprocessing_pool_and_queue_replay() {
    let Some(python) = real_binary("python3") else {
        skip(
            "python_multiprocessing_pool_and_queue_replay",
            "python3 is not installed",
        );
        return;
    };
    let dir = TestDir::new("shm-python");
    let script = dir.join("pool.py");
    std::fs::write(
        &script,
        "import multiprocessing as mp\n\
         def sq(x): return x * x\n\
         def prod(q):\n    for i in range(100): q.put(i)\n\
         if __name__ == '__main__':\n\
         \x20   with mp.Pool(4) as p:\n\
         \x20       print('pool', sum(p.map(sq, range(1000))))\n\
         \x20   q = mp.Queue()\n\
         \x20   w = mp.Process(target=prod, args=(q,))\n\
         \x20   w.start()\n\
         \x20   print('queue', sum(q.get() for _ in range(100)))\n\
         \x20   w.join()\n",
    )
    .unwrap();
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &python, &[script.to_str().unwrap()]);
    rec.assert_code(0);
    assert_eq!(
        rec.stdout_str(),
        "pool 332833500\nqueue 4950\n",
        "{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

#[test]
fn a_checkpoint_keeps_the_shared_memory_of_its_time() {
    if !have_gdb("a_checkpoint_keeps_the_shared_memory_of_its_time") {
        return;
    }
    let dir = TestDir::new("shm-rewind");
    let (trace, rec) = record_program(&dir, "shm_rewind", &[]);
    rec.assert_code(0);
    assert_eq!(rec.stdout_str(), "final 100 after 10 rounds\n");
    let exe = c_program("shm_rewind");
    let run = run_gdb_scripts(
        &dir,
        &trace,
        Some(&exe),
        &["reverse_markers.gdb", "shm_rewind.gdb"],
    );
    // At the checkpoint (round 4), at the end, back at the checkpoint:
    // round 4's value and 3 rounds counted, then on to the end again, then
    // the last write found backwards (round 10: 81 before it, 100 after).
    run.assert_in_order(&[
        "$1 = 16\n",
        "$2 = 100\n",
        "MARK-restarted",
        "$3 = 4\n",
        "$4 = 16\n",
        "$5 = 3\n",
        "$6 = 100\n",
        "Old value = 100",
        "New value = 81",
        "$7 = 10\n",
        "$8 = 81\n",
    ]);
}

#[test]
fn sqlite_in_wal_mode_with_three_writing_processes_replays() {
    let Some(sqlite) = real_binary("sqlite3") else {
        skip(
            "sqlite_in_wal_mode_with_three_writing_processes_replays",
            "sqlite3 is not installed",
        );
        return;
    };
    let dir = TestDir::new("shm-sqlite-wal");
    // The first session makes the WAL index (db-shm) and deletes it when
    // it closes; the three writers make it again (often with the same
    // inode number) and share it through their mappings and locks.
    let script = dir.join("wal.sh");
    std::fs::write(
        &script,
        format!(
            "set -e\n\
             S={sqlite}\n\
             $S db.sqlite 'PRAGMA journal_mode=WAL; CREATE TABLE t(a INTEGER, who TEXT);' >/dev/null\n\
             w() {{ for i in $(seq 1 20); do echo \"INSERT INTO t VALUES($i, '$1');\"; done | $S -cmd '.timeout 5000' db.sqlite; }}\n\
             w one & w two & w three\n\
             wait\n\
             $S db.sqlite 'SELECT who, count(*), sum(a) FROM t GROUP BY who ORDER BY who;'\n",
            sqlite = sqlite.display()
        ),
    )
    .unwrap();
    let work = dir.subdir("work");
    let trace = dir.join("trace");
    let mut cmd = dir.rewind();
    cmd.current_dir(&work)
        .arg("record")
        .arg("-o")
        .arg(&trace)
        .arg("bash")
        .arg(&script);
    let rec = run(cmd, None);
    rec.assert_code(0);
    assert_eq!(
        rec.stdout_str(),
        "one|20|210\nthree|20|210\ntwo|20|210\n",
        "{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

/// Waits on another process: a named FIFO's open and reads, blocking
/// record locks (POSIX and open file description), flock, and a pidfd
/// polled, signalled through and waited on. Each wait is left in the
/// kernel while the other process runs (the recording used to hang at the
/// FIFO's open), and the replay meets the same outcomes.
#[test]
fn fifos_locks_and_pidfds_between_processes_replay() {
    let dir = TestDir::new("ipc-waits");
    let scratch = dir.subdir("scratch");
    let rec = record_replay_program(&dir, "ipc_waits", &[scratch.to_str().unwrap()], 0);
    let out = rec.stdout_str();
    for line in [
        "fifo: read 35 bytes: line 0",
        "posix lock: held by another: yes",
        "posix lock: got the lock after the child wrote 'child'",
        "ofd lock: got the lock after the child wrote 'child'",
        "flock: got the lock after the child wrote 'flock'",
        "pidfd: ready before the signal: 0",
        "pidfd: ready after the signal: 1 (revents 0x1)",
        "pidfd: child matches, code 2, status 15",
        "done",
    ] {
        assert!(out.contains(line), "missing {line:?}\n{}", rec.describe());
    }
}

/// System V message queues and semaphores between two processes: the
/// child blocks in semop until the parent raises the semaphore, the parent
/// blocks in msgrcv until the child sends; messages come by type, one
/// fills the receiver's buffer exactly; GETALL, GETVAL, IPC_STAT and
/// IPC_INFO read back. The replay prints the same (the values come from
/// the clock at record time, and GETALL's array and the received texts are
/// only there if their writes were recorded).
#[test]
fn sysv_message_queues_and_semaphores_replay() {
    let dir = TestDir::new("sysv-ipc");
    let rec = record_replay_program(&dir, "sysv_ipc", &[], 0);
    let out = rec.stdout_str();
    for line in [
        "received type 3, 25 bytes: message 3 stamp ",
        "received type 1, 25 bytes: message 1 stamp ",
        "received type 2, 25 bytes: message 2 stamp ",
        "received type 4, 16 bytes: xxxxxxxxxxxxxxxx",
        "received type 9, ",
        "semaphores: 0 0 7, GETVAL 2: 7",
        "set has 3 semaphores",
        "queue has 0 messages, last sender is the child: 1",
        "IPC_INFO: 1, msgmnb ",
        "child exited 0",
    ] {
        assert!(out.contains(line), "missing {line:?}\n{}", rec.describe());
    }
}

/// Unusual memory replays: mremap (grow, shrink, move), msync, madvise
/// DONTNEED and FREE, mprotect of part of a mapping, MAP_FIXED_NOREPLACE,
/// MAP_GROWSDOWN, a huge-page region, a sparse 64 GiB mapping; and memory
/// written through the kernel: /proc/self/mem, process_vm_readv and
/// process_vm_writev into a child, whose writes the replay puts in place
/// at the same point.
#[test]
fn unusual_memory_and_writes_through_the_kernel_replay() {
    let dir = TestDir::new("mem-kinds");
    let rec = record_replay_program(&dir, "mem_kinds", &[], 0);
    let out = rec.stdout_str();
    for line in [
        "mremap: 'first page', moved where asked",
        "madvise: after DONTNEED 0, untouched page q",
        "MAP_FIXED_NOREPLACE on a taken page: File exists",
        "sparse 64 GiB: abc",
        "/proc/self/mem after write: 'WRITTENrough /proc/self/mem'",
        "process_vm_readv: 64 'the child's own words'",
        "process_vm_writev: 16",
        "child: now 'from the parent'",
        "done",
    ] {
        assert!(out.contains(line), "missing {line:?}\n{}", rec.describe());
    }
}

/// The vDSO: a program that finds it through its auxv, checksums its
/// bytes and lists its symbols prints the same at replay (rewind replaced
/// its time functions with syscalls when recorded; the replay writes the
/// same bytes over its own kernel's vDSO).
#[test]
fn the_vdso_reads_the_same_at_replay() {
    let dir = TestDir::new("vdso");
    let rec = record_replay_program(&dir, "mem_kinds", &[], 0);
    let line = line_after(&rec, "vdso: ");
    assert!(
        line.contains("checksum") && !line.starts_with("none"),
        "the recorded program sees a vDSO: {line:?}\n{}",
        rec.describe()
    );
}
