//! migrate-groups from a real Apache Kafka 0.9.0.1 broker (no record timestamps, the legacy protocol) to
//! librdkafka's mock cluster (which answers every time lookup with -1: what is found must be found by reading).
//! Every strategy, drained and lagging groups, --allow-lag, a group with members on either cluster, a topic missing
//! and fewer partitions on the new cluster. The offsets committed on the new cluster are read back with librdkafka
//! and compared whole; the old cluster's are checked unchanged. One 0.9 broker for all cases, a mock per case.

use offset_tools_tests::compare::{assert_output, migration_table};
use offset_tools_tests::groups::{commit, committed, Member};
use offset_tools_tests::harness::{self, check};
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::migrate_groups;

const T0: i64 = 1_700_000_000_000;
const NOTHING_COMMITTED: &str = "Error: nothing was committed: fix the errors above and run again\n";
const NO_DESCRIBE_ON_NEW: &str = "Warn: the brokers on the new cluster cannot describe consumer groups (no \
                                  DescribeGroups); a group with members will make the commit fail instead\n";

/// The old cluster: `orders` with 5 records `orders-p-i` in each of its 3 partitions, `payments` with 2.
fn setup() -> Kafka09 {
    let kafka = Kafka09::start();
    kafka.create_topic("orders", 3, &[]);
    kafka.create_topic("payments", 2, &[]);
    for p in 0..3 {
        kafka.produce("orders", p, 5);
    }
    kafka
}

/// A new cluster with `orders` (3 partitions) and what `fill` produces.
fn new_cluster(fill: impl Fn(&Mock, i32)) -> Mock {
    let mock = Mock::start(3);
    mock.topic("orders", 3);
    for p in 0..3 {
        fill(&mock, p);
    }
    mock
}

fn commit_on_old(kafka: &Kafka09, group: &str, offsets: &[i64]) {
    let offsets: Vec<(i32, i64)> = offsets.iter().enumerate().map(|(p, o)| (p as i32, *o)).collect();
    commit(&kafka.client_config(), group, "orders", &offsets);
}

/// The committed offsets of `group` on `orders` 0..3 of a cluster.
fn orders_of(config: &rdkafka::ClientConfig, group: &str) -> Vec<Option<i64>> {
    committed(config, group, "orders", &[0, 1, 2])
}

