//! MQTT 5 specifics: fields 3.x ignores, AUTH, every property in every packet that allows it (and
//! rejected everywhere else), repeats, value rules.

use super::*;

// ---------------------------------------------------------------------------------------------------
// MQTT 5 specifics

/// The packet with the MQTT 5 fields emptied: what 3.x can carry of it.
fn without_v5_fields(packet: &Packet) -> Packet {
    let mut packet = packet.clone();
    match &mut packet {
        Packet::Connect(connect) => {
            connect.properties = Properties::new();
            if let Some(will) = &mut connect.will {
                will.properties = Properties::new();
            }
        }
        Packet::ConnAck(connack) => connack.properties = Properties::new(),
        Packet::Publish(publish) => publish.properties = Properties::new(),
        Packet::PubAck(ack) | Packet::PubRec(ack) | Packet::PubRel(ack) | Packet::PubComp(ack) => {
            *ack = Ack::new(ack.packet_id);
        }
        Packet::Subscribe(subscribe) => {
            subscribe.properties = Properties::new();
            for entry in &mut subscribe.filters {
                *entry = SubscribeFilter {
                    filter: entry.filter.clone(),
                    qos: entry.qos,
                    ..Default::default()
                };
            }
        }
        Packet::SubAck(suback) => suback.properties = Properties::new(),
        Packet::Unsubscribe(unsubscribe) => unsubscribe.properties = Properties::new(),
        Packet::UnsubAck(unsuback) => *unsuback = UnsubAck::new(unsuback.packet_id),
        Packet::Disconnect(disconnect) => *disconnect = Disconnect::default(),
        Packet::Auth(auth) => *auth = Auth::default(),
        Packet::PingReq | Packet::PingResp => {}
    }
    packet
}

#[test]
fn v5_fields_are_ignored_before_v5() {
    for version in VERSIONS_3 {
        for packet in v5_sample_packets() {
            // CONNECT carries its own version: make it a 3.x CONNECT first.
            let packet = match packet {
                Packet::Connect(connect) => Packet::Connect(Connect { version, ..connect }),
                other => other,
            };
            let plain = without_v5_fields(&packet);
            let bytes = encoded(&packet, version);
            assert_eq!(bytes, encoded(&plain, version), "{version:?} {packet:?}");
            if packet.packet_type() == PacketType::Auth {
                continue;
            }
            // Decoded back, the MQTT 5 fields are empty.
            let expected = match plain {
                // 3.1 has no session present flag.
                Packet::ConnAck(connack) if version == Version::V31 => Packet::ConnAck(ConnAck {
                    session_present: false,
                    ..connack
                }),
                // MQTT 5 allows a password without a user name, 3.1.1 does not.
                Packet::Connect(connect)
                    if version == Version::V311
                        && connect.password.is_some()
                        && connect.username.is_none() =>
                {
                    assert_eq!(
                        decode(&bytes, version, NO_LIMIT),
                        Err(DecodeError::PasswordWithoutUsername)
                    );
                    continue;
                }
                // SUBACK codes beyond 3.x's four: the bytes are the same, 3.x rejects them.
                Packet::SubAck(suback) if suback.return_codes.contains(&0x8F) => {
                    assert_eq!(
                        decode(&bytes, version, NO_LIMIT),
                        Err(DecodeError::InvalidSubAckReturnCode { code: 0x8F })
                    );
                    continue;
                }
                other => other,
            };
            assert_eq!(
                decode(&bytes, version, NO_LIMIT),
                Ok(Some((expected, bytes.len()))),
                "{version:?}"
            );
        }
    }
}

#[test]
fn auth_is_a_reserved_packet_type_before_v5() {
    let auth = Packet::Auth(Auth {
        reason_code: 0x18,
        properties: Properties::new().with(Property::AuthenticationMethod("m".into())),
    });
    for version in VERSIONS_3 {
        let bytes = encoded(&auth, version);
        assert_eq!(bytes, [0xF0, 0x00]);
        // Rejected on the first byte, before the remaining length.
        assert_eq!(
            decode(&bytes[..1], version, NO_LIMIT),
            Err(DecodeError::ReservedPacketType { type_number: 15 })
        );
    }
    assert_eq!(
        decode(&[0xF0, 0x00], Version::V5, NO_LIMIT),
        Ok(Some((Packet::Auth(Auth::default()), 2)))
    );
}

