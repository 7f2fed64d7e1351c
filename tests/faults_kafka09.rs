//! Faults with a real Kafka 0.9.0.1 broker: killed between the plan and the commit, frozen (SIGSTOP) under a
//! lookup, a member joining before the commit; and --backup, whose file undoes the reset. Each case that harms the
//! broker starts its own.

use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::groups::{committed, Member};
use offset_tools_tests::harness::check;
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::run::{get_offset, reset_offsets, with_fault_before_commit, Output};
use offset_tools_tests::{scratch_dir, wait_until_closed_by_brokers};

fn broker() -> Kafka09 {
    let kafka = Kafka09::start();
    kafka.create_topic("orders", 2, &[]);
    for p in 0..2 {
        kafka.produce("orders", p, 6);
    }
    kafka
}

/// `reset-offsets ... --execute` paused before its commits while `fault` runs.
fn execute_with_fault(kafka: &Kafka09, args: &[&str], fault: impl FnOnce()) -> Output {
    let b = kafka.bootstrap();
    let base = ["--bootstrap-server", b.as_str(), "--execute"];
    with_fault_before_commit("reset-offsets", &[&base[..], args].concat(), |_| fault())
}

type Case = fn() -> Result<(), Failed>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("broker_killed_between_plan_and_commit", || {
            let kafka = broker();
            let out = execute_with_fault(
                &kafka,
                &["--group", "g", "--topic", "orders", "--to-earliest", "--timeout", "3000"],
                || {
                    kafka.signal_broker("KILL");
                    // Gone: its port refuses connections (the kernel closed its sockets, the tool's among them).
                    let address = kafka.bootstrap();
                    while std::net::TcpStream::connect(&address).is_ok() {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    wait_until_closed_by_brokers(&address);
                },
            );
            // The connection was closed before the commit was written: it was not sent.
            assert_output(
                &out,
                &reset_table(&[]),
                "Error: nothing was committed for group 'g': cannot find its coordinator: Connection refused (os error \
                 111)\n",
                1,
            );
            check(out.elapsed < Duration::from_secs(3 + 15), || format!("not bounded by --timeout: {:?}", out.elapsed))
        }),
        ("frozen_broker_bounds_both_tools", || {
            let kafka = broker();
            kafka.signal_broker("STOP");
            let b = kafka.bootstrap();
            let outs = [
                get_offset(&["--bootstrap-server", &b, "--timeout", "2000"]),
                reset_offsets(&[
                    "--bootstrap-server",
                    &b,
                    "--timeout",
                    "2000",
                    "--group",
                    "g",
                    "--topic",
                    "orders",
                    "--to-latest",
                    "--execute",
                ]),
            ];
            kafka.signal_broker("CONT");
            for out in &outs {
                assert_output(
                    out,
                    "",
                    &format!("Error: cannot connect to any bootstrap server ({b}: no answer in time)\n"),
                    1,
                );
                check(out.elapsed < Duration::from_secs(2 + 10), || format!("not bounded: {:?}", out.elapsed))?;
            }
            Ok(())
        }),
        ("member_joins_between_plan_and_commit", || {
            let kafka = broker();
            let config = kafka.client_config();
            let mut member = None;
            let out = execute_with_fault(&kafka, &["--group", "late", "--topic", "orders", "--to-earliest"], || {
                member = Some(Member::join(&config, "late", "orders"))
            });
            // 0.9 answers an outsider's commit (no generation, no member id) into a group with members with
            // UNKNOWN_MEMBER_ID.
            assert_output(
                &out,
                &reset_table(&[]),
                "Error: Assignments can only be reset if the group 'late' is inactive, but the broker refused the commit \
                 with UNKNOWN_MEMBER_ID: the group has members. Nothing was committed for it.\n",
                3,
            );
            drop(member);
            let got = committed(&config, "late", "orders", &[0, 1]);
            check(got == [None, None], || format!("committed {got:?}"))
        }),
        ("backup_file_undoes_the_reset", || {
            let kafka = broker();
            let b = kafka.bootstrap();
            let config = kafka.client_config();
            let dir = scratch_dir("backup");
            let backup = dir.join("before.csv");
            let backup = backup.to_str().unwrap();
            let base = ["--bootstrap-server", b.as_str(), "--group", "g"];
            assert_output(
                &reset_offsets(&[&base[..], &["--topic", "orders:0", "--to-offset", "2", "--execute"]].concat()),
                &reset_table(&[("g", "orders", 0, 2)]),
                "",
                0,
            );
            assert_output(
                &reset_offsets(
                    &[&base[..], &["--topic", "orders", "--to-latest", "--execute", "--backup", backup]].concat(),
                ),
                &reset_table(&[("g", "orders", 0, 6), ("g", "orders", 1, 6)]),
                "Warn: --backup: group 'g' had no committed offset for orders:1, and its coordinator cannot delete one \
                 (OffsetDelete, Kafka 2.4+): restoring the backup leaves the new one\n",
                0,
            );
            check(std::fs::read_to_string(backup).unwrap() == "orders,0,2\norders,1,-\n\n", || {
                "backup content".into()
            })?;
            assert_output(
                &reset_offsets(
                    &[&base[..], &["--topic", "orders", "--to-latest", "--execute", "--backup", backup]].concat(),
                ),
                "",
                &format!("Error: --backup {backup} already exists; give a new file\n"),
                2,
            );
            assert_output(
                &reset_offsets(
                    &[&base[..], &["--topic", "orders", "--to-latest", "--dry-run", "--backup", "/tmp/x.csv"]].concat(),
                ),
                "",
                "Error: --backup needs --execute\n",
                2,
            );
            // The undo.
            assert_output(
                &reset_offsets(&[&base[..], &["--from-file", backup, "--execute"]].concat()),
                &reset_table(&[("g", "orders", 0, 2)]),
                "Warn: group 'g': its coordinator cannot delete committed offsets (OffsetDelete, Kafka 2.4+): orders:1 \
                 keeps its offset\n",
                0,
            );
            let got = committed(&config, "g", "orders", &[0, 1]);
            let _ = std::fs::remove_dir_all(dir);
            check(got == [Some(2), Some(6)], || format!("after the undo: {got:?}"))
        }),
    ]
}

fn main() {
    let args = Arguments::from_args();
    let trials = cases().into_iter().map(|(name, case)| Trial::test(name, case)).collect();
    libtest_mimic::run(&args, trials).exit();
}
