//! The one buffered stdout writer shared by `-d` lines and printed messages.
//!
//! For rsub (whose loop watches signals, [`Output::never_block`]), a pipe or socket stdout is
//! written without blocking: a reader that stops reading
//! (`rsub ... | sleep 60`) must not stop the event loop, which still has to honour `-W`, SIGINT and
//! SIGTERM as mosquitto_sub does. What the pipe does not take waits in [`Output`] (the driver
//! stops reading the broker while too much waits, see [`Output::is_congested`]) and is written
//! when the pipe has room again; at the end of a normal run it is written in full, however long
//! the reader takes ([`Output::flush_all`]). Terminals, files and `/dev/null` are written as
//! before, with plain blocking writes.

use std::io::{self, Write};
use std::os::fd::RawFd;

/// Buffered stdout bytes that trigger a write even while more input is ready.
const OUTPUT_HIGH_WATER: usize = 64 * 1024;

/// Bytes waiting for a non-blocking stdout beyond which the driver stops reading the broker: what
/// a stalled reader can make us hold, plus one turn's worth of messages (docs/decisions.md,
/// "Resource limits").
pub const CONGESTION_HIGH_WATER: usize = 1024 * 1024;

const STDOUT: RawFd = 1;
const STDERR: RawFd = 2;

/// The one buffered stdout writer shared by `-d` lines and printed messages, so their relative order is
/// exactly the order in which they were produced.
pub struct Output {
    buffer: Vec<u8>,
    /// Bytes stdout would not take yet (non-blocking stdout only), from `pending_pos` on; they come
    /// before `buffer`.
    pending: Vec<u8>,
    pending_pos: usize,
    broken: bool,
    sink: Sink,
    /// A descriptor that becomes readable on SIGINT/SIGTERM: waiting for room stops there.
    interrupt: Option<RawFd>,
    /// A wait for room inside one message was interrupted: the rest of what is written is dropped
    /// (counted here) instead of held, and the run is ending.
    discarding: bool,
    dropped: usize,
    /// The most bytes handed to one write (tests check how much output is held back).
    #[cfg(test)]
    largest_write: usize,
}

/// Where flushed bytes go.
enum Sink {
    /// stdout, with blocking writes.
    Stdout,
    /// stdout is a pipe or a socket, switched to non-blocking; `flags` are its file status flags
    /// before that, restored when the output is dropped (the pipe may outlive us).
    NonBlocking { flags: libc::c_int },
    /// Kept in memory (the session loop's tests read what a role printed); `room`: how many more
    /// bytes it takes before it "would block" (`None`: unlimited).
    Memory { kept: Vec<u8>, room: Option<usize> },
}

impl Output {
    /// The process's stdout, written with blocking writes (see [`Output::never_block`]).
    pub fn new() -> Output {
        Output {
            buffer: Vec::with_capacity(OUTPUT_HIGH_WATER),
            pending: Vec::new(),
            pending_pos: 0,
            broken: false,
            sink: Sink::Stdout,
            interrupt: None,
            discarding: false,
            dropped: 0,
            #[cfg(test)]
            largest_write: 0,
        }
    }

    /// From now on a pipe or socket stdout is written without blocking (for a loop that must stay
    /// responsive to signals and deadlines whatever the reader does). Terminals and files stay
    /// blocking.
    pub fn never_block(&mut self) {
        if matches!(self.sink, Sink::Stdout) {
            self.flush();
            self.sink = nonblocking_stdout_sink();
        }
    }

    /// `fd` becomes readable when SIGINT or SIGTERM arrives: [`Output::make_room`] stops waiting
    /// then.
    pub fn set_interrupt(&mut self, fd: RawFd) {
        self.interrupt = Some(fd);
    }

