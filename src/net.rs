//! The driver: the only code that touches sockets, stdin/stdout streams and the clock.
//!
//! A [`Driver`] owns the mio `Poll`, the transport of the current connection and the [`Client`] state
//! machine. The application loop (see `app/`) alternates between draining `client.poll_event()` and
//! calling [`Driver::turn`], which writes what the client wants to send, waits (flushing stdout first, so
//! a person or a pipe reader sees output immediately, while bursts are batched), reads until the socket
//! would block and fires timers.

use std::ffi::CStr;
use std::io::{self, ErrorKind, IoSlice, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::RawFd;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token, Waker};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::cli::config::{CommonConfig, Endpoint};
use crate::proto::client::Client;
use crate::proto::transmit::Transmit;
use crate::socks::{self, ProxyConfig, SocksError};
use crate::tls::{TlsConfig, TlsFailure, TlsSetupError, TlsStream};

const SOCKET: Token = Token(0);
const WAKER: Token = Token(1);
const SIGNALS: Token = Token(2);

/// Largest chunk read from the socket in one call.
const READ_CHUNK: usize = 64 * 1024;
/// The read chunk starts this small and doubles (up to `READ_CHUNK`) whenever a read fills it: a
/// one-shot publish only ever reads a few acknowledgements, and zero-filling 64 KiB it never uses was
/// a measurable part of its start-up (docs/performance.md).
const FIRST_READ_CHUNK: usize = 4 * 1024;
/// Bytes read from the socket per turn before the application gets to drain events: keeps the event
/// queue (and memory) bounded when the broker sends faster than we print.
const READ_BUDGET_PER_TURN: usize = 1024 * 1024;
/// Buffered stdout bytes that trigger a write even while more input is ready.
const OUTPUT_HIGH_WATER: usize = 64 * 1024;
/// The most chunks handed to one vectored write (a few packets with large payloads between them).
const MAX_WRITE_SLICES: usize = 16;

/// Read batching (see [`ReadBatching`]): the longest a batched wait lasts before reading whatever
/// has arrived, i.e. the most a batch can delay a packet.
const BATCH_WAIT: Duration = Duration::from_millis(1);
/// Read batching: a read pass that decodes this many packets means a stream is flowing (a lone
/// message, or a SUBACK followed by a retained message, never batches).
const STREAM_PACKETS: u64 = 4;
/// Read batching: how many bytes of a flowing stream to let accumulate before waking up.
const STREAM_LOW_WATER: usize = 16 * 1024;
/// Read batching: acknowledgements are awaited in batches only when at least this many bytes of them
/// are due, i.e. 3 messages in flight (a one-shot QoS 1/2 publish reads its acknowledgement at once).
const ACK_BATCH_MIN_INFLIGHT_BYTES: usize = 12;

/// Why no transport could be opened (all of these exit 1 in mosquitto).
#[derive(Debug)]
pub enum ConnectFailure {
    /// Name resolution failed (`Unable to connect (Lookup error.).`).
    Lookup,
    /// connect()/bind() failed with this OS error (`Error: <strerror>`).
    Io(io::Error),
    /// The TLS session could not be set up for this host (e.g. an invalid server name).
    TlsSetup(TlsSetupError),
    /// The SOCKS5 proxy did not connect us to the broker.
    Proxy(SocksError),
}

/// How long the SOCKS5 handshake may take.
const PROXY_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The connected transport.
pub enum Stream {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
    /// TLS over TCP; the handshake runs inside the same non-blocking reads and writes.
    Tls(Box<TlsStream>),
}

