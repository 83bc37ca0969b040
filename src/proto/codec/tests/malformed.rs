//! Malformed inputs give their exact errors (the tables are in `malformed_v3.rs` and
//! `malformed_v5.rs`); how decode and encode errors read.

use super::*;

#[test]
fn malformed_inputs_give_their_exact_error() {
    for case in malformed_inputs() {
        assert_eq!(
            decode(&case.bytes, case.version, case.max_size),
            Err(case.expected.clone()),
            "{}: {:02X?}",
            case.rule,
            case.bytes
        );
        // Fed byte by byte, the input is incomplete until the same error appears, and then stays it.
        let mut reported = false;
        for cut in 0..=case.bytes.len() {
            match decode(&case.bytes[..cut], case.version, case.max_size) {
                Ok(None) => assert!(!reported, "{}: error went away at {cut}", case.rule),
                Err(error) => {
                    assert_eq!(error, case.expected, "{}: prefix of {cut} bytes", case.rule);
                    reported = true;
                }
                Ok(Some(packet)) => panic!("{}: prefix of {cut} decoded to {packet:?}", case.rule),
            }
        }
        assert!(reported, "{}", case.rule);
    }
}

#[test]
fn every_decode_error_variant_is_covered_by_the_table() {
    // Keeps the table honest when a variant is added: this match must then be extended too.
    let covers = |error: &DecodeError| -> usize {
        match error {
            DecodeError::PacketTooLarge { .. } => 0,
            DecodeError::RemainingLengthTooLong => 1,
            DecodeError::ReservedPacketType { .. } => 2,
            DecodeError::InvalidFlags { .. } => 3,
            DecodeError::PublishQoS3 => 4,
            DecodeError::PublishDupWithQoS0 => 5,
            DecodeError::ZeroPacketId { .. } => 6,
            DecodeError::InvalidUtf8 { .. } => 7,
            DecodeError::NullCharacter { .. } => 8,
            DecodeError::StringPastEnd { .. } => 9,
            DecodeError::BodyTooShort { .. } => 10,
            DecodeError::TrailingBytes { .. } => 11,
            DecodeError::ConnAckReservedFlags { .. } => 12,
            DecodeError::InvalidSubAckReturnCode { .. } => 13,
            DecodeError::InvalidRequestedQoS { .. } => 14,
            DecodeError::NoEntries { .. } => 15,
            DecodeError::ConnectReservedFlag => 16,
            DecodeError::WillFlagsWithoutWill { .. } => 17,
            DecodeError::WillQoS3 => 18,
            DecodeError::PasswordWithoutUsername => 19,
            DecodeError::UnknownProtocolName => 20,
            DecodeError::UnknownProtocolLevel { .. } => 21,
            DecodeError::WildcardInTopicName => 22,
            DecodeError::VariableByteIntegerTooLong { .. } => 23,
            DecodeError::PropertyLengthPastEnd { .. } => 24,
            DecodeError::UnknownProperty { .. } => 25,
            DecodeError::PropertyNotAllowed { .. } => 26,
            DecodeError::DuplicateProperty { .. } => 27,
            DecodeError::InvalidPropertyValue { .. } => 28,
            DecodeError::WildcardInResponseTopic => 29,
            DecodeError::AuthenticationDataWithoutMethod => 30,
            DecodeError::InvalidReasonCode { .. } => 31,
            DecodeError::InvalidSubscriptionOptions { .. } => 32,
            DecodeError::NoLocalOnSharedSubscription => 33,
            DecodeError::EmptyTopicWithoutAlias => 34,
        }
    };
    let mut covered = [false; 35];
    for case in malformed_inputs() {
        covered[covers(&case.expected)] = true;
    }
    assert_eq!(covered, [true; 35]);
    // Every MQTT 5 variant is covered by a MQTT 5 case.
    let mut covered_in_v5 = [false; 35];
    for case in malformed_v5_inputs() {
        if case.version == Version::V5 {
            covered_in_v5[covers(&case.expected)] = true;
        }
    }
    assert!(covered_in_v5[23..].iter().all(|&covered| covered));
}

