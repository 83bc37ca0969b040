//! The exit codes and texts of the flags for scripts and CI (issue 14), part of `exit`: the only
//! place that chooses exit codes and runtime error texts.
//!
//! mosquitto 2.0.11's clients exit with 0, with libmosquitto's error numbers (1 to 31: `MOSQ_ERR_*`,
//! which also covers the MQTT 3.x CONNACK codes 1 to 5), with an MQTT 5 CONNACK reason code (128 to
//! 255, whatever the broker sends) or with 255 (`exit(-1)`). The outcomes these flags add use codes
//! from 40 on, which none of those situations can produce ([`MOSQUITTO_CODES`], checked by a test);
//! where an outcome is one mosquitto already has a code for, that code is kept: 27 (`Timed out`,
//! MOSQ_ERR_TIMEOUT) for `--timeout`, 7 (MOSQ_ERR_CONN_LOST) for a lost connection that is not
//! retried, 1 for a connection that could not be opened. docs/exit-codes.md has the whole table.

use std::path::Path;
use std::time::Duration;

use super::{Failure, reason_string};
use crate::sys::SecretFileError;

/// `--connect-timeout`: an attempt did not reach CONNACK in time.
pub const CONNECT_TIMEOUT: i32 = 40;
/// `--expect-payload`, `--expect-regex`, `--expect-count`: the run ended before the expectation
/// was met.
pub const EXPECTATION_NOT_MET: i32 = 41;
/// `--expect-none`: a message arrived.
pub const UNEXPECTED_MESSAGE: i32 = 42;
/// `--strict`: the broker refused a message.
pub const STRICT_PUBLISH: i32 = 43;
/// `--strict`: a subscription was denied or downgraded, or an unsubscribe refused.
pub const STRICT_SUBSCRIBE: i32 = 44;
/// `rpub --check` (text and json): the warning threshold was passed.
pub const CHECK_WARNING: i32 = 45;
/// `rpub --check` (text and json): the critical threshold was passed, or probes were lost.
pub const CHECK_CRITICAL: i32 = 46;
/// mosquitto's code for a timeout (`-W`), kept for `--timeout`.
pub const TIMED_OUT: i32 = 27;
/// MOSQ_ERR_CONN_LOST.
pub const CONNECTION_LOST: i32 = 7;

/// Every exit code mosquitto_pub and mosquitto_sub 2.0.11 can end with, whatever the situation.
pub const MOSQUITTO_CODES: [std::ops::RangeInclusive<i32>; 2] = [0..=31, 128..=255];

/// How `rpub --check` judges the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckStatus {
    Ok,
    Warning,
    Critical,
    /// The check could not be made (nagios: UNKNOWN).
    Unknown,
}

impl CheckStatus {
    /// The Nagios plugin exit code.
    pub fn nagios_code(self) -> i32 {
        match self {
            CheckStatus::Ok => 0,
            CheckStatus::Warning => 1,
            CheckStatus::Critical => 2,
            CheckStatus::Unknown => 3,
        }
    }

    /// The word Nagios shows.
    pub fn nagios_word(self) -> &'static str {
        match self {
            CheckStatus::Ok => "OK",
            CheckStatus::Warning => "WARNING",
            CheckStatus::Critical => "CRITICAL",
            CheckStatus::Unknown => "UNKNOWN",
        }
    }
}

/// `--check-format nagios`: the status's plugin code, whatever made it so.
pub fn check_nagios_exit(status: CheckStatus) -> Failure {
    Failure::Silent {
        code: status.nagios_code(),
    }
}

/// `--check-format text|json`: the exit code of a check that was made (a check that could not
/// connect ends with the connection's own failure).
pub fn check_exit(status: CheckStatus) -> Option<Failure> {
    let code = match status {
        CheckStatus::Ok => return None,
        CheckStatus::Warning => CHECK_WARNING,
        CheckStatus::Critical | CheckStatus::Unknown => CHECK_CRITICAL,
    };
    Some(Failure::Silent { code })
}

