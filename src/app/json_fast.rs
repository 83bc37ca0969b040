//! The common `--json-lines` line read without serde: a flat object whose members are `topic`,
//! `payload`, `payload_base64`, `qos`, `retain`, `mid` and `tst`, with strings that need no
//! unescaping and plain whole numbers. That is what a publisher script writes and what `rsub
//! --json-lines` writes for messages without properties, and reading it this way costs a fraction
//! of the general parser (docs/performance.md: `rpub --json-lines` must stay within 1.5 times the
//! time of `rpub -l`). Anything else — properties, escapes, other members, a duplicate, anything
//! malformed — returns `None` and the line goes to serde_json, which reads it or says what is
//! wrong. So this scanner only ever accepts lines serde_json reads the same way (a test compares
//! them).

use std::borrow::Cow;

/// The members of a line as both readers give them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Members<'a> {
    pub tst: Option<Cow<'a, str>>,
    pub topic: Option<Cow<'a, str>>,
    pub qos: Option<u64>,
    pub retain: Option<bool>,
    pub payload: Option<Cow<'a, str>>,
    pub payload_base64: Option<Cow<'a, str>>,
}

/// Reads `line` if it is one of the simple lines (see the module docs); `None` otherwise.
pub fn scan(line: &[u8]) -> Option<Members<'_>> {
    let mut scanner = Scanner { line, at: 0 };
    let mut members = Members::default();
    let mut seen = 0u8;
    scanner.skip_whitespace();
    scanner.expect(b'{')?;
    scanner.skip_whitespace();
    if scanner.peek() == Some(b'}') {
        scanner.at += 1;
    } else {
        loop {
            let key = scanner.string()?;
            scanner.skip_whitespace();
            scanner.expect(b':')?;
            scanner.skip_whitespace();
            let bit = match key {
                "tst" => 1,
                "topic" => 2,
                "qos" => 4,
                "retain" => 8,
                "mid" => 16,
                "payload" => 32,
                "payload_base64" => 64,
                _ => return None,
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            match key {
                "qos" => members.qos = Some(scanner.number()?),
                "mid" => {
                    scanner.number()?;
                }
                "retain" => members.retain = Some(scanner.boolean()?),
                _ => {
                    let text = Some(Cow::Borrowed(scanner.string()?));
                    match key {
                        "tst" => members.tst = text,
                        "topic" => members.topic = text,
                        "payload" => members.payload = text,
                        _ => members.payload_base64 = text,
                    }
                }
            }
            scanner.skip_whitespace();
            match scanner.next()? {
                b',' => scanner.skip_whitespace(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    scanner.skip_whitespace();
    (scanner.at == line.len()).then_some(members)
}

struct Scanner<'a> {
    line: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.line.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.next()? == wanted).then_some(())
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string without escapes or control characters, valid UTF-8.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let rest = &self.line[self.at..];
        let end = rest
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
        if rest[end] != b'"' {
            return None;
        }
        let text = std::str::from_utf8(&rest[..end]).ok()?;
        self.at += end + 1;
        Some(text)
    }

    /// A whole number without sign, fraction, exponent or leading zero, that fits in 64 bits.
    fn number(&mut self) -> Option<u64> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        let digits = &self.line[start..self.at];
        if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    fn boolean(&mut self) -> Option<bool> {
        let rest = &self.line[self.at..];
        if rest.starts_with(b"true") {
            self.at += 4;
            Some(true)
        } else if rest.starts_with(b"false") {
            self.at += 5;
            Some(false)
        } else {
            None
        }
    }
}
