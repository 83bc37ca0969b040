use super::*;
use crate::proto::codec::QoS;

fn line(id: &str, event: Event) -> String {
    let mut out = Vec::new();
    assert!(event_line(id, &event, &mut out));
    String::from_utf8(out).expect("utf-8 in test")
}

fn publish_info(mid: u16, topic: &str, len: usize) -> PacketInfo {
    PacketInfo::Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        mid,
        topic: topic.to_string(),
        payload_len: len,
    }
}

// Expected lines are copied from the recorded scenarios (pub_qos1_debug, pub_qos2_debug,
// sub_q2_recv_pub_q2, sub_multiple_t, sub_U_unsubscribe, keepalive_sub_k5_pingreq).
#[test]
fn lines_match_recorded_mosquitto_output() {
    let cases = [
        (
            Event::Sent(PacketInfo::Connect),
            "Client p1 sending CONNECT\n",
        ),
        (
            Event::Received(PacketInfo::ConnAck {
                code: 0,
                assigned_client_id: None,
            }),
            "Client p1 received CONNACK (0)\n",
        ),
        (
            Event::Received(PacketInfo::ConnAck {
                code: 5,
                assigned_client_id: None,
            }),
            "Client p1 received CONNACK (5)\n",
        ),
        (
            Event::Sent(publish_info(1, "pub/q1", 5)),
            "Client p1 sending PUBLISH (d0, q1, r0, m1, 'pub/q1', ... (5 bytes))\n",
        ),
        (
            Event::Received(PacketInfo::PubAck { mid: 1, code: 0 }),
            "Client p1 received PUBACK (Mid: 1, RC:0)\n",
        ),
        (
            Event::Received(PacketInfo::PubRec { mid: 1, code: 0 }),
            "Client p1 received PUBREC (Mid: 1)\n",
        ),
        (
            Event::Sent(PacketInfo::PubRel { mid: 1 }),
            "Client p1 sending PUBREL (m1)\n",
        ),
        (
            Event::Received(PacketInfo::PubComp { mid: 1, code: 0 }),
            "Client p1 received PUBCOMP (Mid: 1, RC:0)\n",
        ),
        (
            Event::Sent(PacketInfo::PubAck { mid: 3, code: 0 }),
            "Client p1 sending PUBACK (m3, rc0)\n",
        ),
        (
            Event::Sent(PacketInfo::PubRec { mid: 3, code: 0 }),
            "Client p1 sending PUBREC (m3, rc0)\n",
        ),
        (
            Event::Received(PacketInfo::PubRel { mid: 3 }),
            "Client p1 received PUBREL (Mid: 3)\n",
        ),
        (
            Event::Sent(PacketInfo::PubComp { mid: 3, code: 0 }),
            "Client p1 sending PUBCOMP (m3)\n",
        ),
        (
            Event::Received(PacketInfo::SubAck {
                mid: 1,
                return_codes: vec![1],
            }),
            "Client p1 received SUBACK\n",
        ),
        (
            Event::Sent(PacketInfo::Unsubscribe {
                mid: 2,
                filter: "a/b".into(),
            }),
            "Client p1 sending UNSUBSCRIBE (Mid: 2, Topic: a/b)\n",
        ),
        (
            Event::Received(PacketInfo::UnsubAck { mid: 2 }),
            "Client p1 received UNSUBACK\n",
        ),
        (
            Event::Sent(PacketInfo::PingReq),
            "Client p1 sending PINGREQ\n",
        ),
        (
            Event::Received(PacketInfo::PingResp),
            "Client p1 received PINGRESP\n",
        ),
        (
            Event::Sent(PacketInfo::Disconnect),
            "Client p1 sending DISCONNECT\n",
        ),
        (
            Event::Warning(Warning::UnknownPubRec { mid: 7 }),
            "Warning: Received PUBREC from p1 for an unknown packet identifier 7.\n",
        ),
    ];
    for (event, expected) in cases {
        assert_eq!(line("p1", event), expected);
    }
}

