//! The connection policies of the flags for scripts and CI (issue 14), as pure values the session
//! loop consults with its own clock: waiting for a broker that is not listening yet
//! (`--wait-for-broker`), how often to reconnect after a loss (`--reconnect`) and the limit of each
//! attempt (`--connect-timeout`).

use std::time::{Duration, Instant};

use crate::cli::config::{CiOptions, Reconnect};
use crate::net::ConnectFailure;

/// mosquitto_sub retries a lost connection after this fixed delay (and `rpub -l` does the same).
pub const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// `--wait-for-broker`: the first retry comes after this, each next one after twice as long as the
/// one before, up to [`BROKER_WAIT_MAX_STEP`].
pub const BROKER_WAIT_FIRST_STEP: Duration = Duration::from_millis(100);
pub const BROKER_WAIT_MAX_STEP: Duration = Duration::from_secs(1);

/// How the session opens connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectPolicy {
    /// `--connect-timeout`.
    pub connect_timeout: Option<Duration>,
    /// `--wait-for-broker`.
    pub wait_for_broker: Option<Duration>,
    /// `--reconnect` (`None`: the tool's own default).
    pub reconnect: Option<Reconnect>,
    /// `--reconnect-delay`, or mosquitto's one second.
    pub reconnect_delay: Duration,
}

impl Default for ConnectPolicy {
    fn default() -> Self {
        ConnectPolicy {
            connect_timeout: None,
            wait_for_broker: None,
            reconnect: None,
            reconnect_delay: RECONNECT_DELAY,
        }
    }
}

impl ConnectPolicy {
    pub fn from_options(ci: &CiOptions) -> ConnectPolicy {
        ConnectPolicy {
            connect_timeout: ci.connect_timeout,
            wait_for_broker: ci.wait_for_broker,
            reconnect: ci.reconnect,
            reconnect_delay: ci.reconnect_delay.unwrap_or(RECONNECT_DELAY),
        }
    }
}

/// Whether a failed attempt means "nothing listens there yet" (a broker still starting): the TCP
/// connection (or the proxy's) was refused, or the unix socket does not exist yet. Anything else (a
/// name that does not resolve, a TLS problem, a CONNACK refusal) is not waited out.
pub fn broker_not_listening(failure: &ConnectFailure) -> bool {
    match failure {
        ConnectFailure::Io(err) => {
            matches!(err.raw_os_error(), Some(libc::ECONNREFUSED | libc::ENOENT))
        }
        _ => false,
    }
}

/// `--wait-for-broker`: when to try again after a refused attempt, with a growing step, until the
/// limit (the last attempt is made at the limit itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerWait {
    until: Instant,
    step: Duration,
}

impl BrokerWait {
    /// Waiting for up to `limit` from `started` (the first attempt).
    pub fn new(started: Instant, limit: Duration) -> BrokerWait {
        BrokerWait {
            until: started + limit,
            step: BROKER_WAIT_FIRST_STEP,
        }
    }

    /// An attempt failed at `now` because nothing was listening: when to try again, or `None` when
    /// the time is up.
    pub fn retry_at(&mut self, now: Instant) -> Option<Instant> {
        if now >= self.until {
            return None;
        }
        let at = (now + self.step).min(self.until);
        self.step = (self.step * 2).min(BROKER_WAIT_MAX_STEP);
        Some(at)
    }
}

/// `--reconnect`: counts the attempts made since the last CONNACK.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconnectBudget {
    policy: Option<Reconnect>,
    attempts: u32,
}

impl ReconnectBudget {
    pub fn new(policy: Option<Reconnect>) -> ReconnectBudget {
        ReconnectBudget {
            policy,
            attempts: 0,
        }
    }

    /// Whether one more attempt may be made; `tool_default`: what the tool does without
    /// `--reconnect` (rsub and `rpub -l` reconnect, other rpub runs do not).
    pub fn allows(&self, tool_default: bool) -> bool {
        match self.policy {
            None => tool_default,
            Some(Reconnect::Never) => false,
            Some(Reconnect::Always) => true,
            Some(Reconnect::Attempts(limit)) => self.attempts < limit,
        }
    }

    /// An attempt is being made.
    pub fn attempt(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// A CONNACK accepted the connection: the count starts again.
    pub fn connected(&mut self) {
        self.attempts = 0;
    }

    /// Attempts made since the last CONNACK.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_wait_backs_off_and_makes_its_last_attempt_at_the_limit() {
        let start = Instant::now();
        let mut wait = BrokerWait::new(start, Duration::from_millis(2500));
        let mut now = start;
        let mut attempts = Vec::new();
        while let Some(at) = wait.retry_at(now) {
            attempts.push((at - start).as_millis());
            now = at;
        }
        assert_eq!(attempts, [100, 300, 700, 1500, 2500]);
    }

    #[test]
    fn the_reconnect_budget_follows_the_flag_and_else_the_tool() {
        let cases = [
            (None, true, [true, true, true]),
            (None, false, [false, false, false]),
            (Some(Reconnect::Never), true, [false, false, false]),
            (Some(Reconnect::Always), false, [true, true, true]),
            (Some(Reconnect::Attempts(2)), false, [true, true, false]),
        ];
        for (policy, tool_default, expected) in cases {
            let mut budget = ReconnectBudget::new(policy);
            let mut seen = [false; 3];
            for slot in &mut seen {
                *slot = budget.allows(tool_default);
                budget.attempt();
            }
            assert_eq!(seen, expected, "{policy:?} {tool_default}");
            budget.connected();
            assert_eq!(budget.allows(tool_default), expected[0]);
        }
    }

    #[test]
    fn only_a_refused_or_missing_socket_is_waited_out() {
        let io = |code| ConnectFailure::Io(std::io::Error::from_raw_os_error(code));
        assert!(broker_not_listening(&io(libc::ECONNREFUSED)));
        assert!(broker_not_listening(&io(libc::ENOENT)));
        assert!(!broker_not_listening(&io(libc::EHOSTUNREACH)));
        assert!(!broker_not_listening(&ConnectFailure::Lookup));
    }
}
