//! The command-line definition of reset-offsets, shared by the binary and the man page and completion generator.

pub mod cli;
