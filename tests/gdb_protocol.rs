//! The GDB remote protocol spoken to `rewind replay -s PORT` directly, and
//! gdb started with no program file.
//!
//! - A session survives odd packets: after a normal handshake, malformed and
//!   unexpected packets each get a reply (an error, or the empty reply for
//!   an unknown packet), and then the same session debugs normally: a
//!   breakpoint, a continue, the registers at the stop.
//! - File transfer: the host I/O packets serve the program as it was
//!   recorded (its trace copy, the original being deleted), nothing can be
//!   written, and the library list names the C library.
//! - gdb with no program file finds the program and its shared library
//!   through the server, with no "does not support file transfer" warning,
//!   after both were deleted.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What the server sent: an ack or a packet body (checked, runs expanded,
/// unescaped).
#[derive(Debug, PartialEq, Eq)]
enum Unit {
    Ack(u8),
    Packet(Vec<u8>),
}

/// A debugger's end of the connection, speaking packets.
struct Remote {
    stream: TcpStream,
    buf: Vec<u8>,
}

fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b))
}

/// `$body#xx`, with the bytes the protocol reserves escaped.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut esc = Vec::new();
    for &b in body {
        if matches!(b, b'$' | b'#' | b'}' | b'*') {
            esc.push(b'}');
            esc.push(b ^ 0x20);
        } else {
            esc.push(b);
        }
    }
    let mut out = vec![b'$'];
    out.extend_from_slice(&esc);
    out.extend_from_slice(format!("#{:02x}", checksum(&esc)).as_bytes());
    out
}

