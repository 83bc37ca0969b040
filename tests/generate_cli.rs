//! `--generate KIND` as a user runs it: the binaries print the man page or a completion script and
//! exit 0; an unknown or missing kind is an argument error (exit 1) in mosquitto's shape; a failed
//! write is an error, not a silent success. The generated texts themselves are checked in
//! `src/cli/generate/tests.rs` (man, bash, zsh and fish run them).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use rpubsub::cli::generate::{Generate, generate};
use rpubsub::tool::Tool;

/// The binary of `tool`, beside the one cargo built for this test.
fn binary(tool: Tool) -> std::path::PathBuf {
    Path::new(env!("CARGO_BIN_EXE_rpub"))
        .with_file_name(tool.name())
        .to_path_buf()
}

fn run(tool: Tool, args: &[&str], stdout: Stdio) -> Output {
    Command::new(binary(tool))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(stdout)
        .output()
        .expect("run the tool")
}

#[test]
fn each_kind_prints_what_the_library_generates_and_exits_0() {
    for tool in Tool::ALL {
        for kind in Generate::ALL {
            let output = run(tool, &["--generate", kind.name()], Stdio::piped());
            assert_eq!(output.status.code(), Some(0), "{tool:?} {kind:?}");
            assert!(output.stderr.is_empty(), "{tool:?} {kind:?}");
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                generate(tool, kind),
                "{tool:?} {kind:?}"
            );
        }
    }
}

#[test]
fn an_unknown_or_missing_kind_is_an_argument_error() {
    let output = run(Tool::Pub, &["--generate", "roff"], Stdio::piped());
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Error: Unknown --generate kind 'roff': use man, complete-bash, complete-zsh or complete-fish.\n\nUse 'rpub --help' to see usage.\n"
    );
    let output = run(Tool::Sub, &["-t", "x", "--generate"], Stdio::piped());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Error: --generate argument given but no kind specified.\n\n\nUse 'rsub --help' to see usage.\n"
    );
}

#[test]
fn a_failed_write_fails() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = run(Tool::Pub, &["--generate", "man"], Stdio::from(full));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).starts_with("Error: No space left on device"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
