//! copy-topics' flags. The doc comments are the `--help` text.

use clap::{Parser, ValueEnum};

/// Creates the old cluster's topics on the new one.
///
/// Every topic selected on the old cluster (--from) is created on the new one (--to) with as many partitions, its
/// replication factor (capped at the new cluster's brokers) and the settings set on it (retention, cleanup policy,
/// compaction, message size...: read with DescribeConfigs, Kafka 0.11+). Prints the plan (dry run, the default) or,
/// with --execute, creates the topics in batches, waits until their partitions have leaders and prints the result.
/// Every creation is validated by the new cluster first, in the dry run too, so that the plan is what --execute
/// does; when it refuses a topic, none is created (--allow-partial creates the others). A topic the new cluster has
/// already is compared, never changed, except that --grow-partitions adds the partitions it lacks. Nothing is
/// written to the old cluster.
/// Exit codes: 0 success, 1 cluster failure or a topic that differs, was refused or failed, 2 bad command line.
///
/// Long options also take one dash, as Kafka's tools read them (-from, -to, -execute).
#[derive(Debug, Parser)]
#[command(name = "copy-topics", version, max_term_width = 110)]
pub struct Args {
    #[command(flatten)]
    pub clusters: offset_cli::ClusterPair,

    /// The topics to copy: a regular expression matched against the whole name, as get-offset's --topic.
    /// Default: every topic.
    #[arg(long, value_name = "REGEX")]
    pub topic: Option<String>,

    /// Leave out internal topics (__consumer_offsets, ...) and MirrorMaker 2's own (heartbeats, *.internal): the
    /// default.
    #[arg(long)]
    pub exclude_internal_topics: bool,

    /// Copy internal topics and MirrorMaker 2's own topics too.
    #[arg(long)]
    pub include_internal_topics: bool,

    /// Create the topics with this replication factor instead of the old cluster's.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i16).range(1..))]
    pub replication_factor: Option<i16>,

    /// Set this on every topic created (over the old cluster's value); repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub config: Vec<String>,

    /// Do not copy this setting; repeatable.
    #[arg(long, value_name = "KEY")]
    pub skip_config: Vec<String>,

    /// A topic with fewer partitions on the new cluster gets the ones it lacks (CreatePartitions, Kafka 1.0+).
    /// Adding partitions moves keys to other partitions: only for topics nothing was produced to yet.
    #[arg(long)]
    pub grow_partitions: bool,

    /// When the new cluster refuses some topics, create the others anyway (default: none is created).
    #[arg(long)]
    pub allow_partial: bool,

    /// Only show the plan (the default).
    #[arg(long)]
    pub dry_run: bool,

    /// Create the topics on the new cluster.
    #[arg(long)]
    pub execute: bool,

    /// The plan's format: a table, or a JSON array.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: Format,

    #[command(flatten)]
    pub run: offset_cli::PairRunArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
