//! Kafka 4.1.1 (KRaft, single node, loopback): the tools side by side with Kafka's own JVM tools, run as
//! `kafka-get-offsets.sh` and `kafka-consumer-groups.sh` run them, and kcat, on the same broker in the same run.

use std::fmt::Write as _;
use std::process::Command;

use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::produce::{produce, produce_payloads};

use super::{jvm_tool, kcat_query, measure, run_ok, strings, Measured, Table, Tools};

const V4: Version = Version::V4_1;
const T0: i64 = 1_700_000_000_000;
/// Kafka's `kafka-consumer-groups.sh`.
const GROUPS_CLASS: &str = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

/// kafka-consumer-groups.sh on `args` (3 runs), a row beside ours.
fn consumer_groups_row(table: &mut Table, kafka: &Kafka, case: &str, args: &[String], ours: &Measured) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let theirs = measure(3, &jvm_tool(kafka, GROUPS_CLASS, &refs));
    table.row(case, "kafka-consumer-groups.sh 4.1 (JVM)", &theirs, Some(ours));
}

fn with_groups(mut cmd: Vec<String>, groups: &[String]) -> Vec<String> {
    cmd.extend(groups.iter().flat_map(|g| ["--group".to_string(), g.clone()]));
    cmd
}

/// A 4-column --from-file of these groups on `topic`, offsets spread over 0..=100.
fn groups_file(dir: &std::path::Path, name: &str, groups: &[String], topic: &str, partitions: usize) -> String {
    let rows: String = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| (0..partitions).map(move |p| format!("{group},{topic},{p},{}\n", (g * 7 + p * 3) % 101)))
        .collect();
    let file = dir.join(name);
    std::fs::write(&file, rows).expect("write a groups file");
    file.display().to_string()
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}")).collect()
}

