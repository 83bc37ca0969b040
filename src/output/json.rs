//! `%j` / `%J`: the JSON that mosquitto_sub 2.0.11 builds with cJSON 1.7.15, byte for byte.
//!
//! Own implementation of the behaviour (verified against the real libcjson 1.7.15):
//!
//! Parsing (`%J`, `cJSON_ParseWithOpts(payload, &end, true)` plus mosquitto's `end == payload+len`):
//! - the payload is a C string: any NUL byte makes it invalid;
//! - whitespace is every byte `<= 0x20` (all control characters), skipped around every token;
//!   a UTF-8 BOM is skipped at the very start if at least one byte follows it;
//! - `null`/`true`/`false` are matched by prefix (`nullx` fails later, on the `x`);
//! - a number starts with `-` or a digit and is read like cJSON does: the run of `[0-9+-eE.]`
//!   characters, converted with `strtod`; anything left unconsumed makes the payload invalid, so
//!   `01`, `1.`, `-.5`, `1.e5` are numbers but `1e`, `+1`, `.5`, `1.2.3` are not. There is no
//!   length limit (Debian's 1.7.15 carries the CVE-2023-26819 fix that removed the 63-char one);
//! - strings: any raw byte except `"` is taken as is (control bytes, invalid UTF-8); escapes are
//!   `\b \f \n \r \t \" \\ \/ \uXXXX`; invalid hex digits in `\u` give code point 0 (which ends
//!   the string when printed, as a C string); surrogate pairs are combined, lone surrogates fail;
//! - nesting deeper than 1000 arrays/objects fails; duplicate keys are kept.
//!
//! Printing (`cJSON_PrintUnformatted` / `cJSON_Print` for `--pretty`):
//! - strings stop at the first NUL; `" \ \b \f \n \r \t` get short escapes, other bytes `< 0x20`
//!   `\u00xx` (lower-case hex), everything else (DEL, bytes >= 0x80) is copied raw;
//! - numbers: `%1.15g`, or `%1.17g` when the `%1.15g` text read back differs from the value by
//!   more than `DBL_EPSILON` relative; infinities print `null`; `-0.0` prints `-0`;
//! - pretty: objects open with `{\n`, members are `<depth TABs>"key":\t<value>` separated by `,\n`,
//!   closed by `\n<depth-1 TABs>}` (an empty object is `{\n<depth-1 TABs>}`); arrays stay on one
//!   line as `[a, b]` but count as a nesting level for the indentation of objects inside them.

use super::sink::Sink;
use super::time::{LocalTime, Strftime};
use super::{MessageView, V5Property, c_str};
use std::fmt::Write as _;

/// A parsed JSON value. Strings and keys are raw bytes (they may contain NUL from `\u0000`,
/// which cuts them when printed).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    False,
    True,
    Number(f64),
    String(Vec<u8>),
    Array(Vec<Value>),
    Object(Vec<(Vec<u8>, Value)>),
}

/// cJSON's `CJSON_NESTING_LIMIT`.
const NESTING_LIMIT: usize = 1000;

