//! The event loop: packets in, through our front layer, into gdbstub's state
//! machine; runs of the replay (forward or reverse) while the debugger
//! waits, with Ctrl-C watched for.

use std::net::{TcpListener, TcpStream};

use gdbstub::common::Signal;
use gdbstub::stub::state_machine::{state, GdbStubStateMachine, GdbStubStateMachineInner};
use gdbstub::stub::{DisconnectReason, GdbStub, GdbStubError, MultiThreadStopReason};

use super::conn::{frame, hex, Conn, Incoming, PacketReader};
use super::packets::{Action, Front};
use super::target::{Fatal, ReplayTarget};
use super::GdbError;
use crate::timeline::Timeline;

/// Room for the largest packet: gdb sizes its memory reads and register
/// writes by the `PacketSize` this implies.
const PACKET_BUFFER: usize = 0x4000;

type Machine<'a> = GdbStubStateMachine<'a, ReplayTarget, Conn>;
type Inner<'a, S> = GdbStubStateMachineInner<'a, S, ReplayTarget, Conn>;
type StubError = GdbStubError<Fatal, std::io::Error>;

/// Bind `host:port`, say how to connect, and serve one debugger.
pub fn serve_on(timeline: Timeline, host: &str, port: u16) -> Result<(), GdbError> {
    let addr = format!("{host}:{port}");
    let listener = TcpListener::bind(&addr).map_err(|source| GdbError::Bind {
        addr: addr.clone(),
        source,
    })?;
    let exe = timeline.session().exe_path();
    println!("Listening on {addr}. Connect with: gdb -ex 'target extended-remote {addr}' {exe}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    serve(timeline, listener)
}

/// Accept one debugger connection on `listener` and serve the replay to it
/// until it detaches, kills the session or disconnects. The replayed
/// process goes away with the session.
pub fn serve(timeline: Timeline, listener: TcpListener) -> Result<(), GdbError> {
    let (stream, peer) = listener.accept().map_err(GdbError::Accept)?;
    drop(listener);
    log::info!("debugger connected from {peer}");
    serve_stream(timeline, stream)
}

fn serve_stream(timeline: Timeline, stream: TcpStream) -> Result<(), GdbError> {
    let reader = stream.try_clone().map_err(GdbError::Connection)?;
    let watched = stream.try_clone().map_err(GdbError::Connection)?;
    let mut reader = PacketReader::new(reader);
    let mut target = ReplayTarget::new(timeline);
    let machine = match new_machine(&stream, &mut target) {
        Ok(m) => m,
        Err(LoopError::Conn(e)) => return Err(GdbError::Connection(e)),
        Err(LoopError::Stub(e)) => return Err(stub_error(e)),
        Err(LoopError::Setup(e)) => return Err(GdbError::Protocol(e)),
    };
    let mut session = Session {
        stream,
        front: Front::default(),
        settings: Settings::default(),
        last_packet: String::new(),
    };
    match event_loop(machine, &mut target, &mut reader, &watched, &mut session) {
        Ok(reason) => {
            log::info!("debugging session ended: {reason:?}");
            Ok(())
        }
        Err(LoopError::Conn(e)) => {
            log::info!("debugger connection lost: {e}");
            Ok(())
        }
        Err(LoopError::Stub(e)) if e.is_connection_error() => {
            log::info!("debugger connection lost: {e}");
            Ok(())
        }
        Err(LoopError::Stub(e)) => Err(stub_error(e)),
        Err(LoopError::Setup(e)) => Err(GdbError::Protocol(e)),
    }
}

/// A fresh gdbstub state machine writing to (a clone of) `stream`.
fn new_machine<'a>(
    stream: &TcpStream,
    target: &mut ReplayTarget,
) -> Result<Machine<'a>, LoopError> {
    let conn = stream.try_clone().map_err(LoopError::Conn)?;
    let stub = GdbStub::<ReplayTarget, Conn>::builder(Conn::new(conn))
        .packet_buffer_size(PACKET_BUFFER)
        .build()
        .map_err(|e| LoopError::Setup(e.to_string()))?;
    Ok(stub.run_state_machine(target)?)
}

