//! get-offset's named times of Kafka 3.9+ (KIP-1005), `-4`/`earliest-local` (ListOffsets v8) and `-5`/`latest-tiered`
//! (v9): the requests sent, checked on the protocol-level fake broker (each at the version its time needs, in plain
//! text and over SASL); on brokers without those versions (librdkafka's mock, Kafka 0.9 in `get_offset_kafka09`)
//! one clear line; `-6` (ListOffsets v11), which this build cannot send. What the answers mean on real tiered
//! storage is tested on Kafka 3.9 and 4.1 in `tiered_real`, against their GetOffsetShell; the fake's tiered topic
//! only echoes a fixed split.

use kafka_protocol::messages::{ApiKey, RequestKind};
use offset_tools_tests::compare::assert_output;
use offset_tools_tests::fake_broker::{FakeBroker, Script};
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::get_offset;
use offset_tools_tests::scratch_dir;

fn broker(script: Script) -> FakeBroker {
    let broker = FakeBroker::start(script);
    broker.add_topic("orders", 2, &[]);
    broker.add_topic("tiered", 2, &[("remote.storage.enable", "true")]);
    broker
}

/// (version, timestamp) of each ListOffsets partition request received.
fn lookups(broker: &FakeBroker) -> Vec<(i16, i64)> {
    broker
        .received(ApiKey::ListOffsets)
        .into_iter()
        .flat_map(|r| match r.request {
            RequestKind::ListOffsets(request) => request
                .topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| (r.version, p.timestamp)).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn earliest_local_and_latest_tiered_by_number_and_name() {
    let fake = broker(Script::default());
    let b = fake.address.as_str();
    let earliest_local = "orders:0:0\norders:1:0\ntiered:0:5\ntiered:1:5\n";
    assert_output(&get_offset(&["--bootstrap-server", b, "--time", "-4"]), earliest_local, "", 0);
    assert_output(&get_offset(&["--bootstrap-server", b, "--time", "earliest-local"]), earliest_local, "", 0);
    // Nothing is tiered in orders: no line, as Kafka 3.9 prints, and stderr says so.
    let nothing = |p: i32| {
        format!(
            "Warn: no offset for topic-partition orders:{p} at time latest-tiered: the partition has no such offset\n"
        )
    };
    let stderr = format!("{}{}", nothing(0), nothing(1));
    assert_output(&get_offset(&["--bootstrap-server", b, "--time", "-5"]), "tiered:0:4\ntiered:1:4\n", &stderr, 0);
    assert_output(
        &get_offset(&["--bootstrap-server", b, "--time", "latest-tiered", "--topic", "tiered"]),
        "tiered:0:4\ntiered:1:4\n",
        "",
        0,
    );
    let sent = lookups(&fake);
    // Sent at the highest version both sides have (v9 here), never below the one each time needs.
    assert_eq!(sent.iter().filter(|(v, t)| *t == -4 && *v >= 8).count(), 8, "{sent:?}");
    assert_eq!(sent.iter().filter(|(v, t)| *t == -5 && *v >= 9).count(), 6, "{sent:?}");
    assert_eq!(sent.len(), 14, "{sent:?}");
}

#[test]
fn over_sasl_too() {
    let fake = FakeBroker::start(Script {
        sasl_mechanisms: vec!["PLAIN".into()],
        password: "secret".into(),
        ..Script::default()
    });
    fake.add_topic("tiered", 1, &[("remote.storage.enable", "true")]);
    let dir = scratch_dir("tiered-sasl");
    let config = dir.join("client.properties");
    std::fs::write(
        &config,
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"secret\";\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    assert_output(
        &get_offset(&["--bootstrap-server", &fake.address, "--command-config", config, "--time", "-4"]),
        "tiered:0:5\n",
        "",
        0,
    );
    assert_eq!(fake.logins().len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn brokers_without_them_or_a_version_this_build_cannot_send_get_one_line() {
    let mock = Mock::start(1);
    mock.topic("orders", 1);
    assert_output(
        &get_offset(&["--bootstrap-server", &mock.bootstrap, "--time", "-4"]),
        "",
        "Error: --time earliest-local needs ListOffsets v8 (Kafka 3.9 or newer); this broker supports up to v7\n",
        1,
    );
    assert_output(
        &get_offset(&["--bootstrap-server", &mock.bootstrap, "--time", "latest-tiered"]),
        "",
        "Error: --time latest-tiered needs ListOffsets v9 (Kafka 3.9 or newer); this broker supports up to v7\n",
        1,
    );
    let fake = broker(Script::default());
    assert_output(
        &get_offset(&["--bootstrap-server", &fake.address, "--time", "-6"]),
        "",
        "Error: --time earliest-pending-upload needs ListOffsets v11 (Kafka 4.2 or newer); this broker supports up to \
         v9\n",
        1,
    );
    assert!(lookups(&fake).is_empty(), "a ListOffsets was sent for -6");
}
