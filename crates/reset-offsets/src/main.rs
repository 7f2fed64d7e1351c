//! reset-offsets: a drop-in replacement for `kafka-consumer-groups.sh --reset-offsets`.

use std::io;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use kafka_offsets::formats::offset_file;
use kafka_offsets::formats::output::{write_fixed_reset_table, write_reset_csv, write_reset_json, write_reset_table};
use kafka_offsets::formats::select::parse_topic_arg;
use kafka_offsets::formats::settings;
use kafka_offsets::formats::time::{self, format_utc};
use kafka_offsets::usecase::plan::Scenario;
use kafka_offsets::usecase::reset::{Backup, GroupSelection, PartitionScope, ResetRequest};
use kafka_offsets::usecase::typed::GroupKind;
use kafka_offsets::{Error, ExitStatus};
use offset_cli as cli_support;
use reset_offsets::cli::{self, Format, GroupTypeArg};

/// The scenarios in the order Kafka checks them (its conflict message names the first two present).
const SCENARIOS: [&str; 8] =
    ["to-offset", "to-datetime", "by-duration", "to-earliest", "to-latest", "to-current", "shift-by", "from-file"];

fn main() -> ExitCode {
    match cli_support::parse::<cli::Args>() {
        Ok(args) => cli_support::finish(run(args), "Error: "),
        Err(code) => code,
    }
}

