//! The table of malformed MQTT 3.1/3.1.1 inputs and the exact error of each.

use super::*;

pub(super) fn malformed_v3_inputs() -> Vec<Malformed> {
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
