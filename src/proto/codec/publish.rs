//! PUBLISH and the four packets that only carry a packet identifier: PUBACK, PUBREC, PUBREL, PUBCOMP
//! (and UNSUBACK, whose 3.x body is the same). MQTT 3.1.1 §3.3-§3.7, §3.11.

use super::primitives::{Reader, field_size, write_binary, write_fixed_header, write_u16};
use super::{Ack, DecodeError, EncodeError, Field, PacketType, Publish, QoS};

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

pub fn encode_publish(publish: &Publish, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let has_packet_id = publish.qos != QoS::AtMostOnce;
    let packet_id_size = if has_packet_id { 2 } else { 0 };
    // Saturating: a payload near usize::MAX must become PacketTooLarge, not wrap around.
    let remaining_length =
        (field_size(publish.topic.len())? + packet_id_size).saturating_add(publish.payload.len());

    let mut first_byte = PUBLISH_FIRST_BYTE | (publish.qos.as_u8() << QOS_SHIFT);
    if publish.dup {
        first_byte |= DUP_FLAG;
    }
    if publish.retain {
        first_byte |= RETAIN_FLAG;
    }

    write_fixed_header(first_byte, remaining_length, out)?;
    write_binary(publish.topic.as_bytes(), out);
    if has_packet_id {
        write_u16(publish.packet_id, out);
    }
    out.extend_from_slice(&publish.payload);
    Ok(())
}

/// `flags` were validated by [`check_publish_flags`] already.
pub fn decode_publish(flags: u8, body: &[u8]) -> Result<Publish, DecodeError> {
    let qos = QoS::from_u8((flags & QOS_MASK) >> QOS_SHIFT).ok_or(DecodeError::PublishQoS3)?;
    let mut reader = Reader::new(body, PacketType::Publish);
    let topic = reader.read_str(Field::TopicName)?;
    // A topic name names one topic; wildcards belong to topic filters only (§3.3.2.1). An empty topic
    // name is left to the state machine: brokers differ and MQTT 5 topic aliases use it.
    if topic.bytes().any(|byte| byte == b'+' || byte == b'#') {
        return Err(DecodeError::WildcardInTopicName);
    }
    let packet_id = if qos == QoS::AtMostOnce {
        0
    } else {
        reader.read_packet_id()?
    };
    Ok(Publish {
        dup: flags & DUP_FLAG != 0,
        qos,
        retain: flags & RETAIN_FLAG != 0,
        topic: topic.to_owned(),
        packet_id,
        payload: reader.take_rest().to_vec(),
    })
}

/// PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: fixed header and a packet identifier.
pub fn encode_ack(packet: PacketType, ack: &Ack, out: &mut Vec<u8>) {
    let [id_high, id_low] = ack.packet_id.to_be_bytes();
    let first_byte = ((packet as u8) << 4) | packet.required_flags();
    out.extend_from_slice(&[first_byte, 2, id_high, id_low]);
}

pub fn decode_ack(packet: PacketType, body: &[u8]) -> Result<Ack, DecodeError> {
    let mut reader = Reader::new(body, packet);
    let packet_id = reader.read_packet_id()?;
    reader.finish()?;
    Ok(Ack { packet_id })
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
        // §3.4-§3.7, §3.11: type nibble, flags (0b0010 for PUBREL only), length 2, packet id.
        let ack = Ack { packet_id: 0x1234 };
        for (packet, first_byte) in [
            (Packet::PubAck(ack), 0x40),
            (Packet::PubRec(ack), 0x50),
            (Packet::PubRel(ack), 0x62),
            (Packet::PubComp(ack), 0x70),
            (Packet::UnsubAck(ack), 0xB0),
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
            Ok(Some((Packet::PubRel(Ack { packet_id: 7 }), 4)))
        );
        assert_eq!(
            decode(&retried_pubrel, Version::V311, NO_LIMIT),
            Err(DecodeError::InvalidFlags {
                packet: PacketType::PubRel,
                flags: 0x0A
            })
        );
    }
}
