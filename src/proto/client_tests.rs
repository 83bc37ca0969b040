//! State-machine tests: a scripted fake broker with simulated time.
//!
//! The broker side encodes its packets with `codec::encode` and decodes everything the client
//! transmits with `codec::decode`; time starts at one fixed `Instant` and only moves when a test says
//! so (no sleeps).

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use super::client::{Client, ClientOptions, CommandError};
use super::codec::{
    self, Ack, ConnAck, Connect, DecodeError, Packet, Properties, Publish, QoS, SubAck, Subscribe,
    SubscribeFilter, UnsubAck, Unsubscribe, Version, Will,
};
use super::event::{ConnectionError, Event, PacketInfo, ProtocolError, Warning};

const MAX_PACKET: usize = 1 << 24;

fn options() -> ClientOptions {
    ClientOptions {
        version: Version::V311,
        client_id: "c1".into(),
        clean_session: true,
        keep_alive: 60,
        will: None,
        username: None,
        password: None,
        max_inflight: 20,
        connect_properties: Properties::new(),
        max_incoming_packet: MAX_PACKET,
        trace_packets: true,
    }
}

/// The fake broker and its clock.
struct Broker {
    client: Client,
    t0: Instant,
    now: Instant,
    version: Version,
}

impl Broker {
    fn new(options: ClientOptions) -> Broker {
        let t0 = Instant::now();
        let version = options.version;
        Broker {
            client: Client::new(options),
            t0,
            now: t0,
            version,
        }
    }

    /// A client connected (CONNACK 0 at t0) with the CONNECT and the events already consumed.
    fn connected(options: ClientOptions) -> Broker {
        let mut b = Broker::new(options);
        b.client.connect(b.now);
        assert!(matches!(b.packets()[..], [Packet::Connect(_)]));
        b.send(connack(0));
        b.events();
        assert!(b.client.is_connected());
        b
    }

    fn at(&self, secs: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(secs)
    }

    /// Sets the clock to `secs` after t0.
    fn set_time(&mut self, secs: f64) {
        self.now = self.at(secs);
    }

    fn encode(&self, packet: &Packet) -> Vec<u8> {
        let mut bytes = Vec::new();
        codec::encode(packet, self.version, &mut bytes).expect("test packet encodes");
        bytes
    }

    /// The broker sends one packet.
    fn send(&mut self, packet: Packet) {
        let bytes = self.encode(&packet);
        self.client.handle_input(&bytes, self.now);
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        self.client.handle_input(bytes, self.now);
    }

    /// Everything the client transmitted since the last call, as raw bytes.
    fn bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.client.poll_transmit(&mut out);
        out
    }

    /// Everything the client transmitted since the last call, decoded.
    fn packets(&mut self) -> Vec<Packet> {
        let bytes = self.bytes();
        decode_all(&bytes, self.version)
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }

    fn tick(&mut self) {
        self.client.handle_timeout(self.now);
    }
}

fn decode_all(mut bytes: &[u8], version: Version) -> Vec<Packet> {
    let mut packets = Vec::new();
    while !bytes.is_empty() {
        match codec::decode(bytes, version, usize::MAX) {
            Ok(Some((packet, used))) => {
                packets.push(packet);
                bytes = &bytes[used..];
            }
            other => panic!("client transmitted an undecodable packet: {other:?} ({bytes:02X?})"),
        }
    }
    packets
}

fn connack(code: u8) -> Packet {
    Packet::ConnAck(ConnAck {
        session_present: false,
        code,
        ..Default::default()
    })
}

fn ack(packet_id: u16) -> Ack {
    Ack::new(packet_id)
}

fn publish(topic: &str, payload: &[u8], qos: QoS, packet_id: u16) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.into(),
        packet_id,
        payload: payload.to_vec(),
        ..Default::default()
    }
}

fn sent_publish(qos: QoS, mid: u16, topic: &str, payload_len: usize, dup: bool) -> Event {
    Event::Sent(PacketInfo::Publish {
        dup,
        qos,
        retain: false,
        mid,
        topic: topic.into(),
        payload_len,
    })
}

fn received_publish(p: &Publish) -> Event {
    Event::Received(PacketInfo::Publish {
        dup: p.dup,
        qos: p.qos,
        retain: p.retain,
        mid: p.packet_id,
        topic: p.topic.clone(),
        payload_len: p.payload.len(),
    })
}

// ---- CONNECT ----

#[test]
fn connect_bytes_v311() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    assert!(b.client.wants_write());
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::Connect)]);
    assert_eq!(
        b.bytes(),
        [
            &[0x10, 0x0E, 0x00, 0x04][..],
            b"MQTT",
            &[0x04, 0x02, 0x00, 0x3C, 0x00, 0x02],
            b"c1"
        ]
        .concat()
    );
    assert!(!b.client.wants_write());
    assert!(!b.client.is_connected());
    assert!(!b.client.is_closed());
}

#[test]
fn connect_bytes_v31() {
    let mut b = Broker::new(ClientOptions {
        version: Version::V31,
        ..options()
    });
    b.client.connect(b.now);
    assert_eq!(
        b.bytes(),
        [
            &[0x10, 0x10, 0x00, 0x06][..],
            b"MQIsdp",
            &[0x03, 0x02, 0x00, 0x3C, 0x00, 0x02],
            b"c1"
        ]
        .concat()
    );
}

#[test]
fn connect_bytes_with_will_username_password_and_persistent_session() {
    let will = Will {
        topic: "w".into(),
        payload: b"bye".to_vec(),
        qos: QoS::AtLeastOnce,
        retain: true,
        ..Default::default()
    };
    let opts = ClientOptions {
        client_id: "id".into(),
        clean_session: false,
        keep_alive: 10,
        will: Some(will.clone()),
        username: Some("u".into()),
        password: Some(b"p".to_vec()),
        ..options()
    };
    for version in [Version::V311, Version::V31] {
        let mut b = Broker::new(ClientOptions {
            version,
            ..opts.clone()
        });
        b.client.connect(b.now);
        let bytes = b.bytes();
        let name: &[u8] = if version == Version::V311 {
            b"\x00\x04MQTT"
        } else {
            b"\x00\x06MQIsdp"
        };
        let expected = [
            &[0x10, 0x1C + name.len() as u8 - 6][..],
            name,
            // level, flags: username 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04
            &[version.level(), 0xEC, 0x00, 0x0A],
            b"\x00\x02id\x00\x01w\x00\x03bye\x00\x01u\x00\x01p",
        ]
        .concat();
        assert_eq!(bytes, expected, "{version:?}");
        assert_eq!(
            decode_all(&bytes, version),
            vec![Packet::Connect(Connect {
                version,
                clean_session: false,
                keep_alive: 10,
                client_id: "id".into(),
                will: Some(will.clone()),
                username: Some("u".into()),
                password: Some(b"p".to_vec()),
                properties: Default::default(),
            })]
        );
    }
}

#[test]
fn empty_client_id_is_sent_as_is() {
    let mut b = Broker::new(ClientOptions {
        client_id: String::new(),
        ..options()
    });
    b.client.connect(b.now);
    let bytes = b.bytes();
    assert_eq!(&bytes[bytes.len() - 2..], &[0x00, 0x00]);
}

// ---- CONNACK ----

#[test]
fn connack_zero_connects() {
    for session_present in [false, true] {
        let mut b = Broker::new(options());
        b.client.connect(b.now);
        b.bytes();
        b.events();
        assert_eq!(
            b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
            Err(CommandError::NotConnected),
            "no publish before CONNACK"
        );
        b.send(Packet::ConnAck(ConnAck {
            session_present,
            code: 0,
            ..Default::default()
        }));
        assert_eq!(
            b.events(),
            vec![
                Event::Received(PacketInfo::ConnAck {
                    code: 0,
                    assigned_client_id: None,
                }),
                Event::Connected { session_present }
            ]
        );
        assert!(b.client.is_connected());
        assert!(!b.client.is_closed());
        assert!(b.client.can_publish());
        assert_eq!(b.client.close_reason(), None);
        assert!(b.packets().is_empty(), "nothing to resend");
    }
}

#[test]
fn connack_refusals_close_and_still_allow_a_disconnect() {
    for code in 1..=5u8 {
        let mut b = Broker::new(options());
        b.client.connect(b.now);
        b.bytes();
        b.events();
        b.send(connack(code));
        assert_eq!(
            b.events(),
            vec![
                Event::Received(PacketInfo::ConnAck {
                    code,
                    assigned_client_id: None,
                }),
                Event::Closed(ConnectionError::Refused(code))
            ],
            "code {code}"
        );
        assert!(b.client.is_closed());
        assert!(!b.client.is_connected());
        assert_eq!(
            b.client.close_reason(),
            Some(&ConnectionError::Refused(code))
        );
        assert_eq!(b.client.poll_timeout(), None);
        assert_eq!(
            b.client
                .publish("t", vec![1], QoS::AtLeastOnce, false, b.now),
            Err(CommandError::NotConnected)
        );
        assert_eq!(
            b.client.subscribe(&[("a".into(), QoS::AtMostOnce)], b.now),
            Err(CommandError::NotConnected)
        );
        assert_eq!(
            b.client.unsubscribe("a", b.now),
            Err(CommandError::NotConnected)
        );
        // Input after the refusal is ignored.
        b.send(Packet::PingResp);
        assert!(b.events().is_empty());

        b.client.disconnect(b.now);
        assert_eq!(b.events(), vec![Event::Sent(PacketInfo::Disconnect)]);
        assert!(b.client.wants_write());
        assert_eq!(b.bytes(), vec![0xE0, 0x00]);
        assert!(b.events().is_empty(), "no second Closed event");
        assert!(b.client.is_closed());
        assert_eq!(
            b.client.close_reason(),
            Some(&ConnectionError::Refused(code))
        );
        b.client.disconnect(b.now);
        assert!(b.bytes().is_empty(), "only one DISCONNECT");
    }
}

#[test]
fn reconnect_after_refusal() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.send(connack(5));
    b.client.handle_eof();
    b.events();
    b.bytes();
    b.client.connect(b.now);
    assert!(matches!(b.packets()[..], [Packet::Connect(_)]));
    b.send(connack(0));
    assert_eq!(
        b.events(),
        vec![
            Event::Sent(PacketInfo::Connect),
            Event::Received(PacketInfo::ConnAck {
                code: 0,
                assigned_client_id: None,
            }),
            Event::Connected {
                session_present: false
            }
        ]
    );
    assert_eq!(b.client.close_reason(), None);
}

// ---- keepalive ----

#[test]
fn pingreq_exactly_at_the_deadline() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.bytes();
    b.set_time(1.0);
    b.send(connack(0));
    b.events();
    // Output at 0, input at 1: the deadline is the earlier one plus 10 s.
    assert_eq!(b.client.poll_timeout(), Some(b.at(10.0)));
    b.set_time(9.999);
    b.tick();
    assert!(b.bytes().is_empty(), "no PINGREQ before the deadline");
    assert!(b.events().is_empty());
    b.set_time(10.0);
    b.tick();
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::PingReq)]);
    assert_eq!(b.bytes(), vec![0xC0, 0x00]);
    assert_eq!(b.client.poll_timeout(), Some(b.at(20.0)));
    b.tick();
    assert!(b.bytes().is_empty(), "one PINGREQ per deadline");

    b.set_time(11.0);
    b.send(Packet::PingResp);
    assert_eq!(b.events(), vec![Event::Received(PacketInfo::PingResp)]);
    // Output at 10, input at 11.
    assert_eq!(b.client.poll_timeout(), Some(b.at(20.0)));
    b.set_time(20.0);
    b.tick();
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::PingReq)]);
    assert_eq!(b.packets(), vec![Packet::PingReq]);
    assert!(b.client.is_connected());
}

#[test]
fn missing_pingresp_is_a_keepalive_timeout() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.send(connack(0));
    b.set_time(10.0);
    b.tick();
    assert_eq!(
        b.packets(),
        vec![
            Packet::Connect(Connect {
                version: Version::V311,
                clean_session: true,
                keep_alive: 10,
                client_id: "c1".into(),
                will: None,
                username: None,
                password: None,
                properties: Default::default(),
            }),
            Packet::PingReq
        ]
    );
    b.events();
    b.set_time(19.999);
    b.tick();
    assert!(b.events().is_empty());
    b.set_time(20.0);
    b.tick();
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::KeepaliveTimeout)]
    );
    assert!(b.bytes().is_empty(), "no second PINGREQ");
    assert!(b.client.is_closed());
    assert_eq!(b.client.poll_timeout(), None);
    assert_eq!(
        b.client.close_reason(),
        Some(&ConnectionError::KeepaliveTimeout)
    );
    b.client.handle_eof();
    assert!(b.events().is_empty(), "already closed");
}

