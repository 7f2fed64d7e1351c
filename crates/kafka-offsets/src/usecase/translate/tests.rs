use bytes::Bytes;

use super::record::{find_anchor, find_copy, same_record, Context};
use super::walk::{History, OldRecords, Walker};
use super::*;

/// The walk below a copy's place, as migrate-groups runs it: the old log indexed (with its aborted records), every
/// record of the new one from its log start; the group passed the old offsets below `passed`.
fn walk_below(
    passed: i64,
    old_log: &[FetchedRecord],
    aborted: &[FetchedRecord],
    anchor: &Anchor,
    new: &[FetchedRecord],
    copy: &RecordCopy,
) -> Walk {
    let mut old = OldRecords::new(old_log.iter().chain(aborted).map(|r| r.offset).min().unwrap_or(0));
    let end = old_log.iter().chain(aborted).map(|r| r.offset + 1).max().unwrap_or(0);
    old.add(old_log, aborted, end);
    let place_is_first = !anchor.after && old.first() == Some(anchor.record.offset);
    let mut walker = Walker::new(passed, copy, place_is_first);
    let mut history = History::default();
    for record in new {
        walker.step(&history.look_up(&old, record));
    }
    walker.finish()
}

fn record(offset: i64, timestamp: Option<i64>, value: &str) -> FetchedRecord {
    FetchedRecord { offset, timestamp, log_append_time: false, key: None, value: Some(Bytes::from(value.to_string())) }
}

/// The log end of a new log held whole in `records` (or its end part).
fn new_end(records: &[FetchedRecord]) -> i64 {
    records.last().map_or(0, |r| r.offset + 1)
}

fn old(committed: i64, log_start: i64, log_end: i64) -> OldPosition {
    OldPosition { committed, log_start, log_end }
}

fn window(records: &[FetchedRecord], from: i64, end: i64) -> Window<'_> {
    Window { records, from, end }
}

/// A log whose record at offset `start + i` has value `values[i]` and timestamp `1000 + i` (`same` values share
/// timestamp 7).
fn log(start: i64, values: &[&str]) -> Vec<FetchedRecord> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| record(start + i as i64, Some(if v.starts_with("same") { 7 } else { 1000 + i as i64 }), v))
        .collect()
}

#[test]
fn what_is_ahead_counts_records_not_offsets() {
    // Committed 10; a marker at 10, records at 12 and 15 (gaps: compaction, markers); log end 17.
    let records = [record(12, Some(1), "a"), record(15, Some(2), "b")];
    let position = old(10, 0, 17);
    match ahead(&position, window(&records, 10, 17), 17) {
        Ahead::Next(next, count) => assert_eq!((next.offset, count), (12, Unread::Exactly(2))),
        other => panic!("{other:?}"),
    }
    // Read only to 14 of 17: one record seen, more may follow.
    assert_eq!(
        ahead(&position, window(&records[..1], 10, 14), 14),
        Ahead::Next(records[0].clone(), Unread::From { offset: 12, up_to: 5 })
    );
    // Only a marker left: drained (Kafka's tools show a lag of 1).
    assert_eq!(ahead(&old(10, 0, 11), window(&[], 10, 11), 11), Ahead::Drained);
    // Nothing in the first part of a long gap: read on.
    assert_eq!(ahead(&position, window(&[], 10, 12), 12), Ahead::ReadOn(12));
    // The read stopped before its end: an open transaction's last stable offset.
    assert_eq!(ahead(&position, window(&[], 10, 11), 17), Ahead::Open(11));
}

