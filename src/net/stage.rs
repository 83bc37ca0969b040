//! Connection stages: how far opening a connection got, step by step (name resolution, the TCP
//! connection with its local and remote addresses, the SOCKS5 proxy, a unix socket, the TLS
//! handshake with what it negotiated). The driver queues them in a [`StageLog`] as they happen —
//! only when someone listens: a log that is off gathers nothing and parses no certificate — and the
//! session loop drains them (`Link::stages`) into its trace. A front end can also read the last
//! stage reached to say how far a failed attempt got ("TCP connected, TLS handshake not done").

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::tls::TlsSummary;

/// One step of opening a connection that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectStage {
    /// `host` resolved to `addresses`, tried in this order (a literal address resolves to itself).
    /// With a proxy, this is the proxy's name (the proxy resolves the broker's).
    Resolved {
        host: String,
        port: u16,
        addresses: Vec<SocketAddr>,
    },
    /// A TCP connection is up (to the broker, or to the proxy).
    TcpConnected {
        local: SocketAddr,
        remote: SocketAddr,
    },
    /// The SOCKS5 proxy connected us to `host:port`.
    ProxyConnected { host: String, port: u16 },
    /// A unix socket is connected.
    UnixConnected { path: PathBuf },
    /// The TLS handshake finished.
    TlsDone(Box<TlsSummary>),
}

impl ConnectStage {
    /// A short name for messages and traces: `resolved`, `tcp_connected`, `proxy_connected`,
    /// `unix_connected`, `tls_handshake`.
    pub fn name(&self) -> &'static str {
        match self {
            ConnectStage::Resolved { .. } => "resolved",
            ConnectStage::TcpConnected { .. } => "tcp_connected",
            ConnectStage::ProxyConnected { .. } => "proxy_connected",
            ConnectStage::UnixConnected { .. } => "unix_connected",
            ConnectStage::TlsDone(_) => "tls_handshake",
        }
    }
}

/// Where the driver queues stages: off by default (nothing gathered), on for traces.
#[derive(Debug, Default)]
pub struct StageLog {
    on: bool,
    stages: Vec<ConnectStage>,
    /// The last stage reached by the current attempt (kept while on, for messages).
    last: Option<&'static str>,
}

impl StageLog {
    /// Starts or stops gathering stages.
    pub fn set_on(&mut self, on: bool) {
        self.on = on;
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Queues the stage `make` builds, if the log is on (`make` is not called otherwise).
    pub fn push_with(&mut self, make: impl FnOnce() -> ConnectStage) {
        if self.on {
            let stage = make();
            self.last = Some(stage.name());
            self.stages.push(stage);
        }
    }

    /// A new attempt starts: forget how far the previous one got.
    pub fn new_attempt(&mut self) {
        self.last = None;
    }

    /// The name of the last stage the current attempt reached (while on).
    pub fn last_reached(&self) -> Option<&'static str> {
        self.last
    }

    /// Everything queued since the last call, in order.
    pub fn take(&mut self) -> Vec<ConnectStage> {
        std::mem::take(&mut self.stages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_that_is_off_builds_nothing() {
        let mut log = StageLog::default();
        log.push_with(|| panic!("built while off"));
        assert!(log.take().is_empty());
        assert_eq!(log.last_reached(), None);
    }

    #[test]
    fn a_log_that_is_on_keeps_stages_in_order_until_taken() {
        let mut log = StageLog::default();
        log.set_on(true);
        let addr: SocketAddr = "127.0.0.1:1883".parse().expect("addr");
        log.push_with(|| ConnectStage::Resolved {
            host: "localhost".into(),
            port: 1883,
            addresses: vec![addr],
        });
        log.push_with(|| ConnectStage::TcpConnected {
            local: "127.0.0.1:40000".parse().expect("addr"),
            remote: addr,
        });
        assert_eq!(log.last_reached(), Some("tcp_connected"));
        let names: Vec<_> = log.take().iter().map(ConnectStage::name).collect();
        assert_eq!(names, ["resolved", "tcp_connected"]);
        assert!(log.take().is_empty());
        log.new_attempt();
        assert_eq!(log.last_reached(), None);
    }
}
