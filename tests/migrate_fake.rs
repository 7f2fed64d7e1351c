//! migrate-groups between two protocol-level fake brokers (one per cluster), which keep records and answer Fetch and
//! ListOffsets by time from a simple model (first timestamp at or after the time; no size limits, transactions or
//! LogAppendTime): the tool's own logic on records found through their timestamp, several records sharing one, log
//! starts other than 0, renamed topics, the backup and the exported plan. What Kafka does is tested on real brokers:
//! tests/migrate_real.rs and tests/migrate_mirror.rs (MirrorMaker 2).

use std::collections::BTreeMap;

use offset_tools_tests::compare::{assert_output, migration_table, MigrationRow, NO_ACTION_WARNING};
use offset_tools_tests::fake_broker::{FakeBroker, Script};
use offset_tools_tests::run::{migrate_groups, reset_offsets};
use offset_tools_tests::scratch_dir;

const T0: i64 = 1_600_000_000_000;
const NOTHING_COMMITTED: &str = "Error: nothing was committed: fix the errors above and run again\n";
const BY_TIMESTAMP: &str = "exact: the next record to read (found by timestamp)";
const AFTER_BY_TIMESTAMP: &str = "exact: after the last record read (found by timestamp)";
const DRAINED_ABOVE_DELETED: &str =
    "exact: after the last record read (found by timestamp); 7 records below the first \
                                     copy taken for copies of records the old cluster no longer has";
const READING_ABOVE_DELETED: &str = "exact: the next record to read (found by timestamp); 7 records below the first \
                                     copy taken for copies of records the old cluster no longer has";

type Records = Vec<(i64, Option<String>, String)>;

fn add(broker: &FakeBroker, topic: &str, partition: i32, log_start: i64, records: &Records) {
    let borrowed: Vec<(i64, Option<&str>, &str)> =
        records.iter().map(|(ts, key, value)| (*ts, key.as_deref(), value.as_str())).collect();
    broker.add_records(topic, partition, log_start, &borrowed);
}

/// Ten records the switched producers wrote to the new cluster (nothing was copied there).
fn switched() -> Records {
    (0..10).map(|i| (T0 + 100_000 + i, None, format!("switched-{i}"))).collect()
}

fn committed(broker: &FakeBroker, group: &str) -> Vec<(String, i32, i64)> {
    broker.committed_of(group).into_iter().map(|((t, p), o)| (t, p, o)).collect()
}

fn cluster() -> FakeBroker {
    FakeBroker::start(Script::default())
}

fn table(rows: &[MigrationRow<'_>]) -> String {
    migration_table(rows)
}

#[test]
fn a_copy_of_logs_starting_past_zero_lands_on_the_exact_positions() {
    // The old log starts at 200/300/100 (retention), ends at 1000; a copy (the model of one) starts there, so the new
    // cluster's offsets start at 0. The group committed 537/612/901 on the old cluster.
    let (old, new) = (cluster(), cluster());
    for (p, start) in [(0, 200i64), (1, 300), (2, 100)] {
        let records: Records = (start..1000).map(|o| (T0 + o * 10, None, format!("orders-{p}-{o}"))).collect();
        add(&old, "orders", p, start, &records);
        add(&new, "orders", p, 0, &records);
    }
    for (p, offset) in [(0, 537), (1, 612), (2, 901)] {
        old.commit("billing", "orders", p, offset);
    }
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--group",
        "billing",
        "--by-record",
        "--execute",
    ]);
    let rows = [
        ("billing", "orders", 0, 537, 463, Some(337), "committed", BY_TIMESTAMP),
        ("billing", "orders", 1, 612, 388, Some(312), "committed", BY_TIMESTAMP),
        ("billing", "orders", 2, 901, 99, Some(801), "committed", BY_TIMESTAMP),
    ];
    assert_output(&out, &table(&rows), "Note: 1 group: 1 migrated, 0 refused, 0 failed\n", 0);
    assert_eq!(
        committed(&new, "billing"),
        [("orders".into(), 0, 337), ("orders".into(), 1, 312), ("orders".into(), 2, 801)]
    );
    assert_eq!(
        committed(&old, "billing"),
        [("orders".into(), 0, 537), ("orders".into(), 1, 612), ("orders".into(), 2, 901)],
        "the old cluster is never written to"
    );
}

