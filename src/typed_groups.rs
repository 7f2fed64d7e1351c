//! Share groups (KIP-932) and streams groups (KIP-1071) made by Kafka 4.4's own clients, and read with its own
//! tools: `kafka-share-groups.sh` (ShareGroupCommand) and `kafka-streams-groups.sh` (StreamsGroupCommand).

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::kafka::Kafka;
use crate::run::Output;
use crate::START_PATIENCE;

const SHARE_GROUPS: &str = "org.apache.kafka.tools.consumer.group.ShareGroupCommand";
const STREAMS_GROUPS: &str = "org.apache.kafka.tools.streams.StreamsGroupCommand";
const SHARE_CONSUMER: &str = "org.apache.kafka.tools.consumer.ConsoleShareConsumer";

/// Kafka's `kafka-share-groups.sh` on this cluster.
pub fn share_groups(kafka: &Kafka, args: &[&str]) -> Output {
    let bootstrap = kafka.bootstrap();
    kafka.tool(SHARE_GROUPS, &[&["--bootstrap-server", bootstrap.as_str()], args].concat())
}

/// Kafka's `kafka-streams-groups.sh` on this cluster.
pub fn streams_groups(kafka: &Kafka, args: &[&str]) -> Output {
    let bootstrap = kafka.bootstrap();
    kafka.tool(STREAMS_GROUPS, &[&["--bootstrap-server", bootstrap.as_str()], args].concat())
}

/// A group's state as Kafka's `--describe --state` shows it (the STATE column).
fn share_state(kafka: &Kafka, group: &str) -> Option<String> {
    let out = share_groups(kafka, &["--describe", "--group", group, "--state"]);
    let line = out.stdout.lines().find(|l| l.starts_with(group))?;
    // GROUP  COORDINATOR (ID)  STATE  #MEMBERS: the state is the one before the member count.
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields.get(fields.len().checked_sub(2)?).map(|s| s.to_string())
}

/// Waits until Kafka's tool shows the share group in `state`.
pub fn wait_share_state(kafka: &Kafka, group: &str, state: &str) {
    let deadline = Instant::now() + START_PATIENCE;
    loop {
        let now = share_state(kafka, group);
        if now.as_deref() == Some(state) {
            return;
        }
        assert!(Instant::now() < deadline, "share group {group} is {now:?}, not {state}, after {START_PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Makes a share group read `records` records of a topic from its start (the group's `share.auto.offset.reset`
/// set to earliest first), with Kafka's console share consumer, which acknowledges them and leaves.
pub fn consume_as_share_group(kafka: &Kafka, group: &str, topic: &str, records: usize) {
    let bootstrap = kafka.bootstrap();
    let config = kafka.tool(
        kafka.version.config_command(),
        &[
            "--bootstrap-server",
            &bootstrap,
            "--alter",
            "--entity-type",
            "groups",
            "--entity-name",
            group,
            "--add-config",
            "share.auto.offset.reset=earliest",
        ],
    );
    assert_eq!(config.code, Some(0), "kafka-configs.sh: {config:?}");
    let max = records.to_string();
    let out = kafka.tool(
        SHARE_CONSUMER,
        &["--bootstrap-server", &bootstrap, "--topic", topic, "--group", group, "--max-messages", &max],
    );
    assert_eq!(out.code, Some(0), "console share consumer: {out:?}");
    wait_share_state(kafka, group, "Empty");
}

/// A member of a share group (Kafka's console share consumer) until dropped.
pub struct ShareMember {
    child: Child,
    group: String,
}

impl ShareMember {
    pub fn join(kafka: &Kafka, group: &str, topic: &str) -> ShareMember {
        let child = kafka
            .java_client("256m")
            .arg(SHARE_CONSUMER)
            .args(["--bootstrap-server", &kafka.bootstrap(), "--topic", topic, "--group", group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Kafka's console share consumer");
        wait_share_state(kafka, group, "Stable");
        ShareMember { child, group: group.to_string() }
    }

    /// Stops the member and waits until the group is empty again.
    pub fn leave(mut self, kafka: &Kafka) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        wait_share_state(kafka, &self.group, "Empty");
    }
}

impl Drop for ShareMember {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The start offsets of a share group as Kafka's `--describe --offsets` shows them: (topic, partition) -> offset
/// (None for `-`).
pub fn described_start_offsets(kafka: &Kafka, group: &str) -> Vec<(String, i32, Option<i64>)> {
    let out = share_groups(kafka, &["--describe", "--group", group, "--offsets"]);
    let mut rows: Vec<(String, i32, Option<i64>)> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with(group))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((f.get(1)?.to_string(), f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()))
        })
        .collect();
    rows.sort();
    rows
}
