//! Runs every command of docs/migration-guide.md, in order, against a real Kafka 0.9.0.1 broker, through the
//! Kafka-named shims in bin/, and checks where each consumer group ended up. Only the guide's settings blocks are
//! replaced: the first by this broker's address and a switch time taken between two produce batches; the second
//! (migrate-groups, step 8) by this broker as the old cluster and a mock cluster as the new one.

use std::time::Duration;

use offset_tools_tests::fake_broker::{FakeBroker, Script};
use offset_tools_tests::groups::{commit, committed};
use offset_tools_tests::guide;
use offset_tools_tests::harness::now_ms;
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::mock::Mock;
use offset_tools_tests::scratch_dir;

#[test]
fn every_command_of_the_migration_guide() {
    let blocks = guide::blocks();
    assert!(blocks[0].text.starts_with("# settings\n"), "the guide starts with its settings block");
    assert!(blocks.len() >= 10, "{} blocks", blocks.len());

    let kafka = Kafka09::start();
    // Tiny segments, one message per request: a time between the batches resolves to a segment boundary on 0.9.
    kafka.create_topic("orders", 3, &["segment.bytes=50"]);
    for p in 0..3 {
        kafka.produce("orders", p, 3);
    }
    std::thread::sleep(Duration::from_millis(1200));
    let switch_ms = now_ms();
    std::thread::sleep(Duration::from_millis(1200));
    for p in 0..3 {
        kafka.produce("orders", p, 2);
    }

    // Step 8: groups that read the old cluster (this broker), and a new cluster (a mock, with record timestamps)
    // holding a copy of `orders` made before the switch at T0 + 10 s, then records produced after it; `payments`
    // was not copied.
    const T0: i64 = 1_700_000_000_000;
    kafka.create_topic("payments", 2, &[]);
    for p in 0..2 {
        kafka.produce("payments", p, 3);
    }
    let old_config = kafka.client_config();
    for group in ["shipping", "invoicing"] {
        commit(&old_config, group, "orders", &[(0, 5), (1, 5), (2, 5)]);
    }
    commit(&old_config, "search", "orders", &[(0, 3), (1, 3), (2, 3)]);
    commit(&old_config, "audit", "payments", &[(0, 3), (1, 3)]);
    let new = Mock::start(2);
    new.topic("orders", 3).topic("payments", 2);
    for p in 0..3 {
        // The old records: the two produce batches above (each numbers its messages from 0).
        let copy: Vec<String> = [0, 1, 2, 0, 1].iter().map(|i| format!("orders-{p}-{i}")).collect();
        new.produce_payloads("orders", p, &copy, T0);
        new.produce_payloads("orders", p, &[format!("after-{p}-0"), format!("after-{p}-1")], T0 + 11_000);
    }
    for p in 0..2 {
        new.produce_payloads("payments", p, &[format!("after-{p}-0")], T0 + 12_000);
    }

    // Step 1: an old cluster whose topic the new one (this broker) has already, as copy-topics finds it (0.9 cannot
    // create topics over the protocol).
    let old_cluster = FakeBroker::start(Script::default());
    old_cluster.add_topic("orders", 3, &[]);

    let settings = guide::Settings {
        old: &old_cluster.address,
        new: &kafka.bootstrap(),
        topic: "orders",
        group: "billing",
        switch_ms,
    };
    let migrate_settings = guide::migrate_settings(&kafka.bootstrap(), &new.bootstrap, T0 + 10_000);
    assert!(
        blocks.iter().any(|b| b.text.starts_with("# settings for migrate-groups\n")),
        "the guide has step 8's settings block"
    );
    let dir = scratch_dir("guide");
    // Step 2 (MirrorMaker 2 and its catch-up check) is the real-cluster test's: nothing copies to 0.9 here.
    let blocks: Vec<guide::Block> = blocks.into_iter().filter(|b| !b.section.starts_with("2.")).collect();
    let (script, out) = guide::run(&blocks, &settings, &migrate_settings, &dir);
    assert_eq!(out.code, Some(0), "the guide's commands failed:\n{}\n{out:?}", script);
    assert!(
        out.stdout.contains("orders                         3          1           exists     -\n"),
        "copy-topics found orders on the new cluster: {}",
        out.stdout
    );

    // The offsets at the switch, as 0.9 answers them: a segment holds one message (segment.bytes=50), so the newest
    // segment last written before the switch is the one of the first batch's last message, offset 2, on each
    // partition (computed from what was produced, not asked of a tool).
    assert_eq!(
        std::fs::read_to_string(dir.join("offsets-at-switch.txt")).unwrap(),
        "orders:0:2\norders:1:2\norders:2:2\n"
    );
    let expected = [Some(2); 3];
    let config = kafka.client_config();
    assert_eq!(committed(&config, "billing", "orders", &[0, 1, 2]), expected);
    assert_eq!(
        std::fs::read_to_string(dir.join("billing-offsets.csv")).unwrap(),
        "orders,0,2\norders,1,2\norders,2,2\n\n"
    );
    assert_eq!(committed(&config, "billing-replay", "orders", &[0, 1, 2]), [Some(0); 3]);
    assert_eq!(committed(&config, "billing-live", "orders", &[0, 1, 2]), [Some(5); 3]);
    for group in ["billing-a", "billing-b"] {
        assert_eq!(committed(&config, group, "orders", &[0, 1, 2]), [Some(0); 3]);
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("offsets-at-switch.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(3));
    assert!(out.stdout.contains("billing is ready on the new cluster"), "{}", out.stdout);

    // Step 8: on the new cluster, each group where the strategy puts it; the old cluster unchanged.
    let new_config = new.client_config();
    for group in ["shipping", "invoicing"] {
        assert_eq!(committed(&new_config, group, "orders", &[0, 1, 2]), [Some(5); 3], "{group}");
        assert_eq!(committed(&old_config, group, "orders", &[0, 1, 2]), [Some(5); 3], "{group} on the old cluster");
    }
    assert_eq!(committed(&new_config, "audit", "payments", &[0, 1]), [Some(0); 2]);
    assert_eq!(committed(&new_config, "search", "orders", &[0, 1, 2]), [Some(3); 3]);
    assert_eq!(committed(&old_config, "search", "orders", &[0, 1, 2]), [Some(3); 3]);
    assert_eq!(
        std::fs::read_to_string(dir.join("search-plan.csv")).unwrap(),
        "search,orders,0,3\nsearch,orders,1,3\nsearch,orders,2,3\n\n"
    );
    // The backup of a first migration: a row with the offset - for each partition the groups had no offset
    // for, which restoring the backup deletes.
    assert_eq!(
        std::fs::read_to_string(dir.join("new-before-switch.csv")).unwrap(),
        "invoicing,orders,0,-\ninvoicing,orders,1,-\ninvoicing,orders,2,-\nshipping,orders,0,-\nshipping,orders,1,-\n\
         shipping,orders,2,-\n\n",
        "nothing was committed before"
    );
    assert!(out.stdout.contains("every group can be migrated"), "{}", out.stdout);
    std::fs::remove_dir_all(dir).unwrap();
}
