//! The edges an operator meets in an incident, each with its whole outcome: bootstrap lists with dead and silent
//! servers, a broker that comes up late, TLS against a PLAINTEXT listener, a slow metadata answer under
//! --max-wait-ms, a group whose lookups partly failed, a commit answer without a partition, a read-back that differs,
//! a backup that cannot be written, and a signal between two groups' commits.

use std::time::{Duration, Instant};

use offset_tools_tests::compare::{assert_output, reset_table, reset_table_rows};
use offset_tools_tests::fake_broker::{AfterLoss, FakeBroker, Script};
use offset_tools_tests::groups::committed;
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::{get_offset, reset_offsets, spawn_tool, tool, with_fault_before_commit};
use offset_tools_tests::{dead_address, free_port, scratch_dir};

const NO_DESCRIBE: &str = "Warn: the brokers cannot describe consumer groups (no DescribeGroups); a group with \
members will make the commit fail instead\n";

/// A listener that accepts connections and never answers (a broker frozen or half-dead).
fn silent_listener() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    (listener, address)
}

#[test]
fn a_silent_and_a_dead_bootstrap_server_cost_nothing_when_another_answers() {
    let mock = Mock::start(1);
    mock.topic("orders", 1).produce("orders", 0, 3, 1_700_000_000_000);
    let (_silent, silent) = silent_listener();
    let list = format!("{silent},{},{}", dead_address(), mock.bootstrap);
    let out = get_offset(&["--bootstrap-server", &list, "--topic", "orders", "--timeout", "60000"]);
    assert_output(&out, "orders:0:3\n", "", 0);
    // Well below the timeout, which waiting for the silent server would reach (the margin is for a busy machine).
    assert!(out.elapsed < Duration::from_secs(20), "waited for the silent server: {:?}", out.elapsed);
}

#[test]
fn a_bootstrap_server_that_comes_up_late_is_used() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let starter = {
        let address = address.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1200));
            let broker = FakeBroker::start_at(&address, Script::default());
            broker.add_topic("t", 1, &[]);
            std::thread::sleep(Duration::from_secs(10));
        })
    };
    let started = Instant::now();
    let out = get_offset(&["--bootstrap-server", &address, "--topic", "t", "--timeout", "8000"]);
    assert_output(&out, "t:0:10\n", "", 0);
    assert!(started.elapsed() >= Duration::from_millis(1200), "{:?}", started.elapsed());
    drop(starter);
}

