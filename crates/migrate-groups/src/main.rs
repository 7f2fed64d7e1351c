//! migrate-groups: consumer groups from an old Kafka cluster to a new one, for any number of groups at once.

use std::process::ExitCode;

use kafka_offsets::formats::migration::write_rows;
use kafka_offsets::formats::output::{write_reset_csv, OutputFormat};
use kafka_offsets::formats::select::TopicPattern;
use kafka_offsets::formats::time;
use kafka_offsets::usecase::discover::GroupSelection;
use kafka_offsets::usecase::migrate::MigrateRequest;
use kafka_offsets::usecase::reset::Backup;
use kafka_offsets::usecase::translate::Strategy;
use kafka_offsets::{Error, ExitStatus};
use migrate_groups::cli::{self, Format};
use offset_cli as cli_support;

fn main() -> ExitCode {
    match cli_support::parse::<cli::Args>() {
        Ok(args) => cli_support::finish(run(args), "Error: "),
        Err(code) => code,
    }
}

/// The strategy, with reset-offsets' rules for the date-time (its resolved instant is noted on stderr).
fn strategy(args: &cli::Args, notes: &mut Vec<String>) -> Result<Strategy, Error> {
    let given: Vec<&str> = [
        (args.to_switch_time.is_some(), "--to-switch-time"),
        (args.to_earliest, "--to-earliest"),
        (args.by_record, "--by-record"),
    ]
    .into_iter()
    .filter_map(|(present, flag)| present.then_some(flag))
    .collect();
    match given.as_slice() {
        [] => {
            return Err(Error::Usage(
                "say how the new cluster was filled: --to-switch-time DATETIME, --to-earliest or --by-record".into(),
            ))
        }
        [first, second, ..] => return Err(Error::Usage(format!("{first} can't be used with {second}"))),
        [_] => {}
    }
    if args.allow_lag && args.by_record {
        notes.push("Warn: --allow-lag has no effect with --by-record (a lagging group keeps its place)".into());
    }
    Ok(match &args.to_switch_time {
        Some(raw) => {
            let resolved = time::parse_datetime_of("--to-switch-time", raw)?;
            notes.push(cli_support::datetime_note("--to-switch-time", raw, &resolved));
            Strategy::SwitchTime(resolved.epoch_ms)
        }
        None if args.to_earliest => Strategy::Earliest,
        None => Strategy::ByRecord,
    })
}

fn request(args: &cli::Args, notes: &mut Vec<String>) -> Result<MigrateRequest, Error> {
    args.clusters.require()?;
    if args.dry_run && args.execute {
        return Err(Error::Usage("--dry-run can't be used with --execute".into()));
    }
    if args.group.is_empty() && !args.all_groups {
        return Err(Error::Usage("say which groups: --group GROUP (repeatable) or --all-groups".into()));
    }
    if !args.group.is_empty() && args.all_groups {
        return Err(Error::Usage("--group can't be used with --all-groups".into()));
    }
    if args.export && args.format != Format::Table {
        return Err(Error::Usage("--export writes reset-offsets' CSV: leave out --format".into()));
    }
    let strategy = strategy(args, notes)?;
    let (from, to) = args.clusters.settings(&args.run, "migrate-groups", notes)?;
    let backup =
        cli_support::backup_path(args.backup.as_deref(), args.execute)?.map(|path| Backup { path, with_group: true });
    let mut groups = args.group.clone();
    groups.sort();
    groups.dedup();
    let mut topics = args.topic.clone();
    topics.sort();
    topics.dedup();
    Ok(MigrateRequest {
        from,
        to,
        groups: if args.all_groups { GroupSelection::All } else { GroupSelection::Named(groups) },
        topics,
        topic_prefix: args.to_topic_prefix.clone().unwrap_or_default(),
        strategy,
        allow_lag: args.allow_lag,
        exclude_groups: args
            .exclude_group
            .iter()
            .map(|raw| TopicPattern::exact(raw, "--exclude-group"))
            .collect::<Result<_, _>>()?,
        allow_partial: args.allow_partial,
        search_window: args.search_window,
        execute: args.execute,
        backup,
    })
}

fn run(args: cli::Args) -> Result<ExitStatus, Error> {
    let mut notes = Vec::new();
    if args.run.dump_config {
        // Never connects: no other flag is needed.
        let (from, to) = args.clusters.settings(&args.run, "migrate-groups", &mut notes)?;
        cli_support::pair_preamble(&args.run, true, cli_support::NO_ACTION_WARNING, &notes, &from, &to);
        return Ok(ExitStatus::Success);
    }
    let request = request(&args, &mut notes)?;
    if cli_support::pair_preamble(
        &args.run,
        args.dry_run || args.execute,
        cli_support::NO_ACTION_WARNING,
        &notes,
        &request.from,
        &request.to,
    ) {
        return Ok(ExitStatus::Success);
    }
    let report = request.run()?;
    report.messages.iter().for_each(|message| eprintln!("{message}"));
    cli_support::print_stdout(|out| match (args.export, args.format) {
        _ if report.summary.is_none() => Ok(()),
        (true, _) => write_reset_csv(out, &report.offsets, true),
        (false, Format::Table) => write_rows(out, OutputFormat::Text, &report.rows),
        (false, Format::Csv) => write_rows(out, OutputFormat::Csv, &report.rows),
        (false, Format::Json) => write_rows(out, OutputFormat::Json, &report.rows),
    })?;
    if let Some(summary) = report.summary {
        eprintln!("Note: {summary}");
    }
    Ok(report.status)
}
