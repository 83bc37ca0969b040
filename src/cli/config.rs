//! The resolved, validated configuration the binaries run with (no parsing concerns left).

use std::path::PathBuf;
use std::time::Duration;

use crate::net::ConnectSpec;
pub use crate::net::Endpoint;
use crate::output::Format;
use crate::proto::codec::{Properties, QoS, RetainHandling, Version, Will};

/// How the client id is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientIdChoice {
    /// `-i ID`.
    Fixed(String),
    /// `-I PREFIX`: the prefix followed by the process id.
    Prefix(String),
    /// Neither: empty id on 3.1.1 (`(null)` in `-d` lines), `mosq-` + 18 random characters on 3.1.
    Default,
}

/// Options shared by rpub, rsub and rrr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonConfig {
    /// Where the broker is and how to reach it (`-h -p --unix -L -A --nodelay --proxy` and TLS).
    pub connect: ConnectSpec,
    pub version: Version,
    pub client_id: ClientIdChoice,
    /// `-k`, 5..=65535, default 60.
    pub keep_alive: u16,
    /// `-c` gives false.
    pub clean_session: bool,
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
    pub will: Option<Will>,
    /// `-d`.
    pub debug: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `-q`: pub: message QoS; sub: requested QoS for every filter; rr: both, for the request and
    /// the response topic.
    pub qos: QoS,
    /// `-M`, default 20, at least 1.
    pub max_inflight: u16,
    /// `-D connect ...`: MQTT 5 CONNECT properties, in command-line order (empty by default). Will
    /// properties (`-D will ...`) go in `will.properties`.
    pub connect_properties: Properties,
    /// `-D disconnect ...`: MQTT 5 DISCONNECT properties (empty by default).
    pub disconnect_properties: Properties,
    /// `-x` and `-c` resolved for MQTT 5: the Session Expiry Interval CONNECT carries after the
    /// `-D connect` properties (`-c` without `-x`: `u32::MAX`). `None` or 0: none is sent (the default).
    pub session_expiry: Option<u32>,
    /// `--trace FILE` and `--trace-payload`.
    pub trace: Option<TraceConfig>,
    /// The flags for scripts and CI (issue 14).
    pub ci: CiOptions,
}

/// Where `--trace` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceTarget {
    /// `--trace -`.
    Stderr,
    File(PathBuf),
}

/// `--trace` and its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceConfig {
    pub target: TraceTarget,
    /// `--trace-payload`: payload bytes shown per PUBLISH (default 0).
    pub payload_bytes: usize,
}

/// `--replay-speed X`: the recorded spacing is divided by `factor` (finite, above 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplaySpeed {
    pub factor: f64,
}

// The factor is checked to be a finite number, so equality is reflexive.
impl Eq for ReplaySpeed {}

/// Where rpub's (and rrr's) payload comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageSource {
    /// `-m TEXT` (raw bytes of the argument).
    Message(Vec<u8>),
    /// `-n`.
    Null,
    /// `-f FILE`: read after parsing (errors are runtime errors with mosquitto's texts).
    File(PathBuf),
    /// `-s`: all of stdin as one message.
    StdinWhole,
    /// `-l`: one message per line of stdin (rpub only).
    StdinLines,
    /// `--json-lines`: one JSON object per line of stdin, each its own message.
    JsonLines,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubConfig {
    pub common: CommonConfig,
    pub topic: String,
    pub source: MessageSource,
    /// `-r`.
    pub retain: bool,
    /// `--repeat`, at least 1 (default 1); ignored with `-l`.
    pub repeat: u32,
    /// `--repeat-delay` (only used when repeat > 1).
    pub repeat_delay: Duration,
    /// `-D publish ...`: MQTT 5 PUBLISH properties of every message (empty by default). With a
    /// topic-alias property, messages after the first are sent without a topic, as mosquitto_pub does.
    pub publish_properties: Properties,
    /// `--replay-speed` (only with `--json-lines`).
    pub replay_speed: Option<ReplaySpeed>,
    /// `--skip-bad-lines`: report a bad `--json-lines` or `--topic-separator` line and go on.
    pub skip_bad_lines: bool,
    /// `--topic-separator SEP` (only with `-l`): each line is `TOPIC SEP PAYLOAD`.
    pub topic_separator: Option<Vec<u8>>,
    /// `--rate N`: at least this long between two publishes (1/N s).
    pub rate_interval: Option<Duration>,
    /// `--template`: the message is expanded per publish (`{n}`, `{ts}`, ...).
    pub template: bool,
    /// `--check`: probe the broker instead of publishing a message.
    pub check: Option<CheckConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubConfig {
    pub common: CommonConfig,
    /// `-t` (repeatable, at least one), in command-line order.
    pub topics: Vec<String>,
    /// `-v`.
    pub verbose: bool,
    /// `-N`: no end of line after each message.
    pub no_eol: bool,
    /// `-C`: exit after this many messages.
    pub count: Option<u32>,
    /// `-W`: exit after this many seconds (exit code 27, `Timed out`).
    pub timeout: Option<u32>,
    /// `-E`: exit once the SUBACK arrived.
    pub exit_after_subscribe: bool,
    /// `-F`: the output format, validated (overrides `-v`).
    pub format: Option<Format>,
    /// `--pretty`: `%j`/`%J` print indented JSON.
    pub pretty: bool,
    /// `-R`: retained messages are not printed.
    pub no_retain: bool,
    /// `--retained-only`: print retained messages only; stop at the first one that is not.
    pub retained_only: bool,
    /// `--remove-retained`: clear each retained message seen (an empty retained QoS 1 publish).
    pub remove_retained: bool,
    /// `-T` (repeatable): messages whose topic matches one of these filters are not printed.
    pub filter_outs: Vec<String>,
    /// `-U` (repeatable): filters unsubscribed from right after subscribing, one UNSUBSCRIBE each.
    pub unsubscribe: Vec<String>,
    /// `--random-filter`: the chance to print a message, in tenths of a percent (1..=999); `None`
    /// prints every message (no option, or 100 and more).
    pub random_filter: Option<u16>,
    /// `--retain-as-published`: the MQTT 5 subscription option (ignored for 3.x).
    pub retain_as_published: bool,
    /// `--retain-handling` or `-R` (the last one given): the MQTT 5 subscription option (ignored
    /// for 3.x; `-R` also skips retained messages on our side).
    pub retain_handling: RetainHandling,
    /// `-w`/`--watch` (mosquitto 2.1): each topic's messages on a fixed terminal line.
    pub watch: bool,
    /// `--message-rate` (mosquitto 2.1): print the number of messages received each second instead
    /// of the messages.
    pub message_rate: bool,
    /// `-D subscribe ...`: MQTT 5 SUBSCRIBE properties (empty by default).
    pub subscribe_properties: Properties,
    /// `-D unsubscribe ...`: MQTT 5 UNSUBSCRIBE properties of every `-U` (empty by default).
    pub unsubscribe_properties: Properties,
    /// `--json-lines`: one JSON object per message instead of the mosquitto formats.
    pub json_lines: bool,
    /// rsub's flags for scripts and CI (issue 14).
    pub ci: SubCiOptions,
}

/// The flags for scripts and CI that both tools take (issue 14). All off by default: then nothing
/// differs from mosquitto.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiOptions {
    /// `--connect-timeout`: each connection attempt (resolution, TCP, SOCKS, TLS, CONNACK) must end
    /// within this.
    pub connect_timeout: Option<Duration>,
    /// `--timeout`: the whole run must end within this.
    pub timeout: Option<Duration>,
    /// `--strict`: refusals mosquitto only warns about end the run with an error.
    pub strict: bool,
    /// `--wait-for-broker`: while nothing listens at the broker's address, try again for this long.
    pub wait_for_broker: Option<Duration>,
    /// `--reconnect`: what to do after a lost connection (`None`: each tool's default).
    pub reconnect: Option<Reconnect>,
    /// `--reconnect-delay` (`None`: mosquitto_sub's one second).
    pub reconnect_delay: Option<Duration>,
}

