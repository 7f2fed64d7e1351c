//! Every answer's layout walked before it is decoded. kafka-protocol allocates an array's elements from its count
//! before reading them (a 14-byte ApiVersions answer claiming 2^31-1 elements made it ask for 64 GiB and abort the
//! process), so each answer is first walked here: every count and length is checked against the bytes left, and the
//! memory the decoder would allocate for arrays is added up and refused above a bound proportional to the answer
//! ([`MAX_DECODED_PER_BYTE`] times its size, plus 1 MiB). Only the shape is checked; the decoder checks the rest.
//! The layouts are Kafka's message definitions (their field order and the versions each field is in), for the
//! answers and versions these tools read; flexible versions (KIP-482) use compact lengths and end every structure
//! with tagged fields, which are skipped by size (none that these versions define holds an array).

use std::mem::size_of;

use kafka_protocol::messages as m;
use kafka_protocol::protocol::StrBytes;

/// How many bytes of decoded arrays an answer may cost per byte of its own.
pub const MAX_DECODED_PER_BYTE: usize = 8;

/// One field's type on the wire.
#[derive(Debug, Clone, Copy)]
enum Field {
    I8,
    I16,
    I32,
    I64,
    Uuid,
    Str,
    /// Bytes or records.
    Bytes,
    /// An array of structures, each decoded into this many bytes.
    Array(&'static [Member], usize),
    /// An array of fixed-size numbers: their width on the wire, and decoded.
    Numbers(usize, usize),
    Strings,
    /// A structure inline (not in an array).
    Inline(&'static [Member]),
}

/// A field and the versions it is in (both ends included).
#[derive(Debug, Clone, Copy)]
struct Member(i16, i16, Field);

const ALL: i16 = i16::MAX;

use Field::*;

const fn array<T>(members: &'static [Member]) -> Field {
    Array(members, size_of::<T>())
}

const INT32S: Field = Numbers(4, 4);

fn api_versions() -> &'static [Member] {
    static KEY: [Member; 3] = [Member(0, ALL, I16), Member(0, ALL, I16), Member(0, ALL, I16)];
    static ROOT: [Member; 3] =
        [Member(0, ALL, I16), Member(0, ALL, array::<m::api_versions_response::ApiVersion>(&KEY)), Member(1, ALL, I32)];
    &ROOT
}

fn metadata() -> &'static [Member] {
    static BROKER: [Member; 4] = [Member(0, ALL, I32), Member(0, ALL, Str), Member(0, ALL, I32), Member(1, ALL, Str)];
    static PARTITION: [Member; 7] = [
        Member(0, ALL, I16),
        Member(0, ALL, I32),
        Member(0, ALL, I32),
        Member(7, ALL, I32),
        Member(0, ALL, INT32S),
        Member(0, ALL, INT32S),
        Member(5, ALL, INT32S),
    ];
    static TOPIC: [Member; 6] = [
        Member(0, ALL, I16),
        Member(0, ALL, Str),
        Member(10, ALL, Uuid),
        Member(1, ALL, I8),
        Member(0, ALL, array::<m::metadata_response::MetadataResponsePartition>(&PARTITION)),
        Member(8, ALL, I32),
    ];
    static ROOT: [Member; 6] = [
        Member(3, ALL, I32),
        Member(0, ALL, array::<m::metadata_response::MetadataResponseBroker>(&BROKER)),
        Member(2, ALL, Str),
        Member(1, ALL, I32),
        Member(0, ALL, array::<m::metadata_response::MetadataResponseTopic>(&TOPIC)),
        Member(8, 10, I32),
    ];
    &ROOT
}

fn find_coordinator() -> &'static [Member] {
    static COORDINATOR: [Member; 6] = [
        Member(4, ALL, Str),
        Member(4, ALL, I32),
        Member(4, ALL, Str),
        Member(4, ALL, I32),
        Member(4, ALL, I16),
        Member(4, ALL, Str),
    ];
    static ROOT: [Member; 7] = [
        Member(1, ALL, I32),
        Member(0, 3, I16),
        Member(1, 3, Str),
        Member(0, 3, I32),
        Member(0, 3, Str),
        Member(0, 3, I32),
        Member(4, ALL, array::<m::find_coordinator_response::Coordinator>(&COORDINATOR)),
    ];
    &ROOT
}

