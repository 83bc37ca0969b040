use super::super::{Packet, decode, encode};
use super::*;

const NO_LIMIT: usize = usize::MAX;

fn encoded(packet: &Packet, version: Version) -> Vec<u8> {
    let mut out = Vec::new();
    encode(packet, version, &mut out).expect("encodable");
    out
}

/// MQTT 3.1.1 §3.1.2, the "Variable header non normative example": protocol name "MQTT",
/// level 4, flags 0xCE (user name, password, will QoS 1, will flag, clean session), keep alive 10.
const SPEC_CONNECT_VARIABLE_HEADER: [u8; 10] =
    [0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A];

fn spec_example_connect() -> Connect {
    Connect {
        version: Version::V311,
        clean_session: true,
        keep_alive: 10,
        client_id: "c".into(),
        will: Some(Will {
            topic: "w".into(),
            payload: b"m".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: false,
            ..Default::default()
        }),
        username: Some("u".into()),
        password: Some(b"p".to_vec()),
        properties: Properties::new(),
    }
}

#[test]
fn connect_matches_spec_variable_header_example() {
    let packet = Packet::Connect(spec_example_connect());
    let bytes = encoded(&packet, Version::V311);
    let expected: &[u8] = &[
        0x10, 25, // fixed header: CONNECT, remaining length 10 + 5 * 3
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A, // variable header
        0x00, 0x01, b'c', // client identifier
        0x00, 0x01, b'w', // will topic
        0x00, 0x01, b'm', // will message
        0x00, 0x01, b'u', // user name
        0x00, 0x01, b'p', // password
    ];
    assert_eq!(bytes, expected);
    assert_eq!(&bytes[2..12], SPEC_CONNECT_VARIABLE_HEADER);
    assert_eq!(
        decode(&bytes, Version::V311, NO_LIMIT),
        Ok(Some((packet, bytes.len())))
    );
}

#[test]
fn connect_v31_uses_mqisdp_level_3() {
    let connect = Connect {
        version: Version::V31,
        clean_session: true,
        keep_alive: 60,
        client_id: "rpub".into(),
        will: None,
        username: None,
        password: None,
        properties: Properties::new(),
    };
    let packet = Packet::Connect(connect);
    let bytes = encoded(&packet, Version::V31);
    let expected: &[u8] = &[
        0x10, 18, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x02, 0x00, 60, 0x00, 0x04,
        b'r', b'p', b'u', b'b',
    ];
    assert_eq!(bytes, expected);
    // The version comes from the packet, not from the caller's version.
    assert_eq!(
        decode(&bytes, Version::V311, NO_LIMIT),
        Ok(Some((packet, bytes.len())))
    );
}

#[test]
fn connect_v31_password_without_username_is_accepted() {
    let bytes = [
        0x10, 19, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x42, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x03, b'p', b'w', b'd',
    ];
    let Ok(Some((Packet::Connect(connect), 21))) = decode(&bytes, Version::V31, NO_LIMIT) else {
        panic!("3.1 CONNECT with only a password must decode");
    };
    assert_eq!(connect.username, None);
    assert_eq!(connect.password.as_deref(), Some(&b"pwd"[..]));
}

#[test]
fn connack_bytes() {
    let accepted = Packet::ConnAck(ConnAck {
        session_present: true,
        code: 0,
        ..Default::default()
    });
    assert_eq!(encoded(&accepted, Version::V311), [0x20, 0x02, 0x01, 0x00]);
    // 3.1 has no session present flag: the byte is reserved and written as 0.
    assert_eq!(encoded(&accepted, Version::V31), [0x20, 0x02, 0x00, 0x00]);

    let refused = [0x20, 0x02, 0x00, 0x05];
    let expected = Packet::ConnAck(ConnAck {
        session_present: false,
        code: 5,
        ..Default::default()
    });
    assert_eq!(
        decode(&refused, Version::V311, NO_LIMIT),
        Ok(Some((expected, 4)))
    );
}

#[test]
fn connack_v31_ignores_its_reserved_byte() {
    assert_eq!(
        decode(&[0x20, 0x02, 0xFF, 0x00], Version::V31, NO_LIMIT),
        Ok(Some((
            Packet::ConnAck(ConnAck {
                session_present: false,
                code: 0,
                ..Default::default()
            }),
            4
        )))
    );
    assert_eq!(
        decode(&[0x20, 0x02, 0xFF, 0x00], Version::V311, NO_LIMIT),
        Err(DecodeError::ConnAckReservedFlags { flags: 0xFF })
    );
}

