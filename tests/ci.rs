//! The flags for scripts and CI (issue 14) against real brokers and fake servers: time limits,
//! waiting for the broker, the reconnect policy, assertions, `--strict` with an ACL file, `rpub
//! --check` in every format, passwords kept off the command line. Ours only: mosquitto has none of
//! these flags (without them, every differential scenario still runs unchanged).

mod common;

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::{Broker, ClientRun, LOG_TIMEOUT, Output, Running, mosquitto_pub};

fn rpub() -> ClientRun {
    ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
}

fn rsub() -> ClientRun {
    ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
}

fn conn(port: u16) -> Vec<String> {
    vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
    ]
}

/// A port where the kernel completes TCP connections (the listen backlog) and nobody ever reads or
/// answers: a broker that hangs.
fn silent_listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, port)
}

/// mosquitto_pub publishing `payload` to `topic` (QoS 1, so it is delivered before it exits).
fn publish(port: u16, topic: &str, payload: &str, extra: &[&str]) {
    ClientRun::new(mosquitto_pub())
        .args(conn(port))
        .args(["-q", "1", "-t", topic, "-m", payload])
        .args(extra)
        .run()
        .assert_success();
}

/// Waits until the broker saw the SUBSCRIBE of client `id` (panics with the log otherwise).
fn wait_subscribed(broker: &Broker, client: &mut Running, id: &str) {
    let needle = format!("Received SUBSCRIBE from {id}\n");
    assert!(
        broker.poll_log(0, &needle, LOG_TIMEOUT, || !client.has_exited()),
        "no SUBSCRIBE from {id}; log:\n{}",
        broker.log()
    );
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.code(), Some(code), "{}", out.dump());
}

// -------------------------------------------------------------------------------------------------
// --connect-timeout, --timeout, --wait-for-broker, --reconnect
// -------------------------------------------------------------------------------------------------

