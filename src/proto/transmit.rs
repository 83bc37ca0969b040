//! The bytes a client hands to its transport, in wire order: encoded packets, and the payloads of
//! large PUBLISH packets. A large payload is not copied behind its header: the queue holds it shared
//! (with the in-flight store for QoS 1/2, which needs it for a resend), so a message of many
//! megabytes is resident once. The driver writes the chunks with one vectored write.

use std::collections::VecDeque;
use std::sync::Arc;

/// Outgoing bytes in wire order, and how far the front chunk has been written.
#[derive(Debug, Default)]
pub struct Transmit {
    /// Never holds an empty chunk (so a non-empty queue always has bytes to write).
    chunks: VecDeque<Chunk>,
    /// Bytes of the front chunk already written.
    written: usize,
    /// The buffer of the last byte chunk written, emptied: handed back to the client to fill again,
    /// so steady traffic does not allocate a buffer per batch.
    spare: Vec<u8>,
}

#[derive(Debug)]
enum Chunk {
    /// Encoded packets (a large PUBLISH's header ends such a chunk, its payload follows).
    Bytes(Vec<u8>),
    /// A large PUBLISH payload.
    Shared(Arc<Vec<u8>>),
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Bytes(bytes) => bytes,
            Chunk::Shared(payload) => payload,
        }
    }
}

impl Transmit {
    pub fn new() -> Transmit {
        Transmit::default()
    }

    /// Nothing left to write.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The number of bytes left to write.
    pub fn len(&self) -> usize {
        let total: usize = self.chunks.iter().map(|chunk| chunk.bytes().len()).sum();
        total - self.written
    }

    /// The bytes left to write, in order, one slice per chunk (never an empty one): what a vectored
    /// write takes.
    pub fn slices(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks.iter().enumerate().map(|(index, chunk)| {
            let bytes = chunk.bytes();
            if index == 0 {
                bytes.get(self.written..).unwrap_or_default()
            } else {
                bytes
            }
        })
    }

    /// `n` more bytes were written (more than [`Transmit::len`] empties the queue).
    pub fn advance(&mut self, mut n: usize) {
        while let Some(front) = self.chunks.front() {
            let left = front.bytes().len() - self.written;
            if n < left {
                self.written += n;
                return;
            }
            n -= left;
            self.written = 0;
            if let Some(Chunk::Bytes(mut buffer)) = self.chunks.pop_front() {
                buffer.clear();
                self.spare = buffer;
            }
        }
    }

    /// Drops everything not written yet (the connection is gone).
    pub fn clear(&mut self) {
        while let Some(chunk) = self.chunks.pop_front() {
            if let Chunk::Bytes(mut buffer) = chunk {
                buffer.clear();
                self.spare = buffer;
            }
        }
        self.written = 0;
    }

    /// Appends every byte left to write to `out`, in order (a copy: for tests and simple callers).
    pub fn copy_to(&self, out: &mut Vec<u8>) {
        out.reserve(self.len());
        for slice in self.slices() {
            out.extend_from_slice(slice);
        }
    }

    /// Queues encoded packets after what is queued.
    pub(crate) fn push_bytes(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.chunks.push_back(Chunk::Bytes(bytes));
        }
    }

    /// Queues a payload, shared, after what is queued.
    pub(crate) fn push_shared(&mut self, payload: Arc<Vec<u8>>) {
        if !payload.is_empty() {
            self.chunks.push_back(Chunk::Shared(payload));
        }
    }

    /// Moves every chunk of `other` (nothing of it written yet) behind this queue's.
    pub(crate) fn append(&mut self, other: &mut Transmit) {
        debug_assert_eq!(other.written, 0);
        self.chunks.append(&mut other.chunks);
        other.written = 0;
    }

    /// An empty buffer to encode into: the last written one when there is one.
    pub(crate) fn take_spare(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.spare)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collected(transmit: &Transmit) -> Vec<u8> {
        let mut out = Vec::new();
        transmit.copy_to(&mut out);
        out
    }

    #[test]
    fn chunks_are_written_in_order_across_partial_writes() {
        let mut t = Transmit::new();
        assert!(t.is_empty());
        t.push_bytes(b"head".to_vec());
        t.push_bytes(Vec::new());
        t.push_shared(Arc::new(b"payload".to_vec()));
        t.push_shared(Arc::new(Vec::new()));
        t.push_bytes(b"tail".to_vec());
        assert_eq!(t.slices().count(), 3, "empty chunks are not queued");
        assert_eq!(t.len(), 15);
        assert_eq!(collected(&t), b"headpayloadtail");
        t.advance(2);
        assert_eq!(
            t.slices().collect::<Vec<_>>(),
            [&b"ad"[..], b"payload", b"tail"]
        );
        t.advance(5);
        assert_eq!(t.slices().collect::<Vec<_>>(), [&b"load"[..], b"tail"]);
        assert_eq!(t.len(), 8);
        assert_eq!(
            t.take_spare().capacity(),
            4,
            "the written header buffer is kept"
        );
        t.advance(8);
        assert!(t.is_empty());
        assert_eq!(t.len(), 0);
        assert!(t.take_spare().is_empty());
    }

    #[test]
    fn clear_and_append() {
        let mut a = Transmit::new();
        a.push_bytes(b"a".to_vec());
        let mut b = Transmit::new();
        b.push_shared(Arc::new(b"b".to_vec()));
        b.push_bytes(b"c".to_vec());
        a.advance(1);
        a.append(&mut b);
        assert!(b.is_empty());
        assert_eq!(collected(&a), b"bc");
        a.clear();
        assert!(a.is_empty());
        assert_eq!(a.len(), 0);
    }
}
