//! `--positions`: offsets an application keeps itself (the next record it reads on each partition of the old
//! cluster), translated by the same strategies as a group's committed offsets, with no group read or committed on
//! either cluster. Each row stands alone: a row that cannot be translated holds back no other.

use std::sync::Arc;

use super::{unfit_topic, Clusters, Item, Migration};
use crate::error::Result;
use crate::usecase::clusters::{both, NEW, OLD};
use crate::usecase::commit::Outcome;
use crate::usecase::discover::{discover, GroupSelection};
use crate::usecase::translate::{OldPosition, Refusal};
use crate::TopicPartition;

impl Migration<'_> {
    /// Both clusters' metadata, and an item per position (each its own group, named by its partition). None when a
    /// row names a partition the old cluster does not have, or a topic unfit on the new one (unless
    /// `--allow-partial`, which refuses the rows of that topic only).
    pub(super) fn positions(&mut self, rows: &[(TopicPartition, i64)]) -> Result<Option<Clusters>> {
        let none = GroupSelection::Named(Vec::new());
        let (old, new) = (&self.old, &self.new);
        let (old_found, new_found) = both(
            || discover(old, &none, Some(OLD), &mut Outcome::default()),
            || discover(new, &none, Some(NEW), &mut Outcome::default()),
        );
        let old_metadata = old_found.map_err(|e| e.on(OLD))?.metadata;
        let new_metadata = new_found.map_err(|e| e.on(NEW))?.metadata;
        let mut valid = true;
        for (tp, offset) in rows {
            let known =
                old_metadata.topic(&tp.topic).is_some_and(|t| t.partitions.iter().any(|p| p.id == tp.partition));
            if !known {
                self.out.error(format!("--positions: {tp} (offset {offset}) is not a partition of the old cluster"));
                valid = false;
            }
        }
        if !valid {
            return Ok(None);
        }
        let mut said = std::collections::BTreeSet::new();
        for (tp, committed) in rows {
            let committed = *committed;
            let new_topic = self.request.new_name(&tp.topic);
            let mut item = Item {
                group: Arc::from(tp.to_string()),
                old: tp.clone(),
                new: TopicPartition { topic: Arc::clone(&new_topic), partition: tp.partition },
                position: OldPosition { committed, log_start: 0, log_end: 0 },
                lag: None,
                new_bounds: (0, 0),
                lag_note: None,
                verdict: None,
            };
            if let Some(problem) = unfit_topic(&old_metadata, &new_metadata, &tp.topic, &new_topic) {
                if !self.request.allow_partial && said.insert(Arc::clone(&new_topic)) {
                    self.out.error(&problem);
                    valid = false;
                }
                item.refuse(Refusal::Failed(problem));
            }
            self.items.push(item);
        }
        if !valid {
            return Ok(None);
        }
        Ok(Some(Clusters { old: old_metadata, new: new_metadata, groups: Vec::new() }))
    }
}
