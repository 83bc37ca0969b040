//! MQTT packet codec: one [`Packet`] enum, [`encode`] and incremental [`decode`].
//!
//! Version-aware: every entry point takes the [`Version`] negotiated for the connection. MQTT 5 adds
//! properties, reason codes and the AUTH packet as fields and variants that 3.1/3.1.1 ignore on encode and
//! leave empty on decode, so callers written for 3.1.1 keep working unchanged.
//!
//! Layout: `primitives.rs` (variable byte integers, UTF-8 strings, binary data), `properties.rs` (MQTT 5
//! properties), `reason.rs` (MQTT 5 reason codes), `connect.rs` (CONNECT/CONNACK/DISCONNECT/AUTH/PINGREQ/
//! PINGRESP), `publish.rs` (PUBLISH and its four acks), `subscribe.rs` (SUBSCRIBE/SUBACK/UNSUBSCRIBE/
//! UNSUBACK), `error.rs` (typed errors).

mod connect;
mod error;
mod primitives;
mod properties;
mod publish;
mod reason;
mod subscribe;
#[cfg(test)]
mod tests;

pub use error::{DecodeError, EncodeError, Field};
pub use properties::{Properties, Property, PropertyContext, PropertyId, PropertyType};
pub use publish::encode_publish_header;
pub use reason::is_valid_reason_code;
pub use subscribe::SUBACK_FAILURE;

/// The client frames its read buffer with it (how long is the packet that has begun to arrive).
pub(crate) use primitives::decode_remaining_length;

/// The largest remaining length the fixed header can express (4-byte variable byte integer).
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

/// Protocol version of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// MQTT 3.1: protocol name `MQIsdp`, level 3.
    V31,
    /// MQTT 3.1.1: protocol name `MQTT`, level 4.
    V311,
    /// MQTT 5.0: protocol name `MQTT`, level 5.
    V5,
}

impl Version {
    /// The protocol level byte of CONNECT.
    pub fn level(self) -> u8 {
        match self {
            Version::V31 => 3,
            Version::V311 => 4,
            Version::V5 => 5,
        }
    }

    /// The protocol name string of CONNECT.
    pub fn protocol_name(self) -> &'static str {
        match self {
            Version::V31 => "MQIsdp",
            Version::V311 | Version::V5 => "MQTT",
        }
    }
}

/// Quality of service level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QoS {
    #[default]
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

