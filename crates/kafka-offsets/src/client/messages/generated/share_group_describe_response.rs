//! ShareGroupDescribeResponse (API 77, the answer), versions 1-1: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(ShareGroupDescribeResponse, 1, 1, 0, 0);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShareGroupDescribeResponse {
    pub throttle_time_ms: i32,
    pub groups: Vec<DescribedGroup>,
}

impl Item for ShareGroupDescribeResponse {
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

#[derive(Debug, Clone, PartialEq)]
pub struct DescribedGroup {
    pub error_code: i16,
    pub error_message: Option<String>,
    pub group_id: String,
    pub group_state: String,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub assignor_name: String,
    pub members: Vec<Member>,
    pub authorized_operations: i32,
}

impl Default for DescribedGroup {
    fn default() -> Self {
        Self {
            error_code: 0,
            error_message: None,
            group_id: String::new(),
            group_state: String::new(),
            group_epoch: 0,
            assignment_epoch: 0,
            assignor_name: String::new(),
            members: Default::default(),
            authorized_operations: -2147483648,
        }
    }
}

impl Item for DescribedGroup {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i16(self.error_code)?;
        w.nullable_string(self.error_message.as_deref(), true)?;
        w.string(&self.group_id)?;
        w.string(&self.group_state)?;
        w.i32(self.group_epoch)?;
        w.i32(self.assignment_epoch)?;
        w.string(&self.assignor_name)?;
        w.array(&self.members, version)?;
        w.i32(self.authorized_operations)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            error_code: r.i16()?,
            error_message: r.nullable_string(true)?,
            group_id: r.string()?,
            group_state: r.string()?,
            group_epoch: r.i32()?,
            assignment_epoch: r.i32()?,
            assignor_name: r.string()?,
            members: r.array(version)?,
            authorized_operations: r.i32()?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Member {
    pub member_id: String,
    pub rack_id: Option<String>,
    pub member_epoch: i32,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub assignment: Assignment,
}

impl Item for Member {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.member_id)?;
        w.nullable_string(self.rack_id.as_deref(), true)?;
        w.i32(self.member_epoch)?;
        w.string(&self.client_id)?;
        w.string(&self.client_host)?;
        w.array(&self.subscribed_topic_names, version)?;
        w.item(&self.assignment, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            member_id: r.string()?,
            rack_id: r.nullable_string(true)?,
            member_epoch: r.i32()?,
            client_id: r.string()?,
            client_host: r.string()?,
            subscribed_topic_names: r.array(version)?,
            assignment: r.item(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicPartitions {
    pub topic_id: [u8; 16],
    pub topic_name: String,
    pub partitions: Vec<i32>,
}

impl Item for TopicPartitions {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.uuid(self.topic_id)?;
        w.string(&self.topic_name)?;
        w.array(&self.partitions, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            topic_id: r.uuid()?,
            topic_name: r.string()?,
            partitions: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assignment {
    pub topic_partitions: Vec<TopicPartitions>,
}

impl Item for Assignment {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.array(&self.topic_partitions, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            topic_partitions: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}