/// `--reconnect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconnect {
    /// A lost connection ends the run (`Error: The connection was lost.`, exit 7).
    Never,
    /// Reconnect after every loss, for ever.
    Always,
    /// At most this many attempts in a row (a CONNACK starts the count again).
    Attempts(u32),
}

/// rsub's flags for scripts and CI (issue 14).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubCiOptions {
    /// `--idle-timeout`: end normally when no message arrived for this long after the SUBACK.
    pub idle_timeout: Option<Duration>,
    /// `--expect-*`.
    pub expect: Option<Expectation>,
}

/// What `--expect-payload`, `--expect-regex`, `--expect-count` and `--expect-none` ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// At least `count` messages whose payload is `payload` (if given) and matches `regex` (if given).
    Messages {
        payload: Option<Vec<u8>>,
        /// The pattern; compiled by rsub itself (so rpub carries no regex engine).
        regex: Option<String>,
        count: u32,
    },
    /// No message at all before the time limit.
    None,
}

/// `rpub --check` (issue 14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConfig {
    pub format: CheckFormat,
    /// `--check-warn`, `--check-crit`: thresholds on the p99 latency.
    pub warn: Option<Duration>,
    pub crit: Option<Duration>,
}

/// `--check-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Nagios,
}

/// rrr: one request, the first response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrConfig {
    pub common: CommonConfig,
    /// `-t` (or the topic of `-L`): where the request is published.
    pub topic: String,
    /// `-e`: subscribed to; MQTT 5 sends it with the request as its Response Topic property.
    pub response_topic: String,
    /// The request's payload: `Message` or `Null` once `-f`/`-s` were read (see
    /// [`crate::cli::parse_rr_with`]).
    pub source: MessageSource,
    /// `-v`.
    pub verbose: bool,
    /// `-N`: no end of line after the response.
    pub no_eol: bool,
    /// `-F`: the output format, validated (overrides `-v`).
    pub format: Option<Format>,
    /// `--pretty`: `%j`/`%J` print indented JSON.
    pub pretty: bool,
    /// `-W`: give up after this many seconds (exit code 27, `Timed out`).
    pub timeout: Option<u32>,
    /// `-R`: a retained message is not a response (MQTT 5: the broker is asked not to send them).
    pub no_retain: bool,
    /// `--retain-as-published`: the MQTT 5 subscription option (ignored for 3.x).
    pub retain_as_published: bool,
    /// `--retain-handling` or `-R` (the last one given; mosquitto_rr 2.1): the MQTT 5 subscription
    /// option (ignored for 3.x).
    pub retain_handling: RetainHandling,
    /// `--latency`: print the time from request to response after it.
    pub latency: bool,
    /// `-D publish ...`: MQTT 5 PUBLISH properties of the request, without the Response Topic the
    /// request adds after them. A Correlation Data property here makes rrr ignore responses that
    /// do not carry the same one.
    pub publish_properties: Properties,
    /// `-D subscribe ...`: MQTT 5 SUBSCRIBE properties (empty by default).
    pub subscribe_properties: Properties,
}
