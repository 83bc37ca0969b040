//! MQTT 5 client core against a real mosquitto broker: what a v5 broker announces in CONNACK (assigned
//! client id, receive maximum, maximum QoS and packet size, retain availability, server keep alive,
//! topic alias maximum), how the client applies those limits, and the reason codes the broker answers
//! with (PUBACK/PUBREC 135 and 149, SUBACK 135, CONNACK 135, server DISCONNECT 129), plus the will sent
//! on a DISCONNECT with reason 4 and properties carried end to end.
//!
//! These drive `rpubsub::proto::client::Client` over a plain blocking `TcpStream` (no CLI: `-V 5` is
//! wired into rpub/rsub separately; the differential `-V 5` scenarios live with the other scenarios).

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Broker;
use rpubsub::proto::client::{Client, ClientOptions, PublishError, ServerLimits};
use rpubsub::proto::codec::{
    PacketType, Properties, Property, QoS, RetainHandling, SubscribeFilter, Version, Will,
};
use rpubsub::proto::event::{ConnectionError, Event, PacketInfo, PublishFailure};

/// Only there to turn a hang into a failure.
const TIMEOUT: Duration = Duration::from_secs(10);

fn options(client_id: &str) -> ClientOptions {
    ClientOptions {
        version: Version::V5,
        client_id: client_id.to_string(),
        clean_session: true,
        keep_alive: 60,
        will: None,
        username: None,
        password: None,
        max_inflight: 20,
        // What libmosquitto sends by default.
        connect_properties: Properties::new().with(Property::ReceiveMaximum(20)),
        max_incoming_packet: 1 << 20,
        trace_packets: true,
    }
}

/// One client connection, driven synchronously.
struct Conn {
    client: Client,
    stream: TcpStream,
    eof: bool,
}

impl Conn {
    /// Opens the TCP connection and queues CONNECT.
    fn open(broker: &Broker, options: ClientOptions) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", broker.port())).expect("connect to broker");
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("read timeout");
        let mut conn = Conn {
            client: Client::new(options),
            stream,
            eof: false,
        };
        conn.client.connect(Instant::now());
        conn.flush();
        conn
    }

    /// Connects and waits for CONNACK 0.
    fn connected(broker: &Broker, options: ClientOptions) -> Conn {
        let mut conn = Conn::open(broker, options);
        conn.until("CONNACK", |e| matches!(e, Event::Connected { .. }));
        conn
    }

    fn flush(&mut self) {
        let mut out = Vec::new();
        if self.client.poll_transmit(&mut out) && !self.eof {
            // The broker may have closed already; the client learns it from the read side.
            let _ = self.stream.write_all(&out);
        }
    }

    /// Runs the connection until an event matches `done`; returns every event seen, that one last.
    fn until(&mut self, what: &str, done: impl Fn(&Event) -> bool) -> Vec<Event> {
        let deadline = Instant::now() + TIMEOUT;
        let mut events = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            self.flush();
            while let Some(event) = self.client.poll_event() {
                let hit = done(&event);
                events.push(event);
                if hit {
                    self.flush();
                    return events;
                }
            }
            assert!(
                !self.eof && Instant::now() < deadline,
                "no {what}; events: {events:?}"
            );
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.eof = true;
                    self.client.handle_eof();
                }
                Ok(n) => self.client.handle_input(&buf[..n], Instant::now()),
                Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => {
                    self.eof = true;
                    self.client.handle_eof();
                }
            }
            self.client.handle_timeout(Instant::now());
        }
    }

    /// Events produced by a command (no input needed).
    fn events(&mut self) -> Vec<Event> {
        self.flush();
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }

    fn disconnect(&mut self, reason_code: u8) {
        self.client
            .disconnect_with_reason(reason_code, Properties::new(), Instant::now());
        self.until("the end of the connection", |e| {
            matches!(e, Event::Closed(_))
        });
    }
}

fn is_ack_of(mid: u16) -> impl Fn(&Event) -> bool {
    move |event| match event {
        Event::Published { mid: done } => *done == mid,
        Event::PublishFailed(failure) => failure.mid == mid,
        _ => false,
    }
}

fn received(events: &[Event]) -> Vec<&PacketInfo> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Received(info) => Some(info),
            _ => None,
        })
        .collect()
}

