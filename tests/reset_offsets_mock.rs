//! reset-offsets against librdkafka's mock cluster: every scenario with whole outputs, several brokers and groups,
//! --all-groups, the timestamp fallback, and a commit refused because the group has a member. (--all-topics is
//! tested on Kafka 0.9: the mock answers no OffsetFetch for all of a group's partitions.)

use offset_tools_tests::compare::{assert_output, reset_table, NO_ACTION_WARNING};
use offset_tools_tests::groups::{committed, Member};
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::{reset_offsets, tool};
use offset_tools_tests::scratch_dir;

/// The mock cluster has no DescribeGroups, so every run says how inactivity is enforced instead.
const NO_DESCRIBE: &str = "Warn: the brokers cannot describe consumer groups (no DescribeGroups); a group with \
members will make the commit fail instead\n";

/// Topic `orders`: partitions 0, 1, 2 with 10, 20, 30 messages (log end offsets), over 3 brokers.
fn cluster() -> Mock {
    let mock = Mock::start(3);
    mock.topic("orders", 3).topic("payments", 2);
    for (p, n) in [(0, 10), (1, 20), (2, 30)] {
        mock.produce("orders", p, n, 1_700_000_000_000);
    }
    mock.produce("payments", 1, 4, 1_700_000_000_000);
    mock
}

fn reset(mock: &Mock, args: &[&str]) -> offset_tools_tests::run::Output {
    reset_offsets(&[&["--bootstrap-server", mock.bootstrap.as_str()], args].concat())
}

#[test]
fn earliest_and_latest() {
    let mock = cluster();
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders", "--to-earliest"]),
        &reset_table(&[("g", "orders", 0, 0), ("g", "orders", 1, 0), ("g", "orders", 2, 0)]),
        &format!("{NO_ACTION_WARNING}{NO_DESCRIBE}"),
        0,
    );
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders", "--to-latest", "--dry-run"]),
        &reset_table(&[("g", "orders", 0, 10), ("g", "orders", 1, 20), ("g", "orders", 2, 30)]),
        NO_DESCRIBE,
        0,
    );
}

#[test]
fn kafkas_single_dash_long_options() {
    // The runbook line this project started from, as Kafka's parser reads it (one dash per long option), and the
    // same line with its misspelling.
    let mock = cluster();
    let b = mock.bootstrap.as_str();
    let line = |scenario: &[&'static str]| {
        let mut args = vec!["-bootstrap-server", b, "-group", "g", "-topic", "orders", "-reset-offsets"];
        args.extend_from_slice(scenario);
        reset_offsets(&args)
    };
    assert_output(
        &line(&["-to-offset", "8", "-execute"]),
        &reset_table(&[("g", "orders", 0, 8), ("g", "orders", 1, 8), ("g", "orders", 2, 8)]),
        NO_DESCRIBE,
        0,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [Some(8); 3]);
    // A negative value after a single-dash option stays its value.
    assert_output(
        &line(&["-shift-by", "-5", "-dry-run"]),
        &reset_table(&[("g", "orders", 0, 3), ("g", "orders", 1, 3), ("g", "orders", 2, 3)]),
        NO_DESCRIBE,
        0,
    );
    assert_output(
        &line(&["-to-latest", "-excute"]),
        "",
        "Error: unknown option '-excute' (did you mean '--execute'?)\n",
        2,
    );
    assert_eq!(
        committed(&mock.client_config(), "g", "orders", &[0, 1, 2]),
        [Some(8); 3],
        "the misspelt line committed"
    );
}

#[test]
fn every_format_of_the_plan_and_the_result() {
    let mock = cluster();
    assert_eq!(reset(&mock, &["--group", "g", "--topic", "orders:0,1", "--to-offset", "4", "--execute"]).code, Some(0));
    let plan = ["--group", "g", "--topic", "orders", "--to-offset", "6"];
    let table = reset_table(&[("g", "orders", 0, 6), ("g", "orders", 1, 6), ("g", "orders", 2, 6)]);
    let with = |extra: &[&'static str]| -> Vec<&'static str> { [&plan[..], extra].concat() };
    assert_output(&reset(&mock, &with(&["--dry-run"])), &table, NO_DESCRIBE, 0);
    assert_output(&reset(&mock, &with(&["--dry-run", "--format", "table"])), &table, NO_DESCRIBE, 0);
    let csv = "orders,0,6\norders,1,6\norders,2,6\n\n";
    assert_output(&reset(&mock, &with(&["--dry-run", "--format", "csv"])), csv, NO_DESCRIBE, 0);
    assert_output(&reset(&mock, &with(&["--dry-run", "--export"])), csv, NO_DESCRIBE, 0);
    assert_output(&reset(&mock, &with(&["--dry-run", "--export", "--format", "csv"])), csv, NO_DESCRIBE, 0);
    // JSON: the committed offset before (none for partition 2).
    let row = |p: i32, previous: &str, read_back: &str| {
        format!("{{\"group\":\"g\",\"topic\":\"orders\",\"partition\":{p},\"offset\":6,\"previous_offset\":{previous}{read_back}}}")
    };
    let json = format!("[{},{},{}]\n", row(0, "4", ""), row(1, "4", ""), row(2, "null", ""));
    assert_output(&reset(&mock, &with(&["--dry-run", "--format", "json"])), &json, NO_DESCRIBE, 0);
    // After --execute, whether each partition read back as planned.
    let read_back = ",\"read_back\":true";
    let json = format!("[{},{},{}]\n", row(0, "4", read_back), row(1, "4", read_back), row(2, "null", read_back));
    assert_output(&reset(&mock, &with(&["--execute", "--format", "json"])), &json, NO_DESCRIBE, 0);
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [Some(6); 3]);
    assert_output(
        &reset(&mock, &with(&["--dry-run", "--export", "--format", "json"])),
        "",
        "Error: --export is --format csv: it can't be used with --format json\n",
        2,
    );
}

