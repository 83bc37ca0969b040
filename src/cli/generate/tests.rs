//! The generated man pages and completion scripts, checked with the real programs: `man` renders
//! the pages without warnings, bash, zsh and fish read the scripts, and bash and fish complete what
//! they should. These programs are installed by scripts/test.sh; a missing one fails the test with
//! that hint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::man::{examples, exit_rows};
use super::{Generate, generate};
use crate::cli::parse::ArgProcessor;
use crate::cli::table::{self, ValueHint};
use crate::tool::Tool;

const INSTALL_HINT: &str = "install it with scripts/test.sh (apt-get install -y man-db groff-base bash-completion zsh fish)";

/// A directory of its own for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("rpubsub-generate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a generated file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `program` with `args` (and `env`), failing the test with the install hint when it is missing.
fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(program);
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program} ({error}): {INSTALL_HINT}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The page rendered by man as a reader sees it (80 columns), after checking that man and groff
/// have nothing to warn about.
fn render_man(page: &Path) -> String {
    let path = page.to_str().expect("a UTF-8 path");
    let output = run(
        "man",
        &["--warnings", "-l", path],
        &[
            ("MANPAGER", "cat"),
            ("MANWIDTH", "80"),
            ("LC_ALL", "C.UTF-8"),
        ],
    );
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "man --warnings -l {path}: {:?}\n{}",
        output.status,
        text(&output.stderr)
    );
    text(&output.stdout)
}

#[test]
fn man_pages_render_without_warnings_and_name_every_flag() {
    let dir = TempDir::new("man");
    for tool in Tool::ALL {
        let page = dir.write(
            &format!("{}.1", tool.name()),
            &generate(tool, Generate::Man),
        );
        let rendered = render_man(&page);
        for heading in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXIT STATUS",
            "FILES",
            "ENVIRONMENT",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(
                rendered.contains(&format!("\n{heading}\n")),
                "{tool:?}: no {heading} section:\n{rendered}"
            );
        }
        // Every name of every flag of the tool, as an option tag (at the start of its line).
        for flag in table::flags(tool) {
            for name in flag.names {
                let listed = rendered.lines().any(|line| {
                    let line = line.trim_start();
                    line.starts_with(&format!("{name} "))
                        || line.starts_with(&format!("{name},"))
                        || line == *name
                        || line.contains(&format!(", {name}"))
                });
                assert!(listed, "{tool:?}: {name} is not in the man page");
            }
        }
        assert!(
            rendered.contains(&format!("{}(1)", tool.mosquitto_name())),
            "{tool:?}: SEE ALSO"
        );
    }
}

#[test]
fn the_exit_status_section_is_the_table_of_docs_exit_codes() {
    let rows = exit_rows();
    assert!(
        rows.len() >= 20,
        "docs/exit-codes.md: the table (| Code | When | stderr | Tool |) was not found"
    );
    for row in &rows {
        assert!(
            Tool::ALL.iter().any(|&tool| row.applies_to(tool)),
            "docs/exit-codes.md: the Tool column of {row:?} names no tool"
        );
    }
    for tool in Tool::ALL {
        let page = generate(tool, Generate::Man);
        let section = page
            .split(".SH EXIT STATUS")
            .nth(1)
            .and_then(|rest| rest.split(".SH ").next())
            .expect("an EXIT STATUS section");
        let documented: Vec<_> = rows.iter().filter(|row| row.applies_to(tool)).collect();
        assert!(
            documented.iter().any(|row| row.code == "0")
                && documented.iter().any(|row| row.code == "1"),
            "{tool:?}: exit statuses 0 and 1"
        );
        let tags = section.matches(".TP\n").count();
        assert_eq!(tags, documented.len(), "{tool:?}: one entry per row");
        for row in documented {
            assert!(
                section.contains(&format!(".TP\n\\fB{}\\fR\n", row.code.replace('-', "\\-"))),
                "{tool:?}: exit status {}",
                row.code
            );
        }
    }
    // rsub's time-out and rpub -l's refused publish are in their own page only.
    let pub_page = generate(Tool::Pub, Generate::Man);
    let sub_page = generate(Tool::Sub, Generate::Man);
    assert!(sub_page.contains("\\fB27\\fR") && !pub_page.contains("\\fB27\\fR"));
    assert!(pub_page.contains("\\fB10\\fR") && !sub_page.contains("\\fB10\\fR"));
}