#[test]
fn connack_session_present_with_refusal_is_passed_through() {
    assert_eq!(
        decode(&[0x20, 0x02, 0x01, 0x04], Version::V311, NO_LIMIT),
        Ok(Some((
            Packet::ConnAck(ConnAck {
                session_present: true,
                code: 4,
                ..Default::default()
            }),
            4
        )))
    );
}

#[test]
fn bodiless_packets() {
    // §3.12.1, §3.13.1, §3.14.1: fixed header only, remaining length 0. In MQTT 5 a DISCONNECT
    // with reason 0 and no properties has the same short form (5.0 §3.14.2.1).
    for (packet, first_byte) in [
        (Packet::PingReq, 0xC0),
        (Packet::PingResp, 0xD0),
        (Packet::Disconnect(Disconnect::default()), 0xE0),
    ] {
        for version in [Version::V31, Version::V311, Version::V5] {
            assert_eq!(encoded(&packet, version), [first_byte, 0x00]);
            assert_eq!(
                decode(&[first_byte, 0x00, 0xC0], version, NO_LIMIT),
                Ok(Some((packet.clone(), 2)))
            );
        }
    }
}

#[test]
fn connect_with_too_long_field_appends_nothing() {
    let mut connect = spec_example_connect();
    connect.password = Some(vec![0; 65_536]);
    let mut out = vec![0x55];
    assert_eq!(
        encode(&Packet::Connect(connect), Version::V311, &mut out),
        Err(EncodeError::FieldTooLong { len: 65_536 })
    );
    assert_eq!(out, [0x55]);
}

// -----------------------------------------------------------------------------------------------
// MQTT 5

use super::super::{Property, PropertyId};

/// Encodes in MQTT 5, checks the bytes, and decodes them back.
fn assert_v5_bytes(packet: &Packet, expected: &[u8]) {
    assert_eq!(encoded(packet, Version::V5), expected, "{packet:?}");
    assert_eq!(
        decode(expected, Version::V5, NO_LIMIT),
        Ok(Some((packet.clone(), expected.len())))
    );
}

/// MQTT 5.0 §3.1.2.12, the "Variable Header example": protocol name "MQTT", version 5, flags 0xCE
/// (user name, password, will QoS 1, will flag, clean start), keep alive 10, then the properties:
/// length 5, session expiry interval (identifier 17) of 10 seconds.
const SPEC_V5_CONNECT_VARIABLE_HEADER: [u8; 16] = [
    0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0xCE, 0x00, 0x0A, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A,
];

#[test]
fn v5_connect_matches_spec_variable_header_example() {
    let packet = Packet::Connect(Connect {
        version: Version::V5,
        properties: Properties::new().with(Property::SessionExpiryInterval(10)),
        ..spec_example_connect()
    });
    let expected: &[u8] = &[
        0x10, 32, // fixed header: CONNECT, remaining length 16 + 3 + 1 + 4 * 3
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0xCE, 0x00,
        0x0A, // name, version, flags, keep alive
        0x05, 0x11, 0x00, 0x00, 0x00, 0x0A, // properties: session expiry interval 10
        0x00, 0x01, b'c', // client identifier
        0x00, // will properties: none
        0x00, 0x01, b'w', // will topic
        0x00, 0x01, b'm', // will payload
        0x00, 0x01, b'u', // user name
        0x00, 0x01, b'p', // password
    ];
    assert_eq!(&expected[2..18], SPEC_V5_CONNECT_VARIABLE_HEADER);
    assert_v5_bytes(&packet, expected);
}

