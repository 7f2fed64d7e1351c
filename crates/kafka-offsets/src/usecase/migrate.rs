//! The migration of consumer groups from an old cluster to a new one, for any number of groups, on two sessions
//! (one per cluster, the two worked on at once). Nothing is ever written to the old cluster.
//! 1. both clusters' metadata, and the groups (named, or every group the old cluster lists) with their coordinators;
//! 2. every group described on both clusters, and its committed offsets on the old one;
//! 3. checks before anything is committed: no members on either cluster (exit status 3), every topic on the new
//!    cluster with at least as many partitions (else nothing is committed at all);
//! 4. log start and end on both clusters (and the offsets at the switch time on the new one), then the records the
//!    strategy needs (`translate` decides): the next or last read record on the old cluster, and on the new one the
//!    records around the switch time or the copy of the old record, read per partition leader;
//! 5. the plan, one row per group and partition; a refused partition holds its group back;
//! 6. with `execute`: reset-offsets' commit (backup, one commit per group, read-back) on the new cluster.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use crate::client::fetch::{FetchRecords, FetchedRecord, ReadRange};
use crate::client::groups::{Committed, DescribeGroups, FetchCommitted, GroupState, Wanted};
use crate::client::offsets::{ListOffsets, OffsetQuery};
use crate::client::session::{Operation, Session};
use crate::error::{ExitStatus, Result};
use crate::formats::migration::{MigrationRow, RowStatus};
use crate::formats::output::{GroupOffsets, NewOffset};
use crate::formats::settings::ClientSettings;
use crate::usecase::commit::{commit_plans, Backup, Outcome};
use crate::usecase::discover::{discover, GroupSelection, StateCheck};
use crate::usecase::log_offsets::{LogOffsetLookups, LogOffsets};
use crate::usecase::translate::{self, Anchor, Found, LagNote, OldPosition, Refusal, Strategy, TimeSearch, Verdict};
use crate::TopicPartition;

const OLD: &str = "old cluster";
const NEW: &str = "new cluster";

/// How many records after a timestamp's offset on NEW are compared with the record looked for (records sharing
/// its timestamp come first).
const TIMESTAMP_SCAN: i64 = 64;
/// The first content search: this many records either side of where a copy of the old log puts the record.
const NEAR: i64 = 8;

#[derive(Debug, Clone)]
pub struct MigrateRequest {
    pub from: ClientSettings,
    pub to: ClientSettings,
    pub groups: GroupSelection,
    /// `--topic`: only these topics (names on the old cluster); empty: every topic the group has committed on.
    pub topics: Vec<String>,
    /// `--to-topic-prefix`: a topic's name on the new cluster is this plus its old name (MirrorMaker 2's default
    /// policy names copies `source.topic`).
    pub topic_prefix: String,
    pub strategy: Strategy,
    /// Migrate partitions with unread records that the strategy would skip or leave behind, with a warning.
    pub allow_lag: bool,
    /// By record: how many records either side of the expected place are compared when the timestamp does not find
    /// the copy.
    pub search_window: i64,
    pub execute: bool,
    pub backup: Option<Backup>,
}

/// How many groups ended how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub executed: bool,
    pub migrated: usize,
    pub refused: usize,
    pub failed: usize,
    /// Groups without committed offsets to migrate.
    pub nothing: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.migrated + self.refused + self.failed + self.nothing;
        let verb = if self.executed { "migrated" } else { "can be migrated" };
        let groups = if total == 1 { "group" } else { "groups" };
        write!(f, "{total} {groups}: {} {verb}, {} refused, {} failed", self.migrated, self.refused, self.failed)?;
        if self.nothing > 0 {
            write!(f, ", {} with nothing to migrate", self.nothing)?;
        }
        if !self.executed {
            f.write_str(" (dry run)")?;
        }
        Ok(())
    }
}

/// What happened: the rows (plan, or result after `execute`), the offsets for `--export` (planned, or committed and
/// read back), the `Note:`/`Warn:`/`Error:` lines for stderr, the summary (None when the run stopped before planning:
/// nothing was committed), and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateReport {
    pub rows: Vec<MigrationRow>,
    pub offsets: Vec<GroupOffsets>,
    pub summary: Option<Summary>,
    pub messages: Vec<String>,
    pub status: ExitStatus,
}

