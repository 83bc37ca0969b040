//! What mosquitto 2.1 added to the command line (ws://, wss://, --ws, -o, --no-tls,
//! --retain-handling, -w, --message-rate, -U alone) and our --ws-path: accepted configs and error
//! texts. The texts are mosquitto_pub/mosquitto_sub 2.1.2's (built from `../shared/oracle`).

use super::*;
use crate::cli::table::{FLAGS, Origin};
use crate::net::WebSocketSpec;
use crate::tls::TlsOptions;

fn ws(path: &str) -> Option<WebSocketSpec> {
    Some(WebSocketSpec {
        path: path.to_string(),
    })
}

fn endpoint(host: &str, port: u16) -> Endpoint {
    Endpoint::Tcp {
        host: host.into(),
        port,
    }
}

fn os_certs() -> Option<TlsOptions> {
    Some(TlsOptions {
        use_os_certs: true,
        ..TlsOptions::default()
    })
}

/// Arguments, then the endpoint, WebSocket and TLS settings they give.
type WsCase = (
    Vec<&'static str>,
    Endpoint,
    Option<WebSocketSpec>,
    Option<TlsOptions>,
);

#[test]
fn websocket_urls_and_flags_give_the_websocket_transport() {
    // (arguments, endpoint, websocket, tls): ws:// and wss:// default to 1883 and 8883 as
    // mosquitto 2.1's code does (its man page says 80 and 443).
    let cases: Vec<WsCase> = vec![
        (
            vec!["-L", "ws://h/t"],
            endpoint("h", 1883),
            ws("/mqtt"),
            None,
        ),
        (
            vec!["-L", "WS://u:p@h:9001/t"],
            endpoint("h", 9001),
            ws("/mqtt"),
            None,
        ),
        (
            vec!["-L", "wss://h/t"],
            endpoint("h", 8883),
            ws("/mqtt"),
            os_certs(),
        ),
        (
            vec!["-L", "wss://h:443/t"],
            endpoint("h", 443),
            ws("/mqtt"),
            os_certs(),
        ),
        (
            vec!["--ws", "-t", "t"],
            endpoint("localhost", 1883),
            ws("/mqtt"),
            None,
        ),
        (
            vec!["--ws", "-p", "8080", "--ws-path", "/", "-t", "t"],
            endpoint("localhost", 8080),
            ws("/"),
            None,
        ),
        (
            vec!["-t", "t", "--ws", "--ws-path", "/a/b?x=1"],
            endpoint("localhost", 1883),
            ws("/a/b?x=1"),
            None,
        ),
        // -L mqtt:// does not undo an earlier --ws (mosquitto 2.1 neither).
        (
            vec!["--ws", "-L", "mqtt://h/t"],
            endpoint("h", 1883),
            ws("/mqtt"),
            None,
        ),
        (vec!["-L", "mqtt://h/t"], endpoint("h", 1883), None, None),
    ];
    for (args, endpoint, websocket, tls) in cases {
        let mut args = args;
        args.extend(["-m", "x"]);
        let config = parse_pub("rpub", &os(&args)).unwrap_or_else(|e| panic!("{args:?}: {e:?}"));
        let connect = &config.common.connect;
        assert_eq!(connect.endpoint, endpoint, "{args:?}");
        assert_eq!(connect.websocket, websocket, "{args:?}");
        assert_eq!(connect.tls, tls, "{args:?}");
    }
    let config = parse_pub("rpub", &os(&["-L", "ws://u:p@h/a/b", "-m", "x"])).unwrap();
    assert_eq!(config.topic, "a/b");
    assert_eq!(config.common.username.as_deref(), Some("u"));
    assert_eq!(config.common.password.as_deref(), Some(&b"p"[..]));
}

