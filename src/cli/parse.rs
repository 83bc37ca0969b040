//! The argument processor: mosquitto's parsing rules, applied left to right to the flags of the
//! [table](super::table).
//!
//! Parsing is hand-written rather than done with clap because mosquitto's rules cannot be expressed with
//! it: a value is the next argument whatever it looks like (`-m -d` publishes "-d"), numbers are read with
//! C `atoi`, there are no grouped flags, `--opt=value` forms or positionals, each error has an exact text,
//! and checks happen in a precise order (left to right while reading, then a few after all arguments,
//! in [`resolve`](super::resolve)).
//!
//! [`ArgProcessor::process`] takes one list of arguments and can be called several times on the same
//! state: the default-options file (one `-opt value` per line, read before argv) feeds its lines
//! through it, so that argv overrides scalar options and list options (`-t` of rsub) accumulate.

use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::Duration;

use super::config::MessageSource;
use super::ctext;
use super::generate::Generate;
use super::table::{Opt, Takes, TlsArg, lookup};
use super::v5::{self, V5Args};
use crate::exit::Failure;
use crate::output::Format;
use crate::proto::codec::{QoS, RetainHandling, Version};
use crate::socks::ProxyConfig;
use crate::tls::TlsOptions;
use crate::tool::Tool;

const ONLY_ONE_MESSAGE: &str = "Error: Only one type of message can be sent at once.\n\n";
const ID_AND_PREFIX: &str = "Error: -i and -I argument cannot be used together.\n\n";

/// mosquitto's default for `-M`, also what libmosquitto keeps when the value does not fit 16 bits.
const DEFAULT_MAX_INFLIGHT: u16 = 20;
pub(super) const DEFAULT_PORT: i32 = 1883;
/// The default port when TLS is on (`--cafile`, `--capath`, `--psk`, `mqtts://`).
pub(super) const DEFAULT_TLS_PORT: i32 = 8883;
const DEFAULT_KEEP_ALIVE: u16 = 60;
/// `--random-filter` is kept as mosquitto keeps it, in tenths of a percent (`10 * atof(value)`),
/// and accepted from 1 to this value (0.1 to 1000.0, although the message says 100.0).
const RANDOM_FILTER_MAX: u16 = 10_000;

pub(super) fn usage(text: impl Into<String>) -> Failure {
    Failure::Usage { text: text.into() }
}

pub(super) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// mosquitto's `--repeat-delay` arithmetic: a C `float` of seconds, times 1e6, cast to `int` microseconds.
/// An out-of-range cast gives `INT_MIN` on x86-64, i.e. a negative delay, which mosquitto_pub treats as
/// "publish immediately": so NaN and anything from about 2147.48 s up mean no delay at all.
fn repeat_delay(seconds: f32) -> Duration {
    let micros = seconds * 1.0e6;
    if micros.is_nan() || !(0.0..2_147_483_648.0).contains(&micros) {
        return Duration::ZERO;
    }
    Duration::from_micros(micros as u64)
}

/// A finite number above 0, written the usual way (`2`, `0.5`, `1e3`); new flags are not read with
/// `atof`, so `2x` is an error rather than 2.
fn positive_number(value: &[u8]) -> Option<f64> {
    std::str::from_utf8(value)
        .ok()?
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite() && *number > 0.0)
}

/// A `-T` / `-U` topic filter, checked as mosquitto checks it: UTF-8 first, then the wildcards.
/// `what` names the filter in the error (`filter`, `unsubscribe`).
fn checked_filter(value: &[u8], flag: &str, what: &str) -> Result<String, Failure> {
    if !ctext::valid_utf8(value) {
        return Err(usage(format!(
            "Error: Malformed UTF-8 in {flag} argument.\n\n"
        )));
    }
    // Lossless: the bytes were just checked to be UTF-8.
    let filter = lossy(value);
    if !ctext::valid_subscription_topic(&filter) {
        return Err(usage(format!(
            "Error: Invalid {what} topic '{filter}', are all '+' and '#' wildcards correct?\n"
        )));
    }
    Ok(filter)
}

