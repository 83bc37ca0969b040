//! The counters the driver's read batching relies on.

use super::*;

// ---- what the driver's read batching relies on ----

#[test]
fn awaited_ack_bytes_counts_four_bytes_per_message_in_flight_and_nothing_before_connack() {
    let mut b = Broker::connected(options());
    assert_eq!(b.client.awaited_ack_bytes(), 0);
    for i in 0..3u8 {
        b.client
            .publish("t", vec![i], QoS::AtLeastOnce, false, b.now)
            .expect("window has room");
    }
    b.client
        .publish("t", vec![9], QoS::ExactlyOnce, false, b.now)
        .expect("window has room");
    b.client
        .publish("t", vec![0], QoS::AtMostOnce, false, b.now)
        .expect("QoS 0 is always accepted");
    b.bytes();
    // Three PUBACKs and one PUBREC are due, each at least 4 bytes on the wire.
    assert_eq!(b.client.awaited_ack_bytes(), 16);
    b.send(Packet::PubAck(ack(1)));
    assert_eq!(b.client.awaited_ack_bytes(), 12);
    // After PUBREC the QoS 2 message still awaits its PUBCOMP.
    b.send(Packet::PubRec(ack(4)));
    assert_eq!(b.client.awaited_ack_bytes(), 12);
    b.send(Packet::PubComp(ack(4)));
    assert_eq!(b.client.awaited_ack_bytes(), 8);
    // A lost connection keeps the messages for a resend, but nothing is awaited until CONNACK.
    b.client.handle_eof();
    assert_eq!(b.client.awaited_ack_bytes(), 0);
    b.client.connect(b.now);
    assert_eq!(b.client.awaited_ack_bytes(), 0);
    b.send(connack(0));
    b.events();
    assert_eq!(b.client.awaited_ack_bytes(), 8);
}

#[test]
fn received_packets_counts_every_decoded_packet_across_reads_and_connections() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    assert_eq!(b.client.received_packets(), 0);
    b.send(connack(0));
    b.events();
    assert_eq!(b.client.received_packets(), 1);
    let mut burst = Vec::new();
    for i in 0..5u8 {
        burst.extend(b.encode(&Packet::Publish(publish("t", &[i], QoS::AtMostOnce, 0))));
    }
    // Split mid-packet: only complete packets count.
    b.send_bytes(&burst[..7]);
    assert_eq!(b.client.received_packets(), 2);
    b.send_bytes(&burst[7..]);
    assert_eq!(b.client.received_packets(), 6);
    b.client.handle_eof();
    b.client.connect(b.now);
    b.send(connack(0));
    assert_eq!(b.client.received_packets(), 7);
}
