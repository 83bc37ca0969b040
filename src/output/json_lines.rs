//! `rsub --json-lines`: one JSON object per message, lossless (docs/rsub-output.md), and the small
//! JSON writer it shares with the `--trace` sink.
//!
//! ```text
//! {"tst":"2026-12-04T09:30:00.123456Z","topic":"a/b","qos":1,"retain":false,"mid":3,"payload":"hi"}
//! {"tst":"...","topic":"bin","qos":0,"retain":true,"mid":0,"payload_base64":"AP8=","properties":{...}}
//! ```
//!
//! - `tst`: the time the message was handled, RFC 3339 in UTC with microseconds;
//! - `payload` when the payload is valid UTF-8, otherwise `payload_base64` (standard alphabet, padded);
//! - `properties` (MQTT 5, only when the message has any): by name as `-D` spells them, numbers as
//!   numbers, strings as strings, binary values (`correlation-data`) like the payload (`NAME` or
//!   `NAME-base64`), the user properties as `"user-properties": [["key","value"], ...]` in packet
//!   order and the subscription identifiers as `"subscription-identifier": [1, ...]`.
//!
//! Written by hand rather than through serde: this runs once per message of a stream, and a
//! value tree per message would cost more than everything else rsub does for it.

use base64::Engine as _;

use super::sink::Sink;
use super::time::Timestamp;
use crate::calendar::civil_from_days;
use crate::proto::codec::{Properties, Property};

/// Bytes of a binary value encoded at once (a multiple of 3, so the pieces join without padding).
const BASE64_PIECE: usize = 6 * 1024;

/// One received message, as `--json-lines` writes it.
#[derive(Debug, Clone, Copy)]
pub struct JsonMessage<'a> {
    pub topic: &'a str,
    pub payload: &'a [u8],
    pub qos: u8,
    pub retain: bool,
    /// Packet id (0 for QoS 0).
    pub mid: u16,
    pub properties: &'a Properties,
}

/// Appends the line for `message`, handled at `now`, newline included.
pub fn write_message<W: Sink + ?Sized>(message: &JsonMessage<'_>, now: Timestamp, out: &mut W) {
    out.put(b"{\"tst\":\"");
    write_rfc3339_micros(now, out);
    out.put(b"\",\"topic\":");
    write_str(message.topic, out);
    out.put(b",\"qos\":");
    write_u64(u64::from(message.qos), out);
    out.put(if message.retain {
        b",\"retain\":true,\"mid\":"
    } else {
        b",\"retain\":false,\"mid\":"
    });
    write_u64(u64::from(message.mid), out);
    out.put_byte(b',');
    write_bytes_member("payload", message.payload, out);
    if !message.properties.is_empty() {
        out.put(b",\"properties\":");
        write_properties(message.properties, out);
    }
    out.put(b"}\n");
}

/// `"KEY":"text"` when `bytes` is UTF-8, else `"KEY_base64":"..."`.
pub fn write_bytes_member<W: Sink + ?Sized>(key: &str, bytes: &[u8], out: &mut W) {
    write_text_or_base64(key, b"_base64", bytes, out);
}

/// Binary property values: `"NAME":"text"` or `"NAME-base64":"..."` (property names use `-`).
fn write_binary_property<W: Sink + ?Sized>(name: &str, bytes: &[u8], out: &mut W) {
    write_text_or_base64(name, b"-base64", bytes, out);
}

/// `"NAME":"text"` when `bytes` is UTF-8, else the name with `suffix` and the base64 text.
fn write_text_or_base64<W: Sink + ?Sized>(name: &str, suffix: &[u8], bytes: &[u8], out: &mut W) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            write_str(name, out);
            out.put_byte(b':');
            write_str(text, out);
        }
        Err(_) => {
            out.put_byte(b'"');
            out.put(name.as_bytes());
            out.put(suffix);
            out.put(b"\":\"");
            write_base64(bytes, out);
            out.put_byte(b'"');
        }
    }
}

