//! Failure classification and texts.

use super::*;
use crate::tls::TlsSetupError;
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
        client_cert: None,
        cert_requests: Arc::new(AtomicUsize::new(usize::from(cert_requested))),
        cert_requests_at_start: 0,
        tls13_only: false,
        alpn: None,
        verdict: Arc::default(),
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
            alert: "certificate_expired".to_string(),
            cert: None
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
            presented: Vec::new(),
            from_common_name: false,
            cert: None
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
    // no host name: left out rather than shown in a debug rendering (issue 12)
    assert_eq!(
        presented_name("UniformResourceIdentifier(\"spiffe://x\")"),
        None
    );
}

#[test]
fn failure_texts() {
    let mismatch = TlsFailure::HostnameMismatch {
        expected: "127.0.0.1".to_string(),
        presented: vec!["wrong.example".to_string(), "other.example".to_string()],
        from_common_name: false,
        cert: None,
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
        cert: None,
    };
    assert_eq!(
        expired.to_string(),
        "Error: TLS: the broker's certificate (or one in its chain) has expired: valid until \
         2020-02-01 00:00:00 UTC, now is 2020-02-02 00:00:00 UTC."
    );
    let err = io::Error::other(TlsFailure::UnknownCa { cert: None });
    assert_eq!(
        TlsFailure::from_io_error(&err),
        Some(&TlsFailure::UnknownCa { cert: None })
    );
    assert_eq!(
        TlsFailure::from_io_error(&io::Error::from(ErrorKind::ConnectionReset)),
        None
    );
}

// -------------------------------------------------------------------------------------------------------
// No debug formatting ever reaches a user (issue 12)
// -------------------------------------------------------------------------------------------------------

/// What a message must never contain: debug renderings of errors, struct literals, Rust paths and type
/// names (a capitalised word with an inner capital, such as `UnsupportedCertVersion`; `OpenSSL` is the
/// one such word our texts use).
fn assert_readable(text: &str) {
    for bad in ["Other(", "Error(", "{", "}", "::", "Some(", "None"] {
        assert!(!text.contains(bad), "{bad:?} in {text:?}");
    }
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = word.chars().collect();
        let camel = chars.first().is_some_and(|c| c.is_ascii_uppercase())
            && chars
                .windows(2)
                .any(|pair| pair[0].is_ascii_lowercase() && pair[1].is_ascii_uppercase());
        assert!(
            !camel || word == "OpenSSL",
            "type-like word {word:?} in {text:?}"
        );
    }
}

fn sample_cert(role: CertRole, subject: &str, issuer: &str) -> Option<ChainCert> {
    Some(ChainCert {
        role,
        summary: CertSummary {
            subject: subject.to_string(),
            issuer: issuer.to_string(),
            not_before: 1_577_836_800,
            not_after: 1_580_515_200,
        },
    })
}

