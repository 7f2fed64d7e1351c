//! Topic administration: the settings of topics (DescribeConfigs, Kafka 0.11+), creating topics (CreateTopics, 0.10.1+,
//! validate-only from 0.10.2) and adding partitions (CreatePartitions, 1.0+). Topic settings can be asked of any
//! broker, one request for all topics; creations go to the controller (any broker forwards them on KRaft clusters),
//! batched, and are sent again to the new controller when it moved.

use std::collections::BTreeMap;

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    CreatePartitionsRequest, CreateTopicsRequest, DescribeConfigsRequest, MetadataRequest, TopicName,
};
use kafka_protocol::protocol::{Request, StrBytes};

use crate::client::codes::ErrorCode;
use crate::client::metadata;
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};

/// DescribeConfigs' resource type of a topic.
const TOPIC_RESOURCE: i8 = 2;
/// DescribeConfigs v1+: a setting given to the topic itself (not a broker default).
const DYNAMIC_TOPIC_CONFIG: i8 = 1;
/// Topics per CreateTopics or DescribeConfigs request.
const TOPICS_PER_REQUEST: usize = 100;
/// NOT_CONTROLLER: the request went to a broker that is not (or no longer) the controller.
const NOT_CONTROLLER: ErrorCode = ErrorCode(41);

fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// A topic's settings that differ from the broker's defaults, as `(key, value)`; a sensitive setting (a password)
/// comes without its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicSettings {
    /// Those set on the topic (not the broker's defaults), sorted; None for a sensitive value the broker hides.
    pub set: Vec<(String, Option<String>)>,
    /// Every setting the broker knows for the topic, with its effective value (set, or the default).
    pub effective: BTreeMap<String, Option<String>>,
}

/// DescribeConfigs for topics: the settings set on each topic.
#[derive(Debug)]
pub struct DescribeTopicSettings {
    topics: Vec<String>,
    results: BTreeMap<String, Result<TopicSettings, String>>,
    calls: Vec<(Call<DescribeConfigsRequest>, i16)>,
    last_error: Option<String>,
}

impl DescribeTopicSettings {
    pub fn new(topics: Vec<String>) -> DescribeTopicSettings {
        DescribeTopicSettings { topics, results: BTreeMap::new(), calls: Vec::new(), last_error: None }
    }

    /// Whether the cluster can describe topic settings at all (Kafka 0.11+).
    pub fn supported(session: &Session) -> bool {
        session.version::<DescribeConfigsRequest>(&Target::Any, 0, i16::MAX).is_some()
    }

    pub fn results(self) -> BTreeMap<String, Result<TopicSettings, String>> {
        self.results
    }
}

impl Operation for DescribeTopicSettings {
    fn request(&mut self, session: &Session, round: &mut Round) {
        let pending: Vec<&String> = self.topics.iter().filter(|t| !self.results.contains_key(*t)).collect();
        if pending.is_empty() {
            return;
        }
        let Some(version) = session.version::<DescribeConfigsRequest>(&Target::Any, 0, 4) else {
            for topic in pending {
                self.results.insert(topic.clone(), Err("the brokers cannot describe topic settings".into()));
            }
            return;
        };
        for chunk in pending.chunks(TOPICS_PER_REQUEST) {
            let resources = chunk
                .iter()
                .map(|t| {
                    DescribeConfigsResource::default()
                        .with_resource_type(TOPIC_RESOURCE)
                        .with_resource_name(str_bytes(t))
                        .with_configuration_keys(None)
                })
                .collect();
            let request = DescribeConfigsRequest::default().with_resources(resources);
            self.calls.push((round.add(Target::Any, &request, version), version));
        }
    }

    fn absorb(&mut self, _session: &Session, answers: &mut Answers) -> Next {
        let mut next = Next::Continue;
        for (call, version) in std::mem::take(&mut self.calls) {
            let response = match answers.take(call) {
                Ok(response) => response,
                Err(e) => {
                    self.last_error = Some(e.to_string());
                    next = Next::RetryLater;
                    continue;
                }
            };
            for result in response.results {
                let topic = result.resource_name.to_string();
                let code = ErrorCode(result.error_code);
                if code.is_retriable() {
                    self.last_error = Some(code.to_string());
                    next = Next::RetryLater;
                    continue;
                }
                let answer = if code.is_error() {
                    Err(result.error_message.map_or_else(|| code.to_string(), |m| format!("{code}: {m}")))
                } else {
                    let set_on_topic =
                        |c: &kafka_protocol::messages::describe_configs_response::DescribeConfigsResourceResult| {
                            if version == 0 {
                                !c.is_default
                            } else {
                                c.config_source == DYNAMIC_TOPIC_CONFIG
                            }
                        };
                    let value =
                        |c: &kafka_protocol::messages::describe_configs_response::DescribeConfigsResourceResult| {
                            (c.name.to_string(), c.value.as_ref().map(|v| v.to_string()))
                        };
                    let mut set: Vec<(String, Option<String>)> =
                        result.configs.iter().filter(|c| set_on_topic(c)).map(value).collect();
                    set.sort();
                    Ok(TopicSettings { set, effective: result.configs.iter().map(value).collect() })
                };
                self.results.insert(topic, answer);
            }
        }
        next
    }

