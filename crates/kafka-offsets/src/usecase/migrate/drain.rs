//! `--wait-drained`: each group is migrated as soon as it has drained the old cluster (no members, and no record
//! left to read after its committed offsets: markers and aborted records are not records, an open transaction is
//! not drained), while the others keep waiting. Each check is three rounds on the old cluster (its groups and
//! committed offsets, the log ends, the records between the two); nothing is written there.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use super::{MigrateReport, MigrateRequest, Summary};
use crate::client::groups::{Committed, DescribeGroups, FetchCommitted, GroupState, Wanted};
use crate::client::session::{Operation, Session};
use crate::error::{ExitStatus, Result};
use crate::usecase::commit::Outcome;
use crate::usecase::discover::{discover, GroupSelection};
use crate::usecase::log_offsets::LogOffsetLookups;
use crate::usecase::record_store::RecordStore;
use crate::TopicPartition;

/// Unread offsets past which the records are not read to count them: the group is not drained anyway.
const COUNTED: i64 = 100_000;

/// Why a group has not drained yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// Its state when it has members (Stable, PreparingRebalance, ...).
    pub active: Option<String>,
    /// Records left to read after its committed offsets (at least this many beyond [`COUNTED`] offsets).
    pub unread: i64,
    /// A transaction still open after its committed offsets on these partitions.
    pub open: usize,
}

