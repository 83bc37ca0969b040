//! SOCKS5 client handshake (RFC 1928, username/password auth RFC 1929) for `--proxy socks5h://...`.
//!
//! `socks5h` means the proxy resolves the broker's host name: the CONNECT request always carries the
//! name as given (address type 3, "domain name"), never an address we resolved. The handshake runs once,
//! blocking, on the freshly connected socket before it is handed to the event loop (as the TCP connect
//! itself is blocking), bounded by the socket's read/write timeouts set by the caller.

use std::fmt;
use std::io::{self, Read, Write};

/// Where the proxy is and how to log in (`socks5h://[user[:pass]@]host[:port]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// The default SOCKS port.
pub const DEFAULT_PORT: u16 = 1080;

/// Why the proxy did not give us a connection to the broker.
#[derive(Debug)]
pub enum SocksError {
    /// The socket failed while talking to the proxy.
    Io(io::Error),
    /// The proxy does not speak SOCKS5 (or sent garbage).
    NotSocks5,
    /// None of the authentication methods we offered is acceptable to the proxy.
    NoAcceptableAuth,
    /// The proxy rejected the user name and password.
    AuthRejected,
    /// The proxy could not or would not connect to the broker (RFC 1928 reply code).
    ConnectRejected(u8),
    /// A user name, password or host name longer than SOCKS5 allows (255 bytes).
    FieldTooLong,
}

impl fmt::Display for SocksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocksError::Io(err) => write!(f, "talking to the SOCKS5 proxy failed: {err}"),
            SocksError::NotSocks5 => write!(f, "the proxy did not answer as a SOCKS5 proxy"),
            SocksError::NoAcceptableAuth => {
                write!(
                    f,
                    "the SOCKS5 proxy accepts none of our login methods (none, user name/password)"
                )
            }
            SocksError::AuthRejected => {
                write!(f, "the SOCKS5 proxy rejected the user name or password")
            }
            SocksError::ConnectRejected(code) => {
                write!(
                    f,
                    "the SOCKS5 proxy could not connect to the broker: {}",
                    reply_text(*code)
                )
            }
            SocksError::FieldTooLong => {
                write!(
                    f,
                    "a SOCKS5 user name, password or host name is longer than 255 bytes"
                )
            }
        }
    }
}

impl From<io::Error> for SocksError {
    fn from(err: io::Error) -> SocksError {
        SocksError::Io(err)
    }
}

/// RFC 1928 §6 reply codes.
fn reply_text(code: u8) -> String {
    let text = match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => return format!("reply code {code}"),
    };
    format!("{text} (reply code {code})")
}

const VERSION: u8 = 5;
const METHOD_NONE: u8 = 0;
const METHOD_USER_PASSWORD: u8 = 2;
const METHOD_UNACCEPTABLE: u8 = 0xff;
const COMMAND_CONNECT: u8 = 1;
const ADDRESS_IPV4: u8 = 1;
const ADDRESS_DOMAIN: u8 = 3;
const ADDRESS_IPV6: u8 = 4;

/// The method-selection greeting: "no authentication", plus "user name/password" when we have one.
pub fn greeting(proxy: &ProxyConfig) -> Vec<u8> {
    if proxy.username.is_some() {
        vec![VERSION, 2, METHOD_NONE, METHOD_USER_PASSWORD]
    } else {
        vec![VERSION, 1, METHOD_NONE]
    }
}

/// RFC 1929 user name/password request.
pub fn auth_request(username: &str, password: &str) -> Result<Vec<u8>, SocksError> {
    let (user, pass) = (username.as_bytes(), password.as_bytes());
    let user_len = u8::try_from(user.len()).map_err(|_| SocksError::FieldTooLong)?;
    let pass_len = u8::try_from(pass.len()).map_err(|_| SocksError::FieldTooLong)?;
    let mut request = vec![1, user_len];
    request.extend_from_slice(user);
    request.push(pass_len);
    request.extend_from_slice(pass);
    Ok(request)
}

/// CONNECT to `host:port`. An address literal is sent as an address (as libmosquitto does); a name is
/// sent as a name for the proxy to resolve (socks5h).
pub fn connect_request(host: &str, port: u16) -> Result<Vec<u8>, SocksError> {
    let mut request = vec![VERSION, COMMAND_CONNECT, 0];
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            request.push(ADDRESS_IPV4);
            request.extend_from_slice(&v4.octets());
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            request.push(ADDRESS_IPV6);
            request.extend_from_slice(&v6.octets());
        }
        Err(_) => {
            let name = host.as_bytes();
            let name_len = u8::try_from(name.len()).map_err(|_| SocksError::FieldTooLong)?;
            request.push(ADDRESS_DOMAIN);
            request.push(name_len);
            request.extend_from_slice(name);
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    Ok(request)
}

