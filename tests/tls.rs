//! The TLS transport (`src/tls/`) against real mosquitto brokers (TLS listeners with certificates made
//! here, at test time, with rcgen) and against small rustls servers where mosquitto cannot play the part
//! (a TLS 1.2-only server, ALPN, a TLS server answering a plain client).
//!
//! Each test drives a [`TlsStream`] the way the mio driver does: CONNECT is written at once (rustls buffers
//! it until the handshake is done), then the loop reads until `WouldBlock` and waits on mio.

mod common;

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use common::{Broker, ClientRun, TempDir};
use rpubsub::exit;
use rpubsub::proto::codec::{
    self, ConnAck, Connect, Packet, Properties, Publish, QoS, Subscribe, SubscribeFilter, Version,
};
use rpubsub::tls::{
    TlsConfig, TlsFailure, TlsOptions, TlsSetupError, TlsStream, build_client_config,
    looks_like_tls_record, tls_reply_on_plain_port,
};

const TIMEOUT: Duration = Duration::from_secs(10);

#[path = "support/pki.rs"]
mod pki;

use pki::{Leaf, Pki, tls_broker};

fn options(cafile: &Path) -> TlsOptions {
    TlsOptions {
        cafile: Some(cafile.to_path_buf()),
        ..TlsOptions::default()
    }
}

fn client_config(options: &TlsOptions) -> TlsConfig {
    match build_client_config(options) {
        Ok(config) => config,
        Err(err) => panic!("TLS setup failed: {err}"),
    }
}

/// TCP connect (blocking, like `open_stream`), then non-blocking, then TLS on top.
fn connect(config: &TlsConfig, host: &str, port: u16) -> TlsStream {
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("TCP connect");
    tcp.set_nonblocking(true).expect("non-blocking");
    TlsStream::new(config, host, mio::net::TcpStream::from_std(tcp)).expect("TLS client")
}

// ---------------------------------------------------------------------------------------------------------
// A minimal MQTT session over the stream, driven like src/net.rs drives it
// ---------------------------------------------------------------------------------------------------------

struct Session {
    stream: TlsStream,
    poll: Poll,
    events: Events,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl Session {
    fn new(mut stream: TlsStream) -> Session {
        let poll = Poll::new().expect("mio poll");
        poll.registry()
            .register(
                &mut stream,
                Token(0),
                Interest::READABLE | Interest::WRITABLE,
            )
            .expect("register");
        Session {
            stream,
            poll,
            events: Events::with_capacity(8),
            input: Vec::new(),
            output: Vec::new(),
        }
    }

    fn send(&mut self, packet: &Packet) {
        codec::encode(packet, Version::V311, &mut self.output).expect("encode");
    }

    /// Writes as much as the stream takes now.
    fn pump_writes(&mut self) -> io::Result<()> {
        while !self.output.is_empty() {
            match self.stream.write(&self.output) {
                Ok(n) => {
                    self.output.drain(..n);
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(err) => return Err(err),
            }
        }
        match self.stream.flush() {
            Err(err) if err.kind() != ErrorKind::WouldBlock => Err(err),
            _ => Ok(()),
        }
    }

    /// Reads until WouldBlock. `Ok(false)`: the broker closed the connection.
    fn pump_reads(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => self.input.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(true),
                Err(err) => return Err(err),
            }
        }
    }

    fn next_packet(&mut self) -> io::Result<Packet> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some((packet, used)) =
                codec::decode(&self.input, Version::V311, usize::MAX).expect("valid MQTT")
            {
                self.input.drain(..used);
                return Ok(packet);
            }
            self.pump_writes()?;
            if !self.pump_reads()? {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "the broker closed the connection",
                ));
            }
            let now = Instant::now();
            assert!(now < deadline, "no MQTT packet within {TIMEOUT:?}");
            let wait = (deadline - now).min(Duration::from_millis(100));
            self.poll
                .poll(&mut self.events, Some(wait))
                .expect("mio poll");
        }
    }

    /// CONNECT, then the CONNACK.
    fn connect(&mut self, client_id: &str) -> io::Result<ConnAck> {
        self.send(&Packet::Connect(Connect {
            version: Version::V311,
            clean_session: true,
            keep_alive: 60,
            client_id: client_id.to_string(),
            will: None,
            username: None,
            password: None,
            properties: Properties::default(),
        }));
        match self.next_packet()? {
            Packet::ConnAck(connack) => Ok(connack),
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }
}

