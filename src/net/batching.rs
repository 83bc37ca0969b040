//! The read-batching policy (a pure struct; the driver applies it to the socket).

use std::time::Duration;

/// Read batching (see [`ReadBatching`]): the longest a batched wait lasts before reading whatever
/// has arrived, i.e. the most a batch can delay a packet.
pub(super) const BATCH_WAIT: Duration = Duration::from_millis(1);
/// Read batching: a read pass that decodes this many packets means a stream is flowing (a lone
/// message, or a SUBACK followed by a retained message, never batches).
const STREAM_PACKETS: u64 = 4;
/// Read batching: how many bytes of a flowing stream to let accumulate before waking up.
const STREAM_LOW_WATER: usize = 16 * 1024;
/// Read batching: acknowledgements are awaited in batches only when at least this many bytes of them
/// are due, i.e. 3 messages in flight (a one-shot QoS 1/2 publish reads its acknowledgement at once).
const ACK_BATCH_MIN_INFLIGHT_BYTES: usize = 12;

/// Read batching with `SO_RCVLOWAT`: fewer, larger reads and fewer wake-ups while data streams in.
///
/// On loopback the sender pays for waking the receiver, and a client that wakes for every small
/// packet makes the (single-threaded) mosquitto broker slower and itself spend most of its CPU in
/// `epoll_wait` and `recvfrom` (docs/performance.md). So while a stream flows, the socket's receive
/// low-water mark is raised: the kernel wakes us only once that many bytes are waiting, and every
/// such wait is capped at [`BATCH_WAIT`], after which whatever arrived is read. Three cases raise it:
/// - a read pass decoded several packets and none needed a reply (a QoS 0 stream, a drain of queued
///   messages): wait for [`STREAM_LOW_WATER`] bytes;
/// - a read pass decoded several packets and we acknowledged them (QoS 1/2 messages coming in): the
///   broker sends more as our acknowledgements free its in-flight window, so wait for half of what
///   the largest recent pass brought (half a window, so the broker always has the other half to
///   send); a wait that times out shrinks this to half of what actually came;
/// - several QoS 1/2 messages of ours await acknowledgements (`rpub -l -q 1`): wait until half of
///   them can have arrived.
///
/// A batched wait that ends with nothing to read drops back to waking on every byte, so an idle
/// connection costs one extra wake-up, and nothing is ever delayed by more than [`BATCH_WAIT`].
/// Only plain TCP batches (TLS records and Unix sockets keep the default of one byte).
#[derive(Debug, Default)]
pub(super) struct ReadBatching {
    /// The low-water mark set on the current socket (0 or 1: the kernel's default).
    pub(super) low_water: usize,
    /// The socket refused `SO_RCVLOWAT`: do not try again on this connection.
    pub(super) unsupported: bool,
    /// The last batched wait found nothing to read: wake on every byte until data comes again.
    idle: bool,
    /// The mark the last read pass calls for (0: it showed no stream).
    stream_mark: usize,
}

impl ReadBatching {
    /// Notes a read pass that got `bytes` holding `packets` packets; `replied`: they queued
    /// acknowledgements; `timed_out`: the pass followed a batched wait that timed out.
    pub(super) fn after_pass(
        &mut self,
        bytes: usize,
        packets: u64,
        replied: bool,
        timed_out: bool,
    ) {
        if bytes == 0 {
            self.idle = true;
            return;
        }
        self.idle = false;
        self.stream_mark = if packets < STREAM_PACKETS {
            0
        } else if !replied {
            STREAM_LOW_WATER
        } else {
            let half = (bytes / 2).min(STREAM_LOW_WATER);
            if timed_out || self.stream_mark == STREAM_LOW_WATER {
                half
            } else {
                self.stream_mark.max(half)
            }
        };
    }

