//! The one place that prints errors and picks exit codes.

pub mod ci;

use std::io::Write;

use crate::output::stdout::write_stderr;
use crate::proto::client::{CommandError, PublishError};
use crate::proto::codec::{PacketType, Version};
use crate::proto::event::{ConnectionError, PublishFailure};

/// Everything that ends a run other than success, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An argument error. `text` is mosquitto's message with its own trailing newline(s) (some have one,
    /// some two); it is followed by `\nUse '<prog> --help' to see usage.\n`. Never hidden by `--quiet`.
    Usage { text: String },
    /// rpub without topic or message: `text` on stderr and `usage`, the whole usage text, on stdout.
    UsageWithHelp { text: String, usage: String },
    /// An argument error printed as is, without the `Use ...` line. Never hidden by `--quiet`.
    UsageRaw { text: String },
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

    /// The same failure with its runtime text hidden (`--quiet`); the exit code stays.
    pub fn quieted(self) -> Failure {
        match self {
            Failure::Runtime { code, .. } => Failure::Silent { code },
            other => other,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage { .. } | Failure::UsageWithHelp { .. } | Failure::UsageRaw { .. } => 1,
            Failure::Runtime { code, .. } | Failure::Silent { code } => *code,
        }
    }
}

/// Prints what `failure` has to say and returns the process exit code. `prog` is the name the program was
/// invoked as (basename of `argv[0]`).
pub fn report(failure: &Failure, prog: &str, quiet: bool) -> i32 {
    let stderr = std::io::stderr();
    // Write errors are ignored on purpose: there is nowhere left to report them.
    match failure {
        Failure::Usage { text } => {
            let mut err = stderr.lock();
            let _ = write!(err, "{text}\nUse '{prog} --help' to see usage.\n");
        }
        Failure::UsageWithHelp { text, usage } => {
            let _ = stderr.lock().write_all(text.as_bytes());
            write_stdout(usage);
        }
        Failure::UsageRaw { text } => {
            let _ = stderr.lock().write_all(text.as_bytes());
        }
        Failure::Runtime { text, .. } => {
            if !quiet {
                // stderr may share a non-blocking pipe with stdout (`2>&1 |`).
                write_stderr(text.as_bytes());
            }
        }
        Failure::Silent { .. } => {}
    }
    failure.exit_code()
}

/// `--help` and `--version`: `text` (the usage text or the version line) on stdout. mosquitto's clients
/// exit 1 after either, as after a usage error.
pub fn help_or_version(text: &str) -> i32 {
    write_stdout(text);
    1
}

/// Prints what `--generate` made (a man page, a completion script) and returns the exit code: 0, unlike
/// `--help` (mosquitto has no such option to follow, and scripts and packaging check the status).
/// A failed write is an error here (`rpub --generate man > rpub.1` on a full disk must not look done).
pub fn generated(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "Error: {error}");
            1
        }
    }
}

/// Writes `text` to stdout at once (errors ignored: there is nowhere left to report them).
fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Prints a runtime error line right away (the run continues or ends with its own exit code), unless
/// `--quiet`. stdout is flushed first so a terminal shows both streams in the order they happened.
pub fn print_error(output: &mut crate::output::stdout::Output, line: &str, quiet: bool) {
    if quiet {
        return;
    }
    output.flush();
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    write_stderr(text.as_bytes());
}

/// Writes the runtime errors of a message being printed (an `-F` `%J` payload that is not JSON) in
/// the order a terminal shows mosquitto's line-buffered stdout and unbuffered stderr: what stdout
/// holds before the message (which starts at `start` in the buffer) first, then the errors, then the
/// message, which stays buffered. `start` is `None` when part of the message was written already (as
/// mosquitto's stdio buffer writes part of so long a line): the errors follow that part.
pub fn print_message_errors(
    output: &mut crate::output::stdout::Output,
    start: Option<usize>,
    errors: &[u8],
) {
    let message = match start {
        Some(start) => output.buffer().split_off(start),
        None => Vec::new(),
    };
    if start.is_some() {
        output.flush();
    }
    write_stderr(errors);
    output.buffer().extend_from_slice(&message);
}

