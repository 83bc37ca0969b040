//! The flags for scripts and CI (issue 14): time limits, assertions, `rpub --check`, `--strict`,
//! passwords kept off the command line, waiting for the broker and the reconnect policy. They are
//! long options mosquitto does not have; without them nothing differs from mosquitto.
//!
//! Durations are read with `humantime` (`500ms`, `2s`, `1m30s`); a bare number is seconds and may
//! have a fraction (`1.5`).

use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::time::Duration;

use super::config::{
    CheckConfig, CheckFormat, CiOptions, Expectation, MessageSource, Reconnect, SubCiOptions,
};
use super::parse::{ArgProcessor, lossy, usage};
use super::table::{CiArg, Opt};
use crate::exit::Failure;
use crate::sys::ArgSpan;
use crate::tool::Tool;

/// `rpub --check` publishes this many probes unless `--repeat` says otherwise.
pub const DEFAULT_CHECK_PROBES: u32 = 5;

/// The CI flags as given, checked together once all arguments are read.
#[derive(Debug, Clone, Default)]
pub(super) struct CiArgs {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    expect_payload: Option<Vec<u8>>,
    expect_regex: Option<String>,
    expect_count: Option<u32>,
    expect_none: bool,
    check: bool,
    check_format: Option<CheckFormat>,
    check_warn: Option<Duration>,
    check_crit: Option<Duration>,
    strict: bool,
    pw_file: Option<PathBuf>,
    wait_for_broker: Option<Duration>,
    reconnect: Option<Reconnect>,
    reconnect_delay: Option<Duration>,
    /// `--repeat` was given (`--check` sends [`DEFAULT_CHECK_PROBES`] otherwise).
    pub(super) repeat_given: bool,
    /// The arguments being read come from the command line itself (not the default-options file).
    pub(super) reading_argv: bool,
    /// Passwords on the command line, to mask once parsed.
    pub(super) secrets: Vec<ArgSpan>,
}

/// A duration flag's value: humantime's forms or a number of seconds, more than zero.
fn duration(value: &[u8], flag: &str) -> Result<Duration, Failure> {
    let text = std::str::from_utf8(value).unwrap_or("").trim();
    let parsed = match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Duration::try_from_secs_f64(seconds).ok()
        }
        Ok(_) => None,
        Err(_) => humantime::parse_duration(text).ok(),
    };
    match parsed {
        Some(duration) if !duration.is_zero() => Ok(duration),
        Some(_) => Err(usage(format!("Error: {flag} must be more than zero.\n\n"))),
        None => Err(usage(format!(
            "Error: Invalid duration \"{}\" for {flag}: give seconds (1.5) or a value with units (500ms, 2s, 1m30s).\n\n",
            lossy(value)
        ))),
    }
}

impl ArgProcessor {
    /// Applies one CI flag; `value` is empty for switches.
    pub(super) fn apply_ci(&mut self, arg: CiArg, value: &[u8]) -> Result<(), Failure> {
        let ci = &mut self.options.ci;
        match arg {
            CiArg::ConnectTimeout => {
                ci.connect_timeout = Some(duration(value, "--connect-timeout")?)
            }
            CiArg::Timeout => ci.timeout = Some(duration(value, "--timeout")?),
            CiArg::IdleTimeout => ci.idle_timeout = Some(duration(value, "--idle-timeout")?),
            CiArg::ExpectPayload => ci.expect_payload = Some(value.to_vec()),
            CiArg::ExpectRegex => {
                // Compiled by rsub when it starts (`app::expect`): a bad pattern ends it there.
                let pattern = std::str::from_utf8(value)
                    .map_err(|_| usage("Error: Malformed UTF-8 in --expect-regex argument.\n\n"))?;
                ci.expect_regex = Some(pattern.to_string());
            }
            CiArg::ExpectCount => {
                let count = std::str::from_utf8(value)
                    .ok()
                    .and_then(|text| text.trim().parse::<u32>().ok())
                    .filter(|&count| count >= 1)
                    .ok_or_else(|| {
                        usage(format!(
                            "Error: Invalid --expect-count \"{}\": give a whole number of at least 1.\n\n",
                            lossy(value)
                        ))
                    })?;
                ci.expect_count = Some(count);
            }
            CiArg::ExpectNone => ci.expect_none = true,
            CiArg::Check => ci.check = true,
            CiArg::CheckFormat => {
                ci.check_format = Some(match value {
                    b"text" => CheckFormat::Text,
                    b"json" => CheckFormat::Json,
                    b"nagios" => CheckFormat::Nagios,
                    _ => {
                        return Err(usage(format!(
                            "Error: Invalid --check-format \"{}\": give text, json or nagios.\n\n",
                            lossy(value)
                        )));
                    }
                })
            }
            CiArg::CheckWarn => ci.check_warn = Some(duration(value, "--check-warn")?),
            CiArg::CheckCrit => ci.check_crit = Some(duration(value, "--check-crit")?),
            CiArg::Strict => ci.strict = true,
            CiArg::PwFile => ci.pw_file = Some(PathBuf::from(std::ffi::OsStr::from_bytes(value))),
            CiArg::WaitForBroker => {
                ci.wait_for_broker = Some(duration(value, "--wait-for-broker")?)
            }
            CiArg::Reconnect => {
                ci.reconnect = Some(match value {
                    b"never" => Reconnect::Never,
                    b"always" => Reconnect::Always,
                    _ => match std::str::from_utf8(value).ok().map(|t| t.parse::<u32>()) {
                        Some(Ok(0)) => Reconnect::Never,
                        Some(Ok(attempts)) => Reconnect::Attempts(attempts),
                        _ => {
                            return Err(usage(format!(
                                "Error: Invalid --reconnect \"{}\": give never, always or a number of attempts.\n\n",
                                lossy(value)
                            )));
                        }
                    },
                })
            }
            CiArg::ReconnectDelay => {
                ci.reconnect_delay = Some(duration(value, "--reconnect-delay")?)
            }
        }
        Ok(())
    }

