//! `--trace FILE`: the session as JSON lines, one object per event (the format is docs/trace.md,
//! checked against docs/trace.schema.json by the tests).
//!
//! Every object starts with `t` (seconds since the trace started, monotonic, microseconds) and `ev`
//! (what happened). The first line is `start` (wall-clock time, program, version, the effective
//! options with passwords masked); then the connection stages, every packet in (`recv`) and out
//! (`send`) with its contents, what the client made of them (`connected`, `published`,
//! `publish_failed`, `warning`, `closed`), reconnect attempts, and last the `outcome` (exit code
//! and the message printed).
//!
//! Lines are collected in memory and written when 64 KiB have gathered, when the oldest has
//! waited 100 ms (the session loop wakes up for [`TraceSink::flush_deadline`]) and at the end.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::json_packet::{properties, reason, write_packet_members};
use super::{TraceRecord, TraceSink};
use crate::net::ConnectStage;
use crate::output::Timestamp;
use crate::output::json_lines::{write_rfc3339_micros, write_str, write_u64};
use crate::proto::codec::{Packet, Version};
use crate::proto::event::{ConnectionError, Direction, Event, Warning};
use crate::tls::TlsSummary;

/// The longest a line waits in memory before it is written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Lines are written once this many bytes have gathered.
const FLUSH_SIZE: usize = 64 * 1024;

/// What the first line says about the run.
#[derive(Debug, Clone)]
pub struct StartInfo {
    /// `rpub`, `rsub`.
    pub program: String,
    pub version: String,
    /// The effective options, passwords masked (built by the application, which knows the flags).
    pub options: serde_json::Value,
}

/// The `--trace` sink.
pub struct JsonTrace {
    out: Box<dyn Write>,
    lines: Vec<u8>,
    start: Instant,
    /// When the oldest line not yet written was added.
    waiting_since: Option<Instant>,
    version: Version,
    /// The broker sent DISCONNECT on the current connection (so it is the one that closed it).
    broker_disconnected: bool,
    /// Writing failed once: the trace is given up, the run goes on.
    failed: bool,
}

impl JsonTrace {
    /// A trace written to `out` for a client speaking `version`, starting with the `start` line.
    pub fn new(out: Box<dyn Write>, version: Version, start: &StartInfo) -> JsonTrace {
        let mut trace = JsonTrace {
            out,
            lines: Vec::with_capacity(FLUSH_SIZE + 1024),
            start: Instant::now(),
            waiting_since: None,
            version,
            broker_disconnected: false,
            failed: false,
        };
        trace.begin("start");
        trace.lines.extend_from_slice(b",\"time\":\"");
        write_rfc3339_micros(wall_clock(), &mut trace.lines);
        trace.lines.extend_from_slice(b"\",\"program\":");
        write_str(&start.program, &mut trace.lines);
        trace.lines.extend_from_slice(b",\"version\":");
        write_str(&start.version, &mut trace.lines);
        trace.lines.extend_from_slice(b",\"options\":");
        // serde_json writes a `Value` into a Vec without failing.
        let _ = serde_json::to_writer(&mut trace.lines, &start.options);
        trace.end();
        trace
    }

    /// Opens the object of one line: `{"t":1.234567,"ev":"name"`.
    fn begin(&mut self, event: &str) {
        let now = Instant::now();
        if self.waiting_since.is_none() {
            self.waiting_since = Some(now);
        }
        let elapsed = now.saturating_duration_since(self.start);
        let out = &mut self.lines;
        out.extend_from_slice(b"{\"t\":");
        write_u64(elapsed.as_secs(), out);
        out.push(b'.');
        let micros = elapsed.subsec_micros();
        let mut digits = [b'0'; 6];
        let mut value = micros;
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        out.extend_from_slice(&digits);
        out.extend_from_slice(b",\"ev\":\"");
        out.extend_from_slice(event.as_bytes());
        out.push(b'"');
    }

