//! Codec-wide tests: round trips for every packet type and version, every MQTT 5 property in every packet
//! that allows it (and rejected everywhere else), byte-at-a-time feeding, the table of malformed inputs,
//! and property-style tests driven by a small deterministic PRNG. Spec byte vectors live next to each
//! packet family (`primitives.rs`, `properties.rs`, `connect.rs`, `publish.rs`, `subscribe.rs`).

use super::properties::tests::sample as sample_property;
use super::*;

const NO_LIMIT: usize = usize::MAX;
const VERSIONS_3: [Version; 2] = [Version::V31, Version::V311];
const ALL_VERSIONS: [Version; 3] = [Version::V31, Version::V311, Version::V5];

const CONNECT_PROPERTIES: PropertyContext = PropertyContext::Packet(PacketType::Connect);
const PUBLISH_PROPERTIES: PropertyContext = PropertyContext::Packet(PacketType::Publish);

fn encoded(packet: &Packet, version: Version) -> Vec<u8> {
    let mut out = Vec::new();
    encode(packet, version, &mut out).expect("encodable");
    out
}

/// Asserts the full round trip, and that every proper prefix is reported as incomplete.
fn assert_round_trip(packet: &Packet, version: Version) {
    let bytes = encoded(packet, version);
    assert_eq!(
        decode(&bytes, version, NO_LIMIT),
        Ok(Some((packet.clone(), bytes.len()))),
        "{version:?} round trip of {packet:?} via {bytes:02X?}"
    );
    for cut in 0..bytes.len() {
        assert_eq!(
            decode(&bytes[..cut], version, NO_LIMIT),
            Ok(None),
            "{version:?} prefix of {cut} bytes of {packet:?}"
        );
    }
}

/// 3.1/3.1.1 packets of every type (no MQTT 5 fields).
fn sample_packets(version: Version) -> Vec<Packet> {
    let ack = Ack::new(513);
    vec![
        Packet::Connect(Connect {
            version,
            clean_session: false,
            keep_alive: 0xFFFF,
            client_id: String::new(),
            will: Some(Will {
                topic: "status/ünïcode".into(),
                payload: vec![0, 1, 2, 0xFF],
                qos: QoS::ExactlyOnce,
                retain: true,
                ..Default::default()
            }),
            username: Some("user".into()),
            password: Some(vec![0xFF, 0x00, b'x']),
            properties: Properties::new(),
        }),
        Packet::Connect(Connect {
            version,
            clean_session: true,
            keep_alive: 60,
            client_id: "rsub|1234".into(),
            will: None,
            username: None,
            password: None,
            properties: Properties::new(),
        }),
        Packet::ConnAck(ConnAck {
            // 3.1 has no session present flag, so only 3.1.1 can carry `true` through a round trip.
            session_present: version == Version::V311,
            code: 0,
            ..Default::default()
        }),
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: 5,
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "sensors/temp".into(),
            packet_id: 0,
            payload: b"21.5".to_vec(),
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: "a".into(),
            packet_id: 65_535,
            payload: vec![0xAB; 300],
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: String::new(),
            packet_id: 1,
            payload: Vec::new(),
            ..Default::default()
        }),
        Packet::PubAck(ack.clone()),
        Packet::PubRec(ack.clone()),
        Packet::PubRel(ack.clone()),
        Packet::PubComp(ack),
        Packet::Subscribe(Subscribe {
            packet_id: 2,
            filters: vec![
                SubscribeFilter {
                    filter: "#".into(),
                    qos: QoS::AtMostOnce,
                    ..Default::default()
                },
                SubscribeFilter {
                    filter: "a/+/c".into(),
                    qos: QoS::ExactlyOnce,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
        Packet::SubAck(SubAck {
            packet_id: 2,
            return_codes: vec![0x00, 0x01, 0x02, 0x80],
            ..Default::default()
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 3,
            filters: vec!["#".into()],
            ..Default::default()
        }),
        Packet::UnsubAck(UnsubAck::new(3)),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Disconnect(Disconnect::default()),
    ]
}

fn user(name: &str, value: &str) -> Property {
    Property::UserProperty(name.into(), value.into())
}

/// MQTT 5 packets of every type, in type order, with properties, reason codes, subscription options and
/// the short forms of acks, DISCONNECT and AUTH.
fn v5_sample_packets() -> Vec<Packet> {
    vec![
        Packet::Connect(Connect {
            version: Version::V5,
            clean_session: true,
            keep_alive: 30,
            client_id: String::new(),
            will: Some(Will {
                topic: "status".into(),
                payload: b"offline".to_vec(),
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: Properties::new()
                    .with(Property::WillDelayInterval(10))
                    .with(Property::PayloadFormatIndicator(1))
                    .with(user("w", "1")),
            }),
            username: None,
            // MQTT 5 allows a password without a user name (5.0 §3.1.2.9).
            password: Some(b"secret".to_vec()),
            properties: Properties::new()
                .with(Property::SessionExpiryInterval(u32::MAX))
                .with(Property::ReceiveMaximum(20))
                .with(Property::AuthenticationMethod("SCRAM-SHA-1".into()))
                .with(Property::AuthenticationData(b"data".to_vec()))
                .with(user("a", "b"))
                .with(user("a", "c")),
        }),
        Packet::Connect(Connect {
            version: Version::V5,
            clean_session: false,
            keep_alive: 0,
            client_id: "rpub".into(),
            will: None,
            username: Some("u".into()),
            password: None,
            properties: Properties::new(),
        }),
        Packet::ConnAck(ConnAck {
            session_present: true,
            code: 0,
            properties: Properties::new()
                .with(Property::AssignedClientIdentifier("auto-0001".into()))
                .with(Property::TopicAliasMaximum(10))
                .with(Property::MaximumQoS(1))
                .with(Property::RetainAvailable(0))
                .with(Property::ServerKeepAlive(20))
                .with(Property::MaximumPacketSize(1000)),
        }),
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: 0x87,
            properties: Properties::new().with(Property::ReasonString("not authorized".into())),
        }),
        Packet::Publish(Publish {
            topic: "a/b".into(),
            payload: b"{}".to_vec(),
            properties: Properties::new()
                .with(Property::PayloadFormatIndicator(1))
                .with(Property::MessageExpiryInterval(60))
                .with(Property::ContentType("application/json".into()))
                .with(Property::ResponseTopic("reply".into()))
                .with(Property::CorrelationData(vec![1, 2]))
                .with(user("k", "v"))
                .with(Property::SubscriptionIdentifier(1))
                .with(Property::SubscriptionIdentifier(268_435_455)),
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::AtLeastOnce,
            retain: true,
            // Empty: the topic alias stands for it.
            topic: String::new(),
            packet_id: 7,
            payload: vec![0xAB; 300],
            properties: Properties::new().with(Property::TopicAlias(1)),
        }),
        Packet::Publish(Publish {
            qos: QoS::ExactlyOnce,
            topic: "x".into(),
            packet_id: 65_535,
            ..Default::default()
        }),
        // Remaining length 2, 3 and more.
        Packet::PubAck(Ack::new(1)),
        Packet::PubAck(Ack {
            packet_id: 2,
            reason_code: 0x10,
            properties: Properties::new(),
        }),
        Packet::PubRec(Ack {
            packet_id: 3,
            reason_code: 0x97,
            properties: Properties::new().with(Property::ReasonString("quota".into())),
        }),
        Packet::PubRel(Ack {
            packet_id: 4,
            reason_code: 0x92,
            properties: Properties::new().with(user("x", "")),
        }),
        Packet::PubComp(Ack {
            packet_id: 5,
            reason_code: 0,
            properties: Properties::new().with(Property::ReasonString("done".into())),
        }),
        Packet::Subscribe(Subscribe {
            packet_id: 6,
            filters: vec![
                SubscribeFilter {
                    filter: "a/#".into(),
                    qos: QoS::ExactlyOnce,
                    no_local: true,
                    retain_as_published: true,
                    retain_handling: RetainHandling::DoNotSend,
                },
                SubscribeFilter {
                    filter: "$share/g/t".into(),
                    qos: QoS::AtLeastOnce,
                    no_local: false,
                    retain_as_published: false,
                    retain_handling: RetainHandling::SendIfNew,
                },
            ],
            properties: Properties::new()
                .with(Property::SubscriptionIdentifier(42))
                .with(user("s", "1")),
        }),
        Packet::SubAck(SubAck {
            packet_id: 6,
            return_codes: vec![0x02, 0x01, 0x00, 0x80, 0x8F, 0xA2],
            properties: Properties::new().with(Property::ReasonString("mixed".into())),
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 8,
            filters: vec!["a/#".into(), "b".into()],
            properties: Properties::new().with(user("u", "2")),
        }),
        Packet::UnsubAck(UnsubAck {
            packet_id: 8,
            reason_codes: vec![0x00, 0x11],
            properties: Properties::new().with(Property::ReasonString("one missing".into())),
        }),
        Packet::PingReq,
        Packet::PingResp,
        // Remaining length 0, 1 and more.
        Packet::Disconnect(Disconnect::default()),
        Packet::Disconnect(Disconnect {
            reason_code: 0x04,
            properties: Properties::new(),
        }),
        Packet::Disconnect(Disconnect {
            reason_code: 0x9C,
            properties: Properties::new()
                .with(Property::SessionExpiryInterval(0))
                .with(Property::ReasonString("moving".into()))
                .with(Property::ServerReference("other:1883".into()))
                .with(user("d", "3")),
        }),
        Packet::Auth(Auth::default()),
        Packet::Auth(Auth {
            reason_code: 0x18,
            properties: Properties::new()
                .with(Property::AuthenticationMethod("SCRAM-SHA-1".into()))
                .with(Property::AuthenticationData(b"c=biws".to_vec())),
        }),
        Packet::Auth(Auth {
            reason_code: 0x19,
            properties: Properties::new(),
        }),
    ]
}

