//! [`TlsFailure`]: why a TLS connection failed, classified from what rustls reports into causes a person
//! can act on, with the texts that say so; and the recognition of a TLS server on a plain MQTT port.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls::{AlertDescription, CertificateError, Error as RustlsError, PeerIncompatible};

use super::cert::{CertRole, CertSummary, ChainCert, utc};
use super::texts::{alert_name, certificate_error_text, presented_name, rustls_error_text};
use crate::calendar::format_utc;

/// Why a TLS connection failed, in terms a person can act on. mosquitto prints `Error: A TLS error
/// occurred.` for all of these (plus OpenSSL's code under `-d`); the exit code is kept
/// (`crate::exit::tls_failure` chooses it). Failures about a certificate name it (`cert`: its role in
/// the chain, subject, issuer and validity) when it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The broker's certificate is valid but not for the host we connected to.
    HostnameMismatch {
        expected: String,
        /// The names the certificate offers: its subjectAltName DNS names and IP addresses, or its
        /// Common Name when it has no subjectAltName DNS name (`from_common_name`).
        presented: Vec<String>,
        from_common_name: bool,
        cert: Option<ChainCert>,
    },
    /// The broker's certificate chain does not lead to a CA we trust (`cert`: the last certificate of
    /// the chain: one whose issuer is unknown, or a self-signed one that is not trusted).
    UnknownCa { cert: Option<ChainCert> },
    /// A certificate of the chain has expired. Times are Unix seconds when known.
    Expired {
        not_after: Option<u64>,
        now: Option<u64>,
        cert: Option<ChainCert>,
    },
    /// A certificate of the chain is not valid yet.
    NotYetValid {
        not_before: Option<u64>,
        now: Option<u64>,
        cert: Option<ChainCert>,
    },
    /// A certificate that signed another one in the chain may not act as a CA (OpenSSL's "invalid CA
    /// certificate"), for the `reason` given.
    NotCa { cert: ChainCert, reason: String },
    /// A signature in the chain does not verify (`cert`: the certificate whose signature is bad).
    BadSignature { cert: Option<ChainCert> },
    /// The broker's handshake signature does not verify with its certificate's key (it does not hold
    /// that key).
    HandshakeSignature { cert: Option<ChainCert> },
    /// Any other problem with the broker's certificate (wrong purpose, unsupported algorithm, ...):
    /// `reason` is a sentence part naming the certificate.
    BadServerCertificate { reason: String },
    /// The broker asked for a client certificate and we had none (`--cert`/`--key`).
    ClientCertRequired,
    /// The broker refused our client certificate (the TLS alert it sent, e.g. `unknown_ca`; `cert`:
    /// our certificate).
    ClientCertRejected {
        alert: String,
        cert: Option<CertSummary>,
    },
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
    /// Anything else: `reason` is a sentence part in words (never a debug rendering).
    Other { reason: String },
}

