//! MQTT 5 CONNECT and CONNACK: the bytes mosquitto_pub sends, server limits, server keep alive,
//! assigned client ids, refusals.

use super::*;

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
