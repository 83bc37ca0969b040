//! rsub's message output, byte-identical to `mosquitto_sub` 2.0.11 (FORMAT.md §5).
//!
//! - [`write_plain`]: the default mode (payload only) and `-v` (`topic payload`), EOL included.
//! - [`Format`]: a `-F` format string, parsed and validated once ([`Format::parse`], mosquitto's exact
//!   error texts in [`FormatError`]), then expanded per message with [`Format::write`] straight into
//!   a [`Sink`] (no allocation per message; padding and hex are streamed in bounded pieces, so a
//!   huge `-F` width or payload never makes a message be held whole, see `sink.rs`).
//! - `%j` / `%J` JSON: produced like cJSON 1.7.15 does (a parser and printer of its own in `json.rs`).
//! - [`Printer`]: the mode chosen on the command line, with the end-of-line rules of each mode.
//!
//! Times come from a [`Clock`] ([`SystemClock`] in production, [`FixedClock`] in tests), so
//! `%I`, `%U`, `@c`, `@N` and the JSON `tst` are testable.
//!
//! Nothing here prints: bytes go to `out` (a [`Sink`]: stdout through [`OutputSink`], or a `Vec<u8>`)
//! and are appended to `err` (stderr). The `err` text is a runtime message of mosquitto's
//! `err_printf` class, i.e. suppressed by `--quiet`.

mod format;
mod json;
pub mod json_lines;
mod sink;
pub mod stdout;
mod time;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v21;

pub use format::{Format, FormatError};
pub use sink::{OutputSink, Sink};
pub use time::{Clock, FixedClock, LocalTime, SystemClock, Timestamp};

/// One received message, as the formatter sees it.
#[derive(Clone, Copy, Debug)]
pub struct MessageView<'a> {
    /// The topic. mosquitto treats it as a C string: output stops at an embedded NUL.
    pub topic: &'a str,
    /// The payload, passed through untouched (binary-safe) by `%p` and the plain modes.
    pub payload: &'a [u8],
    pub qos: u8,
    pub retain: bool,
    /// Packet id (0 for QoS 0).
    pub mid: u16,
    /// MQTT v5 properties of the PUBLISH; `None` for v3.x messages (and v5 without properties).
    pub properties: Option<&'a V5Properties>,
}

/// One MQTT v5 PUBLISH property that mosquitto_sub can show. String and binary values are bytes;
/// mosquitto handles them as C strings (cut at the first NUL) except `%D`, which writes the
/// correlation data in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V5Property {
    PayloadFormatIndicator(u8),
    MessageExpiryInterval(u32),
    ContentType(Vec<u8>),
    ResponseTopic(Vec<u8>),
    CorrelationData(Vec<u8>),
    SubscriptionIdentifier(u32),
    TopicAlias(u16),
    /// `(key, value)`.
    UserProperty(Vec<u8>, Vec<u8>),
}

/// The v5 properties of a message **in the order they appear in the packet**.
///
/// A list rather than one optional field per property because the order is visible: the JSON
/// `properties` object lists keys in packet order (the mosquitto broker forwards the publisher's
/// order, with `message-expiry-interval` moved to the end), `%P` prints the user properties in
/// order, and a packet may carry several subscription identifiers. The `%` specifiers use the
/// first property of their kind, like mosquitto's `mosquitto_property_read_*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct V5Properties {
    pub list: Vec<V5Property>,
}

impl V5Properties {
    /// An empty property list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a property (builder style).
    pub fn with(mut self, property: V5Property) -> Self {
        self.list.push(property);
        self
    }

    pub fn payload_format_indicator(&self) -> Option<u8> {
        self.list.iter().find_map(|p| match p {
            V5Property::PayloadFormatIndicator(v) => Some(*v),
            _ => None,
        })
    }

    pub fn message_expiry_interval(&self) -> Option<u32> {
        self.list.iter().find_map(|p| match p {
            V5Property::MessageExpiryInterval(v) => Some(*v),
            _ => None,
        })
    }