/// `--pw-file FILE` cannot be used: exit 1, as for an input file `-f` cannot read.
pub fn password_file_failure(path: &Path, err: &SecretFileError) -> Failure {
    let shown = path.display();
    let line = match err {
        SecretFileError::Io(err) => format!(
            "Error: Unable to read password file \"{shown}\": {}.",
            crate::sys::os_error_text(err)
        ),
        SecretFileError::Exposed { mode } => format!(
            "Error: Password file \"{shown}\" can be read by other users (mode {mode:04o}); \
             make it private (chmod 600) or pass the password through a pipe."
        ),
        SecretFileError::NotAFile => {
            format!("Error: Password file \"{shown}\" is not a file.")
        }
        SecretFileError::TooLong => {
            format!("Error: Password file \"{shown}\": the first line is longer than 65535 bytes.")
        }
    };
    Failure::runtime(line, 1)
}

/// A duration as the texts show it (`2s`, `500ms`, `1m 30s`), to the millisecond.
pub fn shown_duration(duration: Duration) -> String {
    let millis = Duration::from_millis(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX));
    humantime::format_duration(millis).to_string()
}

/// The stage a connection attempt had not finished when `--connect-timeout` ran out.
pub use crate::net::PendingStage;

/// What `--connect-timeout` reports: which stage did not finish, where, and what was done.
/// `broker` is `host:port` (or the socket path); `proxy` and `tls`: whether those stages are part
/// of the attempt.
pub fn connect_timed_out(
    broker: &str,
    limit: Duration,
    pending: PendingStage,
    proxy: bool,
    tls: bool,
) -> Failure {
    let limit = shown_duration(limit);
    let mut done: Vec<&str> = Vec::new();
    let order = [
        (PendingStage::Tcp, true, "TCP connected"),
        (PendingStage::Proxy, proxy, "SOCKS5 proxy connected"),
        (PendingStage::Tls, tls, "TLS handshake done"),
    ];
    for (stage, applies, text) in order {
        if stage == pending {
            break;
        }
        if applies && pending != PendingStage::Resolution {
            done.push(text);
        }
    }
    let what = match pending {
        PendingStage::Resolution => format!("name resolution for {broker} did not finish"),
        PendingStage::Tcp => {
            done.push("name resolved");
            format!("no TCP connection to {broker}")
        }
        PendingStage::Proxy => format!("the SOCKS5 proxy did not connect to {broker}"),
        PendingStage::Tls => format!("no TLS handshake with {broker}"),
        PendingStage::Connack => format!("no CONNACK from {broker}"),
    };
    let done = if done.is_empty() {
        String::new()
    } else {
        format!(" ({})", done.join(", "))
    };
    Failure::runtime(
        format!("Error: {what} within {limit}{done}."),
        CONNECT_TIMEOUT,
    )
}

/// How far rpub got when `--timeout` ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishProgress {
    /// No CONNACK on the current connection.
    Connecting,
    /// `done` messages completed; `waiting` await their acknowledgement.
    Publishing { done: u64, waiting: usize },
}

/// rpub `--timeout` ran out: exit 27 as mosquitto_sub's `-W`, saying what was still going on.
pub fn publish_timed_out(limit: Duration, progress: PublishProgress) -> Failure {
    let limit = shown_duration(limit);
    let line = match progress {
        PublishProgress::Connecting => format!("Timed out after {limit} waiting for CONNACK."),
        PublishProgress::Publishing { done, waiting } => format!(
            "Timed out after {limit}: {done} {} done, {waiting} waiting for acknowledgement.",
            plural(done, "message", "messages")
        ),
    };
    Failure::runtime(line, TIMED_OUT)
}

/// `--timeout` in rsub, also before the first CONNACK (where `-W` exits 255 silently as
/// mosquitto_sub does): `Timed out`, exit 27.
pub fn subscriber_timed_out() -> Failure {
    super::timed_out()
}

/// `--reconnect never` (or the last of N attempts failed): the connection is not opened again.
pub fn connection_lost(failed_attempts: u32) -> Failure {
    let line = if failed_attempts == 0 {
        "Error: The connection was lost.".to_string()
    } else {
        format!(
            "Error: The connection was lost; {failed_attempts} reconnect {} failed.",
            plural(u64::from(failed_attempts), "attempt", "attempts")
        )
    };
    Failure::runtime(line, CONNECTION_LOST)
}

fn plural(count: u64, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// What `--expect-payload`/`--expect-regex`/`--expect-count` asked for and what came.
#[derive(Debug, Clone, Copy)]
pub struct ExpectationReport<'a> {
    pub count: u32,
    pub payload: Option<&'a [u8]>,
    pub regex: Option<&'a str>,
    /// The subscriptions (`-t`).
    pub filters: &'a [String],
    pub matched: u32,
    /// Messages that did not match.
    pub others: u64,
    pub elapsed: Duration,
}

