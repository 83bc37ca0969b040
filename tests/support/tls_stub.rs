//! A rustls MQTT stub for what mosquitto cannot be made to do (speak TLS 1.2 only, log the server's TLS
//! secrets): one connection, CONNACK to the CONNECT, then reads to the end. Any certificate works,
//! X.509 version 1 included (it is handed out as it is, not checked).
//!
//! Include with `#[path = "support/tls_stub.rs"] mod tls_stub;`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Hex, as the NSS key log writes it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The server side's secrets, as NSS key log lines.
#[derive(Debug, Default)]
struct ServerSecrets(Mutex<Vec<String>>);

impl rustls::KeyLog for ServerSecrets {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(format!("{label} {} {}", hex(client_random), hex(secret)));
        }
    }
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// Starts the stub on a free loopback port with this chain and key, TLS 1.2 only or TLS 1.3 only. The
/// thread yields the server's key log (empty if the handshake failed).
pub fn start(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    tls12_only: bool,
) -> (u16, JoinHandle<Vec<String>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .expect("server key");
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(Arc::new(CertifiedKey::new(
            chain,
            signing_key,
        )))));
    let secrets = Arc::new(ServerSecrets::default());
    config.key_log = secrets.clone();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let thread = thread::spawn(move || {
        if let Ok((tcp, _)) = listener.accept() {
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
            if let Ok(conn) = rustls::ServerConnection::new(config) {
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut buf = [0u8; 1024];
                if tls.read(&mut buf).is_ok() && tls.write_all(&[0x20, 0x02, 0x00, 0x00]).is_ok() {
                    let _ = tls.flush();
                    while matches!(tls.read(&mut buf), Ok(n) if n > 0) {}
                }
            }
        }
        secrets
            .0
            .lock()
            .map(|lines| lines.clone())
            .unwrap_or_default()
    });
    (port, thread)
}
