//! Stdin for `rpub -l`: read on its own thread, handed to the event loop in bounded chunks.

use std::io::{self, ErrorKind, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use mio::Waker;

/// Stdin read on its own thread in large chunks, handed over through a small bounded channel: the
/// reader blocks when the main loop does not take chunks (back-pressure), so memory stays bounded
/// whatever the input size.
pub struct StdinFeed {
    chunks: Receiver<io::Result<Vec<u8>>>,
    finished: bool,
}

/// Number of chunks that may wait in the channel. With the chunk size this bounds what stdin
/// costs in memory however long the input is (`seq 1000000 | rpub -l` needs no more than 1,000 lines).
const STDIN_QUEUE_CHUNKS: usize = 2;
const STDIN_CHUNK: usize = 8 * 1024;

/// Where input chunks come from: stdin through [`StdinFeed`], or a script in tests.
pub trait ChunkSource {
    /// The next chunk, without blocking.
    fn try_next(&mut self) -> StdinChunk;
}

/// What [`ChunkSource::try_next`] found.
pub enum StdinChunk {
    Data(Vec<u8>),
    /// Nothing ready right now; the waker fires when there is.
    Pending,
    Eof,
    Failed(io::Error),
}

impl StdinFeed {
    pub fn start(waker: Arc<Waker>) -> StdinFeed {
        StdinFeed::start_with_chunk(waker, STDIN_CHUNK)
    }

    /// As [`StdinFeed::start`], reading up to `chunk_size` bytes at a time: `--json-lines` lines are
    /// three times as long as `-l` lines for the same messages, and every chunk is a hand-over
    /// between the threads (memory stays bounded by the queue either way).
    pub fn start_with_chunk(waker: Arc<Waker>, chunk_size: usize) -> StdinFeed {
        let (sender, chunks) = sync_channel(STDIN_QUEUE_CHUNKS);
        std::thread::spawn(move || read_stdin_into(sender, waker, chunk_size.max(1)));
        StdinFeed {
            chunks,
            finished: false,
        }
    }
}

impl ChunkSource for StdinFeed {
    fn try_next(&mut self) -> StdinChunk {
        if self.finished {
            return StdinChunk::Eof;
        }
        match self.chunks.try_recv() {
            Ok(Ok(chunk)) if chunk.is_empty() => {
                self.finished = true;
                StdinChunk::Eof
            }
            Ok(Ok(chunk)) => StdinChunk::Data(chunk),
            Ok(Err(err)) => {
                self.finished = true;
                StdinChunk::Failed(err)
            }
            Err(TryRecvError::Empty) => StdinChunk::Pending,
            Err(TryRecvError::Disconnected) => {
                self.finished = true;
                StdinChunk::Eof
            }
        }
    }
}

fn read_stdin_into(sender: SyncSender<io::Result<Vec<u8>>>, waker: Arc<Waker>, chunk_size: usize) {
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    loop {
        let mut chunk = vec![0; chunk_size];
        let result = loop {
            match lock.read(&mut chunk) {
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let (message, done) = match result {
            Ok(n) => {
                chunk.truncate(n);
                (Ok(chunk), n == 0)
            }
            Err(err) => (Err(err), true),
        };
        if sender.send(message).is_err() {
            return;
        }
        let _ = waker.wake();
        if done {
            return;
        }
    }
}
