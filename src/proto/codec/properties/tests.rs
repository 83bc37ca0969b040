use super::*;

/// One property of every identifier, with a value the decoder accepts.
pub(in super::super) fn sample(id: PropertyId) -> Property {
    match id {
        PropertyId::PayloadFormatIndicator => Property::PayloadFormatIndicator(1),
        PropertyId::MessageExpiryInterval => Property::MessageExpiryInterval(0x0102_0304),
        PropertyId::ContentType => Property::ContentType("text/plain".into()),
        PropertyId::ResponseTopic => Property::ResponseTopic("reply/to".into()),
        PropertyId::CorrelationData => Property::CorrelationData(vec![0x00, 0xFF, 0x10]),
        PropertyId::SubscriptionIdentifier => Property::SubscriptionIdentifier(268_435_455),
        PropertyId::SessionExpiryInterval => Property::SessionExpiryInterval(u32::MAX),
        PropertyId::AssignedClientIdentifier => {
            Property::AssignedClientIdentifier("auto-1234".into())
        }
        PropertyId::ServerKeepAlive => Property::ServerKeepAlive(30),
        PropertyId::AuthenticationMethod => Property::AuthenticationMethod("SCRAM-SHA-1".into()),
        PropertyId::AuthenticationData => Property::AuthenticationData(b"n,,n=user".to_vec()),
        PropertyId::RequestProblemInformation => Property::RequestProblemInformation(0),
        PropertyId::WillDelayInterval => Property::WillDelayInterval(5),
        PropertyId::RequestResponseInformation => Property::RequestResponseInformation(1),
        PropertyId::ResponseInformation => Property::ResponseInformation("resp/".into()),
        PropertyId::ServerReference => Property::ServerReference("other:1883".into()),
        PropertyId::ReasonString => Property::ReasonString("because".into()),
        PropertyId::ReceiveMaximum => Property::ReceiveMaximum(20),
        PropertyId::TopicAliasMaximum => Property::TopicAliasMaximum(10),
        PropertyId::TopicAlias => Property::TopicAlias(3),
        PropertyId::MaximumQoS => Property::MaximumQoS(1),
        PropertyId::RetainAvailable => Property::RetainAvailable(0),
        PropertyId::UserProperty => Property::UserProperty("ké".into(), "v€".into()),
        PropertyId::MaximumPacketSize => Property::MaximumPacketSize(1024),
        PropertyId::WildcardSubscriptionAvailable => Property::WildcardSubscriptionAvailable(1),
        PropertyId::SubscriptionIdentifierAvailable => Property::SubscriptionIdentifierAvailable(0),
        PropertyId::SharedSubscriptionAvailable => Property::SharedSubscriptionAvailable(1),
    }
}

fn encoded(properties: &Properties) -> Vec<u8> {
    let mut out = Vec::new();
    let size = properties.encoded_size().expect("encodable");
    properties.write(&mut out);
    assert_eq!(out.len(), size, "encoded_size agrees with write");
    out
}

fn decoded(bytes: &[u8], context: PropertyContext) -> Result<Properties, DecodeError> {
    let mut reader = Reader::new(bytes, PacketType::Publish);
    let properties = Properties::read(&mut reader, context)?;
    reader.finish()?;
    Ok(properties)
}

#[test]
fn identifiers_names_and_types() {
    for (index, id) in PropertyId::ALL.into_iter().enumerate() {
        assert_eq!(PropertyId::from_u8(id.identifier()), Some(id));
        assert_eq!(sample(id).id(), id);
        assert!(!id.contexts().is_empty());
        if index > 0 {
            assert!(
                PropertyId::ALL[index - 1] < id,
                "ALL is in identifier order"
            );
        }
    }
    let unknown: Vec<u8> = (0..=u8::MAX)
        .filter(|&b| PropertyId::from_u8(b).is_none())
        .collect();
    assert_eq!(unknown.len(), 256 - 27);
    assert!(unknown.contains(&0x00) && unknown.contains(&0x04) && unknown.contains(&0x2B));
    assert_eq!(PropertyId::UserProperty.to_string(), "user-property");
    assert_eq!(
        PropertyId::SubscriptionIdentifier.value_type(),
        PropertyType::VariableByteInteger
    );
}