/// A full MQTT connection over TLS: CONNECT written before the handshake, CONNACK read.
fn mqtt_connect(config: &TlsConfig, host: &str, port: u16) -> Result<Session, io::Error> {
    let mut session = Session::new(connect(config, host, port));
    let connack = session.connect("rpubsub-tls-test")?;
    assert_eq!(connack.code, 0, "CONNACK refused");
    Ok(session)
}

/// The classified failure of a connection attempt that must fail.
fn failure_of(result: Result<Session, io::Error>) -> TlsFailure {
    match result {
        Ok(session) => panic!(
            "the connection succeeded ({:?})",
            session.stream.protocol_version()
        ),
        Err(err) => match TlsFailure::from_io_error(&err) {
            Some(failure) => failure.clone(),
            None => panic!("not a TLS failure: {err:?}"),
        },
    }
}

fn assert_connects(config: &TlsConfig, host: &str, port: u16) -> Session {
    match mqtt_connect(config, host, port) {
        Ok(session) => session,
        Err(err) => panic!("connection to {host}:{port} failed: {err}"),
    }
}

// ---------------------------------------------------------------------------------------------------------
// rustls test servers (what mosquitto cannot be: TLS 1.2 only, ALPN)
// ---------------------------------------------------------------------------------------------------------

struct TestServer {
    port: u16,
    thread: Option<JoinHandle<Option<Vec<u8>>>>,
}

impl TestServer {
    /// Serves one connection: TLS handshake, reads CONNECT, answers CONNACK, waits for the end. The thread
    /// returns the ALPN protocol negotiated (if the handshake succeeded).
    fn start(leaf: &Leaf, tls12_only: bool, alpn: &[&str]) -> TestServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone()));
        let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .expect("server versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.cert_der.clone()], key)
            .expect("server cert");
        server_config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        let server_config = Arc::new(server_config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        let thread = thread::spawn(move || {
            let (tcp, _) = listener.accept().ok()?;
            tcp.set_read_timeout(Some(TIMEOUT)).ok()?;
            let conn = rustls::ServerConnection::new(server_config).ok()?;
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut buf = [0u8; 1024];
            let _ = tls.read(&mut buf).ok()?;
            let alpn = tls.conn.alpn_protocol().map(|p| p.to_vec());
            tls.write_all(&[0x20, 0x02, 0x00, 0x00]).ok()?;
            tls.flush().ok()?;
            while matches!(tls.read(&mut buf), Ok(n) if n > 0) {}
            Some(alpn.unwrap_or_default())
        });
        TestServer {
            port,
            thread: Some(thread),
        }
    }

    /// What the server saw: the negotiated ALPN protocol (empty: none), `None` if its handshake failed.
    fn finish(mut self) -> Option<Vec<u8>> {
        self.thread.take().and_then(|t| t.join().ok().flatten())
    }
}

/// A plain TCP server that answers the first bytes it gets with `reply`, then closes.
fn plain_server(reply: &'static [u8]) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    let thread = thread::spawn(move || {
        if let Ok((mut tcp, _)) = listener.accept() {
            let _ = tcp.set_read_timeout(Some(TIMEOUT));
            let mut buf = [0u8; 1024];
            let _ = tcp.read(&mut buf);
            let _ = tcp.write_all(reply);
            thread::sleep(Duration::from_millis(100));
        }
    });
    (port, thread)
}

// ---------------------------------------------------------------------------------------------------------
// Success cases
// ---------------------------------------------------------------------------------------------------------

#[test]
fn cafile_connects_by_ip_and_by_name() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let config = client_config(&options(&pki.ca));
    let session = assert_connects(&config, "127.0.0.1", broker.port());
    assert_eq!(session.stream.protocol_version(), Some("TLSv1.3"));
    assert!(!session.stream.is_handshaking());
    assert_connects(&config, "localhost", broker.port());
}

#[test]
fn handshake_first_then_mqtt() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let config = client_config(&options(&pki.ca));
    let mut stream = connect(&config, "127.0.0.1", broker.port());
    assert!(stream.is_handshaking());
    stream
        .complete_handshake(TIMEOUT)
        .expect("handshake completes");
    assert!(!stream.is_handshaking());
    let mut session = Session::new(stream);
    assert_eq!(session.connect("after-handshake").expect("CONNACK").code, 0);
}

