//! copy-topics between protocol-level fake brokers (neither Kafka 0.9 nor librdkafka's mock cluster answers
//! CreateTopics): the requests the new cluster receives are checked whole (names, partitions, replication factors,
//! settings, validate-only first, one request for all topics), with the tool's whole output and exit code, for each
//! case: create, exists, fewer partitions (and --grow-partitions), a setting the new cluster does not know, the
//! replication factor capped, an unreachable new cluster, a new cluster that refuses authorization, and a dry run
//! that creates nothing.

use kafka_protocol::messages::{ApiKey, RequestKind};
use offset_tools_tests::compare::{assert_output, NO_CREATION_WARNING};
use offset_tools_tests::dead_address;
use offset_tools_tests::fake_broker::{CreateTopicsSent, FakeBroker, Script};
use offset_tools_tests::run::tool;

fn copy_topics(args: &[&str]) -> offset_tools_tests::run::Output {
    tool("copy-topics", args, None)
}

/// A cluster of `brokers` brokers (all the one fake broker).
fn cluster(brokers: i32) -> FakeBroker {
    FakeBroker::start(Script { brokers, ..Script::default() })
}

/// The old cluster: `orders` (3 partitions, replication 3, compacted), `payments` (2 partitions, replication 1,
/// one day's retention), `audit` (1 partition, no settings of its own).
fn old_cluster() -> FakeBroker {
    let old = cluster(3);
    old.add_topic("orders", 3, &[("cleanup.policy", "compact"), ("min.compaction.lag.ms", "60000")]);
    old.add_topic("payments", 2, &[("retention.ms", "86400000")]);
    old.add_topic("audit", 1, &[]);
    old.state().topics.get_mut("orders").unwrap().replication_factor = 3;
    old
}

fn create_requests(broker: &FakeBroker) -> Vec<CreateTopicsSent> {
    broker.create_topics_received()
}

