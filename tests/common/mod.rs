//! Helpers shared by the integration tests.
//!
//! - [`TestDir`]: a fresh directory per test, removed at the end unless the
//!   test failed (then its path is printed so the trace can be inspected).
//! - [`c_program`]: builds `tests/programs/NAME.c` with the system gcc
//!   (`-g -O0`), cached by content under cargo's per-target temp directory.
//! - [`Spawned`]: a child process in its own process group whose stdout and
//!   stderr are collected by threads; dropping it kills the whole group, so
//!   no test leaves a recorder, a replay or a tracee behind.
//! - [`record`], [`replay`], [`assert_replay_faithful`]: the record/replay cycle.
//! - [`GdbServer`] and [`run_gdb`]: `rewind replay -s PORT` with gdb in batch mode.
//!
//! Every wait has a generous deadline (`REWIND_TEST_TIMEOUT_SECS`, default
//! 300) that only exists to turn a hang into a failure with the output so far;
//! no assertion depends on how long anything takes.

#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The rewind binary under test.
pub const REWIND: &str = env!("CARGO_BIN_EXE_rewind");

/// The crate root, where `tests/programs` and `gdb-scripts` live.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Name of the file of event frames inside a trace directory.
pub const EVENTS_FILE: &str = "events";

/// How long any single child process may run before the test gives up on it.
pub fn deadline() -> Duration {
    let secs = std::env::var("REWIND_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// Prints a line that the test harness does not capture (unlike `eprintln!`),
/// so that skipped checks are visible in a normal `cargo test` run.
pub fn notice(msg: &str) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{msg}");
}

/// Whether tests must fail rather than skip when a tool is missing
/// (`.ci/run` sets `REWIND_TESTS_REQUIRE_ALL=1`).
pub fn require_all() -> bool {
    std::env::var_os("REWIND_TESTS_REQUIRE_ALL").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Reports a missing tool: panics under `REWIND_TESTS_REQUIRE_ALL`, otherwise
/// prints a visible SKIPPED line. The caller returns afterwards.
pub fn skip(test: &str, why: &str) {
    if require_all() {
        panic!("{test}: {why} (REWIND_TESTS_REQUIRE_ALL is set, so this is a failure)");
    }
    notice(&format!("SKIPPED {test}: {why}"));
}

// ---------------------------------------------------------------------------
// Temporary directories
// ---------------------------------------------------------------------------

static DIR_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory for one test. Removed on drop unless the thread is panicking.
pub struct TestDir {
    path: PathBuf,
    /// Variables every `rewind` command of this test gets.
    env: Vec<(String, String)>,
}

impl TestDir {
    pub fn new(name: &str) -> TestDir {
        TestDir::with_env(name, &[])
    }

    /// A test directory whose `rewind` commands run with `env` set.
    pub fn with_env(name: &str, env: &[(&str, &str)]) -> TestDir {
        let n = DIR_COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("rewind-test-{}-{}-{}", std::process::id(), n, name));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create test directory");
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TestDir { path, env }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path.join(p)
    }

    /// A subdirectory, created.
    pub fn subdir(&self, name: &str) -> PathBuf {
        let p = self.path.join(name);
        std::fs::create_dir_all(&p).expect("create subdirectory");
        p
    }

    /// A `rewind` command whose default trace directory is inside this test's
    /// directory, so that tests never see each other's traces.
    pub fn rewind(&self) -> Command {
        let mut cmd = Command::new(REWIND);
        cmd.env("REWIND_TRACE_DIR", self.path.join("traces"))
            .env("RUST_BACKTRACE", "1")
            .env_remove("RUST_LOG");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            notice(&format!("test files kept in {}", self.path.display()));
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

// ---------------------------------------------------------------------------
// Building the C test programs
// ---------------------------------------------------------------------------

/// Builds `tests/programs/NAME.c` with `gcc -g -O0` and returns the binary's
/// path. Binaries are cached under cargo's target temp directory, keyed by the
/// source's content, and built at most once per test process.
pub fn c_program(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let map = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = map.get(name) {
        return p.clone();
    }
    let src = Path::new(ROOT)
        .join("tests/programs")
        .join(format!("{name}.c"));
    let source =
        std::fs::read(&src).unwrap_or_else(|e| panic!("cannot read {}: {e}", src.display()));
    let flags = ["-g", "-O0", "-Wall", "-Wextra"];
    let mut h = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut h);
    flags.hash(&mut h);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("programs");
    std::fs::create_dir_all(&dir).expect("create program cache directory");
    let out = dir.join(format!("{name}-{:016x}", h.finish()));
    if !out.exists() {
        let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
        let result = Command::new("gcc")
            .args(flags)
            .arg("-o")
            .arg(&tmp)
            .arg(&src)
            .output()
            .unwrap_or_else(|e| panic!("cannot run gcc (is it installed?): {e}"));
        assert!(
            result.status.success(),
            "gcc failed on {}:\n{}",
            src.display(),
            String::from_utf8_lossy(&result.stderr)
        );
        std::fs::rename(&tmp, &out).expect("move built program into place");
    }
    map.insert(name.to_string(), out.clone());
    out
}

/// The line number (1-based) of the only line of `tests/programs/FILE` that
/// contains `needle`, and that line's text.
pub fn source_line(file: &str, needle: &str) -> (usize, String) {
    let path = Path::new(ROOT).join("tests/programs").join(file);
    let text = std::fs::read_to_string(&path).expect("read program source");
    let hits: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, l)| (i + 1, l))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one line containing {needle:?} in {file}, found {hits:?}"
    );
    (hits[0].0, hits[0].1.to_string())
}

