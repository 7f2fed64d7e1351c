//! Output writers. get-offset's `--format csv` writes exactly the 3-column `topic,partition,offset` rows that
//! `reset-offsets --from-file` (and Kafka's `kafka-consumer-groups.sh --from-file`) reads.

use std::io::{self, BufRead, Read, Write};
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

/// One row of a reset plan or result.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResetRow {
    pub group: String,
    pub partition: TopicPartition,
    pub offset: i64,
}

/// The plan/result table exactly as `kafka-consumer-groups.sh --reset-offsets` prints it in Kafka 2.3–3.7 and 4.0:
/// an empty line, then `%-30s %-30s %-10s %-15s` lines (header first), trailing spaces kept.
pub fn write_reset_table(out: &mut dyn Write, rows: &[ResetRow]) -> io::Result<()> {
    out.write_all(b"\n")?;
    writeln!(out, "{:<30} {:<30} {:<10} {:<15}", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")?;
    for row in rows {
        writeln!(
            out,
            "{:<30} {:<30} {:<10} {:<15}",
            row.group, row.partition.topic, row.partition.partition, row.offset
        )?;
    }
    out.flush()
}

/// `--export`: Kafka's CSV, 3 columns (`topic,partition,offset`) when exactly one `--group` was given, else 4
/// (`group,topic,partition,offset`); no header; like Kafka, the output ends with an extra empty line.
pub fn write_reset_csv(out: &mut dyn Write, rows: &[ResetRow], with_group: bool) -> io::Result<()> {
    {
        let mut csv = csv::WriterBuilder::new().has_headers(false).flexible(true).from_writer(&mut *out);
        for row in rows {
            let (partition, offset) = (row.partition.partition.to_string(), row.offset.to_string());
            let topic = row.partition.topic.as_str();
            if with_group {
                csv.write_record([row.group.as_str(), topic, &partition, &offset])
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

/// One row of a `--from-file` input, with its line number for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFileRow {
    pub line: usize,
    /// Present in 4-column files.
    pub group: Option<String>,
    pub partition: TopicPartition,
    pub offset: i64,
}

/// Why a `--from-file` input was refused: the line number (0 for the whole input) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFileError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for OffsetFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}

fn quote(content: &str) -> String {
    const MAX: usize = 120;
    let mut text: String = content.chars().take(MAX).collect();
    if content.chars().count() > MAX {
        text.push_str("...");
    }
    format!("{text:?}")
}

/// Warnings for rows that set a partition of a group again (the last one wins, as in Kafka).
pub fn repeated_rows(rows: &[OffsetFileRow]) -> Vec<String> {
    let mut first_line: std::collections::HashMap<(Option<&str>, &TopicPartition), usize> = Default::default();
    let mut warnings = Vec::new();
    for row in rows {
        if let Some(first) = first_line.insert((row.group.as_deref(), &row.partition), row.line) {
            let group = row.group.as_ref().map_or(String::new(), |g| format!(" of group '{g}'"));
            warnings.push(format!(
                "--from-file line {} sets {}{group} again (also on line {first}); the last one wins",
                row.line, row.partition
            ));
        }
    }
    warnings
}

/// Kafka's rule for topic names: 1 to 249 of `[a-zA-Z0-9._-]`.
pub fn is_topic_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 249 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Parses one `topic,partition,offset` (or `group,topic,...`) record; `fields` are already trimmed.
fn parse_fields(fields: &[&str], with_group: bool) -> Result<(Option<String>, TopicPartition, i64), String> {
    let expected = if with_group { 4 } else { 3 };
    if fields.len() != expected {
        let shape = if with_group { "group,topic,partition,offset" } else { "topic,partition,offset" };
        return Err(format!("expected {expected} columns ({shape}), found {}", fields.len()));
    }
    let (group, rest) = if with_group { (Some(fields[0]), &fields[1..]) } else { (None, fields) };
    if group.is_some_and(str::is_empty) {
        return Err("the group is empty".into());
    }
    if !is_topic_name(rest[0]) {
        return Err(format!("topic {} is not a valid Kafka topic name", quote(rest[0])));
    }
    let partition: i32 = rest[1]
        .parse()
        .ok()
        .filter(|p| *p >= 0)
        .ok_or_else(|| format!("partition {} is not a partition number", quote(rest[1])))?;
    let offset: i64 = rest[2].parse().map_err(|_| format!("offset {} is not a number", quote(rest[2])))?;
    Ok((group.map(str::to_string), TopicPartition::new(rest[0], partition), offset))
}

/// Longest line a `--from-file` input may have: a row is a topic (at most 249 characters), a group id and two
/// numbers, so anything longer is not a row, and is not read whole into memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most rows a `--from-file` input may give the requested groups (a clear limit keeps memory bounded: about
/// 300 bytes per row through planning and output).
pub const MAX_ROWS: usize = 1_000_000;

/// Splits one line into trimmed fields: on `:` for get-offset's lines, else as CSV with quoting (Kafka's export quotes
/// values with commas or quotes), through one csv-core reader for the whole input (building a reader per line cost
/// 80% of the time of a 1,000,000-row file).
struct FieldSplitter {
    csv: csv_core::Reader,
    output: Vec<u8>,
    ends: Vec<usize>,
}

impl FieldSplitter {
    fn new() -> FieldSplitter {
        FieldSplitter { csv: csv_core::Reader::new(), output: Vec::new(), ends: Vec::new() }
    }

    fn split(&mut self, line: &str, colon_format: bool) -> Vec<String> {
        if colon_format {
            return line.split(':').map(|f| f.trim().to_string()).collect();
        }
        // With a line end appended, the record ends within this one call.
        let input = [line.as_bytes(), b"\n"].concat();
        self.output.resize(input.len(), 0);
        self.ends.resize(input.len() + 1, 0);
        self.csv.reset();
        let (result, _, _, fields) = self.csv.read_record(&input, &mut self.output, &mut self.ends);
        if result != csv_core::ReadRecordResult::Record {
            return vec![line.to_string()];
        }
        let mut start = 0;
        self.ends[..fields]
            .iter()
            .map(|&end| {
                let field = String::from_utf8_lossy(&self.output[start..end]).trim().to_string();
                start = end;
                field
            })
            .collect()
    }
}

/// Reads a `--from-file` input, line by line: Kafka's 3-column CSV `topic,partition,offset` (for exactly one
/// group, as Kafka decides from the first row), Kafka's 4-column CSV `group,topic,partition,offset`, or get-offset's
/// `topic:partition:offset` lines. Blank lines, a UTF-8 byte order mark and CRLF line ends are accepted; anything else
/// that does not parse is refused with its line number, before anything is used. 4-column rows of groups that
/// `keep_group` rejects are dropped as they are read; at most [`MAX_ROWS`] rows are kept.
pub fn read_offsets(
    mut input: impl BufRead,
    single_group: bool,
    keep_group: &dyn Fn(&str) -> bool,
) -> Result<Vec<OffsetFileRow>, OffsetFileError> {
    let mut rows = Vec::new();
    let mut splitter = FieldSplitter::new();
    let mut layout: Option<(bool, bool)> = None; // (colon format, with group), decided by the first row
    let mut buf = Vec::new();
    for line in 1.. {
        buf.clear();
        let read = (&mut input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| OffsetFileError { line, reason: format!("cannot be read: {e}") })?;
        if read == 0 {
            break;
        }
        if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
            return Err(OffsetFileError { line, reason: format!("is longer than {MAX_LINE_BYTES} bytes") });
        }
        let mut bytes = buf.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let content = std::str::from_utf8(bytes)
            .map_err(|_| OffsetFileError { line, reason: "is not valid UTF-8".into() })?
            .trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            continue;
        }
        let (colon_format, with_group) = match layout {
            Some(layout) => layout,
            None => {
                let colon_format = content.contains(':') && !content.contains(',');
                // Kafka's rule: 3 columns only with exactly one group. (Kafka also requires the first row to parse
                // as such; a 3-field first row that does not would fail either way, so it is reported as 3 columns.)
                let three_columns = colon_format || splitter.split(content, false).len() == 3;
                if three_columns && !single_group {
                    return Err(OffsetFileError {
                        line: 0,
                        reason: "has topic,partition,offset rows, which need exactly one --group (use \
                                 group,topic,partition,offset rows for several groups)"
                            .into(),
                    });
                }
                *layout.insert((colon_format, !three_columns))
            }
        };
        let fields = splitter.split(content, colon_format);
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        let (group, partition, offset) = parse_fields(&refs, with_group)
            .map_err(|reason| OffsetFileError { line, reason: format!("{reason}: {}", quote(content)) })?;
        if group.as_deref().is_some_and(|g| !keep_group(g)) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(OffsetFileError {
                line,
                reason: format!(
                    "goes over {MAX_ROWS} rows for the requested groups; split the file (by group or topic)"
                ),
            });
        }
        rows.push(OffsetFileRow { line, group, partition, offset });
    }
    if layout.is_none() {
        return Err(OffsetFileError { line: 0, reason: "has no offsets (it is empty)".into() });
    }
    Ok(rows)
}

/// [`read_offsets`] of an in-memory input, keeping every group.
pub fn read_offset_file(bytes: &[u8], single_group: bool) -> Result<Vec<OffsetFileRow>, OffsetFileError> {
    read_offsets(bytes, single_group, &|_| true)
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

    fn reset_rows() -> Vec<ResetRow> {
        vec![
            ResetRow { group: "g".into(), partition: TopicPartition::new("orders", 0), offset: 42 },
            ResetRow { group: "g".into(), partition: TopicPartition::new("orders", 10), offset: 7 },
        ]
    }

    #[test]
    fn reset_table_is_kafkas_layout() {
        let mut out = Vec::new();
        write_reset_table(&mut out, &reset_rows()).unwrap();
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

    fn rows_of(input: &str, single_group: bool) -> Vec<(Option<String>, String, i64)> {
        read_offset_file(input.as_bytes(), single_group)
            .unwrap()
            .into_iter()
            .map(|r| (r.group, r.partition.to_string(), r.offset))
            .collect()
    }

    #[test]
    fn reads_three_columns_with_one_group() {
        assert_eq!(
            rows_of("orders,0,42\r\n\norders,10,7\n\n", true),
            vec![(None, "orders:0".into(), 42), (None, "orders:10".into(), 7)]
        );
        assert_eq!(rows_of("\u{feff}orders, 1 ,5\n", true), vec![(None, "orders:1".into(), 5)]);
    }

    #[test]
    fn reads_four_columns() {
        let input = "g1,orders,0,42\ng2,orders,1,7\n";
        let expected = vec![(Some("g1".into()), "orders:0".into(), 42), (Some("g2".into()), "orders:1".into(), 7)];
        assert_eq!(rows_of(input, false), expected);
        assert_eq!(rows_of(input, true), expected);
    }

    #[test]
    fn reads_get_offset_text_lines() {
        assert_eq!(
            rows_of("orders:0:42\norders:3:0\n", true),
            vec![(None, "orders:0".into(), 42), (None, "orders:3".into(), 0)]
        );
    }

    #[test]
    fn repeated_rows_are_warned_about() {
        let rows = read_offset_file(b"orders,0,1\norders,1,1\norders,0,5\n", true).unwrap();
        assert_eq!(
            repeated_rows(&rows),
            ["--from-file line 3 sets orders:0 again (also on line 1); the last one wins"]
        );
        let rows = read_offset_file(b"a,orders,0,1\nb,orders,0,1\n", false).unwrap();
        assert!(repeated_rows(&rows).is_empty());
    }

    #[test]
    fn long_lines_and_row_limits() {
        let long = format!("orders,0,1\n{}\n", "x".repeat(MAX_LINE_BYTES + 10));
        assert_eq!(
            read_offset_file(long.as_bytes(), true).unwrap_err().to_string(),
            format!("line 2: is longer than {MAX_LINE_BYTES} bytes")
        );
        // Rows of groups not asked for are dropped while reading.
        let rows = read_offsets(&b"a,t,0,1\nb,t,0,2\na,t,1,3\n"[..], false, &|g| g == "a").unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn reads_its_own_export() {
        let mut out = Vec::new();
        write_reset_csv(&mut out, &reset_rows(), true).unwrap();
        assert_eq!(rows_of(std::str::from_utf8(&out).unwrap(), false).len(), 2);
    }

    fn error_of(input: &[u8], single_group: bool) -> String {
        read_offset_file(input, single_group).unwrap_err().to_string()
    }

    #[test]
    fn bad_inputs_name_the_line() {
        assert_eq!(error_of(b"", true), "has no offsets (it is empty)");
        assert_eq!(error_of(b"\n\r\n", true), "has no offsets (it is empty)");
        assert_eq!(
            error_of(b"orders,0,42\norders,x,1\n", true),
            "line 2: partition \"x\" is not a partition number: \"orders,x,1\""
        );
        assert_eq!(
            error_of(b"orders,0,42\norders,1\n", true),
            "line 2: expected 3 columns (topic,partition,offset), found 2: \"orders,1\""
        );
        assert_eq!(
            error_of(b"topic,partition,offset\norders,0,1\n", true),
            "line 1: partition \"partition\" is not a partition number: \"topic,partition,offset\""
        );
        assert_eq!(
            error_of(b"orders,0,99999999999999999999\n", true),
            "line 1: offset \"99999999999999999999\" is not a number: \"orders,0,99999999999999999999\""
        );
        assert_eq!(
            error_of(b"g,orders,0,1,9\n", true),
            "line 1: expected 4 columns (group,topic,partition,offset), found 5: \"g,orders,0,1,9\""
        );
        assert_eq!(
            error_of(b"orders:0:1\norders:1\n", true),
            "line 2: expected 3 columns (topic,partition,offset), found 2: \"orders:1\""
        );
        assert_eq!(error_of(b"orders,0,1\n\xff\n", true), "line 2: is not valid UTF-8");
        assert_eq!(
            error_of(b"orders,0,1\n", false),
            "has topic,partition,offset rows, which need exactly one --group (use group,topic,partition,offset rows for several groups)"
        );
        assert_eq!(
            error_of(b"g,orders,-1,5\n", false),
            "line 1: partition \"-1\" is not a partition number: \"g,orders,-1,5\""
        );
    }

    #[test]
    fn empty_json_is_an_empty_array() {
        let mut out = Vec::new();
        write_offsets(&mut out, OutputFormat::Json, &[]).unwrap();
        assert_eq!(out, b"[]\n");
    }
}
