//! Switch time, the checks by reading that the planned offset `P` (the new cluster's first record at or after the
//! switch time) needs before it is called right:
//! - below `P`, no record may be a copy of nothing on the old cluster: such records are the switched producers',
//!   written before the switch time given (noted late), and starting at `P` skips them. A copier that lagged puts
//!   late copies of records the group read above them, so the walk goes on past those copies: a record of nothing
//!   counts wherever a copy of a record read lies below it (one below every such copy in the records read may be
//!   the copy of an old record older than those compared, and is not counted);
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
    /// Records that are copies of nothing on the old cluster below `P`, with a copy of a record read below them.
    pub switched: usize,
    /// The offset of the highest copy of a record the group read below `P`, when the records read reach one.
    pub last_read_copy: Option<i64>,
}

/// Walks the new cluster's records below `P` back (`below`: in offset order, the last ones right below `P`),
/// against the old cluster's records around the group's position (`passed`: it passed every offset below).
pub fn below_switch(old: &OldRecords, passed: i64, below: &[FetchedRecord]) -> Below {
    let mut found = Below::default();
    // Copies of nothing seen since the last copy of a record read (walking down): counted once one lies below them.
    let mut pending = 0;
    for record in below.iter().rev() {
        let looked = old.look_up(record);
        match looked.origin(passed) {
            Origin::Read | Origin::Aborted | Origin::History | Origin::Ambiguous => {
                found.last_read_copy.get_or_insert(record.offset);
                found.switched += std::mem::take(&mut pending);
            }
            // A copy of a record the group had not read (skipped by a lagging group, as --allow-lag said).
            Origin::Unread if looked.is_copy() => {}
            Origin::Unread => pending += 1,
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
