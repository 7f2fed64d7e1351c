//! get-offset: a drop-in replacement for Kafka's GetOffsetShell.

use std::process::ExitCode;
use std::time::Duration;

use get_offset::cli;
use kafka_offsets::formats::output::write_offsets;
use kafka_offsets::formats::select::{self, Selector, TopicPattern};
use kafka_offsets::formats::settings;
use kafka_offsets::formats::time::OffsetSpec;
use kafka_offsets::usecase::lookup::{OffsetLookup, OffsetReport};
use kafka_offsets::{Error, ExitStatus};
use offset_cli as cli_support;

fn main() -> ExitCode {
    match cli_support::parse::<cli::Args>() {
        Ok(args) => cli_support::finish(run(args), "Error: "),
        Err(code) => code,
    }
}

/// Turns the flags into a lookup, checking everything Kafka checks before connecting.
fn lookup(args: cli::Args, warnings: &mut Vec<String>) -> Result<OffsetLookup, Error> {
    let bootstrap = match args.bootstrap_server.as_deref().or(args.broker_list.as_deref()) {
        Some(bootstrap) => bootstrap,
        None if args.client.dump_config => "",
        None => return Err(Error::Usage("Missing required argument \"[bootstrap-server]\"".into())),
    };
    let (settings, config_warnings) = args.client.settings(bootstrap, "get-offset")?;
    warnings.extend(config_warnings);
    if args.topic_partitions.is_some() && (args.topic.is_some() || args.partitions.is_some()) {
        return Err(Error::Usage("--topic-partitions cannot be used with --topic or --partitions".into()));
    }
    let spec = OffsetSpec::parse(&args.time)?;
    if args.offsets > 1 && spec == OffsetSpec::MaxTimestamp {
        return Err(Error::Usage("--offsets greater than 1 cannot be used with --time max-timestamp".into()));
    }
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
    Ok(OffsetLookup {
        settings,
        selector,
        exclude_internal_topics: args.exclude_internal_topics,
        spec,
        max_offsets: args.offsets,
        metadata_timeout: args.max_wait_ms.map(Duration::from_millis),
    })
}

fn run(args: cli::Args) -> Result<ExitStatus, Error> {
    let (format, dump_config) = (args.format, args.client.dump_config);
    let mut warnings = Vec::new();
    let lookup = lookup(args, &mut warnings)?;
    for warning in &warnings {
        eprintln!("Warn: {warning}");
    }
    if dump_config {
        settings::dump(&lookup.settings).iter().for_each(|line| println!("{line}"));
        return Ok(ExitStatus::Success);
    }
    let OffsetReport { rows, warnings, failures } = lookup.run()?;
    for warning in &warnings {
        eprintln!("Warn: {warning}");
    }
    for failure in &failures {
        eprintln!("{failure}");
    }
    cli_support::print_stdout(|out| write_offsets(out, format, &rows))?;
    Ok(if failures.is_empty() { ExitStatus::Success } else { ExitStatus::Failure })
}
