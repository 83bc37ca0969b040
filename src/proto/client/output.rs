//! Outputs: what the driver takes from the client (`poll_*`: bytes to write, the next deadline,
//! events), and how the other parts queue packets and trace them.

use std::sync::Arc;
use std::time::Instant;

use super::{Client, SHARED_PAYLOAD_MIN, State};
use crate::proto::codec::{self, Packet, Publish};
use crate::proto::event::{ConnectionError, Direction, Event, PacketInfo, PacketRecord};
use crate::proto::transmit::Transmit;

/// Why a packet was not queued.
pub(super) enum QueueError {
    /// The packet cannot be encoded.
    Encode,
    /// MQTT 5: larger than the broker's maximum packet size.
    ExceedsMaximum { size: usize, maximum: u32 },
}

impl Client {
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

    // ---- queueing and tracing, for the other parts of the client ----

    /// Encodes `packet` onto the output buffer.
    pub(super) fn queue(
        &mut self,
        packet: &Packet,
        now: Instant,
    ) -> Result<(), codec::EncodeError> {
        codec::encode(packet, self.options.version, &mut self.out)?;
        self.keepalive.on_output(now);
        self.record_packet(Direction::Out, packet);
        Ok(())
    }

    /// `Event::Packet` for `packet`, when packet details are asked for.
    pub(super) fn record_packet(&mut self, direction: Direction, packet: &Packet) {
        if let Some(limit) = self.packet_detail {
            let record = PacketRecord::of(direction, packet, limit);
            self.events.push_back(Event::Packet(Box::new(record)));
        }
    }

    /// Encodes `packet` onto the output buffer unless it is larger than the MQTT 5 broker's maximum
    /// packet size (then nothing is queued).
    pub(super) fn queue_limited(
        &mut self,
        packet: &Packet,
        now: Instant,
    ) -> Result<(), QueueError> {
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
        self.record_packet(Direction::Out, packet);
        Ok(())
    }

    /// Queues a PUBLISH with `publish`'s fields and `payload` (`publish.payload` is not looked at). A
    /// payload of [`SHARED_PAYLOAD_MIN`] bytes or more is queued shared, after its header, instead of
    /// being copied. `limited`: refused (nothing queued) when larger than the MQTT 5 broker's maximum
    /// packet size.
    pub(super) fn queue_publish(
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
        if let Some(limit) = self.packet_detail {
            let record = PacketRecord::publish(Direction::Out, publish, payload, limit);
            self.events.push_back(Event::Packet(Box::new(record)));
        }
        Ok(())
    }

    /// Drops everything queued for output (the connection is gone or must send nothing more).
    pub(super) fn clear_output(&mut self) {
        self.out.clear();
        self.sealed.clear();
    }

    /// Queues a fixed-size packet (PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, PINGRESP): always encodes.
    pub(super) fn reply(&mut self, packet: Packet, info: PacketInfo, now: Instant) {
        if self.queue(&packet, now).is_ok() {
            self.trace_sent(info);
        }
    }

    pub(super) fn trace_sent(&mut self, info: PacketInfo) {
        if self.options.trace_packets {
            self.events.push_back(Event::Sent(info));
        }
    }

    pub(super) fn trace_received(&mut self, info: PacketInfo) {
        if self.options.trace_packets {
            self.events.push_back(Event::Received(info));
        }
    }
}
