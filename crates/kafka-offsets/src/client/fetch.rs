//! Fetch: reading the records of offset ranges, for many (partition, range) reads at once. Each round sends one
//! request per partition leader for all of its reads (a partition read at two places takes two requests, pipelined);
//! a read that needs more than one answer continues in the next round from where its answer ended. Versions: v0-v2
//! for Kafka 0.9 (message sets, no timestamps), up to v12 (v13 names topics by id). Compressed batches (gzip,
//! snappy, lz4, zstd) are decompressed.

use std::collections::BTreeMap;

use bytes::Bytes;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::{FetchRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::RecordBatchDecoder;

use crate::client::codes::ErrorCode;
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::TopicPartition;

/// What one answer may carry per partition at first: small, because thousands of reads can share a round. A broker
/// of 0.10.1+ (Fetch v3+) answers at least one whole batch however large; older brokers cut a larger message, so
/// the size grows until it fits, up to [`MAX_PARTITION_BYTES`].
const FIRST_PARTITION_BYTES: i32 = 64 << 10;
const MAX_PARTITION_BYTES: i32 = 16 << 20;

/// A record as read: its offset, timestamp (None for Kafka 0.9's records, which have none), key and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedRecord {
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
}

/// What to read: a partition, its leader, and the offsets `[from, until)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRange {
    pub partition: TopicPartition,
    pub leader: i32,
    pub from: i64,
    pub until: i64,
}

/// The records of one read (offsets in `[from, until)`, fewer where the log ends or was compacted), or why there
/// are none.
pub type Read = Result<Vec<FetchedRecord>, String>;

#[derive(Debug)]
struct Progress {
    /// Where the next request of this read starts.
    next: i64,
    max_bytes: i32,
    records: Vec<FetchedRecord>,
    result: Option<Read>,
    last_error: Option<String>,
}

/// Reads records of many ranges at once.
#[derive(Debug)]
pub struct FetchRecords {
    reads: Vec<ReadRange>,
    progress: Vec<Progress>,
    calls: Vec<(Call<FetchRequest>, Vec<usize>)>,
}

impl FetchRecords {
    pub fn new(reads: Vec<ReadRange>) -> FetchRecords {
        let progress = reads
            .iter()
            .map(|r| Progress {
                next: r.from,
                max_bytes: FIRST_PARTITION_BYTES,
                records: Vec::new(),
                result: (r.from >= r.until).then(|| Ok(Vec::new())),
                last_error: None,
            })
            .collect();
        FetchRecords { reads, progress, calls: Vec::new() }
    }

    /// The records of each read, in the order given.
    pub fn results(self) -> Vec<(ReadRange, Read)> {
        self.reads
            .into_iter()
            .zip(self.progress)
            .map(|(read, p)| (read, p.result.unwrap_or_else(|| Err("no answer".into()))))
            .collect()
    }
}

/// The offset after a batch, from its header (before decoding it): v2 batches carry their last offset delta, so that
/// a batch whose last records were compacted away, or that holds only transaction markers, still moves the read on;
/// an old message (v0/v1, or a compressed wrapper) carries the offset of its last record.
fn batch_end(bytes: &[u8]) -> Option<i64> {
    let base = i64::from_be_bytes(bytes.get(0..8)?.try_into().ok()?);
    let magic = *bytes.get(16)?;
    if magic >= 2 {
        let delta = i32::from_be_bytes(bytes.get(23..27)?.try_into().ok()?);
        base.checked_add(i64::from(delta))?.checked_add(1)
    } else {
        base.checked_add(1)
    }
}

/// One answer's records at or after `from` (an answer holds whole batches, which can start before it), and the
/// offset after its last whole batch. The last batch can be cut short by the size limit: decoding stops there.
fn decode_records(mut bytes: Bytes, from: i64) -> Result<(Vec<FetchedRecord>, Option<i64>), String> {
    let mut records = Vec::new();
    let mut end = None;
    while bytes.len() >= 17 {
        let length = i32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes"));
        let Ok(length) = usize::try_from(length) else { break };
        if bytes.len() < 12 + length {
            break;
        }
        // Old compressed messages (a wrapper whose value is a compressed message set) are not decoded by the
        // protocol crate: say so rather than report a checksum error.
        if bytes[16] < 2 && bytes.get(17).is_some_and(|attributes| attributes & 0x07 != 0) {
            return Err(
                "the records are compressed messages of the pre-0.11 format, which this tool cannot read".into()
            );
        }
        let batch_end = batch_end(&bytes);
        let mut batch = bytes.split_to(12 + length);
        match RecordBatchDecoder::decode(&mut batch) {
            Ok(set) => {
                end = batch_end.max(end);
                records.extend(set.records.into_iter().filter(|r| !r.control && r.offset >= from).map(|r| {
                    FetchedRecord {
                        offset: r.offset,
                        timestamp: (r.timestamp >= 0).then_some(r.timestamp),
                        key: r.key,
                        value: r.value,
                    }
                }))
            }
            Err(e) => return Err(format!("cannot decode the records: {e}")),
        }
    }
    Ok((records, end))
}

