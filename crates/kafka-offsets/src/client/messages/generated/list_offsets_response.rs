//! ListOffsetsResponse (API 2, the answer), versions 0-11: written by msggen from Kafka 3.9.1's and Kafka 4.4.0's definitions. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(ListOffsetsResponse, 0, 11, 6, 0);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListOffsetsResponse {
    pub throttle_time_ms: i32,
    pub topics: Vec<ListOffsetsTopicResponse>,
}

impl Item for ListOffsetsResponse {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        if version >= 2 {
            w.i32(self.throttle_time_ms)?;
        }
        w.array(&self.topics, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            throttle_time_ms: if version >= 2 {
                r.i32()?
            } else {
                0
            },
            topics: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListOffsetsTopicResponse {
    pub name: String,
    pub partitions: Vec<ListOffsetsPartitionResponse>,
}

impl Item for ListOffsetsTopicResponse {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.name)?;
        w.array(&self.partitions, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            name: r.string()?,
            partitions: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListOffsetsPartitionResponse {
    pub partition_index: i32,
    pub error_code: i16,
    pub old_style_offsets: Vec<i64>,
    pub timestamp: i64,
    pub offset: i64,
    pub leader_epoch: i32,
}

impl Default for ListOffsetsPartitionResponse {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: 0,
            old_style_offsets: Default::default(),
            timestamp: -1,
            offset: -1,
            leader_epoch: -1,
        }
    }
}

impl Item for ListOffsetsPartitionResponse {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i32(self.partition_index)?;
        w.i16(self.error_code)?;
        if version == 0 {
            w.array(&self.old_style_offsets, version)?;
        } else if !self.old_style_offsets.is_empty() {
            return Err(not_in_version("OldStyleOffsets", version));
        }
        if version >= 1 {
            w.i64(self.timestamp)?;
        } else if self.timestamp != -1 {
            return Err(not_in_version("Timestamp", version));
        }
        if version >= 1 {
            w.i64(self.offset)?;
        } else if self.offset != -1 {
            return Err(not_in_version("Offset", version));
        }
        if version >= 4 {
            w.i32(self.leader_epoch)?;
        } else if self.leader_epoch != -1 {
            return Err(not_in_version("LeaderEpoch", version));
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            partition_index: r.i32()?,
            error_code: r.i16()?,
            old_style_offsets: if version == 0 {
                r.array(version)?
            } else {
                Default::default()
            },
            timestamp: if version >= 1 {
                r.i64()?
            } else {
                -1
            },
            offset: if version >= 1 {
                r.i64()?
            } else {
                -1
            },
            leader_epoch: if version >= 4 {
                r.i32()?
            } else {
                -1
            },
        };
        r.end()?;
        Ok(item)
    }
}
