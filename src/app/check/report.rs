//! What `rpub --check` found, judged against `--check-warn`/`--check-crit` and written as text, one
//! JSON object or a Nagios status line with performance data.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cli::config::{CheckConfig, CheckFormat};
use crate::exit::ci::CheckStatus;

/// The measurements of one check run. Times of the connection stages count from the start of the
/// first connection attempt; `None`: the stage does not apply or was not reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// `host:port` (or the socket path).
    pub broker: String,
    pub topic: String,
    pub qos: u8,
    /// The broker's (with a proxy: the proxy's) name was resolved.
    pub resolved: Option<Duration>,
    /// The TCP connection (to the broker or the proxy) was up.
    pub tcp: Option<Duration>,
    /// The SOCKS5 proxy had connected us to the broker.
    pub proxy: Option<Duration>,
    /// The TLS handshake was done.
    pub tls: Option<Duration>,
    /// CONNACK arrived.
    pub connack: Option<Duration>,
    /// From the SUBSCRIBE written to its SUBACK read.
    pub suback: Option<Duration>,
    pub sent: u32,
    /// Publish-to-receive latency of each probe that came back, in the order sent.
    pub latencies: Vec<Duration>,
    /// Why the check could not be completed.
    pub error: Option<String>,
}

/// Minimum, percentiles (nearest rank) and maximum of the latencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyStats {
    pub min: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl LatencyStats {
    pub fn of(latencies: &[Duration]) -> Option<LatencyStats> {
        let mut sorted = latencies.to_vec();
        sorted.sort_unstable();
        let rank = |q: f64| {
            let index = (q * sorted.len() as f64).ceil() as usize;
            sorted[index.clamp(1, sorted.len()) - 1]
        };
        Some(LatencyStats {
            min: *sorted.first()?,
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: *sorted.last()?,
        })
    }
}

impl CheckReport {
    pub fn lost(&self) -> u32 {
        self.sent
            .saturating_sub(u32::try_from(self.latencies.len()).unwrap_or(u32::MAX))
    }

    /// OK, WARNING when the p99 latency is above `--check-warn`, CRITICAL when it is above
    /// `--check-crit`, when a probe was lost or when the check could not be completed.
    pub fn status(&self, config: &CheckConfig) -> CheckStatus {
        if self.error.is_some() || self.lost() > 0 || self.sent == 0 {
            return CheckStatus::Critical;
        }
        let Some(stats) = LatencyStats::of(&self.latencies) else {
            return CheckStatus::Critical;
        };
        if config.crit.is_some_and(|crit| stats.p99 > crit) {
            CheckStatus::Critical
        } else if config.warn.is_some_and(|warn| stats.p99 > warn) {
            CheckStatus::Warning
        } else {
            CheckStatus::Ok
        }
    }

    /// The report in the chosen format, ending with a newline.
    pub fn render(&self, config: &CheckConfig) -> String {
        let status = self.status(config);
        match config.format {
            CheckFormat::Text => self.text(status),
            CheckFormat::Json => self.json(status, config),
            CheckFormat::Nagios => self.nagios(status, config),
        }
    }

    fn text(&self, status: CheckStatus) -> String {
        let mut out = format!("rpub --check {}: {}\n", self.broker, status.nagios_word());
        let mut line = |label: &str, value: Option<Duration>| {
            if let Some(value) = value {
                let _ = writeln!(out, "  {label:<12}{}", millis(value));
            }
        };
        line("resolved", self.resolved);
        line("TCP", self.tcp);
        line("SOCKS5", self.proxy);
        line("TLS", self.tls);
        line("CONNACK", self.connack);
        line("SUBACK", self.suback);
        let _ = writeln!(
            out,
            "  {:<12}{} sent, {} received, {} lost (QoS {}, topic {})",
            "probes",
            self.sent,
            self.latencies.len(),
            self.lost(),
            self.qos,
            self.topic
        );
        if let Some(stats) = LatencyStats::of(&self.latencies) {
            let _ = writeln!(
                out,
                "  {:<12}min {}, p50 {}, p90 {}, p99 {}, max {}",
                "latency",
                millis(stats.min),
                millis(stats.p50),
                millis(stats.p90),
                millis(stats.p99),
                millis(stats.max)
            );
        }
        if let Some(error) = &self.error {
            let _ = writeln!(out, "  {:<12}{error}", "error");
        }
        out
    }

