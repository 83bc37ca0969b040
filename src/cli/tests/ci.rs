//! The flags for scripts and CI (issue 14): accepted values, their errors, and where the parser
//! finds passwords to mask.

use super::*;
use crate::cli::config::{CheckConfig, CheckFormat, Expectation, Reconnect};
use crate::sys::ArgSpan;

#[test]
fn durations_take_humantime_forms_and_seconds_with_fractions() {
    let cases = [
        ("500ms", Duration::from_millis(500)),
        ("2s", Duration::from_secs(2)),
        ("1m30s", Duration::from_secs(90)),
        ("1.5", Duration::from_millis(1500)),
        ("3", Duration::from_secs(3)),
        ("250us", Duration::from_micros(250)),
    ];
    for (value, expected) in cases {
        let config = parse_sub("rsub", &os(&["-t", "a", "--timeout", value])).expect("accepted");
        assert_eq!(config.common.ci.timeout, Some(expected), "{value}");
    }
}

#[test]
fn bad_values_of_the_ci_flags_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--timeout", "soon"],
            "Error: Invalid duration \"soon\" for --timeout: give seconds (1.5) or a value with units (500ms, 2s, 1m30s).\n\n",
        ),
        (
            &["--timeout", "0"],
            "Error: --timeout must be more than zero.\n\n",
        ),
        (
            &["--idle-timeout", "-1"],
            "Error: Invalid duration \"-1\" for --idle-timeout: give seconds (1.5) or a value with units (500ms, 2s, 1m30s).\n\n",
        ),
        (
            &["--expect-count", "0"],
            "Error: Invalid --expect-count \"0\": give a whole number of at least 1.\n\n",
        ),
        (
            &["--reconnect", "sometimes"],
            "Error: Invalid --reconnect \"sometimes\": give never, always or a number of attempts.\n\n",
        ),
        (
            &["--expect-none"],
            "Error: --expect-none needs a time limit: --timeout, --idle-timeout or -W.\n\n",
        ),
        (
            &["--expect-none", "-W", "1", "--expect-count", "2"],
            "Error: --expect-none cannot be combined with the other --expect flags.\n\n",
        ),
        (
            &["-P", "x", "-u", "u", "--pw-file", "/nonexistent"],
            "Error: -P and --pw-file cannot be used together.\n\n",
        ),
        (
            &["--connect-timeout"],
            "Error: --connect-timeout argument given but no duration specified.\n\n",
        ),
    ];
    for (extra, text) in cases {
        let mut args = vec!["-t", "a"];
        args.extend_from_slice(extra);
        assert_eq!(parse_sub("rsub", &os(&args)), Err(usage(text)), "{extra:?}");
    }
    // The pattern itself is compiled by rsub when it starts (app::expect), not by the parser.
    assert!(parse_sub("rsub", &os(&["-t", "a", "--expect-regex", "("])).is_ok());
    assert_eq!(
        parse_pub("rpub", &os(&["--check", "-m", "x"])),
        Err(usage(
            "Error: --check publishes its own probes: -m, -f, -s, -l and -n cannot be used with it.\n\n"
        ))
    );
    assert_eq!(
        parse_pub("rpub", &os(&["-t", "a", "-m", "x", "--check-warn", "1s"])),
        Err(usage("Error: --check-warn only goes with --check.\n\n"))
    );
    assert_eq!(
        parse_pub("rpub", &os(&["--check", "--check-format", "xml"])),
        Err(usage(
            "Error: Invalid --check-format \"xml\": give text, json or nagios.\n\n"
        ))
    );
}

