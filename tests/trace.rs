//! `--trace FILE` against real mosquitto brokers: every event type the broker can cause appears
//! in a test here (plain TCP, TLS, SOCKS5, a unix socket, MQTT 3.1.1 and 5, a reconnect, a failed
//! connection, a broker's DISCONNECT from mosquitto 2.1.2), and every line of every trace validates
//! against docs/trace.schema.json (`support/tracefile.rs`). `warning` (a PUBREC for an unknown
//! packet id) and `recv AUTH` cannot be provoked from mosquitto; their lines are checked in
//! `src/trace/json.rs`'s unit tests.

mod common;
#[path = "support/pki.rs"]
mod pki;
#[path = "support/tracefile.rs"]
mod tracefile;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use common::{Broker, ClientRun, TempDir};
use serde_json::Value;
use tracefile::{events, names, packets};

const RPUB: &str = env!("CARGO_BIN_EXE_rpub");
const RSUB: &str = env!("CARGO_BIN_EXE_rsub");
const LIMIT: Duration = Duration::from_secs(20);

fn port_args(broker: &Broker) -> Vec<String> {
    vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        broker.port().to_string(),
    ]
}

/// A trace file in a fresh directory.
fn trace_path(dir: &TempDir) -> PathBuf {
    dir.join("trace.jsonl")
}

fn trace_args(path: &std::path::Path) -> Vec<String> {
    vec!["--trace".into(), path.display().to_string()]
}

/// Sets a retained message (QoS 1) with mosquitto_pub, so that nothing of ours is involved.
fn retain(broker: &Broker, topic: &str, payload: &str) {
    ClientRun::new(common::mosquitto_pub())
        .args(port_args(broker))
        .args(["-t", topic, "-m", payload, "-r", "-q", "1"])
        .timeout(LIMIT)
        .run()
        .assert_success();
}

