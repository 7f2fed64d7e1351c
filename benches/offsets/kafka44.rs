//! Kafka 4.4.0 (KRaft, single node, loopback): a share group's reset (KIP-932, its start offsets) beside Kafka's own
//! `kafka-share-groups.sh --reset-offsets`, run as the script runs it, on the same broker in the same run.

use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::produce::produce;

use super::{jvm_tool, measure, run_ok, strings, Table, Tools};

const SHARE_GROUPS: &str = "org.apache.kafka.tools.consumer.group.ShareGroupCommand";

pub fn share_groups(tools: &Tools, out: &mut String) {
    eprintln!("starting a Kafka 4.4.0 broker ...");
    let kafka = Kafka::start(Version::V4_4);
    let bootstrap = kafka.bootstrap();
    let config = kafka.client_config();
    kafka.create_topic("share1000", 1000, &[]);
    for p in (0..1000).step_by(100) {
        produce(&config, "share1000", p, 10, None);
    }
    // The share group, with a start offset on every partition (KIP-1323: set before any consumer).
    let set = |action: &str| -> Vec<String> {
        strings(&["--bootstrap-server", &bootstrap, "--group", "sbench", "--topic", "share1000", "--to-latest", action])
    };
    let mut init = vec![tools.reset_offsets.clone(), "--group-type".into(), "share".into()];
    init.extend(set("--execute"));
    run_ok(&init);
    let mut table = Table::new("Kafka 4.4.0 (KRaft, loopback): a share group's start offsets");
    for action in ["--dry-run", "--execute"] {
        let case = format!("1 share group, 1,000 partitions, --to-earliest {action}");
        let args = strings(&[
            "--bootstrap-server",
            &bootstrap,
            "--reset-offsets",
            "--group",
            "sbench",
            "--topic",
            "share1000",
            "--to-earliest",
            action,
        ]);
        let mut ours = vec![tools.reset_offsets.clone(), "--group-type".into(), "share".into()];
        ours.extend(args.iter().filter(|a| *a != "--reset-offsets").cloned());
        let ours = measure(11, &ours);
        table.row(&case, "reset-offsets --group-type share", &ours, None);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let theirs = jvm_tool(&kafka, SHARE_GROUPS, &refs);
        table.row(&case, "kafka-share-groups.sh 4.4 (JVM)", &measure(3, &theirs), Some(&ours));
    }
    out.push_str(&table.markdown);
}
