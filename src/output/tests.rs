//! Expected bytes come from (a) the recorded mosquitto 2.0.11 scenarios (`[obs NAME]` =
//! `reference/mosquitto-2.0.11/scenarios/NAME`), (b) live runs of `mosquitto_sub` 2.0.11 against a
//! `mosquitto` broker (`[live]`), or (c) Debian 12's libcjson 1.7.15 (the library mosquitto_sub
//! links) driven through mosquitto's `json_print` sequence (`[cjson]`).

use super::json::{self, Value};
use super::*;
use std::cell::Cell;
use std::ffi::CStr;

/// 2026-11-25T22:46:02.239020123Z, the time of several recorded JSON lines.
const T0: i64 = 1_795_646_762;

fn clock() -> FixedClock {
    FixedClock::utc(T0, 239_020_123)
}

fn msg<'a>(topic: &'a str, payload: &'a [u8]) -> MessageView<'a> {
    MessageView {
        topic,
        payload,
        qos: 0,
        retain: false,
        mid: 0,
        properties: None,
    }
}

fn qos<'a>(mut m: MessageView<'a>, qos: u8, mid: u16) -> MessageView<'a> {
    m.qos = qos;
    m.mid = mid;
    m
}

fn render(format: &[u8], m: &MessageView, clock: &dyn Clock, pretty: bool) -> (Vec<u8>, Vec<u8>) {
    let f = Format::parse(format)
        .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(format)));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    f.write(m, clock, pretty, &mut out, &mut err);
    (out, err)
}

#[track_caller]
fn check(format: &[u8], m: &MessageView, expected: &[u8]) {
    check_full(format, m, &clock(), false, expected, b"");
}

#[track_caller]
fn check_full(
    format: &[u8],
    m: &MessageView,
    clock: &dyn Clock,
    pretty: bool,
    expected: &[u8],
    expected_err: &[u8],
) {
    let (out, err) = render(format, m, clock, pretty);
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(expected),
        "format {:?}",
        String::from_utf8_lossy(format)
    );
    assert_eq!(
        out,
        expected,
        "format {:?} (bytes)",
        String::from_utf8_lossy(format)
    );
    assert_eq!(
        String::from_utf8_lossy(&err),
        String::from_utf8_lossy(expected_err),
        "stderr for format {:?}",
        String::from_utf8_lossy(format)
    );
}

/// A clock returning successive timestamps, to see which sequences take their own time.
struct SequenceClock {
    times: Vec<Timestamp>,
    next: Cell<usize>,
    utc_offset: i32,
    zone: &'static CStr,
}

impl SequenceClock {
    fn utc(times: &[(i64, u32)]) -> Self {
        SequenceClock {
            times: times
                .iter()
                .map(|&(secs, nanos)| Timestamp { secs, nanos })
                .collect(),
            next: Cell::new(0),
            utc_offset: 0,
            zone: c"UTC",
        }
    }
}

impl Clock for SequenceClock {
    fn now(&self) -> Timestamp {
        let i = self.next.get();
        self.next.set(i + 1);
        self.times[i.min(self.times.len() - 1)]
    }

    fn local_time(&self, secs: i64) -> Option<LocalTime> {
        LocalTime::fixed(secs, self.utc_offset, self.zone, false)
    }
}

/// A clock without local time (mosquitto: `localtime()` returned NULL).
struct BrokenClock;

impl Clock for BrokenClock {
    fn now(&self) -> Timestamp {
        Timestamp { secs: T0, nanos: 0 }
    }

