//! rsub: connect, subscribe to every `-t` filter in one SUBSCRIBE, print messages until `-C`, `-E`,
//! `-W` or the end of the connection; reconnect silently after a lost connection as mosquitto_sub does.

use std::time::{Duration, Instant};

use crate::cli::config::SubConfig;
use crate::exit::{self, Failure};
use crate::net::{self, Driver};
use crate::proto::event::{ConnectionError, Event, Message};
use crate::trace;

/// mosquitto_sub retries a lost connection after this fixed delay.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// How long the final DISCONNECT may take to be written.
const FINISH_LIMIT: Duration = Duration::from_secs(5);
/// SUBACK return codes at or above this mean "subscription refused".
const SUBACK_FAILURE: u8 = 0x80;

/// Runs rsub; `Ok(())` is exit code 0.
pub fn run(config: SubConfig) -> Result<(), Failure> {
    let client_id = super::resolve_client_id(&config.common);
    let display_id = trace::display_client_id(&client_id).to_string();
    let driver = super::start(&config.common, client_id, true)?;
    // mosquitto arms the -W alarm right after the TCP connection is made, before CONNACK.
    let timeout_at = config
        .timeout
        .map(|seconds| driver.now() + Duration::from_secs(u64::from(seconds)));
    let mut subscriber = Subscriber {
        config,
        display_id,
        driver,
        timeout_at,
        reconnect_at: None,
        ever_connected: false,
        printed: 0,
        stop_printing: false,
        after_disconnect: None,
        finished: false,
    };
    subscriber.run()
}

struct Subscriber {
    config: SubConfig,
    display_id: String,
    driver: Driver,
    timeout_at: Option<Instant>,
    /// Set while the connection is down: when to try again.
    reconnect_at: Option<Instant>,
    ever_connected: bool,
    printed: u32,
    /// An end condition was reached: messages still arriving are traced but not printed.
    stop_printing: bool,
    /// The run's outcome once our DISCONNECT has gone out.
    after_disconnect: Option<Result<(), Failure>>,
    /// The run is over without a DISCONNECT to wait for.
    finished: bool,
}

