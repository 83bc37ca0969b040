//! The default-options file: options read before the command line, as mosquitto's clients do.
//!
//! Location: `$XDG_CONFIG_HOME/<name>` when `XDG_CONFIG_HOME` is set (and then nowhere else), otherwise
//! `$HOME/.config/<name>`. rpub reads `rpub` there and, if that file does not exist, mosquitto_pub's
//! `mosquitto_pub`, so existing setups keep working (rsub: `rsub`, then `mosquitto_sub`; rrr: `rrr`,
//! then `mosquitto_rr`).
//!
//! Format (mosquitto's): one option per line, read in pieces of at most 1023 bytes (mosquitto reads with
//! a 1024-byte `fgets`); a line whose first character is `#` is a comment; trailing CR/LF are removed;
//! the option is the first space-separated word (leading spaces skipped) and its value is everything
//! after the single space that follows it, inner and trailing spaces included. Only the space character
//! separates: `-p<TAB>1883` is one (unknown) option.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use crate::exit::Failure;
use crate::tool::Tool;

/// mosquitto reads the file with `fgets` into a 1024-byte buffer.
const LINE_PIECE: usize = 1023;

/// The file names tried, in order: ours first, then mosquitto's.
pub fn file_names(tool: Tool) -> [&'static str; 2] {
    match tool {
        Tool::Pub => ["rpub", "mosquitto_pub"],
        Tool::Sub => ["rsub", "mosquitto_sub"],
        Tool::Rr => ["rrr", "mosquitto_rr"],
    }
}

/// The directory holding the files, from the environment as given (`None`: neither variable set).
pub fn config_dir(xdg_config_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    match (xdg_config_home, home) {
        (Some(xdg), _) => Some(PathBuf::from(xdg)),
        (None, Some(home)) => Some(PathBuf::from(home).join(".config")),
        (None, None) => None,
    }
}

/// The options read before `args` (argv without `argv[0]`): those of the file named by `-o FILE`
/// (mosquitto 2.1) if one is given, otherwise those of the default options file ([`load`]). As in
/// mosquitto 2.1, every argument spelled exactly `-o` counts, even one that is the value of another
/// flag (`-m -o`), a second one is an error, and a file that cannot be read gives no options.
pub fn load_for(tool: Tool, args: &[OsString]) -> Result<Vec<Vec<OsString>>, Failure> {
    match explicit_file(args)? {
        Some(path) => Ok(std::fs::read(path)
            .map(|content| parse(&content))
            .unwrap_or_default()),
        None => Ok(load(tool)),
    }
}

/// The `-o FILE` of `args`, checked as mosquitto 2.1 checks it before anything else.
pub fn explicit_file(args: &[OsString]) -> Result<Option<PathBuf>, Failure> {
    let mut file = None;
    for (index, arg) in args.iter().enumerate() {
        if arg.as_bytes() != b"-o" {
            continue;
        }
        if file.is_some() {
            return Err(Failure::Usage {
                text: "Error: Duplicate -o argument given.\n\n".to_string(),
            });
        }
        match args.get(index + 1) {
            Some(path) => file = Some(PathBuf::from(path)),
            None => {
                return Err(Failure::Usage {
                    text: "Error: -o argument given but no options file specified.\n\n".to_string(),
                });
            }
        }
    }
    Ok(file)
}

/// Reads the default options of `tool` from the real environment: one argument list per line.
/// A missing or unreadable file means no defaults.
pub fn load(tool: Tool) -> Vec<Vec<OsString>> {
    let Some(dir) = config_dir(
        std::env::var_os("XDG_CONFIG_HOME"),
        std::env::var_os("HOME"),
    ) else {
        return Vec::new();
    };
    for name in file_names(tool) {
        let path = dir.join(name);
        if path.exists() {
            return std::fs::read(&path)
                .map(|content| parse(&content))
                .unwrap_or_default();
        }
    }
    Vec::new()
}

/// Splits the file's content into argument lists, one per (piece of a) line.
pub fn parse(content: &[u8]) -> Vec<Vec<OsString>> {
    let mut lists = Vec::new();
    for line in content.split_inclusive(|&byte| byte == b'\n') {
        for piece in line.chunks(LINE_PIECE) {
            if let Some(args) = split_line(piece) {
                lists.push(args);
            }
        }
    }
    lists
}

