//! `-F` format strings (FORMAT.md §5.3): parsed and validated once, expanded per message.
//!
//! Grammar, as mosquitto 2.0.11 validates it (`check_format`) and expands it (`formatted_print`):
//! - `%[-][0][width][.precision]<conv>` with `<conv>` one of `% A C D E F I j J l m P p q R r S t U x X`;
//!   only one of `-`/`0` is accepted as a flag by the validation (`%0-5l` → invalid `'-'`), but
//!   `%-05l` parses as `-` + width `05`, which the expansion then reads as `-` and `0` flags;
//! - `@@` → `@`; `@N` → nanoseconds (`%09ld`); `@<c>` → glibc `strftime("%<c>")` of the local time;
//! - `\\ \0 \a \e \n \r \t \v` escapes (`\0` writes a NUL byte);
//! - everything else is copied; the format is a C string, so it ends at an embedded NUL.
//!
//! mosquitto 2.1 added, and we take over with its semantics: `%f`/`%d` (the payload as a 4-byte
//! float / 8-byte double in the machine's byte order, printed like `printf("%.*f")`), and an optional
//! separator character after the precision (one of [`HEX_SEPARATORS`], accepted before any
//! conversion) with which `%x`/`%X` put the separator after every `precision` hex digits (`%.2x`:
//! `01 02 03`, `%.4:X`: `0102:0304`), widths included as 2.1 has them (`format/v21.rs`); `%x` without
//! a precision keeps 2.0.11's widths (see below).
//!
//! Expansion quirks reproduced from mosquitto (see `write`): `%p` with a width also truncates;
//! `%x`/`%X` with a width show `floor(min(len, width) / 2)` bytes; `%-p`/`%-x` without a width pad
//! with `len` spaces; `%q %r %% %U %D %P` ignore width and flags; integers use `printf("%d")`
//! with the width; absent v5 integer properties print `width` pad characters; the time of the `@`
//! sequences is taken once per message, that of `%I %U %j %J` at each occurrence.

mod v21;

use super::json::{self, Payload};
use super::sink::{HEX_PIECE, Sink};
use super::time::{Clock, LocalTime, Strftime, Timestamp};
use super::{MessageView, c_str};
use std::fmt;
use v21::{hex_digits, put_float, put_grouped_hex};

/// A `-F` format string error, with mosquitto's exact text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// `%` (or `%-`, `%5`, `%5.`, …) or `@` at the end of the format.
    IncompleteFormat,
    /// An unknown conversion character (the byte mosquitto prints between quotes).
    InvalidFormat(u8),
    /// `\` at the end of the format.
    IncompleteEscape,
    /// An unknown escape character.
    InvalidEscape(u8),
}

impl FormatError {
    /// The exact bytes mosquitto writes to stderr, including its trailing `\n` (one newline; the
    /// CLI then prints `\nUse 'mosquitto_sub --help' to see usage.\n`). The offending character is
    /// written as the raw byte, even when it is not ASCII (`%é` gives `'\xc3'`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(48);
        match *self {
            FormatError::IncompleteFormat => {
                out.extend_from_slice(b"Error: Incomplete format specifier.")
            }
            FormatError::InvalidFormat(c) => {
                out.extend_from_slice(b"Error: Invalid format specifier '");
                out.push(c);
                out.extend_from_slice(b"'.");
            }
            FormatError::IncompleteEscape => {
                out.extend_from_slice(b"Error: Incomplete escape specifier.")
            }
            FormatError::InvalidEscape(c) => {
                out.extend_from_slice(b"Error: Invalid escape specifier '");
                out.push(c);
                out.extend_from_slice(b"'.");
            }
        }
        out.push(b'\n');
        out
    }
}