// pub_v5_default_id, pub_v5_qos1 (RC:16).
#[test]
fn default_broker_assigns_an_id_and_answers_no_matching_subscribers() {
    let broker = Broker::start();
    let mut conn = Conn::open(&broker, options(""));
    let events = conn.until("CONNACK", |e| matches!(e, Event::Connected { .. }));
    assert_eq!(events.first(), Some(&Event::Sent(PacketInfo::Connect)));
    let Some(Event::Received(PacketInfo::ConnAck {
        code: 0,
        assigned_client_id: Some(id),
    })) = events.get(1)
    else {
        panic!("CONNACK with an assigned id expected: {events:?}");
    };
    assert!(id.starts_with("auto-"), "{id}");
    assert_eq!(conn.client.client_id(), id);
    assert_eq!(
        conn.client.server_limits(),
        &ServerLimits {
            receive_maximum: 20,
            topic_alias_maximum: 10,
            ..ServerLimits::default()
        }
    );

    let mid = conn
        .client
        .publish(
            "v5/nobody",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            Instant::now(),
        )
        .expect("publish");
    let events = conn.until("PUBACK", is_ack_of(mid));
    assert_eq!(
        received(&events),
        vec![&PacketInfo::PubAck { mid, code: 16 }]
    );
    assert_eq!(events.last(), Some(&Event::Published { mid }));
    conn.disconnect(0);
}

// err_pub_qos_not_supported_v5, err_pub_retain_not_available_v5 and a maximum packet size: the broker
// `maxpkt` of the recorded scenarios, plus max_keepalive and max_topic_alias.
#[test]
fn server_limits_from_connack_are_applied() {
    let broker = Broker::builder()
        .config_line("max_packet_size 1000")
        .config_line("max_qos 1")
        .config_line("retain_available false")
        .config_line("max_topic_alias 3")
        .max_keepalive(30)
        .start();
    let mut conn = Conn::connected(&broker, options("v5limits"));
    assert_eq!(
        conn.client.server_limits(),
        &ServerLimits {
            receive_maximum: 20,
            maximum_qos: QoS::AtLeastOnce,
            retain_available: false,
            maximum_packet_size: Some(1000),
            topic_alias_maximum: 3,
            server_keep_alive: Some(30),
            ..ServerLimits::default()
        }
    );
    assert_eq!(conn.client.keep_alive(), 30, "the broker's keepalive wins");

    let now = Instant::now();
    assert_eq!(
        conn.client.publish_with_properties(
            "err/q2",
            b"x".to_vec(),
            QoS::ExactlyOnce,
            false,
            Properties::new(),
            now
        ),
        Err(PublishError::QosNotSupported {
            maximum: QoS::AtLeastOnce
        })
    );
    let refused = conn.client.publish_with_properties(
        "err/big",
        vec![b'B'; 2000],
        QoS::AtLeastOnce,
        false,
        Properties::new(),
        now,
    );
    assert!(
        matches!(
            refused,
            Err(PublishError::PacketTooLarge { maximum: 1000, .. })
        ),
        "{refused:?}"
    );
    assert!(conn.events().is_empty(), "nothing was sent");

    // Retain is silently cleared; the message goes out (and the broker accepts it: PUBACK 16).
    let mid = conn
        .client
        .publish("err/ret", b"x".to_vec(), QoS::AtLeastOnce, true, now)
        .expect("publish");
    assert_eq!(mid, 1, "refused messages used no id");
    let events = conn.until("PUBACK", is_ack_of(mid));
    assert!(
        matches!(
            events.first(),
            Some(Event::Sent(PacketInfo::Publish { retain: false, .. }))
        ),
        "{events:?}"
    );
    assert_eq!(events.last(), Some(&Event::Published { mid }));
    // Just below the broker's maximum still goes out.
    let mid = conn
        .client
        .publish("err/big", vec![b'B'; 900], QoS::AtLeastOnce, false, now)
        .expect("publish");
    conn.until("PUBACK", is_ack_of(mid));
    conn.disconnect(0);
}

#[test]
fn receive_maximum_caps_the_inflight_window() {
    let broker = Broker::builder()
        .config_line("max_inflight_messages 2")
        .start();
    let mut conn = Conn::connected(&broker, options("v5rm"));
    assert_eq!(conn.client.server_limits().receive_maximum, 2);
    let now = Instant::now();
    for _ in 0..2 {
        conn.client
            .publish("v5/rm", b"x".to_vec(), QoS::AtLeastOnce, false, now)
            .expect("publish");
    }
    assert!(!conn.client.can_publish());
    conn.until("both PUBACKs", is_ack_of(2));
    assert!(conn.client.can_publish());
    conn.disconnect(0);
}