    fn json(&self, status: CheckStatus, config: &CheckConfig) -> String {
        let ms = |value: Option<Duration>| match value {
            Some(value) => format!("{:.3}", value.as_secs_f64() * 1000.0),
            None => "null".to_string(),
        };
        let stats = LatencyStats::of(&self.latencies);
        let latency = match stats {
            Some(s) => format!(
                "{{\"min\":{},\"p50\":{},\"p90\":{},\"p99\":{},\"max\":{}}}",
                ms(Some(s.min)),
                ms(Some(s.p50)),
                ms(Some(s.p90)),
                ms(Some(s.p99)),
                ms(Some(s.max))
            ),
            None => "null".to_string(),
        };
        let error = match &self.error {
            Some(error) => json_string(error),
            None => "null".to_string(),
        };
        format!(
            "{{\"status\":\"{}\",\"broker\":{},\"topic\":{},\"qos\":{},\
             \"times_ms\":{{\"resolved\":{},\"tcp\":{},\"proxy\":{},\"tls\":{},\"connack\":{},\"suback\":{}}},\
             \"probes\":{{\"sent\":{},\"received\":{},\"lost\":{}}},\
             \"latency_ms\":{latency},\"warn_ms\":{},\"crit_ms\":{},\"error\":{error}}}\n",
            status.nagios_word().to_ascii_lowercase(),
            json_string(&self.broker),
            json_string(&self.topic),
            self.qos,
            ms(self.resolved),
            ms(self.tcp),
            ms(self.proxy),
            ms(self.tls),
            ms(self.connack),
            ms(self.suback),
            self.sent,
            self.latencies.len(),
            self.lost(),
            ms(config.warn),
            ms(config.crit),
        )
    }

    fn nagios(&self, status: CheckStatus, config: &CheckConfig) -> String {
        let seconds = |value: Duration| format!("{:.6}s", value.as_secs_f64());
        let threshold = |value: Option<Duration>| {
            value
                .map(|v| format!("{:.6}", v.as_secs_f64()))
                .unwrap_or_default()
        };
        let summary = match (&self.error, LatencyStats::of(&self.latencies)) {
            (Some(error), _) => error.clone(),
            (None, Some(stats)) => format!(
                "{} p99 {}, {}/{} probes lost",
                self.broker,
                millis(stats.p99),
                self.lost(),
                self.sent
            ),
            (None, None) => format!("{} all {} probes lost", self.broker, self.sent),
        };
        let mut perf = Vec::new();
        for (label, value) in [
            ("resolved", self.resolved),
            ("tcp", self.tcp),
            ("proxy", self.proxy),
            ("tls", self.tls),
            ("connack", self.connack),
            ("suback", self.suback),
        ] {
            if let Some(value) = value {
                perf.push(format!("{label}={};;;0", seconds(value)));
            }
        }
        if let Some(stats) = LatencyStats::of(&self.latencies) {
            perf.push(format!("min={};;;0", seconds(stats.min)));
            perf.push(format!("p50={};;;0", seconds(stats.p50)));
            perf.push(format!(
                "p99={};{};{};0",
                seconds(stats.p99),
                threshold(config.warn),
                threshold(config.crit)
            ));
            perf.push(format!("max={};;;0", seconds(stats.max)));
        }
        perf.push(format!("lost={};;;0;{}", self.lost(), self.sent));
        format!(
            "MQTT {} - {} | {}\n",
            status.nagios_word(),
            summary.replace('|', "/").trim_end(),
            perf.join(" ")
        )
    }
}

