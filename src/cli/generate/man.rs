//! The man page (roff, `man(7)` macros), section 1.
//!
//! NAME, SYNOPSIS and OPTIONS come from the flag table and the help's layout (`help.rs`: the same
//! summary, synopsis template and sections, rsub's `-F` specifiers), EXIT STATUS from the table of
//! docs/exit-codes.md (compiled in, so the two cannot drift), FILES from the options-file module.

use super::{Generate, generated_by, one_line};
use crate::cli::help::{self, PARTS, Part};
use crate::cli::options_file;
use crate::cli::table::{self, Flag, Section};
use crate::tool::{Tool, Tools};

/// Where the Debian package puts links named like mosquitto's clients (see Cargo.toml).
pub(crate) const COMPAT_DIR: &str = "/usr/lib/rpubsub/compat";

/// docs/exit-codes.md, whose table is the EXIT STATUS section.
const EXIT_CODES: &str = include_str!("../../../docs/exit-codes.md");

/// `text` escaped for roff: backslashes and hyphens (a plain `-` may print as a hyphen that cannot be
/// pasted into a shell), and a leading `.` or `'` that would start a request.
pub(super) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    if text.starts_with(['.', '\'']) {
        escaped.push_str("\\&");
    }
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\e"),
            '-' => escaped.push_str("\\-"),
            _ => escaped.push(c),
        }
    }
    escaped
}

fn bold(text: &str) -> String {
    format!("\\fB{}\\fR", escape(text))
}

fn italic(text: &str) -> String {
    format!("\\fI{}\\fR", escape(text))
}

/// Markdown's inline code (`` `-d` ``) in bold, the rest escaped: for texts taken from the docs.
fn markdown(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(index, piece)| {
            if index % 2 == 1 {
                bold(piece)
            } else {
                escape(piece)
            }
        })
        .collect()
}

/// The flag as a tag line: `-h, --host HOST` with the names bold and the value italic.
fn flag_tag(flag: &Flag) -> String {
    let mut tag = flag
        .names
        .iter()
        .map(|name| bold(name))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(value) = flag.takes.name() {
        tag.push(' ');
        tag.push_str(&italic(value.help));
    }
    tag
}

/// A synopsis line of the help's template, with `<flag>` as the bold flag and its italic value.
fn synopsis_line(tool: Tool, template: &str) -> String {
    let mut line = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        line.push_str(&escape(&rest[..start]));
        let name = &rest[start + 1..start + length];
        match table::lookup(tool, name.as_bytes()) {
            Some(flag) => {
                line.push_str(&bold(name));
                if let Some(value) = flag.takes.name() {
                    line.push(' ');
                    line.push_str(&italic(value.synopsis));
                }
            }
            None => line.push_str(&escape(name)),
        }
        rest = &rest[start + length + 1..];
    }
    line.push_str(&escape(rest));
    line
}

/// One row of the table in docs/exit-codes.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExitRow {
    pub(super) code: String,
    pub(super) when: String,
    pub(super) stderr: String,
    pub(super) tools: String,
}

impl ExitRow {
    /// Whether the row's Tool column names `tool` (`both` is rpub and rsub; `all` is every tool).
    pub(super) fn applies_to(&self, tool: Tool) -> bool {
        let words: Vec<&str> = self
            .tools
            .split(|c: char| !c.is_ascii_alphanumeric())
            .collect();
        words.contains(&tool.name())
            || words.contains(&"all")
            || (words.first() == Some(&"both") && Tools::PUB.with(Tools::SUB).contains(tool))
    }
}

/// The cells of a Markdown table row, `\|` read as `|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cell.push('|');
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells.iter().map(|cell| cell.trim().to_string()).collect()
}

/// The rows of the tables of docs/exit-codes.md: the main one (`| Code | When | stderr ... | Tool |`),
/// whose Tool column says which tools a row is for, and the tables of one tool (`| Code | When |
/// stderr ... |`) under a heading naming it (`## rrr`). A table of another shape gives no rows (a
/// test then fails).
pub(super) fn exit_rows() -> Vec<ExitRow> {
    let mut rows = Vec::new();
    let mut heading = "";
    let mut lines = EXIT_CODES.lines();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("## ") {
            heading = title.trim();
            continue;
        }
        if !line.starts_with("| Code |") {
            continue;
        }
        let header = cells(line);
        let with_tools = match header.as_slice() {
            [code, _, _, tool] if code == "Code" && tool == "Tool" => true,
            [code, _, _] if code == "Code" => false,
            _ => continue,
        };
        let table = lines
            .by_ref()
            .skip(1) // the |---| line
            .take_while(|line| line.starts_with('|'));
        for cells in table.map(cells) {
            let tools = match (with_tools, cells.as_slice()) {
                (true, [_, _, _, tools]) => tools.clone(),
                (false, [_, _, _]) => heading.to_string(),
                _ => continue,
            };
            rows.push(ExitRow {
                code: cells[0].clone(),
                when: cells[1].clone(),
                stderr: cells[2].clone(),
                tools,
            });
        }
    }
    rows
}