/// The driver writes CONNECT once and then only reads while it waits for CONNACK: reading alone must
/// finish the handshake and send the CONNECT that rustls buffered.
#[test]
fn reads_alone_finish_the_handshake_and_send_the_buffered_connect() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let config = client_config(&options(&pki.ca));
    let mut stream = connect(&config, "127.0.0.1", broker.port());
    let mut connect_bytes = Vec::new();
    codec::encode(
        &Packet::Connect(Connect {
            version: Version::V311,
            clean_session: true,
            keep_alive: 60,
            client_id: "reads-only".to_string(),
            will: None,
            username: None,
            password: None,
            properties: Properties::default(),
        }),
        Version::V311,
        &mut connect_bytes,
    )
    .expect("encode");
    assert_eq!(
        stream.write(&connect_bytes).expect("buffered"),
        connect_bytes.len()
    );
    assert!(stream.is_handshaking());
    let mut poll = Poll::new().expect("mio poll");
    poll.registry()
        .register(&mut stream, Token(0), Interest::READABLE)
        .expect("register");
    let mut events = Events::with_capacity(4);
    let deadline = Instant::now() + TIMEOUT;
    let mut input = Vec::new();
    let mut chunk = [0u8; 1024];
    while input.len() < 4 {
        assert!(Instant::now() < deadline, "no CONNACK");
        match stream.read(&mut chunk) {
            Ok(0) => panic!("closed"),
            Ok(n) => input.extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                assert!(!stream.wants_write(), "the loopback socket took everything");
                poll.poll(&mut events, Some(Duration::from_millis(100)))
                    .expect("poll");
            }
            Err(err) => panic!("read failed: {err}"),
        }
    }
    assert_eq!(input, [0x20, 0x02, 0x00, 0x00]);
}

#[test]
fn capath_loads_every_pem_file_in_the_directory() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let capath = TempDir::new("tls-capath");
    // no c_rehash names: plain file names, another CA, and a file that is no certificate at all
    capath.write("second.pem", std::fs::read(&pki.ca2).expect("read ca2"));
    capath.write("our-ca.crt", std::fs::read(&pki.ca).expect("read ca"));
    capath.write("README", "not a certificate\n");
    let config = client_config(&TlsOptions {
        capath: Some(capath.path().to_path_buf()),
        ..TlsOptions::default()
    });
    assert_connects(&config, "127.0.0.1", broker.port());
}

#[test]
fn client_certificate_accepted_by_require_certificate_listener() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &["require_certificate true"]);
    let config = client_config(&TlsOptions {
        cert: Some(pki.client.cert.clone()),
        key: Some(pki.client.key.clone()),
        ..options(&pki.ca)
    });
    assert_connects(&config, "127.0.0.1", broker.port());
}

#[test]
fn large_messages_cross_the_tls_stream_both_ways() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let config = client_config(&options(&pki.ca));
    let mut session = assert_connects(&config, "127.0.0.1", broker.port());
    session.send(&Packet::Subscribe(Subscribe {
        packet_id: 1,
        filters: vec![SubscribeFilter {
            filter: "tls/big".to_string(),
            qos: QoS::AtMostOnce,
            ..SubscribeFilter::default()
        }],
        properties: Properties::default(),
    }));
    assert!(matches!(
        session.next_packet().expect("SUBACK"),
        Packet::SubAck(_)
    ));
    // 3 MB: many TLS records, and writes that hit WouldBlock
    let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    session.send(&Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "tls/big".to_string(),
        packet_id: 0,
        payload: payload.clone(),
        properties: Properties::default(),
    }));
    match session.next_packet().expect("our PUBLISH back") {
        Packet::Publish(publish) => {
            assert_eq!(publish.topic, "tls/big");
            assert!(publish.payload == payload, "payload changed on the way");
        }
        other => panic!("expected PUBLISH, got {other:?}"),
    }
    session.send(&Packet::Disconnect(Default::default()));
    session.pump_writes().expect("DISCONNECT written");
    session.stream.close();
}

// ---------------------------------------------------------------------------------------------------------
// --insecure: only the host name check is skipped (checked against mosquitto_pub too)
// ---------------------------------------------------------------------------------------------------------

#[test]
fn insecure_accepts_a_wrong_name_like_mosquitto() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.wrong_name, &[]);
    let config = client_config(&TlsOptions {
        insecure: true,
        ..options(&pki.ca)
    });
    assert_connects(&config, "127.0.0.1", broker.port());

    let port = broker.port().to_string();
    let ca = pki.ca.display().to_string();
    let oracle = ClientRun::new(common::mosquitto_pub())
        .args([
            "--cafile",
            &ca,
            "--insecure",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
        ])
        .args(["-t", "tls/t", "-m", "x"])
        .run();
    oracle.assert_success();
}

