//! The client's public types: its options, why a command is refused, what the broker announced, and
//! the payloads it publishes.

use std::sync::Arc;

use crate::proto::codec::{Properties, QoS, Version, Will};

/// Fixed settings of a client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub version: Version,
    /// Empty: let the broker assign one (3.1.1).
    pub client_id: String,
    pub clean_session: bool,
    /// Seconds; 0 disables keepalive (and the CONNACK / PINGRESP timeouts).
    pub keep_alive: u16,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
    /// Maximum outstanding outgoing QoS 1/2 messages (`-M`), at least 1. An MQTT 5 broker's Receive
    /// Maximum lowers it further.
    pub max_inflight: u16,
    /// MQTT 5 CONNECT properties, written in this order (ignored by 3.x). Nothing is added: the
    /// application puts libmosquitto's defaults (receive maximum 20, session expiry) here.
    pub connect_properties: Properties,
    /// Largest packet accepted from the broker (total size).
    pub max_incoming_packet: usize,
    /// Emit `Event::Sent` / `Event::Received` (only needed for `-d`; costs a topic copy per message).
    pub trace_packets: bool,
}

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandError {
    /// No connection, or CONNACK not received yet, or already disconnecting.
    NotConnected,
    /// `max_inflight` QoS 1/2 messages are outstanding; wait for `Event::Published`.
    InflightWindowFull,
    /// The packet cannot be encoded (string or payload too long), or (MQTT 5) a SUBSCRIBE or
    /// UNSUBSCRIBE would exceed the broker's maximum packet size.
    TooLarge,
}

/// Why [`Client::publish_with_properties`](super::Client::publish_with_properties) refused a
/// message. Nothing was queued and no packet id used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishError {
    Command(CommandError),
    /// MQTT 5: the message's QoS is above the broker's Maximum QoS (libmosquitto's
    /// MOSQ_ERR_QOS_NOT_SUPPORTED).
    QosNotSupported {
        maximum: QoS,
    },
    /// MQTT 5: the PUBLISH would be larger than the broker's Maximum Packet Size (libmosquitto's
    /// MOSQ_ERR_OVERSIZE_PACKET).
    PacketTooLarge {
        size: usize,
        maximum: u32,
    },
}

impl PublishError {
    /// The [`CommandError`] that [`Client::publish`](super::Client::publish) reports: the MQTT 5
    /// server limits become `TooLarge` (the message cannot be sent as it is).
    pub fn command_error(self) -> CommandError {
        match self {
            PublishError::Command(err) => err,
            PublishError::QosNotSupported { .. } | PublishError::PacketTooLarge { .. } => {
                CommandError::TooLarge
            }
        }
    }
}

impl From<CommandError> for PublishError {
    fn from(err: CommandError) -> PublishError {
        PublishError::Command(err)
    }
}

/// What the broker's CONNACK announced about itself (MQTT 5.0 §3.2.2.3). 3.x brokers, and MQTT 5
/// brokers that leave a property out, get the spec's defaults. Reset by each `connect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// Receive Maximum: at most this many unacknowledged QoS 1/2 messages (default 65535).
    pub receive_maximum: u16,
    /// Maximum QoS (default 2).
    pub maximum_qos: QoS,
    /// Retain Available (default true); when false the retain flag of our messages is cleared.
    pub retain_available: bool,
    /// Maximum Packet Size, if the broker has one.
    pub maximum_packet_size: Option<u32>,
    /// Topic Alias Maximum (default 0: no topic aliases).
    pub topic_alias_maximum: u16,
    /// Server Keep Alive: the keepalive the broker imposes, if it does.
    pub server_keep_alive: Option<u16>,
    pub wildcard_subscription_available: bool,
    pub subscription_identifiers_available: bool,
    pub shared_subscription_available: bool,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            receive_maximum: u16::MAX,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            server_keep_alive: None,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
        }
    }
}

impl ServerLimits {
    /// The limits announced by CONNACK `properties` (validated by the codec: no zero receive maximum
    /// or packet size, flags 0 or 1, maximum QoS 0 or 1).
    pub fn from_connack(properties: &Properties) -> ServerLimits {
        let default = ServerLimits::default();
        let flag = |value: Option<u8>, default: bool| value.map_or(default, |v| v != 0);
        ServerLimits {
            receive_maximum: properties
                .receive_maximum()
                .unwrap_or(default.receive_maximum),
            maximum_qos: properties
                .maximum_qos()
                .and_then(QoS::from_u8)
                .unwrap_or(default.maximum_qos),
            retain_available: flag(properties.retain_available(), true),
            maximum_packet_size: properties.maximum_packet_size(),
            topic_alias_maximum: properties.topic_alias_maximum().unwrap_or(0),
            server_keep_alive: properties.server_keep_alive(),
            wildcard_subscription_available: flag(
                properties.wildcard_subscription_available(),
                true,
            ),
            subscription_identifiers_available: flag(
                properties.subscription_identifier_available(),
                true,
            ),
            shared_subscription_available: flag(properties.shared_subscription_available(), true),
        }
    }
}

/// Outgoing PUBLISH payloads of at least this size are not copied behind their header into the
/// output buffer: the output queue (and for QoS 1/2 the in-flight store, for a resend) share them, so
/// a large message is resident once. Smaller ones are copied: cheaper than a chunk of their own.
pub const SHARED_PAYLOAD_MIN: usize = 64 * 1024;

/// A payload to publish: owned, or shared with the caller (`rpub --repeat` publishes one buffer
/// many times; a large one is then never copied, whatever the number of repeats queued).
#[derive(Debug, Clone)]
pub enum Payload {
    Owned(Vec<u8>),
    Shared(Arc<Vec<u8>>),
}

impl Payload {
    pub fn len(&self) -> usize {
        match self {
            Payload::Owned(bytes) => bytes.len(),
            Payload::Shared(bytes) => bytes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Payload {
        Payload::Owned(bytes)
    }
}

impl From<Arc<Vec<u8>>> for Payload {
    fn from(bytes: Arc<Vec<u8>>) -> Payload {
        Payload::Shared(bytes)
    }
}
