//! Fetch: reading the records of offset ranges, for many (partition, range) reads at once. Each round sends the
//! reads of a partition leader in as few requests as it can (a partition read at two places takes two requests,
//! pipelined); a read that needs more than one answer continues in the next round from where its answer ended.
//! Versions: v0-v2 for Kafka 0.9 (message sets, no timestamps), up to v12 (v13 names topics by id). Records are
//! decoded by `records` (every codec, bounded memory); from v4 reads are read_committed, so that the records of
//! aborted transactions and the transaction markers are left out, as a consumer of the group would see them.
//!
//! A read is finished only when its answers reached its end (or the log's: the high watermark, or the last stable
//! offset under an open transaction). A broker answers a partition with nothing, and no error, when its first batch
//! does not fit the sizes asked for after another partition of the request already took the answer's room (Fetch
//! v3+, KIP-74): such a read is asked again alone, where the broker always answers its first batch whole.

use std::collections::BTreeMap;

use bytes::Bytes;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::{FetchRequest, MetadataRequest, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::client::codes::ErrorCode;
use crate::client::metadata;
use crate::client::records::{decode_batches, split_aborted, Batch, TimestampType};
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::TopicPartition;

/// What one answer may carry per partition at first: small, because thousands of reads can share a round. Brokers
/// answer a read alone with its first batch whole however large (v3+); older brokers cut a larger message, so the
/// size grows until it fits, up to [`MAX_PARTITION_BYTES`].
const FIRST_PARTITION_BYTES: i32 = 64 << 10;
const MAX_PARTITION_BYTES: i32 = 16 << 20;

/// A record as read: its offset, timestamp (None for Kafka 0.9's records, which have none), whether the broker set
/// that timestamp when it appended the record (LogAppendTime) rather than its producer, key and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedRecord {
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub log_append_time: bool,
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

/// The records of a finished read: every record a consumer would get in `[from, end)`, where `end` is the read's
/// `until`, or less where the log ends (its high watermark, or its last stable offset while a transaction is open);
/// and, when asked for ([`FetchRecords::keeping_aborted`]), the records of aborted transactions in that range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadRecords {
    pub records: Vec<FetchedRecord>,
    pub aborted: Vec<FetchedRecord>,
    pub end: i64,
}

/// A finished read, or why it failed.
pub type Read = Result<ReadRecords, String>;

impl Progress {
    fn finish(&mut self, end: i64) {
        let records = std::mem::take(&mut self.records);
        let aborted = std::mem::take(&mut self.aborted);
        self.result = Some(Ok(ReadRecords { records, aborted, end }));
    }
}

#[derive(Debug)]
struct Progress {
    /// Where the next request of this read starts.
    next: i64,
    max_bytes: i32,
    /// The last answer had nothing for it although the log goes on: ask for it alone.
    starved: bool,
    records: Vec<FetchedRecord>,
    aborted: Vec<FetchedRecord>,
    result: Option<Read>,
    last_error: Option<String>,
}

/// Reads records of many ranges at once. A leader that moved (NOT_LEADER_OR_FOLLOWER and the like), or that cannot
/// be reached, is looked up again in the metadata before its reads are asked again.
#[derive(Debug)]
pub struct FetchRecords {
    reads: Vec<ReadRange>,
    progress: Vec<Progress>,
    calls: Vec<(Call<FetchRequest>, Vec<usize>)>,
    refresh: Option<Call<MetadataRequest>>,
    leaders_stale: bool,
    keep_aborted: bool,
}

impl FetchRecords {
    pub fn new(reads: Vec<ReadRange>) -> FetchRecords {
        FetchRecords::sized(reads, FIRST_PARTITION_BYTES)
    }