fn unescape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut it = bytes.iter();
    while let Some(&b) = it.next() {
        if b == b'}' {
            if let Some(&n) = it.next() {
                out.push(n ^ 0x20);
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// Expand the run-length encoding of a reply (`X*n`: n - 29 more X).
fn unrle(body: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'*' && i + 1 < body.len() {
            let last = *out.last().expect("a run with nothing before it");
            let n = body[i + 1] as usize - 29;
            out.extend(std::iter::repeat_n(last, n));
            i += 2;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &[u8]) -> Vec<u8> {
    let s = std::str::from_utf8(s).expect("hex text");
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex digits"))
        .collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Remote {
    fn connect(port: u16) -> Remote {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
        stream
            .set_read_timeout(Some(deadline()))
            .expect("set a read timeout");
        Remote {
            stream,
            buf: Vec::new(),
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send to the server");
    }

    fn send(&mut self, body: &[u8]) {
        let f = frame(body);
        self.send_raw(&f);
    }

    /// The next ack or packet; panics when the server closes the
    /// connection or says nothing before the deadline.
    fn next_unit(&mut self, after: &str) -> Unit {
        let start = Instant::now();
        loop {
            // Skip anything before an ack or a packet start.
            while let Some(&b) = self.buf.first() {
                if matches!(b, b'+' | b'-' | b'$') {
                    break;
                }
                self.buf.remove(0);
            }
            match self.buf.first() {
                Some(&b) if b == b'+' || b == b'-' => {
                    self.buf.remove(0);
                    return Unit::Ack(b);
                }
                Some(b'$') => {
                    if let Some(hash) = self.buf.iter().position(|&b| b == b'#') {
                        if self.buf.len() >= hash + 3 {
                            let raw: Vec<u8> = self.buf.drain(..hash + 3).collect();
                            let body = &raw[1..hash];
                            let sum = u8::from_str_radix(&text(&raw[hash + 1..]), 16)
                                .expect("checksum digits");
                            assert_eq!(checksum(body), sum, "bad checksum on {}", text(&raw));
                            return Unit::Packet(unescape(&unrle(body)));
                        }
                    }
                }
                _ => {}
            }
            assert!(
                start.elapsed() < deadline(),
                "no reply from the server after {after}"
            );
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("the server closed the connection after {after}"),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("reading the reply to {after}: {e}"),
            }
        }
    }

    /// The next packet (acks skipped; console `O` packets too, when
    /// `skip_console`).
    fn packet(&mut self, after: &str, skip_console: bool) -> Vec<u8> {
        loop {
            if let Unit::Packet(p) = self.next_unit(after) {
                let console = p.first() == Some(&b'O') && p != b"OK";
                if !(skip_console && console) {
                    return p;
                }
            }
        }
    }

    /// Send a packet and return the reply.
    fn ask(&mut self, body: &[u8]) -> Vec<u8> {
        self.send(body);
        let what = format!("`{}`", text(&body[..body.len().min(80)]));
        self.packet(&what, false)
    }

    /// Send a resume packet and return the stop reply.
    fn resume(&mut self, body: &[u8]) -> Vec<u8> {
        self.send(body);
        self.packet(&format!("`{}`", text(body)), true)
    }

    /// A whole `qXfer` object, read in windows.
    fn xfer(&mut self, object: &str, annex: &str) -> Vec<u8> {
        let mut data = Vec::new();
        loop {
            let q = format!("qXfer:{object}:read:{annex}:{:x},800", data.len());
            let r = self.ask(q.as_bytes());
            match r.first() {
                Some(b'm') => data.extend_from_slice(&r[1..]),
                Some(b'l') => {
                    data.extend_from_slice(&r[1..]);
                    return data;
                }
                _ => panic!("`{q}` got {}", text(&r)),
            }
        }
    }
}

/// The value of `key` in a 64-bit auxiliary vector.
fn auxv_value(auxv: &[u8], key: u64) -> u64 {
    auxv.chunks_exact(16)
        .find_map(|p| {
            let k = u64::from_le_bytes(p[..8].try_into().unwrap());
            (k == key).then(|| u64::from_le_bytes(p[8..].try_into().unwrap()))
        })
        .unwrap_or_else(|| panic!("no auxv entry {key}"))
}

/// The value of the symbol `name` in `exe` (by nm).
fn symbol(exe: &Path, name: &str) -> u64 {
    let out = Command::new("nm")
        .arg(exe)
        .output()
        .expect("run nm (binutils)");
    let listing = text(&out.stdout);
    listing
        .lines()
        .find_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() == 3 && cols[2] == name).then(|| u64::from_str_radix(cols[0], 16).unwrap())
        })
        .unwrap_or_else(|| panic!("nm shows no {name} in {}:\n{listing}", exe.display()))
}

/// The entry point written in an ELF file's header.
fn elf_entry(exe: &Path) -> u64 {
    let bytes = std::fs::read(exe).expect("read the program");
    u64::from_le_bytes(bytes[24..32].try_into().unwrap())
}

/// The host I/O reply `F<n>[;data]`: (n, data); n is -1 on errors.
fn f_reply(r: &[u8]) -> (i64, Vec<u8>) {
    let r = r
        .strip_prefix(b"F")
        .unwrap_or_else(|| panic!("not a host I/O reply: {}", text(r)));
    let (num, data) = match r.iter().position(|&b| b == b';') {
        Some(i) => (&r[..i], r[i + 1..].to_vec()),
        None => (r, Vec::new()),
    };
    let num = text(num);
    let n = match num.strip_prefix('-') {
        Some(rest) => -i64::from_str_radix(rest.split(',').next().unwrap(), 16).unwrap(),
        None => i64::from_str_radix(&num, 16).unwrap(),
    };
    (n, data)
}

/// The errno of a failed host I/O reply `F-1,errno`.
fn f_errno(r: &[u8]) -> u32 {
    let t = text(r);
    let code = t
        .strip_prefix("F-1,")
        .unwrap_or_else(|| panic!("not a host I/O error: {t}"));
    u32::from_str_radix(code, 16).unwrap()
}

/// Malformed or unexpected packets, after which the session must go on.
/// Resume packets among them are malformed ones, which must not run the
/// program.
fn odd_packets() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        // The ones that used to end the session.
        "M0,4:zz",
        "Pzz=1",
        "Hgzz",
        "vCont;c:-5",
        // Memory and registers.
        "m",
        "mzz,4",
        "m0,",
        "m,4",
        "m0,zz",
        "M",
        "M0,4",
        "M0,zz:00",
        "X0,4:",
        "Xzz,1:a",
        "p",
        "pzz",
        "p9999",
        "P",
        "P10",
        "P10=zz",
        "Pffff=00",
        "G0",
        "Gzz",
        // Threads.
        "H",
        "Hg",
        "Hc",
        "Hx1",
        "Hgp.",
        "Hgpzz.1",
        "Hg-5",
        "Hcp-1.zz",
        "T",
        "Tzz",
        "T-1",
        "qThreadExtraInfo,zz",
        // Resumes that cannot be parsed.
        "vCont;",
        "vCont;x",
        "vCont;c:zz",
        "vCont;s:p-5.-5",
        "vCont;C:1",
        "vCont;Czz:1",
        "Czz",
        "Szz",
        "bszz",
        "bczz",
        // Breakpoints and watchpoints.
        "Z",
        "Z0",
        "Z0,zz,1",
        "Z0,0",
        "Z9,0,1",
        "Z2,0,zz",
        "z",
        "z0,zz,1",
        "z4,0",
        // Transfers and queries.
        "qXfer:features:read:target.xml:zz",
        "qXfer:features:read:other.xml:0,10",
        "qXfer:auxv:read::zz,1",
        "qXfer:auxv:read::0",
        "qXfer:exec-file:read:zz:0,10",
        "qXfer:libraries-svr4:read::,",
        "qXfer:threads:read::zz",
        "qXfer:nothing:read::0,10",
        "qXfer:",
        "qRcmd,zz",
        "qRcmd,",
        "qSymbol:zz",
        "qCRC:zz",
        "QPassSignals:zz",
        "QCatchSyscalls:zz",
        "QNonStop:zz",
        "qL",
        "qP",
        "qfThreadInfo,zz",
        // Host I/O.
        "vFile:",
        "vFile:open:zz,0,0",
        "vFile:open:2f,zz,0",
        "vFile:open:2f6e6f2f737563682f66696c65,0,0",
        "vFile:pread:zz",
        "vFile:pread:9999,10,0",
        "vFile:close:zz",
        "vFile:close:9999",
        "vFile:fstat:",
        "vFile:fstat:9999",
        "vFile:setfs:zz",
        "vFile:readlink:zz",
        "vFile:unlink:2f746d70",
        "vFile:pwrite:0,0,a",
        // Extended mode and friends.
        "vRun;zz",
        "vAttach;zz",
        "vAttach;1",
        "vMustReplyEmpty",
        "vStopped",
        "!x",
        "?x",
        "qC",
        "x0,zz",
        "_M4,rwx",
        "jThreadsInfo",
        "qRegisterInfozz",
        "QThreadSuffixSupported",
        "\u{1}\u{2}\u{7f}",
        "",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    // A register file far too long for the target, and a packet longer
    // than the server's packet buffer.
    v.push(format!("G{}", "00".repeat(5000)).into_bytes());
    v.push(format!("G{}", "00".repeat(20000)).into_bytes());
    v.push(format!("M0,10000:{}", "00".repeat(0x10000)).into_bytes());
    v
}

/// The register file's program counter (rip, register 16) from a `g` reply.
fn pc_of(g: &[u8]) -> u64 {
    let hexdump = unrle(g);
    let bytes = unhex(&hexdump[16 * 16..17 * 16]);
    u64::from_le_bytes(bytes.try_into().unwrap())
}

#[test]
fn odd_packets_get_replies_and_the_session_goes_on() {
    let dir = TestDir::new("gdb_protocol_odd_packets");
    // A copy of the program, deleted after the recording: its file must
    // then come from the trace.
    let exe = dir.join("hello");
    std::fs::copy(c_program("hello"), &exe).expect("copy the program");
    let size = std::fs::metadata(&exe).unwrap().len();
    let entry = elf_entry(&exe);
    let main = symbol(&exe, "main");
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &exe, &[]);
    rec.assert_code(0);
    std::fs::remove_file(&exe).expect("delete the program");

    let mut server = GdbServer::start(&dir, &trace);
    let mut gdb = Remote::connect(server.port);

    // Handshake, with acks first.
    gdb.send(b"qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+");
    assert_eq!(gdb.next_unit("qSupported"), Unit::Ack(b'+'));
    let features = text(&gdb.packet("qSupported", false));
    for f in [
        "PacketSize=",
        "qXfer:libraries-svr4:read+",
        "qXfer:exec-file:read+",
    ] {
        assert!(
            features.contains(f),
            "qSupported reply lacks {f}: {features}"
        );
    }
    // A packet with a wrong checksum is refused with a nack.
    gdb.send_raw(b"$g#00");
    assert_eq!(gdb.next_unit("a bad checksum"), Unit::Ack(b'-'));
    let stop = text(&gdb.ask(b"?"));
    assert!(stop.starts_with("T05"), "`?` got {stop}");
    assert_eq!(gdb.ask(b"QStartNoAckMode"), b"OK");

    // Odd packets: each gets a reply, and the server stays.
    let mut replies = Vec::new();
    for p in odd_packets() {
        let r = gdb.ask(&p);
        replies.push((text(&p[..p.len().min(40)]), text(&r[..r.len().min(80)])));
        assert!(
            server.proc.exited().is_none(),
            "the server exited after `{}`\n{}",
            text(&p[..p.len().min(80)]),
            text(&server.proc.stderr_so_far())
        );
    }
    // The packets that used to end the session get an error reply.
    for (p, r) in &replies[..4] {
        assert!(r.starts_with('E'), "`{p}` got {r:?}, not an error");
    }
    for (p, r) in &replies {
        assert!(
            !r.starts_with('T') && !r.starts_with('S') && !r.starts_with('W'),
            "`{p}` ran the program: {r}"
        );
    }

    // Then debug normally in the same session: a breakpoint at main, a
    // continue, the registers there.
    let auxv = gdb.xfer("auxv", "");
    let bias = auxv_value(&auxv, 9 /* AT_ENTRY */) - entry;
    let bp = bias + main;
    assert_eq!(gdb.ask(format!("Z0,{bp:x},1").as_bytes()), b"OK");
    let stop = text(&gdb.resume(b"vCont;c"));
    assert!(
        stop.starts_with("T05") && stop.contains("swbreak"),
        "continue to main stopped with {stop}"
    );
    let g = gdb.ask(b"g");
    assert_eq!(pc_of(&g), bp, "pc at the breakpoint (g reply {})", text(&g));
    let rip = unhex(&unrle(&gdb.ask(b"p10")));
    assert_eq!(u64::from_le_bytes(rip.try_into().unwrap()), bp);
    // Memory reads show the program's own byte, not the breakpoint's.
    let byte = unhex(&gdb.ask(format!("m{bp:x},1").as_bytes()));
    let original = std::fs::read(
        trace.join("files").join(
            std::fs::read_dir(trace.join("files"))
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .find(|n| n.to_string_lossy().ends_with("-hello"))
                .expect("the program's copy in the trace"),
        ),
    )
    .unwrap();
    assert_ne!(byte, [0xcc]);
    assert!(original.len() as u64 == size);

    // The library list, now that the loader has run.
    let libs = text(&gdb.xfer("libraries-svr4", ""));
    assert!(
        libs.contains("main-lm=") && libs.contains("libc.so.6"),
        "library list: {libs}"
    );

    // File transfer: the deleted program, served from the trace.
    assert_eq!(gdb.ask(b"vFile:setfs:0"), b"F0");
    let path = exe.to_string_lossy().into_owned();
    let (fd, _) = f_reply(&gdb.ask(format!("vFile:open:{},0,0", hex(path.as_bytes())).as_bytes()));
    assert!(fd >= 0, "vFile:open of the deleted program failed");
    let (n, data) = f_reply(&gdb.ask(format!("vFile:pread:{fd:x},4,0").as_bytes()));
    assert_eq!((n, data.as_slice()), (4, b"\x7fELF".as_slice()));
    let (n, data) = f_reply(&gdb.ask(format!("vFile:pread:{fd:x},100,{:x}", size - 8).as_bytes()));
    assert_eq!(n, 8, "a read at the end of the file");
    assert_eq!(data, original[original.len() - 8..]);
    let (n, stat) = f_reply(&gdb.ask(format!("vFile:fstat:{fd:x}").as_bytes()));
    assert_eq!(n, 64, "the protocol's stat is 64 bytes");
    // st_size: big-endian, after seven 32-bit fields.
    assert_eq!(u64::from_be_bytes(stat[28..36].try_into().unwrap()), size);
    assert_eq!(gdb.ask(format!("vFile:close:{fd:x}").as_bytes()), b"F0");
    let r = gdb.ask(format!("vFile:pread:{fd:x},4,0").as_bytes());
    assert_eq!(f_errno(&r), 9, "a read of a closed descriptor: EBADF");
    // Nothing can be written.
    let scratch = dir.join("written");
    let r = gdb.ask(
        format!(
            "vFile:open:{},601,1a4",
            hex(scratch.to_string_lossy().as_bytes())
        )
        .as_bytes(),
    );
    assert_eq!(f_errno(&r), 30, "an open for writing: EROFS");
    assert!(
        !scratch.exists(),
        "the server created {}",
        scratch.display()
    );
    // A file the recording never had: the host's, or its error.
    let r = gdb.ask(format!("vFile:open:{},0,0", hex(b"/no/such/file")).as_bytes());
    assert_eq!(f_errno(&r), 2, "ENOENT");
    // The process's /proc/PID/exe names the program the server reports.
    let exec_file = gdb.xfer("exec-file", "");
    let pid = stop
        .split("thread:p")
        .nth(1)
        .and_then(|t| t.split('.').next())
        .expect("multiprocess thread id in the stop reply")
        .to_string();
    let (n, link) = f_reply(
        &gdb.ask(
            format!(
                "vFile:readlink:{}",
                hex(format!("/proc/{}/exe", i64::from_str_radix(&pid, 16).unwrap()).as_bytes())
            )
            .as_bytes(),
        ),
    );
    assert!(n > 0);
    assert_eq!(link, exec_file);

    // More odd packets at the breakpoint, and the session still steps.
    for p in odd_packets().iter().take(8) {
        gdb.ask(p);
    }
    // (A step names its thread: a bare `vCont;s` is refused.)
    let thread = stop
        .split("thread:")
        .nth(1)
        .and_then(|t| t.split(';').next())
        .expect("a thread in the stop reply")
        .to_string();
    let r = text(&gdb.ask(b"vCont;s"));
    assert!(r.starts_with('E'), "a bare `vCont;s` got {r}");
    let stop = text(&gdb.resume(format!("vCont;s:{thread}").as_bytes()));
    assert!(stop.starts_with("T05"), "step stopped with {stop}");
    let g = gdb.ask(b"g");
    assert_ne!(pc_of(&g), bp, "a step moves the pc");

    // Detach: the session ends normally.
    assert_eq!(gdb.ask(b"D"), b"OK");
    let status = server.proc.wait_exit();
    let err = text(&server.proc.stderr_so_far());
    assert!(status.success(), "the server ended with {status:?}\n{err}");
    assert!(!err.contains("panicked"), "the server panicked\n{err}");
}

