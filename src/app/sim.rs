//! The session loop under simulated time: a [`SimLink`] stands in for the mio driver, answers the
//! client like a broker would (CONNACK, SUBACK, PUBACK, ...) and, instead of waiting, moves its clock
//! to the next deadline. The roles run exactly as in production, so their timing policies (`-W`,
//! `--repeat-delay`, the reconnect delay, `-C`) are checked to the microsecond without sleeping.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::time::{Duration, Instant};

use super::input::LineReader;
use super::publisher::{LineKind, Publisher};
use super::session::{AttemptInfo, Link, RECONNECT_DELAY, Session};
use super::subscriber::{Random, Subscriber};
use crate::cli::{self, Parsed};
use crate::exit::ci::PendingStage;
use crate::exit::{self, Failure};
use crate::net::{ChunkSource, ConnectFailure, Drain, IoTimes, StdinChunk, Turn};
use crate::output::stdout::Output;
use crate::proto::client::Client;
use crate::proto::codec::{self, Ack, ConnAck, Packet, Publish, QoS, SubAck, UnsubAck, Version};
use crate::tls::TlsFailure;

#[cfg(test)]
mod ci;
mod lines;

/// How the simulated broker is called in messages.
const SIM_BROKER: &str = "sim:1883";

/// Something the simulated broker does at a scripted moment.
#[derive(Debug, Clone)]
pub(super) enum Happening {
    /// Sends a QoS 0 message to the client.
    Message(&'static str, &'static [u8]),
    /// Sends these bytes as they are (a broker breaking the protocol).
    Raw(&'static [u8]),
    /// Sends this PUBLISH to the client (any QoS, retain flag and properties; a response, or a
    /// message it published coming back).
    Deliver(Publish),
    /// The connection breaks: the client sees the end of the stream.
    Drop,
    /// SIGINT arrives.
    Signal,
}

/// How the simulated broker answers each PUBLISH of the client (a request of rrr): `answer` makes
/// the messages it sends back, each `delay` after the request.
pub(super) struct Responder {
    pub(super) delay: Duration,
    pub(super) answer: fn(&Publish) -> Vec<Publish>,
}

/// A broker and a clock in one, as the session loop's link.
pub(super) struct SimLink {
    pub(super) client: Client,
    pub(super) output: Output,
    start: Instant,
    now: Instant,
    /// A transport is open.
    up: bool,
    /// When each connection attempt was made (since the start).
    pub(super) connects: Vec<Duration>,
    /// Every packet the client sent, with when it was written (since the start).
    pub(super) sent: Vec<(Duration, Packet)>,
    /// Bytes written by the client that do not make a whole packet yet.
    partial: Vec<u8>,
    /// Bytes written by the client that the broker has not read yet (only with `read_rate`).
    wire: Vec<u8>,
    /// The broker reads this many bytes per second of what the client writes (`None`: at once;
    /// `Some(0)`: never).
    read_rate: Option<u64>,
    /// The broker stops reading for good after this many bytes.
    read_limit: Option<usize>,
    /// Bytes the broker has read so far.
    read_total: usize,
    /// What the broker does when, by time since the start, in order.
    script: VecDeque<(Duration, Happening)>,
    /// On this many first connections the broker acknowledges no PUBLISH (the acknowledgement is
    /// lost with the connection).
    unacknowledged_connections: usize,
    /// Answers the client's PUBLISH packets, if set.
    pub(super) responder: Option<Responder>,
    turns: usize,
    /// How the broker behaves beyond answering every packet.
    broker: SimBroker,
    /// The filters the client subscribed to on the current connection.
    subscriptions: Vec<String>,
    /// When the client last wrote and the broker last delivered.
    io_times: IoTimes,
}

/// What the simulated broker does differently from answering everything at once.
#[derive(Debug, Clone, Default)]
struct SimBroker {
    /// Nothing listens before this time since the start: connection attempts are refused.
    listening_from: Duration,
    /// Nothing listens from this time since the start on (the broker went away).
    gone_from: Option<Duration>,
    /// Accepts TCP connections and never answers.
    silent: bool,
    /// The SUBACK codes, instead of granting what was asked.
    suback: Option<Vec<u8>>,
    /// The UNSUBACK reason codes (MQTT 5).
    unsuback: Option<Vec<u8>>,
    /// The reason code of every PUBACK/PUBREC (MQTT 5; 0x80 and more refuse).
    publish_reason: u8,
    /// Messages the client publishes to a topic it subscribed to come back after this.
    echo_after: Option<Duration>,
}

/// More turns than any of these runs needs: the loop is spinning.
const TURN_LIMIT: usize = 100_000;

impl SimLink {
    pub(super) fn new(client: Client, script: Vec<(Duration, Happening)>) -> SimLink {
        let start = Instant::now();
        SimLink {
            client,
            output: Output::in_memory(),
            start,
            now: start,
            up: false,
            connects: Vec::new(),
            sent: Vec::new(),
            partial: Vec::new(),
            wire: Vec::new(),
            read_rate: None,
            read_limit: None,
            read_total: 0,
            script: script.into(),
            unacknowledged_connections: 0,
            responder: None,
            turns: 0,
            broker: SimBroker::default(),
            subscriptions: Vec::new(),
            io_times: IoTimes::default(),
        }
    }

