//! rpub: publish MQTT messages (a drop-in for mosquitto_pub).

#![no_main]

use rpubsub::app::publisher;
use rpubsub::cli::{self, help::Tool};
use rpubsub::exit;

/// The C entry point (see `rpubsub::process` for why Rust's own `main` wrapper is skipped).
#[unsafe(no_mangle)]
pub extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    rpubsub::process::init();
    let mut argv = std::env::args_os();
    let prog = cli::program_name(argv.next().as_deref(), "rpub");
    let args: Vec<_> = argv.collect();
    let defaults = cli::options_file::load(Tool::Pub);
    let code = match cli::parse_pub_with(&prog, &defaults, &args, publisher::load_input) {
        Ok(config) => {
            let quiet = config.common.quiet;
            match publisher::run(config) {
                Ok(()) => 0,
                Err(failure) => exit::report(&failure, Tool::Pub, &prog, quiet),
            }
        }
        Err(failure) => exit::report(&failure, Tool::Pub, &prog, false),
    };
    std::process::exit(code);
}
