//! get-offset's times of tiered storage (KIP-405, KIP-1005, KIP-1023) on real Kafka 3.9, 4.1 and 4.4 brokers with
//! tiered storage enabled on a local directory (LocalTieredStorage, from Kafka's own test jar): a topic whose first
//! segments were copied to remote storage and deleted locally, so that its log start (-2), its local log start
//! (-4/earliest-local), its last tiered offset (-5/latest-tiered) and its first offset still to upload
//! (-6/earliest-pending-upload, 4.2+) differ. Whole outputs compared with each release's GetOffsetShell.

use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use offset_tools_tests::compare::{assert_output, sorted_lines};
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::get_offset;
use offset_tools_tests::scratch_dir;

const TIERED: &[Version] = &[Version::V3_9, Version::V4_1, Version::V4_4];
const BEFORE_4_2: &[Version] = &[Version::V3_9, Version::V4_1];
const V4_4: &[Version] = &[Version::V4_4];

struct Fixture {
    kafka: Kafka,
}

/// One offset per line from GetOffsetShell (`tiered:0:N`), as a number.
fn offset_of(stdout: &str) -> Option<i64> {
    stdout.lines().next()?.rsplit(':').next()?.parse().ok()
}

fn setup(version: Version) -> Fixture {
    let remote = scratch_dir("remote-storage");
    let options = Options::new(version)
        .setting("remote.log.storage.system.enable=true")
        .setting("remote.log.storage.manager.class.name=org.apache.kafka.server.log.remote.storage.LocalTieredStorage")
        .setting("remote.log.storage.manager.impl.prefix=rsm.config.")
        .setting(&format!("rsm.config.dir={}", remote.display()))
        .setting("remote.log.metadata.manager.listener.name=PLAINTEXT")
        .setting("remote.log.metadata.manager.impl.prefix=rlmm.config.")
        .setting("rlmm.config.remote.log.metadata.topic.replication.factor=1")
        .setting("remote.log.manager.task.interval.ms=500")
        .setting("log.retention.check.interval.ms=500");
    let kafka = Kafka::start_with(options);
    kafka.create_topic("plain", 1, &["retention.ms=-1"]);
    kafka.create_topic(
        "tiered",
        1,
        &["remote.storage.enable=true", "segment.ms=500", "local.retention.ms=500", "retention.ms=-1"],
    );
    let mut config = kafka.client_config();
    config.set("linger.ms", "5");
    produce_records(&config, "plain", 0, &[TestRecord::new(None, "p", None)]);
    // Several segments (each rolled after 500 ms), so that the old ones are tiered and then deleted locally.
    for batch in 0..4 {
        let records: Vec<TestRecord> = (0..5).map(|i| TestRecord::new(None, &format!("t{batch}-{i}"), None)).collect();
        produce_records(&config, "tiered", 0, &records);
        std::thread::sleep(Duration::from_millis(700));
    }
    // Until Kafka says something is tiered and the local log starts after the log start.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let tiered = offset_of(&kafka.get_offset_shell(&["--topic", "tiered", "--time", "-5"]).stdout);
        let local = offset_of(&kafka.get_offset_shell(&["--topic", "tiered", "--time", "-4"]).stdout);
        if tiered.is_some() && local.is_some_and(|l| l > 0) {
            break;
        }
        assert!(Instant::now() < deadline, "{} tiered nothing in 90 s (-5: {tiered:?}, -4: {local:?})", kafka.version);
        // New segments keep rolling: produce one record now and then.
        produce_records(&config, "tiered", 0, &[TestRecord::new(None, "tick", None)]);
        std::thread::sleep(Duration::from_millis(1000));
    }
    Fixture { kafka }
}

/// get-offset and GetOffsetShell at one time: the same whole stdout, both exit 0.
fn same(f: &Fixture, time: &str) -> Result<String, Failed> {
    same_on(f, "tiered|plain", time)
}

