//! The Kafka messages kafka-protocol 0.15 lacks, written by msggen from Kafka's own definitions. Do not edit;
//! run `make messages`.

pub mod list_offsets_request;
pub mod list_offsets_response;
pub mod share_group_describe_request;
pub mod share_group_describe_response;
pub mod describe_share_group_offsets_request;
pub mod describe_share_group_offsets_response;
pub mod alter_share_group_offsets_request;
pub mod alter_share_group_offsets_response;
pub mod delete_share_group_offsets_request;
pub mod delete_share_group_offsets_response;
pub mod streams_group_describe_request;
pub mod streams_group_describe_response;

pub use list_offsets_request::ListOffsetsRequest;
pub use list_offsets_response::ListOffsetsResponse;
pub use share_group_describe_request::ShareGroupDescribeRequest;
pub use share_group_describe_response::ShareGroupDescribeResponse;
pub use describe_share_group_offsets_request::DescribeShareGroupOffsetsRequest;
pub use describe_share_group_offsets_response::DescribeShareGroupOffsetsResponse;
pub use alter_share_group_offsets_request::AlterShareGroupOffsetsRequest;
pub use alter_share_group_offsets_response::AlterShareGroupOffsetsResponse;
pub use delete_share_group_offsets_request::DeleteShareGroupOffsetsRequest;
pub use delete_share_group_offsets_response::DeleteShareGroupOffsetsResponse;
pub use streams_group_describe_request::StreamsGroupDescribeRequest;
pub use streams_group_describe_response::StreamsGroupDescribeResponse;

impl kafka_protocol::protocol::Request for ListOffsetsRequest {
    const KEY: i16 = 2;
    type Response = ListOffsetsResponse;
}

impl kafka_protocol::protocol::Request for ShareGroupDescribeRequest {
    const KEY: i16 = 77;
    type Response = ShareGroupDescribeResponse;
}

impl kafka_protocol::protocol::Request for DescribeShareGroupOffsetsRequest {
    const KEY: i16 = 90;
    type Response = DescribeShareGroupOffsetsResponse;
}

impl kafka_protocol::protocol::Request for AlterShareGroupOffsetsRequest {
    const KEY: i16 = 91;
    type Response = AlterShareGroupOffsetsResponse;
}

impl kafka_protocol::protocol::Request for DeleteShareGroupOffsetsRequest {
    const KEY: i16 = 92;
    type Response = DeleteShareGroupOffsetsResponse;
}

impl kafka_protocol::protocol::Request for StreamsGroupDescribeRequest {
    const KEY: i16 = 89;
    type Response = StreamsGroupDescribeResponse;
}

/// The APIs generated here: their keys and names.
pub const APIS: &[(i16, &str)] = &[
    (2, "ListOffsets"),
    (77, "ShareGroupDescribe"),
    (90, "DescribeShareGroupOffsets"),
    (91, "AlterShareGroupOffsets"),
    (92, "DeleteShareGroupOffsets"),
    (89, "StreamsGroupDescribe"),
];
