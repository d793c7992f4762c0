//! The adapter proper: DAP requests to gdb/MI commands, MI records to DAP
//! responses and events.
//!
//! One thread (the caller's) owns the state and handles one message at a
//! time from a channel that reader threads fill: the client's requests,
//! gdb's MI lines, and the replay server's output (the program's stdout
//! and stderr, echoed once as the replay passes it). While a request waits
//! for gdb's answer, other requests are queued and handled after it;
//! events that a request causes (a `stopped` after `continue`, `initialized`
//! after `launch`) are sent after its response.
//!
//! Resuming requests answer at gdb's `^running`; the `stopped` event comes
//! from the `*stopped` record. A stop at either end of the recording (the
//! server's `replaylog` stops, which gdb reports as "No more
//! reverse-execution history.") has the reason "beginning of recording"
//! after a reverse run and "end of recording" after a forward one.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::mi::{num_of, parse_line, quote, str_of, Record};
use super::proto::{read_message, Request, Writer};
use super::Resolve;

/// What the threads send to the adapter.
enum Msg {
    Dap(Result<Request, (Option<i64>, String)>),
    DapClosed,
    Mi(String),
    GdbGone,
    /// The replay server listens (its first stdout line).
    ServerReady,
    /// Output for the client: category, text.
    Out(&'static str, String),
    /// The replay server's stderr closed: it exited.
    ServerGone,
    /// The recording a launch asked for ended: its exit status, or why it
    /// could not run.
    Recorded(Result<std::process::ExitStatus, String>),
}

/// What a variables reference stands for (valid until the next stop).
#[derive(Clone, Debug)]
enum VarRef {
    Locals(i64, i64),
    Args(i64, i64),
    Registers(i64, i64),
    /// A gdb variable object with children.
    Varobj(String),
}

/// gdb's answer to one MI command.
struct Reply {
    class: String,
    results: Value,
    /// Console text gdb printed while running it.
    console: String,
}

/// The kind of a gdb breakpoint, for the stop reason.
#[derive(Clone, Copy, PartialEq)]
enum BpKind {
    Source,
    Function,
    Data,
}

/// One debugging session: gdb connected to a replay server.
struct Session {
    gdb: Child,
    gdb_in: ChildStdin,
    token: u64,
    server: Child,
    /// Resumed and not stopped yet.
    running: bool,
    /// The last resume went backwards.
    reverse: bool,
    /// gdb printed `*running` during the current command.
    saw_running: bool,
    pause_requested: bool,
    /// A run stopped at an end of the recording (console text).
    boundary_seen: bool,
    stop_on_entry: bool,
    configured: bool,
    source_bps: HashMap<String, Vec<i64>>,
    function_bps: Vec<i64>,
    data_bps: Vec<i64>,
    kinds: HashMap<i64, BpKind>,
    refs: HashMap<i64, VarRef>,
    next_ref: i64,
    /// Variable objects made since the last stop, and those to delete.
    varobjs: Vec<String>,
    stale: Vec<String>,
    register_names: Option<Vec<String>>,
}

/// Frame ids carry the thread and the level.
const FRAMES_PER_THREAD: i64 = 100_000;

/// The text gdb prints when a run stops at an end of the replay log.
const NO_HISTORY: &str = "No more reverse-execution history";

struct Adapter<'r> {
    out: Arc<Writer>,
    rx: Receiver<Msg>,
    tx: Sender<Msg>,
    resolve: Resolve<'r>,
    pending: VecDeque<Request>,
    s: Option<Session>,
    /// Events held back until the current request has its response.
    holding: bool,
    deferred: Vec<(String, Value)>,
    /// The console text of the current command is its result.
    capturing: bool,
    done: bool,
}

