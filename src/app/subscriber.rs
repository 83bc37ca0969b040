//! rsub: connect, subscribe to every `-t` filter in one SUBSCRIBE (then one UNSUBSCRIBE per `-U`),
//! print messages until `-C`, `-E`, `-W`, `--retained-only` or the end of the connection; reconnect
//! silently after a lost connection as mosquitto_sub does.
//!
//! Each message goes through mosquitto_sub's message callback, in its order (FORMAT.md §5.6):
//! nothing once processing has stopped; `--retained-only` stops at the first message that is not
//! retained; `-R` skips retained messages; `-T` skips matching topics; `--remove-retained` clears a
//! retained message; `--random-filter` may skip the print; `-C` counts what got this far.

use std::collections::VecDeque;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cli::config::SubConfig;
use crate::exit::{self, Failure};
use crate::net::Driver;
use crate::output::{
    MessageView, OutputMode, PlainParts, Printer, SystemClock, V5Properties, V5Property,
};
use crate::proto::client::CommandError;
use crate::proto::codec::SUBACK_FAILURE;
use crate::proto::codec::{Property, QoS, RetainHandling, SubscribeFilter, Version};
use crate::proto::event::{ConnectionError, Event, Message, PacketInfo};
use crate::trace;

/// mosquitto_sub retries a lost connection after this fixed delay.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// How long the final DISCONNECT may take to be written.
const FINISH_LIMIT: Duration = Duration::from_secs(5);
/// `--random-filter` draws a number below this (its value is in tenths of a percent).
const RANDOM_RANGE: u64 = 1_000;
/// MQTT 5 DISCONNECT reason codes: a normal end, and the one that has the broker publish the will
/// (what mosquitto_sub sends on SIGINT, SIGTERM and `-W`).
const NORMAL_DISCONNECTION: u8 = 0;
const DISCONNECT_WITH_WILL: u8 = 4;
/// Plain and `-v` payloads of at least this size are written straight to stdout rather than copied
/// into the output buffer (a 10 MiB message would otherwise be resident twice, and more while the
/// buffer grows).
const UNBUFFERED_PAYLOAD_MIN: usize = 64 * 1024;

/// Runs rsub; `Ok(())` is exit code 0.
pub fn run(mut config: SubConfig) -> Result<(), Failure> {
    let client_id = super::resolve_client_id(&config.common);
    let display_id = trace::display_client_id(&client_id).to_string();
    let driver = super::start(&config.common, client_id, true)?;
    // mosquitto arms the -W alarm right after the TCP connection is made, before CONNACK.
    let timeout_at = config
        .timeout
        .map(|seconds| driver.now() + Duration::from_secs(u64::from(seconds)));
    let printer = Printer {
        // -F overrides -v.
        mode: match config.format.take() {
            Some(format) => OutputMode::Format(format),
            None => OutputMode::Plain {
                verbose: config.verbose,
            },
        },
        pretty: config.pretty,
        no_eol: config.no_eol,
    };
    let mut subscriber = Subscriber {
        config,
        printer,
        errors: Vec::new(),
        random: Random::from_clock(),
        display_id,
        driver,
        timeout_at,
        reconnect_at: None,
        ever_connected: false,
        printed: 0,
        stop_printing: false,
        closing: false,
        removal_published: false,
        pending_removals: VecDeque::new(),
        pretraced: VecDeque::new(),
        after_disconnect: None,
        finished: false,
    };
    subscriber.run()
}

