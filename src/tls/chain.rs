//! The chain check for the certificates webpki cannot read (X.509 version 1), with the rules OpenSSL 3
//! applies in mosquitto 2.0.11 (`X509_verify_cert` with its default flags, purpose `ssl_server`):
//!
//! - Building: from the broker's certificate up, each issuer is looked for among the trusted CA
//!   certificates first (OpenSSL's default "trusted first"), then among the certificates the broker sent,
//!   by subject name, and accepted only if its key verifies the signature. The chain ends at the first
//!   trusted certificate. No issuer: unknown CA; a self-signed certificate that is not trusted: refused.
//! - CA rules (OpenSSL's `check_ca`): a certificate that signs another must have basic constraints with
//!   `cA` true, except the trusted certificate at the top, which may also be a **version 1 self-signed**
//!   certificate or one whose key usage allows certificate signing. So a v1 root from the trust store is
//!   a CA, a v1 intermediate is not. A key usage extension, when present on a CA, must allow certificate
//!   signing; path length constraints are enforced (self-issued certificates do not count).
//! - Purpose `ssl_server`: an extended key usage, where present (broker or CA certificate), must include
//!   serverAuth; a key usage on the broker's certificate must allow digital signature, key encipherment
//!   or key agreement.
//! - Unknown critical extensions are refused. Name constraints, which OpenSSL enforces, are refused
//!   here (fail closed: no such chain has been seen with v1 certificates).
//! - Validity dates of every certificate, the trusted one included: valid when
//!   `notBefore <= now <= notAfter`.
//! - Signatures are checked with the crypto provider's algorithms (the same list webpki uses: no SHA-1,
//!   no RSA keys under 2048 bits). The trusted certificate's own signature is not checked (OpenSSL
//!   neither: it is trusted as it is).
//!
//! The first problem found is reported, naming the certificate (see [`TlsFailure`]).

use super::cert::{CertInfo, CertRole, ChainCert};
use super::failure::TlsFailure;

/// The longest chain followed (OpenSSL's default verify depth is 100).
const MAX_DEPTH: usize = 100;

/// Whether a signature verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signature {
    Valid,
    Invalid,
    /// The algorithm (or the key type) is not one the provider accepts.
    Unsupported,
}

/// Checks a signature made by the key in `spki` (SubjectPublicKeyInfo DER) with the algorithm whose
/// AlgorithmIdentifier contents are `algorithm`.
pub(crate) trait SignatureCheck {
    fn check(&self, spki: &[u8], algorithm: &[u8], message: &[u8], signature: &[u8]) -> Signature;
}

fn chain_cert(cert: &CertInfo, role: CertRole) -> ChainCert {
    ChainCert {
        role,
        summary: cert.summary.clone(),
    }
}

fn signed_by(cert: &CertInfo, issuer: &CertInfo, signatures: &dyn SignatureCheck) -> Signature {
    signatures.check(
        &issuer.spki,
        &cert.signature_algorithm,
        &cert.tbs,
        &cert.signature,
    )
}

fn is_trusted(cert: &CertInfo, anchors: &[CertInfo]) -> bool {
    anchors
        .iter()
        .any(|anchor| anchor.subject_der == cert.subject_der && anchor.spki == cert.spki)
}

/// The best issuer among `candidates` for `cert`: the first whose key verifies the signature, or the
/// verdict for the last one tried.
fn find_issuer<'a>(
    cert: &CertInfo,
    candidates: impl Iterator<Item = (usize, &'a CertInfo)>,
    signatures: &dyn SignatureCheck,
    seen: &mut Option<Signature>,
) -> Option<usize> {
    for (index, candidate) in candidates {
        if candidate.subject_der != cert.issuer_der {
            continue;
        }
        match signed_by(cert, candidate, signatures) {
            Signature::Valid => return Some(index),
            other => *seen = Some(other),
        }
    }
    None
}

