//! The policies of the flags for scripts and CI (issue 14) under simulated time: connection time
//! limits, waiting for the broker, the reconnect policy, `--timeout`, `--idle-timeout`, the
//! `--expect-*` assertions, `--strict` and `rpub --check`, each checked to the microsecond.

use std::time::Duration;

use super::super::check::{self, Checker};
use super::super::policy::ConnectPolicy;
use super::super::publisher::Publisher;
use super::super::session::{FirstAttempt, Link, Session};
use super::super::subscriber::{Random, Subscriber};
use super::{
    Happening, ScriptedInput, SimBroker, SimLink, args, is_disconnect, is_publish, seconds,
};
use crate::cli::config::MessageSource;
use crate::cli::{self, Parsed};
use crate::exit::ci::{self as exit_ci, PendingStage, SubscriptionProblem};
use crate::exit::{self, Failure};
use crate::proto::client::Client;
use crate::proto::codec::Packet;

/// Opens the first connection as `app::start` does and puts the session over it with the CI
/// policies of `ci`.
fn session(mut link: SimLink, ci: &crate::cli::config::CiOptions) -> Session<SimLink> {
    let started = link.now;
    let first = match link.connect() {
        Ok(()) => FirstAttempt::Opened,
        Err(failure) => FirstAttempt::NotListening(failure),
    };
    Session::new(link, "", None).with_policy(ConnectPolicy::from_options(ci), started, first)
}

