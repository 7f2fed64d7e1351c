//! dev-broker: starts librdkafka's mock cluster on loopback, creates topics, produces timestamped messages, prints
//! the bootstrap address on the first line of stdout, and runs until stopped (SIGTERM, Ctrl-C, or stdin closed
//! with --exit-on-stdin-close). For `make demo` and `make bench`; not a real Kafka broker.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use kafka_mock::MockCluster;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

/// A development Kafka cluster (librdkafka's mock brokers) for demos and benchmarks.
#[derive(Debug, Parser)]
#[command(name = "dev-broker", version)]
struct Args {
    /// Number of brokers.
    #[arg(long, default_value_t = 3)]
    brokers: i32,

    /// A topic to create, as NAME:PARTITIONS[:MESSAGES-PER-PARTITION]; repeatable.
    #[arg(long = "topic", value_name = "SPEC", default_values_t = ["orders:3:5".to_string(), "payments:2:3".to_string()])]
    topics: Vec<String>,

    /// Timestamp (ms) of the first message; each next message of a partition is one second later.
    #[arg(long, default_value_t = 1_700_000_000_000)]
    first_timestamp: i64,

    /// Stop when stdin reaches end of file (for scripts that hold a pipe open).
    #[arg(long)]
    exit_on_stdin_close: bool,
}

fn parse_topic(spec: &str) -> Result<(String, i32, u32), String> {
    let mut parts = spec.split(':');
    let name = parts.next().filter(|n| !n.is_empty()).ok_or(format!("bad topic spec '{spec}'"))?;
    let partitions = parts.next().unwrap_or("1").parse().map_err(|_| format!("bad partition count in '{spec}'"))?;
    let messages = parts.next().unwrap_or("0").parse().map_err(|_| format!("bad message count in '{spec}'"))?;
    Ok((name.to_string(), partitions, messages))
}

fn run(args: Args) -> Result<(), String> {
    let topics: Vec<_> = args.topics.iter().map(|s| parse_topic(s)).collect::<Result<_, _>>()?;
    let cluster = MockCluster::new(args.brokers)?;
    let bootstrap = cluster.bootstrap_servers();
    for (name, partitions, _) in &topics {
        cluster.create_topic_spread(name, *partitions)?;
    }
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("linger.ms", "5")
        .set("log_level", "0")
        .create()
        .map_err(|e| format!("producer: {e}"))?;
    for (name, partitions, messages) in &topics {
        for p in 0..*partitions {
            for i in 0..*messages {
                let payload = format!("{name}-{p}-{i}");
                let record = BaseRecord::<(), _>::to(name)
                    .partition(p)
                    .payload(&payload)
                    .timestamp(args.first_timestamp + i as i64 * 1000);
                producer.send(record).map_err(|(e, _)| format!("produce: {e}"))?;
            }
        }
    }
    producer.flush(Duration::from_secs(30)).map_err(|e| format!("flush: {e}"))?;
    drop(producer);

    let mut stdout = io::stdout();
    writeln!(stdout, "{bootstrap}").and_then(|()| stdout.flush()).map_err(|e| e.to_string())?;
    if args.exit_on_stdin_close {
        for line in io::stdin().lock().lines() {
            if line.is_err() {
                break;
            }
        }
    } else {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dev-broker: {e}");
            ExitCode::FAILURE
        }
    }
}
