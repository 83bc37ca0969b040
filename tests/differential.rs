//! Differential tests: every scenario runs once with mosquitto_pub/mosquitto_sub 2.0.11 and once with
//! rpub/rsub, each against its own fresh broker; stdout, stderr and exit codes (and what peers received)
//! must be identical after normalising only what truly varies (see `common::Normalizer`).
//!
//! Peers are always mosquitto's clients. `RPUBSUB_ORACLE_SELFTEST=1` runs mosquitto's clients on both sides,
//! which proves that each scenario is deterministic.

mod common;

use std::time::Duration;

use common::{
    Broker, ClientRun, Ctx, Differential, Observed, differential, free_port,
    ipv6_loopback_available, sorted_lines,
};

// ---------------------------------------------------------------------------------------------------------
// Scenario building blocks
// ---------------------------------------------------------------------------------------------------------

/// Starts a peer `mosquitto_sub -i peer -W 8 <peer_args>`, waits for its subscription, runs the publisher
/// under test, then collects the peer: the result is the publisher's output plus what the peer printed.
fn pub_with_peer(ctx: &Ctx, peer_args: &[&str], client: ClientRun) -> Observed {
    let mut peer = ctx
        .peer_sub(["-i", "peer", "-W", "8"])
        .args(peer_args)
        .spawn();
    ctx.wait_subscribed(&mut peer, "peer");
    let out = client.run();
    Observed::client(&out).output("peer", &peer.wait())
}

/// Starts the subscriber under test, waits until the broker logged `needle` (its SUBSCRIBE), then publishes
/// each of `pubs` with mosquitto_pub (in order) and collects the subscriber.
fn sub_with_pubs_needle(ctx: &Ctx, sub: ClientRun, needle: &str, pubs: &[&[&str]]) -> Observed {
    let mut sub = sub.spawn();
    if ctx.wait_log_while_running(0, needle, &mut sub) {
        for args in pubs {
            ctx.peer_pub(["-i", "peer-pub"]).args(*args).run();
        }
    }
    Observed::client(&sub.wait())
}

/// [`sub_with_pubs_needle`] for a subscriber with the fixed id `id`.
fn sub_with_pubs(ctx: &Ctx, sub: ClientRun, id: &str, pubs: &[&[&str]]) -> Observed {
    sub_with_pubs_needle(ctx, sub, &format!("Received SUBSCRIBE from {id}\n"), pubs)
}

/// The result of a publisher in `-l` mode with `-d`: the stdout lines sorted (the PUBLISH/ack interleaving is
/// timing dependent, FORMAT §4.3), everything else exact.
fn line_mode_observed(out: &common::Output, peer: &common::Output) -> Observed {
    Observed::new()
        .bytes("stdout (sorted lines)", &sorted_lines(&out.stdout))
        .bytes("stderr", &out.stderr)
        .exit("exit", out)
        .output("peer", peer)
}

fn long_topic() -> String {
    format!("long/{}", "t".repeat(600))
}

fn auth_broker() -> common::BrokerBuilder {
    Broker::builder()
        .allow_anonymous(false)
        .user("alice", "secret")
}

const BINARY: &[u8] = b"bin\x00ary\xff\xfe\n\x01end\x00";

// ---------------------------------------------------------------------------------------------------------
// Seed smoke test
// ---------------------------------------------------------------------------------------------------------

#[test]
fn smoke_fixed_ids() {
    differential("smoke_fixed_ids", |ctx| {
        let mut sub = ctx
            .sub(["-d", "-i", "smoke-sub", "-t", "orz", "-C", "1"])
            .spawn();
        ctx.wait_subscribed(&mut sub, "smoke-sub");
        let publ = ctx
            .pub_([
                "-d",
                "-i",
                "smoke-pub",
                "-t",
                "orz",
                "-m",
                "Hello mosquitto.",
            ])
            .run();
        Observed::new()
            .output("sub", &sub.wait())
            .output("pub", &publ)
    });
}

#[test]
fn smoke_null_ids() {
    differential("smoke_null_ids", |ctx| {
        let mut sub = ctx.sub(["-d", "-t", "orz", "-C", "1"]).spawn();
        // no id: the broker assigns auto-<UUID>, the client prints (null)
        ctx.wait_subscribed_prefix(&mut sub, "auto-");
        let publ = ctx
            .pub_(["-d", "-t", "orz", "-m", "Hello mosquitto."])
            .run();
        Observed::new()
            .output("sub", &sub.wait())
            .output("pub", &publ)
    });
}

