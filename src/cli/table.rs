//! The flag table: every option of mosquitto_pub/mosquitto_sub 2.0.11, which tools accept it and what
//! it does.

use crate::tool::{Tool, Tools};

/// What an option does (its semantics live in `ArgProcessor::apply`).
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
    Psk,
    PskIdentity,
    Engine,
    EngineKpassSha1,
}

/// Does the option take the next argument as its value?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    Nothing,
    /// Yes; the text is mosquitto's error when the value is missing.
    Value(&'static str),
}

/// One row of the option table.
pub(crate) struct Spec {
    pub(crate) names: &'static [&'static str],
    pub(crate) tools: Tools,
    pub(crate) opt: Opt,
    pub(crate) takes: Takes,
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
pub(crate) fn lookup(tool: Tool, arg: &[u8]) -> Option<&'static Spec> {
    SPECS.iter().find(|spec| {
        spec.tools.contains(tool) && spec.names.iter().any(|name| name.as_bytes() == arg)
    })
}