#[test]
fn old_cluster_checks_by_strategy() {
    let next = Ahead::Next(record(5, Some(500), "a"), Unread::Exactly(3));
    let newer = Ahead::Next(record(5, Some(2000), "a"), Unread::Exactly(3));
    let untimed = Ahead::Next(record(5, None, "a"), Unread::Exactly(3));
    let t = Strategy::SwitchTime(1000);
    assert_eq!(check_old(t, &newer, false), Ok(None));
    assert_eq!(
        check_old(t, &next, false),
        Err(Refusal::UnreadBeforeSwitch { offset: 5, timestamp: 500, unread: Unread::Exactly(3) })
    );
    assert_eq!(
        check_old(t, &next, true),
        Ok(Some(LagNote("skips 3 unread records on the old cluster older than the switch time".into())))
    );
    assert_eq!(check_old(t, &untimed, false), Err(Refusal::UnreadWithoutTimestamps { unread: Unread::Exactly(3) }));
    assert_eq!(check_old(t, &Ahead::Drained, false), Ok(None));
    assert_eq!(check_old(Strategy::Earliest, &next, false), Err(Refusal::UnreadOnOld { unread: Unread::Exactly(3) }));
    assert_eq!(check_old(Strategy::Earliest, &Ahead::Open(9), true), Err(Refusal::OpenTransaction { stable: 9 }));
    assert_eq!(
        Refusal::UnreadOnOld { unread: Unread::From { offset: 12, up_to: 900 } }.to_string(),
        "unread records from offset 12 (up to 900) on the old cluster, which exist only there (--allow-lag leaves \
         them behind)"
    );
    assert_eq!(check_position(&old(3, 5, 8)), Err(Refusal::DeletedUnread { committed: 3, log_start: 5 }));
    assert_eq!(check_position(&old(9, 5, 8)), Err(Refusal::BeyondLogEnd { committed: 9, log_end: 8 }));
}

#[test]
fn copies_compare_timestamps_unless_a_broker_set_them() {
    let a = record(1, Some(5), "v");
    assert!(same_record(&a, &record(9, Some(5), "v")));
    assert!(!same_record(&a, &record(9, Some(6), "v")));
    assert!(!same_record(&a, &record(9, Some(5), "w")));
    let appended = FetchedRecord { log_append_time: true, ..record(9, Some(6), "v") };
    assert!(same_record(&a, &appended));
    let keyed = FetchedRecord { key: Some(Bytes::from("k")), ..a.clone() };
    assert!(!same_record(&keyed, &a));
}

/// Old log from offset 50: u50..u99, then 40 identical records (100..139), then v140..v149; log end 150.
fn old_log_with_a_run() -> Vec<FetchedRecord> {
    let mut values: Vec<String> = (50..100).map(|i| format!("u{i}")).collect();
    values.extend((100..140).map(|_| "same".to_string()));
    values.extend((140..150).map(|i| format!("v{i}")));
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    log(50, &refs)
}

#[test]
fn the_anchor_is_counted_from_the_start_of_its_run() {
    let log = old_log_with_a_run();
    // Committed 125: the 26th of the run. A read that starts inside the run asks to read further back.
    let position = old(125, 50, 150);
    assert_eq!(find_anchor(&position, window(&log[60..], 110, 150), false, 0), AnchorSearch::ReadBack);
    let AnchorSearch::Found(anchor) = find_anchor(&position, window(&log, 50, 150), false, 0) else { panic!() };
    assert_eq!((anchor.record.offset, anchor.run, anchor.run_length, anchor.after), (125, 25, 40, false));
    assert_eq!(anchor.context, Context::Record(log[49].clone()));
    assert_eq!(anchor.expected, 75);
    // Drained: the last record read, v149.
    let AnchorSearch::Found(last) = find_anchor(&old(150, 50, 150), window(&log, 50, 150), true, 0) else { panic!() };
    assert_eq!((last.record.offset, last.after, last.run), (149, true, 0));
    // Nothing before the committed offset in a read that starts at the log start.
    assert_eq!(find_anchor(&old(50, 50, 150), window(&[], 50, 50), true, 0), AnchorSearch::Nothing);
    // ... but a read that does not: read further back.
    assert_eq!(find_anchor(&old(60, 50, 150), window(&[], 55, 60), true, 0), AnchorSearch::ReadBack);
}

/// The new cluster's copy of the old log from its offset 50, shifted to start at 0, with `extra` records first.
fn copied(old_log: &[FetchedRecord], extra: usize) -> Vec<FetchedRecord> {
    let mut new: Vec<FetchedRecord> = (0..extra).map(|i| record(i as i64, Some(1), &format!("x{i}"))).collect();
    new.extend(old_log.iter().enumerate().map(|(i, r)| FetchedRecord { offset: (extra + i) as i64, ..r.clone() }));
    new
}

