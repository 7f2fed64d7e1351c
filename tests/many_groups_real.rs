//! A thousand groups in one reset-offsets run on a three-node Kafka 4.4 cluster with Kafka's default 50 offsets
//! partitions, so that the groups' coordinators are spread over the brokers as in production; each coordinator
//! answers each commit after its append, so the commits are spread over several connections to each. Every group's outcome is checked against
//! what Kafka's own tool reads back: all committed; a SIGTERM in the middle of the commits, with each group reported
//! exactly (confirmed, unknown or not sent) as the broker has it; and a broker that accepts few connections from one
//! address (`max.connections.per.ip`), where the commits that cannot have a connection of their own wait for the
//! first one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use offset_tools_tests::compare::{output_differs, reset_table};
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::oracle::reset_rows;
use offset_tools_tests::produce::produce;
use offset_tools_tests::run::{reset_offsets, with_fault_before_commit, Output};

const V4: &[Version] = &[Version::V4_4];
const GROUPS: usize = 1000;
const PARTITIONS: i32 = 10;

struct Fixture {
    /// Three nodes, 50 offsets partitions (replication factor 3).
    kafka: Kafka,
    /// A broker that accepts at most 4 connections from one address.
    limited: Kafka,
    dir: std::path::PathBuf,
}

fn setup(_: Version) -> Fixture {
    let (kafka, limited) = std::thread::scope(|s| {
        let limited = s.spawn(|| Kafka::start_with(Options::new(Version::V4_4).setting("max.connections.per.ip=4")));
        let cluster = Options::new(Version::V4_4).nodes(3).setting("offsets.topic.num.partitions=50");
        (Kafka::start_with(cluster), limited.join().expect("limited broker"))
    });
    for cluster in [&kafka, &limited] {
        cluster.create_topic("ten", PARTITIONS, &[]);
        for p in 0..PARTITIONS {
            produce(&cluster.client_config(), "ten", p, 100, None);
        }
    }
    Fixture { kafka, limited, dir: offset_tools_tests::scratch_dir("many-groups") }
}

fn names(prefix: &str) -> Vec<String> {
    (0..GROUPS).map(|g| format!("{prefix}{g:04}")).collect()
}

/// The planned offset of a group's partition: spread over the log, never past its end.
fn planned(group: usize, partition: i32) -> i64 {
    ((group * 7 + partition as usize * 3) % 101) as i64
}

