//! Sample packets of every type: 3.1/3.1.1 ones, and MQTT 5 ones with every kind of field.

use super::*;

/// 3.1/3.1.1 packets of every type (no MQTT 5 fields).
pub(super) fn sample_packets(version: Version) -> Vec<Packet> {
    let ack = Ack::new(513);
    vec![
        Packet::Connect(Connect {
            version,
            clean_session: false,
            keep_alive: 0xFFFF,
            client_id: String::new(),
            will: Some(Will {
                topic: "status/ünïcode".into(),
                payload: vec![0, 1, 2, 0xFF],
                qos: QoS::ExactlyOnce,
                retain: true,
                ..Default::default()
            }),
            username: Some("user".into()),
            password: Some(vec![0xFF, 0x00, b'x']),
            properties: Properties::new(),
        }),
        Packet::Connect(Connect {
            version,
            clean_session: true,
            keep_alive: 60,
            client_id: "rsub|1234".into(),
            will: None,
            username: None,
            password: None,
            properties: Properties::new(),
        }),
        Packet::ConnAck(ConnAck {
            // 3.1 has no session present flag, so only 3.1.1 can carry `true` through a round trip.
            session_present: version == Version::V311,
            code: 0,
            ..Default::default()
        }),
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: 5,
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "sensors/temp".into(),
            packet_id: 0,
            payload: b"21.5".to_vec(),
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: "a".into(),
            packet_id: 65_535,
            payload: vec![0xAB; 300],
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: String::new(),
            packet_id: 1,
            payload: Vec::new(),
            ..Default::default()
        }),
        Packet::PubAck(ack.clone()),
        Packet::PubRec(ack.clone()),
        Packet::PubRel(ack.clone()),
        Packet::PubComp(ack),
        Packet::Subscribe(Subscribe {
            packet_id: 2,
            filters: vec![
                SubscribeFilter {
                    filter: "#".into(),
                    qos: QoS::AtMostOnce,
                    ..Default::default()
                },
                SubscribeFilter {
                    filter: "a/+/c".into(),
                    qos: QoS::ExactlyOnce,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
        Packet::SubAck(SubAck {
            packet_id: 2,
            return_codes: vec![0x00, 0x01, 0x02, 0x80],
            ..Default::default()
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 3,
            filters: vec!["#".into()],
            ..Default::default()
        }),
        Packet::UnsubAck(UnsubAck::new(3)),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Disconnect(Disconnect::default()),
    ]
}

pub(super) fn user(name: &str, value: &str) -> Property {
    Property::UserProperty(name.into(), value.into())
}

/// MQTT 5 packets of every type, in type order, with properties, reason codes, subscription options and
/// the short forms of acks, DISCONNECT and AUTH.
pub(super) fn v5_sample_packets() -> Vec<Packet> {
    vec![
        Packet::Connect(Connect {
            version: Version::V5,
            clean_session: true,
            keep_alive: 30,
            client_id: String::new(),
            will: Some(Will {
                topic: "status".into(),
                payload: b"offline".to_vec(),
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: Properties::new()
                    .with(Property::WillDelayInterval(10))
                    .with(Property::PayloadFormatIndicator(1))
                    .with(user("w", "1")),
            }),
            username: None,
            // MQTT 5 allows a password without a user name (5.0 §3.1.2.9).
            password: Some(b"secret".to_vec()),
            properties: Properties::new()
                .with(Property::SessionExpiryInterval(u32::MAX))
                .with(Property::ReceiveMaximum(20))
                .with(Property::AuthenticationMethod("SCRAM-SHA-1".into()))
                .with(Property::AuthenticationData(b"data".to_vec()))
                .with(user("a", "b"))
                .with(user("a", "c")),
        }),
        Packet::Connect(Connect {
            version: Version::V5,
            clean_session: false,
            keep_alive: 0,
            client_id: "rpub".into(),
            will: None,
            username: Some("u".into()),
            password: None,
            properties: Properties::new(),
        }),
        Packet::ConnAck(ConnAck {
            session_present: true,
            code: 0,
            properties: Properties::new()
                .with(Property::AssignedClientIdentifier("auto-0001".into()))
                .with(Property::TopicAliasMaximum(10))
                .with(Property::MaximumQoS(1))
                .with(Property::RetainAvailable(0))
                .with(Property::ServerKeepAlive(20))
                .with(Property::MaximumPacketSize(1000)),
        }),
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: 0x87,
            properties: Properties::new().with(Property::ReasonString("not authorized".into())),
        }),
        Packet::Publish(Publish {
            topic: "a/b".into(),
            payload: b"{}".to_vec(),
            properties: Properties::new()
                .with(Property::PayloadFormatIndicator(1))
                .with(Property::MessageExpiryInterval(60))
                .with(Property::ContentType("application/json".into()))
                .with(Property::ResponseTopic("reply".into()))
                .with(Property::CorrelationData(vec![1, 2]))
                .with(user("k", "v"))
                .with(Property::SubscriptionIdentifier(1))
                .with(Property::SubscriptionIdentifier(268_435_455)),
            ..Default::default()
        }),
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::AtLeastOnce,
            retain: true,
            // Empty: the topic alias stands for it.
            topic: String::new(),
            packet_id: 7,
            payload: vec![0xAB; 300],
            properties: Properties::new().with(Property::TopicAlias(1)),
        }),
        Packet::Publish(Publish {
            qos: QoS::ExactlyOnce,
            topic: "x".into(),
            packet_id: 65_535,
            ..Default::default()
        }),
        // Remaining length 2, 3 and more.
        Packet::PubAck(Ack::new(1)),
        Packet::PubAck(Ack {
            packet_id: 2,
            reason_code: 0x10,
            properties: Properties::new(),
        }),
        Packet::PubRec(Ack {
            packet_id: 3,
            reason_code: 0x97,
            properties: Properties::new().with(Property::ReasonString("quota".into())),
        }),
        Packet::PubRel(Ack {
            packet_id: 4,
            reason_code: 0x92,
            properties: Properties::new().with(user("x", "")),
        }),
        Packet::PubComp(Ack {
            packet_id: 5,
            reason_code: 0,
            properties: Properties::new().with(Property::ReasonString("done".into())),
        }),
        Packet::Subscribe(Subscribe {
            packet_id: 6,
            filters: vec![
                SubscribeFilter {
                    filter: "a/#".into(),
                    qos: QoS::ExactlyOnce,
                    no_local: true,
                    retain_as_published: true,
                    retain_handling: RetainHandling::DoNotSend,
                },
                SubscribeFilter {
                    filter: "$share/g/t".into(),
                    qos: QoS::AtLeastOnce,
                    no_local: false,
                    retain_as_published: false,
                    retain_handling: RetainHandling::SendIfNew,
                },
            ],
            properties: Properties::new()
                .with(Property::SubscriptionIdentifier(42))
                .with(user("s", "1")),
        }),
        Packet::SubAck(SubAck {
            packet_id: 6,
            return_codes: vec![0x02, 0x01, 0x00, 0x80, 0x8F, 0xA2],
            properties: Properties::new().with(Property::ReasonString("mixed".into())),
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 8,
            filters: vec!["a/#".into(), "b".into()],
            properties: Properties::new().with(user("u", "2")),
        }),
        Packet::UnsubAck(UnsubAck {
            packet_id: 8,
            reason_codes: vec![0x00, 0x11],
            properties: Properties::new().with(Property::ReasonString("one missing".into())),
        }),
        Packet::PingReq,
        Packet::PingResp,
        // Remaining length 0, 1 and more.
        Packet::Disconnect(Disconnect::default()),
        Packet::Disconnect(Disconnect {
            reason_code: 0x04,
            properties: Properties::new(),
        }),
        Packet::Disconnect(Disconnect {
            reason_code: 0x9C,
            properties: Properties::new()
                .with(Property::SessionExpiryInterval(0))
                .with(Property::ReasonString("moving".into()))
                .with(Property::ServerReference("other:1883".into()))
                .with(user("d", "3")),
        }),
        Packet::Auth(Auth::default()),
        Packet::Auth(Auth {
            reason_code: 0x18,
            properties: Properties::new()
                .with(Property::AuthenticationMethod("SCRAM-SHA-1".into()))
                .with(Property::AuthenticationData(b"c=biws".to_vec())),
        }),
        Packet::Auth(Auth {
            reason_code: 0x19,
            properties: Properties::new(),
        }),
    ]
}
