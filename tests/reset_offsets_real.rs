//! reset-offsets on real Apache Kafka 2.8, 3.9 and 4.1 brokers, side by side with each release's own
//! `kafka-consumer-groups.sh --reset-offsets`: every scenario and scope planned by both (Kafka's rows, sorted, are
//! the expected table), `--execute` read back by Kafka's `--describe`, `--export` files, groups with live members
//! of the classic and of the new consumer protocol (KIP-848, 4.1), several groups and `--all-groups`. Each case has
//! its own groups; `--all-groups` runs alone (the other cases wait).

use std::collections::BTreeMap;
use std::sync::RwLock;

use libtest_mimic::Failed;
use offset_tools_tests::compare::{
    assert_output, fixed_reset_table, reset_table, reset_table_rows, reset_table_with_refused,
};
use offset_tools_tests::groups::{commit, Member};
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::oracle::{described_offsets, messages, reset_rows, ResetRow};
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::{reset_offsets, with_fault_before_commit, Output};
use offset_tools_tests::scratch_dir;

const ALL: &[Version] = &Version::ALL;
const MODERN: &[Version] = &[Version::V3_9, Version::V4_1, Version::V4_4];
const V4: &[Version] = &[Version::V4_1, Version::V4_4];
const KEEP: &[&str] = &["retention.ms=-1"];
/// Partition p of `events` holds `5 + 2p` records with timestamps `T0 + i * 1000`.
const T0: i64 = 1_700_000_000_000;

struct Fixture {
    kafka: Kafka,
    /// Read by every case, written by the `--all-groups` one (which sees every group of the broker).
    groups: RwLock<()>,
}

fn setup(version: Version) -> Fixture {
    let kafka = Kafka::start(version);
    let mut config = kafka.client_config();
    config.set("linger.ms", "5").set("compression.type", "snappy");
    for (topic, partitions) in [("events", 3), ("wide", 12), ("members", 2)] {
        kafka.create_topic(topic, partitions, KEEP);
        for p in 0..partitions {
            let records: Vec<TestRecord> = (0..5 + 2 * p)
                .map(|i| TestRecord::new(Some("k"), &format!("{topic}-{p}-{i}"), Some(T0 + i as i64 * 1000)))
                .collect();
            produce_records(&config, topic, p, &records);
        }
    }
    Fixture { kafka, groups: RwLock::new(()) }
}

/// Commits a group's starting position on `events` (partition -> offset), as its consumers would have.
fn start_at(f: &Fixture, group: &str, offsets: &[(i32, i64)]) {
    commit(&f.kafka.client_config(), group, "events", offsets);
}

/// Kafka's plan for a dry run: its rows (sorted) and its `Error:`/`Warn:` lines.
fn kafka_plan(f: &Fixture, args: &[&str]) -> Result<(Vec<ResetRow>, Vec<String>, Output), Failed> {
    let theirs = f.kafka.consumer_groups(&[&["--reset-offsets", "--dry-run"], args].concat());
    let rows = reset_rows(&theirs.stdout).unwrap_or_default();
    Ok((rows, messages(&theirs.stdout), theirs))
}

/// Plans with both tools: our table must be Kafka's rows in our order, in the 2.3–3.7/4.0 layout.
fn side_by_side(f: &Fixture, args: &[&str]) -> Result<(Vec<ResetRow>, Output), Failed> {
    let (rows, _, theirs) = kafka_plan(f, args)?;
    check(!rows.is_empty(), || format!("Kafka planned nothing for {args:?}: {theirs:?}"))?;
    let bootstrap = f.kafka.bootstrap();
    let ours = reset_offsets(&[&["--bootstrap-server", bootstrap.as_str(), "--dry-run"], args].concat());
    let borrowed: Vec<(&str, &str, i32, i64)> =
        rows.iter().map(|(g, t, p, o)| (g.as_str(), t.as_str(), *p, *o)).collect();
    let expected = reset_table(&borrowed);
    // Kafka 4.2+ prints the same layout: then its whole stdout is the expected one, its rows in our order (its own
    // is a hash map's).
    let expected = if f.kafka.version >= Version::V4_4 { rows_sorted(&theirs.stdout) } else { expected };
    check(ours.stdout == expected && ours.code == Some(0), || {
        format!(
            "{args:?} on {}\n----- Kafka's rows, our layout\n{expected}----- reset-offsets (exit {:?})\n{}----- stderr\n{}\
             ----- Kafka's output\n{}",
            f.kafka.version, ours.code, ours.stdout, ours.stderr, theirs.stdout
        )
    })?;
    Ok((rows, ours))
}