/// The words a completion offers for a value are words the parser accepts there.
#[test]
fn completed_values_are_accepted_by_the_parser() {
    for tool in Tool::ALL {
        for flag in table::flags(tool) {
            let ValueHint::OneOf(words) = flag.hint else {
                continue;
            };
            for name in flag.names {
                for word in words {
                    let mut processor = ArgProcessor::new(tool, tool.name());
                    let result = processor.process(&[*name, *word]);
                    assert!(result.is_ok(), "{tool:?} {name} {word}: {result:?}");
                }
            }
        }
    }
}

/// A command line of an example split into words as the shell would (double quotes, `\` at the
/// end of a line going on in the next; nothing else is used there).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.replace(" \\\n", " ").chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            ' ' | '\n' if !quoted => words.extend(word.take()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[test]
fn examples_use_flags_the_tools_accept() {
    let mut count = 0;
    for (text, commands) in examples() {
        assert!(!text.is_empty() && !commands.is_empty(), "{text:?}");
        let mut joined = String::new();
        for line in &commands {
            joined.push_str(line);
            joined.push(if line.ends_with(" \\") { '\n' } else { '\0' });
        }
        for command in joined.split('\0').filter(|command| !command.is_empty()) {
            let words = shell_words(command);
            let words: Vec<&str> = words
                .iter()
                .map(String::as_str)
                .skip_while(|word| word.contains('=') && !word.starts_with('-'))
                .collect();
            let program = words[0];
            let tool = Tool::ALL
                .into_iter()
                .find(|tool| tool.name() == program || tool.mosquitto_name() == program)
                .unwrap_or_else(|| panic!("{program}: not one of the tools"));
            let mut processor = ArgProcessor::new(tool, program);
            let result = processor.process(&words[1..]);
            assert_eq!(result, Ok(None), "{command:?}");
            count += 1;
        }
    }
    assert_eq!(count, 8, "every command line of the examples was checked");
}

#[test]
fn generate_names_round_trip() {
    for kind in Generate::ALL {
        assert_eq!(Generate::from_name(kind.name().as_bytes()), Some(kind));
    }
    assert_eq!(Generate::from_name(b"MAN"), None);
    assert_eq!(Generate::from_name(b"bash"), None);
}

