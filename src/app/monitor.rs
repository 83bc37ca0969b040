//! rsub's two monitoring displays from mosquitto 2.1: `-w`/`--watch` (each topic on a terminal line
//! of its own, rewritten in place) and `--message-rate` (the number of messages received each
//! second instead of the messages). Pure policies: the subscriber feeds them and writes what they
//! produce into its output buffer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// `-w`/`--watch`, as mosquitto_sub 2.1 draws it: the screen is cleared and `Broker: <host>` written
/// on line 1; each topic gets the next free line (from 2) the first time a message for it is
/// printed; a message moves the cursor to its topic's line, is printed as usual, and the cursor
/// then goes to the line below the last topic's.
#[derive(Debug, Default)]
pub struct Watch {
    lines: HashMap<String, u32>,
    /// The line the next new topic gets (mosquitto's `watch_max`).
    next_line: u32,
}

impl Watch {
    pub fn new() -> Watch {
        Watch {
            lines: HashMap::new(),
            next_line: 2,
        }
    }

    /// What is written before anything else: clear the screen, home, the broker line.
    pub fn start(host: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\x1b[2J\x1b[1;1H");
        out.extend_from_slice(b"Broker: ");
        out.extend_from_slice(host.as_bytes());
        out.push(b'\n');
    }

    /// Before a message for `topic` is printed: move to its line (a new topic takes the next one).
    /// mosquitto does this before `--random-filter` decides, so a message that filter drops still
    /// gives its topic a line and moves the cursor.
    pub fn before(&mut self, topic: &str, out: &mut Vec<u8>) {
        let line = match self.lines.get(topic) {
            Some(&line) => line,
            None => {
                let line = self.next_line;
                self.next_line += 1;
                self.lines.insert(topic.to_string(), line);
                line
            }
        };
        cursor_to(line, out);
    }

    /// After a message was printed: to the line below the last topic's, and a newline.
    pub fn after(&self, out: &mut Vec<u8>) {
        cursor_to(self.next_line - 1, out);
        out.push(b'\n');
    }
}

/// `ESC [ line ; 1 H`.
fn cursor_to(line: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(format!("\x1b[{line};1H").as_bytes());
}

/// `--message-rate`: every second from the start, `<count> msgs/s` with the number of messages
/// received in that second (all of them, before any filtering: mosquitto 2.1 counts at the top of
/// its message callback and handles none of them further).
#[derive(Debug)]
pub struct MessageRate {
    next_tick: Instant,
    count: u64,
    /// When the last line was written (the start, at first).
    last_line: Instant,
}

const SECOND: Duration = Duration::from_secs(1);

impl MessageRate {
    pub fn new(start: Instant) -> MessageRate {
        MessageRate {
            next_tick: start + SECOND,
            count: 0,
            last_line: start,
        }
    }

    pub fn message(&mut self) {
        self.count += 1;
    }

    /// When the next line is due.
    pub fn deadline(&self) -> Instant {
        self.next_tick
    }

    /// Writes the lines due at `now` (one per second that has passed; a late wake-up writes the
    /// seconds it missed, the later ones with 0).
    pub fn tick(&mut self, now: Instant, out: &mut Vec<u8>) {
        while now >= self.next_tick {
            self.line(out);
            self.last_line = self.next_tick;
            self.next_tick += SECOND;
        }
    }

    /// The run ends (`-W`, a signal) at `now`: the second in progress gets its line, as
    /// mosquitto_sub's interrupted sleep gives it one, unless a line was written just now.
    pub fn end(&mut self, now: Instant, out: &mut Vec<u8>) {
        self.tick(now, out);
        if now > self.last_line {
            self.line(out);
            self.last_line = now;
        }
    }

    fn line(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("{} msgs/s\n", self.count).as_bytes());
        self.count = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).replace('\x1b', "ESC")
    }

    #[test]
    fn watch_starts_with_a_cleared_screen_and_the_broker_line() {
        let mut out = Vec::new();
        Watch::start("localhost", &mut out);
        assert_eq!(text(&out), "ESC[2JESC[1;1HBroker: localhost\n");
    }

    #[test]
    fn watch_gives_each_topic_the_next_line_in_order_of_first_message() {
        let mut watch = Watch::new();
        let mut out = Vec::new();
        watch.before("a", &mut out);
        out.extend_from_slice(b"one");
        watch.after(&mut out);
        watch.before("b", &mut out);
        out.extend_from_slice(b"two");
        watch.after(&mut out);
        watch.before("a", &mut out);
        out.extend_from_slice(b"three");
        watch.after(&mut out);
        assert_eq!(
            text(&out),
            "ESC[2;1HoneESC[2;1H\nESC[3;1HtwoESC[3;1H\nESC[2;1HthreeESC[3;1H\n"
        );
    }

    #[test]
    fn message_rate_writes_one_line_per_second_with_that_seconds_count() {
        let start = Instant::now();
        let mut rate = MessageRate::new(start);
        let mut out = Vec::new();
        rate.message();
        rate.message();
        assert_eq!(rate.deadline(), start + SECOND);
        rate.tick(start + Duration::from_millis(999), &mut out);
        assert!(out.is_empty());
        rate.tick(start + SECOND, &mut out);
        rate.message();
        // Woken late: the seconds missed get their lines.
        rate.tick(start + Duration::from_millis(3500), &mut out);
        assert_eq!(text(&out), "2 msgs/s\n1 msgs/s\n0 msgs/s\n");
        assert_eq!(rate.deadline(), start + 4 * SECOND);
    }

    #[test]
    fn message_rate_end_writes_the_second_in_progress_once() {
        let start = Instant::now();
        let mut rate = MessageRate::new(start);
        let mut out = Vec::new();
        rate.message();
        rate.end(start + Duration::from_millis(1500), &mut out);
        assert_eq!(text(&out), "1 msgs/s\n0 msgs/s\n");
        // An end that falls on a tick writes that tick's line only.
        let mut rate = MessageRate::new(start);
        let mut out = Vec::new();
        rate.end(start + 2 * SECOND, &mut out);
        assert_eq!(text(&out), "0 msgs/s\n0 msgs/s\n");
    }
}
