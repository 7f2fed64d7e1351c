//! To earliest: the group starts at the new cluster's log start. When the new cluster's first records are copies
//! of records the group read on the old cluster (a copier ran before the switch), it reads them again: said, with
//! how many of the first records checked are such copies (`--by-record` starts after them).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::Item;
use crate::client::session::Session;
use crate::error::Result;
use crate::usecase::clusters::{both, NEW, OLD};
use crate::usecase::commit::Outcome;
use crate::usecase::record_store::RecordStore;
use crate::usecase::translate::walk::{OldRecords, Origin};
use crate::usecase::translate::Found;
use crate::TopicPartition;

/// How many of each log's first records are compared.
const CHECKED: i64 = 100;

/// Warns for every item planned at the new cluster's log start whose first records are copies of records its group
/// read.
pub(super) fn warn_rereads(
    old: (&Session, &HashMap<TopicPartition, i32>),
    new: (&Session, &HashMap<TopicPartition, i32>),
    items: &[Item],
    deadline: Instant,
    out: &mut Outcome,
) -> Result<()> {
    let planned: Vec<&Item> = items.iter().filter(|i| matches!(&i.verdict, Some(Ok((_, Found::Earliest))))).collect();
    if planned.is_empty() {
        return Ok(());
    }
    let old_first = |i: &Item| (i.position.log_start, (i.position.log_start + CHECKED).min(i.position.log_end));
    let new_first = |i: &Item| (i.new_bounds.0, (i.new_bounds.0 + CHECKED).min(i.new_bounds.1));
    let old_wants: Vec<(TopicPartition, i64, i64)> =
        planned.iter().map(|i| (i.old.clone(), old_first(i).0, old_first(i).1)).collect();
    let new_wants: Vec<(TopicPartition, i64, i64)> =
        planned.iter().map(|i| (i.new.clone(), new_first(i).0, new_first(i).1)).collect();
    let (mut old_store, mut new_store) = (RecordStore::default(), RecordStore::default());
    let (old_read, new_read) = both(
        || old_store.read(old.0, "first records", old.1, old_wants, deadline).map_err(|e| e.on(OLD)),
        || new_store.read(new.0, "first records", new.1, new_wants, deadline).map_err(|e| e.on(NEW)),
    );
    old_read?;
    new_read?;
    let mut rereads: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for item in planned {
        let ((old_from, old_until), (new_from, new_until)) = (old_first(item), new_first(item));
        let (Some(old_records), Some(new_records)) =
            (old_store.records(&item.old, old_from, old_until), new_store.records(&item.new, new_from, new_until))
        else {
            continue; // Not read: a check, not a proof; nothing to say.
        };
        let mut index = OldRecords::new(old_from);
        index.add(&old_records.records, &[], old_records.end);
        let passed = item.position.next();
        let copies = new_records.records.iter().filter(|r| index.look_up(r).origin(passed) == Origin::Read).count();
        if copies > 0 {
            rereads.insert((item.group.to_string(), item.old.to_string()), (copies, new_records.records.len()));
        }
    }
    for ((group, partition), (copies, checked)) in rereads {
        out.warn(format!(
            "group '{group}', {partition}: {copies} of the new cluster's first {checked} records are copies of records \
             the group read on the old cluster: --to-earliest reads them again (--by-record starts after them)"
        ));
    }
    Ok(())
}