    /// Notes where a password sits in argument `index` of the list being read, if `opt` carries one.
    pub(super) fn note_secret(&mut self, opt: Opt, index: usize, value: &[u8]) {
        if !self.options.ci.reading_argv {
            return;
        }
        let bytes = match opt {
            Opt::Password => Some(0..value.len()),
            Opt::Url => url_password(value),
            Opt::Proxy => proxy_password(value),
            _ => None,
        };
        if let Some(bytes) = bytes.filter(|bytes| !bytes.is_empty()) {
            // argv[0] is the program: the lists the parser reads start at argv[1].
            self.options.ci.secrets.push(ArgSpan {
                arg: index + 1,
                bytes,
            });
        }
    }

    /// The checks of the CI flags once all arguments are read (after mosquitto's own), and
    /// `--pw-file` read into the password.
    pub(super) fn check_ci(&mut self) -> Result<(), Failure> {
        let o = &self.options;
        let ci = &o.ci;
        let conflict = |text: &str| Err(usage(format!("Error: {text}\n\n")));
        if ci.pw_file.is_some() && o.password.is_some() {
            return conflict("-P and --pw-file cannot be used together.");
        }
        let expects_messages =
            ci.expect_payload.is_some() || ci.expect_regex.is_some() || ci.expect_count.is_some();
        if ci.expect_none && expects_messages {
            return conflict("--expect-none cannot be combined with the other --expect flags.");
        }
        let limited = o.timeout.is_some() || ci.timeout.is_some() || ci.idle_timeout.is_some();
        if ci.expect_none && !limited {
            return conflict("--expect-none needs a time limit: --timeout, --idle-timeout or -W.");
        }
        if !ci.check {
            for (given, flag) in [
                (ci.check_format.is_some(), "--check-format"),
                (ci.check_warn.is_some(), "--check-warn"),
                (ci.check_crit.is_some(), "--check-crit"),
            ] {
                if given {
                    return conflict(&format!("{flag} only goes with --check."));
                }
            }
        }
        if let (Some(warn), Some(crit)) = (ci.check_warn, ci.check_crit)
            && warn > crit
        {
            return conflict("--check-warn must not be above --check-crit.");
        }
        if ci.check && self.tool == Tool::Pub {
            if o.source.is_some() {
                return conflict(
                    "--check publishes its own probes: -m, -f, -s, -l and -n cannot be used with it.",
                );
            }
            if o.retain {
                return conflict("--check probes cannot be retained (-r).");
            }
        }
        if let Some(path) = self.options.ci.pw_file.clone() {
            let quiet = self.options.quiet;
            let password = crate::sys::read_secret_file(&path).map_err(|err| {
                let failure = crate::exit::ci::password_file_failure(&path, &err);
                // A runtime error like the others found while setting up: --quiet hides it.
                if quiet { failure.quieted() } else { failure }
            })?;
            self.options.password = Some(password);
        }
        Ok(())
    }

