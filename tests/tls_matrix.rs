//! The certificate matrix of issue 12, differential: certificates made by `openssl` the way mosquitto
//! users make them (`man mosquitto-tls`), one real mosquitto TLS listener per case, and mosquitto_pub
//! 2.0.11 and rpub run against the same listener. They must agree on connected or refused, and rpub's
//! message must name the cause. Exit codes: 0 for both when connected; refused, rpub exits 8
//! (MOSQ_ERR_TLS) and mosquitto_pub 8 or 1, depending on timing (see `Case::check`).
//!
//! Host names that resolve nowhere (`broker.example.test`) go through a SOCKS5 proxy that connects every
//! request to 127.0.0.1, for both clients (the name checked is still the `-h` value).

mod common;
#[path = "support/openssl_pki.rs"]
mod openssl_pki;
#[path = "support/tls_stub.rs"]
mod tls_stub;

use std::path::Path;

use common::{Broker, ClientRun, Output};
use openssl_pki::{CA_EXTENSIONS, Issued, OpensslPki, Spec, redirecting_proxy};

/// What both clients must do.
enum Expect<'a> {
    Connect,
    /// Exit 8 (MOSQ_ERR_TLS) for both, and each of these in rpub's message.
    Refuse(&'a [&'a str]),
}

struct Case<'a> {
    /// The broker's certfile/keyfile.
    server: &'a Issued,
    /// The broker's cafile (for client certificates).
    broker_ca: &'a Path,
    broker_lines: &'a [&'a str],
    /// The clients' `--cafile` (or `--capath`, see `ca_flag`).
    client_ca: &'a Path,
    ca_flag: &'a str,
    host: &'a str,
    /// Extra client arguments (`--insecure`, `--cert ... --key ...`).
    args: &'a [String],
}

impl Case<'_> {
    fn new<'a>(server: &'a Issued, ca: &'a Issued, host: &'a str) -> Case<'a> {
        Case {
            server,
            broker_ca: &ca.cert,
            broker_lines: &[],
            client_ca: &ca.cert,
            ca_flag: "--cafile",
            host,
            args: &[],
        }
    }

    fn run_client(&self, program: impl AsRef<std::ffi::OsStr>, port: u16) -> Output {
        let resolvable = self.host == "localhost" || self.host.parse::<std::net::IpAddr>().is_ok();
        let mut run = ClientRun::new(program)
            .args(["-h", self.host, "-p", &port.to_string()])
            .args([self.ca_flag, &self.client_ca.display().to_string()])
            .args(["-t", "matrix/t", "-m", "x"])
            .args(self.args);
        if !resolvable {
            run = run.args([
                "--proxy",
                &format!("socks5h://127.0.0.1:{}", redirecting_proxy()),
            ]);
        }
        run.run()
    }

    /// Runs both clients against one listener and checks the verdicts.
    fn check(&self, expect: Expect<'_>) {
        let mut builder = Broker::builder()
            .config_line(&format!("cafile {}", self.broker_ca.display()))
            .config_line(&format!("certfile {}", self.server.cert.display()))
            .config_line(&format!("keyfile {}", self.server.key.display()));
        for line in self.broker_lines {
            builder = builder.config_line(line);
        }
        let broker = builder.start();
        let theirs = self.run_client(common::mosquitto_pub(), broker.port());
        let ours = self.run_client(env!("CARGO_BIN_EXE_rpub"), broker.port());
        let both = format!("mosquitto_pub:\n{}\nrpub:\n{}", theirs.dump(), ours.dump());
        match expect {
            Expect::Connect => {
                assert_eq!(
                    theirs.code(),
                    Some(0),
                    "mosquitto_pub did not connect\n{both}"
                );
                assert_eq!(ours.code(), Some(0), "rpub did not connect\n{both}");
                assert_eq!(ours.stderr_text(), "", "{both}");
            }
            Expect::Refuse(causes) => {
                // mosquitto_pub's exit code for a refused handshake depends on timing: 1 when the
                // broker's answer is already there at its first SSL_connect (inside mosquitto_connect),
                // 8 (MOSQ_ERR_TLS) when it comes later, in the network loop. rpub always says 8.
                let theirs_refused = match theirs.code() {
                    Some(1) => {
                        theirs.stderr_text() == "Unable to connect (A TLS error occurred.).\n"
                    }
                    Some(8) => theirs.stderr_text() == "Error: A TLS error occurred.\n",
                    _ => false,
                };
                assert!(
                    theirs_refused,
                    "mosquitto_pub did not refuse the handshake\n{both}"
                );
                assert_eq!(ours.code(), Some(8), "{both}");
                let message = ours.stderr_text();
                assert!(message.starts_with("Error: TLS"), "{both}");
                assert_eq!(message.lines().count(), 1, "{both}");
                for cause in causes {
                    assert!(
                        message.contains(cause),
                        "no {cause:?} in rpub's message\n{both}"
                    );
                }
            }
        }
    }
}

