//! get-offset's command line: every usage error gets one line on stderr and exit code 2, before any connection.
//! Whole outputs are compared (stdout, stderr, exit code).

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::run::get_offset;
use offset_tools_tests::{dead_address, scratch_dir};

const MALFORMED_TIME: &str =
    "Please use -1 or latest / -2 or earliest / -3 or max-timestamp, or a specified long format timestamp";

fn usage_error(args: &[&str], message: &str) {
    assert_output(&get_offset(args), "", &format!("Error: {message}\n"), 2);
}

#[test]
fn bad_time_uses_kafka_message() {
    let b = dead_address();
    usage_error(
        &["--bootstrap-server", &b, "--time", "abc"],
        &format!("Malformed time argument abc. {MALFORMED_TIME}"),
    );
    usage_error(
        &["--bootstrap-server", &b, "--time", "Latest"],
        &format!("Malformed time argument Latest. {MALFORMED_TIME}"),
    );
    usage_error(&["--bootstrap-server", &b, "--time=-9"], &format!("Malformed time argument -9. {MALFORMED_TIME}"));
}

#[test]
fn bad_partitions() {
    usage_error(
        &["--bootstrap-server", &dead_address(), "--topic", "t", "--partitions", "0,x"],
        "--partitions expects a comma separated list of numeric partition ids, but received: 0,x",
    );
}

#[test]
fn bad_rules() {
    let b = dead_address();
    usage_error(&["--bootstrap-server", &b, "--topic-partitions", "t:x"], "Invalid rule specification: t:x");
    usage_error(&["--bootstrap-server", &b, "--topic-partitions", "a:b:c"], "Invalid rule specification: a:b:c");
    usage_error(
        &["--bootstrap-server", &b, "--topic-partitions", "t:1,u:9999999999"],
        "Invalid rule specification: u:9999999999",
    );
}

#[test]
fn bad_regex() {
    usage_error(&["--bootstrap-server", &dead_address(), "--topic", "orders["], "orders[ is an invalid regex.");
    usage_error(&["--bootstrap-server", &dead_address(), "--topic-partitions", "(x:1"], "(x is an invalid regex.");
}

#[test]
fn bad_bootstrap() {
    let message = "Please provide valid host:port like host1:9091,host2:9092";
    usage_error(&["--bootstrap-server", "127.0.0.1"], message);
    usage_error(&["--broker-list", "127.0.0.1:9092,127.0.0.1"], message);
    usage_error(&["--bootstrap-server", "127.0.0.1:notaport"], message);
    usage_error(&["--bootstrap-server", ""], "Error while validating the bootstrap address");
}

#[test]
fn bootstrap_is_required() {
    usage_error(&["--topic", "t"], "Missing required argument \"[bootstrap-server]\"");
}

#[test]
fn topic_partitions_conflicts() {
    let b = dead_address();
    let message = "--topic-partitions cannot be used with --topic or --partitions";
    usage_error(&["--bootstrap-server", &b, "--topic-partitions", "t:0", "--topic", "t"], message);
    usage_error(&["--bootstrap-server", &b, "--topic-partitions", "t:0", "--partitions", "0"], message);
}

#[test]
fn unreadable_command_config() {
    let dir = scratch_dir("cli");
    let missing = dir.join("missing.properties");
    let missing = missing.to_str().unwrap();
    usage_error(
        &["--bootstrap-server", &dead_address(), "--command-config", missing],
        &format!("--command-config {missing}: cannot open: No such file or directory (os error 2)"),
    );
    let malformed = dir.join("bad.properties");
    std::fs::write(&malformed, "security.protocol=PLAINTEXT\nbad\\u12zz=1\n").unwrap();
    let malformed = malformed.to_str().unwrap();
    let out = get_offset(&["--bootstrap-server", &dead_address(), "--command-config", malformed]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.starts_with(&format!("Error: --command-config {malformed}: line 2: ")), "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_flag_gets_a_hint() {
    usage_error(
        &["--bootstrap-server", &dead_address(), "--formt", "csv"],
        "unexpected argument '--formt' found (tip: a similar argument exists: '--format')",
    );
}

#[test]
fn bad_format_and_offsets() {
    let b = dead_address();
    usage_error(
        &["--bootstrap-server", &b, "--format", "xml"],
        "invalid value 'xml' for '--format <FORMAT>': unknown format 'xml' (expected text, csv or json)",
    );
    usage_error(
        &["--bootstrap-server", &b, "--offsets", "0"],
        "invalid value '0' for '--offsets <N>': 0 is not in 1..=2147483647",
    );
}

#[test]
fn help_lists_every_flag() {
    let out = get_offset(&["--help"]);
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stderr, "");
    for flag in [
        "--bootstrap-server",
        "--broker-list",
        "--topic ",
        "--partitions",
        "--topic-partitions",
        "--time",
        "--exclude-internal-topics",
        "--command-config",
        "--offsets",
        "--max-wait-ms",
        "--format",
        "--timeout",
        "--broker-protocol",
        "--help",
        "--version",
    ] {
        assert!(out.stdout.contains(flag), "--help does not mention {flag}:\n{}", out.stdout);
    }
    assert!(
        out.stdout.starts_with(
            "Prints topic-partition offsets: latest, earliest, max-timestamp, or the first at or after a time.\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn version() {
    assert_output(&get_offset(&["--version"]), &format!("get-offset {}\n", env!("CARGO_PKG_VERSION")), "", 0);
}

#[test]
fn an_unreachable_broker_is_tried_until_the_timeout_then_named() {
    // A refused connection may be a broker restarting: asked again until --timeout, then the last reason.
    let b = dead_address();
    let out = get_offset(&["--bootstrap-server", &b, "--timeout", "2000"]);
    assert_output(
        &out,
        "",
        &format!("Error: cannot connect to any bootstrap server ({b}: Connection refused (os error 111))\n"),
        1,
    );
    assert!(out.elapsed.as_millis() >= 1500, "gave up before the timeout: {:?}", out.elapsed);
    assert!(out.elapsed.as_secs() < 15, "took {:?}", out.elapsed);
}

#[test]
fn dump_config_needs_no_servers() {
    let dir = offset_tools_tests::scratch_dir("dump-config");
    let config = dir.join("client.properties");
    std::fs::write(
        &config,
        "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.\
         PlainLoginModule required username=\"svc\" password=\"pw-9\";\n",
    )
    .unwrap();
    let expected = "# client settings (secrets hidden)\nbootstrap.servers=\nclient.id=get-offset\ntimeout.ms=30000\n\
                    security.protocol=SASL_SSL\nsasl.mechanisms=PLAIN\nsasl.username=svc\nsasl.password=[hidden]\n";
    let out = get_offset(&["--command-config", config.to_str().unwrap(), "--dump-config"]);
    assert_output(&out, expected, "", 0);
    let reset =
        offset_tools_tests::run::reset_offsets(&["--command-config", config.to_str().unwrap(), "--dump-config"]);
    assert_output(&reset, &expected.replace("get-offset", "reset-offsets"), "", 0);
    let _ = std::fs::remove_dir_all(dir);
}
