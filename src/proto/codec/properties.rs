//! MQTT 5 properties (MQTT 5.0 §2.2.2): a property length (variable byte integer), then properties, each
//! an identifier and a value of the type the identifier fixes.
//!
//! [`Properties`] keeps the properties in packet order, as a list: the order is visible to users (rsub's
//! JSON `properties` object and `%P` print them in order, user properties must be forwarded in order), and
//! a PUBLISH may carry several subscription identifiers. The typed getters return the first property of
//! their kind, which on decoded packets is the only one for every property that may not repeat.
//!
//! Decoding enforces the table of §2.2.2.2 (which packets, or the will properties, each identifier may
//! appear in), the at-most-once rule of each property's section, and the value rules (0/1 flags, values
//! that must not be 0). Encoding writes what it is given and checks only string and binary lengths.

use super::primitives::{
    Reader, field_size, varint_size, write_binary, write_u16, write_u32, write_varint,
};
use super::{DecodeError, EncodeError, Field, PacketType};
use std::fmt;

/// The wire type of a property value (MQTT 5.0 §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyType {
    Byte,
    TwoByteInteger,
    FourByteInteger,
    VariableByteInteger,
    Utf8String,
    BinaryData,
    Utf8StringPair,
}

/// Where a property list sits: in the variable header of a packet, or in CONNECT's will properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyContext {
    Packet(PacketType),
    Will,
}

impl fmt::Display for PropertyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropertyContext::Packet(packet) => write!(f, "{packet} properties"),
            PropertyContext::Will => f.write_str("CONNECT will properties"),
        }
    }
}

/// The 27 property identifiers of MQTT 5.0 §2.2.2.2; the discriminant is the identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PropertyId {
    PayloadFormatIndicator = 0x01,
    MessageExpiryInterval = 0x02,
    ContentType = 0x03,
    ResponseTopic = 0x08,
    CorrelationData = 0x09,
    SubscriptionIdentifier = 0x0B,
    SessionExpiryInterval = 0x11,
    AssignedClientIdentifier = 0x12,
    ServerKeepAlive = 0x13,
    AuthenticationMethod = 0x15,
    AuthenticationData = 0x16,
    RequestProblemInformation = 0x17,
    WillDelayInterval = 0x18,
    RequestResponseInformation = 0x19,
    ResponseInformation = 0x1A,
    ServerReference = 0x1C,
    ReasonString = 0x1F,
    ReceiveMaximum = 0x21,
    TopicAliasMaximum = 0x22,
    TopicAlias = 0x23,
    MaximumQoS = 0x24,
    RetainAvailable = 0x25,
    UserProperty = 0x26,
    MaximumPacketSize = 0x27,
    WildcardSubscriptionAvailable = 0x28,
    SubscriptionIdentifierAvailable = 0x29,
    SharedSubscriptionAvailable = 0x2A,
}

/// Shorthands for the context lists of [`PropertyId::contexts`].
const CONNECT: PropertyContext = PropertyContext::Packet(PacketType::Connect);
const CONNACK: PropertyContext = PropertyContext::Packet(PacketType::ConnAck);
const PUBLISH: PropertyContext = PropertyContext::Packet(PacketType::Publish);
const PUBACK: PropertyContext = PropertyContext::Packet(PacketType::PubAck);
const PUBREC: PropertyContext = PropertyContext::Packet(PacketType::PubRec);
const PUBREL: PropertyContext = PropertyContext::Packet(PacketType::PubRel);
const PUBCOMP: PropertyContext = PropertyContext::Packet(PacketType::PubComp);
const SUBSCRIBE: PropertyContext = PropertyContext::Packet(PacketType::Subscribe);
const SUBACK: PropertyContext = PropertyContext::Packet(PacketType::SubAck);
const UNSUBSCRIBE: PropertyContext = PropertyContext::Packet(PacketType::Unsubscribe);
const UNSUBACK: PropertyContext = PropertyContext::Packet(PacketType::UnsubAck);
const DISCONNECT: PropertyContext = PropertyContext::Packet(PacketType::Disconnect);
const AUTH: PropertyContext = PropertyContext::Packet(PacketType::Auth);
const WILL: PropertyContext = PropertyContext::Will;

