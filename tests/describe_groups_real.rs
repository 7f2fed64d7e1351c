//! describe-groups on real Kafka 2.8, 3.9, 4.1 and 4.4 brokers, side by side with Kafka 4.4's own
//! `kafka-consumer-groups.sh --describe` and `--list` run against the same broker (4.4's tool reads brokers from
//! 2.1 on): the offsets, members and state views of an empty group with offsets on two topics, of a classic group
//! with a live member, of a KIP-848 group with a live member (4.x), whole stdouts compared; `--list` with its
//! `--state` and `--type` columns; a group that does not exist; the `kafka-consumer-groups.sh` shim.

use libtest_mimic::Failed;
use offset_tools_tests::groups::{commit, Member};
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Version};
use offset_tools_tests::produce::produce_to_each;
use offset_tools_tests::run::{shim, tool, Output};

const ALL: &[Version] = &Version::ALL;
const V4: &[Version] = &[Version::V4_1, Version::V4_4];
const CONSUMER_GROUPS: &str = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

struct Fixture {
    kafka: Kafka,
}

fn setup(version: Version) -> Fixture {
    let kafka = Kafka::start(version);
    for (topic, partitions) in [("orders", 3), ("payments-with-a-long-topic-name", 2), ("live", 2)] {
        kafka.create_topic(topic, partitions, &[]);
        produce_to_each(&kafka.client_config(), topic, partitions, 6);
    }
    let config = kafka.client_config();
    commit(&config, "d-empty-group", "orders", &[(0, 2), (2, 6)]);
    commit(&config, "d-empty-group", "payments-with-a-long-topic-name", &[(1, 1)]);
    Fixture { kafka }
}

fn ours(f: &Fixture, args: &[&str]) -> Output {
    tool("describe-groups", &[&["--bootstrap-server", f.kafka.bootstrap().as_str()], args].concat(), None)
}

fn kafkas(f: &Fixture, args: &[&str]) -> Output {
    let bootstrap = f.kafka.bootstrap();
    f.kafka.tool_of(Version::V4_4, CONSUMER_GROUPS, &[&["--bootstrap-server", bootstrap.as_str()], args].concat())
}

/// The same arguments to both: the same whole stdout, exit 0.
fn same(f: &Fixture, args: &[&str]) -> Result<Output, Failed> {
    let theirs = kafkas(f, args);
    check(theirs.code == Some(0) && !theirs.stdout.contains("Error"), || format!("Kafka's tool: {theirs:?}"))?;
    let out = ours(f, args);
    check(out.stdout == theirs.stdout && out.code == Some(0), || {
        format!(
            "{args:?} on {}\n----- Kafka 4.4's\n{}----- ours\n{}{}",
            f.kafka.version, theirs.stdout, out.stdout, out.stderr
        )
    })?;
    Ok(out)
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("an_empty_group_with_offsets", ALL, |f| {
            let out = same(f, &["--describe", "--group", "d-empty-group"])?;
            check(out.stderr == "Consumer group 'd-empty-group' has no active members.\n", || format!("{out:?}"))?;
            same(f, &["--describe", "--group", "d-empty-group", "--state"])?;
            same(f, &["--describe", "--group", "d-empty-group", "--members"]).map(drop)
        }),
        ("a_classic_group_with_a_member", ALL, |f| {
            commit(&f.kafka.client_config(), "d-classic", "live", &[(0, 1)]);
            let member = Member::join(&f.kafka.client_config(), "d-classic", "live");
            same(f, &["--describe", "--group", "d-classic"])?;
            same(f, &["--describe", "--group", "d-classic", "--members"])?;
            same(f, &["--describe", "--group", "d-classic", "--state"])?;
            drop(member);
            Ok(())
        }),
        ("a_consumer_protocol_group_with_a_member", V4, |f| {
            let member = Member::join_consumer_protocol(&f.kafka.client_config(), "d-848", "live");
            same(f, &["--describe", "--group", "d-848"])?;
            same(f, &["--describe", "--group", "d-848", "--members", "--verbose"])?;
            drop(member);
            Ok(())
        }),
        ("several_groups_in_one_run", ALL, |f| {
            commit(&f.kafka.client_config(), "d-other", "orders", &[(1, 3)]);
            same(f, &["--describe", "--group", "d-other", "--group", "d-empty-group"]).map(drop)
        }),
        ("list_with_its_columns", ALL, |f| {
            let sorted = |stdout: &str| {
                let mut lines: Vec<&str> = stdout.lines().collect();
                let header = lines.first().filter(|l| l.starts_with("GROUP")).copied();
                lines.retain(|l| Some(*l) != header);
                lines.sort();
                header.into_iter().chain(lines).map(|l| format!("{l}\n")).collect::<String>()
            };
            let columns: &[&str] = if f.kafka.version >= Version::V3_9 {
                &["--list", "--state", "--type"]
            } else {
                &["--list", "--state"]
            };
            for args in [&["--list"][..], columns] {
                let (theirs, out) = (kafkas(f, args), ours(f, args));
                check(out.code == Some(0) && out.stdout == sorted(&theirs.stdout) && !out.stdout.is_empty(), || {
                    format!("{args:?}\n----- Kafka 4.4's, sorted\n{}----- ours\n{}", sorted(&theirs.stdout), out.stdout)
                })?;
            }
            Ok(())
        }),
        ("a_group_that_does_not_exist", ALL, |f| {
            let out = ours(f, &["--describe", "--group", "d-nobody"]);
            check(
                out.code == Some(1)
                    && out.stdout.is_empty()
                    && out.stderr == "Error: Consumer group 'd-nobody' does not exist.\n",
                || format!("{out:?}"),
            )
        }),
        ("the_shim_runs_describe_groups", ALL, |f| {
            let bootstrap = f.kafka.bootstrap();
            let args = ["--bootstrap-server", bootstrap.as_str(), "--describe", "--group", "d-empty-group"];
            let out = shim("kafka-consumer-groups.sh", &args);
            let direct = ours(f, &args[2..]);
            check(out.code == Some(0) && out.stdout == direct.stdout && !out.stdout.is_empty(), || format!("{out:?}"))
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
