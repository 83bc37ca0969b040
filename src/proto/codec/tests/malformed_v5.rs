//! The table of malformed MQTT 5 inputs and the exact error of each.

use super::*;

/// The MQTT 5 rules. Property bytes are written out: identifier, then value.
pub(super) fn malformed_v5_inputs() -> Vec<Malformed> {
    use DecodeError as E;
    use PacketType as T;
    use PropertyId as P;
    let publish = PUBLISH_PROPERTIES;
    let client_id_a: &[u8] = &[0x00, 0x01, b'a'];
    vec![
        malformed_v5(
            "property length 5 with 1 byte left",
            v5_publish(&[0x05, 0x01]),
            E::PropertyLengthPastEnd {
                packet: T::Publish,
                length: 5,
                available: 1,
            },
        ),
        malformed_v5(
            "PUBACK property length with a continuation bit on its fourth byte",
            // Packet id 1, reason 0x00, property length 0x80 0x80 0x80 0x80 0x01.
            with_body(0x40, &[0x00, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x01]),
            E::VariableByteIntegerTooLong {
                packet: T::PubAck,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "subscription identifier of five bytes",
            // Property length 6: identifier 0x0B, 0x80 0x80 0x80 0x80 0x01 (2^28).
            v5_publish(&[0x06, 0x0B, 0x80, 0x80, 0x80, 0x80, 0x01]),
            E::VariableByteIntegerTooLong {
                packet: T::Publish,
                field: Field::Property(P::SubscriptionIdentifier),
            },
        ),
        malformed_v5(
            "PUBLISH QoS 1 ends before its property length",
            with_body(0x32, &[0x00, 0x01, b't', 0x00, 0x01]),
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "CONNACK without a property length",
            vec![0x20, 0x02, 0x00, 0x00],
            E::BodyTooShort {
                packet: T::ConnAck,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "unknown property identifier 0x04",
            v5_publish(&[0x02, 0x04, 0x00]),
            E::UnknownProperty {
                context: publish,
                identifier: 0x04,
            },
        ),
        malformed_v5(
            "property identifier with bit 7 set (a two-byte identifier)",
            // DISCONNECT reason 0x00, property length 2, identifier 0x81 0x01.
            with_body(0xE0, &[0x00, 0x02, 0x81, 0x01]),
            E::UnknownProperty {
                context: PropertyContext::Packet(T::Disconnect),
                identifier: 0x81,
            },
        ),
        malformed_v5(
            "reason string in PUBLISH",
            // Property length 4: identifier 0x1F, string "r".
            v5_publish(&[0x04, 0x1F, 0x00, 0x01, b'r']),
            E::PropertyNotAllowed {
                context: publish,
                property: P::ReasonString,
            },
        ),
        malformed_v5(
            "will delay interval in CONNECT properties",
            // Property length 5: identifier 0x18, 1; then client id "a".
            v5_connect(
                0x02,
                &[0x05, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b'a'],
            ),
            E::PropertyNotAllowed {
                context: CONNECT_PROPERTIES,
                property: P::WillDelayInterval,
            },
        ),
        malformed_v5(
            "session expiry interval in will properties",
            v5_connect(
                0x06,
                &[
                    0x00, // no CONNECT properties
                    0x00, 0x01, b'a', // client id "a"
                    0x05, 0x11, 0x00, 0x00, 0x00, 0x01, // will properties: session expiry 1
                    0x00, 0x01, b'w', // will topic "w"
                    0x00, 0x00, // empty will payload
                ],
            ),
            E::PropertyNotAllowed {
                context: PropertyContext::Will,
                property: P::SessionExpiryInterval,
            },
        ),
        malformed_v5(
            "subscription identifier in SUBACK",
            // Packet id 1, property length 2: identifier 0x0B, 1; reason code 0x00.
            with_body(0x90, &[0x00, 0x01, 0x02, 0x0B, 0x01, 0x00]),
            E::PropertyNotAllowed {
                context: PropertyContext::Packet(T::SubAck),
                property: P::SubscriptionIdentifier,
            },
        ),
        malformed_v5(
            "content type twice",
            v5_publish(&[0x08, 0x03, 0x00, 0x01, b'a', 0x03, 0x00, 0x01, b'b']),
            E::DuplicateProperty {
                context: publish,
                property: P::ContentType,
            },
        ),
        malformed_v5(
            "two subscription identifiers in SUBSCRIBE",
            // Packet id 1, property length 4: 0x0B 1, 0x0B 2; filter "a", options 0.
            with_body(
                0x82,
                &[
                    0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, b'a', 0x00,
                ],
            ),
            E::DuplicateProperty {
                context: PropertyContext::Packet(T::Subscribe),
                property: P::SubscriptionIdentifier,
            },
        ),
        malformed_v5(
            "reason string twice in PUBACK",
            // Packet id 1, reason 0x00, property length 6: two empty reason strings.
            with_body(
                0x40,
                &[0x00, 0x01, 0x00, 0x06, 0x1F, 0x00, 0x00, 0x1F, 0x00, 0x00],
            ),
            E::DuplicateProperty {
                context: PropertyContext::Packet(T::PubAck),
                property: P::ReasonString,
            },
        ),
        malformed_v5(
            "payload format indicator 2",
            v5_publish(&[0x02, 0x01, 0x02]),
            E::InvalidPropertyValue {
                property: P::PayloadFormatIndicator,
                value: 2,
            },
        ),
        malformed_v5(
            "maximum QoS 2",
            // Flags 0, reason 0x00, property length 2: identifier 0x24, 2.
            with_body(0x20, &[0x00, 0x00, 0x02, 0x24, 0x02]),
            E::InvalidPropertyValue {
                property: P::MaximumQoS,
                value: 2,
            },
        ),
        malformed_v5(
            "retain available 0xFF",
            with_body(0x20, &[0x00, 0x00, 0x02, 0x25, 0xFF]),
            E::InvalidPropertyValue {
                property: P::RetainAvailable,
                value: 255,
            },
        ),
        malformed_v5(
            "subscription identifier 0",
            v5_publish(&[0x02, 0x0B, 0x00]),
            E::InvalidPropertyValue {
                property: P::SubscriptionIdentifier,
                value: 0,
            },
        ),
        malformed_v5(
            "receive maximum 0",
            with_body(0x20, &[0x00, 0x00, 0x03, 0x21, 0x00, 0x00]),
            E::InvalidPropertyValue {
                property: P::ReceiveMaximum,
                value: 0,
            },
        ),
        malformed_v5(
            "maximum packet size 0",
            v5_connect(
                0x02,
                &[0x05, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, b'a'],
            ),
            E::InvalidPropertyValue {
                property: P::MaximumPacketSize,
                value: 0,
            },
        ),
        malformed_v5(
            "topic alias 0",
            v5_publish(&[0x03, 0x23, 0x00, 0x00]),
            E::InvalidPropertyValue {
                property: P::TopicAlias,
                value: 0,
            },
        ),
        malformed_v5(
            "request problem information 2",
            v5_connect(0x02, &[0x02, 0x17, 0x02, 0x00, 0x01, b'a']),
            E::InvalidPropertyValue {
                property: P::RequestProblemInformation,
                value: 2,
            },
        ),
        malformed_v5(
            "response topic #",
            v5_publish(&[0x04, 0x08, 0x00, 0x01, b'#']),
            E::WildcardInResponseTopic,
        ),
        malformed_v5(
            "content type with the byte 0xFF",
            v5_publish(&[0x04, 0x03, 0x00, 0x01, 0xFF]),
            E::InvalidUtf8 {
                field: Field::Property(P::ContentType),
            },
        ),
        malformed_v5(
            "user property value U+0000",
            v5_publish(&[0x07, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, 0x00]),
            E::NullCharacter {
                field: Field::Property(P::UserProperty),
            },
        ),
        malformed_v5(
            "correlation data longer than the property list",
            // Property length 4 holds identifier 0x09, length 5 and one byte; 0xBB 0xCC is payload.
            v5_publish(&[0x04, 0x09, 0x00, 0x05, 0xAA, 0xBB, 0xCC]),
            E::StringPastEnd {
                field: Field::Property(P::CorrelationData),
                length: 5,
                available: 1,
            },
        ),
        malformed_v5(
            "message expiry interval cut short by the property length",
            // Property length 3: identifier 0x02 and two of its four bytes; 0x00 0x3C is payload.
            v5_publish(&[0x03, 0x02, 0x00, 0x00, 0x00, 0x3C]),
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::Property(P::MessageExpiryInterval),
            },
        ),
        malformed_v5(
            "authentication data without authentication method",
            v5_connect(0x02, &[0x04, 0x16, 0x00, 0x01, 0xAA, 0x00, 0x01, b'a']),
            E::AuthenticationDataWithoutMethod,
        ),
        malformed_v5(
            "CONNACK return code 5 in MQTT 5",
            with_body(0x20, &[0x00, 0x05, 0x00]),
            E::InvalidReasonCode {
                packet: T::ConnAck,
                code: 0x05,
            },
        ),
        malformed_v5(
            "PUBACK with the PUBREL reason code 0x92",
            with_body(0x40, &[0x00, 0x01, 0x92]),
            E::InvalidReasonCode {
                packet: T::PubAck,
                code: 0x92,
            },
        ),
        malformed_v5(
            "PUBREL with the PUBACK reason code 0x10",
            with_body(0x62, &[0x00, 0x01, 0x10]),
            E::InvalidReasonCode {
                packet: T::PubRel,
                code: 0x10,
            },
        ),
        malformed_v5(
            "SUBACK reason code 3",
            with_body(0x90, &[0x00, 0x01, 0x00, 0x00, 0x03]),
            E::InvalidReasonCode {
                packet: T::SubAck,
                code: 0x03,
            },
        ),
        malformed_v5(
            "UNSUBACK reason code 1",
            with_body(0xB0, &[0x00, 0x01, 0x00, 0x01]),
            E::InvalidReasonCode {
                packet: T::UnsubAck,
                code: 0x01,
            },
        ),
        malformed_v5(
            "DISCONNECT reason code 1",
            with_body(0xE0, &[0x01]),
            E::InvalidReasonCode {
                packet: T::Disconnect,
                code: 0x01,
            },
        ),
        malformed_v5(
            "AUTH reason code 1",
            with_body(0xF0, &[0x01, 0x00]),
            E::InvalidReasonCode {
                packet: T::Auth,
                code: 0x01,
            },
        ),
        malformed_v5(
            "AUTH reason code without a property length",
            with_body(0xF0, &[0x18]),
            E::BodyTooShort {
                packet: T::Auth,
                field: Field::PropertyLength,
            },
        ),
        malformed_v5(
            "AUTH with flags",
            vec![0xF1, 0x00],
            E::InvalidFlags {
                packet: T::Auth,
                flags: 0x01,
            },
        ),
        malformed_v5(
            "subscription options reserved bit 6",
            // Packet id 1, no properties, filter "a", options 0x40.
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x40]),
            E::InvalidSubscriptionOptions { byte: 0x40 },
        ),
        malformed_v5(
            "subscription options retain handling 3",
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x30]),
            E::InvalidSubscriptionOptions { byte: 0x30 },
        ),
        malformed_v5(
            "subscription options QoS 3",
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x03]),
            E::InvalidSubscriptionOptions { byte: 0x03 },
        ),
        malformed_v5(
            "SUBSCRIBE filter without its subscription options",
            with_body(0x82, &[0x00, 0x01, 0x00, 0x00, 0x01, b'a']),
            E::BodyTooShort {
                packet: T::Subscribe,
                field: Field::SubscriptionOptions,
            },
        ),
        malformed_v5(
            "No Local on a shared subscription",
            with_body(
                0x82,
                &[&[0x00, 0x01, 0x00, 0x00, 0x0A][..], b"$share/g/t", &[0x04]].concat(),
            ),
            E::NoLocalOnSharedSubscription,
        ),
        malformed_v5(
            "empty topic name without a topic alias",
            with_body(0x30, &[0x00, 0x00, 0x00]),
            E::EmptyTopicWithoutAlias,
        ),
        malformed_v5(
            "UNSUBACK without reason codes",
            with_body(0xB0, &[0x00, 0x01, 0x00]),
            E::NoEntries {
                packet: T::UnsubAck,
            },
        ),
        malformed_v5(
            "PUBACK with a byte after its properties",
            with_body(0x40, &[0x00, 0x01, 0x00, 0x00, 0xAA]),
            E::TrailingBytes {
                packet: T::PubAck,
                extra: 1,
            },
        ),
        malformed_v5(
            "CONNACK with reserved acknowledge flag bits",
            with_body(0x20, &[0x02, 0x00, 0x00]),
            E::ConnAckReservedFlags { flags: 0x02 },
        ),
        malformed_v5(
            "CONNECT will properties longer than the packet",
            v5_connect(0x06, &[0x00, 0x00, 0x01, b'a', 0x09, 0x01, 0x01]),
            E::PropertyLengthPastEnd {
                packet: T::Connect,
                length: 9,
                available: 2,
            },
        ),
        malformed_v5(
            "CONNECT protocol name MQIsdp with level 5",
            connect_bytes(b"MQIsdp", 5, 0x02, &[0x00, 0x00, 0x01, b'a']),
            E::UnknownProtocolLevel {
                name_of: Version::V31,
                level: 5,
            },
        ),
        malformed_v5(
            "DISCONNECT property length past the packet",
            // Reason 0x00, property length 3: identifier 0x1F and a string length missing a byte.
            with_body(0xE0, &[0x00, 0x03, 0x1F, 0x00]),
            E::PropertyLengthPastEnd {
                packet: T::Disconnect,
                length: 3,
                available: 2,
            },
        ),
        Malformed {
            version: Version::V311,
            ..malformed(
                "UNSUBACK with a MQTT 5 reason code in 3.1.1",
                vec![0xB0, 0x03, 0x00, 0x01, 0x00],
                E::TrailingBytes {
                    packet: T::UnsubAck,
                    extra: 1,
                },
            )
        },
        Malformed {
            // A CONNECT's version comes from the packet, whatever the connection's.
            version: Version::V311,
            ..malformed(
                "MQTT 5 CONNECT with property identifier 0x00, read as MQTT 5 by a 3.1.1 decoder",
                // Property length 1 holding identifier 0x00; then client id "a".
                v5_connect(0x02, &[0x01, 0x00, 0x00, 0x01, b'a']),
                E::UnknownProperty {
                    context: CONNECT_PROPERTIES,
                    identifier: 0x00,
                },
            )
        },
        malformed_v5(
            "will topic missing after will properties",
            v5_connect(0x06, &[0x00, 0x00, 0x01, b'a', 0x00]),
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::WillTopic,
            },
        ),
        malformed_v5(
            "MQTT 5 client identifier longer than the packet",
            // No properties, then a client id whose length runs past the packet.
            v5_connect(0x02, &[0x00, 0x00, 0x05, b'a']),
            E::StringPastEnd {
                field: Field::ClientId,
                length: 5,
                available: 1,
            },
        ),
        Malformed {
            version: Version::V5,
            ..malformed(
                "client identifier with U+0000 in MQTT 5",
                v5_connect(0x02, &[0x00, 0x00, 0x01, 0x00]),
                E::NullCharacter {
                    field: Field::ClientId,
                },
            )
        },
        malformed_v5(
            "one byte property list holding only an identifier",
            v5_publish(&[0x01, 0x23]),
            E::BodyTooShort {
                packet: T::Publish,
                field: Field::Property(P::TopicAlias),
            },
        ),
        Malformed {
            version: Version::V5,
            ..malformed(
                "SUBSCRIBE without filters in MQTT 5",
                with_body(0x82, &[0x00, 0x01, 0x00]),
                E::NoEntries {
                    packet: T::Subscribe,
                },
            )
        },
        malformed_v5(
            "MQTT 5 CONNECT without its client id",
            v5_connect(0x02, &[0x00]),
            E::BodyTooShort {
                packet: T::Connect,
                field: Field::ClientId,
            },
        ),
        malformed_v5(
            "MQTT 5 connect flags reserved bit",
            v5_connect(0x03, &[0x00]),
            E::ConnectReservedFlag,
        ),
        malformed_v5(
            "MQTT 5 CONNECT with a byte after its last field",
            v5_connect(0x02, &[&[0x00][..], client_id_a, &[0xEE]].concat()),
            E::TrailingBytes {
                packet: T::Connect,
                extra: 1,
            },
        ),
    ]
}
