//! Differential runs against mosquitto_pub/mosquitto_sub 2.1.2 (built from `../shared/oracle`) for
//! what 2.1 added: ws:// and --ws, -o, --no-tls, --retain-handling, -U without -t, -w/--watch,
//! --message-rate, and the -F specifiers %f/%d and hex grouping. Each side runs against its own
//! 2.1.2 broker; 2.1's `-d` lines are mapped to 2.0.11's forms first (`Client null` becomes
//! `Client (null)`): the byte-for-byte contract of rpub/rsub stays mosquitto 2.0.11's.

mod common;

use std::time::Duration;

use common::oracle21::{Broker21, Ctx21, differential21};
use common::{ClientRun, Observed, Output, Running};

fn tcp(ctx: &Ctx21) -> Vec<String> {
    ctx.broker.tcp_args()
}

fn ws(ctx: &Ctx21) -> Vec<String> {
    ctx.broker.ws_args()
}

/// A peer subscriber (mosquitto_sub 2.1.2 over plain MQTT) that is subscribed when this returns.
fn peer_subscribed(ctx: &Ctx21, id: &str, args: &[&str]) -> Running {
    let running = ctx
        .peer_sub()
        .args(tcp(ctx))
        .args(["-i", id])
        .args(args)
        .spawn();
    ctx.wait_log(&format!("Received SUBSCRIBE from {id}\n"));
    running
}

fn peer_publish(ctx: &Ctx21, args: &[&str]) {
    ctx.peer_pub()
        .args(tcp(ctx))
        .args(args)
        .run()
        .assert_success();
}

#[test]
fn ws_publish_at_every_qos_with_debug_lines() {
    for qos in ["0", "1", "2"] {
        differential21(&format!("ws_pub_q{qos}"), Broker21::builder(), |ctx| {
            let peer = peer_subscribed(ctx, "peer", &["-t", "ws/d", "-C", "1", "-v", "-q", "2"]);
            let url = format!("ws://127.0.0.1:{}/ws/d", ctx.broker.ws_port);
            let out = ctx
                .pub_raw()
                .args(["-L", &url, "-m", "hello", "-q", qos, "-d"])
                .run();
            Observed::client(&out).output("peer", &peer.wait())
        });
    }
}

#[test]
fn ws_flag_with_an_id_and_mqtt_5() {
    differential21("ws_pub_v5_id", Broker21::builder(), |ctx| {
        let peer = peer_subscribed(ctx, "peer", &["-t", "ws/v5", "-C", "1", "-v", "-V", "5"]);
        let out = ctx
            .pub_raw()
            .args(ws(ctx))
            .args([
                "-i", "pub5", "-V", "5", "-t", "ws/v5", "-m", "five", "-q", "1", "-d",
            ])
            .run();
        Observed::client(&out).output("peer", &peer.wait())
    });
}

#[test]
fn ws_subscribe_with_debug_lines() {
    for version in ["311", "5"] {
        differential21(&format!("ws_sub_{version}"), Broker21::builder(), |ctx| {
            let sub = ctx
                .sub_raw()
                .args(ws(ctx))
                .args([
                    "-i", "subws", "-V", version, "-t", "ws/s", "-C", "2", "-v", "-d", "-q", "1",
                ])
                .spawn();
            ctx.wait_log("Received SUBSCRIBE from subws\n");
            peer_publish(ctx, &["-t", "ws/s", "-m", "first", "-q", "1"]);
            peer_publish(ctx, &["-t", "ws/s", "-m", "second", "-q", "2"]);
            Observed::client(&sub.wait())
        });
    }
}

#[test]
fn ws_url_with_credentials_and_a_retained_message() {
    differential21("ws_url_retained", Broker21::builder(), |ctx| {
        peer_publish(ctx, &["-t", "ws/r", "-m", "kept", "-r"]);
        let url = format!("ws://user:pw@127.0.0.1:{}/ws/r", ctx.broker.ws_port);
        let out = ctx
            .sub_raw()
            .args(["-L", &url, "-C", "1", "-F", "%r %q %t %p", "-i", "u"])
            .run();
        Observed::client(&out)
    });
}

