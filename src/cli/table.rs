//! The flag table: every option of mosquitto_pub/mosquitto_sub/mosquitto_rr 2.0.11, once. Each row names the flag,
//! the tools that accept it, what it does, the value it takes (its names in the help and the usage
//! synopsis, and mosquitto's error text when it is missing), the help section it belongs to and its
//! help text. The parser (`parse.rs`), `--help` and the usage synopsis (`help.rs`) all read it, and man
//! pages or shell completions can be generated from it the same way ([`flags`] per tool).

use super::generate::Generate;
use crate::tool::{Tool, Tools};

/// What a flag does (its semantics live in `ArgProcessor::apply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt {
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
    /// rrr `-e`: the response topic.
    ResponseTopic,
    /// rrr `--latency`: print the time from request to response (mosquitto 2.1).
    Latency,
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
    /// read by `V5Args::parse_property`.
    Property,
    SessionExpiry,
    RetainAsPublished,
    /// One of the TLS options (see [`TlsArg`]).
    Tls(TlsArg),
    Proxy,
    /// `--trace FILE`: the JSON-lines trace (issue 15).
    Trace,
    /// `--trace-payload BYTES`.
    TracePayload,
    /// `--json-lines`: rsub prints, rpub reads, one JSON object per message.
    JsonLines,
    ReplaySpeed,
    SkipBadLines,
    TopicSeparator,
    Rate,
    Template,
    /// `--generate KIND`: print a man page or a shell completion script made from this table.
    Generate,
    /// `--ws` (mosquitto 2.1): MQTT over WebSockets.
    WebSocket,
    /// `--ws-path PATH` (ours): the path of the WebSocket upgrade request.
    WsPath,
    /// `-o FILE` (mosquitto 2.1): read before the other arguments (`options_file::load_for`); when
    /// met while reading them, its value is skipped.
    OptionsFile,
    /// `--no-tls` (mosquitto 2.1): no TLS, whatever other options say.
    NoTls,
    /// `--retain-handling always|new|never` (mosquitto 2.1, rsub): the MQTT 5 subscription option.
    RetainHandling,
    /// `-w`/`--watch` (mosquitto 2.1, rsub): each topic on its own terminal line.
    Watch,
    /// `--message-rate` (mosquitto 2.1, rsub): print the number of messages received each second.
    MessageRate,
    /// One of the flags for scripts and CI (issue 14, see [`CiArg`]).
    Ci(CiArg),
}

/// The flags for scripts and CI (issue 14): long options mosquitto does not have, read by
/// `cli::ci`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CiArg {
    ConnectTimeout,
    Timeout,
    IdleTimeout,
    ExpectPayload,
    ExpectRegex,
    ExpectCount,
    ExpectNone,
    Check,
    CheckFormat,
    CheckWarn,
    CheckCrit,
    Strict,
    PwFile,
    WaitForBroker,
    Reconnect,
    ReconnectDelay,
}

/// Where a flag comes from: mosquitto_pub/sub 2.0.11, what mosquitto 2.1 added, or rpubsub itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Mosquitto2_0,
    /// New in mosquitto 2.1: 2.1's behaviour and error texts; the help says so.
    Mosquitto2_1,
    /// Ours (a long option mosquitto does not have).
    Rpubsub,
}

/// The TLS options, kept as given until all arguments are read (mosquitto checks them afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsArg {
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
    /// `--tls-keylog FILE` (mosquitto 2.1's flag).
    KeyLog,
    Psk,
    PskIdentity,
    Engine,
    EngineKpassSha1,
}

/// What a flag takes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    /// Nothing: a switch.
    Nothing,
    /// The next argument, whatever it looks like (`-m -d` publishes "-d").
    Value {
        name: ValueName,
        /// mosquitto's error text when there is no next argument (long forms name the short one, as
        /// mosquitto does), followed by its own blank line.
        missing: &'static str,
    },
    /// `-D`: three or four arguments, counted and checked by `V5Args::parse_property`, which has its
    /// own error texts.
    PropertyValues { name: ValueName },
}

impl Takes {
    /// The name of the value(s), `None` for a switch.
    pub(crate) fn name(self) -> Option<ValueName> {
        match self {
            Takes::Nothing => None,
            Takes::Value { name, .. } | Takes::PropertyValues { name } => Some(name),
        }
    }
}

/// What a flag's value can be, for shell completion scripts (which complete it) and man pages (see
/// `cli/generate/`). It describes, it does not check: the parser stays the judge (a test checks that
/// every word of a [`ValueHint::OneOf`] is accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueHint {
    /// Free text (a topic, a message, a number, a URL): nothing to complete.
    Text,
    /// A host name or address.
    Host,
    /// A file name.
    File,
    /// A directory name.
    Dir,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// `-D`: a command, then a property name that command allows, then the value(s).
    Property,
}

