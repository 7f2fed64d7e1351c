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
