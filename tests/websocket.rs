//! MQTT over WebSockets end to end, against mosquitto 2.1.2's broker and its built-in WebSocket
//! listeners: QoS 0/1/2 both ways under MQTT 3.1.1 and 5, retained messages, a 10 MiB payload,
//! 100,000 messages, `wss://` with a CA made by the test, through a SOCKS5 proxy (microsocks), and a
//! broker restart while `rpub -l` streams (nothing lost).

mod common;
#[path = "support/pki.rs"]
mod pki;
#[path = "support/tracefile.rs"]
mod tracefile;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use common::oracle21::{Broker21, ServerCert};
use common::{ClientRun, Running, find_program, free_port};

fn rpub() -> ClientRun {
    ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
}

fn rsub() -> ClientRun {
    ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
}

/// Starts `rsub` with `args` and waits until the broker has its subscription (id `id`).
fn subscribed(broker: &Broker21, id: &str, args: &[String]) -> Running {
    let sub = rsub().args(["-i", id]).args(args).spawn();
    broker.wait_for_log(
        &format!("Received SUBSCRIBE from {id}\n"),
        Duration::from_secs(10),
    );
    sub
}

fn lines(range: std::ops::RangeInclusive<u32>) -> Vec<u8> {
    range
        .map(|n| format!("{n}\n"))
        .collect::<String>()
        .into_bytes()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// rpub over ws → broker → rsub over ws, and the same with one side on plain MQTT, for every QoS
/// and both protocol versions: every message arrives once, in order, with its QoS.
#[test]
fn messages_go_both_ways_over_websockets_at_every_qos_and_version() {
    let broker = Broker21::start();
    let ws = broker.ws_args();
    let tcp = broker.tcp_args();
    let mut case = 0;
    for version in ["311", "5"] {
        for qos in ["0", "1", "2"] {
            for (sub_side, pub_side) in [(&ws, &ws), (&ws, &tcp), (&tcp, &ws)] {
                case += 1;
                let topic = format!("ws/both/{case}");
                let id = format!("ws-sub-{case}");
                let mut args = sub_side.clone();
                args.extend(strings(&[
                    "-V", version, "-q", qos, "-C", "3", "-F", "%q %t %p",
                ]));
                args.extend(["-t".to_string(), topic.clone()]);
                let sub = subscribed(&broker, &id, &args);
                let published = rpub()
                    .args(pub_side)
                    .args(["-V", version, "-q", qos, "-l", "-t", &topic])
                    .stdin("one\ntwo\nthree\n")
                    .run();
                published.assert_success();
                let out = sub.wait();
                out.assert_success();
                assert_eq!(
                    out.stdout_text(),
                    format!("{qos} {topic} one\n{qos} {topic} two\n{qos} {topic} three\n"),
                    "MQTT {version}, QoS {qos}, subscriber {:?}, publisher {:?}",
                    sub_side.last(),
                    pub_side.last()
                );
            }
        }
    }
}

/// A retained message published over ws is delivered over ws to a later subscriber, flagged as
/// retained, and cleared with an empty retained message.
#[test]
fn retained_messages_over_websockets() {
    let broker = Broker21::start();
    let ws = broker.ws_args();
    rpub()
        .args(&ws)
        .args(["-t", "ws/retained", "-m", "kept", "-r", "-q", "1"])
        .run()
        .assert_success();
    let out = rsub()
        .args(&ws)
        .args(["-t", "ws/retained", "-C", "1", "-F", "%r %t %p", "-V", "5"])
        .run();
    out.assert_success();
    assert_eq!(out.stdout_text(), "1 ws/retained kept\n");
    rpub()
        .args(&ws)
        .args(["-t", "ws/retained", "-n", "-r"])
        .run()
        .assert_success();
    let out = rsub()
        .args(&ws)
        .args(["-t", "ws/retained", "-W", "1"])
        .run();
    assert_eq!(out.code(), Some(27), "{}", out.dump());
    assert_eq!(out.stdout_text(), "");
}

/// 10 MiB in one PUBLISH: many frames each way (frames carry at most 128 KiB), every byte intact.
#[test]
fn a_10_mib_payload_crosses_websockets_intact() {
    let broker = Broker21::start();
    let ws = broker.ws_args();
    let dir = common::TempDir::new("ws-big");
    let payload: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = dir.write("big.bin", &payload);
    let mut args = ws.clone();
    args.extend(strings(&["-t", "ws/big", "-C", "1", "-q", "1", "-N"]));
    let sub = subscribed(&broker, "ws-big-sub", &args);
    rpub()
        .args(&ws)
        .args(["-t", "ws/big", "-q", "1", "-f"])
        .arg(&file)
        .timeout(Duration::from_secs(30))
        .run()
        .assert_success();
    let out = sub.wait();
    out.assert_success();
    assert!(out.stdout == payload, "the payload changed on the way");
}

/// 100,000 messages from `rpub -l` over ws to `rsub` over ws: all of them, in order.
#[test]
fn a_hundred_thousand_messages_over_websockets() {
    let broker = Broker21::builder()
        .config_line("max_queued_messages 0")
        .start();
    let ws = broker.ws_args();
    let mut args = ws.clone();
    args.extend(strings(&["-t", "ws/many", "-C", "100000", "-q", "1"]));
    let sub = rsub()
        .args(["-i", "ws-many-sub"])
        .args(&args)
        .timeout(Duration::from_secs(120))
        .spawn();
    broker.wait_for_log(
        "Received SUBSCRIBE from ws-many-sub\n",
        Duration::from_secs(10),
    );
    rpub()
        .args(&ws)
        .args(["-t", "ws/many", "-l", "-q", "1"])
        .stdin(lines(1..=100_000))
        .timeout(Duration::from_secs(120))
        .run()
        .assert_success();
    let out = sub.wait();
    out.assert_success();
    assert!(
        out.stdout == lines(1..=100_000),
        "messages lost or reordered"
    );
}

/// `wss://` to a WebSocket-over-TLS listener with a certificate from the test CA: works with
/// `--cafile`, fails with the TLS verdict (exit 8) without it.
#[test]
fn wss_with_the_tests_ca() {
    let pki = pki::Pki::new();
    let broker = Broker21::builder()
        .wss(ServerCert {
            cert: pki.server.cert.clone(),
            key: pki.server.key.clone(),
        })
        .start();
    let port = broker.wss_port.expect("wss listener");
    let url = format!("wss://127.0.0.1:{port}/ws/tls");
    let ca = pki.ca.to_str().expect("utf-8 path").to_string();
    let sub = rsub()
        .args([
            "-L", &url, "--cafile", &ca, "-C", "1", "-v", "-i", "wss-sub",
        ])
        .spawn();
    broker.wait_for_log("Received SUBSCRIBE from wss-sub\n", Duration::from_secs(10));
    rpub()
        .args(["-L", &url, "--cafile", &ca, "-m", "secret", "-q", "2"])
        .run()
        .assert_success();
    let out = sub.wait();
    out.assert_success();
    assert_eq!(out.stdout_text(), "ws/tls secret\n");
    // The same with --ws and -p.
    let out = rpub()
        .args([
            "-h",
            "localhost",
            "-p",
            &port.to_string(),
            "--ws",
            "--cafile",
            &ca,
        ])
        .args(["-t", "x", "-m", "y", "-d"])
        .run();
    out.assert_success();
    // Another CA: the certificate is refused, as over plain TLS.
    let ca2 = pki.ca2.to_str().expect("utf-8 path").to_string();
    let out = rpub().args(["-L", &url, "--cafile", &ca2, "-m", "x"]).run();
    assert_eq!(out.code(), Some(8), "{}", out.dump());
    assert!(
        out.stderr_text().starts_with("Error: TLS: ") || out.stderr_text().contains("certificate"),
        "{}",
        out.dump()
    );
    // --trace sees the TLS handshake under the WebSocket too, before the broker's CONNACK.
    let dir = common::TempDir::new("wss-trace");
    let trace = dir.join("trace.jsonl");
    rpub()
        .args(["-L", &url, "--cafile", &ca, "-m", "x", "--trace"])
        .arg(&trace)
        .run()
        .assert_success();
    let lines = tracefile::read(&trace);
    let names = tracefile::names(&lines);
    let handshake = tracefile::events(&lines, "tls_handshake");
    assert_eq!(handshake.len(), 1, "{names:?}");
    assert!(
        handshake[0]["peer_chain"][0]["subject"]
            .as_str()
            .is_some_and(|subject| subject.contains("CN=server")),
        "{}",
        handshake[0]
    );
    let position = |name: &str| names.iter().position(|n| n == name);
    assert!(
        position("tls_handshake") < position("recv CONNACK"),
        "{names:?}"
    );
}

/// microsocks on a free port (the package is installed by scripts/test.sh).
struct Microsocks {
    child: std::process::Child,
    port: u16,
}

impl Microsocks {
    fn start() -> Microsocks {
        let program =
            find_program("microsocks", &["/usr/bin", "/usr/local/bin"]).unwrap_or_else(|| {
                panic!("microsocks not found: install it with `apt-get install -y microsocks`")
            });
        let port = free_port();
        let child = Command::new(program)
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start microsocks");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "microsocks did not start"
            );
            thread::sleep(Duration::from_millis(10));
        }
        Microsocks { child, port }
    }

    fn url(&self) -> String {
        format!("socks5h://127.0.0.1:{}", self.port)
    }
}