/// Builds tests/programs/hostio_lib.c into DIR/lib/libhostio.so and
/// hostio_main.c linked to it into DIR/bin/hostio_main.
fn build_hostio(dir: &TestDir) -> (PathBuf, PathBuf) {
    let src = Path::new(ROOT).join("tests/programs");
    let lib_dir = dir.subdir("lib");
    let bin_dir = dir.subdir("bin");
    let lib = lib_dir.join("libhostio.so");
    let exe = bin_dir.join("hostio_main");
    let gcc = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("gcc")
            .args(["-g", "-O0"])
            .args(args)
            .output()
            .expect("run gcc");
        assert!(out.status.success(), "gcc failed: {}", text(&out.stderr));
    };
    gcc(&[
        "-shared".as_ref(),
        "-fPIC".as_ref(),
        "-o".as_ref(),
        lib.as_os_str(),
        src.join("hostio_lib.c").as_os_str(),
    ]);
    let rpath = format!("-Wl,-rpath,{}", lib_dir.display());
    let libdir = format!("-L{}", lib_dir.display());
    gcc(&[
        "-o".as_ref(),
        exe.as_os_str(),
        src.join("hostio_main.c").as_os_str(),
        libdir.as_ref(),
        "-lhostio".as_ref(),
        rpath.as_ref(),
    ]);
    (exe, lib)
}

