//! migrate-groups from real Apache Kafka 2.8 and 3.9 clusters (old) to a real 4.1 cluster (new), on the data shapes
//! of production clusters: compressed batches of about 1 MB, transactions (committed, aborted, a marker at the log
//! end), runs of identical records, LogAppendTime on the new cluster, a compacted old partition with wide gaps, and
//! groups with live members of the classic and the new (KIP-848) protocol. The new cluster holds a copy of the old
//! records where a scenario says so (produced by the test as MirrorMaker would copy them), then the records the
//! switched producers wrote. Every expected offset is computed here from the records produced, never by a tool.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use offset_tools_tests::admin::delete_records;
use offset_tools_tests::groups::{commit, committed, Member};
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::mirror::dump;
use offset_tools_tests::oracle::described_offsets;
use offset_tools_tests::produce::{incompressible, open_transaction, produce_records, produce_transaction, TestRecord};
use offset_tools_tests::run::{migrate_groups, spawn_tool, tool, Output};
use rdkafka::config::ClientConfig;
use rdkafka::producer::Producer;

const OLD: &[Version] = &[Version::V2_8, Version::V3_9];
const V3_9: &[Version] = &[Version::V3_9];
const KEEP: &str = "retention.ms=-1";
/// The producers' switch to the new cluster: 2025-06-15T15:06:40Z.
const SWITCH: i64 = 1_750_000_000_000;
const SWITCH_TIME: &str = "2025-06-15T15:06:40.000Z";

struct Fixture {
    old: Kafka,
    new: Kafka,
}

/// A producer that batches: records sent together share a batch, compressed with `codec`.
fn batching(kafka: &Kafka, codec: &str) -> ClientConfig {
    let mut config = kafka.client_config();
    config
        .set("linger.ms", "200")
        .set("batch.size", "1000000")
        .set("compression.type", codec)
        .set("enable.idempotence", "false");
    config
}

fn records(prefix: &str, count: usize, first_ts: i64, step: i64) -> Vec<TestRecord> {
    (0..count)
        .map(|i| {
            TestRecord::new(
                Some(&format!("{prefix}-k{}", i % 7)),
                &format!("{prefix}-{i}"),
                Some(first_ts + i as i64 * step),
            )
        })
        .collect()
}

/// Big batches: 150 records before the switch (copied to the new cluster) and 150 after it (written there by the
/// switched producers), each a batch of about 900 KB, on three partitions of one broker.
fn big(f: &Fixture) {
    f.old.create_topic("big", 3, &[KEEP]);
    f.new.create_topic("big", 3, &[KEEP]);
    for p in 0..3 {
        let value = |i: usize| incompressible(p as u64 * 10_000 + i as u64, 6000);
        let before: Vec<TestRecord> = (0..150)
            .map(|i| TestRecord {
                key: Some(format!("b{i}").into_bytes()),
                value: value(i),
                timestamp: Some(SWITCH - 150_000 + i as i64 * 1000),
            })
            .collect();
        let after: Vec<TestRecord> = (150..300)
            .map(|i| TestRecord {
                key: Some(format!("b{i}").into_bytes()),
                value: value(i),
                timestamp: Some(SWITCH + (i as i64 - 150) * 1000),
            })
            .collect();
        produce_records(&batching(&f.old, "zstd"), "big", p, &before);
        produce_records(&batching(&f.new, "zstd"), "big", p, &before);
        produce_records(&batching(&f.new, "zstd"), "big", p, &after);
    }
    commit(&f.old.client_config(), "big-drained", "big", &[(0, 150), (1, 150), (2, 150)]);
}

/// Transactions on the old cluster: `txn-end` is one committed transaction of 10 records (log end 11, the marker);
/// `txn` is 10 committed, 3 aborted, 2 committed (markers at 10, 14 and 17). The new cluster holds the committed
/// records (as a consumer reads them), then 5 records of the switched producers.
fn transactions(f: &Fixture) {
    let mut config = f.old.client_config();
    config.set("linger.ms", "5");
    f.old.create_topic("txn-end", 1, &[KEEP]);
    f.old.create_topic("txn", 1, &[KEEP]);
    let first = records("t", 10, SWITCH - 60_000, 1000);
    let aborted = records("aborted", 3, SWITCH - 40_000, 1000);
    let last = records("t-late", 2, SWITCH - 30_000, 1000);
    produce_transaction(&config, &format!("txn-end-{}", f.old.version.number()), "txn-end", 0, &first, true);
    let id = format!("txn-{}", f.old.version.number());
    produce_transaction(&config, &id, "txn", 0, &first, true);
    produce_transaction(&config, &id, "txn", 0, &aborted, false);
    produce_transaction(&config, &id, "txn", 0, &last, true);
    let after = records("switched", 5, SWITCH + 1000, 1000);
    let mut new_config = f.new.client_config();
    new_config.set("linger.ms", "5");
    for (topic, copy) in [("txn-end", first.clone()), ("txn", [first, last].concat())] {
        f.new.create_topic(topic, 1, &[KEEP]);
        produce_records(&new_config, topic, 0, &copy);
        produce_records(&new_config, topic, 0, &after);
    }
    let old = f.old.client_config();
    // Drained: committed at the marker that ends the log (Kafka's tools show a lag of 1).
    commit(&old, "txn-drained", "txn-end", &[(0, 10)]);
    // Before the aborted records: the next record a consumer reads is offset 15 (new cluster: 10).
    commit(&old, "txn-before-aborted", "txn", &[(0, 11)]);
}

