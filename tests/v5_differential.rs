//! MQTT 5 differential scenarios: each runs once with mosquitto_pub/mosquitto_sub 2.0.11 and once with
//! rpub/rsub, each against its own fresh broker (configured for the server limit under test), and
//! stdout, stderr and exit codes (and what peers received) must be identical after normalising only
//! what truly varies (`auto-<UUID>` ids, receive times). Peers are always mosquitto's clients;
//! `RPUBSUB_ORACLE_SELFTEST=1` runs mosquitto's clients on both sides to prove each scenario is
//! deterministic.
//!
//! Covered: `-V 5`, `-D` for connect, publish, subscribe, unsubscribe, disconnect and will, `-D` then
//! `-V 311`, `-x`, `-c` sessions, `--retain-as-published`, `-R` (retain handling), broker-assigned
//! ids, the server limits announced in CONNACK (maximum QoS, retain available, maximum packet size,
//! server keep alive), reason codes (PUBACK 16/135/149, SUBACK 135, CONNACK 135, server DISCONNECT),
//! the will on SIGINT and `-W` (v5: sent, v3.1.1: not sent), `%A..%S` and JSON properties.

mod common;

use std::time::Duration;

use common::{
    Broker, BrokerBuilder, ClientRun, Ctx, Differential, Observed, Output, Tool, differential,
};

// ---------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------

/// Publishes each of `pubs` with mosquitto_pub (in order).
fn publish_all(ctx: &Ctx, pubs: &[&[&str]]) {
    for args in pubs {
        ctx.peer_pub(["-i", "peer-pub"]).args(*args).run();
    }
}

/// Starts the subscriber under test, waits until the broker logged `needle`, publishes `pubs` with
/// mosquitto_pub and collects the subscriber.
fn sub_with_pubs_needle(ctx: &Ctx, sub: ClientRun, needle: &str, pubs: &[&[&str]]) -> Output {
    let mut sub = sub.spawn();
    if ctx.wait_log_while_running(0, needle, &mut sub) {
        publish_all(ctx, pubs);
    }
    sub.wait()
}

/// [`sub_with_pubs_needle`] for a subscriber with the fixed id `id`.
fn sub_with_pubs(ctx: &Ctx, sub: ClientRun, id: &str, pubs: &[&[&str]]) -> Output {
    sub_with_pubs_needle(ctx, sub, &format!("Received SUBSCRIBE from {id}\n"), pubs)
}

/// Starts a peer `mosquitto_sub -i peer -W 8 <peer_args>`, waits for its subscription, runs the
/// publisher under test, then collects the peer.
fn pub_with_peer(ctx: &Ctx, peer_args: &[&str], client: ClientRun) -> Observed {
    let mut peer = ctx
        .peer_sub(["-i", "peer", "-W", "8"])
        .args(peer_args)
        .spawn();
    ctx.wait_subscribed(&mut peer, "peer");
    let out = client.run();
    masked(&out).output("peer", &masked_output(&peer.wait()))
}

