//! The client state machine fed arbitrary broker bytes after its CONNECT, in arbitrary chunks, with
//! time passing: never a panic, and every event (and its `-d` line) can be produced. After the first
//! CONNACK the client subscribes and publishes at every QoS, so acknowledgements of every kind meet
//! a state that expects them (or not).
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use rpubsub::proto::client::{Client, ClientOptions};
use rpubsub::proto::codec::{Properties, Property, QoS, Version};
use rpubsub::proto::event::Event;
use rpubsub::trace;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let version = match selector % 3 {
        0 => Version::V31,
        1 => Version::V311,
        _ => Version::V5,
    };
    let mut connect_properties = Properties::new();
    if version == Version::V5 {
        connect_properties.push(Property::ReceiveMaximum(20));
    }
    let mut client = Client::new(ClientOptions {
        version,
        client_id: "fuzz".to_string(),
        clean_session: selector & 0x40 == 0,
        keep_alive: 5,
        will: None,
        username: None,
        password: None,
        max_inflight: 3,
        connect_properties,
        max_incoming_packet: 64 * 1024,
        trace_packets: selector & 0x80 != 0,
    });
    let mut now = Instant::now();
    client.connect(now);
    let mut wire = Vec::new();
    let mut lines = Vec::new();
    client.poll_transmit(&mut wire);
    while let Some((&control, tail)) = rest.split_first() {
        // Low bits: how many bytes arrive at once; high bits: how much time passes before them.
        let length = usize::from(control & 0x3f) + 1;
        let (chunk, tail) = tail.split_at(length.min(tail.len()));
        rest = tail;
        now += Duration::from_millis(u64::from(control >> 6) * 1500);
        if client.poll_timeout().is_some_and(|at| at <= now) {
            client.handle_timeout(now);
        }
        client.handle_input(chunk, now);
        drain(&mut client, now, &mut lines);
        wire.clear();
        client.poll_transmit(&mut wire);
        if client.is_closed() {
            // A new connection on the same session, as the tools do after a loss.
            client.connect(now);
        }
    }
    client.handle_eof();
    drain(&mut client, now, &mut lines);
});

fn drain(client: &mut Client, now: Instant, lines: &mut Vec<u8>) {
    while let Some(event) = client.poll_event() {
        lines.clear();
        trace::event_line("fuzz", &event, lines);
        if let Event::Connected { .. } = event {
            let _ = client.subscribe(&[("a/#".to_string(), QoS::ExactlyOnce)], now);
            for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                let _ = client.publish("a/b", b"payload".to_vec(), qos, false, now);
            }
            let _ = client.unsubscribe("a/#", now);
        }
    }
}