// ---------------------------------------------------------------------------------------------------------
// Publishing at each QoS
// ---------------------------------------------------------------------------------------------------------

fn pub_qos_debug(name: &str, qos: &'static str) {
    differential(name, |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "t/q", "-q", "2", "-v", "-C", "1"],
            ctx.pub_([
                "-d",
                "-i",
                "pq",
                "-t",
                "t/q",
                "-q",
                qos,
                "-m",
                "qos message",
            ]),
        )
    });
}

#[test]
fn pub_qos0_debug() {
    pub_qos_debug("pub_qos0_debug", "0");
}

#[test]
fn pub_qos1_debug() {
    pub_qos_debug("pub_qos1_debug", "1");
}

#[test]
fn pub_qos2_debug() {
    pub_qos_debug("pub_qos2_debug", "2");
}

#[test]
fn pub_qos2_to_sub_qos1_downgraded() {
    differential("pub_qos2_to_sub_qos1_downgraded", |ctx| {
        pub_with_peer(
            ctx,
            &["-d", "-t", "d/t", "-q", "1", "-v", "-C", "1"],
            ctx.pub_([
                "-d",
                "-i",
                "pdown",
                "-t",
                "d/t",
                "-q",
                "2",
                "-m",
                "downgraded",
            ]),
        )
    });
}

// ---------------------------------------------------------------------------------------------------------
// Receiving: subscription QoS x publish QoS
// ---------------------------------------------------------------------------------------------------------

fn sub_recv(name: &str, sub_qos: &'static str, pub_qos: &'static str) {
    differential(name, |ctx| {
        sub_with_pubs(
            ctx,
            ctx.sub(["-d", "-i", "sq", "-t", "t/qos", "-q", sub_qos, "-C", "1"]),
            "sq",
            &[&["-t", "t/qos", "-q", pub_qos, "-m", "payload"]],
        )
    });
}

macro_rules! sub_qos_matrix {
    ($($name:ident: sub $sq:literal, pub $pq:literal;)*) => {
        $(
            #[test]
            fn $name() {
                sub_recv(stringify!($name), $sq, $pq);
            }
        )*
    };
}

sub_qos_matrix! {
    sub_q0_recv_pub_q0: sub "0", pub "0";
    sub_q0_recv_pub_q1: sub "0", pub "1";
    sub_q0_recv_pub_q2: sub "0", pub "2";
    sub_q1_recv_pub_q0: sub "1", pub "0";
    sub_q1_recv_pub_q1: sub "1", pub "1";
    sub_q1_recv_pub_q2: sub "1", pub "2";
    sub_q2_recv_pub_q0: sub "2", pub "0";
    sub_q2_recv_pub_q1: sub "2", pub "1";
    sub_q2_recv_pub_q2: sub "2", pub "2";
}

// ---------------------------------------------------------------------------------------------------------
// Subscriber output and end conditions
// ---------------------------------------------------------------------------------------------------------

#[test]
fn sub_verbose() {
    differential("sub_verbose", |ctx| {
        sub_with_pubs(
            ctx,
            ctx.sub(["-i", "sv", "-t", "v/#", "-v", "-C", "2"]),
            "sv",
            &[
                &["-t", "v/a", "-m", "hello world"],
                &["-t", "v/empty", "-n"],
            ],
        )
    });
}

#[test]
fn sub_no_eol() {
    differential("sub_no_eol", |ctx| {
        sub_with_pubs(
            ctx,
            ctx.sub(["-i", "sn", "-t", "n/t", "-N", "-C", "3"]),
            "sn",
            &[
                &["-t", "n/t", "-m", "one"],
                &["-t", "n/t", "-n"],
                &["-t", "n/t", "-m", "two"],
            ],
        )
    });
}

#[test]
fn sub_count_2_debug() {
    differential("sub_count_2_debug", |ctx| {
        sub_with_pubs(
            ctx,
            ctx.sub(["-d", "-i", "sc2", "-t", "c/t", "-q", "1", "-v", "-C", "2"]),
            "sc2",
            &[
                &["-t", "c/t", "-q", "1", "-m", "first"],
                &["-t", "c/t", "-m", "second"],
            ],
        )
    });
}

#[test]
fn sub_binary_payload() {
    differential("sub_binary_payload", |ctx| {
        let file = ctx.dir.write("binary", BINARY);
        let file = file.to_str().expect("utf-8 temp path");
        sub_with_pubs(
            ctx,
            ctx.sub(["-i", "sbin", "-t", "b/t", "-C", "1"]),
            "sbin",
            &[&["-t", "b/t", "-f", file]],
        )
    });
}