impl Operation for FetchRecords {
    fn request(&mut self, session: &Session, round: &mut Round) {
        // Per leader, requests whose partitions are all different.
        let mut by_leader: BTreeMap<i32, Vec<Vec<usize>>> = BTreeMap::new();
        for index in (0..self.reads.len()).filter(|&i| self.progress[i].result.is_none()) {
            let batches = by_leader.entry(self.reads[index].leader).or_default();
            let tp = &self.reads[index].partition;
            match batches.iter_mut().find(|b| b.iter().all(|&i| self.reads[i].partition != *tp)) {
                Some(batch) => batch.push(index),
                None => batches.push(vec![index]),
            }
        }
        for (leader, batches) in by_leader {
            let target = Target::Broker(leader);
            let Some(version) = session.version::<FetchRequest>(&target, 0, 12) else {
                for index in batches.into_iter().flatten() {
                    self.progress[index].result = Some(Err(format!("broker {leader} does not answer Fetch")));
                }
                continue;
            };
            for batch in batches {
                let mut topics: BTreeMap<&str, Vec<FetchPartition>> = BTreeMap::new();
                for &index in &batch {
                    let read = &self.reads[index];
                    topics.entry(&read.partition.topic).or_default().push(
                        FetchPartition::default()
                            .with_partition(read.partition.partition)
                            .with_fetch_offset(self.progress[index].next)
                            .with_partition_max_bytes(self.progress[index].max_bytes),
                    );
                }
                let topics = topics
                    .into_iter()
                    .map(|(name, partitions)| {
                        FetchTopic::default()
                            .with_topic(TopicName(StrBytes::from_string(name.to_string())))
                            .with_partitions(partitions)
                    })
                    .collect();
                // No wait and no minimum: an answer at once with what there is.
                let mut request = FetchRequest::default().with_max_wait_ms(0).with_min_bytes(0).with_topics(topics);
                if version >= 3 {
                    request = request.with_max_bytes(MAX_PARTITION_BYTES);
                }
                self.calls.push((round.add(target.clone(), &request, version), batch));
            }
        }
    }