/// One line as mosquitto's `strtok(line, " ")` / `strtok(NULL, "")` sees it. `None` for comments and
/// blank lines.
fn split_line(piece: &[u8]) -> Option<Vec<OsString>> {
    if piece.first() == Some(&b'#') {
        return None;
    }
    let mut end = piece.len();
    while end > 0 && matches!(piece[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let line = &piece[..end];
    let start = line.iter().position(|&byte| byte != b' ')?;
    let rest = &line[start..];
    let (option, value) = match rest.iter().position(|&byte| byte == b' ') {
        Some(space) => (&rest[..space], &rest[space + 1..]),
        None => (rest, &rest[rest.len()..]),
    };
    let mut args = vec![OsString::from_vec(option.to_vec())];
    // strtok returns no token for an empty remainder.
    if !value.is_empty() {
        args.push(OsString::from_vec(value.to_vec()));
    }
    Some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(content: &[u8]) -> Vec<Vec<String>> {
        parse(content)
            .into_iter()
            .map(|args| {
                args.into_iter()
                    .map(|arg| arg.to_string_lossy().into_owned())
                    .collect()
            })
            .collect()
    }

    // Cases recorded in the config_xdg_* scenarios of the reference.
    #[test]
    fn value_is_everything_after_the_first_space() {
        assert_eq!(lines(b"-m hello   world\n"), [["-m", "hello   world"]]);
        assert_eq!(lines(b"-i myid   \n"), [["-i", "myid   "]]);
        assert_eq!(lines(b"-p 18831 -d\n"), [["-p", "18831 -d"]]);
        assert_eq!(lines(b"-p  18831\n"), [["-p", " 18831"]]);
    }

    #[test]
    fn crlf_blank_lines_leading_spaces_and_comments() {
        let content = b"-h 127.0.0.1\r\n\r\n\n   -p 18831\r\n-d\r\n# -q 2\n#comment\n-i crlfid\r\n";
        assert_eq!(
            lines(content),
            vec![
                vec!["-h", "127.0.0.1"],
                vec!["-p", "18831"],
                vec!["-d"],
                vec!["-i", "crlfid"],
            ]
        );
    }

    #[test]
    fn only_a_space_separates() {
        assert_eq!(lines(b"-p\t18831\n"), [["-p\t18831"]]);
        // A comment must start in the first column.
        assert_eq!(lines(b" # not a comment\n"), [["#", "not a comment"]]);
    }

    #[test]
    fn option_without_value_and_trailing_space() {
        assert_eq!(lines(b"-d\n-c \n"), [["-d"], ["-c"]]);
        assert_eq!(lines(b"-r"), [["-r"]]);
        assert!(lines(b"").is_empty());
        assert!(lines(b"   \n").is_empty());
    }

    #[test]
    fn long_lines_are_read_in_1023_byte_pieces() {
        let mut content = b"-m ".to_vec();
        content.extend(std::iter::repeat_n(b'x', 2000));
        content.push(b'\n');
        let parsed = lines(&content);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0][1].len(), 1020);
        assert_eq!(parsed[1], vec!["x".repeat(980)]);
    }

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn usage_text(result: Result<Option<PathBuf>, Failure>) -> String {
        match result {
            Err(Failure::Usage { text }) => text,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    // mosquitto 2.1.2: `mosquitto_pub -o`, `-o a -o b`, `-t a -m -o`.
    #[test]
    fn dash_o_is_found_anywhere_once_and_needs_a_value() {
        assert_eq!(
            explicit_file(&args(&["-t", "a", "-o", "f", "-m", "x"])).ok(),
            Some(Some(PathBuf::from("f")))
        );
        assert_eq!(explicit_file(&args(&["-t", "a"])).ok(), Some(None));
        assert_eq!(
            usage_text(explicit_file(&args(&["-o"]))),
            "Error: -o argument given but no options file specified.\n\n"
        );
        assert_eq!(
            usage_text(explicit_file(&args(&["-t", "a", "-m", "-o"]))),
            "Error: -o argument given but no options file specified.\n\n"
        );
        assert_eq!(
            usage_text(explicit_file(&args(&["-o", "a", "-o", "b"]))),
            "Error: Duplicate -o argument given.\n\n"
        );
        // The value of -m being "-o" still counts as -o.
        assert_eq!(
            explicit_file(&args(&["-m", "-o", "f"])).ok(),
            Some(Some(PathBuf::from("f")))
        );
    }

    #[test]
    fn dash_o_replaces_the_default_file_and_a_missing_file_gives_no_options() {
        let dir = std::env::temp_dir().join(format!("rpubsub-optfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("opts");
        std::fs::write(&file, b"-p 1884\n-d\n").unwrap();
        let given = args(&["-o", file.to_str().unwrap()]);
        let loaded = load_for(Tool::Pub, &given).unwrap();
        assert_eq!(loaded, vec![args(&["-p", "1884"]), args(&["-d"])]);
        let missing = args(&["-o", dir.join("missing").to_str().unwrap()]);
        assert!(load_for(Tool::Pub, &missing).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn xdg_config_home_wins_and_home_is_the_fallback() {
        assert_eq!(
            config_dir(Some("/x".into()), Some("/h".into())),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(
            config_dir(None, Some("/h".into())),
            Some(PathBuf::from("/h/.config"))
        );
        assert_eq!(config_dir(None, None), None);
    }
}