/// Finds an ELF executable called `name` on PATH (skipping scripts such as
/// version-manager shims, which would make the run multi-process), preferring
/// `/usr/bin`.
pub fn real_binary(name: &str) -> Option<PathBuf> {
    let mut dirs = vec![PathBuf::from("/usr/bin"), PathBuf::from("/bin")];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for d in dirs {
        let candidate = d.join(name);
        let Ok(resolved) = std::fs::canonicalize(&candidate) else {
            continue;
        };
        let mut magic = [0u8; 4];
        let is_elf = std::fs::File::open(&resolved)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && magic == *b"\x7fELF";
        if is_elf {
            return Some(candidate);
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------

/// What a finished process produced.
pub struct Output {
    /// The command line, for messages.
    pub what: String,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The command, its status, and the ends of its stdout and stderr.
    pub fn describe(&self) -> String {
        format!(
            "command: {}\nstatus: {}\n--- stdout ({} bytes, last 3000) ---\n{}\n--- stderr ({} bytes, last 6000) ---\n{}\n---",
            self.what,
            describe_status(self.status),
            self.stdout.len(),
            tail(&self.stdout, 3000),
            self.stderr.len(),
            tail(&self.stderr, 6000),
        )
    }

    /// Panics unless the process exited normally with `code`.
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code(),
            Some(code),
            "expected exit status {code}\n{}",
            self.describe()
        );
    }

    /// Panics if the output looks like a Rust panic or a crash of rewind.
    pub fn assert_no_panic(&self) {
        let err = self.stderr_str();
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "rewind panicked\n{}",
            self.describe()
        );
        assert!(
            self.status.signal().is_none(),
            "rewind was killed by a signal\n{}",
            self.describe()
        );
    }
}

pub fn describe_status(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => format!("{s:?}"),
    }
}

/// The last `n` bytes of `b`, lossily decoded.
pub fn tail(b: &[u8], n: usize) -> String {
    let start = b.len().saturating_sub(n);
    String::from_utf8_lossy(&b[start..]).into_owned()
}

fn command_line(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&shell_quote(a));
    }
    s
}

fn shell_quote(a: &OsStr) -> String {
    let s = a.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

type Buf = Arc<Mutex<Vec<u8>>>;

fn collect<R: Read + Send + 'static>(mut r: R, buf: Buf) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 65536];
        loop {
            match r.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(&chunk[..n]),
            }
        }
    })
}

/// A running child in its own process group. Its stdout and stderr are
/// collected in the background. Dropping it kills the whole group (the
/// child and anything it started, such as tracees) and reaps the child.
pub struct Spawned {
    pub what: String,
    child: Child,
    pgid: i32,
    stdout: Buf,
    stderr: Buf,
    readers: Vec<JoinHandle<()>>,
    status: Option<ExitStatus>,
}

impl Spawned {
    /// Starts `cmd` with piped stdout/stderr; stdin gets `stdin` (then EOF),
    /// or /dev/null when `None`.
    pub fn start(cmd: Command, stdin: Option<Vec<u8>>) -> Spawned {
        Spawned::start_inner(cmd, stdin, false)
    }

    /// Like [`Spawned::start`] with no input, but stdout and stderr share one
    /// pipe, so their interleaving is kept; everything lands in stdout.
    pub fn start_merged(cmd: Command) -> Spawned {
        Spawned::start_inner(cmd, None, true)
    }

