//! rsub's assertions for scripts and CI (issue 14), as pure values the subscriber consults:
//! `--expect-payload`, `--expect-regex`, `--expect-count`, `--expect-none`, and what `--strict`
//! finds wrong in a SUBACK or UNSUBACK.

use std::time::{Duration, Instant};

use crate::cli::config::Expectation;
use crate::exit::Failure;
use crate::exit::ci::{self as exit_ci, ExpectationReport, SubscriptionProblem};
use crate::proto::codec::{QoS, SUBACK_FAILURE};

/// What a message means for the expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not decided yet.
    Pending,
    /// The expectation is met: end now, exit 0.
    Met,
    /// A message arrived although none was expected: end now with this failure.
    Violated(Failure),
}

/// An expectation and what has been seen of it.
#[derive(Debug, Clone)]
pub struct Expect {
    expectation: Expectation,
    /// `--expect-regex`, compiled.
    regex: Option<regex::bytes::Regex>,
    /// The subscriptions, for the messages.
    filters: Vec<String>,
    started: Instant,
    matched: u32,
    others: u64,
}

impl Expect {
    /// Counting from `started` (the connection attempt). A pattern that does not compile is an
    /// argument error.
    pub fn new(
        expectation: Expectation,
        filters: Vec<String>,
        started: Instant,
    ) -> Result<Expect, Failure> {
        let regex = match &expectation {
            Expectation::Messages {
                regex: Some(pattern),
                ..
            } => Some(
                regex::bytes::Regex::new(pattern)
                    .map_err(|err| exit_ci::invalid_regex(pattern, &err.to_string()))?,
            ),
            _ => None,
        };
        Ok(Expect {
            expectation,
            regex,
            filters,
            started,
            matched: 0,
            others: 0,
        })
    }

    /// A message rsub handled (after `-R`, `-T` and `--retained-only` let it through).
    pub fn on_message(&mut self, topic: &str, payload: &[u8], now: Instant) -> Verdict {
        match &self.expectation {
            Expectation::None => Verdict::Violated(exit_ci::unexpected_message(
                &self.filters,
                topic,
                now.saturating_duration_since(self.started),
            )),
            Expectation::Messages {
                payload: wanted,
                count,
                ..
            } => {
                let matches = wanted.as_deref().is_none_or(|wanted| wanted == payload)
                    && self
                        .regex
                        .as_ref()
                        .is_none_or(|regex| regex.is_match(payload));
                if !matches {
                    self.others = self.others.saturating_add(1);
                    return Verdict::Pending;
                }
                self.matched = self.matched.saturating_add(1);
                if self.matched >= *count {
                    Verdict::Met
                } else {
                    Verdict::Pending
                }
            }
        }
    }

    /// The run ends at `now` for another reason (a time limit, `-C`, `-E`, a signal): success only
    /// if the expectation holds.
    pub fn at_end(&self, now: Instant) -> Result<(), Failure> {
        match &self.expectation {
            Expectation::None => Ok(()),
            Expectation::Messages {
                payload,
                regex,
                count,
            } => {
                if self.matched >= *count {
                    return Ok(());
                }
                Err(exit_ci::expectation_not_met(&ExpectationReport {
                    count: *count,
                    payload: payload.as_deref(),
                    regex: regex.as_deref(),
                    filters: &self.filters,
                    matched: self.matched,
                    others: self.others,
                    elapsed: elapsed_millis(now.saturating_duration_since(self.started)),
                }))
            }
        }
    }
}

/// Compiles the `--expect-regex` pattern, if any, only to refuse a bad one before connecting.
pub fn check_pattern(expectation: Option<&Expectation>) -> Result<(), Failure> {
    match expectation {
        Some(expectation) => {
            Expect::new(expectation.clone(), Vec::new(), Instant::now()).map(|_| ())
        }
        None => Ok(()),
    }
}

/// The expectation as `--trace`'s first line shows it (`null`: none).
pub fn describe(expectation: Option<&Expectation>) -> serde_json::Value {
    match expectation {
        None => serde_json::Value::Null,
        Some(Expectation::None) => serde_json::json!("none"),
        Some(Expectation::Messages {
            payload,
            regex,
            count,
        }) => serde_json::json!({
            "payload": payload.as_ref().map(|bytes| String::from_utf8_lossy(bytes)),
            "regex": regex,
            "count": count,
        }),
    }
}

