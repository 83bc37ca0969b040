//! rrr's command line: mosquitto_rr 2.0.11's flags, defaults, error texts and their order (each
//! expected value was checked against mosquitto_rr 2.0.11).

use super::*;
use crate::proto::codec::{Properties, Property};

const ALL_OF: &str = "Error: All of topic, message, and response topic must be supplied.\n";

/// (arguments, expected failure).
#[rustfmt::skip]
fn rr_error_cases() -> Vec<(Vec<&'static str>, Failure)> {
    vec![
        // The "all of" check comes after every argument was read.
        (vec![], usage(ALL_OF)),
        (vec!["-t", "a", "-m", "x"], usage(ALL_OF)),
        (vec!["-t", "a", "-e", "b"], usage(ALL_OF)),
        (vec!["-e", "b", "-m", "x"], usage(ALL_OF)),
        (vec!["-d", "-n"], usage(ALL_OF)),
        (vec!["-D", "publish", "response-topic", "x"], usage(ALL_OF)),
        // mosquitto_rr knows neither rpub's nor rsub's own flags.
        (vec!["-t", "a", "-e", "b", "-l"], usage("Error: Unknown option '-l'.\n")),
        (vec!["-r"], usage("Error: Unknown option '-r'.\n")),
        (vec!["--repeat", "2"], usage("Error: Unknown option '--repeat'.\n")),
        (vec!["--repeat-delay", "2"], usage("Error: Unknown option '--repeat-delay'.\n")),
        (vec!["-C", "1"], usage("Error: Unknown option '-C'.\n")),
        (vec!["-E"], usage("Error: Unknown option '-E'.\n")),
        (vec!["-T", "x"], usage("Error: Unknown option '-T'.\n")),
        (vec!["-U", "x"], usage("Error: Unknown option '-U'.\n")),
        (vec!["--random-filter", "5"], usage("Error: Unknown option '--random-filter'.\n")),
        (vec!["--remove-retained"], usage("Error: Unknown option '--remove-retained'.\n")),
        (vec!["--retained-only"], usage("Error: Unknown option '--retained-only'.\n")),
        (vec!["-S"], usage("Error: Unknown option '-S'.\n")),
        // Missing values.
        (vec!["-e"], usage("Error: -e argument given but no response topic specified.\n\n")),
        (vec!["-t"], usage("Error: -t argument given but no topic specified.\n\n")),
        (vec!["-W"], usage("Error: -W argument given but no timeout specified.\n\n")),
        (vec!["-F"], usage("Error: -F argument given but no format specified.\n\n")),
        (vec!["-f"], usage("Error: -f argument given but no file specified.\n\n")),
        (vec!["-q"], usage("Error: -q argument given but no QoS specified.\n\n")),
        // Topics.
        (vec!["-t", "a/#", "-e", "b", "-m", "x"], usage("Error: Invalid publish topic 'a/#', does it contain '+' or '#'?\n")),
        (vec!["-t", "a", "-e", "b/+", "-m", "x"], usage("Error: Invalid response topic 'b/+', does it contain '+' or '#'?\n")),
        (vec!["-L", "mqtt://localhost:1/top/#", "-e", "b", "-m", "x"], usage("Error: Invalid publish topic 'top/#', does it contain '+' or '#'?\n")),
        // Values checked while reading.
        (vec!["-t", "a", "-e", "b", "-m", "x", "-m", "y"], usage("Error: Only one type of message can be sent at once.\n\n")),
        (vec!["-t", "a", "-e", "b", "-f", "x", "-n"], usage("Error: Only one type of message can be sent at once.\n\n")),
        (vec!["-t", "a", "-e", "b", "-m", "x", "-F", "%Z"], usage("Error: Invalid format specifier 'Z'.\n")),
        (vec!["-t", "a", "-e", "b", "-m", "x", "-W", "0"], usage("Error: Invalid timeout \"0\".\n\n")),
        (vec!["-t", "a", "-e", "b", "-m", "x", "-W", "-5"], usage("Error: Invalid timeout \"-5\".\n\n")),
        (vec!["-t", "a", "-e", "b", "-m", "x", "-W", "abc"], usage("Error: Invalid timeout \"0\".\n\n")),
        (vec!["-q", "3"], usage("Error: Invalid QoS given: 3\n")),
        // MQTT 5 is the default: -c alone asks for a session that never expires.
        (vec!["-c", "-t", "a", "-e", "b", "-m", "x"], usage("Error: You must provide a client id if you are using an infinite session expiry interval.\n")),
        (vec!["-c", "-V", "311", "-t", "a", "-e", "b", "-m", "x"], usage("Error: You must provide a client id if you are using the -c option.\n")),
        // After the "all of" check: the second response topic, then the client set-up.
        (vec!["-t", "a", "-e", "b", "-m", "x", "-D", "publish", "response-topic", "c"], runtime("Error in PUBLISH properties: Duplicate response topic.\n")),
        (vec!["--quiet", "-t", "a", "-e", "b", "-m", "x", "-D", "publish", "response-topic", "c"], SILENT),
        (vec!["-i", "", "-t", "a", "-e", "b", "-m", "x"], runtime("Error: Invalid id and/or clean_session.\n")),
        (vec!["-c", "-x", "10", "-t", "a", "-e", "b", "-m", "x"], runtime("Error: Invalid id and/or clean_session.\n")),
        (vec!["-P", "pw", "-V", "311", "-t", "a", "-e", "b", "-m", "x"], runtime("Error: Problem setting username and/or password.\n")),
        (vec!["-L", "mqtt://localhost:70000/top", "-e", "b", "-m", "x"], runtime("Unable to connect (Invalid function arguments provided.).\n")),
        (vec!["-t", "a", "-e", "b", "-m", "x", "-D", "will", "user-property", "k", "v", "-V", "311", "--will-topic", "w"], runtime("Error: Problem setting will.\n")),
        (vec!["-t", "a", "-e", "b", "-m", "x", "-D", "connect", "user-property", "k", "v", "-V", "311"], runtime("Unable to connect (This feature is not supported.).\n")),
    ]
}