impl Drop for Microsocks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ws:// and wss:// through a SOCKS5 proxy: the proxy connects, the upgrade and TLS run through it.
#[test]
fn websockets_through_a_socks5_proxy() {
    let pki = pki::Pki::new();
    let broker = Broker21::builder()
        .wss(ServerCert {
            cert: pki.server.cert.clone(),
            key: pki.server.key.clone(),
        })
        .start();
    let proxy = Microsocks::start();
    let ws = broker.ws_args();
    let sub = subscribed(
        &broker,
        "proxy-sub",
        &[
            ws.clone(),
            strings(&["-t", "ws/proxy", "-C", "2", "--proxy", &proxy.url()]),
        ]
        .concat(),
    );
    rpub()
        .args(&ws)
        .args(["--proxy", &proxy.url(), "-t", "ws/proxy", "-m", "via-socks"])
        .run()
        .assert_success();
    let wss = format!(
        "wss://localhost:{}/ws/proxy",
        broker.wss_port.expect("wss listener")
    );
    rpub()
        .args(["-L", &wss, "--cafile"])
        .arg(&pki.ca)
        .args(["--proxy", &proxy.url(), "-m", "via-socks-tls"])
        .run()
        .assert_success();
    let out = sub.wait();
    out.assert_success();
    assert_eq!(out.stdout_text(), "via-socks\nvia-socks-tls\n");
}

