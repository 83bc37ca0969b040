//! `rpub -l`'s line reader on arbitrary input in arbitrary chunks: it yields exactly mosquitto_pub's
//! lines (split at `\n`, which is dropped; a last line without one still counts), in order, whatever
//! the chunking.
#![no_main]

use std::collections::VecDeque;

use libfuzzer_sys::fuzz_target;
use rpubsub::app::input::{LineReader, NextLine};
use rpubsub::net::{ChunkSource, StdinChunk};

struct Chunks(VecDeque<Vec<u8>>);

impl ChunkSource for Chunks {
    fn try_next(&mut self) -> StdinChunk {
        match self.0.pop_front() {
            Some(chunk) if chunk.is_empty() => StdinChunk::Pending,
            Some(chunk) => StdinChunk::Data(chunk),
            None => StdinChunk::Eof,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk_size, input)) = data.split_first() else {
        return;
    };
    let size = usize::from(chunk_size % 32) + 1;
    // Every chunk is followed by an empty one, which the source reports as "nothing yet".
    let chunks = input
        .chunks(size)
        .flat_map(|chunk| [chunk.to_vec(), Vec::new()])
        .collect();
    let mut reader = LineReader::new(Chunks(chunks));
    let mut lines = Vec::new();
    loop {
        match reader.next_line() {
            NextLine::Line(line) => lines.push(line),
            NextLine::Pending => {}
            NextLine::Eof => break,
            NextLine::Failed => panic!("no read fails here"),
            NextLine::TooLong => panic!("no line here comes near the largest payload"),
        }
    }
    let mut expected: Vec<Vec<u8>> = input
        .split(|&byte| byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if input.last() == Some(&b'\n') || input.is_empty() {
        // A final newline ends the last line; it does not start another.
        expected.pop();
    }
    assert_eq!(lines, expected);
});
