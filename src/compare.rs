//! Whole-output comparison: stdout, stderr and exit code together, with both sides printed when they differ.

use crate::run::Output;

/// Asserts the complete stdout, stderr and exit code of a run.
#[track_caller]
pub fn assert_output(actual: &Output, stdout: &str, stderr: &str, code: i32) {
    let same = actual.stdout == stdout && actual.stderr == stderr && actual.code == Some(code);
    if !same {
        panic!(
            "\n===== expected exit {code}, got {:?}\n----- expected stdout\n{stdout}----- actual stdout\n{}\
             ----- expected stderr\n{stderr}----- actual stderr\n{}=====",
            actual.code, actual.stdout, actual.stderr
        );
    }
}

/// The reset table as Kafka 2.3–3.7 / 4.0 prints it, for (group, topic, partition, offset) rows.
pub fn reset_table(rows: &[(&str, &str, i32, i64)]) -> String {
    let mut table = format!("\n{:<30} {:<30} {:<10} {:<15}\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (group, topic, partition, offset) in rows {
        table.push_str(&format!("{group:<30} {topic:<30} {partition:<10} {offset:<15}\n"));
    }
    table
}

/// Kafka's warning when neither --dry-run nor --execute is given.
pub const NO_ACTION_WARNING: &str = "WARN: No action will be performed as the --execute option is missing.In a future \
major release, the default behavior of this command will be to prompt the user before executing the reset rather \
than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to \
keep the current default behavior without prompting.\n";
