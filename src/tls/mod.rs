//! TLS transport on rustls (ring crypto provider): configuration with mosquitto's flag meanings, a
//! non-blocking [`TlsStream`] that behaves like a socket for the mio driver, and TLS failures classified
//! into the causes a person can act on ([`TlsFailure`]).
//!
//! # Pieces
//! - [`TlsOptions`]: the raw TLS flags (`--cafile --capath --cert --key --insecure --tls-version --tls-alpn
//!   --tls-use-os-certs --ciphers`), unvalidated, as the command line gives them.
//! - [`build_client_config`]: validates them and loads every file once, before any connection, the way
//!   mosquitto_pub does before connecting. Errors are [`TlsSetupError`]s (all exit 1, like mosquitto).
//! - [`TlsStream`]: a rustls `ClientConnection` over a non-blocking socket (normally
//!   `mio::net::TcpStream`). It implements `Read`, `Write` and `mio::event::Source`, and behaves like the
//!   socket itself: `read`/`write` return `WouldBlock` when the socket would block, `read` returns `Ok(0)` at
//!   the end of the stream. The handshake is driven by the same calls (no separate blocking phase): bytes
//!   written before it completes (CONNECT) are buffered by rustls and sent as soon as it completes, exactly
//!   like libmosquitto, which prints `sending CONNECT` before its handshake finishes.
//!   [`TlsStream::complete_handshake`] is a blocking helper for callers that want the handshake first.
//! - [`TlsFailure`]: why a handshake (or, in TLS 1.3, the broker's verdict on our client certificate that
//!   comes just after it) failed. `read`/`write` return it inside the `io::Error`
//!   ([`TlsFailure::from_io_error`]) and [`TlsStream::failure`] keeps it.
//! - [`looks_like_tls_record`] / [`tls_reply_on_plain_port`]: recognise a TLS broker answering a plain
//!   MQTT client.
//!
//! # Plugging it into `net.rs`
//! ```text
//! enum Stream { Tcp(..), Unix(..), Tls(Box<TlsStream>) }
//! source():   Stream::Tls(s) => s.as_mut()              // TlsStream is a mio Source (the socket's)
//! read():     Stream::Tls(s) => s.read(buf)
//! write():    Stream::Tls(s) => s.write(buf)
//! shutdown(): Stream::Tls(s) => s.close()               // close_notify, then shutdown(2) (needs &mut)
//! + fn wants_write(&self) -> bool   { Tls(s) => s.wants_write(), _ => false }
//! + fn flush_tls(&mut self) -> io::Result<bool> { Tls(s) => s.flush_tls(), _ => Ok(true) }
//! ```
//! and in the driver: at the top of `write_some`, `flush_tls()` (`Ok(false)`: register WRITABLE and stop);
//! register WRITABLE whenever `wants_write()` is true after a read or write (rustls may hold handshake or
//! encrypted bytes that the socket did not take); count `wants_write()` in `is_flushed()` so `finish()` waits
//! until an encrypted DISCONNECT has really left; and where a read or write error ends the connection, keep
//! `TlsFailure::from_io_error(&err)` before the stream is dropped, to report it instead of "connection lost".
//! Opening: after `open_tcp`, `TlsStream::new(&config, host, mio_tcp_stream)`. The connect timeout /
//! keepalive of the client state machine bounds a handshake that never finishes, as in mosquitto.

use std::fmt;
use std::fs;
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientConfig, ClientConnection, ResolvesClientCert};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, CertificateError, DigitallySignedStruct, Error as RustlsError,
    PeerIncompatible, RootCertStore, SignatureScheme, SupportedCipherSuite,
    SupportedProtocolVersion,
};

/// The TLS flags, as given on the command line (validated by [`build_client_config`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `--cafile`: a PEM file of trusted CA certificates.
    pub cafile: Option<PathBuf>,
    /// `--capath`: a directory of PEM CA certificates (every file in it is read; no hashed names needed).
    pub capath: Option<PathBuf>,
    /// `--cert`: the client certificate chain (PEM).
    pub cert: Option<PathBuf>,
    /// `--key`: the client private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC; not encrypted).
    pub key: Option<PathBuf>,
    /// `--insecure`: skip only the host name check (the chain is still verified, as in mosquitto 2.0).
    pub insecure: bool,
    /// `--tls-version`: `tlsv1.3` (1.3 only) or `tlsv1.2` (1.2 or later, like mosquitto).
    pub tls_version: Option<String>,
    /// `--tls-alpn`: one ALPN protocol name to offer.
    pub alpn: Option<String>,
    /// `--tls-use-os-certs` (also implied by `-p 8883` without a CA, and by `mqtts://`).
    pub use_os_certs: bool,
    /// `--ciphers`: OpenSSL or IANA cipher suite names separated by `:`, `,` or spaces.
    pub ciphers: Option<String>,
}

impl TlsOptions {
    /// Whether these flags turn TLS on (mosquitto: `--cafile`, `--capath` or `--tls-use-os-certs`; `--cert`,
    /// `--key`, `--insecure` and the others alone do not).
    pub fn enables_tls(&self) -> bool {
        self.cafile.is_some() || self.capath.is_some() || self.use_os_certs
    }
}

// -------------------------------------------------------------------------------------------------------
// Setup errors
// -------------------------------------------------------------------------------------------------------

