//! Property tests over every broker answer the tools decode: valid answers of every response type and version they
//! read, mutated (bytes flipped, forged counts written anywhere, cut short, extended) or replaced by random bytes,
//! go through the tools' own decoding (`connection::decode`: the layout walk, then kafka-protocol), and record
//! batches of every codec through the record decoder. Each must end in Ok or an error: no panic, and no abort (an
//! allocation the machine cannot make kills this process, which fails the run). `make test` runs the default number
//! of cases; `make fuzz` many more (PROPTEST_CASES).

use bytes::{Bytes, BytesMut};
use kafka_offsets::client::connection::decode;
use kafka_offsets::client::messages as gen;
use kafka_offsets::client::records::decode_batches;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, Request, StrBytes};
use kafka_protocol::records::{Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType};
use proptest::prelude::*;

fn text(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// A valid answer of each type and version the tools read, as (API key, version, body).
fn seeds() -> Vec<(i16, i16, Bytes)> {
    let mut seeds = Vec::new();
    let mut add = |key: i16, versions: std::ops::RangeInclusive<i16>, encode: &dyn Fn(&mut BytesMut, i16)| {
        for version in versions {
            let mut buf = BytesMut::new();
            encode(&mut buf, version);
            seeds.push((key, version, buf.freeze()));
        }
    };
    let api = ApiVersionsResponse::default()
        .with_api_keys(vec![api_versions_response::ApiVersion::default().with_api_key(3).with_max_version(12)]);
    add(18, 0..=0, &|b, v| api.encode(b, v).unwrap());
    let partition = metadata_response::MetadataResponsePartition::default()
        .with_replica_nodes(vec![BrokerId(1), BrokerId(2)])
        .with_isr_nodes(vec![BrokerId(1)]);
    let metadata = MetadataResponse::default()
        .with_brokers(vec![metadata_response::MetadataResponseBroker::default().with_host(text("h"))])
        .with_topics(vec![metadata_response::MetadataResponseTopic::default()
            .with_name(Some(TopicName(text("orders"))))
            .with_partitions(vec![partition.clone(), partition])]);
    add(3, 0..=12, &|b, v| metadata.encode(b, v).unwrap());
    let offsets = |partition: gen::list_offsets_response::ListOffsetsPartitionResponse| gen::ListOffsetsResponse {
        topics: vec![gen::list_offsets_response::ListOffsetsTopicResponse {
            name: "t".into(),
            partitions: vec![partition],
        }],
        ..Default::default()
    };
    let oldest = offsets(gen::list_offsets_response::ListOffsetsPartitionResponse {
        old_style_offsets: vec![5, 3],
        ..Default::default()
    });
    add(2, 0..=0, &|b, v| oldest.encode(b, v).unwrap());
    let newer = offsets(gen::list_offsets_response::ListOffsetsPartitionResponse { offset: 7, ..Default::default() });
    add(2, 1..=11, &|b, v| newer.encode(b, v).unwrap());
    generated_seeds(&mut add);
    let coordinator = FindCoordinatorResponse::default().with_host(text("h"));
    add(10, 0..=3, &|b, v| coordinator.encode(b, v).unwrap());
    let coordinators =
        FindCoordinatorResponse::default().with_coordinators(vec![find_coordinator_response::Coordinator::default()
            .with_key(text("g"))
            .with_host(text("h"))]);
    add(10, 4..=6, &|b, v| coordinators.encode(b, v).unwrap());
    let described =
        DescribeGroupsResponse::default().with_groups(vec![describe_groups_response::DescribedGroup::default()
            .with_group_id(GroupId(text("g")))
            .with_members(vec![describe_groups_response::DescribedGroupMember::default().with_member_id(text("m"))])]);
    add(15, 0..=5, &|b, v| described.encode(b, v).unwrap());
    let consumer = ConsumerGroupDescribeResponse::default().with_groups(vec![
        consumer_group_describe_response::DescribedGroup::default()
            .with_group_id(GroupId(text("g")))
            .with_members(vec![consumer_group_describe_response::Member::default()
                .with_subscribed_topic_names(vec![TopicName(text("t"))])]),
    ]);
    add(69, 0..=0, &|b, v| consumer.encode(b, v).unwrap());
    let listed = ListGroupsResponse::default()
        .with_groups(vec![list_groups_response::ListedGroup::default().with_group_id(GroupId(text("g")))]);
    add(16, 0..=5, &|b, v| listed.encode(b, v).unwrap());
    let fetched =
        OffsetFetchResponse::default().with_topics(vec![offset_fetch_response::OffsetFetchResponseTopic::default()
            .with_name(TopicName(text("t")))
            .with_partitions(vec![offset_fetch_response::OffsetFetchResponsePartition::default()])]);
    add(9, 1..=7, &|b, v| fetched.encode(b, v).unwrap());
    let grouped =
        OffsetFetchResponse::default().with_groups(vec![offset_fetch_response::OffsetFetchResponseGroup::default()
            .with_group_id(GroupId(text("g")))
            .with_topics(vec![offset_fetch_response::OffsetFetchResponseTopics::default()
                .with_name(TopicName(text("t")))
                .with_partitions(vec![offset_fetch_response::OffsetFetchResponsePartitions::default()])])]);
    add(9, 8..=9, &|b, v| grouped.encode(b, v).unwrap());
    let committed =
        OffsetCommitResponse::default().with_topics(vec![offset_commit_response::OffsetCommitResponseTopic::default()
            .with_name(TopicName(text("t")))
            .with_partitions(vec![offset_commit_response::OffsetCommitResponsePartition::default()])]);
    add(8, 2..=9, &|b, v| committed.encode(b, v).unwrap());
    let deleted =
        OffsetDeleteResponse::default().with_topics(vec![offset_delete_response::OffsetDeleteResponseTopic::default()
            .with_name(TopicName(text("t")))
            .with_partitions(vec![offset_delete_response::OffsetDeleteResponsePartition::default()])]);
    add(47, 0..=0, &|b, v| deleted.encode(b, v).unwrap());
    let records = batch(Compression::Lz4);
    let fetch = FetchResponse::default().with_responses(vec![fetch_response::FetchableTopicResponse::default()
        .with_topic(TopicName(text("t")))
        .with_partitions(vec![fetch_response::PartitionData::default()
            .with_aborted_transactions(Some(vec![fetch_response::AbortedTransaction::default()]))
            .with_records(Some(records))])]);
    add(1, 0..=12, &|b, v| fetch.encode(b, v).unwrap());
    add(17, 0..=1, &|b, v| SaslHandshakeResponse::default().with_mechanisms(vec![text("PLAIN")]).encode(b, v).unwrap());
    add(36, 0..=2, &|b, v| {
        SaslAuthenticateResponse::default().with_auth_bytes(Bytes::from_static(b"r=x,s=y,i=4096")).encode(b, v).unwrap()
    });
    let configs = DescribeConfigsResponse::default().with_results(vec![
        describe_configs_response::DescribeConfigsResult::default().with_resource_name(text("t")).with_configs(vec![
            describe_configs_response::DescribeConfigsResourceResult::default()
                .with_name(text("k"))
                .with_synonyms(vec![describe_configs_response::DescribeConfigsSynonym::default()]),
        ]),
    ]);
    add(32, 0..=4, &|b, v| configs.encode(b, v).unwrap());
    let created =
        CreateTopicsResponse::default().with_topics(vec![create_topics_response::CreatableTopicResult::default()
            .with_name(TopicName(text("t")))
            .with_configs(Some(vec![create_topics_response::CreatableTopicConfigs::default()]))]);
    add(19, 0..=7, &|b, v| created.encode(b, v).unwrap());
    let grown = CreatePartitionsResponse::default().with_results(vec![
        create_partitions_response::CreatePartitionsTopicResult::default().with_name(TopicName(text("t"))),
    ]);
    add(37, 0..=3, &|b, v| grown.encode(b, v).unwrap());
    seeds
}

/// Answers of the messages generated from Kafka's definitions (share and streams groups), every array filled.
/// Adds the answers of one API at some versions, each encoded by the function.
type AddSeeds<'a> = &'a mut dyn FnMut(i16, std::ops::RangeInclusive<i16>, &dyn Fn(&mut BytesMut, i16));

fn generated_seeds(add: AddSeeds<'_>) {
    use gen::share_group_describe_response as sgd;
    use gen::streams_group_describe_response as stgd;
    let share = gen::ShareGroupDescribeResponse {
        groups: vec![sgd::DescribedGroup {
            group_id: "s".into(),
            members: vec![sgd::Member {
                subscribed_topic_names: vec!["t".into()],
                assignment: sgd::Assignment {
                    topic_partitions: vec![sgd::TopicPartitions { partitions: vec![0, 1], ..Default::default() }],
                },
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    add(77, 1..=1, &|b, v| share.encode(b, v).unwrap());
    let tasks = stgd::Assignment {
        active_tasks: vec![stgd::TaskIds { subtopology_id: "0".into(), partitions: vec![0] }],
        ..Default::default()
    };
    let streams = gen::StreamsGroupDescribeResponse {
        groups: vec![stgd::DescribedGroup {
            group_id: "app".into(),
            topology: Some(stgd::Topology {
                subtopologies: Some(vec![stgd::Subtopology {
                    source_topics: vec!["in".into()],
                    state_changelog_topics: vec![stgd::TopicInfo {
                        name: "app-store-changelog".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            members: vec![stgd::Member {
                user_endpoint: Some(stgd::Endpoint { host: "h".into(), port: 9 }),
                task_offsets: vec![stgd::TaskOffset::default()],
                assignment: tasks.clone(),
                target_assignment: tasks,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    add(89, 0..=1, &|b, v| streams.encode(b, v).unwrap());
    use gen::describe_share_group_offsets_response as dsgo;
    let described = gen::DescribeShareGroupOffsetsResponse {
        groups: vec![dsgo::DescribeShareGroupOffsetsResponseGroup {
            group_id: "s".into(),
            topics: vec![dsgo::DescribeShareGroupOffsetsResponseTopic {
                topic_name: "t".into(),
                partitions: vec![dsgo::DescribeShareGroupOffsetsResponsePartition::default()],
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    add(90, 0..=1, &|b, v| described.encode(b, v).unwrap());
    use gen::alter_share_group_offsets_response as asgo;
    let altered = gen::AlterShareGroupOffsetsResponse {
        responses: vec![asgo::AlterShareGroupOffsetsResponseTopic {
            topic_name: "t".into(),
            partitions: vec![asgo::AlterShareGroupOffsetsResponsePartition::default()],
            ..Default::default()
        }],
        ..Default::default()
    };
    add(91, 0..=0, &|b, v| altered.encode(b, v).unwrap());
    use gen::delete_share_group_offsets_response as dlsgo;
    let deleted = gen::DeleteShareGroupOffsetsResponse {
        responses: vec![dlsgo::DeleteShareGroupOffsetsResponseTopic { topic_name: "t".into(), ..Default::default() }],
        ..Default::default()
    };
    add(92, 0..=0, &|b, v| deleted.encode(b, v).unwrap());
}

/// A record batch (magic 2) with a few records, compressed.
fn batch(compression: Compression) -> Bytes {
    let records: Vec<Record> = (0..3)
        .map(|i| Record {
            transactional: false,
            control: false,
            partition_leader_epoch: 0,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i,
            sequence: -1,
            timestamp: 1000 + i,
            key: Some(Bytes::from(format!("k{i}"))),
            value: Some(Bytes::from(format!("value-{i}"))),
            headers: Default::default(),
        })
        .collect();
    let mut buf = BytesMut::new();
    RecordBatchEncoder::encode(&mut buf, &records, &RecordEncodeOptions { version: 2, compression }).unwrap();
    buf.freeze()
}

/// The tools' decoding of an answer to API `key`.
fn decode_answer(key: i16, version: i16, body: Bytes) -> bool {
    fn one<R: Request>(body: Bytes, version: i16) -> bool {
        decode::<R>(body, version).is_ok()
    }
    match key {
        1 => {
            // The records inside too, as the tools read them.
            if let Ok(answer) = decode::<FetchRequest>(body, version) {
                for partition in answer.responses.iter().flat_map(|t| &t.partitions) {
                    let _ = decode_batches(partition.records.clone().unwrap_or_default());
                }
                return true;
            }
            false
        }
        2 => one::<gen::ListOffsetsRequest>(body, version),
        77 => one::<gen::ShareGroupDescribeRequest>(body, version),
        89 => one::<gen::StreamsGroupDescribeRequest>(body, version),
        90 => one::<gen::DescribeShareGroupOffsetsRequest>(body, version),
        91 => one::<gen::AlterShareGroupOffsetsRequest>(body, version),
        92 => one::<gen::DeleteShareGroupOffsetsRequest>(body, version),
        3 => one::<MetadataRequest>(body, version),
        8 => one::<OffsetCommitRequest>(body, version),
        9 => one::<OffsetFetchRequest>(body, version),
        10 => one::<FindCoordinatorRequest>(body, version),
        15 => one::<DescribeGroupsRequest>(body, version),
        16 => one::<ListGroupsRequest>(body, version),
        17 => one::<SaslHandshakeRequest>(body, version),
        18 => one::<ApiVersionsRequest>(body, version),
        19 => one::<CreateTopicsRequest>(body, version),
        32 => one::<DescribeConfigsRequest>(body, version),
        36 => one::<SaslAuthenticateRequest>(body, version),
        37 => one::<CreatePartitionsRequest>(body, version),
        47 => one::<OffsetDeleteRequest>(body, version),
        69 => one::<ConsumerGroupDescribeRequest>(body, version),
        other => panic!("no seed for API {other}"),
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    /// A forged count or length: 0x7fffffff, or a varint near 2^31, written over the bytes at a place.
    Forge(usize, bool),
    Cut(usize),
    Extend(Vec<u8>),
}

fn mutate(body: &Bytes, mutations: &[Mutation]) -> Bytes {
    let mut bytes = body.to_vec();
    for mutation in mutations {
        match mutation {
            Mutation::Flip(at, mask) if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] ^= mask;
            }
            Mutation::Forge(at, varint) if !bytes.is_empty() => {
                let at = at % bytes.len();
                let forged: &[u8] = if *varint { &[0xff, 0xff, 0xff, 0xff, 0x07] } else { &[0x7f, 0xff, 0xff, 0xff] };
                for (i, b) in forged.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(at + i) {
                        *slot = *b;
                    }
                }
            }
            Mutation::Cut(at) => bytes.truncate(at % (bytes.len() + 1)),
            Mutation::Extend(more) => bytes.extend_from_slice(more),
            _ => {}
        }
    }
    Bytes::from(bytes)
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        (any::<usize>(), any::<bool>()).prop_map(|(at, varint)| Mutation::Forge(at, varint)),
        any::<usize>().prop_map(Mutation::Cut),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::Extend),
    ]
}

proptest! {
    #[test]
    fn mutated_answers_of_every_type(seed in any::<prop::sample::Index>(), mutations in prop::collection::vec(mutation(), 1..6)) {
        let seeds = seeds();
        let (key, version, body) = &seeds[seed.index(seeds.len())];
        let _ = decode_answer(*key, *version, mutate(body, &mutations));
    }

    #[test]
    fn random_answers_of_every_type(seed in any::<prop::sample::Index>(), bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let seeds = seeds();
        let (key, version, _) = &seeds[seed.index(seeds.len())];
        let _ = decode_answer(*key, *version, Bytes::from(bytes));
    }

    #[test]
    fn mutated_record_batches_of_every_codec(codec in 0usize..5, mutations in prop::collection::vec(mutation(), 1..6)) {
        let compression = [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd][codec];
        let _ = decode_batches(mutate(&batch(compression), &mutations));
    }
}

#[test]
fn every_seed_decodes() {
    for (key, version, body) in seeds() {
        assert!(decode_answer(key, version, body), "the valid answer of API {key} v{version} did not decode");
    }
}

/// Old message sets (magic 0 and 1) with valid checksums, so that decoding reaches what lies behind them: wrappers
/// nested in wrappers (Kafka never writes them; a hostile broker can), offsets at the ends of the range, inner
/// offsets out of order. Each level is compressed with gzip or not at all.
mod legacy {
    use std::io::Write;

    /// One message: offset, size, crc, magic, attributes, [timestamp], key, value.
    pub fn message(offset: i64, magic: i8, codec: u8, timestamp: i64, key: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
        let mut body = vec![magic as u8, codec];
        if magic >= 1 {
            body.extend(timestamp.to_be_bytes());
        }
        match key {
            None => body.extend((-1i32).to_be_bytes()),
            Some(key) => {
                body.extend((key.len() as i32).to_be_bytes());
                body.extend_from_slice(key);
            }
        }
        body.extend((value.len() as i32).to_be_bytes());
        body.extend_from_slice(value);
        let mut out = offset.to_be_bytes().to_vec();
        out.extend((body.len() as i32 + 4).to_be_bytes());
        out.extend(crc32fast::hash(&body).to_be_bytes());
        out.extend(body);
        out
    }

    pub fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
        encoder.write_all(data).expect("gzip");
        encoder.finish().expect("gzip")
    }

    pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
        encoder.write_all(data).expect("gzip");
        encoder.finish().expect("gzip")
    }

    /// A wrapper at `offset` holding `inner` (already encoded messages), gzip-compressed.
    pub fn wrapper(offset: i64, magic: i8, inner: &[u8]) -> Vec<u8> {
        message(offset, magic, 1, 0, None, &gzip(inner))
    }
}

/// An offset at the ends of the range, or an ordinary one.
fn wire_offset() -> impl Strategy<Value = i64> {
    prop_oneof![Just(i64::MAX), Just(i64::MAX - 1), Just(i64::MIN), Just(-1i64), Just(0i64), 0i64..1_000_000]
}

proptest! {
    #[test]
    fn old_message_sets_with_valid_checksums(
        magic in 0i8..=1,
        depth in 0usize..4,
        offsets in prop::collection::vec(wire_offset(), 1..6),
        outer in wire_offset(),
    ) {
        // Innermost: plain messages at the given offsets; then `depth` wrappers around them.
        let mut set: Vec<u8> = offsets
            .iter()
            .enumerate()
            .flat_map(|(i, &o)| legacy::message(o, magic, 0, 1000, None, format!("v{i}").as_bytes()))
            .collect();
        for level in 0..depth {
            set = legacy::wrapper(if level + 1 == depth { outer } else { offsets[0] }, magic, &set);
        }
        let _ = decode_batches(Bytes::from(set));
    }

    #[test]
    fn record_batches_with_valid_checksums_and_extreme_offsets(
        base in wire_offset(),
        last_delta in prop_oneof![Just(i32::MAX), Just(-1i32), 0i32..10],
        record_delta in prop_oneof![Just(i32::MAX), Just(i32::MIN), 0i32..10],
        timestamp in prop_oneof![Just(i64::MAX), Just(i64::MIN), 0i64..10],
    ) {
        let _ = decode_batches(Bytes::from(extreme_batch(base, last_delta, record_delta, timestamp)));
    }
}

/// A record batch (magic 2, no compression) with one record, its offsets and timestamps as given, checksum valid.
fn extreme_batch(base: i64, last_delta: i32, record_delta: i32, timestamp: i64) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, value: i64) {
        let mut v = ((value << 1) ^ (value >> 63)) as u64;
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let mut record = vec![0u8];
    varint(&mut record, 1); // timestamp delta
    varint(&mut record, i64::from(record_delta));
    varint(&mut record, -1); // no key
    varint(&mut record, 1);
    record.push(b'x');
    varint(&mut record, 0); // no headers
    let mut records = Vec::new();
    varint(&mut records, record.len() as i64);
    records.extend(record);
    let mut after_crc = 0i16.to_be_bytes().to_vec();
    after_crc.extend(last_delta.to_be_bytes());
    after_crc.extend(timestamp.to_be_bytes());
    after_crc.extend(timestamp.to_be_bytes());
    after_crc.extend((-1i64).to_be_bytes());
    after_crc.extend((-1i16).to_be_bytes());
    after_crc.extend((-1i32).to_be_bytes());
    after_crc.extend(1i32.to_be_bytes());
    after_crc.extend(records);
    let mut body = 0i32.to_be_bytes().to_vec(); // leader epoch
    body.push(2);
    body.extend(crc32c::crc32c(&after_crc).to_be_bytes());
    body.extend(after_crc);
    let mut out = base.to_be_bytes().to_vec();
    out.extend((body.len() as i32).to_be_bytes());
    out.extend(body);
    out
}

#[test]
fn wrappers_nested_deep_are_refused_without_exhausting_the_stack() {
    // Kafka never compresses a message inside a compressed message; a hostile answer nests them thousands deep.
    let mut set = legacy::message(0, 1, 0, 0, None, b"v");
    for _ in 0..3000 {
        // Stored, not compressed (gzip level 0): thousands of levels are built in a moment.
        set = legacy::message(0, 1, 1, 0, None, &legacy::gzip_stored(&set));
    }
    assert!(decode_batches(Bytes::from(set)).is_err());
}

#[test]
fn the_wrappers_of_one_answer_inflate_within_one_budget() {
    // Each wrapper inflates to 33 MiB, under the cap; the answer holds two of them, 66 MiB together.
    let megabyte = vec![0u8; 1 << 20];
    let level: Vec<u8> = (0..33).flat_map(|i| legacy::message(i, 1, 0, 0, None, &megabyte)).collect();
    let wrapped = legacy::wrapper(32, 1, &level);
    let second = legacy::wrapper(65, 1, &level);
    let answer = [wrapped, second].concat();
    assert!(answer.len() < 1 << 20, "the answer is small: {} bytes", answer.len());
    let error = decode_batches(Bytes::from(answer)).unwrap_err();
    assert_eq!(error.to_string(), "the gzip batches of one answer inflate to more than 64 MiB");
}