#[test]
fn mqtt_311_subscriber_traces_connection_packets_and_outcome() {
    let broker = Broker::start();
    retain(&broker, "tr/a", "first-retained");
    retain(&broker, "tr/b", "second");
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RSUB)
        .args(port_args(&broker))
        .args([
            "-i",
            "tracer",
            "-q",
            "1",
            "-t",
            "tr/#",
            "-U",
            "nothing/#",
            "-C",
            "2",
        ])
        .args(["-u", "someone", "-P", "hunter2", "--trace-payload", "5"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    out.assert_success();
    assert_eq!(
        out.stdout_text(),
        "first-retained\nsecond\n",
        "output unchanged"
    );
    let lines = tracefile::read(&path);
    let text = std::fs::read_to_string(&path).expect("trace");
    assert!(!text.contains("hunter2"), "the password never shows");

    let start = &lines[0];
    assert_eq!(start["program"], "rsub");
    assert_eq!(start["options"]["password"], "***");
    assert_eq!(start["options"]["topics"][0], "tr/#");

    let resolved = events(&lines, "resolved");
    assert_eq!(
        resolved[0]["addresses"][0],
        format!("127.0.0.1:{}", broker.port())
    );
    let tcp = events(&lines, "tcp_connected");
    assert_eq!(tcp[0]["remote"], format!("127.0.0.1:{}", broker.port()));
    assert!(
        tcp[0]["local"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:"))
    );

    let connect = packets(&lines, "send", "CONNECT");
    assert_eq!(connect[0]["protocol_level"], 4);
    assert_eq!(connect[0]["client_id"], "tracer");
    assert_eq!(connect[0]["keepalive"], 60);
    assert_eq!(connect[0]["username"], "someone");
    assert_eq!(connect[0]["password"], "***");
    let connack = packets(&lines, "recv", "CONNACK");
    assert_eq!(connack[0]["reason"], "Connection Accepted");
    assert_eq!(connack[0]["session_present"], false);
    assert_eq!(events(&lines, "connected").len(), 1);

    let subscribe = packets(&lines, "send", "SUBSCRIBE");
    assert_eq!(subscribe[0]["filters"][0]["filter"], "tr/#");
    assert_eq!(subscribe[0]["filters"][0]["qos"], 1);
    let suback = packets(&lines, "recv", "SUBACK");
    assert_eq!(suback[0]["reason_codes"][0], 1);
    assert_eq!(suback[0]["reasons"][0], "Granted QoS 1");
    assert_eq!(
        packets(&lines, "send", "UNSUBSCRIBE")[0]["filters"][0]["filter"],
        "nothing/#"
    );
    let publishes = packets(&lines, "recv", "PUBLISH");
    assert_eq!(publishes[0]["topic"], "tr/a");
    assert_eq!(publishes[0]["retain"], true);
    assert_eq!(publishes[0]["payload_len"], 14);
    assert_eq!(publishes[0]["payload"], "first", "cut to --trace-payload");
    assert_eq!(publishes[0]["payload_truncated"], true);
    assert_eq!(packets(&lines, "send", "PUBACK").len(), 2);
    assert_eq!(packets(&lines, "send", "DISCONNECT").len(), 1);
    let closed = events(&lines, "closed");
    assert_eq!(
        (closed[0]["by"].as_str(), closed[0]["reason"].as_str()),
        (Some("client"), Some("DISCONNECT sent"))
    );
    let outcome = events(&lines, "outcome");
    assert_eq!(outcome.len(), 1);
    assert_eq!(outcome[0]["exit_code"], 0);
    assert_eq!(
        lines.last().map(|l| l["ev"].clone()),
        Some(Value::from("outcome"))
    );
}

#[test]
fn mqtt_5_publisher_traces_properties_qos_2_and_reason_names() {
    let broker = Broker::start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args(port_args(&broker))
        .args([
            "-V",
            "5",
            "-q",
            "2",
            "-t",
            "t5/x",
            "-m",
            "hello",
            "--trace-payload",
            "100",
        ])
        .args(["-D", "publish", "user-property", "b", "2"])
        .args(["-D", "publish", "user-property", "a", "1"])
        .args(["-D", "publish", "content-type", "text/plain"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    out.assert_success();
    let lines = tracefile::read(&path);
    assert_eq!(
        names(&lines)[3..],
        [
            "send CONNECT",
            "recv CONNACK",
            "connected",
            "send PUBLISH",
            "recv PUBREC",
            "send PUBREL",
            "recv PUBCOMP",
            "published",
            "send DISCONNECT",
            "closed",
            "outcome"
        ],
        "{lines:#?}"
    );
    let connect = &packets(&lines, "send", "CONNECT")[0];
    assert_eq!(connect["protocol_level"], 5);
    assert_eq!(connect["properties"]["receive-maximum"], 20);
    let connack = &packets(&lines, "recv", "CONNACK")[0];
    assert_eq!(connack["reason"], "Success");
    assert!(
        connack["properties"].is_object(),
        "mosquitto announces its limits"
    );
    let publish = &packets(&lines, "send", "PUBLISH")[0];
    assert_eq!(publish["payload"], "hello");
    assert_eq!(publish["qos"], 2);
    assert_eq!(publish["packet_id"], 1);
    assert_eq!(
        publish["properties"]["user-properties"],
        serde_json::json!([["b", "2"], ["a", "1"]])
    );
    assert_eq!(publish["properties"]["content-type"], "text/plain");
    // mosquitto 2.0.11 answers with reason code 0 even without subscribers.
    let pubrec = &packets(&lines, "recv", "PUBREC")[0];
    assert_eq!(pubrec["reason_code"], 0);
    assert_eq!(pubrec["reason"], "Success");
    assert_eq!(packets(&lines, "send", "PUBREL")[0]["packet_id"], 1);
    let disconnect = &packets(&lines, "send", "DISCONNECT")[0];
    assert_eq!(disconnect["reason"], "Normal disconnection");
}

#[test]
fn a_refused_mqtt_5_publish_is_publish_failed_with_its_reason() {
    let broker = Broker::builder().acl("topic readwrite acl/ok/#\n").start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args(port_args(&broker))
        .args(["-V", "5", "-q", "1", "-t", "acl/denied", "-m", "x"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    out.assert_success();
    let lines = tracefile::read(&path);
    let failed = events(&lines, "publish_failed");
    assert_eq!(failed.len(), 1, "{lines:#?}");
    assert_eq!(failed[0]["ack"], "PUBACK");
    assert_eq!(failed[0]["reason_code"], 135);
    assert_eq!(failed[0]["reason"], "Not authorized");
}

#[test]
fn keepalive_pings_and_a_timeout_outcome_are_traced() {
    let broker = Broker::start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RSUB)
        .args(port_args(&broker))
        .args(["-t", "quiet/topic", "-k", "5", "-W", "6"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    assert_eq!(out.code(), Some(27), "{}", out.dump());
    let lines = tracefile::read(&path);
    let ping = packets(&lines, "send", "PINGREQ");
    assert_eq!(ping.len(), 1, "{lines:#?}");
    assert_eq!(ping[0]["timer"], "keepalive");
    assert_eq!(packets(&lines, "recv", "PINGRESP").len(), 1);
    let outcome = events(&lines, "outcome");
    assert_eq!(outcome[0]["exit_code"], 27);
    assert_eq!(outcome[0]["message"], "Timed out");
}

#[test]
fn tls_handshake_shows_version_cipher_and_the_peer_chain() {
    let pki = pki::Pki::new();
    let broker = pki::tls_broker(&pki, &pki.server, &[]);
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args(port_args(&broker))
        .args(["--cafile", &pki.ca.display().to_string()])
        .args(["-t", "tls/t", "-m", "x", "-q", "1"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    out.assert_success();
    let lines = tracefile::read(&path);
    let tls = events(&lines, "tls_handshake");
    assert_eq!(tls.len(), 1, "{lines:#?}");
    let version = tls[0]["version"].as_str().unwrap_or_default();
    assert!(version == "TLSv1.3" || version == "TLSv1.2", "{version}");
    assert!(!tls[0]["cipher"].as_str().unwrap_or_default().is_empty());
    assert_eq!(tls[0]["alpn"], Value::Null);
    let leaf = &tls[0]["peer_chain"][0];
    assert!(
        leaf["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("CN=server"),
        "{leaf}"
    );
    assert!(
        leaf["issuer"]
            .as_str()
            .unwrap_or_default()
            .contains("rpubsub test CA"),
        "{leaf}"
    );
    let san: Vec<&str> = leaf["san"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        san.contains(&"IP:127.0.0.1") && san.contains(&"DNS:localhost"),
        "{san:?}"
    );
    assert!(options_tls(&lines[0]));
    // The handshake comes before the broker's CONNACK is read.
    let position = |name: &str| names(&lines).iter().position(|n| n == name);
    assert!(position("tls_handshake") < position("recv CONNACK"));
}

fn options_tls(start: &Value) -> bool {
    start["options"]["tls"] == true && start["options"]["tls_options"]["cafile"].is_string()
}

/// A SOCKS5 proxy without authentication that connects by name or address: enough for the
/// `proxy_connected` stage.
fn socks_proxy() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("address").port();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            thread::spawn(move || {
                let _ = relay(client);
            });
        }
    });
    port
}

fn relay(mut client: TcpStream) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head)?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods)?;
    client.write_all(&[5, 0])?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request)?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip)?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return Ok(()),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let upstream = TcpStream::connect((host.as_str(), u16::from_be_bytes(port)))?;
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    let (mut up_read, mut client_write) = (upstream.try_clone()?, client.try_clone()?);
    let copy = thread::spawn(move || {
        let _ = std::io::copy(&mut up_read, &mut client_write);
        let _ = client_write.shutdown(Shutdown::Write);
    });
    let mut up_write = upstream;
    let _ = std::io::copy(&mut client, &mut up_write);
    let _ = up_write.shutdown(Shutdown::Write);
    let _ = copy.join();
    Ok(())
}

#[test]
fn socks_proxy_stages_name_the_proxy_then_the_broker() {
    let broker = Broker::start();
    let proxy = socks_proxy();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args(["-h", "localhost", "-p", &broker.port().to_string()])
        .args(["--proxy", &format!("socks5h://127.0.0.1:{proxy}")])
        .args(["-t", "p/t", "-m", "x"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    out.assert_success();
    let lines = tracefile::read(&path);
    assert_eq!(
        names(&lines)[1..5],
        [
            "resolved",
            "tcp_connected",
            "proxy_connected",
            "send CONNECT"
        ]
    );
    assert_eq!(events(&lines, "resolved")[0]["host"], "127.0.0.1");
    assert_eq!(events(&lines, "resolved")[0]["port"], proxy);
    assert_eq!(
        events(&lines, "tcp_connected")[0]["remote"],
        format!("127.0.0.1:{proxy}")
    );
    let via = events(&lines, "proxy_connected");
    assert_eq!(
        (via[0]["host"].as_str(), via[0]["port"].as_u64()),
        (Some("localhost"), Some(u64::from(broker.port())))
    );
}

#[test]
fn a_unix_socket_connection_is_traced() {
    let sockets = TempDir::new("unix");
    let socket = sockets.join("mqtt.sock");
    let _broker = Broker::builder()
        .config_line(&format!("listener 0 {}", socket.display()))
        .start();
    let path = trace_path(&sockets);
    let out = ClientRun::new(RPUB)
        .args([
            "--unix",
            &socket.display().to_string(),
            "-t",
            "u/t",
            "-m",
            "x",
        ])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    out.assert_success();
    let lines = tracefile::read(&path);
    let unix = events(&lines, "unix_connected");
    assert_eq!(unix[0]["path"], socket.display().to_string());
    assert!(events(&lines, "tcp_connected").is_empty());
}

#[test]
fn a_lost_broker_shows_the_close_the_failed_attempts_and_the_reconnect() {
    let mut broker = Broker::start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let mut running = ClientRun::new(RSUB)
        .args(port_args(&broker))
        .args(["-t", "r/t", "-V", "5"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .spawn();
    tracefile::wait_for(&path, LIMIT, |line| line["type"] == "SUBACK");
    broker.kill();
    tracefile::wait_for(&path, LIMIT, |line| line["ev"] == "connect_failed");
    broker.start_again();
    tracefile::wait_for(&path, LIMIT, |line| {
        line["type"] == "SUBACK" && line["packet_id"] != 1
    });
    running.interrupt();
    let out = running.wait();
    out.assert_success();
    let lines = tracefile::read(&path);
    let closed = events(&lines, "closed");
    assert_eq!(closed[0]["by"], "peer", "{lines:#?}");
    assert!(!events(&lines, "reconnect_scheduled").is_empty());
    let attempts = events(&lines, "reconnect");
    assert!(attempts.len() >= 2, "one failed, one made it: {lines:#?}");
    assert_eq!(attempts[0]["attempt"], 1);
    let failed = events(&lines, "connect_failed");
    assert_eq!(failed[0]["message"], "Error: Connection refused");
    assert_eq!(events(&lines, "connected").len(), 2);
    assert_eq!(events(&lines, "tcp_connected").len(), 2);
}

#[test]
fn a_connection_refused_at_start_is_traced_and_is_the_outcome() {
    let port = common::free_port();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-t",
            "a",
            "-m",
            "x",
        ])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    assert_eq!(out.code(), Some(1));
    assert_eq!(out.stderr_text(), "Error: Connection refused\n");
    let lines = tracefile::read(&path);
    assert_eq!(
        names(&lines),
        ["start", "resolved", "connect_failed", "outcome"]
    );
    let outcome = &events(&lines, "outcome")[0];
    assert_eq!(outcome["exit_code"], 1);
    assert_eq!(outcome["message"], "Error: Connection refused");
}

#[test]
fn trace_to_stderr_leaves_the_debug_lines_on_stdout_unchanged() {
    let broker = Broker::start();
    let run = |extra: &[&str]| {
        ClientRun::new(RPUB)
            .args(port_args(&broker))
            .args(["-d", "-i", "same", "-t", "d/t", "-m", "x", "-q", "1"])
            .args(extra)
            .timeout(LIMIT)
            .run()
    };
    let plain = run(&[]);
    let traced = run(&["--trace", "-"]);
    plain.assert_success();
    traced.assert_success();
    assert_eq!(traced.stdout_text(), plain.stdout_text());
    assert!(plain.stdout_text().contains("Client same sending PUBLISH"));
    let lines = tracefile::checked_lines(&traced.stderr_text());
    assert_eq!(lines[0]["ev"], "start");
    assert_eq!(packets(&lines, "recv", "PUBACK").len(), 1);
}

#[test]
fn an_unwritable_trace_file_is_an_error_before_connecting() {
    let broker = Broker::start();
    let out = ClientRun::new(RPUB)
        .args(port_args(&broker))
        .args(["-t", "a", "-m", "x", "--trace", "/nonexistent/dir/trace"])
        .timeout(LIMIT)
        .run();
    assert_eq!(out.code(), Some(1));
    assert_eq!(
        out.stderr_text(),
        "Error: Unable to open trace file \"/nonexistent/dir/trace\": No such file or directory.\n"
    );
}

#[test]
fn rrr_traces_its_request_and_the_timeout() {
    let broker = Broker::start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(env!("CARGO_BIN_EXE_rrr"))
        .args(port_args(&broker))
        .args([
            "-e",
            "rr/response",
            "-t",
            "rr/request",
            "-m",
            "ping",
            "-W",
            "1",
        ])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    assert_eq!(out.code(), Some(27), "{}", out.dump());
    let lines = tracefile::read(&path);
    assert_eq!(lines[0]["program"], "rrr");
    let request = &packets(&lines, "send", "PUBLISH")[0];
    assert_eq!(request["topic"], "rr/request");
    assert_eq!(request["properties"]["response-topic"], "rr/response");
    assert_eq!(packets(&lines, "send", "DISCONNECT")[0]["reason_code"], 4);
    let outcome = &events(&lines, "outcome")[0];
    assert_eq!(
        (outcome["exit_code"].as_u64(), outcome["message"].as_str()),
        (Some(27), Some("Timed out"))
    );
}

/// A TCP forwarder to the broker that can swallow what the broker sends (`hold`) and cut every
/// connection (`cut`): a message is then sent but never acknowledged, as when a connection breaks
/// at the wrong moment.
struct Forwarder {
    port: u16,
    hold: std::sync::Arc<std::sync::atomic::AtomicBool>,
    clients: std::sync::Arc<std::sync::Mutex<Vec<TcpStream>>>,
}

impl Forwarder {
    fn start(broker_port: u16) -> Forwarder {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind forwarder");
        let port = listener.local_addr().expect("address").port();
        let hold = Arc::new(AtomicBool::new(false));
        let clients: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (hold_flag, kept) = (Arc::clone(&hold), Arc::clone(&clients));
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", broker_port)) else {
                    continue;
                };
                if let Ok(copy) = client.try_clone() {
                    kept.lock().expect("lock").push(copy);
                }
                let (mut client_read, mut up_write) =
                    match (client.try_clone(), upstream.try_clone()) {
                        (Ok(a), Ok(b)) => (a, b),
                        _ => continue,
                    };
                thread::spawn(move || {
                    let _ = std::io::copy(&mut client_read, &mut up_write);
                    let _ = up_write.shutdown(Shutdown::Both);
                });
                let (mut up_read, mut client_write) = (upstream, client);
                let hold = Arc::clone(&hold_flag);
                thread::spawn(move || {
                    let mut buffer = [0u8; 4096];
                    loop {
                        match up_read.read(&mut buffer) {
                            Ok(0) | Err(_) => break,
                            Ok(n) if !hold.load(Ordering::SeqCst) => {
                                if client_write.write_all(&buffer[..n]).is_err() {
                                    break;
                                }
                            }
                            Ok(_) => {}
                        }
                    }
                    let _ = client_write.shutdown(Shutdown::Both);
                });
            }
        });
        Forwarder {
            port,
            hold,
            clients,
        }
    }

    fn hold(&self, on: bool) {
        self.hold.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Closes every connection made so far.
    fn cut(&self) {
        for client in self.clients.lock().expect("lock").drain(..) {
            let _ = client.shutdown(Shutdown::Both);
        }
    }
}