impl PropertyContext {
    /// Every place a property list can appear: the 12 packets with properties and the will.
    pub const ALL: [PropertyContext; 14] = [
        CONNECT,
        CONNACK,
        PUBLISH,
        WILL,
        PUBACK,
        PUBREC,
        PUBREL,
        PUBCOMP,
        SUBSCRIBE,
        SUBACK,
        UNSUBSCRIBE,
        UNSUBACK,
        DISCONNECT,
        AUTH,
    ];
}

impl PropertyId {
    /// Every identifier, in identifier order.
    pub const ALL: [PropertyId; 27] = [
        PropertyId::PayloadFormatIndicator,
        PropertyId::MessageExpiryInterval,
        PropertyId::ContentType,
        PropertyId::ResponseTopic,
        PropertyId::CorrelationData,
        PropertyId::SubscriptionIdentifier,
        PropertyId::SessionExpiryInterval,
        PropertyId::AssignedClientIdentifier,
        PropertyId::ServerKeepAlive,
        PropertyId::AuthenticationMethod,
        PropertyId::AuthenticationData,
        PropertyId::RequestProblemInformation,
        PropertyId::WillDelayInterval,
        PropertyId::RequestResponseInformation,
        PropertyId::ResponseInformation,
        PropertyId::ServerReference,
        PropertyId::ReasonString,
        PropertyId::ReceiveMaximum,
        PropertyId::TopicAliasMaximum,
        PropertyId::TopicAlias,
        PropertyId::MaximumQoS,
        PropertyId::RetainAvailable,
        PropertyId::UserProperty,
        PropertyId::MaximumPacketSize,
        PropertyId::WildcardSubscriptionAvailable,
        PropertyId::SubscriptionIdentifierAvailable,
        PropertyId::SharedSubscriptionAvailable,
    ];

    /// `None` for identifiers MQTT 5.0 does not define.
    pub fn from_u8(identifier: u8) -> Option<PropertyId> {
        PropertyId::ALL
            .into_iter()
            .find(|property| property.identifier() == identifier)
    }

    /// The identifier byte.
    pub fn identifier(self) -> u8 {
        self as u8
    }