/// Opening the transport failed: mosquitto exits 1 with the resolver's or the OS's message.
pub fn connect_failure(failure: &crate::net::ConnectFailure) -> Failure {
    match failure {
        crate::net::ConnectFailure::Lookup => {
            Failure::runtime("Unable to connect (Lookup error.).", 1)
        }
        crate::net::ConnectFailure::Io(err) => {
            Failure::runtime(format!("Error: {}", crate::sys::os_error_text(err)), 1)
        }
        crate::net::ConnectFailure::TlsSetup(err) => tls_setup_failure(err),
        // mosquitto reports proxy failures only as a generic loop error; say what the proxy did.
        crate::net::ConnectFailure::Proxy(err) => Failure::runtime(format!("Error: {err}"), 1),
        // The session names the broker and the limit (`exit::ci::connect_timed_out`); this is
        // only what is said without them.
        crate::net::ConnectFailure::TimedOut(_) => Failure::runtime(
            "Error: the connection attempt timed out.",
            ci::CONNECT_TIMEOUT,
        ),
    }
}

/// `Connection error: ...` for a refused CONNACK, as mosquitto's clients print it: MQTT 3.x return
/// codes with [`connack_refused_line`]; MQTT 5 reason codes with their reason string and no final
/// period, and 132 (also what a 3.x broker's "unacceptable protocol version" becomes) with advice.
pub fn connection_refused_line(version: Version, code: u8) -> String {
    match version {
        Version::V5 if code == 132 => format!(
            "Connection error: {}. Try connecting to an MQTT v5 broker, or use MQTT v3.x mode.",
            reason_string(code)
        ),
        Version::V5 => format!("Connection error: {}", reason_string(code)),
        Version::V31 | Version::V311 => connack_refused_line(code),
    }
}

