//! Encrypted client keys (`--key` with a pass phrase) and the TLS key log (`--tls-keylog`,
//! `SSLKEYLOGFILE`).
//!
//! The pass phrase is typed on a terminal: the clients run in a session of their own whose controlling
//! terminal is a pseudo-terminal made here, so both mosquitto_pub (OpenSSL's prompt on /dev/tty) and rpub
//! ask on it, and the test types the pass phrase and reads what the terminal shows.

mod common;
#[path = "support/openssl_pki.rs"]
mod openssl_pki;

use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Broker;
use openssl_pki::{Issued, OpensslPki, Spec};

/// Generous: a hang detector, not a timing assertion.
const HANG: Duration = Duration::from_secs(20);

/// What a client run in its own terminal session did.
struct TtyRun {
    /// Everything the terminal showed (prompt, echo, newlines as the terminal writes them).
    terminal: String,
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

impl TtyRun {
    fn dump(&self) -> String {
        format!(
            "exit {:?}\nterminal: {:?}\nstdout: {:?}\nstderr: {:?}",
            self.code, self.terminal, self.stdout, self.stderr
        )
    }
}

/// Reads what is available on the pty master within `wait` (stops at EOF/EIO: the child is gone).
fn read_master(
    master: &mut File,
    seen: &mut Vec<u8>,
    until: impl Fn(&[u8]) -> bool,
    wait: Duration,
) {
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 512];
    while !until(seen) && Instant::now() < deadline {
        let mut pollfd = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut pollfd, 1, 50) };
        if ready <= 0 {
            continue;
        }
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Whether the terminal behind `master` echoes what is typed.
fn echo_is_on(master: &File) -> bool {
    // SAFETY: termios is plain data, filled in by tcgetattr.
    let mut termios: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and a valid termios to fill.
    let rc = unsafe { libc::tcgetattr(master.as_raw_fd(), &mut termios) };
    rc == 0 && termios.c_lflag & libc::ECHO != 0
}

