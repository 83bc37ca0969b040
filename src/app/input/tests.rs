//! The `-l` line splitter and the bounded `-f`/`-s` reader, with a scripted chunk source.

use std::collections::VecDeque;
use std::io;

use super::{BoundedReadError, LineReader, NextLine, read_bounded};
use crate::net::{ChunkSource, StdinChunk};

/// One step of a scripted stdin.
#[derive(Clone)]
enum Step {
    Data(Vec<u8>),
    Pending,
    Fail,
}

/// Stdin as a script of chunks, then the end of input; counts what was taken.
struct Script {
    steps: VecDeque<Step>,
    taken: usize,
}

impl Script {
    fn new(steps: impl IntoIterator<Item = Step>) -> Script {
        Script {
            steps: steps.into_iter().collect(),
            taken: 0,
        }
    }

    fn chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Script {
        Script::new(chunks.into_iter().map(|c| Step::Data(c.to_vec())))
    }
}

impl ChunkSource for Script {
    fn try_next(&mut self) -> StdinChunk {
        let Some(step) = self.steps.pop_front() else {
            return StdinChunk::Eof;
        };
        self.taken += 1;
        match step {
            Step::Data(bytes) => StdinChunk::Data(bytes),
            Step::Pending => StdinChunk::Pending,
            Step::Fail => StdinChunk::Failed(io::Error::from_raw_os_error(libc::EISDIR)),
        }
    }
}

/// Every outcome until `Eof` (which is not included), `Pending` included.
fn outcomes<S: ChunkSource>(reader: &mut LineReader<S>) -> Vec<NextLine> {
    let mut all = Vec::new();
    for _ in 0..1_000_000 {
        match reader.next_line() {
            NextLine::Eof => return all,
            other => all.push(other),
        }
    }
    panic!("the reader never reached the end ({} outcomes)", all.len());
}

/// Chunks as the scripted stdin hands them over.
type Chunks = &'static [&'static [u8]];

fn line(bytes: &[u8]) -> NextLine {
    NextLine::Line(bytes.to_vec())
}

#[test]
fn lines_are_split_as_mosquitto_pub_l_does() {
    let cases: &[(&str, Chunks, Chunks)] = &[
        ("no input, no message", &[], &[]),
        ("an empty chunk is no line", &[b""], &[]),
        ("one line", &[b"a\n"], &[b"a"]),
        (
            "a last line without newline is still published",
            &[b"a\nb"],
            &[b"a", b"b"],
        ),
        ("empty lines are messages", &[b"\n\n"], &[b"", b""]),
        (
            "a carriage return is kept",
            &[b"a\r\n\r\n"],
            &[b"a\r", b"\r"],
        ),
        (
            "a line across chunks",
            &[b"a\nb", b"c", b"d\n\n"],
            &[b"a", b"bcd", b""],
        ),
        (
            "a newline alone in a chunk",
            &[b"ab", b"\n", b"c"],
            &[b"ab", b"c"],
        ),
        ("binary bytes pass", &[b"\0\xff\n"], &[b"\0\xff"]),
        (
            "several lines in one chunk after a long one",
            &[b"long", b"-line\nx\ny", b"z\n"],
            &[b"long-line", b"x", b"yz"],
        ),
    ];
    for (rule, chunks, expected) in cases {
        let mut reader = LineReader::new(Script::chunks(chunks.iter().copied()));
        let expected: Vec<NextLine> = expected.iter().map(|l| line(l)).collect();
        assert_eq!(outcomes(&mut reader), expected, "{rule}");
        assert_eq!(
            reader.next_line(),
            NextLine::Eof,
            "{rule}: stays at the end"
        );
    }
}

#[test]
fn pending_input_is_waited_for_and_the_line_continues() {
    let steps = [
        Step::Data(b"a\nb".to_vec()),
        Step::Pending,
        Step::Data(b"c\n".to_vec()),
        Step::Pending,
    ];
    let mut reader = LineReader::new(Script::new(steps));
    assert_eq!(
        outcomes(&mut reader),
        [
            line(b"a"),
            NextLine::Pending,
            line(b"bc"),
            NextLine::Pending
        ]
    );
}

#[test]
fn a_read_failure_ends_the_input_after_the_lines_before_it() {
    let steps = [
        Step::Data(b"a\nunfinished".to_vec()),
        Step::Fail,
        Step::Data(b"never read\n".to_vec()),
    ];
    let mut reader = LineReader::new(Script::new(steps));
    assert_eq!(outcomes(&mut reader), [line(b"a"), NextLine::Failed]);
    assert_eq!(reader.feed.taken, 2, "nothing is read after the failure");
}

