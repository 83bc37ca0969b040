//! The MQTT client state machine: deterministic, no I/O, time passed in.
//!
//! Method groups: inputs (`handle_*`), commands (`connect`, `publish`, `subscribe`, `unsubscribe`,
//! `disconnect`), outputs (`poll_*`) and getters.
//!
//! One `Client` lives for the whole program run and may see several connections: the driver calls
//! [`Client::connect`] for each new transport; the session state (in-flight messages, incoming QoS 2 ids
//! awaiting PUBREL, the packet-id counter) survives between them.
//!
//! MQTT 5, as libmosquitto 2.0.11 does it: CONNECT carries [`ClientOptions::connect_properties`]; the
//! CONNACK's properties become [`ServerLimits`] (receive maximum caps the in-flight window, maximum
//! QoS and maximum packet size refuse a publish, retain unavailable clears the retain flag, server keep
//! alive replaces ours) and an assigned client identifier becomes the client's id (also for later
//! CONNECTs); PUBACK/PUBREC/PUBCOMP reason codes of 0x80 and more end a message's flow with
//! [`Event::PublishFailed`]; a server DISCONNECT ends the connection ([`Client::server_disconnect`]);
//! AUTH is traced and otherwise ignored.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use super::codec::{
    self, Ack, ConnAck, Connect, DecodeError, Disconnect, Packet, PacketType, Properties, Publish,
    QoS, ReasonCodes, RetainHandling, SubAck, Subscribe, SubscribeFilter, UnsubAck, Unsubscribe,
    Version, Will,
};
use super::event::{ConnectionError, Event, PacketInfo, ProtocolError, PublishFailure, Warning};
use super::inflight::{Awaiting, Inflight, Resend};
use super::timer::{Keepalive, Timer};
use super::transmit::Transmit;

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

/// Why [`Client::publish_with_properties`] refused a message. Nothing was queued and no packet id used.
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
    /// The [`CommandError`] that [`Client::publish`] reports: the MQTT 5 server limits become
    /// `TooLarge` (the message cannot be sent as it is).
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

/// MQTT 5 reason code 132, Unsupported Protocol Version.
const UNSUPPORTED_PROTOCOL_VERSION: u8 = 0x84;

/// Why a packet was not queued.
enum QueueError {
    /// The packet cannot be encoded.
    Encode,
    /// MQTT 5: larger than the broker's maximum packet size.
    ExceedsMaximum { size: usize, maximum: u32 },
}

pub struct Client {
    options: ClientOptions,
    state: State,
    /// Why the last connection ended (kept after `Closed` was reported).
    close_reason: Option<ConnectionError>,
    /// Incomplete packet bytes carried over between `handle_input` calls, from `read_pos` on.
    read_buf: Vec<u8>,
    read_pos: usize,
    /// Total size of the partial packet in `read_buf`, once `decode` has seen (and accepted) its header:
    /// no need to decode again before that many bytes are buffered.
    frame_len: Option<usize>,
    /// Bytes waiting for `poll_transmit`, in wire order: first `sealed`, then `out`.
    out: Vec<u8>,
    /// Output that ends with a large payload (shared, not copied) and everything queued before it;
    /// later packets go to `out`, so the order on the wire is the order of queueing.
    sealed: Transmit,
    events: VecDeque<Event>,
    /// Decoding stopped after CONNACK until the application has seen `Connected`: libmosquitto runs
    /// its connect callback (where mosquitto_sub subscribes) before it reads the next packet, so
    /// `sending SUBSCRIBE` comes before a queued message that arrived in the same read.
    input_paused: bool,
    /// The `now` of the last `handle_input`, to resume paused decoding from `poll_event`.
    last_input_at: Option<Instant>,
    /// The transport ended while input was paused: reported after the buffered packets.
    eof_pending: bool,
    keepalive: Keepalive,
    /// Session state: packet ids, outgoing QoS 1/2 messages, pending SUBSCRIBE/UNSUBSCRIBE acks.
    inflight: Inflight,
    /// Session state: incoming QoS 2 messages waiting for PUBREL (delivered on PUBREL).
    incoming_qos2: HashMap<u16, Publish>,
    /// The id CONNECT carries: `options.client_id`, or the one an MQTT 5 broker assigned (kept for
    /// later connections, as libmosquitto does).
    client_id: String,
    /// The keepalive CONNECT carries and the timers use: `options.keep_alive`, or the MQTT 5 broker's
    /// Server Keep Alive (kept for later connections, as libmosquitto does).
    keep_alive: u16,
    /// What the current connection's CONNACK announced.
    server: ServerLimits,
    connack_properties: Properties,
    /// MQTT 5: the DISCONNECT the server sent on the current connection.
    server_disconnect: Option<Disconnect>,
    /// Packets decoded so far, on every connection (the driver compares counts to notice a stream).
    received_packets: u64,
}

/// Where the current connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `connect` never called.
    Idle,
    /// CONNECT queued, CONNACK not received yet.
    AwaitConnAck,
    /// CONNACK 0 received.
    Connected,
    /// DISCONNECT queued, not yet taken by `poll_transmit`. `report`: emit `Closed(Disconnected)` once
    /// it is taken (false when the connection was already reported closed by a refusal).
    Disconnecting { report: bool },
    /// CONNACK ≠ 0 reported as `Closed(Refused)`; the transport is still open for a DISCONNECT.
    Refused,
    /// Closed and reported.
    Closed,
}

/// The size of the packet starting at `buf` (fixed header included), if its fixed header is complete
/// and well formed.
fn frame_len(buf: &[u8]) -> Option<usize> {
    fixed_header(buf).map(|(_, total)| total)
}

