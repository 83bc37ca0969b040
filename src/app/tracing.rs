//! `--trace`: building the sink from the options (the JSON-lines trace, with `-d` beside it when
//! both are on) and the effective options its first line records, passwords masked.

use std::fs::File;
use std::io::BufWriter;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::cli::config::{
    CiOptions, ClientIdChoice, CommonConfig, Endpoint, Reconnect, TraceTarget,
};
use crate::exit::{self, Failure};
use crate::tool::Tool;
use crate::trace::json::{JsonTrace, StartInfo};
use crate::trace::{DebugLines, FanOut, TraceSink};

/// The sink the options ask for: `-d` lines, the `--trace` file, both, or none. `tool_options`
/// gives the tool's own options for the trace's first line (only called with `--trace`: without
/// it, nothing of the JSON machinery runs). Fails when the trace file cannot be created.
pub fn sink(
    common: &CommonConfig,
    tool: Tool,
    tool_options: impl FnOnce() -> Map<String, Value>,
) -> Result<Option<Box<dyn TraceSink>>, Failure> {
    let mut sinks: Vec<Box<dyn TraceSink>> = Vec::new();
    if common.debug {
        sinks.push(Box::new(DebugLines {
            quiet: common.quiet,
        }));
    }
    if let Some(trace) = &common.trace {
        let out: Box<dyn std::io::Write> = match &trace.target {
            TraceTarget::Stderr => Box::new(crate::output::stdout::StderrWriter),
            TraceTarget::File(path) => Box::new(BufWriter::new(
                File::create(path).map_err(|err| exit::trace_file_unopenable(path, &err))?,
            )),
        };
        let mut options = common_options(common);
        options.extend(tool_options());
        let start = StartInfo {
            program: tool.name().to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            options: Value::Object(options),
        };
        sinks.push(Box::new(JsonTrace::new(out, common.version, &start)));
    }
    Ok(match sinks.len() {
        0 => None,
        1 => sinks.pop(),
        _ => Some(Box::new(FanOut { sinks })),
    })
}

/// The options every tool shares, as the trace records them (the password never).
pub fn common_options(common: &CommonConfig) -> Map<String, Value> {
    let mut options = Map::new();
    match &common.connect.endpoint {
        Endpoint::Tcp { host, port } => {
            options.insert("host".into(), json!(host));
            options.insert("port".into(), json!(port));
        }
        Endpoint::Unix { path } => {
            options.insert("unix".into(), json!(path.to_string_lossy()));
        }
    }
    if let Some(bind) = &common.connect.bind_address {
        options.insert("bind_address".into(), json!(bind));
    }
    if let Some(proxy) = &common.connect.proxy {
        options.insert(
            "proxy".into(),
            json!(format!("socks5h://{}:{}", proxy.host, proxy.port)),
        );
    }
    options.insert("tls".into(), json!(common.connect.tls.is_some()));
    if let Some(tls) = &common.connect.tls {
        let mut shown = Map::new();
        let path =
            |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        shown.insert("cafile".into(), json!(path(&tls.cafile)));
        shown.insert("capath".into(), json!(path(&tls.capath)));
        shown.insert("cert".into(), json!(path(&tls.cert)));
        shown.insert("insecure".into(), json!(tls.insecure));
        shown.insert("tls_version".into(), json!(tls.tls_version));
        shown.insert("alpn".into(), json!(tls.alpn));
        shown.insert("use_os_certs".into(), json!(tls.use_os_certs));
        options.insert("tls_options".into(), Value::Object(shown));
    }
    let version = match common.version {
        crate::proto::codec::Version::V31 => "3.1",
        crate::proto::codec::Version::V311 => "3.1.1",
        crate::proto::codec::Version::V5 => "5",
    };
    options.insert("protocol_version".into(), json!(version));
    let client_id = match &common.client_id {
        ClientIdChoice::Fixed(id) => json!(id),
        ClientIdChoice::Prefix(prefix) => json!(format!("{prefix}<pid>")),
        ClientIdChoice::Default => Value::Null,
    };
    options.insert("client_id".into(), client_id);
    options.insert("keepalive".into(), json!(common.keep_alive));
    options.insert("clean_session".into(), json!(common.clean_session));
    options.insert("username".into(), json!(common.username));
    if common.password.is_some() {
        options.insert("password".into(), json!("***"));
    }
    if let Some(will) = &common.will {
        options.insert(
            "will".into(),
            json!({"topic": will.topic, "qos": will.qos.as_u8(), "retain": will.retain,
                   "payload_len": will.payload.len()}),
        );
    }
    options.insert("qos".into(), json!(common.qos.as_u8()));
    options.insert("max_inflight".into(), json!(common.max_inflight));
    options.insert("debug".into(), json!(common.debug));
    options.insert("quiet".into(), json!(common.quiet));
    if let Some(trace) = &common.trace {
        options.insert("trace_payload".into(), json!(trace.payload_bytes));
    }
    options.insert("ci".into(), ci_options(&common.ci));
    options
}

/// The flags for scripts and CI both tools take (issue 14); durations in seconds, `null` when not
/// given.
fn ci_options(ci: &CiOptions) -> Value {
    let seconds = |duration: Option<Duration>| duration.map(|d| d.as_secs_f64());
    let reconnect = match ci.reconnect {
        None => Value::Null,
        Some(Reconnect::Never) => json!("never"),
        Some(Reconnect::Always) => json!("always"),
        Some(Reconnect::Attempts(count)) => json!(count),
    };
    json!({
        "connect_timeout": seconds(ci.connect_timeout),
        "timeout": seconds(ci.timeout),
        "strict": ci.strict,
        "wait_for_broker": seconds(ci.wait_for_broker),
        "reconnect": reconnect,
        "reconnect_delay": seconds(ci.reconnect_delay),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{self, Parsed};
    use std::ffi::OsString;

    #[test]
    fn the_password_is_masked_and_the_rest_is_shown() {
        let args: Vec<OsString> = [
            "-t", "a", "-u", "me", "-P", "secret", "-k", "30", "-i", "c1",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let Ok(Parsed::Run(config)) = cli::parse_sub("rsub", &args) else {
            panic!("parses");
        };
        let options = Value::Object(common_options(&config.common));
        let text = options.to_string();
        assert!(!text.contains("secret"), "{text}");
        assert_eq!(options["password"], "***");
        assert_eq!(options["username"], "me");
        assert_eq!(options["keepalive"], 30);
        assert_eq!(options["client_id"], "c1");
        assert_eq!(options["host"], "localhost");
    }

    #[test]
    fn the_ci_flags_are_shown_in_seconds_and_absent_ones_as_null() {
        let args: Vec<OsString> = [
            "-t",
            "a",
            "--connect-timeout",
            "1500ms",
            "--reconnect",
            "3",
            "--reconnect-delay",
            "0.25",
            "--strict",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let Ok(Parsed::Run(config)) = cli::parse_sub("rsub", &args) else {
            panic!("parses");
        };
        let options = Value::Object(common_options(&config.common));
        let ci = &options["ci"];
        assert_eq!(ci["connect_timeout"], 1.5);
        assert_eq!(ci["reconnect"], 3);
        assert_eq!(ci["reconnect_delay"], 0.25);
        assert_eq!(ci["strict"], true);
        assert_eq!(ci["timeout"], Value::Null);
        assert_eq!(ci["wait_for_broker"], Value::Null);
    }
}
