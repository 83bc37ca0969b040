//! Codec-wide tests: round trips for every packet type and version, every MQTT 5 property in every packet
//! that allows it (and rejected everywhere else), byte-at-a-time feeding, the table of malformed inputs,
//! and property-style tests driven by a small deterministic PRNG. Spec byte vectors live next to each
//! packet family (`primitives.rs`, `properties.rs`, `connect.rs`, `publish.rs`, `subscribe.rs`).
//!
//! One file per topic; this one holds the constants and helpers they share.

mod generated;
mod large_payloads;
mod malformed;
mod malformed_v3;
mod malformed_v5;
mod rng;
mod round_trip;
mod samples;
mod v5;

use super::properties::tests::sample as sample_property;
use super::*;
use large_payloads::assert_frame_decode_matches;
use malformed_v3::malformed_v3_inputs;
use malformed_v5::malformed_v5_inputs;
use rng::TestRng;
use samples::{sample_packets, user, v5_sample_packets};

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

/// The sample packets of `version`.
fn packets_of(version: Version) -> Vec<Packet> {
    match version {
        Version::V5 => v5_sample_packets(),
        Version::V31 | Version::V311 => sample_packets(version),
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
