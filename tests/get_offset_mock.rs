//! get-offset against librdkafka's mock cluster: several brokers in this process, leaders spread over them.
//! Whole outputs are compared.

use std::process::Command;

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::{binary, command, get_offset};

const LIST_OFFSETS: i16 = 2;

fn lines(rows: impl IntoIterator<Item = String>) -> String {
    rows.into_iter().map(|r| r + "\n").collect()
}

#[test]
fn latest_and_earliest_over_several_brokers_sorted_numerically() {
    let mock = Mock::start(3);
    mock.topic("orders", 12).topic("audit", 1);
    for p in 0..12 {
        mock.produce("orders", p, p as usize, 1_700_000_000_000);
    }
    mock.produce("audit", 0, 2, 1_700_000_000_000);
    let latest = lines(std::iter::once("audit:0:2".to_string()).chain((0..12).map(|p| format!("orders:{p}:{p}"))));
    assert_output(&get_offset(&["--bootstrap-server", &mock.bootstrap]), &latest, "", 0);
    assert_output(&get_offset(&["--bootstrap-server", &mock.bootstrap, "--time", "-1"]), &latest, "", 0);
    let earliest = lines((0..12).map(|p| format!("orders:{p}:0")));
    assert_output(
        &get_offset(&["--broker-list", &mock.bootstrap, "--topic", "orders", "--time", "earliest"]),
        &earliest,
        "",
        0,
    );
}

#[test]
fn kafkas_single_dash_long_options() {
    // Kafka's parser takes `-option`; values stay values (`-time -2`), and a misspelt option is named whole.
    let mock = Mock::start(1);
    mock.topic("orders", 2).produce("orders", 1, 3, 1_700_000_000_000);
    assert_output(
        &get_offset(&["-bootstrap-server", &mock.bootstrap, "-topic", "orders", "-time", "-1"]),
        "orders:0:0\norders:1:3\n",
        "",
        0,
    );
    assert_output(
        &get_offset(&["-broker-list", &mock.bootstrap, "-topic-partitions", "orders:1", "-time=-2"]),
        "orders:1:0\n",
        "",
        0,
    );
    assert_output(
        &get_offset(&["-bootstrap-server", &mock.bootstrap, "-tpic", "orders"]),
        "",
        "Error: unknown option '-tpic' (did you mean '--topic'?)\n",
        2,
    );
}

#[test]
fn one_list_offsets_request_per_leader() {
    let mock = Mock::start(3);
    mock.topic("wide", 30).topic("narrow", 2);
    mock.cluster.start_request_tracking();
    let out = get_offset(&["--bootstrap-server", &mock.bootstrap, "--topic", "wide|narrow"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.lines().count(), 32);
    let mut list_offsets: Vec<i32> =
        mock.cluster.requests().into_iter().filter(|(_, api)| *api == LIST_OFFSETS).map(|(broker, _)| broker).collect();
    list_offsets.sort();
    // 32 partitions led by 3 brokers: exactly one ListOffsets request to each.
    assert_eq!(list_offsets, [1, 2, 3]);
}

#[test]
fn selection_by_regex_partitions_and_rules() {
    let mock = Mock::start(2);
    mock.topic("t1", 1).topic("t2", 4).topic("t10", 2).topic("other", 3);
    let b = &mock.bootstrap;
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--topic", "t.*", "--partitions", "1,0"]),
        "t1:0:0\nt10:0:0\nt10:1:0\nt2:0:0\nt2:1:0\n",
        "",
        0,
    );
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--topic", "t1,other"]),
        "other:0:0\nother:1:0\nother:2:0\nt1:0:0\n",
        "",
        0,
    );
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--topic-partitions", "t2:1-3,other:2,t10"]),
        "other:2:0\nt10:0:0\nt10:1:0\nt2:1:0\nt2:2:0\n",
        "",
        0,
    );
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--topic-partitions", "t2:2-,:-1"]),
        "other:0:0\nt1:0:0\nt10:0:0\nt2:0:0\nt2:2:0\nt2:3:0\n",
        "",
        0,
    );
}