#[test]
fn sub_timeout_w1() {
    differential("sub_timeout_w1", |ctx| {
        ctx.sub(["-d", "-i", "sw", "-t", "t/w", "-W", "1"])
            .run()
            .into()
    });
}

#[test]
fn sub_exit_after_suback() {
    differential("sub_exit_after_suback", |ctx| {
        ctx.sub(["-d", "-i", "se", "-t", "e/a", "-t", "e/b", "-q", "1", "-E"])
            .run()
            .into()
    });
}

#[test]
fn sub_multiple_topics() {
    differential("sub_multiple_topics", |ctx| {
        sub_with_pubs(
            ctx,
            ctx.sub([
                "-d", "-i", "smt", "-t", "m/a", "-t", "m/b", "-t", "m/c/+", "-q", "1", "-v", "-C",
                "3",
            ]),
            "smt",
            &[
                &["-t", "m/a", "-m", "A"],
                &["-t", "m/b", "-q", "1", "-m", "B"],
                &["-t", "m/c/d", "-q", "2", "-m", "CD"],
            ],
        )
    });
}

#[test]
fn sub_keepalive_k5() {
    differential("sub_keepalive_k5", |ctx| {
        // PINGREQ after 5 s of silence, then -W 7 ends it (Timed out, 27)
        ctx.sub(["-d", "-i", "ska", "-t", "k/a", "-k", "5", "-W", "7"])
            .run()
            .into()
    });
}

fn sub_signal(name: &str, signal: i32) {
    differential(name, |ctx| {
        let mut sub = ctx
            .sub(["-d", "-i", "ssig", "-t", "sig/t", "-q", "1"])
            .spawn();
        if ctx.wait_subscribed(&mut sub, "ssig") {
            // a QoS 1 message acked by the client proves it processed the SUBACK: the signal comes after
            ctx.peer_pub(["-i", "ready", "-t", "sig/t", "-q", "1", "-m", "ready"])
                .run();
            if ctx.wait_log_while_running(0, "Received PUBACK from ssig", &mut sub) {
                // the PUBACK is sent before the message is printed: let the client finish and go idle
                sub.settle(Duration::from_millis(300));
                sub.signal(signal);
            }
        }
        Observed::client(&sub.wait())
    });
}

#[test]
fn sub_sigint_after_connect() {
    sub_signal("sub_sigint_after_connect", libc::SIGINT);
}

#[test]
fn sub_sigterm_after_connect() {
    sub_signal("sub_sigterm_after_connect", libc::SIGTERM);
}

// ---------------------------------------------------------------------------------------------------------
// Retained and null messages
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_retained_then_sub_receives_it() {
    differential("pub_retained_then_sub_receives_it", |ctx| {
        let publ = ctx
            .pub_(["-d", "-i", "pr", "-t", "r/t", "-r", "-m", "r1"])
            .run();
        let sub = ctx
            .sub(["-d", "-i", "sr", "-t", "r/t", "-C", "1", "-v"])
            .run();
        Observed::new().output("pub", &publ).output("sub", &sub)
    });
}

#[test]
fn pub_null_message() {
    differential("pub_null_message", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "n/t", "-v", "-C", "1"],
            ctx.pub_(["-d", "-i", "pn", "-t", "n/t", "-n"]),
        )
    });
}

// ---------------------------------------------------------------------------------------------------------
// Message sources: -f, -s, -l
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_file_text() {
    differential("pub_file_text", |ctx| {
        let file = ctx.dir.write("text", "hello file\nsecond line\n");
        pub_with_peer(
            ctx,
            &["-t", "f/t", "-v", "-C", "1"],
            ctx.pub_(["-d", "-i", "pf", "-t", "f/t", "-q", "1", "-f"])
                .arg(file),
        )
    });
}

#[test]
fn pub_file_empty() {
    differential("pub_file_empty", |ctx| {
        let file = ctx.dir.write("empty", "");
        pub_with_peer(
            ctx,
            &["-t", "f/e", "-v", "-C", "1"],
            ctx.pub_(["-d", "-i", "pfe", "-t", "f/e", "-f"]).arg(file),
        )
    });
}

#[test]
fn pub_file_binary() {
    differential("pub_file_binary", |ctx| {
        let file = ctx.dir.write("binary", BINARY);
        pub_with_peer(
            ctx,
            &["-t", "f/b", "-v", "-C", "1"],
            ctx.pub_(["-d", "-i", "pfb", "-t", "f/b", "-f"]).arg(file),
        )
    });
}

