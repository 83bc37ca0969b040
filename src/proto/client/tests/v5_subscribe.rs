//! MQTT 5 subscription options and properties, UNSUBACK reason codes.

use super::*;

// sub_v5_R_and_rap_options: `Options: 0x28` for --retain-as-published with -R; 3.x prints 0x00.
#[test]
fn v5_subscribe_with_options_and_properties() {
    use super::codec::{Property, RetainHandling};
    let filters = vec![
        SubscribeFilter {
            filter: "a".into(),
            qos: QoS::AtLeastOnce,
            retain_as_published: true,
            retain_handling: RetainHandling::DoNotSend,
            ..Default::default()
        },
        SubscribeFilter {
            filter: "b".into(),
            qos: QoS::AtMostOnce,
            no_local: true,
            ..Default::default()
        },
    ];
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new().with(Property::SubscriptionIdentifier(3));
    assert_eq!(
        b.client.subscribe_with_options(&filters, properties, b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![Event::Sent(PacketInfo::Subscribe {
            mid: 1,
            filters: vec![
                ("a".into(), QoS::AtLeastOnce, 0x28),
                ("b".into(), QoS::AtMostOnce, 0x04)
            ]
        })]
    );
    assert_eq!(b.bytes(), hex("820d 0001 02 0b03 000161 29 000162 04"));
    // SUBACK reason codes reach the application as they are (err_sub_denied_partial_v5: 135, 0).
    b.send(Packet::SubAck(SubAck {
        packet_id: 1,
        return_codes: vec![0x87, 0x00],
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::SubAck {
                mid: 1,
                return_codes: vec![0x87, 0x00]
            }),
            Event::Subscribed {
                mid: 1,
                return_codes: vec![135, 0]
            }
        ]
    );

    let mut b = Broker::connected(options());
    assert_eq!(
        b.client
            .subscribe_with_options(&filters, Properties::new(), b.now),
        Ok(1)
    );
    assert_eq!(
        b.events(),
        vec![Event::Sent(PacketInfo::Subscribe {
            mid: 1,
            filters: vec![
                ("a".into(), QoS::AtLeastOnce, 0),
                ("b".into(), QoS::AtMostOnce, 0)
            ]
        })]
    );
    assert_eq!(b.bytes(), hex("820a 0001 000161 01 000162 00"));
}

#[test]
fn v5_unsubscribe_with_properties_and_unsuback_reason_codes() {
    use super::codec::Property;
    let mut b = Broker::connected_v5(v5_options(), Properties::new());
    let properties = Properties::new().with(Property::UserProperty("u".into(), "1".into()));
    assert_eq!(
        b.client
            .unsubscribe_with_properties("a/b", properties, b.now),
        Ok(1)
    );
    b.events();
    assert_eq!(b.bytes(), hex("a20f 0001 07 260001 75 0001 31 0003 612f62"));
    b.send(Packet::UnsubAck(UnsubAck {
        packet_id: 1,
        reason_codes: vec![0x11],
        properties: Properties::new(),
    }));
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::UnsubAck { mid: 1 }),
            Event::Unsubscribed {
                mid: 1,
                reason_codes: vec![0x11]
            }
        ]
    );
}