    /// Inside one message (rsub's streaming `-F` output, a large payload): while
    /// [`CONGESTION_HIGH_WATER`] bytes or more wait for a non-blocking stdout, waits for it to take
    /// some, so a message of any size costs a bounded amount of memory even when the reader is
    /// slower than the formatter. A signal ends the wait: the rest of the message is then dropped
    /// (and counted, see [`Output::discard_unwritten`]) and the loop ends the run on that signal.
    pub fn make_room(&mut self) {
        while !self.discarding && self.is_congested() {
            let Some(fd) = self.waits_on() else {
                // Blocking and in-memory outputs never hold bytes back.
                return;
            };
            if !wait_writable(fd, self.interrupt) {
                self.discarding = true;
                return;
            }
            self.flush();
        }
    }

    /// An output that keeps what is flushed, for [`Output::written`].
    pub fn in_memory() -> Output {
        Output {
            buffer: Vec::new(),
            pending: Vec::new(),
            pending_pos: 0,
            broken: false,
            sink: Sink::Memory {
                kept: Vec::new(),
                room: None,
            },
            interrupt: None,
            discarding: false,
            dropped: 0,
            #[cfg(test)]
            largest_write: 0,
        }
    }

    /// An in-memory output like a pipe whose reader takes `room` bytes and then stops reading.
    pub fn in_memory_stalling_after(room: usize) -> Output {
        let mut output = Output::in_memory();
        output.sink = Sink::Memory {
            kept: Vec::new(),
            room: Some(room),
        };
        output
    }

    /// Everything flushed so far by an [`Output::in_memory`] (empty for stdout).
    pub fn written(&self) -> &[u8] {
        match &self.sink {
            Sink::Memory { kept, .. } => kept,
            Sink::Stdout | Sink::NonBlocking { .. } => &[],
        }
    }

    /// The most bytes handed to one write so far (how much output was held in the buffer).
    #[cfg(test)]
    pub fn largest_write(&self) -> usize {
        self.largest_write
    }

    /// The file descriptor the driver waits on for room while bytes are pending (`None`: writes
    /// never wait for room, or nothing is pending).
    pub fn waits_on(&self) -> Option<RawFd> {
        match self.sink {
            Sink::NonBlocking { .. } if self.has_pending() => Some(STDOUT),
            _ => None,
        }
    }

    /// Where to append output.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }

    /// Writes what is buffered, as far as stdout takes it without blocking (all of it for a
    /// blocking stdout). A failed write (closed pipe) marks the output broken and drops it.
    pub fn flush(&mut self) {
        if self.has_pending() && !self.write_pending() {
            // Order: the buffer waits behind what is pending.
            self.pend_buffer();
            return;
        }
        if self.buffer.is_empty() {
            return;
        }
        let buffer = std::mem::take(&mut self.buffer);
        if !self.broken {
            let written = self.write(&buffer);
            if written < buffer.len() && !self.broken {
                self.pend(&buffer[written..]);
            }
        }
        self.buffer = buffer;
        self.buffer.clear();
    }

    /// Writes `bytes` straight to stdout after what is buffered, without copying them into the buffer:
    /// for large payloads, which would otherwise be resident twice. Order and broken-pipe handling are
    /// those of [`Output::flush`]; what a non-blocking stdout does not take is kept (copied) until it
    /// does.
    pub fn write_unbuffered(&mut self, bytes: &[u8]) {
        self.flush();
        if self.broken || bytes.is_empty() {
            return;
        }
        if self.has_pending() {
            self.pend(bytes);
            return;
        }
        let written = self.write(bytes);
        if written < bytes.len() && !self.broken {
            self.pend(&bytes[written..]);
        }
    }

    /// Flushes if enough has accumulated (used while input keeps arriving).
    pub fn flush_if_large(&mut self) {
        if self.buffer.len() >= OUTPUT_HIGH_WATER {
            self.flush();
        }
    }

    /// So much waits for a stdout that takes nothing that no more should be read from the broker
    /// until it drains.
    pub fn is_congested(&self) -> bool {
        self.pending.len() - self.pending_pos >= CONGESTION_HIGH_WATER
    }

    /// Bytes accepted for stdout that it has not taken yet (pending and buffered).
    pub fn unwritten_len(&self) -> usize {
        if self.broken {
            return 0;
        }
        self.pending.len() - self.pending_pos + self.buffer.len()
    }

