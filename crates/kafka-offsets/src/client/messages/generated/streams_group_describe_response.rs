//! StreamsGroupDescribeResponse (API 89, the answer), versions 0-1: written by msggen from Kafka 4.4.0's definition. Do not edit; run `make messages`.

#[allow(unused_imports)]
use crate::client::messages::codec::{message, not_in_version, Item, Reader, Writer};

message!(StreamsGroupDescribeResponse, 0, 1, 0, 0);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamsGroupDescribeResponse {
    pub throttle_time_ms: i32,
    pub groups: Vec<DescribedGroup>,
}

impl Item for StreamsGroupDescribeResponse {
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
    pub topology: Option<Topology>,
    pub members: Vec<Member>,
    pub authorized_operations: i32,
    pub topology_description: Option<TopologyDescription>,
    pub topology_description_status: i8,
    pub assignor_name: Option<String>,
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
            topology: None,
            members: Default::default(),
            authorized_operations: -2147483648,
            topology_description: None,
            topology_description_status: 0,
            assignor_name: None,
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
        w.nullable_item(self.topology.as_ref(), true, version)?;
        w.array(&self.members, version)?;
        w.i32(self.authorized_operations)?;
        if version == 1 {
            w.nullable_item(self.topology_description.as_ref(), true, version)?;
        } else if self.topology_description.is_some() {
            return Err(not_in_version("TopologyDescription", version));
        }
        if version == 1 {
            w.i8(self.topology_description_status)?;
        } else if self.topology_description_status != 0 {
            return Err(not_in_version("TopologyDescriptionStatus", version));
        }
        if version == 1 {
            w.nullable_string(self.assignor_name.as_deref(), true)?;
        }
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
            topology: r.nullable_item(true, version)?,
            members: r.array(version)?,
            authorized_operations: r.i32()?,
            topology_description: if version == 1 {
                r.nullable_item(true, version)?
            } else {
                None
            },
            topology_description_status: if version == 1 {
                r.i8()?
            } else {
                0
            },
            assignor_name: if version == 1 {
                r.nullable_string(true)?
            } else {
                None
            },
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Topology {
    pub epoch: i32,
    pub subtopologies: Option<Vec<Subtopology>>,
}

impl Item for Topology {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.i32(self.epoch)?;
        w.nullable_array(self.subtopologies.as_deref(), true, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            epoch: r.i32()?,
            subtopologies: r.nullable_array(true, version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subtopology {
    pub subtopology_id: String,
    pub source_topics: Vec<String>,
    pub repartition_sink_topics: Vec<String>,
    pub state_changelog_topics: Vec<TopicInfo>,
    pub repartition_source_topics: Vec<TopicInfo>,
}

impl Item for Subtopology {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.subtopology_id)?;
        w.array(&self.source_topics, version)?;
        w.array(&self.repartition_sink_topics, version)?;
        w.array(&self.state_changelog_topics, version)?;
        w.array(&self.repartition_source_topics, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            subtopology_id: r.string()?,
            source_topics: r.array(version)?,
            repartition_sink_topics: r.array(version)?,
            state_changelog_topics: r.array(version)?,
            repartition_source_topics: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Member {
    pub member_id: String,
    pub member_epoch: i32,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub topology_epoch: i32,
    pub process_id: String,
    pub user_endpoint: Option<Endpoint>,
    pub client_tags: Vec<KeyValue>,
    pub task_offsets: Vec<TaskOffset>,
    pub task_end_offsets: Vec<TaskOffset>,
    pub assignment: Assignment,
    pub target_assignment: Assignment,
    pub is_classic: bool,
}

impl Item for Member {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.member_id)?;
        w.i32(self.member_epoch)?;
        w.nullable_string(self.instance_id.as_deref(), true)?;
        w.nullable_string(self.rack_id.as_deref(), true)?;
        w.string(&self.client_id)?;
        w.string(&self.client_host)?;
        w.i32(self.topology_epoch)?;
        w.string(&self.process_id)?;
        w.nullable_item(self.user_endpoint.as_ref(), true, version)?;
        w.array(&self.client_tags, version)?;
        w.array(&self.task_offsets, version)?;
        w.array(&self.task_end_offsets, version)?;
        w.item(&self.assignment, version)?;
        w.item(&self.target_assignment, version)?;
        w.bool(self.is_classic)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            member_id: r.string()?,
            member_epoch: r.i32()?,
            instance_id: r.nullable_string(true)?,
            rack_id: r.nullable_string(true)?,
            client_id: r.string()?,
            client_host: r.string()?,
            topology_epoch: r.i32()?,
            process_id: r.string()?,
            user_endpoint: r.nullable_item(true, version)?,
            client_tags: r.array(version)?,
            task_offsets: r.array(version)?,
            task_end_offsets: r.array(version)?,
            assignment: r.item(version)?,
            target_assignment: r.item(version)?,
            is_classic: r.bool()?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

impl Item for Endpoint {
    fn write(&self, w: &mut Writer, _version: i16) -> Result<(), String> {
        w.string(&self.host)?;
        w.u16(self.port)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, _version: i16) -> Result<Self, String> {
        let item = Self {
            host: r.string()?,
            port: r.u16()?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskOffset {
    pub subtopology_id: String,
    pub partition: i32,
    pub offset: i64,
}

impl Item for TaskOffset {
    fn write(&self, w: &mut Writer, _version: i16) -> Result<(), String> {
        w.string(&self.subtopology_id)?;
        w.i32(self.partition)?;
        w.i64(self.offset)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, _version: i16) -> Result<Self, String> {
        let item = Self {
            subtopology_id: r.string()?,
            partition: r.i32()?,
            offset: r.i64()?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assignment {
    pub active_tasks: Vec<TaskIds>,
    pub standby_tasks: Vec<TaskIds>,
    pub warmup_tasks: Vec<TaskIds>,
}

impl Item for Assignment {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.array(&self.active_tasks, version)?;
        w.array(&self.standby_tasks, version)?;
        w.array(&self.warmup_tasks, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            active_tasks: r.array(version)?,
            standby_tasks: r.array(version)?,
            warmup_tasks: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskIds {
    pub subtopology_id: String,
    pub partitions: Vec<i32>,
}

impl Item for TaskIds {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.subtopology_id)?;
        w.array(&self.partitions, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            subtopology_id: r.string()?,
            partitions: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

impl Item for KeyValue {
    fn write(&self, w: &mut Writer, _version: i16) -> Result<(), String> {
        w.string(&self.key)?;
        w.string(&self.value)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, _version: i16) -> Result<Self, String> {
        let item = Self {
            key: r.string()?,
            value: r.string()?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    pub topic_configs: Vec<KeyValue>,
}

impl Item for TopicInfo {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        w.string(&self.name)?;
        w.i32(self.partitions)?;
        w.i16(self.replication_factor)?;
        w.array(&self.topic_configs, version)?;
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            name: r.string()?,
            partitions: r.i32()?,
            replication_factor: r.i16()?,
            topic_configs: r.array(version)?,
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopologyDescription {
    pub subtopologies: Vec<TopologyDescriptionSubtopology>,
    pub global_stores: Vec<TopologyDescriptionGlobalStore>,
}

impl Item for TopologyDescription {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        if version == 1 {
            w.array(&self.subtopologies, version)?;
        } else if !self.subtopologies.is_empty() {
            return Err(not_in_version("Subtopologies", version));
        }
        if version == 1 {
            w.array(&self.global_stores, version)?;
        } else if !self.global_stores.is_empty() {
            return Err(not_in_version("GlobalStores", version));
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            subtopologies: if version == 1 {
                r.array(version)?
            } else {
                Default::default()
            },
            global_stores: if version == 1 {
                r.array(version)?
            } else {
                Default::default()
            },
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopologyDescriptionSubtopology {
    pub subtopology_id: String,
    pub nodes: Vec<TopologyDescriptionNode>,
}

impl Item for TopologyDescriptionSubtopology {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        if version == 1 {
            w.string(&self.subtopology_id)?;
        } else if self.subtopology_id != String::new() {
            return Err(not_in_version("SubtopologyId", version));
        }
        if version == 1 {
            w.array(&self.nodes, version)?;
        } else if !self.nodes.is_empty() {
            return Err(not_in_version("Nodes", version));
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            subtopology_id: if version == 1 {
                r.string()?
            } else {
                String::new()
            },
            nodes: if version == 1 {
                r.array(version)?
            } else {
                Default::default()
            },
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopologyDescriptionNode {
    pub name: String,
    pub node_type: i8,
    pub source_topics: Vec<String>,
    pub sink_topic: Option<String>,
    pub stores: Vec<String>,
    pub successors: Vec<String>,
}

impl Item for TopologyDescriptionNode {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        if version == 1 {
            w.string(&self.name)?;
        } else if self.name != String::new() {
            return Err(not_in_version("Name", version));
        }
        if version == 1 {
            w.i8(self.node_type)?;
        } else if self.node_type != 0 {
            return Err(not_in_version("NodeType", version));
        }
        if version == 1 {
            w.array(&self.source_topics, version)?;
        } else if !self.source_topics.is_empty() {
            return Err(not_in_version("SourceTopics", version));
        }
        if version == 1 {
            w.nullable_string(self.sink_topic.as_deref(), true)?;
        } else if self.sink_topic.is_some() {
            return Err(not_in_version("SinkTopic", version));
        }
        if version == 1 {
            w.array(&self.stores, version)?;
        } else if !self.stores.is_empty() {
            return Err(not_in_version("Stores", version));
        }
        if version == 1 {
            w.array(&self.successors, version)?;
        } else if !self.successors.is_empty() {
            return Err(not_in_version("Successors", version));
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            name: if version == 1 {
                r.string()?
            } else {
                String::new()
            },
            node_type: if version == 1 {
                r.i8()?
            } else {
                0
            },
            source_topics: if version == 1 {
                r.array(version)?
            } else {
                Default::default()
            },
            sink_topic: if version == 1 {
                r.nullable_string(true)?
            } else {
                None
            },
            stores: if version == 1 {
                r.array(version)?
            } else {
                Default::default()
            },
            successors: if version == 1 {
                r.array(version)?
            } else {
                Default::default()
            },
        };
        r.end()?;
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopologyDescriptionGlobalStore {
    pub source: TopologyDescriptionNode,
    pub processor: TopologyDescriptionNode,
}

impl Item for TopologyDescriptionGlobalStore {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String> {
        if version == 1 {
            w.item(&self.source, version)?;
        } else if self.source != Default::default() {
            return Err(not_in_version("Source", version));
        }
        if version == 1 {
            w.item(&self.processor, version)?;
        } else if self.processor != Default::default() {
            return Err(not_in_version("Processor", version));
        }
        w.end()
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String> {
        let item = Self {
            source: if version == 1 {
                r.item(version)?
            } else {
                Default::default()
            },
            processor: if version == 1 {
                r.item(version)?
            } else {
                Default::default()
            },
        };
        r.end()?;
        Ok(item)
    }
}