/// A TLS option that cannot be used: found before connecting, exit code 1 (as in mosquitto, whether it
/// notices them when setting the options or when connecting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSetupError {
    /// `--cafile`, `--cert` or `--key` cannot be opened: mosquitto's
    /// `Error: Problem setting TLS options: File not found.`
    FileNotFound { path: PathBuf },
    /// `--cert` without `--key` or the reverse (mosquitto checks this with the arguments).
    CertWithoutKey,
    /// TLS asked for without any CA to check the broker against.
    NoTrustAnchors,
    /// `--cafile` could be opened but gives no usable CA certificate.
    CaFile { path: PathBuf, reason: String },
    /// `--capath` is missing, unreadable or holds no usable CA certificate.
    CaPath { path: PathBuf, reason: String },
    /// `--tls-use-os-certs` found no CA certificate in the system's store.
    OsCerts { reason: String },
    /// `--cert` holds no usable certificate.
    ClientCert { path: PathBuf, reason: String },
    /// `--key` holds no usable private key.
    ClientKey { path: PathBuf, reason: String },
    /// `--key` is encrypted with a passphrase.
    EncryptedKey { path: PathBuf },
    /// `--key` is not the key of the certificate in `--cert`.
    KeyMismatch { cert: PathBuf, key: PathBuf },
    /// `--tls-version tlsv1.1` (or older): a real TLS version that rustls does not implement.
    UnsupportedVersion { version: String },
    /// `--tls-version` with an unknown value (mosquitto's text).
    InvalidVersion { version: String },
    /// `--ciphers` names something we cannot map to a rustls cipher suite.
    Ciphers { list: String, reason: String },
    /// `--tls-alpn` is empty or longer than 255 bytes.
    Alpn { protocol: String },
    /// The host cannot be checked against a certificate (neither a DNS name nor an IP address).
    InvalidHostName { host: String },
    /// rustls refused the configuration.
    Rustls { reason: String },
}

impl TlsSetupError {
    /// mosquitto exits 1 for every TLS option problem.
    pub fn exit_code(&self) -> i32 {
        1
    }
}

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsSetupError::FileNotFound { .. } => {
                f.write_str("Error: Problem setting TLS options: File not found.")
            }
            TlsSetupError::CertWithoutKey => f.write_str(
                "Error: Both certfile and keyfile must be provided if one of them is set.",
            ),
            TlsSetupError::NoTrustAnchors => f.write_str(
                "Error: TLS needs CA certificates to check the broker: use --cafile, --capath or --tls-use-os-certs.",
            ),
            TlsSetupError::CaFile { path, reason } => write!(
                f,
                "Error: Unable to load CA certificates, check cafile \"{}\": {reason}.",
                path.display()
            ),
            TlsSetupError::CaPath { path, reason } => write!(
                f,
                "Error: Unable to load CA certificates, check capath \"{}\": {reason}.",
                path.display()
            ),
            TlsSetupError::OsCerts { reason } => write!(
                f,
                "Error: Unable to load the system's CA certificates (--tls-use-os-certs): {reason}."
            ),
            TlsSetupError::ClientCert { path, reason } => write!(
                f,
                "Error: Unable to load client certificate \"{}\": {reason}.",
                path.display()
            ),
            TlsSetupError::ClientKey { path, reason } => write!(
                f,
                "Error: Unable to load client key file \"{}\": {reason}.",
                path.display()
            ),
            TlsSetupError::EncryptedKey { path } => write!(
                f,
                "Error: Unable to load client key file \"{}\": the key is encrypted with a passphrase, \
                 which this client cannot ask for; decrypt it first (openssl pkey -in KEY -out PLAIN_KEY).",
                path.display()
            ),
            TlsSetupError::KeyMismatch { cert, key } => write!(
                f,
                "Error: Unable to load client key file \"{}\": it is not the key of the certificate in \"{}\".",
                key.display(),
                cert.display()
            ),
            TlsSetupError::UnsupportedVersion { version } => write!(
                f,
                "Error: TLS version {version} is not supported: only tlsv1.2 and tlsv1.3 are (rustls implements nothing older)."
            ),
            TlsSetupError::InvalidVersion { .. } => {
                f.write_str("Error: Problem setting TLS options, check the options are valid.")
            }
            TlsSetupError::Ciphers { list, reason } => write!(
                f,
                "Error: Unable to set TLS ciphers. Check cipher list \"{list}\": {reason}."
            ),
            TlsSetupError::Alpn { protocol } => write!(
                f,
                "Error: Problem setting TLS ALPN protocol: \"{protocol}\" must be 1 to 255 bytes long."
            ),
            TlsSetupError::InvalidHostName { host } => write!(
                f,
                "Error: \"{host}\" cannot be checked against a TLS certificate: it is neither a valid DNS name nor an IP address."
            ),
            TlsSetupError::Rustls { reason } => {
                write!(f, "Error: Problem setting TLS options: {reason}.")
            }
        }
    }
}

impl std::error::Error for TlsSetupError {}

// -------------------------------------------------------------------------------------------------------
// Configuration
// -------------------------------------------------------------------------------------------------------

/// A validated client configuration, shared by every connection of a run (reconnects reuse it).
#[derive(Debug, Clone)]
pub struct TlsConfig {
    rustls: Arc<ClientConfig>,
    /// How often a broker asked for a client certificate (tells "requires a certificate" apart from other
    /// handshake failures).
    cert_requests: Arc<AtomicUsize>,
    has_client_cert: bool,
    tls13_only: bool,
    alpn: Option<String>,
}

impl TlsConfig {
    /// The rustls configuration itself.
    pub fn rustls_config(&self) -> &Arc<ClientConfig> {
        &self.rustls
    }
}

/// The cipher suites `--ciphers` accepts: (OpenSSL name, IANA name, suite). TLS 1.3 suites have one name
/// in both worlds (rustls calls them `TLS13_...`, also accepted).
fn cipher_table() -> [(&'static str, &'static str, SupportedCipherSuite); 9] {
    use rustls::crypto::ring::cipher_suite as cs;
    [
        (
            "TLS_AES_256_GCM_SHA384",
            "TLS13_AES_256_GCM_SHA384",
            cs::TLS13_AES_256_GCM_SHA384,
        ),
        (
            "TLS_AES_128_GCM_SHA256",
            "TLS13_AES_128_GCM_SHA256",
            cs::TLS13_AES_128_GCM_SHA256,
        ),
        (
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS13_CHACHA20_POLY1305_SHA256",
            cs::TLS13_CHACHA20_POLY1305_SHA256,
        ),
        (
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "ECDHE-RSA-AES256-GCM-SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-RSA-CHACHA20-POLY1305",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ]
}

/// The OpenSSL names `--ciphers` accepts, for error messages and docs.
pub fn accepted_cipher_names() -> Vec<&'static str> {
    cipher_table().iter().map(|(name, _, _)| *name).collect()
}

