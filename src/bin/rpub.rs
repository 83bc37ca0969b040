//! rpub: publish MQTT messages (a drop-in for mosquitto_pub).

use rpubsub::app::publisher;
use rpubsub::cli::{self, help::Tool};
use rpubsub::exit;

fn main() {
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