/// The examples, in every tool's page (they show the tools together): paragraphs separated by an
/// empty line, each a text, then its command lines (starting with `$ `; a line ending with ` \`
/// goes on in the next). One string rather than a table of strings: the binary relocates every
/// pointer of a table at each start, and this one would be used by `--generate man` only.
pub(super) const EXAMPLES: &str = "\
The classic smoke test: subscribe in one terminal, with a line for every packet, then publish from \
another; the subscriber prints the message.
$ rsub -d -t orz
$ rpub -d -t orz -m \"Hello mosquitto.\"

A CI check: wait at most 30 seconds for a device to report (exit status 0 when a message came, 27 \
on time-out, 1 when the broker cannot be reached, so the job fails), then record the result with \
QoS 1 (any status but 0 fails the step).
$ rsub -h broker.example -t devices/42/status -C 1 -W 30
$ rpub -h broker.example -q 1 -t ci/builds/1234 -m passed

TLS: check the broker's certificate against the CA in ca.crt and log in with a client \
certificate, on port 8883; then watch every topic, printing each topic before its message.
$ rpub -h broker.example -p 8883 --cafile ca.crt --cert client.crt \\
    --key client.key -t sensors/temp -m 21.5
$ rsub -h broker.example -p 8883 --cafile ca.crt -v -t \"#\"

A request and its response (MQTT 5): rrr subscribes to replies/me, sends the question to \
service/time with replies/me as its response topic, prints the first answer and exits.
$ rrr -t service/time -e replies/me -m \"what time is it?\"

Run a script written for mosquitto's clients on these tools, unchanged (with the Debian package's \
links):
$ PATH=/usr/lib/rpubsub/compat:$PATH \\
    mosquitto_pub -t orz -m \"Hello mosquitto.\"
";

/// The examples as (text, command lines), the `$ ` taken off.
pub(super) fn examples() -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    EXAMPLES.split("\n\n").map(|paragraph| {
        let mut lines = paragraph.lines();
        let text = lines.next().unwrap_or_default();
        let commands = lines
            .map(|line| line.strip_prefix("$ ").unwrap_or(line))
            .collect();
        (text, commands)
    })
}

