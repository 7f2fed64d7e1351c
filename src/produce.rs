//! Producing test messages and making sure every one of them was acknowledged.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};

/// Counts failed deliveries, which the default context would drop silently.
#[derive(Debug, Default, Clone)]
struct Deliveries {
    failed: Arc<AtomicUsize>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if result.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Sends `count` messages `topic-partition-i` to one partition (with `timestamp(i)` when given) and panics unless all
/// were acknowledged.
pub fn produce(
    config: &ClientConfig,
    topic: &str,
    partition: i32,
    count: usize,
    timestamp: Option<&dyn Fn(usize) -> i64>,
) {
    let payloads: Vec<String> = (0..count).map(|i| format!("{topic}-{partition}-{i}")).collect();
    produce_payloads(config, topic, partition, &payloads, timestamp);
}

/// Sends these payloads to one partition, in order (with `timestamp(i)` when given), and panics unless all were
/// acknowledged.
pub fn produce_payloads(
    config: &ClientConfig,
    topic: &str,
    partition: i32,
    payloads: &[String],
    timestamp: Option<&dyn Fn(usize) -> i64>,
) {
    let count = payloads.len();
    let context = Deliveries::default();
    let producer: ThreadedProducer<Deliveries> =
        config.create_with_context(context.clone()).expect("create test producer");
    for (i, payload) in payloads.iter().enumerate() {
        let mut record = BaseRecord::<(), _>::to(topic).partition(partition).payload(payload);
        if let Some(ts) = timestamp {
            record = record.timestamp(ts(i));
        }
        producer.send(record).map_err(|(e, _)| e).expect("enqueue test message");
    }
    producer.flush(Duration::from_secs(30)).expect("flush test messages");
    let failed = context.failed.load(Ordering::Relaxed);
    assert_eq!(failed, 0, "{failed} of {count} messages to {topic}:{partition} were not acknowledged");
}

/// A record to produce: key, value and, for CreateTime topics, its timestamp (None: the producer's clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRecord {
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    pub timestamp: Option<i64>,
}

impl TestRecord {
    pub fn new(key: Option<&str>, value: &str, timestamp: Option<i64>) -> TestRecord {
        TestRecord { key: key.map(|k| k.as_bytes().to_vec()), value: value.as_bytes().to_vec(), timestamp }
    }
}

/// `len` bytes that no codec can shrink much (xorshift from `seed`): with a few hundred of them, a producer's batch is
/// about 1 MB, compressed or not.
pub fn incompressible(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Sends records to one partition, in order, and panics unless all were acknowledged. `config` decides batching and
/// compression.
pub fn produce_records(config: &ClientConfig, topic: &str, partition: i32, records: &[TestRecord]) {
    send_all(config, topic, records.iter().map(|r| (partition, r)));
}

/// Sends (partition, record) pairs in order with one producer, and panics unless all were acknowledged.
fn send_all<'a>(config: &ClientConfig, topic: &str, records: impl IntoIterator<Item = (i32, &'a TestRecord)>) {
    let context = Deliveries::default();
    let producer: ThreadedProducer<Deliveries> =
        config.create_with_context(context.clone()).expect("create test producer");
    let mut count = 0;
    for (partition, record) in records {
        send(&producer, topic, partition, record);
        count += 1;
    }
    producer.flush(Duration::from_secs(60)).expect("flush test records");
    let failed = context.failed.load(Ordering::Relaxed);
    assert_eq!(failed, 0, "{failed} of {count} records to {topic} were not acknowledged");
}

fn send(producer: &ThreadedProducer<Deliveries>, topic: &str, partition: i32, record: &TestRecord) {
    let mut base = BaseRecord::<[u8], [u8], ()>::to(topic).partition(partition).payload(record.value.as_slice());
    if let Some(key) = &record.key {
        base = base.key(key.as_slice());
    }
    if let Some(ts) = record.timestamp {
        base = base.timestamp(ts);
    }
    // The queue may be full while a large batch is sent: wait and retry.
    loop {
        match producer.send(base) {
            Ok(()) => return,
            Err((rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull), b)) => {
                base = b;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err((e, _)) => panic!("cannot enqueue a test record: {e}"),
        }
    }
}

/// Sends records to one partition in one transaction (`transactional.id` = `id`), then commits or aborts it: the
/// partition gets the records and a COMMIT or ABORT marker.
pub fn produce_transaction(
    config: &ClientConfig,
    id: &str,
    topic: &str,
    partition: i32,
    records: &[TestRecord],
    commit: bool,
) {
    let producer = open_transaction(config, id, topic, partition, records);
    let timeout = Duration::from_secs(60);
    if commit {
        producer.commit_transaction(timeout).expect("commit transaction");
    } else {
        producer.abort_transaction(timeout).expect("abort transaction");
    }
}

/// Sends records to one partition in a transaction left open: the records are written, their transaction neither
/// committed nor aborted while the returned producer lives (read_committed readers stop before them).
pub fn open_transaction(
    config: &ClientConfig,
    id: &str,
    topic: &str,
    partition: i32,
    records: &[TestRecord],
) -> ThreadedProducer<impl ProducerContext> {
    let producer: ThreadedProducer<Deliveries> = config
        .clone()
        .set("transactional.id", id)
        .create_with_context(Deliveries::default())
        .expect("create transactional producer");
    let timeout = Duration::from_secs(60);
    producer.init_transactions(timeout).expect("init transactions");
    producer.begin_transaction().expect("begin transaction");
    for record in records {
        send(&producer, topic, partition, record);
    }
    producer.flush(timeout).expect("flush transaction");
    producer
}

/// Sends `count` records `topic-p-i` to every partition in `partitions` with one producer (a topic of a thousand
/// partitions would otherwise start a thousand producers), and panics unless all were acknowledged.
pub fn produce_to_each(config: &ClientConfig, topic: &str, partitions: i32, count: usize) {
    let records: Vec<(i32, TestRecord)> = (0..partitions)
        .flat_map(|p| (0..count).map(move |i| (p, TestRecord::new(None, &format!("{topic}-{p}-{i}"), None))))
        .collect();
    send_all(config, topic, records.iter().map(|(p, r)| (*p, r)));
}