/// A run of 40 identical records (same key, value and timestamp) at old offsets 100..140, with unique records
/// around it; the old log starts at 50 (deleted), the new cluster's copy at 0 (old offset o is new o - 50).
fn runs(f: &Fixture) {
    let mut log = records("u", 100, SWITCH - 500_000, 1000);
    log.extend((0..40).map(|_| TestRecord::new(Some("tick"), "tick", Some(SWITCH - 300_000))));
    log.extend(records("v", 60, SWITCH - 200_000, 1000));
    f.old.create_topic("runs", 1, &[KEEP]);
    f.new.create_topic("runs", 1, &[KEEP]);
    let mut config = f.old.client_config();
    config.set("linger.ms", "5");
    produce_records(&config, "runs", 0, &log);
    delete_records(&f.old.client_config(), "runs", &[(0, 50)]);
    let mut new_config = f.new.client_config();
    new_config.set("linger.ms", "5");
    produce_records(&new_config, "runs", 0, &log[50..]);
    let old = f.old.client_config();
    for (group, offset) in [
        ("runs-first", 100),
        ("runs-mid", 125),
        ("runs-last", 139),
        ("runs-after", 140),
        ("runs-drained", 200),
        ("undo-first", 125),
    ] {
        commit(&old, group, "runs", &[(0, offset)]);
    }
}

/// A copier that lagged at the switch (issue 23): 3,000 records per partition on the old cluster; on the new one the
/// copies of the first ones, then 100 records of the switched producers, then the late copies of the last 900,
/// 1,000 and 1,500 (below, at and above the default --search-window of 1,000 records), partitions 0, 1 and 2.
const LATE: [i64; 3] = [900, 1000, 1500];

fn late_copies(f: &Fixture) {
    f.old.create_topic("late", 3, &[KEEP]);
    f.new.create_topic("late", 3, &[KEEP]);
    for (p, late) in LATE.iter().enumerate() {
        let p = p as i32;
        let log = records(&format!("late{p}"), 3000, SWITCH - 3_000_000, 1000);
        produce_records(&batching(&f.old, "lz4"), "late", p, &log);
        let early = (3000 - late) as usize;
        produce_records(&batching(&f.new, "lz4"), "late", p, &log[..early]);
        produce_records(&batching(&f.new, "lz4"), "late", p, &records(&format!("switched{p}"), 100, SWITCH, 1000));
        produce_records(&batching(&f.new, "lz4"), "late", p, &log[early..]);
    }
    commit(&f.old.client_config(), "late-drained", "late", &[(0, 3000), (1, 3000), (2, 3000)]);
    commit(&f.old.client_config(), "late-lagging", "late", &[(0, 2950), (1, 2950), (2, 2950)]);
}

/// Around the producers' switch (issue 28): 20 records on the old cluster before it, copied to the new one, then 5
/// records of the switched producers on the new one (a second apart from the switch). `forgotten`: then a producer
/// nobody switched writes 3 more records to the old cluster only; `forgotten-copied`: the same 3, but the copier
/// still runs and copies them after the switched records.
fn around_the_switch(f: &Fixture) {
    let before = records("pre", 20, SWITCH - 100_000, 1000);
    let switched = records("switched", 5, SWITCH, 1000);
    let forgotten = records("forgotten", 3, SWITCH + 10_000, 1000);
    for topic in ["forgotten", "forgotten-copied", "late-switch"] {
        f.old.create_topic(topic, 1, &[KEEP]);
        f.new.create_topic(topic, 1, &[KEEP]);
        produce_records(&batching(&f.old, "gzip"), topic, 0, &before);
        produce_records(&batching(&f.new, "gzip"), topic, 0, &before);
        produce_records(&batching(&f.new, "gzip"), topic, 0, &switched);
    }
    for topic in ["forgotten", "forgotten-copied"] {
        produce_records(&batching(&f.old, "gzip"), topic, 0, &forgotten);
    }
    produce_records(&batching(&f.new, "gzip"), "forgotten-copied", 0, &forgotten);
    let old = f.old.client_config();
    commit(&old, "forgotten-read", "forgotten", &[(0, 20)]);
    commit(&old, "copied-read", "forgotten-copied", &[(0, 20)]);
    commit(&old, "copied-lagging", "forgotten-copied", &[(0, 15)]);
    commit(&old, "late-drained", "late-switch", &[(0, 20)]);
    commit(&old, "two-topics", "late-switch", &[(0, 20)]);
    commit(&old, "two-topics", "forgotten-copied", &[(0, 23)]);
    commit(&old, "partly", "late", &[(0, 3000)]);
}

