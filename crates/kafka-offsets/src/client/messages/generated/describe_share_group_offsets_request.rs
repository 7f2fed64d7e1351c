//! DescribeShareGroupOffsetsRequest (API 90, the request), versions 0-1: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(DescribeShareGroupOffsetsRequest, 0, 1, 0, 1);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DescribeShareGroupOffsetsRequest {
    pub groups: Vec<DescribeShareGroupOffsetsRequestGroup>,
}

impl Item for DescribeShareGroupOffsetsRequest {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.array(&self.groups, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            groups: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DescribeShareGroupOffsetsRequestGroup {
    pub group_id: String,
    pub topics: Option<Vec<DescribeShareGroupOffsetsRequestTopic>>,
}

impl Default for DescribeShareGroupOffsetsRequestGroup {
    fn default() -> Self {
        Self {
            group_id: String::new(),
            topics: Some(Default::default()),
        }
    }
}

impl Item for DescribeShareGroupOffsetsRequestGroup {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.group_id)?;
        w.nullable_array(self.topics.as_deref(), true, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            group_id: r.string()?,
            topics: r.nullable_array(true, version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DescribeShareGroupOffsetsRequestTopic {
    pub topic_name: String,
    pub partitions: Vec<i32>,
}

impl Item for DescribeShareGroupOffsetsRequestTopic {
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