#[test]
fn gdb_without_a_program_file_gets_files_through_the_server() {
    if !have_gdb("gdb_without_a_program_file_gets_files_through_the_server") {
        return;
    }
    let dir = TestDir::new("gdb_protocol_hostio");
    let (exe, lib) = build_hostio(&dir);
    let trace = dir.join("trace");
    let rec = record(&dir, &trace, &exe, &[]);
    rec.assert_code(0);
    assert_eq!(rec.stdout_str(), "total=12\n", "{}", rec.describe());
    // The program and its library are gone: only the trace has them.
    std::fs::remove_file(&exe).unwrap();
    std::fs::remove_file(&lib).unwrap();

    let run = run_gdb(&dir, &trace, None, "hostio.gdb");
    let out = run.out();
    assert!(
        !out.contains("does not support file transfer"),
        "gdb warned about file transfer\n{}",
        run.describe()
    );
    assert!(
        !out.contains("Could not load shared library symbols") && !out.contains("No symbol table"),
        "gdb lacks symbols\n{}",
        run.describe()
    );
    let (call, _) = source_line("hostio_main.c", "marker: call");
    let (twice, _) = source_line("hostio_lib.c", "marker: twice");
    run.assert_in_order(&["Breakpoint 1, main () at ", "hostio_main.c:"]);
    // The library list: the test's own library (deleted, from the trace)
    // and the C library, with their symbols read.
    run.assert_line(&["Yes", "libhostio.so"]);
    run.assert_line(&["Yes", "libc.so.6"]);
    run.assert_in_order(&[
        "Breakpoint 2, hostio_twice (x=1) at ",
        &format!("hostio_lib.c:{twice}"),
        "#0  hostio_twice (x=1) at ",
        "#1  0x",
        "main () at ",
        &format!("hostio_main.c:{call}"),
        "$1 = 1\n",
    ]);
    assert!(
        !run.server_stderr.contains("panicked"),
        "{}",
        run.describe()
    );
}
