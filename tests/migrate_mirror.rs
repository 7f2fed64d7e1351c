//! migrate-groups after MirrorMaker 2 copied an old Kafka cluster (2.8 or 3.9) to a new one (4.1), with the identity
//! replication policy, as the README's runbook does it: the old logs start at 200/300/100 (retention), the copy at
//! 0; then MirrorMaker lags across the producers' switch (paused), so the last records of the old cluster are copied
//! after records the switched producers wrote to the new one. The expected offsets are computed here from full
//! dumps of both clusters, never by a tool; MirrorMaker 2's own translation (its synced group offsets, read with
//! Kafka's `--describe`) is put beside ours.

use std::collections::BTreeMap;
use std::time::Duration;

use offset_tools_tests::admin::delete_records;
use offset_tools_tests::groups::commit;
use offset_tools_tests::harness::{self, check, now_ms, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::mirror::{dump, first_unread, MirrorMaker};
use offset_tools_tests::oracle::described_offsets;
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::{migrate_groups, Output};

const OLD: &[Version] = &[Version::V2_8, Version::V3_9];
const LOG_STARTS: [i64; 3] = [200, 300, 100];
const COMMITTED: [i64; 3] = [537, 612, 901];
/// Records per partition on the old cluster before the lag, and in the lagging tail.
const RECORDS: i64 = 1000;
const TAIL: i64 = 10;
const SWITCHED: i64 = 5;

/// The lagging group's plan: MirrorMaker 2, killed and started again across the switch, copied the log a second time,
/// so each record has two copies on the new cluster; the first is taken.
const README_TABLE: &str = "\
GROUP                          TOPIC                          PARTITION  OLD-OFFSET   LAG        NEW-OFFSET   STATUS     HOW
billing                        orders                         0          537          473        337          planned    the first of 2 records that could be the copy (identical contents and history, duplicates of a copy): nothing is skipped, the others are read again; the next record to read (found by timestamp)
billing                        orders                         1          612          398        312          planned    the first of 2 records that could be the copy (identical contents and history, duplicates of a copy): nothing is skipped, the others are read again; the next record to read (found by timestamp)
billing                        orders                         2          901          109        801          planned    the first of 2 records that could be the copy (identical contents and history, duplicates of a copy): nothing is skipped, the others are read again; the next record to read (found by timestamp)
";

struct Fixture {
    old: Kafka,
    new: Kafka,
    _mirror: MirrorMaker,
    /// The producers' switch: after the old cluster's last record, before the first record on the new one.
    switch_ms: i64,
    /// MirrorMaker 2's synced offsets of `billing`, read before the switch (Kafka's `--describe`).
    mirrored_billing: BTreeMap<(String, i32), Option<i64>>,
}

fn record(partition: i32, i: i64, ts: i64) -> TestRecord {
    TestRecord::new(Some(&format!("customer-{}", i % 13)), &format!("order-{partition}-{i}"), Some(ts))
}

fn setup(version: Version) -> Fixture {
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| Kafka::start(version));
        let new = Kafka::start(Version::V4_4);
        (old.join().expect("old cluster"), new)
    });
    old.create_topic("orders", 3, &["retention.ms=-1"]);
    let mut config = old.client_config();
    config.set("linger.ms", "20").set("compression.type", "snappy");
    let start = now_ms() - 3_600_000;
    for p in 0..3 {
        let records: Vec<TestRecord> = (0..RECORDS).map(|i| record(p, i, start + i * 100)).collect();
        produce_records(&config, "orders", p, &records);
    }
    // Retention deleted the first records.
    let before: Vec<(i32, i64)> = LOG_STARTS.iter().enumerate().map(|(p, offset)| (p as i32, *offset)).collect();
    delete_records(&old.client_config(), "orders", &before);
    let old_config = old.client_config();
    commit(&old_config, "billing", "orders", &(0..3).map(|p| (p, COMMITTED[p as usize])).collect::<Vec<_>>());

    let sync_groups = [
        "sync.group.offsets.enabled=true",
        "sync.group.offsets.interval.seconds=1",
        "emit.checkpoints.interval.seconds=1",
    ];
    let mut mirror = MirrorMaker::start(&old, &new, "orders", &sync_groups);
    for p in 0..3 {
        mirror.wait_until_copied(&old, &new, "orders", p, offset_tools_tests::START_PATIENCE);
    }
    // MirrorMaker 2's own translation of `billing`, synced to the new cluster every second.
    std::thread::sleep(Duration::from_secs(4));
    let mirrored_billing =
        described_offsets(&new.consumer_groups(&["--describe", "--group", "billing"]).stdout, "billing");

    // Replication lag across the switch: the old cluster's last records wait while the switched producers write.
    mirror.pause();
    for p in 0..3 {
        let tail: Vec<TestRecord> = (RECORDS..RECORDS + TAIL).map(|i| record(p, i, start + i * 100)).collect();
        produce_records(&config, "orders", p, &tail);
    }
    commit(&old_config, "drained", "orders", &[(0, RECORDS + TAIL), (1, RECORDS + TAIL), (2, RECORDS + TAIL)]);
    std::thread::sleep(Duration::from_millis(50));
    let switch_ms = now_ms();
    std::thread::sleep(Duration::from_millis(50));
    let mut new_config = new.client_config();
    new_config.set("linger.ms", "5");
    for p in 0..3 {
        let switched: Vec<TestRecord> = (0..SWITCHED)
            .map(|i| TestRecord::new(Some("switched"), &format!("switched-{p}-{i}"), Some(now_ms())))
            .collect();
        produce_records(&new_config, "orders", p, &switched);
    }
    mirror.resume();
    for p in 0..3 {
        mirror.wait_until_copied(&old, &new, "orders", p, offset_tools_tests::START_PATIENCE);
    }
    Fixture { old, new, _mirror: mirror, switch_ms, mirrored_billing }
}

