//! Differential test of the command-line layer: for each bad argument list, the real `mosquitto_pub` /
//! `mosquitto_sub` / `mosquitto_rr` 2.0.11 and our `rpub` / `rsub` / `rrr` must write the same stderr bytes, the same stdout
//! (except where stdout holds the usage text or the version line, which are our own) and exit with the
//! same code.
//!
//! Ours is run through a symlink named `mosquitto_pub` / `mosquitto_sub` / `mosquitto_rr`, so that the program name in
//! messages (`Use 'mosquitto_pub --help' to see usage.`) is the same. Both run with `HOME` and
//! `XDG_CONFIG_HOME` pointing at an empty directory (no default-options file), stdin closed, and are
//! killed after 10 s. Every case fails before any connection is attempted; the few that get past
//! argument parsing in mosquitto fail while setting the client up and name 127.0.0.1 port 1 anyway.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const INSTALL_HINT: &str = "apt-get install -y mosquitto mosquitto-clients";
const TIME_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Pub,
    Sub,
    Rr,
}

use Tool::{Pub, Rr, Sub};

impl Tool {
    fn mosquitto_name(self) -> &'static str {
        match self {
            Pub => "mosquitto_pub",
            Sub => "mosquitto_sub",
            Rr => "mosquitto_rr",
        }
    }

    fn our_binary(self) -> &'static str {
        match self {
            Pub => env!("CARGO_BIN_EXE_rpub"),
            Sub => env!("CARGO_BIN_EXE_rsub"),
            Rr => env!("CARGO_BIN_EXE_rrr"),
        }
    }

    /// The start of our usage text when invoked as mosquitto_pub / mosquitto_sub.
    fn our_usage_start(self) -> &'static str {
        match self {
            Pub => "mosquitto_pub publishes MQTT messages",
            Sub => "mosquitto_sub subscribes to MQTT topic filters",
            Rr => "mosquitto_rr sends an MQTT request",
        }
    }
}

/// What stdout should hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stdout {
    /// Byte for byte what mosquitto writes (nothing, for argument errors).
    Same,
    /// The usage text: each tool has its own wording.
    Usage,
    /// The version line: each tool names its own version.
    Version,
}

struct Case {
    tool: Tool,
    args: Vec<OsString>,
    stdout: Stdout,
}

fn case(tool: Tool, args: &[&str]) -> Case {
    Case {
        tool,
        args: args.iter().map(OsString::from).collect(),
        stdout: Stdout::Same,
    }
}

fn usage_case(tool: Tool, args: &[&str]) -> Case {
    Case {
        stdout: Stdout::Usage,
        ..case(tool, args)
    }
}

fn version_case(tool: Tool, args: &[&str]) -> Case {
    Case {
        stdout: Stdout::Version,
        ..case(tool, args)
    }
}

fn bytes_case(tool: Tool, args: &[&[u8]]) -> Case {
    Case {
        tool,
        args: args
            .iter()
            .map(|a| OsString::from_vec(a.to_vec()))
            .collect(),
        stdout: Stdout::Same,
    }
}

/// Nothing listens there: a case that unexpectedly gets as far as connecting fails fast.
const NOWHERE: [&str; 4] = ["-h", "127.0.0.1", "-p", "1"];

fn with_nowhere<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = NOWHERE.to_vec();
    all.extend_from_slice(args);
    all
}

