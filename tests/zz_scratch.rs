use offset_tools_tests::groups::commit;
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::mirror::{dump, MirrorMaker};
use offset_tools_tests::produce::{produce_records, TestRecord};
use std::time::{Duration, Instant};

#[test]
fn scratch() {
    let old = Kafka::start(Version::V3_9);
    let new = Kafka::start(Version::V4_1);
    old.create_topic("orders", 3, &["retention.ms=-1"]);
    let mut config = old.client_config();
    config.set("linger.ms", "5");
    for p in 0..3 {
        let records: Vec<TestRecord> =
            (0..100).map(|i| TestRecord::new(Some("k"), &format!("o{p}-{i}"), None)).collect();
        produce_records(&config, "orders", p, &records);
    }
    commit(&old.client_config(), "g1", "orders", &[(0, 50), (1, 100), (2, 7)]);
    let t = Instant::now();
    let mm = MirrorMaker::start(&old, &new, "orders", &[]);
    for p in 0..3 {
        mm.wait_for_records(&new, "orders", p, 100, Duration::from_secs(120));
    }
    eprintln!("copied in {:?}", t.elapsed());
    std::thread::sleep(Duration::from_secs(5));
    eprintln!("{:?}", new.consumer_groups(&["--describe", "--group", "g1"]));
    eprintln!("{}", dump(&new.client_config(), "orders", 0, "read_uncommitted").len());
    eprintln!("{:?}", new.get_offset_shell(&[]).stdout);
}
