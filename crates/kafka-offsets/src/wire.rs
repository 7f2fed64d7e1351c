//! Just enough of the Kafka wire protocol, written by hand, for the two things librdkafka cannot do for us:
//! telling a 0.9 broker (no ApiVersions, KIP-35 came in 0.10) from a newer one before librdkafka connects,
//! and ListOffsets v0 with `max_num_offsets` > 1 (the old `--offsets N`). Pure encoding and decoding.

use std::fmt;

use crate::select::{PartitionMetadata, TopicMetadata};

pub const API_LIST_OFFSETS: i16 = 2;
pub const API_METADATA: i16 = 3;
pub const API_API_VERSIONS: i16 = 18;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed response: {}", self.0)
    }
}

/// A size-prefixed request with header v1 (api key, version, correlation id, client id).
pub fn request(api_key: i16, api_version: i16, correlation_id: i32, client_id: &str, body: &[u8]) -> Vec<u8> {
    let mut header = Vec::with_capacity(10 + client_id.len());
    header.extend_from_slice(&api_key.to_be_bytes());
    header.extend_from_slice(&api_version.to_be_bytes());
    header.extend_from_slice(&correlation_id.to_be_bytes());
    put_string(&mut header, client_id);
    let size = (header.len() + body.len()) as i32;
    let mut frame = Vec::with_capacity(4 + size as usize);
    frame.extend_from_slice(&size.to_be_bytes());
    frame.extend_from_slice(&header);
    frame.extend_from_slice(body);
    frame
}

fn put_string(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as i16).to_be_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// ApiVersions v0 has an empty body.
pub fn api_versions_v0(correlation_id: i32, client_id: &str) -> Vec<u8> {
    request(API_API_VERSIONS, 0, correlation_id, client_id, &[])
}

/// Metadata v0 for no topic in particular (an empty list means all topics in v0); only its correlation id is read.
pub fn metadata_v0(correlation_id: i32, client_id: &str) -> Vec<u8> {
    request(API_METADATA, 0, correlation_id, client_id, &0i32.to_be_bytes())
}

/// One partition of a ListOffsets v0 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetQuery {
    pub topic: String,
    pub partition: i32,
    pub time: i64,
    pub max_offsets: i32,
}

/// ListOffsets v0 (0.8+): for each partition, up to `max_offsets` segment base offsets whose segment file time is at
/// or before `time` (-1 = latest, -2 = earliest), newest first. Removed from brokers in Kafka 4.0 (KIP-896).
pub fn list_offsets_v0(correlation_id: i32, client_id: &str, queries: &[OffsetQuery]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(-1i32).to_be_bytes()); // replica id: a client
    let mut topics: Vec<(&str, Vec<&OffsetQuery>)> = Vec::new();
    for q in queries {
        match topics.iter_mut().find(|(t, _)| *t == q.topic) {
            Some((_, parts)) => parts.push(q),
            None => topics.push((&q.topic, vec![q])),
        }
    }
    body.extend_from_slice(&(topics.len() as i32).to_be_bytes());
    for (topic, parts) in topics {
        put_string(&mut body, topic);
        body.extend_from_slice(&(parts.len() as i32).to_be_bytes());
        for q in parts {
            body.extend_from_slice(&q.partition.to_be_bytes());
            body.extend_from_slice(&q.time.to_be_bytes());
            body.extend_from_slice(&q.max_offsets.to_be_bytes());
        }
    }
    request(API_LIST_OFFSETS, 0, correlation_id, client_id, &body)
}

/// Reads big-endian protocol fields from a response body.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| WireError(format!("truncated at byte {}", self.pos)))?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    pub fn i16(&mut self) -> Result<i16, WireError> {
        Ok(i16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }

    pub fn i32(&mut self) -> Result<i32, WireError> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    pub fn i64(&mut self) -> Result<i64, WireError> {
        Ok(i64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    pub fn string(&mut self) -> Result<String, WireError> {
        let len = self.i16()?;
        if len < 0 {
            return Ok(String::new());
        }
        let bytes = self.take(len as usize)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| WireError("string is not UTF-8".into()))
    }

    /// An array length, checked against the bytes left so that garbage cannot ask for a huge allocation.
    pub fn array_len(&mut self, min_item_size: usize) -> Result<usize, WireError> {
        let len = self.i32()?;
        if len < 0 {
            return Ok(0);
        }
        let len = len as usize;
        if len.saturating_mul(min_item_size) > self.buf.len() - self.pos {
            return Err(WireError(format!("array of {len} items does not fit")));
        }
        Ok(len)
    }
}

