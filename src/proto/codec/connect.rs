//! CONNECT, CONNACK, and the bodiless PINGREQ, PINGRESP and DISCONNECT (MQTT 3.1.1 §3.1, §3.2,
//! §3.12-3.14; MQTT 3.1 differs in the protocol name/level and in CONNACK's first byte).

use super::primitives::{Reader, field_size, write_binary, write_fixed_header, write_u16};
use super::{ConnAck, Connect, DecodeError, EncodeError, Field, PacketType, QoS, Version, Will};

/// Connect flag bits (MQTT 3.1.1 §3.1.2.3).
const USERNAME_FLAG: u8 = 0b1000_0000;
const PASSWORD_FLAG: u8 = 0b0100_0000;
const WILL_RETAIN_FLAG: u8 = 0b0010_0000;
const WILL_QOS_SHIFT: u8 = 3;
const WILL_QOS_MASK: u8 = 0b0001_1000;
const WILL_FLAG: u8 = 0b0000_0100;
const CLEAN_SESSION_FLAG: u8 = 0b0000_0010;
const CONNECT_RESERVED_FLAG: u8 = 0b0000_0001;

/// CONNACK acknowledge flags (3.1.1 §3.2.2.1): only bit 0 is defined.
const SESSION_PRESENT_FLAG: u8 = 0b0000_0001;

const CONNECT_FIRST_BYTE: u8 = (PacketType::Connect as u8) << 4;
const CONNACK_FIRST_BYTE: u8 = (PacketType::ConnAck as u8) << 4;

pub fn encode_connect(connect: &Connect, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let protocol_name = connect.version.protocol_name().as_bytes();
    // Name, level, flags, keep alive.
    let mut remaining_length = field_size(protocol_name.len())? + 1 + 1 + 2;
    remaining_length += field_size(connect.client_id.len())?;
    if let Some(will) = &connect.will {
        remaining_length += field_size(will.topic.len())? + field_size(will.payload.len())?;
    }
    if let Some(username) = &connect.username {
        remaining_length += field_size(username.len())?;
    }
    if let Some(password) = &connect.password {
        remaining_length += field_size(password.len())?;
    }

    let mut flags = 0;
    if connect.clean_session {
        flags |= CLEAN_SESSION_FLAG;
    }
    if let Some(will) = &connect.will {
        flags |= WILL_FLAG | (will.qos.as_u8() << WILL_QOS_SHIFT);
        if will.retain {
            flags |= WILL_RETAIN_FLAG;
        }
    }
    if connect.username.is_some() {
        flags |= USERNAME_FLAG;
    }
    if connect.password.is_some() {
        flags |= PASSWORD_FLAG;
    }

    write_fixed_header(CONNECT_FIRST_BYTE, remaining_length, out)?;
    write_binary(protocol_name, out);
    out.push(connect.version.level());
    out.push(flags);
    write_u16(connect.keep_alive, out);
    write_binary(connect.client_id.as_bytes(), out);
    if let Some(will) = &connect.will {
        write_binary(will.topic.as_bytes(), out);
        write_binary(&will.payload, out);
    }
    if let Some(username) = &connect.username {
        write_binary(username.as_bytes(), out);
    }
    if let Some(password) = &connect.password {
        write_binary(password, out);
    }
    Ok(())
}

