//! Where the message printer writes: [`Sink`], taking the output piece by piece.
//!
//! The printer never builds a message in memory. mosquitto_sub writes each piece with `printf`, so
//! `%2147483647t` makes 2 GiB of spaces stream out through stdio's 4 KiB buffer; building that line
//! first cost us 2 GiB (and aborted where the allocation failed), and `%x` of a 50 MB payload held the
//! 100 MB of hex before writing any. Through a [`Sink`], padding goes out in pieces of at most
//! [`PAD_PIECE`] bytes and hex in pieces of [`HEX_PIECE`]; [`OutputSink`] writes stdout's buffer out
//! whenever it is large, so a message of any size costs a bounded amount of memory.

use super::stdout::{CONGESTION_HIGH_WATER, Output};

/// The largest piece of padding written at once.
pub const PAD_PIECE: usize = 8 * 1024;
/// The largest piece of hexadecimal text (`%x`, `%X`) written at once.
pub const HEX_PIECE: usize = 8 * 1024;
/// Pieces at least this long (a large payload, a long run of a JSON string) are written to stdout
/// directly rather than copied into its buffer first.
pub const DIRECT_MIN: usize = 64 * 1024;
/// A piece written straight through goes out in slices of at most this many bytes, so that a
/// non-blocking stdout never holds more than about this much of it.
pub const DIRECT_SLICE: usize = 1024 * 1024;

/// Takes a message's bytes in order, piece by piece.
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);

    fn put_byte(&mut self, byte: u8) {
        self.put(std::slice::from_ref(&byte));
    }

    /// Appends `count` copies of `byte`, in pieces of at most [`PAD_PIECE`] bytes.
    fn put_repeated(&mut self, byte: u8, count: usize) {
        if count <= 16 {
            // The common small width: no piece to fill first.
            for _ in 0..count {
                self.put_byte(byte);
            }
            return;
        }
        let piece = [byte; PAD_PIECE];
        let mut left = count;
        while left > 0 {
            let n = left.min(PAD_PIECE);
            self.put(&piece[..n]);
            left -= n;
        }
    }
}

/// Collects everything (tests, and small texts such as a formatted time).
impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn put_byte(&mut self, byte: u8) {
        self.push(byte);
    }

    fn put_repeated(&mut self, byte: u8, count: usize) {
        self.resize(self.len() + count, byte);
    }
}

/// Streams one message into the stdout [`Output`]: pieces are appended to its buffer, which is
/// written out ([`Output::flush`]) as soon as it holds [`DIRECT_MIN`] bytes (the size at which
/// `Output::flush_if_large` writes it between messages), and a piece of [`DIRECT_MIN`] bytes or
/// more is written straight through ([`Output::write_unbuffered`]), in slices of at most
/// [`DIRECT_SLICE`]. A blocking stdout takes each write in full; a non-blocking one (rsub with a
/// pipe) keeps what it did not take, so once a message has written out [`CONGESTION_HIGH_WATER`]
/// bytes itself, the sink waits for room after each write ([`Output::make_room`], interrupted by a
/// signal) while too much waits: either way a message of any size costs a bounded amount of memory.
pub struct OutputSink<'a> {
    output: &'a mut Output,
    /// Where this message starts in the output buffer, while none of it has been written out.
    start: Option<usize>,
    /// Bytes of this message written out so far.
    streamed: usize,
}

impl<'a> OutputSink<'a> {
    pub fn new(output: &'a mut Output) -> OutputSink<'a> {
        let start = Some(output.buffer().len());
        OutputSink {
            output,
            start,
            streamed: 0,
        }
    }

    /// Where the message starts in the output buffer; `None` once part of it has been written out
    /// (a message larger than the buffer).
    pub fn unwritten_start(&self) -> Option<usize> {
        self.start
    }
}

impl OutputSink<'_> {
    /// A piece too large to copy: written straight through.
    #[cold]
    #[inline(never)]
    fn put_direct(&mut self, bytes: &[u8]) {
        for slice in bytes.chunks(DIRECT_SLICE) {
            self.output.write_unbuffered(slice);
            self.streamed += slice.len();
            self.make_room();
        }
        self.start = None;
    }

    /// The buffer holds [`DIRECT_MIN`] bytes or more: written out, so it never holds much more than
    /// that plus one piece, whatever the message.
    #[cold]
    #[inline(never)]
    fn write_out(&mut self) {
        self.streamed += self.output.buffer().len();
        self.output.flush();
        self.make_room();
        self.start = None;
    }

    /// Only a message that by itself fills what a stalled stdout may hold waits for room here: the
    /// session loop stops reading the broker while stdout is congested, so smaller messages never
    /// wait inside the printer, and `-W` and the other deadlines are honoured between them.
    fn make_room(&mut self) {
        if self.streamed >= CONGESTION_HIGH_WATER {
            self.output.make_room();
        }
    }
}

// Every piece of every message goes through here: the common path is an append and a comparison,
// inlined into the printer (the rare paths are out of line).
impl Sink for OutputSink<'_> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        if bytes.len() >= DIRECT_MIN {
            return self.put_direct(bytes);
        }
        let buffer = self.output.buffer();
        buffer.extend_from_slice(bytes);
        if buffer.len() >= DIRECT_MIN {
            self.write_out();
        }
    }

    #[inline(always)]
    fn put_byte(&mut self, byte: u8) {
        let buffer = self.output.buffer();
        buffer.push(byte);
        if buffer.len() >= DIRECT_MIN {
            self.write_out();
        }
    }
}

/// Counts what it is given and keeps only the first `keep` bytes: lets tests check a message of
/// gigabytes, and the largest piece the printer hands over at once.
#[cfg(test)]
pub struct CountingSink {
    pub len: u64,
    pub largest_piece: usize,
    pub kept: Vec<u8>,
    keep: usize,
}

#[cfg(test)]
impl CountingSink {
    pub fn keeping(keep: usize) -> CountingSink {
        CountingSink {
            len: 0,
            largest_piece: 0,
            kept: Vec::new(),
            keep,
        }
    }
}

#[cfg(test)]
impl Sink for CountingSink {
    fn put(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        self.largest_piece = self.largest_piece.max(bytes.len());
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }
}

#[cfg(test)]
mod tests;
