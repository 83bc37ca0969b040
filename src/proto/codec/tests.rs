//! Codec-wide tests: round trips for every packet type and version, byte-at-a-time feeding, the table of
//! malformed inputs, and property-style tests driven by a small deterministic PRNG. Spec byte vectors live
//! next to each packet family (`primitives.rs`, `connect.rs`, `publish.rs`, `subscribe.rs`).

use super::*;

const NO_LIMIT: usize = usize::MAX;
const VERSIONS: [Version; 2] = [Version::V31, Version::V311];

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

fn sample_packets(version: Version) -> Vec<Packet> {
    let ack = Ack { packet_id: 513 };
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
            }),
            username: Some("user".into()),
            password: Some(vec![0xFF, 0x00, b'x']),
        }),
        Packet::Connect(Connect {
            version,
            clean_session: true,
            keep_alive: 60,
            client_id: "rsub|1234".into(),
            will: None,
            username: None,
            password: None,
        }),
        Packet::ConnAck(ConnAck {
            // 3.1 has no session present flag, so only 3.1.1 can carry `true` through a round trip.
            session_present: version == Version::V311,
            code: 0,
        }),
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: 5,
        }),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "sensors/temp".into(),
            packet_id: 0,
            payload: b"21.5".to_vec(),
        }),
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: "a".into(),
            packet_id: 65_535,
            payload: vec![0xAB; 300],
        }),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: String::new(),
            packet_id: 1,
            payload: Vec::new(),
        }),
        Packet::PubAck(ack),
        Packet::PubRec(ack),
        Packet::PubRel(ack),
        Packet::PubComp(ack),
        Packet::Subscribe(Subscribe {
            packet_id: 2,
            filters: vec![
                SubscribeFilter {
                    filter: "#".into(),
                    qos: QoS::AtMostOnce,
                },
                SubscribeFilter {
                    filter: "a/+/c".into(),
                    qos: QoS::ExactlyOnce,
                },
            ],
        }),
        Packet::SubAck(SubAck {
            packet_id: 2,
            return_codes: vec![0x00, 0x01, 0x02, 0x80],
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 3,
            filters: vec!["#".into()],
        }),
        Packet::UnsubAck(Ack { packet_id: 3 }),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Disconnect,
    ]
}

#[test]
fn every_packet_type_round_trips_in_both_versions() {
    for version in VERSIONS {
        let packets = sample_packets(version);
        let mut seen_types: Vec<u8> = packets.iter().map(Packet::type_number).collect();
        seen_types.dedup();
        assert_eq!(seen_types, (1..=14).collect::<Vec<u8>>(), "all 14 types");
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
                assert!((1..=14).contains(&number));
                assert_eq!(packet_type as u8, number);
            }
            None => assert!(number == 0 || number >= 15),
        }
    }
    assert_eq!(PacketType::UnsubAck.to_string(), "UNSUBACK");
    assert_eq!(Packet::PingResp.packet_type().name(), "PINGRESP");
}

#[test]
fn a_stream_of_packets_decodes_one_after_another() {
    for version in VERSIONS {
        let packets = sample_packets(version);
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
    encode(
        &Packet::PubAck(Ack { packet_id: 1 }),
        Version::V311,
        &mut out,
    )
    .expect("encodable");
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
    assert_eq!(
        decode(&[0xD0, 0x80, 0x01], Version::V311, NO_LIMIT),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::PingResp,
            extra: 128
        })
    );
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