/// Runs the whole handshake on a connected, blocking stream to the proxy: afterwards the stream carries
/// bytes to and from `host:port`.
pub fn handshake<S: Read + Write>(
    stream: &mut S,
    proxy: &ProxyConfig,
    host: &str,
    port: u16,
) -> Result<(), SocksError> {
    stream.write_all(&greeting(proxy))?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice)?;
    if choice[0] != VERSION {
        return Err(SocksError::NotSocks5);
    }
    match (choice[1], &proxy.username) {
        (METHOD_NONE, _) => {}
        (METHOD_USER_PASSWORD, Some(username)) => {
            let password = proxy.password.as_deref().unwrap_or("");
            stream.write_all(&auth_request(username, password)?)?;
            let mut status = [0u8; 2];
            stream.read_exact(&mut status)?;
            if status[1] != 0 {
                return Err(SocksError::AuthRejected);
            }
        }
        (METHOD_UNACCEPTABLE, _) => return Err(SocksError::NoAcceptableAuth),
        _ => return Err(SocksError::NotSocks5),
    }
    stream.write_all(&connect_request(host, port)?)?;
    let mut head = [0u8; 4];
    stream.read_exact(&mut head)?;
    if head[0] != VERSION {
        return Err(SocksError::NotSocks5);
    }
    if head[1] != 0 {
        return Err(SocksError::ConnectRejected(head[1]));
    }
    // The bound address is of no use to us, but it must be read off the stream.
    let address_len = match head[3] {
        ADDRESS_IPV4 => 4,
        ADDRESS_IPV6 => 16,
        ADDRESS_DOMAIN => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len)?;
            usize::from(len[0])
        }
        _ => return Err(SocksError::NotSocks5),
    };
    let mut rest = vec![0u8; address_len + 2];
    stream.read_exact(&mut rest)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scripted proxy: what it answers, and what we wrote to it.
    struct Script {
        replies: io::Cursor<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.replies.read(buf)
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn proxy(user: Option<(&str, &str)>) -> ProxyConfig {
        ProxyConfig {
            host: "proxy".into(),
            port: DEFAULT_PORT,
            username: user.map(|(u, _)| u.into()),
            password: user.map(|(_, p)| p.into()),
        }
    }

    fn run(replies: &[u8], user: Option<(&str, &str)>) -> (Result<(), SocksError>, Vec<u8>) {
        let mut script = Script {
            replies: io::Cursor::new(replies.to_vec()),
            written: Vec::new(),
        };
        let result = handshake(&mut script, &proxy(user), "broker.example", 1883);
        (result, script.written)
    }

    #[test]
    fn no_auth_connect_by_name() {
        let (result, written) = run(&[5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90], None);
        assert!(result.is_ok());
        let mut expected = vec![5, 1, 0, 5, 1, 0, 3, 14];
        expected.extend_from_slice(b"broker.example");
        expected.extend_from_slice(&[0x07, 0x5b]);
        assert_eq!(written, expected);
    }

    #[test]
    fn user_and_password() {
        let (result, written) = run(
            &[5, 2, 1, 0, 5, 0, 0, 3, 3, b'a', b'b', b'c', 0, 80],
            Some(("u", "pw")),
        );
        assert!(result.is_ok());
        assert_eq!(&written[..4], &[5, 2, 0, 2]);
        assert_eq!(&written[4..9], &[1, 1, b'u', 2, b'p']);
    }

    #[test]
    fn failures_are_named() {
        assert!(matches!(
            run(&[5, 0xff], None).0,
            Err(SocksError::NoAcceptableAuth)
        ));
        assert!(matches!(run(&[4, 0], None).0, Err(SocksError::NotSocks5)));
        assert!(matches!(
            run(&[5, 2, 1, 1], Some(("u", "p"))).0,
            Err(SocksError::AuthRejected)
        ));
        assert!(matches!(
            run(&[5, 0, 5, 5, 0, 1], None).0,
            Err(SocksError::ConnectRejected(5))
        ));
        assert!(matches!(run(&[5, 0, 5], None).0, Err(SocksError::Io(_))));
        assert_eq!(
            SocksError::ConnectRejected(5).to_string(),
            "the SOCKS5 proxy could not connect to the broker: connection refused (reply code 5)"
        );
    }

    #[test]
    fn address_literals_are_sent_as_addresses() {
        assert_eq!(
            connect_request("127.0.0.1", 1883).ok(),
            Some(vec![5, 1, 0, 1, 127, 0, 0, 1, 7, 91])
        );
        let v6 = connect_request("::1", 1).unwrap_or_default();
        assert_eq!(&v6[..4], &[5, 1, 0, 4]);
        assert_eq!(v6.len(), 4 + 16 + 2);
    }

    #[test]
    fn over_long_fields_are_refused() {
        let long = "x".repeat(256);
        assert!(matches!(
            connect_request(&long, 1),
            Err(SocksError::FieldTooLong)
        ));
        assert!(matches!(
            auth_request(&long, "p"),
            Err(SocksError::FieldTooLong)
        ));
    }
}
