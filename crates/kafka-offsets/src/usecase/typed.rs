//! Groups of the other types in a reset (Kafka 4.2+): share groups (KIP-932), whose start offsets stand for
//! committed offsets, and streams groups (KIP-1071), whose offsets are a consumer group's but whose scope is their
//! application's input topics. A run may ask for one type (`--group-type`, as Kafka's kafka-share-groups.sh and
//! kafka-streams-groups.sh do): any group of another type is then refused by name, before anything is committed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::client::groups::{Committed, FetchCommitted, FetchStartOffsets, GroupState, GroupType, Wanted};
use crate::client::session::Session;
use crate::error::Result;
use crate::usecase::commit::{started, Outcome};
use crate::TopicPartition;

/// A group's type, as a run may ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// A consumer group, classic or KIP-848.
    Consumer,
    Share,
    Streams,
}

impl GroupKind {
    fn of(kind: Option<&GroupType>) -> GroupKind {
        match kind {
            None => GroupKind::Consumer,
            Some(GroupType::Share) => GroupKind::Share,
            Some(GroupType::Streams { .. }) => GroupKind::Streams,
        }
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupKind::Consumer => "consumer",
            GroupKind::Share => "share",
            GroupKind::Streams => "streams",
        })
    }
}

/// Each group's type: what the brokers described, or for a group no describe knows (no members, no offsets kept
/// as a group of another type), the type the run asks for (Kafka's share and streams tools reset a group that does
/// not exist yet as one of theirs).
pub(crate) fn kinds(
    groups: &[String],
    types: &BTreeMap<String, GroupType>,
    states: &BTreeMap<String, std::result::Result<GroupState, String>>,
    asked: Option<GroupKind>,
) -> BTreeMap<String, GroupKind> {
    groups
        .iter()
        .map(|group| {
            let unknown = matches!(states.get(group), Some(Ok(GroupState::Known(s))) if s == "Dead");
            let kind = match (types.get(group), asked) {
                (None, Some(asked)) if unknown => asked,
                (kind, _) => GroupKind::of(kind),
            };
            (group.clone(), kind)
        })
        .collect()
}

/// The groups of another type than the run asks for, each refused by name (nothing is committed for them).
pub(crate) fn refuse_other_types(
    kinds: &BTreeMap<String, GroupKind>,
    asked: Option<GroupKind>,
    out: &mut Outcome,
) -> BTreeSet<String> {
    let Some(asked) = asked else { return BTreeSet::new() };
    let mut refused = BTreeSet::new();
    for (group, kind) in kinds.iter().filter(|(_, kind)| **kind != asked) {
        out.error(format!(
            "Group {group} is not a {asked} group: it is a {kind} group (reset it without --group-type, or with \
             --group-type {kind}); nothing is committed for it"
        ));
        refused.insert(group.clone());
    }
    refused
}

/// The share groups' start offsets, as committed offsets (partitions without one left out), read in a round of
/// their own; `wanted` as for OffsetFetch.
pub(crate) fn start_offsets(
    session: &Session,
    wanted: Vec<(String, Wanted)>,
) -> Result<BTreeMap<String, std::result::Result<Committed, String>>> {
    let wanted = wanted.into_iter().map(|(g, w)| match w {
        Wanted::All => (g, None),
        Wanted::Partitions(partitions) => (g, Some(partitions)),
    });
    let mut starts = FetchStartOffsets::new(wanted);
    session.drive("share groups' start offsets", &mut [&mut starts], session.timeout())?;
    Ok(starts.results().into_iter().map(|(g, r)| (g, r.map(|s| started(&s)))).collect())
}

/// The streams groups' committed offsets where the run did not read them (Kafka's streams tool checks that every
/// partition named has one).
pub(crate) fn committed_offsets(
    session: &Session,
    wanted: Vec<(String, Wanted)>,
) -> Result<BTreeMap<String, std::result::Result<Committed, String>>> {
    let mut fetch = FetchCommitted::new(wanted, Vec::new());
    session.drive("streams groups' committed offsets", &mut [&mut fetch], session.timeout())?;
    Ok(fetch.results())
}

/// `--all-topics` of a streams group: its committed partitions of the topics its application reads from outside
/// (its subtopologies' source topics), as kafka-streams-groups.sh's `--all-input-topics`.
pub(crate) fn input_partitions(kind: Option<&GroupType>, committed: &Committed) -> Vec<TopicPartition> {
    match kind {
        Some(GroupType::Streams { source_topics, .. }) => {
            committed.keys().filter(|tp| source_topics.iter().any(|t| **t == *tp.topic)).cloned().collect()
        }
        _ => committed.keys().cloned().collect(),
    }
}

/// `--topic` of a streams group: every partition named must have a committed offset in the group (Kafka's
/// streams tool refuses the whole reset otherwise).
pub(crate) fn outside_group(group: &str, scope: &[TopicPartition], committed: Option<&Committed>) -> Option<String> {
    let outside = scope.iter().any(|tp| committed.is_none_or(|c| !c.contains_key(tp)));
    outside.then(|| format!("One or more topics are not part of the group '{group}'."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dead() -> std::result::Result<GroupState, String> {
        Ok(GroupState::Known("Dead".into()))
    }

    #[test]
    fn an_unknown_group_takes_the_type_asked_for() {
        let groups = vec!["new".to_string(), "sg".to_string(), "cg".to_string()];
        let types = BTreeMap::from([("sg".to_string(), GroupType::Share)]);
        let states = BTreeMap::from([
            ("new".to_string(), dead()),
            ("sg".to_string(), Ok(GroupState::Known("Empty".into()))),
            ("cg".to_string(), Ok(GroupState::Known("Empty".into()))),
        ]);
        let asked = kinds(&groups, &types, &states, Some(GroupKind::Share));
        assert_eq!(asked["new"], GroupKind::Share);
        assert_eq!(asked["sg"], GroupKind::Share);
        assert_eq!(asked["cg"], GroupKind::Consumer);
        let mut out = Outcome::default();
        assert_eq!(refuse_other_types(&asked, Some(GroupKind::Share), &mut out), BTreeSet::from(["cg".to_string()]));
        assert_eq!(
            out.messages,
            ["Error: Group cg is not a share group: it is a consumer group (reset it without --group-type, or with \
              --group-type consumer); nothing is committed for it"]
        );
        let plain = kinds(&groups, &types, &states, None);
        assert_eq!(plain["new"], GroupKind::Consumer);
        assert!(refuse_other_types(&plain, None, &mut Outcome::default()).is_empty());
    }

    #[test]
    fn streams_input_topics_are_the_source_topics() {
        let committed: Committed =
            [(TopicPartition::new("in", 0), 3), (TopicPartition::new("app-repartition", 0), 9)].into_iter().collect();
        let kind =
            GroupType::Streams { source_topics: vec!["in".into()], repartition_topics: vec!["app-repartition".into()] };
        assert_eq!(input_partitions(Some(&kind), &committed), [TopicPartition::new("in", 0)]);
        assert_eq!(input_partitions(None, &committed).len(), 2);
        let scope = [TopicPartition::new("in", 0), TopicPartition::new("in", 1)];
        assert_eq!(
            outside_group("app", &scope, Some(&committed)).as_deref(),
            Some("One or more topics are not part of the group 'app'.")
        );
        assert_eq!(outside_group("app", &scope[..1], Some(&committed)), None);
    }
}
