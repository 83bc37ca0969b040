//! `rpub --json-lines`' line reader on arbitrary bytes: every line is read or refused with an error,
//! never a panic; where the fast reader takes a line, serde_json reads the same from it; and what
//! `rsub --json-lines` writes for any message reads back as that message (topic, payload byte for
//! byte, QoS, retain).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub::app::json_input::{fast_reader_agrees, parse_json_line};
use rpubsub::output::Timestamp;
use rpubsub::output::json_lines::{JsonMessage, write_message};
use rpubsub::proto::codec::{Properties, QoS};

fuzz_target!(|data: &[u8]| {
    // The bytes as a line of their own.
    let _ = parse_json_line(data);
    assert!(
        fast_reader_agrees(data),
        "the fast reader and serde_json differ on {:?}",
        String::from_utf8_lossy(data)
    );

    // The bytes as a message: rsub's line for it must read back the same.
    let [selector, topic_length, rest @ ..] = data else {
        return;
    };
    let (topic, payload) = rest.split_at(usize::from(*topic_length).min(rest.len()));
    let topic = String::from_utf8_lossy(topic);
    if topic.is_empty() || topic.contains(['+', '#', '\0']) {
        // Not a topic a message can be published to (the reader refuses these, rightly).
        return;
    }
    let qos = selector % 3;
    let retain = selector & 0x04 != 0;
    let properties = Properties::default();
    let message = JsonMessage {
        topic: &topic,
        payload,
        qos,
        retain,
        mid: 0,
        properties: &properties,
    };
    let mut line = Vec::new();
    write_message(
        &message,
        Timestamp {
            secs: 1_700_000_000,
            nanos: 0,
        },
        &mut line,
    );
    let line = line
        .strip_suffix(b"\n")
        .expect("a line ends with a newline");
    let read = parse_json_line(line).expect("rsub's own line reads back");
    assert_eq!(read.topic.as_deref(), Some(&*topic));
    assert_eq!(read.payload, payload);
    assert_eq!(read.qos, QoS::from_u8(qos));
    assert_eq!(read.retain, Some(retain));
});