/// Resolves a `--ciphers` list into the suites to offer, with OpenSSL's split between the two versions:
/// TLS 1.2 names restrict the TLS 1.2 suites and TLS 1.3 names the TLS 1.3 suites; a version none of whose
/// suites is named keeps all of its suites (OpenSSL's cipher list, which mosquitto sets, never touches
/// TLS 1.3). Names are matched without regard to case.
pub fn parse_cipher_list(list: &str) -> Result<Vec<SupportedCipherSuite>, TlsSetupError> {
    let table = cipher_table();
    let error = |reason: String| TlsSetupError::Ciphers {
        list: list.to_string(),
        reason,
    };
    let mut chosen: Vec<SupportedCipherSuite> = Vec::new();
    for name in list
        .split([':', ',', ' ', ';'])
        .filter(|name| !name.is_empty())
    {
        let Some((_, _, suite)) = table.iter().find(|(openssl, iana, _)| {
            name.eq_ignore_ascii_case(openssl) || name.eq_ignore_ascii_case(iana)
        }) else {
            return Err(error(format!(
                "unknown or unsupported cipher \"{name}\"; the accepted names are {}",
                accepted_cipher_names().join(", ")
            )));
        };
        if !chosen.iter().any(|c| c.suite() == suite.suite()) {
            chosen.push(*suite);
        }
    }
    if chosen.is_empty() {
        return Err(error("no cipher named".to_string()));
    }
    let names_v13 = chosen.iter().any(|s| s.tls13().is_some());
    let names_v12 = chosen.iter().any(|s| s.tls13().is_none());
    let mut suites = chosen;
    for (_, _, suite) in table {
        let is_v13 = suite.tls13().is_some();
        if (is_v13 && !names_v13) || (!is_v13 && !names_v12) {
            suites.push(suite);
        }
    }
    Ok(suites)
}

/// `--tls-version`: mosquitto disables the versions older than the one named, so `tlsv1.2` still allows
/// TLS 1.3 and only `tlsv1.3` forces it. Returns whether TLS 1.3 is the only version.
fn parse_tls_version(version: Option<&str>) -> Result<bool, TlsSetupError> {
    match version {
        None | Some("tlsv1.2") => Ok(false),
        Some("tlsv1.3") => Ok(true),
        Some(old @ ("tlsv1.1" | "tlsv1" | "tlsv1.0" | "sslv3")) => {
            Err(TlsSetupError::UnsupportedVersion {
                version: old.to_string(),
            })
        }
        Some(other) => Err(TlsSetupError::InvalidVersion {
            version: other.to_string(),
        }),
    }
}

/// Opens a file the way mosquitto checks its TLS files (any failure to open is "File not found").
fn read_existing(path: &Path) -> Result<Vec<u8>, TlsSetupError> {
    let mut file = fs::File::open(path).map_err(|_| TlsSetupError::FileNotFound {
        path: path.to_path_buf(),
    })?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|err| TlsSetupError::Rustls {
            reason: format!("cannot read \"{}\": {}", path.display(), io_text(&err)),
        })?;
    Ok(bytes)
}

/// An OS error as the C library words it, without Rust's " (os error N)".
fn io_text(err: &io::Error) -> String {
    match err.kind() {
        ErrorKind::IsADirectory => "Is a directory".to_string(),
        ErrorKind::NotFound => "No such file or directory".to_string(),
        ErrorKind::PermissionDenied => "Permission denied".to_string(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

/// All PEM certificates of `bytes`; `Err` names what is wrong.
fn pem_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(bytes) {
        match item {
            Ok(cert) => certs.push(cert),
            Err(err) => return Err(format!("invalid PEM ({err})")),
        }
    }
    if certs.is_empty() {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".to_string());
    }
    Ok(certs)
}

fn load_cafile(path: &Path, roots: &mut RootCertStore) -> Result<(), TlsSetupError> {
    let error = |reason: String| TlsSetupError::CaFile {
        path: path.to_path_buf(),
        reason,
    };
    if path.is_dir() {
        return Err(error(
            "it is a directory (use --capath for a directory)".to_string(),
        ));
    }
    let bytes = read_existing(path)?;
    let certs = pem_certificates(&bytes).map_err(error)?;
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(error(
            "none of its certificates can be used as a CA".to_string(),
        ));
    }
    Ok(())
}

/// `--capath`: every regular file of the directory (not its subdirectories) that holds PEM certificates
/// is loaded; other files are skipped. OpenSSL instead looks certificates up by subject-hash file names
/// (`c_rehash`); loading them all accepts those directories too (hash links just point at the same
/// certificates) and plain directories of `.pem`/`.crt` files as well.
fn load_capath(path: &Path, roots: &mut RootCertStore) -> Result<(), TlsSetupError> {
    let error = |reason: String| TlsSetupError::CaPath {
        path: path.to_path_buf(),
        reason,
    };
    let entries = fs::read_dir(path).map_err(|err| error(io_text(&err)))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|file| file.is_file())
        .collect();
    files.sort();
    let mut added_total = 0;
    for file in files {
        let Ok(bytes) = fs::read(&file) else {
            continue;
        };
        let Ok(certs) = pem_certificates(&bytes) else {
            continue;
        };
        let (added, _ignored) = roots.add_parsable_certificates(certs);
        added_total += added;
    }
    if added_total == 0 {
        return Err(error(
            "no file in it holds a usable PEM CA certificate".to_string(),
        ));
    }
    Ok(())
}

fn load_os_certs(roots: &mut RootCertStore) -> Result<(), TlsSetupError> {
    let result = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(result.certs);
    if added == 0 {
        let reason = match result.errors.first() {
            Some(err) => err.to_string(),
            None => "the store is empty (is the ca-certificates package installed?)".to_string(),
        };
        return Err(TlsSetupError::OsCerts { reason });
    }
    Ok(())
}

/// Whether a PEM key file is passphrase-protected (PKCS#8 `ENCRYPTED PRIVATE KEY`, or the traditional
/// OpenSSL `Proc-Type: 4,ENCRYPTED` header).
pub fn pem_key_is_encrypted(pem: &[u8]) -> bool {
    let text = String::from_utf8_lossy(pem);
    text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.contains("Proc-Type: 4,ENCRYPTED")
}