/// The recipe of `man mosquitto-tls` exactly: a v3 CA, a version 1 server certificate whose only name is
/// its Common Name, RSA keys.
#[test]
fn v1_server_certificate_from_the_mosquitto_tls_recipe() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue("server", &ca, &Spec::v1("localhost").rsa());
    assert_eq!(pki.version_of(&server), 1);
    Case::new(&server, &ca, "localhost").check(Expect::Connect);
}

/// The recipe's CA in a `--capath` directory with OpenSSL's hash names (`openssl rehash`), which
/// mosquitto needs; we read every PEM file there.
#[test]
fn v1_server_certificate_with_capath() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue("server", &ca, &Spec::v1("localhost"));
    let capath = common::TempDir::new("capath");
    std::fs::copy(&ca.cert, capath.join("ca.pem")).expect("copy CA");
    pki.openssl(&["rehash", &capath.path().display().to_string()]);
    Case {
        client_ca: capath.path(),
        ca_flag: "--capath",
        ..Case::new(&server, &ca, "localhost")
    }
    .check(Expect::Connect);
}

/// A CA of the same name but another key signed the broker's certificate: the signature does not verify.
#[test]
fn v1_server_certificate_signed_by_an_impostor_ca_of_the_same_name() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let impostor = pki.ca_named("impostor", "ca");
    let server = pki.issue("server", &impostor, &Spec::v1("localhost"));
    Case::new(&server, &ca, "localhost").check(Expect::Refuse(&[
        "the signature on the broker's certificate (subject \"CN=localhost\", issuer \"CN=ca\")",
        "does not verify with its issuer's key",
    ]));
}

#[test]
fn v1_server_certificate_for_another_name_needs_insecure() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue("server", &ca, &Spec::v1("localhost"));
    Case::new(&server, &ca, "127.0.0.1").check(Expect::Refuse(&[
        "host name mismatch",
        "subject \"CN=localhost\", issuer \"CN=ca\"",
        "valid for \"localhost\" (its Common Name",
        "not for \"127.0.0.1\"",
    ]));
    let insecure = ["--insecure".to_string()];
    Case {
        args: &insecure,
        ..Case::new(&server, &ca, "127.0.0.1")
    }
    .check(Expect::Connect);
}

#[test]
fn v3_server_certificate_without_subject_alt_name_uses_the_common_name() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue(
        "server",
        &ca,
        &Spec::v3(
            "localhost",
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n",
        ),
    );
    assert_eq!(pki.version_of(&server), 3);
    Case::new(&server, &ca, "localhost").check(Expect::Connect);
}

/// A subjectAltName DNS name shuts the Common Name out.
#[test]
fn subject_alt_name_wins_over_the_common_name() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue(
        "server",
        &ca,
        &Spec::v3("localhost", "subjectAltName=DNS:broker.example.test\n"),
    );
    Case::new(&server, &ca, "localhost").check(Expect::Refuse(&[
        "host name mismatch",
        "valid for \"broker.example.test\", not for \"localhost\"",
    ]));
    Case::new(&server, &ca, "broker.example.test").check(Expect::Connect);
}

