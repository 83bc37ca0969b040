//! rrr: send an MQTT request and print the response (a drop-in for mosquitto_rr).

// Rust's own `main` wrapper is skipped (see `rpubsub::sys`). `cargo test --all-targets` also
// builds this file as a libtest harness, which brings its own `main`.
#![cfg_attr(not(test), no_main)]

/// The C entry point.
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    rpubsub::sys::init();
    std::process::exit(rpubsub::app::rrr_main());
}
