//! migrate-groups' plan and result: one row per group and partition, as a table (the default), CSV with a header,
//! or JSON. (`--export` writes the reset-offsets `--from-file` CSV instead, with `output::write_reset_csv`.)

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use crate::formats::output::OutputFormat;
use crate::TopicPartition;

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowStatus {
    /// Dry run: would be committed.
    Planned,
    /// Committed on the new cluster and read back as planned.
    Committed,
    /// This partition is refused (HOW says why): its group is not committed.
    Refused,
    /// Another partition of the group, or the group itself, was refused: nothing committed for the group.
    Held,
    /// The commit or its read-back failed (stderr says how).
    Failed,
}

impl fmt::Display for RowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RowStatus::Planned => "planned",
            RowStatus::Committed => "committed",
            RowStatus::Refused => "refused",
            RowStatus::Held => "held",
            RowStatus::Failed => "failed",
        })
    }
}

/// One group's position on one partition: on the old cluster, and on the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRow {
    pub group: Arc<str>,
    /// The partition on the new cluster.
    pub partition: TopicPartition,
    /// Its name on the old cluster, when the topic was renamed.
    pub old_topic: Option<Arc<str>>,
    /// The committed offset on the old cluster.
    pub old_offset: i64,
    /// Unread records on the old cluster (None when its log end is unknown).
    pub lag: Option<i64>,
    pub new_offset: Option<i64>,
    pub status: RowStatus,
    /// How the new offset was found, or why the partition is refused.
    pub how: String,
}

fn or_dash(value: Option<i64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The table: a header line and one line per row, fixed columns as wide as reset-offsets' table, HOW last.
pub fn write_table(out: &mut dyn Write, rows: &[MigrationRow]) -> io::Result<()> {
    writeln!(
        out,
        "{:<30} {:<30} {:<10} {:<12} {:<10} {:<12} {:<10} HOW",
        "GROUP", "TOPIC", "PARTITION", "OLD-OFFSET", "LAG", "NEW-OFFSET", "STATUS"
    )?;
    for row in rows {
        writeln!(
            out,
            "{:<30} {:<30} {:<10} {:<12} {:<10} {:<12} {:<10} {}",
            row.group,
            row.partition.topic,
            row.partition.partition,
            row.old_offset,
            or_dash(row.lag),
            or_dash(row.new_offset),
            row.status.to_string(),
            row.how
        )?;
    }
    out.flush()
}

/// CSV with a header; empty fields for unknown values.
pub fn write_csv(out: &mut dyn Write, rows: &[MigrationRow]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(&mut *out);
    let header = ["group", "topic", "partition", "old_topic", "old_offset", "lag", "new_offset", "status", "how"];
    csv.write_record(header).map_err(io::Error::other)?;
    let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for row in rows {
        csv.write_record([
            &*row.group,
            &*row.partition.topic,
            &row.partition.partition.to_string(),
            row.old_topic.as_deref().unwrap_or(&row.partition.topic),
            &row.old_offset.to_string(),
            &text(row.lag),
            &text(row.new_offset),
            &row.status.to_string(),
            &row.how,
        ])
        .map_err(io::Error::other)?;
    }
    csv.flush()
}

/// One row as JSON, fields in table order.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    group: &'a str,
    topic: &'a str,
    partition: i32,
    old_topic: &'a str,
    old_offset: i64,
    lag: Option<i64>,
    new_offset: Option<i64>,
    status: String,
    how: &'a str,
}

