//! The one place that prints errors and picks exit codes.

use std::io::Write;

use crate::cli::help::{Tool, usage_text};

/// Everything that ends a run other than success, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An argument error. `text` is mosquitto's message with its own trailing newline(s) (some have one,
    /// some two); it is followed by `\nUse '<prog> --help' to see usage.\n`. Never hidden by `--quiet`.
    Usage { text: String },
    /// rpub without topic or message: `text` on stderr and the whole usage text on stdout.
    UsageWithHelp { text: String },
    /// An argument error printed as is, without the `Use ...` line. Never hidden by `--quiet`.
    UsageRaw { text: String },
    /// `--help`: usage text on stdout, exit 1.
    Help,
    /// `--version`: version line on stdout, exit 1.
    Version,
    /// A runtime error: `text` (complete, with newlines) on stderr unless `--quiet`, then exit `code`.
    Runtime { text: String, code: i32 },
    /// Exit with `code` and print nothing (mosquitto's silent failures, e.g. signal before CONNACK).
    Silent { code: i32 },
}

impl Failure {
    pub fn runtime(line: impl Into<String>, code: i32) -> Failure {
        let mut text = line.into();
        text.push('\n');
        Failure::Runtime { text, code }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage { .. }
            | Failure::UsageWithHelp { .. }
            | Failure::UsageRaw { .. }
            | Failure::Help
            | Failure::Version => 1,
            Failure::Runtime { code, .. } | Failure::Silent { code } => *code,
        }
    }
}

/// Prints what `failure` has to say and returns the process exit code. `prog` is the name the program was
/// invoked as (basename of argv[0]).
pub fn report(failure: &Failure, tool: Tool, prog: &str, quiet: bool) -> i32 {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    // Write errors are ignored on purpose: there is nowhere left to report them.
    match failure {
        Failure::Usage { text } => {
            let mut err = stderr.lock();
            let _ = write!(err, "{text}\nUse '{prog} --help' to see usage.\n");
        }
        Failure::UsageWithHelp { text } => {
            let _ = stderr.lock().write_all(text.as_bytes());
            let mut out = stdout.lock();
            let _ = out.write_all(usage_text(tool, prog).as_bytes());
            let _ = out.flush();
        }
        Failure::UsageRaw { text } => {
            let _ = stderr.lock().write_all(text.as_bytes());
        }
        Failure::Help => {
            let mut out = stdout.lock();
            let _ = out.write_all(usage_text(tool, prog).as_bytes());
            let _ = out.flush();
        }
        Failure::Version => {
            let mut out = stdout.lock();
            let _ = writeln!(out, "{}", crate::cli::help::version_line(prog));
            let _ = out.flush();
        }
        Failure::Runtime { text, .. } => {
            if !quiet {
                let _ = stderr.lock().write_all(text.as_bytes());
            }
        }
        Failure::Silent { .. } => {}
    }
    failure.exit_code()
}
