//! Multi-threaded programs: record, replay with `rewind replay -a`, compare.
//!
//! Each program in tests/programs/threads_*.c prints values that depend on
//! how its threads were interleaved (the order they finished in, which
//! consumer took which item, how many times a loop spun before another
//! thread's store landed), alongside values a correct program always prints
//! (totals, join values, thread-local values). For each program:
//!
//! - the recording exits 0 and prints what a correct program prints: the
//!   recorder must not break the program's synchronisation;
//! - `rewind replay -a` exits 0 having written exactly the recorded stdout:
//!   the replay reproduced the recorded interleaving, not merely a valid one.
//!
//! Some programs are replayed many times from one recording, since a replay
//! that is only sometimes faithful is not faithful.

mod common;

use common::*;

// ---------------------------------------------------------------------------
// Reading the recorded output
// ---------------------------------------------------------------------------

/// Panics unless the recording printed exactly `line` as one of its lines.
fn assert_line(rec: &Output, line: &str) {
    assert!(
        rec.stdout_str().lines().any(|l| l == line),
        "the recording did not print the line {line:?}\n{}",
        rec.describe()
    );
}

/// `text` without `suffix`; panics (naming `what`) if it does not end so.
fn strip_suffix<'a>(rec: &Output, text: &'a str, suffix: &str, what: &str) -> &'a str {
    text.strip_suffix(suffix).unwrap_or_else(|| {
        panic!(
            "{what}: expected {text:?} to end with {suffix:?}\n{}",
            rec.describe()
        )
    })
}

/// `text` split at the first `sep`; panics (naming `what`) if it has none.
fn split<'a>(rec: &Output, text: &'a str, sep: &str, what: &str) -> (&'a str, &'a str) {
    text.split_once(sep)
        .unwrap_or_else(|| panic!("{what}: expected {sep:?} in {text:?}\n{}", rec.describe()))
}

/// A decimal number; panics (naming `what`) if `text` is not one.
fn number(rec: &Output, text: &str, what: &str) -> u64 {
    text.trim().parse().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot read {text:?} as a number: {e}\n{}",
            rec.describe()
        )
    })
}

/// Whitespace-separated decimal numbers.
fn numbers(rec: &Output, text: &str, what: &str) -> Vec<u64> {
    text.split_whitespace()
        .map(|w| number(rec, w, what))
        .collect()
}

/// Panics unless `values` holds each of 0..n exactly once.
fn assert_permutation(rec: &Output, values: &[u64], n: u64, what: &str) {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..n).collect::<Vec<u64>>(),
        "{what}: expected each of 0..{n} exactly once, got {values:?}\n{}",
        rec.describe()
    );
}

// ---------------------------------------------------------------------------
// What each program prints when it ran correctly
// ---------------------------------------------------------------------------

/// `threads_basic`: 4 workers, joined; finish order, checksums, tids.
fn check_basic(rec: &Output) {
    let order = numbers(rec, &line_after(rec, "finish order:"), "finish order");
    assert_permutation(rec, &order, 4, "finish order");
    for line in [
        "thread 0 returned 0x749f66d9",
        "thread 1 returned 0xe2f0fab2",
        "thread 2 returned 0x51428e8b",
        "thread 3 returned 0xbf942264",
        "tids distinct: yes",
        "tids differ from main: yes",
        "finish order is a permutation: yes",
    ] {
        assert_line(rec, line);
    }
}

/// `threads_mutex`: 100000 items through an 8-slot queue, none lost or
/// duplicated, shared between the two consumers.
fn check_mutex(rec: &Output) {
    for line in [
        "consumed 100000 items",
        "sum 5000050000 expected 5000050000",
        "per-producer order kept: yes",
    ] {
        assert_line(rec, line);
    }
    let per_consumer: Vec<u64> = (0..2)
        .map(|i| {
            let what = format!("consumer {i}'s count");
            let text = line_after(rec, &format!("consumer {i} got "));
            number(rec, strip_suffix(rec, &text, " items", &what), &what)
        })
        .collect();
    assert_eq!(
        per_consumer.iter().sum::<u64>(),
        100_000,
        "the consumers' counts {per_consumer:?} must add up to 100000\n{}",
        rec.describe()
    );
    let fingerprint = line_after(rec, "fingerprint 0x");
    assert!(
        fingerprint.len() == 16 && fingerprint.chars().all(|c| c.is_ascii_hexdigit()),
        "expected a 64-bit hexadecimal fingerprint, got {fingerprint:?}\n{}",
        rec.describe()
    );
    number(rec, &line_after(rec, "switches "), "switches");
}

