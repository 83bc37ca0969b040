//! MQTT packet codec: one [`Packet`] enum, [`encode`] and incremental [`decode`].
//!
//! Version-aware: every entry point takes the [`Version`] negotiated for the connection, so MQTT 5
//! (properties, reason codes, AUTH) can be added as new fields and match arms without changing callers.
//!
//! Layout: `primitives.rs` (variable byte integer, UTF-8 strings, binary data), `connect.rs`
//! (CONNECT/CONNACK/DISCONNECT/PINGREQ/PINGRESP), `publish.rs` (PUBLISH and its four acks),
//! `subscribe.rs` (SUBSCRIBE/SUBACK/UNSUBSCRIBE/UNSUBACK), `error.rs` (typed errors).

mod connect;
mod error;
mod primitives;
mod publish;
mod subscribe;

pub use error::{DecodeError, EncodeError};

/// The largest remaining length the fixed header can express (4-byte variable byte integer).
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

/// Protocol version of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// MQTT 3.1: protocol name `MQIsdp`, level 3.
    V31,
    /// MQTT 3.1.1: protocol name `MQTT`, level 4.
    V311,
}

impl Version {
    /// The protocol level byte of CONNECT.
    pub fn level(self) -> u8 {
        match self {
            Version::V31 => 3,
            Version::V311 => 4,
        }
    }

    /// The protocol name string of CONNECT.
    pub fn protocol_name(self) -> &'static str {
        match self {
            Version::V31 => "MQIsdp",
            Version::V311 => "MQTT",
        }
    }
}

/// Quality of service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QoS {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// Decides the protocol name and level written; on decode, taken from the packet.
    pub version: Version,
    pub clean_session: bool,
    /// Seconds; 0 disables keepalive.
    pub keep_alive: u16,
    /// May be empty (the broker then assigns an id, 3.1.1 with clean session only).
    pub client_id: String,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnAck {
    pub session_present: bool,
    /// 3.x return code: 0 accepted, 1..=5 refused (other values are passed through as received).
    pub code: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    pub topic: String,
    /// Packet identifier; present on the wire only for QoS 1 and 2, and then never 0.
    /// Always 0 for QoS 0.
    pub packet_id: u16,
    pub payload: Vec<u8>,
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP share this body (v5 will add a reason code and properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    pub packet_id: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeFilter {
    pub filter: String,
    pub qos: QoS,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    pub packet_id: u16,
    /// At least one.
    pub filters: Vec<SubscribeFilter>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    pub packet_id: u16,
    /// One per requested filter: granted QoS 0..=2, or 0x80 for failure.
    pub return_codes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub packet_id: u16,
    /// At least one.
    pub filters: Vec<String>,
}

/// Every MQTT 3.1/3.1.1 control packet.
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
    UnsubAck(Ack),
    PingReq,
    PingResp,
    Disconnect,
}

impl Packet {
    /// The control packet type number (high nibble of the first byte), 1..=14.
    pub fn type_number(&self) -> u8 {
        match self {
            Packet::Connect(_) => 1,
            Packet::ConnAck(_) => 2,
            Packet::Publish(_) => 3,
            Packet::PubAck(_) => 4,
            Packet::PubRec(_) => 5,
            Packet::PubRel(_) => 6,
            Packet::PubComp(_) => 7,
            Packet::Subscribe(_) => 8,
            Packet::SubAck(_) => 9,
            Packet::Unsubscribe(_) => 10,
            Packet::UnsubAck(_) => 11,
            Packet::PingReq => 12,
            Packet::PingResp => 13,
            Packet::Disconnect => 14,
        }
    }
}

/// Appends the encoding of `packet` to `out`. On error nothing is appended.
pub fn encode(packet: &Packet, version: Version, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    todo!("codec helper")
}

/// Decodes one packet from the start of `input`.
///
/// `Ok(None)`: the packet is not complete yet (feed more bytes). `Ok(Some((packet, used)))`: `used` bytes
/// were consumed. A packet whose total size (fixed header included) exceeds `max_size` is an error as soon
/// as its length is known. Never panics, whatever the input.
pub fn decode(
    input: &[u8],
    version: Version,
    max_size: usize,
) -> Result<Option<(Packet, usize)>, DecodeError> {
    todo!("codec helper")
}
