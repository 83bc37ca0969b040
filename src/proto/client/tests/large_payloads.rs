//! Large payloads: shared on the way out, taken over from the read buffer on the way in.

use super::*;

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
