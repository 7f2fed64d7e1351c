//! get-offset's flags: every GetOffsetShell flag from Kafka 0.9 to 4.x, plus a few of our own. The doc comments are
//! the `--help` text.

use clap::Parser;

/// Prints topic-partition offsets: latest, earliest, max-timestamp, or the first at or after a time.
///
/// A drop-in replacement for Kafka's GetOffsetShell (kafka-get-offsets.sh, kafka-run-class.sh
/// kafka.tools.GetOffsetShell), from Kafka 0.9 to 4.x. Prints topic:partition:offset lines sorted by topic, then
/// partition. Exit codes: 0 success, 1 cluster failure or a partition that failed, 2 bad command line or input file.
///
/// Long options also take one dash, as Kafka's tools read them (-bootstrap-server, -topic, -time -2).
#[derive(Debug, Parser)]
#[command(name = "get-offset", version, max_term_width = 110)]
pub struct Args {
    /// The Kafka servers to connect to, as host1:port1,host2:port2 (needed, or --broker-list).
    #[arg(long, value_name = "HOST:PORT,...")]
    pub bootstrap_server: Option<String>,

    /// DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.
    #[arg(long, value_name = "HOST:PORT,...")]
    pub broker_list: Option<String>,

    /// The topic to get the offsets for: a Java-style regex that must match the whole name; commas separate
    /// alternatives. Without it, all topics.
    #[arg(long, value_name = "TOPIC")]
    pub topic: Option<String>,

    /// Comma-separated list of partition ids; without it, all partitions of the selected topics.
    #[arg(long, value_name = "PARTITION-IDS")]
    pub partitions: Option<String>,

    /// Comma-separated list of rules TOPIC-REGEX[:PARTITION | :START-END | :START- | :-END] (END exclusive), e.g.
    /// topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3. A partition is selected when any rule accepts it.
    /// Cannot be used with --topic or --partitions.
    #[arg(long, value_name = "RULES")]
    pub topic_partitions: Option<String>,

    /// -1 or latest (log end offset), -2 or earliest (log start offset), -3 or max-timestamp (offset of the record
    /// with the largest timestamp), -4 or earliest-local (first offset in the local log, tiered storage, Kafka 3.9+),
    /// -5 or latest-tiered (highest offset in remote storage; no line when nothing is tiered, Kafka 3.9+),
    /// -6 or earliest-pending-upload (first offset not yet copied to remote storage, Kafka 4.2+), or a timestamp in ms
    /// since the epoch (the first offset whose record timestamp is at or after it).
    #[arg(long, value_name = "TIME", default_value = "latest", allow_hyphen_values = true)]
    pub time: String,

    /// Leave out internal topics such as __consumer_offsets.
    #[arg(long)]
    pub exclude_internal_topics: bool,

    /// Kafka 0.9-1.1 option: number of offsets returned per partition (segment boundaries, newest first). Values
    /// above 1 need a broker that answers ListOffsets v0 (Kafka 3.x or older), over any listener.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..))]
    pub offsets: i32,

    /// Kafka 0.9-1.1 option: the metadata request timeout in ms.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=offset_cli::MAX_TIMEOUT_MS))]
    pub max_wait_ms: Option<u64>,

    /// Output format: text (topic:partition:offset), csv (topic,partition,offset, the reset-offsets --from-file
    /// format) or json (an array of {"topic","partition","offset"}).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: kafka_offsets::formats::output::OutputFormat,

    #[command(flatten)]
    pub client: offset_cli::ClientArgs,
}