/// The sample packets of `version`.
fn packets_of(version: Version) -> Vec<Packet> {
    match version {
        Version::V5 => v5_sample_packets(),
        Version::V31 | Version::V311 => sample_packets(version),
    }
}

#[test]
fn every_packet_type_round_trips_in_every_version() {
    for version in ALL_VERSIONS {
        let packets = packets_of(version);
        let mut seen_types: Vec<u8> = packets.iter().map(Packet::type_number).collect();
        seen_types.dedup();
        let last_type = if version == Version::V5 { 15 } else { 14 };
        assert_eq!(
            seen_types,
            (1..=last_type).collect::<Vec<u8>>(),
            "{version:?}"
        );
        for packet in &packets {
            assert_round_trip(packet, version);
        }
    }
}

#[test]
fn packet_type_numbers_and_names() {
    for number in 0..=u8::MAX {
        match PacketType::from_u8(number) {
            Some(packet_type) => {
                assert!((1..=15).contains(&number));
                assert_eq!(packet_type as u8, number);
            }
            None => assert!(number == 0 || number >= 16),
        }
    }
    assert_eq!(PacketType::UnsubAck.to_string(), "UNSUBACK");
    assert_eq!(PacketType::Auth.to_string(), "AUTH");
    assert_eq!(Packet::PingResp.packet_type().name(), "PINGRESP");
    assert_eq!(Version::V5.protocol_name(), "MQTT");
    assert_eq!(Version::V5.level(), 5);
}

#[test]
fn a_stream_of_packets_decodes_one_after_another() {
    for version in ALL_VERSIONS {
        let packets = packets_of(version);
        let mut stream = Vec::new();
        for packet in &packets {
            encode(packet, version, &mut stream).expect("encodable");
        }
        let mut rest = &stream[..];
        let mut decoded = Vec::new();
        while let Some((packet, used)) = decode(rest, version, NO_LIMIT).expect("valid stream") {
            decoded.push(packet);
            rest = &rest[used..];
        }
        assert!(rest.is_empty());
        assert_eq!(decoded, packets);
    }
}

#[test]
fn encode_appends_after_existing_bytes() {
    let mut out = vec![0xEE];
    encode(&Packet::PingReq, Version::V311, &mut out).expect("encodable");
    encode(&Packet::PubAck(Ack::new(1)), Version::V311, &mut out).expect("encodable");
    assert_eq!(out, [0xEE, 0xC0, 0x00, 0x40, 0x02, 0x00, 0x01]);
}

#[test]
fn max_size_counts_the_whole_packet_and_is_checked_before_the_body() {
    let packet = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "t".into(),
        packet_id: 0,
        payload: vec![7; 200],
        ..Default::default()
    });
    let bytes = encoded(&packet, Version::V311);
    assert_eq!(bytes.len(), 1 + 2 + 3 + 200);
    assert_eq!(
        decode(&bytes, Version::V311, bytes.len()),
        Ok(Some((packet, bytes.len())))
    );
    let too_large = Err(DecodeError::PacketTooLarge {
        size: bytes.len(),
        max: bytes.len() - 1,
    });
    // The fixed header alone (3 bytes) is enough to know.
    assert_eq!(
        decode(&bytes[..3], Version::V311, bytes.len() - 1),
        too_large
    );
    assert_eq!(
        decode(&bytes[..2], Version::V311, bytes.len() - 1),
        Ok(None)
    );
}

#[test]
fn fixed_size_packet_announcing_a_long_body_fails_before_the_body() {
    for version in ALL_VERSIONS {
        assert_eq!(
            decode(&[0xD0, 0x80, 0x01], version, NO_LIMIT),
            Err(DecodeError::TrailingBytes {
                packet: PacketType::PingResp,
                extra: 128
            })
        );
    }
    // 3.x acks are fixed-size; MQTT 5 acks are not, so the same header waits for its body there.
    assert_eq!(
        decode(&[0x40, 0x04, 0x00, 0x01], Version::V311, NO_LIMIT),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::PubAck,
            extra: 2
        })
    );
    assert_eq!(
        decode(&[0x40, 0x04, 0x00, 0x01], Version::V5, NO_LIMIT),
        Ok(None)
    );
}

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

// ---------------------------------------------------------------------------------------------------
// Malformed inputs

/// A CONNECT with the given protocol name, level and flags, keep alive 0 and then `payload`.
fn connect_bytes(name: &[u8], level: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(name.len() as u16).to_be_bytes());
    body.extend_from_slice(name);
    body.extend_from_slice(&[level, flags, 0x00, 0x00]);
    body.extend_from_slice(payload);
    with_body(0x10, &body)
}

/// First byte, a one-byte remaining length, and the body.
fn with_body(first_byte: u8, body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 128);
    let mut bytes = vec![first_byte, body.len() as u8];
    bytes.extend_from_slice(body);
    bytes
}

struct Malformed {
    rule: &'static str,
    version: Version,
    max_size: usize,
    bytes: Vec<u8>,
    expected: DecodeError,
}

fn malformed(rule: &'static str, bytes: Vec<u8>, expected: DecodeError) -> Malformed {
    Malformed {
        rule,
        version: Version::V311,
        max_size: NO_LIMIT,
        bytes,
        expected,
    }
}

fn malformed_v5(rule: &'static str, bytes: Vec<u8>, expected: DecodeError) -> Malformed {
    Malformed {
        version: Version::V5,
        ..malformed(rule, bytes, expected)
    }
}

/// A MQTT 5 QoS 0 PUBLISH to topic "t" followed by `rest`: the property length, the properties and
/// the payload.
fn v5_publish(rest: &[u8]) -> Vec<u8> {
    with_body(0x30, &[&[0x00, 0x01, b't'][..], rest].concat())
}

/// A MQTT 5 CONNECT with `flags` and keep alive 0, followed by `rest`: the property length, the
/// properties and the payload.
fn v5_connect(flags: u8, rest: &[u8]) -> Vec<u8> {
    connect_bytes(b"MQTT", 5, flags, rest)
}

fn malformed_inputs() -> Vec<Malformed> {
    let mut cases = malformed_v3_inputs();
    cases.extend(malformed_v5_inputs());
    cases
}

