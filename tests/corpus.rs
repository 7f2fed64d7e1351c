//! The corpus of bad inputs in tests/corpus/: each case is a directory with the tool to run (`tool`), its arguments
//! one per line (`args`, where `{input}` is the case's `input` file and `{dead}` a loopback address nothing listens
//! on), and the exact expected stderr (`stderr`, with `{input}` for the file's path) and exit code (`code`).
//! Every bad input is refused before anything is sent, so stdout stays empty.

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::run::tool;
use offset_tools_tests::{dead_address, workspace_root};

#[test]
fn every_bad_input_gets_its_exact_error() {
    let corpus = workspace_root().join("tests/corpus");
    let mut cases: Vec<_> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    for case in cases {
        let read = |name: &str| {
            std::fs::read_to_string(case.join(name)).unwrap_or_else(|e| panic!("{}: {name}: {e}", case.display()))
        };
        let input = case.join("input").display().to_string();
        let dead = dead_address();
        let args: Vec<String> =
            read("args").lines().map(|a| a.replace("{input}", &input).replace("{dead}", &dead)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = tool(read("tool").trim(), &args, None);
        let expected = read("stderr").replace("{input}", &input);
        let code: i32 = read("code").trim().parse().unwrap();
        eprintln!("case {}", case.display());
        assert_output(&out, "", &expected, code);
        assert_eq!(expected.lines().count(), 1, "{}: one error line", case.display());
    }
}
