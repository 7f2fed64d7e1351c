//! The layouts against answers kafka-protocol encodes, at every version these tools read, each array with an element
//! (so that every nested structure is walked): the walk must accept them and end exactly at their end; and forged
//! counts and lengths are refused.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, StrBytes};

use super::*;

fn text(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// Walks an answer and checks the walk ends at its end.
fn walks_whole<R: Encodable>(api_key: i16, response: &R, versions: std::ops::RangeInclusive<i16>) {
    for version in versions {
        let mut buf = BytesMut::new();
        response.encode(&mut buf, version).unwrap_or_else(|e| panic!("encode API {api_key} v{version}: {e}"));
        let (flexible_from, members, _) = layout(api_key).expect("a layout");
        let budget = buf.len() * MAX_DECODED_PER_BYTE + (1 << 20);
        let mut walk = Walk { bytes: &buf, at: 0, version, flexible: version >= flexible_from, decoded: 0, budget };
        walk.structure(members).unwrap_or_else(|e| panic!("API {api_key} v{version}: {e}"));
        assert_eq!(walk.at, buf.len(), "API {api_key} v{version}: the walk ended early");
        assert!(check(api_key, version, &buf).is_ok());
    }
}

#[test]
fn api_versions_metadata() {
    let api = ApiVersionsResponse::default()
        .with_api_keys(vec![api_versions_response::ApiVersion::default().with_api_key(3).with_max_version(12)]);
    walks_whole(18, &api, 0..=2);
    let partition = metadata_response::MetadataResponsePartition::default()
        .with_replica_nodes(vec![BrokerId(1), BrokerId(2)])
        .with_isr_nodes(vec![BrokerId(1)])
        .with_offline_replicas(vec![BrokerId(3)]);
    let topic = metadata_response::MetadataResponseTopic::default()
        .with_name(Some(TopicName(text("orders"))))
        .with_partitions(vec![partition]);
    let broker = metadata_response::MetadataResponseBroker::default().with_host(text("h")).with_rack(Some(text("r")));
    let metadata = MetadataResponse::default()
        .with_brokers(vec![broker])
        .with_cluster_id(Some(text("c")))
        .with_topics(vec![topic]);
    walks_whole(3, &metadata, 0..=12);
}

#[test]
fn groups() {
    walks_whole(10, &FindCoordinatorResponse::default().with_host(text("h")), 0..=3);
    let coordinators =
        FindCoordinatorResponse::default().with_coordinators(vec![find_coordinator_response::Coordinator::default()
            .with_key(text("g"))
            .with_host(text("h"))]);
    walks_whole(10, &coordinators, 4..=6);
    let member = describe_groups_response::DescribedGroupMember::default()
        .with_member_id(text("m"))
        .with_member_metadata(Bytes::from_static(b"md"))
        .with_member_assignment(Bytes::from_static(b"as"));
    let described =
        DescribeGroupsResponse::default().with_groups(vec![describe_groups_response::DescribedGroup::default()
            .with_group_id(GroupId(text("g")))
            .with_group_state(text("Stable"))
            .with_members(vec![member])]);
    walks_whole(15, &described, 0..=5);
    let partitions = consumer_group_describe_response::TopicPartitions::default()
        .with_topic_name(TopicName(text("t")))
        .with_partitions(vec![0, 1]);
    let assignment = consumer_group_describe_response::Assignment::default().with_topic_partitions(vec![partitions]);
    let member = consumer_group_describe_response::Member::default()
        .with_member_id(text("m"))
        .with_subscribed_topic_names(vec![TopicName(text("t"))])
        .with_assignment(assignment.clone())
        .with_target_assignment(assignment);
    let consumer = ConsumerGroupDescribeResponse::default().with_groups(vec![
        consumer_group_describe_response::DescribedGroup::default()
            .with_group_id(GroupId(text("g")))
            .with_members(vec![member]),
    ]);
    walks_whole(69, &consumer, 0..=0);
    let listed = ListGroupsResponse::default()
        .with_groups(vec![list_groups_response::ListedGroup::default().with_group_id(GroupId(text("g")))]);
    walks_whole(16, &listed, 0..=5);
}

#[test]
fn committed_offsets() {
    let fetched =
        OffsetFetchResponse::default().with_topics(vec![offset_fetch_response::OffsetFetchResponseTopic::default()
            .with_name(TopicName(text("t")))
            .with_partitions(vec![
                offset_fetch_response::OffsetFetchResponsePartition::default().with_metadata(Some(text("x")))
            ])]);
    walks_whole(9, &fetched, 1..=7);
    let grouped =
        OffsetFetchResponse::default().with_groups(vec![offset_fetch_response::OffsetFetchResponseGroup::default()
            .with_group_id(GroupId(text("g")))
            .with_topics(vec![offset_fetch_response::OffsetFetchResponseTopics::default()
                .with_name(TopicName(text("t")))
                .with_partitions(vec![offset_fetch_response::OffsetFetchResponsePartitions::default()])])]);
    walks_whole(9, &grouped, 8..=9);
    let committed =
        OffsetCommitResponse::default().with_topics(vec![offset_commit_response::OffsetCommitResponseTopic::default()
            .with_name(TopicName(text("t")))
            .with_partitions(vec![offset_commit_response::OffsetCommitResponsePartition::default()])]);
    walks_whole(8, &committed, 2..=9);
    let deleted =
        OffsetDeleteResponse::default().with_topics(vec![offset_delete_response::OffsetDeleteResponseTopic::default()
            .with_name(TopicName(text("t")))
            .with_partitions(vec![offset_delete_response::OffsetDeleteResponsePartition::default()])]);
    walks_whole(47, &deleted, 0..=0);
}

#[test]
fn fetch_sasl_and_admin() {
    let partition = fetch_response::PartitionData::default()
        .with_aborted_transactions(Some(vec![fetch_response::AbortedTransaction::default()]))
        .with_records(Some(Bytes::from_static(b"records")));
    let fetch = FetchResponse::default().with_responses(vec![fetch_response::FetchableTopicResponse::default()
        .with_topic(TopicName(text("t")))
        .with_partitions(vec![partition])]);
    walks_whole(1, &fetch, 0..=12);
    walks_whole(17, &SaslHandshakeResponse::default().with_mechanisms(vec![text("PLAIN")]), 0..=1);
    walks_whole(
        36,
        &SaslAuthenticateResponse::default()
            .with_error_message(Some(text("e")))
            .with_auth_bytes(Bytes::from_static(b"a")),
        0..=2,
    );
    let config = describe_configs_response::DescribeConfigsResourceResult::default()
        .with_name(text("k"))
        .with_value(Some(text("v")))
        .with_synonyms(vec![describe_configs_response::DescribeConfigsSynonym::default().with_name(text("s"))]);
    let described = DescribeConfigsResponse::default().with_results(vec![
        describe_configs_response::DescribeConfigsResult::default()
            .with_resource_name(text("t"))
            .with_configs(vec![config]),
    ]);
    walks_whole(32, &described, 0..=4);
    let created =
        CreateTopicsResponse::default().with_topics(vec![create_topics_response::CreatableTopicResult::default()
            .with_name(TopicName(text("t")))
            .with_configs(Some(vec![create_topics_response::CreatableTopicConfigs::default().with_name(text("k"))]))]);
    walks_whole(19, &created, 0..=7);
    let grown = CreatePartitionsResponse::default().with_results(vec![
        create_partitions_response::CreatePartitionsTopicResult::default().with_name(TopicName(text("t"))),
    ]);
    walks_whole(37, &grown, 0..=3);
}

#[test]
fn forged_counts_and_lengths_are_refused_before_decoding() {
    // ApiVersions v0: no error, then 2^31-1 API keys in 4 bytes (what made kafka-protocol abort).
    let forged = [0u8, 0, 0x7f, 0xff, 0xff, 0xff];
    assert_eq!(check(18, 0, &forged).unwrap_err(), "an array of 2147483647 elements where 0 bytes are left");
    // Metadata v12 (flexible): a compact count claiming a billion brokers.
    let mut varint = vec![0u8, 0, 0, 0];
    varint.extend([0x80, 0x94, 0xeb, 0xdc, 0x03]);
    assert!(check(3, 12, &varint).is_err());
    // A string longer than the answer.
    let mut topic = vec![0u8, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x7f, 0xff];
    topic.extend([b'x'; 4]);
    assert!(check(3, 1, &topic).is_err());
    // Many 3-byte topics (flexible ListOffsets v6: an empty name, no partitions, no tags), each decoded into tens of
    // bytes: refused by the memory bound, not by the bytes left.
    let n: u32 = 300_000;
    let mut wide = vec![0u8, 0, 0, 0];
    let mut count = n + 1;
    while count >= 0x80 {
        wide.push((count as u8) | 0x80);
        count >>= 7;
    }
    wide.push(count as u8);
    for _ in 0..n {
        wide.extend([1u8, 1, 0]);
    }
    wide.push(0);
    // ListOffsets is generated (client/messages): its decoder applies the same bound.
    assert!(check(2, 6, &wide).is_ok());
    let err = crate::client::connection::decode::<crate::client::messages::ListOffsetsRequest>(Bytes::from(wide), 6);
    assert_eq!(
        err.unwrap_err().to_string(),
        "malformed ListOffsets v6 answer: an answer that would decode into too much memory"
    );
    assert_eq!(check(99, 0, &[]).unwrap_err(), "no layout for API key 99");
}
