//! Committing planned offsets, shared by reset-offsets and migrate-groups: the run's messages and exit status, the
//! backup written before the first commit, one commit per group (pipelined per coordinator, all coordinators at
//! once), signals during the commits, and the read-back that compares what the groups now have with the plan.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::client::groups::{
    can_delete_offsets, CommitOffsets, CommitOutcome, Committed, FetchCommitted, FetchStartOffsets, PartitionCommit,
    StartOffsets, Wanted,
};
use crate::client::session::Session;
use crate::error::{ExitStatus, Result};
use crate::formats::offset_file::NO_OFFSET;
use crate::formats::output::{write_reset_csv, GroupOffsets, NewOffset};
use crate::TopicPartition;

/// The `Warn:` and `Error:` lines of a run, in order, and what decides its exit status.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub messages: Vec<String>,
    pub failed: bool,
    pub refused: bool,
    pub interrupted: Option<i32>,
}

impl Outcome {
    pub fn warn(&mut self, message: impl AsRef<str>) {
        self.messages.push(format!("Warn: {}", message.as_ref()));
    }

    pub fn note(&mut self, message: impl AsRef<str>) {
        self.messages.push(format!("Note: {}", message.as_ref()));
    }

    pub fn error(&mut self, message: impl AsRef<str>) {
        self.messages.push(format!("Error: {}", message.as_ref()));
        self.failed = true;
    }

    /// The group has members (its state, as DescribeGroups names it): Kafka's message, exit status 3.
    pub fn refuse(&mut self, group: &str, state: &str) {
        self.messages.push(format!(
            "Error: Assignments can only be reset if the group '{group}' is inactive, but the current state is {state}."
        ));
        self.refused = true;
    }

    /// A group with members, in the caller's words (exit status 3).
    pub fn refuse_with(&mut self, message: impl AsRef<str>) {
        self.messages.push(format!("Error: {}", message.as_ref()));
        self.refused = true;
    }

    /// The broker itself refused the commit because the group has members.
    pub fn refuse_commit(&mut self, group: &str, error: &str) {
        self.messages.push(format!(
            "Error: Assignments can only be reset if the group '{group}' is inactive, but the broker refused the \
             commit with {error}: the group has members. Nothing was committed for it."
        ));
        self.refused = true;
    }

    /// Takes another outcome's messages (after this one's) and its status.
    pub fn merge(&mut self, other: Outcome) {
        self.messages.extend(other.messages);
        self.failed |= other.failed;
        self.refused |= other.refused;
        self.interrupted = self.interrupted.or(other.interrupted);
    }

    /// Validation failed: nothing is committed, for any group.
    pub fn abort(&mut self) {
        self.messages.push("Error: nothing was committed: fix the errors above and run again".into());
    }

    pub fn status(&self) -> ExitStatus {
        match self.interrupted {
            Some(15) => ExitStatus::InterruptedBySigterm,
            Some(_) => ExitStatus::InterruptedBySigint,
            None if self.failed => ExitStatus::Failure,
            None if self.refused => ExitStatus::GroupActive,
            None => ExitStatus::Success,
        }
    }
}

/// `--backup FILE`: the groups' committed offsets before the change, written before the first commit in the
/// `--from-file` format (4 columns when `with_group`), so that `reset-offsets --from-file FILE --execute` undoes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: std::path::PathBuf,
    pub with_group: bool,
}

fn quoted<'a>(groups: impl IntoIterator<Item = &'a String>) -> String {
    groups.into_iter().map(|g| format!("'{g}'")).collect::<Vec<_>>().join(", ")
}

