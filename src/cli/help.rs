//! Usage text (`--help`, and rpub's "topic and message" error) and the version line (`--version`).
//!
//! The wording is our own; only the overall shape follows mosquitto's clients (what the tool does, the
//! version line, a blank line, the synopsis, one line per flag, notes, a final blank line).

use crate::tool::Tool;

/// `<prog> version <ours> (rpubsub; compatible with mosquitto_pub 2.0.11)`, without newline.
pub fn tool_version_line(tool: Tool, prog: &str) -> String {
    format!(
        "{prog} version {} (rpubsub; compatible with {} 2.0.11)",
        env!("CARGO_PKG_VERSION"),
        tool.mosquitto_name()
    )
}

/// The full usage text, ending with an empty line.
pub fn usage_text(tool: Tool, prog: &str) -> String {
    let pad = " ".repeat("Usage: ".len() + prog.chars().count() + 1);
    let mut text = String::new();
    let summary = match tool {
        Tool::Pub => {
            "publishes MQTT messages: one message (or one per input line) to one topic, then it exits."
        }
        Tool::Sub => "subscribes to MQTT topic filters and prints the messages it receives.",
    };
    text.push_str(&format!("{prog} {summary}\n"));
    text.push_str(&tool_version_line(tool, prog));
    text.push_str("\n\n");

    let synopsis: &[&str] = match tool {
        Tool::Pub => &[
            "{[-h host] [-p port | --unix path] [-u username [-P password]] -t topic | -L URL}",
            "{-m message | -f file | -s | -l | -n}",
            "[-q qos] [-r] [--repeat count] [--repeat-delay seconds]",
            "[-c] [-k keepalive] [-V protocol_version] [-M max_inflight]",
            "[-i id | -I id_prefix] [-A bind_address] [--nodelay]",
            "[--will-topic topic [--will-payload payload] [--will-qos qos] [--will-retain]]",
            "[-x session_expiry] [-D command property value ...]",
            "[-d] [--quiet]",
        ],
        Tool::Sub => &[
            "{[-h host] [-p port | --unix path] [-u username [-P password]] -t filter ... | -L URL [-t filter ...]}",
            "[-q qos] [-v] [-N] [-F format [--pretty]] [-C count] [-W seconds] [-E]",
            "[-R | --retained-only] [--remove-retained] [-T filter ...] [-U filter ...]",
            "[--random-filter percent]",
            "[-c] [-k keepalive] [-V protocol_version] [-M max_inflight]",
            "[-i id | -I id_prefix] [-A bind_address] [--nodelay]",
            "[--will-topic topic [--will-payload payload] [--will-qos qos] [--will-retain]]",
            "[-x session_expiry] [-D command property value ...] [--retain-as-published]",
            "[-d] [--quiet]",
        ],
    };
    for (index, line) in synopsis.iter().enumerate() {
        if index == 0 {
            text.push_str(&format!("Usage: {prog} {line}\n"));
        } else {
            text.push_str(&format!("{pad}{line}\n"));
        }
    }
    text.push_str(&format!("       {prog} --help\n"));
    text.push_str(&format!("       {prog} --version\n"));

    let mut section = |title: &str, rows: &[(&str, &str)]| {
        text.push('\n');
        text.push_str(title);
        text.push('\n');
        for (flag, meaning) in rows {
            if flag.len() > 24 {
                text.push_str(&format!("  {flag}\n  {:24} {meaning}\n", ""));
            } else {
                text.push_str(&format!("  {flag:24} {meaning}\n"));
            }
        }
    };

    section(
        "Broker and connection:",
        &[
            (
                "-h, --host HOST",
                "broker host name or address (default: localhost)",
            ),
            (
                "-p, --port PORT",
                "broker port (default: 1883); 0 means HOST is a unix socket path",
            ),
            (
                "    --unix PATH",
                "connect through the unix domain socket PATH instead of TCP",
            ),
            (
                "-L, --url URL",
                "mqtt://[user[:password]@]host[:port]/topic: all of these in one argument",
            ),
            (
                "-A ADDRESS",
                "local address to bind the connection to (picks the interface)",
            ),
            ("    --nodelay", "send each packet at once (TCP_NODELAY)"),
            ("-u, --username NAME", "user name to log in with"),
            (
                "-P, --pw PASSWORD",
                "password to log in with (MQTT 3.x: only together with -u)",
            ),
            (
                "-V, --protocol-version V",
                "mqttv5 or 5, mqttv311 or 311 (the default), mqttv31 or 31",
            ),
            (
                "-k, --keepalive SECONDS",
                "seconds between keepalive pings, 5 to 65535 (default: 60)",
            ),
        ],
    );
    section(
        "Proxy:",
        &[(
            "    --proxy URL",
            "socks5h://[user[:password]@]host[:port] (port 1080): connect through a SOCKS5 proxy",
        )],
    );
    section(
        "TLS (rustls; see docs/tls.md):",
        &[
            (
                "    --cafile FILE",
                "trust the CA certificates in FILE (PEM); turns TLS on, port 8883",
            ),
            (
                "    --capath DIR",
                "trust every PEM certificate in DIR; turns TLS on, port 8883",
            ),
            (
                "    --tls-use-os-certs",
                "trust the system's CA certificates; turns TLS on",
            ),
            ("    --cert FILE", "client certificate (PEM), with --key"),
            (
                "    --key FILE",
                "client private key (PEM, not encrypted), with --cert",
            ),
            ("    --keyform pem", "the key's format (only pem)"),
            (
                "    --insecure",
                "do not check the host name (the chain is still checked)",
            ),
            (
                "    --tls-version V",
                "tlsv1.3 (only 1.3) or tlsv1.2 (1.2 or later)",
            ),
            ("    --tls-alpn PROTOCOL", "offer this ALPN protocol"),
            (
                "    --ciphers LIST",
                "cipher suites, OpenSSL or IANA names separated by ':'",
            ),
        ],
    );
    section(
        "Session:",
        &[
            ("-i, --id ID", "client identifier"),
            (
                "-I, --id-prefix PREFIX",
                "client identifier made of PREFIX and the process id",
            ),
            (
                "-c, --disable-clean-session",
                "ask the broker to keep the session after disconnecting (needs -i; MQTT 5: kept for ever unless -x)",
            ),
            (
                "-M COUNT",
                "at most COUNT QoS 1/2 messages waiting for acknowledgement (default: 20)",
            ),
            (
                "    --will-topic TOPIC",
                "topic of the message the broker sends if we vanish",
            ),
            (
                "    --will-payload TEXT",
                "content of that message (default: empty)",
            ),
            ("    --will-qos QOS", "its QoS (0, 1 or 2; default: 0)"),
            ("    --will-retain", "have the broker retain it"),
        ],
    );
    let mut v5_rows = vec![
        (
            "-D, --property COMMAND NAME VALUE",
            "send the MQTT 5 property NAME with VALUE in COMMAND: connect, publish, subscribe,",
        ),
        (
            "",
            "unsubscribe, disconnect or will (repeatable; implies -V 5 unless a -V follows)",
        ),
        (
            "-D COMMAND user-property KEY VALUE",
            "a user property takes a key and a value",
        ),
        (
            "-x SECONDS",
            "session expiry interval (MQTT 5): 0 to 4294967295, or -1 (never expires, needs -i)",
        ),
    ];
    if tool == Tool::Sub {
        v5_rows.push((
            "    --retain-as-published",
            "keep the retain flag of forwarded messages (MQTT 5 subscription option)",
        ));
    }
    section("MQTT 5 (-V 5, or any -D):", &v5_rows);
    match tool {
        Tool::Pub => section(
            "What to publish:",
            &[
                (
                    "-t, --topic TOPIC",
                    "topic to publish to (no + or # wildcards)",
                ),
                ("-m, --message TEXT", "the message is TEXT, byte for byte"),
                (
                    "-f, --file FILE",
                    "the message is the whole content of FILE",
                ),
                (
                    "-s, --stdin-file",
                    "the message is everything read from standard input",
                ),
                (
                    "-l, --stdin-line",
                    "each line of standard input is one message",
                ),
                ("-n, --null-message", "the message is empty (zero bytes)"),
                (
                    "-q, --qos QOS",
                    "delivery guarantee: 0, 1 or 2 (default: 0)",
                ),
                (
                    "-r, --retain",
                    "ask the broker to keep the message for future subscribers",
                ),
                (
                    "    --repeat COUNT",
                    "publish the message COUNT times (not with -l)",
                ),
                (
                    "    --repeat-delay SECONDS",
                    "wait this long between repeats (fractions allowed)",
                ),
            ],
        ),
        Tool::Sub => {
            section(
                "What to receive and print:",
                &[
                    (
                        "-t, --topic FILTER",
                        "topic filter to subscribe to; repeat -t for more filters",
                    ),
                    (
                        "-q, --qos QOS",
                        "QoS asked for every filter: 0, 1 or 2 (default: 0)",
                    ),
                    (
                        "-U, --unsubscribe FILTER",
                        "unsubscribe from FILTER right after subscribing (repeatable; -t is still needed)",
                    ),
                    (
                        "-v, --verbose",
                        "print the topic, a space, then the message",
                    ),
                    ("-N", "print no newline after each message"),
                    (
                        "-F FORMAT",
                        "print each message as FORMAT says (overrides -v; see below)",
                    ),
                    (
                        "    --pretty",
                        "print the JSON of %j and %J indented over several lines",
                    ),
                    (
                        "-C COUNT",
                        "exit after COUNT messages (the ones -R, -T or --retained-only skip do not count)",
                    ),
                    ("-W SECONDS", "exit after SECONDS seconds (exit status 27)"),
                    (
                        "-E",
                        "exit as soon as the broker has confirmed the subscriptions",
                    ),
                ],
            );
            section(
                "Which messages to print:",
                &[
                    (
                        "-R",
                        "skip retained messages (MQTT 5: the broker is asked not to send them)",
                    ),
                    (
                        "    --retained-only",
                        "print retained messages only; exit at the first one that is not (not with -R)",
                    ),
                    (
                        "    --remove-retained",
                        "clear each retained message received from the broker (use -T to spare topics)",
                    ),
                    (
                        "-T, --filter-out FILTER",
                        "skip messages whose topic matches FILTER (repeatable)",
                    ),
                    (
                        "    --random-filter PERCENT",
                        "print only about PERCENT % of the messages, chosen at random (0.1 to 100)",
                    ),
                ],
            );
            section(
                "-F FORMAT (one newline is added after each message unless -N):",
                &[
                    ("%t %p", "topic, payload (raw bytes)"),
                    ("%x %X", "payload in lower / upper case hexadecimal"),
                    (
                        "%l %m %q %r",
                        "payload length, message id, QoS, retain flag (0 or 1)",
                    ),
                    (
                        "%I %U",
                        "receive time: ISO 8601 local time, Unix time with nanoseconds",
                    ),
                    (
                        "%j %J",
                        "the message as JSON; %J embeds a JSON payload as JSON",
                    ),
                    (
                        "%A %C %D %E %F %P %R %S",
                        "MQTT 5 properties: topic alias, content type, correlation data, message expiry, payload format, user properties (key:value), response topic, subscription id",
                    ),
                    (
                        "%[-][0][width][.precision]",
                        "flags, width and precision, e.g. %-20t %05l %.10t",
                    ),
                    (
                        "%8p %8x",
                        "a width also cuts the payload (%x: to width/2 bytes), as in mosquitto_sub",
                    ),
                    (
                        "@Y @m @d @H ... @N",
                        "strftime codes of the receive time; @N nanoseconds",
                    ),
                    ("%% @@ \\", "a literal %, @ or \\"),
                    (
                        "\\n \\t \\r \\0 \\a \\e \\v",
                        "newline, tab, CR, NUL, bell, escape, vertical tab",
                    ),
                ],
            );
        }
    }
    section(
        "Output and help:",
        &[
            (
                "-d, --debug",
                "print a line for every MQTT packet sent or received",
            ),
            (
                "    --quiet",
                "hide errors that happen after the arguments were accepted",
            ),
            ("    --help", "print this text"),
            ("    --version", "print the version of rpubsub itself"),
        ],
    );

    let mosquitto = tool.mosquitto_name();
    let differences = match tool {
        Tool::Pub => "",
        Tool::Sub => {
            "  Differences from mosquitto_sub 2.0.11 (see docs/decisions.md):
  - --random-filter 100 prints every message and 50 about half of them (mosquitto_sub prints a
    tenth of the percentage given); values from 100 to 1000 (which it accepts) print everything.
  - an -F error naming a character that is not ASCII shows it as U+FFFD, not as the raw byte.
"
        }
    };
    text.push_str(&format!(
        "
Notes:
  Arguments are read the way {mosquitto} reads them: one flag per argument (no -dv, no --port=1883),
  a flag's value is always the next argument, even when it starts with '-', and numbers are read like
  C's atoi (\"1x\" counts as 1, \"x\" as 0). --help and --version exit with status 1.
  Without -i or -I the client id is empty under MQTT 3.1.1 and the broker picks one (debug lines then
  show \"(null)\"); under MQTT 3.1 a random \"mosq-\" id is made up.
  Not supported (these flags are refused with an error):
  - TLS-PSK (--psk, --psk-identity) and OpenSSL engines (--tls-engine, --keyform engine): rustls
    offers neither, so these are refused for good (see docs/tls.md);
{differences}",
    ));
    text.push('\n');
    text
}
