//! Consumer group operations for many groups at once, batched per coordinator:
//! - FindCoordinator: all groups in one request from v4 (KIP-699, Kafka 3.0), else one request per group, pipelined;
//! - DescribeGroups: all of a coordinator's groups in one request, with ConsumerGroupDescribe beside it where the
//!   coordinator has it (KIP-848 groups);
//! - OffsetFetch: all of a coordinator's groups in one request from v8 (KIP-709, Kafka 3.0), else one per group,
//!   pipelined; never v0 (which reads ZooKeeper-stored offsets);
//! - OffsetCommit: one request per group (Kafka takes one group per commit), pipelined per coordinator; v2+ (v0
//!   writes to ZooKeeper), as an outsider (generation -1, no member id), which Kafka accepts only while the group
//!   has no members; OffsetDelete the same way (`offsets`);
//! - ListGroups: every broker, each listing the groups it coordinates.
//!
//! A group whose coordinator moved (NOT_COORDINATOR) is looked up again; one that is loading
//! (COORDINATOR_LOAD_IN_PROGRESS) is asked again after a backoff, until the deadline.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kafka_protocol::messages::{
    list_groups_response, ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, DescribeGroupsRequest,
    FindCoordinatorRequest, GroupId, ListGroupsRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::client::codes::ErrorCode;
use crate::client::connection::ConnError;
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::formats::settings::BrokerAddress;
use crate::TopicPartition;

mod members;
mod offsets;
mod share;

pub use members::{DescribeMembers, Described, Member};
pub use offsets::{
    can_delete_offsets, CommitOffsets, CommitOutcome, Committed, DeleteOffsets, FetchCommitted, PartitionCommit, Wanted,
};
pub use share::{FetchStartOffsets, StartOffsets};

/// Groups per FindCoordinator, DescribeGroups or OffsetFetch request, to keep requests and answers of a few MB.
const GROUPS_PER_REQUEST: usize = 500;

fn group_id(name: &str) -> GroupId {
    GroupId(StrBytes::from_string(name.to_string()))
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

/// Partitions grouped by topic, in order.
fn by_topic<'a, T>(items: impl IntoIterator<Item = (&'a TopicPartition, T)>) -> BTreeMap<&'a str, Vec<(i32, T)>> {
    let mut topics: BTreeMap<&str, Vec<(i32, T)>> = BTreeMap::new();
    for (tp, value) in items {
        topics.entry(&*tp.topic).or_default().push((tp.partition, value));
    }
    topics
}

/// The per-group state shared by every group operation: which groups are done, which wait for their coordinator,
/// and the coordinator lookups in flight.
#[derive(Debug)]
struct GroupWork<T> {
    groups: Vec<String>,
    results: BTreeMap<String, Result<T, String>>,
    last_error: HashMap<String, String>,
    lookups: Vec<(Call<FindCoordinatorRequest>, i16, Vec<String>)>,
}

impl<T> GroupWork<T> {
    fn new(groups: impl IntoIterator<Item = String>) -> GroupWork<T> {
        let groups: BTreeSet<String> = groups.into_iter().collect();
        GroupWork {
            groups: groups.into_iter().collect(),
            results: BTreeMap::new(),
            last_error: HashMap::new(),
            lookups: Vec::new(),
        }
    }

    fn pending(&self) -> Vec<String> {
        self.groups.iter().filter(|g| !self.results.contains_key(*g)).cloned().collect()
    }

    /// The pending groups by coordinator; the ones without a known coordinator get a lookup in this round.
    fn route(&mut self, session: &Session, round: &mut Round) -> BTreeMap<BrokerAddress, Vec<String>> {
        let mut routed: BTreeMap<BrokerAddress, Vec<String>> = BTreeMap::new();
        let mut unknown = Vec::new();
        for group in self.pending() {
            match session.coordinator(&group) {
                Some(address) => routed.entry(address).or_default().push(group),
                None => unknown.push(group),
            }
        }
        self.lookups.extend(find_coordinators(session, unknown, round));
        routed
    }

