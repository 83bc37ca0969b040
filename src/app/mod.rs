//! The programs' behaviour on top of the driver: what rpub publishes, what rsub prints and what rrr
//! asks and prints.

mod check;
mod expect;
pub mod input;
mod json_fast;
pub mod json_input;
mod monitor;
mod pacing;
pub mod policy;
pub mod publisher;
pub mod rr;
pub mod session;
#[cfg(test)]
mod sim;
#[cfg(test)]
mod sim_rr;
#[cfg(test)]
mod sim_v21;
pub mod subscriber;
mod template;
mod tracing;

use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::time::Instant;

use crate::cli::config::{ClientIdChoice, CommonConfig};
use crate::cli::{self, Parsed};
use crate::exit::{self, Failure};
use crate::net::{ConnectFailure, Driver};
use crate::proto::client::{Client, ClientOptions};
use crate::proto::codec::{Properties, Property, Version};
use crate::tls;
use crate::tool::Tool;
use session::{FirstAttempt, Link, NetLink, Session};

/// The largest packet we accept from the broker: the protocol's own maximum.
const MAX_INCOMING_PACKET: usize = 268_435_455 + 5;

/// The Receive Maximum libmosquitto puts in every MQTT 5 CONNECT that has none of its own (its
/// default incoming in-flight limit).
const LIBMOSQUITTO_RECEIVE_MAXIMUM: u16 = 20;

/// The client id sent in CONNECT, resolved as mosquitto does.
pub fn resolve_client_id(config: &CommonConfig) -> String {
    match &config.client_id {
        ClientIdChoice::Fixed(id) => id.clone(),
        ClientIdChoice::Prefix(prefix) => format!("{prefix}{}", std::process::id()),
        ClientIdChoice::Default => match config.version {
            // 3.1.1 and 5 send an empty id and let the broker assign one.
            Version::V311 | Version::V5 => String::new(),
            // 3.1 requires an id: libmosquitto makes up `mosq-` + 18 random alphanumerics.
            Version::V31 => random_client_id(),
        },
    }
}

fn random_client_id() -> String {
    const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 18];
    let from_urandom = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut bytes))
        .is_ok();
    if !from_urandom {
        // RandomState is seeded from the OS; good enough for an id that only needs to be unlikely
        // to collide.
        for chunk in bytes.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u64(u64::from(std::process::id()));
            let value = hasher.finish().to_le_bytes();
            chunk.copy_from_slice(&value[..chunk.len()]);
        }
    }
    let mut id = String::from("mosq-");
    for byte in bytes {
        id.push(char::from(
            ALPHANUMERIC[usize::from(byte & 0x7f) % ALPHANUMERIC.len()],
        ));
    }
    id
}

/// Builds the state machine's options from the command line.
fn client_options(config: &CommonConfig, client_id: String) -> ClientOptions {
    ClientOptions {
        version: config.version,
        client_id,
        clean_session: config.clean_session,
        keep_alive: config.keep_alive,
        will: config.will.clone(),
        username: config.username.clone(),
        password: config.password.clone(),
        max_inflight: config.max_inflight,
        connect_properties: connect_properties(config),
        max_incoming_packet: MAX_INCOMING_PACKET,
        trace_packets: config.debug,
    }
}

/// The MQTT 5 CONNECT properties, in the order mosquitto's clients send them: the `-D connect` ones,
/// then the session expiry interval (`-x`, `-c`), then libmosquitto's receive maximum of 20 unless
/// `-D connect receive-maximum` gave one. Empty for 3.x.
pub fn connect_properties(config: &CommonConfig) -> Properties {
    if config.version != Version::V5 {
        return Properties::new();
    }
    let mut properties = config.connect_properties.clone();
    if let Some(seconds) = config.session_expiry.filter(|&seconds| seconds != 0)
        && properties.session_expiry_interval().is_none()
    {
        properties.push(Property::SessionExpiryInterval(seconds));
    }
    if properties.receive_maximum().is_none() {
        properties.push(Property::ReceiveMaximum(LIBMOSQUITTO_RECEIVE_MAXIMUM));
    }
    properties
}

