//! Which topic-partitions a command acts on: GetOffsetShell's `--topic` regex, `--partitions` list and
//! `--topic-partitions` rules (KIP-635, Kafka 3.0+), applied to the cluster's metadata. Pure: no broker needed.

use std::collections::BTreeSet;
use std::fmt;

use regex::Regex;

use crate::error::{shown, Error, Result};
use crate::TopicPartition;

/// Topics that brokers flag as internal (Kafka's `Topic.isInternal`, plus the share-group state topic of 4.x).
/// librdkafka's metadata does not carry the flag, so the names decide.
pub const INTERNAL_TOPICS: &[&str] = &["__consumer_offsets", "__transaction_state", "__share_group_state"];

pub fn is_internal_topic(topic: &str) -> bool {
    INTERNAL_TOPICS.contains(&topic)
}

/// A topic name pattern with the semantics of Kafka's `TopicFilter.IncludeList`: the raw string is trimmed, commas
/// become alternatives, spaces and surrounding quotes are dropped, and the regex must match the whole name.
#[derive(Debug, Clone)]
pub struct TopicPattern {
    source: String,
    regex: Regex,
}

impl TopicPattern {
    pub fn parse(raw: &str) -> Result<TopicPattern> {
        let cleaned: String = raw.trim().replace(',', "|").replace(' ', "");
        let cleaned = cleaned.trim_start_matches(['"', '\'']).trim_end_matches(['"', '\'']).to_string();
        // Java's String.matches anchors at both ends.
        let regex = Regex::new(&format!("^(?:{cleaned})$")).map_err(|_| Error::InvalidRegex { regex: shown(raw) })?;
        Ok(TopicPattern { source: cleaned, regex })
    }

    /// A whole-name regular expression taken as written (`--exclude-group`: no comma lists, no spaces removed, as
    /// Kafka's `--topic` has them); `flag` names it in the error, which says what is wrong.
    pub fn exact(raw: &str, flag: &str) -> Result<TopicPattern> {
        let regex = Regex::new(&format!("^(?:{raw})$")).map_err(|e| {
            let text = e.to_string();
            let reason = text.lines().find_map(|l| l.strip_prefix("error: ")).unwrap_or(&text).to_string();
            Error::Usage(format!("{flag} {}: not a valid regular expression: {reason}", shown(raw)))
        })?;
        Ok(TopicPattern { source: raw.to_string(), regex })
    }

    /// The pattern that matches every topic (`--topic` absent, or an empty rule topic).
    pub fn any() -> TopicPattern {
        TopicPattern::parse(".*").expect("constant regex")
    }

    pub fn matches(&self, topic: &str) -> bool {
        self.regex.is_match(topic)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The topic names this pattern can match, when it is only names (letters, digits, `_` and `-`, as
    /// alternatives): then the metadata of those topics is enough, not the whole cluster's.
    pub fn literal_names(&self) -> Option<Vec<String>> {
        let plain =
            |name: &str| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
        let names: Vec<String> = self.source.split('|').map(str::to_string).collect();
        names.iter().all(|n| plain(n)).then_some(names)
    }
}

/// Parses `--partitions`: a comma-separated list of partition ids; empty means all partitions.
pub fn parse_partition_list(raw: &str) -> Result<BTreeSet<i32>> {
    if raw.trim().is_empty() {
        return Ok(BTreeSet::new());
    }
    raw.split(',')
        .map(|item| match item.trim().parse::<i32>() {
            Ok(p) if p >= 0 => Ok(p),
            _ => Err(Error::MalformedPartitions(shown(raw))),
        })
        .collect()
}

/// Which partitions of a matched topic a rule accepts. Ranges are half-open, as in Kafka: `A-B` is A <= p < B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionRange {
    One(i32),
    Range { from: i32, until: Option<i32> },
}

impl PartitionRange {
    pub const ALL: PartitionRange = PartitionRange::Range { from: 0, until: None };

