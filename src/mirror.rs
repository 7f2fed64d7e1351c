//! MirrorMaker 2 (`org.apache.kafka.connect.mirror.MirrorMaker`, dedicated mode) copying topics from an old cluster
//! to a new one, as an operator runs it for a migration: the identity replication policy (same topic names); group
//! offsets are synced when a test asks (to read MirrorMaker's own translation beside ours). It runs from the new cluster's
//! jars; it can be stopped and started again (replication lag across a producer switch).

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::TopicPartitionList;

use crate::kafka::{Kafka, Version};
use crate::scratch_dir;

/// MirrorMaker 2 of Kafka 4.1 whatever the new cluster's release: Maven has no connect-mirror 4.4.0.
const RELEASE: Version = Version::V4_1;
/// Its settings and its log configuration, in its directory.
const PROPERTIES: &str = "mm2.properties";
const LOG_CONFIG: &str = "log.properties";

/// A running MirrorMaker 2.
#[derive(Debug)]
pub struct MirrorMaker {
    dir: PathBuf,
    process: Option<Child>,
    watchdog: Option<Child>,
}

impl MirrorMaker {
    /// Copies the topics matching `topics` (a regex) from `old` to `new`, with these extra settings (they come last:
    /// a setting given twice takes its last value).
    pub fn start(old: &Kafka, new: &Kafka, topics: &str, settings: &[&str]) -> MirrorMaker {
        let dir = scratch_dir("mirror-maker");
        let mut config = format!(
            "clusters=old,new\nold.bootstrap.servers={}\nnew.bootstrap.servers={}\nold->new.enabled=true\n\
             new->old.enabled=false\nold->new.topics={topics}\n\
             replication.policy.class=org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n\
             replication.factor=1\ncheckpoints.topic.replication.factor=1\nheartbeats.topic.replication.factor=1\n\
             offset-syncs.topic.replication.factor=1\noffset.storage.replication.factor=1\n\
             status.storage.replication.factor=1\nconfig.storage.replication.factor=1\n\
             refresh.topics.interval.seconds=1\nrefresh.groups.interval.seconds=1\nemit.heartbeats.enabled=false\ntasks.max=1\n",
            old.bootstrap(),
            new.bootstrap()
        );
        for setting in settings {
            config.push_str(setting);
            config.push('\n');
        }
        std::fs::write(dir.join(PROPERTIES), config).expect("write mm2.properties");
        std::fs::write(dir.join(LOG_CONFIG), RELEASE.log_config("INFO", Some(&dir.join("mm2.log"))))
            .expect("write the log configuration");
        let mut mirror = MirrorMaker { dir, process: None, watchdog: None };
        mirror.watchdog = Some(crate::spawn_watchdog(&mirror.dir));
        mirror.resume();
        mirror
    }

    /// Stops copying (the JVM is killed: what it had not copied stays behind, as with replication lag; started
    /// again, it copies from the position it last saved, so some records are copied twice).
    pub fn pause(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts copying again from where its committed source offsets are.
    pub fn resume(&mut self) {
        assert!(self.process.is_none(), "MirrorMaker is running");
        let child = crate::kafka::java(RELEASE, "512m", &self.dir.join(LOG_CONFIG), &self.dir)
            .arg("org.apache.kafka.connect.mirror.MirrorMaker")
            .arg(self.dir.join(PROPERTIES))
            .args(["--clusters", "new"])
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(self.dir.join("stdout")).expect("log file"))
            .stderr(std::fs::File::create(self.dir.join("stderr")).expect("log file"))
            .spawn()
            .expect("start MirrorMaker");
        self.process = Some(child);
    }

    /// Its whole log, for a failure message.
    pub fn logs(&self) -> String {
        crate::whole_logs(&[&self.dir.join("mm2.log"), &self.dir.join("stdout"), &self.dir.join("stderr")])
    }

