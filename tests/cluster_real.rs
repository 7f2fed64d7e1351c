//! Leaders that move: a three-broker Kafka 4.1 cluster (KRaft, replication factor 3) whose brokers are stopped in
//! the middle of the tools' work. get-offset, reset-offsets (the group's coordinator stopped between its plan and
//! its commit) and migrate-groups (the new cluster's leaders stopped before it reads) each finish within --timeout
//! with the answer Kafka's own tools give, and the stopped broker comes back afterwards. The cases run one at a time
//! (they stop brokers of one cluster).

use std::sync::Mutex;
use std::time::Duration;

use libtest_mimic::Failed;
use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::groups::commit;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::oracle::described_offsets;
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::{get_offset, migrate_groups, with_fault_before_commit};

const V4: &[Version] = &[Version::V4_4];

struct Fixture {
    cluster: Mutex<Kafka>,
    old: Kafka,
}

fn records(topic: &str, p: i32, count: i64) -> Vec<TestRecord> {
    (0..count)
        .map(|i| TestRecord::new(Some(&format!("k{i}")), &format!("{topic}-{p}-{i}"), Some(1_700_000_000_000 + i)))
        .collect()
}

fn setup(_: Version) -> Fixture {
    let (cluster, old) = std::thread::scope(|s| {
        let old = s.spawn(|| Kafka::start(Version::V3_9));
        let cluster = Kafka::start_with(Options::new(Version::V4_4).nodes(3));
        (cluster, old.join().expect("old cluster"))
    });
    cluster.create_topic("moving", 6, &["retention.ms=-1", "min.insync.replicas=1"]);
    old.create_topic("moving", 6, &["retention.ms=-1"]);
    let mut config = cluster.client_config();
    config.set("acks", "all").set("linger.ms", "5");
    let mut old_config = old.client_config();
    old_config.set("linger.ms", "5");
    for p in 0..6 {
        let count = 10 + i64::from(p);
        produce_records(&config, "moving", p, &records("moving", p, count));
        produce_records(&old_config, "moving", p, &records("moving", p, count));
    }
    commit(&old.client_config(), "mover", "moving", &(0..6).map(|p| (p, 5)).collect::<Vec<_>>());
    // Groups the cluster knows (so that Kafka's tool names their coordinators).
    commit(&cluster.client_config(), "moved", "moving", &[(0, 1)]);
    commit(&cluster.client_config(), "frozen", "moving", &[(0, 1)]);
    Fixture { cluster: Mutex::new(cluster), old }
}

/// Stops the leader of `moving:0` (a crash), runs `work`, then starts it again.
fn with_leader_down(f: &Fixture, work: impl FnOnce(&Kafka) -> Result<(), Failed>) -> Result<(), Failed> {
    let mut cluster = f.cluster.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let leader = cluster.leader("moving", 0);
    cluster.stop_node(leader, "KILL");
    let result = work(&cluster);
    cluster.restart_node(leader);
    result
}

