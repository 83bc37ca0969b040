//! `--cert`/`--key`: the client certificate chain and its private key, loaded once before connecting.
//!
//! - The certificate is read with x509-parser, so X.509 version 1 client certificates (mosquitto's TLS
//!   guide makes them) load; that the key belongs to it is checked by comparing public keys.
//! - Keys: PKCS#8, PKCS#1 (RSA) and SEC1 (EC) PEM, and **encrypted PKCS#8** (`ENCRYPTED PRIVATE KEY`,
//!   what `openssl genpkey -aes256` and OpenSSL 3's `genrsa -aes256` write; PBES2 with PBKDF2 or scrypt
//!   and AES, decrypted by the `pkcs8` crate). Its pass phrase is asked for on the terminal with
//!   OpenSSL's prompt `Enter PEM pass phrase:`, as mosquitto does; without a terminal the load fails with
//!   a clear error (OpenSSL would read stdin, which may be the message rpub is to send).
//! - The legacy OpenSSL encryption (`Proc-Type: 4,ENCRYPTED` headers) is refused with the `openssl`
//!   command that converts the key to encrypted PKCS#8.

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

use super::cert::{CertInfo, CertSummary};
use super::config::{pem_certificates, read_existing};
use super::options::{Passphrase, TlsSetupError};

/// OpenSSL's pass phrase prompt (PEM_def_callback), which mosquitto_pub shows.
pub const PASSPHRASE_PROMPT: &str = "Enter PEM pass phrase:";

const ENCRYPTED_BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const ENCRYPTED_END: &str = "-----END ENCRYPTED PRIVATE KEY-----";

/// The loaded `--cert`/`--key` pair.
pub(super) struct ClientIdentity {
    pub(super) key: Arc<CertifiedKey>,
    pub(super) summary: CertSummary,
}

