//! rsub's mosquitto 2.1 additions under simulated time (see `sim.rs`): `--message-rate` lines each
//! second and at the end, `-w` around the messages, `-U` without `-t`.

use std::time::Duration;

use super::session::{Link, Session};
use super::sim::{Happening, SimLink, args, is_disconnect, is_subscribe, seconds};
use super::subscriber::{Random, Subscriber};
use crate::cli::{self, Parsed};
use crate::exit::{self, Failure};
use crate::proto::client::Client;
use crate::proto::codec::Packet;

/// rsub with `arguments` as `run` starts it (`Subscriber::start` first), against the simulated
/// broker doing `script`.
fn run_rsub(
    arguments: &[&str],
    script: Vec<(Duration, Happening)>,
) -> (Result<(), Failure>, SimLink) {
    let Ok(Parsed::Run(config)) = cli::parse_sub("rsub", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    let client = Client::new(super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, script);
    link.connect().expect("connects");
    let mut session = Session::new(link, "", None);
    let mut role = Subscriber::new(config, session.now(), Random::seeded(7)).expect("valid");
    role.start(&mut session);
    let outcome = session.run(&mut role);
    (outcome, session.link)
}

fn is_unsubscribe(packet: &Packet) -> bool {
    matches!(packet, Packet::Unsubscribe(_))
}

#[test]
fn message_rate_writes_each_seconds_count_and_no_message() {
    let script = vec![
        (seconds(0.2), Happening::Message("a", b"one")),
        (seconds(0.4), Happening::Message("a", b"two")),
        (seconds(1.5), Happening::Message("a", b"three")),
    ];
    let (outcome, link) = run_rsub(&["-t", "a", "--message-rate", "-W", "3"], script);
    assert_eq!(outcome, Err(exit::timed_out()));
    // Lines at 1 s, 2 s and 3 s; -W at 3 s falls on a tick, so nothing more.
    assert_eq!(link.output.written(), b"2 msgs/s\n1 msgs/s\n0 msgs/s\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(3.0)]);
}

#[test]
fn message_rate_gives_the_second_in_progress_its_line_at_a_signal() {
    let script = vec![
        (seconds(1.2), Happening::Message("a", b"x")),
        (seconds(1.7), Happening::Signal),
    ];
    let (outcome, link) = run_rsub(&["-t", "a", "--message-rate", "-C", "1"], script);
    // -C does not end it (messages are not handled); the signal does.
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"0 msgs/s\n1 msgs/s\n");
}

#[test]
fn watch_clears_the_screen_then_puts_each_topic_on_its_line() {
    let script = vec![
        (seconds(0.5), Happening::Message("t/a", b"1")),
        (seconds(0.6), Happening::Message("t/b", b"2")),
        (seconds(0.7), Happening::Message("t/a", b"3")),
    ];
    let (outcome, link) = run_rsub(&["-t", "t/#", "-w", "-C", "3", "-h", "broker"], script);
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        String::from_utf8_lossy(link.output.written()).replace('\x1b', "ESC"),
        "ESC[2JESC[1;1HBroker: broker\nESC[2;1H1\nESC[2;1H\nESC[3;1H2\nESC[3;1H\nESC[2;1H3\nESC[3;1H\n"
    );
}

#[test]
fn unsubscribe_alone_sends_no_subscribe() {
    let (outcome, link) = run_rsub(&["-U", "a/#", "-U", "b", "-W", "1"], Vec::new());
    assert_eq!(outcome, Err(exit::timed_out()));
    assert!(link.sent_times(is_subscribe).is_empty());
    assert_eq!(link.sent_times(is_unsubscribe).len(), 2);
}