    /// The name mosquitto uses for the property (`-D` arguments, messages): `payload-format-indicator`...
    pub fn name(self) -> &'static str {
        match self {
            PropertyId::PayloadFormatIndicator => "payload-format-indicator",
            PropertyId::MessageExpiryInterval => "message-expiry-interval",
            PropertyId::ContentType => "content-type",
            PropertyId::ResponseTopic => "response-topic",
            PropertyId::CorrelationData => "correlation-data",
            PropertyId::SubscriptionIdentifier => "subscription-identifier",
            PropertyId::SessionExpiryInterval => "session-expiry-interval",
            PropertyId::AssignedClientIdentifier => "assigned-client-identifier",
            PropertyId::ServerKeepAlive => "server-keep-alive",
            PropertyId::AuthenticationMethod => "authentication-method",
            PropertyId::AuthenticationData => "authentication-data",
            PropertyId::RequestProblemInformation => "request-problem-information",
            PropertyId::WillDelayInterval => "will-delay-interval",
            PropertyId::RequestResponseInformation => "request-response-information",
            PropertyId::ResponseInformation => "response-information",
            PropertyId::ServerReference => "server-reference",
            PropertyId::ReasonString => "reason-string",
            PropertyId::ReceiveMaximum => "receive-maximum",
            PropertyId::TopicAliasMaximum => "topic-alias-maximum",
            PropertyId::TopicAlias => "topic-alias",
            PropertyId::MaximumQoS => "maximum-qos",
            PropertyId::RetainAvailable => "retain-available",
            PropertyId::UserProperty => "user-property",
            PropertyId::MaximumPacketSize => "maximum-packet-size",
            PropertyId::WildcardSubscriptionAvailable => "wildcard-subscription-available",
            PropertyId::SubscriptionIdentifierAvailable => "subscription-identifier-available",
            PropertyId::SharedSubscriptionAvailable => "shared-subscription-available",
        }
    }

    /// The type of the value that follows the identifier.
    pub fn value_type(self) -> PropertyType {
        use PropertyType as T;
        match self {
            PropertyId::PayloadFormatIndicator
            | PropertyId::RequestProblemInformation
            | PropertyId::RequestResponseInformation
            | PropertyId::MaximumQoS
            | PropertyId::RetainAvailable
            | PropertyId::WildcardSubscriptionAvailable
            | PropertyId::SubscriptionIdentifierAvailable
            | PropertyId::SharedSubscriptionAvailable => T::Byte,
            PropertyId::ServerKeepAlive
            | PropertyId::ReceiveMaximum
            | PropertyId::TopicAliasMaximum
            | PropertyId::TopicAlias => T::TwoByteInteger,
            PropertyId::MessageExpiryInterval
            | PropertyId::SessionExpiryInterval
            | PropertyId::WillDelayInterval
            | PropertyId::MaximumPacketSize => T::FourByteInteger,
            PropertyId::SubscriptionIdentifier => T::VariableByteInteger,
            PropertyId::ContentType
            | PropertyId::ResponseTopic
            | PropertyId::AssignedClientIdentifier
            | PropertyId::AuthenticationMethod
            | PropertyId::ResponseInformation
            | PropertyId::ServerReference
            | PropertyId::ReasonString => T::Utf8String,
            PropertyId::CorrelationData | PropertyId::AuthenticationData => T::BinaryData,
            PropertyId::UserProperty => T::Utf8StringPair,
        }
    }

    /// The packets (and will properties) the property may appear in: the last column of §2.2.2.2.
    pub fn contexts(self) -> &'static [PropertyContext] {
        match self {
            PropertyId::PayloadFormatIndicator
            | PropertyId::MessageExpiryInterval
            | PropertyId::ContentType
            | PropertyId::ResponseTopic
            | PropertyId::CorrelationData => &[PUBLISH, WILL],
            PropertyId::SubscriptionIdentifier => &[PUBLISH, SUBSCRIBE],
            PropertyId::SessionExpiryInterval => &[CONNECT, CONNACK, DISCONNECT],
            PropertyId::AssignedClientIdentifier
            | PropertyId::ServerKeepAlive
            | PropertyId::ResponseInformation
            | PropertyId::MaximumQoS
            | PropertyId::RetainAvailable
            | PropertyId::WildcardSubscriptionAvailable
            | PropertyId::SubscriptionIdentifierAvailable
            | PropertyId::SharedSubscriptionAvailable => &[CONNACK],
            PropertyId::AuthenticationMethod | PropertyId::AuthenticationData => {
                &[CONNECT, CONNACK, AUTH]
            }
            PropertyId::RequestProblemInformation | PropertyId::RequestResponseInformation => {
                &[CONNECT]
            }
            PropertyId::WillDelayInterval => &[WILL],
            PropertyId::ServerReference => &[CONNACK, DISCONNECT],
            PropertyId::ReasonString => &[
                CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH,
            ],
            PropertyId::ReceiveMaximum
            | PropertyId::TopicAliasMaximum
            | PropertyId::MaximumPacketSize => &[CONNECT, CONNACK],
            PropertyId::TopicAlias => &[PUBLISH],
            PropertyId::UserProperty => &PropertyContext::ALL,
        }
    }

    /// Whether the property may appear in `context` at all.
    pub fn is_allowed_in(self, context: PropertyContext) -> bool {
        self.contexts().contains(&context)
    }

    /// Whether the property may appear more than once in `context`: user properties anywhere,
    /// subscription identifiers in PUBLISH (one per matching subscription, §3.3.2.3.8) but not in
    /// SUBSCRIBE (§3.8.2.1.2). Every other property at most once.
    pub fn may_repeat_in(self, context: PropertyContext) -> bool {
        match self {
            PropertyId::UserProperty => true,
            PropertyId::SubscriptionIdentifier => context == PUBLISH,
            _ => false,
        }
    }
}

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One property with its value. Strings are UTF-8 strings (validated on decode), `Vec<u8>` is binary
/// data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Property {
    PayloadFormatIndicator(u8),
    MessageExpiryInterval(u32),
    ContentType(String),
    ResponseTopic(String),
    CorrelationData(Vec<u8>),
    /// 1..=268,435,455 on the wire (a variable byte integer).
    SubscriptionIdentifier(u32),
    SessionExpiryInterval(u32),
    AssignedClientIdentifier(String),
    ServerKeepAlive(u16),
    AuthenticationMethod(String),
    AuthenticationData(Vec<u8>),
    RequestProblemInformation(u8),
    WillDelayInterval(u32),
    RequestResponseInformation(u8),
    ResponseInformation(String),
    ServerReference(String),
    ReasonString(String),
    ReceiveMaximum(u16),
    TopicAliasMaximum(u16),
    TopicAlias(u16),
    MaximumQoS(u8),
    RetainAvailable(u8),
    /// `(name, value)`.
    UserProperty(String, String),
    MaximumPacketSize(u32),
    WildcardSubscriptionAvailable(u8),
    SubscriptionIdentifierAvailable(u8),
    SharedSubscriptionAvailable(u8),
}