/// The message without the trailing newline; a non-ASCII offending byte shows as U+FFFD (use
/// [`FormatError::to_bytes`] for the exact bytes).
impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |c: u8| {
            if c.is_ascii() {
                char::from(c)
            } else {
                '\u{fffd}'
            }
        };
        match *self {
            FormatError::IncompleteFormat => f.write_str("Error: Incomplete format specifier."),
            FormatError::InvalidFormat(c) => {
                write!(f, "Error: Invalid format specifier '{}'.", shown(c))
            }
            FormatError::IncompleteEscape => f.write_str("Error: Incomplete escape specifier."),
            FormatError::InvalidEscape(c) => {
                write!(f, "Error: Invalid escape specifier '{}'.", shown(c))
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// What a `%` conversion prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conv {
    /// `%t`
    Topic,
    /// `%p`
    Payload,
    /// `%x`
    HexLower,
    /// `%X`
    HexUpper,
    /// `%l`
    PayloadLen,
    /// `%m`
    Mid,
    /// `%q`
    Qos,
    /// `%r`
    Retain,
    /// `%I`
    IsoTime,
    /// `%U`
    UnixTime,
    /// `%j`
    JsonEscaped,
    /// `%J`
    JsonParsed,
    /// `%A`
    TopicAlias,
    /// `%C`
    ContentType,
    /// `%D`
    CorrelationData,
    /// `%E`
    MessageExpiry,
    /// `%F`
    PayloadFormat,
    /// `%P`
    UserProperties,
    /// `%R`
    ResponseTopic,
    /// `%S`
    SubscriptionId,
    /// `%f` (mosquitto 2.1): a 4-byte payload as an IEEE-754 float.
    Float,
    /// `%d` (mosquitto 2.1): an 8-byte payload as an IEEE-754 double.
    Double,
}

/// mosquitto 2.1's `hexseplist`: the characters accepted as a hex separator after the precision.
pub const HEX_SEPARATORS: &[u8; 32] = b"!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~ ";

impl Conv {
    /// The conversions `check_format` accepts (`%%` is handled as a literal before this).
    fn from_byte(c: u8) -> Option<Conv> {
        Some(match c {
            b't' => Conv::Topic,
            b'p' => Conv::Payload,
            b'x' => Conv::HexLower,
            b'X' => Conv::HexUpper,
            b'l' => Conv::PayloadLen,
            b'm' => Conv::Mid,
            b'q' => Conv::Qos,
            b'r' => Conv::Retain,
            b'I' => Conv::IsoTime,
            b'U' => Conv::UnixTime,
            b'j' => Conv::JsonEscaped,
            b'J' => Conv::JsonParsed,
            b'A' => Conv::TopicAlias,
            b'C' => Conv::ContentType,
            b'D' => Conv::CorrelationData,
            b'E' => Conv::MessageExpiry,
            b'F' => Conv::PayloadFormat,
            b'P' => Conv::UserProperties,
            b'R' => Conv::ResponseTopic,
            b'S' => Conv::SubscriptionId,
            b'f' => Conv::Float,
            b'd' => Conv::Double,
            _ => return None,
        })
    }
}

/// One `%` conversion with its flags. Width and precision are C `int`s parsed digit by digit
/// (wrapping on absurd lengths, as mosquitto's does in practice); precision -1 = none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Spec {
    conv: Conv,
    left: bool,
    zero: bool,
    width: i32,
    precision: i32,
    /// The hex separator (mosquitto 2.1; a space unless one is given).
    sep: u8,
}

impl Spec {
    fn pad(&self) -> u8 {
        if self.zero { b'0' } else { b' ' }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment {
    /// `literals[start..end]`: plain text, escapes, `%%` and `@@`.
    Literal {
        start: usize,
        end: usize,
    },
    Percent(Spec),
    /// `@<c>` (`c` != `@`): `N` or a strftime conversion character.
    Time(u8),
}

/// A parsed `-F` format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Format {
    segments: Vec<Segment>,
    literals: Vec<u8>,
}

impl Format {
    /// Validates and parses a `-F` argument (mosquitto: `check_format` at argument parsing).
    /// The format is a C string: anything after an embedded NUL is ignored.
    pub fn parse(format: &[u8]) -> Result<Format, FormatError> {
        let s = c_str(format);
        validate(s)?;
        Ok(tokenize(s))
    }

