//! The argument processor: mosquitto's option table and parsing rules.
//!
//! Parsing is hand-written rather than done with clap because mosquitto's rules cannot be expressed with
//! it: a value is the next argument whatever it looks like (`-m -d` publishes "-d"), numbers are read with
//! C `atoi`, there are no grouped flags, `--opt=value` forms or positionals, each error has an exact text,
//! and checks happen in a precise order (left to right while reading, then a few after all arguments).
//!
//! [`ArgProcessor::process`] takes one list of arguments and can be called several times on the same
//! state: the default-options file (one `-opt value` per line, read before argv) will feed its lines
//! through it, so that argv overrides scalar options and list options (`-t` of rsub) accumulate.

use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::Duration;

use super::config::{ClientIdChoice, CommonConfig, Endpoint, MessageSource, PubConfig, SubConfig};
use super::ctext;
use super::v5::{self, V5Args};
use crate::exit::Failure;
use crate::net::ConnectSpec;
use crate::output::Format;
use crate::proto::codec::{Property, QoS, Version, Will};
use crate::socks::{self, ProxyConfig};
use crate::tls::TlsOptions;
use crate::tool::{Tool, Tools};

/// What an option does (its semantics live in [`ArgProcessor::apply`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    BindAddress,
    CleanSession,
    Count,
    Debug,
    ExitAfterSubscribe,
    File,
    FilterOut,
    Format,
    Help,
    Host,
    Id,
    IdPrefix,
    KeepAlive,
    MaxInflight,
    Message,
    NoDelay,
    NoEol,
    NoRetain,
    NullMessage,
    Password,
    Port,
    Pretty,
    ProtocolVersion,
    Qos,
    Quiet,
    RandomFilter,
    RemoveRetained,
    Repeat,
    RepeatDelay,
    Retain,
    RetainedOnly,
    StdinFile,
    StdinLine,
    Timeout,
    Topic,
    Unix,
    Unsubscribe,
    Url,
    Username,
    Verbose,
    Version,
    WillPayload,
    WillQos,
    WillRetain,
    WillTopic,
    /// `-D`/`--property COMMAND NAME VALUE` (or `... user-property KEY VALUE`): takes 3 or 4 values,
    /// read by [`V5Args::parse_property`].
    Property,
    SessionExpiry,
    RetainAsPublished,
    /// One of the TLS options (see [`TlsArg`]).
    Tls(TlsArg),
    Proxy,
}

/// The TLS options, kept as given until all arguments are read (mosquitto checks them afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsArg {
    CaFile,
    CaPath,
    Cert,
    Key,
    KeyForm,
    Ciphers,
    Insecure,
    Version,
    Alpn,
    UseOsCerts,
    Psk,
    PskIdentity,
    Engine,
    EngineKpassSha1,
}

/// Does the option take the next argument as its value?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    Nothing,
    /// Yes; the text is mosquitto's error when the value is missing.
    Value(&'static str),
}

/// One row of the option table.
struct Spec {
    names: &'static [&'static str],
    tools: Tools,
    opt: Opt,
    takes: Takes,
}

const fn flag(names: &'static [&'static str], tools: Tools, opt: Opt) -> Spec {
    Spec {
        names,
        tools,
        opt,
        takes: Takes::Nothing,
    }
}

const fn value(
    names: &'static [&'static str],
    tools: Tools,
    opt: Opt,
    missing: &'static str,
) -> Spec {
    Spec {
        names,
        tools,
        opt,
        takes: Takes::Value(missing),
    }
}

