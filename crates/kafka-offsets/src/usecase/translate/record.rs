//! By record: the new cluster holds a copy of the old one's records (MirrorMaker, say), in the same order, possibly
//! shifted (a different log start), with gaps (compaction), and with the records the switched producers wrote
//! interleaved where the copy lagged behind the switch. The group's new offset is the copy of the record it reads
//! next on the old cluster (the anchor), or the offset after the copy of the last one it read (drained) — unless
//! records that are not copies of what it read come before that place: then the first of them.
//!
//! What is proven, and how:
//! - a copy has the anchor's key and value, and its timestamp unless either side's timestamps were set by the broker
//!   (LogAppendTime: a copy gets the new broker's clock);
//! - inside a run of identical records, the copy has the anchor's place in the run, counted from the run's start on
//!   both clusters, and the record before the run is the same on both;
//! - several records that could be the copy are refused, never guessed;
//! - the records before the copy's place are walked back against the old records the group read: any that is not
//!   one of their copies is unread.

use std::collections::HashMap;
use std::fmt;

use bytes::Bytes;

use super::{OldPosition, Refusal, Window};
use crate::client::fetch::FetchedRecord;

/// What comes before a record's run of identical records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// The run starts at the log start.
    LogStart,
    /// The record before the run.
    Record(FetchedRecord),
}

/// The record to find on NEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub record: FetchedRecord,
    /// The group read it (drained): its new offset is after the copy. Else it reads it next.
    pub after: bool,
    /// Where a copy of OLD's log from its log start puts it on NEW (from NEW's log start).
    pub expected: i64,
    /// Its place in its run of identical records (0: the first, or not in a run).
    pub run: usize,
    /// How many identical records its run has (1: not in a run), as far as OLD was read.
    pub run_length: usize,
    pub context: Context,
    /// The records before it on OLD, the nearest first (up to [`HISTORY`]), and whether they reach the log start.
    pub history: Vec<FetchedRecord>,
    pub history_from_log_start: bool,
}

/// How many records before the anchor tell identical candidates apart.
pub const HISTORY: usize = 64;

/// The anchor, or what to read first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorSearch {
    Found(Box<Anchor>),
    /// Read OLD further back: the anchor, its run's start, or the record before it is before the read.
    ReadBack,
    /// OLD has no record the group read or reads next.
    Nothing,
}

/// Whether two records are the same record (a copy): key and value, and timestamp where both were set by their
/// producers.
pub fn same_record(a: &FetchedRecord, b: &FetchedRecord) -> bool {
    a.key == b.key
        && a.value == b.value
        && (a.log_append_time
            || b.log_append_time
            || match (a.timestamp, b.timestamp) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            })
}

/// The run of identical records that ends at `records[index]`: its length before it, and what comes before it
/// (None when the read starts inside the run).
fn run_before(records: &[FetchedRecord], index: usize, read_from_log_start: bool) -> (usize, Option<Context>) {
    let record = &records[index];
    let before = records[..index].iter().rev().take_while(|r| same_record(record, r)).count();
    let context = match index.checked_sub(before + 1) {
        Some(i) => Some(Context::Record(records[i].clone())),
        None if read_from_log_start => Some(Context::LogStart),
        None => None,
    };
    (before, context)
}

/// The anchor in a read of OLD around the committed offset; `drained`: no record is left to read (the anchor is the
/// last one read). The read must start early enough to show the anchor's run and the record before it.
pub fn find_anchor(old: &OldPosition, read: Window<'_>, drained: bool, new_log_start: i64) -> AnchorSearch {
    let next = old.next();
    let index = if drained {
        read.records.iter().rposition(|r| r.offset < next)
    } else {
        read.records.iter().position(|r| r.offset >= next)
    };
    let from_log_start = read.from <= old.log_start;
    let Some(index) = index else {
        return if drained && !from_log_start { AnchorSearch::ReadBack } else { AnchorSearch::Nothing };
    };
    let (run, context) = run_before(read.records, index, from_log_start);
    let Some(context) = context else { return AnchorSearch::ReadBack };
    let record = read.records[index].clone();
    let after = read.records[index + 1..].iter().take_while(|r| same_record(&record, r)).count();
    let expected = new_log_start.saturating_add(record.offset - old.log_start);
    let history: Vec<FetchedRecord> = read.records[..index].iter().rev().take(HISTORY).cloned().collect();
    let history_from_log_start = from_log_start && history.len() == index;
    AnchorSearch::Found(Box::new(Anchor {
        record,
        after: drained,
        expected,
        run,
        run_length: run + 1 + after,
        context,
        history,
        history_from_log_start,
    }))
}