    /// Closes the line; writes the lines out once enough have gathered.
    fn end(&mut self) {
        self.lines.extend_from_slice(b"}\n");
        if self.lines.len() >= FLUSH_SIZE {
            self.write_out();
        }
    }

    fn write_out(&mut self) {
        self.waiting_since = None;
        if !self.failed && !self.lines.is_empty() {
            let written = self
                .out
                .write_all(&self.lines)
                .and_then(|()| self.out.flush());
            // A full disk or a closed pipe must not end the run; the trace just stops.
            self.failed = written.is_err();
        }
        self.lines.clear();
    }

    fn member(&mut self, name: &str) -> &mut Vec<u8> {
        self.lines.push(b',');
        write_str(name, &mut self.lines);
        self.lines.push(b':');
        &mut self.lines
    }

    fn event(&mut self, event: &Event) {
        match event {
            Event::Packet(record) => {
                let name = match record.direction {
                    Direction::Out => "send",
                    Direction::In => "recv",
                };
                match &record.packet {
                    Packet::Connect(_) if record.direction == Direction::Out => {
                        self.broker_disconnected = false;
                    }
                    Packet::Disconnect(_) if record.direction == Direction::In => {
                        self.broker_disconnected = true;
                    }
                    _ => {}
                }
                self.begin(name);
                write_packet_members(record, self.version, &mut self.lines);
                self.end();
            }
            Event::Connected { session_present } => {
                self.begin("connected");
                let out = self.member("session_present");
                out.extend_from_slice(if *session_present { b"true" } else { b"false" });
                self.end();
            }
            Event::Published { mid } => {
                self.begin("published");
                write_u64(u64::from(*mid), self.member("mid"));
                self.end();
            }
            Event::PublishFailed(failure) => {
                self.begin("publish_failed");
                write_u64(u64::from(failure.mid), self.member("mid"));
                write_str(failure.ack.name(), self.member("ack"));
                reason(
                    failure.ack,
                    failure.reason_code,
                    self.version,
                    &mut self.lines,
                );
                properties(&failure.properties, &mut self.lines);
                self.end();
            }
            Event::Warning(Warning::UnknownPubRec { mid }) => {
                self.begin("warning");
                let text = format!("PUBREC for an unknown packet identifier {mid}");
                write_str(&text, self.member("message"));
                self.end();
            }
            Event::Closed(error) => self.closed(error),
            Event::Sent(_)
            | Event::Received(_)
            | Event::Message(_)
            | Event::Subscribed { .. }
            | Event::Unsubscribed { .. } => {}
        }
    }

    /// `closed`: who ended the connection and why.
    fn closed(&mut self, error: &ConnectionError) {
        let (by, why) = match error {
            ConnectionError::Disconnected => ("client", "DISCONNECT sent".to_string()),
            ConnectionError::Refused(code) => (
                "broker",
                super::json_packet::reason_name(
                    crate::proto::codec::PacketType::ConnAck,
                    *code,
                    self.version,
                )
                .to_string(),
            ),
            ConnectionError::Lost if self.broker_disconnected => {
                ("broker", "DISCONNECT received".to_string())
            }
            ConnectionError::Lost => ("peer", error.to_string()),
            ConnectionError::KeepaliveTimeout => ("client", error.to_string()),
            ConnectionError::Decode(_) | ConnectionError::Protocol(_) => {
                ("client", error.to_string())
            }
        };
        self.begin("closed");
        write_str(by, self.member("by"));
        write_str(&why, self.member("reason"));
        if let ConnectionError::Refused(code) = error {
            write_u64(u64::from(*code), self.member("reason_code"));
        }
        self.end();
    }