/// The size of the fixed header of the packet starting at `buf` and of the whole packet, if the fixed
/// header is complete and well formed.
fn fixed_header(buf: &[u8]) -> Option<(usize, usize)> {
    let mut remaining = 0usize;
    for (i, &byte) in buf.iter().skip(1).take(4).enumerate() {
        remaining |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let header = 1 + (i + 1);
            return Some((header, header + remaining));
        }
    }
    None
}

/// The shortest PUBACK, PUBREC or PUBCOMP: fixed header and packet id (MQTT 5 may add a reason
/// code and properties, never less).
const MIN_ACK_LEN: usize = 4;

/// The most bytes taken into the read buffer at once while a fixed header is incomplete.
const MAX_FIXED_HEADER: usize = 5;

/// The most memory reserved up front for a partial packet whose header announces its size (a larger
/// packet grows the buffer as its bytes actually arrive).
const MAX_READ_RESERVE: usize = 16 << 20;

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

/// Incoming packets of at least this size are decoded from the read buffer without copying the
/// payload out: the buffer itself becomes the message's payload (see `codec::decode_frame`). Smaller
/// ones are copied and the buffer is kept for the next packets.
pub const OWNED_FRAME_MIN: usize = 64 * 1024;

impl Client {
    pub fn new(options: ClientOptions) -> Client {
        let keepalive = Keepalive::new(options.keep_alive);
        let client_id = options.client_id.clone();
        let keep_alive = options.keep_alive;
        Client {
            options,
            state: State::Idle,
            close_reason: None,
            read_buf: Vec::new(),
            read_pos: 0,
            frame_len: None,
            out: Vec::new(),
            sealed: Transmit::new(),
            events: VecDeque::new(),
            input_paused: false,
            last_input_at: None,
            eof_pending: false,
            keepalive,
            inflight: Inflight::new(),
            incoming_qos2: HashMap::new(),
            client_id,
            keep_alive,
            server: ServerLimits::default(),
            connack_properties: Properties::new(),
            server_disconnect: None,
            received_packets: 0,
        }
    }

    // ---- commands ----

    /// Starts a new connection on a fresh transport: resets the per-connection state (read buffer,
    /// output buffer, keepalive timers) and queues CONNECT. Unacknowledged outgoing QoS 1/2 messages
    /// are resent with DUP=1 (PUBREL for those already PUBREC'd) once CONNACK 0 arrives.
    pub fn connect(&mut self, now: Instant) {
        self.read_buf.clear();
        self.read_pos = 0;
        self.frame_len = None;
        self.input_paused = false;
        self.eof_pending = false;
        self.clear_output();
        self.inflight.clear_pending_acks();
        self.keepalive.set_interval(self.keep_alive);
        self.keepalive.start(now);
        self.close_reason = None;
        self.server = ServerLimits::default();
        self.connack_properties = Properties::new();
        self.server_disconnect = None;
        self.state = State::AwaitConnAck;
        let connect = Packet::Connect(Connect {
            version: self.options.version,
            clean_session: self.options.clean_session,
            keep_alive: self.keep_alive,
            client_id: self.client_id.clone(),
            will: self.options.will.clone(),
            username: self.options.username.clone(),
            password: self.options.password.clone(),
            properties: self.options.connect_properties.clone(),
        });
        if self.queue(&connect, now).is_err() {
            // Only fields longer than 65535 bytes get here; the command line rejects those first.
            self.fail(ConnectionError::Lost);
            return;
        }
        self.trace_sent(PacketInfo::Connect);
    }

    /// Queues a PUBLISH. Returns the message id (QoS 0 messages get one too, as mosquitto numbers them).
    /// MQTT 5 server limits are reported as `TooLarge` (see [`Client::publish_with_properties`]).
    pub fn publish(
        &mut self,
        topic: &str,
        payload: impl Into<Payload>,
        qos: QoS,
        retain: bool,
        now: Instant,
    ) -> Result<u16, CommandError> {
        self.publish_with_properties(topic, payload, qos, retain, Properties::new(), now)
            .map_err(PublishError::command_error)
    }

    /// Queues a PUBLISH with MQTT 5 `properties` (ignored by 3.x). An empty `topic` is sent as it is
    /// (MQTT 5: a topic alias property stands for it). Returns the message id.
    ///
    /// The MQTT 5 broker's CONNACK decides, as in libmosquitto: a QoS above its maximum is refused
    /// (`QosNotSupported`), a packet above its maximum size is refused (`PacketTooLarge`), and the
    /// retain flag is cleared when retain is not available.
    pub fn publish_with_properties(
        &mut self,
        topic: &str,
        payload: impl Into<Payload>,
        qos: QoS,
        retain: bool,
        properties: Properties,
        now: Instant,
    ) -> Result<u16, PublishError> {
        if self.state != State::Connected {
            return Err(CommandError::NotConnected.into());
        }
        if qos > self.server.maximum_qos {
            return Err(PublishError::QosNotSupported {
                maximum: self.server.maximum_qos,
            });
        }
        let retain = retain && self.server.retain_available;
        if qos != QoS::AtMostOnce && self.window_full() {
            return Err(CommandError::InflightWindowFull.into());
        }
        let mid = self
            .inflight
            .peek_id()
            .ok_or(CommandError::InflightWindowFull)?;
        let payload = payload.into();
        let payload_len = payload.len();
        let (payload, shared) = match payload {
            Payload::Owned(bytes) => (bytes, None),
            Payload::Shared(shared) => (Vec::new(), Some(shared)),
        };
        let mut publish = Publish {
            dup: false,
            qos,
            retain,
            topic: topic.to_owned(),
            packet_id: if qos == QoS::AtMostOnce { 0 } else { mid },
            payload,
            properties,
        };
        let to_publish_error = |err| match err {
            QueueError::Encode => PublishError::Command(CommandError::TooLarge),
            QueueError::ExceedsMaximum { size, maximum } => {
                PublishError::PacketTooLarge { size, maximum }
            }
        };
        // A small QoS 0 payload is encoded with its packet and not kept. Other payloads are kept in
        // one shared buffer: by the in-flight store for a resend (QoS 1/2) and, when large, by the
        // output queue, which then writes them from there.
        let small_qos0 = qos == QoS::AtMostOnce && payload_len < SHARED_PAYLOAD_MIN;
        let stored = if let (true, Some(shared)) = (small_qos0, &shared) {
            // Copied behind its header; the caller keeps its shared buffer.
            self.queue_publish(&publish, shared, true, now)
                .map_err(to_publish_error)?;
            None
        } else if small_qos0 {
            let packet = Packet::Publish(publish);
            self.queue_limited(&packet, now).map_err(to_publish_error)?;
            let Packet::Publish(sent) = packet else {
                return Ok(mid);
            };
            publish = sent;
            None
        } else {
            let payload = shared.unwrap_or_else(|| Arc::new(std::mem::take(&mut publish.payload)));
            self.queue_publish(&publish, &payload, true, now)
                .map_err(to_publish_error)?;
            Some(payload)
        };
        self.inflight.commit_id(mid);
        if self.options.trace_packets {
            self.events.push_back(Event::Sent(PacketInfo::Publish {
                dup: false,
                qos,
                retain,
                mid,
                topic: publish.topic.clone(),
                payload_len,
            }));
        }
        match stored {
            Some(payload) if qos != QoS::AtMostOnce => self.inflight.insert(publish, payload),
            _ => self.events.push_back(Event::Published { mid }),
        }
        Ok(mid)
    }

