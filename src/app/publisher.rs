//! rpub: connect, publish one message (`-m -n -f -s`, optionally `--repeat`ed) or one per stdin line
//! (`-l`), wait for the acknowledgements, disconnect.
//!
//! MQTT 5 as mosquitto_pub does it: `-D publish` properties on every message (with a topic alias, the
//! messages after the first carry no topic), the assigned client id in the `-d` lines from CONNACK on,
//! the broker's limits (maximum QoS and packet size refuse a message, see `exit.rs` for the texts),
//! `Warning: Publish <mid> failed: ...` for refused messages, a server DISCONNECT ends the run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::input::{LineReader, NextLine, load_file, load_stdin};
use super::json_input::{LineError, Outgoing, parse_json_line, split_topic_line};
use super::pacing::Pacer;
use super::session::{AfterLoss, Link, Role, Session, is_lost};
use super::subscriber::Random;
use super::template::Template;
use crate::cli::config::{MessageSource, PubConfig};
use crate::exit::{self, Failure};
use crate::net::{ChunkSource, StdinFeed};
use crate::output::Clock as _;
use crate::output::SystemClock;
use crate::proto::client::{CommandError, Payload, PublishError};
use crate::proto::codec::{QoS, Version};
use crate::proto::event::{ConnectionError, Event};
use crate::tool::Tool;

/// QoS 0 lines are not read further while this many bytes wait to be written to the socket. Small
/// enough that a million lines need no more memory than a thousand (issue 7), large enough that
/// each write still carries over a thousand short messages.
const QOS0_OUTPUT_HIGH_WATER: usize = 16 * 1024;

/// `--json-lines` reads stdin in chunks of this size (see `StdinFeed::start_with_chunk`).
const JSON_STDIN_CHUNK: usize = 32 * 1024;

/// Runs rpub; `Ok(())` is exit code 0.
pub fn run(mut config: PubConfig) -> Result<(), Failure> {
    // Input is loaded before connecting, as mosquitto does: a missing file never opens a connection.
    // The payload is moved out of the config, not copied (it may be a file of many megabytes).
    // Built before the source is taken out of the config, and only for `--trace`.
    let options = config
        .common
        .trace
        .is_some()
        .then(|| trace_options(&config));
    let source = std::mem::replace(&mut config.source, MessageSource::Null);
    let kind = match &source {
        MessageSource::JsonLines => Some(LineKind::Json),
        MessageSource::StdinLines => Some(match &config.topic_separator {
            Some(separator) => LineKind::Split(separator.clone()),
            None => LineKind::Plain,
        }),
        _ => None,
    };
    let single_payload = match source {
        MessageSource::Message(bytes) => Some(bytes),
        MessageSource::Null => Some(Vec::new()),
        MessageSource::File(path) => Some(load_file(&path)?),
        MessageSource::StdinWhole => Some(load_stdin()?),
        MessageSource::StdinLines | MessageSource::JsonLines => None,
    };
    // A bad template is refused before connecting, like a missing file.
    let template = match (&single_payload, config.template) {
        (Some(payload), true) => {
            Some(Template::parse(payload).map_err(|err| exit::template_failure(&err))?)
        }
        _ => None,
    };
    let client_id = super::resolve_client_id(&config.common);
    let mut session = super::start_session(&config.common, &client_id, false, Tool::Pub, || {
        options.unwrap_or_default()
    })?;
    let started = session.started();
    let outcome = match (single_payload, kind) {
        (Some(payload), _) => {
            let publisher = Publisher::<StdinFeed>::repeating_with(
                config,
                payload,
                template,
                Random::from_clock(),
            );
            session.run(&mut publisher.timed_from(started))
        }
        (None, kind) => {
            let kind = kind.unwrap_or(LineKind::Plain);
            let waker = session.link.driver.waker();
            let feed = match kind {
                LineKind::Json => StdinFeed::start_with_chunk(waker, JSON_STDIN_CHUNK),
                LineKind::Plain | LineKind::Split(_) => StdinFeed::start(waker),
            };
            session.run(&mut Publisher::reading(config, feed, kind).timed_from(started))
        }
    };
    session.record_outcome(&outcome);
    outcome
}