impl Stream {
    fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Stream::Tcp(stream) => stream,
            Stream::Unix(stream) => stream,
            Stream::Tls(stream) => stream.as_mut(),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.read(buf),
            Stream::Unix(stream) => stream.read(buf),
            Stream::Tls(stream) => stream.read(buf),
        }
    }

    /// One gathering write (`writev`) of `bufs`, in order. TLS takes the first slice only (rustls
    /// copies plaintext into its records either way), which is just as correct.
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.write_vectored(bufs),
            Stream::Unix(stream) => stream.write_vectored(bufs),
            Stream::Tls(stream) => stream.write_vectored(bufs),
        }
    }

    /// TLS only: bytes rustls holds that the socket has not taken yet.
    fn wants_write(&self) -> bool {
        match self {
            Stream::Tls(stream) => stream.wants_write(),
            Stream::Tcp(_) | Stream::Unix(_) => false,
        }
    }

    /// TLS only: writes what rustls holds; `Ok(false)` if the socket would block.
    fn flush_tls(&mut self) -> io::Result<bool> {
        match self {
            Stream::Tls(stream) => stream.flush_tls(),
            Stream::Tcp(_) | Stream::Unix(_) => Ok(true),
        }
    }

    fn shutdown(&mut self) {
        // Errors are irrelevant: the socket is dropped right after.
        let _ = match self {
            Stream::Tcp(stream) => stream.shutdown(std::net::Shutdown::Both),
            Stream::Unix(stream) => stream.shutdown(std::net::Shutdown::Both),
            Stream::Tls(stream) => {
                stream.close();
                Ok(())
            }
        };
    }
}

/// Opens the transport to the broker the way libmosquitto does: blocking connect (so a refused
/// connection is reported at once), trying every resolved address in order, then non-blocking;
/// with TLS on top of the TCP connection when `tls` is given (the certificate is
/// checked against the host name given with `-h`).
pub fn open_stream(
    config: &CommonConfig,
    tls: Option<&TlsConfig>,
) -> Result<Stream, ConnectFailure> {
    match &config.endpoint {
        Endpoint::Unix { path } => open_unix(path),
        Endpoint::Tcp { host, port } => {
            let bind = config.bind_address.as_deref();
            let stream = match &config.proxy {
                Some(proxy) => open_via_proxy(proxy, host, *port, bind, config.nodelay)?,
                None => open_tcp(host, *port, bind, config.nodelay)?,
            };
            match (tls, stream) {
                (Some(tls), Stream::Tcp(tcp)) => TlsStream::new(tls, host, tcp)
                    .map(|stream| Stream::Tls(Box::new(stream)))
                    .map_err(ConnectFailure::TlsSetup),
                (_, stream) => Ok(stream),
            }
        }
    }
}

fn open_unix(path: &Path) -> Result<Stream, ConnectFailure> {
    let stream = std::os::unix::net::UnixStream::connect(path).map_err(ConnectFailure::Io)?;
    stream.set_nonblocking(true).map_err(ConnectFailure::Io)?;
    Ok(Stream::Unix(mio::net::UnixStream::from_std(stream)))
}

fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, ConnectFailure> {
    // A literal address resolves to itself: getaddrinfo would say the same, after reading
    // nsswitch.conf, host.conf and resolv.conf (an eighth of a one-shot publish's instructions).
    // Anything Rust does not parse (`127.1`, `fe80::1%eth0`, names) still goes to getaddrinfo.
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    // ToSocketAddrs goes through getaddrinfo (AF_UNSPEC, SOCK_STREAM) like libmosquitto, so `localhost`
    // and the address order are the system's.
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|_| ConnectFailure::Lookup)?
        .collect();
    if addrs.is_empty() {
        Err(ConnectFailure::Lookup)
    } else {
        Ok(addrs)
    }
}

fn open_tcp(
    host: &str,
    port: u16,
    bind_address: Option<&str>,
    nodelay: bool,
) -> Result<Stream, ConnectFailure> {
    let socket = connect_tcp(host, port, bind_address, nodelay)?;
    into_stream(socket)
}

/// The connected socket, non-blocking, as the event loop's stream.
fn into_stream(socket: Socket) -> Result<Stream, ConnectFailure> {
    socket.set_nonblocking(true).map_err(ConnectFailure::Io)?;
    let std_stream: std::net::TcpStream = socket.into();
    Ok(Stream::Tcp(mio::net::TcpStream::from_std(std_stream)))
}