/// libmosquitto's `mosquitto_reason_string`: the text of an MQTT 5 reason code.
pub fn reason_string(code: u8) -> &'static str {
    match code {
        0 => "Success",
        1 => "Granted QoS 1",
        2 => "Granted QoS 2",
        4 => "Disconnect with Will Message",
        16 => "No matching subscribers",
        17 => "No subscription existed",
        24 => "Continue authentication",
        25 => "Re-authenticate",
        128 => "Unspecified error",
        129 => "Malformed Packet",
        130 => "Protocol Error",
        131 => "Implementation specific error",
        132 => "Unsupported Protocol Version",
        133 => "Client Identifier not valid",
        134 => "Bad User Name or Password",
        135 => "Not authorized",
        136 => "Server unavailable",
        137 => "Server busy",
        138 => "Banned",
        139 => "Server shutting down",
        140 => "Bad authentication method",
        141 => "Keep Alive timeout",
        142 => "Session taken over",
        143 => "Topic Filter invalid",
        144 => "Topic Name invalid",
        145 => "Packet Identifier in use",
        146 => "Packet Identifier not found",
        147 => "Receive Maximum exceeded",
        148 => "Topic Alias invalid",
        149 => "Packet too large",
        150 => "Message rate too high",
        151 => "Quota exceeded",
        152 => "Administrative action",
        153 => "Payload format invalid",
        154 => "Retain not supported",
        155 => "QoS not supported",
        156 => "Use another server",
        157 => "Server moved",
        158 => "Shared Subscriptions not supported",
        159 => "Connection rate exceeded",
        160 => "Maximum connect time",
        161 => "Subscription identifiers not supported",
        162 => "Wildcard Subscriptions not supported",
        _ => "Unknown reason",
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
const MOSQ_ERR_NO_CONN: (i32, &str) = (4, "The client is not currently connected.");
const MOSQ_ERR_QOS_NOT_SUPPORTED: (i32, &str) = (24, "Requested QoS not supported on server.");
const MOSQ_ERR_OVERSIZE_PACKET: (i32, &str) = (25, "Packet larger than supported by the server.");
const MOSQ_ERR_CONN_LOST: (i32, &str) = (7, "The connection was lost.");
const MOSQ_ERR_NOMEM: (i32, &str) = (1, "Out of memory.");
const MOSQ_ERR_INVAL: (i32, &str) = (3, "Invalid function arguments provided.");
const MOSQ_ERR_PAYLOAD_SIZE: (i32, &str) = (9, "Payload too large.");
const MOSQ_ERR_NOT_SUPPORTED: (i32, &str) = (10, "This feature is not supported.");
/// MOSQ_ERR_UNKNOWN: what mosquitto 2.1 exits with when a WebSocket upgrade is refused.
const MOSQ_ERR_UNKNOWN: i32 = 13;
/// MOSQ_ERR_TLS: its text (`A TLS error occurred.`) gives way to one naming the cause.
const MOSQ_ERR_TLS: i32 = 8;
/// MOSQ_ERR_KEEPALIVE has no text of its own in mosquitto_strerror.
const MOSQ_ERR_KEEPALIVE: (i32, &str) = (19, "Unknown error.");

/// How a run that ends because the connection ended is reported by rpub (mosquitto_pub prints the
/// loop's error with `Error: <strerror>` and exits with its number; a refused CONNACK exits with the
/// return code). The `Connection error:` line of a refusal is printed separately, when CONNACK arrives.
/// libmosquitto ends a refusal with codes 1 to 5 as "connection refused" (3.x return codes; also what
/// an MQTT 5 CONNACK carrying one of those unlisted codes gets), any other (MQTT 5 reason codes 128
/// and more) as a protocol error.
pub fn publisher_connection_end(error: &ConnectionError) -> Option<Failure> {
    let (code, text) = match error {
        ConnectionError::Disconnected => return None,
        ConnectionError::Refused(code @ 1..=5) => (i32::from(*code), MOSQ_ERR_CONN_REFUSED),
        ConnectionError::Refused(code) => (i32::from(*code), MOSQ_ERR_PROTOCOL.1),
        ConnectionError::Lost => MOSQ_ERR_CONN_LOST,
        ConnectionError::KeepaliveTimeout => MOSQ_ERR_KEEPALIVE,
        ConnectionError::Decode(_) | ConnectionError::Protocol(_) => MOSQ_ERR_PROTOCOL,
    };
    Some(Failure::runtime(format!("Error: {text}"), code))
}

/// The broker broke the protocol (malformed bytes, a packet wrong where it came, an acknowledgement
/// of the wrong kind): `Error: A network protocol error occurred when communicating with the
/// broker.`, exit 2, for rsub as for rpub (mosquitto_sub leaves its loop on MOSQ_ERR_PROTOCOL).
pub fn protocol_violation() -> Failure {
    let (code, text) = MOSQ_ERR_PROTOCOL;
    Failure::runtime(format!("Error: {text}"), code)
}

/// The end of a run could not write what was accepted before our DISCONNECT (the tail of a large
/// message): the socket took nothing for a whole keepalive interval. mosquitto_pub's keepalive
/// reports the same dead link: `Error: Unknown error.`, exit 19 (MOSQ_ERR_KEEPALIVE).
pub fn drain_stalled() -> Failure {
    let (code, text) = MOSQ_ERR_KEEPALIVE;
    Failure::runtime(format!("Error: {text}"), code)
}

/// The end of a run could not write what was accepted before our DISCONNECT: the connection
/// failed (the broker closed or reset it). `Error: The connection was lost.`, exit 7, as
/// mosquitto_pub when the connection goes while a message is being written.
pub fn drain_failed() -> Failure {
    let (code, text) = MOSQ_ERR_CONN_LOST;
    Failure::runtime(format!("Error: {text}"), code)
}

/// Our addition (mosquitto loses its stdio buffer silently): a run that ended at once (SIGINT,
/// SIGTERM, `-W`) while stdout took nothing dropped what it had not taken yet.
pub fn output_dropped_line(bytes: usize) -> String {
    format!("Warning: {bytes} bytes of output were not written: stdout was not being read.")
}

/// How rpub ends after an MQTT 5 server's DISCONNECT (`-m`/`-f`/`-s`/`-n`; `-l` always exits 0):
/// mosquitto_pub's disconnect callback takes reason 0 as a normal end; with any other reason its loop
/// ends with MOSQ_ERR_NO_CONN.
pub fn publisher_server_disconnect(reason_code: u8) -> Option<Failure> {
    (reason_code != 0).then(|| {
        let (code, text) = MOSQ_ERR_NO_CONN;
        Failure::runtime(format!("Error: {text}"), code)
    })
}

/// What mosquitto_pub prints when a publish made from its connect callback (`-m`/`-f`/`-s`/`-n`) is
/// refused before anything is sent; it then disconnects and exits 0. `None`: refused silently (a
/// packet above the broker's maximum packet size).
pub fn publish_refused_line(error: &PublishError) -> Option<&'static str> {
    match error {
        PublishError::Command(CommandError::TooLarge) => {
            Some("Error: Message payload is too large.")
        }
        PublishError::Command(CommandError::NotConnected) => {
            Some("Error: Client not connected when trying to publish.")
        }
        PublishError::Command(CommandError::InflightWindowFull) => {
            Some("Error: Out of memory when trying to publish message.")
        }
        PublishError::QosNotSupported { .. } => {
            Some("Error: Message QoS not supported on broker, try a lower QoS.")
        }
        PublishError::PacketTooLarge { .. } => None,
    }
}