struct Subscriber {
    config: SubConfig,
    printer: Printer,
    /// Runtime error text produced while formatting a message (reused between messages).
    errors: Vec<u8>,
    random: Random,
    display_id: String,
    driver: Driver,
    timeout_at: Option<Instant>,
    /// Set while the connection is down: when to try again.
    reconnect_at: Option<Instant>,
    ever_connected: bool,
    /// Messages that reached the `-C` count (printed, or skipped only by `--random-filter`).
    printed: u32,
    /// mosquitto's `process_messages == false`: messages still arriving are traced, not handled.
    stop_printing: bool,
    /// Our DISCONNECT is queued: mosquitto reads nothing more from the socket after the callback
    /// that decided to disconnect, so events already queued behind it are dropped, except the
    /// `sending DISCONNECT` line and the end of the connection.
    closing: bool,
    /// `--remove-retained` has published (mosquitto's `last_mid != 0`): from then on neither
    /// `-C` nor `--retained-only` sends the DISCONNECT that would end the program.
    removal_published: bool,
    /// `--remove-retained` topics waiting for room in the in-flight window (`-M`), in order;
    /// libmosquitto queues them the same way and sends each when an earlier one is acknowledged.
    pending_removals: VecDeque<String>,
    /// Ids of `--remove-retained` publishes whose `sending PUBLISH` line was already printed (at
    /// the moment mosquitto prints it), so the client's own event for it is not traced again.
    pretraced: VecDeque<u16>,
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
            if self.driver.output.is_broken() && self.after_disconnect.is_none() {
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
                        return Err(exit::ended_before_connack());
                    }
                    self.end_with_reason(Ok(()), DISCONNECT_WITH_WILL);
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
            if self.closing
                && !matches!(
                    event,
                    Event::Sent(PacketInfo::Disconnect) | Event::Closed(_)
                )
            {
                continue;
            }
            if let Some(id) = trace::assigned_client_id(&event) {
                // MQTT 5: mosquitto shows the id the broker assigned from its CONNACK line on.
                self.display_id = id.to_string();
            }
            if self.config.common.debug && !self.is_pretraced(&event) {
                trace::event_line(&self.display_id, &event, self.driver.output.buffer());
            }
            match event {
                Event::Connected { .. } => self.connected(),
                Event::Subscribed { mid, return_codes } => self.subscribed(mid, &return_codes),
                Event::Message(message) => self.message(&message),
                // A removal the broker refused (MQTT 5) is over too: the next one may go.
                Event::Published { .. } | Event::PublishFailed(_) => self.publish_pending_removal(),
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

    /// Whether `event` is the `sending PUBLISH` of a removal whose line was printed already.
    fn is_pretraced(&mut self, event: &Event) -> bool {
        match event {
            Event::Sent(PacketInfo::Publish {
                dup: false, mid, ..
            }) if self.pretraced.front() == Some(mid) => {
                self.pretraced.pop_front();
                true
            }
            _ => false,
        }
    }

    /// CONNACK 0 (also after a reconnect): one SUBSCRIBE with every `-t`, then one UNSUBSCRIBE per
    /// `-U`, all sent at once, before any acknowledgement. MQTT 5: with the subscription options of
    /// `--retain-as-published` and `-R` (retained messages not sent) and the `-D subscribe` /
    /// `-D unsubscribe` properties.
    fn connected(&mut self) {
        self.ever_connected = true;
        let config = &self.config;
        let v5 = config.common.version == Version::V5;
        let filters: Vec<SubscribeFilter> = config
            .topics
            .iter()
            .map(|topic| SubscribeFilter {
                filter: topic.clone(),
                qos: config.common.qos,
                no_local: false,
                retain_as_published: v5 && config.retain_as_published,
                retain_handling: if v5 && config.no_retain {
                    RetainHandling::DoNotSend
                } else {
                    RetainHandling::SendAtSubscribe
                },
            })
            .collect();
        let now = self.driver.now();
        // Properties after a `-V` back to v3.x: libmosquitto refuses to send the packet
        // (MOSQ_ERR_NOT_SUPPORTED) and mosquitto_sub ignores that, so nothing is sent.
        if v5 || config.subscribe_properties.is_empty() {
            // Cannot fail right after CONNACK; if it did, the connection end reports it.
            let _ = self.driver.client.subscribe_with_options(
                &filters,
                config.subscribe_properties.clone(),
                now,
            );
        }
        if v5 || config.unsubscribe_properties.is_empty() {
            for filter in &config.unsubscribe {
                let _ = self.driver.client.unsubscribe_with_properties(
                    filter,
                    config.unsubscribe_properties.clone(),
                    now,
                );
            }
        }
    }

    fn subscribed(&mut self, mid: u16, return_codes: &[u8]) {
        if self.config.common.debug && !self.config.common.quiet {
            trace::subscribed_line(mid, return_codes, self.driver.output.buffer());
        }
        if self.after_disconnect.is_some() {
            return;
        }
        if !return_codes.is_empty() && return_codes.iter().all(|&code| code >= SUBACK_FAILURE) {
            // mosquitto_sub disconnects, then reports it, and still exits 0.
            self.end_with(Err(exit::all_subscriptions_denied()));
        } else if self.config.exit_after_subscribe {
            self.end_with(Ok(()));
        }
    }

    /// mosquitto_sub's message callback, step by step.
    fn message(&mut self, message: &Message) {
        if self.stop_printing {
            return;
        }
        if self.config.retained_only && !message.retain {
            self.stop_processing();
            return;
        }
        if message.retain && self.config.no_retain {
            return;
        }
        if self
            .config
            .filter_outs
            .iter()
            .any(|filter| topic_matches_filter(filter, &message.topic))
        {
            return;
        }
        if self.config.remove_retained && message.retain {
            self.remove_retained(&message.topic);
        }
        self.print(message);
        if let Some(count) = self.config.count {
            self.printed = self.printed.saturating_add(1);
            if self.printed == count {
                self.stop_processing();
            }
        }
    }

    /// `-C` reached or `--retained-only` ended: no more messages are handled, and the program ends
    /// unless `--remove-retained` has published (mosquitto then never sends its DISCONNECT).
    fn stop_processing(&mut self) {
        self.stop_printing = true;
        if !self.removal_published {
            self.end_with(Ok(()));
        }
    }

    /// Prints one message (unless `--random-filter` drops it) straight into the output buffer.
    fn print(&mut self, message: &Message) {
        if let Some(chance) = self.config.random_filter
            && self.random.below(RANDOM_RANGE) >= u64::from(chance)
        {
            return;
        }
        // MQTT 5 properties for %A..%S and the JSON `properties`, in packet order.
        let properties =
            (!message.properties.is_empty()).then(|| v5_properties(message.properties.iter()));
        let view = MessageView {
            topic: &message.topic,
            payload: &message.payload,
            qos: message.qos.as_u8(),
            retain: message.retain,
            mid: message.packet_id,
            properties: properties.as_ref(),
        };
        if let OutputMode::Plain { verbose } = self.printer.mode
            && view.payload.len() >= UNBUFFERED_PAYLOAD_MIN
        {
            // Everything before the payload is buffered (after what is there already), then written
            // with the payload; only the end of line stays buffered.
            let parts = PlainParts::of(&view, verbose, self.printer.no_eol);
            let output = &mut self.driver.output;
            output.buffer().extend_from_slice(parts.before);
            output.buffer().extend_from_slice(parts.separator);
            output.write_unbuffered(parts.payload);
            output.buffer().extend_from_slice(parts.after);
            return;
        }
        let start = self.driver.output.buffer().len();
        self.errors.clear();
        self.printer.write_message(
            &view,
            &SystemClock,
            self.driver.output.buffer(),
            &mut self.errors,
        );
        if !self.errors.is_empty() && !self.config.common.quiet {
            self.report_errors(start);
        }
    }

    /// Writes the runtime errors of the message that starts at `start` in the output buffer:
    /// everything printed before that message first, then the errors, so a terminal shows them in
    /// the order mosquitto_sub's line-buffered stdout and unbuffered stderr do. The message
    /// itself stays buffered.
    fn report_errors(&mut self, start: usize) {
        let message = self.driver.output.buffer().split_off(start);
        self.driver.output.flush();
        let _ = std::io::stderr().lock().write_all(&self.errors);
        self.driver.output.buffer().extend_from_slice(&message);
    }

    /// `--remove-retained`: an empty retained QoS 1 message to `topic` clears it on the broker.
    fn remove_retained(&mut self, topic: &str) {
        self.removal_published = true;
        if !self.pending_removals.is_empty() || !self.publish_removal(topic) {
            self.pending_removals.push_back(topic.to_string());
        }
    }

    /// Publishes the removal for `topic`; `false` when the in-flight window (`-M`) is full.
    fn publish_removal(&mut self, topic: &str) -> bool {
        let now = self.driver.now();
        match self
            .driver
            .client
            .publish(topic, Vec::new(), QoS::AtLeastOnce, true, now)
        {
            Ok(mid) => {
                if self.config.common.debug {
                    // libmosquitto prints this line while the message is being handled, before
                    // the message itself; the client reports it after the events already queued.
                    let sent = Event::Sent(PacketInfo::Publish {
                        dup: false,
                        qos: QoS::AtLeastOnce,
                        retain: true,
                        mid,
                        topic: topic.to_string(),
                        payload_len: 0,
                    });
                    trace::event_line(&self.display_id, &sent, self.driver.output.buffer());
                    self.pretraced.push_back(mid);
                }
                true
            }
            Err(CommandError::InflightWindowFull) => false,
            // Not connected (the connection just ended) or a topic too long to encode: mosquitto
            // ignores the failure of this publish too.
            Err(CommandError::NotConnected | CommandError::TooLarge) => true,
        }
    }

    /// An earlier removal was acknowledged: send the oldest queued one. One per acknowledgement,
    /// as libmosquitto releases them (the client may already have handled later acknowledgements
    /// whose events are still queued; each of those releases its own).
    fn publish_pending_removal(&mut self) {
        if let Some(topic) = self.pending_removals.front().cloned()
            && self.publish_removal(&topic)
        {
            self.pending_removals.pop_front();
        }
    }

    /// Sends DISCONNECT; the run ends with `outcome` once it is written.
    fn end_with(&mut self, outcome: Result<(), Failure>) {
        self.end_with_reason(outcome, NORMAL_DISCONNECTION);
    }

    /// [`Subscriber::end_with`] with an MQTT 5 reason code for the DISCONNECT.
    fn end_with_reason(&mut self, outcome: Result<(), Failure>, reason_code: u8) {
        self.stop_printing = true;
        if self.after_disconnect.is_none() {
            self.after_disconnect = Some(outcome);
        }
        if self.driver.client.is_connected() {
            self.send_disconnect(reason_code);
            self.closing = true;
        } else {
            // No connection to say goodbye on: leave right away.
            self.reconnect_at = None;
            self.finished = true;
        }
    }

    /// DISCONNECT with the `-D disconnect` properties (MQTT 5; 3.x sends a plain DISCONNECT, where
    /// mosquitto_sub would hang with properties it cannot send).
    fn send_disconnect(&mut self, reason_code: u8) {
        let now = self.driver.now();
        let properties = self.config.common.disconnect_properties.clone();
        self.driver
            .client
            .disconnect_with_reason(reason_code, properties, now);
    }

    fn closed(&mut self, error: ConnectionError) -> Option<Result<(), Failure>> {
        match error {
            ConnectionError::Disconnected => Some(self.after_disconnect.take().unwrap_or(Ok(()))),
            ConnectionError::Refused(code) => {
                // Printed when CONNACK arrives, then mosquitto_sub sends DISCONNECT itself.
                exit::print_error(
                    &mut self.driver.output,
                    &exit::connection_refused_line(self.config.common.version, code),
                    self.config.common.quiet,
                );
                self.stop_printing = true;
                self.after_disconnect = Some(Err(Failure::Silent {
                    code: i32::from(code),
                }));
                // The client reports no second `Closed` for this DISCONNECT: the run ends once the
                // events already queued (its `sending DISCONNECT` line) are handled and it is written.
                self.send_disconnect(NORMAL_DISCONNECTION);
                self.finished = true;
                None
            }
            ConnectionError::Lost
            | ConnectionError::KeepaliveTimeout
            | ConnectionError::Decode(_)
            | ConnectionError::Protocol(_) => {
                if self.after_disconnect.is_some()
                    || self.driver.client.server_disconnect().is_some()
                {
                    // We were ending anyway (e.g. -C reached and the broker closed first), or an
                    // MQTT 5 server sent DISCONNECT: mosquitto_sub ends then, exit 0, no message.
                    return Some(self.after_disconnect.take().unwrap_or(Ok(())));
                }
                if let Some(failure) = self.driver.take_tls_failure() {
                    // A failed TLS handshake is final for mosquitto_sub too (exit 8); our text
                    // says what failed instead of "A TLS error occurred.".
                    return Some(Err(exit::tls_failure(&failure)));
                }
                // mosquitto_sub reconnects silently after a fixed delay (also after -C or
                // --retained-only stopped the processing without a DISCONNECT, see
                // `stop_processing`).
                self.driver.close_stream();
                self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY);
                None
            }
        }
    }

