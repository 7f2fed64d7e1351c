//! copy-topics from real Apache Kafka 2.8 and 3.9 clusters to a real 4.1 cluster: the dry run predicts the execute
//! (the new cluster validates every creation in both), a setting Kafka 4 does not know is left out and is no
//! difference on later runs, a topic Kafka 4 refuses keeps every topic from being created (unless
//! --allow-partial), MirrorMaker 2's own topics are left out, and what was created is read back with Kafka's own
//! TopicCommand and ConfigCommand on the new cluster.

use libtest_mimic::Failed;
use offset_tools_tests::compare::assert_output;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::run::{tool, Output};

const OLD: &[Version] = &[Version::V2_8, Version::V3_9];

struct Fixture {
    old: Kafka,
    new: Kafka,
}

fn setup(version: Version) -> Fixture {
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| Kafka::start(version));
        let new = Kafka::start(Version::V4_4);
        (old.join().expect("old cluster"), new)
    });
    old.create_topic("orders", 3, &["cleanup.policy=compact", "min.compaction.lag.ms=60000"]);
    old.create_topic("payments", 2, &["retention.ms=86400000"]);
    // Kafka 4 removed message.format.version (KIP-724) and refuses segments under 1 MiB.
    old.create_topic("legacy", 1, &["message.format.version=2.1", "retention.ms=3600000"]);
    old.create_topic("tiny-segments", 1, &["segment.bytes=100000"]);
    // MirrorMaker 2's own topics, as it leaves them on a cluster; and a team's topic whose name only looks like one.
    for topic in ["heartbeats", "mm2-offset-syncs.new.internal", "new.checkpoints.internal", "ledger.internal"] {
        old.create_topic(topic, 1, &[]);
    }
    Fixture { old, new }
}

fn copy(f: &Fixture, args: &[&str]) -> Output {
    tool("copy-topics", &[&["--from", &f.old.bootstrap(), "--to", &f.new.bootstrap()], args].concat(), None)
}

fn row(topic: &str, partitions: i32, replication: i32, status: &str, details: &str) -> String {
    format!("{topic:<30} {partitions:<10} {replication:<11} {status:<10} {details}\n")
}

const HEADER: &str = "TOPIC                          PARTITIONS REPLICATION STATUS     DETAILS\n";
/// MirrorMaker 2's topics left out, each named.
const MIRROR_MAKERS: &str = "Note: topic 'heartbeats' left out: MirrorMaker 2's own (name it with --topic, or give \
                             --include-internal-topics, to copy it)\n\
                             Note: topic 'mm2-offset-syncs.new.internal' left out: MirrorMaker 2's own (name it with \
                             --topic, or give --include-internal-topics, to copy it)\n\
                             Note: topic 'new.checkpoints.internal' left out: MirrorMaker 2's own (name it with \
                             --topic, or give --include-internal-topics, to copy it)\n";
const LEFT_OUT: &str =
    "Warn: topic 'legacy': the new cluster does not know the setting message.format.version: left out\n";
const REFUSED: &str = "Error: topic 'tiny-segments': refused: the new cluster refused it: Invalid value 100000 for \
                       configuration segment.bytes: Value must be at least 1048576 (INVALID_CONFIG)\n";

/// The topics on the new cluster, as Kafka's TopicCommand lists them.
fn new_topics(f: &Fixture) -> String {
    f.new.tool(Version::V4_4.topic_command(), &["--bootstrap-server", &f.new.bootstrap(), "--list"]).stdout
}

/// A topic's settings on the new cluster, as Kafka's ConfigCommand shows them (the line after the header).
fn new_settings(f: &Fixture, topic: &str) -> String {
    let out = f.new.tool(
        f.new.version.config_command(),
        &["--bootstrap-server", &f.new.bootstrap(), "--describe", "--entity-type", "topics", "--entity-name", topic],
    );
    out.stdout
}

fn held(topic: &str, partitions: i32, verb: &str) -> String {
    row(
        topic,
        partitions,
        1,
        "held",
        &format!("not {verb}: the new cluster refused 1 other topic (--allow-partial creates the others)"),
    )
}

