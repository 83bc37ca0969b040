//! SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (MQTT 3.1.1 §3.8-§3.11; MQTT 5.0 §3.8-§3.11 add
//! properties, subscription options, reason codes in SUBACK and a reason code list in UNSUBACK).

use super::primitives::{Reader, field_size, write_binary, write_fixed_header, write_u16};
use super::{
    DecodeError, EncodeError, Field, PacketType, Properties, PropertyContext, QoS, RetainHandling,
    SubAck, Subscribe, SubscribeFilter, UnsubAck, Unsubscribe, Version, is_valid_reason_code,
};

/// SUBACK return code for a refused subscription (3.1.1 §3.9.3). Every MQTT 5 reason code for a
/// refusal is this or above (5.0 §3.9.3), so a code at or above it means "refused" in any version.
pub const SUBACK_FAILURE: u8 = 0x80;

/// Bits 7..2 of a requested QoS byte are reserved in 3.1.1 (§3.8.3).
const REQUESTED_QOS_RESERVED_BITS: u8 = 0b1111_1100;

/// MQTT 5 subscription options (5.0 §3.8.3.1): QoS in bits 1-0, then No Local, Retain As Published,
/// Retain Handling in bits 5-4; bits 7-6 reserved.
const OPTION_QOS_MASK: u8 = 0b0000_0011;
const OPTION_NO_LOCAL: u8 = 0b0000_0100;
const OPTION_RETAIN_AS_PUBLISHED: u8 = 0b0000_1000;
const OPTION_RETAIN_HANDLING_SHIFT: u8 = 4;
const OPTION_RESERVED_BITS: u8 = 0b1100_0000;

/// Shared subscriptions are topic filters starting with this (5.0 §4.8.2).
const SHARED_SUBSCRIPTION_PREFIX: &str = "$share/";

fn first_byte(packet: PacketType) -> u8 {
    ((packet as u8) << 4) | packet.required_flags()
}

/// The MQTT 5 properties field size, or 0 before MQTT 5 (where it is not written).
fn properties_size(properties: &Properties, version: Version) -> Result<usize, EncodeError> {
    match version {
        Version::V5 => properties.encoded_size(),
        Version::V31 | Version::V311 => Ok(0),
    }
}

fn read_properties(
    reader: &mut Reader<'_>,
    packet: PacketType,
    version: Version,
) -> Result<Properties, DecodeError> {
    match version {
        Version::V5 => Properties::read(reader, PropertyContext::Packet(packet)),
        Version::V31 | Version::V311 => Ok(Properties::new()),
    }
}

/// The requested QoS byte (3.x) or subscription options byte (MQTT 5) of one filter.
fn options_byte(entry: &SubscribeFilter, version: Version) -> u8 {
    let mut byte = entry.qos.as_u8();
    if version == Version::V5 {
        if entry.no_local {
            byte |= OPTION_NO_LOCAL;
        }
        if entry.retain_as_published {
            byte |= OPTION_RETAIN_AS_PUBLISHED;
        }
        byte |= entry.retain_handling.as_u8() << OPTION_RETAIN_HANDLING_SHIFT;
    }
    byte
}

pub fn encode_subscribe(
    subscribe: &Subscribe,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let mut remaining_length: usize =
        properties_size(&subscribe.properties, version)?.saturating_add(2);
    for entry in &subscribe.filters {
        // Saturating: enough filters to overflow usize must end as PacketTooLarge.
        remaining_length = remaining_length.saturating_add(field_size(entry.filter.len())? + 1);
    }
    write_fixed_header(first_byte(PacketType::Subscribe), remaining_length, out)?;
    write_u16(subscribe.packet_id, out);
    if version == Version::V5 {
        subscribe.properties.write(out);
    }
    for entry in &subscribe.filters {
        write_binary(entry.filter.as_bytes(), out);
        out.push(options_byte(entry, version));
    }
    Ok(())
}