pub fn decode_connect(body: &[u8]) -> Result<Connect, DecodeError> {
    let mut reader = Reader::new(body, PacketType::Connect);
    // Compared as bytes: only two exact names are acceptable, so UTF-8 checks would add nothing.
    let protocol_name = reader.read_binary(Field::ProtocolName)?;
    let name_of = if protocol_name == Version::V311.protocol_name().as_bytes() {
        Version::V311
    } else if protocol_name == Version::V31.protocol_name().as_bytes() {
        Version::V31
    } else {
        return Err(DecodeError::UnknownProtocolName);
    };
    let level = reader.read_u8(Field::ProtocolLevel)?;
    if level != name_of.level() {
        return Err(DecodeError::UnknownProtocolLevel { name_of, level });
    }
    let version = name_of;

    let flags = reader.read_u8(Field::ConnectFlags)?;
    if flags & CONNECT_RESERVED_FLAG != 0 {
        return Err(DecodeError::ConnectReservedFlag);
    }
    let has_will = flags & WILL_FLAG != 0;
    if !has_will && flags & (WILL_QOS_MASK | WILL_RETAIN_FLAG) != 0 {
        return Err(DecodeError::WillFlagsWithoutWill { flags });
    }
    let will_qos =
        QoS::from_u8((flags & WILL_QOS_MASK) >> WILL_QOS_SHIFT).ok_or(DecodeError::WillQoS3)?;
    let has_username = flags & USERNAME_FLAG != 0;
    let has_password = flags & PASSWORD_FLAG != 0;
    // 3.1 had no such rule (mosquitto accepts it there), 3.1.1 made it one (§3.1.2.9).
    if version == Version::V311 && has_password && !has_username {
        return Err(DecodeError::PasswordWithoutUsername);
    }

    let keep_alive = reader.read_u16(Field::KeepAlive)?;
    let client_id = reader.read_str(Field::ClientId)?.to_owned();
    let will = if has_will {
        Some(Will {
            topic: reader.read_str(Field::WillTopic)?.to_owned(),
            payload: reader.read_binary(Field::WillPayload)?.to_vec(),
            qos: will_qos,
            retain: flags & WILL_RETAIN_FLAG != 0,
        })
    } else {
        None
    };
    let username = if has_username {
        Some(reader.read_str(Field::Username)?.to_owned())
    } else {
        None
    };
    // Binary data in 3.1.1; 3.1 called it a string, but treating it as bytes accepts every 3.1 password.
    let password = if has_password {
        Some(reader.read_binary(Field::Password)?.to_vec())
    } else {
        None
    };
    reader.finish()?;

    Ok(Connect {
        version,
        clean_session: flags & CLEAN_SESSION_FLAG != 0,
        keep_alive,
        client_id,
        will,
        username,
        password,
    })
}

/// In 3.1 the first body byte of CONNACK is reserved and unused, so 3.1 writes 0 there and ignores it on
/// decode; 3.1.1 put the session present flag in bit 0.
pub fn encode_connack(connack: &ConnAck, version: Version, out: &mut Vec<u8>) {
    let acknowledge_flags = match version {
        Version::V311 if connack.session_present => SESSION_PRESENT_FLAG,
        _ => 0,
    };
    out.extend_from_slice(&[CONNACK_FIRST_BYTE, 2, acknowledge_flags, connack.code]);
}

pub fn decode_connack(body: &[u8], version: Version) -> Result<ConnAck, DecodeError> {
    let mut reader = Reader::new(body, PacketType::ConnAck);
    let acknowledge_flags = reader.read_u8(Field::ConnAckFlags)?;
    let code = reader.read_u8(Field::ReturnCode)?;
    reader.finish()?;
    let session_present = match version {
        Version::V31 => false,
        Version::V311 => {
            if acknowledge_flags & !SESSION_PRESENT_FLAG != 0 {
                return Err(DecodeError::ConnAckReservedFlags {
                    flags: acknowledge_flags,
                });
            }
            // Session present with a refusal code breaks §3.2.2.2, but it is harmless to a client
            // (a refused connection has no session to resume), so it is passed through.
            acknowledge_flags & SESSION_PRESENT_FLAG != 0
        }
    };
    Ok(ConnAck {
        session_present,
        code,
    })
}

/// PINGREQ, PINGRESP and DISCONNECT have no body at all.
pub fn decode_empty(packet: PacketType, body: &[u8]) -> Result<(), DecodeError> {
    Reader::new(body, packet).finish()
}

#[cfg(test)]
mod tests {
    use super::super::{Packet, decode, encode};
    use super::*;

    const NO_LIMIT: usize = usize::MAX;

    fn encoded(packet: &Packet, version: Version) -> Vec<u8> {
        let mut out = Vec::new();
        encode(packet, version, &mut out).expect("encodable");
        out
    }

    /// MQTT 3.1.1 §3.1.2, the "Variable header non normative example": protocol name "MQTT",
    /// level 4, flags 0xCE (user name, password, will QoS 1, will flag, clean session), keep alive 10.
    const SPEC_CONNECT_VARIABLE_HEADER: [u8; 10] =
        [0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A];

    fn spec_example_connect() -> Connect {
        Connect {
            version: Version::V311,
            clean_session: true,
            keep_alive: 10,
            client_id: "c".into(),
            will: Some(Will {
                topic: "w".into(),
                payload: b"m".to_vec(),
                qos: QoS::AtLeastOnce,
                retain: false,
            }),
            username: Some("u".into()),
            password: Some(b"p".to_vec()),
        }
    }

