//! docs/migration-guide.md followed end to end, as an operator would, from a real Kafka 3.9 cluster to a 4.4 one:
//! every `sh` block in order through the Kafka-named shims, MirrorMaker 2 run with the guide's own `properties`
//! block, stopped across the producers' switch as replication lag does (killed, it copies again what it had not
//! saved as copied: duplicates, as at-least-once delivery makes them), and the data shapes of a production
//! cluster (uncompressed and zstd partitions with retention set, lz4, a compacted snappy topic after its cleaner
//! ran, gzip and zstd with its first records deleted). Only the settings blocks (and MirrorMaker's addresses and
//! topic list) are the test's. Every group's expected offsets are computed here from both clusters' records; the
//! commits are read back with librdkafka and with Kafka 4.4's own `kafka-consumer-groups.sh --describe`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use offset_tools_tests::admin::{delete_records, set_topic_configs};
use offset_tools_tests::groups::{commit, committed};
use offset_tools_tests::guide::{self, Block};
use offset_tools_tests::harness::now_ms;
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::mirror::{dump, first_unread, DumpedRecord, MirrorMaker};
use offset_tools_tests::oracle::described_offsets;
use offset_tools_tests::produce::{produce_records, produce_transaction, TestRecord};
use offset_tools_tests::run::migrate_groups;
use offset_tools_tests::scratch_dir;

/// The topics and their partitions.
const TOPICS: [(&str, i32); 4] = [("orders", 6), ("payments", 3), ("customers", 4), ("ledger", 1)];
/// Records per partition before the switch, and in the tail MirrorMaker copies only after it.
const RECORDS: i64 = 400;
const TAIL: i64 = 10;
/// Records the switched producers write to each partition of a topic (none to `ledger`, none to `payments:2`).
fn switched(topic: &str, partition: i32) -> i64 {
    match (topic, partition) {
        ("ledger", _) | ("payments", 2) => 0,
        ("customers", _) => 3,
        _ => 5,
    }
}
/// Where `search` stopped reading `orders` on the old cluster: before the tail; inside the tail and at its end
/// (their last records read are copied after the switched producers' records).
const SEARCH: [i64; 6] = [123, 250, 377, 14, RECORDS + 5, RECORDS + TAIL];
/// The groups that drained the old cluster, and their topics.
const DRAINED: [(&str, &[&str]); 3] = [
    ("shipping", &["orders", "customers", "ledger"]),
    ("invoicing", &["orders", "payments"]),
    ("audit", &["payments"]),
];

fn partitions(topic: &str) -> Vec<i32> {
    (0..TOPICS.iter().find(|(t, _)| *t == topic).expect("a fixture topic").1).collect()
}

fn codec(topic: &str, partition: i32, i: i64) -> &'static str {
    match topic {
        "orders" if partition < 3 => "none",
        "orders" => "zstd",
        "payments" => "lz4",
        "customers" => "snappy",
        _ if i < RECORDS / 2 => "gzip",
        _ => "zstd",
    }
}

/// The old cluster's records: keys repeat (compaction keeps the last of each), values never do.
fn record(topic: &str, partition: i32, i: i64, t0: i64) -> TestRecord {
    let keys = if topic == "customers" { 25 } else { 17 };
    TestRecord::new(Some(&format!("customer-{}", i % keys)), &format!("{topic}-{partition}-{i}"), Some(t0 + i * 50))
}

/// Produces records `range` of every partition of `topic`, each run of one codec in its own producer.
fn produce_old(old: &Kafka, topic: &str, range: std::ops::Range<i64>, t0: i64) {
    for p in partitions(topic) {
        let mut start = range.start;
        while start < range.end {
            let compression = codec(topic, p, start);
            let end = (start..range.end).find(|&i| codec(topic, p, i) != compression).unwrap_or(range.end);
            let mut config = old.client_config();
            config.set("linger.ms", "20").set("compression.type", compression);
            let records: Vec<TestRecord> = (start..end).map(|i| record(topic, p, i, t0)).collect();
            produce_records(&config, topic, p, &records);
            start = end;
        }
    }
}

