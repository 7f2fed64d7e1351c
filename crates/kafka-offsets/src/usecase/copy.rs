//! copy-topics: the old cluster's topics created on the new one, with as many partitions and the same settings, on
//! two sessions (the old cluster is only read):
//! 1. both clusters' metadata; the topics selected on the old one;
//! 2. their settings (those set on the topic, not broker defaults) on both clusters, where the brokers can say
//!    (DescribeConfigs, Kafka 0.11+);
//! 3. the plan, one row per topic: create, exists (as on the old cluster), differs (fewer partitions, other
//!    settings), grow (with `grow_partitions`);
//! 4. with `execute`: every creation validated first (settings the new cluster does not know are left out, other
//!    refusals reported), then created in batches, partitions added, and the new cluster's metadata read until every
//!    topic has its partitions and their leaders.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::client::admin::{CreatePartitions, CreateTopics, DescribeTopicSettings, NewTopic, Refused, TopicSettings};
use crate::client::codes::ErrorCode;
use crate::client::metadata::{ClusterMetadata, FetchMetadata};
use crate::client::session::Session;
use crate::error::{Error, ExitStatus, Result};
use crate::formats::select::{TopicMetadata, TopicPattern};
use crate::formats::settings::ClientSettings;
use crate::formats::topic_plan::{TopicRow, TopicStatus};
use crate::usecase::clusters::{self, both, NEW, OLD};
use crate::usecase::commit::Outcome;

/// INVALID_CONFIG: a setting the cluster refuses (an unknown key, a value out of range).
const INVALID_CONFIG: ErrorCode = ErrorCode(40);
/// How Kafka names a setting it does not know in its INVALID_CONFIG message.
const UNKNOWN_SETTING: &str = "Unknown topic config name: ";

#[derive(Debug, Clone)]
pub struct CopyRequest {
    pub from: ClientSettings,
    pub to: ClientSettings,
    /// `--topic`: a whole-name regex (get-offset's); every topic when None.
    pub topics: Option<TopicPattern>,
    /// Internal topics (`__consumer_offsets`, ...) are left out unless asked for.
    pub include_internal: bool,
    /// `--replication-factor`: instead of the old cluster's (capped at the new cluster's brokers).
    pub replication_factor: Option<i16>,
    /// `--config KEY=VALUE`: set on every topic created (over the old cluster's value).
    pub set: Vec<(String, String)>,
    /// `--skip-config KEY`: not copied.
    pub skip: Vec<String>,
    /// `--grow-partitions`: a topic with fewer partitions on the new cluster gets the ones it lacks.
    pub grow_partitions: bool,
    /// `--allow-partial`: create the topics the new cluster accepts although it refuses others.
    pub allow_partial: bool,
    pub execute: bool,
}

/// MirrorMaker 2's own topics, by the names it gives them: its heartbeats (`heartbeats`, and `ALIAS.heartbeats`
/// copied from another cluster), checkpoints (`ALIAS.checkpoints.internal`), offset syncs
/// (`mm2-offset-syncs.ALIAS.internal`) and the Connect topics of a dedicated MirrorMaker
/// (`mm2-configs.ALIAS.internal`, `mm2-offsets.ALIAS.internal`, `mm2-status.ALIAS.internal`): internal to the copy,
/// not data to copy (`--include-internal-topics`, or naming one with `--topic`, copies them too).
pub fn is_mirror_maker_topic(name: &str) -> bool {
    const OWN: [&str; 4] = ["mm2-offset-syncs.", "mm2-configs.", "mm2-offsets.", "mm2-status."];
    name == "heartbeats"
        || name.ends_with(".heartbeats")
        || name.ends_with(".checkpoints.internal")
        || (name.ends_with(".internal") && OWN.iter().any(|prefix| name.starts_with(prefix)))
}

/// What happened: one row per topic (sorted by name), the `Note:`/`Warn:`/`Error:` lines, and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub rows: Vec<TopicRow>,
    pub messages: Vec<String>,
    pub status: ExitStatus,
}

/// One topic as it is planned: the row, and what the creation sends.
#[derive(Debug)]
struct Planned {
    row: TopicRow,
    /// Grow: the partition count to reach.
    grow_to: Option<i32>,
}