    /// Expands the format for one message into `out`, **without** the end-of-line (the caller adds
    /// `\n` unless `-N`). `pretty` is `--pretty` (for `%j`/`%J`). Runtime errors go to `err`:
    /// `Error: Message payload is not valid JSON on topic <t>.\n` for `%J` (which then expands to
    /// nothing, the rest of the format is still printed), and `Error obtaining system time.\n`
    /// (twice, as mosquitto prints it) if the clock has no local time; for an `@` sequence mosquitto
    /// then abandons the rest of the line (and its newline; the caller's newline is not suppressed).
    pub fn write<W: Sink + ?Sized>(
        &self,
        msg: &MessageView,
        clock: &dyn Clock,
        pretty: bool,
        out: &mut W,
        err: &mut Vec<u8>,
    ) {
        let mut times = Times::default();
        for segment in &self.segments {
            match *segment {
                Segment::Literal { start, end } => {
                    out.put(self.literals.get(start..end).unwrap_or(&[]))
                }
                Segment::Percent(spec) => {
                    write_spec(spec, msg, clock, &mut times, pretty, out, err)
                }
                Segment::Time(c) => {
                    if !write_at(c, clock, &mut times, out, err) {
                        return;
                    }
                }
            }
        }
    }
}

/// mosquitto's `check_format`: the first error in the string wins.
fn validate(s: &[u8]) -> Result<(), FormatError> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let last = s.len().saturating_sub(1);
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                if i == last {
                    return Err(FormatError::IncompleteFormat);
                }
                if at(i + 1) == b'0' || at(i + 1) == b'-' {
                    i += 1;
                    if i == last {
                        return Err(FormatError::IncompleteFormat);
                    }
                }
                while at(i + 1).is_ascii_digit() {
                    i += 1;
                    if i == last {
                        return Err(FormatError::IncompleteFormat);
                    }
                }
                if at(i + 1) == b'.' {
                    i += 1;
                    if i == last {
                        return Err(FormatError::IncompleteFormat);
                    }
                    while at(i + 1).is_ascii_digit() {
                        i += 1;
                        if i == last {
                            return Err(FormatError::IncompleteFormat);
                        }
                    }
                }
                // mosquitto 2.1: an optional hex separator before the conversion. A format that is
                // invalid anyway names the character 2.0.11 names (the separator, which 2.0.11 took
                // for the conversion), not the one after it as 2.1 does.
                let sep = at(i + 1);
                if HEX_SEPARATORS.contains(&sep) {
                    let conv = at(i + 2);
                    if conv != b'%' && Conv::from_byte(conv).is_none() {
                        return Err(FormatError::InvalidFormat(sep));
                    }
                    i += 1;
                }
                let conv = at(i + 1);
                if conv != b'%' && Conv::from_byte(conv).is_none() {
                    return Err(FormatError::InvalidFormat(conv));
                }
                i += 1;
            }
            b'@' => {
                if i == last {
                    return Err(FormatError::IncompleteFormat);
                }
                i += 1;
            }
            b'\\' => {
                if i == last {
                    return Err(FormatError::IncompleteEscape);
                }
                let c = at(i + 1);
                if escape_byte(c).is_none() {
                    return Err(FormatError::InvalidEscape(c));
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn escape_byte(c: u8) -> Option<u8> {
    Some(match c {
        b'\\' => b'\\',
        b'0' => 0,
        b'a' => 0x07,
        b'e' => 0x1b,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0b,
        _ => return None,
    })
}

/// mosquitto's `formatted_print` parsing, on a validated format.
fn tokenize(s: &[u8]) -> Format {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut segments = Vec::new();
    let mut literals = Vec::new();
    let mut lit_start = 0;
    let flush = |segments: &mut Vec<Segment>, literals: &Vec<u8>, lit_start: &mut usize| {
        if literals.len() > *lit_start {
            segments.push(Segment::Literal {
                start: *lit_start,
                end: literals.len(),
            });
            *lit_start = literals.len();
        }
    };
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                i += 1;
                let left = at(i) == b'-';
                if left {
                    i += 1;
                }
                let zero = at(i) == b'0';
                if zero {
                    i += 1;
                }
                let mut width: i32 = 0;
                while at(i).is_ascii_digit() {
                    width = width.wrapping_mul(10).wrapping_add(i32::from(at(i) - b'0'));
                    i += 1;
                }
                let mut precision: i32 = -1;
                if at(i) == b'.' {
                    i += 1;
                    precision = 0;
                    while at(i).is_ascii_digit() {
                        precision = precision
                            .wrapping_mul(10)
                            .wrapping_add(i32::from(at(i) - b'0'));
                        i += 1;
                    }
                }
                let mut sep = b' ';
                if HEX_SEPARATORS.contains(&at(i)) {
                    sep = at(i);
                    i += 1;
                }
                let c = at(i);
                i += 1;
                match Conv::from_byte(c) {
                    Some(conv) => {
                        flush(&mut segments, &literals, &mut lit_start);
                        segments.push(Segment::Percent(Spec {
                            conv,
                            left,
                            zero,
                            width,
                            precision,
                            sep,
                        }));
                    }
                    // `%%` (whatever the flags); nothing else gets past validation.
                    None => literals.push(b'%'),
                }
            }
            b'@' => {
                let c = at(i + 1);
                i += 2;
                if c == b'@' {
                    literals.push(b'@');
                } else {
                    flush(&mut segments, &literals, &mut lit_start);
                    segments.push(Segment::Time(c));
                }
            }
            b'\\' => {
                if let Some(b) = escape_byte(at(i + 1)) {
                    literals.push(b);
                }
                i += 2;
            }
            b => {
                literals.push(b);
                i += 1;
            }
        }
    }
    flush(&mut segments, &literals, &mut lit_start);
    Format { segments, literals }
}

