//! describe-groups: consumer groups as `kafka-consumer-groups.sh --describe` and `--list` show them, read-only. One
//! round for the metadata and the coordinators, one for every group's description and committed offsets (per
//! coordinator), one for the log end offsets of the partitions shown (per leader).

use std::collections::{BTreeMap, BTreeSet};

use crate::client::groups::{DescribeMembers, Described, FetchCommitted, ListGroups, Wanted};
use crate::client::session::{Operation, Session};
use crate::error::{ExitStatus, Result};
use crate::formats::settings::ClientSettings;
use crate::usecase::commit::Outcome;
use crate::usecase::discover::{discover, GroupSelection};
use crate::usecase::log_offsets::LogOffsetLookups;
use crate::TopicPartition;

#[derive(Debug, Clone)]
pub struct DescribeRequest {
    pub settings: ClientSettings,
    pub groups: GroupSelection,
}

/// One row of the offsets view: a partition the group has an offset for or a member is assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetRow {
    pub partition: TopicPartition,
    pub offset: Option<i64>,
    /// None when the partition has no leader (or its log end could not be read).
    pub log_end: Option<i64>,
    pub lag: Option<i64>,
    /// The member it is assigned to: (consumer id, host, client id).
    pub member: Option<(String, String, String)>,
}

/// A group as described, with its offsets view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupView {
    pub group: String,
    pub described: Described,
    /// The coordinator's node id, when the metadata names it.
    pub coordinator_id: Option<i32>,
    pub rows: Vec<OffsetRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeReport {
    /// Sorted by group id.
    pub groups: Vec<GroupView>,
    /// Lines for stderr.
    pub messages: Vec<String>,
    pub status: ExitStatus,
}

impl DescribeRequest {
    pub fn run(self) -> Result<DescribeReport> {
        let mut out = Outcome::default();
        let session = Session::connect(self.settings.clone())?;
        let timeout = self.settings.timeout;
        let found = discover(&session, &self.groups, None, &mut out)?;
        let mut describe = DescribeMembers::new(found.groups.iter().cloned());
        let wanted = found.groups.iter().map(|g| (g.clone(), Wanted::All));
        let mut committed = FetchCommitted::new(wanted, found.metadata.partitions());
        session.drive("groups and committed offsets", &mut [&mut describe, &mut committed], timeout)?;
        let described = describe.results();
        let committed = committed.results();

        // The partitions shown: each group's committed ones and its members' assigned ones.
        let mut shown: BTreeSet<TopicPartition> = BTreeSet::new();
        for group in &found.groups {
            if let Some(Ok(offsets)) = committed.get(group) {
                shown.extend(offsets.keys().cloned());
            }
            if let Some(Ok(d)) = described.get(group) {
                shown.extend(d.members.iter().flat_map(|m| m.assignment.iter().cloned()));
            }
        }
        let leaders = found.metadata.leaders();
        // Kafka 4.2+ does not ask the partitions without a leader: their log end is `-`.
        let with_leaders: Vec<(TopicPartition, i32)> =
            shown.iter().filter_map(|tp| leaders.get(tp).filter(|&&l| l >= 0).map(|&l| (tp.clone(), l))).collect();
        let mut lookups = LogOffsetLookups::latest(&session, &with_leaders);
        {
            let mut operations: Vec<&mut dyn Operation> = lookups.operations().collect();
            session.drive("log end offsets", &mut operations, timeout)?;
        }
        let ends = lookups.results();

        let mut groups = Vec::new();
        for group in &found.groups {
            let described = match described.get(group) {
                Some(Ok(d)) => d.clone(),
                Some(Err(e)) => {
                    out.error(format!("cannot describe group '{group}': {e}"));
                    continue;
                }
                None => {
                    out.error(format!("cannot describe group '{group}'"));
                    continue;
                }
            };
            let offsets = match committed.get(group) {
                Some(Ok(offsets)) => offsets.clone(),
                Some(Err(e)) => {
                    out.error(format!("cannot read the committed offsets of group '{group}': {e}"));
                    continue;
                }
                None => BTreeMap::new(),
            };
            let log_end = |tp: &TopicPartition| ends.latest.get(tp).copied().flatten();
            let row = |tp: &TopicPartition, member: Option<(String, String, String)>| {
                let offset = offsets.get(tp).copied();
                let end = log_end(tp);
                let lag = offset.and_then(|o| end.map(|e| e - o));
                OffsetRow { partition: tp.clone(), offset, log_end: end, lag, member }
            };
            // Members with partitions, the most partitions first (Kafka's order), each's sorted; then the partitions
            // committed and assigned to nobody.
            let mut members: Vec<_> = described.members.iter().filter(|m| !m.assignment.is_empty()).collect();
            members.sort_by_key(|m| std::cmp::Reverse(m.assignment.len()));
            let mut rows = Vec::new();
            let mut assigned = BTreeSet::new();
            for member in members {
                let mut partitions = member.assignment.clone();
                partitions.sort();
                for tp in &partitions {
                    assigned.insert(tp.clone());
                    rows.push(row(tp, Some((member.member_id.clone(), member.host.clone(), member.client_id.clone()))));
                }
            }
            for tp in offsets.keys().filter(|tp| !assigned.contains(*tp)) {
                rows.push(row(tp, None));
            }
            let coordinator_id = found
                .metadata
                .brokers
                .iter()
                .find(|(_, address)| **address == described.coordinator)
                .map(|(id, _)| *id);
            groups.push(GroupView { group: group.clone(), described, coordinator_id, rows });
        }
        Ok(DescribeReport { groups, status: out.status(), messages: out.messages })
    }
}

/// A group as `--list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub group: String,
    /// `classic` or `consumer` (empty from brokers before ListGroups v5).
    pub kind: String,
    pub state: String,
}

/// Every consumer group of the cluster, sorted, with its type and state.
pub fn list(settings: ClientSettings) -> Result<Vec<Listed>> {
    let session = Session::connect(settings.clone())?;
    // The brokers are known once the metadata is.
    discover(&session, &GroupSelection::Named(Vec::new()), None, &mut Outcome::default())?;
    let mut list = ListGroups::new(session.broker_ids());
    session.drive("list groups", &mut [&mut list], settings.timeout)?;
    let listed = list.listed().map_err(crate::error::Error::Cluster)?;
    Ok(listed.into_iter().map(|(group, (kind, state))| Listed { group, kind, state }).collect())
}
