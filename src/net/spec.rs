//! What the driver needs to know to reach the broker: the connection description the command line
//! (or any other front end) fills in and the driver opens. The CLI config embeds it; nothing here knows
//! about flags.

use std::path::PathBuf;

use crate::socks::ProxyConfig;
use crate::tls::TlsOptions;

/// Where the broker is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `-h host -p port` (host name or address literal, resolved like getaddrinfo does).
    Tcp { host: String, port: u16 },
    /// `-p 0` (or `-p abc`, atoi gives 0): mosquitto then treats the host as a unix socket path.
    Unix { path: PathBuf },
}

/// How to open the transport to the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectSpec {
    pub endpoint: Endpoint,
    /// `-A`: local address to bind before connecting.
    pub bind_address: Option<String>,
    /// `--nodelay`.
    pub nodelay: bool,
    /// `--proxy socks5h://...`: connect through this SOCKS5 proxy (it resolves the broker's name).
    pub proxy: Option<ProxyConfig>,
    /// TLS settings when TLS is on (`--cafile`, `--capath`, `--tls-use-os-certs`, `mqtts://`, port 8883
    /// without a CA); `None` for plain MQTT.
    pub tls: Option<TlsOptions>,
    /// MQTT over WebSockets (`ws://`, `wss://`, `--ws`): the upgrade request on top of TCP or TLS.
    /// `None`: MQTT directly on the stream.
    pub websocket: Option<WebSocketSpec>,
}

/// How to upgrade the connection to a WebSocket (see `net::ws`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketSpec {
    /// The request path (`--ws-path`, default [`WebSocketSpec::DEFAULT_PATH`]).
    pub path: String,
}

impl WebSocketSpec {
    /// libmosquitto 2.1 asks for `/mqtt`, the path most brokers serve MQTT on.
    pub const DEFAULT_PATH: &'static str = "/mqtt";
}

impl Default for WebSocketSpec {
    fn default() -> Self {
        WebSocketSpec {
            path: WebSocketSpec::DEFAULT_PATH.to_string(),
        }
    }
}
