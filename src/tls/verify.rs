//! The rustls callbacks: [`ServerVerifier`] (the broker's certificate, as mosquitto 2.0.11 checks it)
//! and [`ClientCertResolver`] (`--cert`/`--key`, which also counts the broker's requests for a client
//! certificate).
//!
//! # The broker's certificate
//! 1. webpki (rustls' verifier) checks the chain. When it accepts the chain (its verdict "not valid for
//!    this name" also means the chain was fine: it checks the name last), only the host name is left.
//! 2. When webpki refuses a chain in which a certificate is X.509 version 1 (which webpki cannot read at
//!    all: mosquitto's own TLS guide makes such certificates), the chain is checked instead by
//!    `chain.rs`, with OpenSSL's rules, on certificates read by x509-parser and signatures verified by
//!    the crypto provider's algorithms through webpki's raw public key API.
//! 3. The host name is then checked with mosquitto 2.0.11's rule (`hostname.rs`: subjectAltName, else the
//!    Common Name), for every certificate, so that rpub accepts the names mosquitto_pub accepts.
//!    `--insecure` skips this step only.
//! 4. The handshake signature (the proof that the broker holds the certificate's key) is checked by
//!    rustls' functions; for a version 1 certificate by the same algorithms on its public key.
//!
//! Every refusal leaves a [`TlsFailure`] naming the certificate in the connection's verdict slot (rustls'
//! error carries only the kind, which chooses the TLS alert sent to the broker). One verifier serves one
//! connection ([`ServerVerifier::for_connection`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::client::ResolvesClientCert;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls13_signature_with_raw_key};
use rustls::pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, DigitallySignedStruct, Error as RustlsError, PeerMisbehaved, SignatureScheme,
};

use super::cert::{CertInfo, CertRole, ChainCert, summarize, version_of};
use super::chain::{self, Signature, SignatureCheck};
use super::failure::{TlsFailure, VerdictSlot};
use super::hostname::{matches_host, presented_names};
use super::texts::certificate_error_text;

/// What every connection's verifier shares: webpki's verifier, the trusted certificates (parsed only
/// when a version 1 chain needs them) and the provider's signature algorithms.
#[derive(Debug)]
pub(super) struct VerifierCore {
    pub(super) webpki: Arc<WebPkiServerVerifier>,
    pub(super) anchors: Vec<CertificateDer<'static>>,
    pub(super) parsed_anchors: OnceLock<Vec<CertInfo>>,
    pub(super) algorithms: WebPkiSupportedAlgorithms,
    /// `--insecure`
    pub(super) insecure: bool,
}

impl VerifierCore {
    fn anchors(&self) -> &[CertInfo] {
        self.parsed_anchors.get_or_init(|| {
            self.anchors
                .iter()
                .filter_map(|der| CertInfo::parse(der).ok())
                .collect()
        })
    }
}

/// The broker-certificate verifier of one connection (see the module docs).
#[derive(Debug)]
pub(super) struct ServerVerifier {
    pub(super) core: Arc<VerifierCore>,
    /// The `-h` value as given (mosquitto compares the Common Name with it as text); empty: the name
    /// rustls was given (the shared configuration's verifier).
    pub(super) host: String,
    pub(super) verdict: VerdictSlot,
}

impl ServerVerifier {
    pub(super) fn for_connection(
        core: &Arc<VerifierCore>,
        host: &str,
        verdict: VerdictSlot,
    ) -> Self {
        ServerVerifier {
            core: Arc::clone(core),
            host: host.to_string(),
            verdict,
        }
    }

