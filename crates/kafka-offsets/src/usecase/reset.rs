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
    CommitOffsets, CommitOutcome, Committed, DescribeGroups, FetchCommitted, FindCoordinators, GroupState, ListGroups,
    PartitionCommit, Wanted,
};
use crate::client::metadata::{ClusterMetadata, FetchMetadata};
use crate::client::offsets::{ListOffsets, OffsetQuery};
use crate::client::session::{Operation, Session};
use crate::error::{Error, ExitStatus, Result};
use crate::formats::offset_file::OffsetFile;
use crate::formats::output::{write_reset_csv, GroupOffsets, NewOffset};
use crate::formats::select::TopicArg;
use crate::formats::settings::ClientSettings;
use crate::usecase::plan::{self, PartitionFacts, Scenario};
use crate::TopicPartition;

/// Which groups to reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupSelection {
    Named(Vec<String>),
    /// `--all-groups`: every consumer group ListGroups reports.
    All,
}

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: std::path::PathBuf,
    pub with_group: bool,
}

/// What happened. The binary prints `groups` (the plan, or after `execute` what was committed and read back),
/// `messages` on stderr in order, and exits with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetReport {
    /// Sorted by group; each group's offsets sorted by partition.
    pub groups: Vec<GroupOffsets>,
    /// Whether any group was looked at (Kafka prints the table header even for a refused group).
    pub any_group: bool,
    /// `Warn:` and `Error:` lines for stderr.
    pub messages: Vec<String>,
    pub status: ExitStatus,
}

/// One group's partitions, with the offsets `--from-file` asks for; sorted by partition.
type Scope = Vec<(TopicPartition, Option<i64>)>;

#[derive(Debug, Default)]
struct Outcome {
    messages: Vec<String>,
    failed: bool,
    refused: bool,
    interrupted: Option<i32>,
}

impl Outcome {
    fn warn(&mut self, message: impl AsRef<str>) {
        self.messages.push(format!("Warn: {}", message.as_ref()));
    }

    fn error(&mut self, message: impl AsRef<str>) {
        self.messages.push(format!("Error: {}", message.as_ref()));
        self.failed = true;
    }

    fn refuse(&mut self, group: &str, state: &str) {
        self.messages.push(format!(
            "Error: Assignments can only be reset if the group '{group}' is inactive, but the current state is {state}."
        ));
        self.refused = true;
    }

    /// The broker itself refused the commit because the group has members.
    fn refuse_commit(&mut self, group: &str, error: &str) {
        self.messages.push(format!(
            "Error: Assignments can only be reset if the group '{group}' is inactive, but the broker refused the \
             commit with {error}: the group has members. Nothing was committed for it."
        ));
        self.refused = true;
    }

    /// Validation failed: nothing is committed, for any group.
    fn abort(mut self) -> ResetReport {
        self.messages.push("Error: nothing was committed: fix the errors above and run again".into());
        self.report(Vec::new(), false)
    }

    fn report(self, groups: Vec<GroupOffsets>, any_group: bool) -> ResetReport {
        let status = self.status();
        ResetReport { groups, any_group, messages: self.messages, status }
    }

    fn status(&self) -> ExitStatus {
        match self.interrupted {
            Some(15) => ExitStatus::InterruptedBySigterm,
            Some(_) => ExitStatus::InterruptedBySigint,
            None if self.failed => ExitStatus::Failure,
            None if self.refused => ExitStatus::GroupActive,
            None => ExitStatus::Success,
        }
    }
}

fn quoted<'a>(groups: impl IntoIterator<Item = &'a String>) -> String {
    groups.into_iter().map(|g| format!("'{g}'")).collect::<Vec<_>>().join(", ")
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// Writes the committed offsets the plan will replace, and syncs the file, before anything is committed. A
/// partition without a committed offset cannot be restored by a file: it is named in a warning.
fn write_backup(
    backup: &Backup,
    plans: &BTreeMap<String, Vec<NewOffset>>,
    committed: &BTreeMap<String, Committed>,
    out: &mut Outcome,
) -> std::io::Result<()> {
    let mut before = Vec::new();
    for (group, plan) in plans {
        let mut offsets = Vec::new();
        for NewOffset { partition, .. } in plan {
            match committed.get(group).and_then(|c| c.get(partition)) {
                Some(&offset) => offsets.push(NewOffset { partition: partition.clone(), offset }),
                None => out.warn(format!(
                    "--backup: group '{group}' had no committed offset for {partition}; restoring the backup leaves the \
                     new one"
                )),
            }
        }
        before.push(GroupOffsets::new(group, offsets));
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&backup.path)?;
    write_reset_csv(&mut file, &before, backup.with_group)?;
    file.sync_all()
}

/// The offsets a reset looks up for each partition in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OffsetKind {
    Earliest,
    Latest,
    AtTime,
}

