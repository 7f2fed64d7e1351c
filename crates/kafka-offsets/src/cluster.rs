//! The cluster client: metadata and ListOffsets through librdkafka, and, for 0.9 brokers over PLAINTEXT, the same
//! two requests in their v0 form on raw connections (as Kafka 0.9's own GetOffsetShell sent them), which is faster
//! than librdkafka's legacy path and also serves the old `--offsets N`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::{Offset, TopicPartitionList};

use crate::config::{BrokerAddress, ClientSettings, ProtocolChoice};
use crate::error::{Error, Result};
use crate::native::{self, CommitWait, ErrorCode, IsolationLevel};
use crate::probe::{self, BrokerGeneration};
use crate::select::{PartitionMetadata, TopicMetadata};
use crate::time::OffsetSpec;
use crate::wire::{self, MetadataV0, OffsetQuery};
use crate::TopicPartition;

/// Keeps librdkafka's log off stderr (unless verbose) and remembers the last error it reported, so that a
/// timeout can say why.
#[derive(Debug, Default)]
pub struct ToolContext {
    verbose: bool,
    /// Distinct errors librdkafka reported, oldest first (the first is usually the cause: a refused certificate
    /// or login; later ones are consequences such as "all brokers are down").
    errors: Mutex<Vec<String>>,
}

/// Errors with which Kafka refuses a commit from outside the group because the group has members.
const ACTIVE_GROUP_ERRORS: &[RDKafkaErrorCode] =
    &[RDKafkaErrorCode::UnknownMemberId, RDKafkaErrorCode::IllegalGeneration, RDKafkaErrorCode::RebalanceInProgress];

/// The outcome of one group's commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The broker answered for each partition: None, or the partition's error.
    Answered(Vec<(TopicPartition, Option<String>)>),
    /// The broker refused the commit because the group has members (the error's name).
    GroupActive(String),
    /// Waiting for the answer was stopped (a signal): the commit was sent, its outcome is unknown.
    Stopped,
}

impl ClientContext for ToolContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        if self.verbose {
            eprintln!("librdkafka {level:?} {fac}: {log_message}");
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if self.verbose {
            eprintln!("librdkafka error: {error}: {reason}");
        }
        if let Ok(mut errors) = self.errors.lock() {
            if !errors.iter().any(|e| e == reason) && errors.len() < 4 {
                errors.push(reason.to_string());
            }
        }
    }
}

impl ConsumerContext for ToolContext {}

/// The answer ListOffsets gave for one partition.
pub type PartitionResult<T> = (TopicPartition, std::result::Result<T, String>);

/// Answers of the raw v0 path, and the partitions to ask again through librdkafka.
type V0Answers = (Vec<PartitionResult<Vec<i64>>>, Vec<TopicPartition>);

/// ListOffsets errors that go away by themselves (Kafka's retriable exceptions).
const RETRIABLE: &[RDKafkaErrorCode] = &[
    RDKafkaErrorCode::NotLeaderForPartition,
    RDKafkaErrorCode::LeaderNotAvailable,
    RDKafkaErrorCode::RequestTimedOut,
    RDKafkaErrorCode::NotCoordinator,
    RDKafkaErrorCode::CoordinatorLoadInProgress,
    RDKafkaErrorCode::KafkaStorageError,
    RDKafkaErrorCode::OffsetNotAvailable,
    RDKafkaErrorCode::FencedLeaderEpoch,
    RDKafkaErrorCode::UnknownLeaderEpoch,
    RDKafkaErrorCode::BrokerTransportFailure,
];

/// Errors after which asking again (through librdkafka, which refreshes leaders and retries) can succeed.
const RETRIABLE_V0_ERRORS: &[i16] = &[3, 5, 6, 7];

pub struct Cluster {
    settings: ClientSettings,
    generation: Option<BrokerGeneration>,
    /// The probe's Metadata v0 answer from a 0.9 broker, used instead of asking once more.
    legacy_metadata: Option<MetadataV0>,
    brokers: HashMap<i32, BrokerAddress>,
    /// Created on first use: the raw 0.9 path never needs it.
    client: OnceLock<BaseConsumer<ToolContext>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("bootstrap", &self.settings.bootstrap)
            .field("generation", &self.generation)
            .finish()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.settings.verbose {
            self.drain_events();
        }
    }
}

