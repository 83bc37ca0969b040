//! Keepalive: PINGREQ at the deadline, PINGRESP and CONNACK timeouts, what postpones them.

use super::*;

// ---- keepalive ----

#[test]
fn pingreq_exactly_at_the_deadline() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.bytes();
    b.set_time(1.0);
    b.send(connack(0));
    b.events();
    // Output at 0, input at 1: the deadline is the earlier one plus 10 s.
    assert_eq!(b.client.poll_timeout(), Some(b.at(10.0)));
    b.set_time(9.999);
    b.tick();
    assert!(b.bytes().is_empty(), "no PINGREQ before the deadline");
    assert!(b.events().is_empty());
    b.set_time(10.0);
    b.tick();
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::PingReq)]);
    assert_eq!(b.bytes(), vec![0xC0, 0x00]);
    assert_eq!(b.client.poll_timeout(), Some(b.at(20.0)));
    b.tick();
    assert!(b.bytes().is_empty(), "one PINGREQ per deadline");

    b.set_time(11.0);
    b.send(Packet::PingResp);
    assert_eq!(b.events(), vec![Event::Received(PacketInfo::PingResp)]);
    // Output at 10, input at 11.
    assert_eq!(b.client.poll_timeout(), Some(b.at(20.0)));
    b.set_time(20.0);
    b.tick();
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::PingReq)]);
    assert_eq!(b.packets(), vec![Packet::PingReq]);
    assert!(b.client.is_connected());
}

#[test]
fn missing_pingresp_is_a_keepalive_timeout() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.send(connack(0));
    b.set_time(10.0);
    b.tick();
    assert_eq!(
        b.packets(),
        vec![
            Packet::Connect(Connect {
                version: Version::V311,
                clean_session: true,
                keep_alive: 10,
                client_id: "c1".into(),
                will: None,
                username: None,
                password: None,
                properties: Default::default(),
            }),
            Packet::PingReq
        ]
    );
    b.events();
    b.set_time(19.999);
    b.tick();
    assert!(b.events().is_empty());
    b.set_time(20.0);
    b.tick();
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::KeepaliveTimeout)]
    );
    assert!(b.bytes().is_empty(), "no second PINGREQ");
    assert!(b.client.is_closed());
    assert_eq!(b.client.poll_timeout(), None);
    assert_eq!(
        b.client.close_reason(),
        Some(&ConnectionError::KeepaliveTimeout)
    );
    b.client.handle_eof();
    assert!(b.events().is_empty(), "already closed");
}

#[test]
fn other_input_while_waiting_for_pingresp_postpones_the_timeout() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.send(connack(0));
    b.set_time(10.0);
    b.tick();
    b.set_time(15.0);
    b.send(Packet::Publish(publish("t", b"x", QoS::AtMostOnce, 0)));
    // A received packet moves only the input reference: the output one (10) still decides.
    assert_eq!(b.client.poll_timeout(), Some(b.at(20.0)));
    b.set_time(20.0);
    b.tick();
    assert_eq!(
        b.events().last(),
        Some(&Event::Closed(ConnectionError::KeepaliveTimeout))
    );
}

#[test]
fn no_connack_within_keepalive_is_a_keepalive_timeout() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 5,
        ..options()
    });
    b.client.connect(b.now);
    b.events();
    assert_eq!(b.client.poll_timeout(), Some(b.at(5.0)));
    b.set_time(4.5);
    b.tick();
    assert!(b.events().is_empty());
    b.set_time(5.0);
    b.tick();
    assert_eq!(
        b.events(),
        vec![Event::Closed(ConnectionError::KeepaliveTimeout)]
    );
    assert_eq!(
        b.packets().len(),
        0,
        "no PINGREQ before CONNACK, output dropped"
    );
    b.send(connack(0));
    assert!(b.events().is_empty(), "input after close is ignored");
    assert!(!b.client.is_connected());
}

#[test]
fn traffic_both_ways_postpones_the_ping_one_way_does_not() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.client.connect(b.now);
    b.send(connack(0));
    b.bytes();
    b.events();
    // Output only: the input reference (0) still decides.
    b.set_time(5.0);
    let mid = b
        .client
        .publish("t", b"x".to_vec(), QoS::AtLeastOnce, false, b.now)
        .unwrap();
    assert_eq!(b.packets().len(), 1);
    assert_eq!(b.client.poll_timeout(), Some(b.at(10.0)));
    // The PUBACK comes back at 6: now min(5, 6) + 10.
    b.set_time(6.0);
    b.send(Packet::PubAck(ack(mid)));
    assert_eq!(b.client.poll_timeout(), Some(b.at(15.0)));
    b.set_time(10.0);
    b.tick();
    assert!(b.bytes().is_empty(), "traffic postponed the ping");
    // Input only: a message received at 12 does not move the output reference (5).
    b.set_time(12.0);
    b.send(Packet::Publish(publish("t", b"y", QoS::AtMostOnce, 0)));
    assert_eq!(b.client.poll_timeout(), Some(b.at(15.0)));
    b.set_time(15.0);
    b.events();
    b.tick();
    assert_eq!(b.packets(), vec![Packet::PingReq]);
    assert_eq!(b.events(), vec![Event::Sent(PacketInfo::PingReq)]);
}

#[test]
fn keepalive_zero_disables_every_timer() {
    let mut b = Broker::new(ClientOptions {
        keep_alive: 0,
        ..options()
    });
    b.client.connect(b.now);
    assert_eq!(b.client.poll_timeout(), None);
    b.set_time(1_000_000.0);
    b.tick();
    b.send(connack(0));
    assert_eq!(b.client.poll_timeout(), None);
    b.set_time(2_000_000.0);
    b.tick();
    b.events();
    assert!(b.client.is_connected());
    assert_eq!(b.packets().len(), 1, "only the CONNECT");
}

#[test]
fn server_pingreq_is_answered() {
    let mut b = Broker::connected(options());
    b.send(Packet::PingReq);
    assert_eq!(
        b.events(),
        vec![
            Event::Received(PacketInfo::PingReq),
            Event::Sent(PacketInfo::PingResp)
        ]
    );
    assert_eq!(b.bytes(), vec![0xD0, 0x00]);
}

#[test]
fn a_pingreq_behind_a_large_message_is_answered_only_once_written() {
    // A slow link: the PINGREQ queued at 10 s waits behind a message the socket takes slowly.
    let mut b = Broker::connected(ClientOptions {
        keep_alive: 10,
        ..options()
    });
    b.set_time(10.0);
    b.tick();
    assert!(b.client.ping_outstanding());
    b.set_time(15.0);
    b.client.handle_written(b.now);
    b.set_time(24.9);
    b.tick();
    assert!(
        b.client.is_connected(),
        "bytes were still being written at 15 s"
    );
    b.set_time(25.0);
    b.tick();
    assert_eq!(
        b.events().last(),
        Some(&Event::Closed(ConnectionError::KeepaliveTimeout))
    );
}