#[test]
fn connect_timeout_names_the_stage_a_silent_broker_never_finished() {
    let (_listener, port) = silent_listener();
    for client in [
        rsub().args(["-t", "a"]),
        rpub().args(["-t", "a", "-m", "x"]),
    ] {
        let out = client
            .args(conn(port))
            .args(["--connect-timeout", "300ms"])
            .run();
        assert_exit(&out, 40);
        assert_eq!(
            out.stderr_text(),
            format!("Error: no CONNACK from 127.0.0.1:{port} within 300ms (TCP connected).\n")
        );
    }
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so a TCP connection to it
/// never completes (as with a host that drops packets). The filling connections are returned so
/// they stay open.
fn full_listen_queue() -> (socket2::Socket, Vec<socket2::Socket>, u16) {
    use socket2::{Domain, SockAddr, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    listener.bind(&SockAddr::from(any)).expect("bind");
    listener.listen(0).expect("listen");
    let address = listener.local_addr().expect("addr");
    let port = address.as_socket().expect("inet").port();
    let fillers = (0..3)
        .map(|_| {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
            socket.set_nonblocking(true).expect("nonblocking");
            let _ = socket.connect(&address);
            socket
        })
        .collect();
    // Let the kernel finish the handshakes it will finish.
    std::thread::sleep(Duration::from_millis(100));
    (listener, fillers, port)
}

#[test]
fn connect_timeout_also_bounds_a_tcp_connection_that_never_completes() {
    let (_listener, _fillers, port) = full_listen_queue();
    let out = rpub()
        .args(conn(port))
        .args(["-t", "a", "-m", "x", "--connect-timeout", "500ms"])
        .run();
    assert_exit(&out, 40);
    assert_eq!(
        out.stderr_text(),
        format!("Error: no TCP connection to 127.0.0.1:{port} within 500ms (name resolved).\n")
    );
}

#[test]
fn timeout_ends_rsub_with_timed_out_also_before_connack_and_rpub_likewise() {
    let broker = Broker::start();
    let out = rsub()
        .args(conn(broker.port()))
        .args(["-t", "a", "--timeout", "400ms"])
        .run();
    assert_exit(&out, 27);
    assert_eq!(out.stderr_text(), "Timed out\n");
    let (_listener, port) = silent_listener();
    let out = rsub()
        .args(conn(port))
        .args(["-t", "a", "--timeout", "0.3"])
        .run();
    assert_exit(&out, 27);
    assert_eq!(out.stderr_text(), "Timed out\n");
    let out = rpub()
        .args(conn(port))
        .args(["-t", "a", "-m", "x", "--timeout", "300ms"])
        .run();
    assert_exit(&out, 27);
    assert_eq!(
        out.stderr_text(),
        "Timed out after 300ms waiting for CONNACK.\n"
    );
}

#[test]
fn rpub_timeout_lets_a_quick_publish_through() {
    let broker = Broker::start();
    let out = rpub()
        .args(conn(broker.port()))
        .args(["-t", "a", "-q", "2", "-m", "x", "--timeout", "5s"])
        .run();
    out.assert_success();
}

#[test]
fn wait_for_broker_connects_once_the_broker_has_started() {
    let mut broker = Broker::start();
    let port = broker.port();
    broker.stop();
    let mut client = rsub()
        .args(conn(port))
        .args([
            "-i",
            "waiter",
            "-t",
            "w",
            "-C",
            "1",
            "--wait-for-broker",
            "20s",
        ])
        .timeout(Duration::from_secs(30))
        .spawn();
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        !client.has_exited(),
        "rsub gave up while the broker was down"
    );
    broker.start_again();
    wait_subscribed(&broker, &mut client, "waiter");
    publish(port, "w", "up", &[]);
    let out = client.wait();
    out.assert_success();
    assert_eq!(out.stdout_text(), "up\n");
}

#[test]
fn wait_for_broker_gives_up_with_the_usual_error() {
    let port = common::free_port();
    let out = rpub()
        .args(conn(port))
        .args(["-t", "a", "-m", "x", "--wait-for-broker", "300ms"])
        .run();
    assert_exit(&out, 1);
    assert_eq!(out.stderr_text(), "Error: Connection refused\n");
    // Without the flag, at once and the same.
    let out = rpub().args(conn(port)).args(["-t", "a", "-m", "x"]).run();
    assert_exit(&out, 1);
    assert_eq!(out.stderr_text(), "Error: Connection refused\n");
}

#[test]
fn reconnect_never_and_n_end_rsub_when_the_broker_goes_away() {
    for (policy, text) in [
        (
            &["--reconnect", "never"][..],
            "Error: The connection was lost.\n",
        ),
        (
            &["--reconnect", "2", "--reconnect-delay", "100ms"][..],
            "Error: The connection was lost; 2 reconnect attempts failed.\n",
        ),
    ] {
        let mut broker = Broker::start();
        let mut client = rsub()
            .args(conn(broker.port()))
            .args(["-i", "lost", "-t", "a"])
            .args(policy)
            .spawn();
        wait_subscribed(&broker, &mut client, "lost");
        broker.kill();
        let out = client.wait();
        assert_exit(&out, 7);
        assert_eq!(out.stderr_text(), text);
    }
}

// -------------------------------------------------------------------------------------------------
// --idle-timeout and the --expect-* assertions
// -------------------------------------------------------------------------------------------------

#[test]
fn idle_timeout_drains_the_retained_messages_of_a_tree_and_ends_normally() {
    let broker = Broker::start();
    for (topic, payload) in [("tree/a", "1"), ("tree/b", "2"), ("tree/c/d", "3")] {
        publish(broker.port(), topic, payload, &["-r"]);
    }
    let out = rsub()
        .args(conn(broker.port()))
        .args(["-t", "tree/#", "-v", "--idle-timeout", "500ms"])
        .run();
    out.assert_success();
    let mut lines: Vec<&str> = out.stdout_text().leak().lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["tree/a 1", "tree/b 2", "tree/c/d 3"]);
}

