//! The reset pipeline, for any number of groups on one cluster session:
//! 1. metadata, and the named groups' coordinators, in one round trip (`--all-groups` lists them first);
//! 2. every group described and its committed offsets read (batched per coordinator), and the log start, log end
//!    and time lookups of every partition in scope (one request per leader and kind), all in one round;
//! 3. every partition of every group planned; any invalid input stops the run before anything is committed;
//! 4. with `execute`: the backup, one commit per group (pipelined per coordinator, all coordinators at once), then
//!    every group's committed offsets read back and compared.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::client::groups::{
    can_delete_offsets, Committed, DeleteOffsets, DescribeGroups, FetchCommitted, GroupState, PartitionCommit, Wanted,
};
use crate::client::metadata::ClusterMetadata;
use crate::client::session::{Operation, Session};
use crate::error::{Error, ExitStatus, Result};
use crate::formats::offset_file::{OffsetFile, OffsetFileRow, NO_OFFSET};
use crate::formats::output::{GroupOffsets, NewOffset};
use crate::formats::select::TopicArg;
use crate::formats::settings::ClientSettings;
pub use crate::usecase::commit::Backup;
use crate::usecase::commit::{commit_plans, Outcome};
pub use crate::usecase::discover::GroupSelection;
use crate::usecase::discover::{discover, Discovered, StateCheck};
use crate::usecase::log_offsets::{LogOffsetLookups, LogOffsets};
use crate::usecase::plan::{self, PartitionFacts, Scenario};
use crate::usecase::typed::{self, GroupKind};
use crate::TopicPartition;

/// Which partitions of each group.
#[derive(Debug, Clone)]
pub enum PartitionScope {
    /// `--topic t` / `--topic t:0,1`.
    Topics(Vec<TopicArg>),
    /// `--all-topics`: the partitions the group has committed offsets for.
    AllTopics,
    /// `--from-file`: the partitions (and offsets) of the file's rows for the group.
    File(OffsetFile),
}

#[derive(Debug, Clone)]
pub struct ResetRequest {
    pub settings: ClientSettings,
    pub groups: GroupSelection,
    pub scope: PartitionScope,
    pub scenario: Scenario,
    pub execute: bool,
    /// `--allow-partial`: commit a group's partitions whose offsets were found even when others' were not (by
    /// default a group is committed whole or not at all).
    pub allow_partial: bool,
    /// `--backup FILE`: the groups' committed offsets before the change, written before the first commit in the
    /// `--from-file` format (4 columns when `with_group`), so that `--from-file FILE --execute` undoes the reset.
    pub backup: Option<Backup>,
    /// Keep what a detailed report (JSON) shows: each group's committed offsets before the reset and, after
    /// `execute`, the plan beside what was read back.
    pub details: bool,
    /// `--group-type`: only groups of this type (a group the cluster does not know is taken as one).
    pub group_type: Option<GroupKind>,
}

/// What happened. The binary prints `groups` (the plan, or after `execute` what was committed and read back),
/// `messages` on stderr in order, and exits with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetReport {
    /// Sorted by group; each group's offsets sorted by partition.
    pub groups: Vec<GroupOffsets>,
    /// Whether any group was planned or refused for its members (a table is printed, its header alone for a group
    /// without partitions, as Kafka does; a run that failed before planning prints none).
    pub any_group: bool,
    /// The groups refused for their members (their ids widen the table's GROUP column, as in Kafka's).
    pub refused: Vec<String>,
    /// With `details` and `execute`: the plan (`groups` then holds what was read back as planned).
    pub planned: Vec<GroupOffsets>,
    /// With `details`: each group's committed offsets before the reset.
    pub previous: BTreeMap<String, Committed>,
    /// `Warn:` and `Error:` lines for stderr.
    pub messages: Vec<String>,
    pub status: ExitStatus,
}

/// One group's partitions, with the offsets `--from-file` asks for; sorted by partition.
type Scope = Vec<(TopicPartition, Option<i64>)>;

/// `--from-file` looked up once for all groups: its rows by group, and each topic's partitions.
#[derive(Default)]
struct FileRows<'a> {
    rows: HashMap<u32, Vec<&'a OffsetFileRow>>,
    partitions_of: HashMap<String, HashSet<i32>>,
}