/// `threads_many`: 16 threads, 3 barrier rounds, everyone arrives once a round.
fn check_many(rec: &Output) {
    for round in 0..3 {
        let what = format!("round {round} arrivals");
        let arrivals = numbers(rec, &line_after(rec, &format!("{what}:")), &what);
        assert_permutation(rec, &arrivals, 16, &what);
    }
    for line in [
        "serial thread per round: 1 1 1",
        "every round complete: yes",
        "checksum 0x92288397",
    ] {
        assert_line(rec, line);
    }
}

/// `threads_spin`: the spinner saw the flag; 2 x 200000 atomic increments.
fn check_spin(rec: &Output) {
    for line in [
        "spinner saw the flag",
        "B computed 0x5b7ef8e4",
        "counter 400000",
        "largest last value 399999",
        "done",
    ] {
        assert_line(rec, line);
    }
    for i in 0..2 {
        let what = format!("adder {i}");
        let text = line_after(rec, &format!("adder {i} last saw "));
        let (last, interleaved) = split(rec, &text, ", interleaved ", &what);
        let last = number(rec, last, &what);
        number(rec, interleaved, &what);
        // Each adder made 200000 increments, so its last one saw at least
        // 199999 (and at most the final value less one).
        assert!(
            (199_999..400_000).contains(&last),
            "{what}'s last increment saw {last}, impossible for 200000 increments each\n{}",
            rec.describe()
        );
    }
}

/// The bytes of each read line ("N bytes: 'x'..'y'"): every message is one
/// repeated letter, 'a' to 'e', so the letters must never go backwards.
/// Returns the total.
fn check_reads(rec: &Output, reads: &[String], what: &str) -> u64 {
    let mut total = 0;
    let mut previous = 'a';
    for r in reads {
        let (len, letters) = split(rec, r, " bytes: ", what);
        total += number(rec, len, what);
        let chars: Vec<char> = letters.chars().collect();
        assert!(
            chars.len() == 8
                && [chars[0], chars[2], chars[5], chars[7]] == ['\''; 4]
                && chars[3..5] == ['.', '.'],
            "{what}: cannot read {letters:?} as 'x'..'y'\n{}",
            rec.describe()
        );
        let (first, last) = (chars[1], chars[6]);
        assert!(
            ('a'..='e').contains(&first) && previous <= first && first <= last && last <= 'e',
            "{what}: data out of order ({letters:?} after {previous:?})\n{}",
            rec.describe()
        );
        previous = last;
    }
    total
}

/// `threads_pipe`: 5 messages (14413 bytes) through a pipe, then a socketpair.
fn check_pipe(rec: &Output) {
    let pipe_reads = lines_after(rec, "pipe read ");
    assert_eq!(
        check_reads(rec, &pipe_reads, "pipe"),
        14413,
        "the pipe reads must add up to the 5 messages\n{}",
        rec.describe()
    );
    let pipe_total = line_after(rec, "pipe reader total ");
    assert!(
        pipe_total.starts_with("14413 bytes in "),
        "{}",
        rec.describe()
    );
    let socket_reads: Vec<String> = lines_after(rec, "socket poll revents ")
        .iter()
        .map(|l| split(rec, l, ", read ", "socket").1.to_string())
        .collect();
    assert_eq!(
        check_reads(rec, &socket_reads, "socket"),
        14413,
        "the socket reads must add up to the 5 messages\n{}",
        rec.describe()
    );
    let reply = line_after(rec, "main got reply: socket reader total ");
    assert!(reply.starts_with("14413 bytes in "), "{}", rec.describe());
    assert_line(rec, "socket reader saw end of file");
    assert_line(rec, "done");
}

/// `threads_exit`: every way of ending delivers its value; TLS is per thread.
fn check_exit(rec: &Output) {
    for line in [
        "returner: tls_x 100",
        "exiter: tls_x 200",
        "detached: tls_x 300",
        "late: tls_x 400",
        "grandchild: tls_x 500",
        "returner joined: 101",
        "exiter joined: 202",
        "detached posted: 303",
        "late joined: 404 (its child returned 505)",
        "main tls_x 7",
        "tls kept: yes",
    ] {
        assert_line(rec, line);
    }
    let order = line_after(rec, "finish order:");
    let mut names: Vec<&str> = order.split_whitespace().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["detached", "exiter", "late", "returner"],
        "each thread must finish exactly once, got {order:?}\n{}",
        rec.describe()
    );
}

