//! Runs every command of docs/migration-guide.md, in order, against a real Kafka 0.9.0.1 broker, through the
//! Kafka-named shims in bin/, and checks where each consumer group ended up. Only the guide's settings block is
//! replaced (by this broker's address, and a switch time taken between two produce batches).

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kafka_offsets::formats::time::format_utc;
use offset_tools_tests::groups::committed;
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::run::{binary, command, get_offset};
use offset_tools_tests::{scratch_dir, workspace_root};

/// The guide's ```sh blocks, in order.
fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

#[test]
fn every_command_of_the_migration_guide() {
    let guide = std::fs::read_to_string(workspace_root().join("docs/migration-guide.md")).unwrap();
    let blocks = shell_blocks(&guide);
    assert!(blocks[0].starts_with("# settings\n"), "the guide starts with its settings block");
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

    let bin_dir = binary("get-offset").parent().unwrap().to_path_buf();
    let settings = format!(
        "export PATH='{}':'{bin}':\"$PATH\"\nexport OFFSET_TOOLS_BIN='{bin}'\nNEW={}\nTOPIC=orders\nGROUP=billing\nSWITCH_TIME={}\nSWITCH_MS={switch_ms}\n",
        workspace_root().join("bin").display(),
        kafka.bootstrap(),
        format_utc(switch_ms),
        bin = bin_dir.display(),
    );
    let script = std::iter::once(settings).chain(blocks[1..].iter().cloned()).collect::<Vec<_>>().join("\n");
    let dir = scratch_dir("guide");
    let out = command(Command::new("bash").arg("-euo").arg("pipefail").arg("-c").arg(&script).current_dir(&dir), None);
    assert_eq!(out.code, Some(0), "the guide's commands failed:\n{}\n{out:?}", script);

    // The offsets at the switch, as 0.9 answers them (segment boundaries), are where billing ended up.
    let at_switch =
        get_offset(&["--bootstrap-server", &kafka.bootstrap(), "--topic", "orders", "--time", &switch_ms.to_string()]);
    assert_eq!(std::fs::read_to_string(dir.join("offsets-at-switch.txt")).unwrap(), at_switch.stdout);
    let expected: Vec<Option<i64>> =
        at_switch.stdout.lines().map(|l| l.rsplit(':').next().unwrap().parse().ok()).collect();
    assert_eq!(expected.len(), 3, "{at_switch:?}");
    assert!(
        expected.iter().all(|o| *o == Some(2)),
        "the last message before the switch starts its segment: {expected:?}"
    );
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
    std::fs::remove_dir_all(dir).unwrap();
}
