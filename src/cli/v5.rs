//! The MQTT 5 options of mosquitto's clients: `-D`/`--property` (libmosquitto 2.0.11's
//! `cfg_parse_property` and the `mosquitto_property_add_*` checks behind it), `-x` (the session expiry
//! interval) and the checks mosquitto makes on the property lists once every argument is read
//! (`mosquitto_property_check_all`), each with mosquitto's exact text.
//!
//! `-D COMMAND NAME VALUE` (`-D COMMAND user-property KEY VALUE`) is checked in mosquitto's order:
//! enough arguments, a known command (case-insensitive), a known property name (case-insensitive),
//! the property allowed for the command (libmosquitto's `mosquitto_property_check_command`, not quite
//! the MQTT 5 table: a reason string is accepted for a will, for instance), the key and value of a
//! user property, the commands mosquitto's clients send nothing for (`pubrel`, `auth`, ...), then the
//! value: numbers are read with `atol` and range-checked, binary data and strings are length-checked
//! and strings must be valid UTF-8 without control characters. Error texts name the command and
//! property as the user typed them.

use super::ctext;
use crate::exit::Failure;
use crate::proto::codec::{Properties, Property, PropertyId, PropertyType};

/// The commands `-D` knows: libmosquitto's `mosquitto_string_to_command` (which has no `suback`,
/// `unsuback`, `pingreq` or `pingresp`) plus `will`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Connect,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    Unsubscribe,
    Disconnect,
    Auth,
    Will,
}

