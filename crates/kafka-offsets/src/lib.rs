//! The library behind `get-offset` and `reset-offsets`, drop-in replacements for Kafka's GetOffsetShell and
//! `kafka-consumer-groups.sh --reset-offsets`.
//!
//! Everything that knows Kafka or the file formats lives here; the binaries only parse flags, call in, print and
//! map errors to exit codes. Pure modules (`select`, `time`, `format`, `wire`, most of `config`) need no broker.
//! `cluster` and `probe` talk to brokers; `native` is the only module with `unsafe` (librdkafka's C API).
#![deny(rust_2018_idioms)]
#![warn(missing_debug_implementations)]

use std::fmt;

pub mod cli_support;
pub mod cluster;
pub mod command_config;
pub mod config;
pub mod error;
pub mod format;
pub mod interrupt;
pub mod lookup;
pub mod native;
pub mod plan;
pub mod probe;
pub mod reset;
pub mod select;
pub mod stores;
pub mod time;
pub mod wire;

pub use error::{Error, ExitStatus, Result};

/// A partition of a topic. Ordered by topic name, then numerically by partition (Kafka 3.0–3.6 order).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition { topic: topic.to_string(), partition }
    }
}

/// `topic:partition`, the notation of GetOffsetShell's output.
impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.topic, self.partition)
    }
}