    /// Keeps `failure` for the message and returns the rustls error of the same kind (for the alert).
    fn refuse(&self, failure: TlsFailure) -> RustlsError {
        let kind = match &failure {
            TlsFailure::HostnameMismatch { .. } => CertificateError::NotValidForName,
            TlsFailure::Expired { .. } => CertificateError::Expired,
            TlsFailure::NotYetValid { .. } => CertificateError::NotValidYet,
            TlsFailure::BadSignature { .. } => CertificateError::BadSignature,
            // OpenSSL sends unknown_ca for an unknown issuer, a self-signed certificate and an invalid CA
            TlsFailure::UnknownCa { .. } | TlsFailure::NotCa { .. } => {
                CertificateError::UnknownIssuer
            }
            _ => CertificateError::BadEncoding,
        };
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(failure);
        }
        RustlsError::InvalidCertificate(kind)
    }

    /// The host name check (mosquitto's rule), after the chain was accepted.
    fn check_name(
        &self,
        leaf: &CertInfo,
        server_name: &ServerName<'_>,
    ) -> Result<ServerCertVerified, RustlsError> {
        let host = if self.host.is_empty() {
            match server_name {
                ServerName::DnsName(name) => name.as_ref().to_string(),
                ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
                _ => String::new(),
            }
        } else {
            self.host.clone()
        };
        if self.core.insecure || matches_host(leaf, &host) {
            return Ok(ServerCertVerified::assertion());
        }
        let presented = presented_names(leaf);
        Err(self.refuse(TlsFailure::HostnameMismatch {
            expected: host,
            presented: presented.names,
            from_common_name: presented.from_common_name,
            cert: Some(ChainCert {
                role: CertRole::Broker,
                summary: leaf.summary.clone(),
            }),
        }))
    }

    /// webpki refused the chain: its verdict, naming the certificate it is about where we can tell.
    fn explain(
        &self,
        err: RustlsError,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
    ) -> RustlsError {
        let RustlsError::InvalidCertificate(cert_error) = &err else {
            return err;
        };
        let named = |der: &CertificateDer<'_>, role| {
            summarize(der).map(|summary| ChainCert { role, summary })
        };
        let presented = || {
            std::iter::once((end_entity, CertRole::Broker)).chain(
                intermediates
                    .iter()
                    .map(|der| (der, CertRole::Intermediate)),
            )
        };
        let failure = match cert_error {
            CertificateError::UnknownIssuer => TlsFailure::UnknownCa {
                cert: top_of_presented(end_entity, intermediates),
            },
            CertificateError::ExpiredContext { time, not_after } => TlsFailure::Expired {
                not_after: Some(not_after.as_secs()),
                now: Some(time.as_secs()),
                cert: presented()
                    .filter_map(|(der, role)| named(der, role))
                    .find(|cert| {
                        u64::try_from(cert.summary.not_after).ok() == Some(not_after.as_secs())
                    }),
            },
            CertificateError::NotValidYetContext { time, not_before } => TlsFailure::NotYetValid {
                not_before: Some(not_before.as_secs()),
                now: Some(time.as_secs()),
                cert: presented()
                    .filter_map(|(der, role)| named(der, role))
                    .find(|cert| {
                        u64::try_from(cert.summary.not_before).ok() == Some(not_before.as_secs())
                    }),
            },
            other => {
                let leaf = named(end_entity, CertRole::Broker)
                    .map(|cert| cert.full())
                    .unwrap_or_else(|| "the broker's certificate".to_string());
                TlsFailure::BadServerCertificate {
                    reason: format!("{leaf}: {}", certificate_error_text(other)),
                }
            }
        };
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(failure);
        }
        err
    }

    /// The chain check for chains with a version 1 certificate (`chain.rs`), then the name.
    fn verify_v1_chain(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, RustlsError> {
        let leaf = CertInfo::parse(end_entity)
            .map_err(|reason| self.refuse(TlsFailure::BadServerCertificate { reason }))?;
        // certificates the broker sent that cannot be read cannot be issuers: left out, as OpenSSL would
        let intermediates: Vec<CertInfo> = intermediates
            .iter()
            .filter_map(|der| CertInfo::parse(der).ok())
            .collect();
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let signatures = ProviderSignatures(&self.core.algorithms);
        chain::verify(&leaf, &intermediates, self.core.anchors(), now, &signatures)
            .map_err(|failure| self.refuse(failure))?;
        self.check_name(&leaf, server_name)
    }
}

