//! Argument parsing without spawning processes: argument lists → config or the exact failure.
//! Expected texts were checked against mosquitto_pub/mosquitto_sub 2.0.11.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::Duration;

use super::config::{ClientIdChoice, CommonConfig, Endpoint, MessageSource, PubConfig, SubConfig};
use super::ctext::{atof, atoi, valid_publish_topic, valid_subscription_topic, valid_utf8};
use super::help::{tool_version_line, usage_text};
use super::{parse_pub, parse_sub};
use crate::exit::Failure;
use crate::net::ConnectSpec;
use crate::proto::codec::{QoS, Version, Will};
use crate::tool::Tool;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn os_bytes(args: &[&[u8]]) -> Vec<OsString> {
    args.iter()
        .map(|a| OsString::from_vec(a.to_vec()))
        .collect()
}

fn run(tool: Tool, args: &[OsString]) -> Result<(), Failure> {
    match tool {
        Tool::Pub => parse_pub("mosquitto_pub", args).map(drop),
        Tool::Sub => parse_sub("mosquitto_sub", args).map(drop),
    }
}

fn usage(text: &str) -> Failure {
    Failure::Usage {
        text: text.to_string(),
    }
}

fn runtime(text: &str) -> Failure {
    Failure::Runtime {
        text: text.to_string(),
        code: 1,
    }
}

const SILENT: Failure = Failure::Silent { code: 1 };

use Tool::{Pub, Sub};

