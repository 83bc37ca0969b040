//! What the driver learns from the client state machine.

use super::codec::{DecodeError, Packet, PacketType, Properties, Publish, QoS};
use std::fmt;

/// Everything a `-d` line needs about one packet sent or received (see `trace.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketInfo {
    Connect,
    /// Return code as received (MQTT 5: the reason code). `assigned_client_id`: the MQTT 5 Assigned
    /// Client Identifier property, which mosquitto shows as the client id from this line on.
    ConnAck {
        code: u8,
        assigned_client_id: Option<String>,
    },
    /// `mid` is the client's message id: the packet id for QoS 1/2; for an outgoing QoS 0 message the
    /// client still numbers it (mosquitto prints `m1`, `m2`...); for an incoming QoS 0 message it is 0.
    Publish {
        dup: bool,
        qos: QoS,
        retain: bool,
        mid: u16,
        topic: String,
        payload_len: usize,
    },
    PubAck {
        mid: u16,
        code: u8,
    },
    PubRec {
        mid: u16,
        code: u8,
    },
    PubRel {
        mid: u16,
    },
    PubComp {
        mid: u16,
        code: u8,
    },
    /// One entry per filter: (filter, requested QoS, subscription options byte other than QoS).
    Subscribe {
        mid: u16,
        filters: Vec<(String, QoS, u8)>,
    },
    /// `return_codes`: one per filter, as received (3.x: the granted QoS or 0x80; MQTT 5: reason
    /// codes). mosquitto's line shows none of them.
    SubAck {
        mid: u16,
        return_codes: Vec<u8>,
    },
    Unsubscribe {
        mid: u16,
        filter: String,
    },
    UnsubAck {
        mid: u16,
    },
    PingReq,
    PingResp,
    /// DISCONNECT. The client's own, MQTT 5 reason code included: mosquitto prints none for it.
    Disconnect,
    /// MQTT 5: a DISCONNECT from the server, with its reason code (printed without a client id).
    ServerDisconnect {
        reason_code: u8,
    },
    /// MQTT 5: AUTH (received; the client takes no part in extended authentication).
    Auth {
        reason_code: u8,
    },
}

/// A received application message (after its QoS flow completed far enough to deliver it).
pub type Message = Publish;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A packet was queued for sending (only when packet tracing is enabled).
    Sent(PacketInfo),
    /// A packet was received (only when packet tracing is enabled).
    Received(PacketInfo),
    /// CONNACK with return code 0.
    Connected { session_present: bool },
    /// An application message to hand to the user.
    Message(Message),
    /// An outgoing message completed: QoS 0 written to the output buffer, QoS 1 PUBACK, QoS 2 PUBCOMP.
    Published { mid: u16 },
    /// MQTT 5: the broker refused an outgoing QoS 1/2 message (PUBACK, PUBREC or PUBCOMP with a reason
    /// code of 0x80 or more). Its flow is over, like after `Published` (no PUBREL follows a refusing
    /// PUBREC) and its packet id is free again.
    PublishFailed(PublishFailure),
    /// SUBACK: one return code per filter, in request order.
    Subscribed { mid: u16, return_codes: Vec<u8> },
    /// UNSUBACK. `reason_codes`: MQTT 5's, one per filter (0x80 and more: refused); empty in 3.x.
    Unsubscribed { mid: u16, reason_codes: Vec<u8> },
    /// Something odd but not fatal happened (mosquitto logs these at WARNING level with `-d`).
    Warning(Warning),
    /// The connection ended; the client is closed until the driver calls `connect` again.
    Closed(ConnectionError),
    /// A packet with its contents, as it was queued for sending or received (only after
    /// [`Client::set_packet_detail`](super::client::Client::set_packet_detail): `--trace`).
    /// Boxed: the common events stay small.
    Packet(Box<PacketRecord>),
}

/// Which way a [`PacketRecord`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Queued for sending (it leaves with the next write).
    Out,
    /// Received and decoded.
    In,
}

/// One packet and everything in it, for a trace that shows more than `-d` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketRecord {
    pub direction: Direction,
    /// The packet as encoded or decoded, except that a PUBLISH carries only the first bytes of its
    /// payload (as many as the detail level allows, often none).
    pub packet: Packet,
    /// The full payload length of a PUBLISH (0 for the other packets).
    pub payload_len: usize,
}

impl PacketRecord {
    /// A record of `packet` with a PUBLISH payload cut to `payload_limit` bytes (copied: the packet
    /// itself goes on unchanged).
    pub fn of(direction: Direction, packet: &Packet, payload_limit: usize) -> PacketRecord {
        match packet {
            Packet::Publish(publish) => {
                PacketRecord::publish(direction, publish, &publish.payload, payload_limit)
            }
            other => PacketRecord {
                direction,
                packet: other.clone(),
                payload_len: 0,
            },
        }
    }

