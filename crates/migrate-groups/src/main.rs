//! migrate-groups: consumer groups from an old Kafka cluster to a new one, for any number of groups at once.

use std::io::{self, Write};
use std::process::ExitCode;

use kafka_offsets::formats::migration::write_rows;
use kafka_offsets::formats::output::{write_reset_csv, OutputFormat};
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
            let zone = if resolved.zone_given { "" } else { "; no zone was given, so UTC" };
            notes.push(format!(
                "Note: --to-switch-time {raw} is {} ({} ms since the epoch{zone})",
                resolved.utc(),
                resolved.epoch_ms
            ));
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
        search_window: args.search_window,
        execute: args.execute,
        backup,
    })
}

fn run(args: cli::Args) -> Result<ExitStatus, Error> {
    let mut notes = Vec::new();
    let request = request(&args, &mut notes)?;
    if args.run.dump_config {
        notes.iter().for_each(|note| eprintln!("{note}"));
        cli_support::dump_pair(&request.from, &request.to);
        return Ok(ExitStatus::Success);
    }
    if !args.dry_run && !args.execute {
        eprintln!("{}", cli_support::NO_ACTION_WARNING);
    }
    notes.iter().for_each(|note| eprintln!("{note}"));
    let report = request.run()?;
    report.messages.iter().for_each(|message| eprintln!("{message}"));
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match (args.export, args.format) {
        _ if report.summary.is_none() => Ok(()),
        (true, _) => write_reset_csv(&mut out, &report.offsets, true),
        (false, Format::Table) => write_rows(&mut out, OutputFormat::Text, &report.rows),
        (false, Format::Csv) => write_rows(&mut out, OutputFormat::Csv, &report.rows),
        (false, Format::Json) => write_rows(&mut out, OutputFormat::Json, &report.rows),
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    if let Some(summary) = report.summary {
        eprintln!("Note: {summary}");
    }
    Ok(report.status)
}
