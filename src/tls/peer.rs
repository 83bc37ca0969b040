//! What a finished TLS handshake negotiated, and who the broker said it is: the version, the cipher
//! suite, the ALPN protocol and the certificate chain it sent (subject, issuer, validity, SAN of
//! each), for traces (`--trace`). Built only when asked for: parsing the chain costs more than the
//! handshake needs.

use std::fmt::Write as _;

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// A finished handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSummary {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// OpenSSL's name when we know it (`TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`).
    pub cipher: String,
    /// The protocol the broker chose, when ALPN was offered and accepted (lossy UTF-8).
    pub alpn: Option<String>,
    /// The broker's chain as it sent it: its own certificate first.
    pub peer_chain: Vec<PeerCertificate>,
}

/// One certificate of the broker's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    /// RFC 4514 style: `CN=broker, O=Example`.
    pub subject: String,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// subjectAltName entries: `DNS:name`, `IP:address`, `email:...`, `URI:...`.
    pub san: Vec<String>,
    /// A certificate that does not parse (the handshake accepted it, so this is unlikely) keeps
    /// only why.
    pub parse_error: Option<String>,
}

/// Reads what a trace shows of one DER certificate.
pub fn describe_certificate(der: &[u8]) -> PeerCertificate {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(err) => {
            return PeerCertificate {
                subject: String::new(),
                issuer: String::new(),
                not_before: 0,
                not_after: 0,
                san: Vec::new(),
                parse_error: Some(err.to_string()),
            };
        }
    };
    let mut san = Vec::new();
    if let Ok(Some(extension)) = cert.subject_alternative_name() {
        for name in &extension.value.general_names {
            san.push(general_name(name));
        }
    }
    PeerCertificate {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        san,
        parse_error: None,
    }
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
        GeneralName::RFC822Name(mail) => format!("email:{mail}"),
        GeneralName::URI(uri) => format!("URI:{uri}"),
        GeneralName::IPAddress(bytes) => match ip_address(bytes) {
            Some(ip) => format!("IP:{ip}"),
            None => hex("IP:", bytes),
        },
        other => format!("{other}"),
    }
}

fn ip_address(bytes: &[u8]) -> Option<std::net::IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(std::net::IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from)
}

fn hex(prefix: &str, bytes: &[u8]) -> String {
    let mut text = String::from(prefix);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_shows_its_names_validity_and_san() {
        let mut params =
            rcgen::CertificateParams::new(vec!["broker.test".to_string()]).expect("params");
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress("127.0.0.1".parse().expect("ip")));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "broker.test");
        params.not_before = rcgen::date_time_ymd(2020, 1, 2);
        params.not_after = rcgen::date_time_ymd(2040, 3, 4);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("cert");
        let described = describe_certificate(cert.der());
        assert_eq!(described.subject, "CN=broker.test");
        assert_eq!(described.issuer, "CN=broker.test");
        let day = |y, m, d| crate::calendar::days_from_civil(y, m, d) * 86_400;
        assert_eq!(described.not_before, day(2020, 1, 2));
        assert_eq!(described.not_after, day(2040, 3, 4));
        assert_eq!(described.san, ["DNS:broker.test", "IP:127.0.0.1"]);
        assert_eq!(described.parse_error, None);
    }

    #[test]
    fn garbage_is_described_as_unparsable() {
        let described = describe_certificate(b"not a certificate");
        assert!(described.parse_error.is_some());
        assert!(described.san.is_empty());
    }
}
