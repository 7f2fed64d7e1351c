//! Translating a group's position on a partition from the old cluster to the new one: the decisions of
//! migrate-groups, pure (the records and offsets they need are read by `migrate`).
//!
//! The strategies are the operator's statement of how the new cluster was filled:
//! - switch time: data was copied to NEW before the producers switched at T: the group starts at NEW's first record
//!   at or after T, and must have consumed OLD up to T;
//! - earliest: nothing was copied: the group starts at NEW's log start, and must have drained OLD;
//! - by record: NEW holds a copy of OLD's records: the group starts at NEW's copy of the record it would read next
//!   on OLD (found by its timestamp, or by its contents near where a copy of OLD's log would put it).

use std::fmt;

use crate::client::fetch::FetchedRecord;
use crate::formats::time::format_utc;

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
    /// The records the group has not read (0 when drained).
    pub fn lag(&self) -> i64 {
        (self.log_end - self.committed).max(0)
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
    /// The record the group reads next, found on NEW through its timestamp.
    RecordByTimestamp {
        after_last_read: bool,
    },
    /// The record found by comparing contents within NEW's offsets `[from, until)`; `matches` is how many matched
    /// (the nearest to the expected place is taken).
    RecordByContent {
        from: i64,
        until: i64,
        matches: usize,
        after_last_read: bool,
    },
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = |after: bool| if after { "after the last record read" } else { "the next record to read" };
        match self {
            Found::SwitchTimeChecked => f.write_str("switch time (broker's answer, checked by reading)"),
            Found::SwitchTimeRead => f.write_str("switch time (found by reading records)"),
            Found::SwitchTimeAfterLast => f.write_str("switch time (every record is older: log end)"),
            Found::Earliest => f.write_str("earliest"),
            Found::EmptyOnBoth => f.write_str("no records on either cluster: log start"),
            Found::RecordByTimestamp { after_last_read } => {
                write!(f, "exact: {} (found by timestamp)", which(*after_last_read))
            }
            Found::RecordByContent { from, until, matches, after_last_read } => {
                write!(f, "exact: {} (content search of offsets {from}..{until}", which(*after_last_read))?;
                if *matches > 1 {
                    write!(f, ", {matches} identical records, the nearest taken")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// A partition's NEW offset and how it was found, or why it is refused.
pub type Verdict = Result<(i64, Found), Refusal>;

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
        lag: i64,
    },
    /// Switch time on an OLD without record timestamps: only a drained partition is known to be consumed up to it.
    UnreadWithoutTimestamps {
        lag: i64,
    },
    /// Earliest: the unread records exist only on OLD.
    UnreadOnOld {
        lag: i64,
    },
    /// By record: no record on OLD to look for, and records on NEW.
    NothingToFind,
    /// By record: the last record read was compacted away.
    LastReadGone {
        offset: i64,
    },
    /// By record: the record is not on NEW (not copied yet, or different contents); what was searched.
    NotOnNew {
        searched: String,
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
            Refusal::UnreadBeforeSwitch { offset, timestamp, lag } => write!(
                f,
                "not consumed up to the switch time on the old cluster: the next record to read (offset {offset}, {}) \
                 is older, and up to {lag} unread records would be skipped (--allow-lag skips them)",
                format_utc(*timestamp)
            ),
            Refusal::UnreadWithoutTimestamps { lag } => write!(
                f,
                "{lag} unread records on the old cluster, whose records have no timestamps: only a drained partition \
                 is known to be consumed up to the switch time (--allow-lag skips them)"
            ),
            Refusal::UnreadOnOld { lag } => write!(
                f,
                "{lag} unread records on the old cluster, which exist only there (--allow-lag leaves them behind)"
            ),
            Refusal::NothingToFind => f.write_str(
                "the old cluster has no records on this partition and the new one has: nothing to find them by",
            ),
            Refusal::LastReadGone { offset } => {
                write!(f, "the last record read (before offset {offset}) is gone from the old cluster (compacted)")
            }
            Refusal::NotOnNew { searched } => {
                write!(f, "the record is not on the new cluster (not copied yet, or different contents): {searched}")
            }
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

/// The records a read of OLD should return for the check or the search: by record, the next record to read (a
/// lagging group) or the last one read (a drained group), with those before it; switch time, the next record to read
/// when the group lags.
/// `[from, until)` of the read, or None when nothing is read.
pub fn old_read(strategy: Strategy, old: &OldPosition) -> Option<(i64, i64)> {
    /// How far back to look for the last record read, past records a compaction removed.
    const LOOK_BACK: i64 = 16;
    let next = old.committed.max(old.log_start);
    match strategy {
        Strategy::Earliest => None,
        // The records before the next one tell which of a run of identical records it is.
        Strategy::ByRecord if next < old.log_end => {
            Some(((next - LOOK_BACK).max(old.log_start), (next + LOOK_BACK).min(old.log_end)))
        }
        _ if next < old.log_end => Some((next, (next + LOOK_BACK).min(old.log_end))),
        Strategy::ByRecord if old.log_start < old.log_end => Some(((next - LOOK_BACK).max(old.log_start), next)),
        _ => None,
    }
}

/// What a lagging group leaves behind when allowed to (a `Warn:` line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagNote(pub String);

/// The check on OLD: whether the group may move on, given the records read by [`old_read`] (the first is the next
/// to read). `allow_lag` turns a refusal for unread records into a note.
pub fn check_old(
    strategy: Strategy,
    old: &OldPosition,
    read: &[FetchedRecord],
    allow_lag: bool,
) -> Result<Option<LagNote>, Refusal> {
    check_position(old)?;
    let lag = old.lag();
    if lag == 0 {
        return Ok(None);
    }
    let refusal = match strategy {
        Strategy::ByRecord => return Ok(None),
        Strategy::Earliest => Refusal::UnreadOnOld { lag },
        Strategy::SwitchTime(switch) => match read.iter().find(|r| r.offset >= old.committed) {
            Some(FetchedRecord { timestamp: Some(ts), .. }) if *ts >= switch => return Ok(None),
            Some(FetchedRecord { offset, timestamp: Some(ts), .. }) => {
                Refusal::UnreadBeforeSwitch { offset: *offset, timestamp: *ts, lag }
            }
            Some(_) => Refusal::UnreadWithoutTimestamps { lag },
            None => return Err(Refusal::Failed(format!("the record at offset {} could not be read", old.committed))),
        },
    };
    if !allow_lag {
        return Err(refusal);
    }
    Ok(Some(LagNote(match strategy {
        Strategy::Earliest => format!("leaves {lag} unread records behind on the old cluster"),
        _ => format!("skips up to {lag} unread records on the old cluster older than the switch time"),
    })))
}

/// By record: the record to find on NEW, and whether the group's NEW offset is the one after it (a drained group's
/// last record read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub record: FetchedRecord,
    pub after: bool,
    /// Where a copy of OLD's log from its log start would have it on NEW (from NEW's log start).
    pub expected: i64,
    /// How many records identical to it come right before it (which of a run of identical records it is).
    pub run: usize,
}

/// The anchor among the records [`old_read`] returned; the refusal when there is none. `new_log_start` places the
/// expected offset.
pub fn anchor(old: &OldPosition, read: Vec<FetchedRecord>, new_log_start: i64) -> Result<Anchor, Refusal> {
    let next = old.committed.max(old.log_start);
    let (index, after) = if next < old.log_end {
        (read.iter().position(|r| r.offset >= next), false)
    } else {
        (read.iter().rposition(|r| r.offset < next), true)
    };
    let index = index.ok_or(Refusal::LastReadGone { offset: next })?;
    let record = read[index].clone();
    let run = read[..index].iter().rev().take_while(|r| same_record(&record, r)).count();
    let expected = new_log_start.saturating_add(record.offset - old.log_start);
    Ok(Anchor { record, after, expected, run })
}

/// Whether a record on NEW is a copy of the anchor: the same key and value, and the same timestamp where both have
/// one (Kafka 0.9's records have none).
pub fn same_record(anchor: &FetchedRecord, candidate: &FetchedRecord) -> bool {
    anchor.key == candidate.key
        && anchor.value == candidate.value
        && match (anchor.timestamp, candidate.timestamp) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

/// The copy of the anchor among `candidates` (in offset order), and how many records could be it. A copy must be the
/// same record in the same place of a run of identical records (the second of three identical records is found as
/// the second); of several such, the nearest to the expected place is taken (the earlier one on a tie).
pub fn find_copy(anchor: &Anchor, candidates: &[FetchedRecord]) -> Option<(i64, usize)> {
    let mut copies: Vec<(i64, usize)> = Vec::new();
    let mut run = 0;
    for candidate in candidates {
        if same_record(&anchor.record, candidate) {
            copies.push((candidate.offset, run));
            run += 1;
        } else {
            run = 0;
        }
    }
    let in_place: Vec<i64> = copies.iter().filter(|(_, run)| *run == anchor.run).map(|(o, _)| *o).collect();
    // A read that starts inside a run counts that run short: then any copy will do.
    let pool = if in_place.is_empty() { copies.iter().map(|(o, _)| *o).collect() } else { in_place };
    let nearest = pool.iter().copied().min_by_key(|o| ((o - anchor.expected).abs(), *o))?;
    Some((nearest, pool.len()))
}

/// The NEW offset of a found copy: the copy itself, or the one after a drained group's last record read.
pub fn offset_after(anchor: &Anchor, copy: i64) -> i64 {
    if anchor.after {
        copy + 1
    } else {
        copy
    }
}

/// NEW's partition for a by-record search: where to look by contents, near where a copy of OLD's log puts the anchor,
/// `window` records either side.
pub fn content_window(anchor: &Anchor, new_log_start: i64, new_log_end: i64, window: i64) -> (i64, i64) {
    let from = anchor.expected.saturating_sub(window).max(new_log_start);
    let until = anchor.expected.saturating_add(window).saturating_add(1).min(new_log_end);
    (from.min(until), until)
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

    /// Narrows the range with the records read at [`next_read`](Self::next_read); an error when a record has no
    /// timestamp.
    pub fn narrow(&mut self, read: &[FetchedRecord]) -> Result<(), Refusal> {
        let (from, until) = self.next_read();
        for record in read.iter().filter(|r| r.offset >= from && r.offset < until) {
            match record.timestamp {
                None => return Err(Refusal::NoTimestampsOnNew),
                Some(ts) if ts >= self.time => {
                    self.high = record.offset;
                    return Ok(());
                }
                Some(_) => {}
            }
        }
        // Every record of the read is older (offsets missing from it were compacted away or are transaction
        // markers).
        self.low = until;
        Ok(())
    }

    /// Checks the broker's answer with the records around it (`[answer - 1, answer + 1)`): the record at the answer
    /// is at or after the time and the one before it older. None when it does not hold.
    pub fn check(&self, answer: i64, read: &[FetchedRecord]) -> Option<i64> {
        if answer < self.low || answer > self.high {
            return None;
        }
        let at = |offset: i64| read.iter().find(|r| r.offset == offset);
        let before_ok =
            answer <= self.low || at(answer - 1).is_some_and(|r| r.timestamp.is_some_and(|t| t < self.time));
        let at_ok = answer >= self.high || at(answer).is_some_and(|r| r.timestamp.is_some_and(|t| t >= self.time));
        (before_ok && at_ok).then_some(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn record(offset: i64, timestamp: Option<i64>, value: &str) -> FetchedRecord {
        FetchedRecord { offset, timestamp, key: None, value: Some(Bytes::from(value.to_string())) }
    }

    fn old(committed: i64, log_start: i64, log_end: i64) -> OldPosition {
        OldPosition { committed, log_start, log_end }
    }

    #[test]
    fn reads_the_next_record_or_the_last_one_read() {
        assert_eq!(old_read(Strategy::ByRecord, &old(537, 200, 700)), Some((521, 553)));
        assert_eq!(old_read(Strategy::ByRecord, &old(700, 200, 700)), Some((684, 700)));
        assert_eq!(old_read(Strategy::ByRecord, &old(201, 200, 201)), Some((200, 201)));
        assert_eq!(old_read(Strategy::ByRecord, &old(5, 5, 5)), None);
        assert_eq!(old_read(Strategy::SwitchTime(1), &old(700, 200, 700)), None);
        assert_eq!(old_read(Strategy::SwitchTime(1), &old(690, 200, 700)), Some((690, 700)));
        assert_eq!(old_read(Strategy::Earliest, &old(690, 200, 700)), None);
    }

    #[test]
    fn the_issues_example_maps_to_the_exact_positions() {
        // Old log starts 200/300/100, committed 537/612/901; the new cluster holds a copy from offset 0.
        for (committed, log_start, exact) in [(537, 200, 337), (612, 300, 312), (901, 100, 801)] {
            let position = old(committed, log_start, 1000);
            let read = vec![record(committed, Some(7), "next")];
            let anchor = anchor(&position, read, 0).unwrap();
            assert_eq!(anchor.expected, exact);
            let new_log: Vec<FetchedRecord> =
                (exact - 3..exact + 3).map(|o| record(o, Some(7), if o == exact { "next" } else { "other" })).collect();
            let (copy, matches) = find_copy(&anchor, &new_log).unwrap();
            assert_eq!((offset_after(&anchor, copy), matches), (exact, 1));
        }
    }

    #[test]
    fn a_drained_group_starts_after_its_last_record() {
        let position = old(10, 0, 10);
        let anchor = anchor(&position, vec![record(8, None, "a"), record(9, None, "b")], 100).unwrap();
        assert!(anchor.after);
        assert_eq!(anchor.record.offset, 9);
        assert_eq!(anchor.expected, 109);
        let (copy, _) = find_copy(&anchor, &[record(109, None, "b"), record(110, None, "new")]).unwrap();
        assert_eq!(offset_after(&anchor, copy), 110);
        // Compacted away: nothing before the committed offset in the read.
        assert_eq!(anchor_of_empty(), Err(Refusal::LastReadGone { offset: 10 }));
    }

    fn anchor_of_empty() -> Result<i64, Refusal> {
        anchor(&old(10, 0, 10), Vec::new(), 0).map(|a| a.record.offset)
    }

    #[test]
    fn copies_must_match_key_value_and_timestamp_where_both_have_one() {
        let a = record(1, Some(5), "v");
        assert!(same_record(&a, &record(9, Some(5), "v")));
        assert!(!same_record(&a, &record(9, Some(6), "v")));
        assert!(!same_record(&a, &record(9, Some(5), "w")));
        assert!(same_record(&record(1, None, "v"), &record(9, Some(6), "v")));
        let keyed = FetchedRecord { key: Some(Bytes::from("k")), ..a.clone() };
        assert!(!same_record(&keyed, &a));
    }

    #[test]
    fn of_identical_records_the_nearest_to_the_expected_place_is_taken() {
        let anchor = Anchor { record: record(0, None, "x"), after: false, expected: 10, run: 0 };
        let candidates = [record(4, None, "x"), record(9, None, "y"), record(12, None, "x"), record(16, None, "x")];
        // 16 comes right after 12 (the second of a run): not in the anchor's place.
        assert_eq!(find_copy(&anchor, &candidates), Some((12, 2)));
        assert_eq!(find_copy(&anchor, &[record(9, None, "y")]), None);
        let tie = Anchor { expected: 8, ..anchor.clone() };
        assert_eq!(find_copy(&tie, &candidates), Some((4, 2)));
    }

    #[test]
    fn the_second_of_a_run_of_identical_records_is_found_as_the_second() {
        // Old: a, tick, tick, tick, b; the group reads the second tick next. New: two other records first.
        let old_log = vec![
            record(0, Some(1), "a"),
            record(1, Some(2), "tick"),
            record(2, Some(2), "tick"),
            record(3, Some(2), "tick"),
            record(4, Some(3), "b"),
        ];
        let anchor = anchor(&old(2, 0, 5), old_log.clone(), 0).unwrap();
        assert_eq!((anchor.record.offset, anchor.run, anchor.expected), (2, 1, 2));
        let new_log: Vec<FetchedRecord> = [record(0, Some(0), "x"), record(1, Some(0), "y")]
            .into_iter()
            .chain(old_log.iter().map(|r| FetchedRecord { offset: r.offset + 2, ..r.clone() }))
            .collect();
        // Nearest to the expected offset (2) would be the first tick (3): the run says the second (4).
        assert_eq!(find_copy(&anchor, &new_log), Some((4, 1)));
    }

    #[test]
    fn the_content_window_stays_inside_the_log() {
        let anchor = Anchor { record: record(0, None, "x"), after: false, expected: 50, run: 0 };
        assert_eq!(content_window(&anchor, 0, 1000, 20), (30, 71));
        assert_eq!(content_window(&anchor, 40, 60, 20), (40, 60));
        let far = Anchor { expected: 5000, ..anchor };
        assert_eq!(content_window(&far, 0, 100, 20), (100, 100));
    }

    #[test]
    fn switch_time_checks_on_the_old_cluster() {
        let lagging = old(5, 0, 8);
        let newer = [record(5, Some(2000), "a")];
        let older = [record(5, Some(500), "a")];
        let untimed = [record(5, None, "a")];
        let t = Strategy::SwitchTime(1000);
        assert_eq!(check_old(t, &lagging, &newer, false), Ok(None));
        assert_eq!(
            check_old(t, &lagging, &older, false),
            Err(Refusal::UnreadBeforeSwitch { offset: 5, timestamp: 500, lag: 3 })
        );
        assert!(check_old(t, &lagging, &older, true).unwrap().is_some());
        assert_eq!(check_old(t, &lagging, &untimed, false), Err(Refusal::UnreadWithoutTimestamps { lag: 3 }));
        assert_eq!(check_old(t, &old(8, 0, 8), &[], false), Ok(None));
        assert_eq!(check_old(Strategy::Earliest, &lagging, &[], false), Err(Refusal::UnreadOnOld { lag: 3 }));
        assert_eq!(
            check_old(Strategy::Earliest, &lagging, &[], true),
            Ok(Some(LagNote("leaves 3 unread records behind on the old cluster".into())))
        );
        assert_eq!(check_old(Strategy::ByRecord, &lagging, &[], false), Ok(None));
        assert_eq!(
            check_old(Strategy::ByRecord, &old(3, 5, 8), &[], false),
            Err(Refusal::DeletedUnread { committed: 3, log_start: 5 })
        );
        assert_eq!(
            check_old(Strategy::Earliest, &old(9, 5, 8), &[], true),
            Err(Refusal::BeyondLogEnd { committed: 9, log_end: 8 })
        );
    }

    /// A log whose record at offset `o` has timestamp `stamps[o - start]`.
    fn log(start: i64, stamps: &[i64]) -> Vec<FetchedRecord> {
        stamps.iter().enumerate().map(|(i, &t)| record(start + i as i64, Some(t), "r")).collect()
    }

    fn search(time: i64, start: i64, records: &[FetchedRecord]) -> (i64, usize) {
        let end = start + records.len() as i64;
        let mut search = TimeSearch::new(time, start, end);
        let mut steps = 0;
        while !search.done() {
            let (from, until) = search.next_read();
            let read: Vec<FetchedRecord> =
                records.iter().filter(|r| r.offset >= from && r.offset < until).cloned().collect();
            search.narrow(&read).unwrap();
            steps += 1;
            assert!(steps < 100, "the search does not end: {search:?}");
        }
        (search.low, steps)
    }

    #[test]
    fn the_time_search_finds_the_first_record_at_or_after_the_time() {
        let stamps: Vec<i64> = (0..10_000).map(|i| 1000 + (i / 3) * 10).collect();
        let records = log(500, &stamps);
        for (time, expected) in
            [(0, 500), (1000, 500), (1001, 503), (1010, 503), (34_000, 10_400), (10_000_000, 10_500)]
        {
            let (found, steps) = search(time, 500, &records);
            assert_eq!(found, expected, "time {time}");
            assert!(steps <= 14, "{steps} steps for time {time}");
        }
        assert_eq!(search(5, 0, &[]).0, 0);
        let untimed = [record(0, None, "x")];
        let mut s = TimeSearch::new(5, 0, 1);
        assert_eq!(s.narrow(&untimed), Err(Refusal::NoTimestampsOnNew));
    }

    #[test]
    fn the_brokers_answer_is_taken_only_when_the_records_around_it_agree() {
        let records = log(0, &[10, 20, 30, 40]);
        let s = TimeSearch::new(25, 0, 4);
        assert_eq!(s.check(2, &records), Some(2));
        assert_eq!(s.check(3, &records), None);
        assert_eq!(s.check(1, &records), None);
        // The log end is right when the last record is older.
        assert_eq!(TimeSearch::new(50, 0, 4).check(4, &records), Some(4));
        assert_eq!(s.check(4, &records), None);
    }
}
