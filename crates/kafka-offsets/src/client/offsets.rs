//! ListOffsets, one request per partition leader for all of its partitions, every leader in the same round.
//!
//! Versions: v0 (Kafka 0.8+) answers with up to `max_num_offsets` log segment base offsets by segment file time
//! (the only form Kafka 0.9 has, and the old `--offsets N`); v1+ (KIP-79, 0.10.1) with the first offset whose record
//! timestamp is at or after the time; v2+ take an isolation level; v7 `-3` max-timestamp (KIP-734); v8 `-4`
//! earliest-local and v9 `-5` latest-tiered (KIP-1005). Retriable answers are asked again until the deadline,
//! after the leaders are looked up again when they moved.

use std::collections::{BTreeMap, HashMap, HashSet};

use kafka_protocol::messages::MetadataRequest;

use crate::client::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use crate::client::messages::ListOffsetsRequest;
use kafka_protocol::protocol::{Message as _, Request as _};

use crate::client::codes::ErrorCode;
use crate::client::metadata;
use crate::client::session::{Answers, Call, Next, Operation, Round, Session, Target};
use crate::error::{Error, Result as ToolResult};
use crate::formats::time::OffsetSpec;
use crate::TopicPartition;

/// The answer for one partition: the offsets (several, newest first, for `--offsets N` on v0; empty when the
/// broker has none for the time), or why there is none.
pub type Listed = Result<Vec<i64>, String>;

/// The ListOffsets query for a spec on this session's cluster, or why the cluster cannot answer it.
pub fn offset_query(session: &Session, spec: OffsetSpec, max_offsets: i32) -> ToolResult<OffsetQuery> {
    let isolation_level = session.settings().isolation_level();
    if max_offsets > 1 {
        // v0 only: removed from brokers in Kafka 4.0 (KIP-896).
        let available = session.versions().range(ListOffsetsRequest::KEY);
        if available.is_some_and(|(min, _)| min > 0) {
            return Err(Error::Cluster(
                "--offsets greater than 1 needs ListOffsets v0, which this broker no longer answers (Kafka 4.0 removed it)"
                    .into(),
            ));
        }
        return Ok(OffsetQuery {
            timestamp: spec.wire_value(),
            max_offsets,
            isolation_level,
            min_version: 0,
            max_version: 0,
        });
    }
    let min_version = spec.min_list_offsets_version(session.is_legacy());
    let encodable = ListOffsetsRequest::VERSIONS.max;
    if min_version > encodable {
        return Err(Error::Cluster(format!(
            "{}, which this build cannot send yet (it sends ListOffsets up to v{encodable})",
            spec.version_requirement()
        )));
    }
    if min_version > 0 {
        let max = session.versions().range(ListOffsetsRequest::KEY).map_or(0, |(_, max)| max);
        if session.is_legacy() || max < min_version {
            let found = if session.is_legacy() {
                "this broker is Kafka 0.9 or older".to_string()
            } else {
                format!("this broker supports up to v{max}")
            };
            return Err(Error::Cluster(format!("{}; {found}", spec.version_requirement())));
        }
    }
    Ok(OffsetQuery {
        timestamp: spec.wire_value(),
        max_offsets: 1,
        isolation_level,
        min_version,
        max_version: i16::MAX,
    })
}

/// What to ask every partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetQuery {
    /// The ListOffsets timestamp field: -1 latest, -2 earliest, -3 max-timestamp, -4, -5, or epoch ms.
    pub timestamp: i64,
    /// v0's `max_num_offsets`; 1 for the usual single answer.
    pub max_offsets: i32,
    /// 0 read_uncommitted, 1 read_committed (v2+).
    pub isolation_level: i8,
    /// The lowest version that can carry this query.
    pub min_version: i16,
    /// The highest version to use (0 for `--offsets N`).
    pub max_version: i16,
}

