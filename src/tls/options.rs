//! The TLS flags as the command line gives them ([`TlsOptions`]), and what can be wrong with them
//! ([`TlsSetupError`]), found before any connection.

use std::fmt;
use std::path::PathBuf;

use super::keylog::KeyLogTarget;

/// The TLS flags, as given on the command line (validated by
/// [`build_client_config`](super::build_client_config)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `--cafile`: a PEM file of trusted CA certificates.
    pub cafile: Option<PathBuf>,
    /// `--capath`: a directory of PEM CA certificates (every file in it is read; no hashed names needed).
    pub capath: Option<PathBuf>,
    /// `--cert`: the client certificate chain (PEM).
    pub cert: Option<PathBuf>,
    /// `--key`: the client private key (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub key: Option<PathBuf>,
    /// Where the pass phrase of an encrypted `--key` comes from (the terminal for the command line).
    pub passphrase: Passphrase,
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
    /// `--tls-keylog FILE` or `SSLKEYLOGFILE`: where to write the TLS secrets (NSS key log format).
    pub keylog: Option<KeyLogTarget>,
}

/// Where the pass phrase of an encrypted client key comes from.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Passphrase {
    /// Asked for on the terminal (`/dev/tty`) with OpenSSL's prompt, as mosquitto does.
    #[default]
    Terminal,
    /// Given by the caller (library use, tests).
    Given(String),
    /// Never asked for: an encrypted key is an error.
    Unavailable,
}

impl fmt::Debug for Passphrase {
    /// Never shows a given pass phrase.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Passphrase::Terminal => "Terminal",
            Passphrase::Given(_) => "Given(..)",
            Passphrase::Unavailable => "Unavailable",
        })
    }
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

/// A TLS option that cannot be used, found before connecting. mosquitto exits 1 for all of them, whether
/// it notices them when setting the options or when connecting (`crate::exit::tls_setup_failure`).
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
    /// `--key` is encrypted the legacy OpenSSL way (`Proc-Type: 4,ENCRYPTED`).
    LegacyEncryptedKey { path: PathBuf },
    /// `--key` is encrypted and no pass phrase could be had (`reason`: why, e.g. no terminal).
    KeyPassphrase { path: PathBuf, reason: String },
    /// `--key` did not decrypt with the pass phrase given.
    WrongPassphrase { path: PathBuf },
    /// `--tls-keylog FILE` cannot be opened for appending.
    KeyLog { path: PathBuf, reason: String },
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
            TlsSetupError::LegacyEncryptedKey { path } => write!(
                f,
                "Error: Unable to load client key file \"{0}\": it is encrypted in OpenSSL's legacy format \
                 (Proc-Type: 4,ENCRYPTED), which we cannot decrypt. Convert it to encrypted PKCS#8 with \
                 openssl pkcs8 -topk8 -v2 aes256 -in {0} -out {0}.p8 and give --key {0}.p8.",
                path.display()
            ),
            TlsSetupError::KeyPassphrase { path, reason } => write!(
                f,
                "Error: Unable to load client key file \"{}\": {reason}.",
                path.display()
            ),
            TlsSetupError::WrongPassphrase { path } => write!(
                f,
                "Error: Unable to load client key file \"{}\": the pass phrase is wrong (or the key file is \
                 damaged).",
                path.display()
            ),
            TlsSetupError::KeyLog { path, reason } => write!(
                f,
                "Error: Unable to open the TLS key log file \"{}\" (--tls-keylog): {reason}.",
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