/// `customers` compacted on the old cluster: the cleaner ran on every partition (fewer records than offsets), then
/// the aggressive settings are put back, so that nothing is compacted while the test runs (on either cluster:
/// MirrorMaker copies the settings).
fn compact_customers(old: &Kafka, t0: i64) {
    let config = old.client_config();
    std::thread::sleep(Duration::from_millis(300));
    for p in partitions("customers") {
        // A record stamped segment.ms after the segment's first batch rolls it (the roll goes by record time), and
        // the cleaner may then compact it.
        let roll = TestRecord::new(Some(&format!("roll-{p}")), &format!("roll-{p}"), Some(t0 + 60_000));
        produce_records(&config, "customers", p, &[roll]);
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    for p in partitions("customers") {
        while dump(&config, "customers", p, "read_uncommitted").len() as i64 > RECORDS / 2 {
            assert!(Instant::now() < deadline, "Kafka 3.9 did not compact customers:{p} in 90 s");
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    set_topic_configs(&config, "customers", &["cleanup.policy=compact"]);
}

/// Every partition of every topic, as `(topic, partition)`.
fn all_partitions() -> Vec<(&'static str, i32)> {
    TOPICS.iter().flat_map(|(t, n)| (0..*n).map(move |p| (*t, p))).collect()
}

/// The guide's MirrorMaker 2 settings, but for the addresses and topics (the test's).
fn mirror_settings(blocks: &[Block]) -> Vec<String> {
    let block = blocks.iter().find(|b| b.language == "properties").expect("the guide's mm2.properties block");
    let settings: Vec<String> = block
        .text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| {
            let key = line.split('=').next().unwrap_or_default().trim();
            !matches!(key, "old.bootstrap.servers" | "new.bootstrap.servers" | "old->new.topics")
        })
        .map(|line| line.to_string())
        .collect();
    assert!(
        settings.iter().any(|s| s.contains("IdentityReplicationPolicy")),
        "the guide's MirrorMaker 2 keeps topic names: {settings:?}"
    );
    settings
}

fn wait_for_copy(mirror: &MirrorMaker, old: &Kafka, new: &Kafka) {
    for (topic, p) in all_partitions() {
        mirror.wait_until_copied(old, new, topic, p, offset_tools_tests::START_PATIENCE);
    }
}

type Offsets = BTreeMap<(String, i32), i64>;
/// Every record of every partition of a cluster.
type Logs = BTreeMap<(String, i32), Vec<DumpedRecord>>;

fn dump_all(kafka: &Kafka) -> Logs {
    let config = kafka.client_config();
    all_partitions().into_iter().map(|(t, p)| ((t.to_string(), p), dump(&config, t, p, "read_committed"))).collect()
}

/// One partition's records.
fn records<'a>(logs: &'a Logs, topic: &str, partition: i32) -> &'a [DumpedRecord] {
    &logs[&(topic.to_string(), partition)]
}

/// The log end of each partition of these topics, from its records (no markers in these topics).
fn log_ends(logs: &Logs, topics: &[&str]) -> Offsets {
    logs.iter()
        .filter(|((topic, _), _)| topics.contains(&topic.as_str()))
        .map(|(tp, records)| (tp.clone(), records.last().map_or(0, |r| r.0 + 1)))
        .collect()
}

