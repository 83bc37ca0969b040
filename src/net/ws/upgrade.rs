//! The HTTP side of MQTT over WebSockets: the upgrade request we send, the server's answer checked
//! rule by rule (RFC 6455 §4.1, client side), and [`WsFailure`], what went wrong in words a person can
//! act on.

use std::fmt;
use std::io;

use super::MESSAGE_MAX;

/// The most bytes of the server's answer to the upgrade read before its headers must have ended.
pub const RESPONSE_MAX: usize = 16 * 1024;
/// How many bytes of a non-HTTP answer are quoted in the error.
const QUOTED_BYTES: usize = 8;
/// The most headers read from the answer.
const MAX_HEADERS: usize = 64;

/// Why a WebSocket connection failed (the text starts with `Error:`; see `exit::ws_failure`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFailure {
    /// The server answered the upgrade with another HTTP status (401, 403, 404, 426, 503, ...).
    Refused { status_line: String },
    /// The server accepted the upgrade in a way RFC 6455 does not allow (a wrong accept key, no
    /// `Upgrade: websocket`, another subprotocol, ...).
    BadUpgrade { status_line: String, reason: String },
    /// The answer is not HTTP (`reply`: its first bytes).
    NotHttp { reply: Vec<u8> },
    /// The answer is a TLS record: the port expects `wss://`.
    TlsAnswer { reply: Vec<u8> },
    /// The server closed the connection before answering the upgrade (`reply`: what it sent, if
    /// anything; usually an MQTT broker's plain TCP port, which drops the HTTP request).
    ClosedDuringUpgrade { reply: Vec<u8> },
    /// The headers of the answer did not end within [`RESPONSE_MAX`] bytes.
    ResponseTooLarge,
    /// The server sent a text frame (MQTT travels in binary frames only).
    TextFrame,
    /// The server announced a frame or message larger than [`MESSAGE_MAX`].
    FrameTooLarge { size: u64 },
    /// Another violation of RFC 6455 by the server (masked frame, reserved bits, bad close frame, ...).
    Protocol { reason: String },
}

impl WsFailure {
    /// Whether the upgrade failed (rather than the WebSocket connection afterwards).
    pub fn during_upgrade(&self) -> bool {
        matches!(
            self,
            WsFailure::Refused { .. }
                | WsFailure::BadUpgrade { .. }
                | WsFailure::NotHttp { .. }
                | WsFailure::TlsAnswer { .. }
                | WsFailure::ClosedDuringUpgrade { .. }
                | WsFailure::ResponseTooLarge
        )
    }

    /// Whether another attempt may succeed: a server that closed before answering is often one
    /// that is just (re)starting; everything else is what the server is configured to say.
    pub fn is_transient(&self) -> bool {
        matches!(self, WsFailure::ClosedDuringUpgrade { .. })
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for WsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WsFailure::Refused { status_line } => write!(
                f,
                "Error: the server refused the WebSocket upgrade: {status_line}{}",
                refusal_hint(status_line)
            ),
            WsFailure::BadUpgrade {
                status_line,
                reason,
            } => write!(
                f,
                "Error: the server's answer to the WebSocket upgrade is not valid ({reason}): {status_line}"
            ),
            WsFailure::NotHttp { reply } => write!(
                f,
                "Error: the server did not answer the WebSocket upgrade with HTTP (it sent {}): \
                 is this a WebSocket listener? Plain MQTT ports need mqtt:// (without --ws).",
                hex_bytes(reply)
            ),
            WsFailure::TlsAnswer { reply } => write!(
                f,
                "Error: the server answered the WebSocket upgrade with TLS (it sent {}): \
                 this port expects wss:// (or --ws with --cafile, --capath or --tls-use-os-certs).",
                hex_bytes(reply)
            ),
            WsFailure::ClosedDuringUpgrade { reply } if reply.is_empty() => f.write_str(
                "Error: the server closed the connection without answering the WebSocket upgrade: \
                 is this a WebSocket listener? Plain MQTT ports need mqtt:// (without --ws).",
            ),
            WsFailure::ClosedDuringUpgrade { reply } => write!(
                f,
                "Error: the server closed the connection in the middle of its answer to the WebSocket \
                 upgrade (after {} bytes).",
                reply.len()
            ),
            WsFailure::ResponseTooLarge => write!(
                f,
                "Error: the server's answer to the WebSocket upgrade did not end its headers within \
                 {RESPONSE_MAX} bytes."
            ),
            WsFailure::TextFrame => f.write_str(
                "Error: the server sent a WebSocket text frame; MQTT over WebSockets uses binary frames only.",
            ),
            WsFailure::FrameTooLarge { size } => write!(
                f,
                "Error: the server sent a WebSocket frame of {size} bytes, more than the largest MQTT \
                 packet ({MESSAGE_MAX} bytes)."
            ),
            WsFailure::Protocol { reason } => {
                write!(f, "Error: WebSocket protocol error from the server: {reason}.")
            }
        }
    }
}

impl std::error::Error for WsFailure {}

