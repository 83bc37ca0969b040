//! rpub: connect, publish one message (`-m -n -f -s`, optionally `--repeat`ed) or one per stdin line
//! (`-l`), wait for the acknowledgements, disconnect.
//!
//! MQTT 5 as mosquitto_pub does it: `-D publish` properties on every message (with a topic alias, the
//! messages after the first carry no topic), the assigned client id in the `-d` lines from CONNACK on,
//! the broker's limits (maximum QoS and packet size refuse a message, see `exit.rs` for the texts),
//! `Warning: Publish <mid> failed: ...` for refused messages, a server DISCONNECT ends the run.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::config::{MessageSource, PubConfig};
use crate::exit::{self, Failure};
use crate::net::{Driver, StdinChunk, StdinFeed};
use crate::proto::client::{CommandError, Payload, PublishError};
use crate::proto::codec::{QoS, Version};
use crate::proto::event::{ConnectionError, Event};
use crate::trace;

/// QoS 0 lines are not read further while this many bytes wait to be written to the socket. Small
/// enough that a million lines need no more memory than a thousand (issue 7), large enough that
/// each write still carries over a thousand short messages.
const QOS0_OUTPUT_HIGH_WATER: usize = 16 * 1024;
/// `-l` retries a lost connection after this delay (mosquitto_sub's fixed reconnect delay).
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// How long the final DISCONNECT may take to be written.
const FINISH_LIMIT: Duration = Duration::from_secs(5);

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
    let display_id = trace::display_client_id(&client_id).to_string();
    let driver = super::start(&config.common, client_id, false)?;
    let mode = match single_payload {
        Some(payload) => Mode::Repeat {
            payload: Arc::new(payload),
            remaining: config.repeat.max(1),
            next_at: None,
        },
        None => Mode::Lines(LineReader::new(StdinFeed::start(driver.waker()))),
    };
    let mut publisher = Publisher {
        config,
        display_id,
        driver,
        mode,
        connected: false,
        ever_connected: false,
        reconnect_at: None,
        disconnecting: false,
        ending: None,
        topic_alias_set: false,
    };
    publisher.run()
}

enum Mode {
    /// `-m/-n/-f/-s`: `remaining` more publishes of `payload`; the next one waits for the previous to
    /// complete (and for `next_at` with `--repeat-delay`).
    Repeat {
        /// Shared with the client for every repeat: a large payload is resident once.
        payload: Arc<Vec<u8>>,
        remaining: u32,
        next_at: Option<Instant>,
    },
    /// `-l`.
    Lines(LineReader),
}

struct Publisher {
    config: PubConfig,
    display_id: String,
    driver: Driver,
    mode: Mode,
    connected: bool,
    ever_connected: bool,
    /// `-l` only: the connection was lost; when to try again.
    reconnect_at: Option<Instant>,
    /// DISCONNECT has been requested: publish nothing more.
    disconnecting: bool,
    /// Set once the run's outcome is known; the loop then only flushes and leaves.
    ending: Option<Result<(), Failure>>,
    /// MQTT 5 `-D publish topic-alias`: a message with the topic and the alias was sent on this
    /// connection, so the next ones are sent without the topic.
    topic_alias_set: bool,
}

impl Publisher {
    fn run(&mut self) -> Result<(), Failure> {
        loop {
            self.drain_events();
            if let Some(outcome) = self.ending.take() {
                self.driver.finish(FINISH_LIMIT);
                return outcome;
            }
            if self.connected && self.feed() {
                continue;
            }
            if self.connected && self.waiting_for_socket_room() {
                // QoS 0 lines wait for the output buffer: write it now; if the socket took it all,
                // go on reading stdin instead of waiting for an event that would not come.
                self.driver.write_out();
                if !self.waiting_for_socket_room() {
                    continue;
                }
            }
            if self.reconnect_at.is_some_and(|at| self.driver.now() >= at) {
                self.reconnect();
            }
            let deadline = match &self.mode {
                Mode::Repeat { next_at, .. } => *next_at,
                Mode::Lines(_) => self.reconnect_at,
            };
            if let Err(err) = self.driver.turn(deadline) {
                self.driver.output.flush();
                return Err(super::io_failure(&err));
            }
        }
    }

