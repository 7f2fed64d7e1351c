//! What both binaries do the same way around their flags: one-line usage errors with clap's "did you mean" hint,
//! and the exit code for them.

use std::process::ExitCode;

use clap::error::ErrorKind;

use crate::ExitStatus;

/// Reduces a clap error to one line: its message, plus its tip when it has one.
pub fn one_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let message = lines.next().unwrap_or("invalid arguments");
    let message = message.strip_prefix("error: ").unwrap_or(message);
    match lines.find(|l| l.starts_with("tip:")) {
        Some(tip) => format!("{message} ({tip})"),
        None => message.to_string(),
    }
}

/// Prints help or version on stdout (exit 0), or a usage error as one line on stderr (exit 2).
pub fn clap_exit(error: clap::Error, prefix: &str) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{prefix}{}", one_line(&error));
            ExitCode::from(ExitStatus::Usage.code())
        }
    }
}
