//! `rpub --json-lines` input: one JSON object per line, as `rsub --json-lines` prints them
//! (docs/rsub-output.md), turned into a message to publish. And `rpub -l --topic-separator`'s
//! `TOPIC<SEP>PAYLOAD` lines. Lines come from stdin and are untrusted: every problem is a
//! [`LineError`] that names it; nothing here panics on any input.
//!
//! Members: `topic` (else `-t`), `payload` (text) or `payload_base64` (neither: empty), `qos` and
//! `retain` (else `-q`, `-r`), `properties` (MQTT 5, by name), `tst` (RFC 3339, for
//! `--replay-speed`), `mid` (ignored). Unknown members are errors, so a typo does not silently
//! publish something else.

use std::borrow::Cow;

use base64::Engine as _;
use serde::Deserialize;

use super::json_fast::{self, Members};
use crate::proto::codec::{Properties, Property, QoS};

/// One message read from a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// `None`: the `-t` topic.
    pub topic: Option<String>,
    pub payload: Vec<u8>,
    /// `None`: `-q`.
    pub qos: Option<QoS>,
    /// `None`: `-r`.
    pub retain: Option<bool>,
    pub properties: Properties,
    /// The recorded time (`tst`), microseconds since the Unix epoch.
    pub tst_micros: Option<i64>,
}

impl Outgoing {
    /// A plain `-l` line: the payload only.
    pub fn payload_only(payload: Vec<u8>) -> Outgoing {
        Outgoing {
            topic: None,
            payload,
            qos: None,
            retain: None,
            properties: Properties::new(),
            tst_micros: None,
        }
    }
}

/// Why a line cannot be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// The line does not start a JSON object.
    NotObject,
    /// Not JSON, or a member of the wrong type (serde_json's text, with the column).
    Json(String),
    PayloadTwice,
    BadBase64 {
        member: &'static str,
    },
    BadQos(u64),
    TopicWildcard(String),
    /// Not a time `--replay-speed` can use.
    BadTime(String),
    /// `--topic-separator`: the line has no separator and there is no `-t`.
    NoSeparator,
    /// The line names no topic and there is no `-t`.
    NoTopic,
    /// A topic that is not valid UTF-8 (`--topic-separator` lines are bytes).
    TopicNotUtf8,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::NotObject => write!(f, "not a JSON object (one {{...}} per line)"),
            LineError::Json(text) => write!(f, "not a message object: {text}"),
            LineError::PayloadTwice => write!(f, "both \"payload\" and \"payload_base64\" given"),
            LineError::BadBase64 { member } => write!(f, "\"{member}\" is not valid base64"),
            LineError::BadQos(qos) => write!(f, "\"qos\" must be 0, 1 or 2, not {qos}"),
            LineError::TopicWildcard(topic) => write!(
                f,
                "topic '{topic}' contains '+' or '#' (not allowed when publishing)"
            ),
            LineError::BadTime(text) => write!(f, "\"tst\" is not an RFC 3339 time: {text}"),
            LineError::NoSeparator => write!(f, "no topic separator in the line and no -t"),
            LineError::NoTopic => write!(f, "no \"topic\" and no -t"),
            LineError::TopicNotUtf8 => write!(f, "the topic is not valid UTF-8"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    #[serde(borrow)]
    tst: Option<Cow<'a, str>>,
    #[serde(borrow)]
    topic: Option<Cow<'a, str>>,
    qos: Option<u64>,
    retain: Option<bool>,
    /// Written by rsub; the broker numbers our messages itself.
    #[serde(rename = "mid")]
    _mid: Option<u64>,
    #[serde(borrow)]
    payload: Option<Cow<'a, str>>,
    #[serde(borrow)]
    payload_base64: Option<Cow<'a, str>>,
    /// Boxed: most lines have none, and the struct is moved several times per line.
    properties: Option<Box<LineProperties>>,
}

