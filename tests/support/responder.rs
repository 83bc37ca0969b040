//! A small MQTT responder for rrr's tests: a second client, written with the crate's own codec over a
//! blocking `std::net::TcpStream`, that subscribes to the request topic and answers each request on
//! its response topic, echoing its correlation data (or not, or with other data, as the test asks).
//! `mosquitto_sub | mosquitto_pub` pipelines cannot do that: they cannot copy correlation data.
//!
//! It is the same in both runs of a differential test, so what it saw of the requests can be compared
//! too.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rpubsub::proto::codec::{
    self, Ack, Connect, Disconnect, Packet, Properties, Property, Publish, QoS, Subscribe,
    SubscribeFilter, Version,
};

/// No test waits this long for the broker: a hang detector, not a timing.
const HANG_LIMIT: Duration = Duration::from_secs(20);

/// What an answer carries as correlation data.
#[derive(Clone, Debug)]
pub enum Correlation {
    /// The request's, as an MQTT 5 responder should (none if the request has none).
    Echo,
    /// These bytes, whatever the request carried.
    Fixed(Vec<u8>),
    /// None.
    Absent,
}

/// One message sent back for each request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub payload: Vec<u8>,
    pub correlation: Correlation,
    pub qos: QoS,
    pub retain: bool,
    /// Where it goes: `None` is the request's response topic (MQTT 5).
    pub topic: Option<String>,
    /// More properties, after the correlation data.
    pub properties: Vec<Property>,
}

impl Answer {
    /// `payload` at QoS 0 on the response topic, echoing the correlation data.
    pub fn echo(payload: &[u8]) -> Answer {
        Answer {
            payload: payload.to_vec(),
            correlation: Correlation::Echo,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: None,
            properties: Vec::new(),
        }
    }

    pub fn qos(self, qos: QoS) -> Answer {
        Answer { qos, ..self }
    }

    pub fn correlation(self, correlation: Correlation) -> Answer {
        Answer {
            correlation,
            ..self
        }
    }

    /// Sent to `topic` (for MQTT 3.1.1 requests, which carry no response topic).
    pub fn to(self, topic: &str) -> Answer {
        Answer {
            topic: Some(topic.to_string()),
            ..self
        }
    }

    pub fn property(mut self, property: Property) -> Answer {
        self.properties.push(property);
        self
    }
}

/// A responder running in its own thread until it has answered its requests.
pub struct Responder {
    handle: JoinHandle<Result<Vec<Publish>, String>>,
}

impl Responder {
    /// Connects to the broker on `127.0.0.1:port` as `id` with `version`, subscribes to `filter`
    /// (QoS 2) and returns once the broker granted it. It then answers the first `requests` requests
    /// with `answers` each, in order, and disconnects.
    pub fn start(
        port: u16,
        id: &str,
        version: Version,
        filter: &str,
        requests: usize,
        answers: Vec<Answer>,
    ) -> Responder {
        let (ready_tx, ready_rx) = mpsc::channel();
        let id = id.to_string();
        let filter = filter.to_string();
        let handle = thread::spawn(move || {
            let mut link = Wire::connect(port, &id, version)?;
            link.subscribe(&filter)?;
            let _ = ready_tx.send(());
            let mut seen = Vec::new();
            while seen.len() < requests {
                let request = link.next_request()?;
                for answer in &answers {
                    link.answer(&request, answer)?;
                }
                seen.push(request);
            }
            link.finish()?;
            Ok(seen)
        });
        if ready_rx.recv_timeout(HANG_LIMIT).is_err() {
            match handle.join() {
                Ok(Err(err)) => panic!("the responder could not start: {err}"),
                _ => panic!("the responder did not subscribe within {HANG_LIMIT:?}"),
            }
        }
        Responder { handle }
    }

    /// Waits for the responder to end; the requests it answered.
    pub fn requests(self) -> Vec<Publish> {
        match self.handle.join() {
            Ok(Ok(requests)) => requests,
            Ok(Err(err)) => panic!("the responder failed: {err}"),
            Err(_) => panic!("the responder panicked"),
        }
    }

    /// Waits for the responder to end, whether or not it got its requests (for runs that may end
    /// before sending one); the requests it answered, or what went wrong.
    pub fn outcome(self) -> Result<Vec<Publish>, String> {
        self.handle
            .join()
            .unwrap_or_else(|_| Err("the responder panicked".into()))
    }
}

/// How a request looks to the responder, for comparisons: topic, payload, QoS, retain, properties.
pub fn describe(request: &Publish) -> String {
    format!(
        "topic={:?} payload={:?} qos={} retain={} properties={:?}",
        request.topic,
        String::from_utf8_lossy(&request.payload),
        request.qos.as_u8(),
        request.retain,
        request.properties.list
    )
}

/// The blocking connection: packets in and out with the crate's codec.
struct Wire {
    stream: TcpStream,
    version: Version,
    buffer: Vec<u8>,
    next_id: u16,
    deadline: Instant,
}