#[test]
fn decode_errors_display_the_rule() {
    let cases = [
        (
            DecodeError::PublishDupWithQoS0,
            "PUBLISH with QoS 0 has DUP set, it must be 0 (MQTT 3.1.1 §3.3.1.1)",
        ),
        (
            DecodeError::InvalidFlags {
                packet: PacketType::PubRel,
                flags: 0,
            },
            "PUBREL fixed header flags are 0x0, must be 0x2 (MQTT 3.1.1 §2.2.2)",
        ),
        (
            DecodeError::StringPastEnd {
                field: Field::TopicName,
                length: 5,
                available: 1,
            },
            "topic name declares 5 bytes but only 1 remain in the packet",
        ),
        (
            DecodeError::UnknownProtocolLevel {
                name_of: Version::V311,
                level: 6,
            },
            "CONNECT protocol MQTT with level 6, expected level 4 or 5 \
             (MQTT 3.1.1 §3.1.2.2, MQTT 5.0 §3.1.2.2)",
        ),
        (
            DecodeError::UnknownProtocolLevel {
                name_of: Version::V31,
                level: 4,
            },
            "CONNECT protocol MQIsdp with level 4, expected level 3 \
             (MQTT 3.1.1 §3.1.2.2, MQTT 5.0 §3.1.2.2)",
        ),
        (
            DecodeError::PropertyNotAllowed {
                context: PUBLISH_PROPERTIES,
                property: PropertyId::ReasonString,
            },
            "property reason-string (0x1F) is not allowed in PUBLISH properties (MQTT 5.0 §2.2.2.2)",
        ),
        (
            DecodeError::DuplicateProperty {
                context: PropertyContext::Will,
                property: PropertyId::ContentType,
            },
            "property content-type (0x03) appears more than once in CONNECT will properties, it may \
             appear at most once there (MQTT 5.0 §2.2.2.2, and the property's section of chapter 3)",
        ),
        (
            DecodeError::UnknownProperty {
                context: PropertyContext::Packet(PacketType::Auth),
                identifier: 0x2B,
            },
            "AUTH properties contain unknown property identifier 0x2B (MQTT 5.0 §2.2.2.2)",
        ),
        (
            DecodeError::InvalidPropertyValue {
                property: PropertyId::MaximumQoS,
                value: 2,
            },
            "property maximum-qos is 2, it must be 0 or 1 (MQTT 5.0 §3.2.2.3.4)",
        ),
        (
            DecodeError::InvalidPropertyValue {
                property: PropertyId::TopicAlias,
                value: 0,
            },
            "property topic-alias is 0, it must not be 0 (MQTT 5.0 §3.3.2.3.4)",
        ),
        (
            DecodeError::InvalidReasonCode {
                packet: PacketType::PubAck,
                code: 0x92,
            },
            "PUBACK reason code 0x92 is not defined for PUBACK (MQTT 5.0 §2.4)",
        ),
        (
            DecodeError::InvalidSubscriptionOptions { byte: 0x30 },
            "SUBSCRIBE subscription options byte 0x30 has retain handling 3 (MQTT 5.0 §3.8.3.1)",
        ),
        (
            DecodeError::StringPastEnd {
                field: Field::Property(PropertyId::CorrelationData),
                length: 5,
                available: 1,
            },
            "property correlation-data declares 5 bytes but only 1 remain in the packet",
        ),
        (
            DecodeError::VariableByteIntegerTooLong {
                packet: PacketType::Publish,
                field: Field::Property(PropertyId::SubscriptionIdentifier),
            },
            "PUBLISH property subscription-identifier is a variable byte integer longer than 4 bytes \
             (MQTT 5.0 §1.5.5)",
        ),
        (
            DecodeError::PacketTooLarge {
                size: 131,
                max: 100,
            },
            "packet of 131 bytes exceeds the maximum of 100",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
    // Different errors in the table never read the same: the message alone identifies the rule.
    let errors: Vec<DecodeError> = malformed_inputs()
        .into_iter()
        .map(|case| case.expected)
        .collect();
    for first in &errors {
        for second in &errors {
            if first != second {
                assert_ne!(first.to_string(), second.to_string());
            }
        }
    }
}

#[test]
fn encode_errors() {
    let long_topic = "x".repeat(65_536);
    let cases = [
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: long_topic.clone(),
            packet_id: 0,
            payload: Vec::new(),
            ..Default::default()
        }),
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![SubscribeFilter {
                filter: long_topic.clone(),
                qos: QoS::AtMostOnce,
                ..Default::default()
            }],
            ..Default::default()
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 1,
            filters: vec!["ok".into(), long_topic.clone()],
            ..Default::default()
        }),
        Packet::Connect(Connect {
            version: Version::V311,
            clean_session: true,
            keep_alive: 0,
            client_id: long_topic.clone(),
            will: None,
            username: None,
            password: None,
            properties: Properties::new(),
        }),
    ];
    for packet in cases {
        let mut out = vec![9];
        assert_eq!(
            encode(&packet, Version::V311, &mut out),
            Err(EncodeError::FieldTooLong { len: 65_536 }),
            "{:?}",
            packet.packet_type()
        );
        assert_eq!(out, [9], "nothing appended");
    }
    // MQTT 5 string and binary properties have the same limit; 3.x does not write them at all.
    let long_content_type = Packet::Publish(Publish {
        topic: "t".into(),
        properties: Properties::new().with(Property::ContentType(long_topic.clone())),
        ..Default::default()
    });
    let long_will_user_property = Packet::Connect(Connect {
        version: Version::V5,
        clean_session: true,
        keep_alive: 0,
        client_id: "c".into(),
        will: Some(Will {
            topic: "w".into(),
            properties: Properties::new().with(user("k", &long_topic)),
            ..Default::default()
        }),
        username: None,
        password: None,
        properties: Properties::new(),
    });
    let long_reason_strings = [
        Packet::ConnAck(ConnAck {
            properties: Properties::new().with(Property::ReasonString(long_topic.clone())),
            ..Default::default()
        }),
        Packet::PubAck(Ack {
            packet_id: 1,
            reason_code: 0,
            properties: Properties::new().with(Property::ReasonString(long_topic.clone())),
        }),
        Packet::SubAck(SubAck {
            packet_id: 1,
            return_codes: vec![0],
            properties: Properties::new().with(Property::ReasonString(long_topic.clone())),
        }),
        Packet::UnsubAck(UnsubAck {
            packet_id: 1,
            reason_codes: vec![0],
            properties: Properties::new().with(Property::ReasonString(long_topic.clone())),
        }),
        Packet::Disconnect(Disconnect {
            reason_code: 0,
            properties: Properties::new().with(Property::ReasonString(long_topic.clone())),
        }),
        Packet::Auth(Auth {
            reason_code: 0x18,
            properties: Properties::new().with(Property::AuthenticationData(vec![0; 65_536])),
        }),
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![SubscribeFilter::default()],
            properties: Properties::new().with(user(&long_topic, "v")),
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 1,
            filters: vec![String::new()],
            properties: Properties::new().with(user("k", &long_topic)),
        }),
    ];
    for packet in [long_content_type, long_will_user_property]
        .into_iter()
        .chain(long_reason_strings)
    {
        let mut out = vec![9];
        assert_eq!(
            encode(&packet, Version::V5, &mut out),
            Err(EncodeError::FieldTooLong { len: 65_536 }),
            "{:?}",
            packet.packet_type()
        );
        assert_eq!(out, [9], "nothing appended");
        if packet.packet_type() != PacketType::Connect {
            assert!(encode(&packet, Version::V311, &mut out).is_ok());
        }
    }
    // A MQTT 5 packet too large because of its properties.
    let huge = Packet::Publish(Publish {
        topic: "t".into(),
        payload: vec![0; MAX_REMAINING_LENGTH - 3 - 1],
        properties: Properties::new().with(Property::TopicAlias(1)),
        ..Default::default()
    });
    let mut out = Vec::new();
    assert_eq!(
        encode(&huge, Version::V5, &mut out),
        Err(EncodeError::PacketTooLarge {
            remaining_length: MAX_REMAINING_LENGTH + 3
        })
    );
    assert!(out.is_empty());
    // A field of exactly 65535 bytes is fine.
    let max_topic = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "y".repeat(65_535),
        packet_id: 0,
        payload: Vec::new(),
        ..Default::default()
    });
    assert_round_trip(&max_topic, Version::V311);
}
