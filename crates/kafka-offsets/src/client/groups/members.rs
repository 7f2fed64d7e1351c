//! Consumer groups described whole, as `kafka-consumer-groups.sh --describe` shows them: state, assignor, members
//! (client, host, assigned partitions; KIP-848 members' epochs and target assignments too), per coordinator in one
//! round: DescribeGroups, and ConsumerGroupDescribe (API 69) for the groups of the new protocol, which Kafka 4's
//! coordinator does not describe through DescribeGroups. A classic member's assignment is the consumer protocol's
//! bytes, read here with the same bounds as every answer.

use std::collections::BTreeMap;

use kafka_protocol::messages::{ConsumerGroupDescribeRequest, DescribeGroupsRequest};

use super::{group_id, GroupWork, GROUPS_PER_REQUEST};
use crate::client::codes::ErrorCode;
use crate::client::messages::codec::{Item, Reader, Writer};
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::formats::settings::BrokerAddress;
use crate::TopicPartition;

/// A group member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub host: String,
    pub assignment: Vec<TopicPartition>,
    /// KIP-848 members: their epoch, the group's target assignment for them and its epoch.
    pub epoch: Option<i32>,
    pub target: Option<(i32, Vec<TopicPartition>)>,
}

/// A group as its coordinator describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Described {
    /// Empty, Stable, PreparingRebalance, ..., Dead (a group neither protocol knows).
    pub state: String,
    /// The assignment strategy (classic) or the assignor (KIP-848); empty when none.
    pub assignor: String,
    /// Whether the group uses the new consumer protocol (KIP-848).
    pub consumer_protocol: bool,
    pub group_epoch: Option<i32>,
    pub assignment_epoch: Option<i32>,
    pub members: Vec<Member>,
    /// Where it was described.
    pub coordinator: BrokerAddress,
}

/// DescribeGroups and ConsumerGroupDescribe for many groups, with their members.
#[derive(Debug)]
pub struct DescribeMembers {
    work: GroupWork<Described>,
    calls: Vec<MembersCall>,
}

#[derive(Debug)]
struct MembersCall {
    classic: Call<DescribeGroupsRequest>,
    consumer: Option<Call<ConsumerGroupDescribeRequest>>,
    address: BrokerAddress,
    groups: Vec<String>,
}

impl DescribeMembers {
    pub fn new(groups: impl IntoIterator<Item = String>) -> DescribeMembers {
        DescribeMembers { work: GroupWork::new(groups), calls: Vec::new() }
    }

    pub fn results(self) -> BTreeMap<String, Result<Described, String>> {
        self.work.results
    }
}

/// A classic member's assignment: the consumer protocol's `ConsumerProtocolAssignment` (a version, then the topics
/// and their partitions, then user data).
fn classic_assignment(bytes: &[u8]) -> Vec<TopicPartition> {
    struct Topic(String, Vec<i32>);
    impl Item for Topic {
        fn write(&self, _: &mut Writer, _: i16) -> Result<(), String> {
            Err("read only".into())
        }
        fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
            Ok(Topic(r.string()?, r.array(version)?))
        }
    }
    if bytes.len() < 2 {
        return Vec::new();
    }
    let mut r = Reader::new(bytes, false);
    let topics: Vec<Topic> = r.i16().and_then(|version| r.array(version)).unwrap_or_default();
    topics
        .into_iter()
        .flat_map(|Topic(topic, partitions)| partitions.into_iter().map(move |p| TopicPartition::new(&topic, p)))
        .collect()
}

