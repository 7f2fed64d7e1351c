//! Faults on librdkafka's mock cluster, each with its exact outcome (stdout, stderr, exit code) and the committed
//! offsets afterwards: brokers down, retriable and non-retriable errors injected per request, a group that becomes
//! active between the plan and the commit, a cluster that dies before the commit, and signals during the commits.
//! The tools pause before their commits when KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT names a file (a test hook).

use std::time::Duration;

use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::groups::{committed, Member};
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::{get_offset, reset_offsets, with_fault_before_commit, Output, Running};
use offset_tools_tests::wait_until_closed_by_brokers;
use rdkafka::types::RDKafkaRespErr as Err;

const LIST_OFFSETS: i16 = 2;
const OFFSET_COMMIT: i16 = 8;
const FIND_COORDINATOR: i16 = 10;

const NO_DESCRIBE: &str = "Warn: the brokers cannot describe consumer groups (no DescribeGroups); a group with \
members will make the commit fail instead\n";

/// 3 brokers; topic `orders` with partitions 0, 1, 2 led by brokers 1, 2, 3 and 10, 20, 30 messages.
fn cluster() -> Mock {
    let mock = Mock::start(3);
    mock.topic("orders", 3);
    for (p, n) in [(0, 10), (1, 20), (2, 30)] {
        mock.produce("orders", p, n, 1_700_000_000_000);
    }
    mock
}

#[test]
fn retriable_list_offsets_errors_are_retried_within_the_timeout() {
    let mock = cluster();
    mock.cluster.push_request_errors(
        LIST_OFFSETS,
        &[
            Err::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            Err::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            Err::RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        ],
    );
    assert_output(
        &get_offset(&["--bootstrap-server", &mock.bootstrap, "--timeout", "10000"]),
        "orders:0:10\norders:1:20\norders:2:30\n",
        "",
        0,
    );
}

#[test]
fn retriable_coordinator_and_commit_errors_are_retried() {
    let mock = cluster();
    mock.cluster.push_request_errors(FIND_COORDINATOR, &[Err::RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS; 2]);
    mock.cluster.push_request_errors(
        OFFSET_COMMIT,
        &[
            Err::RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            Err::RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            Err::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        ],
    );
    assert_output(
        &reset_offsets(&[
            "--bootstrap-server",
            &mock.bootstrap,
            "--group",
            "g",
            "--topic",
            "orders",
            "--to-offset",
            "5",
            "--execute",
            "--timeout",
            "15000",
        ]),
        &reset_table(&[("g", "orders", 0, 5), ("g", "orders", 1, 5), ("g", "orders", 2, 5)]),
        NO_DESCRIBE,
        0,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [Some(5); 3]);
}

#[test]
fn non_retriable_errors_fail_only_their_partitions() {
    let mock = cluster();
    // Broker 2 leads partition 1: it refuses ListOffsets. get-offset prints the other partitions; reset-offsets
    // commits nothing for the group (whole or not at all: see tests/edges.rs for --allow-partial).
    mock.cluster
        .push_broker_request_errors(2, LIST_OFFSETS, &[Err::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; 3])
        .unwrap();
    let denied = "TOPIC_AUTHORIZATION_FAILED";
    assert_output(
        &get_offset(&["--bootstrap-server", &mock.bootstrap]),
        "orders:0:10\norders:2:30\n",
        &format!("Error: cannot get the offsets of orders:1: {denied}\n"),
        1,
    );
    assert_output(
        &reset_offsets(&[
            "--bootstrap-server",
            &mock.bootstrap,
            "--group",
            "g",
            "--topic",
            "orders",
            "--to-latest",
            "--execute",
        ]),
        // Nothing is committed for the group: no table.
        "",
        &format!(
            "{NO_DESCRIBE}Error: cannot get the offsets of orders:1: {denied}\n\
             Error: nothing will be committed for group 'g': the offsets of 1 of its 3 partitions could not be looked \
             up (--allow-partial commits the others)\n"
        ),
        1,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [None; 3]);
}