#[test]
fn insecure_still_verifies_the_chain_like_mosquitto() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let untrusting = client_config(&TlsOptions {
        insecure: true,
        ..options(&pki.ca2)
    });
    // mosquitto sends its CA with its certificate: the chain ends in that untrusted self-signed CA
    let failure = failure_of(mqtt_connect(&untrusting, "127.0.0.1", broker.port()));
    assert!(
        matches!(&failure, TlsFailure::UnknownCa { cert: Some(cert) } if cert.summary.subject == "CN=rpubsub test CA"),
        "{failure:?}"
    );
    let port = broker.port().to_string();
    let ca2 = pki.ca2.display().to_string();
    let oracle = ClientRun::new(common::mosquitto_pub())
        .args([
            "--cafile",
            &ca2,
            "--insecure",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
        ])
        .args(["-t", "tls/t", "-m", "x"])
        .run();
    assert_ne!(oracle.code(), Some(0), "{}", oracle.dump());

    let expired = tls_broker(&pki, &pki.expired, &[]);
    let insecure = client_config(&TlsOptions {
        insecure: true,
        ..options(&pki.ca)
    });
    assert!(matches!(
        failure_of(mqtt_connect(&insecure, "127.0.0.1", expired.port())),
        TlsFailure::Expired { .. }
    ));
}

// ---------------------------------------------------------------------------------------------------------
// Classified failures
// ---------------------------------------------------------------------------------------------------------

#[test]
fn hostname_mismatch_names_both_sides() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.wrong_name, &[]);
    let config = client_config(&options(&pki.ca));
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", broker.port()));
    match &failure {
        TlsFailure::HostnameMismatch {
            expected,
            presented,
            from_common_name,
            cert,
        } => {
            assert_eq!(expected, "127.0.0.1");
            assert_eq!(
                presented,
                &vec![
                    "wrong.example".to_string(),
                    "other.example".to_string(),
                    "192.0.2.7".to_string()
                ]
            );
            assert!(!from_common_name);
            let cert = cert.as_ref().expect("the certificate is named");
            assert_eq!(cert.summary.subject, "CN=wrong");
            assert_eq!(cert.summary.issuer, "CN=rpubsub test CA");
        }
        other => panic!("expected a host name mismatch, got {other:?}"),
    }
    assert_eq!(exit::tls_failure(&failure).exit_code(), 8);
    assert!(
        failure.to_string().contains(
            "valid for \"wrong.example\", \"other.example\", \"192.0.2.7\", not for \"127.0.0.1\""
        ),
        "{failure}"
    );
    let failure = failure_of(mqtt_connect(&config, "localhost", broker.port()));
    assert!(
        matches!(&failure, TlsFailure::HostnameMismatch { expected, .. } if expected == "localhost"),
        "{failure:?}"
    );
}

/// A certificate whose only name is its Common Name (no subjectAltName) is valid for that name, as in
/// mosquitto (issue 12; it used to be refused, as WebPKI does).
#[test]
fn common_name_alone_matches_like_mosquitto() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.cn_only, &[]);
    let config = client_config(&options(&pki.ca));
    assert_connects(&config, "localhost", broker.port());
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", broker.port()));
    assert!(
        matches!(
            &failure,
            TlsFailure::HostnameMismatch { presented, from_common_name: true, .. }
                if presented == &vec!["localhost".to_string()]
        ),
        "{failure:?}"
    );
    assert!(
        failure.to_string().contains(
            "valid for \"localhost\" (its Common Name: it has no subjectAltName DNS name)"
        ),
        "{failure}"
    );
}

#[test]
fn unknown_ca() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server_ca2, &[]);
    let config = client_config(&options(&pki.ca));
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", broker.port()));
    assert!(
        matches!(&failure, TlsFailure::UnknownCa { cert: Some(cert) }
            if cert.summary.subject == "CN=server2" && cert.summary.issuer == "CN=rpubsub second CA"),
        "{failure:?}"
    );
    assert_eq!(exit::tls_failure(&failure).exit_code(), 8);
    // the broker was told why (rustls sends the alert before closing)
    broker.wait_for_log("alert unknown ca", TIMEOUT);
}

#[test]
fn expired_and_not_yet_valid_certificates() {
    let pki = Pki::new();
    let config = client_config(&options(&pki.ca));
    let expired = tls_broker(&pki, &pki.expired, &[]);
    match failure_of(mqtt_connect(&config, "127.0.0.1", expired.port())) {
        TlsFailure::Expired {
            not_after,
            now,
            cert,
        } => {
            assert_eq!(not_after, Some(1_580_515_200)); // 2020-02-01 00:00:00 UTC
            assert!(now.is_some());
            assert_eq!(
                cert.map(|cert| cert.summary.subject),
                Some("CN=expired".to_string())
            );
        }
        other => panic!("expected Expired, got {other:?}"),
    }
    let future = tls_broker(&pki, &pki.future, &[]);
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", future.port()));
    assert!(
        matches!(
            failure,
            TlsFailure::NotYetValid {
                not_before: Some(_),
                ..
            }
        ),
        "{failure:?}"
    );
    assert!(
        failure
            .to_string()
            .contains("valid from 2090-01-01 00:00:00 UTC"),
        "{failure}"
    );
}

