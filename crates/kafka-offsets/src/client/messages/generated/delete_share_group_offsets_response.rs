//! DeleteShareGroupOffsetsResponse (API 92, the answer), versions 0-0: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(DeleteShareGroupOffsetsResponse, 0, 0, 0, 0);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeleteShareGroupOffsetsResponse {
    pub throttle_time_ms: i32,
    pub error_code: i16,
    pub error_message: Option<String>,
    pub responses: Vec<DeleteShareGroupOffsetsResponseTopic>,
}

impl Item for DeleteShareGroupOffsetsResponse {
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
pub struct DeleteShareGroupOffsetsResponseTopic {
    pub topic_name: String,
    pub topic_id: [u8; 16],
    pub error_code: i16,
    pub error_message: Option<String>,
}

impl Item for DeleteShareGroupOffsetsResponseTopic {
    fn write(&self, w: &mut Writer, _version: i16) -> Result<(), String> {
        w.string(&self.topic_name)?;
        w.uuid(self.topic_id)?;
        w.i16(self.error_code)?;
        w.nullable_string(self.error_message.as_deref(), true)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, _version: i16) -> Result<Self, String> {
        let item = Self {
            topic_name: r.string()?,
            topic_id: r.uuid()?,
            error_code: r.i16()?,
            error_message: r.nullable_string(true)?,
        };
        r.end()?;
        Ok(item)
    }
}
