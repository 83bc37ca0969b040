//! `rpub --template`: the message is a template expanded for each publish (with `--repeat`, each
//! message its own): `{n}` the 1-based count, `{ts}` Unix time in milliseconds, `{iso}` the time in
//! RFC 3339 (UTC, microseconds), `{rand:A-B}` a whole number from A to B (both included, 0 to
//! 2^64-1), `{uuid}` a random (version 4) UUID; `{{` and `}}` are literal braces. Everything else
//! is copied byte for byte (the message may be binary). A malformed template is refused before
//! connecting.

use std::fmt;

use crate::output::Timestamp;
use crate::output::json_lines::{write_rfc3339_micros, write_u64};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(Vec<u8>),
    Counter,
    UnixMillis,
    Iso,
    Random { low: u64, high: u64 },
    Uuid,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// Why a template is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A `{` without its `}`.
    Unclosed,
    /// A `}` that is neither `}}` nor the end of a placeholder.
    StrayClose,
    /// `{name}` is not a placeholder.
    Unknown(String),
    /// `{rand:A-B}` with numbers missing, too large or A above B.
    BadRange(String),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unclosed => {
                write!(f, "a '{{' has no closing '}}' (write '{{{{' for a brace)")
            }
            TemplateError::StrayClose => {
                write!(f, "a '}}' closes nothing (write '}}}}' for a brace)")
            }
            TemplateError::Unknown(name) => write!(
                f,
                "unknown placeholder '{{{name}}}' (known: {{n}}, {{ts}}, {{iso}}, {{rand:A-B}}, {{uuid}})"
            ),
            TemplateError::BadRange(text) => write!(
                f,
                "'{{{text}}}' needs two whole numbers A-B with A not above B"
            ),
        }
    }
}

impl Template {
    pub fn parse(text: &[u8]) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut literal = Vec::new();
        let mut at = 0;
        while at < text.len() {
            match (text[at], text.get(at + 1)) {
                (b'{', Some(b'{')) | (b'}', Some(b'}')) => {
                    literal.push(text[at]);
                    at += 2;
                }
                (b'}', _) => return Err(TemplateError::StrayClose),
                (b'{', _) => {
                    let close = text[at..]
                        .iter()
                        .position(|&byte| byte == b'}')
                        .ok_or(TemplateError::Unclosed)?;
                    let name = String::from_utf8_lossy(&text[at + 1..at + close]).into_owned();
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(placeholder(&name)?);
                    at += close + 1;
                }
                (byte, _) => {
                    literal.push(byte);
                    at += 1;
                }
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Template { pieces })
    }

    /// Appends the message number `n` (1-based) made at `now`; `random` gives uniformly random
    /// 64-bit numbers.
    pub fn expand(
        &self,
        n: u64,
        now: Timestamp,
        random: &mut dyn FnMut() -> u64,
        out: &mut Vec<u8>,
    ) {
        for piece in &self.pieces {
            match piece {
                Piece::Literal(bytes) => out.extend_from_slice(bytes),
                Piece::Counter => write_u64(n, out),
                Piece::UnixMillis => {
                    let millis = i128::from(now.secs) * 1000 + i128::from(now.nanos / 1_000_000);
                    out.extend_from_slice(millis.to_string().as_bytes());
                }
                Piece::Iso => write_rfc3339_micros(now, out),
                Piece::Random { low, high } => {
                    let span = high - low;
                    let value = if span == u64::MAX {
                        random()
                    } else {
                        // Rejection sampling keeps every value equally likely.
                        let range = span + 1;
                        let limit = u64::MAX - u64::MAX % range;
                        loop {
                            let draw = random();
                            if draw < limit {
                                break low + draw % range;
                            }
                        }
                    };
                    write_u64(value, out);
                }
                Piece::Uuid => {
                    let mut bytes = [0u8; 16];
                    bytes[..8].copy_from_slice(&random().to_le_bytes());
                    bytes[8..].copy_from_slice(&random().to_le_bytes());
                    bytes[6] = (bytes[6] & 0x0f) | 0x40;
                    bytes[8] = (bytes[8] & 0x3f) | 0x80;
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    for (index, byte) in bytes.iter().enumerate() {
                        if matches!(index, 4 | 6 | 8 | 10) {
                            out.push(b'-');
                        }
                        out.push(HEX[usize::from(byte >> 4)]);
                        out.push(HEX[usize::from(byte & 0xf)]);
                    }
                }
            }
        }
    }
}

