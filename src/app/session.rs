//! The session loop: the one loop every tool runs. It owns the link to the broker, drains the client's
//! events, hands them to the trace sink and to the tool's [`Role`], reconnects when the role asks for
//! it, keeps the deadlines and runs the final DISCONNECT-and-flush sequence.
//!
//! ```text
//! loop {
//!     drain events:  display id (MQTT 5 assigned id) -> trace sink -> role.on_event
//!     leaving?       Finish: write what is queued (DISCONNECT), close, flush; Abort: flush only
//!     role.poll      publish what is due, check the role's own timers; true = go round again
//!     reconnect      when the delay after a lost connection has passed
//!     link.turn      write, wait until the socket, a signal or the earliest deadline, read, timers
//! }
//! ```
//!
//! The loop never reads the clock itself: time comes from [`Link::now`], so the roles' policies
//! (repeat delay, `-W`, reconnect timing, `-C`) run under simulated time in the tests
//! (`app/sim.rs`) exactly as they run against a socket.

use std::io;
use std::time::{Duration, Instant};

use super::policy::{BrokerWait, ConnectPolicy, ReconnectBudget, broker_not_listening};
use crate::exit::ci::PendingStage;
use crate::exit::{self, Failure};
use crate::net::{
    ConnectFailure, ConnectSpec, ConnectStage, ConnectTimes, Drain, Driver, Endpoint, IoTimes,
    Turn, WsFailure,
};
use crate::output::stdout::Output;
use crate::proto::client::Client;
use crate::proto::event::{ConnectionError, Event};
use crate::tls::TlsFailure;
use crate::trace::{self, TraceRecord, TraceSink};

pub use super::policy::RECONNECT_DELAY;
pub use finish::DrainWatch;

mod finish;

/// Where the current connection attempt is, for `--connect-timeout`'s message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptInfo {
    /// `host:port` or the socket path.
    pub broker: String,
    /// The first stage not finished yet.
    pub pending: PendingStage,
    /// The attempt goes through a SOCKS5 proxy.
    pub proxy: bool,
    /// The attempt uses TLS.
    pub tls: bool,
}

/// How the first connection attempt went (see `app::start`).
#[derive(Debug)]
pub enum FirstAttempt {
    /// The transport is open, CONNECT is queued.
    Opened,
    /// Nothing listened at the broker's address; `--wait-for-broker` tries again.
    NotListening(ConnectFailure),
}

/// What happens after a lost connection ([`Session::reconnect_after_loss`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterLoss {
    /// A new attempt is scheduled.
    Reconnecting,
    /// The run ends; `failed_attempts` reconnect attempts were made since the last CONNACK.
    Stop { failed_attempts: u32 },
}

/// What the session loop needs from the I/O side: the mio driver in production, a simulated broker
/// and clock in the tests.
pub trait Link {
    fn client(&mut self) -> &mut Client;
    fn client_ref(&self) -> &Client;
    /// The shared stdout buffer (messages and `-d` lines, in the order they were produced).
    fn output(&mut self) -> &mut Output;
    /// The clock: every `now` of the session and its roles comes from here.
    fn now(&self) -> Instant;
    /// Opens a transport to the broker and starts a connection on it (CONNECT queued).
    fn connect(&mut self) -> Result<(), ConnectFailure>;
    /// Writes, waits for the socket, a signal, the client's timer or `deadline`, reads, fires timers.
    fn turn(&mut self, deadline: Option<Instant>) -> io::Result<Turn>;
    /// Writes what the client has queued, as far as the socket takes it without blocking.
    fn write_out(&mut self);
    /// One step of the final write of a run: writes what the socket takes; if bytes remain, waits
    /// until it can take more, a signal or `deadline`, and writes again (see [`Driver::drain`]).
    fn drain(&mut self, deadline: Option<Instant>) -> Drain;
    /// Drops the transport.
    fn close_stream(&mut self);
    /// The end of a run: writes what stdout has not taken yet, as long as its reader needs unless
    /// a signal arrives (`hurry`: only what it takes now). Returns how many bytes were dropped.
    fn finish_output(&mut self, hurry: bool) -> usize;
    /// Why the last TLS connection failed, once.
    fn take_tls_failure(&mut self) -> Option<TlsFailure>;
    /// Starts or stops reporting connection stages (for `--trace`; off by default).
    fn report_stages(&mut self, _on: bool) {}
    /// The connection stages reached since the last call, in order (empty unless reported).
    fn stages(&mut self) -> Vec<ConnectStage> {
        Vec::new()
    }
    /// Why the transport being opened could not be, once (after `Turn::connect_failed`).
    fn take_connect_failure(&mut self) -> Option<ConnectFailure>;
    /// Where the current connection attempt is.
    fn attempt_info(&self) -> AttemptInfo;
    /// The last socket write and read.
    fn io_times(&self) -> IoTimes {
        IoTimes::default()
    }
    /// When the current connection's transport was opened and its TLS handshake done.
    fn connect_times(&self) -> ConnectTimes {
        ConnectTimes::default()
    }
    /// Why the WebSocket layer ended the last connection, once.
    fn take_ws_failure(&mut self) -> Option<WsFailure> {
        None
    }
}