    pub fn contains(self, partition: i32) -> bool {
        match self {
            PartitionRange::One(p) => p == partition,
            PartitionRange::Range { from, until } => partition >= from && until.is_none_or(|u| partition < u),
        }
    }
}

/// One item of `--topic-partitions`: `TOPICREGEX[:N | :A-B | :A- | :-B]`.
#[derive(Debug, Clone)]
pub struct TopicPartitionRule {
    pub spec: String,
    pub topics: TopicPattern,
    pub partitions: PartitionRange,
}

impl TopicPartitionRule {
    pub fn parse(spec: &str) -> Result<TopicPartitionRule> {
        let invalid = || Error::InvalidRule(shown(spec));
        let (topic, partitions) = match spec.split_once(':') {
            None => (spec, None),
            Some((topic, partitions)) => (topic, Some(partitions)),
        };
        if topic.contains(',') {
            return Err(invalid());
        }
        let number = |s: &str| -> Result<Option<i32>> {
            if s.is_empty() {
                return Ok(None);
            }
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            s.parse::<i32>().map(Some).map_err(|_| invalid())
        };
        let partitions = match partitions {
            None => PartitionRange::ALL,
            Some(p) => match p.split_once('-') {
                None => number(p)?.map_or(PartitionRange::ALL, PartitionRange::One),
                Some((from, until)) => {
                    PartitionRange::Range { from: number(from)?.unwrap_or(0), until: number(until)? }
                }
            },
        };
        let topics = if topic.is_empty() { TopicPattern::any() } else { TopicPattern::parse(topic)? };
        Ok(TopicPartitionRule { spec: spec.to_string(), topics, partitions })
    }

    fn accepts(&self, topic: &str, partition: i32) -> bool {
        self.topics.matches(topic) && self.partitions.contains(partition)
    }
}

/// Parses the whole `--topic-partitions` value. Like Java's `String.split(",")`, trailing empty items are dropped
/// and other empty items are rules that accept everything (a warning is returned for them).
pub fn parse_rules(raw: &str) -> Result<(Vec<TopicPartitionRule>, Vec<String>)> {
    let mut items: Vec<&str> = raw.split(',').collect();
    while items.last() == Some(&"") {
        items.pop();
    }
    let mut warnings = Vec::new();
    let mut rules = Vec::with_capacity(items.len());
    for item in items {
        if item.is_empty() {
            warnings.push("an empty rule in --topic-partitions selects every topic-partition".to_string());
        }
        rules.push(TopicPartitionRule::parse(item)?);
    }
    Ok((rules, warnings))
}

/// The user's choice of topic-partitions.
#[derive(Debug, Clone)]
pub enum Selector {
    /// `--topic` (absent = all topics) and `--partitions` (empty = all partitions).
    Topics { topics: TopicPattern, partitions: BTreeSet<i32> },
    /// `--topic-partitions`: a topic-partition is selected when any rule accepts it.
    Rules(Vec<TopicPartitionRule>),
}

impl Selector {
    /// The only topics this selection can match, when every pattern in it is plain names (see
    /// [`TopicPattern::literal_names`]); `None` when it needs every topic's name.
    pub fn named_topics(&self) -> Option<Vec<String>> {
        match self {
            Selector::Topics { topics, .. } => topics.literal_names(),
            Selector::Rules(rules) => {
                let mut names = Vec::new();
                for rule in rules {
                    names.extend(rule.topics.literal_names()?);
                }
                names.sort();
                names.dedup();
                Some(names)
            }
        }
    }
}

/// What the cluster's metadata says about one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub name: String,
    pub partitions: Vec<PartitionMetadata>,
    /// Flagged internal by the brokers (Metadata v1+), or one of [`INTERNAL_TOPICS`].
    pub internal: bool,
}

