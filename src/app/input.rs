//! rpub's input: the message read from `-f`/`-s` before connecting, and the lines of `-l` as they
//! arrive on stdin.

use std::io::Read;
use std::path::Path;

use crate::cli::config::MessageSource;
use crate::exit::{self, Failure};
use crate::net::{ChunkSource, StdinChunk};

/// Splits stdin into lines as mosquitto_pub `-l` does: the payload is the line without its `\n` (a
/// `\r` is kept), empty lines are messages too, and a last line without `\n` is still published.
pub struct LineReader<S: ChunkSource> {
    feed: S,
    buffer: Vec<u8>,
    start: usize,
    /// Bytes from `start` on already known to hold no newline (a long line is scanned once).
    searched: usize,
    eof: bool,
}

pub enum NextLine {
    Line(Vec<u8>),
    Pending,
    Eof,
    Failed,
}

impl<S: ChunkSource> LineReader<S> {
    pub fn new(feed: S) -> LineReader<S> {
        LineReader {
            feed,
            buffer: Vec::new(),
            start: 0,
            searched: 0,
            eof: false,
        }
    }

    pub fn next_line(&mut self) -> NextLine {
        loop {
            let unread = &self.buffer[self.start..];
            if let Some(found) = unread[self.searched..]
                .iter()
                .position(|&byte| byte == b'\n')
            {
                let newline = self.searched + found;
                let line = unread[..newline].to_vec();
                self.start += newline + 1;
                self.searched = 0;
                return NextLine::Line(line);
            }
            self.searched = unread.len();
            if self.eof {
                if unread.is_empty() {
                    return NextLine::Eof;
                }
                let line = unread.to_vec();
                self.start = self.buffer.len();
                self.searched = 0;
                return NextLine::Line(line);
            }
            match self.feed.try_next() {
                StdinChunk::Data(chunk) => {
                    self.buffer.drain(..self.start);
                    self.start = 0;
                    if self.buffer.is_empty() {
                        self.buffer = chunk;
                    } else {
                        self.buffer.extend_from_slice(&chunk);
                    }
                }
                StdinChunk::Pending => return NextLine::Pending,
                StdinChunk::Eof => self.eof = true,
                StdinChunk::Failed(_) => return NextLine::Failed,
            }
        }
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

pub fn load_file(path: &Path) -> Result<Vec<u8>, Failure> {
    let mut file = std::fs::File::open(path).map_err(|_| exit::input_file_unopenable(path))?;
    // A directory opens fine but has no readable size; mosquitto reports it as too large.
    let metadata = file
        .metadata()
        .map_err(|_| exit::input_file_too_large(path))?;
    if metadata.is_dir() || metadata.len() > exit::MAX_INPUT_LEN as u64 {
        return Err(exit::input_file_too_large(path));
    }
    let mut payload = Vec::with_capacity(metadata.len() as usize);
    file.read_to_end(&mut payload)
        .map_err(|_| exit::input_file_too_large(path))?;
    if payload.len() > exit::MAX_INPUT_LEN {
        return Err(exit::input_file_too_large(path));
    }
    Ok(payload)
}

pub fn load_stdin() -> Result<Vec<u8>, Failure> {
    let mut payload = Vec::new();
    std::io::stdin()
        .lock()
        .take(exit::MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut payload)
        .map_err(|_| exit::stdin_unreadable())?;
    if payload.len() > exit::MAX_INPUT_LEN {
        return Err(exit::stdin_too_large());
    }
    if payload.is_empty() {
        return Err(exit::stdin_empty());
    }
    Ok(payload)
}