/// Serves librdkafka's queued log lines and error events (they only reach the context when polled).
fn drain_events(client: &BaseConsumer<ToolContext>) {
    for _ in 0..1000 {
        if client.poll(Duration::from_millis(1)).is_none() {
            break;
        }
    }
}

/// A failure message with what librdkafka last reported (for example "Connection refused") added.
fn failure(client: &BaseConsumer<ToolContext>, what: &str, error: impl std::fmt::Display) -> Error {
    drain_events(client);
    let errors = client.context().errors.lock().map(|e| e.join("; ")).unwrap_or_default();
    if errors.is_empty() {
        Error::cluster(format!("{what}: {error}"))
    } else {
        Error::cluster(format!("{what}: {error} (errors from the cluster: {errors})"))
    }
}

/// A consumer group's state, from ListGroups and DescribeGroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupState {
    /// The state the coordinator reported: Empty, Dead, Stable, PreparingRebalance, CompletingRebalance, ...
    Known(String),
    /// The group has no metadata on the brokers (no members; possibly committed offsets only): Kafka calls it Dead.
    Unknown,
    /// The brokers cannot describe groups (librdkafka's mock cluster): commits into an active group are still
    /// refused by the broker itself.
    Unsupported,
}

impl GroupState {
    /// Only inactive groups may be reset (Kafka's rule: Empty or Dead).
    pub fn is_inactive(&self) -> bool {
        match self {
            GroupState::Known(state) => state == "Empty" || state == "Dead",
            GroupState::Unknown | GroupState::Unsupported => true,
        }
    }
}

impl Cluster {
    /// The state of one consumer group.
    pub fn group_state(&self, group: &str) -> Result<GroupState> {
        let client = self.client()?;
        match client.fetch_group_list(Some(group), self.settings.timeout) {
            Ok(list) => Ok(list
                .groups()
                .iter()
                .find(|g| g.name() == group)
                .map_or(GroupState::Unknown, |g| GroupState::Known(g.state().to_string()))),
            Err(KafkaError::GroupListFetch(
                RDKafkaErrorCode::UnsupportedVersion | RDKafkaErrorCode::UnsupportedFeature,
            )) => Ok(GroupState::Unsupported),
            Err(e) => Err(self.failure(&format!("cannot describe group '{group}'"), e)),
        }
    }

    /// Every consumer group the brokers know (ListGroups; Kafka 0.9 lists only groups with members).
    pub fn consumer_groups(&self) -> Result<Vec<String>> {
        let client = self.client()?;
        let list = client.fetch_group_list(None, self.settings.timeout).map_err(|e| match e {
            KafkaError::GroupListFetch(RDKafkaErrorCode::UnsupportedVersion | RDKafkaErrorCode::UnsupportedFeature) => {
                Error::cluster("--all-groups needs ListGroups, which this cluster does not support")
            }
            e => self.failure("cannot list the consumer groups", e),
        })?;
        let mut groups: Vec<String> = list
            .groups()
            .iter()
            .filter(|g| g.protocol_type() == "consumer" || g.protocol_type().is_empty())
            .map(|g| g.name().to_string())
            .collect();
        groups.sort();
        groups.dedup();
        Ok(groups)
    }

    /// A client for one group's committed offsets.
    pub fn group(&self, group: &str) -> Result<GroupClient> {
        Ok(GroupClient {
            group: group.to_string(),
            client: Some(self.new_client(Some(group))?),
            timeout: self.settings.timeout,
        })
    }
}

/// Commit errors that go away by themselves: the partitions are sent again, within the timeout.
const RETRIABLE_COMMIT: &[RDKafkaErrorCode] = &[
    RDKafkaErrorCode::RequestTimedOut,
    RDKafkaErrorCode::NotCoordinator,
    RDKafkaErrorCode::CoordinatorLoadInProgress,
    RDKafkaErrorCode::CoordinatorNotAvailable,
];

/// Reads and commits one consumer group's offsets, as an outsider (no subscription, no membership): Kafka accepts
/// such commits only while the group has no members.
pub struct GroupClient {
    group: String,
    /// Always Some until dropped.
    client: Option<BaseConsumer<ToolContext>>,
    timeout: Duration,
}

impl std::fmt::Debug for GroupClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupClient").field("group", &self.group).finish()
    }
}

