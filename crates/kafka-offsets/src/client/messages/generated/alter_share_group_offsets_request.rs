//! AlterShareGroupOffsetsRequest (API 91, the request), versions 0-0: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(AlterShareGroupOffsetsRequest, 0, 0, 0, 1);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlterShareGroupOffsetsRequest {
    pub group_id: String,
    pub topics: Vec<AlterShareGroupOffsetsRequestTopic>,
}

impl Item for AlterShareGroupOffsetsRequest {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.group_id)?;
        w.array(&self.topics, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            group_id: r.string()?,
            topics: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlterShareGroupOffsetsRequestTopic {
    pub topic_name: String,
    pub partitions: Vec<AlterShareGroupOffsetsRequestPartition>,
}

impl Item for AlterShareGroupOffsetsRequestTopic {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.topic_name)?;
        w.array(&self.partitions, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            topic_name: r.string()?,
            partitions: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlterShareGroupOffsetsRequestPartition {
    pub partition_index: i32,
    pub start_offset: i64,
}

impl Item for AlterShareGroupOffsetsRequestPartition {
    fn write(&self, w: &mut Writer, _version: i16) -> Result<(), String> {
        w.i32(self.partition_index)?;
        w.i64(self.start_offset)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, _version: i16) -> Result<Self, String> {
        let item = Self {
            partition_index: r.i32()?,
            start_offset: r.i64()?,
        };
        r.end()?;
        Ok(item)
    }
}
