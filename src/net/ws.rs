//! MQTT over WebSockets (RFC 6455, subprotocol `mqtt`): the client side of the HTTP upgrade and the
//! framing, over the non-blocking TCP, TLS or unix stream, used by the driver like the socket itself.
//!
//! - The upgrade: our `GET <path> HTTP/1.1` is written and the answer read inside the driver's
//!   ordinary non-blocking reads and writes (no blocking phase, so a silent server is bounded by the
//!   client's CONNACK timer like any other). What the client writes meanwhile (its CONNECT) waits in
//!   `early` and leaves as the first frame once the upgrade is accepted. The answer is checked as
//!   RFC 6455 §4.1 asks (status 101, `Upgrade: websocket`, `Connection: upgrade`, the accept key, the
//!   subprotocol if one is named); anything else is a [`WsFailure`] that quotes the server.
//! - Then tungstenite frames: every write becomes one masked binary frame (at most [`FRAME_MAX`]
//!   bytes), binary frames are unframed into the byte stream the MQTT codec reads (packets may span
//!   frames and a frame may hold several), pings are answered. Text frames, frames over
//!   [`MESSAGE_MAX`] and protocol violations end the connection with a [`WsFailure`].
//! - The end: a close frame from the server ends the stream like a TCP end of file (our close frame
//!   answers it); when we close we send a close frame but do not wait for the server's, so a server
//!   that never completes the closing handshake cannot hold us.
//!
//! The upgrade is ours rather than tungstenite's `ClientHandshake` because the driver must know
//! whether the request still waits for the socket (to ask mio for WRITABLE) and because the errors
//! must quote the server's status line as it sent it (tungstenite keeps the status code only).

use std::io::{self, ErrorKind, IoSlice, Read, Write};
use std::os::fd::{AsRawFd, RawFd};

use tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
use tungstenite::{Error as WsError, Message};

use crate::tls::{TlsFailure, TlsStream};

mod upgrade;

pub use upgrade::{Answer, RESPONSE_MAX, WsFailure, check_answer, host_header, upgrade_request};

/// The most payload bytes one frame we send carries: larger writes are split (the broker reassembles
/// MQTT packets across frames), so a frame waiting for the socket never holds more than this.
pub const FRAME_MAX: usize = 128 * 1024;
/// The largest frame or message accepted from the server: the largest MQTT payload, as
/// libmosquitto 2.1 (anything larger cannot be an MQTT packet of ours to read anyway).
pub const MESSAGE_MAX: usize = 268_435_455;
/// The stream under the WebSocket.
pub enum Inner {
    Tcp(mio::net::TcpStream),
    Tls(Box<TlsStream>),
    Unix(mio::net::UnixStream),
}

impl Inner {
    fn raw_fd(&self) -> RawFd {
        match self {
            Inner::Tcp(stream) => stream.as_raw_fd(),
            Inner::Tls(stream) => stream.get_ref().as_raw_fd(),
            Inner::Unix(stream) => stream.as_raw_fd(),
        }
    }

    fn tls_wants_write(&self) -> bool {
        matches!(self, Inner::Tls(stream) if stream.wants_write())
    }

    fn shutdown(&mut self) {
        let _ = match self {
            Inner::Tcp(stream) => stream.shutdown(std::net::Shutdown::Both),
            Inner::Unix(stream) => stream.shutdown(std::net::Shutdown::Both),
            Inner::Tls(stream) => {
                stream.close();
                Ok(())
            }
        };
    }
}

impl Read for Inner {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Inner::Tcp(stream) => stream.read(buf),
            Inner::Tls(stream) => stream.read(buf),
            Inner::Unix(stream) => stream.read(buf),
        }
    }
}

impl Write for Inner {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Inner::Tcp(stream) => stream.write(buf),
            Inner::Tls(stream) => stream.write(buf),
            Inner::Unix(stream) => stream.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Inner::Tcp(stream) => stream.flush(),
            Inner::Tls(stream) => stream.flush(),
            Inner::Unix(stream) => stream.flush(),
        }
    }
}

/// The upgrade in progress.
struct Upgrade {
    inner: Inner,
    request: Vec<u8>,
    /// Bytes of `request` written so far.
    sent: usize,
    response: Vec<u8>,
    /// The `Sec-WebSocket-Accept` the server must send back.
    accept_key: String,
}

enum Phase {
    Upgrading(Box<Upgrade>),
    Open(Box<WebSocket<Inner>>),
    /// Failed or closed; the stream is kept for its TLS failure.
    Done(Option<Inner>),
}

