//! get-offset against a real Apache Kafka 0.9.0.1 broker, side by side with 0.9's own kafka.tools.GetOffsetShell on
//! the same topics. One broker (started here, on free loopback ports) serves every case; it is killed at the end.

use std::collections::BTreeMap;
use std::time::Duration;

use libtest_mimic::Failed;
use offset_tools_tests::compare::assert_output;
use offset_tools_tests::harness::{self, check, now_ms};
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::run::{get_offset, Output};

/// The shared broker and the topics every case reads.
struct Fixture {
    kafka: Kafka09,
    /// Instants (ms) between the produce batches of topic `segments`: before the first, between each, after the last.
    marks: Vec<i64>,
}

fn setup() -> Fixture {
    let kafka = Kafka09::start();
    // Tiny segments: every produce batch rolls a segment, so time lookups have several boundaries to find.
    kafka.create_topic("segments", 3, &["segment.bytes=50"]);
    kafka.create_topic("wide", 12, &[]);
    kafka.create_topic("empty", 2, &[]);
    let pause = || std::thread::sleep(Duration::from_millis(700));
    let mut marks = vec![now_ms()];
    pause();
    for batch in [4, 1, 2] {
        for p in 0..3 {
            kafka.produce("segments", p, batch);
        }
        pause();
        marks.push(now_ms());
        pause();
    }
    for p in 0..12 {
        kafka.produce("wide", p, p as usize % 5);
    }
    Fixture { kafka, marks }
}

type Offsets = BTreeMap<(String, i32), Vec<i64>>;

/// Parses `topic:partition:o1,o2` lines; an empty offset list (0.9's answer when nothing qualifies) is left out.
fn parse(stdout: &str) -> Offsets {
    stdout
        .lines()
        .filter_map(|line| {
            let mut parts = line.rsplitn(3, ':');
            let offsets = parts.next()?;
            let partition = parts.next()?.parse().ok()?;
            let topic = parts.next()?.to_string();
            let offsets: Vec<i64> = offsets.split(',').filter(|o| !o.is_empty()).map(|o| o.parse().unwrap()).collect();
            (!offsets.is_empty()).then_some(((topic, partition), offsets))
        })
        .collect()
}

fn sorted_numerically(stdout: &str) -> bool {
    let keys: Vec<(String, i32)> = stdout
        .lines()
        .map(|l| {
            let mut parts = l.rsplitn(3, ':').skip(1);
            let p: i32 = parts.next().unwrap().parse().unwrap();
            (parts.next().unwrap().to_string(), p)
        })
        .collect();
    keys.windows(2).all(|w| w[0] < w[1])
}

/// Runs 0.9's GetOffsetShell and get-offset with the same arguments and compares the offsets they report.
fn side_by_side(f: &Fixture, args: &[&str]) -> Result<Output, Failed> {
    let reference = f.kafka.get_offset_shell(args);
    if reference.code != Some(0) {
        return Err(format!("0.9 GetOffsetShell failed: {reference:?}").into());
    }
    let bootstrap = f.kafka.bootstrap();
    let mut ours_args = vec!["--bootstrap-server", bootstrap.as_str()];
    ours_args.extend_from_slice(args);
    let ours = get_offset(&ours_args);
    if ours.code != Some(0) {
        return Err(format!("get-offset failed: {ours:?}").into());
    }
    let (expected, actual) = (parse(&reference.stdout), parse(&ours.stdout));
    if expected != actual || expected.is_empty() && !ours.stdout.is_empty() {
        return Err(format!(
            "offsets differ for {args:?}\n0.9 GetOffsetShell:\n{}get-offset:\n{}",
            reference.stdout, ours.stdout
        )
        .into());
    }
    if !sorted_numerically(&ours.stdout) {
        return Err(format!("not sorted:\n{}", ours.stdout).into());
    }
    // Every partition the reference printed with no offset is named on our stderr instead.
    for line in reference.stdout.lines().filter(|l| l.ends_with(':')) {
        let tp = line.trim_end_matches(':');
        if !ours.stderr.contains(&format!("Warn: no offset for topic-partition {tp} at time")) {
            return Err(format!("{tp} has no offset but stderr does not say so:\n{}", ours.stderr).into());
        }
    }
    Ok(ours)
}

