//! The get-offset use case: connect, read the metadata, select topic-partitions, ask ListOffsets of every leader in
//! one round, and report answers, partitions without an answer, and failures. The binary only prints what this
//! returns.

use std::time::Duration;

use crate::client::metadata::FetchMetadata;
use crate::client::offsets::{ListOffsets, OffsetQuery};
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

/// The ListOffsets query for a spec on this session's cluster, or why the cluster cannot answer it.
pub fn offset_query(session: &Session, spec: OffsetSpec, max_offsets: i32) -> Result<OffsetQuery> {
    let isolation_level = session.settings().isolation_level();
    if max_offsets > 1 {
        // v0 only: removed from brokers in Kafka 4.0 (KIP-896).
        let available = session.versions().range(kafka_protocol::messages::ListOffsetsRequest::KEY);
        if available.is_some_and(|(min, _)| min > 0) {
            return Err(Error::Cluster(
                "--offsets greater than 1 needs ListOffsets v0, which this broker no longer answers (Kafka 4.0 removed it)"
                    .into(),
            ));
        }
        return Ok(OffsetQuery {
            timestamp: spec.wire_value(),
            max_offsets,
            isolation_level,
            min_version: 0,
            max_version: 0,
        });
    }
    let min_version = spec.min_list_offsets_version(session.is_legacy());
    let encodable = kafka_protocol::messages::ListOffsetsRequest::VERSIONS.max;
    if min_version > encodable {
        return Err(Error::Cluster(format!(
            "{}, which this build cannot send yet (it sends ListOffsets up to v{encodable})",
            spec.version_requirement()
        )));
    }
    if min_version > 0 {
        let max = session.versions().range(kafka_protocol::messages::ListOffsetsRequest::KEY).map_or(0, |(_, max)| max);
        if session.is_legacy() || max < min_version {
            let found = if session.is_legacy() {
                "this broker is Kafka 0.9 or older".to_string()
            } else {
                format!("this broker supports up to v{max}")
            };
            return Err(Error::Cluster(format!("{}; {found}", spec.version_requirement())));
        }
    }
    Ok(OffsetQuery {
        timestamp: spec.wire_value(),
        max_offsets: 1,
        isolation_level,
        min_version,
        max_version: i16::MAX,
    })
}

use kafka_protocol::protocol::{Message as _, Request as _};

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