/// Everything read from the arguments so far, before the final checks; defaults as in mosquitto.
#[derive(Debug, Clone)]
pub(super) struct Options {
    pub(super) host: Option<Vec<u8>>,
    pub(super) port: Option<i32>,
    pub(super) bind_address: Option<Vec<u8>>,
    pub(super) nodelay: bool,
    pub(super) version: Version,
    pub(super) id: Option<Vec<u8>>,
    pub(super) id_prefix: Option<Vec<u8>>,
    pub(super) keep_alive: u16,
    pub(super) clean_session: bool,
    pub(super) username: Option<Vec<u8>>,
    pub(super) password: Option<Vec<u8>>,
    pub(super) will_topic: Option<String>,
    pub(super) will_payload: Option<Vec<u8>>,
    pub(super) will_qos: QoS,
    pub(super) will_retain: bool,
    pub(super) debug: bool,
    pub(super) quiet: bool,
    pub(super) qos: QoS,
    pub(super) max_inflight: u16,
    /// rpub, rrr: the last `-t`/`-L` wins.
    pub(super) topic: Option<String>,
    /// rrr `-e`: the last one wins.
    pub(super) response_topic: Option<String>,
    /// rrr `--latency`.
    pub(super) latency: bool,
    /// rsub: every `-t`/`-L`, in order.
    pub(super) topics: Vec<String>,
    pub(super) source: Option<MessageSource>,
    pub(super) retain: bool,
    pub(super) repeat: u32,
    pub(super) repeat_delay: Duration,
    pub(super) verbose: bool,
    pub(super) no_eol: bool,
    pub(super) count: Option<u32>,
    pub(super) timeout: Option<u32>,
    pub(super) exit_after_subscribe: bool,
    pub(super) format: Option<Format>,
    pub(super) pretty: bool,
    pub(super) no_retain: bool,
    pub(super) retained_only: bool,
    pub(super) remove_retained: bool,
    pub(super) filter_outs: Vec<String>,
    pub(super) unsubscribe: Vec<String>,
    /// `--random-filter` as mosquitto keeps it: `(int)(10.0 * atof(value))`, 1..=10000.
    pub(super) random_filter: u16,
    /// `-D` property lists and `-x`.
    pub(super) v5: V5Args,
    /// `--retain-as-published` (rsub, MQTT 5 only).
    pub(super) retain_as_published: bool,
    pub(super) tls: TlsArgs,
    pub(super) proxy: Option<ProxyConfig>,
    /// `--trace FILE` (`-` is stderr).
    pub(super) trace: Option<Vec<u8>>,
    pub(super) trace_payload: Option<usize>,
    /// rsub `--json-lines` (rpub's is a message source).
    pub(super) json_lines: bool,
    pub(super) replay_speed: Option<f64>,
    pub(super) skip_bad_lines: bool,
    pub(super) topic_separator: Option<Vec<u8>>,
    /// `--rate`, messages per second.
    pub(super) rate: Option<f64>,
    pub(super) template: bool,
    /// `--ws`, `-L ws://`, `-L wss://` (mosquitto 2.1): MQTT over WebSockets.
    pub(super) websocket: bool,
    /// `--ws-path`.
    pub(super) ws_path: Option<Vec<u8>>,
    /// `--no-tls` (mosquitto 2.1).
    pub(super) no_tls: bool,
    /// `--retain-handling` (mosquitto 2.1) and `-R`, the last one given (`-R` asks for "never").
    pub(super) retain_handling: Option<RetainHandling>,
    /// `-w`/`--watch` (mosquitto 2.1).
    pub(super) watch: bool,
    /// `--message-rate` (mosquitto 2.1).
    pub(super) message_rate: bool,
    /// The flags for scripts and CI (`cli::ci`).
    pub(super) ci: super::ci::CiArgs,
}

