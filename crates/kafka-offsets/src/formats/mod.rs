//! Inputs and formats, all pure (no broker): topic-partition selection, `--time` values, date-times and durations,
//! `--command-config` files and their key stores, client settings, the `--from-file` reader and the output writers.

pub mod command_config;
pub mod describe;
pub mod migration;
pub mod offset_file;
pub mod output;
pub mod select;
pub mod settings;
pub mod stores;
pub mod time;
pub mod topic_plan;
