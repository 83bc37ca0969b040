//! What the TLS code needs to know about one X.509 certificate, read with `x509-parser` (which, unlike
//! webpki, reads version 1 certificates): [`CertInfo`] for the OpenSSL-rule chain check and the host name
//! check, and [`CertSummary`], the subject, issuer and validity that error messages name.

use std::fmt;
use std::net::IpAddr;

use x509_parser::asn1_rs::{Any, FromDer};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry as oids;

use crate::calendar::format_utc;

/// The subject, issuer and validity of a certificate, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// The subject as OpenSSL's one-line form writes it (`CN=broker, O=Example`).
    pub subject: String,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
}

/// A date for messages (`2020-02-01 00:00:00 UTC`); dates before 1970 are shown as 1970.
pub(crate) fn utc(secs: i64) -> String {
    format_utc(u64::try_from(secs).unwrap_or(0))
}

impl fmt::Display for CertSummary {
    /// `subject "CN=broker", issuer "CN=Example CA", valid from ... until ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "subject \"{}\", issuer \"{}\", valid from {} until {}",
            self.subject,
            self.issuer,
            utc(self.not_before),
            utc(self.not_after)
        )
    }
}

/// Where a certificate sits in the broker's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRole {
    /// The broker's own certificate.
    Broker,
    /// A CA certificate the broker sent with its own.
    Intermediate,
    /// A CA certificate from `--cafile`, `--capath` or the system's store.
    TrustedCa,
}

/// A certificate named in a message: its role and its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCert {
    pub role: CertRole,
    pub summary: CertSummary,
}

impl ChainCert {
    fn role_text(&self) -> &'static str {
        match self.role {
            CertRole::Broker => "the broker's certificate",
            CertRole::Intermediate => "the CA certificate in the broker's chain",
            CertRole::TrustedCa => "the trusted CA certificate",
        }
    }

    /// `the broker's certificate (subject "CN=x", issuer "CN=y")`
    pub fn name(&self) -> String {
        format!(
            "{} (subject \"{}\", issuer \"{}\")",
            self.role_text(),
            self.summary.subject,
            self.summary.issuer
        )
    }

    /// `the broker's certificate (subject "CN=x", issuer "CN=y", valid from ... until ...)`
    pub fn full(&self) -> String {
        format!("{} ({})", self.role_text(), self.summary)
    }
}

/// Basic constraints (`cA`, `pathLenConstraint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BasicConstraints {
    pub(crate) ca: bool,
    pub(crate) path_len: Option<u32>,
}

/// Key usage bits the chain rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyUsage {
    pub(crate) cert_sign: bool,
    /// digitalSignature, keyEncipherment or keyAgreement: what a TLS server key needs (OpenSSL's
    /// `ssl_server` purpose accepts any of them).
    pub(crate) tls_server: bool,
}

/// One certificate, parsed: everything the OpenSSL-rule checks (`chain.rs`, `hostname.rs`) use.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    /// 1, 2 or 3 (the X.509 version, not its encoding).
    pub(crate) version: u32,
    pub(crate) summary: CertSummary,
    /// The DER encodings of the subject and issuer names (compared as bytes when building chains).
    pub(crate) subject_der: Vec<u8>,
    pub(crate) issuer_der: Vec<u8>,
    /// The first Common Name of the subject as bytes (mosquitto compares only the first).
    pub(crate) common_name: Option<Vec<u8>>,
    /// The subjectAltName DNS names and IP addresses.
    pub(crate) san_dns: Vec<String>,
    pub(crate) san_ip: Vec<IpAddr>,
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    /// `Some(allows serverAuth)` when the certificate has an extended key usage extension.
    pub(crate) eku_server_auth: Option<bool>,
    pub(crate) has_name_constraints: bool,
    /// A critical extension that neither OpenSSL's default checks nor ours handle (its OID).
    pub(crate) unhandled_critical: Option<String>,
    /// The whole SubjectPublicKeyInfo (DER) and the signed parts.
    pub(crate) spki: Vec<u8>,
    pub(crate) tbs: Vec<u8>,
    /// The contents of the signatureAlgorithm AlgorithmIdentifier (what webpki's algorithm ids hold).
    pub(crate) signature_algorithm: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

