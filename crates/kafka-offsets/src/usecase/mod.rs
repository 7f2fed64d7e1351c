//! What the tools do, as phases over cluster sessions, with typed results per group and partition; text is made at
//! the edge (the binaries). `lookup` (get-offset), `reset` (reset-offsets, planned by the pure `plan`) and `migrate`
//! (migrate-groups, translated by the pure `translate`) share the first phase (`discover`), the log offset lookups
//! (`log_offsets`) and the commits with their backup and read-back (`commit`).

pub(crate) mod commit;
pub mod discover;
pub(crate) mod log_offsets;
pub mod lookup;
pub mod migrate;
pub mod plan;
pub mod reset;
pub mod translate;
