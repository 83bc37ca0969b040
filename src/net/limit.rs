//! `--connect-timeout` inside opening a transport: the stages a connection attempt goes through and
//! name resolution within a deadline. (The TLS handshake and CONNACK come later, in the session
//! loop, which keeps the same deadline.)

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The stage of a connection attempt that had not finished when its time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingStage {
    Resolution,
    Tcp,
    Proxy,
    Tls,
    Connack,
}

/// When each stage of the current connection attempt finished (`rpub --check` reports them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectTimes {
    pub started: Option<Instant>,
    /// The broker's (or, with a proxy, the proxy's) name resolved.
    pub resolved: Option<Instant>,
    /// The TCP connection (to the broker or the proxy) is up.
    pub tcp: Option<Instant>,
    /// The SOCKS5 proxy connected us to the broker.
    pub proxy: Option<Instant>,
    /// The transport is open (everything above done; a unix socket connected).
    pub opened: Option<Instant>,
    pub tls_done: Option<Instant>,
}

/// The time left until `deadline` (`None`: no deadline), or `Err` once it has passed.
pub(super) fn remaining(deadline: Option<Instant>) -> Result<Option<Duration>, ()> {
    match deadline {
        None => Ok(None),
        Some(at) => {
            let left = at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                Err(())
            } else {
                Ok(Some(left))
            }
        }
    }
}

/// getaddrinfo for `host:port`, given up at `deadline`: getaddrinfo itself cannot be interrupted,
/// so with a deadline it runs on a thread of its own, which is left to finish on its own if the time
/// runs out (the run is ending anyway). `Ok(None)`: the time ran out.
pub(super) fn resolve_within(
    host: &str,
    port: u16,
    deadline: Option<Instant>,
) -> Result<Option<std::io::Result<Vec<SocketAddr>>>, ()> {
    let Some(left) = remaining(deadline)? else {
        return Ok(Some((host, port).to_socket_addrs().map(Iterator::collect)));
    };
    let (sender, receiver) = mpsc::channel();
    let owned = host.to_string();
    let spawned = std::thread::Builder::new()
        .name("resolve".into())
        .spawn(move || {
            let result = (owned.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect);
            let _ = sender.send(result);
        });
    if spawned.is_err() {
        // No thread: resolve here, without the limit, rather than not at all.
        return Ok(Some((host, port).to_socket_addrs().map(Iterator::collect)));
    }
    match receiver.recv_timeout(left) {
        Ok(result) => Ok(Some(result)),
        Err(_) => Ok(None),
    }
}