/// The JSON `tst` (`2026-11-25T22:46:02.239020Z+0000`) replaced after its shape was checked.
fn mask_tst(bytes: &[u8]) -> Vec<u8> {
    const SHAPE: &[u8] = b"9999-99-99T99:99:99.999999Z+9999";
    let matches = |at: &[u8]| {
        at.len() >= SHAPE.len()
            && SHAPE.iter().zip(at).all(|(&p, &b)| match p {
                b'9' => b.is_ascii_digit(),
                b'+' => b == b'+' || b == b'-',
                _ => p == b,
            })
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if matches(&bytes[i..]) {
            out.extend_from_slice(b"<TST>");
            i += SHAPE.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn masked_output(out: &Output) -> Output {
    Output {
        stdout: mask_tst(&out.stdout),
        stderr: mask_tst(&out.stderr),
        ..out.clone()
    }
}

/// stdout, stderr (receive times masked) and exit of the client under test.
fn masked(out: &Output) -> Observed {
    Observed::client(&masked_output(out))
}

/// A publisher sending one QoS 1 message with every PUBLISH property mosquitto_sub can show.
const WITH_PROPERTIES: &[&str] = &[
    "-q",
    "1",
    "-m",
    "{\"v\":1}",
    "-D",
    "publish",
    "payload-format-indicator",
    "1",
    "-D",
    "publish",
    "content-type",
    "application/json",
    "-D",
    "publish",
    "response-topic",
    "reply/here",
    "-D",
    "publish",
    "correlation-data",
    "corr-42",
    "-D",
    "publish",
    "user-property",
    "k1",
    "v1",
    "-D",
    "publish",
    "user-property",
    "k2",
    "v2",
    "-D",
    "publish",
    "message-expiry-interval",
    "300",
];

/// A differential scenario against brokers built by `broker`.
fn with_broker<F>(name: &str, broker: BrokerBuilder, scenario: F)
where
    F: Fn(&Ctx) -> Observed + Sync,
{
    Differential::new(name).broker(broker).run(scenario);
}

fn acl_broker() -> BrokerBuilder {
    Broker::builder().acl("topic write acl/ok/#\ntopic read acl/ro/#\ntopic readwrite open/#\n")
}

/// The dynamic-security configuration of the reference brokers, cut down to one client: bob
/// (password bobpw) may subscribe and publish to `allowed/#` only.
const DYNSEC_JSON: &str = r#"{
    "defaultACLAccess": {"publishClientSend": false, "publishClientReceive": true, "subscribe": false, "unsubscribe": true},
    "clients": [{
        "username": "bob",
        "roles": [{"rolename": "limited"}],
        "password": "MfJ/aIrNEZ4wXvsNezpoQqCLfa6+zwcJRvFqSAMK2paQdPUNIX2Ek5v8MOtiSLuRzdM248tzZVwz8/sMuNEZ1A==",
        "salt": "jEQFKOaq6CiiDb+E",
        "iterations": 101
    }],
    "groups": [],
    "roles": [{
        "rolename": "limited",
        "acls": [
            {"acltype": "publishClientSend", "topic": "allowed/#", "priority": 0, "allow": true},
            {"acltype": "publishClientReceive", "topic": "allowed/#", "priority": 0, "allow": true},
            {"acltype": "subscribePattern", "topic": "allowed/#", "priority": 0, "allow": true}
        ]
    }]
}
"#;

const DYNSEC_PLUGIN: &str = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";

/// A broker with the dynamic-security plugin (SUBACK 135 for what bob may not subscribe to); the
/// configuration lives in `dir`, which must outlive the scenario.
fn dynsec_broker(dir: &common::TempDir) -> BrokerBuilder {
    assert!(
        std::path::Path::new(DYNSEC_PLUGIN).exists(),
        "the mosquitto dynamic-security plugin is missing ({DYNSEC_PLUGIN}): apt-get install -y mosquitto"
    );
    let config = dir.write("dynsec.json", DYNSEC_JSON);
    Broker::builder()
        .allow_anonymous(false)
        .config_line(&format!("plugin {DYNSEC_PLUGIN}"))
        .config_line(&format!("plugin_opt_config_file {}", config.display()))
}

fn auth_broker() -> BrokerBuilder {
    Broker::builder()
        .allow_anonymous(false)
        .user("alice", "secret")
}

// ---------------------------------------------------------------------------------------------------------
// rpub
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_v5_default_id_is_assigned() {
    differential("pub_v5_default_id_is_assigned", |ctx| {
        ctx.pub_(["-d", "-V", "5", "-t", "v5/t", "-q", "1", "-m", "x"])
            .run()
            .into()
    });
}

#[test]
fn pub_v5_qos2_to_peer() {
    differential("pub_v5_qos2_to_peer", |ctx| {
        let client = ctx.pub_([
            "-d", "-V", "mqttv5", "-i", "p5q2", "-t", "v5/q2", "-q", "2", "-m", "two",
        ]);
        pub_with_peer(
            ctx,
            &["-V", "5", "-t", "v5/q2", "-q", "2", "-C", "1", "-v"],
            client,
        )
    });
}

#[test]
fn pub_d_forces_v5() {
    differential("pub_d_forces_v5", |ctx| {
        ctx.pub_([
            "-d",
            "-i",
            "pDv5",
            "-t",
            "x/nosub",
            "-q",
            "1",
            "-m",
            "x",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_d_then_v311_publish_fails_silently() {
    differential("pub_d_then_v311_publish_fails_silently", |ctx| {
        ctx.pub_([
            "-d",
            "-i",
            "pDV311",
            "-t",
            "x/dv",
            "-q",
            "1",
            "-m",
            "x",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_d_then_v311_line_mode_fails() {
    differential("pub_d_then_v311_line_mode_fails", |ctx| {
        ctx.pub_([
            "-d",
            "-i",
            "pDV311l",
            "-t",
            "x/dv",
            "-q",
            "1",
            "-l",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
        ])
        .stdin("a\nb\n")
        .run()
        .into()
    });
}

#[test]
fn pub_d_connect_then_v311_cannot_connect() {
    differential("pub_d_connect_then_v311_cannot_connect", |ctx| {
        ctx.pub_([
            "-d",
            "-i",
            "pDcV311",
            "-t",
            "x/dv",
            "-m",
            "x",
            "-D",
            "connect",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_properties_reach_the_subscriber() {
    differential("pub_v5_properties_reach_the_subscriber", |ctx| {
        let client = ctx
            .pub_(["-d", "-i", "pprops", "-t", "v5/props"])
            .args(WITH_PROPERTIES);
        pub_with_peer(
            ctx,
            &[
                "-V",
                "5",
                "-t",
                "v5/props",
                "-q",
                "1",
                "-C",
                "1",
                "-F",
                "%j|%C|%D|%E|%F|%P|%R",
            ],
            client,
        )
    });
}

#[test]
fn pub_v5_connect_disconnect_and_will_properties() {
    differential("pub_v5_connect_disconnect_and_will_properties", |ctx| {
        ctx.pub_([
            "-d",
            "-i",
            "pcdw",
            "-t",
            "v5/cdw",
            "-m",
            "x",
            "-D",
            "connect",
            "user-property",
            "ck",
            "cv",
            "-D",
            "connect",
            "request-problem-information",
            "1",
            "-D",
            "connect",
            "topic-alias-maximum",
            "5",
            "-D",
            "disconnect",
            "user-property",
            "dk",
            "dv",
            "-D",
            "disconnect",
            "reason-string",
            "bye",
            "--will-topic",
            "v5/will",
            "-D",
            "will",
            "content-type",
            "text/plain",
            "-D",
            "will",
            "will-delay-interval",
            "0",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_topic_alias_repeat() {
    differential("pub_v5_topic_alias_repeat", |ctx| {
        let client = ctx.pub_([
            "-d",
            "-i",
            "palias",
            "-t",
            "v5/alias",
            "-m",
            "x",
            "--repeat",
            "3",
            "-D",
            "publish",
            "topic-alias",
            "1",
        ]);
        pub_with_peer(ctx, &["-t", "v5/alias", "-C", "3", "-v"], client)
    });
}

#[test]
fn pub_v5_topic_alias_above_the_brokers_maximum() {
    differential("pub_v5_topic_alias_above_the_brokers_maximum", |ctx| {
        ctx.pub_([
            "-d",
            "-i",
            "palias11",
            "-t",
            "v5/alias",
            "-m",
            "x",
            "-q",
            "1",
            "-D",
            "publish",
            "topic-alias",
            "11",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_session_expiry() {
    differential("pub_v5_session_expiry", |ctx| {
        ctx.pub_([
            "-d", "-V", "5", "-i", "pv5x", "-x", "30", "-t", "v5/x", "-m", "x",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_password_without_username() {
    differential("pub_v5_password_without_username", |ctx| {
        ctx.pub_([
            "-d", "-V", "5", "-i", "ppwo5", "-P", "secret", "-t", "err/t", "-m", "x",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_bad_password_is_refused() {
    with_broker("pub_v5_bad_password_is_refused", auth_broker(), |ctx| {
        ctx.pub_([
            "-d", "-V", "5", "-i", "pbad5", "-u", "alice", "-P", "wrong", "-t", "t", "-m", "x",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_maximum_qos() {
    with_broker(
        "pub_v5_maximum_qos",
        Broker::builder().config_line("max_qos 1"),
        |ctx| {
            ctx.pub_([
                "-d", "-V", "5", "-i", "pmaxq", "-t", "t", "-q", "2", "-m", "x",
            ])
            .run()
            .into()
        },
    );
}

#[test]
fn pub_v5_retain_not_available() {
    with_broker(
        "pub_v5_retain_not_available",
        Broker::builder().config_line("retain_available false"),
        |ctx| {
            ctx.pub_([
                "-d", "-V", "5", "-i", "pnoret", "-t", "t", "-q", "1", "-r", "-m", "x",
            ])
            .run()
            .into()
        },
    );
}

#[test]
fn pub_v5_maximum_packet_size() {
    with_broker(
        "pub_v5_maximum_packet_size",
        Broker::builder().config_line("max_packet_size 100"),
        |ctx| {
            let big = "x".repeat(200);
            ctx.pub_([
                "-d", "-V", "5", "-i", "pbig", "-t", "t", "-q", "1", "-m", &big,
            ])
            .run()
            .into()
        },
    );
}

#[test]
fn pub_v5_message_size_limit_refuses_qos1() {
    with_broker(
        "pub_v5_message_size_limit_refuses_qos1",
        Broker::builder().message_size_limit(10),
        |ctx| {
            ctx.pub_([
                "-d",
                "-V",
                "5",
                "-i",
                "psize",
                "-t",
                "t",
                "-q",
                "1",
                "-m",
                "this is more than ten bytes",
            ])
            .run()
            .into()
        },
    );
}

#[test]
fn pub_v5_acl_denied_qos1() {
    with_broker("pub_v5_acl_denied_qos1", acl_broker(), |ctx| {
        ctx.pub_([
            "-d",
            "-V",
            "5",
            "-i",
            "pacl1",
            "-t",
            "acl/denied",
            "-q",
            "1",
            "-m",
            "x",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_acl_denied_qos2_repeat() {
    with_broker("pub_v5_acl_denied_qos2_repeat", acl_broker(), |ctx| {
        ctx.pub_([
            "-d",
            "-V",
            "5",
            "-i",
            "pacl2",
            "-t",
            "acl/denied",
            "-q",
            "2",
            "-m",
            "x",
            "--repeat",
            "2",
        ])
        .run()
        .into()
    });
}

// ---------------------------------------------------------------------------------------------------------
// rsub
// ---------------------------------------------------------------------------------------------------------

#[test]
fn sub_v5_default_id_is_assigned() {
    differential("sub_v5_default_id_is_assigned", |ctx| {
        let sub = ctx.sub(["-d", "-V", "5", "-t", "v5/auto", "-q", "1", "-C", "1", "-v"]);
        masked(&sub_with_pubs_needle(
            ctx,
            sub,
            "Received SUBSCRIBE from auto-",
            &[&["-t", "v5/auto", "-q", "1", "-m", "hello"]],
        ))
    });
}

#[test]
fn sub_v5_subscribe_and_connect_user_properties() {
    differential("sub_v5_subscribe_and_connect_user_properties", |ctx| {
        publish_all(ctx, &[&["-t", "v5D/t", "-m", "retained", "-r"]]);
        ctx.sub([
            "-d",
            "-i",
            "subv5D",
            "-t",
            "v5D/t",
            "-q",
            "1",
            "--retain-as-published",
            "-D",
            "connect",
            "user-property",
            "ckey",
            "cval",
            "-D",
            "subscribe",
            "user-property",
            "skey",
            "sval",
            "-D",
            "connect",
            "session-expiry-interval",
            "0",
            "-C",
            "1",
            "-v",
            "-F",
            "%t %p r=%r",
        ])
        .run()
        .into()
    });
}

#[test]
fn sub_v5_r_asks_for_no_retained_messages() {
    differential("sub_v5_r_asks_for_no_retained_messages", |ctx| {
        publish_all(ctx, &[&["-t", "v5R/t", "-m", "stale", "-r"]]);
        let sub = ctx.sub([
            "-d", "-V", "5", "-i", "subR5", "-t", "v5R/t", "-R", "-C", "1", "-v",
        ]);
        masked(&sub_with_pubs(
            ctx,
            sub,
            "subR5",
            &[&["-t", "v5R/t", "-m", "fresh"]],
        ))
    });
}

#[test]
fn sub_v5_retain_as_published() {
    differential("sub_v5_retain_as_published", |ctx| {
        let sub = ctx.sub([
            "-d",
            "-V",
            "5",
            "-i",
            "subRAP",
            "-t",
            "v5rap/t",
            "--retain-as-published",
            "-C",
            "2",
            "-F",
            "%t %p r=%r",
        ]);
        let out = sub_with_pubs(
            ctx,
            sub,
            "subRAP",
            &[
                &["-t", "v5rap/t", "-m", "kept", "-r"],
                &["-t", "v5rap/t", "-m", "plain"],
            ],
        );
        // Clean up the retained message for the peer check below.
        publish_all(ctx, &[&["-t", "v5rap/t", "-n", "-r"]]);
        out.into()
    });
}

#[test]
fn sub_v311_retain_as_published_is_ignored() {
    differential("sub_v311_retain_as_published_is_ignored", |ctx| {
        let sub = ctx.sub([
            "-d",
            "-i",
            "subRAP3",
            "-t",
            "v3rap/t",
            "--retain-as-published",
            "-R",
            "-C",
            "1",
            "-F",
            "%t %p r=%r",
        ]);
        sub_with_pubs(
            ctx,
            sub,
            "subRAP3",
            &[&["-t", "v3rap/t", "-m", "kept", "-r"]],
        )
        .into()
    });
}

#[test]
fn sub_v5_property_specifiers() {
    differential("sub_v5_property_specifiers", |ctx| {
        let sub = ctx.sub([
            "-V",
            "5",
            "-i",
            "subspec",
            "-t",
            "v5spec/t",
            "-q",
            "1",
            "-C",
            "1",
            "-D",
            "subscribe",
            "subscription-identifier",
            "42",
            "-F",
            "A=%A C=%C D=%D E=%E F=%F P=%P R=%R S=%S|%10C|%-6E|%03F|%.3R",
        ]);
        let mut publish: Vec<&str> = vec!["-t", "v5spec/t"];
        publish.extend_from_slice(WITH_PROPERTIES);
        sub_with_pubs(ctx, sub, "subspec", &[&publish]).into()
    });
}

#[test]
fn sub_v5_json_properties() {
    differential("sub_v5_json_properties", |ctx| {
        let sub = ctx.sub([
            "-V",
            "5",
            "-i",
            "subjson",
            "-t",
            "v5json/t",
            "-q",
            "1",
            "-C",
            "2",
            "-D",
            "subscribe",
            "subscription-identifier",
            "7",
            "-F",
            "%j",
        ]);
        let mut publish: Vec<&str> = vec!["-t", "v5json/t"];
        publish.extend_from_slice(WITH_PROPERTIES);
        masked(&sub_with_pubs(
            ctx,
            sub,
            "subjson",
            &[&publish, &["-t", "v5json/t", "-q", "1", "-m", "no props"]],
        ))
    });
}

#[test]
fn sub_v5_json_pretty_with_properties() {
    differential("sub_v5_json_pretty_with_properties", |ctx| {
        let sub = ctx.sub([
            "-V",
            "5",
            "-i",
            "subpretty",
            "-t",
            "v5pretty/t",
            "-q",
            "1",
            "-C",
            "1",
            "-F",
            "%J",
            "--pretty",
        ]);
        let mut publish: Vec<&str> = vec!["-t", "v5pretty/t"];
        publish.extend_from_slice(WITH_PROPERTIES);
        masked(&sub_with_pubs(ctx, sub, "subpretty", &[&publish]))
    });
}

#[test]
fn sub_v5_properties_absent_with_width() {
    differential("sub_v5_properties_absent_with_width", |ctx| {
        let sub = ctx.sub([
            "-V",
            "5",
            "-i",
            "subabsent",
            "-t",
            "v5abs/t",
            "-C",
            "1",
            "-F",
            "[%5A][%05F][%-4E][%3S][%4C][%D][%P][%R]",
        ]);
        sub_with_pubs(ctx, sub, "subabsent", &[&["-t", "v5abs/t", "-m", "x"]]).into()
    });
}

/// The subscriber under test owns a will on `will/t` and is stopped by `stop` once subscribed; a
/// peer watching `will/t` shows whether the broker published the will.
fn will_scenario(name: &str, version: &'static str, stop: fn(&mut common::Running)) {
    differential(name, move |ctx| {
        let mut watcher = ctx
            .peer_sub(["-i", "watcher", "-t", "will/t", "-v", "-W", "3"])
            .spawn();
        ctx.wait_subscribed(&mut watcher, "watcher");
        let mut owner = ctx
            .sub([
                "-d",
                "-V",
                version,
                "-i",
                "owner",
                "-t",
                "will/x",
                "--will-topic",
                "will/t",
                "--will-payload",
                "owner's will",
            ])
            .spawn();
        if ctx.wait_subscribed(&mut owner, "owner") {
            owner.settle(Duration::from_millis(300));
            stop(&mut owner);
        }
        let owner = owner.wait();
        Observed::client(&owner).output("watcher", &watcher.wait())
    });
}

#[test]
fn sub_v5_will_sent_on_sigint() {
    will_scenario("sub_v5_will_sent_on_sigint", "5", |owner| owner.interrupt());
}

#[test]
fn sub_v311_will_not_sent_on_sigint() {
    will_scenario("sub_v311_will_not_sent_on_sigint", "311", |owner| {
        owner.interrupt()
    });
}

#[test]
fn sub_v5_will_sent_on_sigterm() {
    will_scenario("sub_v5_will_sent_on_sigterm", "5", |owner| {
        owner.terminate()
    });
}

#[test]
fn sub_v5_will_sent_on_timeout() {
    differential("sub_v5_will_sent_on_timeout", |ctx| {
        let mut watcher = ctx
            .peer_sub(["-i", "watcher", "-t", "will/t", "-v", "-W", "4"])
            .spawn();
        ctx.wait_subscribed(&mut watcher, "watcher");
        let owner = ctx
            .sub([
                "-d",
                "-V",
                "5",
                "-i",
                "owner",
                "-t",
                "will/x",
                "-W",
                "1",
                "--will-topic",
                "will/t",
                "--will-payload",
                "timed out",
                "-D",
                "will",
                "user-property",
                "wk",
                "wv",
            ])
            .run();
        Observed::client(&owner).output("watcher", &watcher.wait())
    });
}

#[test]
fn sub_v5_server_disconnect_ends_the_run() {
    differential("sub_v5_server_disconnect_ends_the_run", |ctx| {
        ctx.sub(["-d", "-V", "5", "-i", "subempty5", "-t", ""])
            .timeout(Duration::from_secs(5))
            .run()
            .into()
    });
}

#[test]
fn sub_v5_all_denied() {
    let dir = common::TempDir::new("dynsec-all-denied");
    with_broker("sub_v5_all_denied", dynsec_broker(&dir), |ctx| {
        ctx.sub([
            "-d", "-V", "5", "-i", "sdenied5", "-u", "bob", "-P", "bobpw", "-t", "denied/t",
        ])
        .run()
        .into()
    });
}

#[test]
fn sub_v5_partly_denied() {
    let dir = common::TempDir::new("dynsec-partly-denied");
    with_broker("sub_v5_partly_denied", dynsec_broker(&dir), |ctx| {
        ctx.sub([
            "-d",
            "-V",
            "5",
            "-i",
            "spart5",
            "-u",
            "bob",
            "-P",
            "bobpw",
            "-t",
            "denied/t",
            "-t",
            "allowed/#",
            "-W",
            "1",
        ])
        .run()
        .into()
    });
}

#[test]
fn pub_v5_dynsec_denied_publish() {
    let dir = common::TempDir::new("dynsec-denied-pub");
    with_broker("pub_v5_dynsec_denied_publish", dynsec_broker(&dir), |ctx| {
        ctx.pub_([
            "-d",
            "-V",
            "5",
            "-i",
            "pdenied5",
            "-u",
            "bob",
            "-P",
            "bobpw",
            "-t",
            "denied/topic",
            "-q",
            "1",
            "-m",
            "x",
        ])
        .run()
        .into()
    });
}

#[test]
fn sub_v5_granted_qos_downgraded() {
    with_broker(
        "sub_v5_granted_qos_downgraded",
        Broker::builder().config_line("max_qos 1"),
        |ctx| {
            ctx.sub([
                "-d", "-V", "5", "-i", "sdown5", "-t", "x/t", "-q", "2", "-E",
            ])
            .run()
            .into()
        },
    );
}

#[test]
fn sub_v5_server_keep_alive() {
    with_broker(
        "sub_v5_server_keep_alive",
        Broker::builder().max_keepalive(10),
        |ctx| {
            ctx.sub([
                "-d", "-V", "5", "-i", "ska5", "-t", "ka/t", "-k", "60", "-W", "11",
            ])
            .timeout(Duration::from_secs(20))
            .run()
            .into()
        },
    );
}

#[test]
fn sub_v5_bad_password_is_refused() {
    with_broker("sub_v5_bad_password_is_refused", auth_broker(), |ctx| {
        ctx.sub([
            "-d", "-V", "5", "-i", "sbad5", "-u", "alice", "-P", "wrong", "-t", "t",
        ])
        .run()
        .into()
    });
}

/// `-c` (and `-x`): a first run subscribes and leaves, a QoS 1 message is published meanwhile, the
/// second run (clean start off) gets it from the session.
fn session_scenario(name: &str, first: &'static [&'static str], second: &'static [&'static str]) {
    differential(name, move |ctx| {
        let step1 = ctx
            .sub([
                "-d", "-V", "5", "-i", "persist5", "-t", "sess/t", "-q", "1", "-E",
            ])
            .args(first)
            .run();
        publish_all(ctx, &[&["-t", "sess/t", "-q", "1", "-m", "queued"]]);
        let step2 = ctx
            .sub([
                "-d", "-V", "5", "-i", "persist5", "-t", "sess/t", "-q", "1", "-C", "1", "-v",
            ])
            .args(second)
            .timeout(Duration::from_secs(5))
            .run();
        Observed::new()
            .output("step1", &step1)
            .output("step2", &step2)
    });
}

#[test]
fn sub_v5_c_keeps_the_session() {
    session_scenario("sub_v5_c_keeps_the_session", &["-c"], &["-c"]);
}

#[test]
fn sub_v5_x_keeps_the_session() {
    session_scenario(
        "sub_v5_x_keeps_the_session",
        &["-x", "60"],
        &["-c", "-x", "60"],
    );
}

#[test]
fn sub_v5_x_zero_ends_the_session() {
    // `-c -x 0`: clean start off but the session ends with the connection; the second run
    // subscribes again and waits for a message that never comes.
    differential("sub_v5_x_zero_ends_the_session", |ctx| {
        let step1 = ctx
            .sub([
                "-d", "-V", "5", "-i", "noexp5", "-t", "sess/t", "-q", "1", "-E", "-c", "-x", "0",
            ])
            .run();
        publish_all(ctx, &[&["-t", "sess/t", "-q", "1", "-m", "lost"]]);
        let step2 = ctx
            .sub([
                "-d", "-V", "5", "-i", "noexp5", "-t", "sess/t", "-q", "1", "-W", "1", "-c", "-x",
                "0",
            ])
            .run();
        Observed::new()
            .output("step1", &step1)
            .output("step2", &step2)
    });
}

#[test]
fn sub_v5_unsubscribe_with_properties() {
    differential("sub_v5_unsubscribe_with_properties", |ctx| {
        ctx.sub([
            "-d",
            "-V",
            "5",
            "-i",
            "subU5",
            "-t",
            "subt/U5/a",
            "-U",
            "subt/U5/x",
            "-U",
            "subt/U5/y",
            "-D",
            "unsubscribe",
            "user-property",
            "uk",
            "uv",
            "-E",
        ])
        .run()
        .into()
    });
}

#[test]
fn sub_v5_disconnect_properties() {
    differential("sub_v5_disconnect_properties", |ctx| {
        ctx.sub([
            "-d",
            "-V",
            "5",
            "-i",
            "subdp",
            "-t",
            "dp/t",
            "-E",
            "-D",
            "disconnect",
            "user-property",
            "why",
            "done",
            "-D",
            "disconnect",
            "reason-string",
            "bye",
        ])
        .run()
        .into()
    });
}

#[test]
fn sub_d_subscribe_then_v311_sends_no_subscribe() {
    differential("sub_d_subscribe_then_v311_sends_no_subscribe", |ctx| {
        ctx.sub([
            "-d",
            "-i",
            "subDV3",
            "-t",
            "x/t",
            "-D",
            "subscribe",
            "user-property",
            "a",
            "b",
            "-V",
            "311",
            "-W",
            "1",
        ])
        .run()
        .into()
    });
}

#[test]
fn sub_v5_remove_retained_until_timeout() {
    differential("sub_v5_remove_retained_until_timeout", |ctx| {
        publish_all(
            ctx,
            &[
                &["-t", "rr/a", "-m", "one", "-r"],
                &["-t", "rr/b", "-m", "two", "-r"],
            ],
        );
        let sub = ctx
            .sub([
                "-d",
                "-V",
                "5",
                "-i",
                "subrr5",
                "-t",
                "rr/#",
                "--remove-retained",
                "--retained-only",
                "-v",
                "-W",
                "2",
            ])
            .run();
        let left = ClientRun::new(common::mosquitto_sub())
            .args(ctx.conn())
            .args(["-i", "peer-check", "-t", "rr/#", "-v", "-W", "1"])
            .run();
        Observed::client(&sub).output("left", &left)
    });
}

#[test]
fn v5_argument_errors() {
    differential("v5_argument_errors", |ctx| {
        // Ours runs through links named mosquitto_pub / mosquitto_sub, for the same
        // `Use 'mosquitto_pub --help'` lines.
        let named = |name: &str, ours: std::path::PathBuf| match ctx.tool {
            Tool::Mosquitto => ours,
            Tool::Ours => {
                let link = ctx.dir.join(name);
                std::os::unix::fs::symlink(&ours, &link).expect("link to our client");
                link
            }
        };
        let pub_program = named("mosquitto_pub", ctx.tool.pub_program());
        let sub_program = named("mosquitto_sub", ctx.tool.sub_program());
        let bad = |args: &[&str]| {
            ClientRun::new(&pub_program)
                .args(ctx.conn())
                .args(["-t", "x", "-m", "y"])
                .args(args)
                .run()
        };
        let sub_bad = |args: &[&str]| {
            ClientRun::new(&sub_program)
                .args(ctx.conn())
                .args(["-t", "x"])
                .args(args)
                .run()
        };
        Observed::new()
            .output("not enough", &bad(&["-D", "connect", "user-property", "k"]))
            .output("command", &bad(&["-D", "suback", "reason-string", "r"]))
            .output("name", &bad(&["-D", "connect", "maximum-qs", "1"]))
            .output(
                "not allowed",
                &bad(&["-D", "publish", "receive-maximum", "1"]),
            )
            .output(
                "not supported",
                &bad(&["-D", "pubrel", "user-property", "a", "b"]),
            )
            .output("range", &bad(&["-D", "publish", "topic-alias", "70000"]))
            .output("zero", &bad(&["-D", "publish", "topic-alias", "0"]))
            .output(
                "duplicate",
                &sub_bad(&[
                    "-D",
                    "subscribe",
                    "subscription-identifier",
                    "1",
                    "-D",
                    "subscribe",
                    "subscription-identifier",
                    "2",
                ]),
            )
            .output(
                "sub publish",
                &sub_bad(&["-D", "publish", "subscription-identifier", "1"]),
            )
            .output("expiry", &bad(&["-x", "10s"]))
            .output("infinite", &sub_bad(&["-V", "5", "-x", "∞"]))
            .output("-c v5", &sub_bad(&["-V", "5", "-c"]))
    });
}

// ---------------------------------------------------------------------------------------------------------
// Ours only: where mosquitto hangs
// ---------------------------------------------------------------------------------------------------------

/// `-D disconnect` followed by `-V 311`: libmosquitto refuses to send the DISCONNECT (properties in
/// 3.x), so mosquitto_pub and mosquitto_sub never end (not even on SIGINT or `-W`). Ours send a
/// plain DISCONNECT and end as usual (docs/decisions.md).
#[test]
fn disconnect_properties_under_v311_do_not_hang() {
    let broker = Broker::start();
    let port = broker.port().to_string();
    let conn = ["-h", "127.0.0.1", "-p", port.as_str()];
    let tail = ["-D", "disconnect", "user-property", "a", "b", "-V", "311"];
    let publisher = ClientRun::new(env!("CARGO_BIN_EXE_rpub"))
        .args(conn)
        .args(["-d", "-i", "pdis3", "-t", "x", "-m", "y"])
        .args(tail)
        .run();
    assert_eq!(publisher.code(), Some(0), "{}", publisher.dump());
    assert_eq!(
        publisher.stdout_text(),
        "Client pdis3 sending CONNECT\nClient pdis3 received CONNACK (0)\n\
         Client pdis3 sending PUBLISH (d0, q0, r0, m1, 'x', ... (1 bytes))\n\
         Client pdis3 sending DISCONNECT\n"
    );
    let subscriber = ClientRun::new(env!("CARGO_BIN_EXE_rsub"))
        .args(conn)
        .args(["-d", "-i", "sdis3", "-t", "x", "-W", "1"])
        .args(tail)
        .run();
    assert_eq!(subscriber.code(), Some(27), "{}", subscriber.dump());
    assert_eq!(subscriber.stderr_text(), "Timed out\n");
    assert!(
        subscriber
            .stdout_text()
            .ends_with("Client sdis3 sending DISCONNECT\n"),
        "{}",
        subscriber.dump()
    );
}
