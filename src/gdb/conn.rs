//! The debugger connection, below gdbstub: incoming bytes are split into
//! packets here (so that the packet layer above can answer some before
//! gdbstub sees them), and outgoing bytes are buffered until a reply is
//! complete. Framing only: nothing here knows what a packet means.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// One unit of what the debugger sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A whole packet, `$body#xx` as received (body still escaped).
    Packet(Vec<u8>),
    /// `+` or `-`.
    Ack(u8),
    /// The interrupt byte (0x03, Ctrl-C) outside a packet.
    Interrupt,
    /// A packet longer than [`MAX_PACKET`] bytes: it was read to its end
    /// and dropped.
    Oversized(usize),
    /// The debugger closed the connection.
    Eof,
}

impl Incoming {
    /// The unescaped body of a packet whose checksum is right.
    pub fn body(&self) -> Option<Vec<u8>> {
        let Incoming::Packet(raw) = self else {
            return None;
        };
        let hash = raw.iter().rposition(|&b| b == b'#')?;
        let escaped = raw.get(1..hash)?;
        let sum = std::str::from_utf8(raw.get(hash + 1..hash + 3)?).ok()?;
        let sum = u8::from_str_radix(sum, 16).ok()?;
        if checksum(escaped) != sum {
            return None;
        }
        Some(unescape(escaped))
    }
}

/// The longest packet kept in memory; a longer one is read and dropped.
pub const MAX_PACKET: usize = 1 << 20;

/// Reads the debugger's bytes and splits them into [`Incoming`] units.
pub struct PacketReader<R> {
    inner: BufReader<R>,
}

impl<R: Read> PacketReader<R> {
    pub fn new(inner: R) -> Self {
        PacketReader {
            inner: BufReader::new(inner),
        }
    }

    fn byte(&mut self) -> std::io::Result<Option<u8>> {
        let mut b = [0u8];
        loop {
            match self.inner.read(&mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(b[0])),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The next unit; garbage between packets is skipped.
    pub fn read_next(&mut self) -> std::io::Result<Incoming> {
        loop {
            let Some(b) = self.byte()? else {
                return Ok(Incoming::Eof);
            };
            match b {
                b'$' => break,
                b'+' | b'-' => return Ok(Incoming::Ack(b)),
                0x03 => return Ok(Incoming::Interrupt),
                _ => continue,
            }
        }
        let mut raw = vec![b'$'];
        let mut len = 1usize;
        loop {
            let Some(b) = self.byte()? else {
                return Ok(Incoming::Eof);
            };
            len += 1;
            if raw.len() < MAX_PACKET {
                raw.push(b);
            }
            if b == b'#' {
                break;
            }
        }
        for _ in 0..2 {
            let Some(b) = self.byte()? else {
                return Ok(Incoming::Eof);
            };
            len += 1;
            raw.push(b);
        }
        if len > raw.len() {
            return Ok(Incoming::Oversized(len));
        }
        Ok(Incoming::Packet(raw))
    }

    /// Bytes already received but not yet returned by [`Self::read_next`].
    pub fn buffered(&self) -> &[u8] {
        self.inner.buffer()
    }

    /// Drop buffered interrupt bytes (the stop they asked for was reported).
    pub fn discard_buffered_interrupts(&mut self) {
        let n = self
            .inner
            .buffer()
            .iter()
            .take_while(|&&b| b == 0x03)
            .count();
        self.inner.consume(n);
    }
}

pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b))
}

/// Undo the protocol's escaping (`}` then the byte xor 0x20).
pub fn unescape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
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

/// `$body#xx` with `body` escaped.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut esc = Vec::with_capacity(body.len() + 4);
    for &b in body {
        if matches!(b, b'$' | b'#' | b'}' | b'*') {
            esc.push(b'}');
            esc.push(b ^ 0x20);
        } else {
            esc.push(b);
        }
    }
    let mut out = Vec::with_capacity(esc.len() + 4);
    out.push(b'$');
    out.extend_from_slice(&esc);
    out.push(b'#');
    out.extend_from_slice(format!("{:02x}", checksum(&esc)).as_bytes());
    out
}

/// An `O` packet (console output) with `text`.
pub fn console_packet(text: &str) -> Vec<u8> {
    let mut body = b"O".to_vec();
    body.extend_from_slice(hex(text.as_bytes()).as_bytes());
    body
}

/// Bytes as the protocol's hex text.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The connection gdbstub writes to: buffered, with a hook that appends to
/// the body of the next reply (used to advertise features in `qSupported`
/// that gdbstub does not know about). A muted connection sends nothing (a
/// rebuilt gdbstub is told the session's settings again through it).
pub struct Conn {
    stream: TcpStream,
    out: Vec<u8>,
    append_next: Option<Vec<u8>>,
    muted: bool,
}