#[test]
fn tls_against_a_plaintext_listener_fails_at_once() {
    let mock = Mock::start(1);
    mock.topic("orders", 1);
    let dir = scratch_dir("tls-plaintext");
    let config = dir.join("ssl.properties");
    std::fs::write(&config, "security.protocol=SSL\n").unwrap();
    let b = mock.bootstrap.as_str();
    // The default timeout (30 s) is not waited for: the handshake's failure is final.
    let out = get_offset(&["--bootstrap-server", b, "--command-config", config.to_str().unwrap()]);
    assert_output(
        &out,
        "",
        &format!(
            "Error: {b}: TLS handshake failed: the broker closed the connection during the handshake (is this an SSL \
             listener?)\n"
        ),
        1,
    );
    assert!(out.elapsed < Duration::from_secs(15), "{:?}", out.elapsed);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn max_wait_ms_bounds_the_metadata_request() {
    let broker = FakeBroker::start(Script { metadata_delay: Duration::from_secs(30), ..Script::default() });
    broker.add_topic("t", 1, &[]);
    let out = get_offset(&["--bootstrap-server", &broker.address, "--max-wait-ms", "500", "--timeout", "60000"]);
    assert_output(&out, "", "Error: cannot fetch metadata: no answer in time (still failing after 500 ms)\n", 1);
    // Not the late answer (30 s) nor the timeout; the margin is for a busy machine.
    assert!(out.elapsed < Duration::from_secs(15), "{:?}", out.elapsed);
}

/// `reset-offsets --bootstrap-server B --group g ...`.
fn reset(bootstrap: &str, args: &[&str]) -> offset_tools_tests::run::Output {
    reset_offsets(&[&["--bootstrap-server", bootstrap, "--group", "g"], args].concat())
}

/// A broker that applies the commit of group g and loses its answer with the connection, then does `after`.
fn losing_the_commit_answer(after: AfterLoss) -> FakeBroker {
    let broker = FakeBroker::start(Script { lose_commit_answer: Some(("g".into(), after)), ..Script::default() });
    broker.add_topic("t", 1, &[]);
    broker.commit("g", "t", 0, 3);
    broker
}

#[test]
fn a_lost_commit_answer_then_members_may_have_been_applied() {
    // The commit is applied, its answer lost; the retry is refused because consumers joined meanwhile. The first
    // attempt may have been applied (it was): never "nothing was committed".
    let broker = losing_the_commit_answer(AfterLoss::Members);
    assert_output(
        &reset(&broker.address, &["--topic", "t", "--to-latest", "--execute", "--timeout", "10000"]),
        &reset_table(&[]),
        "Error: the commit of group 'g' (t:0 to 10) may or may not have been applied: it was sent and its answer lost, \
         then the broker refused it again with UNKNOWN_MEMBER_ID (the group has members now); see it with --to-current \
         --dry-run\n",
        1,
    );
    assert_eq!(broker.committed_of("g").get(&("t".to_string(), 0)), Some(&10), "the lost answer's commit was applied");
}

#[test]
fn a_lost_commit_answer_then_a_signal_before_the_retry_may_have_been_applied() {
    // The commit is applied, its answer lost, and the broker stops listening: the retry cannot be sent; SIGINT comes
    // while the tool waits to retry.
    let broker = losing_the_commit_answer(AfterLoss::StopsListening);
    let args = ["--bootstrap-server", &broker.address, "--group", "g", "--topic", "t", "--to-latest", "--execute"];
    let running = spawn_tool("reset-offsets", &[&args[..], &["--timeout", "20000"]].concat(), &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !broker.state().answer_lost {
        assert!(Instant::now() < deadline, "the commit never came");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(500));
    running.signal("INT");
    let out = running.finish();
    assert_output(
        &out,
        &reset_table(&[]),
        "Error: interrupted by SIGINT: the commit of group 'g' (t:0 to 10) was sent, and may or may not have been \
         applied: no answer came (see it with --to-current --dry-run)\n",
        130,
    );
    assert!(out.elapsed < Duration::from_secs(15), "stopped at the signal: {:?}", out.elapsed);
    assert_eq!(broker.committed_of("g").get(&("t".to_string(), 0)), Some(&10), "the lost answer's commit was applied");
}

#[test]
fn a_partition_left_out_of_the_commit_answer_is_not_confirmed() {
    // The fake applies the commit of t:1 but leaves it out of its answer: the tool must not claim it, whatever the
    // broker did, and the run fails.
    let broker = FakeBroker::start(Script { commit_leaves_out: Some(("t".into(), 1)), ..Script::default() });
    broker.add_topic("t", 2, &[]);
    assert_output(
        &reset(&broker.address, &["--topic", "t", "--to-offset", "4", "--execute"]),
        &reset_table(&[("g", "t", 0, 4)]),
        "Error: group 'g', t:1: the coordinator's answer does not name it: its commit is not confirmed\n",
        1,
    );
}

#[test]
fn a_read_back_that_differs_from_the_commit_is_listed() {
    let broker = FakeBroker::start(Script { read_back_drift: 1, ..Script::default() });
    broker.add_topic("t", 2, &[]);
    assert_output(
        &reset(&broker.address, &["--topic", "t", "--to-offset", "4", "--execute"]),
        &reset_table(&[]),
        "Error: group 'g', t:0: committed 4 but the group now has 5\n\
         Error: group 'g', t:1: committed 4 but the group now has 5\n",
        1,
    );
    // In JSON, each partition says it did not read back as planned; the committed offsets before were the drifted
    // ones (4 + 1).
    let row = |p: i32| {
        format!("{{\"group\":\"g\",\"topic\":\"t\",\"partition\":{p},\"offset\":3,\"previous_offset\":5,\"read_back\":false}}")
    };
    assert_output(
        &reset(&broker.address, &["--topic", "t", "--to-offset", "3", "--execute", "--format", "json"]),
        &format!("[{},{}]\n", row(0), row(1)),
        "Error: group 'g', t:0: committed 3 but the group now has 4\n\
         Error: group 'g', t:1: committed 3 but the group now has 4\n",
        1,
    );
}

#[test]
fn a_read_back_that_fails_for_one_group_keeps_the_others_report() {
    let broker = FakeBroker::start(Script { refuse_fetch_for: vec!["b".into()], ..Script::default() });
    broker.add_topic("t", 1, &[]);
    let out = reset_offsets(&[
        "--bootstrap-server",
        &broker.address,
        "--group",
        "a",
        "--group",
        "b",
        "--topic",
        "t",
        "--to-offset",
        "2",
        "--execute",
    ]);
    assert_output(
        &out,
        &reset_table(&[("a", "t", 0, 2)]),
        "Error: group 'b': the commit was confirmed, but reading it back failed: cannot read its committed offsets: \
         GROUP_AUTHORIZATION_FAILED\n",
        1,
    );
}

#[test]
fn a_backup_that_cannot_be_written_commits_nothing() {
    let mock = Mock::start(1);
    mock.topic("orders", 2).produce("orders", 0, 3, 1_700_000_000_000);
    let dir = scratch_dir("backup-unwritable");
    let backup = dir.join("no-such-dir").join("before.csv");
    let backup = backup.to_str().unwrap();
    assert_eq!(reset(&mock.bootstrap, &["--topic", "orders", "--to-offset", "1", "--execute"]).code, Some(0));
    assert_output(
        &reset(&mock.bootstrap, &["--topic", "orders", "--to-latest", "--execute", "--backup", backup]),
        "",
        &format!(
            "{NO_DESCRIBE}Error: cannot write --backup {backup}: No such file or directory (os error 2)\n\
             Error: nothing was committed: fix the errors above and run again\n"
        ),
        1,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1]), [Some(1), Some(0)]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_group_whose_lookups_partly_failed_is_not_committed_unless_partial_commits_are_asked_for() {
    let mock = Mock::start(3);
    mock.topic("orders", 3);
    for (p, n) in [(0, 10), (1, 20), (2, 30)] {
        mock.produce("orders", p, n, 1_700_000_000_000);
    }
    // Broker 2 leads partition 1 and refuses its lookups (two per reset: log start and end).
    let denied = &[rdkafka::types::RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; 4];
    mock.cluster.push_broker_request_errors(2, 2, denied).unwrap();
    let args = ["--topic", "orders", "--to-latest", "--execute"];
    // A group left out before its plan prints no table (Kafka's tool stops with an exception).
    assert_output(
        &reset(&mock.bootstrap, &args),
        "",
        &format!(
            "{NO_DESCRIBE}Error: cannot get the offsets of orders:1: TOPIC_AUTHORIZATION_FAILED\n\
             Error: nothing will be committed for group 'g': the offsets of 1 of its 3 partitions could not be looked \
             up (--allow-partial commits the others)\n"
        ),
        1,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [None; 3]);
    assert_output(
        &reset(&mock.bootstrap, &[&args[..], &["--allow-partial"]].concat()),
        &reset_table(&[("g", "orders", 0, 10), ("g", "orders", 2, 30)]),
        &format!("{NO_DESCRIBE}Error: cannot get the offsets of orders:1: TOPIC_AUTHORIZATION_FAILED\n"),
        1,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [Some(10), None, Some(30)]);
}

#[test]
fn a_signal_between_two_groups_commits_says_which_was_confirmed() {
    let mock = Mock::start(2);
    mock.topic("orders", 1).produce("orders", 0, 5, 1_700_000_000_000);
    mock.cluster.set_group_coordinator("a", 1).unwrap();
    mock.cluster.set_group_coordinator("b", 2).unwrap();
    let args = [
        "--bootstrap-server",
        mock.bootstrap.as_str(),
        "--group",
        "a",
        "--group",
        "b",
        "--topic",
        "orders",
        "--to-offset",
        "3",
        "--execute",
        "--timeout",
        "20000",
    ];
    let out = with_fault_before_commit("reset-offsets", &args, |running| {
        // b's coordinator answers 20 s late from now; a's at once. SIGTERM comes after a's answer, before b's.
        mock.cluster.set_round_trip_time(2, Duration::from_secs(20)).unwrap();
        let pid = running.id();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        });
    });
    assert_output(
        &out,
        &reset_table(&[("a", "orders", 0, 3)]),
        &format!(
            "{NO_DESCRIBE}Error: interrupted by SIGTERM: the commits of 'a' were confirmed (the table shows them; they \
             were not read back); the commit of group 'b' (orders:0 to 3) was sent, and may or may not have been applied: \
             no answer came (see it with --to-current --dry-run)\n"
        ),
        143,
    );
    // Not b's late answer nor the timeout (both 20 s); the margin is for a busy machine.
    assert!(out.elapsed < Duration::from_secs(12), "stopped at the signal: {:?}", out.elapsed);
    mock.cluster.set_round_trip_time(2, Duration::ZERO).unwrap();
    assert_eq!(committed(&mock.client_config(), "a", "orders", &[0]), [Some(3)]);
}

