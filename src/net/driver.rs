//! The mio loop: one connection at a time, the client state machine fed from the socket, the socket
//! written from the client, timers fired, stdout flushed before waiting.

use std::io::{self, ErrorKind, IoSlice};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token, Waker};

use super::batching::{BATCH_WAIT, ReadBatching};
use super::connect::{ConnectFailure, Opening, Progress};
use super::limit::{ConnectTimes, PendingStage};
use super::spec::ConnectSpec;
use super::stage::{ConnectStage, StageLog};
use super::transport::Stream;
use super::ws::WsFailure;
use crate::output::stdout::Output;
use crate::proto::client::Client;
use crate::proto::transmit::Transmit;
use crate::sys::SignalPipe;
use crate::tls::{TlsConfig, TlsFailure, TlsStream};

pub use finish::Drain;

mod finish;

const SOCKET: Token = Token(0);
const WAKER: Token = Token(1);
const SIGNALS: Token = Token(2);
/// stdout, while bytes wait for a pipe that takes nothing (see `output::stdout`).
const STDOUT: Token = Token(3);

/// Largest chunk read from the socket in one call.
const READ_CHUNK: usize = 64 * 1024;
/// The read chunk starts this small and doubles (up to `READ_CHUNK`) whenever a read fills it: a
/// one-shot publish only ever reads a few acknowledgements, and zero-filling 64 KiB it never uses was
/// a measurable part of its start-up (docs/performance.md).
const FIRST_READ_CHUNK: usize = 4 * 1024;
/// Bytes read from the socket per turn before the application gets to drain events: keeps the event
/// queue (and memory) bounded when the broker sends faster than we print.
const READ_BUDGET_PER_TURN: usize = 1024 * 1024;
/// The most chunks handed to one vectored write (a few packets with large payloads between them).
const MAX_WRITE_SLICES: usize = 16;

/// What happened during one [`Driver::turn`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    /// SIGINT or SIGTERM arrived (only after [`Driver::watch_signals`]).
    pub signalled: bool,
    /// The transport being opened could not be ([`Driver::take_connect_failure`] says why).
    pub connect_failed: bool,
}

/// The driver's own timestamps of its last socket write and read (`rpub --check` measures latency
/// with them, so the loop's own work is not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoTimes {
    pub last_write: Option<Instant>,
    pub last_read: Option<Instant>,
}

pub struct Driver {
    poll: Poll,
    events: Events,
    stream: Option<Stream>,
    pub client: Client,
    pub output: Output,
    /// Bytes taken from the client and not yet written to the socket.
    write_queue: Transmit,
    writable_interest: bool,
    /// The socket may still hold data: the last read stopped on the budget, not on WouldBlock.
    read_pending: bool,
    read_chunk: Vec<u8>,
    waker: Arc<Waker>,
    signals: Option<SignalPipe>,
    /// Why the last TLS connection failed, if it did (reported instead of "connection lost").
    tls_failure: Option<TlsFailure>,
    /// TLS settings for every connection, built once before the first.
    tls: Option<TlsConfig>,
    /// Why the last WebSocket connection failed, if the WebSocket layer ended it.
    ws_failure: Option<WsFailure>,
    /// Nothing has been read on the current connection yet.
    first_read: bool,
    batching: ReadBatching,
    /// How far each connection got (gathered only while on: `--trace`).
    pub stages: StageLog,
    /// The current TLS connection's finished handshake was logged.
    tls_done_logged: bool,
    /// Bytes that were still to be written when the transport last failed.
    lost_on_failure: usize,
    /// A transport being opened (TCP connect, proxy handshake), and whether its socket is
    /// registered (by its fd).
    opening: Option<Opening>,
    opening_registered: Option<std::os::fd::RawFd>,
    /// Why the last opening failed, until taken.
    connect_failure: Option<ConnectFailure>,
    /// stdout is registered for writability (done once, the first time it would block).
    stdout_registered: bool,
    /// When the last write to the socket that took bytes began, and when the last read that
    /// brought bytes returned (`rpub --check` measures latency from these).
    last_write: Option<Instant>,
    last_read: Option<Instant>,
    connect_times: ConnectTimes,
    /// `--connect-timeout`: how long opening each transport may take.
    connect_limit: Option<Duration>,
}

