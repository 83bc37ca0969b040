//! Typed codec errors.
//!
//! Every [`DecodeError`] names the rule the bytes broke, with the MQTT 3.1.1 or 5.0 section that states it,
//! so a `-d` trace or an error message tells the user which side is at fault without a packet capture.

use super::{PacketType, PropertyContext, PropertyId, Version};
use std::fmt;

/// A field of a packet body, named in errors about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ProtocolName,
    ProtocolLevel,
    ConnectFlags,
    KeepAlive,
    ClientId,
    WillTopic,
    WillPayload,
    Username,
    Password,
    ConnAckFlags,
    /// CONNACK return code, or one SUBACK return code.
    ReturnCode,
    TopicName,
    PacketId,
    TopicFilter,
    RequestedQoS,
    /// MQTT 5: the subscription options byte that replaced the requested QoS.
    SubscriptionOptions,
    /// MQTT 5: the reason code of an ack, DISCONNECT or AUTH, or one SUBACK/UNSUBACK reason code.
    ReasonCode,
    /// MQTT 5: the variable byte integer in front of a property list.
    PropertyLength,
    /// MQTT 5: the identifier starting a property.
    PropertyIdentifier,
    /// MQTT 5: the value of one property.
    Property(PropertyId),
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::ProtocolName => "protocol name",
            Field::ProtocolLevel => "protocol level",
            Field::ConnectFlags => "connect flags",
            Field::KeepAlive => "keep alive",
            Field::ClientId => "client identifier",
            Field::WillTopic => "will topic",
            Field::WillPayload => "will message",
            Field::Username => "user name",
            Field::Password => "password",
            Field::ConnAckFlags => "connect acknowledge flags",
            Field::ReturnCode => "return code",
            Field::TopicName => "topic name",
            Field::PacketId => "packet identifier",
            Field::TopicFilter => "topic filter",
            Field::RequestedQoS => "requested QoS",
            Field::SubscriptionOptions => "subscription options",
            Field::ReasonCode => "reason code",
            Field::PropertyLength => "property length",
            Field::PropertyIdentifier => "property identifier",
            Field::Property(property) => property.name(),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Property(property) => write!(f, "property {}", property.name()),
            _ => f.write_str(self.name()),
        }
    }
}

