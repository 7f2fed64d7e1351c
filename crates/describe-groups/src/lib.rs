//! The command-line definition of describe-groups, shared by the binary and the man page and completion generator.

pub mod cli;