type Case = harness::Case<Kafka09>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("to_earliest_moves_drained_groups_and_refuses_lagging_ones", |kafka| {
            // Nothing was copied: the new cluster holds two records per partition produced since the switch.
            let mock = new_cluster(|m, p| {
                m.produce_payloads("orders", p, &[format!("switched-{p}-0"), format!("switched-{p}-1")], T0);
            });
            commit_on_old(kafka, "e-drained", &[5, 5, 5]);
            commit_on_old(kafka, "e-lagging", &[5, 3, 5]);
            let (old, new) = (kafka.bootstrap(), mock.bootstrap.clone());
            let args = ["--from", &old, "--to", &new, "--group", "e-drained", "--group", "e-lagging", "--to-earliest"];
            let refusal =
                "2 unread records on the old cluster, which exist only there (--allow-lag leaves them behind)";
            let rows = [
                ("e-drained", "orders", 0, 5, 0, Some(0), "committed", "earliest"),
                ("e-drained", "orders", 1, 5, 0, Some(0), "committed", "earliest"),
                ("e-drained", "orders", 2, 5, 0, Some(0), "committed", "earliest"),
                ("e-lagging", "orders", 0, 5, 0, Some(0), "held", "earliest"),
                ("e-lagging", "orders", 1, 3, 2, None, "refused", refusal),
                ("e-lagging", "orders", 2, 5, 0, Some(0), "held", "earliest"),
            ];
            let stderr = format!(
                "{NO_DESCRIBE_ON_NEW}Error: group 'e-lagging', orders:1: {refusal}\n\
                 Note: 2 groups: 1 migrated, 1 refused, 0 failed\n"
            );
            let mut execute = args.to_vec();
            execute.push("--execute");
            assert_output(&migrate_groups(&execute), &migration_table(&rows), &stderr, 1);
            let new_config = mock.client_config();
            check(orders_of(&new_config, "e-drained") == [Some(0); 3], || "e-drained not committed".into())?;
            check(orders_of(&new_config, "e-lagging") == [None; 3], || "the refused group was committed".into())?;

            // --allow-lag: migrated, with the records it leaves behind named.
            execute.push("--allow-lag");
            let out = migrate_groups(&execute);
            let rows: Vec<_> = (0..3)
                .flat_map(|p| {
                    let lag = if p == 1 { 2 } else { 0 };
                    [
                        ("e-drained", "orders", p, 5, 0, Some(0), "committed", "earliest"),
                        ("e-lagging", "orders", p, if p == 1 { 3 } else { 5 }, lag, Some(0), "committed", "earliest"),
                    ]
                })
                .collect();
            let mut rows = rows;
            rows.sort_by_key(|r| (r.0, r.2));
            let stderr = format!(
                "{NO_DESCRIBE_ON_NEW}Warn: group 'e-lagging', orders:1: leaves 2 unread records behind on the old \
                 cluster\nNote: 2 groups: 2 migrated, 0 refused, 0 failed\n"
            );
            assert_output(&out, &migration_table(&rows), &stderr, 0);
            check(orders_of(&new_config, "e-lagging") == [Some(0); 3], || "e-lagging not committed".into())?;
            let old_config = kafka.client_config();
            check(orders_of(&old_config, "e-lagging") == [Some(5), Some(3), Some(5)], || {
                "the old cluster changed".into()
            })
        }),
        ("switch_time_without_old_timestamps_needs_drained_groups", |kafka| {
            // Copied before the switch: five records a second apart from T0, then two produced after the switch at
            // T0 + 5 s. The mock answers the time lookup with -1: the offset is found by reading its records.
            let mock = new_cluster(|m, p| {
                m.produce("orders", p, 7, T0);
            });
            commit_on_old(kafka, "s-drained", &[5, 5, 5]);
            commit_on_old(kafka, "s-lagging", &[4, 5, 5]);
            let (old, new) = (kafka.bootstrap(), mock.bootstrap.clone());
            let switch = "2023-11-14T22:13:25Z";
            let args = [
                "--from",
                &old,
                "--to",
                &new,
                "--group",
                "s-drained",
                "--group",
                "s-lagging",
                "--to-switch-time",
                switch,
            ];
            let how = "switch time (found by reading records)";
            let refusal = "1 unread record on the old cluster, whose records have no timestamps: only a drained \
                           partition is known to be consumed up to the switch time (--allow-lag skips them)";
            let note = format!(
                "Note: --to-switch-time {switch} is 2023-11-14T22:13:25.000Z ({} ms since the epoch)\n",
                T0 + 5000
            );
            let mut execute = args.to_vec();
            execute.push("--execute");
            let rows = [
                ("s-drained", "orders", 0, 5, 0, Some(5), "committed", how),
                ("s-drained", "orders", 1, 5, 0, Some(5), "committed", how),
                ("s-drained", "orders", 2, 5, 0, Some(5), "committed", how),
                ("s-lagging", "orders", 0, 4, 1, None, "refused", refusal),
                ("s-lagging", "orders", 1, 5, 0, Some(5), "held", how),
                ("s-lagging", "orders", 2, 5, 0, Some(5), "held", how),
            ];
            let stderr = format!(
                "{note}{NO_DESCRIBE_ON_NEW}Error: group 's-lagging', orders:0: {refusal}\n\
                 Note: 2 groups: 1 migrated, 1 refused, 0 failed\n"
            );
            assert_output(&migrate_groups(&execute), &migration_table(&rows), &stderr, 1);
            let new_config = mock.client_config();
            check(orders_of(&new_config, "s-drained") == [Some(5); 3], || "s-drained not committed".into())?;
            check(orders_of(&new_config, "s-lagging") == [None; 3], || "the refused group was committed".into())?;
            execute.push("--allow-lag");
            // The whole output: s-drained committed again (the same offsets), s-lagging now too, its skip named.
            let rows: Vec<_> = ["s-drained", "s-lagging"]
                .iter()
                .flat_map(|g| (0..3).map(move |p| (*g, "orders", p, if *g == "s-lagging" && p == 0 { 4 } else { 5 })))
                .map(|(g, t, p, old)| (g, t, p, old, 5 - old, Some(5), "committed", how))
                .collect();
            let stderr = format!(
                "{note}{NO_DESCRIBE_ON_NEW}Warn: group 's-lagging', orders:0: skips 1 unread record on the old cluster \
                 (without timestamps: not known to be older)\nNote: 2 groups: 2 migrated, 0 refused, 0 failed\n"
            );
            assert_output(&migrate_groups(&execute), &migration_table(&rows), &stderr, 0);
            check(orders_of(&new_config, "s-lagging") == [Some(5); 3], || "s-lagging not committed".into())?;
            check(orders_of(&kafka.client_config(), "s-lagging") == [Some(4), Some(5), Some(5)], || {
                "the old cluster changed".into()
            })
        }),
        ("compressed_messages_of_the_old_format_are_read", |kafka| {
            // 0.9 producers compress a whole message set into one wrapper message (magic 0).
            let mock = Mock::start(1);
            for codec in ["gzip", "snappy", "lz4"] {
                let topic = format!("packed-{codec}");
                kafka.create_topic(&topic, 1, &[]);
                let payloads: Vec<String> = (0..6).map(|i| format!("packed-{codec}-{i}")).collect();
                let mut config = kafka.client_config();
                config.set("compression.codec", codec).set("linger.ms", "50").set("acks", "1");
                offset_tools_tests::produce::produce_payloads(&config, &topic, 0, &payloads, None);
                mock.topic(&topic, 1).produce_payloads(&topic, 0, &payloads, T0);
                commit(&kafka.client_config(), &format!("packed-{codec}"), &topic, &[(0, 3)]);
                let out = migrate_groups(&[
                    "--from",
                    &kafka.bootstrap(),
                    "--to",
                    &mock.bootstrap,
                    "--group",
                    &format!("packed-{codec}"),
                    "--by-record",
                    "--dry-run",
                ]);
                let how = "exact: the next record to read (content search of offsets 0..6)";
                let rows = [(format!("packed-{codec}"), topic.clone(), 0, 3, 3, Some(3), "planned", how)];
                let rows: Vec<_> = rows
                    .iter()
                    .map(|(g, t, p, o, l, n, s, h)| (g.as_str(), t.as_str(), *p, *o, *l, *n, *s, *h))
                    .collect();
                assert_output(
                    &out,
                    &migration_table(&rows),
                    &format!("{NO_DESCRIBE_ON_NEW}Note: 1 group: 1 can be migrated, 0 refused, 0 failed (dry run)\n"),
                    0,
                );
            }
            Ok(())
        }),
        ("by_record_finds_copies_by_their_contents", |kafka| {
            // The new cluster holds a copy of the old records (Kafka 0.9's have no timestamps: found by their
            // contents); partition 2's copy stops after three records.
            let mock = new_cluster(|m, p| {
                let copied = if p == 2 { 3 } else { 5 };
                let payloads: Vec<String> = (0..copied).map(|i| format!("orders-{p}-{i}")).collect();
                m.produce_payloads("orders", p, &payloads, T0);
            });
            commit_on_old(kafka, "r-mid", &[2, 4, 1]);
            commit_on_old(kafka, "r-drained", &[5, 5, 2]);
            commit_on_old(kafka, "r-tail", &[0, 0, 4]);
            let (old, new) = (kafka.bootstrap(), mock.bootstrap.clone());
            let args = [
                "--from",
                &old,
                "--to",
                &new,
                "--group",
                "r-mid",
                "--group",
                "r-drained",
                "--group",
                "r-tail",
                "--by-record",
                "--execute",
            ];
            let next = |range: &str| format!("exact: the next record to read (content search of offsets {range})");
            let after = |range: &str| format!("exact: after the last record read (content search of offsets {range})");
            let refusal = "the record is not on the new cluster (not copied yet, or different contents): searched \
                           offsets 0..3 by content";
            let (n05, n03, a05) = (next("0..5"), next("0..3"), after("0..5"));
            let rows = [
                ("r-drained", "orders", 0, 5, 0, Some(5), "committed", a05.as_str()),
                ("r-drained", "orders", 1, 5, 0, Some(5), "committed", a05.as_str()),
                ("r-drained", "orders", 2, 2, 3, Some(2), "committed", n03.as_str()),
                ("r-mid", "orders", 0, 2, 3, Some(2), "committed", n05.as_str()),
                ("r-mid", "orders", 1, 4, 1, Some(4), "committed", n05.as_str()),
                ("r-mid", "orders", 2, 1, 4, Some(1), "committed", n03.as_str()),
                ("r-tail", "orders", 0, 0, 5, Some(0), "held", n05.as_str()),
                ("r-tail", "orders", 1, 0, 5, Some(0), "held", n05.as_str()),
                ("r-tail", "orders", 2, 4, 1, None, "refused", refusal),
            ];
            let stderr = format!(
                "{NO_DESCRIBE_ON_NEW}Error: group 'r-tail', orders:2: {refusal}\n\
                 Note: 3 groups: 2 migrated, 1 refused, 0 failed\n"
            );
            assert_output(&migrate_groups(&args), &migration_table(&rows), &stderr, 1);
            let new_config = mock.client_config();
            check(orders_of(&new_config, "r-mid") == [Some(2), Some(4), Some(1)], || "r-mid".into())?;
            check(orders_of(&new_config, "r-drained") == [Some(5), Some(5), Some(2)], || "r-drained".into())?;
            check(orders_of(&new_config, "r-tail") == [None; 3], || "the refused group was committed".into())?;
            check(orders_of(&kafka.client_config(), "r-mid") == [Some(2), Some(4), Some(1)], || {
                "the old cluster changed".into()
            })
        }),
        ("a_group_with_members_on_the_old_cluster_is_not_migrated", |kafka| {
            let mock = new_cluster(|m, p| {
                m.produce_payloads("orders", p, &[format!("switched-{p}-0"), format!("switched-{p}-1")], T0);
            });
            commit_on_old(kafka, "a-busy", &[5, 5, 5]);
            commit_on_old(kafka, "a-idle", &[5, 5, 5]);
            let member = Member::join(&kafka.client_config(), "a-busy", "orders");
            let (old, new) = (kafka.bootstrap(), mock.bootstrap.clone());
            let out = migrate_groups(&[
                "--from",
                &old,
                "--to",
                &new,
                "--group",
                "a-busy",
                "--group",
                "a-idle",
                "--to-earliest",
                "--execute",
            ]);
            drop(member);
            let active = "the group has members on the old cluster";
            let rows = [
                ("a-busy", "orders", 0, 5, 0, None, "refused", active),
                ("a-busy", "orders", 1, 5, 0, None, "refused", active),
                ("a-busy", "orders", 2, 5, 0, None, "refused", active),
                ("a-idle", "orders", 0, 5, 0, Some(0), "committed", "earliest"),
                ("a-idle", "orders", 1, 5, 0, Some(0), "committed", "earliest"),
                ("a-idle", "orders", 2, 5, 0, Some(0), "committed", "earliest"),
            ];
            let stderr = format!(
                "Error: Assignments can only be reset if the group 'a-busy' is inactive, but the current state is Stable on the old cluster: stop its consumers \
                 first; nothing is committed for it\n{NO_DESCRIBE_ON_NEW}Note: 2 groups: 1 migrated, 1 refused, 0 \
                 failed\n"
            );
            assert_output(&out, &migration_table(&rows), &stderr, 3);
            let new_config = mock.client_config();
            check(orders_of(&new_config, "a-busy") == [None; 3], || "the active group was committed".into())?;
            check(orders_of(&new_config, "a-idle") == [Some(0); 3], || "a-idle not committed".into())
        }),
        ("a_group_with_members_on_the_new_cluster_is_refused_by_its_commit", |kafka| {
            // The mock cannot describe groups: the commit itself is refused, and said so.
            let mock = new_cluster(|m, p| {
                m.produce_payloads("orders", p, &[format!("switched-{p}-0"), format!("switched-{p}-1")], T0);
            });
            commit_on_old(kafka, "n-busy", &[5, 5, 5]);
            let member = Member::join(&mock.client_config(), "n-busy", "orders");
            let (old, new) = (kafka.bootstrap(), mock.bootstrap.clone());
            let out =
                migrate_groups(&["--from", &old, "--to", &new, "--group", "n-busy", "--to-earliest", "--execute"]);
            let new_config = mock.client_config();
            let after = orders_of(&new_config, "n-busy");
            drop(member);
            let active = "the group has members on the new cluster";
            let rows: Vec<_> = (0..3).map(|p| ("n-busy", "orders", p, 5, 0, None, "refused", active)).collect();
            let stderr = format!(
                "{NO_DESCRIBE_ON_NEW}Error: Assignments can only be reset if the group 'n-busy' is inactive, but the \
                 broker refused the commit with UNKNOWN_MEMBER_ID: the group has members. Nothing was committed for \
                 it.\nNote: 1 group: 0 migrated, 1 refused, 0 failed\n"
            );
            assert_output(&out, &migration_table(&rows), &stderr, 3);
            check(after == [None; 3], || format!("the active group was committed: {after:?}"))
        }),
        ("a_missing_topic_and_fewer_partitions_on_the_new_cluster_commit_nothing", |kafka| {
            let mock = Mock::start(1);
            mock.topic("orders", 2);
            commit_on_old(kafka, "m-orders", &[5, 5, 5]);
            commit(&kafka.client_config(), "m-payments", "payments", &[(0, 0)]);
            commit_on_old(kafka, "m-payments", &[5]);
            let (old, new) = (kafka.bootstrap(), mock.bootstrap.clone());
            let out = migrate_groups(&[
                "--from",
                &old,
                "--to",
                &new,
                "--group",
                "m-orders",
                "--group",
                "m-payments",
                "--to-earliest",
                "--execute",
            ]);
            let stderr = format!(
                "{NO_DESCRIBE_ON_NEW}Warn: group 'm-payments' has no committed offset on the old cluster for orders:1, \
                 orders:2, payments:1: on the new cluster its consumers will start there by their auto.offset.reset\n\
                 Error: topic 'orders' has 2 partitions on the new cluster, fewer than the 3 of \
                 'orders' on the old cluster (needed by groups 'm-orders', 'm-payments')\nError: topic 'payments' \
                 does not exist on the new cluster (needed by group 'm-payments')\n{NOTHING_COMMITTED}"
            );
            assert_output(&out, "", &stderr, 1);
            let new_config = mock.client_config();
            check(committed(&new_config, "m-orders", "orders", &[0, 1]) == [None; 2], || "committed".into())?;
            check(committed(&new_config, "m-payments", "orders", &[0]) == [None], || "committed".into())
        }),
    ]
}

fn main() {
    harness::run_shared(setup, cases(), drop);
}