/// The production link: the mio driver and where to connect.
pub struct NetLink {
    pub driver: Driver,
    pub spec: ConnectSpec,
}

impl Link for NetLink {
    fn client(&mut self) -> &mut Client {
        &mut self.driver.client
    }
    fn client_ref(&self) -> &Client {
        &self.driver.client
    }
    fn output(&mut self) -> &mut Output {
        &mut self.driver.output
    }
    fn now(&self) -> Instant {
        self.driver.now()
    }
    fn connect(&mut self) -> Result<(), ConnectFailure> {
        self.driver.connect(&self.spec)
    }
    fn turn(&mut self, deadline: Option<Instant>) -> io::Result<Turn> {
        self.driver.turn(deadline)
    }
    fn write_out(&mut self) {
        self.driver.write_out();
    }
    fn drain(&mut self, deadline: Option<Instant>) -> Drain {
        self.driver.drain(deadline)
    }
    fn close_stream(&mut self) {
        self.driver.close_stream();
    }
    fn finish_output(&mut self, hurry: bool) -> usize {
        self.driver.finish_output(hurry)
    }
    fn take_tls_failure(&mut self) -> Option<TlsFailure> {
        self.driver.take_tls_failure()
    }
    fn report_stages(&mut self, on: bool) {
        self.driver.stages.set_on(on);
    }
    fn stages(&mut self) -> Vec<ConnectStage> {
        self.driver.stages.take()
    }
    fn take_connect_failure(&mut self) -> Option<ConnectFailure> {
        self.driver.take_connect_failure()
    }
    fn attempt_info(&self) -> AttemptInfo {
        let broker = broker_label(&self.spec);
        let pending = self.driver.pending_stage();
        AttemptInfo {
            broker,
            pending,
            proxy: self.spec.proxy.is_some(),
            tls: self.spec.tls.is_some(),
        }
    }
    fn io_times(&self) -> IoTimes {
        self.driver.io_times()
    }
    fn connect_times(&self) -> ConnectTimes {
        self.driver.connect_times()
    }
    fn take_ws_failure(&mut self) -> Option<WsFailure> {
        self.driver.take_ws_failure()
    }
}

/// What the user is told when a connection attempt could not be opened: a `--connect-timeout` that
/// ran out names the broker, the limit and the stage (as when it runs out later, before CONNACK).
pub fn connect_failure<L: Link>(
    link: &L,
    limit: Option<Duration>,
    failure: &ConnectFailure,
) -> Failure {
    match failure {
        ConnectFailure::TimedOut(pending) => {
            let info = link.attempt_info();
            exit::ci::connect_timed_out(
                &info.broker,
                limit.unwrap_or_default(),
                *pending,
                info.proxy,
                info.tls,
            )
        }
        other => exit::connect_failure(other),
    }
}

/// The broker as messages name it: `host:port`, or the unix socket's path.
pub fn broker_label(spec: &ConnectSpec) -> String {
    match &spec.endpoint {
        Endpoint::Tcp { host, port } => format!("{host}:{port}"),
        Endpoint::Unix { path } => path.display().to_string(),
    }
}

/// How a run leaves the loop.
#[derive(Debug)]
enum Leave {
    /// Write what is queued (our DISCONNECT), close the connection, then end with the outcome.
    Finish(Result<(), Failure>),
    /// End at once with the outcome; only stdout is flushed (mosquitto exits without a DISCONNECT).
    Abort(Result<(), Failure>),
}

