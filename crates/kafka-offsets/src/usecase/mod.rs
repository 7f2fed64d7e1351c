//! What the tools do, as phases over one cluster session, with typed results per group and partition; text is made
//! at the edge (the binaries).

pub mod lookup;
pub mod plan;
pub mod reset;
