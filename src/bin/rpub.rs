//! rpub: publish MQTT messages (a drop-in for mosquitto_pub).

use rpubsub::cli::{self, help::Tool};
use rpubsub::exit;

fn main() {
    let mut argv = std::env::args_os();
    let prog = cli::program_name(argv.next().as_deref(), "rpub");
    let args: Vec<_> = argv.collect();
    let code = match cli::parse_pub_loading_input(&prog, &args, rpubsub::app::publisher::load_input)
    {
        Ok(config) => {
            let quiet = config.common.quiet;
            match rpubsub::app::publisher::run(config) {
                Ok(()) => 0,
                Err(failure) => exit::report(&failure, Tool::Pub, &prog, quiet),
            }
        }
        Err(failure) => exit::report(&failure, Tool::Pub, &prog, false),
    };
    std::process::exit(code);
}