#[test]
fn an_expectation_met_ends_rsub_at_once_with_exit_0() {
    let broker = Broker::start();
    let mut client = rsub()
        .args(conn(broker.port()))
        .args(["-i", "expect", "-t", "sensors/#", "--expect-payload", "ok"])
        .args(["--timeout", "20s"])
        .spawn();
    wait_subscribed(&broker, &mut client, "expect");
    publish(broker.port(), "sensors/a", "no", &[]);
    publish(broker.port(), "sensors/b", "ok", &[]);
    let out = client.wait();
    out.assert_success();
    assert_eq!(out.stdout_text(), "no\nok\n");
    assert!(out.exit.timed_out.is_none());
}

#[test]
fn an_expectation_met_late_still_counts() {
    let broker = Broker::start();
    let mut client = rsub()
        .args(conn(broker.port()))
        .args(["-i", "late", "-t", "t", "--expect-regex", "^n=[0-9]+$"])
        .args(["--expect-count", "2", "--timeout", "20s"])
        .spawn();
    wait_subscribed(&broker, &mut client, "late");
    publish(broker.port(), "t", "n=1", &[]);
    std::thread::sleep(Duration::from_millis(700));
    assert!(!client.has_exited(), "ended before the second message");
    publish(broker.port(), "t", "n=2", &[]);
    let out = client.wait();
    out.assert_success();
    assert_eq!(out.stdout_text(), "n=1\nn=2\n");
}

#[test]
fn an_expectation_unmet_says_what_it_saw() {
    let broker = Broker::start();
    let mut client = rsub()
        .args(conn(broker.port()))
        .args(["-i", "unmet", "-t", "sensors/#", "--expect-payload", "ok"])
        .args(["--timeout", "1s"])
        .spawn();
    wait_subscribed(&broker, &mut client, "unmet");
    for payload in ["1", "2", "3"] {
        publish(broker.port(), "sensors/x", payload, &[]);
    }
    let out = client.wait();
    assert_exit(&out, 41);
    assert_eq!(out.stdout_text(), "1\n2\n3\n");
    assert_eq!(
        out.stderr_text(),
        "Error: expected 1 message with payload \"ok\" on sensors/#, got 0 in 1s (3 other messages).\n"
    );
}

#[test]
fn a_bad_expect_regex_is_an_argument_error_before_connecting() {
    let port = common::free_port();
    let out = rsub()
        .args(conn(port))
        .args(["-t", "a", "--expect-regex", "t=("])
        .run();
    assert_exit(&out, 1);
    let text = out.stderr_text();
    assert!(
        text.starts_with("Error: Invalid --expect-regex \"t=(\": regex parse error")
            && text.ends_with("\n\nUse 'rsub --help' to see usage.\n"),
        "{}",
        out.dump()
    );
}

#[test]
fn expect_none_holds_without_a_message_and_fails_with_one() {
    let broker = Broker::start();
    let out = rsub()
        .args(conn(broker.port()))
        .args(["-t", "quiet/#", "--expect-none", "--timeout", "300ms"])
        .run();
    out.assert_success();
    assert_eq!(out.stderr_text(), "");
    let mut client = rsub()
        .args(conn(broker.port()))
        .args([
            "-i",
            "none",
            "-t",
            "quiet/#",
            "--expect-none",
            "--idle-timeout",
            "20s",
        ])
        .spawn();
    wait_subscribed(&broker, &mut client, "none");
    publish(broker.port(), "quiet/x", "boo", &[]);
    let out = client.wait();
    assert_exit(&out, 42);
    assert_eq!(out.stdout_text(), "boo\n");
    assert!(
        out.stderr_text()
            .starts_with("Error: expected no message on quiet/#, got one on quiet/x after "),
        "{}",
        out.dump()
    );
}