impl CertInfo {
    /// Reads a DER certificate; `Err` says what is wrong with it in words.
    pub(crate) fn parse(der: &[u8]) -> Result<CertInfo, String> {
        let (rest, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| "it is not a valid X.509 certificate (DER)".to_string())?;
        if !rest.is_empty() {
            return Err("it has trailing bytes after the certificate".to_string());
        }
        let tbs = &cert.tbs_certificate;
        let malformed =
            |what: &str| format!("its {what} extension is malformed or present more than once");
        let basic_constraints = tbs
            .basic_constraints()
            .map_err(|_| malformed("basic constraints"))?
            .map(|ext| BasicConstraints {
                ca: ext.value.ca,
                path_len: ext.value.path_len_constraint,
            });
        let key_usage = tbs
            .key_usage()
            .map_err(|_| malformed("key usage"))?
            .map(|ext| KeyUsage {
                cert_sign: ext.value.key_cert_sign(),
                tls_server: ext.value.digital_signature()
                    || ext.value.key_encipherment()
                    || ext.value.key_agreement(),
            });
        let eku_server_auth = tbs
            .extended_key_usage()
            .map_err(|_| malformed("extended key usage"))?
            .map(|ext| ext.value.server_auth);
        let mut san_dns = Vec::new();
        let mut san_ip = Vec::new();
        if let Some(san) = tbs
            .subject_alternative_name()
            .map_err(|_| malformed("subject alternative name"))?
        {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(dns) => san_dns.push(dns.to_string()),
                    GeneralName::IPAddress(bytes) => {
                        if let Ok(v4) = <[u8; 4]>::try_from(*bytes) {
                            san_ip.push(IpAddr::from(v4));
                        } else if let Ok(v6) = <[u8; 16]>::try_from(*bytes) {
                            san_ip.push(IpAddr::from(v6));
                        }
                    }
                    _ => {}
                }
            }
        }
        let handled = [
            oids::OID_X509_EXT_BASIC_CONSTRAINTS,
            oids::OID_X509_EXT_KEY_USAGE,
            oids::OID_X509_EXT_EXTENDED_KEY_USAGE,
            oids::OID_X509_EXT_SUBJECT_ALT_NAME,
            oids::OID_X509_EXT_CERTIFICATE_POLICIES,
            oids::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
            oids::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
        ];
        let unhandled_critical = tbs
            .extensions()
            .iter()
            .find(|ext| ext.critical && !handled.contains(&ext.oid))
            .map(|ext| ext.oid.to_id_string());
        let has_name_constraints = tbs
            .extensions()
            .iter()
            .any(|ext| ext.oid == oids::OID_X509_EXT_NAME_CONSTRAINTS);
        let common_name = tbs.subject().iter_common_name().next().map(|cn| {
            let bytes = cn.as_slice();
            bytes[..bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())].to_vec()
        });
        Ok(CertInfo {
            version: tbs.version.0 + 1,
            summary: summary_of(&cert),
            subject_der: tbs.subject().as_raw().to_vec(),
            issuer_der: tbs.issuer().as_raw().to_vec(),
            common_name,
            san_dns,
            san_ip,
            basic_constraints,
            key_usage,
            eku_server_auth,
            has_name_constraints,
            unhandled_critical,
            spki: tbs.public_key().raw.to_vec(),
            tbs: tbs.as_ref().to_vec(),
            signature_algorithm: signature_algorithm_contents(der)
                .ok_or_else(|| "its signature algorithm cannot be read".to_string())?
                .to_vec(),
            signature: cert.signature_value.data.to_vec(),
        })
    }

    /// The subject is also the issuer (a root, or a self-issued CA certificate).
    pub(crate) fn self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    /// Whether it has a subjectAltName DNS name (then mosquitto ignores the Common Name).
    pub(crate) fn has_san_dns(&self) -> bool {
        !self.san_dns.is_empty()
    }

    /// The first Common Name as text (for messages).
    pub(crate) fn common_name_text(&self) -> Option<String> {
        self.common_name
            .as_ref()
            .map(|cn| String::from_utf8_lossy(cn).into_owned())
    }
}

/// The summary of a certificate, or `None` when it cannot be read.
pub(crate) fn summarize(der: &[u8]) -> Option<CertSummary> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, cert)| summary_of(&cert))
}

/// The X.509 version of a DER certificate (1 or 3; `None` when it cannot be read).
pub(crate) fn version_of(der: &[u8]) -> Option<u32> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, cert)| cert.tbs_certificate.version.0 + 1)
}

fn summary_of(cert: &X509Certificate<'_>) -> CertSummary {
    let name = |name: &x509_parser::x509::X509Name<'_>| {
        let text = name.to_string();
        if text.is_empty() {
            "(empty)".to_string()
        } else {
            text
        }
    };
    CertSummary {
        subject: name(cert.subject()),
        issuer: name(cert.issuer()),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
    }
}

/// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }: the
/// contents of signatureAlgorithm, the form webpki's algorithm identifiers compare against.
fn signature_algorithm_contents(der: &[u8]) -> Option<&[u8]> {
    let (_, certificate) = Any::from_der(der).ok()?;
    let (after_tbs, _tbs) = Any::from_der(certificate.data).ok()?;
    let (_, algorithm) = Any::from_der(after_tbs).ok()?;
    Some(algorithm.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_as_a_person_writes_them() {
        let summary = CertSummary {
            subject: "CN=broker".to_string(),
            issuer: "CN=Example CA".to_string(),
            not_before: 1_577_836_800,
            not_after: 1_580_515_200,
        };
        assert_eq!(
            summary.to_string(),
            "subject \"CN=broker\", issuer \"CN=Example CA\", valid from 2020-01-01 00:00:00 UTC until \
             2020-02-01 00:00:00 UTC"
        );
        assert_eq!(utc(-5), "1970-01-01 00:00:00 UTC");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(
            CertInfo::parse(b"\x30\x03\x02\x01\x01").map(|_| ()),
            Err("it is not a valid X.509 certificate (DER)".to_string())
        );
        assert_eq!(version_of(b"nope"), None);
    }
}