// err_pub_message_too_large_sizelimit_v5_q1/q2: PUBACK 149; PUBREC 149 and no PUBREL.
#[test]
fn message_size_limit_refusals_end_the_flow() {
    let broker = Broker::builder().message_size_limit(1000).start();
    let mut conn = Conn::connected(&broker, options("pbig5"));
    let now = Instant::now();
    let mid = conn
        .client
        .publish("err/big", vec![b'B'; 5000], QoS::AtLeastOnce, false, now)
        .expect("publish");
    let events = conn.until("PUBACK", is_ack_of(mid));
    assert_eq!(
        received(&events),
        vec![&PacketInfo::PubAck { mid, code: 149 }]
    );
    assert!(matches!(
        events.last(),
        Some(Event::PublishFailed(PublishFailure {
            ack: PacketType::PubAck,
            reason_code: 149,
            ..
        }))
    ));

    let mid = conn
        .client
        .publish("err/big", vec![b'B'; 5000], QoS::ExactlyOnce, false, now)
        .expect("publish");
    let events = conn.until("PUBREC", is_ack_of(mid));
    assert_eq!(
        received(&events),
        vec![&PacketInfo::PubRec { mid, code: 149 }]
    );
    assert!(matches!(
        events.last(),
        Some(Event::PublishFailed(PublishFailure {
            ack: PacketType::PubRec,
            reason_code: 149,
            ..
        }))
    ));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Sent(PacketInfo::PubRel { .. }))),
        "no PUBREL after a refusing PUBREC: {events:?}"
    );
    assert_eq!(conn.client.inflight_count(), 0);
    assert!(conn.client.is_connected());
    conn.disconnect(0);
}

// err_pub_acl_denied_v5_q1/q2, err_sub_denied_partial_v5.
#[test]
fn acl_denials_are_reason_codes() {
    let broker = Broker::builder().acl("topic readwrite acl/ok/#\n").start();
    let mut conn = Conn::connected(&broker, options("pacl5"));
    let now = Instant::now();
    let mid = conn
        .client
        .publish("acl/denied", b"x".to_vec(), QoS::AtLeastOnce, false, now)
        .expect("publish");
    let events = conn.until("PUBACK", is_ack_of(mid));
    assert_eq!(
        received(&events),
        vec![&PacketInfo::PubAck { mid, code: 135 }]
    );
    let mid = conn
        .client
        .publish("acl/denied", b"x".to_vec(), QoS::ExactlyOnce, false, now)
        .expect("publish");
    let events = conn.until("PUBREC", is_ack_of(mid));
    assert_eq!(
        received(&events),
        vec![&PacketInfo::PubRec { mid, code: 135 }]
    );
    let mid = conn
        .client
        .publish("acl/ok/x", b"x".to_vec(), QoS::AtLeastOnce, false, now)
        .expect("publish");
    let events = conn.until("PUBACK", is_ack_of(mid));
    assert_eq!(events.last(), Some(&Event::Published { mid }));

    let filters = [
        ("acl/denied".to_string(), QoS::AtMostOnce),
        ("acl/ok/#".to_string(), QoS::AtMostOnce),
    ];
    let mid = conn.client.subscribe(&filters, now).expect("subscribe");
    let events = conn.until("SUBACK", |e| matches!(e, Event::Subscribed { .. }));
    // With an acl_file mosquitto grants the subscription and filters at delivery
    // (err_sub_acl_denied_v5: `Subscribed (mid: 1): 0`).
    assert_eq!(
        events.last(),
        Some(&Event::Subscribed {
            mid,
            return_codes: vec![0, 0]
        })
    );
    conn.disconnect(0);
}

// pub_auth_bad_password_v5: CONNACK 135.
#[test]
fn bad_password_is_refused_with_reason_135() {
    let broker = Broker::builder()
        .allow_anonymous(false)
        .user("alice", "secret")
        .start();
    let mut conn = Conn::open(
        &broker,
        ClientOptions {
            username: Some("alice".into()),
            password: Some(b"wrong".to_vec()),
            ..options("pbad5")
        },
    );
    let events = conn.until("CONNACK", |e| matches!(e, Event::Closed(_)));
    assert_eq!(
        events,
        vec![
            Event::Sent(PacketInfo::Connect),
            Event::Received(PacketInfo::ConnAck {
                code: 135,
                assigned_client_id: None
            }),
            Event::Closed(ConnectionError::Refused(135))
        ]
    );
}

// err_sub_empty_topic_v5: the broker answers an empty filter with DISCONNECT 129.
#[test]
fn server_disconnect_is_reported() {
    let broker = Broker::start();
    let mut conn = Conn::connected(&broker, options("subempty5"));
    conn.client
        .subscribe(&[(String::new(), QoS::AtMostOnce)], Instant::now())
        .expect("subscribe");
    let events = conn.until("DISCONNECT", |e| matches!(e, Event::Closed(_)));
    assert_eq!(
        received(&events),
        vec![&PacketInfo::ServerDisconnect { reason_code: 129 }]
    );
    assert_eq!(events.last(), Some(&Event::Closed(ConnectionError::Lost)));
    assert_eq!(
        conn.client.server_disconnect().map(|d| d.reason_code),
        Some(129)
    );
}