/// How far the records before a candidate on NEW match the records before the anchor on OLD (the true copy's history
/// is the anchor's); both reaching their log start counts as the longest.
fn history_match(anchor: &Anchor, before: &[FetchedRecord], from_log_start: bool) -> usize {
    let matched = anchor.history.iter().zip(before.iter().rev()).take_while(|(a, b)| same_record(a, b)).count();
    let both_start =
        matched == anchor.history.len() && matched == before.len() && anchor.history_from_log_start && from_log_start;
    if both_start {
        usize::MAX
    } else {
        matched
    }
}

/// How the copy was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// Near NEW's offset for the anchor's timestamp.
    Timestamp,
    /// In a search of NEW's offsets `[from, until)` by contents.
    Content { from: i64, until: i64 },
}

/// The copy of the anchor on NEW, and what it proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCopy {
    /// The offset of the copy.
    pub offset: i64,
    pub after_last_read: bool,
    pub by: By,
    /// Timestamps were not compared: one side's were set by its broker (LogAppendTime).
    pub log_append_time: bool,
    /// Its place in a run of identical records, and the run's length (None: not in a run).
    pub run: Option<(usize, usize)>,
    /// How many records could be the copy, with the same contents and history (duplicates a copier wrote twice):
    /// the first is taken, so that nothing is skipped. 1 when the copy is proven.
    pub alike: usize,
}

impl RecordCopy {
    /// The group's new offset: the copy, or the one after it.
    pub fn new_offset(&self) -> i64 {
        if self.after_last_read {
            self.offset + 1
        } else {
            self.offset
        }
    }
}

impl fmt::Display for RecordCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.alike > 1 {
            write!(
                f,
                "the first of {} records that could be the copy (identical contents and history, duplicates of a copy): \
                 nothing is skipped, the others are read again; ",
                self.alike
            )?;
        } else {
            f.write_str("exact: ")?;
        }
        f.write_str(if self.after_last_read { "after the last record read" } else { "the next record to read" })?;
        match self.by {
            By::Timestamp => f.write_str(" (found by timestamp")?,
            By::Content { from, until } => write!(f, " (content search of offsets {from}..{until}")?,
        }
        if let Some((place, length)) = self.run {
            write!(f, "; record {} of a run of {length} identical records", place + 1)?;
        }
        if self.log_append_time {
            f.write_str("; timestamps not compared: LogAppendTime")?;
        }
        f.write_str(")")
    }
}

/// The search for the anchor's copy in a read of NEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySearch {
    Found(RecordCopy),
    /// Read NEW further back: a run of identical records reaches the start of the read.
    ReadBack,
    NotFound,
    Refused(Refusal),
}

/// Finds the anchor's copy in a read of NEW (`by` says how the read was placed).
pub fn find_copy(anchor: &Anchor, read: Window<'_>, new_log_start: i64, by: By) -> CopySearch {
    let from_log_start = read.from <= new_log_start;
    let mut candidates = Vec::new();
    for (index, record) in read.records.iter().enumerate() {
        if !same_record(&anchor.record, record) {
            continue;
        }
        let (run, context) = run_before(read.records, index, from_log_start);
        let after = read.records[index + 1..].iter().take_while(|r| same_record(record, r)).count();
        candidates.push((record, run, run + 1 + after, context));
    }
    let in_runs = anchor.run_length > 1 || candidates.iter().any(|c| c.2 > 1);
    if in_runs && candidates.iter().any(|c| c.3.is_none()) {
        return CopySearch::ReadBack;
    }
    let same_context = |context: &Option<Context>| match (&anchor.context, context) {
        (Context::LogStart, Some(Context::LogStart)) => true,
        (Context::Record(a), Some(Context::Record(b))) => same_record(a, b),
        _ => false,
    };
    let mut alike = 1;
    let mut matching: Vec<_> = if in_runs {
        let placed: Vec<_> = candidates.iter().filter(|c| c.1 == anchor.run).collect();
        let proven: Vec<_> = placed.iter().copied().filter(|c| same_context(&c.3)).collect();
        if proven.is_empty() && !placed.is_empty() {
            // The run is there, but not its start on one side: the place inside it cannot be counted.
            let cluster = if anchor.context == Context::LogStart { "old cluster" } else { "new cluster" };
            return CopySearch::Refused(Refusal::RunUnproven { cluster, length: anchor.run_length });
        }
        proven
    } else {
        candidates.iter().collect()
    };
    if matching.len() > 1 {
        // Identical records apart from each other: the records before each tell them apart, when one candidate's
        // history matches the anchor's further than every other's.
        let index_of = |offset: i64| read.records.iter().position(|r| r.offset == offset).unwrap_or(0);
        let scored: Vec<usize> = matching
            .iter()
            .map(|c| history_match(anchor, &read.records[..index_of(c.0.offset)], from_log_start))
            .collect();
        let best = scored.iter().copied().max().unwrap_or(0);
        let tied: Vec<_> = matching.iter().zip(&scored).filter(|(_, &s)| s == best).map(|(c, _)| *c).collect();
        if best == 0 {
            return CopySearch::Refused(Refusal::Ambiguous { offsets: matching.iter().map(|c| c.0.offset).collect() });
        }
        // Candidates alike as far as can be seen are copies of one record (a copier that wrote again what it had
        // copied): the first comes before the others, so starting there skips nothing.
        alike = tied.len();
        matching = vec![tied[0]];
    }
    match matching.first() {
        Some((record, run, length, _)) => CopySearch::Found(RecordCopy {
            offset: record.offset,
            after_last_read: anchor.after,
            by,
            log_append_time: anchor.record.log_append_time || record.log_append_time,
            run: (*length > 1).then_some((*run, *length)),
            alike,
        }),
        None => CopySearch::NotFound,
    }
}

