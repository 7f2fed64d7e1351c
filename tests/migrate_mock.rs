//! migrate-groups from one librdkafka mock cluster to another (records with timestamps on both, time lookups that
//! always answer -1), and its command-line checks, which refuse before any cluster is contacted.

use offset_tools_tests::compare::{assert_output, migration_table, NO_ACTION_WARNING};
use offset_tools_tests::groups::{commit, committed};
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::migrate_groups;
use offset_tools_tests::{dead_address, scratch_dir};

const T0: i64 = 1_700_000_000_000;
const NO_DESCRIBE: &str =
    "Warn: the brokers on the old cluster cannot describe consumer groups (no DescribeGroups); a \
                           group with members will make the commit fail instead\nWarn: the brokers on the new cluster \
                           cannot describe consumer groups (no DescribeGroups); a group with members will make the \
                           commit fail instead\n";

fn cluster() -> Mock {
    let mock = Mock::start(2);
    mock.topic("orders", 1);
    mock
}

#[test]
fn by_record_between_mocks_finds_the_copy_by_its_contents_and_its_place_in_a_run() {
    // Old: ten records a second apart, three identical "tick" records sharing one timestamp, three more. New: two
    // records of its own, then a copy. The mock's time lookup answers -1, so the copy is found by its contents; of
    // the three ticks, the group's is the second. The old cluster deleted nothing, so the new cluster's own two
    // records are none of the group's: it starts there, reading again the copies of what it read.
    let (old, new) = (cluster(), cluster());
    let payloads: Vec<String> = (0..16)
        .map(|i| match i {
            10..=12 => "tick".to_string(),
            _ => format!("v{i}"),
        })
        .collect();
    let stamp = |i: usize| match i {
        0..=9 => T0 + i as i64 * 1000,
        10..=12 => T0 + 20_000,
        _ => T0 + 21_000 + i as i64,
    };
    old.produce_timed("orders", 0, &payloads, &stamp);
    new.produce_timed("orders", 0, &["x".to_string(), "y".to_string()], &|i| T0 - 5000 + i as i64);
    new.produce_timed("orders", 0, &payloads, &stamp);
    commit(&old.client_config(), "second-tick", "orders", &[(0, 11)]);
    commit(&old.client_config(), "drained", "orders", &[(0, 16)]);
    let out = migrate_groups(&[
        "--from",
        &old.bootstrap,
        "--to",
        &new.bootstrap,
        "--group",
        "second-tick",
        "--group",
        "drained",
        "--topic",
        "orders",
        "--by-record",
        "--execute",
    ]);
    let rows = [
        (
            "drained",
            "orders",
            0,
            16,
            0,
            Some(0),
            "committed",
            "the first record not read: offset 0 is not a copy of a record the group read, and comes before the copy \
             of the last record read at 17 (content search of offsets 0..18); 16 copies of records it read are read \
             again",
        ),
        (
            "second-tick",
            "orders",
            0,
            11,
            5,
            Some(0),
            "committed",
            "the first record not read: offset 0 is not a copy of a record the group read, and comes before the copy \
             of its next record at 13 (content search of offsets 0..18; record 2 of a run of 3 identical records); 11 \
             copies of records it read are read again",
        ),
    ];
    assert_output(
        &out,
        &migration_table(&rows),
        &format!("{NO_DESCRIBE}Note: 2 groups: 2 migrated, 0 refused, 0 failed\n"),
        0,
    );
    assert_eq!(committed(&new.client_config(), "second-tick", "orders", &[0]), [Some(0)]);
    assert_eq!(committed(&new.client_config(), "drained", "orders", &[0]), [Some(0)]);
    assert_eq!(committed(&old.client_config(), "second-tick", "orders", &[0]), [Some(11)], "the old cluster changed");
}