fn malformed_v3_inputs() -> Vec<Malformed> {
    use DecodeError as E;
    use PacketType as T;
    let client_id_a: &[u8] = &[0x00, 0x01, b'a'];
    vec![
        malformed(
            "remaining length with a fifth byte",
            vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            E::RemainingLengthTooLong,
        ),
        malformed(
            "remaining length with a continuation bit on its fourth byte",
            vec![0xC0, 0x80, 0x80, 0x80, 0x80],
            E::RemainingLengthTooLong,
        ),
        malformed(
            "packet type 0",
            vec![0x00, 0x00],
            E::ReservedPacketType { type_number: 0 },
        ),
        malformed(
            "packet type 15",
            vec![0xF0, 0x00],
            E::ReservedPacketType { type_number: 15 },
        ),
        malformed(
            "CONNECT with flags",
            connect_bytes(b"MQTT", 4, 0x02, client_id_a)
                .into_iter()
                .enumerate()
                .map(|(i, b)| if i == 0 { 0x11 } else { b })
                .collect(),
            E::InvalidFlags {
                packet: T::Connect,
                flags: 0x01,
            },
        ),
        malformed(
            "PUBACK with flags",
            vec![0x41, 0x02, 0x00, 0x01],
            E::InvalidFlags {
                packet: T::PubAck,
                flags: 0x01,
            },
        ),
        malformed(
            "PUBREL without its 0b0010 flags",
            vec![0x60, 0x02, 0x00, 0x01],
            E::InvalidFlags {
                packet: T::PubRel,
                flags: 0x00,
            },
        ),
        malformed(
            "SUBSCRIBE without its 0b0010 flags",
            vec![0x80, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x00],
            E::InvalidFlags {
                packet: T::Subscribe,
                flags: 0x00,
            },
        ),
        malformed(
            "UNSUBSCRIBE with 0b0011 flags",
            vec![0xA3, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'],
            E::InvalidFlags {
                packet: T::Unsubscribe,
                flags: 0x03,
            },
        ),
        Malformed {
            version: Version::V31,
            ..malformed(
                "3.1 allows DUP on PUBREL, not on PUBACK",
                vec![0x48, 0x02, 0x00, 0x01],
                E::InvalidFlags {
                    packet: T::PubAck,
                    flags: 0x08,
                },
            )
        },
        malformed(
            "PINGREQ with flags",
            vec![0xC4, 0x00],
            E::InvalidFlags {
                packet: T::PingReq,
                flags: 0x04,
            },
        ),
        malformed(
            "PUBLISH QoS 3",
            vec![0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01],
            E::PublishQoS3,
        ),
        malformed(
            "PUBLISH QoS 3 with DUP and RETAIN",
            vec![0x3F, 0x00],
            E::PublishQoS3,
        ),
        malformed(
            "PUBLISH QoS 0 with DUP",
            vec![0x38, 0x03, 0x00, 0x01, b'a'],
            E::PublishDupWithQoS0,
        ),
        malformed(
            "PUBLISH QoS 1 with packet id 0",
            vec![0x32, 0x05, 0x00, 0x01, b'a', 0x00, 0x00],
            E::ZeroPacketId { packet: T::Publish },
        ),
        malformed(
            "PUBACK with packet id 0",
            vec![0x40, 0x02, 0x00, 0x00],
            E::ZeroPacketId { packet: T::PubAck },
        ),
        malformed(
            "PUBCOMP with packet id 0",
            vec![0x70, 0x02, 0x00, 0x00],
            E::ZeroPacketId { packet: T::PubComp },
        ),
        malformed(
            "SUBSCRIBE with packet id 0",
            vec![0x82, 0x06, 0x00, 0x00, 0x00, 0x01, b'a', 0x00],
            E::ZeroPacketId {
                packet: T::Subscribe,
            },
        ),
        malformed(
            "SUBACK with packet id 0",
            vec![0x90, 0x03, 0x00, 0x00, 0x00],
            E::ZeroPacketId { packet: T::SubAck },
        ),
        malformed(
            "UNSUBSCRIBE with packet id 0",
            vec![0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, b'a'],
            E::ZeroPacketId {
                packet: T::Unsubscribe,
            },
        ),
        malformed(
            "UNSUBACK with packet id 0",
            vec![0xB0, 0x02, 0x00, 0x00],
            E::ZeroPacketId {
                packet: T::UnsubAck,
            },
        ),
        malformed(
            "topic name with a truncated two-byte sequence",
            vec![0x30, 0x04, 0x00, 0x02, 0xC3, 0x28],
            E::InvalidUtf8 {
                field: Field::TopicName,
            },
        ),
        malformed(
            "topic name with an encoded surrogate U+D800",
            vec![0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80],
            E::InvalidUtf8 {
                field: Field::TopicName,
            },
        ),
        malformed(
            "client identifier with an overlong encoding",
            connect_bytes(b"MQTT", 4, 0x02, &[0x00, 0x02, 0xC0, 0xAF]),
            E::InvalidUtf8 {
                field: Field::ClientId,
            },
        ),
        malformed(
            "topic filter with a lone continuation byte",
            vec![0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x80, 0x00],
            E::InvalidUtf8 {
                field: Field::TopicFilter,
            },
        ),
        malformed(
            "topic name with U+0000",
            vec![0x30, 0x05, 0x00, 0x03, b'a', 0x00, b'b'],
            E::NullCharacter {
                field: Field::TopicName,
            },
        ),
        malformed(
            "user name with U+0000",
            connect_bytes(b"MQTT", 4, 0x82, &[0x00, 0x01, b'a', 0x00, 0x01, 0x00]),
            E::NullCharacter {
                field: Field::Username,
            },
        ),
        malformed(
            "unsubscribe topic filter with U+0000",
            vec![0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00],
            E::NullCharacter {
                field: Field::TopicFilter,
            },
        ),
        malformed(
            "topic name longer than the packet",
            vec![0x30, 0x03, 0x00, 0x05, b'a'],
            E::StringPastEnd {
                field: Field::TopicName,
                length: 5,
                available: 1,
            },
        ),
        malformed(
            "will message longer than the packet",
            connect_bytes(
                b"MQTT",
                4,
                0x06,
                &[0x00, 0x01, b'a', 0x00, 0x01, b'w', 0x00, 0x09, b'm'],
            ),
            E::StringPastEnd {
                field: Field::WillPayload,
                length: 9,
                available: 1,
            },
        ),
        malformed(
            "password longer than the packet",
            connect_bytes(
                b"MQTT",
                4,
                0xC2,
                &[0x00, 0x01, b'a', 0x00, 0x01, b'u', 0xFF, 0xFF],
            ),
            E::StringPastEnd {
                field: Field::Password,
                length: 0xFFFF,
                available: 0,
            },
        ),
        malformed(
            "PUBLISH ends inside the topic length",
            vec![0x30, 0x01, 0x00],
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::TopicName,
            },
        ),
        malformed(
            "PUBLISH QoS 2 ends inside the packet id",
            vec![0x34, 0x04, 0x00, 0x01, b'a', 0x00],
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::PacketId,
            },
        ),
        malformed(
            "PUBREC with one byte",
            vec![0x50, 0x01, 0x00],
            E::BodyTooShort {
                packet: T::PubRec,
                field: Field::PacketId,
            },
        ),
        malformed(
            "CONNACK without a body",
            vec![0x20, 0x00],
            E::BodyTooShort {
                packet: T::ConnAck,
                field: Field::ConnAckFlags,
            },
        ),
        malformed(
            "CONNACK without a return code",
            vec![0x20, 0x01, 0x00],
            E::BodyTooShort {
                packet: T::ConnAck,
                field: Field::ReturnCode,
            },
        ),
        malformed(
            "CONNECT ends after the protocol name",
            vec![0x10, 0x06, 0x00, 0x04, b'M', b'Q', b'T', b'T'],
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::ProtocolLevel,
            },
        ),
        malformed(
            "CONNECT ends inside the keep alive",
            vec![
                0x10, 0x09, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00,
            ],
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::KeepAlive,
            },
        ),
        malformed(
            "CONNECT without a client identifier",
            connect_bytes(b"MQTT", 4, 0x02, &[]),
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::ClientId,
            },
        ),
        malformed(
            "CONNECT with a will flag but no will topic",
            connect_bytes(b"MQTT", 4, 0x06, client_id_a),
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::WillTopic,
            },
        ),
        malformed(
            "SUBSCRIBE filter without its requested QoS",
            vec![0x82, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'],
            E::BodyTooShort {
                packet: T::Subscribe,
                field: Field::RequestedQoS,
            },
        ),
        malformed(
            "PUBACK with three bytes",
            vec![0x40, 0x03, 0x00, 0x01, 0x00],
            E::TrailingBytes {
                packet: T::PubAck,
                extra: 1,
            },
        ),
        malformed(
            "CONNACK with four bytes",
            vec![0x20, 0x04, 0x00, 0x00, 0x00, 0x00],
            E::TrailingBytes {
                packet: T::ConnAck,
                extra: 2,
            },
        ),
        malformed(
            "DISCONNECT with a body",
            vec![0xE0, 0x01, 0x00],
            E::TrailingBytes {
                packet: T::Disconnect,
                extra: 1,
            },
        ),
        malformed(
            "PINGREQ with a body",
            vec![0xC0, 0x02, 0x00, 0x00],
            E::TrailingBytes {
                packet: T::PingReq,
                extra: 2,
            },
        ),
        malformed(
            "CONNECT with bytes after its last field",
            connect_bytes(b"MQTT", 4, 0x02, &[0x00, 0x01, b'a', 0xAA]),
            E::TrailingBytes {
                packet: T::Connect,
                extra: 1,
            },
        ),
        malformed(
            "CONNACK with reserved acknowledge flag bits",
            vec![0x20, 0x02, 0x02, 0x00],
            E::ConnAckReservedFlags { flags: 0x02 },
        ),
        malformed(
            "SUBACK return code 3",
            vec![0x90, 0x04, 0x00, 0x01, 0x00, 0x03],
            E::InvalidSubAckReturnCode { code: 0x03 },
        ),
        malformed(
            "SUBACK return code 0x81",
            vec![0x90, 0x03, 0x00, 0x01, 0x81],
            E::InvalidSubAckReturnCode { code: 0x81 },
        ),
        malformed(
            "SUBSCRIBE requested QoS 3",
            vec![0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x03],
            E::InvalidRequestedQoS { byte: 0x03 },
        ),
        malformed(
            "SUBSCRIBE requested QoS with reserved bits",
            vec![0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x11],
            E::InvalidRequestedQoS { byte: 0x11 },
        ),
        malformed(
            "SUBSCRIBE without filters",
            vec![0x82, 0x02, 0x00, 0x01],
            E::NoEntries {
                packet: T::Subscribe,
            },
        ),
        malformed(
            "SUBACK without return codes",
            vec![0x90, 0x02, 0x00, 0x01],
            E::NoEntries { packet: T::SubAck },
        ),
        malformed(
            "UNSUBSCRIBE without filters",
            vec![0xA2, 0x02, 0x00, 0x01],
            E::NoEntries {
                packet: T::Unsubscribe,
            },
        ),
        malformed(
            "CONNECT reserved flag",
            connect_bytes(b"MQTT", 4, 0x03, client_id_a),
            E::ConnectReservedFlag,
        ),
        malformed(
            "CONNECT will QoS without will flag",
            connect_bytes(b"MQTT", 4, 0x0A, client_id_a),
            E::WillFlagsWithoutWill { flags: 0x0A },
        ),
        malformed(
            "CONNECT will retain without will flag",
            connect_bytes(b"MQTT", 4, 0x22, client_id_a),
            E::WillFlagsWithoutWill { flags: 0x22 },
        ),
        malformed(
            "CONNECT will QoS 3",
            connect_bytes(b"MQTT", 4, 0x1E, client_id_a),
            E::WillQoS3,
        ),
        malformed(
            "CONNECT 3.1.1 password without user name",
            connect_bytes(b"MQTT", 4, 0x42, &[0x00, 0x01, b'a', 0x00, 0x01, b'p']),
            E::PasswordWithoutUsername,
        ),
        malformed(
            "CONNECT protocol name MQTX",
            connect_bytes(b"MQTX", 4, 0x02, client_id_a),
            E::UnknownProtocolName,
        ),
        malformed(
            "CONNECT protocol name in lower case",
            connect_bytes(b"mqtt", 4, 0x02, client_id_a),
            E::UnknownProtocolName,
        ),
        malformed(
            "CONNECT MQTT level 6",
            connect_bytes(b"MQTT", 6, 0x02, client_id_a),
            E::UnknownProtocolLevel {
                name_of: Version::V311,
                level: 6,
            },
        ),
        malformed(
            "CONNECT MQTT level 3",
            connect_bytes(b"MQTT", 3, 0x02, client_id_a),
            E::UnknownProtocolLevel {
                name_of: Version::V311,
                level: 3,
            },
        ),
        malformed(
            "CONNECT MQIsdp level 4",
            connect_bytes(b"MQIsdp", 4, 0x02, client_id_a),
            E::UnknownProtocolLevel {
                name_of: Version::V31,
                level: 4,
            },
        ),
        malformed(
            "PUBLISH topic with +",
            vec![0x30, 0x05, 0x00, 0x03, b'a', b'/', b'+'],
            E::WildcardInTopicName,
        ),
        malformed(
            "PUBLISH topic #",
            vec![0x30, 0x03, 0x00, 0x01, b'#'],
            E::WildcardInTopicName,
        ),
        Malformed {
            max_size: 100,
            ..malformed(
                "PUBLISH larger than the maximum, body not yet received",
                vec![0x30, 0x80, 0x01],
                E::PacketTooLarge {
                    size: 131,
                    max: 100,
                },
            )
        },
    ]
}