fn load_client_identity(
    cert_path: &Path,
    key_path: &Path,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsSetupError> {
    let cert_bytes = read_existing(cert_path)?;
    let key_bytes = read_existing(key_path)?;
    let chain = pem_certificates(&cert_bytes).map_err(|reason| TlsSetupError::ClientCert {
        path: cert_path.to_path_buf(),
        reason,
    })?;
    if pem_key_is_encrypted(&key_bytes) {
        return Err(TlsSetupError::EncryptedKey {
            path: key_path.to_path_buf(),
        });
    }
    let key_error = |reason: String| TlsSetupError::ClientKey {
        path: key_path.to_path_buf(),
        reason,
    };
    let key = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|err| match err {
        rustls::pki_types::pem::Error::NoItemsFound => key_error(
            "no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) in it".to_string(),
        ),
        other => key_error(format!("invalid PEM ({other})")),
    })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|err| match err {
        RustlsError::InconsistentKeys(_) => TlsSetupError::KeyMismatch {
            cert: cert_path.to_path_buf(),
            key: key_path.to_path_buf(),
        },
        other => key_error(other.to_string()),
    })
}

/// Validates the TLS flags and loads every file: the configuration for all connections of a run.
///
/// Checks in mosquitto's order: the files exist (`--cafile`, `--cert`, `--key`), `--tls-alpn`,
/// `--tls-version`, then (where mosquitto only finds out when connecting) `--ciphers` and the contents of
/// the CA, certificate and key files.
pub fn build_client_config(options: &TlsOptions) -> Result<TlsConfig, TlsSetupError> {
    if options.cert.is_some() != options.key.is_some() {
        return Err(TlsSetupError::CertWithoutKey);
    }
    for path in [&options.cafile, &options.cert, &options.key]
        .into_iter()
        .flatten()
    {
        if fs::File::open(path).is_err() {
            return Err(TlsSetupError::FileNotFound { path: path.clone() });
        }
    }
    if let Some(alpn) = &options.alpn
        && (alpn.is_empty() || alpn.len() > 255)
    {
        return Err(TlsSetupError::Alpn {
            protocol: alpn.clone(),
        });
    }
    let tls13_only = parse_tls_version(options.tls_version.as_deref())?;
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(list) = &options.ciphers {
        provider.cipher_suites = parse_cipher_list(list)?;
    }
    let provider = Arc::new(provider);

    let mut roots = RootCertStore::empty();
    if let Some(cafile) = &options.cafile {
        load_cafile(cafile, &mut roots)?;
    }
    if let Some(capath) = &options.capath {
        load_capath(capath, &mut roots)?;
    }
    if options.use_os_certs {
        load_os_certs(&mut roots)?;
    }
    if roots.is_empty() {
        return Err(TlsSetupError::NoTrustAnchors);
    }

    let identity = match (&options.cert, &options.key) {
        (Some(cert), Some(key)) => Some(Arc::new(load_client_identity(cert, key, &provider)?)),
        _ => None,
    };

    let rustls_error = |err: RustlsError| TlsSetupError::Rustls {
        reason: err.to_string(),
    };
    let versions: &[&SupportedProtocolVersion] = if tls13_only {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(rustls_error)?;
    let webpki =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .map_err(|err| TlsSetupError::Rustls {
                reason: err.to_string(),
            })?;
    let builder = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnlyVerifier { inner: webpki }))
    } else {
        builder.with_webpki_verifier(webpki)
    };
    let cert_requests = Arc::new(AtomicUsize::new(0));
    let has_client_cert = identity.is_some();
    let mut config = builder.with_client_cert_resolver(Arc::new(ClientCertResolver {
        identity,
        requests: Arc::clone(&cert_requests),
    }));
    if let Some(alpn) = &options.alpn {
        config.alpn_protocols = vec![alpn.as_bytes().to_vec()];
    }
    // Only does something when SSLKEYLOGFILE is set: lets Wireshark decrypt a capture (docs/tls.md).
    config.key_log = Arc::new(rustls::KeyLogFile::new());
    Ok(TlsConfig {
        rustls: Arc::new(config),
        cert_requests,
        has_client_cert,
        tls13_only,
        alpn: options.alpn.clone(),
    })
}

/// `--insecure`: the chain is verified as usual; only a host name mismatch is accepted. rustls' WebPKI
/// verifier checks the chain first and the name last, so a name error means the chain was fine.
#[derive(Debug)]
struct ChainOnlyVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, RustlsError> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(RustlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Hands out the `--cert`/`--key` identity (if any) and counts the broker's requests for one.
#[derive(Debug)]
struct ClientCertResolver {
    identity: Option<Arc<CertifiedKey>>,
    requests: Arc<AtomicUsize>,
}

impl ResolvesClientCert for ClientCertResolver {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}

// -------------------------------------------------------------------------------------------------------
// Failures
// -------------------------------------------------------------------------------------------------------

/// Why a TLS connection failed, in terms a person can act on. mosquitto prints `Error: A TLS error
/// occurred.` for all of these (plus OpenSSL's code under `-d`); the exit code is kept ([`Self::exit_code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The broker's certificate is valid but not for the host we connected to.
    HostnameMismatch {
        expected: String,
        /// The DNS names and IP addresses the certificate lists (its subjectAltName).
        presented: Vec<String>,
    },
    /// The broker's certificate chain does not lead to a CA we trust.
    UnknownCa,
    /// The broker's certificate (or one in its chain) has expired. Times are Unix seconds when known.
    Expired {
        not_after: Option<u64>,
        now: Option<u64>,
    },
    /// The broker's certificate (or one in its chain) is not valid yet.
    NotYetValid {
        not_before: Option<u64>,
        now: Option<u64>,
    },
    /// Any other problem with the broker's certificate (bad signature, wrong purpose, ...).
    BadServerCertificate { reason: String },
    /// The broker asked for a client certificate and we had none (`--cert`/`--key`).
    ClientCertRequired,
    /// The broker refused our client certificate (the TLS alert it sent, e.g. `unknown_ca`).
    ClientCertRejected { alert: String },
    /// No TLS version in common (`offered`: what we offered, `detail`: what the broker said).
    VersionMismatch { offered: String, detail: String },
    /// The broker refused the handshake without a more precise reason (typically no cipher suite or key
    /// exchange group in common).
    HandshakeRejected { alert: String },
    /// The broker does not speak the `--tls-alpn` protocol we offered.
    AlpnRejected { offered: String },
    /// The server did not answer the handshake with TLS: a plain MQTT listener on the port we treat as
    /// TLS. `reply` holds its first bytes (empty: it closed the connection without a word, which is what
    /// mosquitto's plain listener does).
    NotTlsServer { reply: Vec<u8> },
    /// The other direction: a plain MQTT client got a TLS record from the "MQTT" server
    /// (see [`tls_reply_on_plain_port`]).
    TlsServerOnPlainPort { reply: Vec<u8> },
    /// The broker sent another fatal TLS alert.
    Alert { alert: String },
    /// Anything else rustls reported.
    Other { reason: String },
}