#[test]
fn to_offset_is_clamped_with_kafka_warnings() {
    let mock = cluster();
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders", "--to-offset", "15", "--dry-run"]),
        &reset_table(&[("g", "orders", 0, 10), ("g", "orders", 1, 15), ("g", "orders", 2, 15)]),
        &format!(
            "{NO_DESCRIBE}Warn: New offset (15) is higher than latest offset for topic partition orders-0. Value will be set to 10\n"
        ),
        0,
    );
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders:1", "--to-offset", "-5", "--dry-run"]),
        &reset_table(&[("g", "orders", 1, 0)]),
        &format!(
            "{NO_DESCRIBE}Warn: New offset (-5) is lower than earliest offset for topic partition orders-1. Value will be set to 0\n"
        ),
        0,
    );
}

#[test]
fn execute_then_current_and_shift() {
    let mock = cluster();
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders:0,1", "--to-offset", "5", "--execute"]),
        &reset_table(&[("g", "orders", 0, 5), ("g", "orders", 1, 5)]),
        NO_DESCRIBE,
        0,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [Some(5), Some(5), None]);
    // Partition 2 has no committed offset: --to-current gives it the latest offset.
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders", "--to-current", "--dry-run"]),
        &reset_table(&[("g", "orders", 0, 5), ("g", "orders", 1, 5), ("g", "orders", 2, 30)]),
        NO_DESCRIBE,
        0,
    );
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders:0,1", "--shift-by", "7", "--execute"]),
        &reset_table(&[("g", "orders", 0, 10), ("g", "orders", 1, 12)]),
        &format!(
            "{NO_DESCRIBE}Warn: New offset (12) is higher than latest offset for topic partition orders-0. Value will be set to 10\n"
        ),
        0,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1]), [Some(10), Some(12)]);
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders", "--shift-by", "-1", "--execute"]),
        "",
        &format!(
            "{NO_DESCRIBE}Error: Cannot shift offset for partition orders-2 since there is no current committed offset\n\
             Error: nothing was committed: fix the errors above and run again\n"
        ),
        1,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1]), [Some(10), Some(12)]);
}

#[test]
fn datetime_without_matching_record_falls_back_to_latest() {
    // The mock answers every timestamp lookup with "no offset", which is the case of a time after the last record.
    let mock = cluster();
    assert_output(
        &reset(&mock, &["--group", "g", "--topic", "orders:0,2", "--to-datetime", "2030-01-01T00:00:00.000+0530", "--dry-run"]),
        &reset_table(&[("g", "orders", 0, 10), ("g", "orders", 2, 30)]),
        &format!(
            "Note: --to-datetime 2030-01-01T00:00:00.000+0530 is 2029-12-31T18:30:00.000Z (1893436200000 ms since the epoch)\n\
             {NO_DESCRIBE}\
             Warn: Partition 0 from topic orders has no record at or after 2029-12-31T18:30:00.000Z. Falling back to latest known offset 10.\n\
             Warn: Partition 2 from topic orders has no record at or after 2029-12-31T18:30:00.000Z. Falling back to latest known offset 30.\n"
        ),
        0,
    );
}

#[test]
fn by_duration_resolves_against_now() {
    let mock = cluster();
    let out = reset(&mock, &["--group", "g", "--topic", "orders:1", "--by-duration", "-PT1H", "--dry-run"]);
    // The instant depends on the clock: read it from the Note line, then compare the whole output.
    let note = out.stderr.lines().next().unwrap_or_default();
    let instant = note.strip_prefix("Note: --by-duration -PT1H is ").and_then(|r| r.split(' ').next()).unwrap_or("?");
    let ms = note.split('(').nth(1).and_then(|r| r.split(' ').next()).unwrap_or("?");
    assert_output(
        &out,
        &reset_table(&[("g", "orders", 1, 20)]),
        &format!(
            "Note: --by-duration -PT1H is {instant} ({ms} ms since the epoch)\n{NO_DESCRIBE}\
             Warn: Partition 1 from topic orders has no record at or after {instant}. Falling back to latest known offset 20.\n"
        ),
        0,
    );
    let ms: i64 = ms.parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!((ms - now - 3_600_000).abs() < 60_000, "-PT1H should be an hour from now: {ms} vs {now}");
}

