//! A Kafka broker written for the tests, on a loopback port: it keeps what it was asked to create or commit, records
//! every request it received, and can be told to misbehave (refuse, delay, answer wrongly). It is for what no real
//! broker can be made to do: scripted faults (a read-back that differs from the commit, a partition missing from a
//! commit's answer, a slow metadata answer, refused authorizations) and exact request counts. It is a model, not
//! Kafka: it encodes with the same kafka-protocol crate the tools decode with, and its Fetch and time lookups are
//! simpler than Kafka's (no size limits, transactions or LogAppendTime), so what it answers proves nothing about
//! Kafka's behaviour; each path it exercises is also tested on real Kafka 2.8, 3.9 or 4.1 (docs/testing.md).
//!
//! One broker, node id 1, coordinator of every group and leader of every partition.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::describe_groups_response::DescribedGroup;
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::offset_delete_response::{OffsetDeleteResponsePartition, OffsetDeleteResponseTopic};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsResponse, BrokerId, DescribeGroupsResponse, FetchResponse, FindCoordinatorResponse,
    ListGroupsResponse, ListOffsetsResponse, MetadataResponse, OffsetCommitResponse, OffsetDeleteResponse,
    OffsetFetchResponse, RequestHeader, RequestKind, ResponseHeader, ResponseKind, SaslHandshakeResponse, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafka_protocol::records::{Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType};

mod sasl;
mod topics;

const NODE_ID: i32 = 1;

/// What one client connection authenticated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub mechanism: String,
    pub username: String,
    /// PLAIN: the password sent; SCRAM: the expected password, when the client proved it knows it.
    pub password: Option<String>,
    /// SCRAM: whether the client's proof matched the expected password.
    pub proof_ok: Option<bool>,
}

/// A topic the broker has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTopic {
    pub partitions: i32,
    pub replication_factor: i16,
    /// Settings that differ from the broker's defaults.
    pub configs: BTreeMap<String, String>,
    /// Log end offset of every partition without records of its own (log start is 0).
    pub log_end: i64,
    /// Partitions that hold records: they answer ListOffsets (by time too) and Fetch from them.
    pub logs: BTreeMap<i32, FakeLog>,
}

/// A partition's records, from its log start on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeLog {
    pub log_start: i64,
    pub records: Vec<FakeRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRecord {
    pub timestamp: i64,
    pub key: Option<String>,
    pub value: String,
}

impl FakeLog {
    fn log_end(&self) -> i64 {
        self.log_start + self.records.len() as i64
    }

    /// Kafka's answer for a time: the first offset whose record is at or after it (the log's timestamps are taken
    /// to grow, as a time index assumes), or -1.
    fn offset_for_time(&self, time: i64) -> i64 {
        self.records.iter().position(|r| r.timestamp >= time).map_or(-1, |i| self.log_start + i as i64)
    }

    /// The records from `offset`, as record batches of up to 10 records, at most about `max_bytes` (at least one
    /// batch, as Kafka answers).
    fn fetch(&self, offset: i64, max_bytes: i32) -> Bytes {
        let mut out = BytesMut::new();
        let first = usize::try_from(offset - self.log_start).unwrap_or(0);
        for (chunk_index, chunk) in self.records.get(first..).unwrap_or(&[]).chunks(10).enumerate() {
            if chunk_index > 0 && out.len() >= max_bytes.max(0) as usize {
                break;
            }
            let base = offset + chunk_index as i64 * 10;
            let records: Vec<Record> = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| Record {
                    transactional: false,
                    control: false,
                    partition_leader_epoch: 0,
                    producer_id: -1,
                    producer_epoch: -1,
                    timestamp_type: TimestampType::Creation,
                    offset: base + i as i64,
                    sequence: -1,
                    timestamp: r.timestamp,
                    key: r.key.as_ref().map(|k| Bytes::from(k.clone())),
                    value: Some(Bytes::from(r.value.clone())),
                    headers: Default::default(),
                })
                .collect();
            let options = RecordEncodeOptions { version: 2, compression: Compression::None };
            RecordBatchEncoder::encode(&mut out, &records, &options).expect("encode records");
        }
        out.freeze()
    }
}