#[test]
fn other_input_while_waiting_for_pingresp_postpones_the_timeout() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.send(connack(0));
    b.set_time(10.0);
    b.tick();
    b.set_time(15.0);
    b.send(Packet::Publish(publish("t", b"x", QoS::AtMostOnce, 0)));
    // A received packet moves only the input reference: the output one (10) still decides.
    assert_eq!(b.client.poll_timeout(), Some(b.at(20.0)));
    b.set_time(20.0);
    b.tick();
    assert_eq!(
        b.events().last(),
        Some(&Event::Closed(ConnectionError::KeepaliveTimeout))
    );
}

#[test]
fn no_connack_within_keepalive_is_a_keepalive_timeout() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 5,
        ..options()
    });
    b.client.connect(b.now);
    b.events();
    assert_eq!(b.client.poll_timeout(), Some(b.at(5.0)));
    b.set_time(4.5);
    b.tick();
    assert!(b.events().is_empty());
    b.set_time(5.0);
    b.tick();
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::KeepaliveTimeout)]
    );
    assert_eq!(
        b.packets().len(),
        0,
        "no PINGREQ before CONNACK, output dropped"
    );
    b.send(connack(0));
    assert!(b.events().is_empty(), "input after close is ignored");
    assert!(!b.client.is_connected());
}

#[test]
fn traffic_both_ways_postpones_the_ping_one_way_does_not() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.send(connack(0));
    b.bytes();
    b.events();
    // Output only: the input reference (0) still decides.
    b.set_time(5.0);
    let mid = b
        .client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    assert_eq!(b.packets().len(), 1);
    assert_eq!(b.client.poll_timeout(), Some(b.at(10.0)));
    // The PUBACK comes back at 6: now min(5, 6) + 10.
    b.set_time(6.0);
    b.send(Packet::PubAck(ack(mid)));
    assert_eq!(b.client.poll_timeout(), Some(b.at(15.0)));
    b.set_time(10.0);
    b.tick();
    assert!(b.bytes().is_empty(), "traffic postponed the ping");
    // Input only: a message received at 12 does not move the output reference (5).
    b.set_time(12.0);
    b.send(Packet::Publish(publish("t", b"y", QoS::AtMostOnce, 0)));
    assert_eq!(b.client.poll_timeout(), Some(b.at(15.0)));
    b.set_time(15.0);
    b.events();
    b.tick();
    assert_eq!(b.packets(), vec![Packet::PingReq]);
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::PingReq)]);
}

#[test]
fn keepalive_zero_disables_every_timer() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 0,
        ..options()
    });
    b.client.connect(b.now);
    assert_eq!(b.client.poll_timeout(), None);
    b.set_time(1_000_000.0);
    b.tick();
    b.send(connack(0));
    assert_eq!(b.client.poll_timeout(), None);
    b.set_time(2_000_000.0);
    b.tick();
    b.events();
    assert!(b.client.is_connected());
    assert_eq!(b.packets().len(), 1, "only the CONNECT");
}

#[test]
fn server_pingreq_is_answered() {
    let mut b = Broker::connected(options());
    b.send(Packet::PingReq);
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PingReq),
            Event::Sent(PacketInfo::PingResp)
        ]
    );
    assert_eq!(b.bytes(), vec![0xD0, 0x00]);
}

// ---- outgoing publish ----

#[test]
fn outgoing_qos0() {
    let mut b = Broker::connected(options());
    let mid = b
        .client
        .publish("t", b"pay".to_vec(), QoS::AtMostOnce, true, b.now);
    assert_eq!(mid, Ok(1));
    assert_eq!(
        b.events(),
        vec![
            Event::Sent(PacketInfo::Publish {
                dup: false,
                qos: QoS::AtMostOnce,
                retain: true,
                mid: 1,
                topic: "t".into(),
                payload_len: 3
            }),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.client.pending_output_len(), 8);
    assert_eq!(
        b.bytes(),
        vec![0x31, 0x06, 0x00, 0x01, b't', b'p', b'a', b'y']
    );
    assert_eq!(b.client.inflight_count(), 0);
    assert_eq!(
        b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
        Ok(2)
    );
    assert_eq!(b.bytes(), vec![0x30, 0x03, 0x00, 0x01, b't']);
}

#[test]
fn outgoing_qos1() {
    let mut b = Broker::connected(options());
    assert_eq!(
        b.client
            .publish("a/b", b"hi".to_vec(), QoS::AtLeastOnce, false, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![sent_publish(QoS::AtLeastOnce, 1, "a/b", 2, false)]
    );
    assert_eq!(
        b.bytes(),
        vec![
            0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x01, b'h', b'i'
        ]
    );
    assert_eq!(b.client.inflight_count(), 1);

    // An unknown PUBACK is ignored.
    b.send(Packet::PubAck(ack(99)));
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::PubAck { mid: 99, code: 0 })]
    );
    assert_eq!(b.client.inflight_count(), 1);

    b.send(Packet::PubAck(ack(1)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubAck { mid: 1, code: 0 }),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.client.inflight_count(), 0);
    assert!(b.bytes().is_empty(), "a PUBACK needs no answer");

    // A repeated PUBACK does not complete the message twice.
    b.send(Packet::PubAck(ack(1)));
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::PubAck { mid: 1, code: 0 })]
    );
}

#[test]
fn outgoing_qos2() {
    let mut b = Broker::connected(options());
    assert_eq!(
        b.client
            .publish("t", b"x".to_vec(), QoS::ExactlyOnce, false, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![sent_publish(QoS::ExactlyOnce, 1, "t", 1, false)]
    );
    assert_eq!(
        b.bytes(),
        vec![0x34, 0x06, 0x00, 0x01, b't', 0x00, 0x01, b'x']
    );

    b.send(Packet::PubRec(ack(1)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRec { mid: 1, code: 0 }),
            Event::Sent(PacketInfo::PubRel { mid: 1 })
        ]
    );
    assert_eq!(b.bytes(), vec![0x62, 0x02, 0x00, 0x01]);
    assert_eq!(b.client.inflight_count(), 1);

    // A repeated PUBREC is answered again without a warning.
    b.send(Packet::PubRec(ack(1)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRec { mid: 1, code: 0 }),
            Event::Sent(PacketInfo::PubRel { mid: 1 })
        ]
    );
    assert_eq!(b.packets(), vec![Packet::PubRel(ack(1))]);

    b.send(Packet::PubComp(ack(1)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubComp { mid: 1, code: 0 }),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.client.inflight_count(), 0);
    assert!(b.bytes().is_empty());

    // Unknown PUBCOMP: ignored.
    b.send(Packet::PubComp(ack(1)));
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::PubComp { mid: 1, code: 0 })]
    );
}

#[test]
fn unknown_pubrec_warns_and_still_sends_pubrel() {
    let mut b = Broker::connected(options());
    b.send(Packet::PubRec(ack(42)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRec { mid: 42, code: 0 }),
            Event::Warning(Warning::UnknownPubRec { mid: 42 }),
            Event::Sent(PacketInfo::PubRel { mid: 42 })
        ]
    );
    assert_eq!(b.bytes(), vec![0x62, 0x02, 0x00, 0x2A]);
    assert!(b.client.is_connected());
}

#[test]
fn without_tracing_only_the_outcomes_are_reported() {
    let mut b = Broker::connected(ClientOptions {
        trace_packets: false,
        ..options()
    });
    let q0 = b
        .client
        .publish("t", b"0".to_vec(), QoS::AtMostOnce, false, b.now)
        .unwrap();
    let q1 = b
        .client
        .publish("t", b"1".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    let q2 = b
        .client
        .publish("t", b"2".to_vec(), QoS::ExactlyOnce, false, b.now)
        .unwrap();
    b.send(Packet::PubAck(ack(q1)));
    b.send(Packet::PubRec(ack(q2)));
    b.send(Packet::PubComp(ack(q2)));
    let incoming = publish("in", b"m", QoS::AtLeastOnce, 9);
    b.send(Packet::Publish(incoming.clone()));
    assert_eq!(
        b.events(),
        vec![
            Event::Published { mid: q0 },
            Event::Published { mid: q1 },
            Event::Published { mid: q2 },
            Event::Message(incoming)
        ]
    );
    assert_eq!(b.packets().len(), 5, "3 PUBLISH, PUBREL, PUBACK");
}

#[test]
fn inflight_window_limits_qos1_and_qos2_only() {
    let mut b = Broker::connected(ClientOptions {
        max_inflight: 3,
        ..options()
    });
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(1)
    );
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::ExactlyOnce, false, b.now),
        Ok(2)
    );
    assert!(b.client.can_publish());
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(3)
    );
    assert!(!b.client.can_publish());
    assert_eq!(b.client.inflight_count(), 3);
    b.events();
    b.bytes();
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        assert_eq!(
            b.client.publish("t", vec![], qos, false, b.now),
            Err(CommandError::InflightWindowFull)
        );
    }
    assert!(
        b.events().is_empty() && b.bytes().is_empty(),
        "a refused publish leaves no trace"
    );
    // QoS 0 is not limited by the window.
    assert_eq!(
        b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
        Ok(4)
    );
    // The PUBREC'd QoS 2 message still counts until PUBCOMP.
    b.send(Packet::PubRec(ack(2)));
    assert!(!b.client.can_publish());
    b.send(Packet::PubComp(ack(2)));
    assert!(b.client.can_publish());
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(5)
    );
    assert!(!b.client.can_publish());
}

#[test]
fn oversized_publish_is_refused_without_using_an_id() {
    let mut b = Broker::connected(options());
    let topic = "x".repeat(70_000);
    assert_eq!(
        b.client
            .publish(&topic, vec![], QoS::AtLeastOnce, false, b.now),
        Err(CommandError::TooLarge)
    );
    assert!(b.events().is_empty() && b.bytes().is_empty());
    assert_eq!(b.client.inflight_count(), 0);
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(1)
    );
}

#[test]
fn ids_are_shared_by_publish_subscribe_and_unsubscribe() {
    let mut b = Broker::connected(options());
    assert_eq!(
        b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
        Ok(1)
    );
    assert_eq!(
        b.client.subscribe(&[("a".into(), QoS::AtMostOnce)], b.now),
        Ok(2)
    );
    assert_eq!(b.client.unsubscribe("a", b.now), Ok(3));
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(4)
    );
}

