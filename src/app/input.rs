//! rpub's input: the message read from `-f`/`-s` before connecting, and the lines of `-l` as they
//! arrive on stdin.
//!
//! Every input is bounded while it is read, never after: `-f` and `-s` read at most one byte more
//! than the largest payload (so `-f /dev/zero` stops at 256 MiB instead of exhausting memory), and
//! `-l` holds at most one line of that size plus one stdin chunk. Splitting lines costs time linear
//! in the input: each byte is searched for `\n` once, however many chunks a line spans.

use std::io::{self, ErrorKind, Read};
use std::path::Path;

use crate::cli::config::MessageSource;
use crate::exit::{self, Failure};
use crate::net::{ChunkSource, StdinChunk};

/// Splits stdin into lines as mosquitto_pub `-l` does: the payload is the line without its `\n` (a
/// `\r` is kept), empty lines are messages too, and a last line without `\n` is still published.
pub struct LineReader<S: ChunkSource> {
    feed: S,
    buffer: Vec<u8>,
    /// Where the unread part of `buffer` starts.
    start: usize,
    /// `buffer[start..scanned]` holds no `\n`: when a chunk arrives only the new bytes are searched
    /// (searching the whole unread part again made a 16 MB line cost 4.8 s of CPU, issue 13).
    scanned: usize,
    /// The longest line that can be published (a longer one cannot be a message).
    limit: usize,
    state: FeedState,
    /// Bytes searched for `\n` so far: the test hook that proves the search linear.
    #[cfg(test)]
    searched: usize,
}

/// Whether more input may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FeedState {
    Open,
    /// The feed ended: what is buffered is the rest of the input.
    Drained,
    /// Reading failed or a line was too long: nothing more is returned.
    Stopped,
}

/// What [`LineReader::next_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum NextLine {
    Line(Vec<u8>),
    /// No complete line yet; the feed's waker fires when more input is ready.
    Pending,
    /// The input ended (and every line was returned). Also returned after `Failed` and `TooLong`.
    Eof,
    /// Reading stdin failed (e.g. stdin is a directory: `read` fails with EISDIR on every call).
    Failed,
    /// A line longer than the largest payload: it cannot be published, and is not read further.
    TooLong,
}

impl<S: ChunkSource> LineReader<S> {
    pub fn new(feed: S) -> LineReader<S> {
        LineReader::with_limit(feed, exit::MAX_INPUT_LEN)
    }

    /// A reader whose lines may be at most `limit` bytes long (tests use small limits).
    pub fn with_limit(feed: S, limit: usize) -> LineReader<S> {
        LineReader {
            feed,
            buffer: Vec::new(),
            start: 0,
            scanned: 0,
            limit,
            state: FeedState::Open,
            #[cfg(test)]
            searched: 0,
        }
    }

    pub fn next_line(&mut self) -> NextLine {
        loop {
            if self.state == FeedState::Stopped {
                return NextLine::Eof;
            }
            if let Some(newline) = self.find_newline() {
                if newline - self.start > self.limit {
                    return self.stop(NextLine::TooLong);
                }
                return NextLine::Line(self.take_line(newline, newline + 1));
            }
            // The whole unread part is one line so far: it is already too long if it exceeds the
            // limit, whatever follows (mosquitto_pub would read all of it first, without bound).
            if self.buffer.len() - self.start > self.limit {
                return self.stop(NextLine::TooLong);
            }
            if self.state == FeedState::Drained {
                if self.start == self.buffer.len() {
                    return self.stop(NextLine::Eof);
                }
                let end = self.buffer.len();
                return NextLine::Line(self.take_line(end, end));
            }
            match self.feed.try_next() {
                StdinChunk::Data(chunk) => self.append(chunk),
                StdinChunk::Pending => return NextLine::Pending,
                StdinChunk::Eof => self.state = FeedState::Drained,
                StdinChunk::Failed(_) => return self.stop(NextLine::Failed),
            }
        }
    }

    /// Searches the bytes not searched yet; the position of the first `\n` after `start`.
    fn find_newline(&mut self) -> Option<usize> {
        let fresh = &self.buffer[self.scanned..];
        let found = fresh.iter().position(|&byte| byte == b'\n');
        let searched = found.map_or(fresh.len(), |at| at + 1);
        #[cfg(test)]
        {
            self.searched += searched;
        }
        match found {
            Some(at) => Some(self.scanned + at),
            None => {
                self.scanned += searched;
                None
            }
        }
    }

