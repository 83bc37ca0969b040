//! `--trace` over the non-blocking opening and the final write of issue 13: a proxy that refuses
//! after the TCP connection fails the attempt inside the session loop (not when it starts), and the
//! trace has the stages the opening reached, `connect_failed` and the outcome; a broker that stops
//! reading leaves an `unsent` line. Every line validates against docs/trace.schema.json
//! (`support/tracefile.rs`).

mod common;
#[path = "support/fake_broker.rs"]
mod fake_broker;
#[path = "support/tracefile.rs"]
mod tracefile;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use common::{ClientRun, TempDir};
use fake_broker::{CONNACK, FakeBroker, Step};
use tracefile::{events, names};

const RPUB: &str = env!("CARGO_BIN_EXE_rpub");
const LIMIT: Duration = Duration::from_secs(20);

fn trace_path(dir: &TempDir) -> PathBuf {
    dir.join("trace.jsonl")
}

fn trace_args(path: &std::path::Path) -> Vec<String> {
    vec!["--trace".into(), path.display().to_string()]
}

/// A SOCKS5 proxy that accepts one TCP connection, reads the greeting and accepts none of the
/// authentication methods offered.
fn refusing_proxy() -> (u16, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = thread::spawn(move || {
        if let Ok((mut client, _)) = listener.accept() {
            let mut greeting = [0u8; 2];
            if client.read_exact(&mut greeting).is_ok() {
                let mut methods = vec![0u8; usize::from(greeting[1])];
                let _ = client.read_exact(&mut methods);
                let _ = client.write_all(&[5, 0xff]);
                // Held open until the client gives up.
                let _ = client.read(&mut [0u8; 1]);
            }
        }
    });
    (port, handle)
}

#[test]
fn a_proxy_refusal_inside_the_loop_traces_the_stages_and_the_failure() {
    let (proxy, handle) = refusing_proxy();
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let out = ClientRun::new(RPUB)
        .args(["-h", "broker.invalid", "-p", "1883", "-t", "a", "-m", "x"])
        .args(["--proxy", &format!("socks5h://127.0.0.1:{proxy}")])
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    handle.join().expect("proxy");
    assert_eq!(out.code(), Some(1), "{}", out.dump());
    let message = out.stderr_text().trim_end().to_string();
    assert!(message.starts_with("Error: "), "{}", out.dump());
    let lines = tracefile::read(&path);
    assert_eq!(
        names(&lines),
        [
            "start",
            "resolved",
            "tcp_connected",
            "connect_failed",
            "outcome"
        ]
    );
    let resolved = &events(&lines, "resolved")[0];
    assert_eq!(
        resolved["host"], "127.0.0.1",
        "the proxy's name is resolved"
    );
    assert_eq!(resolved["port"], proxy);
    let tcp = &events(&lines, "tcp_connected")[0];
    assert_eq!(tcp["remote"], format!("127.0.0.1:{proxy}"));
    assert!(
        tcp["local"]
            .as_str()
            .is_some_and(|local| local.starts_with("127.0.0.1:")),
        "{tcp}"
    );
    assert_eq!(events(&lines, "connect_failed")[0]["message"], message);
    let outcome = &events(&lines, "outcome")[0];
    assert_eq!(outcome["exit_code"], 1);
    assert_eq!(outcome["message"], message);
}

#[test]
fn a_connection_lost_during_the_final_write_leaves_an_unsent_line() {
    let dir = TempDir::new("trace");
    let path = trace_path(&dir);
    let payload = dir.join("payload.bin");
    std::fs::write(&payload, vec![b'x'; 12_000_000]).expect("payload");
    let broker = FakeBroker::start_with_buffer(
        vec![
            Step::Read,
            Step::Send(CONNACK.to_vec()),
            Step::ReadSlowly {
                bytes_per_second: 2_000_000,
                limit: Duration::from_millis(300),
            },
            Step::Close,
        ],
        Some(16 * 1024),
    );
    let out = ClientRun::new(RPUB)
        .args(broker.args())
        .args(["-t", "big", "-f"])
        .arg(&payload)
        .args(trace_args(&path))
        .timeout(LIMIT)
        .run();
    assert_eq!(out.code(), Some(7), "{}", out.dump());
    assert_eq!(out.stderr_text(), "Error: The connection was lost.\n");
    let lines = tracefile::read(&path);
    let unsent = events(&lines, "unsent");
    assert_eq!(unsent.len(), 1, "{:?}", names(&lines));
    let bytes = unsent[0]["bytes"].as_u64().expect("bytes");
    assert!(bytes > 0 && bytes <= 12_000_100, "{bytes}");
    assert_eq!(unsent[0]["stalled_for"], serde_json::Value::Null);
    assert_eq!(events(&lines, "outcome")[0]["exit_code"], 7);
}

/// `rsub --trace - 2>&1 | reader`: stderr shares rsub's non-blocking stdout pipe, and the trace
/// waits for room there as error messages do, rather than stopping at the first full pipe. A
/// reader that stalls for a second still gets every message and the trace to its `outcome` line
/// (the stdlib writer failed with WouldBlock there and the trace stopped).
#[test]
fn a_trace_on_stderr_sharing_a_stalled_pipe_is_written_whole() {
    let mut script = fake_broker::subscribed();
    script.push(Step::Flood {
        bytes: fake_broker::publish("x", &[b'm'; 1000]),
        for_: Duration::from_secs(15),
    });
    let broker = FakeBroker::start(script);
    let rsub = env!("CARGO_BIN_EXE_rsub");
    let command = format!(
        "exec {rsub} {} -t x -C 2000 --trace - 2>&1",
        broker.args().join(" ")
    );
    let mut child = std::process::Command::new("sh")
        .args(["-c", &command])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn rsub");
    // Nobody reads for a second: the pipe fills, rsub waits.
    thread::sleep(Duration::from_secs(1));
    let mut output = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut output)
        .expect("read the pipe");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    // The two streams share the pipe, so a trace line may land inside a message line: look for
    // the trace's last event and count the messages' bytes rather than parse lines.
    assert!(
        output.contains(r#""ev":"outcome","exit_code":0"#),
        "no outcome line in {} bytes",
        output.len()
    );
    let start = output
        .find(r#""ev":"start""#)
        .expect("the trace's first line");
    assert!(start < output.find(r#""ev":"outcome""#).unwrap_or(0));
    assert!(output.matches('m').count() >= 2000 * 1000);
}