    fn stage(&mut self, stage: &ConnectStage) {
        self.begin(stage.name());
        match stage {
            ConnectStage::Resolved {
                host,
                port,
                addresses,
            } => {
                write_str(host, self.member("host"));
                write_u64(u64::from(*port), self.member("port"));
                let out = self.member("addresses");
                out.push(b'[');
                for (index, address) in addresses.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    write_str(&address.to_string(), out);
                }
                out.push(b']');
            }
            ConnectStage::TcpConnected { local, remote } => {
                write_str(&local.to_string(), self.member("local"));
                write_str(&remote.to_string(), self.member("remote"));
            }
            ConnectStage::ProxyConnected { host, port } => {
                write_str(host, self.member("host"));
                write_u64(u64::from(*port), self.member("port"));
            }
            ConnectStage::UnixConnected { path } => {
                write_str(&path.to_string_lossy(), self.member("path"));
            }
            ConnectStage::TlsDone(summary) => self.tls(summary),
        }
        self.end();
    }

    fn tls(&mut self, summary: &TlsSummary) {
        write_str(&summary.version, self.member("version"));
        write_str(&summary.cipher, self.member("cipher"));
        match &summary.alpn {
            Some(alpn) => write_str(alpn, self.member("alpn")),
            None => self.member("alpn").extend_from_slice(b"null"),
        }
        let out = self.member("peer_chain");
        out.push(b'[');
        for (index, cert) in summary.peer_chain.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"subject\":");
            write_str(&cert.subject, out);
            out.extend_from_slice(b",\"issuer\":");
            write_str(&cert.issuer, out);
            out.extend_from_slice(b",\"not_before\":\"");
            write_rfc3339_micros(seconds(cert.not_before), out);
            out.extend_from_slice(b"\",\"not_after\":\"");
            write_rfc3339_micros(seconds(cert.not_after), out);
            out.extend_from_slice(b"\",\"san\":[");
            for (index, name) in cert.san.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_str(name, out);
            }
            out.push(b']');
            if let Some(error) = &cert.parse_error {
                out.extend_from_slice(b",\"parse_error\":");
                write_str(error, out);
            }
            out.push(b'}');
        }
        out.push(b']');
    }
}

fn seconds(secs: i64) -> Timestamp {
    Timestamp { secs, nanos: 0 }
}

fn wall_clock() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        secs: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
        nanos: since_epoch.subsec_nanos(),
    }
}

impl TraceSink for JsonTrace {
    fn record(&mut self, _client_id: &str, record: TraceRecord<'_>, _stdout: &mut Vec<u8>) {
        match record {
            TraceRecord::Client(event) => self.event(event),
            // The SUBACK itself is traced as a packet.
            TraceRecord::Subscribed { .. } => {}
            TraceRecord::Stage(stage) => self.stage(stage),
            TraceRecord::ReconnectScheduled { delay } => {
                self.begin("reconnect_scheduled");
                let out = self.member("delay");
                let _ = write!(out, "{}", delay.as_secs_f64());
                self.end();
            }
            TraceRecord::Reconnecting { attempt } => {
                self.begin("reconnect");
                write_u64(u64::from(attempt), self.member("attempt"));
                self.end();
            }
            TraceRecord::ConnectFailed { message } => {
                self.begin("connect_failed");
                write_str(message, self.member("message"));
                self.end();
            }
            TraceRecord::Unsent { bytes, stalled_for } => {
                self.begin("unsent");
                write_u64(bytes as u64, self.member("bytes"));
                let out = self.member("stalled_for");
                let _ = match stalled_for {
                    Some(interval) => write!(out, "{}", interval.as_secs_f64()),
                    None => write!(out, "null"),
                };
                self.end();
            }
            TraceRecord::Outcome { code, message } => {
                self.begin("outcome");
                let out = self.member("exit_code");
                let _ = write!(out, "{code}");
                match message {
                    Some(text) => write_str(text, self.member("message")),
                    None => self.member("message").extend_from_slice(b"null"),
                }
                self.end();
                self.write_out();
            }
        }
    }