/// The time shown, to the millisecond.
fn elapsed_millis(elapsed: Duration) -> Duration {
    Duration::from_millis(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
}

/// `--strict`: the SUBACK codes that refuse a filter (0x80 and more) or grant less than `asked`.
pub fn suback_problems(
    filters: &[String],
    asked: QoS,
    codes: &[u8],
    v5: bool,
) -> Vec<SubscriptionProblem> {
    filters
        .iter()
        .zip(codes)
        .filter_map(|(filter, &code)| {
            if code >= SUBACK_FAILURE {
                Some(SubscriptionProblem::Denied {
                    filter: filter.clone(),
                    code,
                    v5,
                })
            } else if code < asked.as_u8() {
                Some(SubscriptionProblem::Downgraded {
                    filter: filter.clone(),
                    granted: code,
                    asked: asked.as_u8(),
                })
            } else {
                None
            }
        })
        .collect()
}

/// `--strict`: the MQTT 5 UNSUBACK reason codes that refuse to unsubscribe from `filter`.
pub fn unsuback_problems(filter: &str, codes: &[u8]) -> Vec<SubscriptionProblem> {
    codes
        .iter()
        .filter(|&&code| code >= SUBACK_FAILURE)
        .map(|&code| SubscriptionProblem::UnsubscribeRefused {
            filter: filter.to_string(),
            code,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(payload: Option<&[u8]>, regex: Option<&str>, count: u32) -> Expectation {
        Expectation::Messages {
            payload: payload.map(<[u8]>::to_vec),
            regex: regex.map(str::to_string),
            count,
        }
    }

    #[test]
    fn an_expectation_is_met_by_the_count_of_matching_messages() {
        let start = Instant::now();
        let cases: &[(Expectation, &[&[u8]], usize)] = &[
            // (expectation, payloads in order, index of the message that meets it or usize::MAX)
            (messages(Some(b"ok"), None, 1), &[b"no", b"ok"], 1),
            (messages(Some(b"ok"), None, 1), &[b"ok!", b"OK"], usize::MAX),
            (
                messages(None, Some("^t=[0-9]+$"), 2),
                &[b"t=1", b"x", b"t=22"],
                2,
            ),
            (messages(None, None, 3), &[b"a", b"b", b"c"], 2),
            (messages(Some(b"t=1"), Some("1"), 1), &[b"t=2", b"t=1"], 1),
            (messages(Some(b"t=1"), Some("2"), 1), &[b"t=1"], usize::MAX),
        ];
        for (expectation, payloads, met_at) in cases {
            let mut expect =
                Expect::new(expectation.clone(), vec!["a".into()], start).expect("valid");
            let met = payloads
                .iter()
                .position(|payload| expect.on_message("a", payload, start) == Verdict::Met)
                .unwrap_or(usize::MAX);
            assert_eq!(met, *met_at, "{expectation:?}");
            assert_eq!(expect.at_end(start).is_ok(), *met_at != usize::MAX);
        }
    }

    #[test]
    fn an_unmet_expectation_reports_what_was_seen_and_when() {
        let start = Instant::now();
        let mut expect = Expect::new(
            messages(Some(b"ok"), None, 1),
            vec!["sensors/#".into()],
            start,
        )
        .expect("valid");
        for payload in [b"1", b"2", b"3"] {
            assert_eq!(
                expect.on_message("sensors/a", payload, start),
                Verdict::Pending
            );
        }
        assert_eq!(
            expect.at_end(start + Duration::from_secs(5)),
            Err(Failure::runtime(
                "Error: expected 1 message with payload \"ok\" on sensors/#, got 0 in 5s (3 other messages).",
                exit_ci::EXPECTATION_NOT_MET
            ))
        );
    }

    #[test]
    fn expecting_none_fails_at_the_first_message_and_holds_at_the_end() {
        let start = Instant::now();
        let mut expect = Expect::new(Expectation::None, vec!["a/#".into()], start).expect("valid");
        assert_eq!(expect.at_end(start + Duration::from_secs(2)), Ok(()));
        assert_eq!(
            expect.on_message("a/b", b"x", start + Duration::from_millis(1200)),
            Verdict::Violated(Failure::runtime(
                "Error: expected no message on a/#, got one on a/b after 1s 200ms.",
                exit_ci::UNEXPECTED_MESSAGE
            ))
        );
    }

    #[test]
    fn a_pattern_that_does_not_compile_is_an_argument_error() {
        let Err(Failure::Usage { text }) = Expect::new(
            messages(None, Some("t=("), 1),
            vec!["a".into()],
            Instant::now(),
        ) else {
            panic!("a bad pattern must be refused");
        };
        assert!(
            text.starts_with("Error: Invalid --expect-regex \"t=(\": regex parse error"),
            "{text}"
        );
    }

    #[test]
    fn strict_finds_denied_and_downgraded_subscriptions_and_refused_unsubscribes() {
        let filters: Vec<String> = ["a", "b", "c"].iter().map(|f| f.to_string()).collect();
        assert_eq!(
            suback_problems(&filters, QoS::AtLeastOnce, &[1, 0, 0x87], true),
            [
                SubscriptionProblem::Downgraded {
                    filter: "b".into(),
                    granted: 0,
                    asked: 1
                },
                SubscriptionProblem::Denied {
                    filter: "c".into(),
                    code: 0x87,
                    v5: true
                }
            ]
        );
        assert!(suback_problems(&filters, QoS::AtMostOnce, &[0, 1, 2], false).is_empty());
        assert_eq!(
            unsuback_problems("x", &[0x11, 0x87]),
            [SubscriptionProblem::UnsubscribeRefused {
                filter: "x".into(),
                code: 0x87
            }]
        );
        assert!(unsuback_problems("x", &[]).is_empty());
    }
}
