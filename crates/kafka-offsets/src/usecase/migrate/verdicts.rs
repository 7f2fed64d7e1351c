//! Phases 5 and 6 of a migration: the records each strategy needs, and each partition's verdict. The old cluster is
//! read from the committed offset on (the next record, and the unread ones counted), and back from it for by-record
//! (the anchor, its run of identical records, the records the walk compares); the new cluster around the switch
//! time, or around where the anchor's copy should be. Reads grow only where a decision asks for more, each range is
//! read once per cluster (`RecordStore`), and every read of the phase shares one deadline (`--timeout`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use super::{Clusters, Item, Migration};
use crate::client::offsets::{ListOffsets, OffsetQuery};
use crate::client::session::Session;
use crate::error::Result;
use crate::usecase::clusters::{both, NEW, OLD};
use crate::usecase::log_offsets::LogOffsets;
use crate::usecase::record_store::RecordStore;
use crate::usecase::translate::record::WalkResult;
use crate::usecase::translate::{
    self, Ahead, Anchor, AnchorSearch, By, CopySearch, Found, LagNote, OldPosition, Refusal, Strategy, TimeSearch,
    Verdict,
};
use crate::TopicPartition;

/// How far past the committed offset the old cluster is read at first: unread records are counted exactly within it.
const FORWARD: i64 = 1000;
/// The most records by-record reads back from the committed offset at first (less with a smaller --search-window).
const BACK: i64 = 1000;

/// What the old cluster says of one item.
#[derive(Debug)]
enum OldFinding {
    /// The check passed (switch time, earliest).
    Cleared(Option<LagNote>),
    /// By record: the record to find, and where the old records read around it begin (the walk reads them again
    /// from the store). Shared by the items of a partition with the same position: a thousand groups on one
    /// partition hold one anchor, not a thousand copies of its history.
    Anchor(Arc<(Anchor, i64)>),
    /// By record: no record the group read or reads next is on the old cluster.
    Nothing,
    Refused(Refusal),
}

/// An item's reads of the old cluster, as they grow.
#[derive(Debug, Clone, Copy)]
struct Reach {
    back: i64,
    forward: i64,
}

fn timed_out(cluster: &str) -> Refusal {
    Refusal::Failed(format!("the {cluster}'s records could not be read within --timeout"))
}

/// Reads the old cluster for every item: what comes after the committed offset, and for by-record the anchor.
fn old_findings(
    session: &Session,
    leaders: &HashMap<TopicPartition, i32>,
    items: &[(TopicPartition, OldPosition, i64)],
    strategy: Strategy,
    allow_lag: bool,
    window: i64,
    deadline: Instant,
) -> Result<(Vec<OldFinding>, RecordStore)> {
    let by_record = strategy == Strategy::ByRecord;
    let mut reach = vec![Reach { back: if by_record { BACK.min(window) } else { 0 }, forward: FORWARD }; items.len()];
    let mut findings: Vec<Option<OldFinding>> = (0..items.len()).map(|_| None).collect();
    let range = |(_, position, _): &(TopicPartition, OldPosition, i64), reach: Reach| {
        let next = position.next();
        ((next - reach.back).max(position.log_start), (next.saturating_add(reach.forward)).min(position.log_end))
    };
    let mut store = RecordStore::default();
    // (partition, read range, next offset, drained) -> its anchor.
    type AnchorKey = (TopicPartition, i64, i64, i64, bool);
    let mut anchors: HashMap<AnchorKey, Arc<(Anchor, i64)>> = HashMap::new();
    loop {
        let open: Vec<usize> = (0..items.len()).filter(|&i| findings[i].is_none()).collect();
        if open.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            for i in open {
                findings[i] = Some(OldFinding::Refused(timed_out(OLD)));
            }
            break;
        }
        let wants = open.iter().map(|&i| {
            let (from, until) = range(&items[i], reach[i]);
            (items[i].0.clone(), from, until)
        });
        store.read(session, "records", leaders, wants.collect::<Vec<_>>(), deadline)?;
        for i in open {
            let (tp, position, new_log_start) = &items[i];
            if let Some(e) = store.failure(tp) {
                findings[i] = Some(OldFinding::Refused(Refusal::Failed(format!(
                    "cannot read its records on the old cluster: {e}"
                ))));
                continue;
            }
            let (from, until) = range(&items[i], reach[i]);
            let Some(records) = store.records(tp, from, until) else { continue };
            let ahead = translate::ahead(position, records.window(), until);
            let finding = match (&ahead, by_record) {
                (Ahead::ReadOn(_), _) => {
                    reach[i].forward = reach[i].forward.saturating_mul(4);
                    continue;
                }
                (Ahead::Open(stable), _) => OldFinding::Refused(Refusal::OpenTransaction { stable: *stable }),
                (_, false) => match translate::check_old(strategy, &ahead, allow_lag) {
                    Ok(note) => OldFinding::Cleared(note),
                    Err(refusal) => OldFinding::Refused(refusal),
                },
                (_, true) => {
                    let drained = ahead == Ahead::Drained;
                    let key = (tp.clone(), from, until, position.next(), drained);
                    if let Some(shared) = anchors.get(&key) {
                        findings[i] = Some(OldFinding::Anchor(Arc::clone(shared)));
                        continue;
                    }
                    match translate::record::find_anchor(position, records.window(), drained, *new_log_start) {
                        AnchorSearch::Found(anchor) => {
                            let shared = Arc::new((*anchor, records.from));
                            anchors.insert(key, Arc::clone(&shared));
                            OldFinding::Anchor(shared)
                        }
                        AnchorSearch::Nothing => OldFinding::Nothing,
                        AnchorSearch::ReadBack => {
                            reach[i].back = reach[i].back.max(16).saturating_mul(4);
                            continue;
                        }
                    }
                }
            };
            findings[i] = Some(finding);
        }
    }
    let findings = findings.into_iter().map(|f| f.unwrap_or(OldFinding::Refused(timed_out(OLD)))).collect();
    Ok((findings, store))
}

