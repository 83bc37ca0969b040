//! Integration tests of our tools against a real broker (not differential: mosquitto_pub 2.0.11 itself fails
//! some of these, e.g. it loses most `-l` messages past packet id 65535).
//!
//! Peers are mosquitto's clients. With `RPUBSUB_ORACLE_SELFTEST=1` the tools under test are mosquitto's too
//! (useful to check the tests themselves; the 70,000-line test is then expected to fail).

mod common;

use std::time::Duration;

use common::{
    Broker, BrokerBuilder, ClientRun, LOG_TIMEOUT, Output, Tool, mosquitto_pub, mosquitto_sub,
};

/// Long enough for big transfers on a slow, busy machine; only there to turn a hang into a failure.
const BIG_TIMEOUT: Duration = Duration::from_secs(300);

/// Once the publisher under test is done, how long the peer may still take to print what it received.
const GRACE: Duration = Duration::from_secs(30);

/// A broker that never drops queued QoS 1/2 messages for a slow subscriber.
fn roomy_broker() -> BrokerBuilder {
    Broker::builder().config_line("max_queued_messages 0")
}

fn conn(broker: &Broker) -> Vec<String> {
    vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        broker.port().to_string(),
    ]
}

fn rpub(broker: &Broker) -> ClientRun {
    ClientRun::new(Tool::Ours.pub_program()).args(conn(broker))
}

fn rsub(broker: &Broker) -> ClientRun {
    ClientRun::new(Tool::Ours.sub_program()).args(conn(broker))
}

fn peer_sub(broker: &Broker) -> ClientRun {
    ClientRun::new(mosquitto_sub()).args(conn(broker))
}

fn peer_pub(broker: &Broker) -> ClientRun {
    ClientRun::new(mosquitto_pub()).args(conn(broker))
}

/// Starts a subscriber (`run`: ours or mosquitto's) with id `id` and waits until the broker saw its
/// SUBSCRIBE.
fn start_subscriber(broker: &Broker, run: ClientRun, id: &str, args: &[&str]) -> common::Running {
    let mut sub = run.args(["-i", id]).args(args).timeout(BIG_TIMEOUT).spawn();
    let seen = broker.poll_log(
        0,
        &format!("Received SUBSCRIBE from {id}\n"),
        LOG_TIMEOUT,
        || !sub.has_exited(),
    );
    assert!(
        seen,
        "subscriber {id} did not subscribe:\n{}\nbroker log:\n{}",
        sub.wait().dump(),
        broker.log()
    );
    sub
}

/// Starts a peer subscriber (mosquitto_sub) with id `id` and waits for its SUBSCRIBE.
fn start_peer(broker: &Broker, id: &str, args: &[&str]) -> common::Running {
    start_subscriber(broker, peer_sub(broker), id, args)
}

/// Starts rsub (ours) with id `id` and waits for its SUBSCRIBE.
fn start_rsub(broker: &Broker, id: &str, args: &[&str]) -> common::Running {
    start_subscriber(broker, rsub(broker), id, args)
}

/// Collects a peer after the publisher under test finished: it gets [`GRACE`] more, not the full timeout.
fn finish(mut peer: common::Running) -> Output {
    peer.deadline_in(GRACE);
    peer.wait()
}

/// "0\n1\n...\n(n-1)\n"
fn numbered_lines(n: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&i.to_string());
        s.push('\n');
    }
    s.into_bytes()
}