impl Subscriber {
    fn run(&mut self) -> Result<(), Failure> {
        loop {
            if let Some(outcome) = self.drain_events() {
                self.driver.finish(FINISH_LIMIT);
                return outcome;
            }
            if self.driver.output.is_broken() && !self.stop_printing {
                // Nobody reads our output any more (`rsub | head -1`): end quietly and cleanly.
                self.end_with(Ok(()));
            }
            if self.finished {
                self.driver.finish(FINISH_LIMIT);
                return self.after_disconnect.take().unwrap_or(Ok(()));
            }
            let now = self.driver.now();
            if self.timeout_at.is_some_and(|at| now >= at) {
                self.timeout_at = None;
                if let Some(outcome) = self.timed_out() {
                    self.driver.output.flush();
                    return outcome;
                }
            }
            if self.reconnect_at.is_some_and(|at| now >= at) {
                self.reconnect();
            }
            let deadline = match (self.timeout_at, self.reconnect_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match self.driver.turn(deadline) {
                Ok(turn) if turn.signalled => {
                    // As mosquitto_sub: before the first CONNACK exit 255 at once, after it
                    // disconnect cleanly and exit 0.
                    if !self.ever_connected {
                        self.driver.output.flush();
                        return Err(Failure::Silent { code: 255 });
                    }
                    self.end_with(Ok(()));
                }
                Ok(_) => {}
                Err(err) => {
                    self.driver.output.flush();
                    return Err(super::io_failure(&err));
                }
            }
        }
    }

    /// Handles every queued event; returns the outcome once the run is over.
    fn drain_events(&mut self) -> Option<Result<(), Failure>> {
        while let Some(event) = self.driver.client.poll_event() {
            if self.config.common.debug {
                trace::event_line(&self.display_id, &event, self.driver.output.buffer());
            }
            match event {
                Event::Connected { .. } => {
                    self.ever_connected = true;
                    let filters: Vec<_> = self
                        .config
                        .topics
                        .iter()
                        .map(|topic| (topic.clone(), self.config.common.qos))
                        .collect();
                    let now = self.driver.now();
                    // Cannot fail right after CONNACK; if it did, the connection end reports it.
                    let _ = self.driver.client.subscribe(&filters, now);
                }
                Event::Subscribed { mid, return_codes } => self.subscribed(mid, &return_codes),
                Event::Message(message) => self.message(&message),
                Event::Closed(error) => {
                    if let Some(outcome) = self.closed(error) {
                        return Some(outcome);
                    }
                }
                _ => {}
            }
        }
        self.driver.output.flush_if_large();
        None
    }

    fn subscribed(&mut self, mid: u16, return_codes: &[u8]) {
        if self.config.common.debug && !self.config.common.quiet {
            trace::subscribed_line(mid, return_codes, self.driver.output.buffer());
        }
        if self.stop_printing {
            return;
        }
        if !return_codes.is_empty() && return_codes.iter().all(|&code| code >= SUBACK_FAILURE) {
            // mosquitto_sub disconnects, then reports it, and still exits 0.
            self.end_with(Err(Failure::runtime(
                "All subscription requests were denied.",
                0,
            )));
        } else if self.config.exit_after_subscribe {
            self.end_with(Ok(()));
        }
    }

    fn message(&mut self, message: &Message) {
        if self.stop_printing {
            return;
        }
        print_message(&self.config, message, self.driver.output.buffer());
        self.printed = self.printed.saturating_add(1);
        if self.config.count.is_some_and(|count| self.printed >= count) {
            self.end_with(Ok(()));
        }
    }

    /// Sends DISCONNECT; the run ends with `outcome` once it is written.
    fn end_with(&mut self, outcome: Result<(), Failure>) {
        self.stop_printing = true;
        if self.after_disconnect.is_none() {
            self.after_disconnect = Some(outcome);
        }
        if self.driver.client.is_connected() {
            let now = self.driver.now();
            self.driver.client.disconnect(now);
        } else {
            // No connection to say goodbye on: leave right away.
            self.reconnect_at = None;
            self.finished = true;
        }
    }

    fn closed(&mut self, error: ConnectionError) -> Option<Result<(), Failure>> {
        match error {
            ConnectionError::Disconnected => Some(self.after_disconnect.take().unwrap_or(Ok(()))),
            ConnectionError::Refused(code) => {
                // Printed when CONNACK arrives, then mosquitto_sub sends DISCONNECT itself.
                exit::print_error(
                    &mut self.driver.output,
                    &exit::connack_refused_line(code),
                    self.config.common.quiet,
                );
                self.stop_printing = true;
                self.after_disconnect = Some(Err(Failure::Silent {
                    code: i32::from(code),
                }));
                // The client reports no second `Closed` for this DISCONNECT: the run ends once the
                // events already queued (its `sending DISCONNECT` line) are handled and it is written.
                let now = self.driver.now();
                self.driver.client.disconnect(now);
                self.finished = true;
                None
            }
            ConnectionError::Lost
            | ConnectionError::KeepaliveTimeout
            | ConnectionError::Decode(_)
            | ConnectionError::Protocol(_) => {
                if self.stop_printing {
                    // We were ending anyway (e.g. -C reached and the broker closed first).
                    return Some(self.after_disconnect.take().unwrap_or(Ok(())));
                }
                // mosquitto_sub reconnects silently after a fixed delay.
                self.driver.close_stream();
                self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY);
                None
            }
        }
    }

    fn reconnect(&mut self) {
        self.reconnect_at = None;
        match net::open_stream(&self.config.common) {
            Ok(stream) => {
                if self.driver.attach(stream).is_err() {
                    self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY);
                }
            }
            // Failed attempts print nothing, as with mosquitto_sub.
            Err(_) => self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY),
        }
    }

    /// `-W` expired. Before the first CONNACK mosquitto_sub exits 255 silently; after it, it
    /// disconnects, prints `Timed out` and exits 27.
    fn timed_out(&mut self) -> Option<Result<(), Failure>> {
        if !self.ever_connected {
            return Some(Err(Failure::Silent { code: 255 }));
        }
        let timed_out = Failure::runtime("Timed out", 27);
        if self.driver.client.is_connected() {
            self.stop_printing = true;
            self.after_disconnect = Some(Err(timed_out));
            let now = self.driver.now();
            self.driver.client.disconnect(now);
            None
        } else {
            Some(Err(timed_out))
        }
    }
}

/// Appends one received message as mosquitto_sub prints it without `-F`.
fn print_message(config: &SubConfig, message: &Message, out: &mut Vec<u8>) {
    let payload = &message.payload;
    if config.verbose {
        if payload.is_empty() {
            // `topic (null)`, but only when an end of line follows.
            if !config.no_eol {
                out.extend_from_slice(message.topic.as_bytes());
                out.extend_from_slice(b" (null)\n");
            }
            return;
        }
        out.extend_from_slice(message.topic.as_bytes());
        out.push(b' ');
    } else if payload.is_empty() {
        // An empty payload prints nothing at all, not even the newline.
        return;
    }
    out.extend_from_slice(payload);
    if !config.no_eol {
        out.push(b'\n');
    }
}