impl CopyRequest {
    pub fn run(self) -> Result<CopyReport> {
        let mut out = Outcome::default();
        let (old, new) = clusters::connect(&self.from, &self.to)?;
        let timeout = self.to.timeout;

        // 1. Both clusters' metadata, and the topics.
        let (old_meta, new_meta) =
            both(|| metadata(&old).map_err(|e| e.on(OLD)), || metadata(&new).map_err(|e| e.on(NEW)));
        let (old_meta, new_meta) = (old_meta?, new_meta?);
        // MirrorMaker 2's topics are left out (each named) unless asked for, or named with --topic.
        let named = |name: &str| self.topics.as_ref().is_some_and(|p| p.as_str().split('|').any(|n| n == name));
        let (selected, mut mirror_makers): (Vec<&TopicMetadata>, Vec<&TopicMetadata>) = old_meta
            .topics
            .iter()
            .filter(|t| self.include_internal || !t.internal)
            .filter(|t| self.topics.as_ref().is_none_or(|p| p.matches(&t.name)))
            .partition(|t| self.include_internal || !is_mirror_maker_topic(&t.name) || named(&t.name));
        mirror_makers.sort_by(|a, b| a.name.cmp(&b.name));
        for topic in &mirror_makers {
            out.note(format!(
                "topic '{}' left out: MirrorMaker 2's own (name it with --topic, or give --include-internal-topics, to \
                 copy it)",
                topic.name
            ));
        }
        if selected.is_empty() {
            if mirror_makers.is_empty() {
                return Err(Error::NoMatch);
            }
            let names: Vec<&str> = mirror_makers.iter().map(|t| t.name.as_str()).collect();
            return Err(Error::Cluster(format!(
                "no topic to copy: the topics that match are MirrorMaker 2's own ({}): name one with --topic, or \
                 give --include-internal-topics, to copy it",
                names.join(", ")
            )));
        }

        // 2. Their settings on both clusters.
        let names: Vec<String> = selected.iter().map(|t| t.name.clone()).collect();
        let existing: Vec<String> = names.iter().filter(|n| new_meta.topic(n).is_some()).cloned().collect();
        let any_existing = !existing.is_empty();
        let (old_settings, new_settings) = both(
            || settings(&old, names.clone()).map_err(|e| e.on(OLD)),
            || settings(&new, existing).map_err(|e| e.on(NEW)),
        );
        let (old_settings, new_settings) = (old_settings?, new_settings?);
        if old_settings.is_none() {
            out.warn(
                "the old cluster cannot describe topic settings (DescribeConfigs, Kafka 0.11+): only partitions and \
                 replication factors are copied",
            );
        }
        if new_settings.is_none() && any_existing {
            out.warn(
                "the new cluster cannot describe topic settings (DescribeConfigs, Kafka 0.11+): the topics it has are \
                 compared by partitions only",
            );
        }

        // 3. The plan.
        let brokers = i32::try_from(new_meta.brokers.len()).unwrap_or(i32::MAX).max(1);
        let mut planned: Vec<Planned> = Vec::new();
        for topic in &selected {
            let wanted = self.wanted_settings(topic, old_settings.as_ref(), &mut out);
            let wanted = match wanted {
                Ok(wanted) => wanted,
                Err(row) => {
                    planned.push(Planned { row, grow_to: None });
                    continue;
                }
            };
            planned.push(self.plan(topic, wanted, &new_meta, new_settings.as_ref(), brokers, &mut out));
        }

        // 4. Every creation validated by the new cluster (dry run too: it shows what would really be created), then
        // the creations and the partitions added: all or none, unless --allow-partial.
        self.validate(&new, &mut planned, new_meta.controller, timeout, &mut out)?;
        let refused = planned.iter().filter(|p| p.row.status == TopicStatus::Refused).count();
        if refused > 0 && !self.allow_partial {
            for entry in planned.iter_mut().filter(|p| matches!(p.row.status, TopicStatus::Create | TopicStatus::Grow))
            {
                entry.row.status = TopicStatus::Held;
                entry.grow_to = None;
                entry.row.details = format!(
                    "not {}: the new cluster refused {refused} other topic{} (--allow-partial creates the others)",
                    if self.execute { "created" } else { "to be created" },
                    if refused == 1 { "" } else { "s" }
                );
            }
        }
        if self.execute {
            self.create(&new, &mut planned, new_meta.controller, timeout)?;
        }
        let mut rows: Vec<TopicRow> = planned.into_iter().map(|p| p.row).collect();
        rows.sort_by(|a, b| a.topic.cmp(&b.topic));
        for row in rows.iter().filter(|r| !r.status.is_ok() && r.status != TopicStatus::Held) {
            out.error(format!("topic '{}': {}: {}", row.topic, row.status, row.details));
        }
        let held = rows.iter().filter(|r| r.status == TopicStatus::Held).count();
        if held > 0 {
            let what = match (held, self.execute) {
                (1, true) => "the other topic was not created".to_string(),
                (1, false) => "the other topic would not be created".to_string(),
                (n, true) => format!("none of the {n} other topics was created"),
                (n, false) => format!("none of the {n} other topics would be created"),
            };
            out.error(format!("{what}: the new cluster refused {refused} (--allow-partial creates the others)"));
        }
        Ok(CopyReport { rows, status: out.status(), messages: out.messages })
    }

