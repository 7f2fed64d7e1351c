//! Output writers. get-offset's `--format csv` writes exactly the 3-column `topic,partition,offset` rows that
//! `reset-offsets --from-file` (and Kafka's `kafka-consumer-groups.sh --from-file`) reads.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::str::FromStr;
use std::sync::Arc;

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
                csv.write_record([&*tp.topic, &tp.partition.to_string(), &row.offsets[0].to_string()])
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

/// One partition's offset in a reset plan or result.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NewOffset {
    pub partition: TopicPartition,
    pub offset: i64,
}

/// A group's offsets in a reset plan or result, sorted by partition. (Kept per group, not as one row per partition:
/// a million-partition plan is not copied into rows.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupOffsets {
    pub group: Arc<str>,
    pub offsets: Vec<NewOffset>,
}

impl GroupOffsets {
    pub fn new(group: &str, offsets: Vec<NewOffset>) -> GroupOffsets {
        GroupOffsets { group: Arc::from(group), offsets }
    }
}

/// Every (group, partition, offset) of the groups, in order.
fn rows(groups: &[GroupOffsets]) -> impl Iterator<Item = (&str, &NewOffset)> {
    groups.iter().flat_map(|g| g.offsets.iter().map(move |o| (&*g.group, o)))
}

/// An offset as the table shows it: `-` for a deletion (no committed offset), as Kafka's `--describe` shows one.
fn shown_offset(offset: i64) -> String {
    if offset == crate::formats::offset_file::NO_OFFSET {
        crate::formats::offset_file::NO_OFFSET_MARK.to_string()
    } else {
        offset.to_string()
    }
}

/// The plan/result table as `kafka-consumer-groups.sh --reset-offsets` prints it since Kafka 4.2 (and
/// `kafka-share-groups.sh`): an empty line, then `%-Gs %-Ts %-10s %s` lines (header first), GROUP as wide as the
/// longest group id (refused groups' too, whose rows are none) and TOPIC as the longest topic, 15 at least; the
/// offset unpadded. `refused` are the groups left out for their members.
pub fn write_reset_table(out: &mut dyn Write, groups: &[GroupOffsets], refused: &[String]) -> io::Result<()> {
    let longest_group = groups.iter().map(|g| g.group.len()).chain(refused.iter().map(String::len)).max();
    let group_width = longest_group.unwrap_or(0).max(15);
    let topic_width = rows(groups).map(|(_, row)| row.partition.topic.len()).max().unwrap_or(0).max(15);
    out.write_all(b"\n")?;
    writeln!(out, "{:<group_width$} {:<topic_width$} {:<10} NEW-OFFSET", "GROUP", "TOPIC", "PARTITION")?;
    for (group, row) in rows(groups) {
        let offset = shown_offset(row.offset);
        let (topic, partition) = (&*row.partition.topic, row.partition.partition);
        writeln!(out, "{group:<group_width$} {topic:<topic_width$} {partition:<10} {offset}")?;
    }
    out.flush()
}

/// The table of `kafka-streams-groups.sh --reset-offsets` (Kafka 4.2 to 4.4 kept the older fixed layout there):
/// `%-30s %-30s %-10s %-15s`, trailing spaces kept.
pub fn write_fixed_reset_table(out: &mut dyn Write, groups: &[GroupOffsets]) -> io::Result<()> {
    out.write_all(b"\n")?;
    writeln!(out, "{:<30} {:<30} {:<10} {:<15}", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")?;
    for (group, row) in rows(groups) {
        let offset = shown_offset(row.offset);
        writeln!(out, "{:<30} {:<30} {:<10} {:<15}", group, row.partition.topic, row.partition.partition, offset)?;
    }
    out.flush()
}

/// `--export`: Kafka's CSV, 3 columns (`topic,partition,offset`) when exactly one `--group` was given, else 4
/// (`group,topic,partition,offset`); no header; like Kafka, the output ends with an extra empty line.
pub fn write_reset_csv(out: &mut dyn Write, groups: &[GroupOffsets], with_group: bool) -> io::Result<()> {
    {
        let mut csv = csv::WriterBuilder::new().has_headers(false).flexible(true).from_writer(&mut *out);
        for (group, row) in rows(groups) {
            // A backup's "had none" (`--from-file` deletes the offset it reads so).
            let offset = shown_offset(row.offset);
            let partition = row.partition.partition.to_string();
            let topic = &*row.partition.topic;
            if with_group {
                csv.write_record([group, topic, &partition, &offset])
            } else {
                csv.write_record([topic, &partition, &offset])
            }
            .map_err(io::Error::other)?;
        }
        csv.flush()?;
    }
    out.write_all(b"\n")?;
    out.flush()
}

#[derive(Serialize)]
struct ResetJsonRow<'a> {
    group: &'a str,
    topic: &'a str,
    partition: i32,
    offset: Option<i64>,
    previous_offset: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    read_back: Option<bool>,
}

