//! Switch time on the new cluster: the planned offset per partition (the broker's answer for the time, checked by
//! reading around it, else a search by reading), then the checks by reading that prove it (`translate::switch`):
//! below it, back to the copy of the last record each group read, no record of the switched producers; and each
//! group's unread records newer than the switch time present at or after it.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::verdicts::timed_out;
use super::Item;
use crate::client::fetch::FetchedRecord;
use crate::client::session::Session;
use crate::error::Result;
use crate::usecase::clusters::{NEW, OLD};
use crate::usecase::record_store::{stream, RecordStore};
use crate::usecase::translate::switch::{below_switch, Sought};
use crate::usecase::translate::walk::OldRecords;
use crate::usecase::translate::{Found, LagNote, Refusal, TimeSearch, Verdict};
use crate::TopicPartition;

/// The switch time on NEW, per partition: the broker's answer checked by reading around it, else a search by reading.
pub(super) fn switch_offsets(
    session: &Session,
    time: i64,
    partitions: &BTreeMap<TopicPartition, (i64, i64)>,
    answers: &HashMap<TopicPartition, Option<i64>>,
    leaders: &HashMap<TopicPartition, i32>,
    deadline: Instant,
) -> Result<BTreeMap<TopicPartition, Verdict>> {
    let mut results = BTreeMap::new();
    let mut store = RecordStore::default();
    let answer = |tp: &TopicPartition, (start, end): (i64, i64)| {
        answers.get(tp).copied().flatten().unwrap_or(end).clamp(start, end)
    };
    let check_range = |tp: &TopicPartition, (start, end): (i64, i64)| {
        let answer = answer(tp, (start, end));
        ((answer - 1).max(start), (answer + 1).min(end))
    };
    let mut checks = Vec::new();
    for (tp, &(start, end)) in partitions {
        if start >= end {
            results.insert(tp.clone(), Ok((end, Found::SwitchTimeAfterLast)));
        } else {
            let (from, until) = check_range(tp, (start, end));
            checks.push((tp.clone(), from, until));
        }
    }
    store.read(session, "switch time", leaders, checks.clone(), deadline)?;
    let mut searches: BTreeMap<TopicPartition, TimeSearch> = BTreeMap::new();
    for (tp, from, until) in checks {
        let bounds = partitions[&tp];
        let search = TimeSearch::new(time, bounds.0, bounds.1);
        let Some(records) = store.records(&tp, from, until) else {
            let why = store.failure(&tp).map_or_else(|| timed_out(NEW).to_string(), str::to_string);
            results.insert(tp, Err(Refusal::Failed(format!("cannot read the new cluster's records: {why}"))));
            continue;
        };
        if records.records.iter().any(|r| r.timestamp.is_none()) {
            results.insert(tp, Err(Refusal::NoTimestampsOnNew));
            continue;
        }
        match search.check(answer(&tp, bounds), records.window()) {
            Some(offset) if offset == bounds.1 => {
                results.insert(tp, Ok((offset, Found::SwitchTimeAfterLast)));
            }
            Some(offset) => {
                results.insert(tp, Ok((offset, Found::SwitchTimeChecked)));
            }
            None => {
                searches.insert(tp, search);
            }
        }
    }
    while !searches.is_empty() {
        if Instant::now() >= deadline {
            for tp in std::mem::take(&mut searches).into_keys() {
                results.insert(tp, Err(timed_out(NEW)));
            }
            break;
        }
        let reads: Vec<(TopicPartition, i64, i64)> = searches
            .iter()
            .map(|(tp, search)| {
                let (from, until) = search.next_read();
                (tp.clone(), from, until)
            })
            .collect();
        store.read(session, "switch time search", leaders, reads.clone(), deadline)?;
        for (tp, from, until) in reads {
            let search = searches.get_mut(&tp).expect("searched partition");
            let step = match store.records(&tp, from, until) {
                Some(records) => search.narrow(records.window()),
                None => Err(Refusal::Failed(format!(
                    "cannot read the new cluster's records: {}",
                    store.failure(&tp).map_or_else(|| timed_out(NEW).to_string(), str::to_string)
                ))),
            };
            if let Err(refusal) = step {
                results.insert(tp.clone(), Err(refusal));
                searches.remove(&tp);
            } else if search.done() {
                let offset = search.low;
                let found =
                    if offset == partitions[&tp].1 { Found::SwitchTimeAfterLast } else { Found::SwitchTimeRead };
                results.insert(tp.clone(), Ok((offset, found)));
                searches.remove(&tp);
            }
        }
    }
    Ok(results)
}