    fn give_up(&mut self, reason: &str) {
        for topic in &self.topics {
            if !self.results.contains_key(topic) {
                let error = self.last_error.clone().unwrap_or_else(|| reason.to_string());
                self.results.insert(topic.clone(), Err(error));
            }
        }
    }
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    pub settings: Vec<(String, String)>,
}

/// Why the cluster refused a creation: its error and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: ErrorCode,
    pub message: Option<String>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(message) => write!(f, "{message} ({})", self.code.name()),
            None => write!(f, "{}", self.code),
        }
    }
}

/// Where creations go: the controller the metadata names, looked up again when it moved.
#[derive(Debug, Default)]
struct Controller {
    id: Option<i32>,
    refresh: Option<Call<MetadataRequest>>,
    stale: bool,
}

impl Controller {
    fn target(&mut self, session: &Session, round: &mut Round) -> Option<Target> {
        if self.stale {
            self.refresh = Some(metadata::request(session, Some(&[]), round));
            return None;
        }
        Some(self.id.map_or(Target::Any, Target::Broker))
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) {
        if let Some(call) = self.refresh.take() {
            if let Ok(response) = answers.take(call) {
                let fresh = metadata::parse(session, response);
                self.id = fresh.controller;
                self.stale = false;
            }
        }
    }
}

/// What CreateTopics and CreatePartitions share: the controller they go to, each topic's result, and the last
/// passing error (for a topic still pending at the deadline).
#[derive(Debug, Default)]
struct TopicWork {
    controller: Controller,
    results: BTreeMap<String, Result<(), Refused>>,
    last_error: Option<String>,
}

impl TopicWork {
    fn new(controller: Option<i32>) -> TopicWork {
        TopicWork { controller: Controller { id: controller, ..Controller::default() }, ..TopicWork::default() }
    }

    fn done(&self, topic: &str) -> bool {
        self.results.contains_key(topic)
    }

    /// A request that got no answer: asked again after a backoff.
    fn unanswered(&mut self, error: impl std::fmt::Display) -> Next {
        self.last_error = Some(error.to_string());
        Next::RetryLater
    }

    /// The answers to this round's calls, which `per_topic` splits into each topic's name, code and message.
    fn absorb<R: Request>(
        &mut self,
        session: &Session,
        answers: &mut Answers,
        calls: Vec<Call<R>>,
        per_topic: impl Fn(R::Response) -> Vec<(String, ErrorCode, Option<StrBytes>)>,
    ) -> Next {
        self.controller.absorb(session, answers);
        let mut next = Next::Continue;
        for call in calls {
            let step = match answers.take(call) {
                Ok(response) => per_topic(response)
                    .into_iter()
                    .map(|(topic, code, message)| self.answer(topic, code, message))
                    .fold(Next::Continue, later),
                Err(e) => self.unanswered(e),
            };
            next = later(next, step);
        }
        next
    }

    /// One topic's answer: NOT_CONTROLLER sends it again to the new controller, a passing error after a backoff.
    fn answer(&mut self, topic: String, code: ErrorCode, message: Option<StrBytes>) -> Next {
        if code == NOT_CONTROLLER {
            self.controller.stale = true;
            return Next::Continue;
        }
        if code.is_retriable() {
            return self.unanswered(code);
        }
        let result =
            if code.is_error() { Err(Refused { code, message: message.map(|m| m.to_string()) }) } else { Ok(()) };
        self.results.insert(topic, result);
        Next::Continue
    }

    fn refuse_all<'a>(&mut self, topics: impl Iterator<Item = &'a str>, refused: Refused) {
        for topic in topics {
            self.results.insert(topic.to_string(), Err(refused.clone()));
        }
    }

    fn give_up<'a>(&mut self, topics: impl Iterator<Item = &'a str>, reason: &str) {
        let message = Some(self.last_error.clone().unwrap_or_else(|| reason.to_string()));
        let pending: Vec<&str> = topics.filter(|t| !self.done(t)).collect();
        self.refuse_all(pending.into_iter(), Refused { code: ErrorCode::REQUEST_TIMED_OUT, message });
    }
}

/// CreateTopics for many topics (validate-only: the checks without creating anything).
#[derive(Debug)]
pub struct CreateTopics {
    topics: Vec<NewTopic>,
    validate_only: bool,
    timeout_ms: i32,
    work: TopicWork,
    calls: Vec<Call<CreateTopicsRequest>>,
}

impl CreateTopics {
    pub fn new(topics: Vec<NewTopic>, validate_only: bool, controller: Option<i32>, timeout_ms: i32) -> CreateTopics {
        CreateTopics { topics, validate_only, timeout_ms, work: TopicWork::new(controller), calls: Vec::new() }
    }

