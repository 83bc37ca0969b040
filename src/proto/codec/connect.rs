//! CONNECT, CONNACK, DISCONNECT, AUTH and the bodiless PINGREQ and PINGRESP (MQTT 3.1.1 §3.1, §3.2,
//! §3.12-3.14; MQTT 3.1 differs in the protocol name/level and in CONNACK's first byte; MQTT 5.0 §3.1,
//! §3.2, §3.14, §3.15 add properties, will properties, reason codes and AUTH).

use super::primitives::{Reader, field_size, write_binary, write_fixed_header, write_u16};
use super::{
    Auth, ConnAck, Connect, DecodeError, Disconnect, EncodeError, Field, PacketType, Properties,
    PropertyContext, QoS, ReasonCodes, Version, Will, is_valid_reason_code,
};

/// Connect flag bits (MQTT 3.1.1 §3.1.2.3).
const USERNAME_FLAG: u8 = 0b1000_0000;
const PASSWORD_FLAG: u8 = 0b0100_0000;
const WILL_RETAIN_FLAG: u8 = 0b0010_0000;
const WILL_QOS_SHIFT: u8 = 3;
const WILL_QOS_MASK: u8 = 0b0001_1000;
const WILL_FLAG: u8 = 0b0000_0100;
const CLEAN_SESSION_FLAG: u8 = 0b0000_0010;
const CONNECT_RESERVED_FLAG: u8 = 0b0000_0001;

/// CONNACK acknowledge flags (3.1.1 §3.2.2.1, 5.0 §3.2.2.1): only bit 0 is defined.
const SESSION_PRESENT_FLAG: u8 = 0b0000_0001;

const CONNECT_FIRST_BYTE: u8 = (PacketType::Connect as u8) << 4;
const CONNACK_FIRST_BYTE: u8 = (PacketType::ConnAck as u8) << 4;
const DISCONNECT_FIRST_BYTE: u8 = (PacketType::Disconnect as u8) << 4;
const AUTH_FIRST_BYTE: u8 = (PacketType::Auth as u8) << 4;

const CONNECT_PROPERTIES: PropertyContext = PropertyContext::Packet(PacketType::Connect);

