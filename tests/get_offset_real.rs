//! get-offset on real Apache Kafka 2.8, 3.9 and 4.1 brokers, side by side with each release's own GetOffsetShell on
//! the same topics: whole outputs compared, with the differences the README names applied to Kafka's side (3.7+
//! sorts by the string `topic-partition`, we sort numerically; up to 3.1 a partition without an offset prints
//! `topic:partition:`, we print no line and name it on stderr). The topics look like production: compressed
//! batches of about 1 MB, transactions (committed and aborted), LogAppendTime, records deleted from the start,
//! several records sharing the largest timestamp. Nothing changes the topics after the set-up.

use std::time::Duration;

use libtest_mimic::Failed;
use offset_tools_tests::admin::delete_records;
use offset_tools_tests::compare::assert_output;
use offset_tools_tests::harness::{self, check, now_ms, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::produce::{incompressible, produce_records, produce_transaction, TestRecord};
use offset_tools_tests::run::{get_offset, Output};

const ALL: &[Version] = &Version::ALL;
const MODERN: &[Version] = &[Version::V3_9, Version::V4_1, Version::V4_4];

/// The fixture topics, as a regex (other cases of other binaries never run on this broker).
const FIXTURE: &str = "orders|big|txn|appendtime|maxts|deleted|empty";
/// Records with old timestamps are deleted by retention minutes after the broker starts: the fixture keeps them.
const KEEP: &[&str] = &["retention.ms=-1"];
/// The first record timestamp of `orders`; partition p's record i has `ORDERS_T0 + i * 1000`.
const ORDERS_T0: i64 = 1_700_000_000_000;

struct Fixture {
    kafka: Kafka,
    /// An instant between the two batches produced to `appendtime` (LogAppendTime: the broker's clock).
    append_mark: i64,
}

fn setup(version: Version) -> Fixture {
    let kafka = Kafka::start(version);
    let mut config = kafka.client_config();
    config.set("linger.ms", "5").set("compression.type", "zstd").set("enable.idempotence", "false");

    kafka.create_topic("orders", 12, KEEP);
    for p in 0..12 {
        let records: Vec<TestRecord> = (0..(p % 5) + 3)
            .map(|i| {
                TestRecord::new(Some(&format!("k{i}")), &format!("order-{p}-{i}"), Some(ORDERS_T0 + i as i64 * 1000))
            })
            .collect();
        produce_records(&config, "orders", p, &records);
    }

    // About 1 MB batches (values no codec shrinks), lz4.
    kafka.create_topic("big", 3, KEEP);
    let mut big = kafka.client_config();
    big.set("linger.ms", "100").set("compression.type", "lz4").set("batch.size", "1000000");
    for p in 0..3 {
        let records: Vec<TestRecord> = (0..400)
            .map(|i| TestRecord {
                key: Some(format!("k{i}").into_bytes()),
                value: incompressible(p as u64 * 1000 + i, 6000),
                timestamp: Some(ORDERS_T0 + i as i64),
            })
            .collect();
        produce_records(&big, "big", p, &records);
    }

    // Committed, aborted, committed: 5 + marker + 3 + marker + 2 + marker.
    kafka.create_topic("txn", 1, KEEP);
    let mut transactional = kafka.client_config();
    transactional.set("linger.ms", "5");
    for (n, (count, commit)) in [(5, true), (3, false), (2, true)].into_iter().enumerate() {
        let records: Vec<TestRecord> = (0..count)
            .map(|i| TestRecord::new(None, &format!("txn-{n}-{i}"), Some(ORDERS_T0 + (n * 10 + i) as i64)))
            .collect();
        produce_transaction(&transactional, "txn-producer", "txn", 0, &records, commit);
    }

    kafka.create_topic("appendtime", 2, &["message.timestamp.type=LogAppendTime", "retention.ms=-1"]);
    let batch = |tag: &str| -> Vec<TestRecord> {
        (0..4).map(|i| TestRecord::new(None, &format!("{tag}-{i}"), Some(1000 + i))).collect()
    };
    for p in 0..2 {
        produce_records(&config, "appendtime", p, &batch("first"));
    }
    std::thread::sleep(Duration::from_millis(50));
    let append_mark = now_ms();
    std::thread::sleep(Duration::from_millis(50));
    for p in 0..2 {
        produce_records(&config, "appendtime", p, &batch("second"));
    }

    // Largest timestamp at offsets 1 and 2: -3 answers the earlier.
    kafka.create_topic("maxts", 1, KEEP);
    let stamps = [5_000, 9_000, 9_000, 3_000];
    let records: Vec<TestRecord> =
        stamps.iter().enumerate().map(|(i, &t)| TestRecord::new(None, &format!("m{i}"), Some(t))).collect();
    produce_records(&config, "maxts", 0, &records);

    kafka.create_topic("deleted", 1, KEEP);
    let records: Vec<TestRecord> =
        (0..10).map(|i| TestRecord::new(None, &format!("d{i}"), Some(ORDERS_T0 + i * 1000))).collect();
    produce_records(&config, "deleted", 0, &records);
    delete_records(&kafka.client_config(), "deleted", &[(0, 4)]);

    kafka.create_topic("empty", 2, KEEP);
    Fixture { kafka, append_mark }
}

/// `topic:partition:offset` lines as sortable keys (numeric partition).
fn key(line: &str) -> (String, i64) {
    let mut parts = line.rsplitn(3, ':').skip(1);
    let partition = parts.next().and_then(|p| p.parse().ok()).unwrap_or(-1);
    (parts.next().unwrap_or_default().to_string(), partition)
}

/// Kafka's output with the README's differences applied: sorted numerically; `t:p:` lines (no offset, up to 3.1)
/// left out.
fn as_ours(theirs: &str) -> String {
    let mut lines: Vec<&str> = theirs.lines().filter(|l| !l.ends_with(':')).collect();
    lines.sort_by_key(|l| key(l));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Runs GetOffsetShell and get-offset with the same arguments; their whole stdout must agree, both exit 0, and
/// every partition Kafka printed without an offset is named on our stderr.
fn side_by_side(f: &Fixture, args: &[&str]) -> Result<Output, Failed> {
    let theirs = f.kafka.get_offset_shell(args);
    check(theirs.code == Some(0), || format!("{}'s GetOffsetShell failed: {theirs:?}", f.kafka.version))?;
    let bootstrap = f.kafka.bootstrap();
    let ours = get_offset(&[&["--bootstrap-server", bootstrap.as_str()], args].concat());
    let expected = as_ours(&theirs.stdout);
    check(ours.code == Some(0) && ours.stdout == expected, || {
        format!(
            "{args:?} on {}\n----- GetOffsetShell (differences applied)\n{expected}----- get-offset (exit {:?})\n{}\
             ----- get-offset stderr\n{}",
            f.kafka.version, ours.code, ours.stdout, ours.stderr
        )
    })?;
    for line in theirs.stdout.lines().filter(|l| l.ends_with(':')) {
        let tp = line.trim_end_matches(':');
        check(ours.stderr.contains(&format!("Warn: no offset for topic-partition {tp} at time")), || {
            format!("{tp} has no offset but stderr does not say so:\n{}", ours.stderr)
        })?;
    }
    Ok(ours)
}

/// 2.8's GetOffsetShell takes one exact topic: the same lookup for each fixture topic.
fn each_topic(f: &Fixture, time: &str) -> Result<(), Failed> {
    for topic in FIXTURE.split('|') {
        side_by_side(f, &["--topic", topic, "--time", time])?;
    }
    Ok(())
}

fn lines(text: &str) -> usize {
    text.lines().count()
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("latest_of_every_topic", ALL, |f| each_topic(f, "-1")),
        ("earliest_of_every_topic", ALL, |f| each_topic(f, "-2")),
        ("time_in_the_middle", ALL, |f| each_topic(f, &(ORDERS_T0 + 2500).to_string())),
        ("time_before_every_record", ALL, |f| each_topic(f, "0")),
        ("time_after_every_record", ALL, |f| each_topic(f, "9999999999999")),
        ("log_append_time", ALL, |f| {
            let ours = side_by_side(f, &["--topic", "appendtime", "--time", &f.append_mark.to_string()])?;
            // The broker's clock stamped them: the second batch starts at offset 4.
            assert_output(&ours, "appendtime:0:4\nappendtime:1:4\n", "", 0);
            Ok(())
        }),
        ("transaction_markers_count_in_the_log_end", ALL, |f| {
            let ours = side_by_side(f, &["--topic", "txn", "--time", "-1"])?;
            assert_output(&ours, "txn:0:13\n", "", 0);
            Ok(())
        }),
        ("deleted_records_move_the_log_start", ALL, |f| {
            let ours = side_by_side(f, &["--topic", "deleted", "--time", "-2"])?;
            assert_output(&ours, "deleted:0:4\n", "", 0);
            Ok(())
        }),
        ("regex_over_the_fixture_topics", MODERN, |f| {
            let ours = side_by_side(f, &["--topic", FIXTURE, "--time", "-1"])?;
            // 12 + 3 + 1 + 2 + 1 + 1 + 2 partitions, orders:10 after orders:9.
            check(lines(&ours.stdout) == 22 && ours.stdout.contains("orders:9:7\norders:10:3\n"), || {
                format!("{ours:?}")
            })
        }),
        ("commas_are_alternatives", MODERN, |f| {
            side_by_side(f, &["--topic", "maxts,deleted", "--time", "-2"]).map(drop)
        }),
        ("every_topic_with_and_without_internal_ones", MODERN, |f| {
            side_by_side(f, &["--time", "-2"])?;
            side_by_side(f, &["--exclude-internal-topics", "--time", "-1"]).map(drop)
        }),
        ("topic_partitions_rules", MODERN, |f| {
            let ours = side_by_side(f, &["--topic-partitions", "orders:0-3,big:1,txn,o.*:10-", "--time", "-1"])?;
            check(lines(&ours.stdout) == 7, || format!("{ours:?}"))
        }),
        ("partitions_of_a_regex", MODERN, |f| {
            side_by_side(f, &["--topic", "orders|big", "--partitions", "0,2,11", "--time", "-2"]).map(drop)
        }),
        ("max_timestamp_takes_the_earliest_of_equal_records", MODERN, |f| {
            let ours = side_by_side(f, &["--topic", "maxts", "--time", "-3"])?;
            assert_output(&ours, "maxts:0:1\n", "", 0);
            side_by_side(f, &["--topic", FIXTURE, "--time", "max-timestamp"]).map(drop)
        }),
        ("earliest_local_and_latest_tiered_without_tiered_storage", MODERN, |f| {
            let ours = side_by_side(f, &["--topic", FIXTURE, "--time", "-4"])?;
            check(ours.stdout.contains("deleted:0:4\n"), || format!("{ours:?}"))?;
            // Nothing tiered: Kafka prints no line for -5, and neither do we (each named on stderr).
            let ours = side_by_side(f, &["--topic", "txn|maxts", "--time", "latest-tiered"])?;
            check(ours.stdout.is_empty(), || format!("{ours:?}"))
        }),
        ("named_times", MODERN, |f| {
            for time in ["latest", "earliest", "earliest-local"] {
                side_by_side(f, &["--topic", FIXTURE, "--time", time])?;
            }
            Ok(())
        }),
        ("single_dash_options", MODERN, |f| {
            side_by_side(f, &["-topic", "orders", "-partitions", "1,10", "-time", "-2"]).map(drop)
        }),
        ("unknown_topic", MODERN, |f| {
            let theirs = f.kafka.get_offset_shell(&["--topic", "nosuch"]);
            let message = "Could not match any topic-partitions with the specified filters";
            check(theirs.stderr.contains(&format!("Error occurred: {message}")) && theirs.code == Some(1), || {
                format!("{theirs:?}")
            })?;
            let ours = get_offset(&["--bootstrap-server", &f.kafka.bootstrap(), "--topic", "nosuch"]);
            assert_output(&ours, "", &format!("Error: {message}\n"), 1);
            Ok(())
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