#[test]
fn accepted_ci_flags_resolve_into_the_configs() {
    let config = parse_sub(
        "rsub",
        &os(&[
            "-t",
            "a",
            "--expect-payload",
            "ok",
            "--idle-timeout",
            "2s",
            "--strict",
            "--reconnect",
            "3",
            "--reconnect-delay",
            "250ms",
            "--wait-for-broker",
            "1m",
            "--connect-timeout",
            "5",
        ]),
    )
    .expect("accepted");
    let ci = &config.common.ci;
    assert_eq!(ci.connect_timeout, Some(Duration::from_secs(5)));
    assert!(ci.strict);
    assert_eq!(ci.reconnect, Some(Reconnect::Attempts(3)));
    assert_eq!(ci.reconnect_delay, Some(Duration::from_millis(250)));
    assert_eq!(ci.wait_for_broker, Some(Duration::from_secs(60)));
    assert_eq!(config.ci.idle_timeout, Some(Duration::from_secs(2)));
    assert_eq!(
        config.ci.expect,
        Some(Expectation::Messages {
            payload: Some(b"ok".to_vec()),
            regex: None,
            count: 1
        })
    );
    for (value, policy) in [
        ("never", Reconnect::Never),
        ("0", Reconnect::Never),
        ("always", Reconnect::Always),
    ] {
        let config = parse_sub("rsub", &os(&["-t", "a", "--reconnect", value])).expect("ok");
        assert_eq!(config.common.ci.reconnect, Some(policy));
    }
    // --check needs neither topic nor message, and sends 5 probes unless --repeat says otherwise.
    let config = parse_pub("rpub", &os(&["--check"])).expect("accepted");
    assert_eq!(
        (config.topic.as_str(), config.repeat, config.source),
        ("", 5, MessageSource::Null)
    );
    assert_eq!(
        config.check,
        Some(CheckConfig {
            format: CheckFormat::Text,
            warn: None,
            crit: None
        })
    );
    let config = parse_pub(
        "rpub",
        &os(&[
            "--check",
            "--repeat",
            "2",
            "--check-format",
            "nagios",
            "--check-crit",
            "1s",
        ]),
    )
    .expect("accepted");
    assert_eq!(config.repeat, 2);
    assert_eq!(
        config.check,
        Some(CheckConfig {
            format: CheckFormat::Nagios,
            warn: None,
            crit: Some(Duration::from_secs(1))
        })
    );
    // Without any of them, nothing differs from mosquitto.
    assert_eq!(
        parse_sub("rsub", &os(&["-t", "a"])),
        Ok(default_sub(&["a"]))
    );
}

#[test]
fn passwords_on_the_command_line_are_found_where_the_parser_reads_them() {
    let span = |arg, bytes| ArgSpan { arg, bytes };
    let cases: &[(Tool, &[&str], Vec<ArgSpan>)] = &[
        (
            Sub,
            &["-t", "a", "-u", "u", "-P", "secret"],
            vec![span(6, 0..6)],
        ),
        (Sub, &["--pw", "pw", "-t", "a"], vec![span(2, 0..2)]),
        (
            Sub,
            &["-L", "mqtt://user:pass@host:1883/t"],
            vec![span(2, 12..16)],
        ),
        (Sub, &["-L", "MQTTS://u:p:w@h/t"], vec![span(2, 10..13)]),
        (Sub, &["-L", "mqtt://user@host/t"], vec![]),
        (
            Pub,
            &["-t", "a", "-n", "--proxy", "socks5h://me:pw@proxy:1080"],
            vec![span(5, 13..15)],
        ),
        (
            Pub,
            &["-t", "a", "-n", "--proxy", "socks5h://me:p%40ss@proxy"],
            vec![span(5, 13..19)],
        ),
        // `-P` that is the message, and a `-m` whose value looks like a URL flag, hold nothing.
        (Pub, &["-t", "a", "-m", "-P"], vec![]),
        (Pub, &["-t", "-L", "-m", "x"], vec![]),
        (Pub, &["-t", "a", "-m", "x"], vec![]),
    ];
    for (tool, args, expected) in cases {
        assert_eq!(
            &crate::cli::argv_secrets(*tool, &os(args)),
            expected,
            "{tool:?} {args:?}"
        );
    }
}

#[test]
fn mqtt_password_fills_in_only_for_a_user_without_password() {
    let env = Some(OsString::from("from-env"));
    let mut with_user = parse_sub("rsub", &os(&["-t", "a", "-u", "u"]))
        .expect("ok")
        .common;
    crate::cli::password_from_env(&mut with_user, || env.clone());
    assert_eq!(with_user.password, Some(b"from-env".to_vec()));
    let mut given = parse_sub("rsub", &os(&["-t", "a", "-u", "u", "-P", "p"]))
        .expect("ok")
        .common;
    crate::cli::password_from_env(&mut given, || env.clone());
    assert_eq!(given.password, Some(b"p".to_vec()));
    let mut anonymous = parse_sub("rsub", &os(&["-t", "a"])).expect("ok").common;
    crate::cli::password_from_env(&mut anonymous, || env);
    assert_eq!(anonymous.password, None);
}