fn rsub(
    arguments: &[&str],
    broker: SimBroker,
    script: Vec<(Duration, Happening)>,
) -> (Result<(), Failure>, SimLink) {
    let Ok(Parsed::Run(config)) = cli::parse_sub("rsub", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    let client = Client::new(super::super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, script);
    link.broker = broker;
    let mut session = session(link, &config.common.ci);
    let mut role = Subscriber::new(config, session.now(), Random::seeded(7)).expect("valid");
    let outcome = session.run(&mut role);
    (outcome, session.link)
}

fn rpub(
    arguments: &[&str],
    lines: &[&str],
    broker: SimBroker,
    script: Vec<(Duration, Happening)>,
    unacknowledged_connections: usize,
) -> (Result<(), Failure>, SimLink) {
    let Ok(Parsed::Run(mut config)) = cli::parse_pub("rpub", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    let client = Client::new(super::super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, script);
    link.broker = broker;
    link.unacknowledged_connections = unacknowledged_connections;
    let mut session = session(link, &config.common.ci);
    let started = session.started();
    let outcome = match std::mem::replace(&mut config.source, MessageSource::Null) {
        MessageSource::StdinLines => {
            let input = lines.iter().map(|line| format!("{line}\n").into_bytes());
            let role = Publisher::lines(config, ScriptedInput(input.collect()));
            session.run(&mut role.timed_from(started))
        }
        MessageSource::Message(payload) => session
            .run(&mut Publisher::<ScriptedInput>::repeating(config, payload).timed_from(started)),
        other => panic!("not simulated: {other:?}"),
    };
    (outcome, session.link)
}

fn no_script() -> Vec<(Duration, Happening)> {
    Vec::new()
}

fn silent() -> SimBroker {
    SimBroker {
        silent: true,
        ..SimBroker::default()
    }
}

fn messages(list: &[(f64, &'static [u8])]) -> Vec<(Duration, Happening)> {
    list.iter()
        .map(|&(at, payload)| (seconds(at), Happening::Message("a", payload)))
        .collect()
}

#[test]
fn connect_timeout_ends_the_first_attempt_at_its_limit_naming_the_stage() {
    for arguments in [
        &["-t", "a", "--connect-timeout", "1.5"][..],
        &["-t", "a", "--connect-timeout", "1500ms", "-W", "10"][..],
    ] {
        let (outcome, link) = rsub(arguments, silent(), no_script());
        assert_eq!(
            outcome,
            Err(exit_ci::connect_timed_out(
                "sim:1883",
                seconds(1.5),
                PendingStage::Connack,
                false,
                false
            ))
        );
        assert_eq!(link.elapsed(), seconds(1.5));
        assert_eq!(exit_ci::CONNECT_TIMEOUT, 40);
    }
    let (outcome, link) = rpub(
        &["-t", "a", "-m", "x", "--connect-timeout", "2s"],
        &[],
        silent(),
        no_script(),
        0,
    );
    assert_eq!(outcome.map_err(|f| f.exit_code()), Err(40));
    assert_eq!(link.elapsed(), seconds(2.0));
    assert!(link.sent_times(is_publish).is_empty());
}

#[test]
fn connect_timeout_does_not_touch_a_broker_that_answers() {
    let (outcome, link) = rsub(
        &["-t", "a", "--connect-timeout", "0.1", "-W", "3"],
        SimBroker::default(),
        no_script(),
    );
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(3.0)]);
}

#[test]
fn wait_for_broker_retries_with_growing_steps_until_it_listens() {
    let broker = SimBroker {
        listening_from: seconds(0.65),
        ..SimBroker::default()
    };
    let (outcome, link) = rsub(
        &["-t", "a", "--wait-for-broker", "5", "-C", "1"],
        broker,
        vec![(seconds(1.0), Happening::Message("a", b"up"))],
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        link.connects,
        [seconds(0.0), seconds(0.1), seconds(0.3), seconds(0.7)]
    );
    assert_eq!(link.output.written(), b"up\n");
}

#[test]
fn wait_for_broker_gives_up_at_its_limit_with_the_usual_error() {
    let broker = SimBroker {
        listening_from: seconds(60.0),
        ..SimBroker::default()
    };
    let (outcome, link) = rsub(
        &["-t", "a", "--wait-for-broker", "0.5"],
        broker,
        no_script(),
    );
    assert_eq!(
        outcome,
        Err(Failure::runtime("Error: Connection refused", 1))
    );
    assert_eq!(
        link.connects,
        [seconds(0.0), seconds(0.1), seconds(0.3), seconds(0.5)]
    );
}

#[test]
fn reconnect_never_ends_rsub_when_the_connection_is_lost() {
    let script = vec![(seconds(2.0), Happening::Drop)];
    let (outcome, link) = rsub(
        &["-t", "a", "--reconnect", "never"],
        SimBroker::default(),
        script,
    );
    assert_eq!(outcome, Err(exit_ci::connection_lost(0)));
    assert_eq!(outcome.map_err(|f| f.exit_code()), Err(7));
    assert_eq!(link.connects, [seconds(0.0)]);
}

#[test]
fn reconnect_n_gives_up_after_n_failed_attempts_at_the_chosen_delay() {
    // The broker goes away at 2 s and does not come back: attempts at 2.25 and 2.5, then the end.
    let mut script = vec![(seconds(2.0), Happening::Drop)];
    script.push((seconds(100.0), Happening::Signal));
    let broker = SimBroker {
        gone_from: Some(seconds(2.0)),
        ..SimBroker::default()
    };
    let (outcome, link) = rsub(
        &["-t", "a", "--reconnect", "2", "--reconnect-delay", "250ms"],
        broker,
        script,
    );
    assert_eq!(outcome, Err(exit_ci::connection_lost(2)));
    assert_eq!(link.connects, [seconds(0.0), seconds(2.25), seconds(2.5)]);
    assert_eq!(link.elapsed(), seconds(2.5));
}

#[test]
fn reconnect_always_makes_rpub_resend_what_was_not_acknowledged() {
    let script = vec![(seconds(0.5), Happening::Drop)];
    let (outcome, link) = rpub(
        &[
            "-t",
            "a",
            "-m",
            "x",
            "-q",
            "1",
            "--reconnect",
            "always",
            "--reconnect-delay",
            "0.25",
        ],
        &[],
        SimBroker::default(),
        script,
        1,
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.connects, [seconds(0.0), seconds(0.75)]);
    let publishes: Vec<_> = link
        .sent
        .iter()
        .filter_map(|(at, packet)| match packet {
            Packet::Publish(publish) => Some((*at, publish.dup)),
            _ => None,
        })
        .collect();
    assert_eq!(publishes, [(seconds(0.0), false), (seconds(0.75), true)]);
}

#[test]
fn without_reconnect_rpub_still_ends_on_a_lost_connection() {
    let script = vec![(seconds(0.5), Happening::Drop)];
    let (outcome, _) = rpub(
        &["-t", "a", "-m", "x", "-q", "1"],
        &[],
        SimBroker::default(),
        script,
        1,
    );
    assert_eq!(
        outcome,
        Err(Failure::runtime("Error: The connection was lost.", 7))
    );
}

#[test]
fn rsub_timeout_is_w_with_sub_second_precision() {
    let (outcome, link) = rsub(
        &["-t", "a", "--timeout", "1.25"],
        SimBroker::default(),
        messages(&[(1.0, b"m")]),
    );
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(1.25)]);
    assert_eq!(link.output.written(), b"m\n");
}

#[test]
fn rsub_timeout_also_ends_a_run_that_never_got_its_connack() {
    // -W would exit 255 silently here, as mosquitto_sub does.
    let (outcome, link) = rsub(&["-t", "a", "--timeout", "800ms"], silent(), no_script());
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.elapsed(), seconds(0.8));
    let (outcome, _) = rsub(&["-t", "a", "-W", "1"], silent(), no_script());
    assert_eq!(outcome, Err(exit::ended_before_connack()));
}

