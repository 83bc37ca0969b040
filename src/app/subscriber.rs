//! rsub: connect, subscribe to every `-t` filter in one SUBSCRIBE (then one UNSUBSCRIBE per `-U`),
//! print messages until `-C`, `-E`, `-W`, `--retained-only` or the end of the connection; reconnect
//! silently after a lost connection as mosquitto_sub does.
//!
//! Each message goes through mosquitto_sub's message callback, in its order (FORMAT.md §5.6):
//! nothing once processing has stopped; `--retained-only` stops at the first message that is not
//! retained; `-R` skips retained messages; `-T` skips matching topics; `--remove-retained` clears a
//! retained message; `--random-filter` may skip the print; `-C` counts what got this far.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::expect::{Expect, Verdict, suback_problems, unsuback_problems};
use super::monitor::{MessageRate, Watch};
use super::session::{AfterLoss, Link, Role, Session, is_lost, is_protocol_violation};
pub use filter::{Random, topic_matches_filter};

mod filter;
use crate::cli::config::SubConfig;
use crate::exit::{self, Failure};
use crate::output::Clock as _;
use crate::output::json_lines::{self, JsonMessage};
use crate::output::{
    MessageView, OutputMode, OutputSink, PlainParts, Printer, SystemClock, V5Properties, V5Property,
};
use crate::proto::client::CommandError;
use crate::proto::codec::{
    Property, QoS, RetainHandling, SUBACK_FAILURE, SubscribeFilter, Version,
};
use crate::proto::event::{ConnectionError, Event, Message, PacketInfo};
use crate::tool::Tool;
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
    super::expect::check_pattern(config.ci.expect.as_ref())?;
    let client_id = super::resolve_client_id(&config.common);
    let mut session = super::start_session(&config.common, &client_id, true, Tool::Sub, || {
        trace_options(&config)
    })?;
    // mosquitto arms the -W alarm right after the TCP connection is made, before CONNACK.
    let outcome =
        Subscriber::new(config, session.now(), Random::from_clock()).and_then(|mut subscriber| {
            subscriber.start(&mut session);
            session.run(&mut subscriber)
        });
    session.record_outcome(&outcome);
    outcome
}

/// rsub's own options, for the first line of `--trace`.
fn trace_options(config: &SubConfig) -> serde_json::Map<String, serde_json::Value> {
    let mut options = serde_json::Map::new();
    let mut put = |key: &str, value: serde_json::Value| {
        options.insert(key.to_string(), value);
    };
    put("topics", serde_json::json!(config.topics));
    put("count", serde_json::json!(config.count));
    put("timeout", serde_json::json!(config.timeout));
    put("json_lines", serde_json::json!(config.json_lines));
    put("verbose", serde_json::json!(config.verbose));
    put("no_retain", serde_json::json!(config.no_retain));
    put("retained_only", serde_json::json!(config.retained_only));
    put("remove_retained", serde_json::json!(config.remove_retained));
    put("filter_out", serde_json::json!(config.filter_outs));
    put("unsubscribe", serde_json::json!(config.unsubscribe));
    put(
        "idle_timeout",
        serde_json::json!(config.ci.idle_timeout.map(|idle| idle.as_secs_f64())),
    );
    put("expect", super::expect::describe(config.ci.expect.as_ref()));
    options
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
    /// `--timeout`: when the run times out (like `-W`, but also before CONNACK).
    run_timeout_at: Option<Instant>,
    /// `--idle-timeout`: the run ends normally then, unless a message comes first.
    idle_at: Option<Instant>,
    /// `--expect-*`.
    expect: Option<Expect>,
    /// The `-U` filters by the id of their UNSUBSCRIBE (`--strict` names a refused one).
    unsubscribing: Vec<(u16, String)>,
    /// `-w`/`--watch` (mosquitto 2.1).
    watch: Option<Watch>,
    /// `--message-rate` (mosquitto 2.1): messages are counted, not handled.
    rate: Option<MessageRate>,
}

