//! `make bench`: wall time (median and maximum of repeated runs) and peak RSS of the tools side by side with the
//! tools they replace, on the same brokers in one run, and round trips counted with a per-broker round-trip time on
//! the mock cluster. Sections:
//! 1. get-offset and kcat -Q on the mock cluster (1 and 3 brokers, 1 and 1,000 partitions, 51 runs each);
//! 2. round trips with 20 ms per broker (10 ms each way): get-offset, kcat -Q, a reset dry run and an execute,
//!    with the tool's own trace of each phase;
//! 3. Kafka 0.9.0.1: get-offset, its own GetOffsetShell (JVM) and kcat; a reset of 1,000 partitions;
//! 4. Kafka 0.9.0.1: 1, 10, 100 and 1,000 groups of 10 partitions in one run (dry run and execute);
//! 5. the mock cluster at scale: 10,000 partitions, and a 1,000,000-row --from-file;
//! 6. migrate-groups between two mock clusters: 10, 100 and 1,000 groups of 10 partitions, each strategy, with each
//!    cluster's rounds;
//! 7. Kafka 4.1.1 (`kafka41`): get-offset on 1, 1,000 and 9,000 partitions beside kafka-get-offsets.sh and kcat;
//!    resets of 1 group x 1,000 partitions, 1,000 groups (--from-file, --all-groups) beside kafka-consumer-groups.sh;
//!    migrate-groups of 1,000 groups between two 4.1 brokers; 10,000 groups in one run;
//! 8. Kafka 4.4.0 (`kafka44`): a share group's reset of 1,000 partitions beside kafka-share-groups.sh.
//!
//! Prints Markdown (also written to target/benchmarks.md) for docs/benchmarks.md.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::binary;
use offset_tools_tests::workspace_root;

#[path = "offsets/kafka41.rs"]
mod kafka41;
#[path = "offsets/kafka44.rs"]
mod kafka44;

#[derive(Debug, Clone)]
struct Measured {
    median_ms: f64,
    max_ms: f64,
    peak_rss_kib: u64,
    runs: u64,
    codes: Vec<i64>,
    /// What the last run printed.
    stdout: String,
    stderr: String,
}

impl Measured {
    /// Every run exited 0, and the last one printed something and no error: Kafka's JVM tools exit 0 on many
    /// failures ("Error: Executing consumer group command failed ...", "Error occurred: ..."), so their words are
    /// read too. A stack trace alone is not a failure: kafka-consumer-groups.sh prints one for every 4-column
    /// --from-file (it tries the 3-column form first) and goes on.
    fn ok(&self) -> bool {
        self.codes == [0] && self.errors().is_empty() && !self.stdout.trim().is_empty()
    }

    /// The lines of the last run that say an error.
    fn errors(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .filter(|l| {
                l.starts_with("Error")
                    || l.starts_with("Exception in thread")
                    || l.starts_with("ERROR")
                    || l.contains(" ERROR ")
            })
            .collect()
    }

    /// One measurement of several, each of one run (of commands that cannot be repeated as they are): the median
    /// of their times, the largest maximum and RSS.
    fn of_single_runs(each: &[Measured]) -> Measured {
        let mut walls: Vec<f64> = each.iter().map(|m| m.median_ms).collect();
        walls.sort_by(f64::total_cmp);
        let mut codes: Vec<i64> = each.iter().flat_map(|m| m.codes.clone()).collect();
        codes.sort();
        codes.dedup();
        let last = each.last().expect("at least one run");
        Measured {
            median_ms: walls[walls.len() / 2],
            max_ms: each.iter().map(|m| m.max_ms).fold(0.0, f64::max),
            peak_rss_kib: each.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0),
            runs: each.len() as u64,
            codes,
            stdout: last.stdout.clone(),
            stderr: last.stderr.clone(),
        }
    }
}