impl Property {
    pub fn id(&self) -> PropertyId {
        match self {
            Property::PayloadFormatIndicator(_) => PropertyId::PayloadFormatIndicator,
            Property::MessageExpiryInterval(_) => PropertyId::MessageExpiryInterval,
            Property::ContentType(_) => PropertyId::ContentType,
            Property::ResponseTopic(_) => PropertyId::ResponseTopic,
            Property::CorrelationData(_) => PropertyId::CorrelationData,
            Property::SubscriptionIdentifier(_) => PropertyId::SubscriptionIdentifier,
            Property::SessionExpiryInterval(_) => PropertyId::SessionExpiryInterval,
            Property::AssignedClientIdentifier(_) => PropertyId::AssignedClientIdentifier,
            Property::ServerKeepAlive(_) => PropertyId::ServerKeepAlive,
            Property::AuthenticationMethod(_) => PropertyId::AuthenticationMethod,
            Property::AuthenticationData(_) => PropertyId::AuthenticationData,
            Property::RequestProblemInformation(_) => PropertyId::RequestProblemInformation,
            Property::WillDelayInterval(_) => PropertyId::WillDelayInterval,
            Property::RequestResponseInformation(_) => PropertyId::RequestResponseInformation,
            Property::ResponseInformation(_) => PropertyId::ResponseInformation,
            Property::ServerReference(_) => PropertyId::ServerReference,
            Property::ReasonString(_) => PropertyId::ReasonString,
            Property::ReceiveMaximum(_) => PropertyId::ReceiveMaximum,
            Property::TopicAliasMaximum(_) => PropertyId::TopicAliasMaximum,
            Property::TopicAlias(_) => PropertyId::TopicAlias,
            Property::MaximumQoS(_) => PropertyId::MaximumQoS,
            Property::RetainAvailable(_) => PropertyId::RetainAvailable,
            Property::UserProperty(..) => PropertyId::UserProperty,
            Property::MaximumPacketSize(_) => PropertyId::MaximumPacketSize,
            Property::WildcardSubscriptionAvailable(_) => PropertyId::WildcardSubscriptionAvailable,
            Property::SubscriptionIdentifierAvailable(_) => {
                PropertyId::SubscriptionIdentifierAvailable
            }
            Property::SharedSubscriptionAvailable(_) => PropertyId::SharedSubscriptionAvailable,
        }
    }

    /// The numeric value of byte, integer and variable byte integer properties; `None` for strings,
    /// binary data and user properties.
    pub fn number(&self) -> Option<u32> {
        match self {
            Property::PayloadFormatIndicator(v)
            | Property::RequestProblemInformation(v)
            | Property::RequestResponseInformation(v)
            | Property::MaximumQoS(v)
            | Property::RetainAvailable(v)
            | Property::WildcardSubscriptionAvailable(v)
            | Property::SubscriptionIdentifierAvailable(v)
            | Property::SharedSubscriptionAvailable(v) => Some(u32::from(*v)),
            Property::ServerKeepAlive(v)
            | Property::ReceiveMaximum(v)
            | Property::TopicAliasMaximum(v)
            | Property::TopicAlias(v) => Some(u32::from(*v)),
            Property::MessageExpiryInterval(v)
            | Property::SubscriptionIdentifier(v)
            | Property::SessionExpiryInterval(v)
            | Property::WillDelayInterval(v)
            | Property::MaximumPacketSize(v) => Some(*v),
            Property::ContentType(_)
            | Property::ResponseTopic(_)
            | Property::CorrelationData(_)
            | Property::AssignedClientIdentifier(_)
            | Property::AuthenticationMethod(_)
            | Property::AuthenticationData(_)
            | Property::ResponseInformation(_)
            | Property::ServerReference(_)
            | Property::ReasonString(_)
            | Property::UserProperty(..) => None,
        }
    }

