//! `rewind dap`, the Debug Adapter Protocol server, driven by a real DAP
//! client: `@vscode/debugadapter-testsupport`'s `DebugClient` (the library
//! VS Code extensions test their adapters with), installed from the npm
//! registry into a directory under cargo's target temp directory and run
//! with node (tests/dap/session.js holds the session).
//!
//! The program is tests/programs/reverse_demo.c: the expected lines come
//! from its `LINE:` markers and the expected values from the recording's
//! output, so every assertion is about what a user of an editor sees:
//! where a stop is, the variables' values, the stop reasons at the ends of
//! the recording, and the program's output (each line once).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SRC: &str = "reverse_demo.c";

/// The npm package of the client.
const CLIENT: &str = "@vscode/debugadapter-testsupport";

/// The `node_modules` directory holding the client; None (after a SKIPPED
/// notice) without gdb, node or npm.
fn client_modules(test: &str) -> Option<PathBuf> {
    if !have_gdb(test) {
        return None;
    }
    npm_modules(test, "dap-client", CLIENT)
}

/// Records reverse_demo; the JSON configuration of the session script.
fn session_config(dir: &TestDir) -> String {
    let exe = c_program("reverse_demo");
    let trace = dir.join("trace");
    let rec = record(dir, &trace, &exe, &[]);
    rec.assert_code(0);
    let stdout = rec.stdout_str();
    let v = DemoValues::parse(&stdout);
    let markers = [
        "add term",
        "add write",
        "step add",
        "step return",
        "step mix",
    ];
    let lines: serde_json::Map<String, serde_json::Value> = markers
        .iter()
        .map(|m| (m.to_string(), marker_line(SRC, m).into()))
        .collect();
    let r: Vec<u32> = (0..=DEMO_STEPS)
        .map(|i| if i == 0 { 0 } else { v.r(i) })
        .collect();
    serde_json::json!({
        "rewind": REWIND,
        "trace": trace,
        "src": Path::new(ROOT).join("tests/programs").join(SRC),
        "lines": lines,
        "r": r,
        "totals": v.totals,
        "stdout": stdout,
    })
    .to_string()
}

/// Records dap_output (stdout and stderr in turns); the configuration of
/// the short session.
fn output_config(dir: &TestDir, port: u16) -> String {
    let exe = c_program("dap_output");
    let trace = dir.join("trace");
    let rec = record(dir, &trace, &exe, &[]);
    rec.assert_code(0);
    assert!(rec.stdout_str().contains("out 5: "), "{}", rec.describe());
    assert!(rec.stderr_str().ends_with("err 5\n"), "{}", rec.describe());
    serde_json::json!({
        "rewind": REWIND,
        "trace": trace,
        "stdout": rec.stdout_str(),
        "stderr": rec.stderr_str(),
        "port": port,
        "short": true,
    })
    .to_string()
}

/// Runs tests/dap/session.js; panics with its output when it fails.
fn run_session(dir: &TestDir, modules: &Path, config: &str) -> Output {
    let mut cmd = Command::new("node");
    cmd.arg(Path::new(ROOT).join("tests/dap/session.js"))
        .current_dir(dir.path())
        .env("NODE_PATH", modules)
        .env("DAP_TEST", config)
        .env("REWIND_TRACE_DIR", dir.join("traces"))
        .env_remove("RUST_LOG");
    let started = Instant::now();
    let out = run(cmd, None);
    notice(&format!(
        "dap session took {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    assert!(
        out.code() == Some(0) && out.stdout_str().contains("dap: session passed"),
        "the DAP session failed:\n{}",
        out.describe()
    );
    out
}

/// Over stdin/stdout (the client starts `rewind dap`): launch, breakpoints,
/// stack and variables, reverseContinue, stepBack by line and by
/// instruction, a data breakpoint both ways, the beginning and the end of
/// the recording, `-exec` passthrough, a conditional function breakpoint,
/// the output events, restart; and error responses for a missing trace and
/// an unknown request.
#[test]
fn dap_session_over_stdio() {
    let Some(modules) = client_modules("dap_session_over_stdio") else {
        return;
    };
    let dir = TestDir::new("dap_session_over_stdio");
    let config = session_config(&dir);
    run_session(&dir, &modules, &config);
}

/// `rewind dap --port N`: a session over a TCP connection with a program
/// that writes to stdout and stderr: run to the end of the recording (the
/// output events hold its stdout and stderr, each in its category), back to
/// the beginning; after the client disconnects the adapter exits with
/// status 0 and leaves no gdb or replay behind.
#[test]
fn dap_session_over_tcp() {
    let Some(modules) = client_modules("dap_session_over_tcp") else {
        return;
    };
    let dir = TestDir::new("dap_session_over_tcp");
    let port = free_port();
    let config = output_config(&dir, port);
    let mut cmd = dir.rewind();
    cmd.args(["dap", "--port", &port.to_string()]);
    let mut adapter = Spawned::start(cmd, None);
    adapter.wait_for_stdout("the adapter's listening line", |out| {
        String::from_utf8_lossy(out)
            .contains(&format!("Debug adapter listening on 127.0.0.1:{port}"))
    });
    let pid = adapter.pid();
    run_session(&dir, &modules, &config);
    let status = adapter.wait_exit();
    assert_eq!(
        status.code(),
        Some(0),
        "rewind dap after the client disconnected: {}\n{}",
        describe_status(status),
        String::from_utf8_lossy(&adapter.stderr_so_far())
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left: Vec<ProcInfo> = descendants(pid).into_iter().filter(still_running).collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "rewind dap left processes behind: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// "Record and debug": a launch with `program` (and `args`, `cwd`) records
/// it into a new trace (its output on the debug console), then debugs that
/// trace: the replay's output is what the recording printed, and going back
/// reaches the beginning. A program that cannot be run fails the launch.
#[test]
fn dap_record_and_debug() {
    let Some(modules) = client_modules("dap_record_and_debug") else {
        return;
    };
    let dir = TestDir::new("dap_record_and_debug");
    let traces = dir.join("traces");
    std::fs::create_dir_all(&traces).expect("create the trace directory");
    let config = serde_json::json!({
        "rewind": REWIND,
        "program": c_program("dap_output"),
        "traces": traces,
    })
    .to_string();
    run_session(&dir, &modules, &config);
}

/// Bad input on the protocol channel: a message that is not JSON gets a
/// console message and the adapter reads on; a request without a command
/// gets an error response; the end of the input ends the adapter with
/// status 0.
#[test]
fn dap_bad_messages() {
    let dir = TestDir::new("dap_bad_messages");
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let input = [
        frame("{not json"),
        frame(r#"{"seq":1,"type":"request"}"#),
        frame(r#"{"seq":2,"type":"request","command":"initialize","arguments":{}}"#),
        frame(r#"{"seq":3,"type":"request","command":"stackTrace","arguments":{"threadId":1}}"#),
    ]
    .concat();
    let mut cmd = dir.rewind();
    cmd.arg("dap");
    let out = run(cmd, Some(input.into_bytes()));
    out.assert_no_panic();
    out.assert_code(0);
    let text = out.stdout_str();
    for needle in [
        "a message that is not JSON",
        r#""request_seq":1,"#,
        "the request has no command",
        r#""supportsStepBack":true"#,
        "no replay is running: send launch first",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
}
