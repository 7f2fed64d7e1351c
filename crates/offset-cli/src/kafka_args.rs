//! Kafka's option spelling. Kafka's tools parse their command line with jopt-simple, which also takes long options
//! with one dash (`-bootstrap-server B -topic t -time -2`, `-reset-offsets -to-earliest -execute`); runbooks carry
//! such lines. They are rewritten with two dashes before clap parses them. Values are never touched (`--time -2`,
//! `--shift-by -5`, `--by-duration -PT10M`), and a single-dash word that is no option gets one line naming it and
//! the nearest real option, instead of clap's reading of it as bundled short flags.

use std::ffi::OsString;

use clap::Command;
use kafka_offsets::error::shown;
use kafka_offsets::Error;

/// The long options of a command: their names, and whether each takes a value.
fn long_options(command: &Command) -> Vec<(String, bool)> {
    let mut options: Vec<(String, bool)> = command
        .get_arguments()
        .filter_map(|arg| arg.get_long().map(|long| (long.to_string(), arg.get_action().takes_values())))
        .collect();
    // clap's own flags.
    options.push(("help".into(), false));
    options.push(("version".into(), false));
    options
}

/// Rewrites `-long-option` as `--long-option` (also `-option=value`), leaving values, negative numbers, short
/// flags (`-h`) and everything after `--` as they are. The first argument (the program) is kept.
pub fn kafka_style_args(command: &Command, args: impl IntoIterator<Item = OsString>) -> Result<Vec<OsString>, Error> {
    let options = long_options(command);
    let takes_value = |name: &str| options.iter().find(|(n, _)| n == name).map(|(_, value)| *value);
    let mut out = Vec::new();
    let mut args = args.into_iter();
    out.extend(args.next());
    let mut value_next = false;
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str().map(str::to_string) else {
            out.push(arg);
            value_next = false;
            continue;
        };
        if std::mem::take(&mut value_next) {
            out.push(arg);
            continue;
        }
        if text == "--" {
            out.push(arg);
            out.extend(args.by_ref());
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (name, inline_value) = split_value(long);
            value_next = takes_value(name) == Some(true) && !inline_value;
            out.push(arg);
            continue;
        }
        let single_dash_word = text.len() > 2
            && text.starts_with('-')
            && text.as_bytes()[1].is_ascii_alphabetic()
            && text.as_bytes()[2] != b'=';
        if !single_dash_word {
            out.push(arg);
            continue;
        }
        let (name, inline_value) = split_value(&text[1..]);
        match takes_value(name) {
            Some(value) => {
                value_next = value && !inline_value;
                out.push(OsString::from(format!("-{text}")));
            }
            None => return Err(unknown(&text, name, &options)),
        }
    }
    Ok(out)
}

/// `name=value` as (name, whether a value is inline).
fn split_value(option: &str) -> (&str, bool) {
    match option.split_once('=') {
        Some((name, _)) => (name, true),
        None => (option, false),
    }
}

/// A single-dash word that is no option: named whole, with the nearest real option when one is close.
fn unknown(text: &str, name: &str, options: &[(String, bool)]) -> Error {
    let nearest = options
        .iter()
        .map(|(option, _)| (edit_distance(name, option), option))
        .filter(|(distance, option)| *distance <= 2.max(option.len() / 4))
        .min_by_key(|(distance, option)| (*distance, option.len()));
    match nearest {
        Some((_, option)) => Error::Usage(format!("unknown option '{}' (did you mean '--{option}'?)", shown(text))),
        None => Error::Usage(format!("unknown option '{}'", shown(text))),
    }
}

/// Levenshtein distance: insertions, deletions and substitutions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction};

    fn command() -> Command {
        Command::new("t")
            .arg(Arg::new("bootstrap-server").long("bootstrap-server").action(ArgAction::Set))
            .arg(Arg::new("time").long("time").action(ArgAction::Set).allow_hyphen_values(true))
            .arg(Arg::new("execute").long("execute").action(ArgAction::SetTrue))
            .arg(Arg::new("topic").long("topic").action(ArgAction::Append))
    }

    fn rewrite(args: &[&str]) -> Result<Vec<String>, String> {
        let args = std::iter::once("t").chain(args.iter().copied()).map(OsString::from);
        kafka_style_args(&command(), args)
            .map(|out| out.into_iter().skip(1).map(|a| a.into_string().unwrap()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn single_dash_long_options_get_two() {
        assert_eq!(
            rewrite(&["-bootstrap-server", "b:1", "-topic", "t", "-time", "-2", "-execute"]).unwrap(),
            ["--bootstrap-server", "b:1", "--topic", "t", "--time", "-2", "--execute"]
        );
        assert_eq!(rewrite(&["-time=-1", "-topic=-x"]).unwrap(), ["--time=-1", "--topic=-x"]);
    }

    #[test]
    fn values_short_flags_and_numbers_are_left_alone() {
        // A value that looks like an option (a topic named -execute) stays a value.
        assert_eq!(rewrite(&["--topic", "-execute", "--time", "-1"]).unwrap(), ["--topic", "-execute", "--time", "-1"]);
        assert_eq!(rewrite(&["-h"]).unwrap(), ["-h"]);
        assert_eq!(rewrite(&["-5", "-1x"]).unwrap(), ["-5", "-1x"]);
        assert_eq!(rewrite(&["--", "-execute"]).unwrap(), ["--", "-execute"]);
        assert_eq!(rewrite(&["-help"]).unwrap(), ["--help"]);
    }

    #[test]
    fn a_misspelt_option_is_named_whole_with_the_nearest() {
        assert_eq!(rewrite(&["-excute"]).unwrap_err(), "unknown option '-excute' (did you mean '--execute'?)");
        assert_eq!(
            rewrite(&["-bootstrap-sever", "b:1"]).unwrap_err(),
            "unknown option '-bootstrap-sever' (did you mean '--bootstrap-server'?)"
        );
        assert_eq!(rewrite(&["-zzzzzz"]).unwrap_err(), "unknown option '-zzzzzz'");
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("excute", "execute"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