/// What the commits of `--execute` need besides the plans: the share groups (committed with their own API), the
/// deletions, the committed offsets before (for the backup), the groups refused for their members.
struct Execution {
    share: BTreeSet<String>,
    deletes: BTreeMap<String, Vec<TopicPartition>>,
    committed: BTreeMap<String, Committed>,
    refused: Vec<String>,
}

impl ResetRequest {
    /// The partitions of one group, validated against the metadata; the errors name what is wrong. `file_rows`:
    /// the `--from-file` rows by group.
    fn scope(
        &self,
        group: &str,
        metadata: &ClusterMetadata,
        file_rows: &FileRows<'_>,
    ) -> std::result::Result<Scope, Vec<String>> {
        let mut scope: Scope = Vec::new();
        let mut errors = Vec::new();
        match &self.scope {
            PartitionScope::Topics(args) => {
                // Kafka 4.2+ refuses these before planning, in one sentence each: so do we, in its words.
                let (mut missing, mut leaderless) = (Vec::new(), Vec::new());
                for arg in args {
                    let Some(topic) = metadata.topic(&arg.topic) else {
                        // Kafka's --reset-offsets takes names, its GetOffsetShell regexes: say so when it looks like one.
                        let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
                        let hint = if arg.topic.chars().all(legal) {
                            ""
                        } else {
                            " (--topic takes a topic name; get-offset's --topic is a regex)"
                        };
                        errors.push(format!("topic '{}' does not exist{hint}", arg.topic));
                        continue;
                    };
                    let name: Arc<str> = Arc::from(topic.name.as_str());
                    let ids: Vec<i32> = if arg.partitions.is_empty() {
                        topic.partitions.iter().map(|p| p.id).collect()
                    } else {
                        arg.partitions.clone()
                    };
                    for id in ids {
                        match topic.partitions.iter().find(|p| p.id == id) {
                            Some(p) if p.leader < 0 => leaderless.push(format!("{name}-{id}")),
                            Some(_) => scope.push((TopicPartition { topic: Arc::clone(&name), partition: id }, None)),
                            None => missing.push(format!("{name}-{id}")),
                        }
                    }
                }
                if !missing.is_empty() {
                    errors.push(format!("The partitions \"{}\" do not exist", missing.join(",")));
                }
                if !leaderless.is_empty() {
                    errors.push(format!("The partitions \"{}\" have no leader", leaderless.join(",")));
                }
            }
            PartitionScope::AllTopics => {}
            PartitionScope::File(file) => {
                for row in file.rows_of(&file_rows.rows, group) {
                    let topic = file.names.get(row.topic);
                    match file_rows.partitions_of.get(&**topic).map(|ids| ids.contains(&row.partition)) {
                        None => errors.push(format!("--from-file line {}: topic '{topic}' does not exist", row.line)),
                        Some(false) => errors.push(format!(
                            "--from-file line {}: partition {} of topic '{topic}' does not exist",
                            row.line, row.partition
                        )),
                        Some(true) => scope.push((file.topic_partition(row), Some(row.offset))),
                    }
                }
                if scope.is_empty() && errors.is_empty() {
                    errors.push(format!("No reset plan for group {group} found"));
                }
            }
        }
        // Rows are in file order: a later row for the same partition wins.
        scope.reverse();
        scope.sort_by(|a, b| a.0.cmp(&b.0));
        scope.dedup_by(|later, earlier| later.0 == earlier.0);
        if errors.is_empty() {
            Ok(scope)
        } else {
            Err(errors)
        }
    }