    /// The low-water mark for the next wait.
    pub(super) fn wanted(&self, awaited_ack_bytes: usize) -> usize {
        if self.unsupported || self.idle {
            1
        } else if awaited_ack_bytes >= ACK_BATCH_MIN_INFLIGHT_BYTES {
            // Capped: with a huge window (`-M 0`) a larger mark would also make the kernel grow the
            // receive buffer and clamp the window to the mark.
            (awaited_ack_bytes / 2).min(STREAM_LOW_WATER)
        } else {
            self.stream_mark.max(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batching state after one read pass of `bytes` bytes holding `packets` packets.
    fn after(bytes: usize, packets: u64, replied: bool) -> ReadBatching {
        let mut batching = ReadBatching::default();
        batching.after_pass(bytes, packets, replied, false);
        batching
    }

    #[test]
    fn a_stream_of_packets_without_replies_batches() {
        assert_eq!(
            after(100, STREAM_PACKETS, false).wanted(0),
            STREAM_LOW_WATER
        );
        assert_eq!(after(9000, 500, false).wanted(0), STREAM_LOW_WATER);
    }

    #[test]
    fn a_few_packets_do_not_batch() {
        // A SUBACK and a retained message, or a lone message: read at once.
        assert_eq!(after(100, STREAM_PACKETS - 1, false).wanted(0), 1);
        assert_eq!(after(100, STREAM_PACKETS - 1, true).wanted(0), 1);
        assert_eq!(ReadBatching::default().wanted(0), 1);
    }

    #[test]
    fn acknowledged_messages_wait_for_half_the_largest_recent_pass() {
        // 20 QoS 1 messages of 30 bytes, acknowledged: the broker may send 20 more.
        let mut batching = after(600, 20, true);
        assert_eq!(batching.wanted(0), 300);
        // A smaller pass that came at the mark does not lower it (we woke at the mark).
        batching.after_pass(330, 11, true, false);
        assert_eq!(batching.wanted(0), 300);
        // A larger one raises it, never above the stream mark.
        batching.after_pass(900, 30, true, false);
        assert_eq!(batching.wanted(0), 450);
        batching.after_pass(1 << 20, 30_000, true, false);
        assert_eq!(batching.wanted(0), STREAM_LOW_WATER);
        // A wait that timed out shows what the broker sends now: half of that.
        batching.after_pass(200, 8, true, true);
        assert_eq!(batching.wanted(0), 100);
        // Too few packets end the batching.
        batching.after_pass(60, 2, true, false);
        assert_eq!(batching.wanted(0), 1);
    }

    #[test]
    fn switching_from_a_plain_stream_to_acknowledged_messages_starts_from_the_pass() {
        let mut batching = after(9000, 500, false);
        batching.after_pass(600, 20, true, false);
        assert_eq!(batching.wanted(0), 300);
    }

    #[test]
    fn acknowledgements_are_awaited_half_a_window_at_a_time() {
        // 20 QoS 1 messages in flight: wake once 10 PUBACKs can be there.
        assert_eq!(after(10, 1, false).wanted(80), 40);
        // This takes precedence over the stream rules (PUBACKs need no reply).
        assert_eq!(after(9000, 500, false).wanted(80), 40);
        // One or two messages in flight: their acknowledgements are read as they come.
        assert_eq!(ReadBatching::default().wanted(4), 1);
        assert_eq!(ReadBatching::default().wanted(8), 1);
        assert_eq!(
            ReadBatching::default().wanted(ACK_BATCH_MIN_INFLIGHT_BYTES),
            ACK_BATCH_MIN_INFLIGHT_BYTES / 2
        );
        // `-M 0` with thousands in flight: never above the stream mark.
        assert_eq!(ReadBatching::default().wanted(4 * 65_535), STREAM_LOW_WATER);
    }

    #[test]
    fn an_idle_wait_or_a_refused_option_stops_batching() {
        let mut idle = after(9000, 500, false);
        idle.after_pass(0, 0, false, true);
        assert_eq!(idle.wanted(80), 1);
        // Data again: batching resumes from what that pass shows.
        idle.after_pass(9000, 500, false, false);
        assert_eq!(idle.wanted(0), STREAM_LOW_WATER);
        let mut unsupported = after(9000, 500, false);
        unsupported.unsupported = true;
        assert_eq!(unsupported.wanted(80), 1);
    }
}
