//! The bash completion script.
//!
//! The script walks the words before the cursor with mosquitto's rule (a flag's value is the next
//! word, whatever it looks like; `-D` takes a command, a property name, then one value, or two for
//! `user-property`) to know what the word under the cursor is: a flag, the value of a flag, or one
//! of `-D`'s words. It uses bash-completion's `_get_comp_words_by_ref` when that is loaded (so a URL
//! or a cipher list with `:` stays one word) and plain `COMP_WORDS` otherwise.

use super::{Generate, generated_by, offered, property_flags, property_table, value_flags};
use crate::cli::table::ValueHint;
use crate::tool::Tool;

/// `word` quoted for the shell (single quotes).
pub(super) fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// A `case` pattern matching any of `names`.
fn pattern<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().map(quote).collect::<Vec<_>>().join("|")
}

/// `COMPREPLY` set to the words of `words` that start with the current word.
fn reply_words(words: &[&str]) -> String {
    format!(
        "mapfile -t COMPREPLY < <(compgen -W {} -- \"$cur\")",
        quote(&words.join(" "))
    )
}

/// The bash completion script of `tool`.
pub(super) fn script(tool: Tool) -> String {
    let name = tool.name();
    let function = format!("_{}", name.replace('-', "_"));
    let options: Vec<&str> = offered(tool)
        .flat_map(|flag| flag.names.iter().copied())
        .collect();
    let value_names: Vec<&str> = value_flags(tool)
        .flat_map(|flag| flag.names.iter().copied())
        .collect();
    let property_names: Vec<&str> = property_flags(tool)
        .flat_map(|flag| flag.names.iter().copied())
        .collect();

    let mut text = String::new();
    text.push_str(&format!(
        "# bash completion for {name}. {}\n",
        generated_by(tool, Generate::CompleteBash)
    ));
    text.push_str(&format!(
        "# Install as /usr/share/bash-completion/completions/{name}, or source it from ~/.bashrc.\n\n"
    ));
    text.push_str(&format!("{function}() {{\n"));
    text.push_str(
        "    local cur cword word i state=option command=\n    local -a words\n    COMPREPLY=()\n",
    );
    text.push_str(
        r#"    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n =: -c cur -w words -i cword
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
    fi
    # As the tool reads its arguments: a flag's value is the next word, whatever it looks like.
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        case $state in
            option)
                case $word in
"#,
    );
    if !property_names.is_empty() {
        text.push_str(&format!(
            "                    {}) state=property-command ;;\n",
            pattern(property_names.iter().copied())
        ));
    }
    if !value_names.is_empty() {
        text.push_str(&format!(
            "                    {}) state=\"value $word\" ;;\n",
            pattern(value_names.iter().copied())
        ));
    }
    text.push_str(
        r#"                esac
                ;;
            property-command) command=${word,,} state=property-name ;;
            property-name)
                if [[ ${word,,} == user-property ]]; then state=property-key; else state=property-value; fi
                ;;
            property-key) state=property-value ;;
            *) state=option ;;
        esac
    done
    case $state in
"#,
    );
    text.push_str(&format!("        option) {} ;;\n", reply_words(&options)));

    // The values of each flag that takes one, by hint; free text completes nothing.
    for flag in value_flags(tool) {
        let action = match flag.hint {
            ValueHint::Text | ValueHint::Property => continue,
            ValueHint::Host => {
                "mapfile -t COMPREPLY < <(compgen -A hostname -- \"$cur\")".to_string()
            }
            ValueHint::File => {
                "compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")"
                    .to_string()
            }
            ValueHint::Dir => {
                "compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")"
                    .to_string()
            }
            ValueHint::OneOf(words) => reply_words(words),
        };
        let states = flag.names.iter().map(|name| format!("value {name}"));
        text.push_str(&format!(
            "        {})\n            {action}\n            ;;\n",
            states
                .map(|state| quote(&state))
                .collect::<Vec<_>>()
                .join("|")
        ));
    }

    if !property_names.is_empty() {
        let table = property_table();
        let commands: Vec<&str> = table.iter().map(|(command, _)| *command).collect();
        text.push_str(&format!(
            "        property-command) {} ;;\n",
            reply_words(&commands)
        ));
        text.push_str("        property-name)\n            case $command in\n");
        for (command, names) in &table {
            text.push_str(&format!(
                "                {}) {} ;;\n",
                quote(command),
                reply_words(names)
            ));
        }
        text.push_str("            esac\n            ;;\n");
    }
    text.push_str(
        r#"    esac
    if declare -F __ltrim_colon_completions >/dev/null 2>&1; then
        __ltrim_colon_completions "$cur"
    fi
    return 0
}
"#,
    );
    text.push_str(&format!("complete -F {function} {name}\n"));
    text
}
