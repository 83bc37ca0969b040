//! Opening the transport the way libmosquitto does: name resolution, TCP (bound to `-A`), the SOCKS5
//! proxy, a unix socket, TLS on top, and a WebSocket on top of that.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::limit::{ConnectTimes, PendingStage, remaining, resolve_within};
use super::spec::{ConnectSpec, Endpoint};
use super::stage::{ConnectStage, StageLog};
use super::transport::Stream;
use crate::socks::{self, ProxyConfig, SocksError};
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

/// How long the SOCKS5 handshake may take.
const PROXY_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens the transport to the broker the way libmosquitto does: blocking connect (so a refused
/// connection is reported at once), trying every resolved address in order, then non-blocking;
/// with TLS on top of the TCP connection when `tls` is given (the certificate is
/// checked against the host name given with `-h`).
pub fn open_stream(spec: &ConnectSpec, tls: Option<&TlsConfig>) -> Result<Stream, ConnectFailure> {
    open_stream_within(
        spec,
        tls,
        None,
        &mut ConnectTimes::default(),
        &mut StageLog::default(),
    )
}

/// [`open_stream`], given up with [`ConnectFailure::TimedOut`] at `deadline` (`--connect-timeout`):
/// name resolution, the TCP connection and the SOCKS5 handshake each get the time that is left.
/// `times` gets when each stage finished; each stage reached also goes to `stages` (when it is on:
/// `--trace`), with what it found (addresses, the proxy's target, the socket's path).
pub fn open_stream_within(
    spec: &ConnectSpec,
    tls: Option<&TlsConfig>,
    deadline: Option<Instant>,
    times: &mut ConnectTimes,
    stages: &mut StageLog,
) -> Result<Stream, ConnectFailure> {
    stages.new_attempt();
    let stream = open_mqtt_stream(
        spec,
        tls,
        Limits {
            deadline,
            times,
            stages,
        },
    )?;
    match &spec.websocket {
        Some(websocket) => Ok(super::ws::upgrade(stream, spec, websocket)),
        None => Ok(stream),
    }
}

/// The stream MQTT (or its WebSocket) travels on.
fn open_mqtt_stream(
    spec: &ConnectSpec,
    tls: Option<&TlsConfig>,
    limits: Limits<'_>,
) -> Result<Stream, ConnectFailure> {
    match &spec.endpoint {
        Endpoint::Unix { path } => {
            let stream = open_unix(path)?;
            limits
                .stages
                .push_with(|| ConnectStage::UnixConnected { path: path.clone() });
            Ok(stream)
        }
        Endpoint::Tcp { host, port } => {
            let bind = spec.bind_address.as_deref();
            let stream = match &spec.proxy {
                Some(proxy) => open_via_proxy(proxy, host, *port, bind, spec.nodelay, limits)?,
                None => open_tcp(host, *port, bind, spec.nodelay, limits)?,
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

fn open_tcp(
    host: &str,
    port: u16,
    bind_address: Option<&str>,
    nodelay: bool,
    limits: Limits<'_>,
) -> Result<Stream, ConnectFailure> {
    let socket = connect_tcp(host, port, bind_address, nodelay, limits)?;
    into_stream(socket)
}

/// `--connect-timeout`'s deadline for an attempt, and where its stage times and (for `--trace`)
/// its stages go.
struct Limits<'a> {
    deadline: Option<Instant>,
    times: &'a mut ConnectTimes,
    stages: &'a mut StageLog,
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
    limits: Limits<'_>,
) -> Result<Stream, ConnectFailure> {
    let Limits {
        deadline,
        times,
        stages,
    } = limits;
    let mut socket = connect_tcp(
        &proxy.host,
        proxy.port,
        bind_address,
        nodelay,
        Limits {
            deadline,
            times: &mut *times,
            stages: &mut *stages,
        },
    )?;
    // The handshake is a few small blocking exchanges; a proxy that stops answering must not hang us.
    let left = remaining(deadline).map_err(|()| ConnectFailure::TimedOut(PendingStage::Proxy))?;
    let limit = Some(left.map_or(PROXY_HANDSHAKE_TIMEOUT, |left| {
        left.min(PROXY_HANDSHAKE_TIMEOUT)
    }));
    socket.set_read_timeout(limit).map_err(ConnectFailure::Io)?;
    socket
        .set_write_timeout(limit)
        .map_err(ConnectFailure::Io)?;
    socks::handshake(&mut socket, proxy, host, port).map_err(|err| {
        if deadline.is_some_and(|at| Instant::now() >= at) {
            ConnectFailure::TimedOut(PendingStage::Proxy)
        } else {
            ConnectFailure::Proxy(err)
        }
    })?;
    times.proxy = Some(Instant::now());
    stages.push_with(|| ConnectStage::ProxyConnected {
        host: host.to_string(),
        port,
    });
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
    limits: Limits<'_>,
) -> Result<Socket, ConnectFailure> {
    let Limits {
        deadline,
        times,
        stages,
    } = limits;
    let addrs = resolve(host, port, deadline)?;
    stages.push_with(|| ConnectStage::Resolved {
        host: host.to_string(),
        port,
        addresses: addrs.clone(),
    });
    let bind_addrs = match bind_address {
        Some(bind) => Some(resolve(bind, 0, deadline)?),
        None => None,
    };
    times.resolved = Some(Instant::now());
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
        let connected = match remaining(deadline) {
            Ok(None) => socket.connect(&SockAddr::from(addr)),
            // A connect that blocks (a full listen queue, a host that drops SYNs) gives up in time.
            Ok(Some(left)) => match socket.connect_timeout(&SockAddr::from(addr), left) {
                Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                    return Err(ConnectFailure::TimedOut(PendingStage::Tcp));
                }
                other => other,
            },
            Err(()) => return Err(ConnectFailure::TimedOut(PendingStage::Tcp)),
        };
        match connected {
            Ok(()) => {
                times.tcp = Some(Instant::now());
                if nodelay {
                    // mosquitto only warns when this fails; a slower socket still works.
                    let _ = socket.set_tcp_nodelay(true);
                }
                stages.push_with(|| ConnectStage::TcpConnected {
                    local: socket
                        .local_addr()
                        .ok()
                        .and_then(|local| local.as_socket())
                        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0))),
                    remote: addr,
                });
                return Ok(socket);
            }
            Err(err) => last_error = Some(err),
        }
    }
    Err(ConnectFailure::Io(last_error.unwrap_or_else(|| {
        io::Error::from_raw_os_error(libc::ECONNREFUSED)
    })))
}
