//! PUBLISH and the four packets that acknowledge it: PUBACK, PUBREC, PUBREL, PUBCOMP. MQTT 3.1.1
//! §3.3-§3.7; MQTT 5.0 §3.3-§3.7 add PUBLISH properties, and a reason code and properties to the acks.

use super::primitives::{
    Reader, field_size, write_binary, write_fixed_header, write_fixed_header_reserving, write_u16,
};
use super::{
    Ack, DecodeError, EncodeError, Field, PacketType, Properties, PropertyContext, Publish, QoS,
    ReasonCodes, Version, is_valid_reason_code,
};

/// PUBLISH fixed header flags (MQTT 3.1.1 §3.3.1).
const DUP_FLAG: u8 = 0b1000;
const QOS_SHIFT: u8 = 1;
const QOS_MASK: u8 = 0b0110;
const RETAIN_FLAG: u8 = 0b0001;

const PUBLISH_FIRST_BYTE: u8 = (PacketType::Publish as u8) << 4;

/// Called on the first byte alone, so a bad PUBLISH is rejected before its body arrives.
pub fn check_publish_flags(flags: u8) -> Result<(), DecodeError> {
    let qos = QoS::from_u8((flags & QOS_MASK) >> QOS_SHIFT).ok_or(DecodeError::PublishQoS3)?;
    if qos == QoS::AtMostOnce && flags & DUP_FLAG != 0 {
        return Err(DecodeError::PublishDupWithQoS0);
    }
    Ok(())
}

pub fn encode_publish(
    publish: &Publish,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let payload = &publish.payload;
    // Room for the whole packet at once, so the payload is copied once and never regrown.
    write_publish_header(publish, payload.len(), payload.len(), version, out)?;
    out.extend_from_slice(payload);
    Ok(())
}

/// Appends everything [`encode_publish`] writes for `publish` except the payload, announcing a payload
/// of `payload_len` bytes that the caller sends right after these bytes; `publish.payload` is not
/// looked at. Only the header's room is reserved in `out`: a large payload is meant to be written
/// from where it already is, not copied in. On error nothing is appended.
pub fn encode_publish_header(
    publish: &Publish,
    payload_len: usize,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    write_publish_header(publish, payload_len, 0, version, out)
}

/// The PUBLISH fixed and variable headers for a payload of `payload_len` bytes, reserving room for
/// `reserve_extra` bytes more after them.
fn write_publish_header(
    publish: &Publish,
    payload_len: usize,
    reserve_extra: usize,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let has_packet_id = publish.qos != QoS::AtMostOnce;
    let packet_id_size = if has_packet_id { 2 } else { 0 };
    let properties_size = match version {
        Version::V5 => publish.properties.encoded_size()?,
        Version::V31 | Version::V311 => 0,
    };
    let variable_header_size = field_size(publish.topic.len())?
        .saturating_add(packet_id_size)
        .saturating_add(properties_size);
    // Saturating: a payload near usize::MAX must become PacketTooLarge, not wrap around.
    let remaining_length = variable_header_size.saturating_add(payload_len);

    let mut first_byte = PUBLISH_FIRST_BYTE | (publish.qos.as_u8() << QOS_SHIFT);
    if publish.dup {
        first_byte |= DUP_FLAG;
    }
    if publish.retain {
        first_byte |= RETAIN_FLAG;
    }

    write_fixed_header_reserving(
        first_byte,
        remaining_length,
        variable_header_size.saturating_add(reserve_extra),
        out,
    )?;
    write_binary(publish.topic.as_bytes(), out);
    if has_packet_id {
        write_u16(publish.packet_id, out);
    }
    if version == Version::V5 {
        publish.properties.write(out);
    }
    Ok(())
}

/// `flags` were validated by [`check_publish_flags`] already.
pub fn decode_publish(flags: u8, body: &[u8], version: Version) -> Result<Publish, DecodeError> {
    let (mut publish, payload_start) = decode_publish_fields(flags, body, version)?;
    publish.payload = body.get(payload_start..).unwrap_or_default().to_vec();
    Ok(publish)
}

