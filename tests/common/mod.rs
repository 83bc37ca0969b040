//! Shared helpers for the integration and differential tests.
//!
//! * [`Broker`]: a real `mosquitto` on a free loopback port with a private config, log and temp dir.
//! * [`ClientRun`] / [`Running`] / [`Output`]: run a client (ours or mosquitto's) with an empty `HOME`, a hard
//!   timeout, stdout/stderr collected in threads; in the foreground or in the background (signals, stdin pipe).
//! * [`Tool`], [`Ctx`], [`Observed`], [`differential`]: a scenario is written once, run with mosquitto's clients
//!   and with ours (each against its own fresh broker), normalised and compared field by field.
//! * [`Normalizer`]: the only things that truly vary between runs (`-I` pids, random v3.1 ids, `auto-` UUIDs).
//!
//! `RPUBSUB_ORACLE_SELFTEST=1` makes "ours" run mosquitto's clients too, proving that every scenario is
//! deterministic with the real tools. `RPUBSUB_KEEP_TMP=1` keeps the temp dirs (broker logs) for debugging;
//! `RPUBSUB_SHOW_OUTPUT=1` prints each scenario's reference result (run with `--nocapture`).

#![allow(dead_code)]

pub mod oracle21;

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Default hard timeout of a client run: generous, only there to turn a hang into a failure.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for a broker log line (subscription seen, client connected).
pub const LOG_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a broker may take to accept TCP connections.
const BROKER_START_TIMEOUT: Duration = Duration::from_secs(10);

const INSTALL_HINT: &str = "install it with `apt-get install -y mosquitto mosquitto-clients`";

// ---------------------------------------------------------------------------------------------------------
// Temp dirs, programs, ports
// ---------------------------------------------------------------------------------------------------------

/// A fresh directory under `std::env::temp_dir()`, removed on drop (kept if `RPUBSUB_KEEP_TMP` is set).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let label: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for attempt in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "rpubsub-{label}-{}-{n}-{nanos}-{attempt}",
                std::process::id()
            ));
            match fs::create_dir(&path) {
                Ok(()) => return TempDir { path },
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("cannot create temp dir {}: {e}", path.display()),
            }
        }
        panic!("cannot create a unique temp dir for {label}");
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `bytes` into `name` inside the dir and returns the file's path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("RPUBSUB_KEEP_TMP").is_some() {
            eprintln!("(kept temp dir {})", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Finds an executable `name` on `PATH`, then in `extra_dirs`.
pub fn find_program(name: &str, extra_dirs: &[&str]) -> Option<PathBuf> {
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain(extra_dirs.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn require_program(name: &str, extra_dirs: &[&str]) -> PathBuf {
    find_program(name, extra_dirs).unwrap_or_else(|| panic!("{name} not found: {INSTALL_HINT}"))
}

/// The broker binary (`PATH`, then `/usr/sbin`); panics with an install hint if it is missing.
pub fn mosquitto_broker() -> PathBuf {
    find_program("mosquitto", &["/usr/sbin", "/usr/local/sbin"])
        .unwrap_or_else(|| panic!("mosquitto not found: {INSTALL_HINT}"))
}

pub fn mosquitto_pub() -> PathBuf {
    require_program("mosquitto_pub", &["/usr/bin", "/usr/local/bin"])
}

pub fn mosquitto_sub() -> PathBuf {
    require_program("mosquitto_sub", &["/usr/bin", "/usr/local/bin"])
}

pub fn mosquitto_rr() -> PathBuf {
    require_program("mosquitto_rr", &["/usr/bin", "/usr/local/bin"])
}

/// A loopback port that nothing listens on right now (bind `127.0.0.1:0`, read the port, close).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// Whether this machine can listen on `::1` (the IPv6 scenarios need it).
pub fn ipv6_loopback_available() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

// ---------------------------------------------------------------------------------------------------------
// Broker
// ---------------------------------------------------------------------------------------------------------

/// Configuration of a test broker. `Broker::builder()` gives an anonymous broker on `127.0.0.1`.
#[derive(Clone, Debug)]
pub struct BrokerBuilder {
    allow_anonymous: bool,
    users: Vec<(String, String)>,
    acl: Option<String>,
    persistence: bool,
    ipv6: bool,
    extra: Vec<String>,
}

impl Default for BrokerBuilder {
    fn default() -> Self {
        BrokerBuilder {
            allow_anonymous: true,
            users: Vec::new(),
            acl: None,
            persistence: false,
            ipv6: false,
            extra: Vec::new(),
        }
    }
}

impl BrokerBuilder {
    pub fn allow_anonymous(mut self, allow: bool) -> Self {
        self.allow_anonymous = allow;
        self
    }

    /// Adds a user to a password file generated with `mosquitto_passwd -b -c`.
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.to_string(), password.to_string()));
        self
    }

    /// An ACL file with this content (`acl_file`).
    pub fn acl(mut self, text: &str) -> Self {
        self.acl = Some(text.to_string());
        self
    }

    pub fn message_size_limit(self, bytes: u32) -> Self {
        self.config_line(&format!("message_size_limit {bytes}"))
    }

    pub fn max_keepalive(self, seconds: u32) -> Self {
        self.config_line(&format!("max_keepalive {seconds}"))
    }

    /// `persistence true` with a `persistence_location` inside the broker's temp dir.
    pub fn persistence(mut self) -> Self {
        self.persistence = true;
        self
    }

    /// Also listen on `::1` (same port).
    pub fn ipv6(mut self) -> Self {
        self.ipv6 = true;
        self
    }

    /// Any other line for mosquitto.conf (after the listener lines).
    pub fn config_line(mut self, line: &str) -> Self {
        self.extra.push(line.to_string());
        self
    }

    pub fn start(&self) -> Broker {
        Broker::start_with(self.clone())
    }

    fn render(&self, dir: &Path, port: u16) -> String {
        let mut conf = String::new();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            // as root mosquitto would otherwise switch to the `mosquitto` user and lose access to the temp dir
            conf.push_str("user root\n");
        }
        let _ = writeln!(conf, "listener {port} 127.0.0.1");
        if self.ipv6 {
            let _ = writeln!(conf, "listener {port} ::1");
        }
        let _ = writeln!(conf, "allow_anonymous {}", self.allow_anonymous);
        if !self.users.is_empty() {
            let _ = writeln!(conf, "password_file {}", dir.join("passwd").display());
        }
        if self.acl.is_some() {
            let _ = writeln!(conf, "acl_file {}", dir.join("acl").display());
        }
        if self.persistence {
            conf.push_str("persistence true\n");
            let _ = writeln!(
                conf,
                "persistence_location {}/",
                dir.join("persist").display()
            );
        }
        for line in &self.extra {
            conf.push_str(line);
            conf.push('\n');
        }
        let _ = writeln!(conf, "log_dest file {}", dir.join("broker.log").display());
        conf.push_str("log_type all\n");
        conf
    }
}

