//! A small deterministic PRNG and the packets it generates, for the property-style tests.

use super::*;

/// SplitMix64: tiny, fast, and good enough to spread test cases; seeded so failures reproduce.
pub(super) struct TestRng(pub(super) u64);

impl TestRng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..bound` for test generation (bound > 0).
    pub(super) fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    pub(super) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(super) fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    pub(super) fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.byte()).collect()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn qos(&mut self) -> QoS {
        self.pick(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
    }

    fn packet_id(&mut self) -> u16 {
        1 + self.below(usize::from(u16::MAX)) as u16
    }

    /// A valid string: mixes ASCII, multi-byte characters and U+FEFF; never U+0000, and no wildcards
    /// when `allow_wildcards` is false.
    fn string(&mut self, max_chars: usize, allow_wildcards: bool) -> String {
        const PLAIN: [char; 10] = ['a', 'Z', '/', '9', ' ', 'é', 'ß', '€', '\u{FEFF}', '𪛔'];
        const WILDCARDS: [char; 2] = ['+', '#'];
        let len = self.below(max_chars + 1);
        (0..len)
            .map(|_| {
                if allow_wildcards && self.chance(10) {
                    self.pick(&WILDCARDS)
                } else {
                    self.pick(&PLAIN)
                }
            })
            .collect()
    }

    pub(super) fn version(&mut self) -> Version {
        self.pick(&ALL_VERSIONS)
    }

    /// A reason code defined for `packet` in MQTT 5, mostly success.
    fn reason_code(&mut self, packet: PacketType) -> u8 {
        if self.chance(50) {
            return 0;
        }
        let valid: Vec<u8> = (0..=u8::MAX)
            .filter(|&code| is_valid_reason_code(packet, code))
            .collect();
        self.pick(&valid)
    }

    /// A property `id` with a value the decoder accepts.
    fn property(&mut self, id: PropertyId) -> Property {
        let flag = self.below(2) as u8;
        let any_u16 = self.next_u64() as u16;
        let any_u32 = self.next_u64() as u32;
        let non_zero_u16 = any_u16.max(1);
        let non_zero_u32 = any_u32.max(1);
        match id {
            PropertyId::PayloadFormatIndicator => Property::PayloadFormatIndicator(flag),
            PropertyId::MessageExpiryInterval => Property::MessageExpiryInterval(any_u32),
            PropertyId::ContentType => Property::ContentType(self.string(10, true)),
            // No wildcards in a response topic.
            PropertyId::ResponseTopic => Property::ResponseTopic(self.string(10, false)),
            PropertyId::CorrelationData => Property::CorrelationData(self.bytes(10)),
            PropertyId::SubscriptionIdentifier => {
                // Small ones, and ones needing 2 to 4 bytes.
                let limit = self.pick(&[127, 16_383, 2_097_151, 268_435_455]);
                Property::SubscriptionIdentifier(1 + self.below(limit) as u32)
            }
            PropertyId::SessionExpiryInterval => Property::SessionExpiryInterval(any_u32),
            PropertyId::AssignedClientIdentifier => {
                Property::AssignedClientIdentifier(self.string(23, true))
            }
            PropertyId::ServerKeepAlive => Property::ServerKeepAlive(any_u16),
            PropertyId::AuthenticationMethod => {
                Property::AuthenticationMethod(self.string(8, true))
            }
            PropertyId::AuthenticationData => Property::AuthenticationData(self.bytes(12)),
            PropertyId::RequestProblemInformation => Property::RequestProblemInformation(flag),
            PropertyId::WillDelayInterval => Property::WillDelayInterval(any_u32),
            PropertyId::RequestResponseInformation => Property::RequestResponseInformation(flag),
            PropertyId::ResponseInformation => Property::ResponseInformation(self.string(8, true)),
            PropertyId::ServerReference => Property::ServerReference(self.string(8, true)),
            PropertyId::ReasonString => Property::ReasonString(self.string(16, true)),
            PropertyId::ReceiveMaximum => Property::ReceiveMaximum(non_zero_u16),
            PropertyId::TopicAliasMaximum => Property::TopicAliasMaximum(any_u16),
            PropertyId::TopicAlias => Property::TopicAlias(non_zero_u16),
            PropertyId::MaximumQoS => Property::MaximumQoS(flag),
            PropertyId::RetainAvailable => Property::RetainAvailable(flag),
            PropertyId::UserProperty => {
                Property::UserProperty(self.string(6, true), self.string(6, true))
            }
            PropertyId::MaximumPacketSize => Property::MaximumPacketSize(non_zero_u32),
            PropertyId::WildcardSubscriptionAvailable => {
                Property::WildcardSubscriptionAvailable(flag)
            }
            PropertyId::SubscriptionIdentifierAvailable => {
                Property::SubscriptionIdentifierAvailable(flag)
            }
            PropertyId::SharedSubscriptionAvailable => Property::SharedSubscriptionAvailable(flag),
        }
    }

    /// A valid property list for `context` (empty before MQTT 5): allowed identifiers in random order,
    /// the repeatable ones possibly repeated.
    fn properties(&mut self, version: Version, context: PropertyContext) -> Properties {
        if version != Version::V5 || self.chance(30) {
            return Properties::new();
        }
        let allowed: Vec<PropertyId> = PropertyId::ALL
            .into_iter()
            .filter(|id| id.is_allowed_in(context))
            .collect();
        let mut properties = Properties::new();
        if allowed.is_empty() {
            return properties;
        }
        for _ in 0..1 + self.below(6) {
            let id = self.pick(&allowed);
            if properties.get(id).is_some() && !id.may_repeat_in(context) {
                continue;
            }
            let property = self.property(id);
            properties.push(property);
        }
        // CONNECT: authentication data needs an authentication method.
        if context == CONNECT_PROPERTIES
            && properties.authentication_data().is_some()
            && properties.authentication_method().is_none()
        {
            properties.push(Property::AuthenticationMethod("m".into()));
        }
        properties
    }

    fn ack(&mut self, version: Version, packet: PacketType) -> Ack {
        let packet_id = self.packet_id();
        if version != Version::V5 {
            return Ack::new(packet_id);
        }
        Ack {
            packet_id,
            reason_code: self.reason_code(packet),
            properties: self.properties(version, PropertyContext::Packet(packet)),
        }
    }

    /// A packet the decoder must accept back unchanged in `version`.
    pub(super) fn valid_packet(&mut self, version: Version) -> Packet {
        let v5 = version == Version::V5;
        let packet_types = if v5 { 15 } else { 14 };
        let packet_type = PacketType::from_u8(1 + self.below(packet_types) as u8).expect("1..=15");
        let properties = self.properties(version, PropertyContext::Packet(packet_type));
        match packet_type {
            PacketType::Connect => {
                let username = self.chance(50).then(|| self.string(8, true));
                // 3.1.1 forbids a password without a user name; 3.1 and MQTT 5 allow it.
                let password_allowed = username.is_some() || version != Version::V311;
                Packet::Connect(Connect {
                    version,
                    clean_session: self.chance(50),
                    keep_alive: self.next_u64() as u16,
                    client_id: self.string(23, true),
                    will: self.chance(50).then(|| Will {
                        topic: self.string(12, false),
                        payload: self.bytes(40),
                        qos: self.qos(),
                        retain: self.chance(50),
                        properties: self.properties(version, PropertyContext::Will),
                    }),
                    username,
                    password: (password_allowed && self.chance(50)).then(|| self.bytes(12)),
                    properties,
                })
            }
            PacketType::ConnAck => Packet::ConnAck(ConnAck {
                session_present: version != Version::V31 && self.chance(50),
                code: if v5 {
                    self.reason_code(PacketType::ConnAck)
                } else {
                    self.byte()
                },
                properties,
            }),
            PacketType::Publish => {
                let qos = self.qos();
                let has_id = qos != QoS::AtMostOnce;
                let topic = self.string(20, false);
                let mut properties = properties;
                // MQTT 5: an empty topic name needs a topic alias.
                if v5 && topic.is_empty() && properties.topic_alias().is_none() {
                    properties.push(Property::TopicAlias(1));
                }
                Packet::Publish(Publish {
                    dup: has_id && self.chance(50),
                    qos,
                    retain: self.chance(50),
                    topic,
                    packet_id: if has_id { self.packet_id() } else { 0 },
                    // Sometimes past 127 and 16383 bytes, to use 2- and 3-byte remaining lengths.
                    payload: match self.below(10) {
                        0 => self.bytes(20_000),
                        1..=3 => self.bytes(300),
                        _ => self.bytes(30),
                    },
                    properties,
                })
            }
            PacketType::PubAck => Packet::PubAck(self.ack(version, packet_type)),
            PacketType::PubRec => Packet::PubRec(self.ack(version, packet_type)),
            PacketType::PubRel => Packet::PubRel(self.ack(version, packet_type)),
            PacketType::PubComp => Packet::PubComp(self.ack(version, packet_type)),
            PacketType::Subscribe => Packet::Subscribe(Subscribe {
                packet_id: self.packet_id(),
                filters: (0..1 + self.below(5))
                    .map(|_| SubscribeFilter {
                        // Never starts with "$share/": No Local is fine.
                        filter: self.string(15, true),
                        qos: self.qos(),
                        no_local: v5 && self.chance(50),
                        retain_as_published: v5 && self.chance(50),
                        retain_handling: if v5 {
                            self.pick(&[
                                RetainHandling::SendAtSubscribe,
                                RetainHandling::SendIfNew,
                                RetainHandling::DoNotSend,
                            ])
                        } else {
                            RetainHandling::SendAtSubscribe
                        },
                    })
                    .collect(),
                properties,
            }),
            PacketType::SubAck => Packet::SubAck(SubAck {
                packet_id: self.packet_id(),
                return_codes: (0..1 + self.below(8))
                    .map(|_| {
                        if v5 {
                            self.reason_code(PacketType::SubAck)
                        } else {
                            self.pick(&[0x00, 0x01, 0x02, 0x80])
                        }
                    })
                    .collect(),
                properties,
            }),
            PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe {
                packet_id: self.packet_id(),
                filters: (0..1 + self.below(5))
                    .map(|_| self.string(15, true))
                    .collect(),
                properties,
            }),
            PacketType::UnsubAck => Packet::UnsubAck(UnsubAck {
                packet_id: self.packet_id(),
                reason_codes: if v5 {
                    (0..1 + self.below(8))
                        .map(|_| self.reason_code(PacketType::UnsubAck))
                        .collect()
                } else {
                    Vec::new()
                },
                properties,
            }),
            PacketType::PingReq => Packet::PingReq,
            PacketType::PingResp => Packet::PingResp,
            PacketType::Disconnect => Packet::Disconnect(Disconnect {
                reason_code: if v5 {
                    self.reason_code(PacketType::Disconnect)
                } else {
                    0
                },
                properties,
            }),
            PacketType::Auth => Packet::Auth(Auth {
                reason_code: self.reason_code(PacketType::Auth),
                properties,
            }),
        }
    }
}
