//! What the tools do, as phases over cluster sessions, with typed results per group, partition and topic; text is
//! made at the edge (the binaries). `lookup` (get-offset), `reset` (reset-offsets, planned by the pure `plan`),
//! `migrate` (migrate-groups, translated by the pure `translate`) and `copy` (copy-topics). Shared: the first phase
//! (`discover`), the log offset lookups (`log_offsets`), the commits with their backup and read-back (`commit`), the
//! two sessions of the migration tools (`clusters`), and the share and streams groups of a reset (`typed`).

pub mod clusters;
pub(crate) mod commit;
pub mod copy;
pub mod describe;
pub mod discover;
pub(crate) mod log_offsets;
pub mod lookup;
pub mod migrate;
pub mod plan;
pub mod record_store;
pub mod reset;
pub mod translate;
pub mod typed;
