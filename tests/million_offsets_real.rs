//! A million offsets in one reset-offsets run on Kafka 4.1: 1,000 groups x 1,000 partitions from one `--from-file`.
//! The commits (about 25 KB each), the offset reads of a thousand groups (answers of 20+ MB) and the read-back
//! must pass through the connections' request windows and frame limits without a stall or a refusal. The planned
//! offsets are the test's own; what the broker keeps is read back with librdkafka for a sample of groups, every
//! partition.

use std::fmt::Write as _;

use offset_tools_tests::compare::reset_table;
use offset_tools_tests::groups::committed;
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::produce::produce_to_each;
use offset_tools_tests::run::reset_offsets;
use offset_tools_tests::scratch_dir;

const GROUPS: usize = 1000;
const PARTITIONS: i32 = 1000;
const RECORDS: usize = 4;

/// A planned offset, spread over each partition's records (log end included).
fn planned(group: usize, partition: i32) -> i64 {
    ((group * 7 + partition as usize * 3) % (RECORDS + 1)) as i64
}

#[test]
fn a_thousand_groups_of_a_thousand_partitions_are_committed() {
    let mut options = Options::new(Version::V4_4);
    // The coordinator keeps every committed offset in memory: a million of them take about 230 MB of heap.
    options.heap = "1g";
    let kafka = Kafka::start_with(options);
    kafka.create_topic("wide", PARTITIONS, &[]);
    produce_to_each(&kafka.client_config(), "wide", PARTITIONS, RECORDS);

    let groups: Vec<String> = (0..GROUPS).map(|g| format!("wide{g:04}")).collect();
    let mut file = String::new();
    let mut rows = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        for p in 0..PARTITIONS {
            let _ = writeln!(file, "{group},wide,{p},{}", planned(g, p));
            rows.push((group.as_str(), "wide", p, planned(g, p)));
        }
    }
    let dir = scratch_dir("million");
    let path = dir.join("plan.csv");
    std::fs::write(&path, file).expect("write the plan");
    let bootstrap = kafka.bootstrap();
    let mut args = vec!["--bootstrap-server", &bootstrap, "--from-file", path.to_str().unwrap(), "--timeout", "120000"];
    args.extend(groups.iter().flat_map(|g| ["--group", g.as_str()]));
    args.push("--execute");
    let out = reset_offsets(&args);
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "after {:?}", out.elapsed);
    // The table of what was committed and read back as planned: every row, in Kafka's order.
    rows.sort();
    let expected = reset_table(&rows);
    if out.stdout != expected {
        let (ours, theirs): (Vec<&str>, Vec<&str>) = (out.stdout.lines().collect(), expected.lines().collect());
        let first = ours.iter().zip(&theirs).position(|(a, b)| a != b).unwrap_or(ours.len().min(theirs.len()));
        panic!(
            "{} lines printed, {} expected; first difference at line {first}: {:?} where {:?}",
            ours.len(),
            theirs.len(),
            ours.get(first),
            theirs.get(first)
        );
    }

    let config = kafka.client_config();
    let partitions: Vec<i32> = (0..PARTITIONS).collect();
    for g in (0..GROUPS).step_by(97).chain([GROUPS - 1]) {
        let expected: Vec<Option<i64>> = partitions.iter().map(|&p| Some(planned(g, p))).collect();
        assert_eq!(committed(&config, &groups[g], "wide", &partitions), expected, "{}", groups[g]);
    }
    std::fs::remove_dir_all(dir).unwrap();
}