    /// The length-prefixed fields of the value (one string, one binary, or the two strings of a pair).
    fn length_prefixed(&self) -> [Option<&[u8]>; 2] {
        match self {
            Property::ContentType(s)
            | Property::ResponseTopic(s)
            | Property::AssignedClientIdentifier(s)
            | Property::AuthenticationMethod(s)
            | Property::ResponseInformation(s)
            | Property::ServerReference(s)
            | Property::ReasonString(s) => [Some(s.as_bytes()), None],
            Property::CorrelationData(b) | Property::AuthenticationData(b) => [Some(b), None],
            Property::UserProperty(name, value) => [Some(name.as_bytes()), Some(value.as_bytes())],
            _ => [None, None],
        }
    }

    /// Encoded size, identifier included, or `FieldTooLong` for a string or binary value over 65535
    /// bytes.
    fn encoded_size(&self) -> Result<usize, EncodeError> {
        let value = match self.id().value_type() {
            PropertyType::Byte => 1,
            PropertyType::TwoByteInteger => 2,
            PropertyType::FourByteInteger => 4,
            PropertyType::VariableByteInteger => {
                varint_size(self.number().unwrap_or_default() as usize)
            }
            PropertyType::Utf8String | PropertyType::BinaryData | PropertyType::Utf8StringPair => {
                let mut size = 0;
                for field in self.length_prefixed().into_iter().flatten() {
                    size += field_size(field.len())?;
                }
                size
            }
        };
        // Every identifier is below 128: a one-byte variable byte integer.
        Ok(1 + value)
    }

    /// Writes identifier and value; lengths were checked by [`Property::encoded_size`].
    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.id().identifier());
        let number = self.number().unwrap_or_default();
        match self.id().value_type() {
            PropertyType::Byte => out.push(number as u8),
            PropertyType::TwoByteInteger => write_u16(number as u16, out),
            PropertyType::FourByteInteger => write_u32(number, out),
            PropertyType::VariableByteInteger => write_varint(number as usize, out),
            PropertyType::Utf8String | PropertyType::BinaryData | PropertyType::Utf8StringPair => {
                for field in self.length_prefixed().into_iter().flatten() {
                    write_binary(field, out);
                }
            }
        }
    }
}

/// The properties of one packet (or of a will), in packet order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Properties {
    pub list: Vec<Property>,
}

/// Getters for properties whose value is `Copy`: the first property of the kind.
macro_rules! copy_getters {
    ($($name:ident: $variant:ident -> $ty:ty;)*) => {
        $(
            pub fn $name(&self) -> Option<$ty> {
                self.list.iter().find_map(|property| match property {
                    Property::$variant(value) => Some(*value),
                    _ => None,
                })
            }
        )*
    };
}

/// Getters for string and binary properties: the first property of the kind, borrowed.
macro_rules! ref_getters {
    ($($name:ident: $variant:ident -> $ty:ty;)*) => {
        $(
            pub fn $name(&self) -> Option<&$ty> {
                self.list.iter().find_map(|property| match property {
                    Property::$variant(value) => Some(&**value),
                    _ => None,
                })
            }
        )*
    };
}

impl Properties {
    /// An empty property list.
    pub fn new() -> Properties {
        Properties::default()
    }

    /// Appends a property (builder style).
    pub fn with(mut self, property: Property) -> Properties {
        self.list.push(property);
        self
    }

    pub fn push(&mut self, property: Property) {
        self.list.push(property);
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Property> {
        self.list.iter()
    }

    /// The first property with identifier `id`.
    pub fn get(&self, id: PropertyId) -> Option<&Property> {
        self.list.iter().find(|property| property.id() == id)
    }

    /// Every subscription identifier, in order (a PUBLISH matching several subscriptions has several).
    pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + '_ {
        self.list.iter().filter_map(|property| match property {
            Property::SubscriptionIdentifier(value) => Some(*value),
            _ => None,
        })
    }

    /// Every user property as `(name, value)`, in order.
    pub fn user_properties(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.list.iter().filter_map(|property| match property {
            Property::UserProperty(name, value) => Some((name.as_str(), value.as_str())),
            _ => None,
        })
    }

