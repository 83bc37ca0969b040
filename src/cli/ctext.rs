//! Text rules mosquitto's clients inherit from C and libmosquitto: glibc's `atoi`/`atof` number reading,
//! and libmosquitto's UTF-8 and topic checks. All work on raw argument bytes and never panic.

/// C `isspace` in the "C" locale: what `strtol`/`strtod` skip before a number.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Skips leading white space and an optional sign; returns (negative, rest).
fn split_sign(bytes: &[u8]) -> (bool, &[u8]) {
    let start = bytes
        .iter()
        .position(|&b| !is_c_space(b))
        .unwrap_or(bytes.len());
    match bytes[start..].split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, &bytes[start..]),
    }
}

/// glibc `atoi`: `(int)strtol(s, NULL, 10)`. Leading white space, an optional sign, decimal digits up to
/// the first non-digit, 0 when there are none. Out of `long` range saturates to `LONG_MIN`/`LONG_MAX`, and
/// the cast to `int` then keeps the low 32 bits (so a huge positive number gives -1).
pub fn atoi(bytes: &[u8]) -> i32 {
    atol(bytes) as i32
}

/// glibc `atol`: `strtol(s, NULL, 10)` on x86-64 (64-bit `long`), saturated to `LONG_MIN`/`LONG_MAX`.
pub fn atol(bytes: &[u8]) -> i64 {
    let (negative, rest) = split_sign(bytes);
    let (magnitude, _) = digits_in_base(rest, 10);
    saturate(negative, magnitude)
}

/// glibc `strtol(s, &end, 0)`: white space, an optional sign, then a hexadecimal (`0x`), octal (leading
/// `0`) or decimal number. Returns the value, saturated to the `long` range, and the number of bytes
/// used: 0 when there is no number (`end == s`).
pub fn strtol_auto(bytes: &[u8]) -> (i64, usize) {
    let (negative, rest) = split_sign(bytes);
    let sign_end = bytes.len() - rest.len();
    let hex = matches!(rest, [b'0', b'x' | b'X', digit, ..] if digit.is_ascii_hexdigit());
    let (magnitude, used) = if hex {
        let (magnitude, used) = digits_in_base(&rest[2..], 16);
        (magnitude, used + 2)
    } else if rest.first() == Some(&b'0') {
        digits_in_base(rest, 8)
    } else {
        digits_in_base(rest, 10)
    };
    if used == 0 {
        return (0, 0);
    }
    (saturate(negative, magnitude), sign_end + used)
}

/// The digits of `base` at the start of `bytes`: their value (capped at 2^64, beyond any `long`) and
/// how many there are.
fn digits_in_base(bytes: &[u8], base: u32) -> (u128, usize) {
    // Anything above 2^64 saturates anyway, so the accumulator is capped there and cannot overflow.
    const CAP: u128 = 1 << 64;
    let mut magnitude: u128 = 0;
    let mut used = 0;
    for &byte in bytes {
        let Some(digit) = char::from(byte).to_digit(base) else {
            break;
        };
        magnitude = (magnitude * u128::from(base) + u128::from(digit)).min(CAP);
        used += 1;
    }
    (magnitude, used)
}

/// A sign and a magnitude as a C `long`: out of range saturates as `strtol` does.
fn saturate(negative: bool, magnitude: u128) -> i64 {
    if negative {
        if magnitude > i64::MAX as u128 + 1 {
            i64::MIN
        } else {
            (magnitude as i128).wrapping_neg() as i64
        }
    } else if magnitude > i64::MAX as u128 {
        i64::MAX
    } else {
        magnitude as i64
    }
}

/// Parses the exponent digits of a decimal or hexadecimal float (after `e`/`p` and an optional sign);
/// returns the value, saturated far beyond any finite result, and the bytes used (0 if no digit).
fn exponent(bytes: &[u8]) -> (i64, usize) {
    let (negative, sign_len) = match bytes.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let digits = bytes[sign_len..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return (0, 0);
    }
    let mut value: i64 = 0;
    for &byte in &bytes[sign_len..sign_len + digits] {
        value = (value * 10 + i64::from(byte - b'0')).min(1_000_000);
    }
    (if negative { -value } else { value }, sign_len + digits)
}

/// glibc `atof` (`strtod`): white space, sign, then `inf`/`infinity`/`nan` (any case), a hexadecimal float
/// (`0x1.8p3`) or a decimal one (`1.5e3`); the longest valid prefix counts, 0.0 when there is none.
pub fn atof(bytes: &[u8]) -> f64 {
    let (negative, rest) = split_sign(bytes);
    let magnitude = unsigned_float(rest);
    if negative { -magnitude } else { magnitude }
}

