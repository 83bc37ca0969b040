//! TLS transport on rustls (ring crypto provider): configuration with mosquitto's flag meanings, a
//! non-blocking [`TlsStream`] that behaves like a socket for the mio driver, and TLS failures classified
//! into the causes a person can act on ([`TlsFailure`]). Nothing here reads the command line or chooses
//! an exit code: `cli` fills in a [`TlsOptions`], and [`crate::exit`] (`tls_setup_failure`,
//! `tls_failure`) turns a [`TlsSetupError`] or a [`TlsFailure`] into what the user sees and the exit code.
//!
//! # Pieces
//! - `options.rs`: [`TlsOptions`], the raw TLS flags (`--cafile --capath --cert --key --insecure
//!   --tls-version --tls-alpn --tls-use-os-certs --ciphers --tls-keylog`), unvalidated, as the command
//!   line gives them;
//!   and [`TlsSetupError`], what can be wrong with them (found before connecting).
//! - `config.rs`: [`build_client_config`] validates them and loads every file once, before any
//!   connection, the way mosquitto_pub does before connecting, into the [`TlsConfig`] that every
//!   connection of a run shares; the `--ciphers` names ([`parse_cipher_list`]).
//! - `verify.rs`: the rustls callbacks: the broker's certificate as mosquitto 2.0.11 checks it (webpki,
//!   then `chain.rs` for chains with an X.509 version 1 certificate, then `hostname.rs`; `--insecure`
//!   skips only the host name), one verifier per connection, which names the certificate it refuses;
//!   and `--cert`/`--key` (which also counts the broker's requests for a client certificate).
//!   docs/tls.md, "Certificates webpki cannot read", has the design and its security argument.
//! - `cert.rs`: certificates read with x509-parser ([`CertSummary`], [`ChainCert`] for messages);
//!   `chain.rs`: OpenSSL's chain rules; `hostname.rs`: mosquitto 2.0.11's host name rule.
//! - `key.rs`: `--cert`/`--key` loading, encrypted PKCS#8 keys and the pass phrase prompt;
//!   `keylog.rs`: `--tls-keylog`/`SSLKEYLOGFILE` (NSS key log); `texts.rs`: rustls and webpki values
//!   in words (no debug rendering reaches a user).
//! - `stream.rs`: [`TlsStream`], a rustls `ClientConnection` over a non-blocking socket (normally
//!   `mio::net::TcpStream`). It implements `Read`, `Write` and `mio::event::Source`, and behaves like the
//!   socket itself: `read`/`write` return `WouldBlock` when the socket would block, `read` returns `Ok(0)` at
//!   the end of the stream. The handshake is driven by the same calls (no separate blocking phase): bytes
//!   written before it completes (CONNECT) are buffered by rustls and sent as soon as it completes, exactly
//!   like libmosquitto, which prints `sending CONNECT` before its handshake finishes.
//!   [`TlsStream::complete_handshake`] is a blocking helper for callers that want the handshake first.
//! - `failure.rs`: [`TlsFailure`], why a handshake (or, in TLS 1.3, the broker's verdict on our client
//!   certificate that comes just after it) failed. `read`/`write` return it inside the `io::Error`
//!   ([`TlsFailure::from_io_error`]) and [`TlsStream::failure`] keeps it. [`looks_like_tls_record`] /
//!   [`tls_reply_on_plain_port`] recognise a TLS broker answering a plain MQTT client.
//!
//! # How the driver in [`crate::net`] uses it
//! - Opening: when the run has a [`TlsConfig`] (built once by the app before the first connection and
//!   handed to `Driver::set_tls`; reconnects reuse it), `net::connect` puts `TlsStream::new(config, host,
//!   tcp)` on the TCP connection, direct or through the SOCKS5 proxy. `host` is the `-h` value; one that is
//!   neither a DNS name nor an IP address is a `ConnectFailure::TlsSetup`.
//! - `Stream::Tls(Box<TlsStream>)` is read, written (`write_vectored`: rustls takes the first slice) and
//!   registered with mio like the socket itself (the `TlsStream` is a mio `Source` for its socket);
//!   `Stream::wants_write` and `Stream::flush_tls` are answered by the `TlsStream` and are no-ops for plain
//!   sockets.
//! - `write_some` first flushes what rustls holds (`Ok(false)`: register WRITABLE and stop); WRITABLE stays
//!   registered while `wants_write()` is true after a read or a write (rustls may hold handshake or
//!   encrypted bytes that the socket did not take); `is_flushed()` counts `wants_write()`, so the final
//!   drain waits until an encrypted DISCONNECT has really left.
//! - Closing sends close_notify and shuts the socket down ([`TlsStream::close`]). `close_stream` keeps
//!   [`TlsStream::failure`] before the stream is dropped; the app takes it (`take_tls_failure`) and reports
//!   it instead of "connection lost".
//! - On a plain TCP connection the first bytes read go through [`tls_reply_on_plain_port`].
//! - No separate handshake timeout: the connect timeout / keepalive of the client state machine bounds a
//!   handshake that never finishes, as in mosquitto.

mod cert;
mod chain;
mod config;
mod failure;
mod hostname;
mod key;
mod keylog;
mod options;
mod peer;
mod stream;
mod texts;
mod verify;

pub use cert::{CertRole, CertSummary, ChainCert};
pub use config::{TlsConfig, accepted_cipher_names, build_client_config, parse_cipher_list};
pub use failure::{TlsFailure, looks_like_tls_record, tls_reply_on_plain_port};
pub use key::{KeyProtection, PASSPHRASE_PROMPT, key_protection};
pub use keylog::{KeyLogTarget, keylog_target, nss_line};
pub use options::{Passphrase, TlsOptions, TlsSetupError};
pub use peer::{PeerCertificate, TlsSummary, describe_certificate};
pub use stream::{ShutdownSocket, TlsStream};
