//! Timers of the client state machine.
//!
//! MQTT 3.x needs one clock rule, libmosquitto's keepalive: with a keepalive of `ka` seconds the
//! deadline is `min(last output + ka, last input + ka)`. What happens at the deadline depends on the
//! state ([`Timer`]): before CONNACK the connection attempt timed out; with a PINGREQ outstanding the
//! PINGRESP timed out; otherwise a PINGREQ is due. All instants come from the caller. MQTT 5 adds one
//! rule: the broker's CONNACK may replace the interval (Server Keep Alive).

use std::time::{Duration, Instant};

/// What expired when the keepalive deadline was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// No CONNACK within the keepalive interval: the connection attempt failed.
    ConnAck,
    /// Nothing sent or received for the keepalive interval: send PINGREQ.
    PingReq,
    /// The PINGREQ sent one interval ago is still unanswered.
    PingResp,
}

/// Keepalive bookkeeping for one connection.
#[derive(Debug, Clone)]
pub struct Keepalive {
    /// `None`: keepalive disabled (0 seconds).
    interval: Option<Duration>,
    /// (last time bytes were queued for output, last time a packet was received); `None` while no
    /// connection is running.
    refs: Option<(Instant, Instant)>,
    ping_outstanding: bool,
}

impl Keepalive {
    /// A stopped keepalive of `seconds` (0 disables it).
    pub fn new(seconds: u16) -> Keepalive {
        let interval = (seconds != 0).then(|| Duration::from_secs(u64::from(seconds)));
        Keepalive {
            interval,
            refs: None,
            ping_outstanding: false,
        }
    }

    /// Changes the interval to `seconds` (0 disables keepalive), keeping the reference times: an MQTT 5
    /// broker's Server Keep Alive replaces the client's own value (MQTT 5.0 §3.2.2.3.14).
    pub fn set_interval(&mut self, seconds: u16) {
        self.interval = (seconds != 0).then(|| Duration::from_secs(u64::from(seconds)));
    }

    /// A new connection starts at `now`: both reference times are `now`, no PINGREQ outstanding.
    pub fn start(&mut self, now: Instant) {
        self.refs = Some((now, now));
        self.ping_outstanding = false;
    }

    /// The connection ended: no deadline any more.
    pub fn stop(&mut self) {
        self.refs = None;
        self.ping_outstanding = false;
    }

    /// Bytes were queued for output at `now`.
    pub fn on_output(&mut self, now: Instant) {
        if let Some((out, _)) = &mut self.refs {
            *out = now;
        }
    }

    /// A packet was received at `now`.
    pub fn on_input(&mut self, now: Instant) {
        if let Some((_, input)) = &mut self.refs {
            *input = now;
        }
    }

    /// A PINGREQ was queued at `now`: the PINGRESP is due within one interval.
    pub fn on_ping_sent(&mut self, now: Instant) {
        if self.refs.is_some() {
            self.refs = Some((now, now));
            self.ping_outstanding = true;
        }
    }

    /// The transport took bytes at `now` while a PINGREQ is outstanding. The PINGREQ may still sit
    /// behind a large message on its way out (queued is not sent): the broker cannot answer before
    /// it arrives, so the PINGRESP's interval starts again. A link that keeps taking bytes is slow,
    /// not dead; once everything is written the interval runs out as usual.
    pub fn on_output_written(&mut self, now: Instant) {
        if self.ping_outstanding && self.refs.is_some() {
            self.refs = Some((now, now));
        }
    }

    /// PINGRESP received.
    pub fn on_ping_response(&mut self) {
        self.ping_outstanding = false;
    }

    pub fn ping_outstanding(&self) -> bool {
        self.ping_outstanding
    }

    /// The next deadline, if keepalive is enabled and a connection is running.
    pub fn deadline(&self) -> Option<Instant> {
        let interval = self.interval?;
        let (out, input) = self.refs?;
        out.min(input).checked_add(interval)
    }

    /// Which timer, if any, has expired at `now`. `connected`: CONNACK 0 was received.
    pub fn expired(&self, now: Instant, connected: bool) -> Option<Timer> {
        let deadline = self.deadline()?;
        if now < deadline {
            None
        } else if !connected {
            Some(Timer::ConnAck)
        } else if self.ping_outstanding {
            Some(Timer::PingResp)
        } else {
            Some(Timer::PingReq)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_has_no_deadline() {
        let mut ka = Keepalive::new(0);
        let t0 = Instant::now();
        ka.start(t0);
        assert_eq!(ka.deadline(), None);
        assert_eq!(ka.expired(t0 + Duration::from_secs(100_000), true), None);
    }

    #[test]
    fn deadline_is_the_earlier_reference_plus_interval() {
        let mut ka = Keepalive::new(10);
        let t0 = Instant::now();
        assert_eq!(ka.deadline(), None, "not started");
        ka.start(t0);
        assert_eq!(ka.deadline(), Some(t0 + Duration::from_secs(10)));
        ka.on_output(t0 + Duration::from_secs(4));
        assert_eq!(
            ka.deadline(),
            Some(t0 + Duration::from_secs(10)),
            "input is older"
        );
        ka.on_input(t0 + Duration::from_secs(6));
        assert_eq!(ka.deadline(), Some(t0 + Duration::from_secs(14)));
        assert_eq!(ka.expired(t0 + Duration::from_secs(13), true), None);
        assert_eq!(
            ka.expired(t0 + Duration::from_secs(14), true),
            Some(Timer::PingReq)
        );
        assert_eq!(
            ka.expired(t0 + Duration::from_secs(14), false),
            Some(Timer::ConnAck)
        );
        ka.on_ping_sent(t0 + Duration::from_secs(14));
        assert_eq!(ka.deadline(), Some(t0 + Duration::from_secs(24)));
        assert_eq!(
            ka.expired(t0 + Duration::from_secs(24), true),
            Some(Timer::PingResp)
        );
        ka.on_ping_response();
        assert_eq!(
            ka.expired(t0 + Duration::from_secs(24), true),
            Some(Timer::PingReq)
        );
        ka.stop();
        assert_eq!(ka.deadline(), None);
    }

    #[test]
    fn bytes_written_behind_an_outstanding_pingreq_postpone_the_pingresp_deadline() {
        let mut ka = Keepalive::new(5);
        let t0 = Instant::now();
        ka.start(t0);
        // Without a PINGREQ outstanding, writing does not count (the queueing did).
        ka.on_output_written(t0 + Duration::from_secs(3));
        assert_eq!(ka.deadline(), Some(t0 + Duration::from_secs(5)));
        ka.on_ping_sent(t0 + Duration::from_secs(5));
        ka.on_output_written(t0 + Duration::from_secs(8));
        assert_eq!(ka.deadline(), Some(t0 + Duration::from_secs(13)));
        assert_eq!(ka.expired(t0 + Duration::from_secs(12), true), None);
        assert_eq!(
            ka.expired(t0 + Duration::from_secs(13), true),
            Some(Timer::PingResp)
        );
    }

    #[test]
    fn server_keep_alive_replaces_the_interval() {
        let mut ka = Keepalive::new(60);
        let t0 = Instant::now();
        ka.start(t0);
        ka.on_input(t0 + Duration::from_secs(1));
        ka.set_interval(5);
        assert_eq!(ka.deadline(), Some(t0 + Duration::from_secs(5)));
        ka.set_interval(0);
        assert_eq!(ka.deadline(), None, "0 disables keepalive");
        assert_eq!(ka.expired(t0 + Duration::from_secs(1000), true), None);
    }
}