/// (tool, arguments, expected failure).
#[rustfmt::skip]
fn error_cases() -> Vec<(Tool, Vec<&'static str>, Failure)> {
    let both_needed = Failure::UsageWithHelp {
        text: "Error: Both topic and message must be supplied.\n".into(),
    };
    vec![
        // Shape of the command line.
        (Pub, vec![], both_needed.clone()),
        (Pub, vec!["-t", "a"], both_needed.clone()),
        (Pub, vec!["-m", "a"], both_needed.clone()),
        (Sub, vec![], usage("Error: You must specify a topic to subscribe to.\n")),
        (Sub, vec!["-q", "1"], usage("Error: You must specify a topic to subscribe to.\n")),
        (Sub, vec!["-dv", "-t", "x"], usage("Error: Unknown option '-dv'.\n")),
        (Pub, vec!["--port=1883", "-t", "x", "-m", "y"], usage("Error: Unknown option '--port=1883'.\n")),
        (Pub, vec!["-t", "x", "-m", "y", "extra"], usage("Error: Unknown option 'extra'.\n")),
        (Pub, vec!["--", "-t", "x"], usage("Error: Unknown option '--'.\n")),
        (Pub, vec![""], usage("Error: Unknown option ''.\n")),
        (Pub, vec!["-S"], usage("Error: Unknown option '-S'.\n")),
        (Pub, vec!["-e", "x"], usage("Error: Unknown option '-e'.\n")),
        // Options of the other tool.
        (Pub, vec!["-t", "x", "-m", "y", "-v"], usage("Error: Unknown option '-v'.\n")),
        (Pub, vec!["-C", "1"], usage("Error: Unknown option '-C'.\n")),
        (Pub, vec!["-W", "1"], usage("Error: Unknown option '-W'.\n")),
        (Pub, vec!["-E"], usage("Error: Unknown option '-E'.\n")),
        (Pub, vec!["-N"], usage("Error: Unknown option '-N'.\n")),
        (Pub, vec!["-F", "%t"], usage("Error: Unknown option '-F'.\n")),
        (Pub, vec!["-U", "x"], usage("Error: Unknown option '-U'.\n")),
        (Pub, vec!["--retain-as-published"], usage("Error: Unknown option '--retain-as-published'.\n")),
        (Sub, vec!["-m", "x"], usage("Error: Unknown option '-m'.\n")),
        (Sub, vec!["-f", "x"], usage("Error: Unknown option '-f'.\n")),
        (Sub, vec!["-l"], usage("Error: Unknown option '-l'.\n")),
        (Sub, vec!["-n"], usage("Error: Unknown option '-n'.\n")),
        (Sub, vec!["-s"], usage("Error: Unknown option '-s'.\n")),
        (Sub, vec!["-r"], usage("Error: Unknown option '-r'.\n")),
        (Sub, vec!["--repeat", "2"], usage("Error: Unknown option '--repeat'.\n")),
        (Sub, vec!["--repeat-delay", "2"], usage("Error: Unknown option '--repeat-delay'.\n")),
        // Missing values (long forms name the short one, as mosquitto does).
        (Pub, vec!["-A"], usage("Error: -A argument given but no address specified.\n\n")),
        (Sub, vec!["-C"], usage("Error: -C argument given but no count specified.\n\n")),
        (Pub, vec!["-f"], usage("Error: -f argument given but no file specified.\n\n")),
        (Pub, vec!["--file"], usage("Error: -f argument given but no file specified.\n\n")),
        (Pub, vec!["-h"], usage("Error: -h argument given but no host specified.\n\n")),
        (Pub, vec!["--quiet", "--host"], usage("Error: -h argument given but no host specified.\n\n")),
        (Pub, vec!["-i"], usage("Error: -i argument given but no id specified.\n\n")),
        (Pub, vec!["--id"], usage("Error: -i argument given but no id specified.\n\n")),
        (Pub, vec!["-I"], usage("Error: -I argument given but no id prefix specified.\n\n")),
        (Pub, vec!["-k"], usage("Error: -k argument given but no keepalive specified.\n\n")),
        (Pub, vec!["-L"], usage("Error: -L argument given but no URL specified.\n\n")),
        (Pub, vec!["--url"], usage("Error: -L argument given but no URL specified.\n\n")),
        (Pub, vec!["-m"], usage("Error: -m argument given but no message specified.\n\n")),
        (Pub, vec!["-M"], usage("Error: -M argument given but max_inflight not specified.\n\n")),
        (Pub, vec!["-t", "a", "-m", "x", "-p"], usage("Error: -p argument given but no port specified.\n\n")),
        (Pub, vec!["--port"], usage("Error: -p argument given but no port specified.\n\n")),
        (Pub, vec!["-P"], usage("Error: -P argument given but no password specified.\n\n")),
        (Pub, vec!["-q"], usage("Error: -q argument given but no QoS specified.\n\n")),
        (Pub, vec!["--repeat"], usage("Error: --repeat argument given but no count specified.\n\n")),
        (Pub, vec!["--repeat-delay"], usage("Error: --repeat-delay argument given but no time specified.\n\n")),
        (Pub, vec!["-m", "x", "-t"], usage("Error: -t argument given but no topic specified.\n\n")),
        (Sub, vec!["--topic"], usage("Error: -t argument given but no topic specified.\n\n")),
        (Pub, vec!["-u"], usage("Error: -u argument given but no username specified.\n\n")),
        (Pub, vec!["--unix"], usage("Error: --unix argument given but no socket path specified.\n\n")),
        (Pub, vec!["-V"], usage("Error: --protocol-version argument given but no version specified.\n\n")),
        (Sub, vec!["-W"], usage("Error: -W argument given but no timeout specified.\n\n")),
        (Pub, vec!["--will-payload"], usage("Error: --will-payload argument given but no will payload specified.\n\n")),
        (Pub, vec!["--will-qos"], usage("Error: --will-qos argument given but no will QoS specified.\n\n")),
        (Pub, vec!["--will-topic"], usage("Error: --will-topic argument given but no will topic specified.\n\n")),
        // Number checks while reading.
        (Pub, vec!["-p", "70000"], usage("Error: Invalid port given: 70000\n")),
        (Pub, vec!["-p", "-5"], usage("Error: Invalid port given: -5\n")),
        (Pub, vec!["-p", "99999999999999999999"], usage("Error: Invalid port given: -1\n")),
        (Sub, vec!["-t", "x", "-k", "4"], usage("Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n")),
        (Pub, vec!["-k", "0"], usage("Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n")),
        (Pub, vec!["-k", "65536"], usage("Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n")),
        (Pub, vec!["-q", "3"], usage("Error: Invalid QoS given: 3\n")),
        (Sub, vec!["-q", "-1"], usage("Error: Invalid QoS given: -1\n")),
        (Pub, vec!["-M", "0"], usage("Error: Maximum inflight messages must be greater than 0.\n\n")),
        (Sub, vec!["-M", "-5"], usage("Error: Maximum inflight messages must be greater than 0.\n\n")),
        (Pub, vec!["--repeat", "0"], usage("Error: --repeat argument must be >0.\n\n")),
        (Pub, vec!["--repeat-delay", "-1"], usage("Error: --repeat-delay argument must be >=0.0.\n\n")),
        (Pub, vec!["--repeat-delay", "-1e-40"], usage("Error: --repeat-delay argument must be >=0.0.\n\n")),
        (Pub, vec!["--repeat-delay", "-inf"], usage("Error: --repeat-delay argument must be >=0.0.\n\n")),
        (Sub, vec!["-C", "0"], usage("Error: Invalid message count \"0\".\n\n")),
        (Sub, vec!["-C", "-1"], usage("Error: Invalid message count \"-1\".\n\n")),
        (Sub, vec!["-W", "0"], usage("Error: Invalid timeout \"0\".\n\n")),
        (Sub, vec!["-W", "-5"], usage("Error: Invalid timeout \"-5\".\n\n")),
        (Pub, vec!["--will-qos", "3"], usage("Error: Invalid will QoS 3.\n\n")),
        (Pub, vec!["--will-topic", "w", "--will-qos", "-1"], usage("Error: Invalid will QoS -1.\n\n")),
        (Pub, vec!["-V", "mqttv4"], usage("Error: Invalid protocol version argument given.\n\n")),
        (Pub, vec!["-V", "31", "-V", "4"], usage("Error: Invalid protocol version argument given.\n\n")),
        // Topics.
        (Pub, vec!["-t", "a/#", "-m", "x"], usage("Error: Invalid publish topic 'a/#', does it contain '+' or '#'?\n")),
        (Pub, vec!["--quiet", "-t", "a/+/b", "-m", "x"], usage("Error: Invalid publish topic 'a/+/b', does it contain '+' or '#'?\n")),
        (Sub, vec!["-t", "a/#/b"], usage("Error: Invalid subscription topic 'a/#/b', are all '+' and '#' wildcards correct?\n")),
        (Sub, vec!["-t", "ok", "-t", "a/b+"], usage("Error: Invalid subscription topic 'a/b+', are all '+' and '#' wildcards correct?\n")),
        (Pub, vec!["-t", "a\tb"], usage("Error: Malformed UTF-8 in -t argument.\n\n")),
        (Sub, vec!["-t", "a\u{7f}"], usage("Error: Malformed UTF-8 in -t argument.\n\n")),
        (Pub, vec!["--will-topic", "w/#"], usage("Error: Invalid will topic 'w/#', does it contain '+' or '#'?\n")),
        (Pub, vec!["--will-topic", "w\u{1}"], usage("Error: Malformed UTF-8 in --will-topic argument.\n\n")),
        // Conflicts.
        (Pub, vec!["-i", "a", "-I", "b"], usage("Error: -i and -I argument cannot be used together.\n\n")),
        (Sub, vec!["-I", "b", "-i", "a"], usage("Error: -i and -I argument cannot be used together.\n\n")),
        (Pub, vec!["-I", "b", "-i"], usage("Error: -i and -I argument cannot be used together.\n\n")),
        (Pub, vec!["-m", "a", "-m", "b"], usage("Error: Only one type of message can be sent at once.\n\n")),
        (Pub, vec!["-m", "a", "-f"], usage("Error: Only one type of message can be sent at once.\n\n")),
        (Pub, vec!["-n", "-l"], usage("Error: Only one type of message can be sent at once.\n\n")),
        (Pub, vec!["-s", "-n"], usage("Error: Only one type of message can be sent at once.\n\n")),
        (Pub, vec!["-l", "-s"], usage("Error: Only one type of message can be sent at once.\n\n")),
        // -L.
        (Pub, vec!["-L", "http://h/t", "-m", "x"], usage("Error: unsupported URL scheme.\n\n")),
        (Pub, vec!["-L", "mqtt://h:1", "-m", "x"], usage("Error: Invalid URL for -L argument specified - topic missing.\n")),
        (Pub, vec!["-L", "mqtt://h/a/#"], usage("Error: Invalid publish topic 'a/#', does it contain '+' or '#'?\n")),
        (Sub, vec!["-L", "mqtt://h/a/#/b"], usage("Error: Invalid subscription topic 'a/#/b', are all '+' and '#' wildcards correct?\n")),
        (Pub, vec!["-L", "mqtt://h/a\tb"], usage("Error: Malformed UTF-8 in -L topic argument.\n\n")),
        // Checks after reading, in mosquitto's order.
        (Pub, vec!["-t", "a", "-m", "b", "--will-payload", "x"], usage("Error: Will payload given, but no will topic given.\n")),
        (Pub, vec!["--will-retain", "-t", "a", "-m", "b"], usage("Error: Will retain given, but no will topic given.\n")),
        (Pub, vec!["-c", "--will-payload", "x", "--will-retain"], usage("Error: Will payload given, but no will topic given.\n")),
        (Pub, vec!["-c", "--will-retain"], usage("Error: Will retain given, but no will topic given.\n")),
        (Pub, vec!["-c"], usage("Error: You must provide a client id if you are using the -c option.\n")),
        (Sub, vec!["-c", "-I", "p", "-t", "a"], usage("Error: You must provide a client id if you are using the -c option.\n")),
        (Sub, vec!["-c"], usage("Error: You must provide a client id if you are using the -c option.\n")),
        (Pub, vec!["-P", "x", "-i", ""], both_needed.clone()),
        // Client setup (runtime errors, hidden by --quiet).
        (Pub, vec!["-i", "", "-t", "a", "-m", "b"], runtime("Error: Invalid id.\n")),
        (Pub, vec!["-i", "", "-t", "a", "-m", "b", "-P", "x"], runtime("Error: Invalid id.\n")),
        (Pub, vec!["--quiet", "-i", "", "-t", "a", "-m", "b"], SILENT),
        (Sub, vec!["-i", "", "-t", "a"], runtime("Error: Invalid id and/or clean_session.\n")),
        (Sub, vec!["-i", "", "-t", "a", "--quiet"], SILENT),
        (Pub, vec!["-i", "a\tb", "-t", "a", "-m", "b"], SILENT),
        (Pub, vec!["-I", "p\u{1}", "-t", "a", "-m", "b"], SILENT),
        (Pub, vec!["-P", "x", "-t", "a", "-m", "b"], runtime("Error: Problem setting username and/or password.\n")),
        (Pub, vec!["-P", "x", "-t", "a", "-m", "b", "--quiet"], SILENT),
        (Sub, vec!["-u", "a\tb", "-t", "a"], runtime("Error: Problem setting username and/or password.\n")),
        (Pub, vec!["-L", "mqtt://127.0.0.1:70000/a", "-m", "b"], runtime("Unable to connect (Invalid function arguments provided.).\n")),
        (Pub, vec!["-L", "mqtt://127.0.0.1:-5/a", "-m", "b", "-P", "x"], runtime("Error: Problem setting username and/or password.\n")),
        // --help / --version: earlier errors win, later ones are never seen.
        (Pub, vec!["--help"], Failure::Help),
        (Sub, vec!["-t", "a", "--help", "-q", "9"], Failure::Help),
        (Pub, vec!["-q", "9", "--help"], usage("Error: Invalid QoS given: 9\n")),
        (Pub, vec!["--version", "-q", "9"], Failure::Version),
        (Sub, vec!["-q", "9", "--version"], usage("Error: Invalid QoS given: 9\n")),
        // MQTT 5: -D, -x, -c (checked against mosquitto in tests/cli_errors.rs too).
        (Pub, vec!["-t", "x", "-m", "y", "-D"], usage("Error: --property argument given but not enough arguments specified.\n\n")),
        (Sub, vec!["-t", "x", "--property", "connect", "user-property", "k"], usage("Error: --property argument given but not enough arguments specified.\n\n")),
        (Sub, vec!["-t", "x", "-D", "pingreq", "user-property", "k", "v"], usage("Error: Invalid command given in --property argument.\n\n")),
        (Sub, vec!["-t", "x", "-D", "connect", "no-such-property", "1"], usage("Error: Invalid property name given in --property argument.\n\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "Publish", "Receive-Maximum", "1"], usage("Error: Receive-Maximum property not allowed for Publish in --property argument.\n\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "auth", "user-property", "k", "v"], usage("Error: user-property property not supported for auth in --property argument.\n\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "connack", "maximum-qos", "1"], usage("")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "publish", "topic-alias", "-1"], usage("Error: Property value (-1) out of range for property topic-alias.\n\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "publish", "topic-alias", "0"], usage("Error in PUBLISH properties: A network protocol error occurred when communicating with the broker.\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "publish", "topic-alias", "0", "--quiet"], usage("")),
        (Sub, vec!["-t", "x", "-D", "will", "content-type", "a", "-D", "will", "content-type", "b"], usage("Error in Will properties: Duplicate property in property list\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-x", "6", "-D", "connect", "session-expiry-interval", "5"], usage("Error in CONNECT properties: Duplicate property in property list\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-x"], usage("Error: -x argument given but no session expiry interval specified.\n\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-x", "1e3"], usage("Error: session-expiry-interval not a number.\n\n")),
        (Sub, vec!["-t", "x", "-x", "4294967296"], usage("Error: session-expiry-interval out of range.\n\n")),
        (Sub, vec!["-q", "5", "-x", "1"], usage("Error: Invalid QoS given: 5\n")),
        (Sub, vec!["-t", "x", "-V", "5", "-x", "-1"], usage("Error: You must provide a client id if you are using an infinite session expiry interval.\n")),
        (Sub, vec!["-t", "x", "-V", "mqttv5", "-c", "-I", "p"], usage("Error: You must provide a client id if you are using an infinite session expiry interval.\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "connect", "user-property", "a", "b", "-V", "311", "-c"], usage("Error: You must provide a client id if you are using the -c option.\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-V", "5", "-c", "-x", "10"], runtime("Error: Invalid id.\n")),
        (Sub, vec!["-t", "x", "-V", "5", "-c", "-x", "0"], runtime("Error: Invalid id and/or clean_session.\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "will", "user-property", "a", "b", "-V", "311", "--will-topic", "w"], runtime("Error: Problem setting will.\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "connect", "user-property", "a", "b", "-V", "311"], runtime("Unable to connect (This feature is not supported.).\n")),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "connect", "user-property", "a", "b", "-V", "311", "--quiet"], SILENT),
        (Pub, vec!["-t", "x", "-m", "y", "-D", "connect", "user-property", "a", "b", "-V", "311", "-P", "pw"], runtime("Error: Problem setting username and/or password.\n")),
    ]
}

#[test]
fn every_error_case_gives_the_exact_failure() {
    let mut problems = Vec::new();
    for (tool, args, expected) in error_cases() {
        let got = run(tool, &os(&args));
        if got != Err(expected.clone()) {
            problems.push(format!(
                "{tool:?} {args:?}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn byte_arguments_are_handled_without_utf8() {
    let cases: Vec<(Tool, Vec<&[u8]>, Failure)> = vec![
        (
            Pub,
            vec![b"-t", b"bad\xff\xfetopic", b"-m", b"x"],
            usage("Error: Malformed UTF-8 in -t argument.\n\n"),
        ),
        (
            Sub,
            vec![b"-t", b"\xed\xa0\x80"],
            usage("Error: Malformed UTF-8 in -t argument.\n\n"),
        ),
        (
            Pub,
            vec![b"--will-topic", b"\xc0\x80"],
            usage("Error: Malformed UTF-8 in --will-topic argument.\n\n"),
        ),
        (Sub, vec![b"-i", b"id\xff", b"-t", b"x/t"], SILENT),
        (
            Pub,
            vec![b"-u", b"\xff", b"-t", b"a", b"-m", b"b"],
            runtime("Error: Problem setting username and/or password.\n"),
        ),
        (
            Pub,
            vec![b"-L", b"mqtt://\xff@h/a", b"-m", b"b"],
            runtime("Error: Problem setting username and/or password.\n"),
        ),
        (
            Pub,
            vec![b"\xff"],
            usage("Error: Unknown option '\u{fffd}'.\n"),
        ),
    ];
    for (tool, args, expected) in cases {
        assert_eq!(
            run(tool, &os_bytes(&args)),
            Err(expected),
            "{tool:?} {args:?}"
        );
    }
    // Raw bytes pass through where mosquitto does not check them.
    let config = parse_pub(
        "rpub",
        &os_bytes(&[
            b"-t",
            b"t",
            b"-m",
            b"\xff\x00x",
            b"-u",
            b"u",
            b"-P",
            b"\xfe",
            b"-f",
            b"\xff",
        ]),
    );
    assert_eq!(
        config,
        Err(usage(
            "Error: Only one type of message can be sent at once.\n\n"
        ))
    );
    let config = parse_pub(
        "rpub",
        &os_bytes(&[
            b"-t",
            b"t",
            b"-m",
            b"\xff\x00x",
            b"-u",
            b"u",
            b"-P",
            b"\xfe",
            b"-p",
            b"0",
            b"-h",
            b"/tmp/s\xff",
        ]),
    )
    .expect("valid");
    assert_eq!(config.source, MessageSource::Message(b"\xff\x00x".to_vec()));
    assert_eq!(config.common.password, Some(b"\xfe".to_vec()));
    assert_eq!(
        config.common.connect.endpoint,
        Endpoint::Unix {
            path: PathBuf::from(OsString::from_vec(b"/tmp/s\xff".to_vec()))
        }
    );
}

#[test]
fn long_strings_follow_libmosquitto_limits() {
    let topic_65535 = "a".repeat(65535);
    let topic_65536 = "a".repeat(65536);
    let topic_65537 = "a".repeat(65537);
    assert!(parse_pub("p", &os(&["-t", &topic_65535, "-m", "x"])).is_ok());
    assert_eq!(
        parse_pub("p", &os(&["-t", &topic_65536, "-m", "x"])),
        Err(usage(&format!(
            "Error: Invalid publish topic '{topic_65536}', does it contain '+' or '#'?\n"
        )))
    );
    assert_eq!(
        parse_sub("p", &os(&["-t", &topic_65537])),
        Err(usage("Error: Malformed UTF-8 in -t argument.\n\n"))
    );
    assert!(parse_pub("p", &os(&["-i", &topic_65536, "-t", "a", "-m", "x"])).is_ok());
    assert_eq!(
        parse_pub("p", &os(&["-i", &topic_65537, "-t", "a", "-m", "x"])),
        Err(SILENT)
    );
    assert!(parse_pub("p", &os(&["-u", &topic_65535, "-t", "a", "-m", "x"])).is_ok());
    assert_eq!(
        parse_pub("p", &os(&["-u", &topic_65536, "-t", "a", "-m", "x"])),
        Err(runtime(
            "Error: Problem setting username and/or password.\n"
        ))
    );
    assert!(
        parse_pub(
            "p",
            &os(&["-u", "u", "-P", &topic_65537, "-t", "a", "-m", "x"])
        )
        .is_ok()
    );
}

fn default_connect() -> ConnectSpec {
    default_common().connect
}

fn default_common() -> CommonConfig {
    CommonConfig {
        connect: ConnectSpec {
            endpoint: Endpoint::Tcp {
                host: "localhost".into(),
                port: 1883,
            },
            bind_address: None,
            nodelay: false,
            tls: None,
            proxy: None,
        },
        version: Version::V311,
        client_id: ClientIdChoice::Default,
        keep_alive: 60,
        clean_session: true,
        username: None,
        password: None,
        will: None,
        debug: false,
        quiet: false,
        qos: QoS::AtMostOnce,
        max_inflight: 20,
        connect_properties: Default::default(),
        disconnect_properties: Default::default(),
        session_expiry: None,
    }
}

fn default_pub(topic: &str, source: MessageSource) -> PubConfig {
    PubConfig {
        common: default_common(),
        topic: topic.into(),
        source,
        retain: false,
        repeat: 1,
        repeat_delay: Duration::ZERO,
        publish_properties: Default::default(),
    }
}

fn default_sub(topics: &[&str]) -> SubConfig {
    SubConfig {
        common: default_common(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        verbose: false,
        no_eol: false,
        count: None,
        timeout: None,
        exit_after_subscribe: false,
        format: None,
        pretty: false,
        no_retain: false,
        retained_only: false,
        remove_retained: false,
        filter_outs: Vec::new(),
        unsubscribe: Vec::new(),
        random_filter: None,
        retain_as_published: false,
        subscribe_properties: Default::default(),
        unsubscribe_properties: Default::default(),
    }
}

fn msg(text: &str) -> MessageSource {
    MessageSource::Message(text.as_bytes().to_vec())
}

#[test]
fn accepted_pub_command_lines() {
    let tcp = |host: &str, port| Endpoint::Tcp {
        host: host.into(),
        port,
    };
    let cases: Vec<(Vec<&str>, PubConfig)> = vec![
        (vec!["-t", "a", "-m", "b"], default_pub("a", msg("b"))),
        // A value is the next argument whatever it looks like.
        (vec!["-t", "a", "-m", "-d"], default_pub("a", msg("-d"))),
        (vec!["-m", "", "-t", ""], default_pub("", msg(""))),
        (
            vec!["-t", "first", "-t", "second", "-n"],
            default_pub("second", MessageSource::Null),
        ),
        (
            vec!["-t", "a", "-f", "/etc/hostname"],
            default_pub("a", MessageSource::File("/etc/hostname".into())),
        ),
        (
            vec!["--topic", "a", "--stdin-file"],
            default_pub("a", MessageSource::StdinWhole),
        ),
        (
            vec!["-t", "a", "--stdin-line"],
            default_pub("a", MessageSource::StdinLines),
        ),
        (
            vec![
                "-t",
                "a",
                "--null-message",
                "-r",
                "--repeat",
                "3",
                "--repeat-delay",
                "0.25",
            ],
            PubConfig {
                retain: true,
                repeat: 3,
                repeat_delay: Duration::from_millis(250),
                ..default_pub("a", MessageSource::Null)
            },
        ),
        (
            vec!["-t", "a", "-n", "--repeat-delay", "-1e-46"],
            default_pub("a", MessageSource::Null),
        ),
        (
            vec!["-t", "a", "-n", "--repeat-delay", "nan"],
            default_pub("a", MessageSource::Null),
        ),
        (
            vec!["-t", "a", "-n", "--repeat-delay", "3000"],
            default_pub("a", MessageSource::Null),
        ),
        (
            vec!["-t", "a", "-n", "--repeat-delay", "0x1p-2"],
            PubConfig {
                repeat_delay: Duration::from_millis(250),
                ..default_pub("a", MessageSource::Null)
            },
        ),
        // atoi: trailing garbage ignored, no digits gives 0.
        (
            vec![
                "-h",
                "127.0.0.1",
                "-p",
                "18831abc",
                "-q",
                "1x",
                "-t",
                "t",
                "-m",
                "y",
            ],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: tcp("127.0.0.1", 18831),
                        ..default_connect()
                    },
                    qos: QoS::AtLeastOnce,
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (
            vec!["-q", "x", "-t", "t", "-m", "y"],
            default_pub("t", msg("y")),
        ),
        (
            vec!["-q", "4294967298", "-t", "t", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    qos: QoS::ExactlyOnce,
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        // Port 0 (also from atoi of text) means a unix socket named by the host, resolved at the end.
        (
            vec!["-p", "abc", "-t", "t", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: Endpoint::Unix {
                            path: "localhost".into(),
                        },
                        ..default_connect()
                    },
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (
            vec!["-p", "0", "-t", "t", "-m", "y", "-h", "/run/m.sock"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: Endpoint::Unix {
                            path: "/run/m.sock".into(),
                        },
                        ..default_connect()
                    },
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (
            vec!["--unix", "/run/m.sock", "-t", "t", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: Endpoint::Unix {
                            path: "/run/m.sock".into(),
                        },
                        ..default_connect()
                    },
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (
            vec!["--unix", "/run/m.sock", "-p", "1884", "-t", "t", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: tcp("/run/m.sock", 1884),
                        ..default_connect()
                    },
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (
            vec!["-p", "4294967296", "-t", "t", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: Endpoint::Unix {
                            path: "localhost".into(),
                        },
                        ..default_connect()
                    },
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        // -L: user, password, host, port, topic; the port defaults to 1883 and a later -p wins.
        (
            vec!["-p", "1999", "-L", "MQTT://u:p:w@host/a/b", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: tcp("host", 1883),
                        ..default_connect()
                    },
                    username: Some("u".into()),
                    password: Some(b"p:w".to_vec()),
                    ..default_common()
                },
                ..default_pub("a/b", msg("y"))
            },
        ),
        (
            vec!["-L", "mqtt://h:1884/", "-p", "1885", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: tcp("h", 1885),
                        ..default_connect()
                    },
                    ..default_common()
                },
                ..default_pub("", msg("y"))
            },
        ),
        (
            vec!["-u", "me", "-L", "mqtt://:8/t", "-m", "y"],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: tcp("", 8),
                        ..default_connect()
                    },
                    username: Some("me".into()),
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        // Session, identity, will, misc.
        (
            vec![
                "-c",
                "-i",
                "me",
                "-k",
                "5",
                "-V",
                "mqttv31",
                "-u",
                "user",
                "-P",
                "pw",
                "-A",
                "127.0.0.1",
                "--nodelay",
                "-d",
                "--quiet",
                "-M",
                "65535",
                "--will-topic",
                "w",
                "--will-payload",
                "bye",
                "--will-qos",
                "2",
                "--will-retain",
                "-t",
                "t",
                "-m",
                "y",
            ],
            PubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        bind_address: Some("127.0.0.1".into()),
                        nodelay: true,
                        ..default_connect()
                    },
                    version: Version::V31,
                    client_id: ClientIdChoice::Fixed("me".into()),
                    keep_alive: 5,
                    clean_session: false,
                    username: Some("user".into()),
                    password: Some(b"pw".to_vec()),
                    will: Some(Will {
                        topic: "w".into(),
                        payload: b"bye".to_vec(),
                        qos: QoS::ExactlyOnce,
                        retain: true,
                        ..Default::default()
                    }),
                    debug: true,
                    quiet: true,
                    max_inflight: 65535,
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (
            vec![
                "-V",
                "31",
                "-V",
                "311",
                "-k",
                "65535",
                "-M",
                "65536",
                "--will-topic",
                "",
                "-t",
                "t",
                "-m",
                "y",
            ],
            PubConfig {
                common: CommonConfig {
                    keep_alive: 65535,
                    will: Some(Will {
                        topic: String::new(),
                        payload: Vec::new(),
                        qos: QoS::AtMostOnce,
                        retain: false,
                        ..Default::default()
                    }),
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (
            vec!["-I", "pre-", "-t", "t", "-m", "y", "-u", ""],
            PubConfig {
                common: CommonConfig {
                    client_id: ClientIdChoice::Prefix("pre-".into()),
                    username: Some(String::new()),
                    ..default_common()
                },
                ..default_pub("t", msg("y"))
            },
        ),
        (vec!["-t", "é/ü", "-m", "y"], default_pub("é/ü", msg("y"))),
    ];
    for (args, expected) in cases {
        assert_eq!(parse_pub("rpub", &os(&args)), Ok(expected), "{args:?}");
    }
}

/// rsub's output and filter options that mosquitto_sub refuses, with its exact texts (checked
/// against mosquitto_sub 2.0.11; `tests/cli_errors.rs` runs the same kind of cases against it).
#[rustfmt::skip]
fn sub_output_error_cases() -> Vec<(Vec<&'static [u8]>, Failure)> {
    let range = || usage("Error: --random-filter chance must be between 0.1-100.0\n\n");
    let combined = Failure::UsageRaw {
        text: "\nError: Combining '-R' and '--retained-only' makes no sense.\n".into(),
    };
    let needs_topic = || usage("Error: You must specify a topic to subscribe to.\n");
    vec![
        // -F: validated while reading the arguments, one newline before the `Use` line.
        (vec![b"-t", b"x", b"-F"], usage("Error: -F argument given but no format specified.\n\n")),
        (vec![b"-t", b"x", b"-F", b"bad %"], usage("Error: Incomplete format specifier.\n")),
        (vec![b"-t", b"x", b"-F", b"%-"], usage("Error: Incomplete format specifier.\n")),
        (vec![b"-t", b"x", b"-F", b"%10.5"], usage("Error: Incomplete format specifier.\n")),
        (vec![b"-t", b"x", b"-F", b"time @"], usage("Error: Incomplete format specifier.\n")),
        (vec![b"-t", b"x", b"-F", b"bad %k"], usage("Error: Invalid format specifier 'k'.\n")),
        (vec![b"-t", b"x", b"-F", b"%0-5l"], usage("Error: Invalid format specifier '-'.\n")),
        (vec![b"-t", b"x", b"-F", b"bad \\"], usage("Error: Incomplete escape specifier.\n")),
        (vec![b"-t", b"x", b"-F", b"bad \\q"], usage("Error: Invalid escape specifier 'q'.\n")),
        // mosquitto writes the raw byte 0xc3 between the quotes; our texts are UTF-8.
        (vec![b"-t", b"x", b"-F", b"%\xc3\xa9"], usage("Error: Invalid format specifier '\u{fffd}'.\n")),
        // Every -F is checked, also one that a later -F replaces; the format error comes before the
        // missing topic.
        (vec![b"-t", b"x", b"-F", b"%k", b"-F", b"%t"], usage("Error: Invalid format specifier 'k'.\n")),
        (vec![b"-F", b"%k"], usage("Error: Invalid format specifier 'k'.\n")),
        (vec![b"-F", b"%t"], needs_topic()),
        // -T / --filter-out.
        (vec![b"-t", b"x", b"-T"], usage("Error: -T argument given but no topic filter specified.\n\n")),
        (vec![b"-t", b"x", b"--filter-out"], usage("Error: -T argument given but no topic filter specified.\n\n")),
        (vec![b"-t", b"x", b"-T", b"a/#/b"], usage("Error: Invalid filter topic 'a/#/b', are all '+' and '#' wildcards correct?\n")),
        (vec![b"-t", b"x", b"-T", b"ok", b"-T", b"a+"], usage("Error: Invalid filter topic 'a+', are all '+' and '#' wildcards correct?\n")),
        (vec![b"-t", b"x", b"-T", b"a\xff"], usage("Error: Malformed UTF-8 in -T argument.\n\n")),
        (vec![b"-t", b"x", b"-T", b"a\x01/#/b"], usage("Error: Malformed UTF-8 in -T argument.\n\n")),
        (vec![b"-T", b"a"], needs_topic()),
        // -U / --unsubscribe.
        (vec![b"-t", b"x", b"-U"], usage("Error: -U argument given but no unsubscribe topic specified.\n\n")),
        (vec![b"-t", b"x", b"--unsubscribe"], usage("Error: -U argument given but no unsubscribe topic specified.\n\n")),
        (vec![b"-t", b"x", b"-U", b"a+"], usage("Error: Invalid unsubscribe topic 'a+', are all '+' and '#' wildcards correct?\n")),
        (vec![b"-t", b"x", b"--unsubscribe", b"#/a"], usage("Error: Invalid unsubscribe topic '#/a', are all '+' and '#' wildcards correct?\n")),
        (vec![b"-t", b"x", b"-U", b"\xff"], usage("Error: Malformed UTF-8 in -U argument.\n\n")),
        (vec![b"-U", b"a"], needs_topic()),
        // --random-filter: 10 * atof(value), truncated, must be 1..=10000.
        (vec![b"-t", b"x", b"--random-filter"], usage("Error: --random-filter argument given but no chance specified.\n\n")),
        (vec![b"-t", b"x", b"--random-filter", b"0"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"0.09"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"1000.1"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"-1"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"abc"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"1e9"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"nan"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"inf"], range()),
        (vec![b"-t", b"x", b"--random-filter", b"50", b"--random-filter", b"0"], range()),
        // -R with --retained-only: after the shared checks, before the client set-up checks.
        (vec![b"-t", b"x", b"-R", b"--retained-only"], combined.clone()),
        (vec![b"--retained-only", b"-t", b"x", b"-R", b"-i", b""], combined.clone()),
        (vec![b"-t", b"x", b"-R", b"--retained-only", b"-P", b"pw"], combined.clone()),
        (vec![b"-R", b"--retained-only"], needs_topic()),
        (vec![b"-t", b"x", b"-R", b"--retained-only", b"-c"], usage("Error: You must provide a client id if you are using the -c option.\n")),
    ]
}

#[test]
fn sub_output_and_filter_errors_give_mosquittos_texts() {
    let mut problems = Vec::new();
    for (args, expected) in sub_output_error_cases() {
        let got = run(Sub, &os_bytes(&args));
        if got != Err(expected.clone()) {
            problems.push(format!("{args:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // These are rsub options only.
    for flag in [
        "-F",
        "--pretty",
        "-R",
        "-T",
        "--filter-out",
        "-U",
        "--unsubscribe",
        "--retained-only",
        "--remove-retained",
        "--random-filter",
    ] {
        assert_eq!(
            run(Pub, &os(&["-t", "a", "-m", "b", flag, "x"])),
            Err(usage(&format!("Error: Unknown option '{flag}'.\n"))),
            "rpub {flag}"
        );
    }
}

#[test]
fn accepted_sub_output_and_filter_options() {
    let format = |text: &[u8]| Some(crate::output::Format::parse(text).expect("valid format"));
    let cases: Vec<(Vec<&str>, SubConfig)> = vec![
        (
            vec!["-t", "a", "-F", "%t %p", "-v", "-N"],
            SubConfig {
                format: format(b"%t %p"),
                verbose: true,
                no_eol: true,
                ..default_sub(&["a"])
            },
        ),
        // The last -F wins; an empty format is a format (a newline per message).
        (
            vec!["-t", "a", "-F", "%t", "-F", "%j"],
            SubConfig {
                format: format(b"%j"),
                ..default_sub(&["a"])
            },
        ),
        (
            vec!["-F", "", "-t", "a"],
            SubConfig {
                format: format(b""),
                ..default_sub(&["a"])
            },
        ),
        (
            vec![
                "-t",
                "a",
                "--pretty",
                "-R",
                "--remove-retained",
                "-T",
                "b/#",
                "--filter-out",
                "+/c",
                "-T",
                "",
                "-U",
                "d",
                "--unsubscribe",
                "e/+",
                "-U",
                "",
            ],
            SubConfig {
                pretty: true,
                no_retain: true,
                remove_retained: true,
                filter_outs: vec!["b/#".into(), "+/c".into(), "".into()],
                unsubscribe: vec!["d".into(), "e/+".into(), "".into()],
                ..default_sub(&["a"])
            },
        ),
        (
            vec!["-t", "a", "--retained-only", "--remove-retained"],
            SubConfig {
                retained_only: true,
                remove_retained: true,
                ..default_sub(&["a"])
            },
        ),
        // --random-filter in tenths of a percent; 100 and more (up to mosquitto's 1000.09) print
        // everything.
        (
            vec!["-t", "a", "--random-filter", "50"],
            SubConfig {
                random_filter: Some(500),
                ..default_sub(&["a"])
            },
        ),
        (
            vec!["-t", "a", "--random-filter", "0.1"],
            SubConfig {
                random_filter: Some(1),
                ..default_sub(&["a"])
            },
        ),
        (
            vec!["-t", "a", "--random-filter", "0.15"],
            SubConfig {
                random_filter: Some(1),
                ..default_sub(&["a"])
            },
        ),
        (
            vec!["-t", "a", "--random-filter", " 99.99x"],
            SubConfig {
                random_filter: Some(999),
                ..default_sub(&["a"])
            },
        ),
        (
            vec!["-t", "a", "--random-filter", "100"],
            default_sub(&["a"]),
        ),
        (
            vec!["-t", "a", "--random-filter", "1000.09"],
            default_sub(&["a"]),
        ),
        (
            vec!["-t", "a", "--random-filter", "0x10"],
            SubConfig {
                random_filter: Some(160),
                ..default_sub(&["a"])
            },
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(parse_sub("rsub", &os(&args)), Ok(expected), "{args:?}");
    }
}

#[test]
fn accepted_sub_command_lines() {
    let cases: Vec<(Vec<&str>, SubConfig)> = vec![
        (vec!["-t", "a"], default_sub(&["a"])),
        (vec!["-t", ""], default_sub(&[""])),
        // -t accumulates; -L adds one more, in order.
        (
            vec![
                "-t",
                "#",
                "-t",
                "a/+/b",
                "-L",
                "mqtt://h/c/#",
                "--topic",
                "+",
            ],
            SubConfig {
                common: CommonConfig {
                    connect: ConnectSpec {
                        endpoint: Endpoint::Tcp {
                            host: "h".into(),
                            port: 1883,
                        },
                        ..default_connect()
                    },
                    ..default_common()
                },
                ..default_sub(&["#", "a/+/b", "c/#", "+"])
            },
        ),
        (
            vec![
                "-t", "a", "-v", "-N", "-C", "3", "-W", "10", "-E", "-q", "2",
            ],
            SubConfig {
                common: CommonConfig {
                    qos: QoS::ExactlyOnce,
                    ..default_common()
                },
                verbose: true,
                no_eol: true,
                count: Some(3),
                timeout: Some(10),
                exit_after_subscribe: true,
                ..default_sub(&["a"])
            },
        ),
        (
            vec!["--verbose", "-t", "a", "-M", "5", "-c", "-i", "me"],
            SubConfig {
                common: CommonConfig {
                    max_inflight: 5,
                    clean_session: false,
                    client_id: ClientIdChoice::Fixed("me".into()),
                    ..default_common()
                },
                verbose: true,
                ..default_sub(&["a"])
            },
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(parse_sub("rsub", &os(&args)), Ok(expected), "{args:?}");
    }
}

#[test]
fn argument_lists_can_be_fed_in_several_parts() {
    // What the default-options file will do: its lines first, then argv, on the same state.
    use super::parse::ArgProcessor;
    let mut processor = ArgProcessor::new(Tool::Sub, "rsub");
    processor.process(&["-t", "from/file"]).expect("line 1");
    processor.process(&["-q", "1"]).expect("line 2");
    processor
        .process(&["-q", "2", "-t", "from/argv"])
        .expect("argv");
    let config = processor.finish_sub().expect("valid");
    assert_eq!(config.topics, ["from/file", "from/argv"]);
    assert_eq!(config.common.qos, QoS::ExactlyOnce);

    let mut processor = ArgProcessor::new(Tool::Pub, "rpub");
    processor.process(&["-m", "from file"]).expect("line");
    assert_eq!(
        processor.process(&["-t", "a", "-f", "x"]),
        Err(usage(
            "Error: Only one type of message can be sent at once.\n\n"
        ))
    );
}

#[test]
fn atoi_matches_glibc() {
    let cases: &[(&[u8], i32)] = &[
        (b"0", 0),
        (b"42", 42),
        (b"  \t\n\x0b\x0c\r7", 7),
        (b"+5", 5),
        (b"-5", -5),
        (b" -0", 0),
        (b"1x", 1),
        (b"18831abc", 18831),
        (b"abc", 0),
        (b"", 0),
        (b"-", 0),
        (b"+-1", 0),
        (b"- 1", 0),
        (b"1 2", 1),
        (b"0x10", 0),
        (b"2147483647", i32::MAX),
        (b"2147483648", i32::MIN),
        (b"4294967295", -1),
        (b"4294967296", 0),
        (b"4294967297", 1),
        (b"-2147483648", i32::MIN),
        (b"-2147483649", i32::MAX),
        // Beyond a 64-bit long: LONG_MAX → -1, LONG_MIN → 0 after the cast to int.
        (b"9223372036854775807", -1),
        (b"9223372036854775808", -1),
        (b"99999999999999999999999999999999999999999", -1),
        (b"-9223372036854775808", 0),
        (b"-99999999999999999999999999999999999999999", 0),
        (b"\xff12", 0),
    ];
    for (input, expected) in cases {
        assert_eq!(
            atoi(input),
            *expected,
            "atoi({:?})",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn atof_matches_glibc() {
    let cases: &[(&[u8], f64)] = &[
        (b"0", 0.0),
        (b"1.5", 1.5),
        (b"  -2.25xyz", -2.25),
        (b".5", 0.5),
        (b"5.", 5.0),
        (b"1e3", 1000.0),
        (b"1E+2", 100.0),
        (b"25e-1", 2.5),
        (b"1e", 1.0),
        (b"1e+", 1.0),
        (b"abc", 0.0),
        (b"", 0.0),
        (b".", 0.0),
        (b"-.e1", 0.0),
        (b"0x10", 16.0),
        (b"0X1.8p1", 3.0),
        (b"0x.8", 0.5),
        (b"0x1p-2", 0.25),
        (b"0x", 0.0),
        (b"0xg", 0.0),
        (b"1e400", f64::INFINITY),
        (b"inf", f64::INFINITY),
        (b"-Infinity", f64::NEG_INFINITY),
        (b"1e-400", 0.0),
    ];
    for (input, expected) in cases {
        assert_eq!(
            atof(input),
            *expected,
            "atof({:?})",
            String::from_utf8_lossy(input)
        );
    }
    assert!(atof(b"nan").is_nan());
    assert!(atof(b"-NaN(123)").is_nan());
    assert!(atof(b"-1e-46").is_sign_negative());
    assert_eq!(atof(b"-1e-46") as f32, 0.0);
    assert!((atof(b"-1e-40") as f32) < 0.0);
}

#[test]
fn utf8_check_matches_libmosquitto() {
    let good: &[&[u8]] = &[
        b"",
        b"a/b",
        "é/ü/€/😀".as_bytes(),
        b"\xc2\xa0",
        b"\xef\xbf\xbd",
        b"\xf4\x8f\xbf\xbd",
    ];
    let bad: &[&[u8]] = &[
        b"\x00",
        b"a\tb",
        b"\x1f",
        b"\x7f",
        b"\xc2\x80",
        b"\xc2\x9f",
        b"\xff",
        b"\xc0\x80",
        b"\xe0\x80\x80",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xef\xb7\x90",
        b"\xef\xbf\xbe",
        b"\xef\xbf\xbf",
        b"\xf0\x9f\xbf\xbf",
        b"\xe2\x82",
    ];
    for bytes in good {
        assert!(valid_utf8(bytes), "{bytes:?} should be valid");
    }
    for bytes in bad {
        assert!(!valid_utf8(bytes), "{bytes:?} should be invalid");
    }
    assert!(valid_utf8("a".repeat(65536).as_bytes()));
    assert!(!valid_utf8("a".repeat(65537).as_bytes()));
}

#[test]
fn topic_checks_match_libmosquitto() {
    for topic in ["", "a", "a/b", "/", "a//b", " "] {
        assert!(valid_publish_topic(topic), "{topic:?}");
        assert!(valid_subscription_topic(topic), "{topic:?}");
    }
    for topic in ["#", "a/#", "+", "a/+/b", "a+", "a#b"] {
        assert!(!valid_publish_topic(topic), "{topic:?}");
    }
    for topic in ["#", "/#", "a/#", "+", "+/+", "a/+/b", "/+", "+/", "+/#"] {
        assert!(valid_subscription_topic(topic), "{topic:?}");
    }
    for topic in [
        "a#", "#/a", "a/#/b", "##", "a+", "+a", "a/b+", "++", "a/+b/c", "#+", "+#",
    ] {
        assert!(!valid_subscription_topic(topic), "{topic:?}");
    }
}

#[test]
fn help_text_has_the_expected_shape() {
    for (tool, prog, first) in [
        (Pub, "rpub", "rpub publishes MQTT messages"),
        (
            Sub,
            "mosquitto_sub",
            "mosquitto_sub subscribes to MQTT topic filters",
        ),
    ] {
        let text = usage_text(tool, prog);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with(first), "{}", lines[0]);
        assert_eq!(lines[1], tool_version_line(tool, prog));
        assert_eq!(lines[2], "");
        assert!(lines[3].starts_with(&format!("Usage: {prog} ")));
        assert!(text.ends_with("\n\n"), "help must end with an empty line");
        assert!(!text.ends_with("\n\n\n"));
        assert!(text.contains("--version") && text.contains("rpubsub"));
        assert!(text.contains("(null)"));
        let common = [
            "-h, --host",
            "-p, --port",
            "--unix",
            "-L, --url",
            "-A ",
            "--nodelay",
            "-u, --username",
            "-P, --pw",
            "-V, --protocol-version",
            "-k, --keepalive",
            "-i, --id",
            "-I, --id-prefix",
            "-c, --disable-clean-session",
            "-M ",
            "--will-topic",
            "--will-payload",
            "--will-qos",
            "--will-retain",
            "-t, --topic",
            "-q, --qos",
            "-d, --debug",
            "--quiet",
            "--help",
        ];
        let own: &[&str] = match tool {
            Pub => &[
                "-m, --message",
                "-f, --file",
                "-s, --stdin-file",
                "-l, --stdin-line",
                "-n, --null-message",
                "-r, --retain",
                "--repeat ",
                "--repeat-delay",
            ],
            Sub => &[
                "-v, --verbose",
                "-N ",
                "-C ",
                "-W ",
                "-E ",
                "-F FORMAT",
                "--pretty",
                "-R ",
                "-T, --filter-out",
                "-U, --unsubscribe",
                "--retained-only",
                "--remove-retained",
                "--random-filter",
            ],
        };
        for flag in common.iter().chain(own) {
            assert!(text.contains(flag), "{tool:?} help lacks {flag}");
        }
        for flag in [
            "--cafile",
            "--capath",
            "--cert",
            "--key",
            "--insecure",
            "--tls-version",
        ] {
            assert!(text.contains(flag), "{tool:?} help lacks {flag}");
        }
        assert!(text.contains("--proxy URL"), "{tool:?} help lacks --proxy");
        for flag in ["-D, --property", "-x SECONDS", "-V, --protocol-version"] {
            assert!(text.contains(flag), "{tool:?} help lacks {flag}");
        }
        assert_eq!(
            text.contains("--retain-as-published"),
            tool == Sub,
            "{tool:?} help and --retain-as-published"
        );
        for not_yet in ["--psk", "--tls-engine"] {
            assert!(
                text.contains(not_yet),
                "{tool:?} help should list {not_yet} as not supported"
            );
        }
        if tool == Sub {
            // The deliberate differences from mosquitto_sub are listed in the notes.
            assert!(text.contains("Differences from mosquitto_sub"), "{text}");
            assert!(text.contains("--random-filter 100"), "{text}");
        }
    }
}

#[test]
fn version_line_names_the_compatible_client() {
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        tool_version_line(Pub, "rpub"),
        format!("rpub version {version} (rpubsub; compatible with mosquitto_pub 2.0.11)")
    );
    assert_eq!(
        tool_version_line(Sub, "mosquitto_sub"),
        format!("mosquitto_sub version {version} (rpubsub; compatible with mosquitto_sub 2.0.11)")
    );
}

#[test]
fn number_readers_never_panic() {
    // Every string of up to 4 characters over an alphabet of the characters that matter.
    let alphabet: &[u8] = b"0x.pPeE+-1f \xff";
    let mut stack = vec![Vec::new()];
    while let Some(prefix) = stack.pop() {
        let _ = atoi(&prefix);
        let _ = atof(&prefix);
        if prefix.len() < 4 {
            for &byte in alphabet {
                let mut next = prefix.clone();
                next.push(byte);
                stack.push(next);
            }
        }
    }
}

/// TLS flags: mosquitto's port default (8883 with a CA), `mqtts://` and `-p 8883` turning on the OS's
/// CA certificates, and TLS staying off for `--cert`/`--key`/`--insecure` alone.
#[test]
fn tls_flags_resolve_like_mosquitto() {
    let common = |args: &[&str]| {
        let mut all = vec!["-t", "t", "-m", "x"];
        all.extend_from_slice(args);
        parse_pub("rpub", &os(&all)).map(|config| config.common)
    };
    let with_ca = common(&["--cafile", "/ca.pem"]).expect("parses");
    assert_eq!(
        with_ca.connect.endpoint,
        Endpoint::Tcp {
            host: "localhost".into(),
            port: 8883
        }
    );
    let tls = with_ca.connect.tls.expect("TLS on");
    assert_eq!(tls.cafile.as_deref(), Some(std::path::Path::new("/ca.pem")));
    assert!(!tls.use_os_certs);
    let explicit_port = common(&["--capath", "/certs", "-p", "1884"]).expect("parses");
    assert_eq!(
        explicit_port.connect.endpoint,
        Endpoint::Tcp {
            host: "localhost".into(),
            port: 1884
        }
    );
    let url = common(&["-L", "mqtts://broker.example/t"]).expect("parses");
    assert_eq!(
        url.connect.endpoint,
        Endpoint::Tcp {
            host: "broker.example".into(),
            port: 8883
        }
    );
    assert!(url.connect.tls.expect("TLS on").use_os_certs);
    let port_8883 = common(&["-p", "8883"]).expect("parses");
    assert!(port_8883.connect.tls.expect("TLS on").use_os_certs);
    assert_eq!(common(&["--insecure"]).expect("parses").connect.tls, None);
    assert_eq!(common(&[]).expect("parses").connect.tls, None);
    assert_eq!(
        common(&["--cert", "c.pem"]),
        Err(usage(
            "Error: Both certfile and keyfile must be provided if one of them is set.\n"
        ))
    );
    assert_eq!(
        common(&["--keyform", "pem"]),
        Err(usage(
            "Error: If keyform is set, keyfile must be also specified.\n"
        ))
    );
}

/// `--proxy`: mosquitto's URL checks and texts (err_printf, so a `--quiet` before it hides the text but
/// not the `Use` line).
#[test]
fn proxy_urls_are_checked_like_mosquitto() {
    let parse = |args: &[&str]| {
        let mut all = vec!["-t", "t", "-m", "x"];
        all.extend_from_slice(args);
        parse_pub("rpub", &os(&all)).map(|config| config.common.connect.proxy)
    };
    let raw = |text: &str| {
        Err(Failure::UsageRaw {
            text: text.to_string(),
        })
    };
    assert_eq!(
        parse(&["--proxy", "socks5h://u:p@proxy.example:1081"]),
        Ok(Some(crate::socks::ProxyConfig {
            host: "proxy.example".into(),
            port: 1081,
            username: Some("u".into()),
            password: Some("p".into()),
        }))
    );
    assert_eq!(
        parse(&["--proxy", "socks5h://proxy.example"]).map(|p| p.map(|p| p.port)),
        Ok(Some(1080))
    );
    assert_eq!(
        parse(&["--proxy", "http://127.0.0.1:1080"]),
        raw(
            "Error: Unsupported proxy protocol: http://127.0.0.1:1080\n\nUse 'rpub --help' to see usage.\n"
        )
    );
    assert_eq!(
        parse(&["--proxy", "socks5h://h:abc"]),
        raw("Error: Invalid proxy port 0\n\nUse 'rpub --help' to see usage.\n")
    );
    assert_eq!(
        parse(&["--proxy", "socks5h://"]),
        raw("Error: Invalid proxy.\n\nUse 'rpub --help' to see usage.\n")
    );
    assert_eq!(
        parse(&["--quiet", "--proxy", "socks5h://"]),
        raw("\nUse 'rpub --help' to see usage.\n")
    );
}

#[test]
fn v5_command_lines_resolve_as_mosquitto_builds_them() {
    use crate::proto::codec::{Properties, Property};
    let user = |k: &str, v: &str| Property::UserProperty(k.into(), v.into());
    // Any -D means v5; properties go to their command in order; -x after them in CONNECT.
    let config = parse_pub(
        "rpub",
        &os(&[
            "-t",
            "a",
            "-m",
            "b",
            "-D",
            "connect",
            "user-property",
            "k",
            "v",
            "-D",
            "PUBLISH",
            "content-type",
            "text/plain",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
            "-D",
            "disconnect",
            "reason-string",
            "bye",
            "-x",
            "30",
            "--will-topic",
            "w",
            "-D",
            "will",
            "will-delay-interval",
            "5",
        ]),
    )
    .expect("valid v5 command line");
    assert_eq!(config.common.version, Version::V5);
    assert_eq!(
        config.common.connect_properties,
        Properties::new()
            .with(user("k", "v"))
            .with(Property::SessionExpiryInterval(30))
    );
    assert_eq!(config.common.session_expiry, Some(30));
    assert_eq!(
        config.publish_properties,
        Properties::new()
            .with(Property::ContentType("text/plain".into()))
            .with(user("a", "b"))
    );
    assert_eq!(
        config.common.disconnect_properties,
        Properties::new().with(Property::ReasonString("bye".into()))
    );
    assert_eq!(
        config.common.will.map(|will| will.properties),
        Some(Properties::new().with(Property::WillDelayInterval(5)))
    );
    // A -V after -D goes back to v3.x (the publish then fails at run time, as in mosquitto).
    let config = parse_pub(
        "rpub",
        &os(&[
            "-t",
            "a",
            "-m",
            "b",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
        ]),
    )
    .expect("accepted");
    assert_eq!(config.common.version, Version::V311);
    assert_eq!(config.publish_properties.len(), 1);
    // -x is ignored under v3.x; -c -i under v5 never expires.
    let config = parse_pub("rpub", &os(&["-t", "a", "-m", "b", "-x", "-1"])).expect("v3");
    assert_eq!(config.common.session_expiry, None);
    assert!(config.common.connect_properties.is_empty());
    let config =
        parse_sub("rsub", &os(&["-t", "a", "-V", "5", "-c", "-i", "me"])).expect("-c -i in v5");
    assert_eq!(config.common.session_expiry, Some(u32::MAX));
    // -C below 20 lowers the receive maximum (after the session expiry), unless -D gave one.
    let config = parse_sub(
        "rsub",
        &os(&[
            "-t",
            "a",
            "-V",
            "5",
            "-C",
            "3",
            "-x",
            "9",
            "--retain-as-published",
        ]),
    )
    .expect("-C 3");
    assert_eq!(
        config.common.connect_properties,
        Properties::new()
            .with(Property::SessionExpiryInterval(9))
            .with(Property::ReceiveMaximum(3))
    );
    assert!(config.retain_as_published);
    let config = parse_sub(
        "rsub",
        &os(&[
            "-t",
            "a",
            "-C",
            "3",
            "-D",
            "connect",
            "receive-maximum",
            "7",
        ]),
    )
    .expect("-D receive-maximum");
    assert_eq!(
        config.common.connect_properties,
        Properties::new().with(Property::ReceiveMaximum(7))
    );
    for args in [
        &["-t", "a", "-C", "3"][..],
        &["-t", "a", "-V", "5", "-C", "20"],
    ] {
        let config = parse_sub("rsub", &os(args)).expect("no receive maximum");
        assert!(config.common.connect_properties.is_empty(), "{args:?}");
    }
    let config = parse_sub(
        "rsub",
        &os(&[
            "-t",
            "a",
            "-D",
            "subscribe",
            "subscription-identifier",
            "7",
            "-D",
            "unsubscribe",
            "user-property",
            "u",
            "1",
            "-U",
            "a",
        ]),
    )
    .expect("subscribe properties");
    assert_eq!(
        config.subscribe_properties,
        Properties::new().with(Property::SubscriptionIdentifier(7))
    );
    assert_eq!(
        config.unsubscribe_properties,
        Properties::new().with(user("u", "1"))
    );
    // v5 allows a password without a user name.
    assert!(parse_pub("rpub", &os(&["-t", "a", "-m", "b", "-V", "5", "-P", "pw"])).is_ok());
}

/// A loaded `-f`/`-s` payload reaches the config as the same buffer: a file of many megabytes is
/// never held twice.
#[test]
fn loaded_payload_is_moved_into_the_config_not_copied() {
    let loaded = vec![7u8; 100_000];
    let at = loaded.as_ptr();
    let config = super::parse_pub_with(
        "mosquitto_pub",
        &[],
        &os(&["-t", "a", "-f", "big.bin"]),
        |_| Ok(Some(loaded)),
    )
    .expect("valid");
    let MessageSource::Message(payload) = &config.source else {
        panic!("{:?}", config.source);
    };
    assert_eq!(payload.as_ptr(), at);
    assert_eq!(payload.len(), 100_000);
}
