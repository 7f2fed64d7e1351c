//! What the binaries share around the library: the connection flags, one-line usage errors with clap's "did you
//! mean" hint, the exit codes, `--verbose` output, and signals (caught only once the commits begin).

use std::process::ExitCode;

use clap::error::ErrorKind;

use kafka_offsets::formats::settings::{ClientSettings, ConnectionFlags, ProtocolChoice, Trace};
use kafka_offsets::{Error, ExitStatus};

pub mod interrupt;

/// The longest timeout (about 24.8 days, Kafka's int milliseconds): longer ones are refused, never wrapped.
pub const MAX_TIMEOUT_MS: u64 = i32::MAX as u64;

/// When neither --dry-run nor --execute is given (Kafka 2.0+ warns too, in other words).
pub const NO_ACTION_WARNING: &str =
    "Warn: dry run: nothing is committed without --execute (--dry-run says so and leaves out this line)";

/// `--backup FILE`: only with `--execute`, never over an existing file, never stdout (which carries the table).
pub fn backup_path(backup: Option<&str>, execute: bool) -> Result<Option<std::path::PathBuf>, Error> {
    match backup {
        None => Ok(None),
        Some(_) if !execute => Err(Error::Usage("--backup needs --execute".into())),
        Some(path) if std::path::Path::new(path).exists() => {
            Err(Error::Usage(format!("--backup {path} already exists; give a new file")))
        }
        Some("-") => Err(Error::Usage("--backup needs a file name (stdout carries the table)".into())),
        Some(path) => Ok(Some(path.into())),
    }
}

/// A `--verbose` trace whose lines start with `prefix` (which cluster, for a tool that works on two).
pub fn trace(prefix: &'static str) -> Trace {
    Trace::new(move |line| eprintln!("{prefix}{line}"))
}

/// The flags both tools take to reach a cluster, besides the bootstrap list.
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// Client properties file (Java .properties, as for Kafka's tools): security.protocol, sasl.*, ssl.*, ...
    #[arg(long, value_name = "FILE")]
    pub command_config: Option<String>,

    /// Bound in ms for every call to the cluster, a commit included [default: default.api.timeout.ms from
    /// --command-config, else 30000].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_MS))]
    pub timeout: Option<u64>,

    /// How to find out the brokers' protocol: auto (ask the first broker that answers), legacy (Kafka 0.9, no
    /// ApiVersions) or modern (0.10+).
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub broker_protocol: ProtocolChoice,

    /// Print each connection and round of requests (brokers, requests, time) on stderr.
    #[arg(long)]
    pub verbose: bool,

    /// Print the effective client settings (secrets hidden) and exit without connecting.
    #[arg(long)]
    pub dump_config: bool,
}

impl ClientArgs {
    pub fn connection<'a>(&'a self, bootstrap: &'a str, client_id: &'a str) -> ConnectionFlags<'a> {
        ConnectionFlags {
            bootstrap,
            command_config: self.command_config.as_deref(),
            timeout_ms: self.timeout,
            protocol: self.broker_protocol,
            verbose: self.verbose,
            client_id,
        }
    }

    /// Validates the flags and reads `--command-config`: the settings (with `--verbose` output on stderr and the
    /// signal handling of the binaries) and the warnings to print.
    pub fn settings(&self, bootstrap: &str, client_id: &str) -> Result<(ClientSettings, Vec<String>), Error> {
        self.connection(bootstrap, client_id).settings_with(Some(trace("")), interrupt::stop_signal())
    }
}

/// Prints a run's error as one line (after `prefix`) and turns the outcome into the process exit code.
pub fn finish(outcome: Result<ExitStatus, Error>, prefix: &str) -> ExitCode {
    let status = outcome.unwrap_or_else(|e| {
        eprintln!("{prefix}{e}");
        e.exit_status()
    });
    ExitCode::from(status.code())
}

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