/// rpub's own options, for the first line of `--trace`.
fn trace_options(config: &PubConfig) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut options = serde_json::Map::new();
    let source = match &config.source {
        MessageSource::Message(_) => "message",
        MessageSource::Null => "null",
        MessageSource::File(_) => "file",
        MessageSource::StdinWhole => "stdin",
        MessageSource::StdinLines => "lines",
        MessageSource::JsonLines => "json-lines",
    };
    options.insert("topic".into(), json!(config.topic));
    options.insert("source".into(), json!(source));
    options.insert("retain".into(), json!(config.retain));
    options.insert("repeat".into(), json!(config.repeat));
    options.insert(
        "repeat_delay".into(),
        json!(config.repeat_delay.as_secs_f64()),
    );
    options.insert(
        "rate_interval".into(),
        json!(config.rate_interval.map(|interval| interval.as_secs_f64())),
    );
    options.insert(
        "replay_speed".into(),
        json!(config.replay_speed.map(|speed| speed.factor)),
    );
    options.insert("skip_bad_lines".into(), json!(config.skip_bad_lines));
    options.insert("template".into(), json!(config.template));
    options
}

/// How stdin lines become messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// `-l`: the line is the payload.
    Plain,
    /// `-l --topic-separator SEP`: `TOPIC SEP PAYLOAD`.
    Split(Vec<u8>),
    /// `--json-lines`.
    Json,
}

/// stdin read line by line, with the line read but not yet published.
struct LineInput<S: ChunkSource> {
    reader: LineReader<S>,
    kind: LineKind,
    /// Lines read so far (the number of the last one).
    number: u64,
    /// Read, waiting for room in the window or for its time.
    pending: Option<Line>,
    /// No more lines are read: end of input, or a bad line ended the reading.
    done: bool,
}

/// One line to publish: a plain `-l` line is its payload alone (kept apart from [`Outgoing`], which
/// `-l` does not need: the common stream stays as cheap as before `--json-lines` existed).
enum Line {
    Payload(Vec<u8>),
    Message(Outgoing),
}

impl Line {
    fn qos(&self) -> Option<QoS> {
        match self {
            Line::Payload(_) => None,
            Line::Message(message) => message.qos,
        }
    }

    fn tst_micros(&self) -> Option<i64> {
        match self {
            Line::Payload(_) => None,
            Line::Message(message) => message.tst_micros,
        }
    }
}

/// What reading the next line gave.
enum Read {
    Message(Line),
    Bad(u64, LineError),
    Pending,
    Eof,
    Failed,
    TooLong,
}

/// What is published.
enum Mode<S: ChunkSource> {
    /// `-m/-n/-f/-s`: `remaining` more publishes of `payload`; the next one waits for the previous to
    /// complete (and for `next_at` with `--repeat-delay`).
    Repeat {
        /// Shared with the client for every repeat: a large payload is resident once.
        payload: Arc<Vec<u8>>,
        /// `--template`: each message is expanded from it instead.
        template: Option<Template>,
        /// Messages published so far (`{n}` of the next one is this plus one).
        published: u64,
        remaining: u32,
        next_at: Option<Instant>,
    },
    /// `-l` and `--json-lines`.
    Lines(LineInput<S>),
}

/// Where the publisher is in its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for CONNACK (the first connection, or again after a reconnect of `-l`).
    Connecting,
    /// CONNACK accepted: publishing what is due.
    Publishing,
    /// Our DISCONNECT is queued: nothing more is published.
    Disconnecting,
    /// The connection ended and the run with it.
    Closed,
}

/// rpub's role in the session loop.
pub struct Publisher<S: ChunkSource> {
    config: PubConfig,
    mode: Mode<S>,
    phase: Phase,
    /// MQTT 5 `-D publish topic-alias`: a message with the topic and the alias was sent on this
    /// connection, so the next ones are sent without the topic.
    topic_alias_set: bool,
    /// `--rate` and `--replay-speed`.
    pacer: Pacer,
    /// When the pending line is due (paced).
    wake_at: Option<Instant>,
    /// A bad line ended the input: the run ends with this once the connection is closed.
    input_failure: Option<Failure>,
    /// For `--template`'s `{rand}` and `{uuid}`.
    random: Random,
    /// `-l`: reading stdin failed. The lines read before are delivered, then the run fails.
    input_failed: bool,
    /// `--timeout`: the run must be over by then.
    timeout_at: Option<Instant>,
    /// Messages whose flow completed (acknowledged, refused or, at QoS 0, written).
    completed: u64,
    /// Messages the broker (or its limits) refused: `--strict` fails the run for them.
    refused: u64,
}

impl<S: ChunkSource> Publisher<S> {
    /// `-m/-n/-f/-s`: `payload`, `--repeat` times.
    pub fn repeating(config: PubConfig, payload: Vec<u8>) -> Publisher<S> {
        Publisher::repeating_with(config, payload, None, Random::seeded(1))
    }