#[test]
fn wildcard_common_name() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue("server", &ca, &Spec::v1("*.example.test"));
    Case::new(&server, &ca, "broker.example.test").check(Expect::Connect);
    Case::new(&server, &ca, "a.broker.example.test").check(Expect::Refuse(&[
        "host name mismatch",
        "valid for \"*.example.test\"",
    ]));
}

#[test]
fn ip_address_in_the_common_name_and_in_the_subject_alt_name() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let in_cn = pki.issue("in-cn", &ca, &Spec::v1("127.0.0.1"));
    Case::new(&in_cn, &ca, "127.0.0.1").check(Expect::Connect);
    let in_san = pki.issue(
        "in-san",
        &ca,
        &Spec::v3("broker", "subjectAltName=IP:127.0.0.1\n"),
    );
    Case::new(&in_san, &ca, "127.0.0.1").check(Expect::Connect);
    // an IP-only subjectAltName does not shut the Common Name out
    Case::new(&in_san, &ca, "localhost").check(Expect::Refuse(&[
        "valid for \"broker\" (its Common Name: it has no subjectAltName DNS name), \"127.0.0.1\"",
    ]));
}

#[test]
fn expired_v1_server_certificate() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue(
        "server",
        &ca,
        &Spec::v1("localhost").dates("20200101000000Z", "20200201000000Z"),
    );
    assert_eq!(pki.version_of(&server), 1);
    Case::new(&server, &ca, "localhost").check(Expect::Refuse(&[
        "the broker's certificate (subject \"CN=localhost\", issuer \"CN=ca\") has expired",
        "valid until 2020-02-01 00:00:00 UTC",
    ]));
    // --insecure does not skip the dates
    let insecure = ["--insecure".to_string()];
    Case {
        args: &insecure,
        ..Case::new(&server, &ca, "localhost")
    }
    .check(Expect::Refuse(&["has expired"]));
}

#[test]
fn not_yet_valid_v1_server_certificate() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue(
        "server",
        &ca,
        &Spec::v1("localhost").dates("20900101000000Z", "20910101000000Z"),
    );
    Case::new(&server, &ca, "localhost").check(Expect::Refuse(&[
        "is not valid yet: valid from 2090-01-01 00:00:00 UTC",
    ]));
}

#[test]
fn v1_server_certificate_signed_by_another_ca() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let other = pki.ca("other-ca");
    let server = pki.issue("server", &other, &Spec::v1("localhost"));
    let case = Case {
        broker_ca: &ca.cert,
        ..Case::new(&server, &ca, "localhost")
    };
    case.check(Expect::Refuse(&[
        "not signed by a trusted CA",
        "unknown issuer \"CN=other-ca\"",
        "subject \"CN=localhost\"",
    ]));
    let insecure = ["--insecure".to_string()];
    Case {
        args: &insecure,
        ..case
    }
    .check(Expect::Refuse(&["not signed by a trusted CA"]));
}

#[test]
fn v1_server_certificate_through_a_v3_intermediate() {
    let pki = OpensslPki::new();
    let ca = pki.ca("root");
    let intermediate = pki.issue(
        "intermediate",
        &ca,
        &Spec::v3("intermediate", CA_EXTENSIONS),
    );
    let leaf = pki.issue("server", &intermediate, &Spec::v1("localhost"));
    let chain = pki.with_chain("server-chain", &leaf, &[&intermediate]);
    Case::new(&chain, &ca, "localhost").check(Expect::Connect);
    // without the intermediate the chain does not reach the root
    Case::new(&leaf, &ca, "localhost").check(Expect::Refuse(&[
        "not signed by a trusted CA",
        "unknown issuer \"CN=intermediate\"",
    ]));
}