/// A WebSocket client connection over a non-blocking stream (see the module docs).
pub struct WsStream {
    phase: Phase,
    fd: RawFd,
    /// Written before the upgrade completed: the first frame after it.
    early: Vec<u8>,
    /// The unread rest of the last binary message.
    inbound: tungstenite::Bytes,
    /// tungstenite holds frame bytes the stream has not taken yet.
    unflushed: bool,
    failure: Option<WsFailure>,
}

/// The configuration of the framing: our limits, tungstenite's defaults otherwise.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_frame_size(Some(MESSAGE_MAX))
        .max_message_size(Some(MESSAGE_MAX))
        // The driver asks for a flush after every write; this only bounds what tungstenite buffers
        // before writing on its own.
        .write_buffer_size(FRAME_MAX)
}

fn would_block() -> io::Error {
    io::Error::from(ErrorKind::WouldBlock)
}

impl WsStream {
    /// Starts the upgrade on a connected stream: `host`/`port` name the broker (the `Host` header),
    /// `path` is the request path. Nothing is sent yet: the request leaves with the first `write`,
    /// `read` or `flush_held`.
    pub fn new(inner: Inner, host: &str, port: u16, path: &str) -> WsStream {
        let tls = matches!(inner, Inner::Tls(_));
        let key = tungstenite::handshake::client::generate_key();
        let accept_key = tungstenite::handshake::derive_accept_key(key.as_bytes());
        let request = upgrade_request(path, &host_header(host, port, tls), &key);
        WsStream {
            fd: inner.raw_fd(),
            phase: Phase::Upgrading(Box::new(Upgrade {
                inner,
                request,
                sent: 0,
                response: Vec::new(),
                accept_key,
            })),
            early: Vec::new(),
            inbound: tungstenite::Bytes::new(),
            unflushed: false,
            failure: None,
        }
    }

    /// Why the connection failed, if the WebSocket layer ended it.
    pub fn failure(&self) -> Option<&WsFailure> {
        self.failure.as_ref()
    }

    /// The TLS failure of a `wss://` connection, if TLS ended it.
    pub fn tls_failure(&self) -> Option<&TlsFailure> {
        match self.inner()? {
            Inner::Tls(tls) => tls.failure(),
            _ => None,
        }
    }

    /// The TLS layer under a `wss://` connection.
    pub fn tls(&self) -> Option<&TlsStream> {
        match self.inner()? {
            Inner::Tls(tls) => Some(tls),
            _ => None,
        }
    }

    fn inner(&self) -> Option<&Inner> {
        match &self.phase {
            Phase::Upgrading(upgrade) => Some(&upgrade.inner),
            Phase::Open(ws) => Some(ws.get_ref()),
            Phase::Done(inner) => inner.as_ref(),
        }
    }

    /// Bytes are waiting for the socket (the request, a frame, TLS records): wait for WRITABLE and
    /// call [`WsStream::flush_held`].
    pub fn wants_write(&self) -> bool {
        match &self.phase {
            Phase::Upgrading(upgrade) => {
                upgrade.sent < upgrade.request.len() || upgrade.inner.tls_wants_write()
            }
            Phase::Open(ws) => self.unflushed || ws.get_ref().tls_wants_write(),
            Phase::Done(_) => false,
        }
    }

    fn fail(&mut self, failure: WsFailure) -> io::Error {
        self.failure = Some(failure.clone());
        let inner = match std::mem::replace(&mut self.phase, Phase::Done(None)) {
            Phase::Upgrading(upgrade) => Some(upgrade.inner),
            Phase::Open(ws) => Some(ws.into_inner()),
            Phase::Done(inner) => inner,
        };
        self.phase = Phase::Done(inner);
        io::Error::other(failure)
    }

    fn stored_failure(&self) -> Option<io::Error> {
        self.failure.clone().map(io::Error::other)
    }

    /// Writes what is held (the rest of the request, frames, TLS records) until done (`Ok(true)`)
    /// or the socket would block (`Ok(false)`).
    pub fn flush_held(&mut self) -> io::Result<bool> {
        if let Some(err) = self.stored_failure() {
            return Err(err);
        }
        match &mut self.phase {
            Phase::Upgrading(upgrade) => {
                while upgrade.sent < upgrade.request.len() {
                    match upgrade.inner.write(&upgrade.request[upgrade.sent..]) {
                        Ok(0) => return Err(io::Error::from(ErrorKind::WriteZero)),
                        Ok(n) => upgrade.sent += n,
                        Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(false),
                        Err(err) if err.kind() == ErrorKind::Interrupted => {}
                        Err(err) => return Err(err),
                    }
                }
                match upgrade.inner.flush() {
                    Ok(()) => Ok(true),
                    Err(err) if err.kind() == ErrorKind::WouldBlock => Ok(false),
                    Err(err) => Err(err),
                }
            }
            Phase::Open(ws) => match ws.flush() {
                Ok(()) => {
                    self.unflushed = false;
                    Ok(true)
                }
                Err(WsError::Io(err)) if err.kind() == ErrorKind::WouldBlock => {
                    self.unflushed = true;
                    Ok(false)
                }
                Err(err) => Err(self.frame_error(err)),
            },
            Phase::Done(_) => Ok(true),
        }
    }

