//! The `--from-file` reader: Kafka's 3- and 4-column CSV and get-offset's `topic:partition:offset` lines, read line
//! by line and checked whole before anything is used. A row takes 24 bytes: topic and group names are stored once
//! (a million-row file names a few topics and groups many times).

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::sync::Arc;

use crate::TopicPartition;

/// Names read from an input, each stored once, and the rows' 4-byte ids for them.
#[derive(Debug, Default, Clone)]
pub struct Names {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

impl Names {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let shared: Arc<str> = Arc::from(name);
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct names");
        self.names.push(Arc::clone(&shared));
        self.ids.insert(shared, id);
        id
    }

    pub fn get(&self, id: u32) -> &Arc<str> {
        &self.names[id as usize]
    }

    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

/// The group id of a 3-column row (which has none).
pub const NO_GROUP: u32 = u32::MAX;

/// One row of a `--from-file` input, with its line number for error messages; names are ids into the file's
/// [`Names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetFileRow {
    pub line: u32,
    /// [`NO_GROUP`] in 3-column files.
    pub group: u32,
    pub topic: u32,
    pub partition: i32,
    /// [`NO_OFFSET`] for the mark `-`.
    pub offset: i64,
}

/// The offset `-` (`group,topic,partition,-`): the group had no committed offset there, as a `--backup` records it
/// (and as Kafka's `--describe` shows it); reset-offsets deletes the group's committed offset for that partition. An
/// empty offset is an error: a spreadsheet's blank cell must never delete anything.
pub const NO_OFFSET: i64 = i64::MIN;

/// How a `--from-file` input and a backup write [`NO_OFFSET`].
pub const NO_OFFSET_MARK: &str = "-";

/// A whole `--from-file` input.
#[derive(Debug, Default, Clone)]
pub struct OffsetFile {
    pub names: Names,
    pub rows: Vec<OffsetFileRow>,
}

impl OffsetFile {
    pub fn group(&self, row: &OffsetFileRow) -> Option<&str> {
        (row.group != NO_GROUP).then(|| &**self.names.get(row.group))
    }

    pub fn topic_partition(&self, row: &OffsetFileRow) -> TopicPartition {
        TopicPartition { topic: Arc::clone(self.names.get(row.topic)), partition: row.partition }
    }

    /// Each group's rows in file order (3-column rows under [`NO_GROUP`]): a thousand groups each find theirs
    /// without reading the whole file.
    pub fn rows_by_group(&self) -> HashMap<u32, Vec<&OffsetFileRow>> {
        let mut groups: HashMap<u32, Vec<&OffsetFileRow>> = HashMap::new();
        for row in &self.rows {
            groups.entry(row.group).or_default().push(row);
        }
        groups
    }

    /// The rows for `group`, in file order: its own, or the 3-column rows meant for the one group asked for.
    pub fn rows_of<'a>(
        &self,
        by_group: &'a HashMap<u32, Vec<&'a OffsetFileRow>>,
        group: &str,
    ) -> impl Iterator<Item = &'a OffsetFileRow> {
        let own = self.names.id(group).and_then(|id| by_group.get(&id));
        own.into_iter().chain(by_group.get(&NO_GROUP)).flatten().copied()
    }
}

/// Why a `--from-file` input was refused: the line number (0 for the whole input) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFileError {
    pub line: u32,
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
pub fn repeated_rows(file: &OffsetFile) -> Vec<String> {
    let mut first_line: HashMap<(u32, u32, i32), u32> = HashMap::new();
    let mut warnings = Vec::new();
    for row in &file.rows {
        if let Some(first) = first_line.insert((row.group, row.topic, row.partition), row.line) {
            let group = file.group(row).map_or(String::new(), |g| format!(" of group '{g}'"));
            warnings.push(format!(
                "--from-file line {} sets {}{group} again (also on line {first}); the last one wins",
                row.line,
                file.topic_partition(row)
            ));
        }
    }
    warnings
}

/// Kafka's rule for topic names: 1 to 249 of `[a-zA-Z0-9._-]`.
pub fn is_topic_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 249 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// One parsed record: group (4 columns), topic, partition, offset.
type Fields<'a> = (Option<&'a str>, &'a str, i32, i64);