    /// Reads whose answers carry up to `partition_bytes` per partition (long reads of few partitions).
    pub fn sized(reads: Vec<ReadRange>, partition_bytes: i32) -> FetchRecords {
        let progress = reads
            .iter()
            .map(|r| Progress {
                next: r.from,
                max_bytes: partition_bytes.clamp(1, MAX_PARTITION_BYTES),
                starved: false,
                records: Vec::new(),
                aborted: Vec::new(),
                result: (r.from >= r.until).then(|| Ok(ReadRecords { end: r.from, ..ReadRecords::default() })),
                last_error: None,
            })
            .collect();
        FetchRecords { reads, progress, calls: Vec::new(), refresh: None, leaders_stale: false, keep_aborted: false }
    }

    /// Keeps the records of aborted transactions too, apart ([`ReadRecords::aborted`]): what a copier that reads
    /// uncommitted copies as ordinary records.
    pub fn keeping_aborted(mut self) -> FetchRecords {
        self.keep_aborted = true;
        self
    }

    /// Metadata for the topics of the reads still pending.
    fn metadata_request(&self, session: &Session, round: &mut Round) -> Call<MetadataRequest> {
        let mut topics: Vec<String> = (0..self.reads.len())
            .filter(|&i| self.progress[i].result.is_none())
            .map(|i| self.reads[i].partition.topic.to_string())
            .collect();
        topics.sort();
        topics.dedup();
        metadata::request(session, Some(&topics), round)
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

/// One answer's records at or after `from` (an answer holds whole batches, which can start before it): those a
/// read_committed consumer gets, those of aborted transactions, and the offset after its last whole batch.
type AnswerRecords = (Vec<FetchedRecord>, Vec<FetchedRecord>, Option<i64>);

fn answer_records(bytes: Bytes, from: i64, aborted: &[(i64, i64)]) -> Result<AnswerRecords, String> {
    let (batches, end) = decode_batches(bytes).map_err(|e| format!("cannot decode the records: {e}"))?;
    let (kept, dropped) = split_aborted(batches, aborted);
    let records_of = |batches: Vec<Batch>| -> Vec<FetchedRecord> {
        let mut records = Vec::new();
        for batch in batches.into_iter().filter(|b| b.control.is_none()) {
            let log_append_time = batch.timestamp_type == TimestampType::LogAppend;
            records.extend(batch.records.into_iter().filter(|r| r.offset >= from).map(|r| FetchedRecord {
                offset: r.offset,
                timestamp: r.timestamp,
                log_append_time,
                key: r.key,
                value: r.value,
            }));
        }
        records
    };
    Ok((records_of(kept), records_of(dropped), end))
}

impl Operation for FetchRecords {
    fn request(&mut self, session: &Session, round: &mut Round) {
        if self.leaders_stale {
            self.refresh = Some(self.metadata_request(session, round));
            return;
        }
        // Per leader, requests whose partitions are all different; a starved read alone in its own.
        let mut by_leader: BTreeMap<i32, Vec<Vec<usize>>> = BTreeMap::new();
        for index in (0..self.reads.len()).filter(|&i| self.progress[i].result.is_none()) {
            let batches = by_leader.entry(self.reads[index].leader).or_default();
            let tp = &self.reads[index].partition;
            let alone = self.progress[index].starved;
            match batches
                .iter_mut()
                .find(|b| !alone && b.iter().all(|&i| self.reads[i].partition != *tp && !self.progress[i].starved))
            {
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
                if version >= 4 {
                    request = request.with_isolation_level(1);
                }
                self.calls.push((round.add(target.clone(), &request, version), batch));
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = Next::Continue;
        if let Some(call) = self.refresh.take() {
            match answers.take(call) {
                Ok(response) => {
                    let leaders = metadata::parse(session, response).leaders();
                    for read in &mut self.reads {
                        if let Some(&leader) = leaders.get(&read.partition) {
                            read.leader = leader;
                        }
                    }
                    self.leaders_stale = false;
                }
                Err(_) => next = Next::RetryLater,
            }
        }
        for (call, batch) in std::mem::take(&mut self.calls) {
            let response = match answers.take(call) {
                Ok(response) => response,
                Err(e) => {
                    for index in batch {
                        self.progress[index].last_error = Some(e.to_string());
                    }
                    // The leader may be gone: look it up again before asking.
                    self.leaders_stale |= !e.is_definitive();
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
                    self.leaders_stale |= code.is_leader_moved();
                    next = Next::RetryLater;
                    continue;
                } else if code.is_error() {
                    progress.result = Some(Err(code.to_string()));
                    continue;
                }
                // How far this read can go: its end, or the log's (what read_committed may see).
                let stable =
                    if answer.last_stable_offset >= 0 { answer.last_stable_offset } else { answer.high_watermark };
                let end = read.until.min(stable.min(answer.high_watermark));
                if progress.next >= end {
                    progress.finish(end.max(read.from));
                    continue;
                }
                let aborted: Vec<(i64, i64)> =
                    answer.aborted_transactions.iter().flatten().map(|t| (t.producer_id.0, t.first_offset)).collect();
                let bytes = answer.records.unwrap_or_default();
                let had_bytes = !bytes.is_empty();
                match answer_records(bytes, progress.next, &aborted) {
                    Err(e) => progress.result = Some(Err(e)),
                    Ok((records, aborted, batch_end)) => {
                        progress.records.extend(records.into_iter().filter(|r| r.offset < end));
                        if self.keep_aborted {
                            progress.aborted.extend(aborted.into_iter().filter(|r| r.offset < end));
                        }
                        let was_starved = std::mem::take(&mut progress.starved);
                        match batch_end {
                            Some(batch_end) if batch_end > progress.next => progress.next = batch_end,
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
                            // Nothing although the log goes on: crowded out of this answer; alone next time. Asked
                            // alone and empty again: a broker that answers nothing is asked again after a pause, not
                            // back to back until the deadline.
                            _ => {
                                if was_starved {
                                    next = Next::RetryLater;
                                }
                                progress.starved = true;
                                continue;
                            }
                        }
                        if progress.next >= end {
                            progress.finish(end);
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
    use crate::client::records::tests::{batch_v2, record_v2, BatchSpec};

    #[test]
    fn an_answer_keeps_the_records_from_the_offset_asked_for_without_aborted_ones_or_markers() {
        let mut bytes = Vec::new();
        let plain = BatchSpec { base_offset: 10, ..BatchSpec::default() };
        bytes.extend(batch_v2(&plain, &[record_v2(0, 0, None, Some(b"a")), record_v2(1, 1, None, Some(b"b"))]));
        let aborted = BatchSpec { base_offset: 12, producer_id: 7, transactional: true, ..BatchSpec::default() };
        bytes.extend(batch_v2(&aborted, &[record_v2(0, 0, None, Some(b"gone"))]));
        let marker =
            BatchSpec { base_offset: 13, producer_id: 7, transactional: true, control: true, ..BatchSpec::default() };
        bytes.extend(batch_v2(&marker, &[record_v2(0, 0, Some(&[0, 0, 0, 0]), None)]));
        let appended = BatchSpec { base_offset: 14, log_append_time: true, max_timestamp: 99, ..BatchSpec::default() };
        bytes.extend(batch_v2(&appended, &[record_v2(0, 5, None, Some(b"c"))]));
        let (records, aborted, end) = answer_records(Bytes::from(bytes), 11, &[(7, 12)]).unwrap();
        assert_eq!(aborted.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![12]);
        let got: Vec<(i64, Option<i64>, bool, Option<Bytes>)> =
            records.into_iter().map(|r| (r.offset, r.timestamp, r.log_append_time, r.value)).collect();
        assert_eq!(
            got,
            vec![(11, Some(1001), false, Some(Bytes::from("b"))), (14, Some(99), true, Some(Bytes::from("c")))]
        );
        assert_eq!(end, Some(15));
    }
}