#[test]
fn the_migration_guide_from_kafka_3_9_to_4_4_with_mirror_maker_2() {
    let blocks = guide::blocks();
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| Kafka::start(Version::V3_9));
        let new = Kafka::start(Version::V4_4);
        (old.join().expect("old cluster"), new)
    });
    let t0 = now_ms() - 3_600_000;
    old.create_topic("orders", 6, &["retention.ms=604800000"]);
    old.create_topic("payments", 3, &[]);
    old.create_topic(
        "customers",
        4,
        &[
            "cleanup.policy=compact",
            "segment.ms=100",
            "min.cleanable.dirty.ratio=0.001",
            "delete.retention.ms=0",
            "min.compaction.lag.ms=0",
        ],
    );
    old.create_topic("ledger", 1, &[]);
    for (topic, _) in TOPICS {
        produce_old(&old, topic, 0..RECORDS, t0);
    }
    compact_customers(&old, t0);
    delete_records(&old.client_config(), "ledger", &[(0, 150)]);
    let old_config = old.client_config();

    // Steps 0 and 1 (the sections before the copy): copy-topics creates `orders` on the new cluster.
    let (before_copy, after_switch): (Vec<Block>, Vec<Block>) =
        blocks.iter().cloned().partition(|b| b.section.starts_with("0.") || b.section.starts_with("1."));
    let dir = scratch_dir("guide-real");
    let settings = guide::Settings {
        old: &old.bootstrap(),
        new: &new.bootstrap(),
        topic: "orders",
        group: "billing",
        switch_ms: 0,
    };
    let (script, out) = guide::run(&before_copy, &settings, "", &dir);
    assert_eq!(out.code, Some(0), "steps 0-1 failed:\n{script}\n{out:?}");

    // A transactional topic: committed, aborted, committed (5 records each). The guide's MirrorMaker block must
    // leave the aborted ones on the old cluster.
    old.create_topic("txns", 1, &[]);
    new.create_topic("txns", 1, &[]);
    for (n, commit_it) in [(0, true), (1, false), (2, true)] {
        let records: Vec<TestRecord> =
            (0..5).map(|i| TestRecord::new(Some("k"), &format!("txn-{n}-{i}"), Some(t0 + n * 10 + i))).collect();
        produce_transaction(&old_config, "guide-txn", "txns", 0, &records, commit_it);
    }

    // Step 2: MirrorMaker 2 with the guide's settings, caught up before the switch; the guide's catch-up check says so.
    let guide_mirror = mirror_settings(&blocks);
    let guide_mirror: Vec<&str> = guide_mirror.iter().map(String::as_str).collect();
    let mut mirror = MirrorMaker::start(&old, &new, "orders|payments|customers|ledger|txns", &guide_mirror);
    wait_for_copy(&mirror, &old, &new);
    mirror.wait_until_copied(&old, &new, "txns", 0, offset_tools_tests::START_PATIENCE);
    let copied_txns: Vec<String> = dump(&new.client_config(), "txns", 0, "read_uncommitted")
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r.2.unwrap_or_default()).into_owned())
        .collect();
    assert!(
        !copied_txns.is_empty() && copied_txns.iter().all(|v| !v.starts_with("txn-1-")),
        "the guide's MirrorMaker block copied aborted records: {copied_txns:?}"
    );
    let catch_up: Vec<Block> =
        blocks.iter().filter(|b| b.section.starts_with("2.") && b.language == "sh").cloned().collect();
    assert_eq!(catch_up.len(), 1, "step 2 has its catch-up check");
    let (script, out) = guide::run(&catch_up, &settings, "", &dir);
    assert_eq!(out.code, Some(0), "the catch-up check failed once MirrorMaker caught up:\n{script}\n{out:?}");
    let copied = std::fs::read_to_string(dir.join("copied.csv")).unwrap();
    assert_eq!(copied.lines().count(), 6, "one row per partition of orders: {copied}");

    // Step 3: the producers switch while MirrorMaker lags: the old cluster's tail is copied after the switched
    // producers' records. The drained groups read the old cluster to its end. The catch-up check sees the lag.
    mirror.pause();
    for (topic, _) in TOPICS {
        produce_old(&old, topic, RECORDS..RECORDS + TAIL, t0);
    }
    let (script, out) = guide::run(&catch_up, &settings, "", &dir);
    assert!(
        out.code == Some(1) && out.stderr.matches("cannot be translated").count() == 6,
        "the catch-up check did not see MirrorMaker's lag:\n{script}\n{out:?}"
    );
    let old_logs = dump_all(&old);
    for (group, topics) in DRAINED {
        for topic in topics {
            let ends: Vec<(i32, i64)> =
                log_ends(&old_logs, &[topic]).into_iter().map(|((_, p), end)| (p, end)).collect();
            commit(&old_config, group, topic, &ends);
        }
    }
    // The group steps 3 to 7 move by hand drained the old cluster's orders too (step 3 describes it there).
    let orders_ends: Vec<(i32, i64)> =
        log_ends(&old_logs, &["orders"]).into_iter().map(|((_, p), end)| (p, end)).collect();
    commit(&old_config, "billing", "orders", &orders_ends);
    let search: Vec<(i32, i64)> = SEARCH.iter().enumerate().map(|(p, o)| (p as i32, *o)).collect();
    commit(&old_config, "search", "orders", &search);
    std::thread::sleep(Duration::from_millis(50));
    let switch_ms = now_ms();
    std::thread::sleep(Duration::from_millis(50));
    let mut new_config = new.client_config();
    new_config.set("linger.ms", "5");
    for (topic, p) in all_partitions() {
        let records: Vec<TestRecord> = (0..switched(topic, p))
            .map(|i| {
                TestRecord::new(Some(&format!("new-{topic}-{p}-{i}")), &format!("switched-{p}-{i}"), Some(now_ms()))
            })
            .collect();
        produce_records(&new_config, topic, p, &records);
    }
    mirror.resume();
    wait_for_copy(&mirror, &old, &new);
    drop(mirror);

    // Steps 3 to 8.
    let settings = guide::Settings { switch_ms, ..settings };
    let migrate = guide::migrate_settings(&old.bootstrap(), &new.bootstrap(), switch_ms);
    let steps: Vec<Block> = after_switch.into_iter().filter(|b| !b.section.starts_with("2.")).collect();
    let (script, out) = guide::run(&steps, &settings, &migrate, &dir);
    assert_eq!(out.code, Some(0), "steps 3-8 failed:\n{script}\n{out:?}");
    // Step 3's drain check: billing has no members and a LAG of 0 on every partition of orders on the old cluster.
    let drained: Vec<&str> =
        out.stdout.lines().filter(|l| l.starts_with("billing ") && l.split_whitespace().count() == 9).collect();
    assert!(
        drained.len() == 6 && drained.iter().all(|l| l.split_whitespace().nth(5) == Some("0")),
        "step 3's describe: {}",
        out.stdout
    );
    assert!(out.stderr.contains("Consumer group 'billing' has no active members.\n"), "{}", out.stderr);

    // The expected offsets, from the records of both clusters.
    let new_logs = dump_all(&new);
    let orders = partitions("orders");
    let at_switch: Vec<i64> = orders
        .iter()
        .map(|&p| {
            let copy = records(&new_logs, "orders", p);
            copy.iter().find(|r| r.3 >= switch_ms).map_or_else(|| copy.last().map_or(0, |r| r.0 + 1), |r| r.0)
        })
        .collect();
    let lines: String = orders.iter().map(|p| format!("orders:{p}:{}\n", at_switch[*p as usize])).collect();
    assert_eq!(std::fs::read_to_string(dir.join("offsets-at-switch.txt")).unwrap(), lines);
    let theirs = new.get_offset_shell(&["--topic", "orders", "--time", &switch_ms.to_string()]);
    assert_eq!(theirs.stdout, lines, "Kafka 4.4's GetOffsetShell at the switch: {theirs:?}");

    let new_config = new.client_config();
    let some = |offsets: &[i64]| offsets.iter().map(|o| Some(*o)).collect::<Vec<_>>();
    assert_eq!(committed(&new_config, "billing", "orders", &orders), some(&at_switch));
    let csv: String = orders.iter().map(|p| format!("orders,{p},{}\n", at_switch[*p as usize])).collect();
    assert_eq!(std::fs::read_to_string(dir.join("billing-offsets.csv")).unwrap(), csv + "\n");
    let ends: Vec<i64> = log_ends(&new_logs, &["orders"]).into_values().collect();
    for (group, expected) in
        [("billing-replay", vec![0; 6]), ("billing-live", ends), ("billing-a", vec![0; 6]), ("billing-b", vec![0; 6])]
    {
        assert_eq!(committed(&new_config, group, "orders", &orders), some(&expected), "{group}");
    }
    assert!(out.stdout.contains("billing is ready on the new cluster\n"), "{}", out.stdout);

    // Step 8: each group where its records say, on the new cluster; the old cluster unchanged.
    let expected = |group: &str, topic: &str, p: i32, committed_old: i64| -> i64 {
        if group == "audit" {
            0 // --to-earliest: the copy's log start
        } else {
            first_unread(records(&old_logs, topic, p), records(&new_logs, topic, p), committed_old)
        }
    };
    let mut backup = String::new();
    for (group, topics) in DRAINED {
        let ends = log_ends(&old_logs, topics);
        let mut ours = Offsets::new();
        for ((topic, p), end) in &ends {
            let want = expected(group, topic, *p, *end);
            ours.insert((topic.clone(), *p), want);
            assert_eq!(committed(&new_config, group, topic, &[*p]), [Some(want)], "{group} {topic}:{p}");
            assert_eq!(
                committed(&old_config, group, topic, &[*p]),
                [Some(*end)],
                "{group} {topic}:{p} on the old cluster"
            );
            if group != "audit" {
                backup.push_str(&format!("{group},{topic},{p},-\n"));
            }
        }
        let described = described_offsets(&new.consumer_groups(&["--describe", "--group", group]).stdout, group);
        let described: Offsets = described.into_iter().map(|(k, v)| (k, v.unwrap_or(-1))).collect();
        assert_eq!(described, ours, "{group} as Kafka 4.4's kafka-consumer-groups.sh --describe shows it");
    }
    let search: Vec<i64> = orders.iter().map(|&p| expected("search", "orders", p, SEARCH[p as usize])).collect();
    assert_eq!(committed(&new_config, "search", "orders", &orders), some(&search));
    let plan: String = orders.iter().map(|p| format!("search,orders,{p},{}\n", search[*p as usize])).collect();
    assert_eq!(std::fs::read_to_string(dir.join("search-plan.csv")).unwrap(), plan + "\n");
    // The guide's last check: every group planned by record, where the records say.
    let mut by_record = BTreeMap::new();
    for (group, topics) in &DRAINED[..2] {
        for ((topic, p), end) in log_ends(&old_logs, topics) {
            by_record.insert((group.to_string(), topic.clone(), p), expected(group, &topic, p, end));
        }
    }
    for (p, offset) in search.iter().enumerate() {
        by_record.insert(("search".to_string(), "orders".to_string(), p as i32), *offset);
    }
    let plan_check = std::fs::read_to_string(dir.join("plan-check.csv")).unwrap();
    let planned: BTreeMap<(String, String, i32), i64> = plan_check
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.splitn(9, ',').collect();
            assert_eq!(fields[7], "planned", "{line}");
            ((fields[0].to_string(), fields[1].to_string(), fields[2].parse().unwrap()), fields[6].parse().unwrap())
        })
        .collect();
    assert_eq!(planned, by_record, "plan-check.csv:\n{plan_check}");

    let mut rows: Vec<&str> = backup.lines().collect();
    rows.sort();
    assert_eq!(std::fs::read_to_string(dir.join("new-before-switch.csv")).unwrap(), rows.join("\n") + "\n\n");
    assert!(out.stdout.contains("every group can be migrated\n"), "{}", out.stdout);

    // After the runbook, two mistakes an operator makes, on the same clusters. A switch time noted 15 s late: the
    // switched producers' 5 records per partition of orders stand below the offset it plans, copies of nothing on the
    // old cluster: refused with their count.
    let late = kafka_offsets::formats::time::format_utc(switch_ms + 15_000);
    let (old_b, new_b) = (old.bootstrap(), new.bootstrap());
    let late_run = migrate_groups(&[
        "--from",
        &old_b,
        "--to",
        &new_b,
        "--group",
        "shipping",
        "--topic",
        "orders",
        "--to-switch-time",
        &late,
        "--dry-run",
    ]);
    assert_eq!(late_run.code, Some(1), "a late switch time was not refused: {late_run:?}");
    for p in orders.iter() {
        let said = format!("Error: group 'shipping', orders:{p}: 5 records below offset");
        assert!(late_run.stderr.contains(&said), "{said}: {late_run:?}");
    }
    // A producer nobody switched writes 3 more records per partition to the old cluster after MirrorMaker stopped:
    // the group has unread records newer than the switch that the new cluster does not have.
    let forgotten: Vec<TestRecord> =
        (0..3).map(|i| TestRecord::new(None, &format!("forgotten-{i}"), Some(now_ms()))).collect();
    for p in orders.iter() {
        produce_records(&old_config, "orders", *p, &forgotten);
    }
    let at = kafka_offsets::formats::time::format_utc(switch_ms);
    let forgotten_run = migrate_groups(&[
        "--from",
        &old_b,
        "--to",
        &new_b,
        "--group",
        "shipping",
        "--topic",
        "orders",
        "--to-switch-time",
        &at,
        "--dry-run",
    ]);
    assert_eq!(forgotten_run.code, Some(1), "the forgotten producer's records were not seen: {forgotten_run:?}");
    for p in orders.iter() {
        let said = format!(
            "Error: group 'shipping', orders:{p}: 3 of the 3 unread records on the old cluster newer than the switch \
             time are not on the new cluster"
        );
        assert!(forgotten_run.stderr.contains(&said), "{said}: {forgotten_run:?}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