    /// The settings a topic is created with: the old cluster's (without skipped ones, and without sensitive ones,
    /// which cannot be read), then `--config`. A topic whose settings could not be read is refused (its row).
    fn wanted_settings(
        &self,
        topic: &TopicMetadata,
        old_settings: Option<&BTreeMap<String, std::result::Result<TopicSettings, String>>>,
        out: &mut Outcome,
    ) -> std::result::Result<Vec<(String, String)>, TopicRow> {
        let mut wanted: BTreeMap<String, String> = BTreeMap::new();
        match old_settings.map(|s| s.get(&topic.name)) {
            None => {}
            Some(Some(Ok(settings))) => {
                for (key, value) in &settings.set {
                    if self.skip.contains(key) {
                        continue;
                    }
                    match value {
                        Some(value) => {
                            wanted.insert(key.clone(), value.clone());
                        }
                        None => out.warn(format!(
                            "topic '{}': the setting {key} is sensitive, so the old cluster does not show it: left \
                             out (give it with --config)",
                            topic.name
                        )),
                    }
                }
            }
            Some(other) => {
                let why = match other {
                    Some(Err(e)) => e.clone(),
                    _ => "no answer".into(),
                };
                return Err(TopicRow {
                    topic: topic.name.clone(),
                    partitions: i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX),
                    new_partitions: None,
                    replication_factor: topic.replication_factor(),
                    settings: Vec::new(),
                    status: TopicStatus::Failed,
                    details: format!("cannot read its settings on the old cluster: {why}"),
                });
            }
        }
        for (key, value) in &self.set {
            wanted.insert(key.clone(), value.clone());
        }
        Ok(wanted.into_iter().collect())
    }

    /// One topic's row: create, exists, differs, or grow.
    fn plan(
        &self,
        topic: &TopicMetadata,
        settings: Vec<(String, String)>,
        new_meta: &ClusterMetadata,
        new_settings: Option<&BTreeMap<String, std::result::Result<TopicSettings, String>>>,
        brokers: i32,
        out: &mut Outcome,
    ) -> Planned {
        let partitions = i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX);
        let mut row = TopicRow {
            topic: topic.name.clone(),
            partitions,
            new_partitions: None,
            replication_factor: topic.replication_factor(),
            settings,
            status: TopicStatus::Create,
            details: String::new(),
        };
        let Some(existing) = new_meta.topic(&topic.name) else {
            let asked = self.replication_factor.map(i32::from).unwrap_or(row.replication_factor);
            if asked > brokers {
                out.warn(format!(
                    "topic '{}': replication factor {asked} is more than the new cluster's {brokers} brokers: created \
                     with {brokers} (--replication-factor sets it)",
                    topic.name
                ));
            }
            row.replication_factor = asked.min(brokers).max(1);
            return Planned { row, grow_to: None };
        };
        let new_partitions = i32::try_from(existing.partitions.len()).unwrap_or(i32::MAX);
        row.new_partitions = Some(new_partitions);
        row.replication_factor = existing.replication_factor();
        let mut differences = Vec::new();
        if new_partitions < partitions && !self.grow_partitions {
            differences.push(format!(
                "fewer partitions on the new cluster: {new_partitions} of {partitions} (--grow-partitions adds the \
                 others)"
            ));
        }
        match new_settings.and_then(|s| s.get(&topic.name)) {
            Some(Ok(have)) => {
                // Against the new cluster's effective values (a value set equal to its default is the same); a
                // setting the new cluster does not know at all would be left out at creation: no difference.
                let differing: Vec<String> = row
                    .settings
                    .iter()
                    .filter_map(|(k, v)| {
                        let now = have.effective.get(k)?;
                        (now.as_deref() != Some(v.as_str()))
                            .then(|| format!("{k}={v} (new cluster: {})", now.as_deref().unwrap_or("hidden")))
                    })
                    .collect();
                if !differing.is_empty() {
                    differences.push(format!("other settings on the new cluster: {}", differing.join(", ")));
                }
            }
            Some(Err(e)) => differences.push(format!("cannot read its settings on the new cluster: {e}")),
            None => {}
        }
        if !differences.is_empty() {
            row.status = TopicStatus::Differs;
            row.details = differences.join("; ");
            return Planned { row, grow_to: None };
        }
        if new_partitions < partitions {
            row.status = TopicStatus::Grow;
            let added = partitions - new_partitions;
            let noun = if added == 1 { "partition" } else { "partitions" };
            row.details = format!("{added} {noun} added to the new cluster's {new_partitions}");
            return Planned { row, grow_to: Some(partitions) };
        }
        row.status = TopicStatus::Exists;
        Planned { row, grow_to: None }
    }

    /// Validates every creation with the new cluster (CreateTopics validate-only), leaving out the settings it does
    /// not know (Kafka names one per answer: validated again) and refusing what it refuses.
    fn validate(
        &self,
        new: &Session,
        planned: &mut [Planned],
        controller: Option<i32>,
        timeout: Duration,
        out: &mut Outcome,
    ) -> Result<()> {
        if !CreateTopics::supported(new, true) {
            return Ok(());
        }
        let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let creating = |p: &Planned| p.row.status == TopicStatus::Create;
        loop {
            let topics: Vec<NewTopic> = planned.iter().filter(|p| creating(p)).map(new_topic).collect();
            if topics.is_empty() {
                return Ok(());
            }
            let mut validate = CreateTopics::new(topics, true, controller, timeout_ms);
            new.drive("validate topics", &mut [&mut validate], timeout)?;
            let results = validate.results();
            let mut again = false;
            for entry in planned.iter_mut().filter(|p| creating(p)) {
                match results.get(&entry.row.topic) {
                    Some(Ok(())) => {}
                    Some(Err(refused)) => match unknown_setting(refused, &entry.row.settings) {
                        Some(key) => {
                            out.warn(format!(
                                "topic '{}': the new cluster does not know the setting {key}: left out",
                                entry.row.topic
                            ));
                            entry.row.settings.retain(|(k, _)| *k != key);
                            again = true;
                        }
                        None => refuse(&mut entry.row, refused),
                    },
                    None => refuse(&mut entry.row, &no_answer()),
                }
            }
            if !again {
                return Ok(());
            }
        }
    }

    /// Creates the valid topics in batches, adds partitions, then reads the new cluster's metadata until every topic
    /// is complete.
    fn create(&self, new: &Session, planned: &mut [Planned], controller: Option<i32>, timeout: Duration) -> Result<()> {
        let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let creating = |p: &Planned| p.row.status == TopicStatus::Create;
        let topics: Vec<NewTopic> = planned.iter().filter(|p| creating(p)).map(new_topic).collect();
        let grows: Vec<(String, i32)> =
            planned.iter().filter_map(|p| p.grow_to.map(|count| (p.row.topic.clone(), count))).collect();
        if topics.is_empty() && grows.is_empty() {
            return Ok(());
        }
        let mut create = CreateTopics::new(topics, false, controller, timeout_ms);
        let mut grow = CreatePartitions::new(grows, controller, timeout_ms);
        new.drive("create topics", &mut [&mut create, &mut grow], timeout)?;
        let (created, grown) = (create.results(), grow.results());
        for entry in planned.iter_mut() {
            let result = match entry.row.status {
                TopicStatus::Create => created.get(&entry.row.topic),
                TopicStatus::Grow => grown.get(&entry.row.topic),
                _ => continue,
            };
            match result {
                Some(Ok(())) => {
                    entry.row.status =
                        if entry.row.status == TopicStatus::Create { TopicStatus::Created } else { TopicStatus::Grown }
                }
                Some(Err(refused)) => refuse(&mut entry.row, refused),
                None => refuse(&mut entry.row, &no_answer()),
            }
        }
        wait_for_leaders(new, planned, timeout)
    }
}

