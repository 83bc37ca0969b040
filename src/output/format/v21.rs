//! What mosquitto 2.1 added to `-F` (see the module docs of `format`): `%f`/`%d` and hex grouping.

use super::{Hex, Spec, pad_with, printf_width, spaces};
use crate::output::sink::{PAD_PIECE, Sink};

/// `formatted_print_float` (mosquitto 2.1): `printf("%.*f")`, `%-*.*f`, `%0*.*f` or `%*.*f` with the
/// precision (none: 6) and width of the specifier.
pub(super) fn put_float<W: Sink + ?Sized>(value: f64, spec: Spec, out: &mut W) {
    let precision = usize::try_from(spec.precision).unwrap_or(6);
    let (sign, body): (&str, String) = if value.is_nan() {
        // glibc prints the sign bit of a NaN too.
        (
            if value.is_sign_negative() { "-" } else { "" },
            "nan".to_string(),
        )
    } else if value.is_infinite() {
        (if value < 0.0 { "-" } else { "" }, "inf".to_string())
    } else {
        let text = format!("{:.*}", precision, value.abs());
        (if value.is_sign_negative() { "-" } else { "" }, text)
    };
    let len = (sign.len() + body.len()) as i64;
    if spec.width == 0 {
        out.put(sign.as_bytes());
        out.put(body.as_bytes());
        return;
    }
    let (left, width) = printf_width(spec.left, spec.width);
    if left {
        out.put(sign.as_bytes());
        out.put(body.as_bytes());
        spaces(width - len, out);
    } else if spec.zero && value.is_finite() {
        // `0` pads after the sign; glibc pads inf and nan with spaces.
        out.put(sign.as_bytes());
        pad_with(b'0', width - len, out);
        out.put(body.as_bytes());
    } else {
        spaces(width - len, out);
        out.put(sign.as_bytes());
        out.put(body.as_bytes());
    }
}

pub(super) fn hex_digits(hex: Hex) -> &'static [u8; 16] {
    if hex == Hex::Lower {
        b"0123456789abcdef"
    } else {
        b"0123456789ABCDEF"
    }
}

/// mosquitto 2.1's hex grouping: after every `every` characters (pad characters included), `sep`.
struct HexGroups {
    every: usize,
    sep: u8,
    /// Characters written so far (mosquitto's `xpos`).
    pos: usize,
}

impl HexGroups {
    /// mosquitto 2.1's `hexsep`: the separator after the character at `pos` ends a group.
    fn after_char<W: Sink + ?Sized>(&mut self, out: &mut W) {
        if self.pos % self.every == self.every - 1 {
            out.put_byte(self.sep);
        }
        self.pos += 1;
    }

    /// `n` pad characters (none if `n` is not positive), each followed by the separator where a
    /// group ends, exactly as [`HexGroups::after_char`] one by one would write them, but whole
    /// groups go out in pieces of at most [`PAD_PIECE`] bytes: a width of hundreds of millions is
    /// written at the cost of its bytes, not of a call per character (found by the `format` fuzz
    /// target: `%0662206622.2x` took over 10 s).
    fn put_pad<W: Sink + ?Sized>(&mut self, pad: u8, n: i64, out: &mut W) {
        let mut left = usize::try_from(n).unwrap_or(0);
        // Up to the end of the group in progress, one by one.
        while left > 0 && !self.pos.is_multiple_of(self.every) {
            out.put_byte(pad);
            self.after_char(out);
            left -= 1;
        }
        let whole = left / self.every;
        if whole > 0 && self.every < PAD_PIECE {
            // Several groups to a piece.
            let per_piece = (PAD_PIECE / (self.every + 1)).min(whole);
            let mut piece = Vec::with_capacity(per_piece * (self.every + 1));
            for _ in 0..per_piece {
                piece.resize(piece.len() + self.every, pad);
                piece.push(self.sep);
            }
            let mut groups_left = whole;
            while groups_left > 0 {
                let n = groups_left.min(per_piece);
                out.put(&piece[..n * (self.every + 1)]);
                groups_left -= n;
            }
        } else {
            // Groups larger than a piece: the pad characters in pieces, then the separator.
            for _ in 0..whole {
                out.put_repeated(pad, self.every);
                out.put_byte(self.sep);
            }
        }
        self.pos += whole * self.every;
        left -= whole * self.every;
        // Less than a group: no separator follows.
        out.put_repeated(pad, left);
        self.pos += left;
    }
}