/// ListOffsets for many partitions, as an operation of rounds.
#[derive(Debug)]
pub struct ListOffsets {
    query: OffsetQuery,
    partitions: Vec<TopicPartition>,
    /// Each entry's timestamp (the query's, unless built with [`ListOffsets::at_times`]).
    timestamps: Vec<i64>,
    leaders: HashMap<TopicPartition, i32>,
    results: Vec<Option<Listed>>,
    last_error: Vec<Option<String>>,
    calls: Vec<(Call<ListOffsetsRequest>, i32, i16, Vec<usize>)>,
    refresh: Option<Call<MetadataRequest>>,
    leaders_stale: bool,
    /// A partition had no leader this round: wait before looking again.
    leaderless: bool,
}

impl ListOffsets {
    /// `partitions` with their leaders from the metadata (-1: none known).
    pub fn new(query: OffsetQuery, partitions: &[(TopicPartition, i32)]) -> ListOffsets {
        ListOffsets {
            query,
            leaders: partitions.iter().cloned().collect(),
            partitions: partitions.iter().map(|(tp, _)| tp.clone()).collect(),
            timestamps: vec![query.timestamp; partitions.len()],
            results: vec![None; partitions.len()],
            last_error: vec![None; partitions.len()],
            calls: Vec::new(),
            refresh: None,
            leaders_stale: false,
            leaderless: false,
        }
    }

    /// A lookup of a time per entry (a partition can appear several times, with different times: each of its
    /// entries goes in a request of its own to the leader, pipelined).
    pub fn at_times(query: OffsetQuery, entries: &[(TopicPartition, i32, i64)]) -> ListOffsets {
        let partitions: Vec<(TopicPartition, i32)> =
            entries.iter().map(|(tp, leader, _)| (tp.clone(), *leader)).collect();
        let mut lookup = ListOffsets::new(query, &partitions);
        lookup.timestamps = entries.iter().map(|(_, _, ts)| *ts).collect();
        lookup
    }

    /// The answers, in the order the partitions were given.
    pub fn results(self) -> Vec<(TopicPartition, Listed)> {
        self.partitions
            .into_iter()
            .zip(self.results)
            .map(|(tp, r)| (tp, r.unwrap_or_else(|| Err("no answer for this partition".into()))))
            .collect()
    }

    /// Metadata for the topics of the partitions still pending, to find their leaders again.
    fn metadata_request(&self, session: &Session, round: &mut Round) -> Call<MetadataRequest> {
        let mut topics: Vec<String> = self.pending().map(|i| self.partitions[i].topic.to_string()).collect();
        topics.sort();
        topics.dedup();
        metadata::request(session, Some(&topics), round)
    }

    fn pending(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.partitions.len()).filter(|&i| self.results[i].is_none())
    }

    fn fail(&mut self, index: usize, error: String) {
        self.results[index] = Some(Err(error));
    }
}

