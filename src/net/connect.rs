//! Opening the transport the way libmosquitto does: name resolution, TCP (bound to `-A`), the SOCKS5
//! proxy, a unix socket, TLS on top, and a WebSocket on top of that. Unlike libmosquitto, nothing here blocks: connect(2) is
//! non-blocking and the SOCKS5 handshake a state machine, both advanced by the driver's event loop
//! ([`Opening`]), so SIGINT, SIGTERM and the application's deadlines are honoured while a broker or a
//! proxy does not answer (a SYN that goes unanswered keeps a blocking connect(2) for over two
//! minutes, and the signal handlers restart it).

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::limit::{ConnectTimes, PendingStage, resolve_within};
use super::spec::{ConnectSpec, Endpoint, WebSocketSpec};
use super::stage::{ConnectStage, StageLog};
use super::transport::Stream;
use crate::socks::{Handshake, SocksError};
use crate::tls::{TlsConfig, TlsSetupError, TlsStream};

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
    /// `--connect-timeout` ran out before this stage was done.
    TimedOut(PendingStage),
}

/// How long the SOCKS5 handshake may take once the proxy accepted the TCP connection.
const PROXY_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// A transport being opened: where it stands after [`Opening::start`] or [`Opening::advance`].
pub(super) enum Progress {
    /// Waiting for the socket (registered by the caller with [`Opening::socket`]).
    Pending,
    /// The transport is open.
    Open(Stream),
    /// Every address failed, or the proxy or TLS set-up did.
    Failed(ConnectFailure),
}

/// A transport being opened without blocking: connect(2) to each resolved address in turn (as
/// libmosquitto tries them), then the SOCKS5 handshake when a proxy is configured, then TLS on top
/// (its handshake runs in the stream's own reads and writes). The driver waits for the socket and
/// calls [`Opening::advance`].
pub(super) struct Opening {
    stage: Stage,
    /// The broker's host name, for the proxy's CONNECT and the TLS server name.
    host: String,
    port: u16,
    proxy: Option<crate::socks::ProxyConfig>,
    tls: Option<TlsConfig>,
    /// `ws://`, `wss://`, `--ws`: the upgrade request goes on top (it runs in the stream's own
    /// reads and writes, see `net::ws`), with the spec it names the host from.
    websocket: Option<(WebSocketSpec, ConnectSpec)>,
    nodelay: bool,
    /// The addresses to connect to (the proxy's, with a proxy), in order, and the next to try.
    addrs: Vec<SocketAddr>,
    next: usize,
    /// `-A`: the resolved local addresses; the first of the address's family is bound.
    bind_addrs: Option<Vec<SocketAddr>>,
    last_error: Option<io::Error>,
    /// When each stage finished (`rpub --check` reports them).
    times: ConnectTimes,
}

enum Stage {
    /// connect(2) in progress.
    Tcp(mio::net::TcpStream),
    /// The proxy accepted the TCP connection; its handshake must end by `deadline`.
    Socks {
        socket: mio::net::TcpStream,
        handshake: Handshake,
        deadline: Instant,
    },
    /// Between attempts, or over.
    Idle,
}

