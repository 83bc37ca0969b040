//! MQTT 5 publishing: the broker's limits, properties, topic aliases, resends.

use super::*;

#[test]
fn v5_receive_maximum_caps_the_inflight_window() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::ReceiveMaximum(2)),
    );
    for mid in 1..=2 {
        assert_eq!(
            b.client
                .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
            Ok(mid)
        );
    }
    assert!(!b.client.can_publish());
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::ExactlyOnce, false, b.now),
        Err(CommandError::InflightWindowFull)
    );
    assert_eq!(
        b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
        Ok(3),
        "QoS 0 is not counted"
    );
    b.send(Packet::PubAck(ack(1)));
    assert!(b.client.can_publish());

    // The broker's maximum only lowers -M, it never raises it (libmosquitto replaces -M with it).
    let mut b = Broker::connected_v5(
        ClientOptions {
            max_inflight: 1,
            ..v5_options()
        },
        Properties::new().with(Property::ReceiveMaximum(5)),
    );
    assert_eq!(
        b.client
            .publish("t", vec![], QoS::AtLeastOnce, false, b.now),
        Ok(1)
    );
    assert!(!b.client.can_publish());
}

// err_pub_qos_not_supported_v5: no PUBLISH line, the application prints the error.
#[test]
fn v5_maximum_qos_refuses_a_higher_qos_without_using_an_id() {
    use super::client::PublishError;
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::MaximumQoS(0)),
    );
    assert_eq!(
        b.client.publish_with_properties(
            "t",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            Properties::new(),
            b.now
        ),
        Err(PublishError::QosNotSupported {
            maximum: QoS::AtMostOnce
        })
    );
    assert_eq!(
        b.client
            .publish("t", b"x".to_vec(), QoS::ExactlyOnce, false, b.now),
        Err(CommandError::TooLarge),
        "the 3.x-style command reports it as TooLarge"
    );
    assert!(b.events().is_empty());
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client
            .publish("t", b"x".to_vec(), QoS::AtMostOnce, false, b.now),
        Ok(1)
    );
}

// err_pub_max_packet_size_v5: the publish is silently not sent.
#[test]
fn v5_maximum_packet_size_refuses_larger_packets() {
    use super::client::PublishError;
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::MaximumPacketSize(20)),
    );
    // Topic "a", QoS 0, no properties: 6 bytes of headers, so 14 payload bytes make 20.
    assert_eq!(
        b.client.publish_with_properties(
            "a",
            vec![b'x'; 15],
            QoS::AtMostOnce,
            false,
            Properties::new(),
            b.now
        ),
        Err(PublishError::PacketTooLarge {
            size: 21,
            maximum: 20
        })
    );
    assert!(b.events().is_empty());
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client
            .publish("a", vec![b'x'; 14], QoS::AtMostOnce, false, b.now),
        Ok(1),
        "no id was used by the refused message"
    );
    assert_eq!(b.bytes().len(), 20);
    // Subscribe and unsubscribe are refused alike.
    let long = "f".repeat(20);
    assert_eq!(
        b.client
            .subscribe(&[(long.clone(), QoS::AtMostOnce)], b.now),
        Err(CommandError::TooLarge)
    );
    assert_eq!(
        b.client.unsubscribe(&long, b.now),
        Err(CommandError::TooLarge)
    );
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client.subscribe(&[("f".into(), QoS::AtMostOnce)], b.now),
        Ok(2)
    );
}

// err_pub_retain_not_available_v5: `r0` in the PUBLISH line.
#[test]
fn v5_retain_unavailable_clears_the_retain_flag() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(
        v5_options(),
        Properties::new().with(Property::RetainAvailable(0)),
    );
    assert_eq!(
        b.client
            .publish("err/ret", b"x".to_vec(), QoS::AtMostOnce, true, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![
            sent_publish(QoS::AtMostOnce, 1, "err/ret", 1, false),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.bytes()[0], 0x30, "retain bit cleared");
}

#[test]
fn v5_publish_properties_are_sent_and_received() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new()
        .with(Property::MessageExpiryInterval(60))
        .with(Property::UserProperty("k".into(), "v".into()));
    assert_eq!(
        b.client.publish_with_properties(
            "t",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            properties.clone(),
            b.now
        ),
        Ok(1)
    );
    assert_eq!(
        b.bytes(),
        hex("3213 000174 0001 0c 020000003c 260001 6b 0001 76 78")
    );
    b.events();

    let incoming = Publish {
        properties: properties.clone().with(Property::SubscriptionIdentifier(7)),
        ..publish("in", b"hello", QoS::AtLeastOnce, 9)
    };
    b.send(Packet::Publish(incoming.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&incoming),
            Event::Sent(PacketInfo::PubAck { mid: 9, code: 0 }),
            Event::Message(incoming)
        ]
    );
    assert_eq!(b.bytes(), vec![0x40, 0x02, 0x00, 0x09]);
}

// A topic alias lets mosquitto_pub send later messages without a topic (pub_v5_topic_alias_repeat).
#[test]
fn v5_publish_with_a_topic_alias_and_no_topic() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let alias = Properties::new().with(Property::TopicAlias(1));
    assert_eq!(
        b.client
            .publish_with_properties("", b"x".to_vec(), QoS::AtMostOnce, false, alias, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![
            sent_publish(QoS::AtMostOnce, 1, "", 1, false),
            Event::Published { mid: 1 }
        ]
    );
    assert_eq!(b.bytes(), hex("3007 0000 03 230001 78"));
}

// mosquitto_sub 2.0.11 -V 5 against a fake server: a PUBLISH with a topic alias and no topic is a
// protocol error (exit 2), without a `received PUBLISH` line.
#[test]
fn v5_incoming_publish_without_topic_is_a_protocol_error() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let with_topic = Publish {
        properties: Properties::new().with(Property::TopicAlias(1)),
        ..publish("a", b"hello", QoS::AtMostOnce, 0)
    };
    b.send(Packet::Publish(with_topic.clone()));
    assert_eq!(
        b.events(),
        vec![
            received_publish(&with_topic),
            Event::Message(with_topic.clone())
        ]
    );
    let aliased = Publish {
        topic: String::new(),
        ..with_topic
    };
    b.send(Packet::Publish(aliased));
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Protocol(
            ProtocolError::PublishWithoutTopic
        ))]
    );
}

#[test]
fn v5_resend_after_reconnect_keeps_the_properties() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new().with(Property::ContentType("text/plain".into()));
    b.client
        .publish_with_properties(
            "t",
            b"x".to_vec(),
            QoS::AtLeastOnce,
            false,
            properties.clone(),
            b.now,
        )
        .unwrap();
    b.bytes();
    b.client.handle_eof();
    b.events();
    b.client.connect(b.now);
    b.bytes();
    b.send(Packet::ConnAck(ConnAck {
        session_present: true,
        code: 0,
        properties: Properties::new(),
    }));
    let packets = b.packets();
    let [Packet::Publish(again)] = &packets[..] else {
        panic!("one PUBLISH expected: {packets:?}");
    };
    assert!(again.dup);
    assert_eq!(again.properties, properties);
}
