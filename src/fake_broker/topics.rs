//! The fake broker's topic administration: DescribeConfigs, CreateTopics and CreatePartitions, on the script's
//! topics (a refusal the script sets answers every one).

use std::collections::BTreeMap;

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::describe_configs_response::{DescribeConfigsResourceResult, DescribeConfigsResult};
use kafka_protocol::messages::{
    ApiKey, CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    DescribeConfigsRequest, DescribeConfigsResponse, ResponseKind,
};

use super::{refused, str_bytes, Connection, FakeTopic};

impl Connection {
    pub(super) fn describe_configs(&mut self, request: &DescribeConfigsRequest, version: i16) -> ResponseKind {
        let state = self.state.lock().expect("state");
        let results = request
            .resources
            .iter()
            .map(|r| {
                let result = DescribeConfigsResult::default()
                    .with_resource_type(r.resource_type)
                    .with_resource_name(r.resource_name.clone());
                match state.topics.get(&r.resource_name.to_string()) {
                    _ if refused(&state, ApiKey::DescribeConfigs) != 0 => {
                        result.with_error_code(refused(&state, ApiKey::DescribeConfigs))
                    }
                    None => result.with_error_code(3),
                    Some(topic) => {
                        // v0 says whether a setting is the default; v1+ where it comes from (1: set on the
                        // topic, 5: the broker's default). Each field only in its versions.
                        let setting = |name: &str, value: &str, on_topic: bool| {
                            let entry = DescribeConfigsResourceResult::default()
                                .with_name(str_bytes(name))
                                .with_value(Some(str_bytes(value)));
                            if version == 0 {
                                entry.with_is_default(!on_topic)
                            } else {
                                entry.with_config_source(if on_topic { 1 } else { 5 })
                            }
                        };
                        let mut configs: Vec<DescribeConfigsResourceResult> =
                            topic.configs.iter().map(|(k, v)| setting(k, v, true)).collect();
                        // A setting left at the broker's default, which a copy must not carry.
                        configs.push(setting("min.insync.replicas", "1", false));
                        result.with_configs(configs)
                    }
                }
            })
            .collect();
        ResponseKind::DescribeConfigs(DescribeConfigsResponse::default().with_results(results))
    }

    pub(super) fn create_topics(&mut self, request: &CreateTopicsRequest) -> ResponseKind {
        let mut state = self.state.lock().expect("state");
        let refusal = refused(&state, ApiKey::CreateTopics);
        let brokers = state.script.brokers.max(1);
        let mut results = Vec::new();
        for topic in &request.topics {
            let name = topic.name.to_string();
            let bad_config = topic.configs.iter().find(|c| state.script.refused_configs.contains(&c.name.to_string()));
            let (error, message) = if refusal != 0 {
                (refusal, None)
            } else if state.topics.contains_key(&name) {
                (36, Some(format!("Topic '{name}' already exists.")))
            } else if i32::from(topic.replication_factor) > brokers {
                (
                    38,
                    Some(format!(
                        "Replication factor: {} larger than available brokers: {brokers}.",
                        topic.replication_factor
                    )),
                )
            } else if let Some(config) = bad_config {
                (40, Some(format!("Unknown topic config name: {}", config.name)))
            } else {
                (0, None)
            };
            if error == 0 && !request.validate_only {
                let configs = topic
                    .configs
                    .iter()
                    .map(|c| (c.name.to_string(), c.value.as_ref().map(|v| v.to_string()).unwrap_or_default()))
                    .collect();
                state.topics.insert(
                    name.clone(),
                    FakeTopic {
                        partitions: topic.num_partitions,
                        replication_factor: topic.replication_factor,
                        configs,
                        log_end: 0,
                        logs: BTreeMap::new(),
                    },
                );
                let from = std::time::Instant::now() + state.script.new_topic_leader_delay;
                state.leaders_from.insert(name.clone(), from);
            }
            results.push(
                CreatableTopicResult::default()
                    .with_name(topic.name.clone())
                    .with_error_code(error)
                    .with_error_message(message.map(|m| str_bytes(&m)))
                    .with_num_partitions(topic.num_partitions)
                    .with_replication_factor(topic.replication_factor),
            );
        }
        ResponseKind::CreateTopics(CreateTopicsResponse::default().with_topics(results))
    }

    pub(super) fn create_partitions(&mut self, request: &CreatePartitionsRequest) -> ResponseKind {
        let mut state = self.state.lock().expect("state");
        let refusal = refused(&state, ApiKey::CreatePartitions);
        let mut results = Vec::new();
        for topic in &request.topics {
            let name = topic.name.to_string();
            let error = match state.topics.get(&name) {
                _ if refusal != 0 => refusal,
                None => 3,
                Some(t) if t.partitions >= topic.count => 37,
                Some(_) => 0,
            };
            if error == 0 && !request.validate_only {
                state.topics.get_mut(&name).expect("topic").partitions = topic.count;
            }
            results.push(CreatePartitionsTopicResult::default().with_name(topic.name.clone()).with_error_code(error));
        }
        ResponseKind::CreatePartitions(CreatePartitionsResponse::default().with_results(results))
    }
}