    /// Runs the reset. Consumes the request: a large `--from-file` is freed once its rows are in the plans.
    pub fn run(mut self) -> Result<ResetReport> {
        // A named group without rows in --from-file is a mistake in the input: said before connecting (exit 2).
        let mut file_rows = FileRows::default();
        if let PartitionScope::File(file) = &self.scope {
            file_rows.rows = file.rows_by_group();
            if let GroupSelection::Named(groups) = &self.groups {
                for group in groups {
                    if file.rows_of(&file_rows.rows, group).next().is_none() {
                        return Err(Error::Usage(format!("No reset plan for group {group} found in --from-file")));
                    }
                }
            }
        }
        let mut out = Outcome::default();
        let session = Session::connect(self.settings.clone())?;
        let timeout = self.settings.timeout;

        // 1. The metadata and the named groups' coordinators, in one round trip.
        let Discovered { metadata, groups } = discover(&session, &self.groups, None, &mut out)?;

        // Each group's partitions, checked against the metadata (--all-topics: known once the offsets are read).
        let all_topics = matches!(self.scope, PartitionScope::AllTopics);
        if !file_rows.rows.is_empty() {
            file_rows.partitions_of =
                metadata.topics.iter().map(|t| (t.name.clone(), t.partitions.iter().map(|p| p.id).collect())).collect();
        }
        let mut scopes: BTreeMap<String, std::result::Result<Scope, Vec<String>>> =
            groups.iter().map(|g| (g.clone(), self.scope(g, &metadata, &file_rows))).collect();
        drop(file_rows);
        if let PartitionScope::File(file) = &mut self.scope {
            *file = OffsetFile::default();
        }

        // 2. Every group described and its committed offsets read, and every partition's offsets looked up, in one
        //    round (two for --all-topics, whose partitions are the committed ones).
        // --from-file: the group's other partitions of the file's topics too, to name those left without an offset.
        let from_file = matches!(self.scope, PartitionScope::File(_));
        let needs_committed = all_topics
            || from_file
            || self.scenario.needs_committed()
            || (self.execute && self.backup.is_some())
            || self.details;
        // Each topic's partitions, once: a thousand groups must not each walk every partition of the cluster.
        let cluster_partitions = metadata.partitions();
        let mut by_topic: HashMap<&str, Vec<&TopicPartition>> = HashMap::new();
        for tp in &cluster_partitions {
            by_topic.entry(&tp.topic).or_default().push(tp);
        }
        let partitions_of = |topics: &BTreeSet<&str>| -> Vec<TopicPartition> {
            topics.iter().filter_map(|t| by_topic.get(t)).flatten().map(|tp| (*tp).clone()).collect()
        };
        let wanted: Vec<(String, Wanted)> = if !needs_committed {
            Vec::new()
        } else {
            scopes
                .iter()
                .filter_map(|(group, scope)| match (all_topics, scope) {
                    (true, _) => Some((group.clone(), Wanted::All)),
                    (false, Ok(scope)) if from_file => {
                        let topics: BTreeSet<&str> = scope.iter().map(|(tp, _)| &*tp.topic).collect();
                        Some((group.clone(), Wanted::Partitions(partitions_of(&topics))))
                    }
                    (false, Ok(scope)) => {
                        Some((group.clone(), Wanted::Partitions(scope.iter().map(|(tp, _)| tp.clone()).collect())))
                    }
                    (false, Err(_)) => None,
                })
                .collect()
        };
        let leaders = metadata.leaders();
        let in_scope =
            |scopes: &BTreeMap<String, std::result::Result<Scope, Vec<String>>>| -> Vec<(TopicPartition, i32)> {
                let wanted: BTreeSet<&TopicPartition> =
                    scopes.values().filter_map(|s| s.as_ref().ok()).flat_map(|s| s.iter().map(|(tp, _)| tp)).collect();
                wanted.into_iter().map(|tp| (tp.clone(), leaders.get(tp).copied().unwrap_or(-1))).collect()
            };
        let mut describe = DescribeGroups::new(groups.iter().cloned());
        let wanted_copy = wanted.clone();
        let mut committed = FetchCommitted::new(wanted, cluster_partitions.clone());
        let at_time = match self.scenario {
            Scenario::AtTime(ms) => Some(ms),
            _ => None,
        };
        let mut lookups = if all_topics {
            LogOffsetLookups::none()
        } else {
            LogOffsetLookups::new(&session, &in_scope(&scopes), at_time)
        };
        {
            let mut operations: Vec<&mut dyn Operation> = vec![&mut describe, &mut committed];
            operations.extend(lookups.operations());
            session.drive("groups and offsets", &mut operations, timeout)?;
        }
        let (states, types) = describe.results_and_types();
        let mut committed: BTreeMap<String, std::result::Result<Committed, String>> = committed.results();
        // Each group's type is known only now: share groups' start offsets stand for committed offsets, and streams
        // groups' named partitions must have committed offsets; both read in a round of their own.
        let kinds = typed::kinds(&groups, &types, &states, self.group_type);
        let wrong_type = typed::refuse_other_types(&kinds, self.group_type, &mut out);
        let of_kind = |kind: GroupKind| -> BTreeSet<String> {
            kinds.iter().filter(|(g, k)| **k == kind && !wrong_type.contains(*g)).map(|(g, _)| g.clone()).collect()
        };
        let (share, streams) = (of_kind(GroupKind::Share), of_kind(GroupKind::Streams));
        if !share.is_empty() && needs_committed {
            let wanted = wanted_copy.into_iter().filter(|(g, _)| share.contains(g)).collect();
            committed.extend(typed::start_offsets(&session, wanted)?);
        }
        if !streams.is_empty() && !needs_committed && !all_topics {
            let wanted = streams
                .iter()
                .filter_map(|g| scopes.get(g).and_then(|s| s.as_ref().ok()).map(|s| (g, s)))
                .map(|(g, s)| (g.clone(), Wanted::Partitions(s.iter().map(|(tp, _)| tp.clone()).collect())))
                .collect();
            committed.extend(typed::committed_offsets(&session, wanted)?);
        }
        if all_topics {
            for (group, scope) in scopes.iter_mut() {
                *scope = match committed.get(group) {
                    // A streams group's input topics only (kafka-streams-groups.sh's --all-input-topics).
                    Some(Ok(found)) => {
                        Ok(typed::input_partitions(types.get(group), found).into_iter().map(|tp| (tp, None)).collect())
                    }
                    Some(Err(e)) => Err(vec![format!("group '{group}' {e}")]),
                    None => Err(vec![format!("group '{group}': its committed offsets were not read")]),
                };
            }
            lookups = LogOffsetLookups::new(&session, &in_scope(&scopes), at_time);
            let mut operations: Vec<&mut dyn Operation> = lookups.operations().collect();
            session.drive("offsets", &mut operations, timeout)?;
        }
        let found = lookups.results();

        // 3. Which groups may be reset, and the plan of each. Nothing is committed if any input is invalid.
        scopes.retain(|group, _| !wrong_type.contains(group));
        // Streams groups' named partitions must be theirs (--input-topic; --all-input-topics and files are).
        let check_streams = !all_topics && !from_file;
        let none = BTreeSet::new();
        let kinds = Kinds { share: &share, streams: if check_streams { &streams } else { &none } };
        let Some((resettable, refused)) = resettable(scopes, &states, kinds, &committed, &mut out) else {
            return Ok(out.aborted());
        };
        for (tp, error) in &found.failed {
            out.error(format!("cannot get the offsets of {tp}: {error}"));
        }
        let legacy = session.is_legacy();
        let mut plans: BTreeMap<String, Vec<NewOffset>> = BTreeMap::new();
        // Rows with the offset `-` (a backup's "had none"): the group's committed offsets there are deleted.
        let mut deletes: BTreeMap<String, Vec<TopicPartition>> = BTreeMap::new();
        let mut planning_failed = false;
        for (group, scope) in resettable {
            let group_committed = match committed.get(&group) {
                Some(Ok(c)) => Some(c),
                Some(Err(e)) if needs_committed => {
                    out.error(format!("group '{group}' {e}"));
                    planning_failed = true;
                    continue;
                }
                _ => None,
            };
            // A group is committed whole or not at all: a partition whose offsets could not be looked up keeps the
            // others of its group back too, unless the operator asks for partial commits.
            let unknown = scope.iter().filter(|(tp, _)| found.failed.contains_key(tp)).count();
            if unknown > 0 && !self.allow_partial {
                out.error(format!(
                    "nothing will be committed for group '{group}': the offsets of {unknown} of its {} partitions \
                     could not be looked up (--allow-partial commits the others)",
                    scope.len()
                ));
                continue;
            }
            if from_file {
                // The file's topics' partitions it has no row for and the group no offset for: its consumers will
                // start there by their auto.offset.reset (get-offset prints no row where no record is after a time).
                let listed: BTreeSet<&TopicPartition> = scope.iter().map(|(tp, _)| tp).collect();
                let topics: BTreeSet<&str> = scope.iter().map(|(tp, _)| &*tp.topic).collect();
                let bare: Vec<String> = partitions_of(&topics)
                    .into_iter()
                    .filter(|tp| !listed.contains(tp))
                    .filter(|tp| group_committed.is_some_and(|c| !c.contains_key(tp)))
                    .map(|tp| tp.to_string())
                    .collect();
                if !bare.is_empty() {
                    out.warn(format!(
                        "group '{group}' has no committed offset and no row in --from-file for {}: its consumers will \
                         start there by their auto.offset.reset",
                        bare.join(", ")
                    ));
                }
            }
            let group_deletes = deletes.entry(group.clone()).or_default();
            let share_group = share.contains(&group);
            let plan =
                self.plan_group(&group, scope, share_group, &found, group_committed, legacy, group_deletes, &mut out);
            planning_failed |= plan.is_none();
            if deletes.get(&group).is_some_and(|d| d.is_empty()) {
                deletes.remove(&group);
            }
            plans.insert(group, plan.unwrap_or_default());
        }
        if planning_failed {
            return Ok(out.aborted());
        }

        let any_group = !refused.is_empty() || !plans.is_empty();
        let committed: BTreeMap<String, Committed> =
            std::mem::take(&mut committed).into_iter().filter_map(|(g, c)| c.ok().map(|c| (g, c))).collect();

        if !self.execute {
            for (group, partitions) in &deletes {
                let names: Vec<String> = partitions.iter().map(|tp| tp.to_string()).collect();
                out.note(format!(
                    "group '{group}': its committed offset for {} would be deleted (the offset - in --from-file: it \
                     had none)",
                    names.join(", ")
                ));
            }
        }
        // Groups with only deletions send no commit.
        plans.retain(|group, plan| !plan.is_empty() || !deletes.contains_key(group));

        // Dry run: the plan, the deletions as rows (offset `-`).
        if !self.execute {
            let mut report = out.report(with_deletions(as_groups(&plans), &deletes), any_group);
            report.refused = refused;
            if self.details {
                report.previous = committed;
            }
            return Ok(report);
        }

        // 4. The backup first, then the commits, then the read-back.
        let run = Execution { share, deletes, committed, refused };
        self.execute(&session, plans, run, out)
    }

