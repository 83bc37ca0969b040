//! [`TlsFailure`]: why a TLS connection failed, classified from what rustls reports into causes a person
//! can act on, with the texts that say so; and the recognition of a TLS server on a plain MQTT port.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls::{AlertDescription, CertificateError, Error as RustlsError, PeerIncompatible};

use crate::calendar::format_utc;

/// Why a TLS connection failed, in terms a person can act on. mosquitto prints `Error: A TLS error
/// occurred.` for all of these (plus OpenSSL's code under `-d`); the exit code is kept
/// (`crate::exit::tls_failure` chooses it).
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
pub(super) struct FailureContext {
    pub(super) host: String,
    pub(super) has_client_cert: bool,
    pub(super) cert_requests: Arc<AtomicUsize>,
    pub(super) cert_requests_at_start: usize,
    pub(super) tls13_only: bool,
    pub(super) alpn: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;

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
        assert_eq!(crate::exit::tls_failure(&failure).exit_code(), 2);
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
        assert_eq!(crate::exit::tls_failure(&mismatch).exit_code(), 8);
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
}