#[test]
fn pub_stdin_text() {
    differential("pub_stdin_text", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "s/t", "-v", "-C", "1"],
            ctx.pub_(["-d", "-i", "ps", "-t", "s/t", "-q", "2", "-s"])
                .stdin("from stdin\nline two"),
        )
    });
}

#[test]
fn pub_stdin_empty_is_an_error() {
    differential("pub_stdin_empty_is_an_error", |ctx| {
        ctx.pub_(["-d", "-i", "pse", "-t", "s/e", "-s"])
            .stdin("")
            .run()
            .into()
    });
}

#[test]
fn pub_stdin_binary() {
    differential("pub_stdin_binary", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "s/b", "-v", "-C", "1"],
            ctx.pub_(["-d", "-i", "psb", "-t", "s/b", "-s"])
                .stdin(BINARY),
        )
    });
}

/// Several lines, an empty line, a CRLF line and a final line without newline: 5 messages.
const LINES: &str = "one\ntwo\n\nthree\r\nfour";

#[test]
fn pub_lines_qos0() {
    differential("pub_lines_qos0", |ctx| {
        // without -d the output is exact (nothing on stdout)
        pub_with_peer(
            ctx,
            &["-t", "l/t", "-v", "-C", "5"],
            ctx.pub_(["-i", "pl0", "-t", "l/t", "-l"]).stdin(LINES),
        )
    });
}

#[test]
fn pub_lines_qos1_debug() {
    differential("pub_lines_qos1_debug", |ctx| {
        let mut peer = ctx
            .peer_sub([
                "-i", "peer", "-W", "8", "-t", "l/t", "-q", "1", "-v", "-C", "5",
            ])
            .spawn();
        ctx.wait_subscribed(&mut peer, "peer");
        let out = ctx
            .pub_(["-d", "-i", "pl1", "-t", "l/t", "-q", "1", "-l"])
            .stdin(LINES)
            .run();
        line_mode_observed(&out, &peer.wait())
    });
}

#[test]
fn pub_lines_qos2_debug() {
    differential("pub_lines_qos2_debug", |ctx| {
        let mut peer = ctx
            .peer_sub([
                "-i", "peer", "-W", "8", "-t", "l/t", "-q", "2", "-v", "-C", "5",
            ])
            .spawn();
        ctx.wait_subscribed(&mut peer, "peer");
        let out = ctx
            .pub_(["-d", "-i", "pl2", "-t", "l/t", "-q", "2", "-l"])
            .stdin(LINES)
            .run();
        line_mode_observed(&out, &peer.wait())
    });
}

#[test]
fn pub_lines_empty_stdin() {
    differential("pub_lines_empty_stdin", |ctx| {
        ctx.pub_(["-d", "-i", "ple", "-t", "l/e", "-l"])
            .stdin("")
            .run()
            .into()
    });
}

// ---------------------------------------------------------------------------------------------------------
// --repeat
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_repeat_qos0() {
    differential("pub_repeat_qos0", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "rep/t", "-v", "-C", "3"],
            ctx.pub_([
                "-d", "-i", "prep0", "-t", "rep/t", "-m", "again", "--repeat", "3",
            ]),
        )
    });
}

#[test]
fn pub_repeat_qos1() {
    differential("pub_repeat_qos1", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "rep/t", "-q", "1", "-v", "-C", "3"],
            ctx.pub_([
                "-d", "-i", "prep1", "-t", "rep/t", "-q", "1", "-m", "again", "--repeat", "3",
            ]),
        )
    });
}

#[test]
fn pub_repeat_delay_qos2() {
    differential("pub_repeat_delay_qos2", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "rep/t", "-q", "2", "-v", "-C", "2"],
            ctx.pub_([
                "-d",
                "-i",
                "prepd",
                "-t",
                "rep/t",
                "-q",
                "2",
                "-m",
                "later",
                "--repeat",
                "2",
                "--repeat-delay",
                "0.3",
            ]),
        )
    });
}

// ---------------------------------------------------------------------------------------------------------
// Protocol versions and client ids
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_v31_fixed_id() {
    differential("pub_v31_fixed_id", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "v/t", "-v", "-C", "1"],
            ctx.pub_([
                "-d", "-V", "mqttv31", "-i", "p31", "-t", "v/t", "-q", "1", "-m", "x",
            ]),
        )
    });
}