    /// One group's partitions planned (the offsets `-` of `--from-file` added to `deletes`): None when any partition
    /// cannot be planned (the errors are in `out`).
    #[allow(clippy::too_many_arguments)]
    fn plan_group(
        &self,
        group: &str,
        scope: Scope,
        share_group: bool,
        found: &LogOffsets,
        group_committed: Option<&Committed>,
        legacy: bool,
        deletes: &mut Vec<TopicPartition>,
        out: &mut Outcome,
    ) -> Option<Vec<NewOffset>> {
        let mut failed = false;
        let mut plan = Vec::with_capacity(scope.len());
        for (tp, requested) in scope {
            if requested == Some(NO_OFFSET) && share_group {
                out.error(format!(
                    "share group '{group}', {tp}: a start offset cannot be deleted (the offset - in --from-file)"
                ));
                failed = true;
                continue;
            }
            if requested == Some(NO_OFFSET) {
                deletes.push(tp);
                continue;
            }
            if found.failed.contains_key(&tp) {
                continue;
            }
            let Some((earliest, latest)) = found.bounds(&tp) else {
                out.error(format!("cannot get the offsets of {tp}: no answer"));
                continue;
            };
            let facts = PartitionFacts {
                earliest,
                latest,
                committed: group_committed.and_then(|c| c.get(&tp).copied()),
                at_time: found.at_time.get(&tp).copied().flatten(),
                requested,
            };
            match plan::plan(self.scenario, &facts, legacy) {
                Ok(planned) => {
                    if let Some(note) = planned.note {
                        out.warn(note.describe(&tp));
                    }
                    plan.push(NewOffset { partition: tp, offset: planned.offset });
                }
                Err(e) => {
                    failed = true;
                    out.error(e.describe(&tp));
                }
            }
        }
        (!failed).then_some(plan)
    }

