//! By record, the proof that nothing unread lies below the place a group would start on the new cluster: every record
//! of the new cluster from its log start to that place, compared with the records the group passed on the old one.
//!
//! A record on the new cluster below the place is either a copy of a record the group passed on the old cluster
//! (read, or skipped as part of an aborted transaction), or it is not: then the group never read it (a switched
//! producer wrote it while the copier lagged, or a copier wrote a record the group had not reached), and the group
//! must start at the first such record. No shorter proof exists: a copier that lags, or restarts and copies again,
//! can put any number of copies in order above the switched producers' first records, so a run of copies, however
//! long, says nothing about what lies below it. The walk therefore always reaches the new cluster's log start.
//!
//! Below the first copy, records that are not copies are records the group never read when the old cluster deleted
//! nothing (its log start is 0). Otherwise they are taken for copies of records the old cluster no longer has
//! (deleted by retention or compaction after they were copied), when that first copy is the copy of the first record
//! the old cluster still has, and when they are no more (told apart by contents) than the offsets it deleted:
//! the copier writes in order, so what it wrote before that copy is older. That is the one assumption (the copier
//! copied what the old cluster deleted before the producers switched), and the count of such records is reported. A copier that restarted before the old cluster deleted
//! them may have written them again higher up: a record identical to one of them (key, value and timestamp) is taken
//! for the same. When the first copy is of a later record, nothing explains the records below it: whether the group
//! read them cannot be proven, and the partition is refused.
//!
//! Records are compared by key, value and timestamp, the timestamp only where both sides' producers set it (see
//! [`same_record`](super::record::same_record)); the old records are kept as 128-bit hashes of their contents, so a
//! long partition costs tens of bytes per record, not its size.

use std::collections::HashMap;

use xxhash_rust::xxh3::Xxh3;

use super::record::RecordCopy;
use crate::client::fetch::FetchedRecord;

/// A record's key and value, hashed (a tag tells a null from an empty key or value).
pub(super) fn contents(record: &FetchedRecord) -> u128 {
    let mut hasher = Xxh3::new();
    for part in [&record.key, &record.value] {
        match part {
            None => hasher.update(&[0]),
            Some(bytes) => {
                hasher.update(&[1]);
                hasher.update(&(bytes.len() as u64).to_le_bytes());
                hasher.update(bytes);
            }
        }
    }
    hasher.digest128()
}

/// The lowest and highest offsets of the records with some contents (identical records share them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Originals {
    pub lowest: i64,
    pub highest: i64,
}

impl Originals {
    const NONE: Originals = Originals { lowest: i64::MAX, highest: i64::MIN };

    fn add(&mut self, offset: i64) {
        self.lowest = self.lowest.min(offset);
        self.highest = self.highest.max(offset);
    }

    fn merge(self, other: Originals) -> Originals {
        Originals { lowest: self.lowest.min(other.lowest), highest: self.highest.max(other.highest) }
    }

    fn any(&self) -> bool {
        self.lowest != i64::MAX
    }
}

/// The records of one partition, looked up by contents: those with any timestamp, and those whose timestamp is not
/// comparable (none, or set by the broker), which match a copy whatever its timestamp; and by contents and time.
#[derive(Debug, Default)]
struct ContentIndex {
    by_contents: HashMap<u128, (Originals, Originals)>,
    by_contents_and_time: HashMap<(u128, i64), Originals>,
}

impl ContentIndex {
    fn add(&mut self, record: &FetchedRecord) {
        let key = contents(record);
        let comparable = record.timestamp.filter(|_| !record.log_append_time);
        let (any, untimed) = self.by_contents.entry(key).or_insert((Originals::NONE, Originals::NONE));
        any.add(record.offset);
        match comparable {
            None => untimed.add(record.offset),
            Some(time) => self.by_contents_and_time.entry((key, time)).or_insert(Originals::NONE).add(record.offset),
        }
    }

