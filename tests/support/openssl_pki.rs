//! Certificates made at test time with the `openssl` command, the way mosquitto users make them
//! (`man mosquitto-tls`: a CA from `openssl req -new -x509 -extensions v3_ca`, certificates from
//! `openssl x509 -req -CA ca.crt -CAkey ca.key` without an extensions file, which gives X.509 version 1
//! certificates), plus the variants the TLS matrix needs (extensions files, chosen validity dates through
//! `openssl ca`, other CAs, intermediates). `scripts/test.sh` installs `openssl` when it is missing.
//!
//! Also a SOCKS5 proxy that connects every request to 127.0.0.1, so that host names that resolve nowhere
//! (`broker.example.test`) can be used for host name checks, by mosquitto_pub and rpub alike.
//!
//! Include with `#[path = "support/openssl_pki.rs"] mod openssl_pki;` after `mod common;`.

#![allow(dead_code)]

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

use crate::common::{TempDir, find_program};

/// A certificate (PEM, possibly followed by its chain) and its key (PEM).
#[derive(Clone, Debug)]
pub struct Issued {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Issued {
    pub fn cert_arg(&self) -> String {
        self.cert.display().to_string()
    }

    pub fn key_arg(&self) -> String {
        self.key.display().to_string()
    }
}

/// Key types: RSA 2048 as in `man mosquitto-tls`, or the faster EC P-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ec,
}

/// What to put in a certificate signed by a CA.
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    pub common_name: &'a str,
    /// An `openssl x509 -extfile` text (`subjectAltName=DNS:a`); `None`: a version 1 certificate.
    pub extensions: Option<&'a str>,
    /// `(notBefore, notAfter)` as `YYYYMMDDHHMMSSZ` (through `openssl ca`); `None`: now, 30 days.
    pub dates: Option<(&'a str, &'a str)>,
    pub key: KeyType,
}

impl<'a> Spec<'a> {
    /// A version 1 certificate for `common_name`, as the mosquitto-tls recipe makes it.
    pub fn v1(common_name: &'a str) -> Spec<'a> {
        Spec {
            common_name,
            extensions: None,
            dates: None,
            key: KeyType::Ec,
        }
    }

    /// A version 3 certificate with these extensions.
    pub fn v3(common_name: &'a str, extensions: &'a str) -> Spec<'a> {
        Spec {
            extensions: Some(extensions),
            ..Spec::v1(common_name)
        }
    }

    pub fn rsa(self) -> Spec<'a> {
        Spec {
            key: KeyType::Rsa,
            ..self
        }
    }

    pub fn dates(self, not_before: &'a str, not_after: &'a str) -> Spec<'a> {
        Spec {
            dates: Some((not_before, not_after)),
            ..self
        }
    }
}

/// The extensions of an intermediate CA certificate.
pub const CA_EXTENSIONS: &str =
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";

/// A directory of certificates made by `openssl`.
pub struct OpensslPki {
    pub dir: TempDir,
    serial: AtomicU32,
}

fn openssl() -> PathBuf {
    find_program("openssl", &["/usr/bin"]).unwrap_or_else(|| {
        panic!(
            "openssl not found: install it with `apt-get install -y openssl` (scripts/test.sh does)"
        )
    })
}

