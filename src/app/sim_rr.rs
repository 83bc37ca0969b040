//! rrr's policies under simulated time (see `sim.rs`): when the request goes out, which message is
//! the response (correlation data, `-R`), `-W`, `--latency`, and how the run ends.

use std::time::Duration;

use super::rr::Requester;
use super::session::{Link, Session};
use super::sim::{
    Happening, Responder, SimLink, args, is_disconnect, is_publish, is_subscribe, seconds,
};
use crate::cli::config::MessageSource;
use crate::cli::{self, Parsed};
use crate::exit::{self, Failure};
use crate::proto::client::Client;
use crate::proto::codec::{Packet, Properties, Property, Publish, QoS, RetainHandling};

/// rrr with `arguments`, against the simulated broker answering requests with `responder` and
/// doing `script`.
fn run_rrr(
    arguments: &[&str],
    responder: Option<Responder>,
    script: Vec<(Duration, Happening)>,
) -> (Result<(), Failure>, SimLink) {
    let Ok(Parsed::Run(mut config)) = cli::parse_rr("rrr", &args(arguments)) else {
        panic!("not a run: {arguments:?}");
    };
    let payload = match std::mem::replace(&mut config.source, MessageSource::Null) {
        MessageSource::Message(bytes) => bytes,
        _ => Vec::new(),
    };
    let client = Client::new(super::client_options(&config.common, String::new()));
    let mut link = SimLink::new(client, script);
    link.responder = responder;
    link.connect().expect("connects");
    let mut session = Session::new(link, "", None);
    let mut role = Requester::new(config, payload, "rrr", session.now());
    let outcome = session.run(&mut role);
    (outcome, session.link)
}

/// A message on `topic` with `payload`, carrying `correlation` as its correlation data.
fn message(topic: &str, payload: &[u8], correlation: Option<&[u8]>) -> Publish {
    let mut properties = Properties::new();
    if let Some(data) = correlation {
        properties.push(Property::CorrelationData(data.to_vec()));
    }
    Publish {
        topic: topic.to_string(),
        payload: payload.to_vec(),
        properties,
        ..Publish::default()
    }
}

/// A well-behaved MQTT 5 responder: "answer" on the request's response topic, with its correlation
/// data.
fn echo(request: &Publish) -> Vec<Publish> {
    let topic = request
        .properties
        .response_topic()
        .unwrap_or("no/response/topic");
    vec![message(
        topic,
        b"answer",
        request.properties.correlation_data(),
    )]
}

fn echo_after(delay: f64) -> Option<Responder> {
    Some(Responder {
        delay: seconds(delay),
        answer: echo,
    })
}

/// The request as the broker received it.
fn request(link: &SimLink) -> &Publish {
    link.sent
        .iter()
        .find_map(|(_, packet)| match packet {
            Packet::Publish(publish) => Some(publish),
            _ => None,
        })
        .expect("a request was sent")
}

#[test]
fn rrr_sends_the_request_after_the_suback_and_leaves_without_disconnect_on_the_response() {
    let (outcome, link) = run_rrr(
        &[
            "-t",
            "req",
            "-e",
            "resp",
            "-m",
            "q",
            "-D",
            "publish",
            "user-property",
            "k",
            "v",
        ],
        echo_after(0.25),
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"answer\n");
    let kinds: Vec<&str> = link
        .sent
        .iter()
        .map(|(_, packet)| match packet {
            Packet::Connect(_) => "CONNECT",
            Packet::Subscribe(_) => "SUBSCRIBE",
            Packet::Publish(_) => "PUBLISH",
            Packet::Disconnect(_) => "DISCONNECT",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["CONNECT", "SUBSCRIBE", "PUBLISH"]);
    // The response topic follows the -D publish properties, as mosquitto_rr adds it.
    assert_eq!(
        request(&link).properties,
        Properties::new()
            .with(Property::UserProperty("k".into(), "v".into()))
            .with(Property::ResponseTopic("resp".into()))
    );
    assert_eq!(request(&link).topic, "req");
    assert_eq!(request(&link).payload, b"q");
    assert_eq!(link.elapsed(), seconds(0.25));
}

#[test]
fn rrr_prints_only_the_response_with_the_requests_correlation_data() {
    let script = vec![
        (
            seconds(0.5),
            Happening::Deliver(message("resp", b"other request", Some(b"id-0"))),
        ),
        (
            seconds(0.7),
            Happening::Deliver(message("resp", b"no correlation", None)),
        ),
        (
            seconds(1.0),
            Happening::Deliver(message("resp", b"ours", Some(b"id-1"))),
        ),
        (
            seconds(1.5),
            Happening::Deliver(message("resp", b"too late", Some(b"id-1"))),
        ),
    ];
    let (outcome, link) = run_rrr(
        &[
            "-t",
            "req",
            "-e",
            "resp",
            "-m",
            "q",
            "-D",
            "publish",
            "correlation-data",
            "id-1",
        ],
        None,
        script,
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"ours\n");
    assert_eq!(link.elapsed(), seconds(1.0));
    assert_eq!(
        request(&link).properties.correlation_data(),
        Some(&b"id-1"[..])
    );
}

#[test]
fn rrr_without_correlation_data_takes_the_first_message_as_mosquitto_rr_does() {
    let script = vec![
        (
            seconds(0.5),
            Happening::Deliver(message("resp", b"first", Some(b"id-0"))),
        ),
        (
            seconds(1.0),
            Happening::Deliver(message("resp", b"second", None)),
        ),
    ];
    let (outcome, link) = run_rrr(&["-t", "req", "-e", "resp", "-m", "q"], None, script);
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"first\n");
}