/// A MQTT 5 packet whose property list in `context` is `properties`, everything else minimal.
fn packet_with_properties(context: PropertyContext, properties: Properties) -> Packet {
    let connect = |properties, will| {
        Packet::Connect(Connect {
            version: Version::V5,
            clean_session: true,
            keep_alive: 0,
            client_id: "c".into(),
            will,
            username: None,
            password: None,
            properties,
        })
    };
    let ack = |properties| Ack {
        packet_id: 1,
        reason_code: 0,
        properties,
    };
    let packet = match context {
        PropertyContext::Will => PacketType::Connect,
        PropertyContext::Packet(packet) => packet,
    };
    match packet {
        PacketType::Connect if context == PropertyContext::Will => connect(
            Properties::new(),
            Some(Will {
                topic: "w".into(),
                properties,
                ..Default::default()
            }),
        ),
        PacketType::Connect => connect(properties, None),
        PacketType::ConnAck => Packet::ConnAck(ConnAck {
            properties,
            ..Default::default()
        }),
        PacketType::Publish => Packet::Publish(Publish {
            qos: QoS::AtLeastOnce,
            topic: "t".into(),
            packet_id: 1,
            payload: b"p".to_vec(),
            properties,
            ..Default::default()
        }),
        PacketType::PubAck => Packet::PubAck(ack(properties)),
        PacketType::PubRec => Packet::PubRec(ack(properties)),
        PacketType::PubRel => Packet::PubRel(ack(properties)),
        PacketType::PubComp => Packet::PubComp(ack(properties)),
        PacketType::Subscribe => Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![SubscribeFilter {
                filter: "f".into(),
                ..Default::default()
            }],
            properties,
        }),
        PacketType::SubAck => Packet::SubAck(SubAck {
            packet_id: 1,
            return_codes: vec![0],
            properties,
        }),
        PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe {
            packet_id: 1,
            filters: vec!["f".into()],
            properties,
        }),
        PacketType::UnsubAck => Packet::UnsubAck(UnsubAck {
            packet_id: 1,
            reason_codes: vec![0],
            properties,
        }),
        PacketType::Disconnect => Packet::Disconnect(Disconnect {
            reason_code: 0,
            properties,
        }),
        PacketType::Auth => Packet::Auth(Auth {
            reason_code: 0x18,
            properties,
        }),
        PacketType::PingReq | PacketType::PingResp => unreachable!("no properties"),
    }
}

/// `copies` copies of the sample property `id`, preceded by an authentication method where CONNECT
/// requires one (authentication data alone is an error there).
fn sample_list(context: PropertyContext, id: PropertyId, copies: usize) -> Properties {
    let mut properties = Properties::new();
    if context == CONNECT_PROPERTIES && id == PropertyId::AuthenticationData {
        properties.push(sample_property(PropertyId::AuthenticationMethod));
    }
    for _ in 0..copies {
        properties.push(sample_property(id));
    }
    properties
}

#[test]
fn every_property_round_trips_in_every_packet_that_allows_it() {
    let mut combinations = 0;
    for context in PropertyContext::ALL {
        for id in PropertyId::ALL
            .into_iter()
            .filter(|id| id.is_allowed_in(context))
        {
            let packet = packet_with_properties(context, sample_list(context, id, 1));
            assert_round_trip(&packet, Version::V5);
            combinations += 1;
        }
    }
    // The number of ticks in the last column of MQTT 5.0 §2.2.2.2.
    assert_eq!(combinations, 64);
}

#[test]
fn every_property_is_rejected_where_it_is_not_allowed() {
    let mut combinations = 0;
    for context in PropertyContext::ALL {
        for id in PropertyId::ALL
            .into_iter()
            .filter(|id| !id.is_allowed_in(context))
        {
            // The encoder writes what it is given, so it builds the packet the decoder must refuse.
            let bytes = encoded(
                &packet_with_properties(context, sample_list(context, id, 1)),
                Version::V5,
            );
            assert_eq!(
                decode(&bytes, Version::V5, NO_LIMIT),
                Err(DecodeError::PropertyNotAllowed {
                    context,
                    property: id
                }),
                "{id} in {context}"
            );
            combinations += 1;
        }
    }
    assert_eq!(combinations, 14 * 27 - 64);
}