#[test]
fn internal_topics_can_be_excluded() {
    let mock = Mock::start(1);
    mock.topic("__consumer_offsets", 2).topic("orders", 1);
    let b = &mock.bootstrap;
    assert_output(
        &get_offset(&["--bootstrap-server", b]),
        "__consumer_offsets:0:0\n__consumer_offsets:1:0\norders:0:0\n",
        "",
        0,
    );
    assert_output(&get_offset(&["--bootstrap-server", b, "--exclude-internal-topics"]), "orders:0:0\n", "", 0);
}

#[test]
fn csv_and_json_formats() {
    let mock = Mock::start(2);
    mock.topic("orders", 2).produce("orders", 0, 3, 1_700_000_000_000).produce("orders", 1, 1, 1_700_000_000_000);
    let b = &mock.bootstrap;
    assert_output(&get_offset(&["--bootstrap-server", b, "--format", "csv"]), "orders,0,3\norders,1,1\n", "", 0);
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--format=json"]),
        "[{\"topic\":\"orders\",\"partition\":0,\"offset\":3},{\"topic\":\"orders\",\"partition\":1,\"offset\":1}]\n",
        "",
        0,
    );
}

#[test]
fn no_matching_topic() {
    let mock = Mock::start(1);
    mock.topic("orders", 1);
    assert_output(
        &get_offset(&["--bootstrap-server", &mock.bootstrap, "--topic", "nosuch"]),
        "",
        "Error: Could not match any topic-partitions with the specified filters\n",
        1,
    );
}

#[test]
fn unknown_partition_is_named_and_fails() {
    let mock = Mock::start(1);
    mock.topic("orders", 3);
    let b = &mock.bootstrap;
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--topic", "orders", "--partitions", "0,5"]),
        "orders:0:0\n",
        "Error: partition 5 does not exist in topic orders\n",
        1,
    );
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--topic-partitions", "orders:1,orders:7"]),
        "orders:1:0\n",
        "Error: rule 'orders:7' of --topic-partitions matched no topic-partition\n",
        1,
    );
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--topic", "orders", "--partitions", "9"]),
        "",
        "Error: Could not match any topic-partitions with the specified filters\n",
        1,
    );
}

#[test]
fn timestamp_without_answer_prints_no_line_and_says_so() {
    // The mock answers every timestamp lookup with "no offset" (a FIXME in librdkafka's mock), which is exactly
    // the case of a time after the last record.
    let mock = Mock::start(1);
    mock.topic("orders", 2).produce("orders", 0, 2, 1_700_000_000_000);
    assert_output(
        &get_offset(&["--bootstrap-server", &mock.bootstrap, "--time", "1800000000000"]),
        "",
        "Warn: no offset for topic-partition orders:0 at time 1800000000000: no record has a timestamp at or after that time\n\
         Warn: no offset for topic-partition orders:1 at time 1800000000000: no record has a timestamp at or after that time\n",
        0,
    );
}

#[test]
fn partition_errors_are_listed_and_fail() {
    let mock = Mock::start(2);
    mock.topic("orders", 2);
    // Every ListOffsets answer for the next while carries a non-retriable error.
    let errors = vec![rdkafka::types::RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; 10];
    mock.cluster.push_request_errors(LIST_OFFSETS, &errors);
    let out = get_offset(&["--bootstrap-server", &mock.bootstrap, "--timeout", "5000"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "Error: cannot get the offsets of orders:0: TOPIC_AUTHORIZATION_FAILED\n\
         Error: cannot get the offsets of orders:1: TOPIC_AUTHORIZATION_FAILED\n"
    );
}

#[test]
fn broken_pipe_ends_quietly() {
    let mock = Mock::start(2);
    mock.topic("wide", 2000);
    let script = format!(
        "'{}' --bootstrap-server '{}' | head -1; echo \"exit=${{PIPESTATUS[0]}}\"",
        binary("get-offset").display(),
        mock.bootstrap
    );
    let out = command(Command::new("bash").arg("-c").arg(&script), None);
    assert_output(&out, "wide:0:0\nexit=0\n", "", 0);
}