fn topic(
    name: &str,
    partitions: i32,
    replication: i16,
    settings: &[(&str, &str)],
) -> (String, i32, i16, Vec<(String, String)>) {
    (name.into(), partitions, replication, settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

const HEADER: &str = "TOPIC                          PARTITIONS REPLICATION STATUS     DETAILS\n";

fn row(topic: &str, partitions: i32, replication: i32, status: &str, details: &str) -> String {
    format!("{topic:<30} {partitions:<10} {replication:<11} {status:<10} {details}\n")
}

#[test]
fn a_dry_run_validates_every_topic_and_creates_nothing() {
    let (old, new) = (old_cluster(), cluster(3));
    let out = copy_topics(&["--from", &old.address, "--to", &new.address]);
    let table = [
        HEADER.to_string(),
        row("audit", 1, 1, "create", "-"),
        row("orders", 3, 3, "create", "cleanup.policy=compact,min.compaction.lag.ms=60000"),
        row("payments", 2, 1, "create", "retention.ms=86400000"),
    ]
    .concat();
    assert_output(&out, &table, NO_CREATION_WARNING, 0);
    // The dry run asks the new cluster to validate what --execute would create, and creates nothing.
    let topics = vec![
        topic("audit", 1, 1, &[]),
        topic("orders", 3, 3, &[("cleanup.policy", "compact"), ("min.compaction.lag.ms", "60000")]),
        topic("payments", 2, 1, &[("retention.ms", "86400000")]),
    ];
    assert_eq!(create_requests(&new), vec![(true, topics)]);
    assert!(new.state().topics.is_empty());
}

#[test]
fn execute_validates_then_creates_every_topic_in_one_request() {
    let (old, new) = (old_cluster(), cluster(3));
    let out = copy_topics(&["--from", &old.address, "--to", &new.address, "--execute"]);
    let table = [
        HEADER.to_string(),
        row("audit", 1, 1, "created", "-"),
        row("orders", 3, 3, "created", "cleanup.policy=compact,min.compaction.lag.ms=60000"),
        row("payments", 2, 1, "created", "retention.ms=86400000"),
    ]
    .concat();
    assert_output(&out, &table, "", 0);
    let topics = vec![
        topic("audit", 1, 1, &[]),
        topic("orders", 3, 3, &[("cleanup.policy", "compact"), ("min.compaction.lag.ms", "60000")]),
        topic("payments", 2, 1, &[("retention.ms", "86400000")]),
    ];
    assert_eq!(create_requests(&new), vec![(true, topics.clone()), (false, topics)]);
    let state = new.state();
    let created: Vec<(&str, i32, i16)> =
        state.topics.iter().map(|(n, t)| (n.as_str(), t.partitions, t.replication_factor)).collect();
    assert_eq!(created, [("audit", 1, 1), ("orders", 3, 3), ("payments", 2, 1)]);
    assert_eq!(state.topics["orders"].configs.get("cleanup.policy").map(String::as_str), Some("compact"));
    drop(state);
    // Run again: everything is there, as on the old cluster; nothing is sent.
    let again = copy_topics(&["--from", &old.address, "--to", &new.address, "--execute", "--topic", "orders|payments"]);
    let table = [
        HEADER.to_string(),
        row("orders", 3, 3, "exists", "cleanup.policy=compact,min.compaction.lag.ms=60000"),
        row("payments", 2, 1, "exists", "retention.ms=86400000"),
    ]
    .concat();
    assert_output(&again, &table, "", 0);
    assert_eq!(create_requests(&new).len(), 2, "an existing topic was created again");
}

#[test]
fn fewer_partitions_or_other_settings_are_reported_and_grown_only_when_asked() {
    let (old, new) = (old_cluster(), cluster(3));
    new.add_topic("orders", 2, &[("cleanup.policy", "compact"), ("min.compaction.lag.ms", "60000")]);
    new.state().topics.get_mut("orders").unwrap().replication_factor = 3;
    new.add_topic("payments", 2, &[("retention.ms", "3600000")]);
    let args = ["--from", &old.address, "--to", &new.address, "--topic", "orders|payments", "--execute"];
    let orders = "fewer partitions on the new cluster: 2 of 3 (--grow-partitions adds the others)";
    let payments = "other settings on the new cluster: retention.ms=86400000 (new cluster: 3600000)";
    let table =
        [HEADER.to_string(), row("orders", 3, 3, "differs", orders), row("payments", 2, 1, "differs", payments)]
            .concat();
    let stderr = format!("Error: topic 'orders': differs: {orders}\nError: topic 'payments': differs: {payments}\n");
    assert_output(&copy_topics(&args), &table, &stderr, 1);
    assert!(new.received(ApiKey::CreatePartitions).is_empty(), "partitions were added without --grow-partitions");
    assert_eq!(new.state().topics["orders"].partitions, 2);

    let grow = ["--from", &old.address, "--to", &new.address, "--topic", "orders", "--execute", "--grow-partitions"];
    let table = [HEADER.to_string(), row("orders", 3, 3, "grown", "1 partition added to the new cluster's 2")].concat();
    assert_output(&copy_topics(&grow), &table, "", 0);
    let requests: Vec<Vec<(String, i32)>> = new
        .received(ApiKey::CreatePartitions)
        .into_iter()
        .map(|r| match r.request {
            RequestKind::CreatePartitions(request) => {
                request.topics.iter().map(|t| (t.name.to_string(), t.count)).collect()
            }
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(requests, vec![vec![("orders".to_string(), 3)]]);
    assert_eq!(new.state().topics["orders"].partitions, 3);
}

#[test]
fn a_setting_the_new_cluster_does_not_know_is_left_out_and_the_replication_factor_capped() {
    let old = old_cluster();
    old.add_topic("legacy", 1, &[("message.format.version", "0.9.0"), ("retention.ms", "1000")]);
    let new = FakeBroker::start(Script {
        brokers: 1,
        refused_configs: vec!["message.format.version".into()],
        ..Script::default()
    });
    let out = copy_topics(&["--from", &old.address, "--to", &new.address, "--topic", "legacy|orders", "--execute"]);
    let table = [
        HEADER.to_string(),
        row("legacy", 1, 1, "created", "retention.ms=1000"),
        row("orders", 3, 1, "created", "cleanup.policy=compact,min.compaction.lag.ms=60000"),
    ]
    .concat();
    let stderr = "Warn: topic 'orders': replication factor 3 is more than the new cluster's 1 brokers: created with 1 \
                  (--replication-factor sets it)\nWarn: topic 'legacy': the new cluster does not know the setting \
                  message.format.version: left out\n";
    assert_output(&out, &table, stderr, 0);
    let legacy = |settings: &[(&str, &str)]| topic("legacy", 1, 1, settings);
    let orders = topic("orders", 3, 1, &[("cleanup.policy", "compact"), ("min.compaction.lag.ms", "60000")]);
    assert_eq!(
        create_requests(&new),
        vec![
            (true, vec![legacy(&[("message.format.version", "0.9.0"), ("retention.ms", "1000")]), orders.clone()]),
            (true, vec![legacy(&[("retention.ms", "1000")]), orders.clone()]),
            (false, vec![legacy(&[("retention.ms", "1000")]), orders]),
        ]
    );
}

#[test]
fn config_skip_config_and_replication_factor_override_the_old_clusters() {
    let (old, new) = (old_cluster(), cluster(3));
    let out = copy_topics(&[
        "--from",
        &old.address,
        "--to",
        &new.address,
        "--topic",
        "orders",
        "--execute",
        "--replication-factor",
        "2",
        "--skip-config",
        "min.compaction.lag.ms",
        "--config",
        "max.message.bytes=2000000",
    ]);
    let table =
        [HEADER.to_string(), row("orders", 3, 2, "created", "cleanup.policy=compact,max.message.bytes=2000000")]
            .concat();
    assert_output(&out, &table, "", 0);
    let orders = topic("orders", 3, 2, &[("cleanup.policy", "compact"), ("max.message.bytes", "2000000")]);
    assert_eq!(create_requests(&new), vec![(true, vec![orders.clone()]), (false, vec![orders])]);
}

#[test]
fn a_new_cluster_that_refuses_authorization_creates_nothing() {
    let old = old_cluster();
    let new = FakeBroker::start(Script {
        brokers: 3,
        refuse: [(ApiKey::CreateTopics as i16, 29)].into_iter().collect(),
        ..Script::default()
    });
    let out = copy_topics(&["--from", &old.address, "--to", &new.address, "--topic", "audit|payments", "--execute"]);
    let refused = "the new cluster refused it: TOPIC_AUTHORIZATION_FAILED";
    let table = [HEADER.to_string(), row("audit", 1, 1, "refused", refused), row("payments", 2, 1, "refused", refused)]
        .concat();
    let stderr = format!("Error: topic 'audit': refused: {refused}\nError: topic 'payments': refused: {refused}\n");
    assert_output(&out, &table, &stderr, 1);
    let requests = create_requests(&new);
    assert!(
        requests.iter().all(|(validate_only, _)| *validate_only),
        "created after a refused validation: {requests:?}"
    );
    assert!(new.state().topics.is_empty());
}

#[test]
fn an_unreachable_new_cluster_is_named_and_usage_mistakes_send_nothing() {
    let old = old_cluster();
    let dead = dead_address();
    let out = copy_topics(&["--from", &old.address, "--to", &dead, "--execute", "--timeout", "1000"]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(1), ""), "{out:?}");
    assert!(out.stderr.starts_with("Error: the new cluster: cannot connect to any bootstrap server ("), "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");

    let new = cluster(1);
    for (args, message) in [
        (vec!["--to", new.address.as_str()], "Missing required argument \"[from]\""),
        (
            vec!["--from", &old.address, "--to", &new.address, "--config", "novalue"],
            "--config expects KEY=VALUE, but received: novalue",
        ),
        (vec!["--from", &old.address, "--to", &new.address, "--topic", "("], "( is an invalid regex."),
        (
            vec!["--from", &old.address, "--to", &new.address, "--dry-run", "--execute"],
            "--dry-run can't be used with --execute",
        ),
        (
            vec!["--from", &old.address, "--to", &new.address, "--replication-factor", "0"],
            "invalid value '0' for '--replication-factor <N>': 0 is not in 1..=32767",
        ),
        (
            vec!["--from", &old.address, "--to", &old.address],
            "--from and --to name the same servers: give the old and the new cluster",
        ),
    ] {
        assert_output(&copy_topics(&args), "", &format!("Error: {message}\n"), 2);
    }
    assert!(
        old.received(ApiKey::Metadata).is_empty() && new.received(ApiKey::Metadata).is_empty(),
        "a usage error connected"
    );
    // No topic matches: Kafka's message.
    let none = copy_topics(&["--from", &old.address, "--to", &new.address, "--topic", "nothing.*"]);
    assert_output(
        &none,
        "",
        &format!("{NO_CREATION_WARNING}Error: Could not match any topic-partitions with the specified filters\n"),
        1,
    );
}

#[test]
fn created_topics_are_waited_for_until_their_partitions_have_leaders() {
    let old = old_cluster();
    // Leaders come 600 ms after the creation: the tool reads the metadata until they are there.
    let new = FakeBroker::start(Script {
        brokers: 3,
        new_topic_leader_delay: std::time::Duration::from_millis(600),
        ..Script::default()
    });
    let out = copy_topics(&["--from", &old.address, "--to", &new.address, "--topic", "audit", "--execute"]);
    assert_output(&out, &[HEADER.to_string(), row("audit", 1, 1, "created", "-")].concat(), "", 0);
    let after_create = new
        .state()
        .received
        .iter()
        .skip_while(|r| !matches!(&r.request, RequestKind::CreateTopics(c) if !c.validate_only))
        .filter(|r| r.api_key == ApiKey::Metadata as i16)
        .count();
    assert!(after_create >= 2, "the metadata was read {after_create} times after the creation");

    // Leaders that do not come within --timeout: the topic is said to be incomplete.
    let slow = FakeBroker::start(Script {
        brokers: 3,
        new_topic_leader_delay: std::time::Duration::from_secs(600),
        ..Script::default()
    });
    let out = copy_topics(&[
        "--from",
        &old.address,
        "--to",
        &slow.address,
        "--topic",
        "audit",
        "--execute",
        "--timeout",
        "1500",
    ]);
    let failed =
        "the new cluster accepted it, but its metadata does not show leaders for its 1 partition after 1500 ms";
    assert_output(
        &out,
        &[HEADER.to_string(), row("audit", 1, 1, "failed", failed)].concat(),
        &format!("Error: topic 'audit': failed: {failed}\n"),
        1,
    );
}