/// 70,000 QoS 1 messages through a window of 20, acknowledged as they go, except message 3 which stays
/// in flight the whole time: the ids wrap past 65535, skip 3, and nothing is lost or acked twice.
#[test]
fn packet_id_wrap_with_70000_qos1_messages() {
    const TOTAL: usize = 70_000;
    let mut b = Broker::connected(ClientOptions {
        trace_packets: false,
        ..options()
    });
    let mut outstanding: VecDeque<u16> = VecDeque::new();
    let mut in_flight: HashSet<u16> = HashSet::new();
    let mut assigned: Vec<u16> = Vec::with_capacity(TOTAL);
    let mut completed = vec![0u32; TOTAL];
    let mut index_of = std::collections::HashMap::new();
    let mut window_full_seen = 0;
    let mut held: Option<u16> = None;

    while assigned.len() < TOTAL || !outstanding.is_empty() || held.is_some() {
        // Publish until the window is full.
        while assigned.len() < TOTAL {
            let n = assigned.len();
            let payload = (n as u32).to_be_bytes().to_vec();
            match b
                .client
                .publish("wrap", payload, QoS::AtLeastOnce, false, b.now)
            {
                Ok(mid) => {
                    assert_ne!(mid, 0);
                    assert!(in_flight.insert(mid), "id {mid} reused while in flight");
                    index_of.insert(mid, n);
                    assigned.push(mid);
                    if mid == 3 && held.is_none() {
                        held = Some(mid);
                    } else {
                        outstanding.push_back(mid);
                    }
                }
                Err(CommandError::InflightWindowFull) => {
                    assert_eq!(in_flight.len(), 20);
                    window_full_seen += 1;
                    break;
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        // The broker receives exactly the new messages, with their ids and payloads.
        for packet in b.packets() {
            let Packet::Publish(p) = packet else {
                panic!("PUBLISH expected, got {packet:?}")
            };
            let n = index_of[&p.packet_id];
            assert_eq!(p.payload, (n as u32).to_be_bytes());
            assert!(!p.dup);
        }
        // Acknowledge the oldest few (the held one only at the very end).
        let batch = if assigned.len() < TOTAL {
            7
        } else {
            outstanding.len()
        };
        for _ in 0..batch {
            let Some(mid) = outstanding.pop_front() else {
                break;
            };
            b.send(Packet::PubAck(ack(mid)));
        }
        if assigned.len() == TOTAL
            && outstanding.is_empty()
            && let Some(mid) = held.take()
        {
            b.send(Packet::PubAck(ack(mid)));
        }
        for event in b.events() {
            let Event::Published { mid } = event else {
                panic!("unexpected {event:?}")
            };
            assert!(in_flight.remove(&mid), "id {mid} acked but not in flight");
            completed[index_of[&mid]] += 1;
        }
    }
    assert!(
        completed.iter().all(|&c| c == 1),
        "every message completed exactly once"
    );
    assert_eq!(b.client.inflight_count(), 0);
    assert!(window_full_seen > 1000);
    // The counter wrapped: ..., 65535, 1, 2, 4 (3 is still in flight), 5, ...
    let wrap = assigned
        .iter()
        .position(|&m| m == u16::MAX)
        .expect("reached 65535");
    assert_eq!(&assigned[wrap..wrap + 4], &[65535, 1, 2, 4]);
    assert_eq!(
        assigned.iter().filter(|&&m| m == 3).count(),
        1,
        "3 was never reused"
    );
    assert_eq!(assigned.iter().filter(|&&m| m == 4).count(), 2);
}

// ---- incoming publish ----

#[test]
fn incoming_qos0() {
    let mut b = Broker::connected(options());
    let p = publish("in/0", b"zero", QoS::AtMostOnce, 0);
    b.send(Packet::Publish(p.clone()));
    assert_eq!(b.events(), vec![received_publish(&p), Event::Message(p)]);
    assert!(b.bytes().is_empty());
}

#[test]
fn incoming_qos1() {
    let mut b = Broker::connected(options());
    let p = Publish {
        retain: true,
        ..publish("in/1", b"one", QoS::AtLeastOnce, 7)
    };
    b.send(Packet::Publish(p.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&p),
            Event::Sent(PacketInfo::PubAck { mid: 7, code: 0 }),
            Event::Message(p)
        ]
    );
    assert_eq!(b.bytes(), vec![0x40, 0x02, 0x00, 0x07]);
}

#[test]
fn incoming_qos2_delivered_on_pubrel() {
    let mut b = Broker::connected(options());
    let p = publish("in/2", b"two", QoS::ExactlyOnce, 7);
    b.send(Packet::Publish(p.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&p),
            Event::Sent(PacketInfo::PubRec { mid: 7, code: 0 })
        ]
    );
    assert_eq!(b.bytes(), vec![0x50, 0x02, 0x00, 0x07]);
    assert_eq!(b.client.incoming_qos2_count(), 1);

    b.send(Packet::PubRel(ack(7)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRel { mid: 7 }),
            Event::Sent(PacketInfo::PubComp { mid: 7, code: 0 }),
            Event::Message(p)
        ]
    );
    assert_eq!(b.bytes(), vec![0x70, 0x02, 0x00, 0x07]);
    assert_eq!(b.client.incoming_qos2_count(), 0);
}

#[test]
fn duplicate_incoming_qos2_is_delivered_once() {
    let mut b = Broker::connected(options());
    let first = publish("in/2", b"first", QoS::ExactlyOnce, 300);
    let again = Publish {
        dup: true,
        ..first.clone()
    };
    b.send(Packet::Publish(first.clone()));
    b.send(Packet::Publish(again.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&first),
            Event::Sent(PacketInfo::PubRec { mid: 300, code: 0 }),
            received_publish(&again),
            Event::Sent(PacketInfo::PubRec { mid: 300, code: 0 }),
        ]
    );
    assert_eq!(
        b.packets(),
        vec![Packet::PubRec(ack(300)), Packet::PubRec(ack(300))]
    );
    assert_eq!(b.client.incoming_qos2_count(), 1);

    b.send(Packet::PubRel(ack(300)));
    b.send(Packet::PubRel(ack(300)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRel { mid: 300 }),
            Event::Sent(PacketInfo::PubComp { mid: 300, code: 0 }),
            Event::Message(first),
            Event::Received(PacketInfo::PubRel { mid: 300 }),
            Event::Sent(PacketInfo::PubComp { mid: 300, code: 0 }),
        ]
    );
    assert_eq!(
        b.packets(),
        vec![Packet::PubComp(ack(300)), Packet::PubComp(ack(300))]
    );
}

#[test]
fn unknown_pubrel_is_completed_without_delivery() {
    let mut b = Broker::connected(options());
    b.send(Packet::PubRel(ack(11)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRel { mid: 11 }),
            Event::Sent(PacketInfo::PubComp { mid: 11, code: 0 })
        ]
    );
    assert_eq!(b.packets(), vec![Packet::PubComp(ack(11))]);
}

#[test]
fn incoming_qos2_survives_a_reconnect() {
    let mut b = Broker::connected(options());
    let p = publish("in/2", b"kept", QoS::ExactlyOnce, 9);
    b.send(Packet::Publish(p.clone()));
    b.client.handle_eof();
    assert_eq!(
        b.events().last(),
        Some(&Event::Closed(ConnectionError::Lost))
    );
    b.bytes();
    b.client.connect(b.now);
    b.send(connack(0));
    b.events();
    assert_eq!(
        b.packets().len(),
        1,
        "CONNECT only: incoming state is not resent"
    );
    b.send(Packet::PubRel(ack(9)));
    assert_eq!(b.events().last(), Some(&Event::Message(p)));
}

// ---- reconnect and resend ----

#[test]
fn unacknowledged_messages_are_resent_after_reconnect() {
    let mut b = Broker::connected(options());
    assert_eq!(
        b.client
            .publish("q1", b"one".to_vec(), QoS::AtLeastOnce, false, b.now),
        Ok(1)
    );
    assert_eq!(
        b.client
            .publish("q2", b"two".to_vec(), QoS::ExactlyOnce, true, b.now),
        Ok(2)
    );
    assert_eq!(
        b.client
            .publish("q2b", b"three".to_vec(), QoS::ExactlyOnce, false, b.now),
        Ok(3)
    );
    assert_eq!(
        b.client
            .publish("q0", b"zero".to_vec(), QoS::AtMostOnce, false, b.now),
        Ok(4)
    );
    b.send(Packet::PubRec(ack(3)));
    b.bytes();
    b.events();

    b.client.handle_eof();
    assert_eq!(b.events(), vec![Event::Closed(ConnectionError::Lost)]);
    assert!(b.client.is_closed());
    assert_eq!(b.client.close_reason(), Some(&ConnectionError::Lost));
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Err(CommandError::NotConnected)
    );
    assert_eq!(b.client.inflight_count(), 3);

    b.set_time(30.0);
    b.client.connect(b.now);
    assert!(
        matches!(b.packets()[..], [Packet::Connect(_)]),
        "nothing resent before CONNACK"
    );
    b.send(Packet::ConnAck(ConnAck {
        session_present: true,
        code: 0,
        ..Default::default()
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Sent(PacketInfo::Connect),
            Event::Received(PacketInfo::ConnAck {
                code: 0,
                assigned_client_id: None,
            }),
            Event::Connected {
                session_present: true
            },
            sent_publish(QoS::AtLeastOnce, 1, "q1", 3, true),
            Event::Sent(PacketInfo::Publish {
                dup: true,
                qos: QoS::ExactlyOnce,
                retain: true,
                mid: 2,
                topic: "q2".into(),
                payload_len: 3
            }),
            Event::Sent(PacketInfo::PubRel { mid: 3 }),
        ]
    );
    assert_eq!(
        b.packets(),
        vec![
            Packet::Publish(Publish {
                dup: true,
                ..publish("q1", b"one", QoS::AtLeastOnce, 1)
            }),
            Packet::Publish(Publish {
                dup: true,
                retain: true,
                ..publish("q2", b"two", QoS::ExactlyOnce, 2)
            }),
            Packet::PubRel(ack(3)),
        ]
    );
    // The flows complete on the new connection; new messages continue the counter.
    b.send(Packet::PubAck(ack(1)));
    b.send(Packet::PubRec(ack(2)));
    b.send(Packet::PubComp(ack(2)));
    b.send(Packet::PubComp(ack(3)));
    let published: Vec<_> = b
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::Published { .. }))
        .collect();
    assert_eq!(
        published,
        vec![
            Event::Published { mid: 1 },
            Event::Published { mid: 2 },
            Event::Published { mid: 3 }
        ]
    );
    assert_eq!(b.packets(), vec![Packet::PubRel(ack(2))]);
    assert_eq!(b.client.inflight_count(), 0);
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(5)
    );
}

#[test]
fn resend_keeps_the_original_order_across_many_messages() {
    let mut b = Broker::connected(ClientOptions {
        max_inflight: 0,
        trace_packets: false,
        ..options()
    });
    let mids: Vec<u16> = (0..500)
        .map(|i| {
            b.client
                .publish("t", vec![i as u8], QoS::AtLeastOnce, false, b.now)
                .unwrap()
        })
        .collect();
    b.client.handle_eof();
    b.client.connect(b.now);
    b.bytes();
    b.send(connack(0));
    let resent: Vec<u16> = b
        .packets()
        .into_iter()
        .map(|p| match p {
            Packet::Publish(p) if p.dup => p.packet_id,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(resent, mids);
}

// ---- subscribe / unsubscribe ----

#[test]
fn subscribe_and_suback() {
    let mut b = Broker::connected(options());
    let filters = vec![
        ("a".to_string(), QoS::AtLeastOnce),
        ("b/#".to_string(), QoS::ExactlyOnce),
    ];
    assert_eq!(b.client.subscribe(&filters, b.now), Ok(1));
    assert_eq!(
        b.events(),
        vec![Event::Sent(PacketInfo::Subscribe {
            mid: 1,
            filters: vec![
                ("a".into(), QoS::AtLeastOnce, 0),
                ("b/#".into(), QoS::ExactlyOnce, 0)
            ]
        })]
    );
    assert_eq!(
        b.bytes(),
        vec![
            0x82, 0x0C, 0x00, 0x01, 0x00, 0x01, b'a', 0x01, 0x00, 0x03, b'b', b'/', b'#', 0x02
        ]
    );
    b.send(Packet::SubAck(SubAck {
        packet_id: 1,
        return_codes: vec![1, 0x80],
        ..Default::default()
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::SubAck { mid: 1 }),
            Event::Subscribed {
                mid: 1,
                return_codes: vec![1, 0x80]
            }
        ]
    );
    // Unknown SUBACK: reported as received, nothing else.
    b.send(Packet::SubAck(SubAck {
        packet_id: 1,
        return_codes: vec![0],
        ..Default::default()
    }));
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::SubAck { mid: 1 })]
    );
    assert!(b.client.is_connected());
}

#[test]
fn suback_with_the_wrong_number_of_codes_is_a_protocol_error() {
    let mut b = Broker::connected(options());
    let filters = vec![
        ("a".to_string(), QoS::AtMostOnce),
        ("b".to_string(), QoS::AtMostOnce),
    ];
    let mid = b.client.subscribe(&filters, b.now).unwrap();
    b.events();
    b.send(Packet::SubAck(SubAck {
        packet_id: mid,
        return_codes: vec![0],
        ..Default::default()
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::SubAck { mid }),
            Event::Closed(ConnectionError::Protocol(
                ProtocolError::SubAckCountMismatch {
                    mid,
                    expected: 2,
                    got: 1
                }
            ))
        ]
    );
    assert!(b.client.is_closed());
}

