//! mosquitto 2.1.2 as a test oracle: its broker (with built-in WebSocket listeners) and its clients,
//! for what mosquitto 2.0.11 cannot show (ws://, wss://, the flags 2.1 added).
//!
//! * [`oracle_bin`]: the 2.1.2 binaries, built once per test run into `target/oracle/` by
//!   `../shared/oracle/mosquitto-2.1.2/build.sh` (about 20 s; concurrent test binaries wait on a
//!   file lock; `RPUBSUB_MOSQUITTO_2_1=DIR` uses a build that exists already). A missing build script
//!   fails the test with what to do, never a silent skip.
//! * [`Broker21`]: a 2.1.2 broker on free loopback ports: plain MQTT, WebSockets and, when asked,
//!   WebSockets over TLS (`listener` + `protocol websockets`).
//! * [`differential21`]: a scenario run with mosquitto 2.1.2's clients and with ours, each against
//!   its own 2.1.2 broker; 2.1's known `-d` differences are mapped to 2.0.11's forms
//!   ([`to_2_0_11_forms`]) before the comparison.

use std::fs;
use std::os::fd::AsRawFd;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use super::{
    ClientRun, Field, Normalizer, Observed, StartError, TempDir, Tool, compare, free_port,
    panic_text, read_from, render_observed, spawn_broker,
};

/// The directory holding `bin/mosquitto`, `bin/mosquitto_pub`, ... of mosquitto 2.1.2.
pub fn oracle_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(build_oracle).clone()
}

/// A program of mosquitto 2.1.2: `mosquitto`, `mosquitto_pub`, `mosquitto_sub`, `mosquitto_rr`.
pub fn oracle_bin(name: &str) -> PathBuf {
    oracle_dir().join("bin").join(name)
}

fn is_built(dir: &Path) -> bool {
    ["mosquitto", "mosquitto_pub", "mosquitto_sub"]
        .iter()
        .all(|name| dir.join("bin").join(name).is_file())
}

fn build_oracle() -> PathBuf {
    if let Some(dir) = std::env::var_os("RPUBSUB_MOSQUITTO_2_1") {
        let dir = PathBuf::from(dir);
        assert!(
            is_built(&dir),
            "RPUBSUB_MOSQUITTO_2_1={} holds no mosquitto 2.1 build (bin/mosquitto, bin/mosquitto_pub)",
            dir.display()
        );
        return dir;
    }
    // target/debug/rpub -> target/oracle/mosquitto-2.1.2
    let target = Path::new(env!("CARGO_BIN_EXE_rpub"))
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/");
    let oracle = target.join("oracle");
    let dir = oracle.join("mosquitto-2.1.2");
    fs::create_dir_all(&oracle).expect("create target/oracle");
    // One build per machine at a time: other test binaries wait here.
    let lock = fs::File::create(oracle.join("build.lock")).expect("create the build lock");
    // SAFETY: flock on a file descriptor we own for the duration of the call.
    let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } == 0;
    assert!(locked, "cannot lock target/oracle/build.lock");
    if !is_built(&dir) {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/oracle/mosquitto-2.1.2/build.sh");
        assert!(
            script.is_file(),
            "the mosquitto 2.1.2 oracle cannot be built: {} is missing (it comes with the project's \
             shared/ directory next to the repository); or set RPUBSUB_MOSQUITTO_2_1 to a build",
            script.display()
        );
        let started = Instant::now();
        let out = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .expect("run build.sh");
        assert!(
            out.status.success() && is_built(&dir),
            "building mosquitto 2.1.2 failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!(
            "built mosquitto 2.1.2 into {} ({:.1?})",
            dir.display(),
            started.elapsed()
        );
    }
    drop(lock);
    dir
}

