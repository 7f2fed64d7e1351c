//! Phases 5 and 6 of a migration: the records each strategy needs, and each partition's verdict. The old cluster is
//! read from the committed offset on (the next record, and the unread ones counted), and back from it for by-record
//! (the anchor, its run of identical records); the new cluster around the switch time, or around where the anchor's
//! copy should be. Reads grow only where a decision asks for more, and each range is read once per cluster
//! (`RecordStore`). By record then streams both clusters from their log starts to the groups' places, the proof
//! that nothing unread lies below them (`translate::walk`). Every read of the phase shares one deadline
//! (`--timeout`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use super::{Clusters, Item, Migration};
use crate::client::offsets::{ListOffsets, OffsetQuery};
use crate::client::session::Session;
use crate::error::Result;
use crate::usecase::clusters::{both, NEW, OLD};
use crate::usecase::commit::Outcome;
use crate::usecase::log_offsets::LogOffsets;
use crate::usecase::record_store::{stream, RecordStore};
use crate::usecase::translate::hunt::CopyHunt;
use crate::usecase::translate::walk::{History, OldRecords, Origin, Walker};
use crate::usecase::translate::{
    self, Ahead, Anchor, AnchorSearch, Found, LagNote, OldPosition, RecordCopy, Refusal, Strategy, Verdict,
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
    /// By record: the record to find. Shared by the items of a partition with the same position: a thousand groups
    /// on one partition hold one anchor, not a thousand copies of its history.
    Anchor(Arc<Anchor>),
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

pub(super) fn timed_out(cluster: &str) -> Refusal {
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
) -> Result<Vec<OldFinding>> {
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
    let mut anchors: HashMap<AnchorKey, Arc<Anchor>> = HashMap::new();
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
                            let shared: Arc<Anchor> = Arc::from(anchor);
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
    Ok(findings.into_iter().map(|f| f.unwrap_or(OldFinding::Refused(timed_out(OLD)))).collect())
}

/// The search for one anchor's copy on NEW (shared by the groups at the same place), then the walk below it.
#[derive(Debug)]
struct Hunted<'a> {
    hunt: CopyHunt<'a>,
    new_partition: TopicPartition,
    old_partition: TopicPartition,
    old_log_start: i64,
    old_log_end: i64,
    /// The groups passed every old offset below this one (their position: read, or skipped as aborted).
    passed: i64,
    /// The new partition's log start and end.
    new_bounds: (i64, i64),
    verdict: Option<Verdict>,
}

impl Hunted<'_> {
    fn open(&self) -> bool {
        self.verdict.is_none() && self.hunt.outcome().is_none()
    }
}