    /// The end of a run: writes everything accepted, waiting for a non-blocking stdout to take it
    /// for as long as its reader needs, unless `interrupt` (a file descriptor that becomes readable
    /// on SIGINT/SIGTERM) says to stop. Returns how many bytes were not written (0 when stdout is
    /// broken: nobody reads them).
    pub fn flush_all(&mut self, interrupt: Option<RawFd>) -> usize {
        loop {
            self.flush();
            let left = self.unwritten_len();
            if left == 0 {
                return 0;
            }
            let Some(fd) = self.waits_on() else {
                // An in-memory output that takes nothing more.
                return left;
            };
            if !wait_writable(fd, interrupt) {
                return left;
            }
        }
    }

    /// Drops what stdout has not taken (a run that ends at once, on a signal or `-W`). Returns how
    /// many bytes were dropped.
    pub fn discard_unwritten(&mut self) -> usize {
        let left = self.unwritten_len() + std::mem::take(&mut self.dropped);
        self.pending.clear();
        self.pending_pos = 0;
        self.buffer.clear();
        left
    }

    /// stdout could not be written (e.g. the reading end of a pipe went away).
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    fn has_pending(&self) -> bool {
        self.pending_pos < self.pending.len()
    }

    /// Writes what is pending; true when all of it was written.
    fn write_pending(&mut self) -> bool {
        let pending = std::mem::take(&mut self.pending);
        let written = if self.broken {
            pending.len() - self.pending_pos
        } else {
            self.write(&pending[self.pending_pos..])
        };
        self.pending = pending;
        self.pending_pos += written;
        if self.broken || self.pending_pos == self.pending.len() {
            self.pending.clear();
            self.pending_pos = 0;
            return true;
        }
        false
    }

    fn pend(&mut self, bytes: &[u8]) {
        if self.discarding {
            self.dropped += bytes.len();
            return;
        }
        if self.pending_pos > 0 && self.pending_pos * 2 >= self.pending.len() {
            self.pending.drain(..self.pending_pos);
            self.pending_pos = 0;
        }
        self.pending.extend_from_slice(bytes);
    }

    fn pend_buffer(&mut self) {
        if self.broken {
            self.buffer.clear();
            return;
        }
        let buffer = std::mem::take(&mut self.buffer);
        self.pend(&buffer);
        self.buffer = buffer;
        self.buffer.clear();
    }

    /// Writes as much of `bytes` as the sink takes now (all of it when it blocks); marks the
    /// output broken when writing fails. Returns how many bytes were written.
    fn write(&mut self, bytes: &[u8]) -> usize {
        #[cfg(test)]
        {
            self.largest_write = self.largest_write.max(bytes.len());
        }
        match &mut self.sink {
            Sink::Stdout => {
                if write_stdout(bytes) {
                    bytes.len()
                } else {
                    self.broken = true;
                    0
                }
            }
            Sink::NonBlocking { .. } => match write_nonblocking(STDOUT, bytes) {
                Ok(written) => written,
                Err(_) => {
                    self.broken = true;
                    0
                }
            },
            Sink::Memory { kept, room } => {
                let taken = room.map_or(bytes.len(), |room| room.min(bytes.len()));
                kept.extend_from_slice(&bytes[..taken]);
                if let Some(room) = room {
                    *room -= taken;
                }
                taken
            }
        }
    }
}

impl Default for Output {
    fn default() -> Self {
        Output::new()
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Sink::NonBlocking { flags } = self.sink {
            // SAFETY: F_SETFL on our own stdout with the flags it had.
            unsafe {
                libc::fcntl(STDOUT, libc::F_SETFL, flags);
            }
        }
    }
}