// -------------------------------------------------------------------------------------------------
// --strict with an ACL file
// -------------------------------------------------------------------------------------------------

fn acl_broker() -> Broker {
    Broker::builder()
        .acl("topic readwrite open/#\n")
        .config_line("max_qos 1")
        .start()
}

/// mosquitto 2.0.11's `acl_file` never refuses a SUBSCRIBE (it grants it and then delivers
/// nothing), so subscriptions and unsubscribes are denied with the dynamic security plugin that
/// comes with the broker: anonymous clients may not subscribe to, unsubscribe from or publish to
/// `closed/#`.
fn denying_broker(dir: &common::TempDir) -> Broker {
    let config = dir.write(
        "dynsec.json",
        r#"{
  "defaultACLAccess": {"publishClientSend": true, "publishClientReceive": true,
                       "subscribe": true, "unsubscribe": true},
  "clients": [],
  "groups": [{"groupname": "anon", "roles": [{"rolename": "limits"}], "clients": []}],
  "roles": [{"rolename": "limits", "acls": [
    {"acltype": "subscribePattern", "topic": "closed/#", "priority": 0, "allow": false},
    {"acltype": "unsubscribePattern", "topic": "closed/#", "priority": 0, "allow": false},
    {"acltype": "publishClientSend", "topic": "closed/#", "priority": 0, "allow": false}
  ]}],
  "anonymousGroup": "anon"
}
"#,
    );
    let plugin = [
        "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
        "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
        "/usr/lib/mosquitto_dynamic_security.so",
    ]
    .into_iter()
    .find(|path| std::path::Path::new(path).exists())
    .expect("mosquitto_dynamic_security.so (package mosquitto) not found");
    Broker::builder()
        .config_line(&format!("plugin {plugin}"))
        .config_line(&format!("plugin_opt_config_file {}", config.display()))
        .start()
}

#[test]
fn strict_fails_a_publish_the_broker_refuses_mqtt5() {
    let broker = acl_broker();
    let args = ["-V", "5", "-q", "1", "-t", "closed/x", "-m", "m"];
    let out = rpub().args(conn(broker.port())).args(args).run();
    out.assert_success();
    assert_eq!(
        out.stderr_text(),
        "Warning: Publish 1 failed: Not authorized.\n"
    );
    let out = rpub()
        .args(conn(broker.port()))
        .args(args)
        .arg("--strict")
        .run();
    assert_exit(&out, 43);
    assert_eq!(
        out.stderr_text(),
        "Warning: Publish 1 failed: Not authorized.\nError: 1 message was refused (--strict).\n"
    );
}

#[test]
fn strict_cannot_see_a_refused_publish_in_mqtt_311() {
    // An MQTT 3.1.1 broker acknowledges a publish it drops: there is nothing to fail on.
    let broker = acl_broker();
    let out = rpub()
        .args(conn(broker.port()))
        .args(["-q", "1", "-t", "closed/x", "-m", "m", "--strict"])
        .run();
    out.assert_success();
}

#[test]
fn strict_fails_a_denied_subscription_in_mqtt5_and_311() {
    let dir = common::TempDir::new("dynsec");
    let broker = denying_broker(&dir);
    for (version, text) in [
        (
            "5",
            "Error: subscription to \"closed/x\" was denied: Not authorized (--strict).\n",
        ),
        (
            "311",
            "Error: subscription to \"closed/x\" was denied (--strict).\n",
        ),
    ] {
        let args = ["-V", version, "-t", "open/x", "-t", "closed/x", "-W", "1"];
        let out = rsub().args(conn(broker.port())).args(args).run();
        assert_exit(&out, 27);
        let out = rsub()
            .args(conn(broker.port()))
            .args(args)
            .arg("--strict")
            .run();
        assert_exit(&out, 44);
        assert_eq!(out.stderr_text(), text);
    }
}

