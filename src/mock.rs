//! librdkafka's mock cluster for tests: several brokers in this process, on loopback ports.

use kafka_mock::MockCluster;
use rdkafka::config::ClientConfig;

use crate::produce::{produce, produce_payloads};

/// A running mock cluster and its bootstrap address.
#[derive(Debug)]
pub struct Mock {
    pub cluster: MockCluster,
    pub bootstrap: String,
}

impl Mock {
    /// Starts `brokers` mock brokers; panics (failing the test) when librdkafka cannot.
    pub fn start(brokers: i32) -> Mock {
        let cluster = MockCluster::new(brokers).expect("start librdkafka's mock cluster");
        let bootstrap = cluster.bootstrap_servers();
        Mock { cluster, bootstrap }
    }

    /// librdkafka settings for a test client of this cluster.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap).set("log_level", "0");
        config
    }

    /// Creates a topic with leaders spread over the brokers.
    pub fn topic(&self, name: &str, partitions: i32) -> &Mock {
        self.cluster.create_topic_spread(name, partitions).expect("create mock topic");
        self
    }

    /// Produces `count` messages to one partition, timestamps `first_ms`, `first_ms + 1000`, ...
    pub fn produce(&self, topic: &str, partition: i32, count: usize, first_ms: i64) -> &Mock {
        let mut config = self.client_config();
        config.set("linger.ms", "2");
        produce(&config, topic, partition, count, Some(&|i| first_ms + i as i64 * 1000));
        self
    }

    /// Produces these payloads to one partition, in order, timestamps `first_ms`, `first_ms + 1000`, ...
    pub fn produce_payloads(&self, topic: &str, partition: i32, payloads: &[String], first_ms: i64) -> &Mock {
        self.produce_timed(topic, partition, payloads, &|i| first_ms + i as i64 * 1000)
    }

    /// Produces these payloads to one partition, in order, the i-th with timestamp `timestamp(i)`.
    pub fn produce_timed(
        &self,
        topic: &str,
        partition: i32,
        payloads: &[String],
        timestamp: &dyn Fn(usize) -> i64,
    ) -> &Mock {
        let mut config = self.client_config();
        config.set("linger.ms", "2");
        produce_payloads(&config, topic, partition, payloads, Some(timestamp));
        self
    }
}