/// In `-l` mode mosquitto_pub leaves its loop when a line cannot be published (the broker's limits,
/// or a line too long for any packet: libmosquitto's MOSQ_ERR_PAYLOAD_SIZE): `Error: <strerror>`,
/// that error's number as exit code, no DISCONNECT. `None` for the other refusals.
pub fn publish_loop_failure(error: &PublishError) -> Option<Failure> {
    let (code, text) = match error {
        PublishError::QosNotSupported { .. } => MOSQ_ERR_QOS_NOT_SUPPORTED,
        PublishError::PacketTooLarge { .. } => MOSQ_ERR_OVERSIZE_PACKET,
        PublishError::Command(CommandError::TooLarge) => MOSQ_ERR_PAYLOAD_SIZE,
        PublishError::Command(CommandError::NotConnected | CommandError::InflightWindowFull) => {
            return None;
        }
    };
    Some(Failure::runtime(format!("Error: {text}"), code))
}

/// `-l` read a line longer than the largest payload. mosquitto_pub reads all of it (without bound),
/// then libmosquitto refuses it (MOSQ_ERR_PAYLOAD_SIZE) and the loop ends as for
/// [`publish_loop_failure`]; we stop reading as soon as the line is too long.
pub fn line_too_long() -> Failure {
    let (code, text) = MOSQ_ERR_PAYLOAD_SIZE;
    Failure::runtime(format!("Error: {text}"), code)
}

/// `-l` mode when libmosquitto refuses a publish as MOSQ_ERR_NOT_SUPPORTED (MQTT 5 properties on a
/// 3.x connection): `Error: This feature is not supported.`, exit 10, no DISCONNECT.
pub fn publish_not_supported_loop_failure() -> Failure {
    let (code, text) = MOSQ_ERR_NOT_SUPPORTED;
    Failure::runtime(format!("Error: {text}"), code)
}

/// `Warning: Publish <mid> failed: <reason string>.` for a message an MQTT 5 broker refused, then the
/// broker's own reason string on a line of its own if it sent one. libmosquitto hands the properties
/// of PUBACK and PUBCOMP to mosquitto_pub, not those of PUBREC: a refusing PUBREC's reason string is
/// not shown.
pub fn publish_failed_text(failure: &PublishFailure) -> String {
    let mut text = format!(
        "Warning: Publish {} failed: {}.",
        failure.mid,
        reason_string(failure.reason_code)
    );
    if failure.ack != PacketType::PubRec
        && let Some(reason) = failure.properties.reason_string()
    {
        text.push('\n');
        text.push_str(reason);
    }
    text
}

/// A failed TLS connection: what went wrong (clearer than mosquitto's `Error: A TLS error occurred.`;
/// the text starts with `Error:`), with mosquitto's exit code for it: 8 (MOSQ_ERR_TLS) for every
/// handshake failure, as mosquitto_pub/mosquitto_sub. Two deliberate choices: a rejected or missing
/// client certificate is 8 too (mosquitto gives 7 "connection lost" or 1 "Protocol error" depending on
/// timing, because in TLS 1.3 the broker's verdict comes after the client's handshake is over); and a
/// TLS answer to a plain client is 2, mosquitto's exit code for those bytes (a protocol error).
pub fn tls_failure(failure: &crate::tls::TlsFailure) -> Failure {
    use crate::tls::TlsFailure as F;
    let code = match failure {
        F::TlsServerOnPlainPort { .. } => MOSQ_ERR_PROTOCOL.0,
        F::HostnameMismatch { .. }
        | F::UnknownCa { .. }
        | F::Expired { .. }
        | F::NotYetValid { .. }
        | F::NotCa { .. }
        | F::BadSignature { .. }
        | F::HandshakeSignature { .. }
        | F::BadServerCertificate { .. }
        | F::ClientCertRequired
        | F::ClientCertRejected { .. }
        | F::VersionMismatch { .. }
        | F::HandshakeRejected { .. }
        | F::AlpnRejected { .. }
        | F::NotTlsServer { .. }
        | F::Alert { .. }
        | F::Other { .. } => MOSQ_ERR_TLS,
    };
    Failure::runtime(failure.to_string(), code)
}

