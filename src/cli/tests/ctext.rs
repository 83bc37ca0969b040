//! The C-compatible readers and checks: `atoi`, `atof`, libmosquitto's UTF-8 and topic checks.

use super::*;

#[test]
fn atoi_matches_glibc() {
    let cases: &[(&[u8], i32)] = &[
        (b"0", 0),
        (b"42", 42),
        (b"  \t\n\x0b\x0c\r7", 7),
        (b"+5", 5),
        (b"-5", -5),
        (b" -0", 0),
        (b"1x", 1),
        (b"18831abc", 18831),
        (b"abc", 0),
        (b"", 0),
        (b"-", 0),
        (b"+-1", 0),
        (b"- 1", 0),
        (b"1 2", 1),
        (b"0x10", 0),
        (b"2147483647", i32::MAX),
        (b"2147483648", i32::MIN),
        (b"4294967295", -1),
        (b"4294967296", 0),
        (b"4294967297", 1),
        (b"-2147483648", i32::MIN),
        (b"-2147483649", i32::MAX),
        // Beyond a 64-bit long: LONG_MAX → -1, LONG_MIN → 0 after the cast to int.
        (b"9223372036854775807", -1),
        (b"9223372036854775808", -1),
        (b"99999999999999999999999999999999999999999", -1),
        (b"-9223372036854775808", 0),
        (b"-99999999999999999999999999999999999999999", 0),
        (b"\xff12", 0),
    ];
    for (input, expected) in cases {
        assert_eq!(
            atoi(input),
            *expected,
            "atoi({:?})",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn atof_matches_glibc() {
    let cases: &[(&[u8], f64)] = &[
        (b"0", 0.0),
        (b"1.5", 1.5),
        (b"  -2.25xyz", -2.25),
        (b".5", 0.5),
        (b"5.", 5.0),
        (b"1e3", 1000.0),
        (b"1E+2", 100.0),
        (b"25e-1", 2.5),
        (b"1e", 1.0),
        (b"1e+", 1.0),
        (b"abc", 0.0),
        (b"", 0.0),
        (b".", 0.0),
        (b"-.e1", 0.0),
        (b"0x10", 16.0),
        (b"0X1.8p1", 3.0),
        (b"0x.8", 0.5),
        (b"0x1p-2", 0.25),
        (b"0x", 0.0),
        (b"0xg", 0.0),
        (b"1e400", f64::INFINITY),
        (b"inf", f64::INFINITY),
        (b"-Infinity", f64::NEG_INFINITY),
        (b"1e-400", 0.0),
    ];
    for (input, expected) in cases {
        assert_eq!(
            atof(input),
            *expected,
            "atof({:?})",
            String::from_utf8_lossy(input)
        );
    }
    assert!(atof(b"nan").is_nan());
    assert!(atof(b"-NaN(123)").is_nan());
    assert!(atof(b"-1e-46").is_sign_negative());
    assert_eq!(atof(b"-1e-46") as f32, 0.0);
    assert!((atof(b"-1e-40") as f32) < 0.0);
}

#[test]
fn utf8_check_matches_libmosquitto() {
    let good: &[&[u8]] = &[
        b"",
        b"a/b",
        "é/ü/€/😀".as_bytes(),
        b"\xc2\xa0",
        b"\xef\xbf\xbd",
        b"\xf4\x8f\xbf\xbd",
    ];
    let bad: &[&[u8]] = &[
        b"\x00",
        b"a\tb",
        b"\x1f",
        b"\x7f",
        b"\xc2\x80",
        b"\xc2\x9f",
        b"\xff",
        b"\xc0\x80",
        b"\xe0\x80\x80",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xef\xb7\x90",
        b"\xef\xbf\xbe",
        b"\xef\xbf\xbf",
        b"\xf0\x9f\xbf\xbf",
        b"\xe2\x82",
    ];
    for bytes in good {
        assert!(valid_utf8(bytes), "{bytes:?} should be valid");
    }
    for bytes in bad {
        assert!(!valid_utf8(bytes), "{bytes:?} should be invalid");
    }
    assert!(valid_utf8("a".repeat(65536).as_bytes()));
    assert!(!valid_utf8("a".repeat(65537).as_bytes()));
}

#[test]
fn topic_checks_match_libmosquitto() {
    for topic in ["", "a", "a/b", "/", "a//b", " "] {
        assert!(valid_publish_topic(topic), "{topic:?}");
        assert!(valid_subscription_topic(topic), "{topic:?}");
    }
    for topic in ["#", "a/#", "+", "a/+/b", "a+", "a#b"] {
        assert!(!valid_publish_topic(topic), "{topic:?}");
    }
    for topic in ["#", "/#", "a/#", "+", "+/+", "a/+/b", "/+", "+/", "+/#"] {
        assert!(valid_subscription_topic(topic), "{topic:?}");
    }
    for topic in [
        "a#", "#/a", "a/#/b", "##", "a+", "+a", "a/b+", "++", "a/+b/c", "#+", "+#",
    ] {
        assert!(!valid_subscription_topic(topic), "{topic:?}");
    }
}

#[test]
fn number_readers_never_panic() {
    // Every string of up to 4 characters over an alphabet of the characters that matter.
    let alphabet: &[u8] = b"0x.pPeE+-1f \xff";
    let mut stack = vec![Vec::new()];
    while let Some(prefix) = stack.pop() {
        let _ = atoi(&prefix);
        let _ = atof(&prefix);
        if prefix.len() < 4 {
            for &byte in alphabet {
                let mut next = prefix.clone();
                next.push(byte);
                stack.push(next);
            }
        }
    }
}
