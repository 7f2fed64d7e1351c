//! reset-offsets' flags: those `kafka-consumer-groups.sh --reset-offsets` takes, so that a Kafka command line works
//! once the program name is swapped. The doc comments are the `--help` text.

use clap::{Parser, ValueEnum};

/// Resets consumer group offsets, like kafka-consumer-groups.sh --reset-offsets.
///
/// Prints the plan (dry run, the default) or, with --execute, commits it once per group, reads the offsets back
/// and prints what the groups now have. Only inactive groups (no members) are reset.
/// Exit codes: 0 success, 1 cluster failure or a partition that failed, 2 bad command line or input file,
/// 3 a group was not inactive.
///
/// Long options also take one dash, as Kafka's tools read them (-bootstrap-server, -execute).
#[derive(Debug, Parser)]
#[command(name = "reset-offsets", version, max_term_width = 110)]
pub struct Args {
    /// The Kafka servers to connect to, as host1:port1,host2:port2 (needed).
    #[arg(long, value_name = "HOST:PORT,...")]
    pub bootstrap_server: Option<String>,

    /// The group to reset (consumer, share or streams); repeat for several groups.
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,

    /// Reset every consumer group the brokers list.
    #[arg(long)]
    pub all_groups: bool,

    /// A topic (literal name) with all its partitions, or topic:0,1,2 for some; repeatable (--input-topic, for
    /// kafka-streams-groups.sh command lines).
    #[arg(long, value_name = "TOPIC[:PARTITIONS]", alias = "input-topic")]
    pub topic: Vec<String>,

    /// All partitions the group has committed offsets for (a share group: start offsets; a streams group: of its
    /// application's input topics, as --all-input-topics).
    #[arg(long, alias = "all-input-topics")]
    pub all_topics: bool,

    /// Only groups of this type, each other one refused by name; a group the cluster does not know is taken as one
    /// (kafka-share-groups.sh and kafka-streams-groups.sh pass share and streams; with --all-groups, every group of
    /// the type). Without it, each group is reset as what it is.
    #[arg(long, value_name = "TYPE")]
    pub group_type: Option<GroupTypeArg>,

    /// Reset to the offsets at this date-time: yyyy-MM-ddTHH:mm:ss.SSS, no zone meaning UTC; also
    /// 2024-01-15T10:00, 2024-01-15, RFC 3339, +05:30 or +0530 zones. The instant is printed on stderr.
    #[arg(long, value_name = "DATETIME")]
    pub to_datetime: Option<String>,

    /// Reset to the offsets at this long ago, an ISO-8601 duration PnDTnHnMnS (PT1H, P1D, PT0.5S, -PT10M).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub by_duration: Option<String>,

    /// Reset to the earliest offsets (log start).
    #[arg(long)]
    pub to_earliest: bool,

    /// Reset to the latest offsets (log end).
    #[arg(long)]
    pub to_latest: bool,

    /// Reset to the current (committed) offsets; partitions without one get the latest offset.
    #[arg(long)]
    pub to_current: bool,

    /// Reset to this offset, kept within [earliest, latest].
    #[arg(long, value_name = "OFFSET", allow_hyphen_values = true)]
    pub to_offset: Option<String>,

    /// Move the committed offsets by N (negative moves back), kept within [earliest, latest].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub shift_by: Option<String>,

    /// Reset to the offsets in this file (- for stdin): Kafka's CSV topic,partition,offset (one --group) or
    /// group,topic,partition,offset, or get-offset's topic:partition:offset lines. Scope options are ignored.
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<String>,

    /// Only show the plan (the default).
    #[arg(long)]
    pub dry_run: bool,

    /// Commit the plan.
    #[arg(long)]
    pub execute: bool,

    /// Print the plan or result as CSV (the --from-file format) instead of the table: --format csv.
    #[arg(long)]
    pub export: bool,

    /// The plan's or result's format: Kafka's table; csv, the --from-file format (as --export); or json, an array of
    /// {group, topic, partition, offset, previous_offset} objects (previous_offset: the committed offset before,
    /// null when there was none), with read_back (whether the committed offset read back is the new one) after
    /// --execute.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: Format,

    /// With --execute: before committing, write the groups' current committed offsets to this new file, in the
    /// --from-file format, so that --from-file FILE --execute undoes the reset.
    #[arg(long, value_name = "FILE")]
    pub backup: Option<String>,

    /// Commit a group's partitions whose offsets were found even when some partitions' lookups failed (by default
    /// such a group is not committed at all; other groups go ahead either way).
    #[arg(long)]
    pub allow_partial: bool,

    /// Accepted for kafka-consumer-groups.sh command lines; this tool only resets offsets.
    #[arg(long)]
    pub reset_offsets: bool,

    /// Accepted for old command lines (Kafka 0.10-1.1); no effect.
    #[arg(long)]
    pub new_consumer: bool,

    #[command(flatten)]
    pub client: offset_cli::ClientArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupTypeArg {
    Consumer,
    Share,
    Streams,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}
