//! The TLS flags end to end: rpub/rsub against mosquitto TLS listeners (certificates made at test time).
//! Differential against mosquitto_pub/mosquitto_sub where their behaviour is the contract (stdout, `-d`
//! lines, exit codes, argument errors); ours-only where our text is deliberately clearer than
//! mosquitto's `Error: A TLS error occurred.`.

mod common;
#[path = "support/pki.rs"]
mod pki;

use std::time::Duration;

use common::{Broker, BrokerBuilder, ClientRun, Differential, Observed, TempDir};
use pki::{Leaf, Pki};

/// The broker config lines of a TLS-only listener with `leaf` as its certificate.
fn tls_builder(pki: &Pki, leaf: &Leaf, extra: &[&str]) -> BrokerBuilder {
    let mut builder = Broker::builder()
        .config_line(&format!("cafile {}", pki.ca.display()))
        .config_line(&format!("certfile {}", leaf.cert.display()))
        .config_line(&format!("keyfile {}", leaf.key.display()));
    for line in extra {
        builder = builder.config_line(line);
    }
    builder
}

fn ca_args(pki: &Pki) -> Vec<String> {
    vec!["--cafile".into(), pki.ca.display().to_string()]
}

#[test]
fn tls_publish_qos1_with_cafile() {
    let pki = Pki::new();
    Differential::new("tls_pub_qos1")
        .broker(tls_builder(&pki, &pki.server, &[]))
        .run(|ctx| {
            let mut peer = ctx
                .peer_sub(["-i", "peer", "-W", "8", "-t", "tls/t", "-C", "1", "-v"])
                .args(ca_args(&pki))
                .spawn();
            ctx.wait_subscribed(&mut peer, "peer");
            let out = ctx
                .pub_([
                    "-d", "-i", "tlspub", "-t", "tls/t", "-q", "1", "-m", "over tls",
                ])
                .args(ca_args(&pki))
                .run();
            Observed::client(&out).output("peer", &peer.wait())
        });
}

#[test]
fn tls_subscribe_by_host_name() {
    let pki = Pki::new();
    Differential::new("tls_sub_localhost")
        .broker(tls_builder(&pki, &pki.server, &[]))
        .run(|ctx| {
            let mut sub = ctx
                .sub_raw()
                .args(["-h", "localhost", "-p", &ctx.port().to_string()])
                .args(["-d", "-i", "tlssub", "-t", "tls/#", "-C", "1", "-q", "2"])
                .args(ca_args(&pki))
                .spawn();
            ctx.wait_subscribed(&mut sub, "tlssub");
            ctx.peer_pub(["-t", "tls/s", "-q", "2", "-m", "hello"])
                .args(ca_args(&pki))
                .run();
            Observed::client(&sub.wait())
        });
}

/// `--capath`: every PEM file in the directory is trusted (OpenSSL needs hashed file names there; we
/// do not, see docs/tls.md), so this one is ours only.
#[test]
fn tls_capath_without_hashed_names() {
    let pki = Pki::new();
    let broker = tls_builder(&pki, &pki.server, &[]).start();
    let capath = TempDir::new("capath");
    capath.write("ca.pem", std::fs::read(&pki.ca).expect("read CA"));
    let out = ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(["-d", "-i", "capath", "-t", "tls/p", "-m", "x"])
        .args(["--capath", &capath.path().display().to_string()])
        .timeout(Duration::from_secs(10))
        .run();
    assert_eq!(out.code(), Some(0), "{}", out.dump());
    assert_eq!(
        out.stdout_text(),
        "Client capath sending CONNECT\n\
         Client capath received CONNACK (0)\n\
         Client capath sending PUBLISH (d0, q0, r0, m1, 'tls/p', ... (1 bytes))\n\
         Client capath sending DISCONNECT\n"
    );
}

#[test]
fn tls_client_certificate_required_and_given() {
    let pki = Pki::new();
    Differential::new("tls_client_cert")
        .broker(tls_builder(
            &pki,
            &pki.server,
            &["require_certificate true"],
        ))
        .run(|ctx| {
            Observed::client(
                &ctx.pub_(["-d", "-i", "certpub", "-t", "tls/c", "-m", "x"])
                    .args(ca_args(&pki))
                    .args(["--cert", &pki.client.cert.display().to_string()])
                    .args(["--key", &pki.client.key.display().to_string()])
                    .run(),
            )
        });
}