    fn reconnect(&mut self) {
        self.reconnect_at = None;
        // Failed attempts print nothing, as with mosquitto_sub.
        if self.driver.connect(&self.config.common).is_err() {
            self.reconnect_at = Some(self.driver.now() + RECONNECT_DELAY);
        }
    }

    /// `-W` expired. Before the first CONNACK mosquitto_sub exits 255 silently; after it, it
    /// disconnects, prints `Timed out` and exits 27.
    fn timed_out(&mut self) -> Option<Result<(), Failure>> {
        if !self.ever_connected {
            return Some(Err(exit::ended_before_connack()));
        }
        let timed_out = exit::timed_out();
        if self.driver.client.is_connected() {
            self.stop_printing = true;
            self.after_disconnect = Some(Err(timed_out));
            // As on a signal: MQTT 5 asks the broker to publish the will.
            self.send_disconnect(DISCONNECT_WITH_WILL);
            self.closing = true;
            None
        } else {
            Some(Err(timed_out))
        }
    }
}

/// The PUBLISH properties the formatter shows, in packet order (the codec lets no other property
/// into a PUBLISH).
fn v5_properties<'a>(properties: impl Iterator<Item = &'a Property>) -> V5Properties {
    let list = properties
        .filter_map(|property| {
            Some(match property {
                Property::PayloadFormatIndicator(v) => V5Property::PayloadFormatIndicator(*v),
                Property::MessageExpiryInterval(v) => V5Property::MessageExpiryInterval(*v),
                Property::ContentType(v) => V5Property::ContentType(v.as_bytes().to_vec()),
                Property::ResponseTopic(v) => V5Property::ResponseTopic(v.as_bytes().to_vec()),
                Property::CorrelationData(v) => V5Property::CorrelationData(v.clone()),
                Property::SubscriptionIdentifier(v) => V5Property::SubscriptionIdentifier(*v),
                Property::TopicAlias(v) => V5Property::TopicAlias(*v),
                Property::UserProperty(k, v) => {
                    V5Property::UserProperty(k.as_bytes().to_vec(), v.as_bytes().to_vec())
                }
                _ => return None,
            })
        })
        .collect();
    V5Properties { list }
}

