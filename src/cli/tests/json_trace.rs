//! The flags of issue 15 (`--trace`, `--json-lines`, `--replay-speed`, `--skip-bad-lines`,
//! `--topic-separator`, `--rate`, `--template`): what they resolve to and the errors of the
//! combinations that make no sense. mosquitto has none of them.

use super::*;
use crate::cli::config::{ReplaySpeed, TraceConfig, TraceTarget};

#[test]
fn trace_resolves_to_a_file_or_stderr_with_a_payload_limit() {
    let config = parse_sub("rsub", &os(&["-t", "a", "--trace", "t.jsonl"])).expect("runs");
    assert_eq!(
        config.common.trace,
        Some(TraceConfig {
            target: TraceTarget::File(PathBuf::from("t.jsonl")),
            payload_bytes: 0,
        })
    );
    let config = parse_pub(
        "rpub",
        &os(&[
            "-t",
            "a",
            "-m",
            "x",
            "--trace",
            "-",
            "--trace-payload",
            "64",
        ]),
    )
    .expect("runs");
    assert_eq!(
        config.common.trace,
        Some(TraceConfig {
            target: TraceTarget::Stderr,
            payload_bytes: 64,
        })
    );
}

#[test]
fn json_lines_is_rsubs_output_mode_and_rpubs_message_source() {
    let config = parse_sub("rsub", &os(&["-t", "a", "--json-lines"])).expect("runs");
    assert!(config.json_lines);
    // rpub: -t is optional, lines name their topics.
    let config = parse_pub("rpub", &os(&["--json-lines"])).expect("runs");
    assert_eq!(config.source, MessageSource::JsonLines);
    assert_eq!(config.topic, "");
    let config = parse_pub(
        "rpub",
        &os(&[
            "--json-lines",
            "-t",
            "d",
            "--replay-speed",
            "0.5",
            "--skip-bad-lines",
        ]),
    )
    .expect("runs");
    assert_eq!(config.topic, "d");
    assert_eq!(config.replay_speed, Some(ReplaySpeed { factor: 0.5 }));
    assert!(config.skip_bad_lines);
}

#[test]
fn rate_topic_separator_and_template_resolve() {
    let config = parse_pub(
        "rpub",
        &os(&["-l", "--topic-separator", "::", "--rate", "4"]),
    )
    .expect("runs");
    assert_eq!(config.topic_separator, Some(b"::".to_vec()));
    assert_eq!(config.rate_interval, Some(Duration::from_millis(250)));
    assert_eq!(config.source, MessageSource::StdinLines);
    let config = parse_pub(
        "rpub",
        &os(&[
            "-t",
            "a",
            "-m",
            "{n}",
            "--repeat",
            "2",
            "--template",
            "--rate",
            "0.5",
        ]),
    )
    .expect("runs");
    assert!(config.template);
    assert_eq!(config.rate_interval, Some(Duration::from_secs(2)));
}

#[rustfmt::skip]
#[test]
fn combinations_that_make_no_sense_are_refused() {
    let cases: Vec<(Tool, Vec<&str>, &str)> = vec![
        (Sub, vec!["-t", "a", "--json-lines", "-v"], "Error: --json-lines prints whole JSON objects: it cannot be combined with -F, -v or -N.\n"),
        (Sub, vec!["-t", "a", "-F", "%p", "--json-lines"], "Error: --json-lines prints whole JSON objects: it cannot be combined with -F, -v or -N.\n"),
        (Sub, vec!["-t", "a", "-N", "--json-lines"], "Error: --json-lines prints whole JSON objects: it cannot be combined with -F, -v or -N.\n"),
        (Sub, vec!["-t", "a", "--trace-payload", "3"], "Error: --trace-payload needs --trace.\n"),
        (Pub, vec!["-t", "a", "-m", "x", "--trace", "f", "--trace-payload", "-1"], "Error: --trace-payload must be a number of bytes (0 or more).\n\n"),
        (Pub, vec!["-t", "a", "-m", "x", "--json-lines"], "Error: Only one type of message can be sent at once.\n\n"),
        (Pub, vec!["--json-lines", "-l"], "Error: Only one type of message can be sent at once.\n\n"),
        (Pub, vec!["-t", "a", "-l", "--replay-speed", "1"], "Error: --replay-speed needs --json-lines.\n"),
        (Pub, vec!["--json-lines", "--replay-speed", "0"], "Error: --replay-speed must be a number above 0 (1 replays as recorded).\n\n"),
        (Pub, vec!["--json-lines", "--replay-speed", "fast"], "Error: --replay-speed must be a number above 0 (1 replays as recorded).\n\n"),
        (Pub, vec!["-t", "a", "-m", "x", "--topic-separator", ":"], "Error: --topic-separator needs -l.\n"),
        (Pub, vec!["-l", "--topic-separator", ""], "Error: --topic-separator must not be empty.\n\n"),
        (Pub, vec!["-t", "a", "-l", "--skip-bad-lines"], "Error: --skip-bad-lines needs --json-lines or -l with --topic-separator.\n"),
        (Pub, vec!["-t", "a", "-l", "--rate", "0"], "Error: --rate must be a number of messages per second above 0 (fractions allowed).\n\n"),
        (Pub, vec!["-t", "a", "-l", "--rate", "2x"], "Error: --rate must be a number of messages per second above 0 (fractions allowed).\n\n"),
        (Pub, vec!["-t", "a", "-l", "--rate", "inf"], "Error: --rate must be a number of messages per second above 0 (fractions allowed).\n\n"),
        (Pub, vec!["-t", "a", "-l", "--template"], "Error: --template needs the message from -m, -f or -s.\n"),
        (Pub, vec!["-t", "a", "-n", "--template"], "Error: --template needs the message from -m, -f or -s.\n"),
        (Sub, vec!["-t", "a", "--rate", "1"], "Error: Unknown option '--rate'.\n"),
        (Sub, vec!["-t", "a", "--template"], "Error: Unknown option '--template'.\n"),
    ];
    for (tool, args, text) in cases {
        let result = run(tool, &os(&args));
        assert_eq!(result, Err(usage(text)), "{tool:?} {args:?}");
    }
}

#[test]
fn missing_values_get_mosquittos_shape() {
    let cases = [
        (
            Pub,
            "--trace",
            "Error: --trace argument given but no file specified.\n\n",
        ),
        (
            Sub,
            "--trace-payload",
            "Error: --trace-payload argument given but no size specified.\n\n",
        ),
        (
            Pub,
            "--replay-speed",
            "Error: --replay-speed argument given but no speed specified.\n\n",
        ),
        (
            Pub,
            "--topic-separator",
            "Error: --topic-separator argument given but no separator specified.\n\n",
        ),
        (
            Pub,
            "--rate",
            "Error: --rate argument given but no rate specified.\n\n",
        ),
    ];
    for (tool, flag, text) in cases {
        assert_eq!(run(tool, &os(&[flag])), Err(usage(text)), "{flag}");
    }
}
