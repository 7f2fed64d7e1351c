//! Admin requests a test makes of a real cluster through librdkafka (never through the tools under test).

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, AlterConfig, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::{Offset, TopicPartitionList};

use crate::kafka::block_on;

fn admin(config: &ClientConfig) -> AdminClient<DefaultClientContext> {
    config.create().expect("admin client")
}

/// Deletes the records before these offsets (`(partition, offset)`): the partitions' log starts move there, as
/// retention would move them.
pub fn delete_records(config: &ClientConfig, topic: &str, before: &[(i32, i64)]) {
    let mut list = TopicPartitionList::new();
    for (partition, offset) in before {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset)).expect("offset");
    }
    let results = block_on(admin(config).delete_records(&list, &AdminOptions::new())).expect("delete records");
    for element in results.elements() {
        if let Err(e) = element.error() {
            panic!("cannot delete records of {topic}:{}: {e}", element.partition());
        }
    }
}

/// Replaces a topic's settings (`key=value`) by these: the ones left out go back to the broker's defaults.
pub fn set_topic_configs(config: &ClientConfig, topic: &str, settings: &[&str]) {
    let mut alter = AlterConfig::new(ResourceSpecifier::Topic(topic));
    for setting in settings {
        let (key, value) = setting.split_once('=').expect("setting key=value");
        alter = alter.set(key, value);
    }
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in block_on(admin(config).alter_configs([&alter], &options)).expect("alter configs") {
        result.unwrap_or_else(|(resource, e)| panic!("cannot change the settings of {resource:?}: {e}"));
    }
}