/// Certificate and key files for a `wss` listener.
#[derive(Clone, Debug)]
pub struct ServerCert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Configuration of a 2.1.2 test broker.
#[derive(Clone, Debug, Default)]
pub struct Broker21Builder {
    wss: Option<ServerCert>,
    persistence: bool,
    extra: Vec<String>,
}

impl Broker21Builder {
    /// Also a WebSockets-over-TLS listener with this certificate.
    pub fn wss(mut self, cert: ServerCert) -> Self {
        self.wss = Some(cert);
        self
    }

    /// `persistence true` in the broker's temp dir (kept across restarts).
    pub fn persistence(mut self) -> Self {
        self.persistence = true;
        self
    }

    /// Any other (global) line for mosquitto.conf.
    pub fn config_line(mut self, line: &str) -> Self {
        self.extra.push(line.to_string());
        self
    }

    pub fn start(&self) -> Broker21 {
        Broker21::start_with(self.clone())
    }
}

/// A running mosquitto 2.1.2 with a plain MQTT, a WebSocket and maybe a WebSocket-over-TLS
/// listener on loopback. SIGKILLed on drop.
pub struct Broker21 {
    dir: TempDir,
    pub tcp_port: u16,
    pub ws_port: u16,
    pub wss_port: Option<u16>,
    child: Option<Child>,
}

impl Broker21 {
    pub fn builder() -> Broker21Builder {
        Broker21Builder::default()
    }

    /// A broker with plain MQTT and WebSocket listeners.
    pub fn start() -> Broker21 {
        Broker21::builder().start()
    }

    fn start_with(config: Broker21Builder) -> Broker21 {
        let program = oracle_bin("mosquitto");
        let dir = TempDir::new("broker21");
        if config.persistence {
            fs::create_dir_all(dir.join("persist")).expect("create persistence dir");
        }
        let mut last_error = String::new();
        for _attempt in 0..8 {
            let (tcp_port, ws_port) = (free_port(), free_port());
            let wss_port = config.wss.as_ref().map(|_| free_port());
            if tcp_port == ws_port || wss_port.is_some_and(|p| p == tcp_port || p == ws_port) {
                continue;
            }
            fs::write(
                dir.join("mosquitto.conf"),
                render(&config, dir.path(), tcp_port, ws_port, wss_port),
            )
            .expect("write mosquitto.conf");
            match spawn_broker(&program, &dir, tcp_port) {
                Ok(child) => {
                    let broker = Broker21 {
                        dir,
                        tcp_port,
                        ws_port,
                        wss_port,
                        child: Some(child),
                    };
                    broker.wait_for_listeners();
                    return broker;
                }
                Err(StartError::AddressInUse(log)) => {
                    last_error = log;
                    let _ = fs::remove_file(dir.join("broker.log"));
                }
            }
        }
        panic!("could not start mosquitto 2.1.2 on free ports; last log:\n{last_error}");
    }

    /// spawn_broker waits for the plain port; the WebSocket ones open in the same start-up.
    fn wait_for_listeners(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for port in [Some(self.ws_port), self.wss_port].into_iter().flatten() {
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "mosquitto 2.1.2 did not open port {port}; log:\n{}",
                    self.log()
                );
                thread::sleep(Duration::from_millis(10));
            }
        }
    }

    pub fn dir(&self) -> &TempDir {
        &self.dir
    }

    pub fn log(&self) -> String {
        read_from(&self.dir.join("broker.log"), 0)
    }

    /// Waits until the log shows `needle` (panics after `timeout`).
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "mosquitto 2.1.2 did not log {needle:?} within {timeout:?}; log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the broker (SIGTERM, which lets it write its persistence file).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: the child is not reaped yet, so its pid still names our process.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() {
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
    }

    /// Starts the stopped broker again on the same ports.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the broker is still running");
        let program = oracle_bin("mosquitto");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match spawn_broker(&program, &self.dir, self.tcp_port) {
                Ok(child) => {
                    self.child = Some(child);
                    self.wait_for_listeners();
                    return;
                }
                Err(StartError::AddressInUse(log)) => {
                    assert!(
                        Instant::now() < deadline,
                        "cannot restart mosquitto 2.1.2: address in use; log:\n{log}"
                    );
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.start_again();
    }

    /// `-h 127.0.0.1 -p <ws port> --ws`.
    pub fn ws_args(&self) -> Vec<String> {
        vec![
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.ws_port.to_string(),
            "--ws".into(),
        ]
    }

    /// `-h 127.0.0.1 -p <plain port>`.
    pub fn tcp_args(&self) -> Vec<String> {
        vec![
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.tcp_port.to_string(),
        ]
    }
}