#[test]
fn v5_connect_with_will_properties() {
    let packet = Packet::Connect(Connect {
        version: Version::V5,
        clean_session: false,
        keep_alive: 60,
        client_id: "id".into(),
        will: Some(Will {
            topic: "t".into(),
            payload: b"bye".to_vec(),
            qos: QoS::ExactlyOnce,
            retain: true,
            properties: Properties::new()
                .with(Property::WillDelayInterval(30))
                .with(Property::ContentType("txt".into()))
                .with(Property::UserProperty("k".into(), "v".into())),
        }),
        username: None,
        // No user name: allowed in MQTT 5 (§3.1.2.9).
        password: Some(b"pw".to_vec()),
        properties: Properties::new()
            .with(Property::ReceiveMaximum(20))
            .with(Property::TopicAliasMaximum(5))
            .with(Property::RequestResponseInformation(1))
            .with(Property::RequestProblemInformation(0))
            .with(Property::MaximumPacketSize(0x0001_0000))
            .with(Property::AuthenticationMethod("m".into()))
            .with(Property::AuthenticationData(vec![0xAD])),
    });
    let expected: &[u8] = &[
        0x10, 69, // CONNECT, remaining length 69
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, // protocol name, version 5
        0x74, // flags: password 0x40, will retain 0x20, will QoS 2 0x10, will 0x04
        0x00, 0x3C, // keep alive 60
        0x17, // property length 23
        0x21, 0x00, 0x14, // receive maximum 20
        0x22, 0x00, 0x05, // topic alias maximum 5
        0x19, 0x01, // request response information 1
        0x17, 0x00, // request problem information 0
        0x27, 0x00, 0x01, 0x00, 0x00, // maximum packet size 65536
        0x15, 0x00, 0x01, b'm', // authentication method "m"
        0x16, 0x00, 0x01, 0xAD, // authentication data AD
        0x00, 0x02, b'i', b'd', // client identifier "id"
        0x12, // will property length 18
        0x18, 0x00, 0x00, 0x00, 0x1E, // will delay interval 30
        0x03, 0x00, 0x03, b't', b'x', b't', // content type "txt"
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // user property k=v
        0x00, 0x01, b't', // will topic "t"
        0x00, 0x03, b'b', b'y', b'e', // will payload "bye"
        0x00, 0x02, b'p', b'w', // password "pw"
    ];
    assert_v5_bytes(&packet, expected);
}

#[test]
fn v5_connack_bytes() {
    // Success, no properties: the property length is still there.
    assert_v5_bytes(
        &Packet::ConnAck(ConnAck::default()),
        &[0x20, 0x03, 0x00, 0x00, 0x00],
    );
    let packet = Packet::ConnAck(ConnAck {
        session_present: true,
        code: 0,
        properties: Properties::new()
            .with(Property::AssignedClientIdentifier("auto".into()))
            .with(Property::ServerKeepAlive(120))
            .with(Property::MaximumQoS(1))
            .with(Property::RetainAvailable(0))
            .with(Property::ReceiveMaximum(10))
            .with(Property::TopicAliasMaximum(0))
            .with(Property::SessionExpiryInterval(3600))
            .with(Property::SharedSubscriptionAvailable(0)),
    });
    let expected: &[u8] = &[
        0x20, 0x1E, // CONNACK, remaining length 30
        0x01, // session present
        0x00, // reason code: success
        0x1B, // property length 27
        0x12, 0x00, 0x04, b'a', b'u', b't', b'o', // assigned client identifier "auto"
        0x13, 0x00, 0x78, // server keep alive 120
        0x24, 0x01, // maximum QoS 1
        0x25, 0x00, // retain available 0
        0x21, 0x00, 0x0A, // receive maximum 10
        0x22, 0x00, 0x00, // topic alias maximum 0
        0x11, 0x00, 0x00, 0x0E, 0x10, // session expiry interval 3600
        0x2A, 0x00, // shared subscription available 0
    ];
    assert_v5_bytes(&packet, expected);
    // A refusal with a reason string; MQTT 5 reason codes replace 3.x return codes.
    let refused = Packet::ConnAck(ConnAck {
        session_present: false,
        code: 0x86,
        properties: Properties::new().with(Property::ReasonString("bad".into())),
    });
    assert_v5_bytes(
        &refused,
        &[
            0x20, 0x09, 0x00, 0x86, 0x06, 0x1F, 0x00, 0x03, b'b', b'a', b'd',
        ],
    );
}

/// MQTT 5.0 §3.14.2.3, the "DISCONNECT packet Variable Header non-normative example": reason code 0,
/// properties of length 5 holding a session expiry interval (identifier 17) of 0.
const SPEC_V5_DISCONNECT_VARIABLE_HEADER: [u8; 7] = [0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00];

