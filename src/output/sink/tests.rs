//! The printer streams: huge widths and large payloads reach the sink in bounded pieces, with the
//! same bytes as when collected whole.

use super::{CountingSink, DIRECT_MIN, HEX_PIECE, OutputSink, PAD_PIECE, Sink};
use crate::output::stdout::Output;
use crate::output::{FixedClock, Format, MessageView, OutputMode, Printer, V5Properties};

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

fn clock() -> FixedClock {
    FixedClock::utc(1_795_646_762, 239_020_123)
}

fn expand(format: &str, m: &MessageView, out: &mut (impl Sink + ?Sized)) {
    let format = Format::parse(format.as_bytes()).expect("valid format");
    let mut err = Vec::new();
    format.write(m, &clock(), false, out, &mut err);
    assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
}

#[test]
fn a_width_of_two_gigabytes_streams_in_bounded_pieces() {
    // mosquitto_sub writes 2,147,483,647 bytes for `%2147483647t` (live, 2.0.11) with 3.8 MB of
    // memory; we built the line first (2 GB, or an abort where that allocation failed).
    let m = msg("wt", b"");
    let mut sink = CountingSink::keeping(16);
    expand("%2147483647t", &m, &mut sink);
    assert_eq!(sink.len, 2_147_483_647);
    assert_eq!(sink.kept, [b' '; 16]);
    assert!(sink.largest_piece <= PAD_PIECE, "{}", sink.largest_piece);
}

#[test]
fn every_padding_conversion_streams_the_same_bytes() {
    // (format, what the padding is of): each compared with the whole message built in a Vec.
    let payload = vec![b'p'; 3000];
    let properties = V5Properties::new();
    let mut m = msg("pad/t", &payload);
    m.qos = 1;
    m.mid = 7;
    m.properties = Some(&properties);
    let cases = [
        ("%1000000t", "topic, right-justified"),
        ("%-1000000t", "topic, left-justified"),
        ("%1000000.2t", "topic with precision"),
        ("%1000000l", "integer"),
        ("%-1000000m", "integer, left"),
        ("%01000000m", "integer, zeros"),
        ("%1000000p", "payload"),
        ("%01000000x", "hex payload, zeros"),
        ("%1000000.2x", "grouped hex (mosquitto 2.1), padded"),
        ("%-1000000.4:X", "grouped hex, left"),
        ("%-p", "payload with len spaces after it (mosquitto's %-p)"),
        ("%1000000A", "absent topic alias"),
        ("%01000000E", "absent expiry, zeros"),
        ("%1000000C", "absent content type"),
        ("%1000000I", "ISO time"),
    ];
    for (format, rule) in cases {
        let mut whole = Vec::new();
        expand(format, &m, &mut whole);
        let mut streamed = CountingSink::keeping(usize::MAX);
        expand(format, &m, &mut streamed);
        assert_eq!(streamed.kept, whole, "{rule}: {format}");
        assert!(whole.len() >= 3000, "{rule}: {format} pads");
        assert!(
            streamed.largest_piece <= PAD_PIECE.max(payload.len()),
            "{rule}: {format}: a piece of {}",
            streamed.largest_piece
        );
    }
}

#[test]
fn hex_of_a_large_payload_is_written_in_pieces() {
    let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let m = msg("hex/t", &payload);
    for (format, digits) in [("%x", b"0123456789abcdef"), ("%X", b"0123456789ABCDEF")] {
        let mut sink = CountingSink::keeping(usize::MAX);
        expand(format, &m, &mut sink);
        let expected: Vec<u8> = payload
            .iter()
            .flat_map(|&b| [digits[usize::from(b >> 4)], digits[usize::from(b & 15)]])
            .collect();
        assert!(sink.kept == expected, "{format}: the hex text differs");
        assert!(sink.largest_piece <= HEX_PIECE, "{}", sink.largest_piece);
    }
}

#[test]
fn the_output_buffer_stays_small_while_a_huge_message_streams_through() {
    // 20 MB of padding, then the payload: the buffer is written out whenever it is large, so its
    // allocation never grows towards the message's size.
    let printer = Printer {
        mode: OutputMode::Format(Format::parse(b"%20000000t|%p").expect("valid")),
        pretty: false,
        no_eol: false,
    };
    let mut output = Output::in_memory();
    output.buffer().extend_from_slice(b"before\n");
    let mut sink = OutputSink::new(&mut output);
    let mut err = Vec::new();
    printer.write_message(&msg("big", b"tail"), &clock(), &mut sink, &mut err);
    assert_eq!(sink.unwritten_start(), None, "part of it was written out");
    assert!(
        output.buffer().capacity() < 4 * DIRECT_MIN,
        "buffer grew to {} bytes",
        output.buffer().capacity()
    );
    output.flush();
    let written = output.written();
    assert_eq!(written.len(), 7 + 20_000_000 + 6);
    assert!(written.starts_with(b"before\n      "));
    assert!(written.ends_with(b"   big|tail\n"));
}

#[test]
fn a_small_message_stays_in_the_buffer_where_it_started() {
    let printer = Printer {
        mode: OutputMode::Format(Format::parse(b"%t %p").expect("valid")),
        pretty: false,
        no_eol: false,
    };
    let mut output = Output::in_memory();
    output.buffer().extend_from_slice(b"earlier\n");
    let mut sink = OutputSink::new(&mut output);
    let mut err = Vec::new();
    printer.write_message(&msg("a/b", b"hi"), &clock(), &mut sink, &mut err);
    assert_eq!(sink.unwritten_start(), Some(8));
    assert_eq!(output.buffer(), b"earlier\na/b hi\n");
    assert!(output.written().is_empty());
}

#[test]
fn a_large_payload_piece_is_written_without_a_copy_in_the_buffer() {
    let payload = vec![b'z'; DIRECT_MIN * 4];
    let printer = Printer {
        mode: OutputMode::Format(Format::parse(b"<%p>").expect("valid")),
        pretty: false,
        no_eol: true,
    };
    let mut output = Output::in_memory();
    let mut sink = OutputSink::new(&mut output);
    printer.write_message(&msg("t", &payload), &clock(), &mut sink, &mut Vec::new());
    assert!(
        output.buffer().capacity() < DIRECT_MIN,
        "the payload was not copied"
    );
    assert_eq!(output.buffer(), b">");
    assert_eq!(output.written().len(), 1 + payload.len());
}