    /// The records a copy of which `record` can be.
    fn originals(&self, record: &FetchedRecord) -> Originals {
        let key = contents(record);
        let Some((any, untimed)) = self.by_contents.get(&key) else { return Originals::NONE };
        match record.timestamp.filter(|_| !record.log_append_time) {
            None => *any,
            Some(time) => {
                untimed.merge(self.by_contents_and_time.get(&(key, time)).copied().unwrap_or(Originals::NONE))
            }
        }
    }
}

/// The records an old partition holds from its log start: those a consumer reads, and those of aborted
/// transactions (a copier that reads uncommitted copies them as ordinary records).
#[derive(Debug)]
pub struct OldRecords {
    read: ContentIndex,
    aborted: ContentIndex,
    /// Its log start: the offsets below were deleted.
    log_start: i64,
    /// The offset of its first record a consumer reads (`i64::MAX` while none was added).
    first: i64,
    /// How far the records were added: `[log start, until)`.
    pub until: i64,
}

impl OldRecords {
    /// The records of a partition whose log starts at `log_start`, added next in offset order.
    pub fn new(log_start: i64) -> OldRecords {
        OldRecords {
            read: ContentIndex::default(),
            aborted: ContentIndex::default(),
            log_start,
            first: i64::MAX,
            until: log_start,
        }
    }
}

/// What a record on the new cluster is, for a group at some position on the old cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A copy of a record the group read.
    Read,
    /// A copy of a record of an aborted transaction the group passed (its consumers never saw it).
    Aborted,
    /// Identical to a record below the new partition's first copy (a copy of a record the old cluster no longer
    /// has, written again): passed by every group.
    History,
    /// Identical to records the group passed and to records it did not: which one it copies cannot be told.
    Ambiguous,
    /// Not a copy of anything the group passed.
    Unread,
}

/// A record of the new cluster, looked up once for every group of a partition: the old records it can be a copy
/// of, read and aborted.
#[derive(Debug, Clone, Copy)]
pub struct Looked {
    pub offset: i64,
    read: Originals,
    aborted: Originals,
    /// It can be a copy of the old partition's first record (or of an aborted one before it).
    first: bool,
    /// It is identical to a record below the new partition's first copy, and above it.
    history: bool,
    /// Below the new partition's first copy, more distinct records than the old partition deleted offsets: they
    /// cannot all be copies of records it deleted.
    overfull: bool,
    /// The old partition deleted records (its log start is not 0): any of them may have had these contents.
    old_deleted: bool,
}

impl Looked {
    /// What the record is for a group whose position on the old cluster is `passed` (it passed every offset below).
    pub fn origin(&self, passed: i64) -> Origin {
        let passed_one = self.read.lowest < passed || self.aborted.lowest < passed || self.history;
        let unpassed_one = self.read.highest >= passed || self.aborted.highest >= passed;
        if passed_one && unpassed_one {
            Origin::Ambiguous
        } else if self.read.lowest < passed {
            Origin::Read
        } else if self.aborted.lowest < passed {
            Origin::Aborted
        } else if self.history {
            Origin::History
        } else {
            Origin::Unread
        }
    }

    /// Whether it is a copy of any old record.
    pub fn is_copy(&self) -> bool {
        self.read.any() || self.aborted.any()
    }
}

/// The records of a new partition below its first copy of an old record, learnt as the partition is read in offset
/// order: what a restarted copier may have written again above it.
#[derive(Debug, Default)]
pub struct History {
    below_first_copy: ContentIndex,
    distinct: i64,
    closed: bool,
}

impl History {
    /// Looks a record of the new partition up (in offset order, from its log start).
    pub fn look_up(&mut self, old: &OldRecords, record: &FetchedRecord) -> Looked {
        let mut looked = old.look_up(record);
        if looked.is_copy() {
            self.closed = true;
        } else if !self.closed {
            if !self.below_first_copy.originals(record).any() {
                self.distinct += 1;
            }
            self.below_first_copy.add(record);
            looked.overfull = self.distinct > old.log_start;
        } else {
            looked.history = old.log_start > 0 && self.below_first_copy.originals(record).any();
        }
        looked
    }
}

