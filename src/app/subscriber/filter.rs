//! rsub's helpers that need no session: MQTT topic-filter matching (`-T`, `--remove-retained`'s
//! spared topics) and the pseudo-random numbers of `--random-filter`. (Moved out of
//! `subscriber.rs` as it is: no product file above ~800 lines.)

use std::time::{SystemTime, UNIX_EPOCH};

/// Does `topic` match the subscription filter `filter`? MQTT's rules, as libmosquitto's
/// `mosquitto_topic_matches_sub` applies them to valid filters: `+` matches one whole level
/// (possibly empty), a final `#` matches the parent level and everything below it, and a topic
/// starting with `$` is never matched by a filter starting with a wildcard. An empty filter or
/// topic matches nothing.
pub fn topic_matches_filter(filter: &str, topic: &str) -> bool {
    if filter.is_empty() || topic.is_empty() {
        return false;
    }
    if topic.starts_with('$') != filter.starts_with('$') {
        return false;
    }
    let mut topic_levels = topic.split('/');
    for level in filter.split('/') {
        match level {
            "#" => return true,
            "+" => {
                if topic_levels.next().is_none() {
                    return false;
                }
            }
            _ => {
                if topic_levels.next() != Some(level) {
                    return false;
                }
            }
        }
    }
    topic_levels.next().is_none()
}

/// A small pseudo-random generator (xorshift64*) for `--random-filter`, seeded from the clock and
/// the process id, as mosquitto seeds `random()` from the clock.
pub struct Random {
    state: u64,
}

impl Random {
    pub fn from_clock() -> Random {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let seed = nanos ^ (u64::from(std::process::id()) << 32) ^ 0x9e37_79b9_7f4a_7c15;
        Random::seeded(seed)
    }

    pub fn seeded(seed: u64) -> Random {
        // xorshift must not start at 0.
        Random {
            state: if seed == 0 {
                0x2545_f491_4f6c_dd1d
            } else {
                seed
            },
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..range` (the high bits, which are the good ones of xorshift64*).
    pub(super) fn below(&mut self, range: u64) -> u64 {
        (self.next() >> 32) % range
    }

    /// A uniformly random 64-bit number (`--template`'s `{rand}` and `{uuid}`).
    pub fn next_u64(&mut self) -> u64 {
        self.next()
    }
}

#[cfg(test)]
mod tests {
    use super::{Random, topic_matches_filter};

    #[test]
    fn topic_filter_matching_follows_mqtt_rules() {
        let cases: &[(&str, &str, bool)] = &[
            ("a/b", "a/b", true),
            ("a/b", "a/c", false),
            ("a/b", "a/b/c", false),
            ("a/b/c", "a/b", false),
            ("a/+", "a/b", true),
            ("a/+", "a/", true),
            ("a/+", "a", false),
            ("a/+", "a/b/c", false),
            ("+/b", "a/b", true),
            ("+/b", "/b", true),
            ("+", "a", true),
            ("+", "/", false),
            ("+/+", "/", true),
            ("a/+/c", "a/b/c", true),
            ("a/+/c", "a//c", true),
            ("a/#", "a", true),
            ("a/#", "a/b", true),
            ("a/#", "a/b/c", true),
            ("a/#", "ab", false),
            ("a/+/#", "a/b", true),
            ("a/+/#", "a", false),
            ("#", "a", true),
            ("#", "/", true),
            ("#", "a/b/c", true),
            ("#", "$SYS/x", false),
            ("+/x", "$SYS/x", false),
            ("$SYS/#", "$SYS/x", true),
            ("$SYS/+", "$SYS/x", true),
            ("$SYS/x", "$SYS/x", true),
            ("a", "$a", false),
            ("", "a", false),
            ("a", "", false),
            ("x/y", "x/y/", false),
            ("x/y/", "x/y/", true),
            ("x/y/#", "x/y/", true),
        ];
        for &(filter, topic, expected) in cases {
            assert_eq!(
                topic_matches_filter(filter, topic),
                expected,
                "filter {filter:?} topic {topic:?}"
            );
        }
    }

    #[test]
    fn random_numbers_cover_the_range_evenly() {
        let mut random = Random::seeded(42);
        let mut below_half = 0;
        for _ in 0..10_000 {
            let n = random.below(10_000);
            assert!(n < 10_000);
            if n < 5_000 {
                below_half += 1;
            }
        }
        assert!((4_500..5_500).contains(&below_half), "{below_half}");
        let mut zero = Random::seeded(0);
        assert_ne!(zero.next(), 0);
    }
}