    /// Queues one SUBSCRIBE with all `filters` (filter, QoS). Returns its packet id.
    pub fn subscribe(
        &mut self,
        filters: &[(String, QoS)],
        now: Instant,
    ) -> Result<u16, CommandError> {
        let filters: Vec<SubscribeFilter> = filters
            .iter()
            .map(|(filter, qos)| SubscribeFilter {
                filter: filter.clone(),
                qos: *qos,
                ..Default::default()
            })
            .collect();
        self.subscribe_with_options(&filters, Properties::new(), now)
    }

    /// Queues one SUBSCRIBE with all `filters` and their subscription options, and MQTT 5
    /// `properties`. 3.x sends only each filter's QoS (and its `-d` line shows `Options: 0x00`).
    /// Returns its packet id.
    pub fn subscribe_with_options(
        &mut self,
        filters: &[SubscribeFilter],
        properties: Properties,
        now: Instant,
    ) -> Result<u16, CommandError> {
        if self.state != State::Connected {
            return Err(CommandError::NotConnected);
        }
        let mid = self
            .inflight
            .peek_id()
            .ok_or(CommandError::InflightWindowFull)?;
        let packet = Packet::Subscribe(Subscribe {
            packet_id: mid,
            filters: filters.to_vec(),
            properties,
        });
        self.queue_limited(&packet, now)
            .map_err(|_| CommandError::TooLarge)?;
        self.inflight.commit_id(mid);
        self.inflight.add_subscribe(mid, filters.len());
        if self.options.trace_packets {
            let Packet::Subscribe(subscribe) = packet else {
                return Ok(mid);
            };
            let version = self.options.version;
            let filters = subscribe
                .filters
                .into_iter()
                .map(|f| {
                    let options = subscription_options(&f, version);
                    (f.filter, f.qos, options)
                })
                .collect();
            self.events
                .push_back(Event::Sent(PacketInfo::Subscribe { mid, filters }));
        }
        Ok(mid)
    }

    /// Queues one UNSUBSCRIBE for `filter`. Returns its packet id.
    pub fn unsubscribe(&mut self, filter: &str, now: Instant) -> Result<u16, CommandError> {
        self.unsubscribe_with_properties(filter, Properties::new(), now)
    }

    /// Queues one UNSUBSCRIBE for `filter` with MQTT 5 `properties`. Returns its packet id.
    pub fn unsubscribe_with_properties(
        &mut self,
        filter: &str,
        properties: Properties,
        now: Instant,
    ) -> Result<u16, CommandError> {
        if self.state != State::Connected {
            return Err(CommandError::NotConnected);
        }
        let mid = self
            .inflight
            .peek_id()
            .ok_or(CommandError::InflightWindowFull)?;
        let packet = Packet::Unsubscribe(Unsubscribe {
            packet_id: mid,
            filters: vec![filter.to_owned()],
            properties,
        });
        self.queue_limited(&packet, now)
            .map_err(|_| CommandError::TooLarge)?;
        self.inflight.commit_id(mid);
        self.inflight.add_unsubscribe(mid);
        if self.options.trace_packets {
            let Packet::Unsubscribe(mut unsubscribe) = packet else {
                return Ok(mid);
            };
            let filter = unsubscribe.filters.pop().unwrap_or_default();
            self.events
                .push_back(Event::Sent(PacketInfo::Unsubscribe { mid, filter }));
        }
        Ok(mid)
    }

    /// Queues DISCONNECT; once it has been taken by `poll_transmit` the client reports
    /// `Closed(Disconnected)`.
    pub fn disconnect(&mut self, now: Instant) {
        self.disconnect_with_reason(0, Properties::new(), now);
    }

    /// Queues an MQTT 5 DISCONNECT with `reason_code` and `properties` (3.x sends a plain DISCONNECT):
    /// e.g. 4, Disconnect with Will Message, makes the broker publish the will. Otherwise as
    /// [`Client::disconnect`]; the `-d` line is the same `sending DISCONNECT`.
    pub fn disconnect_with_reason(
        &mut self,
        reason_code: u8,
        properties: Properties,
        now: Instant,
    ) {
        let report = match self.state {
            State::AwaitConnAck | State::Connected => true,
            State::Refused => false,
            State::Idle | State::Disconnecting { .. } | State::Closed => return,
        };
        let disconnect = Disconnect {
            reason_code,
            properties,
        };
        if self.queue(&Packet::Disconnect(disconnect), now).is_ok() {
            self.trace_sent(PacketInfo::Disconnect);
        }
        self.state = State::Disconnecting { report };
    }

