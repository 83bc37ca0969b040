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
//!
//! Layout: `types.rs` (options, errors, server limits, payloads), `commands.rs`, `input.rs` (bytes to
//! packets), `handle.rs` (what each received packet does), `output.rs` (`poll_*` and queueing), and
//! here the state, the getters and the helpers they all share.

mod commands;
mod handle;
mod input;
mod output;
#[cfg(test)]
mod tests;
mod types;

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use super::codec::{Disconnect, Properties, Publish};
use super::event::{ConnectionError, Event};
use super::inflight::Inflight;
use super::timer::Keepalive;
use super::transmit::Transmit;

pub use input::OWNED_FRAME_MIN;
pub use types::{
    ClientOptions, CommandError, Payload, PublishError, SHARED_PAYLOAD_MIN, ServerLimits,
};

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
    /// `Some(limit)`: report every packet with its contents as `Event::Packet`, PUBLISH payloads cut
    /// to `limit` bytes (`--trace`). `None` (the default) costs one test per packet.
    packet_detail: Option<usize>,
    /// The size of the DISCONNECT queued on the current connection (0: none): the last bytes a
    /// closing run writes, the only ones whose loss loses nothing of the user's.
    disconnect_len: usize,
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

/// The shortest PUBACK, PUBREC or PUBCOMP: fixed header and packet id (MQTT 5 may add a reason
/// code and properties, never less).
const MIN_ACK_LEN: usize = 4;

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
            packet_detail: None,
            disconnect_len: 0,
        }
    }

    /// From now on every packet queued or received is also reported as an [`Event::Packet`] with
    /// its contents, PUBLISH payloads cut to `payload_limit` bytes; `None` stops it. For traces that
    /// show properties, reason codes and payloads (`--trace`); `-d` needs only
    /// [`ClientOptions::trace_packets`].
    pub fn set_packet_detail(&mut self, payload_limit: Option<usize>) {
        self.packet_detail = payload_limit;
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

    /// A PINGREQ was queued and its PINGRESP has not come yet.
    pub fn ping_outstanding(&self) -> bool {
        self.keepalive.ping_outstanding()
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

    /// The encoded size of the DISCONNECT queued on the current connection, 0 if none was: when a
    /// run ends with bytes it could not write, no more than this many means only our goodbye was
    /// lost.
    pub fn disconnect_len(&self) -> usize {
        self.disconnect_len
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
}
