//! migrate-groups after a real MirrorMaker 2 with its default replication policy (DefaultReplicationPolicy, as most
//! deployments keep it): the copy of `orders` is `old.orders`, reached with `--to-topic-prefix old.`. The old
//! cluster's topic stamps its records with LogAppendTime, and the new cluster stamps every record it stores with its
//! own LogAppendTime (`log.message.timestamp.type`), so the copies' timestamps are the time of copying: records are
//! matched by content and place. The expected offsets are computed here from both clusters' records.

use offset_tools_tests::groups::commit;
use offset_tools_tests::harness::{self, check, iso_utc, now_ms, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::mirror::{dump, DumpedRecord, MirrorMaker};
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::{migrate_groups, Output};

const OLD: &[Version] = &[Version::V2_8, Version::V3_9];
const RECORDS: i64 = 300;
const LAGGING: [i64; 2] = [120, 181];

struct Fixture {
    old: Kafka,
    new: Kafka,
    _mirror: MirrorMaker,
    /// After the last copy, as an operator notes it when the producers switch.
    switch_ms: i64,
}

fn setup(version: Version) -> Fixture {
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| Kafka::start(version));
        let new = Kafka::start_with(Options::new(Version::V4_4).setting("log.message.timestamp.type=LogAppendTime"));
        (old.join().expect("old cluster"), new)
    });
    old.create_topic("orders", 2, &["message.timestamp.type=LogAppendTime", "retention.ms=-1"]);
    let mut config = old.client_config();
    config.set("linger.ms", "20").set("compression.type", "lz4");
    for p in 0..2 {
        let records: Vec<TestRecord> = (0..RECORDS)
            .map(|i| TestRecord::new(Some(&format!("customer-{}", i % 11)), &format!("order-{p}-{i}"), None))
            .collect();
        produce_records(&config, "orders", p, &records);
    }
    let old_config = old.client_config();
    commit(&old_config, "lagging", "orders", &[(0, LAGGING[0]), (1, LAGGING[1])]);
    commit(&old_config, "drained", "orders", &[(0, RECORDS), (1, RECORDS)]);
    let policy = "replication.policy.class=org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
    let mirror = MirrorMaker::start(&old, &new, "orders", &[policy]);
    for p in 0..2 {
        mirror.wait_until_copied_as(&old, &new, "orders", "old.orders", p, offset_tools_tests::START_PATIENCE);
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    let switch_ms = now_ms();
    Fixture { old, new, _mirror: mirror, switch_ms }
}

/// Where a group that read `committed` records of an old partition starts on the copy: the first record of the
/// copy whose key and value are not those of a record it read (each record here is unique by its contents; the
/// timestamps differ, the new cluster stamped the copies).
fn expected(f: &Fixture, partition: i32, committed: i64) -> i64 {
    let old = dump(&f.old.client_config(), "orders", partition, "read_committed");
    let new = dump(&f.new.client_config(), "old.orders", partition, "read_committed");
    let read: Vec<&DumpedRecord> = old.iter().filter(|r| r.0 < committed).collect();
    new.iter()
        .find(|n| !read.iter().any(|r| r.1 == n.1 && r.2 == n.2))
        .map_or_else(|| new.last().map_or(0, |n| n.0 + 1), |n| n.0)
}

fn migrate(f: &Fixture, group: &str, strategy: &[&str]) -> (Vec<Option<i64>>, Output) {
    let (old, new) = (f.old.bootstrap(), f.new.bootstrap());
    let args = ["--from", &old, "--to", &new, "--group", group, "--to-topic-prefix", "old.", "--dry-run"];
    let out = migrate_groups(&[&args[..], strategy].concat());
    let offsets =
        out.stdout.lines().skip(1).map(|line| line.split_whitespace().nth(5).and_then(|o| o.parse().ok())).collect();
    (offsets, out)
}

const HEADER: &str =
    "GROUP                          TOPIC                          PARTITION  OLD-OFFSET   LAG        \
                      NEW-OFFSET   STATUS     HOW\n";