fn cases() -> Vec<Case> {
    vec![
        // No arguments at all.
        usage_case(Pub, &[]),
        case(Sub, &[]),
        // Input named by -f is loaded after the arguments are accepted and before the
        // "Both topic and message" check; its errors are hidden by --quiet.
        case(Pub, &["-f", "/nonexistent/file"]),
        case(Pub, &["-f", "/nonexistent/file", "--quiet"]),
        case(Pub, &["-q", "3", "-f", "/nonexistent/file"]),
        case(Pub, &["-f", "/"]),
        // --proxy URL checks (texts hidden by an earlier --quiet, the Use line is not).
        case(
            Pub,
            &["-t", "x", "-m", "y", "--proxy", "http://127.0.0.1:1080"],
        ),
        case(Sub, &["-t", "x", "--proxy", "socks5h://127.0.0.1:abc"]),
        case(Pub, &["-t", "x", "-m", "y", "--proxy", "socks5h://"]),
        case(
            Pub,
            &["--quiet", "-t", "x", "-m", "y", "--proxy", "socks5h://"],
        ),
        case(Pub, &["-t", "x", "-m", "y", "--proxy"]),
        // TLS argument checks.
        case(Pub, &["-t", "x", "-m", "y", "--cert", "c.pem"]),
        case(Sub, &["-t", "x", "--key", "k.pem"]),
        case(Pub, &["-t", "x", "-m", "y", "--keyform", "pem"]),
        case(Pub, &["-t", "x", "-m", "y", "--psk", "0123"]),
        case(
            Pub,
            &[
                "-t",
                "x",
                "-m",
                "y",
                "--psk",
                "0123",
                "--psk-identity",
                "i",
                "--cafile",
                "c",
            ],
        ),
        case(
            Pub,
            &["-t", "x", "-m", "y", "--tls-engine-kpass-sha1", "00"],
        ),
        case(Pub, &["-t", "x", "-m", "y", "--cafile"]),
        case(Sub, &["-t", "x", "--tls-version"]),
        case(
            Pub,
            &["-t", "x", "-m", "y", "--cafile", "/nonexistent/ca.pem"],
        ),
        // mosquitto's parsing rules.
        case(Sub, &["-dv", "-t", "x"]),
        case(Pub, &["-dv", "-t", "x", "-m", "y"]),
        case(Pub, &["--port=1883", "-t", "x", "-m", "y"]),
        case(Pub, &["-t", "x", "-m", "y", "extra"]),
        case(Sub, &["-t", "x", "extra"]),
        case(Pub, &["--", "-t", "x", "-m", "y"]),
        case(Pub, &[""]),
        case(Pub, &["-S"]),
        case(Sub, &["-e", "response"]),
        case(
            Pub,
            &[
                "-h",
                "127.0.0.1",
                "-p",
                "1",
                "-t",
                "x",
                "-m",
                "y",
                "--bogus",
            ],
        ),
        case(Sub, &["-t", "x", "-Z"]),
        // Options of the other tool.
        case(Pub, &["-t", "x", "-m", "y", "-v"]),
        case(Pub, &["-C", "1"]),
        case(Pub, &["-W", "1"]),
        case(Pub, &["-E"]),
        case(Pub, &["-N"]),
        case(Sub, &["-m", "x", "-t", "a"]),
        case(Sub, &["-t", "a", "-f", "file"]),
        case(Sub, &["-t", "a", "-l"]),
        case(Sub, &["-t", "a", "-n"]),
        case(Sub, &["-t", "a", "-s"]),
        case(Sub, &["-t", "a", "-r"]),
        case(Sub, &["-t", "a", "--repeat", "2"]),
        // Missing values (two blank lines before the "Use" line).
        case(Pub, &["-m", "x", "-t"]),
        case(Pub, &["-t", "x", "-m", "y", "-p"]),
        case(Pub, &["-h"]),
        case(Pub, &["--host"]),
        case(Sub, &["-t", "a", "-i"]),
        case(Sub, &["-t", "a", "-I"]),
        case(Pub, &["-m"]),
        case(Pub, &["-f"]),
        case(Pub, &["-k"]),
        case(Pub, &["-q"]),
        case(Pub, &["-u"]),
        case(Pub, &["-P"]),
        case(Pub, &["-A"]),
        case(Pub, &["-L"]),
        case(Pub, &["-M"]),
        case(Pub, &["-V"]),
        case(Pub, &["--protocol-version"]),
        case(Pub, &["--repeat"]),
        case(Pub, &["--repeat-delay"]),
        case(Sub, &["-C"]),
        case(Sub, &["-W"]),
        case(Sub, &["--unix"]),
        case(Pub, &["--will-topic"]),
        case(Pub, &["--will-payload"]),
        case(Pub, &["--will-qos"]),
        // A value is the next argument, whatever it looks like.
        case(Pub, &["-t", "-m", "-q", "3"]),
        // Numbers (atoi) and ranges.
        case(
            Pub,
            &["-h", "127.0.0.1", "-p", "70000", "-t", "x", "-m", "y"],
        ),
        case(Pub, &["-h", "127.0.0.1", "-p", "-5", "-t", "x", "-m", "y"]),
        case(Sub, &["-p", "99999999999999999999", "-t", "x"]),
        case(Sub, &["-t", "x", "-k", "4"]),
        case(Pub, &["-t", "x", "-m", "y", "-k", "0"]),
        case(Pub, &["-k", "65536", "-t", "x", "-m", "y"]),
        case(Pub, &["-t", "x", "-m", "y", "-q", "3"]),
        case(Sub, &["-t", "x", "-q", "-1"]),
        case(Pub, &["-t", "x", "-m", "y", "-M", "0"]),
        case(Sub, &["-t", "x", "-M", "-5"]),
        case(Pub, &["-t", "x", "-m", "y", "--repeat", "0"]),
        case(
            Pub,
            &[
                "-t",
                "x",
                "-m",
                "y",
                "--repeat",
                "2",
                "--repeat-delay",
                "-1",
            ],
        ),
        case(Pub, &["-t", "x", "-m", "y", "--repeat-delay", "-1e-40"]),
        case(Sub, &["-t", "x", "-C", "0"]),
        case(Sub, &["-t", "x", "-C", "-3"]),
        case(Sub, &["-t", "x", "-W", "0"]),
        case(Sub, &["-t", "x", "-W", "-5"]),
        case(Pub, &["-V", "mqttv4", "-t", "x", "-m", "y"]),
        case(Sub, &["-V", "3", "-t", "x"]),
        // Topics.
        case(Pub, &["-t", "a/#", "-m", "x"]),
        case(Pub, &["-t", "a/+/b", "-m", "x"]),
        case(Sub, &["-t", "a/#/b"]),
        case(Sub, &["-t", "ok", "-t", "a/b+"]),
        case(Sub, &["-t", "+a"]),
        case(Pub, &["-t", "a\tb", "-m", "x"]),
        case(Sub, &["-t", "a\u{7f}"]),
        bytes_case(Pub, &[b"-t", b"bad\xff\xfetopic", b"-m", b"x"]),
        bytes_case(Sub, &[b"-t", b"\xed\xa0\x80"]),
        // --quiet never hides argument errors.
        case(Pub, &["--quiet", "-t", "a/#", "-m", "x"]),
        case(Sub, &["--quiet", "-k", "4", "-t", "x"]),
        case(Pub, &["--quiet", "-h"]),
        // Conflicts.
        case(Pub, &["-i", "a", "-I", "b", "-t", "x", "-m", "y"]),
        case(Sub, &["-I", "b", "-i", "a", "-t", "x"]),
        case(Pub, &["-I", "b", "-i"]),
        case(Pub, &["-t", "x", "-m", "a", "-m", "b"]),
        case(Pub, &["-t", "x", "-m", "a", "-f", "/etc/hostname"]),
        case(Pub, &["-t", "x", "-m", "a", "-l"]),
        case(Pub, &["-t", "x", "-n", "-s"]),
        case(Pub, &["-t", "x", "-m", "a", "-f"]),
        // Will.
        case(Pub, &["-t", "x", "-m", "y", "--will-payload", "p"]),
        case(Pub, &["-t", "x", "-m", "y", "--will-retain"]),
        case(
            Sub,
            &[
                "-t",
                "x",
                "--will-qos",
                "2",
                "--will-payload",
                "p",
                "--will-retain",
            ],
        ),
        case(
            Pub,
            &["-t", "x", "-m", "y", "--will-topic", "w", "--will-qos", "5"],
        ),
        case(Pub, &["--will-qos", "-1"]),
        case(Pub, &["-t", "x", "-m", "y", "--will-topic", "w/#"]),
        case(Sub, &["-t", "x", "--will-topic", "w/+"]),
        case(Pub, &["--will-topic", "w\u{1}"]),
        // -L.
        case(Pub, &["-L", "http://127.0.0.1:1/t", "-m", "x"]),
        case(Sub, &["-L", "MQTTX://127.0.0.1:1/t"]),
        case(Pub, &["-L", "mqtt://127.0.0.1:1", "-m", "x"]),
        case(Pub, &["-L", "mqtt://127.0.0.1:1/a/#", "-m", "x"]),
        case(Sub, &["-L", "mqtt://127.0.0.1:1/a/#/b"]),
        case(Pub, &["-L", "mqtt://h/a\tb", "-m", "x"]),
        case(Pub, &["-L", "mqtt://127.0.0.1:70000/a", "-m", "x"]),
        case(Pub, &["-L", "mqtt://127.0.0.1:-5/a", "-m", "x", "--quiet"]),
        // Checks after all arguments, in mosquitto's order.
        case(Pub, &with_nowhere(&["-c", "-t", "x", "-m", "y"])),
        case(Sub, &with_nowhere(&["-c", "-I", "p", "-t", "x"])),
        case(Sub, &["-c"]),
        case(Pub, &["-c", "--will-retain"]),
        case(Sub, &["-q", "1", "-v"]),
        usage_case(Pub, &["-t", "x"]),
        usage_case(Pub, &["-m", "x"]),
        usage_case(Pub, &["-P", "x", "-i", "", "-c"]),
        case(Pub, &["-L", "http://h/t", "--help"]),
        // Client setup: no connection is attempted (texts hidden by --quiet, exit 1).
        case(Pub, &with_nowhere(&["-i", "", "-t", "x", "-m", "y"])),
        case(
            Pub,
            &with_nowhere(&["-i", "", "-t", "x", "-m", "y", "--quiet"]),
        ),
        case(Sub, &with_nowhere(&["-i", "", "-t", "x"])),
        case(Sub, &with_nowhere(&["-i", "", "-t", "x", "--quiet"])),
        bytes_case(
            Sub,
            &[
                b"-h",
                b"127.0.0.1",
                b"-p",
                b"1",
                b"-i",
                b"id\xff",
                b"-t",
                b"x/t",
            ],
        ),
        case(Pub, &with_nowhere(&["-i", "a\tb", "-t", "x", "-m", "y"])),
        case(Pub, &with_nowhere(&["-P", "secret", "-t", "x", "-m", "y"])),
        case(
            Pub,
            &with_nowhere(&["-P", "secret", "-t", "x", "-m", "y", "--quiet"]),
        ),
        case(Sub, &with_nowhere(&["-P", "secret", "-t", "x"])),
        case(Sub, &with_nowhere(&["-u", "a\tb", "-t", "x"])),
        // rsub's output and filter options (-F, -T, -U, --random-filter, -R/--retained-only).
        case(Sub, &["-t", "x", "-F"]),
        case(Sub, &["-t", "x", "-F", "bad %"]),
        case(Sub, &["-t", "x", "-F", "%-"]),
        case(Sub, &["-t", "x", "-F", "%10.5"]),
        case(Sub, &["-t", "x", "-F", "time @"]),
        case(Sub, &["-t", "x", "-F", "bad %k"]),
        case(Sub, &["-t", "x", "-F", "%0-5l"]),
        case(Sub, &["-t", "x", "-F", "bad \\"]),
        case(Sub, &["-t", "x", "-F", "bad \\q"]),
        case(Sub, &["-t", "x", "-F", "%t", "-F", "%y"]),
        case(Sub, &["-F", "%k"]),
        case(Sub, &["-F", "%t"]),
        case(Sub, &["-t", "x", "-T"]),
        case(Sub, &["-t", "x", "--filter-out"]),
        case(Sub, &["-t", "x", "-T", "a/#/b"]),
        case(Sub, &["-t", "x", "-T", "ok", "--filter-out", "a+"]),
        case(Sub, &["-t", "x", "-T", "a\u{1}"]),
        bytes_case(Sub, &[b"-t", b"x", b"-T", b"a\xff"]),
        case(Sub, &["-T", "a"]),
        case(Sub, &["-t", "x", "-U"]),
        case(Sub, &["-t", "x", "--unsubscribe"]),
        case(Sub, &["-t", "x", "-U", "a+"]),
        case(Sub, &["-t", "x", "--unsubscribe", "#/a"]),
        bytes_case(Sub, &[b"-t", b"x", b"-U", b"\xc0\x80"]),
        // `-U a` alone: mosquitto 2.1 runs it (only unsubscribing), and so do we
        // (tests/v21_differential.rs); 2.0.11's refusal is no longer ours.
        case(Sub, &["-t", "x", "--random-filter"]),
        case(Sub, &["-t", "x", "--random-filter", "0"]),
        case(Sub, &["-t", "x", "--random-filter", "0.09"]),
        case(Sub, &["-t", "x", "--random-filter", "1000.1"]),
        case(Sub, &["-t", "x", "--random-filter", "-1"]),
        case(Sub, &["-t", "x", "--random-filter", "abc"]),
        case(Sub, &["-t", "x", "--random-filter", "nan"]),
        case(Sub, &["-t", "x", "--random-filter", "1e9"]),
        case(Sub, &["-t", "x", "-R", "--retained-only"]),
        case(Sub, &["--retained-only", "-R", "-t", "x", "--quiet"]),
        case(Sub, &["-R", "--retained-only"]),
        case(Sub, &["-t", "x", "-R", "--retained-only", "-c"]),
        case(
            Sub,
            &with_nowhere(&["-t", "x", "--retained-only", "-R", "-i", ""]),
        ),
        case(
            Sub,
            &with_nowhere(&["-t", "x", "-R", "--retained-only", "-P", "pw"]),
        ),
        case(Pub, &["-t", "x", "-m", "y", "-F", "%t"]),
        case(Pub, &["-t", "x", "-m", "y", "--pretty"]),
        case(Pub, &["-t", "x", "-m", "y", "-R"]),
        case(Pub, &["-t", "x", "-m", "y", "-T", "a"]),
        case(Pub, &["-t", "x", "-m", "y", "-U", "a"]),
        case(Pub, &["-t", "x", "-m", "y", "--retained-only"]),
        case(Pub, &["-t", "x", "-m", "y", "--remove-retained"]),
        case(Pub, &["-t", "x", "-m", "y", "--random-filter", "50"]),
        // --help and --version: earlier errors win.
        usage_case(Pub, &["--help"]),
        usage_case(Sub, &["--help"]),
        usage_case(Pub, &["-t", "a", "-m", "b", "--help"]),
        usage_case(Sub, &["-t", "a", "--help", "-q", "9"]),
        case(Pub, &["-q", "9", "--help"]),
        case(Sub, &["-k", "1", "--help"]),
        version_case(Pub, &["--version"]),
        version_case(Sub, &["--version", "-q", "9"]),
        case(Pub, &["-q", "9", "--version"]),
    ]
}

