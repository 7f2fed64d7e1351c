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
//! - every record before the copy's place, from the new cluster's log start, is compared with the old records the
//!   group passed: any that is not one of their copies is unread (`walk`).

use std::fmt;

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
    /// What comes before its run; a run at the log start of an old log that deleted records may have begun among
    /// them (`old_deleted`).
    pub context: Context,
    pub old_deleted: bool,
    /// The record after its run, when the read of OLD shows one (the run is not at the read's end).
    pub after_run: Option<FetchedRecord>,
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
    let after_run = read.records.get(index + 1 + after).cloned();
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
        old_deleted: old.log_start > 0,
        after_run,
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
    /// How many records right before the copy are, in order, the records right before the anchor on the old cluster
    /// (up to [`HISTORY`]; `usize::MAX`: all of them, from both log starts): copies of those records, whatever
    /// other records share their contents.
    pub aligned: usize,
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
        f.write_str(if self.after_last_read { "after the last record read " } else { "the next record to read " })?;
        f.write_str(&self.how())
    }
}

impl RecordCopy {
    /// How it was found and proven, in parentheses.
    pub fn how(&self) -> String {
        let mut how = match self.by {
            By::Timestamp => "(found by timestamp".to_string(),
            By::Content { from, until } => format!("(content search of offsets {from}..{until}"),
        };
        if let Some((place, length)) = self.run {
            how += &format!("; record {} of a run of {length} identical records", place + 1);
        }
        if self.log_append_time {
            how += "; timestamps not compared: LogAppendTime";
        }
        how + ")"
    }
}

/// The search for the anchor's copy in a read of NEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySearch {
    Found(RecordCopy),
    /// Read NEW further back: a run of identical records reaches the start of the read.
    ReadBack,
    /// Read NEW further on: a run of identical records reaches the end of the read (its length must be known).
    ReadOn,
    NotFound,
    Refused(Refusal),
}

/// A record of NEW that may be the copy: its place in its run of identical records, the run's length, what comes
/// before the run, and the record after it.
type Candidate<'a> = (&'a FetchedRecord, usize, usize, Option<Context>, Option<&'a FetchedRecord>);

/// Finds the anchor's copy in a read of NEW, whose log start and end are `new_log` (`by` says how the read was
/// placed).
pub fn find_copy(anchor: &Anchor, read: Window<'_>, new_log: (i64, i64), by: By) -> CopySearch {
    let from_log_start = read.from <= new_log.0;
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for (index, record) in read.records.iter().enumerate() {
        if !same_record(&anchor.record, record) {
            continue;
        }
        let (run, context) = run_before(read.records, index, from_log_start);
        let after = read.records[index + 1..].iter().take_while(|r| same_record(record, r)).count();
        candidates.push((record, run, run + 1 + after, context, read.records.get(index + 1 + after)));
    }
    let in_runs = anchor.run_length > 1 || candidates.iter().any(|c| c.2 > 1);
    if in_runs && anchor.context == Context::LogStart && anchor.old_deleted {
        // The run starts where the old log does, after records it deleted: it may have begun among them.
        return CopySearch::Refused(Refusal::RunUnproven { cluster: "old cluster", length: anchor.run_length });
    }
    if in_runs && candidates.iter().any(|c| c.3.is_none()) {
        return CopySearch::ReadBack;
    }
    let last = read.records.iter().rev().find(|r| r.offset < read.end);
    if in_runs && read.end < new_log.1 && last.is_some_and(|r| same_record(&anchor.record, r)) {
        return CopySearch::ReadOn;
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
        if let Some(other) = proven.iter().find(|c| c.2 != anchor.run_length) {
            // More identical records in the copy's run than in the original's (a copier wrote some twice), or fewer
            // (it has not copied them all, and may have written some twice): which one is the anchor's copy cannot
            // be counted.
            return CopySearch::Refused(Refusal::RunLengths { old: anchor.run_length, new: other.2 });
        }
        // Followed by another record than the original's run: a copier that restarted inside the run wrote some of
        // it twice and the rest elsewhere; the count from the run's start proves nothing.
        // A group inside a run (not at its first record) is placed by counting from the run's start, which holds
        // only if the copier copied the run once and went on: the run must be followed by the same record on both.
        let counted = !anchor.after && anchor.run > 0;
        let differs = |c: &&Candidate<'_>| match (&anchor.after_run, c.4) {
            (Some(a), Some(b)) => !same_record(a, b),
            _ => counted,
        };
        if proven.iter().any(differs) {
            let cluster = "new cluster";
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
        Some((record, run, length, _, _)) => {
            let index = read.records.iter().position(|r| r.offset == record.offset).unwrap_or(0);
            CopySearch::Found(RecordCopy {
                offset: record.offset,
                after_last_read: anchor.after,
                by,
                log_append_time: anchor.record.log_append_time || record.log_append_time,
                run: (*length > 1).then_some((*run, *length)),
                alike,
                aligned: history_match(anchor, &read.records[..index], from_log_start),
            })
        }
        None => CopySearch::NotFound,
    }
}
