//! The zsh completion function, built on `_arguments`.
//!
//! Every flag is declared repeatable (`*`): the tool accepts a flag again (the last value wins, or
//! the values add up). A flag's value is the next word (`_arguments`' plain `-x` form, never `-x+` or
//! `--x=`, which the tool does not accept). `-D` declares its three words; the property names offered
//! depend on the command before them.

use super::bash::quote;
use super::{Generate, generated_by, offered, one_line, property_table};
use crate::cli::table::{Flag, Takes, ValueHint};
use crate::tool::Tool;

/// `text` for the inside of `_arguments`' `[...]` explanation or a `:message:` part.
fn spec_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']' | ':') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The `_arguments` action completing a value with this hint.
fn action(hint: ValueHint) -> String {
    match hint {
        // A single space: show the message, complete nothing.
        ValueHint::Text | ValueHint::Property => " ".to_string(),
        ValueHint::Host => "_hosts".to_string(),
        ValueHint::File => "_files".to_string(),
        ValueHint::Dir => "_files -/".to_string(),
        ValueHint::OneOf(words) => format!("({})", words.join(" ")),
    }
}

/// The `_arguments` specification of `flag`, quoted for the shell.
fn spec(flag: &Flag, property_names: &str) -> String {
    let names = match flag.names {
        [one] => (*one).to_string(),
        more => format!("{{{}}}", more.join(",")),
    };
    let mut rest = format!("[{}]", spec_text(&one_line(flag.help)));
    match flag.takes {
        Takes::Nothing => {}
        Takes::Value { name, .. } => {
            rest.push_str(&format!(":{}:{}", spec_text(name.help), action(flag.hint)));
        }
        Takes::PropertyValues { .. } => {
            let commands: Vec<&str> = property_table()
                .into_iter()
                .map(|(command, _)| command)
                .collect();
            rest.push_str(&format!(
                ":COMMAND:({}):NAME:{property_names}:VALUE: ",
                commands.join(" ")
            ));
        }
    }
    // `*{-h,--host}'[...]'`: brace expansion makes one specification per name.
    format!("'*'{names}{}", quote(&rest))
}

/// The zsh completion function of `tool` (the file `_<tool>`).
pub(super) fn script(tool: Tool) -> String {
    let name = tool.name();
    let function = format!("_{}", name.replace('-', "_"));
    let property_names = format!("{function}_property_names");

    let mut text = format!("#compdef {name}\n");
    text.push_str(&format!(
        "# zsh completion for {name}. {}\n",
        generated_by(tool, Generate::CompleteZsh)
    ));
    text.push_str(&format!(
        "# Install as {function} in a directory of $fpath (Debian: /usr/share/zsh/vendor-completions).\n\n"
    ));

    text.push_str(&format!(
        "# -D's property names, for the command before them.\n{property_names}() {{\n    case ${{(L)words[CURRENT-1]}} in\n"
    ));
    for (command, names) in property_table() {
        text.push_str(&format!(
            "        ({command}) compadd -- {} ;;\n",
            names.join(" ")
        ));
    }
    text.push_str("    esac\n}\n\n");

    text.push_str(&format!("{function}() {{\n    _arguments \\\n"));
    let specs: Vec<String> = offered(tool)
        .map(|flag| spec(flag, &property_names))
        .collect();
    text.push_str(
        &specs
            .iter()
            .map(|spec| format!("        {spec}"))
            .collect::<Vec<_>>()
            .join(" \\\n"),
    );
    text.push_str("\n}\n\n");
    text.push_str(&format!(
        "if [ \"$funcstack[1]\" = \"{function}\" ]; then\n    {function} \"$@\"\nelse\n    compdef {function} {name}\nfi\n"
    ));
    text
}
