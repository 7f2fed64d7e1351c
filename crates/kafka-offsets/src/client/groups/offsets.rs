//! The group operations on committed offsets, per coordinator: OffsetFetch (reading), OffsetCommit (one request per
//! group, as an outsider) and OffsetDelete (KIP-496, Kafka 2.4+: removing a group's committed offsets, which undoes
//! a first migration).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{OffsetCommitRequest, OffsetDeleteRequest, OffsetFetchRequest};
use kafka_protocol::protocol::StrBytes;

use crate::client::messages::{alter_share_group_offsets_request as alter, AlterShareGroupOffsetsRequest};

use super::{by_topic, group_id, topic_name, GroupWork, GROUPS_PER_REQUEST};
use crate::client::codes::ErrorCode;
use crate::client::connection::ConnError;
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::formats::settings::BrokerAddress;
use crate::TopicPartition;

/// Which committed offsets to read for a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// Every partition the group has committed (`--all-topics`).
    All,
    Partitions(Vec<TopicPartition>),
}

/// A group's committed offsets: partitions without one are absent.
pub type Committed = BTreeMap<TopicPartition, i64>;

/// OffsetFetch for many groups: per coordinator, one request for all its groups (v8+) or one per group.
#[derive(Debug)]
pub struct FetchCommitted {
    work: GroupWork<Committed>,
    wanted: HashMap<String, Wanted>,
    /// Every partition of the cluster: what `Wanted::All` means for OffsetFetch v1, which cannot ask for all.
    all_partitions: Vec<TopicPartition>,
    calls: Vec<(Call<OffsetFetchRequest>, i16, BrokerAddress, Vec<String>)>,
}

impl FetchCommitted {
    pub fn new(
        wanted: impl IntoIterator<Item = (String, Wanted)>,
        all_partitions: Vec<TopicPartition>,
    ) -> FetchCommitted {
        let wanted: HashMap<String, Wanted> = wanted.into_iter().collect();
        FetchCommitted { work: GroupWork::new(wanted.keys().cloned()), wanted, all_partitions, calls: Vec::new() }
    }

    pub fn results(self) -> BTreeMap<String, Result<Committed, String>> {
        self.work.results
    }

    fn partitions_of(&self, group: &str, version: i16) -> Option<Vec<&TopicPartition>> {
        match self.wanted.get(group) {
            Some(Wanted::Partitions(partitions)) => Some(partitions.iter().collect()),
            Some(Wanted::All) if version < 2 => Some(self.all_partitions.iter().collect()),
            _ => None,
        }
    }
}

/// One group's entry of an OffsetFetch answer.
fn read_partitions(partitions: impl Iterator<Item = (String, i32, i64, i16)>) -> Result<Committed, ErrorCode> {
    let mut committed = Committed::new();
    for (topic, partition, offset, error) in partitions {
        match ErrorCode(error) {
            // A partition the group never committed, or a topic gone since: no committed offset.
            ErrorCode::NONE | ErrorCode::UNKNOWN_TOPIC_OR_PARTITION => {
                if offset >= 0 {
                    committed.insert(TopicPartition::new(&topic, partition), offset);
                }
            }
            code => return Err(code),
        }
    }
    Ok(committed)
}