fn placeholder(name: &str) -> Result<Piece, TemplateError> {
    Ok(match name {
        "n" => Piece::Counter,
        "ts" => Piece::UnixMillis,
        "iso" => Piece::Iso,
        "uuid" => Piece::Uuid,
        _ => match name.strip_prefix("rand:") {
            Some(range) => {
                let bad = || TemplateError::BadRange(name.to_string());
                let (low, high) = range.split_once('-').ok_or_else(bad)?;
                let low: u64 = low.parse().map_err(|_| bad())?;
                let high: u64 = high.parse().map_err(|_| bad())?;
                if low > high {
                    return Err(bad());
                }
                Piece::Random { low, high }
            }
            None => return Err(TemplateError::Unknown(name.to_string())),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(template: &str, n: u64, draws: &[u64]) -> String {
        let template = Template::parse(template.as_bytes()).expect("valid template");
        let mut draws = draws.iter().copied().cycle();
        let mut random = move || draws.next().unwrap_or(0);
        let mut out = Vec::new();
        let now = Timestamp {
            secs: 1_764_840_600,
            nanos: 123_456_789,
        };
        template.expand(n, now, &mut random, &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn placeholders_expand_per_message() {
        assert_eq!(expand("msg {n} of {{n}}", 3, &[0]), "msg 3 of {n}");
        assert_eq!(expand("{ts}", 1, &[0]), "1764840600123");
        assert_eq!(expand("{iso}", 1, &[0]), "2025-12-04T09:30:00.123456Z");
        assert_eq!(expand("{rand:5-7}", 1, &[0]), "5");
        assert_eq!(expand("{rand:5-7}", 1, &[4]), "6");
        assert_eq!(expand("{rand:0-18446744073709551615}", 1, &[42]), "42");
        assert_eq!(
            expand("{uuid}", 1, &[u64::MAX, 0]),
            "ffffffff-ffff-4fff-8000-000000000000"
        );
        assert_eq!(expand("}} {{}}", 1, &[0]), "} {}");
        assert_eq!(expand("", 1, &[0]), "");
    }

    #[test]
    fn random_numbers_stay_in_their_range() {
        let template = Template::parse(b"{rand:10-12}").expect("valid");
        let mut state = 1u64;
        let mut random = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state
        };
        let mut seen = [false; 3];
        for _ in 0..200 {
            let mut out = Vec::new();
            template.expand(1, Timestamp { secs: 0, nanos: 0 }, &mut random, &mut out);
            let value: u64 = String::from_utf8(out)
                .expect("utf-8")
                .parse()
                .expect("number");
            assert!((10..=12).contains(&value));
            seen[(value - 10) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn binary_bytes_are_kept() {
        let template = Template::parse(b"\xff{n}\x00").expect("valid");
        let mut out = Vec::new();
        template.expand(9, Timestamp { secs: 0, nanos: 0 }, &mut || 0, &mut out);
        assert_eq!(out, b"\xff9\x00");
    }

    #[test]
    fn malformed_templates_are_refused() {
        let cases = [
            ("{n", TemplateError::Unclosed),
            ("a}b", TemplateError::StrayClose),
            ("{x}", TemplateError::Unknown("x".into())),
            ("{rand:7-5}", TemplateError::BadRange("rand:7-5".into())),
            ("{rand:a-5}", TemplateError::BadRange("rand:a-5".into())),
            ("{rand:5}", TemplateError::BadRange("rand:5".into())),
            ("{rand:-1-5}", TemplateError::BadRange("rand:-1-5".into())),
        ];
        for (text, error) in cases {
            assert_eq!(Template::parse(text.as_bytes()), Err(error), "{text}");
        }
    }
}