/// Checks that `stdout` is exactly the lines `0..n` in order; describes the first problem otherwise.
fn check_sequence(stdout: &[u8], n: usize) -> Result<(), String> {
    let text = String::from_utf8_lossy(stdout);
    let got: Vec<&str> = text.lines().collect();
    let mut seen = vec![false; n];
    let mut problems = Vec::new();
    let mut last: Option<usize> = None;
    for (pos, line) in got.iter().enumerate() {
        match line.parse::<usize>() {
            Ok(v) if v < n => {
                if seen[v] && problems.len() < 5 {
                    problems.push(format!("duplicate {v} at output line {}", pos + 1));
                }
                seen[v] = true;
                if let Some(prev) = last
                    && v <= prev
                    && problems.len() < 5
                {
                    problems.push(format!(
                        "{v} after {prev} at output line {} (out of order)",
                        pos + 1
                    ));
                }
                last = Some(v);
            }
            _ => {
                if problems.len() < 5 {
                    problems.push(format!("unexpected output line {}: {line:?}", pos + 1));
                }
            }
        }
    }
    let missing: Vec<usize> = (0..n).filter(|&i| !seen[i]).collect();
    if missing.is_empty() && problems.is_empty() && got.len() == n {
        return Ok(());
    }
    Err(format!(
        "received {} lines for {n} messages; {} missing (first: {:?}); problems: {problems:?}",
        got.len(),
        missing.len(),
        &missing[..missing.len().min(10)]
    ))
}

fn assert_sequence(what: &str, peer: &Output, n: usize, publisher: Option<&Output>) {
    if let Err(e) = check_sequence(&peer.stdout, n) {
        let head = String::from_utf8_lossy(&peer.stdout[..peer.stdout.len().min(300)]).into_owned();
        panic!(
            "{what}: {e}\npeer: {} (stderr {:?}); first output bytes: {head:?}\npublisher: {}",
            peer.exit,
            peer.stderr_text(),
            publisher
                .map(|p| format!(
                    "{}, stdout {:?}, stderr {:?}",
                    p.exit,
                    p.stdout_text(),
                    p.stderr_text()
                ))
                .unwrap_or_default()
        );
    }
}

/// 70,000 lines at QoS 1 with the default `-M 20`: packet ids wrap past 65535; every line must arrive in order.
#[test]
fn line_mode_70000_lines_qos1_all_arrive_in_order() {
    const N: usize = 70_000;
    let broker = roomy_broker().start();
    let peer = start_peer(
        &broker,
        "peer70k",
        &["-t", "big/lines", "-q", "1", "-C", &N.to_string()],
    );
    let publ = rpub(&broker)
        .args(["-i", "pub70k", "-t", "big/lines", "-q", "1", "-l"])
        .stdin(numbered_lines(N))
        .timeout(BIG_TIMEOUT)
        .run();
    let peer = finish(peer);
    assert_eq!(publ.code(), Some(0), "publisher failed:\n{}", publ.dump());
    assert_sequence("70,000 QoS 1 lines", &peer, N, Some(&publ));
}

/// A single line in `-l` mode: the publisher finishes by itself (no timing asserted) and the line arrives.
#[test]
fn line_mode_single_line_finishes() {
    let broker = Broker::start();
    let peer = start_peer(
        &broker,
        "peer1",
        &["-t", "one/line", "-q", "1", "-C", "1", "-v"],
    );
    let publ = rpub(&broker)
        .args(["-i", "pub1", "-t", "one/line", "-q", "1", "-l"])
        .stdin("only line\n")
        .run();
    let peer = finish(peer);
    publ.assert_success();
    assert_eq!(publ.stdout_text(), "", "{}", publ.dump());
    assert_eq!(publ.stderr_text(), "", "{}", publ.dump());
    assert_eq!(
        peer.stdout_text(),
        "one/line only line\n",
        "peer:\n{}",
        peer.dump()
    );
}