/// The time state of one message. mosquitto's `@` sequences take the time once per message
/// (`ns` and a pointer to `localtime()`'s static buffer); `%I %U %j %J` take it at each use and,
/// through that shared static buffer, also change the date/time later `@` codes show (but not
/// `@N`'s nanoseconds).
#[derive(Default)]
struct Times {
    /// Nanoseconds of the first `@` sequence's time.
    at_nanos: Option<u32>,
    /// The latest local time taken in this message (`localtime()`'s static buffer).
    latest: Option<(i64, LocalTime)>,
}

const TIME_ERROR: &[u8] = b"Error obtaining system time.\n";

impl Times {
    /// mosquitto's `get_time`; on failure it prints the error once (the caller prints it again).
    fn take(&mut self, clock: &dyn Clock, err: &mut Vec<u8>) -> Option<(Timestamp, LocalTime)> {
        let now = clock.now();
        match clock.local_time(now.secs) {
            Some(local) => {
                self.latest = Some((now.secs, local));
                Some((now, local))
            }
            None => {
                err.extend_from_slice(TIME_ERROR);
                None
            }
        }
    }
}

/// An `@` sequence. Returns `false` when mosquitto would abandon the rest of the line.
fn write_at<W: Sink + ?Sized>(
    c: u8,
    clock: &dyn Clock,
    times: &mut Times,
    out: &mut W,
    err: &mut Vec<u8>,
) -> bool {
    if times.at_nanos.is_none() {
        match times.take(clock, err) {
            Some((now, _)) => times.at_nanos = Some(now.nanos),
            None => {
                err.extend_from_slice(TIME_ERROR);
                return false;
            }
        }
    }
    let Some((secs, local)) = times.latest else {
        return true;
    };
    match c {
        b'N' => write_nanos(times.at_nanos.unwrap_or(0), out),
        // glibc's %s is mktime() of the broken-down time, i.e. the seconds it came from.
        b's' => json::write_int(secs, out),
        _ => {
            let format = [b'%', c, 0];
            if let Ok(format) = std::ffi::CStr::from_bytes_with_nul(&format) {
                out.put(Strftime::new(format, &local).as_bytes());
            }
        }
    }
    true
}

/// `%09ld`.
fn write_nanos<W: Sink + ?Sized>(nanos: u32, out: &mut W) {
    let mut digits = [b'0'; 9];
    let mut n = nanos;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.put(&digits);
}