    /// Returns `buffer[start..end]` and moves the unread part to `next`.
    fn take_line(&mut self, end: usize, next: usize) -> Vec<u8> {
        let line_len = end - self.start;
        let rest_len = self.buffer.len() - next;
        let line = if self.start == 0 && rest_len <= line_len {
            // A long line: hand the buffer itself over and keep a copy of what follows (shorter), so
            // no byte is copied more than once.
            let rest = self.buffer[next..].to_vec();
            let mut line = std::mem::replace(&mut self.buffer, rest);
            line.truncate(end);
            self.start = 0;
            line
        } else {
            let line = self.buffer[self.start..end].to_vec();
            self.start = next;
            line
        };
        self.scanned = self.start;
        line
    }

    fn append(&mut self, chunk: Vec<u8>) {
        if self.start == self.buffer.len() {
            // Everything was read: the chunk becomes the buffer, without a copy.
            self.buffer = chunk;
            self.start = 0;
            self.scanned = 0;
            return;
        }
        if self.start > 0 {
            // Only the unfinished line is kept. It came after the last `\n`, so it is never longer
            // than the chunk that brought that `\n`: moving it costs no more than reading it.
            self.buffer.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        self.buffer.extend_from_slice(&chunk);
    }

    fn stop(&mut self, outcome: NextLine) -> NextLine {
        self.state = FeedState::Stopped;
        self.buffer = Vec::new();
        self.start = 0;
        self.scanned = 0;
        outcome
    }

    /// How many bytes the newline search has looked at so far.
    #[cfg(test)]
    pub fn searched(&self) -> usize {
        self.searched
    }
}

/// Reads the message named by `-f` or `-s` (the loader `cli::parse_pub_with` calls at the point
/// where mosquitto_pub reads it); other sources need no loading.
pub fn load_input(source: &MessageSource) -> Result<Option<Vec<u8>>, Failure> {
    match source {
        MessageSource::File(path) => load_file(path).map(Some),
        MessageSource::StdinWhole => load_stdin().map(Some),
        MessageSource::Message(_)
        | MessageSource::Null
        | MessageSource::StdinLines
        | MessageSource::JsonLines => Ok(None),
    }
}

/// `-f FILE`. A regular file larger than the limit is refused before reading, as mosquitto_pub does;
/// anything else (a FIFO, `/dev/stdin`, a device, a file in /proc that reports no size) is read up
/// to one byte past the limit. mosquitto_pub 2.0.11 takes the size from `fseek(SEEK_END)` instead,
/// so it refuses a FIFO ("Unable to determine size") and publishes `-f /dev/zero` as an empty
/// message (docs/decisions.md).
pub fn load_file(path: &Path) -> Result<Vec<u8>, Failure> {
    let mut file = std::fs::File::open(path).map_err(|_| exit::input_file_unopenable(path))?;
    // A directory opens fine but has no readable size; mosquitto reports it as too large.
    let metadata = file
        .metadata()
        .map_err(|_| exit::input_file_too_large(path))?;
    let size = if metadata.is_file() {
        metadata.len()
    } else {
        0
    };
    if metadata.is_dir() || size > exit::MAX_INPUT_LEN as u64 {
        return Err(exit::input_file_too_large(path));
    }
    read_bounded(&mut file, exit::MAX_INPUT_LEN, size as usize).map_err(|err| match err {
        BoundedReadError::TooLarge => exit::input_file_too_large(path),
        BoundedReadError::Io(err) => exit::input_file_unreadable(path, &err),
    })
}

/// `-s`: all of stdin as one message.
pub fn load_stdin() -> Result<Vec<u8>, Failure> {
    let payload =
        read_bounded(&mut io::stdin().lock(), exit::MAX_INPUT_LEN, 0).map_err(|err| match err {
            BoundedReadError::TooLarge => exit::stdin_too_large(),
            BoundedReadError::Io(_) => exit::stdin_unreadable(),
        })?;
    if payload.is_empty() {
        return Err(exit::stdin_empty());
    }
    Ok(payload)
}

/// Why [`read_bounded`] gave up.
#[derive(Debug)]
pub enum BoundedReadError {
    /// More than the limit arrived (only one byte more was read).
    TooLarge,
    Io(io::Error),
}

/// Reads `reader` to its end, or until it has given `limit + 1` bytes: then `TooLarge`, without
/// reading further. `expected` is the size the input says it has (0 if unknown): the buffer is
/// allocated for it at once.
pub fn read_bounded(
    reader: &mut impl Read,
    limit: usize,
    expected: usize,
) -> Result<Vec<u8>, BoundedReadError> {
    let mut payload = Vec::new();
    // One byte more than expected, so the read that finds the end needs no second allocation.
    payload
        .try_reserve_exact(expected.min(limit).saturating_add(1))
        .map_err(|_| BoundedReadError::Io(ErrorKind::OutOfMemory.into()))?;
    let bound = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(bound)
        .read_to_end(&mut payload)
        .map_err(BoundedReadError::Io)?;
    if payload.len() > limit {
        return Err(BoundedReadError::TooLarge);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests;