/// A failed WebSocket connection: what the server did (clearer than mosquitto 2.1's texts, which
/// range from `Error: Unknown error` to `Error: Bad file descriptor`), with an exit code by class:
/// 7 (MOSQ_ERR_CONN_LOST, as mosquitto 2.1) when the server closed the connection during the
/// upgrade, 13 (MOSQ_ERR_UNKNOWN, what mosquitto 2.1 exits with when the upgrade is refused) for
/// every other failed upgrade, 2 (MOSQ_ERR_PROTOCOL) for a server that breaks the framing after it.
pub fn ws_failure(failure: &crate::net::WsFailure) -> Failure {
    use crate::net::WsFailure as F;
    let code = match failure {
        F::ClosedDuringUpgrade { .. } => MOSQ_ERR_CONN_LOST.0,
        F::Refused { .. }
        | F::BadUpgrade { .. }
        | F::NotHttp { .. }
        | F::TlsAnswer { .. }
        | F::ResponseTooLarge => MOSQ_ERR_UNKNOWN,
        F::TextFrame | F::FrameTooLarge { .. } | F::Protocol { .. } => MOSQ_ERR_PROTOCOL.0,
    };
    Failure::runtime(failure.to_string(), code)
}

/// A TLS option that cannot be used (a file, `--tls-version`, `--ciphers`, ...), found before
/// connecting: mosquitto exits 1 for every one, whether it notices it when setting the options or when
/// connecting.
pub fn tls_setup_failure(err: &crate::tls::TlsSetupError) -> Failure {
    use crate::tls::TlsSetupError as E;
    let code = match err {
        E::FileNotFound { .. }
        | E::CertWithoutKey
        | E::NoTrustAnchors
        | E::CaFile { .. }
        | E::CaPath { .. }
        | E::OsCerts { .. }
        | E::ClientCert { .. }
        | E::ClientKey { .. }
        | E::LegacyEncryptedKey { .. }
        | E::KeyPassphrase { .. }
        | E::WrongPassphrase { .. }
        | E::KeyLog { .. }
        | E::KeyMismatch { .. }
        | E::UnsupportedVersion { .. }
        | E::InvalidVersion { .. }
        | E::Ciphers { .. }
        | E::Alpn { .. }
        | E::InvalidHostName { .. }
        | E::Rustls { .. } => 1,
    };
    Failure::runtime(err.to_string(), code)
}

/// mosquitto_pub's report of a publish libmosquitto refused (an empty topic): the run continues to a
/// DISCONNECT and exit 0.
pub const INVALID_PUBLISH_INPUT: &str = "Error: Invalid input. Does your topic contain '+' or '#'?";

/// Reading stdin failed (`-l`, `-s`).
pub const STDIN_LOAD_FAILED: &str = "Error loading input from stdin.";

/// `-l`: reading stdin failed (e.g. stdin is a directory), printed once every line read before was
/// delivered and the DISCONNECT sent. mosquitto_pub 2.0.11 retries the failing read forever at
/// 100% CPU; this is its text and exit code for stdin that cannot be loaded (`-s`).
pub fn stdin_lines_unreadable() -> Failure {
    Failure::runtime(STDIN_LOAD_FAILED, 1)
}

/// The largest message mosquitto_pub reads from a file or stdin.
pub const MAX_INPUT_LEN: usize = crate::proto::codec::MAX_REMAINING_LENGTH;

/// `-f FILE` cannot be opened.
pub fn input_file_unopenable(path: &std::path::Path) -> Failure {
    let shown = path.display();
    Failure::Runtime {
        text: format!(
            "Error: Unable to open file \"{shown}\".\nError loading input file \"{shown}\".\n"
        ),
        code: 1,
    }
}