#[test]
fn tls_insecure_accepts_a_wrong_name() {
    let pki = Pki::new();
    Differential::new("tls_insecure")
        .broker(tls_builder(&pki, &pki.wrong_name, &[]))
        .run(|ctx| {
            Observed::client(
                &ctx.pub_([
                    "-d",
                    "-i",
                    "insecure",
                    "-t",
                    "tls/i",
                    "-m",
                    "x",
                    "--insecure",
                ])
                .args(ca_args(&pki))
                .run(),
            )
        });
}

#[test]
fn tls_version_13_against_a_13_only_listener() {
    let pki = Pki::new();
    Differential::new("tls_v13")
        .broker(tls_builder(&pki, &pki.server, &["tls_version tlsv1.3"]))
        .run(|ctx| {
            Observed::client(
                &ctx.pub_([
                    "-d",
                    "-i",
                    "v13",
                    "-t",
                    "tls/v",
                    "-m",
                    "x",
                    "--tls-version",
                    "tlsv1.3",
                ])
                .args(ca_args(&pki))
                .run(),
            )
        });
}

/// `--cafile` pointing nowhere: mosquitto's text and exit code, nothing on stdout.
#[test]
fn tls_cafile_missing() {
    Differential::new("tls_cafile_missing").run(|ctx| {
        Observed::client(
            &ctx.pub_([
                "-d",
                "-t",
                "tls/t",
                "-m",
                "x",
                "--cafile",
                "/nonexistent/ca.crt",
            ])
            .run(),
        )
    });
}

/// A TLS client against a plain listener: exit 8 and nothing on stdout without `-d`, as mosquitto;
/// stderr says what happened instead of `Error: A TLS error occurred.`.
#[test]
fn tls_client_on_a_plain_port() {
    let pki = Pki::new();
    Differential::new("tls_to_plain").run(|ctx| {
        let out = ctx
            .pub_(["-t", "tls/t", "-m", "x"])
            .args(ca_args(&pki))
            .run();
        Observed::new()
            .bytes("stdout", &out.stdout)
            .exit("exit", &out)
    });
    let broker = Broker::start();
    let out = ours_pub(&broker, &pki, &["-t", "tls/t", "-m", "x"]);
    assert_eq!(out.code(), Some(8), "{}", out.dump());
    assert!(
        out.stderr_text().contains("the port expects plain MQTT"),
        "{}",
        out.dump()
    );
}

fn ours_pub(broker: &Broker, pki: &Pki, args: &[&str]) -> common::Output {
    ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(args)
        .args(ca_args(pki))
        .timeout(Duration::from_secs(10))
        .run()
}

/// The certificate is valid, but not for the name we connected with: exit 8 (mosquitto's code for a
/// failed handshake) and a message naming both sides.
#[test]
fn tls_hostname_mismatch_is_explained() {
    let pki = Pki::new();
    let broker = tls_builder(&pki, &pki.wrong_name, &[]).start();
    let out = ours_pub(&broker, &pki, &["-t", "tls/t", "-m", "x"]);
    assert_eq!(out.code(), Some(8), "{}", out.dump());
    let stderr = out.stderr_text();
    assert!(stderr.contains("host name mismatch"), "{stderr}");
    assert!(stderr.contains("\"127.0.0.1\""), "{stderr}");
    assert!(stderr.contains("wrong.example"), "{stderr}");
}

#[test]
fn tls_unknown_ca_is_explained() {
    let pki = Pki::new();
    let broker = tls_builder(&pki, &pki.server_ca2, &[]).start();
    let out = ours_pub(&broker, &pki, &["-t", "tls/t", "-m", "x"]);
    assert_eq!(out.code(), Some(8), "{}", out.dump());
    assert!(
        out.stderr_text().contains("not signed by a trusted CA"),
        "{}",
        out.dump()
    );
}

#[test]
fn tls_expired_certificate_is_explained() {
    let pki = Pki::new();
    let broker = tls_builder(&pki, &pki.expired, &[]).start();
    let out = ours_pub(&broker, &pki, &["-t", "tls/t", "-m", "x"]);
    assert_eq!(out.code(), Some(8), "{}", out.dump());
    assert!(out.stderr_text().contains("expired"), "{}", out.dump());
}

