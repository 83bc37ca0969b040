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

/// The parts of `user[:password]@host[:port]`, split the way mosquitto_pub 2.0.11 splits them.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ProxyParts<'a> {
    pub(super) username: Option<&'a [u8]>,
    pub(super) password: Option<&'a [u8]>,
    host: Option<&'a [u8]>,
    port: Option<&'a [u8]>,
}

/// Why a `--proxy` URL is refused where mosquitto refuses it without a word (it prints only the `Use`
/// line): we say why.
const PROXY_MISPLACED: &str = "Error: Invalid proxy URL: an empty user name, password, host or port, or \
     a ':' or '@' out of place (socks5h://[user[:password]@]host[:port]; write ':' as %3A and '@' as %40 in \
     the user name and password).\n";
const PROXY_ESCAPE: &str = "Error: Invalid proxy URL: in the user name and password only %25 (%), %3A (:) \
     and %40 (@) may be percent-encoded.\n";

/// mosquitto_pub 2.0.11's split, observed with a SOCKS5 server that logs what it gets: the first ':'
/// before any '@' ends the user name (later ones belong to the password), the first '@' ends the
/// credentials, then a ':' separates host and port; an empty part before a ':' or '@' is an error, and
/// so is a second host or user name. `Err(())`: refused (mosquitto says nothing).
pub(super) fn split_proxy(rest: &[u8]) -> Result<ProxyParts<'_>, ()> {
    let mut parts = ProxyParts::default();
    let mut start = 0;
    // before any '@', the text before the first ':' is the user name or the host
    let mut user_or_host: Option<&[u8]> = None;
    let mut have_auth = false;
    for (i, &byte) in rest.iter().enumerate() {
        match byte {
            b':' => {
                if i == start {
                    return Err(());
                }
                if have_auth {
                    if parts.host.is_some() {
                        return Err(());
                    }
                    parts.host = Some(&rest[start..i]);
                    start = i + 1;
                } else if user_or_host.is_none() {
                    user_or_host = Some(&rest[start..i]);
                    start = i + 1;
                }
            }
            b'@' => {
                if i == start {
                    return Err(());
                }
                have_auth = true;
                if let Some(user) = user_or_host.take() {
                    parts.username = Some(user);
                    parts.password = Some(&rest[start..i]);
                } else if parts.username.is_some() {
                    return Err(());
                } else {
                    parts.username = Some(&rest[start..i]);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if rest.len() > start {
        let tail = &rest[start..];
        if parts.host.is_some() {
            parts.port = Some(tail);
        } else if let Some(host) = user_or_host {
            parts.host = Some(host);
            parts.port = Some(tail);
        } else {
            parts.host = Some(tail);
        }
    }
    Ok(parts)
}

/// The percent-escapes mosquitto_pub 2.0.11 decodes in the proxy user name and password: `%25`,
/// `%3a`/`%3A` and `%40`, nothing else (any other `%` is an error). mosquitto turns `%40` into ':' (its
/// own comment says '@'), which makes an '@' impossible to give; we decode it to '@' (docs/tls.md).
fn proxy_unescape(text: &[u8]) -> Result<Vec<u8>, ()> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'%' {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let decoded = match text.get(i + 1..i + 3) {
            Some(b"25") => b'%',
            Some(b"3a" | b"3A") => b':',
            Some(b"40") => b'@',
            _ => return Err(()),
        };
        out.push(decoded);
        i += 3;
    }
    Ok(out)
}

/// `--proxy socks5h://[user[:pass]@]host[:port]` with mosquitto's checks and texts. Those texts are
/// err_printf'ed by mosquitto (hidden by a `--quiet` given before `--proxy`) and followed by the usual
/// `Use ...` line, which is never hidden.
pub(super) fn parse_proxy_url(url: &[u8], quiet: bool, prog: &str) -> Result<ProxyConfig, Failure> {
    let fail = |text: &str| {
        let shown = if quiet { "" } else { text };
        Failure::UsageRaw {
            text: format!("{shown}\nUse '{prog} --help' to see usage.\n"),
        }
    };
    let Some(rest) = url.strip_prefix(b"socks5h://") else {
        return Err(fail(&format!(
            "Error: Unsupported proxy protocol: {}\n",
            lossy(url)
        )));
    };
    let parts = split_proxy(rest).map_err(|()| fail(PROXY_MISPLACED))?;
    let Some(host) = parts.host else {
        return Err(fail("Error: Invalid proxy.\n"));
    };
    let unescape = |field: Option<&[u8]>| -> Result<Option<String>, Failure> {
        field
            .map(|bytes| proxy_unescape(bytes).map(|plain| lossy(&plain)))
            .transpose()
            .map_err(|()| fail(PROXY_ESCAPE))
    };
    let username = unescape(parts.username)?;
    let password = unescape(parts.password)?;
    let port = match parts.port {
        Some(port) => {
            let port = ctext::atoi(port);
            match u16::try_from(port) {
                Ok(port) if port > 0 => port,
                _ => return Err(fail(&format!("Error: Invalid proxy port {port}\n"))),
            }
        }
        None => socks::DEFAULT_PORT,
    };
    Ok(ProxyConfig {
        host: lossy(host),
        port,
        username,
        password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (user name, password, host, port) as text.
    type Split = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );

    fn parts(url: &str) -> Result<Split, ()> {
        let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
        split_proxy(url.as_bytes()).map(|p| {
            (
                text(p.username),
                text(p.password),
                text(p.host),
                text(p.port),
            )
        })
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    /// The splits mosquitto_pub 2.0.11 made of these (what its SOCKS5 server received, or a refusal).
    #[test]
    fn proxy_urls_split_like_mosquitto() {
        assert_eq!(
            parts("u:p@h:1"),
            Ok((some("u"), some("p"), some("h"), some("1")))
        );
        assert_eq!(
            parts("u:p:q@h"),
            Ok((some("u"), some("p:q"), some("h"), None))
        );
        assert_eq!(parts("u@h"), Ok((some("u"), None, some("h"), None)));
        assert_eq!(parts("h:1883"), Ok((None, None, some("h"), some("1883"))));
        assert_eq!(parts("h"), Ok((None, None, some("h"), None)));
        assert_eq!(parts("u:p@h:"), Ok((some("u"), some("p"), some("h"), None)));
        assert_eq!(parts("h:"), Ok((None, None, None, None)));
        assert_eq!(parts(""), Ok((None, None, None, None)));
        for refused in [
            "u::p@h",
            ":p@h",
            "u:@h",
            "@h",
            "u@h:c@h",
            "u:p@h@x",
            "u:p@h:1:2",
            "[::1]:1080",
        ] {
            assert_eq!(parts(refused), Err(()), "{refused}");
        }
    }

    #[test]
    fn proxy_escapes_decode_like_mosquitto_except_at() {
        let decode = |text: &str| {
            proxy_unescape(text.as_bytes()).map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        assert_eq!(decode("pa%3Ass%3as"), Ok("pa:ss:s".to_string()));
        assert_eq!(decode("%25%25"), Ok("%%".to_string()));
        assert_eq!(decode("%2541"), Ok("%41".to_string()));
        assert_eq!(decode("p%40ss"), Ok("p@ss".to_string()));
        assert_eq!(decode("b%3A"), Ok("b:".to_string()));
        for refused in ["%", "a%", "a%3", "%2a", "%41", "%20", "%w1"] {
            assert_eq!(decode(refused), Err(()), "{refused}");
        }
    }
}