impl Operation for FetchCommitted {
    fn request(&mut self, session: &Session, round: &mut Round) {
        for (address, groups) in self.work.route(session, round) {
            let target = Target::Address(address.clone());
            // Never v0: it reads the offsets old consumers kept in ZooKeeper.
            let Some(version) = session.version::<OffsetFetchRequest>(&target, 1, i16::MAX) else {
                groups
                    .iter()
                    .for_each(|g| self.work.finish(g, Err("the coordinator cannot fetch committed offsets".into())));
                continue;
            };
            if version >= 8 {
                for chunk in groups.chunks(GROUPS_PER_REQUEST) {
                    let entries = chunk
                        .iter()
                        .map(|group| {
                            let topics = self.partitions_of(group, version).map(|partitions| {
                                by_topic(partitions.into_iter().map(|tp| (tp, ())))
                                    .into_iter()
                                    .map(|(name, ps)| {
                                        OffsetFetchRequestTopics::default()
                                            .with_name(topic_name(name))
                                            .with_partition_indexes(ps.into_iter().map(|(p, ())| p).collect())
                                    })
                                    .collect()
                            });
                            OffsetFetchRequestGroup::default().with_group_id(group_id(group)).with_topics(topics)
                        })
                        .collect();
                    let request = OffsetFetchRequest::default().with_groups(entries);
                    self.calls.push((
                        round.add(target.clone(), &request, version),
                        version,
                        address.clone(),
                        chunk.to_vec(),
                    ));
                }
            } else {
                for group in groups {
                    let topics = self.partitions_of(&group, version).map(|partitions| {
                        by_topic(partitions.into_iter().map(|tp| (tp, ())))
                            .into_iter()
                            .map(|(name, ps)| {
                                OffsetFetchRequestTopic::default()
                                    .with_name(topic_name(name))
                                    .with_partition_indexes(ps.into_iter().map(|(p, ())| p).collect())
                            })
                            .collect()
                    });
                    let request = OffsetFetchRequest::default().with_group_id(group_id(&group)).with_topics(topics);
                    self.calls.push((
                        round.add(target.clone(), &request, version),
                        version,
                        address.clone(),
                        vec![group],
                    ));
                }
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = self.work.absorb_lookups(session, answers);
        for (call, version, address, groups) in std::mem::take(&mut self.calls) {
            let response = match answers.take(call) {
                Ok(response) => response,
                Err(e) => {
                    next.raise(self.work.unreachable(session, &groups, &address, &e));
                    continue;
                }
            };
            let mut outcomes: Vec<(String, ErrorCode, Result<Committed, ErrorCode>)> = Vec::new();
            if version >= 8 {
                for entry in response.groups {
                    let partitions = entry.topics.iter().flat_map(|t| {
                        t.partitions
                            .iter()
                            .map(|p| (t.name.to_string(), p.partition_index, p.committed_offset, p.error_code))
                    });
                    let group = entry.group_id.to_string();
                    let read = read_partitions(partitions);
                    outcomes.push((group, ErrorCode(entry.error_code), read));
                }
            } else {
                let group = groups[0].clone();
                let partitions = response.topics.iter().flat_map(|t| {
                    t.partitions
                        .iter()
                        .map(|p| (t.name.to_string(), p.partition_index, p.committed_offset, p.error_code))
                });
                let read = read_partitions(partitions);
                outcomes.push((group, ErrorCode(response.error_code), read));
            }
            for (group, code, read) in outcomes {
                let code = if code.is_error() { code } else { read.as_ref().err().copied().unwrap_or(ErrorCode::NONE) };
                if code.is_error() {
                    next.raise(self.work.error(session, &group, code, "cannot read its committed offsets"));
                } else if let Ok(committed) = read {
                    self.work.finish(&group, Ok(committed));
                }
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(reason);
    }
}

/// What a coordinator's answer says of one partition of a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionCommit {
    Committed,
    Refused(ErrorCode),
    /// The answer does not name the partition: it was not committed.
    NotInAnswer,
}

impl std::fmt::Display for PartitionCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartitionCommit::Committed => f.write_str("committed"),
            PartitionCommit::Refused(code) => write!(f, "the commit failed: {code}"),
            PartitionCommit::NotInAnswer => {
                f.write_str("the coordinator's answer does not name it: its commit is not confirmed")
            }
        }
    }
}

/// What a group's coordinator said to its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Each partition's answer.
    Answered(Vec<(TopicPartition, PartitionCommit)>),
    /// The coordinator refused the commit because the group has members (the error it gave).
    GroupActive(ErrorCode),
}

/// OffsetCommit for many groups, one request per group, pipelined per coordinator. Partitions refused for a
/// passing reason are sent again until the deadline.
#[derive(Debug)]
pub struct CommitOffsets {
    work: GroupWork<CommitOutcome>,
    plans: HashMap<String, Vec<(TopicPartition, i64)>>,
    /// Per group, the partitions already answered for good.
    answered: HashMap<String, BTreeMap<TopicPartition, PartitionCommit>>,
    calls: Vec<(CommitCall, BrokerAddress, String)>,
    /// Share groups (KIP-932): their start offsets are changed instead (AlterShareGroupOffsets).
    share: BTreeSet<String>,
    /// Groups whose commit may have reached a broker, with why no answer came for the first attempt whose answer
    /// was lost (empty when every attempt sent was answered).
    pub sent: BTreeMap<String, String>,
    /// Groups whose commit was written when a signal stopped the wait for its answer.
    unanswered: BTreeSet<String>,
}