    /// Reads the coordinator lookups of the last round.
    fn absorb_lookups(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = Next::Continue;
        for (call, version, groups) in std::mem::take(&mut self.lookups) {
            match read_coordinators(session, answers.take(call), version, &groups) {
                Err(e) => {
                    for group in groups {
                        self.last_error.insert(group, format!("cannot find its coordinator: {e}"));
                    }
                    next = Next::RetryLater;
                }
                Ok(found) => {
                    for (group, outcome) in found {
                        match outcome {
                            Ok(()) => {}
                            Err(code) if code.is_retriable() => {
                                self.last_error.insert(group, format!("cannot find its coordinator: {code}"));
                                next = Next::RetryLater;
                            }
                            Err(code) => self.finish(&group, Err(format!("cannot find its coordinator: {code}"))),
                        }
                    }
                }
            }
        }
        next
    }

    fn finish(&mut self, group: &str, result: Result<T, String>) {
        self.results.insert(group.to_string(), result);
    }

    /// A group-level error: retried (after its coordinator is found again if it moved), or final.
    fn error(&mut self, session: &Session, group: &str, code: ErrorCode, what: &str) -> Next {
        if code.is_coordinator_moved() {
            // Looked up again after a backoff: no storm of lookups while the coordinators fail over.
            session.set_coordinator(group, None);
            self.last_error.insert(group.to_string(), format!("{what}: {code}"));
            Next::RetryLater
        } else if code.is_retriable() {
            self.last_error.insert(group.to_string(), format!("{what}: {code}"));
            Next::RetryLater
        } else {
            self.finish(group, Err(format!("{what}: {code}")));
            Next::Continue
        }
    }

    /// A connection failure to a coordinator: retried, after looking the coordinator up again.
    /// The groups' requests to their coordinator failed: looked up and asked again after a backoff, unless the
    /// failure is definitive (an answer that does not decode), which ends them at once.
    fn unreachable(
        &mut self,
        session: &Session,
        groups: &[String],
        address: &BrokerAddress,
        error: &ConnError,
    ) -> Next {
        let definitive = error.is_definitive();
        for group in groups {
            let error = format!("its coordinator {address}: {error}");
            if definitive {
                self.finish(group, Err(error));
            } else {
                session.set_coordinator(group, None);
                self.last_error.insert(group.clone(), error);
            }
        }
        if definitive {
            Next::Continue
        } else {
            Next::RetryLater
        }
    }

    fn give_up(&mut self, reason: &str) {
        for group in self.pending() {
            let error = self.last_error.get(&group).cloned().unwrap_or_else(|| reason.to_string());
            self.finish(&group, Err(error));
        }
    }
}

/// FindCoordinator requests for these groups: batched from v4, else one per group.
fn find_coordinators(
    session: &Session,
    groups: Vec<String>,
    round: &mut Round,
) -> Vec<(Call<FindCoordinatorRequest>, i16, Vec<String>)> {
    if groups.is_empty() {
        return Vec::new();
    }
    let version = session.version::<FindCoordinatorRequest>(&Target::Any, 0, i16::MAX).unwrap_or(0);
    if version >= 4 {
        groups
            .chunks(GROUPS_PER_REQUEST)
            .map(|chunk| {
                let keys = chunk.iter().map(|g| StrBytes::from_string(g.clone())).collect();
                let request = FindCoordinatorRequest::default().with_key_type(0).with_coordinator_keys(keys);
                (round.add(Target::Any, &request, version), version, chunk.to_vec())
            })
            .collect()
    } else {
        groups
            .into_iter()
            .map(|group| {
                let request = FindCoordinatorRequest::default().with_key(StrBytes::from_string(group.clone()));
                (round.add(Target::Any, &request, version), version, vec![group])
            })
            .collect()
    }
}

/// Each group of a FindCoordinator answer, with its error if it has one.
type CoordinatorAnswers = Vec<(String, Result<(), ErrorCode>)>;

/// Reads a FindCoordinator answer into the session's coordinators.
fn read_coordinators(
    session: &Session,
    answer: Result<kafka_protocol::messages::FindCoordinatorResponse, ConnError>,
    version: i16,
    groups: &[String],
) -> Result<CoordinatorAnswers, ConnError> {
    let response = answer?;
    let address =
        |host: &StrBytes, port: i32| BrokerAddress { host: host.to_string(), port: u16::try_from(port).unwrap_or(0) };
    if version >= 4 {
        Ok(response
            .coordinators
            .iter()
            .map(|c| {
                let code = ErrorCode(c.error_code);
                if !code.is_error() {
                    session.set_coordinator(&c.key, Some(address(&c.host, c.port)));
                }
                (c.key.to_string(), if code.is_error() { Err(code) } else { Ok(()) })
            })
            .collect())
    } else {
        let group = groups.first().cloned().unwrap_or_default();
        let code = ErrorCode(response.error_code);
        if !code.is_error() {
            session.set_coordinator(&group, Some(address(&response.host, response.port)));
        }
        Ok(vec![(group, if code.is_error() { Err(code) } else { Ok(()) })])
    }
}