fn number(flag: &str, raw: &str) -> Result<i64, Error> {
    raw.trim().parse().map_err(|_| Error::Usage(format!("--{flag} expects a whole number, but received: {raw}")))
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Kafka's argument checks, in Kafka's order, then the scenario with its value parsed.
fn scenario(args: &cli::Args, notes: &mut Vec<String>) -> Result<Scenario, Error> {
    if args.dry_run && args.execute {
        return Err(Error::Usage("Option [reset-offsets] only accepts one of [execute] and [dry-run]".into()));
    }
    if args.group.is_empty() && !args.all_groups {
        return Err(Error::Usage("Option [reset-offsets] takes one of these options: [group], [all-groups]".into()));
    }
    if !args.group.is_empty() && args.all_groups {
        return Err(Error::Usage("Option \"[group]\" can't be used with option \"[all-groups]\"".into()));
    }
    let present = [
        args.to_offset.is_some(),
        args.to_datetime.is_some(),
        args.by_duration.is_some(),
        args.to_earliest,
        args.to_latest,
        args.to_current,
        args.shift_by.is_some(),
        args.from_file.is_some(),
    ];
    let given: Vec<&str> = SCENARIOS.iter().zip(present).filter(|(_, p)| *p).map(|(s, _)| *s).collect();
    match given.as_slice() {
        [] => {
            let all: Vec<String> = SCENARIOS.iter().map(|s| format!("[{s}]")).collect();
            return Err(Error::Usage(format!(
                "Option '[reset-offsets]' requires one of the following scenarios: [{}]",
                all.join(", ")
            )));
        }
        [first, second, ..] => {
            return Err(Error::Usage(format!("Option \"[{first}]\" can't be used with option \"[{second}]\"")));
        }
        [_] => {}
    }
    if args.from_file.is_none() && args.topic.is_empty() && !args.all_topics {
        return Err(Error::Usage("One of the reset scopes should be defined: --all-topics, --topic.".into()));
    }
    Ok(if let Some(offset) = &args.to_offset {
        Scenario::ToOffset(number("to-offset", offset)?)
    } else if let Some(raw) = &args.to_datetime {
        let resolved = time::parse_datetime(raw)?;
        notes.push(cli_support::datetime_note("--to-datetime", raw, &resolved));
        Scenario::AtTime(resolved.epoch_ms)
    } else if let Some(raw) = &args.by_duration {
        let at = time::before_now(raw, now_ms(), time::parse_duration(raw)?)?;
        notes.push(format!("Note: --by-duration {raw} is {} ({at} ms since the epoch)", format_utc(at)));
        Scenario::AtTime(at)
    } else if args.to_earliest {
        Scenario::ToEarliest
    } else if args.to_latest {
        Scenario::ToLatest
    } else if args.to_current {
        Scenario::ToCurrent
    } else if let Some(delta) = &args.shift_by {
        Scenario::ShiftBy(number("shift-by", delta)?)
    } else {
        Scenario::FromFile
    })
}

/// Reads `--from-file` (or stdin for `-`) line by line and validates every row before anything is sent; rows of
/// groups not asked for are dropped as they are read.
fn read_file(path: &str, groups: &[String], notes: &mut Vec<String>) -> Result<PartitionScope, Error> {
    let input_error = |reason: String| Error::InputFile { what: "--from-file", path: path.to_string(), reason };
    // A set: a million rows each look up their group among a thousand.
    let named: std::collections::HashSet<&str> = groups.iter().map(String::as_str).collect();
    let keep = |group: &str| named.is_empty() || named.contains(group);
    let single_group = groups.len() == 1;
    let rows = if path == "-" {
        offset_file::read_offsets(io::stdin().lock(), single_group, &keep)
    } else {
        let file = std::fs::File::open(path).map_err(|e| input_error(format!("cannot read: {e}")))?;
        offset_file::read_offsets(io::BufReader::new(file), single_group, &keep)
    }
    .map_err(|e| input_error(e.to_string()))?;
    notes.extend(offset_file::repeated_rows(&rows).into_iter().map(|w| format!("Warn: {w}")));
    Ok(PartitionScope::File(rows))
}

/// Kafka's rule for the CSV of `--export` and `--backup`: a group column unless exactly one group was named (the same
/// group named twice is one group).
fn with_group_column(args: &cli::Args) -> bool {
    let mut groups: Vec<&String> = args.group.iter().collect();
    groups.sort();
    groups.dedup();
    args.all_groups || groups.len() != 1
}

fn request(args: cli::Args, notes: &mut Vec<String>) -> Result<ResetRequest, Error> {
    let Some(bootstrap) = args.bootstrap_server.as_deref() else {
        return Err(Error::Usage("Missing required argument \"[bootstrap-server]\"".into()));
    };
    let scenario = scenario(&args, notes)?;
    let (settings, config_warnings) = args.client.settings(bootstrap, "reset-offsets")?;
    notes.extend(config_warnings.into_iter().map(|w| format!("Warn: {w}")));
    let backup = cli_support::backup_path(args.backup.as_deref(), args.execute)?
        .map(|path| Backup { path, with_group: with_group_column(&args) });
    let mut groups = args.group.clone();
    groups.sort();
    groups.dedup();
    let scope = match &args.from_file {
        Some(path) => {
            if !args.topic.is_empty() || args.all_topics {
                notes.push("Warn: --topic and --all-topics are ignored with --from-file".into());
            }
            read_file(path, &groups, notes)?
        }
        None if args.all_topics => {
            if !args.topic.is_empty() {
                notes.push("Warn: --all-topics is given, so --topic is ignored (as in Kafka)".into());
            }
            PartitionScope::AllTopics
        }
        None => PartitionScope::Topics(args.topic.iter().map(|t| parse_topic_arg(t)).collect::<Result<_, _>>()?),
    };
    let group_type = args.group_type.map(|t| match t {
        GroupTypeArg::Consumer => GroupKind::Consumer,
        GroupTypeArg::Share => GroupKind::Share,
        GroupTypeArg::Streams => GroupKind::Streams,
    });
    let all = match group_type {
        Some(GroupKind::Share) => GroupSelection::AllOfType("share"),
        Some(GroupKind::Streams) => GroupSelection::AllOfType("streams"),
        _ => GroupSelection::All,
    };
    Ok(ResetRequest {
        settings,
        groups: if args.all_groups { all } else { GroupSelection::Named(groups) },
        scope,
        scenario,
        execute: args.execute,
        allow_partial: args.allow_partial,
        backup,
        details: args.format == Format::Json,
        group_type,
    })
}

fn run(args: cli::Args) -> Result<ExitStatus, Error> {
    if args.client.dump_config {
        // Never connects: no other flag is needed.
        let (settings, warnings) =
            args.client.settings(args.bootstrap_server.as_deref().unwrap_or_default(), "reset-offsets")?;
        warnings.iter().for_each(|w| eprintln!("Warn: {w}"));
        settings::dump(&settings).iter().for_each(|line| println!("{line}"));
        return Ok(ExitStatus::Success);
    }
    let format = match (args.export, args.format) {
        (true, Format::Table | Format::Csv) => Format::Csv,
        (true, Format::Json) => {
            return Err(Error::Usage("--export is --format csv: it can't be used with --format json".into()))
        }
        (false, format) => format,
    };
    let warn_no_action = !args.dry_run && !args.execute;
    // kafka-streams-groups.sh kept the fixed columns of Kafka 2.8-4.1 (kafka-share-groups.sh has 4.2's).
    let fixed_table = args.group_type == Some(GroupTypeArg::Streams);
    let executed = args.execute;
    let export_with_group = with_group_column(&args);
    let mut notes = Vec::new();
    let request = request(args, &mut notes)?;
    if warn_no_action {
        eprintln!("{}", cli_support::NO_ACTION_WARNING);
    }
    for note in &notes {
        eprintln!("{note}");
    }
    let report = request.run()?;
    for message in &report.messages {
        eprintln!("{message}");
    }
    cli_support::print_stdout(|out| match format {
        _ if !report.any_group => Ok(()),
        Format::Csv => write_reset_csv(out, &report.groups, export_with_group),
        Format::Table if fixed_table => write_fixed_reset_table(out, &report.groups),
        Format::Table => write_reset_table(out, &report.groups, &report.refused),
        Format::Json if executed => write_reset_json(out, &report.planned, &report.previous, Some(&report.groups)),
        Format::Json => write_reset_json(out, &report.groups, &report.previous, None),
    })?;
    Ok(report.status)
}