#[test]
fn rr_errors_have_mosquitto_rrs_texts_and_order() {
    for (args, expected) in rr_error_cases() {
        assert_eq!(run(Rr, &os(&args)), Err(expected), "mosquitto_rr {args:?}");
    }
}

#[test]
fn rr_malformed_utf8_response_topic() {
    assert_eq!(
        run(Rr, &os_bytes(&[b"-t", b"a", b"-e", b"a\xff", b"-m", b"x"])),
        Err(usage("Error: Malformed UTF-8 in -e argument.\n\n"))
    );
    assert_eq!(
        run(
            Rr,
            &os_bytes(&[b"-i", b"a\xff", b"-t", b"a", b"-e", b"b", b"-m", b"x"])
        ),
        Err(SILENT)
    );
}

#[test]
fn rr_help_and_version_stop_the_reading() {
    assert_eq!(run(Rr, &os(&["--help"])), Ok(Parsed::Help));
    assert_eq!(run(Rr, &os(&["-t", "a", "--version"])), Ok(Parsed::Version));
    assert_eq!(
        run(Rr, &os(&["-q", "3", "--help"])),
        Err(usage("Error: Invalid QoS given: 3\n"))
    );
}

/// The MQTT 5 defaults: mosquitto_rr's message count of 1 is its receive maximum.
fn v5_common() -> CommonConfig {
    CommonConfig {
        version: Version::V5,
        connect_properties: Properties::new().with(Property::ReceiveMaximum(1)),
        ..default_common()
    }
}

fn rr_defaults() -> RrConfig {
    RrConfig {
        common: v5_common(),
        topic: "req".into(),
        response_topic: "resp".into(),
        source: MessageSource::Message(b"q".to_vec()),
        verbose: false,
        no_eol: false,
        format: None,
        pretty: false,
        timeout: None,
        no_retain: false,
        retain_as_published: false,
        retain_handling: RetainHandling::SendAtSubscribe,
        latency: false,
        publish_properties: Properties::new(),
        subscribe_properties: Properties::new(),
    }
}