/// A CreateTopics request as received: (validate only, [(topic, partitions, replication factor, settings)]).
pub type CreateTopicsSent = (bool, Vec<(String, i32, i16, Vec<(String, String)>)>);

/// A request the broker received, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub api_key: i16,
    pub version: i16,
    pub request: RequestKind,
}

/// Faults and answers to play.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Metadata answers wait this long.
    pub metadata_delay: Duration,
    /// OffsetFetch answers add this to every committed offset (a read-back that differs from the commit).
    pub read_back_drift: i64,
    /// OffsetCommit answers leave this partition out (it is committed all the same: the answer does not say so).
    pub commit_leaves_out: Option<(String, i32)>,
    /// Requests of these API keys are answered with this error.
    pub refuse: HashMap<i16, i16>,
    /// OffsetFetch for these groups is refused (GROUP_AUTHORIZATION_FAILED), as a read-back that fails for one group.
    pub refuse_fetch_for: Vec<String>,
    /// SASL: the mechanisms enabled (empty: no SASL, requests are answered without authentication).
    pub sasl_mechanisms: Vec<String>,
    /// SASL: the password SCRAM proofs are checked against, and PLAIN passwords must equal.
    pub password: String,
    /// Topic settings a CreateTopics may not set (refused with INVALID_CONFIG, as a broker refuses a key it does not
    /// know or a value out of range).
    pub refused_configs: Vec<String>,
    /// The number of brokers Metadata reports (all of them this one), for replication factors.
    pub brokers: i32,
    /// API versions to advertise instead of the defaults: (key, min, max).
    pub api_versions: Option<Vec<(i16, i16, i16)>>,
    /// Topics created by CreateTopics have no leaders (-1 in Metadata) for this long, as while a controller
    /// assigns them.
    pub new_topic_leader_delay: Duration,
    /// The first OffsetCommit of this group is applied, and its connection closed without an answer (the answer
    /// lost on the way); then the broker does what the second part says.
    pub lose_commit_answer: Option<(String, AfterLoss)>,
    /// Fetch answers carry no records and no error, however far the log goes (a broker that answers nothing).
    pub empty_fetch: bool,
    /// FindCoordinator names this broker (`host:port`, node 2) instead of itself: another broker of the cluster.
    pub coordinator: Option<String>,
}

/// What the broker does once it lost the answer to an applied commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterLoss {
    /// The group gets members: a retried commit is refused (UNKNOWN_MEMBER_ID).
    Members,
    /// The broker stops listening: a retry cannot even be sent.
    StopsListening,
}

/// The broker's state, shared by its connections.
#[derive(Debug, Default)]
pub struct State {
    pub script: Script,
    pub topics: BTreeMap<String, FakeTopic>,
    /// (group, topic, partition) -> committed offset.
    pub committed: BTreeMap<(String, String, i32), i64>,
    /// Groups with members (their state is Stable, and outsider commits are refused).
    pub active_groups: Vec<String>,
    pub received: Vec<Received>,
    pub logins: Vec<Login>,
    /// When the partitions of topics created by CreateTopics get their leader.
    pub leaders_from: BTreeMap<String, std::time::Instant>,
    /// The answer of a commit was lost (`Script::lose_commit_answer`).
    pub answer_lost: bool,
    /// The broker stopped listening (`AfterLoss::StopsListening`).
    pub stopped_listening: bool,
}

#[derive(Debug)]
pub struct FakeBroker {
    pub address: String,
    state: Arc<Mutex<State>>,
}

