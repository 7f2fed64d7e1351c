//! The first phase of reset and migrate on a cluster: its metadata, and the groups the run works on (named, or
//! every group the brokers list) with their coordinators.

use std::collections::BTreeSet;

use crate::client::groups::{FindCoordinators, GroupState, ListGroups};
use crate::client::metadata::{ClusterMetadata, FetchMetadata};
use crate::client::session::Session;
use crate::error::{Error, Result};
use crate::usecase::commit::Outcome;

/// Which groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupSelection {
    Named(Vec<String>),
    /// `--all-groups`: every consumer group ListGroups reports.
    All,
    /// `--all-groups` of one other type (`share`, `streams`).
    AllOfType(&'static str),
}

/// What the first phase found.
#[derive(Debug)]
pub(crate) struct Discovered {
    pub metadata: ClusterMetadata,
    /// Sorted; without the named groups whose coordinator could not be found (each reported once in the outcome).
    pub groups: Vec<String>,
}

/// The metadata and the named groups' coordinators in one round trip; with `All`, the groups' list (one more).
/// `cluster` names the cluster in messages of a run that works on two.
pub(crate) fn discover(
    session: &Session,
    selection: &GroupSelection,
    cluster: Option<&'static str>,
    out: &mut Outcome,
) -> Result<Discovered> {
    let timeout = session.timeout();
    let named: BTreeSet<String> = match selection {
        GroupSelection::Named(names) => names.iter().cloned().collect(),
        GroupSelection::All | GroupSelection::AllOfType(_) => BTreeSet::new(),
    };
    let mut metadata = FetchMetadata::new();
    let mut coordinators = FindCoordinators::new(named.iter().cloned());
    session.drive("metadata and coordinators", &mut [&mut metadata, &mut coordinators], timeout)?;
    let metadata = metadata.result.unwrap_or_else(|| Err("no metadata".into())).map_err(Error::Cluster)?;
    // A group whose coordinator cannot be found (after retries until the timeout) is not asked again.
    let lost = coordinators.failures();
    let on = cluster.map(|c| format!(" on the {c}")).unwrap_or_default();
    for (group, reason) in &lost {
        out.error(format!("group '{group}'{on}: {reason}"));
    }
    let mut groups: Vec<String> = match selection {
        GroupSelection::Named(_) => named.into_iter().filter(|g| !lost.contains_key(g)).collect(),
        GroupSelection::All => {
            let mut list = ListGroups::new(session.broker_ids());
            session.drive("list groups", &mut [&mut list], timeout)?;
            list.groups().map_err(Error::Cluster)?
        }
        GroupSelection::AllOfType(kind) => {
            let mut list = ListGroups::of_types(session.broker_ids(), &[kind]);
            session.drive("list groups", &mut [&mut list], timeout)?;
            list.groups().map_err(Error::Cluster)?
        }
    };
    groups.sort();
    groups.dedup();
    Ok(Discovered { metadata, groups })
}

/// The check that a described group has no members, before anything is committed for it.
#[derive(Debug)]
pub(crate) struct StateCheck {
    /// Which cluster, in messages of a run that works on two (None: Kafka's own message).
    cluster: Option<&'static str>,
    warned_unsupported: bool,
}

impl StateCheck {
    pub fn new(cluster: Option<&'static str>) -> StateCheck {
        StateCheck { cluster, warned_unsupported: false }
    }

    /// Whether the group may be committed: a group with members is refused (exit status 3), one that could not be
    /// described is an error; a cluster that cannot describe groups is warned about once.
    pub fn inactive(
        &mut self,
        group: &str,
        state: Option<&std::result::Result<GroupState, String>>,
        out: &mut Outcome,
    ) -> bool {
        let on = self.cluster.map(|c| format!(" on the {c}")).unwrap_or_default();
        match state {
            Some(Ok(state)) if !state.is_inactive() => {
                if let GroupState::Known(state) = state {
                    match self.cluster {
                        None => out.refuse(group, state),
                        Some(cluster) => out.refuse_with(format!(
                            "Assignments can only be reset if the group '{group}' is inactive, but the current state \
                             is {state} on the {cluster}: stop its consumers first; nothing is committed for it"
                        )),
                    }
                }
                false
            }
            Some(Ok(GroupState::Unsupported)) => {
                if !self.warned_unsupported {
                    self.warned_unsupported = true;
                    out.warn(format!(
                        "the brokers{on} cannot describe consumer groups (no DescribeGroups); a group with members \
                         will make the commit fail instead"
                    ));
                }
                true
            }
            Some(Ok(_)) => true,
            Some(Err(e)) => {
                out.error(format!("cannot describe group '{group}'{on}: {e}"));
                false
            }
            None => {
                out.error(format!("cannot describe group '{group}'{on}"));
                false
            }
        }
    }
}