/// A v5 watcher subscribed to `topic`.
fn watcher(broker: &Broker, id: &str, topic: &str) -> Conn {
    let mut conn = Conn::connected(broker, options(id));
    let filter = SubscribeFilter {
        filter: topic.to_string(),
        qos: QoS::AtLeastOnce,
        retain_handling: RetainHandling::DoNotSend,
        ..SubscribeFilter::default()
    };
    conn.client
        .subscribe_with_options(&[filter], Properties::new(), Instant::now())
        .expect("subscribe");
    let events = conn.until("SUBACK", |e| matches!(e, Event::Subscribed { .. }));
    assert!(
        matches!(events.last(), Some(Event::Subscribed { return_codes, .. }) if return_codes == &[1]),
        "{events:?}"
    );
    conn
}

// sub_will_sent_on_sigint_v5: DISCONNECT with reason 4 makes the broker publish the will (with its
// properties); a plain DISCONNECT does not.
#[test]
fn disconnect_with_reason_4_sends_the_will() {
    let broker = Broker::start();
    let mut watch = watcher(&broker, "willwatch5", "will/lwt5");
    let will = Will {
        topic: "will/lwt5".into(),
        payload: b"owner sent will".to_vec(),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: Properties::new().with(Property::ContentType("text/plain".into())),
    };
    let mut owner = Conn::connected(
        &broker,
        ClientOptions {
            will: Some(will.clone()),
            ..options("willowner5")
        },
    );
    owner.disconnect(4);
    let events = watch.until("the will", |e| matches!(e, Event::Message(_)));
    let Some(Event::Message(message)) = events.last() else {
        unreachable!()
    };
    assert_eq!(message.topic, "will/lwt5");
    assert_eq!(message.payload, b"owner sent will");
    assert_eq!(message.properties.content_type(), Some("text/plain"));

    // A normal DISCONNECT discards the will: the next message the watcher sees is a later one.
    let mut quiet = Conn::connected(
        &broker,
        ClientOptions {
            will: Some(Will {
                payload: b"must not be sent".to_vec(),
                ..will
            }),
            ..options("willowner5b")
        },
    );
    quiet.disconnect(0);
    let mut marker = Conn::connected(&broker, options("marker5"));
    let mid = marker
        .client
        .publish(
            "will/lwt5",
            b"marker".to_vec(),
            QoS::AtLeastOnce,
            false,
            Instant::now(),
        )
        .expect("publish");
    marker.until("PUBACK", is_ack_of(mid));
    let events = watch.until("the marker", |e| matches!(e, Event::Message(_)));
    let Some(Event::Message(message)) = events.last() else {
        unreachable!()
    };
    assert_eq!(message.payload, b"marker");
}

// pub_v5_properties: publish properties reach a v5 subscriber.
#[test]
fn publish_properties_travel_end_to_end() {
    let broker = Broker::start();
    let mut sub = watcher(&broker, "subv5props", "pub/v5props");
    let mut publisher = Conn::connected(&broker, options("pubv5props"));
    let properties = Properties::new()
        .with(Property::UserProperty("key1".into(), "val1".into()))
        .with(Property::UserProperty("key2".into(), "val2".into()))
        .with(Property::ContentType("text/plain".into()))
        .with(Property::ResponseTopic("resp/topic".into()))
        .with(Property::CorrelationData(b"corr123".to_vec()))
        .with(Property::PayloadFormatIndicator(1));
    let mid = publisher
        .client
        .publish_with_properties(
            "pub/v5props",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            properties,
            Instant::now(),
        )
        .expect("publish");
    let events = publisher.until("PUBACK", is_ack_of(mid));
    assert_eq!(
        received(&events),
        vec![&PacketInfo::PubAck { mid, code: 0 }]
    );
    let events = sub.until("the message", |e| matches!(e, Event::Message(_)));
    let Some(Event::Message(message)) = events.last() else {
        unreachable!()
    };
    let p = &message.properties;
    assert_eq!(
        p.user_properties().collect::<Vec<_>>(),
        vec![("key1", "val1"), ("key2", "val2")]
    );
    assert_eq!(p.content_type(), Some("text/plain"));
    assert_eq!(p.response_topic(), Some("resp/topic"));
    assert_eq!(p.correlation_data(), Some(&b"corr123"[..]));
    assert_eq!(p.payload_format_indicator(), Some(1));
    publisher.disconnect(0);
    sub.disconnect(0);
}