#[test]
fn the_same_group_twice_is_one_group_for_the_export() {
    let mock = Mock::start(1);
    mock.topic("orders", 1).produce("orders", 0, 5, 1_700_000_000_000);
    let out = tool(
        "reset-offsets",
        &[
            "--bootstrap-server",
            &mock.bootstrap,
            "--group",
            "g",
            "--group",
            "g",
            "--topic",
            "orders",
            "--to-latest",
            "--dry-run",
            "--export",
        ],
        None,
    );
    assert_output(&out, "orders,0,5\n\n", NO_DESCRIBE, 0);
}

/// The metadata of a large cluster costs time: a selection of plain names asks for those topics only; a regex asks
/// for every topic (it needs every name), and so does a name with a dot (a regex that matches other names too).
#[test]
fn plain_topic_names_ask_the_metadata_of_those_topics_only() {
    use kafka_protocol::messages::{ApiKey, RequestKind};
    let broker = FakeBroker::start(Script::default());
    broker.add_topic("orders", 2, &[]).add_topic("orders2", 1, &[]).add_topic("o.x", 1, &[]);
    let asked = |args: &[&str]| -> Vec<Option<Vec<String>>> {
        let before = broker.received(ApiKey::Metadata).len();
        let out = get_offset(&[&["--bootstrap-server", &broker.address], args].concat());
        assert_eq!(out.code, Some(0), "{out:?}");
        broker.received(ApiKey::Metadata)[before..]
            .iter()
            .map(|r| match &r.request {
                RequestKind::Metadata(m) => {
                    m.topics.as_ref().map(|t| t.iter().filter_map(|t| t.name.as_ref().map(|n| n.to_string())).collect())
                }
                other => panic!("not a Metadata request: {other:?}"),
            })
            .collect()
    };
    assert_eq!(asked(&["--topic", "orders"]), [Some(vec!["orders".to_string()])]);
    assert_eq!(
        asked(&["--topic-partitions", "orders:0,orders2"]),
        [Some(vec!["orders".to_string(), "orders2".to_string()])]
    );
    assert_eq!(asked(&["--topic", "orders.*"]), [None]);
    assert_eq!(asked(&["--topic", "o.x"]), [None]);
}