/// Every rustls error kind we can build, with the certificate and webpki errors inside it.
fn rustls_errors() -> Vec<RustlsError> {
    use rustls::{
        ContentType, HandshakeType, InconsistentKeys, InvalidMessage, OtherError, PeerMisbehaved,
    };
    let webpki_errors = [
        webpki::Error::UnsupportedCertVersion,
        webpki::Error::CaUsedAsEndEntity,
        webpki::Error::EndEntityUsedAsCa,
        webpki::Error::PathLenConstraintViolated,
        webpki::Error::NameConstraintViolation,
        webpki::Error::BadDer,
        webpki::Error::ExtensionValueInvalid,
        webpki::Error::MaximumPathDepthExceeded,
        webpki::Error::SignatureAlgorithmMismatch,
        webpki::Error::UnsupportedCriticalExtension,
        webpki::Error::MalformedExtensions,
    ];
    let time = rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        1_600_000_000,
    ));
    let mut certificate_errors = vec![
        CertificateError::BadEncoding,
        CertificateError::Expired,
        CertificateError::ExpiredContext {
            time,
            not_after: time,
        },
        CertificateError::NotValidYet,
        CertificateError::NotValidYetContext {
            time,
            not_before: time,
        },
        CertificateError::Revoked,
        CertificateError::UnhandledCriticalExtension,
        CertificateError::UnknownIssuer,
        CertificateError::UnknownRevocationStatus,
        CertificateError::BadSignature,
        CertificateError::NotValidForName,
        CertificateError::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("broker.example")
                .expect("name")
                .to_owned(),
            presented: vec![
                "DnsName(\"a.example\")".to_string(),
                "IpAddress(192.0.2.1)".to_string(),
                "UniformResourceIdentifier(\"spiffe://x\")".to_string(),
            ],
        },
        CertificateError::InvalidPurpose,
        CertificateError::ApplicationVerificationFailure,
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id: vec![1, 2, 3],
            supported_algorithms: Vec::new(),
        },
        CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id: vec![1],
            public_key_algorithm_id: vec![2],
        },
    ];
    for err in webpki_errors.iter().cloned() {
        certificate_errors.push(CertificateError::Other(OtherError(Arc::new(err))));
    }
    let mut errors: Vec<RustlsError> = certificate_errors
        .into_iter()
        .map(RustlsError::InvalidCertificate)
        .collect();
    errors.extend([
        RustlsError::InappropriateMessage {
            expect_types: vec![ContentType::Handshake],
            got_type: ContentType::Alert,
        },
        RustlsError::InappropriateHandshakeMessage {
            expect_types: vec![HandshakeType::ServerHello],
            got_type: HandshakeType::Finished,
        },
        RustlsError::InvalidMessage(InvalidMessage::MissingData("ServerName")),
        RustlsError::InvalidMessage(InvalidMessage::InvalidContentType),
        RustlsError::NoCertificatesPresented,
        RustlsError::UnsupportedNameType,
        RustlsError::DecryptError,
        RustlsError::EncryptError,
        RustlsError::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon),
        RustlsError::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13),
        RustlsError::PeerMisbehaved(PeerMisbehaved::IllegalHelloRetryRequestWithUnsupportedVersion),
        RustlsError::PeerMisbehaved(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme),
        RustlsError::General("something went wrong".to_string()),
        RustlsError::FailedToGetCurrentTime,
        RustlsError::FailedToGetRandomBytes,
        RustlsError::HandshakeNotComplete,
        RustlsError::PeerSentOversizedRecord,
        RustlsError::NoApplicationProtocol,
        RustlsError::BadMaxFragmentSize,
        RustlsError::InconsistentKeys(InconsistentKeys::KeyMismatch),
        RustlsError::Other(OtherError(Arc::new(webpki::Error::BadDer))),
    ]);
    for code in 0..=255u8 {
        errors.push(RustlsError::AlertReceived(AlertDescription::from(code)));
    }
    errors
}

