//! reset-offsets against a real Apache Kafka 0.9.0.1 broker: group state (a really subscribed member), commits
//! read back, unknown topics and partitions, and the get-offset | reset-offsets pipeline. One broker for all cases.

use std::time::Duration;

use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::groups::{committed, Member};
use offset_tools_tests::harness::{self, check, now_ms};
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::run::{binary, reset_offsets, shell};
use offset_tools_tests::{scratch_dir, workspace_root};

struct Fixture {
    kafka: Kafka09,
    /// Instants (ms) between the produce batches of topic `segments`.
    marks: Vec<i64>,
}

fn setup() -> Fixture {
    let kafka = Kafka09::start();
    kafka.create_topic("orders", 3, &[]);
    kafka.create_topic("active", 2, &[]);
    kafka.create_topic("segments", 3, &["segment.bytes=50"]);
    for p in 0..3 {
        kafka.produce("orders", p, 10);
    }
    for p in 0..2 {
        kafka.produce("active", p, 5);
    }
    let pause = || std::thread::sleep(Duration::from_millis(700));
    let mut marks = vec![now_ms()];
    pause();
    for batch in [3, 2] {
        for p in 0..3 {
            kafka.produce("segments", p, batch);
        }
        pause();
        marks.push(now_ms());
        pause();
    }
    Fixture { kafka, marks }
}

const NOTHING_COMMITTED: &str = "Error: nothing was committed: fix the errors above and run again\n";