fn stub_error(e: StubError) -> GdbError {
    GdbError::Protocol(e.to_string())
}

/// Why the loop ended when the debugger simply went away.
const GONE: DisconnectReason = DisconnectReason::Disconnect;

/// The reply to a packet gdbstub could not take (malformed, or naming
/// something the target does not have): EINVAL.
const BAD_PACKET: &[u8] = b"E16";

/// What the event loop keeps beside gdbstub.
struct Session {
    /// The debugger's connection (a new gdbstub writes to a clone).
    stream: TcpStream,
    front: Front,
    settings: Settings,
    /// The start of the last packet handed to gdbstub (for messages).
    last_packet: String,
}

/// The packets that set gdbstub's per-session state, as the debugger last
/// sent them with success. When a packet makes gdbstub fail (it ends its
/// state machine on a packet it cannot parse), a new gdbstub is made and
/// told them again, and the session goes on.
#[derive(Default)]
struct Settings {
    /// `qSupported:...` (multiprocess thread ids).
    supported: Option<Vec<u8>>,
    /// The last `Hg...` and `Hc...` since the last stop (a stop reply sets
    /// both to the thread that stopped).
    hg: Option<Vec<u8>>,
    hc: Option<Vec<u8>>,
}

impl Settings {
    /// Note a packet gdbstub took without failing.
    fn note(&mut self, body: &[u8]) {
        if body.starts_with(b"qSupported") {
            self.supported = Some(body.to_vec());
        } else if body.starts_with(b"Hg") {
            self.hg = Some(body.to_vec());
        } else if body.starts_with(b"Hc") {
            self.hc = Some(body.to_vec());
        }
    }

    /// A stop was reported: it named the current thread for both.
    fn stopped(&mut self) {
        self.hg = None;
        self.hc = None;
    }
}

/// Make a new gdbstub in the place of one that failed on the debugger's
/// input, with the session's settings told to it again (its replies are
/// dropped).
fn rebuild<'a>(target: &mut ReplayTarget, session: &Session) -> Result<Machine<'a>, LoopError> {
    let mut machine = new_machine(&session.stream, target)?;
    if let GdbStubStateMachine::Idle(gdb) = &mut machine {
        gdb.borrow_conn().set_muted(true);
    }
    let s = &session.settings;
    let current = session.front.thread_id(target, target.current_tid().get());
    let hg =
        s.hg.clone()
            .unwrap_or_else(|| format!("Hg{current}").into_bytes());
    let hc =
        s.hc.clone()
            .unwrap_or_else(|| format!("Hc{current}").into_bytes());
    let mut told: Vec<Vec<u8>> = Vec::new();
    told.extend(s.supported.clone());
    if session.front.no_ack {
        told.push(b"QStartNoAckMode".to_vec());
    }
    told.push(hg);
    told.push(hc);
    for body in told {
        machine = feed(machine, target, &frame(&body))?;
    }
    match machine {
        GdbStubStateMachine::Idle(mut gdb) => {
            gdb.borrow_conn().set_muted(false);
            Ok(GdbStubStateMachine::Idle(gdb))
        }
        _ => Err(LoopError::Setup(
            "the debugger session could not be set up again".to_string(),
        )),
    }
}

/// gdbstub failed on the debugger's input, not on the connection or the
/// target: such a failure costs the packet an error reply, not the session.
fn recoverable(e: &LoopError) -> bool {
    match e {
        LoopError::Stub(e) => !e.is_connection_error() && !e.is_target_error(),
        LoopError::Conn(_) | LoopError::Setup(_) => false,
    }
}