/// What usually causes a refusal, for the statuses people meet.
fn refusal_hint(status_line: &str) -> &'static str {
    let code = status_line.split_whitespace().nth(1).unwrap_or("");
    match code {
        "400" | "404" => " (is --ws-path right? libmosquitto and most brokers use /mqtt)",
        "401" | "407" => {
            " (the server wants HTTP authentication, which MQTT over WebSockets does not send)"
        }
        "426" => " (the server wants another WebSocket version; we speak version 13)",
        _ => "",
    }
}

impl WsFailure {
    /// The failure inside an `io::Error` returned by [`WsStream`], if it is one.
    pub fn from_io_error(err: &io::Error) -> Option<&WsFailure> {
        err.get_ref()?.downcast_ref::<WsFailure>()
    }
}

/// The `Host` header value: the host as given, IPv6 literals in brackets, and the port unless it is
/// the scheme's default (RFC 7230 §5.4).
pub fn host_header(host: &str, port: u16, tls: bool) -> String {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let default_port = if tls { 443 } else { 80 };
    if port == default_port {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// The upgrade request (RFC 6455 §4.1), with `key` as `Sec-WebSocket-Key`.
pub fn upgrade_request(path: &str, host_header: &str, key: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\n\
         Host: {host_header}\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\n\
         Sec-WebSocket-Protocol: mqtt\r\n\
         Sec-WebSocket-Version: 13\r\n\
         \r\n"
    )
    .into_bytes()
}

/// What the answer to the upgrade says, once its headers are complete.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Headers incomplete: read more.
    Partial,
    /// Accepted: the WebSocket starts after `header_len` bytes.
    Accepted {
        header_len: usize,
    },
    Failed(WsFailure),
}

/// The status line as the server wrote it (without CR LF), for messages.
fn status_line(response: &[u8]) -> String {
    let end = response
        .windows(2)
        .position(|pair| pair == b"\r\n")
        .or_else(|| response.iter().position(|&b| b == b'\n'))
        .unwrap_or(response.len());
    let line: String = String::from_utf8_lossy(&response[..end])
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(200)
        .collect();
    line.trim().to_string()
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
fn lists_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// The values of every header called `name` (case-insensitive).
fn header_values<'h, 'b>(
    headers: &'h [httparse::Header<'b>],
    name: &'static str,
) -> impl Iterator<Item = &'b [u8]> + 'h {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

/// Checks the server's answer to the upgrade (RFC 6455 §4.1, client side) as far as it has arrived.
pub fn check_answer(response: &[u8], accept_key: &str) -> Answer {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut headers);
    let header_len = match parsed.parse(response) {
        Ok(httparse::Status::Partial) => {
            if response.len() >= RESPONSE_MAX {
                return Answer::Failed(WsFailure::ResponseTooLarge);
            }
            // httparse only fails on the first bytes that cannot be HTTP; until then wait.
            return Answer::Partial;
        }
        Ok(httparse::Status::Complete(len)) => len,
        Err(httparse::Error::TooManyHeaders) => {
            return Answer::Failed(WsFailure::BadUpgrade {
                status_line: status_line(response),
                reason: format!("more than {MAX_HEADERS} headers"),
            });
        }
        Err(_) => {
            let reply = response[..response.len().min(QUOTED_BYTES)].to_vec();
            if crate::tls::looks_like_tls_record(response) {
                return Answer::Failed(WsFailure::TlsAnswer { reply });
            }
            if response.starts_with(b"HTTP/") {
                return Answer::Failed(WsFailure::BadUpgrade {
                    status_line: status_line(response),
                    reason: "malformed HTTP".to_string(),
                });
            }
            return Answer::Failed(WsFailure::NotHttp { reply });
        }
    };
    let line = status_line(response);
    if parsed.code != Some(101) {
        return Answer::Failed(WsFailure::Refused { status_line: line });
    }
    let all: &[httparse::Header<'_>] = parsed.headers;
    let header = |name: &'static str| header_values(all, name);
    let bad = |reason: &str| {
        Answer::Failed(WsFailure::BadUpgrade {
            status_line: line.clone(),
            reason: reason.to_string(),
        })
    };
    if !header("Upgrade").any(|value| lists_token(value, "websocket")) {
        return bad("no \"Upgrade: websocket\" header");
    }
    if !header("Connection").any(|value| lists_token(value, "upgrade")) {
        return bad("no \"Connection: Upgrade\" header");
    }
    match header("Sec-WebSocket-Accept").next() {
        None => return bad("no Sec-WebSocket-Accept header"),
        Some(value) if value.trim_ascii() != accept_key.as_bytes() => {
            return bad("wrong Sec-WebSocket-Accept key");
        }
        Some(_) => {}
    }
    // We offer only `mqtt`; a server that names another one does not speak MQTT here. One that
    // names none is accepted, as most MQTT clients do.
    if let Some(value) = header("Sec-WebSocket-Protocol").next()
        && !value.trim_ascii().eq_ignore_ascii_case(b"mqtt")
    {
        return bad(&format!(
            "subprotocol \"{}\" instead of mqtt",
            String::from_utf8_lossy(value).trim()
        ));
    }
    if header("Sec-WebSocket-Extensions").next().is_some() {
        return bad("an extension we did not offer");
    }
    Answer::Accepted { header_len }
}
