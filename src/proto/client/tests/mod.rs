//! State-machine tests: a scripted fake broker with simulated time.
//!
//! The broker side encodes its packets with `codec::encode` and decodes everything the client
//! transmits with `codec::decode`; time starts at one fixed `Instant` and only moves when a test says
//! so (no sleeps).

//!
//! One file per topic; this one holds the fake broker and the helpers they share.

mod batching;
mod connect;
mod disconnect;
mod framing;
mod keepalive;
mod large_payloads;
mod protocol_errors;
mod publish_in;
mod publish_out;
mod reconnect;
mod subscribe;
mod v5_acks;
mod v5_connect;
mod v5_disconnect;
mod v5_publish;
mod v5_subscribe;

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

// The tests name `super::client`, `super::codec`, `super::event` and `super::transmit` (they were
// written one level up, in `proto`).
use crate::proto::client::{self, Client, ClientOptions, CommandError};
use crate::proto::codec::{
    self, Ack, ConnAck, Connect, DecodeError, Packet, PacketType, Properties, Publish, QoS, SubAck,
    Subscribe, SubscribeFilter, UnsubAck, Unsubscribe, Version, Will,
};
use crate::proto::event::{self, ConnectionError, Event, PacketInfo, ProtocolError, Warning};
use crate::proto::transmit;

const MAX_PACKET: usize = 1 << 24;

fn options() -> ClientOptions {
    ClientOptions {
        version: Version::V311,
        client_id: "c1".into(),
        clean_session: true,
        keep_alive: 60,
        will: None,
        username: None,
        password: None,
        max_inflight: 20,
        connect_properties: Properties::new(),
        max_incoming_packet: MAX_PACKET,
        trace_packets: true,
    }
}

/// The fake broker and its clock.
struct Broker {
    client: Client,
    t0: Instant,
    now: Instant,
    version: Version,
}

impl Broker {
    fn new(options: ClientOptions) -> Broker {
        let t0 = Instant::now();
        let version = options.version;
        Broker {
            client: Client::new(options),
            t0,
            now: t0,
            version,
        }
    }

    /// A client connected (CONNACK 0 at t0) with the CONNECT and the events already consumed.
    fn connected(options: ClientOptions) -> Broker {
        let mut b = Broker::new(options);
        b.client.connect(b.now);
        assert!(matches!(b.packets()[..], [Packet::Connect(_)]));
        b.send(connack(0));
        b.events();
        assert!(b.client.is_connected());
        b
    }

    fn at(&self, secs: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(secs)
    }

    /// Sets the clock to `secs` after t0.
    fn set_time(&mut self, secs: f64) {
        self.now = self.at(secs);
    }

    fn encode(&self, packet: &Packet) -> Vec<u8> {
        let mut bytes = Vec::new();
        codec::encode(packet, self.version, &mut bytes).expect("test packet encodes");
        bytes
    }

    /// The broker sends one packet.
    fn send(&mut self, packet: Packet) {
        let bytes = self.encode(&packet);
        self.client.handle_input(&bytes, self.now);
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        self.client.handle_input(bytes, self.now);
    }

    /// Everything the client transmitted since the last call, as raw bytes.
    fn bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.client.poll_transmit(&mut out);
        out
    }

    /// Everything the client transmitted since the last call, decoded.
    fn packets(&mut self) -> Vec<Packet> {
        let bytes = self.bytes();
        decode_all(&bytes, self.version)
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }

    fn tick(&mut self) {
        self.client.handle_timeout(self.now);
    }
}

fn decode_all(mut bytes: &[u8], version: Version) -> Vec<Packet> {
    let mut packets = Vec::new();
    while !bytes.is_empty() {
        match codec::decode(bytes, version, usize::MAX) {
            Ok(Some((packet, used))) => {
                packets.push(packet);
                bytes = &bytes[used..];
            }
            other => panic!("client transmitted an undecodable packet: {other:?} ({bytes:02X?})"),
        }
    }
    packets
}

fn connack(code: u8) -> Packet {
    Packet::ConnAck(ConnAck {
        session_present: false,
        code,
        ..Default::default()
    })
}

fn ack(packet_id: u16) -> Ack {
    Ack::new(packet_id)
}

fn publish(topic: &str, payload: &[u8], qos: QoS, packet_id: u16) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.into(),
        packet_id,
        payload: payload.to_vec(),
        ..Default::default()
    }
}

fn sent_publish(qos: QoS, mid: u16, topic: &str, payload_len: usize, dup: bool) -> Event {
    Event::Sent(PacketInfo::Publish {
        dup,
        qos,
        retain: false,
        mid,
        topic: topic.into(),
        payload_len,
    })
}

fn received_publish(p: &Publish) -> Event {
    Event::Received(PacketInfo::Publish {
        dup: p.dup,
        qos: p.qos,
        retain: p.retain,
        mid: p.packet_id,
        topic: p.topic.clone(),
        payload_len: p.payload.len(),
    })
}

// ---- MQTT 5 ----

fn v5_options() -> ClientOptions {
    ClientOptions {
        version: Version::V5,
        ..options()
    }
}

fn connack_v5(code: u8, properties: Properties) -> Packet {
    Packet::ConnAck(ConnAck {
        session_present: false,
        code,
        properties,
    })
}

/// Bytes from a hex string (spaces allowed), e.g. a packet recorded from mosquitto_pub.
fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).expect("ascii");
            u8::from_str_radix(pair, 16).expect("hex digit")
        })
        .collect()
}

impl Broker {
    /// A v5 client connected by a CONNACK with `properties`, CONNECT and events consumed.
    fn connected_v5(options: ClientOptions, properties: Properties) -> Broker {
        let mut b = Broker::new(options);
        b.client.connect(b.now);
        assert!(matches!(b.packets()[..], [Packet::Connect(_)]));
        b.send(connack_v5(0, properties));
        b.events();
        assert!(b.client.is_connected());
        b
    }
}

fn received_connack(code: u8) -> Event {
    Event::Received(PacketInfo::ConnAck {
        code,
        assigned_client_id: None,
    })
}
