//! DISCONNECT and the end of a connection, and what the application may do between CONNACK and
//! the packets that followed it.

use super::*;

// ---- disconnect ----

#[test]
fn disconnect_then_closed() {
    let mut b = Broker::connected(options());
    b.client.disconnect(b.now);
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::Disconnect)]);
    assert!(
        !b.client.is_closed(),
        "not closed until DISCONNECT is handed out"
    );
    assert!(b.client.wants_write());
    assert_eq!(
        b.client.publish("t", vec![], QoS::AtMostOnce, false, b.now),
        Err(CommandError::NotConnected)
    );
    assert_eq!(b.client.poll_timeout(), None);
    // Acks still count while DISCONNECT waits; a message needing an answer is dropped.
    b.send(Packet::Publish(publish("t", b"x", QoS::AtLeastOnce, 3)));
    b.send(Packet::PingResp);
    assert_eq!(b.events(), vec![Event::Received(PacketInfo::PingResp)]);

    let mut out = vec![0xAA];
    assert!(b.client.poll_transmit(&mut out));
    assert_eq!(out, vec![0xAA, 0xE0, 0x00], "appended after existing bytes");
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Disconnected)]
    );
    assert!(b.client.is_closed());
    assert!(!b.client.wants_write());
    assert_eq!(
        b.client.close_reason(),
        Some(&ConnectionError::Disconnected)
    );
    b.client.disconnect(b.now);
    b.client.handle_eof();
    b.send(Packet::PingResp);
    assert!(b.events().is_empty());
    assert!(b.bytes().is_empty());
    assert_eq!(
        b.client.subscribe(&[("a".into(), QoS::AtMostOnce)], b.now),
        Err(CommandError::NotConnected)
    );
}

#[test]
fn disconnect_before_connack() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.client.disconnect(b.now);
    assert_eq!(
        b.events(),
        vec![
            Event::Sent(PacketInfo::Connect),
            Event::Sent(PacketInfo::Disconnect)
        ]
    );
    let packets = b.packets();
    assert!(matches!(
        packets[..],
        [Packet::Connect(_), Packet::Disconnect(_)]
    ));
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::Disconnected)]
    );
}

#[test]
fn disconnect_without_a_connection_does_nothing() {
    let mut b = Broker::new(options());
    b.client.disconnect(b.now);
    assert!(b.bytes().is_empty());
    assert!(b.events().is_empty());
}

#[test]
fn poll_transmit_hands_over_the_buffer() {
    let mut b = Broker::connected(options());
    assert!(!b.client.poll_transmit(&mut Vec::new()), "nothing queued");
    b.client
        .publish("t", vec![0; 1000], QoS::AtMostOnce, false, b.now)
        .unwrap();
    assert_eq!(
        b.client.pending_output_len(),
        1006,
        "1 + 2 (remaining length) + 3 + 1000"
    );
    let mut out = Vec::new();
    assert!(b.client.poll_transmit(&mut out));
    assert_eq!(out.len(), 1006);
    assert_eq!(b.client.pending_output_len(), 0);
    assert!(!b.client.wants_write());
}

/// libmosquitto runs the connect callback before reading the next packet: a message queued in a
/// persistent session that arrives in the same read as CONNACK is decoded only after the application
/// has seen `Connected` (and subscribed), so `sending SUBSCRIBE` is traced before `received PUBLISH`.
#[test]
fn packets_after_connack_wait_until_connected_is_handled() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    let mut read = b.encode(&connack(0));
    read.extend(b.encode(&Packet::Publish(publish(
        "q",
        b"queued",
        QoS::AtMostOnce,
        0,
    ))));
    b.send_bytes(&read);
    let mut seen = Vec::new();
    while let Some(event) = b.client.poll_event() {
        if matches!(event, Event::Connected { .. }) {
            b.client
                .subscribe(&[("q".to_string(), QoS::AtMostOnce)], b.now)
                .unwrap();
        }
        seen.push(event);
    }
    let names: Vec<&str> = seen
        .iter()
        .map(|event| match event {
            Event::Received(PacketInfo::ConnAck { .. }) => "received CONNACK",
            Event::Connected { .. } => "connected",
            Event::Sent(PacketInfo::Subscribe { .. }) => "sending SUBSCRIBE",
            Event::Received(PacketInfo::Publish { .. }) => "received PUBLISH",
            Event::Message(_) => "message",
            _ => "other",
        })
        .collect();
    assert_eq!(
        names,
        [
            "received CONNACK",
            "connected",
            "sending SUBSCRIBE",
            "received PUBLISH",
            "message"
        ]
    );
}

/// A broker that refuses and closes at once: the application still gets to send DISCONNECT (as
/// mosquitto_sub does from its connect callback) before the end of the connection is processed.
#[test]
fn refusal_followed_by_eof_still_lets_the_application_disconnect() {
    let mut b = Broker::new(options());
    b.client.connect(b.now);
    b.bytes();
    b.events();
    b.send(connack(5));
    b.client.handle_eof();
    assert_eq!(
        b.client.poll_event(),
        Some(Event::Received(PacketInfo::ConnAck {
            code: 5,
            assigned_client_id: None,
        }))
    );
    assert_eq!(
        b.client.poll_event(),
        Some(Event::Closed(ConnectionError::Refused(5)))
    );
    b.client.disconnect(b.now);
    assert_eq!(
        b.client.poll_event(),
        Some(Event::Sent(PacketInfo::Disconnect))
    );
    assert_eq!(b.client.poll_event(), None);
    assert!(b.client.is_closed());
}