/// The ENVIRONMENT section: a variable, a tab, what it does (one string, as [`EXAMPLES`]).
const ENVIRONMENT: &str = "\
XDG_CONFIG_HOME\twhere the options file is looked for (and nowhere else) when set
HOME\tthe options file is in $HOME/.config when XDG_CONFIG_HOME is not set
SSL_CERT_FILE, SSL_CERT_DIR\tthe CA certificates that --tls-use-os-certs and mqtts:// URLs trust \
instead of the system's
MQTT_PASSWORD\tthe password when -u is given without -P or --pw-file (kept out of the process's \
arguments)
SSLKEYLOGFILE\twhere TLS secrets are appended when --tls-keylog is not given (debugging only)
";

/// The man page of `tool`.
pub(super) fn page(tool: Tool) -> String {
    let name = tool.name();
    let mosquitto = tool.mosquitto_name();
    let summary = help::summary(tool);
    let mut page = String::with_capacity(24 * 1024);
    let mut line = |text: &str| {
        page.push_str(text);
        page.push('\n');
    };

    line(&format!(".\\\" {}", generated_by(tool, Generate::Man)));
    line(&format!(
        ".TH {} 1 \"\" \"rpubsub {}\" \"User Commands\"",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    ));
    // No hyphenation, ragged right: option names stay whole and can be searched for.
    line(".nh");
    line(".ad l");

    line(".SH NAME");
    line(&format!(
        "{} \\- {}",
        escape(name),
        escape(summary.trim_end_matches('.'))
    ));

    line(".SH SYNOPSIS");
    for form in help::synopsis_template(tool) {
        line(".PP");
        for (index, template) in form.iter().enumerate() {
            let text = synopsis_line(tool, template);
            if index == 0 {
                line(&format!("{} {text}", bold(name)));
            } else {
                line(&text);
            }
        }
    }

    line(".SH DESCRIPTION");
    line(&format!("{} {}", bold(name), escape(summary)));
    line(".PP");
    line(&format!(
        "It replaces {}(1) 2.0.11: the same options, the same output (every {} line included), the same error messages and the same exit status. Messages name the program as it was started, so started under the name {} (see {}) it prints exactly what {} prints. The options {} does not have are long options, and nothing changes unless one of them is given.",
        bold(mosquitto),
        bold("-d"),
        bold(mosquitto),
        bold("FILES"),
        escape(mosquitto),
        escape(mosquitto),
    ));
    line(".PP");
    line(&format!(
        "Arguments are read the way {} reads them: one option per argument (no {}, no {}), an option's value is always the next argument, even when it starts with {}, and numbers are read like C's {}(3) (\"1x\" counts as 1, \"x\" as 0). Default options are read first, from the options file (see {}).",
        escape(mosquitto),
        bold("-dv"),
        bold("--port=1883"),
        bold("-"),
        bold("atoi"),
        bold("FILES"),
    ));

    line(".SH OPTIONS");
    let mut sections: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    let flag_items = |section: Section| -> Vec<(String, String)> {
        table::flags(tool)
            .filter(|flag| flag.section == section)
            .flat_map(|flag| {
                let first = (flag_tag(flag), escape(&one_line(flag.help)));
                let forms = flag.forms.iter().map(|(form, text)| {
                    let tag = form
                        .split(' ')
                        .map(|word| {
                            if word.starts_with('-') {
                                bold(word)
                            } else {
                                italic(word)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    (tag, escape(text))
                });
                std::iter::once(first).chain(forms)
            })
            .collect()
    };
    for part in PARTS {
        match part {
            Part::Flags(section) => sections.push((section.title(), flag_items(*section))),
            Part::Rows { tools, title, rows } if tools.contains(tool) => sections.push((
                title,
                rows.iter()
                    .map(|(tag, text)| (bold(tag), escape(text)))
                    .collect(),
            )),
            Part::Rows { .. } => {}
        }
    }
    sections.push((Section::Refused.title(), flag_items(Section::Refused)));
    for (title, items) in sections {
        if items.is_empty() {
            continue;
        }
        line(&format!(".SS {}", escape(title.trim_end_matches(':'))));
        for (tag, text) in items {
            line(".TP");
            line(&tag);
            line(&text);
        }
    }

    line(".SH EXIT STATUS");
    line(&format!(
        "The exit status and error messages are those of {} 2.0.11 (from docs/exit-codes.md):",
        escape(mosquitto)
    ));
    for row in exit_rows().iter().filter(|row| row.applies_to(tool)) {
        line(".TP");
        line(&bold(&row.code));
        let mut text = markdown(&row.when);
        if !row.stderr.is_empty() {
            text.push_str(". Standard error: ");
            text.push_str(&markdown(&row.stderr));
        }
        if let Some(note) = row.tools.find('(').map(|start| &row.tools[start..]) {
            text.push(' ');
            text.push_str(&markdown(note));
        }
        line(&text);
    }
    line(".PP");
    line(&format!(
        "A runtime error is printed on standard error unless {} is given; argument errors always are.",
        bold("--quiet")
    ));

    line(".SH FILES");
    let [ours, theirs] = options_file::file_names(tool);
    line(".TP");
    line(&format!(
        "{}, else {}",
        italic(&format!("$XDG_CONFIG_HOME/{ours}")),
        italic(&format!("$HOME/.config/{ours}"))
    ));
    line(&format!(
        "Default options, read before the command line: one option per line ({} alone, or {} and its value after one space), lines starting with # ignored. When the file does not exist, {}'s file {} in the same directory is read instead. See /usr/share/doc/rpubsub/options\\-file.md.",
        bold("-opt"),
        bold("-opt"),
        escape(mosquitto),
        italic(theirs)
    ));
    line(".TP");
    line(&italic(&format!("{COMPAT_DIR}/{mosquitto}")));
    line(&format!(
        "(Debian package) a link to {}: with {} first in {}, scripts that run {} run {} instead, without removing mosquitto's clients.",
        bold(name),
        italic(COMPAT_DIR),
        bold("PATH"),
        escape(mosquitto),
        escape(name)
    ));

    line(".SH ENVIRONMENT");
    for entry in ENVIRONMENT.lines() {
        let (variable, text) = entry.split_once('\t').unwrap_or((entry, ""));
        line(".TP");
        line(&bold(variable));
        line(&escape(text));
    }

    line(".SH EXAMPLES");
    for (text, commands) in examples() {
        line(".PP");
        line(&escape(text));
        line(".PP");
        line(".RS 4");
        line(".nf");
        for command in commands {
            line(&escape(command));
        }
        line(".fi");
        line(".RE");
    }

    line(".SH SEE ALSO");
    let mut see_also: Vec<(String, u8)> = Tool::ALL
        .iter()
        .filter(|&&other| other != tool)
        .map(|other| (other.name().to_string(), 1))
        .collect();
    see_also.extend(
        Tool::ALL
            .iter()
            .map(|tool| (tool.mosquitto_name().to_string(), 1)),
    );
    see_also.push(("mosquitto".to_string(), 8));
    see_also.push(("mqtt".to_string(), 7));
    let last = see_also.len() - 1;
    for (index, (page_name, section)) in see_also.iter().enumerate() {
        let comma = if index == last { "" } else { "," };
        line(&format!(".BR {} ({section}){comma}", escape(page_name)));
    }
    line(".PP");
    line(
        "The documents in /usr/share/doc/rpubsub (the Debian package), or README.md and docs/ in the source.",
    );
    page
}
