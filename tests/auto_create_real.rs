//! Production brokers create a topic when a client asks for it by name (`auto.create.topics.enable=true`, Kafka's
//! default; every other real-broker test turns it off). Here both clusters keep the default, on each era (ZooKeeper
//! 2.8, KRaft 3.9 and 4.4), and every tool given a topic that does not exist, or a topic the new cluster lacks,
//! creates nothing: Kafka's own `kafka-topics.sh --list` of both clusters is the same after as before.

use libtest_mimic::Failed;
use offset_tools_tests::groups::commit;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::produce::produce;
use offset_tools_tests::run::{tool, Output};

const ERAS: &[Version] = &[Version::V2_8, Version::V3_9, Version::V4_4];

struct Fixture {
    old: Kafka,
    new: Kafka,
}

fn setup(version: Version) -> Fixture {
    let start = || Kafka::start_with(Options::new(version).setting("auto.create.topics.enable=true"));
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(start);
        (old.join().expect("old cluster"), start())
    });
    // A topic only the old cluster has, with a group half-way through it.
    old.create_topic("orders", 2, &[]);
    for p in 0..2 {
        produce(&old.client_config(), "orders", p, 10, None);
    }
    commit(&old.client_config(), "billing", "orders", &[(0, 5), (1, 5)]);
    Fixture { old, new }
}

/// The user topics of a cluster, as Kafka's TopicCommand lists them (internal topics appear with the first group).
fn topics(kafka: &Kafka) -> String {
    let out = kafka.tool(kafka.version.topic_command(), &["--bootstrap-server", &kafka.bootstrap(), "--list"]);
    assert_eq!(out.code, Some(0), "kafka-topics.sh --list: {out:?}");
    out.stdout.lines().filter(|t| !t.is_empty() && !t.starts_with("__")).map(|t| format!("{t}\n")).collect()
}

/// Runs each tool command, then checks both clusters list the same topics as before.
fn creates_nothing(f: &Fixture, runs: &[(&str, Vec<String>)]) -> Result<(), Failed> {
    let before = (topics(&f.old), topics(&f.new));
    check(before == ("orders\n".to_string(), String::new()), || format!("the clusters' topics: {before:?}"))?;
    let mut outputs: Vec<Output> = Vec::new();
    for (name, args) in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        outputs.push(tool(name, &args, None));
    }
    // A moment for a creation the broker might do after answering.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let after = (topics(&f.old), topics(&f.new));
    check(after == before, || format!("topics were created: {before:?} became {after:?} after {outputs:#?}"))?;
    // A topic that exists nowhere is an error, never a success on a topic made up for it.
    for ((_, args), out) in runs.iter().zip(&outputs) {
        let nowhere = args.iter().any(|a| a.contains("nosuch"));
        check(!nowhere || (out.code == Some(1) && out.stderr.starts_with("Error: ")), || format!("{args:?}: {out:?}"))?;
    }
    Ok(())
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("get_offset_creates_nothing", ERAS, |f| {
            let b = f.old.bootstrap();
            creates_nothing(
                f,
                &[
                    ("get-offset", strings(&["--bootstrap-server", &b, "--topic", "nosuch-get"])),
                    ("get-offset", strings(&["--bootstrap-server", &b, "--topic-partitions", "nosuch-tp:0"])),
                    ("get-offset", strings(&["--bootstrap-server", &f.new.bootstrap(), "--topic", "orders"])),
                ],
            )
        }),
        ("reset_offsets_creates_nothing", ERAS, |f| {
            let b = f.old.bootstrap();
            let rows = f.old.dir().join("offsets.csv");
            std::fs::write(&rows, "nosuch-file,0,5\n").expect("write the offsets file");
            let common = ["--bootstrap-server", &b, "--group", "g", "--execute"];
            creates_nothing(
                f,
                &[
                    ("reset-offsets", strings(&[&common[..], &["--topic", "nosuch-reset", "--to-earliest"]].concat())),
                    ("reset-offsets", strings(&[&common[..], &["--topic", "nosuch-r:0", "--to-offset", "1"]].concat())),
                    ("reset-offsets", strings(&[&common[..], &["--from-file", rows.to_str().unwrap()]].concat())),
                ],
            )
        }),
        ("migrate_groups_creates_nothing_on_the_new_cluster", ERAS, |f| {
            let (old, new) = (f.old.bootstrap(), f.new.bootstrap());
            let migrate = |strategy: &[&str]| {
                let args = ["--from", &old, "--to", &new, "--group", "billing", "--execute"];
                ("migrate-groups", strings(&[&args[..], strategy].concat()))
            };
            creates_nothing(
                f,
                &[
                    migrate(&["--by-record"]),
                    migrate(&["--to-earliest"]),
                    migrate(&["--to-switch-time", "2026-01-01T00:00:00.000Z"]),
                    migrate(&["--to-earliest", "--topic", "nosuch-migrate"]),
                ],
            )
        }),
        ("copy_topics_dry_run_creates_nothing", ERAS, |f| {
            let (old, new) = (f.old.bootstrap(), f.new.bootstrap());
            creates_nothing(
                f,
                &[
                    ("copy-topics", strings(&["--from", &old, "--to", &new, "--dry-run"])),
                    ("copy-topics", strings(&["--from", &old, "--to", &new, "--topic", "orders", "--dry-run"])),
                    ("copy-topics", strings(&["--from", &old, "--to", &new, "--topic", "nosuch-copy", "--execute"])),
                ],
            )
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
