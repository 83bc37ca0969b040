//! When rpub may publish its next message: `--rate N` (at most N per second, evenly spaced) and
//! `--replay-speed X` (the recorded spacing of the `tst` times, divided by X). A policy with no
//! clock of its own: the publisher asks [`Pacer::due`] with the session's time and reports each
//! publish with [`Pacer::sent`], so the timing runs unchanged under simulated time (`app/sim.rs`).

use std::time::{Duration, Instant};

/// The pacing policy of one run.
#[derive(Debug, Clone, Default)]
pub struct Pacer {
    /// `--rate`: the least time between two publishes.
    interval: Option<Duration>,
    /// `--replay-speed`: the factor the recorded spacing is divided by.
    replay_factor: Option<f64>,
    last_sent: Option<Instant>,
    /// When the first message with a recorded time was published, and that time (µs since 1970).
    origin: Option<(Instant, i64)>,
}

impl Pacer {
    pub fn new(interval: Option<Duration>, replay_factor: Option<f64>) -> Pacer {
        Pacer {
            interval,
            replay_factor,
            ..Pacer::default()
        }
    }

    /// The earliest moment the next message, recorded at `tst_micros` (if it was), may be
    /// published; `None`: now. A message recorded before the first one replays at once.
    pub fn due(&self, tst_micros: Option<i64>) -> Option<Instant> {
        let by_rate = match (self.interval, self.last_sent) {
            (Some(interval), Some(last)) => Some(last + interval),
            _ => None,
        };
        let by_replay = match (self.replay_factor, tst_micros, self.origin) {
            (Some(factor), Some(tst), Some((started, first_tst))) => {
                let recorded = tst.saturating_sub(first_tst).max(0) as f64 / 1e6;
                // A gap too long to represent waits as long as we can say.
                let wait = Duration::try_from_secs_f64(recorded / factor)
                    .unwrap_or(Duration::from_secs(u64::from(u32::MAX)));
                Some(started + wait)
            }
            _ => None,
        };
        match (by_rate, by_replay) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// A message recorded at `tst_micros` was published at `at`.
    pub fn sent(&mut self, tst_micros: Option<i64>, at: Instant) {
        self.last_sent = Some(at);
        if self.origin.is_none()
            && self.replay_factor.is_some()
            && let Some(tst) = tst_micros
        {
            self.origin = Some((at, tst));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn rate_spaces_publishes_evenly() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Some(ms(500)), None);
        assert_eq!(pacer.due(None), None, "the first goes at once");
        pacer.sent(None, start);
        assert_eq!(pacer.due(None), Some(start + ms(500)));
        pacer.sent(None, start + ms(700));
        assert_eq!(
            pacer.due(None),
            Some(start + ms(1200)),
            "counted from the last publish"
        );
    }

    #[test]
    fn replay_keeps_the_recorded_spacing_divided_by_the_speed() {
        let start = Instant::now();
        let mut pacer = Pacer::new(None, Some(2.0));
        let t0 = 1_000_000_000_000;
        assert_eq!(pacer.due(Some(t0)), None);
        pacer.sent(Some(t0), start);
        assert_eq!(pacer.due(Some(t0 + 1_000_000)), Some(start + ms(500)));
        assert_eq!(pacer.due(Some(t0 + 3_000_000)), Some(start + ms(1500)));
        // Earlier than the first: at once (the origin time).
        assert_eq!(pacer.due(Some(t0 - 5_000_000)), Some(start));
        // No recorded time: not held back by the replay.
        assert_eq!(pacer.due(None), None);
    }

    #[test]
    fn rate_and_replay_together_take_the_later_moment() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Some(ms(1000)), Some(1.0));
        pacer.sent(Some(0), start);
        assert_eq!(pacer.due(Some(100_000)), Some(start + ms(1000)));
        assert_eq!(pacer.due(Some(3_000_000)), Some(start + ms(3000)));
        assert_eq!(Pacer::new(None, None).due(Some(5)), None);
    }

    #[test]
    fn huge_gaps_do_not_overflow() {
        let start = Instant::now();
        let mut pacer = Pacer::new(None, Some(1e-300));
        pacer.sent(Some(i64::MIN), start);
        assert!(pacer.due(Some(i64::MAX)).is_some());
    }
}