/// The API versions every fake broker advertises, unless its script says otherwise.
pub const DEFAULT_VERSIONS: &[(i16, i16, i16)] = &[
    (1, 4, 12), // Fetch
    (2, 0, 9),  // ListOffsets
    (3, 0, 12), // Metadata
    (8, 2, 9),  // OffsetCommit
    (9, 1, 9),  // OffsetFetch
    (10, 0, 4), // FindCoordinator
    (15, 0, 5), // DescribeGroups
    (16, 0, 4), // ListGroups
    (17, 0, 1), // SaslHandshake
    (18, 0, 3), // ApiVersions
    (19, 0, 7), // CreateTopics
    (32, 0, 4), // DescribeConfigs
    (36, 0, 2), // SaslAuthenticate
    (37, 0, 3), // CreatePartitions
    (47, 0, 0), // OffsetDelete
];

impl FakeBroker {
    /// Starts listening on a free loopback port.
    pub fn start(script: Script) -> FakeBroker {
        FakeBroker::start_at("127.0.0.1:0", script)
    }

    /// Starts listening on the given loopback address (a port released a moment ago: a broker that comes up late).
    pub fn start_at(address: &str, script: Script) -> FakeBroker {
        let listener = TcpListener::bind(address).expect("bind fake broker");
        let address = listener.local_addr().expect("address").to_string();
        let state = Arc::new(Mutex::new(State { script, ..State::default() }));
        let (shared, advertised) = (Arc::clone(&state), address.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if shared.lock().expect("state").stopped_listening {
                    return; // The listener is dropped: connections are refused from now on.
                }
                let (shared, advertised) = (Arc::clone(&shared), advertised.clone());
                std::thread::spawn(move || Connection::new(stream, shared, advertised).serve());
            }
        });
        FakeBroker { address, state }
    }

    /// A broker with SASL: the mechanisms it enables and the password it expects.
    pub fn with_sasl(mechanisms: &[&str], password: &str) -> FakeBroker {
        FakeBroker::start(Script {
            sasl_mechanisms: mechanisms.iter().map(|m| m.to_string()).collect(),
            password: password.to_string(),
            ..Script::default()
        })
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("fake broker state")
    }

    pub fn add_topic(&self, name: &str, partitions: i32, configs: &[(&str, &str)]) -> &FakeBroker {
        let topic = FakeTopic {
            partitions,
            replication_factor: 1,
            configs: configs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            log_end: 10,
            logs: BTreeMap::new(),
        };
        self.state().topics.insert(name.to_string(), topic);
        self
    }

    /// Gives a partition records (creating the topic, with enough partitions, when needed): `(timestamp, key, value)`
    /// from offset `log_start` on.
    pub fn add_records(&self, topic: &str, partition: i32, log_start: i64, records: &[(i64, Option<&str>, &str)]) {
        let mut state = self.state();
        let topic = state.topics.entry(topic.to_string()).or_insert_with(|| FakeTopic {
            partitions: 0,
            replication_factor: 1,
            configs: BTreeMap::new(),
            log_end: 0,
            logs: BTreeMap::new(),
        });
        topic.partitions = topic.partitions.max(partition + 1);
        let records = records
            .iter()
            .map(|&(timestamp, key, value)| FakeRecord { timestamp, key: key.map(str::to_string), value: value.into() })
            .collect();
        topic.logs.insert(partition, FakeLog { log_start, records });
    }

    /// Commits a group's offset, as its consumers would have.
    pub fn commit(&self, group: &str, topic: &str, partition: i32, offset: i64) {
        self.state().committed.insert((group.to_string(), topic.to_string(), partition), offset);
    }

    /// A group's committed offsets, by (topic, partition).
    pub fn committed_of(&self, group: &str) -> BTreeMap<(String, i32), i64> {
        self.state()
            .committed
            .iter()
            .filter(|((g, _, _), _)| g == group)
            .map(|((_, t, p), o)| ((t.clone(), *p), *o))
            .collect()
    }

    pub fn logins(&self) -> Vec<Login> {
        self.state().logins.clone()
    }

    /// Each CreateTopics request received: whether it only validated, and its topics with their partitions,
    /// replication factor and settings.
    pub fn create_topics_received(&self) -> Vec<CreateTopicsSent> {
        self.received(ApiKey::CreateTopics)
            .into_iter()
            .filter_map(|r| match r.request {
                RequestKind::CreateTopics(request) => Some((
                    request.validate_only,
                    request
                        .topics
                        .iter()
                        .map(|t| {
                            let settings = t
                                .configs
                                .iter()
                                .map(|c| {
                                    (c.name.to_string(), c.value.as_ref().map(|v| v.to_string()).unwrap_or_default())
                                })
                                .collect();
                            (t.name.to_string(), t.num_partitions, t.replication_factor, settings)
                        })
                        .collect(),
                )),
                _ => None,
            })
            .collect()
    }

    /// The requests received with this API key.
    pub fn received(&self, api_key: ApiKey) -> Vec<Received> {
        self.state().received.iter().filter(|r| r.api_key == api_key as i16).cloned().collect()
    }
}