fn write_spec<W: Sink + ?Sized>(
    spec: Spec,
    msg: &MessageView,
    clock: &dyn Clock,
    times: &mut Times,
    pretty: bool,
    out: &mut W,
    err: &mut Vec<u8>,
) {
    let props = msg.properties;
    match spec.conv {
        Conv::Topic => put_str(c_str(msg.topic.as_bytes()), spec, out),
        Conv::Payload => put_payload(msg.payload, Hex::No, spec, out),
        Conv::HexLower => put_payload(msg.payload, Hex::Lower, spec, out),
        Conv::HexUpper => put_payload(msg.payload, Hex::Upper, spec, out),
        Conv::PayloadLen => put_int(msg.payload.len() as i64, spec, out),
        Conv::Mid => put_int(i64::from(msg.mid), spec, out),
        // fputc(qos + 48)
        Conv::Qos => out.put_byte(msg.qos.wrapping_add(b'0')),
        Conv::Retain => out.put_byte(if msg.retain { b'1' } else { b'0' }),
        Conv::IsoTime => match times.take(clock, err) {
            Some((_, local)) => put_str(Strftime::new(c"%FT%T%z", &local).as_bytes(), spec, out),
            None => err.extend_from_slice(TIME_ERROR),
        },
        Conv::UnixTime => match times.take(clock, err) {
            Some((now, _)) => {
                json::write_int(now.secs, out);
                out.put_byte(b'.');
                write_nanos(now.nanos, out);
            }
            None => err.extend_from_slice(TIME_ERROR),
        },
        Conv::JsonEscaped => match times.take(clock, err) {
            Some((now, local)) => {
                json::write_message(msg, now.nanos, &local, Payload::Escaped, pretty, out)
            }
            None => err.extend_from_slice(TIME_ERROR),
        },
        Conv::JsonParsed => match times.take(clock, err) {
            Some((now, local)) => {
                if msg.payload.is_empty() {
                    json::write_message(msg, now.nanos, &local, Payload::Parsed(None), pretty, out);
                } else if let Some(value) = json::parse_payload(msg.payload) {
                    let payload = Payload::Parsed(Some(&value));
                    json::write_message(msg, now.nanos, &local, payload, pretty, out);
                } else {
                    err.extend_from_slice(b"Error: Message payload is not valid JSON on topic ");
                    err.extend_from_slice(c_str(msg.topic.as_bytes()));
                    err.extend_from_slice(b".\n");
                }
            }
            None => err.extend_from_slice(TIME_ERROR),
        },
        Conv::TopicAlias => match props.and_then(|p| p.topic_alias()) {
            Some(v) => put_int(i64::from(v), spec, out),
            None => put_blank(spec.pad(), spec.width, out),
        },
        Conv::ContentType => match props.and_then(|p| p.content_type()) {
            Some(v) => put_str(c_str(v), spec, out),
            None => put_blank(b' ', spec.width, out),
        },
        Conv::CorrelationData => {
            if let Some(v) = props.and_then(|p| p.correlation_data()) {
                out.put(v);
            }
        }
        // The u32 is printed as a C int: values above i32::MAX come out negative.
        Conv::MessageExpiry => match props.and_then(|p| p.message_expiry_interval()) {
            Some(v) => put_int(i64::from(v as i32), spec, out),
            None => put_blank(spec.pad(), spec.width, out),
        },
        Conv::PayloadFormat => match props.and_then(|p| p.payload_format_indicator()) {
            Some(v) => put_int(i64::from(v), spec, out),
            None => put_blank(spec.pad(), spec.width, out),
        },
        Conv::UserProperties => {
            if let Some(p) = props {
                for (i, (k, v)) in p.user_properties().enumerate() {
                    if i > 0 {
                        out.put_byte(b' ');
                    }
                    out.put(c_str(k));
                    out.put_byte(b':');
                    out.put(c_str(v));
                }
            }
        }
        Conv::ResponseTopic => {
            if let Some(v) = props.and_then(|p| p.response_topic()) {
                put_str(c_str(v), spec, out);
            }
        }
        Conv::SubscriptionId => match props.and_then(|p| p.subscription_identifier()) {
            Some(v) => put_int(i64::from(v as i32), spec, out),
            None => put_blank(spec.pad(), spec.width, out),
        },
        Conv::Float => match <[u8; 4]>::try_from(msg.payload) {
            Ok(bytes) => put_float(f64::from(f32::from_ne_bytes(bytes)), spec, out),
            // mosquitto 2.1's text, without a newline.
            Err(_) => {
                err.extend_from_slice(b"requested float printing, but non-float data received")
            }
        },
        Conv::Double => match <[u8; 8]>::try_from(msg.payload) {
            Ok(bytes) => put_float(f64::from_ne_bytes(bytes), spec, out),
            Err(_) => {
                err.extend_from_slice(b"requested double printing, but non-double data received")
            }
        },
    }
}

/// Negative C widths mean "left-justify" to printf.
fn printf_width(left: bool, width: i32) -> (bool, i64) {
    if width < 0 {
        (true, -i64::from(width))
    } else {
        (left, i64::from(width))
    }
}

fn spaces<W: Sink + ?Sized>(n: i64, out: &mut W) {
    pad_with(b' ', n, out);
}

/// `n` pad characters (none if `n` is not positive), streamed in pieces: a `%2147483647t` is
/// 2 GiB of spaces, as mosquitto's `printf` writes it.
fn pad_with<W: Sink + ?Sized>(pad: u8, n: i64, out: &mut W) {
    if let Ok(count) = usize::try_from(n) {
        out.put_repeated(pad, count);
    }
}