/// The id of a group's coordinator, as Kafka's `--describe --state` names it.
fn coordinator(cluster: &Kafka, group: &str) -> i32 {
    let state = cluster.consumer_groups(&["--describe", "--group", group, "--state"]);
    state
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("{group} ")))
        .and_then(|l| l.split_whitespace().find(|t| t.starts_with('(') && t.ends_with(')')))
        .and_then(|t| t.trim_matches(|c| c == '(' || c == ')').parse::<i32>().ok())
        .unwrap_or_else(|| panic!("the coordinator of {group} in Kafka's --describe --state: {state:?}"))
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("get_offset_follows_the_leaders", V4, |f| {
            let expected = {
                let cluster = f.cluster.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let theirs = cluster.get_offset_shell(&["--topic", "moving"]);
                let mut lines: Vec<&str> = theirs.stdout.lines().collect();
                lines.sort_by_key(|l| l.rsplit(':').nth(1).and_then(|p| p.parse::<i32>().ok()));
                lines.iter().map(|l| format!("{l}\n")).collect::<String>()
            };
            check(expected.lines().count() == 6, || format!("GetOffsetShell: {expected}"))?;
            with_leader_down(f, |cluster| {
                let out = get_offset(&[
                    "--bootstrap-server",
                    &cluster.bootstrap(),
                    "--topic",
                    "moving",
                    "--timeout",
                    "30000",
                ]);
                assert_output(&out, &expected, "", 0);
                check(out.elapsed < Duration::from_secs(30), || format!("took {:?}", out.elapsed))
            })
        }),
        ("reset_offsets_commits_to_the_coordinator_that_took_over", V4, |f| {
            let mut cluster = f.cluster.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // The group's coordinator, as Kafka's tool names it, is the tool's only bootstrap server: stopped while
            // the tool waits to commit, it can no longer answer the lookup of the new coordinator either.
            let id = coordinator(&cluster, "moved");
            let bootstrap = cluster.node_bootstrap(id);
            let mut stopped = None;
            let out = with_fault_before_commit(
                "reset-offsets",
                &[
                    "--bootstrap-server",
                    &bootstrap,
                    "--group",
                    "moved",
                    "--topic",
                    "moving",
                    "--to-offset",
                    "3",
                    "--execute",
                    "--timeout",
                    "30000",
                ],
                |_| {
                    cluster.stop_node(id, "KILL");
                    stopped = Some(id);
                },
            );
            let rows: Vec<(&str, &str, i32, i64)> = (0..6).map(|p| ("moved", "moving", p, 3)).collect();
            let described =
                described_offsets(&cluster.consumer_groups(&["--describe", "--group", "moved"]).stdout, "moved");
            if let Some(id) = stopped {
                cluster.restart_node(id);
            }
            assert_output(&out, &reset_table(&rows), "", 0);
            check(described.len() == 6 && described.values().all(|o| *o == Some(3)), || format!("{described:?}"))
        }),
        ("a_frozen_coordinator_leaves_the_commit_unknown", V4, |f| {
            let cluster = f.cluster.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let id = coordinator(&cluster, "frozen");
            // Frozen (SIGSTOP) after the tool's checks: the commit is written into the socket, and no answer comes.
            let mut frozen = false;
            let out = with_fault_before_commit(
                "reset-offsets",
                &[
                    "--bootstrap-server",
                    &cluster.bootstrap(),
                    "--group",
                    "frozen",
                    "--topic",
                    "moving",
                    "--to-offset",
                    "2",
                    "--execute",
                    "--timeout",
                    "8000",
                ],
                |_| {
                    cluster.signal_node(id, "STOP");
                    frozen = true;
                },
            );
            if frozen {
                cluster.signal_node(id, "CONT");
            }
            assert_output(
                &out,
                &reset_table(&[]),
                "Error: the commit of group 'frozen' was not confirmed: no answer in time; it may or may not have \
                 been applied (see it with --to-current --dry-run)\n",
                1,
            );
            // Kafka's tool shows one of the two states, never a part of the commit.
            let described = cluster.consumer_groups(&["--describe", "--group", "frozen"]);
            let offsets = described_offsets(&described.stdout, "frozen");
            let applied = offsets.len() == 6 && offsets.values().all(|o| *o == Some(2));
            let untouched = offsets.len() == 1 && offsets.values().all(|o| *o == Some(1));
            eprintln!("after the frozen coordinator: {}", if applied { "applied" } else { "untouched" });
            check(described.code == Some(0) && (applied || untouched), || format!("{described:?}"))
        }),
        ("migrate_groups_reads_from_the_new_leaders", V4, |f| {
            with_leader_down(f, |cluster| {
                let out = migrate_groups(&[
                    "--from",
                    &f.old.bootstrap(),
                    "--to",
                    &cluster.bootstrap(),
                    "--group",
                    "mover",
                    "--by-record",
                    "--dry-run",
                    "--timeout",
                    "30000",
                ]);
                let planned = out.stdout.lines().skip(1).filter(|l| l.split_whitespace().nth(5) == Some("5")).count();
                check(planned == 6 && out.code == Some(0), || format!("{out:?}"))
            })
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
