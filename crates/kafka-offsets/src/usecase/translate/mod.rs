//! Translating a group's position on a partition from the old cluster to the new one: the decisions of
//! migrate-groups, pure (the records they need are read by `migrate`, which reads more where a decision asks for it).
//!
//! The strategies are the operator's statement of how the new cluster was filled:
//! - switch time: data was copied to NEW before the producers switched at T: the group starts at NEW's first record
//!   at or after T, and must have consumed OLD up to T;
//! - earliest: nothing was copied: the group starts at NEW's log start, and must have drained OLD;
//! - by record (`record`): NEW holds a copy of OLD's records: the group starts at NEW's copy of the record it would
//!   read next on OLD, or right after the copy of the last one it read, unless records that are not copies of what
//!   it read come before that place.
//!
//! Records here are what a consumer of the group reads: transaction markers and aborted records are not among
//! them, and compaction leaves gaps. A group is drained when no such record is left after its committed offset.

pub mod hunt;
pub mod record;
pub mod switch;
pub mod walk;

use std::fmt;

use crate::client::fetch::FetchedRecord;
use crate::formats::time::format_utc;

pub use record::{Anchor, AnchorSearch, By, CopySearch, RecordCopy};
pub use walk::Walk;

/// How NEW was filled (the command line's `--to-switch-time`, `--to-earliest`, `--by-record`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The producers' switch time, epoch milliseconds.
    SwitchTime(i64),
    Earliest,
    ByRecord,
}

impl Strategy {
    pub fn switch_time(self) -> Option<i64> {
        match self {
            Strategy::SwitchTime(ms) => Some(ms),
            _ => None,
        }
    }
}

/// One group's position on one partition of OLD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OldPosition {
    pub committed: i64,
    pub log_start: i64,
    pub log_end: i64,
}

impl OldPosition {
    /// The offsets between the committed one and the log end (Kafka's LAG: markers and compacted gaps included).
    pub fn lag(&self) -> i64 {
        (self.log_end - self.committed).max(0)
    }

    /// The first offset the group has not read that is still in the log.
    pub fn next(&self) -> i64 {
        self.committed.max(self.log_start)
    }
}

/// Records read from a partition: every record a consumer gets in `[from, end)`.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub records: &'a [FetchedRecord],
    pub from: i64,
    pub end: i64,
}

impl Window<'_> {
    pub fn covers(&self, offset: i64) -> bool {
        self.from <= offset && offset < self.end
    }
}

/// How a NEW offset was found (the plan's HOW column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// NEW's answer for the switch time, checked by reading the records around it.
    SwitchTimeChecked,
    /// Found by reading NEW's records (the broker's answer for the time was wrong or missing).
    SwitchTimeRead,
    /// Every record on NEW is older than the switch time: its log end.
    SwitchTimeAfterLast,
    Earliest,
    /// Neither cluster has records on the partition: NEW's log start.
    EmptyOnBoth,
    /// The copy of the record the group reads next (or after the copy of the last one it read), and every record
    /// below it a copy of what the group passed.
    Record(record::RecordCopy, Walk),
    /// Records that are not copies of what the group read come before the copy's place: the first of them.
    FirstUnread(record::RecordCopy, Walk),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::SwitchTimeChecked => f.write_str("switch time (broker's answer, checked by reading)"),
            Found::SwitchTimeRead => f.write_str("switch time (found by reading records)"),
            Found::SwitchTimeAfterLast => f.write_str("switch time (every record is older: log end)"),
            Found::Earliest => f.write_str("earliest"),
            Found::EmptyOnBoth => f.write_str("no records on either cluster: log start"),
            Found::Record(copy, walk) => write!(f, "{copy}{}", walk.notes()),
            Found::FirstUnread(copy, walk) => write!(
                f,
                "the first record not read: offset {} is not a copy of a record the group read, and comes before \
                 {} at {} {}; {} of records it read {} read again{}",
                walk.first_unread.unwrap_or_default(),
                if copy.after_last_read { "the copy of the last record read" } else { "the copy of its next record" },
                copy.offset,
                copy.how(),
                if walk.reread == 1 { "1 copy".to_string() } else { format!("{} copies", walk.reread) },
                if walk.reread == 1 { "is" } else { "are" },
                walk.notes()
            ),
        }
    }
}

/// A partition's NEW offset and how it was found, or why it is refused.
pub type Verdict = Result<(i64, Found), Refusal>;

