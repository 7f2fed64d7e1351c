//! Output writers. get-offset's `--format csv` writes exactly the 3-column `topic,partition,offset` rows that
//! `reset-offsets --from-file` (and Kafka's `kafka-consumer-groups.sh --from-file`) reads.

use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;

use crate::TopicPartition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// `topic:partition:offset`, GetOffsetShell's format.
    #[default]
    Text,
    /// `topic,partition,offset`, no header.
    Csv,
    /// A JSON array of `{"topic","partition","offset"}` objects.
    Json,
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(OutputFormat::Text),
            "csv" => Ok(OutputFormat::Csv),
            "json" => Ok(OutputFormat::Json),
            _ => Err(format!("unknown format '{s}' (expected text, csv or json)")),
        }
    }
}

/// The answer for one partition. `offsets` holds one value, or several (descending) for the old `--offsets N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub partition: TopicPartition,
    pub offsets: Vec<i64>,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    topic: &'a str,
    partition: i32,
    offset: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    offsets: Option<&'a [i64]>,
}

/// Writes the rows in the order given. An empty `offsets` list is skipped (Kafka 3.2+ prints no line for it).
pub fn write_offsets(out: &mut dyn Write, format: OutputFormat, rows: &[PartitionOffsets]) -> io::Result<()> {
    let rows = rows.iter().filter(|r| !r.offsets.is_empty());
    match format {
        OutputFormat::Text => {
            for row in rows {
                let tp = &row.partition;
                write!(out, "{}:{}:", tp.topic, tp.partition)?;
                for (i, offset) in row.offsets.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    write!(out, "{offset}")?;
                }
                out.write_all(b"\n")?;
            }
        }
        OutputFormat::Csv => {
            let mut csv = csv::WriterBuilder::new().has_headers(false).from_writer(&mut *out);
            for row in rows {
                let tp = &row.partition;
                csv.write_record([tp.topic.as_str(), &tp.partition.to_string(), &row.offsets[0].to_string()])
                    .map_err(io::Error::other)?;
            }
            csv.flush()?;
        }
        OutputFormat::Json => {
            let rows: Vec<JsonRow<'_>> = rows
                .map(|r| JsonRow {
                    topic: &r.partition.topic,
                    partition: r.partition.partition,
                    offset: r.offsets[0],
                    offsets: (r.offsets.len() > 1).then_some(r.offsets.as_slice()),
                })
                .collect();
            serde_json::to_writer(&mut *out, &rows).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<PartitionOffsets> {
        vec![
            PartitionOffsets { partition: TopicPartition::new("orders", 0), offsets: vec![42] },
            PartitionOffsets { partition: TopicPartition::new("orders", 1), offsets: vec![] },
            PartitionOffsets { partition: TopicPartition::new("orders", 2), offsets: vec![7, 4, 0] },
        ]
    }

    fn render(format: OutputFormat) -> String {
        let mut out = Vec::new();
        write_offsets(&mut out, format, &rows()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_getoffsetshell_format() {
        assert_eq!(render(OutputFormat::Text), "orders:0:42\norders:2:7,4,0\n");
    }

    #[test]
    fn csv_is_from_file_format() {
        assert_eq!(render(OutputFormat::Csv), "orders,0,42\norders,2,7\n");
    }

    #[test]
    fn json_is_an_array_of_objects() {
        assert_eq!(
            render(OutputFormat::Json),
            "[{\"topic\":\"orders\",\"partition\":0,\"offset\":42},{\"topic\":\"orders\",\"partition\":2,\"offset\":7,\"offsets\":[7,4,0]}]\n"
        );
    }

    #[test]
    fn empty_json_is_an_empty_array() {
        let mut out = Vec::new();
        write_offsets(&mut out, OutputFormat::Json, &[]).unwrap();
        assert_eq!(out, b"[]\n");
    }
}
