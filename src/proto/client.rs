//! The MQTT client state machine: deterministic, no I/O, time passed in.
//!
//! Method groups: inputs (`handle_*`), commands (`connect`, `publish`, `subscribe`, `unsubscribe`,
//! `disconnect`), outputs (`poll_*`) and getters.
//!
//! One `Client` lives for the whole program run and may see several connections: the driver calls
//! [`Client::connect`] for each new transport; the session state (in-flight messages, incoming QoS 2 ids
//! awaiting PUBREL, the packet-id counter) survives between them.

use std::time::{Duration, Instant};

use super::codec::{QoS, Version, Will};
use super::event::Event;

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
    /// Maximum outstanding outgoing QoS 1/2 messages (`-M`), at least 1.
    pub max_inflight: u16,
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
    /// The packet cannot be encoded (string or payload too long).
    TooLarge,
}

pub struct Client {
    // private state: written by the state-machine helper
}

impl Client {
    pub fn new(options: ClientOptions) -> Client {
        todo!()
    }

    // ---- commands ----

    /// Starts a new connection on a fresh transport: resets the per-connection state (read buffer,
    /// output buffer, keepalive timers) and queues CONNECT. Unacknowledged outgoing QoS 1/2 messages
    /// are resent with DUP=1 (PUBREL for those already PUBREC'd) once CONNACK 0 arrives.
    pub fn connect(&mut self, now: Instant) {
        todo!()
    }

    /// Queues a PUBLISH. Returns the message id (QoS 0 messages get one too, as mosquitto numbers them).
    pub fn publish(
        &mut self,
        topic: &str,
        payload: Vec<u8>,
        qos: QoS,
        retain: bool,
        now: Instant,
    ) -> Result<u16, CommandError> {
        todo!()
    }

    /// Queues one SUBSCRIBE with all `filters` (filter, QoS). Returns its packet id.
    pub fn subscribe(&mut self, filters: &[(String, QoS)], now: Instant) -> Result<u16, CommandError> {
        todo!()
    }

    /// Queues one UNSUBSCRIBE for `filter`. Returns its packet id.
    pub fn unsubscribe(&mut self, filter: &str, now: Instant) -> Result<u16, CommandError> {
        todo!()
    }

    /// Queues DISCONNECT; once it has been taken by `poll_transmit` the client reports
    /// `Closed(Disconnected)`.
    pub fn disconnect(&mut self, now: Instant) {
        todo!()
    }

    // ---- inputs ----

    /// Bytes read from the transport.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        todo!()
    }

    /// Called when `now` reached `poll_timeout()` (calling it early is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        todo!()
    }

    /// The transport reached end of file or failed.
    pub fn handle_eof(&mut self) {
        todo!()
    }

    // ---- outputs ----

    /// Moves the bytes waiting to be written into `out` (appending). Returns true if any were added.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        todo!()
    }

    /// The next instant at which `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        todo!()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        todo!()
    }

    // ---- getters ----

    /// Bytes are waiting for `poll_transmit`.
    pub fn wants_write(&self) -> bool {
        todo!()
    }

    /// CONNACK 0 received on the current connection and not closed since.
    pub fn is_connected(&self) -> bool {
        todo!()
    }

    /// No live connection (never connected, closed by error, or after DISCONNECT was sent).
    pub fn is_closed(&self) -> bool {
        todo!()
    }

    /// Outgoing QoS 1/2 messages not yet fully acknowledged.
    pub fn inflight_count(&self) -> usize {
        todo!()
    }

    /// A QoS 1/2 `publish` would be accepted now (window not full and connected).
    pub fn can_publish(&self) -> bool {
        todo!()
    }

    /// Bytes queued for output and not yet taken by `poll_transmit` (for back-pressure on QoS 0).
    pub fn pending_output_len(&self) -> usize {
        todo!()
    }

    pub fn options(&self) -> &ClientOptions {
        todo!()
    }
}

#[allow(dead_code)]
fn unused(_: Duration) {}