/// Supported version range of one API, from an ApiVersions answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersionRange {
    pub api_key: i16,
    pub min: i16,
    pub max: i16,
}

/// Decodes an ApiVersions v0 response body (after the correlation id).
pub fn decode_api_versions_v0(body: &[u8]) -> Result<(i16, Vec<ApiVersionRange>), WireError> {
    let mut r = Reader::new(body);
    let error_code = r.i16()?;
    let n = r.array_len(6)?;
    let mut apis = Vec::with_capacity(n);
    for _ in 0..n {
        apis.push(ApiVersionRange { api_key: r.i16()?, min: r.i16()?, max: r.i16()? });
    }
    Ok((error_code, apis))
}

/// A broker named in a Metadata answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataBroker {
    pub id: i32,
    pub host: String,
    pub port: i32,
}

/// A Metadata v0 answer: the brokers and every topic with its partitions and leaders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataV0 {
    pub brokers: Vec<MetadataBroker>,
    pub topics: Vec<TopicMetadata>,
}

/// Decodes a Metadata v0 response body (after the correlation id). Topics that carry an error (being created or
/// deleted) are left out, as a client would not use them either.
pub fn decode_metadata_v0(body: &[u8]) -> Result<MetadataV0, WireError> {
    let mut r = Reader::new(body);
    let mut metadata = MetadataV0::default();
    for _ in 0..r.array_len(10)? {
        metadata.brokers.push(MetadataBroker { id: r.i32()?, host: r.string()?, port: r.i32()? });
    }
    for _ in 0..r.array_len(8)? {
        let error_code = r.i16()?;
        let name = r.string()?;
        let mut partitions = Vec::new();
        for _ in 0..r.array_len(18)? {
            let _partition_error = r.i16()?;
            let id = r.i32()?;
            let leader = r.i32()?;
            for _ in 0..r.array_len(4)? {
                r.i32()?; // replicas
            }
            for _ in 0..r.array_len(4)? {
                r.i32()?; // in-sync replicas
            }
            partitions.push(PartitionMetadata { id, leader });
        }
        if error_code == 0 {
            metadata.topics.push(TopicMetadata { name, partitions });
        }
    }
    Ok(metadata)
}

/// One partition of a ListOffsets v0 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetAnswer {
    pub topic: String,
    pub partition: i32,
    pub error_code: i16,
    pub offsets: Vec<i64>,
}

/// Decodes a ListOffsets v0 response body (after the correlation id).
pub fn decode_list_offsets_v0(body: &[u8]) -> Result<Vec<OffsetAnswer>, WireError> {
    let mut r = Reader::new(body);
    let mut answers = Vec::new();
    for _ in 0..r.array_len(6)? {
        let topic = r.string()?;
        for _ in 0..r.array_len(10)? {
            let partition = r.i32()?;
            let error_code = r.i16()?;
            let n = r.array_len(8)?;
            let offsets = (0..n).map(|_| r.i64()).collect::<Result<_, _>>()?;
            answers.push(OffsetAnswer { topic: topic.clone(), partition, error_code, offsets });
        }
    }
    Ok(answers)
}