/// Every property name libmosquitto knows.
const PROPERTY_NAMES: [&str; 27] = [
    "payload-format-indicator",
    "message-expiry-interval",
    "content-type",
    "response-topic",
    "correlation-data",
    "subscription-identifier",
    "session-expiry-interval",
    "assigned-client-identifier",
    "server-keep-alive",
    "authentication-method",
    "authentication-data",
    "request-problem-information",
    "will-delay-interval",
    "request-response-information",
    "response-information",
    "server-reference",
    "reason-string",
    "receive-maximum",
    "topic-alias-maximum",
    "topic-alias",
    "maximum-qos",
    "retain-available",
    "user-property",
    "maximum-packet-size",
    "wildcard-subscription-available",
    "subscription-identifier-available",
    "shared-subscription-available",
];

/// MQTT 5 arguments: `-D` (every property with every command name, values, list checks), `-x`,
/// `-c`, `-V 5` and the quirks of a `-V` given after `-D`. Accepted ones fail at connecting to port 1.
fn v5_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    // Which property each command takes: "not allowed", "not supported", silently refused
    // (connack) or accepted; value 1 suits every type.
    let commands = [
        "connect",
        "connack",
        "publish",
        "puback",
        "pubrec",
        "pubrel",
        "pubcomp",
        "subscribe",
        "suback",
        "unsubscribe",
        "unsuback",
        "pingreq",
        "pingresp",
        "disconnect",
        "auth",
        "will",
        "bogus",
    ];
    for (index, command) in commands.into_iter().enumerate() {
        let tool = if index % 2 == 0 { Pub } else { Sub };
        for name in PROPERTY_NAMES {
            let mut args = with_nowhere(&["-t", "x"]);
            if tool == Pub {
                args.extend(["-m", "y"]);
            }
            args.extend(["-D", command, name, "1"]);
            if name == "user-property" {
                args.push("2");
            }
            cases.push(case(tool, &args));
        }
    }
    // 65536 bytes pass libmosquitto's UTF-8 check (and go out empty), 65537 do not.
    let long: &'static str = Box::leak("x".repeat(65536).into_boxed_str());
    let longer: &'static str = Box::leak("x".repeat(65537).into_boxed_str());
    let pub_cases: &[&[&str]] = &[
        // Argument counts, names in any case.
        &["-D"],
        &["-D", "connect"],
        &["-D", "connect", "receive-maximum"],
        &["-D", "connect", "user-property", "a"],
        &["--property", "CONNECT", "Receive-Maximum", "5"],
        &["-D", "Will", "CONTENT-TYPE", "a", "--will-topic", "w"],
        &["-D", "connect", "bogus-property", "1"],
        // Values: atol, ranges, lengths, UTF-8.
        &["-D", "connect", "receive-maximum", "65536"],
        &["-D", "connect", "receive-maximum", "-1"],
        &["-D", "connect", "receive-maximum", " 12abc"],
        &["-D", "connect", "receive-maximum", "abc"],
        &["-D", "publish", "payload-format-indicator", "256"],
        &["-D", "publish", "payload-format-indicator", "2"],
        &["-D", "publish", "message-expiry-interval", "4294967295"],
        &["-D", "publish", "message-expiry-interval", "4294967296"],
        &[
            "-D",
            "publish",
            "message-expiry-interval",
            "99999999999999999999999",
        ],
        &[
            "-D",
            "publish",
            "message-expiry-interval",
            "-99999999999999999999999",
        ],
        &["-D", "publish", "content-type", "a\u{1}b"],
        &["-D", "publish", "content-type", long],
        &["-D", "publish", "content-type", longer],
        &["-D", "publish", "correlation-data", long],
        &["-D", "publish", "user-property", long, "v"],
        &["-D", "publish", "user-property", longer, "v"],
        &["-D", "publish", "user-property", "k", "\u{7f}"],
        // Checks of the whole lists, in their order, hidden by --quiet.
        &["-D", "connect", "receive-maximum", "0"],
        &["-D", "connect", "receive-maximum", "0", "--quiet"],
        &["-D", "connect", "maximum-packet-size", "0"],
        &["-D", "connect", "topic-alias-maximum", "0"],
        &["-D", "connect", "request-problem-information", "2"],
        &["-D", "connect", "request-response-information", "2"],
        &["-D", "publish", "topic-alias", "0"],
        &[
            "-D",
            "connect",
            "receive-maximum",
            "5",
            "-D",
            "connect",
            "receive-maximum",
            "6",
        ],
        &[
            "-D",
            "connect",
            "receive-maximum",
            "5",
            "-D",
            "connect",
            "receive-maximum",
            "0",
        ],
        &[
            "-D",
            "connect",
            "receive-maximum",
            "0",
            "-D",
            "publish",
            "topic-alias",
            "0",
        ],
        &[
            "-D",
            "disconnect",
            "session-expiry-interval",
            "5",
            "-D",
            "publish",
            "topic-alias",
            "0",
        ],
        &[
            "-D",
            "disconnect",
            "reason-string",
            "a",
            "-D",
            "disconnect",
            "reason-string",
            "b",
        ],
        &[
            "-D",
            "will",
            "content-type",
            "a",
            "-D",
            "will",
            "content-type",
            "b",
        ],
        &[
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
        ],
        &["-D", "connect", "session-expiry-interval", "5", "-x", "6"],
        &["-D", "connect", "session-expiry-interval", "5", "-x", "0"],
        &[
            "-V",
            "5",
            "-c",
            "-i",
            "a",
            "-D",
            "connect",
            "session-expiry-interval",
            "5",
        ],
        // -x.
        &["-x"],
        &["-V", "5", "-x", "-1"],
        &["-V", "5", "-x", "∞"],
        &["-V", "5", "-x", "4294967295"],
        &["-V", "5", "-x", "4294967294"],
        &["-V", "5", "-x", "4294967296"],
        &["-V", "5", "-x", "-2"],
        &["-V", "5", "-x", "0x10"],
        &["-V", "5", "-x", "010"],
        &["-V", "5", "-x", "08"],
        &["-V", "5", "-x", " 5"],
        &["-V", "5", "-x", "5 "],
        &["-V", "5", "-x", ""],
        &["-V", "5", "-x", "abc"],
        &["-V", "5", "-x", "99999999999999999999"],
        &["-x", "-1"],
        &["-x", "abc"],
        &["-V", "5", "-i", "a", "-x", "-1"],
        &["-V", "5", "-I", "a", "-x", "-1"],
        &["-V", "5", "-V", "311", "-x", "-1"],
        // -c and ids under v5.
        &["-V", "5", "-c"],
        &["-V", "mqttv5", "-c", "-I", "p"],
        &["-V", "5", "-c", "-x", "0"],
        &["-V", "5", "-c", "-x", "10"],
        &["-V", "5", "-c", "-x", "10", "--quiet"],
        &["-V", "5", "-c", "-x", "-1"],
        &["-V", "311", "-c", "-x", "10"],
        &["-D", "connect", "user-property", "a", "b", "-c"],
        &[
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "-c",
        ],
        &["-V", "5", "-c", "-x", "-1", "--will-retain"],
        &["-V", "5", "-P", "pw"],
        &["-V", "5", "-i", "", "-c"],
        // A -V after -D: the will and CONNECT properties are refused when connecting.
        &["-D", "connect", "user-property", "a", "b", "-V", "311"],
        &[
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
            "-V",
            "mqttv31",
            "--quiet",
        ],
        &[
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "-P",
            "x",
        ],
        &[
            "-D",
            "will",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "--will-topic",
            "w",
        ],
        &[
            "-D",
            "will",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "--will-topic",
            "w",
            "--quiet",
        ],
        &[
            "-D",
            "will",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "--will-topic",
            "w",
            "-i",
            "",
        ],
        &[
            "-D",
            "will",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "--will-topic",
            "w",
            "-P",
            "x",
        ],
        &["-V", "311", "-D", "connect", "user-property", "a", "b"],
    ];
    for args in pub_cases {
        let mut all = with_nowhere(&["-t", "x", "-m", "y"]);
        all.extend_from_slice(args);
        cases.push(case(Pub, &all));
    }
    cases.push(case(
        Pub,
        &[
            "-L",
            "mqtt://127.0.0.1:70000/x",
            "-m",
            "y",
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
        ],
    ));
    let sub_cases: &[&[&str]] = &[
        &["-D", "subscribe", "subscription-identifier", "0"],
        &["-D", "subscribe", "subscription-identifier", "268435455"],
        &["-D", "subscribe", "subscription-identifier", "268435456"],
        &["-D", "subscribe", "subscription-identifier", "4294967296"],
        &[
            "-D",
            "subscribe",
            "subscription-identifier",
            "1",
            "-D",
            "subscribe",
            "subscription-identifier",
            "2",
        ],
        &["-D", "subscribe", "user-property", "a"],
        &[
            "-D",
            "unsubscribe",
            "user-property",
            "a",
            "b",
            "-D",
            "unsubscribe",
            "reason-string",
            "x",
        ],
        &["-V", "5", "-c"],
        &["-V", "5", "-c", "-x", "10"],
        &["-V", "5", "-c", "-x", "10", "--quiet"],
        &["-V", "5", "-x", "∞", "-I", "p"],
        &["--retain-as-published", "-V", "5", "-C", "3"],
        &[
            "-D",
            "will",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "--will-topic",
            "w",
        ],
        &[
            "-D",
            "connect",
            "receive-maximum",
            "0",
            "-R",
            "--retained-only",
        ],
    ];
    for args in sub_cases {
        let mut all = with_nowhere(&["-t", "x"]);
        all.extend_from_slice(args);
        cases.push(case(Sub, &all));
    }
    cases.push(case(Sub, &["-D", "subscribe", "user-property", "a", "b"]));
    cases.push(case(
        Sub,
        &["-V", "5", "-c", "-D", "connect", "user-property", "a", "b"],
    ));
    cases.push(case(Pub, &["--retain-as-published", "-t", "x", "-m", "y"]));
    cases
}