#[test]
fn a_line_longer_than_the_limit_is_refused_without_reading_further() {
    // (rule, chunks, outcomes, chunks taken)
    let cases: &[(&str, Chunks, &[NextLine], usize)] = &[
        (
            "a line of exactly the limit",
            &[b"abcd\n"],
            &[line(b"abcd")],
            1,
        ),
        (
            "a last line of exactly the limit",
            &[b"abcd"],
            &[line(b"abcd")],
            1,
        ),
        ("one byte too many", &[b"abcde\n"], &[NextLine::TooLong], 1),
        (
            "too long before its newline arrives",
            &[b"ab", b"cde", b"f\n", b"x\n"],
            &[NextLine::TooLong],
            2,
        ),
        (
            "earlier lines are published first",
            &[b"ok\nabc", b"de", b"\n"],
            &[line(b"ok"), NextLine::TooLong],
            2,
        ),
        (
            "a last line too long",
            &[b"abcdefgh"],
            &[NextLine::TooLong],
            1,
        ),
    ];
    for (rule, chunks, expected, taken) in cases {
        let mut reader = LineReader::with_limit(Script::chunks(chunks.iter().copied()), 4);
        assert_eq!(outcomes(&mut reader), *expected, "{rule}");
        assert_eq!(reader.feed.taken, *taken, "{rule}: chunks read");
    }
}

#[test]
fn the_buffer_never_holds_more_than_a_line_of_the_limit_and_a_chunk() {
    let chunk = vec![b'x'; 1000];
    let limit = 10_000;
    let mut reader = LineReader::with_limit(
        Script::chunks(std::iter::repeat_n(&chunk[..], 1_000)),
        limit,
    );
    assert_eq!(reader.next_line(), NextLine::TooLong);
    assert_eq!(
        reader.feed.taken, 11,
        "stops at the first chunk past the limit"
    );
    // The endless line was dropped with the reader's state.
    assert_eq!(reader.buffer.capacity(), 0);
}

#[test]
fn the_newline_search_looks_at_each_byte_once() {
    // The old reader searched the whole unfinished line again whenever a chunk arrived: a 16 MB
    // line in 8 KiB chunks cost 2,000 times its length. Counting searched bytes shows the cost
    // without timing anything.
    let cases: &[(&str, usize, usize, usize)] = &[
        // (rule, line length, lines, chunk size)
        ("one long line in small chunks", 1 << 20, 1, 8 * 1024),
        ("one long line in one-byte chunks", 20_000, 1, 1),
        ("many long lines", 100_000, 20, 8 * 1024),
        ("many short lines", 10, 10_000, 8 * 1024),
    ];
    for &(rule, len, count, chunk_size) in cases {
        let mut input = Vec::new();
        for i in 0..count {
            input.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, len));
            input.push(b'\n');
        }
        let chunks: Vec<&[u8]> = input.chunks(chunk_size).collect();
        let mut reader = LineReader::new(Script::chunks(chunks));
        let lines = outcomes(&mut reader);
        assert_eq!(lines.len(), count, "{rule}");
        assert!(
            lines
                .iter()
                .all(|l| matches!(l, NextLine::Line(bytes) if bytes.len() == len)),
            "{rule}: every line whole"
        );
        assert_eq!(reader.searched(), input.len(), "{rule}: bytes searched");
    }
}

#[test]
fn a_long_line_followed_by_more_input_keeps_the_rest() {
    // The long line is handed over without a copy; what follows it in the buffer stays.
    let long = vec![b'l'; 50_000];
    let mut first = long.clone();
    first.extend_from_slice(b"\nshort\nrest");
    let mut reader = LineReader::new(Script::chunks([&first[..], b"-end\n"]));
    assert_eq!(
        outcomes(&mut reader),
        [NextLine::Line(long), line(b"short"), line(b"rest-end")]
    );
}

#[test]
fn bounded_reads_stop_one_byte_past_the_limit() {
    // (rule, input length, limit, outcome length or None for TooLarge, bytes consumed)
    let cases: &[(&str, usize, usize, Option<usize>, usize)] = &[
        ("empty", 0, 10, Some(0), 0),
        ("under the limit", 5, 10, Some(5), 5),
        ("exactly the limit", 10, 10, Some(10), 10),
        ("one byte over", 11, 10, None, 11),
        ("far over: only limit + 1 read", 1_000_000, 10, None, 11),
    ];
    for &(rule, len, limit, expected, consumed) in cases {
        let input = vec![7u8; len];
        let mut reader = io::Cursor::new(&input[..]);
        let result = read_bounded(&mut reader, limit, 0);
        match (result, expected) {
            (Ok(bytes), Some(n)) => assert_eq!(bytes.len(), n, "{rule}"),
            (Err(BoundedReadError::TooLarge), None) => {}
            (other, _) => panic!("{rule}: {other:?}"),
        }
        assert_eq!(reader.position() as usize, consumed, "{rule}: bytes read");
    }
}

#[test]
fn a_bounded_read_of_an_endless_stream_ends() {
    // `-f /dev/zero` used to grow until memory ran out.
    let mut zeros = io::repeat(0);
    assert!(matches!(
        read_bounded(&mut zeros, 1 << 20, 0),
        Err(BoundedReadError::TooLarge)
    ));
}

#[test]
fn a_bounded_read_reports_io_errors() {
    struct Failing;
    impl io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
    }
    let result = read_bounded(&mut Failing, 10, 0);
    assert!(
        matches!(&result, Err(BoundedReadError::Io(e)) if e.raw_os_error() == Some(libc::EIO)),
        "{result:?}"
    );
}
