//! Certificates made at test time (rcgen) and mosquitto TLS listeners using them, shared by the TLS
//! tests (`tests/tls.rs`, `tests/tls_cli.rs`). Include with `#[path = "support/pki.rs"] mod pki;` after
//! `mod common;`.

#![allow(dead_code)]

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::CertificateDer;

use crate::common::{Broker, TempDir};

// ---------------------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------------------

/// A certificate and its key, as PEM files and DER.
pub struct Leaf {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub cert_der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

/// Everything the tests need, generated into a temp dir: two CAs and leaves signed by them.
pub struct Pki {
    pub dir: TempDir,
    pub ca: PathBuf,
    pub ca2: PathBuf,
    /// 127.0.0.1 and localhost, signed by `ca`.
    pub server: Leaf,
    /// wrong.example, other.example and 192.0.2.7, signed by `ca`.
    pub wrong_name: Leaf,
    /// Valid for 127.0.0.1/localhost, but only in January 2020.
    pub expired: Leaf,
    /// Valid for 127.0.0.1/localhost, but only from 2090.
    pub future: Leaf,
    /// CN=localhost and no subjectAltName (OpenSSL falls back to the CN; WebPKI does not).
    pub cn_only: Leaf,
    /// 127.0.0.1/localhost, signed by `ca2`.
    pub server_ca2: Leaf,
    /// A client certificate signed by `ca`.
    pub client: Leaf,
    /// A client certificate signed by `ca2`.
    pub client_ca2: Leaf,
}

pub fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA cert")
}

#[derive(Clone, Copy)]
pub enum Validity {
    Now,
    Expired,
    Future,
}

pub fn make_leaf(
    dir: &TempDir,
    file: &str,
    issuer: &CertifiedIssuer<'static, KeyPair>,
    common_name: &str,
    names: &[&str],
    validity: Validity,
) -> Leaf {
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("leaf params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    match validity {
        Validity::Now => {}
        Validity::Expired => {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 2, 1);
        }
        Validity::Future => {
            params.not_before = rcgen::date_time_ymd(2090, 1, 1);
            params.not_after = rcgen::date_time_ymd(2091, 1, 1);
        }
    }
    let key = KeyPair::generate().expect("leaf key");
    let cert = params.signed_by(&key, issuer).expect("sign leaf");
    Leaf {
        cert: dir.write(&format!("{file}.crt"), cert.pem()),
        key: dir.write(&format!("{file}.key"), key.serialize_pem()),
        cert_der: cert.der().clone(),
        key_der: key.serialize_der(),
    }
}

impl Pki {
    pub fn new() -> Pki {
        let dir = TempDir::new("tls-pki");
        let ca = make_ca("rpubsub test CA");
        let ca2 = make_ca("rpubsub second CA");
        let here = ["127.0.0.1", "localhost"];
        let server = make_leaf(&dir, "server", &ca, "server", &here, Validity::Now);
        let wrong_name = make_leaf(
            &dir,
            "wrong",
            &ca,
            "wrong",
            &["wrong.example", "other.example", "192.0.2.7"],
            Validity::Now,
        );
        let expired = make_leaf(&dir, "expired", &ca, "expired", &here, Validity::Expired);
        let future = make_leaf(&dir, "future", &ca, "future", &here, Validity::Future);
        let cn_only = make_leaf(&dir, "cn-only", &ca, "localhost", &[], Validity::Now);
        let server_ca2 = make_leaf(&dir, "server-ca2", &ca2, "server2", &here, Validity::Now);
        let client = make_leaf(&dir, "client", &ca, "client", &["client"], Validity::Now);
        let client_ca2 = make_leaf(
            &dir,
            "client-ca2",
            &ca2,
            "client2",
            &["client2"],
            Validity::Now,
        );
        Pki {
            ca: dir.write("ca.crt", ca.pem()),
            ca2: dir.write("ca2.crt", ca2.pem()),
            dir,
            server,
            wrong_name,
            expired,
            future,
            cn_only,
            server_ca2,
            client,
            client_ca2,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Brokers
// ---------------------------------------------------------------------------------------------------------

/// A mosquitto TLS-only listener with this server certificate; `extra` lines follow (e.g.
/// `require_certificate true`, `tls_version tlsv1.3`).
pub fn tls_broker(pki: &Pki, leaf: &Leaf, extra: &[&str]) -> Broker {
    let mut builder = Broker::builder()
        .config_line(&format!("cafile {}", pki.ca.display()))
        .config_line(&format!("certfile {}", leaf.cert.display()))
        .config_line(&format!("keyfile {}", leaf.key.display()));
    for line in extra {
        builder = builder.config_line(line);
    }
    builder.start()
}
