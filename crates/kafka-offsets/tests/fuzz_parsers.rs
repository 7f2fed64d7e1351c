//! Property tests over every parser of user input: arbitrary input never panics, never hangs, and a bad input gets
//! one error line. Valid inputs round-trip where a writer exists. `make test` runs the default number of cases;
//! `make fuzz` runs many more (PROPTEST_CASES).

use std::io::Write;

use std::time::{Duration, Instant};

use kafka_offsets::client::connection::{Connection, Encoded};
use kafka_offsets::formats::command_config;
use kafka_offsets::formats::offset_file::read_offset_file;
use kafka_offsets::formats::output::{write_reset_csv, GroupOffsets, NewOffset};
use kafka_offsets::formats::select::{parse_partition_list, parse_rules, parse_topic_arg, TopicPattern};
use kafka_offsets::formats::settings::{parse_bootstrap, BrokerAddress};
use kafka_offsets::formats::time::{format_utc, parse_datetime, parse_duration, OffsetSpec};
use kafka_offsets::TopicPartition;
use kafka_protocol::messages::ApiVersionsRequest;
use proptest::prelude::*;

fn one_line(message: &str) -> bool {
    !message.contains('\n') && !message.contains('\r') && !message.is_empty()
}

/// Strings that look like what people type for these flags, plus arbitrary ones.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[a-z0-9._:,\\-\\[\\]()*+?|^$ ]{0,30}",
        "-?[0-9]{1,60}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,12})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?",
        "[-+]?[Pp]([0-9.]{1,60}[DdWwMmYy])?([Tt]([-+]?[0-9.]{1,60}[HhMmSs]){0,4})?",
    ]
}