impl Driver {
    pub fn new(client: Client) -> io::Result<Driver> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        Ok(Driver {
            poll,
            events: Events::with_capacity(16),
            stream: None,
            client,
            output: Output::new(),
            write_queue: Transmit::new(),
            writable_interest: false,
            read_pending: false,
            read_chunk: vec![0; FIRST_READ_CHUNK],
            waker,
            signals: None,
            tls_failure: None,
            tls: None,
            ws_failure: None,
            first_read: false,
            batching: ReadBatching::default(),
            stages: StageLog::default(),
            tls_done_logged: false,
            lost_on_failure: 0,
            opening: None,
            opening_registered: None,
            connect_failure: None,
            stdout_registered: false,
            last_write: None,
            last_read: None,
            connect_times: ConnectTimes::default(),
            connect_limit: None,
        })
    }

    /// From now on SIGINT and SIGTERM no longer kill the process: they are reported by
    /// [`Driver::turn`] (`Turn::signalled`) so the application can end cleanly. For that the loop
    /// must never block: a pipe or socket stdout becomes non-blocking too ([`Output::never_block`]).
    pub fn watch_signals(&mut self) -> io::Result<()> {
        self.output.never_block();
        let pipe = SignalPipe::install()?;
        self.poll.registry().register(
            &mut mio::unix::SourceFd(&pipe.read_fd),
            SIGNALS,
            Interest::READABLE,
        )?;
        self.output.set_interrupt(pipe.read_fd);
        self.signals = Some(pipe);
        Ok(())
    }

    /// The clock. Applications take their `now` from here.
    pub fn now(&self) -> Instant {
        Instant::now()
    }

    /// A handle other threads use to wake the loop.
    pub fn waker(&self) -> Arc<Waker> {
        Arc::clone(&self.waker)
    }

    /// Every connection opened by [`Driver::connect`] from now on uses TLS with this configuration.
    pub fn set_tls(&mut self, tls: Option<TlsConfig>) {
        self.tls = tls;
    }

    /// Starts opening a transport to the broker (TLS when configured); once it is open a
    /// connection starts on it (CONNECT queued). Failures found at once (name resolution, every
    /// address refused straight away) are returned; later ones end a [`Driver::turn`] with
    /// `Turn::connect_failed`. Nothing blocks: connect(2) and the proxy's handshake proceed in
    /// `turn`, where signals and deadlines are watched as always.
    pub fn connect(&mut self, spec: &ConnectSpec) -> Result<(), ConnectFailure> {
        self.close_stream();
        let started = self.now();
        self.connect_times = ConnectTimes {
            started: Some(started),
            ..ConnectTimes::default()
        };
        let deadline = self.connect_limit.map(|limit| started + limit);
        let (opening, progress) =
            Opening::start(spec, self.tls.as_ref(), started, deadline, &mut self.stages);
        self.opening = Some(opening);
        self.opening_progress(progress)
    }

    /// The stage the current connection attempt is in: opening the transport, the TLS handshake,
    /// or waiting for CONNACK.
    pub fn pending_stage(&self) -> PendingStage {
        match (&self.opening, &self.stream) {
            (Some(opening), _) => opening.pending(),
            (None, None) => PendingStage::Tcp,
            (None, Some(stream)) if stream.tls().is_some_and(TlsStream::is_handshaking) => {
                PendingStage::Tls
            }
            (None, Some(_)) => PendingStage::Connack,
        }
    }

    /// Whether a transport is being opened.
    pub fn is_opening(&self) -> bool {
        self.opening.is_some()
    }

    /// Why the transport being opened could not be, once (after `Turn::connect_failed`).
    pub fn take_connect_failure(&mut self) -> Option<ConnectFailure> {
        self.connect_failure.take()
    }

    /// Acts on what the opening step reached: attach the open transport, or wait for its socket.
    fn opening_progress(&mut self, progress: Progress) -> Result<(), ConnectFailure> {
        match progress {
            Progress::Pending => {
                let Some(opening) = self.opening.as_mut() else {
                    return Ok(());
                };
                let interest = if opening.wants_read() {
                    Interest::READABLE | Interest::WRITABLE
                } else {
                    Interest::WRITABLE
                };
                let Some(socket) = opening.socket() else {
                    return Ok(());
                };
                let fd = std::os::fd::AsRawFd::as_raw_fd(socket);
                let registry = self.poll.registry();
                let result = if self.opening_registered == Some(fd) {
                    registry.reregister(socket, SOCKET, interest)
                } else {
                    registry.register(socket, SOCKET, interest)
                };
                self.opening_registered = Some(fd);
                result.map_err(ConnectFailure::Io)
            }
            Progress::Open(stream) => {
                if let Some(opening) = self.opening.take() {
                    self.connect_times = opening.times();
                }
                self.connect_times.opened = Some(self.now());
                let registered = self.opening_registered.take().is_some();
                self.attach(stream, registered).map_err(ConnectFailure::Io)
            }
            Progress::Failed(failure) => {
                self.cancel_opening();
                Err(failure)
            }
        }
    }

    /// Drops the transport being opened, if any.
    fn cancel_opening(&mut self) {
        if let Some(mut opening) = self.opening.take()
            && self.opening_registered.take().is_some()
            && let Some(socket) = opening.socket()
        {
            let _ = self.poll.registry().deregister(socket);
        }
        self.opening_registered = None;
    }

    /// A [`Driver::turn`] while a transport is being opened: wait for its socket, a signal,
    /// `app_deadline` or the opening's own deadline, then take the next step.
    fn turn_opening(&mut self, app_deadline: Option<Instant>) -> io::Result<Turn> {
        let mut turn = Turn::default();
        let opening_deadline = self.opening.as_ref().and_then(Opening::deadline);
        let deadline = match (opening_deadline, app_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let timeout = deadline.map(|at| at.saturating_duration_since(self.now()));
        self.output.flush();
        self.watch_stdout()?;
        self.poll_events(timeout)?;
        let mut ready = false;
        for event in self.events.iter() {
            match event.token() {
                SOCKET => ready = true,
                SIGNALS => turn.signalled = true,
                // Written by the next flush.
                _ => {}
            }
        }
        if turn.signalled
            && let Some(pipe) = &self.signals
        {
            pipe.drain();
        }
        let now = self.now();
        if ready || opening_deadline.is_some_and(|at| now >= at) {
            let progress = match self.opening.as_mut() {
                Some(opening) => opening.advance(now, &mut self.stages),
                None => return Ok(turn),
            };
            if let Err(failure) = self.opening_progress(progress) {
                self.connect_failure = Some(failure);
                turn.connect_failed = true;
            }
        }
        Ok(turn)
    }

    /// `--connect-timeout`: every transport opened by [`Driver::connect`] from now on must be open
    /// within `limit` (the session keeps the same limit for the TLS handshake and CONNACK).
    pub fn set_connect_limit(&mut self, limit: Option<Duration>) {
        self.connect_limit = limit;
    }

    /// When each stage of the current connection attempt finished.
    pub fn connect_times(&self) -> ConnectTimes {
        match &self.opening {
            Some(opening) => opening.times(),
            None => self.connect_times,
        }
    }

    /// Starts a connection on a freshly opened transport (CONNECT is queued).
    /// `registered`: the socket is registered already (it was watched while connecting).
    fn attach(&mut self, mut stream: Stream, registered: bool) -> io::Result<()> {
        self.close_stream();
        let registry = self.poll.registry();
        if registered {
            registry.reregister(stream.source(), SOCKET, Interest::READABLE)?;
        } else {
            registry.register(stream.source(), SOCKET, Interest::READABLE)?;
        }
        self.stream = Some(stream);
        self.tls_done_logged = false;
        self.batching = ReadBatching::default();
        self.first_read = true;
        self.writable_interest = false;
        self.read_pending = true;
        self.write_queue.clear();
        let now = self.now();
        self.client.connect(now);
        Ok(())
    }

    /// When the last socket write returned and the last read brought bytes.
    pub fn io_times(&self) -> IoTimes {
        IoTimes {
            last_write: self.last_write,
            last_read: self.last_read,
        }
    }

    /// Nothing is waiting to be written to the socket.
    pub fn is_flushed(&self) -> bool {
        self.write_queue.is_empty()
            && !self.client.wants_write()
            && !self.stream.as_ref().is_some_and(Stream::wants_write)
    }

    /// Why the last TLS connection failed, once (the application reports it instead of a plain
    /// "connection lost").
    pub fn take_tls_failure(&mut self) -> Option<TlsFailure> {
        self.tls_failure.take()
    }

    /// Why the last WebSocket connection failed, once (reported instead of "connection lost").
    pub fn take_ws_failure(&mut self) -> Option<WsFailure> {
        self.ws_failure.take()
    }

    /// Drops the transport (after a final flush attempt by the caller), or the one being opened.
    pub fn close_stream(&mut self) {
        self.cancel_opening();
        if let Some(failure) = self.stream.as_ref().and_then(Stream::tls_failure) {
            self.tls_failure = Some(failure.clone());
        }
        if let Some(failure) = self.stream.as_ref().and_then(Stream::ws_failure) {
            self.ws_failure = Some(failure.clone());
        }
        if let Some(mut stream) = self.stream.take() {
            let _ = self.poll.registry().deregister(stream.source());
            stream.shutdown();
        }
        self.write_queue.clear();
        self.read_pending = false;
    }

    /// Writes what the client has queued, as far as the socket takes it without blocking.
    pub fn write_out(&mut self) {
        if self.stream.is_some() {
            self.write_some();
        }
    }

    /// One loop iteration: write, wait (until socket activity, the waker, the client's timer or
    /// `app_deadline`), read, fire timers. Events produced are left in `client.poll_event()`.
    pub fn turn(&mut self, app_deadline: Option<Instant>) -> io::Result<Turn> {
        if self.opening.is_some() {
            return self.turn_opening(app_deadline);
        }
        let mut turn = Turn::default();
        if self.stream.is_some() && !self.write_some() {
            return Ok(turn);
        }
        if self.stream.is_some() && self.client.is_closed() && self.is_flushed() {
            // Everything the closed client had to say is written: close the transport.
            self.close_stream();
        }
        if self.client.has_events() {
            // Writing can produce events (e.g. `Closed` once DISCONNECT is handed out): let the
            // application see them before waiting.
            return Ok(turn);
        }

        let now = self.now();
        let deadline = match (self.client.poll_timeout(), app_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut timeout = deadline.map(|at| at.saturating_duration_since(now));
        // While stdout takes nothing and too much waits for it, the broker is not read (bounded
        // memory): wait for stdout, a signal or a deadline instead.
        if self.read_pending && !self.output.is_congested() {
            timeout = Some(Duration::ZERO);
        }

        // Look without blocking first; only flush stdout when we are about to wait, so bursts of
        // messages are written in large batches while a slow trickle is still printed at once.
        let batched = self.set_read_low_water() > 1;
        self.poll_events(Some(Duration::ZERO))?;
        let mut waited_batched = false;
        if self.events.is_empty() && timeout != Some(Duration::ZERO) {
            self.output.flush();
            self.watch_stdout()?;
            if batched {
                timeout = Some(timeout.map_or(BATCH_WAIT, |limit| limit.min(BATCH_WAIT)));
                waited_batched = true;
            }
            self.poll_events(timeout)?;
        }

        // A batched wait that timed out reads what has arrived, even below the low-water mark (one
        // ended by the waker or a signal leaves the socket to the next wait).
        let timed_out = waited_batched && self.events.is_empty();
        let mut readable = self.read_pending || timed_out;
        let mut stdout_ready = false;
        for event in self.events.iter() {
            match event.token() {
                SOCKET if event.is_readable() || event.is_read_closed() || event.is_error() => {
                    readable = true;
                }
                // Only there to end the wait: the application looks at stdin on every turn.
                WAKER => {}
                SIGNALS => turn.signalled = true,
                STDOUT => stdout_ready = true,
                _ => {}
            }
        }
        if turn.signalled
            && let Some(pipe) = &self.signals
        {
            pipe.drain();
        }
        if stdout_ready {
            self.output.flush();
        }
        if readable {
            if self.output.is_congested() {
                // Read once stdout has taken enough (the socket's readiness is not reported again).
                self.read_pending = true;
            } else {
                self.read_some(timed_out);
            }
        }
        if self.connect_times.tls_done.is_none()
            && self
                .stream
                .as_ref()
                .and_then(Stream::tls)
                .is_some_and(|tls| !tls.is_handshaking())
        {
            self.connect_times.tls_done = Some(self.now());
        }
        let now = self.now();
        if self.client.poll_timeout().is_some_and(|at| at <= now) {
            self.client.handle_timeout(now);
        }
        if self.stages.is_on() {
            self.log_tls_done();
        }
        Ok(turn)
    }

    /// Logs the TLS handshake of the current connection once it has finished.
    fn log_tls_done(&mut self) {
        if self.tls_done_logged {
            return;
        }
        if let Some(tls) = self.stream.as_ref().and_then(Stream::tls)
            && let Some(summary) = tls.summary()
        {
            self.tls_done_logged = true;
            self.stages
                .push_with(|| ConnectStage::TlsDone(Box::new(summary)));
        }
    }

    /// Registers stdout for writability the first time bytes wait for it (edge-triggered: the
    /// registration stays; registering reports a pipe that already has room at once).
    fn watch_stdout(&mut self) -> io::Result<()> {
        if !self.stdout_registered
            && let Some(fd) = self.output.waits_on()
        {
            self.poll.registry().register(
                &mut mio::unix::SourceFd(&fd),
                STDOUT,
                Interest::WRITABLE,
            )?;
            self.stdout_registered = true;
        }
        Ok(())
    }

    fn poll_events(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == ErrorKind::Interrupted => {
                self.events.clear();
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// Sets the socket's receive low-water mark for the next wait (see [`ReadBatching`]) and returns
    /// it.
    fn set_read_low_water(&mut self) -> usize {
        let Some(Stream::Tcp(tcp)) = &self.stream else {
            return 1;
        };
        let wanted = self.batching.wanted(self.client.awaited_ack_bytes());
        if wanted != self.batching.low_water.max(1) {
            let value = libc::c_int::try_from(wanted).unwrap_or(libc::c_int::MAX);
            // SAFETY: SO_RCVLOWAT takes an int; the pointer and length describe `value`.
            let result = unsafe {
                libc::setsockopt(
                    std::os::fd::AsRawFd::as_raw_fd(tcp),
                    libc::SOL_SOCKET,
                    libc::SO_RCVLOWAT,
                    (&value as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            if result == 0 {
                self.batching.low_water = wanted;
            } else {
                // Without it we would only wake up more often; stop asking.
                self.batching.unsupported = true;
                self.batching.low_water = 1;
            }
        }
        self.batching.low_water.max(1)
    }

    /// Reads until WouldBlock or the per-turn budget, feeding the client.
    /// `timed_out`: a batched wait timed out (see [`ReadBatching`]).
    fn read_some(&mut self, timed_out: bool) {
        self.read_pending = false;
        let packets_before = self.client.received_packets();
        let mut total = 0;
        while let Some(stream) = self.stream.as_mut() {
            match stream.read(&mut self.read_chunk) {
                Ok(0) => {
                    self.client.handle_eof();
                    self.close_stream();
                    return;
                }
                Ok(n) => {
                    if std::mem::take(&mut self.first_read)
                        && stream.is_plain()
                        && let Some(failure) =
                            crate::tls::tls_reply_on_plain_port(&self.read_chunk[..n])
                    {
                        // A TLS server answered our plain MQTT: say so rather than "protocol error".
                        self.tls_failure = Some(failure);
                    }
                    let now = Instant::now();
                    self.last_read = Some(now);
                    self.client.handle_input(&self.read_chunk[..n], now);
                    total += n;
                    if n == self.read_chunk.len() && n < READ_CHUNK {
                        // More is coming than fits: read in larger gulps from now on.
                        self.read_chunk.resize(n * 2, 0);
                    }
                    if total >= READ_BUDGET_PER_TURN {
                        self.read_pending = true;
                        self.end_read_pass(packets_before, total, timed_out);
                        return;
                    }
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    self.end_read_pass(packets_before, total, timed_out);
                    // A TLS read may have produced handshake bytes to send.
                    if self.stream.as_ref().is_some_and(Stream::wants_write) {
                        self.write_some();
                    }
                    return;
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.client.handle_eof();
                    self.close_stream();
                    return;
                }
            }
        }
    }

    /// Notes what a read pass found, for [`ReadBatching`].
    fn end_read_pass(&mut self, packets_before: u64, bytes: usize, timed_out: bool) {
        let packets = self.client.received_packets() - packets_before;
        let replied = self.client.wants_write();
        self.batching.after_pass(bytes, packets, replied, timed_out);
    }

    /// Writes queued bytes until done or WouldBlock. Returns false if the transport failed (the
    /// client has then been told).
    fn write_some(&mut self) -> bool {
        match self.stream.as_mut().map(Stream::flush_tls) {
            Some(Ok(true)) | None => {}
            Some(Ok(false)) => return self.set_writable_interest(true),
            Some(Err(_)) => {
                self.fail_transport();
                return false;
            }
        }
        loop {
            if self.write_queue.is_empty()
                && !self.client.poll_transmit_queue(&mut self.write_queue)
            {
                break;
            }
            let Some(stream) = self.stream.as_mut() else {
                return false;
            };
            // Headers and large payloads go out in one call, the payloads from where they are.
            let mut slices = [IoSlice::new(&[]); MAX_WRITE_SLICES];
            let mut count = 0;
            for (slot, bytes) in slices.iter_mut().zip(self.write_queue.slices()) {
                *slot = IoSlice::new(bytes);
                count += 1;
            }
            // Taken before the write: the bytes cannot have left earlier, and a pause of this
            // process between the write and the clock cannot make a measured latency shorter.
            let before_write = Instant::now();
            match stream.write_vectored(&slices[..count]) {
                Ok(0) => {
                    self.fail_transport();
                    return false;
                }
                Ok(n) => {
                    self.last_write = Some(before_write);
                    self.write_queue.advance(n);
                    if self.client.ping_outstanding() {
                        // The PINGREQ may be behind these bytes: its answer cannot come before.
                        self.client.handle_written(Instant::now());
                    }
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    return self.set_writable_interest(true);
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.fail_transport();
                    return false;
                }
            }
        }
        // rustls may still hold encrypted bytes the socket did not take.
        let tls_pending = self.stream.as_ref().is_some_and(Stream::wants_write);
        self.set_writable_interest(tls_pending)
    }

    fn set_writable_interest(&mut self, wanted: bool) -> bool {
        if wanted == self.writable_interest {
            return true;
        }
        let Some(stream) = self.stream.as_mut() else {
            return false;
        };
        let interest = if wanted {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        if self
            .poll
            .registry()
            .reregister(stream.source(), SOCKET, interest)
            .is_err()
        {
            self.fail_transport();
            return false;
        }
        self.writable_interest = wanted;
        true
    }

    fn fail_transport(&mut self) {
        self.lost_on_failure = self.unsent_len();
        self.client.handle_eof();
        self.close_stream();
    }
}