#[test]
fn rrr_v311_sends_no_properties_and_checks_no_correlation_data() {
    // A `-V` after `-D` goes back to 3.1.1: mosquitto_rr publishes without properties then.
    let script = vec![(
        seconds(0.5),
        Happening::Deliver(message("resp", b"plain", None)),
    )];
    let (outcome, link) = run_rrr(
        &[
            "-t",
            "req",
            "-e",
            "resp",
            "-m",
            "q",
            "-D",
            "publish",
            "correlation-data",
            "x",
            "-V",
            "311",
        ],
        None,
        script,
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"plain\n");
    assert!(request(&link).properties.is_empty());
}

#[test]
fn rrr_w_times_out_exactly_after_its_seconds_with_the_will_reason() {
    let (outcome, link) = run_rrr(
        &["-t", "req", "-e", "resp", "-m", "q", "-W", "2"],
        None,
        Vec::new(),
    );
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.0)]);
    let reasons: Vec<u8> = link
        .sent
        .iter()
        .filter_map(|(_, packet)| match packet {
            Packet::Disconnect(disconnect) => Some(disconnect.reason_code),
            _ => None,
        })
        .collect();
    // 4, Disconnect with Will Message: the broker publishes the will, as for mosquitto_rr.
    assert_eq!(reasons, [4]);
    assert_eq!(link.output.written(), b"");
}

#[test]
fn rrr_w_runs_on_while_messages_are_ignored() {
    let script = vec![
        (
            seconds(1.0),
            Happening::Deliver(message("resp", b"not ours", Some(b"id-0"))),
        ),
        (
            seconds(1.9),
            Happening::Deliver(message("resp", b"not ours", None)),
        ),
    ];
    let (outcome, link) = run_rrr(
        &[
            "-t",
            "req",
            "-e",
            "resp",
            "-m",
            "q",
            "-W",
            "2",
            "-D",
            "publish",
            "correlation-data",
            "id-1",
        ],
        None,
        script,
    );
    assert_eq!(outcome, Err(exit::timed_out()));
    assert_eq!(link.sent_times(is_disconnect), [seconds(2.0)]);
    assert_eq!(link.output.written(), b"");
}

#[test]
fn rrr_response_before_w_wins() {
    let (outcome, link) = run_rrr(
        &["-t", "req", "-e", "resp", "-m", "q", "-W", "2"],
        echo_after(1.999),
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"answer\n");
    assert!(link.sent_times(is_disconnect).is_empty());
}

#[test]
fn rrr_latency_is_the_time_from_request_to_response() {
    let cases = [
        (0.25, "answer\nLatency: 250.000000ms\n"),
        (1.5, "answer\nLatency: 1.500000000\n"),
    ];
    for (delay, expected) in cases {
        let (outcome, link) = run_rrr(
            &["-t", "req", "-e", "resp", "-m", "q", "--latency"],
            echo_after(delay),
            Vec::new(),
        );
        assert_eq!(outcome, Ok(()));
        assert_eq!(
            String::from_utf8_lossy(link.output.written()),
            expected,
            "{delay}"
        );
    }
}

#[test]
fn rrr_r_skips_retained_messages_and_asks_for_none() {
    let retained = Publish {
        retain: true,
        ..message("resp", b"stale", None)
    };
    let script = vec![
        (seconds(0.0), Happening::Deliver(retained)),
        (
            seconds(0.5),
            Happening::Deliver(message("resp", b"fresh", None)),
        ),
    ];
    let (outcome, link) = run_rrr(
        &["-t", "req", "-e", "resp", "-m", "q", "-R"],
        None,
        script.clone(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"fresh\n");
    let options: Vec<RetainHandling> = link
        .sent
        .iter()
        .filter_map(|(_, packet)| match packet {
            Packet::Subscribe(subscribe) => Some(subscribe.filters[0].retain_handling),
            _ => None,
        })
        .collect();
    assert_eq!(options, [RetainHandling::DoNotSend]);
    // Without -R the stale message is the response, as with mosquitto_rr.
    let (_, link) = run_rrr(&["-t", "req", "-e", "resp", "-m", "q"], None, script);
    assert_eq!(link.output.written(), b"stale\n");
}

#[test]
fn rrr_acknowledges_a_qos2_response_before_leaving() {
    fn answer_qos2(request: &Publish) -> Vec<Publish> {
        vec![Publish {
            qos: QoS::ExactlyOnce,
            packet_id: 7,
            ..echo(request).remove(0)
        }]
    }
    let (outcome, link) = run_rrr(
        &["-t", "req", "-e", "resp", "-m", "q", "-q", "2"],
        Some(Responder {
            delay: seconds(0.1),
            answer: answer_qos2,
        }),
        Vec::new(),
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(link.output.written(), b"answer\n");
    let after_request: Vec<&str> = link
        .sent
        .iter()
        .skip_while(|(_, packet)| !is_publish(packet))
        .map(|(_, packet)| match packet {
            Packet::Publish(_) => "PUBLISH",
            Packet::PubRel(_) => "PUBREL",
            Packet::PubRec(_) => "PUBREC",
            Packet::PubComp(_) => "PUBCOMP",
            Packet::Disconnect(_) => "DISCONNECT",
            _ => "other",
        })
        .collect();
    // Our request's PUBREL, then the response's PUBREC and, once the broker's PUBREL came, its
    // PUBCOMP: the response is printed then, and nothing follows.
    assert_eq!(after_request, ["PUBLISH", "PUBREL", "PUBREC", "PUBCOMP"]);
    assert_eq!(link.sent_times(is_subscribe), [seconds(0.0)]);
}
