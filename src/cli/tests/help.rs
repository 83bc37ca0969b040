//! `--help` and `--version` texts.

use super::*;

#[test]
fn help_text_has_the_expected_shape() {
    for (tool, prog, first) in [
        (Pub, "rpub", "rpub publishes MQTT messages"),
        (
            Sub,
            "mosquitto_sub",
            "mosquitto_sub subscribes to MQTT topic filters",
        ),
        (Rr, "rrr", "rrr sends an MQTT request"),
    ] {
        let text = usage_text(tool, prog);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with(first), "{}", lines[0]);
        // rrr's summary takes three lines.
        let summary_lines = if tool == Rr { 3 } else { 1 };
        assert_eq!(lines[summary_lines], tool_version_line(tool, prog));
        assert_eq!(lines[summary_lines + 1], "");
        assert!(lines[summary_lines + 2].starts_with(&format!("Usage: {prog} ")));
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
            Rr => &[
                "-e TOPIC",
                "-m, --message",
                "-f, --file",
                "-s, --stdin-file",
                "-n, --null-message",
                "-v, --verbose",
                "-N ",
                "-W ",
                "-F FORMAT",
                "--pretty",
                "-R ",
                "--latency",
                "(the default), mqttv311",
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
            tool != Pub,
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
        if tool == Rr {
            assert!(text.contains("Differences from mosquitto_rr"), "{text}");
            assert!(text.contains("correlation data"), "{text}");
            for absent in [
                "-l, --stdin-line",
                "-r, --retain",
                "-C COUNT",
                "-T, --filter-out",
            ] {
                assert!(!text.contains(absent), "rrr help lists {absent}");
            }
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
    assert_eq!(
        tool_version_line(Rr, "rrr"),
        format!("rrr version {version} (rpubsub; compatible with mosquitto_rr 2.0.11)")
    );
}

/// The help generated from the flag table is, byte for byte, the text written by hand before the
/// table existed (`help_rpub.txt`, `help_rsub.txt`; `help_rrr.txt` is rrr's reviewed first
/// generation), with `{version}` for the version: a change to a row's help text shows up here.
#[test]
fn help_text_is_the_reference_text() {
    for (tool, reference) in [
        (Pub, include_str!("help_rpub.txt")),
        (Sub, include_str!("help_rsub.txt")),
        (Rr, include_str!("help_rrr.txt")),
    ] {
        let expected = reference.replace("{version}", env!("CARGO_PKG_VERSION"));
        let text = usage_text(tool, tool.name());
        if text != expected {
            let first = text
                .lines()
                .zip(expected.lines())
                .position(|(got, want)| got != want);
            panic!("{tool:?} help differs from the reference, first at line {first:?}:\n{text}");
        }
    }
}

/// The synopsis is padded to the program name, whatever its length.
#[test]
fn synopsis_lines_line_up_under_the_program_name() {
    for prog in ["r", "mosquitto_pub", "é"] {
        let synopsis = crate::cli::help::synopsis(Pub, prog);
        let lines: Vec<&str> = synopsis.lines().collect();
        assert!(lines[0].starts_with(&format!("Usage: {prog} {{[-h host]")));
        let pad = " ".repeat("Usage: ".chars().count() + prog.chars().count() + 1);
        assert_eq!(
            lines[1],
            format!("{pad}{{-m message | -f file | -s | -l | -n}}")
        );
        assert_eq!(lines[lines.len() - 2], format!("       {prog} --help"));
        assert_eq!(lines[lines.len() - 1], format!("       {prog} --version"));
    }
}