fn malformed_inputs() -> Vec<Malformed> {
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
            "CONNECT MQTT level 5",
            connect_bytes(b"MQTT", 5, 0x02, client_id_a),
            E::UnknownProtocolLevel {
                name_of: Version::V311,
                level: 5,
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
        }
    };
    let mut covered = [false; 23];
    for case in malformed_inputs() {
        covered[covers(&case.expected)] = true;
    }
    assert_eq!(covered, [true; 23]);
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
                level: 5,
            },
            "CONNECT protocol MQTT with level 5, expected level 4 (MQTT 3.1.1 §3.1.2.2)",
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
        }),
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![SubscribeFilter {
                filter: long_topic.clone(),
                qos: QoS::AtMostOnce,
            }],
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 1,
            filters: vec!["ok".into(), long_topic.clone()],
        }),
        Packet::Connect(Connect {
            version: Version::V311,
            clean_session: true,
            keep_alive: 0,
            client_id: long_topic.clone(),
            will: None,
            username: None,
            password: None,
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
    // A field of exactly 65535 bytes is fine.
    let max_topic = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "y".repeat(65_535),
        packet_id: 0,
        payload: Vec::new(),
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
        self.pick(&VERSIONS)
    }

    /// A packet the decoder must accept back unchanged in `version`.
    fn valid_packet(&mut self, version: Version) -> Packet {
        match self.below(14) + 1 {
            1 => {
                let username = self.chance(50).then(|| self.string(8, true));
                // 3.1.1 forbids a password without a user name; 3.1 allowed it.
                let password_allowed = username.is_some() || version == Version::V31;
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
                    }),
                    username,
                    password: (password_allowed && self.chance(50)).then(|| self.bytes(12)),
                })
            }
            2 => Packet::ConnAck(ConnAck {
                session_present: version == Version::V311 && self.chance(50),
                code: self.byte(),
            }),
            3 => {
                let qos = self.qos();
                let has_id = qos != QoS::AtMostOnce;
                Packet::Publish(Publish {
                    dup: has_id && self.chance(50),
                    qos,
                    retain: self.chance(50),
                    topic: self.string(20, false),
                    packet_id: if has_id { self.packet_id() } else { 0 },
                    // Sometimes past 127 and 16383 bytes, to use 2- and 3-byte remaining lengths.
                    payload: match self.below(10) {
                        0 => self.bytes(20_000),
                        1..=3 => self.bytes(300),
                        _ => self.bytes(30),
                    },
                })
            }
            4 => Packet::PubAck(Ack {
                packet_id: self.packet_id(),
            }),
            5 => Packet::PubRec(Ack {
                packet_id: self.packet_id(),
            }),
            6 => Packet::PubRel(Ack {
                packet_id: self.packet_id(),
            }),
            7 => Packet::PubComp(Ack {
                packet_id: self.packet_id(),
            }),
            8 => Packet::Subscribe(Subscribe {
                packet_id: self.packet_id(),
                filters: (0..1 + self.below(5))
                    .map(|_| SubscribeFilter {
                        filter: self.string(15, true),
                        qos: self.qos(),
                    })
                    .collect(),
            }),
            9 => Packet::SubAck(SubAck {
                packet_id: self.packet_id(),
                return_codes: (0..1 + self.below(8))
                    .map(|_| self.pick(&[0x00, 0x01, 0x02, 0x80]))
                    .collect(),
            }),
            10 => Packet::Unsubscribe(Unsubscribe {
                packet_id: self.packet_id(),
                filters: (0..1 + self.below(5))
                    .map(|_| self.string(15, true))
                    .collect(),
            }),
            11 => Packet::UnsubAck(Ack {
                packet_id: self.packet_id(),
            }),
            12 => Packet::PingReq,
            13 => Packet::PingResp,
            _ => Packet::Disconnect,
        }
    }
}

#[test]
fn generated_packets_round_trip() {
    let mut rng = TestRng(0x5EED_0001);
    let mut seen_types = [0usize; 15];
    for _ in 0..5_000 {
        let version = rng.version();
        let packet = rng.valid_packet(version);
        seen_types[usize::from(packet.type_number())] += 1;
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
    assert!(
        seen_types[1..].iter().all(|&count| count > 100),
        "{seen_types:?}"
    );
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
        let type_number = 1 + rng.below(14) as u8;
        let packet_type = PacketType::from_u8(type_number).expect("1..=14");
        let flags = if packet_type == PacketType::Publish || rng.chance(5) {
            rng.byte() & 0x0F
        } else {
            packet_type.required_flags()
        };
        let mut body = rng.bytes(24);
        if type_number == 1 && rng.chance(80) {
            // Most CONNECTs get a real protocol header so that the flag and payload checks run.
            let header: &[u8] = if rng.chance(50) {
                &[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04]
            } else {
                &[0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03]
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