/// How a PEM key file is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProtection {
    Plain,
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----` (PKCS#8, decrypted after asking for the pass phrase).
    EncryptedPkcs8,
    /// OpenSSL's traditional `Proc-Type: 4,ENCRYPTED` header (refused with a conversion command).
    LegacyEncrypted,
}

/// How a PEM key file is protected.
pub fn key_protection(pem: &[u8]) -> KeyProtection {
    let text = String::from_utf8_lossy(pem);
    if text.contains(ENCRYPTED_BEGIN) {
        KeyProtection::EncryptedPkcs8
    } else if text.contains("Proc-Type: 4,ENCRYPTED") {
        KeyProtection::LegacyEncrypted
    } else {
        KeyProtection::Plain
    }
}

/// Asks for the pass phrase on the terminal (`/dev/tty`, echo off), as OpenSSL does.
fn ask_terminal() -> Result<String, String> {
    rpassword::prompt_password(PASSPHRASE_PROMPT).map_err(|err| match err.kind() {
        std::io::ErrorKind::Interrupted => "the pass phrase prompt was interrupted".to_string(),
        std::io::ErrorKind::UnexpectedEof => {
            "no pass phrase was typed (end of input at the prompt)".to_string()
        }
        _ => format!(
            "the key is encrypted and its pass phrase must be typed on a terminal, but there is none \
             (/dev/tty: {}); run the client from a terminal, or decrypt the key first with \
             openssl pkey -in KEY -out PLAIN_KEY",
            crate::sys::os_error_text(&err)
        ),
    })
}

/// Decrypts the first `ENCRYPTED PRIVATE KEY` section of `pem`. The file is checked before the pass
/// phrase is asked for, so a damaged file is reported without a prompt.
fn decrypt_pkcs8(
    path: &Path,
    pem: &[u8],
    passphrase: &Passphrase,
) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let key_error = |reason: &str| TlsSetupError::ClientKey {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let text = String::from_utf8_lossy(pem);
    let section = text
        .find(ENCRYPTED_BEGIN)
        .and_then(|start| {
            let end = text[start..].find(ENCRYPTED_END)? + start + ENCRYPTED_END.len();
            Some(&text[start..end])
        })
        .ok_or_else(|| key_error("its ENCRYPTED PRIVATE KEY section has no end line"))?;
    let (_label, der) = pkcs8::der::pem::decode_vec(section.as_bytes())
        .map_err(|_| key_error("its ENCRYPTED PRIVATE KEY section is not valid PEM"))?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
        .map_err(|_| key_error("its ENCRYPTED PRIVATE KEY is not a valid PKCS#8 structure"))?;
    let phrase = match passphrase {
        Passphrase::Terminal => ask_terminal(),
        Passphrase::Given(phrase) => Ok(phrase.clone()),
        Passphrase::Unavailable => {
            Err("the key is encrypted and no pass phrase can be asked for here".to_string())
        }
    }
    .map_err(|reason| TlsSetupError::KeyPassphrase {
        path: path.to_path_buf(),
        reason,
    })?;
    let plain = info.decrypt(phrase.as_bytes()).map_err(|err| match err {
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::DecryptFailed) => {
            TlsSetupError::WrongPassphrase {
                path: path.to_path_buf(),
            }
        }
        _ => TlsSetupError::ClientKey {
            path: path.to_path_buf(),
            reason: format!(
                "it is encrypted with a scheme we cannot decrypt (we read PBES2 with PBKDF2 or scrypt and \
                 AES); convert it with openssl pkcs8 -topk8 -v2 aes256 -in {0} -out {0}.p8",
                path.display()
            ),
        },
    })?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        plain.as_bytes().to_vec(),
    )))
}

/// Reads the private key of `--key`.
fn load_key(
    path: &Path,
    bytes: &[u8],
    passphrase: &Passphrase,
) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    match key_protection(bytes) {
        KeyProtection::LegacyEncrypted => Err(TlsSetupError::LegacyEncryptedKey {
            path: path.to_path_buf(),
        }),
        KeyProtection::EncryptedPkcs8 => decrypt_pkcs8(path, bytes, passphrase),
        KeyProtection::Plain => PrivateKeyDer::from_pem_slice(bytes).map_err(|err| {
            let reason = match err {
                rustls::pki_types::pem::Error::NoItemsFound => {
                    "no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) in it"
                }
                rustls::pki_types::pem::Error::Base64Decode(_) => "its PEM key is not valid base64",
                _ => "its PEM private key is damaged (a missing or broken BEGIN/END line)",
            };
            TlsSetupError::ClientKey {
                path: path.to_path_buf(),
                reason: reason.to_string(),
            }
        }),
    }
}

/// Loads `--cert` and `--key` (module docs).
pub(super) fn load_client_identity(
    cert_path: &Path,
    key_path: &Path,
    provider: &CryptoProvider,
    passphrase: &Passphrase,
) -> Result<ClientIdentity, TlsSetupError> {
    let cert_bytes = read_existing(cert_path)?;
    let key_bytes = read_existing(key_path)?;
    let cert_error = |reason: String| TlsSetupError::ClientCert {
        path: cert_path.to_path_buf(),
        reason,
    };
    let chain: Vec<CertificateDer<'static>> = pem_certificates(&cert_bytes).map_err(cert_error)?;
    let leaf = CertInfo::parse(&chain[0]).map_err(cert_error)?;
    let key = load_key(key_path, &key_bytes, passphrase)?;
    let signing_key =
        provider
            .key_provider
            .load_private_key(key)
            .map_err(|_| {
                TlsSetupError::ClientKey {
            path: key_path.to_path_buf(),
            reason:
                "its key is of a type or size we cannot use (RSA 2048 bits or more, ECDSA P-256 or \
                     P-384, Ed25519)"
                    .to_string(),
        }
            })?;
    if let Some(public) = signing_key.public_key()
        && public.as_ref() != leaf.spki.as_slice()
    {
        return Err(TlsSetupError::KeyMismatch {
            cert: cert_path.to_path_buf(),
            key: key_path.to_path_buf(),
        });
    }
    Ok(ClientIdentity {
        key: Arc::new(CertifiedKey::new(chain, signing_key)),
        summary: leaf.summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_protection_is_recognised_in_both_openssl_forms() {
        assert_eq!(
            key_protection(
                b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
            ),
            KeyProtection::EncryptedPkcs8
        );
        assert_eq!(
            key_protection(
                b"-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nMIIB\n-----END EC PRIVATE KEY-----\n"
            ),
            KeyProtection::LegacyEncrypted
        );
        assert_eq!(
            key_protection(b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"),
            KeyProtection::Plain
        );
    }

    #[test]
    fn a_damaged_encrypted_key_is_reported_before_any_prompt() {
        let path = Path::new("k.pem");
        let truncated = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
        // `Unavailable` would fail differently: the structure is checked first
        let err = decrypt_pkcs8(path, truncated, &Passphrase::Unavailable).expect_err("damaged");
        assert!(
            matches!(&err, TlsSetupError::ClientKey { reason, .. } if reason.contains("not a valid PKCS#8")),
            "{err:?}"
        );
        let err = decrypt_pkcs8(
            path,
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n",
            &Passphrase::Unavailable,
        )
        .expect_err("no end");
        assert!(err.to_string().contains("no end line"), "{err}");
    }
}