#[test]
fn unsubscribe_and_unsuback() {
    let mut b = Broker::connected(options());
    assert_eq!(b.client.unsubscribe("a/+", b.now), Ok(1));
    assert_eq!(
        b.events(),
        vec![Event::Sent(PacketInfo::Unsubscribe {
            mid: 1,
            filter: "a/+".into()
        })]
    );
    assert_eq!(
        b.bytes(),
        vec![0xA2, 0x07, 0x00, 0x01, 0x00, 0x03, b'a', b'/', b'+']
    );
    b.send(Packet::UnsubAck(UnsubAck::new(1)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::UnsubAck { mid: 1 }),
            Event::Unsubscribed { mid: 1 }
        ]
    );
    b.send(Packet::UnsubAck(UnsubAck::new(1)));
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::UnsubAck { mid: 1 })]
    );
}

#[test]
fn pending_subscribe_acks_do_not_survive_a_reconnect() {
    let mut b = Broker::connected(options());
    let sub = b
        .client
        .subscribe(&[("a".into(), QoS::AtMostOnce)], b.now)
        .unwrap();
    let unsub = b.client.unsubscribe("a", b.now).unwrap();
    b.client.handle_eof();
    b.client.connect(b.now);
    b.send(connack(0));
    b.events();
    b.send(Packet::SubAck(SubAck {
        packet_id: sub,
        return_codes: vec![0],
        ..Default::default()
    }));
    b.send(Packet::UnsubAck(UnsubAck::new(unsub)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::SubAck { mid: sub }),
            Event::Received(PacketInfo::UnsubAck { mid: unsub })
        ]
    );
}

// ---- unexpected packets ----

#[test]
fn server_only_packets_are_protocol_errors() {
    let connect = Packet::Connect(Connect {
        version: Version::V311,
        clean_session: true,
        keep_alive: 0,
        client_id: "x".into(),
        will: None,
        username: None,
        password: None,
        properties: Default::default(),
    });
    let subscribe = Packet::Subscribe(Subscribe {
        packet_id: 1,
        filters: vec![SubscribeFilter {
            filter: "a".into(),
            qos: QoS::AtMostOnce,
            ..Default::default()
        }],
        ..Default::default()
    });
    let unsubscribe = Packet::Unsubscribe(Unsubscribe {
        packet_id: 1,
        filters: vec!["a".into()],
        ..Default::default()
    });
    for (packet, packet_type) in [
        (connect, 1),
        (subscribe, 8),
        (unsubscribe, 10),
        (Packet::Disconnect(Default::default()), 14),
    ] {
        let expected = vec![Event::Closed(ConnectionError::Protocol(
            ProtocolError::ServerOnlyPacket { packet_type },
        ))];
        // After CONNACK...
        let mut b = Broker::connected(options());
        b.send(packet.clone());
        assert_eq!(b.events(), expected);
        assert!(b.client.is_closed());
        // ...and before it.
        let mut b = Broker::new(options());
        b.client.connect(b.now);
        b.events();
        b.send(packet);
        assert_eq!(b.events(), expected);
        assert!(
            !b.client.wants_write(),
            "pending output dropped on a fatal error"
        );
    }
}

#[test]
fn anything_before_connack_is_a_protocol_error() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.events();
    b.send(Packet::Publish(publish("t", b"x", QoS::AtMostOnce, 0)));
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Protocol(
            ProtocolError::ExpectedConnAck { packet_type: 3 }
        ))]
    );
    b.send(connack(0));
    assert!(b.events().is_empty());
    assert!(!b.client.is_connected());
}

#[test]
fn second_connack_is_a_protocol_error() {
    let mut b = Broker::connected(options());
    b.send(connack(0));
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Protocol(
            ProtocolError::UnexpectedConnAck
        ))]
    );
}

#[test]
fn garbage_is_a_decode_error_and_later_input_is_ignored() {
    let mut b = Broker::connected(options());
    b.send_bytes(&[0x00, 0x00, 0xD0, 0x00]);
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Decode(
            DecodeError::ReservedPacketType { type_number: 0 }
        ))]
    );
    assert!(b.client.is_closed());
    b.send(Packet::PingResp);
    b.client.handle_eof();
    b.set_time(1000.0);
    b.tick();
    assert!(b.events().is_empty());
    assert!(matches!(
        b.client.close_reason(),
        Some(ConnectionError::Decode(_))
    ));
}

#[test]
fn garbage_inside_a_partial_packet_is_a_decode_error() {
    let mut b = Broker::connected(options());
    // A PUBACK split after its fixed header, whose body is too long: detected once the length is known.
    b.send_bytes(&[0x40]);
    assert!(b.events().is_empty());
    b.send_bytes(&[0x03]);
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Decode(
            DecodeError::TrailingBytes {
                packet: codec::PacketType::PubAck,
                extra: 1
            }
        ))]
    );
}

#[test]
fn packet_larger_than_the_maximum_is_rejected_as_soon_as_its_length_is_known() {
    let mut b = Broker::connected(ClientOptions {
        max_incoming_packet: 100,
        ..options()
    });
    let p = publish("t", &[7; 200], QoS::AtMostOnce, 0);
    let bytes = b.encode(&Packet::Publish(p));
    b.send_bytes(&bytes[..1]);
    assert!(b.events().is_empty());
    b.send_bytes(&bytes[1..3]);
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Decode(
            DecodeError::PacketTooLarge {
                size: bytes.len(),
                max: 100
            }
        ))]
    );
}

#[test]
fn eof_is_a_lost_connection() {
    let mut b = Broker::connected(options());
    b.client.handle_eof();
    assert_eq!(b.events(), vec![Event::Closed(ConnectionError::Lost)]);
    b.client.handle_eof();
    assert!(b.events().is_empty());
    assert_eq!(b.client.poll_timeout(), None);
    // Never connected: nothing to report.
    let mut fresh = Broker::new(options());
    fresh.client.handle_eof();
    assert!(fresh.events().is_empty());
    assert!(fresh.client.is_closed());
}

// ---- input framing ----

/// CONNACK, an incoming QoS 1 message, PUBACK for our message 1, a QoS 2 message and its PUBREL,
/// a PINGRESP: as one byte stream.
fn scripted_stream(b: &Broker) -> (Vec<u8>, Vec<Publish>) {
    let m1 = publish(
        "in/big",
        &(0..=255u8).cycle().take(1000).collect::<Vec<_>>(),
        QoS::AtLeastOnce,
        5,
    );
    let m2 = publish("in/two", b"2", QoS::ExactlyOnce, 6);
    let m3 = publish("in/zero", b"", QoS::AtMostOnce, 0);
    let packets = [
        connack(0),
        Packet::Publish(m1.clone()),
        Packet::Publish(m2.clone()),
        Packet::PubRel(ack(6)),
        Packet::PingResp,
        Packet::Publish(m3.clone()),
    ];
    let bytes = packets.iter().flat_map(|p| b.encode(p)).collect();
    (bytes, vec![m1, m2, m3])
}

fn stream_events(chunks: &[&[u8]]) -> (Vec<Event>, Vec<Packet>) {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    for chunk in chunks {
        b.send_bytes(chunk);
    }
    (b.events(), b.packets())
}

#[test]
fn several_packets_in_one_read() {
    let b = Broker::new(options());
    let (bytes, msgs) = scripted_stream(&b);
    let (events, sent) = stream_events(&[&bytes]);
    assert_eq!(
        events,
        vec![
            Event::Received(PacketInfo::ConnAck {
                code: 0,
                assigned_client_id: None,
            }),
            Event::Connected {
                session_present: false
            },
            received_publish(&msgs[0]),
            Event::Sent(PacketInfo::PubAck { mid: 5, code: 0 }),
            Event::Message(msgs[0].clone()),
            received_publish(&msgs[1]),
            Event::Sent(PacketInfo::PubRec { mid: 6, code: 0 }),
            Event::Received(PacketInfo::PubRel { mid: 6 }),
            Event::Sent(PacketInfo::PubComp { mid: 6, code: 0 }),
            Event::Message(msgs[1].clone()),
            Event::Received(PacketInfo::PingResp),
            received_publish(&msgs[2]),
            Event::Message(msgs[2].clone()),
        ]
    );
    assert_eq!(
        sent,
        vec![
            Packet::PubAck(ack(5)),
            Packet::PubRec(ack(6)),
            Packet::PubComp(ack(6))
        ]
    );
}

#[test]
fn input_fed_one_byte_at_a_time() {
    let b = Broker::new(options());
    let (bytes, _) = scripted_stream(&b);
    let whole = stream_events(&[&bytes]);
    let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(stream_events(&chunks), whole);
}

#[test]
fn input_split_at_every_position() {
    let b = Broker::new(options());
    let (bytes, _) = scripted_stream(&b);
    let whole = stream_events(&[&bytes]);
    for split in 0..=bytes.len() {
        let (head, tail) = bytes.split_at(split);
        assert_eq!(stream_events(&[head, tail]), whole, "split at {split}");
    }
    for size in [2, 3, 4, 5, 7, 64, 999, 1001] {
        let chunks: Vec<&[u8]> = bytes.chunks(size).collect();
        assert_eq!(stream_events(&chunks), whole, "chunks of {size}");
    }
}

#[test]
fn large_message_in_small_chunks() {
    let mut b = Broker::connected(options());
    let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let p = publish("big", &payload, QoS::AtMostOnce, 0);
    let bytes = b.encode(&Packet::Publish(p.clone()));
    for chunk in bytes.chunks(65536) {
        b.send_bytes(chunk);
    }
    assert_eq!(b.events(), vec![received_publish(&p), Event::Message(p)]);
}

// ---- disconnect ----

#[test]
fn disconnect_then_closed() {
    let mut b = Broker::connected(options());
    b.client.disconnect(b.now);
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::Disconnect)]);
    assert!(
        !b.client.is_closed(),
        "not closed until DISCONNECT is handed out"
    );
    assert!(b.client.wants_write());
    assert_eq!(
        b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
        Err(CommandError::NotConnected)
    );
    assert_eq!(b.client.poll_timeout(), None);
    // Acks still count while DISCONNECT waits; a message needing an answer is dropped.
    b.send(Packet::Publish(publish("t", b"x", QoS::AtLeastOnce, 3)));
    b.send(Packet::PingResp);
    assert_eq!(b.events(), vec![Event::Received(PacketInfo::PingResp)]);

    let mut out = vec![0xAA];
    assert!(b.client.poll_transmit(&mut out));
    assert_eq!(out, vec![0xAA, 0xE0, 0x00], "appended after existing bytes");
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Disconnected)]
    );
    assert!(b.client.is_closed());
    assert!(!b.client.wants_write());
    assert_eq!(
        b.client.close_reason(),
        Some(&ConnectionError::Disconnected)
    );
    b.client.disconnect(b.now);
    b.client.handle_eof();
    b.send(Packet::PingResp);
    assert!(b.events().is_empty());
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client.subscribe(&[("a".into(), QoS::AtMostOnce)], b.now),
        Err(CommandError::NotConnected)
    );
}

#[test]
fn disconnect_before_connack() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.client.disconnect(b.now);
    assert_eq!(
        b.events(),
        vec![
            Event::Sent(PacketInfo::Connect),
            Event::Sent(PacketInfo::Disconnect)
        ]
    );
    let packets = b.packets();
    assert!(matches!(
        packets[..],
        [Packet::Connect(_), Packet::Disconnect(_)]
    ));
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Disconnected)]
    );
}

#[test]
fn disconnect_without_a_connection_does_nothing() {
    let mut b = Broker::new(options());
    b.client.disconnect(b.now);
    assert!(b.bytes().is_empty());
    assert!(b.events().is_empty());
}

#[test]
fn poll_transmit_hands_over_the_buffer() {
    let mut b = Broker::connected(options());
    assert!(!b.client.poll_transmit(&mut Vec::new()), "nothing queued");
    b.client
        .publish("t", vec![0; 1000], QoS::AtMostOnce, false, b.now)
        .unwrap();
    assert_eq!(
        b.client.pending_output_len(),
        1006,
        "1 + 2 (remaining length) + 3 + 1000"
    );
    let mut out = Vec::new();
    assert!(b.client.poll_transmit(&mut out));
    assert_eq!(out.len(), 1006);
    assert_eq!(b.client.pending_output_len(), 0);
    assert!(!b.client.wants_write());
}

