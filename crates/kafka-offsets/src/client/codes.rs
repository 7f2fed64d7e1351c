//! Kafka's protocol error codes, typed: the `error_code` fields of responses, with Kafka's names
//! (`UNKNOWN_MEMBER_ID`), and how the tools treat each (retried, a sign of an active group, or final).

use std::fmt;

use kafka_protocol::error::ResponseError;

/// A Kafka error code as a broker sent it. Read as an integer, so a code newer than this build is still a value
/// (shown as `error code N`), never a crash.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub i16);

impl ErrorCode {
    pub const NONE: ErrorCode = ErrorCode(0);
    pub const UNKNOWN_TOPIC_OR_PARTITION: ErrorCode = ErrorCode(3);
    pub const LEADER_NOT_AVAILABLE: ErrorCode = ErrorCode(5);
    pub const NOT_LEADER_OR_FOLLOWER: ErrorCode = ErrorCode(6);
    pub const REQUEST_TIMED_OUT: ErrorCode = ErrorCode(7);
    pub const NETWORK_EXCEPTION: ErrorCode = ErrorCode(13);
    pub const COORDINATOR_LOAD_IN_PROGRESS: ErrorCode = ErrorCode(14);
    pub const COORDINATOR_NOT_AVAILABLE: ErrorCode = ErrorCode(15);
    pub const NOT_COORDINATOR: ErrorCode = ErrorCode(16);
    pub const ILLEGAL_GENERATION: ErrorCode = ErrorCode(22);
    pub const UNKNOWN_MEMBER_ID: ErrorCode = ErrorCode(25);
    pub const REBALANCE_IN_PROGRESS: ErrorCode = ErrorCode(27);
    pub const TOPIC_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(29);
    pub const GROUP_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(30);
    pub const CLUSTER_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(31);
    pub const UNSUPPORTED_SASL_MECHANISM: ErrorCode = ErrorCode(33);
    pub const ILLEGAL_SASL_STATE: ErrorCode = ErrorCode(34);
    pub const UNSUPPORTED_VERSION: ErrorCode = ErrorCode(35);
    pub const KAFKA_STORAGE_ERROR: ErrorCode = ErrorCode(56);
    pub const SASL_AUTHENTICATION_FAILED: ErrorCode = ErrorCode(58);
    pub const NON_EMPTY_GROUP: ErrorCode = ErrorCode(68);
    pub const GROUP_ID_NOT_FOUND: ErrorCode = ErrorCode(69);
    pub const FENCED_LEADER_EPOCH: ErrorCode = ErrorCode(74);
    pub const UNKNOWN_LEADER_EPOCH: ErrorCode = ErrorCode(75);
    pub const OFFSET_NOT_AVAILABLE: ErrorCode = ErrorCode(78);
    pub const UNSTABLE_OFFSET_COMMIT: ErrorCode = ErrorCode(88);
    pub const STALE_MEMBER_EPOCH: ErrorCode = ErrorCode(113);

    pub fn is_error(self) -> bool {
        self.0 != 0
    }

    /// Kafka's name, e.g. `UNKNOWN_MEMBER_ID`.
    pub fn name(self) -> String {
        match ResponseError::try_from_code(self.0) {
            None => "NONE".into(),
            Some(ResponseError::Unknown(code)) => format!("error code {code}"),
            Some(known) => upper_snake(&format!("{known:?}")),
        }
    }

    /// Errors that go away by themselves (a leader or coordinator moving or loading, a busy broker): the request is
    /// sent again until the deadline.
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            ErrorCode::LEADER_NOT_AVAILABLE
                | ErrorCode::NOT_LEADER_OR_FOLLOWER
                | ErrorCode::REQUEST_TIMED_OUT
                | ErrorCode::NETWORK_EXCEPTION
                | ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
                | ErrorCode::COORDINATOR_NOT_AVAILABLE
                | ErrorCode::NOT_COORDINATOR
                | ErrorCode::KAFKA_STORAGE_ERROR
                | ErrorCode::FENCED_LEADER_EPOCH
                | ErrorCode::UNKNOWN_LEADER_EPOCH
                | ErrorCode::OFFSET_NOT_AVAILABLE
                | ErrorCode::UNSTABLE_OFFSET_COMMIT
        )
    }

    /// Errors after which the coordinator must be looked up again.
    pub fn is_coordinator_moved(self) -> bool {
        matches!(self, ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE)
    }

    /// Errors after which the partition's leader must be looked up again.
    pub fn is_leader_moved(self) -> bool {
        matches!(
            self,
            ErrorCode::NOT_LEADER_OR_FOLLOWER
                | ErrorCode::LEADER_NOT_AVAILABLE
                | ErrorCode::FENCED_LEADER_EPOCH
                | ErrorCode::UNKNOWN_LEADER_EPOCH
        )
    }

    /// Errors with which Kafka refuses a commit from outside a group because the group has members (classic groups:
    /// UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS; KIP-848 groups: STALE_MEMBER_EPOCH as well).
    pub fn means_group_active(self) -> bool {
        matches!(
            self,
            ErrorCode::UNKNOWN_MEMBER_ID
                | ErrorCode::ILLEGAL_GENERATION
                | ErrorCode::REBALANCE_IN_PROGRESS
                | ErrorCode::STALE_MEMBER_EPOCH
                // A share group's start offsets change only while it has no members (AlterShareGroupOffsets).
                | ErrorCode::NON_EMPTY_GROUP
        )
    }
}

/// `NotLeaderOrFollower` -> `NOT_LEADER_OR_FOLLOWER`.
fn upper_snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 8);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_names() {
        assert_eq!(ErrorCode(25).name(), "UNKNOWN_MEMBER_ID");
        assert_eq!(ErrorCode(6).name(), "NOT_LEADER_OR_FOLLOWER");
        assert_eq!(ErrorCode(29).to_string(), "TOPIC_AUTHORIZATION_FAILED");
        assert_eq!(ErrorCode(-1).name(), "UNKNOWN_SERVER_ERROR");
        assert_eq!(ErrorCode(0).name(), "NONE");
        // A code this build does not know is still shown, not refused.
        assert_eq!(ErrorCode(31000).name(), "error code 31000");
    }

    #[test]
    fn classes() {
        assert!(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS.is_retriable());
        assert!(!ErrorCode::TOPIC_AUTHORIZATION_FAILED.is_retriable());
        assert!(!ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.is_retriable());
        assert!(ErrorCode::UNKNOWN_MEMBER_ID.means_group_active());
        assert!(ErrorCode::NOT_COORDINATOR.is_coordinator_moved());
    }
}
