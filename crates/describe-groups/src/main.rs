//! describe-groups: a drop-in replacement for `kafka-consumer-groups.sh --describe` and `--list`, read-only.

use std::process::ExitCode;

use describe_groups::cli::{self, Format};
use kafka_offsets::formats::describe::{
    state_message, write_list, write_members, write_offsets, write_offsets_csv, write_offsets_json, write_state,
};
use kafka_offsets::formats::settings::{self, ClientSettings};
use kafka_offsets::usecase::describe::{self, DescribeRequest};
use kafka_offsets::usecase::discover::GroupSelection;
use kafka_offsets::{Error, ExitStatus};
use offset_cli as cli_support;

fn main() -> ExitCode {
    match cli_support::parse::<cli::Args>() {
        Ok(args) => cli_support::finish(run(args), "Error: "),
        Err(code) => code,
    }
}

/// The settings; `--verbose` is Kafka's here (more columns), not the connection trace of the other tools.
fn client_settings(args: &cli::Args) -> Result<(ClientSettings, Vec<String>), Error> {
    let mut flags = args.client.connection(args.bootstrap_server.as_deref().unwrap_or_default(), "describe-groups");
    flags.verbose = false;
    flags.settings()
}

/// Kafka's checks of the actions and their options, in its words.
fn check(args: &cli::Args) -> Result<(), Error> {
    if args.describe == args.list {
        return Err(Error::Usage("Command must include exactly one action: --list, --describe".into()));
    }
    if args.bootstrap_server.is_none() && !args.client.dump_config {
        return Err(Error::Usage("Missing required argument \"[bootstrap-server]\"".into()));
    }
    if args.list {
        for (given, flag) in [(!args.group.is_empty(), "group"), (args.all_groups, "all-groups")] {
            if given {
                return Err(Error::Usage(format!("Option \"[{flag}]\" can't be used with option \"[list]\"")));
            }
        }
        return Ok(());
    }
    if args.group.is_empty() && !args.all_groups {
        return Err(Error::Usage("Option [describe] takes one of these options: [all-groups], [group]".into()));
    }
    if !args.group.is_empty() && args.all_groups {
        return Err(Error::Usage("Option \"[group]\" can't be used with option \"[all-groups]\"".into()));
    }
    let views = [args.members, args.offsets, args.state.is_some()].iter().filter(|v| **v).count();
    if views > 1 {
        return Err(Error::Usage(
            "Option [describe] takes at most one of these options: [members], [offsets], [state]".into(),
        ));
    }
    if args.group_type.is_some() {
        return Err(Error::Usage("Option [type] can be used only with [list]".into()));
    }
    if args.client.verbose && !args.members && args.state.is_none() {
        return Err(Error::Usage(
            "--verbose is provided with --members and --state; the offsets view's LEADER-EPOCH column is not".into(),
        ));
    }
    if args.format != Format::Table && (args.members || args.state.is_some()) {
        return Err(Error::Usage("--format csv and json are for the offsets view".into()));
    }
    Ok(())
}

/// `--list`: the groups, filtered by type and state as Kafka's `--type` and `--state` values ask.
fn list(args: &cli::Args, settings: ClientSettings) -> Result<ExitStatus, Error> {
    let values = |raw: &Option<String>| -> Vec<String> {
        raw.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let (types, states) = (values(&args.group_type), values(&args.state));
    for t in &types {
        if t != "classic" && t != "consumer" {
            return Err(Error::Usage(format!(
                "Invalid types list '{}'. Valid types are: classic, consumer",
                args.group_type.as_deref().unwrap_or_default()
            )));
        }
    }
    let listed: Vec<_> = describe::list(settings)?
        .into_iter()
        .filter(|l| types.is_empty() || types.contains(&l.kind.to_ascii_lowercase()))
        .filter(|l| states.is_empty() || states.contains(&l.state.to_ascii_lowercase()))
        .collect();
    cli_support::print_stdout(|out| write_list(out, &listed, args.group_type.is_some(), args.state.is_some()))?;
    Ok(ExitStatus::Success)
}

fn run(args: cli::Args) -> Result<ExitStatus, Error> {
    check(&args)?;
    let (settings, warnings) = client_settings(&args)?;
    warnings.iter().for_each(|w| eprintln!("Warn: {w}"));
    if args.client.dump_config {
        settings::dump(&settings).iter().for_each(|line| println!("{line}"));
        return Ok(ExitStatus::Success);
    }
    if args.list {
        return list(&args, settings);
    }
    let groups = if args.all_groups { GroupSelection::All } else { GroupSelection::Named(args.group.clone()) };
    let report = DescribeRequest { settings, groups }.run()?;
    report.messages.iter().for_each(|m| eprintln!("{m}"));
    let mut status = report.status;
    let verbose = args.client.verbose;
    match args.format {
        Format::Csv => cli_support::print_stdout(|out| write_offsets_csv(out, &report.groups))?,
        Format::Json => cli_support::print_stdout(|out| write_offsets_json(out, &report.groups))?,
        Format::Table => {
            for view in &report.groups {
                let rows = if args.members {
                    view.described.members.len()
                } else if args.state.is_some() {
                    1
                } else {
                    view.rows.len()
                };
                let (message, table) = state_message(view, rows);
                if let Some(message) = message {
                    if message.starts_with("Error: ") {
                        status = ExitStatus::Failure;
                    }
                    eprintln!("{message}");
                }
                // Kafka prints the members' header whatever the state.
                if args.members && view.described.state != "Dead" {
                    cli_support::print_stdout(|out| write_members(out, view, verbose))?;
                } else if table && args.state.is_some() {
                    cli_support::print_stdout(|out| write_state(out, view, verbose))?;
                } else if table && !args.members {
                    cli_support::print_stdout(|out| write_offsets(out, view))?;
                }
            }
        }
    }
    Ok(status)
}
