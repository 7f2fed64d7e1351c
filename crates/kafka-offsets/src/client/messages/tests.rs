//! The generated codec checked against kafka-protocol's for the versions both have (ListOffsets 0-9, an
//! encoding written apart from ours), and its bounds on hostile input.

use bytes::BytesMut;
use kafka_protocol::messages as crate_messages;
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};

use super::*;

fn ours<T: Encodable>(message: &T, version: i16) -> Vec<u8> {
    let mut buf = BytesMut::new();
    message.encode(&mut buf, version).unwrap();
    buf.to_vec()
}

#[test]
fn list_offsets_is_byte_for_byte_the_crates_in_versions_0_to_9() {
    let request = ListOffsetsRequest {
        replica_id: -1,
        topics: vec![list_offsets_request::ListOffsetsTopic {
            name: "orders".into(),
            partitions: vec![list_offsets_request::ListOffsetsPartition {
                partition_index: 3,
                timestamp: -2,
                ..Default::default()
            }],
        }],
        ..Default::default()
    };
    let theirs_request = crate_messages::ListOffsetsRequest::default().with_replica_id((-1).into()).with_topics(vec![
        crate_messages::list_offsets_request::ListOffsetsTopic::default()
            .with_name(crate_messages::TopicName(StrBytes::from_static_str("orders")))
            .with_partitions(vec![crate_messages::list_offsets_request::ListOffsetsPartition::default()
                .with_partition_index(3)
                .with_timestamp(-2)]),
    ]);
    for version in 0..=9 {
        let mut theirs = BytesMut::new();
        theirs_request.encode(&mut theirs, version).unwrap();
        assert_eq!(ours(&request, version), theirs.to_vec(), "ListOffsets request v{version}");
        assert_eq!(
            ListOffsetsRequest::header_version(version),
            crate_messages::ListOffsetsRequest::header_version(version)
        );
        // The answer: ours decodes what the crate writes, and writes what the crate decodes to the same.
        let mut their_response = crate_messages::ListOffsetsResponse::default().with_topics(vec![
            crate_messages::list_offsets_response::ListOffsetsTopicResponse::default()
                .with_name(crate_messages::TopicName(StrBytes::from_static_str("orders")))
                .with_partitions(vec![crate_messages::list_offsets_response::ListOffsetsPartitionResponse::default()
                    .with_partition_index(3)
                    .with_offset(if version == 0 { -1 } else { 42 })
                    .with_timestamp(if version == 0 { -1 } else { 7 })
                    .with_old_style_offsets(if version == 0 { vec![42] } else { vec![] })]),
        ]);
        if version < 2 {
            their_response.throttle_time_ms = 0;
        }
        let mut bytes = BytesMut::new();
        their_response.encode(&mut bytes, version).unwrap();
        let decoded = ListOffsetsResponse::decode(&mut bytes.clone().freeze(), version).unwrap();
        let partition = &decoded.topics[0].partitions[0];
        if version == 0 {
            assert_eq!(partition.old_style_offsets, [42]);
        } else {
            assert_eq!((partition.offset, partition.timestamp), (42, 7));
        }
        assert_eq!(ours(&decoded, version), bytes.to_vec(), "ListOffsets answer v{version}");
    }
}

#[test]
fn list_offsets_v10_and_v11_add_the_timeout_at_the_end() {
    let request = ListOffsetsRequest { replica_id: -1, timeout_ms: 30_000, ..Default::default() };
    let v9 = ours(&ListOffsetsRequest { timeout_ms: 0, ..request.clone() }, 9);
    for version in [10, 11] {
        let bytes = ours(&request, version);
        // v9's body without its (empty) tagged fields, the timeout, then the tagged fields.
        assert_eq!(bytes[..v9.len() - 1], v9[..v9.len() - 1]);
        assert_eq!(bytes[v9.len() - 1..], [0, 0, 0x75, 0x30, 0]);
    }
    assert!(ListOffsetsRequest::default().encode(&mut BytesMut::new(), 12).is_err());
}

#[test]
fn a_field_a_version_cannot_carry_is_refused_not_dropped() {
    let request = ListOffsetsRequest { isolation_level: 1, ..Default::default() };
    let err = request.encode(&mut BytesMut::new(), 1).unwrap_err().to_string();
    assert_eq!(err, "IsolationLevel cannot be sent at version 1");
    assert!(request.encode(&mut BytesMut::new(), 2).is_ok());
}

#[test]
fn forged_counts_and_trailing_bytes_are_errors() {
    let answer = AlterShareGroupOffsetsResponse::default();
    let mut bytes = ours(&answer, 0);
    // throttle (4), error code (2), error message (null: 0), responses (empty: 1), tags (0).
    assert_eq!(bytes, [0, 0, 0, 0, 0, 0, 0, 1, 0]);
    bytes[7] = 0xff; // a varint count that goes on past the end
    assert!(AlterShareGroupOffsetsResponse::decode(&mut bytes::Bytes::from(bytes.clone()), 0).is_err());
    bytes[7] = 0x7f; // 126 responses in 1 byte
    let err = AlterShareGroupOffsetsResponse::decode(&mut bytes::Bytes::from(bytes.clone()), 0).unwrap_err();
    assert_eq!(err.to_string(), "a length of 126 where 1 bytes are left");
    let mut longer = ours(&answer, 0);
    longer.push(0);
    let err = AlterShareGroupOffsetsResponse::decode(&mut bytes::Bytes::from(longer), 0).unwrap_err();
    assert_eq!(err.to_string(), "1 bytes after the end of the message");
}

#[test]
fn nullable_structures_carry_a_marker_byte() {
    use streams_group_describe_response as s;
    let group = s::DescribedGroup { topology: None, ..Default::default() };
    let answer = StreamsGroupDescribeResponse { groups: vec![group], ..Default::default() };
    let bytes = ours(&answer, 0);
    let decoded = StreamsGroupDescribeResponse::decode(&mut bytes::Bytes::from(bytes), 0).unwrap();
    assert_eq!(decoded, answer);
    let with = StreamsGroupDescribeResponse {
        groups: vec![s::DescribedGroup {
            topology: Some(s::Topology { epoch: 3, subtopologies: None }),
            ..Default::default()
        }],
        ..Default::default()
    };
    let longer = ours(&with, 0);
    // The present marker, the epoch (4 bytes), a null array and the tagged fields where null was one byte (-1).
    assert_eq!(longer.len(), ours(&answer, 0).len() + 6);
    assert_eq!(StreamsGroupDescribeResponse::decode(&mut bytes::Bytes::from(longer), 0).unwrap(), with);
}