/// Serve one client until it disconnects or its input ends.
pub fn run(
    input: impl BufRead + Send + 'static,
    output: Box<dyn Write + Send>,
    resolve: Resolve,
) -> Result<(), String> {
    let (tx, rx) = channel();
    let out = Arc::new(Writer::new(output));
    let dap_tx = tx.clone();
    std::thread::spawn(move || {
        let mut input = input;
        loop {
            match read_message(&mut input) {
                Ok(Some(v)) => {
                    if dap_tx.send(Msg::Dap(Request::from_message(v))).is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    let _ = dap_tx.send(Msg::Dap(Err((None, e.to_string()))));
                    // The framing is lost unless only the JSON was bad.
                    if !e.to_string().contains("not JSON") {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = dap_tx.send(Msg::DapClosed);
    });
    let mut a = Adapter {
        out,
        rx,
        tx,
        resolve,
        pending: VecDeque::new(),
        s: None,
        holding: false,
        deferred: Vec::new(),
        capturing: false,
        done: false,
    };
    a.main_loop();
    a.end_session();
    Ok(())
}

impl Adapter<'_> {
    fn main_loop(&mut self) {
        while !self.done {
            if let Some(req) = self.pending.pop_front() {
                self.handle(req);
                continue;
            }
            let Ok(msg) = self.rx.recv() else {
                return;
            };
            match msg {
                Msg::Dap(Ok(req)) => self.handle(req),
                Msg::Dap(Err((seq, why))) => self.bad_message(seq, &why),
                Msg::DapClosed => return,
                other => self.on_msg(other),
            }
        }
    }

    fn bad_message(&mut self, seq: Option<i64>, why: &str) {
        match seq {
            Some(seq) => self.out.error(seq, "unknown", why),
            None => {
                log::warn!("rewind dap: {why}");
                self.out.output("console", &format!("rewind: {why}\n"));
            }
        }
    }

    /// Everything but the client's requests.
    fn on_msg(&mut self, msg: Msg) {
        match msg {
            Msg::Mi(line) => {
                let rec = parse_line(&line);
                self.on_record(rec);
            }
            Msg::Out(category, text) => self.out.output(category, &text),
            Msg::GdbGone => {
                if self.s.is_some() {
                    self.out
                        .output("console", "rewind: gdb exited; the session is over\n");
                    self.end_session();
                    self.emit("terminated", json!({}));
                }
            }
            Msg::ServerGone => {
                if self.s.is_some() {
                    self.out.output(
                        "console",
                        "rewind: the replay server exited; the session is over\n",
                    );
                    self.end_session();
                    self.emit("terminated", json!({}));
                }
            }
            Msg::ServerReady | Msg::Dap(_) | Msg::DapClosed | Msg::Recorded(_) => {}
        }
    }

    /// An event now, or after the current request's response.
    fn emit(&mut self, event: &str, body: Value) {
        if self.holding {
            self.deferred.push((event.to_string(), body));
        } else {
            self.out.event(event, body);
        }
    }

    fn handle(&mut self, req: Request) {
        self.holding = true;
        let result = self.dispatch(&req);
        match result {
            Ok(body) => self.out.respond(&req, body),
            Err(msg) => self.out.error(req.seq, &req.command, &msg),
        }
        self.holding = false;
        for (event, body) in std::mem::take(&mut self.deferred) {
            self.out.event(&event, body);
        }
    }

    fn dispatch(&mut self, req: &Request) -> Result<Value, String> {
        match req.command.as_str() {
            "initialize" => Ok(capabilities()),
            "launch" => self.launch(req),
            "attach" => Err("rewind dap debugs a recording: use launch (with trace)".into()),
            "configurationDone" => self.configuration_done(),
            "setBreakpoints" => self.set_breakpoints(req),
            "setFunctionBreakpoints" => self.set_function_breakpoints(req),
            "setExceptionBreakpoints" => Ok(json!({ "breakpoints": [] })),
            "dataBreakpointInfo" => self.data_breakpoint_info(req),
            "setDataBreakpoints" => self.set_data_breakpoints(req),
            "threads" => self.threads(),
            "stackTrace" => self.stack_trace(req),
            "scopes" => self.scopes(req),
            "variables" => self.variables(req),
            "evaluate" => self.evaluate(req),
            "continue" => self.resume("-exec-continue", false),
            "reverseContinue" => self.resume("-exec-continue --reverse", true),
            "next" => self.step(req, "-exec-next", "-exec-next-instruction", false),
            "stepIn" => self.step(req, "-exec-step", "-exec-step-instruction", false),
            "stepOut" => {
                let t = self.thread_arg(req)?;
                self.resume(&format!("-exec-finish --thread {t}"), false)
            }
            // Back one source line in the function, like reverse-next.
            "stepBack" => self.step(req, "-exec-next", "-exec-step-instruction", true),
            "pause" => self.pause(),
            "readMemory" => self.read_memory(req),
            "disassemble" => self.disassemble(req),
            "source" => source_text(req),
            "restart" => self.restart(),
            "disconnect" | "terminate" => {
                self.end_session();
                self.done = true;
                Ok(json!({}))
            }
            other => Err(format!("rewind dap does not support the request {other:?}")),
        }
    }

    // ---------------------------------------------------------------
    // gdb/MI
    // ---------------------------------------------------------------

    fn session(&mut self) -> Result<&mut Session, String> {
        self.s
            .as_mut()
            .ok_or_else(|| "no replay is running: send launch first".to_string())
    }

    /// Sends one MI command and waits for its result record, handling
    /// whatever else arrives meanwhile.
    fn mi(&mut self, cmd: &str) -> Result<Reply, String> {
        let s = self.session()?;
        s.token += 1;
        let token = s.token;
        s.saw_running = false;
        log::debug!("dap -> gdb: {token}{cmd}");
        writeln!(s.gdb_in, "{token}{cmd}")
            .and_then(|_| s.gdb_in.flush())
            .map_err(|e| format!("gdb is gone ({e})"))?;
        let mut console = String::new();
        loop {
            let Ok(msg) = self.rx.recv() else {
                return Err("the adapter lost its input".into());
            };
            match msg {
                Msg::Mi(line) => {
                    log::debug!("gdb -> dap: {line}");
                    match parse_line(&line) {
                        Record::Result {
                            token: Some(t),
                            class,
                            results,
                        } if t == token => {
                            if class == "error" {
                                let msg = str_of(&results, "msg").unwrap_or("gdb gave an error");
                                return Err(msg.to_string());
                            }
                            return Ok(Reply {
                                class,
                                results,
                                console,
                            });
                        }
                        Record::Stream {
                            kind: '~' | '@',
                            text,
                        } => {
                            self.note_console(&text);
                            // What a passthrough command prints is its
                            // result; the rest goes to the debug console.
                            if !self.capturing {
                                self.out.output("console", &text);
                            }
                            console.push_str(&text);
                        }
                        rec => self.on_record(rec),
                    }
                }
                Msg::Dap(Ok(req)) => self.pending.push_back(req),
                Msg::Dap(Err((seq, why))) => self.bad_message(seq, &why),
                Msg::DapClosed => {
                    self.done = true;
                }
                Msg::GdbGone => {
                    self.on_msg(Msg::GdbGone);
                    return Err("gdb exited".into());
                }
                other => self.on_msg(other),
            }
        }
    }

    /// A console command through MI; returns what it printed.
    fn console(&mut self, cmd: &str) -> Result<Reply, String> {
        self.mi(&format!("-interpreter-exec console {}", quote(cmd)))
    }

    fn note_console(&mut self, text: &str) {
        if text.contains(NO_HISTORY) {
            if let Some(s) = self.s.as_mut() {
                s.boundary_seen = true;
            }
        }
    }

    /// A record that is not the answer to the current command.
    fn on_record(&mut self, rec: Record) {
        match rec {
            Record::Async {
                kind: '*',
                class,
                results,
            } => match class.as_str() {
                "stopped" => self.on_stopped(&results),
                "running" => {
                    if let Some(s) = self.s.as_mut() {
                        s.saw_running = true;
                    }
                }
                _ => {}
            },
            Record::Async {
                kind: '=',
                class,
                results,
            } => {
                let id = num_of(&results, "id");
                match (class.as_str(), id) {
                    ("thread-created", Some(id)) => {
                        self.emit("thread", json!({ "reason": "started", "threadId": id }))
                    }
                    ("thread-exited", Some(id)) => {
                        self.emit("thread", json!({ "reason": "exited", "threadId": id }))
                    }
                    _ => {}
                }
            }
            Record::Stream {
                kind: '~' | '@',
                text,
            } => {
                self.note_console(&text);
                self.out.output("console", &text);
            }
            _ => {}
        }
    }

    fn invalidate(&mut self) {
        if let Some(s) = self.s.as_mut() {
            s.refs.clear();
            let made = std::mem::take(&mut s.varobjs);
            s.stale.extend(made);
        }
    }

    fn on_stopped(&mut self, r: &Value) {
        let Some(s) = self.s.as_mut() else {
            return;
        };
        if !s.running {
            return;
        }
        s.running = false;
        let reverse = s.reverse;
        let boundary = s.boundary_seen;
        let paused = std::mem::take(&mut s.pause_requested);
        let thread = num_of(r, "thread-id").unwrap_or(1);
        let bp_kind = |n: i64| s.kinds.get(&n).copied();
        let mut body = json!({ "threadId": thread, "allThreadsStopped": true });
        let reason = str_of(r, "reason");
        let (dap_reason, description): (&str, String) = match reason {
            Some("breakpoint-hit") => {
                let n = num_of(r, "bkptno").unwrap_or(0);
                body["hitBreakpointIds"] = json!([n]);
                if bp_kind(n) == Some(BpKind::Function) {
                    (
                        "function breakpoint",
                        format!("Paused on function breakpoint {n}"),
                    )
                } else {
                    ("breakpoint", format!("Paused on breakpoint {n}"))
                }
            }
            Some(
                "watchpoint-trigger" | "read-watchpoint-trigger" | "access-watchpoint-trigger",
            ) => {
                let wp = ["wpt", "hw-rwpt", "hw-awpt"]
                    .iter()
                    .find_map(|k| r.get(*k))
                    .cloned()
                    .unwrap_or(Value::Null);
                let n = num_of(&wp, "number").unwrap_or(0);
                body["hitBreakpointIds"] = json!([n]);
                let exp = str_of(&wp, "exp").unwrap_or("?").to_string();
                let mut text = format!("Paused on data breakpoint {n} ({exp})");
                if let Some(v) = r.get("value") {
                    if let (Some(old), Some(new)) = (str_of(v, "old"), str_of(v, "new")) {
                        text = format!("{text}: old value {old}, new value {new}");
                    }
                }
                ("data breakpoint", text)
            }
            Some("end-stepping-range" | "function-finished" | "location-reached") => {
                ("step", "Paused after a step".into())
            }
            Some("signal-received") if paused => ("pause", "Paused".into()),
            Some("signal-received") => {
                let name = str_of(r, "signal-name").unwrap_or("a signal").to_string();
                let meaning = str_of(r, "signal-meaning").unwrap_or("").to_string();
                body["text"] = json!(name);
                ("signal", format!("Paused on signal {name} ({meaning})"))
            }
            Some("exited-normally" | "exited" | "exited-signalled") => {
                let code = str_of(r, "exit-code")
                    .and_then(|c| i64::from_str_radix(c, 8).ok())
                    .unwrap_or(0);
                self.emit("exited", json!({ "exitCode": code }));
                self.emit("terminated", json!({}));
                return;
            }
            Some("no-history") | None if boundary || reason.is_some() => {
                if reverse {
                    (
                        "beginning of recording",
                        "Paused at the beginning of the recording".into(),
                    )
                } else {
                    (
                        "end of recording",
                        "Paused at the end of the recording".into(),
                    )
                }
            }
            None if paused => ("pause", "Paused".into()),
            None => ("step", "Paused".into()),
            Some(other) => (other, format!("Paused ({other})")),
        };
        body["reason"] = json!(dap_reason);
        body["description"] = json!(description);
        self.invalidate();
        self.emit("stopped", body);
    }

    /// Resumes the program with an MI execution command.
    /// A step of the request's thread: `line` by source line, `insn` with
    /// `granularity: instruction`; backwards when `reverse` (MI's general
    /// options, such as --thread, go before the command's own).
    fn step(
        &mut self,
        req: &Request,
        line: &str,
        insn: &str,
        reverse: bool,
    ) -> Result<Value, String> {
        let t = self.thread_arg(req)?;
        let cmd = if instruction(req) { insn } else { line };
        let back = if reverse { " --reverse" } else { "" };
        self.resume(&format!("{cmd} --thread {t}{back}"), reverse)
    }

    fn resume(&mut self, cmd: &str, reverse: bool) -> Result<Value, String> {
        let s = self.session()?;
        if s.running {
            return Err("the program is running: pause it first".into());
        }
        s.running = true;
        s.reverse = reverse;
        s.boundary_seen = false;
        s.pause_requested = false;
        match self.mi(cmd) {
            Ok(_) => Ok(json!({ "allThreadsContinued": true })),
            Err(e) => {
                if let Some(s) = self.s.as_mut() {
                    s.running = false;
                }
                Err(e)
            }
        }
    }

    fn thread_arg(&mut self, req: &Request) -> Result<i64, String> {
        match req.int_arg("threadId") {
            Some(t) => Ok(t),
            None => self.current_thread(),
        }
    }

    fn current_thread(&mut self) -> Result<i64, String> {
        let r = self.mi("-thread-info")?;
        Ok(num_of(&r.results, "current-thread-id").unwrap_or(1))
    }

    // ---------------------------------------------------------------
    // Session
    // ---------------------------------------------------------------

    /// Records `program` with the launch's `args` and `cwd` into a new
    /// trace, showing its output on the debug console; the trace.
    fn record_first(&mut self, req: &Request, program: &str) -> Result<PathBuf, String> {
        let args: Vec<String> = match req.arguments.get("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or("\"args\" must be an array of strings")?,
            Some(_) => return Err("\"args\" must be an array of strings".into()),
        };
        let trace = self.resolve.new_trace(program)?;
        let me = std::env::current_exe()
            .map_err(|e| format!("cannot find the rewind executable: {e}"))?;
        let mut cmd = Command::new(me);
        cmd.arg("record")
            .arg("-o")
            .arg(&trace)
            .arg("--")
            .arg(program)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(cwd) = req.str_arg("cwd").filter(|c| !c.is_empty()) {
            cmd.current_dir(cwd);
        }
        let shown = std::iter::once(program.to_string())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        self.out.output("console", &format!("Recording: {shown}\n"));
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start the recording of {program}: {e}"))?;
        let readers: Vec<_> = [
            child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|e| Box::new(e) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        .map(|r| {
            let tx = self.tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(r).split(b'\n') {
                    let Ok(line) = line else { break };
                    let mut text = String::from_utf8_lossy(&line).into_owned();
                    text.push('\n');
                    if tx.send(Msg::Out("console", text)).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            // Both outputs are read to their end before the status is
            // told, so the console shows all of it first.
            for r in readers {
                let _ = r.join();
            }
            let _ = tx.send(Msg::Recorded(child.wait().map_err(|e| e.to_string())));
        });
        // rewind's own last message, for the error when there is no trace.
        let mut last_message = String::new();
        let status = loop {
            let Ok(msg) = self.rx.recv() else {
                return Err("the adapter lost its input".into());
            };
            match msg {
                Msg::Recorded(status) => break status,
                Msg::Out(category, text) => {
                    if let Some(m) = text.strip_prefix("rewind: ") {
                        last_message = m.trim_end().to_string();
                    }
                    self.out.output(category, &text)
                }
                Msg::Dap(Ok(r)) => self.pending.push_back(r),
                Msg::Dap(Err((seq, why))) => self.bad_message(seq, &why),
                Msg::DapClosed => self.done = true,
                _ => {}
            }
        };
        let status = status.map_err(|e| format!("the recording of {program} failed: {e}"))?;
        if crate::trace::TraceReader::open(&trace).is_err() {
            // Nothing was recorded: leave no empty trace behind.
            let _ = std::fs::remove_dir(&trace);
            let why = if last_message.is_empty() {
                "see the debug console".to_string()
            } else {
                last_message
            };
            return Err(format!(
                "the recording of {program} made no trace ({status}): {why}"
            ));
        }
        self.out.output(
            "console",
            &format!(
                "Recorded {shown} ({status}) into {}; replaying it.\n",
                trace.display()
            ),
        );
        Ok(trace)
    }

    fn launch(&mut self, req: &Request) -> Result<Value, String> {
        if self.s.is_some() {
            return Err("a trace is already being debugged in this session".into());
        }
        let trace = match req.str_arg("program").filter(|p| !p.is_empty()) {
            Some(program) => self.record_first(req, program)?,
            None => {
                let trace = req
                    .str_arg("trace")
                    .filter(|t| !t.is_empty())
                    .map(PathBuf::from);
                self.resolve.resolve(trace)?
            }
        };
        let reader = crate::trace::TraceReader::open(&trace)
            .map_err(|e| format!("cannot open the trace {}: {e}", trace.display()))?;
        let exe = reader.saved_file(&reader.header().exe.saved);
        drop(reader);
        let gdb_path = req.str_arg("gdb").unwrap_or("gdb").to_string();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("cannot find a free local port: {e}"))?;
        let me = std::env::current_exe()
            .map_err(|e| format!("cannot find the rewind executable: {e}"))?;
        let mut server = Command::new(me)
            .args(["replay", "-s", &port.to_string(), "--echo"])
            .arg(&trace)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the replay: {e}"))?;
        if let Some(stdout) = server.stdout.take() {
            let tx = self.tx.clone();
            std::thread::spawn(move || server_stdout(stdout, tx));
        }
        if let Some(stderr) = server.stderr.take() {
            let tx = self.tx.clone();
            std::thread::spawn(move || server_stderr(stderr, tx));
        }
        // Wait until the server listens (the trace opened and the program
        // is at its first instruction).
        let mut errors = String::new();
        loop {
            let Ok(msg) = self.rx.recv() else {
                return Err("the adapter lost its input".into());
            };
            match msg {
                Msg::ServerReady => break,
                Msg::Out(category, text) => {
                    if category != "stdout" {
                        errors.push_str(&text);
                    }
                    self.out.output(category, &text);
                }
                Msg::ServerGone => {
                    let _ = server.kill();
                    let status = server.wait().map(|s| s.to_string()).unwrap_or_default();
                    return Err(format!(
                        "the replay of {} did not start ({status}): {}",
                        trace.display(),
                        errors.trim()
                    ));
                }
                Msg::Dap(Ok(r)) => self.pending.push_back(r),
                Msg::Dap(Err((seq, why))) => self.bad_message(seq, &why),
                Msg::DapClosed => self.done = true,
                Msg::Mi(_) | Msg::GdbGone | Msg::Recorded(_) => {}
            }
        }
        let gdb = Command::new(&gdb_path)
            .args(["-i=mi3", "-nx", "-q"])
            .args(["-iex", "set debuginfod enabled off"])
            .args(["-iex", "set pagination off"])
            .args(["-iex", "set confirm off"])
            .args(["-iex", "set width 0"])
            .arg(&exe)
            .env("TERM", "dumb")
            .env_remove("DEBUGINFOD_URLS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut gdb = match gdb {
            Ok(g) => g,
            Err(e) => {
                let _ = server.kill();
                let _ = server.wait();
                return Err(format!(
                    "cannot start {gdb_path}: {e}; install gdb, or name it with the launch argument \"gdb\""
                ));
            }
        };
        let (Some(gdb_in), Some(gdb_out), Some(gdb_err)) =
            (gdb.stdin.take(), gdb.stdout.take(), gdb.stderr.take())
        else {
            let _ = gdb.kill();
            let _ = server.kill();
            return Err("cannot talk to gdb".into());
        };
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(gdb_out).lines() {
                let Ok(line) = line else { break };
                if tx.send(Msg::Mi(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Msg::GdbGone);
        });
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(gdb_err).lines() {
                let Ok(line) = line else { break };
                if tx.send(Msg::Out("console", format!("{line}\n"))).is_err() {
                    return;
                }
            }
        });
        self.s = Some(Session {
            gdb,
            gdb_in,
            token: 0,
            server,
            running: false,
            reverse: false,
            saw_running: false,
            pause_requested: false,
            boundary_seen: false,
            stop_on_entry: req
                .arguments
                .get("stopOnEntry")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            configured: false,
            source_bps: HashMap::new(),
            function_bps: Vec::new(),
            data_bps: Vec::new(),
            kinds: HashMap::new(),
            refs: HashMap::new(),
            next_ref: 1,
            varobjs: Vec::new(),
            stale: Vec::new(),
            register_names: None,
        });
        let connected = self
            .mi("-gdb-set mi-async on")
            .and_then(|_| self.mi(&format!("-target-select extended-remote 127.0.0.1:{port}")));
        if let Err(e) = connected {
            self.end_session();
            return Err(format!("gdb cannot debug the replay: {e}"));
        }
        self.emit(
            "process",
            json!({
                "name": exe.to_string_lossy(),
                "isLocalProcess": true,
                "startMethod": "attach",
            }),
        );
        self.emit("initialized", json!({}));
        Ok(json!({}))
    }

    fn configuration_done(&mut self) -> Result<Value, String> {
        let Some(s) = self.s.as_mut() else {
            return Ok(json!({}));
        };
        if s.configured {
            return Ok(json!({}));
        }
        s.configured = true;
        if s.stop_on_entry {
            let t = self.current_thread()?;
            self.emit(
                "stopped",
                json!({
                    "reason": "entry",
                    "description": "Paused at the start of the recording",
                    "threadId": t,
                    "allThreadsStopped": true,
                }),
            );
            Ok(json!({}))
        } else {
            self.resume("-exec-continue", false).map(|_| json!({}))
        }
    }

    fn pause(&mut self) -> Result<Value, String> {
        let s = self.session()?;
        if !s.running {
            return Ok(json!({}));
        }
        s.pause_requested = true;
        self.mi("-exec-interrupt")?;
        Ok(json!({}))
    }

    /// Back to the start of the trace.
    fn restart(&mut self) -> Result<Value, String> {
        if self.session()?.running {
            return Err("the program is running: pause it first".into());
        }
        let r = self.console("monitor restart")?;
        self.after_move(
            "entry",
            format!("Paused at the start of the recording: {}", r.console.trim()),
        )?;
        Ok(json!({}))
    }

    /// After a monitor command moved the replay: gdb's caches go, and the
    /// client hears of the new place.
    fn after_move(&mut self, reason: &str, description: String) -> Result<(), String> {
        self.console("maintenance flush register-cache")?;
        self.console("maintenance flush dcache")?;
        self.invalidate();
        let t = self.current_thread()?;
        self.emit(
            "stopped",
            json!({
                "reason": reason,
                "description": description,
                "threadId": t,
                "allThreadsStopped": true,
            }),
        );
        Ok(())
    }

    /// Ends gdb and the replay server.
    fn end_session(&mut self) {
        let Some(mut s) = self.s.take() else {
            return;
        };
        let _ = writeln!(s.gdb_in, "-gdb-exit");
        let _ = s.gdb_in.flush();
        for child in [&mut s.gdb, &mut s.server] {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    Ok(None) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------
    // Breakpoints
    // ---------------------------------------------------------------

    fn delete_bps(&mut self, numbers: Vec<i64>) -> Result<(), String> {
        if numbers.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
        self.mi(&format!("-break-delete {}", list.join(" ")))?;
        let s = self.session()?;
        for n in numbers {
            s.kinds.remove(&n);
        }
        Ok(())
    }

    /// Inserts one breakpoint at `location`; the DAP breakpoint.
    fn insert_bp(&mut self, location: &str, bp: &Value, kind: BpKind) -> Value {
        let mut cmd = "-break-insert".to_string();
        if let Some(c) = bp.get("condition").and_then(Value::as_str) {
            if !c.trim().is_empty() {
                cmd.push_str(&format!(" -c {}", quote(c)));
            }
        }
        if let Some(n) = bp
            .get("hitCondition")
            .and_then(Value::as_str)
            .and_then(|h| h.trim().parse::<u64>().ok())
        {
            cmd.push_str(&format!(" -i {}", n.saturating_sub(1)));
        }
        cmd.push(' ');
        cmd.push_str(&quote(location));
        match self.mi(&cmd) {
            Ok(r) => {
                let b = &r.results["bkpt"];
                let n = num_of(b, "number").unwrap_or(0);
                if let Some(s) = self.s.as_mut() {
                    s.kinds.insert(n, kind);
                    if kind == BpKind::Function {
                        s.function_bps.push(n);
                    }
                }
                let mut out = json!({ "id": n, "verified": true });
                if let Some(line) = num_of(b, "line") {
                    out["line"] = json!(line);
                }
                if let Some(path) = str_of(b, "fullname") {
                    out["source"] = source(path);
                }
                out
            }
            Err(e) => json!({ "verified": false, "message": e }),
        }
    }

    fn set_breakpoints(&mut self, req: &Request) -> Result<Value, String> {
        let path = req
            .arguments
            .pointer("/source/path")
            .and_then(Value::as_str)
            .ok_or("setBreakpoints: the source has no path")?
            .to_string();
        self.not_running()?;
        let old = self.session()?.source_bps.remove(&path).unwrap_or_default();
        self.delete_bps(old)?;
        let wanted: Vec<Value> = match req.arguments.get("breakpoints") {
            Some(Value::Array(a)) => a.clone(),
            _ => req
                .arguments
                .get("lines")
                .and_then(Value::as_array)
                .map(|ls| ls.iter().map(|l| json!({ "line": l })).collect())
                .unwrap_or_default(),
        };
        let mut out = Vec::new();
        let mut numbers = Vec::new();
        for bp in &wanted {
            let Some(line) = bp.get("line").and_then(Value::as_i64) else {
                out.push(json!({ "verified": false, "message": "a breakpoint without a line" }));
                continue;
            };
            let mut b = self.insert_bp(&format!("{path}:{line}"), bp, BpKind::Source);
            // The program may have been built from another copy of the
            // source (another checkout, a build directory): gdb knows the
            // file by the path it was compiled from, so try its name.
            let unknown = b
                .get("message")
                .and_then(Value::as_str)
                .is_some_and(|m| m.starts_with("No source file named"));
            if let (true, Some(name)) = (unknown, std::path::Path::new(&path).file_name()) {
                let name = name.to_string_lossy();
                if name != path.as_str() {
                    b = self.insert_bp(&format!("{name}:{line}"), bp, BpKind::Source);
                }
            }
            if let Some(n) = b.get("id").and_then(Value::as_i64) {
                numbers.push(n);
            } else {
                b["line"] = json!(line);
            }
            out.push(b);
        }
        self.session()?.source_bps.insert(path, numbers);
        Ok(json!({ "breakpoints": out }))
    }

    fn set_function_breakpoints(&mut self, req: &Request) -> Result<Value, String> {
        self.not_running()?;
        let old = std::mem::take(&mut self.session()?.function_bps);
        self.delete_bps(old)?;
        let wanted = req
            .arguments
            .get("breakpoints")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::new();
        for bp in &wanted {
            match bp.get("name").and_then(Value::as_str) {
                Some(name) => out.push(self.insert_bp(name, bp, BpKind::Function)),
                None => out.push(
                    json!({ "verified": false, "message": "a function breakpoint without a name" }),
                ),
            }
        }
        Ok(json!({ "breakpoints": out }))
    }

    fn data_breakpoint_info(&mut self, req: &Request) -> Result<Value, String> {
        let name = req
            .str_arg("name")
            .ok_or("dataBreakpointInfo: the argument name is missing")?
            .to_string();
        self.not_running()?;
        let parent = req
            .int_arg("variablesReference")
            .and_then(|r| self.s.as_ref().and_then(|s| s.refs.get(&r).cloned()));
        let mut frame = req.int_arg("frameId").map(split_frame);
        let expr = match parent {
            Some(VarRef::Varobj(obj)) => {
                let r = self.mi(&format!("-var-info-path-expression {obj}.{name}"))?;
                str_of(&r.results, "path_expr").unwrap_or(&name).to_string()
            }
            Some(VarRef::Locals(t, l) | VarRef::Args(t, l)) => {
                frame = Some((t, l));
                name.clone()
            }
            Some(VarRef::Registers(..)) => {
                return Ok(json!({
                    "dataId": null,
                    "description": format!("{name} is a register: only memory can be watched"),
                }))
            }
            None => name.clone(),
        };
        // Only an lvalue in memory can be watched.
        let check = format!(
            "-data-evaluate-expression{} {}",
            frame_opts(frame),
            quote(&format!("&({expr})"))
        );
        if let Err(e) = self.mi(&check) {
            return Ok(json!({
                "dataId": null,
                "description": format!("{expr} cannot be watched: {e}"),
            }));
        }
        Ok(json!({
            "dataId": expr,
            "description": expr,
            "accessTypes": ["write", "read", "readWrite"],
            "canPersist": true,
        }))
    }

    fn set_data_breakpoints(&mut self, req: &Request) -> Result<Value, String> {
        self.not_running()?;
        let old = std::mem::take(&mut self.session()?.data_bps);
        self.delete_bps(old)?;
        let wanted = req
            .arguments
            .get("breakpoints")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::new();
        for bp in &wanted {
            let Some(expr) = bp.get("dataId").and_then(Value::as_str) else {
                out.push(
                    json!({ "verified": false, "message": "a data breakpoint without a dataId" }),
                );
                continue;
            };
            let flag = match bp.get("accessType").and_then(Value::as_str) {
                Some("read") => "-r ",
                Some("readWrite") => "-a ",
                _ => "",
            };
            match self.mi(&format!("-break-watch {flag}{}", quote(expr))) {
                Ok(r) => {
                    let wp = ["wpt", "hw-rwpt", "hw-awpt"]
                        .iter()
                        .find_map(|k| r.results.get(*k))
                        .cloned()
                        .unwrap_or(Value::Null);
                    let n = num_of(&wp, "number").unwrap_or(0);
                    let s = self.session()?;
                    s.kinds.insert(n, BpKind::Data);
                    s.data_bps.push(n);
                    let mut b = json!({ "id": n, "verified": true });
                    if let Some(c) = bp.get("condition").and_then(Value::as_str) {
                        if let Err(e) = self.mi(&format!("-break-condition {n} {c}")) {
                            b["message"] = json!(format!("the condition was not set: {e}"));
                        }
                    }
                    out.push(b);
                }
                Err(e) => out.push(json!({ "verified": false, "message": e })),
            }
        }
        Ok(json!({ "breakpoints": out }))
    }

    fn not_running(&mut self) -> Result<(), String> {
        if self.session()?.running {
            return Err("the program is running: pause it first".into());
        }
        Ok(())
    }

    // ---------------------------------------------------------------
    // Threads, frames, variables
    // ---------------------------------------------------------------

    fn threads(&mut self) -> Result<Value, String> {
        if self.s.is_none() {
            return Ok(json!({ "threads": [] }));
        }
        let r = self.mi("-thread-info")?;
        let threads: Vec<Value> = r.results["threads"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .filter_map(|t| {
                        let id = num_of(t, "id")?;
                        let name = str_of(t, "name")
                            .or_else(|| str_of(t, "target-id"))
                            .unwrap_or("thread");
                        Some(json!({ "id": id, "name": format!("{name} ({id})") }))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(json!({ "threads": threads }))
    }

    fn stack_trace(&mut self, req: &Request) -> Result<Value, String> {
        self.not_running()?;
        let t = self.thread_arg(req)?;
        let start = req.int_arg("startFrame").unwrap_or(0).max(0);
        let levels = req.int_arg("levels").unwrap_or(0).max(0);
        let depth = self
            .mi(&format!("-stack-info-depth --thread {t} 1000"))
            .ok()
            .and_then(|r| num_of(&r.results, "depth"));
        let range = if levels > 0 {
            format!(" {start} {}", start + levels - 1)
        } else if start > 0 {
            format!(" {start} 1000")
        } else {
            String::new()
        };
        let r = self.mi(&format!("-stack-list-frames --thread {t}{range}"))?;
        let frames: Vec<Value> = r.results["stack"]
            .as_array()
            .map(|fs| fs.iter().map(|f| dap_frame(t, f)).collect())
            .unwrap_or_default();
        let total = depth.unwrap_or(frames.len() as i64);
        Ok(json!({ "stackFrames": frames, "totalFrames": total }))
    }

    fn new_ref(&mut self, v: VarRef) -> i64 {
        let Some(s) = self.s.as_mut() else {
            return 0;
        };
        let n = s.next_ref;
        s.next_ref += 1;
        s.refs.insert(n, v);
        n
    }

    fn scopes(&mut self, req: &Request) -> Result<Value, String> {
        self.not_running()?;
        let (t, l) = split_frame(req.need_int("frameId")?);
        let locals = self.new_ref(VarRef::Locals(t, l));
        let args = self.new_ref(VarRef::Args(t, l));
        let regs = self.new_ref(VarRef::Registers(t, l));
        Ok(json!({ "scopes": [
            { "name": "Locals", "presentationHint": "locals", "variablesReference": locals, "expensive": false },
            { "name": "Arguments", "presentationHint": "arguments", "variablesReference": args, "expensive": false },
            { "name": "Registers", "presentationHint": "registers", "variablesReference": regs, "expensive": true },
        ]}))
    }

    /// Deletes the variable objects of earlier stops.
    fn delete_stale(&mut self) {
        let stale = self
            .s
            .as_mut()
            .map(|s| std::mem::take(&mut s.stale))
            .unwrap_or_default();
        for v in stale {
            let _ = self.mi(&format!("-var-delete {v}"));
        }
    }

    /// A variable object for `expr` in frame (t, l); the DAP variable.
    fn varobj(
        &mut self,
        frame: Option<(i64, i64)>,
        name: &str,
        expr: &str,
    ) -> Result<Value, String> {
        let r = self.mi(&format!(
            "-var-create{} - * {}",
            frame_opts(frame),
            quote(expr)
        ))?;
        let obj = str_of(&r.results, "name").unwrap_or("").to_string();
        if let Some(s) = self.s.as_mut() {
            s.varobjs.push(obj.clone());
        }
        Ok(self.dap_var(name, &r.results, &obj, Some(expr)))
    }

    fn dap_var(&mut self, name: &str, v: &Value, obj: &str, expr: Option<&str>) -> Value {
        let children = num_of(v, "numchild").unwrap_or(0);
        let reference = if children > 0 || str_of(v, "dynamic") == Some("1") {
            self.new_ref(VarRef::Varobj(obj.to_string()))
        } else {
            0
        };
        let mut out = json!({
            "name": name,
            "value": str_of(v, "value").unwrap_or(""),
            "type": str_of(v, "type").unwrap_or(""),
            "variablesReference": reference,
        });
        if children > 0 {
            out["namedVariables"] = json!(children);
        }
        if let Some(e) = expr {
            out["evaluateName"] = json!(e);
        }
        out
    }

    fn variables(&mut self, req: &Request) -> Result<Value, String> {
        self.not_running()?;
        let reference = req.need_int("variablesReference")?;
        let Some(what) = self.session()?.refs.get(&reference).cloned() else {
            return Err(format!(
                "variables: reference {reference} is no longer valid (the program moved since); ask for the scopes again"
            ));
        };
        self.delete_stale();
        let vars = match what {
            VarRef::Locals(t, l) | VarRef::Args(t, l) => {
                let want_args = matches!(what, VarRef::Args(..));
                let r = self.mi(&format!(
                    "-stack-list-variables --thread {t} --frame {l} --no-values"
                ))?;
                let names: Vec<String> = r.results["variables"]
                    .as_array()
                    .map(|vs| {
                        vs.iter()
                            .filter(|v| (str_of(v, "arg") == Some("1")) == want_args)
                            .filter_map(|v| str_of(v, "name").map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let mut out = Vec::new();
                for name in names {
                    match self.varobj(Some((t, l)), &name, &name) {
                        Ok(v) => out.push(v),
                        Err(e) => out.push(json!({ "name": name, "value": format!("<{e}>"), "variablesReference": 0 })),
                    }
                }
                out
            }
            VarRef::Registers(t, l) => self.registers(t, l)?,
            VarRef::Varobj(obj) => {
                let r = self.mi(&format!("-var-list-children --all-values {}", quote(&obj)))?;
                let children = r.results["children"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                children
                    .iter()
                    .map(|c| {
                        let name = str_of(c, "exp").unwrap_or("?").to_string();
                        let child = str_of(c, "name").unwrap_or("").to_string();
                        self.dap_var(&name, c, &child, None)
                    })
                    .collect()
            }
        };
        Ok(json!({ "variables": vars }))
    }

    fn registers(&mut self, t: i64, l: i64) -> Result<Vec<Value>, String> {
        if self.session()?.register_names.is_none() {
            let r = self.mi("-data-list-register-names")?;
            let names = r.results["register-names"]
                .as_array()
                .map(|ns| {
                    ns.iter()
                        .map(|n| n.as_str().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default();
            self.session()?.register_names = Some(names);
        }
        let names = self.session()?.register_names.clone().unwrap_or_default();
        let r = self.mi(&format!(
            "-data-list-register-values --thread {t} --frame {l} --skip-unavailable N"
        ))?;
        let values = r.results["register-values"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Ok(values
            .iter()
            .filter_map(|v| {
                let n = num_of(v, "number")? as usize;
                let name = names.get(n).filter(|n| !n.is_empty())?;
                Some(json!({
                    "name": name,
                    "value": str_of(v, "value").unwrap_or(""),
                    "variablesReference": 0,
                    "evaluateName": format!("${name}"),
                }))
            })
            .collect())
    }

    fn evaluate(&mut self, req: &Request) -> Result<Value, String> {
        let expr = req
            .str_arg("expression")
            .ok_or("evaluate: the argument expression is missing")?
            .trim()
            .to_string();
        let passthrough = expr
            .strip_prefix("-exec ")
            .or_else(|| expr.strip_prefix('`'))
            .map(|c| c.trim().to_string());
        if let Some(cmd) = passthrough {
            return self.passthrough(&cmd);
        }
        self.not_running()?;
        self.delete_stale();
        let frame = req.int_arg("frameId").map(split_frame);
        let r = self.mi(&format!(
            "-data-evaluate-expression{} {}",
            frame_opts(frame),
            quote(&expr)
        ))?;
        let value = str_of(&r.results, "value").unwrap_or("").to_string();
        // A structured value gets children through a variable object.
        let mut out = json!({ "result": value, "variablesReference": 0 });
        if value.starts_with('{') || value.starts_with('[') {
            if let Ok(v) = self.varobj(frame, &expr, &expr) {
                out["variablesReference"] = v["variablesReference"].clone();
                out["type"] = v["type"].clone();
            }
        }
        Ok(out)
    }

    /// `-exec CMD`: a gdb console command (`monitor when`, `monitor goto
    /// 5`, `reverse-finish`...); its console text is the result.
    fn passthrough(&mut self, cmd: &str) -> Result<Value, String> {
        let first = cmd.split_whitespace().next().unwrap_or("");
        let reverse =
            first.starts_with("reverse") || ["rc", "rs", "rn", "rsi", "rni"].contains(&first);
        let moves = {
            let words: Vec<&str> = cmd.split_whitespace().collect();
            matches!(words.as_slice(), ["monitor", "restart" | "goto", ..])
        };
        let s = self.session()?;
        if s.running {
            return Err("the program is running: pause it first".into());
        }
        // The command may resume the program: a stop is taken as its end.
        s.running = true;
        s.reverse = reverse;
        s.boundary_seen = false;
        self.capturing = true;
        let r = self.console(cmd);
        self.capturing = false;
        if let Some(s) = self.s.as_mut() {
            if !s.saw_running {
                s.running = false;
            }
        }
        let r = r?;
        let text = r.console.trim_end().to_string();
        if moves && r.class == "done" {
            let what = if text.is_empty() {
                "Moved".to_string()
            } else {
                text.clone()
            };
            self.after_move("goto", what)?;
        }
        Ok(json!({ "result": text, "variablesReference": 0 }))
    }
}

impl Adapter<'_> {
    // ---------------------------------------------------------------
    // Memory and instructions
    // ---------------------------------------------------------------

    fn read_memory(&mut self, req: &Request) -> Result<Value, String> {
        self.not_running()?;
        let base = parse_addr(req.str_arg("memoryReference").unwrap_or(""))
            .ok_or("readMemory: memoryReference is not an address")?;
        let offset = req.int_arg("offset").unwrap_or(0);
        let count = req.need_int("count")?.clamp(0, 1 << 20);
        let addr = base.wrapping_add_signed(offset);
        if count == 0 {
            return Ok(json!({ "address": format!("{addr:#x}"), "data": "" }));
        }
        match self.mi(&format!("-data-read-memory-bytes {addr:#x} {count}")) {
            Ok(r) => {
                let mut bytes = Vec::new();
                for block in r.results["memory"].as_array().cloned().unwrap_or_default() {
                    let begin = str_of(&block, "begin").and_then(parse_addr).unwrap_or(addr);
                    if begin != addr + bytes.len() as u64 {
                        break;
                    }
                    bytes.extend(hex_bytes(str_of(&block, "contents").unwrap_or("")));
                }
                let unreadable = count - bytes.len() as i64;
                let mut out = json!({ "address": format!("{addr:#x}"), "data": base64(&bytes) });
                if unreadable > 0 {
                    out["unreadableBytes"] = json!(unreadable);
                }
                Ok(out)
            }
            Err(_) => Ok(json!({ "address": format!("{addr:#x}"), "unreadableBytes": count })),
        }
    }

    /// The instructions around an address, from gdb's disassembly of the
    /// function that holds it; places outside it are marked invalid.
    fn disassemble(&mut self, req: &Request) -> Result<Value, String> {
        self.not_running()?;
        let base = parse_addr(req.str_arg("memoryReference").unwrap_or(""))
            .ok_or("disassemble: memoryReference is not an address")?;
        let addr = base.wrapping_add_signed(req.int_arg("offset").unwrap_or(0));
        let skip = req.int_arg("instructionOffset").unwrap_or(0);
        let count = req.need_int("instructionCount")?.clamp(0, 10_000);
        let r = self.mi(&format!("-data-disassemble -a {addr:#x} -- 2"));
        let insns = match r {
            Ok(r) => r.results["asm_insns"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let at = insns
            .iter()
            .position(|i| str_of(i, "address").and_then(parse_addr) == Some(addr));
        let mut out = Vec::new();
        for k in 0..count {
            let idx = at.map(|a| a as i64 + skip + k);
            match idx
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| insns.get(i))
            {
                Some(i) => {
                    let mut ins = json!({
                        "address": str_of(i, "address").unwrap_or(""),
                        "instruction": str_of(i, "inst").unwrap_or(""),
                        "instructionBytes": str_of(i, "opcodes").unwrap_or(""),
                    });
                    if let (Some(f), Some(o)) = (str_of(i, "func-name"), str_of(i, "offset")) {
                        ins["symbol"] = json!(format!("{f}+{o}"));
                    }
                    out.push(ins);
                }
                None => out.push(json!({
                    "address": "0x0",
                    "instruction": "",
                    "presentationHint": "invalid",
                })),
            }
        }
        Ok(json!({ "instructions": out }))
    }
}

/// `source`: the text of a source file the client names by path (frames
/// name their files by path, with no source references).
fn source_text(req: &Request) -> Result<Value, String> {
    let path = req
        .arguments
        .pointer("/source/path")
        .and_then(Value::as_str)
        .ok_or("source: rewind dap gives sources by path only; this request names none")?;
    let content = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok(json!({ "content": content }))
}

/// `0x1234`, or a decimal number.
fn parse_addr(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

fn hex_bytes(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .filter_map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn capabilities() -> Value {
    json!({
        "supportsConfigurationDoneRequest": true,
        "supportsFunctionBreakpoints": true,
        "supportsConditionalBreakpoints": true,
        "supportsHitConditionalBreakpoints": true,
        "supportsEvaluateForHovers": true,
        "supportsStepBack": true,
        "supportsRestartRequest": true,
        "supportsDataBreakpoints": true,
        "supportsSteppingGranularity": true,
        "supportsTerminateRequest": true,
        "supportsReadMemoryRequest": true,
        "supportsDisassembleRequest": true,
        "exceptionBreakpointFilters": [],
    })
}

/// Whether a stepping request asks for one instruction.
fn instruction(req: &Request) -> bool {
    req.str_arg("granularity") == Some("instruction")
}

fn split_frame(id: i64) -> (i64, i64) {
    (id / FRAMES_PER_THREAD, id % FRAMES_PER_THREAD)
}

fn frame_opts(frame: Option<(i64, i64)>) -> String {
    match frame {
        Some((t, l)) => format!(" --thread {t} --frame {l}"),
        None => String::new(),
    }
}

fn source(path: &str) -> Value {
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    json!({ "name": name, "path": path })
}

fn dap_frame(thread: i64, f: &Value) -> Value {
    let level = num_of(f, "level").unwrap_or(0);
    let addr = str_of(f, "addr").unwrap_or("");
    let name = str_of(f, "func")
        .map(str::to_string)
        .unwrap_or_else(|| addr.to_string());
    let mut out = json!({
        "id": thread * FRAMES_PER_THREAD + level,
        "name": name,
        "line": 0,
        "column": 0,
        "instructionPointerReference": addr,
    });
    match (str_of(f, "fullname"), num_of(f, "line")) {
        (Some(path), Some(line)) => {
            out["source"] = source(path);
            out["line"] = json!(line);
            out["column"] = json!(1);
        }
        _ => out["presentationHint"] = json!("subtle"),
    }
    out
}

/// The replay server's stdout: the line saying it listens, then the
/// program's output.
fn server_stdout(stdout: impl Read, tx: Sender<Msg>) {
    let mut r = BufReader::new(stdout);
    let mut first = String::new();
    if r.read_line(&mut first).unwrap_or(0) == 0 {
        return;
    }
    if first.starts_with("Listening on") {
        let _ = tx.send(Msg::ServerReady);
    } else {
        let _ = tx.send(Msg::Out("stdout", first));
    }
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                if tx.send(Msg::Out("stdout", text)).is_err() {
                    return;
                }
            }
        }
    }
}

/// A line of rewind's own on the replay server's stderr: its messages
/// (`rewind: ...`) and log lines (`[WARN  rewind::...]`, with a timestamp
/// when RUST_LOG asks for one).
fn is_rewind_message(line: &str) -> bool {
    if line.starts_with("rewind: ") {
        return true;
    }
    let Some(rest) = line.strip_prefix('[') else {
        return false;
    };
    let rest = match rest.split_once(' ') {
        Some((stamp, after)) if stamp.len() >= 10 && stamp.as_bytes()[4] == b'-' => after,
        _ => rest,
    };
    ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"]
        .iter()
        .any(|l| rest.starts_with(l) && rest.contains(" rewind"))
}

/// The replay server's stderr: rewind's own messages (to the console) and
/// the program's stderr.
fn server_stderr(stderr: impl Read, tx: Sender<Msg>) {
    let r = BufReader::new(stderr);
    for line in r.split(b'\n') {
        let Ok(line) = line else { break };
        let mut text = String::from_utf8_lossy(&line).into_owned();
        text.push('\n');
        let category = if is_rewind_message(&text) {
            "console"
        } else {
            "stderr"
        };
        if tx.send(Msg::Out(category, text)).is_err() {
            return;
        }
    }
    let _ = tx.send(Msg::ServerGone);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_hex() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(hex_bytes("00ff10"), vec![0, 255, 16]);
        assert_eq!(parse_addr("0x401000"), Some(0x401000));
        assert_eq!(parse_addr("12"), Some(12));
        assert_eq!(parse_addr("x"), None);
    }

    #[test]
    fn rewind_messages_are_told_from_the_programs_stderr() {
        assert!(is_rewind_message("rewind: the replay diverged\n"));
        assert!(is_rewind_message("[WARN  rewind::replay] slow\n"));
        assert!(is_rewind_message(
            "[2026-12-07T18:00:00.000001Z INFO  rewind::gdb::server] connected\n"
        ));
        assert!(!is_rewind_message("[error] the program's own message\n"));
        assert!(!is_rewind_message("warning: something\n"));
    }
}
