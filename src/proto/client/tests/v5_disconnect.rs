//! MQTT 5 DISCONNECT (the server's and ours, with reason and properties) and AUTH.

use super::*;

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
