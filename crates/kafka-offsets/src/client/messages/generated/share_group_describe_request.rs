//! ShareGroupDescribeRequest (API 77, the request), versions 1-1: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(ShareGroupDescribeRequest, 1, 1, 0, 1);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShareGroupDescribeRequest {
    pub group_ids: Vec<String>,
    pub include_authorized_operations: bool,
}

impl Item for ShareGroupDescribeRequest {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.array(&self.group_ids, version)?;
        w.bool(self.include_authorized_operations)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            group_ids: r.array(version)?,
            include_authorized_operations: r.bool()?,
        };
        r.end()?;
        Ok(item)
    }
}