/// One filter's options byte: 3.x allows only QoS 0..=2, MQTT 5 the options of §3.8.3.1.
fn decode_options(
    filter: String,
    byte: u8,
    version: Version,
) -> Result<SubscribeFilter, DecodeError> {
    if version != Version::V5 {
        let qos = QoS::from_u8(byte)
            .filter(|_| byte & REQUESTED_QOS_RESERVED_BITS == 0)
            .ok_or(DecodeError::InvalidRequestedQoS { byte })?;
        return Ok(SubscribeFilter {
            filter,
            qos,
            ..SubscribeFilter::default()
        });
    }
    let invalid = DecodeError::InvalidSubscriptionOptions { byte };
    if byte & OPTION_RESERVED_BITS != 0 {
        return Err(invalid);
    }
    let retain_handling =
        RetainHandling::from_u8(byte >> OPTION_RETAIN_HANDLING_SHIFT).ok_or(invalid.clone())?;
    let qos = QoS::from_u8(byte & OPTION_QOS_MASK).ok_or(invalid)?;
    let no_local = byte & OPTION_NO_LOCAL != 0;
    if no_local && filter.starts_with(SHARED_SUBSCRIPTION_PREFIX) {
        return Err(DecodeError::NoLocalOnSharedSubscription);
    }
    Ok(SubscribeFilter {
        filter,
        qos,
        no_local,
        retain_as_published: byte & OPTION_RETAIN_AS_PUBLISHED != 0,
        retain_handling,
    })
}

pub fn decode_subscribe(body: &[u8], version: Version) -> Result<Subscribe, DecodeError> {
    let mut reader = Reader::new(body, PacketType::Subscribe);
    let packet_id = reader.read_packet_id()?;
    let properties = read_properties(&mut reader, PacketType::Subscribe, version)?;
    let options_field = match version {
        Version::V5 => Field::SubscriptionOptions,
        Version::V31 | Version::V311 => Field::RequestedQoS,
    };
    let mut filters = Vec::new();
    while !reader.is_empty() {
        let filter = reader.read_str(Field::TopicFilter)?.to_owned();
        let byte = reader.read_u8(options_field)?;
        filters.push(decode_options(filter, byte, version)?);
    }
    if filters.is_empty() {
        return Err(DecodeError::NoEntries {
            packet: PacketType::Subscribe,
        });
    }
    Ok(Subscribe {
        packet_id,
        filters,
        properties,
    })
}

pub fn encode_suback(
    suback: &SubAck,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let remaining_length = properties_size(&suback.properties, version)?
        .saturating_add(suback.return_codes.len())
        .saturating_add(2);
    write_fixed_header(first_byte(PacketType::SubAck), remaining_length, out)?;
    write_u16(suback.packet_id, out);
    if version == Version::V5 {
        suback.properties.write(out);
    }
    out.extend_from_slice(&suback.return_codes);
    Ok(())
}

/// The payload of SUBACK, and of a MQTT 5 UNSUBACK: at least one code, each valid for `packet`.
fn decode_codes(
    packet: PacketType,
    codes: &[u8],
    version: Version,
) -> Result<Vec<u8>, DecodeError> {
    if codes.is_empty() {
        return Err(DecodeError::NoEntries { packet });
    }
    let invalid = match version {
        Version::V5 => codes
            .iter()
            .find(|&&code| !is_valid_reason_code(packet, code))
            .map(|&code| DecodeError::InvalidReasonCode { packet, code }),
        Version::V31 | Version::V311 => codes
            .iter()
            .find(|&&code| QoS::from_u8(code).is_none() && code != SUBACK_FAILURE)
            .map(|&code| DecodeError::InvalidSubAckReturnCode { code }),
    };
    match invalid {
        Some(error) => Err(error),
        None => Ok(codes.to_vec()),
    }
}