#[test]
fn a_message_lost_with_its_connection_is_resent_with_dup_and_traced_as_a_resend() {
    let broker = Broker::start();
    let forwarder = Forwarder::start(broker.port());
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let mut running = ClientRun::new(RPUB)
        .args(["-h", "127.0.0.1", "-p", &forwarder.port.to_string()])
        .args(["-t", "dup/t", "-q", "1", "-l", "-c", "-i", "dup-tracer"])
        .args(trace_args(&path))
        .stdin_pipe()
        .timeout(LIMIT)
        .spawn();
    running.write_stdin(b"one\n");
    tracefile::wait_for(&path, LIMIT, |line| line["ev"] == "published");
    forwarder.hold(true);
    running.write_stdin(b"two\n");
    tracefile::wait_for(&path, LIMIT, |line| {
        line["ev"] == "send" && line["type"] == "PUBLISH" && line["packet_id"] == 2
    });
    // The PUBLISH went to the broker, its PUBACK is swallowed: now the connection breaks.
    thread::sleep(Duration::from_millis(100));
    forwarder.cut();
    forwarder.hold(false);
    tracefile::wait_for(&path, LIMIT, |line| line["resend"] == true);
    tracefile::wait_for(&path, LIMIT, |line| {
        line["ev"] == "published" && line["mid"] == 2
    });
    running.close_stdin();
    let out = running.wait();
    out.assert_success();
    let lines = tracefile::read(&path);
    let publishes = packets(&lines, "send", "PUBLISH");
    let resend = publishes
        .iter()
        .find(|line| line["resend"] == true)
        .expect("a resend");
    assert_eq!(
        (resend["dup"].as_bool(), resend["packet_id"].as_u64()),
        (Some(true), Some(2))
    );
    assert_eq!(resend["topic"], "dup/t");
    assert_eq!(events(&lines, "closed")[0]["by"], "peer");
    assert_eq!(events(&lines, "reconnect")[0]["attempt"], 1);
    assert_eq!(events(&lines, "connected").len(), 2);
}