/// What a tool does on top of the session loop. Every method gets the session, so a role can
/// publish, subscribe, print and decide the end of the run.
pub trait Role {
    /// Whether `event` is handled at all (rsub ignores what is still queued behind its DISCONNECT).
    fn accepts(&self, _event: &Event) -> bool {
        true
    }
    /// Whether the trace line of `event` was already recorded (rsub records the publish of a
    /// `--remove-retained` clearing message at the moment mosquitto prints it). Asked only while
    /// tracing.
    fn pretraced(&mut self, _event: &Event) -> bool {
        false
    }
    /// A client event, after it was traced.
    fn on_event<L: Link>(&mut self, session: &mut Session<L>, event: Event);
    /// Acts on what is due now, without waiting (publishes input, checks the role's timers).
    /// Returns true when it did something after which events may be waiting.
    fn poll<L: Link>(&mut self, _session: &mut Session<L>) -> bool {
        false
    }
    /// The next moment the role needs [`Role::poll`] to run, if any.
    fn deadline(&self) -> Option<Instant> {
        None
    }
    /// SIGINT or SIGTERM arrived (only for links that watch signals).
    fn on_signal<L: Link>(&mut self, _session: &mut Session<L>) {}
}

/// The state every role shares: the link, the trace sink, the id shown in trace lines, the
/// reconnect timer and the end of the run.
pub struct Session<L: Link> {
    pub link: L,
    trace: Option<Box<dyn TraceSink>>,
    /// The id as mosquitto shows it in `-d` lines (MQTT 5: the broker-assigned one from its
    /// CONNACK on).
    display_id: String,
    /// The connection is down and will be retried then.
    reconnect_at: Option<Instant>,
    /// A CONNACK accepted the connection at least once in this run.
    ever_connected: bool,
    /// The run is to end now (a signal, `-W`): the last writes take what the socket and stdout
    /// take at once, without waiting for them.
    hurried: bool,
    /// `--quiet`: no warning about output that could not be written.
    quiet: bool,
    leave: Option<Leave>,
    /// Reconnect attempts made so far (for the trace).
    reconnects: u32,
    /// The CI flags' connection policies (issue 14).
    policy: ConnectPolicy,
    /// `--reconnect`: attempts since the last CONNACK.
    budget: ReconnectBudget,
    /// `--wait-for-broker`: the first connection has not been accepted by TCP yet.
    broker_wait: Option<BrokerWait>,
    /// `--connect-timeout`: the current attempt must have its CONNACK by then.
    connect_deadline: Option<Instant>,
    /// The current attempt reconnects after a loss (rather than opening the first connection).
    reconnecting: bool,
    /// When the first connection attempt began.
    started: Instant,
}

impl<L: Link> Session<L> {
    /// A session over `link`, whose first connection is already being opened; `client_id` is the
    /// id CONNECT carries.
    pub fn new(link: L, client_id: &str, trace: Option<Box<dyn TraceSink>>) -> Session<L> {
        let link_now = link.now();
        Session {
            link,
            trace,
            display_id: trace::display_client_id(client_id).to_string(),
            reconnect_at: None,
            ever_connected: false,
            hurried: false,
            quiet: false,
            leave: None,
            policy: ConnectPolicy::default(),
            budget: ReconnectBudget::default(),
            broker_wait: None,
            connect_deadline: None,
            reconnecting: false,
            started: link_now,
            reconnects: 0,
        }
    }

    /// `--quiet` (see [`Session::print_error`]).
    pub fn quiet(mut self, quiet: bool) -> Session<L> {
        self.quiet = quiet;
        self
    }

    /// The user wants the run to end now (SIGINT, SIGTERM, `-W`): the final writes to the broker
    /// and to stdout take only what is taken at once, as mosquitto_sub exits at once even with a
    /// stdout nobody reads.
    pub fn hurry(&mut self) {
        self.hurried = true;
    }

    /// When the first connection attempt began.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Applies the CI flags' connection policies: `started` is when the first attempt began, `first`
    /// how it went.
    pub fn with_policy(
        mut self,
        policy: ConnectPolicy,
        started: Instant,
        first: FirstAttempt,
    ) -> Session<L> {
        self.budget = ReconnectBudget::new(policy.reconnect);
        self.policy = policy;
        self.started = started;
        match first {
            FirstAttempt::Opened => self.arm_connect_deadline(started),
            FirstAttempt::NotListening(failure) => self.attempt_failed(failure),
        }
        self
    }