impl Drop for Broker21 {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn render(
    config: &Broker21Builder,
    dir: &Path,
    tcp_port: u16,
    ws_port: u16,
    wss_port: Option<u16>,
) -> String {
    use std::fmt::Write as _;
    let mut conf = String::new();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        conf.push_str("user root\n");
    }
    conf.push_str("allow_anonymous true\n");
    // 2.1 limits packets to 2,000,000 bytes by default; the tests send 10 MiB payloads.
    conf.push_str("max_packet_size 268435455\n");
    if config.persistence {
        conf.push_str("persistence true\n");
        let _ = writeln!(
            conf,
            "persistence_location {}/",
            dir.join("persist").display()
        );
    }
    for line in &config.extra {
        conf.push_str(line);
        conf.push('\n');
    }
    let _ = writeln!(conf, "log_dest file {}", dir.join("broker.log").display());
    conf.push_str("log_type all\n");
    let _ = writeln!(conf, "listener {tcp_port} 127.0.0.1");
    let _ = writeln!(conf, "listener {ws_port} 127.0.0.1\nprotocol websockets");
    if let (Some(port), Some(cert)) = (wss_port, &config.wss) {
        let _ = writeln!(
            conf,
            "listener {port} 127.0.0.1\nprotocol websockets\ncertfile {}\nkeyfile {}",
            cert.cert.display(),
            cert.key.display()
        );
    }
    conf
}

