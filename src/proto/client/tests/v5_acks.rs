//! MQTT 5 acknowledgements: reason codes in PUBACK, PUBREC and PUBCOMP, refusals ending a flow.

use super::*;

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
