//! rrr: MQTT request/response as mosquitto_rr does it. Connect, subscribe to the response topic
//! (`-e`), publish the request (`-t`; MQTT 5: with `-e` as its Response Topic property, after the
//! `-D publish` properties) once the SUBACK granted the subscription, print the first response and
//! leave: no DISCONNECT after a response (the queued acknowledgement of a QoS 1/2 response is still
//! written), a DISCONNECT after `-W` expired (with reason 4, so an MQTT 5 broker publishes the will,
//! as mosquitto_rr's alarm does) or after the subscription was refused.
//!
//! Beyond mosquitto_rr 2.0.11 (docs/decisions.md): a message whose correlation data differs from
//! the request's (`-D publish correlation-data`) is not the response and is ignored, `-R` ignores
//! retained messages (mosquitto_rr 2.1), and `--latency` prints the time from request to response
//! (mosquitto_rr 2.1's format).

use std::time::{Duration, Instant};

use super::input::{load_file, load_stdin};
use super::session::{Link, Role, Session, is_lost, is_protocol_violation};
use super::subscriber::v5_properties;
use crate::cli::config::{MessageSource, RrConfig};
use crate::exit::{self, Failure};
use crate::output::{MessageView, OutputMode, OutputSink, Printer, SystemClock};
use crate::proto::codec::{
    Properties, Property, RetainHandling, SUBACK_FAILURE, SubscribeFilter, Version,
};
use crate::proto::event::{ConnectionError, Event, Message, PacketInfo};
use crate::tool::Tool;

/// MQTT 5 DISCONNECT reason codes: a normal end, and the one that has the broker publish the will
/// (what mosquitto_rr's `-W` alarm sends).
const NORMAL_DISCONNECTION: u8 = 0;
const DISCONNECT_WITH_WILL: u8 = 4;

/// Runs rrr; `Ok(())` is exit code 0. `prog` is the name the program was invoked as.
pub fn run(mut config: RrConfig, prog: &str) -> Result<(), Failure> {
    // The command line loads `-f`/`-s` already (`cli::parse_rr_with`); a config built otherwise
    // still gets its input read before connecting, as rpub does.
    let payload = match std::mem::replace(&mut config.source, MessageSource::Null) {
        MessageSource::Message(bytes) => bytes,
        MessageSource::Null | MessageSource::StdinLines | MessageSource::JsonLines => Vec::new(),
        MessageSource::File(path) => load_file(&path)?,
        MessageSource::StdinWhole => load_stdin()?,
    };
    let client_id = super::resolve_client_id(&config.common);
    // No signal watching: mosquitto_rr has no SIGINT/SIGTERM handler, so either ends it at once.
    let mut session = super::start_session(&config.common, &client_id, false, Tool::Rr, || {
        trace_options(&config)
    })?;
    // mosquitto_rr arms the -W alarm once the TCP connection is made, before CONNACK.
    let mut requester = Requester::new(config, payload, prog, session.now());
    let outcome = session.run(&mut requester);
    session.record_outcome(&outcome);
    outcome
}

/// rrr's own options, for the first line of `--trace`.
fn trace_options(config: &RrConfig) -> serde_json::Map<String, serde_json::Value> {
    let mut options = serde_json::Map::new();
    options.insert("topic".into(), serde_json::json!(config.topic));
    options.insert(
        "response_topic".into(),
        serde_json::json!(config.response_topic),
    );
    options.insert("timeout".into(), serde_json::json!(config.timeout));
    options
}

/// Where the requester is in its run.
#[derive(Debug)]
enum Phase {
    /// Waiting for CONNACK.
    Connecting,
    /// SUBSCRIBE sent, waiting for the SUBACK before sending the request.
    Subscribing,
    /// The request was sent then; waiting for the response.
    Waiting { sent_at: Instant },
    /// Our DISCONNECT is queued (`-W`, a refused subscription); the run ends with `outcome` once it
    /// is written. mosquitto_rr leaves its loop then, so nothing else is read.
    Closing { outcome: Result<(), Failure> },
    /// The outcome went to the session; only our own `sending DISCONNECT` line may still come (after
    /// a refused CONNACK).
    Done,
}

/// rrr's role in the session loop.
pub struct Requester {
    config: RrConfig,
    payload: Vec<u8>,
    printer: Printer,
    phase: Phase,
    /// `-W`: when the run times out.
    timeout_at: Option<Instant>,
    /// The correlation data a response must carry: the request's (MQTT 5 `-D publish
    /// correlation-data`), `None` when it has none.
    correlation: Option<Vec<u8>>,
    /// The program's name, for the one message in which mosquitto_rr names itself.
    prog: String,
    /// Runtime error text produced while formatting the response (`%J` with a non-JSON payload).
    errors: Vec<u8>,
}

