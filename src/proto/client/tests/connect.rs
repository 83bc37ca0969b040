//! CONNECT and CONNACK: the bytes sent, refusals, reconnecting after one.

use super::*;

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
