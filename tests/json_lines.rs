//! `rsub --json-lines` and `rpub --json-lines` against a real broker: the capture → replay round
//! trip is lossless (every byte value, empty and 1 MiB payloads, UTF-8 topics, MQTT 5 properties
//! with user properties in order, QoS and retain), bad input lines get an error naming the line and
//! the problem (truncated JSON, wrong types, invalid base64, wildcard topics, a 10 MB line), and
//! the plain-shell forms (`-l --topic-separator`, `--template`, `--rate`) publish what they say.

mod common;
#[path = "support/tracefile.rs"]
mod tracefile;

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use common::{Broker, ClientRun, Running, TempDir};
use serde_json::Value;

const RPUB: &str = env!("CARGO_BIN_EXE_rpub");
const RSUB: &str = env!("CARGO_BIN_EXE_rsub");
const LIMIT: Duration = Duration::from_secs(30);

fn port_args(broker: &Broker) -> Vec<String> {
    vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        broker.port().to_string(),
    ]
}

/// rsub `--json-lines` on `filter` for `count` messages, running once its SUBACK is in (seen in
/// its own `--trace`).
fn subscriber(
    broker: &Broker,
    dir: &TempDir,
    name: &str,
    filter: &str,
    count: usize,
    extra: &[&str],
) -> Running {
    let trace = dir.join(&format!("{name}.trace"));
    let running = ClientRun::new(RSUB)
        .args(port_args(broker))
        .args(["-t", filter, "-C", &count.to_string(), "--json-lines"])
        .args(extra)
        .args(["--trace", &trace.display().to_string()])
        .timeout(LIMIT)
        .spawn();
    tracefile::wait_for(&trace, LIMIT, |line| line["type"] == "SUBACK");
    running
}

fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect()
}

/// What must survive the round trip: topic, payload bytes, QoS, retain, properties.
fn essence(line: &Value) -> (String, Vec<u8>, u64, bool, Value) {
    let payload = match (&line["payload"], &line["payload_base64"]) {
        (Value::String(text), Value::Null) => text.as_bytes().to_vec(),
        (Value::Null, Value::String(encoded)) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64"),
        other => panic!("a line has exactly one payload member: {other:?}"),
    };
    (
        line["topic"].as_str().expect("topic").to_string(),
        payload,
        line["qos"].as_u64().expect("qos"),
        line["retain"].as_bool().expect("retain"),
        line["properties"].clone(),
    )
}

fn by_topic(lines: &[Value]) -> BTreeMap<String, (String, Vec<u8>, u64, bool, Value)> {
    lines
        .iter()
        .map(|line| {
            let essence = essence(line);
            (essence.0.clone(), essence)
        })
        .collect()
}

fn publish(broker: &Broker, args: &[&str], stdin: Option<&[u8]>) {
    let mut run = ClientRun::new(RPUB)
        .args(port_args(broker))
        .args(args)
        .timeout(LIMIT);
    if let Some(bytes) = stdin {
        run = run.stdin(bytes.to_vec());
    }
    run.run().assert_success();
}

fn file_payload(dir: &TempDir, name: &str, bytes: &[u8]) -> String {
    dir.write(name, bytes).display().to_string()
}

