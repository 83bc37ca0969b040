//! rsub's output and filter options (`-F`, `-T`, `-U`, `-R`, `--retained-only`, `--random-filter`, ...).

use super::*;

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
                // -R also asks an MQTT 5 broker not to send retained messages.
                retain_handling: RetainHandling::DoNotSend,
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