impl OldRecords {
    /// Adds the records of the next range read, in offset order (`aborted`: those of aborted transactions).
    pub fn add(&mut self, records: &[FetchedRecord], aborted: &[FetchedRecord], end: i64) {
        if let Some(record) = records.first() {
            self.first = self.first.min(record.offset);
        }
        records.iter().for_each(|r| self.read.add(r));
        aborted.iter().for_each(|r| self.aborted.add(r));
        self.until = self.until.max(end);
    }

    /// The offset of its first record a consumer reads, once one was added.
    pub fn first(&self) -> Option<i64> {
        (self.first != i64::MAX).then_some(self.first)
    }

    pub fn look_up(&self, record: &FetchedRecord) -> Looked {
        let read = self.read.originals(record);
        let aborted = self.aborted.originals(record);
        // The first copy explains what lies below it when it is of the first record consumers read, or of an aborted
        // record before it.
        let first = read.lowest == self.first || aborted.lowest <= self.first;
        let old_deleted = self.log_start > 0;
        Looked { offset: record.offset, read, aborted, first, history: false, overfull: false, old_deleted }
    }
}

/// What the walk found below the place (and, for a drained group, right after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Walk {
    /// Where the group starts: the first record it did not read below the place, else the place (after the copies
    /// of records it read that follow it, for a drained group).
    pub start: i64,
    /// The first record below the place that the group did not read (it starts there instead).
    pub first_unread: Option<i64>,
    /// Copies of records it read that come after the first unread record (read again).
    pub reread: usize,
    /// How many records of the new cluster were compared.
    pub checked: usize,
    /// Records below the first copy that are not copies of what the old cluster still has (taken for copies of
    /// records it deleted since: the first copy is of its first record).
    pub history: usize,
    /// Copies of records of aborted transactions the group passed, below the place.
    pub aborted: usize,
    /// A drained group: copies of records it read right after the place (a copier that wrote them again), skipped.
    pub duplicates: usize,
    /// Records below the first copy that nothing explains: how many, the first copy's offset (None: no copy below
    /// the place), and whether they outnumber the offsets the old cluster deleted (else the first copy is not of the
    /// old partition's first record).
    pub unexplained: Option<(usize, Option<i64>, bool)>,
    /// The first record whose origin cannot be told (identical to records the group passed and to others).
    pub ambiguous: Option<i64>,
}

impl Walk {
    /// What HOW adds about the records below the place: those taken for history, copies of aborted records, and
    /// copies written again that the start skips.
    pub fn notes(&self) -> String {
        let mut notes = String::new();
        if self.duplicates > 0 {
            notes += &format!(
                "; {} of records it read written again after it (a copier's duplicates) skipped",
                plural(self.duplicates, "copy")
            );
        }
        if self.history > 0 {
            notes += &format!(
                "; {} below the first copy taken for copies of records the old cluster no longer has",
                plural(self.history, "record")
            );
        }
        if self.aborted > 0 {
            notes += &format!("; {} of aborted transactions passed", plural(self.aborted, "copy"));
        }
        notes
    }
}

fn plural(count: usize, what: &str) -> String {
    match (count, what) {
        (1, _) => format!("1 {what}"),
        (n, "copy") => format!("{n} copies"),
        (n, _) => format!("{n} {what}s"),
    }
}

/// One group's walk over the new cluster's records, fed in offset order from the log start.
#[derive(Debug, Clone)]
pub struct Walker {
    /// The group passed every old offset below this one.
    passed: i64,
    /// Where the group would start: the copy of the record it reads next, or the offset after the copy of the
    /// last one it read.
    place: i64,
    /// Whether the record at the place is the copy of the old partition's first record (a group that has read
    /// nothing the old cluster still has).
    place_is_first: bool,
    /// Drained: the records after the place are walked too, while they are copies of records it read.
    drained: bool,
    /// From here to the place, copies of the records before the anchor, proven by their order (the records right
    /// before the copy, or its run of identical records), whatever other records share their contents.
    proven_from: i64,
    seen_copy: bool,
    /// The records below the copies outnumber what the old cluster deleted.
    overfull: bool,
    /// The offset after the last record stepped.
    reached: i64,
    /// After the place, a record that is not a copy of what the group read was met.
    stopped: bool,
    walk: Walk,
}