impl Drop for GroupClient {
    /// Closes the consumer with a short poll interval (rdkafka's own drop polls in 100 ms steps) and a bound: when
    /// the group's coordinator is unreachable, librdkafka's close waits for it far longer than the tool's timeout
    /// (up to the 45 s session timeout), so a consumer that does not close within 2 s is left to the process exit.
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        if client.close_queue().is_ok() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !client.closed() && Instant::now() < deadline {
                let _ = client.poll(Duration::from_millis(1));
            }
        }
        if !client.closed() {
            std::mem::forget(client);
        }
    }
}

fn partition_list(offsets: impl IntoIterator<Item = (TopicPartition, Offset)>) -> Result<TopicPartitionList> {
    let mut list = TopicPartitionList::new();
    for (tp, offset) in offsets {
        list.add_partition_offset(&tp.topic, tp.partition, offset).map_err(|e| Error::cluster(format!("{tp}: {e}")))?;
    }
    Ok(list)
}

impl GroupClient {
    fn consumer(&self) -> &BaseConsumer<ToolContext> {
        self.client.as_ref().expect("the consumer lives until the client is dropped")
    }

    /// The committed offset of each partition; None where the group has none.
    pub fn committed(&self, partitions: &[TopicPartition]) -> Result<HashMap<TopicPartition, Option<i64>>> {
        if partitions.is_empty() {
            return Ok(HashMap::new());
        }
        let consumer = self.consumer();
        let list = partition_list(partitions.iter().map(|tp| (tp.clone(), Offset::Invalid)))?;
        let committed = consumer.committed_offsets(list, self.timeout).map_err(|e| {
            failure(consumer, &format!("cannot read the committed offsets of group '{}'", self.group), e)
        })?;
        Ok(committed
            .elements()
            .iter()
            .map(|e| {
                let offset = match e.offset() {
                    Offset::Offset(o) if o >= 0 => Some(o),
                    _ => None,
                };
                (TopicPartition::new(e.topic(), e.partition()), offset)
            })
            .collect())
    }

