//! DeleteShareGroupOffsetsRequest (API 92, the request), versions 0-0: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(DeleteShareGroupOffsetsRequest, 0, 0, 0, 1);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeleteShareGroupOffsetsRequest {
    pub group_id: String,
    pub topics: Vec<DeleteShareGroupOffsetsRequestTopic>,
}

impl Item for DeleteShareGroupOffsetsRequest {
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
pub struct DeleteShareGroupOffsetsRequestTopic {
    pub topic_name: String,
}

impl Item for DeleteShareGroupOffsetsRequestTopic {
    fn write(&self, w: &mut Writer, _version: i16) -> Result<(), String> {
        w.string(&self.topic_name)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, _version: i16) -> Result<Self, String> {
        let item = Self {
            topic_name: r.string()?,
        };
        r.end()?;
        Ok(item)
    }
}