    /// Schedules `happening` at `at` since the start, in order with the script.
    fn schedule(&mut self, at: Duration, happening: Happening) {
        let index = self.script.partition_point(|(when, _)| *when <= at);
        self.script.insert(index, (at, happening));
    }

    pub(super) fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn version(&self) -> Version {
        self.client.options().version
    }

    /// Takes what the client wrote and answers it, until neither has more to say (with a
    /// `read_rate`, only what the broker has read by now).
    fn exchange(&mut self) {
        while self.up && self.client.poll_transmit(&mut self.wire) {
            if self.read_rate.is_none() {
                self.broker_reads(usize::MAX);
            }
        }
    }

    /// How many more bytes the broker will ever read.
    fn readable_left(&self) -> usize {
        match (self.read_rate, self.read_limit) {
            (Some(0), _) => 0,
            (_, Some(limit)) => limit.saturating_sub(self.read_total),
            (_, None) => usize::MAX,
        }
    }

    /// The broker reads up to `max` bytes of what the client wrote and answers the packets that
    /// are complete. Returns how many it read.
    fn broker_reads(&mut self, max: usize) -> usize {
        let n = self.wire.len().min(max).min(self.readable_left());
        self.partial.extend(self.wire.drain(..n));
        self.read_total += n;
        while self.up
            && let Ok(Some((packet, used))) =
                codec::decode(&self.partial, self.version(), usize::MAX)
        {
            self.partial.drain(..used);
            self.io_times.last_write = Some(self.now);
            let at = self.elapsed();
            self.sent.push((at, packet.clone()));
            self.answer(packet);
        }
        n
    }

    /// Moves the clock to `to`, the broker reading at its rate meanwhile.
    fn advance(&mut self, to: Instant) -> usize {
        let mut read = 0;
        if to > self.now
            && let Some(rate) = self.read_rate
        {
            let seconds = (to - self.now).as_secs_f64();
            read = self.broker_reads((seconds * rate as f64).round() as usize);
        }
        self.now = self.now.max(to);
        read
    }

    /// When the broker will have read everything written so far (with a `read_rate`).
    fn wire_empty_at(&self) -> Option<Instant> {
        let rate = self.read_rate.filter(|&rate| rate > 0)?;
        if self.wire.is_empty() || self.readable_left() == 0 {
            return None;
        }
        let bytes = self.wire.len().min(self.readable_left());
        Some(self.now + Duration::from_secs_f64(bytes as f64 / rate as f64))
    }

    /// Schedules what the responder makes of a request, `delay` from now, in time order.
    fn respond(&mut self, request: &Publish) {
        let Some(responder) = &self.responder else {
            return;
        };
        let at = self.elapsed() + responder.delay;
        for response in (responder.answer)(request) {
            self.schedule(at, Happening::Deliver(response));
        }
    }

    /// The broker's reply to one packet of the client.
    fn answer(&mut self, packet: Packet) {
        if self.broker.silent {
            return;
        }
        if let Packet::Publish(publish) = &packet {
            self.respond(publish);
        }
        if let Packet::Publish(publish) = &packet
            && let Some(delay) = self.broker.echo_after
            && self
                .subscriptions
                .iter()
                .any(|filter| super::subscriber::topic_matches_filter(filter, &publish.topic))
        {
            let echo = Publish {
                topic: publish.topic.clone(),
                payload: publish.payload.clone(),
                ..Publish::default()
            };
            let at = self.elapsed() + delay;
            self.schedule(at, Happening::Deliver(echo));
        }
        let reply = match packet {
            Packet::Connect(_) => Packet::ConnAck(ConnAck::default()),
            Packet::Subscribe(subscribe) => {
                self.subscriptions
                    .extend(subscribe.filters.iter().map(|f| f.filter.clone()));
                Packet::SubAck(SubAck {
                    packet_id: subscribe.packet_id,
                    return_codes: self.broker.suback.clone().unwrap_or_else(|| {
                        subscribe.filters.iter().map(|f| f.qos.as_u8()).collect()
                    }),
                    properties: Default::default(),
                })
            }
            Packet::Unsubscribe(unsubscribe) => Packet::UnsubAck(UnsubAck {
                reason_codes: self.broker.unsuback.clone().unwrap_or_default(),
                ..UnsubAck::new(unsubscribe.packet_id)
            }),
            Packet::Publish(_) if self.connects.len() <= self.unacknowledged_connections => return,
            Packet::Publish(publish) => {
                let ack = Ack {
                    reason_code: self.broker.publish_reason,
                    ..Ack::new(publish.packet_id)
                };
                match publish.qos {
                    QoS::AtMostOnce => return,
                    QoS::AtLeastOnce => Packet::PubAck(ack),
                    QoS::ExactlyOnce => Packet::PubRec(ack),
                }
            }
            Packet::PubRel(ack) => Packet::PubComp(Ack::new(ack.packet_id)),
            // The client's half of a QoS 2 message the broker sent.
            Packet::PubRec(ack) => Packet::PubRel(Ack::new(ack.packet_id)),
            Packet::PingReq => Packet::PingResp,
            Packet::Disconnect(_) => {
                self.up = false;
                return;
            }
            _ => return,
        };
        self.deliver(&reply);
    }