/// `formatted_print_str`: `printf("%[-]*.*s")` (the `0` flag is not passed on).
fn put_str<W: Sink + ?Sized>(s: &[u8], spec: Spec, out: &mut W) {
    if spec.width == 0 && spec.precision == -1 {
        out.put(s);
        return;
    }
    let (left, width) = printf_width(spec.left, spec.width);
    let s = match usize::try_from(spec.precision) {
        Ok(p) if p < s.len() => &s[..p],
        _ => s,
    };
    let pad = width - s.len() as i64;
    if left {
        out.put(s);
        spaces(pad, out);
    } else {
        spaces(pad, out);
        out.put(s);
    }
}

/// `formatted_print_int`: `%d`, `%-*d`, `%0*d` or `%*d`.
fn put_int<W: Sink + ?Sized>(v: i64, spec: Spec, out: &mut W) {
    if spec.width == 0 {
        json::write_int(v, out);
        return;
    }
    let (left, width) = printf_width(spec.left, spec.width);
    let mut buf = [0u8; 20];
    let digits = unsigned_digits(v.unsigned_abs(), &mut buf);
    let len = digits.len() as i64 + i64::from(v < 0);
    if left {
        if v < 0 {
            out.put_byte(b'-');
        }
        out.put(digits);
        spaces(width - len, out);
    } else if spec.zero {
        if v < 0 {
            out.put_byte(b'-');
        }
        pad_with(b'0', width - len, out);
        out.put(digits);
    } else {
        spaces(width - len, out);
        if v < 0 {
            out.put_byte(b'-');
        }
        out.put(digits);
    }
}

/// The decimal digits of `n`, written at the end of `buf`.
fn unsigned_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// `formatted_print_blank`: `width` pad characters.
fn put_blank<W: Sink + ?Sized>(pad: u8, width: i32, out: &mut W) {
    pad_with(pad, i64::from(width), out);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hex {
    No,
    Lower,
    Upper,
}

/// `write_payload`, quirks included: a positive width caps the bytes shown (at `width`, or at
/// `width / 2` bytes for hex), the padding is computed from that, and with `-` the padding is
/// `printf("%*s", padlen, "")`, which also pads when `padlen` is negative (`%-p`: `len` spaces).
fn put_payload<W: Sink + ?Sized>(payload: &[u8], hex: Hex, spec: Spec, out: &mut W) {
    if spec.width == 0 && !spec.left && hex == Hex::No {
        out.put(payload);
        return;
    }
    if hex != Hex::No
        && let Some(every) = usize::try_from(spec.precision).ok().filter(|&n| n > 0)
    {
        put_grouped_hex(payload, hex, spec, every, out);
        return;
    }
    let len = payload.len() as i64;
    let width = i64::from(spec.width);
    let (count, padlen) = if width > 0 {
        let shown = len.min(width);
        if hex == Hex::No {
            (shown, width - shown)
        } else {
            (shown / 2, width - (shown / 2) * 2)
        }
    } else {
        (len, width - len)
    };
    if !spec.left {
        pad_with(spec.pad(), padlen, out);
    }
    let shown = &payload[..count as usize];
    match hex {
        Hex::No => out.put(shown),
        Hex::Lower | Hex::Upper => put_hex(shown, hex_digits(hex), out),
    }
    if spec.left {
        spaces(padlen.abs(), out);
    }
}

/// `bytes` in hexadecimal, written in pieces of at most [`HEX_PIECE`] characters: the hex text of a
/// large payload (twice its size) is never held whole.
fn put_hex<W: Sink + ?Sized>(bytes: &[u8], digits: &[u8; 16], out: &mut W) {
    if bytes.len() <= 32 {
        // The common short payload: digit by digit, no piece to clear first.
        for &b in bytes {
            out.put_byte(digits[usize::from(b >> 4)]);
            out.put_byte(digits[usize::from(b & 15)]);
        }
        return;
    }
    let mut piece = [0u8; HEX_PIECE];
    for chunk in bytes.chunks(HEX_PIECE / 2) {
        for (pair, &b) in piece.chunks_exact_mut(2).zip(chunk) {
            pair[0] = digits[usize::from(b >> 4)];
            pair[1] = digits[usize::from(b & 15)];
        }
        out.put(&piece[..chunk.len() * 2]);
    }
}