#[test]
fn rr_defaults_to_mqtt_5() {
    let config = parse_rr("rrr", &os(&["-t", "req", "-e", "resp", "-m", "q"]));
    assert_eq!(config, Ok(rr_defaults()));
}

#[test]
fn accepted_rr_command_lines() {
    let base = ["-t", "req", "-e", "resp", "-m", "q"];
    let cases: Vec<(Vec<&str>, RrConfig)> = vec![
        (
            vec!["-V", "311"],
            RrConfig {
                common: default_common(),
                ..rr_defaults()
            },
        ),
        (
            vec!["-q", "2"],
            RrConfig {
                common: CommonConfig {
                    qos: QoS::ExactlyOnce,
                    ..v5_common()
                },
                ..rr_defaults()
            },
        ),
        (
            vec![
                "-v",
                "-N",
                "--pretty",
                "-W",
                "3",
                "-R",
                "--retain-as-published",
            ],
            RrConfig {
                verbose: true,
                no_eol: true,
                pretty: true,
                timeout: Some(3),
                no_retain: true,
                retain_handling: RetainHandling::DoNotSend,
                retain_as_published: true,
                ..rr_defaults()
            },
        ),
        (
            // --latency turns Nagle's algorithm off, as in mosquitto_rr 2.1.
            vec!["--latency"],
            RrConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        nodelay: true,
                        ..default_connect()
                    },
                    ..v5_common()
                },
                latency: true,
                ..rr_defaults()
            },
        ),
        (
            // The last -t and -e win; -L sets the request topic.
            vec![
                "-t",
                "other",
                "-e",
                "elsewhere",
                "-L",
                "mqtt://localhost/req",
                "-e",
                "resp",
            ],
            rr_defaults(),
        ),
        (
            vec![
                "-D",
                "publish",
                "correlation-data",
                "id-1",
                "-D",
                "subscribe",
                "user-property",
                "k",
                "v",
            ],
            RrConfig {
                publish_properties: Properties::new()
                    .with(Property::CorrelationData(b"id-1".to_vec())),
                subscribe_properties: Properties::new()
                    .with(Property::UserProperty("k".into(), "v".into())),
                ..rr_defaults()
            },
        ),
    ];
    for (extra, expected) in cases {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        assert_eq!(parse_rr("rrr", &os(&args)), Ok(expected), "rrr {args:?}");
    }
    let null = parse_rr("rrr", &os(&["-t", "req", "-e", "resp", "-n"]));
    assert_eq!(null.map(|config| config.source), Ok(MessageSource::Null));
}

/// `-f`/`-s` are read after the arguments were accepted and before the "all of" check, as
/// mosquitto_rr 2.1 reads them (2.0.11 sends an empty request instead).
#[test]
fn rr_reads_its_input_before_the_all_of_check() {
    let loaded = crate::cli::parse_rr_with(
        "rrr",
        &[],
        &os(&["-t", "req", "-e", "resp", "-f", "request.json"]),
        |source| {
            assert_eq!(source, &MessageSource::File(PathBuf::from("request.json")));
            Ok(Some(b"{}".to_vec()))
        },
    );
    assert_eq!(
        loaded.map(|parsed| match parsed {
            Parsed::Run(config) => config.source,
            other => panic!("{other:?}"),
        }),
        Ok(MessageSource::Message(b"{}".to_vec()))
    );
    let failed = crate::cli::parse_rr_with("rrr", &[], &os(&["-s"]), |_| {
        Err(runtime(
            "Error: Zero length input.\nError loading input from stdin.\n",
        ))
    });
    assert_eq!(
        failed,
        Err(runtime(
            "Error: Zero length input.\nError loading input from stdin.\n"
        ))
    );
}