fn same_on(f: &Fixture, topics: &str, time: &str) -> Result<String, Failed> {
    let theirs = f.kafka.get_offset_shell(&["--topic", topics, "--time", time]);
    check(theirs.code == Some(0), || format!("GetOffsetShell: {theirs:?}"))?;
    let expected = sorted_lines(&theirs.stdout);
    let ours = get_offset(&["--bootstrap-server", &f.kafka.bootstrap(), "--topic", topics, "--time", time]);
    check(ours.code == Some(0) && ours.stdout == expected, || {
        format!("--time {time}\n----- GetOffsetShell\n{expected}----- get-offset\n{}{}", ours.stdout, ours.stderr)
    })?;
    Ok(ours.stdout)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("earliest_local_is_after_the_log_start", TIERED, |f| {
            let earliest = same(f, "-2")?;
            let local = same(f, "-4")?;
            let named = same(f, "earliest-local")?;
            check(local == named && local != earliest, || format!("-2:\n{earliest}-4:\n{local}"))
        }),
        ("latest_tiered_is_the_last_offset_in_remote_storage", TIERED, |f| {
            let tiered = same(f, "-5")?;
            // Only the tiered topic has a line: nothing of `plain` is in remote storage.
            check(tiered.starts_with("tiered:0:") && tiered.lines().count() == 1, || format!("-5:\n{tiered}"))?;
            same(f, "latest-tiered").map(drop)
        }),
        ("earliest_pending_upload_is_after_the_last_tiered_offset", V4_4, |f| {
            // A topic whose segments roll by time on append only (no local retention forces a roll): once producing
            // stops, its last segment's records stay pending upload, and -6 is its base offset.
            f.kafka.create_topic("pending", 1, &["remote.storage.enable=true", "segment.ms=500", "retention.ms=-1"]);
            let config = f.kafka.client_config();
            for batch in 0..4 {
                let records: Vec<TestRecord> =
                    (0..3).map(|i| TestRecord::new(None, &format!("{batch}-{i}"), None)).collect();
                produce_records(&config, "pending", 0, &records);
                std::thread::sleep(Duration::from_millis(700));
            }
            // Until every rolled segment is uploaded: -6 follows -5 and both hold still.
            let deadline = Instant::now() + Duration::from_secs(90);
            let at = |time: &str| offset_of(&f.kafka.get_offset_shell(&["--topic", "pending", "--time", time]).stdout);
            loop {
                let (tiered, pending) = (at("-5"), at("-6"));
                std::thread::sleep(Duration::from_millis(1500));
                if tiered.is_some() && pending == tiered.map(|t| t + 1) && (at("-5"), at("-6")) == (tiered, pending) {
                    break;
                }
                check(Instant::now() < deadline, || format!("-5 {tiered:?} and -6 {pending:?} did not settle"))?;
            }
            let pending = same_on(f, "pending", "-6")?;
            check(pending == same_on(f, "pending", "earliest-pending-upload")?, || "-6 and its name differ".into())?;
            // 4 batches of 3 records, each batch after a roll: the last batch (offsets 9-11) is pending upload.
            check(pending == "pending:0:9\n", || format!("-6:\n{pending}"))?;
            // Not tiered, `plain` has no line.
            check(same_on(f, "plain", "-6")?.is_empty(), || "plain has a -6 offset".into())
        }),
        ("earliest_pending_upload_needs_kafka_4_2", BEFORE_4_2, |f| {
            let out = get_offset(&["--bootstrap-server", &f.kafka.bootstrap(), "--topic", "tiered", "--time", "-6"]);
            let max = if f.kafka.version == Version::V3_9 { 9 } else { 10 };
            let expected = format!(
                "Error: --time earliest-pending-upload needs ListOffsets v11 (Kafka 4.2 or newer); this broker \
                 supports up to v{max}\n"
            );
            assert_output(&out, "", &expected, 1);
            Ok(())
        }),
        ("the_partition_without_tiered_data_is_named", TIERED, |f| {
            let out = get_offset(&["--bootstrap-server", &f.kafka.bootstrap(), "--topic", "plain", "--time", "-5"]);
            assert_output(
                &out,
                "",
                "Warn: no offset for topic-partition plain:0 at time latest-tiered: the partition has no such offset\n",
                0,
            );
            Ok(())
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