/// `-f FILE` could not be read (an I/O error; mosquitto_pub 2.0.11 ignores read errors and 2.1.2
/// prints this line).
pub fn input_file_unreadable(path: &std::path::Path, err: &std::io::Error) -> Failure {
    let shown = path.display();
    Failure::Runtime {
        text: format!(
            "Error: Unable to read file \"{shown}\": {}.\nError loading input file \"{shown}\".\n",
            crate::sys::os_error_text(err)
        ),
        code: 1,
    }
}

/// `-f FILE` is too large, or has no size (a directory).
pub fn input_file_too_large(path: &std::path::Path) -> Failure {
    Failure::Runtime {
        text: format!(
            "Error: File must be less than {MAX_INPUT_LEN} bytes.\n\nError loading input file \"{}\".\n",
            path.display()
        ),
        code: 1,
    }
}

/// `-s`: stdin could not be read.
pub fn stdin_unreadable() -> Failure {
    Failure::runtime(STDIN_LOAD_FAILED, 1)
}

/// `-s`: stdin holds more than a message can.
pub fn stdin_too_large() -> Failure {
    Failure::Runtime {
        text: format!(
            "Error: Message length must be less than {MAX_INPUT_LEN} bytes.\n\n{STDIN_LOAD_FAILED}\n"
        ),
        code: 1,
    }
}

/// `-s`: stdin is empty.
pub fn stdin_empty() -> Failure {
    Failure::Runtime {
        text: format!("Error: Zero length input.\n{STDIN_LOAD_FAILED}\n"),
        code: 1,
    }
}

/// rsub: every subscription was refused (printed after the DISCONNECT; still exit 0).
pub fn all_subscriptions_denied() -> Failure {
    Failure::runtime("All subscription requests were denied.", 0)
}

/// An error mosquitto's clients report while setting up the client (after reading the arguments,
/// before connecting), printed with `err_printf` and so hidden by `--quiet`: exit 1. `text` ends with
/// its newline.
pub fn setup_error(text: &str, quiet: bool) -> Failure {
    let failure = Failure::Runtime {
        text: text.to_string(),
        code: 1,
    };
    if quiet { failure.quieted() } else { failure }
}

/// A client setup step that fails without a message (libmosquitto returns an error without setting
/// errno, so mosquitto prints nothing at all): exit 1.
pub fn setup_failed_silently() -> Failure {
    Failure::Silent { code: 1 }
}

/// rsub after a refused CONNACK: the `Connection error:` line was printed when CONNACK arrived;
/// mosquitto_sub exits with the CONNACK's return (or reason) code.
pub fn subscriber_connection_refused(code: u8) -> Failure {
    Failure::Silent {
        code: i32::from(code),
    }
}

/// rrr's `Connection error: ...` for a refused CONNACK: mosquitto_rr always prints the MQTT 5 reason
/// string of the code, even for a 3.x return code (3.1.1's 5, "not authorised", becomes `Unknown
/// reason`), and adds that it needs an MQTT 5 broker to 132 (also what a 3.x broker answering our MQTT 5
/// CONNECT gets). `prog` stands where mosquitto names itself.
pub fn requester_connection_refused_line(code: u8, prog: &str) -> String {
    if code == 132 {
        format!(
            "Connection error: {}. {prog} only supports connecting to an MQTT v5 broker",
            reason_string(code)
        )
    } else {
        format!("Connection error: {}", reason_string(code))
    }
}

/// How rrr ends when the connection ends before a response: a refused CONNACK exits with its code
/// (the `Connection error:` line was printed when it arrived); otherwise as mosquitto_pub's loop
/// errors (`Error: The connection was lost.` 7, keepalive 19, protocol error 2). `None`: our own
/// DISCONNECT.
pub fn requester_connection_end(error: &ConnectionError) -> Option<Failure> {
    match error {
        ConnectionError::Refused(code) => Some(Failure::Silent {
            code: i32::from(*code),
        }),
        other => publisher_connection_end(other),
    }
}