    fn waiting_for_socket_room(&self) -> bool {
        matches!(self.mode, Mode::Lines(_))
            && self.config.common.qos == QoS::AtMostOnce
            && self.driver.client.pending_output_len() >= QOS0_OUTPUT_HIGH_WATER
    }

    fn drain_events(&mut self) {
        while let Some(event) = self.driver.client.poll_event() {
            if let Some(id) = trace::assigned_client_id(&event) {
                self.display_id = id.to_string();
            }
            if self.config.common.debug {
                trace::event_line(&self.display_id, &event, self.driver.output.buffer());
            }
            match event {
                Event::Connected { .. } => {
                    self.connected = true;
                    self.ever_connected = true;
                    self.topic_alias_set = false;
                }
                Event::Published { .. } => self.message_done(),
                Event::PublishFailed(failure) => {
                    exit::print_error(
                        &mut self.driver.output,
                        &exit::publish_failed_text(&failure),
                        self.config.common.quiet,
                    );
                    // The flow is over: mosquitto_pub goes on (repeats, disconnects) as after a
                    // success, and still exits 0.
                    self.message_done();
                }
                Event::Closed(error) => self.closed(&error),
                _ => {}
            }
        }
    }

    /// A message completed its flow (acknowledged or refused by the broker).
    fn message_done(&mut self) {
        if let Mode::Repeat {
            remaining, next_at, ..
        } = &mut self.mode
        {
            *remaining = remaining.saturating_sub(1);
            if *remaining > 0 && self.config.repeat_delay > Duration::ZERO {
                *next_at = Some(self.driver.now() + self.config.repeat_delay);
            }
        }
    }

