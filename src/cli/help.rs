//! Usage text (`--help`, and rpub's "topic and message" error) and the version line (`--version`).
//!
//! The wording is our own; only the overall shape follows mosquitto's clients (what the tool does, the
//! version line, a blank line, the synopsis, one line per flag, notes, a final blank line). The synopsis
//! and the lists of flags are generated from the flag table (`table.rs`); what is written here is
//! the layout, the synopsis's grouping, the `-F` specifiers and the notes.

use super::table::{self, Flag, Origin, Section};
use crate::tool::{Tool, Tools};

/// `<prog> version <ours> (rpubsub; compatible with mosquitto_pub 2.0.11)`, without newline.
pub fn tool_version_line(tool: Tool, prog: &str) -> String {
    format!(
        "{prog} version {} (rpubsub; compatible with {} 2.0.11)",
        env!("CARGO_PKG_VERSION"),
        tool.mosquitto_name()
    )
}

/// What `--version` prints: the version line and its newline.
pub fn version_text(tool: Tool, prog: &str) -> String {
    format!("{}\n", tool_version_line(tool, prog))
}

/// What the tool does, the first line of its help after the program name.
pub(crate) fn summary(tool: Tool) -> &'static str {
    match tool {
        Tool::Pub => {
            "publishes MQTT messages: one message (or one per input line) to one topic, then it exits."
        }
        Tool::Sub => "subscribes to MQTT topic filters and prints the messages it receives.",
        Tool::Rr => {
            "sends an MQTT request and prints the first response: it subscribes to the response topic,\n\
             publishes the request (MQTT 5: with that topic as its response topic) and exits after one\n\
             message. MQTT 5 by default; with -V 311 the responder must know the response topic."
        }
    }
}

/// The usage synopsis of each tool: its forms (the full command line, `--help`, `--version`), each a
/// list of lines. `<flag>` stands for the flag as the table describes it for that tool: `<-h>` becomes
/// `-h host`, `<-r>` stays `-r`.
pub(crate) fn synopsis_template(tool: Tool) -> &'static [&'static [&'static str]] {
    match tool {
        Tool::Pub => &[
            &[
                "{[<-h>] [<-p> | <--unix>] [<-u> [<-P>]] <-t> | <-L>}",
                "{<-m> | <-f> | <-s> | <-l> | <-n>}",
                "[<-q>] [<-r>] [<--repeat>] [<--repeat-delay>]",
                "[<-c>] [<-k>] [<-V>] [<-M>]",
                "[<-i> | <-I>] [<-A>] [<--nodelay>] [<--ws> [<--ws-path>]] [<--no-tls>]",
                "[<--will-topic> [<--will-payload>] [<--will-qos>] [<--will-retain>]]",
                "[<-x>] [<-D> ...]",
                "[<--connect-timeout>] [<--timeout>] [<--wait-for-broker>]",
                "[<--reconnect> [<--reconnect-delay>]] [<--strict>] [<--pw-file>]",
                "[<--check> [<--check-format>] [<--check-warn>] [<--check-crit>]]",
                "[<-d>] [<--quiet>] [<-o>]",
            ],
            &["<--generate>"],
            &["<--help>"],
            &["<--version>"],
        ],
        Tool::Sub => &[
            &[
                "{[<-h>] [<-p> | <--unix>] [<-u> [<-P>]] {<-t> | <-U>} ... | <-L> [<-t> ...]}",
                "[<-q>] [<-v>] [<-N>] [<-F> [<--pretty>]] [<-C>] [<-W>] [<-E>]",
                "[<-R> | <--retained-only>] [<--remove-retained>] [<-T> ...] [<-U> ...]",
                "[<--random-filter>] [<-w> | <--message-rate>]",
                "[<-c>] [<-k>] [<-V>] [<-M>]",
                "[<-i> | <-I>] [<-A>] [<--nodelay>] [<--ws> [<--ws-path>]] [<--no-tls>]",
                "[<--will-topic> [<--will-payload>] [<--will-qos>] [<--will-retain>]]",
                "[<-x>] [<-D> ...] [<--retain-as-published>] [<--retain-handling>]",
                "[<--connect-timeout>] [<--timeout>] [<--idle-timeout>]",
                "[<--wait-for-broker>] [<--reconnect> [<--reconnect-delay>]] [<--strict>] [<--pw-file>]",
                "[<--expect-payload> | <--expect-regex>] [<--expect-count>] [<--expect-none>]",
                "[<-d>] [<--quiet>] [<-o>]",
            ],
            &["<--generate>"],
            &["<--help>"],
            &["<--version>"],
        ],
        Tool::Rr => &[
            &[
                "{[<-h>] [<-p> | <--unix>] [<-u> [<-P>]] <-t> | <-L>} <-e>",
                "{<-m> | <-f> | <-s> | <-n>}",
                "[<-q>] [<-v>] [<-N>] [<-F> [<--pretty>]] [<-W>] [<-R>] [<--latency>]",
                "[<-c>] [<-k>] [<-V>] [<-M>]",
                "[<-i> | <-I>] [<-A>] [<--nodelay>] [<--ws> [<--ws-path>]] [<--no-tls>]",
                "[<--will-topic> [<--will-payload>] [<--will-qos>] [<--will-retain>]]",
                "[<-x>] [<-D> ...] [<--retain-as-published>] [<--retain-handling>]",
                "[<-d>] [<--quiet>] [<-o>]",
            ],
            &["<--generate>"],
            &["<--help>"],
            &["<--version>"],
        ],
    }
}

