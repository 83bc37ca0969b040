//! `rpub --check`: a connectivity and latency probe (issue 14). Connect, subscribe to a private
//! topic, publish `--repeat` probes one after the other (each waits for the previous one to come
//! back, or to be given up, then for `--repeat-delay`), receive each back, disconnect and report.
//!
//! Latency is measured with the driver's own timestamps: from the return of the socket write that
//! carried the probe's PUBLISH to the read that brought it back (`Link::io_times`), so the session
//! loop's own work is not counted (docs/performance.md).

mod report;

use std::time::{Duration, Instant};

use super::session::{Link, Role, Session};
use crate::cli::config::{CheckConfig, ClientIdChoice, PubConfig};
use crate::exit::{self, Failure};
use crate::proto::codec::{RetainHandling, SUBACK_FAILURE, SubscribeFilter};
use crate::proto::event::{ConnectionError, Event};
use crate::tool::Tool;
pub use report::CheckReport;

/// Without `--connect-timeout`, a check gives up on a broker that does not answer after this.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A probe that has not come back after this (or `--check-crit`, if longer) is lost.
pub const PROBE_WAIT: Duration = Duration::from_secs(2);

/// Runs the check and prints its report; the exit code depends on the format (see `exit::ci`).
pub fn run(mut config: PubConfig) -> Result<(), Failure> {
    let Some(check) = config.check.clone() else {
        return super::publisher::run(config);
    };
    prepare(&mut config);
    let client_id = super::resolve_client_id(&config.common);
    let broker = super::session::broker_label(&config.common.connect);
    let mut report = CheckReport {
        broker,
        topic: config.topic.clone(),
        qos: config.common.qos.as_u8(),
        ..CheckReport::default()
    };
    let started = super::start_session(&config.common, &client_id, false, Tool::Pub, || {
        check_trace_options(&config, &check)
    });
    match started {
        Ok(mut session) => {
            let mut checker = Checker::new(config, &check, session.started());
            let outcome = session.run(&mut checker);
            report = checker.into_report(report);
            let outcome = finish(&check, report, outcome);
            session.record_outcome(&outcome);
            outcome
        }
        // Traced already, as the outcome of the run.
        Err(failure) => finish(&check, report, Err(failure)),
    }
}

/// The check's own options, for the first line of `--trace`.
fn check_trace_options(
    config: &PubConfig,
    check: &CheckConfig,
) -> serde_json::Map<String, serde_json::Value> {
    let mut options = serde_json::Map::new();
    options.insert("check".into(), serde_json::json!(true));
    options.insert("topic".into(), serde_json::json!(config.topic));
    options.insert("repeat".into(), serde_json::json!(config.repeat));
    options.insert(
        "check_format".into(),
        serde_json::json!(format!("{:?}", check.format).to_lowercase()),
    );
    options
}

/// A private client id and topic, and a time limit for the connection.
pub(super) fn prepare(config: &mut PubConfig) {
    if config.common.client_id == ClientIdChoice::Default {
        config.common.client_id = ClientIdChoice::Prefix("rpub-check-".to_string());
    }
    if config.topic.is_empty() {
        config.topic = format!("rpubsub/check/{}", super::resolve_client_id(&config.common));
    }
    // `-I` makes the id from the process id: the topic above used the same one.
    if let ClientIdChoice::Prefix(_) = config.common.client_id {
        config.common.client_id = ClientIdChoice::Fixed(super::resolve_client_id(&config.common));
    }
    config
        .common
        .ci
        .connect_timeout
        .get_or_insert(DEFAULT_CONNECT_TIMEOUT);
    // Each probe is written at once: Nagle's algorithm would hold it behind the acknowledgement of
    // the previous one and add the peer's delayed-ACK time (40 ms on Linux) to the latency.
    config.common.connect.nodelay = true;
}

/// Prints the report and picks the exit code: Nagios's for `nagios`; otherwise the failure that
/// stopped the check, or 0/45/46 for OK/WARNING/CRITICAL.
fn finish(
    check: &CheckConfig,
    mut report: CheckReport,
    outcome: Result<(), Failure>,
) -> Result<(), Failure> {
    if let Err(failure) = &outcome {
        report.error = Some(match failure {
            Failure::Runtime { text, .. } => text.trim_end().to_string(),
            other => format!("exit status {}", other.exit_code()),
        });
    }
    let status = report.status(check);
    let mut stdout = crate::output::stdout::Output::new();
    stdout
        .buffer()
        .extend_from_slice(report.render(check).as_bytes());
    stdout.flush();
    match check.format {
        crate::cli::config::CheckFormat::Nagios => match status {
            exit::ci::CheckStatus::Ok => Ok(()),
            status => Err(exit::ci::check_nagios_exit(status)),
        },
        _ => match outcome {
            Err(failure) => Err(failure),
            Ok(()) => exit::ci::check_exit(status).map_or(Ok(()), Err),
        },
    }
}