#[test]
fn in_a_run_the_copy_has_the_same_place() {
    let old_log = old_log_with_a_run();
    let AnchorSearch::Found(anchor) = find_anchor(&old(125, 50, 150), window(&old_log, 50, 150), false, 0) else {
        panic!()
    };
    let new = copied(&old_log, 3);
    let by = By::Content { from: 0, until: 103 };
    match find_copy(&anchor, window(&new, 0, 103), (0, new_end(&new)), by) {
        CopySearch::Found(copy) => {
            assert_eq!((copy.offset, copy.run), (78, Some((25, 40))));
            assert_eq!(copy.to_string(), "exact: the next record to read (content search of offsets 0..103; record 26 of a run of 40 identical records)");
        }
        other => panic!("{other:?}"),
    }
    // A read of the new cluster that starts inside the run: read further back, never count from the read.
    assert_eq!(find_copy(&anchor, window(&new[60..], 60, 103), (0, new_end(&new[60..])), by), CopySearch::ReadBack);
}

#[test]
fn a_run_whose_start_cannot_be_seen_on_the_new_cluster_is_refused() {
    let old_log = old_log_with_a_run();
    let AnchorSearch::Found(anchor) = find_anchor(&old(125, 50, 150), window(&old_log, 50, 150), false, 0) else {
        panic!()
    };
    // The new cluster's copy starts inside the run (its log start at old offset 110).
    let new: Vec<FetchedRecord> =
        old_log[60..].iter().enumerate().map(|(i, r)| FetchedRecord { offset: i as i64, ..r.clone() }).collect();
    assert_eq!(
        find_copy(&anchor, window(&new, 0, 40), (0, new_end(&new)), By::Timestamp),
        CopySearch::Refused(Refusal::RunUnproven { cluster: "new cluster", length: 40 })
    );
}

