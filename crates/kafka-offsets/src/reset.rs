//! The reset-offsets use case: resolve groups and partitions, check that each group is inactive, ask the brokers
//! for log start, log end, committed offsets and time lookups (batched), plan every partition, and, with
//! `execute`, commit once per group and read the offsets back. Every input is validated before the first commit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::cluster::{Cluster, CommitOutcome, GroupClient, GroupState};
use crate::config::ClientSettings;
use crate::error::{ExitStatus, Result};
use crate::format::{write_reset_csv, OffsetFileRow, ResetRow};
use crate::interrupt::{self, Interrupt};
use crate::plan::{self, PartitionFacts, Scenario};
use crate::select::{is_internal_topic, TopicArg, TopicMetadata};
use crate::time::OffsetSpec;
use crate::TopicPartition;

/// Which groups to reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupSelection {
    Named(Vec<String>),
    /// `--all-groups`: every consumer group ListGroups reports.
    All,
}

/// Which partitions of each group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionScope {
    /// `--topic t` / `--topic t:0,1`.
    Topics(Vec<TopicArg>),
    /// `--all-topics`: the partitions the group has committed offsets for.
    AllTopics,
    /// `--from-file`: the partitions (and offsets) of the file's rows for the group.
    File { rows: Vec<OffsetFileRow> },
}

#[derive(Debug, Clone)]
pub struct ResetRequest {
    pub settings: ClientSettings,
    pub groups: GroupSelection,
    pub scope: PartitionScope,
    pub scenario: Scenario,
    pub execute: bool,
    /// `--backup FILE`: the groups' committed offsets before the change, written before the first commit in the
    /// `--from-file` format (4 columns when `with_group`), so that `--from-file FILE --execute` undoes the reset.
    pub backup: Option<Backup>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: std::path::PathBuf,
    pub with_group: bool,
}

/// What happened. The binary prints `rows` (the plan, or after `execute` what was committed and read back),
/// `messages` on stderr in order, and exits with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetReport {
    pub rows: Vec<ResetRow>,
    /// Whether any group was looked at (Kafka prints the table header even for a refused group).
    pub any_group: bool,
    /// `Warn:` and `Error:` lines for stderr.
    pub messages: Vec<String>,
    pub status: ExitStatus,
}

/// The partitions of one group and, for `--from-file`, the offsets asked for.
#[derive(Debug, Default)]
struct GroupScope {
    partitions: BTreeMap<TopicPartition, Option<i64>>,
}

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

    fn report(self, rows: Vec<ResetRow>, any_group: bool) -> ResetReport {
        let status = self.status();
        ResetReport { rows, any_group, messages: self.messages, status }
    }

    fn interrupt(&mut self, signal: i32, what: String) {
        self.messages.push(format!("Error: interrupted by {}: {what}", interrupt::signal_name(signal)));
        self.interrupted = Some(signal);
    }

    fn status(&self) -> ExitStatus {
        if let Some(signal) = self.interrupted {
            return if signal == 15 { ExitStatus::InterruptedBySigterm } else { ExitStatus::InterruptedBySigint };
        }
        if self.failed {
            ExitStatus::Failure
        } else if self.refused {
            ExitStatus::GroupActive
        } else {
            ExitStatus::Success
        }
    }
}

fn quoted(groups: &[&str]) -> String {
    groups.iter().map(|g| format!("'{g}'")).collect::<Vec<_>>().join(", ")
}

/// Writes the committed offsets the plan will replace, and syncs the file, before anything is committed. A
/// partition without a committed offset cannot be restored by a file: it is named in a warning.
fn write_backup(
    backup: &Backup,
    plans: &BTreeMap<String, Vec<(TopicPartition, i64)>>,
    committed: &HashMap<String, HashMap<TopicPartition, Option<i64>>>,
    out: &mut Outcome,
) -> std::io::Result<()> {
    let mut rows = Vec::new();
    for (group, plan) in plans {
        for (tp, _) in plan {
            match committed.get(group).and_then(|c| c.get(tp).copied().flatten()) {
                Some(offset) => rows.push(ResetRow { group: group.clone(), partition: tp.clone(), offset }),
                None => out.warn(format!(
                    "--backup: group '{group}' had no committed offset for {tp}; restoring the backup leaves the new one"
                )),
            }
        }
    }
    rows.sort();
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&backup.path)?;
    write_reset_csv(&mut file, &rows, backup.with_group)?;
    file.sync_all()
}