// ---------------------------------------------------------------------------
// One recording and replay per program
// ---------------------------------------------------------------------------

/// Four threads that each take a mutex once: the finish order and the
/// threads' own tids come out of the replay as they were recorded.
#[test]
fn threads_basic_four_workers() {
    let dir = TestDir::new("threads_basic");
    let rec = record_replay_program(&dir, "threads_basic", &[], 0);
    check_basic(&rec);
}

/// Two producers and two consumers passing 100000 items through an 8-slot
/// queue with a mutex and condition variables: the replay hands each item to
/// the same consumer as the recording did.
#[test]
fn threads_mutex_producers_and_consumers() {
    let dir = TestDir::new("threads_mutex");
    let rec = record_replay_program(&dir, "threads_mutex", &[], 0);
    check_mutex(&rec);
}

/// Sixteen threads meeting at a barrier three times, sleeping in between:
/// the order they reach it in each round is replayed.
#[test]
fn threads_many_barrier_rounds() {
    let dir = TestDir::new("threads_many");
    let rec = record_replay_program(&dir, "threads_many", &[], 0);
    check_many(&rec);
}

/// A thread spinning on a flag with no syscall until another thread sets
/// it, then two threads racing on an atomic counter: the replay lets each
/// store land after the same number of the other thread's instructions.
#[test]
fn threads_spin_without_syscalls() {
    let dir = TestDir::new("threads_spin");
    let rec = record_replay_program(&dir, "threads_spin", &[], 0);
    check_spin(&rec);
}

/// A thread blocked in `read()` on a pipe, then in `poll()` on a socket, woken
/// by writes from main: what each read returned is replayed.
#[test]
fn threads_pipe_blocked_reader() {
    let dir = TestDir::new("threads_pipe");
    let rec = record_replay_program(&dir, "threads_pipe", &[], 0);
    check_pipe(&rec);
}

/// Threads that return, call `pthread_exit`, run detached, or are created by
/// another thread, each with its own thread-local variable.
#[test]
fn threads_exit_every_way_of_ending() {
    let dir = TestDir::new("threads_exit");
    let rec = record_replay_program(&dir, "threads_exit", &[], 0);
    check_exit(&rec);
}

/// A server thread blocked in accept4 and in recvmsg with MSG_WAITALL (which
/// waits for a second write even when some bytes are there), two client
/// threads, a sleeper in nanosleep and a watcher in epoll_wait woken by an
/// eventfd: the order requests were served in is replayed.
#[test]
fn threads_socket_accept_recvmsg_epoll() {
    let dir = TestDir::new("threads_socket");
    let rec = record_replay_program(&dir, "threads_socket", &[], 0);
    for line in [
        "client 0 got \"reply to client-0\"",
        "client 1 got \"reply to client-1\"",
        "watcher: 1 event(s), data 1, value 42",
        "sleeper slept: 0",
        "sockets done",
    ] {
        assert_line(&rec, line);
    }
    let served = lines_after(&rec, "order request ");
    assert_eq!(served.len(), 2, "two requests served\n{}", rec.describe());
    for s in &served {
        assert!(
            s.contains("head \"HELLO\" body \"client-") && s.ends_with("(13 bytes)"),
            "recvmsg waited for the whole request: {s}\n{}",
            rec.describe()
        );
    }
}

/// Every kind of futex wait: plain waits that time out, bitset waits and
/// wakes, requeue, priority-inheritance mutexes contended by four threads
/// (the kernel's waiters bit tells the owner to unlock through it) with a
/// timed lock that gives up, and robust mutexes whose owner, a thread or a
/// child process, died holding them (the kernel marks them at its exit).
fn check_futex(rec: &Output) {
    for line in [
        "wait timeout: -1 Connection timed out",
        "wait changed: -1 Resource temporarily unavailable",
        "bitset wake other bit: 0",
        "bitset waiter: woken by its bit",
        "bitset past deadline: -1 Connection timed out",
        "requeue: 4 waiters done",
        "pi counter: 8000",
        "pi timedlock: ETIMEDOUT",
        "pi lock after holder left: 0",
        "robust thread: EOWNERDEAD, made consistent",
        "robust process: EOWNERDEAD, made consistent",
        "robust thread pi: EOWNERDEAD, made consistent",
        "robust process pi: EOWNERDEAD, made consistent",
        "robust process pi: locked again: 0",
        "futex done",
    ] {
        assert_line(rec, line);
    }
    let order: Vec<u64> = lines_after(rec, "order requeue ")
        .iter()
        .map(|l| number(rec, split(rec, l, ":", "requeue order").0, "requeue order"))
        .collect();
    assert_permutation(rec, &order, 4, "requeue order");
}

