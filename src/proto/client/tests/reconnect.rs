//! Reconnecting: what is resent, in which order, and as what when the session is gone.

use super::*;

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