/// Looks up the coordinators of groups (for the session's cache), so that later group operations can go straight
/// to them; used to share the metadata's round trip.
#[derive(Debug)]
pub struct FindCoordinators {
    work: GroupWork<()>,
}

impl FindCoordinators {
    pub fn new(groups: impl IntoIterator<Item = String>) -> FindCoordinators {
        FindCoordinators { work: GroupWork::new(groups) }
    }

    /// Groups whose coordinator could not be found, with why.
    pub fn failures(&self) -> BTreeMap<String, String> {
        self.work.results.iter().filter_map(|(g, r)| r.as_ref().err().map(|e| (g.clone(), e.clone()))).collect()
    }
}

impl Operation for FindCoordinators {
    fn request(&mut self, session: &Session, round: &mut Round) {
        let routed = self.work.route(session, round);
        for group in routed.into_values().flatten() {
            self.work.finish(&group, Ok(()));
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let next = self.work.absorb_lookups(session, answers);
        for group in self.work.pending() {
            if session.coordinator(&group).is_some() {
                self.work.finish(&group, Ok(()));
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(reason);
    }
}

/// A consumer group's state as its coordinator describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupState {
    /// The coordinator's state: Empty, Dead, Stable, PreparingRebalance, CompletingRebalance, Assigning, ...
    Known(String),
    /// The coordinator cannot describe groups (librdkafka's mock): a commit into an active group is still refused
    /// by the broker itself.
    Unsupported,
}

impl GroupState {
    /// Only inactive groups may be reset (Kafka's rule: Empty or Dead; a group the KIP-848 coordinator does not
    /// know is Dead too).
    pub fn is_inactive(&self) -> bool {
        match self {
            GroupState::Known(state) => state == "Empty" || state == "Dead",
            GroupState::Unsupported => true,
        }
    }
}

/// The state of groups as their coordinator describes them: DescribeGroups, and beside it in the same round, where
/// the coordinator has it, ConsumerGroupDescribe (API 69, KIP-848): Kafka 4's coordinator answers DescribeGroups
/// for a group of the new consumer protocol with GROUP_ID_NOT_FOUND, even while it has members, and
/// ConsumerGroupDescribe for a classic group the same way. A group neither knows is Dead (it has no members).
#[derive(Debug)]
pub struct DescribeGroups {
    work: GroupWork<GroupState>,
    calls: Vec<DescribeCall>,
    types: BTreeMap<String, GroupType>,
}

/// A coordinator's describe requests for some of its groups.
#[derive(Debug)]
struct DescribeCall {
    classic: Call<DescribeGroupsRequest>,
    consumer: Option<Call<ConsumerGroupDescribeRequest>>,
    /// Kafka 4.2+: the other group types' describe APIs, in the same round.
    typed: share::TypedCalls,
    address: BrokerAddress,
    groups: Vec<String>,
}

/// A group that is not a consumer group: a share group (KIP-932) or a streams group (KIP-1071), with the topics its
/// application reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupType {
    Share,
    Streams { source_topics: Vec<String>, repartition_topics: Vec<String> },
}

impl GroupType {
    pub fn name(&self) -> &'static str {
        match self {
            GroupType::Share => "share",
            GroupType::Streams { .. } => "streams",
        }
    }
}

impl DescribeGroups {
    pub fn new(groups: impl IntoIterator<Item = String>) -> DescribeGroups {
        DescribeGroups { work: GroupWork::new(groups), calls: Vec::new(), types: BTreeMap::new() }
    }

    pub fn results(self) -> BTreeMap<String, Result<GroupState, String>> {
        self.work.results
    }

