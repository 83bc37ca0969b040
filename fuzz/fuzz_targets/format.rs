//! rsub's `-F` formatter and JSON printer on arbitrary format strings, topics, payloads and MQTT 5
//! properties: a format is either refused with an error or expands without a panic, and `%j`/`%J`
//! (plain and `--pretty`) handle any payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub::output::{
    FixedClock, Format, MessageView, OutputMode, Printer, Sink, V5Properties, V5Property,
};

/// Counts what the formatter writes instead of keeping it: a huge `-F` width streams its padding in
/// pieces (issue 13 defect 8), so the harness must not build it in memory either. It keeps the
/// first bytes so the output is still produced and looked at.
struct Counting {
    len: u64,
    head: Vec<u8>,
}

impl Sink for Counting {
    fn put(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        let room = 256usize.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }
}

fuzz_target!(|data: &[u8]| {
    let [selector, format_length, topic_length, rest @ ..] = data else {
        return;
    };
    let (format, rest) = rest.split_at(usize::from(*format_length).min(rest.len()));
    let (topic, payload) = rest.split_at(usize::from(*topic_length).min(rest.len()));
    let Ok(format) = Format::parse(format) else {
        return;
    };
    let topic = String::from_utf8_lossy(topic);
    let properties = V5Properties {
        list: vec![
            V5Property::ContentType(payload.iter().take(8).copied().collect()),
            V5Property::CorrelationData(topic.as_bytes().to_vec()),
            V5Property::UserProperty(
                b"k\"\\".to_vec(),
                payload.iter().rev().take(5).copied().collect(),
            ),
            V5Property::MessageExpiryInterval(u32::from(*selector)),
        ],
    };
    let view = MessageView {
        topic: &topic,
        payload,
        qos: selector % 3,
        retain: selector & 0x04 != 0,
        mid: u16::from(*format_length),
        properties: (selector & 0x08 != 0).then_some(&properties),
    };
    let printer = Printer {
        mode: OutputMode::Format(format),
        pretty: selector & 0x10 != 0,
        no_eol: selector & 0x20 != 0,
    };
    let clock = FixedClock::utc(1_700_000_000, 123_456_789);
    let mut out = Counting {
        len: 0,
        head: Vec::new(),
    };
    let mut err = Vec::new();
    printer.write_message(&view, &clock, &mut out, &mut err);
    assert!(out.head.len() as u64 <= out.len);
});