/// The properties as one object (see the module docs), in packet order; the repeatable ones are
/// gathered into one array at the place of their first occurrence.
pub fn write_properties<W: Sink + ?Sized>(properties: &Properties, out: &mut W) {
    out.put_byte(b'{');
    let mut first = true;
    let mut users_done = false;
    let mut ids_done = false;
    for property in properties.iter() {
        match property {
            Property::UserProperty(..) if users_done => continue,
            Property::SubscriptionIdentifier(_) if ids_done => continue,
            _ => {}
        }
        if !first {
            out.put_byte(b',');
        }
        first = false;
        let name = property.id().name();
        match property {
            Property::UserProperty(..) => {
                users_done = true;
                out.put(b"\"user-properties\":[");
                for (index, (key, value)) in properties.user_properties().enumerate() {
                    if index > 0 {
                        out.put_byte(b',');
                    }
                    out.put_byte(b'[');
                    write_str(key, out);
                    out.put_byte(b',');
                    write_str(value, out);
                    out.put_byte(b']');
                }
                out.put_byte(b']');
            }
            Property::SubscriptionIdentifier(_) => {
                ids_done = true;
                out.put(b"\"subscription-identifier\":[");
                for (index, id) in properties.subscription_identifiers().enumerate() {
                    if index > 0 {
                        out.put_byte(b',');
                    }
                    write_u64(u64::from(id), out);
                }
                out.put_byte(b']');
            }
            Property::CorrelationData(bytes) | Property::AuthenticationData(bytes) => {
                write_binary_property(name, bytes, out);
            }
            Property::ContentType(text)
            | Property::ResponseTopic(text)
            | Property::AssignedClientIdentifier(text)
            | Property::AuthenticationMethod(text)
            | Property::ResponseInformation(text)
            | Property::ServerReference(text)
            | Property::ReasonString(text) => {
                write_str(name, out);
                out.put_byte(b':');
                write_str(text, out);
            }
            number => {
                write_str(name, out);
                out.put_byte(b':');
                write_u64(u64::from(number.number().unwrap_or(0)), out);
            }
        }
    }
    out.put_byte(b'}');
}

/// A JSON string: `"`, `\` and control characters escaped, everything else as it is (UTF-8).
pub fn write_str<W: Sink + ?Sized>(text: &str, out: &mut W) {
    out.put_byte(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.put(&bytes[start..index]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.put(b"\\u00");
            out.put_byte(HEX[usize::from(byte >> 4)]);
            out.put_byte(HEX[usize::from(byte & 0xf)]);
        } else {
            out.put(escape);
        }
        start = index + 1;
    }
    out.put(&bytes[start..]);
    out.put_byte(b'"');
}

/// Standard base64 with padding, appended.
pub fn write_base64<W: Sink + ?Sized>(bytes: &[u8], out: &mut W) {
    // In pieces: the text of a large binary payload (4/3 of its size) is never held whole.
    let mut piece = [0u8; 4 * BASE64_PIECE / 3];
    for chunk in bytes.chunks(BASE64_PIECE) {
        let written = base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut piece)
            .unwrap_or(0);
        out.put(&piece[..written]);
    }
}

/// A decimal integer, appended.
pub fn write_u64<W: Sink + ?Sized>(mut value: u64, out: &mut W) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.put(&digits[at..]);
}

