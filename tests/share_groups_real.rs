//! Share groups (KIP-932) on a real Kafka 4.4 broker, side by side with Kafka 4.4's own `kafka-share-groups.sh
//! --reset-offsets` (KIP-1323): every scenario and scope planned by both (Kafka's rows sorted: its own order is a
//! hash map's), whole stdouts compared; `--execute` read back by Kafka's `--describe --offsets`; `--export`; a group
//! with a member refused as Kafka refuses it; a group that does not exist yet initialised; the type found by
//! reset-offsets itself, and a consumer group refused by the share shim. The groups are made by Kafka's console
//! share consumer, which reads and acknowledges records.

use libtest_mimic::Failed;
use offset_tools_tests::compare::{assert_output, reset_table_rows, sorted_reset_output};
use offset_tools_tests::groups::commit;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::{migrate_groups, reset_offsets, shim, Output};
use offset_tools_tests::scratch_dir;
use offset_tools_tests::typed_groups::{consume_as_share_group, described_start_offsets, share_groups, ShareMember};

const V4_4: &[Version] = &[Version::V4_4];
/// Partition p of `queue` holds `5 + 2p` records with timestamps `T0 + i * 1000`.
const T0: i64 = 1_700_000_000_000;

struct Fixture {
    kafka: Kafka,
}

fn setup(version: Version) -> Fixture {
    let kafka = Kafka::start(version);
    let mut config = kafka.client_config();
    config.set("linger.ms", "5").set("compression.type", "lz4");
    for (topic, partitions) in [("queue", 3), ("other", 2)] {
        kafka.create_topic(topic, partitions, &["retention.ms=-1"]);
        for p in 0..partitions {
            let records: Vec<TestRecord> = (0..5 + 2 * p)
                .map(|i| TestRecord::new(Some("k"), &format!("{topic}-{p}-{i}"), Some(T0 + i as i64 * 1000)))
                .collect();
            produce_records(&config, topic, p, &records);
        }
    }
    Fixture { kafka }
}

/// A share group that read 4 records of `queue` (the console share consumer acknowledged them) and left, its start
/// offsets then set to 2, 3 and 4 by Kafka's own tool (the console consumer leaves partitions without one, and
/// Kafka 4.4's `--to-current` fails on those with a NullPointerException).
fn share_group(f: &Fixture, group: &str) {
    consume_as_share_group(&f.kafka, group, "queue", 4);
    let file = scratch_dir("share-start").join("start.csv");
    std::fs::write(&file, "queue,0,2\nqueue,1,3\nqueue,2,4\n").expect("write csv");
    let path = file.to_str().expect("path");
    let set = share_groups(&f.kafka, &["--reset-offsets", "--group", group, "--from-file", path, "--execute"]);
    assert_eq!(set.code, Some(0), "Kafka's tool: {set:?}");
}

/// The same arguments to Kafka's kafka-share-groups.sh and to ours (the shim): the same whole stdout, both exit 0.
fn side_by_side(f: &Fixture, args: &[&str]) -> Result<Output, Failed> {
    let bootstrap = f.kafka.bootstrap();
    let theirs = share_groups(&f.kafka, &[&["--reset-offsets"], args].concat());
    check(theirs.code == Some(0) && !theirs.stdout.contains("Error"), || format!("Kafka's tool: {theirs:?}"))?;
    let ours = shim("kafka-share-groups.sh", &[&["--bootstrap-server", &bootstrap, "--reset-offsets"], args].concat());
    let expected = sorted_reset_output(&theirs.stdout);
    check(ours.stdout == expected && ours.code == Some(0), || {
        format!(
            "{args:?}\n----- Kafka's, rows sorted\n{expected}----- ours (exit {:?})\n{}{}",
            ours.code, ours.stdout, ours.stderr
        )
    })?;
    Ok(ours)
}

