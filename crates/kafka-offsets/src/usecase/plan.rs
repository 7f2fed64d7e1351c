//! Reset planning: from a scenario and what is known about a partition (log start and end, committed offset,
//! the answer for a time) to the new offset, with Kafka's clamping and fallbacks. Pure: no broker needed.

use std::fmt;

use crate::formats::time::format_utc;
use crate::TopicPartition;

/// The one reset scenario of a run (Kafka's `--to-*`, `--shift-by`, `--by-duration`, `--from-file`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// `--to-datetime` or `--by-duration`, resolved to epoch milliseconds.
    AtTime(i64),
    ToEarliest,
    ToLatest,
    /// The committed offset; partitions without one get the log end offset.
    ToCurrent,
    /// Clamped into [earliest, latest].
    ToOffset(i64),
    /// Committed offset plus N, clamped; a partition without a committed offset is an error.
    ShiftBy(i64),
    /// The offsets of the `--from-file` rows, clamped.
    FromFile,
}

impl Scenario {
    /// Whether planning needs the committed offsets.
    pub fn needs_committed(self) -> bool {
        matches!(self, Scenario::ToCurrent | Scenario::ShiftBy(_))
    }
}

/// What the cluster said about one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartitionFacts {
    pub earliest: i64,
    pub latest: i64,
    pub committed: Option<i64>,
    /// For `AtTime`: the broker's answer; None when no record qualifies.
    pub at_time: Option<i64>,
    /// For `FromFile`: the offset the file asks for.
    pub requested: Option<i64>,
}

/// Something the user should know about a planned offset (printed as a `Warn:` line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanNote {
    /// Kafka's clamping, in Kafka's words.
    ClampedToLatest {
        requested: i64,
        latest: i64,
    },
    ClampedToEarliest {
        requested: i64,
        earliest: i64,
    },
    /// No record at or after the time: the log end offset (Kafka 3.0+ warns on stdout; here on stderr).
    NoRecordAfterTime {
        time: i64,
        latest: i64,
    },
    /// Kafka 0.9 answers by segment file time; nothing older than the time means the log start.
    NoSegmentBeforeTime {
        time: i64,
        earliest: i64,
    },
}

impl PlanNote {
    pub fn describe(&self, tp: &TopicPartition) -> String {
        let (topic, p) = (&tp.topic, tp.partition);
        match self {
            PlanNote::ClampedToLatest { requested, latest } => format!(
                "New offset ({requested}) is higher than latest offset for topic partition {topic}-{p}. Value will be set to {latest}"
            ),
            PlanNote::ClampedToEarliest { requested, earliest } => format!(
                "New offset ({requested}) is lower than earliest offset for topic partition {topic}-{p}. Value will be set to {earliest}"
            ),
            PlanNote::NoRecordAfterTime { time, latest } => format!(
                "Partition {p} from topic {topic} has no record at or after {}. Falling back to latest known offset {latest}.",
                format_utc(*time)
            ),
            PlanNote::NoSegmentBeforeTime { time, earliest } => format!(
                "Partition {p} from topic {topic} has no log segment last written at or before {}. Falling back to earliest known offset {earliest}.",
                format_utc(*time)
            ),
        }
    }
}

/// Why a partition cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    NoCommittedOffset,
    NoRequestedOffset,
}

impl PlanError {
    pub fn describe(&self, tp: &TopicPartition) -> String {
        match self {
            PlanError::NoCommittedOffset => format!(
                "Cannot shift offset for partition {}-{} since there is no current committed offset",
                tp.topic, tp.partition
            ),
            PlanError::NoRequestedOffset => format!("no offset was given for {tp}"),
        }
    }
}

/// The planned offset of one partition, and what to tell the user about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub offset: i64,
    pub note: Option<PlanNote>,
}

fn clamp(requested: i64, facts: &PartitionFacts) -> Planned {
    if requested > facts.latest {
        Planned { offset: facts.latest, note: Some(PlanNote::ClampedToLatest { requested, latest: facts.latest }) }
    } else if requested < facts.earliest {
        Planned {
            offset: facts.earliest,
            note: Some(PlanNote::ClampedToEarliest { requested, earliest: facts.earliest }),
        }
    } else {
        Planned { offset: requested, note: None }
    }
}