    /// `-m/-n/-f/-s`, `--repeat` times, expanded from `template` when there is one.
    pub fn repeating_with(
        config: PubConfig,
        payload: Vec<u8>,
        template: Option<Template>,
        random: Random,
    ) -> Publisher<S> {
        let remaining = config.repeat.max(1);
        let mut publisher = Publisher::new(
            config,
            Mode::Repeat {
                payload: Arc::new(payload),
                template,
                published: 0,
                remaining,
                next_at: None,
            },
        );
        publisher.random = random;
        publisher
    }

    /// `-l`: one message per line of `input`.
    pub fn lines(config: PubConfig, input: S) -> Publisher<S> {
        let kind = match &config.topic_separator {
            Some(separator) => LineKind::Split(separator.clone()),
            None => LineKind::Plain,
        };
        Publisher::reading(config, input, kind)
    }

    /// One message per line of `input`, read as `kind` says.
    pub fn reading(config: PubConfig, input: S, kind: LineKind) -> Publisher<S> {
        Publisher::reading_lines(config, LineReader::new(input), kind)
    }

    /// [`Publisher::reading`] with lines of at most `limit` bytes (the largest payload otherwise;
    /// tests use small limits).
    #[cfg(test)]
    pub fn reading_limited(
        config: PubConfig,
        input: S,
        kind: LineKind,
        limit: usize,
    ) -> Publisher<S> {
        Publisher::reading_lines(config, LineReader::with_limit(input, limit), kind)
    }

    fn reading_lines(config: PubConfig, reader: LineReader<S>, kind: LineKind) -> Publisher<S> {
        Publisher::new(
            config,
            Mode::Lines(LineInput {
                reader,
                kind,
                number: 0,
                pending: None,
                done: false,
            }),
        )
    }

    fn new(config: PubConfig, mode: Mode<S>) -> Publisher<S> {
        let pacer = Pacer::new(
            config.rate_interval,
            config.replay_speed.map(|speed| speed.factor),
        );
        Publisher {
            config,
            mode,
            phase: Phase::Connecting,
            topic_alias_set: false,
            pacer,
            wake_at: None,
            input_failure: None,
            random: Random::seeded(1),
            input_failed: false,
            timeout_at: None,
            completed: 0,
            refused: 0,
        }
    }

    /// `--timeout` counts from `started`, the first connection attempt.
    pub fn timed_from(mut self, started: Instant) -> Publisher<S> {
        self.timeout_at = self.config.common.ci.timeout.map(|limit| started + limit);
        self
    }

    /// A run that ends well in mosquitto's terms: with `--strict`, refused messages fail it.
    fn success(&self) -> Result<(), Failure> {
        if self.config.common.ci.strict && self.refused > 0 {
            Err(exit::ci::strict_publish_refused(self.refused))
        } else {
            Ok(())
        }
    }

    /// `--timeout` ran out: disconnect if connected, and end with exit 27 saying how far it got.
    fn time_is_up<L: Link>(&mut self, s: &mut Session<L>) {
        let limit = self.config.common.ci.timeout.unwrap_or_default();
        let progress = if s.client_ref().is_connected() {
            exit::ci::PublishProgress::Publishing {
                done: self.completed,
                waiting: s.client_ref().inflight_count(),
            }
        } else {
            exit::ci::PublishProgress::Connecting
        };
        let failure = exit::ci::publish_timed_out(limit, progress);
        if s.client_ref().is_connected() {
            self.disconnect(s);
            s.finish(Err(failure));
        } else {
            s.abort(Err(failure));
        }
    }