/// The MQTT 5 rules. Property bytes are written out: identifier, then value.
fn malformed_v5_inputs() -> Vec<Malformed> {
    use DecodeError as E;
    use PacketType as T;
    use PropertyId as P;
    let publish = PUBLISH_PROPERTIES;
    let client_id_a: &[u8] = &[0x00, 0x01, b'a'];
    vec![
        malformed_v5(
            "property length 5 with 1 byte left",
            v5_publish(&[0x05, 0x01]),
            E::PropertyLengthPastEnd {
                packet: T::Publish,
                length: 5,
                available: 1,
            },
        ),
        malformed_v5(
            "PUBACK property length with a continuation bit on its fourth byte",
            // Packet id 1, reason 0x00, property length 0x80 0x80 0x80 0x80 0x01.
            with_body(0x40, &[0x00, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x01]),
            E::VariableByteIntegerTooLong {
                packet: T::PubAck,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "subscription identifier of five bytes",
            // Property length 6: identifier 0x0B, 0x80 0x80 0x80 0x80 0x01 (2^28).
            v5_publish(&[0x06, 0x0B, 0x80, 0x80, 0x80, 0x80, 0x01]),
            E::VariableByteIntegerTooLong {
                packet: T::Publish,
                field: Field::Property(P::SubscriptionIdentifier),
            },
        ),
        malformed_v5(
            "PUBLISH QoS 1 ends before its property length",
            with_body(0x32, &[0x00, 0x01, b't', 0x00, 0x01]),
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "CONNACK without a property length",
            vec![0x20, 0x02, 0x00, 0x00],
            E::BodyTooShort {
                packet: T::ConnAck,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "unknown property identifier 0x04",
            v5_publish(&[0x02, 0x04, 0x00]),
            E::UnknownProperty {
                context: publish,
                identifier: 0x04,
            },
        ),
        malformed_v5(
            "property identifier with bit 7 set (a two-byte identifier)",
            // DISCONNECT reason 0x00, property length 2, identifier 0x81 0x01.
            with_body(0xE0, &[0x00, 0x02, 0x81, 0x01]),
            E::UnknownProperty {
                context: PropertyContext::Packet(T::Disconnect),
                identifier: 0x81,
            },
        ),
        malformed_v5(
            "reason string in PUBLISH",
            // Property length 4: identifier 0x1F, string "r".
            v5_publish(&[0x04, 0x1F, 0x00, 0x01, b'r']),
            E::PropertyNotAllowed {
                context: publish,
                property: P::ReasonString,
            },
        ),
        malformed_v5(
            "will delay interval in CONNECT properties",
            // Property length 5: identifier 0x18, 1; then client id "a".
            v5_connect(
                0x02,
                &[0x05, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b'a'],
            ),
            E::PropertyNotAllowed {
                context: CONNECT_PROPERTIES,
                property: P::WillDelayInterval,
            },
        ),
        malformed_v5(
            "session expiry interval in will properties",
            v5_connect(
                0x06,
                &[
                    0x00, // no CONNECT properties
                    0x00, 0x01, b'a', // client id "a"
                    0x05, 0x11, 0x00, 0x00, 0x00, 0x01, // will properties: session expiry 1
                    0x00, 0x01, b'w', // will topic "w"
                    0x00, 0x00, // empty will payload
                ],
            ),
            E::PropertyNotAllowed {
                context: PropertyContext::Will,
                property: P::SessionExpiryInterval,
            },
        ),
        malformed_v5(
            "subscription identifier in SUBACK",
            // Packet id 1, property length 2: identifier 0x0B, 1; reason code 0x00.
            with_body(0x90, &[0x00, 0x01, 0x02, 0x0B, 0x01, 0x00]),
            E::PropertyNotAllowed {
                context: PropertyContext::Packet(T::SubAck),
                property: P::SubscriptionIdentifier,
            },
        ),
        malformed_v5(
            "content type twice",
            v5_publish(&[0x08, 0x03, 0x00, 0x01, b'a', 0x03, 0x00, 0x01, b'b']),
            E::DuplicateProperty {
                context: publish,
                property: P::ContentType,
            },
        ),
        malformed_v5(
            "two subscription identifiers in SUBSCRIBE",
            // Packet id 1, property length 4: 0x0B 1, 0x0B 2; filter "a", options 0.
            with_body(
                0x82,
                &[
                    0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, b'a', 0x00,
                ],
            ),
            E::DuplicateProperty {
                context: PropertyContext::Packet(T::Subscribe),
                property: P::SubscriptionIdentifier,
            },
        ),
        malformed_v5(
            "reason string twice in PUBACK",
            // Packet id 1, reason 0x00, property length 6: two empty reason strings.
            with_body(
                0x40,
                &[0x00, 0x01, 0x00, 0x06, 0x1F, 0x00, 0x00, 0x1F, 0x00, 0x00],
            ),
            E::DuplicateProperty {
                context: PropertyContext::Packet(T::PubAck),
                property: P::ReasonString,
            },
        ),
        malformed_v5(
            "payload format indicator 2",
            v5_publish(&[0x02, 0x01, 0x02]),
            E::InvalidPropertyValue {
                property: P::PayloadFormatIndicator,
                value: 2,
            },
        ),
        malformed_v5(
            "maximum QoS 2",
            // Flags 0, reason 0x00, property length 2: identifier 0x24, 2.
            with_body(0x20, &[0x00, 0x00, 0x02, 0x24, 0x02]),
            E::InvalidPropertyValue {
                property: P::MaximumQoS,
                value: 2,
            },
        ),
        malformed_v5(
            "retain available 0xFF",
            with_body(0x20, &[0x00, 0x00, 0x02, 0x25, 0xFF]),
            E::InvalidPropertyValue {
                property: P::RetainAvailable,
                value: 255,
            },
        ),
        malformed_v5(
            "subscription identifier 0",
            v5_publish(&[0x02, 0x0B, 0x00]),
            E::InvalidPropertyValue {
                property: P::SubscriptionIdentifier,
                value: 0,
            },
        ),
        malformed_v5(
            "receive maximum 0",
            with_body(0x20, &[0x00, 0x00, 0x03, 0x21, 0x00, 0x00]),
            E::InvalidPropertyValue {
                property: P::ReceiveMaximum,
                value: 0,
            },
        ),
        malformed_v5(
            "maximum packet size 0",
            v5_connect(
                0x02,
                &[0x05, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, b'a'],
            ),
            E::InvalidPropertyValue {
                property: P::MaximumPacketSize,
                value: 0,
            },
        ),
        malformed_v5(
            "topic alias 0",
            v5_publish(&[0x03, 0x23, 0x00, 0x00]),
            E::InvalidPropertyValue {
                property: P::TopicAlias,
                value: 0,
            },
        ),
        malformed_v5(
            "request problem information 2",
            v5_connect(0x02, &[0x02, 0x17, 0x02, 0x00, 0x01, b'a']),
            E::InvalidPropertyValue {
                property: P::RequestProblemInformation,
                value: 2,
            },
        ),
        malformed_v5(
            "response topic #",
            v5_publish(&[0x04, 0x08, 0x00, 0x01, b'#']),
            E::WildcardInResponseTopic,
        ),
        malformed_v5(
            "content type with the byte 0xFF",
            v5_publish(&[0x04, 0x03, 0x00, 0x01, 0xFF]),
            E::InvalidUtf8 {
                field: Field::Property(P::ContentType),
            },
        ),
        malformed_v5(
            "user property value U+0000",
            v5_publish(&[0x07, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, 0x00]),
            E::NullCharacter {
                field: Field::Property(P::UserProperty),
            },
        ),
        malformed_v5(
            "correlation data longer than the property list",
            // Property length 4 holds identifier 0x09, length 5 and one byte; 0xBB 0xCC is payload.
            v5_publish(&[0x04, 0x09, 0x00, 0x05, 0xAA, 0xBB, 0xCC]),
            E::StringPastEnd {
                field: Field::Property(P::CorrelationData),
                length: 5,
                available: 1,
            },
        ),
        malformed_v5(
            "message expiry interval cut short by the property length",
            // Property length 3: identifier 0x02 and two of its four bytes; 0x00 0x3C is payload.
            v5_publish(&[0x03, 0x02, 0x00, 0x00, 0x00, 0x3C]),
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::Property(P::MessageExpiryInterval),
            },
        ),
        malformed_v5(
            "authentication data without authentication method",
            v5_connect(0x02, &[0x04, 0x16, 0x00, 0x01, 0xAA, 0x00, 0x01, b'a']),
            E::AuthenticationDataWithoutMethod,
        ),
        malformed_v5(
            "CONNACK return code 5 in MQTT 5",
            with_body(0x20, &[0x00, 0x05, 0x00]),
            E::InvalidReasonCode {
                packet: T::ConnAck,
                code: 0x05,
            },
        ),
        malformed_v5(
            "PUBACK with the PUBREL reason code 0x92",
            with_body(0x40, &[0x00, 0x01, 0x92]),
            E::InvalidReasonCode {
                packet: T::PubAck,
                code: 0x92,
            },
        ),
        malformed_v5(
            "PUBREL with the PUBACK reason code 0x10",
            with_body(0x62, &[0x00, 0x01, 0x10]),
            E::InvalidReasonCode {
                packet: T::PubRel,
                code: 0x10,
            },
        ),
        malformed_v5(
            "SUBACK reason code 3",
            with_body(0x90, &[0x00, 0x01, 0x00, 0x00, 0x03]),
            E::InvalidReasonCode {
                packet: T::SubAck,
                code: 0x03,
            },
        ),
        malformed_v5(
            "UNSUBACK reason code 1",
            with_body(0xB0, &[0x00, 0x01, 0x00, 0x01]),
            E::InvalidReasonCode {
                packet: T::UnsubAck,
                code: 0x01,
            },
        ),
        malformed_v5(
            "DISCONNECT reason code 1",
            with_body(0xE0, &[0x01]),
            E::InvalidReasonCode {
                packet: T::Disconnect,
                code: 0x01,
            },
        ),
        malformed_v5(
            "AUTH reason code 1",
            with_body(0xF0, &[0x01, 0x00]),
            E::InvalidReasonCode {
                packet: T::Auth,
                code: 0x01,
            },
        ),
        malformed_v5(
            "AUTH reason code without a property length",
            with_body(0xF0, &[0x18]),
            E::BodyTooShort {
                packet: T::Auth,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "AUTH with flags",
            vec![0xF1, 0x00],
            E::InvalidFlags {
                packet: T::Auth,
                flags: 0x01,
            },
        ),
        malformed_v5(
            "subscription options reserved bit 6",
            // Packet id 1, no properties, filter "a", options 0x40.
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x40]),
            E::InvalidSubscriptionOptions { byte: 0x40 },
        ),
        malformed_v5(
            "subscription options retain handling 3",
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x30]),
            E::InvalidSubscriptionOptions { byte: 0x30 },
        ),
        malformed_v5(
            "subscription options QoS 3",
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x03]),
            E::InvalidSubscriptionOptions { byte: 0x03 },
        ),
        malformed_v5(
            "SUBSCRIBE filter without its subscription options",
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a']),
            E::BodyTooShort {
                packet: T::Subscribe,
                field: Field::SubscriptionOptions,
            },
        ),
        malformed_v5(
            "No Local on a shared subscription",
            with_body(
                0x82,
                &[&[0x00, 0x01, 0x00, 0x00, 0x0A][..], b"$share/g/t", &[0x04]].concat(),
            ),
            E::NoLocalOnSharedSubscription,
        ),
        malformed_v5(
            "empty topic name without a topic alias",
            with_body(0x30, &[0x00, 0x00, 0x00]),
            E::EmptyTopicWithoutAlias,
        ),
        malformed_v5(
            "UNSUBACK without reason codes",
            with_body(0xB0, &[0x00, 0x01, 0x00]),
            E::NoEntries {
                packet: T::UnsubAck,
            },
        ),
        malformed_v5(
            "PUBACK with a byte after its properties",
            with_body(0x40, &[0x00, 0x01, 0x00, 0x00, 0xAA]),
            E::TrailingBytes {
                packet: T::PubAck,
                extra: 1,
            },
        ),
        malformed_v5(
            "CONNACK with reserved acknowledge flag bits",
            with_body(0x20, &[0x02, 0x00, 0x00]),
            E::ConnAckReservedFlags { flags: 0x02 },
        ),
        malformed_v5(
            "CONNECT will properties longer than the packet",
            v5_connect(0x06, &[0x00, 0x00, 0x01, b'a', 0x09, 0x01, 0x01]),
            E::PropertyLengthPastEnd {
                packet: T::Connect,
                length: 9,
                available: 2,
            },
        ),
        malformed_v5(
            "CONNECT protocol name MQIsdp with level 5",
            connect_bytes(b"MQIsdp", 5, 0x02, &[0x00, 0x00, 0x01, b'a']),
            E::UnknownProtocolLevel {
                name_of: Version::V31,
                level: 5,
            },
        ),
        malformed_v5(
            "DISCONNECT property length past the packet",
            // Reason 0x00, property length 3: identifier 0x1F and a string length missing a byte.
            with_body(0xE0, &[0x00, 0x03, 0x1F, 0x00]),
            E::PropertyLengthPastEnd {
                packet: T::Disconnect,
                length: 3,
                available: 2,
            },
        ),
        Malformed {
            version: Version::V311,
            ..malformed(
                "UNSUBACK with a MQTT 5 reason code in 3.1.1",
                vec![0xB0, 0x03, 0x00, 0x01, 0x00],
                E::TrailingBytes {
                    packet: T::UnsubAck,
                    extra: 1,
                },
            )
        },
        Malformed {
            // A CONNECT's version comes from the packet, whatever the connection's.
            version: Version::V311,
            ..malformed(
                "MQTT 5 CONNECT with property identifier 0x00, read as MQTT 5 by a 3.1.1 decoder",
                // Property length 1 holding identifier 0x00; then client id "a".
                v5_connect(0x02, &[0x01, 0x00, 0x00, 0x01, b'a']),
                E::UnknownProperty {
                    context: CONNECT_PROPERTIES,
                    identifier: 0x00,
                },
            )
        },
        malformed_v5(
            "will topic missing after will properties",
            v5_connect(0x06, &[0x00, 0x00, 0x01, b'a', 0x00]),
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::WillTopic,
            },
        ),
        malformed_v5(
            "MQTT 5 client identifier longer than the packet",
            // No properties, then a client id whose length runs past the packet.
            v5_connect(0x02, &[0x00, 0x00, 0x05, b'a']),
            E::StringPastEnd {
                field: Field::ClientId,
                length: 5,
                available: 1,
            },
        ),
        Malformed {
            version: Version::V5,
            ..malformed(
                "client identifier with U+0000 in MQTT 5",
                v5_connect(0x02, &[0x00, 0x00, 0x01, 0x00]),
                E::NullCharacter {
                    field: Field::ClientId,
                },
            )
        },
        malformed_v5(
            "one byte property list holding only an identifier",
            v5_publish(&[0x01, 0x23]),
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::Property(P::TopicAlias),
            },
        ),
        Malformed {
            version: Version::V5,
            ..malformed(
                "SUBSCRIBE without filters in MQTT 5",
                with_body(0x82, &[0x00, 0x01, 0x00]),
                E::NoEntries {
                    packet: T::Subscribe,
                },
            )
        },
        malformed_v5(
            "MQTT 5 CONNECT without its client id",
            v5_connect(0x02, &[0x00]),
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::ClientId,
            },
        ),
        malformed_v5(
            "MQTT 5 connect flags reserved bit",
            v5_connect(0x03, &[0x00]),
            E::ConnectReservedFlag,
        ),
        malformed_v5(
            "MQTT 5 CONNECT with a byte after its last field",
            v5_connect(0x02, &[&[0x00][..], client_id_a, &[0xEE]].concat()),
            E::TrailingBytes {
                packet: T::Connect,
                extra: 1,
            },
        ),
    ]
}

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

