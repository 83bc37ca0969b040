//! The checks mosquitto makes once all arguments are read (and those it makes later, while setting the
//! client up, that the arguments alone decide), then the configs the programs run with.

use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use super::config::{
    ClientIdChoice, CommonConfig, Endpoint, MessageSource, PubConfig, ReplaySpeed, RrConfig,
    SubConfig, TraceConfig, TraceTarget,
};
use super::ctext;
use super::parse::{ArgProcessor, DEFAULT_PORT, DEFAULT_TLS_PORT, lossy, usage};
use crate::exit::{self, Failure};
use crate::net::{ConnectSpec, WebSocketSpec};
use crate::proto::codec::{Property, RetainHandling, Version, Will};
use crate::tls::TlsOptions;
use crate::tool::Tool;

const NEEDS_TOPIC_AND_MESSAGE: &str = "Error: Both topic and message must be supplied.\n";
const NEEDS_SUBSCRIPTION: &str = "Error: You must specify a topic to subscribe to.\n";
const NEEDS_TOPIC_MESSAGE_AND_RESPONSE_TOPIC: &str =
    "Error: All of topic, message, and response topic must be supplied.\n";
/// mosquitto_rr adds the response topic to the `-D publish` properties and checks them again:
/// only a second response topic can fail there. Printed with `err_printf` (hidden by `--quiet`).
const DUPLICATE_RESPONSE_TOPIC: &str = "Error in PUBLISH properties: Duplicate response topic.\n";
const NEEDS_ID_FOR_C: &str =
    "Error: You must provide a client id if you are using the -c option.\n";
const BAD_CREDENTIALS: &str = "Error: Problem setting username and/or password.\n";
const BAD_PORT_AT_CONNECT: &str = "Unable to connect (Invalid function arguments provided.).\n";

/// 100%, in tenths of a percent: this value and above print every message. (mosquitto compares
/// with a random number below 10000 instead, so that `--random-filter 100` prints 10%: a bug we
/// do not copy, see docs/decisions.md.)
const RANDOM_FILTER_ALL: u16 = 1_000;
const WS_PATH_WITHOUT_WS: &str = "Error: --ws-path needs --ws, -L ws://... or -L wss://....\n";
const RETAINED_ONLY_AND_R: &str = "\nError: Combining '-R' and '--retained-only' makes no sense.\n";