#[test]
fn switch_time_between_mocks_checks_the_next_record_and_reads_the_new_log() {
    // Old: records a second apart from T0; the switch at T0 + 6 s. New: a copy from T0 + 3 s, then records
    // produced after the switch.
    let (old, new) = (cluster(), cluster());
    old.produce("orders", 0, 6, T0);
    let copy: Vec<String> =
        (3..6).map(|i| format!("orders-0-{i}")).chain((0..4).map(|j| format!("after-{j}"))).collect();
    new.produce_timed("orders", 0, &copy, &|i| T0 + 3000 + i as i64 * 1000);
    for (group, offset) in [("drained", 6), ("behind", 4)] {
        commit(&old.client_config(), group, "orders", &[(0, offset)]);
    }
    let switch = "2023-11-14T22:13:26Z";
    let out = migrate_groups(&[
        "--from",
        &old.bootstrap,
        "--to",
        &new.bootstrap,
        "--group",
        "drained",
        "--group",
        "behind",
        "--topic",
        "orders",
        "--to-switch-time",
        switch,
        "--dry-run",
    ]);
    let refusal = "not consumed up to the switch time on the old cluster: the next record to read (offset 4, \
                   2023-11-14T22:13:24.000Z) is older, and 2 unread records would be skipped (--allow-lag skips \
                   them)";
    let rows = [
        ("behind", "orders", 0, 4, 2, None, "refused", refusal),
        ("drained", "orders", 0, 6, 0, Some(3), "planned", "switch time (found by reading records)"),
    ];
    let note =
        format!("Note: --to-switch-time {switch} is 2023-11-14T22:13:26.000Z ({} ms since the epoch)\n", T0 + 6000);
    let stderr = format!(
        "{note}{NO_DESCRIBE}Error: group 'behind', orders:0: {refusal}\nNote: 2 groups: 1 can be migrated, 1 refused, 0 \
         failed (dry run)\n"
    );
    assert_output(&out, &migration_table(&rows), &stderr, 1);
    assert_eq!(committed(&new.client_config(), "drained", "orders", &[0]), [None], "a dry run committed");
}

#[test]
fn command_line_mistakes_are_refused_before_any_cluster_is_contacted() {
    let (a, b) = (dead_address(), dead_address());
    let existing = scratch_dir("migrate-usage").join("exists.csv");
    std::fs::write(&existing, "").unwrap();
    let existing = existing.to_str().unwrap();
    let exists = format!("--backup {existing} already exists; give a new file");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--to", &b, "--group", "g", "--to-earliest"], "Missing required argument \"[from]\""),
        (vec!["--from", &a, "--group", "g", "--to-earliest"], "Missing required argument \"[to]\""),
        (
            vec!["--from", &a, "--to", &b, "--group", "g"],
            "say how the new cluster was filled: --to-switch-time DATETIME, --to-earliest or --by-record",
        ),
        (vec!["--from", &a, "--to", &b, "--group", "g", "--to-earliest", "--by-record"], "--to-earliest can't be used with --by-record"),
        (
            vec!["--from", &a, "--to", &b, "--to-earliest"],
            "say which groups: --group GROUP (repeatable) or --all-groups (or --positions FILE for offsets kept outside \
             Kafka)",
        ),
        (
            vec!["--from", &a, "--to", &b, "--to-earliest", "--positions", "-", "--execute"],
            "--positions can't be used with --execute: it reads and commits no group",
        ),
        (vec!["--from", &a, "--to", &b, "--group", "g", "--all-groups", "--to-earliest"], "--group can't be used with --all-groups"),
        (
            vec!["--from", &a, "--to", &b, "--all-groups", "--to-earliest", "--wait-drained"],
            "--wait-drained can't be used with --all-groups: name the groups with --group",
        ),
        (
            vec!["--from", &a, "--to", &b, "--group", "g", "--by-record", "--wait-drained", "--wait-interval", "10"],
            "invalid value '10' for '--wait-interval <MS>': 10 is not in 100..18446744073709551615",
        ),
        (vec!["--from", &a, "--to", &b, "--group", "g", "--to-earliest", "--dry-run", "--execute"], "--dry-run can't be used with --execute"),
        (vec!["--from", &a, "--to", &b, "--group", "g", "--to-earliest", "--backup", "x.csv"], "--backup needs --execute"),
        (
            vec!["--from", &a, "--to", &b, "--group", "g", "--to-earliest", "--execute", "--backup", existing],
            &exists,
        ),
        (
            vec!["--from", &a, "--to", &b, "--group", "g", "--to-earliest", "--export", "--format", "json"],
            "--export writes reset-offsets' CSV: leave out --format",
        ),
        (
            vec!["--from", &a, "--to", &a, "--group", "g", "--to-earliest"],
            "--from and --to name the same servers: give the old and the new cluster",
        ),
        (
            vec!["--from", &a, "--to", &b, "--group", "g", "--to-switch-time", "yesterday"],
            "--to-switch-time 'yesterday' has no valid date; expected yyyy-MM-ddTHH:mm:ss.SSS with an optional zone (Z, +05:30, \
             +0530, +05), e.g. 2024-01-15T10:00:00.000Z",
        ),
        (vec!["--from", &a, "--to", &b, "--group", "g", "--by-record", "--search-window", "0"], "invalid value '0' for '--search-window <N>': 0 is not in 1..=10000000"),
    ];
    for (args, message) in cases {
        let out = migrate_groups(&args);
        assert_output(&out, "", &format!("Error: {message}\n"), 2);
    }
}

