//! Inputs: what the driver hands the client (bytes read, a timeout reached, the end of the
//! transport), and how bytes become packets: framing across reads, decoding, and decode errors.
//! What each packet then does is in `handle.rs`.

use std::time::Instant;

use super::{Client, State};
use crate::proto::codec::{
    self, ConnAck, DecodeError, Packet, PacketType, Properties, ReasonCodes, Version,
};
use crate::proto::event::{ConnectionError, PacketInfo, ProtocolError};
use crate::proto::timer::Timer;

/// MQTT 5 reason code 132, Unsupported Protocol Version.
const UNSUPPORTED_PROTOCOL_VERSION: u8 = 0x84;

/// The size of the packet starting at `buf` (fixed header included), if its fixed header is complete
/// and well formed.
fn frame_len(buf: &[u8]) -> Option<usize> {
    let (_, after_first) = buf.split_first()?;
    let (remaining, length_bytes) = codec::decode_remaining_length(after_first).ok()??;
    // Cannot overflow: at most 4 length bytes and a remaining length below 2^28.
    Some(1 + length_bytes + remaining)
}

/// The most bytes taken into the read buffer at once while a fixed header is incomplete.
const MAX_FIXED_HEADER: usize = 5;

/// The most memory reserved up front for a partial packet whose header announces its size (a larger
/// packet grows the buffer as its bytes actually arrive).
const MAX_READ_RESERVE: usize = 16 << 20;

/// Incoming packets of at least this size are decoded from the read buffer without copying the
/// payload out: the buffer itself becomes the message's payload (see `codec::decode_frame`). Smaller
/// ones are copied and the buffer is kept for the next packets.
pub const OWNED_FRAME_MIN: usize = 64 * 1024;

impl Client {
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

    /// The transport took some of the bytes handed out by `poll_transmit*` at `now`. Only matters
    /// while a PINGREQ is outstanding (see [`Keepalive::on_output_written`]); the driver calls it
    /// only then ([`Client::ping_outstanding`]).
    ///
    /// [`Keepalive::on_output_written`]: crate::proto::timer::Keepalive::on_output_written
    pub fn handle_written(&mut self, now: Instant) {
        if self.state == State::Connected {
            self.keepalive.on_output_written(now);
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

    // ---- decoding ----

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

    /// Bytes that do not decode. A packet type a client never handles (CONNECT, SUBSCRIBE,
    /// UNSUBSCRIBE) is reported as such whatever its flags, as libmosquitto
    /// dispatches on the type alone (`Error: Unrecognised command <n>` under `-d`).
    fn fail_decode(&mut self, err: DecodeError) {
        let unhandled = match &err {
            DecodeError::InvalidFlags { packet, .. } => matches!(
                packet,
                PacketType::Connect | PacketType::Subscribe | PacketType::Unsubscribe
            )
            .then_some(*packet),
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
}