/// The TLS options as given (checked after all arguments, as mosquitto does).
#[derive(Debug, Clone, Default)]
pub(super) struct TlsArgs {
    pub(super) options: TlsOptions,
    pub(super) keyform: Option<Vec<u8>>,
    pub(super) psk: bool,
    pub(super) psk_identity: bool,
    pub(super) engine: bool,
    pub(super) engine_kpass: bool,
    /// `-L mqtts://...`: TLS with the OS's CA certificates unless a CA is given, port 8883 by default.
    pub(super) mqtts_url: bool,
    /// `--tls-keylog FILE` (it wins over `SSLKEYLOGFILE`).
    pub(super) keylog: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host: None,
            port: None,
            bind_address: None,
            nodelay: false,
            version: Version::V311,
            id: None,
            id_prefix: None,
            keep_alive: DEFAULT_KEEP_ALIVE,
            clean_session: true,
            username: None,
            password: None,
            will_topic: None,
            will_payload: None,
            will_qos: QoS::AtMostOnce,
            will_retain: false,
            debug: false,
            quiet: false,
            qos: QoS::AtMostOnce,
            max_inflight: DEFAULT_MAX_INFLIGHT,
            topic: None,
            response_topic: None,
            latency: false,
            topics: Vec::new(),
            source: None,
            retain: false,
            repeat: 1,
            repeat_delay: Duration::ZERO,
            verbose: false,
            no_eol: false,
            count: None,
            timeout: None,
            exit_after_subscribe: false,
            format: None,
            pretty: false,
            no_retain: false,
            retained_only: false,
            remove_retained: false,
            filter_outs: Vec::new(),
            unsubscribe: Vec::new(),
            random_filter: RANDOM_FILTER_MAX,
            v5: V5Args::default(),
            retain_as_published: false,
            tls: TlsArgs::default(),
            proxy: None,
            trace: None,
            trace_payload: None,
            json_lines: false,
            replay_speed: None,
            skip_bad_lines: false,
            topic_separator: None,
            rate: None,
            template: false,
            websocket: false,
            ws_path: None,
            no_tls: false,
            retain_handling: None,
            watch: false,
            message_rate: false,
            ci: Default::default(),
        }
    }
}

/// Where mosquitto stops reading the arguments without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Help,
    Version,
    /// `--generate KIND` (not a mosquitto option).
    Generate(Generate),
}

/// Reads argument lists with mosquitto's rules, then checks and resolves them into a config.
pub(crate) struct ArgProcessor {
    pub(super) tool: Tool,
    pub(super) prog: String,
    pub(super) options: Options,
}

impl ArgProcessor {
    pub(crate) fn new(tool: Tool, prog: &str) -> ArgProcessor {
        let mut options = Options::default();
        if tool == Tool::Rr {
            // mosquitto_rr starts from MQTT 5: its response topic is an MQTT 5 property.
            options.version = Version::V5;
        }
        ArgProcessor {
            tool,
            prog: prog.to_string(),
            options,
        }
    }