impl TlsFailure {
    /// The failure carried by an `io::Error` returned from [`TlsStream`](super::TlsStream) (`None`
    /// for plain I/O errors).
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

const PLAIN_PORT_ADVICE: &str = "the port expects plain MQTT: drop the TLS options, or use the broker's TLS port (usually 8883)";

/// "the broker's certificate" alone, or named when known.
fn cert_name(cert: &Option<ChainCert>) -> String {
    match cert {
        Some(cert) => cert.name(),
        None => "the broker's certificate (or one in its chain)".to_string(),
    }
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::HostnameMismatch {
                expected,
                presented,
                from_common_name,
                cert,
            } => {
                let subject = match cert {
                    Some(cert) => cert.full(),
                    None => "the broker's certificate".to_string(),
                };
                if presented.is_empty() {
                    write!(
                        f,
                        "Error: TLS host name mismatch: {subject} names no host (no subjectAltName DNS name \
                         or IP address, no Common Name), so it is not valid for \"{expected}\". \
                         Use --insecure to skip only the host name check."
                    )
                } else {
                    // with `from_common_name`, the first name is the Common Name
                    let names = if *from_common_name {
                        let mut names = format!(
                            "\"{}\" (its Common Name: it has no subjectAltName DNS name)",
                            presented[0]
                        );
                        if presented.len() > 1 {
                            names.push_str(", ");
                            names.push_str(&quoted_list(&presented[1..]));
                        }
                        names
                    } else {
                        quoted_list(presented)
                    };
                    write!(
                        f,
                        "Error: TLS host name mismatch: {subject} is valid for {names}, not for \"{expected}\". \
                         Connect with one of those names, or use --insecure to skip only the host name check."
                    )
                }
            }
            TlsFailure::UnknownCa { cert: None } => f.write_str(
                "Error: TLS: the broker's certificate is not signed by a trusted CA (unknown issuer). \
                 Give the CA that signed it with --cafile or --capath (or --tls-use-os-certs for a public CA).",
            ),
            TlsFailure::UnknownCa { cert: Some(cert) } => {
                let self_signed = cert.summary.subject == cert.summary.issuer;
                match cert.role {
                    CertRole::Broker if self_signed => write!(
                        f,
                        "Error: TLS: {} is self-signed and not among the trusted CA certificates, so it is not \
                         signed by a trusted CA. Give it with --cafile to trust it.",
                        cert.full()
                    )?,
                    _ if self_signed => write!(
                        f,
                        "Error: TLS: the broker's certificate is not signed by a trusted CA: its chain ends in \
                         the self-signed CA certificate (subject \"{}\", valid from {} until {}), which is not \
                         among the trusted CA certificates.",
                        cert.summary.subject,
                        utc(cert.summary.not_before),
                        utc(cert.summary.not_after)
                    )?,
                    _ => write!(
                        f,
                        "Error: TLS: {} is not signed by a trusted CA (unknown issuer \"{}\").",
                        cert.full(),
                        cert.summary.issuer
                    )?,
                }
                f.write_str(
                    " Give the CA that signed it with --cafile or --capath (or --tls-use-os-certs for a public \
                     CA).",
                )
            }
            TlsFailure::Expired {
                not_after,
                now,
                cert,
            } => {
                write!(f, "Error: TLS: {} has expired", cert_name(cert))?;
                if let Some(not_after) = not_after {
                    write!(f, ": valid until {}", format_utc(*not_after))?;
                }
                if let Some(now) = now {
                    write!(f, ", now is {}", format_utc(*now))?;
                }
                f.write_str(".")
            }
            TlsFailure::NotYetValid {
                not_before,
                now,
                cert,
            } => {
                write!(f, "Error: TLS: {} is not valid yet", cert_name(cert))?;
                if let Some(not_before) = not_before {
                    write!(f, ": valid from {}", format_utc(*not_before))?;
                }
                if let Some(now) = now {
                    write!(f, ", now is {}", format_utc(*now))?;
                }
                f.write_str(" (check the clocks).")
            }
            TlsFailure::NotCa { cert, reason } => write!(
                f,
                "Error: TLS: {} signed another certificate of the chain but is not a valid CA certificate: \
                 {reason}.",
                cert.full()
            ),
            TlsFailure::BadSignature { cert } => write!(
                f,
                "Error: TLS: the signature on {} does not verify with its issuer's key: the certificate was \
                 altered, or was not issued by the CA of that name.",
                cert_name(cert)
            ),
            TlsFailure::HandshakeSignature { cert } => write!(
                f,
                "Error: TLS: the broker's handshake signature does not verify with the key of {}: the \
                 broker does not hold that certificate's key.",
                match cert {
                    Some(cert) => cert.full(),
                    None => "its certificate".to_string(),
                }
            ),
            TlsFailure::BadServerCertificate { reason } => {
                write!(f, "Error: TLS: the broker's certificate was rejected: {reason}.")
            }
            TlsFailure::ClientCertRequired => f.write_str(
                "Error: TLS: the broker requires a client certificate: give one with --cert and --key.",
            ),
            TlsFailure::ClientCertRejected { alert, cert } => {
                let ours = match cert {
                    Some(cert) => format!(" ({cert})"),
                    None => String::new(),
                };
                write!(
                    f,
                    "Error: TLS: the broker rejected our client certificate{ours} (alert {alert}): it must be \
                     signed by a CA the broker trusts and be valid now."
                )
            }
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

/// What a failure is judged against.
#[derive(Debug, Clone)]
pub(super) struct FailureContext {
    pub(super) host: String,
    pub(super) has_client_cert: bool,
    /// Our client certificate, named when the broker refuses it.
    pub(super) client_cert: Option<CertSummary>,
    pub(super) cert_requests: Arc<AtomicUsize>,
    pub(super) cert_requests_at_start: usize,
    pub(super) tls13_only: bool,
    pub(super) alpn: Option<String>,
    /// What this connection's certificate verifier found (it names the certificate; rustls' error
    /// only carries the kind, for the alert it sends).
    pub(super) verdict: VerdictSlot,
}

/// Where a connection's certificate verifier leaves the failure it found (see `verify.rs`).
pub(super) type VerdictSlot = Arc<Mutex<Option<TlsFailure>>>;

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
    pub(super) fn ended_during_handshake(&self, first_bytes: &[u8]) -> TlsFailure {
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

    pub(super) fn classify(&self, err: &RustlsError, first_bytes: &[u8]) -> TlsFailure {
        match err {
            RustlsError::InvalidCertificate(cert_error) => {
                let verdict = self.verdict.lock().ok().and_then(|mut slot| slot.take());
                verdict.unwrap_or_else(|| self.classify_certificate(cert_error))
            }
            RustlsError::AlertReceived(alert) => self.classify_alert(alert),
            RustlsError::PeerIncompatible(incompatible) => match incompatible {
                PeerIncompatible::ServerDoesNotSupportTls12Or13
                | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
                | PeerIncompatible::SupportedVersionsExtensionRequired
                | PeerIncompatible::Tls12NotOffered
                | PeerIncompatible::Tls12NotOfferedOrEnabled => TlsFailure::VersionMismatch {
                    offered: self.offered_versions(),
                    detail: rustls_error_text(err),
                },
                _ => TlsFailure::HandshakeRejected {
                    alert: format!("none; {}", rustls_error_text(err)),
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
            RustlsError::NoApplicationProtocol => TlsFailure::AlpnRejected {
                offered: self.alpn.clone().unwrap_or_default(),
            },
            other => TlsFailure::Other {
                reason: rustls_error_text(other),
            },
        }
    }

    /// A certificate error without the verifier's verdict (which names the certificate).
    fn classify_certificate(&self, err: &CertificateError) -> TlsFailure {
        match err {
            CertificateError::NotValidForName => TlsFailure::HostnameMismatch {
                expected: self.host.clone(),
                presented: Vec::new(),
                from_common_name: false,
                cert: None,
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
                from_common_name: false,
                cert: None,
            },
            CertificateError::UnknownIssuer => TlsFailure::UnknownCa { cert: None },
            CertificateError::Expired => TlsFailure::Expired {
                not_after: None,
                now: None,
                cert: None,
            },
            CertificateError::ExpiredContext { time, not_after } => TlsFailure::Expired {
                not_after: Some(not_after.as_secs()),
                now: Some(time.as_secs()),
                cert: None,
            },
            CertificateError::NotValidYet => TlsFailure::NotYetValid {
                not_before: None,
                now: None,
                cert: None,
            },
            CertificateError::NotValidYetContext { time, not_before } => TlsFailure::NotYetValid {
                not_before: Some(not_before.as_secs()),
                now: Some(time.as_secs()),
                cert: None,
            },
            CertificateError::BadSignature => TlsFailure::BadSignature { cert: None },
            other => TlsFailure::BadServerCertificate {
                reason: certificate_error_text(other),
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
                TlsFailure::ClientCertRejected {
                    alert: name,
                    cert: self.client_cert.clone(),
                }
            }
            AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
                TlsFailure::HandshakeRejected { alert: name }
            }
            _ => TlsFailure::Alert { alert: name },
        }
    }
}

#[cfg(test)]
mod tests;