#[test]
fn v5_disconnect_matches_spec_example_and_short_forms() {
    let spec = Packet::Disconnect(Disconnect {
        reason_code: 0,
        properties: Properties::new().with(Property::SessionExpiryInterval(0)),
    });
    let mut expected = vec![0xE0, 0x07];
    expected.extend_from_slice(&SPEC_V5_DISCONNECT_VARIABLE_HEADER);
    assert_v5_bytes(&spec, &expected);
    // Reason 0, no properties: remaining length 0 (§3.14.2.1).
    assert_v5_bytes(&Packet::Disconnect(Disconnect::default()), &[0xE0, 0x00]);
    // Any other reason without properties: remaining length 1 (§3.14.2.2.1).
    assert_v5_bytes(
        &Packet::Disconnect(Disconnect {
            reason_code: 0x04,
            properties: Properties::new(),
        }),
        &[0xE0, 0x01, 0x04],
    );
    // The long forms of the same packets are accepted too.
    for (long, short) in [
        (&[0xE0, 0x01, 0x00][..], Disconnect::default()),
        (&[0xE0, 0x02, 0x00, 0x00][..], Disconnect::default()),
        (
            &[0xE0, 0x02, 0x04, 0x00][..],
            Disconnect {
                reason_code: 0x04,
                properties: Properties::new(),
            },
        ),
    ] {
        assert_eq!(
            decode(long, Version::V5, NO_LIMIT),
            Ok(Some((Packet::Disconnect(short), long.len())))
        );
    }
    let from_server = Packet::Disconnect(Disconnect {
        reason_code: 0x9D,
        properties: Properties::new()
            .with(Property::ServerReference("b:1".into()))
            .with(Property::ReasonString("moved".into())),
    });
    assert_v5_bytes(
        &from_server,
        &[
            0xE0, 0x10, // DISCONNECT, remaining length 16
            0x9D, // server moved
            0x0E, // property length 14
            0x1C, 0x00, 0x03, b'b', b':', b'1', // server reference "b:1"
            0x1F, 0x00, 0x05, b'm', b'o', b'v', b'e', b'd', // reason string "moved"
        ],
    );
}

#[test]
fn v5_auth_bytes() {
    // Success without properties: remaining length 0 (§3.15.2.1).
    assert_v5_bytes(&Packet::Auth(Auth::default()), &[0xF0, 0x00]);
    // Any other reason code is followed by a property length, even an empty one.
    assert_v5_bytes(
        &Packet::Auth(Auth {
            reason_code: 0x19,
            properties: Properties::new(),
        }),
        &[0xF0, 0x02, 0x19, 0x00],
    );
    let continue_auth = Packet::Auth(Auth {
        reason_code: 0x18,
        properties: Properties::new()
            .with(Property::AuthenticationMethod("SCRAM".into()))
            .with(Property::AuthenticationData(vec![0x01, 0x02]))
            .with(Property::ReasonString("more".into())),
    });
    assert_v5_bytes(
        &continue_auth,
        &[
            0xF0, 0x16, // AUTH, remaining length 22
            0x18, // continue authentication
            0x14, // property length 20
            0x15, 0x00, 0x05, b'S', b'C', b'R', b'A', b'M', // authentication method
            0x16, 0x00, 0x02, 0x01, 0x02, // authentication data
            0x1F, 0x00, 0x04, b'm', b'o', b'r', b'e', // reason string
        ],
    );
}

#[test]
fn v5_connect_version_and_password_rules() {
    // MQTT 5 lets a password go without a user name; 3.1.1 does not (§3.1.2.9 in both).
    let bytes = [
        0x10, 0x11, // CONNECT, remaining length 17
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, // protocol name, version 5
        0x42, // flags: password, clean start
        0x00, 0x00, // keep alive 0
        0x00, // no properties
        0x00, 0x00, // empty client identifier
        0x00, 0x02, b'p', b'w', // password "pw"
    ];
    // Decoded by a connection that expects 3.1.1: a CONNECT's version comes from the packet.
    let Ok(Some((Packet::Connect(connect), 19))) = decode(&bytes, Version::V311, NO_LIMIT) else {
        panic!("MQTT 5 CONNECT with only a password must decode");
    };
    assert_eq!(connect.version, Version::V5);
    assert_eq!(connect.username, None);
    assert_eq!(connect.password.as_deref(), Some(&b"pw"[..]));
    let mut as_v311 = bytes;
    as_v311[8] = 0x04;
    as_v311[1] = 0x10;
    // Without the property length byte, the same CONNECT in 3.1.1 breaks §3.1.2.9.
    let as_v311: Vec<u8> = as_v311[..12]
        .iter()
        .chain(&as_v311[13..])
        .copied()
        .collect();
    assert_eq!(
        decode(&as_v311, Version::V311, NO_LIMIT),
        Err(DecodeError::PasswordWithoutUsername)
    );
    // The property identifiers of CONNECT itself are checked in the CONNECT context.
    assert!(PropertyId::ReceiveMaximum.is_allowed_in(PropertyContext::Packet(PacketType::Connect)));
}