pub fn kafka41(tools: &Tools, out: &mut String) {
    eprintln!("starting two Kafka 4.1.1 brokers ...");
    let mut options = Options::new(V4);
    options.heap = "1g";
    let (kafka, new) = std::thread::scope(|s| {
        let new = s.spawn(|| Kafka::start(V4));
        (Kafka::start_with(options), new.join().expect("the second broker"))
    });
    let bootstrap = kafka.bootstrap();
    let config = kafka.client_config();
    kafka.create_topic("bench1", 1, &[]);
    produce(&config, "bench1", 0, 100, None);
    for (topic, partitions) in [("bench1000", 1000), ("bench9000", 9000)] {
        kafka.create_topic(topic, partitions, &[]);
        for p in (0..partitions).step_by(100) {
            produce(&config, topic, p, 10, None);
        }
    }
    kafka.create_topic("ten", 10, &[]);
    kafka.create_topic("one", 1, &[]);
    for p in 0..10 {
        produce(&config, "ten", p, 101, None);
    }
    produce(&config, "one", 0, 101, None);
    let dir = offset_tools_tests::scratch_dir("bench-kafka41");

    // get-offset, GetOffsetShell and kcat -Q.
    let mut table = Table::new("Kafka 4.1.1 (KRaft, loopback): log end offsets");
    for (topic, partitions, runs, jvm_runs) in
        [("bench1", 1, 21, 5), ("bench1000", 1000, 21, 3), ("bench9000", 9000, 11, 3)]
    {
        let case = format!("latest, {partitions} partition(s)");
        let ours = measure(
            runs,
            &strings(&[&tools.get_offset, "--bootstrap-server", &bootstrap, "--topic", topic, "--time", "-1"]),
        );
        table.row(&case, "get-offset", &ours, None);
        let theirs = jvm_tool(
            &kafka,
            "org.apache.kafka.tools.GetOffsetShell",
            &["--bootstrap-server", &bootstrap, "--topic", topic, "--time", "-1"],
        );
        table.row(&case, "kafka-get-offsets.sh 4.1 (JVM)", &measure(jvm_runs, &theirs), Some(&ours));
        if let Some(kcat) = &tools.kcat {
            table.row(
                &case,
                "kcat -Q",
                &measure(runs, &kcat_query(kcat, &bootstrap, false, topic, partitions)),
                Some(&ours),
            );
        }
    }

    // One group, 1,000 partitions.
    let one_group = |action: &str| {
        strings(&["--bootstrap-server", &bootstrap, "--reset-offsets", "--group", "bench", "--topic", "bench1000"])
            .into_iter()
            .chain(strings(&["--to-earliest", action]))
            .collect::<Vec<String>>()
    };
    for action in ["--dry-run", "--execute"] {
        let case = format!("1 group, 1,000 partitions, --to-earliest {action}");
        let args = one_group(action);
        let mut ours = vec![tools.reset_offsets.clone()];
        ours.extend(args.iter().filter(|a| *a != "--reset-offsets").cloned());
        let ours = measure(11, &ours);
        table.row(&case, "reset-offsets", &ours, None);
        consumer_groups_row(&mut table, &kafka, &case, &args, &ours);
    }

    // 1,000 groups of 10 partitions: the only groups of the broker for the --all-groups cases.
    let thousand = names("g", 1000);
    let file = groups_file(&dir, "thousand.csv", &thousand, "ten", 10);
    let from_file =
        with_groups(strings(&["--bootstrap-server", &bootstrap, "--from-file", &file, "--execute"]), &thousand);
    let ours_cmd = |args: &[String]| {
        let mut cmd = vec![tools.reset_offsets.clone()];
        cmd.extend(args.iter().cloned());
        cmd
    };
    run_ok(&ours_cmd(&from_file));
    let mut theirs_from_file = vec!["--reset-offsets".to_string()];
    theirs_from_file.extend(from_file.iter().cloned());
    let cases: [(&str, Vec<String>, Vec<String>); 3] = [
        ("1,000 groups x 10 partitions, --from-file (4 columns) --execute", from_file.clone(), theirs_from_file),
        (
            "--all-groups (1,000) --all-topics --to-earliest --dry-run",
            strings(&["--bootstrap-server", &bootstrap, "--all-groups", "--all-topics", "--to-earliest", "--dry-run"]),
            strings(&[
                "--bootstrap-server",
                &bootstrap,
                "--reset-offsets",
                "--all-groups",
                "--all-topics",
                "--to-earliest",
                "--dry-run",
            ]),
        ),
        (
            "--all-groups (1,000) --topic ten --to-earliest --execute",
            strings(&[
                "--bootstrap-server",
                &bootstrap,
                "--all-groups",
                "--topic",
                "ten",
                "--to-earliest",
                "--execute",
            ]),
            strings(&[
                "--bootstrap-server",
                &bootstrap,
                "--reset-offsets",
                "--all-groups",
                "--topic",
                "ten",
                "--to-earliest",
                "--execute",
            ]),
        ),
    ];
    for (case, ours_args, theirs_args) in cases {
        let ours = measure(5, &ours_cmd(&ours_args));
        table.row(case, "reset-offsets", &ours, None);
        consumer_groups_row(&mut table, &kafka, case, &theirs_args, &ours);
    }

    // The same 1,000 groups (and the one of 1,000 partitions) described: committed offsets, log ends, lag.
    let case = "--describe --all-groups (1,001 groups, 11,000 partitions)";
    let ours =
        measure(5, &strings(&[&tools.describe_groups, "--bootstrap-server", &bootstrap, "--describe", "--all-groups"]));
    table.row(case, "describe-groups", &ours, None);
    let args = strings(&["--bootstrap-server", &bootstrap, "--describe", "--all-groups"]);
    consumer_groups_row(&mut table, &kafka, case, &args, &ours);

    // First commits: 1,000 groups the broker has never seen (what a migration does), new names for every run, after
    // the --all-groups cases (which must see the thousand alone).
    let case = "1,000 new groups x 10 partitions, --from-file --execute (first commits)";
    let new_groups = |tag: String| {
        let groups = names(&format!("{tag}-"), 1000);
        let file = groups_file(&dir, &format!("{tag}.csv"), &groups, "ten", 10);
        with_groups(strings(&["--bootstrap-server", &bootstrap, "--from-file", &file, "--execute"]), &groups)
    };
    let ours: Vec<Measured> = (0..5).map(|i| measure(1, &ours_cmd(&new_groups(format!("new{i}"))))).collect();
    let ours = Measured::of_single_runs(&ours);
    table.row(case, "reset-offsets", &ours, None);
    let theirs: Vec<Measured> = (0..3)
        .map(|i| {
            let mut args = vec!["--reset-offsets".to_string()];
            args.extend(new_groups(format!("jvm{i}")));
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            measure(1, &jvm_tool(&kafka, GROUPS_CLASS, &refs))
        })
        .collect();
    table.row(case, "kafka-consumer-groups.sh 4.1 (JVM)", &Measured::of_single_runs(&theirs), Some(&ours));
    out.push_str(&table.markdown);

    migrate(tools, &kafka, &new, &dir, out);

    // Last (the --all-groups cases above see only the thousand): 10,000 groups of 1 partition.
    let many = names("h", 10_000);
    let file = groups_file(&dir, "many.csv", &many, "one", 1);
    let cmd =
        ours_cmd(&with_groups(strings(&["--bootstrap-server", &bootstrap, "--from-file", &file, "--execute"]), &many));
    let mut table = Table::new("Kafka 4.1.1: 10,000 groups of 1 partition in one run");
    table.row("10,000 groups x 1 partition, --from-file --execute", "reset-offsets", &measure(3, &cmd), None);
    out.push_str(&table.markdown);
    out.push_str(
        "\nKafka's tool was not run on 10,000 groups: at its pace on 1,000 groups (the table above) it would take \
         minutes a run.\n",
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// migrate-groups of 1,000 groups x 10 partitions from one 4.1 broker to another: 100 records a partition on the old
/// one, copied (same records and timestamps) to the new one, which then got 20 more a partition after the switch.
fn migrate(tools: &Tools, old: &Kafka, new: &Kafka, dir: &std::path::Path, out: &mut String) {
    let (old_config, new_config) = (old.client_config(), new.client_config());
    for cluster in [old, new] {
        cluster.create_topic("mig", 10, &[]);
    }
    for p in 0..10 {
        let at = |i: usize| T0 + i as i64 * 1000;
        produce(&old_config, "mig", p, 100, Some(&at));
        produce(&new_config, "mig", p, 100, Some(&at));
        let after: Vec<String> = (0..20).map(|j| format!("after-{p}-{j}")).collect();
        produce_payloads(&new_config, "mig", p, &after, Some(&|_| T0 + 200_000));
    }
    let groups = names("m", 1000);
    let file = groups_file(dir, "migrate.csv", &groups, "mig", 10);
    run_ok(&with_groups(
        strings(&[&tools.reset_offsets, "--bootstrap-server", &old.bootstrap(), "--from-file", &file, "--execute"]),
        &groups,
    ));
    let switch = kafka_offsets::formats::time::format_utc(T0 + 150_000);
    let mut markdown = String::from(
        "\n### migrate-groups, Kafka 4.1.1 to Kafka 4.1.1, 1,000 groups x 10 partitions (5 runs each)\n\n\
         | strategy | run | median (ms) | max (ms) | peak RSS (MiB) |\n|---|---|---:|---:|---:|\n",
    );
    for (label, strategy) in [
        ("--to-switch-time --allow-lag", strings(&["--to-switch-time", &switch, "--allow-lag"])),
        ("--by-record", strings(&["--by-record"])),
    ] {
        for run in ["--dry-run", "--execute"] {
            let mut cmd = strings(&[&tools.migrate_groups, "--from", &old.bootstrap(), "--to", &new.bootstrap()]);
            cmd.extend(strategy.iter().cloned());
            cmd.push(run.into());
            let cmd = with_groups(cmd, &groups);
            let m = measure(5, &cmd);
            if !m.ok() {
                // What it said, for the reader of the bench's log.
                let out = Command::new(&cmd[0]).args(&cmd[1..]).output().expect("run migrate-groups again");
                let stderr = String::from_utf8_lossy(&out.stderr);
                let mut lines: Vec<&str> = stderr.lines().collect();
                lines.dedup_by_key(|l| l.split(':').next().unwrap_or_default().to_string());
                eprintln!("migrate-groups {label} {run} exited {:?}:\n{}", out.status.code(), lines.join("\n"));
            }
            let status = if m.ok() { String::new() } else { format!(" (exit codes {:?})", m.codes) };
            let _ = writeln!(
                markdown,
                "| {label}{status} | {run} | {:.1} | {:.1} | {:.1} |",
                m.median_ms,
                m.max_ms,
                m.peak_rss_kib as f64 / 1024.0
            );
            eprintln!(
                "migrate 1000 groups {label:<32} {run:<10} median {:>8.1} ms  max {:>8.1} ms  {:.1} MiB",
                m.median_ms,
                m.max_ms,
                m.peak_rss_kib as f64 / 1024.0
            );
        }
    }
    out.push_str(&markdown);
}