    fn start_inner(mut cmd: Command, stdin: Option<Vec<u8>>, merge: bool) -> Spawned {
        let what = command_line(&cmd);
        let mut merged_reader = None;
        if merge {
            let (reader, writer) = std::io::pipe().expect("create a pipe");
            cmd.stdout(writer.try_clone().expect("dup a pipe"))
                .stderr(writer);
            merged_reader = Some(reader);
        } else {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .process_group(0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        // The command holds the write ends of a merged pipe: close them here
        // so that the reader sees end-of-file when the child is done.
        drop(cmd);
        let pgid = child.id() as i32;
        let stdout: Buf = Arc::default();
        let stderr: Buf = Arc::default();
        let mut readers = match merged_reader {
            Some(r) => vec![collect(r, stdout.clone())],
            None => vec![
                collect(child.stdout.take().unwrap(), stdout.clone()),
                collect(child.stderr.take().unwrap(), stderr.clone()),
            ],
        };
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            readers.push(std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            }));
        }
        Spawned {
            what,
            child,
            pgid,
            stdout,
            stderr,
            readers,
            status: None,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn stdout_so_far(&self) -> Vec<u8> {
        self.stdout
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn stderr_so_far(&self) -> Vec<u8> {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Has the child exited? (Reaps it if so.)
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("try_wait");
        }
        self.status
    }

    /// Waits until `pred` holds for the stdout collected so far. Panics with
    /// the output so far if the child exits first or the deadline passes.
    pub fn wait_for_stdout(&mut self, what: &str, pred: impl Fn(&[u8]) -> bool) {
        let start = Instant::now();
        loop {
            if pred(&self.stdout_so_far()) {
                return;
            }
            if let Some(st) = self.exited() {
                // Let the readers drain what is left in the pipes.
                std::thread::sleep(Duration::from_millis(100));
                if pred(&self.stdout_so_far()) {
                    return;
                }
                panic!(
                    "{} exited ({}) before {what}\n{}",
                    self.what,
                    describe_status(st),
                    self.snapshot()
                );
            }
            if start.elapsed() > deadline() {
                panic!(
                    "gave up waiting for {what} from {}\n{}",
                    self.what,
                    self.snapshot()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn snapshot(&self) -> String {
        format!(
            "--- stdout so far (last 3000) ---\n{}\n--- stderr so far (last 6000) ---\n{}\n---",
            tail(&self.stdout_so_far(), 3000),
            tail(&self.stderr_so_far(), 6000)
        )
    }

    /// Sends `sig` to the child itself (not its group).
    pub fn signal(&self, sig: i32) {
        if self.status.is_none() {
            // SAFETY: plain kill(2) on the pid of a child we have not reaped.
            unsafe {
                libc::kill(self.pid(), sig);
            }
        }
    }

    /// Waits for the child itself to exit (not for its pipes to close).
    pub fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(st) = self.exited() {
                return st;
            }
            if start.elapsed() > deadline() {
                panic!("{} did not exit\n{}", self.what, self.snapshot());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the child to exit and its output pipes to close (that is,
    /// for everything that inherited them, such as a tracee, to be gone too).
    pub fn wait(mut self) -> Output {
        let start = Instant::now();
        let mut exited_at: Option<Instant> = None;
        loop {
            if self.exited().is_some() && exited_at.is_none() {
                exited_at = Some(Instant::now());
            }
            let done = exited_at.is_some() && self.readers.iter().all(|r| r.is_finished());
            if done {
                break;
            }
            // Once the child has exited, its pipes close as soon as whatever
            // else inherited them is gone; allow that a shorter grace period.
            let grace_over = exited_at.is_some_and(|t| t.elapsed() > Duration::from_secs(30));
            if grace_over || start.elapsed() > deadline() {
                let exited = self.exited();
                panic!(
                    "{} did not finish within {:?} (exited: {:?}; its output pipes are {})\n{}",
                    self.what,
                    deadline(),
                    exited.map(describe_status),
                    if exited.is_some() {
                        "still held open by another process"
                    } else {
                        "open"
                    },
                    self.snapshot()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Output {
            what: self.what.clone(),
            status: self.status.unwrap(),
            stdout: std::mem::take(&mut *self.stdout.lock().unwrap()),
            stderr: std::mem::take(&mut *self.stderr.lock().unwrap()),
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this value created.
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd` to completion.
pub fn run(cmd: Command, stdin: Option<Vec<u8>>) -> Output {
    Spawned::start(cmd, stdin).wait()
}

// ---------------------------------------------------------------------------
// Record and replay
// ---------------------------------------------------------------------------

/// `rewind record -o TRACE [extra...] PROG ARGS...`, with `stdin` as the
/// program's input.
pub fn record_with(
    dir: &TestDir,
    trace: &Path,
    extra: &[&str],
    prog: impl AsRef<OsStr>,
    args: &[&str],
    stdin: Option<Vec<u8>>,
) -> Output {
    let mut cmd = dir.rewind();
    cmd.arg("record").arg("-o").arg(trace);
    cmd.args(extra);
    cmd.arg(prog.as_ref()).args(args);
    let out = run(cmd, stdin);
    out.assert_no_panic();
    out
}

/// `rewind record -o TRACE PROG ARGS...`.
pub fn record(dir: &TestDir, trace: &Path, prog: impl AsRef<OsStr>, args: &[&str]) -> Output {
    record_with(dir, trace, &[], prog, args, None)
}

/// `rewind replay -a TRACE` (no input).
pub fn replay(dir: &TestDir, trace: &Path) -> Output {
    let mut cmd = dir.rewind();
    cmd.arg("replay").arg("-a").arg(trace);
    run(cmd, None)
}

/// The rest of every line of the recording's stdout that starts with
/// `prefix`, in order.
pub fn lines_after(rec: &Output, prefix: &str) -> Vec<String> {
    rec.stdout_str()
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(str::to_string)
        .collect()
}

/// The rest of the only line of the recording's stdout that starts with
/// `prefix`.
pub fn line_after(rec: &Output, prefix: &str) -> String {
    let hits = lines_after(rec, prefix);
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one line starting with {prefix:?}, found {hits:?}\n{}",
        rec.describe()
    );
    hits[0].clone()
}

/// Where two byte strings first differ, with some context.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<String> {
    if a == b {
        return None;
    }
    let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let from = i.saturating_sub(200);
    let ctx = |s: &[u8]| String::from_utf8_lossy(&s[from..s.len().min(i + 200)]).into_owned();
    Some(format!(
        "lengths {} and {}; first difference at byte {i}\n--- recorded, around it ---\n{}\n--- replayed, around it ---\n{}\n---",
        a.len(),
        b.len(),
        ctx(a),
        ctx(b)
    ))
}

/// Asserts that `rewind replay -a` reached the end faithfully (status 0, no
/// panic) and wrote exactly the stdout the recording produced.
pub fn assert_replay_faithful(rec: &Output, rep: &Output) {
    rep.assert_no_panic();
    assert_eq!(
        rep.code(),
        Some(0),
        "replay -a did not report a faithful replay\n{}\n(recording: {})",
        rep.describe(),
        describe_status(rec.status)
    );
    if let Some(diff) = first_difference(&rec.stdout, &rep.stdout) {
        panic!(
            "replayed stdout differs from the recording: {diff}\nreplay:\n{}\nrecording:\n{}",
            rep.describe(),
            rec.describe()
        );
    }
}

/// Asserts that the line of the recording's stderr that contains `needle`
/// appears, whole, in the replay's stderr.
pub fn assert_stderr_line_replayed(rec: &Output, rep: &Output, needle: &str) {
    let rec_err = rec.stderr_str();
    let line = rec_err
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "the recording's stderr has no line containing {needle:?}\n{}",
                rec.describe()
            )
        });
    assert!(
        rep.stderr_str().lines().any(|l| l.contains(line)),
        "the program's stderr line {line:?} was not re-emitted by the replay\n{}",
        rep.describe()
    );
}

/// A (trace directory, recording) pair made in `dir` from a C test program.
pub fn record_program(dir: &TestDir, name: &str, args: &[&str]) -> (PathBuf, Output) {
    let trace = dir.join("trace");
    let rec = record(dir, &trace, c_program(name), args);
    (trace, rec)
}

/// Records `name` from tests/programs with `args`, checks that it exited
/// with `code`, replays once and checks the replay is faithful. Returns the
/// recording.
pub fn record_replay_program(dir: &TestDir, name: &str, args: &[&str], code: i32) -> Output {
    let (trace, rec) = record_program(dir, name, args);
    rec.assert_code(code);
    let rep = replay(dir, &trace);
    assert_replay_faithful(&rec, &rep);
    rec
}

/// Records `name` once, runs `check` on the recording, then replays the
/// trace `times` times: every replay must be faithful.
pub fn replay_repeatedly(test: &str, name: &str, times: usize, check: fn(&Output)) {
    let dir = TestDir::new(test);
    let (trace, rec) = record_program(&dir, name, &[]);
    rec.assert_code(0);
    check(&rec);
    for round in 1..=times {
        let rep = replay(&dir, &trace);
        if rep.code() != Some(0) || rep.stdout != rec.stdout {
            notice(&format!(
                "{test}: replay {round} of {times} of {name} was not faithful"
            ));
        }
        assert_replay_faithful(&rec, &rep);
    }
}

/// Copies a directory tree (files, subdirectories; symlinks copied as links).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy destination");
    for entry in std::fs::read_dir(from).expect("read directory to copy") {
        let entry = entry.unwrap();
        let ty = entry.file_type().unwrap();
        let dest = to.join(entry.file_name());
        if ty.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if ty.is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(target, dest).unwrap();
        } else {
            std::fs::copy(entry.path(), dest).expect("copy file");
        }
    }
}

/// The names in a directory, sorted (for messages and comparisons).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => vec![format!("<cannot list: {e}>")],
    };
    names.sort();
    names
}

/// The events file of a trace; panics with the trace's contents if missing.
pub fn events_file(trace: &Path) -> PathBuf {
    let p = trace.join(EVENTS_FILE);
    assert!(
        p.is_file(),
        "trace {} has no {EVENTS_FILE:?} file; it contains {:?}",
        trace.display(),
        listing(trace)
    );
    p
}

/// Does `text` (case-insensitively) contain any of `words`?
pub fn mentions_any(text: &str, words: &[&str]) -> bool {
    let lower = text.to_lowercase();
    words.iter().any(|w| lower.contains(&w.to_lowercase()))
}

// ---------------------------------------------------------------------------
// gdb against `rewind replay -s PORT`
// ---------------------------------------------------------------------------

/// Is gdb installed? (Prints a SKIPPED line and returns false if not.)
pub fn have_gdb(test: &str) -> bool {
    if Command::new("gdb")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        true
    } else {
        skip(test, "gdb is not installed");
        false
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().unwrap().port()
}

/// Is some socket listening on `port` (IPv4 or IPv6)? Read from /proc so that
/// checking does not consume the server's one debugger connection.
pub fn is_listening(port: u16) -> bool {
    let want = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|text| {
            text.lines().skip(1).any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.len() > 3 && cols[1].ends_with(&want) && cols[3] == "0A"
            })
        })
    })
}

/// `rewind replay -s PORT TRACE`, running until dropped.
pub struct GdbServer {
    pub port: u16,
    pub proc: Spawned,
}

impl GdbServer {
    /// Starts the server and waits until it listens.
    pub fn start(dir: &TestDir, trace: &Path) -> GdbServer {
        GdbServer::start_with(dir, trace, &[])
    }

    /// Starts `rewind replay -s PORT EXTRA... TRACE` and waits until it
    /// listens.
    pub fn start_with(dir: &TestDir, trace: &Path, extra: &[&str]) -> GdbServer {
        let port = free_port();
        let mut cmd = dir.rewind();
        cmd.arg("replay")
            .arg("-s")
            .arg(port.to_string())
            .args(extra)
            .arg(trace);
        let mut proc = Spawned::start(cmd, None);
        let start = Instant::now();
        while !is_listening(port) {
            if let Some(st) = proc.exited() {
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "rewind replay -s {port} exited ({}) without listening\n{}",
                    describe_status(st),
                    proc.snapshot()
                );
            }
            if start.elapsed() > deadline() {
                panic!(
                    "rewind replay -s {port} never listened\n{}",
                    proc.snapshot()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        GdbServer { port, proc }
    }
}

/// What a gdb session printed, with the server's output for messages.
pub struct GdbRun {
    pub port: u16,
    pub gdb: Output,
    pub server_stdout: String,
    pub server_stderr: String,
}

impl GdbRun {
    /// gdb's output: stdout and stderr (errors, warnings, monitor output)
    /// interleaved as gdb wrote them.
    pub fn out(&self) -> String {
        self.gdb.stdout_str()
    }

    pub fn describe(&self) -> String {
        format!(
            "{}\n{}\n--- gdb output (full) ---\n{}\n--- server stdout (last 3000) ---\n{}\n--- server stderr (last 6000) ---\n{}\n---",
            self.gdb.what,
            describe_status(self.gdb.status),
            self.gdb.stdout_str(),
            tail(self.server_stdout.as_bytes(), 3000),
            tail(self.server_stderr.as_bytes(), 6000),
        )
    }

    /// Asserts that gdb's output contains each of `needles`, in this order.
    pub fn assert_in_order(&self, needles: &[&str]) {
        let out = self.out();
        let mut pos = 0;
        for n in needles {
            match out[pos..].find(n) {
                Some(i) => pos += i + n.len(),
                None => {
                    let earlier = out.contains(n);
                    panic!(
                        "gdb output lacks {n:?}{}\n{}",
                        if earlier {
                            " after the previous expected text (it appears earlier)"
                        } else {
                            ""
                        },
                        self.describe()
                    );
                }
            }
        }
    }

    /// Asserts that some line of gdb's output contains all of `parts`.
    pub fn assert_line(&self, parts: &[&str]) {
        let out = self.out();
        assert!(
            out.lines().any(|l| parts.iter().all(|p| l.contains(p))),
            "no line of gdb's output contains all of {parts:?}\n{}",
            self.describe()
        );
    }

    /// The text gdb printed between `echo` markers `from` and `to`.
    pub fn between(&self, from: &str, to: &str) -> String {
        let out = self.out();
        let a = out
            .find(from)
            .unwrap_or_else(|| panic!("marker {from:?} missing\n{}", self.describe()));
        let rest = &out[a + from.len()..];
        let b = rest
            .find(to)
            .unwrap_or_else(|| panic!("marker {to:?} missing\n{}", self.describe()));
        rest[..b].to_string()
    }
}

/// Runs `gdb -batch` with `gdb-scripts/SCRIPT` against a fresh replay server
/// for `trace`. `exe`, when given, is passed to gdb as the program file (as a
/// user would); without it gdb must learn the program from the server. The
/// server and everything it started are killed afterwards.
pub fn run_gdb(dir: &TestDir, trace: &Path, exe: Option<&Path>, script: &str) -> GdbRun {
    run_gdb_scripts(dir, trace, exe, &[script])
}

/// Like [`run_gdb`], with several scripts from `gdb-scripts/` run in order
/// in the same session (helpers first, then the session itself).
pub fn run_gdb_scripts(
    dir: &TestDir,
    trace: &Path,
    exe: Option<&Path>,
    scripts: &[&str],
) -> GdbRun {
    run_gdb_scripts_with(dir, trace, &[], exe, scripts)
}

/// Like [`run_gdb_scripts`], with `extra` arguments for `rewind replay`.
pub fn run_gdb_scripts_with(
    dir: &TestDir,
    trace: &Path,
    extra: &[&str],
    exe: Option<&Path>,
    scripts: &[&str],
) -> GdbRun {
    let server = GdbServer::start_with(dir, trace, extra);
    let mut cmd = gdb_batch(server.port);
    for script in scripts {
        let script = Path::new(ROOT).join("gdb-scripts").join(script);
        assert!(script.is_file(), "missing {}", script.display());
        cmd.arg("-x").arg(script);
    }
    if let Some(exe) = exe {
        cmd.arg(exe);
    }
    // gdb prints monitor output and errors on stderr: keep them in order
    // with the rest.
    let gdb = Spawned::start_merged(cmd).wait();
    let server_stdout = String::from_utf8_lossy(&server.proc.stdout_so_far()).into_owned();
    let server_stderr = String::from_utf8_lossy(&server.proc.stderr_so_far()).into_owned();
    let port = server.port;
    drop(server);
    GdbRun {
        port,
        gdb,
        server_stdout,
        server_stderr,
    }
}

/// Formats `n` followed by a tab and the text of a source line, as gdb shows
/// the current line.
pub fn gdb_line(file: &str, needle: &str) -> String {
    let (n, text) = source_line(file, needle);
    let mut s = String::new();
    let _ = write!(s, "{n}\t{text}");
    s
}

// ---------------------------------------------------------------------------
// Marked source lines
// ---------------------------------------------------------------------------

/// The line number of the line of `tests/programs/FILE` marked
/// `/* LINE: name */` (the reverse-execution programs mark the lines that
/// tests stop at this way; `gdb-scripts/reverse_markers.gdb` reads the same
/// markers).
pub fn marker_line(file: &str, name: &str) -> usize {
    source_line(file, &format!("/* LINE: {name} */")).0
}

/// gdb's rendering of the marked line as the current line: its number, a
/// tab and its text.
pub fn marker_gdb_line(file: &str, name: &str) -> String {
    gdb_line(file, &format!("/* LINE: {name} */"))
}

// ---------------------------------------------------------------------------
// The reverse-execution demo program and what its recording printed
// ---------------------------------------------------------------------------

/// The values a recording of `tests/programs/reverse_demo.c` printed. They
/// come from recorded inputs (getrandom, the clock, /dev/urandom), so every
/// recording differs, and a replay must show exactly these.
#[derive(Debug, Clone)]
pub struct DemoValues {
    /// The seed from getrandom().
    pub seed0: u32,
    /// Nanoseconds of the realtime clock.
    pub stamp: i64,
    /// The 16 bytes read from /dev/urandom, as two words.
    pub rbuf: [u64; 2],
    /// `seeds[i]`: the seed after step i (`seeds[0]` = `seed0`).
    pub seeds: Vec<u32>,
    /// `totals[i]`: the total after step i (`totals[0]` = 0).
    pub totals: Vec<i64>,
}

/// How many steps reverse_demo runs.
pub const DEMO_STEPS: usize = 10;

impl DemoValues {
    /// Parses the recording's stdout.
    pub fn parse(stdout: &str) -> DemoValues {
        let field = |line: &str, key: &str| -> String {
            let at = line
                .find(&format!("{key}="))
                .unwrap_or_else(|| panic!("no {key}= in {line:?}\n{stdout}"));
            line[at + key.len() + 1..]
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap()
                .to_string()
        };
        let mut lines = stdout.lines();
        let first = lines.next().expect("reverse_demo printed nothing");
        let seed0: u32 = field(first, "seed").parse().unwrap();
        let stamp: i64 = field(first, "stamp").parse().unwrap();
        let second = lines.next().expect("reverse_demo printed no read= line");
        assert_eq!(field(second, "read"), "16", "{stdout}");
        let rbuf = [
            field(second, "rbuf0").parse().unwrap(),
            field(second, "rbuf1").parse().unwrap(),
        ];
        let mut seeds = vec![seed0];
        let mut totals = vec![0];
        for i in 1..=DEMO_STEPS {
            let l = lines
                .next()
                .unwrap_or_else(|| panic!("no line for step {i}\n{stdout}"));
            assert!(l.starts_with(&format!("step {i}: ")), "{l:?}\n{stdout}");
            seeds.push(field(l, "seed").parse().unwrap());
            totals.push(field(l, "total").parse().unwrap());
        }
        let v = DemoValues {
            seed0,
            stamp,
            rbuf,
            seeds,
            totals,
        };
        // The program's own arithmetic, as a check on the parsing.
        for i in 1..=DEMO_STEPS {
            assert_eq!(
                v.seeds[i],
                v.seeds[i - 1].wrapping_mul(1103515245).wrapping_add(12345),
                "{stdout}"
            );
            assert_eq!(v.totals[i], v.totals[i - 1] + v.term(i), "{stdout}");
        }
        v
    }

    /// The number mix() returned in step i.
    pub fn r(&self, i: usize) -> u32 {
        (self.seeds[i] >> 16) % 100
    }

    /// The term add() added in step i.
    pub fn term(&self, i: usize) -> i64 {
        i as i64 * 1000 + self.r(i) as i64
    }
}

/// Records `tests/programs/reverse_demo.c` in `dir`; returns the trace, the
/// executable and the values the recording printed.
pub fn record_reverse_demo(dir: &TestDir) -> (PathBuf, PathBuf, DemoValues) {
    let exe = c_program("reverse_demo");
    let trace = dir.join("trace");
    let rec = record(dir, &trace, &exe, &[]);
    rec.assert_code(0);
    let values = DemoValues::parse(&rec.stdout_str());
    (trace, exe, values)
}

// ---------------------------------------------------------------------------
// Interactive sessions (gdb/MI, gdb reading commands from a pipe)
// ---------------------------------------------------------------------------

/// A child driven through its stdin, whose stdout and stderr (merged) are
/// read line by line. Every wait has the test deadline, so a hang becomes a
/// failure that shows the whole conversation. Dropping it kills the child's
/// process group.
pub struct Driven {
    pub what: String,
    child: Child,
    pgid: i32,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    /// Everything sent ("> ...") and received so far.
    transcript: Vec<String>,
}

impl Driven {
    pub fn start(mut cmd: Command) -> Driven {
        let what = command_line(&cmd);
        let (reader, writer) = std::io::pipe().expect("create a pipe");
        cmd.stdout(writer.try_clone().expect("dup a pipe"))
            .stderr(writer)
            .stdin(Stdio::piped())
            .process_group(0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        drop(cmd);
        let stdin = child.stdin.take();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut r = std::io::BufReader::new(reader);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf);
                        let line = line.trim_end_matches(['\n', '\r']).to_string();
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let pgid = child.id() as i32;
        Driven {
            what,
            child,
            pgid,
            stdin,
            lines: rx,
            transcript: Vec::new(),
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Writes one line to the child's stdin.
    pub fn send(&mut self, line: &str) {
        self.transcript.push(format!("> {line}"));
        let stdin = self.stdin.as_mut().expect("stdin already closed");
        if let Err(e) = stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|_| stdin.flush())
        {
            panic!(
                "cannot write {line:?} to {}: {e}\n{}",
                self.what,
                self.tail()
            );
        }
    }

    /// Reads lines until one satisfies `pred`; returns all lines read, the
    /// matching one last. Panics with the conversation so far if the child
    /// goes away or the deadline passes first.
    pub fn read_until(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> Vec<String> {
        let start = Instant::now();
        let mut got = Vec::new();
        loop {
            let left = deadline().saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.transcript.push(line.clone());
                    let done = pred(&line);
                    got.push(line);
                    if done {
                        return got;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
                    "gave up waiting for {what} from {} after {:?}\n{}",
                    self.what,
                    deadline(),
                    self.tail()
                ),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!(
                    "{} closed its output ({}) before {what}\n{}",
                    self.what,
                    self.child
                        .try_wait()
                        .ok()
                        .flatten()
                        .map(describe_status)
                        .unwrap_or_else(|| "still running".into()),
                    self.tail()
                ),
            }
        }
    }

    /// The lines already received, without waiting.
    pub fn drain(&mut self) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok(line) = self.lines.try_recv() {
            self.transcript.push(line.clone());
            got.push(line);
        }
        got
    }

    /// The conversation so far (the last 400 lines), for messages.
    pub fn tail(&self) -> String {
        let from = self.transcript.len().saturating_sub(400);
        format!(
            "--- conversation with {} (last {} lines) ---\n{}\n---",
            self.what,
            self.transcript.len() - from,
            self.transcript[from..].join("\n")
        )
    }

    /// Kills the child itself with SIGKILL (not its group) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Closes stdin and waits for the child to exit.
    pub fn finish(&mut self) -> ExitStatus {
        self.stdin = None;
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return st;
            }
            if start.elapsed() > deadline() {
                panic!("{} did not exit\n{}", self.what, self.tail());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Driven {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this value created.
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// gdb's command line interpreter reading commands from a pipe, connected to
/// a replay server. Each command is followed by an `echo` of a numbered
/// marker, so that [`GdbCli::cmd`] knows where its output ends; an error in
/// one command does not stop the session.
pub struct GdbCli {
    pub gdb: Driven,
    n: usize,
}

impl GdbCli {
    /// Starts gdb on `exe`, connected to `server`, with `gdb-scripts/SCRIPTS`
    /// sourced first.
    pub fn connect(server: &GdbServer, exe: &Path, scripts: &[&str]) -> GdbCli {
        let mut cmd = Command::new("gdb");
        cmd.arg("-nx")
            .arg("-q")
            .args(["-iex", "set debuginfod enabled off"])
            .args(["-iex", "set pagination off"])
            .args(["-iex", "set width 0"])
            .args(["-iex", "set confirm off"])
            .env_remove("DEBUGINFOD_URLS")
            .env("TERM", "dumb");
        for s in scripts {
            cmd.arg("-x")
                .arg(Path::new(ROOT).join("gdb-scripts").join(s));
        }
        cmd.arg(exe);
        let mut cli = GdbCli {
            gdb: Driven::start(cmd),
            n: 0,
        };
        cli.cmd(&format!("target extended-remote 127.0.0.1:{}", server.port));
        cli
    }

    /// Runs one command and returns what gdb printed for it (prompts
    /// removed).
    pub fn cmd(&mut self, command: &str) -> String {
        self.n += 1;
        let marker = format!("MARK-DONE-{}", self.n);
        self.gdb.send(command);
        self.gdb.send(&format!("echo \\n{marker}\\n"));
        let lines = self
            .gdb
            .read_until(&format!("the end of `{command}`"), |l| l.ends_with(&marker));
        let mut out = String::new();
        for l in &lines[..lines.len() - 1] {
            let mut l = l.as_str();
            while let Some(rest) = l.strip_prefix("(gdb) ") {
                l = rest;
            }
            out.push_str(l);
            out.push('\n');
        }
        out
    }

    /// The value gdb prints for `expr` (the text after " = ").
    pub fn value(&mut self, expr: &str) -> String {
        let out = self.cmd(&format!("print {expr}"));
        match out.lines().find_map(|l| l.split_once(" = ")) {
            Some((_, v)) => v.trim().to_string(),
            None => panic!(
                "`print {expr}` printed no value: {out:?}\n{}",
                self.gdb.tail()
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Processes, from /proc
// ---------------------------------------------------------------------------

/// One process, as /proc/PID/stat describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    /// R, S, D, T (stopped), t (tracing stop), Z (zombie)...
    pub state: char,
    /// Start time in clock ticks since boot: with the pid, names a process
    /// even if the pid is reused.
    pub start: u64,
    pub comm: String,
}

/// Reads /proc/PID/stat.
pub fn proc_info(pid: i32) -> Option<ProcInfo> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text[open + 1..close].to_string();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // rest[0] is field 3 (state); field 4 is the ppid, field 22 the start
    // time.
    Some(ProcInfo {
        pid,
        ppid: rest.get(1)?.parse().ok()?,
        state: rest.first()?.chars().next()?,
        start: rest.get(19)?.parse().ok()?,
        comm,
    })
}

/// Every process on the system.
pub fn all_processes() -> Vec<ProcInfo> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(proc_info)
        .collect()
}

/// The descendants of `root` (children, their children...), not `root`.
pub fn descendants(root: i32) -> Vec<ProcInfo> {
    let all = all_processes();
    let mut out: Vec<ProcInfo> = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for c in all.iter().filter(|c| c.ppid == p) {
            if !out.iter().any(|o| o.pid == c.pid) {
                frontier.push(c.pid);
                out.push(c.clone());
            }
        }
    }
    out
}

/// Is this process (same pid and start time) still there and not a zombie?
pub fn still_running(p: &ProcInfo) -> bool {
    proc_info(p.pid).is_some_and(|now| now.start == p.start && now.state != 'Z')
}

/// /proc/PID/syscall: for a stopped process, its syscall state followed by
/// its stack pointer and program counter.
pub fn proc_syscall(pid: i32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/syscall"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// The program counter (last field) in a /proc/PID/syscall line.
pub fn syscall_pc(line: &str) -> Option<u64> {
    let last = line.split_whitespace().last()?;
    u64::from_str_radix(last.trim_start_matches("0x"), 16).ok()
}

/// Sends `sig` to `pid`.
pub fn send_signal(pid: i32, sig: i32) {
    // SAFETY: plain kill(2); the caller names a process it found under a
    // server this test started.
    unsafe {
        libc::kill(pid, sig);
    }
}

// ---------------------------------------------------------------------------
// Collected checks
// ---------------------------------------------------------------------------

/// Where `needles` stop appearing in `text` in order: None if all appear,
/// else a message naming the first missing one.
pub fn missing_in_order(text: &str, needles: &[String]) -> Option<String> {
    let mut pos = 0;
    for n in needles {
        match text[pos..].find(n.as_str()) {
            Some(i) => pos += i + n.len(),
            None => {
                let earlier = text.contains(n.as_str());
                let before = needles
                    .iter()
                    .take_while(|x| *x != n)
                    .last()
                    .map(|p| format!(" (after {p:?})"))
                    .unwrap_or_default();
                return Some(format!(
                    "lacks {n:?}{before}{}",
                    if earlier {
                        "; it appears only earlier"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    None
}

/// Several independent checks of one session, reported together: a
/// session that goes wrong in two ways says so at once.
#[derive(Default)]
pub struct Checks {
    failures: Vec<String>,
}

impl Checks {
    pub fn new() -> Checks {
        Checks::default()
    }

    /// Records a failure unless `ok`.
    pub fn that(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(what());
        }
    }

    /// Records a failure unless `needles` appear in `text` in this order.
    pub fn in_order(&mut self, what: &str, text: &str, needles: &[String]) {
        if let Some(m) = missing_in_order(text, needles) {
            self.failures.push(format!("{what}: output {m}"));
        }
    }

    /// Panics with every recorded failure, followed by `context`.
    pub fn finish(self, context: &str) {
        if !self.failures.is_empty() {
            let list: Vec<String> = self
                .failures
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{}. {f}", i + 1))
                .collect();
            panic!(
                "{} check(s) failed:\n{}\n{context}",
                list.len(),
                list.join("\n")
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Altered traces
// ---------------------------------------------------------------------------

/// The trace at `from` written again at `to` with `edit` applied to its
/// events, through the crate's own reader and writer (the saved files are
/// linked, or copied where linking fails): a trace that differs from the
/// recording in one known way.
pub fn rewrite_trace(from: &Path, to: &Path, edit: impl FnOnce(&mut Vec<rewind::trace::Event>)) {
    let r = rewind::trace::TraceReader::open(from).expect("open the recorded trace");
    let (mut events, end) = r.read_all().expect("read the recorded trace");
    assert_eq!(
        end,
        rewind::trace::TraceEnd::Complete,
        "the recorded trace is whole"
    );
    edit(&mut events);
    {
        let mut w =
            rewind::trace::TraceWriter::create(to, r.header()).expect("create the altered trace");
        for e in &events {
            w.push(e).expect("write an event");
        }
        w.flush().expect("write the last events");
    }
    let files = from.join("files");
    for f in std::fs::read_dir(&files).expect("list the saved files") {
        let f = f.expect("a saved file");
        let dest = to.join("files").join(f.file_name());
        if std::fs::hard_link(f.path(), &dest).is_err() {
            std::fs::copy(f.path(), &dest).expect("copy a saved file");
        }
    }
}

/// Whether `tool --version` runs and succeeds.
pub fn tool_works(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Serializes npm installs between the tests of one binary.
static NPM_INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A `node_modules` directory with `package` installed from the npm
/// registry, once per target directory (`<target tmp>/<dirname>`); None,
/// after a SKIPPED notice, without node and npm or when npm cannot
/// install it.
pub fn npm_modules(test: &str, dirname: &str, package: &str) -> Option<PathBuf> {
    for tool in ["node", "npm"] {
        if !tool_works(tool) {
            skip(
                test,
                &format!("{tool} is not installed (needed for {package})"),
            );
            return None;
        }
    }
    let _guard = NPM_INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dirname);
    let modules = prefix.join("node_modules");
    if modules.join(package).join("package.json").is_file() {
        return Some(modules);
    }
    std::fs::create_dir_all(&prefix).expect("create the npm directory");
    let mut cmd = Command::new("npm");
    cmd.args([
        "install",
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--prefix",
    ])
    .arg(&prefix)
    .arg(package);
    let out = run(cmd, None);
    if out.code() != Some(0) || !modules.join(package).is_dir() {
        skip(
            test,
            &format!("npm could not install {package}:\n{}", out.describe()),
        );
        return None;
    }
    Some(modules)
}

/// `gdb -batch`, quiet and non-interactive, connected to the replay server
/// on `port`; the caller adds scripts and the program.
pub fn gdb_batch(port: u16) -> Command {
    let mut cmd = Command::new("gdb");
    cmd.arg("-batch")
        .arg("-nx")
        .args(["-iex", "set debuginfod enabled off"])
        .args(["-iex", "set pagination off"])
        .args(["-iex", "set width 0"])
        .arg("-ex")
        .arg(format!("target extended-remote 127.0.0.1:{port}"))
        .env_remove("DEBUGINFOD_URLS")
        .env("TERM", "dumb");
    cmd
}
