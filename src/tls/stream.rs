//! [`TlsStream`]: a rustls client connection over a non-blocking socket, used like the socket itself
//! (see the module docs of [`crate::tls`]).

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rustls::client::ClientConnection;
use rustls::pki_types::ServerName;

use super::config::{TlsConfig, cipher_table};
use super::failure::{FailureContext, TlsFailure, VerdictSlot};
use super::options::TlsSetupError;
use super::texts::rustls_error_text;

/// How many bytes of the server's first answer are kept to tell a plain MQTT server from a TLS one.
const FIRST_BYTES_KEPT: usize = 8;

/// A TLS client connection over a non-blocking socket, used like the socket itself (see the module docs).
pub struct TlsStream<S = mio::net::TcpStream> {
    conn: ClientConnection,
    socket: S,
    context: FailureContext,
    /// The server's first bytes, recorded during the handshake.
    first_bytes: Vec<u8>,
    failure: Option<TlsFailure>,
    socket_eof: bool,
}

impl<S> fmt::Debug for TlsStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream")
            .field("host", &self.context.host)
            .field("handshaking", &self.conn.is_handshaking())
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

/// Copies the first bytes read from the socket (while handshaking).
struct Recording<'a, S> {
    inner: &'a mut S,
    first_bytes: &'a mut Vec<u8>,
}

impl<S: Read> Read for Recording<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let room = FIRST_BYTES_KEPT.saturating_sub(self.first_bytes.len());
        self.first_bytes.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }
}

fn is_connection_ended(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
    )
}

impl<S: Read + Write> TlsStream<S> {
    /// Starts a TLS client on a connected socket (non-blocking for use in the mio loop). `host` is the
    /// `-h` value: the name the certificate is checked against (and sent as SNI when it is a DNS name).
    /// Nothing is sent yet: the ClientHello leaves with the first `write`, `read` or `flush_tls`.
    pub fn new(config: &TlsConfig, host: &str, socket: S) -> Result<TlsStream<S>, TlsSetupError> {
        let server_name =
            ServerName::try_from(host.to_string()).map_err(|_| TlsSetupError::InvalidHostName {
                host: host.to_string(),
            })?;
        let verdict: VerdictSlot = Arc::default();
        let conn = ClientConnection::new(
            config.connection_config(host, Arc::clone(&verdict)),
            server_name,
        )
        .map_err(|err| TlsSetupError::Rustls {
            reason: rustls_error_text(&err),
        })?;
        Ok(TlsStream {
            conn,
            socket,
            context: FailureContext {
                host: host.to_string(),
                has_client_cert: config.has_client_cert,
                client_cert: config.client_cert.clone(),
                cert_requests: Arc::clone(&config.cert_requests),
                cert_requests_at_start: config.cert_requests.load(Ordering::Relaxed),
                tls13_only: config.tls13_only,
                alpn: config.alpn.clone(),
                verdict,
            },
            first_bytes: Vec::new(),
            failure: None,
            socket_eof: false,
        })
    }

    /// The failure that ended this connection, if TLS ended it.
    pub fn failure(&self) -> Option<&TlsFailure> {
        self.failure.as_ref()
    }

