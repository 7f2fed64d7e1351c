//! copy-topics: the old cluster's topics created on the new one.

use std::process::ExitCode;

use copy_topics::cli::{self, Format};
use kafka_offsets::error::shown;
use kafka_offsets::formats::select::TopicPattern;
use kafka_offsets::formats::topic_plan::{write_json, write_table};
use kafka_offsets::usecase::copy::CopyRequest;
use kafka_offsets::{Error, ExitStatus};
use offset_cli as cli_support;

fn main() -> ExitCode {
    match cli_support::parse::<cli::Args>() {
        Ok(args) => cli_support::finish(run(args), "Error: "),
        Err(code) => code,
    }
}

/// `--config KEY=VALUE`.
fn setting(raw: &str) -> Result<(String, String), Error> {
    match raw.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.to_string())),
        _ => Err(Error::Usage(format!("--config expects KEY=VALUE, but received: {}", shown(raw)))),
    }
}

fn request(args: &cli::Args, notes: &mut Vec<String>) -> Result<CopyRequest, Error> {
    args.clusters.require()?;
    if args.dry_run && args.execute {
        return Err(Error::Usage("--dry-run can't be used with --execute".into()));
    }
    if args.include_internal_topics && args.exclude_internal_topics {
        return Err(Error::Usage("--include-internal-topics can't be used with --exclude-internal-topics".into()));
    }
    let topics = args.topic.as_deref().map(TopicPattern::parse).transpose()?;
    let set = args.config.iter().map(|raw| setting(raw)).collect::<Result<Vec<_>, _>>()?;
    let (from, to) = args.clusters.settings(&args.run, "copy-topics", notes)?;
    Ok(CopyRequest {
        from,
        to,
        topics,
        include_internal: args.include_internal_topics,
        replication_factor: args.replication_factor,
        set,
        skip: args.skip_config.clone(),
        grow_partitions: args.grow_partitions,
        allow_partial: args.allow_partial,
        execute: args.execute,
    })
}

fn run(args: cli::Args) -> Result<ExitStatus, Error> {
    let mut notes = Vec::new();
    if args.run.dump_config {
        // Never connects: no other flag is needed.
        let (from, to) = args.clusters.settings(&args.run, "copy-topics", &mut notes)?;
        cli_support::pair_preamble(&args.run, true, cli_support::NO_CREATION_WARNING, &notes, &from, &to);
        return Ok(ExitStatus::Success);
    }
    let request = request(&args, &mut notes)?;
    if cli_support::pair_preamble(
        &args.run,
        args.dry_run || args.execute,
        cli_support::NO_CREATION_WARNING,
        &notes,
        &request.from,
        &request.to,
    ) {
        return Ok(ExitStatus::Success);
    }
    let report = request.run()?;
    report.messages.iter().for_each(|message| eprintln!("{message}"));
    cli_support::print_stdout(|out| match args.format {
        Format::Table => write_table(out, &report.rows),
        Format::Json => write_json(out, &report.rows),
    })?;
    Ok(report.status)
}
