//! The library behind get-offset, reset-offsets, migrate-groups and copy-topics: drop-in replacements for Kafka's
//! offset shell tools, and the migration steps around them.
//!
//! Three layers, one folder each:
//! - `client`: the Kafka protocol and client. The tools speak the protocol themselves (message types from the
//!   `kafka-protocol` crate), over TCP or TLS with SASL, one connection per broker, requests pipelined and batched
//!   per broker, coordinator and leader (`client::session`).
//! - `formats`: inputs and outputs, all pure: topic selection, `--time` values and date-times, `--command-config`
//!   and its stores, client settings, the `--from-file` reader, the output writers.
//! - `usecase`: what each tool does, as phases over a session: offset lookups (`lookup`), resets (`reset`, with the
//!   pure `plan`).
//!
//! The binaries parse flags (clap, in `offset-cli` and their own crates), call in, print and map errors to exit
//! codes; the library prints nothing and installs no signal handlers.
#![deny(rust_2018_idioms, unsafe_code)]
#![warn(missing_debug_implementations)]

use std::fmt;
use std::sync::Arc;

pub mod client;
pub mod error;
pub mod formats;
pub mod usecase;

pub use error::{Error, ExitStatus, Result};

/// A partition of a topic. Ordered by topic name, then numerically by partition (Kafka 3.0–3.6 order). The name is
/// shared: a run that handles a million partitions of a few topics keeps each name once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: Arc<str>,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition { topic: Arc::from(topic), partition }
    }
}

/// `topic:partition`, the notation of GetOffsetShell's output.
impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.topic, self.partition)
    }
}
