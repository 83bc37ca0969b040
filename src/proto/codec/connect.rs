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
mod tests;
