//! copy-topics' plan and result: one row per topic, as a table (the default) or JSON.

use std::fmt;
use std::io::{self, Write};

/// What is (dry run) or was done for a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TopicStatus {
    /// Dry run: would be created.
    Create,
    Created,
    /// Dry run: would get the partitions it lacks (`--grow-partitions`).
    Grow,
    Grown,
    /// Already on the new cluster, as on the old one.
    Exists,
    /// On the new cluster, but not as on the old one (DETAILS says how): not changed.
    Differs,
    /// The new cluster refused it (DETAILS says why): not created.
    Refused,
    /// Not created because another topic was refused: all or none (unless `--allow-partial`).
    Held,
    /// Created, or its creation sent, but not seen complete on the new cluster (DETAILS says what).
    Failed,
}

impl TopicStatus {
    /// Whether the topic is (or will be) on the new cluster as it is on the old one.
    pub fn is_ok(self) -> bool {
        matches!(
            self,
            TopicStatus::Create | TopicStatus::Created | TopicStatus::Grow | TopicStatus::Grown | TopicStatus::Exists
        )
    }
}

impl fmt::Display for TopicStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TopicStatus::Create => "create",
            TopicStatus::Created => "created",
            TopicStatus::Grow => "grow",
            TopicStatus::Grown => "grown",
            TopicStatus::Exists => "exists",
            TopicStatus::Differs => "differs",
            TopicStatus::Refused => "refused",
            TopicStatus::Held => "held",
            TopicStatus::Failed => "failed",
        })
    }
}

/// One topic of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRow {
    pub topic: String,
    /// Its partitions on the old cluster.
    pub partitions: i32,
    /// Its partitions on the new cluster before the run (None: it did not exist).
    pub new_partitions: Option<i32>,
    /// The replication factor it is created with, or has on the new cluster.
    pub replication_factor: i32,
    /// The settings it is created with (set on the topic, not broker defaults).
    pub settings: Vec<(String, String)>,
    pub status: TopicStatus,
    /// What differs, why it was refused, or what failed.
    pub details: String,
}

impl TopicRow {
    /// The DETAILS column: the reason when there is one, else the settings.
    fn details(&self) -> String {
        if !self.details.is_empty() {
            return self.details.clone();
        }
        if self.settings.is_empty() {
            return "-".into();
        }
        self.settings.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
    }
}

/// The table: a header line and one line per topic; DETAILS is the reason, or the settings.
pub fn write_table(out: &mut dyn Write, rows: &[TopicRow]) -> io::Result<()> {
    writeln!(out, "{:<30} {:<10} {:<11} {:<10} DETAILS", "TOPIC", "PARTITIONS", "REPLICATION", "STATUS")?;
    for row in rows {
        writeln!(
            out,
            "{:<30} {:<10} {:<11} {:<10} {}",
            row.topic,
            row.partitions,
            row.replication_factor,
            row.status.to_string(),
            row.details()
        )?;
    }
    out.flush()
}

#[derive(serde::Serialize)]
struct JsonRow<'a> {
    topic: &'a str,
    partitions: i32,
    new_partitions: Option<i32>,
    replication_factor: i32,
    settings: serde_json::Map<String, serde_json::Value>,
    status: String,
    details: &'a str,
}

/// A JSON array of objects, one per topic; `settings` an object, `new_partitions` null for a topic the new cluster
/// did not have.
pub fn write_json(out: &mut dyn Write, rows: &[TopicRow]) -> io::Result<()> {
    let rows: Vec<JsonRow<'_>> = rows
        .iter()
        .map(|row| JsonRow {
            topic: &row.topic,
            partitions: row.partitions,
            new_partitions: row.new_partitions,
            replication_factor: row.replication_factor,
            settings: row.settings.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect(),
            status: row.status.to_string(),
            details: &row.details,
        })
        .collect();
    serde_json::to_writer(&mut *out, &rows).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<TopicRow> {
        vec![
            TopicRow {
                topic: "orders".into(),
                partitions: 3,
                new_partitions: None,
                replication_factor: 1,
                settings: vec![("cleanup.policy".into(), "compact".into()), ("retention.ms".into(), "1000".into())],
                status: TopicStatus::Create,
                details: String::new(),
            },
            TopicRow {
                topic: "payments".into(),
                partitions: 2,
                new_partitions: Some(1),
                replication_factor: 1,
                settings: Vec::new(),
                status: TopicStatus::Differs,
                details: "fewer partitions on the new cluster: 1 of 2".into(),
            },
        ]
    }

    #[test]
    fn table_shows_settings_or_the_reason() {
        let mut out = Vec::new();
        write_table(&mut out, &rows()).unwrap();
        let expected = "\
TOPIC                          PARTITIONS REPLICATION STATUS     DETAILS
orders                         3          1           create     cleanup.policy=compact,retention.ms=1000
payments                       2          1           differs    fewer partitions on the new cluster: 1 of 2
";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn json_has_settings_as_an_object() {
        let mut out = Vec::new();
        write_json(&mut out, &rows()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("[{\"topic\":\"orders\",\"partitions\":3,\"new_partitions\":null,"), "{text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed[0]["settings"], serde_json::json!({"cleanup.policy": "compact", "retention.ms": "1000"}));
        assert_eq!(parsed[1]["new_partitions"], 1);
        assert_eq!(parsed[1]["status"], "differs");
    }
}