/// Hand-built encodings of one property of each value type, with every byte spelled out.
#[test]
fn one_property_of_each_type() {
    let cases: [(Property, &[u8]); 7] = [
        // Byte: identifier 0x01, value 1.
        (Property::PayloadFormatIndicator(1), &[0x01, 0x01]),
        // Two byte integer, big-endian: identifier 0x21, 0x0102.
        (Property::ReceiveMaximum(0x0102), &[0x21, 0x01, 0x02]),
        // Four byte integer, big-endian: identifier 0x11, 0x01020304.
        (
            Property::SessionExpiryInterval(0x0102_0304),
            &[0x11, 0x01, 0x02, 0x03, 0x04],
        ),
        // Variable byte integer: identifier 0x0B, 128 = 0x80 0x01.
        (Property::SubscriptionIdentifier(128), &[0x0B, 0x80, 0x01]),
        // UTF-8 string: identifier 0x03, length 0x0002, "ab".
        (
            Property::ContentType("ab".into()),
            &[0x03, 0x00, 0x02, b'a', b'b'],
        ),
        // Binary data: identifier 0x09, length 0x0003, 00 FF 7F.
        (
            Property::CorrelationData(vec![0x00, 0xFF, 0x7F]),
            &[0x09, 0x00, 0x03, 0x00, 0xFF, 0x7F],
        ),
        // UTF-8 string pair: identifier 0x26, "k" then "v", each length-prefixed.
        (
            Property::UserProperty("k".into(), "v".into()),
            &[0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v'],
        ),
    ];
    for (property, value_bytes) in cases {
        let properties = Properties::new().with(property.clone());
        let mut expected = vec![value_bytes.len() as u8];
        expected.extend_from_slice(value_bytes);
        assert_eq!(encoded(&properties), expected, "{property:?}");
        let context = *property.id().contexts().first().expect("a context");
        assert_eq!(decoded(&expected, context), Ok(properties));
    }
}

#[test]
fn empty_list_is_a_zero_length() {
    assert_eq!(encoded(&Properties::new()), [0x00]);
    assert_eq!(
        decoded(&[0x00], PropertyContext::Packet(PacketType::PubAck)),
        Ok(Properties::new())
    );
}

#[test]
fn order_is_kept_and_getters_take_the_first() {
    let properties: Properties = [
        Property::UserProperty("b".into(), "2".into()),
        Property::SubscriptionIdentifier(7),
        Property::UserProperty("a".into(), "1".into()),
        Property::SubscriptionIdentifier(3),
        Property::UserProperty("b".into(), "3".into()),
        Property::ContentType("json".into()),
    ]
    .into_iter()
    .collect();
    let bytes = encoded(&properties);
    let back = decoded(&bytes, PropertyContext::Packet(PacketType::Publish)).expect("valid");
    assert_eq!(back, properties);
    assert_eq!(
        back.user_properties().collect::<Vec<_>>(),
        [("b", "2"), ("a", "1"), ("b", "3")]
    );
    assert_eq!(back.subscription_identifiers().collect::<Vec<_>>(), [7, 3]);
    assert_eq!(back.content_type(), Some("json"));
    assert_eq!(back.topic_alias(), None);
    assert_eq!(back.len(), 6);
    assert_eq!(back.iter().count(), 6);
    assert_eq!(
        back.get(PropertyId::UserProperty),
        Some(&Property::UserProperty("b".into(), "2".into()))
    );
}

#[test]
fn getters_of_every_kind() {
    let all: Properties = PropertyId::ALL.into_iter().map(sample).collect();
    assert_eq!(all.payload_format_indicator(), Some(1));
    assert_eq!(all.message_expiry_interval(), Some(0x0102_0304));
    assert_eq!(all.content_type(), Some("text/plain"));
    assert_eq!(all.response_topic(), Some("reply/to"));
    assert_eq!(all.correlation_data(), Some(&[0x00, 0xFF, 0x10][..]));
    assert_eq!(all.subscription_identifiers().next(), Some(268_435_455));
    assert_eq!(all.session_expiry_interval(), Some(u32::MAX));
    assert_eq!(all.assigned_client_identifier(), Some("auto-1234"));
    assert_eq!(all.server_keep_alive(), Some(30));
    assert_eq!(all.authentication_method(), Some("SCRAM-SHA-1"));
    assert_eq!(all.authentication_data(), Some(&b"n,,n=user"[..]));
    assert_eq!(all.request_problem_information(), Some(0));
    assert_eq!(all.will_delay_interval(), Some(5));
    assert_eq!(all.request_response_information(), Some(1));
    assert_eq!(all.response_information(), Some("resp/"));
    assert_eq!(all.server_reference(), Some("other:1883"));
    assert_eq!(all.reason_string(), Some("because"));
    assert_eq!(all.receive_maximum(), Some(20));
    assert_eq!(all.topic_alias_maximum(), Some(10));
    assert_eq!(all.topic_alias(), Some(3));
    assert_eq!(all.maximum_qos(), Some(1));
    assert_eq!(all.retain_available(), Some(0));
    assert_eq!(all.user_properties().next(), Some(("ké", "v€")));
    assert_eq!(all.maximum_packet_size(), Some(1024));
    assert_eq!(all.wildcard_subscription_available(), Some(1));
    assert_eq!(all.subscription_identifier_available(), Some(0));
    assert_eq!(all.shared_subscription_available(), Some(1));
    // The whole list encodes; its size is the sum of its parts plus a 2-byte length.
    let bytes = encoded(&all);
    assert_eq!(bytes.len(), 2 + all.body_size().expect("sizes"));
}

#[test]
fn contexts_match_the_spec_table() {
    // Number of identifiers allowed in each context, counted from MQTT 5.0 §2.2.2.2.
    let expected = [
        (CONNECT, 9),
        (CONNACK, 17),
        (PUBLISH, 8),
        (WILL, 7),
        (PUBACK, 2),
        (PUBREC, 2),
        (PUBREL, 2),
        (PUBCOMP, 2),
        (SUBSCRIBE, 2),
        (SUBACK, 2),
        (UNSUBSCRIBE, 1),
        (UNSUBACK, 2),
        (DISCONNECT, 4),
        (AUTH, 4),
    ];
    for (context, count) in expected {
        let allowed = PropertyId::ALL
            .into_iter()
            .filter(|id| id.is_allowed_in(context))
            .count();
        assert_eq!(allowed, count, "{context}");
    }
    assert_eq!(CONNECT.to_string(), "CONNECT properties");
    assert_eq!(WILL.to_string(), "CONNECT will properties");
}

#[test]
fn string_and_binary_lengths_are_checked_on_encode() {
    let long = "x".repeat(65_536);
    for property in [
        Property::ReasonString(long.clone()),
        Property::CorrelationData(vec![0; 65_536]),
        Property::UserProperty("k".into(), long.clone()),
        Property::UserProperty(long.clone(), "v".into()),
    ] {
        assert_eq!(
            Properties::new().with(property).encoded_size(),
            Err(EncodeError::FieldTooLong { len: 65_536 })
        );
    }
    let max = Properties::new().with(Property::ReasonString("y".repeat(65_535)));
    // 1 identifier + 2 length + 65535, behind a 3-byte property length.
    assert_eq!(max.encoded_size(), Ok(3 + 65_538));
}

#[test]
fn too_large_subscription_identifier_is_written_as_given() {
    // 2^28 does not fit in four bytes: the encoder writes five, which the decoder rejects.
    let properties = Properties::new().with(Property::SubscriptionIdentifier(1 << 28));
    let bytes = encoded(&properties);
    assert_eq!(bytes, [0x06, 0x0B, 0x80, 0x80, 0x80, 0x80, 0x01]);
    assert_eq!(
        decoded(&bytes, PUBLISH),
        Err(DecodeError::VariableByteIntegerTooLong {
            packet: PacketType::Publish,
            field: Field::Property(PropertyId::SubscriptionIdentifier),
        })
    );
}

#[test]
fn non_minimal_variable_byte_integers_are_accepted() {
    // Property length 2 written as 0x82 0x00; subscription identifier 1 written as 0x81 0x00 would
    // need 3 bytes, so use length 3: 0x0B 0x81 0x00.
    assert_eq!(
        decoded(&[0x83, 0x00, 0x0B, 0x81, 0x00], PUBLISH),
        Ok(Properties::new().with(Property::SubscriptionIdentifier(1)))
    );
}