/// Malformed input: names the rule that was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The packet's total size exceeds the configured maximum.
    PacketTooLarge { size: usize, max: usize },
    /// The remaining length field continues past its fourth byte.
    RemainingLengthTooLong,
    /// Packet type 0 or 15 (both reserved).
    ReservedPacketType { type_number: u8 },
    /// The low nibble of the first byte differs from what the packet type requires.
    InvalidFlags { packet: PacketType, flags: u8 },
    /// PUBLISH with both QoS bits set.
    PublishQoS3,
    /// PUBLISH with QoS 0 and the DUP flag set.
    PublishDupWithQoS0,
    /// A packet identifier of 0.
    ZeroPacketId { packet: PacketType },
    /// A string field that is not well-formed UTF-8.
    InvalidUtf8 { field: Field },
    /// A string field containing U+0000.
    NullCharacter { field: Field },
    /// A length-prefixed field whose declared length runs past the end of the packet.
    StringPastEnd {
        field: Field,
        length: u16,
        available: usize,
    },
    /// The body ends before a fixed-size field (or a length prefix) is complete.
    BodyTooShort { packet: PacketType, field: Field },
    /// Bytes left over after the last field of the packet.
    TrailingBytes { packet: PacketType, extra: usize },
    /// CONNACK acknowledge flags with reserved bits 7..1 set (3.1.1).
    ConnAckReservedFlags { flags: u8 },
    /// A SUBACK return code other than 0x00, 0x01, 0x02 and 0x80.
    InvalidSubAckReturnCode { code: u8 },
    /// A SUBSCRIBE requested-QoS byte with reserved bits set or QoS 3.
    InvalidRequestedQoS { byte: u8 },
    /// SUBSCRIBE, SUBACK or UNSUBSCRIBE without a single entry.
    NoEntries { packet: PacketType },
    /// CONNECT flags with the reserved bit 0 set.
    ConnectReservedFlag,
    /// CONNECT flags with will QoS or will retain set but no will flag.
    WillFlagsWithoutWill { flags: u8 },
    /// CONNECT flags with will QoS 3.
    WillQoS3,
    /// CONNECT flags with the password flag but not the user name flag (3.1.1).
    PasswordWithoutUsername,
    /// A CONNECT protocol name other than `MQTT` and `MQIsdp`.
    UnknownProtocolName,
    /// A known protocol name with a level this codec does not speak (`MQTT` 6, `MQIsdp` 4...).
    /// `name_of` is [`Version::V31`] for `MQIsdp` and [`Version::V311`] for `MQTT` (levels 4 and 5).
    UnknownProtocolLevel { name_of: Version, level: u8 },
    /// A PUBLISH topic name containing `+` or `#`.
    WildcardInTopicName,
    /// MQTT 5: a variable byte integer inside the body (property length, subscription identifier)
    /// continues past its fourth byte.
    VariableByteIntegerTooLong { packet: PacketType, field: Field },
    /// MQTT 5: a property length announcing more bytes than the packet has left.
    PropertyLengthPastEnd {
        packet: PacketType,
        length: u32,
        available: usize,
    },
    /// MQTT 5: a property identifier the protocol does not define (all defined ones are below 128).
    UnknownProperty {
        context: PropertyContext,
        identifier: u8,
    },
    /// MQTT 5: a property in a packet (or will properties) it may not appear in.
    PropertyNotAllowed {
        context: PropertyContext,
        property: PropertyId,
    },
    /// MQTT 5: a second copy of a property that may appear at most once there (all but user property,
    /// and subscription identifier in PUBLISH).
    DuplicateProperty {
        context: PropertyContext,
        property: PropertyId,
    },
    /// MQTT 5: a numeric property outside its range: a 0/1 flag that is neither, or 0 where 0 is
    /// forbidden (subscription identifier, receive maximum, maximum packet size, topic alias).
    InvalidPropertyValue { property: PropertyId, value: u32 },
    /// MQTT 5: a response topic containing `+` or `#`.
    WildcardInResponseTopic,
    /// MQTT 5: CONNECT with authentication data but no authentication method.
    AuthenticationDataWithoutMethod,
    /// MQTT 5: a reason code that the packet type does not define.
    InvalidReasonCode { packet: PacketType, code: u8 },
    /// MQTT 5: a subscription options byte with reserved bits 7-6 set, retain handling 3 or QoS 3.
    InvalidSubscriptionOptions { byte: u8 },
    /// MQTT 5: the No Local option on a shared subscription (`$share/...`).
    NoLocalOnSharedSubscription,
    /// MQTT 5: a PUBLISH with an empty topic name and no topic alias.
    EmptyTopicWithoutAlias,
}

