//! Packet-id allocation and the outgoing QoS 1/2 in-flight table.
//!
//! One counter numbers every PUBLISH (QoS 0 included, as libmosquitto does), SUBSCRIBE and
//! UNSUBSCRIBE: it starts at 1, goes up by one, wraps 65535 → 1 and is never 0. Unlike libmosquitto it
//! skips ids still used by an unacknowledged outgoing QoS 1/2 message or SUBSCRIBE/UNSUBSCRIBE, so a
//! long stream that wraps never reuses a live id.
//!
//! Each in-flight entry keeps the PUBLISH itself until the flow completes, and whether PUBREC was
//! received. Its payload is held apart, shared: a large payload is also in the output queue until it
//! is written, and must not be resident twice. After a reconnect the broker still knows the message if it kept the
//! session: then a released QoS 2 message is resent as PUBREL. Without the session (clean session, or
//! a broker that lost its state) the broker would answer PUBREL with PUBCOMP and the message would be
//! lost, so it is resent as a PUBLISH and its QoS 2 flow starts again.

use std::collections::HashMap;
use std::sync::Arc;

use super::codec::{Publish, QoS};

/// What an outgoing QoS 1/2 message is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaiting {
    /// QoS 1, PUBLISH sent.
    PubAck,
    /// QoS 2, PUBLISH sent.
    PubRec,
    /// QoS 2, PUBREL sent.
    PubComp,
}

#[derive(Debug)]
struct Entry {
    /// Insertion order, for resending in the original order.
    seq: u64,
    /// The PUBLISH (QoS 1 or 2) without its payload (`publish.payload` is empty).
    publish: Publish,
    payload: Arc<Vec<u8>>,
    /// QoS 2: PUBREC received, PUBREL sent, waiting for PUBCOMP.
    released: bool,
}

/// What to send again for an outgoing message after a reconnect.
#[derive(Debug, PartialEq, Eq)]
pub enum Resend<'a> {
    /// PUBREL: the broker kept the session and has the message.
    PubRel,
    /// The PUBLISH again, with DUP set: its fields (`payload` empty) and its payload.
    Publish(&'a Publish, &'a Arc<Vec<u8>>),
}

/// Session state that survives reconnects: the id counter and the outgoing in-flight messages; plus
/// the SUBSCRIBE/UNSUBSCRIBE ids waiting for their ack (reset by each new connection).
#[derive(Debug)]
pub struct Inflight {
    next_id: u16,
    next_seq: u64,
    outgoing: HashMap<u16, Entry>,
    /// SUBSCRIBE id → number of filters requested.
    subscribes: HashMap<u16, usize>,
    /// UNSUBSCRIBE ids.
    unsubscribes: HashMap<u16, ()>,
}

impl Default for Inflight {
    fn default() -> Self {
        Inflight::new()
    }
}

fn after(id: u16) -> u16 {
    if id == u16::MAX { 1 } else { id + 1 }
}

impl Inflight {
    pub fn new() -> Inflight {
        Inflight {
            next_id: 1,
            next_seq: 0,
            outgoing: HashMap::new(),
            subscribes: HashMap::new(),
            unsubscribes: HashMap::new(),
        }
    }

    /// The id is used by an outgoing message or a SUBSCRIBE/UNSUBSCRIBE waiting for its ack.
    pub fn in_use(&self, id: u16) -> bool {
        self.outgoing.contains_key(&id)
            || self.subscribes.contains_key(&id)
            || self.unsubscribes.contains_key(&id)
    }

    /// The id the next allocation will return, without taking it; `None` when all 65535 are in use.
    pub fn peek_id(&self) -> Option<u16> {
        let mut id = self.next_id;
        for _ in 0..u16::MAX {
            if !self.in_use(id) {
                return Some(id);
            }
            id = after(id);
        }
        None
    }

    /// Takes `id` (from [`Inflight::peek_id`]): the counter continues after it.
    pub fn commit_id(&mut self, id: u16) {
        self.next_id = after(id);
    }

    /// Allocates the next free id.
    pub fn allocate_id(&mut self) -> Option<u16> {
        let id = self.peek_id()?;
        self.commit_id(id);
        Some(id)
    }

    // ---- outgoing QoS 1/2 messages ----

    /// Number of outgoing QoS 1/2 messages not yet fully acknowledged.
    pub fn len(&self) -> usize {
        self.outgoing.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outgoing.is_empty()
    }

    /// Stores a sent QoS 1/2 PUBLISH under its packet id (QoS 0 is not stored): its fields, and its
    /// payload apart (`publish.payload` is dropped; pass it as `payload`).
    pub fn insert(&mut self, mut publish: Publish, payload: Arc<Vec<u8>>) {
        if publish.qos == QoS::AtMostOnce {
            return;
        }
        publish.payload = Vec::new();
        let seq = self.next_seq;
        self.next_seq += 1;
        self.outgoing.insert(
            publish.packet_id,
            Entry {
                seq,
                publish,
                payload,
                released: false,
            },
        );
    }

    /// What the outgoing message `id` waits for, if there is one.
    pub fn awaiting(&self, id: u16) -> Option<Awaiting> {
        let entry = self.outgoing.get(&id)?;
        if entry.released {
            Some(Awaiting::PubComp)
        } else if entry.publish.qos == QoS::AtLeastOnce {
            Some(Awaiting::PubAck)
        } else {
            Some(Awaiting::PubRec)
        }
    }