/// rsub gives up on a failed handshake (mosquitto_sub exits 8 too) instead of reconnecting forever.
#[test]
fn rsub_stops_on_a_tls_failure() {
    let pki = Pki::new();
    let broker = tls_builder(&pki, &pki.wrong_name, &[]).start();
    let out = ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &broker.port().to_string(),
            "-t",
            "tls/t",
        ])
        .args(ca_args(&pki))
        .timeout(Duration::from_secs(10))
        .run();
    assert_eq!(out.code(), Some(8), "{}", out.dump());
    assert!(
        out.stderr_text().contains("host name mismatch"),
        "{}",
        out.dump()
    );
}

/// TLS features rustls cannot offer are refused clearly (after mosquitto's own argument checks).
#[test]
fn psk_and_engines_are_refused_with_a_reason() {
    let run = |args: &[&str]| {
        ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
            .args(["-t", "t", "-m", "x"])
            .args(args)
            .run()
    };
    let psk = run(&["--psk", "0123", "--psk-identity", "me"]);
    assert_eq!(psk.code(), Some(1));
    assert_eq!(
        psk.stderr_text(),
        "Error: --psk is not supported by rpub (rustls has no TLS-PSK support).\n\n\
         Use 'rpub --help' to see usage.\n"
    );
    let engine = run(&["--tls-engine", "pkcs11", "--cafile", "/x"]);
    assert_eq!(engine.code(), Some(1));
    assert!(
        engine
            .stderr_text()
            .contains("TLS engines are an OpenSSL feature")
    );
    // mosquitto's own checks still come first.
    let no_identity = run(&["--psk", "0123"]);
    assert_eq!(
        no_identity.stderr_text(),
        "Error: --psk-identity required if --psk used.\n\nUse 'rpub --help' to see usage.\n"
    );
}

/// A server that answers our plain MQTT CONNECT with a TLS alert record.
fn tls_alert_server() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            // TLS 1.2 record, alert, fatal, protocol_version.
            let _ = stream.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]);
        }
    });
    port
}

/// A plain client talking to a TLS server: exit code and stdout as mosquitto's; our stderr says that
/// the server speaks TLS.
#[test]
fn plain_client_on_a_tls_port() {
    Differential::new("plain_to_tls").run(|ctx| {
        let port = tls_alert_server();
        let out = ctx
            .pub_raw()
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .args(["-d", "-i", "plain", "-t", "t", "-m", "x"])
            .run();
        Observed::new()
            .bytes("stdout", &out.stdout)
            .exit("exit", &out)
    });
    let port = tls_alert_server();
    let out = ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-t",
            "t",
            "-m",
            "x",
        ])
        .timeout(Duration::from_secs(10))
        .run();
    assert_eq!(out.code(), Some(2), "{}", out.dump());
    assert!(out.stderr_text().contains("TLS"), "{}", out.dump());
}

/// `-A` (bind address) together with TLS.
#[test]
fn tls_with_a_bind_address() {
    let pki = Pki::new();
    Differential::new("tls_bind_address")
        .broker(tls_builder(&pki, &pki.server, &[]))
        .run(|ctx| {
            Observed::client(
                &ctx.pub_([
                    "-d",
                    "-i",
                    "bound",
                    "-A",
                    "127.0.0.1",
                    "-t",
                    "tls/a",
                    "-q",
                    "1",
                    "-m",
                    "x",
                ])
                .args(ca_args(&pki))
                .run(),
            )
        });
}

/// `--unix PATH` against a mosquitto unix-socket listener: mosquitto_pub and rpub, each against its
/// own broker and socket path (the two runs of `Differential` would share one path).
#[test]
fn unix_socket_listener() {
    let run = |program: std::path::PathBuf| {
        let sockets = TempDir::new("unix");
        let path = sockets.join("mqtt.sock");
        let _broker = Broker::builder()
            .config_line(&format!("listener 0 {}", path.display()))
            .start();
        ClientRun::new(program)
            .args(["-d", "-i", "unixpub", "--unix", &path.display().to_string()])
            .args(["-t", "u/t", "-q", "1", "-m", "x"])
            .timeout(Duration::from_secs(10))
            .run()
    };
    let theirs = run(common::mosquitto_pub());
    let ours = run(env!("CARGO_BIN_EXE_rpub").into());
    assert_eq!(theirs.code(), Some(0), "{}", theirs.dump());
    assert_eq!(ours.stdout_text(), theirs.stdout_text());
    assert_eq!(ours.stderr_text(), theirs.stderr_text());
    assert_eq!(ours.code(), theirs.code());
}

