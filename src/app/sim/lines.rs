//! JSON lines with the bounds of issue 13, under simulated time. `rpub --json-lines` and
//! `-l --topic-separator` read stdin as `-l` does: a line longer than the largest payload ends the
//! run as `-l`'s does (exit 9, no DISCONNECT, after the lines before it were published), and stdin
//! that fails after some lines delivers them, disconnects, then exits 1. `rsub --json-lines`
//! writes its output out at 64 KiB, as `-F` does, however many messages one read brings.

use super::super::publisher::{LineKind, Publisher};
use super::super::session::{Link, Session};
use super::{
    FailingInput, Happening, ScriptedInput, SimLink, args, is_disconnect, is_publish, run_rsub,
    seconds,
};
use crate::cli::config::PubConfig;
use crate::cli::{self, Parsed};
use crate::exit;
use crate::net::ChunkSource;
use crate::proto::client::Client;

/// A session over a simulated broker for rpub with `arguments`.
fn session(arguments: &[&str]) -> (PubConfig, Session<SimLink>) {
    let Ok(Parsed::Run(config)) = cli::parse_pub("rpub", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    let client = Client::new(super::super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, Vec::new());
    link.connect().expect("connects");
    (config, Session::new(link, "", None))
}

/// Runs rpub reading `input` as `kind` with lines of at most `limit` bytes.
fn run<S: ChunkSource>(
    arguments: &[&str],
    input: S,
    kind: LineKind,
    limit: usize,
) -> (Result<(), exit::Failure>, SimLink) {
    let (config, mut session) = session(arguments);
    let outcome = session.run(&mut Publisher::reading_limited(config, input, kind, limit));
    (outcome, session.link)
}

fn payloads(link: &SimLink) -> Vec<Vec<u8>> {
    link.sent
        .iter()
        .filter_map(|(_, packet)| match packet {
            crate::proto::codec::Packet::Publish(publish) => Some(publish.payload.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_json_line_longer_than_the_largest_payload_ends_with_payload_too_large() {
    let first = br#"{"topic":"a","payload":"one"}"#;
    let long = format!(r#"{{"topic":"a","payload":"{}"}}"#, "x".repeat(64));
    let input = ScriptedInput(vec![[&first[..], b"\n"].concat(), long.into_bytes()].into());
    let (outcome, link) = run(
        &["--json-lines", "-q", "1"],
        input,
        LineKind::Json,
        first.len(),
    );
    assert_eq!(outcome, Err(exit::line_too_long()));
    assert_eq!(payloads(&link), [b"one".to_vec()]);
    assert!(
        link.sent_times(is_disconnect).is_empty(),
        "as with -l: the loop ends without a DISCONNECT"
    );
}

#[test]
fn a_topic_separator_line_longer_than_the_largest_payload_ends_likewise() {
    let input = ScriptedInput(vec![b"a:short\n".to_vec(), b"a:".repeat(40)].into());
    let (outcome, link) = run(
        &["-l", "--topic-separator", ":", "-q", "1"],
        input,
        LineKind::Split(b":".to_vec()),
        16,
    );
    assert_eq!(outcome, Err(exit::line_too_long()));
    assert_eq!(payloads(&link), [b"short".to_vec()]);
}

#[test]
fn json_lines_read_before_stdin_fails_are_delivered_then_the_run_exits_1() {
    let input = FailingInput(
        vec![
            br#"{"topic":"a","payload":"one"}"#.to_vec(),
            b"\n{\"topic\":\"b\",\"payload\":\"two\"}\n".to_vec(),
        ]
        .into(),
    );
    let (outcome, link) = run(&["--json-lines", "-q", "1"], input, LineKind::Json, 1 << 20);
    assert_eq!(outcome, Err(exit::stdin_lines_unreadable()));
    assert_eq!(payloads(&link), [b"one".to_vec(), b"two".to_vec()]);
    let disconnect = link.sent.iter().position(|(_, p)| is_disconnect(p));
    let last_publish = link.sent.iter().rposition(|(_, p)| is_publish(p));
    assert!(
        disconnect > last_publish,
        "both published, then a DISCONNECT: {:?}",
        link.sent
    );
}

#[test]
fn rsub_json_lines_output_is_written_out_at_64_kib_within_a_burst() {
    // 3,000 messages arriving at once are handled in one drain: without the write-out the buffer
    // would hold all their lines (over 250 KB) before the first write.
    let script = vec![(seconds(1.0), Happening::Message("a", b"0123456789")); 3_000];
    let (outcome, link) = run_rsub(&["-t", "a", "--json-lines", "-C", "3000"], script);
    assert_eq!(outcome, Ok(()));
    let written = link.output.written();
    assert_eq!(written.iter().filter(|&&byte| byte == b'\n').count(), 3_000);
    assert!(written.len() > 200_000, "{}", written.len());
    let largest = link.output.largest_write();
    assert!(largest < 64 * 1024 + 200, "{largest} bytes written at once");
}
