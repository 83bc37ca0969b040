//! Packets a server must not send, packets in the wrong state, malformed bytes, the end of the
//! transport.

use super::*;

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
        (connect, PacketType::Connect),
        (subscribe, PacketType::Subscribe),
        (unsubscribe, PacketType::Unsubscribe),
        (
            Packet::Disconnect(Default::default()),
            PacketType::Disconnect,
        ),
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
            ProtocolError::ExpectedConnAck {
                packet_type: PacketType::Publish
            }
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

// ---- acknowledgements of the wrong kind (mosquitto_pub: MOSQ_ERR_PROTOCOL, exit 2) ----

#[test]
fn an_acknowledgement_of_the_wrong_kind_for_a_message_in_flight_is_a_protocol_error() {
    let cases = [
        (QoS::AtLeastOnce, Packet::PubRec(ack(1)), PacketType::PubRec),
        (
            QoS::AtLeastOnce,
            Packet::PubComp(ack(1)),
            PacketType::PubComp,
        ),
        (QoS::ExactlyOnce, Packet::PubAck(ack(1)), PacketType::PubAck),
    ];
    for (qos, answer, ack_type) in cases {
        let mut b = Broker::connected(options());
        assert_eq!(
            b.client.publish("t", b"x".to_vec(), qos, false, b.now),
            Ok(1)
        );
        b.events();
        b.bytes();
        b.send(answer);
        let events = b.events();
        let expected = Event::Closed(ConnectionError::Protocol(
            ProtocolError::WrongAcknowledgement {
                ack: ack_type,
                mid: 1,
                qos,
            },
        ));
        assert_eq!(
            events.last(),
            Some(&expected),
            "{qos:?} answered with {ack_type}"
        );
        assert!(
            !events
                .iter()
                .any(|event| matches!(event, Event::Warning(_) | Event::Sent(_))),
            "no \"unknown packet identifier\" warning and no PUBREL for an id in flight: {events:?}"
        );
        assert!(b.client.is_closed());
        assert!(b.bytes().is_empty());
    }
}

#[test]
fn a_refusing_pubrec_for_a_qos1_message_is_a_protocol_error() {
    let mut b = Broker::connected(v5_options());
    b.client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    b.events();
    b.bytes();
    let mut refusal = ack(1);
    refusal.reason_code = 0x87;
    b.send(Packet::PubRec(refusal));
    assert!(matches!(
        b.events().last(),
        Some(Event::Closed(ConnectionError::Protocol(
            ProtocolError::WrongAcknowledgement { .. }
        )))
    ));
}

#[test]
fn acknowledgements_of_ids_not_in_flight_stay_harmless() {
    // As libmosquitto: PUBACK and PUBCOMP of unknown ids are ignored, PUBREC warns and is released.
    let mut b = Broker::connected(options());
    b.send(Packet::PubAck(ack(9)));
    b.send(Packet::PubComp(ack(9)));
    b.send(Packet::PubRec(ack(9)));
    assert!(b.client.is_connected());
    assert!(
        b.events()
            .contains(&Event::Warning(Warning::UnknownPubRec { mid: 9 }))
    );
}
