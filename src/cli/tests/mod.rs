//! Argument parsing without spawning processes: argument lists → config or the exact failure.
//! Expected texts were checked against mosquitto_pub/mosquitto_sub 2.0.11.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::Duration;

mod accepted;
mod ci;
mod ctext;
mod errors;
mod help;
mod json_trace;
mod rr;
mod sub_output;
mod table;
mod tls_proxy;
mod v21;
mod v5;

use super::config::{
    ClientIdChoice, CommonConfig, Endpoint, MessageSource, PubConfig, RrConfig, SubConfig,
};
use super::ctext::{atof, atoi, valid_publish_topic, valid_subscription_topic, valid_utf8};
use super::help::{tool_version_line, usage_text};
use super::{Parsed, parse};
use crate::exit::Failure;
use crate::net::ConnectSpec;
use crate::proto::codec::{QoS, RetainHandling, Version, Will};
use crate::tool::Tool;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn os_bytes(args: &[&[u8]]) -> Vec<OsString> {
    args.iter()
        .map(|a| OsString::from_vec(a.to_vec()))
        .collect()
}

/// Parses `args` as `tool` named as mosquitto's client, keeping what ends the parsing
/// (`Ok(Parsed::Run(()))`: an accepted command line).
fn run(tool: Tool, args: &[OsString]) -> Result<Parsed<()>, Failure> {
    match tool {
        Tool::Pub => super::parse_pub("mosquitto_pub", args).map(without_config),
        Tool::Sub => super::parse_sub("mosquitto_sub", args).map(without_config),
        Tool::Rr => super::parse_rr("mosquitto_rr", args).map(without_config),
    }
}

fn without_config<C>(parsed: Parsed<C>) -> Parsed<()> {
    match parsed {
        Parsed::Run(_) => Parsed::Run(()),
        Parsed::Help => Parsed::Help,
        Parsed::Version => Parsed::Version,
        Parsed::Generate(kind) => Parsed::Generate(kind),
    }
}

/// The config of a command line that is expected to run (`--help` and `--version` are checked with
/// [`run`]): the tests compare configs and failures, so these wrap [`super::parse_pub`],
/// [`super::parse_sub`] and [`super::parse_pub_with`], which return a [`Parsed`].
fn parse_pub(prog: &str, args: &[OsString]) -> Result<PubConfig, Failure> {
    super::parse_pub(prog, args).map(config)
}

fn parse_sub(prog: &str, args: &[OsString]) -> Result<SubConfig, Failure> {
    super::parse_sub(prog, args).map(config)
}

fn parse_rr(prog: &str, args: &[OsString]) -> Result<RrConfig, Failure> {
    super::parse_rr(prog, args).map(config)
}

fn parse_pub_with(
    prog: &str,
    defaults: &[Vec<OsString>],
    args: &[OsString],
    load: impl FnOnce(&MessageSource) -> Result<Option<Vec<u8>>, Failure>,
) -> Result<PubConfig, Failure> {
    super::parse_pub_with(prog, defaults, args, load).map(config)
}

fn config<C: std::fmt::Debug>(parsed: Parsed<C>) -> C {
    match parsed {
        Parsed::Run(config) => config,
        other => panic!("expected a config, got {other:?}"),
    }
}

fn usage(text: &str) -> Failure {
    Failure::Usage {
        text: text.to_string(),
    }
}

fn runtime(text: &str) -> Failure {
    Failure::Runtime {
        text: text.to_string(),
        code: 1,
    }
}

const SILENT: Failure = Failure::Silent { code: 1 };

use Tool::{Pub, Rr, Sub};

fn default_connect() -> ConnectSpec {
    default_common().connect
}

fn default_common() -> CommonConfig {
    CommonConfig {
        connect: ConnectSpec {
            endpoint: Endpoint::Tcp {
                host: "localhost".into(),
                port: 1883,
            },
            bind_address: None,
            nodelay: false,
            tls: None,
            proxy: None,
            websocket: None,
        },
        version: Version::V311,
        client_id: ClientIdChoice::Default,
        keep_alive: 60,
        clean_session: true,
        username: None,
        password: None,
        will: None,
        debug: false,
        quiet: false,
        qos: QoS::AtMostOnce,
        max_inflight: 20,
        connect_properties: Default::default(),
        disconnect_properties: Default::default(),
        session_expiry: None,
        trace: None,
        ci: Default::default(),
    }
}

fn default_pub(topic: &str, source: MessageSource) -> PubConfig {
    PubConfig {
        common: default_common(),
        topic: topic.into(),
        source,
        retain: false,
        repeat: 1,
        repeat_delay: Duration::ZERO,
        publish_properties: Default::default(),
        replay_speed: None,
        skip_bad_lines: false,
        topic_separator: None,
        rate_interval: None,
        template: false,
        check: None,
    }
}

fn default_sub(topics: &[&str]) -> SubConfig {
    SubConfig {
        common: default_common(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
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
        random_filter: None,
        retain_as_published: false,
        retain_handling: RetainHandling::SendAtSubscribe,
        watch: false,
        message_rate: false,
        subscribe_properties: Default::default(),
        unsubscribe_properties: Default::default(),
        json_lines: false,
        ci: Default::default(),
    }
}

fn msg(text: &str) -> MessageSource {
    MessageSource::Message(text.as_bytes().to_vec())
}