/// Parses a payload the way mosquitto's `%J` does. `None`: "not valid JSON".
pub(crate) fn parse_payload(payload: &[u8]) -> Option<Value> {
    if payload.contains(&0) {
        return None;
    }
    let mut parser = Parser {
        s: payload,
        pos: 0,
        depth: 0,
    };
    // cJSON skips a BOM only when the buffer (payload + NUL) has at least 5 bytes.
    if payload.len() >= 4 && payload.starts_with(b"\xEF\xBB\xBF") {
        parser.pos = 3;
    }
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos == payload.len() {
        Some(value)
    } else {
        None
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    /// The byte at the cursor; 0 (the C string terminator) at the end.
    fn peek(&self) -> u8 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }

    fn skip_whitespace(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos] <= 32 {
            self.pos += 1;
        }
    }

    fn rest(&self) -> &[u8] {
        self.s.get(self.pos..).unwrap_or(&[])
    }

    fn value(&mut self) -> Option<Value> {
        let rest = self.rest();
        if rest.starts_with(b"null") {
            self.pos += 4;
            return Some(Value::Null);
        }
        if rest.starts_with(b"false") {
            self.pos += 5;
            return Some(Value::False);
        }
        if rest.starts_with(b"true") {
            self.pos += 4;
            return Some(Value::True);
        }
        match self.peek() {
            b'"' => self.string().map(Value::String),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            b'[' => self.array(),
            b'{' => self.object(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<f64> {
        let rest = self.rest();
        let run = rest
            .iter()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'+' | b'-' | b'e' | b'E' | b'.'))
            .count();
        let consumed = strtod_prefix(&rest[..run]);
        if consumed == 0 {
            return None;
        }
        let text = std::str::from_utf8(&rest[..consumed]).ok()?;
        let value = text.parse::<f64>().ok()?;
        self.pos += consumed;
        Some(value)
    }

    /// At a `"`: the decoded string; the cursor ends after the closing quote.
    fn string(&mut self) -> Option<Vec<u8>> {
        let s = self.s;
        let start = self.pos + 1;
        // Find the closing quote; a backslash always skips the byte after it.
        let mut end = start;
        loop {
            match s.get(end) {
                None => return None,
                Some(b'"') => break,
                Some(b'\\') => end += 2,
                Some(_) => end += 1,
            }
        }
        let mut out = Vec::with_capacity(end - start);
        let mut i = start;
        while i < end {
            if s[i] != b'\\' {
                out.push(s[i]);
                i += 1;
                continue;
            }
            let len = match s.get(i + 1)? {
                b'b' => push1(&mut out, 0x08),
                b'f' => push1(&mut out, 0x0c),
                b'n' => push1(&mut out, b'\n'),
                b'r' => push1(&mut out, b'\r'),
                b't' => push1(&mut out, b'\t'),
                c @ (b'"' | b'\\' | b'/') => push1(&mut out, *c),
                b'u' => utf16_escape(&s[i..end], &mut out)?,
                _ => return None,
            };
            i += len;
        }
        self.pos = end + 1;
        Some(out)
    }

    fn array(&mut self) -> Option<Value> {
        if self.depth >= NESTING_LIMIT {
            return None;
        }
        self.depth += 1;
        self.pos += 1; // '['
        self.skip_whitespace();
        let mut items = Vec::new();
        if self.peek() != b']' {
            loop {
                self.skip_whitespace();
                items.push(self.value()?);
                self.skip_whitespace();
                if self.peek() == b',' {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            if self.peek() != b']' {
                return None;
            }
        }
        self.pos += 1; // ']'
        self.depth -= 1;
        Some(Value::Array(items))
    }

    fn object(&mut self) -> Option<Value> {
        if self.depth >= NESTING_LIMIT {
            return None;
        }
        self.depth += 1;
        self.pos += 1; // '{'
        self.skip_whitespace();
        let mut members = Vec::new();
        if self.peek() != b'}' {
            loop {
                self.skip_whitespace();
                if self.peek() != b'"' {
                    return None;
                }
                let key = self.string()?;
                self.skip_whitespace();
                if self.peek() != b':' {
                    return None;
                }
                self.pos += 1;
                self.skip_whitespace();
                let value = self.value()?;
                members.push((key, value));
                self.skip_whitespace();
                if self.peek() == b',' {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            if self.peek() != b'}' {
                return None;
            }
        }
        self.pos += 1; // '}'
        self.depth -= 1;
        Some(Value::Object(members))
    }
}

fn push1(out: &mut Vec<u8>, b: u8) -> usize {
    out.push(b);
    2
}

/// How many leading bytes of `s` (only `[0-9+-eE.]` bytes) glibc's `strtod` would consume:
/// `[+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?`, or 0 if none.
fn strtod_prefix(s: &[u8]) -> usize {
    let digits = |from: usize| {
        s.iter()
            .skip(from)
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let int_digits = digits(i);
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        frac_digits = digits(i + 1);
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return 0;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_digits = digits(j);
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    i
}

/// cJSON's `parse_hex4`: four hex digits, or 0 if any of them is not one.
fn hex4(s: &[u8]) -> u32 {
    let mut h = 0;
    for &c in s.iter().take(4) {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return 0,
        };
        h = (h << 4) | u32::from(d);
    }
    h
}

/// `s` starts at the backslash of `\uXXXX` and ends before the closing quote. Appends the UTF-8
/// bytes and returns the escape's length (6, or 12 for a surrogate pair); `None` = invalid.
fn utf16_escape(s: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    if s.len() < 6 {
        return None;
    }
    let first = hex4(&s[2..6]);
    let (code, len) = match first {
        0xDC00..=0xDFFF => return None,
        0xD800..=0xDBFF => {
            let second_seq = s.get(6..12)?;
            if second_seq[0] != b'\\' || second_seq[1] != b'u' {
                return None;
            }
            let second = hex4(&second_seq[2..6]);
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            (0x10000 + (((first & 0x3FF) << 10) | (second & 0x3FF)), 12)
        }
        _ => (first, 6),
    };
    // Surrogate code points cannot get here, so this is always a char.
    let c = char::from_u32(code)?;
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    Some(len)
}

/// Appends `s` as a cJSON string: cut at the first NUL, quoted and escaped.
pub(crate) fn write_string<W: Sink + ?Sized>(s: &[u8], out: &mut W) {
    let s = c_str(s);
    out.put_byte(b'"');
    let mut run_start = 0;
    for (i, &b) in s.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0..=0x1f => 0,
            _ => continue,
        };
        out.put(&s[run_start..i]);
        run_start = i + 1;
        if short != 0 {
            out.put(&[b'\\', short]);
        } else {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        }
    }
    out.put(&s[run_start..]);
    out.put_byte(b'"');
}

/// A small stack buffer for number text.
struct NumBuf {
    buf: [u8; 48],
    len: usize,
}

impl NumBuf {
    fn new() -> Self {
        NumBuf {
            buf: [0; 48],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }
}

impl std::fmt::Write for NumBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.len + s.len() > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.extend(s.as_bytes());
        Ok(())
    }
}

/// C's `printf("%1.<precision>g", d)` for a finite `d` (glibc rounds the exact binary value to
/// nearest, ties to even, as Rust's `{:.*e}` does).
fn format_g(d: f64, precision: usize, out: &mut NumBuf) {
    let mut sci = NumBuf::new();
    if write!(sci, "{:.*e}", precision.saturating_sub(1), d).is_err() {
        return;
    }
    let text = sci.as_bytes();
    let Some(e_pos) = text.iter().position(|&b| b == b'e') else {
        return;
    };
    let (mantissa, exp_text) = (&text[..e_pos], &text[e_pos + 1..]);
    let Some(exp) = std::str::from_utf8(exp_text)
        .ok()
        .and_then(|t| t.parse::<i32>().ok())
    else {
        return;
    };
    let negative = mantissa.first() == Some(&b'-');
    let mut digits = NumBuf::new();
    for &b in mantissa {
        if b.is_ascii_digit() {
            digits.push(b);
        }
    }
    let digits = digits.as_bytes();
    if negative {
        out.push(b'-');
    }
    let p = i32::try_from(precision).unwrap_or(i32::MAX);
    if exp < -4 || exp >= p {
        // d.ddde±XX, trailing zeros (and a bare '.') removed.
        out.push(digits.first().copied().unwrap_or(b'0'));
        let frac = trim_zeros(digits.get(1..).unwrap_or(&[]));
        if !frac.is_empty() {
            out.push(b'.');
            out.extend(frac);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push(b'0');
        }
        let _ = write!(out, "{abs}");
    } else if exp >= 0 {
        let int_len = (exp as usize + 1).min(digits.len());
        out.extend(&digits[..int_len]);
        let frac = trim_zeros(&digits[int_len..]);
        if !frac.is_empty() {
            out.push(b'.');
            out.extend(frac);
        }
    } else {
        out.extend(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend(trim_zeros(digits));
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&b| b != b'0').map_or(0, |i| i + 1);
    &s[..end]
}

/// cJSON's `compare_double`.
fn close_enough(a: f64, b: f64) -> bool {
    let max = a.abs().max(b.abs());
    (a - b).abs() <= max * f64::EPSILON
}

/// Appends a number as cJSON's `print_number` does.
pub(crate) fn write_number<W: Sink + ?Sized>(d: f64, out: &mut W) {
    if !d.is_finite() {
        out.put(b"null");
        return;
    }
    // Fast path: integers below 1e15 print the same with %1.15g and as integers.
    if d.fract() == 0.0 && d.abs() < 1e15 {
        if d == 0.0 && d.is_sign_negative() {
            out.put(b"-0");
        } else {
            write_int(d as i64, out);
        }
        return;
    }
    let mut text = NumBuf::new();
    format_g(d, 15, &mut text);
    let round_trips = std::str::from_utf8(text.as_bytes())
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .is_some_and(|back| close_enough(back, d));
    if !round_trips {
        text = NumBuf::new();
        format_g(d, 17, &mut text);
    }
    out.put(text.as_bytes());
}

/// Appends a decimal integer.
pub(crate) fn write_int<W: Sink + ?Sized>(v: i64, out: &mut W) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.put_byte(b'-');
    }
    out.put(&buf[i..]);
}