    fn deliver(&mut self, packet: &Packet) {
        self.io_times.last_read = Some(self.now);
        let mut bytes = Vec::new();
        codec::encode(packet, self.version(), &mut bytes).expect("the broker's packet encodes");
        self.client.handle_input(&bytes, self.now);
    }

    fn happen(&mut self, happening: Happening, turn: &mut Turn) {
        match happening {
            Happening::Message(topic, payload) if self.up => {
                self.deliver(&Packet::Publish(Publish {
                    topic: topic.to_string(),
                    payload: payload.to_vec(),
                    ..Publish::default()
                }))
            }
            Happening::Raw(bytes) if self.up => self.client.handle_input(bytes, self.now),
            Happening::Deliver(publish) if self.up => self.deliver(&Packet::Publish(publish)),
            Happening::Drop if self.up => {
                self.up = false;
                self.client.handle_eof();
            }
            Happening::Signal => turn.signalled = true,
            Happening::Message(..)
            | Happening::Raw(_)
            | Happening::Deliver(_)
            | Happening::Drop => {}
        }
    }

    /// The packets of one type the client sent, with their times.
    pub(super) fn sent_times(&self, wanted: fn(&Packet) -> bool) -> Vec<Duration> {
        self.sent
            .iter()
            .filter(|(_, packet)| wanted(packet))
            .map(|(at, _)| *at)
            .collect()
    }
}

impl Link for SimLink {
    fn client(&mut self) -> &mut Client {
        &mut self.client
    }
    fn client_ref(&self) -> &Client {
        &self.client
    }
    fn output(&mut self) -> &mut Output {
        &mut self.output
    }
    fn now(&self) -> Instant {
        self.now
    }
    fn connect(&mut self) -> Result<(), ConnectFailure> {
        self.connects.push(self.elapsed());
        let gone = self.broker.gone_from.is_some_and(|at| self.elapsed() >= at);
        if self.elapsed() < self.broker.listening_from || gone {
            return Err(ConnectFailure::Io(io::Error::from_raw_os_error(
                libc::ECONNREFUSED,
            )));
        }
        self.up = true;
        self.subscriptions.clear();
        self.partial.clear();
        self.wire.clear();
        self.client.connect(self.now);
        Ok(())
    }
    fn turn(&mut self, deadline: Option<Instant>) -> io::Result<Turn> {
        self.turns += 1;
        assert!(self.turns < TURN_LIMIT, "the session loop spins");
        let mut turn = Turn::default();
        self.exchange();
        if self.client.has_events() {
            return Ok(turn);
        }
        let next_happening = self.script.front().map(|(at, _)| self.start + *at);
        let wake = [
            deadline,
            self.client.poll_timeout(),
            next_happening,
            self.wire_empty_at(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(wake) = wake else {
            panic!("the session would wait forever at {:?}", self.elapsed());
        };
        self.advance(wake);
        while let Some((at, _)) = self.script.front()
            && self.start + *at <= self.now
        {
            if let Some((_, happening)) = self.script.pop_front() {
                self.happen(happening, &mut turn);
            }
        }
        if self.client.poll_timeout().is_some_and(|at| at <= self.now) {
            self.client.handle_timeout(self.now);
        }
        Ok(turn)
    }
    fn write_out(&mut self) {
        self.exchange();
    }
    fn drain(&mut self, deadline: Option<Instant>) -> Drain {
        self.exchange();
        if !self.up {
            // The broker has read our DISCONNECT and closed: the rest is gone with the connection.
            let unsent = self.wire.len() + self.client.pending_output_len();
            return Drain {
                unsent,
                failed: unsent > 0,
                ..Drain::default()
            };
        }
        if self.wire.is_empty() {
            return Drain::default();
        }
        // Wait like the driver: until the socket takes something (here: the broker has read all of
        // it), or the deadline.
        let wake = [self.wire_empty_at(), deadline].into_iter().flatten().min();
        let Some(wake) = wake else {
            panic!("the final write would wait forever at {:?}", self.elapsed());
        };
        let read = self.advance(wake);
        Drain {
            unsent: self.wire.len(),
            progressed: read > 0,
            ..Drain::default()
        }
    }
    fn close_stream(&mut self) {
        self.up = false;
        self.wire.clear();
    }
    fn finish_output(&mut self, hurry: bool) -> usize {
        if hurry {
            self.output.flush();
            self.output.discard_unwritten()
        } else {
            let left = self.output.flush_all(None);
            self.output.discard_unwritten().max(left)
        }
    }
    fn take_tls_failure(&mut self) -> Option<TlsFailure> {
        None
    }
    fn take_connect_failure(&mut self) -> Option<ConnectFailure> {
        None
    }
    fn attempt_info(&self) -> AttemptInfo {
        AttemptInfo {
            broker: SIM_BROKER.to_string(),
            pending: if self.up {
                PendingStage::Connack
            } else {
                PendingStage::Tcp
            },
            proxy: false,
            tls: false,
        }
    }
    fn io_times(&self) -> IoTimes {
        self.io_times
    }
}

/// Lines for `rpub -l`, all there from the start, then the end of input.
pub(super) struct ScriptedInput(pub(super) VecDeque<Vec<u8>>);

impl ChunkSource for ScriptedInput {
    fn try_next(&mut self) -> StdinChunk {
        match self.0.pop_front() {
            Some(chunk) => StdinChunk::Data(chunk),
            None => StdinChunk::Eof,
        }
    }
}

/// Lines for `rpub -l`, then a read error (stdin is a directory: every read fails with EISDIR).
pub(super) struct FailingInput(pub(super) VecDeque<Vec<u8>>);

impl ChunkSource for FailingInput {
    fn try_next(&mut self) -> StdinChunk {
        match self.0.pop_front() {
            Some(chunk) => StdinChunk::Data(chunk),
            None => StdinChunk::Failed(io::Error::from_raw_os_error(libc::EISDIR)),
        }
    }
}

pub(super) fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

pub(super) fn seconds(value: f64) -> Duration {
    Duration::from_secs_f64(value)
}

/// rsub with `arguments`, against the simulated broker doing `script`.
pub(super) fn run_rsub(
    arguments: &[&str],
    script: Vec<(Duration, Happening)>,
) -> (Result<(), Failure>, SimLink) {
    run_rsub_on(arguments, script, |_| {})
}

/// [`run_rsub`] with a link set up by `setup` (e.g. a stdout nobody reads).
fn run_rsub_on(
    arguments: &[&str],
    script: Vec<(Duration, Happening)>,
    setup: impl FnOnce(&mut SimLink),
) -> (Result<(), Failure>, SimLink) {
    let Ok(Parsed::Run(config)) = cli::parse_sub("rsub", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    let client = Client::new(super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, script);
    setup(&mut link);
    link.connect().expect("connects");
    let mut session = Session::new(link, "", None);
    let mut role = Subscriber::new(config, session.now(), Random::seeded(7)).expect("valid");
    let outcome = session.run(&mut role);
    (outcome, session.link)
}

/// rpub with `arguments` (`-l` reads `lines`), against the simulated broker doing `script`.
fn run_rpub(
    arguments: &[&str],
    lines: &[&str],
    script: Vec<(Duration, Happening)>,
) -> (Result<(), Failure>, SimLink) {
    run_rpub_with(arguments, lines, script, 0)
}

/// [`run_rpub`] with a broker that acknowledges nothing on its first `unacknowledged_connections`
/// connections.
fn run_rpub_with(
    arguments: &[&str],
    lines: &[&str],
    script: Vec<(Duration, Happening)>,
    unacknowledged_connections: usize,
) -> (Result<(), Failure>, SimLink) {
    run_rpub_on(arguments, lines, script, |link| {
        link.unacknowledged_connections = unacknowledged_connections;
    })
}

/// [`run_rpub`] with a broker set up by `setup` (how fast it reads, what it acknowledges).
fn run_rpub_on(
    arguments: &[&str],
    lines: &[&str],
    script: Vec<(Duration, Happening)>,
    setup: impl FnOnce(&mut SimLink),
) -> (Result<(), Failure>, SimLink) {
    let Ok(Parsed::Run(mut config)) = cli::parse_pub("rpub", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    let client = Client::new(super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, script);
    setup(&mut link);
    link.connect().expect("connects");
    let mut session = Session::new(link, "", None);
    let outcome = match std::mem::replace(&mut config.source, cli::config::MessageSource::Null) {
        cli::config::MessageSource::StdinLines => {
            let input = lines.iter().map(|line| format!("{line}\n").into_bytes());
            session.run(&mut Publisher::lines(
                config,
                ScriptedInput(input.collect()),
            ))
        }
        cli::config::MessageSource::JsonLines => {
            let input = lines.iter().map(|line| format!("{line}\n").into_bytes());
            session.run(&mut Publisher::reading(
                config,
                ScriptedInput(input.collect()),
                LineKind::Json,
            ))
        }
        cli::config::MessageSource::Message(payload) if config.template => {
            let template = super::template::Template::parse(&payload).expect("a valid template");
            session.run(&mut Publisher::<ScriptedInput>::repeating_with(
                config,
                payload,
                Some(template),
                Random::seeded(3),
            ))
        }
        cli::config::MessageSource::Message(payload) => {
            session.run(&mut Publisher::<ScriptedInput>::repeating(config, payload))
        }
        other => panic!("not simulated: {other:?}"),
    };
    (outcome, session.link)
}

pub(super) fn is_publish(packet: &Packet) -> bool {
    matches!(packet, Packet::Publish(_))
}

pub(super) fn is_disconnect(packet: &Packet) -> bool {
    matches!(packet, Packet::Disconnect(_))
}

pub(super) fn is_subscribe(packet: &Packet) -> bool {
    matches!(packet, Packet::Subscribe(_))
}

#[test]
fn rsub_w_times_out_exactly_after_its_seconds() {
    let (outcome, link) = run_rsub(&["-t", "a", "-W", "2"], Vec::new());
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.0)]);
    assert_eq!(link.elapsed(), seconds(2.0));
}

#[test]
fn rsub_w_counts_from_the_connection_not_from_the_last_message() {
    let script = vec![(seconds(1.5), Happening::Message("a", b"late"))];
    let (outcome, link) = run_rsub(&["-t", "a", "-W", "2"], script);
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.output.written(), b"late\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.0)]);
}

#[test]
fn rpub_repeat_delay_spaces_the_publishes() {
    let (outcome, link) = run_rpub(
        &[
            "-t",
            "a",
            "-m",
            "x",
            "--repeat",
            "3",
            "--repeat-delay",
            "0.5",
        ],
        &[],
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        link.sent_times(is_publish),
        [seconds(0.0), seconds(0.5), seconds(1.0)]
    );
    assert_eq!(link.sent_times(is_disconnect), [seconds(1.0)]);
}

#[test]
fn rpub_repeat_delay_counts_from_each_acknowledgement() {
    // QoS 1: the next publish waits for the PUBACK, then for the delay.
    let (outcome, link) = run_rpub(
        &[
            "-t",
            "a",
            "-m",
            "x",
            "-q",
            "1",
            "--repeat",
            "2",
            "--repeat-delay",
            "0.25",
        ],
        &[],
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.sent_times(is_publish), [seconds(0.0), seconds(0.25)]);
}

#[test]
fn a_lost_connection_is_retried_after_the_reconnect_delay_and_subscribes_again() {
    let script = vec![
        (seconds(5.0), Happening::Drop),
        (seconds(6.5), Happening::Message("a", b"after")),
        (seconds(7.0), Happening::Signal),
    ];
    let (outcome, link) = run_rsub(&["-t", "a"], script);
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        link.connects,
        [seconds(0.0), seconds(5.0) + RECONNECT_DELAY]
    );
    assert_eq!(
        link.sent_times(is_subscribe),
        [seconds(0.0), seconds(5.0) + RECONNECT_DELAY]
    );
    assert_eq!(link.output.written(), b"after\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(7.0)]);
}

#[test]
fn rpub_l_reconnects_after_the_delay_and_resends_what_was_not_acknowledged() {
    // The connection drops before the PUBACK came: the message is sent again, with DUP.
    let script = vec![(seconds(0.5), Happening::Drop)];
    let (outcome, link) = run_rpub_with(&["-t", "a", "-l", "-q", "1"], &["one"], script, 1);
    assert_eq!(outcome, Ok(()));
    let reconnected = seconds(0.5) + RECONNECT_DELAY;
    assert_eq!(link.connects, [seconds(0.0), reconnected]);
    let publishes: Vec<_> = link
        .sent
        .iter()
        .filter_map(|(at, packet)| match packet {
            Packet::Publish(publish) => Some((*at, publish.dup, publish.payload.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        publishes,
        [
            (seconds(0.0), false, b"one".to_vec()),
            (reconnected, true, b"one".to_vec())
        ]
    );
    assert_eq!(link.sent_times(is_disconnect), [reconnected]);
}

#[test]
fn rsub_c_ends_after_the_third_printed_message() {
    let script = vec![
        (seconds(1.0), Happening::Message("a", b"m1")),
        (seconds(2.0), Happening::Message("a", b"m2")),
        (seconds(3.0), Happening::Message("a", b"m3")),
        (seconds(4.0), Happening::Message("a", b"m4")),
    ];
    let (outcome, link) = run_rsub(&["-t", "a", "-C", "3"], script);
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"m1\nm2\nm3\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(3.0)]);
}

#[test]
fn rsub_c_counts_only_messages_that_pass_the_filters() {
    // `-T` drops b/x before `-C` counts it.
    let script = vec![
        (seconds(1.0), Happening::Message("a/x", b"m1")),
        (seconds(2.0), Happening::Message("b/x", b"skipped")),
        (seconds(3.0), Happening::Message("a/y", b"m2")),
    ];
    let (outcome, link) = run_rsub(&["-t", "#", "-T", "b/#", "-C", "2"], script);
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"m1\nm2\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(3.0)]);
}

#[test]
fn a_signal_after_connack_disconnects_cleanly_and_exits_0() {
    let (outcome, link) = run_rsub(&["-t", "a"], vec![(seconds(3.0), Happening::Signal)]);
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(3.0)]);
}

#[test]
fn keepalive_pings_follow_the_keepalive_interval() {
    let (outcome, link) = run_rsub(
        &["-t", "a", "-k", "10"],
        vec![(seconds(25.0), Happening::Signal)],
    );
    assert_eq!(outcome, Ok(()));
    let pings = link.sent_times(|packet| matches!(packet, Packet::PingReq));
    assert_eq!(pings, [seconds(10.0), seconds(20.0)]);
}

#[test]
fn rpub_l_delivers_the_lines_read_before_stdin_fails_then_exits_1() {
    // mosquitto_pub 2.0.11 retries the failing read forever at 100% CPU; we deliver what was read,
    // disconnect, and fail with its text and code for stdin that cannot be loaded.
    let Ok(Parsed::Run(config)) = cli::parse_pub("rpub", &args(&["-t", "a", "-l", "-q", "1"]))
    else {
        panic!("not a run");
    };
    let client = Client::new(super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, Vec::new());
    link.connect().expect("connects");
    let mut session = Session::new(link, "", None);
    let input = FailingInput(vec![b"one\ntw".to_vec(), b"o\n".to_vec()].into());
    let outcome = session.run(&mut Publisher::lines(config, input));
    assert_eq!(outcome, Err(exit::stdin_lines_unreadable()));
    let link = session.link;
    assert_eq!(link.sent_times(is_publish).len(), 2);
    assert_eq!(link.sent_times(is_disconnect).len(), 1);
    let disconnect_at = link
        .sent
        .iter()
        .position(|(_, p)| is_disconnect(p))
        .expect("a DISCONNECT");
    assert!(
        link.sent[..disconnect_at]
            .iter()
            .filter(|(_, p)| is_publish(p))
            .count()
            == 2,
        "both lines were published before the DISCONNECT"
    );
}

#[test]
fn the_line_reader_publishes_each_line_in_order() {
    let mut reader = LineReader::new(ScriptedInput(
        vec![b"a\nb".to_vec(), b"c\n\n".to_vec()].into(),
    ));
    let mut lines = Vec::new();
    while let super::input::NextLine::Line(line) = reader.next_line() {
        lines.push(line);
    }
    assert_eq!(lines, [b"a".to_vec(), b"bc".to_vec(), Vec::new()]);
}

/// The topic and payload of every PUBLISH the client sent, with when.
fn publishes(link: &SimLink) -> Vec<(Duration, String, Vec<u8>)> {
    link.sent
        .iter()
        .filter_map(|(at, packet)| match packet {
            Packet::Publish(publish) => Some((*at, publish.topic.clone(), publish.payload.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn rpub_replay_speed_keeps_the_recorded_spacing_divided_by_the_speed() {
    let lines = [
        r#"{"tst":"2026-12-04T09:30:00Z","topic":"a","payload":"one"}"#,
        r#"{"tst":"2026-12-04T09:30:01Z","topic":"b","payload":"two"}"#,
        r#"{"tst":"2026-12-04T09:30:03.5Z","topic":"c","payload":"three"}"#,
    ];
    let (outcome, link) = run_rpub(&["--json-lines", "--replay-speed", "2"], &lines, Vec::new());
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        publishes(&link),
        [
            (seconds(0.0), "a".to_string(), b"one".to_vec()),
            (seconds(0.5), "b".to_string(), b"two".to_vec()),
            (seconds(1.75), "c".to_string(), b"three".to_vec()),
        ]
    );
    assert_eq!(link.sent_times(is_disconnect), [seconds(1.75)]);
}

#[test]
fn rpub_replay_speed_1_replays_in_real_time_and_qos_comes_from_each_line() {
    let lines = [
        r#"{"tst":"2026-12-04T09:30:00Z","topic":"a","qos":1}"#,
        r#"{"tst":"2026-12-04T10:30:00+01:00","topic":"a","qos":2}"#,
        r#"{"tst":"2026-12-04T09:30:02Z","topic":"a"}"#,
    ];
    let (outcome, link) = run_rpub(
        &["--json-lines", "--replay-speed", "1", "-t", "x"],
        &lines,
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    let qos: Vec<_> = link
        .sent
        .iter()
        .filter_map(|(at, packet)| match packet {
            Packet::Publish(publish) => Some((*at, publish.qos)),
            _ => None,
        })
        .collect();
    assert_eq!(
        qos,
        [
            (seconds(0.0), QoS::AtLeastOnce),
            (seconds(0.0), QoS::ExactlyOnce),
            (seconds(2.0), QoS::AtMostOnce),
        ]
    );
}

#[test]
fn rpub_rate_spaces_lines_evenly() {
    let (outcome, link) = run_rpub(
        &["-t", "a", "-l", "--rate", "4"],
        &["1", "2", "3", "4"],
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        link.sent_times(is_publish),
        [seconds(0.0), seconds(0.25), seconds(0.5), seconds(0.75)]
    );
}

#[test]
fn rpub_rate_below_one_per_second_and_with_repeat() {
    let (outcome, link) = run_rpub(
        &["-t", "a", "-m", "x", "--repeat", "3", "--rate", "0.5"],
        &[],
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        link.sent_times(is_publish),
        [seconds(0.0), seconds(2.0), seconds(4.0)]
    );
}

#[test]
fn rpub_rate_caps_a_faster_replay() {
    let lines = [
        r#"{"tst":"2026-12-04T09:30:00Z","payload":"1"}"#,
        r#"{"tst":"2026-12-04T09:30:00.1Z","payload":"2"}"#,
        r#"{"tst":"2026-12-04T09:30:05Z","payload":"3"}"#,
    ];
    let (outcome, link) = run_rpub(
        &[
            "-t",
            "t",
            "--json-lines",
            "--replay-speed",
            "1",
            "--rate",
            "1",
        ],
        &lines,
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        link.sent_times(is_publish),
        [seconds(0.0), seconds(1.0), seconds(5.0)]
    );
}

#[test]
fn rpub_template_numbers_each_repeat() {
    let (outcome, link) = run_rpub(
        &["-t", "a", "-m", "m{n} {{x}}", "--repeat", "3", "--template"],
        &[],
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    let payloads: Vec<_> = publishes(&link).into_iter().map(|(_, _, p)| p).collect();
    assert_eq!(
        payloads,
        [b"m1 {x}".to_vec(), b"m2 {x}".to_vec(), b"m3 {x}".to_vec()]
    );
}

#[test]
fn rpub_topic_separator_publishes_each_line_to_its_topic() {
    let (outcome, link) = run_rpub(
        &["-l", "--topic-separator", "|"],
        &["a/1|x", "b/2|y|z", "c|"],
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    let sent: Vec<_> = publishes(&link)
        .into_iter()
        .map(|(_, topic, payload)| (topic, payload))
        .collect();
    assert_eq!(
        sent,
        [
            ("a/1".to_string(), b"x".to_vec()),
            ("b/2".to_string(), b"y|z".to_vec()),
            ("c".to_string(), Vec::new()),
        ]
    );
}

#[test]
fn a_bad_json_line_stops_the_input_after_what_came_before_is_delivered() {
    let lines = [
        r#"{"topic":"a","payload":"ok","qos":1}"#,
        r#"{"topic":"a/#","payload":"bad"}"#,
        r#"{"topic":"a","payload":"never"}"#,
    ];
    let (outcome, link) = run_rpub(&["--json-lines", "--quiet"], &lines, Vec::new());
    assert_eq!(outcome, Err(exit::bad_input_failure()));
    let payloads: Vec<_> = publishes(&link).into_iter().map(|(_, _, p)| p).collect();
    assert_eq!(payloads, [b"ok".to_vec()]);
    assert_eq!(link.sent_times(is_disconnect).len(), 1);
}

#[test]
fn skip_bad_lines_goes_on_after_a_bad_line() {
    let lines = [
        r#"{"topic":"a","payload":"1"}"#,
        r#"{"topic":"a","payload_base64":"%%"}"#,
        r#"not json"#,
        r#"{"topic":"a","payload":"2"}"#,
    ];
    let (outcome, link) = run_rpub(
        &["--json-lines", "--skip-bad-lines", "--quiet"],
        &lines,
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    let payloads: Vec<_> = publishes(&link).into_iter().map(|(_, _, p)| p).collect();
    assert_eq!(payloads, [b"1".to_vec(), b"2".to_vec()]);
}

#[test]
fn rpub_json_lines_reconnects_and_resends_like_l() {
    // The connection drops before the PUBACK came: after the reconnect the message is sent again
    // with DUP, and the lines after it follow.
    let lines = [
        r#"{"topic":"a","payload":"one","qos":1}"#,
        r#"{"topic":"b","payload":"two","qos":1}"#,
    ];
    let script = vec![(seconds(0.5), Happening::Drop)];
    let (outcome, link) = run_rpub_with(&["--json-lines", "-M", "1"], &lines, script, 1);
    assert_eq!(outcome, Ok(()));
    let reconnected = seconds(0.5) + RECONNECT_DELAY;
    assert_eq!(link.connects, [seconds(0.0), reconnected]);
    let sent: Vec<_> = link
        .sent
        .iter()
        .filter_map(|(at, packet)| match packet {
            Packet::Publish(publish) => Some((*at, publish.dup, publish.topic.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [
            (seconds(0.0), false, "a".to_string()),
            (reconnected, true, "a".to_string()),
            (reconnected, false, "b".to_string()),
        ]
    );
}

// ---- the final write: nothing accepted is lost on a slow link (issue 13, defect 1) ----

/// The payload of a large QoS 0 message, as one argument.
fn large_message(len: usize) -> String {
    "x".repeat(len)
}

fn published_payload_len(link: &SimLink) -> Vec<usize> {
    link.sent
        .iter()
        .filter_map(|(_, packet)| match packet {
            Packet::Publish(publish) => Some(publish.payload.len()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_slow_link_gets_the_whole_message_however_long_it_takes() {
    // 1 MB at 100 kB/s: ten seconds, twice the keepalive and twice the old fixed limit of 5 s.
    let message = large_message(1_000_000);
    let (outcome, link) = run_rpub_on(
        &["-t", "a", "-k", "5", "-m", &message],
        &[],
        Vec::new(),
        |link| {
            link.read_rate = Some(100_000);
        },
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(published_payload_len(&link), [1_000_000]);
    let disconnected = link.sent_times(is_disconnect);
    assert_eq!(disconnected.len(), 1);
    assert!(disconnected[0] >= seconds(10.0), "{disconnected:?}");
}

#[test]
fn a_broker_that_never_reads_is_dead_after_one_keepalive_interval() {
    let message = large_message(100_000);
    // It reads our CONNECT (14 bytes, in 14 µs), then nothing.
    let (outcome, link) = run_rpub_on(
        &["-t", "a", "-k", "5", "-m", &message],
        &[],
        Vec::new(),
        |link| {
            link.read_rate = Some(1_000_000);
            link.read_limit = Some(14);
        },
    );
    assert_eq!(outcome.as_ref().map_err(Failure::exit_code), Err(19));
    assert_eq!(outcome, Err(exit::drain_stalled()));
    assert_eq!(link.elapsed(), Duration::from_micros(14) + seconds(5.0));
    assert!(published_payload_len(&link).is_empty());
}

#[test]
fn a_broker_that_stops_reading_is_dead_one_keepalive_after_the_last_byte_it_took() {
    // 40 kB/s for the first 100 kB (2.5 s), then nothing.
    let message = large_message(300_000);
    let (outcome, link) = run_rpub_on(
        &["-t", "a", "-k", "7", "-m", &message],
        &[],
        Vec::new(),
        |link| {
            link.read_rate = Some(40_000);
            link.read_limit = Some(100_000);
        },
    );
    assert_eq!(outcome, Err(exit::drain_stalled()));
    assert_eq!(link.elapsed(), seconds(2.5) + seconds(7.0));
}

#[test]
fn losing_only_the_disconnect_is_not_an_error() {
    // The broker reads everything but the last byte of our DISCONNECT: the message is complete.
    let (outcome, link) = run_rpub_on(
        &["-t", "a", "-k", "5", "-m", "hi"],
        &[],
        Vec::new(),
        |link| {
            link.read_rate = Some(1_000);
            // CONNECT of this run: 12 + 2 bytes of client id "" = 14; PUBLISH "a" "hi" = 7.
            link.read_limit = Some(14 + 7 + 1);
        },
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(published_payload_len(&link), [2]);
    assert!(link.sent_times(is_disconnect).is_empty());
    assert_eq!(link.elapsed(), seconds(5.0) + seconds(0.022));
}

#[test]
fn the_final_write_gives_up_only_after_a_whole_interval_without_progress() {
    let t0 = Instant::now();
    let mut watch = super::session::DrainWatch::new(5, t0);
    assert_eq!(watch.deadline(), Some(t0 + seconds(5.0)));
    assert!(!watch.is_stalled(t0 + seconds(4.9)));
    watch.progressed(t0 + seconds(4.9));
    assert!(!watch.is_stalled(t0 + seconds(9.8)));
    assert!(watch.is_stalled(t0 + seconds(9.9)));
    // -k 0: nothing decides that the link is dead.
    let forever = super::session::DrainWatch::new(0, t0);
    assert_eq!(forever.deadline(), None);
    assert!(!forever.is_stalled(t0 + seconds(1e6)));
}

// ---- protocol violations end the run (issue 13, defect 6) ----

#[test]
fn rsub_ends_with_exit_2_on_a_malformed_packet_instead_of_reconnecting() {
    // PUBLISH with QoS 3.
    let script = vec![(
        seconds(1.0),
        Happening::Raw(&[0x36, 0x07, 0x00, 0x01, b'a', 0x00, 0x01, b'h', b'i']),
    )];
    let (outcome, link) = run_rsub(&["-t", "a"], script);
    assert_eq!(outcome, Err(exit::protocol_violation()));
    assert_eq!(link.connects, [seconds(0.0)]);
    assert!(
        link.sent_times(is_disconnect).is_empty(),
        "mosquitto_sub sends no DISCONNECT"
    );
    assert_eq!(link.elapsed(), seconds(1.0));
}

#[test]
fn rpub_l_ends_with_exit_2_on_a_protocol_error_instead_of_reconnecting() {
    // A second CONNACK.
    let script = vec![(seconds(0.5), Happening::Raw(&[0x20, 0x02, 0x00, 0x00]))];
    let (outcome, link) = run_rpub_with(&["-t", "a", "-l", "-q", "1"], &["one"], script, 1);
    assert_eq!(outcome, Err(exit::protocol_violation()));
    assert_eq!(link.connects, [seconds(0.0)]);
}

// ---- a stdout nobody reads does not hold up -W or signals (issue 13, defect 4) ----

fn busy_topic() -> Vec<(Duration, Happening)> {
    (1..=20)
        .map(|tenth| {
            (
                seconds(f64::from(tenth) / 10.0),
                Happening::Message("a", b"0123456789"),
            )
        })
        .collect()
}

#[test]
fn rsub_w_ends_on_time_while_stdout_takes_nothing() {
    let (outcome, link) = run_rsub_on(&["-t", "a", "-W", "3"], busy_topic(), |link| {
        link.output = Output::in_memory_stalling_after(15);
    });
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.elapsed(), seconds(3.0));
    assert_eq!(link.sent_times(is_disconnect), [seconds(3.0)]);
    assert_eq!(link.output.written(), b"0123456789\n0123");
}

#[test]
fn a_signal_ends_rsub_at_once_while_stdout_takes_nothing() {
    let mut script = busy_topic();
    script.push((seconds(2.5), Happening::Signal));
    let (outcome, link) = run_rsub_on(&["-t", "a"], script, |link| {
        link.output = Output::in_memory_stalling_after(0);
    });
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.elapsed(), seconds(2.5));
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.5)]);
}

#[test]
fn a_normal_end_writes_everything_stdout_accepted() {
    let (outcome, link) = run_rsub(&["-t", "a", "-C", "20"], busy_topic());
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), "0123456789\n".repeat(20).as_bytes());
}