/// By record: finds each anchor's copy on NEW (near the offset of its timestamp, then near where a copy of OLD's log
/// puts it); `CopyHunt` decides from what is read.
fn find_copies(
    session: &Session,
    leaders: &HashMap<TopicPartition, i32>,
    hunts: &mut [Hunted<'_>],
    deadline: Instant,
) -> Result<()> {
    // The offsets of the anchors' timestamps, where timestamps can be compared.
    let timed: Vec<usize> = (0..hunts.len())
        .filter(|&i| {
            let record = &hunts[i].hunt.anchor.record;
            !session.is_legacy() && !record.log_append_time && record.timestamp.is_some()
        })
        .collect();
    if !timed.is_empty() {
        let entries: Vec<(TopicPartition, i32, i64)> = timed
            .iter()
            .map(|&i| {
                let tp = hunts[i].new_partition.clone();
                let leader = leaders.get(&tp).copied().unwrap_or(-1);
                (tp, leader, hunts[i].hunt.anchor.record.timestamp.unwrap_or_default())
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
            if let Ok(Some(&offset)) = answer.as_ref().map(|o| o.first()) {
                hunts[i].hunt.place_by_timestamp(offset);
            }
        }
    }
    let mut store = RecordStore::default();
    loop {
        let open: Vec<usize> = (0..hunts.len()).filter(|&i| hunts[i].open()).collect();
        if open.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            open.into_iter().for_each(|i| hunts[i].hunt.fail(timed_out(NEW)));
            return Ok(());
        }
        let wants: Vec<(TopicPartition, i64, i64)> = open
            .iter()
            .map(|&i| {
                let (from, until) = hunts[i].hunt.next_read();
                (hunts[i].new_partition.clone(), from, until)
            })
            .collect();
        store.read(session, "copies", leaders, wants, deadline)?;
        for i in open {
            let hunted = &mut hunts[i];
            if let Some(e) = store.failure(&hunted.new_partition) {
                hunted.hunt.fail(Refusal::Failed(format!("cannot read the records: {e}")));
                continue;
            }
            let (from, until) = hunted.hunt.next_read();
            if let Some(records) = store.records(&hunted.new_partition, from, until) {
                hunted.hunt.absorb(records.window());
            }
        }
    }
}

/// By record: the proof below each copy's place (`translate::walk`). Every old partition is read from its log start
/// to the furthest position of its groups (aborted records too), every new one from its log start to the furthest
/// place, streamed; each hunt's verdict is set. Copies of aborted records on NEW are said (`Warn:`).
fn walk_below_copies(
    old: (&Session, &HashMap<TopicPartition, i32>),
    new: (&Session, &HashMap<TopicPartition, i32>),
    hunts: &mut [Hunted<'_>],
    deadline: Instant,
    out: &mut Outcome,
) -> Result<()> {
    let mut copies: Vec<(usize, RecordCopy)> = Vec::new();
    for (i, hunted) in hunts.iter_mut().enumerate() {
        match hunted.hunt.outcome() {
            Some(Ok(copy)) => copies.push((i, copy.clone())),
            Some(Err(refusal)) => hunted.verdict = Some(Err(refusal.clone())),
            None => hunted.verdict = Some(Err(timed_out(NEW))),
        }
    }
    if copies.is_empty() {
        return Ok(());
    }
    let furthest = |pick: &dyn Fn(&Hunted<'_>, &RecordCopy) -> (TopicPartition, i64, i64)| {
        let mut ranges: BTreeMap<TopicPartition, (i64, i64)> = BTreeMap::new();
        for (i, copy) in &copies {
            let (tp, from, until) = pick(&hunts[*i], copy);
            let range = ranges.entry(tp).or_insert((from, until));
            range.1 = range.1.max(until);
        }
        ranges.into_iter().map(|(tp, (from, until))| (tp, from, until)).collect::<Vec<_>>()
    };
    // The whole old log: a record on NEW identical to records the groups passed and to later ones is ambiguous.
    let old_ranges = furthest(&|h, _| (h.old_partition.clone(), h.old_log_start, h.old_log_end));
    // A drained group's walk goes on past its place, over copies written again (to the new log end at most).
    let new_ranges = furthest(&|h, c| {
        let until = if h.hunt.anchor.after { h.new_bounds.1 } else { c.new_offset() };
        (h.new_partition.clone(), h.new_bounds.0, until)
    });

    let mut passed: HashMap<TopicPartition, OldRecords> =
        old_ranges.iter().map(|(tp, from, _)| (tp.clone(), OldRecords::new(*from))).collect();
    let old_ended = stream(old.0, "records passed", old.1, &old_ranges, true, deadline, |tp, read| {
        if let Some(records) = passed.get_mut(tp) {
            records.add(&read.records, &read.aborted, read.end);
        }
        true
    })
    .map_err(|e| e.on(OLD))?;
    let mut walkers: HashMap<TopicPartition, Vec<(usize, Walker)>> = HashMap::new();
    for (i, copy) in &copies {
        let hunted = &mut hunts[*i];
        let verdict = match old_ended.get(&hunted.old_partition) {
            Some(Err(e)) => Err(Refusal::Failed(format!("cannot read its records on the old cluster: {e}"))),
            Some(Ok(end)) if *end < hunted.passed => Err(Refusal::OpenTransaction { stable: *end }),
            _ => Ok(()),
        };
        if let Err(refusal) = verdict {
            hunted.verdict = Some(Err(refusal));
            continue;
        }
        let Some(old_records) = passed.get(&hunted.old_partition) else { continue };
        let anchor = hunted.hunt.anchor;
        let place_is_first = !anchor.after && old_records.first() == Some(anchor.record.offset);
        let walker = Walker::new(hunted.passed, copy, place_is_first);
        walkers.entry(hunted.new_partition.clone()).or_default().push((*i, walker));
    }
    // Per new partition, the old partition its records are compared with, and the copies of aborted records seen.
    let old_of: HashMap<TopicPartition, TopicPartition> =
        hunts.iter().map(|h| (h.new_partition.clone(), h.old_partition.clone())).collect();
    let mut aborted_copies: BTreeMap<TopicPartition, (usize, i64)> = BTreeMap::new();
    let mut histories: HashMap<TopicPartition, History> = HashMap::new();
    let empty = OldRecords::new(0);
    let new_ended = stream(new.0, "records below the copies", new.1, &new_ranges, false, deadline, |tp, read| {
        let Some(group_walkers) = walkers.get_mut(tp) else { return false };
        let old_records = old_of.get(tp).and_then(|old| passed.get(old)).unwrap_or(&empty);
        let history = histories.entry(tp.clone()).or_default();
        for record in &read.records {
            let looked = history.look_up(old_records, record);
            if looked.origin(i64::MAX) == Origin::Aborted {
                let seen = aborted_copies.entry(tp.clone()).or_insert((0, record.offset));
                seen.0 += 1;
            }
            group_walkers.iter_mut().for_each(|(_, walker)| walker.step(&looked));
        }
        !group_walkers.iter().all(|(_, walker)| walker.done())
    })
    .map_err(|e| e.on(NEW))?;
    for (tp, group_walkers) in walkers {
        for (i, walker) in group_walkers {
            let place = walker.place();
            let (hunted, copy) = (&mut hunts[i], copies.iter().find(|(c, _)| *c == i).map(|(_, c)| c.clone()));
            let Some(copy) = copy else { continue };
            hunted.verdict = Some(match new_ended.get(&tp) {
                Some(Err(e)) => Err(Refusal::Failed(format!("cannot read the new cluster's records: {e}"))),
                Some(Ok(end)) if *end < place => Err(Refusal::Failed(format!(
                    "a transaction is open on the new cluster at offset {end}, below where the group would start: \
                     the records after it cannot be read yet"
                ))),
                _ => {
                    let walk = walker.finish();
                    match (walk.unexplained, walk.first_unread) {
                        _ if walk.ambiguous.is_some() => {
                            Err(Refusal::AmbiguousBelowCopy { offset: walk.ambiguous.unwrap_or_default() })
                        }
                        (Some((records, first_copy, too_many)), _) => Err(Refusal::UnexplainedBelowCopies {
                            records,
                            first_copy,
                            too_many_for: too_many.then_some(hunted.old_log_start),
                        }),
                        (None, Some(first)) => Ok((first, Found::FirstUnread(copy, walk))),
                        (None, None) => Ok((walk.start, Found::Record(copy, walk))),
                    }
                }
            });
        }
    }
    for (tp, (count, first)) in aborted_copies {
        out.warn(format!(
            "{tp} on the new cluster holds {} of records of aborted transactions on the old cluster (the first at \
             offset {first}): its consumers read them as ordinary records (a copier that reads read_uncommitted, as \
             MirrorMaker 2 does by default, copies them)",
            if count == 1 { "1 copy".to_string() } else { format!("{count} copies") }
        ));
    }
    Ok(())
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
                Some(time) => super::switch::switch_offsets(
                    new,
                    time,
                    &new_partitions,
                    &new_offsets.at_time,
                    &new_leaders,
                    deadline,
                )
                .map(Some),
                None => Ok(None),
            },
        );
        let findings = old_side.map_err(|e| e.on(OLD))?;
        let switch = switch.map_err(|e| e.on(NEW))?;

        // Anchors shared by the groups at the same place.
        let mut hunts: Vec<Hunted<'_>> = Vec::new();
        let mut hunted: Vec<Option<usize>> = vec![None; self.items.len()];
        let mut by_anchor: BTreeMap<(TopicPartition, i64, bool, i64), usize> = BTreeMap::new();
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
                OldFinding::Anchor(anchor) => {
                    let key = (item.new.clone(), anchor.record.offset, anchor.after, item.position.next());
                    let hunt = *by_anchor.entry(key).or_insert_with(|| {
                        hunts.push(Hunted {
                            hunt: CopyHunt::new(anchor, item.new_bounds, window),
                            new_partition: item.new.clone(),
                            old_partition: item.old.clone(),
                            old_log_start: item.position.log_start,
                            old_log_end: item.position.log_end,
                            passed: item.position.next(),
                            new_bounds: item.new_bounds,
                            verdict: None,
                        });
                        hunts.len() - 1
                    });
                    hunted[index] = Some(hunt);
                }
            }
        }
        if strategy == Strategy::Earliest {
            let (old, new) = ((&self.old, &old_leaders), (&self.new, &new_leaders));
            super::earliest::warn_rereads(old, new, &self.items, deadline, &mut self.out)?;
        }
        if let Some(time) = strategy.switch_time() {
            let (old, new) = ((&self.old, &old_leaders), (&self.new, &new_leaders));
            super::switch::check_switch_plans(old, new, &mut self.items, time, request.allow_lag, window, deadline)?;
        }
        if hunts.is_empty() {
            return Ok(());
        }
        find_copies(&self.new, &new_leaders, &mut hunts, deadline).map_err(|e| e.on(NEW))?;
        let (old, new) = ((&self.old, &old_leaders), (&self.new, &new_leaders));
        walk_below_copies(old, new, &mut hunts, deadline, &mut self.out)?;
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