/// The switch time on NEW, per partition: the broker's answer checked by reading around it, else a search by reading.
fn switch_offsets(
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

/// A search for one anchor's copy on NEW, as it goes.
#[derive(Debug)]
struct CopyHunt<'a> {
    partition: TopicPartition,
    anchor: &'a Anchor,
    /// The old partition, the group's position, and how far back its records are read (the walk may ask more).
    old_partition: TopicPartition,
    old_position: OldPosition,
    old_from: i64,
    bounds: (i64, i64),
    /// Where the read is centred, and how it was placed; the content placement comes after a timestamp's.
    places: Vec<(i64, By)>,
    back: i64,
    searched: Vec<String>,
    verdict: Option<Verdict>,
}

impl CopyHunt<'_> {
    fn range(&self, window: i64) -> (i64, i64) {
        let (start, end) = self.bounds;
        let centre = self.places.first().map_or(start, |p| p.0);
        ((centre - self.back).max(start), centre.saturating_add(window).saturating_add(1).min(end).max(start))
    }

    /// The old records read for this anchor (up to its position, and a little after).
    fn old_range(&self) -> (i64, i64) {
        let until = self.anchor.record.offset.saturating_add(1).min(self.old_position.log_end);
        (self.old_from, until.max(self.old_from))
    }
}

/// The two clusters' sides of the copy search: the session, its leaders and what was read.
struct Side<'a> {
    session: &'a Session,
    leaders: &'a HashMap<TopicPartition, i32>,
    store: &'a mut RecordStore,
}