#[test]
fn strict_fails_a_refused_unsubscribe_mqtt5() {
    let dir = common::TempDir::new("dynsec");
    let broker = denying_broker(&dir);
    let args = ["-V", "5", "-t", "open/x", "-U", "closed/x", "-W", "1"];
    let out = rsub().args(conn(broker.port())).args(args).run();
    assert_exit(&out, 27);
    let out = rsub()
        .args(conn(broker.port()))
        .args(args)
        .arg("--strict")
        .run();
    assert_exit(&out, 44);
    assert_eq!(
        out.stderr_text(),
        "Error: unsubscribing from \"closed/x\" was refused: Not authorized (--strict).\n"
    );
}

#[test]
fn strict_fails_a_lower_qos_than_asked() {
    let broker = acl_broker();
    let out = rsub()
        .args(conn(broker.port()))
        .args(["-t", "open/x", "-q", "2", "--strict"])
        .run();
    assert_exit(&out, 44);
    assert_eq!(
        out.stderr_text(),
        "Error: subscription to \"open/x\" was granted QoS 1, not 2 (--strict).\n"
    );
}

// -------------------------------------------------------------------------------------------------
// rpub --check
// -------------------------------------------------------------------------------------------------

#[test]
fn check_reports_in_text_json_and_nagios_against_a_real_broker() {
    let broker = Broker::start();
    let out = rpub().args(conn(broker.port())).arg("--check").run();
    out.assert_success();
    let text = out.stdout_text();
    assert!(text.starts_with(&format!("rpub --check 127.0.0.1:{}: OK\n", broker.port())));
    assert!(text.contains(
        "  probes      5 sent, 5 received, 0 lost (QoS 0, topic rpubsub/check/rpub-check-"
    ));
    assert!(text.contains("  latency     min "));

    let out = rpub()
        .args(conn(broker.port()))
        .args([
            "--check",
            "--check-format",
            "json",
            "-q",
            "1",
            "--repeat",
            "3",
        ])
        .run();
    out.assert_success();
    let json = out.stdout_text();
    assert!(json.starts_with("{\"status\":\"ok\","), "{json}");
    assert!(json.contains("\"probes\":{\"sent\":3,\"received\":3,\"lost\":0}"));
    assert!(json.ends_with("\"error\":null}\n"));

    let out = rpub()
        .args(conn(broker.port()))
        .args(["--check", "--check-format", "nagios", "-t", "my/probe"])
        .run();
    out.assert_success();
    let line = out.stdout_text();
    assert!(line.starts_with("MQTT OK - 127.0.0.1:"), "{line}");
    assert!(line.contains(" | ") && line.contains("lost=0;;;0;5"));

    // A threshold no network meets: WARNING (nagios 1, otherwise 45) and CRITICAL (2, 46).
    for (threshold, nagios, own) in [("--check-warn", 1, 45), ("--check-crit", 2, 46)] {
        let out = rpub()
            .args(conn(broker.port()))
            .args(["--check", "--check-format", "nagios", threshold, "1ns"])
            .run();
        assert_exit(&out, nagios);
        let out = rpub()
            .args(conn(broker.port()))
            .args(["--check", threshold, "1ns"])
            .run();
        assert_exit(&out, own);
    }
}

