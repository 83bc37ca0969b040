//! MQTT 5 flags (`-D`, `-x`, `-c` under MQTT 5, `--retain-as-published`).

use super::*;

#[test]
fn v5_command_lines_resolve_as_mosquitto_builds_them() {
    use crate::proto::codec::{Properties, Property};
    let user = |k: &str, v: &str| Property::UserProperty(k.into(), v.into());
    // Any -D means v5; properties go to their command in order; -x after them in CONNECT.
    let config = parse_pub(
        "rpub",
        &os(&[
            "-t",
            "a",
            "-m",
            "b",
            "-D",
            "connect",
            "user-property",
            "k",
            "v",
            "-D",
            "PUBLISH",
            "content-type",
            "text/plain",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
            "-D",
            "disconnect",
            "reason-string",
            "bye",
            "-x",
            "30",
            "--will-topic",
            "w",
            "-D",
            "will",
            "will-delay-interval",
            "5",
        ]),
    )
    .expect("valid v5 command line");
    assert_eq!(config.common.version, Version::V5);
    assert_eq!(
        config.common.connect_properties,
        Properties::new()
            .with(user("k", "v"))
            .with(Property::SessionExpiryInterval(30))
    );
    assert_eq!(config.common.session_expiry, Some(30));
    assert_eq!(
        config.publish_properties,
        Properties::new()
            .with(Property::ContentType("text/plain".into()))
            .with(user("a", "b"))
    );
    assert_eq!(
        config.common.disconnect_properties,
        Properties::new().with(Property::ReasonString("bye".into()))
    );
    assert_eq!(
        config.common.will.map(|will| will.properties),
        Some(Properties::new().with(Property::WillDelayInterval(5)))
    );
    // A -V after -D goes back to v3.x (the publish then fails at run time, as in mosquitto).
    let config = parse_pub(
        "rpub",
        &os(&[
            "-t",
            "a",
            "-m",
            "b",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
        ]),
    )
    .expect("accepted");
    assert_eq!(config.common.version, Version::V311);
    assert_eq!(config.publish_properties.len(), 1);
    // -x is ignored under v3.x; -c -i under v5 never expires.
    let config = parse_pub("rpub", &os(&["-t", "a", "-m", "b", "-x", "-1"])).expect("v3");
    assert_eq!(config.common.session_expiry, None);
    assert!(config.common.connect_properties.is_empty());
    let config =
        parse_sub("rsub", &os(&["-t", "a", "-V", "5", "-c", "-i", "me"])).expect("-c -i in v5");
    assert_eq!(config.common.session_expiry, Some(u32::MAX));
    // -C below 20 lowers the receive maximum (after the session expiry), unless -D gave one.
    let config = parse_sub(
        "rsub",
        &os(&[
            "-t",
            "a",
            "-V",
            "5",
            "-C",
            "3",
            "-x",
            "9",
            "--retain-as-published",
        ]),
    )
    .expect("-C 3");
    assert_eq!(
        config.common.connect_properties,
        Properties::new()
            .with(Property::SessionExpiryInterval(9))
            .with(Property::ReceiveMaximum(3))
    );
    assert!(config.retain_as_published);
    let config = parse_sub(
        "rsub",
        &os(&[
            "-t",
            "a",
            "-C",
            "3",
            "-D",
            "connect",
            "receive-maximum",
            "7",
        ]),
    )
    .expect("-D receive-maximum");
    assert_eq!(
        config.common.connect_properties,
        Properties::new().with(Property::ReceiveMaximum(7))
    );
    for args in [
        &["-t", "a", "-C", "3"][..],
        &["-t", "a", "-V", "5", "-C", "20"],
    ] {
        let config = parse_sub("rsub", &os(args)).expect("no receive maximum");
        assert!(config.common.connect_properties.is_empty(), "{args:?}");
    }
    let config = parse_sub(
        "rsub",
        &os(&[
            "-t",
            "a",
            "-D",
            "subscribe",
            "subscription-identifier",
            "7",
            "-D",
            "unsubscribe",
            "user-property",
            "u",
            "1",
            "-U",
            "a",
        ]),
    )
    .expect("subscribe properties");
    assert_eq!(
        config.subscribe_properties,
        Properties::new().with(Property::SubscriptionIdentifier(7))
    );
    assert_eq!(
        config.unsubscribe_properties,
        Properties::new().with(user("u", "1"))
    );
    // v5 allows a password without a user name.
    assert!(parse_pub("rpub", &os(&["-t", "a", "-m", "b", "-V", "5", "-P", "pw"])).is_ok());
}
