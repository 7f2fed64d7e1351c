//! By record, over many shapes of copying: random old logs (runs of identical records, aborted transactions,
//! transaction markers, retention-deleted starts), a copier that lags across the switch, restarts and copies again
//! (at-least-once), reads committed or uncommitted records, and stops before the end; the switched producers'
//! records interleaved with the late copies; a new cluster with LogAppendTime or CreateTime; groups at every
//! position; search windows from a few records to many.
//!
//! The oracle is written here, apart from the tool's code: it knows what every record of the new cluster is (the copy
//! of which old record, or a switched producer's record), and says where the group must start: at the first record
//! of the new cluster that is not a copy of a record the group passed on the old cluster (an offset below its
//! position), else at the log end. The tool's decisions (`find_anchor`, `CopyHunt`, `Walker`) are driven here the way
//! migrate-groups drives them, on the records they ask for. Every plan must be the oracle's offset, or refused.
//!
//! `make test` runs 256 cases; `make fuzz` many more (PROPTEST_CASES).

use bytes::Bytes;
use kafka_offsets::client::fetch::FetchedRecord;
use kafka_offsets::usecase::translate::hunt::CopyHunt;
use kafka_offsets::usecase::translate::record::{find_anchor, AnchorSearch};
use kafka_offsets::usecase::translate::walk::{History, OldRecords, Walker};
use kafka_offsets::usecase::translate::{ahead, Ahead, OldPosition, Window};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// A small deterministic generator (the case is its seed, printed when it fails).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One record of the old log, as written.
#[derive(Debug, Clone)]
struct OldRecord {
    offset: i64,
    key: Option<String>,
    value: String,
    timestamp: i64,
    aborted: bool,
}

/// What a record of the new cluster is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    /// The copy of the old record at this offset.
    Copy(i64),
    Switched,
}

#[derive(Debug)]
struct Shape {
    old: Vec<OldRecord>,
    old_log_start: i64,
    old_log_end: i64,
    committed: i64,
    new: Vec<(FetchedRecord, Truth)>,
    window: i64,
}

fn fetched(offset: i64, key: &Option<String>, value: &str, timestamp: i64, log_append_time: bool) -> FetchedRecord {
    FetchedRecord {
        offset,
        timestamp: Some(timestamp),
        log_append_time,
        key: key.as_ref().map(|k| Bytes::from(k.clone())),
        value: Some(Bytes::from(value.to_string())),
    }
}