    /// `--execute`: the backup, the commits, the deletions of the groups whose commit went through whole, and the
    /// report of what was read back.
    fn execute(
        &self,
        session: &Session,
        plans: BTreeMap<String, Vec<NewOffset>>,
        run: Execution,
        mut out: Outcome,
    ) -> Result<ResetReport> {
        let Execution { share, mut deletes, committed, refused } = run;
        let timeout = self.settings.timeout;
        let planned = if self.details { as_groups(&plans) } else { Vec::new() };
        let planned_any = !plans.is_empty();
        let planned_sizes: BTreeMap<String, usize> = plans.iter().map(|(g, plan)| (g.clone(), plan.len())).collect();
        let check = "--to-current --dry-run";
        let committing =
            commit_plans(session, check, plans, &share, &deletes, &committed, self.backup.as_ref(), &mut out)?;
        let mut deleted = BTreeMap::new();
        if !committing.aborted && !deletes.is_empty() {
            // A group's deletions follow its commit only once that went through whole (a restore is applied whole
            // or not at all), and none after a signal.
            let whole: BTreeSet<&str> = committing
                .groups
                .iter()
                .filter(|g| planned_sizes.get(&*g.group).is_some_and(|&n| g.offsets.len() == n))
                .map(|g| &*g.group)
                .collect();
            // Groups with deletions only committed nothing: theirs go ahead.
            let ready = |group: &str| whole.contains(group) || !planned_sizes.contains_key(group);
            let (go, held): (BTreeMap<_, _>, BTreeMap<_, _>) = std::mem::take(&mut deletes)
                .into_iter()
                .partition(|(group, _)| out.interrupted.is_none() && ready(group));
            for (group, partitions) in &held {
                let names: Vec<String> = partitions.iter().map(|tp| tp.to_string()).collect();
                let why =
                    if out.interrupted.is_some() { "the run was interrupted" } else { "its commit did not succeed" };
                out.error(format!(
                    "group '{group}': its committed offset for {} was not deleted: {why}",
                    names.join(", ")
                ));
            }
            if !go.is_empty() {
                deleted = delete_offsets(session, go, timeout, &mut out)?;
            }
        }
        // No table when nothing was sent (a backup that cannot be written); its header alone when every group was
        // refused for having members, by the broker as before the commit.
        let any_group = !committing.aborted && (!refused.is_empty() || planned_any || !deleted.is_empty());
        let mut report = out.report(with_deletions(committing.groups, &deleted), any_group);
        report.refused = refused;
        if self.details && !committing.aborted {
            report.planned = planned;
            report.previous = committed;
        }
        Ok(report)
    }
}

