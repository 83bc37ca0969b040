//! rpubsub: drop-in replacements for `mosquitto_pub` / `mosquitto_sub` / `mosquitto_rr`.
//!
//! Layers, pointing down only (see `docs/architecture.md`):
//! - [`app`]: the session loop and the tools' roles on it;
//! - [`cli`]: the flag table and mosquitto's argument rules, resolved into configs;
//! - [`net`]: the synchronous mio driver, the only code that touches sockets and time;
//! - [`proto`]: the sans-IO protocol core (codec + client state machine), no sockets, no clock;
//! - beside them: [`output`] (rsub's formats, the stdout writer), [`trace`] (`-d` lines and other
//!   trace sinks), [`exit`] (every exit code and error text), [`tls`], [`socks`], [`sys`], [`tool`].

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