impl Subscriber {
    /// The role for `config`, its first connection opened at `now` (an `--expect-regex` that does
    /// not compile is an argument error).
    pub fn new(mut config: SubConfig, now: Instant, random: Random) -> Result<Subscriber, Failure> {
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
        let run_timeout_at = config.common.ci.timeout.map(|limit| now + limit);
        let expect = match config.ci.expect.clone() {
            Some(expectation) => Some(Expect::new(expectation, config.topics.clone(), now)?),
            None => None,
        };
        Ok(Subscriber {
            printer,
            phase: Phase::Running,
            errors: Vec::new(),
            random,
            timeout_at,
            printed: 0,
            removal_published: false,
            pending_removals: VecDeque::new(),
            pretraced: VecDeque::new(),
            run_timeout_at,
            idle_at: None,
            expect,
            unsubscribing: Vec::new(),
            // --message-rate turns --watch off, as in mosquitto 2.1.
            watch: (config.watch && !config.message_rate).then(Watch::new),
            rate: config.message_rate.then(|| MessageRate::new(now)),
            config,
        })
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
            self.unsubscribing.clear();
            for filter in &config.unsubscribe {
                if let Ok(mid) = s.client().unsubscribe_with_properties(
                    filter,
                    config.unsubscribe_properties.clone(),
                    now,
                ) {
                    self.unsubscribing.push((mid, filter.clone()));
                }
            }
        }
    }

    fn subscribed<L: Link>(&mut self, s: &mut Session<L>, mid: u16, return_codes: &[u8]) {
        s.record(TraceRecord::Subscribed { mid, return_codes });
        if self.is_ending() {
            return;
        }
        let common = &self.config.common;
        if common.ci.strict {
            let v5 = common.version == Version::V5;
            let problems = suback_problems(&self.config.topics, common.qos, return_codes, v5);
            if !problems.is_empty() {
                let failure = exit::ci::strict_subscription(&problems);
                self.end_with(s, Err(failure), NORMAL_DISCONNECTION);
                return;
            }
        }
        if let Some(idle) = self.config.ci.idle_timeout {
            self.idle_at = Some(s.now() + idle);
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

    /// `--strict`: an MQTT 5 UNSUBACK refused to unsubscribe.
    fn unsubscribed<L: Link>(&mut self, s: &mut Session<L>, mid: u16, reason_codes: &[u8]) {
        let Some(filter) = self
            .unsubscribing
            .iter()
            .find(|(sent, _)| *sent == mid)
            .map(|(_, filter)| filter.clone())
        else {
            return;
        };
        let problems = unsuback_problems(&filter, reason_codes);
        if self.config.common.ci.strict && !problems.is_empty() && !self.is_ending() {
            let failure = exit::ci::strict_subscription(&problems);
            self.end_with(s, Err(failure), NORMAL_DISCONNECTION);
        }
    }

    /// mosquitto_sub's message callback, step by step.
    fn message<L: Link>(&mut self, s: &mut Session<L>, message: &Message) {
        if let Some(idle) = self.config.ci.idle_timeout
            && self.idle_at.is_some()
        {
            self.idle_at = Some(s.now() + idle);
        }
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
        if let Some(expect) = self.expect.as_mut() {
            match expect.on_message(&message.topic, &message.payload, s.now()) {
                Verdict::Pending => {}
                Verdict::Met => return self.end_with(s, Ok(()), NORMAL_DISCONNECTION),
                Verdict::Violated(failure) => {
                    return self.end_with(s, Err(failure), NORMAL_DISCONNECTION);
                }
            }
        }
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
        if self.config.json_lines {
            let line = JsonMessage {
                topic: &message.topic,
                payload: &message.payload,
                qos: message.qos.as_u8(),
                retain: message.retain,
                mid: message.packet_id,
                properties: &message.properties,
            };
            // Streamed as `-F` output is: written out at 64 KiB, so neither a read batch of
            // thousands of messages nor one large binary payload (4/3 of it in base64) is held
            // whole.
            let mut sink = OutputSink::new(s.output());
            json_lines::write_message(&line, SystemClock.now(), &mut sink);
            self.watch_after(s);
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
        self.errors.clear();
        // Streamed: a message larger than the output buffer (a huge `-F` width, `%x` of a large
        // payload) is written out piece by piece, never held whole.
        let mut sink = OutputSink::new(s.output());
        self.printer
            .write_message(&view, &SystemClock, &mut sink, &mut self.errors);
        let start = sink.unwritten_start();
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
    /// itself stays buffered. (`None`: part of the message is written already, as mosquitto's
    /// stdio buffer would have written part of so long a line; the errors follow that part and
    /// precede the rest.)
    fn report_errors<L: Link>(&mut self, s: &mut Session<L>, start: Option<usize>) {
        exit::print_message_errors(s.output(), start, &self.errors);
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
            Phase::Running | Phase::Stopped => (self.judged(s, outcome), false),
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

    /// The outcome of a run that ends successfully (exit 0) in mosquitto's terms, judged by the
    /// `--expect-*` flags: an expectation not met is a failure (a text of mosquitto's that comes
    /// with exit 0 is still printed).
    fn judged<L: Link>(
        &mut self,
        s: &mut Session<L>,
        outcome: Result<(), Failure>,
    ) -> Result<(), Failure> {
        let Some(expect) = &self.expect else {
            return outcome;
        };
        if let Err(failure) = &outcome {
            if failure.exit_code() != 0 {
                return outcome;
            }
            if let Failure::Runtime { text, .. } = failure {
                s.print_error(text.trim_end(), self.config.common.quiet);
            }
        }
        expect.at_end(s.now())
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
                // `stop_processing`), unless `--reconnect` says otherwise.
                if let AfterLoss::Stop { failed_attempts } = s.reconnect_after_loss(true) {
                    self.phase = Phase::Done {
                        ignore_queued: true,
                    };
                    s.finish(Err(exit::ci::connection_lost(failed_attempts)));
                }
            }
            _ => {}
        }
    }

    /// `-W` expired. Before the first CONNACK mosquitto_sub exits 255 silently; after it, it
    /// disconnects, prints `Timed out` and exits 27. Either way at once, whatever stdout holds.
    fn timed_out<L: Link>(&mut self, s: &mut Session<L>, at: Instant) {
        s.hurry();
        if !s.ever_connected() {
            s.abort(Err(exit::ended_before_connack()));
            return;
        }
        self.time_is_up(s, at);
    }

    /// `-W` after CONNACK, or `--timeout`: disconnect (MQTT 5: asking for the will, as on a
    /// signal), print `Timed out` and exit 27, or report the `--expect-*` outcome instead. The
    /// time-out replaces an outcome decided before. `at`: the time limit (the expectation's report
    /// names it rather than the moment the timer was noticed).
    fn time_is_up<L: Link>(&mut self, s: &mut Session<L>, at: Instant) {
        self.end_rate(s);
        let outcome = match &self.expect {
            Some(expect) => expect.at_end(at),
            None => Err(exit::timed_out()),
        };
        if s.client_ref().is_connected() {
            self.phase = Phase::Closing { outcome };
            self.send_disconnect(s, DISCONNECT_WITH_WILL);
        } else {
            self.phase = Phase::Done {
                ignore_queued: true,
            };
            s.cancel_reconnect();
            s.abort(outcome);
        }
    }

    /// `--idle-timeout`: no message for that long after the SUBACK: a normal end.
    fn idle<L: Link>(&mut self, s: &mut Session<L>, at: Instant) {
        let outcome = self
            .expect
            .as_ref()
            .map_or(Ok(()), |expect| expect.at_end(at));
        self.end_with(s, outcome, NORMAL_DISCONNECTION);
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
            Event::Unsubscribed { mid, reason_codes } => self.unsubscribed(s, mid, &reason_codes),
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
        let due = |deadline: Option<Instant>| deadline.filter(|&at| now >= at);
        if let Some(at) = due(self.timeout_at) {
            self.timeout_at = None;
            self.timed_out(s, at);
        } else if let Some(at) = due(self.run_timeout_at) {
            self.run_timeout_at = None;
            self.time_is_up(s, at);
        } else if let Some(at) = due(self.idle_at) {
            self.idle_at = None;
            if !self.is_ending() {
                self.idle(s, at);
            }
        }
        false
    }

    fn deadline(&self) -> Option<Instant> {
        let rate = self.rate.as_ref().map(MessageRate::deadline);
        [self.timeout_at, self.run_timeout_at, self.idle_at, rate]
            .into_iter()
            .flatten()
            .min()
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
