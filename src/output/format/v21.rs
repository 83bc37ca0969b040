//! What mosquitto 2.1 added to `-F` (see the module docs of `format`): `%f`/`%d` and hex grouping.

use super::{Hex, Spec, pad_with, printf_width, spaces};
use crate::output::sink::Sink;

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
        for _ in 0..padlen.max(0) {
            out.put_byte(spec.pad());
            groups.after_char(out);
        }
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
