//! The records a run has read from one cluster, per partition: the ranges many groups need are merged and each
//! offset is read once (a thousand groups on one topic read each partition's records once); later reads ask only
//! for what is missing. Long ranges that are compared record by record and not kept are streamed instead
//! ([`stream`]). Reading is the client's (`FetchRecords`); deciding from the records is `translate`'s.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use crate::client::fetch::{FetchRecords, FetchedRecord, ReadRange, ReadRecords};
use crate::client::session::Session;
use crate::error::Result;
use crate::usecase::translate::Window;
use crate::TopicPartition;

#[derive(Debug, Default)]
struct Stored {
    /// The ranges read, `[from, end)`, sorted and apart.
    spans: Vec<(i64, i64)>,
    records: BTreeMap<i64, FetchedRecord>,
    /// Where reading stops: the log's end as the answers gave it (the high watermark, or the last stable offset of
    /// an open transaction).
    limit: Option<i64>,
    failed: Option<String>,
}

impl Stored {
    /// The parts of `[from, until)` not read yet.
    fn missing(&self, from: i64, until: i64) -> Vec<(i64, i64)> {
        let until = self.limit.map_or(until, |limit| until.min(limit));
        let mut missing = Vec::new();
        let mut at = from;
        for &(start, end) in &self.spans {
            if end <= at {
                continue;
            }
            if start >= until {
                break;
            }
            if start > at {
                missing.push((at, start.min(until)));
            }
            at = at.max(end);
        }
        if at < until {
            missing.push((at, until));
        }
        missing
    }

    fn add_span(&mut self, from: i64, end: i64) {
        if from >= end {
            return;
        }
        self.spans.push((from, end));
        self.spans.sort();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(self.spans.len());
        for &(start, end) in &self.spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        self.spans = merged;
    }
}

/// Records read from one cluster.
#[derive(Debug, Default)]
pub struct RecordStore {
    partitions: HashMap<TopicPartition, Stored>,
}

/// A window's records, owned: `window()` borrows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    pub records: Vec<FetchedRecord>,
    pub from: i64,
    pub end: i64,
}

impl Records {
    pub fn window(&self) -> Window<'_> {
        Window { records: &self.records, from: self.from, end: self.end }
    }
}

impl RecordStore {
    /// Reads what is missing of these ranges, in one drive bounded by `deadline`.
    pub fn read(
        &mut self,
        session: &Session,
        label: &'static str,
        leaders: &HashMap<TopicPartition, i32>,
        wants: impl IntoIterator<Item = (TopicPartition, i64, i64)>,
        deadline: Instant,
    ) -> Result<()> {
        let mut ranges: BTreeMap<TopicPartition, Vec<(i64, i64)>> = BTreeMap::new();
        for (tp, from, until) in wants {
            let stored = self.partitions.entry(tp.clone()).or_default();
            if stored.failed.is_none() {
                ranges.entry(tp).or_default().extend(stored.missing(from, until));
            }
        }
        let mut reads = Vec::new();
        for (tp, mut parts) in ranges {
            parts.sort();
            let mut merged: Vec<(i64, i64)> = Vec::new();
            for (from, until) in parts {
                match merged.last_mut() {
                    Some(last) if from <= last.1 => last.1 = last.1.max(until),
                    _ => merged.push((from, until)),
                }
            }
            let leader = leaders.get(&tp).copied().unwrap_or(-1);
            reads.extend(merged.into_iter().map(|(from, until)| ReadRange {
                partition: tp.clone(),
                leader,
                from,
                until,
            }));
        }
        if reads.is_empty() {
            return Ok(());
        }
        let mut fetch = FetchRecords::new(reads);
        session.drive_until(label, &mut [&mut fetch], deadline)?;
        for (range, read) in fetch.results() {
            let stored = self.partitions.entry(range.partition.clone()).or_default();
            match read {
                Ok(read) => {
                    for record in read.records {
                        stored.records.insert(record.offset, record);
                    }
                    stored.add_span(range.from, read.end);
                    if read.end < range.until {
                        stored.limit = Some(stored.limit.map_or(read.end, |l| l.min(read.end)));
                    }
                }
                Err(e) => stored.failed = Some(e),
            }
        }
        Ok(())
    }