    fn closed(&mut self, error: &ConnectionError) {
        self.connected = false;
        if let Some(failure) = self.driver.take_tls_failure() {
            // Reported instead of "The connection was lost.", with mosquitto's exit code for it.
            self.ending.get_or_insert(Err(exit::tls_failure(&failure)));
            return;
        }
        if let Some(disconnect) = self.driver.client.server_disconnect() {
            // An MQTT 5 server said goodbye: final, even with `-l` (mosquitto_pub -l exits 0 then).
            let outcome = match (
                &self.mode,
                exit::publisher_server_disconnect(disconnect.reason_code),
            ) {
                (Mode::Lines(_), _) | (_, None) => Ok(()),
                (Mode::Repeat { .. }, Some(failure)) => Err(failure),
            };
            if self.ending.is_none() {
                self.ending = Some(outcome);
            }
            return;
        }
        let lost = matches!(
            error,
            ConnectionError::Lost
                | ConnectionError::KeepaliveTimeout
                | ConnectionError::Decode(_)
                | ConnectionError::Protocol(_)
        );
        if lost && self.ever_connected && !self.disconnecting && matches!(self.mode, Mode::Lines(_))
        {
            // Unlike mosquitto_pub (which hangs forever here), `-l` reconnects: stdin is not read
            // while the connection is down (back-pressure, nothing is dropped) and the client resends
            // every unacknowledged QoS 1/2 message with DUP=1 after the next CONNACK.
            self.driver.close_stream();
            self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY);
            return;
        }
        let version = self.config.common.version;
        if let ConnectionError::Refused(code) = error {
            exit::print_error(
                &mut self.driver.output,
                &exit::connection_refused_line(version, *code),
                self.config.common.quiet,
            );
        }
        let outcome = match exit::publisher_connection_end(error) {
            None => Ok(()),
            Some(failure) => Err(failure),
        };
        if self.ending.is_none() {
            self.ending = Some(outcome);
        }
    }

    /// Publishes what is due and allowed now; disconnects when everything is done. Returns whether
    /// it did anything (then there may be events to handle before waiting).
    fn feed(&mut self) -> bool {
        if self.ending.is_some() || self.disconnecting || self.driver.client.is_closed() {
            return false;
        }
        let now = self.driver.now();
        match &mut self.mode {
            Mode::Repeat {
                payload,
                remaining,
                next_at,
            } => {
                if *remaining == 0 {
                    self.disconnect();
                    return true;
                }
                // Each publish completes (QoS 0: queued; 1: PUBACK; 2: PUBCOMP) before the next
                // starts, as mosquitto does, so `remaining` counts completions.
                let busy = self.driver.client.inflight_count() > 0;
                if busy || next_at.is_some_and(|at| now < at) {
                    return false;
                }
                *next_at = None;
                let payload = Payload::Shared(Arc::clone(payload));
                self.publish(payload, now);
                true
            }
            Mode::Lines(_) => self.feed_lines(now),
        }
    }

    fn feed_lines(&mut self, now: Instant) -> bool {
        let qos = self.config.common.qos;
        let mut progressed = false;
        loop {
            if self.ending.is_some() || self.disconnecting || self.driver.client.is_closed() {
                return progressed;
            }
            let has_room = if qos == QoS::AtMostOnce {
                self.driver.client.pending_output_len() < QOS0_OUTPUT_HIGH_WATER
            } else {
                self.driver.client.can_publish()
            };
            if !has_room {
                return progressed;
            }
            let Mode::Lines(reader) = &mut self.mode else {
                return progressed;
            };
            match reader.next_line() {
                NextLine::Line(line) => {
                    self.publish(line, now);
                    // Each publish queues events (`Published`, `-d` lines): handle them now rather
                    // than after the burst, or the queue grows with the number of lines.
                    self.drain_events();
                    progressed = true;
                }
                NextLine::Pending => return progressed,
                NextLine::Eof => {
                    if self.driver.client.inflight_count() == 0 {
                        self.disconnect();
                        return true;
                    }
                    return progressed;
                }
                NextLine::Failed => {
                    exit::print_error(
                        &mut self.driver.output,
                        exit::STDIN_LOAD_FAILED,
                        self.config.common.quiet,
                    );
                    self.disconnect();
                    return true;
                }
            }
        }
    }

    fn publish(&mut self, payload: impl Into<Payload>, now: Instant) {
        let common = &self.config.common;
        if common.version != Version::V5 && !self.config.publish_properties.is_empty() {
            // `-D publish` followed by a `-V` back to v3.x: libmosquitto refuses every publish
            // (MOSQ_ERR_NOT_SUPPORTED). mosquitto_pub then disconnects silently (exit 0), or with
            // `-l` leaves its loop at once with the error (no DISCONNECT).
            if matches!(self.mode, Mode::Lines(_)) {
                self.ending
                    .get_or_insert(Err(exit::publish_not_supported_loop_failure()));
            } else {
                self.disconnect();
            }
            return;
        }
        if self.config.topic.is_empty() {
            // libmosquitto refuses an empty topic; mosquitto_pub reports it and disconnects (exit 0).
            exit::print_error(
                &mut self.driver.output,
                exit::INVALID_PUBLISH_INPUT,
                common.quiet,
            );
            self.disconnect();
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
        let result = self.driver.client.publish_with_properties(
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
            if self.ending.is_none() {
                self.ending = Some(Err(failure));
            }
            return;
        }
        if let Some(line) = exit::publish_refused_line(&error) {
            exit::print_error(&mut self.driver.output, line, common.quiet);
        }
        match error {
            PublishError::Command(CommandError::TooLarge)
            | PublishError::QosNotSupported { .. }
            | PublishError::PacketTooLarge { .. } => self.disconnect(),
            // The callers check for room first; nothing is lost if this ever happens: the line is
            // gone only in the impossible case, so it is reported loudly rather than silently.
            PublishError::Command(
                CommandError::NotConnected | CommandError::InflightWindowFull,
            ) => {}
        }
    }

    fn reconnect(&mut self) {
        self.reconnect_at = None;
        if self.driver.connect(&self.config.common.connect).is_err() {
            // Failed attempts are silent, as mosquitto_sub's are; the next one follows shortly.
            self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY);
        }
    }

    fn disconnect(&mut self) {
        if !self.disconnecting && !self.driver.client.is_closed() {
            self.disconnecting = true;
            let now = self.driver.now();
            let properties = self.config.common.disconnect_properties.clone();
            self.driver
                .client
                .disconnect_with_reason(0, properties, now);
        }
    }
}

