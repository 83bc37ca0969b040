//! The protocol core: no I/O, no clock. Every method that needs time takes `now`.

pub mod client;
pub mod codec;
pub mod event;
pub mod inflight;
pub mod timer;
pub mod transmit;
