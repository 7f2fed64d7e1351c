//! Streams groups (KIP-1071) on a real Kafka 4.4 broker, side by side with Kafka 4.4's own `kafka-streams-groups.sh
//! --reset-offsets`: a Kafka Streams application built by the tests (`group.protocol=streams`, a count by value: a
//! repartition topic and a changelog) reads `words` and is stopped; every scenario with `--input-topic` and
//! `--all-input-topics` planned by both, whole stdouts compared (Kafka's rows sorted); `--export`; `--execute` read
//! back by Kafka's own `--to-current` plan and by librdkafka; a running application refused as Kafka refuses it; a
//! partition without a committed offset refused with Kafka's sentence.

use std::sync::Mutex;

use libtest_mimic::Failed;
use offset_tools_tests::compare::{assert_output, sorted_reset_output};
use offset_tools_tests::groups::committed;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::{shim, Output};
use offset_tools_tests::scratch_dir;
use offset_tools_tests::streams_app::StreamsApp;
use offset_tools_tests::typed_groups::streams_groups;

const V4_4: &[Version] = &[Version::V4_4];
/// Partition p of `words` holds `4 + 2p` records with timestamps `T0 + i * 1000`.
const T0: i64 = 1_700_000_000_000;
const APP: &str = "count-words";

struct Fixture {
    kafka: Kafka,
    /// Held by the cases that change the application's offsets (the others plan only).
    changing: Mutex<()>,
}