/// The rule a numeric property value broke, and where MQTT 5.0 states it.
fn property_value_rule(property: PropertyId) -> (&'static str, &'static str) {
    match property {
        PropertyId::PayloadFormatIndicator => ("must be 0 or 1", "§3.3.2.3.2, §3.1.3.2.3"),
        PropertyId::RequestProblemInformation => ("must be 0 or 1", "§3.1.2.11.7"),
        PropertyId::RequestResponseInformation => ("must be 0 or 1", "§3.1.2.11.6"),
        PropertyId::MaximumQoS => ("must be 0 or 1", "§3.2.2.3.4"),
        PropertyId::RetainAvailable => ("must be 0 or 1", "§3.2.2.3.5"),
        PropertyId::WildcardSubscriptionAvailable => ("must be 0 or 1", "§3.2.2.3.11"),
        PropertyId::SubscriptionIdentifierAvailable => ("must be 0 or 1", "§3.2.2.3.12"),
        PropertyId::SharedSubscriptionAvailable => ("must be 0 or 1", "§3.2.2.3.13"),
        PropertyId::SubscriptionIdentifier => {
            ("must be 1 to 268,435,455", "§3.3.2.3.8, §3.8.2.1.2")
        }
        PropertyId::ReceiveMaximum => ("must not be 0", "§3.1.2.11.3, §3.2.2.3.3"),
        PropertyId::MaximumPacketSize => ("must not be 0", "§3.1.2.11.4, §3.2.2.3.6"),
        PropertyId::TopicAlias => ("must not be 0", "§3.3.2.3.4"),
        _ => ("is out of range", "§2.2.2.2"),
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::PacketTooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the maximum of {max}")
            }
            DecodeError::RemainingLengthTooLong => {
                f.write_str("remaining length longer than 4 bytes (MQTT 3.1.1 §2.2.3)")
            }
            DecodeError::ReservedPacketType { type_number } => {
                write!(f, "reserved packet type {type_number} (MQTT 3.1.1 §2.2.1)")
            }
            DecodeError::InvalidFlags { packet, flags } => write!(
                f,
                "{packet} fixed header flags are 0x{flags:X}, must be 0x{:X} (MQTT 3.1.1 §2.2.2)",
                packet.required_flags()
            ),
            DecodeError::PublishQoS3 => f.write_str(
                "PUBLISH with QoS 3: both QoS bits must not be set (MQTT 3.1.1 §3.3.1.2)",
            ),
            DecodeError::PublishDupWithQoS0 => {
                f.write_str("PUBLISH with QoS 0 has DUP set, it must be 0 (MQTT 3.1.1 §3.3.1.1)")
            }
            DecodeError::ZeroPacketId { packet } => {
                write!(
                    f,
                    "{packet} with packet identifier 0, it must be non-zero (MQTT 3.1.1 §2.3.1)"
                )
            }
            DecodeError::InvalidUtf8 { field } => {
                write!(f, "{field} is not well-formed UTF-8 (MQTT 3.1.1 §1.5.3)")
            }
            DecodeError::NullCharacter { field } => {
                write!(f, "{field} contains U+0000 (MQTT 3.1.1 §1.5.3)")
            }
            DecodeError::StringPastEnd {
                field,
                length,
                available,
            } => write!(
                f,
                "{field} declares {length} bytes but only {available} remain in the packet"
            ),
            DecodeError::BodyTooShort { packet, field } => {
                write!(f, "{packet} ends before its {field} is complete")
            }
            DecodeError::TrailingBytes { packet, extra } => {
                write!(
                    f,
                    "{packet} has {extra} unexpected bytes after its last field"
                )
            }
            DecodeError::ConnAckReservedFlags { flags } => write!(
                f,
                "CONNACK acknowledge flags are 0x{flags:02X}, bits 7-1 are reserved and must be 0 \
                 (MQTT 3.1.1 §3.2.2.1)"
            ),
            DecodeError::InvalidSubAckReturnCode { code } => write!(
                f,
                "SUBACK return code 0x{code:02X} is not 0x00, 0x01, 0x02 or 0x80 (MQTT 3.1.1 §3.9.3)"
            ),
            DecodeError::InvalidRequestedQoS { byte } => write!(
                f,
                "SUBSCRIBE requested QoS byte 0x{byte:02X} has reserved bits set or QoS 3 \
                 (MQTT 3.1.1 §3.8.3)"
            ),
            DecodeError::NoEntries { packet } => {
                write!(f, "{packet} must contain at least one entry in its payload")
            }
            DecodeError::ConnectReservedFlag => f.write_str(
                "CONNECT flags reserved bit 0 is set, it must be 0 (MQTT 3.1.1 §3.1.2.3)",
            ),
            DecodeError::WillFlagsWithoutWill { flags } => write!(
                f,
                "CONNECT flags 0x{flags:02X} set will QoS or will retain without the will flag \
                 (MQTT 3.1.1 §3.1.2.6, §3.1.2.7)"
            ),
            DecodeError::WillQoS3 => {
                f.write_str("CONNECT will QoS is 3, it must be 0, 1 or 2 (MQTT 3.1.1 §3.1.2.6)")
            }
            DecodeError::PasswordWithoutUsername => f.write_str(
                "CONNECT sets the password flag without the user name flag (MQTT 3.1.1 §3.1.2.9)",
            ),
            DecodeError::UnknownProtocolName => f.write_str(
                "CONNECT protocol name is neither MQTT nor MQIsdp (MQTT 3.1.1 §3.1.2.1)",
            ),
            DecodeError::UnknownProtocolLevel { name_of, level } => {
                let expected = match name_of {
                    Version::V31 => "3",
                    Version::V311 | Version::V5 => "4 or 5",
                };
                write!(
                    f,
                    "CONNECT protocol {} with level {level}, expected level {expected} \
                     (MQTT 3.1.1 §3.1.2.2, MQTT 5.0 §3.1.2.2)",
                    name_of.protocol_name()
                )
            }
            DecodeError::WildcardInTopicName => f.write_str(
                "PUBLISH topic name contains a wildcard character + or # (MQTT 3.1.1 §3.3.2.1)",
            ),
            DecodeError::VariableByteIntegerTooLong { packet, field } => write!(
                f,
                "{packet} {field} is a variable byte integer longer than 4 bytes (MQTT 5.0 §1.5.5)"
            ),
            DecodeError::PropertyLengthPastEnd {
                packet,
                length,
                available,
            } => write!(
                f,
                "{packet} property length declares {length} bytes but only {available} remain in the \
                 packet (MQTT 5.0 §2.2.2.1)"
            ),
            DecodeError::UnknownProperty {
                context,
                identifier,
            } => write!(
                f,
                "{context} contain unknown property identifier 0x{identifier:02X} (MQTT 5.0 §2.2.2.2)"
            ),
            DecodeError::PropertyNotAllowed { context, property } => write!(
                f,
                "property {} (0x{:02X}) is not allowed in {context} (MQTT 5.0 §2.2.2.2)",
                property.name(),
                property.identifier()
            ),
            DecodeError::DuplicateProperty { context, property } => write!(
                f,
                "property {} (0x{:02X}) appears more than once in {context}, it may appear at most \
                 once there (MQTT 5.0 §2.2.2.2, and the property's section of chapter 3)",
                property.name(),
                property.identifier()
            ),
            DecodeError::InvalidPropertyValue { property, value } => {
                let (rule, section) = property_value_rule(*property);
                write!(
                    f,
                    "property {} is {value}, it {rule} (MQTT 5.0 {section})",
                    property.name()
                )
            }
            DecodeError::WildcardInResponseTopic => f.write_str(
                "property response-topic contains a wildcard character + or # \
                 (MQTT 5.0 §3.3.2.3.5)",
            ),
            DecodeError::AuthenticationDataWithoutMethod => f.write_str(
                "CONNECT has property authentication-data without authentication-method \
                 (MQTT 5.0 §3.1.2.11.10)",
            ),
            DecodeError::InvalidReasonCode { packet, code } => write!(
                f,
                "{packet} reason code 0x{code:02X} is not defined for {packet} (MQTT 5.0 §2.4)"
            ),
            DecodeError::InvalidSubscriptionOptions { byte } => {
                let broken = if byte & 0b1100_0000 != 0 {
                    "has reserved bits 7-6 set"
                } else if (byte >> 4) & 0b11 == 3 {
                    "has retain handling 3"
                } else {
                    "has QoS 3"
                };
                write!(
                    f,
                    "SUBSCRIBE subscription options byte 0x{byte:02X} {broken} (MQTT 5.0 §3.8.3.1)"
                )
            }
            DecodeError::NoLocalOnSharedSubscription => {
                f.write_str("SUBSCRIBE sets No Local on a shared subscription (MQTT 5.0 §3.8.3.1)")
            }
            DecodeError::EmptyTopicWithoutAlias => f.write_str(
                "PUBLISH has an empty topic name and no topic alias (MQTT 5.0 §3.3.2.1)",
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// A string or binary field is longer than 65535 bytes.
    FieldTooLong { len: usize },
    /// The remaining length would exceed 268,435,455 bytes.
    PacketTooLarge { remaining_length: usize },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::FieldTooLong { len } => {
                write!(f, "field of {len} bytes exceeds the maximum of 65535")
            }
            EncodeError::PacketTooLarge { remaining_length } => write!(
                f,
                "packet remaining length of {remaining_length} bytes exceeds the maximum of {}",
                super::MAX_REMAINING_LENGTH
            ),
        }
    }
}

impl std::error::Error for EncodeError {}