    /// Processes one list of arguments left to right; stops at the first error, `--help` or `--version`
    /// (so errors in the options before `--help` win, and nothing after it is looked at, as in
    /// mosquitto). `Ok(Some(_))`: stopped at `--help` or `--version`.
    pub(crate) fn process<A: AsRef<OsStr>>(&mut self, args: &[A]) -> Result<Option<Stop>, Failure> {
        let mut index = 0;
        while index < args.len() {
            let arg = args[index].as_ref().as_bytes();
            let flag = lookup(self.tool, arg)
                .ok_or_else(|| usage(format!("Error: Unknown option '{}'.\n", lossy(arg))))?;
            if let Takes::PropertyValues { .. } = flag.takes {
                // Its values are counted by the property itself (a user property has one more).
                let values: Vec<&[u8]> = args[index + 1..]
                    .iter()
                    .map(|value| value.as_ref().as_bytes())
                    .collect();
                index += 1 + self.options.v5.parse_property(&values)?;
                // Any -D means MQTT v5 (a later -V still changes it, as in mosquitto).
                self.options.version = Version::V5;
                continue;
            }
            match flag.opt {
                Opt::Help => return Ok(Some(Stop::Help)),
                Opt::Version => return Ok(Some(Stop::Version)),
                // Read before everything else (`options_file::load_for`), where a missing value
                // is reported; here mosquitto 2.1 just steps over the flag and its value, even when
                // there is none (an options file line `-o`).
                Opt::OptionsFile => {
                    index += 2;
                    continue;
                }
                _ => {}
            }
            self.check_before_value(flag.opt)?;
            let value: &[u8] = match flag.takes {
                Takes::Nothing | Takes::PropertyValues { .. } => b"",
                Takes::Value { missing, .. } => {
                    index += 1;
                    match args.get(index) {
                        Some(value) => value.as_ref().as_bytes(),
                        None => return Err(usage(missing)),
                    }
                }
            };
            if flag.opt == Opt::Generate {
                return Generate::from_name(value)
                    .map(|kind| Some(Stop::Generate(kind)))
                    .ok_or_else(|| usage(Generate::unknown_kind_text(&lossy(value))));
            }
            self.apply(flag.opt, value)?;
            self.note_secret(flag.opt, index, value);
            index += 1;
        }
        Ok(None)
    }

    /// Conflicts mosquitto reports before it looks for the option's value.
    fn check_before_value(&self, opt: Opt) -> Result<(), Failure> {
        let o = &self.options;
        match opt {
            Opt::Message | Opt::File | Opt::StdinFile | Opt::StdinLine | Opt::NullMessage
                if o.source.is_some() =>
            {
                Err(usage(ONLY_ONE_MESSAGE))
            }
            Opt::JsonLines if self.tool == Tool::Pub && o.source.is_some() => {
                Err(usage(ONLY_ONE_MESSAGE))
            }
            Opt::Id if o.id_prefix.is_some() => Err(usage(ID_AND_PREFIX)),
            Opt::IdPrefix if o.id.is_some() => Err(usage(ID_AND_PREFIX)),
            _ => Ok(()),
        }
    }