fn setup(version: Version) -> Fixture {
    let kafka = Kafka::start(version);
    kafka.create_topic("words", 3, &["retention.ms=-1"]);
    kafka.create_topic("counts", 1, &[]);
    let mut config = kafka.client_config();
    config.set("linger.ms", "5").set("compression.type", "zstd");
    for p in 0..3 {
        let records: Vec<TestRecord> = (0..4 + 2 * p)
            .map(|i| TestRecord::new(Some("k"), &format!("w{}", i % 3), Some(T0 + i as i64 * 1000)))
            .collect();
        produce_records(&config, "words", p, &records);
    }
    // The application reads every record (its commits reach the log ends), then stops: its group is Empty.
    let app = StreamsApp::start(&kafka, APP, "words", "counts");
    let ends = [Some(4), Some(6), Some(8)];
    let deadline = std::time::Instant::now() + offset_tools_tests::START_PATIENCE;
    while committed(&kafka.client_config(), APP, "words", &[0, 1, 2]) != ends {
        assert!(std::time::Instant::now() < deadline, "the streams application did not commit the log ends");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    app.stop(&kafka);
    Fixture { kafka, changing: Mutex::new(()) }
}

fn ours(f: &Fixture, args: &[&str]) -> Output {
    let bootstrap = f.kafka.bootstrap();
    shim("kafka-streams-groups.sh", &[&["--bootstrap-server", bootstrap.as_str(), "--reset-offsets"], args].concat())
}

/// The same arguments to Kafka's kafka-streams-groups.sh and to ours (the shim): the same whole stdout, exit 0.
fn side_by_side(f: &Fixture, args: &[&str]) -> Result<Output, Failed> {
    let theirs = streams_groups(&f.kafka, &[&["--reset-offsets"], args].concat());
    check(theirs.code == Some(0) && !theirs.stdout.contains("Error"), || format!("Kafka's tool: {theirs:?}"))?;
    let ours = ours(f, args);
    let expected = sorted_reset_output(&theirs.stdout);
    check(ours.stdout == expected && ours.code == Some(0), || {
        format!(
            "{args:?}\n----- Kafka's, rows sorted\n{expected}----- ours (exit {:?})\n{}{}",
            ours.code, ours.stdout, ours.stderr
        )
    })?;
    Ok(ours)
}

fn plan(f: &Fixture, args: &[&str]) -> Result<(), Failed> {
    let _shared = f.changing.lock().expect("lock");
    side_by_side(f, &[&["--group", APP, "--dry-run"], args].concat()).map(drop)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("to_earliest", V4_4, |f| plan(f, &["--input-topic", "words", "--to-earliest"])),
        ("to_latest_all_input_topics", V4_4, |f| plan(f, &["--all-input-topics", "--to-latest"])),
        ("to_current", V4_4, |f| plan(f, &["--input-topic", "words:0,2", "--to-current"])),
        ("to_offset_clamped", V4_4, |f| plan(f, &["--all-input-topics", "--to-offset", "5"])),
        ("shift_by_both_ways", V4_4, |f| {
            plan(f, &["--input-topic", "words", "--shift-by", "-3"])?;
            plan(f, &["--input-topic", "words", "--shift-by", "2"])
        }),
        ("to_datetime_inside_and_after_the_records", V4_4, |f| {
            plan(f, &["--all-input-topics", "--to-datetime", "2023-11-14T22:13:22.000"])?;
            plan(f, &["--all-input-topics", "--to-datetime", "2030-01-01T00:00:00.000"])
        }),
        ("by_duration", V4_4, |f| plan(f, &["--all-input-topics", "--by-duration", "PT1H"])),
        ("from_file", V4_4, |f| {
            let file = scratch_dir("streams-file").join("plan.csv");
            std::fs::write(&file, "words,0,1\nwords,2,99\n").expect("write csv");
            plan(f, &["--from-file", file.to_str().expect("path")])
        }),
        ("export_is_kafkas", V4_4, |f| plan(f, &["--all-input-topics", "--to-earliest", "--export"])),
        ("a_partition_without_a_committed_offset_is_refused", V4_4, |f| {
            // `counts` is the application's output: it has no committed offset in the group.
            let _shared = f.changing.lock().expect("lock");
            let args = ["--group", APP, "--dry-run", "--input-topic", "counts", "--to-earliest"];
            let theirs = streams_groups(&f.kafka, &[&["--reset-offsets"], &args[..]].concat());
            let message = format!("One or more topics are not part of the group '{APP}'.");
            check(theirs.stdout.contains(&format!("Error: {message}")), || format!("Kafka's tool: {theirs:?}"))?;
            assert_output(
                &ours(f, &args),
                "",
                &format!("Error: {message}\nError: nothing was committed: fix the errors above and run again\n"),
                1,
            );
            Ok(())
        }),
        ("execute_is_read_back_by_kafka", V4_4, |f| {
            let _alone = f.changing.lock().expect("lock");
            let out = ours(f, &["--group", APP, "--all-input-topics", "--to-offset", "3", "--execute"]);
            check(out.code == Some(0), || format!("{out:?}"))?;
            let now = committed(&f.kafka.client_config(), APP, "words", &[0, 1, 2]);
            check(now == [Some(3), Some(3), Some(3)], || format!("librdkafka reads {now:?}"))?;
            // Kafka's own tool plans --to-current from what it reads: our commits.
            let theirs = streams_groups(
                &f.kafka,
                &["--reset-offsets", "--group", APP, "--all-input-topics", "--to-current", "--dry-run"],
            );
            let rows: Vec<&str> = theirs.stdout.lines().filter(|l| l.starts_with(APP)).collect();
            check(rows.len() == 3 && rows.iter().all(|r| r.split_whitespace().nth(3) == Some("3")), || {
                format!("Kafka: {theirs:?}")
            })?;
            // Back where the application stopped, for the other cases.
            let back = ours(f, &["--group", APP, "--all-input-topics", "--to-latest", "--execute"]);
            check(back.code == Some(0), || format!("{back:?}"))
        }),
        ("a_running_application_is_refused", V4_4, |f| {
            let app = StreamsApp::start(&f.kafka, "count-words-live", "words", "counts");
            let args = ["--group", "count-words-live", "--all-input-topics", "--to-earliest", "--execute"];
            let theirs = streams_groups(&f.kafka, &[&["--reset-offsets"], &args[..]].concat());
            let message = "Error: Assignments can only be reset if the group 'count-words-live' is inactive, but the \
                           current state is Stable.";
            check(theirs.stdout.contains(message), || format!("Kafka's tool: {theirs:?}"))?;
            let header = offset_tools_tests::compare::fixed_reset_table(&[]);
            let result = ours(f, &args);
            app.stop(&f.kafka);
            assert_output(&result, &header, &format!("{message}\n"), 3);
            Ok(())
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