    copy_getters! {
        payload_format_indicator: PayloadFormatIndicator -> u8;
        message_expiry_interval: MessageExpiryInterval -> u32;
        session_expiry_interval: SessionExpiryInterval -> u32;
        server_keep_alive: ServerKeepAlive -> u16;
        request_problem_information: RequestProblemInformation -> u8;
        will_delay_interval: WillDelayInterval -> u32;
        request_response_information: RequestResponseInformation -> u8;
        receive_maximum: ReceiveMaximum -> u16;
        topic_alias_maximum: TopicAliasMaximum -> u16;
        topic_alias: TopicAlias -> u16;
        maximum_qos: MaximumQoS -> u8;
        retain_available: RetainAvailable -> u8;
        maximum_packet_size: MaximumPacketSize -> u32;
        wildcard_subscription_available: WildcardSubscriptionAvailable -> u8;
        subscription_identifier_available: SubscriptionIdentifierAvailable -> u8;
        shared_subscription_available: SharedSubscriptionAvailable -> u8;
    }

    ref_getters! {
        content_type: ContentType -> str;
        response_topic: ResponseTopic -> str;
        correlation_data: CorrelationData -> [u8];
        assigned_client_identifier: AssignedClientIdentifier -> str;
        authentication_method: AuthenticationMethod -> str;
        authentication_data: AuthenticationData -> [u8];
        response_information: ResponseInformation -> str;
        server_reference: ServerReference -> str;
        reason_string: ReasonString -> str;
    }

    /// The size of the properties without their length prefix.
    fn body_size(&self) -> Result<usize, EncodeError> {
        let mut size: usize = 0;
        for property in &self.list {
            // Saturating: enough properties to overflow usize must end as PacketTooLarge.
            size = size.saturating_add(property.encoded_size()?);
        }
        Ok(size)
    }

    /// The encoded size of the whole field: property length, then the properties.
    pub(super) fn encoded_size(&self) -> Result<usize, EncodeError> {
        let body = self.body_size()?;
        Ok(varint_size(body).saturating_add(body))
    }

    /// Writes the property length and the properties. The caller has sized the packet with
    /// [`Properties::encoded_size`], so lengths are known to be valid.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        let body = self.body_size().unwrap_or_default();
        write_varint(body, out);
        for property in &self.list {
            property.write(out);
        }
    }

    /// Reads a property length and the properties after it, enforcing the rules of `context`.
    pub(super) fn read(
        reader: &mut Reader<'_>,
        context: PropertyContext,
    ) -> Result<Properties, DecodeError> {
        let packet = reader.packet();
        let length = reader.read_varint(Field::PropertyLength)?;
        let available = reader.remaining();
        let mut block =
            reader
                .split_off(length as usize)
                .ok_or(DecodeError::PropertyLengthPastEnd {
                    packet,
                    length,
                    available,
                })?;
        let mut list = Vec::new();
        // Bit n set: identifier n was seen. Every defined identifier is below 64.
        let mut seen: u64 = 0;
        while !block.is_empty() {
            let identifier = block.read_u8(Field::PropertyIdentifier)?;
            // Identifiers are variable byte integers, but all defined ones fit in one byte; a byte
            // with bit 7 set would start a longer one, which is unknown as well.
            let id = PropertyId::from_u8(identifier).ok_or(DecodeError::UnknownProperty {
                context,
                identifier,
            })?;
            if !id.is_allowed_in(context) {
                return Err(DecodeError::PropertyNotAllowed {
                    context,
                    property: id,
                });
            }
            let bit = 1u64 << identifier;
            if seen & bit != 0 && !id.may_repeat_in(context) {
                return Err(DecodeError::DuplicateProperty {
                    context,
                    property: id,
                });
            }
            seen |= bit;
            let property = read_value(&mut block, id)?;
            check_value(&property)?;
            list.push(property);
        }
        Ok(Properties { list })
    }
}

impl FromIterator<Property> for Properties {
    fn from_iter<I: IntoIterator<Item = Property>>(iter: I) -> Properties {
        Properties {
            list: iter.into_iter().collect(),
        }
    }
}

