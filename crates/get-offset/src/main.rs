//! get-offset: a drop-in replacement for Kafka's GetOffsetShell.

mod cli;

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use kafka_offsets::config::{self, ClientSettings};
use kafka_offsets::format::write_offsets;
use kafka_offsets::lookup::{OffsetLookup, OffsetReport};
use kafka_offsets::select::{self, Selector, TopicPattern};
use kafka_offsets::time::OffsetSpec;
use kafka_offsets::{Error, ExitStatus};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(e) => return kafka_offsets::cli_support::clap_exit(e, "Error occurred: "),
    };
    let status = match run(args) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("Error occurred: {e}");
            e.exit_status()
        }
    };
    ExitCode::from(status.code())
}

/// Turns the flags into a lookup, checking everything Kafka checks before connecting.
fn lookup(args: cli::Args, warnings: &mut Vec<String>) -> Result<OffsetLookup, Error> {
    let bootstrap = match (&args.bootstrap_server, &args.broker_list) {
        (Some(servers), _) | (None, Some(servers)) => config::parse_bootstrap(servers)?,
        (None, None) => return Err(Error::Usage("Missing required argument \"[bootstrap-server]\"".into())),
    };
    if args.topic_partitions.is_some() && (args.topic.is_some() || args.partitions.is_some()) {
        return Err(Error::Usage("--topic-partitions cannot be used with --topic or --partitions".into()));
    }
    let spec = OffsetSpec::parse(&args.time)?;
    let selector = match &args.topic_partitions {
        Some(rules) => {
            let (rules, rule_warnings) = select::parse_rules(rules)?;
            warnings.extend(rule_warnings);
            Selector::Rules(rules)
        }
        None => Selector::Topics {
            topics: args.topic.as_deref().map_or_else(|| Ok(TopicPattern::any()), TopicPattern::parse)?,
            partitions: select::parse_partition_list(args.partitions.as_deref().unwrap_or(""))?,
        },
    };
    let properties = match &args.command_config {
        Some(path) => config::load_properties(path)?,
        None => Vec::new(),
    };
    let translated = config::translate(&properties)?;
    warnings.extend(translated.warnings);
    let timeout = args.timeout.map(Duration::from_millis).or(translated.timeout).unwrap_or(DEFAULT_TIMEOUT);
    Ok(OffsetLookup {
        settings: ClientSettings {
            bootstrap,
            client_id: "get-offset".into(),
            timeout,
            protocol: args.broker_protocol,
            settings: translated.settings,
            verbose: args.verbose,
        },
        selector,
        exclude_internal_topics: args.exclude_internal_topics,
        spec,
        max_offsets: args.offsets,
        metadata_timeout: args.max_wait_ms.map(Duration::from_millis),
    })
}

fn run(args: cli::Args) -> Result<ExitStatus, Error> {
    let format = args.format;
    let mut warnings = Vec::new();
    let lookup = lookup(args, &mut warnings)?;
    for warning in &warnings {
        eprintln!("Warn: {warning}");
    }
    let OffsetReport { rows, warnings, failures } = lookup.run()?;
    for warning in &warnings {
        eprintln!("Warn: {warning}");
    }
    for failure in &failures {
        eprintln!("{failure}");
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match write_offsets(&mut out, format, &rows).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(if failures.is_empty() { ExitStatus::Success } else { ExitStatus::Failure })
}