    /// Commits the offsets in one request and waits for the broker's answer within the timeout, or until `stop`.
    /// Partitions refused with a passing error (coordinator moving or loading, request timed out) are sent again
    /// until the timeout.
    pub fn commit(&self, offsets: &[(TopicPartition, i64)], stop: &dyn Fn() -> bool) -> Result<CommitOutcome> {
        let consumer = self.consumer();
        let deadline = Instant::now() + self.timeout;
        let mut results: HashMap<TopicPartition, Option<String>> = HashMap::new();
        let mut pending: Vec<(TopicPartition, i64)> = offsets.to_vec();
        let mut backoff = Duration::from_millis(100);
        while !pending.is_empty() {
            let wanted: Vec<(&str, i32, i64)> =
                pending.iter().map(|(tp, o)| (tp.topic.as_str(), tp.partition, *o)).collect();
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            let reply = match native::commit_offsets(consumer.client(), &wanted, left, stop)
                .map_err(|e| failure(consumer, &format!("cannot commit group '{}'", self.group), e))?
            {
                CommitWait::Answered(reply) => reply,
                CommitWait::Stopped => return Ok(CommitOutcome::Stopped),
                CommitWait::TimedOut => {
                    return Err(failure(
                        consumer,
                        &format!("the commit of group '{}' was not confirmed", self.group),
                        format!(
                            "no answer within {} ms; it may or may not have been applied",
                            self.timeout.as_millis()
                        ),
                    ))
                }
            };
            let active = |e: &ErrorCode| ACTIVE_GROUP_ERRORS.contains(&e.code);
            let errors: Vec<&ErrorCode> = reply.partitions.iter().filter_map(|(_, _, e)| e.as_ref()).collect();
            match &reply.error {
                Some(e) if active(e) => return Ok(CommitOutcome::GroupActive(e.name.clone())),
                // A request-level error without per-partition ones failed the whole commit.
                Some(e) if errors.is_empty() => {
                    return Err(failure(consumer, &format!("the commit of group '{}' failed", self.group), e))
                }
                _ => {}
            }
            if !errors.is_empty() && errors.iter().all(|e| active(e)) {
                return Ok(CommitOutcome::GroupActive(errors[0].name.clone()));
            }
            let can_wait = Instant::now() + backoff < deadline;
            let mut again = Vec::new();
            for (topic, partition, error) in reply.partitions {
                let tp = TopicPartition::new(&topic, partition);
                match error {
                    Some(e) if can_wait && RETRIABLE_COMMIT.contains(&e.code) => again.push(tp),
                    error => {
                        results.insert(tp, error.map(|e| e.to_string()));
                    }
                }
            }
            pending.retain(|(tp, _)| again.contains(tp));
            if !pending.is_empty() {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
        Ok(CommitOutcome::Answered(offsets.iter().map(|(tp, _)| (tp.clone(), results.remove(tp).flatten())).collect()))
    }
}

impl Cluster {
    /// Finds out the brokers' protocol generation, unless told. Fails fast when no bootstrap server accepts a
    /// connection.
    pub fn connect(settings: ClientSettings) -> Result<Cluster> {
        let tls = matches!(settings.security_protocol().as_str(), "ssl" | "sasl_ssl");
        let (generation, legacy_metadata) = match settings.protocol {
            ProtocolChoice::Legacy => (Some(BrokerGeneration::Legacy), None),
            ProtocolChoice::Modern => (None, None),
            ProtocolChoice::Auto if settings.setting("api.version.request").is_some() => (None, None),
            ProtocolChoice::Auto => {
                let answer = probe::probe(&settings.bootstrap, settings.timeout, tls)?;
                // Over TLS the probe checks no certificate: it may tell the generation, not the metadata.
                (answer.generation, answer.legacy_metadata.filter(|_| !tls))
            }
        };
        Ok(Cluster { settings, generation, legacy_metadata, brokers: HashMap::new(), client: OnceLock::new() })
    }

    pub fn generation(&self) -> Option<&BrokerGeneration> {
        self.generation.as_ref()
    }

    pub fn is_legacy(&self) -> bool {
        self.generation == Some(BrokerGeneration::Legacy)
    }

    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// The librdkafka client, created on first use.
    fn client(&self) -> Result<&BaseConsumer<ToolContext>> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = self.new_client(None)?;
        Ok(self.client.get_or_init(|| client))
    }

    /// A librdkafka client, with `group.id` for group operations.
    fn new_client(&self, group: Option<&str>) -> Result<BaseConsumer<ToolContext>> {
        let context = ToolContext { verbose: self.settings.verbose, ..ToolContext::default() };
        let mut config = self.settings.rdkafka_config(self.generation.as_ref());
        config.set_log_level(if self.settings.verbose { RDKafkaLogLevel::Debug } else { RDKafkaLogLevel::Error });
        if let Some(group) = group {
            config.set("group.id", group);
        }
        config.create_with_context(context).map_err(|e| Error::Usage(format!("cannot create the Kafka client: {e}")))
    }

    fn drain_events(&self) {
        if let Some(client) = self.client.get() {
            drain_events(client);
        }
    }

    fn failure(&self, what: &str, error: impl std::fmt::Display) -> Error {
        match self.client.get() {
            Some(client) => failure(client, what, error),
            None => Error::cluster(format!("{what}: {error}")),
        }
    }

    /// Metadata for all topics (asking for one unknown topic fails on 0.9 with librdkafka 2.12, and could create it
    /// on brokers that auto-create topics, so never do).
    pub fn topics(&mut self, timeout: Duration) -> Result<Vec<TopicMetadata>> {
        if let Some(metadata) = &self.legacy_metadata {
            self.brokers = metadata
                .brokers
                .iter()
                .map(|b| (b.id, BrokerAddress { host: b.host.clone(), port: b.port as u16 }))
                .collect();
            return Ok(metadata.topics.clone());
        }
        let metadata = self
            .client()?
            .fetch_metadata(None, timeout)
            .map_err(|e| self.failure(&format!("cannot fetch metadata within {} ms", timeout.as_millis()), e))?;
        self.brokers = metadata
            .brokers()
            .iter()
            .map(|b| (b.id(), BrokerAddress { host: b.host().to_string(), port: b.port() as u16 }))
            .collect();
        Ok(metadata
            .topics()
            .iter()
            .map(|t| TopicMetadata {
                name: t.name().to_string(),
                partitions: t
                    .partitions()
                    .iter()
                    .map(|p| PartitionMetadata { id: p.id(), leader: p.leader() })
                    .collect(),
            })
            .collect())
    }

    fn isolation_level(&self) -> IsolationLevel {
        match self.settings.setting("isolation.level") {
            Some(level) if level.eq_ignore_ascii_case("read_committed") => IsolationLevel::ReadCommitted,
            _ => IsolationLevel::ReadUncommitted,
        }
    }

    /// The offsets for `spec`, one ListOffsets request per leader broker. An empty list for a partition means the
    /// broker has no offset for the spec (a timestamp after the last record, or before every segment on 0.9).
    /// `max_offsets` above 1 is the old `--offsets N` (ListOffsets v0 only).
    pub fn offsets(
        &self,
        partitions: &[(TopicPartition, PartitionMetadata)],
        spec: OffsetSpec,
        max_offsets: i32,
    ) -> Result<Vec<PartitionResult<Vec<i64>>>> {
        if max_offsets > 1 {
            return self.list_offsets_v0(partitions, spec, max_offsets).map(|(results, _)| results);
        }
        if !self.raw_legacy_path() {
            return self.list_offsets(partitions, spec);
        }
        // 0.9 over PLAINTEXT: v0 on raw connections; what failed for a passing reason is asked again through
        // librdkafka, which refreshes leaders and retries within the timeout.
        let (mut results, retry) = self.list_offsets_v0(partitions, spec, 1)?;
        if !retry.is_empty() {
            let retry: HashSet<TopicPartition> = retry.into_iter().collect();
            results.retain(|(tp, _)| !retry.contains(tp));
            let again: Vec<_> = partitions.iter().filter(|(tp, _)| retry.contains(tp)).cloned().collect();
            results.extend(self.list_offsets(&again, spec)?);
            results.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(results)
    }

    /// True when the raw v0 path can serve a 0.9 cluster: plaintext, and the brokers' addresses are known.
    fn raw_legacy_path(&self) -> bool {
        self.is_legacy() && self.settings.security_protocol() == "plaintext" && !self.brokers.is_empty()
    }

    /// Admin ListOffsets through librdkafka.
    /// Admin ListOffsets through librdkafka, one call per leader broker, all at once. (One call for every leader
    /// would send the same requests, but librdkafka merges the per-leader answers in quadratic time: 10,000
    /// partitions took 300 ms of CPU.)
    pub fn list_offsets(
        &self,
        partitions: &[(TopicPartition, PartitionMetadata)],
        spec: OffsetSpec,
    ) -> Result<Vec<PartitionResult<Vec<i64>>>> {
        if spec == OffsetSpec::MaxTimestamp {
            self.require_list_offsets_version(7, "--time max-timestamp needs ListOffsets v7 (Kafka 3.0 or newer)")?;
        }
        if partitions.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.client()?.client();
        let (isolation, deadline) = (self.isolation_level(), Instant::now() + self.settings.timeout);
        let mut by_partition: HashMap<TopicPartition, std::result::Result<i64, String>> = HashMap::new();
        let mut pending: Vec<&(TopicPartition, PartitionMetadata)> = partitions.iter().collect();
        let mut backoff = Duration::from_millis(100);
        // Retriable answers (a leader that moved, a broker busy loading) are asked again until the timeout, as
        // Kafka's own admin client does; librdkafka's Admin ListOffsets returns them as they are.
        while !pending.is_empty() {
            let mut by_leader: BTreeMap<i32, Vec<(&str, i32)>> = BTreeMap::new();
            for (tp, meta) in &pending {
                by_leader.entry(meta.leader).or_default().push((tp.topic.as_str(), tp.partition));
            }
            let timeout = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            let answers = std::thread::scope(|scope| {
                let calls: Vec<_> = by_leader
                    .values()
                    .map(|wanted| {
                        scope.spawn(move || native::list_offsets(client, wanted, spec.wire_value(), isolation, timeout))
                    })
                    .collect();
                calls.into_iter().map(|c| c.join().expect("ListOffsets thread")).collect::<Vec<_>>()
            });
            let mut retry = HashSet::new();
            for (wanted, answer) in by_leader.values().zip(answers) {
                let listed = match answer {
                    Ok(listed) => listed,
                    // One leader's call failed as a whole (it is down, say): its partitions fail, not the others.
                    Err(e) => {
                        let reason = self.failure("ListOffsets failed", e).to_string();
                        for (topic, partition) in wanted {
                            by_partition.insert(TopicPartition::new(topic, *partition), Err(reason.clone()));
                        }
                        continue;
                    }
                };
                for listed in listed {
                    let tp = TopicPartition::new(&listed.topic, listed.partition);
                    match listed.result {
                        Err(e) if RETRIABLE.contains(&e.code) && Instant::now() + backoff < deadline => {
                            retry.insert(tp);
                        }
                        result => {
                            by_partition.insert(tp, result.map_err(|e| e.to_string()));
                        }
                    }
                }
            }
            pending.retain(|(tp, _)| retry.contains(tp));
            if !pending.is_empty() {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
        Ok(partitions
            .iter()
            .map(|(tp, _)| {
                let result = match by_partition.remove(tp) {
                    Some(Ok(offset)) if offset >= 0 => Ok(vec![offset]),
                    Some(Ok(_)) => Ok(Vec::new()),
                    Some(Err(e)) => Err(e),
                    None => Err("no answer for this partition".to_string()),
                };
                (tp.clone(), result)
            })
            .collect())
    }

    fn require_list_offsets_version(&self, version: i16, message: &str) -> Result<()> {
        match &self.generation {
            Some(BrokerGeneration::Legacy) => {
                Err(Error::cluster(format!("{message}; this broker is Kafka 0.9 or older")))
            }
            Some(g) if g.max_version(wire::API_LIST_OFFSETS).unwrap_or(0) < version => Err(Error::cluster(format!(
                "{message}; this broker supports up to v{}",
                g.max_version(wire::API_LIST_OFFSETS).unwrap_or(0)
            ))),
            _ => Ok(()),
        }
    }

    /// ListOffsets v0 on raw connections, one request per leader, all leaders at once. Returns the results and the
    /// partitions that failed with a retriable error. Needs a broker that still answers v0 (removed in Kafka 4.0)
    /// and a PLAINTEXT listener.
    fn list_offsets_v0(
        &self,
        partitions: &[(TopicPartition, PartitionMetadata)],
        spec: OffsetSpec,
        max_offsets: i32,
    ) -> Result<V0Answers> {
        if let Some(generation @ BrokerGeneration::Modern(_)) = &self.generation {
            if generation.min_version(wire::API_LIST_OFFSETS) != Some(0) {
                return Err(Error::cluster(
                    "--offsets greater than 1 needs ListOffsets v0, which this broker no longer answers (Kafka 4.0 removed it)",
                ));
            }
        }
        if self.settings.security_protocol() != "plaintext" {
            return Err(Error::Usage("--offsets greater than 1 works only with security.protocol=PLAINTEXT".into()));
        }
        if spec == OffsetSpec::MaxTimestamp {
            return Err(Error::Usage("--offsets greater than 1 cannot be used with --time max-timestamp".into()));
        }
        let mut results = Vec::with_capacity(partitions.len());
        let mut retry = Vec::new();
        let mut by_leader: BTreeMap<i32, Vec<OffsetQuery>> = BTreeMap::new();
        for (tp, meta) in partitions {
            match self.brokers.get(&meta.leader) {
                Some(_) => by_leader.entry(meta.leader).or_default().push(OffsetQuery {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    time: spec.wire_value(),
                    max_offsets,
                }),
                None if meta.leader < 0 => results.push((tp.clone(), Err("the partition has no leader".to_string()))),
                None => results.push((tp.clone(), Err(format!("leader {} is not in the metadata", meta.leader)))),
            }
        }
        let timeout = self.settings.timeout;
        let answers: Vec<Result<Vec<wire::OffsetAnswer>>> = std::thread::scope(|scope| {
            let requests: Vec<_> = by_leader
                .iter()
                .map(|(leader, queries)| {
                    let address = &self.brokers[leader];
                    scope.spawn(move || probe::list_offsets_v0(address, queries, timeout))
                })
                .collect();
            requests.into_iter().map(|r| r.join().expect("ListOffsets thread")).collect()
        });
        for ((_, queries), answer) in by_leader.iter().zip(answers) {
            let answer = answer?;
            let mut by_partition: HashMap<(&str, i32), &wire::OffsetAnswer> =
                answer.iter().map(|a| ((a.topic.as_str(), a.partition), a)).collect();
            for q in queries {
                let tp = TopicPartition::new(&q.topic, q.partition);
                match by_partition.remove(&(q.topic.as_str(), q.partition)) {
                    Some(a) if a.error_code == 0 => results.push((tp, Ok(a.offsets.clone()))),
                    Some(a) if max_offsets == 1 && RETRIABLE_V0_ERRORS.contains(&a.error_code) => retry.push(tp),
                    Some(a) => results.push((tp, Err(wire::error_name(a.error_code)))),
                    None => results.push((tp, Err("no answer for this partition".to_string()))),
                }
            }
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        Ok((results, retry))
    }
}