/// `YYYY-MM-DDTHH:MM:SS.uuuuuuZ` (UTC).
pub fn write_rfc3339_micros<W: Sink + ?Sized>(time: Timestamp, out: &mut W) {
    let days = time.secs.div_euclid(86_400);
    let rem = time.secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let micros = time.nanos / 1_000;
    fn two<W: Sink + ?Sized>(value: i64, out: &mut W) {
        out.put_byte(b'0' + (value / 10 % 10) as u8);
        out.put_byte(b'0' + (value % 10) as u8);
    }
    if (0..10_000).contains(&year) {
        two(year / 100, out);
        two(year % 100, out);
    } else {
        out.put(year.to_string().as_bytes());
    }
    out.put_byte(b'-');
    two(month, out);
    out.put_byte(b'-');
    two(day, out);
    out.put_byte(b'T');
    two(rem / 3600, out);
    out.put_byte(b':');
    two(rem / 60 % 60, out);
    out.put_byte(b':');
    two(rem % 60, out);
    out.put_byte(b'.');
    let mut digits = [b'0'; 6];
    let mut value = micros;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
    out.put(&digits);
    out.put_byte(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(message: &JsonMessage<'_>) -> String {
        let mut out = Vec::new();
        write_message(
            message,
            Timestamp {
                secs: 1_764_840_600,
                nanos: 123_456_789,
            },
            &mut out,
        );
        String::from_utf8(out).expect("JSON lines are UTF-8")
    }

    #[test]
    fn a_text_message_has_its_payload_as_a_string() {
        let none = Properties::new();
        let message = JsonMessage {
            topic: "a/b",
            payload: b"hi \"you\"\n",
            qos: 1,
            retain: false,
            mid: 3,
            properties: &none,
        };
        assert_eq!(
            line(&message),
            "{\"tst\":\"2025-12-04T09:30:00.123456Z\",\"topic\":\"a/b\",\"qos\":1,\"retain\":false,\
             \"mid\":3,\"payload\":\"hi \\\"you\\\"\\n\"}\n"
        );
    }

    #[test]
    fn a_binary_payload_is_base64() {
        let none = Properties::new();
        let message = JsonMessage {
            topic: "bin",
            payload: &[0, 0xff, 0xfe],
            qos: 0,
            retain: true,
            mid: 0,
            properties: &none,
        };
        let text = line(&message);
        assert!(
            text.ends_with(",\"retain\":true,\"mid\":0,\"payload_base64\":\"AP/+\"}\n"),
            "{text}"
        );
    }

    #[test]
    fn properties_keep_their_order_and_user_properties_are_pairs() {
        let properties = Properties::new()
            .with(Property::ContentType("text/plain".into()))
            .with(Property::UserProperty("b".into(), "2".into()))
            .with(Property::MessageExpiryInterval(60))
            .with(Property::UserProperty("a".into(), "1".into()))
            .with(Property::CorrelationData(vec![0xff]))
            .with(Property::SubscriptionIdentifier(7))
            .with(Property::SubscriptionIdentifier(9));
        let mut out = Vec::new();
        write_properties(&properties, &mut out);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "{\"content-type\":\"text/plain\",\"user-properties\":[[\"b\",\"2\"],[\"a\",\"1\"]],\
             \"message-expiry-interval\":60,\"correlation-data-base64\":\"/w==\",\
             \"subscription-identifier\":[7,9]}"
        );
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters_only() {
        let mut out = Vec::new();
        write_str("a\"b\\c\u{1}\u{7f}é\t", &mut out);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "\"a\\\"b\\\\c\\u0001\u{7f}é\\t\""
        );
    }

    #[test]
    fn every_line_parses_back_with_a_json_parser() {
        let properties = Properties::new().with(Property::UserProperty("k".into(), "\u{0}".into()));
        let payload: Vec<u8> = (0..=255).collect();
        let message = JsonMessage {
            topic: "t/\u{1f600}",
            payload: &payload,
            qos: 2,
            retain: false,
            mid: 65535,
            properties: &properties,
        };
        let text = line(&message);
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value["topic"], "t/\u{1f600}");
        assert_eq!(value["mid"], 65535);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value["payload_base64"].as_str().expect("base64 string"))
            .expect("base64");
        assert_eq!(decoded, payload);
        assert_eq!(value["properties"]["user-properties"][0][1], "\u{0}");
    }

    #[test]
    fn times_are_utc_with_microseconds() {
        let mut out = Vec::new();
        write_rfc3339_micros(
            Timestamp {
                secs: 0,
                nanos: 999,
            },
            &mut out,
        );
        assert_eq!(out, b"1970-01-01T00:00:00.000000Z");
        out.clear();
        write_rfc3339_micros(
            Timestamp {
                secs: 951_782_400 + 86_399,
                nanos: 999_999_999,
            },
            &mut out,
        );
        assert_eq!(out, b"2000-02-29T23:59:59.999999Z");
    }

    #[test]
    fn base64_in_pieces_is_the_same_as_at_once() {
        for len in [
            0,
            1,
            2,
            3,
            BASE64_PIECE - 1,
            BASE64_PIECE,
            BASE64_PIECE + 1,
            3 * BASE64_PIECE + 2,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            let mut out = Vec::new();
            write_base64(&bytes, &mut out);
            let expected = base64::engine::general_purpose::STANDARD.encode(&bytes);
            assert!(out == expected.as_bytes(), "length {len}");
        }
    }

    /// A large binary payload reaches the sink in pieces (rsub's `OutputSink` writes them out as
    /// they come), never as one base64 text of 4/3 its size.
    #[test]
    fn a_large_binary_payload_is_written_in_pieces() {
        struct Pieces {
            largest: usize,
            total: usize,
        }
        impl Sink for Pieces {
            fn put(&mut self, bytes: &[u8]) {
                self.largest = self.largest.max(bytes.len());
                self.total += bytes.len();
            }
        }
        let payload = vec![0xffu8; 3_000_000];
        let properties = Properties::default();
        let message = JsonMessage {
            topic: "bin",
            payload: &payload,
            qos: 0,
            retain: false,
            mid: 0,
            properties: &properties,
        };
        let mut sink = Pieces {
            largest: 0,
            total: 0,
        };
        write_message(&message, Timestamp { secs: 0, nanos: 0 }, &mut sink);
        assert!(sink.total > 4_000_000);
        assert!(
            sink.largest <= 4 * BASE64_PIECE / 3,
            "a piece of {}",
            sink.largest
        );
    }
}