#[test]
fn pub_v31_random_id() {
    differential("pub_v31_random_id", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "v/t", "-v", "-C", "1"],
            ctx.pub_(["-d", "-V", "mqttv31", "-t", "v/t", "-m", "x"]),
        )
    });
}

#[test]
fn sub_v31_random_id() {
    differential("sub_v31_random_id", |ctx| {
        sub_with_pubs_needle(
            ctx,
            ctx.sub(["-d", "-V", "mqttv31", "-t", "v/t", "-C", "1"]),
            "Received SUBSCRIBE from mosq-",
            &[&["-t", "v/t", "-m", "x"]],
        )
    });
}

#[test]
fn pub_v311_explicit() {
    differential("pub_v311_explicit", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "v/t", "-v", "-C", "1"],
            ctx.pub_([
                "-d", "-V", "mqttv311", "-i", "p311", "-t", "v/t", "-q", "2", "-m", "x",
            ]),
        )
    });
}

#[test]
fn pub_id_prefix() {
    Differential::new("pub_id_prefix")
        .id_prefix("pfx-")
        .run(|ctx| {
            pub_with_peer(
                ctx,
                &["-t", "i/t", "-v", "-C", "1"],
                ctx.pub_(["-d", "-I", "pfx-", "-t", "i/t", "-m", "x"]),
            )
        });
}

#[test]
fn sub_id_prefix() {
    Differential::new("sub_id_prefix")
        .id_prefix("spfx-")
        .run(|ctx| {
            sub_with_pubs_needle(
                ctx,
                ctx.sub(["-d", "-I", "spfx-", "-t", "i/t", "-C", "1"]),
                "Received SUBSCRIBE from spfx-",
                &[&["-t", "i/t", "-m", "x"]],
            )
        });
}

// ---------------------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_auth_good_credentials() {
    Differential::new("pub_auth_good_credentials")
        .broker(auth_broker())
        .run(|ctx| {
            ctx.pub_([
                "-d", "-i", "pa", "-u", "alice", "-P", "secret", "-t", "a/t", "-q", "1", "-m", "x",
            ])
            .run()
            .into()
        });
}

#[test]
fn pub_auth_wrong_password() {
    Differential::new("pub_auth_wrong_password")
        .broker(auth_broker())
        .run(|ctx| {
            ctx.pub_([
                "-d", "-i", "pa", "-u", "alice", "-P", "wrong", "-t", "a/t", "-m", "x",
            ])
            .run()
            .into()
        });
}

#[test]
fn pub_auth_anonymous_refused() {
    Differential::new("pub_auth_anonymous_refused")
        .broker(auth_broker())
        .run(|ctx| ctx.pub_(["-i", "pa", "-t", "a/t", "-m", "x"]).run().into());
}

#[test]
fn sub_auth_good_credentials() {
    Differential::new("sub_auth_good_credentials")
        .broker(auth_broker())
        .run(|ctx| {
            ctx.sub([
                "-d", "-i", "sa", "-u", "alice", "-P", "secret", "-t", "a/t", "-E",
            ])
            .run()
            .into()
        });
}

#[test]
fn sub_auth_wrong_password() {
    Differential::new("sub_auth_wrong_password")
        .broker(auth_broker())
        .run(|ctx| {
            ctx.sub(["-d", "-i", "sa", "-u", "alice", "-P", "wrong", "-t", "a/t"])
                .run()
                .into()
        });
}

// ---------------------------------------------------------------------------------------------------------
// Broker limits: ACL, message size
// ---------------------------------------------------------------------------------------------------------

fn acl_broker() -> common::BrokerBuilder {
    // anonymous clients may read/write acl/ok/#, only read acl/ro/#, nothing else
    Broker::builder().acl("topic readwrite acl/ok/#\ntopic read acl/ro/#\n")
}

#[test]
fn pub_acl_denied_qos1_still_acked() {
    // v3.1.1 cannot signal the denial: PUBACK RC:0, the message is dropped
    Differential::new("pub_acl_denied_qos1_still_acked")
        .broker(acl_broker())
        .run(|ctx| {
            ctx.pub_(["-d", "-i", "pacl", "-t", "acl/denied", "-q", "1", "-m", "x"])
                .run()
                .into()
        });
}

