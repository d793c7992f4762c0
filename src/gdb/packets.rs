//! Packets answered in front of gdbstub: those it does not handle, or does
//! not handle the way a replay needs. Everything else is passed on to it.
//!
//! - `?`: the last stop's real signal (gdbstub always says SIGTRAP).
//! - `qRcmd` (`monitor`): for gdb the output goes in the reply itself,
//!   which gdb prints on its standard output (console `O` packets go to its
//!   stderr); lldb shows such a reply raw, so it gets an `O` packet and
//!   `OK`.
//! - `qXfer:threads:read`: thread list with names (advertised in
//!   `qSupported` by appending to gdbstub's reply).
//! - Requests gdbstub would treat as fatal protocol errors (`Hg-1`, other
//!   target description annexes) get an error reply instead; `Hc-1`
//!   (resume all threads, which gdbstub refuses for a later `bs`) is passed
//!   on as `Hc0`.
//! - `bc` and `bs` (reverse-continue, reverse-step, as gdb and lldb's
//!   `process plugin packet send` send them) go to gdbstub, which
//!   advertises `ReverseContinue+;ReverseStep+`; see [`super::reverse`].
//! - `qHostInfo`, `qProcessInfo`, `qGDBServerVersion`,
//!   `qWatchpointSupportInfo`: lldb's queries; seeing them also switches
//!   stop replies to Linux signal numbers, which lldb expects.

use super::conn::{console_packet, hex, Conn};
use super::target::ReplayTarget;
use crate::replay::debugregs::SLOTS;

/// What to do with a packet.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Let gdbstub handle it.
    Forward,
    /// Let gdbstub handle this packet (unescaped body) instead.
    ForwardAs(Vec<u8>),
    /// Send this reply body.
    Reply(Vec<u8>),
    /// Send these packets (bodies), in order: console output, then the
    /// reply.
    Replies(Vec<Vec<u8>>),
}

/// Features we add to gdbstub's `qSupported` reply.
const EXTRA_FEATURES: &[u8] = b";qXfer:threads:read+;exec-events+";

const TRIPLE: &str = "x86_64-pc-linux-gnu";

/// The protocol state this layer tracks.
#[derive(Debug, Default)]
pub struct Front {
    /// The debugger stopped sending and expecting acks.
    pub no_ack: bool,
    /// The debugger negotiated `multiprocess+` (thread ids are `pP.T`).
    pub multiprocess: bool,
}

impl Front {
    /// Look at a packet (unescaped body) before gdbstub does.
    pub fn intercept(&mut self, body: &[u8], target: &mut ReplayTarget, conn: &mut Conn) -> Action {
        let text = String::from_utf8_lossy(body);
        if let Some(cmd) = text.strip_prefix("qRcmd,") {
            let line = String::from_utf8_lossy(&unhex(cmd)).into_owned();
            let out = target.monitor(&line);
            if out.is_empty() {
                return Action::Reply(b"OK".to_vec());
            }
            if target.is_lldb() {
                // lldb prints console packets and shows the final reply
                // raw: the text goes in an `O` packet, then `OK`.
                return Action::Replies(vec![console_packet(&out), b"OK".to_vec()]);
            }
            return Action::Reply(hex(out.as_bytes()).into_bytes());
        }
        let (name, rest) = match text.find([':', ';']) {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (&text[..], ""),
        };
        match name {
            "qSupported" => {
                self.multiprocess = rest.split(';').any(|f| f == "multiprocess+");
                conn.append_to_next_reply(EXTRA_FEATURES);
                Action::Forward
            }
            "QStartNoAckMode" => {
                // gdbstub acknowledges this packet, then stops acking.
                self.no_ack = true;
                Action::Forward
            }
            "?" => Action::Reply(self.stop_reply(target).into_bytes()),
            "qXfer" => {
                if let Some(window) = rest.strip_prefix("threads:read::") {
                    Action::Reply(self.threads_xfer(target, window))
                } else if rest.starts_with("features:read:")
                    && !rest.starts_with("features:read:target.xml:")
                {
                    // gdbstub ends the session on other annexes; ours has
                    // no includes.
                    Action::Reply(b"E00".to_vec())
                } else {
                    Action::Forward
                }
            }
            // gdbstub ends the session on "all threads" for register and
            // memory access; refuse it instead.
            _ if text.starts_with("Hg-1") || text.starts_with("Hgp-1.-1") => {
                Action::Reply(b"E01".to_vec())
            }
            // "Resume all threads" would make gdbstub end the session on a
            // following `bs` (it steps one thread only). Threads run one at
            // a time anyway: resume "any thread", i.e. the one that stopped.
            _ if resumes_all_threads(&text) => Action::ForwardAs(b"Hc0".to_vec()),
            "qHostInfo" => {
                target.set_lldb();
                Action::Reply(
                    format!(
                        "triple:{};ptrsize:8;endian:little;ostype:linux;vendor:pc;\
                         watchpoint_exceptions_received:after;",
                        hex(TRIPLE.as_bytes())
                    )
                    .into_bytes(),
                )
            }
            "qProcessInfo" => {
                target.set_lldb();
                Action::Reply(
                    format!(
                        "pid:{:x};triple:{};ostype:linux;endian:little;ptrsize:8;",
                        target.pid(),
                        hex(TRIPLE.as_bytes())
                    )
                    .into_bytes(),
                )
            }
            "qGDBServerVersion" => Action::Reply(
                format!("name:rewind;version:{};", env!("CARGO_PKG_VERSION")).into_bytes(),
            ),
            "qShlibInfoAddr" => Action::Reply(target.shlib_info_reply()),
            "qWatchpointSupportInfo" => Action::Reply(format!("num:{SLOTS};").into_bytes()),
            _ => Action::Forward,
        }
    }