/// OpenSSL accepts a version 1 certificate as a CA only as a trusted self-signed root.
#[test]
fn v1_intermediate_is_not_a_ca() {
    let pki = OpensslPki::new();
    let ca = pki.ca("root");
    let intermediate = pki.issue("intermediate", &ca, &Spec::v1("intermediate"));
    let leaf = pki.issue("server", &intermediate, &Spec::v1("localhost"));
    let chain = pki.with_chain("server-chain", &leaf, &[&intermediate]);
    Case::new(&chain, &ca, "localhost").check(Expect::Refuse(&[
        "the CA certificate in the broker's chain (subject \"CN=intermediate\", issuer \"CN=root\"",
        "is not a valid CA certificate",
        "version 1",
    ]));
}

#[test]
fn v1_self_signed_root_is_a_ca() {
    let pki = OpensslPki::new();
    let root = pki.ca_v1("v1-root");
    assert_eq!(pki.version_of(&root), 1);
    let server = pki.issue("server", &root, &Spec::v1("localhost"));
    Case::new(&server, &root, "localhost").check(Expect::Connect);
}

/// The client side of the recipe: a version 1 client certificate (RSA) to a listener with
/// `require_certificate true`.
#[test]
fn v1_client_certificate_to_a_require_certificate_listener() {
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    let server = pki.issue("server", &ca, &Spec::v1("localhost"));
    let client = pki.issue("client", &ca, &Spec::v1("client").rsa());
    assert_eq!(pki.version_of(&client), 1);
    let args = [
        "--cert".to_string(),
        client.cert_arg(),
        "--key".to_string(),
        client.key_arg(),
    ];
    Case {
        broker_lines: &["require_certificate true"],
        args: &args,
        ..Case::new(&server, &ca, "localhost")
    }
    .check(Expect::Connect);
}

/// The handshake signature of a version 1 certificate's key, in TLS 1.2 (ServerKeyExchange) and TLS 1.3
/// (CertificateVerify), with RSA and EC keys: against a rustls stub, since mosquitto cannot be made to
/// speak TLS 1.2 only.
#[test]
fn v1_server_certificate_over_tls12_and_tls13() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let pki = OpensslPki::new();
    let ca = pki.ca("ca");
    for (name, spec) in [
        ("rsa", Spec::v1("127.0.0.1").rsa()),
        ("ec", Spec::v1("127.0.0.1")),
    ] {
        let server = pki.issue(name, &ca, &spec);
        for tls12_only in [true, false] {
            let chain = vec![CertificateDer::from_pem_file(&server.cert).expect("cert")];
            let key = PrivateKeyDer::from_pem_file(&server.key).expect("key");
            let (port, stub) = tls_stub::start(chain, key, tls12_only);
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
                .args(["--cafile", &ca.cert_arg()])
                .run();
            assert_eq!(
                out.code(),
                Some(0),
                "{name}, TLS 1.2 only: {tls12_only}\n{}",
                out.dump()
            );
            assert!(
                !stub.join().expect("stub").is_empty(),
                "the stub's handshake failed"
            );
        }
    }
    // a server holding another key than its certificate's fails the handshake signature check
    let server = pki.issue("server", &ca, &Spec::v1("127.0.0.1"));
    let impostor = pki.issue("impostor", &ca, &Spec::v1("127.0.0.1"));
    for tls12_only in [true, false] {
        let chain = vec![CertificateDer::from_pem_file(&server.cert).expect("cert")];
        let key = PrivateKeyDer::from_pem_file(&impostor.key).expect("key");
        let (port, _stub) = tls_stub::start(chain, key, tls12_only);
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
            .args(["--cafile", &ca.cert_arg()])
            .run();
        assert_eq!(
            out.code(),
            Some(8),
            "TLS 1.2 only: {tls12_only}\n{}",
            out.dump()
        );
        assert!(
            out.stderr_text().contains("handshake signature does not verify with the key of the broker's certificate (subject \"CN=127.0.0.1\""),
            "TLS 1.2 only: {tls12_only}\n{}",
            out.dump()
        );
    }
}