    /// Applies one option; `value` is empty for options without a value.
    fn apply(&mut self, opt: Opt, value: &[u8]) -> Result<(), Failure> {
        let o = &mut self.options;
        match opt {
            Opt::BindAddress => o.bind_address = Some(value.to_vec()),
            Opt::CleanSession => o.clean_session = false,
            Opt::Count => {
                let count = ctext::atoi(value);
                if count < 1 {
                    return Err(usage(format!(
                        "Error: Invalid message count \"{count}\".\n\n"
                    )));
                }
                o.count = Some(count.unsigned_abs());
            }
            Opt::Debug => o.debug = true,
            Opt::ExitAfterSubscribe => o.exit_after_subscribe = true,
            Opt::File => {
                o.source = Some(MessageSource::File(PathBuf::from(OsStr::from_bytes(value))))
            }
            Opt::FilterOut => {
                let filter = checked_filter(value, "-T", "filter")?;
                o.filter_outs.push(filter);
            }
            // mosquitto validates the format right away (`check_format`); the error text ends
            // with one newline. A non-ASCII offending byte is shown as U+FFFD: `Failure` carries
            // text, not bytes (mosquitto writes the raw byte).
            Opt::Format => {
                o.format = Some(
                    Format::parse(value)
                        .map_err(|err| usage(String::from_utf8_lossy(&err.to_bytes())))?,
                )
            }
            Opt::Host => o.host = Some(value.to_vec()),
            Opt::Id => o.id = Some(value.to_vec()),
            Opt::IdPrefix => o.id_prefix = Some(value.to_vec()),
            Opt::KeepAlive => {
                let keep_alive = ctext::atoi(value);
                o.keep_alive = match u16::try_from(keep_alive) {
                    Ok(seconds) if seconds >= 5 => seconds,
                    _ => {
                        return Err(usage(
                            "Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n",
                        ));
                    }
                };
            }
            Opt::MaxInflight => {
                let max = ctext::atoi(value);
                if max < 1 {
                    return Err(usage(
                        "Error: Maximum inflight messages must be greater than 0.\n\n",
                    ));
                }
                // libmosquitto refuses (and the client ignores the refusal of) values above 65535.
                o.max_inflight = u16::try_from(max).unwrap_or(DEFAULT_MAX_INFLIGHT);
            }
            Opt::Message => o.source = Some(MessageSource::Message(value.to_vec())),
            Opt::NoDelay => o.nodelay = true,
            Opt::NoEol => o.no_eol = true,
            Opt::NoRetain => {
                o.no_retain = true;
                // mosquitto 2.1 ORs "never" into the options a --retain-handling set before (a
                // `new` then gives the invalid value 3); we keep "never" (docs/decisions.md).
                o.retain_handling = Some(RetainHandling::DoNotSend);
            }
            Opt::NullMessage => o.source = Some(MessageSource::Null),
            Opt::Password => o.password = Some(value.to_vec()),
            Opt::Port => {
                let port = ctext::atoi(value);
                if !(0..=65535).contains(&port) {
                    return Err(usage(format!("Error: Invalid port given: {port}\n")));
                }
                o.port = Some(port);
            }
            Opt::ProtocolVersion => match value {
                b"mqttv31" | b"31" => o.version = Version::V31,
                b"mqttv311" | b"311" => o.version = Version::V311,
                b"mqttv5" | b"5" => o.version = Version::V5,
                _ => return Err(usage("Error: Invalid protocol version argument given.\n\n")),
            },
            Opt::Qos => {
                let qos = ctext::atoi(value);
                o.qos = u8::try_from(qos)
                    .ok()
                    .and_then(QoS::from_u8)
                    .ok_or_else(|| usage(format!("Error: Invalid QoS given: {qos}\n")))?;
            }
            Opt::Pretty => o.pretty = true,
            Opt::Quiet => o.quiet = true,
            Opt::RandomFilter => {
                // A C double times 10 converted to int: out-of-range values (and NaN) end up far
                // outside 1..=10000 either way (Rust saturates where C gives INT_MIN).
                let chance = (10.0 * ctext::atof(value)) as i32;
                o.random_filter = u16::try_from(chance)
                    .ok()
                    .filter(|chance| (1..=RANDOM_FILTER_MAX).contains(chance))
                    .ok_or_else(|| {
                        usage("Error: --random-filter chance must be between 0.1-100.0\n\n")
                    })?;
            }
            Opt::RemoveRetained => o.remove_retained = true,
            Opt::ResponseTopic => {
                if !ctext::valid_utf8(value) {
                    return Err(usage("Error: Malformed UTF-8 in -e argument.\n\n"));
                }
                // Lossless: the bytes were just checked to be UTF-8.
                let topic = lossy(value);
                if !ctext::valid_publish_topic(&topic) {
                    return Err(usage(format!(
                        "Error: Invalid response topic '{topic}', does it contain '+' or '#'?\n"
                    )));
                }
                o.response_topic = Some(topic);
            }
            Opt::Latency => {
                o.latency = true;
                // As mosquitto 2.1: Nagle's algorithm would delay the request and skew the time.
                o.nodelay = true;
            }
            Opt::Repeat => {
                let repeat = ctext::atoi(value);
                if repeat < 1 {
                    return Err(usage("Error: --repeat argument must be >0.\n\n"));
                }
                o.repeat = repeat.unsigned_abs();
                o.ci.repeat_given = true;
            }
            Opt::RepeatDelay => {
                // mosquitto keeps the value in a C float: -1e-46 rounds to -0.0 and is accepted.
                let seconds = ctext::atof(value) as f32;
                if seconds < 0.0 {
                    return Err(usage("Error: --repeat-delay argument must be >=0.0.\n\n"));
                }
                o.repeat_delay = repeat_delay(seconds);
            }
            Opt::Retain => o.retain = true,
            Opt::RetainedOnly => o.retained_only = true,
            Opt::StdinFile => o.source = Some(MessageSource::StdinWhole),
            Opt::StdinLine => o.source = Some(MessageSource::StdinLines),
            Opt::Timeout => {
                let timeout = ctext::atoi(value);
                if timeout < 1 {
                    return Err(usage(format!("Error: Invalid timeout \"{timeout}\".\n\n")));
                }
                o.timeout = Some(timeout.unsigned_abs());
            }
            Opt::Topic => self.add_topic(value, "-t")?,
            Opt::Tls(arg) => apply_tls(&mut o.tls, arg, value),
            Opt::Proxy => {
                let proxy = super::url::parse_proxy_url(value, o.quiet, &self.prog)?;
                self.options.proxy = Some(proxy);
            }
            Opt::Unix => {
                o.host = Some(value.to_vec());
                o.port = Some(0);
            }
            Opt::Unsubscribe => {
                let filter = checked_filter(value, "-U", "unsubscribe")?;
                o.unsubscribe.push(filter);
            }
            Opt::Url => self.apply_url(value)?,
            Opt::Username => o.username = Some(value.to_vec()),
            Opt::Verbose => o.verbose = true,
            // They end the reading in `process`.
            Opt::Help | Opt::Version | Opt::Generate => {}
            Opt::WillPayload => o.will_payload = Some(value.to_vec()),
            Opt::WillQos => {
                let qos = ctext::atoi(value);
                o.will_qos = u8::try_from(qos)
                    .ok()
                    .and_then(QoS::from_u8)
                    .ok_or_else(|| usage(format!("Error: Invalid will QoS {qos}.\n\n")))?;
            }
            Opt::WillRetain => o.will_retain = true,
            Opt::WillTopic => {
                if !ctext::valid_utf8(value) {
                    return Err(usage(
                        "Error: Malformed UTF-8 in --will-topic argument.\n\n",
                    ));
                }
                let topic = lossy(value);
                if !ctext::valid_publish_topic(&topic) {
                    return Err(usage(format!(
                        "Error: Invalid will topic '{topic}', does it contain '+' or '#'?\n"
                    )));
                }
                o.will_topic = Some(topic);
            }
            // Read in `process`, which knows how many values it takes (`Takes::PropertyValues`).
            Opt::Property => {}
            Opt::SessionExpiry => o.v5.session_expiry = v5::parse_session_expiry(value)?,
            Opt::RetainAsPublished => o.retain_as_published = true,
            Opt::Trace => o.trace = Some(value.to_vec()),
            Opt::TracePayload => {
                o.trace_payload = Some(
                    std::str::from_utf8(value)
                        .ok()
                        .and_then(|text| text.parse::<usize>().ok())
                        .ok_or_else(|| {
                            usage("Error: --trace-payload must be a number of bytes (0 or more).\n\n")
                        })?,
                )
            }
            Opt::JsonLines => match self.tool {
                Tool::Pub => o.source = Some(MessageSource::JsonLines),
                Tool::Sub => o.json_lines = true,
                // Not one of rrr's flags (the table gives it no row for rrr).
                Tool::Rr => {}
            },
            Opt::ReplaySpeed => {
                o.replay_speed = Some(positive_number(value).ok_or_else(|| {
                    usage("Error: --replay-speed must be a number above 0 (1 replays as recorded).\n\n")
                })?)
            }
            Opt::SkipBadLines => o.skip_bad_lines = true,
            Opt::TopicSeparator => {
                if value.is_empty() {
                    return Err(usage("Error: --topic-separator must not be empty.\n\n"));
                }
                o.topic_separator = Some(value.to_vec());
            }
            Opt::Rate => {
                o.rate = Some(positive_number(value).ok_or_else(|| {
                    usage("Error: --rate must be a number of messages per second above 0 (fractions allowed).\n\n")
                })?)
            }
            Opt::Template => o.template = true,
            Opt::WebSocket => o.websocket = true,
            Opt::WsPath => {
                // It goes into the request line as it is: no room for spaces or line breaks.
                if value.first() != Some(&b'/') || !value.iter().all(|b| (0x21..0x7f).contains(b)) {
                    return Err(usage(format!(
                        "Error: Invalid --ws-path '{}': it must start with '/' and contain no spaces or control characters.\n\n",
                        lossy(value)
                    )));
                }
                o.ws_path = Some(value.to_vec());
            }
            Opt::OptionsFile => {}
            Opt::NoTls => o.no_tls = true,
            Opt::RetainHandling => {
                o.retain_handling = Some(match value {
                    b"always" => RetainHandling::SendAtSubscribe,
                    b"new" => RetainHandling::SendIfNew,
                    b"never" => RetainHandling::DoNotSend,
                    _ => {
                        return Err(usage(format!(
                            "Error: Unknown value '{}' for --retain-handling.\n\n",
                            lossy(value)
                        )));
                    }
                })
            }
            Opt::Watch => o.watch = true,
            Opt::MessageRate => o.message_rate = true,
            Opt::Ci(arg) => self.apply_ci(arg, value)?,
        }
        Ok(())
    }