fn describe_groups() -> &'static [Member] {
    static MEMBER: [Member; 6] = [
        Member(0, ALL, Str),
        Member(4, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, Bytes),
        Member(0, ALL, Bytes),
    ];
    static GROUP: [Member; 7] = [
        Member(0, ALL, I16),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, array::<m::describe_groups_response::DescribedGroupMember>(&MEMBER)),
        Member(3, ALL, I32),
    ];
    static ROOT: [Member; 2] =
        [Member(1, ALL, I32), Member(0, ALL, array::<m::describe_groups_response::DescribedGroup>(&GROUP))];
    &ROOT
}

fn consumer_group_describe() -> &'static [Member] {
    static TOPIC_PARTITIONS: [Member; 3] = [Member(0, ALL, Uuid), Member(0, ALL, Str), Member(0, ALL, INT32S)];
    static ASSIGNMENT: [Member; 1] =
        [Member(0, ALL, array::<m::consumer_group_describe_response::TopicPartitions>(&TOPIC_PARTITIONS))];
    static MEMBER: [Member; 10] = [
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, I32),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, Strings),
        Member(0, ALL, Str),
        Member(0, ALL, Inline(&ASSIGNMENT)),
        Member(0, ALL, Inline(&ASSIGNMENT)),
    ];
    static GROUP: [Member; 9] = [
        Member(0, ALL, I16),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, I32),
        Member(0, ALL, I32),
        Member(0, ALL, Str),
        Member(0, ALL, array::<m::consumer_group_describe_response::Member>(&MEMBER)),
        Member(0, ALL, I32),
    ];
    static ROOT: [Member; 2] =
        [Member(0, ALL, I32), Member(0, ALL, array::<m::consumer_group_describe_response::DescribedGroup>(&GROUP))];
    &ROOT
}

fn list_groups() -> &'static [Member] {
    static GROUP: [Member; 4] = [Member(0, ALL, Str), Member(0, ALL, Str), Member(4, ALL, Str), Member(5, ALL, Str)];
    static ROOT: [Member; 3] = [
        Member(1, ALL, I32),
        Member(0, ALL, I16),
        Member(0, ALL, array::<m::list_groups_response::ListedGroup>(&GROUP)),
    ];
    &ROOT
}

fn offset_fetch() -> &'static [Member] {
    static PARTITION_V0: [Member; 5] =
        [Member(0, 7, I32), Member(0, 7, I64), Member(5, 7, I32), Member(0, 7, Str), Member(0, 7, I16)];
    static PARTITION_V8: [Member; 5] =
        [Member(8, ALL, I32), Member(8, ALL, I64), Member(8, ALL, I32), Member(8, ALL, Str), Member(8, ALL, I16)];
    static TOPIC_V0: [Member; 2] = [
        Member(0, 7, Str),
        Member(0, 7, array::<m::offset_fetch_response::OffsetFetchResponsePartition>(&PARTITION_V0)),
    ];
    static TOPIC_V8: [Member; 2] = [
        Member(8, ALL, Str),
        Member(8, ALL, array::<m::offset_fetch_response::OffsetFetchResponsePartitions>(&PARTITION_V8)),
    ];
    static GROUP: [Member; 3] = [
        Member(8, ALL, Str),
        Member(8, ALL, array::<m::offset_fetch_response::OffsetFetchResponseTopics>(&TOPIC_V8)),
        Member(8, ALL, I16),
    ];
    static ROOT: [Member; 4] = [
        Member(3, ALL, I32),
        Member(0, 7, array::<m::offset_fetch_response::OffsetFetchResponseTopic>(&TOPIC_V0)),
        Member(2, 7, I16),
        Member(8, ALL, array::<m::offset_fetch_response::OffsetFetchResponseGroup>(&GROUP)),
    ];
    &ROOT
}

fn offset_commit() -> &'static [Member] {
    static PARTITION: [Member; 2] = [Member(0, ALL, I32), Member(0, ALL, I16)];
    static TOPIC: [Member; 2] = [
        Member(0, ALL, Str),
        Member(0, ALL, array::<m::offset_commit_response::OffsetCommitResponsePartition>(&PARTITION)),
    ];
    static ROOT: [Member; 2] =
        [Member(3, ALL, I32), Member(0, ALL, array::<m::offset_commit_response::OffsetCommitResponseTopic>(&TOPIC))];
    &ROOT
}

fn offset_delete() -> &'static [Member] {
    static PARTITION: [Member; 2] = [Member(0, ALL, I32), Member(0, ALL, I16)];
    static TOPIC: [Member; 2] = [
        Member(0, ALL, Str),
        Member(0, ALL, array::<m::offset_delete_response::OffsetDeleteResponsePartition>(&PARTITION)),
    ];
    static ROOT: [Member; 3] = [
        Member(0, ALL, I16),
        Member(0, ALL, I32),
        Member(0, ALL, array::<m::offset_delete_response::OffsetDeleteResponseTopic>(&TOPIC)),
    ];
    &ROOT
}