impl Conn {
    pub fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            out: Vec::new(),
            append_next: None,
            muted: false,
        }
    }

    /// Drop (`true`) or send (`false`) what is written from now on.
    pub fn set_muted(&mut self, muted: bool) {
        self.muted = muted;
        self.out.clear();
    }

    /// Append `extra` to the body of the next packet written.
    pub fn append_to_next_reply(&mut self, extra: &[u8]) {
        self.append_next = Some(extra.to_vec());
    }

    /// Write raw bytes (an ack, a framed packet) now.
    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.extend_from_slice(bytes);
        gdbstub::conn::Connection::flush(self)
    }

    /// Send a packet with this (unescaped) body.
    pub fn send_packet(&mut self, body: &[u8]) -> std::io::Result<()> {
        self.send_raw(&frame(body))
    }

    /// Send text for the debugger's console (an `O` packet; valid while
    /// the debugger waits for a stop reply).
    pub fn send_console(&mut self, text: &str) -> std::io::Result<()> {
        self.send_packet(&console_packet(text))
    }

    /// Apply the pending append to the packet in `self.out`.
    fn rewrite_reply(&mut self) {
        let Some(extra) = self.append_next.take() else {
            return;
        };
        let Some(start) = self.out.iter().position(|&b| b == b'$') else {
            self.append_next = Some(extra);
            return;
        };
        let Some(hash) = self.out.iter().rposition(|&b| b == b'#') else {
            self.append_next = Some(extra);
            return;
        };
        if hash < start || self.out.len() < hash + 3 {
            self.append_next = Some(extra);
            return;
        }
        let mut body = self.out[start + 1..hash].to_vec();
        body.extend_from_slice(&extra);
        let tail = self.out.split_off(hash + 3);
        self.out.truncate(start);
        self.out.push(b'$');
        self.out.extend_from_slice(&body);
        self.out.push(b'#');
        self.out
            .extend_from_slice(format!("{:02x}", checksum(&body)).as_bytes());
        self.out.extend_from_slice(&tail);
    }
}

impl gdbstub::conn::Connection for Conn {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> Result<(), Self::Error> {
        self.out.push(byte);
        Ok(())
    }

    fn write_all(&mut self, buf: &[u8]) -> Result<(), Self::Error> {
        self.out.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        if self.muted {
            self.out.clear();
            return Ok(());
        }
        self.rewrite_reply();
        let r = Write::write_all(&mut self.stream, &self.out);
        self.out.clear();
        r?;
        Write::flush(&mut self.stream)
    }

    fn on_session_start(&mut self) -> Result<(), Self::Error> {
        self.stream.set_nodelay(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_packets_acks_and_interrupts() {
        let input = b"+$qSupported:multiprocess+#c6\x03junk$m}]10,4#00-".to_vec();
        let mut r = PacketReader::new(&input[..]);
        assert_eq!(r.read_next().unwrap(), Incoming::Ack(b'+'));
        let p = r.read_next().unwrap();
        assert_eq!(p.body().unwrap(), b"qSupported:multiprocess+");
        assert_eq!(r.read_next().unwrap(), Incoming::Interrupt);
        let p = r.read_next().unwrap();
        assert_eq!(p, Incoming::Packet(b"$m}]10,4#00".to_vec()));
        assert_eq!(p.body(), None, "bad checksum");
        assert_eq!(r.read_next().unwrap(), Incoming::Ack(b'-'));
        assert_eq!(r.read_next().unwrap(), Incoming::Eof);
    }

    #[test]
    fn a_0x03_inside_a_packet_is_data() {
        // `}` 0x03 is an escaped '#'.
        let body = b"X10,1:}\x03";
        let raw = [
            b"$".as_slice(),
            body,
            b"#",
            format!("{:02x}", checksum(body)).as_bytes(),
        ]
        .concat();
        let mut r = PacketReader::new(&raw[..]);
        assert_eq!(r.read_next().unwrap().body().unwrap(), b"X10,1:#");
    }

    #[test]
    fn an_oversized_packet_is_read_to_its_end_and_dropped() {
        let mut input = b"$".to_vec();
        input.extend(std::iter::repeat_n(b'G', MAX_PACKET + 10));
        input.extend_from_slice(b"#00$OK#9a");
        let mut r = PacketReader::new(&input[..]);
        assert_eq!(r.read_next().unwrap(), Incoming::Oversized(MAX_PACKET + 14));
        assert_eq!(r.read_next().unwrap().body().unwrap(), b"OK");
    }

    #[test]
    fn console_packets() {
        assert_eq!(hex(b"x8"), "7838");
        assert_eq!(console_packet("hi\n"), b"O68690a");
    }

    #[test]
    fn frames_with_escapes() {
        assert_eq!(frame(b"OK"), b"$OK#9a");
        let f = frame(b"a#b");
        assert_eq!(&f[..5], b"$a}\x03b");
        let parsed = Incoming::Packet(f).body().unwrap();
        assert_eq!(parsed, b"a#b");
    }
}