#[test]
fn from_file_with_repeated_rows_and_get_offset_lines() {
    let mock = cluster();
    let dir = scratch_dir("mock-from-file");
    let csv = dir.join("plan.csv");
    std::fs::write(&csv, "orders,0,3\norders,2,50\norders,0,4\n").unwrap();
    assert_output(
        &reset(&mock, &["--group", "g", "--from-file", csv.to_str().unwrap(), "--execute"]),
        &reset_table(&[("g", "orders", 0, 4), ("g", "orders", 2, 30)]),
        &format!(
            "Warn: --from-file line 3 sets orders:0 again (also on line 1); the last one wins\n{NO_DESCRIBE}\
             Warn: group 'g' has no committed offset and no row in --from-file for orders:1: its consumers will start \
             there by their auto.offset.reset\n\
             Warn: New offset (50) is higher than latest offset for topic partition orders-2. Value will be set to 30\n"
        ),
        0,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 2]), [Some(4), Some(30)]);
    let text = dir.join("plan.txt");
    std::fs::write(&text, "orders:1:7\npayments:1:2\n").unwrap();
    assert_output(
        &reset(&mock, &["--group", "g", "--from-file", text.to_str().unwrap(), "--dry-run"]),
        &reset_table(&[("g", "orders", 1, 7), ("g", "payments", 1, 2)]),
        // orders has offsets from the first reset; payments:0 none, and no row.
        &format!(
            "{NO_DESCRIBE}Warn: group 'g' has no committed offset and no row in --from-file for payments:0: its \
             consumers will start there by their auto.offset.reset\n"
        ),
        0,
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn several_groups_over_several_brokers() {
    let mock = cluster();
    assert_output(
        &reset(
            &mock,
            &[
                "--group",
                "zeta",
                "--group",
                "alpha",
                "--topic",
                "orders:2",
                "--topic",
                "payments",
                "--to-latest",
                "--execute",
            ],
        ),
        &reset_table(&[
            ("alpha", "orders", 2, 30),
            ("alpha", "payments", 0, 0),
            ("alpha", "payments", 1, 4),
            ("zeta", "orders", 2, 30),
            ("zeta", "payments", 0, 0),
            ("zeta", "payments", 1, 4),
        ]),
        NO_DESCRIBE,
        0,
    );
    for group in ["alpha", "zeta"] {
        assert_eq!(committed(&mock.client_config(), group, "payments", &[0, 1]), [Some(0), Some(4)]);
    }
    assert_output(
        &reset(
            &mock,
            &["--group", "zeta", "--group", "alpha", "--topic", "orders:0", "--to-earliest", "--dry-run", "--export"],
        ),
        "alpha,orders,0,0\nzeta,orders,0,0\n\n",
        NO_DESCRIBE,
        0,
    );
}

#[test]
fn all_groups_needs_list_groups() {
    let mock = cluster();
    assert_output(
        &reset(&mock, &["--all-groups", "--all-topics", "--to-latest", "--dry-run"]),
        "",
        "Error: --all-groups needs ListGroups, which this cluster does not support\n",
        1,
    );
}

#[test]
fn commit_into_a_group_with_a_member_is_refused() {
    let mock = cluster();
    let member = Member::join(&mock.client_config(), "busy", "orders");
    assert_output(
        &reset(&mock, &["--group", "busy", "--topic", "orders", "--to-earliest", "--execute"]),
        // A refused group prints the table's header alone, as Kafka's tool does.
        &reset_table(&[]),
        &format!(
            "{NO_DESCRIBE}Error: Assignments can only be reset if the group 'busy' is inactive, but the broker refused \
             the commit with UNKNOWN_MEMBER_ID: the group has members. Nothing was committed for it.\n"
        ),
        3,
    );
    drop(member);
    assert_eq!(committed(&mock.client_config(), "busy", "orders", &[0, 1, 2]), [None, None, None]);
}

#[test]
fn get_offset_csv_feeds_from_file() {
    let mock = cluster();
    let csv =
        tool("get-offset", &["--bootstrap-server", &mock.bootstrap, "--topic", "orders", "--format", "csv"], None);
    assert_eq!(csv.stdout, "orders,0,10\norders,1,20\norders,2,30\n");
    let out = tool(
        "reset-offsets",
        &["--bootstrap-server", &mock.bootstrap, "--group", "g", "--from-file", "-", "--execute", "--export"],
        Some(&csv.stdout),
    );
    assert_output(&out, &format!("{}\n", csv.stdout), NO_DESCRIBE, 0);
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [Some(10), Some(20), Some(30)]);
}