impl Requester {
    /// The role for `config` sending `payload`, its connection opened at `now`.
    pub fn new(mut config: RrConfig, payload: Vec<u8>, prog: &str, now: Instant) -> Requester {
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
        let correlation = (config.common.version == Version::V5)
            .then(|| {
                config
                    .publish_properties
                    .correlation_data()
                    .map(<[u8]>::to_vec)
            })
            .flatten();
        Requester {
            config,
            payload,
            printer,
            phase: Phase::Connecting,
            timeout_at,
            correlation,
            prog: prog.to_string(),
            errors: Vec::new(),
        }
    }

    fn v5(&self) -> bool {
        self.config.common.version == Version::V5
    }

    /// CONNACK 0: subscribe to the response topic with the `-q` QoS. MQTT 5: with the options of
    /// `-R` (retained messages not sent) and `--retain-as-published`, and the `-D subscribe`
    /// properties.
    fn connected<L: Link>(&mut self, s: &mut Session<L>) {
        self.phase = Phase::Subscribing;
        let v5 = self.v5();
        let config = &self.config;
        // `-D subscribe` then a `-V` back to 3.x: libmosquitto refuses to send the SUBSCRIBE and
        // mosquitto_rr does not notice, so it waits (until -W).
        if !v5 && !config.subscribe_properties.is_empty() {
            return;
        }
        let filter = SubscribeFilter {
            filter: config.response_topic.clone(),
            qos: config.common.qos,
            no_local: false,
            retain_as_published: v5 && config.retain_as_published,
            retain_handling: if v5 {
                config.retain_handling
            } else {
                RetainHandling::SendAtSubscribe
            },
        };
        let now = s.now();
        // Cannot fail right after CONNACK; if it did, the end of the connection reports it.
        let _ =
            s.client()
                .subscribe_with_options(&[filter], config.subscribe_properties.clone(), now);
    }

    /// The SUBACK: a refused subscription is reported with its reason string and ends the run
    /// (mosquitto_rr disconnects and exits 0); a granted one lets the request go.
    fn subscribed<L: Link>(&mut self, s: &mut Session<L>, return_codes: &[u8]) {
        if !matches!(self.phase, Phase::Subscribing) {
            return;
        }
        match return_codes.first() {
            Some(&code) if code >= SUBACK_FAILURE => {
                // mosquitto_rr queues its DISCONNECT in the SUBACK callback and leaves its loop;
                // whether it is written before the socket closes is a race there (mostly not). We
                // always send it, as mosquitto_rr means to (no will is published then).
                s.print_error(exit::reason_string(code), self.config.common.quiet);
                self.end_with(s, Ok(()), NORMAL_DISCONNECTION);
            }
            _ => self.send_request(s),
        }
    }

    /// Publishes the request. A refusal ends the run at once with libmosquitto's error, as
    /// mosquitto_rr's loop ends.
    fn send_request<L: Link>(&mut self, s: &mut Session<L>) {
        let now = s.now();
        if self.config.topic.is_empty() {
            self.leave(s, Err(exit::request_failure(None)));
            return;
        }
        // MQTT 3.x sends no properties (mosquitto_rr publishes without them then).
        let properties = if self.v5() {
            let mut properties: Properties = self.config.publish_properties.clone();
            properties.push(Property::ResponseTopic(self.config.response_topic.clone()));
            properties
        } else {
            Properties::new()
        };
        let payload = std::mem::take(&mut self.payload);
        let result = s.client().publish_with_properties(
            &self.config.topic,
            payload,
            self.config.common.qos,
            false,
            properties,
            now,
        );
        match result {
            Ok(_) => self.phase = Phase::Waiting { sent_at: now },
            Err(error) => self.leave(s, Err(exit::request_failure(Some(&error)))),
        }
    }

    /// A message arrived: the response unless `-R` or the correlation data say otherwise. Like
    /// mosquitto_rr, any message counts, even one that comes before the request was sent (a
    /// persistent session's queued message).
    fn message<L: Link>(&mut self, s: &mut Session<L>, message: &Message) {
        let sent_at = match self.phase {
            Phase::Connecting | Phase::Subscribing => None,
            Phase::Waiting { sent_at } => Some(sent_at),
            Phase::Closing { .. } | Phase::Done => return,
        };
        if !is_response(message, self.config.no_retain, self.correlation.as_deref()) {
            return;
        }
        self.print(s, message);
        if self.config.latency
            && let Some(sent_at) = sent_at
        {
            let line = latency_line(s.now().saturating_duration_since(sent_at));
            s.output().buffer().extend_from_slice(line.as_bytes());
        }
        // mosquitto_rr leaves without a DISCONNECT; what is queued (the acknowledgement of a QoS
        // 1/2 response) is still written.
        self.leave(s, Ok(()));
    }

