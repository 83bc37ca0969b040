//! Incoming messages at QoS 0, 1 and 2: acknowledgements and when each is delivered.

use super::*;

// ---- incoming publish ----

#[test]
fn incoming_qos0() {
    let mut b = Broker::connected(options());
    let p = publish("in/0", b"zero", QoS::AtMostOnce, 0);
    b.send(Packet::Publish(p.clone()));
    assert_eq!(b.events(), vec![received_publish(&p), Event::Message(p)]);
    assert!(b.bytes().is_empty());
}

#[test]
fn incoming_qos1() {
    let mut b = Broker::connected(options());
    let p = Publish {
        retain: true,
        ..publish("in/1", b"one", QoS::AtLeastOnce, 7)
    };
    b.send(Packet::Publish(p.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&p),
            Event::Sent(PacketInfo::PubAck { mid: 7, code: 0 }),
            Event::Message(p)
        ]
    );
    assert_eq!(b.bytes(), vec![0x40, 0x02, 0x00, 0x07]);
}

#[test]
fn incoming_qos2_delivered_on_pubrel() {
    let mut b = Broker::connected(options());
    let p = publish("in/2", b"two", QoS::ExactlyOnce, 7);
    b.send(Packet::Publish(p.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&p),
            Event::Sent(PacketInfo::PubRec { mid: 7, code: 0 })
        ]
    );
    assert_eq!(b.bytes(), vec![0x50, 0x02, 0x00, 0x07]);
    assert_eq!(b.client.incoming_qos2_count(), 1);

    b.send(Packet::PubRel(ack(7)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRel { mid: 7 }),
            Event::Sent(PacketInfo::PubComp { mid: 7, code: 0 }),
            Event::Message(p)
        ]
    );
    assert_eq!(b.bytes(), vec![0x70, 0x02, 0x00, 0x07]);
    assert_eq!(b.client.incoming_qos2_count(), 0);
}

#[test]
fn duplicate_incoming_qos2_is_delivered_once() {
    let mut b = Broker::connected(options());
    let first = publish("in/2", b"first", QoS::ExactlyOnce, 300);
    let again = Publish {
        dup: true,
        ..first.clone()
    };
    b.send(Packet::Publish(first.clone()));
    b.send(Packet::Publish(again.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&first),
            Event::Sent(PacketInfo::PubRec { mid: 300, code: 0 }),
            received_publish(&again),
            Event::Sent(PacketInfo::PubRec { mid: 300, code: 0 }),
        ]
    );
    assert_eq!(
        b.packets(),
        vec![Packet::PubRec(ack(300)), Packet::PubRec(ack(300))]
    );
    assert_eq!(b.client.incoming_qos2_count(), 1);

    b.send(Packet::PubRel(ack(300)));
    b.send(Packet::PubRel(ack(300)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRel { mid: 300 }),
            Event::Sent(PacketInfo::PubComp { mid: 300, code: 0 }),
            Event::Message(first),
            Event::Received(PacketInfo::PubRel { mid: 300 }),
            Event::Sent(PacketInfo::PubComp { mid: 300, code: 0 }),
        ]
    );
    assert_eq!(
        b.packets(),
        vec![Packet::PubComp(ack(300)), Packet::PubComp(ack(300))]
    );
}

#[test]
fn unknown_pubrel_is_completed_without_delivery() {
    let mut b = Broker::connected(options());
    b.send(Packet::PubRel(ack(11)));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PubRel { mid: 11 }),
            Event::Sent(PacketInfo::PubComp { mid: 11, code: 0 })
        ]
    );
    assert_eq!(b.packets(), vec![Packet::PubComp(ack(11))]);
}

#[test]
fn incoming_qos2_survives_a_reconnect() {
    let mut b = Broker::connected(options());
    let p = publish("in/2", b"kept", QoS::ExactlyOnce, 9);
    b.send(Packet::Publish(p.clone()));
    b.client.handle_eof();
    assert_eq!(
        b.events().last(),
        Some(&Event::Closed(ConnectionError::Lost))
    );
    b.bytes();
    b.client.connect(b.now);
    b.send(connack(0));
    b.events();
    assert_eq!(
        b.packets().len(),
        1,
        "CONNECT only: incoming state is not resent"
    );
    b.send(Packet::PubRel(ack(9)));
    assert_eq!(b.events().last(), Some(&Event::Message(p)));
}
