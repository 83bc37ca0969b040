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

use crate::exit::{self, Failure};
use crate::net::{ConnectFailure, ConnectSpec, Drain, Driver, Turn, WsFailure};
use crate::output::stdout::Output;
use crate::proto::client::Client;
use crate::proto::event::{ConnectionError, Event};
use crate::tls::TlsFailure;
use crate::trace::{self, TraceRecord, TraceSink};

/// mosquitto_sub retries a lost connection after this fixed delay (and `rpub -l` does the same).
pub const RECONNECT_DELAY: Duration = Duration::from_secs(1);

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
    /// Why the transport being opened could not be, once (after `Turn::connect_failed`).
    fn take_connect_failure(&mut self) -> Option<ConnectFailure>;
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
    fn take_connect_failure(&mut self) -> Option<ConnectFailure> {
        self.driver.take_connect_failure()
    }
    fn take_ws_failure(&mut self) -> Option<WsFailure> {
        self.driver.take_ws_failure()
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
    /// A connection after the first has been attempted (its failures are silent).
    reconnecting: bool,
    /// The run is to end now (a signal, `-W`): the last writes take what the socket and stdout
    /// take at once, without waiting for them.
    hurried: bool,
    /// `--quiet`: no warning about output that could not be written.
    quiet: bool,
    leave: Option<Leave>,
}

impl<L: Link> Session<L> {
    /// A session over `link`, whose first connection is already being opened; `client_id` is the
    /// id CONNECT carries.
    pub fn new(link: L, client_id: &str, trace: Option<Box<dyn TraceSink>>) -> Session<L> {
        Session {
            link,
            trace,
            display_id: trace::display_client_id(client_id).to_string(),
            reconnect_at: None,
            ever_connected: false,
            reconnecting: false,
            hurried: false,
            quiet: false,
            leave: None,
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
            }
            let deadline = earliest(role.deadline(), self.reconnect_at);
            match self.link.turn(deadline) {
                Ok(turn) => {
                    if turn.connect_failed {
                        self.opening_failed()?;
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
        while let Some(event) = self.link.client().poll_event() {
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

    /// The connection was lost: drop it and try again after [`RECONNECT_DELAY`].
    pub fn reconnect_later(&mut self) {
        self.link.close_stream();
        self.reconnect_at = Some(self.now() + RECONNECT_DELAY);
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
    /// follows after the delay.
    fn reconnect(&mut self) {
        self.reconnect_at = None;
        self.reconnecting = true;
        if self.link.connect().is_err() {
            self.reconnect_at = Some(self.now() + RECONNECT_DELAY);
        }
    }

    /// The transport being opened could not be (found after waiting for it): the first connection
    /// of a run ends the run as a failed connect(2) does (`Error: Connection refused`, exit 1);
    /// a reconnect is tried again after the delay, silently.
    fn opening_failed(&mut self) -> Result<(), Failure> {
        let failure = self.link.take_connect_failure();
        if self.reconnecting {
            self.reconnect_at = Some(self.now() + RECONNECT_DELAY);
            return Ok(());
        }
        self.link.output().flush();
        match failure {
            Some(failure) => Err(exit::connect_failure(&failure)),
            None => Err(exit::connect_failure(&ConnectFailure::Io(
                io::Error::from_raw_os_error(libc::ECONNREFUSED),
            ))),
        }
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

impl<L: Link> Session<L> {
    /// Writes what stdout has not taken yet (see [`Link::finish_output`]); says so on stderr when
    /// some of it had to be dropped.
    fn finish_output(&mut self) {
        let dropped = self.link.finish_output(self.hurried);
        if dropped > 0 {
            exit::print_error(
                self.link.output(),
                &exit::output_dropped_line(dropped),
                self.quiet,
            );
        }
    }

    /// Writes what is still queued (our DISCONNECT, and before it whatever the socket has not taken
    /// yet: the tail of a large QoS 0 message) for as long as the link is alive. An error when
    /// bytes other than the DISCONNECT could not be written: nothing accepted is dropped silently.
    fn write_remaining(&mut self) -> Result<(), Failure> {
        let goodbye = self.link.client_ref().disconnect_len();
        let mut watch = DrainWatch::new(self.link.client_ref().keep_alive(), self.now());
        let end = loop {
            let deadline = if self.hurried {
                Some(self.now())
            } else {
                watch.deadline()
            };
            let step = self.link.drain(deadline);
            let now = self.now();
            if step.unsent == 0 {
                return Ok(());
            }
            if step.failed {
                break DrainEnd::Failed(step.unsent);
            }
            if step.signalled || (self.hurried && !step.progressed) {
                // rsub: a signal while the last bytes wait (the broker takes nothing): leave.
                break DrainEnd::Interrupted(step.unsent);
            }
            if step.progressed {
                watch.progressed(now);
            } else if watch.is_stalled(now) {
                break DrainEnd::Stalled(step.unsent);
            }
        };
        if end.unsent() <= goodbye {
            // Only (part of) our DISCONNECT is lost: the broker sees a lost connection, nothing of
            // the user's is missing.
            return Ok(());
        }
        self.record(TraceRecord::Unsent {
            bytes: end.unsent() - goodbye,
            stalled_for: match end {
                DrainEnd::Stalled(_) => watch.interval,
                _ => None,
            },
        });
        match end {
            DrainEnd::Stalled(_) => Err(exit::drain_stalled()),
            DrainEnd::Failed(_) => Err(exit::drain_failed()),
            DrainEnd::Interrupted(_) => Ok(()),
        }
    }
}

/// How the final write of a run ended when it did not write everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DrainEnd {
    /// The socket took nothing for a whole keepalive interval: the link is dead.
    Stalled(usize),
    /// The transport failed (the broker closed or reset the connection).
    Failed(usize),
    /// A signal cut the wait short.
    Interrupted(usize),
}

impl DrainEnd {
    fn unsent(self) -> usize {
        match self {
            DrainEnd::Stalled(bytes) | DrainEnd::Failed(bytes) | DrainEnd::Interrupted(bytes) => {
                bytes
            }
        }
    }
}

/// When the final write of a run gives up: never while the socket keeps taking bytes, however
/// slowly (a slow link is not a dead one, and no fixed limit may cut a large message short); after
/// a whole keepalive interval in which it took none. That is the keepalive's verdict on a broker
/// that stopped reading, as mosquitto_pub's keepalive gives it (it exits 19 there too); with `-k 0`
/// nothing decides that the link is dead, and the write waits as long as mosquitto's would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainWatch {
    /// The keepalive interval; `None`: keepalive disabled.
    interval: Option<Duration>,
    /// When the socket last took bytes (or the write started).
    last_progress: Instant,
}

impl DrainWatch {
    /// A watch for a write starting at `now` on a connection with a keepalive of `keep_alive`
    /// seconds (0: disabled).
    pub fn new(keep_alive: u16, now: Instant) -> DrainWatch {
        DrainWatch {
            interval: (keep_alive != 0).then(|| Duration::from_secs(u64::from(keep_alive))),
            last_progress: now,
        }
    }

    /// The socket took bytes at `now`.
    pub fn progressed(&mut self, now: Instant) {
        self.last_progress = now;
    }

    /// When the link counts as dead if the socket takes nothing until then.
    pub fn deadline(&self) -> Option<Instant> {
        self.interval.map(|interval| self.last_progress + interval)
    }

    pub fn is_stalled(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|at| now >= at)
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