/// Does `topic` match the subscription filter `filter`? MQTT's rules, as libmosquitto's
/// `mosquitto_topic_matches_sub` applies them to valid filters: `+` matches one whole level
/// (possibly empty), a final `#` matches the parent level and everything below it, and a topic
/// starting with `$` is never matched by a filter starting with a wildcard. An empty filter or
/// topic matches nothing.
pub fn topic_matches_filter(filter: &str, topic: &str) -> bool {
    if filter.is_empty() || topic.is_empty() {
        return false;
    }
    if topic.starts_with('$') != filter.starts_with('$') {
        return false;
    }
    let mut topic_levels = topic.split('/');
    for level in filter.split('/') {
        match level {
            "#" => return true,
            "+" => {
                if topic_levels.next().is_none() {
                    return false;
                }
            }
            _ => {
                if topic_levels.next() != Some(level) {
                    return false;
                }
            }
        }
    }
    topic_levels.next().is_none()
}

/// A small pseudo-random generator (xorshift64*) for `--random-filter`, seeded from the clock and
/// the process id, as mosquitto seeds `random()` from the clock.
struct Random {
    state: u64,
}

impl Random {
    fn from_clock() -> Random {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let seed = nanos ^ (u64::from(std::process::id()) << 32) ^ 0x9e37_79b9_7f4a_7c15;
        Random::seeded(seed)
    }