    /// CONNACK accepted the current connection (and no end of it has been handled yet).
    fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Publishing | Phase::Disconnecting)
    }

    fn waiting_for_socket_room<L: Link>(&self, s: &Session<L>) -> bool {
        let Mode::Lines(input) = &self.mode else {
            return false;
        };
        let qos = input
            .pending
            .as_ref()
            .and_then(Line::qos)
            .unwrap_or(self.config.common.qos);
        qos == QoS::AtMostOnce && s.client_ref().pending_output_len() >= QOS0_OUTPUT_HIGH_WATER
    }

    /// A message completed its flow (acknowledged or refused by the broker).
    fn message_done(&mut self, now: Instant) {
        self.completed = self.completed.saturating_add(1);
        if let Mode::Repeat {
            remaining, next_at, ..
        } = &mut self.mode
        {
            *remaining = remaining.saturating_sub(1);
            if *remaining > 0 && self.config.repeat_delay > Duration::ZERO {
                *next_at = Some(now + self.config.repeat_delay);
            }
        }
    }

    fn closed<L: Link>(&mut self, s: &mut Session<L>, error: &ConnectionError) {
        let was_disconnecting = self.phase == Phase::Disconnecting;
        self.phase = Phase::Closed;
        if let Some(failure) = s.take_tls_failure() {
            // Reported instead of "The connection was lost.", with mosquitto's exit code for it.
            s.finish(Err(exit::tls_failure(&failure)));
            return;
        }
        if let Some(failure) = s.take_final_ws_failure() {
            // The same for a failed WebSocket upgrade or a server breaking the framing.
            s.finish(Err(exit::ws_failure(&failure)));
            return;
        }
        if was_disconnecting && let Some(failure) = self.input_failure.take() {
            // A bad line ended the input; what came before it is delivered.
            s.finish(Err(failure));
            return;
        }
        if let Some(disconnect) = s.client_ref().server_disconnect() {
            // An MQTT 5 server said goodbye: final, even with `-l` (mosquitto_pub -l exits 0 then).
            let outcome = match (
                &self.mode,
                exit::publisher_server_disconnect(disconnect.reason_code),
            ) {
                (Mode::Lines(_), _) | (_, None) => self.success(),
                (Mode::Repeat { .. }, Some(failure)) => Err(failure),
            };
            s.finish(outcome);
            return;
        }
        if is_lost(error) && s.ever_connected() && !was_disconnecting {
            // Unlike mosquitto_pub (which hangs forever here), `-l` reconnects: stdin is not read
            // while the connection is down (back-pressure, nothing is dropped) and the client resends
            // every unacknowledged QoS 1/2 message with DUP=1 after the next CONNACK. `--reconnect`
            // chooses for every mode.
            match s.reconnect_after_loss(matches!(self.mode, Mode::Lines(_))) {
                AfterLoss::Reconnecting => {
                    self.phase = Phase::Connecting;
                    return;
                }
                AfterLoss::Stop { failed_attempts } if failed_attempts > 0 => {
                    s.finish(Err(exit::ci::connection_lost(failed_attempts)));
                    return;
                }
                AfterLoss::Stop { .. } => {}
            }
        }
        let version = self.config.common.version;
        if let ConnectionError::Refused(code) = error {
            s.print_error(
                &exit::connection_refused_line(version, *code),
                self.config.common.quiet,
            );
        }
        let outcome = match exit::publisher_connection_end(error) {
            None if self.input_failed => Err(exit::stdin_lines_unreadable()),
            None => self.success(),
            Some(failure) => Err(failure),
        };
        s.finish(outcome);
    }

    /// Publishes what is due and allowed now; disconnects when everything is done. Returns whether
    /// it did anything (then there may be events to handle before waiting).
    fn feed<L: Link>(&mut self, s: &mut Session<L>) -> bool {
        if s.is_leaving() || self.phase == Phase::Disconnecting || s.client_ref().is_closed() {
            return false;
        }
        let now = s.now();
        match &mut self.mode {
            Mode::Repeat {
                payload,
                template,
                published,
                remaining,
                next_at,
            } => {
                if *remaining == 0 {
                    self.disconnect(s);
                    return true;
                }
                // Each publish completes (QoS 0: queued; 1: PUBACK; 2: PUBCOMP) before the next
                // starts, as mosquitto does, so `remaining` counts completions.
                let busy = s.client_ref().inflight_count() > 0;
                if busy || next_at.is_some_and(|at| now < at) {
                    return false;
                }
                // `--rate`: not before its interval since the last publish.
                if let Some(due) = self.pacer.due(None)
                    && now < due
                {
                    *next_at = Some(due);
                    return false;
                }
                *next_at = None;
                *published += 1;
                let payload = match template {
                    Some(template) => {
                        let mut bytes = Vec::new();
                        let random = &mut self.random;
                        template.expand(
                            *published,
                            SystemClock.now(),
                            &mut || random.next_u64(),
                            &mut bytes,
                        );
                        Payload::Owned(bytes)
                    }
                    None => Payload::Shared(Arc::clone(payload)),
                };
                self.pacer.sent(None, now);
                self.publish(s, None, payload, now);
                true
            }
            Mode::Lines(_) => self.feed_lines(s, now),
        }
    }

    fn feed_lines<L: Link>(&mut self, s: &mut Session<L>, now: Instant) -> bool {
        let mut progressed = false;
        loop {
            if s.is_leaving() || self.phase == Phase::Disconnecting || s.client_ref().is_closed() {
                return progressed;
            }
            let message = match self.next_message() {
                Read::Message(message) => message,
                Read::Pending => return progressed,
                Read::Eof => {
                    if s.client_ref().inflight_count() == 0 {
                        self.disconnect(s);
                        return true;
                    }
                    return progressed;
                }
                // The reader returns `Eof` from now on: what was read is delivered as at the end of
                // input, then the run ends with the error (exit 1).
                Read::Failed => {
                    self.input_failed = true;
                    continue;
                }
                Read::TooLong => {
                    // As when a line is refused in `-l` mode: the loop ends, no DISCONNECT.
                    s.finish(Err(exit::line_too_long()));
                    return true;
                }
                Read::Bad(number, error) => {
                    s.print_error(
                        &exit::bad_input_line(number, &error),
                        self.config.common.quiet,
                    );
                    if !self.config.skip_bad_lines {
                        // Stop reading; what was published before is still delivered.
                        self.input_failure = Some(exit::bad_input_failure());
                        if let Mode::Lines(input) = &mut self.mode {
                            input.done = true;
                        }
                    }
                    progressed = true;
                    continue;
                }
            };
            let qos = message.qos().unwrap_or(self.config.common.qos);
            let has_room = if qos == QoS::AtMostOnce {
                s.client_ref().pending_output_len() < QOS0_OUTPUT_HIGH_WATER
            } else {
                s.client_ref().can_publish()
            };
            let tst = message.tst_micros();
            let due = self.pacer.due(tst).filter(|due| now < *due);
            if !has_room || due.is_some() {
                self.wake_at = due;
                if let Mode::Lines(input) = &mut self.mode {
                    input.pending = Some(message);
                }
                return progressed;
            }
            self.wake_at = None;
            match message {
                Line::Payload(payload) => self.publish(s, None, Payload::Owned(payload), now),
                Line::Message(mut message) => {
                    let payload = Payload::Owned(std::mem::take(&mut message.payload));
                    self.publish(s, Some(&message), payload, now);
                }
            }
            self.pacer.sent(tst, now);
            // Each publish queues events (`Published`, `-d` lines): handle them now rather
            // than after the burst, or the queue grows with the number of lines.
            s.drain(self);
            progressed = true;
        }
    }

    /// The pending message, or the next line read as a message.
    fn next_message(&mut self) -> Read {
        let has_topic = !self.config.topic.is_empty();
        let Mode::Lines(input) = &mut self.mode else {
            return Read::Eof;
        };
        if let Some(message) = input.pending.take() {
            return Read::Message(message);
        }
        if input.done {
            return Read::Eof;
        }
        let line = match input.reader.next_line() {
            NextLine::Line(line) => line,
            NextLine::Pending => return Read::Pending,
            NextLine::Eof => {
                input.done = true;
                return Read::Eof;
            }
            NextLine::Failed => return Read::Failed,
            NextLine::TooLong => return Read::TooLong,
        };
        input.number += 1;
        let message = match &input.kind {
            LineKind::Plain => return Read::Message(Line::Payload(line)),
            LineKind::Split(separator) => split_topic_line(line, separator, has_topic),
            LineKind::Json => parse_json_line(&line).and_then(|message| {
                if message.topic.is_none() && !has_topic {
                    Err(LineError::NoTopic)
                } else {
                    Ok(message)
                }
            }),
        };
        match message {
            Ok(message) => Read::Message(Line::Message(message)),
            Err(error) => Read::Bad(input.number, error),
        }
    }

    /// Publishes `payload` with the topic, QoS, retain flag and properties of `message` (each
    /// defaulting to the command line's; `None`: all of them the command line's).
    fn publish<L: Link>(
        &mut self,
        s: &mut Session<L>,
        message: Option<&Outgoing>,
        payload: Payload,
        now: Instant,
    ) {
        let common = &self.config.common;
        if common.version != Version::V5 && !self.config.publish_properties.is_empty() {
            // `-D publish` followed by a `-V` back to v3.x: libmosquitto refuses every publish
            // (MOSQ_ERR_NOT_SUPPORTED). mosquitto_pub then disconnects silently (exit 0), or with
            // `-l` leaves its loop at once with the error (no DISCONNECT).
            if matches!(self.mode, Mode::Lines(_)) {
                s.finish(Err(exit::publish_not_supported_loop_failure()));
            } else {
                self.disconnect(s);
            }
            return;
        }
        let own_topic = message.and_then(|m| m.topic.as_deref());
        let topic = own_topic.unwrap_or(&self.config.topic);
        if topic.is_empty() {
            // libmosquitto refuses an empty topic; mosquitto_pub reports it and disconnects (exit 0).
            s.print_error(exit::INVALID_PUBLISH_INPUT, common.quiet);
            self.refused = self.refused.saturating_add(1);
            self.disconnect(s);
            return;
        }
        // mosquitto_pub sends the topic with the first message only once a topic alias is set
        // (only for the `-t` topic: a line with a topic of its own always sends it).
        let uses_alias = common.version == Version::V5
            && own_topic.is_none()
            && self.config.publish_properties.topic_alias().is_some();
        let topic = if uses_alias && self.topic_alias_set {
            ""
        } else {
            topic
        };
        let mut properties = self.config.publish_properties.clone();
        if let Some(message) = message {
            for property in message.properties.iter() {
                properties.push(property.clone());
            }
        }
        let result = s.client().publish_with_properties(
            topic,
            payload,
            message.and_then(|m| m.qos).unwrap_or(common.qos),
            message.and_then(|m| m.retain).unwrap_or(self.config.retain),
            properties,
            now,
        );
        let error = match result {
            Ok(_) => {
                self.topic_alias_set = uses_alias;
                return;
            }
            Err(error) => error,
        };
        if matches!(self.mode, Mode::Lines(_))
            && let Some(failure) = exit::publish_loop_failure(&error)
        {
            // mosquitto_pub -l leaves its loop at once: no DISCONNECT.
            s.finish(Err(failure));
            return;
        }
        if let Some(line) = exit::publish_refused_line(&error) {
            s.print_error(line, common.quiet);
        }
        self.refused = self.refused.saturating_add(1);
        match error {
            PublishError::Command(CommandError::TooLarge)
            | PublishError::QosNotSupported { .. }
            | PublishError::PacketTooLarge { .. } => self.disconnect(s),
            // The callers check for room first; nothing is lost if this ever happens: the line is
            // gone only in the impossible case, so it is reported loudly rather than silently.
            PublishError::Command(
                CommandError::NotConnected | CommandError::InflightWindowFull,
            ) => {}
        }
    }

    fn disconnect<L: Link>(&mut self, s: &mut Session<L>) {
        if self.phase != Phase::Disconnecting && !s.client_ref().is_closed() {
            self.phase = Phase::Disconnecting;
            let now = s.now();
            let properties = self.config.common.disconnect_properties.clone();
            s.client().disconnect_with_reason(0, properties, now);
        }
    }
}

