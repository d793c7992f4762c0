//! gdb/MI: the records gdb writes in `-i=mi3` mode, parsed into JSON values,
//! and the quoting of command arguments.
//!
//! An output line is a result record (`TOKEN^done,...`, `^running`,
//! `^error,msg="..."`), an asynchronous record (`*stopped,...`,
//! `=thread-created,...`), a stream record (`~"console text"`,
//! `@"target text"`, `&"log text"`) or the prompt `(gdb)`. Values are
//! C strings, tuples `{a=...,b=...}` and lists `[...]`; a tuple becomes a
//! JSON object and a list an array (the names in a list of results, such as
//! `[frame={...},frame={...}]`, are dropped).

use serde_json::{Map, Value};

/// One line of gdb's MI output.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// `TOKEN^class,results`.
    Result {
        token: Option<u64>,
        class: String,
        results: Value,
    },
    /// `*class,results` (exec), `=class,results` (notify), `+...` (status).
    Async {
        kind: char,
        class: String,
        results: Value,
    },
    /// `~"..."`, `@"..."`, `&"..."`, decoded.
    Stream { kind: char, text: String },
    /// `(gdb)`.
    Prompt,
    /// Anything else (gdb prints some things raw).
    Other(String),
}

/// Parses one line of MI output.
pub fn parse_line(line: &str) -> Record {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim() == "(gdb)" {
        return Record::Prompt;
    }
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    let (token, rest) = line.split_at(digits);
    let token = token.parse().ok();
    let mut chars = rest.chars();
    let Some(kind) = chars.next() else {
        return Record::Other(line.to_string());
    };
    let body = chars.as_str();
    match kind {
        '~' | '@' | '&' if token.is_none() => {
            let mut p = Parser::new(body);
            match p.cstring() {
                Some(text) => Record::Stream { kind, text },
                None => Record::Other(line.to_string()),
            }
        }
        '^' | '*' | '=' | '+' => {
            let (class, results) = match body.find(',') {
                Some(i) => (&body[..i], &body[i + 1..]),
                None => (body, ""),
            };
            let mut p = Parser::new(results);
            let results = p.results_until(None).unwrap_or(Value::Object(Map::new()));
            if kind == '^' {
                Record::Result {
                    token,
                    class: class.to_string(),
                    results,
                }
            } else {
                Record::Async {
                    kind,
                    class: class.to_string(),
                    results,
                }
            }
        }
        _ => Record::Other(line.to_string()),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Parser<'a> {
        Parser {
            s: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// `name=value,name=value...` up to `end` (or the end of the input).
    fn results_until(&mut self, end: Option<u8>) -> Option<Value> {
        let mut map = Map::new();
        loop {
            match self.peek() {
                None => {
                    return if end.is_none() {
                        Some(Value::Object(map))
                    } else {
                        None
                    }
                }
                Some(c) if Some(c) == end => {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                Some(b',') => self.i += 1,
                Some(_) => {
                    let (name, value) = self.result()?;
                    map.insert(name, value);
                }
            }
        }
    }

    fn result(&mut self) -> Option<(String, Value)> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b'=' {
                break;
            }
            self.i += 1;
        }
        let name = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.i += 1; // '='
        Some((name, self.value()?))
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => self.cstring().map(Value::String),
            b'{' => {
                self.i += 1;
                self.results_until(Some(b'}'))
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    match self.peek()? {
                        b']' => {
                            self.i += 1;
                            return Some(Value::Array(items));
                        }
                        b',' => self.i += 1,
                        b'"' | b'{' | b'[' => items.push(self.value()?),
                        _ => items.push(self.result()?.1),
                    }
                }
            }
            _ => None,
        }
    }

    /// A C string starting at the opening quote.
    fn cstring(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'e' => out.push(0x1b),
                        b'a' => out.push(7),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'v' => out.push(11),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }
}

/// `s` as an MI C-string argument.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The string at `key` of an MI tuple.
pub fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The number at `key` of an MI tuple (MI writes numbers as strings).
pub fn num_of(v: &Value, key: &str) -> Option<i64> {
    str_of(v, key).and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stopped_record() {
        let r = parse_line(
            r#"*stopped,reason="breakpoint-hit",disp="keep",bkptno="1",frame={addr="0x401136",func="add",args=[{name="i",value="1"},{name="r",value="42"}],file="a.c",fullname="/t/a.c",line="40",arch="i386:x86-64"},thread-id="1",stopped-threads="all""#,
        );
        let Record::Async {
            kind,
            class,
            results,
        } = r
        else {
            panic!("{r:?}");
        };
        assert_eq!((kind, class.as_str()), ('*', "stopped"));
        assert_eq!(str_of(&results, "reason"), Some("breakpoint-hit"));
        assert_eq!(num_of(&results["frame"], "line"), Some(40));
        assert_eq!(str_of(&results["frame"]["args"][1], "value"), Some("42"));
    }

    #[test]
    fn parses_results_and_lists_of_results() {
        let r = parse_line(
            r#"12^done,stack=[frame={level="0",func="add"},frame={level="1",func="main"}]"#,
        );
        let Record::Result {
            token,
            class,
            results,
        } = r
        else {
            panic!("{r:?}");
        };
        assert_eq!(token, Some(12));
        assert_eq!(class, "done");
        assert_eq!(str_of(&results["stack"][1], "func"), Some("main"));
        let r = parse_line(r#"3^error,msg="No symbol \"x\" in current context.""#);
        assert!(matches!(r, Record::Result { ref results, .. }
            if str_of(results, "msg") == Some("No symbol \"x\" in current context.")));
    }

    #[test]
    fn parses_streams_and_quotes() {
        assert_eq!(
            parse_line(r#"~"Current event: 5\n""#),
            Record::Stream {
                kind: '~',
                text: "Current event: 5\n".into()
            }
        );
        assert_eq!(parse_line("(gdb) "), Record::Prompt);
        assert_eq!(quote("a \"b\"\\"), r#""a \"b\"\\""#);
        assert!(matches!(parse_line("garbage"), Record::Other(_)));
        assert!(matches!(
            parse_line("^done,x={a=\"1\""),
            Record::Result { .. }
        ));
    }
}