type Case = harness::Case<Fixture>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("kafka_single_dash_line_through_the_kafka_named_shim", |f| {
            // The runbook line as Kafka's own parser reads it, through bin/kafka-consumer-groups.sh.
            let bin = binary("reset-offsets").parent().unwrap().display().to_string();
            let shim = workspace_root().join("bin/kafka-consumer-groups.sh");
            let out = shell(&format!(
                "OFFSET_TOOLS_BIN='{bin}' '{}' -bootstrap-server {} -group g-dash -topic orders:0,2 -reset-offsets \
                 -to-offset 4 -execute",
                shim.display(),
                f.kafka.bootstrap()
            ));
            assert_output(&out, &reset_table(&[("g-dash", "orders", 0, 4), ("g-dash", "orders", 2, 4)]), "", 0);
            let got = committed(&f.kafka.client_config(), "g-dash", "orders", &[0, 1, 2]);
            check(got == [Some(4), None, Some(4)], || format!("committed {got:?}"))
        }),
        ("active_group_is_refused_then_reset_after_it_leaves", |f| {
            let b = f.kafka.bootstrap();
            let config = f.kafka.client_config();
            let member = Member::join(&config, "busy", "active");
            let args =
                ["--bootstrap-server", &b, "--group", "busy", "--topic", "active", "--to-offset", "2", "--execute"];
            // A refused group prints the table's header alone, as Kafka's tool does.
            assert_output(
                &reset_offsets(&args),
                &reset_table(&[]),
                "Error: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.\n",
                3,
            );
            check(committed(&config, "busy", "active", &[0, 1]) == [None, None], || {
                "a refused reset committed".into()
            })?;
            // With several groups, the inactive ones are still reset; the exit code says one was refused.
            let both = [
                "--bootstrap-server",
                &b,
                "--group",
                "busy",
                "--group",
                "idle",
                "--topic",
                "active",
                "--to-offset",
                "3",
                "--execute",
            ];
            assert_output(
                &reset_offsets(&both),
                &reset_table(&[("idle", "active", 0, 3), ("idle", "active", 1, 3)]),
                "Error: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.\n",
                3,
            );
            check(committed(&config, "idle", "active", &[0, 1]) == [Some(3), Some(3)], || "idle not reset".into())?;
            check(committed(&config, "busy", "active", &[0, 1]) == [None, None], || "busy was reset".into())?;
            drop(member);
            // Once the member has left, the group is Dead on 0.9 (Empty on newer brokers): inactive.
            assert_output(
                &reset_offsets(&args),
                &reset_table(&[("busy", "active", 0, 2), ("busy", "active", 1, 2)]),
                "",
                0,
            );
            check(committed(&config, "busy", "active", &[0, 1]) == [Some(2), Some(2)], || "read-back differs".into())
        }),
        ("execute_commits_and_reads_back", |f| {
            let b = f.kafka.bootstrap();
            let config = f.kafka.client_config();
            let base = ["--bootstrap-server", &b, "--group", "g-exec", "--topic", "orders:0,2"];
            assert_output(
                &reset_offsets(&[&base[..], &["--to-offset", "4", "--execute"]].concat()),
                &reset_table(&[("g-exec", "orders", 0, 4), ("g-exec", "orders", 2, 4)]),
                "",
                0,
            );
            check(committed(&config, "g-exec", "orders", &[0, 1, 2]) == [Some(4), None, Some(4)], || {
                "read-back".into()
            })?;
            // The dry run of a shift shows the plan and changes nothing.
            assert_output(
                &reset_offsets(&[&base[..], &["--shift-by", "-3", "--dry-run"]].concat()),
                &reset_table(&[("g-exec", "orders", 0, 1), ("g-exec", "orders", 2, 1)]),
                "",
                0,
            );
            check(committed(&config, "g-exec", "orders", &[0, 2]) == [Some(4), Some(4)], || "dry run committed".into())
        }),
        ("unknown_topic_commits_nothing", |f| {
            let b = f.kafka.bootstrap();
            let out = reset_offsets(&[
                "--bootstrap-server",
                &b,
                "--group",
                "g-unknown",
                "--topic",
                "orders",
                "--topic",
                "nosuch",
                "--to-earliest",
                "--execute",
            ]);
            assert_output(&out, "", &format!("Error: topic 'nosuch' does not exist\n{NOTHING_COMMITTED}"), 1);
            let config = f.kafka.client_config();
            check(committed(&config, "g-unknown", "orders", &[0, 1, 2]) == [None, None, None], || "committed".into())
        }),
        ("unknown_partition_commits_nothing", |f| {
            let b = f.kafka.bootstrap();
            let out = reset_offsets(&[
                "--bootstrap-server",
                &b,
                "--group",
                "g-unknown-p",
                "--topic",
                "orders:1,7",
                "--to-latest",
                "--execute",
            ]);
            assert_output(
                &out,
                "",
                &format!("Error: The partitions \"orders-7\" do not exist\n{NOTHING_COMMITTED}"),
                1,
            );
            let config = f.kafka.client_config();
            check(committed(&config, "g-unknown-p", "orders", &[1]) == [None], || "committed".into())
        }),
        ("pipeline_from_get_offset", |f| {
            // The expected offsets come from Kafka 0.9's own GetOffsetShell, not from get-offset: `T:p:o`, or `T:p:`
            // when no segment qualifies (those partitions get no row, so they are not reset).
            let b = f.kafka.bootstrap();
            let config = f.kafka.client_config();
            let dir = scratch_dir("pipeline");
            let mut reset_marks = 0;
            for (i, mark) in f.marks.iter().enumerate() {
                let group = format!("g-pipe-{i}");
                let reference = f.kafka.get_offset_shell(&["--topic", "segments", "--time", &mark.to_string()]);
                check(reference.code == Some(0), || format!("GetOffsetShell: {reference:?}"))?;
                let mut want: [Option<i64>; 3] = [None; 3];
                let mut without: Vec<usize> = Vec::new();
                for line in reference.stdout.lines() {
                    let mut fields = line.split(':');
                    let (_, p, o) = (fields.next(), fields.next().unwrap(), fields.next().unwrap_or(""));
                    let p: usize = p.parse().unwrap();
                    match o.split(',').next().filter(|o| !o.is_empty()) {
                        Some(o) => want[p] = Some(o.parse().unwrap()),
                        None => without.push(p),
                    }
                }
                without.sort();
                check(want.iter().flatten().count() + without.len() == 3, || format!("{reference:?}"))?;
                let errors = dir.join(format!("get-offset-{i}.err"));
                let script = format!(
                    "get-offset --bootstrap-server {b} --topic segments --time {mark} --format csv 2>{} \
                     | reset-offsets --bootstrap-server {b} --group {group} --from-file - --execute",
                    errors.display()
                );
                let out = shell(&script);
                let mut get_offset_warnings = String::from(
                    "Warn: the broker does not support ApiVersions (Kafka 0.9 or older): a --time timestamp is answered \
                     with log segment boundaries by segment file time, not by record timestamps\n",
                );
                for p in &without {
                    get_offset_warnings.push_str(&format!(
                        "Warn: no offset for topic-partition segments:{p} at time {mark}: no log segment was last \
                         modified at or before that time\n"
                    ));
                }
                let stderr = std::fs::read_to_string(&errors).unwrap_or_default();
                check(stderr == get_offset_warnings, || format!("mark {i}: get-offset said:\n{stderr}"))?;
                if without.len() == 3 {
                    // Before every segment: nothing to reset, and an empty plan is refused.
                    assert_output(&out, "", "Error: --from-file -: has no offsets (it is empty)\n", 2);
                } else {
                    let rows: Vec<(&str, &str, i32, i64)> = want
                        .iter()
                        .enumerate()
                        .filter_map(|(p, o)| o.map(|o| (group.as_str(), "segments", p as i32, o)))
                        .collect();
                    // The partitions without a row are named: the group has no offset there.
                    let warning = if without.is_empty() {
                        String::new()
                    } else {
                        let names: Vec<String> = without.iter().map(|p| format!("segments:{p}")).collect();
                        format!(
                            "Warn: group '{group}' has no committed offset and no row in --from-file for {}: its \
                             consumers will start there by their auto.offset.reset\n",
                            names.join(", ")
                        )
                    };
                    assert_output(&out, &reset_table(&rows), &warning, 0);
                    reset_marks += 1;
                }
                let got = committed(&config, &group, "segments", &[0, 1, 2]);
                check(got == want, || format!("mark {i}: committed {got:?}, GetOffsetShell says {want:?}"))?;
            }
            // The marks between the batches reach segment boundaries: some groups were really reset.
            check(reset_marks >= 2, || format!("only {reset_marks} of the marks reset anything"))?;
            let _ = std::fs::remove_dir_all(dir);
            Ok(())
        }),
        ("export_then_from_file_round_trip", |f| {
            let b = f.kafka.bootstrap();
            let dir = scratch_dir("roundtrip");
            let file = dir.join("plan.csv");
            let file = file.to_str().unwrap();
            let export = reset_offsets(&[
                "--bootstrap-server",
                &b,
                "--group",
                "g-rt",
                "--topic",
                "orders",
                "--to-offset",
                "6",
                "--dry-run",
                "--export",
            ]);
            assert_output(&export, "orders,0,6\norders,1,6\norders,2,6\n\n", "", 0);
            std::fs::write(file, &export.stdout).unwrap();
            assert_output(
                &reset_offsets(&[
                    "--bootstrap-server",
                    &b,
                    "--group",
                    "g-rt",
                    "--from-file",
                    file,
                    "--execute",
                    "--export",
                ]),
                &export.stdout,
                "",
                0,
            );
            let config = f.kafka.client_config();
            check(committed(&config, "g-rt", "orders", &[0, 1, 2]) == [Some(6); 3], || "round trip".into())?;
            // Two groups: the 4-column format, read back for both.
            let four = reset_offsets(&[
                "--bootstrap-server",
                &b,
                "--group",
                "g-rt2",
                "--group",
                "g-rt",
                "--topic",
                "orders:1",
                "--to-earliest",
                "--dry-run",
                "--export",
            ]);
            assert_output(&four, "g-rt,orders,1,0\ng-rt2,orders,1,0\n\n", "", 0);
            std::fs::write(file, &four.stdout).unwrap();
            assert_output(
                &reset_offsets(&[
                    "--bootstrap-server",
                    &b,
                    "--group",
                    "g-rt",
                    "--group",
                    "g-rt2",
                    "--from-file",
                    file,
                    "--execute",
                ]),
                &reset_table(&[("g-rt", "orders", 1, 0), ("g-rt2", "orders", 1, 0)]),
                // g-rt has offsets on the other partitions; g-rt2 none: they are named.
                "Warn: group 'g-rt2' has no committed offset and no row in --from-file for orders:0, orders:2: its \
                 consumers will start there by their auto.offset.reset\n",
                0,
            );
            check(committed(&config, "g-rt2", "orders", &[1]) == [Some(0)], || "4-column round trip".into())?;
            std::fs::remove_dir_all(dir).map_err(|e| e.to_string().into())
        }),
        ("datetime_before_every_segment_falls_back_to_earliest_on_0_9", |f| {
            let b = f.kafka.bootstrap();
            let out = reset_offsets(&[
                "--bootstrap-server",
                &b,
                "--group",
                "g-dt",
                "--topic",
                "orders:0",
                "--to-datetime",
                "2001-09-09T01:46:40",
                "--dry-run",
            ]);
            assert_output(
                &out,
                &reset_table(&[("g-dt", "orders", 0, 0)]),
                "Note: --to-datetime 2001-09-09T01:46:40 is 2001-09-09T01:46:40.000Z (1000000000000 ms since the epoch; no zone was given, so UTC)\n\
                 Warn: Partition 0 from topic orders has no log segment last written at or before 2001-09-09T01:46:40.000Z. Falling back to earliest known offset 0.\n",
                0,
            );
            Ok(())
        }),
        ("all_topics_means_the_committed_partitions", |f| {
            let b = f.kafka.bootstrap();
            let reset = |args: &[&str]| reset_offsets(&[&["--bootstrap-server", b.as_str()], args].concat());
            let out = reset(&[
                "--group",
                "g-all",
                "--topic",
                "orders:0,2",
                "--topic",
                "active:1",
                "--to-offset",
                "1",
                "--execute",
            ]);
            check(out.code == Some(0), || format!("{out:?}"))?;
            assert_output(
                &reset(&["--group", "g-all", "--all-topics", "--to-latest", "--dry-run"]),
                &reset_table(&[("g-all", "active", 1, 5), ("g-all", "orders", 0, 10), ("g-all", "orders", 2, 10)]),
                "",
                0,
            );
            // A group without committed offsets has nothing in --all-topics: the header alone, as in Kafka.
            assert_output(
                &reset(&["--group", "g-none", "--all-topics", "--to-latest", "--dry-run"]),
                &reset_table(&[]),
                "",
                0,
            );
            Ok(())
        }),
        ("to_current_and_shift_without_commit", |f| {
            let b = f.kafka.bootstrap();
            assert_output(
                &reset_offsets(&[
                    "--bootstrap-server",
                    &b,
                    "--group",
                    "g-fresh",
                    "--topic",
                    "orders:2",
                    "--to-current",
                    "--dry-run",
                ]),
                &reset_table(&[("g-fresh", "orders", 2, 10)]),
                "",
                0,
            );
            assert_output(
                &reset_offsets(&["--bootstrap-server", &b, "--group", "g-fresh", "--topic", "orders:2", "--shift-by", "1", "--dry-run"]),
                "",
                &format!("Error: Cannot shift offset for partition orders-2 since there is no current committed offset\n{NOTHING_COMMITTED}"),
                1,
            );
            Ok(())
        }),
    ]
}

fn main() {
    harness::run_shared(setup, cases(), drop);
}