/// Every failure class: the rustls errors as classified in every situation, the verifier's own
/// verdicts, the setup errors. None shows a debug rendering or a type name.
#[test]
fn no_failure_message_shows_debug_formatting_or_type_names() {
    let mut texts: Vec<String> = Vec::new();
    for err in rustls_errors() {
        for (has_cert, requested) in [(false, false), (false, true), (true, false), (true, true)] {
            let ctx = FailureContext {
                alpn: Some("mqtt".to_string()),
                ..context(has_cert, requested)
            };
            for first_bytes in [&[0x16u8, 0x03, 0x03][..], &[0x20, 0x02][..], &[][..]] {
                let failure = ctx.classify(&err, first_bytes);
                texts.push(failure.to_string());
                if let crate::exit::Failure::Runtime { text, .. } =
                    crate::exit::tls_failure(&failure)
                {
                    texts.push(text);
                }
            }
        }
    }
    let broker = || sample_cert(CertRole::Broker, "CN=broker", "CN=Example CA");
    let verdicts = vec![
        TlsFailure::HostnameMismatch {
            expected: "127.0.0.1".to_string(),
            presented: vec!["broker".to_string(), "10.0.0.1".to_string()],
            from_common_name: true,
            cert: broker(),
        },
        TlsFailure::HostnameMismatch {
            expected: "a".to_string(),
            presented: Vec::new(),
            from_common_name: false,
            cert: None,
        },
        TlsFailure::UnknownCa { cert: broker() },
        TlsFailure::UnknownCa {
            cert: sample_cert(CertRole::Broker, "CN=self", "CN=self"),
        },
        TlsFailure::UnknownCa {
            cert: sample_cert(CertRole::Intermediate, "CN=root", "CN=root"),
        },
        TlsFailure::Expired {
            not_after: Some(1),
            now: Some(2),
            cert: sample_cert(CertRole::TrustedCa, "CN=ca", "CN=ca"),
        },
        TlsFailure::NotYetValid {
            not_before: Some(1),
            now: Some(0),
            cert: sample_cert(CertRole::Intermediate, "CN=mid", "CN=ca"),
        },
        TlsFailure::NotCa {
            cert: sample_cert(CertRole::Intermediate, "CN=mid", "CN=ca").expect("cert"),
            reason: "it is an X.509 version 1 certificate".to_string(),
        },
        TlsFailure::BadSignature { cert: broker() },
        TlsFailure::HandshakeSignature { cert: broker() },
        TlsFailure::HandshakeSignature { cert: None },
        TlsFailure::ClientCertRejected {
            alert: "unknown_ca".to_string(),
            cert: broker().map(|cert| cert.summary),
        },
        TlsFailure::NotTlsServer {
            reply: vec![0x20, 0x02],
        },
        TlsFailure::TlsServerOnPlainPort {
            reply: vec![0x15, 0x03],
        },
    ];
    texts.extend(verdicts.iter().map(ToString::to_string));
    let path = || std::path::PathBuf::from("/etc/mqtt/client.key");
    let setup_errors = [
        TlsSetupError::FileNotFound { path: path() },
        TlsSetupError::CertWithoutKey,
        TlsSetupError::NoTrustAnchors,
        TlsSetupError::ClientCert {
            path: path(),
            reason: "it is not a valid X.509 certificate (DER)".to_string(),
        },
        TlsSetupError::LegacyEncryptedKey { path: path() },
        TlsSetupError::KeyPassphrase {
            path: path(),
            reason: "no terminal".to_string(),
        },
        TlsSetupError::WrongPassphrase { path: path() },
        TlsSetupError::KeyLog {
            path: path(),
            reason: "Permission denied".to_string(),
        },
        TlsSetupError::KeyMismatch {
            cert: path(),
            key: path(),
        },
        TlsSetupError::InvalidHostName {
            host: "a b".to_string(),
        },
    ];
    texts.extend(setup_errors.iter().map(ToString::to_string));
    for webpki_error in [
        webpki::Error::UnsupportedCertVersion,
        webpki::Error::InvalidSignatureForPublicKey,
        webpki::Error::TrailingData(webpki::DerTypeId::Certificate),
    ] {
        texts.push(super::super::texts::webpki_error_text(&webpki_error));
    }
    assert!(texts.len() > 3000, "{}", texts.len());
    for text in &texts {
        assert_readable(text);
    }
}

#[test]
fn the_readability_check_catches_debug_renderings() {
    for bad in [
        "invalid peer certificate: Other(OtherError(UnsupportedCertVersion))",
        "peer is incompatible: NoCipherSuitesInCommon",
        "MissingSectionEnd { end_marker: [45] }",
        "rustls::Error",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_readable(bad)).is_err(),
            "{bad}"
        );
    }
    assert_readable("OpenSSL's legacy format (Proc-Type: 4,ENCRYPTED)");
}
