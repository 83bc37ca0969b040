//! rustls, webpki and alert values in words: every error text a user can see comes from here or from
//! our own sentences, never from a debug rendering (issue 12).

use std::fmt;

use rustls::{AlertDescription, CertificateError, Error as RustlsError};

/// A TLS alert description in the protocol's spelling (`certificate_required`, `unknown_ca`).
pub(super) fn alert_name(alert: &AlertDescription) -> String {
    match alert {
        AlertDescription::Unknown(code) => format!("number {code}"),
        known => alert_name_from(&format!("{known:?}")),
    }
}

/// `CamelCase` -> `camel_case`, acronyms kept together (`UnknownCA` -> `unknown_ca`).
fn alert_name_from(camel: &str) -> String {
    let chars: Vec<char> = camel.chars().collect();
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

/// A fieldless enum value's name in words (`IllegalHelloRetryRequestWithUnsupportedVersion` ->
/// `illegal hello retry request with unsupported version`), for rustls and webpki error kinds that have
/// no text of their own: anything from the first `(`, `{` or space of the rendering is dropped, so no
/// field or type name reaches a message.
fn words<T: fmt::Debug>(value: &T) -> String {
    let debug = format!("{value:?}");
    let bare = debug
        .split(['(', '{', ' '])
        .next()
        .unwrap_or_default()
        .to_string();
    alert_name_from(&bare).replace('_', " ")
}

/// A subjectAltName entry as WebPKI reports it (`DnsName("a.example")`, `IpAddress(127.0.0.1)`), as a
/// person writes it (`a.example`, `127.0.0.1`); other entries are left out.
pub(super) fn presented_name(debug: &str) -> Option<String> {
    if let Some(dns) = debug
        .strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
    {
        return Some(dns.to_string());
    }
    debug
        .strip_prefix("IpAddress(")
        .and_then(|rest| rest.strip_suffix(')'))
        .map(str::to_string)
}

/// What webpki says about a certificate (inside rustls' `CertificateError::Other`), in words.
pub(super) fn webpki_error_text(err: &webpki::Error) -> String {
    use webpki::Error as W;
    match err {
        W::UnsupportedCertVersion => "it is an X.509 version 1 or 2 certificate".to_string(),
        W::CaUsedAsEndEntity => "it is a CA certificate, not a server certificate".to_string(),
        W::EndEntityUsedAsCa => {
            "a certificate that is not a CA certificate signed another one of the chain".to_string()
        }
        W::PathLenConstraintViolated => {
            "the chain has more intermediate CAs than a CA's path length constraint allows"
                .to_string()
        }
        W::NameConstraintViolation => {
            "a name in it is outside the names a CA of the chain may certify (name constraints)"
                .to_string()
        }
        W::UnknownIssuer => "its issuer is not a trusted CA".to_string(),
        W::MaximumPathDepthExceeded | W::MaximumPathBuildCallsExceeded => {
            "its chain is too long".to_string()
        }
        other => words(other),
    }
}

/// A certificate error in words (a sentence part, no debug renderings).
pub(super) fn certificate_error_text(err: &CertificateError) -> String {
    match err {
        CertificateError::BadEncoding => "it is not a valid X.509 certificate (bad DER encoding)".to_string(),
        CertificateError::UnhandledCriticalExtension => {
            "it has a critical extension that we do not handle".to_string()
        }
        CertificateError::Revoked => "it has been revoked".to_string(),
        CertificateError::BadSignature => "a signature in its chain does not verify".to_string(),
        #[allow(deprecated)]
        CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "it (or a CA certificate of its chain) is signed with an algorithm we do not accept: SHA-1 and \
             MD5 signatures, RSA keys under 2048 bits and DSA are refused"
                .to_string()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "it is not for TLS servers (its extended key usage does not include serverAuth)".to_string()
        }
        CertificateError::ApplicationVerificationFailure => "it was refused".to_string(),
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki) => webpki_error_text(webpki),
            None => other.0.to_string(),
        },
        other => words(other),
    }
}

/// Any rustls error in words (a sentence part, no debug renderings).
pub(super) fn rustls_error_text(err: &RustlsError) -> String {
    match err {
        RustlsError::InappropriateMessage { .. }
        | RustlsError::InappropriateHandshakeMessage { .. } => {
            "the broker sent a TLS message that does not fit the handshake".to_string()
        }
        RustlsError::InvalidMessage(what) => {
            format!("the broker sent a malformed TLS message ({})", words(what))
        }
        RustlsError::NoCertificatesPresented => "the broker sent no certificate".to_string(),
        RustlsError::DecryptError => {
            "a TLS record from the broker could not be decrypted".to_string()
        }
        RustlsError::EncryptError => "a TLS record could not be encrypted".to_string(),
        RustlsError::PeerIncompatible(what) => {
            format!(
                "the broker's TLS is incompatible with ours ({})",
                words(what)
            )
        }
        RustlsError::PeerMisbehaved(what) => {
            format!("the broker broke the TLS protocol ({})", words(what))
        }
        RustlsError::AlertReceived(alert) => {
            format!("the broker sent the alert {}", alert_name(alert))
        }
        RustlsError::InvalidCertificate(cert) => certificate_error_text(cert),
        RustlsError::General(text) => text.clone(),
        RustlsError::FailedToGetCurrentTime => "the system clock cannot be read".to_string(),
        RustlsError::FailedToGetRandomBytes => "no random numbers are available".to_string(),
        RustlsError::HandshakeNotComplete => "the handshake did not complete".to_string(),
        RustlsError::PeerSentOversizedRecord => {
            "the broker sent an oversized TLS record".to_string()
        }
        RustlsError::NoApplicationProtocol => {
            "the broker accepts none of the ALPN protocols offered".to_string()
        }
        RustlsError::InconsistentKeys(_) => {
            "the client certificate and key do not belong together".to_string()
        }
        RustlsError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki) => webpki_error_text(webpki),
            None => other.0.to_string(),
        },
        other => words(other),
    }
}