    /// The message completed (PUBACK or PUBCOMP): forget it. Returns whether it existed.
    pub fn remove(&mut self, id: u16) -> bool {
        self.outgoing.remove(&id).is_some()
    }

    /// PUBREC received for the QoS 2 message `id`: it now waits for PUBCOMP.
    pub fn released(&mut self, id: u16) {
        if let Some(entry) = self.outgoing.get_mut(&id) {
            entry.released = true;
        }
    }

    /// The ids of the outgoing messages in the order they were first sent.
    pub fn resend_order(&self) -> Vec<u16> {
        let mut entries: Vec<(u64, u16)> = self
            .outgoing
            .iter()
            .map(|(&id, entry)| (entry.seq, id))
            .collect();
        entries.sort_unstable();
        entries.into_iter().map(|(_, id)| id).collect()
    }

    /// The packet to resend for `id` after a reconnect: PUBREL for a released QoS 2 message when the
    /// broker kept the session, otherwise the PUBLISH with DUP set (a released message then waits for
    /// PUBREC again).
    pub fn packet_for_resend(&mut self, id: u16, session_present: bool) -> Option<Resend<'_>> {
        let entry = self.outgoing.get_mut(&id)?;
        if session_present && entry.released {
            return Some(Resend::PubRel);
        }
        entry.released = false;
        entry.publish.dup = true;
        Some(Resend::Publish(&entry.publish, &entry.payload))
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE ----

    pub fn add_subscribe(&mut self, id: u16, filter_count: usize) {
        self.subscribes.insert(id, filter_count);
    }

    /// SUBACK received: the number of filters requested, if `id` was pending.
    pub fn take_subscribe(&mut self, id: u16) -> Option<usize> {
        self.subscribes.remove(&id)
    }

    pub fn add_unsubscribe(&mut self, id: u16) {
        self.unsubscribes.insert(id, ());
    }

    /// UNSUBACK received: whether `id` was pending.
    pub fn take_unsubscribe(&mut self, id: u16) -> bool {
        self.unsubscribes.remove(&id).is_some()
    }

    /// A new connection: pending SUBSCRIBE/UNSUBSCRIBE acks will never come.
    pub fn clear_pending_acks(&mut self) {
        self.subscribes.clear();
        self.unsubscribes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(id: u16, qos: QoS) -> Publish {
        Publish {
            dup: false,
            qos,
            retain: false,
            topic: "t".into(),
            packet_id: id,
            payload: Vec::new(),
            ..Default::default()
        }
    }

    fn payload() -> Arc<Vec<u8>> {
        Arc::new(vec![1, 2, 3])
    }

    #[test]
    fn ids_start_at_one_and_wrap_past_65535_to_one() {
        let mut f = Inflight::new();
        assert_eq!(f.allocate_id(), Some(1));
        assert_eq!(f.allocate_id(), Some(2));
        f.commit_id(65534);
        assert_eq!(f.allocate_id(), Some(65535));
        assert_eq!(f.allocate_id(), Some(1));
    }

    #[test]
    fn ids_in_use_are_skipped() {
        let mut f = Inflight::new();
        f.insert(publish(1, QoS::AtLeastOnce), payload());
        f.add_subscribe(2, 1);
        f.add_unsubscribe(3);
        assert_eq!(f.allocate_id(), Some(4));
        f.commit_id(65535);
        assert_eq!(f.peek_id(), Some(4), "peek does not take");
        assert_eq!(f.allocate_id(), Some(4));
        assert!(f.take_subscribe(2).is_some());
        f.clear_pending_acks();
        assert!(!f.take_unsubscribe(3));
        assert!(f.in_use(1));
        assert!(!f.in_use(3));
    }

    #[test]
    fn peek_fails_when_every_id_is_in_use() {
        let mut f = Inflight::new();
        for id in 1..=u16::MAX {
            f.insert(publish(id, QoS::AtLeastOnce), payload());
        }
        assert_eq!(f.peek_id(), None);
        f.remove(40_000);
        assert_eq!(f.allocate_id(), Some(40_000));
    }

    #[test]
    fn qos0_is_not_stored_and_states_follow_the_flow() {
        let mut f = Inflight::new();
        f.insert(publish(5, QoS::AtMostOnce), payload());
        assert!(f.is_empty());
        f.insert(publish(7, QoS::ExactlyOnce), payload());
        f.insert(publish(6, QoS::AtLeastOnce), payload());
        assert_eq!(f.awaiting(6), Some(Awaiting::PubAck));
        assert_eq!(f.awaiting(7), Some(Awaiting::PubRec));
        f.released(7);
        assert_eq!(f.awaiting(7), Some(Awaiting::PubComp));
        assert_eq!(f.resend_order(), vec![7, 6]);
        assert_eq!(f.packet_for_resend(7, true), Some(Resend::PubRel));
        assert_eq!(f.awaiting(7), Some(Awaiting::PubComp));
        // Without the broker's session the message must be published again.
        let Some(Resend::Publish(again, payload)) = f.packet_for_resend(7, false) else {
            panic!("publish expected")
        };
        assert!(again.dup);
        assert_eq!(**payload, [1, 2, 3]);
        assert_eq!(f.awaiting(7), Some(Awaiting::PubRec));
        let Some(Resend::Publish(p, _)) = f.packet_for_resend(6, true) else {
            panic!("publish expected")
        };
        assert!(p.dup);
        assert!(f.remove(6));
        assert!(!f.remove(6));
        assert_eq!(f.len(), 1);
    }
}
