//! The end of a run: the final write to the broker (for as long as the link lives, the
//! keepalive deciding when it is dead: [`DrainWatch`]) and to stdout.

use std::time::{Duration, Instant};

use super::{Link, Session};
use crate::exit::{self, Failure};
use crate::trace::TraceRecord;

impl<L: Link> Session<L> {
    /// Writes what stdout has not taken yet (see [`Link::finish_output`]); says so on stderr when
    /// some of it had to be dropped.
    pub(super) fn finish_output(&mut self) {
        let dropped = self.link.finish_output(self.hurried);
        if dropped > 0 {
            exit::print_error(
                self.link.output(),
                &exit::output_dropped_line(dropped),
                self.quiet,
            );
        }
    }

    /// Writes what is still queued (our DISCONNECT, and before it whatever the socket has not taken
    /// yet: the tail of a large QoS 0 message) for as long as the link is alive. An error when
    /// bytes other than the DISCONNECT could not be written: nothing accepted is dropped silently.
    pub(super) fn write_remaining(&mut self) -> Result<(), Failure> {
        let goodbye = self.link.client_ref().disconnect_len();
        let mut watch = DrainWatch::new(self.link.client_ref().keep_alive(), self.now());
        let end = loop {
            let deadline = if self.hurried {
                Some(self.now())
            } else {
                watch.deadline()
            };
            let step = self.link.drain(deadline);
            let now = self.now();
            if step.unsent == 0 {
                return Ok(());
            }
            if step.failed {
                break DrainEnd::Failed(step.unsent);
            }
            if step.signalled || (self.hurried && !step.progressed) {
                // rsub: a signal while the last bytes wait (the broker takes nothing): leave.
                break DrainEnd::Interrupted(step.unsent);
            }
            if step.progressed {
                watch.progressed(now);
            } else if watch.is_stalled(now) {
                break DrainEnd::Stalled(step.unsent);
            }
        };
        if end.unsent() <= goodbye {
            // Only (part of) our DISCONNECT is lost: the broker sees a lost connection, nothing of
            // the user's is missing.
            return Ok(());
        }
        self.record(TraceRecord::Unsent {
            bytes: end.unsent() - goodbye,
            stalled_for: match end {
                DrainEnd::Stalled(_) => watch.interval,
                _ => None,
            },
        });
        match end {
            DrainEnd::Stalled(_) => Err(exit::drain_stalled()),
            DrainEnd::Failed(_) => Err(exit::drain_failed()),
            DrainEnd::Interrupted(_) => Ok(()),
        }
    }
}

/// How the final write of a run ended when it did not write everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DrainEnd {
    /// The socket took nothing for a whole keepalive interval: the link is dead.
    Stalled(usize),
    /// The transport failed (the broker closed or reset the connection).
    Failed(usize),
    /// A signal cut the wait short.
    Interrupted(usize),
}

impl DrainEnd {
    fn unsent(self) -> usize {
        match self {
            DrainEnd::Stalled(bytes) | DrainEnd::Failed(bytes) | DrainEnd::Interrupted(bytes) => {
                bytes
            }
        }
    }
}

/// When the final write of a run gives up: never while the socket keeps taking bytes, however
/// slowly (a slow link is not a dead one, and no fixed limit may cut a large message short); after
/// a whole keepalive interval in which it took none. That is the keepalive's verdict on a broker
/// that stopped reading, as mosquitto_pub's keepalive gives it (it exits 19 there too); with `-k 0`
/// nothing decides that the link is dead, and the write waits as long as mosquitto's would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainWatch {
    /// The keepalive interval; `None`: keepalive disabled.
    interval: Option<Duration>,
    /// When the socket last took bytes (or the write started).
    last_progress: Instant,
}

impl DrainWatch {
    /// A watch for a write starting at `now` on a connection with a keepalive of `keep_alive`
    /// seconds (0: disabled).
    pub fn new(keep_alive: u16, now: Instant) -> DrainWatch {
        DrainWatch {
            interval: (keep_alive != 0).then(|| Duration::from_secs(u64::from(keep_alive))),
            last_progress: now,
        }
    }

    /// The socket took bytes at `now`.
    pub fn progressed(&mut self, now: Instant) {
        self.last_progress = now;
    }

    /// When the link counts as dead if the socket takes nothing until then.
    pub fn deadline(&self) -> Option<Instant> {
        self.interval.map(|interval| self.last_progress + interval)
    }

    pub fn is_stalled(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|at| now >= at)
    }
}