#[test]
fn identical_records_apart_are_told_apart_by_the_record_before_or_refused() {
    // "ping" twice on the new cluster with LogAppendTime (timestamps not compared), after different records.
    let old_log = log(0, &["a", "ping", "b"]);
    let AnchorSearch::Found(anchor) = find_anchor(&old(1, 0, 3), window(&old_log, 0, 3), false, 0) else { panic!() };
    let appended =
        |offset: i64, value: &str| FetchedRecord { log_append_time: true, ..record(offset, Some(99), value) };
    let new = [appended(0, "a"), appended(1, "ping"), appended(2, "b"), appended(3, "c"), appended(4, "ping")];
    match find_copy(&anchor, window(&new, 0, 5), (0, new_end(&new)), By::Content { from: 0, until: 5 }) {
        CopySearch::Found(copy) => {
            assert_eq!(copy.offset, 1);
            assert!(copy.log_append_time);
            assert!(copy.to_string().ends_with("; timestamps not compared: LogAppendTime)"), "{copy}");
        }
        other => panic!("{other:?}"),
    }
    // Both after "a", and the old read shows nothing further back: which one cannot be proven.
    let mid_log: Vec<FetchedRecord> =
        old_log.iter().map(|r| FetchedRecord { offset: r.offset + 5, ..r.clone() }).collect();
    let AnchorSearch::Found(anchor) = find_anchor(&old(6, 0, 8), window(&mid_log, 5, 8), false, 0) else { panic!() };
    let new = [
        appended(0, "x"),
        appended(1, "a"),
        appended(2, "ping"),
        appended(3, "y"),
        appended(4, "a"),
        appended(5, "ping"),
    ];
    match find_copy(&anchor, window(&new, 0, 6), (0, new_end(&new)), By::Content { from: 0, until: 6 }) {
        // The first of them: starting there skips nothing; not called exact.
        CopySearch::Found(copy) => {
            assert_eq!((copy.offset, copy.alike), (2, 2));
            assert!(copy.to_string().starts_with("the first of 2 records that could be the copy"), "{copy}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing before either matches: refused.
    let new = [appended(0, "x"), appended(1, "ping"), appended(2, "y"), appended(3, "ping")];
    assert_eq!(
        find_copy(&anchor, window(&new, 0, 4), (0, new_end(&new)), By::Content { from: 0, until: 4 }),
        CopySearch::Refused(Refusal::Ambiguous { offsets: vec![1, 3] })
    );
    // With the old log read from its start, the copy whose history goes back as far is the one.
    let AnchorSearch::Found(anchor) = find_anchor(&old(1, 0, 3), window(&old_log, 0, 3), false, 0) else { panic!() };
    let new = [appended(0, "a"), appended(1, "ping"), appended(2, "a"), appended(3, "ping")];
    match find_copy(&anchor, window(&new, 0, 4), (0, new_end(&new)), By::Content { from: 0, until: 4 }) {
        CopySearch::Found(copy) => assert_eq!(copy.offset, 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        find_copy(&anchor, window(&new[..1], 0, 1), (0, new_end(&new[..1])), By::Timestamp),
        CopySearch::NotFound
    );
}

#[test]
fn records_the_group_did_not_read_before_the_copys_place_come_first() {
    // Old: r0..r9, the group drained it. New: r0..r5 copied before the switch, then the switched producers' p0, p1
    // interleaved with the late copies r6..r9.
    let old_log = log(0, &["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"]);
    let AnchorSearch::Found(anchor) = find_anchor(&old(10, 0, 10), window(&old_log, 0, 10), true, 0) else { panic!() };
    let mut new: Vec<FetchedRecord> = old_log[..6].to_vec();
    for (value, from_old) in
        [("r6", true), ("p0", false), ("r7", true), ("p1", false), ("r8", true), ("r9", true), ("p2", false)]
    {
        let offset = new.len() as i64;
        let r = if from_old {
            old_log.iter().find(|r| r.value.as_deref() == Some(value.as_bytes())).unwrap().clone()
        } else {
            record(offset, Some(5000), value)
        };
        new.push(FetchedRecord { offset, ..r });
    }
    let by = By::Content { from: 0, until: 13 };
    let CopySearch::Found(copy) = find_copy(&anchor, window(&new, 0, 13), (0, new_end(&new)), by) else { panic!() };
    assert_eq!(copy.new_offset(), 12);
    let walk = walk_below(10, &old_log, &[], &anchor, &new, &copy);
    assert_eq!(walk, Walk { start: 7, first_unread: Some(7), reread: 3, checked: 12, ..Walk::default() });
    let found = Found::FirstUnread(copy, walk);
    assert_eq!(
        found.to_string(),
        "the first record not read: offset 7 is not a copy of a record the group read, and comes before the copy of \
         the last record read at 11 (content search of offsets 0..13); 3 copies of records it read are read again"
    );
    // Without the interleaving, nothing comes first.
    let clean: Vec<FetchedRecord> = old_log.clone();
    let CopySearch::Found(copy) = find_copy(&anchor, window(&clean, 0, 10), (0, new_end(&clean)), by) else { panic!() };
    assert_eq!(walk_below(10, &old_log, &[], &anchor, &clean, &copy).first_unread, None);
}

#[test]
fn the_walk_passes_over_records_compacted_on_the_new_cluster() {
    let old_log = log(0, &["a", "b", "c", "d"]);
    let AnchorSearch::Found(anchor) = find_anchor(&old(3, 0, 4), window(&old_log, 0, 4), false, 0) else { panic!() };
    // b is gone from the new cluster's copy.
    let new: Vec<FetchedRecord> = [&old_log[0], &old_log[2], &old_log[3]]
        .iter()
        .enumerate()
        .map(|(i, r)| FetchedRecord { offset: i as i64, ..(*r).clone() })
        .collect();
    let CopySearch::Found(copy) = find_copy(&anchor, window(&new, 0, 3), (0, new_end(&new)), By::Timestamp) else {
        panic!()
    };
    assert_eq!(copy.new_offset(), 2);
    assert_eq!(walk_below(3, &old_log, &[], &anchor, &new, &copy), Walk { start: 2, checked: 2, ..Walk::default() });
}

fn search(time: i64, start: i64, records: &[FetchedRecord]) -> (i64, usize) {
    let end = start + records.len() as i64;
    let mut search = TimeSearch::new(time, start, end);
    let mut steps = 0;
    while !search.done() {
        let (from, until) = search.next_read();
        let read: Vec<FetchedRecord> =
            records.iter().filter(|r| r.offset >= from && r.offset < until).cloned().collect();
        search.narrow(window(&read, from, until)).unwrap();
        steps += 1;
        assert!(steps < 100, "the search does not end: {search:?}");
    }
    (search.low, steps)
}

#[test]
fn the_time_search_finds_the_first_record_at_or_after_the_time() {
    let records: Vec<FetchedRecord> = (0..10_000).map(|i| record(500 + i, Some(1000 + (i / 3) * 10), "r")).collect();
    for (time, expected) in [(0, 500), (1000, 500), (1001, 503), (1010, 503), (34_000, 10_400), (10_000_000, 10_500)] {
        let (found, steps) = search(time, 500, &records);
        assert_eq!(found, expected, "time {time}");
        assert!(steps <= 14, "{steps} steps for time {time}");
    }
    assert_eq!(search(5, 0, &[]).0, 0);
    let mut s = TimeSearch::new(5, 0, 1);
    assert_eq!(s.narrow(window(&[record(0, None, "x")], 0, 1)), Err(Refusal::NoTimestampsOnNew));
    // A read that stops short (an open transaction) does not move the search past what it did not read.
    let mut s = TimeSearch::new(5_000, 0, 100);
    assert!(s.narrow(window(&[record(50, Some(1), "x")], 50, 60)).is_err());
    assert_eq!((s.low, s.high), (0, 100));
}

#[test]
fn the_brokers_answer_is_taken_only_when_the_records_around_it_agree() {
    let records =
        [record(0, Some(10), "a"), record(1, Some(20), "b"), record(2, Some(30), "c"), record(3, Some(40), "d")];
    let s = TimeSearch::new(25, 0, 4);
    assert_eq!(s.check(2, window(&records, 0, 4)), Some(2));
    assert_eq!(s.check(3, window(&records, 0, 4)), None);
    assert_eq!(s.check(1, window(&records, 0, 4)), None);
    // The log end is right when the last record is older.
    assert_eq!(TimeSearch::new(50, 0, 4).check(4, window(&records, 0, 4)), Some(4));
    assert_eq!(s.check(4, window(&records, 0, 4)), None);
}

#[test]
fn a_copy_written_twice_is_walked_back_past_the_switched_records() {
    // Old: r0..r9, drained. New: r0..r7 copied, then the switched producers' p0, p1, then the copier restarted and
    // wrote r0..r9 again: the group starts at p0, the first record it has not read.
    let values: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let old_log = log(0, &refs);
    let AnchorSearch::Found(anchor) = find_anchor(&old(10, 0, 10), window(&old_log, 0, 10), true, 0) else { panic!() };
    let mut new: Vec<FetchedRecord> = old_log[..8].to_vec();
    new.push(record(8, Some(9000), "p0"));
    new.push(record(9, Some(9001), "p1"));
    new.extend(old_log.iter().enumerate().map(|(i, r)| FetchedRecord { offset: 10 + i as i64, ..r.clone() }));
    let CopySearch::Found(copy) = find_copy(&anchor, window(&new, 0, 20), (0, new_end(&new)), By::Timestamp) else {
        panic!()
    };
    assert_eq!(copy.new_offset(), 20);
    let walk = walk_below(10, &old_log, &[], &anchor, &new, &copy);
    assert_eq!((walk.first_unread, walk.reread), (Some(8), 10));
}

/// Old: `count` records, drained. New: copies of the first `early`, then `switched` records of the switched
/// producers, then the late copies of the rest (a copier that lagged at the switch).
fn late_copies(count: usize, early: usize, switched: usize) -> (Vec<FetchedRecord>, Vec<FetchedRecord>) {
    let old_log: Vec<FetchedRecord> =
        (0..count).map(|i| record(i as i64, Some(1000 + i as i64), &format!("r{i}"))).collect();
    let mut new: Vec<FetchedRecord> = old_log[..early].to_vec();
    new.extend((0..switched).map(|i| record((early + i) as i64, Some(90_000 + i as i64), &format!("p{i}"))));
    let shift = switched as i64;
    new.extend(old_log[early..].iter().map(|r| FetchedRecord { offset: r.offset + shift, ..r.clone() }));
    (old_log, new)
}

#[test]
fn no_run_of_copies_however_long_proves_that_nothing_unread_lies_below() {
    // The shape of issue 23: 3,000 records, the first 1,500 copied before the switch, 100 switched records, then the
    // last 1,500 copies. The group starts at the first switched record, whatever the window.
    let (old_log, new) = late_copies(3000, 1500, 100);
    let AnchorSearch::Found(anchor) = find_anchor(&old(3000, 0, 3000), window(&old_log, 0, 3000), true, 0) else {
        panic!()
    };
    let CopySearch::Found(copy) =
        find_copy(&anchor, window(&new[3000..], 3000, 3100), (0, new_end(&new[3000..])), By::Timestamp)
    else {
        panic!()
    };
    assert_eq!(copy.new_offset(), 3100);
    let walk = walk_below(3000, &old_log, &[], &anchor, &new, &copy);
    assert_eq!(walk, Walk { start: 1500, first_unread: Some(1500), reread: 1500, checked: 3100, ..Walk::default() });
    // The mirror shape: more switched records than any window, between two runs of copies.
    let (old_log, new) = late_copies(100, 50, 5000);
    let AnchorSearch::Found(anchor) = find_anchor(&old(100, 0, 100), window(&old_log, 0, 100), true, 0) else {
        panic!()
    };
    let CopySearch::Found(copy) =
        find_copy(&anchor, window(&new[5000..], 5000, 5100), (0, new_end(&new[5000..])), By::Timestamp)
    else {
        panic!()
    };
    assert_eq!(walk_below(100, &old_log, &[], &anchor, &new, &copy).first_unread, Some(50));
}

#[test]
fn copies_of_aborted_records_the_group_passed_are_not_unread() {
    // Old: a0 a1, an aborted record at 2 (x, left out of what consumers read), a commit marker at 3, a4 a5; drained.
    // A copier reading uncommitted wrote all four records in order.
    let old_log =
        [record(0, Some(1), "a0"), record(1, Some(2), "a1"), record(4, Some(5), "a4"), record(5, Some(6), "a5")];
    let aborted = [record(2, Some(3), "x")];
    let new: Vec<FetchedRecord> = [&old_log[0], &old_log[1], &aborted[0], &old_log[2], &old_log[3]]
        .iter()
        .enumerate()
        .map(|(i, r)| FetchedRecord { offset: i as i64, ..(*r).clone() })
        .collect();
    let AnchorSearch::Found(anchor) = find_anchor(&old(6, 0, 6), window(&old_log, 0, 6), true, 0) else { panic!() };
    let CopySearch::Found(copy) = find_copy(&anchor, window(&new, 0, 5), (0, new_end(&new)), By::Timestamp) else {
        panic!()
    };
    let walk = walk_below(6, &old_log, &aborted, &anchor, &new, &copy);
    assert_eq!(walk, Walk { start: 5, checked: 5, aborted: 1, ..Walk::default() });
    assert_eq!(walk.notes(), "; 1 copy of aborted transactions passed");
    // A group committed at 2 has not passed the aborted record: on the new cluster its copy is an ordinary record
    // before the copy of a4, which the group has not read: it starts there.
    let AnchorSearch::Found(anchor) = find_anchor(&old(2, 0, 6), window(&old_log, 0, 6), false, 0) else { panic!() };
    assert_eq!(anchor.record.offset, 4);
    let CopySearch::Found(copy) = find_copy(&anchor, window(&new, 0, 5), (0, new_end(&new)), By::Timestamp) else {
        panic!()
    };
    assert_eq!(walk_below(2, &old_log, &aborted, &anchor, &new, &copy).first_unread, Some(2));
}

#[test]
fn records_below_the_first_copy_are_history_only_below_the_copy_of_the_first_record() {
    // Old: retention deleted 0..4; r5..r9 left; drained. New: copies of r0..r9 (the first five are records the old
    // cluster no longer has).
    let all: Vec<FetchedRecord> = (0..10).map(|i| record(i, Some(100 + i), &format!("r{i}"))).collect();
    let old_log = &all[5..];
    let AnchorSearch::Found(anchor) = find_anchor(&old(10, 5, 10), window(old_log, 5, 10), true, 0) else { panic!() };
    let CopySearch::Found(copy) = find_copy(&anchor, window(&all, 0, 10), (0, new_end(&all)), By::Timestamp) else {
        panic!()
    };
    let walk = walk_below(10, old_log, &[], &anchor, &all, &copy);
    assert_eq!(walk, Walk { start: 10, checked: 10, history: 5, ..Walk::default() });
    assert_eq!(
        walk.notes(),
        "; 5 records below the first copy taken for copies of records the old cluster no longer has"
    );
    // The same, but the copy of r5 is missing from the new cluster: nothing explains r0..r4 there, whether the group
    // read them cannot be proven.
    let new: Vec<FetchedRecord> = all
        .iter()
        .filter(|r| r.offset != 5)
        .enumerate()
        .map(|(i, r)| FetchedRecord { offset: i as i64, ..r.clone() })
        .collect();
    let CopySearch::Found(copy) = find_copy(&anchor, window(&new, 0, 9), (0, new_end(&new)), By::Timestamp) else {
        panic!()
    };
    let walk = walk_below(10, old_log, &[], &anchor, &new, &copy);
    assert_eq!(
        walk,
        Walk { start: 9, checked: 9, history: 5, unexplained: Some((5, Some(5), false)), ..Walk::default() }
    );
}

#[test]
fn identical_records_below_the_copy_are_copies_of_the_records_they_align_with() {
    // Kafka 0.9's records have no timestamps: a0 a1 a2 then a0 a1 again. The group read the first three; on the new
    // cluster, a0 at offset 0 is identical to a record it read and to one it did not, but the records right before
    // the copy are, in order, those before the record it reads next: they are copies of those.
    let old_log: Vec<FetchedRecord> =
        ["a0", "a1", "a2", "a0", "a1"].iter().enumerate().map(|(i, v)| record(i as i64, None, v)).collect();
    let AnchorSearch::Found(anchor) = find_anchor(&old(3, 0, 5), window(&old_log, 0, 5), false, 0) else { panic!() };
    let by = By::Content { from: 0, until: 5 };
    let CopySearch::Found(copy) = find_copy(&anchor, window(&old_log, 0, 5), (0, 5), by) else { panic!() };
    assert_eq!((copy.offset, copy.aligned), (3, usize::MAX));
    assert_eq!(
        walk_below(3, &old_log, &[], &anchor, &old_log, &copy),
        Walk { start: 3, checked: 3, ..Walk::default() }
    );
    // Without the order (only the copy's own record proven), a0 below is refused, never guessed.
    let unaligned = RecordCopy { aligned: 0, ..copy };
    assert_eq!(walk_below(3, &old_log, &[], &anchor, &old_log, &unaligned).ambiguous, Some(0));
}

#[test]
fn below_the_switch_time_the_switched_records_before_it_are_counted() {
    use super::switch::{below_switch, Sought};
    // Old: r0..r9, the group read them all. New: their copies, then s0 s1 s2 of the switched producers.
    let old_log = log(0, &["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"]);
    let mut index = OldRecords::new(0);
    index.add(&old_log, &[], 10);
    let mut new: Vec<FetchedRecord> = old_log.clone();
    new.extend((0..3).map(|i| record(10 + i, Some(90_000 + i), &format!("s{i}"))));
    // Planned at 10 (the right time): nothing below it but copies of what was read.
    assert_eq!(below_switch(&index, 10, &new[..10]), super::switch::Below { switched: 0, last_read_copy: Some(9) });
    // Planned at 12 (noted late): s0 and s1 below it, after the copy of r9.
    assert_eq!(below_switch(&index, 10, &new[..12]), super::switch::Below { switched: 2, last_read_copy: Some(9) });
    // A group 3 records behind: copies of what it had not read are not the switched producers'.
    assert_eq!(below_switch(&index, 7, &new[..10]), super::switch::Below { switched: 0, last_read_copy: Some(6) });
    // A copier that lagged: r0..r4 copied, s0 s1 written, then the late copies of r5..r9. Planned at the end (a time
    // noted late): s0 and s1 lie below the copy of the last record read, and are skipped all the same.
    let mut lagged: Vec<FetchedRecord> = old_log[..5].to_vec();
    lagged.extend((0..2).map(|i| record(5 + i, Some(90_000 + i), &format!("s{i}"))));
    lagged.extend(old_log[5..].iter().enumerate().map(|(i, r)| FetchedRecord { offset: 7 + i as i64, ..r.clone() }));
    assert_eq!(below_switch(&index, 10, &lagged), super::switch::Below { switched: 2, last_read_copy: Some(11) });
    // Records of nothing at the bottom of the records read, with no copy of a record read below them, may be copies
    // of older records than those compared: not counted.
    assert_eq!(below_switch(&index, 10, &lagged[5..]), super::switch::Below { switched: 0, last_read_copy: Some(11) });
    // Unread records newer than the switch time, each found once (two identical ones need two copies).
    let newer = [record(20, Some(500), "late"), record(21, Some(500), "late")];
    let mut sought = Sought::new(newer.iter());
    sought.offer(&record(40, Some(500), "late"));
    assert_eq!((sought.total(), sought.missing()), (2, 1));
    sought.offer(&record(41, Some(501), "late"));
    assert_eq!(sought.missing(), 1, "another timestamp is another record");
    sought.offer(&record(42, Some(500), "late"));
    assert_eq!(sought.missing(), 0);
}
