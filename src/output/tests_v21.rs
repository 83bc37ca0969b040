//! The `-F` additions of mosquitto 2.1: `%f`/`%d` and hex grouping. Expected bytes are those of
//! mosquitto_sub 2.1.2 (built from `../shared/oracle`), run with each format against a broker.

use super::*;

fn render(format: &[u8], payload: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let f = Format::parse(format)
        .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(format)));
    let m = MessageView {
        topic: "probe",
        payload,
        qos: 0,
        retain: false,
        mid: 0,
        properties: None,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    f.write(&m, &FixedClock::utc(0, 0), false, &mut out, &mut err);
    (out, err)
}

#[track_caller]
fn check_all(payload: &[u8], cases: &[(&str, &str)]) {
    for (format, expected) in cases {
        let (out, err) = render(format.as_bytes(), payload);
        assert_eq!(
            String::from_utf8_lossy(&out),
            *expected,
            "format {format:?}"
        );
        assert!(
            err.is_empty(),
            "format {format:?}: {}",
            String::from_utf8_lossy(&err)
        );
    }
}

const FIVE: &[u8] = b"\x01\x02\x03\xab\xcd";

#[test]
fn hex_grouping_puts_the_separator_after_every_precision_digits() {
    check_all(
        FIVE,
        &[
            ("%.2x", "01 02 03 ab cd"),
            ("%.2:X", "01:02:03:AB:CD"),
            ("%.3x", "010 203 abc d"),
            ("%.1-x", "0-1-0-2-0-3-a-b-c-d"),
            // A separator without a precision groups nothing.
            ("%:x", "010203abcd"),
            ("%x", "010203abcd"),
        ],
    );
}

#[test]
fn hex_grouping_with_a_width_follows_mosquitto_2_1() {
    check_all(
        FIVE,
        &[
            ("%12.2x", "   01 02 03 ab cd"),
            ("%-12.2x", "01 02 03 ab cd  "),
            ("%012.4;x", "0001;0203;abcd"),
            ("%4.2x", "01 02 03 ab"),
            ("%3.2x", "01 02 03"),
        ],
    );
}

#[test]
fn hex_without_precision_keeps_the_widths_of_2_0_11() {
    // 2.0.11 shows width/2 bytes (2.1 shows `width` bytes): kept, see docs/decisions.md.
    check_all(FIVE, &[("%4x", "0102"), ("%8X", "    0102")]);
}

#[test]
fn a_separator_is_accepted_before_any_conversion_and_ignored_there() {
    check_all(
        FIVE,
        &[
            ("%.2:t", "pr"),
            ("%.2%", "%"),
            // 2.0.11 refused `%--l` (a second `-`); in 2.1 it is `-` and the separator `-`.
            ("%--l", "5"),
        ],
    );
    assert_eq!(render(b"%:p", FIVE).0, FIVE);
}

#[test]
fn a_format_invalid_in_both_versions_keeps_the_2_0_11_error() {
    // 2.1 names the character after the separator; 2.0.11 (kept) the separator itself.
    for (format, c) in [
        ("%0-5l", b'-'),
        ("%5:", b':'),
        ("%.2:y", b':'),
        ("%.2k", b'k'),
    ] {
        assert_eq!(
            Format::parse(format.as_bytes()),
            Err(FormatError::InvalidFormat(c)),
            "{format:?}"
        );
    }
}

#[test]
fn float_and_double_print_like_printf_f() {
    let one = 1.0f32.to_ne_bytes();
    check_all(
        &one,
        &[
            ("%f", "1.000000"),
            ("%.2f", "1.00"),
            ("%10.3f", "     1.000"),
            ("%-10.1f|", "1.0       |"),
            ("%010.2f", "0000001.00"),
            ("%-010.2f|", "1.00      |"),
        ],
    );
    let d = (-1234.56789f64).to_ne_bytes();
    check_all(
        &d,
        &[
            ("%d", "-1234.567890"),
            ("%.3d", "-1234.568"),
            ("%12d", "-1234.567890"),
            ("%012.1d", "-000001234.6"),
        ],
    );
    check_all(
        &2.5f64.to_ne_bytes(),
        &[("%.0d", "2"), ("%.20d", "2.50000000000000000000")],
    );
}

#[test]
fn nan_and_infinity_pad_with_spaces() {
    check_all(
        &f32::NAN.to_ne_bytes(),
        &[("%f", "nan"), ("%08f", "     nan"), ("%-8f|", "nan     |")],
    );
    check_all(
        &f64::NEG_INFINITY.to_ne_bytes(),
        &[("%d", "-inf"), ("%08d", "    -inf")],
    );
}

#[test]
fn a_payload_of_the_wrong_size_prints_nothing_and_reports_it_without_newline() {
    let (out, err) = render(b"<%d>", &1.0f32.to_ne_bytes());
    assert_eq!(out, b"<>");
    assert_eq!(
        err,
        b"requested double printing, but non-double data received"
    );
    let (out, err) = render(b"%f", b"abc");
    assert_eq!(out, b"");
    assert_eq!(
        err,
        b"requested float printing, but non-float data received"
    );
}