    /// Whether the cluster can create topics (and validate only: `validate`).
    pub fn supported(session: &Session, validate: bool) -> bool {
        session.version::<CreateTopicsRequest>(&Target::Any, i16::from(validate), i16::MAX).is_some()
    }

    pub fn results(self) -> BTreeMap<String, Result<(), Refused>> {
        self.work.results
    }
}

impl Operation for CreateTopics {
    fn request(&mut self, session: &Session, round: &mut Round) {
        let pending: Vec<&NewTopic> = self.topics.iter().filter(|t| !self.work.done(&t.name)).collect();
        if pending.is_empty() {
            return;
        }
        let Some(target) = self.work.controller.target(session, round) else { return };
        let min_version = i16::from(self.validate_only);
        let Some(version) = session.version::<CreateTopicsRequest>(&target, min_version, 7) else {
            let refused = Refused { code: ErrorCode::UNSUPPORTED_VERSION, message: None };
            let names: Vec<String> = pending.iter().map(|t| t.name.clone()).collect();
            self.work.refuse_all(names.iter().map(String::as_str), refused);
            return;
        };
        for chunk in pending.chunks(TOPICS_PER_REQUEST) {
            let topics = chunk
                .iter()
                .map(|t| {
                    let settings = t
                        .settings
                        .iter()
                        .map(|(k, v)| {
                            CreatableTopicConfig::default().with_name(str_bytes(k)).with_value(Some(str_bytes(v)))
                        })
                        .collect();
                    CreatableTopic::default()
                        .with_name(TopicName(str_bytes(&t.name)))
                        .with_num_partitions(t.partitions)
                        .with_replication_factor(t.replication_factor)
                        .with_configs(settings)
                })
                .collect();
            let mut request = CreateTopicsRequest::default().with_topics(topics).with_timeout_ms(self.timeout_ms);
            if version >= 1 {
                request = request.with_validate_only(self.validate_only);
            }
            self.calls.push(round.add(target.clone(), &request, version));
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let calls = std::mem::take(&mut self.calls);
        self.work.absorb(session, answers, calls, |response| {
            response
                .topics
                .into_iter()
                .map(|t| (t.name.to_string(), ErrorCode(t.error_code), t.error_message))
                .collect()
        })
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(self.topics.iter().map(|t| t.name.as_str()), reason);
    }
}

/// The later of two: a retry after a backoff wins.
fn later(mut a: Next, b: Next) -> Next {
    a.raise(b);
    a
}

/// CreatePartitions: grows topics to the given partition counts.
#[derive(Debug)]
pub struct CreatePartitions {
    topics: Vec<(String, i32)>,
    timeout_ms: i32,
    work: TopicWork,
    calls: Vec<Call<CreatePartitionsRequest>>,
}

impl CreatePartitions {
    pub fn new(topics: Vec<(String, i32)>, controller: Option<i32>, timeout_ms: i32) -> CreatePartitions {
        CreatePartitions { topics, timeout_ms, work: TopicWork::new(controller), calls: Vec::new() }
    }

    pub fn results(self) -> BTreeMap<String, Result<(), Refused>> {
        self.work.results
    }
}

impl Operation for CreatePartitions {
    fn request(&mut self, session: &Session, round: &mut Round) {
        let pending: Vec<&(String, i32)> = self.topics.iter().filter(|(t, _)| !self.work.done(t)).collect();
        if pending.is_empty() {
            return;
        }
        let Some(target) = self.work.controller.target(session, round) else { return };
        let Some(version) = session.version::<CreatePartitionsRequest>(&target, 0, 3) else {
            let refused = Refused {
                code: ErrorCode::UNSUPPORTED_VERSION,
                message: Some("the brokers cannot add partitions (CreatePartitions, Kafka 1.0+)".into()),
            };
            let names: Vec<String> = pending.iter().map(|(t, _)| t.clone()).collect();
            self.work.refuse_all(names.iter().map(String::as_str), refused);
            return;
        };
        let topics = pending
            .iter()
            .map(|(name, count)| {
                CreatePartitionsTopic::default()
                    .with_name(TopicName(str_bytes(name)))
                    .with_count(*count)
                    .with_assignments(None)
            })
            .collect();
        let request = CreatePartitionsRequest::default().with_topics(topics).with_timeout_ms(self.timeout_ms);
        self.calls.push(round.add(target, &request, version));
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let calls = std::mem::take(&mut self.calls);
        self.work.absorb(session, answers, calls, |response| {
            response
                .results
                .into_iter()
                .map(|r| (r.name.to_string(), ErrorCode(r.error_code), r.error_message))
                .collect()
        })
    }

    fn give_up(&mut self, reason: &str) {
        self.work.give_up(self.topics.iter().map(|(t, _)| t.as_str()), reason);
    }
}
