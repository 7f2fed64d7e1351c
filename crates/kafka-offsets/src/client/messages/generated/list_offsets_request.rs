//! ListOffsetsRequest (API 2, the request), versions 0-11: written by msggen from Kafka 3.9.1's and Kafka 4.4.0's definitions. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(ListOffsetsRequest, 0, 11, 6, 1);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListOffsetsRequest {
    pub replica_id: i32,
    pub isolation_level: i8,
    pub topics: Vec<ListOffsetsTopic>,
    pub timeout_ms: i32,
}

impl Item for ListOffsetsRequest {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i32(self.replica_id)?;
        if version >= 2 {
            w.i8(self.isolation_level)?;
        } else if self.isolation_level != 0 {
            return Err(not_in_version("IsolationLevel", version));
        }
        w.array(&self.topics, version)?;
        if version >= 10 {
            w.i32(self.timeout_ms)?;
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            replica_id: r.i32()?,
            isolation_level: if version >= 2 {
                r.i8()?
            } else {
                0
            },
            topics: r.array(version)?,
            timeout_ms: if version >= 10 {
                r.i32()?
            } else {
                0
            },
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListOffsetsTopic {
    pub name: String,
    pub partitions: Vec<ListOffsetsPartition>,
}

impl Item for ListOffsetsTopic {
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
pub struct ListOffsetsPartition {
    pub partition_index: i32,
    pub current_leader_epoch: i32,
    pub timestamp: i64,
    pub max_num_offsets: i32,
}

impl Default for ListOffsetsPartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            current_leader_epoch: -1,
            timestamp: 0,
            max_num_offsets: 1,
        }
    }
}

impl Item for ListOffsetsPartition {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i32(self.partition_index)?;
        if version >= 4 {
            w.i32(self.current_leader_epoch)?;
        }
        w.i64(self.timestamp)?;
        if version == 0 {
            w.i32(self.max_num_offsets)?;
        } else if self.max_num_offsets != 1 {
            return Err(not_in_version("MaxNumOffsets", version));
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            partition_index: r.i32()?,
            current_leader_epoch: if version >= 4 {
                r.i32()?
            } else {
                -1
            },
            timestamp: r.i64()?,
            max_num_offsets: if version == 0 {
                r.i32()?
            } else {
                1
            },
        };
        r.end()?;
        Ok(item)
    }
}