/// How the documentation names a flag's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ValueName {
    /// In the help's list of flags: `-h, --host HOST`.
    pub(crate) help: &'static str,
    /// In the usage synopsis: `[-h host]`.
    pub(crate) synopsis: &'static str,
}

/// The part of the help a flag is listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Connection,
    Proxy,
    Tls,
    Session,
    V5,
    /// rpub: the topic, the message and how it is published.
    Publish,
    /// rsub: the subscriptions and how messages are printed; rrr: the response.
    Receive,
    /// rsub: which messages are printed.
    Select,
    Output,
    /// Time limits, assertions, probes and secrets for scripts and CI (issue 14).
    Ci,
    /// mosquitto's flags that rustls cannot offer: refused with an error. `--help` does not list them
    /// one by one; its notes name them.
    Refused,
}

impl Section {
    /// The section's heading.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Section::Connection => "Broker and connection:",
            Section::Proxy => "Proxy:",
            Section::Tls => "TLS (rustls; see docs/tls.md):",
            Section::Session => "Session:",
            Section::V5 => "MQTT 5 (-V 5, or any -D):",
            Section::Publish => "What to publish:",
            Section::Receive => "What to receive and print:",
            Section::Select => "Which messages to print:",
            Section::Output => "Output and help:",
            Section::Ci => "For scripts and CI (exit statuses: docs/exit-codes.md, \"For CI\"):",
            Section::Refused => "Not supported (refused with an error):",
        }
    }
}

/// One row of the flag table.
#[derive(Debug)]
pub(crate) struct Flag {
    /// The spellings, matched exactly: the short one first, if there is one.
    pub(crate) names: &'static [&'static str],
    /// The tools that accept the flag (a flag whose help differs between tools has one row per tool).
    pub(crate) tools: Tools,
    pub(crate) opt: Opt,
    pub(crate) takes: Takes,
    pub(crate) section: Section,
    /// What the flag does, one help line per `\n`-separated part.
    pub(crate) help: &'static str,
    /// Other ways to write the flag, as the help's flag column shows them, each with its help line.
    pub(crate) forms: &'static [(&'static str, &'static str)],
    /// What the value can be ([`ValueHint::Text`] unless [`Flag::hint`] says otherwise).
    pub(crate) hint: ValueHint,
    pub(crate) origin: Origin,
}

/// A switch; [`Flag::value`] and [`Flag::property_values`] make it take values.
const fn row(
    names: &'static [&'static str],
    tools: Tools,
    opt: Opt,
    section: Section,
    help: &'static str,
) -> Flag {
    Flag {
        names,
        tools,
        opt,
        takes: Takes::Nothing,
        section,
        help,
        forms: &[],
        hint: ValueHint::Text,
        origin: Origin::Mosquitto2_0,
    }
}

impl Flag {
    /// The flag takes the next argument: named `help` in the help and `synopsis` in the synopsis;
    /// `missing` is mosquitto's error when there is none.
    const fn value(
        self,
        help: &'static str,
        synopsis: &'static str,
        missing: &'static str,
    ) -> Flag {
        Flag {
            takes: Takes::Value {
                name: ValueName { help, synopsis },
                missing,
            },
            ..self
        }
    }

    /// `-D`'s values.
    const fn property_values(self, help: &'static str, synopsis: &'static str) -> Flag {
        Flag {
            takes: Takes::PropertyValues {
                name: ValueName { help, synopsis },
            },
            hint: ValueHint::Property,
            ..self
        }
    }

    const fn also(self, forms: &'static [(&'static str, &'static str)]) -> Flag {
        Flag { forms, ..self }
    }

    /// What the value can be, for completion scripts and man pages.
    const fn hint(self, hint: ValueHint) -> Flag {
        Flag { hint, ..self }
    }

    /// The flag is not one of mosquitto 2.0.11's (its help text says where it comes from).
    const fn from(self, origin: Origin) -> Flag {
        Flag { origin, ..self }
    }

    /// The flag's short name (`-h`), if it has one.
    pub(crate) fn short(&self) -> Option<&'static str> {
        self.names
            .iter()
            .copied()
            .find(|name| !name.starts_with("--"))
    }

    /// The flag's long name (`--host`), if it has one.
    pub(crate) fn long(&self) -> Option<&'static str> {
        self.names
            .iter()
            .copied()
            .find(|name| name.starts_with("--"))
    }
}

/// The flags for scripts and CI that rpub and rsub share (rrr has none of them).
const PUB_SUB: Tools = Tools::PUB.with(Tools::SUB);

