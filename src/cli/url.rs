//! The URLs of `-L` (broker, credentials and topic in one argument) and `--proxy`, split the way
//! mosquitto splits them.

use super::ctext;
use super::parse::{ArgProcessor, DEFAULT_PORT, DEFAULT_TLS_PORT, lossy, usage};
use crate::exit::Failure;
use crate::socks::{self, ProxyConfig};

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

impl ArgProcessor {
    /// `-L mqtt://[user[:password]@]host[:port]/topic`, split the way mosquitto splits it: the first `/`
    /// after the scheme starts the topic, the first `@` ends the user part, the first `:` of each part
    /// separates password and port (so IPv6 literals cannot be given this way, as in mosquitto).
    /// `ws://` and `wss://` (mosquitto 2.1) are `mqtt://` and `mqtts://` over WebSockets, with the
    /// same default ports as mosquitto 2.1's code gives them (1883 and 8883; its man page says 80
    /// and 443). A `-L` without a WebSocket scheme does not undo an earlier `--ws`, as in 2.1.
    pub(super) fn apply_url(&mut self, url: &[u8]) -> Result<(), Failure> {
        let (rest, port) = if starts_with_ignore_case(url, b"mqtt://") {
            (&url[7..], DEFAULT_PORT)
        } else if starts_with_ignore_case(url, b"mqtts://") {
            // As mosquitto: TLS with the OS's CA certificates (unless a CA is given), port 8883.
            self.options.tls.mqtts_url = true;
            (&url[8..], DEFAULT_TLS_PORT)
        } else if starts_with_ignore_case(url, b"ws://") {
            self.options.websocket = true;
            (&url[5..], DEFAULT_PORT)
        } else if starts_with_ignore_case(url, b"wss://") {
            self.options.tls.mqtts_url = true;
            self.options.websocket = true;
            (&url[6..], DEFAULT_TLS_PORT)
        } else {
            return Err(usage("Error: unsupported URL scheme.\n\n"));
        };
        self.options.port = Some(port);
        let Some(slash) = rest.iter().position(|&b| b == b'/') else {
            return Err(usage(
                "Error: Invalid URL for -L argument specified - topic missing.\n",
            ));
        };
        let (mut authority, topic) = (&rest[..slash], &rest[slash + 1..]);
        self.add_topic(topic, "-L topic")?;
        let o = &mut self.options;
        if let Some(at) = authority.iter().position(|&b| b == b'@') {
            let user = &authority[..at];
            match user.iter().position(|&b| b == b':') {
                Some(colon) => {
                    o.password = Some(user[colon + 1..].to_vec());
                    o.username = Some(user[..colon].to_vec());
                }
                None => o.username = Some(user.to_vec()),
            }
            authority = &authority[at + 1..];
        }
        match authority.iter().position(|&b| b == b':') {
            Some(colon) => {
                o.host = Some(authority[..colon].to_vec());
                // Not range-checked here: mosquitto only fails when connecting.
                o.port = Some(ctext::atoi(&authority[colon + 1..]));
            }
            None => o.host = Some(authority.to_vec()),
        }
        Ok(())
    }
}

/// `--proxy socks5h://[user[:pass]@]host[:port]` with mosquitto's checks and texts. Those texts are
/// err_printf'ed by mosquitto (hidden by a `--quiet` given before `--proxy`) and followed by the usual
/// `Use ...` line, which is never hidden.
pub(super) fn parse_proxy_url(url: &[u8], quiet: bool, prog: &str) -> Result<ProxyConfig, Failure> {
    let fail = |text: String| {
        let shown = if quiet { String::new() } else { text };
        Failure::UsageRaw {
            text: format!("{shown}\nUse '{prog} --help' to see usage.\n"),
        }
    };
    let Some(rest) = url.strip_prefix(b"socks5h://") else {
        return Err(fail(format!(
            "Error: Unsupported proxy protocol: {}\n",
            lossy(url)
        )));
    };
    let (credentials, address) = match rest.iter().rposition(|&b| b == b'@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (username, password) = match credentials {
        Some(credentials) => match credentials.iter().position(|&b| b == b':') {
            Some(colon) => (
                Some(lossy(&credentials[..colon])),
                Some(lossy(&credentials[colon + 1..])),
            ),
            None => (Some(lossy(credentials)), None),
        },
        None => (None, None),
    };
    let (host, port) = match address.iter().rposition(|&b| b == b':') {
        Some(colon) => {
            let port = ctext::atoi(&address[colon + 1..]);
            match u16::try_from(port) {
                Ok(port) if port > 0 => (&address[..colon], port),
                _ => return Err(fail(format!("Error: Invalid proxy port {port}\n"))),
            }
        }
        None => (address, socks::DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err(fail("Error: Invalid proxy.\n".to_string()));
    }
    Ok(ProxyConfig {
        host: lossy(host),
        port,
        username,
        password,
    })
}