/// The new cluster stamps records with its own clock (LogAppendTime): the copies' timestamps are not the old ones.
fn append_time(f: &Fixture) {
    let log = records("a", 30, SWITCH - 100_000, 1000);
    f.old.create_topic("appendtime", 1, &[KEEP]);
    f.new.create_topic("appendtime", 1, &[KEEP, "message.timestamp.type=LogAppendTime"]);
    let mut config = f.old.client_config();
    config.set("linger.ms", "5");
    produce_records(&config, "appendtime", 0, &log);
    let mut new_config = f.new.client_config();
    new_config.set("linger.ms", "5");
    produce_records(&new_config, "appendtime", 0, &log);
    commit(&f.old.client_config(), "append-mid", "appendtime", &[(0, 7)]);
}

/// A compacted old partition: 100 records of one key (all but the last compacted away), then 60 of distinct keys.
/// A group committed at 40 reads offset 99 next, 59 offsets further. The new cluster holds the surviving records.
fn compacted(f: &Fixture) {
    f.old.create_topic(
        "compacted",
        1,
        &[
            "cleanup.policy=compact",
            "segment.ms=100",
            "min.cleanable.dirty.ratio=0.001",
            "delete.retention.ms=0",
            "min.compaction.lag.ms=0",
        ],
    );
    let mut config = f.old.client_config();
    config.set("linger.ms", "5");
    let hot: Vec<TestRecord> =
        (0..100).map(|i| TestRecord::new(Some("hot"), &format!("hot-{i}"), Some(SWITCH - 200_000 + i))).collect();
    let cold: Vec<TestRecord> = (0..60)
        .map(|i| TestRecord::new(Some(&format!("cold-{i}")), &format!("cold-{i}"), Some(SWITCH - 100_000 + i)))
        .collect();
    produce_records(&config, "compacted", 0, &hot);
    produce_records(&config, "compacted", 0, &cold);
    // Roll the segment (segment.ms) so that the cleaner may compact it, and wait until it did.
    std::thread::sleep(Duration::from_millis(300));
    produce_records(&config, "compacted", 0, &[TestRecord::new(Some("roll"), "roll", Some(SWITCH - 50_000))]);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let records = dump(&f.old.client_config(), "compacted", 0, "read_uncommitted");
        if records.first().is_some_and(|r| r.0 == 99) {
            f.new.create_topic("compacted", 1, &[KEEP]);
            let copy: Vec<TestRecord> = records
                .iter()
                .map(|(_, key, value, ts)| TestRecord {
                    key: key.clone(),
                    value: value.clone().unwrap_or_default(),
                    timestamp: Some(*ts),
                })
                .collect();
            let mut new_config = f.new.client_config();
            new_config.set("linger.ms", "5");
            produce_records(&new_config, "compacted", 0, &copy);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not compact the topic in 90 s: {:?}",
            f.old.version,
            &records[..3.min(records.len())]
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    commit(&f.old.client_config(), "compacted-gap", "compacted", &[(0, 40)]);
}

/// The codecs Kafka's producers write.
const CODECS: [&str; 4] = ["gzip", "snappy", "lz4", "zstd"];

/// Each codec written by Kafka's own (Java) console producer of each cluster's release: 12 records on the old
/// cluster, and their copy on the new one (LogAppendTime there: the copies are produced again, at other times).
fn codecs(f: &Fixture) {
    for codec in CODECS {
        let topic = format!("codec-{codec}");
        let lines: Vec<String> = (0..12).map(|i| format!("k{}:{codec}-record-{i}", i % 3)).collect();
        f.old.create_topic(&topic, 1, &[KEEP]);
        f.new.create_topic(&topic, 1, &[KEEP, "message.timestamp.type=LogAppendTime"]);
        f.old.console_produce(&topic, codec, &lines);
        f.new.console_produce(&topic, codec, &lines);
        commit(&f.old.client_config(), &format!("codec-{codec}"), &topic, &[(0, 5)]);
    }
}

fn setup(version: Version) -> Fixture {
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| Kafka::start(version));
        let new = Kafka::start(Version::V4_4);
        (old.join().expect("old cluster"), new)
    });
    let f = Fixture { old, new };
    big(&f);
    late_copies(&f);
    around_the_switch(&f);
    transactions(&f);
    runs(&f);
    append_time(&f);
    compacted(&f);
    codecs(&f);
    for cluster in [&f.old, &f.new] {
        cluster.create_topic("members", 2, &[KEEP]);
        cluster.create_topic("shared", 2, &[KEEP]);
    }
    // `shared`: 23 records per partition, copied to the new cluster; the old cluster deleted its first 3 since.
    for p in 0..2 {
        let mut log = records(&format!("gone{p}"), 3, SWITCH - 900_000, 1000);
        log.extend(records(&format!("s{p}"), 20, SWITCH - 100_000, 1000));
        let mut config = f.old.client_config();
        config.set("linger.ms", "5");
        produce_records(&config, "shared", p, &log);
        let mut new_config = f.new.client_config();
        new_config.set("linger.ms", "5");
        produce_records(&new_config, "shared", p, &log);
    }
    delete_records(&f.old.client_config(), "shared", &[(0, 3), (1, 3)]);
    commit(&f.old.client_config(), "shared-z-busy", "shared", &[(0, 7), (1, 12)]);
    commit(&f.old.client_config(), "shared-a-idle", "shared", &[(0, 7), (1, 23)]);
    commit(&f.old.client_config(), "busy-new", "members", &[(0, 0), (1, 0)]);
    // A topic of the old cluster that nobody created on the new one.
    f.old.create_topic("only-old", 1, &[KEEP]);
    commit(&f.old.client_config(), "needs-only-old", "only-old", &[(0, 0)]);
    commit(&f.old.client_config(), "busy-old", "members", &[(0, 0), (1, 0)]);
    f
}