// ---------------------------------------------------------------------------------------------------
// Property-style tests

/// SplitMix64: tiny, fast, and good enough to spread test cases; seeded so failures reproduce.
struct TestRng(u64);

impl TestRng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..bound` for test generation (bound > 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.byte()).collect()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn qos(&mut self) -> QoS {
        self.pick(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
    }

    fn packet_id(&mut self) -> u16 {
        1 + self.below(usize::from(u16::MAX)) as u16
    }

    /// A valid string: mixes ASCII, multi-byte characters and U+FEFF; never U+0000, and no wildcards
    /// when `allow_wildcards` is false.
    fn string(&mut self, max_chars: usize, allow_wildcards: bool) -> String {
        const PLAIN: [char; 10] = ['a', 'Z', '/', '9', ' ', 'é', 'ß', '€', '\u{FEFF}', '𪛔'];
        const WILDCARDS: [char; 2] = ['+', '#'];
        let len = self.below(max_chars + 1);
        (0..len)
            .map(|_| {
                if allow_wildcards && self.chance(10) {
                    self.pick(&WILDCARDS)
                } else {
                    self.pick(&PLAIN)
                }
            })
            .collect()
    }

    fn version(&mut self) -> Version {
        self.pick(&ALL_VERSIONS)
    }

    /// A reason code defined for `packet` in MQTT 5, mostly success.
    fn reason_code(&mut self, packet: PacketType) -> u8 {
        if self.chance(50) {
            return 0;
        }
        let valid: Vec<u8> = (0..=u8::MAX)
            .filter(|&code| is_valid_reason_code(packet, code))
            .collect();
        self.pick(&valid)
    }

    /// A property `id` with a value the decoder accepts.
    fn property(&mut self, id: PropertyId) -> Property {
        let flag = self.below(2) as u8;
        let any_u16 = self.next_u64() as u16;
        let any_u32 = self.next_u64() as u32;
        let non_zero_u16 = any_u16.max(1);
        let non_zero_u32 = any_u32.max(1);
        match id {
            PropertyId::PayloadFormatIndicator => Property::PayloadFormatIndicator(flag),
            PropertyId::MessageExpiryInterval => Property::MessageExpiryInterval(any_u32),
            PropertyId::ContentType => Property::ContentType(self.string(10, true)),
            // No wildcards in a response topic.
            PropertyId::ResponseTopic => Property::ResponseTopic(self.string(10, false)),
            PropertyId::CorrelationData => Property::CorrelationData(self.bytes(10)),
            PropertyId::SubscriptionIdentifier => {
                // Small ones, and ones needing 2 to 4 bytes.
                let limit = self.pick(&[127, 16_383, 2_097_151, 268_435_455]);
                Property::SubscriptionIdentifier(1 + self.below(limit) as u32)
            }
            PropertyId::SessionExpiryInterval => Property::SessionExpiryInterval(any_u32),
            PropertyId::AssignedClientIdentifier => {
                Property::AssignedClientIdentifier(self.string(23, true))
            }
            PropertyId::ServerKeepAlive => Property::ServerKeepAlive(any_u16),
            PropertyId::AuthenticationMethod => {
                Property::AuthenticationMethod(self.string(8, true))
            }
            PropertyId::AuthenticationData => Property::AuthenticationData(self.bytes(12)),
            PropertyId::RequestProblemInformation => Property::RequestProblemInformation(flag),
            PropertyId::WillDelayInterval => Property::WillDelayInterval(any_u32),
            PropertyId::RequestResponseInformation => Property::RequestResponseInformation(flag),
            PropertyId::ResponseInformation => Property::ResponseInformation(self.string(8, true)),
            PropertyId::ServerReference => Property::ServerReference(self.string(8, true)),
            PropertyId::ReasonString => Property::ReasonString(self.string(16, true)),
            PropertyId::ReceiveMaximum => Property::ReceiveMaximum(non_zero_u16),
            PropertyId::TopicAliasMaximum => Property::TopicAliasMaximum(any_u16),
            PropertyId::TopicAlias => Property::TopicAlias(non_zero_u16),
            PropertyId::MaximumQoS => Property::MaximumQoS(flag),
            PropertyId::RetainAvailable => Property::RetainAvailable(flag),
            PropertyId::UserProperty => {
                Property::UserProperty(self.string(6, true), self.string(6, true))
            }
            PropertyId::MaximumPacketSize => Property::MaximumPacketSize(non_zero_u32),
            PropertyId::WildcardSubscriptionAvailable => {
                Property::WildcardSubscriptionAvailable(flag)
            }
            PropertyId::SubscriptionIdentifierAvailable => {
                Property::SubscriptionIdentifierAvailable(flag)
            }
            PropertyId::SharedSubscriptionAvailable => Property::SharedSubscriptionAvailable(flag),
        }
    }

    /// A valid property list for `context` (empty before MQTT 5): allowed identifiers in random order,
    /// the repeatable ones possibly repeated.
    fn properties(&mut self, version: Version, context: PropertyContext) -> Properties {
        if version != Version::V5 || self.chance(30) {
            return Properties::new();
        }
        let allowed: Vec<PropertyId> = PropertyId::ALL
            .into_iter()
            .filter(|id| id.is_allowed_in(context))
            .collect();
        let mut properties = Properties::new();
        if allowed.is_empty() {
            return properties;
        }
        for _ in 0..1 + self.below(6) {
            let id = self.pick(&allowed);
            if properties.get(id).is_some() && !id.may_repeat_in(context) {
                continue;
            }
            let property = self.property(id);
            properties.push(property);
        }
        // CONNECT: authentication data needs an authentication method.
        if context == CONNECT_PROPERTIES
            && properties.authentication_data().is_some()
            && properties.authentication_method().is_none()
        {
            properties.push(Property::AuthenticationMethod("m".into()));
        }
        properties
    }

    fn ack(&mut self, version: Version, packet: PacketType) -> Ack {
        let packet_id = self.packet_id();
        if version != Version::V5 {
            return Ack::new(packet_id);
        }
        Ack {
            packet_id,
            reason_code: self.reason_code(packet),
            properties: self.properties(version, PropertyContext::Packet(packet)),
        }
    }

    /// A packet the decoder must accept back unchanged in `version`.
    fn valid_packet(&mut self, version: Version) -> Packet {
        let v5 = version == Version::V5;
        let packet_types = if v5 { 15 } else { 14 };
        let packet_type = PacketType::from_u8(1 + self.below(packet_types) as u8).expect("1..=15");
        let properties = self.properties(version, PropertyContext::Packet(packet_type));
        match packet_type {
            PacketType::Connect => {
                let username = self.chance(50).then(|| self.string(8, true));
                // 3.1.1 forbids a password without a user name; 3.1 and MQTT 5 allow it.
                let password_allowed = username.is_some() || version != Version::V311;
                Packet::Connect(Connect {
                    version,
                    clean_session: self.chance(50),
                    keep_alive: self.next_u64() as u16,
                    client_id: self.string(23, true),
                    will: self.chance(50).then(|| Will {
                        topic: self.string(12, false),
                        payload: self.bytes(40),
                        qos: self.qos(),
                        retain: self.chance(50),
                        properties: self.properties(version, PropertyContext::Will),
                    }),
                    username,
                    password: (password_allowed && self.chance(50)).then(|| self.bytes(12)),
                    properties,
                })
            }
            PacketType::ConnAck => Packet::ConnAck(ConnAck {
                session_present: version != Version::V31 && self.chance(50),
                code: if v5 {
                    self.reason_code(PacketType::ConnAck)
                } else {
                    self.byte()
                },
                properties,
            }),
            PacketType::Publish => {
                let qos = self.qos();
                let has_id = qos != QoS::AtMostOnce;
                let topic = self.string(20, false);
                let mut properties = properties;
                // MQTT 5: an empty topic name needs a topic alias.
                if v5 && topic.is_empty() && properties.topic_alias().is_none() {
                    properties.push(Property::TopicAlias(1));
                }
                Packet::Publish(Publish {
                    dup: has_id && self.chance(50),
                    qos,
                    retain: self.chance(50),
                    topic,
                    packet_id: if has_id { self.packet_id() } else { 0 },
                    // Sometimes past 127 and 16383 bytes, to use 2- and 3-byte remaining lengths.
                    payload: match self.below(10) {
                        0 => self.bytes(20_000),
                        1..=3 => self.bytes(300),
                        _ => self.bytes(30),
                    },
                    properties,
                })
            }
            PacketType::PubAck => Packet::PubAck(self.ack(version, packet_type)),
            PacketType::PubRec => Packet::PubRec(self.ack(version, packet_type)),
            PacketType::PubRel => Packet::PubRel(self.ack(version, packet_type)),
            PacketType::PubComp => Packet::PubComp(self.ack(version, packet_type)),
            PacketType::Subscribe => Packet::Subscribe(Subscribe {
                packet_id: self.packet_id(),
                filters: (0..1 + self.below(5))
                    .map(|_| SubscribeFilter {
                        // Never starts with "$share/": No Local is fine.
                        filter: self.string(15, true),
                        qos: self.qos(),
                        no_local: v5 && self.chance(50),
                        retain_as_published: v5 && self.chance(50),
                        retain_handling: if v5 {
                            self.pick(&[
                                RetainHandling::SendAtSubscribe,
                                RetainHandling::SendIfNew,
                                RetainHandling::DoNotSend,
                            ])
                        } else {
                            RetainHandling::SendAtSubscribe
                        },
                    })
                    .collect(),
                properties,
            }),
            PacketType::SubAck => Packet::SubAck(SubAck {
                packet_id: self.packet_id(),
                return_codes: (0..1 + self.below(8))
                    .map(|_| {
                        if v5 {
                            self.reason_code(PacketType::SubAck)
                        } else {
                            self.pick(&[0x00, 0x01, 0x02, 0x80])
                        }
                    })
                    .collect(),
                properties,
            }),
            PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe {
                packet_id: self.packet_id(),
                filters: (0..1 + self.below(5))
                    .map(|_| self.string(15, true))
                    .collect(),
                properties,
            }),
            PacketType::UnsubAck => Packet::UnsubAck(UnsubAck {
                packet_id: self.packet_id(),
                reason_codes: if v5 {
                    (0..1 + self.below(8))
                        .map(|_| self.reason_code(PacketType::UnsubAck))
                        .collect()
                } else {
                    Vec::new()
                },
                properties,
            }),
            PacketType::PingReq => Packet::PingReq,
            PacketType::PingResp => Packet::PingResp,
            PacketType::Disconnect => Packet::Disconnect(Disconnect {
                reason_code: if v5 {
                    self.reason_code(PacketType::Disconnect)
                } else {
                    0
                },
                properties,
            }),
            PacketType::Auth => Packet::Auth(Auth {
                reason_code: self.reason_code(PacketType::Auth),
                properties,
            }),
        }
    }
}

#[test]
fn generated_packets_round_trip() {
    let mut rng = TestRng(0x5EED_0001);
    let mut seen_types = [0usize; 16];
    let mut seen_properties = [0usize; 64];
    for _ in 0..6_000 {
        let version = rng.version();
        let packet = rng.valid_packet(version);
        seen_types[usize::from(packet.type_number())] += 1;
        for property in all_properties(&packet) {
            seen_properties[usize::from(property.id().identifier())] += 1;
        }
        let bytes = encoded(&packet, version);
        assert_eq!(
            decode(&bytes, version, NO_LIMIT),
            Ok(Some((packet.clone(), bytes.len()))),
            "{version:?} {packet:?}"
        );
        // Trailing bytes of the next packet are not consumed.
        let mut followed = bytes.clone();
        followed.extend_from_slice(&[0xC0, 0x00]);
        assert_eq!(
            decode(&followed, version, NO_LIMIT),
            Ok(Some((packet.clone(), bytes.len())))
        );
        // One byte under the limit is rejected as soon as the fixed header is complete.
        let (_, length_bytes) = primitives::decode_remaining_length(&bytes[1..])
            .expect("valid length")
            .expect("complete length");
        let header_len = 1 + length_bytes;
        assert_eq!(
            decode(&bytes[..header_len], version, bytes.len() - 1),
            Err(DecodeError::PacketTooLarge {
                size: bytes.len(),
                max: bytes.len() - 1
            })
        );
    }
    // AUTH (15) exists in MQTT 5 only, so it is drawn a third as often.
    assert!(
        seen_types[1..15].iter().all(|&count| count > 100) && seen_types[15] > 50,
        "{seen_types:?}"
    );
    for id in PropertyId::ALL {
        assert!(
            // CONNACK-only properties are the rarest: about 15 each.
            seen_properties[usize::from(id.identifier())] > 5,
            "{id}: {seen_properties:?}"
        );
    }
}

/// Every property of a packet, will properties included.
fn all_properties(packet: &Packet) -> Vec<&Property> {
    let (properties, will) = match packet {
        Packet::Connect(connect) => (
            &connect.properties,
            connect.will.as_ref().map(|will| &will.properties),
        ),
        Packet::ConnAck(connack) => (&connack.properties, None),
        Packet::Publish(publish) => (&publish.properties, None),
        Packet::PubAck(ack) | Packet::PubRec(ack) | Packet::PubRel(ack) | Packet::PubComp(ack) => {
            (&ack.properties, None)
        }
        Packet::Subscribe(subscribe) => (&subscribe.properties, None),
        Packet::SubAck(suback) => (&suback.properties, None),
        Packet::Unsubscribe(unsubscribe) => (&unsubscribe.properties, None),
        Packet::UnsubAck(unsuback) => (&unsuback.properties, None),
        Packet::Disconnect(disconnect) => (&disconnect.properties, None),
        Packet::Auth(auth) => (&auth.properties, None),
        Packet::PingReq | Packet::PingResp => return Vec::new(),
    };
    properties
        .iter()
        .chain(will.into_iter().flatten())
        .collect()
}

#[test]
fn generated_packets_fed_one_byte_at_a_time() {
    let mut rng = TestRng(0x5EED_0002);
    for _ in 0..500 {
        let version = rng.version();
        let packet = rng.valid_packet(version);
        if let Packet::Publish(publish) = &packet
            && publish.payload.len() > 1_000
        {
            // Quadratic in the packet size; the large ones are covered by the whole-buffer test.
            continue;
        }
        assert_round_trip(&packet, version);
    }
}

/// Decoding arbitrary bytes must never panic, never claim more bytes than it was given, and whatever it
/// accepts must survive an encode/decode cycle unchanged (the decoder accepts nothing it cannot express).
fn check_arbitrary_input(bytes: &[u8], version: Version, max_size: usize) {
    assert_frame_decode_matches(bytes, version, max_size);
    // Incomplete input and errors are both fine here: only acceptance has properties to check.
    if let Ok(Some((packet, used))) = decode(bytes, version, max_size) {
        assert!(used <= bytes.len() && used <= max_size, "{bytes:02X?}");
        assert!(used >= 2);
        let reencoded = encoded(&packet, version);
        assert_eq!(
            decode(&reencoded, version, NO_LIMIT),
            Ok(Some((packet, reencoded.len()))),
            "from {bytes:02X?}"
        );
    }
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = TestRng(0x5EED_0003);
    for _ in 0..50_000 {
        let bytes = rng.bytes(48);
        check_arbitrary_input(&bytes, rng.version(), NO_LIMIT);
    }
}

#[test]
fn structured_garbage_reaches_every_body_decoder_without_panicking() {
    // A plausible first byte and a correct short remaining length, so the body decoders see the garbage.
    let mut rng = TestRng(0x5EED_0004);
    let mut accepted = 0;
    for _ in 0..100_000 {
        let type_number = 1 + rng.below(15) as u8;
        let packet_type = PacketType::from_u8(type_number).expect("1..=15");
        let flags = if packet_type == PacketType::Publish || rng.chance(5) {
            rng.byte() & 0x0F
        } else {
            packet_type.required_flags()
        };
        let mut body = rng.bytes(24);
        if type_number == 1 && rng.chance(80) {
            // Most CONNECTs get a real protocol header so that the flag and payload checks run.
            let header: &[u8] = match rng.below(3) {
                0 => &[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04],
                1 => &[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05],
                _ => &[0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03],
            };
            body.splice(0..0, header.iter().copied());
        }
        let mut bytes = vec![(type_number << 4) | flags, body.len() as u8];
        bytes.extend_from_slice(&body);
        let cut = if rng.chance(20) {
            rng.below(bytes.len() + 1)
        } else {
            bytes.len()
        };
        if matches!(decode(&bytes[..cut], rng.version(), NO_LIMIT), Ok(Some(_))) {
            accepted += 1;
        }
        check_arbitrary_input(&bytes[..cut], rng.version(), NO_LIMIT);
    }
    // Some garbage is valid (acks with a non-zero id, SUBACKs...): the test does reach success paths.
    assert!(accepted > 1_000, "accepted {accepted}");
}

#[test]
fn mutated_valid_packets_never_panic() {
    let mut rng = TestRng(0x5EED_0005);
    for _ in 0..20_000 {
        let version = rng.version();
        let mut bytes = encoded(&rng.valid_packet(version), version);
        for _ in 0..1 + rng.below(3) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = rng.byte(),
                1 => bytes[at] ^= 1 << rng.below(8),
                _ => {
                    bytes.truncate(at);
                }
            }
        }
        let max_size = if rng.chance(10) {
            rng.below(64)
        } else {
            NO_LIMIT
        };
        check_arbitrary_input(&bytes, rng.version(), max_size);
    }
}

// ---------------------------------------------------------------------------------------------------
// Large payloads: the header-only encoder and the owned-buffer decoder

/// [`decode_frame`] gives exactly what [`decode_with`] gives for the same bytes (with either reason
/// code policy). When it decoded a PUBLISH that fills the whole buffer, the payload is that buffer (same
/// allocation, no copy) and the buffer is left empty; otherwise the buffer is untouched.
fn assert_frame_decode_matches(bytes: &[u8], version: Version, max_size: usize) {
    for reason_codes in [ReasonCodes::Listed, ReasonCodes::AnyInAcks] {
        let expected = decode_with(bytes, version, max_size, reason_codes);
        let mut frame = bytes.to_vec();
        let buffer = frame.as_ptr();
        let got = decode_frame(&mut frame, version, max_size, reason_codes);
        assert_eq!(got, expected, "{version:?} {bytes:02X?}");
        match &got {
            Ok(Some((Packet::Publish(publish), used))) if *used == bytes.len() => {
                assert!(frame.is_empty(), "the buffer was taken over");
                assert_eq!(
                    publish.payload.as_ptr(),
                    buffer,
                    "payload copied: {bytes:02X?}"
                );
            }
            _ => assert_eq!(frame, bytes, "the buffer is left as it was"),
        }
    }
}

#[test]
fn decode_frame_equals_decode_for_generated_packets_prefixes_and_followers() {
    let mut rng = TestRng(0x5EED_0006);
    let mut whole_publishes = 0;
    for _ in 0..3_000 {
        let version = rng.version();
        let packet = rng.valid_packet(version);
        let bytes = encoded(&packet, version);
        assert_frame_decode_matches(&bytes, version, NO_LIMIT);
        if matches!(packet, Packet::Publish(_)) {
            whole_publishes += 1;
        }
        // Incomplete: the buffer must stay the caller's.
        let cut = rng.below(bytes.len());
        assert_frame_decode_matches(&bytes[..cut], version, NO_LIMIT);
        // Followed by the start of another packet: decoded from the buffer, which stays untouched.
        let mut followed = bytes.clone();
        followed.extend_from_slice(&[0x30, 0x05]);
        assert_frame_decode_matches(&followed, version, NO_LIMIT);
        // Too large for the limit.
        assert_frame_decode_matches(&bytes, version, bytes.len() - 1);
    }
    assert!(whole_publishes > 100, "{whole_publishes}");
}

#[test]
fn decode_frame_gives_the_exact_error_of_every_malformed_input() {
    for case in malformed_inputs() {
        assert_eq!(
            decode_frame(
                &mut case.bytes.clone(),
                case.version,
                case.max_size,
                ReasonCodes::Listed
            ),
            Err(case.expected.clone()),
            "{}",
            case.rule
        );
        assert_frame_decode_matches(&case.bytes, case.version, case.max_size);
    }
}

/// A large PUBLISH of every QoS in every version, with MQTT 5 properties: owned decoding gives the same
/// message without copying its payload.
#[test]
fn decode_frame_keeps_a_large_payload_in_place() {
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    for version in ALL_VERSIONS {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let publish = Publish {
                dup: qos != QoS::AtMostOnce,
                qos,
                retain: true,
                topic: "big/payload".into(),
                packet_id: if qos == QoS::AtMostOnce { 0 } else { 0x0102 },
                payload: payload.clone(),
                properties: if version == Version::V5 {
                    Properties::new()
                        .with(Property::ContentType("bin".into()))
                        .with(Property::UserProperty("k".into(), "v".into()))
                } else {
                    Properties::new()
                },
            };
            let bytes = encoded(&Packet::Publish(publish.clone()), version);
            let mut frame = bytes.clone();
            let buffer = frame.as_ptr();
            let decoded = decode_frame(&mut frame, version, NO_LIMIT, ReasonCodes::AnyInAcks);
            let Ok(Some((Packet::Publish(got), used))) = decoded else {
                panic!("{version:?} {qos:?}: {decoded:?}");
            };
            assert_eq!(used, bytes.len());
            assert_eq!(got, publish, "{version:?} {qos:?}");
            assert_eq!(got.payload.as_ptr(), buffer);
            assert!(frame.is_empty());
        }
    }
}

/// The header-only encoder followed by the payload is byte for byte what `encode` writes.
#[test]
fn publish_header_then_payload_equals_encode() {
    let mut rng = TestRng(0x5EED_0007);
    let mut checked = 0;
    while checked < 1_000 {
        let version = rng.version();
        let Packet::Publish(publish) = rng.valid_packet(version) else {
            continue;
        };
        checked += 1;
        let whole = encoded(&Packet::Publish(publish.clone()), version);
        // After bytes already queued, which stay as they are.
        let mut out = vec![0xAA, 0xBB];
        let header = Publish {
            payload: Vec::new(),
            ..publish.clone()
        };
        encode_publish_header(&header, publish.payload.len(), version, &mut out)
            .expect("encodable");
        out.extend_from_slice(&publish.payload);
        assert_eq!(out[..2], [0xAA, 0xBB]);
        assert_eq!(out[2..], whole[..], "{version:?} {publish:?}");
        // `publish.payload` is ignored: only `payload_len` counts.
        let mut ignoring = Vec::new();
        encode_publish_header(&publish, publish.payload.len(), version, &mut ignoring)
            .expect("encodable");
        assert_eq!(ignoring[..], whole[..whole.len() - publish.payload.len()]);
    }
}

#[test]
fn publish_header_reserves_no_room_for_the_payload_and_fails_like_encode() {
    let header = Publish {
        qos: QoS::AtLeastOnce,
        topic: "t".into(),
        packet_id: 1,
        ..Default::default()
    };
    let mut out = Vec::new();
    encode_publish_header(&header, 10 << 20, Version::V311, &mut out).expect("encodable");
    // 0x32, a 4-byte remaining length of 10 MiB + 5, topic "t", packet id 1.
    let remaining = (10 << 20) + 5;
    assert_eq!(
        out,
        [
            0x32,
            (remaining & 0x7F) as u8 | 0x80,
            ((remaining >> 7) & 0x7F) as u8 | 0x80,
            ((remaining >> 14) & 0x7F) as u8 | 0x80,
            (remaining >> 21) as u8,
            0x00,
            0x01,
            b't',
            0x00,
            0x01
        ]
    );
    assert!(out.capacity() < 1 << 20, "capacity {}", out.capacity());

    // Too large for the remaining length: the same error as encode would give, nothing appended.
    let mut out = vec![7];
    assert_eq!(
        encode_publish_header(&header, MAX_REMAINING_LENGTH - 4, Version::V311, &mut out),
        Err(EncodeError::PacketTooLarge {
            remaining_length: MAX_REMAINING_LENGTH + 1
        })
    );
    assert_eq!(
        encode_publish_header(&header, usize::MAX, Version::V5, &mut out),
        Err(EncodeError::PacketTooLarge {
            remaining_length: usize::MAX
        })
    );
    let long_topic = Publish {
        topic: "x".repeat(65_536),
        ..header
    };
    assert_eq!(
        encode_publish_header(&long_topic, 0, Version::V311, &mut out),
        Err(EncodeError::FieldTooLong { len: 65_536 })
    );
    assert_eq!(out, [7]);
}