    fn arm_connect_deadline(&mut self, started: Instant) {
        self.connect_deadline = self.policy.connect_timeout.map(|limit| started + limit);
    }

    /// The first connection attempt failed before the session could run: traced (the stages it
    /// reached, `connect_failed`, the outcome) and turned into what the user is told.
    pub fn opening_failed(&mut self, limit: Option<Duration>, failure: &ConnectFailure) -> Failure {
        let failure = connect_failure(&self.link, limit, failure);
        if self.trace.is_some() {
            self.record_stages();
            self.record_failed_attempt(&failure);
            self.record_outcome(&Err(failure.clone()));
        }
        failure
    }

    /// Traces an attempt that failed with `failure` (what the user is, or would be, told).
    fn record_failed_attempt(&mut self, failure: &Failure) {
        if self.trace.is_some() {
            let text = failure_text(failure);
            self.record(TraceRecord::ConnectFailed {
                message: text.as_deref().unwrap_or("connection failed"),
            });
        }
    }

    /// Traces the end of the run (exit code and the error text printed) and writes out what the
    /// trace holds.
    pub fn record_outcome(&mut self, outcome: &Result<(), Failure>) {
        if self.trace.is_none() {
            return;
        }
        let (code, message) = match outcome {
            Ok(()) => (0, None),
            Err(failure) => (failure.exit_code(), failure_text(failure)),
        };
        self.record(TraceRecord::Outcome {
            code,
            message: message.as_deref(),
        });
        if let Some(sink) = self.trace.as_mut() {
            sink.flush();
        }
    }

    /// Traces the connection stages the link reached since the last time.
    fn record_stages(&mut self) {
        if self.trace.is_none() {
            return;
        }
        for stage in self.link.stages() {
            self.record(TraceRecord::Stage(&stage));
        }
    }

    /// The trace's flush deadline; writes it out now when that has passed.
    fn trace_deadline(&mut self) -> Option<Instant> {
        let sink = self.trace.as_mut()?;
        let due = sink.flush_deadline()?;
        if Instant::now() >= due {
            sink.flush();
            return None;
        }
        Some(due)
    }

    /// Runs `role` until the run is over; `Ok(())` is exit code 0.
    pub fn run<R: Role>(&mut self, role: &mut R) -> Result<(), Failure> {
        loop {
            self.drain(role);
            if let Some(leave) = self.leave.take() {
                return self.leave_with(leave);
            }
            if role.poll(self) {
                continue;
            }
            if let Some(leave) = self.leave.take() {
                return self.leave_with(leave);
            }
            if self.reconnect_at.is_some_and(|at| self.now() >= at) {
                self.reconnect();
                continue;
            }
            if self.connect_deadline.is_some_and(|at| self.now() >= at) {
                self.connect_timed_out();
                continue;
            }
            let mut deadline = earliest(
                earliest(role.deadline(), self.reconnect_at),
                self.connect_deadline,
            );
            if self.trace.is_some() {
                deadline = earliest(deadline, self.trace_deadline());
            }
            match self.link.turn(deadline) {
                Ok(turn) => {
                    if turn.connect_failed {
                        let failure = self.link.take_connect_failure().unwrap_or_else(|| {
                            ConnectFailure::Io(io::Error::from_raw_os_error(libc::ECONNREFUSED))
                        });
                        self.attempt_failed(failure);
                    }
                    if turn.signalled {
                        role.on_signal(self);
                    }
                }
                Err(err) => {
                    self.link.output().flush();
                    return Err(exit::os_failure(&err));
                }
            }
        }
    }

    /// Handles every queued event: the displayed id, the trace, then the role.
    pub fn drain<R: Role>(&mut self, role: &mut R) {
        self.record_stages();
        while let Some(event) = self.link.client().poll_event() {
            if let Event::Packet(_) = event {
                // Packets with their contents exist only for the trace, which shows every packet
                // that really went out or came in, whatever the role makes of it.
                self.record(TraceRecord::Client(&event));
                continue;
            }
            if !role.accepts(&event) {
                continue;
            }
            if let Some(id) = trace::assigned_client_id(&event) {
                // MQTT 5: mosquitto shows the id the broker assigned from its CONNACK line on.
                self.display_id = id.to_string();
            }
            if self.trace.is_some() && !role.pretraced(&event) {
                self.record(TraceRecord::Client(&event));
            }
            if let Event::Connected { .. } = event {
                self.ever_connected = true;
                self.budget.connected();
                self.connect_deadline = None;
                self.reconnecting = false;
                self.broker_wait = None;
            }
            role.on_event(self, event);
        }
        self.link.output().flush_if_large();
    }