/// Through the SOCKS5 proxy to `host:port` (the proxy resolves the name: socks5h).
fn open_via_proxy(
    proxy: &ProxyConfig,
    host: &str,
    port: u16,
    bind_address: Option<&str>,
    nodelay: bool,
) -> Result<Stream, ConnectFailure> {
    let mut socket = connect_tcp(&proxy.host, proxy.port, bind_address, nodelay)?;
    // The handshake is a few small blocking exchanges; a proxy that stops answering must not hang us.
    let limit = Some(PROXY_HANDSHAKE_TIMEOUT);
    socket.set_read_timeout(limit).map_err(ConnectFailure::Io)?;
    socket
        .set_write_timeout(limit)
        .map_err(ConnectFailure::Io)?;
    socks::handshake(&mut socket, proxy, host, port).map_err(ConnectFailure::Proxy)?;
    socket.set_read_timeout(None).map_err(ConnectFailure::Io)?;
    socket.set_write_timeout(None).map_err(ConnectFailure::Io)?;
    into_stream(socket)
}

/// A blocking TCP connection, as libmosquitto makes it: every resolved address in order, bound to
/// the `-A` address first if there is one.
fn connect_tcp(
    host: &str,
    port: u16,
    bind_address: Option<&str>,
    nodelay: bool,
) -> Result<Socket, ConnectFailure> {
    let addrs = resolve(host, port)?;
    let bind_addrs = match bind_address {
        Some(bind) => Some(resolve(bind, 0)?),
        None => None,
    };
    let mut last_error = None;
    for addr in addrs {
        let domain = Domain::for_address(addr);
        let socket = match Socket::new(domain, Type::STREAM, Some(Protocol::TCP)) {
            Ok(socket) => socket,
            Err(err) => {
                last_error = Some(err);
                continue;
            }
        };
        if let Some(bind_addrs) = &bind_addrs {
            // Bind to the first local address of the same family, as libmosquitto does.
            let Some(local) = bind_addrs
                .iter()
                .find(|local| local.is_ipv4() == addr.is_ipv4())
            else {
                last_error = Some(io::Error::from_raw_os_error(libc::EADDRNOTAVAIL));
                continue;
            };
            if let Err(err) = socket.bind(&SockAddr::from(*local)) {
                last_error = Some(err);
                continue;
            }
        }
        match socket.connect(&SockAddr::from(addr)) {
            Ok(()) => {
                if nodelay {
                    // mosquitto only warns when this fails; a slower socket still works.
                    let _ = socket.set_tcp_nodelay(true);
                }
                return Ok(socket);
            }
            Err(err) => last_error = Some(err),
        }
    }
    Err(ConnectFailure::Io(last_error.unwrap_or_else(|| {
        io::Error::from_raw_os_error(libc::ECONNREFUSED)
    })))
}

/// The C library's text for an OS error (`strerror`), without Rust's " (os error N)" suffix.
pub fn os_error_text(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => {
            // SAFETY: strerror returns a pointer to a NUL-terminated static or thread-local string; it
            // is copied at once, and this program calls strerror from one thread only.
            let text = unsafe { CStr::from_ptr(libc::strerror(code)) };
            text.to_string_lossy().into_owned()
        }
        None => err.to_string(),
    }
}

/// The one buffered stdout writer shared by `-d` lines and printed messages, so their relative order is
/// exactly the order in which they were produced.
pub struct Output {
    buffer: Vec<u8>,
    broken: bool,
}

impl Output {
    pub fn new() -> Output {
        Output {
            buffer: Vec::with_capacity(OUTPUT_HIGH_WATER),
            broken: false,
        }
    }

    /// Where to append output.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }

    /// Writes what is buffered. A failed write (closed pipe) marks the output broken and drops it.
    pub fn flush(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        if !self.broken && !write_stdout(&self.buffer) {
            self.broken = true;
        }
        self.buffer.clear();
    }

    /// Writes `bytes` straight to stdout after what is buffered, without copying them into the buffer:
    /// for large payloads, which would otherwise be resident twice. Order and broken-pipe handling are
    /// those of [`Output::flush`].
    pub fn write_unbuffered(&mut self, bytes: &[u8]) {
        self.flush();
        if !self.broken && !bytes.is_empty() && !write_stdout(bytes) {
            self.broken = true;
        }
    }