#[test]
fn rpub_timeout_covers_the_acknowledgements() {
    // The broker never acknowledges: at the limit rpub disconnects and says how far it got.
    let (outcome, link) = rpub(
        &["-t", "a", "-l", "-q", "1", "--timeout", "2"],
        &["one", "two"],
        SimBroker::default(),
        no_script(),
        1,
    );
    assert_eq!(
        outcome,
        Err(exit_ci::publish_timed_out(
            seconds(2.0),
            exit_ci::PublishProgress::Publishing {
                done: 0,
                waiting: 2
            }
        ))
    );
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.0)]);
    let (outcome, link) = rpub(
        &["-t", "a", "-m", "x", "--timeout", "1"],
        &[],
        silent(),
        no_script(),
        0,
    );
    assert_eq!(
        outcome,
        Err(exit_ci::publish_timed_out(
            seconds(1.0),
            exit_ci::PublishProgress::Connecting
        ))
    );
    assert_eq!(link.elapsed(), seconds(1.0));
}

#[test]
fn rpub_timeout_lets_a_run_that_ends_in_time_succeed() {
    let (outcome, link) = rpub(
        &[
            "-t",
            "a",
            "-m",
            "x",
            "--repeat",
            "3",
            "--repeat-delay",
            "0.5",
            "--timeout",
            "1.5",
        ],
        &[],
        SimBroker::default(),
        no_script(),
        0,
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(1.0)]);
}

#[test]
fn idle_timeout_ends_normally_once_messages_stop() {
    let (outcome, link) = rsub(
        &["-t", "a", "--idle-timeout", "1"],
        SimBroker::default(),
        messages(&[(0.5, b"m1"), (1.2, b"m2")]),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"m1\nm2\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.2)]);
}

#[test]
fn an_expectation_met_ends_the_run_at_once() {
    let (outcome, link) = rsub(
        &["-t", "a", "--expect-payload", "ok", "--timeout", "5"],
        SimBroker::default(),
        messages(&[(1.0, b"no"), (2.0, b"ok"), (3.0, b"later")]),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"no\nok\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.0)]);
}

#[test]
fn an_expectation_met_late_still_succeeds_before_the_limit() {
    let (outcome, link) = rsub(
        &[
            "-t",
            "a",
            "--expect-regex",
            "^t=[0-9]+$",
            "--expect-count",
            "2",
            "--timeout",
            "5",
        ],
        SimBroker::default(),
        messages(&[(1.0, b"t=1"), (2.0, b"x"), (4.9, b"t=2")]),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(4.9)]);
}

#[test]
fn an_expectation_unmet_at_the_limit_says_what_came() {
    let (outcome, link) = rsub(
        &["-t", "a", "--expect-payload", "ok", "--timeout", "3"],
        SimBroker::default(),
        messages(&[(1.0, b"no"), (2.0, b"nope")]),
    );
    assert_eq!(
        outcome,
        Err(Failure::runtime(
            "Error: expected 1 message with payload \"ok\" on a, got 0 in 3s (2 other messages).",
            41
        ))
    );
    assert_eq!(link.sent_times(is_disconnect), [seconds(3.0)]);
    // -C ends the run too: the expectation is judged then.
    let (outcome, _) = rsub(
        &["-t", "a", "--expect-payload", "ok", "-C", "1"],
        SimBroker::default(),
        messages(&[(1.0, b"no")]),
    );
    assert_eq!(outcome.map_err(|f| f.exit_code()), Err(41));
}

#[test]
fn expect_none_succeeds_at_the_limit_and_fails_at_the_first_message() {
    let (outcome, link) = rsub(
        &["-t", "a", "--expect-none", "--timeout", "2"],
        SimBroker::default(),
        no_script(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.0)]);
    let (outcome, link) = rsub(
        &["-t", "a", "--expect-none", "--idle-timeout", "2"],
        SimBroker::default(),
        messages(&[(1.5, b"boo")]),
    );
    assert_eq!(
        outcome,
        Err(Failure::runtime(
            "Error: expected no message on a, got one on a after 1s 500ms.",
            42
        ))
    );
    assert_eq!(link.output.written(), b"boo\n");
    assert_eq!(link.sent_times(is_disconnect), [seconds(1.5)]);
}

