//! SUBSCRIBE, SUBACK and UNSUBSCRIBE (MQTT 3.1.1 §3.8-§3.10). UNSUBACK is a plain ack (`publish.rs`).

use super::primitives::{Reader, field_size, write_binary, write_fixed_header, write_u16};
use super::{
    DecodeError, EncodeError, Field, PacketType, QoS, SubAck, Subscribe, SubscribeFilter,
    Unsubscribe,
};

/// SUBACK return code for a refused subscription (§3.9.3).
pub const SUBACK_FAILURE: u8 = 0x80;

/// Bits 7..2 of a requested QoS byte are reserved in 3.1.1 (§3.8.3).
const REQUESTED_QOS_RESERVED_BITS: u8 = 0b1111_1100;

fn first_byte(packet: PacketType) -> u8 {
    ((packet as u8) << 4) | packet.required_flags()
}

pub fn encode_subscribe(subscribe: &Subscribe, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let mut remaining_length: usize = 2;
    for entry in &subscribe.filters {
        // Saturating: enough filters to overflow usize must end as PacketTooLarge.
        remaining_length = remaining_length.saturating_add(field_size(entry.filter.len())? + 1);
    }
    write_fixed_header(first_byte(PacketType::Subscribe), remaining_length, out)?;
    write_u16(subscribe.packet_id, out);
    for entry in &subscribe.filters {
        write_binary(entry.filter.as_bytes(), out);
        out.push(entry.qos.as_u8());
    }
    Ok(())
}

pub fn decode_subscribe(body: &[u8]) -> Result<Subscribe, DecodeError> {
    let mut reader = Reader::new(body, PacketType::Subscribe);
    let packet_id = reader.read_packet_id()?;
    let mut filters = Vec::new();
    while !reader.is_empty() {
        let filter = reader.read_str(Field::TopicFilter)?.to_owned();
        let requested = reader.read_u8(Field::RequestedQoS)?;
        let qos = QoS::from_u8(requested)
            .filter(|_| requested & REQUESTED_QOS_RESERVED_BITS == 0)
            .ok_or(DecodeError::InvalidRequestedQoS { byte: requested })?;
        filters.push(SubscribeFilter { filter, qos });
    }
    if filters.is_empty() {
        return Err(DecodeError::NoEntries {
            packet: PacketType::Subscribe,
        });
    }
    Ok(Subscribe { packet_id, filters })
}

pub fn encode_suback(suback: &SubAck, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let remaining_length = suback.return_codes.len().saturating_add(2);
    write_fixed_header(first_byte(PacketType::SubAck), remaining_length, out)?;
    write_u16(suback.packet_id, out);
    out.extend_from_slice(&suback.return_codes);
    Ok(())
}

pub fn decode_suback(body: &[u8]) -> Result<SubAck, DecodeError> {
    let mut reader = Reader::new(body, PacketType::SubAck);
    let packet_id = reader.read_packet_id()?;
    let return_codes = reader.take_rest();
    if return_codes.is_empty() {
        return Err(DecodeError::NoEntries {
            packet: PacketType::SubAck,
        });
    }
    if let Some(&code) = return_codes
        .iter()
        .find(|&&code| QoS::from_u8(code).is_none() && code != SUBACK_FAILURE)
    {
        return Err(DecodeError::InvalidSubAckReturnCode { code });
    }
    Ok(SubAck {
        packet_id,
        return_codes: return_codes.to_vec(),
    })
}

pub fn encode_unsubscribe(unsubscribe: &Unsubscribe, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let mut remaining_length: usize = 2;
    for filter in &unsubscribe.filters {
        remaining_length = remaining_length.saturating_add(field_size(filter.len())?);
    }
    write_fixed_header(first_byte(PacketType::Unsubscribe), remaining_length, out)?;
    write_u16(unsubscribe.packet_id, out);
    for filter in &unsubscribe.filters {
        write_binary(filter.as_bytes(), out);
    }
    Ok(())
}