/// One client connection and its SASL exchange.
struct Connection {
    stream: TcpStream,
    state: Arc<Mutex<State>>,
    advertised: String,
    mechanism: String,
    authenticated: bool,
    /// SCRAM: (client-first-bare, server-first, username) between the two exchanges.
    scram: Option<(String, String, String)>,
}

fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

impl Connection {
    fn new(stream: TcpStream, state: Arc<Mutex<State>>, advertised: String) -> Connection {
        let authenticated = state.lock().expect("state").script.sasl_mechanisms.is_empty();
        Connection { stream, state, advertised, mechanism: String::new(), authenticated, scram: None }
    }

    fn read_frame(&mut self) -> Option<Bytes> {
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size).ok()?;
        let mut body = vec![0u8; usize::try_from(i32::from_be_bytes(size)).ok()?];
        self.stream.read_exact(&mut body).ok()?;
        Some(Bytes::from(body))
    }

    fn serve(mut self) {
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(60)));
        while let Some(mut frame) = self.read_frame() {
            if frame.len() < 4 {
                return;
            }
            let key = i16::from_be_bytes([frame[0], frame[1]]);
            let version = i16::from_be_bytes([frame[2], frame[3]]);
            let Ok(api_key) = ApiKey::try_from(key) else { return };
            let Ok(header) = RequestHeader::decode(&mut frame, api_key.request_header_version(version)) else { return };
            let Ok(request) = RequestKind::decode(api_key, &mut frame, version) else { return };
            self.state.lock().expect("state").received.push(Received {
                api_key: key,
                version,
                request: request.clone(),
            });
            if !self.authenticated
                && !matches!(api_key, ApiKey::ApiVersions | ApiKey::SaslHandshake | ApiKey::SaslAuthenticate)
            {
                return; // A broker closes an unauthenticated connection that sends anything else.
            }
            let Some(response) = self.answer(request, version) else { return };
            let mut out = BytesMut::new();
            let header = ResponseHeader::default().with_correlation_id(header.correlation_id);
            let header_version = api_key.response_header_version(version);
            if header.encode(&mut out, header_version).is_err() || response.encode(&mut out, version).is_err() {
                return;
            }
            let mut frame = (out.len() as i32).to_be_bytes().to_vec();
            frame.extend_from_slice(&out);
            if self.stream.write_all(&frame).is_err() {
                return;
            }
            if !self.authenticated && self.mechanism == "failed" {
                return;
            }
        }
    }

    /// The answer to one request, or None to close the connection.
    fn answer(&mut self, request: RequestKind, version: i16) -> Option<ResponseKind> {
        Some(match request {
            RequestKind::ApiVersions(_) => {
                let state = self.state.lock().expect("state");
                let versions = state.script.api_versions.clone().unwrap_or_else(|| DEFAULT_VERSIONS.to_vec());
                let keys = versions
                    .iter()
                    .map(|&(key, min, max)| {
                        ApiVersion::default().with_api_key(key).with_min_version(min).with_max_version(max)
                    })
                    .collect();
                // ApiVersions is answered in v0 form for any version it does not know (KIP-511); v0-v3 here.
                ResponseKind::ApiVersions(ApiVersionsResponse::default().with_api_keys(keys))
            }
            RequestKind::SaslHandshake(request) => {
                let enabled = self.state.lock().expect("state").script.sasl_mechanisms.clone();
                self.mechanism = request.mechanism.to_string();
                let error = if enabled.contains(&self.mechanism) { 0 } else { 33 };
                if error != 0 {
                    self.mechanism = "failed".into();
                }
                ResponseKind::SaslHandshake(
                    SaslHandshakeResponse::default()
                        .with_error_code(error)
                        .with_mechanisms(enabled.iter().map(|m| str_bytes(m)).collect()),
                )
            }
            RequestKind::SaslAuthenticate(request) => {
                ResponseKind::SaslAuthenticate(self.authenticate(&request.auth_bytes))
            }
            RequestKind::Metadata(request) => {
                let delay = self.state.lock().expect("state").script.metadata_delay;
                std::thread::sleep(delay);
                let state = self.state.lock().expect("state");
                let (host, port) = self.advertised.rsplit_once(':').expect("host:port");
                let broker = MetadataResponseBroker::default()
                    .with_node_id(BrokerId(NODE_ID))
                    .with_host(str_bytes(host))
                    .with_port(port.parse().expect("port"));
                let wanted: Option<Vec<String>> = request
                    .topics
                    .filter(|t| !(version == 0 && t.is_empty()))
                    .map(|t| t.iter().filter_map(|t| t.name.as_ref().map(|n| n.to_string())).collect());
                let names: Vec<String> = wanted.unwrap_or_else(|| state.topics.keys().cloned().collect());
                let topics = names
                    .iter()
                    .map(|name| {
                        let topic = MetadataResponseTopic::default().with_name(Some(TopicName(str_bytes(name))));
                        let leader = match state.leaders_from.get(name) {
                            Some(from) if std::time::Instant::now() < *from => -1,
                            _ => NODE_ID,
                        };
                        match state.topics.get(name) {
                            None => topic.with_error_code(3),
                            Some(t) => topic.with_partitions(
                                (0..t.partitions)
                                    .map(|p| {
                                        MetadataResponsePartition::default()
                                            .with_partition_index(p)
                                            .with_leader_id(BrokerId(leader))
                                            .with_replica_nodes(
                                                (1..=i32::from(t.replication_factor)).map(BrokerId).collect(),
                                            )
                                            .with_isr_nodes(vec![BrokerId(NODE_ID)])
                                    })
                                    .collect(),
                            ),
                        }
                    })
                    .collect();
                // Every broker is this one, under its own id (a cluster of `brokers` for replication factors).
                let brokers =
                    (1..=state.script.brokers.max(1)).map(|id| broker.clone().with_node_id(BrokerId(id))).collect();
                let mut response = MetadataResponse::default().with_brokers(brokers).with_topics(topics);
                if version >= 1 {
                    response = response.with_controller_id(BrokerId(NODE_ID));
                }
                ResponseKind::Metadata(response)
            }
            RequestKind::ListOffsets(request) => {
                let state = self.state.lock().expect("state");
                let error = refused(&state, ApiKey::ListOffsets);
                let topics = request
                    .topics
                    .iter()
                    .map(|t| {
                        let topic = state.topics.get(&t.name.to_string());
                        let log_end = topic.map(|t| t.log_end);
                        ListOffsetsTopicResponse::default().with_name(t.name.clone()).with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    let log = topic.and_then(|t| t.logs.get(&p.partition_index));
                                    // A topic with remote.storage.enable=true models tiered storage: the first half
                                    // of its log is in remote storage only.
                                    let tiered = topic.is_some_and(|t| {
                                        t.configs.get("remote.storage.enable").is_some_and(|v| v == "true")
                                    });
                                    let offset = match (log_end, log, p.timestamp) {
                                        (None, _, _) => -1,
                                        (Some(end), None, -4) if tiered => end / 2,
                                        (Some(end), None, -5) if tiered => end / 2 - 1,
                                        (Some(_), Some(log), -1) => log.log_end(),
                                        (Some(_), Some(log), -2 | -4) => log.log_start,
                                        (Some(_), Some(log), time) if time >= 0 => log.offset_for_time(time),
                                        (Some(end), None, -1) => end,
                                        (Some(_), None, -2 | -4) => 0,
                                        _ => -1,
                                    };
                                    let error = if log_end.is_none() { 3 } else { error };
                                    let answer = ListOffsetsPartitionResponse::default()
                                        .with_partition_index(p.partition_index)
                                        .with_error_code(error);
                                    if version == 0 {
                                        answer.with_old_style_offsets(if offset >= 0 { vec![offset] } else { vec![] })
                                    } else {
                                        answer.with_offset(offset).with_timestamp(-1)
                                    }
                                })
                                .collect(),
                        )
                    })
                    .collect();
                ResponseKind::ListOffsets(ListOffsetsResponse::default().with_topics(topics))
            }
            RequestKind::Fetch(request) => {
                let state = self.state.lock().expect("state");
                let topics = request
                    .topics
                    .iter()
                    .map(|t| {
                        let topic = state.topics.get(&t.topic.to_string());
                        FetchableTopicResponse::default().with_topic(t.topic.clone()).with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    let answer = PartitionData::default().with_partition_index(p.partition);
                                    match topic.map(|t| t.logs.get(&p.partition)) {
                                        None => answer.with_error_code(3),
                                        Some(None) => answer.with_high_watermark(0).with_records(Some(Bytes::new())),
                                        Some(Some(log))
                                            if p.fetch_offset < log.log_start || p.fetch_offset > log.log_end() =>
                                        {
                                            answer.with_error_code(1).with_high_watermark(log.log_end())
                                        }
                                        Some(Some(log)) => answer
                                            .with_high_watermark(log.log_end())
                                            .with_last_stable_offset(log.log_end())
                                            .with_log_start_offset(log.log_start)
                                            .with_records(Some(if state.script.empty_fetch {
                                                Bytes::new()
                                            } else {
                                                log.fetch(p.fetch_offset, p.partition_max_bytes)
                                            })),
                                    }
                                })
                                .collect(),
                        )
                    })
                    .collect();
                ResponseKind::Fetch(FetchResponse::default().with_responses(topics))
            }
            RequestKind::FindCoordinator(request) => {
                let other = self.state.lock().expect("state").script.coordinator.clone();
                let address = other.clone().unwrap_or_else(|| self.advertised.clone());
                let node = if other.is_some() { NODE_ID + 1 } else { NODE_ID };
                let (host, port) = address.rsplit_once(':').expect("host:port");
                let port: i32 = port.parse().expect("port");
                let mut response = FindCoordinatorResponse::default();
                if version >= 4 {
                    response = response.with_coordinators(
                        request
                            .coordinator_keys
                            .iter()
                            .map(|key| {
                                kafka_protocol::messages::find_coordinator_response::Coordinator::default()
                                    .with_key(key.clone())
                                    .with_node_id(BrokerId(node))
                                    .with_host(str_bytes(host))
                                    .with_port(port)
                            })
                            .collect(),
                    );
                } else {
                    response = response.with_node_id(BrokerId(node)).with_host(str_bytes(host)).with_port(port);
                }
                ResponseKind::FindCoordinator(response)
            }
            RequestKind::DescribeGroups(request) => {
                let state = self.state.lock().expect("state");
                let groups = request
                    .groups
                    .iter()
                    .map(|g| {
                        let active = state.active_groups.iter().any(|a| *a == g.to_string());
                        DescribedGroup::default()
                            .with_group_id(g.clone())
                            .with_group_state(str_bytes(if active { "Stable" } else { "Empty" }))
                            .with_protocol_type(str_bytes("consumer"))
                    })
                    .collect();
                ResponseKind::DescribeGroups(DescribeGroupsResponse::default().with_groups(groups))
            }
            RequestKind::ListGroups(_) => {
                let state = self.state.lock().expect("state");
                let mut groups: Vec<String> = state.committed.keys().map(|(g, _, _)| g.clone()).collect();
                groups.extend(state.active_groups.iter().cloned());
                groups.sort();
                groups.dedup();
                let listed = groups
                    .iter()
                    .map(|g| {
                        ListedGroup::default()
                            .with_group_id(str_bytes(g).into())
                            .with_protocol_type(str_bytes("consumer"))
                    })
                    .collect();
                ResponseKind::ListGroups(ListGroupsResponse::default().with_groups(listed))
            }
            RequestKind::OffsetCommit(request) => {
                let mut state = self.state.lock().expect("state");
                let group = request.group_id.to_string();
                let active = state.active_groups.contains(&group);
                let leave_out = state.script.commit_leaves_out.clone();
                let refusal = refused(&state, ApiKey::OffsetCommit);
                let mut topics = Vec::new();
                for t in &request.topics {
                    let mut partitions = Vec::new();
                    for p in &t.partitions {
                        let error = if active { 25 } else { refusal };
                        if error == 0 {
                            state
                                .committed
                                .insert((group.clone(), t.name.to_string(), p.partition_index), p.committed_offset);
                        }
                        // A broker that applies the commit and leaves it out of its answer.
                        if leave_out.as_ref().is_some_and(|(topic, partition)| {
                            *topic == t.name.to_string() && *partition == p.partition_index
                        }) {
                            continue;
                        }
                        partitions.push(
                            OffsetCommitResponsePartition::default()
                                .with_partition_index(p.partition_index)
                                .with_error_code(error),
                        );
                    }
                    topics.push(
                        OffsetCommitResponseTopic::default().with_name(t.name.clone()).with_partitions(partitions),
                    );
                }
                if let Some((_, after)) = state.script.lose_commit_answer.clone().filter(|(g, _)| *g == group) {
                    if !active && !state.answer_lost {
                        // Applied above; the answer is lost with the connection.
                        state.answer_lost = true;
                        match after {
                            AfterLoss::Members => state.active_groups.push(group),
                            AfterLoss::StopsListening => {
                                state.stopped_listening = true;
                                // Wakes the accept loop, which then drops the listener.
                                let _ = TcpStream::connect(&self.advertised);
                            }
                        }
                        return None;
                    }
                }
                ResponseKind::OffsetCommit(OffsetCommitResponse::default().with_topics(topics))
            }
            RequestKind::OffsetDelete(request) => {
                let mut state = self.state.lock().expect("state");
                let group = request.group_id.to_string();
                let topics = request
                    .topics
                    .iter()
                    .map(|t| {
                        let partitions = t
                            .partitions
                            .iter()
                            .map(|p| {
                                state.committed.remove(&(group.clone(), t.name.to_string(), p.partition_index));
                                OffsetDeleteResponsePartition::default().with_partition_index(p.partition_index)
                            })
                            .collect();
                        OffsetDeleteResponseTopic::default().with_name(t.name.clone()).with_partitions(partitions)
                    })
                    .collect();
                ResponseKind::OffsetDelete(OffsetDeleteResponse::default().with_topics(topics))
            }
            RequestKind::OffsetFetch(request) => {
                let state = self.state.lock().expect("state");
                let drift = state.script.read_back_drift;
                let committed_of = |group: &str| -> BTreeMap<(String, i32), i64> {
                    state
                        .committed
                        .iter()
                        .filter(|((g, _, _), _)| g == group)
                        .map(|((_, t, p), o)| ((t.clone(), *p), *o + drift))
                        .collect()
                };
                if version >= 8 {
                    let groups = request
                        .groups
                        .iter()
                        .map(|g| {
                            if state.script.refuse_fetch_for.contains(&g.group_id.to_string()) {
                                return OffsetFetchResponseGroup::default()
                                    .with_group_id(g.group_id.clone())
                                    .with_error_code(30);
                            }
                            let committed = committed_of(&g.group_id);
                            let wanted: Vec<(String, Vec<i32>)> = match &g.topics {
                                Some(topics) => {
                                    topics.iter().map(|t| (t.name.to_string(), t.partition_indexes.clone())).collect()
                                }
                                None => by_topic(&committed),
                            };
                            let topics = wanted
                                .into_iter()
                                .map(|(topic, partitions)| {
                                    OffsetFetchResponseTopics::default()
                                        .with_name(TopicName(str_bytes(&topic)))
                                        .with_partitions(
                                            partitions
                                                .iter()
                                                .map(|p| {
                                                    OffsetFetchResponsePartitions::default()
                                                        .with_partition_index(*p)
                                                        .with_committed_offset(
                                                            committed.get(&(topic.clone(), *p)).copied().unwrap_or(-1),
                                                        )
                                                })
                                                .collect(),
                                        )
                                })
                                .collect();
                            OffsetFetchResponseGroup::default().with_group_id(g.group_id.clone()).with_topics(topics)
                        })
                        .collect();
                    ResponseKind::OffsetFetch(OffsetFetchResponse::default().with_groups(groups))
                } else if state.script.refuse_fetch_for.contains(&request.group_id.to_string()) {
                    ResponseKind::OffsetFetch(OffsetFetchResponse::default().with_error_code(30))
                } else {
                    let committed = committed_of(&request.group_id);
                    let wanted: Vec<(String, Vec<i32>)> = match &request.topics {
                        Some(topics) => {
                            topics.iter().map(|t| (t.name.to_string(), t.partition_indexes.clone())).collect()
                        }
                        None => by_topic(&committed),
                    };
                    let topics = wanted
                        .into_iter()
                        .map(|(topic, partitions)| {
                            OffsetFetchResponseTopic::default().with_name(TopicName(str_bytes(&topic))).with_partitions(
                                partitions
                                    .iter()
                                    .map(|p| {
                                        OffsetFetchResponsePartition::default()
                                            .with_partition_index(*p)
                                            .with_committed_offset(
                                                committed.get(&(topic.clone(), *p)).copied().unwrap_or(-1),
                                            )
                                    })
                                    .collect(),
                            )
                        })
                        .collect();
                    ResponseKind::OffsetFetch(OffsetFetchResponse::default().with_topics(topics))
                }
            }
            RequestKind::DescribeConfigs(request) => self.describe_configs(&request, version),
            RequestKind::CreateTopics(request) => self.create_topics(&request),
            RequestKind::CreatePartitions(request) => self.create_partitions(&request),
            _ => return None,
        })
    }
}

/// The error code the script answers every request of `key` with (0: none).
fn refused(state: &State, key: ApiKey) -> i16 {
    state.script.refuse.get(&(key as i16)).copied().unwrap_or(0)
}

fn by_topic(committed: &BTreeMap<(String, i32), i64>) -> Vec<(String, Vec<i32>)> {
    let mut topics: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for (topic, partition) in committed.keys() {
        topics.entry(topic.clone()).or_default().push(*partition);
    }
    topics.into_iter().collect()
}
