//! Command-line parsing with mosquitto's rules, resolved into plain config structs.

pub mod config;
pub mod help;