/// Where the check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Subscribing,
    Probing,
    Disconnecting,
}

/// One probe in flight.
#[derive(Debug, Clone, Copy)]
struct Probe {
    number: u32,
    queued: Instant,
    written: Option<Instant>,
    give_up_at: Instant,
}

/// The check's role in the session loop.
pub struct Checker {
    config: PubConfig,
    phase: Phase,
    started: Instant,
    /// `--timeout`.
    timeout_at: Option<Instant>,
    probe_wait: Duration,
    prefix: String,
    total: u32,
    sent: u32,
    current: Option<Probe>,
    next_at: Option<Instant>,
    subscribe_queued: Option<Instant>,
    connack: Option<Duration>,
    suback: Option<Duration>,
    latencies: Vec<Duration>,
    times: crate::net::ConnectTimes,
}

impl Checker {
    /// The check of `config`, its first connection attempt begun at `started`.
    pub fn new(config: PubConfig, check: &CheckConfig, started: Instant) -> Checker {
        let probe_wait = check.crit.map_or(PROBE_WAIT, |crit| crit.max(PROBE_WAIT));
        let prefix = format!("rpubsub-check {} ", std::process::id());
        Checker {
            timeout_at: config.common.ci.timeout.map(|limit| started + limit),
            total: config.repeat.max(1),
            config,
            phase: Phase::Connecting,
            started,
            probe_wait,
            prefix,
            sent: 0,
            current: None,
            next_at: None,
            subscribe_queued: None,
            connack: None,
            suback: None,
            latencies: Vec::new(),
            times: crate::net::ConnectTimes::default(),
        }
    }

    /// The measurements, into `report`.
    pub fn into_report(self, report: CheckReport) -> CheckReport {
        let since = |at: Option<Instant>| at.map(|at| at.saturating_duration_since(self.started));
        CheckReport {
            resolved: since(self.times.resolved),
            tcp: since(self.times.tcp),
            proxy: since(self.times.proxy),
            tls: since(self.times.tls_done),
            connack: self.connack,
            suback: self.suback,
            sent: self.sent,
            latencies: self.latencies,
            ..report
        }
    }