/// One line of the synopsis template with each `<flag>` replaced by the flag and its value's synopsis
/// name. A name the tool does not know stays as written (a test checks that none is left).
fn expand_synopsis_line(tool: Tool, template: &str) -> String {
    let mut line = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        let name = &rest[start + 1..start + length];
        line.push_str(&rest[..start]);
        match table::lookup(tool, name.as_bytes()) {
            Some(flag) => {
                line.push_str(name);
                if let Some(value) = flag.takes.name() {
                    line.push(' ');
                    line.push_str(value.synopsis);
                }
            }
            None => line.push_str(&rest[start..=start + length]),
        }
        rest = &rest[start + length + 1..];
    }
    line.push_str(rest);
    line
}

/// The usage synopsis: `Usage: <prog> ...` and its continuation lines, then `<prog> --help` and
/// `<prog> --version`, each line with its newline.
pub(crate) fn synopsis(tool: Tool, prog: &str) -> String {
    let pad = " ".repeat("Usage: ".len() + prog.chars().count() + 1);
    let mut text = String::new();
    for (form_index, form) in synopsis_template(tool).iter().enumerate() {
        for (line_index, template) in form.iter().enumerate() {
            let line = expand_synopsis_line(tool, template);
            match (form_index, line_index) {
                (0, 0) => text.push_str(&format!("Usage: {prog} {line}\n")),
                (_, 0) => text.push_str(&format!("       {prog} {line}\n")),
                _ => text.push_str(&format!("{pad}{line}\n")),
            }
        }
    }
    text
}

/// The flag as the help's first column shows it: `-h, --host HOST`, `    --unix PATH`, `-A ADDRESS`.
pub(crate) fn flag_column(flag: &Flag) -> String {
    let mut column = String::with_capacity(32);
    match (flag.short(), flag.long()) {
        (Some(short), Some(long)) => {
            column.push_str(short);
            column.push_str(", ");
            column.push_str(long);
        }
        (Some(short), None) => column.push_str(short),
        (None, Some(long)) => {
            column.push_str("    ");
            column.push_str(long);
        }
        (None, None) => {}
    }
    if let Some(value) = flag.takes.name() {
        column.push(' ');
        column.push_str(value.help);
    }
    column
}

/// One part of the help after the synopsis.
pub(crate) enum Part {
    /// The flags of a section that the tool accepts (nothing when it accepts none).
    Flags(Section),
    /// A list that is not made of flags, for `tools` only.
    Rows {
        tools: Tools,
        title: &'static str,
        rows: &'static [(&'static str, &'static str)],
    },
}

/// The sections of the help, in order. [`Section::Refused`] is not among them: the notes name those
/// flags.
pub(crate) const PARTS: &[Part] = &[
    Part::Flags(Section::Connection),
    Part::Flags(Section::Proxy),
    Part::Flags(Section::Tls),
    Part::Flags(Section::Session),
    Part::Flags(Section::V5),
    Part::Flags(Section::Publish),
    Part::Flags(Section::Receive),
    Part::Flags(Section::Select),
    Part::Rows {
        tools: Tools::SUB.with(Tools::RR),
        title: "-F FORMAT (one newline is added after each message unless -N):",
        rows: FORMAT_ROWS,
    },
    Part::Flags(Section::Ci),
    Part::Flags(Section::Output),
];

/// The `-F` specifiers of rsub and rrr.
const FORMAT_ROWS: &[(&str, &str)] = &[
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
        "%f %d",
        "a 4-byte payload as a float, an 8-byte one as a double (mosquitto 2.1)",
    ),
    (
        "%[-][0][width][.precision]",
        "flags, width and precision, e.g. %-20t %05l %.10t %.2f",
    ),
    (
        "%.2x %.4:X",
        "hex in groups of 2 (4) digits, separated by a space (':') (mosquitto 2.1)",
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
];