/// The chain from the broker's certificate to a trusted one: (certificate, role) from the bottom up.
fn build<'a>(
    leaf: &'a CertInfo,
    intermediates: &'a [CertInfo],
    anchors: &'a [CertInfo],
    signatures: &dyn SignatureCheck,
) -> Result<Vec<(&'a CertInfo, CertRole)>, TlsFailure> {
    let mut chain: Vec<(&CertInfo, CertRole)> = vec![(leaf, CertRole::Broker)];
    let mut used = vec![false; intermediates.len()];
    while chain.len() <= MAX_DEPTH {
        let &(current, role) = chain.last().unwrap_or(&(leaf, CertRole::Broker));
        if is_trusted(current, anchors) {
            return Ok(chain);
        }
        let mut seen = None;
        if let Some(index) = find_issuer(current, anchors.iter().enumerate(), signatures, &mut seen)
        {
            chain.push((&anchors[index], CertRole::TrustedCa));
            return Ok(chain);
        }
        if current.self_issued() && signed_by(current, current, signatures) == Signature::Valid {
            return Err(TlsFailure::UnknownCa {
                cert: Some(chain_cert(current, role)),
            });
        }
        let unused = intermediates
            .iter()
            .enumerate()
            .filter(|(index, _)| !used[*index]);
        match find_issuer(current, unused, signatures, &mut seen) {
            Some(index) => {
                used[index] = true;
                chain.push((&intermediates[index], CertRole::Intermediate));
            }
            None => {
                let cert = Some(chain_cert(current, role));
                return Err(match seen {
                    Some(Signature::Invalid) => TlsFailure::BadSignature { cert },
                    Some(Signature::Unsupported) => TlsFailure::BadServerCertificate {
                        reason: format!(
                            "{} is signed with an algorithm we do not accept: SHA-1 and MD5 signatures, \
                             RSA keys under 2048 bits and DSA are refused",
                            chain_cert(current, role).name()
                        ),
                    },
                    _ => TlsFailure::UnknownCa { cert },
                });
            }
        }
    }
    Err(TlsFailure::BadServerCertificate {
        reason: format!("its chain is longer than {MAX_DEPTH} certificates"),
    })
}

/// Why `cert` (at `position` in a chain of `length`) may not sign other certificates (OpenSSL's
/// `check_ca`), or `None` when it may.
fn not_a_ca(cert: &CertInfo, is_top: bool) -> Option<String> {
    if let Some(usage) = cert.key_usage
        && !usage.cert_sign
    {
        return Some("its key usage does not allow signing certificates".to_string());
    }
    match cert.basic_constraints {
        Some(constraints) if constraints.ca => None,
        Some(_) => Some("its basic constraints say it is not a CA".to_string()),
        None if cert.version == 1 && cert.self_issued() && is_top => None,
        None if cert.version == 1 => Some(
            "it is an X.509 version 1 certificate, which OpenSSL accepts as a CA only as a self-signed \
             root among the trusted CA certificates, never as an intermediate"
                .to_string(),
        ),
        None if is_top && cert.key_usage.is_some() => None,
        None => Some("it has no basic constraints extension saying it is a CA".to_string()),
    }
}