    /// `-t` and the topic of `-L`: rpub and rrr keep the last one, rsub collects them all.
    pub(super) fn add_topic(&mut self, topic: &[u8], label: &str) -> Result<(), Failure> {
        if !ctext::valid_utf8(topic) {
            return Err(usage(format!(
                "Error: Malformed UTF-8 in {label} argument.\n\n"
            )));
        }
        // Lossless: the bytes were just checked to be UTF-8.
        let topic = lossy(topic);
        match self.tool {
            Tool::Pub | Tool::Rr => {
                if !ctext::valid_publish_topic(&topic) {
                    return Err(usage(format!(
                        "Error: Invalid publish topic '{topic}', does it contain '+' or '#'?\n"
                    )));
                }
                self.options.topic = Some(topic);
            }
            Tool::Sub => {
                if !ctext::valid_subscription_topic(&topic) {
                    return Err(usage(format!(
                        "Error: Invalid subscription topic '{topic}', are all '+' and '#' wildcards correct?\n"
                    )));
                }
                self.options.topics.push(topic);
            }
        }
        Ok(())
    }
}

/// Records one TLS option (validated after all arguments, as mosquitto does).
fn apply_tls(tls: &mut TlsArgs, arg: TlsArg, value: &[u8]) {
    let path = || PathBuf::from(std::ffi::OsString::from_vec(value.to_vec()));
    let text = || lossy(value);
    match arg {
        TlsArg::CaFile => tls.options.cafile = Some(path()),
        TlsArg::CaPath => tls.options.capath = Some(path()),
        TlsArg::Cert => tls.options.cert = Some(path()),
        TlsArg::Key => tls.options.key = Some(path()),
        TlsArg::KeyForm => tls.keyform = Some(value.to_vec()),
        TlsArg::Ciphers => tls.options.ciphers = Some(text()),
        TlsArg::Insecure => tls.options.insecure = true,
        TlsArg::Version => tls.options.tls_version = Some(text()),
        TlsArg::Alpn => tls.options.alpn = Some(text()),
        TlsArg::UseOsCerts => tls.options.use_os_certs = true,
        TlsArg::KeyLog => tls.keylog = Some(path()),
        TlsArg::Psk => tls.psk = true,
        TlsArg::PskIdentity => tls.psk_identity = true,
        TlsArg::Engine => tls.engine = true,
        TlsArg::EngineKpassSha1 => tls.engine_kpass = true,
    }
}
