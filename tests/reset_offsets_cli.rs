//! reset-offsets' command line and input files: Kafka's checks in Kafka's order and words, one line on stderr,
//! exit code 2, nothing sent to a cluster (the bootstrap address is a released loopback port).

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::run::{reset_offsets, tool};
use offset_tools_tests::{dead_address, scratch_dir};

fn usage_error(args: &[&str], message: &str) {
    assert_output(&reset_offsets(args), "", &format!("Error: {message}\n"), 2);
}

fn with_bootstrap(args: &[&str]) -> Vec<String> {
    let mut all = vec!["--bootstrap-server".to_string(), dead_address()];
    all.extend(args.iter().map(|s| s.to_string()));
    all
}

fn usage_error_b(args: &[&str], message: &str) {
    let all = with_bootstrap(args);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    usage_error(&refs, message);
}

#[test]
fn a_misspelt_single_dash_option_names_the_word_and_the_nearest_option() {
    usage_error_b(
        &["-group", "g", "-topic", "t", "-reset-offsets", "-to-earliest", "-excute"],
        "unknown option '-excute' (did you mean '--execute'?)",
    );
    usage_error_b(
        &["-group", "g", "-topic", "t", "-to-earlist"],
        "unknown option '-to-earlist' (did you mean '--to-earliest'?)",
    );
    usage_error_b(&["-group", "g", "-qqqqqqqq"], "unknown option '-qqqqqqqq'");
    // Two dashes: clap's own message, with its tip.
    usage_error_b(
        &["--group", "g", "--excute"],
        "unexpected argument '--excute' found (tip: a similar argument exists: '--execute')",
    );
}

#[test]
fn kafka_argument_checks_in_kafka_order() {
    usage_error(&[], "Missing required argument \"[bootstrap-server]\"");
    usage_error(&["--group", "g", "--topic", "t", "--to-earliest"], "Missing required argument \"[bootstrap-server]\"");
    usage_error_b(
        &["--group", "g", "--topic", "t", "--to-earliest", "--dry-run", "--execute"],
        "Option [reset-offsets] only accepts one of [execute] and [dry-run]",
    );
    usage_error_b(
        &["--topic", "t", "--to-earliest"],
        "Option [reset-offsets] takes one of these options: [group], [all-groups]",
    );
    usage_error_b(
        &["--group", "g", "--all-groups", "--topic", "t", "--to-earliest"],
        "Option \"[group]\" can't be used with option \"[all-groups]\"",
    );
    usage_error_b(
        &["--group", "g", "--topic", "t", "--to-latest", "--shift-by", "-2"],
        "Option \"[to-latest]\" can't be used with option \"[shift-by]\"",
    );
    usage_error_b(
        &["--group", "g", "--topic", "t", "--to-earliest", "--to-offset", "5"],
        "Option \"[to-offset]\" can't be used with option \"[to-earliest]\"",
    );
    usage_error_b(
        &["--group", "g", "--topic", "t"],
        "Option '[reset-offsets]' requires one of the following scenarios: [[to-offset], [to-datetime], [by-duration], \
         [to-earliest], [to-latest], [to-current], [shift-by], [from-file]]",
    );
    usage_error_b(
        &["--group", "g", "--to-latest"],
        "One of the reset scopes should be defined: --all-topics, --topic.",
    );
}

#[test]
fn topic_scopes() {
    usage_error_b(
        &["--group", "g", "--topic", "a:b:c", "--to-latest"],
        "Invalid topic arg 'a:b:c', expected topic name and partitions",
    );
    usage_error_b(
        &["--group", "g", "--topic", "a:", "--to-latest"],
        "Invalid topic arg 'a:', expected topic name and partitions",
    );
    usage_error_b(
        &["--group", "g", "--topic", "a:x", "--to-latest"],
        "Invalid partition 'x' specified in topic arg 'a:x'",
    );
}