fn event_loop(
    mut machine: Machine<'_>,
    target: &mut ReplayTarget,
    reader: &mut PacketReader<TcpStream>,
    watched: &TcpStream,
    session: &mut Session,
) -> Result<DisconnectReason, LoopError> {
    loop {
        let (step, was_running) = match machine {
            GdbStubStateMachine::Idle(gdb) => match idle(gdb, target, reader, session) {
                Ok(None) => return Ok(GONE),
                Ok(Some(m)) => (Ok(m), false),
                Err(e) => (Err(e), false),
            },
            GdbStubStateMachine::Running(gdb) => (running(gdb, target, reader, watched), true),
            GdbStubStateMachine::CtrlCInterrupt(gdb) => {
                let stop = MultiThreadStopReason::SignalWithThread {
                    tid: target.current_tid(),
                    signal: Signal::SIGINT,
                };
                (
                    gdb.interrupt_handled(target, Some(stop))
                        .map_err(LoopError::from),
                    true,
                )
            }
            GdbStubStateMachine::Disconnected(gdb) => return Ok(gdb.get_reason()),
        };
        machine = match step {
            Ok(m) => {
                if was_running {
                    session.settings.stopped();
                }
                m
            }
            Err(e) if recoverable(&e) => {
                let LoopError::Stub(e) = e else {
                    return Err(e);
                };
                if was_running {
                    log::warn!("the stop could not be reported by gdbstub: {e}");
                } else {
                    log::warn!(
                        "the debugger's packet `{}` was refused with an error reply: {e}",
                        session.last_packet
                    );
                }
                let mut m = rebuild(target, session)?;
                if let GdbStubStateMachine::Idle(gdb) = &mut m {
                    let conn = gdb.borrow_conn();
                    if was_running {
                        // The stop could not be reported by gdbstub: report
                        // it ourselves, the debugger waits for it.
                        session.settings.stopped();
                        let stop = session.front.stop_reply(target);
                        conn.send_packet(stop.as_bytes()).map_err(conn_write)?;
                    } else {
                        reply_with(conn, session.front.no_ack, &[BAD_PACKET.to_vec()])?;
                    }
                }
                m
            }
            Err(e) => return Err(e),
        };
    }
}

/// The machine is idle: take the debugger's next packet.
fn idle<'a>(
    mut gdb: Inner<'a, state::Idle<ReplayTarget>>,
    target: &mut ReplayTarget,
    reader: &mut PacketReader<TcpStream>,
    session: &mut Session,
) -> Result<Option<Machine<'a>>, LoopError> {
    let front = &mut session.front;
    let incoming = match reader.read_next() {
        Ok(i) => i,
        Err(e) => {
            log::info!("reading from the debugger: {e}");
            return Ok(None);
        }
    };
    Ok(Some(match incoming {
        Incoming::Eof => return Ok(None),
        // A stop was reported already (or nothing runs).
        Incoming::Interrupt => GdbStubStateMachine::Idle(gdb),
        // gdbstub does not retransmit; over TCP a nack means
        // nothing can be done anyway.
        Incoming::Ack(b'-') => GdbStubStateMachine::Idle(gdb),
        Incoming::Ack(b) => gdb.incoming_data(target, b)?,
        Incoming::Oversized(len) => {
            log::warn!("dropped a packet of {len} bytes (more than gdbstub can take)");
            reply_with(gdb.borrow_conn(), front.no_ack, &[BAD_PACKET.to_vec()])?;
            GdbStubStateMachine::Idle(gdb)
        }
        Incoming::Packet(ref raw) => {
            let Some(body) = incoming.body() else {
                log::warn!(
                    "packet with a bad checksum: {}",
                    String::from_utf8_lossy(raw)
                );
                if !front.no_ack {
                    gdb.borrow_conn().send_raw(b"-").map_err(conn_write)?;
                }
                return Ok(Some(GdbStubStateMachine::Idle(gdb)));
            };
            log::trace!("<- {}", String::from_utf8_lossy(&body));
            session.last_packet = String::from_utf8_lossy(&body[..body.len().min(64)]).into_owned();
            match front.intercept(&body, target, gdb.borrow_conn()) {
                Action::Reply(reply) => {
                    reply_with(gdb.borrow_conn(), front.no_ack, &[reply])?;
                    GdbStubStateMachine::Idle(gdb)
                }
                Action::Replies(replies) => {
                    reply_with(gdb.borrow_conn(), front.no_ack, &replies)?;
                    GdbStubStateMachine::Idle(gdb)
                }
                Action::Forward if raw.len() > PACKET_BUFFER => {
                    log::warn!(
                        "dropped a packet of {} bytes (more than gdbstub can take)",
                        raw.len()
                    );
                    reply_with(gdb.borrow_conn(), front.no_ack, &[BAD_PACKET.to_vec()])?;
                    GdbStubStateMachine::Idle(gdb)
                }
                Action::Forward => {
                    let m = feed(GdbStubStateMachine::Idle(gdb), target, raw)?;
                    session.settings.note(&body);
                    m
                }
                Action::ForwardAs(body) => {
                    log::trace!("<- (as) {}", String::from_utf8_lossy(&body));
                    let m = feed(GdbStubStateMachine::Idle(gdb), target, &frame(&body))?;
                    session.settings.note(&body);
                    m
                }
            }
        }
    }))
}

