//! Consumer groups in tests: read a group's committed offsets as an outsider, and keep a real, subscribed member
//! in a group (which makes the group active).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

/// The committed offsets of `group` for the given partitions (None where there is none).
pub fn committed(config: &ClientConfig, group: &str, topic: &str, partitions: &[i32]) -> Vec<Option<i64>> {
    let consumer: BaseConsumer =
        config.clone().set("group.id", group).create().expect("consumer for committed offsets");
    let mut list = TopicPartitionList::new();
    for p in partitions {
        list.add_partition(topic, *p);
    }
    // A coordinator still loading or just moved answers with a passing error: asked again, as a client would.
    let mut tries = 0;
    let committed = loop {
        match consumer.committed_offsets(list.clone(), Duration::from_secs(20)) {
            Ok(committed) => break committed,
            Err(e) if tries < 20 => {
                tries += 1;
                eprintln!("reading committed offsets of {group} again after: {e}");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("read committed offsets: {e}"),
        }
    };
    partitions
        .iter()
        .map(|p| match committed.find_partition(topic, *p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) => Some(o),
            _ => None,
        })
        .collect()
}

/// Commits offsets for `group` as its consumers would (partition, offset), and panics unless they were. A
/// coordinator that is moving or loading (a cluster's offsets partitions just elected their leaders) is asked again
/// for up to 30 s, as a consumer would.
pub fn commit(config: &ClientConfig, group: &str, topic: &str, offsets: &[(i32, i64)]) {
    let consumer: BaseConsumer = config.clone().set("group.id", group).create().expect("consumer for commits");
    let mut list = TopicPartitionList::new();
    for (p, offset) in offsets {
        list.add_partition_offset(topic, *p, Offset::Offset(*offset)).expect("offset");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match consumer.commit(&list, CommitMode::Sync) {
            Ok(()) => return,
            Err(KafkaError::ConsumerCommit(
                RDKafkaErrorCode::NotCoordinator
                | RDKafkaErrorCode::CoordinatorLoadInProgress
                | RDKafkaErrorCode::CoordinatorNotAvailable,
            )) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => panic!("commit for {group}: {e}"),
        }
    }
}

/// A subscribed group member, polling in its own thread until dropped (then it leaves the group).
#[derive(Debug)]
pub struct Member {
    stop: Arc<AtomicBool>,
    assigned: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Member {
    /// A member of a classic group.
    pub fn join(config: &ClientConfig, group: &str, topic: &str) -> Member {
        let mut config = config.clone();
        config.set("session.timeout.ms", "10000");
        Member::join_with(&config, group, topic)
    }

    /// A member of a group of the consumer protocol (KIP-848, Kafka 4.0+): the broker assigns its partitions.
    pub fn join_consumer_protocol(config: &ClientConfig, group: &str, topic: &str) -> Member {
        let mut config = config.clone();
        config.set("group.protocol", "consumer");
        Member::join_with(&config, group, topic)
    }

    fn join_with(config: &ClientConfig, group: &str, topic: &str) -> Member {
        let consumer: BaseConsumer = config
            .clone()
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .expect("group member");
        consumer.subscribe(&[topic]).expect("subscribe");
        let stop = Arc::new(AtomicBool::new(false));
        let assigned = Arc::new(AtomicBool::new(false));
        let (stop_flag, assigned_flag) = (Arc::clone(&stop), Arc::clone(&assigned));
        let thread = std::thread::spawn(move || {
            while !stop_flag.load(Ordering::Relaxed) {
                let _ = consumer.poll(Duration::from_millis(100));
                if consumer.assignment().is_ok_and(|a| a.count() > 0) {
                    assigned_flag.store(true, Ordering::Relaxed);
                }
            }
            consumer.unsubscribe();
            drop(consumer);
        });
        let member = Member { stop, assigned, thread: Some(thread) };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !member.assigned.load(Ordering::Relaxed) {
            assert!(Instant::now() < deadline, "the member of group {group} got no assignment within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        member
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
