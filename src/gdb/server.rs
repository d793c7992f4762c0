//! The event loop: packets in, through our front layer, into gdbstub's state
//! machine; runs of the replay (forward or reverse) while the debugger
//! waits, with Ctrl-C watched for.

use std::net::{TcpListener, TcpStream};

use gdbstub::common::Signal;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub, GdbStubError, MultiThreadStopReason};

use super::conn::{frame, Conn, Incoming, PacketReader};
use super::packets::{Action, Front};
use super::target::{Fatal, ReplayTarget};
use super::GdbError;
use crate::timeline::Timeline;

/// Room for the largest packet: gdb sizes its memory reads and register
/// writes by the `PacketSize` this implies.
const PACKET_BUFFER: usize = 0x4000;

type Machine<'a> = GdbStubStateMachine<'a, ReplayTarget, Conn>;
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
    let stub = GdbStub::<ReplayTarget, Conn>::builder(Conn::new(stream))
        .packet_buffer_size(PACKET_BUFFER)
        .build()
        .map_err(|e| GdbError::Protocol(e.to_string()))?;
    let machine = stub.run_state_machine(&mut target).map_err(stub_error)?;
    match event_loop(machine, &mut target, &mut reader, &watched) {
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
    }
}

fn stub_error(e: StubError) -> GdbError {
    GdbError::Protocol(e.to_string())
}

/// Why the loop ended when the debugger simply went away.
const GONE: DisconnectReason = DisconnectReason::Disconnect;

fn event_loop(
    mut machine: Machine<'_>,
    target: &mut ReplayTarget,
    reader: &mut PacketReader<TcpStream>,
    watched: &TcpStream,
) -> Result<DisconnectReason, LoopError> {
    let mut front = Front::default();
    loop {
        machine = match machine {
            GdbStubStateMachine::Idle(mut gdb) => {
                let incoming = match reader.read_next() {
                    Ok(i) => i,
                    Err(e) => {
                        log::info!("reading from the debugger: {e}");
                        return Ok(GONE);
                    }
                };
                match incoming {
                    Incoming::Eof => return Ok(GONE),
                    // A stop was reported already (or nothing runs).
                    Incoming::Interrupt => GdbStubStateMachine::Idle(gdb),
                    // gdbstub does not retransmit; over TCP a nack means
                    // nothing can be done anyway.
                    Incoming::Ack(b'-') => GdbStubStateMachine::Idle(gdb),
                    Incoming::Ack(b) => gdb.incoming_data(target, b)?,
                    Incoming::Packet(ref raw) => {
                        let Some(body) = incoming.body() else {
                            log::warn!(
                                "packet with a bad checksum: {}",
                                String::from_utf8_lossy(raw)
                            );
                            if !front.no_ack {
                                gdb.borrow_conn().send_raw(b"-").map_err(conn_write)?;
                            }
                            machine = GdbStubStateMachine::Idle(gdb);
                            continue;
                        };
                        log::trace!("<- {}", String::from_utf8_lossy(&body));
                        match front.intercept(&body, target, gdb.borrow_conn()) {
                            Action::Reply(reply) => {
                                reply_with(gdb.borrow_conn(), front.no_ack, &[reply])?;
                                GdbStubStateMachine::Idle(gdb)
                            }
                            Action::Replies(replies) => {
                                reply_with(gdb.borrow_conn(), front.no_ack, &replies)?;
                                GdbStubStateMachine::Idle(gdb)
                            }
                            Action::Forward => feed(GdbStubStateMachine::Idle(gdb), target, raw)?,
                            Action::ForwardAs(body) => {
                                log::trace!("<- (as) {}", String::from_utf8_lossy(&body));
                                feed(GdbStubStateMachine::Idle(gdb), target, &frame(&body))?
                            }
                        }
                    }
                }
            }
            GdbStubStateMachine::Running(mut gdb) => {
                let out = if reader.buffered().contains(&0x03) {
                    // Ctrl-C arrived with the resume packet.
                    reader.discard_buffered_interrupts();
                    target.interrupted()
                } else {
                    let interrupter = target.interrupter();
                    let (out, fired) = super::interrupt::run_watched(watched, interrupter, || {
                        target.run_pending()
                    });
                    match target.take_failed_reverse() {
                        // Interrupted while going back: a Ctrl-C stop, not
                        // an error.
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
                    // The stop reply is a T packet: `exec:` names the new
                    // program, hex-encoded.
                    let path = program.to_string_lossy().into_owned();
                    let field = format!("exec:{};", super::packets::hex(path.as_bytes()));
                    gdb.borrow_conn().append_to_next_reply(field.as_bytes());
                }
                gdb.report_stop(target, out.stop)?
            }
            GdbStubStateMachine::CtrlCInterrupt(gdb) => {
                let stop = MultiThreadStopReason::SignalWithThread {
                    tid: target.current_tid(),
                    signal: Signal::SIGINT,
                };
                gdb.interrupt_handled(target, Some(stop))?
            }
            GdbStubStateMachine::Disconnected(gdb) => return Ok(gdb.get_reason()),
        };
    }
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
}

impl From<StubError> for LoopError {
    fn from(e: StubError) -> Self {
        LoopError::Stub(e)
    }
}

fn conn_write(e: std::io::Error) -> LoopError {
    LoopError::Conn(e)
}