impl Opening {
    /// Starts opening the transport `spec` describes. A unix socket connects at once (connect(2) on
    /// a local socket does not wait for a peer); TCP resolves the names (getaddrinfo, as
    /// libmosquitto) and starts connecting to the first address.
    /// `deadline` (`--connect-timeout`) bounds name resolution, the one step that blocks; the
    /// session loop watches the same deadline for the stages that follow. Each stage reached goes
    /// to `stages` (when it is on: `--trace`), here and in [`Opening::advance`].
    pub(super) fn start(
        spec: &ConnectSpec,
        tls: Option<&TlsConfig>,
        started: Instant,
        deadline: Option<Instant>,
        stages: &mut StageLog,
    ) -> (Opening, Progress) {
        stages.new_attempt();
        let (host, port) = match &spec.endpoint {
            Endpoint::Unix { path } => {
                let opening = Opening::idle(spec, tls, started);
                let progress = match open_unix(path) {
                    Ok(stream) => {
                        stages.push_with(|| ConnectStage::UnixConnected { path: path.clone() });
                        Progress::Open(opening.upgraded(stream))
                    }
                    Err(failure) => Progress::Failed(failure),
                };
                return (opening, progress);
            }
            Endpoint::Tcp { host, port } => (host.clone(), *port),
        };
        let mut opening = Opening::idle(spec, tls, started);
        // With a proxy, its name is resolved (the proxy resolves the broker's: socks5h).
        let (target_host, target_port) = match &spec.proxy {
            Some(proxy) => (proxy.host.as_str(), proxy.port),
            None => (host.as_str(), port),
        };
        let target = resolve(target_host, target_port, deadline);
        if let Ok(addresses) = &target {
            stages.push_with(|| ConnectStage::Resolved {
                host: target_host.to_string(),
                port: target_port,
                addresses: addresses.clone(),
            });
        }
        let bind_addrs = match spec
            .bind_address
            .as_deref()
            .map(|bind| resolve(bind, 0, deadline))
        {
            None => Ok(None),
            Some(result) => result.map(Some),
        };
        match (target, bind_addrs) {
            (Ok(addrs), Ok(bind_addrs)) => {
                opening.times.resolved = Some(Instant::now());
                opening.addrs = addrs;
                opening.bind_addrs = bind_addrs;
            }
            (Err(failure), _) | (_, Err(failure)) => return (opening, Progress::Failed(failure)),
        }
        let progress = opening.connect_next();
        (opening, progress)
    }

    fn idle(spec: &ConnectSpec, tls: Option<&TlsConfig>, started: Instant) -> Opening {
        let (host, port) = match &spec.endpoint {
            Endpoint::Tcp { host, port } => (host.clone(), *port),
            Endpoint::Unix { .. } => (String::new(), 0),
        };
        Opening {
            stage: Stage::Idle,
            host,
            port,
            proxy: spec.proxy.clone(),
            tls: tls.cloned(),
            websocket: spec
                .websocket
                .as_ref()
                .map(|websocket| (websocket.clone(), spec.clone())),
            nodelay: spec.nodelay,
            addrs: Vec::new(),
            next: 0,
            bind_addrs: None,
            last_error: None,
            times: ConnectTimes {
                started: Some(started),
                ..ConnectTimes::default()
            },
        }
    }

    /// When each stage of this attempt finished so far.
    pub(super) fn times(&self) -> ConnectTimes {
        self.times
    }

    /// The stage this attempt is in (`--connect-timeout` names it when the time runs out).
    pub(super) fn pending(&self) -> PendingStage {
        match self.stage {
            Stage::Socks { .. } => PendingStage::Proxy,
            Stage::Tcp(_) | Stage::Idle => PendingStage::Tcp,
        }
    }

    /// The socket to wait for, while one is being connected or talks to the proxy.
    pub(super) fn socket(&mut self) -> Option<&mut mio::net::TcpStream> {
        match &mut self.stage {
            Stage::Tcp(socket) | Stage::Socks { socket, .. } => Some(socket),
            Stage::Idle => None,
        }
    }

    /// Whether the socket is to be watched for reading (the proxy's answers) besides writing.
    pub(super) fn wants_read(&self) -> bool {
        matches!(self.stage, Stage::Socks { .. })
    }

    /// When the proxy's handshake must be over.
    pub(super) fn deadline(&self) -> Option<Instant> {
        match &self.stage {
            Stage::Socks { deadline, .. } => Some(*deadline),
            Stage::Tcp(_) | Stage::Idle => None,
        }
    }