    pub fn content_type(&self) -> Option<&[u8]> {
        self.list.iter().find_map(|p| match p {
            V5Property::ContentType(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    pub fn response_topic(&self) -> Option<&[u8]> {
        self.list.iter().find_map(|p| match p {
            V5Property::ResponseTopic(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    pub fn correlation_data(&self) -> Option<&[u8]> {
        self.list.iter().find_map(|p| match p {
            V5Property::CorrelationData(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The first subscription identifier (what `%S` shows).
    pub fn subscription_identifier(&self) -> Option<u32> {
        self.list.iter().find_map(|p| match p {
            V5Property::SubscriptionIdentifier(v) => Some(*v),
            _ => None,
        })
    }

    pub fn topic_alias(&self) -> Option<u16> {
        self.list.iter().find_map(|p| match p {
            V5Property::TopicAlias(v) => Some(*v),
            _ => None,
        })
    }

    /// The user properties, in packet order.
    pub fn user_properties(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.list.iter().filter_map(|p| match p {
            V5Property::UserProperty(k, v) => Some((k.as_slice(), v.as_slice())),
            _ => None,
        })
    }
}

/// How rsub prints messages, chosen once from the command line (`-F` overrides `-v`).
#[derive(Debug)]
pub enum OutputMode {
    /// Default (`verbose: false`) or `-v`.
    Plain { verbose: bool },
    /// `-F format`.
    Format(Format),
}

/// The complete message printer: the mode plus `--pretty` and `-N`.
#[derive(Debug)]
pub struct Printer {
    pub mode: OutputMode,
    /// `--pretty`: `%j`/`%J` use cJSON's formatted layout.
    pub pretty: bool,
    /// `-N`: no end-of-line after each message.
    pub no_eol: bool,
}

impl Printer {
    /// Writes everything mosquitto_sub prints for one message, end-of-line included, to `out`;
    /// runtime error text (`%J` with a non-JSON payload) goes to `err`.
    pub fn write_message<W: Sink + ?Sized>(
        &self,
        msg: &MessageView,
        clock: &dyn Clock,
        out: &mut W,
        err: &mut Vec<u8>,
    ) {
        match &self.mode {
            OutputMode::Plain { verbose } => write_plain(msg, *verbose, self.no_eol, out),
            OutputMode::Format(format) => {
                format.write(msg, clock, self.pretty, out, err);
                if !self.no_eol {
                    // -F: a newline after every message, even if everything expanded to nothing.
                    out.put_byte(b'\n');
                }
            }
        }
    }
}

/// The default and `-v` output modes (FORMAT.md §5.1, §5.2), end-of-line included unless `no_eol`.
///
/// - default: `payload\n`; an empty payload prints nothing at all, not even the newline;
/// - `-v`: `topic payload\n`; an empty payload prints `topic (null)\n`, but nothing at all with `-N`.
///
/// The payload is written untouched (NUL, 0xff, newlines); the topic stops at an embedded NUL.
pub fn write_plain<W: Sink + ?Sized>(msg: &MessageView, verbose: bool, no_eol: bool, out: &mut W) {
    let parts = PlainParts::of(msg, verbose, no_eol);
    out.put(parts.before);
    out.put(parts.separator);
    out.put(parts.payload);
    out.put(parts.after);
}

/// What [`write_plain`] writes for one message, in four parts (any may be empty): written one after
/// the other they are exactly its bytes. Apart, a large payload can be written straight to stdout
/// instead of being copied into the output buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainParts<'a> {
    /// `-v`: the topic (up to an embedded NUL).
    pub before: &'a [u8],
    /// `-v`: the space after the topic, or ` (null)` for an empty payload.
    pub separator: &'static [u8],
    pub payload: &'a [u8],
    /// The end of line, unless `-N`.
    pub after: &'static [u8],
}

impl<'a> PlainParts<'a> {
    pub fn of(msg: &MessageView<'a>, verbose: bool, no_eol: bool) -> PlainParts<'a> {
        let eol: &'static [u8] = if no_eol { b"" } else { b"\n" };
        let nothing = PlainParts {
            before: b"",
            separator: b"",
            payload: b"",
            after: b"",
        };
        match (verbose, msg.payload.is_empty()) {
            (true, false) => PlainParts {
                before: c_str(msg.topic.as_bytes()),
                separator: b" ",
                payload: msg.payload,
                after: eol,
            },
            // `topic (null)`, and only with an end of line: with -N nothing at all.
            (true, true) if !no_eol => PlainParts {
                before: c_str(msg.topic.as_bytes()),
                separator: b" (null)",
                after: eol,
                ..nothing
            },
            (false, false) => PlainParts {
                payload: msg.payload,
                after: eol,
                ..nothing
            },
            (true, true) | (false, true) => nothing,
        }
    }
}

/// The bytes a C string function would see: everything before the first NUL.
fn c_str(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => &bytes[..end],
        None => bytes,
    }
}