type Case = harness::Case<Fixture>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("side_by_side_latest", |f| side_by_side(f, &["--topic", "segments", "--time", "-1"]).map(drop)),
        ("side_by_side_earliest", |f| side_by_side(f, &["--topic", "segments", "--time", "-2"]).map(drop)),
        ("side_by_side_wide_topic_sorted", |f| side_by_side(f, &["--topic", "wide", "--time", "-1"]).map(drop)),
        ("side_by_side_partitions_subset", |f| {
            side_by_side(f, &["--topic", "segments", "--partitions", "2,0", "--time", "-1"]).map(drop)
        }),
        ("side_by_side_time_before_every_segment", |f| {
            let ours = side_by_side(f, &["--topic", "segments", "--time", "1000"])?;
            check(ours.stdout.is_empty(), || format!("expected no lines: {ours:?}"))
        }),
        ("side_by_side_times_between_segments", |f| {
            let mut answers = Vec::new();
            for mark in &f.marks {
                answers.push(side_by_side(f, &["--topic", "segments", "--time", &mark.to_string()])?.stdout);
            }
            answers.dedup();
            // Before, between and after the batches: every mark lands on a different segment boundary.
            check(answers.len() == f.marks.len(), || format!("marks did not separate the segments: {answers:?}"))
        }),
        // Kafka's parser (jopt-simple, 0.9's too) takes long options with one dash: the same line to both tools.
        ("side_by_side_single_dash_options", |f| {
            side_by_side(f, &["-topic", "segments", "-partitions", "0,2", "-time", "-2"]).map(drop)
        }),
        ("tiered_storage_times_need_kafka_3_9", |f| {
            let out = get_offset(&["--bootstrap-server", &f.kafka.bootstrap(), "--time", "earliest-local"]);
            let expected = "Error: --time earliest-local needs ListOffsets v8 (Kafka 3.9 or newer); this broker is \
                            Kafka 0.9 or older\n";
            check(out.stdout.is_empty() && out.stderr == expected && out.code == Some(1), || format!("{out:?}"))
        }),
        ("side_by_side_far_future", |f| side_by_side(f, &["--topic", "segments", "--time", "9999999999999"]).map(drop)),
        ("side_by_side_several_offsets", |f| {
            let ours = side_by_side(f, &["--topic", "segments", "--time", "-1", "--offsets", "10"])?;
            // 7 messages in 3 batches on 50-byte segments: several boundaries per partition.
            check(parse(&ours.stdout).values().all(|o| o.len() >= 4 && o[0] == 7), || format!("{ours:?}"))?;
            side_by_side(f, &["--topic", "segments", "--time", &f.marks[2].to_string(), "--offsets", "3"]).map(drop)
        }),
        ("timestamp_lookup_says_it_is_by_segment_time", |f| {
            let b = f.kafka.bootstrap();
            let out = get_offset(&["--bootstrap-server", &b, "--topic", "empty", "--time", "1000"]);
            assert_output(
                &out,
                "",
                "Warn: the broker does not support ApiVersions (Kafka 0.9 or older): a --time timestamp is answered \
                 with log segment boundaries by segment file time, not by record timestamps\n\
                 Warn: no offset for topic-partition empty:0 at time 1000: no log segment was last modified at or before that time\n\
                 Warn: no offset for topic-partition empty:1 at time 1000: no log segment was last modified at or before that time\n",
                0,
            );
            Ok(())
        }),
        ("unknown_topic", |f| {
            let b = f.kafka.bootstrap();
            assert_output(
                &get_offset(&["--bootstrap-server", &b, "--topic", "nosuch"]),
                "",
                "Error: Could not match any topic-partitions with the specified filters\n",
                1,
            );
            Ok(())
        }),
        ("unknown_partition", |f| {
            let b = f.kafka.bootstrap();
            assert_output(
                &get_offset(&["--bootstrap-server", &b, "--topic", "empty", "--partitions", "1,5"]),
                "empty:1:0\n",
                "Error: partition 5 does not exist in topic empty\n",
                1,
            );
            Ok(())
        }),
        ("formats_and_explicit_legacy_protocol", |f| {
            let b = f.kafka.bootstrap();
            let args = ["--bootstrap-server", &b, "--topic", "empty", "--broker-protocol", "legacy"];
            assert_output(&get_offset(&[&args[..], &["--format", "csv"]].concat()), "empty,0,0\nempty,1,0\n", "", 0);
            assert_output(
                &get_offset(&[&args[..], &["--format", "json"]].concat()),
                "[{\"topic\":\"empty\",\"partition\":0,\"offset\":0},{\"topic\":\"empty\",\"partition\":1,\"offset\":0}]\n",
                "",
                0,
            );
            Ok(())
        }),
        ("regex_over_all_topics", |f| {
            let b = f.kafka.bootstrap();
            let out = get_offset(&["--bootstrap-server", &b, "--topic-partitions", "segments:1,w.*:10-,empty:0"]);
            let segments_1 = f.kafka.get_offset_shell(&["--topic", "segments", "--partitions", "1", "--time", "-1"]);
            assert_output(&out, &format!("empty:0:0\n{}wide:10:0\nwide:11:1\n", segments_1.stdout), "", 0);
            Ok(())
        }),
    ]
}

fn main() {
    harness::run_shared(setup, cases(), drop);
}