fn unsigned_float(bytes: &[u8]) -> f64 {
    let lower: Vec<u8> = bytes.iter().take(8).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"inf") {
        return f64::INFINITY;
    }
    if lower.starts_with(b"nan") {
        return f64::NAN;
    }
    if lower.starts_with(b"0x") {
        if let Some(value) = hex_float(&bytes[2..]) {
            return value;
        }
        // "0x" not followed by a hexadecimal digit: only the "0" is a number.
        return 0.0;
    }
    decimal_float(bytes)
}

fn decimal_float(bytes: &[u8]) -> f64 {
    let int_len = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut end = int_len;
    let mut frac_len = 0;
    if bytes.get(end) == Some(&b'.') {
        frac_len = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        end += 1 + frac_len;
    }
    if int_len + frac_len == 0 {
        return 0.0;
    }
    let mut exp = 0;
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let (value, used) = exponent(&bytes[end + 1..]);
        if used > 0 {
            exp = value;
        }
    }
    let int_part = String::from_utf8_lossy(&bytes[..int_len]);
    let frac_start = int_len + 1;
    let frac_part = if frac_len > 0 {
        String::from_utf8_lossy(&bytes[frac_start..frac_start + frac_len])
    } else {
        "0".into()
    };
    let int_part = if int_len > 0 { int_part } else { "0".into() };
    // Rust's float parser rounds correctly, as glibc's strtod does.
    format!("{int_part}.{frac_part}e{exp}")
        .parse::<f64>()
        .unwrap_or(0.0)
}

/// The part after `0x`: hexadecimal digits, optional `.` and more digits, optional `p` binary exponent.
/// `None` when there is no hexadecimal digit at all.
fn hex_float(bytes: &[u8]) -> Option<f64> {
    let int_len = bytes.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let mut end = int_len;
    let mut fraction: &[u8] = &[];
    if bytes.get(end) == Some(&b'.') {
        let frac_len = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        fraction = &bytes[end + 1..end + 1 + frac_len];
        end += 1 + frac_len;
    }
    if int_len + fraction.len() == 0 {
        return None;
    }
    // Keep 15 significant hexadecimal digits (60 bits, more than f64 holds); count the rest as scale.
    let mut mantissa: u64 = 0;
    let mut significant = 0;
    let mut scale: i64 = 0;
    let digits = bytes[..int_len]
        .iter()
        .map(|&b| (b, false))
        .chain(fraction.iter().map(|&b| (b, true)));
    for (byte, fractional) in digits {
        let value = u64::from(char::from(byte).to_digit(16).unwrap_or(0));
        if significant < 15 {
            if mantissa != 0 || value != 0 {
                significant += 1;
            }
            mantissa = mantissa * 16 + value;
            if fractional {
                scale -= 4;
            }
        } else if !fractional {
            scale += 4;
        }
    }
    if matches!(bytes.get(end), Some(b'p' | b'P')) {
        let (value, used) = exponent(&bytes[end + 1..]);
        if used > 0 {
            scale += value;
        }
    }
    // Scale in two steps so that an intermediate power of two does not overflow or vanish early.
    let scale = scale.clamp(-3000, 3000) as i32;
    let half = scale / 2;
    Some(mantissa as f64 * 2f64.powi(half) * 2f64.powi(scale - half))
}

/// libmosquitto's `mosquitto_validate_utf8`: at most 65536 bytes of well-formed UTF-8 (no overlong forms,
/// no surrogates), and no control characters (U+0000..U+001F, U+007F..U+009F) or non-characters
/// (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF).
pub fn valid_utf8(bytes: &[u8]) -> bool {
    if bytes.len() > 65536 {
        return false;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.chars().all(|c| {
            let cp = u32::from(c);
            !(cp <= 0x1f
                || (0x7f..=0x9f).contains(&cp)
                || (0xfdd0..=0xfdef).contains(&cp)
                || (cp & 0xfffe) == 0xfffe)
        }),
        Err(_) => false,
    }
}

/// libmosquitto's `mosquitto_pub_topic_check`: no `+` or `#` anywhere, at most 65535 bytes. The empty
/// topic passes (mosquitto_pub only fails on it when publishing).
pub fn valid_publish_topic(topic: &str) -> bool {
    topic.len() <= 65535 && !topic.bytes().any(|b| b == b'+' || b == b'#')
}

/// libmosquitto's `mosquitto_sub_topic_check`: `+` must fill a whole level, `#` must fill the last level;
/// at most 65535 bytes. The empty filter passes.
pub fn valid_subscription_topic(topic: &str) -> bool {
    if topic.len() > 65535 {
        return false;
    }
    let levels: Vec<&str> = topic.split('/').collect();
    let last = levels.len() - 1;
    levels.iter().enumerate().all(|(index, level)| {
        if level.contains('#') {
            *level == "#" && index == last
        } else if level.contains('+') {
            *level == "+"
        } else {
            true
        }
    })
}