impl fmt::Display for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(state) = &self.active {
            parts.push(format!("has members ({state})"));
        }
        if self.unread > 0 {
            parts.push(format!("{} unread record{}", self.unread, if self.unread == 1 { "" } else { "s" }));
        }
        if self.open > 0 {
            parts.push(format!("an open transaction on {} partition(s)", self.open));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Each group's drain on the old cluster: None once it has drained.
pub(super) fn check(
    session: &Session,
    groups: &[String],
    topics: &[String],
) -> Result<BTreeMap<String, std::result::Result<Option<Waiting>, String>>> {
    let timeout = session.timeout();
    let found = discover(session, &GroupSelection::Named(groups.to_vec()), None, &mut Outcome::default())?;
    let wanted = |g: &String| {
        let partitions: Vec<TopicPartition> = topics
            .iter()
            .filter_map(|t| found.metadata.topic(t))
            .flat_map(|t| t.partitions.iter().map(move |p| TopicPartition::new(&t.name, p.id)))
            .collect();
        (g.clone(), if topics.is_empty() { Wanted::All } else { Wanted::Partitions(partitions) })
    };
    let mut describe = DescribeGroups::new(found.groups.iter().cloned());
    let mut committed = FetchCommitted::new(found.groups.iter().map(wanted), found.metadata.partitions());
    session.drive("groups and committed offsets", &mut [&mut describe, &mut committed], timeout)?;
    let (states, committed) = (describe.results(), committed.results());
    let leaders = found.metadata.leaders();
    let partitions: BTreeSet<TopicPartition> =
        committed.values().filter_map(|c| c.as_ref().ok()).flat_map(|c| c.keys().cloned()).collect();
    let with_leaders: Vec<(TopicPartition, i32)> =
        partitions.iter().map(|tp| (tp.clone(), leaders.get(tp).copied().unwrap_or(-1))).collect();
    let mut lookups = LogOffsetLookups::latest(session, &with_leaders);
    {
        let mut operations: Vec<&mut dyn Operation> = lookups.operations().collect();
        session.drive("log end offsets", &mut operations, timeout)?;
    }
    let ends = lookups.results();
    // The records between each committed offset and its log end, where there are few enough to count.
    let mut reads: Vec<(TopicPartition, i64, i64)> = Vec::new();
    for offsets in committed.values().filter_map(|c| c.as_ref().ok()) {
        for (tp, &at) in offsets {
            if let Some(Some(end)) = ends.latest.get(tp) {
                if *end > at && end - at <= COUNTED {
                    reads.push((tp.clone(), at, *end));
                }
            }
        }
    }
    let mut store = RecordStore::default();
    store.read(session, "records left to read", &leaders, reads, Instant::now() + timeout)?;

    let results = groups
        .iter()
        .map(|group| {
            let state = states.get(group);
            (group.clone(), waiting(state, committed.get(group), &ends.latest, &store))
        })
        .collect();
    Ok(results)
}

/// One group's drain, from what the check read: None once it has drained, Err when something was not read.
fn waiting(
    state: Option<&std::result::Result<GroupState, String>>,
    committed: Option<&std::result::Result<Committed, String>>,
    ends: &HashMap<TopicPartition, Option<i64>>,
    store: &RecordStore,
) -> std::result::Result<Option<Waiting>, String> {
    let state = match state {
        Some(Ok(state)) => state,
        Some(Err(e)) => return Err(format!("cannot describe it on the old cluster: {e}")),
        None => return Err("its coordinator on the old cluster was not found".into()),
    };
    let offsets = match committed {
        Some(Ok(offsets)) => offsets,
        Some(Err(e)) => return Err(format!("its committed offsets on the old cluster: {e}")),
        None => return Err("its committed offsets on the old cluster were not read".into()),
    };
    let mut waiting = Waiting {
        active: (!state.is_inactive()).then(|| match state {
            GroupState::Known(s) => s.clone(),
            GroupState::Unsupported => "unknown".into(),
        }),
        unread: 0,
        open: 0,
    };
    for (tp, &at) in offsets {
        let Some(Some(end)) = ends.get(tp).copied() else {
            return Err(format!("the log end of {tp} on the old cluster was not read"));
        };
        if end <= at {
            continue;
        }
        match store.records(tp, at, end) {
            Some(records) => {
                waiting.unread += records.records.len() as i64;
                // Read to less than the log end: a transaction is still open there.
                if records.end < end {
                    waiting.open += 1;
                }
            }
            None => waiting.unread += end - at,
        }
    }
    let drained = waiting.active.is_none() && waiting.unread == 0 && waiting.open == 0;
    Ok((!drained).then_some(waiting))
}

/// What `--wait-drained` says while it waits.
pub trait WaitProgress {
    /// The groups still waiting and why, after each check; `changed` when it differs from the last check's.
    fn waiting(&mut self, groups: &BTreeMap<String, Waiting>, changed: bool);
    /// A migration of the groups that drained since the last one.
    fn migrated(&mut self, report: &MigrateReport);
}

impl MigrateRequest {
    /// Waits for each group to drain the old cluster and migrates it then (see the module's doc), until every group
    /// is migrated or `timeout` has passed; `every` between checks. A signal (SIGINT, SIGTERM) ends the wait.
    pub fn wait_drained(
        self,
        timeout: Duration,
        every: Duration,
        progress: &mut dyn WaitProgress,
    ) -> Result<MigrateReport> {
        let GroupSelection::Named(groups) = &self.groups else {
            return Err(crate::error::Error::Usage("--wait-drained needs the groups named with --group".into()));
        };
        let old = Session::connect(self.from.clone())?;
        let stop = self.from.stop.clone();
        stop.catch();
        let deadline = Instant::now() + timeout;
        let mut pending: Vec<String> = groups.clone();
        let mut summary = Summary { executed: self.execute, ..Summary::default() };
        let mut messages = Vec::new();
        let mut status = ExitStatus::Success;
        let mut last: Option<BTreeMap<String, Waiting>> = None;
        loop {
            let checked = match check(&old, &pending, &self.topics) {
                Ok(checked) => checked,
                // A signal during the check ends the wait as one between checks does.
                Err(_) if stop.received().is_some() => BTreeMap::new(),
                Err(e) => return Err(e),
            };
            let mut ready = Vec::new();
            let mut waiting = BTreeMap::new();
            for (group, state) in checked {
                match state {
                    Ok(None) => ready.push(group),
                    Ok(Some(why)) => {
                        waiting.insert(group, why);
                    }
                    Err(e) => {
                        messages.push(format!("Error: group '{group}': {e}"));
                        status = ExitStatus::Failure;
                        summary.failed += 1;
                        pending.retain(|g| *g != group);
                    }
                }
            }
            if !ready.is_empty() {
                let request = MigrateRequest { groups: GroupSelection::Named(ready.clone()), ..self.clone() };
                let report = request.run()?;
                if let Some(s) = report.summary {
                    summary.migrated += s.migrated;
                    summary.refused += s.refused;
                    summary.failed += s.failed;
                    summary.nothing += s.nothing;
                }
                status = status.worst(report.status);
                progress.migrated(&report);
                pending.retain(|g| !ready.contains(g));
            }
            if pending.is_empty() {
                break;
            }
            if stop.received().is_none() {
                let changed = last.as_ref() != Some(&waiting);
                progress.waiting(&waiting, changed);
                last = Some(waiting.clone());
            }
            if let Some(signal) = stop.received() {
                messages.push(format!(
                    "Error: interrupted by {}: still waiting for {}; the groups above were migrated",
                    crate::usecase::commit::signal_name(signal),
                    pending.join(", ")
                ));
                return Ok(MigrateReport {
                    rows: Vec::new(),
                    offsets: Vec::new(),
                    summary: Some(summary),
                    messages,
                    status: ExitStatus::from_signal(signal),
                });
            }
            if Instant::now() + every > deadline {
                for (group, why) in &waiting {
                    messages.push(format!(
                        "Error: group '{group}' did not drain the old cluster within --wait-timeout: it {why}"
                    ));
                }
                summary.refused += waiting.len();
                status = status.worst(ExitStatus::Failure);
                break;
            }
            // Sleeps in steps, so that a signal ends the wait at once.
            let until = Instant::now() + every;
            while Instant::now() < until && stop.received().is_none() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(MigrateReport { rows: Vec::new(), offsets: Vec::new(), summary: Some(summary), messages, status })
    }
}