/// A scratch directory with an empty home and the symlinks to our binaries; removed when dropped.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new(label: &str) -> Sandbox {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rpubsub-cli-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("create the sandbox home");
        std::fs::create_dir_all(dir.join("bin")).expect("create the sandbox bin");
        for tool in [Pub, Sub, Rr] {
            std::os::unix::fs::symlink(
                tool.our_binary(),
                dir.join("bin").join(tool.mosquitto_name()),
            )
            .expect("create the symlink to our binary");
        }
        Sandbox { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.join("home")
    }

    fn ours(&self, tool: Tool) -> PathBuf {
        self.dir.join("bin").join(tool.mosquitto_name())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Output {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs `program` with `args` in the sandbox (empty home, no stdin), killing it after [`TIME_LIMIT`].
fn run(sandbox: &Sandbox, program: &Path, args: &[OsString]) -> Output {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let stdout_path = sandbox.dir.join(format!("stdout-{run}"));
    let stderr_path = sandbox.dir.join(format!("stderr-{run}"));
    let stdout = std::fs::File::create(&stdout_path).expect("create the stdout file");
    let stderr = std::fs::File::create(&stderr_path).expect("create the stderr file");
    let mut child = Command::new(program)
        .args(args)
        .env("HOME", sandbox.home())
        .env("XDG_CONFIG_HOME", sandbox.home())
        .current_dir(sandbox.home())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", program.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} {args:?} still ran after {TIME_LIMIT:?}: killed",
                program.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let code = status.code().unwrap_or_else(|| {
        panic!(
            "{} {args:?} was killed by a signal: {status}",
            program.display()
        )
    });
    Output {
        code,
        stdout: std::fs::read(&stdout_path).expect("read stdout"),
        stderr: std::fs::read(&stderr_path).expect("read stderr"),
    }
}

/// The real client, or a failure that says how to install it (never a silent skip).
fn mosquitto_client(tool: Tool) -> PathBuf {
    let name = tool.mosquitto_name();
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} (mosquitto 2.0.11) is not installed: this differential test compares against it; \
                 install it with `{INSTALL_HINT}`"
            )
        })
}

