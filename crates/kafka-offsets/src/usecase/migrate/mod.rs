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

mod drain;
mod earliest;
mod positions;
mod switch;
mod verdicts;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use crate::client::groups::{Committed, DescribeGroups, FetchCommitted, GroupState, GroupType, Wanted};
use crate::client::metadata::ClusterMetadata;
use crate::client::session::{Operation, Session};
use crate::error::{ExitStatus, Result};
use crate::formats::migration::{MigrationRow, RowStatus};
use crate::formats::output::{GroupOffsets, NewOffset};
use crate::formats::select::TopicPattern;
use crate::formats::settings::ClientSettings;
use crate::usecase::clusters::{self, both, NEW, OLD};
use crate::usecase::commit::{commit_plans, Backup, Outcome};
use crate::usecase::discover::{discover, GroupSelection, StateCheck};
use crate::usecase::log_offsets::{LogOffsetLookups, LogOffsets};
use crate::usecase::translate::{self, LagNote, OldPosition, Refusal, Strategy, Verdict};

use crate::TopicPartition;
pub use drain::{WaitProgress, Waiting};

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
    /// `--exclude-group`: groups left out (whole-name patterns).
    pub exclude_groups: Vec<TopicPattern>,
    /// A topic unfit on the new cluster refuses the groups that need it, not the whole run.
    pub allow_partial: bool,
    /// By record: how many records either side of the expected place are compared when the timestamp does not find
    /// the copy.
    pub search_window: i64,
    pub execute: bool,
    pub backup: Option<Backup>,
    /// `--positions`: offsets kept by an application (the next record to read, per partition of the old cluster),
    /// translated instead of groups' committed offsets; nothing is read from or committed to any group.
    pub positions: Option<Vec<(TopicPartition, i64)>>,
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

impl MigrateRequest {
    /// Runs the migration (or its dry run).
    pub fn run(self) -> Result<MigrateReport> {
        let (old, new) = clusters::connect(&self.from, &self.to)?;
        let mut run =
            Migration { request: &self, old, new, out: Outcome::default(), items: Vec::new(), fates: BTreeMap::new() };
        let clusters = match &self.positions {
            Some(rows) => run.positions(rows)?,
            None => run.groups()?,
        };
        let Some(clusters) = clusters else { return Ok(aborted(run.out)) };
        if self.positions.is_none() && !run.items(&clusters)? {
            return Ok(aborted(run.out));
        }
        let (new_offsets, new_committed) = run.log_offsets(&clusters)?;
        run.verdicts(&clusters, &new_offsets)?;
        let plans = run.plans();
        if !self.execute {
            let offsets = plans.iter().map(|(group, offsets)| GroupOffsets::new(group, offsets.clone())).collect();
            return Ok(run.report(offsets, BTreeMap::new()));
        }
        let mut plans = plans;
        let mut before: BTreeMap<String, Committed> = BTreeMap::new();
        let mut new_committed = new_committed;
        if self.backup.is_some() {
            // The backup must hold every planned group's offsets on the new cluster: a group whose offsets could not
            // be read is not committed (a backup that says "had none" for it would delete its offsets when restored).
            plans.retain(|group, _| match new_committed.remove(group) {
                Some(Ok(committed)) => {
                    before.insert(group.clone(), committed);
                    true
                }
                failed => {
                    let why = failed.and_then(|f| f.err()).unwrap_or_else(|| "no answer".to_string());
                    run.out.error(format!(
                        "group '{group}': its committed offsets on the new cluster could not be read for --backup \
                         ({why}): not committed, so that the backup undoes every change"
                    ));
                    false
                }
            });
        }
        let check = "reset-offsets --bootstrap-server <new cluster> --to-current --dry-run";
        let none = BTreeMap::new();
        let committing =
            commit_plans(&run.new, check, plans, &BTreeSet::new(), &none, &before, self.backup.as_ref(), &mut run.out)?;
        if committing.aborted {
            return Ok(stopped(run.out));
        }
        for item in run.items.iter_mut().filter(|i| committing.active.contains(&*i.group)) {
            item.verdict = Some(Err(Refusal::GroupActive(NEW)));
        }
        let done = committing
            .groups
            .iter()
            .map(|g| (g.group.to_string(), g.offsets.iter().map(|o| (o.partition.clone(), o.offset)).collect()))
            .collect();
        Ok(run.report(committing.groups, done))
    }

    fn new_name(&self, old: &str) -> Arc<str> {
        Arc::from(format!("{}{old}", self.topic_prefix))
    }
}