impl TopicMetadata {
    /// The replication factor: the replicas of its first partition.
    pub fn replication_factor(&self) -> i32 {
        self.partitions.first().map_or(0, |p| p.replicas)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionMetadata {
    pub id: i32,
    /// Broker id of the leader; -1 when the partition has none.
    pub leader: i32,
    /// How many replicas it has.
    pub replicas: i32,
}

/// A part of the request that selected nothing, reported as an error while the rest goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    /// A `--partitions` id that none of the matched topics has.
    Partition { partition: i32, topics: Vec<String> },
    /// A `--topic-partitions` rule that accepted nothing.
    Rule(String),
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unmatched::Partition { partition, topics } if topics.len() == 1 => {
                write!(f, "partition {partition} does not exist in topic {}", topics[0])
            }
            Unmatched::Partition { partition, topics } => {
                write!(f, "partition {partition} does not exist in any of the {} matched topics", topics.len())
            }
            Unmatched::Rule(spec) => {
                write!(f, "rule '{}' of --topic-partitions matched no topic-partition", shown(spec))
            }
        }
    }
}

/// The selected partitions, sorted by topic then numeric partition, with their metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub partitions: Vec<(TopicPartition, PartitionMetadata)>,
    pub unmatched: Vec<Unmatched>,
}

impl Selector {
    pub fn select(&self, topics: &[TopicMetadata], exclude_internal: bool) -> Selection {
        let visible: Vec<&TopicMetadata> = topics.iter().filter(|t| !(exclude_internal && t.internal)).collect();
        let mut selection = Selection::default();
        match self {
            Selector::Topics { topics: pattern, partitions } => {
                let matched: Vec<&TopicMetadata> = visible.into_iter().filter(|t| pattern.matches(&t.name)).collect();
                for topic in &matched {
                    for p in &topic.partitions {
                        if partitions.is_empty() || partitions.contains(&p.id) {
                            selection.partitions.push((TopicPartition::new(&topic.name, p.id), *p));
                        }
                    }
                }
                if !matched.is_empty() {
                    for &wanted in partitions {
                        if !matched.iter().any(|t| t.partitions.iter().any(|p| p.id == wanted)) {
                            let topics = matched.iter().map(|t| t.name.clone()).collect();
                            selection.unmatched.push(Unmatched::Partition { partition: wanted, topics });
                        }
                    }
                }
            }
            Selector::Rules(rules) => {
                let mut used = vec![false; rules.len()];
                for topic in &visible {
                    for p in &topic.partitions {
                        let mut accepted = false;
                        for (i, rule) in rules.iter().enumerate() {
                            if rule.accepts(&topic.name, p.id) {
                                used[i] = true;
                                accepted = true;
                            }
                        }
                        if accepted {
                            selection.partitions.push((TopicPartition::new(&topic.name, p.id), *p));
                        }
                    }
                }
                let any_selected = !selection.partitions.is_empty();
                for (rule, used) in rules.iter().zip(used) {
                    if !used && any_selected {
                        selection.unmatched.push(Unmatched::Rule(rule.spec.clone()));
                    }
                }
            }
        }
        selection.partitions.sort_by(|a, b| a.0.cmp(&b.0));
        selection
    }
}

/// One `--topic` of reset-offsets: a literal topic name (not a regex), with all its partitions or the listed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicArg {
    pub topic: String,
    /// Empty means every partition of the topic.
    pub partitions: Vec<i32>,
}