#[test]
fn broker_requires_a_client_certificate() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &["require_certificate true"]);
    let config = client_config(&options(&pki.ca));
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", broker.port()));
    assert_eq!(failure, TlsFailure::ClientCertRequired);
    assert_eq!(exit::tls_failure(&failure).exit_code(), 8);
}

#[test]
fn broker_rejects_the_client_certificate() {
    let pki = Pki::new();
    // the broker trusts `ca` only; our certificate comes from `ca2`
    let broker = tls_broker(&pki, &pki.server, &["require_certificate true"]);
    let config = client_config(&TlsOptions {
        cert: Some(pki.client_ca2.cert.clone()),
        key: Some(pki.client_ca2.key.clone()),
        ..options(&pki.ca)
    });
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", broker.port()));
    assert!(
        matches!(
            &failure,
            TlsFailure::ClientCertRejected { alert, cert: Some(ours) }
                if alert == "unknown_ca" && ours.subject == "CN=client2"
        ),
        "{failure:?}"
    );
}

#[test]
fn plain_broker_on_the_tls_port() {
    let pki = Pki::new();
    let plain = Broker::start();
    let config = client_config(&options(&pki.ca));
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", plain.port()));
    assert_eq!(failure, TlsFailure::NotTlsServer { reply: Vec::new() });
    assert!(
        failure.to_string().contains("the port expects plain MQTT"),
        "{failure}"
    );
    // mosquitto_pub's exit code for this case is the one we keep
    let port = plain.port().to_string();
    let ca = pki.ca.display().to_string();
    let oracle = ClientRun::new(common::mosquitto_pub())
        .args(["--cafile", &ca, "-h", "127.0.0.1", "-p", &port])
        .args(["-t", "tls/t", "-m", "x"])
        .run();
    assert_eq!(
        oracle.code(),
        Some(exit::tls_failure(&failure).exit_code()),
        "{}",
        oracle.dump()
    );
    assert_eq!(oracle.stderr_text(), "Error: A TLS error occurred.\n");
}

#[test]
fn plain_server_answering_with_mqtt_bytes() {
    let pki = Pki::new();
    let (port, server) = plain_server(&[0x20, 0x02, 0x00, 0x05]);
    let config = client_config(&options(&pki.ca));
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", port));
    assert_eq!(
        failure,
        TlsFailure::NotTlsServer {
            reply: vec![0x20, 0x02, 0x00, 0x05]
        }
    );
    assert!(
        failure.to_string().contains("(it sent 20 02 00 05)"),
        "{failure}"
    );
    server.join().expect("server thread");
}

#[test]
fn tls_server_on_a_plain_port_is_recognised_by_its_first_bytes() {
    let pki = Pki::new();
    let server = TestServer::start(&pki.server, false, &[]);
    let mut tcp = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    tcp.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let mut connect = Vec::new();
    codec::encode(
        &Packet::Connect(Connect {
            version: Version::V311,
            clean_session: true,
            keep_alive: 60,
            client_id: "plain".to_string(),
            will: None,
            username: None,
            password: None,
            properties: Properties::default(),
        }),
        Version::V311,
        &mut connect,
    )
    .expect("encode");
    tcp.write_all(&connect).expect("send CONNECT");
    let mut reply = [0u8; 16];
    let n = tcp.read(&mut reply).expect("the TLS server answers");
    assert!(looks_like_tls_record(&reply[..n]), "{:02x?}", &reply[..n]);
    let failure = tls_reply_on_plain_port(&reply[..n]).expect("recognised");
    assert_eq!(exit::tls_failure(&failure).exit_code(), 2);
    assert!(
        failure.to_string().contains("this port expects TLS"),
        "{failure}"
    );
    assert_eq!(server.finish(), None);

    // mosquitto's own TLS listener says nothing to a plain client: it just drops the connection
    let broker = tls_broker(&pki, &pki.server, &[]);
    let mut tcp = TcpStream::connect(("127.0.0.1", broker.port())).expect("connect");
    tcp.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    tcp.write_all(&connect).expect("send CONNECT");
    match tcp.read(&mut reply) {
        Ok(n) => assert!(
            tls_reply_on_plain_port(&reply[..n]).is_none(),
            "{:02x?}",
            &reply[..n]
        ),
        Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset),
    }
}

