//! `make demo`: it builds only what the demo runs (not every test and bench target), in the debug profile, and the
//! demo script runs the tools against its development brokers to the end.

use std::process::Command;

use offset_tools_tests::run::{binary, command, make};
use offset_tools_tests::workspace_root;

#[test]
fn make_demo_builds_only_the_demo_binaries() {
    let out = command(make().args(["-n", "demo"]), None);
    assert_eq!(out.code, Some(0), "{out:?}");
    // The one build command ($(CARGO) is the cargo that runs the tests), then the script.
    let builds: Vec<&str> = out.stdout.lines().filter(|l| l.contains("cargo build")).collect();
    assert_eq!(builds.len(), 1, "{}", out.stdout);
    assert!(
        builds[0].ends_with(
            "cargo build -p dev-broker -p get-offset -p reset-offsets -p migrate-groups -p copy-topics -p \
             describe-groups -p offset-tools-tests --bin kafka-lab"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("./scripts/demo.sh\n"), "{}", out.stdout);
}

#[test]
fn the_demo_script_runs_to_the_end() {
    let bin = binary("dev-broker").parent().unwrap().to_path_buf();
    let out =
        command(Command::new("bash").arg(workspace_root().join("scripts/demo.sh")).env("OFFSET_TOOLS_BIN", &bin), None);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.starts_with("dev-broker: 3 mock brokers at 127.0.0.1:"), "{}", out.stdout);
    let committed = (0..6)
        .map(|p| {
            format!(
                "billing                        orders                         {p:<10} 15           5          15           \
                 committed  exact: the next record to read (content search of offsets 0..20)\n"
            )
        })
        .collect::<String>();
    assert!(out.stdout.contains(&committed), "{}", out.stdout);
    // The runbook on two Kafka 4.4 brokers: the topic created, the group described while it lags, moved by
    // --wait-drained once its consumers committed the log end, and described on the new cluster at the switched
    // producers' first record (40 copies, then 5 new records per partition).
    let created = "TOPIC                          PARTITIONS REPLICATION STATUS     DETAILS\n\
                   orders                         3          1           created    -\n(exit code 0)\n";
    assert!(out.stdout.contains(created), "{}", out.stdout);
    let described = |offset: i64, end: i64| {
        let rows: String = (0..3)
            .map(|p| {
                format!(
                    "billing         orders          {p:<10} {offset:<15} {end:<15} {:<15} -               -        \
                     \x20      -\n",
                    end - offset
                )
            })
            .collect();
        format!(
            // (its "Consumer group 'billing' has no active members." is on stderr)
            "describe --group billing\n\nGROUP           TOPIC           PARTITION  \
             CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n{rows}(exit \
             code 0)\n"
        )
    };
    assert!(out.stdout.contains(&described(30, 40)), "{}", out.stdout);
    let moved: String = (0..3)
        .map(|p| {
            format!(
                "billing                        orders                         {p:<10} 40           0          40      \
                 \x20    committed  exact: after the last record read (found by timestamp)\n"
            )
        })
        .collect();
    let waited = format!(
        "(billing's consumers read the last 10 records of each partition and commit)\nGROUP                          \
         TOPIC                          PARTITION  OLD-OFFSET   LAG        NEW-OFFSET   STATUS     HOW\n{moved}(exit \
         code 0)\n"
    );
    assert!(out.stdout.contains(&waited), "{}", out.stdout);
    assert!(out.stdout.ends_with(&described(40, 45)), "the demo ends with billing on the new cluster: {}", out.stdout);
}