/// `%.<n>x` (mosquitto 2.1's hex grouping), entirely as 2.1's `write_payload` writes it, widths
/// included (a width caps the bytes shown at `width` and pads to `width` characters; 2.0.11's
/// widths, kept for `%x` without a precision, showed `width / 2` bytes): the pad characters
/// (right-aligned) and the hex digits, with a separator after every `every` of them, none after
/// the last digit; left-aligned, `printf("%*s", padlen, "")` after them.
pub(super) fn put_grouped_hex<W: Sink + ?Sized>(
    payload: &[u8],
    hex: Hex,
    spec: Spec,
    every: usize,
    out: &mut W,
) {
    let len = payload.len() as i64;
    let width = i64::from(spec.width);
    let (count, padlen) = if width > 0 {
        let shown = len.min(width);
        (shown, width - shown * 2)
    } else {
        (len, width - len)
    };
    let shown = &payload[..count as usize];
    let groups = &mut HexGroups {
        every,
        sep: spec.sep,
        pos: 0,
    };
    if !spec.left {
        groups.put_pad(spec.pad(), padlen, out);
    }
    let digits = hex_digits(hex);
    for (i, &b) in shown.iter().enumerate() {
        out.put_byte(digits[usize::from(b >> 4)]);
        groups.after_char(out);
        out.put_byte(digits[usize::from(b & 15)]);
        if i + 1 < shown.len() {
            groups.after_char(out);
        }
    }
    if spec.left {
        spaces(padlen.abs(), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `after_char` one character at a time writes for `n` pad characters from `pos`.
    fn one_by_one(every: usize, pos: usize, n: usize) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let mut groups = HexGroups {
            every,
            sep: b':',
            pos,
        };
        for _ in 0..n {
            out.put_byte(b'0');
            groups.after_char(&mut out);
        }
        (out, groups.pos)
    }

    #[test]
    fn grouped_padding_in_pieces_is_the_same_as_one_character_at_a_time() {
        for every in [1, 2, 3, 7, 100, PAD_PIECE - 1, PAD_PIECE, PAD_PIECE + 3] {
            for pos in [0, 1, every.saturating_sub(1), every, every + 1] {
                for n in [0, 1, every - 1, every, every + 1, 3 * every + 2, 40_000] {
                    let mut out = Vec::new();
                    let mut groups = HexGroups {
                        every,
                        sep: b':',
                        pos,
                    };
                    groups.put_pad(b'0', n as i64, &mut out);
                    let (expected, expected_pos) = one_by_one(every, pos, n);
                    assert!(
                        out == expected && groups.pos == expected_pos,
                        "every {every}, pos {pos}, n {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn grouped_padding_never_hands_over_a_piece_larger_than_the_pad_piece() {
        struct Largest(usize, u64);
        impl Sink for Largest {
            fn put(&mut self, bytes: &[u8]) {
                self.0 = self.0.max(bytes.len());
                self.1 += bytes.len() as u64;
            }
        }
        for every in [2, 5000, 1 << 20] {
            let mut sink = Largest(0, 0);
            let mut groups = HexGroups {
                every,
                sep: b':',
                pos: 0,
            };
            groups.put_pad(b' ', 50_000_000, &mut sink);
            let groups_written = 50_000_000 / every as u64;
            assert_eq!(sink.1, 50_000_000 + groups_written, "every {every}");
            assert!(sink.0 <= PAD_PIECE, "every {every}: piece of {}", sink.0);
        }
    }

    #[test]
    fn negative_padding_writes_nothing() {
        let mut out = Vec::new();
        let mut groups = HexGroups {
            every: 2,
            sep: b':',
            pos: 0,
        };
        groups.put_pad(b'0', -5, &mut out);
        assert!(out.is_empty());
        assert_eq!(groups.pos, 0);
    }
}
