//! The get-offset use case: connect, read the metadata, select topic-partitions, ask ListOffsets of every leader in
//! one round, and report answers, partitions without an answer, and failures. The binary only prints what this
//! returns.

use std::time::Duration;

use crate::client::metadata::FetchMetadata;
use crate::client::offsets::{offset_query, ListOffsets};
use crate::client::session::Session;
use crate::error::{Error, Result};
use crate::formats::output::PartitionOffsets;
use crate::formats::select::Selector;
use crate::formats::settings::ClientSettings;
use crate::formats::time::OffsetSpec;

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
        let session = Session::connect(self.settings.clone())?;
        let query = offset_query(&session, self.spec, self.max_offsets)?;
        // A cluster of many topics answers for all of them slowly: name the topics when the selection can.
        let mut metadata = FetchMetadata::of(self.selector.named_topics());
        session.drive("metadata", &mut [&mut metadata], self.metadata_timeout.unwrap_or(self.settings.timeout))?;
        let metadata = metadata.result.unwrap_or_else(|| Err("no metadata".into())).map_err(Error::Cluster)?;
        let selection = self.selector.select(&metadata.topics, self.exclude_internal_topics);
        if selection.partitions.is_empty() {
            return Err(Error::NoMatch);
        }
        report.failures.extend(selection.unmatched.iter().map(|u| format!("Error: {u}")));

        let legacy = session.is_legacy();
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

        let partitions: Vec<_> = selection.partitions.iter().map(|(tp, meta)| (tp.clone(), meta.leader)).collect();
        let mut lookup = ListOffsets::new(query, &partitions);
        session.drive("offsets", &mut [&mut lookup], self.settings.timeout)?;
        for (partition, result) in lookup.results() {
            match result {
                Ok(offsets) if offsets.is_empty() => report.warnings.push(format!(
                    "no offset for topic-partition {partition} at time {}: {no_offset_reason}",
                    self.spec
                )),
                Ok(offsets) => report.rows.push(PartitionOffsets { partition, offsets }),
                Err(reason) => report.failures.push(format!("Error: cannot get the offsets of {partition}: {reason}")),
            }
        }
        report.rows.sort_by(|a, b| a.partition.cmp(&b.partition));
        Ok(report)
    }
}