/// Each group's committed offsets, or why they could not be read.
type CommittedOffsets = BTreeMap<String, std::result::Result<Committed, String>>;

/// Runs `a` here and `b` on another thread: the two clusters' work of a phase, at once.
fn both<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let here = a();
        (here, other.join().expect("the other cluster's worker panicked"))
    })
}

/// One group's position on one partition, as it is worked out.
#[derive(Debug)]
struct Item {
    group: Arc<str>,
    old: TopicPartition,
    new: TopicPartition,
    position: OldPosition,
    lag: Option<i64>,
    new_bounds: (i64, i64),
    lag_note: Option<LagNote>,
    verdict: Option<Verdict>,
}

impl Item {
    fn pending(&self) -> bool {
        self.verdict.is_none()
    }

    fn refuse(&mut self, refusal: Refusal) {
        if self.verdict.is_none() {
            self.verdict = Some(Err(refusal));
        }
    }
}

/// Reads many ranges on one session; the records of each range, keyed as given.
fn read_ranges<K: Ord + Clone>(
    session: &Session,
    label: &'static str,
    leaders: &HashMap<TopicPartition, i32>,
    ranges: BTreeMap<K, (TopicPartition, i64, i64)>,
) -> Result<BTreeMap<K, std::result::Result<Vec<FetchedRecord>, String>>> {
    if ranges.is_empty() {
        return Ok(BTreeMap::new());
    }
    let keys: Vec<K> = ranges.keys().cloned().collect();
    let reads = ranges
        .into_values()
        .map(|(partition, from, until)| {
            let leader = leaders.get(&partition).copied().unwrap_or(-1);
            ReadRange { partition, leader, from, until }
        })
        .collect();
    let mut fetch = FetchRecords::new(reads);
    session.drive(label, &mut [&mut fetch], session.timeout())?;
    Ok(keys.into_iter().zip(fetch.results().into_iter().map(|(_, read)| read)).collect())
}

