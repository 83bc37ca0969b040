//! Large payloads: the header-only encoder and the owned-buffer decoder.

use super::*;

// ---------------------------------------------------------------------------------------------------
// Large payloads: the header-only encoder and the owned-buffer decoder

/// [`decode_frame`] gives exactly what [`decode_with`] gives for the same bytes (with either reason
/// code policy). When it decoded a PUBLISH that fills the whole buffer, the payload is that buffer (same
/// allocation, no copy) and the buffer is left empty; otherwise the buffer is untouched.
pub(super) fn assert_frame_decode_matches(bytes: &[u8], version: Version, max_size: usize) {
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