impl ArgProcessor {
    /// An error mosquitto prints with `err_printf` (hidden by `--quiet`), exit code 1. The binaries report
    /// parse failures as not quiet, so the quiet case is turned into a silent failure here.
    fn runtime(&self, text: &str) -> Failure {
        exit::setup_error(text, self.options.quiet)
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
        if self.options.no_tls {
            // mosquitto 2.1 skips its whole TLS setup with --no-tls: nothing below can fail.
            return Ok(());
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
        if self.options.no_tls {
            return None;
        }
        let t = &self.options.tls;
        let mut tls = t.options.clone();
        let has_ca = tls.cafile.is_some() || tls.capath.is_some();
        if !has_ca && (t.mqtts_url || port == DEFAULT_TLS_PORT) {
            tls.use_os_certs = true;
        }
        // `--tls-keylog FILE`, else `SSLKEYLOGFILE` as curl honours it (docs/tls.md)
        tls.keylog = crate::tls::keylog_target(
            t.keylog.as_deref(),
            std::env::var_os("SSLKEYLOGFILE").as_deref(),
        );
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
        // mosquitto 2.1 also runs with -U alone (only unsubscribing); its error text for neither
        // names -U, 2.0.11's is kept (docs/decisions.md).
        if self.tool == Tool::Sub && o.topics.is_empty() && o.unsubscribe.is_empty() {
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
                return Err(self.runtime(self.invalid_id_text()));
            }
            if !ctext::valid_utf8(id) {
                // libmosquitto fails without setting errno, so mosquitto prints nothing at all.
                return Err(exit::setup_failed_silently());
            }
        }
        if let Some(prefix) = &o.id_prefix
            && !ctext::valid_utf8(prefix)
        {
            return Err(exit::setup_failed_silently());
        }
        // MQTT 5 `-c` with a finite `-x` and no id: libmosquitto refuses a persistent session
        // without an id.
        if !o.clean_session && o.id.is_none() && o.id_prefix.is_none() {
            return Err(self.runtime(self.invalid_id_text()));
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
        if o.ws_path.is_some() && !o.websocket {
            return Err(usage(WS_PATH_WITHOUT_WS));
        }
        // `-D connect` after which a `-V` went back to v3.x: libmosquitto refuses to connect.
        if v3 && !o.v5.connect.is_empty() {
            return Err(self.runtime("Unable to connect (This feature is not supported.).\n"));
        }
        Ok(())
    }

    /// What the tool prints when libmosquitto refuses the client id (and the clean-session flag).
    fn invalid_id_text(&self) -> &'static str {
        match self.tool {
            Tool::Pub => "Error: Invalid id.\n",
            Tool::Sub | Tool::Rr => "Error: Invalid id and/or clean_session.\n",
        }
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
                websocket: o.websocket.then(|| WebSocketSpec {
                    path: o
                        .ws_path
                        .as_deref()
                        .map_or_else(|| WebSocketSpec::DEFAULT_PATH.to_string(), lossy),
                }),
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
            trace: o.trace.as_ref().map(|path| TraceConfig {
                target: if path.as_slice() == b"-" {
                    TraceTarget::Stderr
                } else {
                    TraceTarget::File(PathBuf::from(std::ffi::OsString::from_vec(path.clone())))
                },
                payload_bytes: o.trace_payload.unwrap_or(0),
            }),
            ci: self.ci_options(),
        }
    }

    /// The new flags (issue 15) that only make sense together with another one.
    fn check_new_flags(&self) -> Result<(), Failure> {
        let o = &self.options;
        if o.trace_payload.is_some() && o.trace.is_none() {
            return Err(usage("Error: --trace-payload needs --trace.\n"));
        }
        match self.tool {
            Tool::Rr => {}
            Tool::Sub => {
                if o.json_lines && (o.format.is_some() || o.verbose || o.no_eol) {
                    return Err(usage(
                        "Error: --json-lines prints whole JSON objects: it cannot be combined with -F, -v or -N.\n",
                    ));
                }
            }
            Tool::Pub => {
                let json = matches!(o.source, Some(MessageSource::JsonLines));
                let lines = matches!(o.source, Some(MessageSource::StdinLines));
                if o.replay_speed.is_some() && !json {
                    return Err(usage("Error: --replay-speed needs --json-lines.\n"));
                }
                if o.topic_separator.is_some() && !lines {
                    return Err(usage("Error: --topic-separator needs -l.\n"));
                }
                if o.skip_bad_lines && !json && o.topic_separator.is_none() {
                    return Err(usage(
                        "Error: --skip-bad-lines needs --json-lines or -l with --topic-separator.\n",
                    ));
                }
                if o.template
                    && !matches!(
                        o.source,
                        Some(
                            MessageSource::Message(_)
                                | MessageSource::File(_)
                                | MessageSource::StdinWhole
                        )
                    )
                {
                    return Err(usage(
                        "Error: --template needs the message from -m, -f or -s.\n",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Final checks and resolution for rpub.
    pub(crate) fn finish_pub(
        mut self,
        load: impl FnOnce(&MessageSource) -> Result<Option<Vec<u8>>, Failure>,
    ) -> Result<PubConfig, Failure> {
        self.check_loaded()?;
        self.check_new_flags()?;
        self.check_ci()?;
        self.prepare_check();
        let quiet = self.options.quiet;
        let loaded = match &self.options.source {
            // Loading errors are err_printf texts: hidden by --quiet like any runtime error.
            Some(source) => {
                load(source).map_err(|failure| if quiet { failure.quieted() } else { failure })?
            }
            None => None,
        };
        if let Some(payload) = loaded {
            self.options.source = Some(MessageSource::Message(payload));
        }
        // `--json-lines` and `-l --topic-separator` lines name their own topics: `-t` is optional.
        let own_topics = matches!(self.options.source, Some(MessageSource::JsonLines))
            || self.options.topic_separator.is_some();
        if own_topics && self.options.topic.is_none() {
            self.options.topic = Some(String::new());
        }
        // Moved out, not cloned: the source may hold a loaded file of many megabytes. Neither is
        // looked at by the checks below.
        let (Some(topic), Some(source)) = (self.options.topic.take(), self.options.source.take())
        else {
            return Err(Failure::UsageWithHelp {
                text: NEEDS_TOPIC_AND_MESSAGE.to_string(),
                usage: super::help::usage_text(self.tool, &self.prog),
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
            replay_speed: self
                .options
                .replay_speed
                .map(|factor| ReplaySpeed { factor }),
            skip_bad_lines: self.options.skip_bad_lines,
            topic_separator: self.options.topic_separator.clone(),
            rate_interval: self
                .options
                .rate
                .map(|rate| std::time::Duration::from_secs_f64((1.0 / rate).min(1.0e9))),
            template: self.options.template,
            check: self.check_config(),
        })
    }

    /// Final checks and resolution for rsub.
    pub(crate) fn finish_sub(mut self) -> Result<SubConfig, Failure> {
        self.check_loaded()?;
        self.check_new_flags()?;
        // mosquitto_sub's own check, right after the shared ones: its text starts with an empty
        // line and has no `Use ...` line.
        if self.options.no_retain && self.options.retained_only {
            return Err(Failure::UsageRaw {
                text: RETAINED_ONLY_AND_R.to_string(),
            });
        }
        self.check_ci()?;
        self.check_client_setup()?;
        let mut common = self.common();
        let ci = self.sub_ci_options();
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
            retain_handling: o.retain_handling.unwrap_or(RetainHandling::SendAtSubscribe),
            watch: o.watch,
            message_rate: o.message_rate,
            subscribe_properties: o.v5.subscribe,
            unsubscribe_properties: o.v5.unsubscribe,
            json_lines: o.json_lines,
            ci,
        })
    }
}

impl ArgProcessor {
    /// Final checks and resolution for rrr, in mosquitto_rr's order: the shared checks, then the
    /// message of `-f`/`-s`, read by `load` where mosquitto_rr 2.1 reads it (2.0.11 never reads it
    /// and sends an empty request; see docs/decisions.md), then its "all of" check, the response
    /// topic added to the `-D publish` properties, and the client set-up checks.
    pub(crate) fn finish_rr(
        mut self,
        load: impl FnOnce(&MessageSource) -> Result<Option<Vec<u8>>, Failure>,
    ) -> Result<RrConfig, Failure> {
        self.check_loaded()?;
        self.check_new_flags()?;
        let quiet = self.options.quiet;
        let loaded = match &self.options.source {
            Some(source) => {
                load(source).map_err(|failure| if quiet { failure.quieted() } else { failure })?
            }
            None => None,
        };
        if let Some(payload) = loaded {
            self.options.source = Some(MessageSource::Message(payload));
        }
        let (Some(topic), Some(source), Some(response_topic)) = (
            self.options.topic.take(),
            self.options.source.take(),
            self.options.response_topic.take(),
        ) else {
            return Err(usage(NEEDS_TOPIC_MESSAGE_AND_RESPONSE_TOPIC));
        };
        if self.options.v5.publish.response_topic().is_some() {
            return Err(self.runtime(DUPLICATE_RESPONSE_TOPIC));
        }
        self.check_client_setup()?;
        let mut common = self.common();
        // mosquitto_rr's message count is 1, and like mosquitto_sub's -C below 20 it becomes
        // libmosquitto's receive maximum: MQTT 5 CONNECTs say 1 unless `-D connect` gave one.
        if common.version == Version::V5 && common.connect_properties.receive_maximum().is_none() {
            common.connect_properties.push(Property::ReceiveMaximum(1));
        }
        let o = self.options;
        Ok(RrConfig {
            common,
            topic,
            response_topic,
            source,
            verbose: o.verbose,
            no_eol: o.no_eol,
            format: o.format,
            pretty: o.pretty,
            timeout: o.timeout,
            no_retain: o.no_retain,
            retain_as_published: o.retain_as_published,
            retain_handling: o.retain_handling.unwrap_or(RetainHandling::SendAtSubscribe),
            latency: o.latency,
            publish_properties: o.v5.publish,
            subscribe_properties: o.v5.subscribe,
        })
    }
}