pub fn encode_connect(connect: &Connect, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let v5 = connect.version == Version::V5;
    let protocol_name = connect.version.protocol_name().as_bytes();
    // Name, level, flags, keep alive.
    let mut remaining_length = field_size(protocol_name.len())? + 1 + 1 + 2;
    if v5 {
        remaining_length = remaining_length.saturating_add(connect.properties.encoded_size()?);
    }
    remaining_length += field_size(connect.client_id.len())?;
    if let Some(will) = &connect.will {
        if v5 {
            remaining_length = remaining_length.saturating_add(will.properties.encoded_size()?);
        }
        remaining_length = remaining_length
            .saturating_add(field_size(will.topic.len())? + field_size(will.payload.len())?);
    }
    if let Some(username) = &connect.username {
        remaining_length = remaining_length.saturating_add(field_size(username.len())?);
    }
    if let Some(password) = &connect.password {
        remaining_length = remaining_length.saturating_add(field_size(password.len())?);
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
    if v5 {
        connect.properties.write(out);
    }
    write_binary(connect.client_id.as_bytes(), out);
    if let Some(will) = &connect.will {
        if v5 {
            will.properties.write(out);
        }
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
    let version = match (name_of, level) {
        (Version::V31, 3) => Version::V31,
        (Version::V311, 4) => Version::V311,
        (Version::V311, 5) => Version::V5,
        _ => return Err(DecodeError::UnknownProtocolLevel { name_of, level }),
    };
    let v5 = version == Version::V5;

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
    // 3.1 had no such rule (mosquitto accepts it there), 3.1.1 made it one (§3.1.2.9), and MQTT 5
    // dropped it again (5.0 §3.1.2.9).
    if version == Version::V311 && has_password && !has_username {
        return Err(DecodeError::PasswordWithoutUsername);
    }

    let keep_alive = reader.read_u16(Field::KeepAlive)?;
    let properties = if v5 {
        let properties = Properties::read(&mut reader, CONNECT_PROPERTIES)?;
        if properties.authentication_data().is_some()
            && properties.authentication_method().is_none()
        {
            return Err(DecodeError::AuthenticationDataWithoutMethod);
        }
        properties
    } else {
        Properties::new()
    };
    let client_id = reader.read_str(Field::ClientId)?.to_owned();
    let will = if has_will {
        let properties = if v5 {
            Properties::read(&mut reader, PropertyContext::Will)?
        } else {
            Properties::new()
        };
        Some(Will {
            topic: reader.read_str(Field::WillTopic)?.to_owned(),
            payload: reader.read_binary(Field::WillPayload)?.to_vec(),
            qos: will_qos,
            retain: flags & WILL_RETAIN_FLAG != 0,
            properties,
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
        properties,
    })
}

/// In 3.1 the first body byte of CONNACK is reserved and unused, so 3.1 writes 0 there and ignores it on
/// decode; 3.1.1 put the session present flag in bit 0; MQTT 5 adds properties after the reason code.
pub fn encode_connack(
    connack: &ConnAck,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let acknowledge_flags = match version {
        Version::V311 | Version::V5 if connack.session_present => SESSION_PRESENT_FLAG,
        _ => 0,
    };
    let properties_size = match version {
        Version::V5 => connack.properties.encoded_size()?,
        Version::V31 | Version::V311 => 0,
    };
    write_fixed_header(
        CONNACK_FIRST_BYTE,
        2usize.saturating_add(properties_size),
        out,
    )?;
    out.extend_from_slice(&[acknowledge_flags, connack.code]);
    if version == Version::V5 {
        connack.properties.write(out);
    }
    Ok(())
}

pub fn decode_connack(
    body: &[u8],
    version: Version,
    reason_codes: ReasonCodes,
) -> Result<ConnAck, DecodeError> {
    let mut reader = Reader::new(body, PacketType::ConnAck);
    let acknowledge_flags = reader.read_u8(Field::ConnAckFlags)?;
    let code = reader.read_u8(Field::ReturnCode)?;
    let properties = if version == Version::V5 {
        if reason_codes == ReasonCodes::Listed && !is_valid_reason_code(PacketType::ConnAck, code) {
            return Err(DecodeError::InvalidReasonCode {
                packet: PacketType::ConnAck,
                code,
            });
        }
        Properties::read(&mut reader, PropertyContext::Packet(PacketType::ConnAck))?
    } else {
        Properties::new()
    };
    reader.finish()?;
    let session_present = match version {
        Version::V31 => false,
        Version::V311 | Version::V5 => {
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
        properties,
    })
}

/// The body of a MQTT 5 DISCONNECT or AUTH: a reason code and properties, with the spec's short forms.
/// Reason 0 without properties is an empty body (§3.14.2.1, §3.15.2.1). `reason_alone_allowed`: a reason
/// code may end the body (DISCONNECT, §3.14.2.2.1); AUTH has no such form, so its reason code is
/// always followed by a property length.
fn encode_reason_and_properties(
    first_byte: u8,
    reason_code: u8,
    properties: &Properties,
    reason_alone_allowed: bool,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if reason_code == 0 && properties.is_empty() {
        out.extend_from_slice(&[first_byte, 0]);
    } else if reason_alone_allowed && properties.is_empty() {
        out.extend_from_slice(&[first_byte, 1, reason_code]);
    } else {
        let remaining_length = properties.encoded_size()?.saturating_add(1);
        write_fixed_header(first_byte, remaining_length, out)?;
        out.push(reason_code);
        properties.write(out);
    }
    Ok(())
}

/// 3.x DISCONNECT is a bare fixed header; MQTT 5 writes 0, 1 or more body bytes (§3.14.2).
pub fn encode_disconnect(
    disconnect: &Disconnect,
    version: Version,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if version != Version::V5 {
        out.extend_from_slice(&[DISCONNECT_FIRST_BYTE, 0]);
        return Ok(());
    }
    encode_reason_and_properties(
        DISCONNECT_FIRST_BYTE,
        disconnect.reason_code,
        &disconnect.properties,
        true,
        out,
    )
}

pub fn decode_disconnect(
    body: &[u8],
    version: Version,
    reason_codes: ReasonCodes,
) -> Result<Disconnect, DecodeError> {
    if version != Version::V5 {
        decode_empty(PacketType::Disconnect, body)?;
        return Ok(Disconnect::default());
    }
    let (reason_code, properties) =
        decode_reason_and_properties(PacketType::Disconnect, body, true, reason_codes)?;
    Ok(Disconnect {
        reason_code,
        properties,
    })
}

/// AUTH exists in MQTT 5 only; for 3.x the encoder writes a bare type-15 fixed header, which every 3.x
/// decoder rejects as a reserved packet type.
pub fn encode_auth(auth: &Auth, version: Version, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if version != Version::V5 {
        out.extend_from_slice(&[AUTH_FIRST_BYTE, 0]);
        return Ok(());
    }
    encode_reason_and_properties(
        AUTH_FIRST_BYTE,
        auth.reason_code,
        &auth.properties,
        false,
        out,
    )
}

/// Only reached in MQTT 5: `decode` rejects type 15 as reserved before.
pub fn decode_auth(body: &[u8]) -> Result<Auth, DecodeError> {
    let (reason_code, properties) =
        decode_reason_and_properties(PacketType::Auth, body, false, ReasonCodes::Listed)?;
    Ok(Auth {
        reason_code,
        properties,
    })
}

/// An empty body means reason code 0 and no properties; otherwise a reason code, then (unless
/// `reason_alone_allowed` and the body ends there) a property list.
fn decode_reason_and_properties(
    packet: PacketType,
    body: &[u8],
    reason_alone_allowed: bool,
    reason_codes: ReasonCodes,
) -> Result<(u8, Properties), DecodeError> {
    let mut reader = Reader::new(body, packet);
    if reader.is_empty() {
        return Ok((0, Properties::new()));
    }
    let reason_code = reader.read_u8(Field::ReasonCode)?;
    if reason_codes == ReasonCodes::Listed && !is_valid_reason_code(packet, reason_code) {
        return Err(DecodeError::InvalidReasonCode {
            packet,
            code: reason_code,
        });
    }
    let properties = if reason_alone_allowed && reader.is_empty() {
        Properties::new()
    } else {
        Properties::read(&mut reader, PropertyContext::Packet(packet))?
    };
    reader.finish()?;
    Ok((reason_code, properties))
}

/// PINGREQ and PINGRESP (and 3.x DISCONNECT) have no body at all.
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
                ..Default::default()
            }),
            username: Some("u".into()),
            password: Some(b"p".to_vec()),
            properties: Properties::new(),
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
            properties: Properties::new(),
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
            ..Default::default()
        });
        assert_eq!(encoded(&accepted, Version::V311), [0x20, 0x02, 0x01, 0x00]);
        // 3.1 has no session present flag: the byte is reserved and written as 0.
        assert_eq!(encoded(&accepted, Version::V31), [0x20, 0x02, 0x00, 0x00]);

        let refused = [0x20, 0x02, 0x00, 0x05];
        let expected = Packet::ConnAck(ConnAck {
            session_present: false,
            code: 5,
            ..Default::default()
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
                    code: 0,
                    ..Default::default()
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
                    code: 4,
                    ..Default::default()
                }),
                4
            )))
        );
    }

    #[test]
    fn bodiless_packets() {
        // §3.12.1, §3.13.1, §3.14.1: fixed header only, remaining length 0. In MQTT 5 a DISCONNECT
        // with reason 0 and no properties has the same short form (5.0 §3.14.2.1).
        for (packet, first_byte) in [
            (Packet::PingReq, 0xC0),
            (Packet::PingResp, 0xD0),
            (Packet::Disconnect(Disconnect::default()), 0xE0),
        ] {
            for version in [Version::V31, Version::V311, Version::V5] {
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

    // -----------------------------------------------------------------------------------------------
    // MQTT 5

    use super::super::{Property, PropertyId};

    /// Encodes in MQTT 5, checks the bytes, and decodes them back.
    fn assert_v5_bytes(packet: &Packet, expected: &[u8]) {
        assert_eq!(encoded(packet, Version::V5), expected, "{packet:?}");
        assert_eq!(
            decode(expected, Version::V5, NO_LIMIT),
            Ok(Some((packet.clone(), expected.len())))
        );
    }

    /// MQTT 5.0 §3.1.2.12, the "Variable Header example": protocol name "MQTT", version 5, flags 0xCE
    /// (user name, password, will QoS 1, will flag, clean start), keep alive 10, then the properties:
    /// length 5, session expiry interval (identifier 17) of 10 seconds.
    const SPEC_V5_CONNECT_VARIABLE_HEADER: [u8; 16] = [
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0xCE, 0x00, 0x0A, 0x05, 0x11, 0x00, 0x00, 0x00,
        0x0A,
    ];

    #[test]
    fn v5_connect_matches_spec_variable_header_example() {
        let packet = Packet::Connect(Connect {
            version: Version::V5,
            properties: Properties::new().with(Property::SessionExpiryInterval(10)),
            ..spec_example_connect()
        });
        let expected: &[u8] = &[
            0x10, 32, // fixed header: CONNECT, remaining length 16 + 3 + 1 + 4 * 3
            0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0xCE, 0x00,
            0x0A, // name, version, flags, keep alive
            0x05, 0x11, 0x00, 0x00, 0x00, 0x0A, // properties: session expiry interval 10
            0x00, 0x01, b'c', // client identifier
            0x00, // will properties: none
            0x00, 0x01, b'w', // will topic
            0x00, 0x01, b'm', // will payload
            0x00, 0x01, b'u', // user name
            0x00, 0x01, b'p', // password
        ];
        assert_eq!(&expected[2..18], SPEC_V5_CONNECT_VARIABLE_HEADER);
        assert_v5_bytes(&packet, expected);
    }

    #[test]
    fn v5_connect_with_will_properties() {
        let packet = Packet::Connect(Connect {
            version: Version::V5,
            clean_session: false,
            keep_alive: 60,
            client_id: "id".into(),
            will: Some(Will {
                topic: "t".into(),
                payload: b"bye".to_vec(),
                qos: QoS::ExactlyOnce,
                retain: true,
                properties: Properties::new()
                    .with(Property::WillDelayInterval(30))
                    .with(Property::ContentType("txt".into()))
                    .with(Property::UserProperty("k".into(), "v".into())),
            }),
            username: None,
            // No user name: allowed in MQTT 5 (§3.1.2.9).
            password: Some(b"pw".to_vec()),
            properties: Properties::new()
                .with(Property::ReceiveMaximum(20))
                .with(Property::TopicAliasMaximum(5))
                .with(Property::RequestResponseInformation(1))
                .with(Property::RequestProblemInformation(0))
                .with(Property::MaximumPacketSize(0x0001_0000))
                .with(Property::AuthenticationMethod("m".into()))
                .with(Property::AuthenticationData(vec![0xAD])),
        });
        let expected: &[u8] = &[
            0x10, 69, // CONNECT, remaining length 69
            0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, // protocol name, version 5
            0x74, // flags: password 0x40, will retain 0x20, will QoS 2 0x10, will 0x04
            0x00, 0x3C, // keep alive 60
            0x17, // property length 23
            0x21, 0x00, 0x14, // receive maximum 20
            0x22, 0x00, 0x05, // topic alias maximum 5
            0x19, 0x01, // request response information 1
            0x17, 0x00, // request problem information 0
            0x27, 0x00, 0x01, 0x00, 0x00, // maximum packet size 65536
            0x15, 0x00, 0x01, b'm', // authentication method "m"
            0x16, 0x00, 0x01, 0xAD, // authentication data AD
            0x00, 0x02, b'i', b'd', // client identifier "id"
            0x12, // will property length 18
            0x18, 0x00, 0x00, 0x00, 0x1E, // will delay interval 30
            0x03, 0x00, 0x03, b't', b'x', b't', // content type "txt"
            0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // user property k=v
            0x00, 0x01, b't', // will topic "t"
            0x00, 0x03, b'b', b'y', b'e', // will payload "bye"
            0x00, 0x02, b'p', b'w', // password "pw"
        ];
        assert_v5_bytes(&packet, expected);
    }

    #[test]
    fn v5_connack_bytes() {
        // Success, no properties: the property length is still there.
        assert_v5_bytes(
            &Packet::ConnAck(ConnAck::default()),
            &[0x20, 0x03, 0x00, 0x00, 0x00],
        );
        let packet = Packet::ConnAck(ConnAck {
            session_present: true,
            code: 0,
            properties: Properties::new()
                .with(Property::AssignedClientIdentifier("auto".into()))
                .with(Property::ServerKeepAlive(120))
                .with(Property::MaximumQoS(1))
                .with(Property::RetainAvailable(0))
                .with(Property::ReceiveMaximum(10))
                .with(Property::TopicAliasMaximum(0))
                .with(Property::SessionExpiryInterval(3600))
                .with(Property::SharedSubscriptionAvailable(0)),
        });
        let expected: &[u8] = &[
            0x20, 0x1E, // CONNACK, remaining length 30
            0x01, // session present
            0x00, // reason code: success
            0x1B, // property length 27
            0x12, 0x00, 0x04, b'a', b'u', b't', b'o', // assigned client identifier "auto"
            0x13, 0x00, 0x78, // server keep alive 120
            0x24, 0x01, // maximum QoS 1
            0x25, 0x00, // retain available 0
            0x21, 0x00, 0x0A, // receive maximum 10
            0x22, 0x00, 0x00, // topic alias maximum 0
            0x11, 0x00, 0x00, 0x0E, 0x10, // session expiry interval 3600
            0x2A, 0x00, // shared subscription available 0
        ];
        assert_v5_bytes(&packet, expected);
        // A refusal with a reason string; MQTT 5 reason codes replace 3.x return codes.
        let refused = Packet::ConnAck(ConnAck {
            session_present: false,
            code: 0x86,
            properties: Properties::new().with(Property::ReasonString("bad".into())),
        });
        assert_v5_bytes(
            &refused,
            &[
                0x20, 0x09, 0x00, 0x86, 0x06, 0x1F, 0x00, 0x03, b'b', b'a', b'd',
            ],
        );
    }

    /// MQTT 5.0 §3.14.2.3, the "DISCONNECT packet Variable Header non-normative example": reason code 0,
    /// properties of length 5 holding a session expiry interval (identifier 17) of 0.
    const SPEC_V5_DISCONNECT_VARIABLE_HEADER: [u8; 7] = [0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00];

    #[test]
    fn v5_disconnect_matches_spec_example_and_short_forms() {
        let spec = Packet::Disconnect(Disconnect {
            reason_code: 0,
            properties: Properties::new().with(Property::SessionExpiryInterval(0)),
        });
        let mut expected = vec![0xE0, 0x07];
        expected.extend_from_slice(&SPEC_V5_DISCONNECT_VARIABLE_HEADER);
        assert_v5_bytes(&spec, &expected);
        // Reason 0, no properties: remaining length 0 (§3.14.2.1).
        assert_v5_bytes(&Packet::Disconnect(Disconnect::default()), &[0xE0, 0x00]);
        // Any other reason without properties: remaining length 1 (§3.14.2.2.1).
        assert_v5_bytes(
            &Packet::Disconnect(Disconnect {
                reason_code: 0x04,
                properties: Properties::new(),
            }),
            &[0xE0, 0x01, 0x04],
        );
        // The long forms of the same packets are accepted too.
        for (long, short) in [
            (&[0xE0, 0x01, 0x00][..], Disconnect::default()),
            (&[0xE0, 0x02, 0x00, 0x00][..], Disconnect::default()),
            (
                &[0xE0, 0x02, 0x04, 0x00][..],
                Disconnect {
                    reason_code: 0x04,
                    properties: Properties::new(),
                },
            ),
        ] {
            assert_eq!(
                decode(long, Version::V5, NO_LIMIT),
                Ok(Some((Packet::Disconnect(short), long.len())))
            );
        }
        let from_server = Packet::Disconnect(Disconnect {
            reason_code: 0x9D,
            properties: Properties::new()
                .with(Property::ServerReference("b:1".into()))
                .with(Property::ReasonString("moved".into())),
        });
        assert_v5_bytes(
            &from_server,
            &[
                0xE0, 0x10, // DISCONNECT, remaining length 16
                0x9D, // server moved
                0x0E, // property length 14
                0x1C, 0x00, 0x03, b'b', b':', b'1', // server reference "b:1"
                0x1F, 0x00, 0x05, b'm', b'o', b'v', b'e', b'd', // reason string "moved"
            ],
        );
    }

    #[test]
    fn v5_auth_bytes() {
        // Success without properties: remaining length 0 (§3.15.2.1).
        assert_v5_bytes(&Packet::Auth(Auth::default()), &[0xF0, 0x00]);
        // Any other reason code is followed by a property length, even an empty one.
        assert_v5_bytes(
            &Packet::Auth(Auth {
                reason_code: 0x19,
                properties: Properties::new(),
            }),
            &[0xF0, 0x02, 0x19, 0x00],
        );
        let continue_auth = Packet::Auth(Auth {
            reason_code: 0x18,
            properties: Properties::new()
                .with(Property::AuthenticationMethod("SCRAM".into()))
                .with(Property::AuthenticationData(vec![0x01, 0x02]))
                .with(Property::ReasonString("more".into())),
        });
        assert_v5_bytes(
            &continue_auth,
            &[
                0xF0, 0x16, // AUTH, remaining length 22
                0x18, // continue authentication
                0x14, // property length 20
                0x15, 0x00, 0x05, b'S', b'C', b'R', b'A', b'M', // authentication method
                0x16, 0x00, 0x02, 0x01, 0x02, // authentication data
                0x1F, 0x00, 0x04, b'm', b'o', b'r', b'e', // reason string
            ],
        );
    }

    #[test]
    fn v5_connect_version_and_password_rules() {
        // MQTT 5 lets a password go without a user name; 3.1.1 does not (§3.1.2.9 in both).
        let bytes = [
            0x10, 0x11, // CONNECT, remaining length 17
            0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, // protocol name, version 5
            0x42, // flags: password, clean start
            0x00, 0x00, // keep alive 0
            0x00, // no properties
            0x00, 0x00, // empty client identifier
            0x00, 0x02, b'p', b'w', // password "pw"
        ];
        // Decoded by a connection that expects 3.1.1: a CONNECT's version comes from the packet.
        let Ok(Some((Packet::Connect(connect), 19))) = decode(&bytes, Version::V311, NO_LIMIT)
        else {
            panic!("MQTT 5 CONNECT with only a password must decode");
        };
        assert_eq!(connect.version, Version::V5);
        assert_eq!(connect.username, None);
        assert_eq!(connect.password.as_deref(), Some(&b"pw"[..]));
        let mut as_v311 = bytes;
        as_v311[8] = 0x04;
        as_v311[1] = 0x10;
        // Without the property length byte, the same CONNECT in 3.1.1 breaks §3.1.2.9.
        let as_v311: Vec<u8> = as_v311[..12]
            .iter()
            .chain(&as_v311[13..])
            .copied()
            .collect();
        assert_eq!(
            decode(&as_v311, Version::V311, NO_LIMIT),
            Err(DecodeError::PasswordWithoutUsername)
        );
        // The property identifiers of CONNECT itself are checked in the CONNECT context.
        assert!(
            PropertyId::ReceiveMaximum.is_allowed_in(PropertyContext::Packet(PacketType::Connect))
        );
    }
}