#[test]
fn retain_handling_always_new_never() {
    for when in ["always", "new", "never"] {
        differential21(
            &format!("retain_handling_{when}"),
            Broker21::builder(),
            |ctx| {
                peer_publish(ctx, &["-t", "rh/t", "-m", "retained", "-r"]);
                let out = ctx
                    .sub_raw()
                    .args(tcp(ctx))
                    .args(["-V", "5", "-i", "rh", "-t", "rh/t", "-v", "-d", "-W", "1"])
                    .args(["--retain-handling", when])
                    .run();
                Observed::client(&out)
            },
        );
    }
}

#[test]
fn new_flag_errors_match() {
    let cases: [(&str, &[&str]); 9] = [
        ("sub", &["--retain-handling"]),
        ("sub", &["--retain-handling", "sometimes", "-t", "a"]),
        ("pub", &["--retain-handling", "new"]),
        ("pub", &["-w"]),
        ("pub", &["--message-rate"]),
        ("pub", &["-o"]),
        ("pub", &["-o", "a", "-o", "b"]),
        ("pub", &["-t", "a", "-m", "-o"]),
        ("sub", &["-t", "a", "-o"]),
    ];
    for (index, (tool, args)) in cases.iter().enumerate() {
        differential21(
            &format!("new_flag_error_{index}"),
            Broker21::builder(),
            |ctx| {
                let run = if *tool == "pub" {
                    ctx.pub_raw()
                } else {
                    ctx.sub_raw()
                };
                Observed::client(&run.args(*args).run())
            },
        );
    }
}

#[test]
fn unsubscribe_without_a_topic() {
    for version in ["311", "5"] {
        differential21(
            &format!("unsubscribe_only_{version}"),
            Broker21::builder(),
            |ctx| {
                let out = ctx
                    .sub_raw()
                    .args(tcp(ctx))
                    .args([
                        "-i", "unsub", "-V", version, "-U", "a/#", "-U", "b", "-d", "-W", "1",
                    ])
                    .run();
                Observed::client(&out)
            },
        );
    }
}

#[test]
fn options_from_an_explicit_file() {
    differential21("options_file_pub", Broker21::builder(), |ctx| {
        let peer = peer_subscribed(ctx, "peer", &["-t", "opt/t", "-C", "1", "-v"]);
        let file = ctx
            .dir
            .write("opts", "-t opt/t\n-m from the file\n# a comment\n-q 1\n");
        let out = ctx
            .pub_raw()
            .args(tcp(ctx))
            .args(["-i", "optpub", "-d", "-o"])
            .arg(&file)
            .run();
        Observed::client(&out).output("peer", &peer.wait())
    });
    differential21("options_file_sub", Broker21::builder(), |ctx| {
        let file = ctx.dir.write("opts", "-t opt/s\n-C 1\n-v\n-o ignored\n");
        let sub = ctx
            .sub_raw()
            .args(tcp(ctx))
            .args(["-i", "optsub", "-o"])
            .arg(&file)
            .spawn();
        ctx.wait_log("Received SUBSCRIBE from optsub\n");
        peer_publish(ctx, &["-t", "opt/s", "-m", "hi"]);
        Observed::client(&sub.wait())
    });
    // A file that does not exist gives no options: still "topic and message" missing... here
    // given on the command line, so the publish works.
    differential21("options_file_missing", Broker21::builder(), |ctx| {
        let out = ctx
            .pub_raw()
            .args(tcp(ctx))
            .args([
                "-o",
                "/nonexistent/opts",
                "-t",
                "t",
                "-m",
                "x",
                "-i",
                "p",
                "-d",
            ])
            .run();
        Observed::client(&out)
    });
}

#[test]
fn no_tls_cancels_tls_options() {
    differential21("no_tls", Broker21::builder(), |ctx| {
        let port = ctx.broker.tcp_port.to_string();
        let first = ctx
            .pub_raw()
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-i",
                "nt1",
                "-t",
                "t",
                "-m",
                "x",
                "-d",
            ])
            .args(["--cafile", "/nonexistent/ca.pem", "--no-tls"])
            .run();
        let url = format!("mqtts://127.0.0.1:{port}/t");
        let second = ctx
            .pub_raw()
            .args(["-L", &url, "--no-tls", "-m", "x", "-i", "nt2", "-d"])
            .run();
        Observed::new()
            .output("cafile", &first)
            .output("mqtts", &second)
    });
}