    fn absorb(&mut self, _session: &Session, answers: &mut Answers) -> Next {
        let mut next = Next::Continue;
        for (call, batch) in std::mem::take(&mut self.calls) {
            let response = match answers.take(call) {
                Ok(response) => response,
                Err(e) => {
                    for index in batch {
                        self.progress[index].last_error = Some(e.to_string());
                    }
                    next = Next::RetryLater;
                    continue;
                }
            };
            let mut data = BTreeMap::new();
            for topic in response.responses {
                for partition in topic.partitions {
                    data.insert((topic.topic.to_string(), partition.partition_index), partition);
                }
            }
            for index in batch {
                let read = &self.reads[index];
                let progress = &mut self.progress[index];
                let Some(answer) = data.remove(&(read.partition.topic.to_string(), read.partition.partition)) else {
                    progress.result = Some(Err("no answer for this partition".into()));
                    continue;
                };
                let code = ErrorCode(answer.error_code);
                if code.is_retriable() {
                    progress.last_error = Some(code.to_string());
                    next = Next::RetryLater;
                    continue;
                } else if code.is_error() {
                    progress.result = Some(Err(code.to_string()));
                    continue;
                }
                let bytes = answer.records.unwrap_or_default();
                let had_bytes = !bytes.is_empty();
                match decode_records(bytes, progress.next) {
                    Err(e) => progress.result = Some(Err(e)),
                    Ok((records, end)) => {
                        let until = read.until;
                        progress.records.extend(records.into_iter().filter(|r| r.offset < until));
                        let log_end = answer.high_watermark;
                        match end {
                            Some(end) if end > progress.next => progress.next = end,
                            // Bytes but no whole batch: a message larger than the size asked for (Kafka 0.9).
                            _ if had_bytes && progress.max_bytes < MAX_PARTITION_BYTES => {
                                progress.max_bytes = progress.max_bytes.saturating_mul(4).min(MAX_PARTITION_BYTES);
                                continue;
                            }
                            _ if had_bytes => {
                                progress.result = Some(Err(format!(
                                    "a record at offset {} is larger than {MAX_PARTITION_BYTES} bytes",
                                    progress.next
                                )));
                                continue;
                            }
                            // Nothing more: the log ends here.
                            _ => progress.next = until,
                        }
                        if progress.next >= until || progress.next >= log_end {
                            progress.result = Some(Ok(std::mem::take(&mut progress.records)));
                        }
                    }
                }
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        for progress in &mut self.progress {
            if progress.result.is_none() {
                let error = progress.last_error.clone().unwrap_or_else(|| reason.to_string());
                progress.result = Some(Err(error));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use kafka_protocol::records::{Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType};

    fn record(offset: i64, timestamp: i64, value: &str) -> Record {
        Record {
            transactional: false,
            control: false,
            partition_leader_epoch: 0,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset,
            sequence: -1,
            timestamp,
            key: None,
            value: Some(Bytes::from(value.to_string())),
            headers: Default::default(),
        }
    }

    fn encode(records: &[Record], version: i8, compression: Compression) -> Bytes {
        let mut buf = BytesMut::new();
        RecordBatchEncoder::encode(&mut buf, records, &RecordEncodeOptions { version, compression }).unwrap();
        buf.freeze()
    }

    #[test]
    fn keeps_the_records_from_the_offset_asked_for_and_finds_the_batch_end() {
        for compression in
            [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd]
        {
            let batch = encode(&[record(10, 5, "a"), record(11, 6, "b"), record(12, 7, "c")], 2, compression);
            let (records, end) = decode_records(batch, 11).unwrap();
            let values: Vec<_> = records.iter().map(|r| (r.offset, r.timestamp, r.value.clone().unwrap())).collect();
            assert_eq!(
                values,
                vec![(11, Some(6), Bytes::from("b")), (12, Some(7), Bytes::from("c"))],
                "{compression:?}"
            );
            assert_eq!(end, Some(13));
        }
    }

    #[test]
    fn a_batch_cut_short_is_left_for_the_next_read() {
        let mut bytes = BytesMut::new();
        bytes.extend_from_slice(&encode(&[record(0, 1, "a")], 2, Compression::None));
        let second = encode(&[record(1, 2, "b")], 2, Compression::None);
        bytes.extend_from_slice(&second[..second.len() - 3]);
        let (records, end) = decode_records(bytes.freeze(), 0).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(end, Some(1));
        // Only a partial batch: no records, no end (the caller asks for more bytes).
        assert_eq!(decode_records(second.slice(..second.len() - 3), 1).unwrap(), (Vec::new(), None));
    }

    #[test]
    fn old_messages_have_no_timestamps_and_end_after_their_offset() {
        // The encoder writes offset 0 into old messages: set each message's own.
        let mut bytes = BytesMut::new();
        for (offset, value) in [(4i64, "x"), (5, "y")] {
            let mut message = BytesMut::from(&encode(&[record(offset, -1, value)], 0, Compression::None)[..]);
            message[..8].copy_from_slice(&offset.to_be_bytes());
            bytes.extend_from_slice(&message);
        }
        let (records, end) = decode_records(bytes.freeze(), 4).unwrap();
        assert_eq!(records.iter().map(|r| (r.offset, r.timestamp)).collect::<Vec<_>>(), vec![(4, None), (5, None)]);
        assert_eq!(end, Some(6));
    }

    #[test]
    fn old_compressed_messages_are_named_as_such() {
        let bytes = encode(&[record(0, -1, "x")], 0, Compression::Gzip);
        assert_eq!(
            decode_records(bytes, 0).unwrap_err(),
            "the records are compressed messages of the pre-0.11 format, which this tool cannot read"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut bytes = vec![0u8; 12];
        bytes[11] = 20;
        bytes.extend_from_slice(&[0xff; 20]);
        assert!(decode_records(Bytes::from(bytes), 0).is_err());
    }
}