/// libmosquitto runs the connect callback before reading the next packet: a message queued in a
/// persistent session that arrives in the same read as CONNACK is decoded only after the application
/// has seen `Connected` (and subscribed), so `sending SUBSCRIBE` is traced before `received PUBLISH`.
#[test]
fn packets_after_connack_wait_until_connected_is_handled() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    let mut read = b.encode(&connack(0));
    read.extend(b.encode(&Packet::Publish(publish(
        "q",
        b"queued",
        QoS::AtMostOnce,
        0,
    ))));
    b.send_bytes(&read);
    let mut seen = Vec::new();
    while let Some(event) = b.client.poll_event() {
        if matches!(event, Event::Connected { .. }) {
            b.client
                .subscribe(&[("q".to_string(), QoS::AtMostOnce)], b.now)
                .unwrap();
        }
        seen.push(event);
    }
    let names: Vec<&str> = seen
        .iter()
        .map(|event| match event {
            Event::Received(PacketInfo::ConnAck { .. }) => "received CONNACK",
            Event::Connected { .. } => "connected",
            Event::Sent(PacketInfo::Subscribe { .. }) => "sending SUBSCRIBE",
            Event::Received(PacketInfo::Publish { .. }) => "received PUBLISH",
            Event::Message(_) => "message",
            _ => "other",
        })
        .collect();
    assert_eq!(
        names,
        [
            "received CONNACK",
            "connected",
            "sending SUBSCRIBE",
            "received PUBLISH",
            "message"
        ]
    );
}

/// A broker that refuses and closes at once: the application still gets to send DISCONNECT (as
/// mosquitto_sub does from its connect callback) before the end of the connection is processed.
#[test]
fn refusal_followed_by_eof_still_lets_the_application_disconnect() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    b.send(connack(5));
    b.client.handle_eof();
    assert_eq!(
        b.client.poll_event(),
        Some(Event::Received(PacketInfo::ConnAck {
            code: 5,
            assigned_client_id: None,
        }))
    );
    assert_eq!(
        b.client.poll_event(),
        Some(Event::Closed(ConnectionError::Refused(5)))
    );
    b.client.disconnect(b.now);
    assert_eq!(
        b.client.poll_event(),
        Some(Event::Sent(PacketInfo::Disconnect))
    );
    assert_eq!(b.client.poll_event(), None);
    assert!(b.client.is_closed());
}

/// A broker that lost the session (clean session, or a restart without its state) would answer a
/// resent PUBREL with PUBCOMP and the message would never be delivered: without session-present, a
/// QoS 2 message already PUBREC'd is published again (DUP=1) and its flow restarts.
#[test]
fn released_qos2_is_published_again_when_the_session_is_gone() {
    let mut b = Broker::connected(options());
    assert_eq!(
        b.client
            .publish("q2", b"two".to_vec(), QoS::ExactlyOnce, false, b.now),
        Ok(1)
    );
    b.send(Packet::PubRec(ack(1)));
    b.bytes();
    b.events();
    b.client.handle_eof();
    b.events();
    b.client.connect(b.now);
    b.bytes();
    b.send(Packet::ConnAck(ConnAck {
        session_present: false,
        code: 0,
        ..Default::default()
    }));
    assert_eq!(
        b.packets(),
        vec![Packet::Publish(Publish {
            dup: true,
            ..publish("q2", b"two", QoS::ExactlyOnce, 1)
        })]
    );
    b.events();
    b.send(Packet::PubRec(ack(1)));
    assert_eq!(b.packets(), vec![Packet::PubRel(ack(1))]);
    b.send(Packet::PubComp(ack(1)));
    assert!(b.events().contains(&Event::Published { mid: 1 }));
    assert_eq!(b.client.inflight_count(), 0);
}

// ---- MQTT 5 ----

fn v5_options() -> ClientOptions {
    ClientOptions {
        version: Version::V5,
        ..options()
    }
}

fn connack_v5(code: u8, properties: Properties) -> Packet {
    Packet::ConnAck(ConnAck {
        session_present: false,
        code,
        properties,
    })
}

/// Bytes from a hex string (spaces allowed), e.g. a packet recorded from mosquitto_pub.
fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).expect("ascii");
            u8::from_str_radix(pair, 16).expect("hex digit")
        })
        .collect()
}

impl Broker {
    /// A v5 client connected by a CONNACK with `properties`, CONNECT and events consumed.
    fn connected_v5(options: ClientOptions, properties: Properties) -> Broker {
        let mut b = Broker::new(options);
        b.client.connect(b.now);
        assert!(matches!(b.packets()[..], [Packet::Connect(_)]));
        b.send(connack_v5(0, properties));
        b.events();
        assert!(b.client.is_connected());
        b
    }
}

fn received_connack(code: u8) -> Event {
    Event::Received(PacketInfo::ConnAck {
        code,
        assigned_client_id: None,
    })
}

// The CONNECTs below were recorded from mosquitto_pub 2.0.11 (`-V 5 -i p1` plus the options named).
#[test]
fn v5_connect_bytes_match_mosquitto_pub() {
    use super::codec::Property;
    let cases = [
        (
            // --will-topic w --will-payload z -D will content-type t
            ClientOptions {
                client_id: "p1".into(),
                will: Some(Will {
                    topic: "w".into(),
                    payload: b"z".to_vec(),
                    properties: Properties::new().with(Property::ContentType("t".into())),
                    ..Default::default()
                }),
                connect_properties: Properties::new().with(Property::ReceiveMaximum(20)),
                ..v5_options()
            },
            "101d00044d5154540506003c0321001400027031040300017400017700017a",
        ),
        (
            // -c -x 30
            ClientOptions {
                client_id: "p1".into(),
                clean_session: false,
                connect_properties: Properties::new()
                    .with(Property::SessionExpiryInterval(30))
                    .with(Property::ReceiveMaximum(20)),
                ..v5_options()
            },
            "101700044d5154540500003c08110000001e21001400027031",
        ),
        (
            // -D connect user-property a b -D connect session-expiry-interval 9
            ClientOptions {
                client_id: "p1".into(),
                connect_properties: Properties::new()
                    .with(Property::UserProperty("a".into(), "b".into()))
                    .with(Property::SessionExpiryInterval(9))
                    .with(Property::ReceiveMaximum(20)),
                ..v5_options()
            },
            "101e00044d5154540502003c0f26000161000162110000000921001400027031",
        ),
    ];
    for (options, expected) in cases {
        let mut b = Broker::new(options);
        b.client.connect(b.now);
        assert_eq!(b.events(), vec![Event::Sent(PacketInfo::Connect)]);
        assert_eq!(b.bytes(), hex(expected));
    }
    // 3.1.1 ignores the MQTT 5 fields.
    let mut b = Broker::new(ClientOptions {
        connect_properties: Properties::new().with(Property::ReceiveMaximum(20)),
        ..options()
    });
    b.client.connect(b.now);
    assert_eq!(b.bytes(), hex("100e00044d515454 0402003c 00026331"));
}

#[test]
fn v5_connack_properties_become_server_limits() {
    use super::client::ServerLimits;
    use super::codec::Property;
    let mut b = Broker::new(v5_options());
    assert_eq!(b.client.server_limits(), &ServerLimits::default());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    let properties = Properties::new()
        .with(Property::TopicAliasMaximum(3))
        .with(Property::ServerKeepAlive(30))
        .with(Property::RetainAvailable(0))
        .with(Property::MaximumPacketSize(1000))
        .with(Property::ReceiveMaximum(20))
        .with(Property::MaximumQoS(1));
    b.send(connack_v5(0, properties.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_connack(0),
            Event::Connected {
                session_present: false
            }
        ]
    );
    assert_eq!(
        b.client.server_limits(),
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
    assert_eq!(b.client.connack_properties(), &properties);
    assert_eq!(b.client.keep_alive(), 30);
    // A new connection forgets the limits until its own CONNACK.
    b.client.connect(b.now);
    assert_eq!(b.client.server_limits(), &ServerLimits::default());
    assert!(b.client.connack_properties().is_empty());
}

#[test]
fn v5_server_keep_alive_replaces_ours_also_for_the_next_connect() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::ServerKeepAlive(5)),
    );
    assert_eq!(b.client.poll_timeout(), Some(b.at(5.0)));
    b.set_time(5.0);
    b.tick();
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::PingReq)]);
    assert_eq!(b.packets(), vec![Packet::PingReq]);
    b.set_time(10.0);
    b.tick();
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::KeepaliveTimeout)]
    );
    // libmosquitto keeps the broker's value: the next CONNECT asks for 5 seconds.
    b.client.connect(b.now);
    let packets = b.packets();
    let [Packet::Connect(connect)] = &packets[..] else {
        panic!("CONNECT expected: {packets:?}");
    };
    assert_eq!(connect.keep_alive, 5);
    // Server Keep Alive 0 disables keepalive.
    b.send(connack_v5(
        0,
        Properties::new().with(Property::ServerKeepAlive(0)),
    ));
    assert_eq!(b.client.poll_timeout(), None);
}

// pub_v5_default_id: no -i, the broker assigns `auto-...`.
#[test]
fn v5_assigned_client_id_is_reported_and_kept_for_reconnects() {
    use super::codec::Property;
    let mut b = Broker::new(ClientOptions {
        client_id: String::new(),
        ..v5_options()
    });
    b.client.connect(b.now);
    b.bytes();
    b.events();
    let id = "auto-771B22C9-154B-9648-3AC9-A837E6B980B7";
    b.send(connack_v5(
        0,
        Properties::new().with(Property::AssignedClientIdentifier(id.into())),
    ));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::ConnAck {
                code: 0,
                assigned_client_id: Some(id.into())
            }),
            Event::Connected {
                session_present: false
            }
        ]
    );
    assert_eq!(b.client.client_id(), id);
    b.client.handle_eof();
    b.events();
    b.client.connect(b.now);
    let packets = b.packets();
    let [Packet::Connect(connect)] = &packets[..] else {
        panic!("CONNECT expected: {packets:?}");
    };
    assert_eq!(connect.client_id, id);
}

// Recorded with mosquitto_pub -V 5 -i p1 against a fake server: no CONNACK line, exit 2.
#[test]
fn v5_assigned_client_id_when_one_was_sent_is_a_protocol_error() {
    use super::codec::Property;
    let mut b = Broker::new(v5_options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    b.send(connack_v5(
        0,
        Properties::new().with(Property::AssignedClientIdentifier("auto-1".into())),
    ));
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Protocol(
            ProtocolError::UnexpectedAssignedClientId
        ))]
    );
    assert!(b.client.is_closed());
    assert_eq!(b.client.client_id(), "c1");
}

#[test]
fn v5_connack_refusals() {
    for code in [0x80, 0x84, 0x86, 0x87, 0x89, 0x8C, 0x95, 0x9F] {
        let mut b = Broker::new(v5_options());
        b.client.connect(b.now);
        b.bytes();
        b.events();
        b.send(connack_v5(code, Properties::new()));
        assert_eq!(
            b.events(),
            vec![
                received_connack(code),
                Event::Closed(ConnectionError::Refused(code))
            ]
        );
        assert_eq!(
            b.client.close_reason(),
            Some(&ConnectionError::Refused(code))
        );
        // rsub still says goodbye.
        b.client.disconnect(b.now);
        assert_eq!(b.events(), vec![Event::Sent(PacketInfo::Disconnect)]);
        assert_eq!(b.bytes(), vec![0xE0, 0x00]);
    }
}

// pub_v5_to_v311_only_server and a fake server sending `20 02 00 01`: mosquitto prints
// `received CONNACK (132)` and reports Unsupported Protocol Version.
#[test]
fn v3_connack_to_a_v5_connect_is_unsupported_protocol_version() {
    for chunked in [false, true] {
        let mut b = Broker::new(v5_options());
        b.client.connect(b.now);
        b.bytes();
        b.events();
        let bytes = [0x20, 0x02, 0x00, 0x01];
        if chunked {
            for byte in bytes {
                b.send_bytes(&[byte]);
            }
        } else {
            b.send_bytes(&bytes);
        }
        assert_eq!(
            b.events(),
            vec![
                received_connack(132),
                Event::Closed(ConnectionError::Refused(132))
            ]
        );
    }
    // Any other 3.x CONNACK is a malformed MQTT 5 packet (mosquitto: protocol error, no line).
    let mut b = Broker::new(v5_options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    b.send_bytes(&[0x20, 0x02, 0x00, 0x00]);
    let events = b.events();
    assert!(
        matches!(events[..], [Event::Closed(ConnectionError::Decode(_))]),
        "{events:?}"
    );
    // After CONNACK the same bytes are just a malformed packet.
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.send_bytes(&[0x20, 0x02, 0x00, 0x01]);
    let events = b.events();
    assert!(
        matches!(events[..], [Event::Closed(ConnectionError::Decode(_))]),
        "{events:?}"
    );
}

#[test]
fn v5_receive_maximum_caps_the_inflight_window() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::ReceiveMaximum(2)),
    );
    for mid in 1..=2 {
        assert_eq!(
            b.client
                .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
            Ok(mid)
        );
    }
    assert!(!b.client.can_publish());
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::ExactlyOnce, false, b.now),
        Err(CommandError::InflightWindowFull)
    );
    assert_eq!(
        b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
        Ok(3),
        "QoS 0 is not counted"
    );
    b.send(Packet::PubAck(ack(1)));
    assert!(b.client.can_publish());

    // The broker's maximum only lowers -M, it never raises it (libmosquitto replaces -M with it).
    let mut b = Broker::connected_v5(
        ClientOptions {
            max_inflight: 1,
            ..v5_options()
        },
        Properties::new().with(Property::ReceiveMaximum(5)),
    );
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(1)
    );
    assert!(!b.client.can_publish());
}