    /// The states, and the groups that are not consumer groups with their type.
    pub fn results_and_types(self) -> (BTreeMap<String, Result<GroupState, String>>, BTreeMap<String, GroupType>) {
        (self.work.results, self.types)
    }
}

/// What ConsumerGroupDescribe said of each group: its error and, without one, its state.
fn consumer_states(
    answer: Option<Result<ConsumerGroupDescribeResponse, ConnError>>,
) -> Result<HashMap<String, (ErrorCode, String)>, ConnError> {
    let Some(answer) = answer else { return Ok(HashMap::new()) };
    Ok(answer?
        .groups
        .into_iter()
        .map(|g| (g.group_id.to_string(), (ErrorCode(g.error_code), g.group_state.to_string())))
        .collect())
}

impl Operation for DescribeGroups {
    fn request(&mut self, session: &Session, round: &mut Round) {
        for (address, groups) in self.work.route(session, round) {
            let target = Target::Address(address.clone());
            let Some(version) = session.version::<DescribeGroupsRequest>(&target, 0, i16::MAX) else {
                groups.iter().for_each(|g| self.work.finish(g, Ok(GroupState::Unsupported)));
                continue;
            };
            let consumer_version = session.version::<ConsumerGroupDescribeRequest>(&target, 0, i16::MAX);
            for chunk in groups.chunks(GROUPS_PER_REQUEST) {
                let ids: Vec<GroupId> = chunk.iter().map(|g| group_id(g)).collect();
                let request = DescribeGroupsRequest::default().with_groups(ids.clone());
                let classic = round.add(target.clone(), &request, version);
                let consumer = consumer_version.map(|v| {
                    round.add(target.clone(), &ConsumerGroupDescribeRequest::default().with_group_ids(ids), v)
                });
                let typed = share::TypedCalls::new(session, &target, chunk, round);
                let groups = chunk.to_vec();
                self.calls.push(DescribeCall { classic, consumer, typed, address: address.clone(), groups });
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = self.work.absorb_lookups(session, answers);
        for call in std::mem::take(&mut self.calls) {
            let consumer = consumer_states(call.consumer.map(|c| answers.take(c)));
            let typed = call.typed.take(answers);
            let (response, consumer, typed) = match (answers.take(call.classic), consumer, typed) {
                (Ok(response), Ok(consumer), Ok(typed)) => (response, consumer, typed),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    next.raise(self.work.unreachable(session, &call.groups, &call.address, &e));
                    continue;
                }
            };
            // A group the answer leaves out is asked again, after a backoff.
            if call.groups.iter().any(|g| !response.groups.iter().any(|d| d.group_id.as_str() == g.as_str())) {
                next = Next::RetryLater;
            }
            for described in response.groups {
                let group = described.group_id.to_string();
                let code = ErrorCode(described.error_code);
                let classic_state = described.group_state.to_string();
                let unknown_to_classic =
                    code == ErrorCode::GROUP_ID_NOT_FOUND || (code == ErrorCode::NONE && classic_state == "Dead");
                let outcome = if !unknown_to_classic {
                    if code.is_error() {
                        Err(code)
                    } else {
                        Ok(classic_state)
                    }
                } else if let Some((kind, state)) = typed.get(&group) {
                    // Neither kind of consumer group: a share or streams group (Kafka 4.2+).
                    self.types.insert(group.clone(), kind.clone());
                    Ok(state.clone())
                } else {
                    match consumer.get(&group) {
                        Some((ErrorCode::NONE, state)) => Ok(state.clone()),
                        // 3.7–3.9 advertise API 69 but answer UNSUPPORTED_VERSION unless the new protocol is
                        // enabled: then no group uses it.
                        None | Some((ErrorCode::GROUP_ID_NOT_FOUND | ErrorCode::UNSUPPORTED_VERSION, _)) => {
                            Ok("Dead".to_string())
                        }
                        Some((code, _)) => Err(*code),
                    }
                };
                match outcome {
                    Ok(state) => self.work.finish(&group, Ok(GroupState::Known(state))),
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

/// A listed group's type and state (empty where the broker's ListGroups version has none).
type TypeAndState = (String, String);

/// ListGroups on every broker: the consumer groups of the cluster (Kafka 0.9 lists only groups with members), or
/// the groups of other types (share, streams: ListGroups v5, KIP-848) with their type.
#[derive(Debug, Default)]
pub struct ListGroups {
    brokers: Vec<i32>,
    /// The group types asked for; none for consumer groups (both protocols).
    types: Vec<&'static str>,
    /// Each broker's groups, their types and states.
    results: BTreeMap<i32, Result<Vec<(String, TypeAndState)>, String>>,
    last_error: HashMap<i32, String>,
    calls: Vec<(Call<ListGroupsRequest>, i32)>,
}

impl ListGroups {
    pub fn new(brokers: Vec<i32>) -> ListGroups {
        ListGroups { brokers, ..ListGroups::default() }
    }

    /// The groups of these types (`share`, `streams`): none on brokers before ListGroups v5, which have none.
    pub fn of_types(brokers: Vec<i32>, types: &[&'static str]) -> ListGroups {
        ListGroups { brokers, types: types.to_vec(), ..ListGroups::default() }
    }

    /// Every group, sorted; or the first broker's failure.
    pub fn groups(self) -> Result<Vec<String>, String> {
        Ok(self.typed()?.into_keys().collect())
    }

    /// Every group and its type (`classic`, `consumer`, `share`, `streams`; empty before v5).
    pub fn typed(self) -> Result<BTreeMap<String, String>, String> {
        Ok(self.listed()?.into_iter().map(|(group, (kind, _))| (group, kind)).collect())
    }

    /// Every group, its type and its state (empty before v5 and v4).
    pub fn listed(self) -> Result<BTreeMap<String, TypeAndState>, String> {
        let mut all = BTreeMap::new();
        for (_, result) in self.results {
            all.extend(result?);
        }
        Ok(all)
    }
}

impl Operation for ListGroups {
    fn request(&mut self, session: &Session, round: &mut Round) {
        for &broker in &self.brokers {
            if self.results.contains_key(&broker) {
                continue;
            }
            let target = Target::Broker(broker);
            let typed = !self.types.is_empty();
            let version = session.version::<ListGroupsRequest>(&target, 0, i16::MAX);
            let version = match version {
                // Groups of other types came with v5: a broker without it has none.
                Some(v) if typed && v < 5 => None,
                other => other,
            };
            let Some(version) = version else {
                let result = match typed {
                    true => Ok(Vec::new()),
                    false => Err("--all-groups needs ListGroups, which this cluster does not support".into()),
                };
                self.results.insert(broker, result);
                continue;
            };
            // v5 (KIP-848): both kinds of consumer group unless other types are asked for.
            let mut request = ListGroupsRequest::default();
            if version >= 5 {
                let types: &[&'static str] = if typed { &self.types } else { &["consumer", "classic"] };
                request = request.with_types_filter(types.iter().map(|t| StrBytes::from_static_str(t)).collect());
            }
            self.calls.push((round.add(target, &request, version), broker));
        }
    }

    fn absorb(&mut self, _session: &Session, answers: &mut Answers) -> Next {
        let mut next = Next::Continue;
        for (call, broker) in std::mem::take(&mut self.calls) {
            match answers.take(call) {
                Err(e) => {
                    self.last_error.insert(broker, e.to_string());
                    next = Next::RetryLater;
                }
                Ok(response) => {
                    let code = ErrorCode(response.error_code);
                    if code.is_retriable() {
                        self.last_error.insert(broker, code.to_string());
                        next = Next::RetryLater;
                    } else if code.is_error() {
                        self.results
                            .insert(broker, Err(format!("cannot list the consumer groups of broker {broker}: {code}")));
                    } else {
                        let consumer = |g: &list_groups_response::ListedGroup| {
                            g.protocol_type.is_empty() || g.protocol_type.as_str() == "consumer"
                        };
                        let groups = response
                            .groups
                            .iter()
                            .filter(|g| !self.types.is_empty() || consumer(g))
                            .map(|g| (g.group_id.to_string(), (g.group_type.to_string(), g.group_state.to_string())))
                            .collect();
                        self.results.insert(broker, Ok(groups));
                    }
                }
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        for &broker in &self.brokers {
            if !self.results.contains_key(&broker) {
                let error = self.last_error.get(&broker).cloned().unwrap_or_else(|| reason.to_string());
                self.results
                    .insert(broker, Err(format!("cannot list the consumer groups of broker {broker}: {error}")));
            }
        }
    }
}
