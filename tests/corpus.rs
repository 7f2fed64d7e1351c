//! The corpus of bad inputs in tests/corpus/: each case is a directory with the tool to run (`tool`), its arguments
//! one per line (`args`, where `{input}` is the case's `input` file and `{dead}` a loopback address nothing listens
//! on), and the exact expected stderr (`stderr`, with `{input}` for the file's path) and exit code (`code`).
//! Every bad input is refused before anything is sent, so stdout stays empty. One test per case, so that a failing
//! case hides no other.

use libtest_mimic::{Arguments, Failed, Trial};
use offset_tools_tests::compare::output_differs;
use offset_tools_tests::run::tool;
use offset_tools_tests::{dead_address, workspace_root};

fn run_case(case: &std::path::Path) -> Result<(), Failed> {
    let read = |name: &str| std::fs::read_to_string(case.join(name)).map_err(|e| format!("{name}: {e}"));
    let input = case.join("input").display().to_string();
    let dead = dead_address();
    let args: Vec<String> =
        read("args")?.lines().map(|a| a.replace("{input}", &input).replace("{dead}", &dead)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tool(read("tool")?.trim(), &args, None);
    let expected = read("stderr")?.replace("{input}", &input);
    let code: i32 = read("code")?.trim().parse().map_err(|e| format!("code: {e}"))?;
    if expected.lines().count() != 1 {
        return Err("the expected stderr must be one line".into());
    }
    match output_differs(&out, "", &expected, code) {
        Some(difference) => Err(difference.into()),
        None => Ok(()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let corpus = workspace_root().join("tests/corpus");
    let mut cases: Vec<_> =
        std::fs::read_dir(&corpus).expect("tests/corpus").map(|e| e.expect("entry").path()).collect();
    cases.sort();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().expect("case name").to_string_lossy().into_owned();
            Trial::test(name, move || run_case(&case))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