/// Every flag of mosquitto_pub/mosquitto_sub/mosquitto_rr 2.0.11 (`-S`, SRV lookups, is not compiled
/// into the reference build, so it stays unknown), those mosquitto 2.1 added
/// (`Origin::Mosquitto2_1`) and our own (`Origin::Rpubsub`), in the order the help lists them. A
/// name means one flag per tool (a test checks), so the order does not affect matching.
#[rustfmt::skip]
pub(crate) static FLAGS: &[Flag] = &[
    row(&["-h", "--host"], Tools::ALL, Opt::Host, Section::Connection,
        "broker host name or address (default: localhost)")
        .value("HOST", "host", "Error: -h argument given but no host specified.\n\n")
        .hint(ValueHint::Host),
    row(&["-p", "--port"], Tools::ALL, Opt::Port, Section::Connection,
        "broker port (default: 1883); 0 means HOST is a unix socket path")
        .value("PORT", "port", "Error: -p argument given but no port specified.\n\n"),
    row(&["--unix"], Tools::ALL, Opt::Unix, Section::Connection,
        "connect through the unix domain socket PATH instead of TCP")
        .value("PATH", "path", "Error: --unix argument given but no socket path specified.\n\n")
        .hint(ValueHint::File),
    row(&["-L", "--url"], Tools::ALL, Opt::Url, Section::Connection,
        "mqtt://[user[:password]@]host[:port]/topic: all of these in one argument;\n\
         also mqtts:// (TLS, port 8883), ws:// (WebSockets, port 1883), wss:// (both, port 8883)")
        .value("URL", "URL", "Error: -L argument given but no URL specified.\n\n"),
    row(&["--ws"], Tools::ALL, Opt::WebSocket, Section::Connection,
        "MQTT over WebSockets (wss with TLS; port 1883, 8883 with TLS) (mosquitto 2.1)")
        .from(Origin::Mosquitto2_1),
    row(&["--ws-path"], Tools::ALL, Opt::WsPath, Section::Connection,
        "path of the WebSocket upgrade request (default: /mqtt, as libmosquitto)")
        .value("PATH", "path", "Error: --ws-path argument given but no path specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["-A"], Tools::ALL, Opt::BindAddress, Section::Connection,
        "local address to bind the connection to (picks the interface)")
        .value("ADDRESS", "bind_address", "Error: -A argument given but no address specified.\n\n")
        .hint(ValueHint::Host),
    row(&["--nodelay"], Tools::ALL, Opt::NoDelay, Section::Connection,
        "send each packet at once (TCP_NODELAY)"),
    row(&["-u", "--username"], Tools::ALL, Opt::Username, Section::Connection,
        "user name to log in with")
        .value("NAME", "username", "Error: -u argument given but no username specified.\n\n"),
    row(&["-P", "--pw"], Tools::ALL, Opt::Password, Section::Connection,
        "password to log in with (MQTT 3.x: only together with -u)")
        .value("PASSWORD", "password", "Error: -P argument given but no password specified.\n\n"),
    row(&["-V", "--protocol-version"], Tools::PUB.with(Tools::SUB), Opt::ProtocolVersion, Section::Connection,
        "mqttv5 or 5, mqttv311 or 311 (the default), mqttv31 or 31")
        .value("V", "protocol_version", "Error: --protocol-version argument given but no version specified.\n\n")
        .hint(ValueHint::OneOf(&["mqttv5", "5", "mqttv311", "311", "mqttv31", "31"])),
    // mosquitto_rr defaults to MQTT 5 (the request/response properties need it).
    row(&["-V", "--protocol-version"], Tools::RR, Opt::ProtocolVersion, Section::Connection,
        "mqttv5 or 5 (the default), mqttv311 or 311, mqttv31 or 31")
        .value("V", "protocol_version", "Error: --protocol-version argument given but no version specified.\n\n")
        .hint(ValueHint::OneOf(&["mqttv5", "5", "mqttv311", "311", "mqttv31", "31"])),
    row(&["-k", "--keepalive"], Tools::ALL, Opt::KeepAlive, Section::Connection,
        "seconds between keepalive pings, 5 to 65535 (default: 60)")
        .value("SECONDS", "keepalive", "Error: -k argument given but no keepalive specified.\n\n"),
    row(&["--proxy"], Tools::ALL, Opt::Proxy, Section::Proxy,
        "socks5h://[user[:password]@]host[:port] (port 1080): connect through a SOCKS5 proxy")
        .value("URL", "URL", "Error: --proxy argument given but no proxy url specified.\n\n"),
    row(&["--no-tls"], Tools::ALL, Opt::NoTls, Section::Tls,
        "no TLS: cancels the TLS options (of an options file, say) and port 8883's TLS (mosquitto 2.1)")
        .from(Origin::Mosquitto2_1),
    row(&["--cafile"], Tools::ALL, Opt::Tls(TlsArg::CaFile), Section::Tls,
        "trust the CA certificates in FILE (PEM); turns TLS on, port 8883")
        .value("FILE", "file", "Error: --cafile argument given but no file specified.\n\n")
        .hint(ValueHint::File),
    row(&["--capath"], Tools::ALL, Opt::Tls(TlsArg::CaPath), Section::Tls,
        "trust every PEM certificate in DIR; turns TLS on, port 8883")
        .value("DIR", "dir", "Error: --capath argument given but no directory specified.\n\n")
        .hint(ValueHint::Dir),
    row(&["--tls-use-os-certs"], Tools::ALL, Opt::Tls(TlsArg::UseOsCerts), Section::Tls,
        "trust the system's CA certificates; turns TLS on"),
    row(&["--cert"], Tools::ALL, Opt::Tls(TlsArg::Cert), Section::Tls,
        "client certificate (PEM), with --key")
        .value("FILE", "file", "Error: --cert argument given but no file specified.\n\n")
        .hint(ValueHint::File),
    row(&["--key"], Tools::ALL, Opt::Tls(TlsArg::Key), Section::Tls,
        "client private key (PEM; an encrypted one asks for its pass phrase), with --cert")
        .value("FILE", "file", "Error: --key argument given but no file specified.\n\n")
        .hint(ValueHint::File),
    row(&["--keyform"], Tools::ALL, Opt::Tls(TlsArg::KeyForm), Section::Tls,
        "the key's format (only pem)")
        .value("pem", "pem", "Error: --keyform argument given but no keyform specified.\n\n")
        .hint(ValueHint::OneOf(&["pem"])),
    row(&["--insecure"], Tools::ALL, Opt::Tls(TlsArg::Insecure), Section::Tls,
        "do not check the host name (the chain is still checked)"),
    row(&["--tls-version"], Tools::ALL, Opt::Tls(TlsArg::Version), Section::Tls,
        "tlsv1.3 (only 1.3) or tlsv1.2 (1.2 or later)")
        .value("V", "version", "Error: --tls-version argument given but no version specified.\n\n")
        .hint(ValueHint::OneOf(&["tlsv1.3", "tlsv1.2"])),
    row(&["--tls-alpn"], Tools::ALL, Opt::Tls(TlsArg::Alpn), Section::Tls,
        "offer this ALPN protocol")
        .value("PROTOCOL", "protocol", "Error: --tls-alpn argument given but no protocol specified.\n\n"),
    row(&["--ciphers"], Tools::ALL, Opt::Tls(TlsArg::Ciphers), Section::Tls,
        "cipher suites, OpenSSL or IANA names separated by ':'")
        .value("LIST", "list", "Error: --ciphers argument given but no ciphers specified.\n\n"),
    row(&["--tls-keylog"], Tools::ALL, Opt::Tls(TlsArg::KeyLog), Section::Tls,
        "append the TLS secrets to FILE for Wireshark (debugging only; also SSLKEYLOGFILE)")
        .value("FILE", "file", "Error: --tls-keylog argument given but no file specified.\n\n")
        .hint(ValueHint::File),
    row(&["-i", "--id"], Tools::ALL, Opt::Id, Section::Session,
        "client identifier")
        .value("ID", "id", "Error: -i argument given but no id specified.\n\n"),
    row(&["-I", "--id-prefix"], Tools::ALL, Opt::IdPrefix, Section::Session,
        "client identifier made of PREFIX and the process id")
        .value("PREFIX", "id_prefix", "Error: -I argument given but no id prefix specified.\n\n"),
    row(&["-c", "--disable-clean-session"], Tools::ALL, Opt::CleanSession, Section::Session,
        "ask the broker to keep the session after disconnecting (needs -i; MQTT 5: kept for ever unless -x)"),
    row(&["-M"], Tools::ALL, Opt::MaxInflight, Section::Session,
        "at most COUNT QoS 1/2 messages waiting for acknowledgement (default: 20)")
        .value("COUNT", "max_inflight", "Error: -M argument given but max_inflight not specified.\n\n"),
    row(&["--will-topic"], Tools::ALL, Opt::WillTopic, Section::Session,
        "topic of the message the broker sends if we vanish")
        .value("TOPIC", "topic", "Error: --will-topic argument given but no will topic specified.\n\n"),
    row(&["--will-payload"], Tools::ALL, Opt::WillPayload, Section::Session,
        "content of that message (default: empty)")
        .value("TEXT", "payload", "Error: --will-payload argument given but no will payload specified.\n\n"),
    row(&["--will-qos"], Tools::ALL, Opt::WillQos, Section::Session,
        "its QoS (0, 1 or 2; default: 0)")
        .value("QOS", "qos", "Error: --will-qos argument given but no will QoS specified.\n\n")
        .hint(QOS),
    row(&["--will-retain"], Tools::ALL, Opt::WillRetain, Section::Session,
        "have the broker retain it"),
    row(&["-D", "--property"], Tools::ALL, Opt::Property, Section::V5,
        "send the MQTT 5 property NAME with VALUE in COMMAND: connect, publish, subscribe,\n\
         unsubscribe, disconnect or will (repeatable; implies -V 5 unless a -V follows)")
        .property_values("COMMAND NAME VALUE", "command property value")
        .also(&[("-D COMMAND user-property KEY VALUE", "a user property takes a key and a value")]),
    row(&["-x"], Tools::ALL, Opt::SessionExpiry, Section::V5,
        "session expiry interval (MQTT 5): 0 to 4294967295, or -1 (never expires, needs -i)")
        .value("SECONDS", "session_expiry", "Error: -x argument given but no session expiry interval specified.\n\n"),
    row(&["--retain-as-published"], Tools::SUB.with(Tools::RR), Opt::RetainAsPublished, Section::V5,
        "keep the retain flag of forwarded messages (MQTT 5 subscription option)"),
    row(&["--retain-handling"], Tools::SUB.with(Tools::RR), Opt::RetainHandling, Section::V5,
        "which retained messages the broker sends at subscription: always (the default), new\n\
         (only for a new subscription) or never (MQTT 5 subscription option) (mosquitto 2.1)")
        .value("WHEN", "always|new|never", "Error: --retain-handling argument given but no option specified.\n\n")
        .hint(ValueHint::OneOf(&["always", "new", "never"]))
        .from(Origin::Mosquitto2_1),
    row(&["-t", "--topic"], Tools::PUB, Opt::Topic, Section::Publish,
        "topic to publish to (no + or # wildcards)")
        .value("TOPIC", "topic", "Error: -t argument given but no topic specified.\n\n"),
    row(&["-t", "--topic"], Tools::RR, Opt::Topic, Section::Publish,
        "topic to send the request to (no + or # wildcards)")
        .value("TOPIC", "topic", "Error: -t argument given but no topic specified.\n\n"),
    row(&["-m", "--message"], Tools::PUB.with(Tools::RR), Opt::Message, Section::Publish,
        "the message is TEXT, byte for byte")
        .value("TEXT", "message", "Error: -m argument given but no message specified.\n\n"),
    row(&["-f", "--file"], Tools::PUB.with(Tools::RR), Opt::File, Section::Publish,
        "the message is the whole content of FILE")
        .value("FILE", "file", "Error: -f argument given but no file specified.\n\n")
        .hint(ValueHint::File),
    row(&["-s", "--stdin-file"], Tools::PUB.with(Tools::RR), Opt::StdinFile, Section::Publish,
        "the message is everything read from standard input"),
    row(&["-l", "--stdin-line"], Tools::PUB, Opt::StdinLine, Section::Publish,
        "each line of standard input is one message"),
    row(&["-n", "--null-message"], Tools::PUB.with(Tools::RR), Opt::NullMessage, Section::Publish,
        "the message is empty (zero bytes)"),
    row(&["-q", "--qos"], Tools::PUB, Opt::Qos, Section::Publish,
        "delivery guarantee: 0, 1 or 2 (default: 0)")
        .value("QOS", "qos", "Error: -q argument given but no QoS specified.\n\n")
        .hint(QOS),
    row(&["-q", "--qos"], Tools::RR, Opt::Qos, Section::Publish,
        "QoS of the request and of the subscription to the response topic: 0, 1 or 2 (default: 0)")
        .value("QOS", "qos", "Error: -q argument given but no QoS specified.\n\n")
        .hint(QOS),
    row(&["-r", "--retain"], Tools::PUB, Opt::Retain, Section::Publish,
        "ask the broker to keep the message for future subscribers"),
    row(&["--repeat"], Tools::PUB, Opt::Repeat, Section::Publish,
        "publish the message COUNT times (not with -l)")
        .value("COUNT", "count", "Error: --repeat argument given but no count specified.\n\n"),
    row(&["--repeat-delay"], Tools::PUB, Opt::RepeatDelay, Section::Publish,
        "wait this long between repeats (fractions allowed)")
        .value("SECONDS", "seconds", "Error: --repeat-delay argument given but no time specified.\n\n"),
    row(&["--json-lines"], Tools::PUB, Opt::JsonLines, Section::Publish,
        "each line of standard input is a JSON object with its own topic, payload, QoS, retain\n\
         and properties, as rsub --json-lines prints them (docs/rsub-output.md)")
        .from(Origin::Rpubsub),
    row(&["--replay-speed"], Tools::PUB, Opt::ReplaySpeed, Section::Publish,
        "with --json-lines: keep the spacing of the \"tst\" times, divided by X (1: as recorded)")
        .value("X", "speed", "Error: --replay-speed argument given but no speed specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--skip-bad-lines"], Tools::PUB, Opt::SkipBadLines, Section::Publish,
        "report a line that cannot be published and go on (default: stop there, exit 1)")
        .from(Origin::Rpubsub),
    row(&["--topic-separator"], Tools::PUB, Opt::TopicSeparator, Section::Publish,
        "with -l: each line is TOPIC, SEP, then the payload (the first SEP splits)")
        .value("SEP", "separator", "Error: --topic-separator argument given but no separator specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--rate"], Tools::PUB, Opt::Rate, Section::Publish,
        "publish at most N messages per second, evenly spaced (fractions allowed: 0.5)")
        .value("N", "rate", "Error: --rate argument given but no rate specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--template"], Tools::PUB, Opt::Template, Section::Publish,
        "the message is a template: {n} counter, {ts} unix ms, {iso} time, {rand:A-B}, {uuid},\n\
         {{ and }} for braces (with --repeat, each message its own)")
        .from(Origin::Rpubsub),
    row(&["-e"], Tools::RR, Opt::ResponseTopic, Section::Receive,
        "topic the response comes on: subscribed to, and sent with the request as its MQTT 5\n\
         response topic (no + or # wildcards)")
        .value("TOPIC", "response-topic", "Error: -e argument given but no response topic specified.\n\n"),
    row(&["-t", "--topic"], Tools::SUB, Opt::Topic, Section::Receive,
        "topic filter to subscribe to; repeat -t for more filters")
        .value("FILTER", "filter", "Error: -t argument given but no topic specified.\n\n"),
    row(&["-q", "--qos"], Tools::SUB, Opt::Qos, Section::Receive,
        "QoS asked for every filter: 0, 1 or 2 (default: 0)")
        .value("QOS", "qos", "Error: -q argument given but no QoS specified.\n\n")
        .hint(QOS),
    row(&["-U", "--unsubscribe"], Tools::SUB, Opt::Unsubscribe, Section::Receive,
        "unsubscribe from FILTER right after subscribing (repeatable; without -t only unsubscribe)")
        .value("FILTER", "filter", "Error: -U argument given but no unsubscribe topic specified.\n\n"),
    row(&["-v", "--verbose"], Tools::SUB.with(Tools::RR), Opt::Verbose, Section::Receive,
        "print the topic, a space, then the message"),
    row(&["-N"], Tools::SUB.with(Tools::RR), Opt::NoEol, Section::Receive,
        "print no newline after each message"),
    row(&["-F"], Tools::SUB.with(Tools::RR), Opt::Format, Section::Receive,
        "print each message as FORMAT says (overrides -v; see below)")
        .value("FORMAT", "format", "Error: -F argument given but no format specified.\n\n"),
    row(&["--pretty"], Tools::SUB.with(Tools::RR), Opt::Pretty, Section::Receive,
        "print the JSON of %j and %J indented over several lines"),
    row(&["--json-lines"], Tools::SUB, Opt::JsonLines, Section::Receive,
        "print each message as one JSON object, losslessly (not with -F, -v or -N)")
        .from(Origin::Rpubsub),
    row(&["-C"], Tools::SUB, Opt::Count, Section::Receive,
        "exit after COUNT messages (the ones -R, -T or --retained-only skip do not count)")
        .value("COUNT", "count", "Error: -C argument given but no count specified.\n\n"),
    row(&["-W"], Tools::SUB, Opt::Timeout, Section::Receive,
        "exit after SECONDS seconds (exit status 27)")
        .value("SECONDS", "seconds", "Error: -W argument given but no timeout specified.\n\n"),
    row(&["-W"], Tools::RR, Opt::Timeout, Section::Receive,
        "give up after SECONDS seconds without a response (exit status 27)")
        .value("SECONDS", "seconds", "Error: -W argument given but no timeout specified.\n\n"),
    row(&["--latency"], Tools::RR, Opt::Latency, Section::Receive,
        "after the response, print the time since the request was sent (implies --nodelay)\n\
         (mosquitto 2.1)")
        .from(Origin::Mosquitto2_1),
    row(&["-E"], Tools::SUB, Opt::ExitAfterSubscribe, Section::Receive,
        "exit as soon as the broker has confirmed the subscriptions"),
    row(&["-w", "--watch"], Tools::SUB, Opt::Watch, Section::Receive,
        "print each topic's messages on a line of its own, rewritten in place (ANSI terminals)\n\
         (mosquitto 2.1)")
        .from(Origin::Mosquitto2_1),
    row(&["--message-rate"], Tools::SUB, Opt::MessageRate, Section::Receive,
        "print only the number of messages received each second (\"N msgs/s\") (mosquitto 2.1)")
        .from(Origin::Mosquitto2_1),
    row(&["-R"], Tools::SUB.with(Tools::RR), Opt::NoRetain, Section::Select,
        "skip retained messages (MQTT 5: the broker is asked not to send them)"),
    row(&["--retained-only"], Tools::SUB, Opt::RetainedOnly, Section::Select,
        "print retained messages only; exit at the first one that is not (not with -R)"),
    row(&["--remove-retained"], Tools::SUB, Opt::RemoveRetained, Section::Select,
        "clear each retained message received from the broker (use -T to spare topics)"),
    row(&["-T", "--filter-out"], Tools::SUB, Opt::FilterOut, Section::Select,
        "skip messages whose topic matches FILTER (repeatable)")
        .value("FILTER", "filter", "Error: -T argument given but no topic filter specified.\n\n"),
    row(&["--random-filter"], Tools::SUB, Opt::RandomFilter, Section::Select,
        "print only about PERCENT % of the messages, chosen at random (0.1 to 100)")
        .value("PERCENT", "percent", "Error: --random-filter argument given but no chance specified.\n\n"),
    row(&["--connect-timeout"], PUB_SUB, Opt::Ci(CiArg::ConnectTimeout), Section::Ci,
        "give up when name resolution, TCP, SOCKS, TLS and CONNACK take longer than DURATION\n\
         (per attempt; 500ms, 2s, 1m30s, or seconds: 1.5) (exit 40)")
        .value("DURATION", "duration", "Error: --connect-timeout argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--timeout"], Tools::PUB, Opt::Ci(CiArg::Timeout), Section::Ci,
        "the whole run, every acknowledgement included, must end within DURATION (exit 27)")
        .value("DURATION", "duration", "Error: --timeout argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--timeout"], Tools::SUB, Opt::Ci(CiArg::Timeout), Section::Ci,
        "-W with any DURATION (500ms, 1.5): print Timed out and exit 27 when it ends")
        .value("DURATION", "duration", "Error: --timeout argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--idle-timeout"], Tools::SUB, Opt::Ci(CiArg::IdleTimeout), Section::Ci,
        "exit 0 once no message has arrived for DURATION after the SUBACK")
        .value("DURATION", "duration", "Error: --idle-timeout argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--expect-payload"], Tools::SUB, Opt::Ci(CiArg::ExpectPayload), Section::Ci,
        "exit 0 as soon as a message with exactly this payload arrived; exit 41 if none\n\
         did when the run ends (--timeout, --idle-timeout, -W, -C, a signal)")
        .value("TEXT", "payload", "Error: --expect-payload argument given but no payload specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--expect-regex"], Tools::SUB, Opt::Ci(CiArg::ExpectRegex), Section::Ci,
        "the same for a payload matching REGEX (Rust regex syntax, searched in the payload)")
        .value("REGEX", "regex", "Error: --expect-regex argument given but no regex specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--expect-count"], Tools::SUB, Opt::Ci(CiArg::ExpectCount), Section::Ci,
        "at least COUNT such messages (any message without --expect-payload/-regex)")
        .value("COUNT", "count", "Error: --expect-count argument given but no count specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--expect-none"], Tools::SUB, Opt::Ci(CiArg::ExpectNone), Section::Ci,
        "succeed only if no message arrives before --timeout, --idle-timeout or -W (exit 42)")
        .from(Origin::Rpubsub),
    row(&["--check"], Tools::PUB, Opt::Ci(CiArg::Check), Section::Ci,
        "probe the broker: subscribe to a private topic (-t, or rpubsub/check/<client id>),\n\
         publish --repeat probes (default 5), receive them back, report times and losses")
        .from(Origin::Rpubsub),
    row(&["--check-format"], Tools::PUB, Opt::Ci(CiArg::CheckFormat), Section::Ci,
        "text (default), json, or nagios (one status line, exit 0/1/2/3)")
        .value("FORMAT", "format", "Error: --check-format argument given but no format specified.\n\n")
        .hint(ValueHint::OneOf(&["text", "json", "nagios"]))
        .from(Origin::Rpubsub),
    row(&["--check-warn"], Tools::PUB, Opt::Ci(CiArg::CheckWarn), Section::Ci,
        "warning (exit 45; nagios 1) when the p99 latency is above DURATION")
        .value("DURATION", "duration", "Error: --check-warn argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--check-crit"], Tools::PUB, Opt::Ci(CiArg::CheckCrit), Section::Ci,
        "critical (exit 46; nagios 2) when the p99 latency is above DURATION")
        .value("DURATION", "duration", "Error: --check-crit argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--strict"], PUB_SUB, Opt::Ci(CiArg::Strict), Section::Ci,
        "fail where mosquitto only warns: a refused publish (exit 43), a denied subscription,\n\
         a lower QoS granted, a refused unsubscribe (exit 44)")
        .from(Origin::Rpubsub),
    row(&["--pw-file"], PUB_SUB, Opt::Ci(CiArg::PwFile), Section::Ci,
        "the password is the first line of FILE (only its owner may read it, or a pipe);\n\
         without -P and --pw-file, -u takes the password from MQTT_PASSWORD if it is set")
        .value("FILE", "file", "Error: --pw-file argument given but no file specified.\n\n")
        .hint(ValueHint::File)
        .from(Origin::Rpubsub),
    row(&["--wait-for-broker"], PUB_SUB, Opt::Ci(CiArg::WaitForBroker), Section::Ci,
        "while nothing listens at the broker's address yet, try again for up to DURATION")
        .value("DURATION", "duration", "Error: --wait-for-broker argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--reconnect"], PUB_SUB, Opt::Ci(CiArg::Reconnect), Section::Ci,
        "after a lost connection: never (exit 7), always, or at most N attempts in a row\n\
         (default: rsub and rpub -l always, rpub never)")
        .value("WHEN", "when", "Error: --reconnect argument given but no value specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--reconnect-delay"], PUB_SUB, Opt::Ci(CiArg::ReconnectDelay), Section::Ci,
        "wait this long before each reconnect attempt (default: 1s)")
        .value("DURATION", "duration", "Error: --reconnect-delay argument given but no duration specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["-o"], Tools::ALL, Opt::OptionsFile, Section::Output,
        "read options from FILE (one per line) instead of the default options file (mosquitto 2.1)")
        .value("FILE", "options_file", "Error: -o argument given but no options file specified.\n\n")
        .hint(ValueHint::File)
        .from(Origin::Mosquitto2_1),
    row(&["-d", "--debug"], Tools::ALL, Opt::Debug, Section::Output,
        "print a line for every MQTT packet sent or received"),
    row(&["--trace"], Tools::ALL, Opt::Trace, Section::Output,
        "write every event of the session to FILE as JSON lines ('-': stderr; docs/trace.md)")
        .value("FILE", "file", "Error: --trace argument given but no file specified.\n\n")
        .hint(ValueHint::File)
        .from(Origin::Rpubsub),
    row(&["--trace-payload"], Tools::ALL, Opt::TracePayload, Section::Output,
        "with --trace: show up to BYTES bytes of each payload (default: 0)")
        .value("BYTES", "bytes", "Error: --trace-payload argument given but no size specified.\n\n")
        .from(Origin::Rpubsub),
    row(&["--quiet"], Tools::ALL, Opt::Quiet, Section::Output,
        "hide errors that happen after the arguments were accepted"),
    row(&["--help"], Tools::ALL, Opt::Help, Section::Output,
        "print this text"),
    row(&["--version"], Tools::ALL, Opt::Version, Section::Output,
        "print the version of rpubsub itself"),
    row(&["--generate"], Tools::ALL, Opt::Generate, Section::Output,
        "print the man page or a shell completion script: KIND is man, complete-bash,\n\
         complete-zsh or complete-fish (status 0)")
        .value("KIND", "kind", "Error: --generate argument given but no kind specified.\n\n")
        .hint(ValueHint::OneOf(&Generate::NAMES))
        .from(Origin::Rpubsub),
    row(&["--psk"], Tools::ALL, Opt::Tls(TlsArg::Psk), Section::Refused,
        "TLS pre-shared key (hex): refused, rustls has no TLS-PSK support")
        .value("KEY", "key", "Error: --psk argument given but no key specified.\n\n"),
    row(&["--psk-identity"], Tools::ALL, Opt::Tls(TlsArg::PskIdentity), Section::Refused,
        "TLS-PSK identity: refused, rustls has no TLS-PSK support")
        .value("IDENTITY", "identity", "Error: --psk-identity argument given but no identity specified.\n\n"),
    row(&["--tls-engine"], Tools::ALL, Opt::Tls(TlsArg::Engine), Section::Refused,
        "OpenSSL engine for the key: refused, rustls has no engines")
        .value("ENGINE", "engine", "Error: --tls-engine argument given but no engine_id specified.\n\n"),
    row(&["--tls-engine-kpass-sha1"], Tools::ALL, Opt::Tls(TlsArg::EngineKpassSha1), Section::Refused,
        "SHA1 of the engine's key password: refused, rustls has no engines")
        .value("SHA1", "sha1", "Error: --tls-engine-kpass-sha1 argument given but no kpass sha1 specified.\n\n"),
];

/// The values of a QoS.
const QOS: ValueHint = ValueHint::OneOf(&["0", "1", "2"]);

/// The flags `tool` accepts, in the table's order.
pub(crate) fn flags(tool: Tool) -> impl Iterator<Item = &'static Flag> {
    FLAGS.iter().filter(move |flag| flag.tools.contains(tool))
}

/// The flag of `tool` spelled exactly `arg`, if any.
pub(crate) fn lookup(tool: Tool, arg: &[u8]) -> Option<&'static Flag> {
    flags(tool).find(|flag| flag.names.iter().any(|name| name.as_bytes() == arg))
}