    pub fn thread_id(&self, target: &ReplayTarget, tid: usize) -> String {
        if self.multiprocess {
            format!("p{:x}.{:x}", target.pid(), tid)
        } else {
            format!("{tid:x}")
        }
    }

    /// The reply to `?`: the last stop, in the current thread.
    pub fn stop_reply(&self, target: &ReplayTarget) -> String {
        if target.is_killed() {
            return format!("X{:02x}", target.numbering().signal(libc::SIGKILL).0);
        }
        let tid = target.current_tid().get();
        format!(
            "T{:02x}thread:{};",
            target.last_stop_signal().0,
            self.thread_id(target, tid)
        )
    }

    fn threads_xfer(&self, target: &ReplayTarget, window: &str) -> Vec<u8> {
        let name = xml_escape(&target.thread_name());
        let mut xml = String::from("<?xml version=\"1.0\"?>\n<threads>\n");
        for tid in target.threads() {
            xml.push_str(&format!(
                "  <thread id=\"{}\" core=\"0\" name=\"{name}\"/>\n",
                self.thread_id(target, tid.get())
            ));
        }
        xml.push_str("</threads>\n");
        xfer_window(xml.as_bytes(), window)
    }
}

/// `Hc` naming all threads: `Hc-1`, or with multiprocess ids `Hcp<pid>.-1`.
fn resumes_all_threads(packet: &str) -> bool {
    let Some(id) = packet.strip_prefix("Hc") else {
        return false;
    };
    id == "-1" || (id.starts_with('p') && id.ends_with(".-1"))
}

/// The `m`/`l` reply to a `qXfer` read of `OFFSET,LENGTH` over `data`.
pub fn xfer_window(data: &[u8], window: &str) -> Vec<u8> {
    let mut parts = window.split(',');
    let offset = parts.next().and_then(|s| usize::from_str_radix(s, 16).ok());
    let length = parts.next().and_then(|s| usize::from_str_radix(s, 16).ok());
    let (Some(offset), Some(length)) = (offset, length) else {
        return b"E00".to_vec();
    };
    let start = offset.min(data.len());
    let end = start.saturating_add(length).min(data.len());
    let mut out = vec![if end == data.len() { b'l' } else { b'm' }];
    out.extend_from_slice(&data[start..end]);
    out
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xfer_windows() {
        assert_eq!(xfer_window(b"abcdef", "0,3"), b"mabc");
        assert_eq!(xfer_window(b"abcdef", "3,100"), b"ldef");
        assert_eq!(xfer_window(b"abcdef", "6,10"), b"l");
        assert_eq!(xfer_window(b"abcdef", "zz"), b"E00");
    }

    #[test]
    fn recognizes_resume_all_threads() {
        assert!(resumes_all_threads("Hc-1"));
        assert!(resumes_all_threads("Hcp1f.-1"));
        assert!(resumes_all_threads("Hcp-1.-1"));
        assert!(!resumes_all_threads("Hc0"));
        assert!(!resumes_all_threads("Hc1f"));
        assert!(!resumes_all_threads("Hcp1f.1f"));
        assert!(!resumes_all_threads("Hg-1"));
    }

    #[test]
    fn escapes_names() {
        assert_eq!(xml_escape("a<b>&\"c"), "a&lt;b&gt;&amp;&quot;c");
        assert_eq!(unhex("7768656e"), b"when");
    }
}
