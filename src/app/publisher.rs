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
use super::session::{AfterLoss, Link, Role, Session, is_lost};
use crate::cli::config::{MessageSource, PubConfig};
use crate::exit::{self, Failure};
use crate::net::{ChunkSource, StdinFeed};
use crate::proto::client::{CommandError, Payload, PublishError};
use crate::proto::codec::{QoS, Version};
use crate::proto::event::{ConnectionError, Event};

/// QoS 0 lines are not read further while this many bytes wait to be written to the socket. Small
/// enough that a million lines need no more memory than a thousand (issue 7), large enough that
/// each write still carries over a thousand short messages.
const QOS0_OUTPUT_HIGH_WATER: usize = 16 * 1024;

/// Runs rpub; `Ok(())` is exit code 0.
pub fn run(mut config: PubConfig) -> Result<(), Failure> {
    // Input is loaded before connecting, as mosquitto does: a missing file never opens a connection.
    // The payload is moved out of the config, not copied (it may be a file of many megabytes).
    let single_payload = match std::mem::replace(&mut config.source, MessageSource::Null) {
        MessageSource::Message(bytes) => Some(bytes),
        MessageSource::Null => Some(Vec::new()),
        MessageSource::File(path) => Some(load_file(&path)?),
        MessageSource::StdinWhole => Some(load_stdin()?),
        MessageSource::StdinLines => None,
    };
    let client_id = super::resolve_client_id(&config.common);
    let mut session = super::start_session(&config.common, &client_id, false)?;
    let started = session.started();
    match single_payload {
        Some(payload) => {
            session.run(&mut Publisher::<StdinFeed>::repeating(config, payload).timed_from(started))
        }
        None => {
            let feed = StdinFeed::start(session.link.driver.waker());
            session.run(&mut Publisher::lines(config, feed).timed_from(started))
        }
    }
}

/// What is published.
enum Mode<S: ChunkSource> {
    /// `-m/-n/-f/-s`: `remaining` more publishes of `payload`; the next one waits for the previous to
    /// complete (and for `next_at` with `--repeat-delay`).
    Repeat {
        /// Shared with the client for every repeat: a large payload is resident once.
        payload: Arc<Vec<u8>>,
        remaining: u32,
        next_at: Option<Instant>,
    },
    /// `-l`.
    Lines(LineReader<S>),
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
        let remaining = config.repeat.max(1);
        Publisher::new(
            config,
            Mode::Repeat {
                payload: Arc::new(payload),
                remaining,
                next_at: None,
            },
        )
    }

    /// `-l`: one message per line of `input`.
    pub fn lines(config: PubConfig, input: S) -> Publisher<S> {
        Publisher::new(config, Mode::Lines(LineReader::new(input)))
    }

    fn new(config: PubConfig, mode: Mode<S>) -> Publisher<S> {
        Publisher {
            config,
            mode,
            phase: Phase::Connecting,
            topic_alias_set: false,
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
        matches!(self.mode, Mode::Lines(_))
            && self.config.common.qos == QoS::AtMostOnce
            && s.client_ref().pending_output_len() >= QOS0_OUTPUT_HIGH_WATER
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
                *next_at = None;
                let payload = Payload::Shared(Arc::clone(payload));
                self.publish(s, payload, now);
                true
            }
            Mode::Lines(_) => self.feed_lines(s, now),
        }
    }

    fn feed_lines<L: Link>(&mut self, s: &mut Session<L>, now: Instant) -> bool {
        let qos = self.config.common.qos;
        let mut progressed = false;
        loop {
            if s.is_leaving() || self.phase == Phase::Disconnecting || s.client_ref().is_closed() {
                return progressed;
            }
            let has_room = if qos == QoS::AtMostOnce {
                s.client_ref().pending_output_len() < QOS0_OUTPUT_HIGH_WATER
            } else {
                s.client_ref().can_publish()
            };
            if !has_room {
                return progressed;
            }
            let Mode::Lines(reader) = &mut self.mode else {
                return progressed;
            };
            match reader.next_line() {
                NextLine::Line(line) => {
                    self.publish(s, line, now);
                    // Each publish queues events (`Published`, `-d` lines): handle them now rather
                    // than after the burst, or the queue grows with the number of lines.
                    s.drain(self);
                    progressed = true;
                }
                NextLine::Pending => return progressed,
                NextLine::Eof => {
                    if s.client_ref().inflight_count() == 0 {
                        self.disconnect(s);
                        return true;
                    }
                    return progressed;
                }
                // The reader returns `Eof` from now on: what was read is delivered as at the end of
                // input, then the run ends with the error (exit 1).
                NextLine::Failed => self.input_failed = true,
                NextLine::TooLong => {
                    // As when a line is refused in `-l` mode: the loop ends, no DISCONNECT.
                    s.finish(Err(exit::line_too_long()));
                    return true;
                }
            }
        }
    }

    fn publish<L: Link>(&mut self, s: &mut Session<L>, payload: impl Into<Payload>, now: Instant) {
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
        if self.config.topic.is_empty() {
            // libmosquitto refuses an empty topic; mosquitto_pub reports it and disconnects (exit 0).
            s.print_error(exit::INVALID_PUBLISH_INPUT, common.quiet);
            self.refused = self.refused.saturating_add(1);
            self.disconnect(s);
            return;
        }
        // mosquitto_pub sends the topic with the first message only once a topic alias is set.
        let uses_alias =
            common.version == Version::V5 && self.config.publish_properties.topic_alias().is_some();
        let topic = if uses_alias && self.topic_alias_set {
            ""
        } else {
            self.config.topic.as_str()
        };
        let result = s.client().publish_with_properties(
            topic,
            payload,
            common.qos,
            self.config.retain,
            self.config.publish_properties.clone(),
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
            Mode::Lines(_) => None,
        };
        super::session::earliest(next, self.timeout_at)
    }
}