/// Appends a titled list: two columns, the first 24 characters wide (a longer entry gets a line of
/// its own).
fn push_section(text: &mut String, title: &str, rows: &[(String, &str)]) {
    text.push('\n');
    text.push_str(title);
    text.push('\n');
    // Written piece by piece rather than with `format!("{flag:24}")`: `--help` is one of the
    // start-up benchmarks, and the formatting machinery doubled the cost of building this text.
    const WIDTH: usize = 24;
    const SPACES: &str = "                        ";
    for (flag, meaning) in rows {
        text.push_str("  ");
        text.push_str(flag);
        let width = flag.chars().count();
        if width > WIDTH {
            text.push_str("\n  ");
            text.push_str(SPACES);
        } else {
            text.push_str(&SPACES[..WIDTH - width]);
        }
        text.push(' ');
        text.push_str(meaning);
        text.push('\n');
    }
}

/// The help's lines for `flag`: its first line, the further lines of its text, then its other forms.
fn flag_rows(flag: &'static Flag) -> impl Iterator<Item = (String, &'static str)> {
    let mut lines = flag.help.split('\n');
    let first = lines.next().map(|line| (flag_column(flag), line));
    let more = lines.map(|line| (String::new(), line));
    let forms = flag
        .forms
        .iter()
        .map(|&(form, meaning)| (form.to_string(), meaning));
    first.into_iter().chain(more).chain(forms)
}

/// The notes' lines naming the flags that are not mosquitto 2.0.11's, from the table.
fn newer_flags_note(tool: Tool) -> String {
    let names = |origin: Origin| {
        table::flags(tool)
            .filter(|flag| flag.origin == origin)
            .map(|flag| flag.short().or(flag.long()).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "  From mosquitto 2.1 (its behaviour): {}\n  Our own: {}\n",
        names(Origin::Mosquitto2_1),
        names(Origin::Rpubsub)
    )
}

/// The full usage text, ending with an empty line.
pub fn usage_text(tool: Tool, prog: &str) -> String {
    // Room for the whole text at once (rsub's is about 9 KB).
    let mut text = String::with_capacity(12 * 1024);
    text.push_str(&format!("{prog} {}\n", summary(tool)));
    text.push_str(&tool_version_line(tool, prog));
    text.push_str("\n\n");
    text.push_str(&synopsis(tool, prog));

    for part in PARTS {
        match part {
            Part::Flags(section) => {
                let rows: Vec<_> = table::flags(tool)
                    .filter(|flag| flag.section == *section)
                    .flat_map(flag_rows)
                    .collect();
                if !rows.is_empty() {
                    push_section(&mut text, section.title(), &rows);
                }
            }
            Part::Rows { tools, title, rows } => {
                if tools.contains(tool) {
                    let rows: Vec<_> = rows
                        .iter()
                        .map(|&(column, meaning)| (column.to_string(), meaning))
                        .collect();
                    push_section(&mut text, title, &rows);
                }
            }
        }
    }

    // rrr's default protocol is MQTT 5, whose empty id the broker replaces too.
    let empty_id_versions = match tool {
        Tool::Rr => "MQTT 5 and 3.1.1",
        Tool::Pub | Tool::Sub => "MQTT 3.1.1",
    };
    let exit_statuses = match tool {
        Tool::Pub | Tool::Sub => {
            "Exit statuses, those of the flags for scripts and CI included: docs/exit-codes.md (\"For CI\")."
        }
        Tool::Rr => "Exit statuses: docs/exit-codes.md (\"rrr\").",
    };
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
        Tool::Rr => {
            "  Differences from mosquitto_rr 2.0.11 (see docs/decisions.md):
  - with -D publish correlation-data, only a message carrying the same correlation data is the
    response; others on the response topic are ignored (mosquitto_rr prints the first message).
  - -f and -s send the file or standard input (mosquitto_rr 2.0.11 sends an empty request).
  - -R ignores retained messages and --retain-as-published sets its subscription option, as in
    mosquitto_rr 2.1 (2.0.11 accepts both and does nothing).
  - --latency, from mosquitto_rr 2.1.
  - an -F error naming a character that is not ASCII shows it as U+FFFD, not as the raw byte.
"
        }
    };
    let newer = newer_flags_note(tool);
    text.push_str(&format!(
        "
Notes:
  Arguments are read the way {mosquitto} reads them: one flag per argument (no -dv, no --port=1883),
  a flag's value is always the next argument, even when it starts with '-', and numbers are read like
  C's atoi (\"1x\" counts as 1, \"x\" as 0). --help and --version exit with status 1.
  Without -i or -I the client id is empty under {empty_id_versions} and the broker picks one (debug lines then
  show \"(null)\"); under MQTT 3.1 a random \"mosq-\" id is made up.
  {exit_statuses}
{newer}  Not supported (these flags are refused with an error):
  - TLS-PSK (--psk, --psk-identity) and OpenSSL engines (--tls-engine, --keyform engine): rustls
    offers neither, so these are refused for good (see docs/tls.md);
{differences}",
    ));
    text.push('\n');
    text
}
