//! rsub: subscribe and print MQTT messages (a drop-in for mosquitto_sub).

use rpubsub::cli::{self, help::Tool};
use rpubsub::exit;

fn main() {
    let mut argv = std::env::args_os();
    let prog = cli::program_name(argv.next().as_deref(), "rsub");
    let args: Vec<_> = argv.collect();
    let defaults = cli::options_file::load(Tool::Sub);
    let code = match cli::parse_sub_with(&prog, &defaults, &args) {
        Ok(config) => {
            let quiet = config.common.quiet;
            match rpubsub::app::subscriber::run(config) {
                Ok(()) => 0,
                Err(failure) => exit::report(&failure, Tool::Sub, &prog, quiet),
            }
        }
        Err(failure) => exit::report(&failure, Tool::Sub, &prog, false),
    };
    std::process::exit(code);
}
