//! Many groups in one reset-offsets run against a real Kafka 0.9.0.1 broker (which describes groups and keeps
//! their offsets in __consumer_offsets): run right after the broker started, before the offsets topic exists (its
//! coordinators are not available, then loading: both retried within --timeout); with active groups among them;
//! and a 4-column --from-file for all of them. Every group's committed offsets are read back afterwards. Each case
//! starts its own broker.

use libtest_mimic::{Arguments, Failed, Trial};
use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::groups::{committed, Member};
use offset_tools_tests::harness::check;
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::run::{reset_offsets, tool};

fn broker() -> Kafka09 {
    let kafka = Kafka09::start();
    kafka.create_topic("orders", 3, &[]);
    for p in 0..3 {
        kafka.produce("orders", p, 5 + p as usize);
    }
    kafka
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:02}")).collect()
}

fn with_groups<'a>(mut args: Vec<&'a str>, groups: &'a [String]) -> Vec<&'a str> {
    args.extend(groups.iter().flat_map(|g| ["--group", g.as_str()]));
    args
}

type Case = fn() -> Result<(), Failed>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("forty_groups_right_after_the_broker_starts", || {
            // No group has been used on this broker yet: __consumer_offsets is created by the first coordinator
            // lookup, and its partitions are loading for a moment after.
            let kafka = broker();
            let b = kafka.bootstrap();
            let groups = names("g", 40);
            let args = with_groups(
                vec!["--bootstrap-server", &b, "--topic", "orders", "--to-earliest", "--execute", "--timeout", "30000"],
                &groups,
            );
            let rows: Vec<(&str, &str, i32, i64)> =
                groups.iter().flat_map(|g| (0..3).map(move |p| (g.as_str(), "orders", p, 0))).collect();
            assert_output(&reset_offsets(&args), &reset_table(&rows), "", 0);
            let config = kafka.client_config();
            for group in &groups {
                let got = committed(&config, group, "orders", &[0, 1, 2]);
                check(got == [Some(0); 3], || format!("{group}: {got:?}"))?;
            }
            // Then a 4-column file with another offset for each group and partition, in one run.
            let file: String = groups
                .iter()
                .enumerate()
                .flat_map(|(i, g)| (0..3).map(move |p| format!("{g},orders,{p},{}\n", (i + p as usize) % 5)))
                .collect();
            let args =
                with_groups(vec!["--bootstrap-server", &b, "--from-file", "-", "--execute", "--export"], &groups);
            let out = tool("reset-offsets", &args, Some(&file));
            let mut expected: Vec<&str> = file.lines().collect();
            expected.sort();
            assert_output(&out, &format!("{}\n\n", expected.join("\n")), "", 0);
            for (i, group) in groups.iter().enumerate() {
                let want: Vec<Option<i64>> = (0..3).map(|p| Some(((i + p) % 5) as i64)).collect();
                let got = committed(&config, group, "orders", &[0, 1, 2]);
                check(got == want, || format!("{group}: {got:?}, wanted {want:?}"))?;
            }
            Ok(())
        }),
        ("active_groups_among_many_are_refused_and_the_others_reset", || {
            let kafka = broker();
            let b = kafka.bootstrap();
            let config = kafka.client_config();
            let members = [Member::join(&config, "busy-a", "orders"), Member::join(&config, "busy-b", "orders")];
            let idle = names("idle", 20);
            let all: Vec<String> = idle.iter().cloned().chain(["busy-a".to_string(), "busy-b".to_string()]).collect();
            let args =
                with_groups(vec!["--bootstrap-server", &b, "--topic", "orders:1", "--to-latest", "--execute"], &all);
            let rows: Vec<(&str, &str, i32, i64)> = idle.iter().map(|g| (g.as_str(), "orders", 1, 6)).collect();
            assert_output(
                &reset_offsets(&args),
                &reset_table(&rows),
                "Error: Assignments can only be reset if the group 'busy-a' is inactive, but the current state is Stable.\n\
                 Error: Assignments can only be reset if the group 'busy-b' is inactive, but the current state is Stable.\n",
                3,
            );
            for group in &idle {
                let got = committed(&config, group, "orders", &[1]);
                check(got == [Some(6)], || format!("{group}: {got:?}"))?;
            }
            drop(members);
            for group in ["busy-a", "busy-b"] {
                let got = committed(&config, group, "orders", &[0, 1, 2]);
                check(got == [None; 3], || format!("{group} was changed: {got:?}"))?;
            }
            Ok(())
        }),
    ]
}

fn main() {
    let args = Arguments::from_args();
    let trials = cases().into_iter().map(|(name, case)| Trial::test(name, case)).collect();
    libtest_mimic::run(&args, trials).exit();
}