/// Writes an object member by member with cJSON's layout.
struct ObjectWriter {
    /// Indentation depth of the members (the object's own depth + 1).
    depth: usize,
    pretty: bool,
    empty: bool,
}

impl ObjectWriter {
    /// Opens an object printed at nesting `depth` (0 for the top level).
    fn open<W: Sink + ?Sized>(depth: usize, pretty: bool, out: &mut W) -> Self {
        out.put_byte(b'{');
        if pretty {
            out.put_byte(b'\n');
        }
        ObjectWriter {
            depth: depth + 1,
            pretty,
            empty: true,
        }
    }

    /// Starts a member: separator, indentation, `"key":`. The caller writes the value at
    /// nesting `self.depth`.
    fn key<W: Sink + ?Sized>(&mut self, key: &[u8], out: &mut W) {
        if !self.empty {
            out.put_byte(b',');
            if self.pretty {
                out.put_byte(b'\n');
            }
        }
        self.empty = false;
        if self.pretty {
            tabs(self.depth, out);
        }
        write_string(key, out);
        out.put_byte(b':');
        if self.pretty {
            out.put_byte(b'\t');
        }
    }

    fn close<W: Sink + ?Sized>(self, out: &mut W) {
        if self.pretty {
            if !self.empty {
                out.put_byte(b'\n');
            }
            tabs(self.depth - 1, out);
        }
        out.put_byte(b'}');
    }
}