/// Parses one `topic,partition,offset` (or `group,topic,...`) record; `fields` are already trimmed.
fn parse_fields<'a>(fields: &[&'a str], with_group: bool) -> Result<Fields<'a>, String> {
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
    let offset: i64 = if rest[2] == NO_OFFSET_MARK {
        NO_OFFSET
    } else if rest[2].is_empty() {
        return Err(format!(
            "the offset is empty (a partition without a committed offset, to have its offset deleted, is written \
             {NO_OFFSET_MARK}, as --backup writes it)"
        ));
    } else {
        rest[2]
            .parse()
            .ok()
            .filter(|&o| o != NO_OFFSET)
            .ok_or_else(|| format!("offset {} is not a number", quote(rest[2])))?
    };
    Ok((group, rest[0], partition, offset))
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
) -> Result<OffsetFile, OffsetFileError> {
    let mut file = OffsetFile::default();
    let mut splitter = FieldSplitter::new();
    let mut layout: Option<(bool, bool)> = None; // (colon format, with group), decided by the first row
    let mut buf = Vec::new();
    for line in 1u32.. {
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
        let (group, topic, partition, offset) = parse_fields(&refs, with_group)
            .map_err(|reason| OffsetFileError { line, reason: format!("{reason}: {}", quote(content)) })?;
        if group.is_some_and(|g| !keep_group(g)) {
            continue;
        }
        if file.rows.len() == MAX_ROWS {
            return Err(OffsetFileError {
                line,
                reason: format!(
                    "goes over {MAX_ROWS} rows for the requested groups; split the file (by group or topic)"
                ),
            });
        }
        let group = group.map_or(NO_GROUP, |g| file.names.intern(g));
        let topic = file.names.intern(topic);
        file.rows.push(OffsetFileRow { line, group, topic, partition, offset });
    }
    if layout.is_none() {
        return Err(OffsetFileError { line: 0, reason: "has no offsets (it is empty)".into() });
    }
    Ok(file)
}

/// [`read_offsets`] of an in-memory input, keeping every group.
pub fn read_offset_file(bytes: &[u8], single_group: bool) -> Result<OffsetFile, OffsetFileError> {
    read_offsets(bytes, single_group, &|_| true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::output::{write_reset_csv, GroupOffsets, NewOffset};

    fn rows_of(input: &str, single_group: bool) -> Vec<(Option<String>, String, i64)> {
        let file = read_offset_file(input.as_bytes(), single_group).unwrap();
        file.rows
            .iter()
            .map(|r| (file.group(r).map(str::to_string), file.topic_partition(r).to_string(), r.offset))
            .collect()
    }

    #[test]
    fn each_group_finds_its_rows_in_file_order() {
        let file = read_offset_file(b"g,orders,1,5\nh,orders,0,2\ng,orders,0,7\ng,orders,1,6\n", false).unwrap();
        let by_group = file.rows_by_group();
        let lines = |group: &str| file.rows_of(&by_group, group).map(|r| r.line).collect::<Vec<_>>();
        assert_eq!((lines("g"), lines("h"), lines("other")), (vec![1, 3, 4], vec![2], vec![]));
        // 3-column rows are the one named group's, whatever its name.
        let file = read_offset_file(b"orders,0,1\norders,1,2\n", true).unwrap();
        let by_group = file.rows_by_group();
        assert_eq!(file.rows_of(&by_group, "any").map(|r| r.offset).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn a_row_takes_24_bytes_and_names_are_stored_once() {
        assert_eq!(std::mem::size_of::<OffsetFileRow>(), 24);
        let file = read_offset_file(
            b"g,orders,0,1
g,orders,1,1
h,orders,0,2
",
            false,
        )
        .unwrap();
        assert_eq!(file.names.names.len(), 3);
        assert!(Arc::ptr_eq(&file.topic_partition(&file.rows[0]).topic, &file.topic_partition(&file.rows[2]).topic));
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
        assert_eq!(rows.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn reads_its_own_export() {
        let mut out = Vec::new();
        let rows = [GroupOffsets::new(
            "g",
            vec![
                NewOffset { partition: TopicPartition::new("orders", 0), offset: 42 },
                NewOffset { partition: TopicPartition::new("orders", 10), offset: 7 },
            ],
        )];
        write_reset_csv(&mut out, &rows, true).unwrap();
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
}