/// The topmost certificate the broker sent, following issuer names up from its own: the one whose issuer
/// nobody trusts.
fn top_of_presented(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> Option<ChainCert> {
    let leaf = CertInfo::parse(end_entity).ok()?;
    let others: Vec<CertInfo> = intermediates
        .iter()
        .filter_map(|der| CertInfo::parse(der).ok())
        .collect();
    let mut current = &leaf;
    let mut role = CertRole::Broker;
    for _ in 0..others.len() {
        match others
            .iter()
            .find(|cert| cert.subject_der == current.issuer_der && !current.self_issued())
        {
            Some(issuer) => {
                current = issuer;
                role = CertRole::Intermediate;
            }
            None => break,
        }
    }
    Some(ChainCert {
        role,
        summary: current.summary.clone(),
    })
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, RustlsError> {
        match self.core.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(_)
            | Err(RustlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {
                let leaf = CertInfo::parse(end_entity)
                    .map_err(|reason| self.refuse(TlsFailure::BadServerCertificate { reason }))?;
                self.check_name(&leaf, server_name)
            }
            Err(err) => {
                let has_v1 = std::iter::once(end_entity)
                    .chain(intermediates)
                    .any(|der| version_of(der).is_some_and(|version| version < 3));
                if has_v1 {
                    self.verify_v1_chain(end_entity, intermediates, server_name, now)
                } else {
                    Err(self.explain(err, end_entity, intermediates))
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        self.handshake_verdict(cert, self.tls12_signature(message, cert, dss))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        let result = if webpki::EndEntityCert::try_from(cert).is_ok() {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.core.algorithms)
        } else {
            spki_of(cert).and_then(|spki| {
                verify_tls13_signature_with_raw_key(message, &spki, dss, &self.core.algorithms)
            })
        };
        self.handshake_verdict(cert, result)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.core.algorithms.supported_schemes()
    }
}

impl ServerVerifier {
    /// A handshake signature that does not verify: the message names the certificate.
    fn handshake_verdict(
        &self,
        cert: &CertificateDer<'_>,
        result: Result<HandshakeSignatureValid, RustlsError>,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        if let Err(RustlsError::InvalidCertificate(_)) = &result
            && let Ok(mut slot) = self.verdict.lock()
        {
            *slot = Some(TlsFailure::HandshakeSignature {
                cert: summarize(cert).map(|summary| ChainCert {
                    role: CertRole::Broker,
                    summary,
                }),
            });
        }
        result
    }

    fn tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        if webpki::EndEntityCert::try_from(cert).is_ok() {
            return rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.core.algorithms,
            );
        }
        // A version 1 certificate: every algorithm the scheme maps to that fits the key (as rustls does).
        let spki = spki_of(cert)?;
        let key = webpki::RawPublicKeyEntity::try_from(&spki)
            .map_err(|_| RustlsError::InvalidCertificate(CertificateError::BadEncoding))?;
        let candidates = self
            .core
            .algorithms
            .mapping
            .iter()
            .find(|(scheme, _)| *scheme == dss.scheme)
            .map(|(_, algorithms)| *algorithms)
            .ok_or(RustlsError::PeerMisbehaved(
                PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ))?;
        for algorithm in candidates {
            match key.verify_signature(*algorithm, message, dss.signature()) {
                Ok(()) => return Ok(HandshakeSignatureValid::assertion()),
                Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => continue,
                #[allow(deprecated)]
                Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKey) => continue,
                Err(_) => {
                    return Err(RustlsError::InvalidCertificate(
                        CertificateError::BadSignature,
                    ));
                }
            }
        }
        #[allow(deprecated)]
        Err(RustlsError::InvalidCertificate(
            CertificateError::UnsupportedSignatureAlgorithm,
        ))
    }
}

/// The SubjectPublicKeyInfo of a certificate webpki cannot read.
fn spki_of(cert: &CertificateDer<'_>) -> Result<SubjectPublicKeyInfoDer<'static>, RustlsError> {
    CertInfo::parse(cert)
        .map(|info| SubjectPublicKeyInfoDer::from(info.spki))
        .map_err(|_| RustlsError::InvalidCertificate(CertificateError::BadEncoding))
}

/// Certificate signatures checked with the provider's algorithms (webpki's list) on a raw public key.
struct ProviderSignatures<'a>(&'a WebPkiSupportedAlgorithms);

impl SignatureCheck for ProviderSignatures<'_> {
    fn check(&self, spki: &[u8], algorithm: &[u8], message: &[u8], signature: &[u8]) -> Signature {
        let spki = SubjectPublicKeyInfoDer::from(spki);
        let Ok(key) = webpki::RawPublicKeyEntity::try_from(&spki) else {
            return Signature::Unsupported;
        };
        for candidate in self
            .0
            .all
            .iter()
            .filter(|candidate| candidate.signature_alg_id().as_ref() == algorithm)
        {
            match key.verify_signature(*candidate, message, signature) {
                Ok(()) => return Signature::Valid,
                Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => continue,
                #[allow(deprecated)]
                Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKey) => continue,
                Err(_) => return Signature::Invalid,
            }
        }
        Signature::Unsupported
    }
}

/// Hands out the `--cert`/`--key` identity (if any) and counts the broker's requests for one.
#[derive(Debug)]
pub(super) struct ClientCertResolver {
    pub(super) identity: Option<Arc<CertifiedKey>>,
    pub(super) requests: Arc<AtomicUsize>,
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