pub fn decode_suback(body: &[u8], version: Version) -> Result<SubAck, DecodeError> {
    let mut reader = Reader::new(body, PacketType::SubAck);
    let packet_id = reader.read_packet_id()?;
    let properties = read_properties(&mut reader, PacketType::SubAck, version)?;
    let return_codes = decode_codes(PacketType::SubAck, reader.take_rest(), version)?;
    Ok(SubAck {
        packet_id,
        return_codes,
        properties,
    })
}

pub fn encode_unsubscribe(
    unsubscribe: &Unsubscribe,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let mut remaining_length: usize =
        properties_size(&unsubscribe.properties, version)?.saturating_add(2);
    for filter in &unsubscribe.filters {
        remaining_length = remaining_length.saturating_add(field_size(filter.len())?);
    }
    write_fixed_header(first_byte(PacketType::Unsubscribe), remaining_length, out)?;
    write_u16(unsubscribe.packet_id, out);
    if version == Version::V5 {
        unsubscribe.properties.write(out);
    }
    for filter in &unsubscribe.filters {
        write_binary(filter.as_bytes(), out);
    }
    Ok(())
}

pub fn decode_unsubscribe(body: &[u8], version: Version) -> Result<Unsubscribe, DecodeError> {
    let mut reader = Reader::new(body, PacketType::Unsubscribe);
    let packet_id = reader.read_packet_id()?;
    let properties = read_properties(&mut reader, PacketType::Unsubscribe, version)?;
    let mut filters = Vec::new();
    while !reader.is_empty() {
        filters.push(reader.read_str(Field::TopicFilter)?.to_owned());
    }
    if filters.is_empty() {
        return Err(DecodeError::NoEntries {
            packet: PacketType::Unsubscribe,
        });
    }
    Ok(Unsubscribe {
        packet_id,
        filters,
        properties,
    })
}

/// 3.x UNSUBACK is a packet identifier only (§3.11); MQTT 5 adds properties and a reason code list.
pub fn encode_unsuback(
    unsuback: &UnsubAck,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let remaining_length = match version {
        Version::V5 => unsuback
            .properties
            .encoded_size()?
            .saturating_add(unsuback.reason_codes.len())
            .saturating_add(2),
        Version::V31 | Version::V311 => 2,
    };
    write_fixed_header(first_byte(PacketType::UnsubAck), remaining_length, out)?;
    write_u16(unsuback.packet_id, out);
    if version == Version::V5 {
        unsuback.properties.write(out);
        out.extend_from_slice(&unsuback.reason_codes);
    }
    Ok(())
}

