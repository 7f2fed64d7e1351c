//! What the binaries share around the library: the connection flags, one-line usage errors with clap's "did you
//! mean" hint, the exit codes, `--verbose` output, and signals (caught only once the commits begin).

use std::process::ExitCode;

use clap::error::ErrorKind;

use kafka_offsets::formats::settings::{ClientSettings, ConnectionFlags, ProtocolChoice, Trace};
use kafka_offsets::{Error, ExitStatus};

pub mod interrupt;
pub mod kafka_args;

/// The longest timeout (about 24.8 days, Kafka's int milliseconds): longer ones are refused, never wrapped.
pub const MAX_TIMEOUT_MS: u64 = i32::MAX as u64;

/// When neither --dry-run nor --execute is given (Kafka 2.0+ warns too, in other words).
pub const NO_ACTION_WARNING: &str =
    "Warn: dry run: nothing is committed without --execute (--dry-run says so and leaves out this line)";

/// The same for copy-topics, which creates topics.
pub const NO_CREATION_WARNING: &str =
    "Warn: dry run: nothing is created without --execute (--dry-run says so and leaves out this line)";

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
            dump_only: self.dump_config,
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

/// The two clusters of the migration tools (migrate-groups, copy-topics).
#[derive(Debug, clap::Args)]
pub struct ClusterPair {
    /// The old cluster's servers, as host1:port1,host2:port2 (needed). Nothing is written to it.
    #[arg(long, value_name = "HOST:PORT,...")]
    pub from: Option<String>,

    /// The new cluster's servers (needed).
    #[arg(long, value_name = "HOST:PORT,...")]
    pub to: Option<String>,

    /// Client properties file for the old cluster (Java .properties, as for Kafka's tools).
    #[arg(long, value_name = "FILE")]
    pub from_command_config: Option<String>,

    /// Client properties file for the new cluster.
    #[arg(long, value_name = "FILE")]
    pub to_command_config: Option<String>,
}

/// How a migration tool runs: its bound on calls, its trace, its settings dump.
#[derive(Debug, clap::Args)]
pub struct PairRunArgs {
    /// Bound in ms for every call to either cluster [default: default.api.timeout.ms from the properties files, else
    /// 30000].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_MS))]
    pub timeout: Option<u64>,

    /// Print each connection and round of requests, per cluster, on stderr.
    #[arg(long)]
    pub verbose: bool,

    /// Print both clusters' effective client settings (secrets hidden) and exit without connecting.
    #[arg(long)]
    pub dump_config: bool,
}

impl ClusterPair {
    /// Both clusters must be given (Kafka's wording for a missing required argument).
    pub fn require(&self) -> Result<(&str, &str), Error> {
        let missing = |flag: &str| Error::Usage(format!("Missing required argument \"[{flag}]\""));
        let from = self.from.as_deref().ok_or_else(|| missing("from"))?;
        let to = self.to.as_deref().ok_or_else(|| missing("to"))?;
        Ok((from, to))
    }

    /// Both clusters' settings (their properties files read, warnings added to `notes` with the cluster named), one
    /// stop signal for the run. The two must be different clusters.
    pub fn settings(
        &self,
        run: &PairRunArgs,
        client_id: &str,
        notes: &mut Vec<String>,
    ) -> Result<(ClientSettings, ClientSettings), Error> {
        let (from, to) = if run.dump_config {
            (self.from.as_deref().unwrap_or_default(), self.to.as_deref().unwrap_or_default())
        } else {
            self.require()?
        };
        let servers = |raw: &str| -> Result<Vec<_>, Error> {
            let mut servers = kafka_offsets::formats::settings::parse_bootstrap(raw)?;
            servers.sort();
            servers.dedup();
            Ok(servers)
        };
        if !run.dump_config && servers(from)? == servers(to)? {
            return Err(Error::Usage("--from and --to name the same servers: give the old and the new cluster".into()));
        }
        let stop = interrupt::stop_signal();
        let mut cluster = |bootstrap: &str, command_config: Option<&str>, prefix: &'static str| {
            let flags = ConnectionFlags {
                bootstrap,
                dump_only: run.dump_config,
                command_config,
                timeout_ms: run.timeout,
                protocol: ProtocolChoice::Auto,
                verbose: run.verbose,
                client_id,
            };
            let (settings, warnings) = flags.settings_with(Some(trace(prefix)), stop.clone())?;
            notes.extend(warnings.into_iter().map(|w| format!("Warn: {prefix}{w}")));
            Ok::<_, Error>(settings)
        };
        let old = cluster(from, self.from_command_config.as_deref(), "old cluster: ")?;
        let new = cluster(to, self.to_command_config.as_deref(), "new cluster: ")?;
        Ok((old, new))
    }
}

/// `--dump-config` of a migration tool: both clusters' settings on stdout.
pub fn dump_pair(old: &ClientSettings, new: &ClientSettings) {
    println!("# old cluster (--from)");
    kafka_offsets::formats::settings::dump(old).iter().for_each(|line| println!("{line}"));
    println!("# new cluster (--to)");
    kafka_offsets::formats::settings::dump(new).iter().for_each(|line| println!("{line}"));
}

/// Writes a run's results on stdout, buffered; a reader that went away (a broken pipe) ends the output quietly.
pub fn print_stdout(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<(), Error> {
    use std::io::Write as _;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The `Note:` line that shows what a date-time flag resolved to, so that a time-zone mistake is visible.
pub fn datetime_note(flag: &str, raw: &str, resolved: &kafka_offsets::formats::time::ResolvedDateTime) -> String {
    let zone = if resolved.zone_given { "" } else { "; no zone was given, so UTC" };
    format!("Note: {flag} {raw} is {} ({} ms since the epoch{zone})", resolved.utc(), resolved.epoch_ms)
}

/// The start of a migration tool's run, once its flags are read: with `--dump-config`, the notes and both
/// clusters' settings, and true (the run ends there); otherwise the dry-run `warning` when neither `--dry-run` nor
/// `--execute` was given, then the notes.
pub fn pair_preamble(
    run: &PairRunArgs,
    action_given: bool,
    warning: &str,
    notes: &[String],
    old: &ClientSettings,
    new: &ClientSettings,
) -> bool {
    if run.dump_config {
        notes.iter().for_each(|note| eprintln!("{note}"));
        dump_pair(old, new);
        return true;
    }
    if !action_given {
        eprintln!("{warning}");
    }
    notes.iter().for_each(|note| eprintln!("{note}"));
    false
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

/// Parses the command line of a binary, with Kafka's single-dash long options accepted; on a usage error (or
/// `--help`, `--version`) prints it and gives the exit code.
pub fn parse<P: clap::Parser>() -> Result<P, ExitCode> {
    let args =
        kafka_args::kafka_style_args(&P::command(), std::env::args_os()).map_err(|e| finish(Err(e), "Error: "))?;
    P::try_parse_from(args).map_err(|e| clap_exit(e, "Error: "))
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
