//! rpub: connect, publish one message (`-m -n -f -s`, optionally `--repeat`ed) or one per stdin line
//! (`-l`), wait for the acknowledgements, disconnect.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::cli::config::{MessageSource, PubConfig};
use crate::exit::{self, Failure};
use crate::net::{self, Driver, StdinChunk, StdinFeed};
use crate::proto::client::CommandError;
use crate::proto::codec::{MAX_REMAINING_LENGTH, QoS};
use crate::proto::event::{ConnectionError, Event};
use crate::trace;

/// mosquitto's limit for a message read from a file or stdin.
const MAX_INPUT_LEN: usize = MAX_REMAINING_LENGTH;
/// QoS 0 lines are not read further while this many bytes wait to be written to the socket.
const QOS0_OUTPUT_HIGH_WATER: usize = 256 * 1024;
/// `-l` retries a lost connection after this delay (mosquitto_sub's fixed reconnect delay).
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// How long the final DISCONNECT may take to be written.
const FINISH_LIMIT: Duration = Duration::from_secs(5);

/// Runs rpub; `Ok(())` is exit code 0.
pub fn run(config: PubConfig) -> Result<(), Failure> {
    // Input is loaded before connecting, as mosquitto does: a missing file never opens a connection.
    let single_payload = match &config.source {
        MessageSource::Message(bytes) => Some(bytes.clone()),
        MessageSource::Null => Some(Vec::new()),
        MessageSource::File(path) => Some(load_file(path)?),
        MessageSource::StdinWhole => Some(load_stdin()?),
        MessageSource::StdinLines => None,
    };
    let client_id = super::resolve_client_id(&config.common);
    let display_id = trace::display_client_id(&client_id).to_string();
    let driver = super::start(&config.common, client_id, false)?;
    let mode = match single_payload {
        Some(payload) => Mode::Repeat {
            payload,
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
    };
    publisher.run()
}

enum Mode {
    /// `-m/-n/-f/-s`: `remaining` more publishes of `payload`; the next one waits for the previous to
    /// complete (and for `next_at` with `--repeat-delay`).
    Repeat {
        payload: Vec<u8>,
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
            if self.config.common.debug {
                trace::event_line(&self.display_id, &event, self.driver.output.buffer());
            }
            match event {
                Event::Connected { .. } => {
                    self.connected = true;
                    self.ever_connected = true;
                }
                Event::Published { .. } => {
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
                Event::Closed(error) => self.closed(&error),
                _ => {}
            }
        }
    }

    fn closed(&mut self, error: &ConnectionError) {
        self.connected = false;
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
        if let ConnectionError::Refused(code) = error {
            exit::print_error(
                &mut self.driver.output,
                &exit::connack_refused_line(*code),
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
                let payload = if *remaining == 1 {
                    std::mem::take(payload)
                } else {
                    payload.clone()
                };
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
                        "Error loading input from stdin.",
                        self.config.common.quiet,
                    );
                    self.disconnect();
                    return true;
                }
            }
        }
    }

    fn publish(&mut self, payload: Vec<u8>, now: Instant) {
        let common = &self.config.common;
        if self.config.topic.is_empty() {
            // libmosquitto refuses an empty topic; mosquitto_pub reports it and disconnects (exit 0).
            exit::print_error(
                &mut self.driver.output,
                "Error: Invalid input. Does your topic contain '+' or '#'?",
                common.quiet,
            );
            self.disconnect();
            return;
        }
        let result = self.driver.client.publish(
            &self.config.topic,
            payload,
            common.qos,
            self.config.retain,
            now,
        );
        match result {
            Ok(_) => {}
            Err(CommandError::TooLarge) => {
                exit::print_error(
                    &mut self.driver.output,
                    "Error: Message payload is too large.",
                    common.quiet,
                );
                self.disconnect();
            }
            Err(CommandError::NotConnected) => {
                exit::print_error(
                    &mut self.driver.output,
                    "Error: Client not connected when trying to publish.",
                    common.quiet,
                );
            }
            // The callers check for room first; nothing is lost if this ever happens: the line is gone
            // only in the impossible case, so report it loudly rather than silently.
            Err(CommandError::InflightWindowFull) => {
                exit::print_error(
                    &mut self.driver.output,
                    "Error: Out of memory when trying to publish message.",
                    common.quiet,
                );
            }
        }
    }

    fn reconnect(&mut self) {
        self.reconnect_at = None;
        let attached = match net::open_stream(&self.config.common) {
            Ok(stream) => self.driver.attach(stream).is_ok(),
            Err(_) => false,
        };
        if !attached {
            // Failed attempts are silent, as mosquitto_sub's are; the next one follows shortly.
            self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY);
        }
    }

    fn disconnect(&mut self) {
        if !self.disconnecting && !self.driver.client.is_closed() {
            self.disconnecting = true;
            let now = self.driver.now();
            self.driver.client.disconnect(now);
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

/// Reads the message named by `-f` or `-s` (for `cli::parse_pub_loading_input`); other sources need
/// no loading.
pub fn load_input(source: &MessageSource) -> Result<Option<Vec<u8>>, Failure> {
    match source {
        MessageSource::File(path) => load_file(path).map(Some),
        MessageSource::StdinWhole => load_stdin().map(Some),
        MessageSource::Message(_) | MessageSource::Null | MessageSource::StdinLines => Ok(None),
    }
}

fn load_file(path: &Path) -> Result<Vec<u8>, Failure> {
    let shown = path.display();
    let loading_failed = format!("Error loading input file \"{shown}\".\n");
    let mut file = std::fs::File::open(path).map_err(|_| Failure::Runtime {
        text: format!("Error: Unable to open file \"{shown}\".\n{loading_failed}"),
        code: 1,
    })?;
    let too_large = || Failure::Runtime {
        text: format!("Error: File must be less than {MAX_INPUT_LEN} bytes.\n\n{loading_failed}"),
        code: 1,
    };
    // A directory opens fine but has no readable size; mosquitto reports it as too large.
    let metadata = file.metadata().map_err(|_| too_large())?;
    if metadata.is_dir() || metadata.len() > MAX_INPUT_LEN as u64 {
        return Err(too_large());
    }
    let mut payload = Vec::with_capacity(metadata.len() as usize);
    file.read_to_end(&mut payload).map_err(|_| too_large())?;
    if payload.len() > MAX_INPUT_LEN {
        return Err(too_large());
    }
    Ok(payload)
}

fn load_stdin() -> Result<Vec<u8>, Failure> {
    let loading_failed = "Error loading input from stdin.\n";
    let mut payload = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut payload)
        .map_err(|_| Failure::Runtime {
            text: loading_failed.to_string(),
            code: 1,
        })?;
    if payload.len() > MAX_INPUT_LEN {
        return Err(Failure::Runtime {
            text: format!(
                "Error: Message length must be less than {MAX_INPUT_LEN} bytes.\n\n{loading_failed}"
            ),
            code: 1,
        });
    }
    if payload.is_empty() {
        return Err(Failure::Runtime {
            text: format!("Error: Zero length input.\n{loading_failed}"),
            code: 1,
        });
    }
    Ok(payload)
}