/// The share and streams groups among those of a run.
#[derive(Clone, Copy)]
struct Kinds<'a> {
    share: &'a BTreeSet<String>,
    streams: &'a BTreeSet<String>,
}

/// The groups that may be reset, with their partitions, and those refused for their members (Kafka's tool prints
/// the table's header for them: so do we); None when any group's input is invalid (nothing is committed then).
fn resettable(
    scopes: BTreeMap<String, std::result::Result<Scope, Vec<String>>>,
    states: &BTreeMap<String, std::result::Result<GroupState, String>>,
    kinds: Kinds<'_>,
    committed: &BTreeMap<String, std::result::Result<Committed, String>>,
    out: &mut Outcome,
) -> Option<(BTreeMap<String, Scope>, Vec<String>)> {
    let mut invalid = false;
    let mut state_check = StateCheck::new(None);
    let mut resettable: BTreeMap<String, Scope> = BTreeMap::new();
    let mut refused: Vec<String> = Vec::new();
    for (group, scope) in scopes {
        match states.get(&group) {
            // Kafka's kafka-share-groups.sh words for a share group with members (and no table for it).
            Some(Ok(state)) if kinds.share.contains(&group) && !state.is_inactive() => {
                out.refuse_with(format!("Share group '{group}' is not empty."));
                continue;
            }
            state if !state_check.inactive(&group, state, out) => {
                refused.push(group);
                continue;
            }
            _ => {}
        }
        if let (true, Ok(scope)) = (kinds.streams.contains(&group), &scope) {
            let partitions: Vec<TopicPartition> = scope.iter().map(|(tp, _)| tp.clone()).collect();
            let group_committed = committed.get(&group).and_then(|c| c.as_ref().ok());
            if let Some(error) = typed::outside_group(&group, &partitions, group_committed) {
                out.error(error);
                invalid = true;
                continue;
            }
        }
        match scope {
            Ok(scope) => {
                resettable.insert(group, scope);
            }
            Err(errors) => {
                invalid = true;
                errors.iter().for_each(|e| out.error(e));
            }
        }
    }
    (!invalid).then_some((resettable, refused))
}

