//! The Debug Adapter Protocol's base messages: framing, requests,
//! responses and events.
//!
//! A small model over `serde_json` rather than a crate: the Rust crates
//! for the protocol are an alpha release whose reader rejects any header
//! but `Content-Length` and drops a request it cannot parse without
//! answering it (its `seq` is lost), and an unmaintained generated one.
//! Here a request is kept as JSON until its handler reads the arguments it
//! needs, so an unknown command or a bad argument gets an error response.

use std::io::{BufRead, Write};
use std::sync::Mutex;

use serde_json::{json, Value};

/// Largest message accepted (a client sends small requests).
const MAX_MESSAGE: usize = 64 << 20;

/// A request from the client.
#[derive(Debug, Clone)]
pub struct Request {
    pub seq: i64,
    pub command: String,
    pub arguments: Value,
}

impl Request {
    /// Reads a request out of a message; an error names what is wrong.
    pub fn from_message(v: Value) -> Result<Request, (Option<i64>, String)> {
        let seq = v.get("seq").and_then(Value::as_i64);
        if v.get("type").and_then(Value::as_str) != Some("request") {
            return Err((seq, "the message is not a request".into()));
        }
        let Some(seq) = seq else {
            return Err((None, "the request has no seq".into()));
        };
        let Some(command) = v.get("command").and_then(Value::as_str) else {
            return Err((Some(seq), "the request has no command".into()));
        };
        Ok(Request {
            seq,
            command: command.to_string(),
            arguments: v.get("arguments").cloned().unwrap_or(Value::Null),
        })
    }

    /// A string argument.
    pub fn str_arg(&self, key: &str) -> Option<&str> {
        self.arguments.get(key).and_then(Value::as_str)
    }

    /// An integer argument.
    pub fn int_arg(&self, key: &str) -> Option<i64> {
        self.arguments.get(key).and_then(Value::as_i64)
    }

    /// A required integer argument.
    pub fn need_int(&self, key: &str) -> Result<i64, String> {
        self.int_arg(key)
            .ok_or_else(|| format!("{}: the argument {key} (a number) is missing", self.command))
    }
}

/// Reads one message; `Ok(None)` at the end of the input.
pub fn read_message(r: &mut impl BufRead) -> std::io::Result<Option<Value>> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    let mut length = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return if saw_header {
                Err(bad("the input ended inside a message header".into()))
            } else {
                Ok(None)
            };
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                let n: usize = value
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("bad Content-Length header: {line:?}")))?;
                if n > MAX_MESSAGE {
                    return Err(bad(format!("a message of {n} bytes is too large")));
                }
                length = Some(n);
            }
        }
    }
    let Some(n) = length else {
        return Err(bad("a message without a Content-Length header".into()));
    };
    let mut body = vec![0; n];
    r.read_exact(&mut body)?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| bad(format!("a message that is not JSON: {e}")))
}

/// The writing side, shared by the threads that send events.
pub struct Writer {
    inner: Mutex<(Box<dyn Write + Send>, i64)>,
}

impl Writer {
    pub fn new(out: Box<dyn Write + Send>) -> Writer {
        Writer {
            inner: Mutex::new((out, 0)),
        }
    }

    fn send(&self, mut msg: Value) {
        let Ok(mut guard) = self.inner.lock() else {
            return;
        };
        let (out, seq) = &mut *guard;
        *seq += 1;
        msg["seq"] = json!(*seq);
        let body = msg.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        if out
            .write_all(framed.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            log::info!("the debug adapter client went away");
        }
    }

    pub fn respond(&self, req: &Request, body: Value) {
        self.send(json!({
            "type": "response",
            "request_seq": req.seq,
            "success": true,
            "command": req.command,
            "body": body,
        }));
    }

    pub fn error(&self, seq: i64, command: &str, message: &str) {
        self.send(json!({
            "type": "response",
            "request_seq": seq,
            "success": false,
            "command": command,
            "message": message,
            "body": { "error": { "id": 1, "format": message, "showUser": true } },
        }));
    }

    pub fn event(&self, event: &str, body: Value) {
        self.send(json!({ "type": "event", "event": event, "body": body }));
    }

    pub fn output(&self, category: &str, text: &str) {
        self.event("output", json!({ "category": category, "output": text }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_framed_messages() {
        let input = b"Content-Length: 2\r\nContent-Type: x\r\n\r\n{}Content-Length: 3\r\n\r\n[1]";
        let mut r = std::io::Cursor::new(&input[..]);
        assert_eq!(read_message(&mut r).unwrap(), Some(json!({})));
        assert_eq!(read_message(&mut r).unwrap(), Some(json!([1])));
        assert_eq!(read_message(&mut r).unwrap(), None);
        let mut r = std::io::Cursor::new(&b"Content-Length: 2\r\n\r\n{x"[..]);
        assert!(read_message(&mut r).is_err());
        let mut r = std::io::Cursor::new(&b"X: 2\r\n\r\n{}"[..]);
        assert!(read_message(&mut r).is_err());
    }

    #[test]
    fn requests_need_seq_and_command() {
        let r = Request::from_message(json!({"seq": 3, "type": "request", "command": "threads"}));
        assert_eq!(r.unwrap().command, "threads");
        let r = Request::from_message(json!({"seq": 3, "type": "request"}));
        assert_eq!(r.unwrap_err().0, Some(3));
    }
}
