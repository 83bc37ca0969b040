//! The one buffered stdout writer shared by `-d` lines and printed messages.

use std::io::{self, Write};

/// Buffered stdout bytes that trigger a write even while more input is ready.
const OUTPUT_HIGH_WATER: usize = 64 * 1024;

/// The one buffered stdout writer shared by `-d` lines and printed messages, so their relative order is
/// exactly the order in which they were produced.
pub struct Output {
    buffer: Vec<u8>,
    broken: bool,
    sink: Sink,
    /// The most bytes written at once (tests check how much output is held back).
    #[cfg(test)]
    largest_write: usize,
}

/// Where flushed bytes go.
enum Sink {
    Stdout,
    /// Kept in memory (the session loop's tests read what a role printed).
    Memory(Vec<u8>),
}

impl Output {
    pub fn new() -> Output {
        Output {
            buffer: Vec::with_capacity(OUTPUT_HIGH_WATER),
            broken: false,
            sink: Sink::Stdout,
            #[cfg(test)]
            largest_write: 0,
        }
    }

    /// An output that keeps what is flushed, for [`Output::written`].
    pub fn in_memory() -> Output {
        Output {
            buffer: Vec::new(),
            broken: false,
            sink: Sink::Memory(Vec::new()),
            #[cfg(test)]
            largest_write: 0,
        }
    }

    /// Everything flushed so far by an [`Output::in_memory`] (empty for stdout).
    pub fn written(&self) -> &[u8] {
        match &self.sink {
            Sink::Memory(bytes) => bytes,
            Sink::Stdout => &[],
        }
    }

    /// The most bytes written at once so far (how much output was held in the buffer).
    #[cfg(test)]
    pub fn largest_write(&self) -> usize {
        self.largest_write
    }

    /// Writes `bytes` in full; false if that failed (e.g. a closed pipe).
    fn write(&mut self, bytes: &[u8]) -> bool {
        #[cfg(test)]
        {
            self.largest_write = self.largest_write.max(bytes.len());
        }
        match &mut self.sink {
            Sink::Stdout => write_stdout(bytes),
            Sink::Memory(kept) => {
                kept.extend_from_slice(bytes);
                true
            }
        }
    }

    /// Where to append output.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }

    /// Writes what is buffered. A failed write (closed pipe) marks the output broken and drops it.
    pub fn flush(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let buffer = std::mem::take(&mut self.buffer);
        if !self.broken && !self.write(&buffer) {
            self.broken = true;
        }
        self.buffer = buffer;
        self.buffer.clear();
    }

    /// Writes `bytes` straight to stdout after what is buffered, without copying them into the buffer:
    /// for large payloads, which would otherwise be resident twice. Order and broken-pipe handling are
    /// those of [`Output::flush`].
    pub fn write_unbuffered(&mut self, bytes: &[u8]) {
        self.flush();
        if !self.broken && !bytes.is_empty() && !self.write(bytes) {
            self.broken = true;
        }
    }

    /// Flushes if enough has accumulated (used while input keeps arriving).
    pub fn flush_if_large(&mut self) {
        if self.buffer.len() >= OUTPUT_HIGH_WATER {
            self.flush();
        }
    }

    /// stdout could not be written (e.g. the reading end of a pipe went away).
    pub fn is_broken(&self) -> bool {
        self.broken
    }
}

impl Default for Output {
    fn default() -> Self {
        Output::new()
    }
}

/// Writes `bytes` to stdout in full; false if stdout failed (e.g. a closed pipe).
fn write_stdout(bytes: &[u8]) -> bool {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(bytes).and_then(|()| lock.flush()).is_ok()
}
