//! What each received packet does: the CONNACK that opens a connection (and the resends it
//! triggers), the acknowledgements of our messages and subscriptions, incoming messages and their
//! QoS flows, pings, and packets a server must not send.

use std::sync::Arc;
use std::time::Instant;

use super::{Client, ServerLimits, State};
use crate::proto::codec::{
    Ack, ConnAck, Packet, PacketType, Publish, QoS, SubAck, UnsubAck, Version,
};
use crate::proto::event::{
    ConnectionError, Direction, Event, PacketInfo, ProtocolError, PublishFailure, Warning,
};
use crate::proto::inflight::{Awaiting, Resend};

impl Client {
    pub(super) fn handle_packet(&mut self, packet: Packet, now: Instant) {
        self.received_packets += 1;
        self.keepalive.on_input(now);
        self.record_packet(Direction::In, &packet);
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
        let packet_type = packet.packet_type();
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
                match self.inflight.awaiting(mid) {
                    Some(Awaiting::PubAck) => {
                        self.inflight.remove(mid);
                        self.completed(PacketType::PubAck, ack);
                    }
                    Some(Awaiting::PubRec | Awaiting::PubComp) => {
                        self.wrong_ack(PacketType::PubAck, mid, QoS::ExactlyOnce);
                    }
                    // An acknowledgement of nothing we sent: ignored, as libmosquitto does.
                    None => {}
                }
            }
            Packet::PubRec(ack) if ack.reason_code >= 0x80 => {
                // MQTT 5 refusal: the flow ends here, no PUBREL (MQTT 5.0 §4.3.3).
                let mid = ack.packet_id;
                self.trace_received(PacketInfo::PubRec {
                    mid,
                    code: ack.reason_code,
                });
                match self.inflight.awaiting(mid) {
                    Some(Awaiting::PubRec | Awaiting::PubComp) => {
                        self.inflight.remove(mid);
                        self.completed(PacketType::PubRec, ack);
                    }
                    Some(Awaiting::PubAck) => {
                        self.wrong_ack(PacketType::PubRec, mid, QoS::AtLeastOnce);
                    }
                    None => {}
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
                    Some(Awaiting::PubAck) => {
                        // The id is in flight, as a QoS 1 message: not "unknown", and no PUBREL.
                        self.wrong_ack(PacketType::PubRec, mid, QoS::AtLeastOnce);
                        return;
                    }
                    None => {
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
                match self.inflight.awaiting(mid) {
                    Some(Awaiting::PubComp | Awaiting::PubRec) => {
                        self.inflight.remove(mid);
                        self.completed(PacketType::PubComp, ack);
                    }
                    Some(Awaiting::PubAck) => {
                        self.wrong_ack(PacketType::PubComp, mid, QoS::AtLeastOnce);
                    }
                    None => {}
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
                if self.options.trace_packets {
                    // A copy only for the trace: the codes themselves go to `Subscribed`.
                    self.events.push_back(Event::Received(PacketInfo::SubAck {
                        mid,
                        return_codes: return_codes.clone(),
                    }));
                }
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
            Packet::UnsubAck(UnsubAck {
                packet_id: mid,
                reason_codes,
                ..
            }) => {
                self.trace_received(PacketInfo::UnsubAck { mid });
                if self.inflight.take_unsubscribe(mid) {
                    self.events
                        .push_back(Event::Unsubscribed { mid, reason_codes });
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
                let packet_type = packet.packet_type();
                self.fail(ConnectionError::Protocol(ProtocolError::ServerOnlyPacket {
                    packet_type,
                }));
            }
        }
    }

    /// `ack` arrived for our in-flight message `mid`, which has QoS `qos` and expects another kind:
    /// mosquitto_pub ends at once with a protocol error (MOSQ_ERR_PROTOCOL, exit 2) rather than
    /// waiting for an acknowledgement that will not come.
    fn wrong_ack(&mut self, ack: PacketType, mid: u16, qos: QoS) {
        self.fail(ConnectionError::Protocol(
            ProtocolError::WrongAcknowledgement { ack, mid, qos },
        ));
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