/// A plan as it would be applied: `orders:0 to 12, orders:1 to 40` (the first five partitions).
fn planned_offsets(plan: &[NewOffset]) -> String {
    let mut text: Vec<String> = plan.iter().take(5).map(|o| format!("{} to {}", o.partition, o.offset)).collect();
    if plan.len() > 5 {
        text.push(format!("and {} more", plan.len() - 5));
    }
    text.join(", ")
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// Writes the committed offsets the plans will replace (and those the deletions will remove), and syncs the file,
/// before anything is committed. A partition without a committed offset gets the offset `-`: `--from-file` with it
/// deletes the offset the commit creates, so the file undoes a first migration too.
fn write_backup(
    backup: &Backup,
    plans: &BTreeMap<String, Vec<NewOffset>>,
    deleting: &BTreeMap<String, Vec<TopicPartition>>,
    committed: &BTreeMap<String, Committed>,
) -> std::io::Result<()> {
    let mut changed: BTreeMap<&String, BTreeSet<&TopicPartition>> = BTreeMap::new();
    for (group, plan) in plans {
        changed.entry(group).or_default().extend(plan.iter().map(|o| &o.partition));
    }
    for (group, partitions) in deleting {
        changed.entry(group).or_default().extend(partitions);
    }
    let mut before = Vec::new();
    for (group, partitions) in changed {
        let offsets = partitions
            .into_iter()
            .map(|partition| {
                let offset = committed.get(group).and_then(|c| c.get(partition)).copied().unwrap_or(NO_OFFSET);
                NewOffset { partition: partition.clone(), offset }
            })
            .collect();
        before.push(GroupOffsets::new(group, offsets));
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&backup.path)?;
    write_reset_csv(&mut file, &before, backup.with_group)?;
    file.sync_all()
}

/// A share group's start offsets as committed offsets: the partitions that have one.
pub(crate) fn started(starts: &StartOffsets) -> Committed {
    starts.iter().filter_map(|(tp, offset)| offset.map(|o| (tp.clone(), o))).collect()
}

/// What the commits did.
#[derive(Debug, Default)]
pub(crate) struct Committing {
    /// Each committed group with the offsets it now has as planned (after a signal: the commits the brokers
    /// confirmed, not read back). A group missing here, or a partition missing from its group, was not committed as
    /// planned (`out` says why).
    pub groups: Vec<GroupOffsets>,
    /// The groups whose commit the broker refused because they have members.
    pub active: BTreeSet<String>,
    /// Nothing was sent: the backup could not be written.
    pub aborted: bool,
}

/// Writes the backup (of the plans and of the committed offsets `deleting` will remove), commits every group's
/// plan, and reads the commits back. Every failure is in `out`. `check` is the command that shows a group's offsets,
/// for commits whose outcome is unknown.
#[allow(clippy::too_many_arguments)]
pub(crate) fn commit_plans(
    session: &Session,
    check: &str,
    mut plans: BTreeMap<String, Vec<NewOffset>>,
    share: &BTreeSet<String>,
    deleting: &BTreeMap<String, Vec<TopicPartition>>,
    before: &BTreeMap<String, Committed>,
    backup: Option<&Backup>,
    out: &mut Outcome,
) -> Result<Committing> {
    if let Some(backup) = backup {
        // The backup's `-` offsets cannot be deleted where a coordinator lacks OffsetDelete (or for a share group,
        // whose start offsets are not deleted one by one): say so now.
        let undeletable = |group: &String| share.contains(group) || !can_delete_offsets(session, group);
        for (group, plan) in plans.iter().filter(|(group, _)| undeletable(group)) {
            for NewOffset { partition, .. } in plan {
                if before.get(group).is_none_or(|c| !c.contains_key(partition)) {
                    out.warn(format!(
                        "--backup: group '{group}' had no committed offset for {partition}, and its coordinator cannot \
                         delete one (OffsetDelete, Kafka 2.4+): restoring the backup leaves the new one"
                    ));
                }
            }
        }
        if let Err(e) = write_backup(backup, &plans, deleting, before) {
            out.error(format!("cannot write --backup {}: {e}", backup.path.display()));
            out.abort();
            return Ok(Committing { aborted: true, ..Committing::default() });
        }
    }
    let stop = &session.settings().stop;
    stop.catch();
    if let Some(signal) = stop.received() {
        out.interrupted = Some(signal);
        out.messages
            .push(format!("Error: interrupted by {}: before any commit: nothing was committed", signal_name(signal)));
        return Ok(Committing::default());
    }
    plans.retain(|_, plan| !plan.is_empty());
    let mut commits = CommitOffsets::new(
        plans.iter().map(|(g, plan)| (g.clone(), plan.iter().map(|o| (o.partition.clone(), o.offset)).collect())),
    )
    .with_share_groups(share.clone());
    session.drive("commit", &mut [&mut commits], session.timeout())?;
    let sent = std::mem::take(&mut commits.sent);
    // Groups with an attempt sent whose answer was lost: it may have been applied whatever came next.
    let lost = |group: &str| sent.get(group).is_some_and(|why| !why.is_empty());
    let unanswered = commits.unanswered();
    let outcomes = commits.results();
    let mut confirmed: BTreeMap<String, Vec<NewOffset>> = BTreeMap::new();
    // Groups whose commit was sent and not answered: their plan, said as it would have been applied.
    let mut unknown: Vec<(String, String)> = Vec::new();
    let mut not_sent: Vec<String> = Vec::new();
    let mut active = BTreeSet::new();
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
            // An earlier attempt was sent and its answer lost: it may have been applied before the members came.
            Some(Ok(CommitOutcome::GroupActive(code))) if lost(&group) => out.error(format!(
                "the commit of group '{group}' ({}) may or may not have been applied: it was sent and its answer \
                 lost, then the broker refused it again with {code} (the group has members now); see it with \
                 {check}",
                planned_offsets(&plan)
            )),
            Some(Ok(CommitOutcome::GroupActive(code))) => {
                out.refuse_commit(&group, &code.to_string());
                active.insert(group);
            }
            // Sent now (unanswered) or in an earlier attempt whose answer was lost.
            Some(Err(_)) if stop.received().is_some() => {
                if unanswered.contains(&group) || lost(&group) {
                    unknown.push((group, planned_offsets(&plan)));
                } else {
                    not_sent.push(group);
                }
            }
            Some(Err(e)) if sent.contains_key(&group) => {
                let why = sent.get(&group).filter(|s| !s.is_empty()).unwrap_or(e);
                out.error(format!(
                    "the commit of group '{group}' was not confirmed: {why}; it may or may not have been applied \
                     (see it with {check})"
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
            [(group, offsets)] => said.push(format!(
                "the commit of group '{group}' ({offsets}) was sent, and may or may not have been applied: no \
                 answer came (see it with {check})"
            )),
            groups => {
                let each: Vec<String> = groups.iter().map(|(g, offsets)| format!("'{g}' ({offsets})")).collect();
                said.push(format!(
                    "the commits of groups {} were sent, and may or may not have been applied: no answers came \
                     (see them with {check})",
                    each.join(", ")
                ))
            }
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
        return Ok(Committing { groups, active, aborted: false });
    }
    Ok(Committing { groups: read_back(session, &confirmed, share, out)?, active, aborted: false })
}

/// Reads back the committed offsets of the confirmed commits and returns those that match the plan; the others are
/// listed as errors.
fn read_back(
    session: &Session,
    confirmed: &BTreeMap<String, Vec<NewOffset>>,
    share: &BTreeSet<String>,
    out: &mut Outcome,
) -> Result<Vec<GroupOffsets>> {
    if confirmed.is_empty() {
        return Ok(Vec::new());
    }
    let partitions = |plan: &Vec<NewOffset>| plan.iter().map(|o| o.partition.clone()).collect::<Vec<_>>();
    let (share_groups, consumer_groups): (Vec<_>, Vec<_>) = confirmed.iter().partition(|(g, _)| share.contains(*g));
    let wanted = consumer_groups.into_iter().map(|(g, plan)| (g.clone(), Wanted::Partitions(partitions(plan))));
    let mut fetch = FetchCommitted::new(wanted, Vec::new());
    let mut starts =
        FetchStartOffsets::new(share_groups.into_iter().map(|(g, plan)| (g.clone(), Some(partitions(plan)))));
    session.drive("read-back", &mut [&mut fetch, &mut starts], session.timeout())?;
    let mut now = fetch.results();
    now.extend(starts.results().into_iter().map(|(g, r)| (g, r.map(|s| started(&s)))));
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