    /// Flushes if enough has accumulated (used while input keeps arriving).
    pub fn flush_if_large(&mut self) {
        if self.buffer.len() >= OUTPUT_HIGH_WATER {
            self.flush();
        }
    }

    /// stdout could not be written (e.g. the reading end of a pipe went away).
    pub fn is_broken(&self) -> bool {
        self.broken
    }
}

impl Default for Output {
    fn default() -> Self {
        Output::new()
    }
}

/// Read batching with `SO_RCVLOWAT`: fewer, larger reads and fewer wake-ups while data streams in.
///
/// On loopback the sender pays for waking the receiver, and a client that wakes for every small
/// packet makes the (single-threaded) mosquitto broker slower and itself spend most of its CPU in
/// `epoll_wait` and `recvfrom` (docs/performance.md). So while a stream flows, the socket's receive
/// low-water mark is raised: the kernel wakes us only once that many bytes are waiting, and every
/// such wait is capped at [`BATCH_WAIT`], after which whatever arrived is read. Three cases raise it:
/// - a read pass decoded several packets and none needed a reply (a QoS 0 stream, a drain of queued
///   messages): wait for [`STREAM_LOW_WATER`] bytes;
/// - a read pass decoded several packets and we acknowledged them (QoS 1/2 messages coming in): the
///   broker sends more as our acknowledgements free its in-flight window, so wait for half of what
///   the largest recent pass brought (half a window, so the broker always has the other half to
///   send); a wait that times out shrinks this to half of what actually came;
/// - several QoS 1/2 messages of ours await acknowledgements (`rpub -l -q 1`): wait until half of
///   them can have arrived.
///
/// A batched wait that ends with nothing to read drops back to waking on every byte, so an idle
/// connection costs one extra wake-up, and nothing is ever delayed by more than [`BATCH_WAIT`].
/// Only plain TCP batches (TLS records and Unix sockets keep the default of one byte).
#[derive(Debug, Default)]
struct ReadBatching {
    /// The low-water mark set on the current socket (0 or 1: the kernel's default).
    low_water: usize,
    /// The socket refused `SO_RCVLOWAT`: do not try again on this connection.
    unsupported: bool,
    /// The last batched wait found nothing to read: wake on every byte until data comes again.
    idle: bool,
    /// The mark the last read pass calls for (0: it showed no stream).
    stream_mark: usize,
}

impl ReadBatching {
    /// Notes a read pass that got `bytes` holding `packets` packets; `replied`: they queued
    /// acknowledgements; `timed_out`: the pass followed a batched wait that timed out.
    fn after_pass(&mut self, bytes: usize, packets: u64, replied: bool, timed_out: bool) {
        if bytes == 0 {
            self.idle = true;
            return;
        }
        self.idle = false;
        self.stream_mark = if packets < STREAM_PACKETS {
            0
        } else if !replied {
            STREAM_LOW_WATER
        } else {
            let half = (bytes / 2).min(STREAM_LOW_WATER);
            if timed_out || self.stream_mark == STREAM_LOW_WATER {
                half
            } else {
                self.stream_mark.max(half)
            }
        };
    }

    /// The low-water mark for the next wait.
    fn wanted(&self, awaited_ack_bytes: usize) -> usize {
        if self.unsupported || self.idle {
            1
        } else if awaited_ack_bytes >= ACK_BATCH_MIN_INFLIGHT_BYTES {
            // Capped: with a huge window (`-M 0`) a larger mark would also make the kernel grow the
            // receive buffer and clamp the window to the mark.
            (awaited_ack_bytes / 2).min(STREAM_LOW_WATER)
        } else {
            self.stream_mark.max(1)
        }
    }
}

/// Writes `bytes` to stdout in full; false if stdout failed (e.g. a closed pipe).
fn write_stdout(bytes: &[u8]) -> bool {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(bytes).and_then(|()| lock.flush()).is_ok()
}