#[test]
fn capture_and_replay_are_lossless() {
    let broker = Broker::start();
    let dir = TempDir::new("jsonl");
    let every_byte: Vec<u8> = (0..=255u8).collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let big: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    // Retained before the capture starts: delivered with the retain flag (and kept by
    // --retain-as-published when replayed live).
    publish(
        &broker,
        &[
            "-V",
            "5",
            "-t",
            "rt/retained",
            "-m",
            "kept",
            "-r",
            "-q",
            "1",
        ],
        None,
    );
    let v5 = ["-V", "5", "--retain-as-published", "-q", "2"];
    let capture = subscriber(&broker, &dir, "capture", "rt/#", 7, &v5);
    let all = file_payload(&dir, "all.bin", &every_byte);
    let large = file_payload(&dir, "big.bin", &big);
    publish(
        &broker,
        &["-V", "5", "-t", "rt/bytes", "-f", &all, "-q", "1"],
        None,
    );
    publish(
        &broker,
        &["-V", "5", "-t", "rt/empty", "-n", "-q", "2"],
        None,
    );
    publish(&broker, &["-V", "5", "-t", "rt/large", "-f", &large], None);
    publish(
        &broker,
        &["-V", "5", "-t", "rt/ünïcødé/😀", "-m", "tëxt ✓", "-q", "1"],
        None,
    );
    publish(
        &broker,
        &[
            "-V",
            "5",
            "-t",
            "rt/props",
            "-m",
            "p",
            "-q",
            "2",
            "-D",
            "publish",
            "user-property",
            "zeta",
            "1",
            "-D",
            "publish",
            "user-property",
            "alpha",
            "2",
            "-D",
            "publish",
            "user-property",
            "zeta",
            "3",
            "-D",
            "publish",
            "content-type",
            "application/x-test",
            "-D",
            "publish",
            "response-topic",
            "rt/reply",
            "-D",
            "publish",
            "correlation-data",
            "corr-1",
            "-D",
            "publish",
            "payload-format-indicator",
            "1",
        ],
        None,
    );
    publish(
        &broker,
        &[
            "-V",
            "5",
            "-t",
            "rt/nl",
            "-m",
            "line\nbreak\r\n\"q\"\\",
            "-q",
            "0",
        ],
        None,
    );
    let captured = capture.wait();
    captured.assert_success();
    let first = parse_lines(&captured.stdout_text());
    assert_eq!(first.len(), 7, "{}", captured.stdout_text());

    // The capture file replays into a second capture (the retained message cleared first, so
    // the second capture sees only the replay).
    publish(&broker, &["-t", "rt/retained", "-n", "-r"], None);
    let cap_file = dir.write("cap.jsonl", &captured.stdout);
    let replayed = subscriber(
        &broker,
        &dir,
        "replayed",
        "rt/#",
        7,
        &["-V", "5", "--retain-as-published", "-q", "2"],
    );
    let stdin = std::fs::read(&cap_file).expect("capture file");
    // Replayed at a hundred times the recorded pace (the spacing itself is checked under
    // simulated time in app/sim.rs).
    publish(
        &broker,
        &["-V", "5", "--json-lines", "--replay-speed", "100"],
        Some(&stdin),
    );
    let second_out = replayed.wait();
    second_out.assert_success();
    let second = parse_lines(&second_out.stdout_text());

    let before = by_topic(&first);
    let after = by_topic(&second);
    assert_eq!(before.len(), 7);
    assert_eq!(before, after);
    assert_eq!(before["rt/bytes"].1, every_byte);
    assert_eq!(before["rt/large"].1, big);
    assert_eq!(before["rt/empty"].1, b"");
    assert!(before["rt/retained"].3, "retained");
    assert_eq!(
        before["rt/props"].4["user-properties"],
        serde_json::json!([["zeta", "1"], ["alpha", "2"], ["zeta", "3"]])
    );
    assert_eq!(before["rt/props"].4["correlation-data"], "corr-1");
    assert!(
        first
            .iter()
            .all(|line| line["tst"].as_str().is_some_and(|t| t.ends_with('Z')))
    );
}

#[test]
fn rsub_json_lines_applies_the_filters_and_counts() {
    let broker = Broker::start();
    publish(&broker, &["-t", "f/retained", "-m", "r", "-r"], None);
    // -R skips the retained message, -T the filtered topic; -C counts what is printed.
    let dir = TempDir::new("jsonl");
    let sub = subscriber(&broker, &dir, "filters", "f/#", 2, &["-R", "-T", "f/skip"]);
    for (topic, payload) in [
        ("f/skip", "no"),
        ("f/a", "one"),
        ("f/b", "two"),
        ("f/c", "three"),
    ] {
        publish(&broker, &["-t", topic, "-m", payload], None);
    }
    let out = sub.wait();
    out.assert_success();
    let lines = parse_lines(&out.stdout_text());
    let payloads: Vec<_> = lines.iter().map(|line| line["payload"].clone()).collect();
    assert_eq!(payloads, ["one", "two"]);
    // --retained-only: the retained message, then the end.
    let out = ClientRun::new(RSUB)
        .args(port_args(&broker))
        .args(["-t", "f/#", "--retained-only", "--json-lines", "-W", "5"])
        .timeout(LIMIT)
        .run();
    let lines = parse_lines(&out.stdout_text());
    assert_eq!(lines.len(), 1, "{}", out.dump());
    assert_eq!(lines[0]["retain"], true);
    assert_eq!(lines[0]["topic"], "f/retained");
}

fn rpub_lines(broker: &Broker, args: &[&str], stdin: &[u8]) -> common::Output {
    ClientRun::new(RPUB)
        .args(port_args(broker))
        .args(args)
        .stdin(stdin.to_vec())
        .timeout(LIMIT)
        .run()
}