/// How many records a group has not read on OLD: counted, or at least some (the read stopped before the log end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    Exactly(usize),
    /// At least one, from this offset, and up to this many offsets to the log end.
    From {
        offset: i64,
        up_to: i64,
    },
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unread::Exactly(1) => f.write_str("1 unread record"),
            Unread::Exactly(n) => write!(f, "{n} unread records"),
            Unread::From { offset, up_to } => write!(f, "unread records from offset {offset} (up to {up_to})"),
        }
    }
}

/// Why a partition is not migrated (its group is then not committed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// OLD's retention deleted records the group had not read.
    DeletedUnread {
        committed: i64,
        log_start: i64,
    },
    BeyondLogEnd {
        committed: i64,
        log_end: i64,
    },
    /// Switch time: the next record to read on OLD is older than the switch time: it (and maybe more) would be skipped.
    UnreadBeforeSwitch {
        offset: i64,
        timestamp: i64,
        unread: Unread,
    },
    /// Switch time on an OLD without record timestamps: only a drained partition is known to be consumed up to it.
    UnreadWithoutTimestamps {
        unread: Unread,
    },
    /// Earliest: the unread records exist only on OLD.
    UnreadOnOld {
        unread: Unread,
    },
    /// A transaction is still open on OLD after the committed offset: its records are unread or not, once it ends.
    OpenTransaction {
        stable: i64,
    },
    /// By record: no record on OLD to look for, and records on NEW.
    NothingToFind,
    /// By record: the record is not on NEW (not copied yet, or different contents); what was searched.
    NotOnNew {
        searched: String,
    },
    /// By record: several records on NEW could be the copy.
    Ambiguous {
        offsets: Vec<i64>,
    },
    /// By record: the record is inside a run of identical records whose start was not found on one of the clusters.
    RunUnproven {
        cluster: &'static str,
        length: usize,
    },
    /// By record: records at the new cluster's log start that are not copies of what the old cluster has, below a
    /// first copy that is not of its first record, or more than the offsets it deleted (so not all copies of
    /// records it deleted).
    UnexplainedBelowCopies {
        records: usize,
        first_copy: Option<i64>,
        /// The offsets the old cluster deleted, when the records outnumber them.
        too_many_for: Option<i64>,
    },
    /// By record: a record below the place is identical to records the group passed and to records it did not.
    AmbiguousBelowCopy {
        offset: i64,
    },
    /// By record: the copy's run of identical records is not as long as the original's (some written twice, or not
    /// all copied).
    RunLengths {
        old: usize,
        new: usize,
    },
    /// Switch time: below the planned offset, after the copy of the last record the group read, records that are
    /// copies of nothing on the old cluster (the switched producers', before a switch time noted late).
    SwitchedBelow {
        count: usize,
        planned: i64,
        last_read_copy: Option<i64>,
    },
    /// Switch time: unread records on the old cluster newer than the switch time, not on the new cluster at or after
    /// the planned offset.
    NewerNotOnNew {
        missing: usize,
        total: usize,
        planned: i64,
    },
    /// Switch time: NEW's records have no timestamps.
    NoTimestampsOnNew,
    /// The group has members on this cluster.
    GroupActive(&'static str),
    /// A lookup or read failed.
    Failed(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::DeletedUnread { committed, log_start } => write!(
                f,
                "the old cluster deleted unread records: committed {committed} is before its log start {log_start}"
            ),
            Refusal::BeyondLogEnd { committed, log_end } => {
                write!(f, "committed {committed} is after the old cluster's log end {log_end}")
            }
            Refusal::UnreadBeforeSwitch { offset, timestamp, unread } => write!(
                f,
                "not consumed up to the switch time on the old cluster: the next record to read (offset {offset}, {}) \
                 is older, and {unread} would be skipped (--allow-lag skips them)",
                format_utc(*timestamp)
            ),
            Refusal::UnreadWithoutTimestamps { unread } => write!(
                f,
                "{unread} on the old cluster, whose records have no timestamps: only a drained partition is known to \
                 be consumed up to the switch time (--allow-lag skips them)"
            ),
            Refusal::UnreadOnOld { unread } => {
                write!(f, "{unread} on the old cluster, which exist only there (--allow-lag leaves them behind)")
            }
            Refusal::OpenTransaction { stable } => write!(
                f,
                "a transaction is still open on the old cluster at offset {stable}: whether the group has read \
                 everything is known once it ends"
            ),
            Refusal::NothingToFind => f.write_str(
                "the old cluster has no record the group read or reads next on this partition, and the new one has \
                 records: nothing to find them by",
            ),
            Refusal::NotOnNew { searched } => {
                write!(f, "the record is not on the new cluster (not copied yet, or different contents): {searched}")
            }
            Refusal::Ambiguous { offsets } => {
                let list: Vec<String> = offsets.iter().take(5).map(i64::to_string).collect();
                let more = if offsets.len() > 5 { ", ..." } else { "" };
                write!(
                    f,
                    "{} records on the new cluster could be the copy (offsets {}{more}): which one is cannot be proven",
                    offsets.len(),
                    list.join(", ")
                )
            }
            Refusal::RunUnproven { cluster, length } => write!(
                f,
                "the record is one of a run of at least {length} identical records (key, value and timestamp) whose \
                 start is not on the {cluster}: its place in the run cannot be proven"
            ),
            Refusal::UnexplainedBelowCopies { records, first_copy, too_many_for } => {
                let why = match (too_many_for, first_copy) {
                    (Some(deleted), _) => format!("more than the {deleted} offsets it deleted"),
                    (None, Some(offset)) => format!("the first copy (offset {offset}) is not of its first record"),
                    (None, None) => "no copy of a record the group read comes before its place".to_string(),
                };
                write!(
                    f,
                    "{records} records at the new cluster's log start are not copies of records the old cluster has, \
                     {why}: they are not known to be copies of records it deleted, so whether the group read them \
                     cannot be proven"
                )
            }
            Refusal::AmbiguousBelowCopy { offset } => write!(
                f,
                "the record at offset {offset} on the new cluster, before where the group would start, is identical \
                 to records it passed on the old cluster and to records it did not: whether it was read cannot be \
                 proven"
            ),
            Refusal::RunLengths { old, new } => write!(
                f,
                "the record is one of a run of {old} identical records, which has {new} on the new cluster (a copier \
                 wrote some twice, or has not copied them all): its place in the run cannot be proven"
            ),
            Refusal::SwitchedBelow { count, planned, last_read_copy } => write!(
                f,
                "{} below offset {planned} on the new cluster{} {} copies of nothing on the old cluster: the switched \
                 producers wrote them before the switch time given, and starting at {planned} skips them (a switch time \
                 noted late: give the time before the first producer wrote to the new cluster, or use --by-record)",
                if *count == 1 { "1 record".to_string() } else { format!("{count} records") },
                match last_read_copy {
                    Some(offset) => format!(", after the copy of the last record the group read (offset {offset}),"),
                    None => String::new(),
                },
                if *count == 1 { "is" } else { "are" }
            ),
            Refusal::NewerNotOnNew { missing, total, planned } => write!(
                f,
                "{missing} of the {total} unread records on the old cluster newer than the switch time {} not on the \
                 new cluster at or after offset {planned} (a producer that was not switched, or a copy not made): they \
                 would never be read (--allow-lag skips them)",
                if *missing == 1 { "is" } else { "are" }
            ),
            Refusal::NoTimestampsOnNew => f.write_str("the new cluster's records have no timestamps"),
            Refusal::GroupActive(cluster) => write!(f, "the group has members on the {cluster}"),
            Refusal::Failed(why) => f.write_str(why),
        }
    }
}