#[test]
fn threads_futex_every_kind_of_wait() {
    let dir = TestDir::new("threads_futex");
    let rec = record_replay_program(&dir, "threads_futex", &[], 0);
    check_futex(&rec);
}

// ---------------------------------------------------------------------------
// Many replays of one recording
// ---------------------------------------------------------------------------

/// One recording of the producer/consumer program replays faithfully 20
/// times in a row.
#[test]
fn mutex_stress_replays_20_times() {
    replay_repeatedly(
        "mutex_stress_replays_20_times",
        "threads_mutex",
        20,
        check_mutex,
    );
}

/// One recording of the futex program (PI locks handed over 8000 times,
/// robust locks of dead owners) replays faithfully 5 times in a row.
#[test]
fn futex_replays_5_times() {
    replay_repeatedly("futex_replays_5_times", "threads_futex", 5, check_futex);
}

/// One recording of the spinning program replays faithfully 20 times in a
/// row: the spin count is the same every time.
#[test]
fn spin_replays_20_times() {
    replay_repeatedly("spin_replays_20_times", "threads_spin", 20, check_spin);
}

/// One recording of the barrier program (sixteen threads) replays
/// faithfully 3 times in a row.
#[test]
fn twelve_threads_replay() {
    replay_repeatedly("twelve_threads_replay", "threads_many", 3, check_many);
}

/// Checkpoints while four threads live: `monitor checkpoint` at the last
/// item's hand-over, reverse-continue across thread switches (from the
/// automatic checkpoints), a return to the checkpoint, whose threads are
/// made again in the restored copy (`info threads` lists them, with their
/// frames), and the run on from there to the program's end (the joins see
/// each thread's id word cleared as it exits).
#[test]
fn gdb_checkpoints_of_a_threaded_replay() {
    if !have_gdb("gdb_checkpoints_of_a_threaded_replay") {
        return;
    }
    let dir = TestDir::new("gdb_threads_checkpoint");
    let exe = c_program("threads_mutex");
    let (trace, rec) = record_program(&dir, "threads_mutex", &[]);
    rec.assert_code(0);
    let run = run_gdb_scripts(&dir, &trace, Some(&exe), &["threads_checkpoint.gdb"]);
    let near_end = run.between("MARK-near-end", "MARK-back");
    assert!(
        near_end.contains("$1 = 100000") && near_end.contains("Checkpoint "),
        "a checkpoint is made while the threads live\n{}",
        run.describe()
    );
    assert!(
        run.between("MARK-back", "MARK-restored")
            .contains("$2 = 99999"),
        "two reverse-continues go back to the item before the last\n{}",
        run.describe()
    );
    let restored = run.between("MARK-restored", "MARK-threads-end");
    assert!(
        restored.contains("$3 = 100000"),
        "the checkpoint's state comes back\n{}",
        run.describe()
    );
    assert!(
        restored.lines().filter(|l| l.contains("Thread ")).count() >= 3,
        "the restored copy has its threads again\n{}",
        run.describe()
    );
    let finished = run.between("MARK-threads-end", "MARK-finished");
    assert!(
        finished.contains("the program exited with status 0") && !run.out().contains("diverged"),
        "from the checkpoint the replay runs to the program's end\n{}",
        run.describe()
    );
}