fn row(group: &str, p: i32, old: i64, new: &str, status: &str, how: &str) -> String {
    format!("{group:<30} {:<30} {p:<10} {old:<12} {:<10} {new:<12} {status:<10} {how}\n", "old.orders", RECORDS - old)
}

/// The LogAppendTime the old cluster gave a record.
fn old_time(f: &Fixture, partition: i32, offset: i64) -> String {
    let records = dump(&f.old.client_config(), "orders", partition, "read_committed");
    iso_utc(records.iter().find(|r| r.0 == offset).expect("the record").3)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("lagging_group_by_record_onto_the_prefixed_copy", OLD, |f| {
            let exact: Vec<i64> = (0..2).map(|p| expected(f, p, LAGGING[p as usize])).collect();
            check(exact == LAGGING, || format!("the copy is not whole: {exact:?}"))?;
            // The premise: the new cluster stamped the copies anew (a copy's timestamp is not its original's).
            let (old, new) = (
                dump(&f.old.client_config(), "orders", 0, "read_committed"),
                dump(&f.new.client_config(), "old.orders", 0, "read_committed"),
            );
            check(old[0].2 == new[0].2 && old[0].3 != new[0].3, || format!("{:?} / {:?}", old[0], new[0]))?;
            let (_, out) = migrate(f, "lagging", &["--by-record"]);
            let how = "exact: the next record to read (content search of offsets 0..300; timestamps not compared: \
                       LogAppendTime)";
            let rows: String = (0..2)
                .map(|p| row("lagging", p, LAGGING[p as usize], &exact[p as usize].to_string(), "planned", how))
                .collect();
            let note = "Note: 1 group: 1 can be migrated, 0 refused, 0 failed (dry run)\n";
            check(out.code == Some(0) && out.stdout == format!("{HEADER}{rows}") && out.stderr == note, || {
                format!("{out:?}")
            })
        }),
        ("drained_group_by_record_after_the_last_copy", OLD, |f| {
            let exact: Vec<i64> = (0..2).map(|p| expected(f, p, RECORDS)).collect();
            let (_, out) = migrate(f, "drained", &["--by-record"]);
            let how = "exact: after the last record read (content search of offsets 0..300; timestamps not compared: \
                       LogAppendTime)";
            let rows: String =
                (0..2).map(|p| row("drained", p, RECORDS, &exact[p as usize].to_string(), "planned", how)).collect();
            check(out.code == Some(0) && out.stdout == format!("{HEADER}{rows}"), || format!("{out:?}"))
        }),
        ("switch_time_on_a_log_append_time_copy", OLD, |f| {
            // The copies carry the time they were copied, before the switch: a drained group starts after them; a
            // lagging group's unread records would be stepped over by a time lookup, so it is refused.
            let time = iso_utc(f.switch_ms);
            let (_, out) = migrate(f, "drained", &["--to-switch-time", &time]);
            let how = "switch time (every record is older: log end)";
            let rows: String = (0..2)
                .map(|p| row("drained", p, RECORDS, &expected(f, p, RECORDS).to_string(), "planned", how))
                .collect();
            check(out.code == Some(0) && out.stdout == format!("{HEADER}{rows}"), || format!("{out:?}"))?;
            let (_, out) = migrate(f, "lagging", &["--to-switch-time", &time]);
            let rows: String = (0..2)
                .map(|p| {
                    let at = LAGGING[p as usize];
                    let why = format!(
                        "not consumed up to the switch time on the old cluster: the next record to read (offset {at}, \
                         {}) is older, and {} unread records would be skipped (--allow-lag skips them)",
                        old_time(f, p, at),
                        RECORDS - at
                    );
                    row("lagging", p, at, "-", "refused", &why)
                })
                .collect();
            check(out.code == Some(1) && out.stdout == format!("{HEADER}{rows}"), || format!("{out:?}"))
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
