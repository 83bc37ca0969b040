//! MQTT 5 reason codes: which codes each packet type may carry (MQTT 5.0 §2.4, Table 2-6, and the
//! per-packet tables of chapter 3). Decoding rejects any other code; encoding writes what it is given.

use super::PacketType;

/// CONNACK (MQTT 5.0 §3.2.2.2).
const CONNACK: &[u8] = &[
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
];

/// PUBACK and PUBREC (MQTT 5.0 §3.4.2.1, §3.5.2.1).
const PUBACK_PUBREC: &[u8] = &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];

/// PUBREL and PUBCOMP (MQTT 5.0 §3.6.2.1, §3.7.2.1).
const PUBREL_PUBCOMP: &[u8] = &[0x00, 0x92];

/// SUBACK (MQTT 5.0 §3.9.3): granted QoS 0..=2 or a refusal.
const SUBACK: &[u8] = &[
    0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
];

/// UNSUBACK (MQTT 5.0 §3.11.3).
const UNSUBACK: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];

/// DISCONNECT (MQTT 5.0 §3.14.2.1; 0x8C is listed for DISCONNECT in Table 2-6 only, and accepted).
const DISCONNECT: &[u8] = &[
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
];

/// AUTH (MQTT 5.0 §3.15.2.1).
const AUTH: &[u8] = &[0x00, 0x18, 0x19];

/// Whether MQTT 5 defines reason code `code` for `packet`. Always false for the packet types that carry
/// no reason code (CONNECT, PUBLISH, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, PINGRESP).
pub fn is_valid_reason_code(packet: PacketType, code: u8) -> bool {
    let valid: &[u8] = match packet {
        PacketType::ConnAck => CONNACK,
        PacketType::PubAck | PacketType::PubRec => PUBACK_PUBREC,
        PacketType::PubRel | PacketType::PubComp => PUBREL_PUBCOMP,
        PacketType::SubAck => SUBACK,
        PacketType::UnsubAck => UNSUBACK,
        PacketType::Disconnect => DISCONNECT,
        PacketType::Auth => AUTH,
        PacketType::Connect
        | PacketType::Publish
        | PacketType::Subscribe
        | PacketType::Unsubscribe
        | PacketType::PingReq
        | PacketType::PingResp => &[],
    };
    valid.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_counts_match_the_spec() {
        let count = |packet| {
            (0..=u8::MAX)
                .filter(|&code| is_valid_reason_code(packet, code))
                .count()
        };
        assert_eq!(count(PacketType::ConnAck), 22);
        assert_eq!(count(PacketType::PubAck), 9);
        assert_eq!(count(PacketType::PubRec), 9);
        assert_eq!(count(PacketType::PubRel), 2);
        assert_eq!(count(PacketType::PubComp), 2);
        assert_eq!(count(PacketType::SubAck), 12);
        assert_eq!(count(PacketType::UnsubAck), 7);
        assert_eq!(count(PacketType::Disconnect), 30);
        assert_eq!(count(PacketType::Auth), 3);
        assert_eq!(count(PacketType::Publish), 0);
    }

    #[test]
    fn success_is_zero_everywhere_it_exists() {
        for packet in [
            PacketType::ConnAck,
            PacketType::PubAck,
            PacketType::PubRec,
            PacketType::PubRel,
            PacketType::PubComp,
            PacketType::SubAck,
            PacketType::UnsubAck,
            PacketType::Disconnect,
            PacketType::Auth,
        ] {
            assert!(is_valid_reason_code(packet, 0x00), "{packet}");
            // Only SUBACK's granted QoS codes and the few "success with a note" codes sit below 0x80.
            assert!(!is_valid_reason_code(packet, 0x7F), "{packet}");
        }
    }
}