/// Every option of mosquitto_pub/mosquitto_sub 2.0.11 (`-S`, SRV lookups, is not compiled into the
/// reference build, so it stays unknown; `-e` belongs to mosquitto_rr). Names are matched exactly.
#[rustfmt::skip]
static SPECS: &[Spec] = &[
    value(&["-A"], Tools::ALL, Opt::BindAddress, "Error: -A argument given but no address specified.\n\n"),
    flag(&["-c", "--disable-clean-session"], Tools::ALL, Opt::CleanSession),
    value(&["-C"], Tools::SUB, Opt::Count, "Error: -C argument given but no count specified.\n\n"),
    flag(&["-d", "--debug"], Tools::ALL, Opt::Debug),
    flag(&["-E"], Tools::SUB, Opt::ExitAfterSubscribe),
    value(&["-f", "--file"], Tools::PUB, Opt::File, "Error: -f argument given but no file specified.\n\n"),
    value(&["-F"], Tools::SUB, Opt::Format, "Error: -F argument given but no format specified.\n\n"),
    flag(&["--help"], Tools::ALL, Opt::Help),
    value(&["-h", "--host"], Tools::ALL, Opt::Host, "Error: -h argument given but no host specified.\n\n"),
    value(&["-i", "--id"], Tools::ALL, Opt::Id, "Error: -i argument given but no id specified.\n\n"),
    value(&["-I", "--id-prefix"], Tools::ALL, Opt::IdPrefix, "Error: -I argument given but no id prefix specified.\n\n"),
    value(&["-k", "--keepalive"], Tools::ALL, Opt::KeepAlive, "Error: -k argument given but no keepalive specified.\n\n"),
    value(&["-L", "--url"], Tools::ALL, Opt::Url, "Error: -L argument given but no URL specified.\n\n"),
    flag(&["-l", "--stdin-line"], Tools::PUB, Opt::StdinLine),
    value(&["-m", "--message"], Tools::PUB, Opt::Message, "Error: -m argument given but no message specified.\n\n"),
    value(&["-M"], Tools::ALL, Opt::MaxInflight, "Error: -M argument given but max_inflight not specified.\n\n"),
    flag(&["-n", "--null-message"], Tools::PUB, Opt::NullMessage),
    flag(&["-N"], Tools::SUB, Opt::NoEol),
    flag(&["-R"], Tools::SUB, Opt::NoRetain),
    flag(&["--nodelay"], Tools::ALL, Opt::NoDelay),
    value(&["-p", "--port"], Tools::ALL, Opt::Port, "Error: -p argument given but no port specified.\n\n"),
    value(&["-P", "--pw"], Tools::ALL, Opt::Password, "Error: -P argument given but no password specified.\n\n"),
    flag(&["--pretty"], Tools::SUB, Opt::Pretty),
    value(&["-q", "--qos"], Tools::ALL, Opt::Qos, "Error: -q argument given but no QoS specified.\n\n"),
    flag(&["--quiet"], Tools::ALL, Opt::Quiet),
    value(&["--random-filter"], Tools::SUB, Opt::RandomFilter, "Error: --random-filter argument given but no chance specified.\n\n"),
    flag(&["--remove-retained"], Tools::SUB, Opt::RemoveRetained),
    flag(&["-r", "--retain"], Tools::PUB, Opt::Retain),
    flag(&["--retained-only"], Tools::SUB, Opt::RetainedOnly),
    value(&["--repeat"], Tools::PUB, Opt::Repeat, "Error: --repeat argument given but no count specified.\n\n"),
    value(&["--repeat-delay"], Tools::PUB, Opt::RepeatDelay, "Error: --repeat-delay argument given but no time specified.\n\n"),
    flag(&["-s", "--stdin-file"], Tools::PUB, Opt::StdinFile),
    value(&["-t", "--topic"], Tools::ALL, Opt::Topic, "Error: -t argument given but no topic specified.\n\n"),
    value(&["-T", "--filter-out"], Tools::SUB, Opt::FilterOut, "Error: -T argument given but no topic filter specified.\n\n"),
    value(&["-u", "--username"], Tools::ALL, Opt::Username, "Error: -u argument given but no username specified.\n\n"),
    value(&["--unix"], Tools::ALL, Opt::Unix, "Error: --unix argument given but no socket path specified.\n\n"),
    value(&["-U", "--unsubscribe"], Tools::SUB, Opt::Unsubscribe, "Error: -U argument given but no unsubscribe topic specified.\n\n"),
    flag(&["-v", "--verbose"], Tools::SUB, Opt::Verbose),
    value(&["-V", "--protocol-version"], Tools::ALL, Opt::ProtocolVersion, "Error: --protocol-version argument given but no version specified.\n\n"),
    flag(&["--version"], Tools::ALL, Opt::Version),
    value(&["-W"], Tools::SUB, Opt::Timeout, "Error: -W argument given but no timeout specified.\n\n"),
    value(&["--will-payload"], Tools::ALL, Opt::WillPayload, "Error: --will-payload argument given but no will payload specified.\n\n"),
    value(&["--will-qos"], Tools::ALL, Opt::WillQos, "Error: --will-qos argument given but no will QoS specified.\n\n"),
    flag(&["--will-retain"], Tools::ALL, Opt::WillRetain),
    value(&["--will-topic"], Tools::ALL, Opt::WillTopic, "Error: --will-topic argument given but no will topic specified.\n\n"),
    flag(&["-D", "--property"], Tools::ALL, Opt::Property),
    value(&["-x"], Tools::ALL, Opt::SessionExpiry, "Error: -x argument given but no session expiry interval specified.\n\n"),
    flag(&["--retain-as-published"], Tools::SUB, Opt::RetainAsPublished),
    value(&["--cafile"], Tools::ALL, Opt::Tls(TlsArg::CaFile), "Error: --cafile argument given but no file specified.\n\n"),
    value(&["--capath"], Tools::ALL, Opt::Tls(TlsArg::CaPath), "Error: --capath argument given but no directory specified.\n\n"),
    value(&["--cert"], Tools::ALL, Opt::Tls(TlsArg::Cert), "Error: --cert argument given but no file specified.\n\n"),
    value(&["--key"], Tools::ALL, Opt::Tls(TlsArg::Key), "Error: --key argument given but no file specified.\n\n"),
    value(&["--keyform"], Tools::ALL, Opt::Tls(TlsArg::KeyForm), "Error: --keyform argument given but no keyform specified.\n\n"),
    value(&["--ciphers"], Tools::ALL, Opt::Tls(TlsArg::Ciphers), "Error: --ciphers argument given but no ciphers specified.\n\n"),
    flag(&["--insecure"], Tools::ALL, Opt::Tls(TlsArg::Insecure)),
    value(&["--tls-version"], Tools::ALL, Opt::Tls(TlsArg::Version), "Error: --tls-version argument given but no version specified.\n\n"),
    value(&["--tls-alpn"], Tools::ALL, Opt::Tls(TlsArg::Alpn), "Error: --tls-alpn argument given but no protocol specified.\n\n"),
    flag(&["--tls-use-os-certs"], Tools::ALL, Opt::Tls(TlsArg::UseOsCerts)),
    value(&["--psk"], Tools::ALL, Opt::Tls(TlsArg::Psk), "Error: --psk argument given but no key specified.\n\n"),
    value(&["--psk-identity"], Tools::ALL, Opt::Tls(TlsArg::PskIdentity), "Error: --psk-identity argument given but no identity specified.\n\n"),
    value(&["--tls-engine"], Tools::ALL, Opt::Tls(TlsArg::Engine), "Error: --tls-engine argument given but no engine_id specified.\n\n"),
    value(&["--tls-engine-kpass-sha1"], Tools::ALL, Opt::Tls(TlsArg::EngineKpassSha1), "Error: --tls-engine-kpass-sha1 argument given but no kpass sha1 specified.\n\n"),
    value(&["--proxy"], Tools::ALL, Opt::Proxy, "Error: --proxy argument given but no proxy url specified.\n\n"),
];