fn show(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

#[test]
fn argument_errors_match_mosquitto() {
    let mut cases = cases();
    cases.extend(v5_cases());
    assert!(cases.len() >= 40, "the table must cover at least 40 cases");
    let problems = differences("diff", &cases);
    assert!(
        problems.is_empty(),
        "{} of {} cases differ from mosquitto:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

/// Runs every case with the real client and with ours; what differs, one entry per difference.
fn differences(label: &str, cases: &[Case]) -> Vec<String> {
    let sandbox = Sandbox::new(label);
    let mut problems = Vec::new();
    for case in cases {
        let real = mosquitto_client(case.tool);
        let theirs = run(&sandbox, &real, &case.args);
        let ours = run(&sandbox, &sandbox.ours(case.tool), &case.args);
        let what = format!("{} {:?}", case.tool.mosquitto_name(), case.args);
        if ours.code != theirs.code {
            problems.push(format!(
                "{what}: exit code {} (mosquitto: {})",
                ours.code, theirs.code
            ));
        }
        if ours.stderr != theirs.stderr {
            problems.push(format!(
                "{what}: stderr\n    ours:      {}\n    mosquitto: {}",
                show(&ours.stderr),
                show(&theirs.stderr)
            ));
        }
        match case.stdout {
            Stdout::Same => {
                if ours.stdout != theirs.stdout {
                    problems.push(format!(
                        "{what}: stdout\n    ours:      {}\n    mosquitto: {}",
                        show(&ours.stdout),
                        show(&theirs.stdout)
                    ));
                }
            }
            Stdout::Usage => {
                let start = case.tool.our_usage_start();
                if theirs.stdout.is_empty() || !ours.stdout.starts_with(start.as_bytes()) {
                    problems.push(format!(
                        "{what}: expected usage texts on stdout (ours starting with {start:?}); ours: {} mosquitto: {} bytes",
                        show(&ours.stdout[..ours.stdout.len().min(80)]),
                        theirs.stdout.len()
                    ));
                }
            }
            Stdout::Version => {
                let name = case.tool.mosquitto_name();
                let expected = format!(
                    "{name} version {} (rpubsub; compatible with {name} 2.0.11)\n",
                    env!("CARGO_PKG_VERSION")
                );
                if ours.stdout != expected.as_bytes()
                    || !theirs
                        .stdout
                        .starts_with(format!("{name} version 2.0.11").as_bytes())
                {
                    problems.push(format!(
                        "{what}: version line: ours {} mosquitto {}",
                        show(&ours.stdout),
                        show(&theirs.stdout)
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn messages_use_the_name_we_were_invoked_as() {
    let sandbox = Sandbox::new("name");
    let checks: &[(Tool, &[&str], i32, &str, &str)] = &[
        (
            Pub,
            &["-q", "3"],
            1,
            "",
            "Error: Invalid QoS given: 3\n\nUse 'rpub --help' to see usage.\n",
        ),
        (
            Sub,
            &[],
            1,
            "",
            "Error: You must specify a topic to subscribe to.\n\nUse 'rsub --help' to see usage.\n",
        ),
        (
            Pub,
            &["-x", "abc"],
            1,
            "",
            "Error: session-expiry-interval not a number.\n\n\nUse 'rpub --help' to see usage.\n",
        ),
        (
            Sub,
            &["-t", "a", "--psk", "0123", "--psk-identity", "me"],
            1,
            "",
            "Error: --psk is not supported by rsub (rustls has no TLS-PSK support).\n\nUse 'rsub --help' to see usage.\n",
        ),
    ];
    for (tool, args, code, stdout, stderr) in checks {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let output = run(&sandbox, Path::new(tool.our_binary()), &args);
        assert_eq!(
            output,
            Output {
                code: *code,
                stdout: stdout.as_bytes().to_vec(),
                stderr: stderr.as_bytes().to_vec(),
            },
            "{tool:?} {args:?}: stdout {} stderr {}",
            show(&output.stdout),
            show(&output.stderr)
        );
    }
    let help = run(
        &sandbox,
        Path::new(Pub.our_binary()),
        &[OsString::from("--help")],
    );
    assert_eq!(help.code, 1);
    assert!(help.stdout.starts_with(b"rpub publishes MQTT messages"));
    assert!(help.stdout.ends_with(b"\n\n"));
    let version = run(
        &sandbox,
        Path::new(Sub.our_binary()),
        &[OsString::from("--version")],
    );
    assert_eq!(version.code, 1);
    assert_eq!(
        version.stdout,
        format!(
            "rsub version {} (rpubsub; compatible with mosquitto_sub 2.0.11)\n",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes()
    );
}

/// mosquitto_rr's argument errors, and the failures it decides from the arguments alone while
/// setting the client up (then connecting to 127.0.0.1 port 1 fails the same way for both).
fn rr_cases() -> Vec<Case> {
    let mut cases = vec![
        // "All of topic, message, and response topic", after everything was read.
        case(Rr, &[]),
        case(Rr, &["-t", "a", "-m", "x"]),
        case(Rr, &["-e", "b", "-m", "x"]),
        case(Rr, &["-t", "a", "-e", "b"]),
        case(Rr, &["-d", "-n", "--quiet"]),
        case(Rr, &["-D", "publish", "response-topic", "x"]),
        usage_case(Rr, &["--help"]),
        usage_case(Rr, &["-t", "a", "--help", "-q", "3"]),
        version_case(Rr, &["--version"]),
        case(Rr, &["-q", "3", "--help"]),
        // The flags of rpub and rsub that mosquitto_rr does not know.
        case(Rr, &["-t", "a", "-e", "b", "-l"]),
        case(Rr, &["-r"]),
        case(Rr, &["--retain"]),
        case(Rr, &["--repeat", "2"]),
        case(Rr, &["--repeat-delay", "1"]),
        case(Rr, &["-C", "1"]),
        case(Rr, &["-E"]),
        case(Rr, &["-T", "x"]),
        case(Rr, &["-U", "x"]),
        case(Rr, &["--random-filter", "5"]),
        case(Rr, &["--remove-retained"]),
        case(Rr, &["--retained-only"]),
        case(Rr, &["--stdin-line"]),
        case(Rr, &["-S"]),
        case(Rr, &["-dv"]),
        // Topics.
        case(Rr, &["-t", "a/#", "-e", "b", "-m", "x"]),
        case(Rr, &["-t", "a", "-e", "b/+", "-m", "x"]),
        case(Rr, &["-t", "a", "-e", "#", "-m", "x"]),
        case(
            Rr,
            &["-L", "mqtt://127.0.0.1:1/top/#", "-e", "b", "-m", "x"],
        ),
        case(Rr, &["-L", "ftp://127.0.0.1/top", "-e", "b", "-m", "x"]),
        bytes_case(Rr, &[b"-t", b"a", b"-e", b"a\xff", b"-m", b"x"]),
        bytes_case(Rr, &[b"-t", b"a\xff", b"-e", b"b", b"-m", b"x"]),
        // Values checked while reading.
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "-m", "y"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "-f", "y"]),
        case(Rr, &["-t", "a", "-e", "b", "-n", "-s"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "-F", "%Z"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "-F", "%"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "-W", "0"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "-W", "-5"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "-W", "abc"]),
        case(Rr, &["-q", "3"]),
        case(Rr, &["-k", "4"]),
        case(Rr, &["-p", "70000"]),
        case(Rr, &["-V", "6"]),
        case(Rr, &["-x", "abc"]),
        case(Rr, &["-M", "0"]),
        case(Rr, &["--will-qos", "3"]),
        case(Rr, &["-i", "a", "-I", "b"]),
        case(Rr, &["-D", "publish", "bogus", "x"]),
        case(Rr, &["-D", "nothing", "correlation-data", "x"]),
        case(Rr, &["-D", "publish", "correlation-data"]),
        case(Rr, &["-D", "subscribe", "correlation-data", "x"]),
        // After all arguments: will, TLS, session.
        case(
            Rr,
            &["-t", "a", "-e", "b", "-m", "x", "--will-payload", "p"],
        ),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "--will-retain"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "--cert", "c.pem"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "--key", "k.pem"]),
        case(Rr, &["-t", "a", "-e", "b", "-m", "x", "--psk", "0123"]),
        case(
            Rr,
            &[
                "-t",
                "a",
                "-e",
                "b",
                "-m",
                "x",
                "--proxy",
                "http://127.0.0.1:1080",
            ],
        ),
        case(Rr, &["-c", "-t", "a", "-e", "b", "-m", "x"]),
        case(Rr, &["-c", "-V", "311", "-t", "a", "-e", "b", "-m", "x"]),
        case(Rr, &["-c", "-I", "pre", "-t", "a", "-e", "b", "-m", "x"]),
    ];
    // Every flag that takes a value, without it (long forms name the short one, as mosquitto does).
    for flag in [
        "-A",
        "--cafile",
        "--capath",
        "--cert",
        "--ciphers",
        "-D",
        "--property",
        "-e",
        "-f",
        "--file",
        "-F",
        "-h",
        "--host",
        "-i",
        "--id",
        "-I",
        "--id-prefix",
        "-k",
        "--keepalive",
        "--key",
        "--keyform",
        "-L",
        "--url",
        "-m",
        "--message",
        "-M",
        "-p",
        "--port",
        "-P",
        "--pw",
        "--proxy",
        "--psk",
        "--psk-identity",
        "-q",
        "--qos",
        "-t",
        "--topic",
        "--tls-alpn",
        "--tls-engine",
        "--tls-engine-kpass-sha1",
        "--tls-version",
        "--unix",
        "-u",
        "--username",
        "-V",
        "--protocol-version",
        "-W",
        "-x",
        "--will-payload",
        "--will-qos",
        "--will-topic",
    ] {
        cases.push(case(Rr, &[flag]));
    }
    // Failures while setting the client up, decided by the arguments (printed unless --quiet).
    let setup: &[&[&str]] = &[
        &["-D", "publish", "response-topic", "c"],
        &["--quiet", "-D", "publish", "response-topic", "c"],
        &["-i", ""],
        &["-c", "-x", "10"],
        &["-P", "pw", "-V", "311"],
        &[
            "-D",
            "will",
            "user-property",
            "k",
            "v",
            "-V",
            "311",
            "--will-topic",
            "w",
        ],
        &["-D", "connect", "user-property", "k", "v", "-V", "311"],
        &["--keyform", "der", "--cert", "c.pem", "--key", "k.pem"],
        // Accepted: connecting to port 1 fails (`Error: Connection refused`, exit 1).
        &[],
        &["--quiet"],
        &["-P", "pw"],
        &[
            "-V",
            "31",
            "-q",
            "2",
            "-v",
            "-N",
            "-R",
            "--retain-as-published",
            "-W",
            "5",
        ],
        &[
            "-D",
            "publish",
            "correlation-data",
            "id",
            "-D",
            "subscribe",
            "user-property",
            "k",
            "v",
        ],
    ];
    for args in setup {
        let mut all = with_nowhere(&["-t", "a", "-e", "b", "-m", "x"]);
        all.extend_from_slice(args);
        cases.push(case(Rr, &all));
    }
    cases.push(case(
        Rr,
        &["-L", "mqtt://127.0.0.1:70000/top", "-e", "b", "-m", "x"],
    ));
    cases.push(bytes_case(
        Rr,
        &[
            b"-h",
            b"127.0.0.1",
            b"-p",
            b"1",
            b"-i",
            b"a\xff",
            b"-t",
            b"a",
            b"-e",
            b"b",
            b"-n",
        ],
    ));
    cases.push(bytes_case(
        Rr,
        &[
            b"-h",
            b"127.0.0.1",
            b"-p",
            b"1",
            b"-u",
            b"a\xff",
            b"-t",
            b"a",
            b"-e",
            b"b",
            b"-n",
        ],
    ));
    cases
}

#[test]
fn rr_argument_errors_match_mosquitto_rr() {
    let cases = rr_cases();
    assert!(cases.len() >= 100, "the rr table must cover every flag");
    let problems = differences("rr", &cases);
    assert!(
        problems.is_empty(),
        "{} of {} mosquitto_rr cases differ:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

/// Where rrr deliberately differs from mosquitto_rr 2.0.11 (docs/decisions.md): it reads `-f` and
/// `-s` (mosquitto_rr 2.0.11 never does and sends an empty request, so a missing file reaches the
/// connection); their errors are rpub's, mosquitto_pub's texts.
#[test]
fn rrr_reads_f_and_s_where_mosquitto_rr_2_0_11_did_not() {
    let sandbox = Sandbox::new("rr-input");
    let base = ["-h", "127.0.0.1", "-p", "1", "-t", "a", "-e", "b"];
    let with = |extra: &[&str]| -> Vec<OsString> {
        base.iter().chain(extra).map(OsString::from).collect()
    };
    let theirs = run(
        &sandbox,
        &mosquitto_client(Rr),
        &with(&["-f", "/nonexistent/file"]),
    );
    assert_eq!(
        (theirs.code, show(&theirs.stderr)),
        (1, show(b"Error: Connection refused\n")),
        "mosquitto_rr 2.0.11 goes on to connect"
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["-f", "/nonexistent/file"],
            "Error: Unable to open file \"/nonexistent/file\".\nError loading input file \"/nonexistent/file\".\n",
        ),
        (&["-f", "/nonexistent/file", "--quiet"], ""),
        (
            &["-s"],
            "Error: Zero length input.\nError loading input from stdin.\n",
        ),
    ];
    for (extra, stderr) in cases {
        let ours = run(&sandbox, &sandbox.ours(Rr), &with(extra));
        assert_eq!(
            (ours.code, show(&ours.stderr), show(&ours.stdout)),
            (1, show(stderr.as_bytes()), show(b"")),
            "rrr {extra:?}"
        );
    }
    // Read before the "all of" check, as mosquitto_rr 2.1 reads it.
    let alone = run(
        &sandbox,
        &sandbox.ours(Rr),
        &[OsString::from("-f"), OsString::from("/nonexistent/file")],
    );
    assert_eq!(
        show(&alone.stderr),
        show(b"Error: Unable to open file \"/nonexistent/file\".\nError loading input file \"/nonexistent/file\".\n")
    );
}
