//! The views against Kafka 4.4.0's own `kafka-consumer-groups.sh --describe` output, captured from a 4.4.0 broker
//! (a classic group with a member, a KIP-848 group with a member, an empty group with offsets).

use super::*;
use crate::client::groups::{Described, Member};
use crate::formats::settings::BrokerAddress;
use crate::usecase::describe::OffsetRow;

fn coordinator() -> BrokerAddress {
    BrokerAddress { host: "127.0.0.1".into(), port: 29092 }
}

fn row(topic: &str, p: i32, offset: i64, end: i64, member: Option<(&str, &str, &str)>) -> OffsetRow {
    OffsetRow {
        partition: TopicPartition::new(topic, p),
        offset: Some(offset),
        log_end: Some(end),
        lag: Some(end - offset),
        member: member.map(|(c, h, l)| (c.to_string(), h.to_string(), l.to_string())),
    }
}

const CLASSIC_ID: &str = "console-consumer-c0056e37-bc3a-4f18-ae47-45aa38183233";

fn empty_group() -> GroupView {
    GroupView {
        group: "classic-empty".into(),
        described: Described { state: "Empty".into(), coordinator: coordinator(), ..Described::default() },
        coordinator_id: Some(1),
        rows: vec![row("orders", 0, 5, 5, None), row("orders", 1, 0, 9, None), row("orders", 2, 0, 6, None)],
    }
}

fn live_classic() -> GroupView {
    let member = Member {
        member_id: CLASSIC_ID.into(),
        client_id: "console-consumer".into(),
        host: "/127.0.0.1".into(),
        assignment: (0..3).map(|p| TopicPartition::new("orders", p)).collect(),
        ..Member::default()
    };
    let m = Some((CLASSIC_ID, "/127.0.0.1", "console-consumer"));
    GroupView {
        group: "live-classic".into(),
        described: Described {
            state: "Stable".into(),
            assignor: "range".into(),
            members: vec![member],
            coordinator: coordinator(),
            ..Described::default()
        },
        coordinator_id: Some(1),
        rows: vec![row("orders", 0, 5, 5, m), row("orders", 1, 9, 9, m), row("orders", 2, 6, 6, m)],
    }
}

fn live_848() -> GroupView {
    let topic = "payments-with-a-long-name-here";
    let partitions: Vec<TopicPartition> = (0..2).map(|p| TopicPartition::new(topic, p)).collect();
    let member = Member {
        member_id: "_KHMu2LwSxeu2Axo08bKMw".into(),
        client_id: "console-consumer".into(),
        host: "/127.0.0.1".into(),
        assignment: partitions.clone(),
        epoch: Some(2),
        target: Some((2, partitions)),
        ..Member::default()
    };
    let m = Some(("_KHMu2LwSxeu2Axo08bKMw", "/127.0.0.1", "console-consumer"));
    GroupView {
        group: "live-848".into(),
        described: Described {
            state: "Stable".into(),
            assignor: "uniform".into(),
            consumer_protocol: true,
            members: vec![member],
            coordinator: coordinator(),
            ..Described::default()
        },
        coordinator_id: Some(1),
        rows: vec![row(topic, 0, 0, 0, m), row(topic, 1, 0, 0, m)],
    }
}

fn render(write: impl Fn(&mut dyn Write) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn offsets_as_kafka_4_4_prints_them() {
    let expected = "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n\
                    classic-empty   orders          0          5               5               0               -               -               -\n\
                    classic-empty   orders          1          0               9               9               -               -               -\n\
                    classic-empty   orders          2          0               6               6               -               -               -\n";
    assert_eq!(render(|out| write_offsets(out, &empty_group())), expected);
    let expected = "\nGROUP           TOPIC                          PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID            HOST            CLIENT-ID\n\
                    live-848        payments-with-a-long-name-here 0          0               0               0               _KHMu2LwSxeu2Axo08bKMw /127.0.0.1      console-consumer\n\
                    live-848        payments-with-a-long-name-here 1          0               0               0               _KHMu2LwSxeu2Axo08bKMw /127.0.0.1      console-consumer\n";
    assert_eq!(render(|out| write_offsets(out, &live_848())), expected);
    let expected = format!(
        "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                                           HOST            CLIENT-ID\n\
         live-classic    orders          0          5               5               0               {CLASSIC_ID} /127.0.0.1      console-consumer\n\
         live-classic    orders          1          9               9               0               {CLASSIC_ID} /127.0.0.1      console-consumer\n\
         live-classic    orders          2          6               6               0               {CLASSIC_ID} /127.0.0.1      console-consumer\n"
    );
    assert_eq!(render(|out| write_offsets(out, &live_classic())), expected);
    assert_eq!(
        state_message(&empty_group(), 3),
        (Some("Consumer group 'classic-empty' has no active members.".to_string()), true)
    );
}

#[test]
fn members_and_state_as_kafka_4_4_prints_them() {
    let expected = "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n";
    assert_eq!(render(|out| write_members(out, &empty_group(), false)), expected);
    let expected = format!(
        "\nGROUP           CONSUMER-ID                                           HOST            CLIENT-ID        #PARTITIONS     \n\
         live-classic    {CLASSIC_ID} /127.0.0.1      console-consumer 3               \n"
    );
    assert_eq!(render(|out| write_members(out, &live_classic(), false)), expected);
    let expected = "\nGROUP           CONSUMER-ID            HOST            CLIENT-ID        #PARTITIONS     CURRENT-EPOCH   CURRENT-ASSIGNMENT                 TARGET-EPOCH    TARGET-ASSIGNMENT                 \n\
                    live-848        _KHMu2LwSxeu2Axo08bKMw /127.0.0.1      console-consumer 2               2               payments-with-a-long-name-here:0,1 2               payments-with-a-long-name-here:0,1\n";
    assert_eq!(render(|out| write_members(out, &live_848(), true)), expected);
    let expected = "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n\
                    classic-empty   127.0.0.1:29092  (1)      -                    Empty                0\n";
    assert_eq!(render(|out| write_state(out, &empty_group(), false)), expected);
    let expected = "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n\
                    live-classic    127.0.0.1:29092  (1)      range                Stable               1\n";
    assert_eq!(render(|out| write_state(out, &live_classic(), false)), expected);
}
