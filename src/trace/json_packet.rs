//! The members of a `send`/`recv` trace line: everything in one packet (docs/trace.md), and the
//! names of reason codes.

use crate::exit;
use crate::output::json_lines::{write_bytes_member, write_properties, write_str, write_u64};
use crate::proto::codec::{Packet, PacketType, Properties, Version};
use crate::proto::event::PacketRecord;

/// Appends `,"type":"PUBLISH",...` for `record` (the object is open; nothing closes it).
pub(super) fn write_packet_members(record: &PacketRecord, version: Version, out: &mut Vec<u8>) {
    let packet = &record.packet;
    let packet_type = packet.packet_type();
    out.extend_from_slice(b",\"type\":\"");
    out.extend_from_slice(packet_type.name().as_bytes());
    out.push(b'"');
    let v5 = version == Version::V5;
    match packet {
        Packet::Connect(connect) => {
            key("protocol", out);
            write_str(connect.version.protocol_name(), out);
            key("protocol_level", out);
            write_u64(u64::from(connect.version.level()), out);
            boolean("clean_start", connect.clean_session, out);
            key("keepalive", out);
            write_u64(u64::from(connect.keep_alive), out);
            key("client_id", out);
            write_str(&connect.client_id, out);
            if let Some(username) = &connect.username {
                key("username", out);
                write_str(username, out);
            }
            if connect.password.is_some() {
                // Never the password itself: a trace file is shared more easily than a shell history.
                key("password", out);
                write_str("***", out);
            }
            if let Some(will) = &connect.will {
                out.extend_from_slice(b",\"will\":{\"topic\":");
                write_str(&will.topic, out);
                key("qos", out);
                write_u64(u64::from(will.qos.as_u8()), out);
                boolean("retain", will.retain, out);
                key("payload_len", out);
                write_u64(will.payload.len() as u64, out);
                properties(&will.properties, out);
                out.push(b'}');
            }
            properties(&connect.properties, out);
        }
        Packet::ConnAck(connack) => {
            boolean("session_present", connack.session_present, out);
            reason(packet_type, connack.code, version, out);
            properties(&connack.properties, out);
        }
        Packet::Publish(publish) => {
            boolean("dup", publish.dup, out);
            key("qos", out);
            write_u64(u64::from(publish.qos.as_u8()), out);
            boolean("retain", publish.retain, out);
            if publish.packet_id != 0 {
                key("packet_id", out);
                write_u64(u64::from(publish.packet_id), out);
            }
            key("topic", out);
            write_str(&publish.topic, out);
            key("payload_len", out);
            write_u64(record.payload_len as u64, out);
            if !publish.payload.is_empty() {
                out.push(b',');
                write_bytes_member("payload", &publish.payload, out);
                if publish.payload.len() < record.payload_len {
                    boolean("payload_truncated", true, out);
                }
            }
            properties(&publish.properties, out);
        }
        Packet::PubAck(ack) | Packet::PubRec(ack) | Packet::PubRel(ack) | Packet::PubComp(ack) => {
            key("packet_id", out);
            write_u64(u64::from(ack.packet_id), out);
            if v5 {
                reason(packet_type, ack.reason_code, version, out);
                properties(&ack.properties, out);
            }
        }
        Packet::Subscribe(subscribe) => {
            key("packet_id", out);
            write_u64(u64::from(subscribe.packet_id), out);
            out.extend_from_slice(b",\"filters\":[");
            for (index, filter) in subscribe.filters.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"filter\":");
                write_str(&filter.filter, out);
                key("qos", out);
                write_u64(u64::from(filter.qos.as_u8()), out);
                if v5 {
                    boolean("no_local", filter.no_local, out);
                    boolean("retain_as_published", filter.retain_as_published, out);
                    key("retain_handling", out);
                    write_u64(u64::from(filter.retain_handling.as_u8()), out);
                }
                out.push(b'}');
            }
            out.push(b']');
            properties(&subscribe.properties, out);
        }
        Packet::SubAck(suback) => {
            key("packet_id", out);
            write_u64(u64::from(suback.packet_id), out);
            codes(packet_type, &suback.return_codes, version, out);
            properties(&suback.properties, out);
        }
        Packet::Unsubscribe(unsubscribe) => {
            key("packet_id", out);
            write_u64(u64::from(unsubscribe.packet_id), out);
            out.extend_from_slice(b",\"filters\":[");
            for (index, filter) in unsubscribe.filters.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"filter\":");
                write_str(filter, out);
                out.push(b'}');
            }
            out.push(b']');
            properties(&unsubscribe.properties, out);
        }
        Packet::UnsubAck(unsuback) => {
            key("packet_id", out);
            write_u64(u64::from(unsuback.packet_id), out);
            if v5 {
                codes(packet_type, &unsuback.reason_codes, version, out);
                properties(&unsuback.properties, out);
            }
        }
        Packet::PingReq => {
            // The client sends PINGREQ only when the keepalive interval passed without a packet.
            key("timer", out);
            write_str("keepalive", out);
        }
        Packet::PingResp => {}
        Packet::Disconnect(disconnect) => {
            if v5 {
                reason(packet_type, disconnect.reason_code, version, out);
                properties(&disconnect.properties, out);
            }
        }
        Packet::Auth(auth) => {
            reason(packet_type, auth.reason_code, version, out);
            properties(&auth.properties, out);
        }
    }
    if let Packet::Publish(publish) = packet
        && publish.dup
        && record.direction == crate::proto::event::Direction::Out
    {
        // Our DUP publishes are resends after a reconnect.
        boolean("resend", true, out);
    }
}

fn key(name: &str, out: &mut Vec<u8>) {
    out.push(b',');
    write_str(name, out);
    out.push(b':');
}