/// `rpub -l -q 1` streams 20,000 lines over ws while the broker restarts: rpub reconnects over ws
/// and resends what was not acknowledged; the subscriber (ws, persistent session) sees every line,
/// first occurrences in order.
#[test]
fn a_broker_restart_while_rpub_streams_over_websockets_loses_nothing() {
    let mut broker = Broker21::builder()
        .persistence()
        .config_line("max_queued_messages 0")
        .start();
    let ws = broker.ws_args();
    let mut sub = Command::new(env!("CARGO_BIN_EXE_rsub"))
        .args(&ws)
        .args(["-c", "-i", "ws-rc-sub", "-q", "1", "-t", "ws/rc"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start rsub");
    let stdout = sub.stdout.take().expect("stdout");
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let reader = thread::spawn(move || {
        let mut seen = std::collections::HashSet::new();
        let mut first = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let n: u32 = line.parse().unwrap_or(0);
            if seen.insert(n) {
                first.push(n);
            }
            if seen.len() == 20_000 {
                let _ = done_tx.send(());
            }
        }
        first
    });
    broker.wait_for_log("Received SUBSCRIBE from ws-rc-sub", Duration::from_secs(10));
    let mut publisher = rpub()
        .args(&ws)
        .args(["-l", "-t", "ws/rc", "-q", "1", "-i", "ws-rc-pub"])
        .stdin_pipe()
        .timeout(Duration::from_secs(120))
        .spawn();
    publisher.write_stdin(&lines(1..=10_000));
    broker.wait_for_log("Received PUBLISH from ws-rc-pub", Duration::from_secs(10));
    broker.restart();
    publisher.write_stdin(&lines(10_001..=20_000));
    publisher.close_stdin();
    let published = publisher.wait();
    assert_eq!(published.code(), Some(0), "{}", published.dump());
    assert_eq!(published.stderr_text(), "");
    let complete = done_rx.recv_timeout(Duration::from_secs(60)).is_ok();
    // SAFETY: the child is not reaped yet, so its pid still names our process.
    unsafe { libc::kill(sub.id() as libc::pid_t, libc::SIGINT) };
    let status = sub.wait().expect("wait rsub");
    let first = reader.join().expect("reader");
    assert!(complete, "only {} distinct lines arrived", first.len());
    assert_eq!(first, (1..=20_000).collect::<Vec<u32>>(), "out of order");
    assert_eq!(status.code(), Some(0));
}
