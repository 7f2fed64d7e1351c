//! Share groups (KIP-932, Kafka 4.2+) and streams groups (KIP-1071), per coordinator: their state
//! (ShareGroupDescribe, API 77; StreamsGroupDescribe, API 89; asked beside DescribeGroups) and a share group's start
//! offsets (the first record its consumers may still be given, DescribeShareGroupOffsets, API 90). Their change
//! (AlterShareGroupOffsets, API 91, taken only while the group has no members) is a commit (`offsets`); a streams
//! group's offsets are a consumer group's (OffsetFetch, OffsetCommit).

use std::collections::{BTreeMap, HashMap};

use crate::client::codes::ErrorCode;
use crate::client::connection::ConnError;
use crate::client::messages::{
    describe_share_group_offsets_request as describe, DescribeShareGroupOffsetsRequest, ShareGroupDescribeRequest,
    StreamsGroupDescribeRequest,
};
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::formats::settings::BrokerAddress;
use crate::TopicPartition;

use super::{by_topic, GroupType, GroupWork, GROUPS_PER_REQUEST};

/// ShareGroupDescribe and StreamsGroupDescribe beside DescribeGroups, where the coordinator has them (Kafka
/// 4.2+): a group neither consumer describe knows may be of one of these types.
#[derive(Debug)]
pub(super) struct TypedCalls {
    share: Option<Call<ShareGroupDescribeRequest>>,
    streams: Option<Call<StreamsGroupDescribeRequest>>,
}

/// The groups an answer describes: their type and state.
pub(super) type Typed = HashMap<String, (GroupType, String)>;

impl TypedCalls {
    pub(super) fn new(session: &Session, target: &Target, groups: &[String], round: &mut Round) -> TypedCalls {
        let share = session.version::<ShareGroupDescribeRequest>(target, 1, i16::MAX).map(|v| {
            let request =
                ShareGroupDescribeRequest { group_ids: groups.to_vec(), include_authorized_operations: false };
            round.add(target.clone(), &request, v)
        });
        let streams = session.version::<StreamsGroupDescribeRequest>(target, 0, i16::MAX).map(|v| {
            let request = StreamsGroupDescribeRequest { group_ids: groups.to_vec(), ..Default::default() };
            round.add(target.clone(), &request, v)
        });
        TypedCalls { share, streams }
    }

    /// The groups either answer describes without an error (a group of another type is GROUP_ID_NOT_FOUND to them;
    /// Kafka 4.1 advertises both APIs and answers UNSUPPORTED_VERSION while its share and streams groups are off).
    pub(super) fn take(self, answers: &mut Answers) -> Result<Typed, ConnError> {
        let mut typed = Typed::new();
        if let Some(call) = self.share {
            for g in answers.take(call)?.groups {
                if g.error_code == ErrorCode::NONE.0 {
                    typed.insert(g.group_id, (GroupType::Share, g.group_state));
                }
            }
        }
        if let Some(call) = self.streams {
            for g in answers.take(call)?.groups {
                if g.error_code != ErrorCode::NONE.0 {
                    continue;
                }
                let subtopologies = g.topology.and_then(|t| t.subtopologies).unwrap_or_default();
                let source_topics = subtopologies.iter().flat_map(|s| s.source_topics.clone()).collect();
                let repartition_topics = subtopologies
                    .iter()
                    .flat_map(|s| s.repartition_source_topics.iter().map(|t| t.name.clone()))
                    .collect();
                let kind = GroupType::Streams { source_topics, repartition_topics };
                typed.insert(g.group_id, (kind, g.group_state));
            }
        }
        Ok(typed)
    }
}

/// A share group's start offsets: every partition it has one for (None where the coordinator has the partition
/// without a start offset yet).
pub type StartOffsets = BTreeMap<TopicPartition, Option<i64>>;

/// DescribeShareGroupOffsets for many share groups, all of a coordinator's in one request: all their partitions
/// (`None`) or the ones named.
#[derive(Debug)]
pub struct FetchStartOffsets {
    work: GroupWork<StartOffsets>,
    wanted: BTreeMap<String, Option<Vec<TopicPartition>>>,
    calls: Vec<(Call<DescribeShareGroupOffsetsRequest>, BrokerAddress, Vec<String>)>,
}

impl FetchStartOffsets {
    pub fn new(wanted: impl IntoIterator<Item = (String, Option<Vec<TopicPartition>>)>) -> FetchStartOffsets {
        let wanted: BTreeMap<_, _> = wanted.into_iter().collect();
        FetchStartOffsets { work: GroupWork::new(wanted.keys().cloned()), wanted, calls: Vec::new() }
    }

    pub fn results(self) -> BTreeMap<String, Result<StartOffsets, String>> {
        self.work.results
    }
}

impl Operation for FetchStartOffsets {
    fn request(&mut self, session: &Session, round: &mut Round) {
        for (address, groups) in self.work.route(session, round) {
            let target = Target::Address(address.clone());
            let Some(version) = session.version::<DescribeShareGroupOffsetsRequest>(&target, 0, i16::MAX) else {
                let error = format!("its coordinator {address} does not support DescribeShareGroupOffsets");
                groups.iter().for_each(|g| self.work.finish(g, Err(error.clone())));
                continue;
            };
            for chunk in groups.chunks(GROUPS_PER_REQUEST) {
                let entries = chunk
                    .iter()
                    .map(|group| describe::DescribeShareGroupOffsetsRequestGroup {
                        group_id: group.clone(),
                        topics: self.wanted.get(group).cloned().flatten().map(|partitions| {
                            by_topic(partitions.iter().map(|tp| (tp, ())))
                                .into_iter()
                                .map(|(name, ps)| describe::DescribeShareGroupOffsetsRequestTopic {
                                    topic_name: name.to_string(),
                                    partitions: ps.into_iter().map(|(p, ())| p).collect(),
                                })
                                .collect()
                        }),
                    })
                    .collect();
                let request = DescribeShareGroupOffsetsRequest { groups: entries };
                self.calls.push((round.add(target.clone(), &request, version), address.clone(), chunk.to_vec()));
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = self.work.absorb_lookups(session, answers);
        for (call, address, groups) in std::mem::take(&mut self.calls) {
            let response = match answers.take(call) {
                Ok(response) => response,
                Err(e) => {
                    next.raise(self.work.unreachable(session, &groups, &address, &e));
                    continue;
                }
            };
            if groups.iter().any(|g| !response.groups.iter().any(|d| &d.group_id == g)) {
                next = Next::RetryLater;
            }
            for entry in response.groups {
                let code = ErrorCode(entry.error_code);
                // A group the coordinator does not know has no start offsets.
                if code.is_error() && code != ErrorCode::GROUP_ID_NOT_FOUND {
                    if self.work.error(session, &entry.group_id, code, "cannot read its start offsets")
                        == Next::RetryLater
                    {
                        next = Next::RetryLater;
                    }
                    continue;
                }
                let mut offsets = StartOffsets::new();
                let mut failed = None;
                for topic in &entry.topics {
                    for p in &topic.partitions {
                        match ErrorCode(p.error_code) {
                            ErrorCode::NONE => {
                                let offset = (p.start_offset >= 0).then_some(p.start_offset);
                                offsets.insert(TopicPartition::new(&topic.topic_name, p.partition_index), offset);
                            }
                            // A topic gone since, or a partition the group never started: no start offset.
                            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION => {}
                            code => failed = Some(format!("cannot read its start offsets: {code}")),
                        }
                    }
                }
                self.work.finish(&entry.group_id, failed.map_or(Ok(offsets), Err));
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(reason);
    }
}
