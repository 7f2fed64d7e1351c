//! Metadata: the brokers and every topic with its partitions and leaders, asked once per run: for all topics (a
//! `--topic` regex needs every name), or for named topics when the selection is plain names and the broker takes
//! `allow_auto_topic_creation = false` (v4+; older ones could create a topic asked for by name).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::client::codes::ErrorCode;
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::formats::select::{is_internal_topic, PartitionMetadata, TopicMetadata};
use crate::formats::settings::BrokerAddress;
use crate::TopicPartition;

/// What the cluster's metadata says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterMetadata {
    pub brokers: BTreeMap<i32, BrokerAddress>,
    /// The controller (Metadata v1+), where topic creations go.
    pub controller: Option<i32>,
    /// Topics without an error (a topic being created or deleted is left out, as a client would not use it).
    pub topics: Vec<TopicMetadata>,
}

impl ClusterMetadata {
    pub fn topic(&self, name: &str) -> Option<&TopicMetadata> {
        self.topics.iter().find(|t| t.name == name)
    }

    /// Every partition of the topics that are not internal.
    pub fn partitions(&self) -> Vec<TopicPartition> {
        self.topics
            .iter()
            .filter(|t| !t.internal)
            .flat_map(|t| {
                let name: Arc<str> = Arc::from(t.name.as_str());
                t.partitions.iter().map(move |p| TopicPartition { topic: Arc::clone(&name), partition: p.id })
            })
            .collect()
    }

    /// Every partition's leader.
    pub fn leaders(&self) -> HashMap<TopicPartition, i32> {
        self.topics
            .iter()
            .flat_map(|t| t.partitions.iter().map(move |p| (TopicPartition::new(&t.name, p.id), p.leader)))
            .collect()
    }
}

/// A Metadata request for every topic (`None`) or for the named ones, at the highest version both sides have.
/// Metadata v4+ can say not to auto-create; before, only all-topic requests are safe, so names are only asked for
/// from v4 on (older brokers get the all-topic request).
pub fn request(session: &Session, topics: Option<&[String]>, round: &mut Round) -> Call<MetadataRequest> {
    let version = session.version::<MetadataRequest>(&Target::Any, 0, i16::MAX).unwrap_or(0);
    let named = topics.filter(|_| version >= 4).map(|names| {
        names
            .iter()
            .map(|n| MetadataRequestTopic::default().with_name(Some(TopicName(StrBytes::from_string(n.clone())))))
            .collect::<Vec<_>>()
    });
    let mut request = MetadataRequest::default();
    request = match (version, named) {
        (0, _) => request.with_topics(Some(Vec::new())),
        (_, Some(named)) => request.with_topics(Some(named)),
        (_, None) => request.with_topics(None),
    };
    if version >= 4 {
        request = request.with_allow_auto_topic_creation(false);
    }
    round.add(Target::Any, &request, version)
}

/// Reads a Metadata answer and records its brokers in the session.
pub fn parse(session: &Session, response: MetadataResponse) -> ClusterMetadata {
    let brokers: BTreeMap<i32, BrokerAddress> = response
        .brokers
        .iter()
        .map(|b| (b.node_id.0, BrokerAddress { host: b.host.to_string(), port: u16::try_from(b.port).unwrap_or(0) }))
        .collect();
    session.set_brokers(brokers.clone());
    let controller = Some(response.controller_id.0).filter(|id| *id >= 0);
    let topics = response
        .topics
        .into_iter()
        .filter(|t| t.error_code == 0)
        .filter_map(|t| {
            let name = t.name?.0.to_string();
            let internal = t.is_internal || is_internal_topic(&name);
            let mut partitions: Vec<PartitionMetadata> = t
                .partitions
                .iter()
                .map(|p| PartitionMetadata {
                    id: p.partition_index,
                    leader: p.leader_id.0,
                    replicas: i32::try_from(p.replica_nodes.len()).unwrap_or(i32::MAX),
                })
                .collect();
            partitions.sort_by_key(|p| p.id);
            Some(TopicMetadata { name, partitions, internal })
        })
        .collect();
    ClusterMetadata { brokers, controller, topics }
}

/// The metadata of the cluster, as an operation of a round (so that other requests can share its round trip).
#[derive(Debug, Default)]
pub struct FetchMetadata {
    /// Only these topics (all when `None`, or when the broker cannot name topics without creating them).
    topics: Option<Vec<String>>,
    call: Option<Call<MetadataRequest>>,
    pub result: Option<Result<ClusterMetadata, String>>,
    last_error: Option<String>,
}

impl FetchMetadata {
    pub fn new() -> FetchMetadata {
        FetchMetadata::default()
    }

    /// The metadata of these topics only, where the broker can be asked for them without creating them
    /// (Metadata v4+); of every topic otherwise.
    pub fn of(topics: Option<Vec<String>>) -> FetchMetadata {
        FetchMetadata { topics, ..FetchMetadata::default() }
    }
}

impl Operation for FetchMetadata {
    fn request(&mut self, session: &Session, round: &mut Round) {
        if self.result.is_none() {
            self.call = Some(request(session, self.topics.as_deref(), round));
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let Some(call) = self.call.take() else { return Next::Continue };
        match answers.take(call) {
            Ok(response) => {
                self.result = Some(Ok(parse(session, response)));
                Next::Continue
            }
            Err(e) => {
                self.last_error = Some(e.to_string());
                Next::RetryLater
            }
        }
    }

    fn give_up(&mut self, reason: &str) {
        if self.result.is_none() {
            let last = self.last_error.as_deref().unwrap_or("no answer");
            self.result = Some(Err(format!("cannot fetch metadata: {last} ({reason})")));
        }
    }
}

/// The error of a topic in a metadata answer, for messages (`TOPIC_AUTHORIZATION_FAILED`).
pub fn topic_error(code: i16) -> String {
    ErrorCode(code).to_string()
}