impl<'a> Line<'a> {
    /// The members both readers have, and the properties.
    fn split(self) -> (Members<'a>, Option<Box<LineProperties>>) {
        let members = Members {
            tst: self.tst,
            topic: self.topic,
            qos: self.qos,
            retain: self.retain,
            payload: self.payload,
            payload_base64: self.payload_base64,
        };
        (members, self.properties)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LineProperties {
    payload_format_indicator: Option<u8>,
    message_expiry_interval: Option<u32>,
    content_type: Option<String>,
    response_topic: Option<String>,
    correlation_data: Option<String>,
    #[serde(rename = "correlation-data-base64")]
    correlation_data_base64: Option<String>,
    user_properties: Option<Vec<(String, String)>>,
    /// Set by the broker on delivery; a client must not send them (MQTT 5.0 §3.3.2.3.8).
    #[serde(rename = "subscription-identifier")]
    _subscription_identifier: Option<Vec<u32>>,
    /// Only meaningful on the connection it was received on.
    #[serde(rename = "topic-alias")]
    _topic_alias: Option<u16>,
}

/// Reads one `--json-lines` line.
pub fn parse_json_line(line: &[u8]) -> Result<Outgoing, LineError> {
    // A Windows line end is not part of the object.
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // serde would also take an array for the struct: only an object is a message.
    if line.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return Err(LineError::NotObject);
    }
    // The common simple line is read without serde (json_fast.rs); everything else by serde_json.
    let (parsed, properties) = match json_fast::scan(line) {
        Some(members) => (members, None),
        None => {
            let line: Line<'_> =
                serde_json::from_slice(line).map_err(|err| LineError::Json(err.to_string()))?;
            line.split()
        }
    };
    let payload = match (parsed.payload, parsed.payload_base64) {
        (Some(_), Some(_)) => return Err(LineError::PayloadTwice),
        (Some(text), None) => text.into_owned().into_bytes(),
        (None, Some(encoded)) => decode_base64(&encoded, "payload_base64")?,
        (None, None) => Vec::new(),
    };
    let qos = match parsed.qos {
        None => None,
        Some(qos) => Some(
            u8::try_from(qos)
                .ok()
                .and_then(QoS::from_u8)
                .ok_or(LineError::BadQos(qos))?,
        ),
    };
    let topic = match parsed.topic {
        None => None,
        Some(topic) => Some(checked_topic(topic.into_owned())?),
    };
    let tst_micros = match parsed.tst {
        None => None,
        Some(text) => Some(parse_rfc3339_micros(&text)?),
    };
    let properties = match properties {
        None => Properties::new(),
        Some(properties) => properties_of(*properties)?,
    };
    Ok(Outgoing {
        topic,
        payload,
        qos,
        retain: parsed.retain,
        properties,
        tst_micros,
    })
}

/// Whether the fast reader (json_fast.rs) and serde_json agree on `line`: where the fast reader
/// takes a line, serde_json must read the same members from it (and no properties); lines the fast
/// reader leaves alone agree trivially. For the unit tests and the `jsonl` fuzz target.
#[doc(hidden)]
pub fn fast_reader_agrees(line: &[u8]) -> bool {
    let Some(fast) = json_fast::scan(line) else {
        return true;
    };
    match serde_json::from_slice::<Line<'_>>(line) {
        Ok(slow) => {
            let (slow, properties) = slow.split();
            fast == slow && properties.is_none()
        }
        Err(_) => false,
    }
}