    /// The handshake is not finished yet (in TLS 1.3 the broker may still reject our client certificate
    /// just after it is).
    pub fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// rustls holds encrypted bytes the socket has not taken yet: wait for WRITABLE and call
    /// [`Self::flush_tls`] (or `write`).
    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// The negotiated version, once known (`"TLSv1.3"`, `"TLSv1.2"`).
    pub fn protocol_version(&self) -> Option<&'static str> {
        self.conn.protocol_version().map(|version| match version {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
            _ => "TLS (other)",
        })
    }

    /// The negotiated cipher suite, in OpenSSL's spelling when we know it.
    pub fn cipher_suite(&self) -> Option<&'static str> {
        let suite = self.conn.negotiated_cipher_suite()?;
        cipher_table()
            .iter()
            .find(|(_, _, s)| s.suite() == suite.suite())
            .map(|(name, _, _)| *name)
            .or_else(|| suite.suite().as_str())
    }

    /// The ALPN protocol the broker chose.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }

    /// What the finished handshake negotiated and the broker's chain (`None` while handshaking).
    pub fn summary(&self) -> Option<super::TlsSummary> {
        if self.conn.is_handshaking() {
            return None;
        }
        let peer_chain = self
            .conn
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .map(|cert| super::describe_certificate(cert.as_ref()))
            .collect();
        Some(super::TlsSummary {
            version: self.protocol_version().unwrap_or("unknown").to_string(),
            cipher: self.cipher_suite().unwrap_or("unknown").to_string(),
            alpn: self
                .alpn_protocol()
                .map(|alpn| String::from_utf8_lossy(alpn).into_owned()),
            peer_chain,
        })
    }

    pub fn get_ref(&self) -> &S {
        &self.socket
    }

    pub fn get_mut(&mut self) -> &mut S {
        &mut self.socket
    }

    fn fail(&mut self, failure: TlsFailure) -> io::Error {
        self.failure = Some(failure.clone());
        io::Error::other(failure)
    }

    fn stored_failure(&self) -> Option<io::Error> {
        self.failure.clone().map(io::Error::other)
    }

    /// Writes what rustls has ready (handshake messages, encrypted data, alerts) until done (`Ok(true)`) or
    /// the socket would block (`Ok(false)`).
    pub fn flush_tls(&mut self) -> io::Result<bool> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.socket) {
                Ok(0) => return Err(io::Error::from(ErrorKind::WriteZero)),
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(false),
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(true)
    }

    /// Reads one chunk of TLS records from the socket and processes them. `Ok(0)`: end of stream.
    fn receive(&mut self) -> io::Result<usize> {
        let result = if self.conn.is_handshaking() {
            let mut recording = Recording {
                inner: &mut self.socket,
                first_bytes: &mut self.first_bytes,
            };
            self.conn.read_tls(&mut recording)
        } else {
            self.conn.read_tls(&mut self.socket)
        };
        let n = match result {
            Ok(n) => n,
            Err(err) if is_connection_ended(err.kind()) && self.conn.is_handshaking() => {
                let failure = self.context.ended_during_handshake(&self.first_bytes);
                return Err(self.fail(failure));
            }
            Err(err) => return Err(err),
        };
        if n == 0 {
            self.socket_eof = true;
        }
        if let Err(err) = self.conn.process_new_packets() {
            // rustls has queued an alert telling the broker why: try to send it.
            let _ = self.flush_tls();
            let failure = self.context.classify(&err, &self.first_bytes);
            return Err(self.fail(failure));
        }
        if self.socket_eof && self.conn.is_handshaking() {
            let failure = self.context.ended_during_handshake(&self.first_bytes);
            return Err(self.fail(failure));
        }
        Ok(n)
    }

    /// A write to the socket failed because the broker went away: it may have said why first (a TLS
    /// alert, e.g. `certificate_required` right after a TLS 1.3 handshake). Reads what is left.
    fn explain_write_error(&mut self, err: io::Error) -> io::Error {
        if self.failure.is_some() || !is_connection_ended(err.kind()) {
            return err;
        }
        for _ in 0..16 {
            match self.receive() {
                Ok(0) => break,
                Ok(_) => {}
                Err(tls_err) if self.failure.is_some() => return tls_err,
                Err(_) => break,
            }
        }
        if self.conn.is_handshaking() {
            let failure = self.context.ended_during_handshake(&self.first_bytes);
            return self.fail(failure);
        }
        err
    }

    /// Sends close_notify (best effort, as libmosquitto does) and shuts the socket down.
    pub fn close(&mut self)
    where
        S: ShutdownSocket,
    {
        if self.failure.is_none() && !self.conn.is_handshaking() {
            self.conn.send_close_notify();
            let _ = self.flush_tls();
        }
        self.socket.shutdown_socket();
    }
}