impl Command {
    const NAMES: [(&'static str, Command); 12] = [
        ("connect", Command::Connect),
        ("connack", Command::ConnAck),
        ("publish", Command::Publish),
        ("puback", Command::PubAck),
        ("pubrec", Command::PubRec),
        ("pubrel", Command::PubRel),
        ("pubcomp", Command::PubComp),
        ("subscribe", Command::Subscribe),
        ("unsubscribe", Command::Unsubscribe),
        ("disconnect", Command::Disconnect),
        ("auth", Command::Auth),
        ("will", Command::Will),
    ];

    fn from_name(name: &[u8]) -> Option<Command> {
        Command::NAMES
            .iter()
            .find(|(known, _)| known.as_bytes().eq_ignore_ascii_case(name))
            .map(|&(_, command)| command)
    }

    /// libmosquitto's `mosquitto_property_check_command`: may `id` be given for this command?
    fn allows(self, id: PropertyId) -> bool {
        use Command as C;
        use PropertyId as P;
        match id {
            P::PayloadFormatIndicator
            | P::MessageExpiryInterval
            | P::ContentType
            | P::ResponseTopic
            | P::CorrelationData => matches!(self, C::Publish | C::Will),
            P::SubscriptionIdentifier => matches!(self, C::Publish | C::Subscribe),
            P::SessionExpiryInterval => matches!(self, C::Connect | C::ConnAck | C::Disconnect),
            P::AuthenticationMethod | P::AuthenticationData => {
                matches!(self, C::Connect | C::ConnAck | C::Auth)
            }
            P::AssignedClientIdentifier
            | P::ServerKeepAlive
            | P::ResponseInformation
            | P::MaximumQoS
            | P::RetainAvailable
            | P::WildcardSubscriptionAvailable
            | P::SubscriptionIdentifierAvailable
            | P::SharedSubscriptionAvailable => self == C::ConnAck,
            P::RequestProblemInformation | P::RequestResponseInformation => self == C::Connect,
            P::WillDelayInterval => self == C::Will,
            P::ServerReference => matches!(self, C::ConnAck | C::Disconnect),
            P::ReasonString => !matches!(
                self,
                C::Connect | C::Publish | C::Subscribe | C::Unsubscribe
            ),
            P::ReceiveMaximum | P::TopicAliasMaximum | P::MaximumPacketSize => {
                matches!(self, C::Connect | C::ConnAck)
            }
            P::TopicAlias => self == C::Publish,
            P::UserProperty => true,
        }
    }
}

/// libmosquitto's numbering of property value types, which its `Error adding property` text shows.
fn type_number(value_type: PropertyType) -> u8 {
    match value_type {
        PropertyType::Byte => 1,
        PropertyType::TwoByteInteger => 2,
        PropertyType::FourByteInteger => 3,
        PropertyType::VariableByteInteger => 4,
        PropertyType::BinaryData => 5,
        PropertyType::Utf8String => 6,
        PropertyType::Utf8StringPair => 7,
    }
}

/// The largest subscription identifier (a variable byte integer).
const MAX_VARIABLE_BYTE_INTEGER: u32 = 268_435_455;

/// mosquitto's `-x` value when `-x` was not given.
pub(super) const SESSION_EXPIRY_UNSET: i64 = -1;

const NOT_ENOUGH: &str = "Error: --property argument given but not enough arguments specified.\n\n";
const INVALID_COMMAND: &str = "Error: Invalid command given in --property argument.\n\n";
const INVALID_NAME: &str = "Error: Invalid property name given in --property argument.\n\n";
const INFINITE_EXPIRY_NEEDS_ID: &str =
    "Error: You must provide a client id if you are using an infinite session expiry interval.\n";
/// `mosquitto_strerror(MOSQ_ERR_PROTOCOL)` and `(MOSQ_ERR_DUPLICATE_PROPERTY)`.
const PROTOCOL_ERROR: &str =
    "A network protocol error occurred when communicating with the broker.";
const DUPLICATE_PROPERTY: &str = "Duplicate property in property list";

fn usage(text: impl Into<String>) -> Failure {
    Failure::Usage { text: text.into() }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The MQTT 5 settings read from the arguments: one property list per `-D` command, in command-line
/// order, and `-x`.
#[derive(Debug, Clone)]
pub(super) struct V5Args {
    pub connect: Properties,
    pub publish: Properties,
    pub subscribe: Properties,
    pub unsubscribe: Properties,
    pub disconnect: Properties,
    pub will: Properties,
    /// `-x` as mosquitto keeps it, a C `long`: [`SESSION_EXPIRY_UNSET`] when not given, `u32::MAX`
    /// for `-1`, `∞` and 4294967295.
    pub session_expiry: i64,
}

impl Default for V5Args {
    fn default() -> V5Args {
        V5Args {
            connect: Properties::new(),
            publish: Properties::new(),
            subscribe: Properties::new(),
            unsubscribe: Properties::new(),
            disconnect: Properties::new(),
            will: Properties::new(),
            session_expiry: SESSION_EXPIRY_UNSET,
        }
    }
}

impl V5Args {
    /// Reads one `-D`: `args` are the arguments after it. Returns how many of them it used (3, or 4
    /// for a user property). The caller switches to MQTT 5, as mosquitto does after each `-D`.
    pub(super) fn parse_property(&mut self, args: &[&[u8]]) -> Result<usize, Failure> {
        if args.len() < 3 {
            return Err(usage(NOT_ENOUGH));
        }
        let (command_name, property_name) = (args[0], args[1]);
        let command = Command::from_name(command_name).ok_or_else(|| usage(INVALID_COMMAND))?;
        let id = PropertyId::ALL
            .into_iter()
            .find(|id| id.name().as_bytes().eq_ignore_ascii_case(property_name))
            .ok_or_else(|| usage(INVALID_NAME))?;
        let (cmd, name) = (lossy(command_name), lossy(property_name));
        if !command.allows(id) {
            return Err(usage(format!(
                "Error: {name} property not allowed for {cmd} in --property argument.\n\n"
            )));
        }
        let (key, value, used) = if id == PropertyId::UserProperty {
            if args.len() < 4 {
                return Err(usage(NOT_ENOUGH));
            }
            (Some(args[2]), args[3], 4)
        } else {
            (None, args[2], 3)
        };
        let not_supported = || {
            usage(format!(
                "Error: {name} property not supported for {cmd} in --property argument.\n\n"
            ))
        };
        let list = match command {
            Command::Connect => &mut self.connect,
            Command::Publish if id == PropertyId::SubscriptionIdentifier => {
                return Err(not_supported());
            }
            Command::Publish => &mut self.publish,
            Command::Subscribe => &mut self.subscribe,
            Command::Unsubscribe => &mut self.unsubscribe,
            Command::Disconnect => &mut self.disconnect,
            Command::Will => &mut self.will,
            Command::Auth
            | Command::PubAck
            | Command::PubRec
            | Command::PubRel
            | Command::PubComp => return Err(not_supported()),
            // mosquitto fails without a message of its own.
            Command::ConnAck => return Err(usage("")),
        };
        list.push(property_value(id, &name, key, value)?);
        Ok(used)
    }

    /// mosquitto's checks of every property list (`mosquitto_property_check_all`), in its order:
    /// CONNECT (with the session expiry interval of `-x`/`-c` already added), PUBLISH, SUBSCRIBE,
    /// UNSUBSCRIBE, DISCONNECT, will. Their texts are hidden by `--quiet`; the `Use ...` line is not.
    pub(super) fn check_lists(&self, connect: &Properties, quiet: bool) -> Result<(), Failure> {
        let lists = [
            ("CONNECT", connect),
            ("PUBLISH", &self.publish),
            ("SUBSCRIBE", &self.subscribe),
            ("UNSUBSCRIBE", &self.unsubscribe),
            ("DISCONNECT", &self.disconnect),
            ("Will", &self.will),
        ];
        for (what, list) in lists {
            if let Err(error) = check_list(list) {
                let text = if quiet {
                    String::new()
                } else {
                    format!("Error in {what} properties: {error}\n")
                };
                return Err(usage(text));
            }
        }
        Ok(())
    }

    /// The CONNECT properties of an MQTT 5 run, as mosquitto builds them: the `-D connect` ones, then
    /// the session expiry interval (`-x`; `-c` alone means "never expires"). Fails as mosquitto does
    /// when an infinite interval is asked for without a fixed client id.
    pub(super) fn v5_connect_properties(
        &self,
        clean_session: bool,
        fixed_id: bool,
    ) -> Result<(Properties, Option<u32>), Failure> {
        let mut expiry = self.session_expiry;
        if !clean_session && expiry == SESSION_EXPIRY_UNSET {
            expiry = i64::from(u32::MAX);
        }
        let mut connect = self.connect.clone();
        let mut session_expiry = None;
        if expiry > 0 {
            if expiry == i64::from(u32::MAX) && !fixed_id {
                return Err(usage(INFINITE_EXPIRY_NEEDS_ID));
            }
            // In range: `-x` accepts 0..=u32::MAX only.
            let seconds = u32::try_from(expiry).unwrap_or(u32::MAX);
            connect.push(Property::SessionExpiryInterval(seconds));
            session_expiry = Some(seconds);
        }
        Ok((connect, session_expiry))
    }
}

/// `-x VALUE`: `∞`, or a whole number as C `strtol` reads it (decimal, `0x` hexadecimal, `0` octal)
/// with nothing after it, from -1 (never expires) to 4294967295.
pub(super) fn parse_session_expiry(value: &[u8]) -> Result<i64, Failure> {
    if value == "∞".as_bytes() {
        return Ok(i64::from(u32::MAX));
    }
    let (seconds, used) = ctext::strtol_auto(value);
    if used == 0 || used != value.len() {
        return Err(usage("Error: session-expiry-interval not a number.\n\n"));
    }
    if seconds > i64::from(u32::MAX) || seconds < -1 {
        return Err(usage("Error: session-expiry-interval out of range.\n\n"));
    }
    Ok(if seconds == -1 {
        i64::from(u32::MAX)
    } else {
        seconds
    })
}

/// The property `id` with the value given on the command line, checked as mosquitto checks it.
/// `name` is the property name as typed.
fn property_value(
    id: PropertyId,
    name: &str,
    key: Option<&[u8]>,
    value: &[u8],
) -> Result<Property, Failure> {
    let value_type = id.value_type();
    let adding_failed = || {
        usage(format!(
            "Error adding property {name} {}\n",
            type_number(value_type)
        ))
    };
    let number = |max: u32| -> Result<u32, Failure> {
        let number = ctext::atol(value);
        u32::try_from(number)
            .ok()
            .filter(|&n| n <= max)
            .ok_or_else(|| {
                usage(format!(
                    "Error: Property value ({number}) out of range for property {name}.\n\n"
                ))
            })
    };
    // libmosquitto checks strings with `mosquitto_validate_utf8` (at most 65536 bytes), then keeps
    // their length in 16 bits: a 65536-byte string goes out empty.
    let text = |bytes: &[u8]| -> Result<String, Failure> {
        if !ctext::valid_utf8(bytes) {
            return Err(adding_failed());
        }
        Ok(if bytes.len() > usize::from(u16::MAX) {
            String::new()
        } else {
            lossy(bytes)
        })
    };
    let property = match value_type {
        PropertyType::Byte => {
            let byte = u8::try_from(number(u32::from(u8::MAX))?).unwrap_or(u8::MAX);
            match id {
                PropertyId::PayloadFormatIndicator => Property::PayloadFormatIndicator(byte),
                PropertyId::RequestProblemInformation => Property::RequestProblemInformation(byte),
                PropertyId::RequestResponseInformation => {
                    Property::RequestResponseInformation(byte)
                }
                PropertyId::MaximumQoS => Property::MaximumQoS(byte),
                PropertyId::RetainAvailable => Property::RetainAvailable(byte),
                PropertyId::WildcardSubscriptionAvailable => {
                    Property::WildcardSubscriptionAvailable(byte)
                }
                PropertyId::SubscriptionIdentifierAvailable => {
                    Property::SubscriptionIdentifierAvailable(byte)
                }
                _ => Property::SharedSubscriptionAvailable(byte),
            }
        }
        PropertyType::TwoByteInteger => {
            let short = u16::try_from(number(u32::from(u16::MAX))?).unwrap_or(u16::MAX);
            match id {
                PropertyId::ServerKeepAlive => Property::ServerKeepAlive(short),
                PropertyId::ReceiveMaximum => Property::ReceiveMaximum(short),
                PropertyId::TopicAliasMaximum => Property::TopicAliasMaximum(short),
                _ => Property::TopicAlias(short),
            }
        }
        PropertyType::FourByteInteger => {
            let long = number(u32::MAX)?;
            match id {
                PropertyId::MessageExpiryInterval => Property::MessageExpiryInterval(long),
                PropertyId::SessionExpiryInterval => Property::SessionExpiryInterval(long),
                PropertyId::WillDelayInterval => Property::WillDelayInterval(long),
                _ => Property::MaximumPacketSize(long),
            }
        }
        PropertyType::VariableByteInteger => {
            let identifier = number(u32::MAX)?;
            if identifier > MAX_VARIABLE_BYTE_INTEGER {
                return Err(adding_failed());
            }
            Property::SubscriptionIdentifier(identifier)
        }
        PropertyType::BinaryData => {
            if value.len() > usize::from(u16::MAX) {
                return Err(usage(format!(
                    "Error: Property value too long for property {name}.\n\n"
                )));
            }
            match id {
                PropertyId::CorrelationData => Property::CorrelationData(value.to_vec()),
                _ => Property::AuthenticationData(value.to_vec()),
            }
        }
        PropertyType::Utf8String => {
            let string = text(value)?;
            match id {
                PropertyId::ContentType => Property::ContentType(string),
                PropertyId::ResponseTopic => Property::ResponseTopic(string),
                PropertyId::AssignedClientIdentifier => Property::AssignedClientIdentifier(string),
                PropertyId::AuthenticationMethod => Property::AuthenticationMethod(string),
                PropertyId::ResponseInformation => Property::ResponseInformation(string),
                PropertyId::ServerReference => Property::ServerReference(string),
                _ => Property::ReasonString(string),
            }
        }
        PropertyType::Utf8StringPair => {
            let key = text(key.unwrap_or_default())?;
            // libmosquitto does not check the value at all (it sends invalid UTF-8, and the first
            // `length % 65536` bytes of a longer one); we take any UTF-8 string that fits, control
            // characters included, and refuse the rest with the key's error (docs/decisions.md).
            let value = std::str::from_utf8(value)
                .ok()
                .filter(|value| value.len() <= usize::from(u16::MAX))
                .ok_or_else(adding_failed)?;
            Property::UserProperty(key, value.to_string())
        }
    };
    Ok(property)
}

/// `mosquitto_property_check_all` on one list (the command check already passed while parsing):
/// property by property, the value rules (request flags 0 or 1, no zero receive maximum, topic alias
/// or maximum packet size), then no later duplicate of a property other than a user property.
fn check_list(list: &Properties) -> Result<(), &'static str> {
    for (index, property) in list.iter().enumerate() {
        let invalid = match property {
            Property::RequestProblemInformation(flag)
            | Property::RequestResponseInformation(flag)
            | Property::WildcardSubscriptionAvailable(flag)
            | Property::SubscriptionIdentifierAvailable(flag)
            | Property::SharedSubscriptionAvailable(flag) => *flag > 1,
            Property::MaximumPacketSize(size) => *size == 0,
            Property::ReceiveMaximum(value) | Property::TopicAlias(value) => *value == 0,
            _ => false,
        };
        if invalid {
            return Err(PROTOCOL_ERROR);
        }
        let id = property.id();
        if id != PropertyId::UserProperty
            && list.iter().skip(index + 1).any(|later| later.id() == id)
        {
            return Err(DUPLICATE_PROPERTY);
        }
    }
    Ok(())
}

/// What `-D` can usefully be given, for completion scripts: each command a property list is sent
/// with (the ones [`V5Args::parse_property`] refuses, such as `puback` or `connack`, are left out),
/// in mosquitto's order, with the property names it takes there. A test checks this against
/// `parse_property` both ways.
pub(crate) fn property_completions() -> Vec<(&'static str, Vec<&'static str>)> {
    Command::NAMES
        .iter()
        .filter(|(_, command)| {
            matches!(
                command,
                Command::Connect
                    | Command::Publish
                    | Command::Subscribe
                    | Command::Unsubscribe
                    | Command::Disconnect
                    | Command::Will
            )
        })
        .map(|&(name, command)| {
            let names = PropertyId::ALL
                .into_iter()
                // `-D publish subscription-identifier` is allowed, then "not supported".
                .filter(|&id| {
                    command.allows(id)
                        && !(command == Command::Publish
                            && id == PropertyId::SubscriptionIdentifier)
                })
                .map(PropertyId::name)
                .collect();
            (name, names)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<(V5Args, usize), Failure> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let mut v5 = V5Args::default();
        let used = v5.parse_property(&args)?;
        Ok((v5, used))
    }

    fn error(args: &[&str]) -> String {
        match parse(args) {
            Err(Failure::Usage { text }) => text,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn properties_go_to_their_command_in_order() {
        let (v5, used) = parse(&["Connect", "USER-property", "k", "v", "x"]).expect("parses");
        assert_eq!(used, 4);
        assert_eq!(
            v5.connect.list,
            vec![Property::UserProperty("k".into(), "v".into())]
        );
        let (v5, used) = parse(&["publish", "message-expiry-interval", "4294967295"]).expect("ok");
        assert_eq!(used, 3);
        assert_eq!(
            v5.publish.list,
            vec![Property::MessageExpiryInterval(u32::MAX)]
        );
        let (v5, _) = parse(&["will", "correlation-data", "\u{1}\u{ff}"]).expect("ok");
        assert_eq!(
            v5.will.list,
            vec![Property::CorrelationData("\u{1}\u{ff}".as_bytes().to_vec())]
        );
        let (v5, _) = parse(&["subscribe", "subscription-identifier", "268435455"]).expect("ok");
        assert_eq!(
            v5.subscribe.list,
            vec![Property::SubscriptionIdentifier(268_435_455)]
        );
        let (v5, _) = parse(&["disconnect", "reason-string", "bye"]).expect("ok");
        assert_eq!(
            v5.disconnect.list,
            vec![Property::ReasonString("bye".into())]
        );
        // atol: leading blanks, trailing garbage.
        let (v5, _) = parse(&["connect", "receive-maximum", " 12abc"]).expect("ok");
        assert_eq!(v5.connect.list, vec![Property::ReceiveMaximum(12)]);
    }

    #[test]
    fn errors_have_mosquittos_texts() {
        assert_eq!(error(&["connect", "receive-maximum"]), NOT_ENOUGH);
        assert_eq!(error(&["connect", "user-property", "k"]), NOT_ENOUGH);
        assert_eq!(error(&["suback", "reason-string", "x"]), INVALID_COMMAND);
        assert_eq!(error(&["connect", "bogus", "x"]), INVALID_NAME);
        assert_eq!(
            error(&["connect", "Topic-Alias", "1"]),
            "Error: Topic-Alias property not allowed for connect in --property argument.\n\n"
        );
        assert_eq!(
            error(&["PUBREL", "user-property", "a", "b"]),
            "Error: user-property property not supported for PUBREL in --property argument.\n\n"
        );
        assert_eq!(
            error(&["publish", "subscription-identifier", "1"]),
            "Error: subscription-identifier property not supported for publish in --property argument.\n\n"
        );
        assert_eq!(error(&["connack", "maximum-qos", "1"]), "");
        assert_eq!(
            error(&["connect", "receive-maximum", "65536"]),
            "Error: Property value (65536) out of range for property receive-maximum.\n\n"
        );
        assert_eq!(
            error(&["publish", "message-expiry-interval", "99999999999999999999"]),
            "Error: Property value (9223372036854775807) out of range for property message-expiry-interval.\n\n"
        );
        assert_eq!(
            error(&["subscribe", "subscription-identifier", "268435456"]),
            "Error adding property subscription-identifier 4\n"
        );
        assert_eq!(
            error(&["publish", "content-type", "a\u{1}"]),
            "Error adding property content-type 6\n"
        );
        let long = "x".repeat(65537);
        assert_eq!(
            error(&["publish", "correlation-data", &long]),
            "Error: Property value too long for property correlation-data.\n\n"
        );
        assert_eq!(
            error(&["publish", "user-property", &long, "v"]),
            "Error adding property user-property 7\n"
        );
        // Ours only (mosquitto sends these unchecked): a value that is not UTF-8, or too long.
        let too_long = "x".repeat(65536);
        assert_eq!(
            error(&["publish", "user-property", "k", &too_long]),
            "Error adding property user-property 7\n"
        );
        let mut v5 = V5Args::default();
        assert_eq!(
            v5.parse_property(&[b"publish", b"user-property", b"k", b"\xff"]),
            Err(usage("Error adding property user-property 7\n"))
        );
        // A 65536-byte string passes mosquitto's check and goes out empty.
        let (v5, _) = parse(&["publish", "content-type", &too_long]).expect("65536 bytes");
        assert_eq!(v5.publish.list, vec![Property::ContentType(String::new())]);
        let (v5, _) = parse(&["publish", "user-property", "k", "a\tb\u{7f}"]).expect("controls");
        assert_eq!(
            v5.publish.list,
            vec![Property::UserProperty("k".into(), "a\tb\u{7f}".into())]
        );
    }

    #[test]
    fn lists_are_checked_as_mosquitto_checks_them() {
        let mut v5 = V5Args::default();
        v5.publish.push(Property::TopicAlias(0));
        assert_eq!(
            v5.check_lists(&Properties::new(), false),
            Err(usage(format!(
                "Error in PUBLISH properties: {PROTOCOL_ERROR}\n"
            )))
        );
        assert_eq!(v5.check_lists(&Properties::new(), true), Err(usage("")));
        let duplicate = Properties::new()
            .with(Property::ReceiveMaximum(5))
            .with(Property::ReceiveMaximum(0));
        assert_eq!(
            V5Args::default().check_lists(&duplicate, false),
            Err(usage(format!(
                "Error in CONNECT properties: {DUPLICATE_PROPERTY}\n"
            )))
        );
        let users = Properties::new()
            .with(Property::UserProperty("a".into(), "b".into()))
            .with(Property::UserProperty("a".into(), "b".into()));
        assert_eq!(V5Args::default().check_lists(&users, false), Ok(()));
    }

    #[test]
    fn session_expiry_values() {
        let ok = |text: &str| parse_session_expiry(text.as_bytes()).expect(text);
        assert_eq!(ok("-1"), i64::from(u32::MAX));
        assert_eq!(ok("∞"), i64::from(u32::MAX));
        assert_eq!(ok("4294967295"), i64::from(u32::MAX));
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("-0"), 0);
        assert_eq!(ok("+5"), 5);
        assert_eq!(ok(" 60"), 60);
        assert_eq!(ok("0x10"), 16);
        assert_eq!(ok("010"), 8);
        for bad in ["", "abc", "5 ", "1e3", "0x", "08", "-"] {
            assert_eq!(
                parse_session_expiry(bad.as_bytes()),
                Err(usage("Error: session-expiry-interval not a number.\n\n")),
                "{bad:?}"
            );
        }
        for bad in [
            "4294967296",
            "-2",
            "99999999999999999999",
            "-99999999999999999999",
        ] {
            assert_eq!(
                parse_session_expiry(bad.as_bytes()),
                Err(usage("Error: session-expiry-interval out of range.\n\n")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn session_expiry_in_connect_properties() {
        let mut v5 = V5Args::default();
        v5.connect
            .push(Property::UserProperty("a".into(), "b".into()));
        let (props, expiry) = v5.v5_connect_properties(true, false).expect("no -x");
        assert_eq!(props.list.len(), 1);
        assert_eq!(expiry, None);
        // -c alone: never expires, needs an id.
        assert_eq!(
            v5.v5_connect_properties(false, false),
            Err(usage(INFINITE_EXPIRY_NEEDS_ID))
        );
        let (props, expiry) = v5.v5_connect_properties(false, true).expect("-c -i");
        assert_eq!(props.list[1], Property::SessionExpiryInterval(u32::MAX));
        assert_eq!(expiry, Some(u32::MAX));
        v5.session_expiry = 30;
        let (props, expiry) = v5.v5_connect_properties(false, false).expect("-c -x 30");
        assert_eq!(props.list[1], Property::SessionExpiryInterval(30));
        assert_eq!(expiry, Some(30));
        v5.session_expiry = 0;
        let (props, expiry) = v5.v5_connect_properties(false, false).expect("-x 0");
        assert_eq!(props.list.len(), 1);
        assert_eq!(expiry, None);
    }

    #[test]
    fn strtol_and_atol_read_numbers_as_glibc_does() {
        assert_eq!(ctext::strtol_auto(b"  -0x1fz"), (-31, 7));
        assert_eq!(ctext::strtol_auto(b"0x"), (0, 1));
        assert_eq!(ctext::strtol_auto(b"0779"), (63, 3));
        assert_eq!(ctext::strtol_auto(b"x"), (0, 0));
        assert_eq!(ctext::strtol_auto(b"+"), (0, 0));
        assert_eq!(ctext::atol(b"-99999999999999999999"), i64::MIN);
        assert_eq!(ctext::atol(b"4294967296"), 4_294_967_296);
        assert_eq!(ctext::atoi(b"4294967297"), 1);
    }

    /// A value `parse_property` accepts for `name` (a number for numeric properties, text otherwise).
    fn sample_values(name: &str) -> Vec<&'static str> {
        let id = PropertyId::ALL
            .into_iter()
            .find(|id| id.name() == name)
            .expect("a property name");
        match id.value_type() {
            PropertyType::Utf8StringPair => vec!["key", "value"],
            PropertyType::Utf8String | PropertyType::BinaryData => vec!["text"],
            _ => vec!["1"],
        }
    }

    #[test]
    fn property_completions_are_exactly_what_parse_property_accepts() {
        let completions = property_completions();
        for &(command, _) in &Command::NAMES {
            for id in PropertyId::ALL {
                let mut args = vec![command, id.name()];
                args.extend(sample_values(id.name()));
                let accepted = parse(&args).is_ok();
                let completed = completions
                    .iter()
                    .any(|(known, names)| *known == command && names.contains(&id.name()));
                assert_eq!(accepted, completed, "-D {command} {}", id.name());
            }
        }
        assert_eq!(
            completions
                .iter()
                .map(|(command, _)| *command)
                .collect::<Vec<_>>(),
            [
                "connect",
                "publish",
                "subscribe",
                "unsubscribe",
                "disconnect",
                "will"
            ]
        );
    }
}
