//! [`build_client_config`]: the TLS flags validated and every file loaded once, before any connection,
//! into a [`TlsConfig`] that every connection of a run shares; and the `--ciphers` table.

use std::fs;
use std::io::{self, ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, OnceLock};

use rustls::client::{ClientConfig, WebPkiServerVerifier};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{Error as RustlsError, RootCertStore, SupportedCipherSuite, SupportedProtocolVersion};

use super::cert::CertSummary;
use super::key::load_client_identity;
use super::keylog::{KeyLogTarget, KeyLogWriter};
use super::options::{TlsOptions, TlsSetupError};
use super::texts::rustls_error_text;
use super::verify::{ClientCertResolver, ServerVerifier, VerifierCore};

/// A validated client configuration, shared by every connection of a run (reconnects reuse it).
#[derive(Debug, Clone)]
pub struct TlsConfig {
    pub(super) rustls: Arc<ClientConfig>,
    /// How often a broker asked for a client certificate (tells "requires a certificate" apart from other
    /// handshake failures).
    pub(super) cert_requests: Arc<AtomicUsize>,
    pub(super) has_client_cert: bool,
    pub(super) tls13_only: bool,
    pub(super) alpn: Option<String>,
    /// What each connection's certificate verifier shares (`verify.rs`).
    pub(super) verifier: Arc<VerifierCore>,
    /// Our `--cert`, named when the broker refuses it.
    pub(super) client_cert: Option<CertSummary>,
}

impl TlsConfig {
    /// The rustls configuration shared by the connections (each connection gets its own certificate
    /// verifier on a copy of it).
    pub fn rustls_config(&self) -> &Arc<ClientConfig> {
        &self.rustls
    }

    /// The rustls configuration for one connection: its own verifier, which leaves what it finds in
    /// `verdict`.
    pub(super) fn connection_config(
        &self,
        host: &str,
        verdict: super::failure::VerdictSlot,
    ) -> Arc<ClientConfig> {
        let mut config = (*self.rustls).clone();
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(ServerVerifier::for_connection(
                &self.verifier,
                host,
                verdict,
            )));
        Arc::new(config)
    }
}

/// The cipher suites `--ciphers` accepts: (OpenSSL name, IANA name, suite). TLS 1.3 suites have one name
/// in both worlds (rustls calls them `TLS13_...`, also accepted).
pub(super) fn cipher_table() -> [(&'static str, &'static str, SupportedCipherSuite); 9] {
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
pub(super) fn read_existing(path: &Path) -> Result<Vec<u8>, TlsSetupError> {
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
pub(super) fn pem_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(bytes) {
        match item {
            Ok(cert) => certs.push(cert),
            Err(rustls::pki_types::pem::Error::Base64Decode(_)) => {
                return Err("a PEM certificate in it is not valid base64".to_string());
            }
            Err(_) => {
                return Err(
                    "a PEM section in it is damaged (a missing or broken BEGIN/END line)"
                        .to_string(),
                );
            }
        }
    }
    if certs.is_empty() {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".to_string());
    }
    Ok(certs)
}

fn load_cafile(
    path: &Path,
    roots: &mut RootCertStore,
    anchors: &mut Vec<CertificateDer<'static>>,
) -> Result<(), TlsSetupError> {
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
    anchors.extend(certs.iter().cloned());
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
fn load_capath(
    path: &Path,
    roots: &mut RootCertStore,
    anchors: &mut Vec<CertificateDer<'static>>,
) -> Result<(), TlsSetupError> {
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
        anchors.extend(certs.iter().cloned());
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

fn load_os_certs(
    roots: &mut RootCertStore,
    anchors: &mut Vec<CertificateDer<'static>>,
) -> Result<(), TlsSetupError> {
    let result = rustls_native_certs::load_native_certs();
    anchors.extend(result.certs.iter().cloned());
    let (added, _ignored) = roots.add_parsable_certificates(result.certs);
    if added == 0 {
        let reason = match result.errors.first() {
            Some(err) => match &err.kind {
                rustls_native_certs::ErrorKind::Io { inner, path } => {
                    format!("{}: {} ({})", err.context, io_text(inner), path.display())
                }
                rustls_native_certs::ErrorKind::Pem(_) => {
                    format!("{}: a PEM file of the store is damaged", err.context)
                }
                _ => err.to_string(),
            },
            None => "the store is empty (is the ca-certificates package installed?)".to_string(),
        };
        return Err(TlsSetupError::OsCerts { reason });
    }
    Ok(())
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
    let mut anchors = Vec::new();
    if let Some(cafile) = &options.cafile {
        load_cafile(cafile, &mut roots, &mut anchors)?;
    }
    if let Some(capath) = &options.capath {
        load_capath(capath, &mut roots, &mut anchors)?;
    }
    if options.use_os_certs {
        load_os_certs(&mut roots, &mut anchors)?;
    }
    if roots.is_empty() {
        return Err(TlsSetupError::NoTrustAnchors);
    }

    let identity = match (&options.cert, &options.key) {
        (Some(cert), Some(key)) => Some(load_client_identity(
            cert,
            key,
            &provider,
            &options.passphrase,
        )?),
        _ => None,
    };
    let key_log = match &options.keylog {
        None => None,
        Some(target) => match (KeyLogWriter::open(target.path()), target) {
            (Ok(writer), _) => Some(writer),
            (Err(err), KeyLogTarget::Flag(path)) => {
                return Err(TlsSetupError::KeyLog {
                    path: path.clone(),
                    reason: io_text(&err),
                });
            }
            // as curl: an SSLKEYLOGFILE that cannot be written is ignored
            (Err(_), KeyLogTarget::Environment(_)) => None,
        },
    };

    let rustls_error = |err: RustlsError| TlsSetupError::Rustls {
        reason: rustls_error_text(&err),
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
            .map_err(|_| TlsSetupError::NoTrustAnchors)?;
    let verifier = Arc::new(VerifierCore {
        webpki,
        anchors,
        parsed_anchors: OnceLock::new(),
        algorithms: provider.signature_verification_algorithms,
        insecure: options.insecure,
    });
    // Each connection puts its own verifier on a copy of this configuration (`connection_config`).
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ServerVerifier::for_connection(
            &verifier,
            "",
            Arc::default(),
        )));
    let cert_requests = Arc::new(AtomicUsize::new(0));
    let has_client_cert = identity.is_some();
    let client_cert = identity.as_ref().map(|identity| identity.summary.clone());
    let mut config = builder.with_client_cert_resolver(Arc::new(ClientCertResolver {
        identity: identity.map(|identity| identity.key),
        requests: Arc::clone(&cert_requests),
    }));
    if let Some(alpn) = &options.alpn {
        config.alpn_protocols = vec![alpn.as_bytes().to_vec()];
    }
    if let Some(writer) = key_log {
        config.key_log = Arc::new(writer);
    }
    Ok(TlsConfig {
        rustls: Arc::new(config),
        cert_requests,
        has_client_cert,
        tls13_only,
        alpn: options.alpn.clone(),
        verifier,
        client_cert,
    })
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
        assert_eq!(crate::exit::tls_setup_failure(&err).exit_code(), 1);
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
