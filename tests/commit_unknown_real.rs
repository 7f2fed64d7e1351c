//! A commit whose answer never comes back, on real brokers: a loopback proxy (advertised as the broker's address)
//! forwards each OffsetCommit whole and closes the client's connection before the broker's answer reaches it. The
//! broker applies the commit; the tool must say it may or may not have been applied (never "not committed"), exit 1
//! within --timeout, and Kafka's own `--describe` then shows what the broker did.

use offset_tools_tests::cut_proxy::CutProxy;
use offset_tools_tests::free_port;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::oracle::described_offsets;
use offset_tools_tests::produce::produce;
use offset_tools_tests::run::reset_offsets;

struct Fixture {
    kafka: Kafka,
    proxy: CutProxy,
}

fn setup(version: Version) -> Fixture {
    // The broker's port is known before it starts, so that the proxy serves every client (and the broker itself)
    // that learns the advertised address while it starts.
    let port = free_port();
    let proxy = CutProxy::start(port);
    let advertised = format!("advertised.listeners=PLAINTEXT://127.0.0.1:{}", proxy.port);
    let kafka = Kafka::start_with(Options::new(version).port(port).setting(&advertised));
    kafka.create_topic("orders", 2, &[]);
    for p in 0..2 {
        produce(&kafka.client_config(), "orders", p, 10, None);
    }
    Fixture { kafka, proxy }
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![("a_commit_whose_answer_is_cut_may_or_may_not_have_been_applied", &[Version::V3_9, Version::V4_4], |f| {
        f.proxy.cut_commits();
        let bootstrap = format!("127.0.0.1:{}", f.proxy.port);
        let out = reset_offsets(&[
            "--bootstrap-server",
            &bootstrap,
            "--group",
            "cut",
            "--topic",
            "orders",
            "--to-offset",
            "4",
            "--execute",
            "--timeout",
            "8000",
        ]);
        check(f.proxy.cuts() >= 1, || format!("no commit went through the proxy: {out:?}"))?;
        let said = "Error: the commit of group 'cut' was not confirmed: the broker closed the connection; it may or \
                    may not have been applied (see it with --to-current --dry-run)\n";
        let header = "\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n";
        check(out.code == Some(1) && out.stderr == said && out.stdout == header, || format!("{out:?}"))?;
        // What the broker did: it applied the commit, as Kafka's own tool shows.
        let described = f.kafka.consumer_groups(&["--describe", "--group", "cut", "--offsets"]);
        check(described.code == Some(0) && described.stdout.contains("\ncut "), || format!("{described:?}"))?;
        let offsets = described_offsets(&described.stdout, "cut");
        let applied = [(("orders".to_string(), 0), Some(4)), (("orders".to_string(), 1), Some(4))].into();
        check(offsets == applied, || format!("Kafka's --describe: {offsets:?}"))
    })]
}

fn main() {
    harness::run_per_version(setup, cases());
}
