//! Command-line parsing with mosquitto's rules, resolved into plain config structs.

mod ci;
pub mod config;
mod ctext;
pub mod generate;
pub mod help;
pub mod options_file;
mod parse;
mod resolve;
pub(crate) mod table;
#[cfg(test)]
mod tests;
mod url;
mod v5;

use std::ffi::{OsStr, OsString};

use crate::exit::Failure;
use crate::tool::Tool;
pub use ci::{DEFAULT_CHECK_PROBES, argv_secrets, password_from_env};
use config::{MessageSource, PubConfig, RrConfig, SubConfig};
use parse::{ArgProcessor, Stop};

/// The name the program was invoked as (basename of `argv[0]`), used in messages and the usage text, so a
/// symlink named `mosquitto_pub` prints exactly what mosquitto_pub prints.
pub fn program_name(argv0: Option<&OsStr>, fallback: &str) -> String {
    argv0
        .and_then(|arg| std::path::Path::new(arg).file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<C> {
    /// Run with this configuration.
    Run(C),
    /// `--help`: show [`help::usage_text`] (mosquitto then exits 1).
    Help,
    /// `--version`: show [`help::version_text`] (mosquitto then exits 1).
    Version,
    /// `--generate KIND`: show [`generate::generate`]'s text (exit 0).
    Generate(generate::Generate),
}

impl<C> From<Stop> for Parsed<C> {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Help => Parsed::Help,
            Stop::Version => Parsed::Version,
            Stop::Generate(kind) => Parsed::Generate(kind),
        }
    }
}

/// Feeds the `defaults` lines, then `args`, to `processor`, stopping at `--help` or `--version`
/// (one in the default-options file ends the reading there, as any error in it does).
fn read_all(
    processor: &mut ArgProcessor,
    defaults: &[Vec<OsString>],
    args: &[OsString],
) -> Result<Option<Stop>, Failure> {
    for line in defaults.iter().map(Vec::as_slice) {
        if let Some(stop) = processor.process(line)? {
            return Ok(Some(stop));
        }
    }
    processor.process(args)
}

/// Parses rpub's arguments (argv without `argv[0]`) with mosquitto_pub's rules and texts. `prog` is the
/// name used in messages. No default-options file, and input named by `-f`/`-s` is not read (see
/// [`parse_pub_with`]).
pub fn parse_pub(prog: &str, args: &[OsString]) -> Result<Parsed<PubConfig>, Failure> {
    parse_pub_with(prog, &[], args, |_| Ok(None))
}

/// Parses rpub's arguments as the binary does: first the `defaults` (the default-options file, one
/// argument list per line, see [`options_file`]), then `args`. The message named by `-f`/`-s` is
/// loaded by `load` at the point where mosquitto_pub loads it: after the arguments themselves were
/// accepted and before the "Both topic and message" and client-setup checks (so `rpub -f missing`
/// reports the missing file as mosquitto_pub does). `load` returns the payload that replaces the
/// source (`None`: keep it).
pub fn parse_pub_with(
    prog: &str,
    defaults: &[Vec<OsString>],
    args: &[OsString],
    load: impl FnOnce(&MessageSource) -> Result<Option<Vec<u8>>, Failure>,
) -> Result<Parsed<PubConfig>, Failure> {
    let mut processor = ArgProcessor::new(Tool::Pub, prog);
    match read_all(&mut processor, defaults, args)? {
        Some(stop) => Ok(stop.into()),
        None => processor.finish_pub(load).map(Parsed::Run),
    }
}

/// Parses rsub's arguments (argv without `argv[0]`) with mosquitto_sub's rules and texts. `prog` is the
/// name used in messages. No default-options file (see [`parse_sub_with`]).
pub fn parse_sub(prog: &str, args: &[OsString]) -> Result<Parsed<SubConfig>, Failure> {
    parse_sub_with(prog, &[], args)
}

/// Parses rsub's arguments after the `defaults` of the default-options file (see [`parse_pub_with`]).
pub fn parse_sub_with(
    prog: &str,
    defaults: &[Vec<OsString>],
    args: &[OsString],
) -> Result<Parsed<SubConfig>, Failure> {
    let mut processor = ArgProcessor::new(Tool::Sub, prog);
    match read_all(&mut processor, defaults, args)? {
        Some(stop) => Ok(stop.into()),
        None => processor.finish_sub().map(Parsed::Run),
    }
}

/// Parses rrr's arguments (argv without `argv[0]`) with mosquitto_rr's rules and texts. `prog` is the
/// name used in messages. No default-options file, and input named by `-f`/`-s` is not read (see
/// [`parse_rr_with`]).
pub fn parse_rr(prog: &str, args: &[OsString]) -> Result<Parsed<RrConfig>, Failure> {
    parse_rr_with(prog, &[], args, |_| Ok(None))
}

/// Parses rrr's arguments after the `defaults` of the default-options file. The request named by
/// `-f`/`-s` is loaded by `load` after the arguments were accepted and before the "All of topic,
/// message, and response topic" check, as mosquitto_rr 2.1 loads it (see [`parse_pub_with`]).
pub fn parse_rr_with(
    prog: &str,
    defaults: &[Vec<OsString>],
    args: &[OsString],
    load: impl FnOnce(&MessageSource) -> Result<Option<Vec<u8>>, Failure>,
) -> Result<Parsed<RrConfig>, Failure> {
    let mut processor = ArgProcessor::new(Tool::Rr, prog);
    match read_all(&mut processor, defaults, args)? {
        Some(stop) => Ok(stop.into()),
        None => processor.finish_rr(load).map(Parsed::Run),
    }
}
