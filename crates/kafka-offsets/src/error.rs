//! The one error type of the library. Each variant knows its exit code, so the binaries map errors to exit codes in
//! one place and scripts can tell a typo from a cluster failure.

use std::fmt;

/// Process exit codes shared by both tools (see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything asked for was done.
    Success = 0,
    /// The cluster or the network failed, or at least one partition could not be handled.
    Failure = 1,
    /// The command line or an input file is wrong; nothing was sent to the cluster.
    Usage = 2,
    /// A reset was refused because a consumer group is not inactive.
    GroupActive = 3,
    /// reset-offsets stopped by SIGINT during its commits (128 + 2, the shell's convention).
    InterruptedBySigint = 130,
    /// reset-offsets stopped by SIGTERM during its commits (128 + 15).
    InterruptedBySigterm = 143,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status a signal ends a run with (SIGTERM 143, else SIGINT's 130).
    pub fn from_signal(signal: i32) -> ExitStatus {
        if signal == 15 {
            ExitStatus::InterruptedBySigterm
        } else {
            ExitStatus::InterruptedBySigint
        }
    }

    /// The worse of two statuses of one run: a failure outweighs a refused group, which outweighs success.
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        let rank = |s: ExitStatus| match s {
            ExitStatus::Success => 0,
            ExitStatus::GroupActive => 1,
            ExitStatus::Failure => 2,
            _ => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line problem found before anything is sent.
    #[error("{0}")]
    Usage(String),

    /// Kafka's own wording for a bad `--time` (3.7+).
    #[error(
        "Malformed time argument {0}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp, or a specified long format timestamp"
    )]
    MalformedTime(String),

    #[error("--partitions expects a comma separated list of numeric partition ids, but received: {0}")]
    MalformedPartitions(String),

    #[error("Invalid rule specification: {0}")]
    InvalidRule(String),

    #[error("{regex} is an invalid regex.")]
    InvalidRegex { regex: String },

    /// Kafka's wording for a `host:port` list that does not parse.
    #[error("Please provide valid host:port like host1:9091,host2:9092")]
    InvalidBootstrap,

    #[error("Error while validating the bootstrap address")]
    EmptyBootstrap,

    /// An input file (properties, CSV) that cannot be read or parsed; `what` names the flag that gave it.
    #[error("{what} {path}: {reason}")]
    InputFile { what: &'static str, path: String, reason: String },

    /// No bootstrap server accepted a connection.
    #[error("cannot connect to any bootstrap server ({attempts})")]
    Unreachable { attempts: String },

    /// The cluster answered with an error, or did not answer in time.
    #[error("{0}")]
    Cluster(String),

    /// Kafka's wording when the filters select nothing (E3+).
    #[error("Could not match any topic-partitions with the specified filters")]
    NoMatch,

    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Usage(_)
            | Error::MalformedTime(_)
            | Error::MalformedPartitions(_)
            | Error::InvalidRule(_)
            | Error::InvalidRegex { .. }
            | Error::InvalidBootstrap
            | Error::EmptyBootstrap
            | Error::InputFile { .. } => ExitStatus::Usage,
            Error::Unreachable { .. } | Error::Cluster(_) | Error::NoMatch | Error::Io(_) => ExitStatus::Failure,
        }
    }

    pub fn cluster(message: impl fmt::Display) -> Error {
        Error::Cluster(message.to_string())
    }

    /// The error of one of the two clusters of a migration, naming it.
    pub fn on(self, cluster: &str) -> Error {
        match self.exit_status() {
            ExitStatus::Failure => Error::Cluster(format!("the {cluster}: {self}")),
            _ => self,
        }
    }
}

/// User input as an error line quotes it: control characters escaped and long input cut, so that the message
/// stays one readable line whatever was typed.
pub fn shown(raw: &str) -> String {
    const MAX: usize = 200;
    let mut text: String = raw.chars().take(MAX).flat_map(char::escape_debug).collect();
    if raw.chars().count() > MAX {
        text.push_str("...");
    }
    // escape_debug also escapes quotes, which Kafka's messages never show escaped.
    text.replace("\\'", "'").replace("\\\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_keeps_plain_input_and_escapes_the_rest() {
        assert_eq!(shown("orders:1-3"), "orders:1-3");
        assert_eq!(shown("it's \"quoted\""), "it's \"quoted\"");
        assert_eq!(shown("a\nb\u{7}"), "a\\nb\\u{7}");
        assert_eq!(shown(&"x".repeat(300)), format!("{}...", "x".repeat(200)));
    }
}