    /// The socket is ready (or `now` reached [`Opening::deadline`]): takes the next step. After
    /// `Pending` the caller registers [`Opening::socket`] again (it may be a new one).
    pub(super) fn advance(&mut self, now: Instant, stages: &mut StageLog) -> Progress {
        match std::mem::replace(&mut self.stage, Stage::Idle) {
            Stage::Idle => Progress::Failed(self.failure()),
            Stage::Tcp(socket) => match connect_result(&socket) {
                None => {
                    self.stage = Stage::Tcp(socket);
                    Progress::Pending
                }
                Some(Ok(())) => self.connected(socket, now, stages),
                Some(Err(err)) => {
                    self.last_error = Some(err);
                    self.connect_next()
                }
            },
            Stage::Socks {
                socket,
                handshake,
                deadline,
            } => {
                if now >= deadline {
                    let timed_out = io::Error::from(io::ErrorKind::TimedOut);
                    return Progress::Failed(ConnectFailure::Proxy(SocksError::Io(timed_out)));
                }
                self.proxy_step(socket, handshake, deadline, stages)
            }
        }
    }

    /// Starts connect(2) to the next address that gets that far; `Failed` when none is left.
    fn connect_next(&mut self) -> Progress {
        while let Some(&addr) = self.addrs.get(self.next) {
            self.next += 1;
            match self.start_connect(addr) {
                Ok(socket) => {
                    self.stage = Stage::Tcp(socket);
                    return Progress::Pending;
                }
                Err(err) => self.last_error = Some(err),
            }
        }
        Progress::Failed(self.failure())
    }

    fn failure(&mut self) -> ConnectFailure {
        ConnectFailure::Io(
            self.last_error
                .take()
                .unwrap_or_else(|| io::Error::from_raw_os_error(libc::ECONNREFUSED)),
        )
    }

    /// A non-blocking socket, bound to the `-A` address of the same family if there is one, with
    /// connect(2) to `addr` started (or already done: a loopback connection may complete, or be
    /// refused, at once).
    fn start_connect(&self, addr: SocketAddr) -> io::Result<mio::net::TcpStream> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        if let Some(bind_addrs) = &self.bind_addrs {
            // Bind to the first local address of the same family, as libmosquitto does.
            let Some(local) = bind_addrs
                .iter()
                .find(|local| local.is_ipv4() == addr.is_ipv4())
            else {
                return Err(io::Error::from_raw_os_error(libc::EADDRNOTAVAIL));
            };
            socket.bind(&SockAddr::from(*local))?;
        }
        match socket.connect(&SockAddr::from(addr)) {
            Ok(()) => {}
            Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(err) => return Err(err),
        }
        let std_stream: std::net::TcpStream = socket.into();
        Ok(mio::net::TcpStream::from_std(std_stream))
    }

    /// TCP is up: the proxy's handshake next, or the transport is ready.
    fn connected(
        &mut self,
        socket: mio::net::TcpStream,
        now: Instant,
        stages: &mut StageLog,
    ) -> Progress {
        self.times.tcp = Some(Instant::now());
        stages.push_with(|| {
            let unknown = SocketAddr::from(([0, 0, 0, 0], 0));
            ConnectStage::TcpConnected {
                local: socket.local_addr().unwrap_or(unknown),
                remote: socket.peer_addr().unwrap_or(unknown),
            }
        });
        if self.nodelay {
            // mosquitto only warns when this fails; a slower socket still works.
            let _ = socket.set_nodelay(true);
        }
        match &self.proxy {
            Some(proxy) => match Handshake::new(proxy, &self.host, self.port) {
                Ok(handshake) => {
                    self.proxy_step(socket, handshake, now + PROXY_HANDSHAKE_TIMEOUT, stages)
                }
                Err(err) => Progress::Failed(ConnectFailure::Proxy(err)),
            },
            None => self.open(socket),
        }
    }

    /// Sends and reads what the proxy's handshake can without blocking.
    fn proxy_step(
        &mut self,
        mut socket: mio::net::TcpStream,
        mut handshake: Handshake,
        deadline: Instant,
        stages: &mut StageLog,
    ) -> Progress {
        use std::io::{Read, Write};
        let mut buf = [0u8; 262];
        loop {
            if handshake.is_done() {
                self.times.proxy = Some(Instant::now());
                stages.push_with(|| ConnectStage::ProxyConnected {
                    host: self.host.clone(),
                    port: self.port,
                });
                return self.open(socket);
            }
            let result = if !handshake.to_send().is_empty() {
                socket.write(handshake.to_send()).map(|n| handshake.sent(n))
            } else {
                let wanted = handshake.wanted().min(buf.len());
                match socket.read(&mut buf[..wanted]) {
                    Ok(0) => Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
                    Ok(n) => match handshake.received(&buf[..n]) {
                        Ok(()) => Ok(()),
                        Err(err) => return Progress::Failed(ConnectFailure::Proxy(err)),
                    },
                    Err(err) => Err(err),
                }
            };
            match result {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.stage = Stage::Socks {
                        socket,
                        handshake,
                        deadline,
                    };
                    return Progress::Pending;
                }
                Err(err) => return Progress::Failed(ConnectFailure::Proxy(SocksError::Io(err))),
            }
        }
    }

    /// The connected socket as the event loop's stream, with TLS on top when configured (the
    /// certificate is checked against the host name given with `-h`).
    fn open(&mut self, socket: mio::net::TcpStream) -> Progress {
        let stream = match &self.tls {
            Some(tls) => match TlsStream::new(tls, &self.host, socket) {
                Ok(stream) => Stream::Tls(Box::new(stream)),
                Err(err) => return Progress::Failed(ConnectFailure::TlsSetup(err)),
            },
            None => Stream::Tcp(socket),
        };
        Progress::Open(self.upgraded(stream))
    }

    /// `stream` with the WebSocket layer on top when one is configured.
    fn upgraded(&self, stream: Stream) -> Stream {
        match &self.websocket {
            Some((websocket, spec)) => super::ws::upgrade(stream, spec, websocket),
            None => stream,
        }
    }
}

