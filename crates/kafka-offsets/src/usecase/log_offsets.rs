//! The log start and end offsets of partitions, and the offsets at a time, looked up together (one ListOffsets
//! request per leader and kind, all in one round): what reset and migrate plan with.

use std::collections::{BTreeMap, HashMap};

use crate::client::offsets::{ListOffsets, OffsetQuery};
use crate::client::session::{Operation, Session};
use crate::TopicPartition;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OffsetKind {
    Earliest,
    Latest,
    AtTime,
}

/// The lookups of a set of partitions, as operations to drive.
#[derive(Debug)]
pub(crate) struct LogOffsetLookups {
    lookups: Vec<(OffsetKind, ListOffsets)>,
}

/// The answers, per partition: the offset, or None when the broker has none (no record at or after the time).
#[derive(Debug, Default)]
pub(crate) struct LogOffsets {
    pub earliest: HashMap<TopicPartition, Option<i64>>,
    pub latest: HashMap<TopicPartition, Option<i64>>,
    pub at_time: HashMap<TopicPartition, Option<i64>>,
    /// Partitions whose lookups failed, and why.
    pub failed: BTreeMap<TopicPartition, String>,
}

impl LogOffsets {
    /// Log start and end, when both were answered.
    pub fn bounds(&self, tp: &TopicPartition) -> Option<(i64, i64)> {
        match (self.earliest.get(tp), self.latest.get(tp)) {
            (Some(Some(earliest)), Some(Some(latest))) => Some((*earliest, *latest)),
            _ => None,
        }
    }
}

impl LogOffsetLookups {
    /// Log start and end of `partitions` (with their leaders), and the offsets at `at_time` when given.
    pub fn new(session: &Session, partitions: &[(TopicPartition, i32)], at_time: Option<i64>) -> LogOffsetLookups {
        let isolation_level = session.settings().isolation_level();
        let query = |timestamp: i64, min_version: i16| OffsetQuery {
            timestamp,
            max_offsets: 1,
            isolation_level,
            min_version,
            max_version: i16::MAX,
        };
        let mut lookups = vec![
            (OffsetKind::Earliest, ListOffsets::new(query(-2, 0), partitions)),
            (OffsetKind::Latest, ListOffsets::new(query(-1, 0), partitions)),
        ];
        if let Some(ms) = at_time {
            // Kafka 0.9 answers v0 (segment times); a modern broker must answer by record time (v1+).
            let min_version = if session.is_legacy() { 0 } else { 1 };
            lookups.push((OffsetKind::AtTime, ListOffsets::new(query(ms, min_version), partitions)));
        }
        LogOffsetLookups { lookups }
    }

    /// The log end of `partitions` only.
    pub fn latest(session: &Session, partitions: &[(TopicPartition, i32)]) -> LogOffsetLookups {
        let query = OffsetQuery {
            timestamp: -1,
            max_offsets: 1,
            isolation_level: session.settings().isolation_level(),
            min_version: 0,
            max_version: i16::MAX,
        };
        LogOffsetLookups { lookups: vec![(OffsetKind::Latest, ListOffsets::new(query, partitions))] }
    }

    pub fn none() -> LogOffsetLookups {
        LogOffsetLookups { lookups: Vec::new() }
    }

    pub fn operations(&mut self) -> impl Iterator<Item = &mut dyn Operation> {
        self.lookups.iter_mut().map(|(_, l)| l as &mut dyn Operation)
    }

    pub fn results(self) -> LogOffsets {
        let mut found = LogOffsets::default();
        for (kind, lookup) in self.lookups {
            for (tp, result) in lookup.results() {
                match result {
                    Ok(offsets) => {
                        let answers = match kind {
                            OffsetKind::Earliest => &mut found.earliest,
                            OffsetKind::Latest => &mut found.latest,
                            OffsetKind::AtTime => &mut found.at_time,
                        };
                        answers.insert(tp, offsets.first().copied());
                    }
                    Err(e) => {
                        found.failed.entry(tp).or_insert(e);
                    }
                }
            }
        }
        found
    }
}