fn fetch() -> &'static [Member] {
    static ABORTED: [Member; 2] = [Member(4, ALL, I64), Member(4, ALL, I64)];
    static PARTITION: [Member; 8] = [
        Member(0, ALL, I32),
        Member(0, ALL, I16),
        Member(0, ALL, I64),
        Member(4, ALL, I64),
        Member(5, ALL, I64),
        Member(4, ALL, array::<m::fetch_response::AbortedTransaction>(&ABORTED)),
        Member(11, ALL, I32),
        Member(0, ALL, Bytes),
    ];
    static TOPIC: [Member; 3] = [
        Member(0, 12, Str),
        Member(13, ALL, Uuid),
        Member(0, ALL, array::<m::fetch_response::PartitionData>(&PARTITION)),
    ];
    static ROOT: [Member; 4] = [
        Member(1, ALL, I32),
        Member(7, ALL, I16),
        Member(7, ALL, I32),
        Member(0, ALL, array::<m::fetch_response::FetchableTopicResponse>(&TOPIC)),
    ];
    &ROOT
}

fn sasl_handshake() -> &'static [Member] {
    static ROOT: [Member; 2] = [Member(0, ALL, I16), Member(0, ALL, Strings)];
    &ROOT
}

fn sasl_authenticate() -> &'static [Member] {
    static ROOT: [Member; 4] = [Member(0, ALL, I16), Member(0, ALL, Str), Member(0, ALL, Bytes), Member(1, ALL, I64)];
    &ROOT
}

fn describe_configs() -> &'static [Member] {
    static SYNONYM: [Member; 3] = [Member(1, ALL, Str), Member(1, ALL, Str), Member(1, ALL, I8)];
    static CONFIG: [Member; 9] = [
        Member(0, ALL, Str),
        Member(0, ALL, Str),
        Member(0, ALL, I8),
        Member(0, 0, I8),
        Member(1, ALL, I8),
        Member(0, ALL, I8),
        Member(1, ALL, array::<m::describe_configs_response::DescribeConfigsSynonym>(&SYNONYM)),
        Member(3, ALL, I8),
        Member(3, ALL, Str),
    ];
    static RESULT: [Member; 5] = [
        Member(0, ALL, I16),
        Member(0, ALL, Str),
        Member(0, ALL, I8),
        Member(0, ALL, Str),
        Member(0, ALL, array::<m::describe_configs_response::DescribeConfigsResourceResult>(&CONFIG)),
    ];
    static ROOT: [Member; 2] =
        [Member(0, ALL, I32), Member(0, ALL, array::<m::describe_configs_response::DescribeConfigsResult>(&RESULT))];
    &ROOT
}

fn create_topics() -> &'static [Member] {
    static CONFIG: [Member; 5] =
        [Member(5, ALL, Str), Member(5, ALL, Str), Member(5, ALL, I8), Member(5, ALL, I8), Member(5, ALL, I8)];
    static TOPIC: [Member; 7] = [
        Member(0, ALL, Str),
        Member(7, ALL, Uuid),
        Member(0, ALL, I16),
        Member(1, ALL, Str),
        Member(5, ALL, I32),
        Member(5, ALL, I16),
        Member(5, ALL, array::<m::create_topics_response::CreatableTopicConfigs>(&CONFIG)),
    ];
    static ROOT: [Member; 2] =
        [Member(2, ALL, I32), Member(0, ALL, array::<m::create_topics_response::CreatableTopicResult>(&TOPIC))];
    &ROOT
}

fn create_partitions() -> &'static [Member] {
    static RESULT: [Member; 3] = [Member(0, ALL, Str), Member(0, ALL, I16), Member(0, ALL, Str)];
    static ROOT: [Member; 2] = [
        Member(0, ALL, I32),
        Member(0, ALL, array::<m::create_partitions_response::CreatePartitionsTopicResult>(&RESULT)),
    ];
    &ROOT
}

/// The layout of the answers to an API, and the versions these tools read (beyond them the walk refuses).
fn layout(api_key: i16) -> Option<(i16, &'static [Member], i16)> {
    let (flexible_from, members, max): (i16, fn() -> &'static [Member], i16) = match api_key {
        1 => (12, fetch, 12),
        3 => (9, metadata, 12),
        8 => (8, offset_commit, 9),
        9 => (6, offset_fetch, 9),
        10 => (3, find_coordinator, 6),
        15 => (5, describe_groups, 5),
        16 => (3, list_groups, 5),
        17 => (ALL, sasl_handshake, 1),
        18 => (3, api_versions, 2),
        19 => (5, create_topics, 7),
        32 => (4, describe_configs, 4),
        36 => (2, sasl_authenticate, 2),
        37 => (2, create_partitions, 3),
        47 => (ALL, offset_delete, 0),
        69 => (0, consumer_group_describe, 0),
        _ => return None,
    };
    Some((flexible_from, members(), max))
}

