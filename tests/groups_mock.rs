//! Many groups in one reset-offsets run, on librdkafka's mock cluster: one session for all of them (the requests
//! each broker receives are counted: one Metadata, ListOffsets per leader, never per group), a coordinator that
//! answers COORDINATOR_LOAD_IN_PROGRESS for a while, an active group, a coordinator that refuses one group; every
//! group's committed offsets are read afterwards.

use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::groups::{committed, Member};
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::reset_offsets;
use rdkafka::types::RDKafkaRespErr as Err;

const LIST_OFFSETS: i16 = 2;
const METADATA: i16 = 3;
const OFFSET_COMMIT: i16 = 8;
const OFFSET_FETCH: i16 = 9;
const FIND_COORDINATOR: i16 = 10;
const API_VERSIONS: i16 = 18;

const NO_DESCRIBE: &str = "Warn: the brokers cannot describe consumer groups (no DescribeGroups); a group with \
members will make the commit fail instead\n";

/// 3 brokers; topic `orders` with partitions 0, 1, 2 (led by brokers 1, 2, 3) and 10, 20, 30 messages.
fn cluster() -> Mock {
    let mock = Mock::start(3);
    mock.topic("orders", 3);
    for (p, n) in [(0, 10), (1, 20), (2, 30)] {
        mock.produce("orders", p, n, 1_700_000_000_000);
    }
    mock
}

fn group_args(groups: &[String]) -> Vec<&str> {
    groups.iter().flat_map(|g| ["--group", g.as_str()]).collect()
}

fn rows(groups: &[String], offset: i64) -> Vec<(&str, &str, i32, i64)> {
    groups.iter().flat_map(|g| (0..3).map(move |p| (g.as_str(), "orders", p, offset))).collect()
}

#[test]
fn thirty_groups_share_one_session() {
    let mock = cluster();
    let groups: Vec<String> = (0..30).map(|i| format!("g{i:02}")).collect();
    mock.cluster.start_request_tracking();
    let mut args = vec!["--bootstrap-server", mock.bootstrap.as_str(), "--topic", "orders", "--to-offset", "4"];
    args.extend(group_args(&groups));
    args.push("--execute");
    assert_output(&reset_offsets(&args), &reset_table(&rows(&groups, 4)), NO_DESCRIBE, 0);

    let requests = mock.cluster.requests();
    let count = |api: i16| requests.iter().filter(|(_, a)| *a == api).count();
    // One metadata request for the run; log start and end once per leader, whatever the number of groups; the
    // mock has FindCoordinator v3 and OffsetFetch v6 (one group per request: pipelined); Kafka takes one group
    // per commit. Every bootstrap server is probed at once (ApiVersions and an empty OffsetFetch each), and those
    // connections serve the later rounds (unless a probe is still under way then: one more ApiVersions each).
    assert_eq!(
        [count(METADATA), count(LIST_OFFSETS), count(FIND_COORDINATOR), count(OFFSET_COMMIT), count(OFFSET_FETCH)],
        [1, 6, 30, 30, 3 + 30],
        "{requests:?}"
    );
    assert!((3..=5).contains(&count(API_VERSIONS)), "{requests:?}");
    for group in &groups {
        assert_eq!(committed(&mock.client_config(), group, "orders", &[0, 1, 2]), [Some(4); 3], "{group}");
    }
}

#[test]
fn a_loading_coordinator_an_active_group_and_a_refused_one() {
    let mock = cluster();
    let config = mock.client_config();
    let on_1: Vec<String> = (0..8).map(|i| format!("a{i}")).collect();
    let on_2: Vec<String> = (0..8).map(|i| format!("b{i}")).collect();
    for group in &on_1 {
        mock.cluster.set_group_coordinator(group, 1).unwrap();
    }
    for group in &on_2 {
        mock.cluster.set_group_coordinator(group, 2).unwrap();
    }
    mock.cluster.set_group_coordinator("busy", 1).unwrap();
    mock.cluster.set_group_coordinator("denied", 3).unwrap();
    let member = Member::join(&config, "busy", "orders");
    // Broker 2 is loading its groups for the next four commits; broker 3 refuses the next one.
    mock.cluster
        .push_broker_request_errors(2, OFFSET_COMMIT, &[Err::RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS; 4])
        .unwrap();
    mock.cluster
        .push_broker_request_errors(3, OFFSET_COMMIT, &[Err::RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED])
        .unwrap();

    let all: Vec<String> = on_1.iter().chain(&on_2).cloned().chain(["busy".into(), "denied".into()]).collect();
    let mut args = vec!["--bootstrap-server", mock.bootstrap.as_str(), "--topic", "orders", "--to-offset", "7"];
    args.extend(group_args(&all));
    args.extend(["--execute", "--timeout", "15000"]);
    let reset: Vec<String> = on_1.iter().chain(&on_2).cloned().collect();
    assert_output(
        &reset_offsets(&args),
        &reset_table(&rows(&reset, 7)),
        &format!(
            "{NO_DESCRIBE}Error: Assignments can only be reset if the group 'busy' is inactive, but the broker refused \
             the commit with UNKNOWN_MEMBER_ID: the group has members. Nothing was committed for it.\n\
             Error: group 'denied', orders:0: the commit failed: GROUP_AUTHORIZATION_FAILED\n\
             Error: group 'denied', orders:1: the commit failed: GROUP_AUTHORIZATION_FAILED\n\
             Error: group 'denied', orders:2: the commit failed: GROUP_AUTHORIZATION_FAILED\n"
        ),
        1,
    );
    drop(member);
    for group in &reset {
        assert_eq!(committed(&config, group, "orders", &[0, 1, 2]), [Some(7); 3], "{group}");
    }
    for group in ["busy", "denied"] {
        assert_eq!(committed(&config, group, "orders", &[0, 1, 2]), [None; 3], "{group}");
    }
}
