//! rsub: connect, subscribe to every `-t` filter in one SUBSCRIBE (then one UNSUBSCRIBE per `-U`),
//! print messages until `-C`, `-E`, `-W`, `--retained-only` or the end of the connection; reconnect
//! silently after a lost connection as mosquitto_sub does.
//!
//! Each message goes through mosquitto_sub's message callback, in its order (FORMAT.md §5.6):
//! nothing once processing has stopped; `--retained-only` stops at the first message that is not
//! retained; `-R` skips retained messages; `-T` skips matching topics; `--remove-retained` clears a
//! retained message; `--random-filter` may skip the print; `-C` counts what got this far.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::monitor::{MessageRate, Watch};
use super::session::{Link, Role, Session, is_lost, is_protocol_violation};
use crate::cli::config::SubConfig;
use crate::exit::{self, Failure};
use crate::output::{
    MessageView, OutputMode, PlainParts, Printer, SystemClock, V5Properties, V5Property,
};
use crate::proto::client::CommandError;
use crate::proto::codec::{
    Property, QoS, RetainHandling, SUBACK_FAILURE, SubscribeFilter, Version,
};
use crate::proto::event::{ConnectionError, Event, Message, PacketInfo};
use crate::trace::TraceRecord;

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
pub fn run(config: SubConfig) -> Result<(), Failure> {
    let client_id = super::resolve_client_id(&config.common);
    let link = super::start(&config.common, &client_id, true)?;
    let trace = super::trace_sink(&config.common);
    let mut session = Session::new(link, &client_id, trace).quiet(config.common.quiet);
    // mosquitto arms the -W alarm right after the TCP connection is made, before CONNACK.
    let mut subscriber = Subscriber::new(config, session.now(), Random::from_clock());
    subscriber.start(&mut session);
    session.run(&mut subscriber)
}

/// Where the subscriber is in its run.
#[derive(Debug)]
enum Phase {
    /// Messages are handled as they come.
    Running,
    /// `-C` was reached or `--retained-only` ended after `--remove-retained` published: messages
    /// are only traced, and the connection goes on (mosquitto never sends its DISCONNECT then).
    Stopped,
    /// Our DISCONNECT is queued; the run ends with `outcome` once the connection closes.
    /// mosquitto reads nothing more from the socket after the callback that decided to disconnect,
    /// so events already queued behind it are ignored, except the `sending DISCONNECT` line and the
    /// end of the connection.
    Closing { outcome: Result<(), Failure> },
    /// The outcome went to the session: the run is over. `ignore_queued`: mosquitto_sub has left its
    /// loop (the connection ended, or our DISCONNECT was queued before), so events still queued are
    /// not handled; after a refused CONNACK they are (its own `sending DISCONNECT` line).
    Done { ignore_queued: bool },
}

/// rsub's role in the session loop.
pub struct Subscriber {
    config: SubConfig,
    printer: Printer,
    phase: Phase,
    /// Runtime error text produced while formatting a message (reused between messages).
    errors: Vec<u8>,
    random: Random,
    /// `-W`: when the run times out.
    timeout_at: Option<Instant>,
    /// Messages that reached the `-C` count (printed, or skipped only by `--random-filter`).
    printed: u32,
    /// `--remove-retained` has published (mosquitto's `last_mid != 0`): from then on neither
    /// `-C` nor `--retained-only` sends the DISCONNECT that would end the program.
    removal_published: bool,
    /// `--remove-retained` topics waiting for room in the in-flight window (`-M`), in order;
    /// libmosquitto queues them the same way and sends each when an earlier one is acknowledged.
    pending_removals: VecDeque<String>,
    /// Ids of `--remove-retained` publishes whose `sending PUBLISH` line was already printed (at
    /// the moment mosquitto prints it), so the client's own event for it is not traced again.
    pretraced: VecDeque<u16>,
    /// `-w`/`--watch` (mosquitto 2.1).
    watch: Option<Watch>,
    /// `--message-rate` (mosquitto 2.1): messages are counted, not handled.
    rate: Option<MessageRate>,
}