#[test]
fn sub_acl_partial() {
    Differential::new("sub_acl_partial")
        .broker(acl_broker())
        .run(|ctx| {
            // the denied publish is dropped by the broker, only the allowed one arrives
            sub_with_pubs(
                ctx,
                ctx.sub([
                    "-d",
                    "-i",
                    "sacl",
                    "-t",
                    "acl/denied",
                    "-t",
                    "acl/ok/a",
                    "-q",
                    "1",
                    "-v",
                    "-C",
                    "1",
                ]),
                "sacl",
                &[
                    &["-t", "acl/denied", "-q", "1", "-m", "denied"],
                    &["-t", "acl/ok/a", "-q", "1", "-m", "ok"],
                ],
            )
        });
}

#[test]
fn pub_message_size_limit_qos1() {
    Differential::new("pub_message_size_limit_qos1")
        .broker(Broker::builder().message_size_limit(1000))
        .run(|ctx| {
            let file = ctx.dir.write("big", vec![b'B'; 5000]);
            let mut peer = ctx
                .peer_sub([
                    "-i", "peer", "-W", "8", "-t", "big/t", "-q", "1", "-v", "-C", "1",
                ])
                .spawn();
            ctx.wait_subscribed(&mut peer, "peer");
            let out = ctx
                .pub_(["-d", "-i", "pbig", "-t", "big/t", "-q", "1", "-f"])
                .arg(file)
                .run();
            // the oversized message was dropped (PUBACK RC:0 all the same): the peer only sees this marker
            ctx.peer_pub(["-i", "marker", "-t", "big/t", "-q", "1", "-m", "marker"])
                .run();
            Observed::client(&out).output("peer", &peer.wait())
        });
}

// ---------------------------------------------------------------------------------------------------------
// Sessions and wills
// ---------------------------------------------------------------------------------------------------------

#[test]
fn sub_persistent_session() {
    differential("sub_persistent_session", |ctx| {
        // 1) create the session and leave; 2) a QoS 1 message is queued while away; 3) come back: the queued
        // message arrives (before the SUBACK), then a live one
        let step1 = ctx
            .sub(["-d", "-c", "-i", "sess", "-t", "s/t", "-q", "1", "-E"])
            .run();
        ctx.peer_pub([
            "-i",
            "away",
            "-t",
            "s/t",
            "-q",
            "1",
            "-m",
            "queued while away",
        ])
        .run();
        let mark = ctx.broker.log_mark();
        let mut sub = ctx
            .sub([
                "-d", "-c", "-i", "sess", "-t", "s/t", "-q", "1", "-v", "-C", "2",
            ])
            .spawn();
        if ctx.wait_log_while_running(mark, "Received SUBSCRIBE from sess\n", &mut sub) {
            ctx.peer_pub(["-i", "live", "-t", "s/t", "-q", "1", "-m", "live"])
                .run();
        }
        Observed::new()
            .output("step1", &step1)
            .output("sub", &sub.wait())
    });
}

#[test]
fn pub_will_not_sent_on_clean_disconnect() {
    differential("pub_will_not_sent_on_clean_disconnect", |ctx| {
        let mut peer = ctx
            .peer_sub([
                "-i", "peer", "-W", "8", "-t", "w/lwt", "-q", "1", "-v", "-C", "1",
            ])
            .spawn();
        ctx.wait_subscribed(&mut peer, "peer");
        let out = ctx
            .pub_(["-d", "-i", "pw", "-t", "w/t", "-m", "x"])
            .args([
                "--will-topic",
                "w/lwt",
                "--will-payload",
                "gone",
                "--will-qos",
                "1",
                "--will-retain",
            ])
            .run();
        // had the will been published, the peer would print it before this marker
        ctx.peer_pub(["-i", "marker", "-t", "w/lwt", "-q", "1", "-m", "marker"])
            .run();
        Observed::client(&out).output("peer", &peer.wait())
    });
}

#[test]
fn sub_will_sent_when_killed() {
    differential("sub_will_sent_when_killed", |ctx| {
        let mut peer = ctx
            .peer_sub([
                "-i", "peer", "-W", "8", "-t", "w/lwt", "-q", "1", "-v", "-C", "1",
            ])
            .spawn();
        ctx.wait_subscribed(&mut peer, "peer");
        let mut sub = ctx
            .sub(["-i", "victim", "-t", "w/t"])
            .args([
                "--will-topic",
                "w/lwt",
                "--will-payload",
                "I died",
                "--will-qos",
                "1",
            ])
            .spawn();
        if ctx.wait_subscribed(&mut sub, "victim") {
            sub.kill();
        }
        Observed::client(&sub.wait()).output("peer", &peer.wait())
    });
}