/// By record: finds each anchor's copy on NEW (near the offset of its timestamp, then near where a copy of OLD's log
/// puts it), and walks back from its place (reading further back on either cluster when the walk asks).
fn find_copies(old: Side<'_>, new: Side<'_>, hunts: &mut [CopyHunt<'_>], window: i64, deadline: Instant) -> Result<()> {
    let (session, leaders) = (new.session, new.leaders);
    // The offsets of the anchors' timestamps, where timestamps can be compared.
    let timed: Vec<usize> = (0..hunts.len())
        .filter(|&i| {
            !session.is_legacy()
                && !hunts[i].anchor.record.log_append_time
                && hunts[i].anchor.record.timestamp.is_some()
        })
        .collect();
    if !timed.is_empty() {
        let entries: Vec<(TopicPartition, i32, i64)> = timed
            .iter()
            .map(|&i| {
                let tp = hunts[i].partition.clone();
                let leader = leaders.get(&tp).copied().unwrap_or(-1);
                (tp, leader, hunts[i].anchor.record.timestamp.unwrap_or_default())
            })
            .collect();
        let query = OffsetQuery {
            timestamp: 0,
            max_offsets: 1,
            isolation_level: session.settings().isolation_level(),
            min_version: 1,
            max_version: i16::MAX,
        };
        let mut lookup = ListOffsets::at_times(query, &entries);
        session.drive_until("record timestamps", &mut [&mut lookup], deadline)?;
        for (&i, (_, answer)) in timed.iter().zip(lookup.results()) {
            let (start, end) = hunts[i].bounds;
            if let Ok(Some(&offset)) = answer.as_ref().map(|o| o.first()) {
                if offset >= start && offset < end {
                    hunts[i].places.insert(0, (offset, By::Timestamp));
                }
            }
        }
    }
    let (old_store, new_store) = (old.store, new.store);
    loop {
        let open: Vec<usize> = (0..hunts.len()).filter(|&i| hunts[i].verdict.is_none()).collect();
        if open.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            for i in open {
                hunts[i].verdict = Some(Err(timed_out(NEW)));
            }
            return Ok(());
        }
        let old_wants: Vec<(TopicPartition, i64, i64)> = open
            .iter()
            .map(|&i| {
                let (from, until) = hunts[i].old_range();
                (hunts[i].old_partition.clone(), from, until)
            })
            .collect();
        old_store.read(old.session, "records read again", old.leaders, old_wants, deadline).map_err(|e| e.on(OLD))?;
        let wants: Vec<(TopicPartition, i64, i64)> = open
            .iter()
            .map(|&i| {
                let (from, until) = hunts[i].range(window);
                (hunts[i].partition.clone(), from, until)
            })
            .collect();
        new_store.read(session, "copies", leaders, wants, deadline).map_err(|e| e.on(NEW))?;
        for i in open {
            let hunt = &mut hunts[i];
            let failure = new_store.failure(&hunt.partition).or_else(|| old_store.failure(&hunt.old_partition));
            if let Some(e) = failure {
                hunt.verdict = Some(Err(Refusal::Failed(format!("cannot read the records: {e}"))));
                continue;
            }
            let (from, until) = hunt.range(window);
            let (old_from, old_until) = hunt.old_range();
            let (Some(records), Some(old_records)) = (
                new_store.records(&hunt.partition, from, until),
                old_store.records(&hunt.old_partition, old_from, old_until),
            ) else {
                continue;
            };
            let (_, by) = hunt.places[0];
            let by = match by {
                By::Timestamp => By::Timestamp,
                By::Content { .. } => By::Content { from, until: records.end },
            };
            match translate::record::find_copy(hunt.anchor, records.window(), hunt.bounds.0, by) {
                CopySearch::Found(copy) => {
                    let logs = (hunt.old_position.log_start, hunt.bounds.0);
                    let enough = usize::try_from(window).unwrap_or(usize::MAX);
                    match translate::record::walk_back(
                        old_records.window(),
                        hunt.anchor,
                        records.window(),
                        &copy,
                        logs,
                        enough,
                    ) {
                        WalkResult::Done(walk) => {
                            hunt.verdict = Some(Ok(match walk.first_unread {
                                Some(first) => (first, Found::FirstUnread(copy, walk)),
                                None => (copy.new_offset(), Found::Record(copy)),
                            }));
                        }
                        WalkResult::ReadBack { old: more_old, new: more_new } => {
                            if more_old {
                                let reach = (hunt.anchor.record.offset - hunt.old_from).max(16).saturating_mul(4);
                                hunt.old_from = (hunt.anchor.record.offset - reach).max(hunt.old_position.log_start);
                            }
                            if more_new {
                                hunt.back = hunt.back.max(16).saturating_mul(4);
                            }
                        }
                    }
                }
                CopySearch::ReadBack if from > hunt.bounds.0 => hunt.back = hunt.back.max(16).saturating_mul(4),
                CopySearch::ReadBack | CopySearch::NotFound => {
                    let how = if by == By::Timestamp { "by timestamp" } else { "by content" };
                    hunt.searched.push(format!("offsets {from}..{} {how}", records.end));
                    hunt.places.remove(0);
                    hunt.back = window;
                    if hunt.places.is_empty() {
                        let searched = format!("searched {}", hunt.searched.join(", "));
                        hunt.verdict = Some(Err(Refusal::NotOnNew { searched }));
                    }
                }
                CopySearch::Refused(refusal) => hunt.verdict = Some(Err(refusal)),
            }
        }
    }
}