fn tabs<W: Sink + ?Sized>(n: usize, out: &mut W) {
    out.put_repeated(b'\t', n);
}

/// Appends `value` printed at nesting `depth`.
pub(crate) fn write_value<W: Sink + ?Sized>(
    value: &Value,
    depth: usize,
    pretty: bool,
    out: &mut W,
) {
    match value {
        Value::Null => out.put(b"null"),
        Value::False => out.put(b"false"),
        Value::True => out.put(b"true"),
        Value::Number(d) => write_number(*d, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.put_byte(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.put_byte(b',');
                    if pretty {
                        out.put_byte(b' ');
                    }
                }
                write_value(item, depth + 1, pretty, out);
            }
            out.put_byte(b']');
        }
        Value::Object(members) => {
            let mut obj = ObjectWriter::open(depth, pretty, out);
            for (key, item) in members {
                obj.key(key, out);
                write_value(item, obj.depth, pretty, out);
            }
            obj.close(out);
        }
    }
}

/// What goes under `"payload"`.
pub(crate) enum Payload<'a> {
    /// `%j`: the payload as a string (cut at the first NUL); `null` when empty.
    Escaped,
    /// `%J`: the parsed payload, `None` for an empty payload (`null`).
    Parsed(Option<&'a Value>),
}

/// Appends mosquitto_sub's JSON object for a message (`json_print`): `tst`, `topic`, `qos`,
/// `retain`, `payloadlen`, `mid` (QoS > 0 only), `properties` (v5 messages with properties only),
/// `payload`.
pub(crate) fn write_message<W: Sink + ?Sized>(
    msg: &MessageView,
    nanos: u32,
    time: &LocalTime,
    payload: Payload,
    pretty: bool,
    out: &mut W,
) {
    let mut root = ObjectWriter::open(0, pretty, out);

    root.key(b"tst", out);
    write_tst(nanos, time, out);

    root.key(b"topic", out);
    write_string(msg.topic.as_bytes(), out);

    root.key(b"qos", out);
    write_int(i64::from(msg.qos), out);

    root.key(b"retain", out);
    write_int(i64::from(msg.retain), out);

    root.key(b"payloadlen", out);
    write_int(msg.payload.len() as i64, out);

    if msg.qos > 0 {
        root.key(b"mid", out);
        write_int(i64::from(msg.mid), out);
    }

    if let Some(props) = msg.properties.filter(|p| !p.list.is_empty()) {
        root.key(b"properties", out);
        let mut obj = ObjectWriter::open(root.depth, pretty, out);
        let mut users_done = false;
        for prop in &props.list {
            match prop {
                V5Property::UserProperty(..) => {
                    // All user properties go into one object, placed at the first one.
                    if users_done {
                        continue;
                    }
                    users_done = true;
                    obj.key(b"user-properties", out);
                    let mut users = ObjectWriter::open(obj.depth, pretty, out);
                    for (k, v) in props.user_properties() {
                        users.key(k, out);
                        write_string(v, out);
                    }
                    users.close(out);
                }
                V5Property::PayloadFormatIndicator(v) => {
                    obj.key(b"payload-format-indicator", out);
                    write_int(i64::from(*v), out);
                }
                V5Property::MessageExpiryInterval(v) => {
                    obj.key(b"message-expiry-interval", out);
                    write_int(i64::from(*v), out);
                }
                V5Property::ContentType(v) => {
                    obj.key(b"content-type", out);
                    write_string(v, out);
                }
                V5Property::ResponseTopic(v) => {
                    obj.key(b"response-topic", out);
                    write_string(v, out);
                }
                V5Property::CorrelationData(v) => {
                    obj.key(b"correlation-data", out);
                    write_string(v, out);
                }
                V5Property::SubscriptionIdentifier(v) => {
                    obj.key(b"subscription-identifier", out);
                    write_int(i64::from(*v), out);
                }
                V5Property::TopicAlias(v) => {
                    obj.key(b"topic-alias", out);
                    write_int(i64::from(*v), out);
                }
            }
        }
        obj.close(out);
    }

    root.key(b"payload", out);
    match payload {
        _ if msg.payload.is_empty() => out.put(b"null"),
        Payload::Escaped => write_string(msg.payload, out),
        Payload::Parsed(Some(value)) => write_value(value, root.depth, pretty, out),
        Payload::Parsed(None) => out.put(b"null"),
    }

    root.close(out);
}

/// `"tst"`: mosquitto formats `%Y-%m-%dT%H:%M:%S.000000Z%z`, then writes the microseconds over
/// bytes 20..26 and puts back the `Z` at 26, giving `2026-11-25T22:46:02.239020Z+0000`.
fn write_tst<W: Sink + ?Sized>(nanos: u32, time: &LocalTime, out: &mut W) {
    out.put_byte(b'"');
    let mut text = Strftime::new(c"%Y-%m-%dT%H:%M:%S.000000Z%z", time);
    if let Some(field) = text.as_bytes_mut().get_mut(20..27) {
        let mut micros = nanos / 1000;
        for slot in field[..6].iter_mut().rev() {
            *slot = b'0' + (micros % 10) as u8;
            micros /= 10;
        }
        field[6] = b'Z';
    }
    out.put(text.as_bytes());
    out.put_byte(b'"');
}
