//! The command-line definition of get-offset, shared by the binary and the man page and completion generator.

pub mod cli;