#[test]
fn new_flag_errors_have_mosquitto_2_1_texts() {
    #[rustfmt::skip]
    let cases: Vec<(Tool, Vec<&str>, Failure)> = vec![
        (Sub, vec!["--retain-handling"], usage("Error: --retain-handling argument given but no option specified.\n\n")),
        (Sub, vec!["--retain-handling", "x", "-t", "a"], usage("Error: Unknown value 'x' for --retain-handling.\n\n")),
        (Sub, vec!["--retain-handling", "Always", "-t", "a"], usage("Error: Unknown value 'Always' for --retain-handling.\n\n")),
        // rsub-only flags, as mosquitto_pub 2.1 reports them.
        (Pub, vec!["--retain-handling", "new"], usage("Error: Unknown option '--retain-handling'.\n")),
        (Pub, vec!["-w"], usage("Error: Unknown option '-w'.\n")),
        (Pub, vec!["--watch"], usage("Error: Unknown option '--watch'.\n")),
        (Pub, vec!["--message-rate"], usage("Error: Unknown option '--message-rate'.\n")),
        // Ours.
        (Pub, vec!["--ws-path"], usage("Error: --ws-path argument given but no path specified.\n\n")),
        (Pub, vec!["--ws-path", "mqtt"], usage("Error: Invalid --ws-path 'mqtt': it must start with '/' and contain no spaces or control characters.\n\n")),
        (Pub, vec!["--ws-path", "/a b"], usage("Error: Invalid --ws-path '/a b': it must start with '/' and contain no spaces or control characters.\n\n")),
        (Pub, vec!["--ws-path", "/x", "-t", "a", "-m", "x"], usage("Error: --ws-path needs --ws, -L ws://... or -L wss://....\n")),
        // Neither -t nor -U: 2.0.11's text (2.1 names -U too).
        (Sub, vec!["-q", "1"], usage("Error: You must specify a topic to subscribe to.\n")),
    ];
    let mut problems = Vec::new();
    for (tool, args, expected) in cases {
        let got = run(tool, &os(&args));
        if got != Err(expected.clone()) {
            problems.push(format!(
                "{tool:?} {args:?}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn retain_handling_last_of_it_and_dash_r_wins() {
    let cases = [
        (
            vec!["--retain-handling", "always"],
            RetainHandling::SendAtSubscribe,
        ),
        (vec!["--retain-handling", "new"], RetainHandling::SendIfNew),
        (
            vec!["--retain-handling", "never"],
            RetainHandling::DoNotSend,
        ),
        (vec!["-R"], RetainHandling::DoNotSend),
        (
            vec!["-R", "--retain-handling", "always"],
            RetainHandling::SendAtSubscribe,
        ),
        (
            vec!["--retain-handling", "new", "-R"],
            RetainHandling::DoNotSend,
        ),
        (vec![], RetainHandling::SendAtSubscribe),
    ];
    for (args, expected) in cases {
        let mut args = args;
        args.extend(["-t", "a", "-V", "5"]);
        let config = parse_sub("rsub", &os(&args)).unwrap();
        assert_eq!(config.retain_handling, expected, "{args:?}");
    }
}

#[test]
fn watch_message_rate_and_unsubscribe_alone_are_accepted() {
    let config = parse_sub("rsub", &os(&["-t", "a", "-w"])).unwrap();
    assert!(config.watch && !config.message_rate);
    let config = parse_sub("rsub", &os(&["-t", "a", "--watch", "--message-rate"])).unwrap();
    assert!(config.watch && config.message_rate);
    let config = parse_sub("rsub", &os(&["-U", "a/#"])).unwrap();
    assert!(config.topics.is_empty());
    assert_eq!(config.unsubscribe, vec!["a/#".to_string()]);
}

#[test]
fn no_tls_cancels_every_way_tls_is_turned_on() {
    for args in [
        vec!["--cafile", "/nonexistent/ca.pem", "--no-tls"],
        vec!["--no-tls", "-p", "8883"],
        vec!["-L", "mqtts://h/t", "--no-tls"],
        vec!["--tls-use-os-certs", "--no-tls", "--insecure"],
        // What rustls cannot do is not refused when TLS is off anyway.
        vec![
            "--no-tls",
            "--keyform",
            "engine",
            "--key",
            "k",
            "--cert",
            "c",
            "--tls-engine",
            "e",
        ],
    ] {
        let mut args = args;
        args.extend(["-t", "t", "-m", "x"]);
        let config = parse_pub("rpub", &os(&args)).unwrap_or_else(|e| panic!("{args:?}: {e:?}"));
        assert_eq!(config.common.connect.tls, None, "{args:?}");
    }
    // The port stays what the TLS options make it (mosquitto 2.1: 8883 with --cafile).
    let config = parse_pub(
        "rpub",
        &os(&["--cafile", "ca", "--no-tls", "-t", "t", "-m", "x"]),
    )
    .unwrap();
    assert_eq!(config.common.connect.endpoint, endpoint("localhost", 8883));
    // The checks mosquitto makes before its TLS setup still apply.
    assert_eq!(
        run(Pub, &os(&["--no-tls", "--cert", "c", "-t", "t", "-m", "x"])),
        Err(usage(
            "Error: Both certfile and keyfile must be provided if one of them is set.\n"
        ))
    );
}

#[test]
fn dash_o_and_its_value_are_stepped_over_while_reading_the_arguments() {
    // options_file::load_for has read the file before; here `-o FILE` is only skipped, and an
    // options-file line `-o` alone is no error (mosquitto 2.1 steps over it too).
    let config = parse_pub("rpub", &os(&["-o", "/some/file", "-t", "t", "-m", "x"])).unwrap();
    assert_eq!(config.topic, "t");
    let defaults = vec![os(&["-o"]), os(&["-q", "1"])];
    let config = parse_pub_with("rpub", &defaults, &os(&["-t", "t", "-m", "x"]), |_| {
        Ok(None)
    })
    .unwrap();
    assert_eq!(config.common.qos, QoS::AtLeastOnce);
}

#[test]
fn rows_say_where_a_flag_comes_from() {
    for flag in FLAGS {
        match flag.origin {
            Origin::Mosquitto2_0 => {
                assert!(!flag.help.contains("mosquitto 2.1"), "{:?}", flag.names)
            }
            Origin::Mosquitto2_1 => assert!(
                flag.help.trim_end().ends_with("(mosquitto 2.1)"),
                "{:?}: the help of a 2.1 flag says so",
                flag.names
            ),
            // New flags of ours are long options mosquitto does not have.
            Origin::Rpubsub => assert!(
                flag.names.iter().all(|name| name.starts_with("--")),
                "{:?}",
                flag.names
            ),
        }
    }
    let from_2_1: Vec<&str> = FLAGS
        .iter()
        .filter(|flag| flag.origin == Origin::Mosquitto2_1)
        .flat_map(|flag| flag.names.iter().copied())
        .collect();
    for name in [
        "--ws",
        "-o",
        "--no-tls",
        "--retain-handling",
        "-w",
        "--watch",
        "--message-rate",
    ] {
        assert!(
            from_2_1.contains(&name),
            "{name} is marked as a mosquitto 2.1 flag"
        );
    }
}