#[test]
fn a_restore_deletes_only_after_its_commit_went_through_and_backs_its_deletions_up() {
    let dir = scratch_dir("restore");
    let plan = dir.join("restore.csv");
    // t:0 back to 5, and t:1's offset deleted (the group had none there before the first reset).
    std::fs::write(&plan, "g,t,0,5\ng,t,1,-\n").unwrap();
    let plan = plan.to_str().unwrap();
    let broker = |script: Script| {
        let broker = FakeBroker::start(script);
        broker.add_topic("t", 2, &[]);
        broker.commit("g", "t", 0, 3);
        broker.commit("g", "t", 1, 4);
        broker
    };
    // The commit of t:0 is refused: t:1's deletion must not run (a restore applies whole or not at all).
    let refusing = broker(Script { refuse: [(8, 29)].into_iter().collect(), ..Script::default() });
    assert_output(
        &reset(&refusing.address, &["--from-file", plan, "--execute"]),
        &reset_table(&[]),
        "Error: group 'g', t:0: the commit failed: TOPIC_AUTHORIZATION_FAILED\nError: group 'g': its committed offset for \
         t:1 was not deleted: its commit did not succeed\n",
        1,
    );
    assert_eq!(refusing.committed_of("g").get(&("t".to_string(), 1)), Some(&4), "deleted after a failed commit");
    // Accepted: the backup holds both partitions as they were, the deleted one too, so the restore can be undone.
    let accepting = broker(Script::default());
    let backup = dir.join("before-restore.csv");
    let out = reset(&accepting.address, &["--from-file", plan, "--execute", "--backup", backup.to_str().unwrap()]);
    assert_output(
        &out,
        &reset_table_rows(&[("g", "t", 0, "5"), ("g", "t", 1, "-")]),
        "Note: group 'g': its committed offset for t:1 was deleted\n",
        0,
    );
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), "t,0,3\nt,1,4\n\n");
    let undo = reset(&accepting.address, &["--from-file", backup.to_str().unwrap(), "--execute"]);
    assert_eq!(undo.code, Some(0), "{undo:?}");
    let back: Vec<((String, i32), i64)> = accepting.committed_of("g").into_iter().collect();
    assert_eq!(back, [(("t".to_string(), 0), 3), (("t".to_string(), 1), 4)]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn offsets_are_deleted_where_the_coordinator_can_whatever_the_bootstrap_broker() {
    // A cluster being upgraded: the bootstrap broker has no OffsetDelete, the group's coordinator has it.
    let coordinator = FakeBroker::start(Script::default());
    coordinator.add_topic("t", 2, &[]);
    coordinator.commit("g", "t", 0, 3);
    coordinator.commit("g", "t", 1, 4);
    let without: Vec<(i16, i16, i16)> =
        offset_tools_tests::fake_broker::DEFAULT_VERSIONS.iter().copied().filter(|&(key, _, _)| key != 47).collect();
    let bootstrap = FakeBroker::start(Script {
        api_versions: Some(without),
        coordinator: Some(coordinator.address.clone()),
        ..Script::default()
    });
    bootstrap.add_topic("t", 2, &[]);
    let dir = scratch_dir("delete-at-coordinator");
    let plan = dir.join("plan.csv");
    std::fs::write(&plan, "t,1,-\n").unwrap();
    assert_output(
        &reset(&bootstrap.address, &["--from-file", plan.to_str().unwrap(), "--execute"]),
        &reset_table_rows(&[("g", "t", 1, "-")]),
        "Note: group 'g': its committed offset for t:1 was deleted\n",
        0,
    );
    assert_eq!(coordinator.committed_of("g").keys().cloned().collect::<Vec<_>>(), [("t".to_string(), 0)]);
    let _ = std::fs::remove_dir_all(dir);
}