fn scenario(f: &Fixture, group: &str, args: &[&str]) -> Result<(), Failed> {
    share_group(f, group);
    side_by_side(f, &[&["--group", group, "--dry-run"], args].concat()).map(drop)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("to_earliest", V4_4, |f| scenario(f, "sh-earliest", &["--topic", "queue", "--to-earliest"])),
        ("to_latest_of_some_partitions", V4_4, |f| {
            scenario(f, "sh-latest", &["--topic", "queue:0,2", "--topic", "other", "--to-latest"])
        }),
        ("to_current_all_topics", V4_4, |f| scenario(f, "sh-current", &["--all-topics", "--to-current"])),
        ("to_current_without_a_start_offset_is_the_log_end", V4_4, |f| {
            // Read 4 records: the partitions they came from have a start offset, the others none. Kafka 4.4's tool
            // fails here (a NullPointerException in GroupOffsetsResetter.resetToCurrentForShareGroup); its documented
            // intent, and ours, is the log end offset for a partition without one.
            consume_as_share_group(&f.kafka, "sh-partial", "queue", 4);
            let starts = described_start_offsets(&f.kafka, "sh-partial");
            check(starts.iter().any(|s| s.2.is_none()), || format!("every partition has a start offset: {starts:?}"))?;
            let offsets: Vec<String> = (0..3)
                .map(|p| {
                    let start = starts.iter().find(|s| s.0 == "queue" && s.1 == p).and_then(|s| s.2);
                    start.unwrap_or(5 + 2 * p as i64).to_string()
                })
                .collect();
            let rows: Vec<(&str, &str, i32, &str)> =
                (0..3).map(|p| ("sh-partial", "queue", p, offsets[p as usize].as_str())).collect();
            let bootstrap = f.kafka.bootstrap();
            let args = ["--bootstrap-server", &bootstrap, "--reset-offsets", "--group", "sh-partial", "--dry-run"];
            let ours = shim("kafka-share-groups.sh", &[&args[..], &["--topic", "queue", "--to-current"]].concat());
            let expected = reset_table_rows(&rows);
            check(ours.stdout == expected && ours.code == Some(0), || format!("expected\n{expected}got {ours:?}"))
        }),
        ("to_offset_clamped_both_ways", V4_4, |f| {
            scenario(f, "sh-offset", &["--topic", "queue", "--to-offset", "6"])?;
            side_by_side(f, &["--group", "sh-offset", "--dry-run", "--topic", "queue", "--to-offset", "0"]).map(drop)
        }),
        ("to_datetime_inside_and_after_the_records", V4_4, |f| {
            scenario(f, "sh-datetime", &["--topic", "queue", "--to-datetime", "2023-11-14T22:13:22.000"])?;
            let args =
                ["--group", "sh-datetime", "--dry-run", "--topic", "queue", "--to-datetime", "2030-01-01T00:00:00.000"];
            side_by_side(f, &args).map(drop)
        }),
        ("from_file", V4_4, |f| {
            share_group(f, "sh-file");
            let file = scratch_dir("share-file").join("plan.csv");
            std::fs::write(&file, "queue,0,3\nqueue,2,99\nother,1,1\n").expect("write csv");
            side_by_side(f, &["--group", "sh-file", "--dry-run", "--from-file", file.to_str().expect("path")]).map(drop)
        }),
        ("export_is_kafkas", V4_4, |f| {
            share_group(f, "sh-export");
            side_by_side(f, &["--group", "sh-export", "--dry-run", "--all-topics", "--to-earliest", "--export"])
                .map(drop)
        }),
        ("execute_is_read_back_by_kafka", V4_4, |f| {
            share_group(f, "sh-execute");
            let bootstrap = f.kafka.bootstrap();
            let args =
                ["--bootstrap-server", &bootstrap, "--reset-offsets", "--group", "sh-execute", "--topic", "queue"];
            let ours = shim("kafka-share-groups.sh", &[&args[..], &["--to-offset", "2", "--execute"]].concat());
            check(ours.code == Some(0), || format!("{ours:?}"))?;
            let expected: Vec<(String, i32, Option<i64>)> = (0..3).map(|p| ("queue".to_string(), p, Some(2))).collect();
            let described = described_start_offsets(&f.kafka, "sh-execute");
            check(described == expected, || format!("Kafka's --describe --offsets: {described:?}"))
        }),
        ("a_group_with_a_member_is_refused", V4_4, |f| {
            share_group(f, "sh-busy");
            let queue = |rows: Vec<(String, i32, Option<i64>)>| -> Vec<_> {
                rows.into_iter().filter(|r| r.0 == "queue").collect()
            };
            let before = queue(described_start_offsets(&f.kafka, "sh-busy"));
            let member = ShareMember::join(&f.kafka, "sh-busy", "other");
            let args = ["--reset-offsets", "--group", "sh-busy", "--all-topics", "--to-earliest", "--execute"];
            let theirs = share_groups(&f.kafka, &args);
            check(theirs.stdout.is_empty() && theirs.stderr.contains("Share group 'sh-busy' is not empty."), || {
                format!("Kafka's tool: {theirs:?}")
            })?;
            let bootstrap = f.kafka.bootstrap();
            let ours =
                shim("kafka-share-groups.sh", &[&["--bootstrap-server", bootstrap.as_str()], &args[..]].concat());
            assert_output(&ours, "", "Error: Share group 'sh-busy' is not empty.\n", 3);
            member.leave(&f.kafka);
            let after = queue(described_start_offsets(&f.kafka, "sh-busy"));
            check(after == before, || format!("start offsets changed: {before:?} -> {after:?}"))
        }),
        ("a_group_that_does_not_exist_yet_is_initialised", V4_4, |f| {
            side_by_side(f, &["--group", "sh-new", "--dry-run", "--topic", "queue", "--to-latest"])?;
            let bootstrap = f.kafka.bootstrap();
            let args = ["--bootstrap-server", &bootstrap, "--reset-offsets", "--group", "sh-new", "--topic", "queue"];
            let ours = shim("kafka-share-groups.sh", &[&args[..], &["--to-latest", "--execute"]].concat());
            check(ours.code == Some(0), || format!("{ours:?}"))?;
            let expected: Vec<(String, i32, Option<i64>)> =
                (0..3).map(|p| ("queue".to_string(), p, Some(5 + 2 * p as i64))).collect();
            let described = described_start_offsets(&f.kafka, "sh-new");
            check(described == expected, || format!("Kafka's --describe --offsets: {described:?}"))
        }),
        ("reset_offsets_finds_the_type_itself", V4_4, |f| {
            // No --group-type: a share group is reset as one (Kafka's kafka-consumer-groups.sh would plan it as a
            // consumer group and fail every partition with GROUP_ID_NOT_FOUND).
            share_group(f, "sh-typed");
            let bootstrap = f.kafka.bootstrap();
            let ours = reset_offsets(&[
                "--bootstrap-server",
                &bootstrap,
                "--group",
                "sh-typed",
                "--topic",
                "queue:1",
                "--to-offset",
                "3",
                "--execute",
            ]);
            check(ours.code == Some(0), || format!("{ours:?}"))?;
            let described = described_start_offsets(&f.kafka, "sh-typed");
            check(described.contains(&("queue".to_string(), 1, Some(3))), || format!("{described:?}"))
        }),
        ("migrate_groups_refuses_a_share_group_by_name", V4_4, |f| {
            share_group(f, "sh-migrate");
            let new = Kafka::start(Version::V4_4);
            new.create_topic("queue", 3, &[]);
            let out = migrate_groups(&[
                "--from",
                &f.kafka.bootstrap(),
                "--to",
                &new.bootstrap(),
                "--group",
                "sh-migrate",
                "--to-earliest",
                "--execute",
            ]);
            let expected =
                "Error: group 'sh-migrate' is a share group on the old cluster: migrate-groups moves consumer \
                            groups; set its start offsets on the new cluster with reset-offsets (kafka-share-groups.sh \
                            --reset-offsets) once its topics are there\n";
            check(out.code == Some(1) && out.stderr.starts_with(expected), || format!("{out:?}"))?;
            let described = described_start_offsets(&new, "sh-migrate");
            check(described.is_empty(), || format!("the new cluster has start offsets: {described:?}"))
        }),
        ("a_consumer_group_is_not_a_share_group", V4_4, |f| {
            commit(&f.kafka.client_config(), "sh-consumer", "queue", &[(0, 1)]);
            let bootstrap = f.kafka.bootstrap();
            let args = ["--reset-offsets", "--group", "sh-consumer", "--topic", "queue", "--to-earliest", "--execute"];
            let ours =
                shim("kafka-share-groups.sh", &[&["--bootstrap-server", bootstrap.as_str()], &args[..]].concat());
            assert_output(
                &ours,
                "",
                "Error: Group sh-consumer is not a share group: it is a consumer group (reset it without --group-type, \
                 or with --group-type consumer); nothing is committed for it\n",
                1,
            );
            let theirs = share_groups(&f.kafka, &args);
            check(theirs.stdout.contains("Group sh-consumer is not a share group."), || format!("Kafka: {theirs:?}"))
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