/// The answers of the offset lookups for the planned partitions.
#[derive(Debug, Default)]
struct Lookups {
    earliest: HashMap<TopicPartition, Option<i64>>,
    latest: HashMap<TopicPartition, Option<i64>>,
    at_time: HashMap<TopicPartition, Option<i64>>,
    failed: BTreeMap<TopicPartition, String>,
}

impl Lookups {
    fn absorb(&mut self, kind: OffsetKind, lookup: ListOffsets) {
        for (tp, result) in lookup.results() {
            match result {
                Ok(offsets) => {
                    let answers = match kind {
                        OffsetKind::Earliest => &mut self.earliest,
                        OffsetKind::Latest => &mut self.latest,
                        OffsetKind::AtTime => &mut self.at_time,
                    };
                    answers.insert(tp, offsets.first().copied());
                }
                Err(e) => {
                    self.failed.entry(tp).or_insert(e);
                }
            }
        }
    }
}

/// The ListOffsets operations a scenario needs, for these partitions.
fn offset_lookups(
    session: &Session,
    scenario: Scenario,
    partitions: &[(TopicPartition, i32)],
) -> Vec<(OffsetKind, ListOffsets)> {
    let isolation_level = session.settings().isolation_level();
    let query = |timestamp: i64, min_version: i16| OffsetQuery {
        timestamp,
        max_offsets: 1,
        isolation_level,
        min_version,
        max_version: i16::MAX,
    };
    let mut lookups = vec![
        (OffsetKind::Earliest, ListOffsets::new(query(-2, 0), partitions)),
        (OffsetKind::Latest, ListOffsets::new(query(-1, 0), partitions)),
    ];
    if let Scenario::AtTime(ms) = scenario {
        let min_version = if session.is_legacy() { 0 } else { 1 };
        lookups.push((OffsetKind::AtTime, ListOffsets::new(query(ms, min_version), partitions)));
    }
    lookups
}