/// Runs `program args` as the leader of a new session. With `type_in`, its controlling terminal is a new
/// pseudo-terminal, and `type_in` is typed if the terminal shows "pass phrase:"; without, the process
/// has no terminal at all.
fn run_in_session(program: &OsStr, args: &[String], type_in: Option<&str>) -> TtyRun {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut master = None;
    let mut slave_fd = -1;
    if type_in.is_some() {
        let (mut m, mut s) = (-1, -1);
        // SAFETY: openpty writes two file descriptors; the other arguments may be null.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: `m` and `s` are open descriptors we own from here on.
        master = Some(File::from(unsafe { OwnedFd::from_raw_fd(m) }));
        slave_fd = s;
    }
    // SAFETY: only async-signal-safe calls (setsid, ioctl) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if slave_fd >= 0 && libc::ioctl(slave_fd, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().expect("spawn in a new session");
    if slave_fd >= 0 {
        // SAFETY: our copy of the slave side, no longer needed (the child has its own).
        unsafe { libc::close(slave_fd) };
    }
    let mut terminal = Vec::new();
    if let (Some(master), Some(text)) = (master.as_mut(), type_in) {
        read_master(
            master,
            &mut terminal,
            |seen| String::from_utf8_lossy(seen).contains("pass phrase:"),
            HANG,
        );
        // no prompt: the client is gone (the read ended with the terminal's hang-up), nothing to type
        if String::from_utf8_lossy(&terminal).contains("pass phrase:") {
            // type once the reader has switched echo off (OpenSSL and rpassword do so after the
            // prompt): the terminal's settings are visible from the master side
            let deadline = Instant::now() + HANG;
            while echo_is_on(master) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            master
                .write_all(format!("{text}\n").as_bytes())
                .expect("type on the terminal");
        }
    }
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if let Some(master) = master.as_mut() {
            read_master(master, &mut terminal, |_| false, Duration::from_millis(50));
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
    };
    if let Some(master) = master.as_mut() {
        read_master(master, &mut terminal, |_| false, Duration::from_millis(100));
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let _ = child.wait();
    TtyRun {
        terminal: String::from_utf8_lossy(&terminal).into_owned(),
        stdout,
        stderr,
        code: status.and_then(|s| s.code()),
    }
}

const PASS: &str = "correct horse";

struct KeySetup {
    pki: OpensslPki,
    ca: Issued,
    server: Issued,
}

impl KeySetup {
    fn new() -> KeySetup {
        let pki = OpensslPki::new();
        let ca = pki.ca("ca");
        let server = pki.issue("server", &ca, &Spec::v1("localhost"));
        KeySetup { pki, ca, server }
    }

    /// A client certificate (v1) for an encrypted key made by `genkey_args` (writing `name.key`).
    fn client(&self, name: &str, genkey_args: &[&str]) -> Issued {
        self.pki.openssl(genkey_args);
        let key = self.pki.path(&format!("{name}.key"));
        self.pki
            .issue_for_key(name, &self.ca, &Spec::v1(name), &key, Some(PASS))
    }

    fn broker(&self) -> Broker {
        Broker::builder()
            .config_line(&format!("cafile {}", self.ca.cert.display()))
            .config_line(&format!("certfile {}", self.server.cert.display()))
            .config_line(&format!("keyfile {}", self.server.key.display()))
            .config_line("require_certificate true")
            .start()
    }

    fn args(&self, broker: &Broker, client: &Issued) -> Vec<String> {
        [
            "-h",
            "localhost",
            "-p",
            &broker.port().to_string(),
            "--cafile",
            &self.ca.cert_arg(),
            "--cert",
            &client.cert_arg(),
            "--key",
            &client.key_arg(),
            "-t",
            "keys/t",
            "-m",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
}

fn rpub() -> &'static OsStr {
    OsStr::new(env!("CARGO_BIN_EXE_rpub"))
}

/// Encrypted PKCS#8 keys from `openssl genpkey -aes256` and OpenSSL 3's `genrsa -aes256`: both clients
/// ask `Enter PEM pass phrase:` on the terminal and connect with the pass phrase; the terminal shows the
/// same thing for both (the prompt, no echo, a new line).
#[test]
fn encrypted_pkcs8_key_asks_for_the_pass_phrase_on_the_terminal() {
    let setup = KeySetup::new();
    let pass = format!("pass:{PASS}");
    let ec_key = setup.pki.path("ec-client.key");
    let rsa_key = setup.pki.path("rsa-client.key");
    let ec = setup.client(
        "ec-client",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-aes256",
            "-pass",
            &pass,
            "-out",
            &ec_key,
        ],
    );
    let rsa = setup.client(
        "rsa-client",
        &[
            "genrsa", "-aes256", "-passout", &pass, "-out", &rsa_key, "2048",
        ],
    );
    let broker = setup.broker();
    for client in [&ec, &rsa] {
        let key_text = std::fs::read_to_string(&client.key).expect("key");
        assert!(key_text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let args = setup.args(&broker, client);
        let theirs = run_in_session(common::mosquitto_pub().as_os_str(), &args, Some(PASS));
        let ours = run_in_session(rpub(), &args, Some(PASS));
        let both = format!("mosquitto_pub: {}\nrpub: {}", theirs.dump(), ours.dump());
        assert_eq!(theirs.code, Some(0), "{both}");
        assert_eq!(ours.code, Some(0), "{both}");
        assert_eq!(theirs.terminal, "Enter PEM pass phrase:\r\n", "{both}");
        assert_eq!(ours.terminal, theirs.terminal, "{both}");
        assert_eq!(ours.stdout, theirs.stdout, "{both}");
        assert_eq!(ours.stderr, "", "{both}");
    }

    // a wrong pass phrase: both fail with exit 1; ours says why
    let args = setup.args(&broker, &ec);
    let theirs = run_in_session(common::mosquitto_pub().as_os_str(), &args, Some("wrong"));
    let ours = run_in_session(rpub(), &args, Some("wrong"));
    let both = format!("mosquitto_pub: {}\nrpub: {}", theirs.dump(), ours.dump());
    assert_eq!(theirs.code, Some(1), "{both}");
    assert_eq!(ours.code, Some(1), "{both}");
    assert_eq!(
        ours.stderr,
        format!(
            "Error: Unable to load client key file \"{}\": the pass phrase is wrong (or the key file is \
             damaged).\n",
            ec.key.display()
        ),
        "{both}"
    );

    // no terminal at all: a clear error instead of a prompt nobody sees (OpenSSL would read stdin)
    let ours = run_in_session(rpub(), &args, None);
    assert_eq!(ours.code, Some(1), "{}", ours.dump());
    assert!(
        ours.stderr.starts_with(&format!(
            "Error: Unable to load client key file \"{}\": the key is encrypted and its pass phrase must \
             be typed on a terminal, but there is none (/dev/tty: ",
            ec.key.display()
        )),
        "{}",
        ours.dump()
    );
}

/// A key in OpenSSL's legacy encrypted form (`Proc-Type: 4,ENCRYPTED`) is refused with the command that
/// converts it, and the converted key works.
#[test]
fn legacy_encrypted_key_gets_the_conversion_command() {
    let setup = KeySetup::new();
    let pass = format!("pass:{PASS}");
    let legacy_key = setup.pki.path("legacy.key");
    let legacy = setup.client(
        "legacy",
        &[
            "genrsa",
            "-traditional",
            "-aes256",
            "-passout",
            &pass,
            "-out",
            &legacy_key,
            "2048",
        ],
    );
    assert!(
        std::fs::read_to_string(&legacy.key)
            .expect("key")
            .contains("Proc-Type: 4,ENCRYPTED")
    );
    let broker = setup.broker();
    let ours = run_in_session(rpub(), &setup.args(&broker, &legacy), Some(PASS));
    assert_eq!(ours.code, Some(1), "{}", ours.dump());
    assert_eq!(ours.terminal, "", "no prompt for a key we cannot read");
    let command = format!(
        "openssl pkcs8 -topk8 -v2 aes256 -in {0} -out {0}.p8",
        legacy.key.display()
    );
    assert!(ours.stderr.contains(&command), "{}", ours.dump());
    assert!(
        ours.stderr.contains("Proc-Type: 4,ENCRYPTED"),
        "{}",
        ours.dump()
    );

    // the command as given (plus the pass phrases it would ask for)
    let converted = format!("{legacy_key}.p8");
    setup.pki.openssl(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes256",
        "-in",
        &legacy_key,
        "-out",
        &converted,
        "-passin",
        &pass,
        "-passout",
        &pass,
    ]);
    let converted = Issued {
        cert: legacy.cert.clone(),
        key: converted.into(),
    };
    let ours = run_in_session(rpub(), &setup.args(&broker, &converted), Some(PASS));
    assert_eq!(ours.code, Some(0), "{}", ours.dump());
}

// ---------------------------------------------------------------------------------------------------------
// Key log
// ---------------------------------------------------------------------------------------------------------

/// The labels of an NSS key log and whether each line is well formed: `LABEL <64 hex> <hex>`.
fn keylog_labels(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 3, "{line}");
            assert_eq!(fields[1].len(), 64, "client random: {line}");
            assert!(
                fields[1..]
                    .iter()
                    .all(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_hexdigit())),
                "{line}"
            );
            fields[0].to_string()
        })
        .collect()
}