    fn local_time(&self, _secs: i64) -> Option<LocalTime> {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Plain modes (§5.1, §5.2)

fn plain(m: &MessageView, verbose: bool, no_eol: bool) -> Vec<u8> {
    let mut out = Vec::new();
    write_plain(m, verbose, no_eol, &mut out);
    out
}

#[test]
fn plain_payload_and_verbose() {
    // [obs sub_binary_payloads] stdout / stdout_v: binary passes through untouched.
    let bin = msg("bin/t", b"A\0B\xff\nC");
    assert_eq!(plain(&bin, false, false), b"A\0B\xff\nC\n");
    assert_eq!(plain(&bin, true, false), b"bin/t A\0B\xff\nC\n");
    // [obs sub_verbose]
    assert_eq!(
        plain(&msg("subt/verbose/a", b"hello world"), true, false),
        b"subt/verbose/a hello world\n"
    );
    assert_eq!(
        plain(&msg("subt/verbose/b", b""), true, false),
        b"subt/verbose/b (null)\n"
    );
    assert_eq!(
        plain(&msg("subt/verbose/c", b"multi\nline"), true, false),
        b"subt/verbose/c multi\nline\n"
    );
    // [obs sub_plain_default] (FORMAT.md §5.1): an empty payload prints nothing, not even "\n".
    assert_eq!(plain(&msg("t", b""), false, false), b"");
    // [obs sub_N_no_eol]: "onetwothree"
    let mut out = Vec::new();
    for p in [&b"one"[..], b"two", b"three"] {
        write_plain(&msg("subt/N", p), false, true, &mut out);
    }
    assert_eq!(out, b"onetwothree");
    // [obs sub_N_verbose]: "subt/Nv onesubt/Nv three" (the empty message prints nothing with -N).
    let mut out = Vec::new();
    for p in [&b"one"[..], b"", b"three"] {
        write_plain(&msg("subt/Nv", p), true, true, &mut out);
    }
    assert_eq!(out, b"subt/Nv onesubt/Nv three");
}

/// rsub writes a large payload straight to stdout between the other parts: the parts must be exactly
/// `write_plain`'s bytes, with the payload (and only it) in `payload`.
#[test]
fn plain_parts_put_the_payload_apart() {
    let parts = |topic: &'static str, payload: &'static [u8], verbose: bool, no_eol: bool| {
        let p = PlainParts::of(&msg(topic, payload), verbose, no_eol);
        let joined = [p.before, p.separator, p.payload, p.after].concat();
        assert_eq!(joined, plain(&msg(topic, payload), verbose, no_eol));
        (p.before, p.separator, p.payload, p.after)
    };
    let none: &[u8] = b"";
    assert_eq!(
        parts("t", b"p\n", false, false),
        (none, none, &b"p\n"[..], &b"\n"[..])
    );
    assert_eq!(parts("t", b"p", false, true), (none, none, &b"p"[..], none));
    assert_eq!(parts("t", b"", false, false), (none, none, none, none));
    assert_eq!(parts("t", b"", false, true), (none, none, none, none));
    // The topic stops at a NUL, as in mosquitto_sub.
    assert_eq!(
        parts("a\0b", b"p", true, false),
        (&b"a"[..], &b" "[..], &b"p"[..], &b"\n"[..])
    );
    assert_eq!(
        parts("a", b"p", true, true),
        (&b"a"[..], &b" "[..], &b"p"[..], none)
    );
    assert_eq!(
        parts("a", b"", true, false),
        (&b"a"[..], &b" (null)"[..], none, &b"\n"[..])
    );
    assert_eq!(parts("a", b"", true, true), (none, none, none, none));
}

#[test]
fn printer_end_of_line_rules() {
    let run = |mode: OutputMode, no_eol: bool, m: &MessageView| {
        let printer = Printer {
            mode,
            pretty: false,
            no_eol,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        printer.write_message(m, &clock(), &mut out, &mut err);
        out
    };
    let fmt = |s: &[u8]| OutputMode::Format(Format::parse(s).unwrap());
    // [obs sub_F_overrides_v]: -F wins over -v (the CLI picks the mode).
    assert_eq!(
        run(fmt(b"only:%p"), false, &msg("fmt/Fv", b"a")),
        b"only:a\n"
    );
    // [obs sub_F_empty_payload] (FORMAT.md §5.3): -F always ends with "\n", even for empty payloads.
    assert_eq!(
        run(fmt(b"[%p][%l][%x]"), false, &msg("t", b"")),
        b"[][0][]\n"
    );
    // [obs sub_F_with_N]: "<a><b>"
    let mut all = run(fmt(b"<%p>"), true, &msg("fmt/FN", b"a"));
    all.extend(run(fmt(b"<%p>"), true, &msg("fmt/FN", b"b")));
    assert_eq!(all, b"<a><b>");
    // [live] -F '' prints just the newline.
    assert_eq!(run(fmt(b""), false, &msg("t", b"x")), b"\n");
    assert_eq!(
        run(OutputMode::Plain { verbose: true }, false, &msg("t", b"")),
        b"t (null)\n"
    );
    assert_eq!(
        run(OutputMode::Plain { verbose: false }, false, &msg("t", b"")),
        b""
    );
}

// ---------------------------------------------------------------------------------------------
// Format-string errors (§7)

#[test]
fn format_errors() {
    use FormatError::*;
    let cases: &[(&[u8], FormatError)] = &[
        // [obs sub_F_incomplete_specifier] [obs sub_F_invalid_specifier]
        (b"bad %", IncompleteFormat),
        (b"bad %k", InvalidFormat(b'k')),
        // [obs sub_F_incomplete_escape] [obs sub_F_invalid_escape]
        (b"bad \\", IncompleteEscape),
        (b"bad \\q", InvalidEscape(b'q')),
        // [live] every other shape
        (b"%", IncompleteFormat),
        (b"%-", IncompleteFormat),
        (b"%0", IncompleteFormat),
        (b"%00", IncompleteFormat),
        (b"%-0", IncompleteFormat),
        (b"%5", IncompleteFormat),
        (b"%5.", IncompleteFormat),
        (b"%.", IncompleteFormat),
        (b"%5.3", IncompleteFormat),
        (b"@", IncompleteFormat),
        (b"ab@", IncompleteFormat),
        (b"%0-5l", InvalidFormat(b'-')),
        (b"%5.5.5t", InvalidFormat(b'.')),
        (b"%\xc3\xa9", InvalidFormat(0xc3)),
        (b"\\x", InvalidEscape(b'x')),
        (b"\\\xc3\xa9", InvalidEscape(0xc3)),
        (b"\\", IncompleteEscape),
        // the first error in the string wins
        (b"a%k\\q", InvalidFormat(b'k')),
        (b"\\qa%k", InvalidEscape(b'q')),
        (b"%t%", IncompleteFormat),
    ];
    for (format, expected) in cases {
        assert_eq!(
            Format::parse(format),
            Err(*expected),
            "{:?}",
            String::from_utf8_lossy(format)
        );
    }
    // Exact texts: stderr is `<text>\n` + `\nUse 'mosquitto_sub --help' to see usage.\n`.
    assert_eq!(
        IncompleteFormat.to_bytes(),
        b"Error: Incomplete format specifier.\n"
    );
    assert_eq!(
        InvalidFormat(b'k').to_bytes(),
        b"Error: Invalid format specifier 'k'.\n"
    );
    assert_eq!(
        IncompleteEscape.to_bytes(),
        b"Error: Incomplete escape specifier.\n"
    );
    assert_eq!(
        InvalidEscape(b'q').to_bytes(),
        b"Error: Invalid escape specifier 'q'.\n"
    );
    // [live] the raw byte is printed: `'\303'`
    assert_eq!(
        InvalidFormat(0xc3).to_bytes(),
        b"Error: Invalid format specifier '\xc3'.\n"
    );
    assert_eq!(
        IncompleteFormat.to_string(),
        "Error: Incomplete format specifier."
    );
    assert_eq!(
        InvalidFormat(b'k').to_string(),
        "Error: Invalid format specifier 'k'."
    );
    assert_eq!(
        IncompleteEscape.to_string(),
        "Error: Incomplete escape specifier."
    );
    assert_eq!(
        InvalidEscape(b'q').to_string(),
        "Error: Invalid escape specifier 'q'."
    );

    // Valid edge cases.
    for ok in [
        &b""[..],
        b"%%",
        b"%5%",
        b"@@",
        b"@Q",
        b"%-05l",
        b"%00005l",
        b"%.t",
        b"%-0l",
        b"\\0",
    ] {
        assert!(
            Format::parse(ok).is_ok(),
            "{:?}",
            String::from_utf8_lossy(ok)
        );
    }
    // A format is a C string: an embedded NUL ends it (the invalid `%k` after it is never seen).
    check(b"ab\0%k", &msg("t", b"x"), b"ab");
}

// ---------------------------------------------------------------------------------------------
// Specifiers, flags, width, precision (§5.3)

#[test]
fn recorded_specifier_lines() {
    // [obs sub_F_basic_specifiers]
    let f = b"topic=%t|payload=%p|qos=%q|retain=%r|mid=%m|len=%l|pct=%%|tab=\\t|bs=\\\\|end";
    let mut m = qos(msg("fmt/basic", b"retained-payload"), 1, 1);
    m.retain = true;
    check(f, &m, b"topic=fmt/basic|payload=retained-payload|qos=1|retain=1|mid=1|len=16|pct=%|tab=\t|bs=\\|end");
    let m = qos(msg("fmt/basic", b"fresh payload"), 2, 2);
    check(
        f,
        &m,
        b"topic=fmt/basic|payload=fresh payload|qos=2|retain=0|mid=2|len=13|pct=%|tab=\t|bs=\\|end",
    );

    // [obs sub_F_escapes] (stdout.od)
    check(
        b"n[\\n]t[\\t]r[\\r]v[\\v]a[\\a]e[\\e]z[\\0]bs[\\\\]",
        &msg("fmt/esc", b"x"),
        b"n[\n]t[\t]r[\r]v[\x0b]a[\x07]e[\x1b]z[\0]bs[\\]",
    );

    // [obs sub_F_hex]
    check(
        b"x=%x X=%X",
        &msg("fmt/hex", b"AB\0\xff\x10z"),
        b"x=414200ff107a X=414200FF107A",
    );

    // [obs sub_F_hex_width_bug]
    check(
        b"[%4x][%6x][%10x][%-10X][%010x][%20x]",
        &msg("misc/hw", b"abcdefgh"),
        b"[6162][616263][  61626364][61626364  ][0061626364][            61626364]",
    );

    // [obs sub_F_width_precision]
    check(
        b"[%10t][%-10t][%.3t][%10.3t][%-10.3t][%5l][%05l][%-5l][%5m][%05q][%20p][%-20p][%020p][%8x][%-8x][%2p][%.2p]",
        &qos(msg("fmt/w", b"hello"), 1, 1),
        b"[     fmt/w][fmt/w     ][fmt][       fmt][fmt       ][    5][00005][5    ][    1][1][               hello][hello               ][000000000000000hello][    6865][6865    ][he][hello]",
    );

    // [obs sub_binary_payloads] stdout_F
    check(
        b"%l:%p:%x",
        &msg("bin/t", b"A\0B\xff\nC"),
        b"6:A\0B\xff\nC:410042ff0a43",
    );
}

#[test]
fn specifier_table() {
    let hello = msg("fmt/w", b"hello");
    let m1 = qos(msg("a/b", b"hello"), 1, 42);
    let cases: &[(&str, &[u8], &MessageView, &[u8])] = &[
        // (source, format, message, expected)
        (
            "live",
            b"[%-p][%-x][%-X][%-0p][%.3p][%-.3p]",
            &hello,
            b"[hello     ][68656c6c6f     ][68656C6C6F     ][hello     ][hello][hello     ]",
        ),
        (
            "FORMAT 5.3",
            b"[%10%][%-3q][%5r][%-05l]",
            &hello,
            b"[%][0][0][5    ]",
        ),
        (
            "FORMAT 5.3",
            b"[%.0t][%0t][%08t]",
            &hello,
            b"[][fmt/w][   fmt/w]",
        ),
        (
            "FORMAT 5.3",
            b"[%5m][%-5m][%05m][%m]",
            &m1,
            b"[   42][42   ][00042][42]",
        ),
        ("FORMAT 5.3", b"[%8x]", &hello, b"[    6865]"),
        (
            "live",
            b"[%3p][%3x][%1x][%-3p][%03p][%06X]",
            &hello,
            b"[hel][ 68][ ][hel][hel][006865]",
        ),
        (
            "live",
            b"[%5.1t][%-5.9t][%.9t]",
            &hello,
            b"[    f][fmt/w][fmt/w]",
        ),
        ("live", b"%%%%@@\\\\", &hello, b"%%@\\"),
        ("live", b"%t%p%t", &hello, b"fmt/whellofmt/w"),
        ("FORMAT 5.3", b"[%q][%r][%m]", &m1, b"[1][0][42]"),
        ("live", b"plain text only", &hello, b"plain text only"),
        // absent v5 properties (v3 message): %A %E %F %S pad, %C spaces, %D %P %R nothing
        (
            "obs sub_v5_F_props_absent_with_width",
            b"[%5A][%05A][%5C][%5S][%05F][%-4E]",
            &hello,
            b"[     ][00000][     ][     ][00000][    ]",
        ),
        (
            "live",
            b"[%A][%C][%D][%E][%F][%P][%R][%S][%-05A][%05C][%5D][%5P][%5R]",
            &hello,
            b"[][][][][][][][][00000][     ][][][]",
        ),
    ];
    for (source, format, m, expected) in cases {
        let (out, err) = render(format, m, &clock(), false);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(expected),
            "[{source}] {:?}",
            String::from_utf8_lossy(format)
        );
        assert!(err.is_empty());
    }
}

#[test]
fn binary_payloads_pass_through() {
    let all: Vec<u8> = (0..=255).collect();
    let m = msg("t", &all);
    check(b"%p", &m, &all);
    let hex: String = all.iter().map(|b| format!("{b:02x}")).collect();
    check(b"%x", &m, hex.as_bytes());
    check(b"%X", &m, hex.to_uppercase().as_bytes());
    check(b"%l", &m, b"256");
    // A topic is a C string for %t (it cannot normally contain NUL).
    check(b"[%t]", &msg("a\0b", b"x"), b"[a]");
}

#[test]
fn v5_property_specifiers() {
    // [obs sub_F_v5_property_specifiers], properties in the order the broker forwarded them.
    let props = V5Properties::new()
        .with(V5Property::UserProperty(b"a".to_vec(), b"b".to_vec()))
        .with(V5Property::UserProperty(b"a".to_vec(), b"c".to_vec()))
        .with(V5Property::ContentType(b"ct".to_vec()))
        .with(V5Property::CorrelationData(b"cdata".to_vec()))
        .with(V5Property::ResponseTopic(b"r/t".to_vec()))
        .with(V5Property::PayloadFormatIndicator(1))
        .with(V5Property::MessageExpiryInterval(300))
        .with(V5Property::SubscriptionIdentifier(7));
    let f = b"A=[%A] C=[%C] D=[%D] E=[%E] F=[%F] P=[%P] R=[%R] S=[%S] w:[%5E][%-5F][%05S][%8C]";
    let mut m = msg("fmt/v5p", b"one");
    m.properties = Some(&props);
    check(f, &m, b"A=[] C=[ct] D=[cdata] E=[300] F=[1] P=[a:b a:c] R=[r/t] S=[7] w:[  300][1    ][00007][      ct]");
    let only_sub_id = V5Properties::new().with(V5Property::SubscriptionIdentifier(7));
    let mut m = msg("fmt/v5p", b"two");
    m.properties = Some(&only_sub_id);
    check(
        f,
        &m,
        b"A=[] C=[] D=[] E=[] F=[] P=[] R=[] S=[7] w:[     ][     ][00007][        ]",
    );

    // [live] flags, precision, and a message expiry above INT_MAX printed as a C int.
    let props = V5Properties::new()
        .with(V5Property::ContentType(b"abcdef".to_vec()))
        .with(V5Property::ResponseTopic(b"rt/x".to_vec()))
        .with(V5Property::CorrelationData(b"cd".to_vec()))
        .with(V5Property::UserProperty(b"k".to_vec(), b"v".to_vec()))
        .with(V5Property::PayloadFormatIndicator(1))
        .with(V5Property::MessageExpiryInterval(4_000_000_000));
    let mut m = msg("lab/x", b"hello");
    m.properties = Some(&props);
    check(
        b"[%-05A][%-5A][%05.3C][%-8.2C][%.1R][%5R][%5D][%-5P][%-05E][%5S][%05F]",
        &m,
        b"[00000][     ][  abc][ab      ][r][ rt/x][cd][k:v][-294967296][     ][00001]",
    );

    // Topic alias (never sent by the mosquitto broker) and the first of several values.
    let props = V5Properties::new()
        .with(V5Property::TopicAlias(3))
        .with(V5Property::SubscriptionIdentifier(5))
        .with(V5Property::SubscriptionIdentifier(9))
        .with(V5Property::CorrelationData(b"a\0b".to_vec()))
        .with(V5Property::ContentType(b"x\0y".to_vec()));
    let mut m = msg("t", b"p");
    m.properties = Some(&props);
    // %D writes the correlation data in full (fwrite), %C stops at the NUL (printf %s).
    check(b"[%A][%03A][%S][%D][%C]", &m, b"[3][003][5][a\0b][x]");
}

// ---------------------------------------------------------------------------------------------
// Time: %I %U @c @N (fixed clocks)

#[test]
fn time_sequences_recorded() {
    // [obs sub_F_time]: %I, %U and the @ group each take their own time; @N is the @ group's.
    let clock = SequenceClock::utc(&[
        (T0 - 1, 880_000_000),
        (T0 - 1, 887_473_590),
        (T0 - 1, 887_480_645),
        (T0 - 1, 890_000_000),
    ]);
    check_full(
        b"I=%I|U=%U|@Y-@m-@dT@H:@M:@S@z|s=@s|N=@N|at=@@|%20I|",
        &msg("fmt/time", b"x"),
        &clock,
        false,
        b"I=2026-11-25T22:46:01+0000|U=1795646761.887473590|2026-11-25T22:46:01+0000|s=1795646761|N=887480645|at=@|2026-11-25T22:46:01+0000|",
        b"",
    );

    // [obs sub_F_time_tz] (TZ=America/New_York)
    let ny = FixedClock::zoned(T0, 63_513_000, -5 * 3600, c"EST");
    check_full(
        b"I=%I|@H:@M @z @Z|%j",
        &msg("fmt/timetz", b"x"),
        &ny,
        false,
        b"I=2026-11-25T17:46:02-0500|17:46 -0500 EST|{\"tst\":\"2026-11-25T17:46:02.063513Z-0500\",\"topic\":\"fmt/timetz\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}",
        b"",
    );

    // [obs sub_F_strftime_various]: unknown codes are copied by glibc (@Q -> %Q).
    check_full(
        b"[@a][@b][@j][@p][@y][@e][@%][@Q][@T]",
        &msg("misc/strf", b"x"),
        &FixedClock::utc(T0 + 37 * 60 + 21, 0),
        false,
        b"[Wed][Nov][329][PM][26][25][%][%Q][23:23:23]",
        b"",
    );
}

#[test]
fn time_codes_live() {
    // [live] mosquitto_sub with TZ=UTC / TZ=Asia/Kolkata at 1795658170.799406701 (2026-11-26).
    let utc = FixedClock::utc(1_795_658_170, 799_406_701);
    check_full(
        b"@a|@A|@b|@B|@c|@C|@d|@D|@e|@F|@g|@G|@h|@H|@I|@j|@k|@l|@m|@M|@n|@p|@P|@r|@R|@S|@t|@T|@u|@U|@V|@w|@W|@x|@X|@y|@Y|@z|@Z",
        &msg("t", b"x"),
        &utc,
        false,
        b"Thu|Thursday|Nov|November|Thu Nov 26 01:56:10 2026|20|26|11/26/26|26|2026-11-26|26|2026|Nov|01|01|330| 1| 1|11|56|\n|AM|am|01:56:10 AM|01:56|10|\t|01:56:10|4|47|48|4|47|11/26/26|01:56:10|26|2026|+0000|UTC",
        b"",
    );
    check_full(
        b"[@+][@E][@O][@Q][@%][@Ec][@Oy][@-][@_][@#][@^][@\xc3\xa9][@1][@0][@Ey]",
        &msg("t", b"x"),
        &utc,
        false,
        b"[%+][%E][%O][%Q][%][%Ec][%Oy][%-][%_][%#][%^][%\xc3\xa9][%1][%0][%Ey]",
        b"",
    );
    check_full(
        b"%I|%20I|%-30.10I|%.4I|%U|s=@s N=@N",
        &msg("t", b"x"),
        &utc,
        false,
        b"2026-11-26T01:56:10+0000|2026-11-26T01:56:10+0000|2026-11-26                    |2026|1795658170.799406701|s=1795658170 N=799406701",
        b"",
    );
    let kolkata = FixedClock::zoned(1_795_658_171, 528_865_753, 19_800, c"IST");
    check_full(
        b"@c|@z|@Z|%I|%j",
        &msg("t", b""),
        &kolkata,
        false,
        b"Thu Nov 26 07:26:11 2026|+0530|IST|2026-11-26T07:26:11+0530|{\"tst\":\"2026-11-26T07:26:11.528865Z+0530\",\"topic\":\"t\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}",
        b"",
    );
}

#[test]
fn time_taken_per_sequence() {
    // [live] '@N %U @N %U' -> "461902866 1795657564.461982385 461902866 1795657564.461989896":
    // the @ group's time is taken once per message, %U at each use.
    let clock = SequenceClock::utc(&[(T0, 100), (T0, 200), (T0, 300)]);
    check_full(
        b"@N %U @N %U",
        &msg("t", b"x"),
        &clock,
        false,
        b"000000100 1795646762.000000200 000000100 1795646762.000000300",
        b"",
    );
    // [src 2.0.11 get_time/localtime] %I refreshes localtime()'s static buffer, which the later
    // @ codes read (but @N keeps the first @ time's nanoseconds).
    let clock = SequenceClock::utc(&[(T0, 1), (T0 + 3600, 2)]);
    check_full(
        b"@H %I @H @N",
        &msg("t", b"x"),
        &clock,
        false,
        b"22 2026-11-25T23:46:02+0000 23 000000001",
        b"",
    );
    // A time before 1970 and a 30-minute zone.
    check_full(
        b"%I @s %U",
        &msg("t", b"x"),
        &FixedClock::zoned(-1, 5, -(3 * 3600 + 30 * 60), c"NST"),
        false,
        b"1969-12-31T20:29:59-0330 -1 -1.000000005",
        b"",
    );
}

/// [src 2.0.11] `get_time` prints the error and its caller prints it again; `%` conversions then
/// print nothing, an `@` sequence returns from `formatted_print`.
#[test]
fn clock_failure() {
    let err = b"Error obtaining system time.\nError obtaining system time.\n";
    // % conversions print nothing; the rest of the line continues.
    check_full(
        b"a%Ib%Uc%jd",
        &msg("t", b"x"),
        &BrokenClock,
        false,
        b"abcd",
        &[&err[..]; 3].concat(),
    );
    // An @ sequence abandons the rest of the line.
    check_full(b"a@Hb%t", &msg("t", b"x"), &BrokenClock, false, b"a", err);
}

#[test]
fn fixed_clock_calendar_matches_localtime() {
    // LocalTime::fixed builds the broken-down time itself; expected strings from
    // `TZ=UTC date -d @SECS '+%F %T %a %j %u'` (leap days, century rule, before 1970, year 9999).
    let cases: &[(i64, &[u8])] = &[
        (0, b"1970-01-01 00:00:00 Thu 001 4"),
        (951_782_400, b"2000-02-29 00:00:00 Tue 060 2"),
        (4_107_542_399, b"2100-02-28 23:59:59 Sun 059 7"),
        (4_107_542_400, b"2100-03-01 00:00:00 Mon 060 1"),
        (-86_400, b"1969-12-31 00:00:00 Wed 365 3"),
        (253_402_300_799, b"9999-12-31 23:59:59 Fri 365 5"),
    ];
    for &(secs, expected) in cases {
        let clock = FixedClock::utc(secs, 0);
        check_full(
            b"@F @T @a @j @u",
            &msg("t", b""),
            &clock,
            false,
            expected,
            b"",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// JSON (§5.5)

const TST: &str = "2026-11-25T22:46:02.239020Z+0000";

fn env(topic: &str, len: usize, payload: &str) -> Vec<u8> {
    format!(
        "{{\"tst\":\"{TST}\",\"topic\":\"{topic}\",\"qos\":0,\"retain\":0,\"payloadlen\":{len},\"payload\":{payload}}}"
    )
    .into_bytes()
}

#[test]
fn json_recorded_lines() {
    let at = |secs: i64, micros: u32| FixedClock::utc(secs, micros * 1000 + 999);
    // [obs sub_F_json_j]
    check_full(b"%j", &msg("fmt/j/a", b"hello world"), &at(T0, 239_020), false,
        b"{\"tst\":\"2026-11-25T22:46:02.239020Z+0000\",\"topic\":\"fmt/j/a\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":\"hello world\"}", b"");
    check_full(b"%j", &qos(msg("fmt/j/b", b"qos one"), 1, 1), &at(T0, 241_490), false,
        b"{\"tst\":\"2026-11-25T22:46:02.241490Z+0000\",\"topic\":\"fmt/j/b\",\"qos\":1,\"retain\":0,\"payloadlen\":7,\"mid\":1,\"payload\":\"qos one\"}", b"");
    check_full(b"%j", &msg("fmt/j/c", b"quote\" back\\ nl\n tab\t bell\x07 utf8 \xc3\xa9"), &at(T0, 243_642), false,
        b"{\"tst\":\"2026-11-25T22:46:02.243642Z+0000\",\"topic\":\"fmt/j/c\",\"qos\":0,\"retain\":0,\"payloadlen\":35,\"payload\":\"quote\\\" back\\\\ nl\\n tab\\t bell\\u0007 utf8 \xc3\xa9\"}", b"");
    check_full(b"%j", &msg("fmt/j/d", b""), &at(T0, 284_822), false,
        b"{\"tst\":\"2026-11-25T22:46:02.284822Z+0000\",\"topic\":\"fmt/j/d\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}", b"");
    check_full(b"%j", &msg("fmt/j/e\"q", b"{\"a\":1}"), &at(T0, 284_919), false,
        b"{\"tst\":\"2026-11-25T22:46:02.284919Z+0000\",\"topic\":\"fmt/j/e\\\"q\",\"qos\":0,\"retain\":0,\"payloadlen\":7,\"payload\":\"{\\\"a\\\":1}\"}", b"");

    // [obs sub_binary_payloads] stdout_j / stdout_J + stderr_J: %j stops at the NUL.
    check_full(b"%j", &msg("bin/t", b"A\0B\xff\nC"), &at(T0 + 1, 885_096), false,
        b"{\"tst\":\"2026-11-25T22:46:03.885096Z+0000\",\"topic\":\"bin/t\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":\"A\"}", b"");
    check_full(
        b"%J",
        &msg("bin/t", b"A\0B\xff\nC"),
        &clock(),
        false,
        b"",
        b"Error: Message payload is not valid JSON on topic bin/t.\n",
    );

    // [obs sub_F_j_control_chars]
    check_full(b"%j", &msg("x/jcc", b"b\x08f\x0cr\rx\x01y\x1bz"), &at(T0 + 3164, 505_084), false,
        b"{\"tst\":\"2026-11-25T23:38:46.505084Z+0000\",\"topic\":\"x/jcc\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":\"b\\bf\\fr\\rx\\u0001y\\u001bz\"}", b"");

    // [obs sub_F_json_j_invalid_utf8_and_high_bytes] (stdout.od)
    check_full(b"%j", &msg("misc/j8", b"a\xffb\x7fc\x1fd"), &at(T0 + 2240, 876_281), false,
        b"{\"tst\":\"2026-11-25T23:23:22.876281Z+0000\",\"topic\":\"misc/j8\",\"qos\":0,\"retain\":0,\"payloadlen\":7,\"payload\":\"a\xffb\x7fc\\u001fd\"}", b"");

    // [obs sub_F_json_numbers_J]
    check_full(b"%J",
        &msg("misc/jn", br#"{"i":10,"f":1.5,"e":1e3,"big":12345678901234567890,"neg":-0.0,"s":"\u00e9\u0001","t":true,"n":null, "sp" : [ 1 , 2 ]}"#),
        &at(T0 + 2240, 957_514), false,
        b"{\"tst\":\"2026-11-25T23:23:22.957514Z+0000\",\"topic\":\"misc/jn\",\"qos\":0,\"retain\":0,\"payloadlen\":117,\"payload\":{\"i\":10,\"f\":1.5,\"e\":1000,\"big\":1.2345678901234567e+19,\"neg\":-0,\"s\":\"\xc3\xa9\\u0001\",\"t\":true,\"n\":null,\"sp\":[1,2]}}", b"");

    // [obs sub_F_text_after_json] and [obs sub_F_J_invalid_with_surrounding_text]
    check_full(b"pre %j post %t", &msg("misc/jt", b"x"), &at(T0 + 2241, 275_143), false,
        b"pre {\"tst\":\"2026-11-25T23:23:23.275143Z+0000\",\"topic\":\"misc/jt\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"} post misc/jt", b"");
    check_full(
        b"pre %J post %t",
        &msg("x/Jst", b"not json"),
        &clock(),
        false,
        b"pre  post x/Jst",
        b"Error: Message payload is not valid JSON on topic x/Jst.\n",
    );
}

#[test]
fn json_pretty_recorded() {
    // [obs sub_F_json_pretty]
    let m = qos(
        msg(
            "fmt/pretty/a",
            br#"{"temperature":27.0,"humidity":57,"nested":{"k":[1,2]}}"#,
        ),
        1,
        1,
    );
    check_full(b"%J", &m, &FixedClock::utc(T0, 538_454_000), true,
        b"{\n\t\"tst\":\t\"2026-11-25T22:46:02.538454Z+0000\",\n\t\"topic\":\t\"fmt/pretty/a\",\n\t\"qos\":\t1,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t55,\n\t\"mid\":\t1,\n\t\"payload\":\t{\n\t\t\"temperature\":\t27,\n\t\t\"humidity\":\t57,\n\t\t\"nested\":\t{\n\t\t\t\"k\":\t[1, 2]\n\t\t}\n\t}\n}", b"");
    check_full(
        b"%J",
        &msg("fmt/pretty/b", b"plain"),
        &clock(),
        true,
        b"",
        b"Error: Message payload is not valid JSON on topic fmt/pretty/b.\n",
    );

    // [obs sub_F_J_pretty_array_payload]
    check_full(b"%J", &msg("misc/jpa", br#"[{"a":1},{"b":[]},{}]"#), &FixedClock::utc(T0 + 2241, 82_612_000), true,
        b"{\n\t\"tst\":\t\"2026-11-25T23:23:23.082612Z+0000\",\n\t\"topic\":\t\"misc/jpa\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t21,\n\t\"payload\":\t[{\n\t\t\t\"a\":\t1\n\t\t}, {\n\t\t\t\"b\":\t[]\n\t\t}, {\n\t\t}]\n}", b"");
}

#[test]
fn json_v5_properties_recorded() {
    // [obs sub_F_json_j_v5_props_min]
    let props = V5Properties::new()
        .with(V5Property::UserProperty(b"k1".to_vec(), b"v1".to_vec()))
        .with(V5Property::ContentType(b"text/plain".to_vec()));
    let mut m = msg("fmt/j5", b"v5 payload");
    m.properties = Some(&props);
    check_full(b"%j", &m, &FixedClock::utc(T0, 892_860_000), false,
        b"{\"tst\":\"2026-11-25T22:46:02.892860Z+0000\",\"topic\":\"fmt/j5\",\"qos\":0,\"retain\":0,\"payloadlen\":10,\"properties\":{\"user-properties\":{\"k1\":\"v1\"},\"content-type\":\"text/plain\"},\"payload\":\"v5 payload\"}", b"");

    // [obs sub_F_json_j_pretty_v5_props]
    let props = V5Properties::new()
        .with(V5Property::UserProperty(b"k1".to_vec(), b"v1".to_vec()))
        .with(V5Property::UserProperty(b"k2".to_vec(), b"v2".to_vec()))
        .with(V5Property::ContentType(b"text/plain".to_vec()))
        .with(V5Property::ResponseTopic(b"resp/t".to_vec()))
        .with(V5Property::CorrelationData(b"cd1".to_vec()))
        .with(V5Property::PayloadFormatIndicator(1))
        .with(V5Property::MessageExpiryInterval(120));
    let mut m = qos(msg("fmt/jp5", b"v5 payload"), 1, 1);
    m.properties = Some(&props);
    check_full(b"%j", &m, &FixedClock::utc(T0, 715_401_000), true,
        b"{\n\t\"tst\":\t\"2026-11-25T22:46:02.715401Z+0000\",\n\t\"topic\":\t\"fmt/jp5\",\n\t\"qos\":\t1,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t10,\n\t\"mid\":\t1,\n\t\"properties\":\t{\n\t\t\"user-properties\":\t{\n\t\t\t\"k1\":\t\"v1\",\n\t\t\t\"k2\":\t\"v2\"\n\t\t},\n\t\t\"content-type\":\t\"text/plain\",\n\t\t\"response-topic\":\t\"resp/t\",\n\t\t\"correlation-data\":\t\"cd1\",\n\t\t\"payload-format-indicator\":\t1,\n\t\t\"message-expiry-interval\":\t120\n\t},\n\t\"payload\":\t\"v5 payload\"\n}", b"");

    // [obs sub_F_j_v5_duplicate_user_property_keys]
    let props = V5Properties::new()
        .with(V5Property::UserProperty(b"a".to_vec(), b"b".to_vec()))
        .with(V5Property::UserProperty(b"a".to_vec(), b"c".to_vec()));
    let mut m = msg("x/jdup", b"x");
    m.properties = Some(&props);
    check_full(b"%j", &m, &FixedClock::utc(T0 + 3164, 431_651_000), false,
        b"{\"tst\":\"2026-11-25T23:38:46.431651Z+0000\",\"topic\":\"x/jdup\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"properties\":{\"user-properties\":{\"a\":\"b\",\"a\":\"c\"}},\"payload\":\"x\"}", b"");

    // [live] packet order is kept; user properties grouped where the first one was.
    let props = V5Properties::new()
        .with(V5Property::ContentType(b"abcdef".to_vec()))
        .with(V5Property::ResponseTopic(b"rt/x".to_vec()))
        .with(V5Property::CorrelationData(b"cd".to_vec()))
        .with(V5Property::UserProperty(b"k".to_vec(), b"v".to_vec()))
        .with(V5Property::PayloadFormatIndicator(1))
        .with(V5Property::MessageExpiryInterval(4_000_000_000));
    let mut m = msg("t", b"hello");
    m.properties = Some(&props);
    check(b"%j", &m, b"{\"tst\":\"2026-11-25T22:46:02.239020Z+0000\",\"topic\":\"t\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"properties\":{\"content-type\":\"abcdef\",\"response-topic\":\"rt/x\",\"correlation-data\":\"cd\",\"user-properties\":{\"k\":\"v\"},\"payload-format-indicator\":1,\"message-expiry-interval\":4000000000},\"payload\":\"hello\"}");

    // Interleaved user properties, several subscription ids, topic alias, C-string cuts.
    let props = V5Properties::new()
        .with(V5Property::UserProperty(b"a".to_vec(), b"1".to_vec()))
        .with(V5Property::SubscriptionIdentifier(3))
        .with(V5Property::UserProperty(b"b\0x".to_vec(), b"2\0y".to_vec()))
        .with(V5Property::SubscriptionIdentifier(4))
        .with(V5Property::TopicAlias(9))
        .with(V5Property::CorrelationData(b"c\0d".to_vec()));
    let mut m = msg("t", b"x");
    m.properties = Some(&props);
    check(b"%j", &m, b"{\"tst\":\"2026-11-25T22:46:02.239020Z+0000\",\"topic\":\"t\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"properties\":{\"user-properties\":{\"a\":\"1\",\"b\":\"2\"},\"subscription-identifier\":3,\"subscription-identifier\":4,\"topic-alias\":9,\"correlation-data\":\"c\"},\"payload\":\"x\"}");
    check(b"%P", &m, b"a:1 b:2");

    // A v5 message without properties has no "properties" key [obs sub_v5_json_message_without_properties].
    let empty = V5Properties::new();
    let mut m = msg("t", b"x");
    m.properties = Some(&empty);
    check(b"%j", &m, &env("t", 1, "\"x\""));
}

#[test]
fn json_parsed_payloads() {
    // [cjson] expected bytes from libcjson 1.7.15 (Debian 12) via mosquitto's json_print.
    let valid: &[(&[u8], &str)] = &[
        (b"[27.0, 1e3, -0.0, 12345678901234567890, 0.1, 1e300, 1e400, 0.30000000000000004, 1e-7, 5e-324, 1e15, 123456789012345678, 1234567890123455, 2.5e-5, 100, -17, 1.5]",
         "[27,1000,-0,1.2345678901234567e+19,0.1,1e+300,null,0.3,1e-07,4.94065645841247e-324,1e+15,1.2345678901234568e+17,1234567890123455,2.5e-05,100,-17,1.5]"),
        (br#"{"a":"x\u0000y","\u0041\u0000B":1,"z":"\uzzzz!"}"#, r#"{"a":"x","A":1,"z":""}"#),
        (b"  \r\n\t\x01 {\"a\" : [ 1 , 2 ] , \"a\" : { } }\x1f ", r#"{"a":[1,2],"a":{}}"#),
        (b"\xef\xbb\xbf[true,false,null]", "[true,false,null]"),
        (b"01", "1"),
        (b"-.5", "-0.5"),
        (b"1.", "1"),
        (b"1.e5", "100000"),
        (b"\"str\"", "\"str\""),
        (b" 1 ", "1"),
        (b"{\"a\":1}  \n\t", r#"{"a":1}"#),
        (b"[0.1, 0.2, 1e21, 1e-5, 0.0001, 123456.789, 4503599627370495.5, 1e16]",
         "[0.1,0.2,1e+21,1e-05,0.0001,123456.789,4503599627370495.5,1e+16]"),
    ];
    for (payload, expected) in valid {
        let (out, err) = render(b"%J", &msg("t", payload), &clock(), false);
        assert!(err.is_empty(), "{:?}", String::from_utf8_lossy(payload));
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&env("t", payload.len(), expected)),
            "{:?}",
            String::from_utf8_lossy(payload)
        );
    }
    // Escapes decoded, raw control/high bytes kept (and re-escaped when < 0x20).
    let payload = [
        &br#"{"s":"\u00e9\u0001\ud83d\ude00\u20ac\/\b\f\n\r\t\"\\","raw":""#[..],
        b"\x01\x7f\xff\"}",
    ]
    .concat();
    let (out, _) = render(b"%J", &msg("t", &payload), &clock(), false);
    let mut expected = env("t", payload.len(), "X");
    let tail = b"{\"s\":\"\xc3\xa9\\u0001\xf0\x9f\x98\x80\xe2\x82\xac/\\b\\f\\n\\r\\t\\\"\\\\\",\"raw\":\"\\u0001\x7f\xff\"}}";
    expected.truncate(expected.len() - 2);
    expected.extend_from_slice(tail);
    assert_eq!(out, expected);

    // [cjson] / [live] invalid payloads: %J prints nothing, stderr names the topic.
    let invalid: &[&[u8]] = &[
        b"[1e]",
        b"+1",
        b".5",
        b"[1,]",
        b"{\"a\":1,}",
        b"{a:1}",
        b"nul",
        b"nullx",
        br#""\ud800""#,
        br#""\udc00""#,
        br#""\ud800\u0041""#,
        br#""\x""#,
        b"\"abc",
        b"\xef\xbb\xbf",
        b" ",
        b"{\"a\":1}\0",
        b"{\"a\":1}\0xyz",
        b"{\"a\":1} x",
        b"[1] [2]",
        b"1.2.3",
        b"--1",
        b"-",
        b"0x10",
        b"[",
        b"{\"a\"}",
        b"{\"a\" 1}",
        b"tru",
        b"\"\\",
    ];
    for payload in invalid {
        check_full(
            b"<%J>",
            &msg("a/b", payload),
            &clock(),
            false,
            b"<>",
            b"Error: Message payload is not valid JSON on topic a/b.\n",
        );
    }
    // Empty payload: null for both %j and %J [obs sub_F_json_j] [live].
    check(
        b"%J|%j",
        &msg("t", b""),
        &[env("t", 0, "null"), b"|".to_vec(), env("t", 0, "null")].concat(),
    );
    // Very long numbers are fine (Debian's cJSON has no 63-char limit) [cjson].
    let long = [b"[".as_slice(), &[b'1'; 200], b"]"].concat();
    check(
        b"%J",
        &msg("t", &long),
        &env("t", 202, "[1.1111111111111111e+199]"),
    );
    let tiny = [b"0.".as_slice(), &[b'0'; 400], b"1"].concat();
    check(b"%J", &msg("t", &tiny), &env("t", 403, "0"));
}

#[test]
fn json_pretty_layout() {
    // [cjson] empty object/array, arrays of objects, nesting.
    let payload = br#"{"a":{},"b":[],"c":[{}],"d":{"e":[1,{"f":null}]},"g":[[],[{}],{"h":[]}]}"#;
    let head = format!(
        "{{\n\t\"tst\":\t\"{TST}\",\n\t\"topic\":\t\"t\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t{},\n\t\"payload\":\t",
        payload.len()
    );
    let body = "{\n\t\t\"a\":\t{\n\t\t},\n\t\t\"b\":\t[],\n\t\t\"c\":\t[{\n\t\t\t}],\n\t\t\"d\":\t{\n\t\t\t\"e\":\t[1, {\n\t\t\t\t\t\"f\":\tnull\n\t\t\t\t}]\n\t\t},\n\t\t\"g\":\t[[], [{\n\t\t\t\t}], {\n\t\t\t\t\"h\":\t[]\n\t\t\t}]\n\t}\n}";
    check_full(
        b"%J",
        &msg("t", payload),
        &clock(),
        true,
        format!("{head}{body}").as_bytes(),
        b"",
    );
    for (payload, body) in [
        (&b"[]"[..], "[]\n}"),
        (b"{}", "{\n\t}\n}"),
        (b"\"x\"", "\"x\"\n}"),
    ] {
        let head = head.replace("\t72,", &format!("\t{},", payload.len()));
        check_full(
            b"%J",
            &msg("t", payload),
            &clock(),
            true,
            format!("{head}{body}").as_bytes(),
            b"",
        );
    }
    // %j pretty: same envelope, string payload.
    check_full(b"%j", &msg("t", b"p"), &clock(), true,
        format!("{{\n\t\"tst\":\t\"{TST}\",\n\t\"topic\":\t\"t\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t1,\n\t\"payload\":\t\"p\"\n}}").as_bytes(), b"");
}

#[test]
fn json_string_escaping() {
    // [cjson] %j: escapes, raw DEL and high bytes.
    let mut expected = env("t", 19, "X");
    expected.truncate(expected.len() - 2); // `X}`
    expected.extend_from_slice(b"\"tab\\there \\\"q\\\" \\\\ \x7f\x80\xc3\xa9\"}");
    check(
        b"%j",
        &msg("t", b"tab\there \"q\" \\ \x7f\x80\xc3\xa9"),
        &expected,
    );
    // Every control character.
    let ctl: Vec<u8> = (1..0x20).collect();
    let mut out = Vec::new();
    json::write_string(&ctl, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap_or_default(),
        "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\""
    );
}

#[test]
fn json_numbers() {
    // [cjson] print_number: %1.15g, else %1.17g.
    let cases: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "-0"),
        (27.0, "27"),
        (1e3, "1000"),
        (0.1, "0.1"),
        (1e300, "1e+300"),
        (1e15, "1e+15"),
        (1e14, "100000000000000"),
        (123_456_789_012_345_680.0, "1.2345678901234568e+17"),
        (1_234_567_890_123_455.0, "1234567890123455"),
        (0.1 + 0.2, "0.3"),
        (1e-7, "1e-07"),
        (5e-324, "4.94065645841247e-324"),
        (2.5e-5, "2.5e-05"),
        (1e-5, "1e-05"),
        (1e-4, "0.0001"),
        (f64::INFINITY, "null"),
        (f64::NEG_INFINITY, "null"),
        (-1.5, "-1.5"),
        // %1.15g reads back within DBL_EPSILON, so it is kept.
        (f64::MAX, "1.79769313486232e+308"),
        (4_294_967_295.0, "4294967295"),
        // 2^50 + 0.25 and + 0.75: exact ties at 17 digits, rounded to even like glibc.
        (1_125_899_906_842_624.0 + 0.25, "1125899906842624.2"),
        (1_125_899_906_842_624.0 + 0.75, "1125899906842624.8"),
    ];
    for &(d, expected) in cases {
        let mut out = Vec::new();
        json::write_number(d, &mut out);
        assert_eq!(String::from_utf8_lossy(&out), expected, "{d:e}");
    }
}

#[test]
fn json_nesting_limit() {
    // [cjson] 1000 nested arrays/objects parse, 1001 do not.
    let nested = |n: usize| [vec![b'['; n], vec![b']'; n]].concat();
    assert!(json::parse_payload(&nested(1000)).is_some());
    assert!(json::parse_payload(&nested(1001)).is_none());
    let objects = |n: usize| [b"{\"a\":".repeat(n), b"1".to_vec(), vec![b'}'; n]].concat();
    assert!(json::parse_payload(&objects(1000)).is_some());
    assert!(json::parse_payload(&objects(1001)).is_none());
    // Siblings do not add depth.
    let wide = [b"[".to_vec(), b"[],".repeat(5000), b"[]]".to_vec()].concat();
    assert!(matches!(json::parse_payload(&wide), Some(Value::Array(v)) if v.len() == 5001));
}

#[test]
fn json_parser_values() {
    assert_eq!(
        json::parse_payload(b"\"a\\u0000b\""),
        Some(Value::String(b"a\0b".to_vec()))
    );
    assert_eq!(
        json::parse_payload(b"\"\\uD83D\\uDE00\""),
        Some(Value::String("😀".into()))
    );
    assert_eq!(
        json::parse_payload(b"\"\\u12zz\""),
        Some(Value::String(vec![0]))
    );
    assert_eq!(
        json::parse_payload(b"{\"k\":[1,-2.5e1]}"),
        Some(Value::Object(vec![(
            b"k".to_vec(),
            Value::Array(vec![Value::Number(1.0), Value::Number(-25.0)])
        )]))
    );
    assert_eq!(json::parse_payload(b""), None);
}
