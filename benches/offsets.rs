//! `make bench`: wall time (median of several runs) and peak RSS of get-offset side by side with the tools it
//! replaces, on the same brokers in one run: Kafka 0.9.0.1's own GetOffsetShell (JVM) and kcat -Q on a real 0.9.0.1
//! broker, and the mock cluster for a 10,000-partition topic over 3 brokers. Prints a Markdown table (also written to
//! target/benchmarks.md) for docs/benchmarks.md.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::binary;
use offset_tools_tests::workspace_root;

#[derive(Debug)]
struct Measured {
    median_ms: f64,
    peak_rss_kib: u64,
    runs: u64,
    codes: Vec<i64>,
    ok: bool,
}

/// Runs `cmd` `runs` times through scripts/measure.py (wait4 gives each run's peak RSS).
fn measure(runs: u32, cmd: &[String]) -> Measured {
    let script = workspace_root().join("scripts/measure.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(runs.to_string())
        .arg("--")
        .args(cmd)
        .output()
        .expect("run scripts/measure.py");
    assert!(out.status.success(), "measure.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("measure.py JSON");
    Measured {
        median_ms: v["median_ms"].as_f64().unwrap(),
        peak_rss_kib: v["peak_rss_kib"].as_u64().unwrap(),
        runs: v["runs"].as_u64().unwrap(),
        codes: v["exit_codes"].as_array().unwrap().iter().filter_map(|c| c.as_i64()).collect(),
        ok: v["exit_codes"] == serde_json::json!([0]),
    }
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

struct Table {
    markdown: String,
}

impl Table {
    fn new() -> Table {
        Table {
            markdown: "| case | tool | runs | median wall (ms) | peak RSS (MiB) | vs get-offset |\n|---|---|---:|---:|---:|---:|\n"
                .to_string(),
        }
    }

    fn row(&mut self, case: &str, tool: &str, m: &Measured, baseline: Option<&Measured>) {
        let ratio = baseline.map_or("1.0x".to_string(), |b| format!("{:.1}x", m.median_ms / b.median_ms));
        let status = if m.ok { "" } else { " (failed)" };
        let _ = writeln!(
            self.markdown,
            "| {case} | {tool}{status} | {} | {:.1} | {:.1} | {ratio} |",
            m.runs,
            m.median_ms,
            m.peak_rss_kib as f64 / 1024.0
        );
        eprintln!("{case:<40} {tool:<28} {:>9.1} ms {:>7.1} MiB {ratio}", m.median_ms, m.peak_rss_kib as f64 / 1024.0);
    }
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let get_offset = binary("get-offset").display().to_string();
    let kcat = Command::new(workspace_root().join("scripts/ensure-kcat.sh"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let mut table = Table::new();

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
        let case = format!("Kafka 0.9.0.1, latest, {partitions} partition(s)");
        let ours =
            measure(21, &strings(&[&get_offset, "--bootstrap-server", &bootstrap, "--topic", topic, "--time", "-1"]));
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
        if let Some(kcat) = &kcat {
            table.row(
                &case,
                "kcat -Q",
                &measure(21, &kcat_query(kcat, &bootstrap, true, topic, partitions)),
                Some(&ours),
            );
        }
    }
    let reset_offsets = binary("reset-offsets").display().to_string();
    let case = "Kafka 0.9.0.1, reset 1000 partitions";
    let reset = |extra: &[&str]| {
        let mut cmd =
            strings(&[&reset_offsets, "--bootstrap-server", &bootstrap, "--group", "bench", "--topic", "bench1000"]);
        cmd.extend(strings(extra));
        cmd
    };
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
    drop(kafka);

    let mut requests_note = String::from(
        "\nRequests per run received by the mock brokers for the 10,000-partition reset (3 brokers, 1 group):\n\n\
         | run | Metadata | ListOffsets | OffsetFetch | OffsetCommit |\n|---|---:|---:|---:|---:|\n",
    );
    eprintln!("starting the mock cluster ...");
    let mock = Mock::start(3);
    mock.topic("bench10k", 10_000);
    let case = "mock cluster (3 brokers), latest, 10,000 partitions";
    let ours = measure(11, &strings(&[&get_offset, "--bootstrap-server", &mock.bootstrap, "--topic", "bench10k"]));
    table.row(case, "get-offset", &ours, None);
    if let Some(kcat) = &kcat {
        table.row(
            case,
            "kcat -Q",
            &measure(11, &kcat_query(kcat, &mock.bootstrap, false, "bench10k", 10_000)),
            Some(&ours),
        );
    }
    let reset_offsets = binary("reset-offsets").display().to_string();
    let case = "mock cluster (3 brokers), reset 10,000 partitions";
    let reset = |extra: &[&str]| {
        let mut cmd = strings(&[
            &reset_offsets,
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
    mock.cluster.start_request_tracking();
    for (label, extra) in [
        ("--to-earliest --dry-run", &["--to-earliest", "--dry-run"][..]),
        ("--to-earliest --execute", &["--to-earliest", "--execute"][..]),
    ] {
        mock.cluster.clear_requests();
        let m = measure(5, &reset(extra));
        table.row(case, &format!("reset-offsets {label}"), &m, None);
        let requests = mock.cluster.requests();
        let per_run = |api: i16| requests.iter().filter(|(_, a)| *a == api).count() as f64 / m.runs as f64;
        let _ =
            writeln!(requests_note, "| {label} | {} | {} | {} | {} |", per_run(3), per_run(2), per_run(9), per_run(8));
    }
    table.markdown.push_str(&requests_note);

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
    let case = "mock cluster, --from-file with 1,000,000 rows (100 groups)";
    for (label, file, expected) in
        [("reset-offsets --dry-run (1,000,000 rows)", &big, 0), ("refused at the row limit (1,000,001 rows)", &over, 2)]
    {
        let mut cmd = strings(&[&reset_offsets, "--bootstrap-server", &mock.bootstrap, "--dry-run", "--from-file"]);
        cmd.push(file.display().to_string());
        cmd.extend(groups.iter().cloned());
        let m = measure(3, &cmd);
        let ok = m.codes == [expected];
        table.row(case, label, &Measured { ok, ..m }, None);
    }
    let _ = std::fs::remove_dir_all(dir);
    if kcat.is_none() {
        table.markdown.push_str("\nkcat was not available on this machine.\n");
    }

    let out = Path::new(&binary("get-offset")).parent().unwrap().parent().unwrap().join("benchmarks.md");
    std::fs::write(&out, &table.markdown).expect("write target/benchmarks.md");
    println!("{}", table.markdown);
    eprintln!("written to {}", out.display());
}