#[test]
fn bad_lines_name_the_line_and_the_problem() {
    let broker = Broker::start();
    let cases: &[(&str, &str)] = &[
        (
            r#"{"topic":"b/t","payload":"cut"#,
            "Error: line 2: not a message object: EOF while parsing a string at line 1 column 29\n",
        ),
        (
            r#"{"topic":"b/t","qos":"high"}"#,
            "Error: line 2: not a message object: invalid type: string \"high\", expected u64 at line 1 column 27\n",
        ),
        (
            r#"{"topic":"b/t","retain":"yes"}"#,
            "Error: line 2: not a message object: invalid type: string \"yes\", expected a boolean at line 1 column 29\n",
        ),
        (
            r#"{"topic":"b/t","payload_base64":"not base64!"}"#,
            "Error: line 2: \"payload_base64\" is not valid base64\n",
        ),
        (
            r#"{"topic":"b/+","payload":"x"}"#,
            "Error: line 2: topic 'b/+' contains '+' or '#' (not allowed when publishing)\n",
        ),
        (
            r#"{"topic":"b/#","payload":"x"}"#,
            "Error: line 2: topic 'b/#' contains '+' or '#' (not allowed when publishing)\n",
        ),
        (
            r#"{"payload":"no topic"}"#,
            "Error: line 2: no \"topic\" and no -t\n",
        ),
        (
            r#"{"topic":"b/t","qos":7}"#,
            "Error: line 2: \"qos\" must be 0, 1 or 2, not 7\n",
        ),
    ];
    let dir = TempDir::new("jsonl");
    for (index, (bad, error)) in cases.iter().enumerate() {
        // Without --skip-bad-lines: the first line is delivered, the bad one ends the run (exit 1).
        let sub = subscriber(&broker, &dir, &format!("bad{index}"), "b/#", 1, &[]);
        let input = format!(
            "{{\"topic\":\"b/t\",\"payload\":\"good\",\"qos\":1}}\n{bad}\n{{\"topic\":\"b/t\",\"payload\":\"after\"}}\n"
        );
        let out = rpub_lines(&broker, &["--json-lines"], input.as_bytes());
        assert_eq!(out.code(), Some(1), "{}", out.dump());
        assert_eq!(out.stderr_text(), *error, "{bad}");
        let got = sub.wait();
        assert_eq!(parse_lines(&got.stdout_text())[0]["payload"], "good");
        // With it: reported, then the next line is published too.
        let sub = subscriber(&broker, &dir, &format!("skip{index}"), "b/#", 2, &[]);
        let out = rpub_lines(
            &broker,
            &["--json-lines", "--skip-bad-lines"],
            input.as_bytes(),
        );
        assert_eq!(out.code(), Some(0), "{}", out.dump());
        assert_eq!(out.stderr_text(), *error);
        let got = sub.wait();
        let payloads: Vec<_> = parse_lines(&got.stdout_text())
            .iter()
            .map(|line| line["payload"].clone())
            .collect();
        assert_eq!(payloads, ["good", "after"]);
    }
}

#[test]
fn a_10_mb_line_is_published_or_refused_without_trouble() {
    let broker = Broker::start();
    let dir = TempDir::new("jsonl");
    let payload: Vec<u8> = (0..10_000_000u32).map(|i| (i % 251) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&payload);
    let line = format!("{{\"topic\":\"big/t\",\"qos\":1,\"payload_base64\":\"{encoded}\"}}\n");
    assert!(line.len() > 10_000_000);
    let sub = subscriber(&broker, &dir, "big", "big/#", 1, &["-q", "1"]);
    let out = rpub_lines(&broker, &["--json-lines"], line.as_bytes());
    out.assert_success();
    let got = sub.wait();
    got.assert_success();
    let lines = parse_lines(&got.stdout_text());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(lines[0]["payload_base64"].as_str().expect("base64"))
        .expect("valid");
    assert!(decoded == payload, "the 10 MB payload arrived intact");
    // 10 MB that are not JSON: one clear error, exit 1.
    let garbage = vec![b'x'; 10_000_000];
    let out = rpub_lines(&broker, &["--json-lines"], &garbage);
    assert_eq!(out.code(), Some(1));
    assert_eq!(
        out.stderr_text(),
        "Error: line 1: not a JSON object (one {...} per line)\n"
    );
}

#[test]
fn topic_separator_template_and_rate_publish_what_they_say() {
    let broker = Broker::start();
    let dir = TempDir::new("jsonl");
    let sub = subscriber(&broker, &dir, "sep", "s/#", 3, &[]);
    let out = rpub_lines(
        &broker,
        &["-l", "--topic-separator", " "],
        b"s/a one\ns/b two words\ns/c \n",
    );
    out.assert_success();
    let lines = parse_lines(&sub.wait().stdout_text());
    let got: Vec<_> = lines
        .iter()
        .map(|line| (line["topic"].clone(), line["payload"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("s/a".into(), "one".into()),
            ("s/b".into(), "two words".into()),
            ("s/c".into(), "".into())
        ]
    );

    let sub = subscriber(&broker, &dir, "tpl", "tpl", 3, &["-q", "1"]);
    let out = ClientRun::new(RPUB)
        .args(port_args(&broker))
        .args([
            "-t",
            "tpl",
            "-q",
            "1",
            "-m",
            "n={n} r={rand:5-5} {{x}}",
            "--repeat",
            "3",
            "--template",
            "--rate",
            "50",
        ])
        .timeout(LIMIT)
        .run();
    out.assert_success();
    let lines = parse_lines(&sub.wait().stdout_text());
    let payloads: Vec<_> = lines.iter().map(|line| line["payload"].clone()).collect();
    assert_eq!(payloads, ["n=1 r=5 {x}", "n=2 r=5 {x}", "n=3 r=5 {x}"]);

    let out = ClientRun::new(RPUB)
        .args(port_args(&broker))
        .args(["-t", "tpl", "-m", "{nope}", "--template"])
        .timeout(LIMIT)
        .run();
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr_text()
            .starts_with("Error: Invalid --template message: unknown placeholder '{nope}'"),
        "{}",
        out.dump()
    );
}