#[test]
fn strict_fails_rsub_on_any_denied_or_downgraded_subscription() {
    let denied = SimBroker {
        suback: Some(vec![0, 0x80]),
        ..SimBroker::default()
    };
    let script = vec![(seconds(3.0), Happening::Signal)];
    let (outcome, _) = rsub(&["-t", "a", "-t", "b"], denied.clone(), script.clone());
    assert_eq!(outcome, Ok(()));
    let (outcome, link) = rsub(&["-t", "a", "-t", "b", "--strict"], denied, script.clone());
    assert_eq!(
        outcome,
        Err(exit_ci::strict_subscription(&[
            SubscriptionProblem::Denied {
                filter: "b".into(),
                code: 0x80,
                v5: false
            }
        ]))
    );
    assert_eq!(link.sent_times(is_disconnect), [seconds(0.0)]);
    let downgraded = SimBroker {
        suback: Some(vec![1]),
        ..SimBroker::default()
    };
    let (outcome, _) = rsub(
        &["-t", "a", "-q", "2", "--strict"],
        downgraded,
        script.clone(),
    );
    assert_eq!(outcome.map_err(|f| f.exit_code()), Err(44));
    let refused_unsubscribe = SimBroker {
        unsuback: Some(vec![0x87]),
        ..SimBroker::default()
    };
    let (outcome, _) = rsub(
        &["-t", "a", "-U", "b", "-V", "5", "--strict"],
        refused_unsubscribe,
        script,
    );
    assert_eq!(
        outcome,
        Err(exit_ci::strict_subscription(&[
            SubscriptionProblem::UnsubscribeRefused {
                filter: "b".into(),
                code: 0x87
            }
        ]))
    );
}

#[test]
fn strict_fails_rpub_when_the_broker_refuses_a_message() {
    let refusing = SimBroker {
        publish_reason: 0x87,
        ..SimBroker::default()
    };
    let arguments = ["-t", "a", "-m", "x", "-q", "1", "-V", "5", "--repeat", "2"];
    let (outcome, _) = rpub(&arguments, &[], refusing.clone(), no_script(), 0);
    assert_eq!(outcome, Ok(()));
    let strict: Vec<&str> = arguments.iter().copied().chain(["--strict"]).collect();
    let (outcome, link) = rpub(&strict, &[], refusing, no_script(), 0);
    assert_eq!(outcome, Err(exit_ci::strict_publish_refused(2)));
    // Both were published and the run ended cleanly, as without --strict.
    assert_eq!(link.sent_times(is_publish).len(), 2);
    assert_eq!(link.sent_times(is_disconnect).len(), 1);
}

/// `rpub --check ...` against the simulated broker; the report and the outcome.
fn run_check(
    arguments: &[&str],
    broker: SimBroker,
) -> (Result<(), Failure>, check::CheckReport, SimLink) {
    let Ok(Parsed::Run(mut config)) = cli::parse_pub("rpub", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    check::prepare(&mut config);
    let check_config = config.check.clone().expect("--check");
    let client = Client::new(super::super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, no_script());
    link.broker = broker;
    let mut session = session(link, &config.common.ci);
    let mut checker = Checker::new(config, &check_config, session.started());
    let outcome = session.run(&mut checker);
    let report = checker.into_report(check::CheckReport::default());
    (outcome, report, session.link)
}

#[test]
fn check_measures_latency_from_the_write_to_the_read() {
    let broker = SimBroker {
        echo_after: Some(Duration::from_micros(3_250)),
        ..SimBroker::default()
    };
    let (outcome, report, link) = run_check(
        &[
            "--check",
            "--repeat",
            "3",
            "--repeat-delay",
            "0.1",
            "-q",
            "1",
        ],
        broker,
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(report.sent, 3);
    assert_eq!(report.latencies, [Duration::from_micros(3_250); 3]);
    assert_eq!(report.connack, Some(Duration::ZERO));
    assert_eq!(report.suback, Some(Duration::ZERO));
    // Each probe waits for the previous one to come back, then for the delay.
    let first = Duration::ZERO;
    let second = first + Duration::from_micros(3_250) + seconds(0.1);
    let third = second + Duration::from_micros(3_250) + seconds(0.1);
    assert_eq!(link.sent_times(is_publish), [first, second, third]);
}

#[test]
fn check_counts_probes_that_do_not_come_back_as_lost() {
    // No echo: each probe is given up after the probe wait.
    let (outcome, report, link) = run_check(&["--check", "--repeat", "2"], SimBroker::default());
    assert_eq!(outcome, Ok(()));
    assert_eq!((report.sent, report.lost()), (2, 2));
    assert_eq!(link.sent_times(is_disconnect), [check::PROBE_WAIT * 2]);
}

#[test]
fn check_against_a_silent_broker_ends_after_its_default_connect_timeout() {
    let (outcome, report, link) = run_check(&["--check"], silent());
    assert_eq!(outcome.map_err(|f| f.exit_code()), Err(40));
    assert_eq!(report.sent, 0);
    assert_eq!(link.elapsed(), check::DEFAULT_CONNECT_TIMEOUT);
}