    /// A record of the PUBLISH `publish` whose payload is `payload` (`publish.payload` is not looked
    /// at: a large outgoing payload is kept apart from its packet).
    pub fn publish(
        direction: Direction,
        publish: &Publish,
        payload: &[u8],
        payload_limit: usize,
    ) -> PacketRecord {
        let kept = &payload[..payload.len().min(payload_limit)];
        PacketRecord {
            direction,
            packet: Packet::Publish(Publish {
                dup: publish.dup,
                qos: publish.qos,
                retain: publish.retain,
                topic: publish.topic.clone(),
                packet_id: publish.packet_id,
                payload: kept.to_vec(),
                properties: publish.properties.clone(),
            }),
            payload_len: payload.len(),
        }
    }
}

/// An outgoing message the broker refused (see [`Event::PublishFailed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishFailure {
    pub mid: u16,
    /// The acknowledgement that carried the refusal: PUBACK (QoS 1), PUBREC or PUBCOMP (QoS 2).
    pub ack: PacketType,
    /// 0x80 or more.
    pub reason_code: u8,
    /// The acknowledgement's properties (reason string, user properties), as received.
    pub properties: Properties,
}

/// Non-fatal oddities reported by the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// PUBREC for a packet id we have no outgoing QoS 2 message for (PUBREL is still sent).
    UnknownPubRec { mid: u16 },
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionError {
    /// We sent DISCONNECT (normal end).
    Disconnected,
    /// CONNACK with a non-zero return code. The transport is still open: the application may call
    /// `Client::disconnect` to send a DISCONNECT before closing it (mosquitto_sub does, mosquitto_pub not).
    Refused(u8),
    /// The peer closed the connection or the transport failed. MQTT 5: also after a DISCONNECT from
    /// the server, which [`Client::server_disconnect`](super::client::Client::server_disconnect) then
    /// returns (with its reason code and properties).
    Lost,
    /// No CONNACK, or no PINGRESP, within the keepalive interval.
    KeepaliveTimeout,
    /// The peer sent bytes that are not a valid packet.
    Decode(DecodeError),
    /// The peer sent a valid packet that is wrong in the current state.
    Protocol(ProtocolError),
}

/// A valid packet received in the wrong state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// A packet other than CONNACK arrived before CONNACK.
    ExpectedConnAck { packet_type: PacketType },
    /// A second CONNACK arrived.
    UnexpectedConnAck,
    /// A packet type a server never sends to a client (CONNECT, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT in 3.1.1).
    ServerOnlyPacket { packet_type: PacketType },
    /// SUBACK return-code count differs from the number of filters requested.
    SubAckCountMismatch {
        mid: u16,
        expected: usize,
        got: usize,
    },
    /// MQTT 5: CONNACK assigned a client identifier although CONNECT carried one.
    UnexpectedAssignedClientId,
    /// MQTT 5: a PUBLISH without a topic name (a topic alias alone): libmosquitto 2.0.11 keeps no
    /// incoming topic aliases and rejects it.
    PublishWithoutTopic,
    /// An acknowledgement of the wrong kind for one of our messages in flight: PUBREC or PUBCOMP for
    /// a QoS 1 message, PUBACK for a QoS 2 one (libmosquitto checks the QoS and fails with
    /// MOSQ_ERR_PROTOCOL).
    WrongAcknowledgement { ack: PacketType, mid: u16, qos: QoS },
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Disconnected => write!(f, "disconnected by the client"),
            ConnectionError::Refused(code) => {
                write!(f, "connection refused by the broker (CONNACK {code})")
            }
            ConnectionError::Lost => write!(f, "the connection was lost"),
            ConnectionError::KeepaliveTimeout => write!(f, "keepalive timeout"),
            ConnectionError::Decode(err) => write!(f, "malformed packet from the broker: {err}"),
            ConnectionError::Protocol(err) => write!(f, "protocol error: {err}"),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::ExpectedConnAck { packet_type } => {
                let number = *packet_type as u8;
                write!(f, "packet type {number} received before CONNACK")
            }
            ProtocolError::UnexpectedConnAck => write!(f, "second CONNACK received"),
            ProtocolError::ServerOnlyPacket { packet_type } => {
                let number = *packet_type as u8;
                write!(f, "packet type {number} must not be sent by a server")
            }
            ProtocolError::SubAckCountMismatch { mid, expected, got } => write!(
                f,
                "SUBACK for mid {mid} has {got} return codes, {expected} filters were requested"
            ),
            ProtocolError::UnexpectedAssignedClientId => {
                write!(f, "CONNACK assigned a client identifier, but one was sent")
            }
            ProtocolError::PublishWithoutTopic => {
                write!(
                    f,
                    "PUBLISH without a topic name (incoming topic aliases are not supported)"
                )
            }
            ProtocolError::WrongAcknowledgement { ack, mid, qos } => {
                let expected = match qos {
                    QoS::ExactlyOnce => "PUBREC or PUBCOMP",
                    QoS::AtLeastOnce | QoS::AtMostOnce => "PUBACK",
                };
                write!(
                    f,
                    "{ack} for packet identifier {mid}, a QoS {} message: {expected} expected",
                    qos.as_u8()
                )
            }
        }
    }
}