fn shape(seed: u64) -> Shape {
    let mut dice = Dice(seed | 1);
    // The old log: records, runs of identical ones, aborted transactions, markers between.
    let count = 1 + dice.below(300) as usize;
    let mut old = Vec::with_capacity(count);
    let mut offset = 0i64;
    let mut i = 0;
    while i < count {
        let run = if dice.chance(12) { 2 + dice.below(6) as usize } else { 1 };
        let aborted = dice.chance(8);
        let key = if dice.chance(50) { Some(format!("k{}", dice.below(5))) } else { None };
        let value = if aborted { format!("aborted-{i}") } else { format!("v{i}") };
        let timestamp = 1_000 + i as i64;
        for _ in 0..run.min(count - i) {
            old.push(OldRecord { offset, key: key.clone(), value: value.clone(), timestamp, aborted });
            offset += 1;
            if aborted || dice.chance(4) {
                // A transaction marker (or the abort marker after an aborted transaction).
                offset += 1;
            }
            i += 1;
        }
    }
    let old_log_end = offset;
    // Retention deleted the first records (after the copier had copied them).
    let deleted = if dice.chance(30) { dice.below(count as u64 / 2 + 1) as usize } else { 0 };
    let old_log_start = old.get(deleted).map_or(old_log_end, |r| r.offset);
    // The group's position: drained, at a record, or at a marker.
    let committed = match dice.below(4) {
        0 => old_log_end,
        _ => {
            let k = deleted + dice.below((count - deleted) as u64 + 1) as usize;
            old.get(k).map_or(old_log_end, |r| r.offset + i64::from(dice.chance(10)))
        }
    };
    // The copier: in order from the first record, restarting now and then a little earlier; the producers switch
    // when it has copied `switch` records (the records the old cluster deleted since, and the first one it still
    // has: the tool's one assumption), and it stops after `stop`.
    let read_committed = dice.chance(30);
    let log_append_time = dice.chance(20);
    // With records deleted, the copier copied them and the first record it copies that the old cluster still has
    // before the switch (a copier reading committed records skips the aborted ones).
    let first_copied = (deleted..count).find(|&k| !(read_committed && old[k].aborted));
    let earliest_switch = match first_copied {
        Some(k) if deleted > 0 => k + 1,
        None if deleted > 0 => count,
        _ => 0,
    };
    let switch = earliest_switch + dice.below((count - earliest_switch) as u64 + 1) as usize;
    let stop = if dice.chance(25) { switch + dice.below((count - switch) as u64 + 1) as usize } else { count };
    let mix = dice.below(60);
    let restarts = dice.chance(50);
    let mut new: Vec<(FetchedRecord, Truth)> = Vec::new();
    let mut next = 0usize;
    let mut switched = 0usize;
    let mut clock = 500_000i64;
    let mut push = |new: &mut Vec<(FetchedRecord, Truth)>, record: FetchedRecord, truth: Truth| {
        let offset = new.len() as i64;
        clock += 1;
        let timestamp = if log_append_time { Some(clock) } else { record.timestamp };
        new.push((FetchedRecord { offset, timestamp, log_append_time, ..record }, truth));
    };
    let mut steps = 0;
    while (next < stop || switched < 5) && steps < 5_000 {
        steps += 1;
        let after_switch = next >= switch;
        if after_switch && (next >= stop || dice.chance(mix)) {
            let value = format!("switched-{switched}");
            push(&mut new, fetched(0, &None, &value, 900_000 + switched as i64, false), Truth::Switched);
            switched += 1;
            continue;
        }
        if next >= stop {
            continue;
        }
        let r = &old[next];
        if !(read_committed && r.aborted) {
            push(&mut new, fetched(0, &r.key, &r.value, r.timestamp, false), Truth::Copy(r.offset));
        }
        next += 1;
        if restarts && dice.chance(2) {
            // A restart: copies again from a little earlier (never from before what retention deleted, once the
            // producers switched).
            let floor = if after_switch { deleted } else { 0 };
            next = next.saturating_sub(1 + dice.below(20) as usize).max(floor);
        }
    }
    let window = [3, 10, 40, 1000][dice.below(4) as usize];
    Shape { old, old_log_start, old_log_end, committed, new, window }
}

/// The shape in short: the old log (offset:value, `*` aborted) and what each new record is (`c<old offset>`, or `S`
/// for a switched producer's record).
fn describe(shape: &Shape) -> String {
    let old: Vec<String> =
        shape.old.iter().map(|r| format!("{}:{}{}", r.offset, r.value, if r.aborted { "*" } else { "" })).collect();
    let new: Vec<String> = shape
        .new
        .iter()
        .map(|(r, t)| match t {
            Truth::Copy(o) => format!("{}=c{o}", r.offset),
            Truth::Switched => format!("{}=S", r.offset),
        })
        .collect();
    format!(
        "old log start {} end {}, committed {}, window {}, new log append time {}\nold: {}\nnew: {}",
        shape.old_log_start,
        shape.old_log_end,
        shape.committed,
        shape.window,
        shape.new.first().is_some_and(|(r, _)| r.log_append_time),
        old.join(" "),
        new.join(" ")
    )
}

/// The oracle: the first record of the new cluster that is not a copy of a record the group passed.
fn oracle(shape: &Shape) -> i64 {
    let position = shape.committed.max(shape.old_log_start);
    shape
        .new
        .iter()
        .find(|(_, truth)| match truth {
            Truth::Copy(offset) => *offset >= position,
            Truth::Switched => true,
        })
        .map_or(shape.new.len() as i64, |(r, _)| r.offset)
}

/// The old cluster's records in `[from, until)` as a consumer reads them (aborted ones left out), and the aborted.
fn old_read(shape: &Shape, from: i64, until: i64) -> (Vec<FetchedRecord>, Vec<FetchedRecord>) {
    let in_range = shape.old.iter().filter(|r| r.offset >= from.max(shape.old_log_start) && r.offset < until);
    let as_read = |r: &OldRecord| fetched(r.offset, &r.key, &r.value, r.timestamp, false);
    let (aborted, read): (Vec<&OldRecord>, Vec<&OldRecord>) = in_range.partition(|r| r.aborted);
    (read.into_iter().map(as_read).collect(), aborted.into_iter().map(as_read).collect())
}