// err_pub_qos_not_supported_v5: no PUBLISH line, the application prints the error.
#[test]
fn v5_maximum_qos_refuses_a_higher_qos_without_using_an_id() {
    use super::client::PublishError;
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::MaximumQoS(0)),
    );
    assert_eq!(
        b.client.publish_with_properties(
            "t",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            Properties::new(),
            b.now
        ),
        Err(PublishError::QosNotSupported {
            maximum: QoS::AtMostOnce
        })
    );
    assert_eq!(
        b.client
            .publish("t", b"x".to_vec(), QoS::ExactlyOnce, false, b.now),
        Err(CommandError::TooLarge),
        "the 3.x-style command reports it as TooLarge"
    );
    assert!(b.events().is_empty());
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client
            .publish("t", b"x".to_vec(), QoS::AtMostOnce, false, b.now),
        Ok(1)
    );
}

// err_pub_max_packet_size_v5: the publish is silently not sent.
#[test]
fn v5_maximum_packet_size_refuses_larger_packets() {
    use super::client::PublishError;
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::MaximumPacketSize(20)),
    );
    // Topic "a", QoS 0, no properties: 6 bytes of headers, so 14 payload bytes make 20.
    assert_eq!(
        b.client.publish_with_properties(
            "a",
            vec![b'x'; 15],
            QoS::AtMostOnce,
            false,
            Properties::new(),
            b.now
        ),
        Err(PublishError::PacketTooLarge {
            size: 21,
            maximum: 20
        })
    );
    assert!(b.events().is_empty());
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client
            .publish("a", vec![b'x'; 14], QoS::AtMostOnce, false, b.now),
        Ok(1),
        "no id was used by the refused message"
    );
    assert_eq!(b.bytes().len(), 20);
    // Subscribe and unsubscribe are refused alike.
    let long = "f".repeat(20);
    assert_eq!(
        b.client
            .subscribe(&[(long.clone(), QoS::AtMostOnce)], b.now),
        Err(CommandError::TooLarge)
    );
    assert_eq!(
        b.client.unsubscribe(&long, b.now),
        Err(CommandError::TooLarge)
    );
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client.subscribe(&[("f".into(), QoS::AtMostOnce)], b.now),
        Ok(2)
    );
}

// err_pub_retain_not_available_v5: `r0` in the PUBLISH line.
#[test]
fn v5_retain_unavailable_clears_the_retain_flag() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::RetainAvailable(0)),
    );
    assert_eq!(
        b.client
            .publish("err/ret", b"x".to_vec(), QoS::AtMostOnce, true, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![
            sent_publish(QoS::AtMostOnce, 1, "err/ret", 1, false),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.bytes()[0], 0x30, "retain bit cleared");
}

#[test]
fn v5_publish_properties_are_sent_and_received() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new()
        .with(Property::MessageExpiryInterval(60))
        .with(Property::UserProperty("k".into(), "v".into()));
    assert_eq!(
        b.client.publish_with_properties(
            "t",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            properties.clone(),
            b.now
        ),
        Ok(1)
    );
    assert_eq!(
        b.bytes(),
        hex("3213 000174 0001 0c 020000003c 260001 6b 0001 76 78")
    );
    b.events();

    let incoming = Publish {
        properties: properties.clone().with(Property::SubscriptionIdentifier(7)),
        ..publish("in", b"hello", QoS::AtLeastOnce, 9)
    };
    b.send(Packet::Publish(incoming.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&incoming),
            Event::Sent(PacketInfo::PubAck { mid: 9, code: 0 }),
            Event::Message(incoming)
        ]
    );
    assert_eq!(b.bytes(), vec![0x40, 0x02, 0x00, 0x09]);
}

// A topic alias lets mosquitto_pub send later messages without a topic (pub_v5_topic_alias_repeat).
#[test]
fn v5_publish_with_a_topic_alias_and_no_topic() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let alias = Properties::new().with(Property::TopicAlias(1));
    assert_eq!(
        b.client
            .publish_with_properties("", b"x".to_vec(), QoS::AtMostOnce, false, alias, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![
            sent_publish(QoS::AtMostOnce, 1, "", 1, false),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.bytes(), hex("3007 0000 03 230001 78"));
}

// pub_v5_qos1 (RC:16), err_pub_acl_denied_v5_q1 (RC:135), pub_v5_puback_reason_string_fake.
#[test]
fn v5_puback_reason_codes() {
    use super::codec::{PacketType, Property};
    use super::event::PublishFailure;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    b.events();
    b.bytes();
    b.send(Packet::PubAck(Ack {
        packet_id: 1,
        reason_code: 0x10,
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubAck { mid: 1, code: 16 }),
            Event::Published { mid: 1 }
        ],
        "no matching subscribers is a success"
    );

    b.client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    b.events();
    b.bytes();
    let properties = Properties::new().with(Property::ReasonString("denied by test".into()));
    b.send(Packet::PubAck(Ack {
        packet_id: 2,
        reason_code: 0x87,
        properties: properties.clone(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubAck { mid: 2, code: 135 }),
            Event::PublishFailed(PublishFailure {
                mid: 2,
                ack: PacketType::PubAck,
                reason_code: 135,
                properties
            })
        ]
    );
    assert_eq!(b.client.inflight_count(), 0);
    assert!(b.bytes().is_empty());
    assert!(b.client.is_connected());
}

// err_pub_acl_denied_v5_q2: `received PUBREC (Mid: 1)`, no PUBREL, then DISCONNECT.
#[test]
fn v5_refusing_pubrec_ends_the_flow_without_pubrel() {
    use super::codec::{PacketType, Property};
    use super::event::PublishFailure;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.client
        .publish("acl/denied", b"x".to_vec(), QoS::ExactlyOnce, false, b.now)
        .unwrap();
    b.events();
    b.bytes();
    let properties = Properties::new().with(Property::ReasonString("no".into()));
    b.send(Packet::PubRec(Ack {
        packet_id: 1,
        reason_code: 0x87,
        properties: properties.clone(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRec { mid: 1, code: 135 }),
            Event::PublishFailed(PublishFailure {
                mid: 1,
                ack: PacketType::PubRec,
                reason_code: 135,
                properties
            })
        ]
    );
    assert!(b.bytes().is_empty(), "no PUBREL");
    assert_eq!(b.client.inflight_count(), 0);
    // A refusing PUBREC for an unknown id is ignored silently (no warning, no PUBREL).
    b.send(Packet::PubRec(Ack {
        packet_id: 7,
        reason_code: 0x80,
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::PubRec { mid: 7, code: 128 })]
    );
    assert!(b.bytes().is_empty());
    // A successful v5 PUBREC (with a code below 0x80) continues the flow as in 3.x.
    b.client
        .publish("t", b"x".to_vec(), QoS::ExactlyOnce, false, b.now)
        .unwrap();
    b.events();
    b.bytes();
    b.send(Packet::PubRec(Ack {
        packet_id: 2,
        reason_code: 0x10,
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRec { mid: 2, code: 16 }),
            Event::Sent(PacketInfo::PubRel { mid: 2 })
        ]
    );
    assert_eq!(b.bytes(), vec![0x62, 0x02, 0x00, 0x02]);
}

#[test]
fn v5_refusing_pubcomp_reports_the_failure() {
    use super::codec::{PacketType, Property};
    use super::event::PublishFailure;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.client
        .publish("t", b"x".to_vec(), QoS::ExactlyOnce, false, b.now)
        .unwrap();
    b.send(Packet::PubRec(ack(1)));
    b.events();
    b.bytes();
    let properties = Properties::new().with(Property::ReasonString("lost".into()));
    b.send(Packet::PubComp(Ack {
        packet_id: 1,
        reason_code: 0x92,
        properties: properties.clone(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubComp { mid: 1, code: 146 }),
            Event::PublishFailed(PublishFailure {
                mid: 1,
                ack: PacketType::PubComp,
                reason_code: 146,
                properties
            })
        ]
    );
    assert_eq!(b.client.inflight_count(), 0);
}

// err_sub_empty_topic_v5, sub_server_disconnect_v5_reason; before CONNACK recorded with a fake server.
#[test]
fn v5_server_disconnect_ends_the_connection_in_any_state() {
    use super::codec::{Disconnect, Property};
    let properties = Properties::new().with(Property::ReasonString("bye".into()));
    let disconnect = Disconnect {
        reason_code: 0x8B,
        properties,
    };
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    b.events();
    b.bytes();
    b.send(Packet::Disconnect(disconnect.clone()));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::ServerDisconnect { reason_code: 139 }),
            Event::Closed(ConnectionError::Lost)
        ]
    );
    assert!(b.client.is_closed());
    assert_eq!(b.client.close_reason(), Some(&ConnectionError::Lost));
    assert_eq!(b.client.server_disconnect(), Some(&disconnect));
    assert_eq!(
        b.client.inflight_count(),
        1,
        "the message stays in the session"
    );
    b.send(Packet::PubAck(ack(1)));
    assert!(b.events().is_empty(), "nothing is read after it");
    b.client.connect(b.now);
    assert_eq!(b.client.server_disconnect(), None);

    // Before CONNACK.
    let mut b = Broker::new(v5_options());
    b.client.connect(b.now);
    b.events();
    b.bytes();
    b.send(Packet::Disconnect(Disconnect {
        reason_code: 0x87,
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::ServerDisconnect { reason_code: 135 }),
            Event::Closed(ConnectionError::Lost)
        ]
    );
    assert_eq!(
        b.client.server_disconnect().map(|d| d.reason_code),
        Some(0x87)
    );

    // The short form (no body) is reason 0.
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.send_bytes(&[0xE0, 0x00]);
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::ServerDisconnect { reason_code: 0 }),
            Event::Closed(ConnectionError::Lost)
        ]
    );
}

// mosquitto_pub 2.0.11 against a fake server: `Client p1 received AUTH`, before or after CONNACK,
// and nothing else happens.
#[test]
fn v5_auth_is_traced_and_ignored() {
    use super::codec::Auth;
    let auth = Packet::Auth(Auth {
        reason_code: 0x18,
        properties: Properties::new(),
    });
    let mut b = Broker::new(v5_options());
    b.client.connect(b.now);
    b.events();
    b.bytes();
    b.send(auth.clone());
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::Auth { reason_code: 0x18 })]
    );
    b.send(connack_v5(0, Properties::new()));
    assert_eq!(
        b.events(),
        vec![
            received_connack(0),
            Event::Connected {
                session_present: false
            }
        ]
    );
    b.send(auth);
    assert_eq!(
        b.events(),
        vec![Event::Received(PacketInfo::Auth { reason_code: 0x18 })]
    );
    assert!(b.bytes().is_empty());
    assert!(b.client.is_connected());
}

#[test]
fn v5_disconnect_with_reason_and_properties() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.client.disconnect_with_reason(4, Properties::new(), b.now);
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::Disconnect)]);
    assert_eq!(b.bytes(), vec![0xE0, 0x01, 0x04]);
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Disconnected)]
    );

    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new().with(Property::UserProperty("c".into(), "d".into()));
    b.client.disconnect_with_reason(0, properties, b.now);
    assert_eq!(b.bytes(), hex("e009 00 07 260001 63 0001 64"));

    // 3.x has no reason code: a plain DISCONNECT.
    let mut b = Broker::connected(options());
    b.client.disconnect_with_reason(4, Properties::new(), b.now);
    assert_eq!(b.bytes(), vec![0xE0, 0x00]);
}