#[test]
fn a_broker_down_at_start_fails_its_partitions_within_the_timeout() {
    let mock = cluster();
    mock.cluster.broker_down(3).unwrap();
    let out = get_offset(&["--bootstrap-server", &mock.bootstrap, "--timeout", "3000"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "orders:0:10\norders:1:20\n");
    assert_eq!(
        out.stderr,
        "Error: cannot get the offsets of orders:2: the leader, broker 3, is not among the brokers the metadata lists \
         (is it down?)\n"
    );
    assert!(out.elapsed < Duration::from_secs(3 + 10), "bounded by --timeout: {:?}", out.elapsed);
}

#[test]
fn a_dead_cluster_ends_both_tools_within_the_timeout() {
    let mock = cluster();
    for broker in 1..=3 {
        mock.cluster.broker_down(broker).unwrap();
    }
    let b = mock.bootstrap.as_str();
    for out in [
        get_offset(&["--bootstrap-server", b, "--timeout", "2000"]),
        reset_offsets(&[
            "--bootstrap-server",
            b,
            "--timeout",
            "2000",
            "--group",
            "g",
            "--topic",
            "orders",
            "--to-latest",
            "--execute",
        ]),
    ] {
        assert_eq!(out.code, Some(1), "{out:?}");
        assert_eq!(out.stdout, "");
        let refused: Vec<String> = b.split(',').map(|a| format!("{a}: Connection refused (os error 111)")).collect();
        assert_eq!(out.stderr, format!("Error: cannot connect to any bootstrap server ({})\n", refused.join("; ")));
        assert!(out.elapsed < Duration::from_secs(2 + 10), "bounded by --timeout: {:?}", out.elapsed);
    }
}

#[test]
fn a_listener_that_never_answers_is_bounded() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let b = silent.local_addr().unwrap().to_string();
    for out in [
        get_offset(&["--bootstrap-server", &b, "--timeout", "1500"]),
        reset_offsets(&[
            "--bootstrap-server",
            &b,
            "--timeout",
            "1500",
            "--group",
            "g",
            "--topic",
            "t",
            "--to-latest",
            "--dry-run",
        ]),
    ] {
        assert_output(
            &out,
            "",
            &format!("Error: cannot connect to any bootstrap server ({b}: no answer in time)\n"),
            1,
        );
        assert!(out.elapsed < Duration::from_secs(1 + 10), "bounded by --timeout: {:?}", out.elapsed);
    }
}

/// `reset-offsets ... --execute` of group `g` on `orders`, paused before its commits while `fault` runs.
fn execute_with_fault(mock: &Mock, extra: &[&str], fault: impl FnOnce(&Running)) -> Output {
    let base = [
        "--bootstrap-server",
        mock.bootstrap.as_str(),
        "--group",
        "g",
        "--topic",
        "orders",
        "--to-offset",
        "4",
        "--execute",
    ];
    with_fault_before_commit("reset-offsets", &[&base[..], extra].concat(), fault)
}

#[test]
fn a_group_that_becomes_active_before_the_commit_is_not_reset() {
    let mock = cluster();
    let config = mock.client_config();
    let mut member = None;
    let out = execute_with_fault(&mock, &[], |_| member = Some(Member::join(&config, "g", "orders")));
    assert_output(
        &out,
        &reset_table(&[]),
        &format!(
            "{NO_DESCRIBE}Error: Assignments can only be reset if the group 'g' is inactive, but the broker refused \
             the commit with UNKNOWN_MEMBER_ID: the group has members. Nothing was committed for it.\n"
        ),
        3,
    );
    drop(member);
    assert_eq!(committed(&config, "g", "orders", &[0, 1, 2]), [None; 3]);
}

#[test]
fn a_cluster_that_dies_before_the_commit_is_known_not_committed() {
    let mock = cluster();
    let out = execute_with_fault(&mock, &["--timeout", "2000"], |_| {
        for broker in 1..=3 {
            mock.cluster.broker_down(broker).unwrap();
        }
        wait_until_closed_by_brokers(&mock.bootstrap);
    });
    assert_output(
        &out,
        &reset_table(&[]),
        &format!(
            // The connections were closed before the commit was written: it was not sent, and the group's
            // coordinator is looked up again, in vain, until --timeout.
            "{NO_DESCRIBE}Error: nothing was committed for group 'g': cannot find its coordinator: Connection refused \
             (os error 111)\n"
        ),
        1,
    );
    assert!(out.elapsed < Duration::from_secs(2 + 15), "bounded by --timeout: {:?}", out.elapsed);
}

#[test]
fn sigint_before_the_commit_commits_nothing() {
    let mock = cluster();
    let out = execute_with_fault(&mock, &[], |running| {
        running.signal("INT");
        std::thread::sleep(Duration::from_millis(300));
    });
    assert_output(
        &out,
        &reset_table(&[]),
        &format!("{NO_DESCRIBE}Error: interrupted by SIGINT: before any commit: nothing was committed\n"),
        130,
    );
    assert_eq!(committed(&mock.client_config(), "g", "orders", &[0, 1, 2]), [None; 3]);
}

#[test]
fn sigterm_while_the_commit_is_unanswered_says_so() {
    let mock = cluster();
    let out = execute_with_fault(&mock, &["--timeout", "20000"], |running| {
        // Every broker answers 5 s late from now: the commit is sent and waits; then SIGTERM.
        for broker in 1..=3 {
            mock.cluster.set_round_trip_time(broker, Duration::from_secs(5)).unwrap();
        }
        let pid = running.id();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        });
    });
    assert_output(
        &out,
        &reset_table(&[]),
        &format!(
            "{NO_DESCRIBE}Error: interrupted by SIGTERM: the commit of group 'g' (orders:0 to 4, orders:1 to 4, \
             orders:2 to 4) was sent, and may or may not have been applied: no answer came (see it with --to-current \
             --dry-run)\n"
        ),
        143,
    );
    assert!(out.elapsed < Duration::from_secs(10), "stopped at the signal, not at the timeout: {:?}", out.elapsed);
}
