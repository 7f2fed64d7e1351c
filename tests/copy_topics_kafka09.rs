//! copy-topics from a real Apache Kafka 0.9.0.1 broker, which cannot describe topic settings (DescribeConfigs is
//! Kafka 0.11+): partitions and replication factors are copied, and the tool says that settings are not. The new
//! cluster is the protocol-level fake broker (0.9 cannot create topics over the protocol, nor can the mock cluster).

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::fake_broker::{FakeBroker, Script};
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::run::tool;

#[test]
fn from_kafka_0_9_partitions_are_copied_and_settings_said_to_be_missing() {
    let kafka = Kafka09::start();
    kafka.create_topic("orders", 3, &["retention.ms=86400000"]);
    kafka.create_topic("payments", 2, &[]);
    // A group's commit makes the broker create its internal __consumer_offsets topic, which is not copied.
    offset_tools_tests::groups::commit(&kafka.client_config(), "g", "orders", &[(0, 0)]);
    let new = FakeBroker::start(Script { brokers: 3, ..Script::default() });
    let out = tool("copy-topics", &["--from", &kafka.bootstrap(), "--to", &new.address, "--execute"], None);
    let expected = "\
TOPIC                          PARTITIONS REPLICATION STATUS     DETAILS
orders                         3          1           created    -
payments                       2          1           created    -
";
    assert_output(
        &out,
        expected,
        "Warn: the old cluster cannot describe topic settings (DescribeConfigs, Kafka 0.11+): only partitions and \
         replication factors are copied\n",
        0,
    );
    let topics = vec![("orders".to_string(), 3, 1, Vec::new()), ("payments".to_string(), 2, 1, Vec::new())];
    assert_eq!(new.create_topics_received(), vec![(true, topics.clone()), (false, topics)]);
    assert_eq!(new.state().topics.keys().cloned().collect::<Vec<_>>(), ["orders", "payments"]);
}