/// mosquitto 2.1's `-d` lines in mosquitto 2.0.11's forms, the contract of rpub/rsub: 2.1 prints
/// the id of a client without one as `null` where 2.0.11 prints `(null)` (`Client null sending
/// CONNECT`).
pub fn to_2_0_11_forms(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = find(rest, b"Client null ") {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(b"Client (null) ");
        rest = &rest[at + b"Client null ".len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// What a 2.1 scenario run gets: the tool under test, its own 2.1.2 broker and a scratch dir.
pub struct Ctx21<'a> {
    pub tool: Tool,
    pub broker: &'a Broker21,
    pub dir: &'a TempDir,
}

impl Ctx21<'_> {
    /// The publisher under test: mosquitto_pub 2.1.2, or rpub through a symlink named
    /// `mosquitto_pub` (so that messages name the same program).
    pub fn pub_raw(&self) -> ClientRun {
        ClientRun::new(match self.tool {
            Tool::Mosquitto => oracle_bin("mosquitto_pub"),
            Tool::Ours => self.ours_as("mosquitto_pub", env!("CARGO_BIN_EXE_rpub")),
        })
    }

    /// The subscriber under test: mosquitto_sub 2.1.2, or rsub named `mosquitto_sub`.
    pub fn sub_raw(&self) -> ClientRun {
        ClientRun::new(match self.tool {
            Tool::Mosquitto => oracle_bin("mosquitto_sub"),
            Tool::Ours => self.ours_as("mosquitto_sub", env!("CARGO_BIN_EXE_rsub")),
        })
    }

    fn ours_as(&self, name: &str, binary: &str) -> PathBuf {
        let link = self.dir.join(name);
        if !link.exists() {
            std::os::unix::fs::symlink(binary, &link).expect("symlink to our binary");
        }
        link
    }

    /// A peer client of 2.1.2 (the same in both runs).
    pub fn peer_pub(&self) -> ClientRun {
        ClientRun::new(oracle_bin("mosquitto_pub"))
    }

    pub fn peer_sub(&self) -> ClientRun {
        ClientRun::new(oracle_bin("mosquitto_sub"))
    }

    pub fn is_reference(&self) -> bool {
        self.tool == Tool::Mosquitto
    }

    /// Waits for the broker to log `needle`; a failure only panics in the reference run.
    pub fn wait_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.broker.log().contains(needle) {
            if Instant::now() >= deadline {
                assert!(
                    !self.is_reference(),
                    "reference run: the broker did not log {needle:?}; log:\n{}",
                    self.broker.log()
                );
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

/// Runs `scenario` with mosquitto 2.1.2's clients and with ours, each against a fresh 2.1.2 broker
/// built by `broker`, maps 2.1's `-d` forms to 2.0.11's in the reference, normalises the ids that
/// vary between runs, and asserts that the results are equal field by field.
pub fn differential21<F>(name: &str, broker: Broker21Builder, scenario: F)
where
    F: Fn(&Ctx21) -> Observed + Sync,
{
    let started = Instant::now();
    let run_side = |tool: Tool| -> Observed {
        let broker = broker.start();
        let dir = TempDir::new(name);
        scenario(&Ctx21 {
            tool,
            broker: &broker,
            dir: &dir,
        })
    };
    let (reference, ours) = thread::scope(|s| {
        let reference =
            s.spawn(|| panic::catch_unwind(AssertUnwindSafe(|| run_side(Tool::Mosquitto))));
        let ours = s.spawn(|| panic::catch_unwind(AssertUnwindSafe(|| run_side(Tool::Ours))));
        (
            reference.join().expect("reference thread"),
            ours.join().expect("ours thread"),
        )
    });
    let reference = reference.unwrap_or_else(|payload| {
        panic!(
            "scenario {name}: the reference (mosquitto 2.1.2) run failed: {}",
            panic_text(&payload)
        )
    });
    let ours = ours.unwrap_or_else(|payload| {
        panic!(
            "scenario {name}: our run panicked: {}",
            panic_text(&payload)
        )
    });
    let timed_out = reference.timed_out();
    assert!(
        timed_out.is_empty(),
        "scenario {name}: bad scenario, a process of the reference run hung: {timed_out:?}\n{}",
        render_observed(&reference)
    );
    let normalizer = Normalizer::new();
    let reference = Observed {
        fields: reference
            .fields
            .into_iter()
            .map(|(field, value)| match value {
                Field::Bytes(bytes) => (field, Field::Bytes(to_2_0_11_forms(&bytes))),
                exit => (field, exit),
            })
            .collect(),
    }
    .normalized(&normalizer);
    let ours = ours.normalized(&normalizer);
    if std::env::var_os("RPUBSUB_SHOW_OUTPUT").is_some() {
        eprintln!(
            "scenario {name}: reference (mosquitto 2.1.2) result, mapped and normalised:\n{}",
            render_observed(&reference)
        );
    }
    if let Some(report) = compare(&reference, &ours) {
        panic!("scenario {name}: outputs differ (mosquitto 2.1.2 vs ours)\n{report}");
    }
    eprintln!("scenario {name}: identical ({:.2?})", started.elapsed());
}

#[cfg(test)]
mod tests {
    use super::to_2_0_11_forms;

    #[test]
    fn client_null_becomes_client_parenthesised_null() {
        assert_eq!(
            to_2_0_11_forms(b"Client null sending CONNECT\nClient (null) received CONNACK (0)\n"),
            b"Client (null) sending CONNECT\nClient (null) received CONNACK (0)\n".to_vec()
        );
        assert_eq!(
            to_2_0_11_forms(b"Client nullify x"),
            b"Client nullify x".to_vec()
        );
    }
}