// sub_v5_R_and_rap_options: `Options: 0x28` for --retain-as-published with -R; 3.x prints 0x00.
#[test]
fn v5_subscribe_with_options_and_properties() {
    use super::codec::{Property, RetainHandling};
    let filters = vec![
        SubscribeFilter {
            filter: "a".into(),
            qos: QoS::AtLeastOnce,
            retain_as_published: true,
            retain_handling: RetainHandling::DoNotSend,
            ..Default::default()
        },
        SubscribeFilter {
            filter: "b".into(),
            qos: QoS::AtMostOnce,
            no_local: true,
            ..Default::default()
        },
    ];
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new().with(Property::SubscriptionIdentifier(3));
    assert_eq!(
        b.client.subscribe_with_options(&filters, properties, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![Event::Sent(PacketInfo::Subscribe {
            mid: 1,
            filters: vec![
                ("a".into(), QoS::AtLeastOnce, 0x28),
                ("b".into(), QoS::AtMostOnce, 0x04)
            ]
        })]
    );
    assert_eq!(b.bytes(), hex("820d 0001 02 0b03 000161 29 000162 04"));
    // SUBACK reason codes reach the application as they are (err_sub_denied_partial_v5: 135, 0).
    b.send(Packet::SubAck(SubAck {
        packet_id: 1,
        return_codes: vec![0x87, 0x00],
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::SubAck { mid: 1 }),
            Event::Subscribed {
                mid: 1,
                return_codes: vec![135, 0]
            }
        ]
    );

    let mut b = Broker::connected(options());
    assert_eq!(
        b.client
            .subscribe_with_options(&filters, Properties::new(), b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![Event::Sent(PacketInfo::Subscribe {
            mid: 1,
            filters: vec![
                ("a".into(), QoS::AtLeastOnce, 0),
                ("b".into(), QoS::AtMostOnce, 0)
            ]
        })]
    );
    assert_eq!(b.bytes(), hex("820a 0001 000161 01 000162 00"));
}

#[test]
fn v5_unsubscribe_with_properties_and_unsuback_reason_codes() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new().with(Property::UserProperty("u".into(), "1".into()));
    assert_eq!(
        b.client
            .unsubscribe_with_properties("a/b", properties, b.now),
        Ok(1)
    );
    b.events();
    assert_eq!(b.bytes(), hex("a20f 0001 07 260001 75 0001 31 0003 612f62"));
    b.send(Packet::UnsubAck(UnsubAck {
        packet_id: 1,
        reason_codes: vec![0x11],
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::UnsubAck { mid: 1 }),
            Event::Unsubscribed { mid: 1 }
        ]
    );
}

// mosquitto_sub 2.0.11 -V 5 against a fake server: a PUBLISH with a topic alias and no topic is a
// protocol error (exit 2), without a `received PUBLISH` line.
#[test]
fn v5_incoming_publish_without_topic_is_a_protocol_error() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let with_topic = Publish {
        properties: Properties::new().with(Property::TopicAlias(1)),
        ..publish("a", b"hello", QoS::AtMostOnce, 0)
    };
    b.send(Packet::Publish(with_topic.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&with_topic),
            Event::Message(with_topic.clone())
        ]
    );
    let aliased = Publish {
        topic: String::new(),
        ..with_topic
    };
    b.send(Packet::Publish(aliased));
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Protocol(
            ProtocolError::PublishWithoutTopic
        ))]
    );
}

#[test]
fn v5_resend_after_reconnect_keeps_the_properties() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new().with(Property::ContentType("text/plain".into()));
    b.client
        .publish_with_properties(
            "t",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            properties.clone(),
            b.now,
        )
        .unwrap();
    b.bytes();
    b.client.handle_eof();
    b.events();
    b.client.connect(b.now);
    b.bytes();
    b.send(Packet::ConnAck(ConnAck {
        session_present: true,
        code: 0,
        properties: Properties::new(),
    }));
    let packets = b.packets();
    let [Packet::Publish(again)] = &packets[..] else {
        panic!("one PUBLISH expected: {packets:?}");
    };
    assert!(again.dup);
    assert_eq!(again.properties, properties);
}

// err_pub_message_too_large_sizelimit_v5_q1/q2: the mosquitto broker answers with 149, which MQTT 5
// does not list for PUBACK/PUBREC; libmosquitto 2.0.11 takes any code there (fake server: PUBACK 66
// is `RC:66`, PUBREC 66 gets its PUBREL).
#[test]
fn v5_unlisted_reason_codes_are_taken_as_libmosquitto_does() {
    use super::codec::PacketType;
    use super::event::PublishFailure;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    b.client
        .publish("t", b"x".to_vec(), QoS::ExactlyOnce, false, b.now)
        .unwrap();
    b.client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    b.client
        .publish("t", b"x".to_vec(), QoS::ExactlyOnce, false, b.now)
        .unwrap();
    b.events();
    b.bytes();
    // PUBACK 149 with a property, PUBREC 149 short form, PUBACK 66, PUBREC 66.
    b.send_bytes(&hex(
        "4008 0001 95 04 1f000178  5003 0002 95  4003 0003 42  5003 0004 42",
    ));
    let failure = |mid, ack, properties| {
        Event::PublishFailed(PublishFailure {
            mid,
            ack,
            reason_code: 149,
            properties,
        })
    };
    use super::codec::Property;
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubAck { mid: 1, code: 149 }),
            failure(
                1,
                PacketType::PubAck,
                Properties::new().with(Property::ReasonString("x".into()))
            ),
            Event::Received(PacketInfo::PubRec { mid: 2, code: 149 }),
            failure(2, PacketType::PubRec, Properties::new()),
            Event::Received(PacketInfo::PubAck { mid: 3, code: 66 }),
            Event::Published { mid: 3 },
            Event::Received(PacketInfo::PubRec { mid: 4, code: 66 }),
            Event::Sent(PacketInfo::PubRel { mid: 4 }),
        ]
    );
    assert_eq!(b.bytes(), vec![0x62, 0x02, 0x00, 0x04]);
    b.send_bytes(&hex("7003 0004 42"));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubComp { mid: 4, code: 66 }),
            Event::Published { mid: 4 }
        ]
    );
    // An unlisted DISCONNECT reason is still a server DISCONNECT.
    b.send_bytes(&hex("e001 05"));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::ServerDisconnect { reason_code: 5 }),
            Event::Closed(ConnectionError::Lost)
        ]
    );

    // An MQTT 5 CONNACK with the unlisted code 1 is a refusal with that code (mosquitto_pub:
    // `Connection error: Granted QoS 1`, exit 1).
    let mut b = Broker::new(v5_options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    b.send_bytes(&hex("2003 00 01 00"));
    assert_eq!(
        b.events(),
        vec![
            received_connack(1),
            Event::Closed(ConnectionError::Refused(1))
        ]
    );

    // PUBREL is validated (libmosquitto accepts only 0 and 146 there): a malformed packet.
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.send_bytes(&hex("6203 0001 42"));
    let events = b.events();
    assert!(
        matches!(events[..], [Event::Closed(ConnectionError::Decode(_))]),
        "{events:?}"
    );
    // A broken property list after an unlisted code is still malformed.
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    b.client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    b.events();
    b.send_bytes(&hex("4005 0001 95 02 01"));
    let events = b.events();
    assert!(
        matches!(events[..], [Event::Closed(ConnectionError::Decode(_))]),
        "{events:?}"
    );
}

// ---- what the driver's read batching relies on ----

#[test]
fn awaited_ack_bytes_counts_four_bytes_per_message_in_flight_and_nothing_before_connack() {
    let mut b = Broker::connected(options());
    assert_eq!(b.client.awaited_ack_bytes(), 0);
    for i in 0..3u8 {
        b.client
            .publish("t", vec![i], QoS::AtLeastOnce, false, b.now)
            .expect("window has room");
    }
    b.client
        .publish("t", vec![9], QoS::ExactlyOnce, false, b.now)
        .expect("window has room");
    b.client
        .publish("t", vec![0], QoS::AtMostOnce, false, b.now)
        .expect("QoS 0 is always accepted");
    b.bytes();
    // Three PUBACKs and one PUBREC are due, each at least 4 bytes on the wire.
    assert_eq!(b.client.awaited_ack_bytes(), 16);
    b.send(Packet::PubAck(ack(1)));
    assert_eq!(b.client.awaited_ack_bytes(), 12);
    // After PUBREC the QoS 2 message still awaits its PUBCOMP.
    b.send(Packet::PubRec(ack(4)));
    assert_eq!(b.client.awaited_ack_bytes(), 12);
    b.send(Packet::PubComp(ack(4)));
    assert_eq!(b.client.awaited_ack_bytes(), 8);
    // A lost connection keeps the messages for a resend, but nothing is awaited until CONNACK.
    b.client.handle_eof();
    assert_eq!(b.client.awaited_ack_bytes(), 0);
    b.client.connect(b.now);
    assert_eq!(b.client.awaited_ack_bytes(), 0);
    b.send(connack(0));
    b.events();
    assert_eq!(b.client.awaited_ack_bytes(), 8);
}

#[test]
fn received_packets_counts_every_decoded_packet_across_reads_and_connections() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    assert_eq!(b.client.received_packets(), 0);
    b.send(connack(0));
    b.events();
    assert_eq!(b.client.received_packets(), 1);
    let mut burst = Vec::new();
    for i in 0..5u8 {
        burst.extend(b.encode(&Packet::Publish(publish("t", &[i], QoS::AtMostOnce, 0))));
    }
    // Split mid-packet: only complete packets count.
    b.send_bytes(&burst[..7]);
    assert_eq!(b.client.received_packets(), 2);
    b.send_bytes(&burst[7..]);
    assert_eq!(b.client.received_packets(), 6);
    b.client.handle_eof();
    b.client.connect(b.now);
    b.send(connack(0));
    assert_eq!(b.client.received_packets(), 7);
}

// ---- large payloads: shared on the way out, taken over from the read buffer on the way in ----

use super::client::{OWNED_FRAME_MIN, SHARED_PAYLOAD_MIN};
use super::transmit::Transmit;

/// Distinct bytes, so a misplaced slice shows.
fn large_payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

impl Broker {
    /// What the driver gets from one `poll_transmit_queue`: the chunks of a vectored write, in order.
    fn chunks(&mut self) -> Transmit {
        let mut queue = Transmit::new();
        self.client.poll_transmit_queue(&mut queue);
        queue
    }
}

fn chunk_bytes(queue: &Transmit) -> Vec<u8> {
    let mut bytes = Vec::new();
    queue.copy_to(&mut bytes);
    bytes
}

/// The chunk that starts at address `at` (a payload queued without a copy), if there is one.
fn chunk_at(queue: &Transmit, at: *const u8) -> Option<usize> {
    queue
        .slices()
        .find(|slice| slice.as_ptr() == at)
        .map(<[u8]>::len)
}

#[test]
fn large_qos0_publish_goes_out_from_where_its_payload_is_in_wire_order() {
    let mut b = Broker::connected(options());
    let payload = large_payload(SHARED_PAYLOAD_MIN);
    let at = payload.as_ptr();
    let big = publish("big", &payload, QoS::AtMostOnce, 0);
    let before = publish("a", b"1", QoS::AtMostOnce, 0);
    let after = publish("c", b"3", QoS::AtMostOnce, 0);
    assert_eq!(
        b.client
            .publish("a", b"1".to_vec(), QoS::AtMostOnce, false, b.now),
        Ok(1)
    );
    assert_eq!(
        b.client
            .publish("big", payload, QoS::AtMostOnce, false, b.now),
        Ok(2)
    );
    assert_eq!(
        b.client
            .publish("c", b"3".to_vec(), QoS::AtMostOnce, false, b.now),
        Ok(3)
    );
    b.client.disconnect(b.now);
    let expected = [
        b.encode(&Packet::Publish(before)),
        b.encode(&Packet::Publish(big.clone())),
        b.encode(&Packet::Publish(after)),
        vec![0xE0, 0x00],
    ]
    .concat();
    // Back-pressure counts the payload although it is not in the output buffer.
    assert_eq!(b.client.pending_output_len(), expected.len());
    assert!(b.client.wants_write());
    assert!(!b.client.is_closed(), "DISCONNECT not handed out yet");

    let queue = b.chunks();
    assert_eq!(chunk_bytes(&queue), expected);
    // Header chunk, the payload itself (not a copy), then what was queued after it.
    assert_eq!(queue.slices().count(), 3);
    assert_eq!(chunk_at(&queue, at), Some(SHARED_PAYLOAD_MIN));
    assert_eq!(b.client.pending_output_len(), 0);
    assert!(!b.client.wants_write());
    assert!(
        b.client.is_closed(),
        "DISCONNECT was the last packet handed out"
    );
    assert_eq!(
        b.events(),
        vec![
            sent_publish(QoS::AtMostOnce, 1, "a", 1, false),
            Event::Published { mid: 1 },
            sent_publish(QoS::AtMostOnce, 2, "big", SHARED_PAYLOAD_MIN, false),
            Event::Published { mid: 2 },
            sent_publish(QoS::AtMostOnce, 3, "c", 1, false),
            Event::Published { mid: 3 },
            Event::Sent(PacketInfo::Disconnect),
            Event::Closed(ConnectionError::Disconnected),
        ]
    );
}