/// reset-offsets' `--format json`: one object per partition of the plan: group, topic, partition, the new offset,
/// the committed offset before (`previous_offset`, null when there was none); after `--execute`, `read_back` says
/// whether the group's committed offset read back afterwards is the new one (`read_back` holds what matched).
pub fn write_reset_json(
    out: &mut dyn Write,
    plan: &[GroupOffsets],
    previous: &BTreeMap<String, BTreeMap<TopicPartition, i64>>,
    read_back: Option<&[GroupOffsets]>,
) -> io::Result<()> {
    let matched: HashSet<(&str, &NewOffset)> = read_back.map(|groups| rows(groups).collect()).unwrap_or_default();
    let json: Vec<ResetJsonRow<'_>> = rows(plan)
        .map(|(group, row)| ResetJsonRow {
            group,
            topic: &row.partition.topic,
            partition: row.partition.partition,
            offset: (row.offset != crate::formats::offset_file::NO_OFFSET).then_some(row.offset),
            previous_offset: previous.get(group).and_then(|c| c.get(&row.partition)).copied(),
            read_back: read_back.map(|_| matched.contains(&(group, row))),
        })
        .collect();
    serde_json::to_writer(&mut *out, &json).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
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

    fn reset_rows() -> Vec<GroupOffsets> {
        vec![GroupOffsets::new(
            "g",
            vec![
                NewOffset { partition: TopicPartition::new("orders", 0), offset: 42 },
                NewOffset { partition: TopicPartition::new("orders", 10), offset: 7 },
            ],
        )]
    }

    #[test]
    fn reset_table_is_kafkas_layout() {
        // Kafka 4.4.0's kafka-consumer-groups.sh, run on a group with a member (refused) and one without.
        let mut out = Vec::new();
        let refused = ["a-really-long-active-group-name".to_string()];
        write_reset_table(&mut out, &reset_rows(), &refused).unwrap();
        let expected = "\nGROUP                           TOPIC           PARTITION  NEW-OFFSET\n\
                        g                               orders          0          42\n\
                        g                               orders          10         7\n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let long = vec![GroupOffsets::new(
            "classic-empty",
            vec![NewOffset { partition: TopicPartition::new("payments-with-a-long-name-here", 1), offset: 0 }],
        )];
        let mut out = Vec::new();
        write_reset_table(&mut out, &long, &[]).unwrap();
        let expected = "\nGROUP           TOPIC                          PARTITION  NEW-OFFSET\n\
                        classic-empty   payments-with-a-long-name-here 1          0\n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn streams_reset_table_keeps_the_fixed_layout() {
        let mut out = Vec::new();
        write_fixed_reset_table(&mut out, &reset_rows()).unwrap();
        let expected = "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n\
                        g                              orders                         0          42             \n\
                        g                              orders                         10         7              \n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn export_csv_three_or_four_columns() {
        let mut out = Vec::new();
        write_reset_csv(&mut out, &reset_rows(), false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "orders,0,42\norders,10,7\n\n");
        let mut out = Vec::new();
        write_reset_csv(&mut out, &reset_rows(), true).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "g,orders,0,42\ng,orders,10,7\n\n");
        let mut out = Vec::new();
        write_reset_csv(&mut out, &[], true).unwrap();
        assert_eq!(out, b"\n");
    }

    #[test]
    fn reset_json_has_the_previous_offset_and_the_read_back() {
        let previous = BTreeMap::from([("g".to_string(), BTreeMap::from([(TopicPartition::new("orders", 0), 40)]))]);
        let mut out = Vec::new();
        write_reset_json(&mut out, &reset_rows(), &previous, None).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[{\"group\":\"g\",\"topic\":\"orders\",\"partition\":0,\"offset\":42,\"previous_offset\":40},\
             {\"group\":\"g\",\"topic\":\"orders\",\"partition\":10,\"offset\":7,\"previous_offset\":null}]\n"
        );
        // After --execute: partition 10 read back as planned, partition 0 not.
        let read_back =
            [GroupOffsets::new("g", vec![NewOffset { partition: TopicPartition::new("orders", 10), offset: 7 }])];
        let mut out = Vec::new();
        write_reset_json(&mut out, &reset_rows(), &previous, Some(&read_back)).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed[0]["read_back"], false);
        assert_eq!(parsed[1]["read_back"], true);
    }

    #[test]
    fn empty_json_is_an_empty_array() {
        let mut out = Vec::new();
        write_offsets(&mut out, OutputFormat::Json, &[]).unwrap();
        assert_eq!(out, b"[]\n");
    }
}