proptest! {
    #[test]
    fn time_values(raw in typed()) {
        if let Err(e) = OffsetSpec::parse(&raw) {
            prop_assert!(one_line(&e.to_string()), "{e}");
        }
    }

    #[test]
    fn selection_flags(raw in typed()) {
        for message in [
            parse_rules(&raw).err().map(|e| e.to_string()),
            TopicPattern::parse(&raw).err().map(|e| e.to_string()),
            parse_partition_list(&raw).err().map(|e| e.to_string()),
            parse_topic_arg(&raw).err().map(|e| e.to_string()),
            parse_bootstrap(&raw).err().map(|e| e.to_string()),
        ].into_iter().flatten() {
            prop_assert!(one_line(&message), "{message}");
        }
    }

    #[test]
    fn datetimes_and_durations(raw in typed()) {
        if let Err(e) = parse_datetime(&raw) {
            prop_assert!(one_line(&e.to_string()), "{e}");
        }
        if let Err(e) = parse_duration(&raw) {
            prop_assert!(one_line(&e.to_string()), "{e}");
        }
    }

    /// Numbers of any length: a duration is exact or refused, never wrapped.
    #[test]
    fn durations_are_exact_or_refused(digits in "[0-9]{1,60}", unit in prop::sample::select(vec![('D', 86_400_000u128), ('H', 3_600_000), ('M', 60_000), ('S', 1_000)])) {
        let raw = if unit.0 == 'D' { format!("P{digits}D") } else { format!("PT{digits}{}", unit.0) };
        let exact = digits.parse::<u128>().ok().and_then(|n| n.checked_mul(unit.1)).filter(|ms| *ms <= i64::MAX as u128);
        match (parse_duration(&raw), exact) {
            (Ok(ms), Some(expected)) => prop_assert_eq!(ms as u128, expected),
            (Err(e), None) => prop_assert!(e.to_string().contains("is too long"), "{e}"),
            (got, expected) => prop_assert!(false, "{raw}: got {got:?}, expected {expected:?}"),
        }
    }

    /// Every date-time that parses is an instant ListOffsets can carry (not before the epoch: -1 is "latest").
    #[test]
    fn datetimes_are_never_before_the_epoch(raw in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?") {
        if let Ok(at) = parse_datetime(&raw) {
            prop_assert!(at.epoch_ms >= 0, "{raw}: {}", at.epoch_ms);
        }
    }

    #[test]
    fn datetimes_round_trip(ms in 0i64..253_402_300_799_999) {
        let written = format_utc(ms);
        prop_assert_eq!(parse_datetime(&written).unwrap().epoch_ms, ms);
    }

    #[test]
    fn offset_files_of_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), single in any::<bool>()) {
        match read_offset_file(&bytes, single) {
            Ok(file) => prop_assert!(file.rows.iter().all(|r| r.partition >= 0)),
            Err(e) => prop_assert!(one_line(&e.to_string()), "{e}"),
        }
    }

    #[test]
    fn offset_files_of_csv_like_text(text in "([a-z0-9._\\-]{0,6}(,|:)?){0,5}(\\r?\\n([a-z0-9._\\-]{0,6}(,|:)?){0,5}){0,8}") {
        if let Err(e) = read_offset_file(text.as_bytes(), true) {
            prop_assert!(one_line(&e.to_string()), "{e}");
        }
    }

    #[test]
    fn exported_plans_read_back(rows in proptest::collection::vec(("[a-zA-Z0-9._-]{1,20}", "[a-zA-Z0-9._-]{1,20}", 0i32..100_000, any::<i64>()), 1..50), with_group in any::<bool>()) {
        let plan: Vec<GroupOffsets> = rows.iter().map(|(g, t, p, o)| GroupOffsets::new(g, vec![NewOffset { partition: TopicPartition::new(t, *p), offset: *o }])).collect();
        let mut out = Vec::new();
        write_reset_csv(&mut out, &plan, with_group).unwrap();
        let back = read_offset_file(&out, !with_group).unwrap();
        prop_assert_eq!(back.rows.len(), plan.len());
        for (group, read) in plan.iter().zip(&back.rows) {
            let row = &group.offsets[0];
            prop_assert_eq!(&back.topic_partition(read), &row.partition);
            prop_assert_eq!(read.offset, row.offset);
            if with_group {
                prop_assert_eq!(back.group(read), Some(&*group.group));
            }
        }
    }

    #[test]
    fn jaas_configs(text in "\\PC{0,80}", secret in "[a-zA-Z0-9]{12}") {
        let jaas = format!("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"{secret}\" {text}");
        if let Err(e) = command_config::parse_jaas(&jaas) {
            let message = e.to_string();
            prop_assert!(one_line(&message), "{message}");
            prop_assert!(!message.contains(&secret), "{message}");
        }
    }

    #[test]
    fn properties_files(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let mut file = tempfile();
        file.1.write_all(&bytes).unwrap();
        match command_config::load(file.0.to_str().unwrap()) {
            Ok(properties) => {
                if let Err(e) = command_config::translate(&properties) {
                    prop_assert!(one_line(&e.to_string()), "{e}");
                }
            }
            Err(e) => prop_assert!(one_line(&e.to_string()), "{e}"),
        }
        let _ = std::fs::remove_file(&file.0);
    }

    /// Whatever a listener answers, reading the answer's frame (size, correlation id, header) gives a body or one
    /// error, never a panic or a hang. (The bodies are decoded by the kafka-protocol crate, whose arrays trust their
    /// length fields: see docs/reliability.md.)
    #[test]
    fn broker_answers_of_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), correct_size in any::<bool>()) {
        let mut answer = bytes.clone();
        if correct_size && bytes.len() >= 4 {
            // A well-framed answer of random content, so that the header and correlation checks are reached.
            answer = ((bytes.len() - 4) as i32).to_be_bytes().to_vec();
            answer.extend_from_slice(&bytes[4..]);
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let _ = socket.write_all(&answer);
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let address = BrokerAddress { host: "127.0.0.1".into(), port };
        let mut conn = Connection::open(&address, "fuzz", None, deadline).unwrap();
        let request = Encoded::new(&ApiVersionsRequest::default(), 0).unwrap();
        conn.send(&[&request], deadline).unwrap();
        match conn.receive(deadline) {
            Ok(body) => prop_assert!(body.len() <= bytes.len()),
            Err(e) => prop_assert!(one_line(&e.to_string()), "{e}"),
        }
        server.join().unwrap();
    }
}

fn tempfile() -> (std::path::PathBuf, std::fs::File) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path =
        std::env::temp_dir().join(format!("fuzz-props-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let file = std::fs::File::create(&path).unwrap();
    (path, file)
}
