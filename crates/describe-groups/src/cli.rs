//! describe-groups' flags: those of `kafka-consumer-groups.sh --describe` and `--list`, so that a Kafka command line
//! works once the program name is swapped. The doc comments are the `--help` text.

use clap::{Parser, ValueEnum};

/// Describes and lists consumer groups, like kafka-consumer-groups.sh --describe and --list. Read-only.
///
/// --describe prints each group's offsets (the default), members (--members) or state (--state), as Kafka 4.4's
/// tool prints them; --list the groups, with --type and --state their type and state columns.
/// Exit codes: 0 success, 1 cluster failure or a group that does not exist, 2 bad command line.
///
/// Long options also take one dash, as Kafka's tools read them (-bootstrap-server, -describe).
#[derive(Debug, Parser)]
#[command(name = "describe-groups", version, max_term_width = 110)]
pub struct Args {
    /// The Kafka servers to connect to, as host1:port1,host2:port2 (needed).
    #[arg(long, value_name = "HOST:PORT,...")]
    pub bootstrap_server: Option<String>,

    /// Describe groups (one action of --describe and --list is needed).
    #[arg(long)]
    pub describe: bool,

    /// List the consumer groups.
    #[arg(long)]
    pub list: bool,

    /// The group to describe; repeat for several groups.
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,

    /// Describe every consumer group the brokers list.
    #[arg(long)]
    pub all_groups: bool,

    /// With --describe: each group's members (with --verbose their epochs and assignments).
    #[arg(long)]
    pub members: bool,

    /// With --describe: each group's offsets (the default view).
    #[arg(long)]
    pub offsets: bool,

    /// With --describe: each group's state. With --list: a STATE column, and with a value only the groups in these
    /// states (comma-separated: Stable,Empty,...).
    #[arg(long, value_name = "STATES", num_args = 0..=1, default_missing_value = "")]
    pub state: Option<String>,

    /// With --list: a TYPE column, and with a value only the groups of these types (classic, consumer).
    #[arg(long = "type", value_name = "TYPES", num_args = 0..=1, default_missing_value = "")]
    pub group_type: Option<String>,

    /// The offsets view as Kafka's table, csv (one line per partition, a header first) or json (one object per
    /// group).
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: Format,

    #[command(flatten)]
    pub client: offset_cli::ClientArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}