// MQTT 5 lines, from the recorded *_v5 scenarios (pub_connack_codes_v5_fake, pub_v5_qos1
// (RC:16), err_pub_acl_denied_v5_q1/q2, err_pub_message_too_large_sizelimit_v5_q1,
// err_sub_empty_topic_v5, pub_v5_topic_alias_repeat) and from mosquitto_pub 2.0.11 run against a
// fake server (AUTH, server DISCONNECT before CONNACK).
#[test]
fn v5_lines_match_recorded_mosquitto_output() {
    let cases = [
        (
            Event::Received(PacketInfo::ConnAck {
                code: 135,
                assigned_client_id: None,
            }),
            "Client p1 received CONNACK (135)\n",
        ),
        (
            Event::Received(PacketInfo::PubAck { mid: 1, code: 16 }),
            "Client p1 received PUBACK (Mid: 1, RC:16)\n",
        ),
        (
            Event::Received(PacketInfo::PubAck { mid: 1, code: 149 }),
            "Client p1 received PUBACK (Mid: 1, RC:149)\n",
        ),
        (
            // The reason code of PUBREC is not printed, even a refusal.
            Event::Received(PacketInfo::PubRec { mid: 1, code: 135 }),
            "Client p1 received PUBREC (Mid: 1)\n",
        ),
        (
            Event::Received(PacketInfo::PubComp { mid: 2, code: 146 }),
            "Client p1 received PUBCOMP (Mid: 2, RC:146)\n",
        ),
        (
            Event::Received(PacketInfo::ServerDisconnect { reason_code: 129 }),
            "Received DISCONNECT (129)\n",
        ),
        (
            Event::Received(PacketInfo::ServerDisconnect { reason_code: 0 }),
            "Received DISCONNECT (0)\n",
        ),
        (
            Event::Received(PacketInfo::Auth { reason_code: 0x18 }),
            "Client p1 received AUTH\n",
        ),
        (
            // A DISCONNECT with reason 4 (will) prints the same line as a plain one.
            Event::Sent(PacketInfo::Disconnect),
            "Client p1 sending DISCONNECT\n",
        ),
        (
            Event::Sent(PacketInfo::Publish {
                dup: false,
                qos: QoS::AtMostOnce,
                retain: false,
                mid: 2,
                topic: String::new(),
                payload_len: 1,
            }),
            "Client p1 sending PUBLISH (d0, q0, r0, m2, '(null)', ... (1 bytes))\n",
        ),
    ];
    for (event, expected) in cases {
        assert_eq!(line("p1", event), expected);
    }
}

// sub_v5_R_and_rap_options: 0x08 retain-as-published, 0x20 retain handling 2, 0x28 both.
#[test]
fn v5_subscribe_options_byte() {
    let event = Event::Sent(PacketInfo::Subscribe {
        mid: 1,
        filters: vec![
            ("a".into(), QoS::AtMostOnce, 0x08),
            ("b".into(), QoS::AtLeastOnce, 0x20),
            ("c".into(), QoS::ExactlyOnce, 0x28),
        ],
    });
    assert_eq!(
        line("s5", event),
        "Client s5 sending SUBSCRIBE (Mid: 1, Topic: a, QoS: 0, Options: 0x08)\n\
         Client s5 sending SUBSCRIBE (Mid: 1, Topic: b, QoS: 1, Options: 0x20)\n\
         Client s5 sending SUBSCRIBE (Mid: 1, Topic: c, QoS: 2, Options: 0x28)\n"
    );
}

// pub_v5_default_id: `Client (null) sending CONNECT`, then the assigned id from CONNACK on.
#[test]
fn assigned_client_id_switches_the_shown_id_from_connack_on() {
    let assigned = "auto-771B22C9-154B-9648-3AC9-A837E6B980B7";
    let events = [
        Event::Sent(PacketInfo::Connect),
        Event::Received(PacketInfo::ConnAck {
            code: 0,
            assigned_client_id: Some(assigned.into()),
        }),
        Event::Sent(publish_info(1, "pub/v5defid", 1)),
    ];
    let mut shown = display_client_id("").to_string();
    let mut out = Vec::new();
    for event in &events {
        if let Some(id) = assigned_client_id(event) {
            shown = id.to_string();
        }
        event_line(&shown, event, &mut out);
    }
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        format!(
            "Client (null) sending CONNECT\n\
             Client {assigned} received CONNACK (0)\n\
             Client {assigned} sending PUBLISH (d0, q1, r0, m1, 'pub/v5defid', ... (1 bytes))\n"
        )
    );
    assert_eq!(
        assigned_client_id(&Event::Received(PacketInfo::ConnAck {
            code: 0,
            assigned_client_id: None
        })),
        None
    );
}

#[test]
fn incoming_qos0_publish_shows_m0_and_flags() {
    let info = PacketInfo::Publish {
        dup: true,
        qos: QoS::AtMostOnce,
        retain: true,
        mid: 0,
        topic: "a b/it's \"q\"".into(),
        payload_len: 0,
    };
    assert_eq!(
        line("s", Event::Received(info)),
        "Client s received PUBLISH (d1, q0, r1, m0, 'a b/it's \"q\"', ... (0 bytes))\n"
    );
}

#[test]
fn subscribe_prints_one_line_per_filter_with_the_same_mid() {
    let event = Event::Sent(PacketInfo::Subscribe {
        mid: 1,
        filters: vec![
            ("a".into(), QoS::AtLeastOnce, 0),
            ("b/#".into(), QoS::AtLeastOnce, 0),
        ],
    });
    assert_eq!(
        line("(null)", event),
        "Client (null) sending SUBSCRIBE (Mid: 1, Topic: a, QoS: 1, Options: 0x00)\n\
         Client (null) sending SUBSCRIBE (Mid: 1, Topic: b/#, QoS: 1, Options: 0x00)\n"
    );
}

#[test]
fn events_without_a_debug_line_print_nothing() {
    let mut out = Vec::new();
    assert!(!event_line("x", &Event::Published { mid: 1 }, &mut out));
    let failure = crate::proto::event::PublishFailure {
        mid: 1,
        ack: crate::proto::codec::PacketType::PubAck,
        reason_code: 135,
        properties: Default::default(),
    };
    assert!(!event_line("x", &Event::PublishFailed(failure), &mut out));
    assert!(!event_line(
        "x",
        &Event::Connected {
            session_present: false
        },
        &mut out
    ));
    assert!(out.is_empty());
}