fn the_runbook(f: &Fixture) -> Result<(), Failed> {
    let refusal = "the new cluster refused it: Invalid value 100000 for configuration segment.bytes: Value must be at \
                   least 1048576 (INVALID_CONFIG)";
    // 1. The dry run: validated by the new cluster, MirrorMaker 2's topics left out, sorted.
    let table = [
        HEADER.to_string(),
        held("ledger.internal", 1, "to be created"),
        held("legacy", 1, "to be created"),
        held("orders", 3, "to be created"),
        held("payments", 2, "to be created"),
        row("tiny-segments", 1, 1, "refused", refusal),
    ]
    .concat();
    let dry = copy(f, &["--dry-run"]);
    let none = |verb: &str| {
        format!("Error: none of the 4 other topics {verb}: the new cluster refused 1 (--allow-partial creates the others)\n")
    };
    assert_output(&dry, &table, &format!("{MIRROR_MAKERS}{LEFT_OUT}{REFUSED}{}", none("would be created")), 1);
    // 2. The execute does what the dry run said: nothing.
    let table = [
        HEADER.to_string(),
        held("ledger.internal", 1, "created"),
        held("legacy", 1, "created"),
        held("orders", 3, "created"),
        held("payments", 2, "created"),
        row("tiny-segments", 1, 1, "refused", refusal),
    ]
    .concat();
    let none_created = format!("{MIRROR_MAKERS}{LEFT_OUT}{REFUSED}{}", none("was created"));
    assert_output(&copy(f, &["--execute"]), &table, &none_created, 1);
    let listed = new_topics(f);
    check(!listed.contains("orders") && !listed.contains("legacy"), || format!("created anyway: {listed}"))?;
    // 3. --allow-partial creates the others.
    let table = [
        HEADER.to_string(),
        row("ledger.internal", 1, 1, "created", "-"),
        row("legacy", 1, 1, "created", "retention.ms=3600000"),
        row("orders", 3, 1, "created", "cleanup.policy=compact,min.compaction.lag.ms=60000"),
        row("payments", 2, 1, "created", "retention.ms=86400000"),
        row("tiny-segments", 1, 1, "refused", refusal),
    ]
    .concat();
    let partial = format!("{MIRROR_MAKERS}{LEFT_OUT}{REFUSED}");
    assert_output(&copy(f, &["--execute", "--allow-partial"]), &table, &partial, 1);
    let listed: Vec<String> = new_topics(f).lines().map(str::to_string).collect();
    check(listed == ["ledger.internal", "legacy", "orders", "payments"], || {
        format!("Kafka's TopicCommand lists {listed:?}")
    })?;
    // A MirrorMaker 2 topic named with --topic is copied (a pattern that matches only such topics says why none).
    let heartbeats = [HEADER.to_string(), row("heartbeats", 1, 1, "create", "-")].concat();
    assert_output(&copy(f, &["--topic", "heartbeats", "--dry-run"]), &heartbeats, "", 0);
    assert_output(
        &copy(f, &["--topic", ".*checkpoints.*", "--dry-run"]),
        "",
        "Error: no topic to copy: the topics that match are MirrorMaker 2's own (new.checkpoints.internal): name one \
         with --topic, or give --include-internal-topics, to copy it\n",
        1,
    );
    let orders = new_settings(f, "orders");
    check(orders.contains("cleanup.policy=compact") && orders.contains("min.compaction.lag.ms=60000"), || {
        format!("Kafka's ConfigCommand: {orders}")
    })?;
    // 4. Run again: every topic exists (the setting Kafka 4 does not know is no difference), exit 0.
    let table = [
        HEADER.to_string(),
        row("legacy", 1, 1, "exists", "message.format.version=2.1,retention.ms=3600000"),
        row("orders", 3, 1, "exists", "cleanup.policy=compact,min.compaction.lag.ms=60000"),
        row("payments", 2, 1, "exists", "retention.ms=86400000"),
    ]
    .concat();
    assert_output(&copy(f, &["--topic", "legacy|orders|payments", "--execute"]), &table, "", 0);
    // 5. A --config equal to the new cluster's default is no difference either.
    let table =
        [HEADER.to_string(), row("payments", 2, 1, "exists", "min.insync.replicas=1,retention.ms=86400000")].concat();
    assert_output(&copy(f, &["--topic", "payments", "--config", "min.insync.replicas=1", "--dry-run"]), &table, "", 0);
    // 6. A topic with fewer partitions on the new cluster: reported, then grown only when asked (CreatePartitions),
    //    as Kafka's TopicCommand then describes it.
    f.old.create_topic("growing", 3, &[]);
    f.new.create_topic("growing", 2, &[]);
    let fewer = "fewer partitions on the new cluster: 2 of 3 (--grow-partitions adds the others)";
    assert_output(
        &copy(f, &["--topic", "growing", "--execute"]),
        &[HEADER.to_string(), row("growing", 3, 1, "differs", fewer)].concat(),
        &format!("Error: topic 'growing': differs: {fewer}\n"),
        1,
    );
    assert_output(
        &copy(f, &["--topic", "growing", "--execute", "--grow-partitions"]),
        &[HEADER.to_string(), row("growing", 3, 1, "grown", "1 partition added to the new cluster's 2")].concat(),
        "",
        0,
    );
    let described = f.new.tool(
        Version::V4_4.topic_command(),
        &["--bootstrap-server", &f.new.bootstrap(), "--describe", "--topic", "growing"],
    );
    check(described.stdout.contains("PartitionCount: 3"), || format!("Kafka's TopicCommand: {}", described.stdout))
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![("the_runbook", OLD, the_runbook)]
}

fn main() {
    harness::run_per_version(setup, cases());
}