/// Every field of a PUBLISH but its payload (left empty), and where the payload starts in `body`:
/// everything from there to the end of the body is the payload.
pub fn decode_publish_fields(
    flags: u8,
    body: &[u8],
    version: Version,
) -> Result<(Publish, usize), DecodeError> {
    let qos = QoS::from_u8((flags & QOS_MASK) >> QOS_SHIFT).ok_or(DecodeError::PublishQoS3)?;
    let mut reader = Reader::new(body, PacketType::Publish);
    let topic = reader.read_str(Field::TopicName)?;
    // A topic name names one topic; wildcards belong to topic filters only (§3.3.2.1). An empty topic
    // name is left to the state machine in 3.x (brokers differ); MQTT 5 allows it only with a topic
    // alias, whose mapping is the state machine's business.
    if topic.bytes().any(|byte| byte == b'+' || byte == b'#') {
        return Err(DecodeError::WildcardInTopicName);
    }
    let packet_id = if qos == QoS::AtMostOnce {
        0
    } else {
        reader.read_packet_id()?
    };
    let properties = if version == Version::V5 {
        let properties =
            Properties::read(&mut reader, PropertyContext::Packet(PacketType::Publish))?;
        if topic.is_empty() && properties.topic_alias().is_none() {
            return Err(DecodeError::EmptyTopicWithoutAlias);
        }
        properties
    } else {
        Properties::new()
    };
    let payload_start = body.len() - reader.remaining();
    let publish = Publish {
        dup: flags & DUP_FLAG != 0,
        qos,
        retain: flags & RETAIN_FLAG != 0,
        topic: topic.to_owned(),
        packet_id,
        payload: Vec::new(),
        properties,
    };
    Ok((publish, payload_start))
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP: a packet identifier; in MQTT 5 then a reason code and properties,
/// both omitted when the code is 0 and there are no properties, the properties alone omitted when there
/// are none (remaining length 2, 3, or more: 5.0 §3.4.2.1, §3.4.2.2.1).
pub fn encode_ack(
    packet: PacketType,
    ack: &Ack,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let [id_high, id_low] = ack.packet_id.to_be_bytes();
    let first_byte = ((packet as u8) << 4) | packet.required_flags();
    let v5 = version == Version::V5;
    if !v5 || (ack.reason_code == 0 && ack.properties.is_empty()) {
        out.extend_from_slice(&[first_byte, 2, id_high, id_low]);
    } else if ack.properties.is_empty() {
        out.extend_from_slice(&[first_byte, 3, id_high, id_low, ack.reason_code]);
    } else {
        let remaining_length = ack.properties.encoded_size()?.saturating_add(3);
        write_fixed_header(first_byte, remaining_length, out)?;
        out.extend_from_slice(&[id_high, id_low, ack.reason_code]);
        ack.properties.write(out);
    }
    Ok(())
}

pub fn decode_ack(
    packet: PacketType,
    body: &[u8],
    version: Version,
    reason_codes: ReasonCodes,
) -> Result<Ack, DecodeError> {
    let mut reader = Reader::new(body, packet);
    let packet_id = reader.read_packet_id()?;
    let mut ack = Ack::new(packet_id);
    if version == Version::V5 && !reader.is_empty() {
        ack.reason_code = reader.read_u8(Field::ReasonCode)?;
        if reason_codes == ReasonCodes::Listed && !is_valid_reason_code(packet, ack.reason_code) {
            return Err(DecodeError::InvalidReasonCode {
                packet,
                code: ack.reason_code,
            });
        }
        if !reader.is_empty() {
            ack.properties = Properties::read(&mut reader, PropertyContext::Packet(packet))?;
        }
    }
    reader.finish()?;
    Ok(ack)
}

#[cfg(test)]
mod tests {
    use super::super::{Packet, Version, decode, encode};
    use super::*;

    const NO_LIMIT: usize = usize::MAX;

    fn encoded(packet: &Packet) -> Vec<u8> {
        let mut out = Vec::new();
        encode(packet, Version::V311, &mut out).expect("encodable");
        out
    }

    /// MQTT 3.1.1 §3.3.2, the "Publish Packet variable header non normative example":
    /// topic name "a/b", packet identifier 10.
    const SPEC_PUBLISH_VARIABLE_HEADER: [u8; 7] = [0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A];

    #[test]
    fn publish_matches_spec_variable_header_example() {
        let packet = Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: "a/b".into(),
            packet_id: 10,
            payload: b"hi".to_vec(),
            ..Default::default()
        });
        let bytes = encoded(&packet);
        let mut expected = vec![0x32, 9];
        expected.extend_from_slice(&SPEC_PUBLISH_VARIABLE_HEADER);
        expected.extend_from_slice(b"hi");
        assert_eq!(bytes, expected);
        assert_eq!(
            decode(&bytes, Version::V311, NO_LIMIT),
            Ok(Some((packet, bytes.len())))
        );
    }

    #[test]
    fn publish_qos0_writes_no_packet_id() {
        let packet = Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: true,
            topic: "a/b".into(),
            // Not on the wire for QoS 0, whatever the caller put here.
            packet_id: 77,
            payload: b"x".to_vec(),
            ..Default::default()
        });
        let bytes = encoded(&packet);
        assert_eq!(bytes, [0x31, 6, 0x00, 0x03, b'a', b'/', b'b', b'x']);
        let Ok(Some((Packet::Publish(decoded), 8))) = decode(&bytes, Version::V311, NO_LIMIT)
        else {
            panic!("must decode");
        };
        assert_eq!(decoded.packet_id, 0);
        assert_eq!(decoded.payload, b"x");
        assert!(decoded.retain);
    }

    #[test]
    fn publish_flags_qos2_dup() {
        let packet = Packet::Publish(Publish {
            dup: true,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: String::new(),
            packet_id: 0xBEEF,
            payload: Vec::new(),
            ..Default::default()
        });
        let bytes = encoded(&packet);
        assert_eq!(bytes, [0x3C, 4, 0x00, 0x00, 0xBE, 0xEF]);
        assert_eq!(
            decode(&bytes, Version::V311, NO_LIMIT),
            Ok(Some((packet, 6)))
        );
    }

    #[test]
    fn ten_megabyte_publish_round_trips_in_one_reservation() {
        let payload: Vec<u8> = (0..10 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
        let packet = Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: "big".into(),
            packet_id: 1,
            payload,
            ..Default::default()
        });
        let mut out = Vec::new();
        encode(&packet, Version::V311, &mut out).expect("encodable");
        // 1 + 4 (remaining length) + 5 (topic) + 2 (packet id) + payload: reserved exactly once.
        assert_eq!(out.len(), 1 + 4 + 5 + 2 + 10 * 1024 * 1024);
        assert_eq!(out.capacity(), out.len());
        assert_eq!(
            decode(&out, Version::V311, NO_LIMIT),
            Ok(Some((packet, out.len())))
        );
    }

    #[test]
    fn publish_too_large_appends_nothing() {
        let packet = Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "t".into(),
            packet_id: 0,
            payload: vec![0; super::super::MAX_REMAINING_LENGTH - 2],
            ..Default::default()
        });
        let mut out = vec![1, 2, 3];
        assert_eq!(
            encode(&packet, Version::V311, &mut out),
            Err(EncodeError::PacketTooLarge {
                remaining_length: super::super::MAX_REMAINING_LENGTH + 1
            })
        );
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn ack_bytes() {
        // §3.4-§3.7: type nibble, flags (0b0010 for PUBREL only), length 2, packet id.
        let ack = Ack::new(0x1234);
        for (packet, first_byte) in [
            (Packet::PubAck(ack.clone()), 0x40),
            (Packet::PubRec(ack.clone()), 0x50),
            (Packet::PubRel(ack.clone()), 0x62),
            (Packet::PubComp(ack), 0x70),
        ] {
            let bytes = encoded(&packet);
            assert_eq!(bytes, [first_byte, 0x02, 0x12, 0x34]);
            assert_eq!(
                decode(&bytes, Version::V311, NO_LIMIT),
                Ok(Some((packet, 4)))
            );
        }
    }

    #[test]
    fn v31_accepts_dup_on_pubrel_only_in_v31() {
        let retried_pubrel = [0x6A, 0x02, 0x00, 0x07];
        assert_eq!(
            decode(&retried_pubrel, Version::V31, NO_LIMIT),
            Ok(Some((Packet::PubRel(Ack::new(7)), 4)))
        );
        assert_eq!(
            decode(&retried_pubrel, Version::V311, NO_LIMIT),
            Err(DecodeError::InvalidFlags {
                packet: PacketType::PubRel,
                flags: 0x0A
            })
        );
    }

    // -----------------------------------------------------------------------------------------------
    // MQTT 5

    use super::super::Property;

    fn encoded_v5(packet: &Packet) -> Vec<u8> {
        let mut out = Vec::new();
        encode(packet, Version::V5, &mut out).expect("encodable");
        out
    }

    fn assert_v5_bytes(packet: &Packet, expected: &[u8]) {
        assert_eq!(encoded_v5(packet), expected, "{packet:?}");
        assert_eq!(
            decode(expected, Version::V5, NO_LIMIT),
            Ok(Some((packet.clone(), expected.len())))
        );
    }

    /// MQTT 5.0 §3.3.2.3, the "PUBLISH packet Variable Header non-normative example": topic name "a/b",
    /// packet identifier 10, no properties.
    const SPEC_V5_PUBLISH_VARIABLE_HEADER: [u8; 8] =
        [0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, 0x00];

    #[test]
    fn v5_publish_matches_spec_variable_header_example() {
        let packet = Packet::Publish(Publish {
            qos: QoS::AtLeastOnce,
            topic: "a/b".into(),
            packet_id: 10,
            payload: b"hi".to_vec(),
            ..Default::default()
        });
        let mut expected = vec![0x32, 10];
        expected.extend_from_slice(&SPEC_V5_PUBLISH_VARIABLE_HEADER);
        expected.extend_from_slice(b"hi");
        assert_v5_bytes(&packet, &expected);
    }

    #[test]
    fn v5_publish_with_properties() {
        let packet = Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: true,
            topic: "t".into(),
            packet_id: 0,
            payload: b"{}".to_vec(),
            properties: Properties::new()
                .with(Property::PayloadFormatIndicator(1))
                .with(Property::MessageExpiryInterval(3600))
                .with(Property::TopicAlias(2))
                .with(Property::ResponseTopic("r".into()))
                .with(Property::CorrelationData(vec![0xC0]))
                .with(Property::UserProperty("a".into(), "b".into()))
                .with(Property::SubscriptionIdentifier(200))
                .with(Property::ContentType("json".into())),
        });
        let expected: &[u8] = &[
            0x31, 0x29, // PUBLISH, QoS 0, retain; remaining length 41
            0x00, 0x01, b't', // topic name "t" (no packet identifier at QoS 0)
            0x23, // property length 35
            0x01, 0x01, // payload format indicator: UTF-8
            0x02, 0x00, 0x00, 0x0E, 0x10, // message expiry interval 3600
            0x23, 0x00, 0x02, // topic alias 2
            0x08, 0x00, 0x01, b'r', // response topic "r"
            0x09, 0x00, 0x01, 0xC0, // correlation data C0
            0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'b', // user property a=b
            0x0B, 0xC8, 0x01, // subscription identifier 200 (variable byte integer)
            0x03, 0x00, 0x04, b'j', b's', b'o', b'n', // content type "json"
            b'{', b'}', // payload
        ];
        assert_v5_bytes(&packet, expected);
    }

    #[test]
    fn v5_publish_with_empty_topic_and_alias() {
        let packet = Packet::Publish(Publish {
            qos: QoS::ExactlyOnce,
            topic: String::new(),
            packet_id: 0x0102,
            payload: b"x".to_vec(),
            properties: Properties::new().with(Property::TopicAlias(7)),
            ..Default::default()
        });
        assert_v5_bytes(
            &packet,
            &[
                0x34, 0x09, // PUBLISH, QoS 2; remaining length 9
                0x00, 0x00, // empty topic name
                0x01, 0x02, // packet identifier
                0x03, 0x23, 0x00, 0x07, // properties: topic alias 7
                b'x', // payload
            ],
        );
    }

    #[test]
    fn v5_ack_forms() {
        for (make, first_byte) in [
            (Packet::PubAck as fn(Ack) -> Packet, 0x40),
            (Packet::PubRec, 0x50),
            (Packet::PubRel, 0x62),
            (Packet::PubComp, 0x70),
        ] {
            // Success without properties: remaining length 2, as in 3.x (§3.4.2.1).
            assert_v5_bytes(&make(Ack::new(0x1234)), &[first_byte, 0x02, 0x12, 0x34]);
            // A reason string: packet id, reason code, property length, property.
            assert_v5_bytes(
                &make(Ack {
                    packet_id: 0x1234,
                    reason_code: 0x00,
                    properties: Properties::new().with(Property::ReasonString("ok".into())),
                }),
                &[
                    first_byte, 0x09, // remaining length 9
                    0x12, 0x34, // packet identifier
                    0x00, // reason code
                    0x05, 0x1F, 0x00, 0x02, b'o', b'k', // properties: reason string "ok"
                ],
            );
            // Remaining length 3: a reason code and no property length; 4: an empty one.
            assert_eq!(
                decode(&[first_byte, 0x03, 0x00, 0x01, 0x00], Version::V5, NO_LIMIT),
                Ok(Some((make(Ack::new(1)), 5)))
            );
            assert_eq!(
                decode(
                    &[first_byte, 0x04, 0x00, 0x01, 0x00, 0x00],
                    Version::V5,
                    NO_LIMIT
                ),
                Ok(Some((make(Ack::new(1)), 6)))
            );
        }
        // A non-zero reason code without properties: remaining length 3.
        for (packet, bytes) in [
            (
                Packet::PubAck(Ack {
                    packet_id: 9,
                    reason_code: 0x10,
                    properties: Properties::new(),
                }),
                [0x40, 0x03, 0x00, 0x09, 0x10],
            ),
            (
                Packet::PubRec(Ack {
                    packet_id: 9,
                    reason_code: 0x87,
                    properties: Properties::new(),
                }),
                [0x50, 0x03, 0x00, 0x09, 0x87],
            ),
            (
                Packet::PubRel(Ack {
                    packet_id: 9,
                    reason_code: 0x92,
                    properties: Properties::new(),
                }),
                [0x62, 0x03, 0x00, 0x09, 0x92],
            ),
            (
                Packet::PubComp(Ack {
                    packet_id: 9,
                    reason_code: 0x92,
                    properties: Properties::new(),
                }),
                [0x70, 0x03, 0x00, 0x09, 0x92],
            ),
        ] {
            assert_v5_bytes(&packet, &bytes);
        }
    }

    #[test]
    fn v5_ack_reason_code_rules() {
        for (first_byte, packet) in [
            (0x40, PacketType::PubAck),
            (0x50, PacketType::PubRec),
            (0x62, PacketType::PubRel),
            (0x70, PacketType::PubComp),
        ] {
            let mut accepted = 0;
            for code in 0..=u8::MAX {
                let result = decode(&[first_byte, 0x03, 0x00, 0x01, code], Version::V5, NO_LIMIT);
                if super::super::is_valid_reason_code(packet, code) {
                    assert!(matches!(result, Ok(Some(_))), "{packet} {code:#04X}");
                    accepted += 1;
                } else {
                    assert_eq!(
                        result,
                        Err(DecodeError::InvalidReasonCode { packet, code }),
                        "{packet} {code:#04X}"
                    );
                }
            }
            assert!(accepted == 9 || accepted == 2, "{packet}: {accepted}");
        }
    }
}