#[test]
fn records_sharing_a_timestamp_are_told_apart_by_their_contents() {
    // Five records per timestamp; the new cluster holds copies of seven records the old one has deleted since, so
    // a copy's offset is the old one (where a copy of the old log from its log start would put it, seven lower, is
    // wrong).
    let (old, new) = (cluster(), cluster());
    let mut copy: Records = (0..7).map(|j| (T0 - 100_000 + j, None, format!("deleted-{j}"))).collect();
    let records: Records =
        (0..60).map(|i| (T0 + (i / 5) * 1000, Some(format!("k{}", i % 3)), format!("v{i}"))).collect();
    add(&old, "orders", 0, 7, &records);
    copy.extend(records.iter().cloned());
    add(&new, "orders", 0, 0, &copy);
    old.commit("reading", "orders", 0, 30);
    old.commit("drained", "orders", 0, 67);
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--group",
        "reading",
        "--group",
        "drained",
        "--by-record",
        "--dry-run",
    ]);
    let rows = [
        ("drained", "orders", 0, 67, 0, Some(67), "planned", DRAINED_ABOVE_DELETED),
        ("reading", "orders", 0, 30, 37, Some(30), "planned", READING_ABOVE_DELETED),
    ];
    assert_output(&out, &table(&rows), "Note: 2 groups: 2 can be migrated, 0 refused, 0 failed (dry run)\n", 0);
    assert!(committed(&new, "reading").is_empty() && committed(&new, "drained").is_empty(), "a dry run committed");
}

#[test]
fn a_record_not_copied_yet_is_refused_and_holds_its_group_back() {
    // The copy stops at offset 30 of 50; a group at 40 would have its record looked for in vain.
    let (old, new) = (cluster(), cluster());
    let records: Records = (0..50).map(|i| (T0 + i * 1000, None, format!("orders-0-{i}"))).collect();
    add(&old, "orders", 0, 0, &records);
    add(&old, "orders", 1, 0, &records);
    add(&new, "orders", 0, 0, &records[..30].to_vec());
    add(&new, "orders", 1, 0, &records);
    for (group, p0, p1) in [("behind", 40, 5), ("early", 10, 5)] {
        old.commit(group, "orders", 0, p0);
        old.commit(group, "orders", 1, p1);
    }
    new.commit("behind", "orders", 0, 3);
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--group",
        "early",
        "--group",
        "behind",
        "--by-record",
        "--execute",
    ]);
    let refusal = "the record is not on the new cluster (not copied yet, or different contents): searched offsets \
                   0..30 by content";
    let rows = [
        ("behind", "orders", 0, 40, 10, None, "refused", refusal),
        ("behind", "orders", 1, 5, 45, Some(5), "held", BY_TIMESTAMP),
        ("early", "orders", 0, 10, 40, Some(10), "committed", BY_TIMESTAMP),
        ("early", "orders", 1, 5, 45, Some(5), "committed", BY_TIMESTAMP),
    ];
    let stderr =
        format!("Error: group 'behind', orders:0: {refusal}\nNote: 2 groups: 1 migrated, 1 refused, 0 failed\n");
    assert_output(&out, &table(&rows), &stderr, 1);
    assert_eq!(committed(&new, "behind"), [("orders".into(), 0, 3)], "the refused group was committed");
    assert_eq!(committed(&new, "early"), [("orders".into(), 0, 10), ("orders".into(), 1, 5)]);
}