/// Kafka's reset table with its rows sorted by group, topic and partition, without its messages (each an empty line
/// and a `Warn:` or `Error:` line, on stdout in Kafka's tool, on stderr in ours).
fn rows_sorted(stdout: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("Warn: ") || line.starts_with("Error: ") {
            if lines.last() == Some(&"") {
                lines.pop();
            }
        } else {
            lines.push(line);
        }
    }
    let Some(header) = lines.iter().position(|l| l.starts_with("GROUP ")) else { return stdout.to_string() };
    let mut rows = lines[header + 1..].to_vec();
    let key = |l: &&str| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (
            f.first().map(|s| s.to_string()),
            f.get(1).map(|s| s.to_string()),
            f.get(2).and_then(|p| p.parse::<i32>().ok()),
        )
    };
    rows.sort_by_key(key);
    lines[..=header].iter().chain(rows.iter()).map(|l| format!("{l}\n")).collect()
}

/// The committed offsets of a group as Kafka's `--describe` shows them.
fn described(f: &Fixture, group: &str) -> BTreeMap<(String, i32), Option<i64>> {
    described_offsets(&f.kafka.consumer_groups(&["--describe", "--group", group]).stdout, group)
}

/// Kafka plans, we execute, Kafka's `--describe` reads what we committed: it must be Kafka's plan.
fn execute_as_kafka_plans(f: &Fixture, args: &[&str]) -> Result<(), Failed> {
    let (rows, _) = side_by_side(f, args)?;
    let bootstrap = f.kafka.bootstrap();
    let ours = reset_offsets(&[&["--bootstrap-server", bootstrap.as_str(), "--execute"], args].concat());
    check(ours.code == Some(0), || format!("execute failed: {ours:?}"))?;
    for group in rows.iter().map(|r| r.0.as_str()).collect::<std::collections::BTreeSet<_>>() {
        let got = described(f, group);
        for (g, topic, partition, offset) in rows.iter().filter(|r| r.0 == group) {
            let committed = got.get(&(topic.clone(), *partition)).copied().flatten();
            check(committed == Some(*offset), || {
                format!("Kafka's --describe shows {committed:?} for {g} {topic}:{partition}, planned {offset}: {got:?}")
            })?;
        }
    }
    Ok(())
}