impl ResetRequest {
    pub fn run(&self) -> Result<ResetReport> {
        let mut out = Outcome::default();
        let mut cluster = Cluster::connect(self.settings.clone())?;
        let topics = cluster.topics(self.settings.timeout)?;
        let groups: BTreeSet<String> = match &self.groups {
            GroupSelection::Named(names) => names.iter().cloned().collect(),
            GroupSelection::All => cluster.consumer_groups()?.into_iter().collect(),
        };
        let any_group = !groups.is_empty();

        // 1. Which groups may be reset, and their partitions. Nothing is committed if any input is invalid.
        let mut scopes: BTreeMap<String, GroupScope> = BTreeMap::new();
        // One client per group that needs one, created early: librdkafka looks up the group coordinator in the
        // background while the offsets are being fetched.
        let needs_committed = self.scenario.needs_committed() || (self.execute && self.backup.is_some());
        let needs_client = self.execute || needs_committed || self.scope == PartitionScope::AllTopics;
        let mut clients: BTreeMap<String, GroupClient> = BTreeMap::new();
        let mut committed: HashMap<String, HashMap<TopicPartition, Option<i64>>> = HashMap::new();
        // Indexes for checking every row of a large --from-file in constant time.
        let partitions_of: HashMap<&str, HashSet<i32>> =
            topics.iter().map(|t| (t.name.as_str(), t.partitions.iter().map(|p| p.id).collect())).collect();
        let mut file_rows: HashMap<Option<&str>, Vec<&OffsetFileRow>> = HashMap::new();
        if let PartitionScope::File { rows, .. } = &self.scope {
            for row in rows {
                file_rows.entry(row.group.as_deref()).or_default().push(row);
            }
        }
        let mut warned_unsupported = false;
        let mut invalid = false;
        for group in &groups {
            let state = cluster.group_state(group)?;
            if !state.is_inactive() {
                if let GroupState::Known(state) = &state {
                    out.refuse(group, state);
                }
                continue;
            }
            if state == GroupState::Unsupported && !warned_unsupported {
                warned_unsupported = true;
                out.warn(
                    "the brokers cannot describe consumer groups (no DescribeGroups); a group with members will \
                     make the commit fail instead",
                );
            }
            if needs_client {
                clients.insert(group.clone(), cluster.group(group)?);
            }
            match self.group_scope(group, &topics, &partitions_of, &file_rows, clients.get(group), &mut committed) {
                Ok(scope) => {
                    scopes.insert(group.clone(), scope);
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

        // 2. What the brokers know about every partition in scope, one batched lookup per kind.
        let all: Vec<(TopicPartition, crate::select::PartitionMetadata)> = {
            let wanted: BTreeSet<&TopicPartition> = scopes.values().flat_map(|s| s.partitions.keys()).collect();
            let meta: HashMap<TopicPartition, crate::select::PartitionMetadata> = topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(move |p| (TopicPartition::new(&t.name, p.id), *p)))
                .collect();
            wanted.into_iter().filter_map(|tp| meta.get(tp).map(|m| (tp.clone(), *m))).collect()
        };
        // The lookups are independent: ask them at once (each is itself one request per leader).
        let mut specs = vec![OffsetSpec::Earliest, OffsetSpec::Latest];
        if let Scenario::AtTime(ms) = self.scenario {
            specs.push(OffsetSpec::Timestamp(ms));
        }
        let answers = std::thread::scope(|scope| {
            let lookups: Vec<_> = specs.iter().map(|spec| scope.spawn(|| cluster.offsets(&all, *spec, 1))).collect();
            lookups.into_iter().map(|l| l.join().expect("offset lookup thread")).collect::<Result<Vec<_>>>()
        })?;
        let mut failed_partitions: BTreeMap<TopicPartition, String> = BTreeMap::new();
        let mut found: Vec<HashMap<TopicPartition, Option<i64>>> = Vec::new();
        for answer in answers {
            let mut offsets = HashMap::new();
            for (tp, result) in answer {
                match result {
                    Ok(o) => {
                        offsets.insert(tp, o.first().copied());
                    }
                    Err(e) => {
                        failed_partitions.entry(tp).or_insert(e);
                    }
                }
            }
            found.push(offsets);
        }
        let at_time = if found.len() > 2 { found.pop() } else { None };
        let (earliest, latest) = (&found[0], &found[1]);
        for (tp, error) in &failed_partitions {
            out.error(format!("cannot get the offsets of {tp}: {error}"));
        }

        // 3. Plan every partition of every group.
        let legacy = cluster.is_legacy();
        let mut plans: BTreeMap<String, Vec<(TopicPartition, i64)>> = BTreeMap::new();
        let mut planning_failed = false;
        for (group, scope) in &scopes {
            if needs_committed && !committed.contains_key(group) {
                let partitions: Vec<TopicPartition> = scope.partitions.keys().cloned().collect();
                let client = clients.get(group).expect("a client for every group when committed offsets are needed");
                committed.insert(group.clone(), client.committed(&partitions)?);
            }
            let mut plan = Vec::new();
            for (tp, requested) in &scope.partitions {
                if failed_partitions.contains_key(tp) {
                    continue;
                }
                let (Some(Some(earliest)), Some(Some(latest))) = (earliest.get(tp), latest.get(tp)) else {
                    out.error(format!("cannot get the offsets of {tp}: no answer"));
                    continue;
                };
                let facts = PartitionFacts {
                    earliest: *earliest,
                    latest: *latest,
                    committed: committed.get(group).and_then(|c| c.get(tp).copied().flatten()),
                    at_time: at_time.as_ref().and_then(|a| a.get(tp).copied().flatten()),
                    requested: *requested,
                };
                match plan::plan(self.scenario, &facts, legacy) {
                    Ok(planned) => {
                        if let Some(note) = planned.note {
                            out.warn(note.describe(tp));
                        }
                        plan.push((tp.clone(), planned.offset));
                    }
                    Err(e) => {
                        planning_failed = true;
                        out.error(e.describe(tp));
                    }
                }
            }
            plans.insert(group.clone(), plan);
        }
        if planning_failed {
            return Ok(out.abort());
        }

        // 4. Dry run: the plan.
        if !self.execute {
            let mut rows: Vec<ResetRow> = plans
                .into_iter()
                .flat_map(|(group, plan)| {
                    plan.into_iter().map(move |(partition, offset)| ResetRow {
                        group: group.clone(),
                        partition,
                        offset,
                    })
                })
                .collect();
            rows.sort();
            return Ok(out.report(rows, any_group));
        }

        // Execute: the backup first, then one commit per group, each read back.
        if let Some(backup) = &self.backup {
            if let Err(e) = write_backup(backup, &plans, &committed, &mut out) {
                out.error(format!("cannot write --backup {}: {e}", backup.path.display()));
                return Ok(out.abort());
            }
        }
        let interrupt = Interrupt::catch();
        interrupt::pause_before_commit(&interrupt);
        let mut rows = Vec::new();
        let mut done: Vec<&str> = Vec::new();
        for (group, plan) in &plans {
            if let Some(signal) = interrupt.signal() {
                let before = if done.is_empty() {
                    "before any commit: nothing was committed".to_string()
                } else {
                    format!(
                        "after the commits of {}: nothing was committed for '{group}' and the groups after it",
                        quoted(&done)
                    )
                };
                out.interrupt(signal, before);
                break;
            }
            if plan.is_empty() {
                continue;
            }
            let client = clients.get(group).expect("a client for every group when executing");
            rows.extend(self.commit_group(client, group, plan, &interrupt, &mut out)?);
            if out.interrupted.is_some() {
                break;
            }
            done.push(group);
        }
        rows.sort();
        Ok(out.report(rows, any_group))
    }

    /// Commits one group's plan and returns the rows whose read-back matches it.
    fn commit_group(
        &self,
        client: &GroupClient,
        group: &str,
        plan: &[(TopicPartition, i64)],
        interrupt: &Interrupt,
        out: &mut Outcome,
    ) -> Result<Vec<ResetRow>> {
        let answers = match client.commit(plan, &|| interrupt.signal().is_some()) {
            Ok(CommitOutcome::Answered(answers)) => answers,
            Ok(CommitOutcome::Stopped) => {
                let signal = interrupt.signal().unwrap_or(2);
                out.interrupt(
                    signal,
                    format!(
                        "the commit of group '{group}' was sent, and whether it was applied is unknown (see it with \
                         --to-current --dry-run)"
                    ),
                );
                return Ok(Vec::new());
            }
            Ok(CommitOutcome::GroupActive(error)) => {
                out.refuse_commit(group, &error);
                return Ok(Vec::new());
            }
            Err(e) => {
                out.error(e.to_string());
                return Ok(Vec::new());
            }
        };
        let errors: HashMap<&TopicPartition, &String> =
            answers.iter().filter_map(|(tp, e)| e.as_ref().map(|e| (tp, e))).collect();
        let partitions: Vec<TopicPartition> = plan.iter().map(|(tp, _)| tp.clone()).collect();
        let now = client.committed(&partitions)?;
        let mut rows = Vec::new();
        for (tp, offset) in plan {
            let read_back = now.get(tp).copied().flatten();
            match (errors.get(tp), read_back) {
                (None, Some(o)) if o == *offset => {
                    rows.push(ResetRow { group: group.to_string(), partition: tp.clone(), offset: *offset })
                }
                (Some(e), _) => out.error(format!("group '{group}', {tp}: the commit failed: {e}")),
                (None, other) => out.error(format!(
                    "group '{group}', {tp}: committed {offset} but the group now has {}",
                    other.map_or("no offset".to_string(), |o| o.to_string())
                )),
            }
        }
        Ok(rows)
    }

    /// The partitions of one group, validated against the metadata; the errors name what is wrong.
    fn group_scope(
        &self,
        group: &str,
        topics: &[TopicMetadata],
        partitions_of: &HashMap<&str, HashSet<i32>>,
        file_rows: &HashMap<Option<&str>, Vec<&OffsetFileRow>>,
        client: Option<&GroupClient>,
        committed: &mut HashMap<String, HashMap<TopicPartition, Option<i64>>>,
    ) -> std::result::Result<GroupScope, Vec<String>> {
        let find = |name: &str| topics.iter().find(|t| t.name == name);
        let mut scope = GroupScope::default();
        let mut errors = Vec::new();
        match &self.scope {
            PartitionScope::Topics(args) => {
                for arg in args {
                    let Some(topic) = find(&arg.topic) else {
                        errors.push(format!("topic '{}' does not exist", arg.topic));
                        continue;
                    };
                    let ids: Vec<i32> = if arg.partitions.is_empty() {
                        topic.partitions.iter().map(|p| p.id).collect()
                    } else {
                        arg.partitions.clone()
                    };
                    for id in ids {
                        if topic.partitions.iter().any(|p| p.id == id) {
                            scope.partitions.insert(TopicPartition::new(&topic.name, id), None);
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
            PartitionScope::AllTopics => {
                let candidates: Vec<TopicPartition> = topics
                    .iter()
                    .filter(|t| !is_internal_topic(&t.name))
                    .flat_map(|t| t.partitions.iter().map(move |p| TopicPartition::new(&t.name, p.id)))
                    .collect();
                let found = client
                    .expect("a client for --all-topics")
                    .committed(&candidates)
                    .map_err(|e| vec![e.to_string()])?;
                for (tp, offset) in &found {
                    if offset.is_some() {
                        scope.partitions.insert(tp.clone(), None);
                    }
                }
                committed.insert(group.to_string(), found);
            }
            PartitionScope::File { .. } => {
                // 4-column rows are the group's own; 3-column rows (no group) are for the one group asked for.
                for row in file_rows.get(&Some(group)).or(file_rows.get(&None)).into_iter().flatten() {
                    let tp = &row.partition;
                    let exists = partitions_of.get(tp.topic.as_str()).map(|ids| ids.contains(&tp.partition));
                    match exists {
                        None => {
                            errors.push(format!("--from-file line {}: topic '{}' does not exist", row.line, tp.topic))
                        }
                        Some(false) => errors.push(format!(
                            "--from-file line {}: partition {} of topic '{}' does not exist",
                            row.line, tp.partition, tp.topic
                        )),
                        // Rows are in file order: a later row for the same partition wins.
                        Some(true) => {
                            scope.partitions.insert(tp.clone(), Some(row.offset));
                        }
                    }
                }
                if scope.partitions.is_empty() && errors.is_empty() {
                    errors.push(format!("No reset plan for group {group} found"));
                }
            }
        }
        if errors.is_empty() {
            Ok(scope)
        } else {
            Err(errors)
        }
    }
}