/// `0.123 ms`.
fn millis(value: Duration) -> String {
    format!("{:.3} ms", value.as_secs_f64() * 1000.0)
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    fn config(format: CheckFormat, warn: Option<u64>, crit: Option<u64>) -> CheckConfig {
        CheckConfig {
            format,
            warn: warn.map(ms),
            crit: crit.map(ms),
        }
    }

    fn report(latencies: &[u64], sent: u32) -> CheckReport {
        CheckReport {
            broker: "127.0.0.1:1883".into(),
            topic: "rpubsub/check/x".into(),
            qos: 1,
            resolved: Some(Duration::ZERO),
            tcp: Some(ms(1)),
            proxy: None,
            tls: None,
            connack: Some(ms(2)),
            suback: Some(ms(1)),
            sent,
            latencies: latencies.iter().copied().map(ms).collect(),
            error: None,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<Duration> = (1..=100).rev().map(ms).collect();
        let stats = LatencyStats::of(&values).expect("stats");
        assert_eq!(
            (stats.min, stats.p50, stats.p90, stats.p99, stats.max),
            (ms(1), ms(50), ms(90), ms(99), ms(100))
        );
        let five = LatencyStats::of(&[ms(5), ms(1), ms(3), ms(2), ms(4)]).expect("stats");
        assert_eq!((five.p50, five.p90, five.p99), (ms(3), ms(5), ms(5)));
        assert_eq!(LatencyStats::of(&[]), None);
    }

    #[test]
    fn the_status_follows_the_thresholds_on_p99_and_losses() {
        let cases = [
            (report(&[1, 2, 3], 3), None, None, CheckStatus::Ok),
            (report(&[1, 2, 30], 3), Some(10), None, CheckStatus::Warning),
            (
                report(&[1, 2, 30], 3),
                Some(10),
                Some(20),
                CheckStatus::Critical,
            ),
            (report(&[1, 2, 3], 3), Some(10), Some(20), CheckStatus::Ok),
            (report(&[1, 2], 3), None, None, CheckStatus::Critical),
            (report(&[], 0), None, None, CheckStatus::Critical),
        ];
        for (report, warn, crit, status) in cases {
            assert_eq!(
                report.status(&config(CheckFormat::Text, warn, crit)),
                status,
                "{report:?}"
            );
        }
    }

    #[test]
    fn the_three_formats() {
        let r = report(&[1, 2, 3], 3);
        assert_eq!(
            r.render(&config(CheckFormat::Text, None, None)),
            "rpub --check 127.0.0.1:1883: OK\n\
             \x20 resolved    0.000 ms\n\
             \x20 TCP         1.000 ms\n\
             \x20 CONNACK     2.000 ms\n\
             \x20 SUBACK      1.000 ms\n\
             \x20 probes      3 sent, 3 received, 0 lost (QoS 1, topic rpubsub/check/x)\n\
             \x20 latency     min 1.000 ms, p50 2.000 ms, p90 3.000 ms, p99 3.000 ms, max 3.000 ms\n"
        );
        assert_eq!(
            r.render(&config(CheckFormat::Json, Some(10), None)),
            "{\"status\":\"ok\",\"broker\":\"127.0.0.1:1883\",\"topic\":\"rpubsub/check/x\",\"qos\":1,\
             \"times_ms\":{\"resolved\":0.000,\"tcp\":1.000,\"proxy\":null,\"tls\":null,\"connack\":2.000,\"suback\":1.000},\
             \"probes\":{\"sent\":3,\"received\":3,\"lost\":0},\
             \"latency_ms\":{\"min\":1.000,\"p50\":2.000,\"p90\":3.000,\"p99\":3.000,\"max\":3.000},\
             \"warn_ms\":10.000,\"crit_ms\":null,\"error\":null}\n"
        );
        assert_eq!(
            r.render(&config(CheckFormat::Nagios, Some(10), Some(20))),
            "MQTT OK - 127.0.0.1:1883 p99 3.000 ms, 0/3 probes lost | resolved=0.000000s;;;0 tcp=0.001000s;;;0 \
             connack=0.002000s;;;0 suback=0.001000s;;;0 min=0.001000s;;;0 p50=0.002000s;;;0 \
             p99=0.003000s;0.010000;0.020000;0 max=0.003000s;;;0 lost=0;;;0;3\n"
        );
        let failed = CheckReport {
            error: Some("Error: no CONNACK from \"b\":1883 within 5s (TCP connected).".into()),
            latencies: Vec::new(),
            sent: 0,
            ..report(&[], 0)
        };
        assert!(
            failed
                .render(&config(CheckFormat::Nagios, None, None))
                .starts_with("MQTT CRITICAL - Error: no CONNACK from \"b\":1883 within 5s")
        );
        assert!(
            failed
                .render(&config(CheckFormat::Json, None, None))
                .contains(
                    "\"error\":\"Error: no CONNACK from \\\"b\\\":1883 within 5s (TCP connected).\""
                )
        );
    }
}