/// What the tool plans: the new offset, or why it refuses. Driven as migrate-groups drives it.
fn tool(shape: &Shape) -> Result<i64, String> {
    let position =
        OldPosition { committed: shape.committed, log_start: shape.old_log_start, log_end: shape.old_log_end };
    if shape.committed < shape.old_log_start && shape.old_log_start < shape.old_log_end {
        return Err("deleted unread".into());
    }
    let next = position.next();
    let (ahead_records, _) = old_read(shape, next, shape.old_log_end);
    let drained = match ahead(
        &position,
        Window { records: &ahead_records, from: next, end: shape.old_log_end },
        shape.old_log_end,
    ) {
        Ahead::Drained => true,
        Ahead::Next(..) => false,
        other => panic!("a whole read of the old log ends in {other:?}"),
    };
    let new_end = shape.new.len() as i64;
    // The anchor: read back from the position, further while it asks.
    let mut back = shape.window.min(1000);
    let anchor = loop {
        let from = (next - back).max(shape.old_log_start);
        let until = next.saturating_add(1000).min(shape.old_log_end);
        let (records, _) = old_read(shape, from, until);
        match find_anchor(&position, Window { records: &records, from, end: until }, drained, 0) {
            AnchorSearch::Found(anchor) => break anchor,
            AnchorSearch::Nothing if new_end == 0 => return Ok(0),
            AnchorSearch::Nothing => return Err("nothing to find".into()),
            AnchorSearch::ReadBack => back = back.max(16) * 4,
        }
    };
    let new_records: Vec<FetchedRecord> = shape.new.iter().map(|(r, _)| r.clone()).collect();
    let mut hunt = CopyHunt::new(&anchor, (0, new_end), shape.window);
    if !anchor.record.log_append_time {
        // The new broker's answer for the anchor's timestamp: the first record at or after it.
        let time = anchor.record.timestamp.unwrap_or_default();
        if let Some(r) = new_records.iter().find(|r| r.timestamp.unwrap_or_default() >= time) {
            hunt.place_by_timestamp(r.offset);
        }
    }
    let copy = loop {
        match hunt.outcome() {
            Some(Ok(copy)) => break copy.clone(),
            Some(Err(refusal)) => {
                let mut why: String = refusal.to_string().chars().take(40).collect();
                if why.starts_with("the record is not on") {
                    let copied = shape.new.iter().any(|(_, t)| *t == Truth::Copy(anchor.record.offset));
                    why += if copied { " [copied]" } else { " [not copied]" };
                    if copied && std::env::var_os("PROP_SHOW_REFUSED").is_some() {
                        eprintln!("{refusal}\n{}", describe(shape));
                    }
                }
                return Err(why);
            }
            None => {
                let (from, until) = hunt.next_read();
                let read: Vec<FetchedRecord> =
                    new_records.iter().filter(|r| r.offset >= from && r.offset < until).cloned().collect();
                hunt.absorb(Window { records: &read, from, end: until.min(new_end) });
            }
        }
    };
    let mut old_records = OldRecords::new(shape.old_log_start);
    let (read, aborted) = old_read(shape, shape.old_log_start, shape.old_log_end);
    old_records.add(&read, &aborted, shape.old_log_end);
    let place_is_first = !anchor.after && old_records.first() == Some(anchor.record.offset);
    let mut walker = Walker::new(next, &copy, place_is_first);
    let mut history = History::default();
    for record in &new_records {
        walker.step(&history.look_up(&old_records, record));
        if walker.done() {
            break;
        }
    }
    let walk = walker.finish();
    match (walk.unexplained, walk.first_unread) {
        _ if walk.ambiguous.is_some() => Err("ambiguous below the copy".into()),
        (Some(_), _) => Err("unexplained below the copies".into()),
        (None, Some(first)) => Ok(first),
        (None, None) => Ok(walk.start),
    }
}

#[test]
fn by_record_plans_the_oracles_offset_or_refuses() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256);
    let mut runner = TestRunner::new(Config { cases, ..Config::default() });
    let planned = std::cell::Cell::new(0u32);
    let refusals = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    let result = runner.run(&any::<u64>(), |seed| {
        let shape = shape(seed);
        let expected = oracle(&shape);
        match tool(&shape) {
            Ok(offset) => {
                planned.set(planned.get() + 1);
                prop_assert_eq!(offset, expected, "seed {}: {}", seed, describe(&shape));
            }
            Err(why) => *refusals.borrow_mut().entry(why).or_default() += 1,
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("planned {} of {cases}; refused: {:#?}", planned.get(), refusals.borrow());
    // The tool must not pass by refusing everything: most shapes have a provable answer.
    assert!(planned.get() * 5 > cases * 2, "only {} of {cases} shapes were planned", planned.get());
}