/// The checks by reading of every item planned by the switch time (see the module's doc), refusing in place, and
/// each lag note said as it is: the unread records older than the switch time skipped, and the newer ones not on
/// the new cluster.
pub(super) fn check_switch_plans(
    old: (&Session, &HashMap<TopicPartition, i32>),
    new: (&Session, &HashMap<TopicPartition, i32>),
    items: &mut [Item],
    time: i64,
    allow_lag: bool,
    window: i64,
    deadline: Instant,
) -> Result<()> {
    let planned: Vec<usize> = (0..items.len()).filter(|&i| matches!(items[i].verdict, Some(Ok(_)))).collect();
    if planned.is_empty() {
        return Ok(());
    }
    // The old cluster, per partition: from `window` records before the lowest position to the log end.
    let mut old_ranges: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
    for &i in &planned {
        let position = items[i].position;
        let from = position.next().saturating_sub(window).max(position.log_start);
        let range = old_ranges.entry(items[i].old.clone()).or_insert((from, position.log_end));
        range.0 = range.0.min(from);
    }
    let lowest_next: HashMap<TopicPartition, i64> = planned.iter().fold(HashMap::new(), |mut lowest, &i| {
        let next = items[i].position.next();
        let entry = lowest.entry(items[i].old.clone()).or_insert(next);
        *entry = (*entry).min(next);
        lowest
    });
    let ranges: Vec<(TopicPartition, i64, i64)> =
        old_ranges.iter().map(|(tp, &(from, until))| (tp.clone(), from, until)).collect();
    let mut old_records: HashMap<TopicPartition, OldRecords> =
        ranges.iter().map(|(tp, from, _)| (tp.clone(), OldRecords::new(*from))).collect();
    // After the lowest position: the records newer than the switch time, and the offsets of the older ones.
    let mut newer: HashMap<TopicPartition, Vec<FetchedRecord>> = HashMap::new();
    let mut older: HashMap<TopicPartition, Vec<i64>> = HashMap::new();
    let mut untimed: std::collections::HashSet<TopicPartition> = std::collections::HashSet::new();
    let old_ended = stream(old.0, "records after the positions", old.1, &ranges, true, deadline, |tp, read| {
        if let Some(index) = old_records.get_mut(tp) {
            index.add(&read.records, &read.aborted, read.end);
        }
        let lowest = lowest_next.get(tp).copied().unwrap_or(i64::MAX);
        for record in read.records.iter().filter(|r| r.offset >= lowest) {
            if record.timestamp.is_none() {
                untimed.insert(tp.clone());
            }
            if record.timestamp.is_some_and(|t| t >= time) {
                newer.entry(tp.clone()).or_default().push(record.clone());
            } else {
                older.entry(tp.clone()).or_default().push(record.offset);
            }
        }
        true
    })
    .map_err(|e| e.on(OLD))?;

    // The new cluster below each planned offset, `window` records at most.
    let planned_at = |item: &Item| item.verdict.as_ref().and_then(|v| v.as_ref().ok()).map_or(0, |(o, _)| *o);
    let below_range = |item: &Item| {
        let at = planned_at(item);
        (at.saturating_sub(window).max(item.new_bounds.0), at)
    };
    let mut below_store = RecordStore::default();
    let wants: Vec<(TopicPartition, i64, i64)> = planned
        .iter()
        .map(|&i| {
            let (from, until) = below_range(&items[i]);
            (items[i].new.clone(), from, until)
        })
        .collect();
    below_store.read(new.0, "records below the switch time", new.1, wants, deadline).map_err(|e| e.on(NEW))?;

    // From the planned offset on: the copies of the unread records newer than the switch time, where there are any.
    let mut sought: BTreeMap<usize, Sought> = BTreeMap::new();
    for &i in &planned {
        let next = items[i].position.next();
        let records = newer.get(&items[i].old).map(Vec::as_slice).unwrap_or_default();
        let wanted = Sought::new(records.iter().filter(|r| r.offset >= next));
        if wanted.total() > 0 {
            sought.insert(i, wanted);
        }
    }
    let mut forward: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
    for &i in sought.keys() {
        let at = planned_at(&items[i]);
        let range = forward.entry(items[i].new.clone()).or_insert((at, items[i].new_bounds.1));
        range.0 = range.0.min(at);
    }
    let forward: Vec<(TopicPartition, i64, i64)> =
        forward.into_iter().map(|(tp, (from, until))| (tp, from, until)).collect();
    let seekers: Vec<(usize, TopicPartition, i64)> =
        sought.keys().map(|&i| (i, items[i].new.clone(), planned_at(&items[i]))).collect();
    let new_ended = stream(new.0, "records after the switch time", new.1, &forward, false, deadline, |tp, read| {
        let mut more = false;
        for (i, _, at) in seekers.iter().filter(|(_, t, _)| t == tp) {
            let wanted = sought.get_mut(i).expect("sought");
            read.records.iter().filter(|r| r.offset >= *at).for_each(|r| wanted.offer(r));
            more |= wanted.missing() > 0;
        }
        more
    })
    .map_err(|e| e.on(NEW))?;

    for &i in &planned {
        let item = &mut items[i];
        let at = planned_at(item);
        let next = item.position.next();
        if let Some(Err(e)) = old_ended.get(&item.old) {
            item.verdict = Some(Err(Refusal::Failed(format!("cannot read its records on the old cluster: {e}"))));
            continue;
        }
        let (from, until) = below_range(item);
        let Some(below) = below_store.records(&item.new, from, until) else {
            let why = below_store.failure(&item.new).map_or_else(|| timed_out(NEW).to_string(), str::to_string);
            item.verdict = Some(Err(Refusal::Failed(format!("cannot read the new cluster's records: {why}"))));
            continue;
        };
        let Some(index) = old_records.get(&item.old) else { continue };
        let found = below_switch(index, next, &below.records);
        if found.switched > 0 {
            item.verdict = Some(Err(Refusal::SwitchedBelow {
                count: found.switched,
                planned: at,
                last_read_copy: found.last_read_copy,
            }));
            continue;
        }
        let missing = match (sought.get(&i), new_ended.get(&item.new)) {
            (Some(_), Some(Err(e))) => {
                item.verdict = Some(Err(Refusal::Failed(format!("cannot read the new cluster's records: {e}"))));
                continue;
            }
            (Some(wanted), _) => (wanted.missing(), wanted.total()),
            (None, _) => (0, 0),
        };
        let skipped = older.get(&item.old).map_or(0, |offsets| offsets.iter().filter(|&&o| o >= next).count());
        if missing.0 > 0 && !allow_lag {
            item.verdict = Some(Err(Refusal::NewerNotOnNew { missing: missing.0, total: missing.1, planned: at }));
            continue;
        }
        // Without timestamps on the old cluster, the old check's note says it (nothing is newer there).
        if !untimed.contains(&item.old) {
            item.lag_note = lag_note(skipped, missing.0);
        }
    }
    Ok(())
}

/// The note of a group allowed to lag: the unread records it skips, older than the switch time, and the newer ones
/// not on the new cluster.
fn lag_note(older: usize, missing: usize) -> Option<LagNote> {
    let records = |n: usize| if n == 1 { "1 unread record".to_string() } else { format!("{n} unread records") };
    let mut parts = Vec::new();
    if older > 0 {
        parts.push(format!("skips {} on the old cluster older than the switch time", records(older)));
    }
    if missing > 0 {
        parts.push(format!(
            "skips {} newer than the switch time that are not on the new cluster (a producer not switched)",
            records(missing)
        ));
    }
    (!parts.is_empty()).then(|| LagNote(parts.join("; and ")))
}