/// Kafka's name for a protocol error code, for the few that ListOffsets v0 returns.
pub fn error_name(code: i16) -> String {
    match code {
        0 => "NONE".into(),
        1 => "OFFSET_OUT_OF_RANGE".into(),
        3 => "UNKNOWN_TOPIC_OR_PARTITION".into(),
        5 => "LEADER_NOT_AVAILABLE".into(),
        6 => "NOT_LEADER_FOR_PARTITION".into(),
        7 => "REQUEST_TIMED_OUT".into(),
        29 => "TOPIC_AUTHORIZATION_FAILED".into(),
        35 => "UNSUPPORTED_VERSION".into(),
        other => format!("error code {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_request_bytes() {
        let frame = api_versions_v0(1, "go");
        assert_eq!(frame, [0, 0, 0, 12, 0, 18, 0, 0, 0, 0, 0, 1, 0, 2, b'g', b'o']);
    }

    #[test]
    fn metadata_request_asks_for_no_named_topic() {
        let frame = metadata_v0(2, "");
        assert_eq!(frame, [0, 0, 0, 14, 0, 3, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn list_offsets_groups_partitions_by_topic() {
        let q = |t: &str, p| OffsetQuery { topic: t.into(), partition: p, time: -1, max_offsets: 3 };
        let frame = list_offsets_v0(7, "c", &[q("a", 0), q("b", 0), q("a", 1)]);
        let body = &frame[4 + 2 + 2 + 4 + 3..];
        let mut r = Reader::new(body);
        assert_eq!(r.i32().unwrap(), -1);
        assert_eq!(r.i32().unwrap(), 2);
        assert_eq!(r.string().unwrap(), "a");
        assert_eq!(r.i32().unwrap(), 2);
        assert_eq!((r.i32().unwrap(), r.i64().unwrap(), r.i32().unwrap()), (0, -1, 3));
        assert_eq!((r.i32().unwrap(), r.i64().unwrap(), r.i32().unwrap()), (1, -1, 3));
        assert_eq!(r.string().unwrap(), "b");
    }

    #[test]
    fn decodes_api_versions() {
        let body = [0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 7];
        let (err, apis) = decode_api_versions_v0(&body).unwrap();
        assert_eq!(err, 0);
        assert_eq!(apis, [ApiVersionRange { api_key: 2, min: 0, max: 7 }]);
    }

    #[test]
    fn decodes_list_offsets_v0() {
        let mut body = Vec::new();
        body.extend_from_slice(&1i32.to_be_bytes());
        put_string(&mut body, "T");
        body.extend_from_slice(&2i32.to_be_bytes());
        for (p, offsets) in [(0i32, vec![7i64, 4, 0]), (1, vec![])] {
            body.extend_from_slice(&p.to_be_bytes());
            body.extend_from_slice(&0i16.to_be_bytes());
            body.extend_from_slice(&(offsets.len() as i32).to_be_bytes());
            for o in offsets {
                body.extend_from_slice(&o.to_be_bytes());
            }
        }
        let answers = decode_list_offsets_v0(&body).unwrap();
        assert_eq!(answers[0], OffsetAnswer { topic: "T".into(), partition: 0, error_code: 0, offsets: vec![7, 4, 0] });
        assert_eq!(answers[1].offsets, Vec::<i64>::new());
    }

    #[test]
    fn decodes_metadata_v0() {
        let mut body = Vec::new();
        body.extend_from_slice(&1i32.to_be_bytes());
        body.extend_from_slice(&0i32.to_be_bytes());
        put_string(&mut body, "127.0.0.1");
        body.extend_from_slice(&9092i32.to_be_bytes());
        body.extend_from_slice(&2i32.to_be_bytes());
        for (error, name) in [(0i16, "T"), (5, "creating")] {
            body.extend_from_slice(&error.to_be_bytes());
            put_string(&mut body, name);
            body.extend_from_slice(&1i32.to_be_bytes());
            body.extend_from_slice(&0i16.to_be_bytes());
            body.extend_from_slice(&3i32.to_be_bytes()); // partition
            body.extend_from_slice(&0i32.to_be_bytes()); // leader
            body.extend_from_slice(&1i32.to_be_bytes());
            body.extend_from_slice(&0i32.to_be_bytes()); // replicas [0]
            body.extend_from_slice(&0i32.to_be_bytes()); // isr []
        }
        let metadata = decode_metadata_v0(&body).unwrap();
        assert_eq!(metadata.brokers, [MetadataBroker { id: 0, host: "127.0.0.1".into(), port: 9092 }]);
        assert_eq!(
            metadata.topics,
            [TopicMetadata { name: "T".into(), partitions: vec![PartitionMetadata { id: 3, leader: 0 }] }]
        );
        assert!(decode_metadata_v0(&body[..body.len() - 2]).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode_list_offsets_v0(&[0, 0, 0, 1, 0, 9]).is_err());
        assert!(decode_list_offsets_v0(&[0x7f, 0xff, 0xff, 0xff]).is_err());
        assert!(decode_api_versions_v0(&[0]).is_err());
    }
}
