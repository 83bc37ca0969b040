//! The argument parser with mosquitto's rules, after a default-options file: arbitrary file content
//! and arbitrary arguments give a config, help, version or an error, never a panic.
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use libfuzzer_sys::fuzz_target;
use rpubsub::cli::{self, options_file};

fuzz_target!(|data: &[u8]| {
    // Options-file content, then 0xff, then the arguments separated by NUL bytes.
    let (file, args) = match data.iter().position(|&byte| byte == 0xff) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&[][..], data),
    };
    let defaults = options_file::parse(file);
    let args: Vec<OsString> = if args.is_empty() {
        Vec::new()
    } else {
        args.split(|&byte| byte == 0)
            .map(|arg| OsString::from_vec(arg.to_vec()))
            .collect()
    };
    let _ = cli::parse_pub_with("rpub", &defaults, &args, |_| Ok(None));
    let _ = cli::parse_sub_with("rsub", &defaults, &args);
    let _ = cli::parse_rr_with("rrr", &defaults, &args, |_| Ok(None));
});
