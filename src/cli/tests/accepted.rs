//! Accepted command lines and the configs they resolve to.

use super::*;

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