    /// Sends `record` to the trace sink, if tracing.
    pub fn record(&mut self, record: TraceRecord<'_>) {
        if let Some(sink) = self.trace.as_mut() {
            sink.record(&self.display_id, record, self.link.output().buffer());
        }
    }

    pub fn is_tracing(&self) -> bool {
        self.trace.is_some()
    }

    pub fn now(&self) -> Instant {
        self.link.now()
    }

    pub fn client(&mut self) -> &mut Client {
        self.link.client()
    }

    pub fn client_ref(&self) -> &Client {
        self.link.client_ref()
    }

    pub fn output(&mut self) -> &mut Output {
        self.link.output()
    }

    /// A CONNACK has accepted a connection in this run.
    pub fn ever_connected(&self) -> bool {
        self.ever_connected
    }

    /// Prints a runtime error line now (unless `--quiet`), after what stdout holds.
    pub fn print_error(&mut self, line: &str, quiet: bool) {
        exit::print_error(self.link.output(), line, quiet);
    }

    /// Ends the run once what is queued has been written: the first outcome decided wins.
    pub fn finish(&mut self, outcome: Result<(), Failure>) {
        self.leave.get_or_insert(Leave::Finish(outcome));
    }

    /// Ends the run at once, without writing what is queued (replaces an outcome decided before).
    pub fn abort(&mut self, outcome: Result<(), Failure>) {
        self.leave = Some(Leave::Abort(outcome));
    }

    /// The end of the run has been decided.
    pub fn is_leaving(&self) -> bool {
        self.leave.is_some()
    }

    /// The connection was lost: drop it and try again after the reconnect delay ([`RECONNECT_DELAY`]
    /// unless `--reconnect-delay`).
    pub fn reconnect_later(&mut self) {
        self.link.close_stream();
        self.connect_deadline = None;
        let delay = self.policy.reconnect_delay;
        self.reconnect_at = Some(self.now() + delay);
        self.record(TraceRecord::ReconnectScheduled { delay });
    }

    /// The connection was lost: reconnect if `--reconnect` allows it, or without that flag if the
    /// tool does (`tool_default`).
    pub fn reconnect_after_loss(&mut self, tool_default: bool) -> AfterLoss {
        if self.budget.allows(tool_default) {
            self.reconnect_later();
            AfterLoss::Reconnecting
        } else {
            self.connect_deadline = None;
            AfterLoss::Stop {
                failed_attempts: self.budget.attempts(),
            }
        }
    }

    /// No more reconnect attempts.
    pub fn cancel_reconnect(&mut self) {
        self.reconnect_at = None;
    }

    /// Why the last TLS connection failed, once.
    pub fn take_tls_failure(&mut self) -> Option<TlsFailure> {
        self.link.take_tls_failure()
    }

    /// Why the WebSocket layer ended the last connection, once, if that is final: a server that
    /// closed during the upgrade after an earlier connection worked is taken for a restart (the
    /// connection counts as lost, and the roles reconnect as they do after any loss).
    pub fn take_final_ws_failure(&mut self) -> Option<WsFailure> {
        let failure = self.link.take_ws_failure()?;
        (!(failure.is_transient() && self.ever_connected())).then_some(failure)
    }

    /// Opens a new connection; a failed attempt is silent (as mosquitto_sub's are) and the next one
    /// follows after the delay, unless `--reconnect N` has no attempt left. While
    /// `--wait-for-broker` waits for the first connection, only a broker that is not listening yet
    /// is tried again, with its own steps, and the last failure is reported as without the flag.
    fn reconnect(&mut self) {
        self.reconnect_at = None;
        let waiting = self.broker_wait.is_some();
        if !waiting {
            self.budget.attempt();
        }
        self.reconnects = self.reconnects.saturating_add(1);
        self.record(TraceRecord::Reconnecting {
            attempt: self.reconnects,
        });
        self.reconnecting = !waiting;
        let started = self.now();
        let result = self.link.connect();
        self.record_stages();
        match result {
            Ok(()) => self.arm_connect_deadline(started),
            Err(failure) => self.attempt_failed(failure),
        }
    }

