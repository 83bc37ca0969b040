//! Outgoing messages at QoS 0, 1 and 2: their flows, the in-flight window, packet ids.

use super::*;

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