/// Builds the trace sink (the `-d` lines, `--trace`'s JSON lines: `tool_options` gives the tool's
/// own options for its first line), creates the driver and opens the first connection (CONNECT
/// queued), then the session over it with the connection policies of the CI flags. With
/// `watch_signals`, SIGINT/SIGTERM are reported by the driver from before the connection attempt
/// on. A failure before the session runs is traced as the outcome (with the attempt's stages when
/// the first connection failed).
fn start_session(
    config: &CommonConfig,
    client_id: &str,
    watch_signals: bool,
    tool: Tool,
    tool_options: impl FnOnce() -> serde_json::Map<String, serde_json::Value>,
) -> Result<Session<NetLink>, Failure> {
    let mut trace = tracing::sink(config, tool, tool_options)?;
    let (link, started, first) = match start(config, client_id, watch_signals) {
        Ok(opened) => opened,
        Err(failure) => return Err(traced_failure(&mut trace, failure)),
    };
    let mut session = Session::new(link, client_id, trace);
    let first = match first {
        Ok(first) => first,
        Err(failure) => return Err(session.opening_failed(config.ci.connect_timeout, &failure)),
    };
    let policy = policy::ConnectPolicy::from_options(&config.ci);
    Ok(session
        .quiet(config.quiet)
        .with_policy(policy, started, first))
}

/// Creates the driver and opens the first connection (CONNECT queued): the link, when the attempt
/// began and how it went (with `--wait-for-broker`, a broker not listening yet is not a failure;
/// any other failure is handed back with the link, whose stages the trace records). With
/// `--trace`, the client reports every packet with its contents and the driver the connection
/// stages.
fn start(
    config: &CommonConfig,
    client_id: &str,
    watch_signals: bool,
) -> Result<(NetLink, Instant, Result<FirstAttempt, ConnectFailure>), Failure> {
    let mut client = Client::new(client_options(config, client_id.to_string()));
    if let Some(trace) = &config.trace {
        client.set_packet_detail(Some(trace.payload_bytes));
    }
    let mut driver = Driver::new(client).map_err(|err| io_failure(&err))?;
    if watch_signals {
        driver.watch_signals().map_err(|err| io_failure(&err))?;
    }
    // TLS files are read and checked once, before connecting, as mosquitto does.
    let tls = match &config.connect.tls {
        Some(options) => {
            Some(tls::build_client_config(options).map_err(|err| exit::tls_setup_failure(&err))?)
        }
        None => None,
    };
    driver.set_tls(tls);
    driver.set_connect_limit(config.ci.connect_timeout);
    let mut link = NetLink {
        driver,
        spec: config.connect.clone(),
    };
    link.report_stages(config.trace.is_some());
    let started = link.now();
    let first = match link.connect() {
        Ok(()) => Ok(FirstAttempt::Opened),
        Err(failure)
            if config.ci.wait_for_broker.is_some() && policy::broker_not_listening(&failure) =>
        {
            Ok(FirstAttempt::NotListening(failure))
        }
        Err(failure) => Err(failure),
    };
    Ok((link, started, first))
}

/// Records `failure` as the outcome in `trace` (for a run that ends before its session starts)
/// and hands it back.
fn traced_failure(
    trace: &mut Option<Box<dyn crate::trace::TraceSink>>,
    failure: Failure,
) -> Failure {
    if let Some(sink) = trace.as_mut() {
        let text = match &failure {
            Failure::Runtime { text, .. } => Some(text.trim_end().to_string()),
            _ => None,
        };
        sink.record(
            "",
            crate::trace::TraceRecord::Outcome {
                code: failure.exit_code(),
                message: text.as_deref(),
            },
            &mut Vec::new(),
        );
        sink.flush();
    }
    failure
}

/// A failure of the local machinery (poll, registration): mosquitto's MOSQ_ERR_ERRNO path.
fn io_failure(err: &std::io::Error) -> Failure {
    exit::os_failure(err)
}

/// Right after parsing: passwords given on the command line are masked in the process's own argument
/// memory (`ps`, `/proc/PID/cmdline`), and `-u` without a password takes `MQTT_PASSWORD`.
fn keep_secrets_off_argv(tool: Tool, args: &[std::ffi::OsString], common: &mut CommonConfig) {
    crate::sys::mask_args(&cli::argv_secrets(tool, args));
    cli::password_from_env(common, || std::env::var_os("MQTT_PASSWORD"));
}