/// The group's position on OLD, checked against its log: records deleted unread, or a committed offset past the end.
pub fn check_position(old: &OldPosition) -> Result<(), Refusal> {
    if old.committed < old.log_start && old.log_start < old.log_end {
        return Err(Refusal::DeletedUnread { committed: old.committed, log_start: old.log_start });
    }
    if old.committed > old.log_end {
        return Err(Refusal::BeyondLogEnd { committed: old.committed, log_end: old.log_end });
    }
    Ok(())
}

/// What a read of OLD after the committed offset shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ahead {
    /// No record is left to read: only transaction markers, aborted records or compacted gaps remain.
    Drained,
    /// The next record to read, and how many there are.
    Next(FetchedRecord, Unread),
    /// The read did not reach a record nor the log end: read further, from this offset.
    ReadOn(i64),
    /// A transaction is open before the log end: its records cannot be read yet.
    Open(i64),
}

/// The records after the committed offset, from a finished read of OLD `[next, until)` (see [`OldPosition::next`]).
pub fn ahead(old: &OldPosition, read: Window<'_>, until: i64) -> Ahead {
    let next = old.next();
    let unread: Vec<&FetchedRecord> = read.records.iter().filter(|r| r.offset >= next).collect();
    if let Some(first) = unread.first() {
        let count = if read.end >= old.log_end {
            Unread::Exactly(unread.len())
        } else {
            Unread::From { offset: first.offset, up_to: old.log_end - first.offset }
        };
        return Ahead::Next((*first).clone(), count);
    }
    if read.end >= old.log_end {
        Ahead::Drained
    } else if read.end < until {
        // A read stops short of its end only where the log does: the last stable offset of an open transaction.
        Ahead::Open(read.end)
    } else {
        Ahead::ReadOn(read.end)
    }
}