/// The run ended before the expectation was met:
/// `Error: expected 1 message with payload "ok" on sensors/#, got 0 in 5s (3 other messages).`
pub fn expectation_not_met(report: &ExpectationReport<'_>) -> Failure {
    let mut line = format!(
        "Error: expected {} {}",
        report.count,
        plural(u64::from(report.count), "message", "messages")
    );
    if let Some(payload) = report.payload {
        line.push_str(&format!(
            " with payload \"{}\"",
            String::from_utf8_lossy(payload)
        ));
    }
    if let Some(regex) = report.regex {
        line.push_str(&format!(" matching /{regex}/"));
    }
    line.push_str(&format!(
        " on {}, got {} in {}",
        report.filters.join(", "),
        report.matched,
        shown_duration(report.elapsed)
    ));
    if report.others > 0 {
        line.push_str(&format!(
            " ({} other {})",
            report.others,
            plural(report.others, "message", "messages")
        ));
    }
    line.push('.');
    Failure::runtime(line, EXPECTATION_NOT_MET)
}

/// `--expect-none`, and a message arrived on `topic` after `elapsed`.
pub fn unexpected_message(filters: &[String], topic: &str, elapsed: Duration) -> Failure {
    Failure::runtime(
        format!(
            "Error: expected no message on {}, got one on {topic} after {}.",
            filters.join(", "),
            shown_duration(elapsed)
        ),
        UNEXPECTED_MESSAGE,
    )
}

/// `--expect-regex` is not a valid pattern: an argument error (exit 1, `Use ... --help`), found
/// when rsub starts, before connecting.
pub fn invalid_regex(pattern: &str, error: &str) -> Failure {
    Failure::Usage {
        text: format!("Error: Invalid --expect-regex \"{pattern}\": {error}\n\n"),
    }
}

/// `--strict` rpub: the broker refused `refused` messages (each was reported with its warning).
pub fn strict_publish_refused(refused: u64) -> Failure {
    Failure::runtime(
        format!(
            "Error: {refused} {} refused (--strict).",
            plural(refused, "message was", "messages were")
        ),
        STRICT_PUBLISH,
    )
}

/// Something `--strict` does not let pass in a SUBACK or UNSUBACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionProblem {
    /// A SUBACK code of 0x80 or more for `filter` (MQTT 5: a reason code).
    Denied { filter: String, code: u8, v5: bool },
    /// A lower QoS granted than asked.
    Downgraded {
        filter: String,
        granted: u8,
        asked: u8,
    },
    /// An MQTT 5 UNSUBACK reason code of 0x80 or more.
    UnsubscribeRefused { filter: String, code: u8 },
}

