//! DescribeShareGroupOffsetsResponse (API 90, the answer), versions 0-1: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(DescribeShareGroupOffsetsResponse, 0, 1, 0, 0);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DescribeShareGroupOffsetsResponse {
    pub throttle_time_ms: i32,
    pub groups: Vec<DescribeShareGroupOffsetsResponseGroup>,
}

impl Item for DescribeShareGroupOffsetsResponse {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i32(self.throttle_time_ms)?;
        w.array(&self.groups, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            throttle_time_ms: r.i32()?,
            groups: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DescribeShareGroupOffsetsResponseGroup {
    pub group_id: String,
    pub topics: Vec<DescribeShareGroupOffsetsResponseTopic>,
    pub error_code: i16,
    pub error_message: Option<String>,
}

impl Item for DescribeShareGroupOffsetsResponseGroup {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.group_id)?;
        w.array(&self.topics, version)?;
        w.i16(self.error_code)?;
        w.nullable_string(self.error_message.as_deref(), true)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            group_id: r.string()?,
            topics: r.array(version)?,
            error_code: r.i16()?,
            error_message: r.nullable_string(true)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DescribeShareGroupOffsetsResponseTopic {
    pub topic_name: String,
    pub topic_id: [u8; 16],
    pub partitions: Vec<DescribeShareGroupOffsetsResponsePartition>,
}

impl Item for DescribeShareGroupOffsetsResponseTopic {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.topic_name)?;
        w.uuid(self.topic_id)?;
        w.array(&self.partitions, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            topic_name: r.string()?,
            topic_id: r.uuid()?,
            partitions: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DescribeShareGroupOffsetsResponsePartition {
    pub partition_index: i32,
    pub start_offset: i64,
    pub leader_epoch: i32,
    pub lag: i64,
    pub error_code: i16,
    pub error_message: Option<String>,
}

impl Default for DescribeShareGroupOffsetsResponsePartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            start_offset: 0,
            leader_epoch: 0,
            lag: -1,
            error_code: 0,
            error_message: None,
        }
    }
}

impl Item for DescribeShareGroupOffsetsResponsePartition {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i32(self.partition_index)?;
        w.i64(self.start_offset)?;
        w.i32(self.leader_epoch)?;
        if version == 1 {
            w.i64(self.lag)?;
        }
        w.i16(self.error_code)?;
        w.nullable_string(self.error_message.as_deref(), true)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            partition_index: r.i32()?,
            start_offset: r.i64()?,
            leader_epoch: r.i32()?,
            lag: if version == 1 {
                r.i64()?
            } else {
                -1
            },
            error_code: r.i16()?,
            error_message: r.nullable_string(true)?,
        };
        r.end()?;
        Ok(item)
    }
}