impl TlsFailure {
    /// The exit code: 8 (MOSQ_ERR_TLS, `Error: A TLS error occurred.`) for every handshake failure, as
    /// mosquitto_pub/mosquitto_sub. Two deliberate choices: a rejected or missing client certificate is 8
    /// too (mosquitto gives 7 "connection lost" or 1 "Protocol error" depending on timing, because in
    /// TLS 1.3 the broker's verdict comes after the client's handshake is over); and a TLS answer to a
    /// plain client is 2, mosquitto's exit code for those bytes (a protocol error).
    pub fn exit_code(&self) -> i32 {
        match self {
            TlsFailure::TlsServerOnPlainPort { .. } => 2,
            _ => 8,
        }
    }

    /// The failure carried by an `io::Error` returned from [`TlsStream`] (`None` for plain I/O errors).
    pub fn from_io_error(err: &io::Error) -> Option<&TlsFailure> {
        err.get_ref()?.downcast_ref::<TlsFailure>()
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `2020-02-01 00:00:00 UTC` for Unix seconds (proleptic Gregorian calendar).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

const PLAIN_PORT_ADVICE: &str = "the port expects plain MQTT: drop the TLS options, or use the broker's TLS port (usually 8883)";

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::HostnameMismatch {
                expected,
                presented,
            } => {
                if presented.is_empty() {
                    write!(
                        f,
                        "Error: TLS host name mismatch: the broker's certificate names no host in its subjectAltName \
                         (the Common Name is not used), so it is not valid for \"{expected}\". \
                         Use --insecure to skip only the host name check."
                    )
                } else {
                    let names: Vec<String> =
                        presented.iter().map(|name| format!("\"{name}\"")).collect();
                    write!(
                        f,
                        "Error: TLS host name mismatch: the broker's certificate is valid for {}, not for \"{expected}\". \
                         Connect with one of those names, or use --insecure to skip only the host name check.",
                        names.join(", ")
                    )
                }
            }
            TlsFailure::UnknownCa => f.write_str(
                "Error: TLS: the broker's certificate is not signed by a trusted CA (unknown issuer). \
                 Give the CA that signed it with --cafile or --capath (or --tls-use-os-certs for a public CA).",
            ),
            TlsFailure::Expired { not_after, now } => {
                f.write_str("Error: TLS: the broker's certificate (or one in its chain) has expired")?;
                if let Some(not_after) = not_after {
                    write!(f, ": valid until {}", format_utc(*not_after))?;
                }
                if let Some(now) = now {
                    write!(f, ", now is {}", format_utc(*now))?;
                }
                f.write_str(".")
            }
            TlsFailure::NotYetValid { not_before, now } => {
                f.write_str("Error: TLS: the broker's certificate (or one in its chain) is not valid yet")?;
                if let Some(not_before) = not_before {
                    write!(f, ": valid from {}", format_utc(*not_before))?;
                }
                if let Some(now) = now {
                    write!(f, ", now is {}", format_utc(*now))?;
                }
                f.write_str(" (check the clocks).")
            }
            TlsFailure::BadServerCertificate { reason } => {
                write!(f, "Error: TLS: the broker's certificate was rejected: {reason}.")
            }
            TlsFailure::ClientCertRequired => f.write_str(
                "Error: TLS: the broker requires a client certificate: give one with --cert and --key.",
            ),
            TlsFailure::ClientCertRejected { alert } => write!(
                f,
                "Error: TLS: the broker rejected our client certificate (alert {alert}): it must be signed by a CA \
                 the broker trusts and be valid now."
            ),
            TlsFailure::VersionMismatch { offered, detail } => write!(
                f,
                "Error: TLS: no TLS version in common with the broker (we offer {offered}; {detail})."
            ),
            TlsFailure::HandshakeRejected { alert } => write!(
                f,
                "Error: TLS: the broker refused the handshake (alert {alert}): no cipher suite or key exchange \
                 in common? Check --ciphers and --tls-version."
            ),
            TlsFailure::AlpnRejected { offered } => write!(
                f,
                "Error: TLS: the broker does not accept the ALPN protocol \"{offered}\" (--tls-alpn)."
            ),
            TlsFailure::NotTlsServer { reply } => {
                if reply.is_empty() {
                    write!(
                        f,
                        "Error: TLS: the broker closed the connection without answering the TLS handshake: \
                         {PLAIN_PORT_ADVICE}."
                    )
                } else {
                    write!(
                        f,
                        "Error: TLS: the broker did not answer with TLS (it sent {}): {PLAIN_PORT_ADVICE}.",
                        hex_bytes(reply)
                    )
                }
            }
            TlsFailure::TlsServerOnPlainPort { reply } => write!(
                f,
                "Error: the broker answered with TLS (it sent {}): this port expects TLS; add --cafile, --capath \
                 or --tls-use-os-certs (the usual MQTT over TLS port is 8883).",
                hex_bytes(reply)
            ),
            TlsFailure::Alert { alert } => {
                write!(f, "Error: TLS: the broker ended the connection with the alert {alert}.")
            }
            TlsFailure::Other { reason } => write!(f, "Error: TLS: {reason}."),
        }
    }
}