/// The plans as the report's rows.
fn as_groups(plans: &BTreeMap<String, Vec<NewOffset>>) -> Vec<GroupOffsets> {
    plans.iter().map(|(group, offsets)| GroupOffsets::new(group, offsets.clone())).collect()
}

/// The groups' rows with their deletions among them, as rows whose offset is [`NO_OFFSET`] (shown `-`).
fn with_deletions(groups: Vec<GroupOffsets>, deletions: &BTreeMap<String, Vec<TopicPartition>>) -> Vec<GroupOffsets> {
    let mut all: BTreeMap<String, Vec<NewOffset>> =
        groups.into_iter().map(|g| (g.group.to_string(), g.offsets)).collect();
    for (group, partitions) in deletions {
        let offsets = all.entry(group.clone()).or_default();
        offsets.extend(partitions.iter().map(|tp| NewOffset { partition: tp.clone(), offset: NO_OFFSET }));
        offsets.sort_by(|a, b| a.partition.cmp(&b.partition));
    }
    all.into_iter().map(|(group, offsets)| GroupOffsets::new(&group, offsets)).collect()
}

/// Deletes the groups' committed offsets of these partitions (OffsetDelete), then reads them back: each must be gone.
/// Returns the deletions read back as done.
fn delete_offsets(
    session: &Session,
    deletes: BTreeMap<String, Vec<TopicPartition>>,
    timeout: std::time::Duration,
    out: &mut Outcome,
) -> Result<BTreeMap<String, Vec<TopicPartition>>> {
    // Each group's coordinator takes OffsetDelete or not (a cluster being upgraded has both kinds).
    let (deletes, unable): (BTreeMap<_, _>, BTreeMap<_, _>) =
        deletes.into_iter().partition(|(group, _)| can_delete_offsets(session, group));
    for (group, partitions) in &unable {
        let names: Vec<String> = partitions.iter().map(|tp| tp.to_string()).collect();
        out.warn(format!(
            "group '{group}': its coordinator cannot delete committed offsets (OffsetDelete, Kafka 2.4+): {} keeps \
             its offset",
            names.join(", ")
        ));
    }
    let mut done = BTreeMap::new();
    if deletes.is_empty() {
        return Ok(done);
    }
    let mut delete = DeleteOffsets::new(deletes.clone());
    session.drive("delete offsets", &mut [&mut delete], timeout)?;
    let mut check = Vec::new();
    for (group, result) in delete.results() {
        match result {
            Err(e) => out.error(format!("group '{group}': {e}")),
            Ok(answers) => {
                for (tp, answer) in &answers {
                    if *answer != PartitionCommit::Committed {
                        out.error(format!("group '{group}': its committed offset for {tp} was not deleted: {answer}"));
                    }
                }
                check.push((group.clone(), Wanted::Partitions(deletes[&group].clone())));
            }
        }
    }
    let mut read_back = FetchCommitted::new(check, Vec::new());
    session.drive("read back", &mut [&mut read_back], timeout)?;
    for (group, result) in read_back.results() {
        match result {
            Ok(left) => {
                let gone: Vec<TopicPartition> =
                    deletes[&group].iter().filter(|tp| !left.contains_key(tp)).cloned().collect();
                if !gone.is_empty() {
                    let names: Vec<String> = gone.iter().map(|tp| tp.to_string()).collect();
                    out.note(format!("group '{group}': its committed offset for {} was deleted", names.join(", ")));
                    done.insert(group.clone(), gone);
                }
                if !left.is_empty() {
                    let names: Vec<String> = left.keys().map(|tp| tp.to_string()).collect();
                    out.error(format!("group '{group}' still has a committed offset for {}", names.join(", ")));
                }
            }
            Err(e) => out.error(format!("group '{group}': the deletion was not read back: {e}")),
        }
    }
    Ok(done)
}

impl Outcome {
    fn report(self, groups: Vec<GroupOffsets>, any_group: bool) -> ResetReport {
        ResetReport {
            groups,
            any_group,
            refused: Vec::new(),
            planned: Vec::new(),
            previous: BTreeMap::new(),
            status: self.status(),
            messages: self.messages,
        }
    }

    /// Validation failed: nothing is committed, for any group, and no table is printed.
    fn aborted(mut self) -> ResetReport {
        self.abort();
        self.report(Vec::new(), false)
    }
}