impl Operation for DescribeMembers {
    fn request(&mut self, session: &Session, round: &mut Round) {
        for (address, groups) in self.work.route(session, round) {
            let target = Target::Address(address.clone());
            let Some(version) = session.version::<DescribeGroupsRequest>(&target, 0, i16::MAX) else {
                let error = "the coordinator cannot describe groups (DescribeGroups)".to_string();
                groups.iter().for_each(|g| self.work.finish(g, Err(error.clone())));
                continue;
            };
            let consumer_version = session.version::<ConsumerGroupDescribeRequest>(&target, 0, i16::MAX);
            for chunk in groups.chunks(GROUPS_PER_REQUEST) {
                let ids: Vec<_> = chunk.iter().map(|g| group_id(g)).collect();
                let classic =
                    round.add(target.clone(), &DescribeGroupsRequest::default().with_groups(ids.clone()), version);
                let consumer = consumer_version.map(|v| {
                    round.add(target.clone(), &ConsumerGroupDescribeRequest::default().with_group_ids(ids), v)
                });
                self.calls.push(MembersCall { classic, consumer, address: address.clone(), groups: chunk.to_vec() });
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = self.work.absorb_lookups(session, answers);
        for call in std::mem::take(&mut self.calls) {
            let consumer = call.consumer.map(|c| answers.take(c)).transpose();
            let (classic, consumer) = match (answers.take(call.classic), consumer) {
                (Ok(classic), Ok(consumer)) => (classic, consumer),
                (Err(e), _) | (_, Err(e)) => {
                    next.raise(self.work.unreachable(session, &call.groups, &call.address, &e));
                    continue;
                }
            };
            let mut new_protocol: BTreeMap<String, Described> = BTreeMap::new();
            for g in consumer.map(|c| c.groups).unwrap_or_default() {
                if g.error_code != ErrorCode::NONE.0 {
                    continue;
                }
                let partitions = |a: &kafka_protocol::messages::consumer_group_describe_response::Assignment| {
                    a.topic_partitions
                        .iter()
                        .flat_map(|t| t.partitions.iter().map(|p| TopicPartition::new(&t.topic_name, *p)))
                        .collect::<Vec<_>>()
                };
                let members = g
                    .members
                    .iter()
                    .map(|m| Member {
                        member_id: m.member_id.to_string(),
                        instance_id: m.instance_id.as_ref().map(|i| i.to_string()),
                        client_id: m.client_id.to_string(),
                        host: m.client_host.to_string(),
                        assignment: partitions(&m.assignment),
                        epoch: Some(m.member_epoch),
                        target: Some((g.assignment_epoch, partitions(&m.target_assignment))),
                    })
                    .collect();
                new_protocol.insert(
                    g.group_id.to_string(),
                    Described {
                        state: g.group_state.to_string(),
                        assignor: g.assignor_name.to_string(),
                        consumer_protocol: true,
                        group_epoch: Some(g.group_epoch),
                        assignment_epoch: Some(g.assignment_epoch),
                        members,
                        coordinator: call.address.clone(),
                    },
                );
            }
            for described in classic.groups {
                let group = described.group_id.to_string();
                let code = ErrorCode(described.error_code);
                let unknown = code == ErrorCode::GROUP_ID_NOT_FOUND || described.group_state.as_str() == "Dead";
                let outcome = match (unknown, new_protocol.remove(&group)) {
                    (true, Some(new)) => Ok(new),
                    (true, None) => Ok(Described {
                        state: "Dead".into(),
                        coordinator: call.address.clone(),
                        ..Described::default()
                    }),
                    (false, _) if code.is_error() => Err(code),
                    (false, _) => Ok(Described {
                        state: described.group_state.to_string(),
                        assignor: described.protocol_data.to_string(),
                        consumer_protocol: false,
                        group_epoch: None,
                        assignment_epoch: None,
                        members: described
                            .members
                            .iter()
                            .map(|m| Member {
                                member_id: m.member_id.to_string(),
                                instance_id: m.group_instance_id.as_ref().map(|i| i.to_string()),
                                client_id: m.client_id.to_string(),
                                host: m.client_host.to_string(),
                                assignment: classic_assignment(&m.member_assignment),
                                epoch: None,
                                target: None,
                            })
                            .collect(),
                        coordinator: call.address.clone(),
                    }),
                };
                match outcome {
                    Ok(described) => self.work.finish(&group, Ok(described)),
                    Err(code) => {
                        next.raise(self.work.error(session, &group, code, "cannot describe it"));
                    }
                }
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classic_assignment_is_read_within_its_bytes() {
        // Version 0, one topic "orders" with partitions 0 and 2, no user data.
        let mut bytes = vec![0, 0, 0, 0, 0, 1, 0, 6];
        bytes.extend(b"orders");
        bytes.extend([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(classic_assignment(&bytes), [TopicPartition::new("orders", 0), TopicPartition::new("orders", 2)]);
        // A forged count: nothing, never an allocation of it.
        assert!(classic_assignment(&[0, 0, 0x7f, 0xff, 0xff, 0xff]).is_empty());
        assert!(classic_assignment(&[]).is_empty());
    }
}