    // ---- inputs ----

    /// Bytes read from the transport.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        if !self.reads() {
            return;
        }
        self.last_input_at = Some(now);
        if self.input_paused {
            self.read_buf.extend_from_slice(bytes);
            return;
        }
        let mut input = bytes;
        // First complete the partial packet left by the previous call, taking from `input` only what
        // it needs.
        while self.read_pos < self.read_buf.len() {
            let have = self.read_buf.len() - self.read_pos;
            if let Some(total) = self.frame_len
                && have < total
            {
                let take = (total - have).min(input.len());
                self.read_buf.extend_from_slice(&input[..take]);
                input = &input[take..];
                if have + take < total {
                    break;
                }
            }
            match self.decode_buffered() {
                Ok(Some((packet, used))) => {
                    if self.read_buf.is_empty() {
                        // The packet took the buffer over (a large PUBLISH): nothing is left in it.
                        self.read_pos = 0;
                    } else {
                        self.read_pos += used;
                    }
                    self.frame_len = None;
                    self.handle_packet(packet, now);
                    if !self.reads() {
                        return;
                    }
                    if self.input_paused {
                        self.read_buf.extend_from_slice(input);
                        return;
                    }
                }
                Ok(None) => {
                    let buffered = &self.read_buf[self.read_pos..];
                    match frame_len(buffered) {
                        Some(total) if total > buffered.len() && self.frame_len.is_none() => {
                            let missing = total - buffered.len();
                            self.frame_len = Some(total);
                            if total >= OWNED_FRAME_MIN && self.read_pos > 0 {
                                // A large packet is decoded from a buffer holding it alone, from
                                // offset 0 (see `decode_buffered`): move its first bytes there now,
                                // while they are few.
                                self.read_buf.drain(..self.read_pos);
                                self.read_pos = 0;
                            }
                            self.read_buf.reserve(missing.min(MAX_READ_RESERVE));
                        }
                        _ => {
                            // The fixed header is still incomplete: take a few more bytes.
                            if input.is_empty() {
                                break;
                            }
                            let take = input.len().min(MAX_FIXED_HEADER);
                            self.read_buf.extend_from_slice(&input[..take]);
                            input = &input[take..];
                        }
                    }
                }
                Err(err) => {
                    self.fail_decode(err);
                    return;
                }
            }
        }
        if self.read_pos < self.read_buf.len() {
            // `input` is exhausted and a partial packet remains.
            if self.read_pos > 0 {
                self.read_buf.drain(..self.read_pos);
                self.read_pos = 0;
            }
            return;
        }
        self.read_buf.clear();
        self.read_pos = 0;
        // Then decode straight from the caller's slice; only an incomplete tail is copied.
        while !input.is_empty() {
            match self.decode(input) {
                Ok(Some((packet, used))) => {
                    input = input.get(used..).unwrap_or_default();
                    self.handle_packet(packet, now);
                    if !self.reads() {
                        return;
                    }
                    if self.input_paused {
                        self.frame_len = None;
                        self.read_buf.extend_from_slice(input);
                        return;
                    }
                }
                Ok(None) => {
                    self.frame_len = frame_len(input).filter(|&total| total > input.len());
                    let size = self.frame_len.unwrap_or(input.len()).min(MAX_READ_RESERVE);
                    self.read_buf.reserve(size.max(input.len()));
                    self.read_buf.extend_from_slice(input);
                    return;
                }
                Err(err) => {
                    self.fail_decode(err);
                    return;
                }
            }
        }
    }

    /// Called when `now` reached `poll_timeout()` (calling it early is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        let connected = match self.state {
            State::AwaitConnAck => false,
            State::Connected => true,
            _ => return,
        };
        match self.keepalive.expired(now, connected) {
            None => {}
            Some(Timer::PingReq) => {
                self.reply(Packet::PingReq, PacketInfo::PingReq, now);
                self.keepalive.on_ping_sent(now);
            }
            Some(Timer::ConnAck | Timer::PingResp) => self.fail(ConnectionError::KeepaliveTimeout),
        }
    }

    /// The transport reached end of file or failed.
    pub fn handle_eof(&mut self) {
        if self.input_paused {
            // Packets before the end are still waiting to be decoded: end after them.
            self.eof_pending = true;
            return;
        }
        match self.state {
            State::AwaitConnAck | State::Connected | State::Disconnecting { report: true } => {
                self.fail(ConnectionError::Lost)
            }
            State::Refused | State::Disconnecting { report: false } => {
                self.state = State::Closed;
                self.clear_output();
                self.keepalive.stop();
            }
            State::Idle | State::Closed => {}
        }
    }

    // ---- outputs ----

    /// Moves the bytes waiting to be written into `out` (appending). Returns true if any were added.
    /// Large payloads are copied into `out`: the driver uses [`Client::poll_transmit_queue`], which
    /// does not copy them; this is for tests and callers that want one buffer.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        let added = self.wants_write();
        if added {
            if out.is_empty() && self.sealed.is_empty() {
                std::mem::swap(out, &mut self.out);
            } else {
                self.sealed.copy_to(out);
                self.sealed.clear();
                out.extend_from_slice(&self.out);
                self.out.clear();
            }
        }
        self.transmitted();
        added
    }

    /// Moves the bytes waiting to be written to the back of `queue`, large payloads without copying
    /// them. Returns true if any were added.
    pub fn poll_transmit_queue(&mut self, queue: &mut Transmit) -> bool {
        let added = self.wants_write();
        if added {
            queue.append(&mut self.sealed);
            // The queue's last written buffer becomes ours to fill: no allocation per batch.
            let bytes = std::mem::replace(&mut self.out, queue.take_spare());
            queue.push_bytes(bytes);
        }
        self.transmitted();
        added
    }

    /// Everything queued was handed out.
    fn transmitted(&mut self) {
        if let State::Disconnecting { report } = self.state {
            // DISCONNECT is the last packet queued: it has just been handed out.
            self.state = State::Closed;
            self.keepalive.stop();
            if report {
                self.close_reason = Some(ConnectionError::Disconnected);
                self.events
                    .push_back(Event::Closed(ConnectionError::Disconnected));
            }
        }
    }

    /// The next instant at which `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::AwaitConnAck | State::Connected => self.keepalive.deadline(),
            _ => None,
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() && self.input_paused {
            // The application has handled everything CONNACK caused: decode what followed it.
            self.input_paused = false;
            if let Some(now) = self.last_input_at {
                self.handle_input(&[], now);
            }
            if self.eof_pending && !self.input_paused {
                self.eof_pending = false;
                self.handle_eof();
            }
        }
        self.events.pop_front()
    }

    // ---- getters ----

    /// Events are waiting for `poll_event` (the driver must not block before they are handled).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty() || self.input_paused
    }

    /// Bytes are waiting for `poll_transmit`.
    pub fn wants_write(&self) -> bool {
        !self.out.is_empty() || !self.sealed.is_empty()
    }

    /// CONNACK 0 received on the current connection and not closed since.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// No live connection (never connected, closed by error, or after DISCONNECT was sent).
    pub fn is_closed(&self) -> bool {
        matches!(
            self.state,
            State::Idle | State::Refused | State::Closed | State::Disconnecting { report: false }
        )
    }

    /// Outgoing QoS 1/2 messages not yet fully acknowledged.
    pub fn inflight_count(&self) -> usize {
        self.inflight.len()
    }

    /// Packets decoded so far, over all connections.
    pub fn received_packets(&self) -> u64 {
        self.received_packets
    }

    /// The fewest bytes the broker is bound to send on this connection without hearing from us
    /// again: every outgoing QoS 1/2 message awaits one more acknowledgement (PUBACK, PUBREC or
    /// PUBCOMP), and none of those is shorter than 4 bytes. 0 while not connected (messages kept
    /// for a resend are not on the wire yet).
    pub fn awaited_ack_bytes(&self) -> usize {
        if self.state == State::Connected {
            MIN_ACK_LEN * self.inflight.len()
        } else {
            0
        }
    }

    /// A QoS 1/2 `publish` would be accepted now (window not full and connected).
    pub fn can_publish(&self) -> bool {
        self.state == State::Connected && !self.window_full() && self.inflight.peek_id().is_some()
    }

    /// Bytes queued for output and not yet taken by `poll_transmit` (for back-pressure on QoS 0).
    pub fn pending_output_len(&self) -> usize {
        self.out.len() + self.sealed.len()
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The client id CONNECT carries: the configured one, or the one an MQTT 5 broker assigned
    /// (mosquitto shows the assigned one in its `-d` lines from `received CONNACK` on).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The keepalive in use: the configured one, or an MQTT 5 broker's Server Keep Alive.
    pub fn keep_alive(&self) -> u16 {
        self.keep_alive
    }

    /// What the current connection's CONNACK announced (defaults before CONNACK and for 3.x).
    pub fn server_limits(&self) -> &ServerLimits {
        &self.server
    }

    /// The current connection's CONNACK properties (MQTT 5), as received.
    pub fn connack_properties(&self) -> &Properties {
        &self.connack_properties
    }

    /// MQTT 5: the DISCONNECT the server sent, once the connection ended because of it
    /// (`Closed(Lost)`); `None` otherwise. Reset by `connect`.
    pub fn server_disconnect(&self) -> Option<&Disconnect> {
        self.server_disconnect.as_ref()
    }

    /// Why the last connection ended, once `Closed` was reported (`None` while a connection runs).
    pub fn close_reason(&self) -> Option<&ConnectionError> {
        self.close_reason.as_ref()
    }

    /// Incoming QoS 2 messages received and waiting for their PUBREL.
    pub fn incoming_qos2_count(&self) -> usize {
        self.incoming_qos2.len()
    }

    // ---- private helpers ----

    /// Input is processed (a connection is running and has not been reported closed).
    fn reads(&self) -> bool {
        matches!(
            self.state,
            State::AwaitConnAck | State::Connected | State::Disconnecting { report: true }
        )
    }

    /// `max_inflight` outgoing QoS 1/2 messages are outstanding (0 means no limit, as in libmosquitto),
    /// or as many as the MQTT 5 broker's receive maximum.
    fn window_full(&self) -> bool {
        let max = usize::from(self.options.max_inflight);
        let server = usize::from(self.server.receive_maximum);
        let limit = if max == 0 { server } else { max.min(server) };
        self.inflight.len() >= limit
    }

    /// Decodes the packet at the start of `buf`. libmosquitto reports a 3.x broker's "unacceptable
    /// protocol version" CONNACK to an MQTT 5 CONNECT (`20 02 xx 01`: no reason code 1 in MQTT 5, no
    /// properties) as a refusal with reason code 132, Unsupported Protocol Version. Like libmosquitto,
    /// it also takes reason codes MQTT 5.0 does not list in CONNACK, PUBACK, PUBREC, PUBCOMP and
    /// DISCONNECT (the mosquitto broker sends PUBACK and PUBREC 149, Packet too large).
    fn decode(&self, buf: &[u8]) -> Result<Option<(Packet, usize)>, DecodeError> {
        let version = self.options.version;
        let max_size = self.options.max_incoming_packet;
        match codec::decode_with(buf, version, max_size, ReasonCodes::AnyInAcks) {
            Err(_)
                if version == Version::V5
                    && self.state == State::AwaitConnAck
                    && matches!(buf, [0x20, 0x02, _, 0x01, ..]) =>
            {
                let refusal = ConnAck {
                    session_present: false,
                    code: UNSUPPORTED_PROTOCOL_VERSION,
                    properties: Properties::new(),
                };
                Ok(Some((Packet::ConnAck(refusal), 4)))
            }
            other => other,
        }
    }

    /// Decodes the packet at `read_pos` in the read buffer. A large PUBLISH that fills the whole buffer
    /// takes the buffer over as its payload instead of copying it (the buffer is then left empty).
    fn decode_buffered(&mut self) -> Result<Option<(Packet, usize)>, DecodeError> {
        let whole_large_publish = self.read_pos == 0
            && self.read_buf.len() >= OWNED_FRAME_MIN
            && self.frame_len == Some(self.read_buf.len())
            && self
                .read_buf
                .first()
                .is_some_and(|&byte| byte >> 4 == PacketType::Publish as u8);
        if whole_large_publish {
            codec::decode_frame(
                &mut self.read_buf,
                self.options.version,
                self.options.max_incoming_packet,
                ReasonCodes::AnyInAcks,
            )
        } else {
            self.decode(&self.read_buf[self.read_pos..])
        }
    }

    /// Encodes `packet` onto the output buffer.
    fn queue(&mut self, packet: &Packet, now: Instant) -> Result<(), codec::EncodeError> {
        codec::encode(packet, self.options.version, &mut self.out)?;
        self.keepalive.on_output(now);
        Ok(())
    }

    /// Encodes `packet` onto the output buffer unless it is larger than the MQTT 5 broker's maximum
    /// packet size (then nothing is queued).
    fn queue_limited(&mut self, packet: &Packet, now: Instant) -> Result<(), QueueError> {
        let start = self.out.len();
        codec::encode(packet, self.options.version, &mut self.out)
            .map_err(|_| QueueError::Encode)?;
        let size = self.out.len() - start;
        if let Some(maximum) = self.server.maximum_packet_size
            && size > usize::try_from(maximum).unwrap_or(usize::MAX)
        {
            self.out.truncate(start);
            return Err(QueueError::ExceedsMaximum { size, maximum });
        }
        self.keepalive.on_output(now);
        Ok(())
    }

    /// Queues a PUBLISH with `publish`'s fields and `payload` (`publish.payload` is not looked at). A
    /// payload of [`SHARED_PAYLOAD_MIN`] bytes or more is queued shared, after its header, instead of
    /// being copied. `limited`: refused (nothing queued) when larger than the MQTT 5 broker's maximum
    /// packet size.
    fn queue_publish(
        &mut self,
        publish: &Publish,
        payload: &Arc<Vec<u8>>,
        limited: bool,
        now: Instant,
    ) -> Result<(), QueueError> {
        let start = self.out.len();
        codec::encode_publish_header(publish, payload.len(), self.options.version, &mut self.out)
            .map_err(|_| QueueError::Encode)?;
        let size = self.out.len() - start + payload.len();
        if limited
            && let Some(maximum) = self.server.maximum_packet_size
            && size > usize::try_from(maximum).unwrap_or(usize::MAX)
        {
            self.out.truncate(start);
            return Err(QueueError::ExceedsMaximum { size, maximum });
        }
        if payload.len() >= SHARED_PAYLOAD_MIN {
            // The payload goes on the wire right after the header just written, and before
            // anything queued later.
            self.sealed.push_bytes(std::mem::take(&mut self.out));
            self.sealed.push_shared(Arc::clone(payload));
        } else {
            self.out.extend_from_slice(payload);
        }
        self.keepalive.on_output(now);
        Ok(())
    }

    /// Drops everything queued for output (the connection is gone or must send nothing more).
    fn clear_output(&mut self) {
        self.out.clear();
        self.sealed.clear();
    }

    /// Queues a fixed-size packet (PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, PINGRESP): always encodes.
    fn reply(&mut self, packet: Packet, info: PacketInfo, now: Instant) {
        if self.queue(&packet, now).is_ok() {
            self.trace_sent(info);
        }
    }

    fn trace_sent(&mut self, info: PacketInfo) {
        if self.options.trace_packets {
            self.events.push_back(Event::Sent(info));
        }
    }

    fn trace_received(&mut self, info: PacketInfo) {
        if self.options.trace_packets {
            self.events.push_back(Event::Received(info));
        }
    }

    /// Ends the connection with `reason` and reports it.
    fn fail(&mut self, reason: ConnectionError) {
        self.state = State::Closed;
        self.clear_output();
        self.read_buf.clear();
        self.read_pos = 0;
        self.frame_len = None;
        self.keepalive.stop();
        self.close_reason = Some(reason.clone());
        self.events.push_back(Event::Closed(reason));
    }

    /// Bytes that do not decode. A packet type a client never handles (CONNECT, SUBSCRIBE,
    /// UNSUBSCRIBE) is reported as such whatever its flags, as libmosquitto
    /// dispatches on the type alone (`Error: Unrecognised command <n>` under `-d`).
    fn fail_decode(&mut self, err: DecodeError) {
        let unhandled = match &err {
            DecodeError::InvalidFlags { packet, .. } => matches!(
                packet,
                PacketType::Connect | PacketType::Subscribe | PacketType::Unsubscribe
            )
            .then_some(*packet as u8),
            _ => None,
        };
        match unhandled {
            Some(packet_type) => {
                self.fail(ConnectionError::Protocol(ProtocolError::ServerOnlyPacket {
                    packet_type,
                }))
            }
            None => self.fail(ConnectionError::Decode(err)),
        }
    }

    fn handle_packet(&mut self, packet: Packet, now: Instant) {
        self.received_packets += 1;
        self.keepalive.on_input(now);
        // MQTT 5 DISCONNECT and AUTH may come in any state (libmosquitto handles them whatever it
        // waits for).
        let packet = match packet {
            Packet::Disconnect(disconnect) if self.options.version == Version::V5 => {
                self.trace_received(PacketInfo::ServerDisconnect {
                    reason_code: disconnect.reason_code,
                });
                self.server_disconnect = Some(disconnect);
                self.fail(ConnectionError::Lost);
                return;
            }
            Packet::Auth(auth) => {
                // Only decoded in MQTT 5. We take no part in extended authentication; libmosquitto
                // 2.0.11 logs the packet and ignores it.
                self.trace_received(PacketInfo::Auth {
                    reason_code: auth.reason_code,
                });
                return;
            }
            packet => packet,
        };
        let packet_type = packet.type_number();
        if matches!(
            packet,
            Packet::Connect(_)
                | Packet::Subscribe(_)
                | Packet::Unsubscribe(_)
                | Packet::Disconnect(_)
        ) {
            self.fail(ConnectionError::Protocol(ProtocolError::ServerOnlyPacket {
                packet_type,
            }));
            return;
        }
        match self.state {
            State::AwaitConnAck => match packet {
                Packet::ConnAck(connack) => self.handle_connack(connack, now),
                _ => self.fail(ConnectionError::Protocol(ProtocolError::ExpectedConnAck {
                    packet_type,
                })),
            },
            State::Connected => self.handle_connected_packet(packet, now),
            State::Disconnecting { report: true } => {
                // DISCONNECT is queued: nothing may follow it, so packets that need an answer are
                // dropped (not answered, not delivered); acks are still processed.
                match packet {
                    Packet::Publish(_)
                    | Packet::PubRec(_)
                    | Packet::PubRel(_)
                    | Packet::PingReq => {}
                    packet => self.handle_connected_packet(packet, now),
                }
            }
            State::Idle
            | State::Refused
            | State::Closed
            | State::Disconnecting { report: false } => {}
        }
    }

    fn handle_connack(&mut self, connack: ConnAck, now: Instant) {
        let assigned_client_id = connack
            .properties
            .assigned_client_identifier()
            .map(str::to_owned);
        if let Some(id) = &assigned_client_id {
            if !self.client_id.is_empty() {
                // libmosquitto fails before logging the CONNACK.
                self.fail(ConnectionError::Protocol(
                    ProtocolError::UnexpectedAssignedClientId,
                ));
                return;
            }
            self.client_id = id.clone();
        }
        self.server = ServerLimits::from_connack(&connack.properties);
        if let Some(seconds) = self.server.server_keep_alive {
            self.keep_alive = seconds;
            self.keepalive.set_interval(seconds);
        }
        self.trace_received(PacketInfo::ConnAck {
            code: connack.code,
            assigned_client_id,
        });
        self.connack_properties = connack.properties;
        if connack.code != 0 {
            self.state = State::Refused;
            // As for a successful CONNACK, the application reacts (mosquitto_sub sends DISCONNECT)
            // before anything that followed, including the end of the connection, is processed.
            self.input_paused = true;
            self.keepalive.stop();
            self.clear_output();
            self.close_reason = Some(ConnectionError::Refused(connack.code));
            self.events
                .push_back(Event::Closed(ConnectionError::Refused(connack.code)));
            return;
        }
        self.state = State::Connected;
        self.input_paused = true;
        self.events.push_back(Event::Connected {
            session_present: connack.session_present,
        });
        // MQTT 3.1's CONNACK has no session-present flag: a 3.1 broker keeps the session exactly when
        // we asked it to.
        let session_kept = connack.session_present
            || (self.options.version == Version::V31 && !self.options.clean_session);
        for id in self.inflight.resend_order() {
            let info = match self.inflight.packet_for_resend(id, session_kept) {
                None => continue,
                Some(Resend::PubRel) => {
                    if self.queue(&Packet::PubRel(Ack::new(id)), now).is_err() {
                        continue;
                    }
                    PacketInfo::PubRel { mid: id }
                }
                Some(Resend::Publish(publish, payload)) => {
                    let info = PacketInfo::Publish {
                        dup: true,
                        qos: publish.qos,
                        retain: publish.retain,
                        mid: id,
                        topic: if self.options.trace_packets {
                            publish.topic.clone()
                        } else {
                            String::new()
                        },
                        payload_len: payload.len(),
                    };
                    // Cheap clones: the fields without the payload, and a shared payload.
                    let (publish, payload) = (publish.clone(), Arc::clone(payload));
                    if self.queue_publish(&publish, &payload, false, now).is_err() {
                        continue;
                    }
                    info
                }
            };
            self.trace_sent(info);
        }
    }

    /// A packet received after CONNACK 0.
    fn handle_connected_packet(&mut self, packet: Packet, now: Instant) {
        match packet {
            Packet::ConnAck(_) => {
                self.fail(ConnectionError::Protocol(ProtocolError::UnexpectedConnAck));
            }
            Packet::Publish(publish) => self.handle_incoming_publish(publish, now),
            Packet::PubAck(ack) => {
                let mid = ack.packet_id;
                self.trace_received(PacketInfo::PubAck {
                    mid,
                    code: ack.reason_code,
                });
                if self.inflight.awaiting(mid) == Some(Awaiting::PubAck) {
                    self.inflight.remove(mid);
                    self.completed(PacketType::PubAck, ack);
                }
            }
            Packet::PubRec(ack) if ack.reason_code >= 0x80 => {
                // MQTT 5 refusal: the flow ends here, no PUBREL (MQTT 5.0 §4.3.3).
                let mid = ack.packet_id;
                self.trace_received(PacketInfo::PubRec {
                    mid,
                    code: ack.reason_code,
                });
                if matches!(
                    self.inflight.awaiting(mid),
                    Some(Awaiting::PubRec | Awaiting::PubComp)
                ) {
                    self.inflight.remove(mid);
                    self.completed(PacketType::PubRec, ack);
                }
            }
            Packet::PubRec(Ack {
                packet_id: mid,
                reason_code,
                ..
            }) => {
                self.trace_received(PacketInfo::PubRec {
                    mid,
                    code: reason_code,
                });
                match self.inflight.awaiting(mid) {
                    Some(Awaiting::PubRec) => self.inflight.released(mid),
                    Some(Awaiting::PubComp) => {}
                    Some(Awaiting::PubAck) | None => {
                        self.events
                            .push_back(Event::Warning(Warning::UnknownPubRec { mid }));
                    }
                }
                self.reply(
                    Packet::PubRel(Ack::new(mid)),
                    PacketInfo::PubRel { mid },
                    now,
                );
            }
            Packet::PubComp(ack) => {
                let mid = ack.packet_id;
                self.trace_received(PacketInfo::PubComp {
                    mid,
                    code: ack.reason_code,
                });
                if matches!(
                    self.inflight.awaiting(mid),
                    Some(Awaiting::PubComp | Awaiting::PubRec)
                ) {
                    self.inflight.remove(mid);
                    self.completed(PacketType::PubComp, ack);
                }
            }
            Packet::PubRel(Ack { packet_id: mid, .. }) => {
                self.trace_received(PacketInfo::PubRel { mid });
                self.reply(
                    Packet::PubComp(Ack::new(mid)),
                    PacketInfo::PubComp { mid, code: 0 },
                    now,
                );
                if let Some(message) = self.incoming_qos2.remove(&mid) {
                    self.events.push_back(Event::Message(message));
                }
            }
            Packet::SubAck(SubAck {
                packet_id: mid,
                return_codes,
                ..
            }) => {
                self.trace_received(PacketInfo::SubAck { mid });
                if let Some(expected) = self.inflight.take_subscribe(mid) {
                    if expected != return_codes.len() {
                        self.fail(ConnectionError::Protocol(
                            ProtocolError::SubAckCountMismatch {
                                mid,
                                expected,
                                got: return_codes.len(),
                            },
                        ));
                        return;
                    }
                    self.events
                        .push_back(Event::Subscribed { mid, return_codes });
                }
            }
            Packet::UnsubAck(UnsubAck { packet_id: mid, .. }) => {
                self.trace_received(PacketInfo::UnsubAck { mid });
                if self.inflight.take_unsubscribe(mid) {
                    self.events.push_back(Event::Unsubscribed { mid });
                }
            }
            Packet::PingReq => {
                self.trace_received(PacketInfo::PingReq);
                self.reply(Packet::PingResp, PacketInfo::PingResp, now);
            }
            Packet::PingResp => {
                self.trace_received(PacketInfo::PingResp);
                self.keepalive.on_ping_response();
            }
            Packet::Connect(_)
            | Packet::Subscribe(_)
            | Packet::Unsubscribe(_)
            | Packet::Disconnect(_)
            | Packet::Auth(_) => {
                let packet_type = packet.type_number();
                self.fail(ConnectionError::Protocol(ProtocolError::ServerOnlyPacket {
                    packet_type,
                }));
            }
        }
    }

    /// The outgoing message `ack.packet_id` completed its flow (and was removed from the in-flight
    /// table): `Published`, or `PublishFailed` for an MQTT 5 reason code of 0x80 and more.
    fn completed(&mut self, ack_type: PacketType, ack: Ack) {
        let mid = ack.packet_id;
        if ack.reason_code >= 0x80 {
            self.events.push_back(Event::PublishFailed(PublishFailure {
                mid,
                ack: ack_type,
                reason_code: ack.reason_code,
                properties: ack.properties,
            }));
        } else {
            self.events.push_back(Event::Published { mid });
        }
    }

    fn handle_incoming_publish(&mut self, publish: Publish, now: Instant) {
        if publish.topic.is_empty() {
            // Only MQTT 5 decodes one (with a topic alias); libmosquitto 2.0.11 fails before logging it.
            self.fail(ConnectionError::Protocol(
                ProtocolError::PublishWithoutTopic,
            ));
            return;
        }
        if self.options.trace_packets {
            self.events.push_back(Event::Received(PacketInfo::Publish {
                dup: publish.dup,
                qos: publish.qos,
                retain: publish.retain,
                mid: publish.packet_id,
                topic: publish.topic.clone(),
                payload_len: publish.payload.len(),
            }));
        }
        let mid = publish.packet_id;
        match publish.qos {
            QoS::AtMostOnce => self.events.push_back(Event::Message(publish)),
            QoS::AtLeastOnce => {
                self.reply(
                    Packet::PubAck(Ack::new(mid)),
                    PacketInfo::PubAck { mid, code: 0 },
                    now,
                );
                self.events.push_back(Event::Message(publish));
            }
            QoS::ExactlyOnce => {
                // A repeat of a message still waiting for PUBREL is answered again, not stored again.
                self.incoming_qos2.entry(mid).or_insert(publish);
                self.reply(
                    Packet::PubRec(Ack::new(mid)),
                    PacketInfo::PubRec { mid, code: 0 },
                    now,
                );
            }
        }
    }
}

/// The subscription options byte without its QoS bits, as mosquitto prints it (`Options: 0x%02x`):
/// retain handling, retain as published, no local. Always 0 in 3.x, which sends none of them.
fn subscription_options(filter: &SubscribeFilter, version: Version) -> u8 {
    if version != Version::V5 {
        return 0;
    }
    let retain_handling = match filter.retain_handling {
        RetainHandling::SendAtSubscribe => 0,
        RetainHandling::SendIfNew => 1,
        RetainHandling::DoNotSend => 2,
    };
    (retain_handling << 4)
        | (u8::from(filter.retain_as_published) << 3)
        | (u8::from(filter.no_local) << 2)
}