/// mosquitto_rr publishes its request from its main loop: a refused publish ends the loop with
/// libmosquitto's error (`Error: <strerror>`, its number as exit code, no DISCONNECT). `None`: the
/// topic is empty (`-t ''`), which libmosquitto refuses as invalid arguments.
pub fn request_failure(error: Option<&PublishError>) -> Failure {
    let (code, text) = match error {
        None => MOSQ_ERR_INVAL,
        Some(PublishError::QosNotSupported { .. }) => MOSQ_ERR_QOS_NOT_SUPPORTED,
        Some(PublishError::PacketTooLarge { .. }) => MOSQ_ERR_OVERSIZE_PACKET,
        Some(PublishError::Command(CommandError::TooLarge)) => MOSQ_ERR_PAYLOAD_SIZE,
        Some(PublishError::Command(CommandError::NotConnected)) => MOSQ_ERR_NO_CONN,
        Some(PublishError::Command(CommandError::InflightWindowFull)) => MOSQ_ERR_NOMEM,
    };
    Failure::runtime(format!("Error: {text}"), code)
}

/// rsub and rrr: `-W` expired after CONNACK (printed after the DISCONNECT); rrr also before it.
pub fn timed_out() -> Failure {
    Failure::runtime("Timed out", 27)
}

/// rsub `-W` or a signal before the first CONNACK: mosquitto_sub's `exit(-1)`, nothing printed.
pub fn ended_before_connack() -> Failure {
    Failure::Silent { code: 255 }
}

/// `--trace FILE` cannot be created (before connecting): exit 1.
pub fn trace_file_unopenable(path: &std::path::Path, err: &std::io::Error) -> Failure {
    Failure::runtime(
        format!(
            "Error: Unable to open trace file \"{}\": {}.",
            path.display(),
            crate::sys::os_error_text(err)
        ),
        1,
    )
}

/// `rpub --json-lines` / `-l --topic-separator`: line `number` (1-based) cannot be published.
pub fn bad_input_line(number: u64, problem: &dyn std::fmt::Display) -> String {
    format!("Error: line {number}: {problem}")
}

/// A bad input line ends the run (without `--skip-bad-lines`) once what was published before it
/// is acknowledged: exit 1, the line was reported when it was read.
pub fn bad_input_failure() -> Failure {
    Failure::Silent { code: 1 }
}

/// `--template`: the message is not a valid template (before connecting): exit 1.
pub fn template_failure(problem: &dyn std::fmt::Display) -> Failure {
    Failure::runtime(format!("Error: Invalid --template message: {problem}."), 1)
}

