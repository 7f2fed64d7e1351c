//! Points in a partition's log that a user can ask for: GetOffsetShell's `--time` values (KIP-815 names included).

use std::fmt;

use crate::error::{Error, Result};

/// What ListOffsets is asked for, per partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// `-1`, `latest`: the log end offset (high watermark).
    Latest,
    /// `-2`, `earliest`: the log start offset.
    Earliest,
    /// `-3`, `max-timestamp`: the offset of the record with the largest timestamp (KIP-734, ListOffsets v7).
    MaxTimestamp,
    /// Milliseconds since the epoch: the first offset whose record timestamp is at or after it
    /// (ListOffsets v1+; on 0.9 brokers, v0 answers by log segment file time instead).
    Timestamp(i64),
}

impl OffsetSpec {
    /// Parses `--time` as Kafka 3.2+ does; names are exact and case-sensitive.
    pub fn parse(raw: &str) -> Result<OffsetSpec> {
        match raw {
            "-1" | "latest" => Ok(OffsetSpec::Latest),
            "-2" | "earliest" => Ok(OffsetSpec::Earliest),
            "-3" | "max-timestamp" => Ok(OffsetSpec::MaxTimestamp),
            "-4" | "earliest-local" | "-5" | "latest-tiered" | "-6" | "earliest-pending-upload" => {
                Err(Error::Usage(format!(
                    "--time {raw} needs tiered-storage offset lookups (Kafka 3.9+), which this tool does not support"
                )))
            }
            _ => match raw.parse::<i64>() {
                Ok(ms) if ms >= 0 => Ok(OffsetSpec::Timestamp(ms)),
                _ => Err(Error::MalformedTime(raw.to_string())),
            },
        }
    }

    /// The value ListOffsets carries in its timestamp field.
    pub fn wire_value(self) -> i64 {
        match self {
            OffsetSpec::Latest => -1,
            OffsetSpec::Earliest => -2,
            OffsetSpec::MaxTimestamp => -3,
            OffsetSpec::Timestamp(ms) => ms,
        }
    }
}

impl fmt::Display for OffsetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OffsetSpec::Latest => f.write_str("latest"),
            OffsetSpec::Earliest => f.write_str("earliest"),
            OffsetSpec::MaxTimestamp => f.write_str("max-timestamp"),
            OffsetSpec::Timestamp(ms) => write!(f, "{ms}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_numeric_times() {
        assert_eq!(OffsetSpec::parse("-1").unwrap(), OffsetSpec::Latest);
        assert_eq!(OffsetSpec::parse("latest").unwrap(), OffsetSpec::Latest);
        assert_eq!(OffsetSpec::parse("-2").unwrap(), OffsetSpec::Earliest);
        assert_eq!(OffsetSpec::parse("earliest").unwrap(), OffsetSpec::Earliest);
        assert_eq!(OffsetSpec::parse("-3").unwrap(), OffsetSpec::MaxTimestamp);
        assert_eq!(OffsetSpec::parse("max-timestamp").unwrap(), OffsetSpec::MaxTimestamp);
        assert_eq!(OffsetSpec::parse("1551744000000").unwrap(), OffsetSpec::Timestamp(1_551_744_000_000));
        assert_eq!(OffsetSpec::parse("0").unwrap(), OffsetSpec::Timestamp(0));
    }

    #[test]
    fn malformed_times_use_kafka_message() {
        for bad in ["Latest", "abc", "", "1.5", "-7", "99999999999999999999"] {
            assert_eq!(
                OffsetSpec::parse(bad).unwrap_err().to_string(),
                format!("Malformed time argument {bad}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp, or a specified long format timestamp")
            );
        }
    }

    #[test]
    fn tiered_storage_times_are_refused_clearly() {
        let err = OffsetSpec::parse("latest-tiered").unwrap_err();
        assert!(matches!(err, Error::Usage(_)));
        assert_eq!(err.exit_status().code(), 2);
    }
}