#[test]
fn subscribed_line_lists_codes_in_order() {
    let mut out = Vec::new();
    subscribed_line(1, &[1, 128, 0], &mut out);
    assert_eq!(out, b"Subscribed (mid: 1): 1, 128, 0\n");
}

#[test]
fn empty_client_id_shows_as_null() {
    assert_eq!(display_client_id(""), "(null)");
    assert_eq!(display_client_id("myid   "), "myid   ");
}

// pub_long_topic_debug_truncation: a 605-char topic, id "publongt": the sending PUBLISH line is
// cut at 568 = 69 + 499 characters.
#[test]
fn long_lines_are_truncated_like_libmosquitto() {
    let topic = "t".repeat(605);
    let sent = line("publongt", Event::Sent(publish_info(1, &topic, 1)));
    assert_eq!(sent.len(), 568 + 1);
    assert!(sent.starts_with("Client publongt sending PUBLISH (d0, q1, r0, m1, 'ttt"));
    assert!(sent.ends_with("ttt\n"));
    let received = line("publongt", Event::Received(publish_info(1, &topic, 1)));
    assert_eq!(received.len(), 569 + 1);
    let subscribe = line(
        "s",
        Event::Sent(PacketInfo::Subscribe {
            mid: 1,
            filters: vec![
                (topic.clone(), QoS::AtMostOnce, 0),
                ("short".into(), QoS::AtMostOnce, 0),
            ],
        }),
    );
    let lines: Vec<&str> = subscribe.lines().collect();
    assert_eq!(lines[0].len(), 573);
    assert_eq!(
        lines[1],
        "Client s sending SUBSCRIBE (Mid: 1, Topic: short, QoS: 0, Options: 0x00)"
    );
}

#[test]
fn truncation_may_cut_inside_a_utf8_sequence_like_mosquitto() {
    // 'é' is two bytes; place one across the cut.
    let topic = format!(
        "{}é{}",
        "t".repeat(499 + 69 - "Client x sending PUBLISH (d0, q1, r0, m1, '".len() - 1),
        "z".repeat(50)
    );
    let mut out = Vec::new();
    event_line("x", &Event::Sent(publish_info(1, &topic, 1)), &mut out);
    assert_eq!(out.len(), 569);
    assert_eq!(out[567], 0xC3, "first byte of 'é' kept, second cut");
}

// mosquitto_pub -d talking to a TLS server that answered with an alert record (0x15 ...): the
// type nibble is CONNECT (16), which a client does not handle.
#[test]
fn unhandled_packet_types_are_logged_like_libmosquitto() {
    let mut out = Vec::new();
    let closed = |packet_type| {
        Event::Closed(ConnectionError::Protocol(ProtocolError::ServerOnlyPacket {
            packet_type,
        }))
    };
    assert!(event_line("p", &closed(PacketType::Connect), &mut out));
    assert_eq!(out, b"Error: Unrecognised command 16\n\n");
    out.clear();
    // A 3.1.1 server's DISCONNECT is a protocol error without a line.
    assert!(!event_line("p", &closed(PacketType::Disconnect), &mut out));
    assert!(out.is_empty());
}

// Our addition: mosquitto prints nothing under -d before its `Error: A network protocol error`.
#[test]
fn protocol_violations_get_a_line_saying_what_was_wrong() {
    let cases = [
        (
            ConnectionError::Decode(crate::proto::codec::DecodeError::PublishQoS3),
            "Client p protocol violation by the broker: malformed packet: PUBLISH with QoS 3: \
             both QoS bits must not be set (MQTT 3.1.1 §3.3.1.2)\n",
        ),
        (
            ConnectionError::Protocol(ProtocolError::WrongAcknowledgement {
                ack: PacketType::PubRec,
                mid: 1,
                qos: QoS::AtLeastOnce,
            }),
            "Client p protocol violation by the broker: PUBREC for packet identifier 1, a QoS 1 \
             message: PUBACK expected\n",
        ),
    ];
    for (error, expected) in cases {
        assert_eq!(line("p", Event::Closed(error)), expected);
    }
    let mut out = Vec::new();
    let mut sink = DebugLines { quiet: true };
    let stalled = TraceRecord::Unsent {
        bytes: 7,
        stalled_for: Some(std::time::Duration::from_secs(5)),
    };
    sink.record("p", stalled, &mut out);
    sink.record(
        "p",
        TraceRecord::Unsent {
            bytes: 9,
            stalled_for: None,
        },
        &mut out,
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        "Client p gave up: the broker took no data for 5 seconds, 7 bytes not sent\n\
         Client p connection lost with 9 bytes not sent\n"
    );
    // Other ends of a connection have no line.
    let mut out = Vec::new();
    assert!(!event_line(
        "p",
        &Event::Closed(ConnectionError::Lost),
        &mut out
    ));
    assert!(out.is_empty());
}