    /// A connection attempt failed before its transport was open, at once or (connect(2) and the
    /// proxy handshake being non-blocking) later in the loop. The first connection of a run ends
    /// the run as mosquitto does (`Error: Connection refused`, exit 1), unless `--wait-for-broker`
    /// waits for a broker that is not listening yet; a reconnect is retried after the delay,
    /// silently, while `--reconnect` allows. Traced: the stages reached, `connect_failed` with the
    /// text the user is (or would be) told, and the next attempt's delay.
    fn attempt_failed(&mut self, failure: ConnectFailure) {
        self.connect_deadline = None;
        let now = self.now();
        if self.trace.is_some() {
            self.record_stages();
            let shown = connect_failure(&self.link, self.policy.connect_timeout, &failure);
            self.record_failed_attempt(&shown);
        }
        if self.reconnecting {
            if self.budget.allows(true) {
                self.retry_at(now, now + self.policy.reconnect_delay);
            } else {
                self.abort(Err(exit::ci::connection_lost(self.budget.attempts())));
            }
            return;
        }
        if let Some(limit) = self.policy.wait_for_broker
            && broker_not_listening(&failure)
        {
            let started = self.started;
            let wait = self
                .broker_wait
                .get_or_insert_with(|| BrokerWait::new(started, limit));
            if let Some(at) = wait.retry_at(now) {
                self.retry_at(now, at);
                return;
            }
        }
        self.broker_wait = None;
        let failure = connect_failure(&self.link, self.policy.connect_timeout, &failure);
        self.abort(Err(failure));
    }

    /// Schedules the next connection attempt at `at` (traced with its delay from `now`).
    fn retry_at(&mut self, now: Instant, at: Instant) {
        let delay = at.saturating_duration_since(now);
        self.reconnect_at = Some(at);
        self.record(TraceRecord::ReconnectScheduled { delay });
    }

    /// `--connect-timeout` ran out before CONNACK. The first connection ends the run with a message
    /// naming the stage that did not finish; an attempt to reconnect after a loss is dropped like a
    /// lost connection, and the tool's reconnect policy decides what follows.
    fn connect_timed_out(&mut self) {
        self.connect_deadline = None;
        let limit = self.policy.connect_timeout.unwrap_or_default();
        let info = self.link.attempt_info();
        self.link.close_stream();
        let failure =
            exit::ci::connect_timed_out(&info.broker, limit, info.pending, info.proxy, info.tls);
        self.record_stages();
        self.record_failed_attempt(&failure);
        if self.reconnecting {
            self.link.client().handle_eof();
            return;
        }
        self.abort(Err(failure));
    }

    /// The driver's last socket write and read.
    pub fn io_times(&self) -> IoTimes {
        self.link.io_times()
    }

    fn leave_with(&mut self, leave: Leave) -> Result<(), Failure> {
        match leave {
            Leave::Finish(outcome) => {
                let drained = self.write_remaining();
                self.link.close_stream();
                self.finish_output();
                match (outcome, drained) {
                    // The first outcome decided wins.
                    (Err(failure), _) => Err(failure),
                    (Ok(()), Ok(())) => Ok(()),
                    (Ok(()), Err(failure)) => Err(failure),
                }
            }
            Leave::Abort(outcome) => {
                self.finish_output();
                outcome
            }
        }
    }
}

/// The text a failure shows the user, without its final newline (`None` for a silent one).
fn failure_text(failure: &Failure) -> Option<String> {
    match failure {
        Failure::Runtime { text, .. }
        | Failure::Usage { text }
        | Failure::UsageWithHelp { text, .. }
        | Failure::UsageRaw { text } => Some(text.trim_end().to_string()),
        Failure::Silent { .. } => None,
    }
}

/// The earlier of two optional deadlines.
pub fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether a connection that ended with `error` was lost (rather than closed by us, refused, or
/// ended by a protocol violation of the broker): rsub and `rpub -l` try again after a loss.
pub fn is_lost(error: &ConnectionError) -> bool {
    matches!(
        error,
        ConnectionError::Lost | ConnectionError::KeepaliveTimeout
    )
}

/// Whether the broker broke the protocol (malformed bytes, or a packet that is wrong where it
/// came): final for both tools, exit 2, as mosquitto's clients end after MOSQ_ERR_PROTOCOL instead
/// of reconnecting.
pub fn is_protocol_violation(error: &ConnectionError) -> bool {
    matches!(
        error,
        ConnectionError::Decode(_) | ConnectionError::Protocol(_)
    )
}