impl<S: ChunkSource> Role for Publisher<S> {
    fn on_event<L: Link>(&mut self, s: &mut Session<L>, event: Event) {
        match event {
            Event::Connected { .. } => {
                self.phase = Phase::Publishing;
                self.topic_alias_set = false;
            }
            Event::Published { .. } => self.message_done(s.now()),
            Event::PublishFailed(failure) => {
                s.print_error(
                    &exit::publish_failed_text(&failure),
                    self.config.common.quiet,
                );
                // The flow is over: mosquitto_pub goes on (repeats, disconnects) as after a
                // success, and still exits 0 (not with --strict).
                self.refused = self.refused.saturating_add(1);
                self.message_done(s.now());
            }
            Event::Closed(error) => self.closed(s, &error),
            _ => {}
        }
    }

    fn poll<L: Link>(&mut self, s: &mut Session<L>) -> bool {
        if self.timeout_at.is_some_and(|at| s.now() >= at) && !s.is_leaving() {
            self.timeout_at = None;
            self.time_is_up(s);
            return true;
        }
        if self.is_connected() && self.feed(s) {
            return true;
        }
        if self.is_connected() && self.waiting_for_socket_room(s) {
            // QoS 0 lines wait for the output buffer: write it now; if the socket took it all, go
            // on reading stdin instead of waiting for an event that would not come.
            s.link.write_out();
            if !self.waiting_for_socket_room(s) {
                return true;
            }
        }
        false
    }

    fn deadline(&self) -> Option<Instant> {
        let next = match &self.mode {
            Mode::Repeat { next_at, .. } => *next_at,
            Mode::Lines(_) => self.wake_at,
        };
        super::session::earliest(next, self.timeout_at)
    }
}
