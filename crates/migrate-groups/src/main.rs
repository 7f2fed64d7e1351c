//! migrate-groups: consumer groups from an old Kafka cluster to a new one, for any number of groups at once.

use std::collections::BTreeMap;
use std::process::ExitCode;

use kafka_offsets::formats::migration::{write_positions, write_positions_json, write_rows};
use kafka_offsets::formats::offset_file;
use kafka_offsets::formats::output::{write_reset_csv, OutputFormat};
use kafka_offsets::formats::select::TopicPattern;
use kafka_offsets::formats::time;
use kafka_offsets::usecase::discover::GroupSelection;
use kafka_offsets::usecase::migrate::{MigrateReport, MigrateRequest, WaitProgress, Waiting};
use kafka_offsets::usecase::reset::Backup;
use kafka_offsets::usecase::translate::Strategy;
use kafka_offsets::{Error, ExitStatus, TopicPartition};
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
    if args.wait_drained && (args.all_groups || args.positions.is_some()) {
        let flag = if args.all_groups { "--all-groups" } else { "--positions" };
        return Err(Error::Usage(format!("--wait-drained can't be used with {flag}: name the groups with --group")));
    }
    if let Some(flag) = positions_conflict(args) {
        return Err(Error::Usage(format!("--positions can't be used with {flag}: it reads and commits no group")));
    }
    if args.group.is_empty() && !args.all_groups && args.positions.is_none() {
        return Err(Error::Usage(
            "say which groups: --group GROUP (repeatable) or --all-groups (or --positions FILE for offsets kept \
             outside Kafka)"
                .into(),
        ));
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
        positions: args.positions.as_deref().map(read_positions).transpose()?,
    })
}

/// `--wait-drained`: each group's migration printed as it happens, the waiting ones said on stderr when they change.
fn wait_drained(args: &cli::Args, request: MigrateRequest) -> Result<ExitStatus, Error> {
    // On a terminal the waiting line is rewritten in place after each check; elsewhere (a log) it is written again
    // only when it changes.
    struct Progress<'a> {
        args: &'a cli::Args,
        failed: Option<Error>,
        terminal: bool,
        line_open: bool,
    }
    impl Progress<'_> {
        fn end_line(&mut self) {
            if std::mem::take(&mut self.line_open) {
                eprintln!();
            }
        }
    }
    impl WaitProgress for Progress<'_> {
        fn waiting(&mut self, groups: &BTreeMap<String, Waiting>, changed: bool) {
            let each: Vec<String> = groups.iter().map(|(g, why)| format!("'{g}' ({why})")).collect();
            let count = if groups.len() == 1 { "1 group".to_string() } else { format!("{} groups", groups.len()) };
            let line = format!("Note: waiting for {count} to drain the old cluster: {}", each.join(", "));
            if self.terminal {
                eprint!("\r\x1b[K{line}");
                self.line_open = true;
            } else if changed {
                eprintln!("{line}");
            }
        }
        fn migrated(&mut self, report: &MigrateReport) {
            self.end_line();
            report.messages.iter().for_each(|message| eprintln!("{message}"));
            if let Err(e) = print_report(self.args, report) {
                self.failed.get_or_insert(e);
            }
        }
    }
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = Progress { args, failed: None, terminal, line_open: false };
    let timeout = std::time::Duration::from_millis(args.wait_timeout);
    let every = std::time::Duration::from_millis(args.wait_interval);
    let report = request.wait_drained(timeout, every, &mut progress);
    progress.end_line();
    let report = report?;
    if let Some(e) = progress.failed {
        return Err(e);
    }
    report.messages.iter().for_each(|message| eprintln!("{message}"));
    if let Some(summary) = report.summary {
        eprintln!("Note: {summary}");
    }
    Ok(report.status)
}

/// A migration's rows, as the format asks.
fn print_report(args: &cli::Args, report: &MigrateReport) -> Result<(), Error> {
    cli_support::print_stdout(|out| match (args.export, args.format) {
        _ if report.summary.is_none() => Ok(()),
        (true, _) => write_reset_csv(out, &report.offsets, true),
        (false, Format::Table) => write_rows(out, OutputFormat::Text, &report.rows),
        (false, Format::Csv) => write_rows(out, OutputFormat::Csv, &report.rows),
        (false, Format::Json) => write_rows(out, OutputFormat::Json, &report.rows),
    })
}

/// The flag `--positions` cannot be given with, if any.
fn positions_conflict(args: &cli::Args) -> Option<&'static str> {
    args.positions.as_ref()?;
    [
        (!args.group.is_empty(), "--group"),
        (args.all_groups, "--all-groups"),
        (!args.exclude_group.is_empty(), "--exclude-group"),
        (!args.topic.is_empty(), "--topic"),
        (args.execute, "--execute"),
        (args.backup.is_some(), "--backup"),
        (args.export, "--export"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// `--positions FILE|-`: rows topic,partition,offset or topic:partition:offset, all checked before connecting.
fn read_positions(path: &str) -> Result<Vec<(TopicPartition, i64)>, Error> {
    let input_error = |reason: String| Error::InputFile { what: "--positions", path: path.to_string(), reason };
    let keep = |_: &str| true;
    let file = if path == "-" {
        offset_file::read_offsets(std::io::stdin().lock(), true, &keep)
    } else {
        let opened = std::fs::File::open(path).map_err(|e| input_error(format!("cannot read: {e}")))?;
        offset_file::read_offsets(std::io::BufReader::new(opened), true, &keep)
    }
    .map_err(|e| input_error(e.to_string()))?;
    let mut rows = Vec::with_capacity(file.rows.len());
    for row in &file.rows {
        if file.group(row).is_some() || row.offset == offset_file::NO_OFFSET {
            let what = if row.offset == offset_file::NO_OFFSET { "an offset -" } else { "a group column" };
            return Err(input_error(format!("line {}: {what}: positions are topic,partition,offset", row.line)));
        }
        rows.push((TopicPartition::new(file.names.get(row.topic), row.partition), row.offset));
    }
    if rows.is_empty() {
        return Err(input_error("no positions in it".into()));
    }
    Ok(rows)
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
        // --positions never commits: no dry-run warning for it.
        args.dry_run || args.execute || args.positions.is_some(),
        cli_support::NO_ACTION_WARNING,
        &notes,
        &request.from,
        &request.to,
    ) {
        return Ok(ExitStatus::Success);
    }
    if args.wait_drained {
        return wait_drained(&args, request);
    }
    let positions = request.positions.is_some();
    let report = request.run()?;
    report.messages.iter().for_each(|message| eprintln!("{message}"));
    if positions {
        // The translated rows, in the --positions format; the others were named on stderr.
        cli_support::print_stdout(|out| match args.format {
            _ if report.summary.is_none() => Ok(()),
            Format::Json => write_positions_json(out, &report.rows),
            Format::Table | Format::Csv => write_positions(out, &report.rows),
        })?;
        let translated = report.rows.iter().filter(|r| r.new_offset.is_some()).count();
        if report.summary.is_some() {
            eprintln!(
                "Note: {} positions: {translated} translated, {} not",
                report.rows.len(),
                report.rows.len() - translated
            );
        }
        return Ok(report.status);
    }
    print_report(&args, &report)?;
    if let Some(summary) = report.summary {
        eprintln!("Note: {summary}");
    }
    Ok(report.status)
}