impl QoS {
    /// `None` for 3 and above (QoS 3 is a malformed packet).
    pub fn from_u8(value: u8) -> Option<QoS> {
        match value {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }

    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// Last will carried by CONNECT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// MQTT 5 will properties (written before the will topic); empty in 3.x.
    pub properties: Properties,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// Decides the protocol name and level written; on decode, taken from the packet.
    pub version: Version,
    /// Clean session in 3.x, clean start in MQTT 5 (the same bit).
    pub clean_session: bool,
    /// Seconds; 0 disables keepalive.
    pub keep_alive: u16,
    /// May be empty (the broker then assigns an id, 3.1.1 with clean session only).
    pub client_id: String,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
    /// MQTT 5 CONNECT properties; empty in 3.x.
    pub properties: Properties,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnAck {
    pub session_present: bool,
    /// 3.x return code: 0 accepted, 1..=5 refused (other values are passed through as received).
    /// MQTT 5 reason code: 0x00 success, 0x80 and above refused (only the codes of MQTT 5.0 §3.2.2.2).
    pub code: u8,
    /// MQTT 5 CONNACK properties; empty in 3.x.
    pub properties: Properties,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Publish {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    /// May be empty in MQTT 5 when a topic alias property stands for it.
    pub topic: String,
    /// Packet identifier; present on the wire only for QoS 1 and 2, and then never 0.
    /// Always 0 for QoS 0.
    pub packet_id: u16,
    pub payload: Vec<u8>,
    /// MQTT 5 PUBLISH properties, in packet order; empty in 3.x.
    pub properties: Properties,
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP share this body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ack {
    pub packet_id: u16,
    /// MQTT 5 reason code (0x00 success); 0 in 3.x.
    pub reason_code: u8,
    /// MQTT 5 properties; empty in 3.x.
    pub properties: Properties,
}

impl Ack {
    /// A successful ack without properties: all that 3.x can express.
    pub fn new(packet_id: u16) -> Ack {
        Ack {
            packet_id,
            ..Ack::default()
        }
    }
}

/// MQTT 5 retain handling subscription option (MQTT 5.0 §3.8.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RetainHandling {
    /// 0: send retained messages at the time of the subscribe.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send retained messages only if the subscription does not exist yet.
    SendIfNew = 1,
    /// 2: do not send retained messages.
    DoNotSend = 2,
}

impl RetainHandling {
    /// `None` for 3 (reserved).
    pub fn from_u8(value: u8) -> Option<RetainHandling> {
        match value {
            0 => Some(RetainHandling::SendAtSubscribe),
            1 => Some(RetainHandling::SendIfNew),
            2 => Some(RetainHandling::DoNotSend),
            _ => None,
        }
    }

    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// One topic filter of SUBSCRIBE and its subscription options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeFilter {
    pub filter: String,
    /// Requested QoS (3.x), maximum QoS (MQTT 5).
    pub qos: QoS,
    /// MQTT 5 No Local option; false in 3.x.
    pub no_local: bool,
    /// MQTT 5 Retain As Published option; false in 3.x.
    pub retain_as_published: bool,
    /// MQTT 5 Retain Handling option; `SendAtSubscribe` in 3.x.
    pub retain_handling: RetainHandling,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscribe {
    pub packet_id: u16,
    /// At least one.
    pub filters: Vec<SubscribeFilter>,
    /// MQTT 5 SUBSCRIBE properties; empty in 3.x.
    pub properties: Properties,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubAck {
    pub packet_id: u16,
    /// One per requested filter. 3.x: granted QoS 0..=2, or 0x80 for failure. MQTT 5: the reason codes of
    /// MQTT 5.0 §3.9.3 (0x00..=0x02 granted, 0x80 and above refused).
    pub return_codes: Vec<u8>,
    /// MQTT 5 SUBACK properties; empty in 3.x.
    pub properties: Properties,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unsubscribe {
    pub packet_id: u16,
    /// At least one.
    pub filters: Vec<String>,
    /// MQTT 5 UNSUBSCRIBE properties; empty in 3.x.
    pub properties: Properties,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnsubAck {
    pub packet_id: u16,
    /// MQTT 5: one reason code per filter (at least one). Empty in 3.x, whose UNSUBACK has no payload.
    pub reason_codes: Vec<u8>,
    /// MQTT 5 UNSUBACK properties; empty in 3.x.
    pub properties: Properties,
}

impl UnsubAck {
    /// The 3.x UNSUBACK: a packet identifier and nothing else.
    pub fn new(packet_id: u16) -> UnsubAck {
        UnsubAck {
            packet_id,
            ..UnsubAck::default()
        }
    }
}

/// DISCONNECT: empty in 3.x; MQTT 5 adds a reason code (0x00 normal disconnection) and properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disconnect {
    pub reason_code: u8,
    pub properties: Properties,
}

/// AUTH (MQTT 5 only): a reason code (0x00 success, 0x18 continue, 0x19 re-authenticate) and properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Auth {
    pub reason_code: u8,
    pub properties: Properties,
}

/// Every MQTT 3.1/3.1.1/5 control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Connect(Connect),
    ConnAck(ConnAck),
    Publish(Publish),
    PubAck(Ack),
    PubRec(Ack),
    PubRel(Ack),
    PubComp(Ack),
    Subscribe(Subscribe),
    SubAck(SubAck),
    Unsubscribe(Unsubscribe),
    UnsubAck(UnsubAck),
    PingReq,
    PingResp,
    Disconnect(Disconnect),
    /// MQTT 5 only: type 15 is reserved in 3.x.
    Auth(Auth),
}

impl Packet {
    /// The control packet type number (high nibble of the first byte), 1..=15.
    pub fn type_number(&self) -> u8 {
        self.packet_type() as u8
    }

    /// The control packet type, without its contents.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }
}

/// The 15 control packet types (AUTH is MQTT 5 only); the discriminant is the wire number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

impl PacketType {
    /// `None` for the reserved number 0 (and anything above 15). 15 is AUTH, which [`decode`] rejects as
    /// reserved before MQTT 5.
    pub fn from_u8(type_number: u8) -> Option<PacketType> {
        Some(match type_number {
            1 => PacketType::Connect,
            2 => PacketType::ConnAck,
            3 => PacketType::Publish,
            4 => PacketType::PubAck,
            5 => PacketType::PubRec,
            6 => PacketType::PubRel,
            7 => PacketType::PubComp,
            8 => PacketType::Subscribe,
            9 => PacketType::SubAck,
            10 => PacketType::Unsubscribe,
            11 => PacketType::UnsubAck,
            12 => PacketType::PingReq,
            13 => PacketType::PingResp,
            14 => PacketType::Disconnect,
            15 => PacketType::Auth,
            _ => return None,
        })
    }

    /// The spec's upper-case name, as mosquitto prints it (`PUBLISH`, `SUBACK`...).
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::ConnAck => "CONNACK",
            PacketType::Publish => "PUBLISH",
            PacketType::PubAck => "PUBACK",
            PacketType::PubRec => "PUBREC",
            PacketType::PubRel => "PUBREL",
            PacketType::PubComp => "PUBCOMP",
            PacketType::Subscribe => "SUBSCRIBE",
            PacketType::SubAck => "SUBACK",
            PacketType::Unsubscribe => "UNSUBSCRIBE",
            PacketType::UnsubAck => "UNSUBACK",
            PacketType::PingReq => "PINGREQ",
            PacketType::PingResp => "PINGRESP",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Auth => "AUTH",
        }
    }

    /// The low nibble of the first byte for every type but PUBLISH (whose flags carry DUP/QoS/RETAIN).
    /// The three packets that start a QoS 1 style exchange of their own carry "QoS 1" there.
    pub fn required_flags(self) -> u8 {
        match self {
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => 0b0010,
            _ => 0,
        }
    }

    /// The body size of packets that have no variable-length part in `version`, `None` for the others.
    /// MQTT 5 gives the acks, CONNACK and DISCONNECT optional reason codes and properties.
    fn fixed_body_len(self, version: Version) -> Option<usize> {
        match self {
            PacketType::PingReq | PacketType::PingResp => Some(0),
            _ if version == Version::V5 => None,
            PacketType::ConnAck
            | PacketType::PubAck
            | PacketType::PubRec
            | PacketType::PubRel
            | PacketType::PubComp
            | PacketType::UnsubAck => Some(2),
            PacketType::Disconnect => Some(0),
            _ => None,
        }
    }
}

impl std::fmt::Display for PacketType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Appends the encoding of `packet` to `out`. On error nothing is appended.
///
/// The encoder writes what it is given: it checks only what the wire format cannot express (field and
/// packet lengths), not protocol rules such as "packet id 0" or "DUP on QoS 0", so that tests can build
/// packets the decoder must reject (invalid reason codes, duplicate or misplaced properties, a subscription
/// identifier too large for four bytes...). The normalisations are structural: a QoS 0 PUBLISH has no
/// packet id on the wire, so `packet_id` is not written; MQTT 5 acks, DISCONNECT and AUTH use the spec's
/// short forms when their reason code is 0 and/or they have no properties.
///
/// `version` decides whether the MQTT 5 fields (properties, reason codes, subscription options) are
/// written; 3.x ignores them, and writes AUTH as a bare fixed header. It also decides CONNACK's first
/// byte (3.1 has no session present flag). CONNECT takes its protocol name and level, and whether it
/// carries properties, from [`Connect::version`].
pub fn encode(packet: &Packet, version: Version, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match packet {
        Packet::Connect(connect) => connect::encode_connect(connect, out),
        Packet::ConnAck(connack) => connect::encode_connack(connack, version, out),
        Packet::Publish(publish) => publish::encode_publish(publish, version, out),
        Packet::PubAck(ack) | Packet::PubRec(ack) | Packet::PubRel(ack) | Packet::PubComp(ack) => {
            publish::encode_ack(packet.packet_type(), ack, version, out)
        }
        Packet::Subscribe(subscribe) => subscribe::encode_subscribe(subscribe, version, out),
        Packet::SubAck(suback) => subscribe::encode_suback(suback, version, out),
        Packet::Unsubscribe(unsubscribe) => {
            subscribe::encode_unsubscribe(unsubscribe, version, out)
        }
        Packet::UnsubAck(unsuback) => subscribe::encode_unsuback(unsuback, version, out),
        Packet::PingReq | Packet::PingResp => {
            out.extend_from_slice(&[packet.type_number() << 4, 0]);
            Ok(())
        }
        Packet::Disconnect(disconnect) => connect::encode_disconnect(disconnect, version, out),
        Packet::Auth(auth) => connect::encode_auth(auth, version, out),
    }
}

/// Decodes one packet from the start of `input`.
///
/// `Ok(None)`: the packet is not complete yet (feed more bytes). `Ok(Some((packet, used)))`: `used` bytes
/// were consumed. A packet whose total size (fixed header included) exceeds `max_size` is an error as soon
/// as its length is known. Never panics, whatever the input.
///
/// Errors are reported as early as the bytes allow: a bad first byte is rejected before the remaining
/// length arrives, a bad length before the body arrives. `version` decides whether bodies carry MQTT 5
/// fields (and whether type 15, AUTH, exists), the CONNACK flags byte and the 3.1 leniency on
/// fixed-header DUP bits; a CONNECT's version is read from the packet itself.
pub fn decode(
    input: &[u8],
    version: Version,
    max_size: usize,
) -> Result<Option<(Packet, usize)>, DecodeError> {
    decode_with(input, version, max_size, ReasonCodes::Listed)
}

/// Which MQTT 5 reason codes a decoder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonCodes {
    /// Only those MQTT 5.0 lists for the packet type (anything else is `InvalidReasonCode`).
    Listed,
    /// Any code in CONNACK, PUBACK, PUBREC, PUBCOMP and DISCONNECT, as libmosquitto 2.0.11 takes them
    /// (the mosquitto broker itself sends PUBACK/PUBREC 149, which MQTT 5.0 does not list there). The
    /// other packet types keep the listed codes.
    AnyInAcks,
}

/// [`decode`] with a choice of which reason codes are accepted.
pub fn decode_with(
    input: &[u8],
    version: Version,
    max_size: usize,
    reason_codes: ReasonCodes,
) -> Result<Option<(Packet, usize)>, DecodeError> {
    let Some(header) = read_fixed_header(input, version, max_size)? else {
        return Ok(None);
    };
    let Some(body) = input.get(header.len..header.total_len) else {
        return Ok(None);
    };
    let packet = decode_body(&header, body, version, reason_codes)?;
    Ok(Some((packet, header.total_len)))
}

/// [`decode_with`] for a buffer that may hold one large PUBLISH: when `frame` holds exactly one whole
/// PUBLISH packet and nothing more, the decoded payload takes over `frame`'s allocation (the header
/// bytes are removed in place and `frame` is left empty), so a message of many megabytes is never held
/// twice. Anything else (another packet type, an incomplete packet, more bytes after the packet, an
/// error) is decoded from `frame` as [`decode_with`] does, and `frame` is left as it was.
///
/// The result is always the one [`decode_with`] gives for the same bytes.
pub fn decode_frame(
    frame: &mut Vec<u8>,
    version: Version,
    max_size: usize,
    reason_codes: ReasonCodes,
) -> Result<Option<(Packet, usize)>, DecodeError> {
    let header = match read_fixed_header(frame, version, max_size)? {
        Some(header)
            if header.packet_type == PacketType::Publish && header.total_len == frame.len() =>
        {
            header
        }
        _ => return decode_with(frame, version, max_size, reason_codes),
    };
    let body = frame.get(header.len..).unwrap_or_default();
    let (mut publish, payload_start) = publish::decode_publish_fields(header.flags, body, version)?;
    // A memmove inside the same allocation: no second buffer of the payload's size.
    frame.drain(..header.len + payload_start);
    publish.payload = std::mem::take(frame);
    Ok(Some((Packet::Publish(publish), header.total_len)))
}

/// What the fixed header of a packet says, once it is complete and has passed every check that
/// needs no body.
struct FixedHeader {
    packet_type: PacketType,
    /// The low nibble of the first byte.
    flags: u8,
    /// Bytes of the fixed header itself (first byte and remaining length).
    len: usize,
    /// Bytes of the whole packet.
    total_len: usize,
}

/// Reads and checks the fixed header at the start of `input`; `Ok(None)` while it is incomplete.
fn read_fixed_header(
    input: &[u8],
    version: Version,
    max_size: usize,
) -> Result<Option<FixedHeader>, DecodeError> {
    let Some((&first_byte, after_first)) = input.split_first() else {
        return Ok(None);
    };
    let type_number = first_byte >> 4;
    let flags = first_byte & 0x0F;
    let packet_type = PacketType::from_u8(type_number)
        .filter(|&packet_type| packet_type != PacketType::Auth || version == Version::V5)
        .ok_or(DecodeError::ReservedPacketType { type_number })?;
    check_fixed_header_flags(packet_type, flags, version)?;

    let Some((remaining_length, length_bytes)) = primitives::decode_remaining_length(after_first)?
    else {
        return Ok(None);
    };
    // Cannot overflow: the length field is at most 4 bytes and its value at most MAX_REMAINING_LENGTH.
    let header_len = 1 + length_bytes;
    let total_len = header_len + remaining_length;
    if total_len > max_size {
        return Err(DecodeError::PacketTooLarge {
            size: total_len,
            max: max_size,
        });
    }
    // A fixed-size packet announcing a longer body is malformed already; don't wait for the bytes.
    if let Some(expected) = packet_type.fixed_body_len(version)
        && remaining_length > expected
    {
        return Err(DecodeError::TrailingBytes {
            packet: packet_type,
            extra: remaining_length - expected,
        });
    }
    Ok(Some(FixedHeader {
        packet_type,
        flags,
        len: header_len,
        total_len,
    }))
}

/// Decodes the body of the packet whose fixed header is `header`.
fn decode_body(
    header: &FixedHeader,
    body: &[u8],
    version: Version,
    reason_codes: ReasonCodes,
) -> Result<Packet, DecodeError> {
    let packet_type = header.packet_type;
    let packet = match packet_type {
        PacketType::Connect => Packet::Connect(connect::decode_connect(body)?),
        PacketType::ConnAck => {
            Packet::ConnAck(connect::decode_connack(body, version, reason_codes)?)
        }
        PacketType::Publish => {
            Packet::Publish(publish::decode_publish(header.flags, body, version)?)
        }
        PacketType::PubAck => Packet::PubAck(publish::decode_ack(
            packet_type,
            body,
            version,
            reason_codes,
        )?),
        PacketType::PubRec => Packet::PubRec(publish::decode_ack(
            packet_type,
            body,
            version,
            reason_codes,
        )?),
        PacketType::PubRel => Packet::PubRel(publish::decode_ack(
            packet_type,
            body,
            version,
            ReasonCodes::Listed,
        )?),
        PacketType::PubComp => Packet::PubComp(publish::decode_ack(
            packet_type,
            body,
            version,
            reason_codes,
        )?),
        PacketType::Subscribe => Packet::Subscribe(subscribe::decode_subscribe(body, version)?),
        PacketType::SubAck => Packet::SubAck(subscribe::decode_suback(body, version)?),
        PacketType::Unsubscribe => {
            Packet::Unsubscribe(subscribe::decode_unsubscribe(body, version)?)
        }
        PacketType::UnsubAck => Packet::UnsubAck(subscribe::decode_unsuback(body, version)?),
        PacketType::PingReq => {
            connect::decode_empty(packet_type, body)?;
            Packet::PingReq
        }
        PacketType::PingResp => {
            connect::decode_empty(packet_type, body)?;
            Packet::PingResp
        }
        PacketType::Disconnect => {
            Packet::Disconnect(connect::decode_disconnect(body, version, reason_codes)?)
        }
        PacketType::Auth => Packet::Auth(connect::decode_auth(body)?),
    };
    Ok(packet)
}

/// The low nibble of the first byte (MQTT 3.1.1 §2.2.2, MQTT 5.0 §2.1.3).
fn check_fixed_header_flags(
    packet_type: PacketType,
    flags: u8,
    version: Version,
) -> Result<(), DecodeError> {
    if packet_type == PacketType::Publish {
        return publish::check_publish_flags(flags);
    }
    // MQTT 3.1 set DUP on retried PUBREL/SUBSCRIBE/UNSUBSCRIBE; 3.1.1 reserved the bit.
    const DUP: u8 = 0b1000;
    let retried_in_v31 = version == Version::V31 && packet_type.required_flags() != 0;
    let checked_flags = if retried_in_v31 { flags & !DUP } else { flags };
    if checked_flags != packet_type.required_flags() {
        return Err(DecodeError::InvalidFlags {
            packet: packet_type,
            flags,
        });
    }
    Ok(())
}