#[test]
fn switch_time_takes_the_brokers_answer_once_the_records_around_it_agree() {
    let (old, new) = (cluster(), cluster());
    // Old: records every second from T0; the producers switched at T0 + 20 s. New: a copy of the old records from
    // T0 + 10 s on, then what was produced after the switch.
    let old_records: Records = (0..20).map(|i| (T0 + i * 1000, None, format!("old-{i}"))).collect();
    let mut new_records: Records = old_records[10..].to_vec();
    new_records.extend((20..25).map(|i| (T0 + i * 1000, None, format!("new-{i}"))));
    add(&old, "orders", 0, 0, &old_records);
    add(&new, "orders", 0, 0, &new_records);
    old.commit("drained", "orders", 0, 20);
    old.commit("behind", "orders", 0, 12);
    let switch = "2020-09-13T12:27:00Z"; // T0 + 20 s
    let args = |extra: &'static [&'static str]| {
        let mut args = vec!["--from", &old.address, "--to", &new.address, "--to-switch-time", switch];
        args.extend(["--group", "drained", "--group", "behind"]);
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |extra| {
        let args = args(extra);
        migrate_groups(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let note =
        format!("Note: --to-switch-time {switch} is 2020-09-13T12:27:00.000Z ({} ms since the epoch)\n", T0 + 20_000);
    let how = "switch time (broker's answer, checked by reading)";
    let refusal = "not consumed up to the switch time on the old cluster: the next record to read (offset 12, \
                   2020-09-13T12:26:52.000Z) is older, and 8 unread records would be skipped (--allow-lag skips \
                   them)";
    let rows = [
        ("behind", "orders", 0, 12, 8, None, "refused", refusal),
        ("drained", "orders", 0, 20, 0, Some(10), "planned", how),
    ];
    let stderr = format!(
        "{NO_ACTION_WARNING}{note}Error: group 'behind', orders:0: {refusal}\n\
         Note: 2 groups: 1 can be migrated, 1 refused, 0 failed (dry run)\n"
    );
    assert_output(&run(&[]), &table(&rows), &stderr, 1);

    let rows = [
        ("behind", "orders", 0, 12, 8, Some(10), "committed", how),
        ("drained", "orders", 0, 20, 0, Some(10), "committed", how),
    ];
    let stderr = format!(
        "{note}Warn: group 'behind', orders:0: skips 8 unread records on the old cluster older than the switch \
         time\nNote: 2 groups: 2 migrated, 0 refused, 0 failed\n"
    );
    assert_output(&run(&["--allow-lag", "--execute"]), &table(&rows), &stderr, 0);
    assert_eq!(committed(&new, "behind"), [("orders".into(), 0, 10)]);
}

#[test]
fn renamed_topics_the_backup_and_the_exported_plan() {
    let (old, new) = (cluster(), cluster());
    let records: Records = (0..10).map(|i| (T0 + i, None, format!("r{i}"))).collect();
    for p in 0..2 {
        add(&old, "orders", p, 0, &records);
        add(&new, "source.orders", p, 0, &records);
    }
    old.commit("billing", "orders", 0, 4);
    old.commit("billing", "orders", 1, 10);
    new.commit("billing", "source.orders", 0, 9);
    let dir = scratch_dir("migrate-backup");
    let backup = dir.join("before.csv");
    let common = ["--from", &old.address, "--to", &new.address, "--group", "billing", "--by-record"];
    let mut args = common.to_vec();
    args.extend(["--to-topic-prefix", "source.", "--export"]);
    let exported = migrate_groups(&args);
    assert_output(
        &exported,
        "billing,source.orders,0,4\nbilling,source.orders,1,10\n\n",
        &format!("{NO_ACTION_WARNING}Note: 1 group: 1 can be migrated, 0 refused, 0 failed (dry run)\n"),
        0,
    );
    // The plan applied with reset-offsets, after a backup taken by migrate-groups' own execute.
    let mut args = common.to_vec();
    args.extend([
        "--to-topic-prefix",
        "source.",
        "--execute",
        "--backup",
        backup.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let out = migrate_groups(&args);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON rows");
    assert_eq!(
        json,
        serde_json::json!([
            {"group": "billing", "topic": "source.orders", "partition": 0, "old_topic": "orders", "old_offset": 4,
             "lag": 6, "new_offset": 4, "status": "committed", "how": BY_TIMESTAMP},
            {"group": "billing", "topic": "source.orders", "partition": 1, "old_topic": "orders", "old_offset": 10,
             "lag": 0, "new_offset": 10, "status": "committed", "how": AFTER_BY_TIMESTAMP},
        ]),
        "{out:?}"
    );
    assert_eq!(out.stderr, "Note: 1 group: 1 migrated, 0 refused, 0 failed\n");
    // Partition 1 had no offset before: the offset -, which the undo deletes.
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), "billing,source.orders,0,9\nbilling,source.orders,1,-\n\n");
    assert_eq!(committed(&new, "billing"), [("source.orders".into(), 0, 4), ("source.orders".into(), 1, 10)]);
    // The backup undoes it: partition 0 back to 9, partition 1's offset deleted.
    let undo = reset_offsets(&[
        "--bootstrap-server",
        &new.address,
        "--all-groups",
        "--from-file",
        backup.to_str().unwrap(),
        "--execute",
    ]);
    assert_eq!(undo.code, Some(0), "{undo:?}");
    assert_eq!(committed(&new, "billing"), [("source.orders".into(), 0, 9)]);
    // And the export, given to reset-offsets, commits the same plan.
    let file = dir.join("plan.csv");
    std::fs::write(&file, &exported.stdout).unwrap();
    let apply = reset_offsets(&[
        "--bootstrap-server",
        &new.address,
        "--all-groups",
        "--from-file",
        file.to_str().unwrap(),
        "--execute",
    ]);
    assert_eq!(apply.code, Some(0), "{apply:?}");
    assert_eq!(committed(&new, "billing"), [("source.orders".into(), 0, 4), ("source.orders".into(), 1, 10)]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_group_with_members_on_the_new_cluster_is_not_migrated() {
    let (old, new) = (cluster(), cluster());
    let records: Records = (0..10).map(|i| (T0 + i, None, format!("r{i}"))).collect();
    add(&old, "orders", 0, 0, &records);
    add(&new, "orders", 0, 0, &switched());
    old.commit("busy", "orders", 0, 10);
    old.commit("idle", "orders", 0, 10);
    new.state().active_groups.push("busy".into());
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--group",
        "busy",
        "--group",
        "idle",
        "--to-earliest",
        "--execute",
    ]);
    let rows = [
        ("busy", "orders", 0, 10, 0, None, "refused", "the group has members on the new cluster"),
        ("idle", "orders", 0, 10, 0, Some(0), "committed", "earliest"),
    ];
    let stderr = "Error: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable on the new cluster: stop its consumers first; \
                  nothing is committed for it\nNote: 2 groups: 1 migrated, 1 refused, 0 failed\n";
    assert_output(&out, &table(&rows), stderr, 3);
    assert!(committed(&new, "busy").is_empty());
    assert_eq!(committed(&new, "idle"), [("orders".into(), 0, 0)]);
}

#[test]
fn a_missing_topic_or_fewer_partitions_on_the_new_cluster_stops_everything() {
    let (old, new) = (cluster(), cluster());
    let records: Records = (0..4).map(|i| (T0 + i, None, format!("r{i}"))).collect();
    for p in 0..3 {
        add(&old, "orders", p, 0, &records);
        add(&old, "payments", p, 0, &records);
    }
    for p in 0..2 {
        add(&new, "orders", p, 0, &records);
    }
    old.commit("a", "orders", 0, 2);
    old.commit("b", "orders", 1, 2);
    old.commit("b", "payments", 2, 1);
    old.commit("c", "orders", 0, 4);
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--all-groups",
        "--to-earliest",
        "--allow-lag",
        "--execute",
    ]);
    let never = |group: &str, partitions: &str| {
        format!(
            "Warn: group '{group}' has no committed offset on the old cluster for {partitions}: on the new cluster its \
             consumers will start there by their auto.offset.reset\n"
        )
    };
    let stderr = format!(
        "{}{}{}Error: topic 'orders' has 2 partitions on the new cluster, fewer than the 3 of 'orders' on the old cluster \
         (needed by groups 'a', 'b', 'c')\nError: topic 'payments' does not exist on the new cluster (needed by group \
         'b')\n{NOTHING_COMMITTED}",
        never("a", "orders:1, orders:2"),
        never("b", "orders:0, orders:2, payments:0, payments:1"),
        never("c", "orders:1, orders:2"),
    );
    assert_output(&out, "", &stderr, 1);
    let all: BTreeMap<_, _> = new.state().committed.clone();
    assert!(all.is_empty(), "committed {all:?}");
}