/// The option of `tool` spelled exactly `arg`, if any.
fn lookup(tool: Tool, arg: &[u8]) -> Option<&'static Spec> {
    SPECS.iter().find(|spec| {
        spec.tools.contains(tool) && spec.names.iter().any(|name| name.as_bytes() == arg)
    })
}

const ONLY_ONE_MESSAGE: &str = "Error: Only one type of message can be sent at once.\n\n";
const ID_AND_PREFIX: &str = "Error: -i and -I argument cannot be used together.\n\n";
const NEEDS_TOPIC_AND_MESSAGE: &str = "Error: Both topic and message must be supplied.\n";
const NEEDS_SUBSCRIPTION: &str = "Error: You must specify a topic to subscribe to.\n";
const NEEDS_ID_FOR_C: &str =
    "Error: You must provide a client id if you are using the -c option.\n";
const BAD_CREDENTIALS: &str = "Error: Problem setting username and/or password.\n";
const BAD_PORT_AT_CONNECT: &str = "Unable to connect (Invalid function arguments provided.).\n";

/// mosquitto's default for `-M`, also what libmosquitto keeps when the value does not fit 16 bits.
const DEFAULT_MAX_INFLIGHT: u16 = 20;
const DEFAULT_PORT: i32 = 1883;
/// The default port when TLS is on (`--cafile`, `--capath`, `--psk`, `mqtts://`).
const DEFAULT_TLS_PORT: i32 = 8883;
const DEFAULT_KEEP_ALIVE: u16 = 60;
/// `--random-filter` is kept as mosquitto keeps it, in tenths of a percent (`10 * atof(value)`),
/// and accepted from 1 to this value (0.1 to 1000.0, although the message says 100.0).
const RANDOM_FILTER_MAX: u16 = 10_000;
/// 100%, in tenths of a percent: this value and above print every message. (mosquitto compares
/// with a random number below 10000 instead, so that `--random-filter 100` prints 10%: a bug we
/// do not copy, see docs/decisions.md.)
const RANDOM_FILTER_ALL: u16 = 1_000;
const RETAINED_ONLY_AND_R: &str = "\nError: Combining '-R' and '--retained-only' makes no sense.\n";