/// Whether connect(2) on `socket` has finished: `None` while it is in progress.
fn connect_result(socket: &mio::net::TcpStream) -> Option<io::Result<()>> {
    match socket.take_error() {
        Ok(Some(err)) | Err(err) => return Some(Err(err)),
        Ok(None) => {}
    }
    match socket.peer_addr() {
        Ok(_) => Some(Ok(())),
        Err(err) if err.raw_os_error() == Some(libc::ENOTCONN) => None,
        Err(err) if err.kind() == io::ErrorKind::NotConnected => None,
        Err(err) => Some(Err(err)),
    }
}

fn open_unix(path: &Path) -> Result<Stream, ConnectFailure> {
    let stream = std::os::unix::net::UnixStream::connect(path).map_err(ConnectFailure::Io)?;
    stream.set_nonblocking(true).map_err(ConnectFailure::Io)?;
    Ok(Stream::Unix(mio::net::UnixStream::from_std(stream)))
}

fn resolve(
    host: &str,
    port: u16,
    deadline: Option<Instant>,
) -> Result<Vec<SocketAddr>, ConnectFailure> {
    // A literal address resolves to itself: getaddrinfo would say the same, after reading
    // nsswitch.conf, host.conf and resolv.conf (an eighth of a one-shot publish's instructions).
    // Anything Rust does not parse (`127.1`, `fe80::1%eth0`, names) still goes to getaddrinfo.
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    // ToSocketAddrs goes through getaddrinfo (AF_UNSPEC, SOCK_STREAM) like libmosquitto, so `localhost`
    // and the address order are the system's.
    let timed_out = ConnectFailure::TimedOut(PendingStage::Resolution);
    let addrs: Vec<SocketAddr> = resolve_within(host, port, deadline)
        .map_err(|()| ConnectFailure::TimedOut(PendingStage::Resolution))?
        .ok_or(timed_out)?
        .map_err(|_| ConnectFailure::Lookup)?;
    if addrs.is_empty() {
        Err(ConnectFailure::Lookup)
    } else {
        Ok(addrs)
    }
}
