//! SOCKS5 client handshake (RFC 1928, username/password auth RFC 1929) for `--proxy socks5h://...`.
//!
//! `socks5h` means the proxy resolves the broker's host name: the CONNECT request always carries the
//! name as given (address type 3, "domain name"), never an address we resolved. The handshake is a
//! state machine without I/O ([`Handshake`]): the event loop runs it on the non-blocking socket
//! before MQTT starts, so signals and deadlines are honoured while a proxy takes its time.

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

/// The SOCKS5 handshake as a state machine without I/O, so the event loop can run it on a
/// non-blocking socket (a proxy that stops answering must not block signals or deadlines): send
/// [`Handshake::to_send`], read exactly [`Handshake::wanted`] bytes and hand them to
/// [`Handshake::received`], until it says the tunnel is open. Reading no more than asked for
/// leaves whatever follows the proxy's reply to the protocol on top.
#[derive(Debug)]
pub struct Handshake {
    step: Step,
    /// Bytes to send, and how many of them are sent.
    out: Vec<u8>,
    sent: usize,
    /// Bytes of the current reply received so far, and how long it is (so far as known).
    reply: Vec<u8>,
    reply_len: usize,
    username: Option<String>,
    password: Option<String>,
    /// The CONNECT request, sent once the login is done.
    connect: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Waiting for the method choice (2 bytes).
    Method,
    /// Waiting for the user name/password status (2 bytes).
    Auth,
    /// Waiting for the CONNECT reply head (4 bytes, then the bound address).
    Reply,
    /// The tunnel to the broker is open.
    Done,
}

impl Handshake {
    /// A handshake with `proxy` for a tunnel to `host:port`; the greeting is ready to send.
    pub fn new(proxy: &ProxyConfig, host: &str, port: u16) -> Result<Handshake, SocksError> {
        Ok(Handshake {
            step: Step::Method,
            out: greeting(proxy),
            sent: 0,
            reply: Vec::new(),
            reply_len: 2,
            username: proxy.username.clone(),
            password: proxy.password.clone(),
            connect: connect_request(host, port)?,
        })
    }

    /// The bytes to send now (empty: wait for the proxy).
    pub fn to_send(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// `n` bytes of [`Handshake::to_send`] were sent.
    pub fn sent(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
    }

    /// How many bytes to read next (0: nothing to read now).
    pub fn wanted(&self) -> usize {
        if self.step == Step::Done || !self.to_send().is_empty() {
            0
        } else {
            self.reply_len - self.reply.len()
        }
    }

    /// The tunnel is open: the socket now carries bytes to and from the broker.
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// Takes bytes read from the proxy (at most [`Handshake::wanted`]).
    pub fn received(&mut self, bytes: &[u8]) -> Result<(), SocksError> {
        let take = bytes.len().min(self.wanted());
        self.reply.extend_from_slice(&bytes[..take]);
        if self.reply.len() < self.reply_len {
            return Ok(());
        }
        match self.step {
            Step::Method => {
                if self.reply[0] != VERSION {
                    return Err(SocksError::NotSocks5);
                }
                match (self.reply[1], &self.username) {
                    (METHOD_NONE, _) => self.send_connect(),
                    (METHOD_USER_PASSWORD, Some(username)) => {
                        let password = self.password.as_deref().unwrap_or("");
                        let request = auth_request(username, password)?;
                        self.send(request, Step::Auth, 2);
                    }
                    (METHOD_UNACCEPTABLE, _) => return Err(SocksError::NoAcceptableAuth),
                    _ => return Err(SocksError::NotSocks5),
                }
            }
            Step::Auth => {
                if self.reply[1] != 0 {
                    return Err(SocksError::AuthRejected);
                }
                self.send_connect();
            }
            Step::Reply => self.reply_received()?,
            Step::Done => {}
        }
        Ok(())
    }

    /// The CONNECT reply: its head says how long the bound address is; the address itself is of no
    /// use to us, but it must be read off the stream.
    fn reply_received(&mut self) -> Result<(), SocksError> {
        let head = &self.reply;
        if head[0] != VERSION {
            return Err(SocksError::NotSocks5);
        }
        if head[1] != 0 {
            return Err(SocksError::ConnectRejected(head[1]));
        }
        let total = match head[3] {
            ADDRESS_IPV4 => 4 + 4 + 2,
            ADDRESS_IPV6 => 4 + 16 + 2,
            // The name's length byte comes first.
            ADDRESS_DOMAIN if head.len() == 4 => {
                self.reply_len = 5;
                return Ok(());
            }
            ADDRESS_DOMAIN => 5 + usize::from(head[4]) + 2,
            _ => return Err(SocksError::NotSocks5),
        };
        if self.reply.len() >= total {
            self.step = Step::Done;
        } else {
            self.reply_len = total;
        }
        Ok(())
    }

    fn send_connect(&mut self) {
        let request = std::mem::take(&mut self.connect);
        self.send(request, Step::Reply, 4);
    }

    fn send(&mut self, request: Vec<u8>, step: Step, reply_len: usize) {
        self.out = request;
        self.sent = 0;
        self.step = step;
        self.reply.clear();
        self.reply_len = reply_len;
    }
}

/// Runs the whole handshake on a connected, blocking stream to the proxy: afterwards the stream carries
/// bytes to and from `host:port`. (The client runs [`Handshake`] in its event loop instead.)
pub fn handshake<S: Read + Write>(
    stream: &mut S,
    proxy: &ProxyConfig,
    host: &str,
    port: u16,
) -> Result<(), SocksError> {
    let mut handshake = Handshake::new(proxy, host, port)?;
    let mut buf = [0u8; 262];
    while !handshake.is_done() {
        if !handshake.to_send().is_empty() {
            stream.write_all(handshake.to_send())?;
            let n = handshake.to_send().len();
            handshake.sent(n);
        }
        let wanted = handshake.wanted().min(buf.len());
        if wanted > 0 {
            stream.read_exact(&mut buf[..wanted])?;
            handshake.received(&buf[..wanted])?;
        }
    }
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

    /// The event loop reads exactly what the handshake asks for, a byte at a time if the proxy
    /// trickles: never more than the reply, so nothing of the broker's is swallowed.
    #[test]
    fn the_handshake_asks_for_exactly_the_bytes_of_each_reply() {
        let mut handshake = Handshake::new(&proxy(None), "broker.example", 1883).unwrap();
        assert_eq!(handshake.to_send(), &[5, 1, 0]);
        assert_eq!(
            handshake.wanted(),
            0,
            "nothing to read before the greeting is sent"
        );
        handshake.sent(2);
        assert_eq!(handshake.to_send(), &[0]);
        handshake.sent(1);
        let reply: &[u8] = &[5, 0, 5, 0, 0, 3, 4, b'h', b'o', b's', b't', 0x1f, 0x90];
        let mut fed = 0;
        while !handshake.is_done() {
            if !handshake.to_send().is_empty() {
                let n = handshake.to_send().len();
                handshake.sent(n);
                continue;
            }
            let wanted = handshake.wanted();
            assert!(
                wanted >= 1 && fed + wanted <= reply.len(),
                "asks for {wanted} at {fed}"
            );
            handshake.received(&reply[fed..fed + 1]).unwrap();
            fed += 1;
        }
        assert_eq!(fed, reply.len());
        assert_eq!(handshake.wanted(), 0);
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
