//! The one place that prints errors and picks exit codes.

use std::io::Write;

use crate::cli::help::{Tool, usage_text};

/// Everything that ends a run other than success, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An argument error. `text` is mosquitto's message with its own trailing newline(s) (some have one,
    /// some two); it is followed by `\nUse '<prog> --help' to see usage.\n`. Never hidden by `--quiet`.
    Usage { text: String },
    /// rpub without topic or message: `text` on stderr and the whole usage text on stdout.
    UsageWithHelp { text: String },
    /// An argument error printed as is, without the `Use ...` line. Never hidden by `--quiet`.
    UsageRaw { text: String },
    /// `--help`: usage text on stdout, exit 1.
    Help,
    /// `--version`: version line on stdout, exit 1.
    Version,
    /// A runtime error: `text` (complete, with newlines) on stderr unless `--quiet`, then exit `code`.
    Runtime { text: String, code: i32 },
    /// Exit with `code` and print nothing (mosquitto's silent failures, e.g. signal before CONNACK).
    Silent { code: i32 },
}

impl Failure {
    pub fn runtime(line: impl Into<String>, code: i32) -> Failure {
        let mut text = line.into();
        text.push('\n');
        Failure::Runtime { text, code }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage { .. }
            | Failure::UsageWithHelp { .. }
            | Failure::UsageRaw { .. }
            | Failure::Help
            | Failure::Version => 1,
            Failure::Runtime { code, .. } | Failure::Silent { code } => *code,
        }
    }
}

/// Prints what `failure` has to say and returns the process exit code. `prog` is the name the program was
/// invoked as (basename of argv[0]).
pub fn report(failure: &Failure, tool: Tool, prog: &str, quiet: bool) -> i32 {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    // Write errors are ignored on purpose: there is nowhere left to report them.
    match failure {
        Failure::Usage { text } => {
            let mut err = stderr.lock();
            let _ = write!(err, "{text}\nUse '{prog} --help' to see usage.\n");
        }
        Failure::UsageWithHelp { text } => {
            let _ = stderr.lock().write_all(text.as_bytes());
            let mut out = stdout.lock();
            let _ = out.write_all(usage_text(tool, prog).as_bytes());
            let _ = out.flush();
        }
        Failure::UsageRaw { text } => {
            let _ = stderr.lock().write_all(text.as_bytes());
        }
        Failure::Help => {
            let mut out = stdout.lock();
            let _ = out.write_all(usage_text(tool, prog).as_bytes());
            let _ = out.flush();
        }
        Failure::Version => {
            let mut out = stdout.lock();
            let _ = writeln!(out, "{}", crate::cli::help::tool_version_line(tool, prog));
            let _ = out.flush();
        }
        Failure::Runtime { text, .. } => {
            if !quiet {
                let _ = stderr.lock().write_all(text.as_bytes());
            }
        }
        Failure::Silent { .. } => {}
    }
    failure.exit_code()
}

/// Prints a runtime error line right away (the run continues or ends with its own exit code), unless
/// `--quiet`. stdout is flushed first so a terminal shows both streams in the order they happened.
pub fn print_error(output: &mut crate::net::Output, line: &str, quiet: bool) {
    if quiet {
        return;
    }
    output.flush();
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Opening the transport failed: mosquitto exits 1 with the resolver's or the OS's message.
pub fn connect_failure(failure: &crate::net::ConnectFailure) -> Failure {
    match failure {
        crate::net::ConnectFailure::Lookup => {
            Failure::runtime("Unable to connect (Lookup error.).", 1)
        }
        crate::net::ConnectFailure::Io(err) => {
            Failure::runtime(format!("Error: {}", crate::net::os_error_text(err)), 1)
        }
    }
}

/// `Connection error: ...` for a refused CONNACK (MQTT 3.x return codes).
pub fn connack_refused_line(code: u8) -> String {
    let reason = match code {
        1 => "Connection Refused: unacceptable protocol version.",
        2 => "Connection Refused: identifier rejected.",
        3 => "Connection Refused: broker unavailable.",
        4 => "Connection Refused: bad user name or password.",
        5 => "Connection Refused: not authorised.",
        _ => "Connection Refused: unknown reason.",
    };
    format!("Connection error: {reason}")
}

/// libmosquitto error numbers that reach the exit code, with mosquitto_strerror's text.
const MOSQ_ERR_PROTOCOL: (i32, &str) = (
    2,
    "A network protocol error occurred when communicating with the broker.",
);
const MOSQ_ERR_CONN_REFUSED: &str = "The connection was refused.";
const MOSQ_ERR_CONN_LOST: (i32, &str) = (7, "The connection was lost.");
/// MOSQ_ERR_KEEPALIVE has no text of its own in mosquitto_strerror.
const MOSQ_ERR_KEEPALIVE: (i32, &str) = (19, "Unknown error.");

/// How a run that ends because the connection ended is reported by rpub (mosquitto_pub prints the
/// loop's error with `Error: <strerror>` and exits with its number; a refused CONNACK exits with the
/// return code). The `Connection error:` line of a refusal is printed separately, when CONNACK arrives.
pub fn publisher_connection_end(error: &crate::proto::event::ConnectionError) -> Option<Failure> {
    use crate::proto::event::ConnectionError;
    let (code, text) = match error {
        ConnectionError::Disconnected => return None,
        ConnectionError::Refused(code) => (i32::from(*code), MOSQ_ERR_CONN_REFUSED),
        ConnectionError::Lost => MOSQ_ERR_CONN_LOST,
        ConnectionError::KeepaliveTimeout => MOSQ_ERR_KEEPALIVE,
        ConnectionError::Decode(_) | ConnectionError::Protocol(_) => MOSQ_ERR_PROTOCOL,
    };
    Some(Failure::runtime(format!("Error: {text}"), code))
}