    fn since_start(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.started)
    }

    fn connected<L: Link>(&mut self, s: &mut Session<L>) {
        let now = s.now();
        self.times = s.link.connect_times();
        let connack_read = s.io_times().last_read.unwrap_or(now);
        self.connack = Some(self.since_start(connack_read));
        self.phase = Phase::Subscribing;
        let filter = SubscribeFilter {
            filter: self.config.topic.clone(),
            qos: self.config.common.qos,
            no_local: false,
            retain_as_published: false,
            retain_handling: RetainHandling::SendAtSubscribe,
        };
        self.subscribe_queued = Some(now);
        // Cannot fail right after CONNACK; if it did, the connection end reports it.
        let _ = s.client().subscribe_with_options(
            std::slice::from_ref(&filter),
            Default::default(),
            now,
        );
    }

    fn subscribed<L: Link>(&mut self, s: &mut Session<L>, codes: &[u8]) {
        let read = s.io_times().last_read.unwrap_or_else(|| s.now());
        let written = self.written_after(s, self.subscribe_queued);
        self.suback = written.map(|written| read.saturating_duration_since(written));
        if codes.first().is_none_or(|&code| code >= SUBACK_FAILURE) {
            let problem = exit::ci::SubscriptionProblem::Denied {
                filter: self.config.topic.clone(),
                code: codes.first().copied().unwrap_or(SUBACK_FAILURE),
                v5: self.config.common.version == crate::proto::codec::Version::V5,
            };
            self.disconnect(s);
            s.finish(Err(exit::ci::strict_subscription(&[problem])));
            return;
        }
        self.phase = Phase::Probing;
        self.next_at = Some(s.now());
    }

    /// The driver's last write, if it happened after `queued` (the write that carried what was
    /// queued then).
    fn written_after<L: Link>(&self, s: &Session<L>, queued: Option<Instant>) -> Option<Instant> {
        let written = s.io_times().last_write?;
        (written >= queued?).then_some(written)
    }

    fn message<L: Link>(&mut self, s: &mut Session<L>, topic: &str, payload: &[u8]) {
        let Some(probe) = self.current else {
            return;
        };
        let expected = format!("{}{}", self.prefix, probe.number);
        if topic != self.config.topic || payload != expected.as_bytes() {
            return;
        }
        let read = s.io_times().last_read.unwrap_or_else(|| s.now());
        let written = probe
            .written
            .or_else(|| self.written_after(s, Some(probe.queued)))
            .unwrap_or(probe.queued);
        self.latencies.push(read.saturating_duration_since(written));
        self.probe_over(s.now());
    }

    /// The current probe came back or was given up: the next one after `--repeat-delay`.
    fn probe_over(&mut self, now: Instant) {
        self.current = None;
        self.next_at = Some(now + self.config.repeat_delay);
    }

    fn disconnect<L: Link>(&mut self, s: &mut Session<L>) {
        if self.phase != Phase::Disconnecting && s.client_ref().is_connected() {
            self.phase = Phase::Disconnecting;
            let now = s.now();
            let properties = self.config.common.disconnect_properties.clone();
            s.client().disconnect_with_reason(0, properties, now);
        }
    }

    fn closed<L: Link>(&mut self, s: &mut Session<L>, error: &ConnectionError) {
        if let Some(failure) = s.take_tls_failure() {
            s.finish(Err(exit::tls_failure(&failure)));
            return;
        }
        if let Some(failure) = s.take_final_ws_failure() {
            s.finish(Err(exit::ws_failure(&failure)));
            return;
        }
        let outcome = match error {
            ConnectionError::Refused(code) => {
                let line = exit::connection_refused_line(self.config.common.version, *code);
                let code = exit::publisher_connection_end(error).map_or(1, |f| f.exit_code());
                Err(Failure::runtime(line, code))
            }
            _ => exit::publisher_connection_end(error).map_or(Ok(()), Err),
        };
        s.finish(outcome);
    }

    /// Sends the next probe, gives up the current one, or disconnects when all are done.
    fn probe<L: Link>(&mut self, s: &mut Session<L>) -> bool {
        let now = s.now();
        if let Some(mut probe) = self.current {
            if probe.written.is_none() {
                probe.written = self.written_after(s, Some(probe.queued));
                self.current = Some(probe);
            }
            if now >= probe.give_up_at {
                self.probe_over(now);
            }
            return false;
        }
        if self.next_at.is_some_and(|at| now < at) {
            return false;
        }
        if self.sent >= self.total {
            self.disconnect(s);
            return true;
        }
        self.sent += 1;
        let payload = format!("{}{}", self.prefix, self.sent).into_bytes();
        let qos = self.config.common.qos;
        let result = s
            .client()
            .publish(&self.config.topic, payload, qos, false, now);
        if let Err(error) = result {
            s.print_error(
                exit::publish_refused_line(&crate::proto::client::PublishError::Command(error))
                    .unwrap_or("Error: the probe could not be published."),
                self.config.common.quiet,
            );
            self.disconnect(s);
            return true;
        }
        self.next_at = None;
        self.current = Some(Probe {
            number: self.sent,
            queued: now,
            written: None,
            give_up_at: now + self.probe_wait,
        });
        true
    }
}

impl Role for Checker {
    fn on_event<L: Link>(&mut self, s: &mut Session<L>, event: Event) {
        match event {
            Event::Connected { .. } => self.connected(s),
            Event::Subscribed { return_codes, .. } => self.subscribed(s, &return_codes),
            Event::Message(message) => self.message(s, &message.topic, &message.payload),
            Event::Closed(error) => self.closed(s, &error),
            _ => {}
        }
    }

    fn poll<L: Link>(&mut self, s: &mut Session<L>) -> bool {
        if s.is_leaving() {
            return false;
        }
        if self.timeout_at.is_some_and(|at| s.now() >= at) {
            self.timeout_at = None;
            let limit = self.config.common.ci.timeout.unwrap_or_default();
            let failure = exit::ci::publish_timed_out(
                limit,
                exit::ci::PublishProgress::Publishing {
                    done: u64::try_from(self.latencies.len()).unwrap_or(u64::MAX),
                    waiting: usize::from(self.current.is_some()),
                },
            );
            if s.client_ref().is_connected() {
                self.disconnect(s);
                s.finish(Err(failure));
            } else {
                s.abort(Err(failure));
            }
            return true;
        }
        if self.phase == Phase::Probing {
            return self.probe(s);
        }
        false
    }

    fn deadline(&self) -> Option<Instant> {
        let give_up = self.current.map(|probe| probe.give_up_at);
        [self.timeout_at, self.next_at, give_up]
            .into_iter()
            .flatten()
            .min()
    }
}