    /// Waits until `partition` of `topic` on `new` holds a copy (same key, value and timestamp) of the last record
    /// of that partition on `old`: everything before it was copied too, since MirrorMaker copies a partition in
    /// order. (Counting records would not do: a MirrorMaker killed before it saved its position copies again what
    /// it had copied, as at-least-once delivery does.) Panics after `timeout` with MirrorMaker's log.
    pub fn wait_until_copied(&self, old: &Kafka, new: &Kafka, topic: &str, partition: i32, timeout: Duration) {
        self.wait_until_copied_as(old, new, topic, topic, partition, timeout)
    }

    /// Waits until the copy named `copy` on the new cluster holds the last record of `topic`'s partition, found by
    /// key and value (a new cluster with LogAppendTime stamps the copies anew).
    pub fn wait_until_copied_as(
        &self,
        old: &Kafka,
        new: &Kafka,
        topic: &str,
        copy: &str,
        partition: i32,
        timeout: Duration,
    ) {
        let deadline = Instant::now() + timeout;
        let Some(last) = dump(&old.client_config(), topic, partition, "read_uncommitted").pop() else { return };
        loop {
            if exists(&new.client_config(), copy, partition)
                && dump(&new.client_config(), copy, partition, "read_uncommitted")
                    .iter()
                    .any(|r| r.1 == last.1 && r.2 == last.2)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "MirrorMaker did not copy {topic}:{partition} to its last record in {timeout:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// Every record of a partition, read from its log start to its high watermark: (offset, key, value, timestamp).
pub type DumpedRecord = (i64, Option<Vec<u8>>, Option<Vec<u8>>, i64);

/// Reads a whole partition (read_uncommitted: aborted records too, as a copy sees them; use `isolation` to change).
pub fn dump(config: &ClientConfig, topic: &str, partition: i32, isolation: &str) -> Vec<DumpedRecord> {
    let consumer: BaseConsumer = config
        .clone()
        .set("group.id", "offset-tools-test-dump")
        .set("enable.auto.commit", "false")
        .set("isolation.level", isolation)
        .set("enable.partition.eof", "true")
        .create()
        .expect("dump consumer");
    let (low, high) = consumer.fetch_watermarks(topic, partition, Duration::from_secs(20)).expect("watermarks");
    let mut records = Vec::new();
    if low >= high {
        return records;
    }
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(topic, partition, rdkafka::Offset::Beginning).expect("offset");
    consumer.assign(&assignment).expect("assign");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(message)) => {
                records.push((
                    message.offset(),
                    message.key().map(<[u8]>::to_vec),
                    message.payload().map(<[u8]>::to_vec),
                    message.timestamp().to_millis().unwrap_or(-1),
                ));
            }
            Some(Err(rdkafka::error::KafkaError::PartitionEOF(_))) => return records,
            Some(Err(e)) => panic!("cannot read {topic}:{partition}: {e}"),
            None => {}
        }
    }
    panic!("reading {topic}:{partition} to its end ({high}) took more than 60 s");
}

/// Whether `copy` has the key, value and timestamp of `record` (its offset may differ).
fn is_copy(copy: &DumpedRecord, record: &DumpedRecord) -> bool {
    copy.1 == record.1 && copy.2 == record.2 && copy.3 == record.3
}

/// Where a consumer that read a partition of the old cluster up to `committed` must start on the new one, computed
/// from both clusters' records: the first record of the new cluster that is not a copy (same key, value and
/// timestamp) of a record it read. That is the copy of its next record, or a record the switched producers wrote
/// before that copy arrived; past the last record when there is none.
pub fn first_unread(old: &[DumpedRecord], new: &[DumpedRecord], committed: i64) -> i64 {
    let read: Vec<&DumpedRecord> = old.iter().filter(|r| r.0 < committed).collect();
    new.iter().find(|n| !read.iter().any(|r| is_copy(n, r))).map_or_else(|| new.last().map_or(0, |n| n.0 + 1), |n| n.0)
}

/// Whether the topic exists with this partition (MirrorMaker creates the topics it copies a moment after it starts).
fn exists(config: &ClientConfig, topic: &str, partition: i32) -> bool {
    let consumer: BaseConsumer = config.create().expect("metadata client");
    consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .is_ok_and(|m| m.topics().iter().any(|t| t.error().is_none() && t.partitions().len() > partition as usize))
}

impl Drop for MirrorMaker {
    fn drop(&mut self) {
        self.pause();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