#[test]
fn pub_will_retained_when_killed() {
    differential("pub_will_retained_when_killed", |ctx| {
        // a line-mode publisher waiting on stdin is SIGKILLed: its retained will is published
        let mut publ = ctx
            .pub_(["-i", "pwk", "-t", "w/t", "-l"])
            .args([
                "--will-topic",
                "w/lwt",
                "--will-payload",
                "killed",
                "--will-qos",
                "2",
                "--will-retain",
            ])
            .stdin_pipe()
            .spawn();
        if ctx.wait_connected(&mut publ, "pwk") {
            publ.kill();
        }
        let out = publ.wait();
        // wait for the broker to have handled the lost connection, then read the retained will
        ctx.broker.poll_log(
            0,
            "Client pwk closed its connection",
            common::LOG_TIMEOUT,
            || true,
        );
        let peer = ctx
            .peer_sub([
                "-d", "-i", "late", "-t", "w/lwt", "-q", "2", "-v", "-C", "1", "-W", "5",
            ])
            .run();
        Observed::client(&out).output("peer", &peer)
    });
}

// ---------------------------------------------------------------------------------------------------------
// Connection options
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_bind_address() {
    differential("pub_bind_address", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "A/t", "-v", "-C", "1"],
            ctx.pub_([
                "-d",
                "-A",
                "127.0.0.1",
                "-i",
                "pA",
                "-t",
                "A/t",
                "-m",
                "bound",
            ]),
        )
    });
}

#[test]
fn sub_bind_address() {
    differential("sub_bind_address", |ctx| {
        sub_with_pubs(
            ctx,
            ctx.sub(["-d", "-A", "127.0.0.1", "-i", "sA", "-t", "A/t", "-C", "1"]),
            "sA",
            &[&["-t", "A/t", "-m", "x"]],
        )
    });
}

#[test]
fn pub_nodelay() {
    differential("pub_nodelay", |ctx| {
        pub_with_peer(
            ctx,
            &["-t", "nd/t", "-v", "-C", "1"],
            ctx.pub_([
                "-d",
                "--nodelay",
                "-i",
                "pnd",
                "-t",
                "nd/t",
                "-q",
                "1",
                "-m",
                "x",
            ]),
        )
    });
}

#[test]
fn sub_nodelay() {
    differential("sub_nodelay", |ctx| {
        sub_with_pubs(
            ctx,
            ctx.sub(["-d", "--nodelay", "-i", "snd", "-t", "nd/t", "-C", "1"]),
            "snd",
            &[&["-t", "nd/t", "-m", "x"]],
        )
    });
}

#[test]
fn pub_url() {
    differential("pub_url", |ctx| {
        let url = format!("mqtt://127.0.0.1:{}/url/t", ctx.port());
        pub_with_peer(
            ctx,
            &["-t", "url/t", "-v", "-C", "1"],
            ctx.pub_raw()
                .args(["-d", "-i", "pL", "-L", &url, "-m", "via url"]),
        )
    });
}

#[test]
fn sub_url() {
    differential("sub_url", |ctx| {
        let url = format!("mqtt://127.0.0.1:{}/url/#", ctx.port());
        sub_with_pubs(
            ctx,
            ctx.sub_raw()
                .args(["-d", "-i", "sL", "-L", &url, "-v", "-C", "1"]),
            "sL",
            &[&["-t", "url/x", "-m", "x"]],
        )
    });
}

#[test]
fn pub_host_localhost() {
    differential("pub_host_localhost", |ctx| {
        let port = ctx.port().to_string();
        pub_with_peer(
            ctx,
            &["-t", "lh/t", "-v", "-C", "1"],
            ctx.pub_raw().args([
                "-d",
                "-h",
                "localhost",
                "-p",
                &port,
                "-i",
                "plh",
                "-t",
                "lh/t",
                "-m",
                "x",
            ]),
        )
    });
}

#[test]
fn pub_host_ipv6_loopback() {
    if !ipv6_loopback_available() {
        eprintln!("pub_host_ipv6_loopback: ::1 is not available on this machine, scenario not run");
        return;
    }
    Differential::new("pub_host_ipv6_loopback")
        .broker(Broker::builder().ipv6())
        .run(|ctx| {
            let port = ctx.port().to_string();
            pub_with_peer(
                ctx,
                &["-t", "v6/t", "-v", "-C", "1"],
                ctx.pub_raw().args([
                    "-d", "-h", "::1", "-p", &port, "-i", "pv6", "-t", "v6/t", "-q", "1", "-m", "x",
                ]),
            )
        });
}