/// rpub from its arguments to its exit code (the binary only sets up the process and exits).
pub fn rpub_main() -> i32 {
    let mut argv = std::env::args_os();
    let prog = cli::program_name(argv.next().as_deref(), "rpub");
    let args: Vec<_> = argv.collect();
    let defaults = match cli::options_file::load_for(Tool::Pub, &args) {
        Ok(defaults) => defaults,
        Err(failure) => return exit::report(&failure, &prog, false),
    };
    match cli::parse_pub_with(&prog, &defaults, &args, input::load_input) {
        Ok(Parsed::Run(mut config)) => {
            keep_secrets_off_argv(Tool::Pub, &args, &mut config.common);
            let quiet = config.common.quiet;
            let outcome = match config.check {
                Some(_) => check::run(config),
                None => publisher::run(config),
            };
            match outcome {
                Ok(()) => 0,
                Err(failure) => exit::report(&failure, &prog, quiet),
            }
        }
        Ok(Parsed::Help) => exit::help_or_version(&cli::help::usage_text(Tool::Pub, &prog)),
        Ok(Parsed::Version) => exit::help_or_version(&cli::help::version_text(Tool::Pub, &prog)),
        Ok(Parsed::Generate(kind)) => exit::generated(&cli::generate::generate(Tool::Pub, kind)),
        Err(failure) => exit::report(&failure, &prog, false),
    }
}

/// rsub from its arguments to its exit code (the binary only sets up the process and exits).
pub fn rsub_main() -> i32 {
    let mut argv = std::env::args_os();
    let prog = cli::program_name(argv.next().as_deref(), "rsub");
    let args: Vec<_> = argv.collect();
    let defaults = match cli::options_file::load_for(Tool::Sub, &args) {
        Ok(defaults) => defaults,
        Err(failure) => return exit::report(&failure, &prog, false),
    };
    match cli::parse_sub_with(&prog, &defaults, &args) {
        Ok(Parsed::Run(mut config)) => {
            keep_secrets_off_argv(Tool::Sub, &args, &mut config.common);
            let quiet = config.common.quiet;
            match subscriber::run(config) {
                Ok(()) => 0,
                Err(failure) => exit::report(&failure, &prog, quiet),
            }
        }
        Ok(Parsed::Help) => exit::help_or_version(&cli::help::usage_text(Tool::Sub, &prog)),
        Ok(Parsed::Version) => exit::help_or_version(&cli::help::version_text(Tool::Sub, &prog)),
        Ok(Parsed::Generate(kind)) => exit::generated(&cli::generate::generate(Tool::Sub, kind)),
        Err(failure) => exit::report(&failure, &prog, false),
    }
}

/// rrr from its arguments to its exit code (the binary only sets up the process and exits).
pub fn rrr_main() -> i32 {
    let mut argv = std::env::args_os();
    let prog = cli::program_name(argv.next().as_deref(), "rrr");
    let args: Vec<_> = argv.collect();
    let defaults = match cli::options_file::load_for(Tool::Rr, &args) {
        Ok(defaults) => defaults,
        Err(failure) => return exit::report(&failure, &prog, false),
    };
    match cli::parse_rr_with(&prog, &defaults, &args, input::load_input) {
        Ok(Parsed::Run(mut config)) => {
            keep_secrets_off_argv(Tool::Rr, &args, &mut config.common);
            let quiet = config.common.quiet;
            match rr::run(config, &prog) {
                Ok(()) => 0,
                Err(failure) => exit::report(&failure, &prog, quiet),
            }
        }
        Ok(Parsed::Help) => exit::help_or_version(&cli::help::usage_text(Tool::Rr, &prog)),
        Ok(Parsed::Version) => exit::help_or_version(&cli::help::version_text(Tool::Rr, &prog)),
        Ok(Parsed::Generate(kind)) => exit::generated(&cli::generate::generate(Tool::Rr, kind)),
        Err(failure) => exit::report(&failure, &prog, false),
    }
}