/// mosquitto 2.1 tells an MQTT 5 client whose session another client took over (2.0.11 just
/// closes the connection).
#[test]
fn a_broker_disconnect_is_traced_with_its_reason_and_closes_by_broker() {
    let broker = common::oracle21::Broker21::start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let running = ClientRun::new(RSUB)
        .args(broker.tcp_args())
        .args(["-V", "5", "-i", "taken-over", "-t", "to/t"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .spawn();
    tracefile::wait_for(&path, LIMIT, |line| line["type"] == "SUBACK");
    // A second client with the same id: the broker sends the first DISCONNECT 142.
    let mut second = ClientRun::new(RSUB)
        .args(broker.tcp_args())
        .args(["-V", "5", "-i", "taken-over", "-t", "to/t", "-W", "5"])
        .timeout(LIMIT)
        .spawn();
    let out = running.wait();
    out.assert_success();
    second.kill();
    let lines = tracefile::read(&path);
    let disconnect = &packets(&lines, "recv", "DISCONNECT")[0];
    assert_eq!(disconnect["reason_code"], 142);
    assert_eq!(disconnect["reason"], "Session taken over");
    let closed = &events(&lines, "closed")[0];
    assert_eq!(
        (closed["by"].as_str(), closed["reason"].as_str()),
        (Some("broker"), Some("DISCONNECT received"))
    );
}