/// A JSON array of objects, one per row; null for unknown values.
pub fn write_json(out: &mut dyn Write, rows: &[MigrationRow]) -> io::Result<()> {
    let rows: Vec<JsonRow<'_>> = rows
        .iter()
        .map(|row| JsonRow {
            group: &row.group,
            topic: &row.partition.topic,
            partition: row.partition.partition,
            old_topic: row.old_topic.as_deref().unwrap_or(&row.partition.topic),
            old_offset: row.old_offset,
            lag: row.lag,
            new_offset: row.new_offset,
            status: row.status.to_string(),
            how: &row.how,
        })
        .collect();
    serde_json::to_writer(&mut *out, &rows).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// `--positions`: the translated rows as the positions came in, `topic,partition,offset` on the new cluster (what
/// reset-offsets' `--from-file` and an application's own store take); the others are left out (said on stderr).
pub fn write_positions(out: &mut dyn Write, rows: &[MigrationRow]) -> io::Result<()> {
    for row in rows {
        if let Some(offset) = row.new_offset {
            writeln!(out, "{},{},{offset}", row.partition.topic, row.partition.partition)?;
        }
    }
    out.flush()
}

/// `--positions --format json`: every row, with its position on the old cluster and how its new offset was found
/// (`offset` null and `how` the reason when it was not).
pub fn write_positions_json(out: &mut dyn Write, rows: &[MigrationRow]) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Position<'a> {
        topic: &'a str,
        partition: i32,
        old_topic: &'a str,
        old_offset: i64,
        lag: Option<i64>,
        offset: Option<i64>,
        how: &'a str,
    }
    let rows: Vec<Position<'_>> = rows
        .iter()
        .map(|row| Position {
            topic: &row.partition.topic,
            partition: row.partition.partition,
            old_topic: row.old_topic.as_deref().unwrap_or(&row.partition.topic),
            old_offset: row.old_offset,
            lag: row.lag,
            offset: row.new_offset,
            how: &row.how,
        })
        .collect();
    serde_json::to_writer(&mut *out, &rows).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

pub fn write_rows(out: &mut dyn Write, format: OutputFormat, rows: &[MigrationRow]) -> io::Result<()> {
    match format {
        OutputFormat::Text => write_table(out, rows),
        OutputFormat::Csv => write_csv(out, rows),
        OutputFormat::Json => write_json(out, rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<MigrationRow> {
        vec![
            MigrationRow {
                group: Arc::from("billing"),
                partition: TopicPartition::new("orders", 0),
                old_topic: None,
                old_offset: 537,
                lag: Some(0),
                new_offset: Some(337),
                status: RowStatus::Planned,
                how: "exact: after the last record read (found by timestamp)".into(),
            },
            MigrationRow {
                group: Arc::from("billing"),
                partition: TopicPartition::new("old.orders", 1),
                old_topic: Some(Arc::from("orders")),
                old_offset: 612,
                lag: None,
                new_offset: None,
                status: RowStatus::Refused,
                how: "the record is not on the new cluster, \"quoted\"".into(),
            },
        ]
    }

    fn render(format: OutputFormat) -> String {
        let mut out = Vec::new();
        write_rows(&mut out, format, &rows()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table() {
        let expected = "\
GROUP                          TOPIC                          PARTITION  OLD-OFFSET   LAG        NEW-OFFSET   STATUS     HOW
billing                        orders                         0          537          0          337          planned    exact: after the last record read (found by timestamp)
billing                        old.orders                     1          612          -          -            refused    the record is not on the new cluster, \"quoted\"
";
        assert_eq!(render(OutputFormat::Text), expected);
    }

    #[test]
    fn csv_has_a_header_and_quotes_what_needs_it() {
        let expected = "\
group,topic,partition,old_topic,old_offset,lag,new_offset,status,how
billing,orders,0,orders,537,0,337,planned,exact: after the last record read (found by timestamp)
billing,old.orders,1,orders,612,,,refused,\"the record is not on the new cluster, \"\"quoted\"\"\"
";
        assert_eq!(render(OutputFormat::Csv), expected);
    }

    #[test]
    fn json_has_nulls_for_unknown_values() {
        assert!(render(OutputFormat::Json).starts_with("[{\"group\":\"billing\",\"topic\":\"orders\",\"partition\":0,"));
        let parsed: serde_json::Value = serde_json::from_str(&render(OutputFormat::Json)).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([
                {"group": "billing", "topic": "orders", "partition": 0, "old_topic": "orders", "old_offset": 537,
                 "lag": 0, "new_offset": 337, "status": "planned",
                 "how": "exact: after the last record read (found by timestamp)"},
                {"group": "billing", "topic": "old.orders", "partition": 1, "old_topic": "orders", "old_offset": 612,
                 "lag": null, "new_offset": null, "status": "refused",
                 "how": "the record is not on the new cluster, \"quoted\""}
            ])
        );
    }
}