fn usage(text: impl Into<String>) -> Failure {
    Failure::Usage { text: text.into() }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
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
struct Options {
    host: Option<Vec<u8>>,
    port: Option<i32>,
    bind_address: Option<Vec<u8>>,
    nodelay: bool,
    version: Version,
    id: Option<Vec<u8>>,
    id_prefix: Option<Vec<u8>>,
    keep_alive: u16,
    clean_session: bool,
    username: Option<Vec<u8>>,
    password: Option<Vec<u8>>,
    will_topic: Option<String>,
    will_payload: Option<Vec<u8>>,
    will_qos: QoS,
    will_retain: bool,
    debug: bool,
    quiet: bool,
    qos: QoS,
    max_inflight: u16,
    /// rpub: the last `-t`/`-L` wins.
    topic: Option<String>,
    /// rsub: every `-t`/`-L`, in order.
    topics: Vec<String>,
    source: Option<MessageSource>,
    retain: bool,
    repeat: u32,
    repeat_delay: Duration,
    verbose: bool,
    no_eol: bool,
    count: Option<u32>,
    timeout: Option<u32>,
    exit_after_subscribe: bool,
    format: Option<Format>,
    pretty: bool,
    no_retain: bool,
    retained_only: bool,
    remove_retained: bool,
    filter_outs: Vec<String>,
    unsubscribe: Vec<String>,
    /// `--random-filter` as mosquitto keeps it: `(int)(10.0 * atof(value))`, 1..=10000.
    random_filter: u16,
    /// `-D` property lists and `-x`.
    v5: V5Args,
    /// `--retain-as-published` (rsub, MQTT 5 only).
    retain_as_published: bool,
    tls: TlsArgs,
    proxy: Option<ProxyConfig>,
}

/// The TLS options as given (checked after all arguments, as mosquitto does).
#[derive(Debug, Clone, Default)]
struct TlsArgs {
    options: TlsOptions,
    keyform: Option<Vec<u8>>,
    psk: bool,
    psk_identity: bool,
    engine: bool,
    engine_kpass: bool,
    /// `-L mqtts://...`: TLS with the OS's CA certificates unless a CA is given, port 8883 by default.
    mqtts_url: bool,
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
        }
    }
}

/// Reads argument lists with mosquitto's rules, then checks and resolves them into a config.
pub(crate) struct ArgProcessor {
    tool: Tool,
    prog: String,
    options: Options,
}

impl ArgProcessor {
    pub(crate) fn new(tool: Tool, prog: &str) -> ArgProcessor {
        ArgProcessor {
            tool,
            prog: prog.to_string(),
            options: Options::default(),
        }
    }

