//! `--tls-keylog FILE` (mosquitto 2.1's flag) and the `SSLKEYLOGFILE` environment variable (as curl and
//! browsers honour it): the TLS secrets of every connection, appended to the file in the NSS key log
//! format (`LABEL <client random hex> <secret hex>`, one line per secret) that Wireshark reads to
//! decrypt a capture. Whoever has the file can read the captured traffic: debugging only.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where the key log goes, and which setting asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLogTarget {
    /// `--tls-keylog FILE`
    Flag(PathBuf),
    /// `SSLKEYLOGFILE=FILE`
    Environment(PathBuf),
}

impl KeyLogTarget {
    pub fn path(&self) -> &Path {
        match self {
            KeyLogTarget::Flag(path) | KeyLogTarget::Environment(path) => path,
        }
    }
}

/// The flag wins over the environment; an empty `SSLKEYLOGFILE` means none (as curl).
pub fn keylog_target(
    flag: Option<&Path>,
    environment: Option<&std::ffi::OsStr>,
) -> Option<KeyLogTarget> {
    match (flag, environment) {
        (Some(path), _) => Some(KeyLogTarget::Flag(path.to_path_buf())),
        (None, Some(value)) if !value.is_empty() => {
            Some(KeyLogTarget::Environment(PathBuf::from(value)))
        }
        _ => None,
    }
}

/// One NSS key log line.
pub fn nss_line(label: &str, client_random: &[u8], secret: &[u8]) -> String {
    let mut line =
        String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
    line.push_str(label);
    line.push(' ');
    for byte in client_random {
        let _ = write!(line, "{byte:02x}");
    }
    line.push(' ');
    for byte in secret {
        let _ = write!(line, "{byte:02x}");
    }
    line.push('\n');
    line
}

/// Appends key log lines to a file opened once (created with mode 0600: it holds secrets).
#[derive(Debug)]
pub(super) struct KeyLogWriter {
    file: Mutex<File>,
}

impl KeyLogWriter {
    pub(super) fn open(path: &Path) -> io::Result<KeyLogWriter> {
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        Ok(KeyLogWriter {
            file: Mutex::new(file),
        })
    }
}

impl rustls::KeyLog for KeyLogWriter {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let line = nss_line(label, client_random, secret);
        if let Ok(mut file) = self.file.lock() {
            // a key log that cannot be written must not break the connection
            let _ = file.write_all(line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn the_flag_wins_and_an_empty_variable_means_none() {
        assert_eq!(
            keylog_target(Some(Path::new("a")), Some(OsStr::new("b"))),
            Some(KeyLogTarget::Flag(PathBuf::from("a")))
        );
        assert_eq!(
            keylog_target(None, Some(OsStr::new("b"))),
            Some(KeyLogTarget::Environment(PathBuf::from("b")))
        );
        assert_eq!(keylog_target(None, Some(OsStr::new(""))), None);
        assert_eq!(keylog_target(None, None), None);
    }

    #[test]
    fn lines_are_in_the_nss_format() {
        assert_eq!(
            nss_line("CLIENT_RANDOM", &[0x00, 0xab], &[0x01, 0xff, 0x10]),
            "CLIENT_RANDOM 00ab 01ff10\n"
        );
    }
}
