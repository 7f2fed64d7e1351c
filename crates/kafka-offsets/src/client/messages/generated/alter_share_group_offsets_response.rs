//! AlterShareGroupOffsetsResponse (API 91, the answer), versions 0-0: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(AlterShareGroupOffsetsResponse, 0, 0, 0, 0);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlterShareGroupOffsetsResponse {
    pub throttle_time_ms: i32,
    pub error_code: i16,
    pub error_message: Option<String>,
    pub responses: Vec<AlterShareGroupOffsetsResponseTopic>,
}

impl Item for AlterShareGroupOffsetsResponse {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i32(self.throttle_time_ms)?;
        w.i16(self.error_code)?;
        w.nullable_string(self.error_message.as_deref(), true)?;
        w.array(&self.responses, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            throttle_time_ms: r.i32()?,
            error_code: r.i16()?,
            error_message: r.nullable_string(true)?,
            responses: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlterShareGroupOffsetsResponseTopic {
    pub topic_name: String,
    pub topic_id: [u8; 16],
    pub partitions: Vec<AlterShareGroupOffsetsResponsePartition>,
}

impl Item for AlterShareGroupOffsetsResponseTopic {
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

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlterShareGroupOffsetsResponsePartition {
    pub partition_index: i32,
    pub error_code: i16,
    pub error_message: Option<String>,
}

impl Item for AlterShareGroupOffsetsResponsePartition {
    fn write(&self, w: &mut Writer, _version: i16) -> Result<(), String> {
        w.i32(self.partition_index)?;
        w.i16(self.error_code)?;
        w.nullable_string(self.error_message.as_deref(), true)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, _version: i16) -> Result<Self, String> {
        let item = Self {
            partition_index: r.i32()?,
            error_code: r.i16()?,
            error_message: r.nullable_string(true)?,
        };
        r.end()?;
        Ok(item)
    }
}