/// Non-blocking for a pipe or a socket (their readers can stall us); blocking for the rest: a
/// terminal's file description is shared with the shell, which must not find it non-blocking, and
/// files never block.
fn nonblocking_stdout_sink() -> Sink {
    // SAFETY: fstat fills the zeroed struct for our own descriptor; fcntl only reads and sets
    // file status flags.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(STDOUT, &mut stat) != 0 {
            return Sink::Stdout;
        }
        let kind = stat.st_mode & libc::S_IFMT;
        if kind != libc::S_IFIFO && kind != libc::S_IFSOCK {
            return Sink::Stdout;
        }
        let flags = libc::fcntl(STDOUT, libc::F_GETFL);
        if flags < 0 || libc::fcntl(STDOUT, libc::F_SETFL, flags | libc::O_NONBLOCK) != 0 {
            return Sink::Stdout;
        }
        Sink::NonBlocking { flags }
    }
}

/// Writes `bytes` to stdout in full; false if stdout failed (e.g. a closed pipe).
fn write_stdout(bytes: &[u8]) -> bool {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(bytes).and_then(|()| lock.flush()).is_ok()
}

/// Writes as much of `bytes` to `fd` as it takes without blocking.
fn write_nonblocking(fd: RawFd, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        let rest = &bytes[written..];
        // SAFETY: writing from a valid slice of the stated length to our own descriptor.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n >= 0 {
            written += n as usize;
            continue;
        }
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::Interrupted => {}
            io::ErrorKind::WouldBlock => break,
            _ => return Err(err),
        }
    }
    Ok(written)
}

/// Waits until `fd` can take bytes; false if `interrupt` became readable first (or waiting failed).
fn wait_writable(fd: RawFd, interrupt: Option<RawFd>) -> bool {
    let mut fds = [
        libc::pollfd {
            fd,
            events: libc::POLLOUT,
            revents: 0,
        },
        libc::pollfd {
            fd: interrupt.unwrap_or(-1),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    loop {
        // SAFETY: `fds` is a valid array of two pollfd (a negative fd is ignored by poll).
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return false;
        }
        return fds[1].revents == 0;
    }
}

/// stderr as an [`io::Write`] for writers that take one (`--trace -`): every write goes through
/// [`write_stderr`], so it waits for room when stderr shares rsub's non-blocking pipe (`2>&1 |`)
/// instead of failing with `WouldBlock`.
pub struct StderrWriter;

impl Write for StderrWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write_stderr(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes `bytes` to stderr in full, errors ignored (there is nowhere left to report them). When
/// stderr shares a pipe with stdout (`2>&1 |`) it is non-blocking too: wait for room rather than
/// lose an error message.
pub fn write_stderr(bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        match write_nonblocking(STDERR, rest) {
            Ok(0) => {
                if !wait_writable(STDERR, None) {
                    return;
                }
            }
            Ok(n) => rest = &rest[n..],
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_stalled_reader_does_not_take_waits_in_order_and_is_written_later() {
        let mut output = Output::in_memory_stalling_after(4);
        output.buffer().extend_from_slice(b"hello\n");
        output.flush();
        assert_eq!(output.written(), b"hell");
        output.write_unbuffered(b"large payload");
        output.buffer().extend_from_slice(b"\n");
        output.flush();
        assert_eq!(output.unwritten_len(), 2 + 13 + 1);
        assert!(!output.is_congested());
        // The reader takes everything again.
        output.sink = Sink::Memory {
            kept: b"hell".to_vec(),
            room: None,
        };
        assert_eq!(output.flush_all(None), 0);
        assert_eq!(output.written(), b"hello\nlarge payload\n");
    }

    #[test]
    fn a_stalled_reader_congests_the_output_at_the_high_water_mark() {
        let mut output = Output::in_memory_stalling_after(0);
        output.write_unbuffered(&vec![b'x'; CONGESTION_HIGH_WATER - 1]);
        assert!(!output.is_congested());
        output.buffer().push(b'y');
        output.flush();
        assert!(output.is_congested());
        assert_eq!(output.flush_all(None), CONGESTION_HIGH_WATER);
        assert_eq!(output.discard_unwritten(), CONGESTION_HIGH_WATER);
        assert_eq!(output.unwritten_len(), 0);
        assert!(!output.is_congested());
    }
}
