//! The trace sinks: every `-d` line, byte-identical to mosquitto 2.0.11's clients ([`DebugLines`],
//! here and nowhere else), the JSON-lines trace of `--trace` ([`json::JsonTrace`]), and
//! [`FanOut`] when both are on.
//!
//! Lines are appended to a byte buffer (the one buffered stdout writer) rather than returned as
//! `String`s: a truncated line may end in the middle of a UTF-8 sequence, exactly as mosquitto's does.
//!
//! Truncation: libmosquitto formats each log line into a buffer of `strlen(format) + 500` bytes, so a
//! line longer than `strlen(format) + 499` bytes is cut there (the newline is added afterwards). Each
//! template below therefore carries the length of mosquitto's C format string it reproduces.

mod fanout;
pub mod json;
mod json_packet;

pub use fanout::FanOut;

use std::io::Write;
use std::time::{Duration, Instant};

use crate::net::ConnectStage;
use crate::proto::codec::PacketType;
use crate::proto::event::{ConnectionError, Event, PacketInfo, ProtocolError, Warning};

/// What a [`TraceSink`] is told, in the order it happens during a session.
#[derive(Debug, Clone, Copy)]
pub enum TraceRecord<'a> {
    /// An event of the client state machine: a packet sent or received, a warning, the end of a
    /// connection.
    Client(&'a Event),
    /// rsub's own report of a SUBACK (mosquitto_sub prints it from its subscribe callback, after
    /// libmosquitto's `received SUBACK` line): the granted QoS or reason code per filter.
    Subscribed { mid: u16, return_codes: &'a [u8] },
    /// A step of opening a connection (only while the link reports stages: `--trace`).
    Stage(&'a ConnectStage),
    /// The connection is down; the next attempt follows after `delay`.
    ReconnectScheduled { delay: Duration },
    /// Attempt number `attempt` (1 for the first reconnect) to open a connection again.
    Reconnecting { attempt: u32 },
    /// Opening a connection failed with this (as the user would be told).
    ConnectFailed { message: &'a str },
    /// The run is over: the exit code and the error text the program printed, if any.
    Outcome { code: i32, message: Option<&'a str> },
    /// The run ended with `bytes` queued before our DISCONNECT never written: the socket took
    /// nothing for `stalled_for` (the keepalive interval), or (`None`) the connection failed.
    Unsent {
        bytes: usize,
        stalled_for: Option<std::time::Duration>,
    },
}

/// Where the session loop sends its trace. `-d` ([`DebugLines`]) is the first implementation; a
/// sink that writes elsewhere ignores `stdout`.
pub trait TraceSink {
    /// Records one happening. `client_id` is the id as mosquitto shows it ([`display_client_id`],
    /// then [`assigned_client_id`]); `stdout` is the shared stdout buffer, for sinks whose lines
    /// interleave with the program's output as `-d` lines do.
    fn record(&mut self, client_id: &str, record: TraceRecord<'_>, stdout: &mut Vec<u8>);

    /// When what the sink holds must be written at the latest (the session loop wakes up for it
    /// and calls [`TraceSink::flush`]); `None`: nothing waits.
    fn flush_deadline(&self) -> Option<Instant> {
        None
    }

    /// Writes what the sink holds (called at a flush deadline and at the end of the run).
    fn flush(&mut self) {}
}

/// `-d`: mosquitto's debug lines, on stdout between the messages.
#[derive(Debug, Clone, Copy, Default)]
pub struct DebugLines {
    /// `--quiet` hides the lines mosquitto_sub prints itself (`Subscribed (mid: ...)`), not
    /// libmosquitto's.
    pub quiet: bool,
}

impl TraceSink for DebugLines {
    fn record(&mut self, client_id: &str, record: TraceRecord<'_>, stdout: &mut Vec<u8>) {
        match record {
            TraceRecord::Client(event) => {
                event_line(client_id, event, stdout);
            }
            TraceRecord::Subscribed { mid, return_codes } => {
                if !self.quiet {
                    subscribed_line(mid, return_codes, stdout);
                }
            }
            // mosquitto prints no line for these.
            TraceRecord::Stage(_)
            | TraceRecord::ReconnectScheduled { .. }
            | TraceRecord::Reconnecting { .. }
            | TraceRecord::ConnectFailed { .. }
            | TraceRecord::Outcome { .. } => {}
            TraceRecord::Unsent { bytes, stalled_for } => {
                unsent_line(client_id, bytes, stalled_for, stdout);
            }
        }
    }
}

/// The id as mosquitto shows it: `(null)` when the client sent no id (glibc's rendering of NULL `%s`).
pub fn display_client_id(client_id: &str) -> &str {
    if client_id.is_empty() {
        "(null)"
    } else {
        client_id
    }
}

/// The id mosquitto shows from `event` on, when the event changes it: an MQTT 5 CONNACK that assigns
/// a client identifier (mosquitto prints `Client (null) sending CONNECT`, then
/// `Client auto-... received CONNACK (0)` and that id on every later line, reconnects included). The
/// application switches its displayed id before printing the event's own line.
pub fn assigned_client_id(event: &Event) -> Option<&str> {
    match event {
        Event::Received(PacketInfo::ConnAck {
            assigned_client_id: Some(id),
            ..
        }) => Some(id),
        _ => None,
    }
}

/// Appends the `-d` line for `event`, if mosquitto prints one for it. Returns whether a line was added.
/// `client_id` is the id as shown (see [`display_client_id`]).
pub fn event_line(client_id: &str, event: &Event, out: &mut Vec<u8>) -> bool {
    if let Event::Closed(ConnectionError::Protocol(ProtocolError::ServerOnlyPacket { packet_type })) =
        event
        && *packet_type != PacketType::Disconnect
    {
        // libmosquitto's own message carries a newline, and the client adds another.
        let _ = write!(
            out,
            "Error: Unrecognised command {}\n\n",
            u16::from(*packet_type as u8) << 4
        );
        return true;
    }
    if let Event::Closed(error @ (ConnectionError::Decode(_) | ConnectionError::Protocol(_))) =
        event
        && !matches!(
            error,
            ConnectionError::Protocol(ProtocolError::ServerOnlyPacket { .. })
        )
    {
        // Our addition (mosquitto says nothing under -d): what the broker did wrong.
        violation_line(client_id, error, out);
        return true;
    }
    let start = out.len();
    let (start, format_len) = match event {
        Event::Sent(info) => sent(client_id, info, out, start),
        Event::Received(info) => (start, received(client_id, info, out)),
        Event::Warning(Warning::UnknownPubRec { mid }) => {
            // "Warning: Received PUBREC from %s for an unknown packet identifier %d."
            let _ = write!(
                out,
                "Warning: Received PUBREC from {client_id} for an unknown packet identifier {mid}."
            );
            (start, 69)
        }
        _ => return false,
    };
    finish_line(out, start, format_len);
    true
}

/// `Client <id> protocol violation by the broker: <what>`: why the connection ended, for a broker
/// that sent malformed bytes or a packet that is wrong where it came. Not one of mosquitto's lines
/// (it prints none there); the run ends with its `Error: A network protocol error ...`.
fn violation_line(client_id: &str, error: &ConnectionError, out: &mut Vec<u8>) {
    let _ = match error {
        ConnectionError::Decode(err) => writeln!(
            out,
            "Client {client_id} protocol violation by the broker: malformed packet: {err}"
        ),
        ConnectionError::Protocol(err) => writeln!(
            out,
            "Client {client_id} protocol violation by the broker: {err}"
        ),
        _ => Ok(()),
    };
}

/// Our addition (mosquitto has no such line): why the end of a run lost data, e.g.
/// `Client p1 gave up: the broker took no data for 5 seconds, 1048576 bytes not sent`.
fn unsent_line(
    client_id: &str,
    bytes: usize,
    stalled_for: Option<std::time::Duration>,
    out: &mut Vec<u8>,
) {
    let _ = match stalled_for {
        Some(interval) => writeln!(
            out,
            "Client {client_id} gave up: the broker took no data for {} seconds, {bytes} bytes not sent",
            interval.as_secs()
        ),
        None => writeln!(
            out,
            "Client {client_id} connection lost with {bytes} bytes not sent"
        ),
    };
}

/// `Subscribed (mid: 1): 0, 1`: printed by mosquitto_sub itself (not libmosquitto) after SUBACK.
pub fn subscribed_line(mid: u16, return_codes: &[u8], out: &mut Vec<u8>) {
    let _ = write!(out, "Subscribed (mid: {mid}): ");
    for (index, code) in return_codes.iter().enumerate() {
        if index > 0 {
            out.extend_from_slice(b", ");
        }
        let _ = write!(out, "{code}");
    }
    out.push(b'\n');
}

/// Lines for packets we send. Returns where the last (unterminated) line starts and the length of
/// mosquitto's format string for it.
fn sent(id: &str, info: &PacketInfo, out: &mut Vec<u8>, start: usize) -> (usize, usize) {
    let format_len = match info {
        PacketInfo::Connect => simple(out, id, "sending CONNECT"),
        PacketInfo::Publish {
            dup,
            qos,
            retain,
            mid,
            topic,
            payload_len,
        } => {
            publish(
                out,
                id,
                "sending",
                *dup,
                qos.as_u8(),
                *retain,
                *mid,
                topic,
                *payload_len,
            );
            // "Client %s sending PUBLISH (d%d, q%d, r%d, m%d, '%s', ... (%ld bytes))"
            69
        }
        PacketInfo::PubAck { mid, code } => {
            let _ = write!(out, "Client {id} sending PUBACK (m{mid}, rc{code})");
            // "Client %s sending PUBACK (m%d, rc%d)"
            36
        }
        PacketInfo::PubRec { mid, code } => {
            let _ = write!(out, "Client {id} sending PUBREC (m{mid}, rc{code})");
            36
        }
        PacketInfo::PubRel { mid } => {
            let _ = write!(out, "Client {id} sending PUBREL (m{mid})");
            // "Client %s sending PUBREL (m%d)"
            30
        }
        PacketInfo::PubComp { mid, .. } => {
            let _ = write!(out, "Client {id} sending PUBCOMP (m{mid})");
            31
        }
        PacketInfo::Subscribe { mid, filters } => {
            // One line per filter, each truncated on its own.
            // "Client %s sending SUBSCRIBE (Mid: %d, Topic: %s, QoS: %d, Options: 0x%02x)"
            const FORMAT_LEN: usize = 74;
            for (index, (filter, qos, options)) in filters.iter().enumerate() {
                let line_start = out.len();
                let _ = write!(
                    out,
                    "Client {id} sending SUBSCRIBE (Mid: {mid}, Topic: {filter}, QoS: {}, Options: 0x{options:02x})",
                    qos.as_u8()
                );
                if index + 1 < filters.len() {
                    finish_line(out, line_start, FORMAT_LEN);
                } else {
                    // The last line is finished by the caller: hand it this line's own start.
                    return (line_start, FORMAT_LEN);
                }
            }
            // No filters: nothing to print.
            return (start, 0);
        }
        PacketInfo::Unsubscribe { mid, filter } => {
            let _ = write!(
                out,
                "Client {id} sending UNSUBSCRIBE (Mid: {mid}, Topic: {filter})"
            );
            // "Client %s sending UNSUBSCRIBE (Mid: %d, Topic: %s)"
            50
        }
        PacketInfo::PingReq => simple(out, id, "sending PINGREQ"),
        PacketInfo::PingResp => simple(out, id, "sending PINGRESP"),
        PacketInfo::Disconnect => simple(out, id, "sending DISCONNECT"),
        // A client never sends these; render them in the same style rather than panic.
        PacketInfo::ServerDisconnect { .. } => simple(out, id, "sending DISCONNECT"),
        PacketInfo::Auth { .. } => simple(out, id, "sending AUTH"),
        PacketInfo::ConnAck { code, .. } => {
            let _ = write!(out, "Client {id} sending CONNACK ({code})");
            30
        }
        PacketInfo::SubAck { .. } => simple(out, id, "sending SUBACK"),
        PacketInfo::UnsubAck { .. } => simple(out, id, "sending UNSUBACK"),
    };
    (start, format_len)
}

/// Lines for packets we receive. Returns the length of mosquitto's format string.
fn received(id: &str, info: &PacketInfo, out: &mut Vec<u8>) -> usize {
    match info {
        PacketInfo::ConnAck { code, .. } => {
            let _ = write!(out, "Client {id} received CONNACK ({code})");
            // "Client %s received CONNACK (%d)"
            31
        }
        PacketInfo::Publish {
            dup,
            qos,
            retain,
            mid,
            topic,
            payload_len,
        } => {
            publish(
                out,
                id,
                "received",
                *dup,
                qos.as_u8(),
                *retain,
                *mid,
                topic,
                *payload_len,
            );
            70
        }
        PacketInfo::PubAck { mid, code } => {
            let _ = write!(out, "Client {id} received PUBACK (Mid: {mid}, RC:{code})");
            // "Client %s received PUBACK (Mid: %d, RC:%d)"
            42
        }
        PacketInfo::PubRec { mid, .. } => {
            let _ = write!(out, "Client {id} received PUBREC (Mid: {mid})");
            35
        }
        PacketInfo::PubRel { mid } => {
            let _ = write!(out, "Client {id} received PUBREL (Mid: {mid})");
            35
        }
        PacketInfo::PubComp { mid, code } => {
            let _ = write!(out, "Client {id} received PUBCOMP (Mid: {mid}, RC:{code})");
            43
        }
        PacketInfo::SubAck { .. } => simple(out, id, "received SUBACK"),
        PacketInfo::UnsubAck { .. } => simple(out, id, "received UNSUBACK"),
        PacketInfo::PingReq => simple(out, id, "received PINGREQ"),
        PacketInfo::PingResp => simple(out, id, "received PINGRESP"),
        PacketInfo::Disconnect => simple(out, id, "received DISCONNECT"),
        PacketInfo::ServerDisconnect { reason_code } => {
            // No client id: libmosquitto's "Received DISCONNECT (%d)".
            let _ = write!(out, "Received DISCONNECT ({reason_code})");
            24
        }
        PacketInfo::Auth { .. } => simple(out, id, "received AUTH"),
        PacketInfo::Connect => simple(out, id, "received CONNECT"),
        PacketInfo::Subscribe { mid, .. } => {
            let _ = write!(out, "Client {id} received SUBSCRIBE (Mid: {mid})");
            38
        }
        PacketInfo::Unsubscribe { mid, .. } => {
            let _ = write!(out, "Client {id} received UNSUBSCRIBE (Mid: {mid})");
            40
        }
    }
}

/// `Client <id> <what>`; returns the format length of `"Client %s " + what`.
fn simple(out: &mut Vec<u8>, id: &str, what: &str) -> usize {
    let _ = write!(out, "Client {id} {what}");
    "Client %s ".len() + what.len()
}

#[allow(clippy::too_many_arguments)]
fn publish(
    out: &mut Vec<u8>,
    id: &str,
    direction: &str,
    dup: bool,
    qos: u8,
    retain: bool,
    mid: u16,
    topic: &str,
    payload_len: usize,
) {
    // An MQTT 5 PUBLISH that uses a topic alias has no topic: libmosquitto prints its NULL pointer.
    let topic = if topic.is_empty() { "(null)" } else { topic };
    let _ = write!(
        out,
        "Client {id} {direction} PUBLISH (d{}, q{qos}, r{}, m{mid}, '{topic}', ... ({payload_len} bytes))",
        u8::from(dup),
        u8::from(retain)
    );
}

/// Cuts the line started at `start` to mosquitto's limit and ends it with a newline.
fn finish_line(out: &mut Vec<u8>, start: usize, format_len: usize) {
    let limit = start + format_len + 499;
    if out.len() > limit {
        out.truncate(limit);
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests;
