//! Input framing: several packets in one read, a packet split across reads at every position.

use super::*;

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