/// gdb on a threaded replay: stops name their thread, `info threads` and
/// `thread apply all bt` show every thread, and reverse-continue goes back
/// to the previous thread's breakpoint hit (then forward again).
#[test]
fn gdb_threads_and_reverse_across_them() {
    if !have_gdb("gdb_threads_and_reverse_across_them") {
        return;
    }
    let dir = TestDir::new("gdb_threads");
    let exe = c_program("threads_basic");
    let (trace, rec) = record_program(&dir, "threads_basic", &[]);
    rec.assert_code(0);
    let run = run_gdb_scripts(&dir, &trace, Some(&exe), &["threads.gdb"]);
    let out = run.out();
    // The three forward stops, each in a thread with its own argument.
    let hits: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("hit Breakpoint 1, worker (arg="))
        .collect();
    assert!(
        hits.len() >= 4 && hits.iter().all(|l| l.starts_with("Thread ")),
        "every stop names its thread:\n{}",
        run.describe()
    );
    let arg = |l: &str| {
        l.split("arg=")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .map(str::to_string)
            .unwrap_or_default()
    };
    let args: Vec<String> = hits.iter().map(|l| arg(l)).collect();
    assert!(
        args[0] != args[1] && args[1] != args[2] && args[0] != args[2],
        "three threads, three arguments: {args:?}\n{}",
        run.describe()
    );
    // Back to the second hit, then forward to the third again.
    assert_eq!(
        args[3],
        args[1],
        "reverse-continue from the third hit returns to the second\n{}",
        run.describe()
    );
    let first = run.between("MARK-first\n", "MARK-first-end");
    assert!(
        first.lines().filter(|l| l.contains("Thread ")).count() >= 2,
        "`info threads` lists the threads:\n{first}"
    );
    let main_thread = run.between("MARK-first-end", "MARK-thread1-end");
    assert!(
        main_thread.contains("Switching to thread 1")
            && main_thread.contains("in main ()")
            && main_thread
                .lines()
                .any(|l| l.starts_with("rip") && !l.contains("<worker")),
        "`thread 1` shows main's own backtrace and registers:\n{main_thread}"
    );
    let all_bt = run.between("MARK-thread1-end", "MARK-all-bt-end");
    assert!(
        all_bt.contains("start_thread") && all_bt.contains("in main ()"),
        "`thread apply all bt` shows the workers and main:\n{all_bt}"
    );
    let num = |a: &str| i64::from_str_radix(a.trim_start_matches("0x"), 16).unwrap_or(-1);
    let back = run.between("MARK-back", "MARK-back-end");
    assert!(
        back.contains(&format!(" = {}\n", num(&args[1]))),
        "after reverse-continue, arg is the second hit's ({}):\n{back}",
        args[1]
    );
    let forward = &out[out.find("MARK-forward").unwrap_or(0)..];
    assert!(
        forward.contains(&format!(" = {}\n", num(&args[2]))),
        "forward again, arg is the third hit's ({}):\n{forward}",
        args[2]
    );
    assert!(
        !out.contains("Remote connection closed") && !run.server_stderr.contains("panicked"),
        "{}",
        run.describe()
    );
}

