//! `--trace` with the flags for scripts and CI (issue 14), against real brokers and listeners: the
//! connection stages come from the time-limited connect path (`--connect-timeout`), an attempt
//! that runs out of time is a `connect_failed` line with the message the user gets, and the
//! retries of `--wait-for-broker` and `--reconnect N --reconnect-delay` are traced with their
//! delays. Every line validates against docs/trace.schema.json (`support/tracefile.rs`).

mod common;
#[path = "support/tracefile.rs"]
mod tracefile;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use common::{Broker, ClientRun, TempDir};
use tracefile::{events, names};

const RPUB: &str = env!("CARGO_BIN_EXE_rpub");
const RSUB: &str = env!("CARGO_BIN_EXE_rsub");
const LIMIT: Duration = Duration::from_secs(20);

fn conn(port: u16) -> Vec<String> {
    vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
    ]
}

fn trace_path(dir: &TempDir) -> PathBuf {
    dir.join("trace.jsonl")
}

fn trace_args(path: &std::path::Path) -> Vec<String> {
    vec!["--trace".into(), path.display().to_string()]
}

#[test]
fn a_connect_timeout_traces_the_stages_reached_and_the_stage_that_was_not() {
    // Accepts the TCP connection (the kernel does), never answers CONNECT.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args(conn(port))
        .args(["-t", "a", "-m", "x", "--connect-timeout", "300ms"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    assert_eq!(out.code(), Some(40), "{}", out.dump());
    let message = format!("Error: no CONNACK from 127.0.0.1:{port} within 300ms (TCP connected).");
    assert_eq!(out.stderr_text(), format!("{message}\n"));
    let lines = tracefile::read(&path);
    assert_eq!(
        names(&lines),
        [
            "start",
            "resolved",
            "tcp_connected",
            "send CONNECT",
            "connect_failed",
            "outcome"
        ]
    );
    assert_eq!(lines[0]["options"]["ci"]["connect_timeout"], 0.3);
    assert_eq!(
        events(&lines, "tcp_connected")[0]["remote"],
        format!("127.0.0.1:{port}")
    );
    assert_eq!(events(&lines, "connect_failed")[0]["message"], message);
    let outcome = &events(&lines, "outcome")[0];
    assert_eq!(outcome["exit_code"], 40);
    assert_eq!(outcome["message"], message);
}

#[test]
fn wait_for_broker_traces_each_refused_attempt_then_the_connection() {
    let mut broker = Broker::start();
    let port = broker.port();
    broker.stop();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let running = ClientRun::new(RPUB)
        .args(conn(port))
        .args(["-t", "w", "-m", "x", "-q", "1", "--wait-for-broker", "20s"])
        .args(trace_args(&path))
        .timeout(Duration::from_secs(30))
        .spawn();
    // The first refusal and a retry are in the trace (written at least every 100 ms).
    tracefile::wait_for(&path, LIMIT, |line| line["ev"] == "reconnect");
    broker.start_again();
    let out = running.wait();
    out.assert_success();
    let lines = tracefile::read(&path);
    let shown = names(&lines);
    assert_eq!(
        shown[..4],
        ["start", "resolved", "connect_failed", "reconnect_scheduled"]
    );
    let failed = events(&lines, "connect_failed");
    assert_eq!(failed[0]["message"], "Error: Connection refused");
    let delay = events(&lines, "reconnect_scheduled")[0]["delay"]
        .as_f64()
        .expect("delay");
    assert!(delay > 0.0 && delay <= 20.0, "{delay}");
    let attempts = events(&lines, "reconnect");
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(
        attempts.len(),
        failed.len(),
        "one attempt after each refusal: {shown:?}"
    );
    assert_eq!(events(&lines, "tcp_connected").len(), 1);
    assert_eq!(events(&lines, "connected").len(), 1);
    assert_eq!(events(&lines, "published").len(), 1);
    assert_eq!(events(&lines, "outcome")[0]["exit_code"], 0);
}

#[test]
fn reconnect_n_traces_the_chosen_delay_each_attempt_and_the_end() {
    let mut broker = Broker::start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let running = ClientRun::new(RSUB)
        .args(conn(broker.port()))
        .args(["-t", "a", "--reconnect", "2", "--reconnect-delay", "100ms"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .spawn();
    tracefile::wait_for(&path, LIMIT, |line| line["type"] == "SUBACK");
    broker.kill();
    let out = running.wait();
    let message = "Error: The connection was lost; 2 reconnect attempts failed.";
    assert_eq!(out.code(), Some(7), "{}", out.dump());
    assert_eq!(out.stderr_text(), format!("{message}\n"));
    let lines = tracefile::read(&path);
    assert_eq!(events(&lines, "closed")[0]["by"], "peer");
    let scheduled = events(&lines, "reconnect_scheduled");
    assert_eq!(scheduled.len(), 2, "after the loss and after attempt 1");
    assert!(
        scheduled.iter().all(|line| line["delay"] == 0.1),
        "{scheduled:?}"
    );
    let attempts: Vec<_> = events(&lines, "reconnect")
        .iter()
        .map(|line| line["attempt"].as_u64())
        .collect();
    assert_eq!(attempts, [Some(1), Some(2)]);
    let failed = events(&lines, "connect_failed");
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["message"], "Error: Connection refused");
    let outcome = &events(&lines, "outcome")[0];
    assert_eq!(outcome["exit_code"], 7);
    assert_eq!(outcome["message"], message);
}

#[test]
fn rpub_check_is_traced_with_its_options_probes_and_outcome() {
    let broker = Broker::start();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args(conn(broker.port()))
        .args(["--check", "--repeat", "2", "--check-format", "json"])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    out.assert_success();
    let lines = tracefile::read(&path);
    let options = &lines[0]["options"];
    assert_eq!(options["check"], true);
    assert_eq!(options["check_format"], "json");
    assert_eq!(
        options["ci"]["connect_timeout"], 5.0,
        "--check's default limit"
    );
    let sent = tracefile::packets(&lines, "send", "PUBLISH");
    let received = tracefile::packets(&lines, "recv", "PUBLISH");
    assert_eq!((sent.len(), received.len()), (2, 2));
    assert_eq!(sent[0]["topic"], received[0]["topic"]);
    let outcome = &events(&lines, "outcome")[0];
    assert_eq!(outcome["exit_code"], 0);
    assert_eq!(
        lines.last().map(|line| &line["ev"]),
        Some(&"outcome".into())
    );
}
