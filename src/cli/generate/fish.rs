//! The fish completion script.
//!
//! fish's own option model would read `-m -q` as two flags; the tool reads `-q` as the message. So a
//! helper function walks the words before the cursor with the tool's rule (as the bash script does)
//! and every completion is conditional on what it finds: a flag, the value of a given flag, or one of
//! `-D`'s words.

use super::{
    Generate, generated_by, offered, one_line, property_flags, property_table, value_flags,
};
use crate::cli::table::ValueHint;
use crate::tool::Tool;

/// The fish completion script of `tool`.
pub(super) fn script(tool: Tool) -> String {
    let name = tool.name();
    let state = format!("__{}_state", name.replace('-', "_"));
    let value_names: Vec<&str> = value_flags(tool)
        .flat_map(|flag| flag.names.iter().copied())
        .collect();
    let property_names: Vec<&str> = property_flags(tool)
        .flat_map(|flag| flag.names.iter().copied())
        .collect();

    let mut text = String::new();
    text.push_str(&format!(
        "# fish completion for {name}. {}\n",
        generated_by(tool, Generate::CompleteFish)
    ));
    text.push_str(&format!(
        "# Install as {name}.fish in a directory of $fish_complete_path.\n\n"
    ));
    text.push_str(&format!(
        "# Succeeds when the word being completed is what the arguments say (option, value FLAG,\n\
         # property-command, property-name COMMAND, ...): a flag's value is the next word, whatever\n\
         # it looks like.\n\
         function {state}\n"
    ));
    text.push_str(
        "    set -l state option\n    set -l command\n    for word in (commandline -opc)[2..-1]\n        switch $state[1]\n            case option\n                switch $word\n",
    );
    if !property_names.is_empty() {
        text.push_str(&format!(
            "                    case {}\n                        set state property-command\n",
            words(&property_names)
        ));
    }
    if !value_names.is_empty() {
        text.push_str(&format!(
            "                    case {}\n                        set state value $word\n",
            words(&value_names)
        ));
    }
    text.push_str(
        r#"                end
            case property-command
                set command (string lower -- $word)
                set state property-name $command
            case property-name
                if test (string lower -- $word) = user-property
                    set state property-key
                else
                    set state property-value
                end
            case property-key
                set state property-value
            case '*'
                set state option
        end
    end
    test "$state" = "$argv"
end

"#,
    );
    text.push_str(&format!(
        "# No file names unless a value is one.\ncomplete -c {name} -f\n\n"
    ));

    for flag in offered(tool) {
        let mut line = format!("complete -c {name} -n '{state} option'");
        for flag_name in flag.names {
            match flag_name.strip_prefix("--") {
                Some(long) => line.push_str(&format!(" -l {}", quote(long))),
                // fish's -o is a single-dash long option, which is what a one-letter flag is too.
                None => line.push_str(&format!(" -o {}", quote(flag_name.trim_start_matches('-')))),
            }
        }
        line.push_str(&format!(" -d {}\n", quote(&one_line(flag.help))));
        text.push_str(&line);
    }
    text.push('\n');

    for flag in value_flags(tool) {
        let action = match flag.hint {
            ValueHint::Text | ValueHint::Property => continue,
            ValueHint::Host => "-a '(__fish_print_hostnames)'".to_string(),
            ValueHint::File => "-F".to_string(),
            ValueHint::Dir => "-a '(__fish_complete_directories (commandline -ct))'".to_string(),
            ValueHint::OneOf(values) => format!("-a {}", quote(&values.join(" "))),
        };
        for flag_name in flag.names {
            text.push_str(&format!(
                "complete -c {name} -n {} {action}\n",
                quote(&format!("{state} value {flag_name}"))
            ));
        }
    }

    if !property_names.is_empty() {
        let table = property_table();
        let commands: Vec<&str> = table.iter().map(|(command, _)| *command).collect();
        text.push_str(&format!(
            "complete -c {name} -n '{state} property-command' -a {}\n",
            quote(&commands.join(" "))
        ));
        for (command, names) in &table {
            text.push_str(&format!(
                "complete -c {name} -n '{state} property-name {command}' -a {}\n",
                quote(&names.join(" "))
            ));
        }
    }
    text
}

/// `word` quoted for fish (single quotes, in which fish reads `\\` and `\'` as escapes).
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\\', r"\\").replace('\'', r"\'"))
}

/// Words for a `case` of fish's `switch`, each quoted.
fn words(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| quote(name))
        .collect::<Vec<_>>()
        .join(" ")
}
