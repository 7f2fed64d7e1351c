//! Which version of each request a broker takes: from its ApiVersions answer (KIP-35, Kafka 0.10+), or Kafka 0.9's
//! fixed set for brokers that do not answer ApiVersions. Each request is sent at the highest version both this build
//! and the broker support, within the range a use needs.

use std::collections::HashMap;

use kafka_protocol::messages::ApiVersionsResponse;
use kafka_protocol::protocol::Request;

/// The API versions of Kafka 0.9.0.1 (which has no ApiVersions): what its request handlers accept.
const KAFKA_0_9: &[(i16, i16, i16)] = &[
    (0, 0, 1),  // Produce
    (1, 0, 1),  // Fetch
    (2, 0, 0),  // ListOffsets
    (3, 0, 0),  // Metadata
    (8, 0, 2),  // OffsetCommit
    (9, 0, 1),  // OffsetFetch
    (10, 0, 0), // FindCoordinator (GroupCoordinator)
    (11, 0, 0), // JoinGroup
    (12, 0, 0), // Heartbeat
    (13, 0, 0), // LeaveGroup
    (14, 0, 0), // SyncGroup
    (15, 0, 0), // DescribeGroups
    (16, 0, 0), // ListGroups
];

/// What a broker (or cluster) supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersions {
    /// Kafka 0.9 or older: no ApiVersions, v0 requests (see [`KAFKA_0_9`]).
    pub legacy: bool,
    ranges: HashMap<i16, (i16, i16)>,
}

impl ApiVersions {
    pub fn legacy() -> ApiVersions {
        ApiVersions { legacy: true, ranges: KAFKA_0_9.iter().map(|&(k, min, max)| (k, (min, max))).collect() }
    }

    pub fn from_response(response: &ApiVersionsResponse) -> ApiVersions {
        let ranges = response.api_keys.iter().map(|k| (k.api_key, (k.min_version, k.max_version))).collect();
        ApiVersions { legacy: false, ranges }
    }

    pub fn from_ranges(ranges: &[(i16, i16, i16)]) -> ApiVersions {
        ApiVersions { legacy: false, ranges: ranges.iter().map(|&(k, min, max)| (k, (min, max))).collect() }
    }

    /// The broker's range for an API key, if it has the API at all.
    pub fn range(&self, api_key: i16) -> Option<(i16, i16)> {
        self.ranges.get(&api_key).copied()
    }

    pub fn supports(&self, api_key: i16) -> bool {
        self.ranges.contains_key(&api_key)
    }

    /// The highest version of `R` in `[min, max]` that this build and the broker both support.
    pub fn pick<R: Request>(&self, min: i16, max: i16) -> Option<i16> {
        let (broker_min, broker_max) = self.range(R::KEY)?;
        let low = min.max(broker_min).max(R::VERSIONS.min);
        let high = max.min(broker_max).min(R::VERSIONS.max);
        (low <= high).then_some(high)
    }

    /// The highest version of `R` both support.
    pub fn best<R: Request>(&self) -> Option<i16> {
        self.pick::<R>(0, i16::MAX)
    }
}

/// The name of an API key, for messages (`ListOffsets`).
pub fn api_name(api_key: i16) -> String {
    if let Some((_, name)) = crate::client::messages::APIS.iter().find(|&&(key, _)| key == api_key) {
        return name.to_string();
    }
    match kafka_protocol::messages::ApiKey::try_from(api_key) {
        Ok(key) => format!("{key:?}"),
        Err(()) => format!("API {api_key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::{ListOffsetsRequest, MetadataRequest, OffsetFetchRequest};
    use kafka_protocol::protocol::Message;

    #[test]
    fn picks_the_highest_common_version_within_the_range() {
        let v = ApiVersions::from_ranges(&[(2, 1, 7), (3, 4, 40)]);
        assert_eq!(v.best::<ListOffsetsRequest>(), Some(7));
        assert_eq!(v.pick::<ListOffsetsRequest>(8, 9), None);
        assert_eq!(v.pick::<ListOffsetsRequest>(0, 0), None);
        // Capped by what this build can encode.
        assert_eq!(v.best::<MetadataRequest>(), Some(MetadataRequest::VERSIONS.max));
        assert_eq!(v.best::<OffsetFetchRequest>(), None);
    }

    #[test]
    fn kafka_0_9_takes_v0_list_offsets_and_offset_fetch_v1() {
        let v = ApiVersions::legacy();
        assert_eq!(v.best::<ListOffsetsRequest>(), Some(0));
        assert_eq!(v.pick::<OffsetFetchRequest>(1, 8), Some(1));
        assert!(v.legacy);
        assert_eq!(api_name(2), "ListOffsets");
    }
}
