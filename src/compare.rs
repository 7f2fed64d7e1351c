//! Whole-output comparison: stdout, stderr and exit code together, with both sides printed when they differ.

use crate::run::Output;

/// Both sides of a run that differs from the expected stdout, stderr and exit code; None when it is the same.
pub fn output_differs(actual: &Output, stdout: &str, stderr: &str, code: i32) -> Option<String> {
    let same = actual.stdout == stdout && actual.stderr == stderr && actual.code == Some(code);
    (!same).then(|| {
        format!(
            "\n===== expected exit {code}, got {:?}\n----- expected stdout\n{stdout}----- actual stdout\n{}\
             ----- expected stderr\n{stderr}----- actual stderr\n{}=====",
            actual.code, actual.stdout, actual.stderr
        )
    })
}

/// Asserts the complete stdout, stderr and exit code of a run.
#[track_caller]
pub fn assert_output(actual: &Output, stdout: &str, stderr: &str, code: i32) {
    if let Some(difference) = output_differs(actual, stdout, stderr, code) {
        panic!("{difference}");
    }
}

/// The reset table as Kafka 2.3–3.7 / 4.0 prints it, for (group, topic, partition, offset) rows.
pub fn reset_table(rows: &[(&str, &str, i32, i64)]) -> String {
    let shown: Vec<(&str, &str, i32, String)> = rows.iter().map(|&(g, t, p, o)| (g, t, p, o.to_string())).collect();
    let borrowed: Vec<(&str, &str, i32, &str)> = shown.iter().map(|(g, t, p, o)| (*g, *t, *p, o.as_str())).collect();
    reset_table_rows(&borrowed)
}

/// The reset table with offsets as shown (`-` for a committed offset deleted), in Kafka 4.2+'s layout: GROUP and
/// TOPIC as wide as their longest value (15 at least), the offset unpadded.
pub fn reset_table_rows(rows: &[(&str, &str, i32, &str)]) -> String {
    reset_table_with_refused(rows, &[])
}

/// The reset table when `refused` groups (left out for their members) widen the GROUP column too.
pub fn reset_table_with_refused(rows: &[(&str, &str, i32, &str)], refused: &[&str]) -> String {
    let g = rows.iter().map(|r| r.0.len()).chain(refused.iter().map(|r| r.len())).max().unwrap_or(0).max(15);
    let t = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(15);
    let mut table = format!("\n{:<g$} {:<t$} {:<10} NEW-OFFSET\n", "GROUP", "TOPIC", "PARTITION");
    for (group, topic, partition, offset) in rows {
        table.push_str(&format!("{group:<g$} {topic:<t$} {partition:<10} {offset}\n"));
    }
    table
}

/// The reset table of Kafka 2.3 to 4.1 (and of 4.4's kafka-streams-groups.sh): `%-30s %-30s %-10s %-15s`.
pub fn fixed_reset_table(rows: &[(&str, &str, i32, &str)]) -> String {
    let mut table = format!("\n{:<30} {:<30} {:<10} {:<15}\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (group, topic, partition, offset) in rows {
        table.push_str(&format!("{group:<30} {topic:<30} {partition:<10} {offset:<15}\n"));
    }
    table
}

/// The warning when neither --dry-run nor --execute is given.
pub const NO_ACTION_WARNING: &str =
    "Warn: dry run: nothing is committed without --execute (--dry-run says so and leaves out this line)\n";

/// copy-topics' warning when neither --dry-run nor --execute is given.
pub const NO_CREATION_WARNING: &str =
    "Warn: dry run: nothing is created without --execute (--dry-run says so and leaves out this line)\n";

/// A row of migrate-groups' table: group, topic, partition, old offset, lag, new offset, status, how.
pub type MigrationRow<'a> = (&'a str, &'a str, i32, i64, i64, Option<i64>, &'a str, &'a str);

/// migrate-groups' table for these rows: fixed columns as wide as the reset table's, HOW last.
pub fn migration_table(rows: &[MigrationRow<'_>]) -> String {
    let mut table = format!(
        "{:<30} {:<30} {:<10} {:<12} {:<10} {:<12} {:<10} HOW\n",
        "GROUP", "TOPIC", "PARTITION", "OLD-OFFSET", "LAG", "NEW-OFFSET", "STATUS"
    );
    for (group, topic, partition, old, lag, new, status, how) in rows {
        let new = new.map_or("-".to_string(), |n| n.to_string());
        table.push_str(&format!(
            "{group:<30} {topic:<30} {partition:<10} {old:<12} {lag:<10} {new:<12} {status:<10} {how}\n"
        ));
    }
    table
}

/// Lines sorted, each ended by a newline: GetOffsetShell prints its rows in no set order, get-offset sorted.
pub fn sorted_lines(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A reset's stdout as Kafka's share and streams tools print it, with the rows sorted by topic and partition (the
/// CSV of `--export` by topic and partition too, its final empty line kept) and without its messages (an empty line
/// and a `Warn:` line each, on stdout in Kafka's tools, on stderr in ours).
pub fn sorted_reset_output(stdout: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("Warn: ") {
            if lines.last() == Some(&"") {
                lines.pop();
            }
        } else {
            lines.push(line);
        }
    }
    let Some(header) = lines.iter().position(|l| l.starts_with("GROUP ")) else {
        // --export: the CSV's rows sorted, its final empty line kept.
        let mut rows: Vec<&str> = lines.iter().copied().filter(|l| !l.is_empty()).collect();
        rows.sort_by_key(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.first().map(|s| s.to_string()), f.get(1).and_then(|p| p.parse::<i32>().ok()))
        });
        let ending = if stdout.ends_with("\n\n") { "\n" } else { "" };
        return rows.iter().map(|l| format!("{l}\n")).collect::<String>() + ending;
    };
    let mut rows = lines[header + 1..].to_vec();
    rows.sort_by_key(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(1).map(|s| s.to_string()), f.get(2).and_then(|p| p.parse::<i32>().ok()))
    });
    lines[..=header].iter().chain(rows.iter()).map(|l| format!("{l}\n")).collect()
}