/// Splits stdin into lines as mosquitto_pub `-l` does: the payload is the line without its `\n` (a
/// `\r` is kept), empty lines are messages too, and a last line without `\n` is still published.
struct LineReader {
    feed: StdinFeed,
    buffer: Vec<u8>,
    start: usize,
    eof: bool,
}

enum NextLine {
    Line(Vec<u8>),
    Pending,
    Eof,
    Failed,
}

impl LineReader {
    fn new(feed: StdinFeed) -> LineReader {
        LineReader {
            feed,
            buffer: Vec::new(),
            start: 0,
            eof: false,
        }
    }

    fn next_line(&mut self) -> NextLine {
        loop {
            let unread = &self.buffer[self.start..];
            if let Some(newline) = unread.iter().position(|&byte| byte == b'\n') {
                let line = unread[..newline].to_vec();
                self.start += newline + 1;
                return NextLine::Line(line);
            }
            if self.eof {
                if unread.is_empty() {
                    return NextLine::Eof;
                }
                let line = unread.to_vec();
                self.start = self.buffer.len();
                return NextLine::Line(line);
            }
            match self.feed.try_next() {
                StdinChunk::Data(chunk) => {
                    self.buffer.drain(..self.start);
                    self.start = 0;
                    if self.buffer.is_empty() {
                        self.buffer = chunk;
                    } else {
                        self.buffer.extend_from_slice(&chunk);
                    }
                }
                StdinChunk::Pending => return NextLine::Pending,
                StdinChunk::Eof => self.eof = true,
                StdinChunk::Failed(_) => return NextLine::Failed,
            }
        }
    }
}

/// Reads the message named by `-f` or `-s` (the `load` of `cli::parse_pub_with`); other sources need
/// no loading.
pub fn load_input(source: &MessageSource) -> Result<Option<Vec<u8>>, Failure> {
    match source {
        MessageSource::File(path) => load_file(path).map(Some),
        MessageSource::StdinWhole => load_stdin().map(Some),
        MessageSource::Message(_) | MessageSource::Null | MessageSource::StdinLines => Ok(None),
    }
}

fn load_file(path: &Path) -> Result<Vec<u8>, Failure> {
    let mut file = std::fs::File::open(path).map_err(|_| exit::input_file_unopenable(path))?;
    // A directory opens fine but has no readable size; mosquitto reports it as too large.
    let metadata = file
        .metadata()
        .map_err(|_| exit::input_file_too_large(path))?;
    if metadata.is_dir() || metadata.len() > exit::MAX_INPUT_LEN as u64 {
        return Err(exit::input_file_too_large(path));
    }
    let mut payload = Vec::with_capacity(metadata.len() as usize);
    file.read_to_end(&mut payload)
        .map_err(|_| exit::input_file_too_large(path))?;
    if payload.len() > exit::MAX_INPUT_LEN {
        return Err(exit::input_file_too_large(path));
    }
    Ok(payload)
}

fn load_stdin() -> Result<Vec<u8>, Failure> {
    let mut payload = Vec::new();
    std::io::stdin()
        .lock()
        .take(exit::MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut payload)
        .map_err(|_| exit::stdin_unreadable())?;
    if payload.len() > exit::MAX_INPUT_LEN {
        return Err(exit::stdin_too_large());
    }
    if payload.is_empty() {
        return Err(exit::stdin_empty());
    }
    Ok(payload)
}