    /// Reads the answer to the upgrade; `Ok(true)` once the WebSocket is open.
    fn read_answer(&mut self) -> io::Result<bool> {
        let Phase::Upgrading(upgrade) = &mut self.phase else {
            return Ok(true);
        };
        // The request first (a TLS stream also needs its handshake written).
        if upgrade.sent < upgrade.request.len() || upgrade.inner.tls_wants_write() {
            self.flush_held()?;
        }
        let Phase::Upgrading(upgrade) = &mut self.phase else {
            return Ok(true);
        };
        let mut chunk = [0u8; 4096];
        loop {
            let room = RESPONSE_MAX.saturating_sub(upgrade.response.len()).max(1);
            let n = match upgrade.inner.read(&mut chunk[..room.min(4096)]) {
                Ok(0) => {
                    let reply = upgrade.response.clone();
                    return Err(self.fail(WsFailure::ClosedDuringUpgrade { reply }));
                }
                Ok(n) => n,
                Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(false),
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(err)
                    if matches!(
                        err.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                    ) && TlsFailure::from_io_error(&err).is_none() =>
                {
                    let reply = upgrade.response.clone();
                    return Err(self.fail(WsFailure::ClosedDuringUpgrade { reply }));
                }
                Err(err) => return Err(err),
            };
            upgrade.response.extend_from_slice(&chunk[..n]);
            match check_answer(&upgrade.response, &upgrade.accept_key) {
                Answer::Partial => {}
                Answer::Failed(failure) => return Err(self.fail(failure)),
                Answer::Accepted { header_len } => {
                    self.open(header_len)?;
                    return Ok(true);
                }
            }
        }
    }

    /// The upgrade was accepted: start framing (the bytes after the headers are the first frames)
    /// and send what was written meanwhile.
    fn open(&mut self, header_len: usize) -> io::Result<()> {
        let Phase::Upgrading(upgrade) = std::mem::replace(&mut self.phase, Phase::Done(None))
        else {
            return Ok(());
        };
        let Upgrade {
            inner, response, ..
        } = *upgrade;
        let tail = response[header_len..].to_vec();
        let ws = WebSocket::from_partially_read(inner, tail, Role::Client, Some(config()));
        self.phase = Phase::Open(Box::new(ws));
        let early = std::mem::take(&mut self.early);
        let mut sent = 0;
        while sent < early.len() {
            sent += self.send_frame(&[IoSlice::new(&early[sent..])])?;
        }
        Ok(())
    }

    /// One binary frame of (at most [`FRAME_MAX`] bytes of) `bufs`, handed to the socket as far as
    /// it takes it; the rest waits in tungstenite (`unflushed`).
    fn send_frame(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let Phase::Open(ws) = &mut self.phase else {
            return Err(io::Error::from(ErrorKind::NotConnected));
        };
        let total: usize = bufs.iter().map(|buf| buf.len()).sum();
        let take = total.min(FRAME_MAX);
        let mut payload = Vec::with_capacity(take);
        for buf in bufs {
            let room = take - payload.len();
            if room == 0 {
                break;
            }
            payload.extend_from_slice(&buf[..buf.len().min(room)]);
        }
        if let Err(err) = ws.write(Message::Binary(payload.into())) {
            match err {
                WsError::Io(io) if io.kind() == ErrorKind::WouldBlock => {}
                err => return Err(self.frame_error(err)),
            }
        }
        self.flush_held()?;
        Ok(take)
    }