impl Operation for ListOffsets {
    fn request(&mut self, session: &Session, round: &mut Round) {
        if self.leaders_stale {
            self.refresh = Some(self.metadata_request(session, round));
            return;
        }
        let mut by_leader: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        let pending: Vec<usize> = self.pending().collect();
        for index in pending {
            match self.leaders.get(&self.partitions[index]).copied().unwrap_or(-1) {
                -1 => {
                    self.last_error[index] = Some("the partition has no leader".into());
                    self.leaderless = true;
                }
                leader => by_leader.entry(leader).or_default().push(index),
            }
        }
        if self.leaderless {
            self.refresh = Some(self.metadata_request(session, round));
        }
        for (leader, indexes) in by_leader {
            let target = Target::Broker(leader);
            let Some(version) =
                session.version::<ListOffsetsRequest>(&target, self.query.min_version, self.query.max_version)
            else {
                let reason = match session.version::<ListOffsetsRequest>(&target, 0, i16::MAX) {
                    Some(max) => format!(
                        "the leader (broker {leader}) supports ListOffsets up to v{max}; this needs v{} or newer",
                        self.query.min_version
                    ),
                    None => format!("the leader (broker {leader}) does not support the ListOffsets version this needs"),
                };
                indexes.into_iter().for_each(|i| self.fail(i, reason.clone()));
                continue;
            };
            // A partition appears once per request.
            let mut batches: Vec<(HashSet<&TopicPartition>, Vec<usize>)> = Vec::new();
            for index in indexes {
                let tp = &self.partitions[index];
                match batches.iter_mut().find(|(seen, _)| !seen.contains(tp)) {
                    Some((seen, batch)) => {
                        seen.insert(tp);
                        batch.push(index);
                    }
                    None => batches.push((HashSet::from([tp]), vec![index])),
                }
            }
            let batches: Vec<Vec<usize>> = batches.into_iter().map(|(_, batch)| batch).collect();
            for indexes in batches {
                let mut topics: BTreeMap<&str, Vec<ListOffsetsPartition>> = BTreeMap::new();
                for &index in &indexes {
                    let tp = &self.partitions[index];
                    let partition = ListOffsetsPartition {
                        partition_index: tp.partition,
                        timestamp: self.timestamps[index],
                        max_num_offsets: if version == 0 { self.query.max_offsets } else { 1 },
                        ..ListOffsetsPartition::default()
                    };
                    topics.entry(&*tp.topic).or_default().push(partition);
                }
                let topics = topics
                    .into_iter()
                    .map(|(name, partitions)| ListOffsetsTopic { name: name.to_string(), partitions })
                    .collect();
                let request = ListOffsetsRequest {
                    replica_id: -1,
                    isolation_level: if version >= 2 { self.query.isolation_level } else { 0 },
                    topics,
                    // What a tiered lookup (-6 reads remote storage's metadata) may take, as Kafka's tools send it.
                    timeout_ms: 30_000,
                };
                self.calls.push((round.add(target.clone(), &request, version), leader, version, indexes));
            }
        }
    }

    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next {
        let mut next = Next::Continue;
        if let Some(call) = self.refresh.take() {
            match answers.take(call) {
                Ok(response) => {
                    let fresh = metadata::parse(session, response);
                    for topic in &fresh.topics {
                        for p in &topic.partitions {
                            let tp = TopicPartition::new(&topic.name, p.id);
                            if let Some(leader) = self.leaders.get_mut(&tp) {
                                *leader = p.leader;
                            }
                        }
                    }
                    self.leaders_stale = false;
                }
                Err(_) => next = Next::RetryLater,
            }
        }
        for (call, leader, version, indexes) in std::mem::take(&mut self.calls) {
            let response = match answers.take(call) {
                Ok(response) => response,
                Err(e) => {
                    let reason = match session.broker_address(leader) {
                        Some(address) => format!("the leader (broker {leader} at {address}): {e}"),
                        None => format!(
                            "the leader, broker {leader}, is not among the brokers the metadata lists (is it down?)"
                        ),
                    };
                    for index in indexes {
                        self.last_error[index] = Some(reason.clone());
                    }
                    // The leader may be gone (a broker that stopped): look the leaders up again before asking.
                    self.leaders_stale |= !e.is_definitive();
                    next = Next::RetryLater;
                    continue;
                }
            };
            let mut by_partition: HashMap<(String, i32), _> = HashMap::new();
            for topic in response.topics {
                for partition in topic.partitions {
                    by_partition.insert((topic.name.clone(), partition.partition_index), partition);
                }
            }
            for index in indexes {
                let tp = &self.partitions[index];
                let Some(answer) = by_partition.remove(&(tp.topic.to_string(), tp.partition)) else {
                    self.fail(index, "no answer for this partition".into());
                    continue;
                };
                let code = ErrorCode(answer.error_code);
                if !code.is_error() {
                    let offsets = if version == 0 {
                        answer.old_style_offsets
                    } else if answer.offset >= 0 {
                        vec![answer.offset]
                    } else {
                        Vec::new()
                    };
                    self.results[index] = Some(Ok(offsets));
                } else if code.is_retriable() {
                    self.last_error[index] = Some(code.to_string());
                    self.leaders_stale |= code.is_leader_moved();
                    next = Next::RetryLater;
                } else {
                    self.fail(index, code.to_string());
                }
            }
        }
        if std::mem::take(&mut self.leaderless) {
            next = Next::RetryLater;
        }
        // A leader that moved is looked up in the next round, at once unless something else needs a backoff.
        next
    }

    fn give_up(&mut self, reason: &str) {
        for index in self.pending().collect::<Vec<_>>() {
            let error = self.last_error[index].clone().unwrap_or_else(|| reason.to_string());
            self.fail(index, error);
        }
    }
}
