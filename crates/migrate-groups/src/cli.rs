//! migrate-groups' flags. The doc comments are the `--help` text.

use clap::{Parser, ValueEnum};

/// Moves consumer groups from an old Kafka cluster to a new one.
///
/// For every group: its committed offsets on the old cluster (--from) become offsets on the new one (--to), by the
/// strategy that says how the new cluster was filled. Prints the plan (dry run, the default) or, with --execute,
/// commits it on the new cluster once per group, reads it back and prints the result. Nothing is written to the
/// old cluster. Only groups without members on either cluster are migrated; a partition the strategy refuses holds
/// its whole group back.
/// Exit codes: 0 success, 1 cluster failure or a refused or failed partition, 2 bad command line, 3 a group had
/// members.
///
/// Long options also take one dash, as Kafka's tools read them (-from, -to, -execute).
#[derive(Debug, Parser)]
#[command(name = "migrate-groups", version, max_term_width = 110)]
pub struct Args {
    #[command(flatten)]
    pub clusters: offset_cli::ClusterPair,

    /// A consumer group to migrate; repeat for several groups.
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,

    /// Every consumer group the old cluster lists.
    #[arg(long)]
    pub all_groups: bool,

    /// Leave out the groups whose whole name matches this regular expression (as get-offset's --topic); repeatable.
    #[arg(long, value_name = "REGEX")]
    pub exclude_group: Vec<String>,

    /// A topic missing on the new cluster, or with fewer partitions there, refuses only the groups that need it; the
    /// others are migrated (default: nothing is committed for any group).
    #[arg(long)]
    pub allow_partial: bool,

    /// Only this topic (its name on the old cluster); repeatable. Default: every topic the group has committed
    /// offsets for.
    #[arg(long, value_name = "TOPIC")]
    pub topic: Vec<String>,

    /// A topic's name on the new cluster is PREFIX followed by its old name (MirrorMaker 2's default replication
    /// policy names copies "source.orders": --to-topic-prefix source.). Default: the same names.
    #[arg(long, value_name = "PREFIX")]
    pub to_topic_prefix: Option<String>,

    /// Data was copied to the new cluster before the producers switched at this date-time (reset-offsets'
    /// --to-datetime syntax, no zone meaning UTC): each group starts at the new cluster's first record at or after
    /// it, and must have consumed the old cluster up to it.
    #[arg(long, value_name = "DATETIME")]
    pub to_switch_time: Option<String>,

    /// Nothing was copied: each group starts at the new cluster's log start, and must have drained the old cluster.
    #[arg(long)]
    pub to_earliest: bool,

    /// The new cluster holds a copy of the old one's records (MirrorMaker, say): each group starts at the copy of
    /// the record it would read next on the old cluster (after the last one it read, when drained), found by its
    /// timestamp, else by its key and value near where a copy puts it. A record not found is refused.
    #[arg(long)]
    pub by_record: bool,

    /// Migrate partitions with unread records on the old cluster that --to-switch-time would skip or --to-earliest
    /// leave behind (each is named in a warning) instead of refusing them.
    #[arg(long)]
    pub allow_lag: bool,

    /// --by-record: how many records either side of the expected offset are compared when the timestamp does not
    /// find the copy (old brokers without timestamps, wrong broker answers).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..=10_000_000))]
    pub search_window: i64,

    /// Only show the plan (the default).
    #[arg(long)]
    pub dry_run: bool,

    /// Commit the plan on the new cluster.
    #[arg(long)]
    pub execute: bool,

    /// With --execute: before committing, write the groups' committed offsets on the new cluster to this new file,
    /// in reset-offsets' --from-file format (group,topic,partition,offset), to undo the migration with it.
    #[arg(long, value_name = "FILE")]
    pub backup: Option<String>,

    /// Wait for each group to drain the old cluster (no members, no record left to read after its committed
    /// offsets) and migrate it then, while the others keep waiting; progress on stderr. Needs --group.
    #[arg(long)]
    pub wait_drained: bool,

    /// With --wait-drained: how long to wait, in ms [default: 3600000]; the groups still waiting then are named
    /// (exit 1).
    #[arg(long, value_name = "MS", default_value_t = 3_600_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub wait_timeout: u64,

    /// With --wait-drained: the time between checks, in ms.
    #[arg(long, value_name = "MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..))]
    pub wait_interval: u64,

    /// Translate offsets an application keeps itself instead of groups': rows topic,partition,offset (or get-offset's
    /// topic:partition:offset) from FILE or - (stdin), each the next record to read on the old cluster. Prints the
    /// same rows for the new cluster (CSV, or --format json with how each was found); rows that cannot be translated
    /// are named on stderr (exit 1). No group is read or committed on either cluster.
    #[arg(long, value_name = "FILE")]
    pub positions: Option<String>,

    /// Print the plan (or what was committed) as reset-offsets' --from-file CSV, group,topic,partition,offset,
    /// instead of the table: to review, keep, and apply with reset-offsets --from-file.
    #[arg(long)]
    pub export: bool,

    /// The plan's format: a table, CSV with a header, or a JSON array.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: Format,

    #[command(flatten)]
    pub run: offset_cli::PairRunArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}