    /// rpub `--check`: no message is needed and the probes go to a private topic (filled in by the
    /// check itself when no `-t` is given).
    pub(super) fn prepare_check(&mut self) {
        let o = &mut self.options;
        if !o.ci.check {
            return;
        }
        o.source = Some(MessageSource::Null);
        o.topic.get_or_insert_with(String::new);
        if !o.ci.repeat_given {
            o.repeat = DEFAULT_CHECK_PROBES;
        }
    }

    /// The CI flags both tools take.
    pub(super) fn ci_options(&self) -> CiOptions {
        let ci = &self.options.ci;
        CiOptions {
            connect_timeout: ci.connect_timeout,
            timeout: ci.timeout,
            strict: ci.strict,
            wait_for_broker: ci.wait_for_broker,
            reconnect: ci.reconnect,
            reconnect_delay: ci.reconnect_delay,
        }
    }

    /// rsub's own CI flags.
    pub(super) fn sub_ci_options(&self) -> SubCiOptions {
        let ci = &self.options.ci;
        let expect = if ci.expect_none {
            Some(Expectation::None)
        } else if ci.expect_payload.is_some()
            || ci.expect_regex.is_some()
            || ci.expect_count.is_some()
        {
            Some(Expectation::Messages {
                payload: ci.expect_payload.clone(),
                regex: ci.expect_regex.clone(),
                count: ci.expect_count.unwrap_or(1),
            })
        } else {
            None
        };
        SubCiOptions {
            idle_timeout: ci.idle_timeout,
            expect,
        }
    }

    /// rpub `--check`.
    pub(super) fn check_config(&self) -> Option<CheckConfig> {
        let ci = &self.options.ci;
        ci.check.then(|| CheckConfig {
            format: ci.check_format.unwrap_or(CheckFormat::Text),
            warn: ci.check_warn,
            crit: ci.check_crit,
        })
    }
}

/// Where the password is in `-L mqtt://user:password@host/topic`, split as `apply_url` splits it.
pub(super) fn url_password(url: &[u8]) -> Option<Range<usize>> {
    let scheme = [&b"mqtt://"[..], b"mqtts://"].into_iter().find(|scheme| {
        url.len() >= scheme.len() && url[..scheme.len()].eq_ignore_ascii_case(scheme)
    })?;
    let start = scheme.len();
    let rest = &url[start..];
    let authority = &rest[..rest.iter().position(|&b| b == b'/')?];
    let at = authority.iter().position(|&b| b == b'@')?;
    let colon = authority[..at].iter().position(|&b| b == b':')?;
    Some(start + colon + 1..start + at)
}

/// Where the password is in `--proxy socks5h://user:password@host:port`, split by the parser's own
/// `split_proxy` (the raw bytes, percent escapes included).
pub(super) fn proxy_password(url: &[u8]) -> Option<Range<usize>> {
    let rest = url.strip_prefix(b"socks5h://")?;
    let password = super::url::split_proxy(rest).ok()?.password?;
    // The password is a part of `rest`: its offset is the distance between the two addresses.
    let start = url.len() - rest.len() + (password.as_ptr() as usize - rest.as_ptr() as usize);
    Some(start..start + password.len())
}

/// Where `args` (argv without `argv[0]`, already accepted by the parser) holds passwords: the
/// values of `-P`, and the password parts of `-L` and `--proxy` URLs, as the parser reads them (a
/// `-P` that is the value of another flag, as in `-m -P`, is not one). `arg` in each span counts
/// `argv[0]`.
pub fn argv_secrets(tool: Tool, args: &[std::ffi::OsString]) -> Vec<ArgSpan> {
    let may_hold_one = args.iter().any(|arg| {
        matches!(
            arg.as_bytes(),
            b"-P" | b"--pw" | b"-L" | b"--url" | b"--proxy"
        )
    });
    if !may_hold_one {
        return Vec::new();
    }
    let mut processor = ArgProcessor::new(tool, "");
    processor.options.ci.reading_argv = true;
    // The arguments were accepted with the default-options file before them; alone they are
    // read the same way. Should they stop early anyway, the spans found until then are kept.
    let _ = processor.process(args);
    processor.options.ci.secrets
}

/// `MQTT_PASSWORD`: the password when `-u` is given without `-P` (or `--pw-file`, `-L user:pass`).
/// The programs pass a way to read the variable (only read then); nothing changes when it is not
/// set.
pub fn password_from_env(
    common: &mut super::config::CommonConfig,
    value: impl FnOnce() -> Option<std::ffi::OsString>,
) {
    if common.username.is_some() && common.password.is_none() {
        common.password = value().map(|value| value.as_bytes().to_vec());
    }
}