pub fn decode_unsubscribe(body: &[u8]) -> Result<Unsubscribe, DecodeError> {
    let mut reader = Reader::new(body, PacketType::Unsubscribe);
    let packet_id = reader.read_packet_id()?;
    let mut filters = Vec::new();
    while !reader.is_empty() {
        filters.push(reader.read_str(Field::TopicFilter)?.to_owned());
    }
    if filters.is_empty() {
        return Err(DecodeError::NoEntries {
            packet: PacketType::Unsubscribe,
        });
    }
    Ok(Unsubscribe { packet_id, filters })
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

    /// MQTT 3.1.1 §3.8.2, the variable header non normative example: packet identifier 10.
    const SPEC_PACKET_ID_10: [u8; 2] = [0x00, 0x0A];

    /// MQTT 3.1.1 §3.8.3, the "Payload byte format non normative example":
    /// "a/b" at QoS 1, "c/d" at QoS 2.
    const SPEC_SUBSCRIBE_PAYLOAD: [u8; 12] = [
        0x00, 0x03, b'a', b'/', b'b', 0x01, 0x00, 0x03, b'c', b'/', b'd', 0x02,
    ];

    /// MQTT 3.1.1 §3.9.3, the "Payload byte format non normative example":
    /// success QoS 0, success QoS 2, failure.
    const SPEC_SUBACK_PAYLOAD: [u8; 3] = [0x00, 0x02, 0x80];

    /// MQTT 3.1.1 §3.10.3, the "Payload byte format non normative example": "a/b", "c/d".
    const SPEC_UNSUBSCRIBE_PAYLOAD: [u8; 10] =
        [0x00, 0x03, b'a', b'/', b'b', 0x00, 0x03, b'c', b'/', b'd'];

    fn with_header(first_byte: u8, parts: &[&[u8]]) -> Vec<u8> {
        let body: Vec<u8> = parts.concat();
        let mut bytes = vec![first_byte, body.len() as u8];
        bytes.extend_from_slice(&body);
        bytes
    }

    #[test]
    fn subscribe_matches_spec_example() {
        let packet = Packet::Subscribe(Subscribe {
            packet_id: 10,
            filters: vec![
                SubscribeFilter {
                    filter: "a/b".into(),
                    qos: QoS::AtLeastOnce,
                },
                SubscribeFilter {
                    filter: "c/d".into(),
                    qos: QoS::ExactlyOnce,
                },
            ],
        });
        let expected = with_header(0x82, &[&SPEC_PACKET_ID_10, &SPEC_SUBSCRIBE_PAYLOAD]);
        assert_eq!(encoded(&packet), expected);
        assert_eq!(
            decode(&expected, Version::V311, NO_LIMIT),
            Ok(Some((packet, expected.len())))
        );
    }

    #[test]
    fn suback_matches_spec_example() {
        let packet = Packet::SubAck(SubAck {
            packet_id: 10,
            return_codes: vec![0x00, 0x02, SUBACK_FAILURE],
        });
        let expected = with_header(0x90, &[&SPEC_PACKET_ID_10, &SPEC_SUBACK_PAYLOAD]);
        assert_eq!(encoded(&packet), expected);
        assert_eq!(
            decode(&expected, Version::V311, NO_LIMIT),
            Ok(Some((packet, expected.len())))
        );
    }

    #[test]
    fn unsubscribe_matches_spec_example() {
        let packet = Packet::Unsubscribe(Unsubscribe {
            packet_id: 10,
            filters: vec!["a/b".into(), "c/d".into()],
        });
        let expected = with_header(0xA2, &[&SPEC_PACKET_ID_10, &SPEC_UNSUBSCRIBE_PAYLOAD]);
        assert_eq!(encoded(&packet), expected);
        assert_eq!(
            decode(&expected, Version::V311, NO_LIMIT),
            Ok(Some((packet, expected.len())))
        );
    }

    #[test]
    fn v31_accepts_dup_on_retried_subscribe_and_unsubscribe() {
        let subscribe = with_header(0x8A, &[&SPEC_PACKET_ID_10, &SPEC_SUBSCRIBE_PAYLOAD]);
        assert!(matches!(
            decode(&subscribe, Version::V31, NO_LIMIT),
            Ok(Some((Packet::Subscribe(_), _)))
        ));
        let unsubscribe = with_header(0xAA, &[&SPEC_PACKET_ID_10, &SPEC_UNSUBSCRIBE_PAYLOAD]);
        assert!(matches!(
            decode(&unsubscribe, Version::V31, NO_LIMIT),
            Ok(Some((Packet::Unsubscribe(_), _)))
        ));
        assert_eq!(
            decode(&unsubscribe, Version::V311, NO_LIMIT),
            Err(DecodeError::InvalidFlags {
                packet: PacketType::Unsubscribe,
                flags: 0x0A
            })
        );
    }

    #[test]
    fn requested_qos_byte_rules() {
        for (byte, accepted) in [
            (0x00, true),
            (0x01, true),
            (0x02, true),
            (0x03, false),
            (0x04, false),
            (0x81, false),
        ] {
            let bytes = with_header(0x82, &[&[0x00, 0x01, 0x00, 0x01, b'#', byte]]);
            let result = decode(&bytes, Version::V311, NO_LIMIT);
            if accepted {
                assert!(matches!(result, Ok(Some(_))), "byte {byte:#04X}");
            } else {
                assert_eq!(
                    result,
                    Err(DecodeError::InvalidRequestedQoS { byte }),
                    "byte {byte:#04X}"
                );
            }
        }
    }

    #[test]
    fn suback_return_code_rules() {
        for code in 0..=u8::MAX {
            let bytes = [0x90, 0x03, 0x00, 0x01, code];
            let result = decode(&bytes, Version::V311, NO_LIMIT);
            if matches!(code, 0x00 | 0x01 | 0x02 | 0x80) {
                assert!(matches!(result, Ok(Some(_))), "code {code:#04X}");
            } else {
                assert_eq!(
                    result,
                    Err(DecodeError::InvalidSubAckReturnCode { code }),
                    "code {code:#04X}"
                );
            }
        }
    }
}