impl Wire {
    fn connect(port: u16, id: &str, version: Version) -> Result<Wire, String> {
        let stream =
            TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .map_err(|e| e.to_string())?;
        let mut wire = Wire {
            stream,
            version,
            buffer: Vec::new(),
            next_id: 1,
            deadline: Instant::now() + HANG_LIMIT,
        };
        wire.send(&Packet::Connect(Connect {
            version,
            clean_session: true,
            keep_alive: 60,
            client_id: id.to_string(),
            will: None,
            username: None,
            password: None,
            properties: Properties::new(),
        }))?;
        match wire.receive()? {
            Packet::ConnAck(connack) if connack.code == 0 => Ok(wire),
            other => Err(format!("expected CONNACK 0, got {other:?}")),
        }
    }

    fn subscribe(&mut self, filter: &str) -> Result<(), String> {
        let packet_id = self.take_id();
        self.send(&Packet::Subscribe(Subscribe {
            packet_id,
            filters: vec![SubscribeFilter {
                filter: filter.to_string(),
                qos: QoS::ExactlyOnce,
                ..SubscribeFilter::default()
            }],
            properties: Properties::new(),
        }))?;
        loop {
            match self.receive()? {
                Packet::SubAck(suback) if suback.return_codes.iter().all(|&c| c < 0x80) => {
                    return Ok(());
                }
                Packet::SubAck(suback) => return Err(format!("subscription refused: {suback:?}")),
                other => self.handle_other(other)?,
            }
        }
    }

    /// The next request, acknowledged (QoS 1: PUBACK; QoS 2: PUBREC, the rest of its flow is
    /// handled while waiting for later packets).
    fn next_request(&mut self) -> Result<Publish, String> {
        loop {
            match self.receive()? {
                Packet::Publish(publish) => {
                    match publish.qos {
                        QoS::AtMostOnce => {}
                        QoS::AtLeastOnce => {
                            self.send(&Packet::PubAck(Ack::new(publish.packet_id)))?
                        }
                        QoS::ExactlyOnce => {
                            self.send(&Packet::PubRec(Ack::new(publish.packet_id)))?
                        }
                    }
                    return Ok(publish);
                }
                other => self.handle_other(other)?,
            }
        }
    }

    /// Sends `answer` to `request` and waits until its QoS flow is complete.
    fn answer(&mut self, request: &Publish, answer: &Answer) -> Result<(), String> {
        let topic = match &answer.topic {
            Some(topic) => topic.clone(),
            None => request
                .properties
                .response_topic()
                .ok_or("the request has no response topic")?
                .to_string(),
        };
        let mut properties = Properties::new();
        let correlation = match &answer.correlation {
            Correlation::Echo => request.properties.correlation_data().map(<[u8]>::to_vec),
            Correlation::Fixed(data) => Some(data.clone()),
            Correlation::Absent => None,
        };
        if let Some(data) = correlation {
            properties.push(Property::CorrelationData(data));
        }
        for property in &answer.properties {
            properties.push(property.clone());
        }
        if self.version != Version::V5 {
            properties = Properties::new();
        }
        let packet_id = if answer.qos == QoS::AtMostOnce {
            0
        } else {
            self.take_id()
        };
        self.send(&Packet::Publish(Publish {
            dup: false,
            qos: answer.qos,
            retain: answer.retain,
            topic,
            packet_id,
            payload: answer.payload.clone(),
            properties,
        }))?;
        loop {
            if answer.qos == QoS::AtMostOnce {
                return Ok(());
            }
            match self.receive()? {
                Packet::PubAck(ack) if ack.packet_id == packet_id => return Ok(()),
                Packet::PubRec(ack) if ack.packet_id == packet_id => {
                    self.send(&Packet::PubRel(Ack::new(packet_id)))?;
                }
                Packet::PubComp(ack) if ack.packet_id == packet_id => return Ok(()),
                other => self.handle_other(other)?,
            }
        }
    }

    fn finish(&mut self) -> Result<(), String> {
        self.send(&Packet::Disconnect(Disconnect::default()))
    }

    /// Packets that need an answer whatever we wait for: the second half of an incoming QoS 2
    /// flow, pings.
    fn handle_other(&mut self, packet: Packet) -> Result<(), String> {
        match packet {
            Packet::PubRel(ack) => self.send(&Packet::PubComp(Ack::new(ack.packet_id))),
            Packet::PingReq => self.send(&Packet::PingResp),
            Packet::Disconnect(disconnect) => {
                Err(format!("the broker disconnected: {disconnect:?}"))
            }
            _ => Ok(()),
        }
    }

    fn take_id(&mut self) -> u16 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    fn send(&mut self, packet: &Packet) -> Result<(), String> {
        let mut bytes = Vec::new();
        codec::encode(packet, self.version, &mut bytes).map_err(|e| format!("encode: {e:?}"))?;
        self.stream
            .write_all(&bytes)
            .map_err(|e| format!("write: {e}"))
    }

    fn receive(&mut self) -> Result<Packet, String> {
        loop {
            if let Some((packet, used)) = codec::decode(&self.buffer, self.version, usize::MAX)
                .map_err(|e| format!("decode: {e:?}"))?
            {
                self.buffer.drain(..used);
                return Ok(packet);
            }
            if Instant::now() > self.deadline {
                return Err(format!(
                    "nothing more from the broker within {HANG_LIMIT:?}"
                ));
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("the broker closed the connection".into()),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(format!("read: {e}")),
            }
        }
    }
}