fn scenario(f: &Fixture, group: &str, scenario: &[&str]) -> Result<(), Failed> {
    let _shared = f.groups.read().expect("lock");
    start_at(f, group, &[(0, 2), (1, 6), (2, 1)]);
    side_by_side(f, &[&["--group", group, "--topic", "events"], scenario].concat()).map(drop)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("to_earliest", ALL, |f| scenario(f, "s-earliest", &["--to-earliest"])),
        ("to_latest", ALL, |f| scenario(f, "s-latest", &["--to-latest"])),
        ("to_current", ALL, |f| scenario(f, "s-current", &["--to-current"])),
        ("to_offset_clamped_both_ways", ALL, |f| {
            scenario(f, "s-offset", &["--to-offset", "6"])?;
            scenario(f, "s-offset", &["--to-offset", "0"])
        }),
        ("shift_by_both_ways", ALL, |f| {
            scenario(f, "s-shift", &["--shift-by", "3"])?;
            scenario(f, "s-shift", &["--shift-by", "-4"])
        }),
        ("to_datetime_inside_and_after_the_records", ALL, |f| {
            scenario(f, "s-datetime", &["--to-datetime", "2023-11-14T22:13:22.500"])?;
            // After every record: Kafka falls back to the log end, with a Warn line per partition (on stdout).
            let (_, warnings, _) = kafka_plan(
                f,
                &["--group", "s-datetime", "--topic", "events", "--to-datetime", "2030-01-01T00:00:00.000"],
            )?;
            // (2.8 falls back silently: the warning came with 3.0.)
            let expected = if f.kafka.version == Version::V2_8 { 0 } else { 3 };
            check(warnings.len() == expected, || format!("Kafka's warnings: {warnings:?}"))?;
            scenario(f, "s-datetime", &["--to-datetime", "2030-01-01T00:00:00.000"])
        }),
        ("by_duration", ALL, |f| scenario(f, "s-duration", &["--by-duration", "PT1H"])),
        ("partitions_of_a_topic_and_several_topics", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            start_at(f, "s-scope", &[(0, 1)]);
            side_by_side(f, &["--group", "s-scope", "--topic", "events:0,2", "--topic", "wide", "--to-latest"])
                .map(drop)
        }),
        ("all_topics_is_the_committed_partitions", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            start_at(f, "s-all-topics", &[(0, 3), (2, 4)]);
            side_by_side(f, &["--group", "s-all-topics", "--all-topics", "--shift-by", "1"]).map(drop)
        }),
        ("several_groups", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            start_at(f, "s-many-1", &[(0, 1), (1, 1), (2, 1)]);
            start_at(f, "s-many-2", &[(1, 2)]);
            side_by_side(f, &["--group", "s-many-1", "--group", "s-many-2", "--all-topics", "--to-earliest"]).map(drop)
        }),
        ("from_file_three_and_four_columns", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            let dir = scratch_dir("from-file");
            let three = dir.join("three.csv");
            std::fs::write(&three, "events,0,3\nevents,2,99\nwide,11,1\n").expect("write csv");
            side_by_side(f, &["--group", "s-file", "--from-file", three.to_str().expect("path")])?;
            let four = dir.join("four.csv");
            std::fs::write(&four, "s-file-a,events,1,2\ns-file-b,wide,3,4\n").expect("write csv");
            let file = four.to_str().expect("path");
            side_by_side(f, &["--group", "s-file-a", "--group", "s-file-b", "--from-file", file]).map(drop)
        }),
        ("execute_is_read_back_by_kafka", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            start_at(f, "x-exec", &[(0, 5), (1, 5), (2, 5)]);
            execute_as_kafka_plans(f, &["--group", "x-exec", "--topic", "events", "--shift-by", "-2"])?;
            execute_as_kafka_plans(f, &["--group", "x-exec-new", "--topic", "wide:3,7", "--to-latest"])
        }),
        ("export_files_are_kafkas", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            start_at(f, "x-export", &[(1, 3)]);
            for groups in [&["--group", "x-export"][..], &["--group", "x-export", "--group", "x-export-2"]] {
                let args = [groups, &["--topic", "events", "--to-earliest", "--export"]].concat();
                let theirs = f.kafka.consumer_groups(&[&["--reset-offsets", "--dry-run"], &args[..]].concat());
                let ours =
                    reset_offsets(&[&["--bootstrap-server", &f.kafka.bootstrap(), "--dry-run"], &args[..]].concat());
                // Kafka prints the rows in hash order: compare them sorted, and the final empty line as it is.
                let sorted = |text: &str| {
                    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                    lines.sort();
                    lines
                };
                check(
                    sorted(&ours.stdout) == sorted(&theirs.stdout)
                        && ours.stdout.ends_with("\n\n") == theirs.stdout.ends_with("\n\n")
                        && ours.code == Some(0),
                    || format!("--export differs:\n----- Kafka\n{}----- ours\n{}", theirs.stdout, ours.stdout),
                )?;
            }
            Ok(())
        }),
        ("all_groups", MODERN, |f| {
            let _alone = f.groups.write().expect("lock");
            side_by_side(f, &["--all-groups", "--topic", "members", "--to-offset", "1"]).map(drop)
        }),
        ("classic_group_with_a_member_is_refused", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            let member = Member::join(&f.kafka.client_config(), "busy-classic", "members");
            refused(f, "busy-classic", "Stable")?;
            drop(member);
            Ok(())
        }),
        ("consumer_protocol_group_with_a_member_is_refused", V4, |f| {
            let _shared = f.groups.read().expect("lock");
            // Longer than 15: Kafka 4.2+ widens the header's GROUP column for it.
            let group = "busy-848-consumer-protocol-group";
            let member = Member::join_consumer_protocol(&f.kafka.client_config(), group, "members");
            refused(f, group, "Stable")?;
            drop(member);
            Ok(())
        }),
        ("a_classic_member_joins_between_the_check_and_the_commit", V4, |f| {
            let _shared = f.groups.read().expect("lock");
            joins_before_the_commit(f, "late-classic", Member::join)
        }),
        ("a_consumer_protocol_member_joins_between_the_check_and_the_commit", V4, |f| {
            let _shared = f.groups.read().expect("lock");
            joins_before_the_commit(f, "late-848", Member::join_consumer_protocol)
        }),
        ("topic_is_a_name_not_a_regex", MODERN, |f| {
            // Kafka's --reset-offsets takes names (its GetOffsetShell regexes): a regex is an unknown topic to both.
            let ours = reset_offsets(&[
                "--bootstrap-server",
                &f.kafka.bootstrap(),
                "--group",
                "s-regex",
                "--topic",
                "events|wide",
                "--to-latest",
                "--dry-run",
            ]);
            assert_output(
                &ours,
                "",
                "Error: topic 'events|wide' does not exist (--topic takes a topic name; get-offset's --topic is a regex)\n\
                 Error: nothing was committed: fix the errors above and run again\n",
                1,
            );
            let theirs = f.kafka.consumer_groups(&[
                "--reset-offsets",
                "--dry-run",
                "--group",
                "s-regex",
                "--topic",
                "events|wide",
                "--to-latest",
            ]);
            check(reset_rows(&theirs.stdout).unwrap_or_default().is_empty(), || format!("Kafka planned: {theirs:?}"))
        }),
        ("a_restore_is_backed_up_whole_and_deletes_for_groups_gone", MODERN, |f| {
            let _shared = f.groups.read().expect("lock");
            start_at(f, "x-restore", &[(0, 2), (1, 3)]);
            let dir = scratch_dir("restore-real");
            // events:0 to 4, events:1's offset deleted; and an offset deleted for a group that never existed.
            let plan = dir.join("restore.csv");
            std::fs::write(&plan, "x-restore,events,0,4\nx-restore,events,1,-\nx-ghost,events,0,-\n").unwrap();
            let backup = dir.join("before.csv");
            let bootstrap = f.kafka.bootstrap();
            let out = reset_offsets(&[
                "--bootstrap-server",
                &bootstrap,
                "--group",
                "x-restore",
                "--group",
                "x-ghost",
                "--from-file",
                plan.to_str().expect("path"),
                "--execute",
                "--backup",
                backup.to_str().expect("path"),
            ]);
            assert_output(
                &out,
                &reset_table_rows(&[
                    ("x-ghost", "events", 0, "-"),
                    ("x-restore", "events", 0, "4"),
                    ("x-restore", "events", 1, "-"),
                ]),
                "Warn: group 'x-ghost' has no committed offset and no row in --from-file for events:1, events:2: its \
                 consumers will start there by their auto.offset.reset\n\
                 Warn: group 'x-restore' has no committed offset and no row in --from-file for events:2: its consumers \
                 will start there by their auto.offset.reset\n\
                 Note: group 'x-ghost': its committed offset for events:0 was deleted\n\
                 Note: group 'x-restore': its committed offset for events:1 was deleted\n",
                0,
            );
            // The backup holds every partition the restore changed, the deleted one too: it undoes the restore.
            let written = std::fs::read_to_string(&backup).expect("backup");
            check(written == "x-ghost,events,0,-\nx-restore,events,0,2\nx-restore,events,1,3\n\n", || {
                format!("backup: {written:?}")
            })?;
            let got = described(f, "x-restore");
            let expected: BTreeMap<(String, i32), Option<i64>> =
                [(("events".to_string(), 0), Some(4))].into_iter().collect();
            check(
                got.iter().filter(|(_, o)| o.is_some()).map(|(k, v)| (k.clone(), *v)).collect::<BTreeMap<_, _>>()
                    == expected,
                || format!("Kafka's --describe after the restore: {got:?}"),
            )?;
            let undo = reset_offsets(&[
                "--bootstrap-server",
                &bootstrap,
                "--group",
                "x-restore",
                "--group",
                "x-ghost",
                "--from-file",
                backup.to_str().expect("path"),
                "--execute",
            ]);
            check(undo.code == Some(0), || format!("{undo:?}"))?;
            let got = described(f, "x-restore");
            check(
                got.get(&("events".to_string(), 0)) == Some(&Some(2))
                    && got.get(&("events".to_string(), 1)) == Some(&Some(3)),
                || format!("Kafka's --describe after the undo: {got:?}"),
            )
        }),
        ("datetime_note_names_the_instant", ALL, |f| {
            let _shared = f.groups.read().expect("lock");
            let out = reset_offsets(&[
                "--bootstrap-server",
                &f.kafka.bootstrap(),
                "--group",
                "s-note",
                "--topic",
                "events:0",
                "--to-datetime",
                "2023-11-14T22:13:21.000",
                "--dry-run",
            ]);
            let (rows, _, _) = kafka_plan(
                f,
                &["--group", "s-note", "--topic", "events:0", "--to-datetime", "2023-11-14T22:13:21.000"],
            )?;
            assert_output(
                &out,
                &reset_table(&[("s-note", "events", 0, rows[0].3)]),
                "Note: --to-datetime 2023-11-14T22:13:21.000 is 2023-11-14T22:13:21.000Z (1700000001000 ms since the \
                 epoch; no zone was given, so UTC)\n",
                0,
            );
            check(rows[0].3 == 1, || format!("Kafka planned {rows:?}"))
        }),
    ]
}