/// The switch time on NEW, per partition: the broker's answer checked by reading around it, else a search by reading.
fn switch_offsets(
    session: &Session,
    time: i64,
    partitions: &BTreeMap<TopicPartition, (i64, i64)>,
    answers: &HashMap<TopicPartition, Option<i64>>,
    leaders: &HashMap<TopicPartition, i32>,
) -> Result<BTreeMap<TopicPartition, Verdict>> {
    let mut results = BTreeMap::new();
    let mut checks = BTreeMap::new();
    for (tp, &(start, end)) in partitions {
        if start >= end {
            results.insert(tp.clone(), Ok((end, Found::SwitchTimeAfterLast)));
            continue;
        }
        let answer = answers.get(tp).copied().flatten().unwrap_or(end).clamp(start, end);
        checks.insert(tp.clone(), (tp.clone(), (answer - 1).max(start), (answer + 1).min(end)));
    }
    let mut searches: BTreeMap<TopicPartition, TimeSearch> = BTreeMap::new();
    for (tp, read) in read_ranges(session, "switch time", leaders, checks)? {
        let (start, end) = partitions[&tp];
        let search = TimeSearch::new(time, start, end);
        let answer = answers.get(&tp).copied().flatten().unwrap_or(end).clamp(start, end);
        match read {
            Err(e) => {
                results.insert(tp, Err(Refusal::Failed(format!("cannot read the new cluster's records: {e}"))));
            }
            Ok(records) if records.iter().any(|r| r.timestamp.is_none()) => {
                results.insert(tp, Err(Refusal::NoTimestampsOnNew));
            }
            Ok(records) => match search.check(answer, &records) {
                Some(offset) if offset == end => {
                    results.insert(tp, Ok((offset, Found::SwitchTimeAfterLast)));
                }
                Some(offset) => {
                    results.insert(tp, Ok((offset, Found::SwitchTimeChecked)));
                }
                None => {
                    searches.insert(tp, search);
                }
            },
        }
    }
    while !searches.is_empty() {
        let reads = searches
            .iter()
            .map(|(tp, search)| {
                let (from, until) = search.next_read();
                (tp.clone(), (tp.clone(), from, until))
            })
            .collect();
        for (tp, read) in read_ranges(session, "switch time search", leaders, reads)? {
            let search = searches.get_mut(&tp).expect("searched partition");
            let step = read
                .map_err(|e| Refusal::Failed(format!("cannot read the new cluster's records: {e}")))
                .and_then(|records| search.narrow(&records));
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

/// The key of an anchor: the old partition, the record's offset, and whether the group is after it (groups at the
/// same place share the search).
type AnchorKey = (TopicPartition, i64, bool);

/// The key of a read of the old cluster: the partition and the range.
type ReadKey = (TopicPartition, i64, i64);

/// By record: finds each anchor's copy on NEW, by its timestamp first, then by contents near the expected place, then
/// in the whole window.
fn find_copies(
    session: &Session,
    anchors: &BTreeMap<AnchorKey, (TopicPartition, Anchor)>,
    new_bounds: &HashMap<TopicPartition, (i64, i64)>,
    leaders: &HashMap<TopicPartition, i32>,
    window: i64,
) -> Result<BTreeMap<AnchorKey, Verdict>> {
    let mut results = BTreeMap::new();
    let mut searched: BTreeMap<AnchorKey, Vec<String>> = BTreeMap::new();
    let bounds = |tp: &TopicPartition| new_bounds.get(tp).copied().unwrap_or((0, 0));

    // 1. By timestamp: NEW's first offset at or after it, and the records from there.
    let timed: Vec<(&AnchorKey, &TopicPartition, i64)> = if session.is_legacy() {
        Vec::new()
    } else {
        anchors.iter().filter_map(|(key, (tp, a))| a.record.timestamp.map(|ts| (key, tp, ts))).collect()
    };
    if !timed.is_empty() {
        let entries: Vec<(TopicPartition, i32, i64)> =
            timed.iter().map(|(_, tp, ts)| ((*tp).clone(), leaders.get(*tp).copied().unwrap_or(-1), *ts)).collect();
        let query = OffsetQuery {
            timestamp: 0,
            max_offsets: 1,
            isolation_level: session.settings().isolation_level(),
            min_version: 1,
            max_version: i16::MAX,
        };
        let mut lookup = ListOffsets::at_times(query, &entries);
        session.drive("record timestamps", &mut [&mut lookup], session.timeout())?;
        let mut reads = BTreeMap::new();
        for ((key, tp, _), (_, answer)) in timed.iter().zip(lookup.results()) {
            let (start, end) = bounds(tp);
            // -1 (no record at or after the time) is not trusted: the content search comes next.
            if let Ok(Some(&offset)) = answer.as_ref().map(|o| o.first()) {
                if offset >= start && offset < end {
                    reads.insert((*key).clone(), ((*tp).clone(), offset, (offset + TIMESTAMP_SCAN).min(end)));
                }
            }
        }
        for (key, read) in read_ranges(session, "records at timestamps", leaders, reads.clone())? {
            let (_, anchor) = &anchors[&key];
            let (_, from, until) = &reads[&key];
            match read.map(|records| translate::find_copy(anchor, &records)) {
                Ok(Some((copy, _))) => {
                    let found = Found::RecordByTimestamp { after_last_read: anchor.after };
                    results.insert(key, Ok((translate::offset_after(anchor, copy), found)));
                }
                _ => searched.entry(key).or_default().push(format!("offsets {from}..{until} by timestamp")),
            }
        }
    }

    // 2. By contents: near the expected place, then the whole window.
    for (label, reach) in [("records near the expected offsets", NEAR), ("content search", window)] {
        let reads: BTreeMap<AnchorKey, (TopicPartition, i64, i64)> = anchors
            .iter()
            .filter(|(key, _)| !results.contains_key(*key))
            .map(|(key, (tp, anchor))| {
                let (start, end) = bounds(tp);
                let (from, until) = translate::content_window(anchor, start, end, reach);
                (key.clone(), (tp.clone(), from, until))
            })
            .collect();
        for (key, read) in read_ranges(session, label, leaders, reads.clone())? {
            let (_, anchor) = &anchors[&key];
            let (_, from, until) = reads[&key];
            match read {
                Ok(records) => {
                    if let Some((copy, matches)) = translate::find_copy(anchor, &records) {
                        let found = Found::RecordByContent { from, until, matches, after_last_read: anchor.after };
                        results.insert(key, Ok((translate::offset_after(anchor, copy), found)));
                    } else if reach == window {
                        searched.entry(key).or_default().push(format!("offsets {from}..{until} by content"));
                    }
                }
                Err(e) => {
                    results.insert(key, Err(Refusal::Failed(format!("cannot read the new cluster's records: {e}"))));
                }
            }
        }
    }
    for (key, places) in searched {
        results
            .entry(key)
            .or_insert_with(|| Err(Refusal::NotOnNew { searched: format!("searched {}", places.join(", ")) }));
    }
    Ok(results)
}

impl MigrateRequest {
    fn new_name(&self, old: &str) -> Arc<str> {
        Arc::from(format!("{}{old}", self.topic_prefix))
    }

    /// Runs the migration (or its dry run).
    pub fn run(self) -> Result<MigrateReport> {
        let mut out = Outcome::default();
        let (old, new) = both(|| Session::connect(self.from.clone()), || Session::connect(self.to.clone()));
        let old = old.map_err(|e| e.on(OLD))?;
        let new = new.map_err(|e| e.on(NEW))?;

        // 1. Metadata and groups on both clusters.
        let named_on_new = match &self.groups {
            GroupSelection::Named(groups) => GroupSelection::Named(groups.clone()),
            GroupSelection::All => GroupSelection::Named(Vec::new()),
        };
        let (old_found, new_found) = both(
            || {
                let mut said = Outcome::default();
                discover(&old, &self.groups, Some(OLD), &mut said).map(|found| (found, said))
            },
            || {
                let mut said = Outcome::default();
                discover(&new, &named_on_new, Some(NEW), &mut said).map(|found| (found, said))
            },
        );
        let (old_found, said) = old_found.map_err(|e| e.on(OLD))?;
        out.merge(said);
        let (new_found, said) = new_found.map_err(|e| e.on(NEW))?;
        out.merge(said);
        let lost_on_new: BTreeSet<&String> = match &self.groups {
            GroupSelection::Named(named) => named.iter().filter(|g| !new_found.groups.contains(g)).collect(),
            GroupSelection::All => BTreeSet::new(),
        };
        let groups: Vec<String> = old_found.groups.iter().filter(|g| !lost_on_new.contains(g)).cloned().collect();
        let failed_early: BTreeSet<String> = match &self.groups {
            GroupSelection::Named(named) => named.iter().filter(|g| !groups.contains(g)).cloned().collect(),
            GroupSelection::All => BTreeSet::new(),
        };
        if groups.is_empty() && self.groups == GroupSelection::All {
            out.note("the old cluster lists no consumer groups");
        }
        let (old_meta, new_meta) = (old_found.metadata, new_found.metadata);
        let mut scope = Vec::new();
        let mut unknown_topic = false;
        for topic in &self.topics {
            match old_meta.topic(topic) {
                Some(t) => scope.extend(t.partitions.iter().map(|p| TopicPartition::new(topic, p.id))),
                None => {
                    out.error(format!("topic '{topic}' does not exist on the old cluster"));
                    unknown_topic = true;
                }
            }
        }
        if unknown_topic {
            return Ok(aborted(out));
        }

        // 2. The groups described on both clusters, and their committed offsets on the old one.
        let wanted = |group: &String| {
            let wanted = if self.topics.is_empty() { Wanted::All } else { Wanted::Partitions(scope.clone()) };
            (group.clone(), wanted)
        };
        let (old_side, new_states) = both(
            || -> Result<_> {
                let mut describe = DescribeGroups::new(groups.iter().cloned());
                let mut committed = FetchCommitted::new(groups.iter().map(wanted), old_meta.partitions());
                old.drive("groups and committed offsets", &mut [&mut describe, &mut committed], old.timeout())?;
                Ok((describe.results(), committed.results()))
            },
            || -> Result<_> {
                let mut describe = DescribeGroups::new(groups.iter().cloned());
                new.drive("groups", &mut [&mut describe], new.timeout())?;
                Ok(describe.results())
            },
        );
        let (old_states, committed) = old_side.map_err(|e| e.on(OLD))?;
        let new_states = new_states.map_err(|e| e.on(NEW))?;

        // 3. The checks: members on either cluster, topics and partitions on the new one.
        let mut items: Vec<Item> = Vec::new();
        let mut fates: BTreeMap<Arc<str>, Fate> =
            failed_early.iter().map(|g| (Arc::from(g.as_str()), Fate::Failed)).collect();
        let (mut old_check, mut new_check) = (StateCheck::new(Some(OLD)), StateCheck::new(Some(NEW)));
        let mut missing: BTreeMap<Arc<str>, (String, BTreeSet<Arc<str>>)> = BTreeMap::new();
        for group in &groups {
            let name: Arc<str> = Arc::from(group.as_str());
            // Both clusters' states are checked (and reported), before anything else.
            let inactive_on_old = old_check.inactive(group, old_states.get(group), &mut out);
            let inactive_on_new = new_check.inactive(group, new_states.get(group), &mut out);
            let described = |states: &BTreeMap<String, std::result::Result<GroupState, String>>| {
                matches!(states.get(group), Some(Ok(_)))
            };
            if !(described(&old_states) && described(&new_states)) {
                fates.insert(Arc::clone(&name), Fate::Failed);
                continue;
            }
            let active_on = match (inactive_on_old, inactive_on_new) {
                (false, _) => Some(OLD),
                (true, false) => Some(NEW),
                (true, true) => None,
            };
            let offsets = match committed.get(group) {
                Some(Ok(offsets)) => offsets,
                Some(Err(e)) => {
                    out.error(format!("group '{group}' on the old cluster: {e}"));
                    fates.insert(name, Fate::Failed);
                    continue;
                }
                None => {
                    out.error(format!("group '{group}': its committed offsets on the old cluster were not read"));
                    fates.insert(name, Fate::Failed);
                    continue;
                }
            };
            let offsets: Vec<(&TopicPartition, i64)> = offsets
                .iter()
                .filter(|(tp, _)| old_meta.topic(&tp.topic).is_some_and(|t| !t.internal))
                .filter(|(tp, _)| self.topics.is_empty() || self.topics.iter().any(|t| **t == *tp.topic))
                .map(|(tp, &offset)| (tp, offset))
                .collect();
            if offsets.is_empty() {
                let topics = if self.topics.is_empty() { "" } else { " for the topics given" };
                if matches!(self.groups, GroupSelection::Named(_)) {
                    out.error(format!("group '{group}' has no committed offsets on the old cluster{topics}"));
                    fates.insert(name, Fate::Failed);
                } else {
                    out.note(format!("group '{group}' has no committed offsets on the old cluster{topics}: skipped"));
                    fates.insert(name, Fate::Nothing);
                }
                continue;
            }
            for (tp, committed) in offsets {
                let new_topic = self.new_name(&tp.topic);
                let old_count = old_meta.topic(&tp.topic).map_or(0, |t| t.partitions.len());
                match new_meta.topic(&new_topic) {
                    None => {
                        let entry = missing.entry(Arc::clone(&new_topic)).or_insert_with(|| {
                            (format!("topic '{new_topic}' does not exist on the new cluster"), BTreeSet::new())
                        });
                        entry.1.insert(Arc::clone(&name));
                    }
                    Some(t) if t.partitions.len() < old_count => {
                        let entry = missing.entry(Arc::clone(&new_topic)).or_insert_with(|| {
                            (
                                format!(
                                    "topic '{new_topic}' has {} partitions on the new cluster, fewer than the {old_count} \
                                     of '{}' on the old cluster",
                                    t.partitions.len(),
                                    tp.topic
                                ),
                                BTreeSet::new(),
                            )
                        });
                        entry.1.insert(Arc::clone(&name));
                    }
                    Some(_) => {}
                }
                let mut item = Item {
                    group: Arc::clone(&name),
                    old: tp.clone(),
                    new: TopicPartition { topic: Arc::clone(&new_topic), partition: tp.partition },
                    position: OldPosition { committed, log_start: 0, log_end: 0 },
                    lag: None,
                    new_bounds: (0, 0),
                    lag_note: None,
                    verdict: None,
                };
                if let Some(cluster) = active_on {
                    item.refuse(Refusal::GroupActive(cluster));
                }
                items.push(item);
            }
        }
        if !missing.is_empty() {
            for (problem, groups) in missing.values() {
                let which = if groups.len() == 1 { "group" } else { "groups" };
                let groups: Vec<String> = groups.iter().map(|g| format!("'{g}'")).collect();
                out.error(format!("{problem} (needed by {which} {})", groups.join(", ")));
            }
            return Ok(aborted(out));
        }

        // 4. Log start and end on both clusters, the offsets at the switch time on the new one, and the new
        //    cluster's committed offsets for the backup.
        let (old_leaders, new_leaders) = (old_meta.leaders(), new_meta.leaders());
        // The old cluster's offsets of every item (an active group's lag is shown too), the new one's of those
        // still planned.
        let distinct = |pick: fn(&Item) -> &TopicPartition, all: bool, leaders: &HashMap<TopicPartition, i32>| {
            let set: BTreeSet<&TopicPartition> = items.iter().filter(|i| all || i.pending()).map(pick).collect();
            set.into_iter().map(|tp| (tp.clone(), leaders.get(tp).copied().unwrap_or(-1))).collect::<Vec<_>>()
        };
        let old_partitions = distinct(|i| &i.old, true, &old_leaders);
        let new_partitions = distinct(|i| &i.new, false, &new_leaders);
        let switch_time = match self.strategy {
            Strategy::SwitchTime(ms) => Some(ms),
            _ => None,
        };
        let backup_wanted: Vec<(String, Wanted)> = if self.execute && self.backup.is_some() {
            let mut by_group: BTreeMap<String, Vec<TopicPartition>> = BTreeMap::new();
            for item in items.iter().filter(|i| i.pending()) {
                by_group.entry(item.group.to_string()).or_default().push(item.new.clone());
            }
            by_group.into_iter().map(|(g, tps)| (g, Wanted::Partitions(tps))).collect()
        } else {
            Vec::new()
        };
        let (old_offsets, new_side) = both(
            || -> Result<LogOffsets> {
                let mut lookups = LogOffsetLookups::new(&old, &old_partitions, None);
                let mut operations: Vec<&mut dyn Operation> = lookups.operations().collect();
                old.drive("log offsets", &mut operations, old.timeout())?;
                Ok(lookups.results())
            },
            || -> Result<(LogOffsets, CommittedOffsets)> {
                let mut lookups = LogOffsetLookups::new(&new, &new_partitions, switch_time);
                let mut before = FetchCommitted::new(backup_wanted, Vec::new());
                let mut operations: Vec<&mut dyn Operation> = lookups.operations().collect();
                operations.push(&mut before);
                new.drive("log offsets and committed offsets", &mut operations, new.timeout())?;
                Ok((lookups.results(), before.results()))
            },
        );
        let old_offsets = old_offsets.map_err(|e| e.on(OLD))?;
        let (new_offsets, new_committed) = new_side.map_err(|e| e.on(NEW))?;
        for item in items.iter_mut() {
            if let (false, Some((start, end))) = (item.pending(), old_offsets.bounds(&item.old)) {
                item.lag = Some(OldPosition { log_start: start, log_end: end, ..item.position }.lag());
                continue;
            }
            match old_offsets.bounds(&item.old) {
                Some((start, end)) => {
                    item.position.log_start = start;
                    item.position.log_end = end;
                    item.lag = Some(item.position.lag());
                }
                None => {
                    let why = old_offsets.failed.get(&item.old).map_or("no answer", String::as_str);
                    item.refuse(Refusal::Failed(format!("cannot get its offsets on the old cluster: {why}")));
                }
            }
            match new_offsets.bounds(&item.new) {
                Some(bounds) => item.new_bounds = bounds,
                None => {
                    let why = new_offsets.failed.get(&item.new).map_or("no answer", String::as_str);
                    item.refuse(Refusal::Failed(format!("cannot get its offsets on the new cluster: {why}")));
                }
            }
            if let Err(refusal) = translate::check_position(&item.position) {
                item.refuse(refusal);
            }
        }

        // 5. The records: on the old cluster the ones the checks and the search need, on the new one the records
        //    around the switch time.
        let old_reads: BTreeMap<ReadKey, (TopicPartition, i64, i64)> = items
            .iter()
            .filter(|i| i.pending())
            .filter_map(|i| {
                translate::old_read(self.strategy, &i.position)
                    .map(|(from, until)| ((i.old.clone(), from, until), (i.old.clone(), from, until)))
            })
            .collect();
        let new_switch_partitions: BTreeMap<TopicPartition, (i64, i64)> =
            items.iter().filter(|i| i.pending()).map(|i| (i.new.clone(), i.new_bounds)).collect();
        let (old_records, switch) = both(
            || read_ranges(&old, "records", &old_leaders, old_reads),
            || match switch_time {
                Some(time) => {
                    switch_offsets(&new, time, &new_switch_partitions, &new_offsets.at_time, &new_leaders).map(Some)
                }
                None => Ok(None),
            },
        );
        let old_records = old_records.map_err(|e| e.on(OLD))?;
        let switch = switch.map_err(|e| e.on(NEW))?;

        // 6. Each partition's verdict.
        let mut anchors: BTreeMap<AnchorKey, (TopicPartition, Anchor)> = BTreeMap::new();
        let mut anchored: Vec<Option<AnchorKey>> = vec![None; items.len()];
        for (index, item) in items.iter_mut().enumerate().filter(|(_, i)| i.pending()) {
            let read =
                translate::old_read(self.strategy, &item.position).map(|(from, until)| (item.old.clone(), from, until));
            let records = match read.as_ref().map(|key| old_records.get(key)) {
                None => Vec::new(),
                Some(Some(Ok(records))) => records.clone(),
                Some(Some(Err(e))) => {
                    item.refuse(Refusal::Failed(format!("cannot read its records on the old cluster: {e}")));
                    continue;
                }
                Some(None) => {
                    item.refuse(Refusal::Failed("its records on the old cluster were not read".into()));
                    continue;
                }
            };
            match translate::check_old(self.strategy, &item.position, &records, self.allow_lag) {
                Ok(note) => item.lag_note = note,
                Err(refusal) => {
                    item.refuse(refusal);
                    continue;
                }
            }
            let (new_start, new_end) = item.new_bounds;
            match self.strategy {
                Strategy::Earliest => item.verdict = Some(Ok((new_start, Found::Earliest))),
                Strategy::SwitchTime(_) => {
                    item.verdict = switch.as_ref().and_then(|s| s.get(&item.new)).cloned();
                    item.refuse(Refusal::Failed("the switch time was not looked up on the new cluster".into()));
                }
                Strategy::ByRecord if item.position.log_start >= item.position.log_end => {
                    item.verdict = Some(if new_start >= new_end {
                        Ok((new_start, Found::EmptyOnBoth))
                    } else {
                        Err(Refusal::NothingToFind)
                    });
                }
                Strategy::ByRecord => match translate::anchor(&item.position, records, new_start) {
                    Ok(anchor) => {
                        let key = (item.old.clone(), anchor.record.offset, anchor.after);
                        anchors.entry(key.clone()).or_insert_with(|| (item.new.clone(), anchor));
                        anchored[index] = Some(key);
                    }
                    Err(refusal) => item.refuse(refusal),
                },
            }
        }
        if !anchors.is_empty() {
            let bounds: HashMap<TopicPartition, (i64, i64)> =
                items.iter().map(|i| (i.new.clone(), i.new_bounds)).collect();
            let copies =
                find_copies(&new, &anchors, &bounds, &new_leaders, self.search_window).map_err(|e| e.on(NEW))?;
            for (item, key) in items.iter_mut().zip(&anchored) {
                if let Some(key) = key {
                    item.verdict = copies.get(key).cloned();
                    item.refuse(Refusal::Failed("the record was not looked for on the new cluster".into()));
                }
            }
        }

        // 7. The plan: a group with a refused partition is held back whole.
        let mut plans: BTreeMap<String, Vec<NewOffset>> = BTreeMap::new();
        let mut held: BTreeSet<Arc<str>> = BTreeSet::new();
        for item in &items {
            match &item.verdict {
                Some(Ok((offset, _))) => {
                    if let Some(LagNote(note)) = &item.lag_note {
                        out.warn(format!("group '{}', {}: {note}", item.group, item.old));
                    }
                    plans
                        .entry(item.group.to_string())
                        .or_default()
                        .push(NewOffset { partition: item.new.clone(), offset: *offset });
                }
                Some(Err(refusal)) => {
                    if !matches!(refusal, Refusal::GroupActive(_)) {
                        out.error(format!("group '{}', {}: {refusal}", item.group, item.old));
                    }
                    held.insert(Arc::clone(&item.group));
                }
                None => unreachable!("every item has a verdict"),
            }
        }
        for group in &held {
            plans.remove(&**group);
            fates.insert(Arc::clone(group), Fate::Refused);
        }
        for plan in plans.values_mut() {
            plan.sort();
        }

        // 8. The commits on the new cluster.
        let mut active_on_commit = BTreeSet::new();
        let done: BTreeMap<String, BTreeMap<TopicPartition, i64>> = if self.execute && !plans.is_empty() {
            let before: BTreeMap<String, Committed> =
                new_committed.into_iter().filter_map(|(g, c)| c.ok().map(|c| (g, c))).collect();
            let check = "reset-offsets --bootstrap-server <new cluster> --to-current --dry-run";
            let committing = commit_plans(&new, check, plans.clone(), &before, self.backup.as_ref(), &mut out)?;
            if committing.aborted {
                return Ok(stopped(out));
            }
            active_on_commit = committing.active;
            committing
                .groups
                .into_iter()
                .map(|g| (g.group.to_string(), g.offsets.into_iter().map(|o| (o.partition, o.offset)).collect()))
                .collect()
        } else {
            BTreeMap::new()
        };

        // 9. The rows and the summary.
        let mut rows = Vec::with_capacity(items.len());
        for mut item in items {
            if active_on_commit.contains(&*item.group) {
                item.verdict = Some(Err(Refusal::GroupActive(NEW)));
                held.insert(Arc::clone(&item.group));
                fates.insert(Arc::clone(&item.group), Fate::Refused);
            }
            let (new_offset, how) = match &item.verdict {
                Some(Ok((offset, found))) => (Some(*offset), found.to_string()),
                Some(Err(refusal)) => (None, refusal.to_string()),
                None => (None, String::new()),
            };
            let status = match (&item.verdict, held.contains(&item.group)) {
                (Some(Err(_)), _) => RowStatus::Refused,
                (_, true) => RowStatus::Held,
                _ if !self.execute => RowStatus::Planned,
                _ if done.get(&*item.group).and_then(|g| g.get(&item.new)) == new_offset.as_ref() => {
                    RowStatus::Committed
                }
                _ => RowStatus::Failed,
            };
            let old_topic = (item.old.topic != item.new.topic).then(|| Arc::clone(&item.old.topic));
            let fate = fates.entry(Arc::clone(&item.group)).or_insert(Fate::Migrated);
            if status == RowStatus::Failed && *fate == Fate::Migrated {
                *fate = Fate::Failed;
            }
            rows.push(MigrationRow {
                group: item.group,
                partition: item.new,
                old_topic,
                old_offset: item.position.committed,
                lag: item.lag,
                new_offset,
                status,
                how,
            });
        }
        rows.sort_by(|a, b| (&a.group, &a.partition).cmp(&(&b.group, &b.partition)));
        let offsets = if self.execute {
            done.into_iter()
                .map(|(group, offsets)| {
                    let offsets =
                        offsets.into_iter().map(|(partition, offset)| NewOffset { partition, offset }).collect();
                    GroupOffsets::new(&group, offsets)
                })
                .collect()
        } else {
            plans.into_iter().map(|(group, offsets)| GroupOffsets::new(&group, offsets)).collect()
        };
        let mut summary = Summary { executed: self.execute, ..Summary::default() };
        for fate in fates.values() {
            match fate {
                Fate::Migrated => summary.migrated += 1,
                Fate::Refused => summary.refused += 1,
                Fate::Failed => summary.failed += 1,
                Fate::Nothing => summary.nothing += 1,
            }
        }
        Ok(MigrateReport { rows, offsets, summary: Some(summary), status: out.status(), messages: out.messages })
    }
}

/// How a group ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Migrated,
    Refused,
    Failed,
    Nothing,
}

/// Validation failed: nothing is committed, no row is printed.
fn aborted(mut out: Outcome) -> MigrateReport {
    out.abort();
    stopped(out)
}

/// The run stopped before any commit, the outcome says why.
fn stopped(out: Outcome) -> MigrateReport {
    MigrateReport { rows: Vec::new(), offsets: Vec::new(), summary: None, status: out.status(), messages: out.messages }
}