// ---------------------------------------------------------------------------------------------------------
// --tls-version, --ciphers, --tls-alpn
// ---------------------------------------------------------------------------------------------------------

#[test]
fn tls13_only_listener() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &["tls_version tlsv1.3"]);
    for version in [None, Some("tlsv1.3"), Some("tlsv1.2")] {
        // mosquitto's `tlsv1.2` means "1.2 or later", so it reaches a 1.3-only broker too
        let config = client_config(&TlsOptions {
            tls_version: version.map(str::to_string),
            ..options(&pki.ca)
        });
        let session = assert_connects(&config, "127.0.0.1", broker.port());
        assert_eq!(session.stream.protocol_version(), Some("TLSv1.3"));
    }
}

#[test]
fn tls_version_mismatch() {
    let pki = Pki::new();
    let server = TestServer::start(&pki.server, true, &[]);
    let config = client_config(&TlsOptions {
        tls_version: Some("tlsv1.3".to_string()),
        ..options(&pki.ca)
    });
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", server.port));
    match &failure {
        TlsFailure::VersionMismatch { offered, .. } => assert_eq!(offered, "TLS 1.3 only"),
        other => panic!("expected VersionMismatch, got {other:?}"),
    }
    assert_eq!(exit::tls_failure(&failure).exit_code(), 8);
    assert_eq!(server.finish(), None);
}

#[test]
fn tls12_server_and_cipher_choice() {
    let pki = Pki::new();
    let server = TestServer::start(&pki.server, true, &[]);
    let config = client_config(&TlsOptions {
        tls_version: Some("tlsv1.2".to_string()),
        ciphers: Some("ECDHE-ECDSA-CHACHA20-POLY1305".to_string()),
        ..options(&pki.ca)
    });
    let mut session = assert_connects(&config, "127.0.0.1", server.port);
    assert_eq!(session.stream.protocol_version(), Some("TLSv1.2"));
    assert_eq!(
        session.stream.cipher_suite(),
        Some("ECDHE-ECDSA-CHACHA20-POLY1305")
    );
    session.stream.close();
    assert_eq!(server.finish(), Some(Vec::new()));

    // only RSA suites for TLS 1.2, but the server has an ECDSA key: nothing in common
    let server = TestServer::start(&pki.server, true, &[]);
    let config = client_config(&TlsOptions {
        ciphers: Some("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384".to_string()),
        ..options(&pki.ca)
    });
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", server.port));
    assert!(
        matches!(failure, TlsFailure::HandshakeRejected { .. }),
        "{failure:?}"
    );
    assert!(failure.to_string().contains("--ciphers"), "{failure}");
    assert_eq!(server.finish(), None);
}

#[test]
fn tls13_cipher_choice_against_mosquitto() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let config = client_config(&TlsOptions {
        ciphers: Some("TLS_CHACHA20_POLY1305_SHA256".to_string()),
        ..options(&pki.ca)
    });
    let session = assert_connects(&config, "127.0.0.1", broker.port());
    assert_eq!(
        session.stream.cipher_suite(),
        Some("TLS_CHACHA20_POLY1305_SHA256")
    );
}

#[test]
fn alpn_is_offered_and_checked() {
    let pki = Pki::new();
    let server = TestServer::start(&pki.server, false, &["mqtt"]);
    let config = client_config(&TlsOptions {
        alpn: Some("mqtt".to_string()),
        ..options(&pki.ca)
    });
    let mut session = assert_connects(&config, "127.0.0.1", server.port);
    assert_eq!(session.stream.alpn_protocol(), Some(&b"mqtt"[..]));
    session.stream.close();
    assert_eq!(server.finish(), Some(b"mqtt".to_vec()));

    let server = TestServer::start(&pki.server, false, &["mqtt"]);
    let config = client_config(&TlsOptions {
        alpn: Some("x-other".to_string()),
        ..options(&pki.ca)
    });
    let failure = failure_of(mqtt_connect(&config, "127.0.0.1", server.port));
    assert_eq!(
        failure,
        TlsFailure::AlpnRejected {
            offered: "x-other".to_string()
        }
    );
    assert_eq!(server.finish(), None);

    // mosquitto 2.0.11 has no ALPN setting: it ignores what we offer
    let broker = tls_broker(&pki, &pki.server, &[]);
    let config = client_config(&TlsOptions {
        alpn: Some("mqtt".to_string()),
        ..options(&pki.ca)
    });
    let session = assert_connects(&config, "127.0.0.1", broker.port());
    assert_eq!(session.stream.alpn_protocol(), None);
}