#[test]
fn payloads_below_the_threshold_are_copied_and_poll_transmit_copies_everything() {
    let mut b = Broker::connected(options());
    let small = large_payload(SHARED_PAYLOAD_MIN - 1);
    let small_at = small.as_ptr();
    b.client
        .publish("s", small.clone(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    let queue = b.chunks();
    assert_eq!(
        queue.slices().count(),
        1,
        "one buffer: the payload was copied"
    );
    assert_eq!(chunk_at(&queue, small_at), None);
    assert_eq!(
        chunk_bytes(&queue),
        b.encode(&Packet::Publish(publish("s", &small, QoS::AtLeastOnce, 1)))
    );
    // The copying `poll_transmit` gives the same bytes for a shared payload.
    let large = large_payload(SHARED_PAYLOAD_MIN * 3);
    b.client
        .publish("l", large.clone(), QoS::AtLeastOnce, true, b.now)
        .unwrap();
    b.client.handle_timeout(b.at(60.0));
    assert_eq!(
        b.bytes(),
        [
            b.encode(&Packet::Publish(Publish {
                retain: true,
                ..publish("l", &large, QoS::AtLeastOnce, 2)
            })),
            vec![0xC0, 0x00],
        ]
        .concat(),
        "PINGREQ queued after the payload follows it"
    );
}

#[test]
fn large_publish_counts_as_output_for_the_keepalive() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.send(connack(0));
    b.bytes();
    b.events();
    b.set_time(4.0);
    b.send(Packet::Publish(publish("in", b"x", QoS::AtMostOnce, 0)));
    b.set_time(5.0);
    b.client
        .publish(
            "t",
            large_payload(SHARED_PAYLOAD_MIN),
            QoS::AtMostOnce,
            false,
            b.now,
        )
        .unwrap();
    // min(output 5, input 4) + 10.
    assert_eq!(b.client.poll_timeout(), Some(b.at(14.0)));
}

#[test]
fn large_qos1_payload_is_shared_with_the_inflight_store_and_resent_with_dup() {
    let mut b = Broker::connected(options());
    let payload = large_payload(200_000);
    let at = payload.as_ptr();
    let first = publish("big/1", &payload, QoS::AtLeastOnce, 1);
    assert_eq!(
        b.client
            .publish("big/1", payload, QoS::AtLeastOnce, false, b.now),
        Ok(1)
    );
    let queue = b.chunks();
    assert_eq!(
        chunk_bytes(&queue),
        b.encode(&Packet::Publish(first.clone()))
    );
    assert_eq!(chunk_at(&queue, at), Some(200_000));
    drop(queue);
    b.events();

    // Lost before the PUBACK: resent from the same buffer, with DUP, after the next CONNACK.
    b.client.handle_eof();
    assert_eq!(b.events(), vec![Event::Closed(ConnectionError::Lost)]);
    b.client.connect(b.now);
    b.bytes();
    b.send(connack(0));
    assert_eq!(
        b.events(),
        vec![
            Event::Sent(PacketInfo::Connect),
            received_connack(0),
            Event::Connected {
                session_present: false
            },
            sent_publish(QoS::AtLeastOnce, 1, "big/1", 200_000, true),
        ]
    );
    let queue = b.chunks();
    let resent = Publish { dup: true, ..first };
    // Exact wire image: 0x3A (PUBLISH, DUP, QoS 1), remaining length 200,009 in three bytes, topic,
    // packet id 1, then the payload.
    let wire = chunk_bytes(&queue);
    assert_eq!(
        wire[..14],
        [
            0x3A, 0xC9, 0x9A, 0x0C, 0x00, 0x05, b'b', b'i', b'g', b'/', b'1', 0x00, 0x01, 0x00
        ]
    );
    assert_eq!(wire, b.encode(&Packet::Publish(resent)));
    assert_eq!(chunk_at(&queue, at), Some(200_000));
    drop(queue);

    b.send(Packet::PubAck(ack(1)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubAck { mid: 1, code: 0 }),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.client.inflight_count(), 0);
}

#[test]
fn large_qos2_message_resent_as_pubrel_or_publish_after_reconnects() {
    let mut b = Broker::connected(options());
    let payload = large_payload(SHARED_PAYLOAD_MIN + 1);
    let at = payload.as_ptr();
    let original = Publish {
        retain: true,
        ..publish("q2", &payload, QoS::ExactlyOnce, 1)
    };
    b.client
        .publish("q2", payload, QoS::ExactlyOnce, true, b.now)
        .unwrap();
    assert_eq!(
        chunk_bytes(&b.chunks()),
        b.encode(&Packet::Publish(original.clone()))
    );
    b.send(Packet::PubRec(ack(1)));
    assert_eq!(b.packets(), vec![Packet::PubRel(ack(1))]);
    b.events();

    // The broker kept the session: only PUBREL again.
    b.client.handle_eof();
    b.client.connect(b.now);
    b.bytes();
    b.send(Packet::ConnAck(ConnAck {
        session_present: true,
        code: 0,
        ..Default::default()
    }));
    assert_eq!(b.packets(), vec![Packet::PubRel(ack(1))]);
    // It lost the session: the whole message again, DUP set, from the same buffer.
    b.client.handle_eof();
    b.client.connect(b.now);
    b.bytes();
    b.events();
    b.send(connack(0));
    let queue = b.chunks();
    assert_eq!(
        chunk_bytes(&queue),
        b.encode(&Packet::Publish(Publish {
            dup: true,
            ..original
        }))
    );
    assert_eq!(chunk_at(&queue, at), Some(SHARED_PAYLOAD_MIN + 1));
    assert!(b.events().contains(&Event::Sent(PacketInfo::Publish {
        dup: true,
        qos: QoS::ExactlyOnce,
        retain: true,
        mid: 1,
        topic: "q2".into(),
        payload_len: SHARED_PAYLOAD_MIN + 1,
    })));
    b.send(Packet::PubRec(ack(1)));
    assert_eq!(b.packets(), vec![Packet::PubRel(ack(1))]);
    b.send(Packet::PubComp(ack(1)));
    assert!(b.events().contains(&Event::Published { mid: 1 }));
    assert_eq!(b.client.inflight_count(), 0);
}

#[test]
fn v5_maximum_packet_size_is_checked_for_a_shared_payload_without_encoding_it() {
    use super::client::PublishError;
    use super::codec::Property;
    // Topic "a", QoS 1, no properties: 10 header bytes (first byte, a 3-byte remaining length, topic,
    // packet id, property length).
    let maximum = SHARED_PAYLOAD_MIN as u32 + 100;
    let fits = SHARED_PAYLOAD_MIN + 100 - 10;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::MaximumPacketSize(maximum)),
    );
    assert_eq!(
        b.client.publish_with_properties(
            "a",
            vec![b'x'; fits + 1],
            QoS::AtLeastOnce,
            false,
            Properties::new(),
            b.now
        ),
        Err(PublishError::PacketTooLarge {
            size: maximum as usize + 1,
            maximum
        })
    );
    assert!(b.events().is_empty());
    assert!(!b.client.wants_write());
    assert_eq!(b.client.inflight_count(), 0);
    assert_eq!(
        b.client
            .publish("a", vec![b'x'; fits], QoS::AtLeastOnce, false, b.now),
        Ok(1),
        "no id was used by the refused message"
    );
    assert_eq!(b.bytes().len(), maximum as usize);
}

/// The same incoming messages, fed whole or in pieces of many sizes (a small packet before the large
/// one in the same read, the next packet in the same read as its end), give the same events and
/// answers.
#[test]
fn large_incoming_publish_in_pieces_gives_the_same_message() {
    for version in [Version::V311, Version::V5] {
        let b = Broker::new(ClientOptions {
            version,
            ..options()
        });
        let big = Publish {
            properties: if version == Version::V5 {
                Properties::new().with(super::codec::Property::ContentType("x".into()))
            } else {
                Properties::new()
            },
            ..publish(
                "in/big",
                &large_payload(OWNED_FRAME_MIN * 4 + 3),
                QoS::AtLeastOnce,
                7,
            )
        };
        let packets = [
            connack(0),
            Packet::Publish(publish("in/small", b"s", QoS::AtMostOnce, 0)),
            Packet::Publish(big.clone()),
            Packet::Publish(publish("in/after", b"z", QoS::ExactlyOnce, 8)),
            Packet::PubRel(ack(8)),
        ];
        let bytes: Vec<u8> = packets.iter().flat_map(|p| b.encode(p)).collect();
        let run = |chunks: Vec<&[u8]>| {
            let mut b = Broker::new(ClientOptions {
                version,
                ..options()
            });
            b.client.connect(b.now);
            b.bytes();
            b.events();
            let mut events = Vec::new();
            for chunk in chunks {
                b.send_bytes(chunk);
                // Decoding pauses after CONNACK until the application has seen `Connected`: handle
                // events after every read, as the application does.
                events.extend(b.events());
            }
            (events, b.packets())
        };
        let whole = run(vec![&bytes]);
        assert!(
            whole.0.contains(&Event::Message(big.clone())),
            "{version:?}"
        );
        assert_eq!(
            whole.1,
            vec![
                Packet::PubAck(ack(7)),
                Packet::PubRec(ack(8)),
                Packet::PubComp(ack(8))
            ]
        );
        for size in [1000, 4096, 65_536, 65_537, 100_000, 300_000] {
            assert_eq!(
                run(bytes.chunks(size).collect()),
                whole,
                "{version:?}, chunks of {size}"
            );
        }
        // Split inside the large packet's fixed header.
        let connack_len = b.encode(&connack(0)).len();
        let small_len = b.encode(&packets[1]).len();
        let split = connack_len + small_len + 2;
        assert_eq!(
            run(vec![
                &bytes[..split],
                &bytes[split..split + 70_000],
                &bytes[split + 70_000..]
            ]),
            whole,
            "{version:?}, split in the fixed header"
        );
    }
}

/// `rpub --repeat`: one shared buffer published several times goes out exactly as owned copies
/// would, small or large, at every QoS; a large one is never copied (every repeat's payload chunk
/// is the caller's buffer).
#[test]
fn a_shared_payload_published_repeatedly_is_sent_like_owned_copies() {
    for len in [5, SHARED_PAYLOAD_MIN] {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let shared = std::sync::Arc::new(large_payload(len));
            let mut ours = Broker::connected(options());
            let mut owned = Broker::connected(options());
            let mut queue = Transmit::new();
            for _ in 0..3 {
                let mid =
                    ours.client
                        .publish("r", std::sync::Arc::clone(&shared), qos, false, ours.now);
                let expected_mid =
                    owned
                        .client
                        .publish("r", shared.to_vec(), qos, false, owned.now);
                assert_eq!(mid, expected_mid, "{len} bytes, {qos:?}");
                ours.client.poll_transmit_queue(&mut queue);
            }
            let copies = queue
                .slices()
                .filter(|slice| slice.as_ptr() == shared.as_ptr())
                .count();
            let expected_copies = if len >= SHARED_PAYLOAD_MIN { 3 } else { 0 };
            assert_eq!(copies, expected_copies, "{len} bytes, {qos:?}");
            assert_eq!(chunk_bytes(&queue), owned.bytes(), "{len} bytes, {qos:?}");
            assert_eq!(ours.events(), owned.events(), "{len} bytes, {qos:?}");
        }
    }
}
