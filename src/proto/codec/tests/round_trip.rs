//! Round trips of every packet type in every version, streams, size limits.

use super::*;

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
