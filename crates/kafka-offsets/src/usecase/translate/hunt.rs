//! By record, the search for an anchor's copy on the new cluster, as a sequence of reads it asks for: first near the
//! new cluster's offset for the anchor's timestamp (when there is one), then near where a copy of the old log from
//! its log start puts it; each read reaches `window` records after its centre and, when a run of identical records
//! reaches its start, further back. The reading is the caller's: it reads what [`CopyHunt::next_read`] names and
//! gives the records to [`CopyHunt::absorb`] until [`CopyHunt::outcome`] says what was found.

use super::record::{find_copy, Anchor, By, CopySearch, RecordCopy};
use super::{Refusal, Window};

/// One anchor's copy, searched for.
#[derive(Debug, Clone)]
pub struct CopyHunt<'a> {
    pub anchor: &'a Anchor,
    /// The new partition's log start and end.
    bounds: (i64, i64),
    window: i64,
    /// Where reads are centred, and how each place was found; the first is read next.
    places: Vec<(i64, By)>,
    /// How far before its centre the read starts, and how far after it it ends.
    back: i64,
    ahead: i64,
    searched: Vec<String>,
    outcome: Option<Result<RecordCopy, Refusal>>,
}

impl<'a> CopyHunt<'a> {
    /// A search that starts where a copy of the old log puts the anchor.
    pub fn new(anchor: &'a Anchor, bounds: (i64, i64), window: i64) -> CopyHunt<'a> {
        CopyHunt {
            anchor,
            bounds,
            window,
            places: vec![(anchor.expected, By::Content { from: 0, until: 0 })],
            back: window,
            ahead: window,
            searched: Vec::new(),
            outcome: None,
        }
    }

    /// The new cluster's offset for the anchor's timestamp: searched first, when it is inside the log.
    pub fn place_by_timestamp(&mut self, offset: i64) {
        if offset >= self.bounds.0 && offset < self.bounds.1 {
            self.places.insert(0, (offset, By::Timestamp));
        }
    }

    /// The offsets to read next, `[from, until)`.
    pub fn next_read(&self) -> (i64, i64) {
        let (start, end) = self.bounds;
        let centre = self.places.first().map_or(start, |p| p.0);
        let until = centre.saturating_add(self.ahead).saturating_add(1).min(end).max(start);
        ((centre - self.back).max(start), until)
    }

    /// The copy, or why it is refused; None while reads are asked for.
    pub fn outcome(&self) -> Option<&Result<RecordCopy, Refusal>> {
        self.outcome.as_ref()
    }

    /// Gives up: the records could not be read.
    pub fn fail(&mut self, refusal: Refusal) {
        self.outcome.get_or_insert(Err(refusal));
    }

    /// Decides from a finished read of [`next_read`](Self::next_read), or asks for another.
    pub fn absorb(&mut self, read: Window<'_>) {
        if self.outcome.is_some() {
            return;
        }
        let (from, _) = self.next_read();
        let by = match self.places[0].1 {
            By::Timestamp => By::Timestamp,
            By::Content { .. } => By::Content { from, until: read.end },
        };
        match find_copy(self.anchor, read, self.bounds, by) {
            CopySearch::Found(copy) => self.outcome = Some(Ok(copy)),
            // A run of identical records reaches the start of the read: read its start too.
            CopySearch::ReadBack if from > self.bounds.0 => self.back = self.back.max(16).saturating_mul(4),
            // ... or its end: read its end too.
            CopySearch::ReadOn => self.ahead = self.ahead.max(16).saturating_mul(4),
            CopySearch::ReadBack | CopySearch::NotFound => {
                let how = if by == By::Timestamp { "by timestamp" } else { "by content" };
                self.searched.push(format!("offsets {from}..{} {how}", read.end));
                self.places.remove(0);
                self.back = self.window;
                self.ahead = self.window;
                if self.places.is_empty() {
                    let searched = format!("searched {}", self.searched.join(", "));
                    self.outcome = Some(Err(Refusal::NotOnNew { searched }));
                }
            }
            CopySearch::Refused(refusal) => self.outcome = Some(Err(refusal)),
        }
    }
}