#[test]
fn watch_puts_each_topic_on_its_line() {
    differential21("watch", Broker21::builder(), |ctx| {
        let sub = ctx
            .sub_raw()
            .args(tcp(ctx))
            .args(["-i", "watcher", "-t", "w/#", "-C", "4", "-w", "-v"])
            .spawn();
        ctx.wait_log("Received SUBSCRIBE from watcher\n");
        for (topic, payload) in [("w/a", "1"), ("w/b", "2"), ("w/a", "3"), ("w/c", "4")] {
            peer_publish(ctx, &["-t", topic, "-m", payload, "-q", "1"]);
        }
        Observed::client(&sub.wait())
    });
}

/// The per-second lines depend on timing: compared are their shape, the total, stderr and the exit.
fn rate_summary(out: &Output) -> Observed {
    let text = out.stdout_text();
    let mut total = 0u64;
    let mut well_formed = true;
    for line in text.lines() {
        match line
            .strip_suffix(" msgs/s")
            .and_then(|n| n.parse::<u64>().ok())
        {
            Some(n) => total += n,
            None => well_formed = false,
        }
    }
    let summary = format!(
        "total {total}, every line \"N msgs/s\": {well_formed}, at least 2 lines: {}\n",
        text.lines().count() >= 2
    );
    Observed::new()
        .bytes("stdout summary", summary.as_bytes())
        .bytes("stderr", &out.stderr)
        .exit("exit", out)
}

#[test]
fn message_rate_counts_every_second() {
    differential21("message_rate", Broker21::builder(), |ctx| {
        let sub = ctx
            .sub_raw()
            .args(tcp(ctx))
            .args([
                "-i",
                "rate",
                "-t",
                "r/#",
                "-W",
                "3",
                "--message-rate",
                "-C",
                "1",
            ])
            .spawn();
        ctx.wait_log("Received SUBSCRIBE from rate\n");
        ctx.peer_pub()
            .args(tcp(ctx))
            .args(["-t", "r/x", "-l", "-q", "1"])
            .stdin("1\n2\n3\n4\n5\n")
            .run()
            .assert_success();
        rate_summary(&sub.wait())
    });
}

#[test]
fn float_double_and_hex_grouping_formats() {
    let cases: [(&str, Vec<u8>); 4] = [
        (
            "%f|%.2f|%10.3f|%-8.1f|%08.2f",
            3.25f32.to_ne_bytes().to_vec(),
        ),
        (
            "%d|%.3d|%15.4d|%-.1d|%012.2d",
            (-1234.5678f64).to_ne_bytes().to_vec(),
        ),
        (
            "%.2x|%.4:X|%.1-x|%12.2x|%-14.2;x|%:x",
            vec![1, 2, 3, 0xab, 0xcd],
        ),
        // The wrong size for %d: an error on stderr, the rest of the format printed.
        ("<%d><%f>", 7.5f32.to_ne_bytes().to_vec()),
    ];
    for (index, (format, payload)) in cases.iter().enumerate() {
        differential21(&format!("format_{index}"), Broker21::builder(), |ctx| {
            let file = ctx.dir.write("payload", payload);
            let sub = ctx
                .sub_raw()
                .args(tcp(ctx))
                .args(["-i", "fmt", "-t", "f/t", "-C", "1", "-F", format])
                .spawn();
            ctx.wait_log("Received SUBSCRIBE from fmt\n");
            let publish = ClientRun::new(common::oracle21::oracle_bin("mosquitto_pub"))
                .args(tcp(ctx))
                .args(["-t", "f/t", "-f"])
                .arg(&file)
                .timeout(Duration::from_secs(10))
                .run();
            publish.assert_success();
            Observed::client(&sub.wait())
        });
    }
}
