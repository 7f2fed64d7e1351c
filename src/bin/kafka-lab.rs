//! `make demo`'s real clusters: two Kafka 4.4 brokers (KRaft, loopback, the jars `make demo` fetched into .cache/)
//! for the migration runbook, started as the tests start theirs, and the records of its producers.
//!
//! `kafka-lab start TOPIC:PARTITIONS`: starts the old and the new cluster, creates the topic on the old one, prints
//! both bootstrap addresses on one line, and stops both (removing their directories) when its stdin ends.
//! `kafka-lab produce BOOTSTRAP TOPIC PARTITIONS FIRST COUNT SINCE`: records `FIRST..FIRST+COUNT` to every
//! partition, record `i` at SINCE + i seconds (ms since the epoch), each the same (key, value, timestamp) wherever it
//! is produced: produced to both clusters with the same SINCE, they are a copy.

use std::io::Read;

use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::produce::{produce_records, TestRecord};
use rdkafka::config::ClientConfig;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args[..] {
        ["start", topic] => start(topic),
        ["produce", bootstrap, topic, partitions, first, count, since] => {
            let number = |s: &str| s.parse::<i64>().unwrap_or_else(|_| usage());
            let records = number(first)..number(first) + number(count);
            produce(bootstrap, topic, number(partitions) as i32, records, number(since));
        }
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: kafka-lab start TOPIC:PARTITIONS | kafka-lab produce BOOTSTRAP TOPIC PARTITIONS FIRST COUNT SINCE"
    );
    std::process::exit(2)
}

fn start(topic: &str) {
    let (name, partitions) = topic.split_once(':').unwrap_or_else(|| usage());
    let partitions: i32 = partitions.parse().unwrap_or_else(|_| usage());
    let new = std::thread::spawn(|| Kafka::start(Version::V4_4));
    let old = Kafka::start(Version::V4_4);
    let new = new.join().expect("the new cluster started");
    old.create_topic(name, partitions, &[]);
    println!("{} {}", old.bootstrap(), new.bootstrap());
    // Runs until whoever started it closes its stdin (or dies); then the clusters stop and their directories go.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

fn produce(bootstrap: &str, topic: &str, partitions: i32, records: std::ops::Range<i64>, since: i64) {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap).set("compression.type", "zstd").set("linger.ms", "5");
    for partition in 0..partitions {
        let records: Vec<TestRecord> = records
            .clone()
            .map(|i| {
                let key = format!("customer-{}", i % 7);
                let value = format!("order {i} of partition {partition}");
                TestRecord::new(Some(&key), &value, Some(since + i * 1000))
            })
            .collect();
        produce_records(&config, topic, partition, &records);
    }
}
