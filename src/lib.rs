//! rpubsub: drop-in replacements for `mosquitto_pub` / `mosquitto_sub`.
//!
//! Layers (see `docs/architecture.md`):
//! - [`proto`]: the sans-IO protocol core (codec + client state machine), no sockets, no clock;
//! - [`net`]: the synchronous mio driver, the only code that touches sockets and time;
//! - [`trace`], [`exit`], [`cli`]: presentation (`-d` lines, errors/exit codes, flags).

pub mod app;
pub mod calendar;
pub mod cli;
pub mod exit;
pub mod net;
pub mod output;
pub mod proto;
pub mod socks;
pub mod sys;
pub mod tls;
pub mod tool;
pub mod trace;