impl<S: Read + Write + AsRawFd> TlsStream<S> {
    /// Drives the handshake until it completes, blocking up to `timeout` (the socket stays
    /// non-blocking; this waits with poll(2)). In TLS 1.3 a broker that refuses our client certificate
    /// only says so after this returns: the first `read` reports it.
    pub fn complete_handshake(&mut self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(err) = self.stored_failure() {
                return Err(err);
            }
            let flushed = self
                .flush_tls()
                .map_err(|err| self.explain_write_error(err))?;
            if !self.conn.is_handshaking() && flushed {
                return Ok(());
            }
            if self.conn.is_handshaking() {
                match self.receive() {
                    Ok(_) => continue,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                    Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                    Err(err) => return Err(err),
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(io::Error::new(
                    ErrorKind::TimedOut,
                    "the TLS handshake did not finish in time",
                ));
            }
            wait_fd(
                self.socket.as_raw_fd(),
                self.conn.is_handshaking(),
                !flushed,
                deadline - now,
            )?;
        }
    }
}

/// Waits until `fd` is readable or writable (as asked), or `timeout` passes.
fn wait_fd(fd: i32, readable: bool, writable: bool, timeout: Duration) -> io::Result<()> {
    let mut events = 0;
    if readable {
        events |= libc::POLLIN;
    }
    if writable {
        events |= libc::POLLOUT;
    }
    let mut pollfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    let millis = libc::c_int::try_from(timeout.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd for the duration of the call.
    let rc = unsafe { libc::poll(&mut pollfd, 1, millis) };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.kind() != ErrorKind::Interrupted {
            return Err(err);
        }
    }
    Ok(())
}

impl<S: Read + Write> Read for TlsStream<S> {
    /// Decrypted bytes; `Err(WouldBlock)` when the socket has nothing more; `Ok(0)` at the end of the
    /// stream (with or without close_notify: MQTT brokers often just close). A TLS failure is an error
    /// carrying a [`TlsFailure`].
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(err) = self.stored_failure() {
            return Err(err);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.conn.is_handshaking() {
                match self.conn.reader().read(buf) {
                    Ok(n) => return Ok(n),
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                    Err(err) if err.kind() == ErrorKind::UnexpectedEof => return Ok(0),
                    Err(err) => return Err(err),
                }
                if self.socket_eof {
                    return Ok(0);
                }
            }
            // Handshake messages (or the buffered CONNECT once the handshake is done) go out first; if the
            // socket is full they wait in rustls and `wants_write()` says so.
            let _ = self.flush_tls();
            match self.receive() {
                Ok(_) => {
                    let _ = self.flush_tls();
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }
}

impl<S: Read + Write> Write for TlsStream<S> {
    /// Takes plaintext. Before the handshake completes it is buffered by rustls (up to its 64 KiB
    /// limit) and sent when the handshake is done. `Err(WouldBlock)` while encrypted bytes are still
    /// waiting for the socket: retry when it is writable.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(err) = self.stored_failure() {
            return Err(err);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        match self.flush_tls() {
            Ok(true) => {}
            Ok(false) => return Err(io::Error::from(ErrorKind::WouldBlock)),
            Err(err) => return Err(self.explain_write_error(err)),
        }
        let n = self.conn.writer().write(buf)?;
        if let Err(err) = self.flush_tls() {
            return Err(self.explain_write_error(err));
        }
        if n == 0 {
            return Err(io::Error::from(ErrorKind::WouldBlock));
        }
        Ok(n)
    }

    /// Writes what rustls holds; `Err(WouldBlock)` if the socket cannot take it all now.
    fn flush(&mut self) -> io::Result<()> {
        match self.flush_tls() {
            Ok(true) => Ok(()),
            Ok(false) => Err(io::Error::from(ErrorKind::WouldBlock)),
            Err(err) => Err(self.explain_write_error(err)),
        }
    }
}

/// Sockets a [`TlsStream`] can shut down after close_notify.
pub trait ShutdownSocket {
    fn shutdown_socket(&self);
}

impl ShutdownSocket for mio::net::TcpStream {
    fn shutdown_socket(&self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

impl ShutdownSocket for mio::net::UnixStream {
    fn shutdown_socket(&self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

impl ShutdownSocket for std::net::TcpStream {
    fn shutdown_socket(&self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

impl<S: mio::event::Source> mio::event::Source for TlsStream<S> {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.socket.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.socket.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        self.socket.deregister(registry)
    }
}
