//! SUBSCRIBE / SUBACK and UNSUBSCRIBE / UNSUBACK.

use super::*;

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
            Event::Received(PacketInfo::SubAck {
                mid: 1,
                return_codes: vec![1, 0x80]
            }),
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
        vec![Event::Received(PacketInfo::SubAck {
            mid: 1,
            return_codes: vec![0]
        })]
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
            Event::Received(PacketInfo::SubAck {
                mid,
                return_codes: vec![0]
            }),
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
            Event::Unsubscribed {
                mid: 1,
                reason_codes: Vec::new()
            }
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
            Event::Received(PacketInfo::SubAck {
                mid: sub,
                return_codes: vec![0]
            }),
            Event::Received(PacketInfo::UnsubAck { mid: unsub })
        ]
    );
}