#[test]
fn an_unreachable_cluster_is_named() {
    let old = cluster();
    let dead = dead_address();
    let out = migrate_groups(&[
        "--from",
        &old.bootstrap,
        "--to",
        &dead,
        "--group",
        "g",
        "--to-earliest",
        "--timeout",
        "1500",
    ]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "");
    let expected_start = format!("{NO_ACTION_WARNING}Error: the new cluster: cannot connect to any bootstrap server (");
    assert!(out.stderr.starts_with(&expected_start) && out.stderr.lines().count() == 2, "{out:?}");
}

#[test]
fn wait_drained_on_a_terminal_rewrites_its_waiting_line() {
    // Under a pseudo-terminal (script(1)) the waiting line is rewritten in place ("\r", clear to the end of the line)
    // and ended with a line break before the group's rows; the mock cannot describe groups, so drained means no
    // record left to read.
    let (old, new) = (cluster(), cluster());
    old.produce("orders", 0, 6, T0);
    new.produce("orders", 0, 6, T0);
    commit(&old.client_config(), "tty", "orders", &[(0, 4)]);
    let command = format!(
        "{} --from {} --to {} --group tty --topic orders --by-record --execute --wait-drained --wait-interval 200 \
         --wait-timeout 30000",
        offset_tools_tests::run::binary("migrate-groups").display(),
        old.bootstrap,
        new.bootstrap
    );
    let mut running = std::process::Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run script(1)");
    // What the terminal shows, read as it comes.
    let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut stdout = running.stdout.take().expect("script's output");
    let reader = {
        let shown = std::sync::Arc::clone(&shown);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = std::io::Read::read(&mut stdout, &mut chunk) {
                shown.lock().expect("output").extend_from_slice(&chunk[..n]);
            }
        })
    };
    let waiting = "\r\x1b[KNote: waiting for 1 group to drain the old cluster: 'tty' (2 unread records)";
    let rewrites = || String::from_utf8_lossy(&shown.lock().expect("output")).matches(waiting).count();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while rewrites() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The consumers read the rest.
    commit(&old.client_config(), "tty", "orders", &[(0, 6)]);
    let status = running.wait().expect("wait for script(1)");
    reader.join().expect("reader");
    let text = String::from_utf8_lossy(&shown.lock().expect("output")).into_owned();
    assert_eq!(status.code(), Some(0), "{text:?}");
    assert!(text.matches(waiting).count() >= 2, "the line is not rewritten after each check: {text:?}");
    // The last rewrite is ended before the migration's lines (a terminal shows "\n" as "\r\n").
    assert!(text.contains("(2 unread records)\r\nWarn: the brokers on the old cluster"), "{text:?}");
    assert!(text.ends_with("Note: 1 group: 1 migrated, 0 refused, 0 failed\r\n"), "{text:?}");
    assert_eq!(committed(&new.client_config(), "tty", "orders", &[0]), [Some(6)]);
}
