//! The command-line definition of copy-topics, shared by the binary and the man page and completion generator.

pub mod cli;
