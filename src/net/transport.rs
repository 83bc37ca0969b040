//! The connected transport: plain TCP, a unix socket, TLS over TCP, or a WebSocket over any of them,
//! behind one set of non-blocking socket operations.

use std::io::{self, IoSlice, Read, Write};

use super::ws::WsStream;
use crate::tls::TlsStream;

/// The connected transport.
pub enum Stream {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
    /// TLS over TCP; the handshake runs inside the same non-blocking reads and writes.
    Tls(Box<TlsStream>),
    /// MQTT over WebSockets (`ws://`, `wss://`, `--ws`): the upgrade and the framing run inside the
    /// same non-blocking reads and writes (see `net::ws`).
    Ws(Box<WsStream>),
}

impl Stream {
    pub(super) fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Stream::Tcp(stream) => stream,
            Stream::Unix(stream) => stream,
            Stream::Tls(stream) => stream.as_mut(),
            Stream::Ws(stream) => stream.as_mut(),
        }
    }

    pub(super) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.read(buf),
            Stream::Unix(stream) => stream.read(buf),
            Stream::Tls(stream) => stream.read(buf),
            Stream::Ws(stream) => stream.read(buf),
        }
    }

    /// One gathering write (`writev`) of `bufs`, in order. TLS takes the first slice only (rustls
    /// copies plaintext into its records either way), which is just as correct.
    pub(super) fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.write_vectored(bufs),
            Stream::Unix(stream) => stream.write_vectored(bufs),
            Stream::Tls(stream) => stream.write_vectored(bufs),
            Stream::Ws(stream) => stream.write_vectored(bufs),
        }
    }

    /// TLS and WebSocket only: bytes the layer holds (TLS records, the upgrade request, frames)
    /// that the socket has not taken yet.
    pub(super) fn wants_write(&self) -> bool {
        match self {
            Stream::Tls(stream) => stream.wants_write(),
            Stream::Ws(stream) => stream.wants_write(),
            Stream::Tcp(_) | Stream::Unix(_) => false,
        }
    }

    /// TLS and WebSocket only: writes what the layer holds; `Ok(false)` if the socket would block.
    pub(super) fn flush_tls(&mut self) -> io::Result<bool> {
        match self {
            Stream::Tls(stream) => stream.flush_tls(),
            Stream::Ws(stream) => stream.flush_held(),
            Stream::Tcp(_) | Stream::Unix(_) => Ok(true),
        }
    }

    pub(super) fn shutdown(&mut self) {
        // Errors are irrelevant: the socket is dropped right after.
        let _ = match self {
            Stream::Tcp(stream) => stream.shutdown(std::net::Shutdown::Both),
            Stream::Unix(stream) => stream.shutdown(std::net::Shutdown::Both),
            Stream::Tls(stream) => {
                stream.close();
                Ok(())
            }
            Stream::Ws(stream) => {
                stream.close();
                Ok(())
            }
        };
    }

    /// The TLS layer, directly over TCP or under a WebSocket (`wss://`).
    pub(super) fn tls(&self) -> Option<&TlsStream> {
        match self {
            Stream::Tls(stream) => Some(stream),
            Stream::Ws(stream) => stream.tls(),
            Stream::Tcp(_) | Stream::Unix(_) => None,
        }
    }

    /// Why TLS ended the connection (`wss://` included), if it did.
    pub(super) fn tls_failure(&self) -> Option<&crate::tls::TlsFailure> {
        match self {
            Stream::Tls(stream) => stream.failure(),
            Stream::Ws(stream) => stream.tls_failure(),
            Stream::Tcp(_) | Stream::Unix(_) => None,
        }
    }

    /// Why the WebSocket layer ended the connection, if it did.
    pub(super) fn ws_failure(&self) -> Option<&super::ws::WsFailure> {
        match self {
            Stream::Ws(stream) => stream.failure(),
            _ => None,
        }
    }

    /// Carries MQTT directly (not inside TLS or WebSocket frames): the first bytes read are the
    /// broker's own.
    pub(super) fn is_plain(&self) -> bool {
        matches!(self, Stream::Tcp(_) | Stream::Unix(_))
    }
}