pub fn decode_unsuback(body: &[u8], version: Version) -> Result<UnsubAck, DecodeError> {
    let mut reader = Reader::new(body, PacketType::UnsubAck);
    let packet_id = reader.read_packet_id()?;
    if version != Version::V5 {
        reader.finish()?;
        return Ok(UnsubAck::new(packet_id));
    }
    let properties = Properties::read(&mut reader, PropertyContext::Packet(PacketType::UnsubAck))?;
    let reason_codes = decode_codes(PacketType::UnsubAck, reader.take_rest(), version)?;
    Ok(UnsubAck {
        packet_id,
        reason_codes,
        properties,
    })
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
                    ..Default::default()
                },
                SubscribeFilter {
                    filter: "c/d".into(),
                    qos: QoS::ExactlyOnce,
                    ..Default::default()
                },
            ],
            ..Default::default()
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
            ..Default::default()
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
            ..Default::default()
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

    // -----------------------------------------------------------------------------------------------
    // MQTT 5

    use super::super::Property;

    fn assert_v5_bytes(packet: &Packet, expected: &[u8]) {
        let mut out = Vec::new();
        encode(packet, Version::V5, &mut out).expect("encodable");
        assert_eq!(out, expected, "{packet:?}");
        assert_eq!(
            decode(expected, Version::V5, NO_LIMIT),
            Ok(Some((packet.clone(), expected.len())))
        );
    }

    /// A MQTT 5 property length of 0.
    const NO_PROPERTIES: [u8; 1] = [0x00];

    #[test]
    fn v5_subscribe_matches_spec_payload_example() {
        // MQTT 5.0 §3.8.3, "Payload byte format non-normative example": the same bytes as 3.1.1, now
        // read as subscription options 1 and 2 (maximum QoS, all other options 0).
        let packet = Packet::Subscribe(Subscribe {
            packet_id: 10,
            filters: vec![
                SubscribeFilter {
                    filter: "a/b".into(),
                    qos: QoS::AtLeastOnce,
                    ..Default::default()
                },
                SubscribeFilter {
                    filter: "c/d".into(),
                    qos: QoS::ExactlyOnce,
                    ..Default::default()
                },
            ],
            properties: Properties::new(),
        });
        let expected = with_header(
            0x82,
            &[&SPEC_PACKET_ID_10, &NO_PROPERTIES, &SPEC_SUBSCRIBE_PAYLOAD],
        );
        assert_v5_bytes(&packet, &expected);
    }

    #[test]
    fn v5_subscribe_options_and_properties() {
        let packet = Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![
                SubscribeFilter {
                    filter: "a".into(),
                    qos: QoS::AtLeastOnce,
                    no_local: true,
                    retain_as_published: true,
                    retain_handling: RetainHandling::DoNotSend,
                },
                SubscribeFilter {
                    filter: "$share/g/b".into(),
                    qos: QoS::AtMostOnce,
                    no_local: false,
                    retain_as_published: false,
                    retain_handling: RetainHandling::SendIfNew,
                },
            ],
            properties: Properties::new()
                .with(Property::SubscriptionIdentifier(16_384))
                .with(Property::UserProperty("k".into(), "v".into())),
        });
        let expected: &[u8] = &[
            0x82, 0x1F, // SUBSCRIBE, remaining length 31
            0x00, 0x01, // packet identifier 1
            0x0B, // property length 11
            0x0B, 0x80, 0x80,
            0x01, // subscription identifier 16384 (3-byte variable byte integer)
            0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // user property k=v
            0x00, 0x01, b'a', // topic filter "a"
            0x2D, // options: retain handling 2 (0x20), retain as published (0x08), no local (0x04), QoS 1
            0x00, 0x0A, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/',
            b'b', // "$share/g/b"
            0x10, // options: retain handling 1, QoS 0
        ];
        assert_v5_bytes(&packet, expected);
        // 3.x writes only the requested QoS and no properties.
        assert_eq!(
            encoded(&packet),
            [
                &[0x82, 0x13, 0x00, 0x01, 0x00, 0x01, b'a', 0x01, 0x00, 0x0A][..],
                b"$share/g/b",
                &[0x00]
            ]
            .concat()
        );
    }

    #[test]
    fn v5_subscription_options_rules() {
        let mut accepted = 0;
        for byte in 0..=u8::MAX {
            let bytes = with_header(0x82, &[&[0x00, 0x01, 0x00, 0x00, 0x01, b'#', byte]]);
            let result = decode(&bytes, Version::V5, NO_LIMIT);
            let valid = byte & 0xC0 == 0 && byte & 0x30 != 0x30 && byte & 0x03 != 0x03;
            if valid {
                let Ok(Some((Packet::Subscribe(subscribe), _))) = result else {
                    panic!("{byte:#04X}: {result:?}");
                };
                let options = &subscribe.filters[0];
                assert_eq!(options.qos.as_u8(), byte & 0x03);
                assert_eq!(options.no_local, byte & 0x04 != 0);
                assert_eq!(options.retain_as_published, byte & 0x08 != 0);
                assert_eq!(options.retain_handling.as_u8(), (byte >> 4) & 0x03);
                accepted += 1;
            } else {
                assert_eq!(
                    result,
                    Err(DecodeError::InvalidSubscriptionOptions { byte }),
                    "{byte:#04X}"
                );
            }
        }
        // 3 QoS x No Local x Retain As Published x 3 retain handlings.
        assert_eq!(accepted, 3 * 2 * 2 * 3);
    }

    #[test]
    fn v5_suback_bytes_and_reason_codes() {
        let packet = Packet::SubAck(SubAck {
            packet_id: 10,
            return_codes: vec![0x00, 0x02, 0x87, 0xA1],
            properties: Properties::new().with(Property::ReasonString("no".into())),
        });
        let expected: &[u8] = &[
            0x90, 0x0C, // SUBACK, remaining length 12
            0x00, 0x0A, // packet identifier 10
            0x05, 0x1F, 0x00, 0x02, b'n', b'o', // properties: reason string "no"
            0x00, 0x02, 0x87,
            0xA1, // granted QoS 0, granted QoS 2, not authorized, no subscription ids
        ];
        assert_v5_bytes(&packet, expected);
        let mut accepted = 0;
        for code in 0..=u8::MAX {
            let result = decode(&[0x90, 0x04, 0x00, 0x01, 0x00, code], Version::V5, NO_LIMIT);
            if super::super::is_valid_reason_code(PacketType::SubAck, code) {
                assert!(matches!(result, Ok(Some(_))), "{code:#04X}");
                accepted += 1;
            } else {
                assert_eq!(
                    result,
                    Err(DecodeError::InvalidReasonCode {
                        packet: PacketType::SubAck,
                        code
                    })
                );
            }
        }
        assert_eq!(accepted, 12);
    }

    #[test]
    fn v5_unsubscribe_matches_spec_payload_example() {
        // MQTT 5.0 §3.10.3, "Payload byte format non-normative example": "a/b" and "c/d".
        let packet = Packet::Unsubscribe(Unsubscribe {
            packet_id: 10,
            filters: vec!["a/b".into(), "c/d".into()],
            properties: Properties::new(),
        });
        let expected = with_header(
            0xA2,
            &[
                &SPEC_PACKET_ID_10,
                &NO_PROPERTIES,
                &SPEC_UNSUBSCRIBE_PAYLOAD,
            ],
        );
        assert_v5_bytes(&packet, &expected);
        let with_user_property = Packet::Unsubscribe(Unsubscribe {
            packet_id: 2,
            filters: vec!["x".into()],
            properties: Properties::new().with(Property::UserProperty("a".into(), "".into())),
        });
        assert_v5_bytes(
            &with_user_property,
            &[
                0xA2, 0x0C, // UNSUBSCRIBE, remaining length 12
                0x00, 0x02, // packet identifier 2
                0x06, 0x26, 0x00, 0x01, b'a', 0x00, 0x00, // properties: user property a=""
                0x00, 0x01, b'x', // topic filter "x"
            ],
        );
    }

    #[test]
    fn v5_unsuback_bytes() {
        let packet = Packet::UnsubAck(UnsubAck {
            packet_id: 10,
            reason_codes: vec![0x00, 0x11, 0x87],
            properties: Properties::new(),
        });
        assert_v5_bytes(
            &packet,
            &[
                0xB0, 0x06, // UNSUBACK, remaining length 6
                0x00, 0x0A, // packet identifier 10
                0x00, // no properties
                0x00, 0x11, 0x87, // success, no subscription existed, not authorized
            ],
        );
        // 3.x has neither properties nor reason codes: the same packet is 4 bytes there.
        assert_eq!(encoded(&packet), [0xB0, 0x02, 0x00, 0x0A]);
        assert_eq!(
            decode(&[0xB0, 0x02, 0x00, 0x0A], Version::V311, NO_LIMIT),
            Ok(Some((Packet::UnsubAck(UnsubAck::new(10)), 4)))
        );
        // In MQTT 5 the property length is required.
        assert_eq!(
            decode(&[0xB0, 0x02, 0x00, 0x0A], Version::V5, NO_LIMIT),
            Err(DecodeError::BodyTooShort {
                packet: PacketType::UnsubAck,
                field: Field::PropertyLength
            })
        );
    }
}