#[test]
fn sub_host_ipv6_loopback() {
    if !ipv6_loopback_available() {
        eprintln!("sub_host_ipv6_loopback: ::1 is not available on this machine, scenario not run");
        return;
    }
    Differential::new("sub_host_ipv6_loopback")
        .broker(Broker::builder().ipv6())
        .run(|ctx| {
            let port = ctx.port().to_string();
            sub_with_pubs(
                ctx,
                ctx.sub_raw().args([
                    "-d", "-h", "::1", "-p", &port, "-i", "sv6", "-t", "v6/t", "-C", "1",
                ]),
                "sv6",
                &[&["-t", "v6/t", "-m", "x"]],
            )
        });
}

// ---------------------------------------------------------------------------------------------------------
// Connection failures
// ---------------------------------------------------------------------------------------------------------

fn refused_port() -> String {
    free_port().to_string()
}

#[test]
fn pub_connection_refused() {
    differential("pub_connection_refused", |ctx| {
        ctx.pub_raw()
            .args([
                "-d",
                "-h",
                "127.0.0.1",
                "-p",
                &refused_port(),
                "-i",
                "pr",
                "-t",
                "t",
                "-m",
                "x",
            ])
            .run()
            .into()
    });
}

#[test]
fn sub_connection_refused() {
    differential("sub_connection_refused", |ctx| {
        ctx.sub_raw()
            .args([
                "-d",
                "-h",
                "127.0.0.1",
                "-p",
                &refused_port(),
                "-i",
                "sr",
                "-t",
                "t",
            ])
            .run()
            .into()
    });
}

#[test]
fn pub_connection_refused_quiet() {
    differential("pub_connection_refused_quiet", |ctx| {
        ctx.pub_raw()
            .args([
                "--quiet",
                "-h",
                "127.0.0.1",
                "-p",
                &refused_port(),
                "-i",
                "pr",
                "-t",
                "t",
                "-m",
                "x",
            ])
            .run()
            .into()
    });
}

#[test]
fn sub_connection_refused_quiet_debug() {
    differential("sub_connection_refused_quiet_debug", |ctx| {
        ctx.sub_raw()
            .args([
                "-d",
                "--quiet",
                "-h",
                "127.0.0.1",
                "-p",
                &refused_port(),
                "-i",
                "sr",
                "-t",
                "t",
            ])
            .run()
            .into()
    });
}

#[test]
fn pub_unknown_host() {
    differential("pub_unknown_host", |ctx| {
        ctx.pub_raw()
            .args([
                "-d",
                "-h",
                "nonexistent.invalid",
                "-i",
                "pu",
                "-t",
                "t",
                "-m",
                "x",
            ])
            .run()
            .into()
    });
}

#[test]
fn sub_unknown_host() {
    differential("sub_unknown_host", |ctx| {
        ctx.sub_raw()
            .args(["-d", "-h", "nonexistent.invalid", "-i", "su", "-t", "t"])
            .run()
            .into()
    });
}

// ---------------------------------------------------------------------------------------------------------
// Odd inputs
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pub_long_topic_debug_truncation() {
    differential("pub_long_topic_debug_truncation", |ctx| {
        let topic = long_topic();
        pub_with_peer(
            ctx,
            &["-t", &topic, "-q", "1", "-C", "1", "-F", "%l"],
            ctx.pub_(["-d", "-i", "publongt", "-t", &topic, "-q", "1", "-m", "x"]),
        )
    });
}

#[test]
fn sub_long_topic_debug_truncation() {
    differential("sub_long_topic_debug_truncation", |ctx| {
        let topic = long_topic();
        sub_with_pubs(
            ctx,
            ctx.sub(["-d", "-i", "sublongt", "-t", &topic, "-q", "1", "-C", "1"]),
            "sublongt",
            &[&["-t", &topic, "-q", "1", "-m", "x"]],
        )
    });
}

#[test]
fn pub_empty_topic_runtime_error() {
    differential("pub_empty_topic_runtime_error", |ctx| {
        ctx.pub_(["-d", "-i", "pempty", "-t", "", "-m", "x"])
            .run()
            .into()
    });
}

#[test]
fn pub_unicode_and_quotes_in_topic() {
    differential("pub_unicode_and_quotes_in_topic", |ctx| {
        let topic = "a b/it's \"q\"/é/日本";
        pub_with_peer(
            ctx,
            &["-t", topic, "-v", "-C", "1"],
            ctx.pub_(["-d", "-i", "puni", "-t", topic, "-m", "héllo wörld"]),
        )
    });
}