/// Reads one `-l --topic-separator SEP` line: the topic up to the first `SEP`, the payload after
/// it. A line without `SEP` is a payload for `-t` (`has_default_topic`), or an error.
pub fn split_topic_line(
    line: Vec<u8>,
    separator: &[u8],
    has_default_topic: bool,
) -> Result<Outgoing, LineError> {
    let Some(at) = find(&line, separator) else {
        if has_default_topic {
            return Ok(Outgoing::payload_only(line));
        }
        return Err(LineError::NoSeparator);
    };
    let topic = std::str::from_utf8(&line[..at])
        .map_err(|_| LineError::TopicNotUtf8)?
        .to_string();
    let payload = line[at + separator.len()..].to_vec();
    Ok(Outgoing {
        topic: Some(checked_topic(topic)?),
        ..Outgoing::payload_only(payload)
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|&byte| byte == needle[0]);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn checked_topic(topic: String) -> Result<String, LineError> {
    if topic.bytes().any(|byte| byte == b'+' || byte == b'#') {
        return Err(LineError::TopicWildcard(topic));
    }
    Ok(topic)
}

fn decode_base64(text: &str, member: &'static str) -> Result<Vec<u8>, LineError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| LineError::BadBase64 { member })
}

fn properties_of(line: LineProperties) -> Result<Properties, LineError> {
    let mut properties = Properties::new();
    if let Some(value) = line.payload_format_indicator {
        properties.push(Property::PayloadFormatIndicator(value));
    }
    if let Some(value) = line.message_expiry_interval {
        properties.push(Property::MessageExpiryInterval(value));
    }
    if let Some(value) = line.content_type {
        properties.push(Property::ContentType(value));
    }
    if let Some(value) = line.response_topic {
        properties.push(Property::ResponseTopic(value));
    }
    match (line.correlation_data, line.correlation_data_base64) {
        (Some(_), Some(_)) => {
            return Err(LineError::Json(
                "both \"correlation-data\" and \"correlation-data-base64\" given".into(),
            ));
        }
        (Some(text), None) => properties.push(Property::CorrelationData(text.into_bytes())),
        (None, Some(encoded)) => properties.push(Property::CorrelationData(decode_base64(
            &encoded,
            "correlation-data-base64",
        )?)),
        (None, None) => {}
    }
    for (key, value) in line.user_properties.unwrap_or_default() {
        properties.push(Property::UserProperty(key, value));
    }
    Ok(properties)
}

/// An RFC 3339 time (`2026-12-04T09:30:00.123456Z`, or with an offset such as `+01:00`) as
/// microseconds since the Unix epoch.
pub fn parse_rfc3339_micros(text: &str) -> Result<i64, LineError> {
    let bad = || LineError::BadTime(text.to_string());
    // humantime reads the UTC form; an offset is taken off first and applied afterwards.
    let (utc_text, offset_seconds) = split_offset(text).ok_or_else(bad)?;
    let time = humantime::parse_rfc3339(&utc_text).map_err(|_| bad())?;
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| bad())?;
    let micros = i64::try_from(since_epoch.as_micros()).map_err(|_| bad())?;
    Ok(micros - offset_seconds * 1_000_000)
}

/// `(the time with `Z` instead of its offset, the offset in seconds east of UTC)`.
fn split_offset(text: &str) -> Option<(Cow<'_, str>, i64)> {
    if text.ends_with('Z') || text.ends_with('z') {
        return Some((Cow::Borrowed(text), 0));
    }
    let cut = text.len().checked_sub(6)?;
    let (time, offset) = (text.get(..cut)?, text.get(cut..)?);
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i64 = offset.get(1..3)?.parse().ok()?;
    let minutes: i64 = offset.get(4..6)?.parse().ok()?;
    if offset.as_bytes().get(3) != Some(&b':') || hours > 23 || minutes > 59 {
        return None;
    }
    Some((
        Cow::Owned(format!("{time}Z")),
        sign * (hours * 3600 + minutes * 60),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_written_by_rsub_reads_back() {
        let line = br#"{"tst":"2026-12-04T09:30:00.123456Z","topic":"a/b","qos":1,"retain":true,"mid":7,"payload":"hi","properties":{"content-type":"text","user-properties":[["b","2"],["a","1"]],"correlation-data-base64":"/w==","subscription-identifier":[3]}}"#;
        let message = parse_json_line(line).expect("valid line");
        assert_eq!(message.topic.as_deref(), Some("a/b"));
        assert_eq!(message.payload, b"hi");
        assert_eq!(message.qos, Some(QoS::AtLeastOnce));
        assert_eq!(message.retain, Some(true));
        let day = crate::calendar::days_from_civil(2026, 12, 4);
        let seconds = day * 86_400 + 9 * 3600 + 30 * 60;
        assert_eq!(message.tst_micros, Some(seconds * 1_000_000 + 123_456));
        let properties: Vec<_> = message.properties.iter().cloned().collect();
        assert_eq!(
            properties,
            [
                Property::ContentType("text".into()),
                Property::CorrelationData(vec![0xff]),
                Property::UserProperty("b".into(), "2".into()),
                Property::UserProperty("a".into(), "1".into()),
            ]
        );
    }

    #[test]
    fn binary_payloads_and_defaults() {
        let message = parse_json_line(br#"{"payload_base64":"AAH/"}"#).expect("valid");
        assert_eq!(message.payload, [0, 1, 0xff]);
        assert_eq!(
            (message.topic, message.qos, message.retain),
            (None, None, None)
        );
        let empty = parse_json_line(b"{}").expect("valid");
        assert!(empty.payload.is_empty());
    }

    // Bad input: each is refused with a reason that says what is wrong.
    #[test]
    fn bad_lines_are_refused_with_the_problem() {
        let cases: &[(&[u8], &str)] = &[
            (
                br#"{"topic":"a","payload":"x""#,
                "not a message object: EOF while parsing",
            ),
            (
                br#"{"topic":1}"#,
                "not a message object: invalid type: integer `1`",
            ),
            (
                br#"{"qos":"1"}"#,
                "not a message object: invalid type: string",
            ),
            (br#"{"qos":3}"#, "\"qos\" must be 0, 1 or 2, not 3"),
            (
                br#"{"retain":1}"#,
                "not a message object: invalid type: integer",
            ),
            (
                br#"{"payload_base64":"!!"}"#,
                "\"payload_base64\" is not valid base64",
            ),
            (
                br#"{"payload":"a","payload_base64":"YQ=="}"#,
                "both \"payload\" and",
            ),
            (br#"{"topic":"a/+"}"#, "topic 'a/+' contains '+' or '#'"),
            (br#"{"topic":"a/#"}"#, "topic 'a/#' contains '+' or '#'"),
            (br#"{"tst":"yesterday"}"#, "\"tst\" is not an RFC 3339 time"),
            (br#"{"topc":"a"}"#, "unknown field `topc`"),
            (br#"[1,2]"#, "not a JSON object (one {...} per line)"),
            (br#"["t","a"]"#, "not a JSON object (one {...} per line)"),
            (b"", "not a JSON object (one {...} per line)"),
            (b"\xff\xfe", "not a JSON object (one {...} per line)"),
            (b"{\xff}", "not a message object"),
            (
                br#"{"properties":{"user-properties":[["a"]]}}"#,
                "invalid length 1",
            ),
        ];
        for (line, expected) in cases {
            let error = parse_json_line(line).expect_err("a bad line");
            let text = error.to_string();
            assert!(
                text.contains(expected),
                "{:?}: {text}",
                String::from_utf8_lossy(line)
            );
        }
    }

    /// Whatever the fast reader accepts, serde_json reads the same way; the lines it leaves alone
    /// still read (or fail) through serde_json.
    #[test]
    fn the_fast_reader_agrees_with_serde_json() {
        let text_lines = [
            r#"{"payload":"1"}"#,
            r#"{}"#,
            r#"  { "topic" : "a/b" , "qos" :1,"retain":false, "mid":65535,"payload":"x y"}  "#,
            r#"{"tst":"2026-12-04T09:30:00Z","topic":"t","payload_base64":"AAE="}"#,
            r#"{"topic":"\u00e9","payload":"q\"x"}"#,
            "{\"topic\":\"\u{fc}/\u{1f600}\",\"payload\":\"t\u{eb}xt\"}",
            r#"{"qos":01}"#,
            r#"{"qos":1.0}"#,
            r#"{"qos":-1}"#,
            r#"{"qos":18446744073709551616}"#,
            r#"{"retain":null}"#,
            r#"{"topic":null}"#,
            r#"{"topic":"a","topic":"b"}"#,
            r#"{"payload":"a",}"#,
            r#"{"payload":"a"} x"#,
            "{\"payload\":\"tab\tin\"}",
            r#"{"properties":{}}"#,
            r#"{"retain":tru}"#,
            r#"{"retain":truex}"#,
            r#"{"other":1}"#,
            "\t{\"payload\":\"\"}\r",
        ];
        let mut lines: Vec<&[u8]> = text_lines.iter().map(|line| line.as_bytes()).collect();
        lines.push(b"{\"payload\":\"\xff\"}");
        for line in lines {
            assert!(
                fast_reader_agrees(line),
                "{}",
                String::from_utf8_lossy(line)
            );
            if json_fast::scan(line).is_none() {
                // Left to serde_json: parse_json_line gives its verdict.
                let _ = parse_json_line(line);
            }
        }
        assert!(json_fast::scan(br#"{"payload":"1"}"#).is_some());
        assert!(json_fast::scan(br#"{"topic":"a","topic":"b"}"#).is_none());
        assert!(
            parse_json_line(br#"{"topic":"a","topic":"b"}"#)
                .expect_err("a duplicate")
                .to_string()
                .contains("duplicate field `topic`")
        );
        assert!(json_fast::scan(br#"{"qos":01}"#).is_none());
        assert!(parse_json_line(br#"{"qos":01}"#).is_err());
    }

    #[test]
    fn times_with_offsets_are_the_same_instant() {
        let utc = parse_rfc3339_micros("2026-12-04T09:30:00.5Z").expect("utc");
        let plus = parse_rfc3339_micros("2026-12-04T10:30:00.5+01:00").expect("offset");
        let minus = parse_rfc3339_micros("2026-12-04T07:00:00.5-02:30").expect("offset");
        assert_eq!(utc, plus);
        assert_eq!(utc, minus);
        assert!(parse_rfc3339_micros("2026-12-04T09:30:00+1:00").is_err());
        assert!(parse_rfc3339_micros("").is_err());
    }

    #[test]
    fn topic_separator_splits_at_the_first_separator() {
        let split =
            |line: &[u8], sep: &[u8], default| split_topic_line(line.to_vec(), sep, default);
        let message = split(b"a/b:x:y", b":", false).expect("split");
        assert_eq!(message.topic.as_deref(), Some("a/b"));
        assert_eq!(message.payload, b"x:y");
        let message = split(b"t -- p", b" -- ", false).expect("split");
        assert_eq!(
            (message.topic.as_deref(), message.payload.as_slice()),
            (Some("t"), &b"p"[..])
        );
        assert_eq!(split(b"t:", b":", false).expect("split").payload, b"");
        assert_eq!(split(b"nosep", b":", false), Err(LineError::NoSeparator));
        assert_eq!(split(b"nosep", b":", true).expect("-t").topic, None);
        assert!(matches!(
            split(b"a/+:x", b":", false),
            Err(LineError::TopicWildcard(_))
        ));
        assert_eq!(split(b"\xff:x", b":", false), Err(LineError::TopicNotUtf8));
    }
}
