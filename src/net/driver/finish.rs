//! The end of a run in the driver: the last bytes to the broker, one step at a time ([`Drain`]; the
//! session decides when a link that takes nothing is dead), and the last output to stdout.

use std::io::ErrorKind;
use std::time::Instant;

use super::super::transport::Stream;
use super::{Driver, SIGNALS, SOCKET};

/// What one step of [`Driver::drain`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drain {
    /// Bytes not written yet (0: everything was handed to the socket).
    pub unsent: usize,
    /// The socket took bytes during this step.
    pub progressed: bool,
    /// The transport failed: the `unsent` bytes will never be written.
    pub failed: bool,
    /// SIGINT or SIGTERM arrived (only after [`Driver::watch_signals`]).
    pub signalled: bool,
}

impl Driver {
    /// One step of the final write of a run (after our DISCONNECT): writes what the socket takes;
    /// if it took nothing, waits until it can take more, a signal arrives or `deadline` passes, and
    /// writes again. What the broker sends meanwhile is read and dropped (unread bytes
    /// would make closing the socket reset the connection and discard what the kernel still holds
    /// for the broker). The caller decides how long a link that takes nothing is given
    /// (`app::session`), then calls [`Driver::close_stream`].
    pub fn drain(&mut self, deadline: Option<Instant>) -> Drain {
        let before = self.unsent_len();
        let mut step = Drain {
            unsent: before,
            ..Drain::default()
        };
        if self.stream.is_none() {
            // The transport is gone: whatever is left will never be written.
            step.failed = before > 0;
            return step;
        }
        // Wait only when the socket took nothing: progress is reported when it happens.
        if self.write_some() && !self.is_flushed() && self.unsent_len() == before {
            let timeout = deadline.map(|at| at.saturating_duration_since(self.now()));
            if self.poll_events(timeout).is_err() {
                self.fail_transport();
            }
            let mut readable = false;
            for event in self.events.iter() {
                match event.token() {
                    SOCKET if event.is_readable() || event.is_read_closed() => readable = true,
                    SIGNALS => step.signalled = true,
                    _ => {}
                }
            }
            if step.signalled
                && let Some(pipe) = &self.signals
            {
                pipe.drain();
            }
            if readable {
                self.discard_input();
            }
            if self.stream.is_some() {
                self.write_some();
            }
        }
        if self.stream.is_none() {
            step.failed = true;
            step.unsent = self.lost_on_failure.max(1);
        } else {
            step.unsent = self.unsent_len();
        }
        step.progressed = step.unsent < before;
        step
    }

    /// Bytes not yet handed to the socket: the write queue, what the client still holds, and
    /// (counted as one byte, the amount is rustls's secret) what a TLS layer holds.
    pub(super) fn unsent_len(&self) -> usize {
        let tls = self.stream.as_ref().is_some_and(Stream::wants_write);
        self.write_queue.len() + self.client.pending_output_len() + usize::from(tls)
    }

    /// Reads and drops what the broker sent after our DISCONNECT (the client no longer reads).
    fn discard_input(&mut self) {
        while let Some(stream) = self.stream.as_mut() {
            match stream.read(&mut self.read_chunk) {
                // The broker closed its side: writing on will show whether it still listens.
                Ok(0) => return,
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) if err.kind() == ErrorKind::WouldBlock => return,
                Err(_) => {
                    self.fail_transport();
                    return;
                }
            }
        }
    }

    /// The end of a run: writes what stdout has not taken yet, waiting for it as long as its
    /// reader needs unless SIGINT/SIGTERM arrives (with `hurry`: only what it takes now). Returns
    /// how many bytes were dropped.
    pub fn finish_output(&mut self, hurry: bool) -> usize {
        let dropped = if hurry {
            self.output.flush();
            self.output.discard_unwritten()
        } else {
            let interrupt = self.signals.as_ref().map(|pipe| pipe.read_fd);
            let left = self.output.flush_all(interrupt);
            self.output.discard_unwritten().max(left)
        };
        if let Some(pipe) = &self.signals {
            pipe.drain();
        }
        dropped
    }
}