/// What the first phase found on both clusters.
#[derive(Debug)]
struct Clusters {
    old: ClusterMetadata,
    new: ClusterMetadata,
    /// The groups found on both (their coordinators known), sorted.
    groups: Vec<String>,
}

/// A migration under way: both sessions, the messages, and every (group, partition) as it is worked out.
struct Migration<'r> {
    request: &'r MigrateRequest,
    old: Session,
    new: Session,
    out: Outcome,
    items: Vec<Item>,
    /// Groups that ended before their partitions were planned (and, at the end, every group).
    fates: BTreeMap<Arc<str>, Fate>,
}

impl Migration<'_> {
    /// Phase 1: metadata and groups on both clusters; None when a `--topic` is not on the old cluster.
    fn groups(&mut self) -> Result<Option<Clusters>> {
        let request = self.request;
        let named_on_new = match &request.groups {
            GroupSelection::Named(groups) => GroupSelection::Named(groups.clone()),
            GroupSelection::All | GroupSelection::AllOfType(_) => GroupSelection::Named(Vec::new()),
        };
        let (old, new) = (&self.old, &self.new);
        let (old_found, new_found) = both(
            || {
                let mut said = Outcome::default();
                discover(old, &request.groups, Some(OLD), &mut said).map(|found| (found, said))
            },
            || {
                let mut said = Outcome::default();
                discover(new, &named_on_new, Some(NEW), &mut said).map(|found| (found, said))
            },
        );
        let (old_found, said) = old_found.map_err(|e| e.on(OLD))?;
        self.out.merge(said);
        let (new_found, said) = new_found.map_err(|e| e.on(NEW))?;
        self.out.merge(said);
        let found_on_new = |g: &String| match &request.groups {
            GroupSelection::Named(_) => new_found.groups.contains(g),
            GroupSelection::All | GroupSelection::AllOfType(_) => true,
        };
        let excluded = |g: &String| request.exclude_groups.iter().any(|p| p.matches(g));
        let groups: Vec<String> =
            old_found.groups.iter().filter(|g| found_on_new(g) && !excluded(g)).cloned().collect();
        if let GroupSelection::Named(named) = &request.groups {
            // A group whose coordinator was not found on either cluster (said above) failed.
            for group in named.iter().filter(|g| !groups.contains(g)) {
                self.fates.insert(Arc::from(group.as_str()), Fate::Failed);
            }
        } else if groups.is_empty() {
            self.out.note("the old cluster lists no consumer groups");
        }
        let mut unknown_topic = false;
        for topic in request.topics.iter().filter(|t| old_found.metadata.topic(t).is_none()) {
            self.out.error(format!("topic '{topic}' does not exist on the old cluster"));
            unknown_topic = true;
        }
        Ok((!unknown_topic).then_some(Clusters { old: old_found.metadata, new: new_found.metadata, groups }))
    }

    /// Phases 2 and 3: the groups described on both clusters and their committed offsets on the old one, then the checks:
    /// members on either cluster (the group's partitions refused), topics and partitions on the new one (false:
    /// nothing may be committed).
    fn items(&mut self, clusters: &Clusters) -> Result<bool> {
        let request = self.request;
        let groups = &clusters.groups;
        let scope: Vec<TopicPartition> = request
            .topics
            .iter()
            .filter_map(|t| clusters.old.topic(t))
            .flat_map(|t| t.partitions.iter().map(move |p| TopicPartition::new(&t.name, p.id)))
            .collect();
        let wanted = |group: &String| {
            let wanted = if request.topics.is_empty() { Wanted::All } else { Wanted::Partitions(scope.clone()) };
            (group.clone(), wanted)
        };
        let (old, new) = (&self.old, &self.new);
        let (old_side, new_states) = both(
            || -> Result<_> {
                let mut describe = DescribeGroups::new(groups.iter().cloned());
                let mut committed = FetchCommitted::new(groups.iter().map(wanted), clusters.old.partitions());
                // With --topic, every committed offset too, to name the topics it leaves out (best effort).
                let everything = groups.iter().filter(|_| !request.topics.is_empty()).map(|g| (g.clone(), Wanted::All));
                let mut all = FetchCommitted::new(everything, clusters.old.partitions());
                let operations: &mut [&mut dyn Operation] = &mut [&mut describe, &mut committed, &mut all];
                old.drive("groups and committed offsets", operations, old.timeout())?;
                let (states, types) = describe.results_and_types();
                Ok((states, types, committed.results(), all.results()))
            },
            || -> Result<_> {
                let mut describe = DescribeGroups::new(groups.iter().cloned());
                new.drive("groups", &mut [&mut describe], new.timeout())?;
                Ok(describe.results())
            },
        );
        let (old_states, old_types, committed, all_committed) = old_side.map_err(|e| e.on(OLD))?;
        let new_states = new_states.map_err(|e| e.on(NEW))?;

        let (mut old_check, mut new_check) = (StateCheck::new(Some(OLD)), StateCheck::new(Some(NEW)));
        // New topic -> what is wrong with it, and the groups that need it.
        let mut unfit: BTreeMap<Arc<str>, (String, BTreeSet<Arc<str>>)> = BTreeMap::new();
        for group in groups {
            let name: Arc<str> = Arc::from(group.as_str());
            // Share and streams groups (Kafka 4.2+) are never planned as consumer groups.
            if let Some(kind) = old_types.get(group) {
                self.out.error(format!(
                    "group '{group}' is a {} group on the old cluster: {}",
                    kind.name(),
                    match kind {
                        GroupType::Share =>
                            "migrate-groups moves consumer groups; set its start offsets on the new \
                         cluster with reset-offsets (kafka-share-groups.sh --reset-offsets) once its topics are there",
                        GroupType::Streams { .. } =>
                            "migrate-groups moves consumer groups; a streams application's \
                         internal topics are its own: reset its input topics on the new cluster with reset-offsets \
                         (kafka-streams-groups.sh --reset-offsets) after the application has created them",
                    }
                ));
                self.fates.insert(name, Fate::Failed);
                continue;
            }
            // Both clusters' states are checked (and reported), before anything else.
            let inactive_on_old = old_check.inactive(group, old_states.get(group), &mut self.out);
            let inactive_on_new = new_check.inactive(group, new_states.get(group), &mut self.out);
            let described = |states: &BTreeMap<String, std::result::Result<GroupState, String>>| {
                matches!(states.get(group), Some(Ok(_)))
            };
            if !(described(&old_states) && described(&new_states)) {
                self.fates.insert(name, Fate::Failed);
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
                    self.out.error(format!("group '{group}' on the old cluster: {e}"));
                    self.fates.insert(name, Fate::Failed);
                    continue;
                }
                None => {
                    self.out.error(format!("group '{group}': its committed offsets on the old cluster were not read"));
                    self.fates.insert(name, Fate::Failed);
                    continue;
                }
            };
            let offsets: Vec<(&TopicPartition, i64)> = offsets
                .iter()
                .filter(|(tp, _)| clusters.old.topic(&tp.topic).is_some_and(|t| !t.internal))
                .map(|(tp, &offset)| (tp, offset))
                .collect();
            let left_out: BTreeSet<&str> = match all_committed.get(group) {
                Some(Ok(all)) => all
                    .keys()
                    .map(|tp| &*tp.topic)
                    .filter(|t| clusters.old.topic(t).is_some_and(|t| !t.internal))
                    .filter(|t| !request.topics.iter().any(|named| named == t))
                    .collect(),
                _ => BTreeSet::new(),
            };
            if !left_out.is_empty() {
                let names: Vec<String> = left_out.iter().map(|t| format!("'{t}'")).collect();
                self.out.note(format!(
                    "group '{group}' has committed offsets on the old cluster for {} too, which --topic leaves out: \
                     not migrated",
                    names.join(", ")
                ));
            }
            // The partitions of its topics it never committed: its consumers start there by auto.offset.reset.
            let committed_topics: BTreeSet<&str> = offsets.iter().map(|(tp, _)| &*tp.topic).collect();
            let bare: Vec<String> = committed_topics
                .iter()
                .filter_map(|t| clusters.old.topic(t))
                .flat_map(|t| t.partitions.iter().map(move |p| TopicPartition::new(&t.name, p.id)))
                .filter(|tp| !offsets.iter().any(|(c, _)| **c == *tp))
                .map(|tp| tp.to_string())
                .collect();
            if !bare.is_empty() {
                self.out.warn(format!(
                    "group '{group}' has no committed offset on the old cluster for {}: on the new cluster its \
                     consumers will start there by their auto.offset.reset",
                    bare.join(", ")
                ));
            }
            if offsets.is_empty() {
                let topics = if request.topics.is_empty() { "" } else { " for the topics given" };
                if matches!(request.groups, GroupSelection::Named(_)) {
                    self.out.error(format!("group '{group}' has no committed offsets on the old cluster{topics}"));
                    self.fates.insert(name, Fate::Failed);
                } else {
                    self.out
                        .note(format!("group '{group}' has no committed offsets on the old cluster{topics}: skipped"));
                    self.fates.insert(name, Fate::Nothing);
                }
                continue;
            }
            for (tp, committed) in offsets {
                let new_topic = request.new_name(&tp.topic);
                if let Some(problem) = unfit_topic(&clusters.old, &clusters.new, &tp.topic, &new_topic) {
                    unfit
                        .entry(Arc::clone(&new_topic))
                        .or_insert((problem, BTreeSet::new()))
                        .1
                        .insert(Arc::clone(&name));
                }
                let mut item = Item {
                    group: Arc::clone(&name),
                    old: tp.clone(),
                    new: TopicPartition { topic: new_topic, partition: tp.partition },
                    position: OldPosition { committed, log_start: 0, log_end: 0 },
                    lag: None,
                    new_bounds: (0, 0),
                    lag_note: None,
                    verdict: None,
                };
                if let Some(cluster) = active_on {
                    item.refuse(Refusal::GroupActive(cluster));
                }
                self.items.push(item);
            }
        }
        for (problem, groups) in unfit.values() {
            let which = if groups.len() == 1 { "group" } else { "groups" };
            let names: Vec<String> = groups.iter().map(|g| format!("'{g}'")).collect();
            self.out.error(format!("{problem} (needed by {which} {})", names.join(", ")));
        }
        if request.allow_partial {
            // Only the groups that need an unfit topic are refused; the others go on.
            for item in &mut self.items {
                if let Some((problem, _)) = unfit.get(&item.new.topic) {
                    item.refuse(Refusal::Failed(problem.clone()));
                }
            }
            return Ok(true);
        }
        Ok(unfit.is_empty())
    }

    /// Phase 4: log start and end on both clusters (the old cluster's for every item: an active group's lag is shown
    /// too), the offsets at the switch time on the new one, and the new cluster's committed offsets for the backup.
    fn log_offsets(&mut self, clusters: &Clusters) -> Result<(LogOffsets, CommittedOffsets)> {
        let request = self.request;
        let distinct = |pick: fn(&Item) -> &TopicPartition, all: bool, metadata: &ClusterMetadata| {
            let leaders = metadata.leaders();
            let set: BTreeSet<&TopicPartition> = self.items.iter().filter(|i| all || i.pending()).map(pick).collect();
            set.into_iter().map(|tp| (tp.clone(), leaders.get(tp).copied().unwrap_or(-1))).collect::<Vec<_>>()
        };
        let old_partitions = distinct(|i| &i.old, true, &clusters.old);
        let new_partitions = distinct(|i| &i.new, false, &clusters.new);
        let backup_wanted: Vec<(String, Wanted)> = if request.execute && request.backup.is_some() {
            let mut by_group: BTreeMap<String, Vec<TopicPartition>> = BTreeMap::new();
            for item in self.items.iter().filter(|i| i.pending()) {
                by_group.entry(item.group.to_string()).or_default().push(item.new.clone());
            }
            by_group.into_iter().map(|(g, tps)| (g, Wanted::Partitions(tps))).collect()
        } else {
            Vec::new()
        };
        let (old, new) = (&self.old, &self.new);
        let (old_offsets, new_side) = both(
            || -> Result<LogOffsets> {
                let mut lookups = LogOffsetLookups::new(old, &old_partitions, None);
                let mut operations: Vec<&mut dyn Operation> = lookups.operations().collect();
                old.drive("log offsets", &mut operations, old.timeout())?;
                Ok(lookups.results())
            },
            || -> Result<(LogOffsets, CommittedOffsets)> {
                let mut lookups = LogOffsetLookups::new(new, &new_partitions, request.strategy.switch_time());
                let mut before = FetchCommitted::new(backup_wanted, Vec::new());
                let mut operations: Vec<&mut dyn Operation> = lookups.operations().collect();
                operations.push(&mut before);
                new.drive("log offsets and committed offsets", &mut operations, new.timeout())?;
                Ok((lookups.results(), before.results()))
            },
        );
        let old_offsets = old_offsets.map_err(|e| e.on(OLD))?;
        let (new_offsets, new_committed) = new_side.map_err(|e| e.on(NEW))?;
        for item in self.items.iter_mut() {
            let old_bounds = old_offsets.bounds(&item.old);
            if let Some((start, end)) = old_bounds {
                item.position.log_start = start;
                item.position.log_end = end;
                item.lag = Some(item.position.lag());
            }
            if !item.pending() {
                continue;
            }
            if old_bounds.is_none() {
                let why = old_offsets.failed.get(&item.old).map_or("no answer", String::as_str);
                item.refuse(Refusal::Failed(format!("cannot get its offsets on the old cluster: {why}")));
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
        Ok((new_offsets, new_committed))
    }

    /// Phase 7: the plans of the groups whose partitions were all found (a refused partition holds its group back); the
    /// lag warnings and the refusals said.
    fn plans(&mut self) -> BTreeMap<String, Vec<NewOffset>> {
        let mut plans: BTreeMap<String, Vec<NewOffset>> = BTreeMap::new();
        let mut held: BTreeSet<Arc<str>> = BTreeSet::new();
        for item in &self.items {
            match &item.verdict {
                Some(Ok((offset, _))) => {
                    if let Some(LagNote(note)) = &item.lag_note {
                        match self.request.positions {
                            Some(_) => self.out.warn(format!("{}: {note}", item.old)),
                            None => self.out.warn(format!("group '{}', {}: {note}", item.group, item.old)),
                        }
                    }
                    let offset = NewOffset { partition: item.new.clone(), offset: *offset };
                    plans.entry(item.group.to_string()).or_default().push(offset);
                }
                Some(Err(refusal)) => {
                    if self.request.positions.is_some() {
                        let at = item.position.committed;
                        self.out.error(format!("{} (position {at}) cannot be translated: {refusal}", item.old));
                    } else if !matches!(refusal, Refusal::GroupActive(_)) {
                        self.out.error(format!("group '{}', {}: {refusal}", item.group, item.old));
                    }
                    held.insert(Arc::clone(&item.group));
                }
                None => unreachable!("every item has a verdict"),
            }
        }
        for group in &held {
            plans.remove(&**group);
        }
        for plan in plans.values_mut() {
            plan.sort();
        }
        plans
    }

    /// Phase 9: the rows, each group's fate, and the report. `done`: each committed group's offsets as read back (empty
    /// for a dry run).
    fn report(
        mut self,
        offsets: Vec<GroupOffsets>,
        done: BTreeMap<String, BTreeMap<TopicPartition, i64>>,
    ) -> MigrateReport {
        let execute = self.request.execute;
        let held: BTreeSet<Arc<str>> =
            self.items.iter().filter(|i| matches!(i.verdict, Some(Err(_)))).map(|i| Arc::clone(&i.group)).collect();
        let mut rows = Vec::with_capacity(self.items.len());
        for item in self.items {
            let (new_offset, how) = match &item.verdict {
                Some(Ok((offset, found))) => (Some(*offset), found.to_string()),
                Some(Err(refusal)) => (None, refusal.to_string()),
                None => (None, String::new()),
            };
            let status = match (&item.verdict, held.contains(&item.group)) {
                (Some(Err(_)), _) => RowStatus::Refused,
                (_, true) => RowStatus::Held,
                _ if !execute => RowStatus::Planned,
                _ if done.get(&*item.group).and_then(|g| g.get(&item.new)) == new_offset.as_ref() => {
                    RowStatus::Committed
                }
                _ => RowStatus::Failed,
            };
            let fate = match status {
                RowStatus::Refused | RowStatus::Held => Fate::Refused,
                RowStatus::Failed => Fate::Failed,
                RowStatus::Planned | RowStatus::Committed => Fate::Migrated,
            };
            // A group's worst row decides its fate.
            let entry = self.fates.entry(Arc::clone(&item.group)).or_insert(fate);
            *entry = (*entry).max(fate);
            let old_topic = (item.old.topic != item.new.topic).then(|| Arc::clone(&item.old.topic));
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
        let mut summary = Summary { executed: execute, ..Summary::default() };
        for fate in self.fates.values() {
            match fate {
                Fate::Migrated => summary.migrated += 1,
                Fate::Refused => summary.refused += 1,
                Fate::Failed => summary.failed += 1,
                Fate::Nothing => summary.nothing += 1,
            }
        }
        let out = self.out;
        MigrateReport { rows, offsets, summary: Some(summary), status: out.status(), messages: out.messages }
    }
}

/// What keeps a topic's partitions from being committed on the new cluster: missing there, or with fewer partitions
/// than on the old one.
fn unfit_topic(old: &ClusterMetadata, new: &ClusterMetadata, old_topic: &str, new_topic: &str) -> Option<String> {
    let old_count = old.topic(old_topic).map_or(0, |t| t.partitions.len());
    match new.topic(new_topic) {
        None => Some(format!("topic '{new_topic}' does not exist on the new cluster")),
        Some(t) if t.partitions.len() < old_count => Some(format!(
            "topic '{new_topic}' has {} partitions on the new cluster, fewer than the {old_count} of '{old_topic}' on \
             the old cluster",
            t.partitions.len()
        )),
        Some(_) => None,
    }
}

/// How a group ended, in order of precedence (a group's worst partition decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fate {
    Nothing,
    Migrated,
    Refused,
    Failed,
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