    /// Processes one list of arguments left to right; stops at the first error, `--help` or `--version`
    /// (so errors in the options before `--help` win, and nothing after it is looked at).
    pub(crate) fn process<A: AsRef<OsStr>>(&mut self, args: &[A]) -> Result<(), Failure> {
        let mut index = 0;
        while index < args.len() {
            let arg = args[index].as_ref().as_bytes();
            let spec = lookup(self.tool, arg)
                .ok_or_else(|| usage(format!("Error: Unknown option '{}'.\n", lossy(arg))))?;
            if spec.opt == Opt::Property {
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
            self.check_before_value(spec.opt)?;
            let value: &[u8] = match spec.takes {
                Takes::Nothing => b"",
                Takes::Value(missing) => {
                    index += 1;
                    match args.get(index) {
                        Some(value) => value.as_ref().as_bytes(),
                        None => return Err(usage(missing)),
                    }
                }
            };
            self.apply(spec.opt, value)?;
            index += 1;
        }
        Ok(())
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
            Opt::Help => return Err(Failure::Help),
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
            Opt::NoRetain => o.no_retain = true,
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
            Opt::Repeat => {
                let repeat = ctext::atoi(value);
                if repeat < 1 {
                    return Err(usage("Error: --repeat argument must be >0.\n\n"));
                }
                o.repeat = repeat.unsigned_abs();
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
                let proxy = parse_proxy_url(value, o.quiet, &self.prog)?;
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
            Opt::Version => return Err(Failure::Version),
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
            // Read in `process`, which knows how many values it takes.
            Opt::Property => {}
            Opt::SessionExpiry => o.v5.session_expiry = v5::parse_session_expiry(value)?,
            Opt::RetainAsPublished => o.retain_as_published = true,
        }
        Ok(())
    }

    /// `-t` and the topic of `-L`: rpub keeps the last one, rsub collects them all.
    fn add_topic(&mut self, topic: &[u8], label: &str) -> Result<(), Failure> {
        if !ctext::valid_utf8(topic) {
            return Err(usage(format!(
                "Error: Malformed UTF-8 in {label} argument.\n\n"
            )));
        }
        // Lossless: the bytes were just checked to be UTF-8.
        let topic = lossy(topic);
        match self.tool {
            Tool::Pub => {
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

    /// `-L mqtt://[user[:password]@]host[:port]/topic`, split the way mosquitto splits it: the first `/`
    /// after the scheme starts the topic, the first `@` ends the user part, the first `:` of each part
    /// separates password and port (so IPv6 literals cannot be given this way, as in mosquitto).
    fn apply_url(&mut self, url: &[u8]) -> Result<(), Failure> {
        let (rest, port) = if starts_with_ignore_case(url, b"mqtt://") {
            (&url[7..], DEFAULT_PORT)
        } else if starts_with_ignore_case(url, b"mqtts://") {
            // As mosquitto: TLS with the OS's CA certificates (unless a CA is given), port 8883.
            self.options.tls.mqtts_url = true;
            (&url[8..], DEFAULT_TLS_PORT)
        } else {
            return Err(usage("Error: unsupported URL scheme.\n\n"));
        };
        self.options.port = Some(port);
        let Some(slash) = rest.iter().position(|&b| b == b'/') else {
            return Err(usage(
                "Error: Invalid URL for -L argument specified - topic missing.\n",
            ));
        };
        let (mut authority, topic) = (&rest[..slash], &rest[slash + 1..]);
        self.add_topic(topic, "-L topic")?;
        let o = &mut self.options;
        if let Some(at) = authority.iter().position(|&b| b == b'@') {
            let user = &authority[..at];
            match user.iter().position(|&b| b == b':') {
                Some(colon) => {
                    o.password = Some(user[colon + 1..].to_vec());
                    o.username = Some(user[..colon].to_vec());
                }
                None => o.username = Some(user.to_vec()),
            }
            authority = &authority[at + 1..];
        }
        match authority.iter().position(|&b| b == b':') {
            Some(colon) => {
                o.host = Some(authority[..colon].to_vec());
                // Not range-checked here: mosquitto only fails when connecting.
                o.port = Some(ctext::atoi(&authority[colon + 1..]));
            }
            None => o.host = Some(authority.to_vec()),
        }
        Ok(())
    }

    /// An error mosquitto prints with `err_printf` (hidden by `--quiet`), exit code 1. The binaries report
    /// parse failures as not quiet, so the quiet case is turned into a silent failure here.
    fn runtime(&self, text: &str) -> Failure {
        if self.options.quiet {
            Failure::Silent { code: 1 }
        } else {
            Failure::Runtime {
                text: text.to_string(),
                code: 1,
            }
        }
    }

    /// mosquitto's TLS checks (in its order), then the TLS features rustls cannot offer.
    fn check_tls(&self) -> Result<(), Failure> {
        let t = &self.options.tls;
        let tls = &t.options;
        if tls.cert.is_some() != tls.key.is_some() {
            return Err(usage(
                "Error: Both certfile and keyfile must be provided if one of them is set.\n",
            ));
        }
        if t.keyform.is_some() && tls.key.is_none() {
            return Err(usage(
                "Error: If keyform is set, keyfile must be also specified.\n",
            ));
        }
        if t.engine_kpass && (!t.engine || t.keyform.is_none()) {
            return Err(usage(
                "Error: when using tls-engine-kpass-sha1, both tls-engine and keyform must also be provided.\n",
            ));
        }
        if t.psk && (tls.cafile.is_some() || tls.capath.is_some()) {
            return Err(usage(
                "Error: Only one of --psk or --cafile/--capath may be used at once.\n",
            ));
        }
        if t.psk && !t.psk_identity {
            return Err(usage("Error: --psk-identity required if --psk used.\n"));
        }
        if t.psk || t.psk_identity {
            let flag = if t.psk { "--psk" } else { "--psk-identity" };
            return Err(self.not_available(flag, "rustls has no TLS-PSK support"));
        }
        if t.engine
            || t.keyform
                .as_deref()
                .is_some_and(|form| form.eq_ignore_ascii_case(b"engine"))
        {
            return Err(self.not_available(
                "--tls-engine",
                "TLS engines are an OpenSSL feature; use a PEM key with --key",
            ));
        }
        if let Some(form) = &t.keyform
            && !form.eq_ignore_ascii_case(b"pem")
        {
            return Err(self.runtime(
                "Error: Problem setting key form, it must be one of 'pem' or 'engine'.\n",
            ));
        }
        Ok(())
    }

    /// A mosquitto feature this implementation does not offer at all (not a "yet").
    fn not_available(&self, what: &str, why: &str) -> Failure {
        usage(format!(
            "Error: {what} is not supported by {} ({why}).\n",
            self.prog
        ))
    }

    /// The TLS options to connect with, or `None` for plain MQTT. As mosquitto: `--cafile`,
    /// `--capath` or `--tls-use-os-certs` turn TLS on, and so do `mqtts://` and port 8883 without a CA
    /// (both with the OS's CA certificates).
    fn tls_options(&self, port: i32) -> Option<TlsOptions> {
        let t = &self.options.tls;
        let mut tls = t.options.clone();
        let has_ca = tls.cafile.is_some() || tls.capath.is_some();
        if !has_ca && (t.mqtts_url || port == DEFAULT_TLS_PORT) {
            tls.use_os_certs = true;
        }
        tls.enables_tls().then_some(tls)
    }

    /// mosquitto's checks once all options are read (`client_config_load`), in its order.
    fn check_loaded(&self) -> Result<(), Failure> {
        let o = &self.options;
        if o.will_payload.is_some() && o.will_topic.is_none() {
            return Err(usage(
                "Error: Will payload given, but no will topic given.\n",
            ));
        }
        if o.will_retain && o.will_topic.is_none() {
            return Err(usage(
                "Error: Will retain given, but no will topic given.\n",
            ));
        }
        self.check_tls()?;
        let fixed_id = o.id_prefix.is_none() && o.id.is_some();
        let connect_properties = if o.version == Version::V5 {
            // MQTT 5: `-c` means a session that never expires unless `-x` says otherwise; an
            // infinite one needs a fixed id (-I does not count).
            self.options
                .v5
                .v5_connect_properties(o.clean_session, fixed_id)?
                .0
        } else {
            // MQTT v3.x: a persistent session needs a fixed id; `-x` is ignored.
            if !o.clean_session && !fixed_id {
                return Err(usage(NEEDS_ID_FOR_C));
            }
            o.v5.connect.clone()
        };
        if self.tool == Tool::Sub && o.topics.is_empty() {
            return Err(usage(NEEDS_SUBSCRIPTION));
        }
        // mosquitto checks the `-D` lists whatever the protocol version ended up being.
        o.v5.check_lists(&connect_properties, o.quiet)
    }

    /// What fails later in mosquitto, while it sets the client up and connects, but can be decided from
    /// the arguments alone: the client id, the credentials, and a port out of range from `-L`.
    fn check_client_setup(&self) -> Result<(), Failure> {
        let o = &self.options;
        if let Some(id) = &o.id {
            if id.is_empty() {
                return Err(self.runtime(match self.tool {
                    Tool::Pub => "Error: Invalid id.\n",
                    Tool::Sub => "Error: Invalid id and/or clean_session.\n",
                }));
            }
            if !ctext::valid_utf8(id) {
                // libmosquitto fails without setting errno, so mosquitto prints nothing at all.
                return Err(Failure::Silent { code: 1 });
            }
        }
        if let Some(prefix) = &o.id_prefix
            && !ctext::valid_utf8(prefix)
        {
            return Err(Failure::Silent { code: 1 });
        }
        // MQTT 5 `-c` with a finite `-x` and no id: libmosquitto refuses a persistent session
        // without an id.
        if !o.clean_session && o.id.is_none() && o.id_prefix.is_none() {
            return Err(self.runtime(match self.tool {
                Tool::Pub => "Error: Invalid id.\n",
                Tool::Sub => "Error: Invalid id and/or clean_session.\n",
            }));
        }
        let v3 = o.version != Version::V5;
        // `-D will` after which a `-V` went back to v3.x: libmosquitto refuses the will.
        if v3 && o.will_topic.is_some() && !o.v5.will.is_empty() {
            return Err(self.runtime("Error: Problem setting will.\n"));
        }
        let bad_username = o
            .username
            .as_ref()
            .is_some_and(|name| name.len() > 65535 || !ctext::valid_utf8(name));
        // A password without a user name is only refused for v3.x.
        if bad_username || (v3 && o.password.is_some() && o.username.is_none()) {
            return Err(self.runtime(BAD_CREDENTIALS));
        }
        if let Some(port) = o.port
            && !(0..=65535).contains(&port)
        {
            return Err(self.runtime(BAD_PORT_AT_CONNECT));
        }
        // `-D connect` after which a `-V` went back to v3.x: libmosquitto refuses to connect.
        if v3 && !o.v5.connect.is_empty() {
            return Err(self.runtime("Unable to connect (This feature is not supported.).\n"));
        }
        Ok(())
    }

    fn common(&self) -> CommonConfig {
        let o = &self.options;
        let tls_ca_given =
            o.tls.options.cafile.is_some() || o.tls.options.capath.is_some() || o.tls.psk;
        let port = o.port.unwrap_or(if tls_ca_given {
            DEFAULT_TLS_PORT
        } else {
            DEFAULT_PORT
        });
        let tls = self.tls_options(port);
        let host = o.host.clone().unwrap_or_else(|| b"localhost".to_vec());
        let endpoint = match u16::try_from(port) {
            Ok(0) => Endpoint::Unix {
                path: PathBuf::from(std::ffi::OsString::from_vec(host)),
            },
            Ok(port) => Endpoint::Tcp {
                host: lossy(&host),
                port,
            },
            // Refused by check_client_setup.
            Err(_) => Endpoint::Tcp {
                host: lossy(&host),
                port: 0,
            },
        };
        // Checked by check_loaded: in v3.x the `-D connect` list is empty (or refused).
        let (connect_properties, session_expiry) = if o.version == Version::V5 {
            let fixed_id = o.id_prefix.is_none() && o.id.is_some();
            o.v5.v5_connect_properties(o.clean_session, fixed_id)
                .unwrap_or_default()
        } else {
            Default::default()
        };
        let client_id = match (&o.id, &o.id_prefix) {
            (Some(id), _) => ClientIdChoice::Fixed(lossy(id)),
            (None, Some(prefix)) => ClientIdChoice::Prefix(lossy(prefix)),
            (None, None) => ClientIdChoice::Default,
        };
        CommonConfig {
            connect: ConnectSpec {
                endpoint,
                bind_address: o.bind_address.as_deref().map(lossy),
                nodelay: o.nodelay,
                proxy: o.proxy.clone(),
                tls,
            },
            version: o.version,
            client_id,
            keep_alive: o.keep_alive,
            clean_session: o.clean_session,
            username: o.username.as_deref().map(lossy),
            password: o.password.clone(),
            will: o.will_topic.as_ref().map(|topic| Will {
                topic: topic.clone(),
                payload: o.will_payload.clone().unwrap_or_default(),
                qos: o.will_qos,
                retain: o.will_retain,
                properties: o.v5.will.clone(),
            }),
            debug: o.debug,
            quiet: o.quiet,
            qos: o.qos,
            max_inflight: o.max_inflight,
            connect_properties,
            disconnect_properties: o.v5.disconnect.clone(),
            session_expiry,
        }
    }

    /// Final checks and resolution for rpub.
    pub(crate) fn finish_pub(
        mut self,
        load: impl FnOnce(&MessageSource) -> Result<Option<Vec<u8>>, Failure>,
    ) -> Result<PubConfig, Failure> {
        self.check_loaded()?;
        let quiet = self.options.quiet;
        let loaded = match &self.options.source {
            // Loading errors are err_printf texts: hidden by --quiet like any runtime error.
            Some(source) => load(source).map_err(|failure| match failure {
                Failure::Runtime { code, .. } if quiet => Failure::Silent { code },
                other => other,
            })?,
            None => None,
        };
        if let Some(payload) = loaded {
            self.options.source = Some(MessageSource::Message(payload));
        }
        // Moved out, not cloned: the source may hold a loaded file of many megabytes. Neither is
        // looked at by the checks below.
        let (Some(topic), Some(source)) = (self.options.topic.take(), self.options.source.take())
        else {
            return Err(Failure::UsageWithHelp {
                text: NEEDS_TOPIC_AND_MESSAGE.to_string(),
            });
        };
        self.check_client_setup()?;
        let common = self.common();
        Ok(PubConfig {
            common,
            topic,
            source,
            retain: self.options.retain,
            repeat: self.options.repeat,
            repeat_delay: self.options.repeat_delay,
            publish_properties: self.options.v5.publish.clone(),
        })
    }

    /// Final checks and resolution for rsub.
    pub(crate) fn finish_sub(self) -> Result<SubConfig, Failure> {
        self.check_loaded()?;
        // mosquitto_sub's own check, right after the shared ones: its text starts with an empty
        // line and has no `Use ...` line.
        if self.options.no_retain && self.options.retained_only {
            return Err(Failure::UsageRaw {
                text: RETAINED_ONLY_AND_R.to_string(),
            });
        }
        self.check_client_setup()?;
        let mut common = self.common();
        let o = self.options;
        // mosquitto_sub sets libmosquitto's receive maximum to a `-C` count below its default of
        // 20, so that no more messages arrive before it stops; a `-D connect receive-maximum` wins.
        if let Some(count) = o.count.and_then(|count| u16::try_from(count).ok())
            && count < 20
            && common.version == Version::V5
            && common.connect_properties.receive_maximum().is_none()
        {
            common
                .connect_properties
                .push(Property::ReceiveMaximum(count));
        }
        Ok(SubConfig {
            common,
            topics: o.topics,
            verbose: o.verbose,
            no_eol: o.no_eol,
            count: o.count,
            timeout: o.timeout,
            exit_after_subscribe: o.exit_after_subscribe,
            format: o.format,
            pretty: o.pretty,
            no_retain: o.no_retain,
            retained_only: o.retained_only,
            remove_retained: o.remove_retained,
            filter_outs: o.filter_outs,
            unsubscribe: o.unsubscribe,
            random_filter: (o.random_filter < RANDOM_FILTER_ALL).then_some(o.random_filter),
            retain_as_published: o.retain_as_published,
            subscribe_properties: o.v5.subscribe,
            unsubscribe_properties: o.v5.unsubscribe,
        })
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
        TlsArg::Psk => tls.psk = true,
        TlsArg::PskIdentity => tls.psk_identity = true,
        TlsArg::Engine => tls.engine = true,
        TlsArg::EngineKpassSha1 => tls.engine_kpass = true,
    }
}

/// `--proxy socks5h://[user[:pass]@]host[:port]` with mosquitto's checks and texts. Those texts are
/// err_printf'ed by mosquitto (hidden by a `--quiet` given before `--proxy`) and followed by the usual
/// `Use ...` line, which is never hidden.
fn parse_proxy_url(url: &[u8], quiet: bool, prog: &str) -> Result<ProxyConfig, Failure> {
    let fail = |text: String| {
        let shown = if quiet { String::new() } else { text };
        Failure::UsageRaw {
            text: format!("{shown}\nUse '{prog} --help' to see usage.\n"),
        }
    };
    let Some(rest) = url.strip_prefix(b"socks5h://") else {
        return Err(fail(format!(
            "Error: Unsupported proxy protocol: {}\n",
            lossy(url)
        )));
    };
    let (credentials, address) = match rest.iter().rposition(|&b| b == b'@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (username, password) = match credentials {
        Some(credentials) => match credentials.iter().position(|&b| b == b':') {
            Some(colon) => (
                Some(lossy(&credentials[..colon])),
                Some(lossy(&credentials[colon + 1..])),
            ),
            None => (Some(lossy(credentials)), None),
        },
        None => (None, None),
    };
    let (host, port) = match address.iter().rposition(|&b| b == b':') {
        Some(colon) => {
            let port = ctext::atoi(&address[colon + 1..]);
            match u16::try_from(port) {
                Ok(port) if port > 0 => (&address[..colon], port),
                _ => return Err(fail(format!("Error: Invalid proxy port {port}\n"))),
            }
        }
        None => (address, socks::DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err(fail("Error: Invalid proxy.\n".to_string()));
    }
    Ok(ProxyConfig {
        host: lossy(host),
        port,
        username,
        password,
    })
}