/// A group with a live member: Kafka's tool says why on stdout (exit 0); ours says the same on stderr, exit 3,
/// and neither commits.
fn refused(f: &Fixture, group: &str, state: &str) -> Result<(), Failed> {
    let args = ["--group", group, "--topic", "members", "--to-offset", "1"];
    let (_, errors, theirs) = kafka_plan(f, &args)?;
    let message = format!(
        "Error: Assignments can only be reset if the group '{group}' is inactive, but the current state is {state}."
    );
    check(errors == [message.clone()], || format!("Kafka's tool said: {theirs:?}"))?;
    // Kafka's stdout is its message, then the table's header alone (3.9's without the final line end): ours is the
    // header, the message on stderr.
    // Kafka 4.2+ widens GROUP for the refused group's id too; 2.8-4.1 printed fixed columns.
    let header = reset_table_with_refused(&[], &[group]);
    let kafkas = if f.kafka.version >= Version::V4_4 { header.clone() } else { fixed_reset_table(&[]) };
    check(theirs.stdout.trim_end_matches('\n') == format!("\n{message}\n{}", kafkas.trim_end_matches('\n')), || {
        format!("Kafka's tool printed: {:?}", theirs.stdout)
    })?;
    for mode in ["--dry-run", "--execute"] {
        let ours = reset_offsets(&[&["--bootstrap-server", &f.kafka.bootstrap(), mode], &args[..]].concat());
        assert_output(&ours, &header, &format!("{message}\n"), 3);
    }
    // Kafka's --describe lists the member's partitions, none with a committed offset (an empty list proves nothing).
    let committed = described(f, group);
    check(!committed.is_empty() && committed.values().all(Option::is_none), || {
        format!("Kafka's --describe: {committed:?}")
    })?;
    Ok(())
}