/// Runs `cmd` `runs` times through scripts/measure.py (wait4 gives each run's peak RSS); `stdin` is fed to each.
fn measure_with(runs: u32, cmd: &[String], stdin: Option<&Path>) -> Measured {
    let script = workspace_root().join("scripts/measure.py");
    let mut command = Command::new("python3");
    command.arg(script).arg(runs.to_string());
    if let Some(stdin) = stdin {
        command.arg("--stdin").arg(stdin);
    }
    let out = command.arg("--").args(cmd).output().expect("run scripts/measure.py");
    assert!(out.status.success(), "measure.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("measure.py JSON");
    Measured {
        median_ms: v["median_ms"].as_f64().unwrap(),
        max_ms: v["max_ms"].as_f64().unwrap(),
        peak_rss_kib: v["peak_rss_kib"].as_u64().unwrap(),
        runs: v["runs"].as_u64().unwrap(),
        codes: v["exit_codes"].as_array().unwrap().iter().filter_map(|c| c.as_i64()).collect(),
        stdout: v["last_stdout"].as_str().unwrap_or_default().to_string(),
        stderr: v["last_stderr"].as_str().unwrap_or_default().to_string(),
    }
}

fn measure(runs: u32, cmd: &[String]) -> Measured {
    measure_with(runs, cmd, None)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn kcat_query(kcat: &str, bootstrap: &str, legacy: bool, topic: &str, partitions: i32) -> Vec<String> {
    let mut cmd = strings(&[kcat, "-Q", "-b", bootstrap]);
    if legacy {
        cmd.extend(strings(&["-X", "api.version.request=false", "-X", "broker.version.fallback=0.9.0.1"]));
    }
    for p in 0..partitions {
        cmd.push("-t".into());
        cmd.push(format!("{topic}:{p}:-1"));
    }
    cmd
}

/// The command line `kafka-run-class.sh CLASS ARGS` runs with the cluster's release: its default heap and JVM
/// options, the tools' logging.
fn jvm_tool(kafka: &offset_tools_tests::kafka::Kafka, class: &str, args: &[&str]) -> Vec<String> {
    let mut cmd = strings(&[
        "java",
        "-Xmx256M",
        "-server",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-XX:InitiatingHeapOccupancyPercent=35",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:MaxInlineLevel=15",
        "-Djava.awt.headless=true",
    ]);
    cmd.push(kafka.version.log_option(&kafka.dir().join("tools-log.properties")));
    cmd.push("-cp".into());
    cmd.push(format!("{}/*", kafka.version.libs().display()));
    cmd.push(class.into());
    cmd.extend(strings(args));
    cmd
}

/// Runs a command once, for a fixture, and fails the bench unless it succeeds.
fn run_ok(cmd: &[String]) {
    let out = Command::new(&cmd[0]).args(&cmd[1..]).output().expect("run a set-up command");
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A Markdown table of measured commands.
struct Table {
    markdown: String,
}

impl Table {
    fn new(title: &str) -> Table {
        Table {
            markdown: format!(
                "\n### {title}\n\n| case | tool | runs | median (ms) | max (ms) | peak RSS (MiB) | median vs get-offset |\n\
                 |---|---|---:|---:|---:|---:|---:|\n"
            ),
        }
    }

    fn row(&mut self, case: &str, tool: &str, m: &Measured, baseline: Option<&Measured>) {
        self.row_expecting(case, tool, m, baseline, m.ok());
    }

    fn row_expecting(&mut self, case: &str, tool: &str, m: &Measured, baseline: Option<&Measured>, ok: bool) {
        let ratio = baseline.map_or(String::new(), |b| format!("{:.2}x", m.median_ms / b.median_ms));
        let status = if ok { String::new() } else { format!(" (FAILED: exit codes {:?})", m.codes) };
        if !ok {
            let errors = m.errors();
            let said: Vec<&str> = if errors.is_empty() { m.stderr.lines().take(5).collect() } else { errors };
            eprintln!("{case} / {tool} failed ({} lines of stdout): {}", m.stdout.lines().count(), said.join(" | "));
        }
        let _ = writeln!(
            self.markdown,
            "| {case} | {tool}{status} | {} | {:.1} | {:.1} | {:.1} | {ratio} |",
            m.runs,
            m.median_ms,
            m.max_ms,
            m.peak_rss_kib as f64 / 1024.0
        );
        eprintln!(
            "{case:<48} {tool:<40} median {:>8.1} ms  max {:>8.1} ms  {:>6.1} MiB {ratio}",
            m.median_ms,
            m.max_ms,
            m.peak_rss_kib as f64 / 1024.0
        );
    }
}

/// A part of the benchmark: measures and appends its Markdown.
type Section = fn(&Tools, &mut String);

struct Tools {
    get_offset: String,
    reset_offsets: String,
    migrate_groups: String,
    describe_groups: String,
    kcat: Option<String>,
}

/// get-offset and kcat -Q on the mock cluster, 51 runs each.
fn mock_get_offset(tools: &Tools, out: &mut String) {
    let mut table = Table::new("get-offset and kcat -Q on the mock cluster (51 runs each)");
    for brokers in [1, 3] {
        let mock = Mock::start(brokers);
        mock.topic("p1", 1).topic("p1k", 1000);
        mock.produce("p1", 0, 10, 1_700_000_000_000);
        for (topic, partitions) in [("p1", 1), ("p1k", 1000)] {
            let case = format!("{brokers} broker(s), latest, {partitions} partition(s)");
            let ours =
                measure(51, &strings(&[&tools.get_offset, "--bootstrap-server", &mock.bootstrap, "--topic", topic]));
            table.row(&case, "get-offset", &ours, None);
            if let Some(kcat) = &tools.kcat {
                let theirs = measure(51, &kcat_query(kcat, &mock.bootstrap, false, topic, partitions));
                table.row(&case, "kcat -Q", &theirs, Some(&ours));
            }
        }
    }
    out.push_str(&table.markdown);
}

/// The tool's own trace (--verbose) of one run, for the phases.
fn trace(cmd: &[String]) -> String {
    let out = Command::new(&cmd[0]).args(&cmd[1..]).arg("--verbose").output().expect("run the tool");
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("connected") || l.starts_with("round"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Round trips: every broker of the mock answers 20 ms late (10 ms each way); a run's wall time in round-trip times,
/// and the tool's phases.
fn round_trips(tools: &Tools, out: &mut String) {
    // 10 ms each way, as the issue counts them.
    const RTT_MS: f64 = 20.0;
    let mock = Mock::start(3);
    mock.topic("p1", 1).topic("p1k", 1000);
    mock.produce("p1", 0, 10, 1_700_000_000_000);
    for broker in 1..=3 {
        mock.cluster.set_round_trip_time(broker, Duration::from_millis(RTT_MS as u64)).unwrap();
    }
    let b = mock.bootstrap.as_str();
    let mut markdown = format!(
        "\n### Round trips: the mock cluster, 3 brokers, each answering {RTT_MS} ms late (7 runs each)\n\n\
         | run | tool | median (ms) | max (ms) | round trips (median / {RTT_MS} ms) |\n|---|---|---:|---:|---:|\n"
    );
    let mut traces = String::new();
    let mut run = |label: &str, tool: &str, cmd: Vec<String>, ours: bool| {
        let m = measure(7, &cmd);
        let _ = writeln!(
            markdown,
            "| {label} | {tool}{} | {:.1} | {:.1} | {:.1} |",
            if m.ok() { String::new() } else { format!(" (exit codes {:?})", m.codes) },
            m.median_ms,
            m.max_ms,
            m.median_ms / RTT_MS
        );
        eprintln!("{label:<48} {tool:<30} median {:>8.1} ms = {:.1} RTT", m.median_ms, m.median_ms / RTT_MS);
        if ours {
            let _ = writeln!(traces, "\n`{label}`:\n```\n{}\n```", trace(&cmd));
        }
    };
    for (topic, partitions) in [("p1", 1), ("p1k", 1000)] {
        let label = format!("latest, {partitions} partition(s)");
        run(&label, "get-offset", strings(&[&tools.get_offset, "--bootstrap-server", b, "--topic", topic]), true);
        if let Some(kcat) = &tools.kcat {
            run(&label, "kcat -Q", kcat_query(kcat, b, false, topic, partitions), false);
        }
    }
    let reset = |extra: &[&str]| {
        let mut cmd = strings(&[&tools.reset_offsets, "--bootstrap-server", b, "--group", "rtt", "--topic", "p1k"]);
        cmd.extend(strings(extra));
        cmd
    };
    run(
        "reset, 1 group, 1,000 partitions: --to-earliest --dry-run",
        "reset-offsets",
        reset(&["--to-earliest", "--dry-run"]),
        true,
    );
    run(
        "reset, 1 group, 1,000 partitions: --to-earliest --execute",
        "reset-offsets",
        reset(&["--to-earliest", "--execute"]),
        true,
    );
    run(
        "reset, 1 group, 1,000 partitions: --shift-by 1 --dry-run",
        "reset-offsets",
        reset(&["--shift-by", "1", "--dry-run"]),
        true,
    );
    out.push_str(&markdown);
    out.push_str("\nEach run's phases, from `--verbose` (the times include the 20 ms of every round trip):\n");
    out.push_str(&traces);
}

/// Kafka 0.9.0.1: get-offset side by side with its own GetOffsetShell and kcat; a reset of 1,000 partitions.
fn kafka09(tools: &Tools, out: &mut String) {
    let mut table = Table::new("Kafka 0.9.0.1 (real broker, loopback)");
    eprintln!("starting Kafka 0.9.0.1 ...");
    let kafka = Kafka09::start();
    let bootstrap = kafka.bootstrap();
    kafka.create_topic("bench1", 1, &[]);
    kafka.produce("bench1", 0, 100);
    kafka.create_topic("bench1000", 1000, &[]);
    for p in (0..1000).step_by(10) {
        kafka.produce("bench1000", p, 1);
    }
    let jvm = kafka.home().join("bin/kafka-run-class.sh").display().to_string();
    for (topic, partitions, jvm_runs) in [("bench1", 1, 7), ("bench1000", 1000, 3)] {
        let case = format!("latest, {partitions} partition(s)");
        let ours = measure(
            21,
            &strings(&[&tools.get_offset, "--bootstrap-server", &bootstrap, "--topic", topic, "--time", "-1"]),
        );
        table.row(&case, "get-offset", &ours, None);
        let reference = measure(
            jvm_runs,
            &strings(&[
                &jvm,
                "kafka.tools.GetOffsetShell",
                "--broker-list",
                &bootstrap,
                "--topic",
                topic,
                "--time",
                "-1",
            ]),
        );
        table.row(&case, "GetOffsetShell 0.9 (JVM)", &reference, Some(&ours));
        if let Some(kcat) = &tools.kcat {
            table.row(
                &case,
                "kcat -Q",
                &measure(21, &kcat_query(kcat, &bootstrap, true, topic, partitions)),
                Some(&ours),
            );
        }
    }
    let reset = |extra: &[&str]| {
        let mut cmd = strings(&[
            &tools.reset_offsets,
            "--bootstrap-server",
            &bootstrap,
            "--group",
            "bench",
            "--topic",
            "bench1000",
        ]);
        cmd.extend(strings(extra));
        cmd
    };
    let case = "reset of 1,000 partitions, 1 group";
    table.row(
        case,
        "reset-offsets --to-earliest --dry-run",
        &measure(11, &reset(&["--to-earliest", "--dry-run"])),
        None,
    );
    table.row(
        case,
        "reset-offsets --to-earliest --execute",
        &measure(11, &reset(&["--to-earliest", "--execute"])),
        None,
    );
    table.row(
        case,
        "reset-offsets --shift-by 1 --execute",
        &measure(11, &reset(&["--shift-by", "1", "--execute"])),
        None,
    );
    out.push_str(&table.markdown);
}

/// Many groups on Kafka 0.9.0.1 (it describes groups and serves their committed offsets): n groups of 10 partitions,
/// named with repeated --group (0.9 lists only groups with members).
fn groups_kafka09(tools: &Tools, out: &mut String) {
    eprintln!("starting Kafka 0.9.0.1 for the groups ...");
    let kafka = Kafka09::start();
    let bootstrap = kafka.bootstrap();
    kafka.create_topic("ten", 10, &[]);
    for p in 0..10 {
        kafka.produce("ten", p, 5);
    }
    let dir = offset_tools_tests::scratch_dir("bench-groups");
    // Not measured: the cluster's first group operation (the broker creates __consumer_offsets).
    let warm_up = strings(&["--bootstrap-server", &bootstrap, "--group", "warm-up", "--topic", "ten", "--to-earliest"]);
    let _ = Command::new(&tools.reset_offsets).args(&warm_up).output();
    let mut markdown = String::from(
        "\n### Many groups in one run, Kafka 0.9.0.1, 10 partitions each (5 runs each)\n\n\
         | groups | run | median (ms) | max (ms) | per group (ms) | peak RSS (MiB) |\n|---:|---|---:|---:|---:|---:|\n",
    );
    for n in [1usize, 10, 100, 1000] {
        let groups: Vec<String> = (0..n).map(|i| format!("g{i:04}")).collect();
        let file = dir.join(format!("{n}.csv"));
        let rows: String =
            groups.iter().flat_map(|g| (0..10).map(move |p| format!("{g},ten,{p},{}\n", p % 5))).collect();
        std::fs::write(&file, rows).expect("write the groups file");
        let with_groups = |args: &[&str]| {
            let mut cmd = strings(&[&tools.reset_offsets, "--bootstrap-server", &bootstrap]);
            cmd.extend(strings(args));
            cmd.extend(groups.iter().flat_map(|g| ["--group".to_string(), g.clone()]));
            cmd
        };
        // The execute first: it gives the groups the committed offsets that --all-topics resets.
        let file = file.display().to_string();
        for (label, cmd) in [
            ("--from-file (4 columns) --execute", with_groups(&["--from-file", &file, "--execute"])),
            ("--all-topics --to-earliest --dry-run", with_groups(&["--all-topics", "--to-earliest", "--dry-run"])),
        ] {
            let m = measure(5, &cmd);
            let status = if m.ok() { String::new() } else { format!(" (exit codes {:?})", m.codes) };
            let _ = writeln!(
                markdown,
                "| {n} | {label}{status} | {:.1} | {:.1} | {:.2} | {:.1} |",
                m.median_ms,
                m.max_ms,
                m.median_ms / n as f64,
                m.peak_rss_kib as f64 / 1024.0
            );
            eprintln!(
                "{n:>5} groups {label:<40} median {:>8.1} ms  max {:>8.1} ms  {:.1} MiB",
                m.median_ms,
                m.max_ms,
                m.peak_rss_kib as f64 / 1024.0
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    out.push_str(&markdown);
}

/// The mock cluster at scale: 10,000 partitions over 3 brokers, with request counts; a 1,000,000-row file.
fn mock_scale(tools: &Tools, out: &mut String) {
    let mut table = Table::new("The mock cluster at scale (3 brokers)");
    let mock = Mock::start(3);
    mock.topic("bench10k", 10_000);
    let case = "latest, 10,000 partitions";
    let ours =
        measure(11, &strings(&[&tools.get_offset, "--bootstrap-server", &mock.bootstrap, "--topic", "bench10k"]));
    table.row(case, "get-offset", &ours, None);
    if let Some(kcat) = &tools.kcat {
        table.row(
            case,
            "kcat -Q",
            &measure(11, &kcat_query(kcat, &mock.bootstrap, false, "bench10k", 10_000)),
            Some(&ours),
        );
    }
    let reset = |extra: &[&str]| {
        let mut cmd = strings(&[
            &tools.reset_offsets,
            "--bootstrap-server",
            &mock.bootstrap,
            "--group",
            "bench",
            "--topic",
            "bench10k",
        ]);
        cmd.extend(strings(extra));
        cmd
    };
    let mut requests_note = String::from(
        "\nRequests per run received by the mock brokers for the 10,000-partition reset (3 brokers, 1 group), counted \
         with librdkafka's mock request tracking:\n\n\
         | run | ApiVersions | Metadata | FindCoordinator | ListOffsets | OffsetFetch | OffsetCommit |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    mock.cluster.start_request_tracking();
    for (label, extra) in [
        ("--to-earliest --dry-run", &["--to-earliest", "--dry-run"][..]),
        ("--to-earliest --execute", &["--to-earliest", "--execute"][..]),
    ] {
        mock.cluster.clear_requests();
        let m = measure(5, &reset(extra));
        table.row("reset of 10,000 partitions, 1 group", &format!("reset-offsets {label}"), &m, None);
        let requests = mock.cluster.requests();
        let per_run = |api: i16| requests.iter().filter(|(_, a)| *a == api).count() as f64 / m.runs as f64;
        let _ = writeln!(
            requests_note,
            "| {label} | {} | {} | {} | {} | {} | {} |",
            per_run(18),
            per_run(3),
            per_run(10),
            per_run(2),
            per_run(9),
            per_run(8)
        );
    }

    // A 1,000,000-row --from-file (100 groups x 10,000 partitions), read line by line, validated, planned (dry run);
    // and one row more than the limit, refused while reading.
    let dir = offset_tools_tests::scratch_dir("bench-from-file");
    let big = dir.join("1m.csv");
    let mut text = String::with_capacity(21_000_000);
    for g in 0..100 {
        for p in 0..10_000 {
            let _ = writeln!(text, "g{g:03},bench10k,{p},0");
        }
    }
    std::fs::write(&big, &text).expect("write the 1,000,000-row file");
    text.push_str("g000,bench10k,0,1\n");
    let over = dir.join("over.csv");
    std::fs::write(&over, &text).expect("write the 1,000,001-row file");
    let groups: Vec<String> = (0..100).flat_map(|g| ["--group".to_string(), format!("g{g:03}")]).collect();
    for (label, file, expected) in
        [("--dry-run, 1,000,000 rows (100 groups)", &big, 0), ("refused at the row limit (1,000,001 rows)", &over, 2)]
    {
        let mut cmd =
            strings(&[&tools.reset_offsets, "--bootstrap-server", &mock.bootstrap, "--dry-run", "--from-file"]);
        cmd.push(file.display().to_string());
        cmd.extend(groups.iter().cloned());
        let m = measure(3, &cmd);
        let ok = m.codes == [expected];
        table.row_expecting("--from-file", &format!("reset-offsets {label}"), &m, None, ok);
    }
    let _ = std::fs::remove_dir_all(dir);
    out.push_str(&table.markdown);
    out.push_str(&requests_note);
}

/// migrate-groups between two mock clusters of 3 brokers: a topic of 10 partitions with 100 records each on the old
/// cluster, copied to the new one (same records, same timestamps), which then got 20 more per partition after the
/// switch. n groups committed at offsets spread over the log (some drained); each strategy as a dry run (5 runs),
/// and executed for 1,000 groups; each cluster's rounds counted from one `--verbose` run.
fn migrate_mock(tools: &Tools, out: &mut String) {
    const T0: i64 = 1_700_000_000_000;
    let (old, new) = (Mock::start(3), Mock::start(3));
    old.topic("ten", 10);
    new.topic("ten", 10);
    for p in 0..10 {
        old.produce("ten", p, 100, T0);
        new.produce("ten", p, 100, T0);
        let after: Vec<String> = (0..20).map(|j| format!("after-{p}-{j}")).collect();
        new.produce_payloads("ten", p, &after, T0 + 200_000);
    }
    let dir = offset_tools_tests::scratch_dir("bench-migrate");
    let all: Vec<String> = (0..1000).map(|i| format!("g{i:04}")).collect();
    let file = dir.join("old.csv");
    let rows: String = all
        .iter()
        .enumerate()
        .flat_map(|(g, name)| (0..10).map(move |p| format!("{name},ten,{p},{}\n", (g * 7 + p * 3) % 101)))
        .collect();
    std::fs::write(&file, rows).expect("write the groups file");
    let mut commit = strings(&[&tools.reset_offsets, "--bootstrap-server", &old.bootstrap, "--execute", "--from-file"]);
    commit.push(file.display().to_string());
    commit.extend(all.iter().flat_map(|g| ["--group".to_string(), g.clone()]));
    let committed = Command::new(&commit[0]).args(&commit[1..]).output().expect("commit the old offsets");
    assert!(committed.status.success(), "{}", String::from_utf8_lossy(&committed.stderr));

    let mut markdown = String::from(
        "\n### migrate-groups between two mock clusters (3 brokers each), 10 partitions per group (5 runs each)\n\n\
         | groups | strategy | run | median (ms) | max (ms) | per group (ms) | peak RSS (MiB) | rounds old / new |\n\
         |---:|---|---|---:|---:|---:|---:|---|\n",
    );
    let switch = kafka_offsets::formats::time::format_utc(T0 + 150_000);
    let strategies: [(&str, Vec<String>); 3] = [
        ("--to-switch-time --allow-lag", strings(&["--to-switch-time", &switch, "--allow-lag"])),
        ("--to-earliest --allow-lag", strings(&["--to-earliest", "--allow-lag"])),
        ("--by-record", strings(&["--by-record"])),
    ];
    for n in [10usize, 100, 1000] {
        for (label, strategy) in &strategies {
            let runs: &[&str] = if n == 1000 { &["--dry-run", "--execute"] } else { &["--dry-run"] };
            for run in runs {
                // --topic: the mock cannot answer OffsetFetch for all of a group's topics.
                let mut cmd = strings(&[
                    &tools.migrate_groups,
                    "--from",
                    &old.bootstrap,
                    "--to",
                    &new.bootstrap,
                    "--topic",
                    "ten",
                ]);
                cmd.extend(strategy.iter().cloned());
                cmd.push(run.to_string());
                cmd.extend(all[..n].iter().flat_map(|g| ["--group".to_string(), g.clone()]));
                let m = measure(5, &cmd);
                let mut verbose = cmd.clone();
                verbose.push("--verbose".into());
                let trace = Command::new(&verbose[0]).args(&verbose[1..]).output().expect("run --verbose");
                let stderr = String::from_utf8_lossy(&trace.stderr);
                let rounds =
                    |cluster: &str| stderr.lines().filter(|l| l.starts_with(&format!("{cluster}: round "))).count();
                let status = if m.ok() { String::new() } else { format!(" (exit codes {:?})", m.codes) };
                let _ = writeln!(
                    markdown,
                    "| {n} | {label}{status} | {run} | {:.1} | {:.1} | {:.2} | {:.1} | {} / {} |",
                    m.median_ms,
                    m.max_ms,
                    m.median_ms / n as f64,
                    m.peak_rss_kib as f64 / 1024.0,
                    rounds("old cluster"),
                    rounds("new cluster")
                );
                eprintln!(
                    "{n:>5} groups {label:<32} {run:<10} median {:>8.1} ms  max {:>8.1} ms  {:.1} MiB",
                    m.median_ms,
                    m.max_ms,
                    m.peak_rss_kib as f64 / 1024.0
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    out.push_str(&markdown);
}

fn main() {
    // `cargo bench` passes --bench; an optional section name runs only that section.
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let kcat = Command::new(workspace_root().join("scripts/ensure-kcat.sh"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let tools = Tools {
        get_offset: binary("get-offset").display().to_string(),
        reset_offsets: binary("reset-offsets").display().to_string(),
        migrate_groups: binary("migrate-groups").display().to_string(),
        describe_groups: binary("describe-groups").display().to_string(),
        kcat,
    };
    let mut markdown = String::new();
    let sections: [(&str, Section); 8] = [
        ("mock", mock_get_offset),
        ("rtt", round_trips),
        ("kafka09", kafka09),
        ("groups", groups_kafka09),
        ("scale", mock_scale),
        ("migrate", migrate_mock),
        ("kafka41", kafka41::kafka41),
        ("kafka44", kafka44::share_groups),
    ];
    for (name, section) in sections {
        if only.as_deref().is_none_or(|o| o == name) {
            section(&tools, &mut markdown);
        }
    }
    if tools.kcat.is_none() {
        markdown.push_str("\nkcat was not available on this machine.\n");
    }
    let out = Path::new(&binary("get-offset")).parent().unwrap().parent().unwrap().join("benchmarks.md");
    std::fs::write(&out, &markdown).expect("write target/benchmarks.md");
    println!("{markdown}");
    eprintln!("written to {}", out.display());
}
