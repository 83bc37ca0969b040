//! Argument errors: mosquitto's exact texts, in its order, also for arguments that are not UTF-8.

use super::*;

/// (tool, arguments, expected failure).
#[rustfmt::skip]
fn error_cases() -> Vec<(Tool, Vec<&'static str>, Failure)> {
    let both_needed = Failure::UsageWithHelp {
        text: "Error: Both topic and message must be supplied.\n".into(),
        usage: usage_text(Pub, "mosquitto_pub"),
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
        // --help / --version: earlier errors win, later ones are never seen (see
        // help_and_version_end_the_reading).
        (Pub, vec!["-q", "9", "--help"], usage("Error: Invalid QoS given: 9\n")),
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

/// `--help` and `--version` are not failures: the parsing ends there, and nothing after them is looked
/// at (errors before them win: see [`error_cases`]).
#[test]
fn help_and_version_end_the_reading() {
    assert_eq!(run(Pub, &os(&["--help"])), Ok(Parsed::Help));
    assert_eq!(
        run(Sub, &os(&["-t", "a", "--help", "-q", "9"])),
        Ok(Parsed::Help)
    );
    assert_eq!(
        run(Pub, &os(&["--version", "-q", "9"])),
        Ok(Parsed::Version)
    );
    // In the default-options file too: the command line is then not read at all.
    assert_eq!(
        crate::cli::parse_sub_with("rsub", &[os(&["--version"])], &os(&["-q", "9"])),
        Ok(Parsed::Version)
    );
    assert_eq!(
        crate::cli::parse_pub_with(
            "rpub",
            &[os(&["-q", "1"]), os(&["--help"])],
            &os(&["-x"]),
            |_| { panic!("nothing is loaded after --help") }
        ),
        Ok(Parsed::Help)
    );
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