impl CommitOffsets {
    pub fn new(plans: impl IntoIterator<Item = (String, Vec<(TopicPartition, i64)>)>) -> CommitOffsets {
        let plans: HashMap<String, Vec<(TopicPartition, i64)>> = plans.into_iter().collect();
        CommitOffsets {
            work: GroupWork::new(plans.keys().cloned()),
            plans,
            answered: HashMap::new(),
            calls: Vec::new(),
            share: BTreeSet::new(),
            sent: BTreeMap::new(),
            unanswered: BTreeSet::new(),
        }
    }

    /// These groups are share groups: their plans are start offsets, set with AlterShareGroupOffsets.
    pub fn with_share_groups(mut self, share: BTreeSet<String>) -> CommitOffsets {
        self.share = share;
        self
    }

    /// Groups whose commit was sent and not answered when a signal stopped the run.
    pub fn unanswered(&self) -> BTreeSet<String> {
        self.unanswered.clone()
    }

    pub fn results(self) -> BTreeMap<String, Result<CommitOutcome, String>> {
        self.work.results
    }

    fn remaining(&self, group: &str) -> Vec<&(TopicPartition, i64)> {
        let done = self.answered.get(group);
        self.plans[group].iter().filter(|(tp, _)| done.is_none_or(|d| !d.contains_key(tp))).collect()
    }
}