impl ResetRequest {
    /// The partitions of one group, validated against the metadata; the errors name what is wrong.
    fn scope(&self, group: &str, metadata: &ClusterMetadata) -> std::result::Result<Scope, Vec<String>> {
        let mut scope: Scope = Vec::new();
        let mut errors = Vec::new();
        match &self.scope {
            PartitionScope::Topics(args) => {
                for arg in args {
                    let Some(topic) = metadata.topic(&arg.topic) else {
                        errors.push(format!("topic '{}' does not exist", arg.topic));
                        continue;
                    };
                    let name: Arc<str> = Arc::from(topic.name.as_str());
                    let ids: Vec<i32> = if arg.partitions.is_empty() {
                        topic.partitions.iter().map(|p| p.id).collect()
                    } else {
                        arg.partitions.clone()
                    };
                    for id in ids {
                        if topic.partitions.iter().any(|p| p.id == id) {
                            scope.push((TopicPartition { topic: Arc::clone(&name), partition: id }, None));
                        } else {
                            errors.push(format!(
                                "partition {id} of topic '{}' does not exist (it has {} partitions)",
                                topic.name,
                                topic.partitions.len()
                            ));
                        }
                    }
                }
            }
            PartitionScope::AllTopics => {}
            PartitionScope::File(file) => {
                let partitions_of: HashMap<&str, HashSet<i32>> = metadata
                    .topics
                    .iter()
                    .map(|t| (t.name.as_str(), t.partitions.iter().map(|p| p.id).collect()))
                    .collect();
                // 4-column rows are the group's own; 3-column rows (no group) are for the one group asked for.
                let id = file.names.id(group);
                for row in file.rows.iter().filter(|r| Some(r.group) == id || file.group(r).is_none()) {
                    let topic = file.names.get(row.topic);
                    match partitions_of.get(&**topic).map(|ids| ids.contains(&row.partition)) {
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
        let mut out = Outcome::default();
        let session = Session::connect(self.settings.clone())?;
        let timeout = self.settings.timeout;

        // 1. The metadata and the named groups' coordinators, in one round trip.
        let named: BTreeSet<String> = match &self.groups {
            GroupSelection::Named(names) => names.iter().cloned().collect(),
            GroupSelection::All => BTreeSet::new(),
        };
        let mut metadata = FetchMetadata::new();
        let mut coordinators = FindCoordinators::new(named.iter().cloned());
        session.drive("metadata and coordinators", &mut [&mut metadata, &mut coordinators], timeout)?;
        let metadata = metadata.result.unwrap_or_else(|| Err("no metadata".into())).map_err(Error::Cluster)?;
        // A group whose coordinator cannot be found (after retries until the timeout) is not asked again.
        let lost = coordinators.failures();
        for (group, reason) in &lost {
            out.error(format!("group '{group}': {reason}"));
        }
        let groups: Vec<String> = match &self.groups {
            GroupSelection::Named(_) => named.into_iter().filter(|g| !lost.contains_key(g)).collect(),
            GroupSelection::All => {
                let mut list = ListGroups::new(session.broker_ids());
                session.drive("list groups", &mut [&mut list], timeout)?;
                list.groups().map_err(Error::Cluster)?
            }
        };
        let any_group = !groups.is_empty() || !lost.is_empty();

        // Each group's partitions, checked against the metadata (--all-topics: known once the offsets are read).
        let all_topics = matches!(self.scope, PartitionScope::AllTopics);
        let mut scopes: BTreeMap<String, std::result::Result<Scope, Vec<String>>> =
            groups.iter().map(|g| (g.clone(), self.scope(g, &metadata))).collect();
        if let PartitionScope::File(file) = &mut self.scope {
            *file = OffsetFile::default();
        }

        // 2. Every group described and its committed offsets read, and every partition's offsets looked up, in one
        //    round (two for --all-topics, whose partitions are the committed ones).
        let needs_committed = all_topics || self.scenario.needs_committed() || (self.execute && self.backup.is_some());
        let wanted: Vec<(String, Wanted)> = if !needs_committed {
            Vec::new()
        } else {
            scopes
                .iter()
                .filter_map(|(group, scope)| match (all_topics, scope) {
                    (true, _) => Some((group.clone(), Wanted::All)),
                    (false, Ok(scope)) => {
                        Some((group.clone(), Wanted::Partitions(scope.iter().map(|(tp, _)| tp.clone()).collect())))
                    }
                    (false, Err(_)) => None,
                })
                .collect()
        };
        let every_partition: Vec<TopicPartition> = metadata
            .topics
            .iter()
            .filter(|t| !t.internal)
            .flat_map(|t| {
                let name: Arc<str> = Arc::from(t.name.as_str());
                t.partitions.iter().map(move |p| TopicPartition { topic: Arc::clone(&name), partition: p.id })
            })
            .collect();
        let leaders: HashMap<TopicPartition, i32> = metadata
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter().map(move |p| (TopicPartition::new(&t.name, p.id), p.leader)))
            .collect();
        let in_scope =
            |scopes: &BTreeMap<String, std::result::Result<Scope, Vec<String>>>| -> Vec<(TopicPartition, i32)> {
                let wanted: BTreeSet<&TopicPartition> =
                    scopes.values().filter_map(|s| s.as_ref().ok()).flat_map(|s| s.iter().map(|(tp, _)| tp)).collect();
                wanted.into_iter().map(|tp| (tp.clone(), leaders.get(tp).copied().unwrap_or(-1))).collect()
            };
        let mut describe = DescribeGroups::new(groups.iter().cloned());
        let mut committed = FetchCommitted::new(wanted, every_partition);
        let mut lookups =
            if all_topics { Vec::new() } else { offset_lookups(&session, self.scenario, &in_scope(&scopes)) };
        {
            let mut operations: Vec<&mut dyn Operation> = vec![&mut describe, &mut committed];
            operations.extend(lookups.iter_mut().map(|(_, l)| l as &mut dyn Operation));
            session.drive("groups and offsets", &mut operations, timeout)?;
        }
        let states = describe.results();
        let mut committed: BTreeMap<String, std::result::Result<Committed, String>> = committed.results();
        if all_topics {
            for (group, scope) in scopes.iter_mut() {
                *scope = match committed.get(group) {
                    Some(Ok(found)) => Ok(found.keys().map(|tp| (tp.clone(), None)).collect()),
                    Some(Err(e)) => Err(vec![format!("group '{group}' {e}")]),
                    None => Err(vec![format!("group '{group}': its committed offsets were not read")]),
                };
            }
            lookups = offset_lookups(&session, self.scenario, &in_scope(&scopes));
            let mut operations: Vec<&mut dyn Operation> =
                lookups.iter_mut().map(|(_, l)| l as &mut dyn Operation).collect();
            session.drive("offsets", &mut operations, timeout)?;
        }
        let mut found = Lookups::default();
        for (kind, lookup) in lookups {
            found.absorb(kind, lookup);
        }

        // 3. Which groups may be reset, and the plan of each. Nothing is committed if any input is invalid.
        let mut invalid = false;
        let mut warned_unsupported = false;
        let mut resettable: BTreeMap<String, Scope> = BTreeMap::new();
        for (group, scope) in scopes {
            match states.get(&group) {
                Some(Ok(state)) if !state.is_inactive() => {
                    if let GroupState::Known(state) = state {
                        out.refuse(&group, state);
                    }
                    continue;
                }
                Some(Ok(GroupState::Unsupported)) if !warned_unsupported => {
                    warned_unsupported = true;
                    out.warn(
                        "the brokers cannot describe consumer groups (no DescribeGroups); a group with members will \
                         make the commit fail instead",
                    );
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    out.error(format!("cannot describe group '{group}': {e}"));
                    continue;
                }
                None => {
                    out.error(format!("cannot describe group '{group}'"));
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
        if invalid {
            return Ok(out.abort());
        }
        for (tp, error) in &found.failed {
            out.error(format!("cannot get the offsets of {tp}: {error}"));
        }
        let legacy = session.is_legacy();
        let mut plans: BTreeMap<String, Vec<NewOffset>> = BTreeMap::new();
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
            let mut plan = Vec::with_capacity(scope.len());
            for (tp, requested) in scope {
                if found.failed.contains_key(&tp) {
                    continue;
                }
                let (Some(Some(earliest)), Some(Some(latest))) = (found.earliest.get(&tp), found.latest.get(&tp))
                else {
                    out.error(format!("cannot get the offsets of {tp}: no answer"));
                    continue;
                };
                let facts = PartitionFacts {
                    earliest: *earliest,
                    latest: *latest,
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
                        planning_failed = true;
                        out.error(e.describe(&tp));
                    }
                }
            }
            plans.insert(group, plan);
        }
        if planning_failed {
            return Ok(out.abort());
        }

        // Dry run: the plan.
        if !self.execute {
            let groups = plans.into_iter().map(|(group, offsets)| GroupOffsets::new(&group, offsets)).collect();
            return Ok(out.report(groups, any_group));
        }

        // 4. The backup first, then the commits, then the read-back.
        let committed: BTreeMap<String, Committed> =
            std::mem::take(&mut committed).into_iter().filter_map(|(g, c)| c.ok().map(|c| (g, c))).collect();
        if let Some(backup) = &self.backup {
            if let Err(e) = write_backup(backup, &plans, &committed, &mut out) {
                out.error(format!("cannot write --backup {}: {e}", backup.path.display()));
                return Ok(out.abort());
            }
        }
        let stop = &self.settings.stop;
        stop.catch();
        if let Some(signal) = stop.received() {
            out.interrupted = Some(signal);
            out.messages.push(format!(
                "Error: interrupted by {}: before any commit: nothing was committed",
                signal_name(signal)
            ));
            return Ok(out.report(Vec::new(), any_group));
        }
        plans.retain(|_, plan| !plan.is_empty());
        let mut commits = CommitOffsets::new(
            plans.iter().map(|(g, plan)| (g.clone(), plan.iter().map(|o| (o.partition.clone(), o.offset)).collect())),
        );
        session.drive("commit", &mut [&mut commits], timeout)?;
        let sent = std::mem::take(&mut commits.sent);
        let unanswered = commits.unanswered();
        let outcomes = commits.results();
        let mut confirmed: BTreeMap<String, Vec<NewOffset>> = BTreeMap::new();
        let mut unknown: Vec<String> = Vec::new();
        let mut not_sent: Vec<String> = Vec::new();
        for (group, plan) in plans {
            match outcomes.get(&group) {
                Some(Ok(CommitOutcome::Answered(answers))) => {
                    let answers: HashMap<&TopicPartition, PartitionCommit> =
                        answers.iter().map(|(tp, a)| (tp, *a)).collect();
                    let mut accepted = Vec::with_capacity(plan.len());
                    for new in plan {
                        match answers.get(&new.partition).copied().unwrap_or(PartitionCommit::NotInAnswer) {
                            PartitionCommit::Committed => accepted.push(new),
                            failed => out.error(format!("group '{group}', {}: {failed}", new.partition)),
                        }
                    }
                    confirmed.insert(group, accepted);
                }
                Some(Ok(CommitOutcome::GroupActive(code))) => out.refuse_commit(&group, &code.to_string()),
                Some(Err(e)) if stop.received().is_some() => {
                    let _ = e;
                    if unanswered.contains(&group) {
                        unknown.push(group);
                    } else {
                        not_sent.push(group);
                    }
                }
                Some(Err(e)) if sent.contains_key(&group) => {
                    let why = sent.get(&group).filter(|s| !s.is_empty()).unwrap_or(e);
                    out.error(format!(
                        "the commit of group '{group}' was not confirmed: {why}; it may or may not have been applied \
                         (see it with --to-current --dry-run)"
                    ))
                }
                Some(Err(e)) => out.error(format!("nothing was committed for group '{group}': {e}")),
                None => out.error(format!("the commit of group '{group}' got no answer")),
            }
        }
        if let Some(signal) = stop.received() {
            out.interrupted = Some(signal);
            let mut said = Vec::new();
            if !confirmed.is_empty() {
                said.push(format!(
                    "the commits of {} were confirmed (the table shows them; they were not read back)",
                    quoted(confirmed.keys())
                ));
            }
            match unknown.as_slice() {
                [] => {}
                [group] => said.push(format!(
                    "the commit of group '{group}' was sent, and whether it was applied is unknown (see it with \
                     --to-current --dry-run)"
                )),
                groups => said.push(format!(
                    "the commits of groups {} were sent, and whether they were applied is unknown (see them with \
                     --to-current --dry-run)",
                    quoted(groups)
                )),
            }
            if !not_sent.is_empty() {
                if confirmed.is_empty() && unknown.is_empty() {
                    said.push("before any commit: nothing was committed".into());
                } else {
                    said.push(format!("nothing was committed for {}", quoted(&not_sent)));
                }
            }
            out.messages.push(format!("Error: interrupted by {}: {}", signal_name(signal), said.join("; ")));
            // Stop now: what the brokers confirmed is reported as such.
            let groups = confirmed.into_iter().map(|(group, offsets)| GroupOffsets::new(&group, offsets)).collect();
            return Ok(out.report(groups, any_group));
        }
        let read_back = self.read_back(&session, &confirmed, &mut out)?;
        Ok(out.report(read_back, any_group))
    }

    /// Reads back the committed offsets of the confirmed commits and returns those that match the plan; the
    /// others are listed as errors.
    fn read_back(
        &self,
        session: &Session,
        confirmed: &BTreeMap<String, Vec<NewOffset>>,
        out: &mut Outcome,
    ) -> Result<Vec<GroupOffsets>> {
        if confirmed.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = confirmed
            .iter()
            .map(|(g, plan)| (g.clone(), Wanted::Partitions(plan.iter().map(|o| o.partition.clone()).collect())));
        let mut fetch = FetchCommitted::new(wanted, Vec::new());
        session.drive("read-back", &mut [&mut fetch], self.settings.timeout)?;
        let now = fetch.results();
        let mut groups = Vec::new();
        for (group, plan) in confirmed {
            let now = match now.get(group) {
                Some(Ok(now)) => now,
                Some(Err(e)) => {
                    out.error(format!("group '{group}': the commit was confirmed, but reading it back failed: {e}"));
                    continue;
                }
                None => continue,
            };
            let mut matching = Vec::with_capacity(plan.len());
            for new in plan {
                match now.get(&new.partition) {
                    Some(&o) if o == new.offset => matching.push(new.clone()),
                    other => out.error(format!(
                        "group '{group}', {}: committed {} but the group now has {}",
                        new.partition,
                        new.offset,
                        other.map_or("no offset".to_string(), |o| o.to_string())
                    )),
                }
            }
            groups.push(GroupOffsets::new(group, matching));
        }
        Ok(groups)
    }
}