    #[test]
    fn connect_matches_spec_variable_header_example() {
        let packet = Packet::Connect(spec_example_connect());
        let bytes = encoded(&packet, Version::V311);
        let expected: &[u8] = &[
            0x10, 25, // fixed header: CONNECT, remaining length 10 + 5 * 3
            0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A, // variable header
            0x00, 0x01, b'c', // client identifier
            0x00, 0x01, b'w', // will topic
            0x00, 0x01, b'm', // will message
            0x00, 0x01, b'u', // user name
            0x00, 0x01, b'p', // password
        ];
        assert_eq!(bytes, expected);
        assert_eq!(&bytes[2..12], SPEC_CONNECT_VARIABLE_HEADER);
        assert_eq!(
            decode(&bytes, Version::V311, NO_LIMIT),
            Ok(Some((packet, bytes.len())))
        );
    }

    #[test]
    fn connect_v31_uses_mqisdp_level_3() {
        let connect = Connect {
            version: Version::V31,
            clean_session: true,
            keep_alive: 60,
            client_id: "rpub".into(),
            will: None,
            username: None,
            password: None,
        };
        let packet = Packet::Connect(connect);
        let bytes = encoded(&packet, Version::V31);
        let expected: &[u8] = &[
            0x10, 18, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x02, 0x00, 60, 0x00,
            0x04, b'r', b'p', b'u', b'b',
        ];
        assert_eq!(bytes, expected);
        // The version comes from the packet, not from the caller's version.
        assert_eq!(
            decode(&bytes, Version::V311, NO_LIMIT),
            Ok(Some((packet, bytes.len())))
        );
    }

    #[test]
    fn connect_v31_password_without_username_is_accepted() {
        let bytes = [
            0x10, 19, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x42, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x03, b'p', b'w', b'd',
        ];
        let Ok(Some((Packet::Connect(connect), 21))) = decode(&bytes, Version::V31, NO_LIMIT)
        else {
            panic!("3.1 CONNECT with only a password must decode");
        };
        assert_eq!(connect.username, None);
        assert_eq!(connect.password.as_deref(), Some(&b"pwd"[..]));
    }

    #[test]
    fn connack_bytes() {
        let accepted = Packet::ConnAck(ConnAck {
            session_present: true,
            code: 0,
        });
        assert_eq!(encoded(&accepted, Version::V311), [0x20, 0x02, 0x01, 0x00]);
        // 3.1 has no session present flag: the byte is reserved and written as 0.
        assert_eq!(encoded(&accepted, Version::V31), [0x20, 0x02, 0x00, 0x00]);

        let refused = [0x20, 0x02, 0x00, 0x05];
        let expected = Packet::ConnAck(ConnAck {
            session_present: false,
            code: 5,
        });
        assert_eq!(
            decode(&refused, Version::V311, NO_LIMIT),
            Ok(Some((expected, 4)))
        );
    }

    #[test]
    fn connack_v31_ignores_its_reserved_byte() {
        assert_eq!(
            decode(&[0x20, 0x02, 0xFF, 0x00], Version::V31, NO_LIMIT),
            Ok(Some((
                Packet::ConnAck(ConnAck {
                    session_present: false,
                    code: 0
                }),
                4
            )))
        );
        assert_eq!(
            decode(&[0x20, 0x02, 0xFF, 0x00], Version::V311, NO_LIMIT),
            Err(DecodeError::ConnAckReservedFlags { flags: 0xFF })
        );
    }

    #[test]
    fn connack_session_present_with_refusal_is_passed_through() {
        assert_eq!(
            decode(&[0x20, 0x02, 0x01, 0x04], Version::V311, NO_LIMIT),
            Ok(Some((
                Packet::ConnAck(ConnAck {
                    session_present: true,
                    code: 4
                }),
                4
            )))
        );
    }

    #[test]
    fn bodiless_packets() {
        // §3.12.1, §3.13.1, §3.14.1: fixed header only, remaining length 0.
        for (packet, first_byte) in [
            (Packet::PingReq, 0xC0),
            (Packet::PingResp, 0xD0),
            (Packet::Disconnect, 0xE0),
        ] {
            for version in [Version::V31, Version::V311] {
                assert_eq!(encoded(&packet, version), [first_byte, 0x00]);
                assert_eq!(
                    decode(&[first_byte, 0x00, 0xC0], version, NO_LIMIT),
                    Ok(Some((packet.clone(), 2)))
                );
            }
        }
    }

    #[test]
    fn connect_with_too_long_field_appends_nothing() {
        let mut connect = spec_example_connect();
        connect.password = Some(vec![0; 65_536]);
        let mut out = vec![0x55];
        assert_eq!(
            encode(&Packet::Connect(connect), Version::V311, &mut out),
            Err(EncodeError::FieldTooLong { len: 65_536 })
        );
        assert_eq!(out, [0x55]);
    }
}