/// Parses `topic` or `topic:0,1,2` with Kafka's messages for what does not parse.
pub fn parse_topic_arg(raw: &str) -> Result<TopicArg> {
    let invalid = || Error::Usage(format!("Invalid topic arg '{}', expected topic name and partitions", shown(raw)));
    let mut parts = raw.split(':');
    let topic = parts.next().unwrap_or_default().trim();
    let partitions = parts.next();
    if topic.is_empty() || parts.next().is_some() {
        return Err(invalid());
    }
    let partitions = match partitions {
        None => Vec::new(),
        Some(p) if p.trim().is_empty() => return Err(invalid()),
        Some(p) => p
            .split(',')
            .map(|item| {
                item.trim().parse::<i32>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    Error::Usage(format!(
                        "Invalid partition '{}' specified in topic arg '{}'",
                        shown(item.trim()),
                        shown(raw)
                    ))
                })
            })
            .collect::<Result<_>>()?,
    };
    Ok(TopicArg { topic: topic.to_string(), partitions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_spare_the_whole_clusters_metadata() {
        let names = |raw: &str| TopicPattern::parse(raw).unwrap().literal_names();
        assert_eq!(names("orders"), Some(vec!["orders".to_string()]));
        assert_eq!(names("orders,pay_ments-2"), Some(vec!["orders".to_string(), "pay_ments-2".to_string()]));
        // A dot matches any character: a.b also matches axb, so every name is needed.
        for regex in ["a.b", "o.*", "orders|", "", "[ab]", "x+"] {
            assert_eq!(names(regex), None, "{regex}");
        }
        let (rules, _) = parse_rules("orders:0-4,big:1").unwrap();
        assert_eq!(Selector::Rules(rules).named_topics(), Some(vec!["big".to_string(), "orders".to_string()]));
        let (rules, _) = parse_rules("orders:0,o.*:1").unwrap();
        assert_eq!(Selector::Rules(rules).named_topics(), None);
    }

    fn meta(name: &str, partitions: i32) -> TopicMetadata {
        TopicMetadata {
            name: name.to_string(),
            partitions: (0..partitions).rev().map(|id| PartitionMetadata { id, leader: id % 3, replicas: 1 }).collect(),
            internal: is_internal_topic(name),
        }
    }

    fn cluster() -> Vec<TopicMetadata> {
        vec![
            meta("topic1", 1),
            meta("topic2", 12),
            meta("topic3", 4),
            meta("topic4", 7),
            meta("topic5", 5),
            meta("__consumer_offsets", 3),
        ]
    }

    fn names(selection: &Selection) -> Vec<String> {
        selection.partitions.iter().map(|(tp, _)| tp.to_string()).collect()
    }

    fn rules(raw: &str) -> Selector {
        Selector::Rules(parse_rules(raw).unwrap().0)
    }

    #[test]
    fn topic_pattern_matches_whole_names_with_kafka_cleanup() {
        let p = TopicPattern::parse(" 'topic1, topic2' ").unwrap();
        assert!(p.matches("topic1"));
        assert!(p.matches("topic2"));
        assert!(!p.matches("topic10"));
        assert!(!p.matches("xtopic1"));
        assert_eq!(p.as_str(), "topic1|topic2");
        assert!(TopicPattern::parse("top.*").unwrap().matches("topic9"));
        assert!(TopicPattern::parse("\"t\"").unwrap().matches("t"));
    }

    #[test]
    fn invalid_regex_uses_kafka_message() {
        let err = TopicPattern::parse("top[ic").unwrap_err();
        assert_eq!(err.to_string(), "top[ic is an invalid regex.");
    }

    #[test]
    fn partition_list() {
        assert_eq!(parse_partition_list("").unwrap(), BTreeSet::new());
        assert_eq!(parse_partition_list("2,0, 1").unwrap(), BTreeSet::from([0, 1, 2]));
        for bad in ["a", "1,,2", "1,x", "-1", "99999999999"] {
            assert_eq!(
                parse_partition_list(bad).unwrap_err().to_string(),
                format!("--partitions expects a comma separated list of numeric partition ids, but received: {bad}")
            );
        }
    }

    #[test]
    fn rule_grammar_matches_kafka() {
        let cases: &[(&str, PartitionRange)] = &[
            ("t", PartitionRange::ALL),
            ("t:", PartitionRange::ALL),
            ("t:5", PartitionRange::One(5)),
            ("t:1-3", PartitionRange::Range { from: 1, until: Some(3) }),
            ("t:4-", PartitionRange::Range { from: 4, until: None }),
            ("t:-3", PartitionRange::Range { from: 0, until: Some(3) }),
            ("t:-", PartitionRange::ALL),
            (":-", PartitionRange::ALL),
            (":2", PartitionRange::One(2)),
        ];
        for (spec, range) in cases {
            let rule = TopicPartitionRule::parse(spec).unwrap();
            assert_eq!(rule.partitions, *range, "{spec}");
        }
        for bad in ["t:x", "a:b:c", "t:1-2-3", "t:+1", "t:99999999999", "t: 1"] {
            assert_eq!(
                TopicPartitionRule::parse(bad).unwrap_err().to_string(),
                format!("Invalid rule specification: {bad}")
            );
        }
    }

    #[test]
    fn ranges_are_half_open() {
        let r = PartitionRange::Range { from: 1, until: Some(3) };
        assert!(!r.contains(0) && r.contains(1) && r.contains(2) && !r.contains(3));
        assert!(!PartitionRange::Range { from: 2, until: Some(2) }.contains(2));
    }

    #[test]
    fn kafka_help_example_selects_the_union() {
        let s = rules("topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3").select(&cluster(), false);
        assert_eq!(
            names(&s),
            [
                "topic2:0", "topic2:1", "topic2:2", "topic3:0", "topic3:1", "topic3:2", "topic3:3", "topic4:5",
                "topic4:6", "topic5:0", "topic5:1", "topic5:2",
            ]
        );
        assert_eq!(s.unmatched, vec![Unmatched::Rule("topic1:1".into())]);
    }

    #[test]
    fn empty_items_follow_java_split() {
        let (r, warnings) = parse_rules("topic1,").unwrap();
        assert_eq!(r.len(), 1);
        assert!(warnings.is_empty());
        let (r, warnings) = parse_rules(",topic1").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn sorted_numerically_within_topic() {
        let s = Selector::Topics { topics: TopicPattern::parse("topic2").unwrap(), partitions: BTreeSet::new() }
            .select(&cluster(), false);
        assert_eq!(names(&s)[..4], ["topic2:0", "topic2:1", "topic2:2", "topic2:3"]);
        assert_eq!(names(&s)[10..], ["topic2:10", "topic2:11"]);
    }

    #[test]
    fn all_topics_and_internal_exclusion() {
        let all = Selector::Topics { topics: TopicPattern::any(), partitions: BTreeSet::from([0]) };
        assert_eq!(names(&all.select(&cluster(), false))[0], "__consumer_offsets:0");
        let s = all.select(&cluster(), true);
        assert_eq!(names(&s), ["topic1:0", "topic2:0", "topic3:0", "topic4:0", "topic5:0"]);
    }

    #[test]
    fn missing_partitions_are_reported() {
        let s = Selector::Topics { topics: TopicPattern::parse("topic1").unwrap(), partitions: BTreeSet::from([0, 5]) }
            .select(&cluster(), false);
        assert_eq!(names(&s), ["topic1:0"]);
        assert_eq!(s.unmatched[0].to_string(), "partition 5 does not exist in topic topic1");
        let s = Selector::Topics { topics: TopicPattern::parse("topic.*").unwrap(), partitions: BTreeSet::from([6]) }
            .select(&cluster(), false);
        assert_eq!(names(&s), ["topic2:6", "topic4:6"]);
        assert!(s.unmatched.is_empty());
    }

    #[test]
    fn reset_topic_args() {
        assert_eq!(parse_topic_arg("orders").unwrap(), TopicArg { topic: "orders".into(), partitions: vec![] });
        assert_eq!(parse_topic_arg("orders:0,2").unwrap(), TopicArg { topic: "orders".into(), partitions: vec![0, 2] });
        for bad in ["a:b:c", "a:", ":1", ""] {
            assert_eq!(
                parse_topic_arg(bad).unwrap_err().to_string(),
                format!("Invalid topic arg '{bad}', expected topic name and partitions")
            );
        }
        assert_eq!(
            parse_topic_arg("a:x").unwrap_err().to_string(),
            "Invalid partition 'x' specified in topic arg 'a:x'"
        );
        assert_eq!(
            parse_topic_arg("a:1,-2").unwrap_err().to_string(),
            "Invalid partition '-2' specified in topic arg 'a:1,-2'"
        );
    }

    #[test]
    fn nothing_matched_is_empty() {
        let s = Selector::Topics { topics: TopicPattern::parse("nosuch").unwrap(), partitions: BTreeSet::from([1]) }
            .select(&cluster(), false);
        assert!(s.partitions.is_empty());
        assert!(s.unmatched.is_empty());
    }
}