impl<'a> IntoIterator for &'a Properties {
    type Item = &'a Property;
    type IntoIter = std::slice::Iter<'a, Property>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// Reads the value of a property whose identifier was just read.
fn read_value(reader: &mut Reader<'_>, id: PropertyId) -> Result<Property, DecodeError> {
    let field = Field::Property(id);
    let string = |reader: &mut Reader<'_>| reader.read_str(field).map(str::to_owned);
    let binary = |reader: &mut Reader<'_>| reader.read_binary(field).map(<[u8]>::to_vec);
    Ok(match id {
        PropertyId::PayloadFormatIndicator => {
            Property::PayloadFormatIndicator(reader.read_u8(field)?)
        }
        PropertyId::MessageExpiryInterval => {
            Property::MessageExpiryInterval(reader.read_u32(field)?)
        }
        PropertyId::ContentType => Property::ContentType(string(reader)?),
        PropertyId::ResponseTopic => Property::ResponseTopic(string(reader)?),
        PropertyId::CorrelationData => Property::CorrelationData(binary(reader)?),
        PropertyId::SubscriptionIdentifier => {
            Property::SubscriptionIdentifier(reader.read_varint(field)?)
        }
        PropertyId::SessionExpiryInterval => {
            Property::SessionExpiryInterval(reader.read_u32(field)?)
        }
        PropertyId::AssignedClientIdentifier => Property::AssignedClientIdentifier(string(reader)?),
        PropertyId::ServerKeepAlive => Property::ServerKeepAlive(reader.read_u16(field)?),
        PropertyId::AuthenticationMethod => Property::AuthenticationMethod(string(reader)?),
        PropertyId::AuthenticationData => Property::AuthenticationData(binary(reader)?),
        PropertyId::RequestProblemInformation => {
            Property::RequestProblemInformation(reader.read_u8(field)?)
        }
        PropertyId::WillDelayInterval => Property::WillDelayInterval(reader.read_u32(field)?),
        PropertyId::RequestResponseInformation => {
            Property::RequestResponseInformation(reader.read_u8(field)?)
        }
        PropertyId::ResponseInformation => Property::ResponseInformation(string(reader)?),
        PropertyId::ServerReference => Property::ServerReference(string(reader)?),
        PropertyId::ReasonString => Property::ReasonString(string(reader)?),
        PropertyId::ReceiveMaximum => Property::ReceiveMaximum(reader.read_u16(field)?),
        PropertyId::TopicAliasMaximum => Property::TopicAliasMaximum(reader.read_u16(field)?),
        PropertyId::TopicAlias => Property::TopicAlias(reader.read_u16(field)?),
        PropertyId::MaximumQoS => Property::MaximumQoS(reader.read_u8(field)?),
        PropertyId::RetainAvailable => Property::RetainAvailable(reader.read_u8(field)?),
        PropertyId::UserProperty => {
            let name = string(reader)?;
            Property::UserProperty(name, string(reader)?)
        }
        PropertyId::MaximumPacketSize => Property::MaximumPacketSize(reader.read_u32(field)?),
        PropertyId::WildcardSubscriptionAvailable => {
            Property::WildcardSubscriptionAvailable(reader.read_u8(field)?)
        }
        PropertyId::SubscriptionIdentifierAvailable => {
            Property::SubscriptionIdentifierAvailable(reader.read_u8(field)?)
        }
        PropertyId::SharedSubscriptionAvailable => {
            Property::SharedSubscriptionAvailable(reader.read_u8(field)?)
        }
    })
}

/// The value rules of the individual property sections.
fn check_value(property: &Property) -> Result<(), DecodeError> {
    let invalid = |value: u32| {
        Err(DecodeError::InvalidPropertyValue {
            property: property.id(),
            value,
        })
    };
    match property {
        Property::PayloadFormatIndicator(v)
        | Property::RequestProblemInformation(v)
        | Property::RequestResponseInformation(v)
        | Property::MaximumQoS(v)
        | Property::RetainAvailable(v)
        | Property::WildcardSubscriptionAvailable(v)
        | Property::SubscriptionIdentifierAvailable(v)
        | Property::SharedSubscriptionAvailable(v)
            if *v > 1 =>
        {
            invalid(u32::from(*v))
        }
        Property::SubscriptionIdentifier(0) | Property::MaximumPacketSize(0) => invalid(0),
        Property::ReceiveMaximum(0) | Property::TopicAlias(0) => invalid(0),
        Property::ResponseTopic(topic) if topic.bytes().any(|b| b == b'+' || b == b'#') => {
            Err(DecodeError::WildcardInResponseTopic)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
pub(super) mod tests;
