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
