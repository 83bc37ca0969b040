//! The driver: the only code that touches sockets, the stdin stream and the clock.
//!
//! A [`Driver`] owns the mio `Poll`, the transport of the current connection and the `Client` state
//! machine. The session loop (`app/session.rs`) alternates between draining `client.poll_event()` and
//! calling [`Driver::turn`], which writes what the client wants to send, waits (flushing stdout first, so
//! a person or a pipe reader sees output immediately, while bursts are batched), reads until the socket
//! would block and fires timers.
//!
//! - `spec.rs`: [`ConnectSpec`], what to connect to (the CLI config embeds it);
//! - `connect.rs`: opening the transport (resolution, TCP, SOCKS5, unix socket, TLS);
//! - `transport.rs`: the connected [`Stream`];
//! - `ws.rs`: MQTT over WebSockets, the upgrade and the framing ([`WsStream`]);
//! - `driver.rs`: the loop itself; `batching.rs`: its read-batching policy;
//! - `stage.rs`: [`ConnectStage`], how far opening a connection got (for traces and messages);
//! - `stdin.rs`: stdin chunks for `rpub -l`.

mod batching;
mod connect;
mod driver;
mod limit;
mod spec;
mod stage;
mod stdin;
mod transport;
mod ws;

pub use connect::ConnectFailure;
pub use driver::{Drain, Driver, IoTimes, Turn};
pub use limit::{ConnectTimes, PendingStage};
pub use spec::{ConnectSpec, Endpoint, WebSocketSpec};
pub use stage::{ConnectStage, StageLog};
pub use stdin::{ChunkSource, StdinChunk, StdinFeed};
pub use transport::Stream;
pub use ws::{WsFailure, WsStream};