/// A failure of the local machinery (poll, registration, a connect() error): `Error: <strerror>`,
/// exit 1 as everything that fails before mosquitto's network loop.
pub fn os_failure(err: &std::io::Error) -> Failure {
    Failure::runtime(format!("Error: {}", crate::sys::os_error_text(err)), 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::codec::{Properties, Property, QoS};

    // pub_connack_codes_v5_fake/summary.tsv and sub_connack_codes_v5_fake.
    #[test]
    fn v5_refusals_use_the_reason_string_without_a_period() {
        let cases = [
            (128, "Connection error: Unspecified error"),
            (129, "Connection error: Malformed Packet"),
            (130, "Connection error: Protocol Error"),
            (131, "Connection error: Implementation specific error"),
            (
                132,
                "Connection error: Unsupported Protocol Version. Try connecting to an MQTT v5 broker, or use MQTT v3.x mode.",
            ),
            (133, "Connection error: Client Identifier not valid"),
            (134, "Connection error: Bad User Name or Password"),
            (135, "Connection error: Not authorized"),
            (136, "Connection error: Server unavailable"),
            (137, "Connection error: Server busy"),
            (138, "Connection error: Banned"),
            (140, "Connection error: Bad authentication method"),
            (149, "Connection error: Packet too large"),
            (151, "Connection error: Quota exceeded"),
            (156, "Connection error: Use another server"),
            (157, "Connection error: Server moved"),
            (159, "Connection error: Connection rate exceeded"),
        ];
        for (code, line) in cases {
            assert_eq!(connection_refused_line(Version::V5, code), line);
        }
        assert_eq!(
            connection_refused_line(Version::V311, 5),
            "Connection error: Connection Refused: not authorised."
        );
        assert_eq!(
            connection_refused_line(Version::V31, 200),
            "Connection error: Connection Refused: unknown reason."
        );
    }

    #[test]
    fn reason_strings_cover_the_table() {
        assert_eq!(reason_string(4), "Disconnect with Will Message");
        assert_eq!(reason_string(16), "No matching subscribers");
        assert_eq!(reason_string(162), "Wildcard Subscriptions not supported");
        assert_eq!(reason_string(3), "Unknown reason");
        assert_eq!(reason_string(163), "Unknown reason");
        let known = (0..=u8::MAX)
            .filter(|&code| reason_string(code) != "Unknown reason")
            .count();
        assert_eq!(known, 8 + 35);
    }

    #[test]
    fn refused_connack_exit_codes_and_second_lines() {
        let v5 = publisher_connection_end(&ConnectionError::Refused(135));
        assert_eq!(
            v5,
            Some(Failure::runtime(
                "Error: A network protocol error occurred when communicating with the broker.",
                135
            ))
        );
        let v311 = publisher_connection_end(&ConnectionError::Refused(5));
        assert_eq!(
            v311,
            Some(Failure::runtime("Error: The connection was refused.", 5))
        );
        // An unlisted MQTT 5 CONNACK code 1 (fake server): mosquitto_pub prints
        // `Connection error: Granted QoS 1` then this, exit 1.
        assert_eq!(
            publisher_connection_end(&ConnectionError::Refused(1)),
            Some(Failure::runtime("Error: The connection was refused.", 1))
        );
        assert_eq!(
            connection_refused_line(Version::V5, 1),
            "Connection error: Granted QoS 1"
        );
        assert_eq!(
            publisher_connection_end(&ConnectionError::Refused(132)),
            Some(Failure::runtime(
                "Error: A network protocol error occurred when communicating with the broker.",
                132
            ))
        );
        assert_eq!(
            publisher_connection_end(&ConnectionError::Disconnected),
            None
        );
    }

    #[test]
    fn server_disconnect_ends_rpub_with_no_conn_unless_normal() {
        assert_eq!(publisher_server_disconnect(0), None);
        assert_eq!(
            publisher_server_disconnect(139),
            Some(Failure::runtime(
                "Error: The client is not currently connected.",
                4
            ))
        );
    }

    #[test]
    fn publish_refusals() {
        let qos = PublishError::QosNotSupported {
            maximum: QoS::AtLeastOnce,
        };
        let size = PublishError::PacketTooLarge {
            size: 1200,
            maximum: 1000,
        };
        assert_eq!(
            publish_refused_line(&qos),
            Some("Error: Message QoS not supported on broker, try a lower QoS.")
        );
        assert_eq!(publish_refused_line(&size), None);
        assert_eq!(
            publish_refused_line(&PublishError::Command(CommandError::TooLarge)),
            Some("Error: Message payload is too large.")
        );
        assert_eq!(
            publish_loop_failure(&qos),
            Some(Failure::runtime(
                "Error: Requested QoS not supported on server.",
                24
            ))
        );
        assert_eq!(
            publish_loop_failure(&size),
            Some(Failure::runtime(
                "Error: Packet larger than supported by the server.",
                25
            ))
        );
        assert_eq!(
            publish_loop_failure(&PublishError::Command(CommandError::NotConnected)),
            None
        );
    }

    // err_pub_acl_denied_v5_q1, pub_v5_puback_reason_string_fake, err_pub_acl_denied_v5_q2.
    #[test]
    fn publish_failed_warning_and_reason_string() {
        let with_reason = Properties::new().with(Property::ReasonString("denied by test".into()));
        let puback = PublishFailure {
            mid: 1,
            ack: PacketType::PubAck,
            reason_code: 135,
            properties: with_reason.clone(),
        };
        assert_eq!(
            publish_failed_text(&puback),
            "Warning: Publish 1 failed: Not authorized.\ndenied by test"
        );
        let pubrec = PublishFailure {
            ack: PacketType::PubRec,
            ..puback.clone()
        };
        assert_eq!(
            publish_failed_text(&pubrec),
            "Warning: Publish 1 failed: Not authorized."
        );
        let too_large = PublishFailure {
            mid: 7,
            ack: PacketType::PubAck,
            reason_code: 149,
            properties: Properties::new(),
        };
        assert_eq!(
            publish_failed_text(&too_large),
            "Warning: Publish 7 failed: Packet too large."
        );
    }
}