#[test]
fn scenario_values() {
    usage_error_b(
        &["--group", "g", "--topic", "t", "--to-offset", "abc"],
        "--to-offset expects a whole number, but received: abc",
    );
    usage_error_b(
        &["--group", "g", "--topic", "t", "--shift-by", "1.5"],
        "--shift-by expects a whole number, but received: 1.5",
    );
    usage_error_b(
        &["--group", "g", "--topic", "t", "--to-datetime", "2024-13-01T00:00:00.000"],
        "--to-datetime '2024-13-01T00:00:00.000' has no valid date; expected yyyy-MM-ddTHH:mm:ss.SSS with an optional \
         zone (Z, +05:30, +0530, +05), e.g. 2024-01-15T10:00:00.000Z",
    );
    usage_error_b(
        &["--group", "g", "--topic", "t", "--to-datetime", "2024-01-15T25:00"],
        "--to-datetime '2024-01-15T25:00' has no valid time of day; expected yyyy-MM-ddTHH:mm:ss.SSS with an optional \
         zone (Z, +05:30, +0530, +05), e.g. 2024-01-15T10:00:00.000Z",
    );
    usage_error_b(
        &["--group", "g", "--topic", "t", "--by-duration", "P1M"],
        "--by-duration 'P1M' uses weeks, months or years, which have no fixed length; expected an ISO-8601 duration \
         PnDTnHnMnS, e.g. PT1H, P1D, PT0.5S, P1DT2H30M",
    );
}

#[test]
fn from_file_is_validated_before_connecting() {
    let dir = scratch_dir("reset-cli");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "orders,0,5\norders,1\n").unwrap();
    let bad = bad.to_str().unwrap();
    usage_error_b(
        &["--group", "g", "--from-file", bad],
        &format!("--from-file {bad}: line 2: expected 3 columns (topic,partition,offset), found 2: \"orders,1\""),
    );
    usage_error_b(
        &["--group", "a", "--group", "b", "--from-file", bad],
        &format!(
            "--from-file {bad}: has topic,partition,offset rows, which need exactly one --group (use \
             group,topic,partition,offset rows for several groups)"
        ),
    );
    let missing = dir.join("missing.csv");
    let missing = missing.to_str().unwrap();
    usage_error_b(
        &["--group", "g", "--from-file", missing],
        &format!("--from-file {missing}: cannot read: No such file or directory (os error 2)"),
    );
    let b = dead_address();
    let out = tool("reset-offsets", &["--bootstrap-server", &b, "--group", "g", "--from-file", "-"], Some(""));
    assert_output(&out, "", "Error: --from-file -: has no offsets (it is empty)\n", 2);
    let out =
        tool("reset-offsets", &["--bootstrap-server", &b, "--group", "g", "--from-file", "-"], Some("orders,0,-x\n"));
    assert_output(&out, "", "Error: --from-file -: line 1: offset \"-x\" is not a number: \"orders,0,-x\"\n", 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn kafka_command_lines_are_accepted() {
    // --reset-offsets and the old --new-consumer are accepted: the run gets as far as connecting.
    let all = with_bootstrap(&[
        "--timeout",
        "500",
        "--reset-offsets",
        "--new-consumer",
        "--group",
        "g",
        "--topic",
        "t",
        "--to-latest",
        "--dry-run",
    ]);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = reset_offsets(&refs);
    assert_output(
        &out,
        "",
        &format!("Error: cannot connect to any bootstrap server ({}: Connection refused (os error 111))\n", all[1]),
        1,
    );
}

#[test]
fn backup_needs_a_file() {
    usage_error_b(
        &["--group", "g", "--topic", "t", "--to-latest", "--execute", "--backup", "-"],
        "--backup needs a file name (stdout carries the table)",
    );
}

#[test]
fn help_lists_every_flag() {
    let out = reset_offsets(&["--help"]);
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    for flag in [
        "--bootstrap-server",
        "--command-config",
        "--timeout",
        "--group",
        "--all-groups",
        "--topic",
        "--all-topics",
        "--to-datetime",
        "--by-duration",
        "--to-earliest",
        "--to-latest",
        "--to-current",
        "--to-offset",
        "--shift-by",
        "--from-file",
        "--dry-run",
        "--execute",
        "--export",
        "--reset-offsets",
        "--new-consumer",
        "--help",
        "--version",
    ] {
        assert!(out.stdout.contains(flag), "--help does not mention {flag}:\n{}", out.stdout);
    }
}