#[test]
fn only_user_properties_and_publish_subscription_identifiers_repeat() {
    let mut repeatable = 0;
    for context in PropertyContext::ALL {
        for id in PropertyId::ALL
            .into_iter()
            .filter(|id| id.is_allowed_in(context))
        {
            let packet = packet_with_properties(context, sample_list(context, id, 2));
            if id.may_repeat_in(context) {
                assert_round_trip(&packet, Version::V5);
                repeatable += 1;
            } else {
                let bytes = encoded(&packet, Version::V5);
                assert_eq!(
                    decode(&bytes, Version::V5, NO_LIMIT),
                    Err(DecodeError::DuplicateProperty {
                        context,
                        property: id
                    }),
                    "{id} twice in {context}"
                );
            }
        }
    }
    // User property in all 14 contexts, subscription identifier in PUBLISH.
    assert_eq!(repeatable, 15);
}

#[test]
fn property_value_rules() {
    let flags = [
        (PropertyId::PayloadFormatIndicator, PUBLISH_PROPERTIES),
        (PropertyId::PayloadFormatIndicator, PropertyContext::Will),
        (PropertyId::RequestProblemInformation, CONNECT_PROPERTIES),
        (PropertyId::RequestResponseInformation, CONNECT_PROPERTIES),
        (
            PropertyId::MaximumQoS,
            PropertyContext::Packet(PacketType::ConnAck),
        ),
        (
            PropertyId::RetainAvailable,
            PropertyContext::Packet(PacketType::ConnAck),
        ),
        (
            PropertyId::WildcardSubscriptionAvailable,
            PropertyContext::Packet(PacketType::ConnAck),
        ),
        (
            PropertyId::SubscriptionIdentifierAvailable,
            PropertyContext::Packet(PacketType::ConnAck),
        ),
        (
            PropertyId::SharedSubscriptionAvailable,
            PropertyContext::Packet(PacketType::ConnAck),
        ),
    ];
    let byte_property = |id, value| match id {
        PropertyId::PayloadFormatIndicator => Property::PayloadFormatIndicator(value),
        PropertyId::RequestProblemInformation => Property::RequestProblemInformation(value),
        PropertyId::RequestResponseInformation => Property::RequestResponseInformation(value),
        PropertyId::MaximumQoS => Property::MaximumQoS(value),
        PropertyId::RetainAvailable => Property::RetainAvailable(value),
        PropertyId::WildcardSubscriptionAvailable => Property::WildcardSubscriptionAvailable(value),
        PropertyId::SubscriptionIdentifierAvailable => {
            Property::SubscriptionIdentifierAvailable(value)
        }
        _ => Property::SharedSubscriptionAvailable(value),
    };
    for (id, context) in flags {
        for value in 0..=u8::MAX {
            let packet =
                packet_with_properties(context, Properties::new().with(byte_property(id, value)));
            let bytes = encoded(&packet, Version::V5);
            let result = decode(&bytes, Version::V5, NO_LIMIT);
            if value <= 1 {
                assert_eq!(result, Ok(Some((packet, bytes.len()))), "{id} = {value}");
            } else {
                assert_eq!(
                    result,
                    Err(DecodeError::InvalidPropertyValue {
                        property: id,
                        value: u32::from(value)
                    }),
                    "{id} = {value}"
                );
            }
        }
    }
    // Properties where 0 is the one forbidden value; 1 and the maximum are fine.
    type MakeProperty = fn(u32) -> Property;
    let non_zero: [(MakeProperty, PropertyContext, u32); 6] = [
        (
            Property::SubscriptionIdentifier,
            PUBLISH_PROPERTIES,
            268_435_455,
        ),
        (
            Property::SubscriptionIdentifier,
            PropertyContext::Packet(PacketType::Subscribe),
            268_435_455,
        ),
        (
            |v| Property::ReceiveMaximum(v as u16),
            CONNECT_PROPERTIES,
            65_535,
        ),
        (
            |v| Property::ReceiveMaximum(v as u16),
            PropertyContext::Packet(PacketType::ConnAck),
            65_535,
        ),
        (Property::MaximumPacketSize, CONNECT_PROPERTIES, u32::MAX),
        (
            |v| Property::TopicAlias(v as u16),
            PUBLISH_PROPERTIES,
            65_535,
        ),
    ];
    for (make, context, max) in non_zero {
        for value in [1, max] {
            let packet = packet_with_properties(context, Properties::new().with(make(value)));
            assert_round_trip(&packet, Version::V5);
        }
        let zero = make(0);
        let bytes = encoded(
            &packet_with_properties(context, Properties::new().with(zero.clone())),
            Version::V5,
        );
        assert_eq!(
            decode(&bytes, Version::V5, NO_LIMIT),
            Err(DecodeError::InvalidPropertyValue {
                property: zero.id(),
                value: 0
            }),
            "{zero:?} in {context}"
        );
    }
}