fn boolean(name: &str, value: bool, out: &mut Vec<u8>) {
    key(name, out);
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// `,"properties":{...}` unless there are none.
pub(super) fn properties(properties: &Properties, out: &mut Vec<u8>) {
    if !properties.is_empty() {
        key("properties", out);
        write_properties(properties, out);
    }
}

/// `,"reason_code":N,"reason":"name"`.
pub(super) fn reason(packet_type: PacketType, code: u8, version: Version, out: &mut Vec<u8>) {
    key("reason_code", out);
    write_u64(u64::from(code), out);
    key("reason", out);
    write_str(reason_name(packet_type, code, version), out);
}

/// `,"reason_codes":[...],"reasons":[...]` (SUBACK, MQTT 5 UNSUBACK).
fn codes(packet_type: PacketType, codes: &[u8], version: Version, out: &mut Vec<u8>) {
    out.extend_from_slice(b",\"reason_codes\":[");
    for (index, code) in codes.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_u64(u64::from(*code), out);
    }
    out.extend_from_slice(b"],\"reasons\":[");
    for (index, code) in codes.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_str(reason_name(packet_type, *code, version), out);
    }
    out.push(b']');
}

/// The name of a return or reason code in `packet_type`: MQTT 3.x CONNACK return codes and SUBACK
/// grants, MQTT 5 reason codes (MQTT 5.0 §2.4), where 0 has a name of its own per packet.
pub fn reason_name(packet_type: PacketType, code: u8, version: Version) -> &'static str {
    if version != Version::V5 {
        return match (packet_type, code) {
            (PacketType::ConnAck, 0) => "Connection Accepted",
            (PacketType::ConnAck, 1) => "Connection Refused: unacceptable protocol version",
            (PacketType::ConnAck, 2) => "Connection Refused: identifier rejected",
            (PacketType::ConnAck, 3) => "Connection Refused: server unavailable",
            (PacketType::ConnAck, 4) => "Connection Refused: bad user name or password",
            (PacketType::ConnAck, 5) => "Connection Refused: not authorised",
            (PacketType::SubAck, 0) => "Granted QoS 0",
            (PacketType::SubAck, 1) => "Granted QoS 1",
            (PacketType::SubAck, 2) => "Granted QoS 2",
            (PacketType::SubAck, 0x80) => "Failure",
            _ => "Unknown return code",
        };
    }
    match (packet_type, code) {
        (PacketType::SubAck, 0) => "Granted QoS 0",
        (PacketType::Disconnect, 0) => "Normal disconnection",
        _ => exit::reason_string(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::codec::{Ack, ConnAck, Property, Publish, QoS};
    use crate::proto::event::Direction;

    fn members(packet: Packet, payload_len: usize, version: Version) -> String {
        let record = PacketRecord {
            direction: Direction::In,
            packet,
            payload_len,
        };
        let mut out = Vec::new();
        write_packet_members(&record, version, &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn reason_codes_are_named_per_protocol_and_packet() {
        let cases = [
            (PacketType::ConnAck, 0, Version::V311, "Connection Accepted"),
            (
                PacketType::ConnAck,
                5,
                Version::V311,
                "Connection Refused: not authorised",
            ),
            (PacketType::SubAck, 0x80, Version::V311, "Failure"),
            (PacketType::SubAck, 0, Version::V5, "Granted QoS 0"),
            (PacketType::ConnAck, 0, Version::V5, "Success"),
            (PacketType::ConnAck, 135, Version::V5, "Not authorized"),
            (
                PacketType::Disconnect,
                0,
                Version::V5,
                "Normal disconnection",
            ),
            (
                PacketType::Disconnect,
                4,
                Version::V5,
                "Disconnect with Will Message",
            ),
            (
                PacketType::PubAck,
                16,
                Version::V5,
                "No matching subscribers",
            ),
        ];
        for (packet_type, code, version, name) in cases {
            assert_eq!(
                reason_name(packet_type, code, version),
                name,
                "{packet_type:?} {code}"
            );
        }
    }

    #[test]
    fn a_publish_shows_flags_topic_length_and_the_kept_payload() {
        let publish = Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: "a/b".into(),
            packet_id: 7,
            payload: b"he".to_vec(),
            properties: Properties::new().with(Property::ContentType("t".into())),
        };
        assert_eq!(
            members(Packet::Publish(publish), 5, Version::V5),
            ",\"type\":\"PUBLISH\",\"dup\":false,\"qos\":1,\"retain\":true,\"packet_id\":7,\
             \"topic\":\"a/b\",\"payload_len\":5,\"payload\":\"he\",\"payload_truncated\":true,\
             \"properties\":{\"content-type\":\"t\"}"
        );
    }

    #[test]
    fn acks_show_reason_codes_only_in_mqtt_5() {
        let ack = Ack {
            packet_id: 3,
            reason_code: 16,
            properties: Properties::new(),
        };
        assert_eq!(
            members(Packet::PubAck(ack.clone()), 0, Version::V5),
            ",\"type\":\"PUBACK\",\"packet_id\":3,\"reason_code\":16,\"reason\":\"No matching subscribers\""
        );
        assert_eq!(
            members(Packet::PubAck(Ack::new(3)), 0, Version::V311),
            ",\"type\":\"PUBACK\",\"packet_id\":3"
        );
        let connack = ConnAck {
            session_present: true,
            code: 0,
            properties: Properties::new(),
        };
        assert_eq!(
            members(Packet::ConnAck(connack), 0, Version::V311),
            ",\"type\":\"CONNACK\",\"session_present\":true,\"reason_code\":0,\"reason\":\"Connection Accepted\""
        );
    }
}