/// A running `mosquitto` with its own temp dir (config, log, password/ACL files, persistence).
/// SIGKILLed and reaped on drop; the temp dir is removed.
pub struct Broker {
    dir: TempDir,
    config: BrokerBuilder,
    port: u16,
    conf_path: PathBuf,
    log_path: PathBuf,
    child: Option<Child>,
}

enum StartError {
    /// The port was taken in the meantime (try another one / again).
    AddressInUse(String),
}

impl Broker {
    pub fn builder() -> BrokerBuilder {
        BrokerBuilder::default()
    }

    /// An anonymous broker on a free port.
    pub fn start() -> Broker {
        Broker::builder().start()
    }

    fn start_with(config: BrokerBuilder) -> Broker {
        let program = mosquitto_broker();
        let dir = TempDir::new("broker");
        if !config.users.is_empty() {
            let passwd = require_program("mosquitto_passwd", &["/usr/bin", "/usr/local/bin"]);
            for (i, (user, password)) in config.users.iter().enumerate() {
                let mut cmd = Command::new(&passwd);
                cmd.arg("-b");
                if i == 0 {
                    cmd.arg("-c");
                }
                let out = cmd
                    .arg(dir.join("passwd"))
                    .arg(user)
                    .arg(password)
                    .stdin(Stdio::null())
                    .output()
                    .expect("run mosquitto_passwd");
                assert!(
                    out.status.success(),
                    "mosquitto_passwd failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        if let Some(acl) = &config.acl {
            dir.write("acl", acl);
        }
        if config.persistence {
            fs::create_dir_all(dir.join("persist")).expect("create persistence dir");
        }
        let conf_path = dir.join("mosquitto.conf");
        let log_path = dir.join("broker.log");
        let mut last_error = String::new();
        for _attempt in 0..8 {
            let port = free_port();
            if config.ipv6 && TcpListener::bind(("::1", port)).is_err() {
                continue;
            }
            fs::write(&conf_path, config.render(dir.path(), port)).expect("write mosquitto.conf");
            match spawn_broker(&program, &dir, port) {
                Ok(child) => {
                    return Broker {
                        dir,
                        config,
                        port,
                        conf_path,
                        log_path,
                        child: Some(child),
                    };
                }
                Err(StartError::AddressInUse(log)) => {
                    last_error = log;
                    let _ = fs::remove_file(&log_path);
                }
            }
        }
        panic!(
            "could not start mosquitto on a free port after several attempts; last log:\n{last_error}"
        );
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn dir(&self) -> &TempDir {
        &self.dir
    }

    pub fn config_text(&self) -> String {
        fs::read_to_string(&self.conf_path).unwrap_or_default()
    }

    /// The whole broker log so far (lossy UTF-8).
    pub fn log(&self) -> String {
        self.log_since(0)
    }

    fn log_since(&self, mark: usize) -> String {
        read_from(&self.log_path, mark)
    }

    /// The current length of the log: pass it to [`Broker::poll_log`] to only look at later lines.
    pub fn log_mark(&self) -> usize {
        fs::metadata(&self.log_path)
            .map(|m| m.len() as usize)
            .unwrap_or(0)
    }

    /// Waits until the log contains `needle`; panics with the log after `timeout`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) {
        if !self.poll_log(0, needle, timeout, || true) {
            panic!(
                "broker log did not show {needle:?} within {timeout:?}; log:\n{}",
                self.log()
            );
        }
    }

    /// Waits until the log after `mark` contains `needle` (true), or `timeout` passed, or `keep_waiting`
    /// returned false (false).
    pub fn poll_log(
        &self,
        mark: usize,
        needle: &str,
        timeout: Duration,
        mut keep_waiting: impl FnMut() -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.log_since(mark).contains(needle) {
                return true;
            }
            if Instant::now() >= deadline || !keep_waiting() {
                // one last look: the line may have been written while we checked the condition
                return self.log_since(mark).contains(needle);
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stops the broker gracefully (SIGTERM, so persistence is written), SIGKILL after 10 s.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.as_mut() {
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
        self.child = None;
    }

    /// Kills the broker at once (SIGKILL): clients see the connection drop.
    pub fn kill(&mut self) {
        self.reap();
    }

    fn reap(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the (stopped) broker again on the same port with the same config.
    pub fn start_again(&mut self) {
        assert!(
            self.child.is_none(),
            "start_again: the broker is still running"
        );
        let program = mosquitto_broker();
        let deadline = Instant::now() + BROKER_START_TIMEOUT;
        loop {
            match spawn_broker(&program, &self.dir, self.port) {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(StartError::AddressInUse(log)) => {
                    if Instant::now() >= deadline {
                        panic!(
                            "cannot restart mosquitto on port {}: address in use; log:\n{log}",
                            self.port
                        );
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Stops (SIGTERM) and starts again on the same port with the same config.
    pub fn restart(&mut self) {
        self.stop();
        self.start_again();
    }

    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => child.try_wait().ok().flatten().is_none(),
            None => false,
        }
    }

    pub fn config(&self) -> &BrokerBuilder {
        &self.config
    }
}

fn read_from(path: &Path, mark: usize) -> String {
    let bytes = fs::read(path).unwrap_or_default();
    String::from_utf8_lossy(bytes.get(mark..).unwrap_or_default()).into_owned()
}

/// Starts `mosquitto -c <dir>/mosquitto.conf` and waits until it logged that it runs and accepts TCP
/// connections on `port` (bounded; panics with the log unless the port was taken).
fn spawn_broker(program: &Path, dir: &TempDir, port: u16) -> Result<Child, StartError> {
    let log_path = dir.join("broker.log");
    let out_path = dir.join("broker.out");
    let conf_path = dir.join("mosquitto.conf");
    let stdout = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&out_path)
        .expect("open broker.out");
    let stderr = stdout.try_clone().expect("clone broker.out");
    let log_start = fs::metadata(&log_path)
        .map(|m| m.len() as usize)
        .unwrap_or(0);
    let out_start = fs::metadata(&out_path)
        .map(|m| m.len() as usize)
        .unwrap_or(0);
    let mut child = Command::new(program)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let deadline = Instant::now() + BROKER_START_TIMEOUT;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let config = || fs::read_to_string(&conf_path).unwrap_or_default();
    let logs = || read_from(&log_path, log_start) + &read_from(&out_path, out_start);
    loop {
        if let Some(status) = child.try_wait().ok().flatten() {
            let log = logs();
            if log.contains("Address already in use") {
                return Err(StartError::AddressInUse(log));
            }
            panic!(
                "mosquitto exited during startup ({status}); config:\n{}\nlog:\n{log}",
                config()
            );
        }
        let running = read_from(&log_path, log_start).contains(" running");
        if running && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "mosquitto did not accept connections on port {port} within {BROKER_START_TIMEOUT:?}; config:\n{}\nlog:\n{}",
                config(),
                logs()
            );
        }
        thread::sleep(Duration::from_millis(10));
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.reap();
    }
}

// ---------------------------------------------------------------------------------------------------------
// Running clients
// ---------------------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum StdinSpec {
    Null,
    Bytes(Vec<u8>),
    Pipe,
}

/// How to run one client process.
#[derive(Clone, Debug)]
pub struct ClientRun {
    program: OsString,
    args: Vec<OsString>,
    stdin: StdinSpec,
    timeout: Duration,
    env: Vec<(OsString, OsString)>,
}

impl ClientRun {
    pub fn new(program: impl AsRef<OsStr>) -> ClientRun {
        ClientRun {
            program: program.as_ref().to_os_string(),
            args: Vec::new(),
            stdin: StdinSpec::Null,
            timeout: CLIENT_TIMEOUT,
            env: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> ClientRun {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> ClientRun
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Feed these bytes on stdin, then close it.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> ClientRun {
        self.stdin = StdinSpec::Bytes(bytes.into());
        self
    }

    /// Keep stdin open as a pipe ([`Running::write_stdin`], [`Running::close_stdin`]).
    pub fn stdin_pipe(mut self) -> ClientRun {
        self.stdin = StdinSpec::Pipe;
        self
    }

    /// Hard timeout: the process is SIGKILLed after this and the output says so.
    pub fn timeout(mut self, timeout: Duration) -> ClientRun {
        self.timeout = timeout;
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> ClientRun {
        self.env
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    pub fn program(&self) -> &OsStr {
        &self.program
    }

    /// The command line, for messages.
    pub fn describe(&self) -> String {
        let mut s = Path::new(&self.program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.program.to_string_lossy().into_owned());
        for arg in &self.args {
            let a = arg.to_string_lossy();
            s.push(' ');
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'') {
                let _ = write!(s, "'{}'", a.replace('\'', "'\\''"));
            } else if a.len() > 60 {
                let _ = write!(
                    s,
                    "{}...",
                    &a[..a.char_indices().nth(57).map(|(i, _)| i).unwrap_or(a.len())]
                );
            } else {
                s.push_str(&a);
            }
        }
        s
    }

    /// Runs to completion (or the timeout).
    pub fn run(self) -> Output {
        self.spawn().wait()
    }

    /// Starts the process in the background.
    pub fn spawn(self) -> Running {
        let home = TempDir::new("home");
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(match self.stdin {
                StdinSpec::Null => Stdio::null(),
                StdinSpec::Bytes(_) | StdinSpec::Pipe => Stdio::piped(),
            });
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let description = self.describe();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{description}`: {e}"));
        let stdout = child.stdout.take().expect("stdout pipe");
        let stderr = child.stderr.take().expect("stderr pipe");
        let stdout = thread::spawn(move || read_all(stdout));
        let stderr = thread::spawn(move || read_all(stderr));
        let mut stdin = child.stdin.take();
        let stdin_thread = match self.stdin {
            StdinSpec::Bytes(bytes) => {
                let mut pipe = stdin.take().expect("stdin pipe");
                // errors (EPIPE when the client exits early) are not ours to report: the output shows them
                Some(thread::spawn(move || {
                    let _ = pipe.write_all(&bytes);
                }))
            }
            _ => None,
        };
        Running {
            child,
            status: None,
            stdin,
            stdin_thread,
            stdout: Some(stdout),
            stderr: Some(stderr),
            deadline: Instant::now() + self.timeout,
            timeout: self.timeout,
            description,
            killed_by_harness: false,
            _home: home,
        }
    }
}

fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.read_to_end(&mut buf);
    buf
}

/// A client running in the background. Dropping it SIGKILLs and reaps the process.
pub struct Running {
    child: Child,
    status: Option<ExitStatus>,
    stdin: Option<ChildStdin>,
    stdin_thread: Option<JoinHandle<()>>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    deadline: Instant,
    timeout: Duration,
    description: String,
    killed_by_harness: bool,
    _home: TempDir,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `libc::SIGINT`) unless the process was already reaped.
    pub fn signal(&mut self, signal: i32) {
        if !self.has_exited() {
            // SAFETY: the child is not reaped yet (checked above), so the pid still names our process.
            unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        }
    }

    pub fn interrupt(&mut self) {
        self.signal(libc::SIGINT);
    }

    pub fn terminate(&mut self) {
        self.signal(libc::SIGTERM);
    }

    /// SIGKILL (as a test action: the exit shows "killed by signal 9", not a timeout).
    pub fn kill(&mut self) {
        self.signal(libc::SIGKILL);
    }

    /// Moves the hard timeout to `from_now` (e.g. a short grace period once the peer has sent everything).
    pub fn deadline_in(&mut self, from_now: Duration) {
        self.deadline = Instant::now() + from_now;
        self.timeout = from_now;
    }

    /// Gives the process time to finish what it is doing and go back to sleep in its event loop: `settle`,
    /// then (where /proc is readable) until its state is "S" (bounded). Use it before a signal whose effect
    /// must not depend on timing: mosquitto_sub's SIGINT/SIGTERM handler calls into libmosquitto and can
    /// deadlock or drop the message being printed if the signal interrupts message handling.
    pub fn settle(&mut self, settle: Duration) {
        thread::sleep(settle);
        let stat = format!("/proc/{}/stat", self.child.id());
        let deadline = Instant::now() + Duration::from_secs(2);
        while !self.has_exited() && Instant::now() < deadline {
            let Ok(text) = fs::read_to_string(&stat) else {
                return;
            };
            // "pid (comm) S ...": the state follows the last ')'
            match text
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next())
            {
                Some('S') | None => return,
                Some(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    }

    pub fn has_exited(&mut self) -> bool {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status.is_some()
    }

    pub fn write_stdin(&mut self, bytes: &[u8]) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(bytes);
            let _ = stdin.flush();
        }
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the process to end (SIGKILL at the hard timeout), then collects its output.
    /// A still-open stdin pipe is closed first.
    pub fn wait(mut self) -> Output {
        self.close_stdin();
        let status = loop {
            if self.has_exited() {
                break self.status.expect("status");
            }
            if Instant::now() >= self.deadline {
                self.killed_by_harness = true;
                let _ = self.child.kill();
                let status = self.child.wait().expect("wait for killed child");
                self.status = Some(status);
                break status;
            }
            thread::sleep(Duration::from_millis(2));
        };
        if let Some(t) = self.stdin_thread.take() {
            let _ = t.join();
        }
        let stdout = self
            .stdout
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default();
        let stderr = self
            .stderr
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default();
        Output {
            stdout,
            stderr,
            exit: Exit {
                code: status.code(),
                signal: status.signal(),
                timed_out: self.killed_by_harness.then_some(self.timeout),
            },
            description: self.description.clone(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.has_exited() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// Set when the harness killed it at the hard timeout.
    pub timed_out: Option<Duration>,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(t) = self.timed_out {
            return write!(f, "TIMED OUT: killed by the harness after {t:?}");
        }
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(sig)) => write!(f, "killed by signal {sig}"),
            (None, None) => write!(f, "unknown exit status"),
        }
    }
}

/// What a finished client produced.
#[derive(Clone, Debug)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Exit,
    /// The command line (for messages).
    pub description: String,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.exit.code
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// A readable dump of everything, for assertion messages.
    pub fn dump(&self) -> String {
        let mut s = format!("`{}`: {}\n", self.description, self.exit);
        s.push_str(&render_field("stdout", &self.stdout, None));
        s.push_str(&render_field("stderr", &self.stderr, None));
        s
    }

    /// Panics with the dump unless the process exited with code 0.
    pub fn assert_success(&self) {
        assert_eq!(
            self.exit.code,
            Some(0),
            "expected success:\n{}",
            self.dump()
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Tools, scenarios and the differential runner
// ---------------------------------------------------------------------------------------------------------

/// Which client implementation a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// mosquitto_pub / mosquitto_sub 2.0.11: the reference.
    Mosquitto,
    /// rpub / rsub (mosquitto's clients when `RPUBSUB_ORACLE_SELFTEST=1`).
    Ours,
}

/// `RPUBSUB_ORACLE_SELFTEST=1`: "ours" runs mosquitto's clients too.
pub fn selftest() -> bool {
    std::env::var("RPUBSUB_ORACLE_SELFTEST")
        .map(|v| !v.is_empty() && v != "0")
        .unwrap_or(false)
}

impl Tool {
    pub fn pub_program(self) -> PathBuf {
        match self {
            Tool::Ours if !selftest() => PathBuf::from(env!("CARGO_BIN_EXE_rpub")),
            _ => mosquitto_pub(),
        }
    }

    pub fn sub_program(self) -> PathBuf {
        match self {
            Tool::Ours if !selftest() => PathBuf::from(env!("CARGO_BIN_EXE_rsub")),
            _ => mosquitto_sub(),
        }
    }

    pub fn rr_program(self) -> PathBuf {
        match self {
            Tool::Ours if !selftest() => PathBuf::from(env!("CARGO_BIN_EXE_rrr")),
            _ => mosquitto_rr(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tool::Mosquitto => "mosquitto",
            Tool::Ours if selftest() => "ours (SELFTEST: mosquitto again)",
            Tool::Ours => "ours",
        }
    }
}

/// What a scenario run gets: the tool under test, its own fresh broker and a scratch dir.
pub struct Ctx<'a> {
    pub tool: Tool,
    pub broker: &'a Broker,
    pub dir: &'a TempDir,
}

impl Ctx<'_> {
    pub fn port(&self) -> u16 {
        self.broker.port()
    }

    /// `-h 127.0.0.1 -p PORT`.
    pub fn conn(&self) -> Vec<String> {
        vec![
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.port().to_string(),
        ]
    }

    /// The publisher under test, no arguments yet.
    pub fn pub_raw(&self) -> ClientRun {
        ClientRun::new(self.tool.pub_program())
    }

    /// The subscriber under test, no arguments yet.
    pub fn sub_raw(&self) -> ClientRun {
        ClientRun::new(self.tool.sub_program())
    }

    /// The request/response client under test, no arguments yet.
    pub fn rr_raw(&self) -> ClientRun {
        ClientRun::new(self.tool.rr_program())
    }

    /// The request/response client under test with `-h 127.0.0.1 -p PORT` and `args`.
    pub fn rr<I, S>(&self, args: I) -> ClientRun
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.rr_raw().args(self.conn()).args(args)
    }

    /// The publisher under test with `-h 127.0.0.1 -p PORT` and `args`.
    pub fn pub_<I, S>(&self, args: I) -> ClientRun
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.pub_raw().args(self.conn()).args(args)
    }

    /// The subscriber under test with `-h 127.0.0.1 -p PORT` and `args`.
    pub fn sub<I, S>(&self, args: I) -> ClientRun
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.sub_raw().args(self.conn()).args(args)
    }

    /// A peer publisher: always mosquitto_pub, same in both runs.
    pub fn peer_pub<I, S>(&self, args: I) -> ClientRun
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        ClientRun::new(mosquitto_pub()).args(self.conn()).args(args)
    }

    /// A peer subscriber: always mosquitto_sub, same in both runs.
    pub fn peer_sub<I, S>(&self, args: I) -> ClientRun
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        ClientRun::new(mosquitto_sub()).args(self.conn()).args(args)
    }

    /// Is this the reference (mosquitto) run? A wait that fails there means the scenario is bad.
    pub fn is_reference(&self) -> bool {
        self.tool == Tool::Mosquitto
    }

    /// Waits until the broker logged `needle` after `mark`, giving up early if `client` exited.
    /// In the reference run a failure panics (bad scenario); in ours it returns false and the scenario goes on
    /// (the comparison will show what went wrong).
    pub fn wait_log_while_running(&self, mark: usize, needle: &str, client: &mut Running) -> bool {
        let seen = self
            .broker
            .poll_log(mark, needle, LOG_TIMEOUT, || !client.has_exited());
        if !seen && self.is_reference() {
            let exited = client.has_exited();
            panic!(
                "reference run: broker log did not show {needle:?} (client `{}` exited: {exited}); log:\n{}",
                client.description,
                self.broker.log()
            );
        }
        seen
    }

    /// Waits for "Received SUBSCRIBE from <id>" (the whole line) in the broker log.
    pub fn wait_subscribed(&self, client: &mut Running, id: &str) -> bool {
        self.wait_log_while_running(0, &format!("Received SUBSCRIBE from {id}\n"), client)
    }

    /// Waits for a SUBSCRIBE from any client whose id starts with `id_start` (for ids the test can't know).
    pub fn wait_subscribed_prefix(&self, client: &mut Running, id_start: &str) -> bool {
        self.wait_log_while_running(0, &format!("Received SUBSCRIBE from {id_start}"), client)
    }

    /// Waits for "New client connected from ... as <id> (" in the broker log.
    pub fn wait_connected(&self, client: &mut Running, id: &str) -> bool {
        self.wait_log_while_running(0, &format!(" as {id} ("), client)
    }
}

/// One field of a scenario's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Bytes(Vec<u8>),
    Exit(Exit),
}

/// A scenario's result: named fields compared one by one (stdout, stderr, exit, peer stdout, ...).
#[derive(Clone, Debug, Default)]
pub struct Observed {
    fields: Vec<(String, Field)>,
}

impl Observed {
    pub fn new() -> Observed {
        Observed::default()
    }

    /// `stdout`, `stderr`, `exit` of the client under test.
    pub fn client(out: &Output) -> Observed {
        Observed::new().output("", out)
    }

    /// `<label> stdout`, `<label> stderr`, `<label> exit` (no label: `stdout`, ...).
    pub fn output(self, label: &str, out: &Output) -> Observed {
        let name = |part: &str| {
            if label.is_empty() {
                part.to_string()
            } else {
                format!("{label} {part}")
            }
        };
        self.bytes(&name("stdout"), &out.stdout)
            .bytes(&name("stderr"), &out.stderr)
            .exit(&name("exit"), out)
    }

    pub fn bytes(mut self, name: &str, bytes: &[u8]) -> Observed {
        self.fields
            .push((name.to_string(), Field::Bytes(bytes.to_vec())));
        self
    }

    pub fn exit(mut self, name: &str, out: &Output) -> Observed {
        self.fields.push((name.to_string(), Field::Exit(out.exit)));
        self
    }

    pub fn fields(&self) -> &[(String, Field)] {
        &self.fields
    }

    fn normalized(&self, normalizer: &Normalizer) -> Observed {
        Observed {
            fields: self
                .fields
                .iter()
                .map(|(name, field)| {
                    let field = match field {
                        Field::Bytes(b) => Field::Bytes(normalizer.apply(b)),
                        Field::Exit(e) => Field::Exit(*e),
                    };
                    (name.clone(), field)
                })
                .collect(),
        }
    }

    fn timed_out(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(_, f)| {
                matches!(
                    f,
                    Field::Exit(Exit {
                        timed_out: Some(_),
                        ..
                    })
                )
            })
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

impl From<Output> for Observed {
    fn from(out: Output) -> Observed {
        Observed::client(&out)
    }
}

/// The lines of `bytes` sorted (each with its `\n`): for outputs whose line order is timing dependent.
pub fn sorted_lines(bytes: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    lines.sort();
    lines.concat()
}

/// A differential scenario: `Differential::new(name).broker(...).id_prefix(...).run(|ctx| ...)`.
pub struct Differential {
    name: String,
    broker: Option<BrokerBuilder>,
    normalizer: Normalizer,
}

/// Runs `scenario` with mosquitto's clients and with ours, each against a fresh default broker, and asserts
/// that the normalised results are equal field by field.
pub fn differential<F>(name: &str, scenario: F)
where
    F: Fn(&Ctx) -> Observed + Sync,
{
    Differential::new(name).run(scenario)
}

impl Differential {
    pub fn new(name: &str) -> Differential {
        Differential {
            name: name.to_string(),
            broker: Some(Broker::builder()),
            normalizer: Normalizer::new(),
        }
    }

    pub fn broker(mut self, broker: BrokerBuilder) -> Differential {
        self.broker = Some(broker);
        self
    }

    /// `-I prefix` used in the scenario: `<prefix><pid>` is normalised to `<prefix><PID>`.
    pub fn id_prefix(mut self, prefix: &str) -> Differential {
        self.normalizer = self.normalizer.id_prefix(prefix);
        self
    }

    pub fn run<F>(self, scenario: F)
    where
        F: Fn(&Ctx) -> Observed + Sync,
    {
        let started = Instant::now();
        let run_side = |tool: Tool| -> Observed {
            let broker = self.broker.as_ref().expect("broker config").start();
            let dir = TempDir::new(&self.name);
            let ctx = Ctx {
                tool,
                broker: &broker,
                dir: &dir,
            };
            scenario(&ctx)
        };
        // both runs at once: each has its own broker, so they cannot interfere
        let (reference, ours) = thread::scope(|s| {
            let reference =
                s.spawn(|| panic::catch_unwind(AssertUnwindSafe(|| run_side(Tool::Mosquitto))));
            let ours = s.spawn(|| panic::catch_unwind(AssertUnwindSafe(|| run_side(Tool::Ours))));
            (
                reference.join().expect("reference thread"),
                ours.join().expect("ours thread"),
            )
        });
        let name = &self.name;
        let reference = match reference {
            Ok(obs) => obs,
            Err(payload) => panic!(
                "scenario {name}: the reference (mosquitto) run failed: {}",
                panic_text(&payload)
            ),
        };
        let ours = match ours {
            Ok(obs) => obs,
            Err(payload) => panic!(
                "scenario {name}: the run with {} panicked: {}",
                Tool::Ours.label(),
                panic_text(&payload)
            ),
        };
        let timed_out = reference.timed_out();
        assert!(
            timed_out.is_empty(),
            "scenario {name}: bad scenario, a process of the reference (mosquitto) run hung: {timed_out:?}\n{}",
            render_observed(&reference)
        );
        let reference = reference.normalized(&self.normalizer);
        let ours = ours.normalized(&self.normalizer);
        if std::env::var_os("RPUBSUB_SHOW_OUTPUT").is_some() {
            eprintln!(
                "scenario {name}: reference (mosquitto) result, normalised:\n{}",
                render_observed(&reference)
            );
        }
        if let Some(report) = compare(&reference, &ours) {
            panic!(
                "scenario {name}: outputs differ (mosquitto vs {})\n{report}",
                Tool::Ours.label()
            );
        }
        eprintln!("scenario {name}: identical ({:.2?})", started.elapsed());
    }
}

fn panic_text(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "(non-string panic)".to_string()
    }
}

/// None if equal, else a readable report of every differing field.
fn compare(reference: &Observed, ours: &Observed) -> Option<String> {
    let ref_names: Vec<&str> = reference.fields.iter().map(|(n, _)| n.as_str()).collect();
    let our_names: Vec<&str> = ours.fields.iter().map(|(n, _)| n.as_str()).collect();
    if ref_names != our_names {
        return Some(format!(
            "the scenario returned different fields: mosquitto {ref_names:?}, ours {our_names:?}\n--- mosquitto:\n{}--- ours:\n{}",
            render_observed(reference),
            render_observed(ours)
        ));
    }
    let mut report = String::new();
    let mut summary = Vec::new();
    for ((name, a), (_, b)) in reference.fields.iter().zip(&ours.fields) {
        if a == b {
            summary.push(format!("{name}: same"));
            continue;
        }
        summary.push(format!("{name}: DIFFERENT"));
        let _ = writeln!(report, "=== {name} differs");
        match (a, b) {
            (Field::Exit(x), Field::Exit(y)) => {
                let _ = writeln!(report, "  mosquitto: {x}\n  ours:      {y}");
            }
            (Field::Bytes(x), Field::Bytes(y)) => {
                let (lx, ly) = (split_lines(x), split_lines(y));
                if let Some(i) = (0..lx.len().max(ly.len())).find(|&i| lx.get(i) != ly.get(i)) {
                    let _ = writeln!(report, "  first difference at line {}", i + 1);
                }
                report.push_str(&render_field(&format!("{name} (mosquitto)"), x, Some(y)));
                report.push_str(&render_field(&format!("{name} (ours)"), y, Some(x)));
            }
            _ => {
                let _ = writeln!(report, "  field kinds differ: {a:?} vs {b:?}");
            }
        }
    }
    if report.is_empty() {
        None
    } else {
        Some(format!("{}\n{report}", summary.join(", ")))
    }
}

fn render_observed(obs: &Observed) -> String {
    let mut s = String::new();
    for (name, field) in &obs.fields {
        match field {
            Field::Bytes(b) => s.push_str(&render_field(name, b, None)),
            Field::Exit(e) => {
                let _ = writeln!(s, "  {name}: {e}");
            }
        }
    }
    s
}

fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// Renders bytes as numbered lines, escaped; lines that differ from `other` (same index) are marked with `>`.
pub fn render_field(name: &str, bytes: &[u8], other: Option<&[u8]>) -> String {
    let lines = split_lines(bytes);
    let other_lines = other.map(split_lines).unwrap_or_default();
    let mut s = format!(
        "  --- {name}: {} bytes, {} lines\n",
        bytes.len(),
        lines.len()
    );
    if lines.is_empty() {
        s.push_str("        (empty)\n");
    }
    for (i, line) in lines.iter().enumerate() {
        let mark = if other.is_some() && other_lines.get(i) != Some(line) {
            '>'
        } else {
            '|'
        };
        let (body, newline) = match line.strip_suffix(b"\n") {
            Some(body) => (body, true),
            None => (*line, false),
        };
        let _ = writeln!(
            s,
            "  {:5} {mark} {}{}",
            i + 1,
            escape_bytes(body),
            if newline {
                ""
            } else {
                "⟨no newline at end⟩"
            }
        );
    }
    s
}

/// Printable UTF-8 as is; `\\`, `\r`, `\t`, `\0`, other control bytes and invalid UTF-8 as escapes.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                '\n' => s.push_str("\\n"),
                '\0' => s.push_str("\\0"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let _ = write!(s, "\\x{:02x}", c as u32);
                }
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------------------
// Normaliser
// ---------------------------------------------------------------------------------------------------------

/// Replaces only what truly varies between runs:
/// * `<prefix><digits>` for each registered `-I` prefix → `<prefix><PID>`;
/// * `mosq-` + exactly 18 ASCII alphanumerics (random v3.1 id) → `mosq-<RANDOM>`;
/// * `auto-` + an uppercase/lowercase hex UUID (broker-assigned v5 id) → `auto-<UUID>`.
#[derive(Clone, Debug, Default)]
pub struct Normalizer {
    id_prefixes: Vec<Vec<u8>>,
}

impl Normalizer {
    pub fn new() -> Normalizer {
        Normalizer::default()
    }

    pub fn id_prefix(mut self, prefix: &str) -> Normalizer {
        assert!(!prefix.is_empty(), "empty -I prefix");
        self.id_prefixes.push(prefix.as_bytes().to_vec());
        // longest first, so that "ab" does not shadow "abc"
        self.id_prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        self
    }

    pub fn apply(&self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len());
        let mut i = 0;
        while i < input.len() {
            let rest = &input[i..];
            if let Some(n) = self.match_prefix_pid(rest) {
                let prefix_len = n.0;
                out.extend_from_slice(&rest[..prefix_len]);
                out.extend_from_slice(b"<PID>");
                i += n.1;
                continue;
            }
            let at_boundary = i == 0 || !input[i - 1].is_ascii_alphanumeric();
            if at_boundary {
                if let Some(len) = match_random_v31_id(rest) {
                    out.extend_from_slice(b"mosq-<RANDOM>");
                    i += len;
                    continue;
                }
                if let Some(len) = match_auto_uuid(rest) {
                    out.extend_from_slice(b"auto-<UUID>");
                    i += len;
                    continue;
                }
            }
            out.push(input[i]);
            i += 1;
        }
        out
    }

    /// (prefix length, prefix + digits length)
    fn match_prefix_pid(&self, rest: &[u8]) -> Option<(usize, usize)> {
        self.id_prefixes.iter().find_map(|p| {
            let after = rest.strip_prefix(p.as_slice())?;
            let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
            (digits > 0).then_some((p.len(), p.len() + digits))
        })
    }
}

fn match_random_v31_id(rest: &[u8]) -> Option<usize> {
    let after = rest.strip_prefix(b"mosq-")?;
    let n = after
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    (n == 18).then_some(5 + 18)
}

fn match_auto_uuid(rest: &[u8]) -> Option<usize> {
    let after = rest.strip_prefix(b"auto-")?;
    let groups = [8, 4, 4, 4, 12];
    let mut pos = 0;
    for (g, &len) in groups.iter().enumerate() {
        let part = after.get(pos..pos + len)?;
        if !part.iter().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        pos += len;
        if g < groups.len() - 1 {
            if after.get(pos) != Some(&b'-') {
                return None;
            }
            pos += 1;
        }
    }
    // must not run on into more id characters
    if after.get(pos).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(5 + pos)
}

#[cfg(test)]
mod normalizer_tests {
    use super::*;

    fn norm(n: &Normalizer, s: &str) -> String {
        String::from_utf8(n.apply(s.as_bytes())).unwrap()
    }

    #[test]
    fn pid_after_registered_prefix() {
        let n = Normalizer::new().id_prefix("myprefix-");
        assert_eq!(
            norm(&n, "Client myprefix-5292 sending CONNECT\n"),
            "Client myprefix-<PID> sending CONNECT\n"
        );
        assert_eq!(
            norm(&n, "myprefix-1 myprefix-22\n"),
            "myprefix-<PID> myprefix-<PID>\n"
        );
        // prefix without digits, or other prefixes, stay
        assert_eq!(
            norm(&n, "Client myprefix- x other-123\n"),
            "Client myprefix- x other-123\n"
        );
    }

    #[test]
    fn longest_prefix_wins() {
        let n = Normalizer::new().id_prefix("ab").id_prefix("abc");
        assert_eq!(norm(&n, "abc12 ab34"), "abc<PID> ab<PID>");
    }

    #[test]
    fn random_v31_id() {
        let n = Normalizer::new();
        assert_eq!(
            norm(&n, "Client mosq-SiZXUP9aTqHpgdLlqH sending CONNECT\n"),
            "Client mosq-<RANDOM> sending CONNECT\n"
        );
        // at the very start and end
        assert_eq!(norm(&n, "mosq-abcdefghijklmnopqr"), "mosq-<RANDOM>");
        // 17 or 19 characters are not a random id
        assert_eq!(
            norm(&n, "mosq-abcdefghijklmnopq "),
            "mosq-abcdefghijklmnopq "
        );
        assert_eq!(
            norm(&n, "mosq-abcdefghijklmnopqrs"),
            "mosq-abcdefghijklmnopqrs"
        );
        // inside a longer word
        assert_eq!(
            norm(&n, "xmosq-abcdefghijklmnopqr"),
            "xmosq-abcdefghijklmnopqr"
        );
    }

    #[test]
    fn auto_uuid() {
        let n = Normalizer::new();
        assert_eq!(
            norm(
                &n,
                "Client auto-771B22C9-154B-9648-3AC9-A837E6B980B7 received CONNACK (0)\n"
            ),
            "Client auto-<UUID> received CONNACK (0)\n"
        );
        assert_eq!(
            norm(&n, "auto-771b22c9-154b-9648-3ac9-a837e6b980b7"),
            "auto-<UUID>"
        );
        // not a UUID
        assert_eq!(
            norm(&n, "auto-771B22C9-154B-9648-3AC9"),
            "auto-771B22C9-154B-9648-3AC9"
        );
        assert_eq!(
            norm(&n, "auto-771B22C9_154B-9648-3AC9-A837E6B980B7"),
            "auto-771B22C9_154B-9648-3AC9-A837E6B980B7"
        );
        assert_eq!(
            norm(&n, "auto-771B22C9-154B-9648-3AC9-A837E6B980B7F"),
            "auto-771B22C9-154B-9648-3AC9-A837E6B980B7F"
        );
    }

    #[test]
    fn nothing_else_changes() {
        let n = Normalizer::new().id_prefix("p-");
        let samples: [&[u8]; 5] = [
            b"Client s1 sending PUBLISH (d0, q1, r0, m1, 'a', ... (5 bytes))\n",
            b"Error: Connection refused\n",
            b"binary \x00\xff\xfe\r\n",
            b"",
            b"1795656988: mosquitto version 2.0.11 running 12345",
        ];
        for s in samples {
            assert_eq!(n.apply(s), s.to_vec());
        }
    }

    #[test]
    fn binary_is_preserved_around_replacements() {
        let n = Normalizer::new().id_prefix("id");
        assert_eq!(
            n.apply(b"\xff id42\x00 mosq-ABCDEFGHIJKLMNOPQR\xfe"),
            b"\xff id<PID>\x00 mosq-<RANDOM>\xfe".to_vec()
        );
    }

    #[test]
    fn sorted_lines_keeps_bytes() {
        assert_eq!(sorted_lines(b"b\na\nc"), b"a\nb\nc".to_vec());
        assert_eq!(sorted_lines(b""), Vec::<u8>::new());
    }

    #[test]
    fn escaping_for_reports() {
        assert_eq!(
            escape_bytes(b"a\tb\r\x00\xff\\ \xc3\xa9"),
            "a\\tb\\r\\0\\xff\\\\ é"
        );
        let r = render_field("stdout", b"one\ntwo", Some(b"one\nTWO\n"));
        assert!(r.contains("    1 | one\n"), "{r}");
        assert!(r.contains("    2 > two⟨no newline at end⟩\n"), "{r}");
    }
}