impl std::error::Error for TlsFailure {}

/// Whether `first_bytes` (what a server sent first) start like a TLS record: an alert (0x15) or a
/// handshake (0x16) of a TLS/SSL 3.x version. No MQTT server sends that: a 0x15/0x16 first byte would be
/// a CONNECT, which only clients send.
pub fn looks_like_tls_record(first_bytes: &[u8]) -> bool {
    matches!(first_bytes, [0x15 | 0x16, 0x03, ..])
}

/// For the plain (non-TLS) client: the first bytes from the server, checked for a TLS record. mosquitto's
/// own TLS listener sends nothing to a plain client (it resets the connection: "connection lost"), but
/// many other servers answer with a TLS alert.
pub fn tls_reply_on_plain_port(first_bytes: &[u8]) -> Option<TlsFailure> {
    looks_like_tls_record(first_bytes).then(|| TlsFailure::TlsServerOnPlainPort {
        reply: first_bytes[..first_bytes.len().min(7)].to_vec(),
    })
}

/// A TLS alert description in the protocol's spelling (`certificate_required`, `unknown_ca`).
fn alert_name(alert: &AlertDescription) -> String {
    let chars: Vec<char> = format!("{alert:?}").chars().collect();
    let mut name = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let after_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
            let ends_acronym = i > 0
                && chars[i - 1].is_ascii_uppercase()
                && chars
                    .get(i + 1)
                    .is_some_and(|next| next.is_ascii_lowercase());
            if after_lower || ends_acronym {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

/// A subjectAltName entry as WebPKI reports it (`DnsName("a.example")`, `IpAddress(127.0.0.1)`), as a
/// person writes it (`a.example`, `127.0.0.1`); entries that are no host name are left out.
fn presented_name(debug: &str) -> Option<String> {
    if let Some(dns) = debug
        .strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
    {
        return Some(dns.to_string());
    }
    if let Some(ip) = debug
        .strip_prefix("IpAddress(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return Some(ip.to_string());
    }
    if debug.starts_with("DirectoryName") || debug.starts_with("Unsupported") {
        return None;
    }
    Some(debug.to_string())
}

/// What a failure is judged against.
#[derive(Debug, Clone)]
struct FailureContext {
    host: String,
    has_client_cert: bool,
    cert_requests: Arc<AtomicUsize>,
    cert_requests_at_start: usize,
    tls13_only: bool,
    alpn: Option<String>,
}

impl FailureContext {
    fn cert_requested(&self) -> bool {
        self.cert_requests.load(Ordering::Relaxed) != self.cert_requests_at_start
    }

    fn offered_versions(&self) -> String {
        if self.tls13_only {
            "TLS 1.3 only".to_string()
        } else {
            "TLS 1.2 and 1.3".to_string()
        }
    }

    /// The connection ended (EOF or reset) during the handshake.
    fn ended_during_handshake(&self, first_bytes: &[u8]) -> TlsFailure {
        if looks_like_tls_record(first_bytes) {
            TlsFailure::Other {
                reason: "the broker closed the connection during the handshake".to_string(),
            }
        } else {
            TlsFailure::NotTlsServer {
                reply: first_bytes.to_vec(),
            }
        }
    }

    fn classify(&self, err: &RustlsError, first_bytes: &[u8]) -> TlsFailure {
        match err {
            RustlsError::InvalidCertificate(cert_error) => self.classify_certificate(cert_error),
            RustlsError::AlertReceived(alert) => self.classify_alert(alert),
            RustlsError::PeerIncompatible(incompatible) => match incompatible {
                PeerIncompatible::ServerDoesNotSupportTls12Or13
                | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
                | PeerIncompatible::SupportedVersionsExtensionRequired
                | PeerIncompatible::Tls12NotOffered
                | PeerIncompatible::Tls12NotOfferedOrEnabled => TlsFailure::VersionMismatch {
                    offered: self.offered_versions(),
                    detail: format!("rustls: {err}"),
                },
                _ => TlsFailure::HandshakeRejected {
                    alert: format!("none; rustls: {err}"),
                },
            },
            RustlsError::InvalidMessage(_)
            | RustlsError::InappropriateMessage { .. }
            | RustlsError::InappropriateHandshakeMessage { .. }
                if !looks_like_tls_record(first_bytes) =>
            {
                TlsFailure::NotTlsServer {
                    reply: first_bytes.to_vec(),
                }
            }
            RustlsError::NoCertificatesPresented => TlsFailure::BadServerCertificate {
                reason: "it sent no certificate".to_string(),
            },
            other => TlsFailure::Other {
                reason: other.to_string(),
            },
        }
    }

    fn classify_certificate(&self, err: &CertificateError) -> TlsFailure {
        match err {
            CertificateError::NotValidForName => TlsFailure::HostnameMismatch {
                expected: self.host.clone(),
                presented: Vec::new(),
            },
            CertificateError::NotValidForNameContext {
                expected,
                presented,
            } => TlsFailure::HostnameMismatch {
                expected: expected.to_str().into_owned(),
                presented: presented
                    .iter()
                    .filter_map(|name| presented_name(name))
                    .collect(),
            },
            CertificateError::UnknownIssuer => TlsFailure::UnknownCa,
            CertificateError::Expired => TlsFailure::Expired {
                not_after: None,
                now: None,
            },
            CertificateError::ExpiredContext { time, not_after } => TlsFailure::Expired {
                not_after: Some(not_after.as_secs()),
                now: Some(time.as_secs()),
            },
            CertificateError::NotValidYet => TlsFailure::NotYetValid {
                not_before: None,
                now: None,
            },
            CertificateError::NotValidYetContext { time, not_before } => TlsFailure::NotYetValid {
                not_before: Some(not_before.as_secs()),
                now: Some(time.as_secs()),
            },
            other => TlsFailure::BadServerCertificate {
                reason: RustlsError::InvalidCertificate(other.clone()).to_string(),
            },
        }
    }

    fn classify_alert(&self, alert: &AlertDescription) -> TlsFailure {
        let name = alert_name(alert);
        let requested = self.cert_requested();
        match alert {
            AlertDescription::CertificateRequired => TlsFailure::ClientCertRequired,
            AlertDescription::ProtocolVersion => TlsFailure::VersionMismatch {
                offered: self.offered_versions(),
                detail: "the broker answered with the alert protocol_version".to_string(),
            },
            AlertDescription::NoApplicationProtocol => TlsFailure::AlpnRejected {
                offered: self.alpn.clone().unwrap_or_default(),
            },
            // Asked for a certificate and got none: OpenSSL in TLS 1.2 says handshake_failure, others
            // say bad_certificate or certificate_unknown.
            AlertDescription::HandshakeFailure
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::AccessDenied
                if requested && !self.has_client_cert =>
            {
                TlsFailure::ClientCertRequired
            }
            AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied
            | AlertDescription::DecryptError
                if requested && self.has_client_cert =>
            {
                TlsFailure::ClientCertRejected { alert: name }
            }
            AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
                TlsFailure::HandshakeRejected { alert: name }
            }
            _ => TlsFailure::Alert { alert: name },
        }
    }
}

// -------------------------------------------------------------------------------------------------------
// The stream
// -------------------------------------------------------------------------------------------------------

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
        let conn =
            ClientConnection::new(Arc::clone(&config.rustls), server_name).map_err(|err| {
                TlsSetupError::Rustls {
                    reason: err.to_string(),
                }
            })?;
        Ok(TlsStream {
            conn,
            socket,
            context: FailureContext {
                host: host.to_string(),
                has_client_cert: config.has_client_cert,
                cert_requests: Arc::clone(&config.cert_requests),
                cert_requests_at_start: config.cert_requests.load(Ordering::Relaxed),
                tls13_only: config.tls13_only,
                alpn: config.alpn.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names_map_openssl_and_iana_spellings() {
        let suites = parse_cipher_list("ECDHE-RSA-AES128-GCM-SHA256").expect("valid");
        // the named TLS 1.2 suite first, then every TLS 1.3 suite (not restricted), no other TLS 1.2 suite
        assert_eq!(
            suites[0].suite(),
            rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        );
        assert_eq!(suites.iter().filter(|s| s.tls13().is_none()).count(), 1);
        assert_eq!(suites.iter().filter(|s| s.tls13().is_some()).count(), 3);

        let suites = parse_cipher_list(
            "tls_aes_128_gcm_sha256:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,ECDHE-ECDSA-AES256-GCM-SHA384",
        )
        .expect("valid");
        assert_eq!(suites.len(), 2);
        assert_eq!(
            suites[0].suite(),
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256
        );

        let suites = parse_cipher_list("TLS_CHACHA20_POLY1305_SHA256").expect("valid");
        assert_eq!(suites.iter().filter(|s| s.tls13().is_some()).count(), 1);
        assert_eq!(suites.iter().filter(|s| s.tls13().is_none()).count(), 6);
    }

    #[test]
    fn unknown_ciphers_name_the_accepted_ones() {
        let err =
            parse_cipher_list("ECDHE-RSA-AES128-SHA256:FOO").expect_err("CBC is not in rustls");
        let text = err.to_string();
        assert!(
            text.starts_with(
                "Error: Unable to set TLS ciphers. Check cipher list \"ECDHE-RSA-AES128-SHA256:FOO\": \
                 unknown or unsupported cipher \"ECDHE-RSA-AES128-SHA256\""
            ),
            "{text}"
        );
        assert!(text.contains("ECDHE-ECDSA-AES128-GCM-SHA256"), "{text}");
        assert!(text.contains("TLS_AES_256_GCM_SHA384"), "{text}");
        assert!(parse_cipher_list(" : ").is_err());
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn tls_versions_follow_mosquitto() {
        assert_eq!(parse_tls_version(None), Ok(false));
        assert_eq!(parse_tls_version(Some("tlsv1.2")), Ok(false));
        assert_eq!(parse_tls_version(Some("tlsv1.3")), Ok(true));
        let old = parse_tls_version(Some("tlsv1.1")).expect_err("not in rustls");
        assert_eq!(
            old.to_string(),
            "Error: TLS version tlsv1.1 is not supported: only tlsv1.2 and tlsv1.3 are (rustls implements nothing older)."
        );
        let bad = parse_tls_version(Some("tls1.3")).expect_err("unknown");
        assert_eq!(
            bad.to_string(),
            "Error: Problem setting TLS options, check the options are valid."
        );
    }

    #[test]
    fn encrypted_keys_are_recognised() {
        assert!(pem_key_is_encrypted(
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
        ));
        assert!(pem_key_is_encrypted(
            b"-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nMIIB\n-----END EC PRIVATE KEY-----\n"
        ));
        assert!(!pem_key_is_encrypted(
            b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"
        ));
    }

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_580_515_200), "2020-02-01 00:00:00 UTC");
        assert_eq!(format_utc(951_868_799), "2000-02-29 23:59:59 UTC");
        assert_eq!(format_utc(4_107_542_400), "2100-03-01 00:00:00 UTC");
    }

    #[test]
    fn tls_records_are_recognised() {
        assert!(looks_like_tls_record(&[
            0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32
        ]));
        assert!(looks_like_tls_record(&[0x16, 0x03, 0x01]));
        assert!(!looks_like_tls_record(&[0x20, 0x02, 0x00, 0x00])); // CONNACK
        assert!(!looks_like_tls_record(&[0x15]));
        assert!(!looks_like_tls_record(&[]));
        let failure = tls_reply_on_plain_port(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32, 0x99])
            .expect("a TLS alert");
        assert_eq!(failure.exit_code(), 2);
        assert_eq!(
            failure.to_string(),
            "Error: the broker answered with TLS (it sent 15 03 03 00 02 02 32): this port expects TLS; add \
             --cafile, --capath or --tls-use-os-certs (the usual MQTT over TLS port is 8883)."
        );
        assert_eq!(tls_reply_on_plain_port(&[0x20, 0x02, 0x00, 0x00]), None);
    }

    #[test]
    fn alert_names_use_the_protocol_spelling() {
        assert_eq!(
            alert_name(&AlertDescription::CertificateRequired),
            "certificate_required"
        );
        assert_eq!(alert_name(&AlertDescription::UnknownCA), "unknown_ca");
        assert_eq!(
            alert_name(&AlertDescription::UnknownPSKIdentity),
            "unknown_psk_identity"
        );
        assert_eq!(
            alert_name(&AlertDescription::HandshakeFailure),
            "handshake_failure"
        );
        assert_eq!(
            alert_name(&AlertDescription::ProtocolVersion),
            "protocol_version"
        );
    }

    fn context(has_client_cert: bool, cert_requested: bool) -> FailureContext {
        FailureContext {
            host: "broker.example".to_string(),
            has_client_cert,
            cert_requests: Arc::new(AtomicUsize::new(usize::from(cert_requested))),
            cert_requests_at_start: 0,
            tls13_only: false,
            alpn: None,
        }
    }

    #[test]
    fn alerts_are_classified_by_what_we_know() {
        // OpenSSL in TLS 1.2: handshake_failure when the certificate it asked for did not come
        assert_eq!(
            context(false, true).classify_alert(&AlertDescription::HandshakeFailure),
            TlsFailure::ClientCertRequired
        );
        // the same alert without a certificate request: no suite/group in common
        assert_eq!(
            context(false, false).classify_alert(&AlertDescription::HandshakeFailure),
            TlsFailure::HandshakeRejected {
                alert: "handshake_failure".to_string()
            }
        );
        assert_eq!(
            context(true, true).classify_alert(&AlertDescription::CertificateExpired),
            TlsFailure::ClientCertRejected {
                alert: "certificate_expired".to_string()
            }
        );
        assert_eq!(
            context(false, false).classify_alert(&AlertDescription::CertificateRequired),
            TlsFailure::ClientCertRequired
        );
        assert_eq!(
            context(false, false).classify_alert(&AlertDescription::InternalError),
            TlsFailure::Alert {
                alert: "internal_error".to_string()
            }
        );
        assert!(matches!(
            context(false, false).classify_alert(&AlertDescription::ProtocolVersion),
            TlsFailure::VersionMismatch { .. }
        ));
        assert_eq!(
            context(false, false).classify(
                &RustlsError::InvalidCertificate(CertificateError::NotValidForName),
                &[]
            ),
            TlsFailure::HostnameMismatch {
                expected: "broker.example".to_string(),
                presented: Vec::new()
            }
        );
        assert_eq!(
            context(false, false).ended_during_handshake(&[0x20, 0x02]),
            TlsFailure::NotTlsServer {
                reply: vec![0x20, 0x02]
            }
        );
    }

    #[test]
    fn presented_names_are_tidied() {
        assert_eq!(
            presented_name("DnsName(\"a.example\")").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            presented_name("IpAddress(127.0.0.1)").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(presented_name("IpAddress(::1)").as_deref(), Some("::1"));
        assert_eq!(presented_name("DirectoryName"), None);
        assert_eq!(
            presented_name("UniformResourceIdentifier(\"spiffe://x\")").as_deref(),
            Some("UniformResourceIdentifier(\"spiffe://x\")")
        );
    }

    #[test]
    fn failure_texts() {
        let mismatch = TlsFailure::HostnameMismatch {
            expected: "127.0.0.1".to_string(),
            presented: vec!["wrong.example".to_string(), "other.example".to_string()],
        };
        assert_eq!(
            mismatch.to_string(),
            "Error: TLS host name mismatch: the broker's certificate is valid for \"wrong.example\", \
             \"other.example\", not for \"127.0.0.1\". Connect with one of those names, or use --insecure to \
             skip only the host name check."
        );
        assert_eq!(mismatch.exit_code(), 8);
        let expired = TlsFailure::Expired {
            not_after: Some(1_580_515_200),
            now: Some(1_580_601_600),
        };
        assert_eq!(
            expired.to_string(),
            "Error: TLS: the broker's certificate (or one in its chain) has expired: valid until \
             2020-02-01 00:00:00 UTC, now is 2020-02-02 00:00:00 UTC."
        );
        let err = io::Error::other(TlsFailure::UnknownCa);
        assert_eq!(
            TlsFailure::from_io_error(&err),
            Some(&TlsFailure::UnknownCa)
        );
        assert_eq!(
            TlsFailure::from_io_error(&io::Error::from(ErrorKind::ConnectionReset)),
            None
        );
    }

    #[test]
    fn setup_texts_match_mosquitto_where_it_has_one() {
        assert_eq!(
            TlsSetupError::FileNotFound {
                path: PathBuf::from("/x")
            }
            .to_string(),
            "Error: Problem setting TLS options: File not found."
        );
        assert_eq!(
            TlsSetupError::CertWithoutKey.to_string(),
            "Error: Both certfile and keyfile must be provided if one of them is set."
        );
    }

    #[test]
    fn options_need_a_ca_source_to_enable_tls() {
        let mut options = TlsOptions {
            cert: Some(PathBuf::from("c")),
            key: Some(PathBuf::from("k")),
            insecure: true,
            ..TlsOptions::default()
        };
        assert!(!options.enables_tls());
        options.use_os_certs = true;
        assert!(options.enables_tls());
    }

    #[test]
    fn missing_files_give_mosquittos_text() {
        let options = TlsOptions {
            cafile: Some(PathBuf::from("/nonexistent/ca.crt")),
            ..TlsOptions::default()
        };
        let err = build_client_config(&options).expect_err("missing");
        assert_eq!(
            err,
            TlsSetupError::FileNotFound {
                path: PathBuf::from("/nonexistent/ca.crt")
            }
        );
        let options = TlsOptions {
            cert: Some(PathBuf::from("/nonexistent/c.crt")),
            ..TlsOptions::default()
        };
        assert_eq!(
            build_client_config(&options).expect_err("half a pair"),
            TlsSetupError::CertWithoutKey
        );
        assert_eq!(
            build_client_config(&TlsOptions::default()).expect_err("no CA"),
            TlsSetupError::NoTrustAnchors
        );
    }
}