/// The new offset each group must get, computed from both clusters' records: the copy of the record it reads next,
/// or the first record on the new cluster it has not read (a switched producer's, or the copy of its next one).
fn expected(f: &Fixture, committed: &[i64; 3]) -> Vec<i64> {
    (0..3)
        .map(|p| {
            let old = dump(&f.old.client_config(), "orders", p, "read_committed");
            let new = dump(&f.new.client_config(), "orders", p, "read_committed");
            first_unread(&old, &new, committed[p as usize])
        })
        .collect()
}

fn plan(f: &Fixture, group: &str, strategy: &[&str]) -> (Vec<Option<i64>>, Output) {
    let out = migrate_groups(
        &[&["--from", &f.old.bootstrap(), "--to", &f.new.bootstrap(), "--group", group, "--dry-run"], strategy]
            .concat(),
    );
    let offsets =
        out.stdout.lines().skip(1).map(|line| line.split_whitespace().nth(5).and_then(|o| o.parse().ok())).collect();
    (offsets, out)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("lagging_group_by_record_beside_mirror_makers_translation", OLD, |f| {
            let exact = expected(f, &COMMITTED);
            check(exact == [337, 312, 801], || format!("the copy is not where the runbook says: {exact:?}"))?;
            let (ours, out) = plan(f, "billing", &["--by-record"]);
            let mirrored: Vec<Option<i64>> =
                (0..3).map(|p| f.mirrored_billing.get(&("orders".to_string(), p)).copied().flatten()).collect();
            eprintln!("billing: exact {exact:?}, migrate-groups {ours:?}, MirrorMaker 2 {mirrored:?}");
            // The whole table, as the README shows it when MirrorMaker 2 copied the log a second time (it does when
            // it was stopped before it saved its position: how many copies the record has decides which table).
            let old = dump(&f.old.client_config(), "orders", 0, "read_committed");
            let next = old.iter().find(|r| r.0 == COMMITTED[0]).expect("the next record").clone();
            let new = dump(&f.new.client_config(), "orders", 0, "read_committed");
            let copies = new.iter().filter(|r| r.1 == next.1 && r.2 == next.2 && r.3 == next.3).count();
            let expected = match copies {
                2 => README_TABLE.to_string(),
                1 => README_TABLE.replace(
                    "the first of 2 records that could be the copy (identical contents and history, duplicates \
                              of a copy): nothing is skipped, the others are read again; the next",
                    "exact: the next",
                ),
                n => return Err(format!("{n} copies of the next record on the new cluster").into()),
            };
            check(out.stdout == expected, || {
                format!("{copies} copies; the table is not:\n{expected}\n{}", out.stdout)
            })?;
            let readme = std::fs::read_to_string(offset_tools_tests::workspace_root().join("README.md"))?;
            check(readme.contains(README_TABLE), || "README.md does not show this table".to_string())?;
            check(ours == exact.iter().map(|&o| Some(o)).collect::<Vec<_>>() && out.code == Some(0), || {
                format!("{out:?}")
            })?;
            // MirrorMaker 2's translation never skips, but it re-reads: it is at or before the exact offset.
            check(mirrored.iter().zip(&exact).all(|(m, e)| m.is_some_and(|m| m <= *e)), || {
                format!("MirrorMaker 2 synced {mirrored:?}")
            })
        }),
        ("drained_group_after_the_lagging_copy_starts_at_the_switched_records", OLD, |f| {
            let exact = expected(f, &[RECORDS + TAIL; 3]);
            let first_switched: Vec<i64> = (0..3).map(|p| RECORDS - LOG_STARTS[p as usize]).collect();
            check(exact == first_switched, || format!("expected {exact:?}"))?;
            let (ours, out) = plan(f, "drained", &["--by-record"]);
            check(ours == exact.iter().map(|&o| Some(o)).collect::<Vec<_>>() && out.code == Some(0), || {
                format!("{out:?}")
            })?;
            check(out.stdout.contains("the first record not read"), || format!("HOW:\n{}", out.stdout))
        }),
        ("drained_group_by_switch_time_agrees", OLD, |f| {
            let exact = expected(f, &[RECORDS + TAIL; 3]);
            let time = f.switch_ms.to_string();
            let switch_time = offset_tools_tests::harness::iso_utc(f.switch_ms);
            let (ours, out) = plan(f, "drained", &["--to-switch-time", &switch_time]);
            check(ours == exact.iter().map(|&o| Some(o)).collect::<Vec<_>>() && out.code == Some(0), || {
                format!("{out:?}")
            })?;
            // Kafka's GetOffsetShell at the switch time says the same.
            let theirs = f.new.get_offset_shell(&["--topic", "orders", "--time", &time]);
            let expected_lines: String = (0..3).map(|p| format!("orders:{p}:{}\n", exact[p])).collect();
            check(theirs.stdout == expected_lines, || format!("GetOffsetShell: {theirs:?}"))
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