#[path = "support/pki.rs"]
mod pki;
#[path = "support/tls_stub.rs"]
mod tls_stub;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// rpub through the stub with the key log asked for by `how`; returns (our lines, the server's lines).
fn keylog_run(
    tls12_only: bool,
    how: &dyn Fn(common::ClientRun, &Path) -> common::ClientRun,
) -> (Vec<String>, Vec<String>) {
    let certs = pki::Pki::new();
    let (port, server) = tls_stub::start(
        vec![certs.server.cert_der.clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certs.server.key_der.clone())),
        tls12_only,
    );
    let log = certs.dir.join("keys.log");
    let run = common::ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-t",
            "k/t",
            "-m",
            "x",
        ])
        .args(["--cafile", &certs.ca.display().to_string()]);
    let out = how(run, &log).run();
    out.assert_success();
    let server_lines = server.join().expect("stub");
    let labels = keylog_labels(&log);
    assert!(!labels.is_empty(), "no key log written");
    let ours: Vec<String> = std::fs::read_to_string(&log)
        .expect("key log")
        .lines()
        .map(str::to_string)
        .collect();
    (ours, server_lines)
}

fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

/// `SSLKEYLOGFILE`: TLS 1.3 secrets (handshake and traffic, client and server) and the TLS 1.2 master
/// secret, in the NSS format, the same secrets the server derived.
#[test]
fn sslkeylogfile_writes_the_nss_key_log_for_tls13_and_tls12() {
    let env = |run: common::ClientRun, log: &Path| run.env("SSLKEYLOGFILE", log);
    let (ours, server) = keylog_run(false, &env);
    let labels: Vec<&str> = ours.iter().filter_map(|l| l.split(' ').next()).collect();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert!(labels.contains(&label), "{label} missing: {ours:?}");
    }
    assert_eq!(sorted(ours), sorted(server));

    let (ours, server) = keylog_run(true, &env);
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert!(ours[0].starts_with("CLIENT_RANDOM "), "{ours:?}");
    assert_eq!(ours, server);
}