    /// Prints the response into the output buffer, as mosquitto_sub would.
    fn print<L: Link>(&mut self, s: &mut Session<L>, message: &Message) {
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
        self.errors.clear();
        // Streamed, as rsub's: a huge `-F` width or payload is never held whole.
        let mut sink = OutputSink::new(s.output());
        self.printer
            .write_message(&view, &SystemClock, &mut sink, &mut self.errors);
        let start = sink.unwritten_start();
        if !self.errors.is_empty() && !self.config.common.quiet {
            // What came before the response first, then the error, then the response: the order
            // mosquitto's line-buffered stdout and unbuffered stderr show on a terminal. (Part of
            // a response larger than the output buffer is written already: the error follows it.)
            exit::print_message_errors(s.output(), start, &self.errors);
        }
    }

    /// Ends the run now with `outcome`, writing what is queued (no DISCONNECT is added).
    fn leave<L: Link>(&mut self, s: &mut Session<L>, outcome: Result<(), Failure>) {
        self.phase = Phase::Done;
        s.finish(outcome);
    }

    /// Sends DISCONNECT with the MQTT 5 `reason_code` and the `-D disconnect` properties, and ends
    /// with `outcome` once it is written; without a connection, ends at once.
    fn end_with<L: Link>(&mut self, s: &mut Session<L>, outcome: Result<(), Failure>, reason: u8) {
        if s.client_ref().is_closed() {
            self.leave(s, outcome);
            return;
        }
        self.send_disconnect(s, reason);
        self.phase = Phase::Closing { outcome };
    }

    fn send_disconnect<L: Link>(&mut self, s: &mut Session<L>, reason: u8) {
        let now = s.now();
        let properties = self.config.common.disconnect_properties.clone();
        s.client().disconnect_with_reason(reason, properties, now);
    }

    fn closed<L: Link>(&mut self, s: &mut Session<L>, error: ConnectionError) {
        let phase = std::mem::replace(&mut self.phase, Phase::Done);
        if let Phase::Closing { outcome } = phase {
            // Our DISCONNECT went out (or the connection ended while it was queued): the outcome
            // decided then stands, `Timed out` included.
            s.finish(outcome);
            return;
        }
        if let ConnectionError::Refused(code) = error {
            // Printed when CONNACK arrives; then mosquitto_rr asks for a DISCONNECT, whose `-d`
            // line is printed, but leaves its loop before writing it: the run ends once that line
            // was traced, and the DISCONNECT is never sent.
            s.print_error(
                &exit::requester_connection_refused_line(code, &self.prog),
                self.config.common.quiet,
            );
            self.send_disconnect(s, NORMAL_DISCONNECTION);
            s.abort(exit::requester_connection_end(&error).map_or(Ok(()), Err));
            return;
        }
        if is_lost(&error) || is_protocol_violation(&error) {
            // A failed TLS handshake, or a TLS server answering plain MQTT (bytes that are not
            // MQTT): said as such.
            if let Some(failure) = s.take_tls_failure() {
                s.finish(Err(exit::tls_failure(&failure)));
                return;
            }
            if s.client_ref().server_disconnect().is_some() {
                // An MQTT 5 server said goodbye: mosquitto_rr's loop ends with "no connection",
                // which it counts as success (its message count is 1).
                s.finish(Ok(()));
                return;
            }
        }
        // No reconnection: mosquitto_rr reports the loop's error and exits with it.
        s.finish(exit::requester_connection_end(&error).map_or(Ok(()), Err));
    }

    /// `-W` expired: DISCONNECT with reason 4 (even before CONNACK), then `Timed out`, exit 27.
    fn timed_out<L: Link>(&mut self, s: &mut Session<L>) {
        match self.phase {
            Phase::Closing { .. } | Phase::Done => {}
            Phase::Connecting | Phase::Subscribing | Phase::Waiting { .. } => {
                self.end_with(s, Err(exit::timed_out()), DISCONNECT_WITH_WILL);
            }
        }
    }
}

impl Role for Requester {
    fn accepts(&self, event: &Event) -> bool {
        match self.phase {
            Phase::Connecting | Phase::Subscribing | Phase::Waiting { .. } => true,
            Phase::Closing { .. } => matches!(
                event,
                Event::Sent(PacketInfo::Disconnect) | Event::Closed(_)
            ),
            Phase::Done => matches!(event, Event::Sent(PacketInfo::Disconnect)),
        }
    }

    fn on_event<L: Link>(&mut self, s: &mut Session<L>, event: Event) {
        match event {
            Event::Connected { .. } => self.connected(s),
            Event::Subscribed { return_codes, .. } => self.subscribed(s, &return_codes),
            Event::Message(message) => self.message(s, &message),
            Event::Closed(error) => self.closed(s, error),
            // mosquitto_rr sets no publish callback: an acknowledgement of the request, even a
            // refusing MQTT 5 one, changes nothing.
            _ => {}
        }
    }

