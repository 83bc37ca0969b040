//! rsub: subscribe and print MQTT messages (a drop-in for mosquitto_sub).

// Rust's own `main` wrapper is skipped (see `rpubsub::sys`). `cargo test --all-targets` also
// builds this file as a libtest harness, which brings its own `main`.
#![cfg_attr(not(test), no_main)]

/// The C entry point.
#[cfg(not(test))]
#[unsafe(no_mangle)]
// Only the C runtime calls this, with its own valid `argv`.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub extern "C" fn main(
    argc: std::ffi::c_int,
    argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    rpubsub::sys::init();
    // SAFETY: these are the C runtime's own argc/argv for main, valid for the life of the process.
    unsafe { rpubsub::sys::keep_argv(argc, argv) };
    std::process::exit(rpubsub::app::rsub_main());
}