    fn seeded(seed: u64) -> Random {
        // xorshift must not start at 0.
        Random {
            state: if seed == 0 {
                0x2545_f491_4f6c_dd1d
            } else {
                seed
            },
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..range` (the high bits, which are the good ones of xorshift64*).
    fn below(&mut self, range: u64) -> u64 {
        (self.next() >> 32) % range
    }
}

#[cfg(test)]
mod tests {
    use super::{Random, topic_matches_filter};

    #[test]
    fn topic_filter_matching_follows_mqtt_rules() {
        let cases: &[(&str, &str, bool)] = &[
            ("a/b", "a/b", true),
            ("a/b", "a/c", false),
            ("a/b", "a/b/c", false),
            ("a/b/c", "a/b", false),
            ("a/+", "a/b", true),
            ("a/+", "a/", true),
            ("a/+", "a", false),
            ("a/+", "a/b/c", false),
            ("+/b", "a/b", true),
            ("+/b", "/b", true),
            ("+", "a", true),
            ("+", "/", false),
            ("+/+", "/", true),
            ("a/+/c", "a/b/c", true),
            ("a/+/c", "a//c", true),
            ("a/#", "a", true),
            ("a/#", "a/b", true),
            ("a/#", "a/b/c", true),
            ("a/#", "ab", false),
            ("a/+/#", "a/b", true),
            ("a/+/#", "a", false),
            ("#", "a", true),
            ("#", "/", true),
            ("#", "a/b/c", true),
            ("#", "$SYS/x", false),
            ("+/x", "$SYS/x", false),
            ("$SYS/#", "$SYS/x", true),
            ("$SYS/+", "$SYS/x", true),
            ("$SYS/x", "$SYS/x", true),
            ("a", "$a", false),
            ("", "a", false),
            ("a", "", false),
            ("x/y", "x/y/", false),
            ("x/y/", "x/y/", true),
            ("x/y/#", "x/y/", true),
        ];
        for &(filter, topic, expected) in cases {
            assert_eq!(
                topic_matches_filter(filter, topic),
                expected,
                "filter {filter:?} topic {topic:?}"
            );
        }
    }

    #[test]
    fn random_numbers_cover_the_range_evenly() {
        let mut random = Random::seeded(42);
        let mut below_half = 0;
        for _ in 0..10_000 {
            let n = random.below(10_000);
            assert!(n < 10_000);
            if n < 5_000 {
                below_half += 1;
            }
        }
        assert!((4_500..5_500).contains(&below_half), "{below_half}");
        let mut zero = Random::seeded(0);
        assert_ne!(zero.next(), 0);
    }
}