    fn poll<L: Link>(&mut self, s: &mut Session<L>) -> bool {
        if s.is_leaving() {
            return false;
        }
        if self.timeout_at.is_some_and(|at| s.now() >= at) {
            self.timeout_at = None;
            self.timed_out(s);
            return true;
        }
        false
    }

    fn deadline(&self) -> Option<Instant> {
        self.timeout_at
    }
}

/// Whether `message` is the response. `-R`: a retained message is not. With `correlation` (the
/// request's correlation data) only a message carrying the same correlation data is: the MQTT 5
/// responder copies it from the request (MQTT 5.0 §4.10), so anything else answers another request
/// or is a stale retained answer.
pub fn is_response(message: &Message, no_retain: bool, correlation: Option<&[u8]>) -> bool {
    if no_retain && message.retain {
        return false;
    }
    match correlation {
        Some(expected) => message.properties.correlation_data() == Some(expected),
        None => true,
    }
}

/// `--latency`'s line, as mosquitto_rr 2.1 prints it: seconds with nine decimals and no unit from
/// one second on, otherwise nanoseconds below 1 µs, microseconds (`%f`, six decimals) below 1 ms,
/// milliseconds (six decimals) below 1 s.
pub fn latency_line(latency: Duration) -> String {
    let seconds = latency.as_secs();
    let nanos = latency.subsec_nanos();
    if seconds > 0 {
        format!("Latency: {seconds}.{nanos:09}\n")
    } else if nanos < 1_000 {
        format!("Latency: {nanos}ns\n")
    } else if nanos < 1_000_000 {
        format!("Latency: {:.6}µs\n", f64::from(nanos) / 1_000.0)
    } else {
        format!("Latency: {:.6}ms\n", f64::from(nanos) / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{is_response, latency_line};
    use crate::proto::codec::{Properties, Property, Publish};
    use std::time::Duration;

    fn message(retain: bool, correlation: Option<&[u8]>) -> Publish {
        let mut properties = Properties::new();
        if let Some(data) = correlation {
            properties.push(Property::CorrelationData(data.to_vec()));
        }
        Publish {
            retain,
            topic: "resp".into(),
            payload: b"x".to_vec(),
            properties,
            ..Publish::default()
        }
    }

    /// The request's correlation data, the response's, and whether it is the response.
    type CorrelationCase = (Option<&'static [u8]>, Option<&'static [u8]>, bool);

    #[test]
    fn a_response_must_carry_the_requests_correlation_data() {
        let cases: &[CorrelationCase] = &[
            (None, None, true),
            (None, Some(b"any"), true),
            (Some(b"id-1"), Some(b"id-1"), true),
            (Some(b"id-1"), Some(b"id-2"), false),
            (Some(b"id-1"), Some(b"id-1 "), false),
            (Some(b"id-1"), None, false),
            (Some(b""), Some(b""), true),
            (Some(b""), None, false),
        ];
        for &(request, response, expected) in cases {
            assert_eq!(
                is_response(&message(false, response), false, request),
                expected,
                "request {request:?} response {response:?}"
            );
        }
    }

    #[test]
    fn r_makes_retained_messages_no_response() {
        assert!(is_response(&message(true, None), false, None));
        assert!(!is_response(&message(true, None), true, None));
        assert!(is_response(&message(false, None), true, None));
        assert!(!is_response(&message(true, Some(b"c")), true, Some(b"c")));
    }

    // The shapes mosquitto_rr 2.1.2 printed: `Latency: 6.958726ms`, `Latency: 1.306210323`.
    #[test]
    fn latency_is_printed_in_mosquitto_2_1s_units() {
        let cases = [
            (Duration::from_nanos(0), "Latency: 0ns\n"),
            (Duration::from_nanos(999), "Latency: 999ns\n"),
            (Duration::from_nanos(1_000), "Latency: 1.000000µs\n"),
            (Duration::from_nanos(123_456), "Latency: 123.456000µs\n"),
            (Duration::from_nanos(999_999), "Latency: 999.999000µs\n"),
            (Duration::from_nanos(1_000_000), "Latency: 1.000000ms\n"),
            (Duration::from_nanos(6_958_726), "Latency: 6.958726ms\n"),
            (Duration::from_nanos(999_999_999), "Latency: 999.999999ms\n"),
            (Duration::from_secs(1), "Latency: 1.000000000\n"),
            (
                Duration::from_nanos(1_306_210_323),
                "Latency: 1.306210323\n",
            ),
            (Duration::from_secs(75), "Latency: 75.000000000\n"),
        ];
        for (latency, line) in cases {
            assert_eq!(latency_line(latency), line, "{latency:?}");
        }
    }
}
