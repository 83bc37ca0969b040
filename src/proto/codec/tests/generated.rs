//! Property-style tests: generated packets round trip, fed a byte at a time; garbage and mutated
//! packets never panic.

use super::*;

// ---------------------------------------------------------------------------------------------------
// Property-style tests

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
