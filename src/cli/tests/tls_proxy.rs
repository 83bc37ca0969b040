//! TLS flags and `--proxy`.

use super::*;

/// TLS flags: mosquitto's port default (8883 with a CA), `mqtts://` and `-p 8883` turning on the OS's
/// CA certificates, and TLS staying off for `--cert`/`--key`/`--insecure` alone.
#[test]
fn tls_flags_resolve_like_mosquitto() {
    let common = |args: &[&str]| {
        let mut all = vec!["-t", "t", "-m", "x"];
        all.extend_from_slice(args);
        parse_pub("rpub", &os(&all)).map(|config| config.common)
    };
    let with_ca = common(&["--cafile", "/ca.pem"]).expect("parses");
    assert_eq!(
        with_ca.connect.endpoint,
        Endpoint::Tcp {
            host: "localhost".into(),
            port: 8883
        }
    );
    let tls = with_ca.connect.tls.expect("TLS on");
    assert_eq!(tls.cafile.as_deref(), Some(std::path::Path::new("/ca.pem")));
    assert!(!tls.use_os_certs);
    let explicit_port = common(&["--capath", "/certs", "-p", "1884"]).expect("parses");
    assert_eq!(
        explicit_port.connect.endpoint,
        Endpoint::Tcp {
            host: "localhost".into(),
            port: 1884
        }
    );
    let url = common(&["-L", "mqtts://broker.example/t"]).expect("parses");
    assert_eq!(
        url.connect.endpoint,
        Endpoint::Tcp {
            host: "broker.example".into(),
            port: 8883
        }
    );
    assert!(url.connect.tls.expect("TLS on").use_os_certs);
    let port_8883 = common(&["-p", "8883"]).expect("parses");
    assert!(port_8883.connect.tls.expect("TLS on").use_os_certs);
    assert_eq!(common(&["--insecure"]).expect("parses").connect.tls, None);
    assert_eq!(common(&[]).expect("parses").connect.tls, None);
    assert_eq!(
        common(&["--cert", "c.pem"]),
        Err(usage(
            "Error: Both certfile and keyfile must be provided if one of them is set.\n"
        ))
    );
    assert_eq!(
        common(&["--keyform", "pem"]),
        Err(usage(
            "Error: If keyform is set, keyfile must be also specified.\n"
        ))
    );
}

/// `--proxy`: mosquitto's URL checks and texts (err_printf, so a `--quiet` before it hides the text but
/// not the `Use` line).
#[test]
fn proxy_urls_are_checked_like_mosquitto() {
    let parse = |args: &[&str]| {
        let mut all = vec!["-t", "t", "-m", "x"];
        all.extend_from_slice(args);
        parse_pub("rpub", &os(&all)).map(|config| config.common.connect.proxy)
    };
    let raw = |text: &str| {
        Err(Failure::UsageRaw {
            text: text.to_string(),
        })
    };
    assert_eq!(
        parse(&["--proxy", "socks5h://u:p@proxy.example:1081"]),
        Ok(Some(crate::socks::ProxyConfig {
            host: "proxy.example".into(),
            port: 1081,
            username: Some("u".into()),
            password: Some("p".into()),
        }))
    );
    assert_eq!(
        parse(&["--proxy", "socks5h://proxy.example"]).map(|p| p.map(|p| p.port)),
        Ok(Some(1080))
    );
    assert_eq!(
        parse(&["--proxy", "http://127.0.0.1:1080"]),
        raw(
            "Error: Unsupported proxy protocol: http://127.0.0.1:1080\n\nUse 'rpub --help' to see usage.\n"
        )
    );
    assert_eq!(
        parse(&["--proxy", "socks5h://h:abc"]),
        raw("Error: Invalid proxy port 0\n\nUse 'rpub --help' to see usage.\n")
    );
    assert_eq!(
        parse(&["--proxy", "socks5h://"]),
        raw("Error: Invalid proxy.\n\nUse 'rpub --help' to see usage.\n")
    );
    assert_eq!(
        parse(&["--quiet", "--proxy", "socks5h://"]),
        raw("\nUse 'rpub --help' to see usage.\n")
    );
}
