//! [`FanOut`]: `-d` and `--trace` at once.

use std::time::Instant;

use super::{TraceRecord, TraceSink};

/// Several sinks at once (`-d` and `--trace`): each record goes to every one, in order.
pub struct FanOut {
    pub sinks: Vec<Box<dyn TraceSink>>,
}

impl TraceSink for FanOut {
    fn record(&mut self, client_id: &str, record: TraceRecord<'_>, stdout: &mut Vec<u8>) {
        for sink in &mut self.sinks {
            sink.record(client_id, record, stdout);
        }
    }

    fn flush_deadline(&self) -> Option<Instant> {
        self.sinks
            .iter()
            .filter_map(|sink| sink.flush_deadline())
            .min()
    }

    fn flush(&mut self) {
        for sink in &mut self.sinks {
            sink.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::event::Event;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Notes what it was given.
    struct Notes {
        name: &'static str,
        seen: Rc<RefCell<Vec<String>>>,
        deadline: Option<Instant>,
    }

    impl TraceSink for Notes {
        fn record(&mut self, client_id: &str, record: TraceRecord<'_>, _: &mut Vec<u8>) {
            let what = match record {
                TraceRecord::Client(_) => "client",
                _ => "other",
            };
            self.seen
                .borrow_mut()
                .push(format!("{} {client_id} {what}", self.name));
        }
        fn flush_deadline(&self) -> Option<Instant> {
            self.deadline
        }
        fn flush(&mut self) {
            self.seen.borrow_mut().push(format!("{} flush", self.name));
        }
    }

    #[test]
    fn every_sink_gets_every_record_in_order_and_the_earliest_deadline_wins() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let now = Instant::now();
        let later = now + std::time::Duration::from_millis(100);
        let mut fan = FanOut {
            sinks: vec![
                Box::new(Notes {
                    name: "a",
                    seen: Rc::clone(&seen),
                    deadline: Some(later),
                }),
                Box::new(Notes {
                    name: "b",
                    seen: Rc::clone(&seen),
                    deadline: Some(now),
                }),
            ],
        };
        let event = Event::Published { mid: 1 };
        fan.record("id", TraceRecord::Client(&event), &mut Vec::new());
        fan.record(
            "id",
            TraceRecord::Reconnecting { attempt: 1 },
            &mut Vec::new(),
        );
        fan.flush();
        assert_eq!(
            *seen.borrow(),
            [
                "a id client",
                "b id client",
                "a id other",
                "b id other",
                "a flush",
                "b flush"
            ]
        );
        assert_eq!(fan.flush_deadline(), Some(now));
    }
}