/// What happened during one [`Driver::turn`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    /// SIGINT or SIGTERM arrived (only after [`Driver::watch_signals`]).
    pub signalled: bool,
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
    /// Nothing has been read on the current connection yet.
    first_read: bool,
    batching: ReadBatching,
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
            first_read: false,
            batching: ReadBatching::default(),
        })
    }

    /// From now on SIGINT and SIGTERM no longer kill the process: they are reported by
    /// [`Driver::turn`] (`Turn::signalled`) so the application can end cleanly.
    pub fn watch_signals(&mut self) -> io::Result<()> {
        let pipe = SignalPipe::install()?;
        self.poll.registry().register(
            &mut mio::unix::SourceFd(&pipe.read_fd),
            SIGNALS,
            Interest::READABLE,
        )?;
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

    /// Opens a transport to the broker (TLS when configured) and starts a connection on it.
    pub fn connect(&mut self, config: &CommonConfig) -> Result<(), ConnectFailure> {
        let stream = open_stream(config, self.tls.as_ref())?;
        self.attach(stream).map_err(ConnectFailure::Io)
    }

    /// Starts a connection on a freshly opened transport (CONNECT is queued).
    fn attach(&mut self, mut stream: Stream) -> io::Result<()> {
        self.close_stream();
        self.poll
            .registry()
            .register(stream.source(), SOCKET, Interest::READABLE)?;
        self.stream = Some(stream);
        self.batching = ReadBatching::default();
        self.first_read = true;
        self.writable_interest = false;
        self.read_pending = true;
        self.write_queue.clear();
        let now = self.now();
        self.client.connect(now);
        Ok(())
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

    /// Drops the transport (after a final flush attempt by the caller).
    pub fn close_stream(&mut self) {
        if let Some(Stream::Tls(tls)) = &self.stream
            && let Some(failure) = tls.failure()
        {
            self.tls_failure = Some(failure.clone());
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

    /// Writes everything still queued (used after DISCONNECT), waiting for the socket at most `limit`,
    /// then closes the transport.
    pub fn finish(&mut self, limit: Duration) {
        let deadline = self.now() + limit;
        while self.stream.is_some() && !self.is_flushed() {
            if !self.write_some() {
                break;
            }
            if self.is_flushed() {
                break;
            }
            let now = self.now();
            if now >= deadline {
                break;
            }
            if self
                .poll
                .poll(&mut self.events, Some(deadline - now))
                .is_err()
            {
                break;
            }
        }
        self.close_stream();
        self.output.flush();
    }

    /// One loop iteration: write, wait (until socket activity, the waker, the client's timer or
    /// `app_deadline`), read, fire timers. Events produced are left in `client.poll_event()`.
    pub fn turn(&mut self, app_deadline: Option<Instant>) -> io::Result<Turn> {
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
        if self.read_pending {
            timeout = Some(Duration::ZERO);
        }

        // Look without blocking first; only flush stdout when we are about to wait, so bursts of
        // messages are written in large batches while a slow trickle is still printed at once.
        let batched = self.set_read_low_water() > 1;
        self.poll_events(Some(Duration::ZERO))?;
        let mut waited_batched = false;
        if self.events.is_empty() && timeout != Some(Duration::ZERO) {
            self.output.flush();
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
        for event in self.events.iter() {
            match event.token() {
                SOCKET if event.is_readable() || event.is_read_closed() || event.is_error() => {
                    readable = true;
                }
                // Only there to end the wait: the application looks at stdin on every turn.
                WAKER => {}
                SIGNALS => turn.signalled = true,
                _ => {}
            }
        }
        if turn.signalled
            && let Some(pipe) = &self.signals
        {
            pipe.drain();
        }
        if readable {
            self.read_some(timed_out);
        }
        let now = self.now();
        if self.client.poll_timeout().is_some_and(|at| at <= now) {
            self.client.handle_timeout(now);
        }
        Ok(turn)
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
                        && !matches!(stream, Stream::Tls(_))
                        && let Some(failure) =
                            crate::tls::tls_reply_on_plain_port(&self.read_chunk[..n])
                    {
                        // A TLS server answered our plain MQTT: say so rather than "protocol error".
                        self.tls_failure = Some(failure);
                    }
                    let now = Instant::now();
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
            match stream.write_vectored(&slices[..count]) {
                Ok(0) => {
                    self.fail_transport();
                    return false;
                }
                Ok(n) => self.write_queue.advance(n),
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
        self.client.handle_eof();
        self.close_stream();
    }
}

/// Stdin read on its own thread in large chunks, handed over through a small bounded channel: the
/// reader blocks when the main loop does not take chunks (back-pressure), so memory stays bounded
/// whatever the input size.
pub struct StdinFeed {
    chunks: Receiver<io::Result<Vec<u8>>>,
    finished: bool,
}

/// Number of chunks that may wait in the channel. With the chunk size this bounds what stdin
/// costs in memory however long the input is (`seq 1000000 | rpub -l` needs no more than 1,000 lines).
const STDIN_QUEUE_CHUNKS: usize = 2;
const STDIN_CHUNK: usize = 8 * 1024;

/// What [`StdinFeed::try_next`] found.
pub enum StdinChunk {
    Data(Vec<u8>),
    /// Nothing ready right now; the waker fires when there is.
    Pending,
    Eof,
    Failed(io::Error),
}

impl StdinFeed {
    pub fn start(waker: Arc<Waker>) -> StdinFeed {
        let (sender, chunks) = sync_channel(STDIN_QUEUE_CHUNKS);
        std::thread::spawn(move || read_stdin_into(sender, waker));
        StdinFeed {
            chunks,
            finished: false,
        }
    }

    pub fn try_next(&mut self) -> StdinChunk {
        if self.finished {
            return StdinChunk::Eof;
        }
        match self.chunks.try_recv() {
            Ok(Ok(chunk)) if chunk.is_empty() => {
                self.finished = true;
                StdinChunk::Eof
            }
            Ok(Ok(chunk)) => StdinChunk::Data(chunk),
            Ok(Err(err)) => {
                self.finished = true;
                StdinChunk::Failed(err)
            }
            Err(TryRecvError::Empty) => StdinChunk::Pending,
            Err(TryRecvError::Disconnected) => {
                self.finished = true;
                StdinChunk::Eof
            }
        }
    }
}

fn read_stdin_into(sender: SyncSender<io::Result<Vec<u8>>>, waker: Arc<Waker>) {
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    loop {
        let mut chunk = vec![0; STDIN_CHUNK];
        let result = loop {
            match lock.read(&mut chunk) {
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let (message, done) = match result {
            Ok(n) => {
                chunk.truncate(n);
                (Ok(chunk), n == 0)
            }
            Err(err) => (Err(err), true),
        };
        if sender.send(message).is_err() {
            return;
        }
        let _ = waker.wake();
        if done {
            return;
        }
    }
}

/// The write end of the signal pipe, for the signal handler (-1: none).
static SIGNAL_PIPE_WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// SIGINT/SIGTERM turned into a readable byte on a pipe the event loop watches (the self-pipe trick:
/// a signal handler may only do async-signal-safe things such as `write`).
struct SignalPipe {
    read_fd: RawFd,
}

impl SignalPipe {
    fn install() -> io::Result<SignalPipe> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        SIGNAL_PIPE_WRITE_FD.store(fds[1], Ordering::SeqCst);
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler only
            // calls async-signal-safe functions.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = forward_signal as *const () as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        Ok(SignalPipe { read_fd: fds[0] })
    }

    /// Empties the pipe so the next signal makes it readable again (mio is edge-triggered).
    fn drain(&self) {
        let mut sink = [0u8; 64];
        // SAFETY: reading into a local buffer of the stated length from our own non-blocking fd.
        while unsafe { libc::read(self.read_fd, sink.as_mut_ptr().cast(), sink.len()) } > 0 {}
    }
}

extern "C" fn forward_signal(_signal: libc::c_int) {
    let fd = SIGNAL_PIPE_WRITE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; errno is saved and restored around it so the
        // interrupted code does not see it change.
        unsafe {
            let errno = *libc::__errno_location();
            let byte = 1u8;
            libc::write(fd, (&byte as *const u8).cast(), 1);
            *libc::__errno_location() = errno;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batching state after one read pass of `bytes` bytes holding `packets` packets.
    fn after(bytes: usize, packets: u64, replied: bool) -> ReadBatching {
        let mut batching = ReadBatching::default();
        batching.after_pass(bytes, packets, replied, false);
        batching
    }

    #[test]
    fn a_stream_of_packets_without_replies_batches() {
        assert_eq!(
            after(100, STREAM_PACKETS, false).wanted(0),
            STREAM_LOW_WATER
        );
        assert_eq!(after(9000, 500, false).wanted(0), STREAM_LOW_WATER);
    }

    #[test]
    fn a_few_packets_do_not_batch() {
        // A SUBACK and a retained message, or a lone message: read at once.
        assert_eq!(after(100, STREAM_PACKETS - 1, false).wanted(0), 1);
        assert_eq!(after(100, STREAM_PACKETS - 1, true).wanted(0), 1);
        assert_eq!(ReadBatching::default().wanted(0), 1);
    }

    #[test]
    fn acknowledged_messages_wait_for_half_the_largest_recent_pass() {
        // 20 QoS 1 messages of 30 bytes, acknowledged: the broker may send 20 more.
        let mut batching = after(600, 20, true);
        assert_eq!(batching.wanted(0), 300);
        // A smaller pass that came at the mark does not lower it (we woke at the mark).
        batching.after_pass(330, 11, true, false);
        assert_eq!(batching.wanted(0), 300);
        // A larger one raises it, never above the stream mark.
        batching.after_pass(900, 30, true, false);
        assert_eq!(batching.wanted(0), 450);
        batching.after_pass(1 << 20, 30_000, true, false);
        assert_eq!(batching.wanted(0), STREAM_LOW_WATER);
        // A wait that timed out shows what the broker sends now: half of that.
        batching.after_pass(200, 8, true, true);
        assert_eq!(batching.wanted(0), 100);
        // Too few packets end the batching.
        batching.after_pass(60, 2, true, false);
        assert_eq!(batching.wanted(0), 1);
    }

    #[test]
    fn switching_from_a_plain_stream_to_acknowledged_messages_starts_from_the_pass() {
        let mut batching = after(9000, 500, false);
        batching.after_pass(600, 20, true, false);
        assert_eq!(batching.wanted(0), 300);
    }

    #[test]
    fn acknowledgements_are_awaited_half_a_window_at_a_time() {
        // 20 QoS 1 messages in flight: wake once 10 PUBACKs can be there.
        assert_eq!(after(10, 1, false).wanted(80), 40);
        // This takes precedence over the stream rules (PUBACKs need no reply).
        assert_eq!(after(9000, 500, false).wanted(80), 40);
        // One or two messages in flight: their acknowledgements are read as they come.
        assert_eq!(ReadBatching::default().wanted(4), 1);
        assert_eq!(ReadBatching::default().wanted(8), 1);
        assert_eq!(
            ReadBatching::default().wanted(ACK_BATCH_MIN_INFLIGHT_BYTES),
            ACK_BATCH_MIN_INFLIGHT_BYTES / 2
        );
        // `-M 0` with thousands in flight: never above the stream mark.
        assert_eq!(ReadBatching::default().wanted(4 * 65_535), STREAM_LOW_WATER);
    }

    #[test]
    fn an_idle_wait_or_a_refused_option_stops_batching() {
        let mut idle = after(9000, 500, false);
        idle.after_pass(0, 0, false, true);
        assert_eq!(idle.wanted(80), 1);
        // Data again: batching resumes from what that pass shows.
        idle.after_pass(9000, 500, false, false);
        assert_eq!(idle.wanted(0), STREAM_LOW_WATER);
        let mut unsupported = after(9000, 500, false);
        unsupported.unsupported = true;
        assert_eq!(unsupported.wanted(80), 1);
    }
}
