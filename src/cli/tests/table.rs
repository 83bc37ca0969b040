//! The flag table itself: every row complete, one row per name and tool, and each tool's help and
//! synopsis made of exactly its rows.

use super::*;
use crate::cli::help::{flag_column, synopsis};
use crate::cli::table::{FLAGS, Section, Takes, ValueHint, flags, lookup};

#[test]
fn every_flag_has_help_text_for_each_tool_that_accepts_it() {
    let mut missing = Vec::new();
    for tool in Tool::ALL {
        for flag in flags(tool) {
            let lines_ok = flag.help.split('\n').all(|line| !line.trim().is_empty());
            let forms_ok = flag
                .forms
                .iter()
                .all(|(form, text)| !form.trim().is_empty() && !text.trim().is_empty());
            let value_ok = flag
                .takes
                .name()
                .is_none_or(|name| !name.help.is_empty() && !name.synopsis.is_empty());
            if !lines_ok || !forms_ok || !value_ok {
                missing.push(format!("{tool:?} {:?}", flag.names));
            }
        }
    }
    assert!(missing.is_empty(), "flags without help text: {missing:?}");
}

#[test]
fn a_name_means_one_flag_per_tool() {
    for tool in Tool::ALL {
        for flag in flags(tool) {
            assert!(
                (1..=2).contains(&flag.names.len())
                    && flag.names.iter().all(|name| name.starts_with('-'))
                    && flag
                        .names
                        .iter()
                        .filter(|name| !name.starts_with("--"))
                        .count()
                        <= 1
                    && flag
                        .names
                        .iter()
                        .filter(|name| name.starts_with("--"))
                        .count()
                        <= 1,
                "{:?}: at most one short and one long name",
                flag.names
            );
            for name in flag.names {
                let rows = flags(tool)
                    .filter(|other| other.names.contains(name))
                    .count();
                assert_eq!(rows, 1, "{tool:?} {name}: one row only");
                assert!(std::ptr::eq(
                    lookup(tool, name.as_bytes()).expect("found"),
                    flag
                ));
            }
        }
    }
    assert!(FLAGS.iter().all(|flag| flag.tools.iter().count() > 0));
}

#[test]
fn missing_values_have_mosquittos_error_shape() {
    for flag in FLAGS {
        if let Takes::Value { missing, .. } = flag.takes {
            assert!(
                missing.starts_with("Error: ")
                    && missing.contains(" argument given but ")
                    && missing.ends_with(" specified.\n\n"),
                "{:?}: {missing:?}",
                flag.names
            );
        }
    }
}

/// Each tool's help lists exactly the flags it accepts (the refused ones are named in the notes), each
/// with its own help line.
#[test]
fn each_help_lists_exactly_its_tools_flags() {
    for tool in Tool::ALL {
        let text = usage_text(tool, tool.name());
        for flag in FLAGS {
            let first_line = flag.help.split('\n').next().unwrap_or_default();
            let listed = text.contains(&format!("  {}", flag_column(flag)))
                && text.contains(&format!(" {first_line}\n"));
            let expected = flag.tools.contains(tool) && flag.section != Section::Refused;
            assert_eq!(listed, expected, "{tool:?} help and {:?}", flag.names);
        }
    }
}

#[test]
fn the_synopsis_names_only_flags_of_its_tool() {
    for tool in Tool::ALL {
        let synopsis = synopsis(tool, tool.name());
        assert!(
            !synopsis.contains('<') && !synopsis.contains('>'),
            "{tool:?}: a flag of the template is not in the table:\n{synopsis}"
        );
    }
}

/// What the man pages and completion scripts need from each row, beyond the help text that
/// `every_flag_has_help_text_for_each_tool_that_accepts_it` checks.
#[test]
fn every_row_has_what_the_generators_need() {
    for flag in FLAGS {
        let names = flag.names;
        assert!(
            !flag.help.contains(['\t', '\r', '\\']) && !flag.help.starts_with(['.', '\'']),
            "{names:?}: help text with a control character or roff request"
        );
        match (flag.takes, flag.hint) {
            (Takes::Nothing, hint) => {
                assert_eq!(
                    hint,
                    ValueHint::Text,
                    "{names:?}: a switch has no value to hint"
                )
            }
            (Takes::PropertyValues { .. }, hint) => assert_eq!(hint, ValueHint::Property),
            (Takes::Value { name, .. }, hint) => {
                assert!(
                    !name.help.trim().is_empty() && !name.help.contains(['[', ']', ':', '\'']),
                    "{names:?}: value name {:?}",
                    name.help
                );
                assert_ne!(hint, ValueHint::Property, "{names:?}");
                if let ValueHint::OneOf(words) = hint {
                    assert!(
                        !words.is_empty()
                            && words.iter().all(|word| {
                                !word.is_empty()
                                    && word.bytes().all(|b| b.is_ascii_graphic() && b != b'\'')
                            }),
                        "{names:?}: {words:?}"
                    );
                }
            }
        }
    }
}