/// What a lagging group leaves behind when allowed to (a `Warn:` line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagNote(pub String);

/// The check on OLD for the switch time and earliest strategies: whether the group may move on, given what is
/// ahead of it. `allow_lag` turns a refusal for unread records into a note.
pub fn check_old(strategy: Strategy, ahead: &Ahead, allow_lag: bool) -> Result<Option<LagNote>, Refusal> {
    let (record, unread) = match ahead {
        Ahead::Drained => return Ok(None),
        Ahead::Open(stable) => return Err(Refusal::OpenTransaction { stable: *stable }),
        Ahead::ReadOn(_) => return Err(Refusal::Failed("the records after the committed offset were not read".into())),
        Ahead::Next(record, unread) => (record, *unread),
    };
    let refusal = match strategy {
        Strategy::ByRecord => return Ok(None),
        Strategy::Earliest => Refusal::UnreadOnOld { unread },
        Strategy::SwitchTime(switch) => match record.timestamp {
            Some(ts) if ts >= switch => return Ok(None),
            Some(ts) => Refusal::UnreadBeforeSwitch { offset: record.offset, timestamp: ts, unread },
            None => Refusal::UnreadWithoutTimestamps { unread },
        },
    };
    if !allow_lag {
        return Err(refusal);
    }
    Ok(Some(LagNote(match (strategy, record.timestamp) {
        (Strategy::Earliest, _) => format!("leaves {unread} behind on the old cluster"),
        (_, Some(_)) => format!("skips {unread} on the old cluster older than the switch time"),
        (_, None) => format!("skips {unread} on the old cluster (without timestamps: not known to be older)"),
    })))
}

/// The first offset whose record is at or after a time, searched by reading records (the broker's answer for the
/// time is not trusted: librdkafka's mock answers every time lookup with -1, and CreateTime logs can be out of
/// order). The answer lies in `[low, high]`: every record before `low` is older, the record at `high` (or the log
/// end) is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSearch {
    pub time: i64,
    pub low: i64,
    pub high: i64,
}

/// How many records each step of a [`TimeSearch`] reads.
pub const TIME_SEARCH_READ: i64 = 32;

impl TimeSearch {
    pub fn new(time: i64, log_start: i64, log_end: i64) -> TimeSearch {
        TimeSearch { time, low: log_start, high: log_end }
    }

    pub fn done(&self) -> bool {
        self.low >= self.high
    }

    /// The range to read next.
    pub fn next_read(&self) -> (i64, i64) {
        let middle = self.low + (self.high - self.low) / 2;
        (middle, (middle + TIME_SEARCH_READ).min(self.high))
    }

    /// Narrows the range with a finished read of [`next_read`](Self::next_read) (every record of `[from, end)`); an
    /// error when a record has no timestamp, or when the read stopped at an open transaction. The range moves only
    /// over offsets the read covered.
    pub fn narrow(&mut self, read: Window<'_>) -> Result<(), Refusal> {
        let (from, until) = self.next_read();
        for record in read.records.iter().filter(|r| r.offset >= from && r.offset < until) {
            match record.timestamp {
                None => return Err(Refusal::NoTimestampsOnNew),
                Some(ts) if ts >= self.time => {
                    self.high = record.offset;
                    return Ok(());
                }
                Some(_) => {}
            }
        }
        if read.end < until {
            return Err(Refusal::Failed(format!(
                "a transaction is open on the new cluster at offset {}: the records after it cannot be read yet",
                read.end
            )));
        }
        // Every record of the read is older (offsets missing from it were compacted away or are transaction
        // markers).
        self.low = until;
        Ok(())
    }

    /// Checks the broker's answer with a finished read of `[answer - 1, answer + 1)`: the record at the answer is at
    /// or after the time and the one before it older. None when it does not hold.
    pub fn check(&self, answer: i64, read: Window<'_>) -> Option<i64> {
        if answer < self.low || answer > self.high {
            return None;
        }
        let at = |offset: i64| read.records.iter().find(|r| r.offset == offset);
        let before_ok =
            answer <= self.low || at(answer - 1).is_some_and(|r| r.timestamp.is_some_and(|t| t < self.time));
        let at_ok = answer >= self.high || at(answer).is_some_and(|r| r.timestamp.is_some_and(|t| t >= self.time));
        (before_ok && at_ok).then_some(answer)
    }
}

#[cfg(test)]
mod tests;
