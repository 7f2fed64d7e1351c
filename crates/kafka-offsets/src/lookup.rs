//! The get-offset use case: select topic-partitions from the metadata, ask ListOffsets, and report answers,
//! partitions without an answer, and failures. The binary only prints what this returns.

use std::time::Duration;

use crate::cluster::Cluster;
use crate::config::ClientSettings;
use crate::error::{Error, Result};
use crate::format::PartitionOffsets;
use crate::probe::BrokerGeneration;
use crate::select::Selector;
use crate::time::OffsetSpec;

/// What get-offset was asked for.
#[derive(Debug, Clone)]
pub struct OffsetLookup {
    pub settings: ClientSettings,
    pub selector: Selector,
    pub exclude_internal_topics: bool,
    pub spec: OffsetSpec,
    /// The old `--offsets N` (ListOffsets v0); 1 uses the normal path.
    pub max_offsets: i32,
    /// Bound for the metadata request (`--max-wait-ms`), else the client timeout.
    pub metadata_timeout: Option<Duration>,
}

/// What get-offset found. `rows` is sorted by topic, then numeric partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetReport {
    pub rows: Vec<PartitionOffsets>,
    /// Information for stderr (`Warn:` lines): nothing found for a time, segment-time answers of old brokers.
    pub warnings: Vec<String>,
    /// Failures for stderr; any of them makes the exit code 1.
    pub failures: Vec<String>,
}

impl OffsetLookup {
    pub fn run(&self) -> Result<OffsetReport> {
        let mut report = OffsetReport::default();
        let mut cluster = Cluster::connect(self.settings.clone())?;
        let topics = cluster.topics(self.metadata_timeout.unwrap_or(self.settings.timeout))?;
        let selection = self.selector.select(&topics, self.exclude_internal_topics);
        if selection.partitions.is_empty() {
            return Err(Error::NoMatch);
        }
        report.failures.extend(selection.unmatched.iter().map(|u| format!("Error: {u}")));

        let legacy = cluster.generation() == Some(&BrokerGeneration::Legacy);
        if legacy && matches!(self.spec, OffsetSpec::Timestamp(_)) {
            report.warnings.push(
                "the broker does not support ApiVersions (Kafka 0.9 or older): a --time timestamp is answered \
                 with log segment boundaries by segment file time, not by record timestamps"
                    .to_string(),
            );
        }
        let no_offset_reason = match (self.spec, legacy) {
            (OffsetSpec::Timestamp(_), true) => "no log segment was last modified at or before that time",
            (OffsetSpec::Timestamp(_), false) => "no record has a timestamp at or after that time",
            _ => "the partition has no such offset",
        };

        let answers = cluster.offsets(&selection.partitions, self.spec, self.max_offsets)?;
        for (partition, result) in answers {
            match result {
                Ok(offsets) if offsets.is_empty() => report.warnings.push(format!(
                    "no offset for topic-partition {partition} at time {}: {no_offset_reason}",
                    self.spec
                )),
                Ok(offsets) => report.rows.push(PartitionOffsets { partition, offsets }),
                Err(reason) => report
                    .failures
                    .push(format!("Skip getting offsets for topic-partition {partition} due to error: {reason}")),
            }
        }
        report.rows.sort_by(|a, b| a.partition.cmp(&b.partition));
        Ok(report)
    }
}