impl Subscriber {
    /// The role for `config`, its first connection opened at `now`.
    pub fn new(mut config: SubConfig, now: Instant, random: Random) -> Subscriber {
        let timeout_at = config
            .timeout
            .map(|seconds| now + Duration::from_secs(u64::from(seconds)));
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
        Subscriber {
            printer,
            phase: Phase::Running,
            errors: Vec::new(),
            random,
            timeout_at,
            printed: 0,
            removal_published: false,
            pending_removals: VecDeque::new(),
            pretraced: VecDeque::new(),
            // --message-rate turns --watch off, as in mosquitto 2.1.
            watch: (config.watch && !config.message_rate).then(Watch::new),
            rate: config.message_rate.then(|| MessageRate::new(now)),
            config,
        }
    }

    /// What is printed before the first connection: `--watch` clears the screen and names the broker.
    pub fn start<L: Link>(&mut self, s: &mut Session<L>) {
        if self.watch.is_some() {
            let host = match &self.config.common.connect.endpoint {
                crate::net::Endpoint::Tcp { host, .. } => host.clone(),
                crate::net::Endpoint::Unix { path } => path.to_string_lossy().into_owned(),
            };
            Watch::start(&host, s.output().buffer());
        }
    }

    /// The run's outcome is decided (our DISCONNECT is queued, or the run is over).
    fn is_ending(&self) -> bool {
        matches!(self.phase, Phase::Closing { .. } | Phase::Done { .. })
    }

    /// The connection ended: hands the outcome kept while closing (or `Ok`) to the session.
    fn finish<L: Link>(&mut self, s: &mut Session<L>) {
        let done = Phase::Done {
            ignore_queued: true,
        };
        let outcome = match std::mem::replace(&mut self.phase, done) {
            Phase::Closing { outcome } => outcome,
            _ => Ok(()),
        };
        s.finish(outcome);
    }