/// The group is empty when the tool checks it; a member joins while the tool waits before its commit. The broker
/// refuses the commit of an outsider into a group with members: said as the refusal for members, exit 3, and the
/// group's offsets are untouched, as Kafka's `--describe` shows.
fn joins_before_the_commit(
    f: &Fixture,
    group: &str,
    join: fn(&rdkafka::config::ClientConfig, &str, &str) -> Member,
) -> Result<(), Failed> {
    let args = ["--bootstrap-server", &f.kafka.bootstrap(), "--group", group, "--topic", "members", "--to-offset", "1"];
    let mut member = None;
    let out = with_fault_before_commit("reset-offsets", &[&args[..], &["--execute"]].concat(), |_| {
        member = Some(join(&f.kafka.client_config(), group, "members"))
    });
    let committed = described(f, group);
    drop(member);
    // Classic and KIP-848 coordinators both answer an outsider's commit with UNKNOWN_MEMBER_ID (4.1, 4.4).
    let said = format!(
        "Error: Assignments can only be reset if the group '{group}' is inactive, but the broker refused the commit \
         with UNKNOWN_MEMBER_ID: the group has members. Nothing was committed for it.\n"
    );
    assert_output(&out, "\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n", &said, 3);
    // Kafka's --describe lists the member's partitions, none with a committed offset.
    check(!committed.is_empty() && committed.values().all(Option::is_none), || {
        format!("Kafka's --describe: {committed:?}")
    })
}

fn main() {
    harness::run_per_version(setup, cases());
}