/// A walk over one answer.
struct Walk<'a> {
    bytes: &'a [u8],
    at: usize,
    version: i16,
    flexible: bool,
    decoded: usize,
    budget: usize,
}

impl Walk<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        if n > self.left() {
            return Err(format!("a field of {n} bytes where {} are left", self.left()));
        }
        self.at += n;
        Ok(())
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let start = self.at;
        self.skip(N)?;
        Ok(self.bytes[start..start + N].try_into().expect("N bytes"))
    }

    fn uvarint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..35).step_by(7) {
            let byte = self.fixed::<1>()?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint is too long".into())
    }

    /// A length (strings, bytes) or count (arrays): None for null.
    fn length(&mut self, wide: bool) -> Result<Option<usize>, String> {
        let value: i64 = if self.flexible {
            self.uvarint()? as i64 - 1
        } else if wide {
            i64::from(i32::from_be_bytes(self.fixed()?))
        } else {
            i64::from(i16::from_be_bytes(self.fixed()?))
        };
        match value {
            -1 => Ok(None),
            n if n < 0 => Err(format!("a negative length ({n})")),
            n => Ok(Some(n as usize)),
        }
    }

    /// An array's count, checked against the bytes left (each element takes one at least) and charged.
    fn count(&mut self, decoded_size: usize) -> Result<usize, String> {
        let n = self.length(true)?.unwrap_or(0);
        if n > self.left() {
            return Err(format!("an array of {n} elements where {} bytes are left", self.left()));
        }
        self.decoded = self.decoded.saturating_add(n.saturating_mul(decoded_size));
        if self.decoded > self.budget {
            return Err(format!("it would take more than {} MiB to decode", self.budget >> 20));
        }
        Ok(n)
    }

    fn field(&mut self, field: Field) -> Result<(), String> {
        match field {
            I8 => self.skip(1),
            I16 => self.skip(2),
            I32 => self.skip(4),
            I64 => self.skip(8),
            Uuid => self.skip(16),
            Str => {
                let n = self.length(false)?.unwrap_or(0);
                self.skip(n)
            }
            Bytes => {
                let n = self.length(true)?.unwrap_or(0);
                self.skip(n)
            }
            Array(members, size) => {
                for _ in 0..self.count(size)? {
                    self.structure(members)?;
                }
                Ok(())
            }
            Numbers(width, size) => {
                let n = self.count(size)?;
                self.skip(n.saturating_mul(width))
            }
            Strings => {
                for _ in 0..self.count(size_of::<StrBytes>())? {
                    self.field(Str)?;
                }
                Ok(())
            }
            Inline(members) => self.structure(members),
        }
    }

    fn structure(&mut self, members: &[Member]) -> Result<(), String> {
        for &Member(since, until, field) in members {
            if (since..=until).contains(&self.version) {
                self.field(field)?;
            }
        }
        if self.flexible {
            // Tagged fields: each skipped by its size.
            let count = self.uvarint()?;
            for _ in 0..count {
                self.uvarint()?;
                let size = self.uvarint()?;
                self.skip(usize::try_from(size).map_err(|_| "a tagged field too large")?)?;
            }
        }
        Ok(())
    }
}

/// Walks the body of an answer to `api_key` at `version`: Ok when kafka-protocol may decode it within the bound.
pub fn check(api_key: i16, version: i16, body: &[u8]) -> Result<(), String> {
    if crate::client::messages::APIS.iter().any(|&(key, _)| key == api_key) {
        // The generated messages' decoders check counts and lengths themselves, against the same bound.
        return Ok(());
    }
    let (flexible_from, members, max) = layout(api_key).ok_or_else(|| format!("no layout for API key {api_key}"))?;
    if !(0..=max).contains(&version) {
        return Err(format!("version {version} is not one these tools read"));
    }
    let budget = body.len().saturating_mul(MAX_DECODED_PER_BYTE).saturating_add(1 << 20);
    let mut walk = Walk { bytes: body, at: 0, version, flexible: version >= flexible_from, decoded: 0, budget };
    walk.structure(members)
}

#[cfg(test)]
mod tests;