/// Deterministic pseudo-random bytes covering every byte value.
fn pseudo_random(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A 1 MiB binary payload via `-f` at QoS 1 arrives byte for byte.
#[test]
fn file_1mb_qos1_arrives_intact() {
    let broker = Broker::start();
    let payload = pseudo_random(1 << 20);
    let file = broker.dir().write("payload.bin", &payload);
    let peer = start_peer(
        &broker,
        "peer1mb",
        &["-t", "big/file", "-q", "1", "-C", "1", "-N"],
    );
    let publ = rpub(&broker)
        .args(["-i", "pub1mb", "-t", "big/file", "-q", "1", "-f"])
        .arg(&file)
        .timeout(BIG_TIMEOUT)
        .run();
    let peer = finish(peer);
    publ.assert_success();
    assert_eq!(peer.exit.code, Some(0), "peer:\n{}", peer.dump());
    if peer.stdout != payload {
        let first_diff = peer.stdout.iter().zip(&payload).position(|(a, b)| a != b);
        panic!(
            "1 MiB payload differs: received {} bytes (expected {}), first differing offset {first_diff:?}",
            peer.stdout.len(),
            payload.len()
        );
    }
}

/// `-M 1` (one message in flight) still delivers 100 `-l` lines at QoS 2, in order.
#[test]
fn max_inflight_1_qos2_100_lines_in_order() {
    const N: usize = 100;
    let broker = Broker::start();
    let peer = start_peer(
        &broker,
        "peerM1",
        &["-t", "m1/lines", "-q", "2", "-C", &N.to_string()],
    );
    let publ = rpub(&broker)
        .args(["-i", "pubM1", "-t", "m1/lines", "-q", "2", "-M", "1", "-l"])
        .stdin(numbered_lines(N))
        .timeout(BIG_TIMEOUT)
        .run();
    let peer = finish(peer);
    assert_eq!(publ.code(), Some(0), "publisher failed:\n{}", publ.dump());
    assert_sequence("-M 1, 100 QoS 2 lines", &peer, N, Some(&publ));
}

/// rsub receives a burst of 1,000 QoS 1 messages in order and exits after `-C 1000`.
#[test]
fn rsub_receives_1000_qos1_messages_in_order() {
    const N: usize = 1000;
    let broker = roomy_broker().start();
    let sub = start_rsub(
        &broker,
        "sub1k",
        &["-t", "burst/t", "-q", "1", "-C", &N.to_string()],
    );
    let publ = peer_pub(&broker)
        .args(["-i", "pub1k", "-t", "burst/t", "-q", "1", "-l"])
        .stdin(numbered_lines(N))
        .timeout(BIG_TIMEOUT)
        .run();
    let out = finish(sub);
    publ.assert_success();
    assert_eq!(out.code(), Some(0), "rsub:\n{}", out.dump());
    assert_sequence("rsub, 1,000 QoS 1 messages", &out, N, None);
}

/// The harness itself: `Broker::restart` keeps the port and (with persistence) the retained messages.
#[test]
fn harness_broker_restart_keeps_port_and_persisted_state() {
    let mut broker = Broker::builder().persistence().start();
    let port = broker.port();
    peer_pub(&broker)
        .args([
            "-i", "keep", "-t", "kept/t", "-r", "-q", "1", "-m", "survives",
        ])
        .run()
        .assert_success();
    broker.restart();
    assert_eq!(broker.port(), port);
    assert!(broker.is_running());
    broker.wait_for_log("mosquitto version", LOG_TIMEOUT);
    let sub = peer_sub(&broker)
        .args(["-i", "after", "-t", "kept/t", "-C", "1", "-v", "-W", "10"])
        .run();
    sub.assert_success();
    assert_eq!(sub.stdout_text(), "kept/t survives\n");
    // a client killed by the harness timeout is reported as such
    let hung = peer_sub(&broker)
        .args(["-i", "hang", "-t", "x"])
        .timeout(Duration::from_millis(300))
        .run();
    assert!(hung.exit.timed_out.is_some(), "{}", hung.dump());
}

/// Read batching (src/net.rs `ReadBatching`): a burst smaller than the socket low-water mark rsub
/// raises once a stream flows, then one more message after the publisher has gone. Every message
/// must still be printed (a batched wait reads what is there when it times out); a regression would
/// show up as a hang (the test's timeout), not as a slow run. At QoS 0 the mark is the plain stream
/// one; at QoS 1 (acknowledged, so the broker's in-flight window paces it) it follows the passes.
/// `qos` is the subscription's; the publishers always use QoS 1, so each has finished only once the
/// broker has handled all it sent (a QoS 0 publisher may exit while the broker still reads its burst,
/// and the late message, on another connection, could then overtake it). The broker delivers at the
/// lower of the two QoS levels, so rsub still receives a QoS 0 stream with `qos` 0.
fn burst_then_late_message(qos: &str) {
    const BURST: usize = 300;
    let broker = roomy_broker().start();
    let id = format!("subtail{qos}");
    let topic = format!("tail/{qos}");
    let sub = start_rsub(
        &broker,
        &id,
        &["-t", &topic, "-q", qos, "-C", &(BURST + 1).to_string()],
    );
    rpub(&broker)
        .args(["-i", "pubburst", "-t", &topic, "-q", "1", "-l"])
        .stdin(numbered_lines(BURST))
        .run()
        .assert_success();
    rpub(&broker)
        .args([
            "-i",
            "publate",
            "-t",
            &topic,
            "-q",
            "1",
            "-m",
            &BURST.to_string(),
        ])
        .run()
        .assert_success();
    let out = finish(sub);
    assert_eq!(out.code(), Some(0), "rsub:\n{}", out.dump());
    assert_sequence(
        &format!("rsub -q {qos}, burst then a late message"),
        &out,
        BURST + 1,
        None,
    );
}

#[test]
fn rsub_prints_a_qos0_burst_below_the_batching_low_water_mark_and_a_late_message() {
    burst_then_late_message("0");
}

#[test]
fn rsub_prints_a_qos1_burst_below_the_batching_low_water_mark_and_a_late_message() {
    burst_then_late_message("1");
}

fn assert_same_bytes(what: &str, got: &Output, expected: &[u8]) {
    assert_eq!(got.code(), Some(0), "{what}:\n{}", got.dump());
    if got.stdout != expected {
        let first_diff = got.stdout.iter().zip(expected).position(|(a, b)| a != b);
        panic!(
            "{what}: received {} bytes (expected {}), first differing offset {first_diff:?}; stderr {:?}",
            got.stdout.len(),
            expected.len(),
            got.stderr_text()
        );
    }
}

/// A 10 MiB binary payload (every byte value, newlines and NULs included) published by rpub `-f` at
/// QoS 1 (its payload goes out without a copy) arrives byte for byte at rsub in plain, `-v` and `-N`
/// mode (payloads that large are written to stdout without a copy), live and as a retained message.
#[test]
fn file_10mb_qos1_rpub_to_rsub_plain_verbose_and_retained() {
    let broker = Broker::start();
    let payload = pseudo_random(10 << 20);
    let file = broker.dir().write("payload10m.bin", &payload);
    let topic = "big/10m";
    let plain = start_rsub(&broker, "sub10m", &["-t", topic, "-q", "1", "-C", "1"]);
    let verbose = start_rsub(
        &broker,
        "sub10mv",
        &["-t", topic, "-q", "1", "-C", "1", "-v"],
    );
    let no_eol = start_rsub(
        &broker,
        "sub10mN",
        &["-t", topic, "-q", "1", "-C", "1", "-N"],
    );
    let publ = rpub(&broker)
        .args(["-i", "pub10m", "-t", topic, "-q", "1", "-r", "-f"])
        .arg(&file)
        .timeout(BIG_TIMEOUT)
        .run();
    publ.assert_success();
    let mut line = payload.clone();
    line.push(b'\n');
    let mut verbose_line = format!("{topic} ").into_bytes();
    verbose_line.extend_from_slice(&line);
    assert_same_bytes("rsub", &finish(plain), &line);
    assert_same_bytes("rsub -v", &finish(verbose), &verbose_line);
    assert_same_bytes("rsub -N", &finish(no_eol), &payload);
    // The retained copy comes right after the SUBACK.
    let retained = rsub(&broker)
        .args(["-i", "sub10mr", "-t", topic, "-q", "1", "-C", "1", "-v"])
        .timeout(BIG_TIMEOUT)
        .run();
    assert_same_bytes("rsub -v, retained", &retained, &verbose_line);
}