    /// CONNACK 0 (also after a reconnect): one SUBSCRIBE with every `-t`, then one UNSUBSCRIBE per
    /// `-U`, all sent at once, before any acknowledgement. MQTT 5: with the subscription options of
    /// `--retain-as-published` and `-R` (retained messages not sent) and the `-D subscribe` /
    /// `-D unsubscribe` properties.
    fn connected<L: Link>(&mut self, s: &mut Session<L>) {
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
                retain_handling: if v5 {
                    config.retain_handling
                } else {
                    RetainHandling::SendAtSubscribe
                },
            })
            .collect();
        let now = s.now();
        // Properties after a `-V` back to v3.x: libmosquitto refuses to send the packet
        // (MOSQ_ERR_NOT_SUPPORTED) and mosquitto_sub ignores that, so nothing is sent.
        // `-U` alone (mosquitto 2.1): nothing to subscribe to, only the UNSUBSCRIBEs.
        if !filters.is_empty() && (v5 || config.subscribe_properties.is_empty()) {
            // Cannot fail right after CONNACK; if it did, the connection end reports it.
            let _ = s.client().subscribe_with_options(
                &filters,
                config.subscribe_properties.clone(),
                now,
            );
        }
        if v5 || config.unsubscribe_properties.is_empty() {
            for filter in &config.unsubscribe {
                let _ = s.client().unsubscribe_with_properties(
                    filter,
                    config.unsubscribe_properties.clone(),
                    now,
                );
            }
        }
    }

    fn subscribed<L: Link>(&mut self, s: &mut Session<L>, mid: u16, return_codes: &[u8]) {
        s.record(TraceRecord::Subscribed { mid, return_codes });
        if self.is_ending() {
            return;
        }
        if !return_codes.is_empty() && return_codes.iter().all(|&code| code >= SUBACK_FAILURE) {
            // mosquitto_sub disconnects, then reports it, and still exits 0.
            self.end_with(
                s,
                Err(exit::all_subscriptions_denied()),
                NORMAL_DISCONNECTION,
            );
        } else if self.config.exit_after_subscribe {
            self.end_with(s, Ok(()), NORMAL_DISCONNECTION);
        }
    }

    /// mosquitto_sub's message callback, step by step.
    fn message<L: Link>(&mut self, s: &mut Session<L>, message: &Message) {
        if let Some(rate) = &mut self.rate {
            rate.message();
            return;
        }
        if !matches!(self.phase, Phase::Running) {
            return;
        }
        if self.config.retained_only && !message.retain {
            self.stop_processing(s);
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
            self.remove_retained(s, &message.topic);
        }
        self.print(s, message);
        if let Some(count) = self.config.count {
            self.printed = self.printed.saturating_add(1);
            if self.printed == count {
                self.stop_processing(s);
            }
        }
    }

    /// `-C` reached or `--retained-only` ended: no more messages are handled, and the program ends
    /// unless `--remove-retained` has published (mosquitto then never sends its DISCONNECT).
    fn stop_processing<L: Link>(&mut self, s: &mut Session<L>) {
        if self.removal_published {
            self.phase = Phase::Stopped;
        } else {
            self.end_with(s, Ok(()), NORMAL_DISCONNECTION);
        }
    }

    /// Prints one message (unless `--random-filter` drops it) straight into the output buffer.
    fn print<L: Link>(&mut self, s: &mut Session<L>, message: &Message) {
        if let Some(watch) = &mut self.watch {
            watch.before(&message.topic, s.output().buffer());
        }
        self.print_message(s, message);
    }

    fn print_message<L: Link>(&mut self, s: &mut Session<L>, message: &Message) {
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
            let output = s.output();
            output.buffer().extend_from_slice(parts.before);
            output.buffer().extend_from_slice(parts.separator);
            output.write_unbuffered(parts.payload);
            output.buffer().extend_from_slice(parts.after);
            self.watch_after(s);
            return;
        }
        let start = s.output().buffer().len();
        self.errors.clear();
        self.printer
            .write_message(&view, &SystemClock, s.output().buffer(), &mut self.errors);
        if !self.errors.is_empty() && !self.config.common.quiet {
            self.report_errors(s, start);
        }
        self.watch_after(s);
    }

    fn watch_after<L: Link>(&self, s: &mut Session<L>) {
        if let Some(watch) = &self.watch {
            watch.after(s.output().buffer());
        }
    }

    /// `--message-rate`: the line of the second in progress when the run ends.
    fn end_rate<L: Link>(&mut self, s: &mut Session<L>) {
        let now = s.now();
        if let Some(rate) = &mut self.rate {
            rate.end(now, s.output().buffer());
        }
    }

    /// Writes the runtime errors of the message that starts at `start` in the output buffer:
    /// everything printed before that message first, then the errors, so a terminal shows them in
    /// the order mosquitto_sub's line-buffered stdout and unbuffered stderr do. The message
    /// itself stays buffered.
    fn report_errors<L: Link>(&mut self, s: &mut Session<L>, start: usize) {
        let output = s.output();
        let message = output.buffer().split_off(start);
        output.flush();
        crate::output::stdout::write_stderr(&self.errors);
        output.buffer().extend_from_slice(&message);
    }

    /// `--remove-retained`: an empty retained QoS 1 message to `topic` clears it on the broker.
    fn remove_retained<L: Link>(&mut self, s: &mut Session<L>, topic: &str) {
        self.removal_published = true;
        if !self.pending_removals.is_empty() || !self.publish_removal(s, topic) {
            self.pending_removals.push_back(topic.to_string());
        }
    }

    /// Publishes the removal for `topic`; `false` when the in-flight window (`-M`) is full.
    fn publish_removal<L: Link>(&mut self, s: &mut Session<L>, topic: &str) -> bool {
        let now = s.now();
        match s
            .client()
            .publish(topic, Vec::new(), QoS::AtLeastOnce, true, now)
        {
            Ok(mid) => {
                if s.is_tracing() {
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
                    s.record(TraceRecord::Client(&sent));
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
    fn publish_pending_removal<L: Link>(&mut self, s: &mut Session<L>) {
        if let Some(topic) = self.pending_removals.front().cloned()
            && self.publish_removal(s, &topic)
        {
            self.pending_removals.pop_front();
        }
    }

    /// Ends the run with `outcome` (unless one was decided before): sends DISCONNECT with the
    /// MQTT 5 `reason_code` and ends once it is written, or ends at once without a connection.
    fn end_with<L: Link>(
        &mut self,
        s: &mut Session<L>,
        outcome: Result<(), Failure>,
        reason_code: u8,
    ) {
        let (outcome, was_closing) = match &mut self.phase {
            Phase::Closing { outcome: kept } => (std::mem::replace(kept, Ok(())), true),
            Phase::Done { .. } => return,
            Phase::Running | Phase::Stopped => (outcome, false),
        };
        if s.client_ref().is_connected() {
            self.send_disconnect(s, reason_code);
            self.phase = Phase::Closing { outcome };
        } else {
            // No connection to say goodbye on: leave right away.
            self.phase = Phase::Done {
                ignore_queued: was_closing,
            };
            s.cancel_reconnect();
            s.finish(outcome);
        }
    }

    /// DISCONNECT with the `-D disconnect` properties (MQTT 5; 3.x sends a plain DISCONNECT, where
    /// mosquitto_sub would hang with properties it cannot send).
    fn send_disconnect<L: Link>(&mut self, s: &mut Session<L>, reason_code: u8) {
        let now = s.now();
        let properties = self.config.common.disconnect_properties.clone();
        s.client()
            .disconnect_with_reason(reason_code, properties, now);
    }

    fn closed<L: Link>(&mut self, s: &mut Session<L>, error: ConnectionError) {
        match error {
            ConnectionError::Disconnected => self.finish(s),
            ConnectionError::Refused(code) => {
                // Printed when CONNACK arrives, then mosquitto_sub sends DISCONNECT itself.
                s.print_error(
                    &exit::connection_refused_line(self.config.common.version, code),
                    self.config.common.quiet,
                );
                self.phase = Phase::Done {
                    ignore_queued: false,
                };
                // The client reports no second `Closed` for this DISCONNECT: the run ends once the
                // events already queued (its `sending DISCONNECT` line) are handled and it is written.
                self.send_disconnect(s, NORMAL_DISCONNECTION);
                s.finish(Err(exit::subscriber_connection_refused(code)));
            }
            error if is_protocol_violation(&error) => {
                if self.is_ending() {
                    // Our DISCONNECT was already on its way: the run ends as decided.
                    self.finish(s);
                    return;
                }
                self.phase = Phase::Done {
                    ignore_queued: true,
                };
                // A TLS server answering our plain MQTT, or a WebSocket server breaking the
                // framing, is reported as such (as below).
                let failure = if let Some(failure) = s.take_tls_failure() {
                    exit::tls_failure(&failure)
                } else if let Some(failure) = s.take_final_ws_failure() {
                    exit::ws_failure(&failure)
                } else {
                    // mosquitto_sub leaves its loop on MOSQ_ERR_PROTOCOL instead of reconnecting
                    // (the same broker would only say the same again): exit 2, no DISCONNECT.
                    exit::protocol_violation()
                };
                s.cancel_reconnect();
                s.finish(Err(failure));
            }
            error if is_lost(&error) => {
                if self.is_ending() || s.client_ref().server_disconnect().is_some() {
                    // We were ending anyway (e.g. -C reached and the broker closed first), or an
                    // MQTT 5 server sent DISCONNECT: mosquitto_sub ends then, exit 0, no message.
                    self.finish(s);
                    return;
                }
                if let Some(failure) = s.take_tls_failure() {
                    // A failed TLS handshake is final for mosquitto_sub too (exit 8); our text
                    // says what failed instead of "A TLS error occurred.".
                    self.phase = Phase::Done {
                        ignore_queued: true,
                    };
                    s.finish(Err(exit::tls_failure(&failure)));
                    return;
                }
                if let Some(failure) = s.take_final_ws_failure() {
                    // A refused WebSocket upgrade is final too (mosquitto_sub 2.1 exits as well),
                    // and so is a server that breaks the framing.
                    self.phase = Phase::Done {
                        ignore_queued: true,
                    };
                    s.finish(Err(exit::ws_failure(&failure)));
                    return;
                }
                // mosquitto_sub reconnects silently after a fixed delay (also after -C or
                // --retained-only stopped the processing without a DISCONNECT, see
                // `stop_processing`).
                s.reconnect_later();
            }
            _ => {}
        }
    }

    /// `-W` expired. Before the first CONNACK mosquitto_sub exits 255 silently; after it, it
    /// disconnects, prints `Timed out` and exits 27. Either way at once, whatever stdout holds.
    fn timed_out<L: Link>(&mut self, s: &mut Session<L>) {
        s.hurry();
        if !s.ever_connected() {
            s.abort(Err(exit::ended_before_connack()));
            return;
        }
        self.end_rate(s);
        if s.client_ref().is_connected() {
            // As on a signal: MQTT 5 asks the broker to publish the will. The time-out replaces
            // an outcome decided before.
            self.phase = Phase::Closing {
                outcome: Err(exit::timed_out()),
            };
            self.send_disconnect(s, DISCONNECT_WITH_WILL);
        } else {
            s.abort(Err(exit::timed_out()));
        }
    }
}

impl Role for Subscriber {
    fn accepts(&self, event: &Event) -> bool {
        match self.phase {
            Phase::Closing { .. } => {
                matches!(
                    event,
                    Event::Sent(PacketInfo::Disconnect) | Event::Closed(_)
                )
            }
            Phase::Done { ignore_queued } => !ignore_queued,
            Phase::Running | Phase::Stopped => true,
        }
    }

    fn pretraced(&mut self, event: &Event) -> bool {
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

    fn on_event<L: Link>(&mut self, s: &mut Session<L>, event: Event) {
        match event {
            Event::Connected { .. } => self.connected(s),
            Event::Subscribed { mid, return_codes } => self.subscribed(s, mid, &return_codes),
            Event::Message(message) => self.message(s, &message),
            // A removal the broker refused (MQTT 5) is over too: the next one may go.
            Event::Published { .. } | Event::PublishFailed(_) => self.publish_pending_removal(s),
            Event::Closed(error) => self.closed(s, error),
            _ => {}
        }
    }

    fn poll<L: Link>(&mut self, s: &mut Session<L>) -> bool {
        if s.output().is_broken() && !self.is_ending() {
            // Nobody reads our output any more (`rsub | head -1`): end quietly and cleanly.
            self.end_with(s, Ok(()), NORMAL_DISCONNECTION);
        }
        if s.is_leaving() {
            return false;
        }
        let now = s.now();
        if let Some(rate) = &mut self.rate {
            rate.tick(now, s.output().buffer());
        }
        if self.timeout_at.is_some_and(|at| now >= at) {
            self.timeout_at = None;
            self.timed_out(s);
        }
        false
    }

    fn deadline(&self) -> Option<Instant> {
        let rate = self.rate.as_ref().map(MessageRate::deadline);
        match (self.timeout_at, rate) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_signal<L: Link>(&mut self, s: &mut Session<L>) {
        // As mosquitto_sub: before the first CONNACK exit 255 at once, after it disconnect
        // cleanly and exit 0, at once even when stdout is not being read.
        s.hurry();
        if !s.ever_connected() {
            s.abort(Err(exit::ended_before_connack()));
            return;
        }
        self.end_rate(s);
        self.end_with(s, Ok(()), DISCONNECT_WITH_WILL);
    }
}

/// The PUBLISH properties the formatter shows, in packet order (the codec lets no other property
/// into a PUBLISH). rrr prints its response with them too.
pub(super) fn v5_properties<'a>(properties: impl Iterator<Item = &'a Property>) -> V5Properties {
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
pub struct Random {
    state: u64,
}

impl Random {
    pub fn from_clock() -> Random {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let seed = nanos ^ (u64::from(std::process::id()) << 32) ^ 0x9e37_79b9_7f4a_7c15;
        Random::seeded(seed)
    }

    pub fn seeded(seed: u64) -> Random {
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