/// `--tls-keylog FILE`: the same lines, TLS 1.3 and 1.2; it wins over `SSLKEYLOGFILE`; the file is
/// created readable by its owner only, and appended to.
#[test]
fn tls_keylog_flag_writes_the_nss_key_log() {
    let elsewhere = common::TempDir::new("keylog-env");
    let env_log = elsewhere.join("env.log");
    let flag = |run: common::ClientRun, log: &Path| {
        run.args(["--tls-keylog", &log.display().to_string()])
            .env("SSLKEYLOGFILE", &env_log)
    };
    for tls12_only in [false, true] {
        let (ours, server) = keylog_run(tls12_only, &flag);
        assert_eq!(sorted(ours), sorted(server), "TLS 1.2 only: {tls12_only}");
    }
    assert!(
        !env_log.exists(),
        "SSLKEYLOGFILE was used despite --tls-keylog"
    );

    // appended, mode 0600
    use std::os::unix::fs::PermissionsExt;
    let certs = pki::Pki::new();
    let log = certs.dir.join("appended.log");
    for _ in 0..2 {
        let (port, server) = tls_stub::start(
            vec![certs.server.cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certs.server.key_der.clone())),
            true,
        );
        common::ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-t",
                "k/t",
                "-m",
                "x",
            ])
            .args(["--cafile", &certs.ca.display().to_string()])
            .args(["--tls-keylog", &log.display().to_string()])
            .run()
            .assert_success();
        server.join().expect("stub");
    }
    assert_eq!(keylog_labels(&log), ["CLIENT_RANDOM", "CLIENT_RANDOM"]);
    let mode = std::fs::metadata(&log).expect("log").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn tls_keylog_flag_errors() {
    let certs = pki::Pki::new();
    let run = |args: &[&str]| {
        common::ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
            .args(["-h", "127.0.0.1", "-p", "1", "-t", "k/t", "-m", "x"])
            .args(["--cafile", &certs.ca.display().to_string()])
            .args(args)
            .run()
    };
    let out = run(&["--tls-keylog", "/nonexistent/dir/keys.log"]);
    assert_eq!(out.code(), Some(1), "{}", out.dump());
    assert_eq!(
        out.stderr_text(),
        "Error: Unable to open the TLS key log file \"/nonexistent/dir/keys.log\" (--tls-keylog): No such \
         file or directory.\n"
    );
    // mosquitto 2.1's text for the missing value (and, as for every flag, its blank lines)
    let out = run(&["--tls-keylog"]);
    assert_eq!(out.code(), Some(1), "{}", out.dump());
    assert_eq!(
        out.stderr_text(),
        "Error: --tls-keylog argument given but no file specified.\n\n\nUse 'rpub --help' to see usage.\n"
    );
    // an SSLKEYLOGFILE that cannot be written is ignored, as curl does: the connection goes on (and
    // fails here only because nothing listens)
    let out = common::ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args(["-h", "127.0.0.1", "-p", "1", "-t", "k/t", "-m", "x"])
        .args(["--cafile", &certs.ca.display().to_string()])
        .env("SSLKEYLOGFILE", "/nonexistent/dir/keys.log")
        .run();
    assert_eq!(
        out.stderr_text(),
        "Error: Connection refused\n",
        "{}",
        out.dump()
    );
}