/// `tool`'s bash script sourced (after bash-completion's own script when `with_bash_completion`),
/// then each command line completed as if TAB were pressed at its end: the completions, one line
/// per command line, words separated by spaces.
fn bash_complete(
    tool_scripts: &[PathBuf],
    with_bash_completion: bool,
    lines: &[&str],
) -> Vec<String> {
    let mut script = String::new();
    if with_bash_completion {
        let main = "/usr/share/bash-completion/bash_completion";
        assert!(
            Path::new(main).exists(),
            "{main} is missing: {INSTALL_HINT}"
        );
        script.push_str(&format!("source {main}\n"));
    }
    for path in tool_scripts {
        script.push_str(&format!("source '{}'\n", path.display()));
    }
    // COMP_WORDS as bash would split the line (on blanks; the line's last word may be empty).
    script.push_str(
        r#"complete_line() {
    COMP_LINE=$1
    COMP_POINT=${#COMP_LINE}
    read -r -a COMP_WORDS <<< "$COMP_LINE"
    [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    local spec function
    spec=$(complete -p "${COMP_WORDS[0]}") || { echo "no completion for ${COMP_WORDS[0]}"; return; }
    function=${spec#*-F }
    function=${function%% *}
    "$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "${COMPREPLY[*]}"
}
"#,
    );
    for line in lines {
        script.push_str(&format!("complete_line '{line}'\n"));
    }
    let output = run("bash", &["--norc", "-c", &script], &[]);
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "bash: {}",
        text(&output.stderr)
    );
    text(&output.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_flags_values_and_property_words() {
    let dir = TempDir::new("bash");
    let scripts: Vec<PathBuf> = Tool::ALL
        .iter()
        .map(|&tool| dir.write(tool.name(), &generate(tool, Generate::CompleteBash)))
        .collect();
    std::fs::create_dir(dir.0.join("certs")).expect("a directory");
    std::fs::write(dir.0.join("ca.crt"), "").expect("a file");
    let base = dir.0.display().to_string();
    let lines = [
        "rpub --tls-v".to_string(),
        "rpub -q ".to_string(),
        "rsub -D sub".to_string(),
        "rsub -D subscribe ".to_string(),
        "rpub -D PUBLISH user-property key value -V mqttv3".to_string(),
        // mosquitto's rule: -q is the message here, so a flag comes next, not a QoS.
        "rpub -m -q --retai".to_string(),
        format!("rpub --capath {base}/c"),
        format!("rpub --cafile {base}/ca"),
        "rsub --generate complete-".to_string(),
        "rsub --tls-version ".to_string(),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let expected = [
        "--tls-version".to_string(),
        "0 1 2".to_string(),
        "subscribe".to_string(),
        "subscription-identifier user-property".to_string(),
        "mqttv311 mqttv31".to_string(),
        "--retain".to_string(),
        format!("{base}/certs"),
        format!("{base}/ca.crt"),
        "complete-bash complete-zsh complete-fish".to_string(),
        "tlsv1.3 tlsv1.2".to_string(),
    ];
    for with_bash_completion in [false, true] {
        let got = bash_complete(&scripts, with_bash_completion, &lines);
        assert_eq!(
            got, expected,
            "with bash-completion loaded: {with_bash_completion}"
        );
    }
}

#[test]
fn zsh_and_fish_read_their_scripts() {
    let dir = TempDir::new("shells");
    for tool in Tool::ALL {
        let zsh = dir.write(
            &format!("_{}", tool.name()),
            &generate(tool, Generate::CompleteZsh),
        );
        let output = run("zsh", &["-n", zsh.to_str().expect("UTF-8")], &[]);
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "zsh -n: {}",
            text(&output.stderr)
        );
        let fish = dir.write(
            &format!("{}.fish", tool.name()),
            &generate(tool, Generate::CompleteFish),
        );
        let output = run("fish", &["-n", fish.to_str().expect("UTF-8")], &[]);
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "fish -n: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn fish_completes_flags_values_and_property_words() {
    let dir = TempDir::new("fish");
    let mut script = String::new();
    for tool in Tool::ALL {
        let path = dir.write(
            &format!("{}.fish", tool.name()),
            &generate(tool, Generate::CompleteFish),
        );
        script.push_str(&format!("source '{}'\n", path.display()));
    }
    let cases = [
        ("rpub --tls-v", "--tls-version"),
        ("rpub -q ", "0 1 2"),
        ("rsub -D sub", "subscribe"),
        (
            "rsub -D subscribe ",
            "subscription-identifier user-property",
        ),
        ("rpub -m -q --retai", "--retain"),
        ("rsub --keyform ", "pem"),
    ];
    for (line, _) in cases {
        script.push_str(&format!(
            "echo (complete -C '{line}' | string replace -r '\\t.*' '')\n"
        ));
    }
    let output = run("fish", &["--no-config", "-c", &script], &[]);
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "fish: {}",
        text(&output.stderr)
    );
    let got = text(&output.stdout);
    let got: Vec<&str> = got.lines().collect();
    let expected: Vec<&str> = cases.iter().map(|(_, words)| *words).collect();
    assert_eq!(got, expected);
}
