//! StreamsGroupDescribeRequest (API 89, the request), versions 0-1: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(StreamsGroupDescribeRequest, 0, 1, 0, 1);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamsGroupDescribeRequest {
    pub group_ids: Vec<String>,
    pub include_authorized_operations: bool,
    pub include_topology_description: bool,
}

impl Item for StreamsGroupDescribeRequest {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.array(&self.group_ids, version)?;
        w.bool(self.include_authorized_operations)?;
        if version == 1 {
            w.bool(self.include_topology_description)?;
        } else if self.include_topology_description {
            return Err(not_in_version("IncludeTopologyDescription", version));
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            group_ids: r.array(version)?,
            include_authorized_operations: r.bool()?,
            include_topology_description: if version == 1 {
                r.bool()?
            } else {
                false
            },
        };
        r.end()?;
        Ok(item)
    }
}