/// A watchpoint set while one thread runs, which then exits: main, the
/// thread that runs next, stops at both its writes (the debug registers go
/// with it), then a thread started later stops at its own; reverse-continue
/// from there finds main's last write again.
#[test]
#[ignore = "intermittent (about 1 run in 40 under load): going back restores a checkpoint \
            from while main waits in futex for the leaver's exit, and main's futex then fails \
            in the C library (a divergence at main's join); see Known gaps in \
            docs/architecture.md"]
fn gdb_watch_after_a_thread_exit() {
    if !have_gdb("gdb_watch_after_a_thread_exit") {
        return;
    }
    let dir = TestDir::new("gdb_watch_exit");
    let exe = c_program("threads_watch_exit");
    let (trace, rec) = record_program(&dir, "threads_watch_exit", &[]);
    rec.assert_code(0);
    assert_eq!(
        rec.stdout_str(),
        "leaver joined\nshared 42 then 43\nwriter joined, shared 44\n",
        "{}",
        rec.describe()
    );
    let run = run_gdb_scripts(&dir, &trace, Some(&exe), &["threads_watch_exit.gdb"]);
    let file = "threads_watch_exit.c";
    let main_second = marker_gdb_line(file, "main-second");
    let writer_write = marker_gdb_line(file, "writer-write");
    let hit = "hit Hardware watchpoint 2: shared";
    run.assert_in_order(&[
        "hit Breakpoint 1, watch_here ()",
        "Hardware watchpoint 2: shared",
        "\nThread 1 \"",
        hit,
        "Old value = 0\nNew value = 42\nmain () at ",
        "MARK-first",
        "$1 = 42\n",
        "\nThread 1 \"",
        hit,
        "Old value = 42\nNew value = 43\nmain () at ",
        "MARK-second",
        "$2 = 43\n",
        hit,
        "Old value = 43\nNew value = 44\nwriter (",
        "MARK-third",
        "$3 = 44\n",
        // Back over the writer's write, then main's second.
        hit,
        "Old value = 44\nNew value = 43\nwriter (",
        &writer_write,
        "MARK-back",
        "$4 = 43\n",
        "\nThread 1 \"",
        hit,
        "Old value = 43\nNew value = 42\nmain () at ",
        &main_second,
        "MARK-back-main",
        "$5 = 42\n",
    ]);
    assert!(
        !run.out().contains("Remote connection closed") && !run.server_stderr.contains("panicked"),
        "{}",
        run.describe()
    );
}

/// A real interpreter with threads: python3's threading module (a lock, a
/// queue, six threads hashing), recorded and replayed byte for byte.
#[test]
fn real_python3_threads() {
    let Some(python) = real_binary("python3") else {
        skip("real_python3_threads", "python3 is not installed");
        return;
    };
    let script = "import threading, queue, hashlib\n\
        q = queue.Queue(); order = []; lock = threading.Lock()\n\
        def work(n):\n\
        \x20   h = hashlib.sha256()\n\
        \x20   for i in range(3000): h.update(str(i * n).encode())\n\
        \x20   with lock: order.append(n)\n\
        \x20   q.put((n, h.hexdigest()[:12]))\n\
        ts = [threading.Thread(target=work, args=(i,)) for i in range(6)]\n\
        [t.start() for t in ts]; [t.join() for t in ts]\n\
        print('order', order)\n\
        print(sorted(q.get() for _ in ts))\n";
    let dir = TestDir::new("python_threads");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &python, &["-c", script]);
    rec.assert_code(0);
    assert!(
        rec.stdout_str().starts_with("order [") && rec.stdout_str().contains("(5, '"),
        "{}",
        rec.describe()
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

/// Two threads computing with no syscall: recording switches between them
/// in the middle of their loops, and the replay stops each at the same
/// iteration (found from the loop counter, not by stopping at every pass).
#[test]
fn threads_cpu_preempted_in_loops() {
    let dir = TestDir::new("threads_cpu");
    let (trace, rec) = record_program(&dir, "threads_cpu", &[]);
    rec.assert_code(0);
    for line in ["thread 0: ", "thread 1: ", "done"] {
        assert!(rec.stdout_str().contains(line), "{}", rec.describe());
    }
    let mut dump = dir.rewind();
    dump.arg("dump").arg(&trace);
    let dump = run(dump, None);
    assert!(
        dump.stdout_str().contains("switched out at"),
        "the threads were never switched in the middle of a loop:\n{}",
        tail(&dump.stdout, 3000)
    );
    let rep = replay(&dir, &trace);
    assert_replay_faithful(&rec, &rep);
}

/// Outputs of blocked syscalls go through per-thread scratch areas kept
/// apart by a guard page (two areas made one after the other would
/// otherwise be adjacent, and the kernel would merge them into one
/// mapping): every byte read is right when recorded and replayed.
#[test]
fn blocked_reads_go_through_scratch_areas_kept_apart() {
    let dir = TestDir::with_env(
        "threads_scratch",
        &[("RUST_LOG", "rewind::record::scratch=debug")],
    );
    let (trace, rec) = record_program(&dir, "threads_scratch", &[]);
    rec.assert_code(0);
    for id in 0..2 {
        assert_line(&rec, &format!("reader {id}: 65536 bytes, 0 wrong"));
    }
    assert_line(&rec, "poller: poll 1 revents 0x1, read 1 'x'");
    // The areas the recorder made: address and size of each.
    let areas: Vec<(u64, u64)> = rec
        .stderr_str()
        .lines()
        .filter_map(|l| l.split("scratch area of thread ").nth(1))
        .filter_map(|rest| {
            let (_, tail) = rest.split_once(": 0x")?;
            let (addr, size) = tail.split_once(", ")?;
            let size = size.strip_suffix(" bytes, then a guard page")?;
            Some((u64::from_str_radix(addr, 16).ok()?, size.parse().ok()?))
        })
        .collect();
    assert!(
        areas.len() >= 2,
        "two blocked readers got scratch areas, each followed by a guard page\n{}",
        rec.describe()
    );
    for (i, &(a, alen)) in areas.iter().enumerate() {
        for &(b, blen) in &areas[i + 1..] {
            let apart = if a < b {
                b >= a + alen + 4096
            } else {
                a >= b + blen + 4096
            };
            assert!(
                apart,
                "scratch areas {a:#x}+{alen} and {b:#x}+{blen} must have a guard page between them\n{}",
                rec.describe()
            );
        }
    }
    for _ in 0..2 {
        let rep = replay(&dir, &trace);
        assert_replay_faithful(&rec, &rep);
    }
}
