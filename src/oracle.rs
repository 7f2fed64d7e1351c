//! Reading the outputs of Kafka's own tools, the tests' reference: the reset table of `kafka-consumer-groups.sh
//! --reset-offsets` (one row per line, or all on one line as 3.8 and 3.9 print it), its `--describe`
//! table, and its `Error:`/`Warn:` lines, which it prints on stdout.

use std::collections::BTreeMap;

/// A reset row: group, topic, partition, new offset.
pub type ResetRow = (String, String, i32, i64);

/// The rows of Kafka's reset table, sorted (Kafka prints them in hash order). Works for the 2.3–3.7/4.0 layout and
/// for 3.8–3.9's, whose header and rows share one line. None when there is no header.
pub fn reset_rows(stdout: &str) -> Option<Vec<ResetRow>> {
    let tokens: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("Error:") && !l.starts_with("Warn:") && !l.starts_with("WARN"))
        .flat_map(str::split_whitespace)
        .collect();
    let start = tokens.windows(4).position(|w| w == ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"])?;
    let mut rows: Vec<ResetRow> = tokens[start + 4..]
        .chunks(4)
        .filter_map(|row| match row {
            [group, topic, partition, offset] => {
                Some((group.to_string(), topic.to_string(), partition.parse().ok()?, offset.parse().ok()?))
            }
            _ => None,
        })
        .collect();
    rows.sort();
    Some(rows)
}

/// Kafka's `Error:` and `Warn:` lines (stdout), in order.
pub fn messages(stdout: &str) -> Vec<String> {
    stdout.lines().filter(|l| l.starts_with("Error:") || l.starts_with("Warn:")).map(str::to_string).collect()
}

/// The committed offsets in Kafka's `--describe --group G` table: (topic, partition) -> CURRENT-OFFSET (None for
/// `-`).
pub fn described_offsets(stdout: &str, group: &str) -> BTreeMap<(String, i32), Option<i64>> {
    stdout
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [g, topic, partition, current, ..] if *g == group => {
                    Some(((topic.to_string(), partition.parse().ok()?), current.parse().ok()))
                }
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_layouts_of_the_reset_table() {
        let row = |g: &str, t: &str, p: i32, o: i64| format!("{g:<30} {t:<30} {p:<10} {o:<15}");
        let header = format!("{:<30} {:<30} {:<10} {:<15}", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
        let lines = format!("\n{header}\n{}\n{}\n", row("g", "t", 1, 7), row("g", "t", 0, 3));
        let one_line = format!("{header}{}{}", row("g", "t", 1, 7), row("g", "t", 0, 3));
        let expected = vec![("g".into(), "t".into(), 0, 3), ("g".into(), "t".into(), 1, 7)];
        assert_eq!(reset_rows(&lines), Some(expected.clone()));
        assert_eq!(reset_rows(&one_line), Some(expected));
        assert_eq!(reset_rows("\nError: Assignments can only be reset ...\n"), None);
    }

    #[test]
    fn reads_the_describe_table() {
        let out = "\nGROUP  TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST  CLIENT-ID\n\
                   g      t      0          5               9               4    -            -     -\n\
                   g      t      1          -               2               -    -            -     -\n";
        let got = described_offsets(out, "g");
        assert_eq!(got[&("t".to_string(), 0)], Some(5));
        assert_eq!(got[&("t".to_string(), 1)], None);
        assert_eq!(got.len(), 2);
    }
}