/// Verifies the broker's chain by OpenSSL's rules (module docs); `now` in Unix seconds.
pub(crate) fn verify(
    leaf: &CertInfo,
    intermediates: &[CertInfo],
    anchors: &[CertInfo],
    now: i64,
    signatures: &dyn SignatureCheck,
) -> Result<(), TlsFailure> {
    let chain = build(leaf, intermediates, anchors, signatures)?;
    let top = chain.len() - 1;
    let mut below = 0u32; // CA certificates under the current one that are not self-issued
    for (index, &(cert, role)) in chain.iter().enumerate() {
        let named = || chain_cert(cert, role);
        if let Some(oid) = &cert.unhandled_critical {
            return Err(TlsFailure::BadServerCertificate {
                reason: format!(
                    "{} has a critical extension that we do not handle ({oid})",
                    named().name()
                ),
            });
        }
        if cert.eku_server_auth == Some(false) {
            return Err(TlsFailure::BadServerCertificate {
                reason: format!(
                    "{} is not for TLS servers (its extended key usage does not include serverAuth)",
                    named().name()
                ),
            });
        }
        if index == 0 {
            if let Some(usage) = cert.key_usage
                && !usage.tls_server
            {
                return Err(TlsFailure::BadServerCertificate {
                    reason: format!(
                        "{} is not for TLS servers (its key usage allows neither digital signature, key \
                         encipherment nor key agreement)",
                        named().name()
                    ),
                });
            }
            continue;
        }
        if let Some(reason) = not_a_ca(cert, index == top) {
            return Err(TlsFailure::NotCa {
                cert: named(),
                reason,
            });
        }
        if cert.has_name_constraints {
            return Err(TlsFailure::BadServerCertificate {
                reason: format!(
                    "{} has name constraints, which are not supported in a chain with an X.509 version 1 \
                     certificate",
                    named().name()
                ),
            });
        }
        if index > 1
            && let Some(limit) = cert.basic_constraints.and_then(|bc| bc.path_len)
            && below > limit
        {
            return Err(TlsFailure::NotCa {
                cert: named(),
                reason: format!(
                    "its path length constraint allows {limit} intermediate CA certificate(s) below it, \
                     the chain has {below}"
                ),
            });
        }
        if !cert.self_issued() {
            below += 1;
        }
    }
    // OpenSSL checks the dates from the top down.
    for &(cert, role) in chain.iter().rev() {
        let now_secs = u64::try_from(now).ok();
        if now < cert.summary.not_before {
            return Err(TlsFailure::NotYetValid {
                not_before: u64::try_from(cert.summary.not_before).ok(),
                now: now_secs,
                cert: Some(chain_cert(cert, role)),
            });
        }
        if now > cert.summary.not_after {
            return Err(TlsFailure::Expired {
                not_after: u64::try_from(cert.summary.not_after).ok(),
                now: now_secs,
                cert: Some(chain_cert(cert, role)),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::cert::{BasicConstraints, CertSummary, KeyUsage};
    use super::*;

    /// Signatures in these tests: the signature bytes name the key (SPKI) that made them.
    struct NamedKeys;

    impl SignatureCheck for NamedKeys {
        fn check(&self, spki: &[u8], algorithm: &[u8], _: &[u8], signature: &[u8]) -> Signature {
            if algorithm == b"sha1" {
                Signature::Unsupported
            } else if signature == spki {
                Signature::Valid
            } else {
                Signature::Invalid
            }
        }
    }

    /// A certificate `name` issued by `issuer` (signed by the key `issuer`), valid 1000..2000.
    fn cert(version: u32, name: &str, issuer: &str) -> CertInfo {
        CertInfo {
            version,
            summary: CertSummary {
                subject: format!("CN={name}"),
                issuer: format!("CN={issuer}"),
                not_before: 1000,
                not_after: 2000,
            },
            subject_der: name.as_bytes().to_vec(),
            issuer_der: issuer.as_bytes().to_vec(),
            common_name: Some(name.as_bytes().to_vec()),
            san_dns: Vec::new(),
            san_ip: Vec::new(),
            basic_constraints: None,
            key_usage: None,
            eku_server_auth: None,
            has_name_constraints: false,
            unhandled_critical: None,
            spki: format!("key-{name}").into_bytes(),
            tbs: Vec::new(),
            signature_algorithm: b"sha256".to_vec(),
            signature: format!("key-{issuer}").into_bytes(),
        }
    }

    fn ca(version: u32, name: &str, issuer: &str) -> CertInfo {
        let mut cert = cert(version, name, issuer);
        if version == 3 {
            cert.basic_constraints = Some(BasicConstraints {
                ca: true,
                path_len: None,
            });
        }
        cert
    }

    /// The chain check at time 1500 with one trusted certificate.
    fn check(
        leaf: &CertInfo,
        intermediates: &[CertInfo],
        anchor: &CertInfo,
    ) -> Result<(), TlsFailure> {
        verify(
            leaf,
            intermediates,
            std::slice::from_ref(anchor),
            1500,
            &NamedKeys,
        )
    }

    fn kind(result: Result<(), TlsFailure>) -> String {
        match result {
            Ok(()) => "ok".to_string(),
            Err(TlsFailure::NotCa { cert, .. }) => format!("not a CA: {}", cert.summary.subject),
            Err(TlsFailure::UnknownCa { cert: Some(cert) })
                if cert.summary.subject == cert.summary.issuer =>
            {
                format!("self-signed {}", cert.summary.subject)
            }
            Err(TlsFailure::UnknownCa { cert }) => {
                format!(
                    "unknown CA for {}",
                    cert.map(|c| c.summary.subject).unwrap_or_default()
                )
            }
            Err(TlsFailure::Expired { cert, .. }) => {
                format!(
                    "expired {}",
                    cert.map(|c| c.summary.subject).unwrap_or_default()
                )
            }
            Err(TlsFailure::NotYetValid { cert, .. }) => {
                format!(
                    "not yet valid {}",
                    cert.map(|c| c.summary.subject).unwrap_or_default()
                )
            }
            Err(TlsFailure::BadSignature { cert }) => {
                format!(
                    "bad signature on {}",
                    cert.map(|c| c.summary.subject).unwrap_or_default()
                )
            }
            Err(other) => format!("other: {other}"),
        }
    }

    /// OpenSSL's `check_ca`: v1 self-signed roots are CAs when trusted, v1 intermediates never are.
    #[test]
    fn v1_roots_are_cas_v1_intermediates_are_not() {
        let v1_root = ca(1, "root", "root");
        let v3_root = ca(3, "root", "root");
        let leaf = cert(1, "leaf", "root");
        assert_eq!(kind(check(&leaf, &[], &v1_root)), "ok");
        assert_eq!(kind(check(&leaf, &[], &v3_root)), "ok");
        let v3_mid = ca(3, "mid", "root");
        let v1_mid = ca(1, "mid", "root");
        let below_mid = cert(1, "leaf", "mid");
        assert_eq!(kind(check(&below_mid, &[v3_mid], &v3_root)), "ok");
        assert_eq!(
            kind(check(&below_mid, &[v1_mid], &v3_root)),
            "not a CA: CN=mid"
        );
        // a v3 intermediate without basic constraints is no CA either
        let bare_mid = cert(3, "mid", "root");
        assert_eq!(
            kind(check(&below_mid, &[bare_mid], &v3_root)),
            "not a CA: CN=mid"
        );
        // a trusted v3 root without basic constraints but with key usage keyCertSign is tolerated
        let mut ku_root = cert(3, "root", "root");
        ku_root.key_usage = Some(KeyUsage {
            cert_sign: true,
            tls_server: false,
        });
        assert_eq!(kind(check(&leaf, &[], &ku_root)), "ok");
        ku_root.key_usage = Some(KeyUsage {
            cert_sign: false,
            tls_server: true,
        });
        assert_eq!(kind(check(&leaf, &[], &ku_root)), "not a CA: CN=root");
        // a v1 trusted certificate that is not self-signed is not a CA
        let v1_sub = ca(1, "sub", "elsewhere");
        assert_eq!(
            kind(check(&cert(1, "leaf", "sub"), &[], &v1_sub)),
            "not a CA: CN=sub"
        );
    }

    #[test]
    fn issuers_must_be_trusted_and_signatures_must_verify() {
        let root = ca(3, "root", "root");
        assert_eq!(
            kind(check(&cert(1, "leaf", "other"), &[], &root)),
            "unknown CA for CN=leaf"
        );
        // the broker sent its CA, but the CA is not trusted
        assert_eq!(
            kind(check(
                &cert(1, "leaf", "other"),
                &[ca(3, "other", "other")],
                &root
            )),
            "self-signed CN=other"
        );
        assert_eq!(
            kind(check(&cert(1, "self", "self"), &[], &root)),
            "self-signed CN=self"
        );
        // the issuer's name matches but its key did not sign
        let mut forged = cert(1, "leaf", "root");
        forged.signature = b"key-mallory".to_vec();
        assert_eq!(kind(check(&forged, &[], &root)), "bad signature on CN=leaf");
        let mut sha1 = cert(1, "leaf", "root");
        sha1.signature_algorithm = b"sha1".to_vec();
        assert!(kind(check(&sha1, &[], &root)).contains("algorithm we do not accept"));
        // a trusted leaf needs no issuer
        let leaf = cert(1, "leaf", "unknown");
        assert_eq!(kind(check(&leaf, &[], &leaf)), "ok");
    }

    #[test]
    fn every_certificate_must_be_valid_now_checked_from_the_top() {
        let mut root = ca(3, "root", "root");
        let mut leaf = cert(1, "leaf", "root");
        leaf.summary.not_after = 1400;
        assert_eq!(kind(check(&leaf, &[], &root)), "expired CN=leaf");
        root.summary.not_before = 1600;
        assert_eq!(kind(check(&leaf, &[], &root)), "not yet valid CN=root");
        // the edges are inclusive
        let mut edge = cert(1, "leaf", "root");
        edge.summary.not_after = 1500;
        edge.summary.not_before = 1500;
        assert_eq!(kind(check(&edge, &[], &ca(3, "root", "root"))), "ok");
    }

    #[test]
    fn purposes_path_lengths_and_critical_extensions() {
        let root = ca(3, "root", "root");
        let mut leaf = cert(3, "leaf", "root");
        leaf.eku_server_auth = Some(false);
        assert!(kind(check(&leaf, &[], &root)).contains("not for TLS servers"));
        leaf.eku_server_auth = Some(true);
        leaf.key_usage = Some(KeyUsage {
            cert_sign: true,
            tls_server: false,
        });
        assert!(kind(check(&leaf, &[], &root)).contains("not for TLS servers"));
        leaf.key_usage = None;
        leaf.unhandled_critical = Some("1.2.3.4".to_string());
        assert!(kind(check(&leaf, &[], &root)).contains("(1.2.3.4)"));

        let mut limited = ca(3, "root", "root");
        limited.basic_constraints = Some(BasicConstraints {
            ca: true,
            path_len: Some(0),
        });
        let mid = ca(3, "mid", "root");
        let below = cert(1, "leaf", "mid");
        assert_eq!(
            kind(check(&below, std::slice::from_ref(&mid), &limited)),
            "not a CA: CN=root"
        );
        assert_eq!(kind(check(&cert(1, "leaf", "root"), &[], &limited)), "ok");
        let mut constrained = mid;
        constrained.has_name_constraints = true;
        assert!(kind(check(&below, &[constrained], &root)).contains("name constraints"));
    }
}