impl Operation for CommitOffsets {
    fn request(&mut self, session: &Session, round: &mut Round) {
        for (address, groups) in self.work.route(session, round) {
            let target = Target::Address(address.clone());
            let (share, groups): (Vec<String>, Vec<String>) = groups.into_iter().partition(|g| self.share.contains(g));
            self.request_share(session, round, &address, share);
            // Never v0 (ZooKeeper) or v1; v2 is what Kafka 0.9 has and Kafka 4.0 still takes.
            let Some(version) = session.version::<OffsetCommitRequest>(&target, 2, i16::MAX) else {
                groups.iter().for_each(|g| {
                    self.work.finish(g, Err("the coordinator cannot take commits (OffsetCommit v2+)".into()))
                });
                continue;
            };
            for group in groups {
                let topics = by_topic(self.remaining(&group).into_iter().map(|(tp, offset)| (tp, *offset)))
                    .into_iter()
                    .map(|(name, partitions)| {
                        OffsetCommitRequestTopic::default().with_name(topic_name(name)).with_partitions(
                            partitions
                                .into_iter()
                                .map(|(p, offset)| {
                                    OffsetCommitRequestPartition::default()
                                        .with_partition_index(p)
                                        .with_committed_offset(offset)
                                })
                                .collect(),
                        )
                    })
                    .collect();
                let request = OffsetCommitRequest::default()
                    .with_group_id(group_id(&group))
                    .with_generation_id_or_member_epoch(-1)
                    .with_member_id(StrBytes::from_static_str(""))
                    .with_topics(topics);
                let call = CommitCall::Consumer(round.add(target.clone(), &request, version));
                self.calls.push((call, address.clone(), group));
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = self.work.absorb_lookups(session, answers);
        for (call, address, group) in std::mem::take(&mut self.calls) {
            let response = match call.take(answers) {
                Ok(response) => response,
                Err(e) => {
                    if e.maybe_sent() {
                        self.sent.entry(group.clone()).or_insert_with(|| e.to_string());
                    }
                    if e == (ConnError::Stopped { sent: true }) {
                        self.unanswered.insert(group.clone());
                    }
                    next.raise(self.work.unreachable(session, std::slice::from_ref(&group), &address, &e));
                    continue;
                }
            };
            // An earlier attempt's lost answer stays said: that attempt may have been applied.
            self.sent.entry(group.clone()).or_default();
            let (group_code, answers) = response;
            if group_code.means_group_active() {
                self.work.finish(&group, Ok(CommitOutcome::GroupActive(group_code)));
                continue;
            }
            if group_code.is_error() {
                next.raise(self.work.error(session, &group, group_code, "its commit was refused"));
                continue;
            }
            if !answers.is_empty() && answers.iter().all(|(_, code)| code.means_group_active()) {
                self.work.finish(&group, Ok(CommitOutcome::GroupActive(answers[0].1)));
                continue;
            }
            let mut retry: Option<ErrorCode> = None;
            let done = self.answered.entry(group.clone()).or_default();
            for (tp, code) in answers {
                if code.is_retriable() {
                    retry = Some(code);
                } else if code.is_error() {
                    done.insert(tp, PartitionCommit::Refused(code));
                } else {
                    done.insert(tp, PartitionCommit::Committed);
                }
            }
            match retry {
                Some(code) => {
                    next.raise(self.work.error(session, &group, code, "its commit was refused"));
                }
                None => {
                    let answered = &self.answered[&group];
                    let outcome = self.plans[&group]
                        .iter()
                        .map(|(tp, _)| (tp.clone(), answered.get(tp).copied().unwrap_or(PartitionCommit::NotInAnswer)))
                        .collect();
                    self.work.finish(&group, Ok(CommitOutcome::Answered(outcome)));
                }
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(reason);
    }
}

impl CommitOffsets {
    /// AlterShareGroupOffsets for share groups, one request per group.
    fn request_share(&mut self, session: &Session, round: &mut Round, address: &BrokerAddress, groups: Vec<String>) {
        let target = Target::Address(address.clone());
        let version = session.version::<AlterShareGroupOffsetsRequest>(&target, 0, i16::MAX);
        for group in groups {
            let Some(version) = version else {
                let error = "the coordinator cannot change share groups' start offsets (Kafka 4.2 or newer)";
                self.work.finish(&group, Err(error.into()));
                continue;
            };
            let topics = by_topic(self.remaining(&group).into_iter().map(|(tp, offset)| (tp, *offset)))
                .into_iter()
                .map(|(name, partitions)| alter::AlterShareGroupOffsetsRequestTopic {
                    topic_name: name.to_string(),
                    partitions: partitions
                        .into_iter()
                        .map(|(partition_index, start_offset)| alter::AlterShareGroupOffsetsRequestPartition {
                            partition_index,
                            start_offset,
                        })
                        .collect(),
                })
                .collect();
            let request = AlterShareGroupOffsetsRequest { group_id: group.clone(), topics };
            let call = CommitCall::Share(round.add(target.clone(), &request, version));
            self.calls.push((call, address.clone(), group));
        }
    }
}

/// A group's commit on the wire: OffsetCommit, or AlterShareGroupOffsets for a share group.
#[derive(Debug)]
enum CommitCall {
    Consumer(Call<OffsetCommitRequest>),
    Share(Call<AlterShareGroupOffsetsRequest>),
}

impl CommitCall {
    /// The answer: its group-level error (share groups), and each partition's.
    fn take(self, answers: &mut Answers) -> Result<(ErrorCode, Vec<(TopicPartition, ErrorCode)>), ConnError> {
        Ok(match self {
            CommitCall::Consumer(call) => {
                let response = answers.take(call)?;
                let partitions = response
                    .topics
                    .iter()
                    .flat_map(|t| {
                        t.partitions
                            .iter()
                            .map(|p| (TopicPartition::new(&t.name, p.partition_index), ErrorCode(p.error_code)))
                    })
                    .collect();
                (ErrorCode::NONE, partitions)
            }
            CommitCall::Share(call) => {
                let response = answers.take(call)?;
                let partitions = response
                    .responses
                    .iter()
                    .flat_map(|t| {
                        t.partitions
                            .iter()
                            .map(|p| (TopicPartition::new(&t.topic_name, p.partition_index), ErrorCode(p.error_code)))
                    })
                    .collect();
                (ErrorCode(response.error_code), partitions)
            }
        })
    }
}

/// Whether the group's coordinator (when found already, else the cluster) takes OffsetDelete (KIP-496, Kafka 2.4+).
pub fn can_delete_offsets(session: &Session, group: &str) -> bool {
    let target = session.coordinator(group).map_or(Target::Any, Target::Address);
    session.version::<OffsetDeleteRequest>(&target, 0, i16::MAX).is_some()
}

/// OffsetDelete for many groups (KIP-496, Kafka 2.4+): each group's committed offsets of some partitions removed,
/// one request per group, pipelined per coordinator. Kafka refuses it for partitions a live member of the group
/// consumes (GROUP_SUBSCRIBED_TO_TOPIC).
#[derive(Debug)]
pub struct DeleteOffsets {
    work: GroupWork<Vec<(TopicPartition, PartitionCommit)>>,
    partitions: HashMap<String, Vec<TopicPartition>>,
    calls: Vec<(Call<OffsetDeleteRequest>, BrokerAddress, String)>,
}

impl DeleteOffsets {
    pub fn new(partitions: impl IntoIterator<Item = (String, Vec<TopicPartition>)>) -> DeleteOffsets {
        let partitions: HashMap<String, Vec<TopicPartition>> = partitions.into_iter().collect();
        DeleteOffsets { work: GroupWork::new(partitions.keys().cloned()), partitions, calls: Vec::new() }
    }

    /// Per group, each partition's answer (`Committed` meaning deleted), or why the group failed.
    pub fn results(self) -> BTreeMap<String, Result<Vec<(TopicPartition, PartitionCommit)>, String>> {
        self.work.results
    }
}

impl Operation for DeleteOffsets {
    fn request(&mut self, session: &Session, round: &mut Round) {
        for (address, groups) in self.work.route(session, round) {
            let target = Target::Address(address.clone());
            let Some(version) = session.version::<OffsetDeleteRequest>(&target, 0, i16::MAX) else {
                groups.iter().for_each(|g| {
                    self.work.finish(g, Err("the coordinator cannot delete offsets (OffsetDelete, Kafka 2.4+)".into()))
                });
                continue;
            };
            for group in groups {
                let topics = by_topic(self.partitions[&group].iter().map(|tp| (tp, ())))
                    .into_iter()
                    .map(|(name, partitions)| {
                        OffsetDeleteRequestTopic::default().with_name(topic_name(name)).with_partitions(
                            partitions
                                .into_iter()
                                .map(|(p, ())| OffsetDeleteRequestPartition::default().with_partition_index(p))
                                .collect(),
                        )
                    })
                    .collect();
                let request = OffsetDeleteRequest::default().with_group_id(group_id(&group)).with_topics(topics);
                self.calls.push((round.add(target.clone(), &request, version), address.clone(), group));
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = self.work.absorb_lookups(session, answers);
        for (call, address, group) in std::mem::take(&mut self.calls) {
            let response = match answers.take(call) {
                Ok(response) => response,
                Err(e) => {
                    next.raise(self.work.unreachable(session, std::slice::from_ref(&group), &address, &e));
                    continue;
                }
            };
            let code = ErrorCode(response.error_code);
            if code == ErrorCode::GROUP_ID_NOT_FOUND {
                // A group that no longer exists has no offset left to delete.
                let gone = self.partitions[&group].iter().map(|tp| (tp.clone(), PartitionCommit::Committed)).collect();
                self.work.finish(&group, Ok(gone));
                continue;
            }
            if code.is_error() {
                next.raise(self.work.error(session, &group, code, "its offsets could not be deleted"));
                continue;
            }
            let answered: HashMap<TopicPartition, ErrorCode> = response
                .topics
                .iter()
                .flat_map(|t| {
                    t.partitions
                        .iter()
                        .map(|p| (TopicPartition::new(&t.name, p.partition_index), ErrorCode(p.error_code)))
                })
                .collect();
            let outcome = self.partitions[&group]
                .iter()
                .map(|tp| {
                    let result = match answered.get(tp) {
                        None => PartitionCommit::NotInAnswer,
                        Some(code) if code.is_error() => PartitionCommit::Refused(*code),
                        Some(_) => PartitionCommit::Committed,
                    };
                    (tp.clone(), result)
                })
                .collect();
            self.work.finish(&group, Ok(outcome));
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(reason);
    }
}