/// A 4-column --from-file for these groups, and the reset-offsets arguments that apply it.
fn plan(f: &Fixture, groups: &[String], bootstrap: &str) -> (String, Vec<String>) {
    let mut rows = String::new();
    for (g, group) in groups.iter().enumerate() {
        for p in 0..PARTITIONS {
            let _ = writeln!(rows, "{group},ten,{p},{}", planned(g, p));
        }
    }
    let file = f.dir.join(format!("{}.csv", groups[0]));
    std::fs::write(&file, rows).expect("write the plan");
    let mut args: Vec<String> =
        ["--bootstrap-server", bootstrap, "--from-file", file.to_str().expect("path"), "--timeout", "60000"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    args.extend(groups.iter().flat_map(|g| ["--group".to_string(), g.clone()]));
    (file.display().to_string(), args)
}

/// Every group's committed offsets on `ten`, as Kafka's `--describe --all-groups` shows them (groups without any
/// are absent).
fn described(kafka: &Kafka) -> BTreeMap<String, BTreeMap<i32, Option<i64>>> {
    let out = kafka.consumer_groups(&["--describe", "--all-groups"]);
    let mut groups: BTreeMap<String, BTreeMap<i32, Option<i64>>> = BTreeMap::new();
    for line in out.stdout.lines() {
        if let [group, "ten", partition, current, ..] = line.split_whitespace().collect::<Vec<_>>().as_slice() {
            if let Ok(partition) = partition.parse() {
                groups.entry(group.to_string()).or_default().insert(partition, current.parse().ok());
            }
        }
    }
    groups
}

/// The brokers that coordinate the `all-` groups, as Kafka's `--describe --state` names them (`host:port (id)`).
fn coordinators(kafka: &Kafka) -> BTreeSet<String> {
    let out = kafka.consumer_groups(&["--describe", "--state", "--all-groups"]);
    out.stdout
        .lines()
        .filter(|line| line.starts_with("all-"))
        .filter_map(|line| line.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

/// The reset table of these groups' planned offsets, as Kafka's tool prints it.
fn table(groups: &[(usize, &String)]) -> String {
    let rows: Vec<(&str, &str, i32, i64)> = groups
        .iter()
        .flat_map(|(g, group)| (0..PARTITIONS).map(move |p| (group.as_str(), "ten", p, planned(*g, p))))
        .collect();
    reset_table(&rows)
}

/// Whether Kafka reads back exactly the planned offsets of `group` (number `g`).
fn has_plan(now: &BTreeMap<String, BTreeMap<i32, Option<i64>>>, g: usize, group: &str) -> bool {
    now.get(group).is_some_and(|offsets| {
        offsets.len() == PARTITIONS as usize && (0..PARTITIONS).all(|p| offsets.get(&p) == Some(&Some(planned(g, p))))
    })
}

fn args_ref(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The quoted group names of the part of an interruption message that starts with `lead`.
fn named_in(message: &str, lead: &str) -> BTreeSet<String> {
    message
        .split("; ")
        .find(|part| part.contains(lead))
        .map(|part| part.split('\'').skip(1).step_by(2).map(str::to_string).collect())
        .unwrap_or_default()
}

/// A run interrupted by SIGTERM `delay` after its commits began.
fn interrupted(f: &Fixture, prefix: &str, delay: Duration) -> (Vec<String>, Output) {
    let groups = names(prefix);
    let (_, mut args) = plan(f, &groups, &f.kafka.bootstrap());
    args.push("--execute".into());
    let out = with_fault_before_commit("reset-offsets", &args_ref(&args), |running| {
        let pid = running.id();
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        });
    });
    (groups, out)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("a_thousand_groups_are_committed_and_read_back", V4, |f| {
            let groups = names("all-");
            let (file, mut args) = plan(f, &groups, &f.kafka.bootstrap());
            // Kafka's own tool plans the same file (a dry run): the reference table.
            let mut theirs = vec!["--reset-offsets", "--from-file", &file, "--dry-run"];
            theirs.extend(groups.iter().flat_map(|g| ["--group", g.as_str()]));
            let reference = reset_rows(&f.kafka.consumer_groups(&theirs).stdout).unwrap_or_default();
            let numbered: Vec<(usize, &String)> = groups.iter().enumerate().collect();
            let expected = table(&numbered);
            check(
                reset_table(&reference.iter().map(|(g, t, p, o)| (g.as_str(), t.as_str(), *p, *o)).collect::<Vec<_>>())
                    == expected,
                || format!("Kafka's tool planned {} rows, not the file's", reference.len()),
            )?;
            args.push("--execute".into());
            let out = reset_offsets(&args_ref(&args));
            if let Some(difference) = output_differs(&out, &expected, "", 0) {
                return Err(difference.into());
            }
            let now = described(&f.kafka);
            let missing: Vec<&String> =
                groups.iter().enumerate().filter(|(g, group)| !has_plan(&now, *g, group)).map(|(_, g)| g).collect();
            check(missing.is_empty(), || format!("{} groups do not have their plan: {:?}", missing.len(), missing))?;
            // The groups' coordinators, as Kafka's tool names them: every broker coordinates some.
            let coordinators = coordinators(&f.kafka);
            check(coordinators.len() == 3, || format!("the groups' coordinators: {coordinators:?}"))
        }),
        ("a_signal_during_the_parallel_commits_reports_each_group_as_the_broker_has_it", V4, |f| {
            // The signal must land while commits are under way: earlier or later, the run is tried again with other
            // groups and a delay between the latest one too early and the earliest one too late (a busy machine
            // moves the window: the search follows it).
            let (mut early, mut late): (Option<Duration>, Option<Duration>) = (None, None);
            let mut delay = Duration::from_millis(300);
            for attempt in 0..12 {
                let (groups, out) = interrupted(f, &format!("sig{attempt}-"), delay);
                let message = out.stderr.lines().last().unwrap_or_default().to_string();
                let confirmed = named_in(&message, "were confirmed");
                let unknown = named_in(&message, "may or may not have been applied");
                let not_sent = named_in(&message, "nothing was committed for");
                let too_late = out.code == Some(0) || confirmed.len() == GROUPS;
                if too_late || confirmed.is_empty() {
                    if too_late {
                        late = Some(late.map_or(delay, |l| l.min(delay)));
                    } else {
                        early = Some(early.map_or(delay, |e| e.max(delay)));
                    }
                    delay = match (early, late) {
                        (Some(e), Some(l)) if l > e => (e + l) / 2,
                        (Some(e), Some(_)) => e + Duration::from_millis(10),
                        (Some(e), None) => e * 2,
                        (None, Some(l)) => l / 2,
                        (None, None) => delay,
                    };
                    continue;
                }
                check(out.code == Some(143), || format!("{out:?}"))?;
                check(
                    out.stderr.lines().count() == 1 && message.starts_with("Error: interrupted by SIGTERM: "),
                    || format!("stderr: {}", out.stderr),
                )?;
                // Each group in exactly one of the three.
                let all: BTreeSet<String> = groups.iter().cloned().collect();
                let named: BTreeSet<String> = confirmed.iter().chain(&unknown).chain(&not_sent).cloned().collect();
                check(named == all && confirmed.len() + unknown.len() + not_sent.len() == GROUPS, || {
                    format!("{} confirmed, {} unknown, {} not sent", confirmed.len(), unknown.len(), not_sent.len())
                })?;
                // The table shows the confirmed groups' plans, and nothing else.
                let shown: Vec<(usize, &String)> =
                    groups.iter().enumerate().filter(|(_, g)| confirmed.contains(*g)).collect();
                check(out.stdout == table(&shown), || {
                    format!("the table is not the confirmed groups':\n{}", out.stdout)
                })?;
                // What the broker has: confirmed groups their plan, groups not sent nothing, unknown ones either
                // (a group's commit is one append).
                let now = described(&f.kafka);
                for (g, group) in groups.iter().enumerate() {
                    let ok = if confirmed.contains(group) {
                        has_plan(&now, g, group)
                    } else if not_sent.contains(group) {
                        !now.contains_key(group)
                    } else {
                        has_plan(&now, g, group) || !now.contains_key(group)
                    };
                    check(ok, || format!("group {group}: the broker has {:?}", now.get(group)))?;
                }
                return Ok(());
            }
            Err("the signal never landed in the middle of the commits".into())
        }),
        ("a_broker_that_limits_connections_gets_every_commit", V4, |f| {
            let groups = names("lim-");
            let (_, mut args) = plan(f, &groups, &f.limited.bootstrap());
            args.push("--execute".into());
            args.push("--verbose".into());
            let out = reset_offsets(&args_ref(&args));
            let numbered: Vec<(usize, &String)> = groups.iter().enumerate().collect();
            check(out.code == Some(0) && out.stdout == table(&numbered), || {
                format!("exit {:?}, {} lines on stdout\n{}", out.code, out.stdout.lines().count(), out.stderr)
            })?;
            let refused = out.stderr.lines().filter(|l| l.contains("its requests wait for the first")).count();
            check(refused > 0, || format!("no connection was refused:\n{}", out.stderr))?;
            // The broker's own word for it, not only the tool's.
            let log = std::fs::read_to_string(f.limited.dir().join("node-1").join("server.log")).unwrap_or_default();
            let rejected = log.lines().filter(|l| l.contains("Rejected connection from")).count();
            check(rejected > 0, || "the broker's log names no rejected connection".to_string())?;
            let now = described(&f.limited);
            let missing = groups.iter().enumerate().filter(|(g, group)| !has_plan(&now, *g, group)).count();
            check(missing == 0, || format!("{missing} groups do not have their plan"))
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