/// A plan row: new offset (None when refused), status, how.
type Row = (Option<i64>, String, String);

/// Runs a dry run and reads its table: (group, topic, partition) -> row.
fn plan(f: &Fixture, args: &[&str]) -> (BTreeMap<(String, String, i32), Row>, Output) {
    let out = migrate_groups(&[&["--from", &f.old.bootstrap(), "--to", &f.new.bootstrap()], args].concat());
    let rows = out
        .stdout
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let group = fields.next()?.to_string();
            let topic = fields.next()?.to_string();
            let partition = fields.next()?.parse().ok()?;
            let (_old, _lag) = (fields.next()?, fields.next()?);
            let new = fields.next()?.parse().ok();
            let status = fields.next()?.to_string();
            let how = fields.collect::<Vec<_>>().join(" ");
            Some(((group, topic, partition), (new, status, how)))
        })
        .collect();
    (rows, out)
}

/// The planned new offsets of one group must be these (partition -> offset), each row planned.
fn planned(
    f: &Fixture,
    group: &str,
    topic: &str,
    strategy: &[&str],
    expected: &[(i32, i64)],
) -> Result<Output, Failed> {
    let (rows, out) = plan(f, &[&["--group", group, "--topic", topic, "--dry-run"], strategy].concat());
    let got: Vec<(i32, Option<i64>, &str)> =
        rows.iter().map(|((_, _, p), (new, status, _))| (*p, *new, status.as_str())).collect();
    let want: Vec<(i32, Option<i64>, &str)> = expected.iter().map(|(p, o)| (*p, Some(*o), "planned")).collect();
    check(got == want && out.code == Some(0), || {
        format!("{group} {strategy:?} on {}: expected {want:?}\n{}{}", f.old.version, out.stdout, out.stderr)
    })?;
    Ok(out)
}

/// The group is refused on every partition (exit 1), the reason containing `why`.
fn refused(f: &Fixture, group: &str, topic: &str, strategy: &[&str], why: &str) -> Result<(), Failed> {
    let (rows, out) = plan(f, &[&["--group", group, "--topic", topic, "--dry-run"], strategy].concat());
    check(
        out.code == Some(1)
            && !rows.is_empty()
            && rows.values().all(|(new, status, how)| new.is_none() && status == "refused" && how.contains(why)),
        || format!("{group} {strategy:?}: expected a refusal ({why})\n{}{}", out.stdout, out.stderr),
    )
}