/// The replay runs: run it as the debugger asked and report the stop.
fn running<'a>(
    mut gdb: Inner<'a, state::Running>,
    target: &mut ReplayTarget,
    reader: &mut PacketReader<TcpStream>,
    watched: &TcpStream,
) -> Result<Machine<'a>, LoopError> {
    let out = if reader.buffered().contains(&0x03) {
        // Ctrl-C arrived with the resume packet.
        reader.discard_buffered_interrupts();
        target.interrupted()
    } else {
        let interrupter = target.interrupter();
        let (out, fired) =
            super::interrupt::run_watched(watched, interrupter, || target.run_pending());
        match target.take_failed_reverse() {
            // Interrupted while going back: a Ctrl-C stop, not an error.
            Some(_) if fired => target.interrupted(),
            Some(why) => {
                eprintln!("rewind: {why}");
                out
            }
            None => out,
        }
    };
    log::debug!("stop: {:?}", out.stop);
    if let Some(note) = target.for_console(out.note) {
        gdb.borrow_conn().send_console(&note).map_err(conn_write)?;
    }
    if let Some(program) = target.take_exec() {
        // The stop reply is a T packet: `exec:` names the new program,
        // hex-encoded.
        let path = program.to_string_lossy().into_owned();
        let field = format!("exec:{};", hex(path.as_bytes()));
        gdb.borrow_conn().append_to_next_reply(field.as_bytes());
    }
    Ok(gdb.report_stop(target, out.stop)?)
}

/// Acknowledge a packet (unless acks are off) and send our replies.
fn reply_with(conn: &mut Conn, no_ack: bool, replies: &[Vec<u8>]) -> Result<(), LoopError> {
    if !no_ack {
        conn.send_raw(b"+").map_err(conn_write)?;
    }
    for reply in replies {
        log::trace!("-> {}", String::from_utf8_lossy(reply));
        conn.send_packet(reply).map_err(conn_write)?;
    }
    Ok(())
}

/// Hand a packet's raw bytes to gdbstub.
fn feed<'a>(
    mut machine: Machine<'a>,
    target: &mut ReplayTarget,
    raw: &[u8],
) -> Result<Machine<'a>, StubError> {
    for &b in raw {
        machine = match machine {
            GdbStubStateMachine::Idle(gdb) => gdb.incoming_data(target, b)?,
            other => return Ok(other),
        };
    }
    Ok(machine)
}

/// How the event loop failed.
enum LoopError {
    Stub(StubError),
    /// Writing our own replies failed: the debugger is gone.
    Conn(std::io::Error),
    /// A gdbstub could not be made.
    Setup(String),
}

impl From<StubError> for LoopError {
    fn from(e: StubError) -> Self {
        LoopError::Stub(e)
    }
}

fn conn_write(e: std::io::Error) -> LoopError {
    LoopError::Conn(e)
}