impl Walker {
    /// The walk for a group that passed the old offsets below `passed`, whose anchor's copy is `copy`.
    pub fn new(passed: i64, copy: &RecordCopy, place_is_first: bool) -> Walker {
        let place = copy.new_offset();
        Walker {
            passed,
            place,
            place_is_first,
            drained: copy.after_last_read,
            proven_from: {
                let run_start = copy.offset - copy.run.map_or(0, |(before, _)| before as i64);
                let aligned_from = i64::try_from(copy.aligned).map_or(i64::MIN, |n| copy.offset - n);
                run_start.min(aligned_from)
            },
            seen_copy: false,
            overfull: false,
            reached: i64::MIN,
            stopped: false,
            walk: Walk { start: place, ..Walk::default() },
        }
    }

    pub fn place(&self) -> i64 {
        self.place
    }

    /// Whether the records stepped so far decide the walk (the caller may stop reading once every walk is done).
    pub fn done(&self) -> bool {
        self.walk.ambiguous.is_some()
            || self.reached >= self.place && (!self.drained || self.stopped || self.walk.first_unread.is_some())
    }

    /// The next record of the new cluster, in offset order.
    pub fn step(&mut self, record: &Looked) {
        self.reached = self.reached.max(record.offset + 1);
        let beyond = record.offset >= self.place;
        if beyond && !(self.drained && !self.stopped && self.walk.first_unread.is_none()) {
            return;
        }
        let origin = match record.origin(self.passed) {
            _ if record.offset >= self.proven_from && record.offset < self.place => Origin::Read,
            Origin::Ambiguous => {
                self.walk.ambiguous.get_or_insert(record.offset);
                return;
            }
            origin => origin,
        };
        if beyond {
            if origin == Origin::Unread {
                self.stopped = true;
            } else {
                self.walk.duplicates += 1;
                self.walk.start = record.offset + 1;
            }
            return;
        }
        self.walk.checked += 1;
        match origin {
            // Not a copy of any old record, below every copy: taken for a copy of a record the old cluster deleted
            // (if it deleted any: else the group never read it).
            Origin::Unread if !self.seen_copy && !record.is_copy() && record.old_deleted => {
                self.walk.history += 1;
                self.overfull |= record.overfull;
            }
            // Below every copy of what the group passed, identical to records it did not pass and maybe to records
            // the old cluster deleted (which it passed): which one it copies cannot be told.
            Origin::Unread if !self.seen_copy && record.old_deleted => {
                self.walk.ambiguous.get_or_insert(record.offset);
            }
            Origin::Unread => {
                self.walk.first_unread.get_or_insert(record.offset);
            }
            origin => {
                if !self.seen_copy {
                    self.seen_copy = true;
                    self.explain_history(Some(record.offset), record.first);
                }
                match origin {
                    Origin::Aborted => self.walk.aborted += 1,
                    Origin::History => self.walk.history += 1,
                    _ => {}
                }
                if self.walk.first_unread.is_some() {
                    self.walk.reread += 1;
                }
            }
        }
    }

    /// The records below the first copy are history only when that copy is of the old partition's first record;
    /// otherwise nothing explains them.
    fn explain_history(&mut self, first_copy: Option<i64>, of_first_record: bool) {
        if self.walk.history > 0 && (!of_first_record || self.overfull) {
            self.walk.unexplained = Some((self.walk.history, first_copy, self.overfull));
        }
    }

    pub fn finish(mut self) -> Walk {
        if !self.seen_copy {
            self.explain_history(None, self.place_is_first);
        }
        if let Some(first) = self.walk.first_unread {
            self.walk.start = first;
            self.walk.duplicates = 0;
        }
        self.walk
    }
}