    fn flush_deadline(&self) -> Option<Instant> {
        self.waiting_since.map(|since| since + FLUSH_INTERVAL)
    }

    fn flush(&mut self) {
        self.write_out();
    }
}

impl Drop for JsonTrace {
    fn drop(&mut self) {
        self.write_out();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::codec::{Publish, QoS};
    use crate::proto::event::PacketRecord;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writer whose bytes the test keeps.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn trace(version: Version) -> (JsonTrace, Shared) {
        let shared = Shared::default();
        let start = StartInfo {
            program: "rsub".into(),
            version: "0.1.0".into(),
            options: serde_json::json!({"host": "localhost", "password": "***"}),
        };
        (
            JsonTrace::new(Box::new(shared.clone()), version, &start),
            shared,
        )
    }

    fn lines(shared: &Shared) -> Vec<serde_json::Value> {
        let bytes = shared.0.borrow();
        std::str::from_utf8(&bytes)
            .expect("utf-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn lines_wait_for_the_flush_and_the_outcome_writes_everything() {
        let (mut sink, shared) = trace(Version::V311);
        assert!(
            shared.0.borrow().is_empty(),
            "nothing written before a flush"
        );
        let deadline = sink.flush_deadline().expect("a line waits");
        assert!(deadline <= Instant::now() + FLUSH_INTERVAL);
        let event = Event::Connected {
            session_present: false,
        };
        sink.record("", TraceRecord::Client(&event), &mut Vec::new());
        sink.record(
            "",
            TraceRecord::Outcome {
                code: 27,
                message: Some("Timed out\n"),
            },
            &mut Vec::new(),
        );
        let lines = lines(&shared);
        let events: Vec<_> = lines.iter().map(|line| line["ev"].clone()).collect();
        assert_eq!(events, ["start", "connected", "outcome"]);
        assert_eq!(lines[0]["program"], "rsub");
        assert_eq!(lines[0]["options"]["password"], "***");
        assert_eq!(lines[2]["exit_code"], 27);
        assert_eq!(sink.flush_deadline(), None);
    }

    #[test]
    fn times_are_seconds_with_microseconds_and_never_go_back() {
        let (mut sink, shared) = trace(Version::V311);
        for mid in 1..=3 {
            let event = Event::Published { mid };
            sink.record("", TraceRecord::Client(&event), &mut Vec::new());
        }
        sink.flush();
        let text = String::from_utf8(shared.0.borrow().clone()).expect("utf-8");
        let mut last = 0.0;
        for line in text.lines() {
            let t = line
                .strip_prefix("{\"t\":")
                .and_then(|rest| rest.split(',').next())
                .expect("t first");
            assert_eq!(t.split('.').nth(1).map(str::len), Some(6), "{line}");
            let t: f64 = t.parse().expect("number");
            assert!(t >= last);
            last = t;
        }
    }

    #[test]
    fn a_broker_disconnect_makes_the_broker_the_closer() {
        let (mut sink, shared) = trace(Version::V5);
        let disconnect = Event::Packet(Box::new(PacketRecord {
            direction: Direction::In,
            packet: Packet::Disconnect(crate::proto::codec::Disconnect {
                reason_code: 142,
                properties: Default::default(),
            }),
            payload_len: 0,
        }));
        sink.record("", TraceRecord::Client(&disconnect), &mut Vec::new());
        let closed = Event::Closed(ConnectionError::Lost);
        sink.record("", TraceRecord::Client(&closed), &mut Vec::new());
        let lost_again = Event::Packet(Box::new(PacketRecord::publish(
            Direction::Out,
            &Publish {
                qos: QoS::AtMostOnce,
                ..Publish::default()
            },
            b"",
            0,
        )));
        sink.record("", TraceRecord::Client(&lost_again), &mut Vec::new());
        sink.flush();
        let lines = lines(&shared);
        assert_eq!(lines[1]["reason"], "Session taken over");
        assert_eq!(lines[2]["by"], "broker");
        assert_eq!(lines[2]["reason"], "DISCONNECT received");
    }

    #[test]
    fn a_write_failure_stops_the_trace_without_failing_the_run() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let start = StartInfo {
            program: "rpub".into(),
            version: "0".into(),
            options: serde_json::Value::Null,
        };
        let mut sink = JsonTrace::new(Box::new(Broken), Version::V311, &start);
        sink.flush();
        assert!(sink.failed);
        sink.record(
            "",
            TraceRecord::Reconnecting { attempt: 1 },
            &mut Vec::new(),
        );
        sink.flush();
        assert!(sink.lines.is_empty());
    }

    /// Every line the sink can write, including the events a real broker cannot provoke
    /// (`warning`, `recv AUTH`, a refused CONNACK), validates against docs/trace.schema.json.
    #[test]
    fn every_event_type_matches_the_schema() {
        use crate::proto::codec::{
            Ack, Auth, ConnAck, Connect, Properties, Property, SubAck, Subscribe, SubscribeFilter,
            UnsubAck, Unsubscribe, Will,
        };
        let (mut sink, shared) = trace(Version::V5);
        let packet =
            |direction, packet| Event::Packet(Box::new(PacketRecord::of(direction, &packet, 4)));
        let properties = Properties::new()
            .with(Property::UserProperty("k".into(), "v".into()))
            .with(Property::AuthenticationData(vec![0xff]))
            .with(Property::SubscriptionIdentifier(4));
        let events = vec![
            packet(
                Direction::Out,
                Packet::Connect(Connect {
                    version: Version::V5,
                    clean_session: true,
                    keep_alive: 60,
                    client_id: "c".into(),
                    will: Some(Will {
                        topic: "w".into(),
                        payload: b"bye".to_vec(),
                        qos: QoS::AtLeastOnce,
                        retain: true,
                        properties: properties.clone(),
                    }),
                    username: Some("u".into()),
                    password: Some(b"secret".to_vec()),
                    properties: properties.clone(),
                }),
            ),
            packet(
                Direction::In,
                Packet::ConnAck(ConnAck {
                    session_present: false,
                    code: 135,
                    properties: properties.clone(),
                }),
            ),
            Event::Closed(ConnectionError::Refused(135)),
            packet(
                Direction::In,
                Packet::Auth(Auth {
                    reason_code: 0x18,
                    properties: properties.clone(),
                }),
            ),
            packet(
                Direction::In,
                Packet::Publish(Publish {
                    dup: true,
                    qos: QoS::ExactlyOnce,
                    retain: true,
                    topic: "t".into(),
                    packet_id: 9,
                    payload: vec![0xff, 0, 1, 2, 3],
                    properties: properties.clone(),
                }),
            ),
            packet(Direction::Out, Packet::PubRec(Ack::new(9))),
            packet(
                Direction::Out,
                Packet::Subscribe(Subscribe {
                    packet_id: 2,
                    filters: vec![SubscribeFilter {
                        filter: "a/#".into(),
                        ..Default::default()
                    }],
                    properties: Properties::new(),
                }),
            ),
            packet(
                Direction::In,
                Packet::SubAck(SubAck {
                    packet_id: 2,
                    return_codes: vec![0, 0x87],
                    properties: Properties::new(),
                }),
            ),
            packet(
                Direction::Out,
                Packet::Unsubscribe(Unsubscribe {
                    packet_id: 3,
                    filters: vec!["a/#".into()],
                    properties: Properties::new(),
                }),
            ),
            packet(
                Direction::In,
                Packet::UnsubAck(UnsubAck {
                    packet_id: 3,
                    reason_codes: vec![17],
                    properties: Properties::new(),
                }),
            ),
            packet(Direction::Out, Packet::PingReq),
            packet(Direction::In, Packet::PingResp),
            Event::Warning(Warning::UnknownPubRec { mid: 7 }),
            Event::PublishFailed(crate::proto::event::PublishFailure {
                mid: 5,
                ack: crate::proto::codec::PacketType::PubRec,
                reason_code: 0x97,
                properties: properties.clone(),
            }),
            Event::Published { mid: 5 },
            Event::Connected {
                session_present: true,
            },
            Event::Closed(ConnectionError::KeepaliveTimeout),
        ];
        for event in &events {
            sink.record("c", TraceRecord::Client(event), &mut Vec::new());
        }
        let stages = [
            ConnectStage::Resolved {
                host: "h".into(),
                port: 1,
                addresses: vec!["[::1]:1".parse().expect("address")],
            },
            ConnectStage::TcpConnected {
                local: "127.0.0.1:2".parse().expect("address"),
                remote: "127.0.0.1:1".parse().expect("address"),
            },
            ConnectStage::ProxyConnected {
                host: "b".into(),
                port: 1883,
            },
            ConnectStage::UnixConnected {
                path: "/tmp/s".into(),
            },
            ConnectStage::TlsDone(Box::new(TlsSummary {
                version: "TLSv1.3".into(),
                cipher: "TLS_AES_128_GCM_SHA256".into(),
                alpn: Some("mqtt".into()),
                peer_chain: vec![crate::tls::describe_certificate(b"garbage")],
            })),
        ];
        for stage in &stages {
            sink.record("c", TraceRecord::Stage(stage), &mut Vec::new());
        }
        sink.record(
            "c",
            TraceRecord::ReconnectScheduled {
                delay: Duration::from_secs(1),
            },
            &mut Vec::new(),
        );
        sink.record(
            "c",
            TraceRecord::Reconnecting { attempt: 2 },
            &mut Vec::new(),
        );
        sink.record(
            "c",
            TraceRecord::ConnectFailed {
                message: "Error: Connection refused",
            },
            &mut Vec::new(),
        );
        for stalled_for in [Some(Duration::from_secs(5)), None] {
            sink.record(
                "c",
                TraceRecord::Unsent {
                    bytes: 99_000,
                    stalled_for,
                },
                &mut Vec::new(),
            );
        }
        sink.record(
            "c",
            TraceRecord::Outcome {
                code: 0,
                message: None,
            },
            &mut Vec::new(),
        );
        let schema_text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/trace.schema.json"
        ))
        .expect("schema file");
        let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let lines = lines(&shared);
        let mut seen = std::collections::BTreeSet::new();
        for line in &lines {
            let errors: Vec<String> = validator.iter_errors(line).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?}: {line}");
            seen.insert(line["ev"].as_str().unwrap_or_default().to_string());
        }
        let schema_events: std::collections::BTreeSet<String> = schema["properties"]["ev"]["enum"]
            .as_array()
            .expect("ev enum")
            .iter()
            .filter_map(|ev| ev.as_str().map(str::to_string))
            .collect();
        assert_eq!(
            seen, schema_events,
            "every event type of the schema is written"
        );
        let text = String::from_utf8(shared.0.borrow().clone()).expect("utf-8");
        assert!(!text.contains("secret"));
        let connack = lines
            .iter()
            .find(|l| l["type"] == "CONNACK")
            .expect("CONNACK");
        assert_eq!(connack["reason"], "Not authorized");
        let closed = lines.iter().find(|l| l["ev"] == "closed").expect("closed");
        assert_eq!(
            (closed["by"].as_str(), closed["reason_code"].as_u64()),
            (Some("broker"), Some(135))
        );
        let publish = lines
            .iter()
            .find(|l| l["type"] == "PUBLISH")
            .expect("PUBLISH");
        assert_eq!(publish["payload_base64"], "/wABAg==");
        assert_eq!(publish["properties"]["authentication-data-base64"], "/w==");
    }
}