impl Migration<'_> {
    /// Phases 5 and 6: the records, then each pending item's verdict.
    pub(super) fn verdicts(&mut self, clusters: &Clusters, new_offsets: &LogOffsets) -> Result<()> {
        let request = self.request;
        let strategy = request.strategy;
        let window = request.search_window;
        let deadline = Instant::now() + self.old.timeout().max(self.new.timeout());
        let (old_leaders, new_leaders) = (clusters.old.leaders(), clusters.new.leaders());
        let pending: Vec<usize> = (0..self.items.len()).filter(|&i| self.items[i].pending()).collect();
        let old_items: Vec<(TopicPartition, OldPosition, i64)> = pending
            .iter()
            .map(|&i| (self.items[i].old.clone(), self.items[i].position, self.items[i].new_bounds.0))
            .collect();
        let new_partitions: BTreeMap<TopicPartition, (i64, i64)> =
            pending.iter().map(|&i| (self.items[i].new.clone(), self.items[i].new_bounds)).collect();
        let (old, new) = (&self.old, &self.new);
        let (old_side, switch) = both(
            || old_findings(old, &old_leaders, &old_items, strategy, request.allow_lag, window, deadline),
            || match strategy.switch_time() {
                Some(time) => {
                    switch_offsets(new, time, &new_partitions, &new_offsets.at_time, &new_leaders, deadline).map(Some)
                }
                None => Ok(None),
            },
        );
        let (findings, mut old_store) = old_side.map_err(|e| e.on(OLD))?;
        let switch = switch.map_err(|e| e.on(NEW))?;

        // Anchors shared by the groups at the same place.
        let mut hunts: Vec<CopyHunt<'_>> = Vec::new();
        let mut hunted: Vec<Option<usize>> = vec![None; self.items.len()];
        let mut by_anchor: BTreeMap<(TopicPartition, i64, bool), usize> = BTreeMap::new();
        for (&index, finding) in pending.iter().zip(&findings) {
            let item: &mut Item = &mut self.items[index];
            let (new_start, new_end) = item.new_bounds;
            match finding {
                OldFinding::Refused(refusal) => item.refuse(refusal.clone()),
                OldFinding::Nothing => {
                    item.verdict = Some(if new_start >= new_end {
                        Ok((new_start, Found::EmptyOnBoth))
                    } else {
                        Err(Refusal::NothingToFind)
                    })
                }
                OldFinding::Cleared(note) => {
                    item.lag_note = note.clone();
                    match strategy {
                        Strategy::Earliest => item.verdict = Some(Ok((new_start, Found::Earliest))),
                        _ => {
                            item.verdict = switch.as_ref().and_then(|s| s.get(&item.new)).cloned();
                            item.refuse(Refusal::Failed("the switch time was not looked up on the new cluster".into()));
                        }
                    }
                }
                OldFinding::Anchor(found) => {
                    let (anchor, old_from) = &**found;
                    let key = (item.new.clone(), anchor.record.offset, anchor.after);
                    let hunt = *by_anchor.entry(key).or_insert_with(|| {
                        hunts.push(CopyHunt {
                            partition: item.new.clone(),
                            anchor,
                            old_partition: item.old.clone(),
                            old_position: item.position,
                            old_from: *old_from,
                            bounds: item.new_bounds,
                            places: vec![(anchor.expected, By::Content { from: 0, until: 0 })],
                            back: window,
                            searched: Vec::new(),
                            verdict: None,
                        });
                        hunts.len() - 1
                    });
                    hunted[index] = Some(hunt);
                }
            }
        }
        if hunts.is_empty() {
            return Ok(());
        }
        let mut new_store = RecordStore::default();
        let old = Side { session: &self.old, leaders: &old_leaders, store: &mut old_store };
        let new = Side { session: &self.new, leaders: &new_leaders, store: &mut new_store };
        find_copies(old, new, &mut hunts, window, deadline)?;
        let verdicts: Vec<Option<Verdict>> = hunts.into_iter().map(|h| h.verdict).collect();
        for (item, hunt) in self.items.iter_mut().zip(hunted) {
            if let Some(hunt) = hunt {
                item.verdict = verdicts[hunt].clone();
                item.refuse(Refusal::Failed("the record was not looked for on the new cluster".into()));
            }
        }
        Ok(())
    }
}