    /// A tungstenite error as an `io::Error` (a [`WsFailure`] for what the server did wrong).
    fn frame_error(&mut self, err: WsError) -> io::Error {
        use tungstenite::error::{CapacityError, ProtocolError};
        match err {
            WsError::Io(err) => err,
            WsError::ConnectionClosed
            | WsError::AlreadyClosed
            | WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
                io::Error::from(ErrorKind::ConnectionReset)
            }
            WsError::Capacity(CapacityError::MessageTooLong { size, .. }) => {
                self.fail(WsFailure::FrameTooLarge { size: size as u64 })
            }
            WsError::Protocol(reason) => self.fail(WsFailure::Protocol {
                reason: reason.to_string(),
            }),
            other => self.fail(WsFailure::Protocol {
                reason: other.to_string(),
            }),
        }
    }

    /// Sends a close frame (best effort, without waiting for the server's) and shuts the stream down.
    pub fn close(&mut self) {
        if let Phase::Open(ws) = &mut self.phase
            && self.failure.is_none()
        {
            let _ = ws.close(None);
        }
        match &mut self.phase {
            Phase::Upgrading(upgrade) => upgrade.inner.shutdown(),
            Phase::Open(ws) => ws.get_mut().shutdown(),
            Phase::Done(Some(inner)) => inner.shutdown(),
            Phase::Done(None) => {}
        }
    }

    /// MQTT bytes from the binary frames; `Err(WouldBlock)` when the stream has nothing more; `Ok(0)`
    /// at the end of the stream (a close frame or the end of the connection).
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(err) = self.stored_failure() {
            return Err(err);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.read_answer()? {
            return Err(would_block());
        }
        loop {
            if !self.inbound.is_empty() {
                let n = buf.len().min(self.inbound.len());
                buf[..n].copy_from_slice(&self.inbound[..n]);
                let _ = self.inbound.split_to(n);
                return Ok(n);
            }
            let Phase::Open(ws) = &mut self.phase else {
                return Ok(0);
            };
            match ws.read() {
                Ok(Message::Binary(bytes)) => self.inbound = bytes,
                Ok(Message::Ping(_)) => {
                    // tungstenite queued the pong: send it now, or when the socket has room.
                    self.flush_held()?;
                }
                Ok(Message::Pong(_) | Message::Frame(_)) => {}
                Ok(Message::Text(_)) => return Err(self.fail(WsFailure::TextFrame)),
                Ok(Message::Close(_)) => {
                    // Our answering close frame, best effort; then this is the end of the stream.
                    let _ = self.flush_held();
                    self.phase = match std::mem::replace(&mut self.phase, Phase::Done(None)) {
                        Phase::Open(ws) => Phase::Done(Some(ws.into_inner())),
                        other => other,
                    };
                    return Ok(0);
                }
                Err(WsError::Io(err)) if err.kind() == ErrorKind::WouldBlock => {
                    return Err(would_block());
                }
                Err(
                    WsError::ConnectionClosed
                    | WsError::AlreadyClosed
                    | WsError::Protocol(
                        tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
                    ),
                ) => return Ok(0),
                Err(err) => return Err(self.frame_error(err)),
            }
        }
    }

    /// Takes `bufs` (in order): before the upgrade completes they wait in `early` (the client writes
    /// only its CONNECT before the CONNACK); afterwards up to [`FRAME_MAX`] bytes become one frame.
    /// `Err(WouldBlock)` while an earlier frame still waits for the socket.
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if let Some(err) = self.stored_failure() {
            return Err(err);
        }
        match &self.phase {
            Phase::Upgrading(_) => {
                let mut n = 0;
                for buf in bufs {
                    self.early.extend_from_slice(buf);
                    n += buf.len();
                }
                // Send the request now if the socket takes it.
                self.flush_held()?;
                Ok(n)
            }
            Phase::Open(_) => {
                if self.wants_write() && !self.flush_held()? {
                    return Err(would_block());
                }
                self.send_frame(bufs)
            }
            Phase::Done(_) => Err(io::Error::from(ErrorKind::NotConnected)),
        }
    }
}

impl mio::event::Source for WsStream {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.fd).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.fd).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.fd).deregister(registry)
    }
}

/// Puts the WebSocket upgrade on an opened stream (`net::connect`).
pub(super) fn upgrade(
    stream: super::transport::Stream,
    spec: &super::spec::ConnectSpec,
    websocket: &super::spec::WebSocketSpec,
) -> super::transport::Stream {
    use super::spec::Endpoint;
    use super::transport::Stream;
    let inner = match stream {
        Stream::Tcp(tcp) => Inner::Tcp(tcp),
        Stream::Tls(tls) => Inner::Tls(tls),
        Stream::Unix(unix) => Inner::Unix(unix),
        Stream::Ws(ws) => return Stream::Ws(ws),
    };
    let (host, port) = match &spec.endpoint {
        Endpoint::Tcp { host, port } => (host.as_str(), *port),
        // A unix socket has no host name; `localhost` is what an HTTP server expects then.
        Endpoint::Unix { .. } => ("localhost", 80),
    };
    Stream::Ws(Box::new(WsStream::new(inner, host, port, &websocket.path)))
}

#[cfg(test)]
mod tests;