/// A 2 MiB payload (large payloads are written by the driver as a header and a shared payload, which
/// TLS takes one after the other) crosses TLS from rpub `-f` to rsub byte for byte, plain and `-v`.
#[test]
fn tls_large_payload_from_rpub_file_to_rsub() {
    let pki = Pki::new();
    let broker = tls_builder(&pki, &pki.server, &[]).start();
    let payload: Vec<u8> = (0..2u32 << 20).map(|i| (i * 13 + i / 509) as u8).collect();
    let file = broker.dir().write("big.bin", &payload);
    let sub = |id: &str, extra: &[&str]| {
        let mut running = ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
            .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
            .args(["-i", id, "-t", "tls/big", "-q", "1", "-C", "1"])
            .args(extra)
            .args(ca_args(&pki))
            .timeout(Duration::from_secs(120))
            .spawn();
        let seen = broker.poll_log(
            0,
            &format!("Received SUBSCRIBE from {id}\n"),
            common::LOG_TIMEOUT,
            || !running.has_exited(),
        );
        assert!(seen, "{id} did not subscribe:\n{}", running.wait().dump());
        running
    };
    let plain = sub("tlsbig", &[]);
    let verbose = sub("tlsbigv", &["-v"]);
    let publ = ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(["-i", "tlsbigpub", "-t", "tls/big", "-q", "1", "-f"])
        .arg(&file)
        .args(ca_args(&pki))
        .timeout(Duration::from_secs(120))
        .run();
    publ.assert_success();
    let mut line = payload;
    line.push(b'\n');
    let plain = plain.wait();
    assert_eq!(plain.code(), Some(0), "{}", plain.dump());
    assert!(plain.stdout == line, "plain: {} bytes", plain.stdout.len());
    let verbose = verbose.wait();
    assert_eq!(verbose.code(), Some(0), "{}", verbose.dump());
    assert!(
        verbose.stdout == [&b"tls/big "[..], &line].concat(),
        "-v: {} bytes",
        verbose.stdout.len()
    );
}

/// rrr over TLS, against mosquitto_rr: the request on its own response topic is its response, so no
/// responder is needed.
#[test]
fn tls_rr_request_answered_by_itself() {
    let pki = Pki::new();
    Differential::new("tls_rr_loop")
        .broker(tls_builder(&pki, &pki.server, &[]))
        .run(|ctx| {
            let out = ctx
                .rr([
                    "-d", "-i", "tlsrr", "-t", "tls/loop", "-e", "tls/loop", "-q", "1", "-m",
                    "over tls", "-v",
                ])
                .args(ca_args(&pki))
                .run();
            Observed::client(&out)
        });
}

/// rrr and mosquitto_rr over `--unix`, each against its own broker and socket path.
#[test]
fn unix_socket_listener_rr() {
    let run = |program: std::path::PathBuf| {
        let sockets = TempDir::new("unix-rr");
        let path = sockets.join("mqtt.sock");
        let _broker = Broker::builder()
            .config_line(&format!("listener 0 {}", path.display()))
            .start();
        ClientRun::new(program)
            .args(["-d", "-i", "unixrr", "--unix", &path.display().to_string()])
            .args(["-t", "u/loop", "-e", "u/loop", "-q", "2", "-m", "x"])
            .timeout(Duration::from_secs(10))
            .run()
    };
    let theirs = run(common::mosquitto_rr());
    let ours = run(env!("CARGO_BIN_EXE_rrr").into());
    assert_eq!(theirs.code(), Some(0), "{}", theirs.dump());
    assert_eq!(ours.stdout_text(), theirs.stdout_text());
    assert_eq!(ours.stderr_text(), theirs.stderr_text());
    assert_eq!(ours.code(), theirs.code());
}