#[test]
fn check_against_a_silent_broker_is_critical_in_every_format() {
    let (_listener, port) = silent_listener();
    let error = format!("Error: no CONNACK from 127.0.0.1:{port} within 300ms (TCP connected).");
    let base = ["--check", "--connect-timeout", "300ms"];
    let out = rpub().args(conn(port)).args(base).run();
    assert_exit(&out, 40);
    assert!(
        out.stdout_text()
            .starts_with(&format!("rpub --check 127.0.0.1:{port}: CRITICAL\n"))
    );
    assert_eq!(out.stderr_text(), format!("{error}\n"));
    let out = rpub()
        .args(conn(port))
        .args(base)
        .args(["--check-format", "json"])
        .run();
    assert_exit(&out, 40);
    assert!(out.stdout_text().starts_with("{\"status\":\"critical\","));
    assert!(
        out.stdout_text()
            .contains("\"error\":\"Error: no CONNACK from 127.0.0.1:")
    );
    let out = rpub()
        .args(conn(port))
        .args(base)
        .args(["--check-format", "nagios"])
        .run();
    assert_exit(&out, 2);
    assert!(
        out.stdout_text()
            .starts_with(&format!("MQTT CRITICAL - {error} | "))
    );
}

// -------------------------------------------------------------------------------------------------
// Passwords off the command line
// -------------------------------------------------------------------------------------------------

fn password_broker() -> Broker {
    Broker::builder()
        .allow_anonymous(false)
        .user("alice", "s3cret-pw")
        .start()
}

/// `/proc/<pid>/cmdline` of a running client, its arguments joined with spaces.
fn cmdline(client: &Running) -> String {
    let raw = fs::read(format!("/proc/{}/cmdline", client.pid())).expect("read /proc cmdline");
    String::from_utf8_lossy(&raw).replace('\0', " ")
}

#[test]
fn a_password_on_the_command_line_is_masked_in_proc_cmdline() {
    let broker = password_broker();
    let port = broker.port().to_string();
    let cases: [(&str, Vec<String>, &str); 2] = [
        (
            "p",
            [
                "-u",
                "alice",
                "-P",
                "s3cret-pw",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
            ]
            .map(String::from)
            .to_vec(),
            "-P *********",
        ),
        (
            "url",
            vec![
                "-L".to_string(),
                format!("mqtt://alice:s3cret-pw@127.0.0.1:{port}/t"),
            ],
            "mqtt://alice:*********@127.0.0.1:",
        ),
    ];
    for (id, args, masked) in cases {
        let mut client = rsub().args(args).args(["-i", id, "-t", "t"]).spawn();
        wait_subscribed(&broker, &mut client, id);
        let shown = cmdline(&client);
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains(masked), "{shown}");
    }
}

#[test]
fn pw_file_must_be_private_or_a_pipe() {
    let broker = password_broker();
    let dir = common::TempDir::new("pwfile");
    let file = dir.write("pw", "s3cret-pw\nsecond line ignored\n");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).expect("chmod");
    let base = ["-u", "alice", "-t", "t", "-m", "x", "-q", "1"];
    let out = rpub()
        .args(conn(broker.port()))
        .args(base)
        .arg("--pw-file")
        .arg(&file)
        .run();
    out.assert_success();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = rpub()
        .args(conn(broker.port()))
        .args(base)
        .arg("--pw-file")
        .arg(&file)
        .run();
    assert_exit(&out, 1);
    assert_eq!(
        out.stderr_text(),
        format!(
            "Error: Password file \"{}\" can be read by other users (mode 0644); make it private (chmod 600) or pass the password through a pipe.\n",
            file.display()
        )
    );
    // A pipe is fine whatever its mode.
    let out = rpub()
        .args(conn(broker.port()))
        .args(base)
        .args(["--pw-file", "/dev/stdin"])
        .stdin("s3cret-pw\n")
        .run();
    out.assert_success();
}

#[test]
fn mqtt_password_is_used_when_u_comes_without_a_password() {
    let broker = password_broker();
    let base = ["-u", "alice", "-t", "t", "-m", "x", "-q", "1"];
    let out = rpub()
        .args(conn(broker.port()))
        .args(base)
        .env("MQTT_PASSWORD", "s3cret-pw")
        .run();
    out.assert_success();
    let out = rpub()
        .args(conn(broker.port()))
        .args(base)
        .env("MQTT_PASSWORD", "wrong")
        .run();
    assert_exit(&out, 5);
}