    /// The records of `[from, until)` when they were read (to the log's end, where it comes first).
    pub fn records(&self, tp: &TopicPartition, from: i64, until: i64) -> Option<Records> {
        let stored = self.partitions.get(tp)?;
        if !stored.missing(from, until).is_empty() {
            return None;
        }
        let end = stored.limit.map_or(until, |limit| until.min(limit)).max(from);
        let records = stored.records.range(from..end).map(|(_, r)| r.clone()).collect();
        Some(Records { records, from, end })
    }

    /// Why a partition could not be read.
    pub fn failure(&self, tp: &TopicPartition) -> Option<&str> {
        self.partitions.get(tp).and_then(|s| s.failed.as_deref())
    }
}

/// How many offsets of each partition one step of [`stream`] reads, and how many bytes an answer may carry for it.
const STREAM_STEP: i64 = 100_000;
const STREAM_PARTITION_BYTES: i32 = 1 << 20;

/// How a streamed range ended: the offset it was read to (less than asked where the log stops: the last stable
/// offset under an open transaction), or why it could not be read.
pub type Streamed = std::result::Result<i64, String>;

/// Reads `[from, until)` of each partition in steps, every partition's step in one drive, and gives each step's
/// records to `take` in offset order (with the records of aborted transactions when `with_aborted`); `take` returns
/// whether it wants more of that partition. Nothing is kept, so a partition of any length costs one step's memory.
/// Ends at `deadline` (the ranges not done then fail).
pub fn stream(
    session: &Session,
    label: &'static str,
    leaders: &HashMap<TopicPartition, i32>,
    ranges: &[(TopicPartition, i64, i64)],
    with_aborted: bool,
    deadline: Instant,
    mut take: impl FnMut(&TopicPartition, &ReadRecords) -> bool,
) -> Result<BTreeMap<TopicPartition, Streamed>> {
    let mut ended: BTreeMap<TopicPartition, Streamed> = BTreeMap::new();
    let mut at: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
    for (tp, from, until) in ranges {
        if from >= until {
            ended.insert(tp.clone(), Ok(*until));
        } else {
            at.insert(tp.clone(), (*from, *until));
        }
    }
    while !at.is_empty() {
        if Instant::now() >= deadline {
            for tp in std::mem::take(&mut at).into_keys() {
                ended.insert(tp, Err("its records could not be read within --timeout".into()));
            }
            break;
        }
        let reads = at
            .iter()
            .map(|(tp, &(next, until))| ReadRange {
                partition: tp.clone(),
                leader: leaders.get(tp).copied().unwrap_or(-1),
                from: next,
                until: next.saturating_add(STREAM_STEP).min(until),
            })
            .collect();
        let mut fetch = FetchRecords::sized(reads, STREAM_PARTITION_BYTES);
        if with_aborted {
            fetch = fetch.keeping_aborted();
        }
        session.drive_until(label, &mut [&mut fetch], deadline)?;
        for (range, read) in fetch.results() {
            let tp = range.partition;
            match read {
                Ok(read) => {
                    let more = take(&tp, &read);
                    let until = at.get(&tp).map_or(range.until, |a| a.1);
                    if !more || read.end < range.until || read.end >= until {
                        at.remove(&tp);
                        ended.insert(tp, Ok(read.end));
                    } else if let Some(place) = at.get_mut(&tp) {
                        place.0 = read.end;
                    }
                }
                Err(e) => {
                    at.remove(&tp);
                    ended.insert(tp, Err(e));
                }
            }
        }
    }
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_parts_skip_what_was_read_and_stop_at_the_log_end() {
        let mut stored = Stored::default();
        stored.add_span(10, 20);
        stored.add_span(30, 40);
        assert_eq!(stored.missing(0, 50), vec![(0, 10), (20, 30), (40, 50)]);
        assert_eq!(stored.missing(12, 18), vec![]);
        assert_eq!(stored.missing(15, 35), vec![(20, 30)]);
        stored.add_span(20, 30);
        assert_eq!(stored.spans, vec![(10, 40)]);
        stored.limit = Some(45);
        assert_eq!(stored.missing(0, 50), vec![(0, 10), (40, 45)]);
        assert_eq!(stored.missing(45, 50), vec![]);
    }
}
