//! Commands: what the application asks the client to do (`connect`, `publish`, `subscribe`,
//! `unsubscribe`, `disconnect`). Each queues its packet; none waits for an answer.

use std::sync::Arc;
use std::time::Instant;

use super::output::QueueError;
use super::{Client, CommandError, Payload, PublishError, SHARED_PAYLOAD_MIN, ServerLimits, State};
use crate::proto::codec::{
    Connect, Disconnect, Packet, Properties, Publish, QoS, RetainHandling, Subscribe,
    SubscribeFilter, Unsubscribe, Version,
};
use crate::proto::event::{ConnectionError, Event, PacketInfo};

impl Client {
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
        self.disconnect_len = 0;
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
        let mid = self.next_request_id()?;
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

    /// The packet id a SUBSCRIBE or UNSUBSCRIBE would take now (not yet reserved): only while
    /// connected and while the in-flight window has room.
    fn next_request_id(&self) -> Result<u16, CommandError> {
        if self.state != State::Connected {
            return Err(CommandError::NotConnected);
        }
        self.inflight
            .peek_id()
            .ok_or(CommandError::InflightWindowFull)
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
        let mid = self.next_request_id()?;
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
        let before = self.out.len();
        if self.queue(&Packet::Disconnect(disconnect), now).is_ok() {
            self.disconnect_len = self.out.len() - before;
            self.trace_sent(PacketInfo::Disconnect);
        }
        self.state = State::Disconnecting { report };
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