/// The records before the copy's place on NEW, walked back against the old records the group read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Walk {
    /// The first record on NEW before the copy's place that is not a copy of a record the group read.
    pub first_unread: Option<i64>,
    /// Copies of records the group read that come after it (read again).
    pub reread: usize,
    /// How many records of NEW were walked.
    pub checked: usize,
}

/// A walk, or what to read first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkResult {
    Done(Walk),
    /// Read further back: on OLD (a record on NEW may be the copy of an older one) or on NEW.
    ReadBack {
        old: bool,
        new: bool,
    },
}

/// Walks NEW back from the copy's place. Each record is a copy of a record the group read (one of the old records
/// before its position, with the same contents), or not; those that are not, above the lowest copy the walk met,
/// are records the group has not read (the switched producers'), and the first of them is where the group must
/// start. Below the lowest copy lies what NEW held before the copy reached the old records still there (copies of
/// records the old cluster deleted since, which the group read). Copies need not be in order (a copier that
/// restarted writes some twice, after records the switched producers wrote). The walk ends after `enough` records
/// in a row that are an in-order copy, or that are not copies (the history below the copy), or at NEW's log start.
pub fn walk_back(
    old: Window<'_>,
    anchor: &Anchor,
    new: Window<'_>,
    copy: &RecordCopy,
    logs: (i64, i64),
    enough: usize,
) -> WalkResult {
    let (old_log_start, new_log_start) = logs;
    let read: Vec<&FetchedRecord> = old
        .records
        .iter()
        .filter(|r| if anchor.after { r.offset <= anchor.record.offset } else { r.offset < anchor.record.offset })
        .collect();
    let mut by_contents: HashMap<(Option<&Bytes>, Option<&Bytes>), Vec<usize>> = HashMap::new();
    for (index, record) in read.iter().enumerate() {
        by_contents.entry((record.key.as_ref(), record.value.as_ref())).or_default().push(index);
    }
    let place = copy.new_offset();
    let mut walk = Walk::default();
    let mut copies = Vec::new();
    let mut others = Vec::new();
    // The old index of the last match; how many matches in a row went back in order; how many non-copies in a row.
    let mut previous: Option<usize> = None;
    let (mut in_order, mut apart) = (0, 0);
    let mut ended = false;
    for record in new.records.iter().rev().filter(|r| r.offset < place) {
        walk.checked += 1;
        let indexes: Vec<usize> = by_contents
            .get(&(record.key.as_ref(), record.value.as_ref()))
            .map(|all| all.iter().copied().filter(|&i| same_record(read[i], record)).collect())
            .unwrap_or_default();
        let earlier = previous.and_then(|p| indexes.iter().rev().copied().find(|&i| i < p));
        match earlier.or(indexes.last().copied()) {
            Some(index) => {
                in_order = if earlier.is_some() { in_order + 1 } else { 1 };
                apart = 0;
                previous = Some(index);
                copies.push(record.offset);
            }
            None => {
                in_order = 0;
                apart += 1;
                others.push(record.offset);
            }
        }
        if in_order >= enough || apart >= enough {
            ended = true;
            break;
        }
    }
    let lowest_copy = copies.iter().copied().min().unwrap_or(place);
    let unread: Vec<i64> = others.iter().copied().filter(|&o| o > lowest_copy).collect();
    if !unread.is_empty() && old.from > old_log_start {
        // Maybe copies of older records than the old read shows.
        return WalkResult::ReadBack { old: true, new: false };
    }
    if !ended && new.from > new_log_start {
        return WalkResult::ReadBack { old: false, new: true };
    }
    walk.first_unread = unread.iter().copied().min();
    if let Some(first) = walk.first_unread {
        walk.reread = copies.iter().filter(|&&o| o > first).count();
    }
    WalkResult::Done(walk)
}