/// The new offset of one partition. `legacy` is true for Kafka 0.9 brokers, whose time lookups answer by segment
/// file time: an empty answer there means the time is before every segment, so the log start is the safe target.
pub fn plan(scenario: Scenario, facts: &PartitionFacts, legacy: bool) -> Result<Planned, PlanError> {
    let exact = |offset| Ok(Planned { offset, note: None });
    match scenario {
        Scenario::ToEarliest => exact(facts.earliest),
        Scenario::ToLatest => exact(facts.latest),
        Scenario::ToCurrent => exact(facts.committed.unwrap_or(facts.latest)),
        Scenario::ToOffset(offset) => Ok(clamp(offset, facts)),
        Scenario::ShiftBy(delta) => {
            let committed = facts.committed.ok_or(PlanError::NoCommittedOffset)?;
            Ok(clamp(committed.saturating_add(delta), facts))
        }
        Scenario::FromFile => Ok(clamp(facts.requested.ok_or(PlanError::NoRequestedOffset)?, facts)),
        Scenario::AtTime(time) => match facts.at_time {
            Some(offset) => exact(offset),
            None if legacy => Ok(Planned {
                offset: facts.earliest,
                note: Some(PlanNote::NoSegmentBeforeTime { time, earliest: facts.earliest }),
            }),
            None => Ok(Planned {
                offset: facts.latest,
                note: Some(PlanNote::NoRecordAfterTime { time, latest: facts.latest }),
            }),
        },
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scenario::AtTime(ms) => write!(f, "offsets at {}", format_utc(*ms)),
            Scenario::ToEarliest => f.write_str("earliest offsets"),
            Scenario::ToLatest => f.write_str("latest offsets"),
            Scenario::ToCurrent => f.write_str("current offsets"),
            Scenario::ToOffset(o) => write!(f, "offset {o}"),
            Scenario::ShiftBy(n) => write!(f, "committed offsets shifted by {n}"),
            Scenario::FromFile => f.write_str("offsets from a file"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACTS: PartitionFacts =
        PartitionFacts { earliest: 10, latest: 100, committed: Some(40), at_time: Some(55), requested: Some(70) };

    fn offset(scenario: Scenario, facts: PartitionFacts) -> i64 {
        plan(scenario, &facts, false).unwrap().offset
    }

    #[test]
    fn each_scenario() {
        assert_eq!(offset(Scenario::ToEarliest, FACTS), 10);
        assert_eq!(offset(Scenario::ToLatest, FACTS), 100);
        assert_eq!(offset(Scenario::ToCurrent, FACTS), 40);
        assert_eq!(offset(Scenario::ToOffset(42), FACTS), 42);
        assert_eq!(offset(Scenario::ShiftBy(-5), FACTS), 35);
        assert_eq!(offset(Scenario::ShiftBy(5), FACTS), 45);
        assert_eq!(offset(Scenario::FromFile, FACTS), 70);
        assert_eq!(offset(Scenario::AtTime(1), FACTS), 55);
    }

    #[test]
    fn to_current_without_commit_gets_latest_unclamped() {
        assert_eq!(offset(Scenario::ToCurrent, PartitionFacts { committed: None, ..FACTS }), 100);
        // A committed offset outside the log (deleted by retention) is kept as it is, as in Kafka.
        assert_eq!(offset(Scenario::ToCurrent, PartitionFacts { committed: Some(3), ..FACTS }), 3);
    }

    #[test]
    fn clamping_with_kafka_messages() {
        let tp = TopicPartition::new("t", 0);
        let high = plan(Scenario::ToOffset(150), &FACTS, false).unwrap();
        assert_eq!(high.offset, 100);
        assert_eq!(
            high.note.unwrap().describe(&tp),
            "New offset (150) is higher than latest offset for topic partition t-0. Value will be set to 100"
        );
        let low = plan(Scenario::ShiftBy(-1000), &FACTS, false).unwrap();
        assert_eq!(low.offset, 10);
        assert_eq!(
            low.note.unwrap().describe(&tp),
            "New offset (-960) is lower than earliest offset for topic partition t-0. Value will be set to 10"
        );
        assert_eq!(
            plan(Scenario::FromFile, &PartitionFacts { requested: Some(-1), ..FACTS }, false).unwrap().offset,
            10
        );
        assert_eq!(plan(Scenario::ShiftBy(i64::MAX), &FACTS, false).unwrap().offset, 100);
    }

    #[test]
    fn shift_without_commit_is_an_error() {
        let err = plan(Scenario::ShiftBy(1), &PartitionFacts { committed: None, ..FACTS }, false).unwrap_err();
        assert_eq!(
            err.describe(&TopicPartition::new("t", 3)),
            "Cannot shift offset for partition t-3 since there is no current committed offset"
        );
    }

    #[test]
    fn time_without_record_falls_back() {
        let facts = PartitionFacts { at_time: None, ..FACTS };
        let tp = TopicPartition::new("t", 2);
        let modern = plan(Scenario::AtTime(1_705_312_800_000), &facts, false).unwrap();
        assert_eq!(modern.offset, 100);
        assert_eq!(
            modern.note.unwrap().describe(&tp),
            "Partition 2 from topic t has no record at or after 2024-01-15T10:00:00.000Z. Falling back to latest known offset 100."
        );
        let legacy = plan(Scenario::AtTime(1_705_312_800_000), &facts, true).unwrap();
        assert_eq!(legacy.offset, 10);
        assert_eq!(
            legacy.note.unwrap().describe(&tp),
            "Partition 2 from topic t has no log segment last written at or before 2024-01-15T10:00:00.000Z. Falling back to earliest known offset 10."
        );
    }
}