const BY_RECORD: &[&str] = &["--by-record"];
const EARLIEST: &[&str] = &["--to-earliest"];
const SWITCH_AT: &[&str] = &["--to-switch-time", SWITCH_TIME];

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("big_batches_switch_time", OLD, |f| {
            planned(f, "big-drained", "big", SWITCH_AT, &[(0, 150), (1, 150), (2, 150)]).map(drop)
        }),
        ("big_batches_by_record", OLD, |f| {
            planned(f, "big-drained", "big", BY_RECORD, &[(0, 150), (1, 150), (2, 150)]).map(drop)
        }),
        ("late_copies_never_hide_the_switched_records_below_them", OLD, |f| {
            // Whatever the length of the late batch of copies, the groups start at the switched producers' first
            // record (3000 - late), the drained one and the one 50 records behind alike.
            let expected: Vec<(i32, i64)> = LATE.iter().enumerate().map(|(p, late)| (p as i32, 3000 - late)).collect();
            for group in ["late-drained", "late-lagging"] {
                let out = planned(f, group, "late", BY_RECORD, &expected)?;
                check(out.stdout.lines().skip(1).all(|l| l.contains("the first record not read")), || {
                    format!("HOW does not say why:\n{}", out.stdout)
                })?;
            }
            Ok(())
        }),
        ("unread_records_newer_than_the_switch_are_found_on_the_new_cluster_or_refused", OLD, |f| {
            // Three records a forgotten producer wrote to the old cluster only, after the switch: never read if the
            // group moved; refused, or with --allow-lag skipped and said so.
            refused(
                f,
                "forgotten-read",
                "forgotten",
                SWITCH_AT,
                "3 of the 3 unread records on the old cluster newer \
                than the switch time are not on the new cluster at or after offset 20",
            )?;
            let out = planned(f, "forgotten-read", "forgotten", &[SWITCH_AT, &["--allow-lag"]].concat(), &[(0, 20)])?;
            check(
                out.stderr.contains(
                    "Warn: group 'forgotten-read', forgotten:0: skips 3 unread records newer than the \
                     switch time that are not on the new cluster (a producer not switched)\n",
                ),
                || format!("no warning naming them: {}", out.stderr),
            )?;
            // Copied after the switched records: the group reads them there.
            planned(f, "copied-read", "forgotten-copied", SWITCH_AT, &[(0, 20)])?;
            // A group 5 records behind: --allow-lag skips those 5 (older than the switch), not the 3 newer, copied.
            let out =
                planned(f, "copied-lagging", "forgotten-copied", &[SWITCH_AT, &["--allow-lag"]].concat(), &[(0, 20)])?;
            check(
                out.stderr.contains(
                    "Warn: group 'copied-lagging', forgotten-copied:0: skips 5 unread records on the \
                     old cluster older than the switch time\n",
                ),
                || format!("the warning does not count 5: {}", out.stderr),
            )
        }),
        ("a_switch_time_noted_late_is_refused_with_the_records_it_would_skip", OLD, |f| {
            // The switched producers' first records are at SWITCH, SWITCH + 1 s, + 2 s: a time noted 2.5 s late
            // plans offset 23, below which stand 3 records that are copies of nothing on the old cluster.
            let late = harness::iso_utc(SWITCH + 2500);
            refused(
                f,
                "late-drained",
                "late-switch",
                &["--to-switch-time", &late],
                "3 records below offset 23 on \
                the new cluster, after the copy of the last record the group read (offset 19), are copies of nothing",
            )?;
            planned(f, "late-drained", "late-switch", SWITCH_AT, &[(0, 20)]).map(drop)
        }),
        ("topics_and_partitions_left_out_are_named", OLD, |f| {
            let out = planned(f, "two-topics", "late-switch", SWITCH_AT, &[(0, 20)])?;
            check(
                out.stderr.contains(
                    "Note: group 'two-topics' has committed offsets on the old cluster for \
                     'forgotten-copied' too, which --topic leaves out: not migrated\n",
                ),
                || format!("the topic left out is not named: {}", out.stderr),
            )?;
            let out = planned(f, "partly", "late", BY_RECORD, &[(0, 2100)])?;
            check(
                out.stderr.contains(
                    "Warn: group 'partly' has no committed offset on the old cluster for late:1, \
                     late:2: on the new cluster its consumers will start there by their auto.offset.reset\n",
                ),
                || format!("the partitions never committed are not named: {}", out.stderr),
            )
        }),
        ("marker_at_the_log_end_is_drained", OLD, |f| {
            planned(f, "txn-drained", "txn-end", BY_RECORD, &[(0, 10)])?;
            planned(f, "txn-drained", "txn-end", SWITCH_AT, &[(0, 10)])?;
            // The new cluster's first 10 records are copies of what the group read: --to-earliest reads them again.
            let out = planned(f, "txn-drained", "txn-end", EARLIEST, &[(0, 0)])?;
            let warning = "Warn: group 'txn-drained', txn-end:0: 10 of the new cluster's first 15 records are copies \
                           of records the group read on the old cluster: --to-earliest reads them again (--by-record \
                           starts after them)\n";
            check(out.stderr.contains(warning), || format!("no warning of the rereads: {}", out.stderr))
        }),
        ("wait_drained_migrates_each_group_when_it_has_drained", OLD, |f| {
            // Both groups lag on `runs` (the next record is 125 of 200). wait-a's consumers finish while the tool
            // waits (its offset reaches the log end): it is migrated then (by record: 150 on the new cluster);
            // wait-b never drains: named at --wait-timeout, nothing committed for it.
            let old = f.old.client_config();
            commit(&old, "wait-a", "runs", &[(0, 125)]);
            commit(&old, "wait-b", "runs", &[(0, 125)]);
            let (old_b, new_b) = (f.old.bootstrap(), f.new.bootstrap());
            let running = spawn_tool(
                "migrate-groups",
                &[
                    "--from",
                    &old_b,
                    "--to",
                    &new_b,
                    "--group",
                    "wait-a",
                    "--group",
                    "wait-b",
                    "--topic",
                    "runs",
                    "--by-record",
                    "--execute",
                    "--wait-drained",
                    "--wait-interval",
                    "200",
                    "--wait-timeout",
                    "15000",
                ],
                &[],
            );
            std::thread::sleep(std::time::Duration::from_millis(1500));
            let early = committed(&f.new.client_config(), "wait-a", "runs", &[0]);
            commit(&old, "wait-a", "runs", &[(0, 200)]);
            let out = running.finish();
            check(early == [None], || format!("wait-a was migrated before it drained: {early:?}"))?;
            let now = committed(&f.new.client_config(), "wait-a", "runs", &[0]);
            check(now == [Some(150)], || format!("wait-a on the new cluster: {now:?}\n{out:?}"))?;
            let never = committed(&f.new.client_config(), "wait-b", "runs", &[0]);
            check(never == [None], || format!("wait-b was committed: {never:?}"))?;
            let expected = "Error: group 'wait-b' did not drain the old cluster within --wait-timeout: it 75 unread \
                            records\n";
            check(
                out.code == Some(1)
                    && out.stderr.contains(
                        "Note: waiting for 2 groups to drain the old cluster: 'wait-a' (75 unread \
                                            records), 'wait-b' (75 unread records)\n",
                    )
                    && out.stderr.contains(expected)
                    && out.stdout.contains("wait-a "),
                || format!("{out:?}"),
            )
        }),
        ("wait_drained_stops_cleanly_on_sigint", OLD, |f| {
            // wait-c has drained: migrated at the first check; wait-d never drains. SIGINT then ends the wait with
            // 130, naming the group still waiting; wait-c's migration stands, nothing is committed for wait-d.
            let old = f.old.client_config();
            commit(&old, "wait-c", "runs", &[(0, 200)]);
            commit(&old, "wait-d", "runs", &[(0, 125)]);
            let (old_b, new_b) = (f.old.bootstrap(), f.new.bootstrap());
            let args = ["--from", &old_b, "--to", &new_b, "--group", "wait-c", "--group", "wait-d", "--topic", "runs"];
            let more = ["--by-record", "--execute", "--wait-drained", "--wait-interval", "200"];
            let running = spawn_tool("migrate-groups", &[&args[..], &more[..]].concat(), &[]);
            let deadline = Instant::now() + Duration::from_secs(60);
            while committed(&f.new.client_config(), "wait-c", "runs", &[0]) != [Some(150)] {
                if Instant::now() > deadline {
                    running.signal("KILL");
                    return Err(format!("wait-c was never migrated: {:?}", running.finish()).into());
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            running.signal("INT");
            let out = running.finish();
            let never = committed(&f.new.client_config(), "wait-d", "runs", &[0]);
            check(never == [None], || format!("wait-d was committed: {never:?}"))?;
            let said = "Error: interrupted by SIGINT: still waiting for wait-d; the groups above were migrated\n";
            check(out.code == Some(130) && out.stderr.contains(said) && out.stdout.contains("wait-c "), || {
                format!("{out:?}")
            })
        }),
        ("an_open_transaction_after_the_committed_offset", OLD, |f| {
            for cluster in [&f.old, &f.new] {
                cluster.create_topic("open-txn", 1, &[KEEP]);
                let records: Vec<TestRecord> =
                    (0..10).map(|i| TestRecord::new(None, &format!("open-{i}"), Some(1_700_000_000_000 + i))).collect();
                produce_records(&cluster.client_config(), "open-txn", 0, &records);
            }
            commit(&f.old.client_config(), "open-a", "open-txn", &[(0, 10)]);
            let pending: Vec<TestRecord> =
                (10..15).map(|i| TestRecord::new(None, &format!("open-{i}"), Some(1_700_000_000_000 + i))).collect();
            let producer = open_transaction(&f.old.client_config(), "open-txn-producer", "open-txn", 0, &pending);
            let (old, new) = (f.old.bootstrap(), f.new.bootstrap());
            // Whatever the strategy: the records of an open transaction may yet commit, so the group is refused.
            let why = "a transaction is still open on the old cluster at offset 10: whether the group has read \
                       everything is known once it ends";
            let table = format!(
                "GROUP                          TOPIC                          PARTITION  OLD-OFFSET   LAG        \
                 NEW-OFFSET   STATUS     HOW\nopen-a                         open-txn                       0        \
                 \x20 10           5          -            refused    {why}\n"
            );
            let refused = format!(
                "Error: group 'open-a', open-txn:0: {why}\nNote: 1 group: 0 can be migrated, 1 refused, 0 failed (dry \
                 run)\n"
            );
            let switch = ["--to-switch-time", "2026-01-01T00:00:00.000Z"];
            for strategy in [&["--by-record"][..], &switch, &["--to-earliest"]] {
                let args = ["--from", &old, "--to", &new, "--group", "open-a", "--topic", "open-txn", "--dry-run"];
                let out = migrate_groups(&[&args[..], strategy].concat());
                check(out.code == Some(1) && out.stdout == table && out.stderr.ends_with(&refused), || {
                    format!("{strategy:?}: {out:?}")
                })?;
            }
            producer.abort_transaction(Duration::from_secs(30)).map_err(|e| format!("abort: {e}"))?;
            Ok(())
        }),
        ("positions_kept_outside_kafka_are_translated", OLD, |f| {
            // The same places as the runs-mid and runs-drained groups' (75 and 150 on the new cluster), given as an
            // application's own positions: Kafka's CSV, then get-offset's lines (the old log end: the catch-up check).
            let positions = |input: &str, strategy: &str| {
                let (old, new) = (f.old.bootstrap(), f.new.bootstrap());
                tool("migrate-groups", &["--from", &old, "--to", &new, strategy, "--positions", "-"], Some(input))
            };
            let out = positions("runs,0,125\n", "--by-record");
            check(out.stdout == "runs,0,75\n" && out.code == Some(0), || format!("{out:?}"))?;
            check(out.stderr.ends_with("Note: 1 positions: 1 translated, 0 not\n"), || format!("{out:?}"))?;
            let out = positions("runs:0:200\n", "--by-record");
            check(out.stdout == "runs,0,150\n" && out.code == Some(0), || format!("{out:?}"))?;
            // From the log start, 125 leaves unread records that exist only on the old cluster: named, exit 1.
            let out = positions("runs,0,125\n", "--to-earliest");
            check(
                out.stdout.is_empty()
                    && out.code == Some(1)
                    && out.stderr.contains("Error: runs:0 (position 125) cannot be translated: "),
                || format!("{out:?}"),
            )
        }),
        ("aborted_records_are_not_read", OLD, |f| {
            planned(f, "txn-before-aborted", "txn", BY_RECORD, &[(0, 10)]).map(drop)
        }),
        ("identical_runs_are_counted_from_their_start", OLD, |f| {
            for (group, expected) in
                [("runs-first", 50), ("runs-mid", 75), ("runs-last", 89), ("runs-after", 90), ("runs-drained", 150)]
            {
                planned(f, group, "runs", BY_RECORD, &[(0, expected)])?;
            }
            Ok(())
        }),
        ("log_append_time_on_the_new_cluster", OLD, |f| {
            let out = planned(f, "append-mid", "appendtime", BY_RECORD, &[(0, 7)])?;
            check(out.stdout.contains("LogAppendTime"), || {
                format!("HOW does not say the timestamps were not compared:\n{}", out.stdout)
            })
        }),
        ("compacted_gap_reads_forward", OLD, |f| {
            planned(f, "compacted-gap", "compacted", BY_RECORD, &[(0, 0)]).map(drop)
        }),
        ("compacted_unread_counts_records", OLD, |f| {
            // 61 records remain after offset 40 (99, then the 60 cold ones... and the roll record): not 121 offsets.
            refused(f, "compacted-gap", "compacted", EARLIEST, "62 unread records")
        }),
        ("consumer_protocol_member_on_the_new_cluster", V3_9, |f| {
            let member = Member::join_consumer_protocol(&f.new.client_config(), "busy-new", "members");
            let (rows, out) = plan(f, &["--group", "busy-new", "--to-earliest", "--dry-run"]);
            drop(member);
            check(out.code == Some(3) && rows.values().all(|(new, _, _)| new.is_none()), || format!("{out:?}"))?;
            check(out.stderr.contains("current state is Stable"), || format!("{out:?}"))
        }),
        ("classic_member_on_the_old_cluster", OLD, |f| {
            let member = Member::join(&f.old.client_config(), "busy-old", "members");
            let (_, out) = plan(f, &["--group", "busy-old", "--to-earliest", "--dry-run"]);
            drop(member);
            check(out.code == Some(3) && out.stderr.contains("current state is Stable"), || format!("{out:?}"))
        }),
        ("every_codec_of_kafkas_own_producer", OLD, |f| {
            for codec in CODECS {
                let (group, topic) = (format!("codec-{codec}"), format!("codec-{codec}"));
                planned(f, &group, &topic, BY_RECORD, &[(0, 5)])?;
            }
            Ok(())
        }),
        ("a_busy_group_does_not_change_another_groups_plan", OLD, |f| {
            let member = Member::join(&f.old.client_config(), "shared-z-busy", "shared");
            let (rows, out) =
                plan(f, &["--group", "shared-z-busy", "--group", "shared-a-idle", "--by-record", "--dry-run"]);
            drop(member);
            let idle: Vec<(i32, Option<i64>)> = rows
                .iter()
                .filter(|((g, _, _), _)| g == "shared-a-idle")
                .map(|((_, _, p), (new, _, _))| (*p, *new))
                .collect();
            // The new cluster's first 3 records are copies of records the old one deleted.
            check(idle == [(0, Some(7)), (1, Some(23))] && out.code == Some(3), || format!("{out:?}"))
        }),
        ("a_missing_topic_stops_every_group_unless_allow_partial", V3_9, |f| {
            let groups = ["--group", "needs-only-old", "--group", "runs-first", "--by-record", "--dry-run"];
            let (rows, out) = plan(f, &groups);
            let error =
                "Error: topic 'only-old' does not exist on the new cluster (needed by group 'needs-only-old')\n";
            check(rows.is_empty() && out.code == Some(1) && out.stderr.starts_with(error), || format!("{out:?}"))?;
            let (rows, out) = plan(f, &[&groups[..], &["--allow-partial"]].concat());
            let got: Vec<(&str, Option<i64>, &str)> =
                rows.iter().map(|((g, _, _), (new, status, _))| (g.as_str(), *new, status.as_str())).collect();
            check(
                got == [("needs-only-old", None, "refused"), ("runs-first", Some(50), "planned")]
                    && out.code == Some(1),
                || format!("{out:?}"),
            )?;
            // Or leave the group out by name.
            let (rows, out) = plan(
                f,
                &["--group", "needs-only-old", "--group", "runs-first", "--exclude-group", "needs-.*", "--by-record"],
            );
            check(rows.len() == 1 && out.code == Some(0), || format!("{out:?}"))
        }),
        ("the_backup_of_a_first_migration_undoes_it", V3_9, |f| {
            let dir = offset_tools_tests::scratch_dir("undo");
            let backup = dir.join("before.csv");
            let backup_arg = backup.to_str().expect("path");
            let out = migrate_groups(&[
                "--from",
                &f.old.bootstrap(),
                "--to",
                &f.new.bootstrap(),
                "--group",
                "undo-first",
                "--by-record",
                "--execute",
                "--backup",
                backup_arg,
            ]);
            check(out.code == Some(0), || format!("{out:?}"))?;
            // The group had no offsets on the new cluster: the backup says so with the offset -.
            let written = std::fs::read_to_string(&backup).expect("backup");
            check(written == "undo-first,runs,0,-\n\n", || format!("backup: {written:?}"))?;
            let undo = |mode: &str| {
                offset_tools_tests::run::reset_offsets(&[
                    "--bootstrap-server",
                    &f.new.bootstrap(),
                    "--group",
                    "undo-first",
                    "--from-file",
                    backup_arg,
                    mode,
                ])
            };
            let dry = undo("--dry-run");
            let note = "Note: group 'undo-first': its committed offset for runs:0 would be deleted (the offset - in \
                        --from-file: it had none)\n";
            check(dry.code == Some(0) && dry.stderr == note, || format!("{dry:?}"))?;
            let described = described_offsets(
                &f.new.consumer_groups(&["--describe", "--group", "undo-first"]).stdout,
                "undo-first",
            );
            check(described.get(&("runs".to_string(), 0)) == Some(&Some(75)), || {
                format!("before the undo: {described:?}")
            })?;
            let done = undo("--execute");
            check(done.code == Some(0), || format!("{done:?}"))?;
            // Kafka's tool no longer shows a committed offset for the group.
            let described = f.new.consumer_groups(&["--describe", "--group", "undo-first"]);
            let offsets = described_offsets(&described.stdout, "undo-first");
            check(described.code == Some(0) && offsets.values().all(Option::is_none), || {
                format!("after the undo: {described:?}")
            })?;
            // The same asked of the coordinator by another client (an empty --describe proves nothing alone).
            let left = committed(&f.new.client_config(), "undo-first", "runs", &[0]);
            check(left == [None], || format!("after the undo, librdkafka reads {left:?}"))
        }),
        ("execute_is_read_back_by_kafka", V3_9, |f| {
            let out = migrate_groups(&[
                "--from",
                &f.old.bootstrap(),
                "--to",
                &f.new.bootstrap(),
                "--group",
                "runs-mid",
                "--by-record",
                "--execute",
            ]);
            check(out.code == Some(0), || format!("{out:?}"))?;
            let described =
                described_offsets(&f.new.consumer_groups(&["--describe", "--group", "runs-mid"]).stdout, "runs-mid");
            check(described.get(&("runs".to_string(), 0)) == Some(&Some(75)), || format!("{described:?}"))
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
