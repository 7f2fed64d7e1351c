//! docs/migration-guide.md as a script: its fenced blocks in order, with the section each is in, and its settings
//! blocks replaced by a test's clusters, so that a test runs exactly the commands an operator copies from it.

use std::path::Path;
use std::process::Command;

use kafka_offsets::formats::time::format_utc;

use crate::run::{binary, command, Output};
use crate::workspace_root;

/// A fenced block of the guide.
#[derive(Debug, Clone)]
pub struct Block {
    /// The fence's language (`sh`, `properties`).
    pub language: String,
    /// The `## ` heading above it.
    pub section: String,
    pub text: String,
}

/// The guide's fenced blocks, in order.
pub fn blocks() -> Vec<Block> {
    let markdown = std::fs::read_to_string(workspace_root().join("docs/migration-guide.md")).expect("read the guide");
    let mut blocks = Vec::new();
    let mut section = String::new();
    let mut current: Option<Block> = None;
    for line in markdown.lines().map(str::trim_end) {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(language)) => {
                current = Some(Block { language: language.to_string(), section: section.clone(), text: String::new() })
            }
            (Some(_), Some("")) => blocks.extend(current.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {
                if let Some(heading) = line.strip_prefix("## ") {
                    section = heading.to_string();
                }
            }
        }
    }
    blocks
}

/// The values of the guide's first settings block.
pub struct Settings<'a> {
    pub old: &'a str,
    pub new: &'a str,
    pub topic: &'a str,
    pub group: &'a str,
    pub switch_ms: i64,
}

impl Settings<'_> {
    /// The settings block as the test's shell runs it: the built tools and Kafka-named shims first on PATH.
    fn script(&self) -> String {
        let bin = binary("get-offset").parent().expect("bin dir").to_path_buf();
        format!(
            "# settings\nexport PATH='{}':'{bin}':\"$PATH\"\nexport OFFSET_TOOLS_BIN='{bin}'\nOLD={}\nNEW={}\n\
             TOPIC={}\nGROUP={}\nSWITCH_TIME={}\nSWITCH_MS={}\n",
            workspace_root().join("bin").display(),
            self.old,
            self.new,
            self.topic,
            self.group,
            format_utc(self.switch_ms),
            self.switch_ms,
            bin = bin.display(),
        )
    }
}

/// The second settings block (migrate-groups) as the test's values.
pub fn migrate_settings(old: &str, new: &str, switch_ms: i64) -> String {
    format!("# settings for migrate-groups\nOLD={old}\nNEW={new}\nSWITCH_TIME={}\n", format_utc(switch_ms))
}

/// Runs these `sh` blocks in order, in one `bash -euo pipefail` in `dir`, after the first settings block (with
/// `settings`); a settings block for migrate-groups among them is replaced by `migrate`.
pub fn run(blocks: &[Block], settings: &Settings, migrate: &str, dir: &Path) -> (String, Output) {
    let mut script = settings.script();
    for block in blocks.iter().filter(|b| b.language == "sh") {
        script.push('\n');
        if block.text.starts_with("# settings for migrate-groups\n") {
            script.push_str(migrate);
        } else if !block.text.starts_with("# settings\n") {
            script.push_str(&block.text);
        }
    }
    let out = command(Command::new("bash").arg("-euo").arg("pipefail").arg("-c").arg(&script).current_dir(dir), None);
    (script, out)
}