#[test]
fn with_a_backup_a_group_whose_offsets_on_the_new_cluster_cannot_be_read_is_not_committed() {
    // The new cluster refuses to read billing's committed offsets: a backup would say "had none" for them, and
    // restoring it would delete them. billing is held back; invoicing, readable, is migrated.
    let old = cluster();
    let new = FakeBroker::start(Script { refuse_fetch_for: vec!["billing".into()], ..Script::default() });
    let records: Records = (0..10).map(|i| (T0 + i, None, format!("r{i}"))).collect();
    add(&old, "orders", 0, 0, &records);
    add(&new, "orders", 0, 0, &switched());
    old.commit("billing", "orders", 0, 10);
    old.commit("invoicing", "orders", 0, 10);
    new.commit("billing", "orders", 0, 7);
    let dir = scratch_dir("migrate-unreadable-backup");
    let backup = dir.join("before.csv");
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--group",
        "billing",
        "--group",
        "invoicing",
        "--to-earliest",
        "--execute",
        "--backup",
        backup.to_str().unwrap(),
    ]);
    let rows = [
        ("billing", "orders", 0, 10, 0, Some(0), "failed", "earliest"),
        ("invoicing", "orders", 0, 10, 0, Some(0), "committed", "earliest"),
    ];
    assert_output(
        &out,
        &table(&rows),
        "Error: group 'billing': its committed offsets on the new cluster could not be read for --backup (cannot read \
         its committed offsets: GROUP_AUTHORIZATION_FAILED): not committed, so that the backup undoes every change\n\
         Note: 2 groups: 1 migrated, 0 refused, 1 failed\n",
        1,
    );
    assert_eq!(committed(&new, "billing"), [("orders".into(), 0, 7)], "billing was committed");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), "invoicing,orders,0,-\n\n");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_broker_that_answers_reads_with_nothing_is_asked_again_after_pauses() {
    // Every Fetch answer is empty, without error, although the log goes on: the reads fail at --timeout, having
    // asked a few times with pauses between, not thousands of times back to back.
    let old = FakeBroker::start(Script { empty_fetch: true, ..Script::default() });
    let new = cluster();
    let records: Records = (0..10).map(|i| (T0 + i, None, format!("r{i}"))).collect();
    add(&old, "orders", 0, 0, &records);
    add(&new, "orders", 0, 0, &records);
    old.commit("billing", "orders", 0, 4);
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--group",
        "billing",
        "--by-record",
        "--timeout",
        "3000",
    ]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let fetches = old.received(kafka_protocol::messages::ApiKey::Fetch).len();
    assert!(fetches < 40, "{fetches} Fetch requests in 3 s: {out:?}");
}

#[test]
fn exclude_group_takes_a_regex_with_commas() {
    // `.{2,3}` is a regex, not two patterns split at the comma (as Kafka's --topic lists are).
    let (old, new) = (cluster(), cluster());
    let records: Records = (0..10).map(|i| (T0 + i, None, format!("r{i}"))).collect();
    add(&old, "orders", 0, 0, &records);
    add(&new, "orders", 0, 0, &switched());
    for group in ["team-a-billing", "team-b-x", "team-b-yyyy"] {
        old.commit(group, "orders", 0, 10);
    }
    let out = migrate_groups(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--all-groups",
        "--exclude-group",
        "team-b-.{1,3}",
        "--to-earliest",
        "--dry-run",
    ]);
    let rows = [
        ("team-a-billing", "orders", 0, 10, 0, Some(0), "planned", "earliest"),
        ("team-b-yyyy", "orders", 0, 10, 0, Some(0), "planned", "earliest"),
    ];
    assert_output(&out, &table(&rows), "Note: 2 groups: 2 can be migrated, 0 refused, 0 failed (dry run)\n", 0);
}