/// The creation of a planned row.
fn new_topic(p: &Planned) -> NewTopic {
    NewTopic {
        name: p.row.topic.clone(),
        partitions: p.row.partitions,
        replication_factor: i16::try_from(p.row.replication_factor).unwrap_or(i16::MAX),
        settings: p.row.settings.clone(),
    }
}

fn no_answer() -> Refused {
    Refused { code: ErrorCode::REQUEST_TIMED_OUT, message: Some("no answer".into()) }
}

fn refuse(row: &mut TopicRow, refused: &Refused) {
    row.status = TopicStatus::Refused;
    row.details = format!("the new cluster refused it: {refused}");
}

/// The setting a refusal says the cluster does not know, if it is one the topic has.
fn unknown_setting(refused: &Refused, settings: &[(String, String)]) -> Option<String> {
    if refused.code != INVALID_CONFIG {
        return None;
    }
    let message = refused.message.as_deref()?;
    let key = message.split(UNKNOWN_SETTING).nth(1)?.trim().trim_end_matches('.');
    settings.iter().any(|(k, _)| k == key).then(|| key.to_string())
}

/// Reads the new cluster's metadata until every created or grown topic has all its partitions, each with a leader
/// (a topic is usable only then), or the timeout passes (those topics are marked failed).
fn wait_for_leaders(new: &Session, planned: &mut [Planned], timeout: Duration) -> Result<()> {
    let waiting = |p: &Planned| matches!(p.row.status, TopicStatus::Created | TopicStatus::Grown);
    if !planned.iter().any(waiting) {
        return Ok(());
    }
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(50);
    loop {
        let metadata = metadata(new)?;
        let complete = |p: &Planned| {
            metadata.topic(&p.row.topic).is_some_and(|t| {
                i32::try_from(t.partitions.len()).unwrap_or(i32::MAX) >= p.row.partitions
                    && t.partitions.iter().all(|partition| partition.leader >= 0)
            })
        };
        if planned.iter().filter(|p| waiting(p)).all(complete) {
            return Ok(());
        }
        if Instant::now() + pause >= deadline {
            for entry in planned.iter_mut().filter(|p| waiting(p) && !complete(p)) {
                entry.row.status = TopicStatus::Failed;
                let partitions = entry.row.partitions;
                let noun = if partitions == 1 { "partition" } else { "partitions" };
                entry.row.details = format!(
                    "the new cluster accepted it, but its metadata does not show leaders for its {partitions} {noun} \
                     after {} ms",
                    timeout.as_millis()
                );
            }
            return Ok(());
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// A cluster's metadata (every topic).
fn metadata(session: &Session) -> Result<ClusterMetadata> {
    let mut fetch = FetchMetadata::new();
    session.drive("metadata", &mut [&mut fetch], session.timeout())?;
    fetch.result.unwrap_or_else(|| Err("no metadata".into())).map_err(Error::Cluster)
}

/// The settings of these topics, or None when the cluster cannot describe them.
fn settings(
    session: &Session,
    topics: Vec<String>,
) -> Result<Option<BTreeMap<String, std::result::Result<TopicSettings, String>>>> {
    if !DescribeTopicSettings::supported(session) {
        return Ok(None);
    }
    let mut describe = DescribeTopicSettings::new(topics);
    session.drive("topic settings", &mut [&mut describe], session.timeout())?;
    Ok(Some(describe.results()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_setting_is_read_from_kafkas_message() {
        let settings = vec![("message.format.version".to_string(), "0.9".to_string())];
        let refused = |code, message: &str| Refused { code, message: Some(message.to_string()) };
        assert_eq!(
            unknown_setting(&refused(INVALID_CONFIG, "Unknown topic config name: message.format.version"), &settings),
            Some("message.format.version".to_string())
        );
        // Not one of the topic's settings, another error, or another refusal of a setting: not left out.
        assert_eq!(unknown_setting(&refused(INVALID_CONFIG, "Unknown topic config name: other"), &settings), None);
        assert_eq!(
            unknown_setting(&refused(ErrorCode(36), "Unknown topic config name: message.format.version"), &settings),
            None
        );
        assert_eq!(
            unknown_setting(&refused(INVALID_CONFIG, "Invalid value -5 for configuration retention.ms"), &settings),
            None
        );
    }
}