fn run(args: &[&str], dir: &Path) {
    let output = Command::new(openssl())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|err| panic!("cannot run openssl: {err}"));
    assert!(
        output.status.success(),
        "openssl {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl OpensslPki {
    pub fn new() -> OpensslPki {
        OpensslPki {
            dir: TempDir::new("openssl-pki"),
            serial: AtomicU32::new(0x1000),
        }
    }

    /// Runs `openssl` with these arguments in the directory (panics with its output on failure).
    pub fn openssl(&self, args: &[&str]) {
        run(args, self.dir.path());
    }

    /// A file name in the directory, as an argument.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn new_key(&self, name: &str, key: KeyType) -> String {
        let path = self.path(&format!("{name}.key"));
        match key {
            KeyType::Rsa => run(&["genrsa", "-out", &path, "2048"], self.dir.path()),
            KeyType::Ec => run(
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &path,
                ],
                self.dir.path(),
            ),
        }
        path
    }

    /// A CA as `man mosquitto-tls` makes it: `openssl req -new -x509 -days ... -extensions v3_ca`.
    pub fn ca(&self, name: &str) -> Issued {
        self.ca_named(name, name)
    }

    /// A CA (as [`Self::ca`]) in the files `file.crt`/`file.key` with this Common Name.
    pub fn ca_named(&self, file: &str, common_name: &str) -> Issued {
        let name = common_name;
        let key = self.new_key(file, KeyType::Rsa);
        let cert = self.path(&format!("{file}.crt"));
        run(
            &[
                "req",
                "-new",
                "-x509",
                "-days",
                "30",
                "-extensions",
                "v3_ca",
                "-key",
                &key,
                "-out",
                &cert,
                "-subj",
                &format!("/CN={name}"),
            ],
            self.dir.path(),
        );
        Issued {
            cert: cert.into(),
            key: key.into(),
        }
    }

    /// A version 1 self-signed CA (`openssl x509 -req -signkey`, no extensions).
    pub fn ca_v1(&self, name: &str) -> Issued {
        let key = self.new_key(name, KeyType::Ec);
        let csr = self.path(&format!("{name}.csr"));
        let cert = self.path(&format!("{name}.crt"));
        run(
            &[
                "req",
                "-new",
                "-key",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={name}"),
            ],
            self.dir.path(),
        );
        run(
            &[
                "x509", "-req", "-in", &csr, "-signkey", &key, "-days", "30", "-out", &cert,
            ],
            self.dir.path(),
        );
        Issued {
            cert: cert.into(),
            key: key.into(),
        }
    }

    /// A certificate signed by `issuer` (see [`Spec`]).
    pub fn issue(&self, name: &str, issuer: &Issued, spec: &Spec<'_>) -> Issued {
        let key = self.new_key(name, spec.key);
        self.issue_for_key(name, issuer, spec, &key, None)
    }

    /// A certificate signed by `issuer` for an existing key (`passphrase`: the key's, if encrypted).
    pub fn issue_for_key(
        &self,
        name: &str,
        issuer: &Issued,
        spec: &Spec<'_>,
        key: &str,
        passphrase: Option<&str>,
    ) -> Issued {
        let key = key.to_string();
        let csr = self.path(&format!("{name}.csr"));
        let cert = self.path(&format!("{name}.crt"));
        let subject = format!("/CN={}", spec.common_name);
        let pass_arg = passphrase.map(|p| format!("pass:{p}"));
        let mut args = vec!["req", "-new", "-key", &key, "-out", &csr, "-subj", &subject];
        if let Some(pass_arg) = &pass_arg {
            args.extend(["-passin", pass_arg]);
        }
        run(&args, self.dir.path());
        let extfile = spec.extensions.map(|text| {
            let path = self.path(&format!("{name}.ext"));
            fs::write(&path, text).expect("write extensions file");
            path
        });
        let serial = self.serial.fetch_add(1, Ordering::Relaxed).to_string();
        let issuer_cert = issuer.cert_arg();
        let issuer_key = issuer.key_arg();
        match spec.dates {
            None => {
                let mut args = vec![
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    &issuer_cert,
                    "-CAkey",
                    &issuer_key,
                    "-set_serial",
                    &serial,
                    "-days",
                    "30",
                    "-out",
                    &cert,
                ];
                if let Some(extfile) = &extfile {
                    args.extend(["-extfile", extfile]);
                }
                run(&args, self.dir.path());
            }
            Some((not_before, not_after)) => {
                // `openssl ca` is the one that takes dates; without -extfile it writes version 1
                let db = self.dir.join(&format!("{name}-ca"));
                fs::create_dir_all(&db).expect("ca dir");
                fs::write(db.join("index.txt"), "").expect("index");
                fs::write(db.join("serial"), format!("{serial}\n")).expect("serial");
                let config = db.join("ca.cnf");
                fs::write(
                    &config,
                    format!(
                        "[ca]\ndefault_ca = here\n[here]\ndatabase = {db}/index.txt\nnew_certs_dir = {db}\n\
                         serial = {db}/serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n\
                         [any]\ncommonName = supplied\n",
                        db = db.display()
                    ),
                )
                .expect("ca config");
                let config = config.display().to_string();
                let mut args = vec![
                    "ca",
                    "-batch",
                    "-notext",
                    "-config",
                    &config,
                    "-cert",
                    &issuer_cert,
                    "-keyfile",
                    &issuer_key,
                    "-in",
                    &csr,
                    "-out",
                    &cert,
                    "-startdate",
                    not_before,
                    "-enddate",
                    not_after,
                ];
                if let Some(extfile) = &extfile {
                    args.extend(["-extfile", extfile]);
                }
                run(&args, self.dir.path());
            }
        }
        Issued {
            cert: cert.into(),
            key: key.into(),
        }
    }

    /// `leaf`'s certificate followed by `chain` (what a broker's `certfile` holds to send its chain).
    pub fn with_chain(&self, name: &str, leaf: &Issued, chain: &[&Issued]) -> Issued {
        let mut pem = fs::read(&leaf.cert).expect("read leaf");
        for cert in chain {
            pem.extend(fs::read(&cert.cert).expect("read chain"));
        }
        Issued {
            cert: self.dir.write(&format!("{name}.pem"), pem),
            key: leaf.key.clone(),
        }
    }

    /// The X.509 version `openssl x509 -text` reports (1 or 3).
    pub fn version_of(&self, issued: &Issued) -> u32 {
        let output = Command::new(openssl())
            .args(["x509", "-noout", "-text", "-in"])
            .arg(&issued.cert)
            .output()
            .expect("openssl x509");
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text
            .lines()
            .find(|line| line.trim_start().starts_with("Version:"))
            .expect("version line");
        line.trim_start()
            .trim_start_matches("Version:")
            .trim()
            .split(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("version number")
    }
}

// ---------------------------------------------------------------------------------------------------------
// A SOCKS5 proxy that sends every connection to 127.0.0.1
// ---------------------------------------------------------------------------------------------------------

fn relay(mut client: TcpStream) -> io::Result<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head)?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods)?;
    client.write_all(&[5, 0])?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request)?;
    let skip = match request[3] {
        1 => 4,
        4 => 16,
        _ => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            usize::from(len[0])
        }
    };
    let mut address = vec![0u8; skip];
    client.read_exact(&mut address)?;
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let upstream = TcpStream::connect(("127.0.0.1", u16::from_be_bytes(port)))?;
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    let (mut client_in, mut upstream_out) = (client.try_clone()?, upstream.try_clone()?);
    let forward = thread::spawn(move || {
        let _ = io::copy(&mut client_in, &mut upstream_out);
        let _ = upstream_out.shutdown(Shutdown::Write);
    });
    let (mut upstream_in, mut client_out) = (upstream, client);
    let _ = io::copy(&mut upstream_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Write);
    let _ = forward.join();
    Ok(())
}

/// Starts the redirecting proxy on a free loopback port (it lives as long as the test process).
pub fn redirecting_proxy() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("proxy addr").port();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            thread::spawn(move || {
                let _ = relay(client);
            });
        }
    });
    port
}