/// `--strict` rsub: one line per problem, exit 44.
pub fn strict_subscription(problems: &[SubscriptionProblem]) -> Failure {
    let lines: Vec<String> = problems
        .iter()
        .map(|problem| match problem {
            SubscriptionProblem::Denied {
                filter,
                code,
                v5: true,
            } => format!(
                "Error: subscription to \"{filter}\" was denied: {} (--strict).",
                reason_string(*code)
            ),
            SubscriptionProblem::Denied { filter, .. } => {
                format!("Error: subscription to \"{filter}\" was denied (--strict).")
            }
            SubscriptionProblem::Downgraded {
                filter,
                granted,
                asked,
            } => format!(
                "Error: subscription to \"{filter}\" was granted QoS {granted}, not {asked} (--strict)."
            ),
            SubscriptionProblem::UnsubscribeRefused { filter, code } => format!(
                "Error: unsubscribing from \"{filter}\" was refused: {} (--strict).",
                reason_string(*code)
            ),
        })
        .collect();
    Failure::runtime(lines.join("\n"), STRICT_SUBSCRIBE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_exit_codes_collide_with_no_code_mosquitto_uses() {
        let new = [
            CONNECT_TIMEOUT,
            EXPECTATION_NOT_MET,
            UNEXPECTED_MESSAGE,
            STRICT_PUBLISH,
            STRICT_SUBSCRIBE,
            CHECK_WARNING,
            CHECK_CRITICAL,
        ];
        for code in new {
            assert!(
                MOSQUITTO_CODES.iter().all(|range| !range.contains(&code)),
                "{code} is one of mosquitto's"
            );
            assert_eq!(new.iter().filter(|&&other| other == code).count(), 1);
            // Shells use 126 and 127 for "not executable" and "not found".
            assert!(code < 126);
        }
    }

    #[test]
    fn connect_timeout_texts_name_the_pending_stage_and_what_was_done() {
        let second = Duration::from_secs(2);
        let cases = [
            (
                PendingStage::Connack,
                false,
                true,
                "Error: no CONNACK from broker:1883 within 2s (TCP connected, TLS handshake done).",
            ),
            (
                PendingStage::Connack,
                false,
                false,
                "Error: no CONNACK from broker:1883 within 2s (TCP connected).",
            ),
            (
                PendingStage::Tls,
                true,
                true,
                "Error: no TLS handshake with broker:1883 within 2s (TCP connected, SOCKS5 proxy connected).",
            ),
            (
                PendingStage::Tcp,
                false,
                false,
                "Error: no TCP connection to broker:1883 within 2s (name resolved).",
            ),
            (
                PendingStage::Resolution,
                false,
                false,
                "Error: name resolution for broker:1883 did not finish within 2s.",
            ),
        ];
        for (pending, proxy, tls, text) in cases {
            assert_eq!(
                connect_timed_out("broker:1883", second, pending, proxy, tls),
                Failure::runtime(text, CONNECT_TIMEOUT)
            );
        }
    }

    #[test]
    fn expectation_texts_say_what_was_expected_and_seen() {
        let filters = ["sensors/#".to_string()];
        let report = ExpectationReport {
            count: 1,
            payload: Some(b"ok"),
            regex: None,
            filters: &filters,
            matched: 0,
            others: 3,
            elapsed: Duration::from_secs(5),
        };
        assert_eq!(
            expectation_not_met(&report),
            Failure::runtime(
                "Error: expected 1 message with payload \"ok\" on sensors/#, got 0 in 5s (3 other messages).",
                EXPECTATION_NOT_MET
            )
        );
        let counted = ExpectationReport {
            count: 3,
            payload: None,
            regex: Some("^t=[0-9]+$"),
            matched: 2,
            others: 0,
            elapsed: Duration::from_millis(1500),
            ..report
        };
        assert_eq!(
            expectation_not_met(&counted),
            Failure::runtime(
                "Error: expected 3 messages matching /^t=[0-9]+$/ on sensors/#, got 2 in 1s 500ms.",
                EXPECTATION_NOT_MET
            )
        );
    }

    #[test]
    fn strict_texts() {
        let problems = [
            SubscriptionProblem::Denied {
                filter: "a".into(),
                code: 135,
                v5: true,
            },
            SubscriptionProblem::Denied {
                filter: "b".into(),
                code: 128,
                v5: false,
            },
            SubscriptionProblem::Downgraded {
                filter: "c".into(),
                granted: 0,
                asked: 2,
            },
            SubscriptionProblem::UnsubscribeRefused {
                filter: "d".into(),
                code: 135,
            },
        ];
        assert_eq!(
            strict_subscription(&problems),
            Failure::runtime(
                "Error: subscription to \"a\" was denied: Not authorized (--strict).\n\
                 Error: subscription to \"b\" was denied (--strict).\n\
                 Error: subscription to \"c\" was granted QoS 0, not 2 (--strict).\n\
                 Error: unsubscribing from \"d\" was refused: Not authorized (--strict).",
                STRICT_SUBSCRIBE
            )
        );
        assert_eq!(
            strict_publish_refused(1),
            Failure::runtime("Error: 1 message was refused (--strict).", STRICT_PUBLISH)
        );
    }

    #[test]
    fn nagios_codes_follow_the_plugin_convention() {
        assert_eq!(check_nagios_exit(CheckStatus::Ok).exit_code(), 0);
        assert_eq!(check_nagios_exit(CheckStatus::Warning).exit_code(), 1);
        assert_eq!(check_nagios_exit(CheckStatus::Critical).exit_code(), 2);
        assert_eq!(check_nagios_exit(CheckStatus::Unknown).exit_code(), 3);
        assert_eq!(check_exit(CheckStatus::Ok), None);
        assert_eq!(
            check_exit(CheckStatus::Warning).map(|f| f.exit_code()),
            Some(CHECK_WARNING)
        );
    }
}
