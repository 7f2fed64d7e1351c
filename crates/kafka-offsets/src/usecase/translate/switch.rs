//! Switch time, the checks by reading that the planned offset `P` (the new cluster's first record at or after the
//! switch time) needs before it is called right:
//! - below `P`, back to the copy of the last record the group read, no record may be a copy of nothing on the old
//!   cluster: such records are the switched producers', written before the switch time given (noted late), and
//!   starting at `P` skips them;
//! - the group's unread records on the old cluster that are newer than the switch time are not skipped by the
//!   strategy: each must be on the new cluster at or after `P` (a producer that was not switched wrote them to the
//!   old cluster only, or the copier never copied them), else they would never be read.
//!
//! Pure: the records are read by `migrate`.

use std::collections::HashMap;

use super::walk::{contents, OldRecords, Origin};
use crate::client::fetch::FetchedRecord;

/// What the records below `P` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Below {
    /// Records that are copies of nothing on the old cluster, between the copy of the last record read and `P`.
    pub switched: usize,
    /// The offset of the copy of the last record the group read, when the records read reach it.
    pub last_read_copy: Option<i64>,
}

/// Walks the new cluster's records below `P` back (`below`: in offset order, the last ones right below `P`),
/// against the old cluster's records around the group's position (`passed`: it passed every offset below). Stops
/// at the first copy of a record the group read.
pub fn below_switch(old: &OldRecords, passed: i64, below: &[FetchedRecord]) -> Below {
    let mut found = Below::default();
    for record in below.iter().rev() {
        let looked = old.look_up(record);
        match looked.origin(passed) {
            Origin::Read | Origin::Aborted | Origin::History | Origin::Ambiguous => {
                found.last_read_copy = Some(record.offset);
                return found;
            }
            // A copy of a record the group had not read (skipped by a lagging group, as --allow-lag said).
            Origin::Unread if looked.is_copy() => {}
            Origin::Unread => found.switched += 1,
        }
    }
    found
}

/// The unread records to find on the new cluster, by contents (identical records counted: each needs its own copy).
#[derive(Debug, Clone, Default)]
pub struct Sought {
    /// Per contents: the timestamps still sought (None: not comparable, matches a copy with any).
    remaining: HashMap<u128, Vec<Option<i64>>>,
    total: usize,
    missing: usize,
}

impl Sought {
    pub fn new<'a>(records: impl IntoIterator<Item = &'a FetchedRecord>) -> Sought {
        let mut sought = Sought::default();
        for record in records {
            let time = record.timestamp.filter(|_| !record.log_append_time);
            sought.remaining.entry(contents(record)).or_default().push(time);
            sought.total += 1;
        }
        sought.missing = sought.total;
        sought
    }

    /// A record of the new cluster at or after `P`: the copy of one sought, or not.
    pub fn offer(&mut self, record: &FetchedRecord) {
        let Some(times) = self.remaining.get_mut(&contents(record)) else { return };
        let time = record.timestamp.filter(|_| !record.log_append_time);
        let matching = times.iter().position(|t| t.is_none() || time.is_none() || *t == time);
        if let Some(index) = matching {
            times.swap_remove(index);
            self.missing -= 1;
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// How many were not found (yet).
    pub fn missing(&self) -> usize {
        self.missing
    }
}