// ---------------------------------------------------------------------------------------------------------
// --tls-use-os-certs
// ---------------------------------------------------------------------------------------------------------

#[test]
fn os_certs_do_not_trust_a_private_ca() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let options = TlsOptions {
        use_os_certs: true,
        ..TlsOptions::default()
    };
    match build_client_config(&options) {
        Ok(config) => {
            let failure = failure_of(mqtt_connect(&config, "127.0.0.1", broker.port()));
            assert!(
                matches!(failure, TlsFailure::UnknownCa { .. }),
                "{failure:?}"
            );
        }
        // a machine without any CA bundle: the option says so clearly instead
        Err(err) => assert!(matches!(err, TlsSetupError::OsCerts { .. }), "{err}"),
    }
}

/// The positive case runs in a child process: SSL_CERT_FILE (honoured by rustls-native-certs, as by
/// OpenSSL) must not leak into the other tests of this process.
#[test]
fn os_certs_follow_ssl_cert_file() {
    let pki = Pki::new();
    let broker = tls_broker(&pki, &pki.server, &[]);
    let exe = std::env::current_exe().expect("test binary");
    let output = std::process::Command::new(exe)
        .args([
            "os_certs_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SSL_CERT_FILE", &pki.ca)
        .env_remove("SSL_CERT_DIR")
        .env("RPUBSUB_TLS_CHILD_PORT", broker.port().to_string())
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("child connected over TLS"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Only does something when started by `os_certs_follow_ssl_cert_file`.
#[test]
fn os_certs_child() {
    let Ok(port) = std::env::var("RPUBSUB_TLS_CHILD_PORT") else {
        return;
    };
    let port: u16 = port.parse().expect("port");
    let config = client_config(&TlsOptions {
        use_os_certs: true,
        ..TlsOptions::default()
    });
    assert_connects(&config, "127.0.0.1", port);
    println!("child connected over TLS");
}

// ---------------------------------------------------------------------------------------------------------
// Setup errors (exit 1), with mosquitto's texts where it has them
// ---------------------------------------------------------------------------------------------------------

fn setup_error(options: &TlsOptions) -> TlsSetupError {
    match build_client_config(options) {
        Ok(_) => panic!("expected a setup error for {options:?}"),
        Err(err) => {
            assert_eq!(exit::tls_setup_failure(&err).exit_code(), 1);
            err
        }
    }
}

#[test]
fn missing_files_are_reported_like_mosquitto() {
    let pki = Pki::new();
    let missing = pki.dir.join("nonexistent.crt");
    let err = setup_error(&options(&missing));
    assert_eq!(
        err.to_string(),
        "Error: Problem setting TLS options: File not found."
    );
    // the exact text of the recorded reference run (scenario pub_tls_cafile_missing)
    let oracle = ClientRun::new(common::mosquitto_pub())
        .args(["--cafile", &missing.display().to_string()])
        .args(["-h", "127.0.0.1", "-p", "1", "-t", "misc/tls", "-m", "x"])
        .run();
    assert_eq!(
        oracle.code(),
        Some(exit::tls_setup_failure(&err).exit_code()),
        "{}",
        oracle.dump()
    );
    assert_eq!(oracle.stderr_text(), format!("{err}\n"));

    for (cert, key) in [
        (missing.clone(), pki.client.key.clone()),
        (pki.client.cert.clone(), missing.clone()),
    ] {
        let err = setup_error(&TlsOptions {
            cert: Some(cert),
            key: Some(key),
            ..options(&pki.ca)
        });
        assert!(matches!(err, TlsSetupError::FileNotFound { .. }), "{err:?}");
    }
    let err = setup_error(&TlsOptions {
        cert: Some(pki.client.cert.clone()),
        ..options(&pki.ca)
    });
    assert_eq!(
        err.to_string(),
        "Error: Both certfile and keyfile must be provided if one of them is set."
    );
}

#[test]
fn unusable_ca_files_and_directories() {
    let pki = Pki::new();
    let garbage = pki.dir.write("garbage.pem", "this is not PEM\n");
    let err = setup_error(&options(&garbage));
    assert_eq!(
        err.to_string(),
        format!(
            "Error: Unable to load CA certificates, check cafile \"{}\": no PEM certificate \
             (-----BEGIN CERTIFICATE-----) in it.",
            garbage.display()
        )
    );
    let err = setup_error(&options(pki.dir.path()));
    assert!(
        err.to_string().contains("it is a directory (use --capath"),
        "{err}"
    );

    let err = setup_error(&TlsOptions {
        capath: Some(pki.dir.join("no-such-dir")),
        ..TlsOptions::default()
    });
    assert!(
        err.to_string()
            .ends_with("no-such-dir\": No such file or directory."),
        "{err}"
    );
    let empty = TempDir::new("tls-empty-capath");
    empty.write("notes.txt", "nothing here\n");
    let err = setup_error(&TlsOptions {
        capath: Some(empty.path().to_path_buf()),
        ..TlsOptions::default()
    });
    assert!(matches!(err, TlsSetupError::CaPath { .. }), "{err:?}");
    assert!(err.to_string().contains("no file in it holds"), "{err}");
}

#[test]
fn unusable_client_certificates_and_keys() {
    let pki = Pki::new();
    let garbage = pki.dir.write("garbage.pem", "this is not PEM\n");
    let pair = |cert: &PathBuf, key: &PathBuf| TlsOptions {
        cert: Some(cert.clone()),
        key: Some(key.clone()),
        ..options(&pki.ca)
    };

    let err = setup_error(&pair(&garbage, &pki.client.key));
    assert!(matches!(err, TlsSetupError::ClientCert { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("Error: Unable to load client certificate \""),
        "{err}"
    );

    let err = setup_error(&pair(&pki.client.cert, &garbage));
    assert!(matches!(err, TlsSetupError::ClientKey { .. }), "{err:?}");
    assert!(err.to_string().contains("no PEM private key"), "{err}");

    // the certificate file given as the key: no key in it
    let err = setup_error(&pair(&pki.client.cert, &pki.client.cert));
    assert!(matches!(err, TlsSetupError::ClientKey { .. }), "{err:?}");

    let err = setup_error(&pair(&pki.client.cert, &pki.server.key));
    assert_eq!(
        err,
        TlsSetupError::KeyMismatch {
            cert: pki.client.cert.clone(),
            key: pki.server.key.clone()
        }
    );

    // encrypted keys, in both PEM forms OpenSSL writes: a damaged PKCS#8 one is reported before any
    // pass phrase prompt; the legacy form gets the command that converts it
    let pkcs8 = pki.dir.write(
        "enc8.key",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let traditional = pki.dir.write(
        "enc.key",
        "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,0123456789ABCDEF0123456789ABCDEF\n\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n",
    );
    let err = setup_error(&pair(&pki.client.cert, &pkcs8));
    assert!(
        matches!(&err, TlsSetupError::ClientKey { reason, .. } if reason.contains("not a valid PKCS#8")),
        "{err:?}"
    );
    let err = setup_error(&pair(&pki.client.cert, &traditional));
    assert_eq!(
        err,
        TlsSetupError::LegacyEncryptedKey {
            path: traditional.clone()
        }
    );
    assert!(
        err.to_string().contains(&format!(
            "openssl pkcs8 -topk8 -v2 aes256 -in {0} -out {0}.p8",
            traditional.display()
        )),
        "{err}"
    );
}

#[test]
fn bad_versions_ciphers_alpn_and_host() {
    let pki = Pki::new();
    let err = setup_error(&TlsOptions {
        tls_version: Some("tlsv1.1".to_string()),
        ..options(&pki.ca)
    });
    assert_eq!(
        err,
        TlsSetupError::UnsupportedVersion {
            version: "tlsv1.1".to_string()
        }
    );
    let err = setup_error(&TlsOptions {
        tls_version: Some("foo".to_string()),
        ..options(&pki.ca)
    });
    assert_eq!(
        err.to_string(),
        "Error: Problem setting TLS options, check the options are valid."
    );
    let err = setup_error(&TlsOptions {
        ciphers: Some("FOO".to_string()),
        ..options(&pki.ca)
    });
    assert!(
        err.to_string()
            .starts_with("Error: Unable to set TLS ciphers. Check cipher list \"FOO\": "),
        "{err}"
    );
    let err = setup_error(&TlsOptions {
        alpn: Some(String::new()),
        ..options(&pki.ca)
    });
    assert!(matches!(err, TlsSetupError::Alpn { .. }), "{err:?}");

    let config = client_config(&options(&pki.ca));
    let tcp = TcpListener::bind("127.0.0.1:0").expect("bind");
    let socket = TcpStream::connect(tcp.local_addr().expect("addr")).expect("connect");
    match TlsStream::new(&config, "not a host name", socket) {
        Ok(_) => panic!("accepted an invalid host name"),
        Err(err) => assert_eq!(
            err,
            TlsSetupError::InvalidHostName {
                host: "not a host name".to_string()
            }
        ),
    }
}
